import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "web:home",
    "web:privacy",
    "web:accessibility",
    "web:imprint",
    "account_login",
    "account_signup",
    "account_reset_password",
    "accounts:unlock_request",
]


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_pages_have_the_frame_and_strict_headers(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="de"' in page
    assert "Zum Hauptinhalt springen" in page
    for link in ("web:privacy", "web:accessibility", "web:imprint"):
        assert reverse(link) in page
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    # No inline script anywhere: scripts come from the site (src=), data in JSON blocks
    # (the login page's passkey button: allauth's WebAuthn script and its options).
    for tag in re.findall(r"<script\b[^>]*>", page):
        assert " src=" in tag or 'type="application/json"' in tag, tag
    assert "http://" not in page.replace("http://testserver", "") or "https://" not in page


def test_titles_are_unique(client):
    titles = set()
    for name in PUBLIC_PAGES[1:]:
        page = client.get(reverse(name)).content.decode()
        titles.add(page.split("<title>")[1].split("</title>")[0])
    assert len(titles) == len(PUBLIC_PAGES) - 1


def test_the_landing_page_offers_login_and_registration(client):
    page = client.get("/").content.decode()
    assert "Jetzt registrieren" in page and "Anmelden" in page


def test_the_dashboard_shows_the_account_functions(logged_in):
    page = logged_in.get("/").content.decode()
    assert "Startseite" in page
    for label in ("Daten ändern", "Passwort ändern", "Konto sperren", "Konto löschen"):
        assert label in page


def test_language_switch_is_stored_on_the_account(logged_in, user):
    response = logged_in.post(reverse("web:set_language"), {"language": "en", "next": "/konto/"})
    assert response.status_code == 302 and response["Location"] == "/konto/"
    user.refresh_from_db()
    assert user.language == "en"
    page = logged_in.get(reverse("accounts:overview")).content.decode()
    assert '<html lang="en"' in page and "My account" in page
    # Another device without the cookie still gets English from the account.
    from django.test import Client

    other = Client()
    other.force_login(user)
    assert '<html lang="en"' in other.get("/").content.decode()


@pytest.mark.parametrize("language", ["fr", "", "x" * 5000, "<script>"])
def test_an_unknown_language_changes_nothing(logged_in, user, language):
    response = logged_in.post(reverse("web:set_language"), {"language": language, "next": "/"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "de"


def test_the_language_switch_does_not_redirect_elsewhere(client):
    response = client.post(
        reverse("web:set_language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_the_language_switch_needs_post(client):
    assert client.get(reverse("web:set_language")).status_code == 405


def test_unknown_pages_get_a_translated_404(client):
    response = client.get("/gibt-es-nicht/")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.content.decode()


def test_logged_in_pages_are_not_cached(logged_in):
    assert logged_in.get("/").headers["Cache-Control"] == "no-store"


def test_the_mailbox_is_absent_without_dev_mailbox(client, settings):
    settings.DEV_MAILBOX = False
    assert client.get(reverse("notifications:mailbox")).status_code == 404
    assert "/dev/mailbox/" not in client.get("/").content.decode()


def test_german_is_the_default_whatever_the_browser_asks_for(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="de"' in page


def test_a_visitors_language_choice_is_kept_in_a_cookie(client):
    client.post(reverse("web:set_language"), {"language": "en", "next": "/"})
    response = client.get("/")
    assert '<html lang="en"' in response.content.decode()
    assert response["Content-Language"] == "en"


def test_a_request_in_english_leaves_the_thread_in_the_default_language(client):
    """Work after a request in the same thread (a worker's task, the next test) speaks German.

    The language middleware once left the visitor's language active on the thread, so a use
    case called afterwards raised its refusal in English.
    """
    from django.utils import translation

    client.post(reverse("web:set_language"), {"language": "en", "next": "/"})
    assert '<html lang="en"' in client.get("/").content.decode()
    assert translation.get_language() == "de"
