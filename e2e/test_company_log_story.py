""" "Protokoll" (issue 16): Anna Admin of the demo's "Beispiel GmbH" opens the company's log from
the administration page, sees what was done and by whom, filters it by kind and person with the
keyboard alone, and finds the CSV export with the same filter. Every page passes axe.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.factors import log_in_with_factor
from e2e.helpers import check_axe, tab_to, unique_email
from e2e.steps import DE, expect_message

pytestmark = pytest.mark.e2e

DEMO_PASSWORD = "Demo-Zugang-2026"
ADMIN = "anna.admin@beispiel-gmbh.example"
COMPANY = "Beispiel GmbH"


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def test_anna_reads_and_filters_the_company_log(page: Page) -> None:
    page.goto("/")
    log_in_with_factor(page, DE, ADMIN, DEMO_PASSWORD)
    expect(heading(page)).to_contain_text("Willkommen")
    page.get_by_role("main").get_by_role("link", name=f"Administration ({COMPANY})").click()
    expect(heading(page)).to_have_text(COMPANY)
    # Something to read: an invitation, as in manual ch. 4 (harmless in the shared demo).
    email = unique_email("protokoll")
    main = page.get_by_role("main")
    main.get_by_role("link", name="Benutzer hinzufügen").click()
    main.get_by_role("checkbox", name="Serviceportal Bildung: Ausbilder", exact=True).check()
    main.get_by_label("E-Mail-Adresse", exact=True).fill(email)
    main.get_by_role("button", name="Weiter").click()
    expect_message(page, f"Der Beitrittslink wurde an {email} gesendet.")

    page.get_by_role("main").get_by_role("link", name=re.compile("^Protokoll")).click()
    expect(heading(page)).to_have_text("Protokoll")
    check_axe(page)
    table = page.get_by_role("table", name="Protokoll")
    expect(table).to_be_visible()
    expect(table.get_by_role("columnheader")).to_have_text(
        ["Zeitpunkt", "Wer", "Ereignis", "Wen", "Einzelheiten"]
    )

    row = table.locator("tbody tr").filter(has_text=email)
    expect(row).to_have_count(1)
    expect(row.locator("td")).to_have_text(
        [re.compile(r"\d"), "Anna Admin", "Einladung versendet", email, re.compile("Ausbilder")]
    )

    # The filter with the keyboard alone: kind and person, then "Filtern".
    kind = page.get_by_label("Art")
    tab_to(page, kind, max_presses=60)
    kind.select_option(label="Einladungen")
    person = page.get_by_label("Person (Name oder E-Mail-Adresse)")
    tab_to(page, person, backwards=True)
    page.keyboard.type(email)
    tab_to(page, page.get_by_role("button", name="Filtern"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"kind=invitations"))
    expect(page.get_by_label("Art")).to_have_value("invitations")
    expect(page.get_by_text("1 Eintrag", exact=True)).to_be_visible()
    check_axe(page)
    export = page.get_by_role("link", name="Als CSV exportieren")
    expect(export).to_have_attribute("href", re.compile(r"kind=invitations"))
    with page.expect_download() as download:
        export.click()
    assert re.fullmatch(
        r"protokoll-beispiel-gmbh-\d{4}-\d\d-\d\d\.csv", download.value.suggested_filename
    )

    # Another kind: the invitation is not among the roles; a bad date: a message, no error.
    page.get_by_label("Art").select_option(label="Rollen")
    page.get_by_role("button", name="Filtern").click()
    expect(page.get_by_text("Keine Einträge gefunden.")).to_be_visible()
    page.goto(page.url.split("?")[0] + "?since=2026-13-45")
    expect(page.get_by_text("Bitte korrigieren Sie den Filter.")).to_be_visible()
    expect(page.get_by_text("Bitte ein gültiges Datum eingeben.")).to_be_visible()
    check_axe(page)
    page.get_by_role("link", name="Filter zurücksetzen").click()
    expect(page.get_by_role("table", name="Protokoll").locator("tbody tr").first).to_be_visible()
