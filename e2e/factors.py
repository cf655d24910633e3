"""Logging in an account that must have a second factor (accounts.factors), in the browser.

The demo's chamber staff (Sabine) has no factor: the first login is led to the guided set-up
("Zwei-Faktor-Authentisierung einrichten"), where this helper sets up an authenticator app
with the key shown on the page and keeps the key and the recovery codes shown next for the
session; every later login enters a code computed from the key. Whichever story logs Sabine in
first walks the set-up, with its checks.

The portal refuses a used code for its whole window (three periods of 30 s with the tolerance of
one), so at most three logins of one account fit into a period and every further one waits for
the next period. Sabine logs in up to eight times in a run; when the app has no unused code
left, the login enters one of her recovery codes instead, as a person in a hurry would: the
portal checks it as a second factor as well, and the story goes on at once instead of waiting
up to 30 s. Only when those are used up too does the login wait for the next period.
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
# The recovery codes shown after the set-up, per account; a used one is removed.
recovery_codes: dict[str, list[str]] = {}
_used: set[tuple[str, str]] = set()


def unused_totp_code(secret: str) -> str | None:
    """A code the server accepts now (tolerance one period) and that was not used yet, if any."""
    counter = int(time.time()) // TOTP_PERIOD
    for candidate in (counter, counter + 1, counter - 1):
        code = code_for_step(secret, candidate)
        if (secret, code) not in _used:
            _used.add((secret, code))
            return code
    return None


def totp_code(secret: str) -> str:
    """A code the server accepts now and that was not used yet, waiting for the next period
    if all three of the window are used (as a person would)."""
    for _attempt in range(3):
        code = unused_totp_code(secret)
        if code is not None:
            return code
        time.sleep(TOTP_PERIOD - time.time() % TOTP_PERIOD + 0.5)
    raise AssertionError("no unused code in three periods")


def second_factor_code(email: str) -> str:
    """For a login: an unused code of the app, else one of the account's recovery codes (each
    once), else a code of the app's next period."""
    code = unused_totp_code(secrets[email])
    if code is not None:
        return code
    if recovery_codes.get(email):
        return recovery_codes[email].pop()
    return totp_code(secrets[email])


def set_up_authenticator_app(page: Page, email: str) -> None:
    """On the guided set-up page: the authenticator app, with the key shown by the page."""
    expect(page.get_by_role("heading", level=1)).to_have_text(SETUP_HEADING)
    page.get_by_role("main").get_by_role("link", name=re.compile("Authenticator-App")).click()
    secret = page.locator("#totp-secret").inner_text().strip()
    page.get_by_role("main").locator("input[name=code]").fill(totp_code(secret))
    page.get_by_role("main").get_by_role("button", name="Einrichten", exact=True).click()
    expect(page.locator("#totp-secret")).to_have_count(0)
    # Next come the recovery codes, shown once.
    expect(page.get_by_role("heading", level=1)).to_have_text("Wiederherstellungscodes")
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10, codes
    secrets[email] = secret
    recovery_codes[email] = codes


def log_in_with_factor(page: Page, t: Texts, email: str, password: str) -> None:
    """Log in; enter the code if the account has an app, else walk the guided set-up."""
    fill_login(page, t, email, password)
    page.wait_for_load_state()
    if email in secrets:
        page.get_by_role("main").locator("input[name=code]").fill(second_factor_code(email))
        page.get_by_role("main").get_by_role("button", name=t.log_in, exact=True).click()
        page.wait_for_load_state()
    elif SETUP_PATH in page.url:
        check_axe(page)
        set_up_authenticator_app(page, email)
    page.goto("/")
