"""Registering tells nobody by its response time whether an address already has an account.

allauth answers a taken address like a new one ("we have sent you a mail"), but it used to do
so three times faster: the new address costs an argon2 hash of the password, the taken one did
not (medians 58 ms and 19.5 ms on SQLite). The production hasher is switched on here.
"""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meinekammer.accounts.models import User
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.notifications.models import OutboundEmail
from tests.accounts.factories import UserFactory
from tests.accounts.test_registration import register as register_in_two_steps
from tests.timing import ROUNDS, WARM_UP, assert_alike

pytestmark = pytest.mark.django_db

SIGNUP = reverse("account_signup")
PRODUCTION_HASHERS = [
    "meinekammer.accounts.hashers.Argon2idHasher",
    "meinekammer.accounts.hashers.ClientSecretHasher",
]


@pytest.fixture
def production_hasher(settings):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS


def register(email: str, round_: int, kind: int) -> None:
    # A fresh visitor each time, from its own address (the signup limit counts per address).
    # Both steps ("weiter", "Registrierung abschicken"): step 1 hashes, step 2 creates or mails.
    response = register_in_two_steps(Client(), email=email, REMOTE_ADDR=f"10.{kind}.{round_}.1")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")


def test_a_taken_address_answers_as_slowly_as_a_new_one(production_hasher):
    # Each round probes another address, as someone testing a list of addresses would.
    for n in range(WARM_UP + ROUNDS):
        UserFactory(email=f"vergeben{n}@beispiel.example")

    assert_alike(
        lambda n: register(f"neu{n}@beispiel.example", n, 1),
        lambda n: register(f"vergeben{n}@beispiel.example", n, 2),
    )
    # Both paths did what they are for: new accounts, and a mail for each taken address.
    assert User.objects.filter(email__startswith="neu").count() == WARM_UP + ROUNDS
    assert (
        OutboundEmail.objects.filter(template="account/email/account_already_exists").count()
        == WARM_UP + ROUNDS
    )


def test_a_taken_address_gets_no_second_account_and_the_password_is_not_stored(client):
    owner = UserFactory(email="vergeben@beispiel.example")
    before = owner.password
    register("VERGEBEN@beispiel.example", 0, 3)
    assert User.objects.filter(email__iexact="vergeben@beispiel.example").count() == 1
    owner.refresh_from_db()
    assert owner.password == before


def ask_to_unlock(email: str, round_: int, kind: int) -> None:
    response = Client().post(
        reverse("accounts:unlock_request"), {"email": email}, REMOTE_ADDR=f"10.{kind}.{round_}.1"
    )
    assert response.status_code == 200


def test_asking_to_unlock_answers_alike_for_a_locked_account_and_none(run_tasks):
    # Was 19 ms against 12 ms: the locked account's lookup, audit row and mail ran on the
    # request; now the worker does them.
    for n in range(WARM_UP + ROUNDS):
        UserFactory(email=f"gesperrt{n}@beispiel.example", locked_at=timezone.now())

    assert_alike(
        lambda n: ask_to_unlock(f"gesperrt{n}@beispiel.example", n, 4),
        lambda n: ask_to_unlock(f"niemand{n}@beispiel.example", n, 5),
    )
    run_tasks()
    sent = OutboundEmail.objects.filter(template="accounts/email/unlock")
    assert sent.count() == WARM_UP + ROUNDS
    assert set(sent.values_list("recipient", flat=True)) == {
        f"gesperrt{n}@beispiel.example" for n in range(WARM_UP + ROUNDS)
    }
    event = AuditEvent.objects.filter(action=AuditAction.UNLOCK_REQUESTED).first()
    assert event.ip_address.startswith("10.4.") and event.actor_id is None
    assert event.via == "web"


def ask_for_the_link_again(email: str, round_: int, kind: int) -> None:
    response = Client().post(
        reverse("accounts:resend_confirmation"),
        {"email": email},
        REMOTE_ADDR=f"10.{kind}.{round_}.1",
    )
    assert response.status_code == 200


def test_asking_for_the_confirmation_link_again_answers_alike(run_tasks):
    for n in range(WARM_UP + ROUNDS):
        UserFactory(email=f"wartet{n}@beispiel.example", verified=False)

    assert_alike(
        lambda n: ask_for_the_link_again(f"wartet{n}@beispiel.example", n, 6),
        lambda n: ask_for_the_link_again(f"niemand{n}@beispiel.example", n, 7),
    )
    run_tasks()
    sent = OutboundEmail.objects.filter(recipient__startswith="wartet")
    assert sent.count() == WARM_UP + ROUNDS
    assert not OutboundEmail.objects.filter(recipient__startswith="niemand").exists()
