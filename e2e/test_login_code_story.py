"""A stranger's wrong passwords do not lock the owner out: the throttle message, and the way in
by "Anmeldecode per E-Mail" — in the browser, with an axe check on every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import open_latest_mail, unique_email
from e2e.steps import (
    DE,
    FIRST_NAME,
    LAST_NAME,
    WRONG_CREDENTIALS,
    confirm_address,
    expect_page,
    fill_login,
    register,
)

pytestmark = pytest.mark.e2e

THROTTLED = "Zu viele fehlgeschlagene Anmeldungen mit dieser E-Mail-Adresse aus Ihrem Netz."


def test_the_owner_logs_in_by_code_after_a_stranger_guessed(page: Page, new_page) -> None:
    t = DE
    email = unique_email("code")
    page.goto("/")
    register(page, t, email)
    confirm_address(page, t, email)

    # A stranger guesses (a browser of its own): after five tries the page says to wait.
    stranger = new_page()
    stranger.goto("/accounts/login/")
    for _ in range(5):
        fill_login(stranger, t, email, "falsch geraten 12345")
        expect(stranger.get_by_role("main")).to_contain_text(WRONG_CREDENTIALS)
    fill_login(stranger, t, email, "falsch geraten 12345")
    expect(stranger.get_by_role("main")).to_contain_text(THROTTLED)
    expect_page(stranger, t, t.log_in)

    # The owner (here on the same network) asks for a code instead.
    page.goto("/accounts/login/")
    page.get_by_role("main").get_by_role("link", name="Anmeldecode per E-Mail anfordern").click()
    expect_page(page, t, "Anmeldecode per E-Mail anfordern")
    main = page.get_by_role("main")
    main.get_by_label("E-Mail-Adresse", exact=True).fill(email)
    main.get_by_role("button", name="Code senden").click()
    expect_page(page, t, "Anmeldecode eingeben")
    confirm_url = page.url

    open_latest_mail(page, to=email, subject_contains="Ihr Anmeldecode")
    body = page.locator(".mk-mail-body").inner_text()
    code = re.search(r"lautet:\s*(\S+)", body).group(1)

    page.goto(confirm_url)
    expect_page(page, t, "Anmeldecode eingeben")
    main = page.get_by_role("main")
    main.get_by_label("Anmeldecode", exact=True).fill(code)
    main.get_by_role("button", name=t.log_in, exact=True).click()
    expect_page(page, t, t.welcome.format(name=f"{FIRST_NAME} {LAST_NAME}"))


def test_a_wrong_code_is_refused_on_the_form(page: Page) -> None:
    t = DE
    page.goto("/accounts/login/code/")
    expect_page(page, t, "Anmeldecode per E-Mail anfordern")
    main = page.get_by_role("main")
    main.get_by_label("E-Mail-Adresse", exact=True).fill(unique_email("niemand"))
    main.get_by_role("button", name="Code senden").click()
    expect_page(page, t, "Anmeldecode eingeben")
    main = page.get_by_role("main")
    main.get_by_label("Anmeldecode", exact=True).fill("FALSCH")
    main.get_by_role("button", name=t.log_in, exact=True).click()
    expect_page(page, t, "Anmeldecode eingeben")
    expect(page.get_by_role("alert").first).to_be_visible()
