"""Logging in an account that must have a second factor (accounts.factors), in the browser.

The demo's chamber staff (Sabine) has no factor: the first login is led to the guided set-up
("Zwei-Faktor-Authentisierung einrichten"), where this helper sets up an authenticator app
with the key shown on the page and keeps the key for the session; every later login enters a
code computed from it. Whichever story logs Sabine in first walks the set-up, with its checks.
"""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect
from tests.totp import code_for_step

from e2e.helpers import check_axe
from e2e.steps import Texts, fill_login

SETUP_PATH = "/konto/zwei-faktor/einrichten/"
SETUP_HEADING = "Zwei-Faktor-Authentisierung einrichten"
TOTP_PERIOD = 30

secrets: dict[str, str] = {}
_used: set[tuple[str, str]] = set()


def totp_code(secret: str) -> str:
    """A code the server accepts now (tolerance one period) and that was not used yet.

    A used code is refused for its whole window, so logging the same account in more than
    three times within one period waits for the next one, as a person would.
    """
    for _attempt in range(3):
        counter = int(time.time()) // TOTP_PERIOD
        for candidate in (counter, counter + 1, counter - 1):
            code = code_for_step(secret, candidate)
            if (secret, code) not in _used:
                _used.add((secret, code))
                return code
        time.sleep(TOTP_PERIOD - time.time() % TOTP_PERIOD + 0.5)
    raise AssertionError("no unused code in three periods")


def set_up_authenticator_app(page: Page, email: str) -> None:
    """On the guided set-up page: the authenticator app, with the key shown by the page."""
    expect(page.get_by_role("heading", level=1)).to_have_text(SETUP_HEADING)
    page.get_by_role("main").get_by_role("link", name=re.compile("Authenticator-App")).click()
    secret = page.locator("#totp-secret").inner_text().strip()
    page.get_by_role("main").locator("input[name=code]").fill(totp_code(secret))
    page.get_by_role("main").get_by_role("button", name="Einrichten", exact=True).click()
    expect(page.locator("#totp-secret")).to_have_count(0)
    secrets[email] = secret


def log_in_with_factor(page: Page, t: Texts, email: str, password: str) -> None:
    """Log in; enter the code if the account has an app, else walk the guided set-up."""
    fill_login(page, t, email, password)
    page.wait_for_load_state()
    if email in secrets:
        page.get_by_role("main").locator("input[name=code]").fill(totp_code(secrets[email]))
        page.get_by_role("main").get_by_role("button", name=t.log_in, exact=True).click()
        page.wait_for_load_state()
    elif SETUP_PATH in page.url:
        check_axe(page)
        set_up_authenticator_app(page, email)
    page.goto("/")
