"""Signed-in devices and the idle timeout, in the browser.

Two browser contexts are two devices of the same person: the first sees both on "Angemeldete
Geräte" and logs the other out by keyboard; the other's next page is the login. The idle
warning runs against a second server on the same database with a timeout of seconds instead
of 30 minutes (SESSION_IDLE_TIMEOUT, SESSION_IDLE_WARNING): the dialog appears, "Angemeldet
bleiben" keeps the session, and doing nothing ends on the login page with the message.
"""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.conftest import DEFAULT_TIMEOUT_MS, SERVER_START_TIMEOUT, App, _free_port
from e2e.helpers import check_axe, focused, open_latest_mail, tab_to, unique_email
from e2e.steps import (
    DE,
    FIRST_NAME,
    LAST_NAME,
    PASSWORD,
    confirm_address,
    expect_page,
    fill_login,
    log_in,
    register,
)

pytestmark = pytest.mark.e2e

# Seconds, on the second server. The dialog opens 6 s after the last activity. The story waits
# IDLE_TIMEOUT - 4 s after "Angemeldet bleiben": past the old end (at least 2 s, since the dialog
# came 6 s after the login), before the renewed one (4 s), and over the 10 s after which a
# request counts as activity again (web/accounts/idle.py, TOUCH_EVERY: here by 2 s).
IDLE_TIMEOUT = 16
IDLE_WARNING = 10


def _registered(page: Page, prefix: str) -> str:
    email = unique_email(prefix)
    page.goto("/")
    register(page, DE, email)
    confirm_address(page, DE, email)
    return email


def test_two_devices_the_first_logs_the_other_out(page: Page, new_page) -> None:
    email = _registered(page, "devices")
    name = f"{FIRST_NAME} {LAST_NAME}"
    log_in(page, DE, email, PASSWORD, name)

    other = new_page(
        user_agent=(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
        )
    )
    other.goto("/")
    log_in(other, DE, email, PASSWORD, name)

    # The login from the new browser was mailed ("Neue Anmeldung bei meinekammer").
    open_latest_mail(page, to=email, subject_contains="Neue Anmeldung")
    expect(page.get_by_role("main")).to_contain_text("Firefox 133")

    # "Mein Konto" → "Angemeldete Geräte": two devices, this one marked.
    page.get_by_role("navigation").get_by_role("link", name="Mein Konto").click()
    page.get_by_role("link", name="Wo Ihr Konto angemeldet ist").click()
    expect_page(page, DE, "Angemeldete Geräte")
    rows = page.get_by_role("main").get_by_role("row")
    expect(rows).to_have_count(3)  # header and two devices
    expect(rows.nth(1)).to_contain_text("Dieses Gerät")
    expect(rows.nth(2)).to_contain_text("Firefox 133 unter Windows 10")

    # Keyboard only: Tab to the other device's "Abmelden", Enter.
    button = page.get_by_role("button", name="Abmelden Firefox 133 unter Windows 10")
    tab_to(page, button, max_presses=60)
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Das Gerät wurde abgemeldet.")
    expect(page.get_by_role("main").get_by_role("row")).to_have_count(2)
    check_axe(page)

    # The other device's next page is the login ("Mein Konto" from its open start page).
    other.get_by_role("navigation").get_by_role("link", name="Mein Konto").click()
    expect_page(other, DE, DE.log_in)
    # This one is still logged in.
    page.get_by_role("navigation").get_by_role("link", name="Mein Konto").click()
    expect_page(page, DE, "Mein Konto")


# --- the idle warning, on a server with a timeout of seconds -----------------------------------


@pytest.fixture(scope="module")
def short_idle_app(app: App) -> Iterator[str]:
    """A second gunicorn on the same database, logging out after IDLE_TIMEOUT seconds."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **app.env,
        "SITE_URL": url,
        "SESSION_IDLE_TIMEOUT": str(IDLE_TIMEOUT),
        "SESSION_IDLE_WARNING": str(IDLE_WARNING),
    }
    gunicorn = Path(app.processes["gunicorn"].args[0])
    command = [str(gunicorn), "meinekammer.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", "1", "--threads", "4"]
    log_path = app.logs / "gunicorn-short-idle.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, env=env, cwd=app.logs, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"the short-idle server ended: {log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the short-idle server did not answer within {SERVER_START_TIMEOUT} s")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_idle_warning_keeps_the_session_or_logs_out(
    page: Page, browser: Browser, short_idle_app: str
) -> None:
    email = _registered(page, "idle")
    context = browser.new_context(
        base_url=short_idle_app, locale="de-DE", timezone_id="Europe/Berlin"
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        idle = context.new_page()
        idle.goto("/")
        log_in(idle, DE, email, PASSWORD, f"{FIRST_NAME} {LAST_NAME}")

        # The warning: a modal alert dialog with the focus on "Angemeldet bleiben".
        dialog = idle.get_by_role("alertdialog", name="Sind Sie noch da?")
        expect(dialog).to_be_visible(timeout=(IDLE_TIMEOUT - IDLE_WARNING + 5) * 1000)
        expect(dialog).to_contain_text("Ohne Aktivität werden Sie in etwa 1 Minute abgemeldet.")
        stay = dialog.get_by_role("button", name="Angemeldet bleiben")
        expect(focused(idle)).to_have_text("Angemeldet bleiben")
        check_axe(idle)
        # Tab stays in the dialog (modal): "Abmelden", then back.
        idle.keyboard.press("Tab")
        expect(focused(idle)).to_have_text("Abmelden")
        idle.keyboard.press("Shift+Tab")
        expect(stay).to_be_focused()
        idle.keyboard.press("Enter")
        expect(dialog).to_be_hidden()

        # Past the time the session would have ended without "Angemeldet bleiben"
        # (IDLE_TIMEOUT after the login; about 7 s have passed), before the renewed time ends.
        idle.wait_for_timeout((IDLE_TIMEOUT - 4) * 1000)
        idle.reload()
        expect_page(idle, DE, f"Willkommen, {FIRST_NAME} {LAST_NAME}")

        # Doing nothing: the dialog comes, and at the end the login page with the message.
        expect(dialog).to_be_visible(timeout=(IDLE_TIMEOUT - IDLE_WARNING + 5) * 1000)
        expect(idle.get_by_role("heading", level=1)).to_have_text(
            DE.log_in, timeout=(IDLE_WARNING + 10) * 1000
        )
        expect(idle.get_by_role("status")).to_contain_text(
            "Sie wurden nach 1 Minute ohne Aktivität abgemeldet."
        )
        check_axe(idle)
        # Logging in again returns to the page where the session ended.
        fill_login(idle, DE, email, PASSWORD)
        expect(idle.get_by_role("heading", level=1)).to_have_text(
            f"Willkommen, {FIRST_NAME} {LAST_NAME}"
        )
    finally:
        context.close()
