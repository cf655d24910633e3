"""The deletion job on PostgreSQL: twice, in two workers at once, and racing a revocation."""

from datetime import date

import pytest

from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.companies.models import Company, CompanyDeletion, CompanyState, DeletionState
from meinekammer.companies.services import deletion as service
from meinekammer.core.actor import Actor, Interface
from meinekammer.notifications.models import OutboundEmail
from tests.companies.factories import CompanyFactory, MembershipFactory
from tests.concurrency import at_once

JOB = Actor.system(Interface.JOB)

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

DAY = date(2026, 4, 1)


@pytest.fixture
def scheduled(chamber, staff):
    companies = []
    for number in range(3):
        company = CompanyFactory(chamber=chamber, name=f"Firma {number} GmbH")
        admin = MembershipFactory(company=company, is_admin=True).user
        MembershipFactory(company=company)
        deletion = service.request_company_deletion(
            Actor.of(admin), company_id=company.pk, reason="Schluss"
        )
        service.approve_company_deletion(Actor.of(staff), deletion_id=deletion.pk)
        CompanyDeletion.objects.filter(pk=deletion.pk).update(delete_on=DAY)
        companies.append((company, admin))
    return companies


def test_two_workers_running_the_job_at_once_delete_each_company_once(scheduled):
    results, _refusals, errors = at_once(
        lambda: service.execute_due_deletions(JOB, today=DAY),
        lambda: service.execute_due_deletions(JOB, today=DAY),
    )
    assert errors == []
    assert sum(results) == 3
    assert Company.objects.filter(state=CompanyState.DELETED).count() == 3
    assert AuditEvent.objects.filter(action=AuditAction.COMPANY_DELETED).count() == 3
    # Two members per company, each told once.
    assert OutboundEmail.objects.filter(template="companies/email/company_deleted").count() == 6
    assert service.execute_due_deletions(JOB, today=DAY) == 0


def test_revocation_racing_the_job_never_deletes_a_revoked_company(scheduled):
    for company, admin in scheduled:
        _results, refusals, errors = at_once(
            lambda company=company, admin=admin: service.revoke_company_deletion(
                Actor.of(admin), company_id=company.pk
            ),
            lambda: service.execute_due_deletions(JOB, today=DAY),
        )
        assert errors == []
        company.refresh_from_db()
        deletion = CompanyDeletion.objects.filter(company=company).latest("requested_at")
        if company.state == CompanyState.ACTIVE:
            # The revocation won: the job found nothing to delete.
            assert deletion.state == DeletionState.REVOKED and company.name
        else:
            # The job won: the revocation was told it came too late.
            assert company.state == CompanyState.DELETED
            assert deletion.state == DeletionState.EXECUTED
            assert len(refusals) == 1
    assert service.execute_due_deletions(JOB, today=DAY) == 0


def test_a_double_clicked_revocation_revokes_once(scheduled):
    company, admin = scheduled[0]
    results, refusals, errors = at_once(
        lambda: service.revoke_company_deletion(Actor.of(admin), company_id=company.pk),
        lambda: service.revoke_company_deletion(Actor.of(admin), company_id=company.pk),
    )
    assert errors == [] and len(results) == 1 and len(refusals) == 1
    assert (
        OutboundEmail.objects.filter(template="companies/email/deletion_revoked_staff").count() == 1
    )
