""" "Einladungen versenden" at the same moment on PostgreSQL with real concurrent connections: two
confirmations of one preview queue one batch, two runs of the job send every row once."""

import pytest
from django_tasks_db.models import DBTaskResult

from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.companies.models import (
    BatchRowState,
    Invitation,
    InvitationBatch,
    InvitationBatchState,
)
from meinekammer.companies.services import bulk_invitations as bulk
from meinekammer.notifications.models import OutboundEmail
from tests.companies.factories import actor_for
from tests.companies.test_bulk_invitations import csv_bytes, trainees
from tests.concurrency import at_once

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def preview(admin, company, count):
    return bulk.check_invitation_file(
        actor_for(admin),
        company_id=company.pk,
        file_name="azubis.csv",
        data=csv_bytes(trainees(count)),
    )


def test_two_confirmations_of_one_preview_queue_one_batch(company, admin, second_admin, roles):
    batch = preview(admin, company, 10)
    results, refusals, errors = at_once(
        lambda: bulk.confirm_invitation_batch(
            actor_for(admin), company_id=company.pk, batch_id=batch.pk
        ),
        lambda: bulk.confirm_invitation_batch(
            actor_for(second_admin), company_id=company.pk, batch_id=batch.pk
        ),
    )
    assert not errors and not refusals
    assert {result.pk for result in results} == {batch.pk}
    assert InvitationBatch.objects.get().state == InvitationBatchState.QUEUED
    assert AuditEvent.objects.filter(action=AuditAction.BULK_INVITATIONS_CONFIRMED).count() == 1
    assert DBTaskResult.objects.filter(task_path__endswith="send_invitation_batch").count() == 1


def test_two_files_at_once_stay_within_the_hourly_limit(
    company, admin, second_admin, roles, settings
):
    settings.INVITATIONS_PER_COMPANY_PER_HOUR = 15
    first, second = preview(admin, company, 10), preview(second_admin, company, 10)
    results, refusals, errors = at_once(
        lambda: bulk.confirm_invitation_batch(
            actor_for(admin), company_id=company.pk, batch_id=first.pk
        ),
        lambda: bulk.confirm_invitation_batch(
            actor_for(second_admin), company_id=company.pk, batch_id=second.pk
        ),
    )
    assert not errors
    assert len(results) == 1 and len(refusals) == 1
    assert InvitationBatch.objects.filter(state=InvitationBatchState.QUEUED).count() == 1


def test_two_runs_of_the_job_at_once_send_every_row_once(company, admin, roles):
    batch = preview(admin, company, 12)
    bulk.confirm_invitation_batch(actor_for(admin), company_id=company.pk, batch_id=batch.pk)
    results, refusals, errors = at_once(
        lambda: bulk.send_invitations(batch.pk), lambda: bulk.send_invitations(batch.pk)
    )
    assert not errors and not refusals
    assert sum(results) == 12
    assert Invitation.objects.count() == 12
    assert set(Invitation.objects.values_list("send_count", flat=True)) == {1}
    assert OutboundEmail.objects.filter(template="companies/email/invitation").count() == 12
    assert set(batch.rows.values_list("state", flat=True)) == {BatchRowState.SENT}
    assert InvitationBatch.objects.get().state == InvitationBatchState.DONE
