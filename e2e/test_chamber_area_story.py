"""Kammerbereich (issue 16): Sabine, the demo's chamber clerk, posts the letter of the company
approved in the demo, opens its company page ("freigegeben – Brief versendet am …"), reminds
the applicant ("Erinnerung senden"; a second reminder is not offered), reads the mail that went
out, and filters the chamber's "Protokoll" with the keyboard. Every page passes axe.
"""

from __future__ import annotations

import re
import sqlite3

import pytest
from playwright.sync_api import Page, expect

from e2e.factors import log_in_with_factor
from e2e.helpers import check_axe, open_latest_mail, tab_to
from e2e.steps import DE, expect_message

pytestmark = pytest.mark.e2e

DEMO_PASSWORD = "Demo-Zugang-2026"
STAFF = "sabine.sachbearbeitung@ihk-musterstadt.example"
APPLICANT = "paul.plan@neubau.example"


def approved_company(app) -> str:
    """The demo's company that IHK Musterstadt approved, its letter not yet used (Paul's)."""
    with sqlite3.connect(f"file:{app.database}?mode=ro", uri=True) as db:
        row = db.execute(
            """
            select c.name from companies_company c
            join chambers_chamber ch on ch.id = c.chamber_id
            join companies_companyregistration r on r.company_id = c.id
            join accounts_user u on u.id = r.applicant_id
            where ch.number = '101' and c.state = 'awaiting_activation' and u.email = ?
            order by c.id limit 1
            """,
            (APPLICANT,),
        ).fetchone()
    assert row, "the demo has no approved company waiting for activation"
    return row[0]


def pending_registration(app) -> str:
    """The demo's registration of IHK Musterstadt still in review (Paul's)."""
    with sqlite3.connect(f"file:{app.database}?mode=ro", uri=True) as db:
        row = db.execute(
            """
            select c.name from companies_company c
            join chambers_chamber ch on ch.id = c.chamber_id
            join companies_companyregistration r on r.company_id = c.id
            join accounts_user u on u.id = r.applicant_id
            where ch.number = '101' and r.state = 'in_review' and u.email = ?
            order by c.id limit 1
            """,
            (APPLICANT,),
        ).fetchone()
    assert row, "the demo has no registration in review"
    return row[0]


def header_link(page: Page):
    return page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Kammerbereich"
    )


def chamber_nav(page: Page):
    return page.get_by_role("navigation", name="Kammerbereich")


def post_the_letter(page: Page, company: str) -> None:
    """Print and mark as sent only this company's letter (another story may have done it)."""
    chamber_nav(page).get_by_role("link", name="Briefe").click()
    ours = re.compile("^" + re.escape(company))
    for section in ("queued", "printed"):
        form = page.locator(f"#{section}-heading + form")
        boxes = form.get_by_role("checkbox")
        if not form.get_by_role("checkbox", name=ours).count():
            continue
        for index in range(boxes.count()):
            box = boxes.nth(index)
            label = page.locator(f"label[for='{box.get_attribute('id')}']").inner_text()
            box.set_checked(label.startswith(company))
            if label.startswith(company):  # the letter says where it goes (issue 16)
                assert "(aus dem Unternehmensverzeichnis der Kammer)" in label, label
        if section == "queued":
            with page.expect_download():
                page.get_by_role("button", name="PDF herunterladen").click()
            # The page shows the letter as printed after the download (letters-download.js).
            expect(
                page.locator("#printed-heading + form").get_by_role("checkbox", name=ours)
            ).to_be_visible()
            form = page.locator("#printed-heading + form")
            boxes = form.get_by_role("checkbox")
            for index in range(boxes.count()):
                box = boxes.nth(index)
                label = page.locator(f"label[for='{box.get_attribute('id')}']").inner_text()
                box.set_checked(label.startswith(company))
        page.get_by_role("button", name="Als versendet markieren").click()
        expect(page.get_by_role("status")).to_contain_text("versendet")
        return


def test_sabine_reminds_the_applicant_and_reads_the_chambers_log(app, page: Page) -> None:
    company = approved_company(app)
    page.goto("/")
    log_in_with_factor(page, DE, STAFF, DEMO_PASSWORD)
    expect(header_link(page)).not_to_have_attribute("aria-current", re.compile(".*"))
    header_link(page).click()
    expect(header_link(page)).to_have_attribute("aria-current", "page")
    check_axe(page)
    post_the_letter(page, company)

    # The company page, from the list of the chamber's companies.
    chamber_nav(page).get_by_role("link", name="Unternehmen", exact=True).click()
    row = page.get_by_role("row").filter(has_text=company)
    expect(row).to_contain_text("freigegeben – Brief versendet am")
    row.get_by_role("link", name=company).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(company)
    check_axe(page)
    expect(page.locator("#company-state")).to_contain_text("freigegeben – Brief versendet am")
    main = page.get_by_role("main")
    expect(main).to_contain_text(APPLICANT)
    expect(page.get_by_role("table", name="Briefe")).to_contain_text("gesendet (gültig bis")
    expect(page.get_by_role("table", name="Verlauf")).to_contain_text("Aktivierungsbrief versendet")

    # "Erinnerung senden", with the keyboard; afterwards it is not offered again for a while.
    remind = main.get_by_role("button", name="Erinnerung senden")
    tab_to(page, remind, max_presses=80)
    page.keyboard.press("Enter")
    expect_message(page, "Die Erinnerung wurde per E-Mail an die antragstellende Person gesendet.")
    expect(main.get_by_role("button", name="Erinnerung senden")).to_have_count(0)
    expect(main).to_contain_text("die nächste Erinnerung ist ab")
    check_axe(page)

    open_latest_mail(page, to=APPLICANT, subject_contains=f"Erinnerung: {company} aktivieren")
    expect(page.locator(".mk-mail-body")).to_contain_text("Unternehmen aktivieren")

    # The chamber's log, filtered by kind and person with the keyboard alone.
    page.goto("/kammer/")
    chamber_nav(page).get_by_role("link", name="Protokoll").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Protokoll")
    check_axe(page)
    table = page.get_by_role("table", name="Protokoll")
    expect(table.get_by_role("columnheader")).to_have_text(
        ["Zeitpunkt", "Wer", "Ereignis", "Unternehmen", "Wen", "Einzelheiten"]
    )
    kind = page.get_by_label("Art")
    tab_to(page, kind, max_presses=80)
    kind.select_option(label="Briefe und Aktivierung")
    person = page.get_by_label("Person (Name oder E-Mail-Adresse)")
    tab_to(page, person, backwards=True)
    page.keyboard.type("Paul Plan")
    tab_to(page, page.get_by_role("button", name="Filtern"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"kind=letters"))
    reminder = page.get_by_role("table", name="Protokoll").locator("tbody tr")
    expect(reminder).to_have_count(1)
    expect(reminder.locator("td")).to_have_text(
        [
            re.compile(r"\d"),
            "Sabine Sachbearbeitung",
            "Erinnerung an den Aktivierungsbrief gesendet",
            company,
            "Paul Plan",
            "Registrierung",
        ]
    )
    check_axe(page)
    export = page.get_by_role("link", name="Als CSV exportieren")
    expect(export).to_have_attribute("href", re.compile(r"kind=letters"))
    # From the log back to the company page.
    reminder.get_by_role("link", name=company).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(company)

    # "Mir zuweisen" on the registration in review; the letter goes to the directory's address.
    pending = pending_registration(app)
    header_link(page).click()
    chamber_nav(page).get_by_role("link", name="Registrierungsanfragen").click()
    expect(page.get_by_role("table", name="Registrierungsanfragen")).to_contain_text(
        "Zugewiesen an"
    )
    check_axe(page)
    page.get_by_role("row").filter(has_text=pending).get_by_role("link", name=pending).click()
    expect(header_link(page)).to_have_attribute("aria-current", "true")
    claim = page.locator("#registration-claim")
    claim.get_by_role("button", name="Mir zuweisen").click()
    expect_message(page, f"Die Anfrage für {pending} ist Ihnen zugewiesen.")
    expect(claim).to_contain_text("Ihnen zugewiesen seit")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Der Aktivierungsbrief geht an die Anschrift aus dem")
    correct = main.locator("summary").filter(has_text="Briefanschrift korrigieren").first
    tab_to(page, correct, max_presses=120)
    page.keyboard.press("Enter")
    expect(main.get_by_label("Straße und Hausnummer").first).to_be_visible()
    check_axe(page)
    claim.get_by_role("button", name="Zuweisung aufheben").click()
    expect(page.locator("#registration-claim")).to_contain_text("Nicht zugewiesen")

    # "Aktivierungssperren": the page opens from the chamber area and passes axe.
    header_link(page).click()
    chamber_nav(page).get_by_role("link", name="Aktivierungssperren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aktivierungssperren")
    expect(header_link(page)).to_have_attribute("aria-current", "true")
    expect(page.get_by_role("main")).to_contain_text("Gesperrte Konten und Netzwerkadressen")
    check_axe(page)
