"""Wrong passwords are throttled per account and source: a stranger cannot lock out the owner.

allauth's "5/5m/key" counted per address only, so five wrong passwords from anywhere refused
the owner's right one too. The policy is in web/accounts/throttling.py and docs/security.md.
"""

import re
from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.test import Client
from django.urls import reverse

from meinekammer.accounts import services
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.core.actor import Actor
from tests.accounts.factories import UserFactory
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")
REQUEST_CODE = reverse("account_request_login_code")
CONFIRM_CODE = reverse("account_confirm_login_code")
WRONG = "falsch falsch falsch"
ATTACKER = "198.51.100.66"
OWNER = "203.0.113.10"
THROTTLED_DE = "Zu viele fehlgeschlagene Anmeldungen mit dieser E-Mail-Adresse aus Ihrem Netz"
WRONG_DE = "E-Mail-Adresse und/oder das Passwort sind nicht korrekt"


def log_in(client, email, password, ip, **extra):
    return client.post(LOGIN, {"login": email, "password": password}, REMOTE_ADDR=ip, **extra)


def errors(response) -> list[str]:
    return list(response.context["form"].non_field_errors())


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def attack(email, ip, times=20):
    """A stranger with a fresh browser for each try (no cookie to recognise)."""
    responses = [log_in(Client(), email, WRONG, ip) for _ in range(times)]
    return responses


def code_from(message) -> str:
    return re.search(r"\n\n(\S+)\n\n", message.body).group(1)


def test_a_stranger_is_throttled_for_the_account_and_the_owner_logs_in_at_once(user):
    responses = attack(user.email, ATTACKER)
    assert WRONG_DE in errors(responses[0])[0]
    assert THROTTLED_DE in errors(responses[-1])[0]
    # From the attacker's address even the right password is refused now.
    stranger = Client()
    assert THROTTLED_DE in errors(log_in(stranger, user.email, PASSWORD, ATTACKER))[0]
    assert not is_logged_in(stranger)

    owner = Client()
    response = log_in(owner, user.email, PASSWORD, OWNER)
    assert response.status_code == 302
    assert is_logged_in(owner)


def test_the_owner_logs_in_by_code_from_the_attackers_address(user, outbox):
    attack(user.email, ATTACKER)
    owner = Client()
    response = owner.post(REQUEST_CODE, {"email": user.email}, REMOTE_ADDR=ATTACKER)
    assert response.status_code == 302
    assert response["Location"].startswith(CONFIRM_CODE)
    [message] = outbox()
    assert message.to == [user.email]
    assert "Anmeldecode" in message.subject
    page = owner.get(CONFIRM_CODE, REMOTE_ADDR=ATTACKER).content.decode()
    assert "Anmeldecode eingeben" in page
    response = owner.post(CONFIRM_CODE, {"code": code_from(message)}, REMOTE_ADDR=ATTACKER)
    assert response.status_code == 302
    assert is_logged_in(owner)
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN, subject_user=user).exists()


def test_a_wrong_code_does_not_log_in_and_three_end_the_attempt(user, outbox):
    visitor = Client()
    visitor.post(REQUEST_CODE, {"email": user.email}, REMOTE_ADDR=ATTACKER)
    for _ in range(3):
        visitor.post(CONFIRM_CODE, {"code": "XXXXXX"}, REMOTE_ADDR=ATTACKER)
    assert not is_logged_in(visitor)
    right = code_from(outbox()[0])
    response = visitor.post(CONFIRM_CODE, {"code": right}, REMOTE_ADDR=ATTACKER)
    assert not is_logged_in(visitor)
    assert response.status_code == 302


def test_a_code_does_not_skip_the_second_factor(user, outbox):
    TOTP.activate(user, generate_totp_secret())
    visitor = Client()
    visitor.post(REQUEST_CODE, {"email": user.email}, REMOTE_ADDR=OWNER)
    response = visitor.post(CONFIRM_CODE, {"code": code_from(outbox()[0])}, REMOTE_ADDR=OWNER)
    assert response["Location"].startswith(reverse("mfa_authenticate"))
    assert not is_logged_in(visitor)


def test_an_unknown_address_is_throttled_exactly_like_a_known_one(user, outbox):
    unknown = "niemand@nirgends.example"
    known = attack(user.email, ATTACKER, times=6)
    nobody = attack(unknown, ATTACKER, times=6)
    assert [errors(r) for r in known] == [errors(r) for r in nobody]
    assert THROTTLED_DE in errors(known[-1])[0] and WRONG_DE in errors(known[4])[0]
    # Asking for codes: the same answer for both, and the same limit.
    answers = []
    for email in (user.email, unknown):
        answers.append(
            [
                Client().post(REQUEST_CODE, {"email": email}, REMOTE_ADDR=ATTACKER).status_code
                for _ in range(4)
            ]
        )
    assert answers[0] == answers[1] == [302, 302, 302, 200]


def test_the_message_in_english(user):
    attack(user.email, ATTACKER, times=5)
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = log_in(english, user.email, WRONG, ATTACKER)
    assert errors(response) == [
        "Too many failed logins with this e-mail address from your network. Please wait a few "
        "minutes and try again, or request a login code by e-mail."
    ]


def test_the_waits_grow_and_decay_per_source(user, time_machine):
    time_machine.move_to("2026-03-02 09:00:00+01:00", tick=False)
    attack(user.email, ATTACKER, times=5)
    assert THROTTLED_DE in errors(log_in(Client(), user.email, WRONG, ATTACKER))[0]
    # After five minutes the oldest failures have aged out: five more tries ...
    time_machine.shift(timedelta(minutes=5, seconds=1))
    tries = attack(user.email, ATTACKER, times=6)
    assert all(WRONG_DE in errors(r)[0] for r in tries[:5])
    assert THROTTLED_DE in errors(tries[5])[0]
    # ... but ten in an hour: now five minutes are not enough any more.
    time_machine.shift(timedelta(minutes=5, seconds=1))
    assert THROTTLED_DE in errors(log_in(Client(), user.email, WRONG, ATTACKER))[0]
    time_machine.shift(timedelta(hours=1))
    owner = Client()
    assert log_in(owner, user.email, PASSWORD, ATTACKER).status_code == 302
    # The right password from that source ends its count: five tries again at once.
    tries = attack(user.email, ATTACKER, times=5)
    assert all(WRONG_DE in errors(r)[0] for r in tries)


def test_twenty_a_day_from_one_source(user, time_machine):
    time_machine.move_to("2026-03-02 09:00:00+01:00", tick=False)
    for _ in range(4):  # five at a time, an hour apart: within the short windows
        tries = attack(user.email, ATTACKER, times=5)
        assert all(WRONG_DE in errors(r)[0] for r in tries)
        time_machine.shift(timedelta(hours=1, seconds=1))
    assert THROTTLED_DE in errors(log_in(Client(), user.email, WRONG, ATTACKER))[0]
    time_machine.shift(timedelta(hours=20))  # a day after the first
    assert WRONG_DE in errors(log_in(Client(), user.email, WRONG, ATTACKER))[0]


def test_an_ipv6_source_is_its_64_network(user):
    attack(user.email, "2001:db8:1:2::1", times=5)
    same_network = log_in(Client(), user.email, WRONG, "2001:db8:1:2:ffff::9")
    assert THROTTLED_DE in errors(same_network)[0]
    other_network = log_in(Client(), user.email, WRONG, "2001:db8:1:3::1")
    assert WRONG_DE in errors(other_network)[0]


def test_one_address_guessing_many_accounts_is_slowed(db):
    users = [UserFactory() for _ in range(11)]
    answers = [errors(log_in(Client(), u.email, WRONG, ATTACKER))[0] for u in users]
    assert all(WRONG_DE in a for a in answers[:10])
    assert THROTTLED_DE in answers[10]


def test_many_sources_are_stopped_at_100_but_the_owner_still_gets_in(user, outbox):
    # The owner has logged in from home before: that source is known to the account.
    home = Client()
    assert log_in(home, user.email, PASSWORD, OWNER).status_code == 302
    for n in range(100):
        log_in(Client(), user.email, WRONG, f"10.0.{n // 250}.{n % 250 + 1}")
    assert (
        AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, subject_user=user).count() == 100
    )
    # The 101st source is refused, even with the right password: the last resort.
    newcomer = Client()
    assert THROTTLED_DE in errors(log_in(newcomer, user.email, PASSWORD, "10.9.9.9"))[0]
    assert not is_logged_in(newcomer)
    # From home the owner's password still works ...
    again = Client()
    assert log_in(again, user.email, PASSWORD, OWNER).status_code == 302
    # ... and from anywhere the code by e-mail does.
    traveller = Client()
    traveller.post(REQUEST_CODE, {"email": user.email}, REMOTE_ADDR="10.9.9.9")
    code = code_from(outbox()[-1])
    traveller.post(CONFIRM_CODE, {"code": code}, REMOTE_ADDR="10.9.9.9")
    assert is_logged_in(traveller)


def test_failed_logins_are_recorded_and_throttled_ones_are_refused_before_any_check(user):
    attack(user.email, ATTACKER, times=20)
    failed = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, subject_user=user)
    assert failed.count() == 5
    assert set(failed.values_list("ip_address", flat=True)) == {ATTACKER}


def test_a_stranger_asking_for_codes_does_not_block_the_owners_code(user, outbox):
    for _ in range(5):
        Client().post(REQUEST_CODE, {"email": user.email}, REMOTE_ADDR=ATTACKER)
    refused = Client().post(REQUEST_CODE, {"email": user.email}, REMOTE_ADDR=ATTACKER)
    assert refused.status_code == 200
    assert "zu viele Anmeldecodes angefordert" in refused.content.decode()
    owner = Client()
    response = owner.post(REQUEST_CODE, {"email": user.email}, REMOTE_ADDR=OWNER)
    assert response.status_code == 302
    owner.post(CONFIRM_CODE, {"code": code_from(outbox()[-1])}, REMOTE_ADDR=OWNER)
    assert is_logged_in(owner)


@pytest.mark.parametrize(
    "email", ["", "x" * 300 + "@beispiel.example", "a\x00b@beispiel.example", "kein-at-zeichen"]
)
def test_bad_input_for_a_code_is_refused_on_the_form(email):
    response = Client().post(REQUEST_CODE, {"email": email}, REMOTE_ADDR=ATTACKER)
    assert response.status_code == 200
    assert response.context["form"].errors


def test_the_login_page_offers_the_code(client):
    page = client.get(LOGIN).content.decode()
    assert f'href="{REQUEST_CODE}"' in page
    assert "Anmeldecode per E-Mail anfordern" in page
    page = client.get(REQUEST_CODE).content.decode()
    assert "<h1" in page and "Anmeldecode per E-Mail anfordern" in page


def test_a_logged_in_user_has_no_use_for_a_code(logged_in):
    response = logged_in.get(REQUEST_CODE)
    assert response.status_code == 302


def test_a_locked_account_gets_no_session_by_code(user, outbox):
    user.locked_at = user.date_joined
    user.save()
    visitor = Client()
    visitor.post(REQUEST_CODE, {"email": user.email}, REMOTE_ADDR=OWNER)
    response = visitor.post(
        CONFIRM_CODE, {"code": code_from(outbox()[0])}, REMOTE_ADDR=OWNER, follow=True
    )
    assert not is_logged_in(visitor)
    assert "gesperrt" in response.content.decode()


def test_a_deleted_account_gets_no_code(user, outbox):
    services.delete_account(Actor.of(user))
    visitor = Client()
    visitor.post(REQUEST_CODE, {"email": user.email}, REMOTE_ADDR=OWNER)
    assert not any("Anmeldecode" in m.subject for m in outbox())
    assert not is_logged_in(visitor)


def test_an_unknown_address_gets_the_same_page_and_a_mail_without_a_code(user, outbox):
    known = Client().post(REQUEST_CODE, {"email": user.email}, REMOTE_ADDR=OWNER)
    unknown = Client().post(REQUEST_CODE, {"email": "niemand@nirgends.example"}, REMOTE_ADDR=OWNER)
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    mails = {m.to[0]: m for m in outbox()}
    assert "Ihr Anmeldecode lautet" in mails[user.email].body
    body = mails["niemand@nirgends.example"].body
    assert "Anmeldecode für ein meinekammer-Konto" in body
    assert "Es gibt kein Konto mit dieser Adresse" in body
    assert "neues Passwort" not in body
