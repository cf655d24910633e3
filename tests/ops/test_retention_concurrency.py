"""Two runs of the retention job at once (two hosts, or a retry) on PostgreSQL with real
connections: every row past its period goes exactly once, nothing else goes, neither fails."""

from datetime import timedelta

import pytest
from django.utils import timezone

from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.companies.models import CompanyState
from meinekammer.ops.retention import apply_retention
from tests.companies.factories import CompanyFactory, MembershipFactory
from tests.concurrency import at_once

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_two_runs_at_once_delete_each_old_event_once_and_keep_what_is_needed(chamber):
    now = timezone.now()
    old = now - timedelta(days=800)
    company = CompanyFactory(chamber=chamber, state=CompanyState.ACTIVE)
    admin = MembershipFactory(company=company, is_admin=True).user
    kept = AuditEvent.objects.create(
        action=AuditAction.ADMIN_APPOINTED, occurred_at=old, company=company, subject_user=admin
    )
    AuditEvent.objects.bulk_create(
        AuditEvent(action=AuditAction.PROFILE_CHANGED, occurred_at=old) for _ in range(250)
    )
    young = AuditEvent.objects.create(action=AuditAction.PROFILE_CHANGED, occurred_at=now)

    results, refusals, errors = at_once(
        lambda: apply_retention(now=now, batch_size=20),
        lambda: apply_retention(now=now, batch_size=20),
    )

    assert not errors and not refusals
    assert sum(r["audit_events"] for r in results) == 250
    assert set(AuditEvent.objects.values_list("pk", flat=True)) == {kept.pk, young.pk}
