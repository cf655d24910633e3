"""A new version of the Informationspflichten is accepted at the next login
(web/accounts/privacy_notice.py): who is led there from where, "Zustimmen", the tick, a second
version, prompt=none, locked and logged-out accounts, and what it costs."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from meinekammer.accounts.models import PrivacyConsent, PrivacyNotice
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.web.accounts.privacy_notice import SESSION_KEY, must_accept
from tests.accounts.factories import UserFactory
from tests.companies.helpers import text

pytestmark = pytest.mark.django_db

PAGE = reverse("accounts:privacy_notice")


@pytest.fixture
def notice(db):
    """A new version, published after the one every account accepted at registration."""
    return PrivacyNotice.objects.create(
        version="2027-01",
        text_de="Neue Informationen zur Verarbeitung Ihrer Daten.\n\nAbsatz zwei.",
        text_en="New information on the processing of your data.\n\nParagraph two.",
    )


@pytest.fixture
def person(notice):
    return UserFactory(privacy_consent=False)


@pytest.fixture
def logged_in_person(client, person):
    client.force_login(person)
    return client


def led_to_notice(response, next_path: str | None = None) -> bool:
    if response.status_code != 302 or not response.url.startswith(PAGE):
        return False
    return next_path is None or f"next={quote(next_path, safe='')}" in response.url


def accept(client, notice, next_url="/", **data):
    return client.post(
        PAGE, {"accept_privacy": "on", "version": notice.version, "next": next_url, **data}
    )


# --- Who is led there, from where ------------------------------------------------------------


def test_the_factories_accept_the_current_notice_so_nothing_else_changes(client, user):
    notice = PrivacyNotice.objects.current()
    assert PrivacyConsent.objects.filter(user=user, notice=notice).exists()
    client.force_login(user)
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/kammer/",
        "/unternehmen/neu/",
        "/" + settings.ADMIN_URL,
        "/o/authorize/?client_id=x&response_type=code&scope=openid",
    ],
)
def test_an_account_without_consent_is_led_there_from_every_guarded_page(logged_in_person, path):
    assert led_to_notice(logged_in_person.get(path), path)


def test_a_post_is_led_there_without_next(logged_in_person):
    response = logged_in_person.post("/unternehmen/neu/")
    assert response.status_code == 302 and response.url == PAGE


@pytest.mark.parametrize(
    "path",
    [
        PAGE,
        "/konto/",
        "/konto/loeschen/",
        "/konto/daten/",
        "/accounts/logout/",
        "/datenschutz/",
        "/impressum/",
        "/barrierefreiheit/",
        "/.well-known/openid-configuration",
        "/static/web/meinekammer.css",
    ],
)
def test_open_pages_stay_open(logged_in_person, path):
    response = logged_in_person.get(path)
    assert not led_to_notice(response)
    assert response.status_code in (200, 302)


def test_the_page_shows_the_text_the_tick_and_the_ways_out(logged_in_person, notice):
    response = logged_in_person.get(PAGE, {"next": "/kammer/"})
    assert response.status_code == 200
    body = text(response)
    assert "Informationspflichten" in body
    assert f"Version {notice.version} vom" in body
    assert "<p>Neue Informationen zur Verarbeitung Ihrer Daten.</p>" in body
    assert "Ich habe die Informationspflichten gelesen und akzeptiere sie." in body
    assert "Zustimmen" in body
    assert f'action="{reverse("account_logout")}"' in body and "Abmelden" in body
    assert f'href="{reverse("accounts:delete")}"' in body and "Konto löschen" in body
    assert 'name="next" value="/kammer/"' in body


def test_the_page_in_english(client, person):
    person.language = "en"
    person.save()
    client.force_login(person)
    body = text(client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en"))
    assert "New information on the processing of your data." in body
    assert "Accept" in body


# --- "Zustimmen" -----------------------------------------------------------------------------


def test_zustimmen_records_the_consent_and_continues_to_next(logged_in_person, person, notice):
    response = accept(logged_in_person, notice, next_url="/kammer/")
    assert response.status_code == 302 and response.url == "/kammer/"
    consent = PrivacyConsent.objects.get(user=person, notice=notice)
    assert consent.accepted_at is not None
    event = AuditEvent.objects.get(action=AuditAction.PRIVACY_ACCEPTED, subject_user=person)
    assert event.actor_id == person.pk
    assert logged_in_person.get("/").status_code == 200
    # "Mein Konto" lists the version.
    assert f"Version {notice.version} vom" in text(
        logged_in_person.get(reverse("accounts:overview"))
    )


def test_the_whole_way_from_a_guarded_page_and_back(logged_in_person, notice):
    path = "/unternehmen/neu/"
    response = logged_in_person.get(path)
    page = logged_in_person.get(response.url)
    next_url = page.context["next_url"]
    assert next_url == path
    assert accept(logged_in_person, notice, next_url=next_url).url == path
    assert logged_in_person.get(path).status_code == 200


def test_without_the_tick_a_translated_error_and_nothing_changes(logged_in_person, person):
    response = logged_in_person.post(PAGE, {"version": "2027-01", "next": "/"})
    assert response.status_code == 200
    assert "Bitte akzeptieren Sie die Informationspflichten, um fortzufahren." in text(response)
    assert not PrivacyConsent.objects.filter(user=person, notice__version="2027-01").exists()
    assert not AuditEvent.objects.filter(
        action=AuditAction.PRIVACY_ACCEPTED, subject_user=person
    ).exists()
    assert led_to_notice(logged_in_person.get("/"))


@pytest.mark.parametrize(
    "data",
    [
        {"accept_privacy": "on"},  # no version
        {"accept_privacy": "on", "version": "x" * 500},
        {"accept_privacy": "on", "version": "<script>alert(1)</script>"},
    ],
    ids=["missing", "oversized", "hostile"],
)
def test_a_wrong_version_accepts_nothing(logged_in_person, person, data):
    response = logged_in_person.post(PAGE, data)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert not PrivacyConsent.objects.filter(user=person, notice__version="2027-01").exists()


def test_a_version_published_while_the_page_was_open_is_shown_first(
    logged_in_person, person, notice
):
    newer = PrivacyNotice.objects.create(
        version="2027-02",
        text_de="Noch neuer.",
        text_en="Newer still.",
    )
    response = accept(logged_in_person, notice)
    assert response.status_code == 200
    assert "Noch neuer." in text(response)
    assert "Soeben wurde eine neue Fassung" in text(response)
    assert (
        not PrivacyConsent.objects.filter(user=person).exclude(notice__version="2026-01").exists()
    )
    assert accept(logged_in_person, newer).status_code == 302
    assert PrivacyConsent.objects.filter(user=person, notice=newer).exists()


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/"])
def test_next_goes_only_to_this_site(logged_in_person, notice, next_url):
    assert 'value="https://evil.example/' not in text(
        logged_in_person.get(PAGE, {"next": next_url})
    )
    response = accept(logged_in_person, notice, next_url=next_url)
    assert response.status_code == 302 and response.url == "/"


def test_an_account_that_accepted_is_sent_on(client, user):
    client.force_login(user)
    response = client.get(PAGE, {"next": "/konto/"})
    assert response.status_code == 302 and response.url == "/konto/"


def test_a_second_version_asks_again(client, user):
    client.force_login(user)
    assert client.get("/").status_code == 200  # the session remembers the accepted version
    second = PrivacyNotice.objects.create(version="2027-07", text_de="Zweite.", text_en="Second.")
    assert led_to_notice(client.get("/"), "/")
    assert accept(client, second).status_code == 302
    assert client.get("/").status_code == 200
    assert PrivacyConsent.objects.filter(user=user).count() == 2


def test_a_version_published_later_is_not_asked_for_yet(client, user):
    PrivacyNotice.objects.create(
        version="2099-01",
        text_de="Später.",
        text_en="Later.",
        published_at=timezone.now() + timedelta(days=30),
    )
    client.force_login(user)
    assert client.get("/").status_code == 200


def test_without_any_notice_nothing_is_asked(client, person):
    PrivacyConsent.objects.all().delete()
    PrivacyNotice.objects.all().delete()
    client.force_login(person)
    assert client.get("/").status_code == 200
    response = client.get(PAGE, {"next": "/konto/"})
    assert response.status_code == 302 and response.url == "/konto/"


def test_the_remembered_version_belongs_to_the_account(client, user, person, notice):
    """A session that remembers another account's acceptance asks this one all the same."""
    client.force_login(person)
    session = client.session
    session[SESSION_KEY] = {"user": user.pk, "notice": notice.pk}
    session.save()
    assert led_to_notice(client.get("/"))


# --- Locked, logged out ----------------------------------------------------------------------


def test_logged_out_visitors_are_not_affected(client, notice):
    assert client.get("/").status_code == 200
    response = client.get(PAGE)
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_a_locked_account_is_not_led_there_and_cannot_accept(client, person, notice):
    client.force_login(person)
    person.locked_at = timezone.now()
    person.save(update_fields=["locked_at"])
    assert not led_to_notice(client.get("/"))
    assert accept(client, notice).status_code == 404
    assert not PrivacyConsent.objects.filter(user=person, notice=notice).exists()


# --- Cost ------------------------------------------------------------------------------------


def request_for(user):
    request = RequestFactory().get("/")
    request.user = user
    request.session = SessionStore()
    return request


def test_one_query_per_request_and_the_session_remembers(user, django_assert_num_queries):
    request = request_for(user)
    with django_assert_num_queries(1):
        assert not must_accept(request)
        assert not must_accept(request)  # once per request
    assert request.session[SESSION_KEY]["user"] == user.pk
    again = request_for(user)
    again.session = request.session
    with django_assert_num_queries(1) as context:
        assert not must_accept(again)
    # The remembered version answers in the query's CASE, before the consents' subquery.
    assert "CASE WHEN" in context.captured_queries[0]["sql"]


def test_an_account_without_consent_costs_one_query_too(person, django_assert_num_queries):
    request = request_for(person)
    with django_assert_num_queries(1):
        assert must_accept(request)
    assert SESSION_KEY not in request.session


def test_visitors_cost_no_query(django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert not must_accept(request)


def test_a_guarded_page_costs_one_query_more_than_before(user, settings):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        client = Client()  # loads the middleware as set now
        client.force_login(user)
        client.get("/")  # the session remembers the accepted version
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        return len(captured)

    with_check = queries()
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if not m.endswith("PrivacyNoticeMiddleware")
    ]
    assert with_check - queries() == 1


# --- The demo --------------------------------------------------------------------------------


def test_the_demo_accounts_accepted_the_current_notice(client):
    from meinekammer.accounts.models import User
    from meinekammer.demo.seed import seed_demo_data

    seed_demo_data()
    notice = PrivacyNotice.objects.current()
    users = list(User.objects.all())
    assert users
    for user in users:
        assert PrivacyConsent.objects.filter(user=user, notice=notice).exists(), user.email
    client.force_login(User.objects.get(email="anna.admin@beispiel-gmbh.example"))
    assert client.get("/").status_code == 200
