""" "Jetzt registrieren" in two steps (manual ch. 2): personal data and "weiter", then the
"Informationspflichten" with the tick and "Registrierung abschicken".

The checks of the data themselves (addresses, passwords, names) are in test_registration.py,
which walks both steps with `register`.
"""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.internal.stagekit import LOGIN_SESSION_KEY
from django.contrib.auth.hashers import identify_hasher
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meinekammer.accounts.models import PrivacyConsent, User
from meinekammer.web.accounts.registration import SESSION_KEY, STEP_SECONDS
from tests.accounts.test_registration import CONSENT, SIGNUP, form_data, register, step_one

pytestmark = pytest.mark.django_db

PASSWORD = form_data()["password1"]
VERIFICATION_SENT = reverse("account_email_verification_sent")


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_step_one_stores_and_creates_nothing_and_step_two_creates_the_account(client, outbox):
    first = client.post(SIGNUP, step_one())
    assert first.status_code == 302
    assert first["Location"] == CONSENT
    assert not User.objects.exists()
    assert outbox() == []

    page = client.get(CONSENT)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Erika Mustermann" in text
    assert "erika@beispiel.example" in text
    assert "Schritt 2 von 2" in text
    # The notice itself, not only a link to it.
    assert page.context["notice_text"].splitlines()[0] in text

    done = client.post(CONSENT, {"accept_privacy": "on"})
    assert done.status_code == 302
    assert done["Location"] == VERIFICATION_SENT
    user = User.objects.get()
    assert user.email == "erika@beispiel.example"
    assert user.check_password(PASSWORD)
    assert PrivacyConsent.objects.filter(user=user).exists()
    assert SESSION_KEY not in client.session
    [message] = outbox()
    assert message.to == ["erika@beispiel.example"]


def test_without_the_tick_step_two_asks_again_and_creates_nothing(client, outbox):
    client.post(SIGNUP, step_one())
    response = client.post(CONSENT, {})
    assert response.status_code == 200
    errors = response.context["form"].errors["accept_privacy"]
    assert "Bitte akzeptieren Sie die Informationspflichten" in " ".join(errors)
    assert 'role="alert"' in response.content.decode()
    assert not User.objects.exists()
    assert outbox() == []
    assert SESSION_KEY in client.session  # the tick can still be set
    assert client.post(CONSENT, {"accept_privacy": "on"})["Location"] == VERIFICATION_SENT


@pytest.mark.parametrize("method", ["get", "post"])
def test_step_two_without_step_one_goes_to_step_one(client, method, outbox):
    response = getattr(client, method)(CONSENT, {"accept_privacy": "on"}, follow=True)
    assert response.redirect_chain == [(SIGNUP, 302)]
    assert "Bitte geben Sie zuerst Ihre persönlichen Daten ein." in messages_of(response)
    assert not User.objects.exists()
    assert outbox() == []


def test_step_one_data_expire_after_thirty_minutes(client, time_machine, outbox):
    time_machine.move_to(timezone.now(), tick=False)
    client.post(SIGNUP, step_one())
    time_machine.shift(timedelta(seconds=STEP_SECONDS + 1))
    response = client.post(CONSENT, {"accept_privacy": "on"}, follow=True)
    assert response.redirect_chain == [(SIGNUP, 302)]
    assert any("abgelaufen" in m for m in messages_of(response))
    assert SESSION_KEY not in client.session
    assert not User.objects.exists()
    assert outbox() == []
    # Nothing of the expired data is offered again.
    assert response.context["form"].initial.get("first_name") is None


def test_within_thirty_minutes_step_two_still_works(client, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    client.post(SIGNUP, step_one())
    time_machine.shift(timedelta(seconds=STEP_SECONDS - 5))
    assert client.post(CONSENT, {"accept_privacy": "on"})["Location"] == VERIFICATION_SENT


@pytest.mark.parametrize(
    "stored",
    [
        "kaputt",
        {"email": "erika@beispiel.example"},
        {**step_one(), "password_hash": None, "saved_at": 0},
        {**step_one(), "password_hash": "md5$x$y", "saved_at": "jetzt"},
        {**step_one(), "first_name": ["Liste"], "password_hash": "md5$x$y", "saved_at": 1e20},
    ],
    ids=["not a dict", "incomplete", "no hash", "bad time", "bad name"],
)
def test_broken_step_one_data_in_the_session_are_not_used(client, stored):
    session = client.session
    session[SESSION_KEY] = stored
    session.save()
    response = client.post(CONSENT, {"accept_privacy": "on"})
    assert response.status_code == 302
    assert response["Location"] == SIGNUP
    assert not User.objects.exists()
    assert client.get(SIGNUP).status_code == 200


def test_the_password_is_never_in_the_session_in_clear(client):
    client.post(SIGNUP, step_one())
    stored = Session.objects.get()
    decoded = stored.get_decoded()
    assert PASSWORD not in str(decoded)
    assert PASSWORD not in stored.session_data
    pending = decoded[SESSION_KEY]
    assert "password1" not in pending and "password2" not in pending
    identify_hasher(pending["password_hash"])  # a hash the configured hashers know
    client.post(CONSENT, {"accept_privacy": "on"})
    assert PASSWORD not in str(Session.objects.get().get_decoded())


def test_step_one_hashes_with_the_projects_argon2id_hasher(client, settings):
    settings.PASSWORD_HASHERS = ["meinekammer.accounts.hashers.Argon2idHasher"]
    client.post(SIGNUP, step_one())
    assert client.session[SESSION_KEY]["password_hash"].startswith("argon2$argon2id$")


def test_going_back_keeps_the_entries_and_the_password(client):
    client.post(SIGNUP, step_one())
    back = client.get(SIGNUP)
    form = back.context["form"]
    assert (form["first_name"].value(), form["last_name"].value()) == ("Erika", "Mustermann")
    assert form["email"].value() == "erika@beispiel.example"
    assert form["salutation"].value() == "ms"
    text = back.content.decode()
    assert 'value="Erika"' in text
    assert PASSWORD not in text  # the password is never shown again
    assert "Passwort nicht erneut angezeigt" in text
    kept_hash = client.session[SESSION_KEY]["password_hash"]

    # "weiter" again with empty password fields keeps the password typed before.
    again = client.post(SIGNUP, step_one(password1="", password2="", salutation="mr"))
    assert again["Location"] == CONSENT
    assert client.session[SESSION_KEY]["password_hash"] == kept_hash
    assert client.session[SESSION_KEY]["salutation"] == "mr"
    client.post(CONSENT, {"accept_privacy": "on"})
    user = User.objects.get()
    assert user.check_password(PASSWORD)
    assert user.salutation == "mr"


def test_a_changed_name_asks_for_the_password_again(client):
    client.post(SIGNUP, step_one())
    response = client.post(SIGNUP, step_one(last_name="Beispiel", password1="", password2=""))
    assert response.status_code == 200
    assert "Passwort erneut ein" in " ".join(response.context["form"].errors["password1"])
    # A new password is checked against the new name, as on the first visit.
    response = client.post(
        SIGNUP,
        step_one(last_name="Beispiel", password1="Beispiel1234567", password2="Beispiel1234567"),
    )
    assert response.status_code == 200
    assert "Namen" in " ".join(response.context["form"].errors["password1"])


def test_without_step_one_data_the_password_is_required(client):
    response = client.post(SIGNUP, step_one(password1="", password2=""))
    assert response.status_code == 200
    assert "password1" in response.context["form"].errors
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize(
    "overrides",
    [
        {"email": "erika\x00@beispiel.example"},
        {"last_name": "Muster\x00mann"},
        {"first_name": "E" * 10_000, "last_name": "M" * 10_000},
        {"password1": "p" * 10_000, "password2": "p" * 10_000},
        {"salutation": "\x00"},
    ],
    ids=["NUL in address", "NUL in name", "10k names", "10k password", "NUL salutation"],
)
def test_hostile_step_one_input_stores_nothing(client, overrides):
    response = client.post(SIGNUP, step_one(**overrides))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert SESSION_KEY not in client.session


def test_hostile_step_two_input_changes_nothing_else(client, outbox):
    client.post(SIGNUP, step_one())
    # Extra fields cannot overwrite what step 1 checked.
    response = client.post(
        CONSENT,
        {
            "accept_privacy": "on",
            "email": "boese@beispiel.example",
            "password_hash": "md5$$x",
            "first_name": "\x00" * 10_000,
        },
    )
    assert response["Location"] == VERIFICATION_SENT
    user = User.objects.get()
    assert (user.email, user.first_name) == ("erika@beispiel.example", "Erika")
    assert user.check_password(PASSWORD)


def test_a_foreign_next_is_dropped_and_a_local_one_is_kept(client):
    first = client.post(SIGNUP + "?next=https://evil.example/", step_one())
    assert first["Location"] == CONSENT
    assert client.session[SESSION_KEY]["next"] is None
    authorize = "/o/authorize/?client_id=abc&response_type=code"
    first = client.post(SIGNUP, {**step_one(), "next": authorize})
    assert parse_qs(urlsplit(first["Location"]).query)["next"] == [authorize]
    page = client.get(first["Location"]).content.decode()
    assert "client_id=abc" in page  # "zurück" and the form carry it on
    client.post(CONSENT, {"accept_privacy": "on"})
    # allauth keeps the signup's redirect in its login stage, as it did with one step.
    assert client.session[LOGIN_SESSION_KEY]["redirect_url"] == authorize


def test_an_existing_address_gets_the_same_answers_and_its_owner_a_mail(client, user, outbox):
    answers = {}
    for email in ("neu@beispiel.example", user.email.upper()):
        visitor = Client()
        first = visitor.post(SIGNUP, step_one(email=email))
        page = visitor.get(first["Location"])
        done = visitor.post(CONSENT, {"accept_privacy": "on"})
        answers[email] = (
            first.status_code,
            first["Location"],
            page.status_code,
            page.content.decode()
            .replace(email.lower(), "ADDRESS")
            .replace("Erika Mustermann", "NAME")
            .count("\n"),
            done.status_code,
            done["Location"],
        )
    assert answers["neu@beispiel.example"] == answers[user.email.upper()]
    assert User.objects.filter(email__iexact=user.email).count() == 1
    mails = {m.to[0]: m for m in outbox()}
    assert "bereits" in mails[user.email].body


def test_an_address_taken_between_the_steps_gets_no_second_account(client, outbox):
    client.post(SIGNUP, step_one())
    from tests.accounts.factories import UserFactory

    UserFactory(email="erika@beispiel.example")
    response = client.post(CONSENT, {"accept_privacy": "on"})
    assert response["Location"] == VERIFICATION_SENT
    assert User.objects.filter(email="erika@beispiel.example").count() == 1


def test_a_logged_in_visitor_is_sent_on_and_registers_nothing(client, user):
    client.force_login(user)
    home = reverse("web:home")
    assert client.get(SIGNUP)["Location"] == home
    assert client.post(SIGNUP, step_one(email="x@beispiel.example"))["Location"] == home
    session = client.session
    session[SESSION_KEY] = {**step_one(), "password_hash": "md5$x$y", "saved_at": 1e12}
    session.save()
    assert client.get(CONSENT)["Location"] == home
    assert client.post(CONSENT, {"accept_privacy": "on"})["Location"] == home
    assert User.objects.count() == 1


def test_step_two_without_csrf_token_is_refused(outbox):
    client = Client(enforce_csrf_checks=True)
    page = client.get(SIGNUP)
    token = page.cookies["csrftoken"].value
    client.post(SIGNUP, {**step_one(), "csrfmiddlewaretoken": token})
    response = client.post(CONSENT, {"accept_privacy": "on"})
    assert response.status_code == 403
    assert not User.objects.exists()


def test_both_steps_in_english(client, outbox):
    client.post(reverse("web:set_language"), {"language": "en", "next": "/"})
    step1 = client.get(SIGNUP).content.decode()
    assert "Step 1 of 2" in step1 and ">Continue<" in step1
    client.post(SIGNUP, step_one())
    step2 = client.get(CONSENT).content.decode()
    assert "Step 2 of 2" in step2
    assert "Submit registration" in step2 and ">Back<" in step2
    missing = client.post(CONSENT, {})
    assert "Please accept the privacy information to register." in missing.content.decode()


def test_both_steps_count_once_against_the_signup_limit(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/m/ip"}
    for n in range(2):
        assert register(client, email=f"p{n}@beispiel.example")["Location"] == VERIFICATION_SENT
    assert client.post(SIGNUP, step_one(email="p9@beispiel.example")).status_code == 429
    assert User.objects.count() == 2
