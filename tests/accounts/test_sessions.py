"""Signed-in devices, the mail on a login from a new device, and the idle timeout."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meinekammer.accounts import services
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.core.actor import Actor
from tests.accounts.factories import UserFactory
from tests.conftest import PASSWORD, links_in

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")
SESSIONS = reverse("accounts:sessions")
END_OTHERS = reverse("accounts:end_other_sessions")
STAY = reverse("accounts:stay_signed_in")
STATUS = reverse("accounts:idle_status")

CHROME_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36"
)
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


@pytest.fixture(
    autouse=True,
    params=["django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cache"],
    ids=["db-sessions", "cache-sessions"],
)
def session_engine(request, settings):
    """Production keeps sessions in the cache (Redis) when REDIS_URL is set, else in the
    database: every test runs with both (the PostgreSQL suite's cache is Redis)."""
    settings.SESSION_ENGINE = request.param
    return request.param


def browser(user_agent: str, ip: str = "203.0.113.17") -> Client:
    return Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)


def log_in(client: Client, user, password: str = PASSWORD) -> None:
    response = client.post(LOGIN, {"login": user.email, "password": password})
    assert response.status_code == 302, response.content
    assert "_auth_user_id" in client.session


def is_logged_in(client: Client) -> bool:
    response = client.get(reverse("accounts:overview"))
    return response.status_code == 200


def end_url(session: UserSession) -> str:
    return reverse("accounts:end_session", args=[session.pk])


@pytest.fixture
def two_browsers(user):
    first, second = browser(CHROME_LINUX), browser(FIREFOX_WINDOWS, "198.51.100.4")
    log_in(first, user)
    log_in(second, user)
    return first, second


def session_of(client: Client) -> UserSession:
    return UserSession.objects.get(session_key=client.session.session_key)


# --- the list --------------------------------------------------------------------------------


def test_the_list_shows_both_devices_with_browser_system_and_shortened_address(
    two_browsers, time_machine
):
    first, _second = two_browsers
    time_machine.move_to(timezone.now() + timedelta(minutes=5), tick=False)
    response = first.get(SESSIONS)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Angemeldete Geräte" in page
    assert "Chrome 130 unter Linux" in page
    assert "Firefox 133 unter Windows 10" in page
    assert "203.0.113.x" in page and "198.51.100.x" in page
    assert "203.0.113.17" not in page  # the full address is not shown
    assert page.count("Dieses Gerät") == 1
    assert "Alle anderen abmelden" in page
    # The current device comes first and has no "Abmelden" of its own.
    sessions = response.context["sessions"]
    assert [s["current"] for s in sessions] == [True, False]
    # Humanized: both logged in 5 minutes ago; this device is active now.
    assert page.count("vor 5 Minuten") == 3 and page.count(">jetzt<") == 1


def test_the_list_in_english(user):
    user.language = "en"
    user.save()
    client = browser(CHROME_LINUX)
    log_in(client, user)
    client.cookies["meinekammer_language"] = "en"
    page = client.get(SESSIONS, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Signed-in devices" in page
    assert "Chrome 130 on Linux" in page
    assert "This device" in page
    # Alone, nothing else to log out.
    assert "Log out all other devices" not in page


def test_the_account_page_links_to_the_list(two_browsers):
    first, _ = two_browsers
    page = first.get(reverse("accounts:overview")).content.decode()
    assert SESSIONS in page and "Angemeldete Geräte" in page


# --- logging out devices ---------------------------------------------------------------------


def test_logging_out_one_device_ends_that_session_only(two_browsers, user):
    first, second = two_browsers
    other = session_of(second)
    response = first.post(end_url(other), follow=True)
    assert response.redirect_chain == [(SESSIONS, 302)]
    assert "Das Gerät wurde abgemeldet." in response.content.decode()
    assert "Firefox" not in response.content.decode()
    # The other browser's next request goes to the login page.
    response = second.get(reverse("accounts:overview"))
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    assert is_logged_in(first)
    assert not UserSession.objects.filter(pk=other.pk).exists()
    event = AuditEvent.objects.get(action=AuditAction.SESSION_ENDED)
    assert (event.actor, event.subject_user, event.data["session_id"]) == (user, user, other.pk)
    assert event.ip_address == "203.0.113.17"


def test_log_out_all_other_devices_keeps_only_this_one(user):
    clients = [browser(CHROME_LINUX), browser(FIREFOX_WINDOWS), browser(FIREFOX_WINDOWS)]
    for client in clients:
        log_in(client, user)
    response = clients[0].post(END_OTHERS, follow=True)
    assert "2 andere Geräte wurden abgemeldet." in response.content.decode()
    assert is_logged_in(clients[0])
    assert not is_logged_in(clients[1]) and not is_logged_in(clients[2])
    assert UserSession.objects.filter(user=user).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.SESSION_ENDED).count() == 2


def test_log_out_all_other_devices_alone_ends_nothing(user):
    client = browser(CHROME_LINUX)
    log_in(client, user)
    client.post(END_OTHERS)
    assert is_logged_in(client)
    assert not AuditEvent.objects.filter(action=AuditAction.SESSION_ENDED).exists()


def test_the_current_session_cannot_be_ended_here(two_browsers):
    first, _ = two_browsers
    assert first.post(end_url(session_of(first))).status_code == 404
    assert is_logged_in(first)


def test_another_accounts_session_is_not_found_and_nothing_ends(two_browsers):
    first, second = two_browsers
    stranger = UserFactory(password=PASSWORD)
    intruder = browser(CHROME_LINUX, "192.0.2.1")
    log_in(intruder, stranger)
    for target in (session_of(first), session_of(second)):
        assert intruder.post(end_url(target)).status_code == 404
    assert is_logged_in(first) and is_logged_in(second)
    # "All others" of the intruder ends only the intruder's own other sessions (none).
    intruder.post(END_OTHERS)
    assert is_logged_in(first) and is_logged_in(second)
    assert not AuditEvent.objects.filter(action=AuditAction.SESSION_ENDED).exists()
    # Their own list does not show the other account's devices.
    assert intruder.get(SESSIONS).context["sessions"].__len__() == 1


@pytest.mark.parametrize(
    "path",
    [
        "/konto/geraete/999999/abmelden/",
        "/konto/geraete/" + "9" * 40 + "/abmelden/",  # oversized: no id of ours
        "/konto/geraete/-1/abmelden/",
        "/konto/geraete/1%00/abmelden/",  # control character
        "/konto/geraete/1%0A/abmelden/",
        "/konto/geraete/abc/abmelden/",
    ],
)
def test_bad_ids_are_not_found(two_browsers, path):
    first, second = two_browsers
    assert first.post(path).status_code == 404
    assert is_logged_in(second)


def test_ending_needs_post(two_browsers):
    first, second = two_browsers
    assert first.get(end_url(session_of(second))).status_code == 405
    assert first.get(END_OTHERS).status_code == 405
    assert is_logged_in(second)


def test_ending_needs_the_csrf_token(two_browsers):
    _first, second = two_browsers
    strict = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=CHROME_LINUX)
    log_in_csrf = strict.get(LOGIN)  # noqa: F841  (the form sets the cookie)
    strict.force_login(session_of(second).user)
    assert strict.post(end_url(session_of(second))).status_code == 403
    assert strict.post(END_OTHERS).status_code == 403
    assert is_logged_in(second)


def test_a_visitor_is_sent_to_the_login(client, two_browsers):
    _first, second = two_browsers
    for response in (client.get(SESSIONS), client.post(end_url(session_of(second)))):
        assert response.status_code == 302 and response.url.startswith(LOGIN)
    assert is_logged_in(second)


def test_a_locked_account_has_no_access(two_browsers, user):
    first, second = two_browsers
    services.lock_account(Actor.of(user))
    for client in (first, second):
        response = client.get(SESSIONS)
        assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_a_session_idle_past_the_timeout_is_not_listed(two_browsers, time_machine):
    first, second = two_browsers
    time_machine.move_to(timezone.now() + timedelta(minutes=20), tick=False)
    assert is_logged_in(first)
    time_machine.move_to(timezone.now() + timedelta(minutes=20), tick=False)
    # The second browser has been idle for 40 minutes: it is logged out, not a device.
    sessions = first.get(SESSIONS).context["sessions"]
    assert len(sessions) == 1 and sessions[0]["current"]
    assert not is_logged_in(second)


# --- the mail on a login from a new device ---------------------------------------------------


def new_device_mails(outbox, user) -> list:
    return [m for m in outbox() if m.to == [user.email] and "Neue Anmeldung" in m.subject]


def test_the_first_login_ever_sends_no_mail_and_the_same_browser_none_again(user, outbox):
    client = browser(CHROME_LINUX)
    log_in(client, user)
    client.post(reverse("account_logout"))
    log_in(client, user)
    assert new_device_mails(outbox, user) == []


def test_a_login_from_a_new_browser_sends_one_mail(user, outbox):
    log_in(browser(CHROME_LINUX), user)
    other = browser(FIREFOX_WINDOWS, "198.51.100.4")
    log_in(other, user)
    [message] = new_device_mails(outbox, user)
    assert message.subject == "meinekammer: Neue Anmeldung bei meinekammer"
    assert "Firefox 133" in message.body and "Windows 10" in message.body
    assert "198.51.100.x" in message.body and "198.51.100.4" not in message.body
    links = links_in(message)
    assert any(link.endswith(SESSIONS) for link in links)
    assert any(link.endswith(reverse("account_change_password")) for link in links)
    # The same browser again: no second mail.
    other.post(reverse("account_logout"))
    log_in(other, user)
    assert len(new_device_mails(outbox, user)) == 1


def test_a_copied_cookie_in_another_browser_is_a_new_device(user, outbox):
    first = browser(CHROME_LINUX)
    log_in(first, user)
    first.post(reverse("account_logout"))
    thief = browser(FIREFOX_WINDOWS)
    thief.cookies["mk_devices"] = first.cookies["mk_devices"].value
    log_in(thief, user)
    assert len(new_device_mails(outbox, user)) == 1


def test_a_forged_cookie_is_ignored(user, outbox):
    log_in(browser(CHROME_LINUX), user)
    for value in ("forged", "x" * 5000, "a\x01b"):
        client = browser(CHROME_LINUX)
        client.cookies["mk_devices"] = value
        log_in(client, user)
    assert len(new_device_mails(outbox, user)) == 3


def test_the_mail_is_in_the_accounts_language(user):
    user.language = "en"
    user.save()
    log_in(browser(CHROME_LINUX), user)
    log_in(browser(FIREFOX_WINDOWS), user)
    from django.core import mail

    from meinekammer.notifications.models import OutboundEmail

    [queued] = OutboundEmail.objects.filter(recipient=user.email, subject__contains="login")
    assert queued.subject == "meinekammer: New login to meinekammer"
    assert "Firefox 133" in queued.body_text and "If it was not you" in queued.body_text
    assert mail.outbox == []  # queued, delivered by the worker


def test_an_account_with_another_account_on_the_same_browser(user, outbox):
    """A shared computer: each account has its own entry in the browser's cookie."""
    colleague = UserFactory(password=PASSWORD)
    client = browser(CHROME_LINUX)
    log_in(client, user)
    client.post(reverse("account_logout"))
    log_in(client, colleague)
    client.post(reverse("account_logout"))
    log_in(client, user)
    assert new_device_mails(outbox, user) == []


# --- the idle timeout ------------------------------------------------------------------------


def test_29_minutes_idle_stays_logged_in_31_logs_out_with_a_message(user, time_machine):
    client = browser(CHROME_LINUX)
    log_in(client, user)
    assert is_logged_in(client)
    time_machine.move_to(timezone.now() + timedelta(minutes=29), tick=False)
    assert is_logged_in(client)
    time_machine.move_to(timezone.now() + timedelta(minutes=31), tick=False)
    response = client.get(reverse("accounts:personal_data") + "?x=1")
    assert response.status_code == 302
    parts = urlsplit(response.url)
    assert parts.path == LOGIN
    assert parse_qs(parts.query)["next"] == [reverse("accounts:personal_data") + "?x=1"]
    page = client.get(response.url).content.decode()
    assert "Sie wurden nach 30 Minuten ohne Aktivität abgemeldet." in page
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=AuditAction.LOGOUT, subject_user=user).exists()


def test_the_idle_message_in_english(user, time_machine):
    user.language = "en"
    user.save()
    client = browser(CHROME_LINUX)
    log_in(client, user)
    client.cookies["meinekammer_language"] = "en"
    time_machine.move_to(timezone.now() + timedelta(minutes=31), tick=False)
    response = client.get(SESSIONS, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "You were logged out after 30 minutes without activity." in response.content.decode()


def test_asking_for_the_time_left_is_no_activity(user, time_machine):
    client = browser(CHROME_LINUX)
    log_in(client, user)
    session = session_of(client)
    time_machine.move_to(timezone.now() + timedelta(minutes=20), tick=False)
    response = client.get(STATUS)
    assert response.status_code == 200
    assert 9 * 60 <= response.json()["remaining"] <= 10 * 60
    # allauth's "last activity" did not move either.
    session.refresh_from_db()
    assert session.last_seen_at < timezone.now() - timedelta(minutes=19)
    time_machine.move_to(timezone.now() + timedelta(minutes=11), tick=False)
    response = client.get(STATUS)
    assert response.status_code == 401
    assert not is_logged_in(client)


def test_stay_signed_in_renews_the_time(user, time_machine):
    client = browser(CHROME_LINUX)
    log_in(client, user)
    time_machine.move_to(timezone.now() + timedelta(minutes=28), tick=False)
    assert client.post(STAY).status_code == 204
    time_machine.move_to(timezone.now() + timedelta(minutes=28), tick=False)
    assert client.get(STATUS).json()["remaining"] > 60
    assert is_logged_in(client)


def test_stay_signed_in_needs_post_csrf_and_a_login(client, user):
    assert client.post(STAY).status_code == 302  # a visitor: to the login
    assert client.get(STATUS).status_code == 401
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post(STAY).status_code == 403
    assert strict.get(STAY).status_code == 405


def test_stay_signed_in_after_the_timeout_is_too_late(user, time_machine):
    client = browser(CHROME_LINUX)
    log_in(client, user)
    time_machine.move_to(timezone.now() + timedelta(minutes=31), tick=False)
    assert client.post(STAY).status_code == 401
    assert not is_logged_in(client)


def test_pages_carry_the_warning_only_for_logged_in_users(client, user):
    page = client.get(LOGIN).content.decode()
    assert "idle-timeout.js" not in page and "mk-idle-dialog" not in page
    log_in(client, user)
    page = client.get(reverse("accounts:overview")).content.decode()
    assert "idle-timeout.js" in page
    assert 'role="alertdialog"' in page and "Angemeldet bleiben" in page
    assert 'data-timeout="1800"' in page


def test_no_idle_timeout_when_switched_off(user, settings, time_machine):
    settings.SESSION_IDLE_TIMEOUT = 0
    client = browser(CHROME_LINUX)
    log_in(client, user)
    time_machine.move_to(timezone.now() + timedelta(hours=2), tick=False)
    assert is_logged_in(client)
    assert "idle-timeout.js" not in client.get(reverse("accounts:overview")).content.decode()


# --- how a device is shown -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "shown"),
    [
        ("203.0.113.17", "203.0.113.x"),
        ("::ffff:198.51.100.4", "198.51.100.x"),
        ("2001:db8:1:2::5", "2001:db8:1::/48"),
        ("", ""),
        (None, ""),
        ("not an address", ""),
        ("1.2.3.4\x00", ""),
    ],
)
def test_addresses_are_shown_shortened(address, shown):
    from meinekammer.web.accounts.devices import mask_ip

    assert mask_ip(address) == shown


@pytest.mark.parametrize(
    ("user_agent", "label"),
    [
        (CHROME_LINUX, "Chrome 130 unter Linux"),
        (FIREFOX_WINDOWS, "Firefox 133 unter Windows 10"),
        ("", "Unbekannter Browser"),
        ("\x00\x01\x02", "Unbekannter Browser"),
        ("x" * 5000, "Unbekannter Browser"),
    ],
)
def test_browser_and_system_are_named(user_agent, label):
    from django.utils import translation

    from meinekammer.web.accounts.devices import parse_user_agent

    with translation.override("de"):
        assert parse_user_agent(user_agent).label == label


# --- how often activity is recorded (web/accounts/activity.py) --------------------------------


def usersession_writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if "usersessions_usersession" in q["sql"] and q["sql"].startswith("UPDATE")
    ]


def test_activity_is_recorded_at_most_once_a_minute(user, time_machine):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = browser(CHROME_LINUX)
    log_in(client, user)
    time_machine.move_to(timezone.now() + timedelta(minutes=2), tick=False)
    assert is_logged_in(client)  # recorded: the last record is older than a minute
    recorded = session_of(client).last_seen_at
    assert recorded >= timezone.now() - timedelta(seconds=1)
    time_machine.move_to(timezone.now() + timedelta(seconds=30), tick=False)
    with CaptureQueriesContext(connection) as queries:
        assert is_logged_in(client)
    assert usersession_writes(queries) == []
    assert session_of(client).last_seen_at == recorded
    time_machine.move_to(timezone.now() + timedelta(seconds=31), tick=False)
    assert is_logged_in(client)
    assert session_of(client).last_seen_at > recorded


def test_a_new_address_or_browser_is_recorded_at_once(user, time_machine):
    client = browser(CHROME_LINUX)
    log_in(client, user)
    assert is_logged_in(client)
    time_machine.move_to(timezone.now() + timedelta(seconds=5), tick=False)
    client.defaults["REMOTE_ADDR"] = "198.51.100.4"
    assert is_logged_in(client)
    assert session_of(client).ip == "198.51.100.4"
    client.defaults["HTTP_USER_AGENT"] = FIREFOX_WINDOWS
    assert is_logged_in(client)
    assert session_of(client).user_agent == FIREFOX_WINDOWS


def test_the_list_still_shows_a_session_active_within_the_minute(user, time_machine):
    from meinekammer.accounts.sessions import list_sessions

    client = browser(CHROME_LINUX)
    log_in(client, user)
    time_machine.move_to(timezone.now() + timedelta(minutes=1), tick=False)
    assert is_logged_in(client)  # recorded
    time_machine.move_to(timezone.now() + timedelta(seconds=59), tick=False)
    assert is_logged_in(client)  # not recorded: within the minute
    # Just before the idle timeout the session is still listed (and still logged in).
    time_machine.move_to(timezone.now() + timedelta(minutes=29, seconds=59), tick=False)
    assert [s.session_key for s in list_sessions(user)] == [client.session.session_key]
    assert is_logged_in(client)
