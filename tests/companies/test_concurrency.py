"""Two staff, double clicks and parallel activations on PostgreSQL with real connections."""

import contextlib
from datetime import timedelta

import pytest
from django.utils import timezone

from meinekammer.companies import activation_passwords
from meinekammer.companies.models import (
    ActivationLetter,
    CompanyState,
    LetterState,
    Membership,
    RegistrationState,
)
from meinekammer.companies.services.activation import activate_company
from meinekammer.companies.services.registration import approve_registration, reject_registration
from meinekammer.core.actor import Actor
from meinekammer.core.errors import Refused
from tests.accounts.factories import UserFactory
from tests.companies.factories import CompanyFactory, RegistrationFactory
from tests.concurrency import run_at_once

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_two_staff_deciding_at_once_one_wins_the_other_is_told(chamber, entry):
    from meinekammer.chambers.models import ChamberStaff

    first, second = UserFactory(), UserFactory()
    for user in (first, second):
        ChamberStaff.objects.create(user=user, chamber=chamber)
    registration = RegistrationFactory(company__chamber=chamber)
    outcomes = []

    def approve():
        approve_registration(
            Actor.of(first), registration_id=registration.pk, directory_entry_id=entry.pk
        )
        outcomes.append("approved")

    def reject():
        reject_registration(Actor.of(second), registration_id=registration.pk, reason="Nein")
        outcomes.append("rejected")

    import threading

    errors = []
    barrier = threading.Barrier(2)

    def wrap(target):
        def run():
            from django.db import connection

            try:
                barrier.wait()
                target()
            except Refused as error:
                errors.append(str(error))
            finally:
                connection.close()

        return run

    threads = [threading.Thread(target=wrap(approve)), threading.Thread(target=wrap(reject))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(outcomes) == 1 and len(errors) == 1
    assert "bereits" in errors[0] or "already" in errors[0]
    registration.refresh_from_db()
    assert registration.state in (RegistrationState.APPROVED, RegistrationState.REJECTED)
    assert ActivationLetter.objects.count() == (1 if outcomes == ["approved"] else 0)


def test_two_simultaneous_correct_activations_activate_once(chamber):
    company = CompanyFactory(
        chamber=chamber, state=CompanyState.AWAITING_ACTIVATION, member_number="1010001"
    )
    ActivationLetter.objects.create(
        company=company,
        reason="registration",
        recipient_name="A",
        state=LetterState.SENT,
        password_hash=activation_passwords.hash_password("ABCDEFGHJKMN"),
        password_issued_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=60),
    )
    users = [UserFactory(), UserFactory()]
    won = []

    def attempt(user):
        def run():
            try:
                activate_company(
                    Actor.of(user, ip="198.51.100.20"),
                    password="ABCDEFGHJKMN",
                    member_number="1010001",
                    chamber_number="101",
                )
                won.append(user.pk)
            except Refused:
                pass

        return run

    import threading

    barrier = threading.Barrier(2)

    def wrap(target):
        def run():
            from django.db import connection

            barrier.wait()
            try:
                target()
            finally:
                connection.close()

        return run

    threads = [threading.Thread(target=wrap(attempt(user))) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(won) == 1
    assert Membership.objects.filter(company=company, is_admin=True).count() == 1


def test_a_double_clicked_approval_queues_one_letter(chamber, entry, staff):
    registration = RegistrationFactory(company__chamber=chamber)

    def approve():
        with contextlib.suppress(Refused):
            approve_registration(
                Actor.of(staff), registration_id=registration.pk, directory_entry_id=entry.pk
            )

    assert run_at_once(approve, count=3) == []
    assert ActivationLetter.objects.filter(company=registration.company).count() == 1
