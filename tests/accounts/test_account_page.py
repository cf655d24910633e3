from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meinekammer.audit.models import AuditAction, AuditEvent
from tests.accounts.factories import UserFactory
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ACCOUNT_PAGES = [
    "accounts:overview",
    "accounts:personal_data",
    "accounts:lock",
    "accounts:delete",
    "account_change_password",
    "account_email",
]


@pytest.mark.parametrize("name", ACCOUNT_PAGES)
def test_a_logged_out_visitor_is_sent_to_the_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", ACCOUNT_PAGES)
def test_a_locked_account_has_no_session_left(client, user, name):
    client.force_login(user)
    user.locked_at = user.date_joined
    user.rotate_security_stamp()
    user.save()
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_account_page_shows_the_numbered_functions_of_the_manual(logged_in):
    page = logged_in.get(reverse("accounts:overview")).content.decode()
    for label in ("Daten ändern", "Passwort ändern", "Konto sperren", "Konto löschen"):
        assert label in page


def test_change_personal_data(logged_in, user):
    response = logged_in.post(
        reverse("accounts:personal_data"),
        {"salutation": "mr", "first_name": "Max", "last_name": "Muster"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.salutation, user.first_name, user.last_name) == ("mr", "Max", "Muster")
    event = AuditEvent.objects.get(action=AuditAction.PROFILE_CHANGED)
    assert set(event.data["fields"]) == {"salutation", "first_name", "last_name"}


@pytest.mark.parametrize(
    "data",
    [
        {"salutation": "mr", "first_name": "", "last_name": "Muster"},
        {"salutation": "mr", "first_name": "M" * 10_000, "last_name": "Muster"},
        {"salutation": "xx", "first_name": "Max", "last_name": "Muster"},
        {"first_name": "Max", "last_name": "Muster"},
    ],
)
def test_bad_personal_data_changes_nothing(logged_in, user, data):
    before = (user.salutation, user.first_name, user.last_name)
    response = logged_in.post(reverse("accounts:personal_data"), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    user.refresh_from_db()
    assert (user.salutation, user.first_name, user.last_name) == before
    assert not AuditEvent.objects.filter(action=AuditAction.PROFILE_CHANGED).exists()


def test_change_password_needs_the_current_one_and_ends_other_sessions(user, outbox):
    here, elsewhere = Client(), Client()
    here.force_login(user)
    elsewhere.force_login(user)
    new = "Der Leuchtturm blinkt dreimal"
    wrong = here.post(
        reverse("account_change_password"),
        {"oldpassword": "falsch falsch", "password1": new, "password2": new},
    )
    assert wrong.status_code == 200
    assert "oldpassword" in wrong.context["form"].errors
    response = here.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
    assert here.get(reverse("accounts:overview")).status_code == 200
    assert elsewhere.get(reverse("accounts:overview")).status_code == 302
    assert AuditEvent.objects.filter(
        action=AuditAction.PASSWORD_CHANGED, subject_user=user
    ).exists()
    assert any("Passwort" in m.subject for m in outbox())


def test_a_weak_new_password_is_refused(logged_in, user):
    response = logged_in.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "passwort1234", "password2": "passwort1234"},
    )
    assert response.status_code == 200
    assert "password1" in response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_change_email_confirms_the_new_address_and_informs_the_old(logged_in, user, outbox):
    old = user.email
    response = logged_in.post(
        reverse("account_email"), {"action_add": "", "email": "neu@beispiel.example"}
    )
    # Changing the address asks for the password first, then carries out the change.
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = logged_in.post(response["Location"], {"password": PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == old  # nothing changes before the new address is confirmed
    [confirmation] = outbox()
    assert confirmation.to == ["neu@beispiel.example"]
    link = next(link for link in confirmation.body.split() if "confirm-email" in link)
    logged_in.post(urlsplit(link).path)
    user.refresh_from_db()
    assert user.email == "neu@beispiel.example"
    informed = [m for m in outbox() if m.to == [old]]
    assert informed, "the old address is told about the change"
    assert AuditEvent.objects.filter(action=AuditAction.EMAIL_CHANGED, subject_user=user).exists()


def test_change_email_to_a_taken_address_takes_nothing_from_its_owner(logged_in, user, outbox):
    other = UserFactory()
    response = logged_in.post(reverse("account_email"), {"action_add": "", "email": other.email})
    # With enumeration prevention the answer looks like any other change.
    assert response.status_code == 302
    for message in outbox():
        for link in [link for link in message.body.split() if "confirm-email" in link]:
            logged_in.post(urlsplit(link).path)
    user.refresh_from_db()
    other.refresh_from_db()
    assert user.email != other.email
    from allauth.account.models import EmailAddress

    assert EmailAddress.objects.get(email__iexact=other.email, verified=True).user == other


def test_the_account_page_lists_recent_security_events(client, user):
    client.post(reverse("account_login"), {"login": user.email, "password": "falsch falsch falsch"})
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    page = client.get(reverse("accounts:overview")).content.decode()
    assert "Fehlgeschlagene Anmeldung" in page
    assert "Anmeldung" in page
    assert "127.0.0.1" in page


def test_a_user_sees_only_their_own_security_events(client, user):
    other = UserFactory()
    client.post(
        reverse("account_login"),
        {"login": other.email, "password": PASSWORD},
        REMOTE_ADDR="198.51.100.77",
    )
    client.post(reverse("account_logout"))
    client.force_login(user)
    page = client.get(reverse("accounts:overview")).content.decode()
    assert "198.51.100.77" not in page


def test_changing_the_email_asks_for_the_password_again(logged_in, user, time_machine):
    time_machine.move_to(timezone.now() + timedelta(minutes=10), tick=False)
    response = logged_in.post(
        reverse("account_email"), {"action_add": "", "email": "neu@beispiel.example"}
    )
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    wrong = logged_in.post(response["Location"], {"password": "falsch falsch falsch"})
    assert wrong.status_code == 200 and wrong.context["form"].errors
    from allauth.account.models import EmailAddress

    assert not EmailAddress.objects.filter(email="neu@beispiel.example").exists()
