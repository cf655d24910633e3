from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from meinekammer.accounts.models import PrivacyConsent, PrivacyNotice, User
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.web.accounts.registration import SESSION_KEY
from tests.conftest import PASSWORD, links_in

pytestmark = pytest.mark.django_db

SIGNUP = reverse("account_signup")
CONSENT = reverse("account_signup_consent")


def form_data(**overrides):
    data = {
        "salutation": "ms",
        "first_name": "Erika",
        "last_name": "Mustermann",
        "email": "erika@beispiel.example",
        "password1": "Sonnenblumen über dem Deich",
        "password2": "Sonnenblumen über dem Deich",
        "accept_privacy": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def step_one(**overrides):
    data = form_data(**overrides)
    data.pop("accept_privacy", None)
    return data


def register(client, url=SIGNUP, /, **overrides):
    """Both steps of "Jetzt registrieren": step 1 ("weiter"), then the tick on step 2
    ("Registrierung abschicken"). Returns the first answer that is not step 1's redirect.

    Request options (REMOTE_ADDR, HTTP_HOST) go to both requests."""
    extra = {k: overrides.pop(k) for k in list(overrides) if k.isupper()}
    data = form_data(**overrides)
    consent = {"accept_privacy": data.pop("accept_privacy")} if "accept_privacy" in data else {}
    first = client.post(url, data, **extra)
    if first.status_code != 302 or not first["Location"].startswith(CONSENT):
        return first
    return client.post(first["Location"], consent, **extra)


def test_the_pages_use_the_manuals_words(client):
    page = client.get(SIGNUP).content.decode()
    assert "Jetzt registrieren" in page
    assert ">weiter<" in page
    assert "Registrierung abschicken" not in page
    second = client.get(client.post(SIGNUP, step_one())["Location"]).content.decode()
    assert "Informationspflichten" in second
    assert "Registrierung abschicken" in second
    assert ">zurück<" in second


def test_registration_creates_an_unconfirmed_account_and_sends_the_link(client, outbox):
    response = register(client)
    assert response.status_code == 302
    user = User.objects.get(email="erika@beispiel.example")
    assert (user.salutation, user.first_name, user.last_name) == ("ms", "Erika", "Mustermann")
    assert user.password.startswith("md5$") or user.password.startswith("argon2")
    assert not EmailAddress.objects.get(user=user).verified
    consent = PrivacyConsent.objects.get(user=user)
    assert consent.notice == PrivacyNotice.objects.current()
    assert AuditEvent.objects.filter(
        action=AuditAction.ACCOUNT_REGISTERED, subject_user=user
    ).exists()
    [message] = outbox()
    assert message.to == ["erika@beispiel.example"]
    assert "Sehr geehrte Frau Mustermann" in message.body
    assert any("/accounts/confirm-email/" in link for link in links_in(message))
    assert message.alternatives[0][1] == "text/html"


def test_the_account_works_only_after_confirmation(client, outbox):
    register(client)
    login = {"login": "erika@beispiel.example", "password": "Sonnenblumen über dem Deich"}
    response = client.post(reverse("account_login"), login)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session

    link = next(link for link in links_in(outbox()[0]) if "confirm-email" in link)
    path = urlsplit(link).path
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 302
    assert EmailAddress.objects.get(email="erika@beispiel.example").verified
    assert not AuditEvent.objects.filter(action=AuditAction.EMAIL_CHANGED).exists()
    assert client.post(reverse("account_login"), login).status_code == 302
    assert "_auth_user_id" in client.session


def test_a_confirmation_link_works_once(client, outbox):
    register(client)
    link = next(link for link in links_in(outbox()[0]) if "confirm-email" in link)
    path = urlsplit(link).path
    client.post(path)
    page = client.get(path).content.decode()
    assert "abgelaufen" in page or "bereits verwendet" in page


def test_a_tampered_confirmation_link_is_refused(client, outbox):
    register(client)
    link = next(link for link in links_in(outbox()[0]) if "confirm-email" in link)
    path = urlsplit(link).path.rstrip("/") + "x/"
    client.post(path)
    assert not EmailAddress.objects.get(email="erika@beispiel.example").verified


def test_an_expired_confirmation_link_is_refused(client, outbox, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    register(client)
    link = next(link for link in links_in(outbox()[0]) if "confirm-email" in link)
    time_machine.shift(timedelta(days=4))
    client.post(urlsplit(link).path)
    assert not EmailAddress.objects.get(email="erika@beispiel.example").verified


def test_an_existing_address_gets_the_same_page_and_its_owner_a_mail(client, user, outbox):
    response = register(client, email=user.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.filter(email__iexact=user.email).count() == 1
    [message] = outbox()
    assert message.to == [user.email]
    assert "bereits" in message.body  # "you already have an account"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"password2": "etwas ganz anderes 123"}, "password2", "gleiche Passwort"),
        ({"password1": "kurz", "password2": "kurz"}, "password1", "zu kurz"),
        ({"password1": "passwort1234", "password2": "passwort1234"}, "password1", "zu üblich"),
        (
            {"password1": "MustermannsGarten", "password2": "MustermannsGarten"},
            "password1",
            "Namen",
        ),
        (
            {"password1": "erika@beispiel.example!", "password2": "erika@beispiel.example!"},
            "password1",
            "E-Mail",
        ),
        ({"email": "keine-adresse"}, "email", "gültige E-Mail"),
        ({"email": "a" * 10_000 + "@beispiel.example"}, "email", "254"),
        ({"first_name": "E" * 10_000}, "first_name", "100"),
        ({"last_name": ""}, "last_name", "erforderlich"),
        ({"salutation": "majesty"}, "salutation", "gültige Auswahl"),
        ({"first_name": "Eri\x00ka"}, "first_name", "Steuerzeichen"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_changes_nothing(
    client, overrides, field, message, outbox
):
    response = client.post(SIGNUP, step_one(**overrides))
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    assert message in " ".join(form.errors[field])
    assert not User.objects.exists()
    assert SESSION_KEY not in client.session
    assert outbox() == []


def test_markup_in_names_is_escaped_in_pages_and_mails(client, outbox):
    register(client, first_name="<script>alert(1)</script>", last_name="<b>Fett</b>")
    [message] = outbox()
    html = message.alternatives[0][0]
    assert "<b>Fett</b>" not in html
    assert "&lt;b&gt;Fett&lt;/b&gt;" in html
    user = User.objects.get()
    from allauth.account.models import EmailAddress as Address

    Address.objects.filter(user=user).update(verified=True)
    client.force_login(user)
    page = client.get(reverse("web:home")).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_registration_without_csrf_token_is_refused(outbox):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = register(client)
    assert response.status_code == 403
    assert "abgelaufen" in response.content.decode()
    assert not User.objects.exists()


def test_registration_is_rate_limited(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "3/m/ip"}
    for n in range(3):
        register(client, email=f"person{n}@beispiel.example")
    response = register(client, email="person9@beispiel.example")
    assert response.status_code == 429
    assert User.objects.count() == 3


def test_registration_in_english_sends_the_mail_in_english(client, outbox):
    client.post(reverse("web:set_language"), {"language": "en", "next": "/"})
    register(client)
    assert User.objects.get().language == "en"
    [message] = outbox()
    assert "Dear Ms Mustermann" in message.body


def test_the_password_is_stored_with_argon2id(settings):
    from django.contrib.auth.hashers import make_password

    settings.PASSWORD_HASHERS = ["meinekammer.accounts.hashers.Argon2idHasher"]
    encoded = make_password(PASSWORD)
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


def test_the_confirmation_link_can_be_sent_again(client, outbox, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    register(client)
    outbox().clear()
    time_machine.shift(timedelta(minutes=4))  # allauth's cool-down per address is 3 minutes
    url = reverse("accounts:resend_confirmation")
    known = client.post(url, {"email": "ERIKA@beispiel.example"})
    unknown = client.post(url, {"email": "niemand@nirgends.example"})
    assert known.status_code == unknown.status_code == 200
    for response in (known, unknown):
        assert "accounts/confirmation_resent.html" in {t.name for t in response.templates}
    [message] = outbox()
    assert message.to == ["erika@beispiel.example"]
    assert "confirm-email" in message.body


def test_resending_is_rate_limited_without_telling_which_address_exists(client, outbox):
    register(client)
    outbox().clear()
    url = reverse("accounts:resend_confirmation")
    # Within allauth's cool-down the known address gets the same answer, and no mail.
    assert client.post(url, {"email": "erika@beispiel.example"}).status_code == 200
    assert outbox() == []
    codes = [client.post(url, {"email": f"x{n}@beispiel.example"}).status_code for n in range(6)]
    assert codes[-1] == 429


def test_resending_to_a_confirmed_address_sends_nothing(client, user, outbox):
    client.post(reverse("accounts:resend_confirmation"), {"email": user.email})
    assert outbox() == []


@pytest.mark.parametrize("email", ["", "kein-at", "a" * 300 + "@b.example"])
def test_resending_refuses_bad_addresses(client, email, outbox):
    response = client.post(reverse("accounts:resend_confirmation"), {"email": email})
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert outbox() == []


@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing address"])
def test_allauths_mails_link_to_site_url_whatever_the_host_header(
    client, user, outbox, settings, existing
):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "evil.example"]
    email = user.email if existing else "erika@beispiel.example"
    register(client, email=email, HTTP_HOST="evil.example")
    [message] = outbox()
    links = links_in(message)
    assert links and all(link.startswith(settings.SITE_URL + "/") for link in links)
    assert "evil.example" not in message.body
