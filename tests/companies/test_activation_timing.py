"""Activating tells nobody by its response time whether a member number has a live letter.

The page refuses every wrong combination with one message, but it answered about six times
slower where a letter exists: only there was the entered password checked against the letter's
argon2 hash. Every path now checks once (against nothing where there is no letter). The
production hasher is switched on here.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.companies import activation_passwords
from meinekammer.companies.models import ActivationLetter, CompanyState, LetterState
from tests.accounts.factories import UserFactory
from tests.companies.factories import CompanyFactory
from tests.timing import ROUNDS, WARM_UP, assert_alike

pytestmark = pytest.mark.django_db

ACTIVATE = reverse("companies:activate")
PRODUCTION_HASHERS = [
    "meinekammer.accounts.hashers.Argon2idHasher",
    "meinekammer.accounts.hashers.ClientSecretHasher",
]
N = WARM_UP + ROUNDS
FAILED = "Die Aktivierung war nicht erfolgreich."


@pytest.fixture
def production_hasher(settings):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS


def company_with_letter(chamber, member_number: str):
    company = CompanyFactory(
        chamber=chamber, state=CompanyState.AWAITING_ACTIVATION, member_number=member_number
    )
    ActivationLetter.objects.create(
        company=company,
        reason="registration",
        recipient_name="Anna Admin",
        state=LetterState.SENT,
        password_hash=activation_passwords.hash_password(activation_passwords.generate_password()),
        password_issued_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=60),
    )
    return company


def visitors(n: int) -> list[Client]:
    """Logged-in people, one per try (the page limits tries per user and per address)."""
    clients = []
    for _ in range(n):
        client = Client()
        client.force_login(UserFactory())
        clients.append(client)
    return clients


def tries(clients: list[Client], member_number, kind: int):
    def attempt(round_: int) -> None:
        response = clients[round_].post(
            ACTIVATE,
            {
                "password": "ABCD-EFGH-JKMN",
                "member_number": member_number(round_),
                "chamber_number": "101",
            },
            REMOTE_ADDR=f"10.{kind}.{round_}.1",
        )
        assert response.status_code == 200
        assert FAILED in response.content.decode()

    return attempt


def test_a_number_with_a_letter_answers_as_fast_as_one_without(chamber, production_hasher):
    for n in range(N):
        company_with_letter(chamber, f"{5000000 + n}")
        CompanyFactory(
            chamber=chamber, state=CompanyState.AWAITING_ACTIVATION, member_number=f"{6000000 + n}"
        )

    assert_alike(
        tries(visitors(N), lambda n: f"{5000000 + n}", 1),
        tries(visitors(N), lambda n: f"{6000000 + n}", 2),
    )
    reasons = AuditEvent.objects.filter(action=AuditAction.ACTIVATION_FAILED).values_list(
        "data__why", flat=True
    )
    assert sorted(set(reasons)) == ["no valid letter", "wrong password"]


def test_a_number_with_a_letter_answers_as_fast_as_an_unknown_number(chamber, production_hasher):
    for n in range(N):
        company_with_letter(chamber, f"{5000000 + n}")

    assert_alike(
        tries(visitors(N), lambda n: f"{5000000 + n}", 1),
        tries(visitors(N), lambda n: f"{7000000 + n}", 3),
    )


def test_a_used_or_expired_letter_is_refused_with_the_same_message(chamber, client):
    company = company_with_letter(chamber, "5100000")
    ActivationLetter.objects.filter(company=company).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    client.force_login(UserFactory())
    response = client.post(
        ACTIVATE,
        {"password": "ABCD-EFGH-JKMN", "member_number": "5100000", "chamber_number": "101"},
    )
    assert FAILED in response.content.decode()


def test_without_a_hash_no_password_matches():
    assert not activation_passwords.matches("ABCD-EFGH-JKMN", None)
    assert not activation_passwords.matches("", "")
