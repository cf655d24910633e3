"""Two clerks claiming one registration request at the same moment: exactly one holds it, the
other is told who has it (PostgreSQL, real connections)."""

import pytest

from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.chambers.models import ChamberStaff
from meinekammer.companies.models import CompanyRegistration
from meinekammer.companies.services.registration import (
    approve_registration,
    assign_registration_to_me,
)
from meinekammer.core.actor import Actor
from tests.accounts.factories import UserFactory, give_factor
from tests.companies.factories import RegistrationFactory
from tests.concurrency import at_once

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def colleague(chamber):
    user = UserFactory(first_name="Carla", last_name="Kollegin")
    ChamberStaff.objects.create(user=user, chamber=chamber)
    give_factor(user)
    return user


@pytest.fixture
def registration(chamber):
    return RegistrationFactory(company__chamber=chamber, company__name="Beispiel GmbH")


def test_two_clerks_claiming_at_once_leave_exactly_one_holder(registration, staff, colleague):
    for _round in range(3):
        CompanyRegistration.objects.filter(pk=registration.pk).update(assignee=None)
        results, refusals, errors = at_once(
            lambda: assign_registration_to_me(Actor.of(staff), registration_id=registration.pk),
            lambda: assign_registration_to_me(Actor.of(colleague), registration_id=registration.pk),
        )
        assert not errors
        assert len(results) == 1 and len(refusals) == 1
        holder = CompanyRegistration.objects.get(pk=registration.pk).assignee_id
        assert holder in (staff.pk, colleague.pk)
    assert AuditEvent.objects.filter(action=AuditAction.REGISTRATION_ASSIGNED).count() == 3


def test_a_take_over_and_the_holders_approval_at_once_give_one_result(
    registration, staff, colleague, entry
):
    assign_registration_to_me(Actor.of(staff), registration_id=registration.pk)
    _results, refusals, errors = at_once(
        lambda: approve_registration(
            Actor.of(staff), registration_id=registration.pk, directory_entry_id=entry.pk
        ),
        lambda: assign_registration_to_me(
            Actor.of(colleague), registration_id=registration.pk, take_over_from=staff.pk
        ),
    )
    assert not errors
    registration.refresh_from_db()
    if registration.state == "approved":
        # Approved first: the take-over found it decided. Or taken over after the approval?
        # No: a decided request is never taken.
        assert registration.decided_by_id == staff.pk
        assert len(refusals) == 1 and registration.assignee_id == staff.pk
    else:
        # Taken over first: the holder's approval was refused.
        assert registration.assignee_id == colleague.pk and len(refusals) == 1
