"""Activation blocks when attempts meet (PostgreSQL, real connections): two attempts crossing
the limit at once leave one block per account and address; a letter opened again while the
company tries it is opened once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from meinekammer.companies import activation_passwords
from meinekammer.companies.models import (
    ActivationBlock,
    ActivationLetter,
    CompanyState,
    LetterState,
)
from meinekammer.companies.services.activation import (
    ActivationFailed,
    ActivationThrottled,
    activate_company,
)
from meinekammer.companies.services.activation_blocks import lift_letter_block
from meinekammer.core.actor import Actor
from tests.accounts.factories import UserFactory
from tests.companies.factories import CompanyFactory
from tests.concurrency import at_once

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

PASSWORD = "ABCDEFGHJKMN"


def actor(user):
    return Actor.of(user, ip="203.0.113.9", user_agent="Test")


def attempt(user, member_number, password="ZZZZZZZZZZZZ"):
    return lambda: activate_company(
        actor(user), password=password, member_number=member_number, chamber_number="101"
    )


def test_two_attempts_over_the_limit_at_once_leave_one_block_each(chamber, staff):
    prober = UserFactory()
    for n in range(5):
        with pytest.raises(ActivationFailed):
            attempt(prober, f"55555{n}")()
    results, refusals, errors = at_once(attempt(prober, "5555560"), attempt(prober, "5555561"))
    assert not errors and not results and len(refusals) == 2
    assert ActivationBlock.objects.filter(kind="user").count() == 1
    assert ActivationBlock.objects.filter(kind="address").count() == 1
    with pytest.raises(ActivationThrottled):
        attempt(prober, "5555562")()


def test_reopening_a_letter_while_it_is_tried_gives_one_result(chamber, staff, applicant):
    company = CompanyFactory(
        chamber=chamber, state=CompanyState.AWAITING_ACTIVATION, member_number="1010001"
    )
    letter = ActivationLetter.objects.create(
        company=company,
        reason="registration",
        recipient_name="Anna Admin",
        state=LetterState.VOID,
        sent_at=timezone.now(),
        voided_at=timezone.now(),
        failed_attempts=5,
        password_hash=activation_passwords.hash_password(PASSWORD),
        password_issued_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=60),
    )
    results, refusals, errors = at_once(
        lambda: lift_letter_block(Actor.of(staff), letter_id=letter.pk),
        lambda: lift_letter_block(Actor.of(staff), letter_id=letter.pk),
        attempt(applicant, "1010001", password=PASSWORD),
    )
    assert not errors
    letter.refresh_from_db()
    lifted = [r for r in results if isinstance(r, ActivationLetter)]
    assert len(lifted) == 1  # the second lift found it open already
    # The activation either came first (refused: no valid letter) or after the lift (used it).
    assert letter.state in (LetterState.SENT, LetterState.USED)
    assert len(refusals) == (1 if letter.state == LetterState.USED else 2)
