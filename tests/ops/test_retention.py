"""Retention (GDPR Art. 5(1)(e)): the daily job deletes what is past its period, in batches,
and keeps what something still needs (ops/retention.py)."""

import logging
import secrets
from datetime import timedelta

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.utils import timezone

from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.companies.models import (
    CompanyDeletion,
    CompanyState,
    DeletionState,
    Invitation,
    InvitationState,
    MemberRequest,
    NewPasswordRequest,
    PasswordRequestState,
    RequestKind,
    RequestState,
)
from meinekammer.notifications.models import DevMailboxMessage, EmailStatus, OutboundEmail
from meinekammer.ops.retention import apply_retention
from meinekammer.schedules import SCHEDULES
from tests.accounts.factories import UserFactory
from tests.companies.factories import CompanyFactory, MembershipFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()
LONG_AGO = NOW - timedelta(days=800)  # past every period
RECENTLY = NOW - timedelta(days=10)  # within every period


def event(action=AuditAction.PROFILE_CHANGED, *, at=LONG_AGO, **fields) -> AuditEvent:
    return AuditEvent.objects.create(action=action, occurred_at=at, **fields)


def exists(row) -> bool:
    return type(row).objects.filter(pk=row.pk).exists()


# --- Audit events ----------------------------------------------------------------------------


def test_audit_events_older_than_the_period_go_and_younger_ones_stay(settings):
    settings.RETENTION_AUDIT_EVENT_DAYS = 730
    old = event(at=NOW - timedelta(days=731))
    young = event(at=NOW - timedelta(days=729))
    counts = apply_retention(now=NOW)
    assert counts["audit_events"] == 1
    assert not exists(old) and exists(young)


def test_the_history_of_a_company_whose_deletion_is_pending_stays(chamber):
    pending = CompanyFactory(chamber=chamber, state=CompanyState.DELETION_REQUESTED)
    CompanyDeletion.objects.create(
        company=pending,
        reason="Geschäftsaufgabe",
        requested_at=NOW,
        delete_on=(NOW + timedelta(days=30)).date(),
    )
    revoked = CompanyFactory(chamber=chamber)
    CompanyDeletion.objects.create(
        company=revoked,
        state=DeletionState.REVOKED,
        reason="Geschäftsaufgabe",
        requested_at=LONG_AGO,
        delete_on=LONG_AGO.date(),
    )
    kept = event(AuditAction.MEMBER_ADDED, company=pending)
    gone = event(AuditAction.MEMBER_ADDED, company=revoked)
    apply_retention(now=NOW)
    assert exists(kept) and not exists(gone)


def test_the_appointment_of_a_current_admin_stays_that_of_a_former_one_goes(chamber):
    company = CompanyFactory(chamber=chamber)
    last_admin = MembershipFactory(company=company, is_admin=True).user
    former = MembershipFactory(company=company, is_admin=False).user
    kept = event(AuditAction.ADMIN_APPOINTED, company=company, subject_user=last_admin)
    gone = event(AuditAction.ADMIN_APPOINTED, company=company, subject_user=former)
    other = event(AuditAction.ROLE_ASSIGNED, company=company, subject_user=last_admin)
    apply_retention(now=NOW)
    assert exists(kept)
    assert not exists(gone) and not exists(other)


def test_an_accounts_first_and_last_login_stay_so_that_it_does_not_look_new():
    user = UserFactory()
    first, middle, last = (
        event(AuditAction.LOGIN, subject_user=user, at=LONG_AGO + timedelta(days=day))
        for day in (0, 1, 2)
    )
    apply_retention(now=NOW)
    assert exists(first) and exists(last) and not exists(middle)


# --- Mail ------------------------------------------------------------------------------------


def mail(status, *, at, **fields) -> OutboundEmail:
    return OutboundEmail.objects.create(
        event_key=secrets.token_hex(8),
        recipient="person@firma.example",
        language="de",
        template="t",
        subject="Betreff",
        body_text="Text",
        body_html="<p>Text</p>",
        status=status,
        created_at=at,
        next_attempt_at=at,
        sent_at=at if status == EmailStatus.SENT else None,
        **fields,
    )


def test_delivered_and_given_up_mail_goes_after_the_period_waiting_mail_stays(settings):
    settings.RETENTION_DELIVERED_EMAIL_DAYS = 30
    old_sent = mail(EmailStatus.SENT, at=NOW - timedelta(days=31))
    young_sent = mail(EmailStatus.SENT, at=NOW - timedelta(days=29))
    old_failed = mail(EmailStatus.FAILED, at=NOW - timedelta(days=31))
    old_pending = mail(EmailStatus.PENDING, at=LONG_AGO)
    captured = DevMailboxMessage.objects.create(
        received_at=NOW - timedelta(days=31), sender="s", recipients="r", subject="s", body_text=""
    )
    counts = apply_retention(now=NOW)
    assert counts["emails"] == 2 and counts["mailbox_messages"] == 1
    assert exists(young_sent) and exists(old_pending)
    assert not exists(old_sent) and not exists(old_failed) and not exists(captured)


def test_a_mail_sent_late_counts_from_its_delivery_not_from_when_it_was_queued():
    late = mail(EmailStatus.SENT, at=LONG_AGO)
    OutboundEmail.objects.filter(pk=late.pk).update(sent_at=RECENTLY)
    apply_retention(now=NOW)
    assert exists(late)


# --- Ended records ---------------------------------------------------------------------------


def invitation(company, state, *, at=LONG_AGO) -> Invitation:
    return Invitation.objects.create(
        company=company,
        email=f"{secrets.token_hex(4)}@firma.example",
        token_digest=secrets.token_hex(32),
        state=state,
        sent_at=at,
        expires_at=at + timedelta(days=14),
        decided_at=None if state in (InvitationState.PENDING, InvitationState.EXPIRED) else at,
    )


def request(company, state, *, at=LONG_AGO, **fields) -> MemberRequest:
    decided = state not in (RequestState.OPEN, RequestState.ASSIGNED)
    return MemberRequest.objects.create(
        company=company,
        requester=UserFactory(),
        kind=RequestKind.JOIN,
        state=state,
        decided_at=at if decided else None,
        comment="Ich bin die neue Ausbilderin.",
        **fields,
    )


def test_ended_invitations_go_pending_ones_and_those_a_waiting_request_needs_stay(
    chamber, settings
):
    settings.RETENTION_ENDED_RECORD_DAYS = 90
    company = CompanyFactory(chamber=chamber)
    expired = invitation(company, InvitationState.EXPIRED)
    revoked = invitation(company, InvitationState.REVOKED)
    followed = invitation(company, InvitationState.ACCEPTED)
    request(company, RequestState.APPROVED, invitation=followed)
    waiting_on = invitation(company, InvitationState.ACCEPTED)
    request(company, RequestState.OPEN, invitation=waiting_on)
    pending = invitation(company, InvitationState.PENDING)
    young = invitation(company, InvitationState.REVOKED, at=NOW - timedelta(days=89))
    counts = apply_retention(now=NOW)
    assert counts["invitations"] == 3
    assert not exists(expired) and not exists(revoked) and not exists(followed)
    assert exists(waiting_on) and exists(pending) and exists(young)


def test_refused_withdrawn_and_cancelled_requests_go_open_and_approved_ones_stay(chamber):
    company = CompanyFactory(chamber=chamber)
    gone = [request(company, state) for state in ("rejected", "withdrawn", "cancelled")]
    kept = [
        request(company, RequestState.OPEN),
        request(company, RequestState.ASSIGNED),
        request(company, RequestState.APPROVED),
        request(company, RequestState.REJECTED, at=RECENTLY),
    ]
    refused = NewPasswordRequest.objects.create(
        company=company, state=PasswordRequestState.REJECTED, decided_at=LONG_AGO
    )
    still_open = NewPasswordRequest.objects.create(company=CompanyFactory(chamber=chamber))
    counts = apply_retention(now=NOW)
    assert counts["member_requests"] == 3 and counts["password_requests"] == 1
    assert not any(exists(r) for r in gone) and not exists(refused)
    assert all(exists(r) for r in kept) and exists(still_open)


def test_expired_sessions_and_records_of_ended_devices_go():
    user = UserFactory()
    Session.objects.create(session_key="a" * 32, session_data="", expire_date=NOW - timedelta(1))
    alive = Session.objects.create(
        session_key="b" * 32, session_data="", expire_date=NOW + timedelta(hours=1)
    )
    ended = UserSession.objects.create(
        user=user, ip="198.51.100.1", session_key="a" * 32, user_agent="Firefox"
    )
    UserSession.objects.filter(pk=ended.pk).update(last_seen_at=NOW - timedelta(days=3))
    current = UserSession.objects.create(
        user=user, ip="198.51.100.2", session_key="b" * 32, user_agent="Firefox"
    )
    counts = apply_retention(now=NOW)
    assert counts["sessions"] == 1 and counts["device_records"] == 1
    assert exists(alive) and exists(current) and not exists(ended)


# --- The job -----------------------------------------------------------------------------------


def test_the_job_deletes_in_batches_and_a_second_run_finds_nothing(chamber):
    events = [event() for _ in range(7)]
    counts = apply_retention(now=NOW, batch_size=3)
    assert counts["audit_events"] == 7
    assert not any(exists(e) for e in events)
    assert set(apply_retention(now=NOW, batch_size=3).values()) == {0}


def test_the_log_says_how_many_and_nothing_about_whom(caplog):
    user = UserFactory(email="geheim@firma.example")
    mail(EmailStatus.SENT, at=LONG_AGO)
    event(subject_user=user, data={"email": user.email})
    with caplog.at_level(logging.INFO, logger="meinekammer.ops.retention"):
        apply_retention(now=NOW)
    (line,) = [r.getMessage() for r in caplog.records if r.name == "meinekammer.ops.retention"]
    assert "audit_events=1" in line and "emails=1" in line
    assert "geheim" not in line and "firma.example" not in line and "person@" not in line


def test_the_job_is_scheduled_daily_and_runs_through_the_task_queue(run_tasks):
    from django_tasks_db.models import DBTaskResult

    from meinekammer.ops.tasks import apply_retention as task

    (schedule,) = [s for s in SCHEDULES if s.name == "apply-retention"]
    assert schedule.task_path == "meinekammer.ops.tasks.apply_retention"
    assert schedule.every == timedelta(days=1)
    old = event()
    task.enqueue()
    run_tasks()
    assert not exists(old)
    assert DBTaskResult.objects.get(task_path=schedule.task_path).status == "SUCCESSFUL"
