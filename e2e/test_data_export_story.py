"""Meine Daten herunterladen in the browser: from the account page's tile to the explaining
page, the JSON file and the readable page, in German and in English, with axe on each page."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import unique_email
from e2e.steps import (
    DE,
    EN,
    FIRST_NAME,
    LAST_NAME,
    PASSWORD,
    confirm_address,
    expect_page,
    log_in,
    register,
)

pytestmark = pytest.mark.e2e


def test_download_my_data(page: Page) -> None:
    email = unique_email("export")
    page.goto("/")
    register(page, DE, email)
    confirm_address(page, DE, email)
    log_in(page, DE, email, PASSWORD, f"{FIRST_NAME} {LAST_NAME}")

    page.get_by_role("navigation").get_by_role("link", name="Mein Konto").click()
    page.get_by_role("main").get_by_role(
        "link", name=re.compile("Meine Daten herunterladen")
    ).click()
    expect_page(page, DE, "Meine Daten herunterladen")

    main = page.get_by_role("main")
    with page.expect_download() as info:
        main.get_by_role("link", name="Als JSON herunterladen").click()
    download = info.value
    assert re.fullmatch(r"meinekammer-daten-\d{4}-\d{2}-\d{2}\.json", download.suggested_filename)
    with open(download.path(), encoding="utf-8") as file:
        data = json.load(file)
    assert data["account"]["email"] == email

    main.get_by_role("link", name="Als Seite anzeigen").click()
    expect_page(page, DE, "Meine Daten")
    expect(page.get_by_role("main")).to_contain_text(email)
    expect(page.get_by_role("heading", name="Sicherheitsereignisse")).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect_page(page, EN, "My data")
    expect(page.get_by_role("heading", name="Security events")).to_be_visible()
