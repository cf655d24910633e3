"""The whole life of a personal account, in the browser, with an axe check on every page.

Register ("Jetzt registrieren") → confirm the address from the mailbox → log in → "Daten ändern"
→ "Passwort ändern" → log out and in again → "Konto sperren" → unlock by e-mailed link →
"Konto löschen". Once in German, the default, and once (register to lock) in English after
pressing the "English" button in the header. The shared steps and the words of both languages
are in steps.py.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import follow_mail_link, open_latest_mail, unique_email
from e2e.steps import (
    DE,
    EN,
    FIRST_NAME,
    LAST_NAME,
    NEW_LAST_NAME,
    NEW_PASSWORD,
    PASSWORD,
    UNLOCK_PASSWORD,
    WRONG_CREDENTIALS,
    change_last_name,
    confirm_address,
    expect_message,
    expect_page,
    fill_login,
    lock,
    log_in,
    login_is_refused_as_locked,
    register,
)

pytestmark = pytest.mark.e2e


def test_account_story_in_german(page: Page, new_page) -> None:
    t = DE
    email = unique_email("story-de")
    full_name = f"{FIRST_NAME} {LAST_NAME}"
    new_name = f"{FIRST_NAME} {NEW_LAST_NAME}"

    # --- landing page, registration, confirmation -------------------------------------------
    page.goto("/")
    expect_page(page, t, "Ein Konto für die Online-Dienste Ihrer Kammer")
    expect(page.get_by_role("button", name="Deutsch")).to_have_attribute("aria-pressed", "true")
    register(page, t, email)
    confirm_address(page, t, email)

    # --- log in: the start page ("Startseite") ------------------------------------------------
    log_in(page, t, email, PASSWORD, full_name)
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="Konto verwalten")).to_be_visible()
    expect(main.get_by_role("table")).to_contain_text("Anmeldung")  # security events

    # --- "Daten ändern" --------------------------------------------------------------------------
    change_last_name(page, t)
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Startseite"
    ).click()
    expect_page(page, t, f"Willkommen, {new_name}")

    # --- "Passwort ändern" -----------------------------------------------------------------------
    page.get_by_role("main").get_by_role("link", name="Passwort ändern").click()
    expect_page(page, t, "Passwort ändern")
    main = page.get_by_role("main")
    main.get_by_label("Aktuelles Passwort", exact=True).fill(PASSWORD)
    main.get_by_label("Neues Passwort", exact=True).fill(NEW_PASSWORD)
    main.get_by_label("Neues Passwort wiederholen", exact=True).fill(NEW_PASSWORD)
    main.get_by_role("button", name="Passwort ändern", exact=True).click()
    expect_page(page, t, "Passwort ändern")
    expect_message(page, "Das Passwort wurde geändert.")
    expect(page.get_by_role("alert")).to_have_count(0)

    # --- log out, and in with the new password --------------------------------------------------
    page.get_by_role("navigation").get_by_role("button", name="Abmelden").click()
    expect_page(page, t, "Ein Konto für die Online-Dienste Ihrer Kammer")
    fill_login(page, t, email, PASSWORD)  # the old password no longer works
    expect_page(page, t, "Anmelden")
    expect(page.get_by_role("alert")).to_contain_text(WRONG_CREDENTIALS)
    log_in(page, t, email, NEW_PASSWORD, new_name)

    # A second device with its own session, to see that locking ends it too.
    other_device = new_page()
    other_device.goto("/accounts/login/")
    log_in(other_device, t, email, NEW_PASSWORD, new_name)

    # --- "Konto sperren" -------------------------------------------------------------------------
    lock(page, t)
    other_device.reload()
    expect_page(other_device, t, "Ein Konto für die Online-Dienste Ihrer Kammer")
    open_latest_mail(page, to=email, subject_contains=t.locked_subject)
    expect(page.locator(".mk-mail-body")).to_contain_text("Mit freundlichen Grüßen")
    page.goto("/accounts/login/")
    login_is_refused_as_locked(page, t, email, NEW_PASSWORD)

    # --- unlock with the e-mailed link and a new password --------------------------------------
    page.get_by_role("main").get_by_role("link", name="Entsperrlink anfordern").click()
    expect_page(page, t, "Konto entsperren")
    main = page.get_by_role("main")
    main.get_by_label("E-Mail-Adresse", exact=True).fill(email)
    main.get_by_role("button", name="Entsperrlink senden").click()
    expect_page(page, t, "Entsperrlink angefordert")
    (link,) = open_latest_mail(
        page, to=email, subject_contains="Entsperrung Ihres Kontos", link_contains="/entsperren/"
    )
    follow_mail_link(page, link)
    expect_page(page, t, "Neues Passwort festlegen")
    main = page.get_by_role("main")
    main.get_by_label("Neues Passwort", exact=True).fill(UNLOCK_PASSWORD)
    main.get_by_label("Neues Passwort wiederholen", exact=True).fill(UNLOCK_PASSWORD)
    main.get_by_role("button", name="Konto entsperren").click()
    expect_page(page, t, "Anmelden")
    expect_message(
        page, "Ihr Konto ist entsperrt. Sie können sich mit Ihrem neuen Passwort anmelden."
    )
    log_in(page, t, email, UNLOCK_PASSWORD, new_name)

    # --- "Konto löschen" -------------------------------------------------------------------------
    page.get_by_role("main").get_by_role("link", name="Konto löschen").click()
    expect_page(page, t, "Konto löschen")
    main = page.get_by_role("main")
    main.get_by_label("Aktuelles Passwort", exact=True).fill(UNLOCK_PASSWORD)
    main.get_by_role("button", name="Konto löschen", exact=True).click()
    expect_page(page, t, "Konto gelöscht")
    expect(
        page.get_by_role("navigation").get_by_role("link", name="Anmelden", exact=True)
    ).to_be_visible()

    fill_login(page, t, email, UNLOCK_PASSWORD)
    expect_page(page, t, "Anmelden")
    expect(page.get_by_role("alert")).to_contain_text(WRONG_CREDENTIALS)
    expect(page.get_by_role("navigation").get_by_role("button", name="Abmelden")).to_have_count(0)


def test_account_story_in_english(page: Page) -> None:
    t = EN
    email = unique_email("story-en")
    full_name = f"{FIRST_NAME} {LAST_NAME}"

    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.get_by_role("group", name="Sprache").get_by_role("button", name="English").click()
    expect_page(page, t, "One account for your chamber's online services")
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("navigation", name="Main navigation")).to_be_visible()

    register(page, t, email)
    confirm_address(page, t, email)
    log_in(page, t, email, PASSWORD, full_name)
    expect(page.get_by_role("main").get_by_role("heading", name="Manage account")).to_be_visible()
    change_last_name(page, t)
    lock(page, t)
    login_is_refused_as_locked(page, t, email, PASSWORD)
    # The account's language is English, so its mail is English too.
    open_latest_mail(page, to=email, subject_contains=t.locked_subject)
    expect(page.locator(".mk-mail-body")).to_contain_text("Kind regards")
