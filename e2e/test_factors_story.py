"""Second factors in the browser: the authenticator app and a passkey, with axe on every page.

A user sets up an authenticator app (the code computed from the key shown on the page, as the
app does), logs out and in with password and code; adds a passkey on Chromium's virtual
authenticator (CDP), logs out and in with "Mit Passkey anmelden" alone.

WebAuthn needs a secure context and a domain as relying party id: http://localhost is one,
http://127.0.0.1 (the server's SITE_URL) is not a valid id. So the story runs on localhost,
which reaches the same server; registration and the mailbox stay on the site's address.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect
from tests.totp import code_for_step as totp

from e2e.helpers import check_axe, tab_to, unique_email
from e2e.steps import DE, FIRST_NAME, LAST_NAME, PASSWORD, confirm_address, expect_page, register

pytestmark = pytest.mark.e2e


class App:
    """The authenticator app on the user's phone: never shows the same code twice here
    (the portal refuses a used code), using the steps the tolerance of one step allows."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.used: set[int] = set()

    def code(self) -> str:
        while True:
            now = int(time.time() // 30)
            for step in (now, now + 1, now - 1):
                if step not in self.used:
                    self.used.add(step)
                    return totp(self.secret, step)
            time.sleep(1)


def confirm_if_asked(page: Page, app: App | None) -> None:
    """allauth asks again before factors change, unless the account was checked just now."""
    main = page.get_by_role("main")
    title = page.get_by_role("heading", level=1).inner_text()
    if title == "Bestätigen Sie, dass Sie es sind" and app is not None:
        check_axe(page)
        main.get_by_label("Code", exact=True).fill(app.code())
        main.get_by_role("button", name="Bestätigen").click()
    elif "Passwort" in title and "bestätigen" in title.lower():
        check_axe(page)
        main.get_by_label("Passwort", exact=True).fill(PASSWORD)
        main.get_by_role("button", name="Bestätigen").click()


def log_in_with_password(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    expect_page(page, DE, "Anmelden")
    main = page.get_by_role("main")
    main.get_by_label("E-Mail-Adresse", exact=True).fill(email)
    main.get_by_label("Passwort", exact=True).fill(PASSWORD)
    main.get_by_role("button", name="Anmelden", exact=True).click()


def log_out(page: Page) -> None:
    page.get_by_role("navigation").get_by_role("button", name="Abmelden").click()
    expect(page.get_by_role("navigation").get_by_role("link", name="Anmelden")).to_be_visible()


def open_factors(page: Page) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Mein Konto").click()
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="Zwei-Faktor-Authentisierung")).to_be_visible()
    main.get_by_role(
        "link", name="Authenticator-App, Sicherheitsschlüssel, Passkeys und Wiederherstellungscodes"
    ).click()
    expect_page(page, DE, "Zwei-Faktor-Authentisierung")


def test_authenticator_app_and_passkey(page: Page, app) -> None:
    email = unique_email("factors")
    welcome = f"Willkommen, {FIRST_NAME} {LAST_NAME}"
    base = app.url.replace("127.0.0.1", "localhost")

    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )

    page.goto("/")
    register(page, DE, email)
    confirm_address(page, DE, email)

    # --- set up the authenticator app -------------------------------------------------------
    log_in_with_password(page, base, email)
    expect_page(page, DE, welcome)
    open_factors(page)
    main = page.get_by_role("main")
    expect(main).to_contain_text("Es ist keine Authenticator-App eingerichtet.")
    main.get_by_role("link", name="Authenticator-App einrichten").click()
    confirm_if_asked(page, None)
    expect_page(page, DE, "Authenticator-App einrichten")
    expect(main.get_by_role("img", name="QR-Code für Ihre Authenticator-App")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    # A wrong code is refused and said so; the key stays the same.
    code_field = main.get_by_label("Code aus der Authenticator-App", exact=True)
    code_field.fill("000000")
    main.get_by_role("button", name="Einrichten").click()
    expect_page(page, DE, "Authenticator-App einrichten")
    expect(page.get_by_role("alert")).to_contain_text("Der Code ist nicht korrekt")
    assert page.locator("#totp-secret").inner_text() == secret
    phone = App(secret)
    # By keyboard: to the field, the code, Enter.
    field = page.get_by_role("main").get_by_label("Code aus der Authenticator-App", exact=True)
    tab_to(page, field)
    page.keyboard.type(phone.code())
    page.keyboard.press("Enter")

    # The recovery codes, shown once, with their download.
    expect_page(page, DE, "Wiederherstellungscodes")
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    download = page.get_by_role("link", name="Codes als Textdatei herunterladen")
    with page.expect_download() as info:
        download.click()
    assert info.value.suggested_filename == "meinekammer-recovery-codes.txt"
    page.get_by_role("main").get_by_role(
        "link", name="Zurück zur Zwei-Faktor-Authentisierung"
    ).click()
    expect_page(page, DE, "Zwei-Faktor-Authentisierung")
    expect(page.get_by_role("main")).to_contain_text("Eine Authenticator-App ist eingerichtet")
    expect(page.get_by_role("main")).to_contain_text("10 Wiederherstellungscodes sind noch übrig")

    # --- log out, and in with password and code --------------------------------------------
    log_out(page)
    log_in_with_password(page, base, email)
    expect_page(page, DE, "Anmeldung bestätigen")
    main = page.get_by_role("main")
    main.get_by_label("Code", exact=True).fill(phone.code())
    main.get_by_role("button", name="Anmelden", exact=True).click()
    expect_page(page, DE, welcome)

    # --- add a passkey ------------------------------------------------------------------------
    open_factors(page)
    page.get_by_role("main").get_by_role(
        "link", name="Sicherheitsschlüssel oder Passkey hinzufügen"
    ).click()
    confirm_if_asked(page, phone)
    expect_page(page, DE, "Sicherheitsschlüssel oder Passkey hinzufügen")
    main = page.get_by_role("main")
    main.get_by_role("textbox", name="Name des Schlüssels").fill("Laptop-Passkey")
    passkey = main.get_by_role("checkbox", name="Als Passkey verwenden (Anmeldung ohne Passwort)")
    tab_to(page, passkey)
    page.keyboard.press("Space")
    expect(passkey).to_be_checked()
    add = main.get_by_role("button", name="Hinzufügen", exact=True)
    tab_to(page, add)
    page.keyboard.press("Enter")
    expect_page(page, DE, "Zwei-Faktor-Authentisierung")
    table = page.get_by_role("main").get_by_role("table")
    expect(table).to_contain_text("Laptop-Passkey")
    expect(table).to_contain_text("Passkey")

    # The account page lists the changes among the security events.
    page.get_by_role("navigation").get_by_role("link", name="Mein Konto").click()
    expect(page.get_by_role("main")).to_contain_text("Sicherheitsschlüssel hinzugefügt")
    expect(page.get_by_role("main")).to_contain_text("Authenticator-App eingerichtet")
    page.goto(f"{base}/accounts/2fa/")

    # Rename and the remove page (not confirmed), each checked by axe.
    page.get_by_role("main").get_by_role("link", name="Umbenennen Laptop-Passkey").click()
    confirm_if_asked(page, phone)
    expect_page(page, DE, "Schlüssel umbenennen")
    page.get_by_role("main").get_by_label("Name des Schlüssels", exact=True).fill("Mein Laptop")
    page.get_by_role("main").get_by_role("button", name="Speichern").click()
    expect_page(page, DE, "Sicherheitsschlüssel und Passkeys")
    expect(page.get_by_role("main").get_by_role("table")).to_contain_text("Mein Laptop")
    page.get_by_role("main").get_by_role("link", name="Entfernen Mein Laptop").click()
    expect_page(page, DE, "Schlüssel entfernen")
    page.get_by_role("main").get_by_role("link", name="Abbrechen").click()
    expect_page(page, DE, "Zwei-Faktor-Authentisierung")

    # The other pages of the factors, each checked by axe: removing the app (cancelled) and
    # the two ways to confirm it is you.
    page.get_by_role("main").get_by_role("link", name="Authenticator-App entfernen").click()
    confirm_if_asked(page, phone)
    expect_page(page, DE, "Authenticator-App entfernen")
    page.get_by_role("main").get_by_role("link", name="Abbrechen").click()
    expect_page(page, DE, "Zwei-Faktor-Authentisierung")
    page.goto(f"{base}/accounts/2fa/reauthenticate/")
    expect_page(page, DE, "Bestätigen Sie, dass Sie es sind")
    page.goto(f"{base}/accounts/2fa/webauthn/reauthenticate/")
    expect_page(page, DE, "Bestätigen Sie, dass Sie es sind")
    page.goto(f"{base}/accounts/2fa/")

    # --- log out, and in with the passkey alone ----------------------------------------------
    log_out(page)
    page.goto(f"{base}/accounts/login/")
    expect_page(page, DE, "Anmelden")
    button = page.get_by_role("main").get_by_role("button", name="Mit Passkey anmelden")
    expect(
        page.get_by_role("main").get_by_role("heading", name="Mit Passkey anmelden")
    ).to_be_visible()
    tab_to(page, button, max_presses=60)
    page.keyboard.press("Enter")
    expect_page(page, DE, welcome)
