"""Registration → confirmation → login → "Konto sperren" with the keyboard alone.

Only Tab, Shift+Tab, Space, Enter and typing: no clicks. On every page the skip link is the first
thing Tab reaches and moves the focus to the main content; every element the focus passes shows
it (an outline or a box-shadow, WCAG 2.4.7).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import (
    assert_focus_visible,
    open_latest_mail,
    press_tab,
    tab_to,
    unique_email,
)

pytestmark = pytest.mark.e2e

PASSWORD = "Leise rieselt der Schnee 1987"


def skip_to_main(page: Page) -> None:
    """The first Tab reaches the skip link, visibly; Enter moves the focus to <main>."""
    if page.url.endswith("#main"):
        # A form without an action attribute posts to the address it was shown at, #main
        # included, and the browser keeps that fragment through the redirect: the new page
        # opens with the focus already on <main>, as if the skip link had been used.
        expect(page.locator("main#main")).to_be_focused()
        return
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Zum Hauptinhalt springen")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()  # shown when focused, hidden off-screen otherwise
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    assert page.url.endswith("#main")


def expect_heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def test_register_confirm_login_and_lock_with_the_keyboard(page: Page) -> None:
    email = unique_email("keyboard")

    # --- landing page: skip link, then the first control in <main> -----------------------------
    page.goto("/")
    skip_link = page.get_by_role("link", name="Zum Hauptinhalt springen")
    expect(skip_link).not_to_be_in_viewport()
    skip_to_main(page)
    press_tab(page)
    register = page.get_by_role("main").get_by_role("link", name="Jetzt registrieren")
    expect(register).to_be_focused()
    page.keyboard.press("Enter")

    # --- registration form, field by field in reading order -----------------------------------
    expect_heading(page, "Jetzt registrieren")
    skip_to_main(page)
    main = page.get_by_role("main")
    press_tab(page)
    ms = main.get_by_role("radio", name="Frau")
    expect(ms).to_be_focused()
    page.keyboard.press("Space")
    expect(ms).to_be_checked()
    for label, value in [
        ("Vorname", "Karla"),
        ("Nachname", "Tastatur"),
        ("E-Mail-Adresse", email),
        ("Passwort", PASSWORD),
        ("Passwort wiederholen", PASSWORD),
    ]:
        press_tab(page)
        field = main.get_by_label(label, exact=True)
        expect(field).to_be_focused()
        page.keyboard.type(value)
        expect(field).to_have_value(value)
    press_tab(page)
    expect(main.get_by_role("button", name="weiter", exact=True)).to_be_focused()
    page.keyboard.press("Enter")

    # --- step 2: the "Informationspflichten", the tick, "Registrierung abschicken" -------------
    expect(main).to_contain_text("Schritt 2 von 2: Informationspflichten")
    skip_to_main(page)
    press_tab(page)
    privacy = main.get_by_role("checkbox", name="Ich habe die Informationspflichten gelesen")
    expect(privacy).to_be_focused()
    page.keyboard.press("Space")
    expect(privacy).to_be_checked()
    press_tab(page)
    expect(
        main.get_by_role("link", name="Informationspflichten auf einer eigenen Seite")
    ).to_be_focused()
    press_tab(page)
    expect(main.get_by_role("link", name="zurück", exact=True)).to_be_focused()
    press_tab(page)
    expect(main.get_by_role("button", name="Registrierung abschicken")).to_be_focused()
    page.keyboard.press("Enter")
    expect_heading(page, "Bestätigen Sie Ihre E-Mail-Adresse")

    # --- the confirmation link from the mailbox, "Bestätigen" with Space -----------------------
    (link,) = open_latest_mail(
        page,
        to=email,
        subject_contains="E-Mail-Adresse",
        link_contains="/confirm-email/",
        axe=False,
    )
    tab_to(page, page.locator(".mk-mail-body").get_by_role("link", name=link, exact=True))
    page.keyboard.press("Enter")
    expect_heading(page, "E-Mail-Adresse bestätigen")
    skip_to_main(page)
    press_tab(page)
    expect(page.get_by_role("main").get_by_role("button", name="Bestätigen")).to_be_focused()
    page.keyboard.press("Space")

    # --- login: type, Tab on, Enter in the password field submits -----------------------------
    expect_heading(page, "Anmelden")
    skip_to_main(page)
    main = page.get_by_role("main")
    press_tab(page)
    expect(main.get_by_label("E-Mail-Adresse", exact=True)).to_be_focused()
    page.keyboard.type(email)
    tab_to(page, main.get_by_label("Passwort", exact=True), max_presses=3)
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect_heading(page, "Willkommen, Karla Tastatur")

    # --- "Konto sperren": tick with Space, step past the button and back with Shift+Tab -------
    skip_to_main(page)
    tab_to(page, page.get_by_role("main").get_by_role("link", name=re.compile("^Konto sperren")))
    page.keyboard.press("Enter")
    expect_heading(page, "Konto sperren")
    skip_to_main(page)
    main = page.get_by_role("main")
    tab_to(page, main.get_by_role("checkbox", name="Ich möchte mein Konto sperren."))
    page.keyboard.press("Space")
    expect(main.get_by_role("checkbox")).to_be_checked()
    press_tab(page)
    lock_button = main.get_by_role("button", name="Konto sperren")
    expect(lock_button).to_be_focused()
    press_tab(page)
    expect(main.get_by_role("link", name="Abbrechen")).to_be_focused()
    press_tab(page, backwards=True)
    expect(lock_button).to_be_focused()
    page.keyboard.press("Enter")

    # --- locked: the way out is reachable by keyboard too -------------------------------------
    expect_heading(page, "Konto gesperrt")
    skip_to_main(page)
    press_tab(page)
    expect(
        page.get_by_role("main").get_by_role("link", name="Entsperrlink anfordern")
    ).to_be_focused()
    page.keyboard.press("Enter")
    expect_heading(page, "Konto entsperren")
