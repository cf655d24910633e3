"""The invariants of DESIGN.md as one check against the database, shared by the stateful test
(tests/test_invariants_stateful.py, after every step) and the load run (loadtest/run.py, after
the run):

- every `active` company has an admin who can act (not locked, not erased);
- role assignments exist only for members of working companies (active, or active until its
  approved deletion date) and only for roles of active applications;
- a deleted company keeps no members;
- every change of a membership, role, admin flag, company state or account state between two
  snapshots came with an audit event of that company or person (`changes_have_events`);
- the outbox holds no mail twice for one event and recipient.
"""

from collections import Counter

from django.db.models import Count

from meinekammer.accounts.models import User
from meinekammer.applications.models import RoleAssignment
from meinekammer.audit.models import AuditEvent
from meinekammer.companies.models import (
    Company,
    CompanyDeletion,
    CompanyState,
    Invitation,
    MemberRequest,
    Membership,
)
from meinekammer.companies.rules import WORKING_STATES, admins_who_can_act
from meinekammer.notifications.models import OutboundEmail


def snapshot() -> dict:
    """The state the invariants speak of, as plain values."""
    return {
        "memberships": set(
            Membership.objects.values_list("pk", "company_id", "user_id", "is_admin")
        ),
        "roles": set(
            RoleAssignment.objects.values_list(
                "membership_id", "membership__company_id", "membership__user_id", "role_id"
            )
        ),
        "companies": dict(Company.objects.values_list("pk", "state")),
        "accounts": {
            pk: (locked is not None, deleted is not None, active)
            for pk, locked, deleted, active in User.objects.values_list(
                "pk", "locked_at", "deleted_at", "is_active"
            )
        },
        "requests": dict(MemberRequest.objects.values_list("pk", "state")),
        "deletions": dict(CompanyDeletion.objects.values_list("pk", "state")),
        "invitations": dict(Invitation.objects.values_list("pk", "state")),
    }


def last_event_id() -> int | None:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()


def events_since(last_event: int | None) -> list:
    new_events = AuditEvent.objects.all()
    if last_event is not None:
        new_events = new_events.filter(pk__gt=last_event)
    return list(new_events.values_list("action", "company_id", "subject_user_id", "actor_id"))


def changes_have_events(before: dict, after: dict, events: list) -> None:
    about: Counter = Counter()
    for _action, company, subject, acting in events:
        about[("company", company)] += 1
        about[("person", subject)] += 1
        about[("person", acting)] += 1
        about[("both", company, subject)] += 1

    for _pk, company, user, _admin in before["memberships"] ^ after["memberships"]:
        assert about[("both", company, user)], f"membership of {user} in {company} changed silently"
    for _membership, company, user, _role in before["roles"] ^ after["roles"]:
        assert about[("both", company, user)], f"role of {user} in {company} changed silently"
    for company, state in after["companies"].items():
        if before["companies"].get(company) != state:
            assert about[("company", company)], f"company {company} became {state} silently"
    for user, state in after["accounts"].items():
        if before["accounts"].get(user, state) != state:
            assert about[("person", user)], f"account {user} changed silently"


def company_rules_hold() -> None:
    for company in Company.objects.filter(state=CompanyState.ACTIVE):
        assert admins_who_can_act(company).exists(), f"{company} has no admin who can act"
    misplaced = RoleAssignment.objects.exclude(
        membership__company__state__in=WORKING_STATES,
        role__is_active=True,
        role__application__is_active=True,
    )
    assert not misplaced.exists(), list(misplaced.values("membership__company__state", "role_id"))
    gone = Membership.objects.filter(company__state=CompanyState.DELETED)
    assert not gone.exists(), "a deleted company kept members"


def no_mail_twice() -> None:
    duplicates = (
        OutboundEmail.objects.values("event_key", "recipient")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert not duplicates.exists(), list(duplicates)


def check_invariants(
    before: dict | None = None, after: dict | None = None, events: list | None = None
) -> None:
    """Every invariant; with `before` (a snapshot) also that every change since then up to
    `after` (default: now) has its audit event among `events`. AssertionError if one fails."""
    if before is not None:
        changes_have_events(before, after if after is not None else snapshot(), events or [])
    company_rules_hold()
    no_mail_twice()
