"""Manual ch. 3 in two browsers: a user registers a company, chamber staff review it against
the directory and print the letter, the password is read from the PDF, the user activates."""

from __future__ import annotations

import io
import re
import sqlite3
from pathlib import Path

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from e2e.factors import log_in_with_factor
from e2e.helpers import check_axe
from e2e.steps import DE, fill_login

DEMO_PASSWORD = "Demo-Zugang-2026"
APPLICANT = "tom.trainer@beispiel-gmbh.example"
STAFF = "sabine.sachbearbeitung@ihk-musterstadt.example"
PASSWORD_IN_PDF = re.compile(r"\b([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})\b")


def unregistered_directory_entry(app) -> dict:
    """A company of IHK Musterstadt's directory that nobody has registered yet."""
    with sqlite3.connect(f"file:{app.database}?mode=ro", uri=True) as db:
        db.row_factory = sqlite3.Row
        row = db.execute(
            """
            select d.* from chambers_directoryentry d join chambers_chamber c on c.id = d.chamber_id
            where c.number = '101' and d.status = 'active' and d.register_number != ''
              and d.member_number not in (select member_number from companies_company)
              and d.name not in (select name from companies_company)
            order by d.member_number desc limit 1
            """
        ).fetchone()
    return dict(row)


def test_register_review_print_activate(app, new_page) -> None:
    entry = unregistered_directory_entry(app)
    user: Page = new_page()
    staff: Page = new_page()

    # The applicant registers the company, with the name typed a little differently.
    user.goto("/")
    fill_login(user, DE, APPLICANT, DEMO_PASSWORD)
    user.get_by_role("link", name="Neues Unternehmen anlegen").click()
    expect(user.get_by_role("heading", level=1)).to_have_text("Neues Unternehmen anlegen")
    check_axe(user)
    form = user.get_by_role("main")
    form.get_by_label("Ihre Kammer").select_option(label="IHK Musterstadt (101)")
    form.get_by_label("Unternehmensname", exact=True).fill(entry["name"].upper())
    form.get_by_label("Straße und Hausnummer").fill(entry["street"])
    form.get_by_label("Postleitzahl").fill(entry["postal_code"])
    form.get_by_label("Ort", exact=True).fill(entry["city"])
    form.get_by_label("Registergericht").fill(entry["register_court"])
    form.get_by_label("Handelsregisternummer").fill(entry["register_number"].lower())
    form.get_by_role("button", name="Registrierungsantrag senden").click()
    expect(user.get_by_role("heading", level=1)).to_contain_text("Willkommen")
    expect(user.get_by_role("main")).to_contain_text("in Prüfung")
    check_axe(user)

    # The chamber's staff find the request and the directory's match, and approve.
    staff.goto("/")
    log_in_with_factor(staff, DE, STAFF, DEMO_PASSWORD)
    staff.get_by_role("link", name="Kammerbereich").first.click()
    check_axe(staff)
    staff.get_by_role("main").get_by_role("link", name="Registrierungsanfragen").first.click()
    staff.get_by_role("link", name=entry["name"].upper()).click()
    check_axe(staff)
    candidate = staff.get_by_role("listitem").filter(has_text=entry["member_number"])
    expect(candidate).to_contain_text("Handelsregister")
    candidate.get_by_role("button", name="Mit diesem Eintrag freigeben").click()
    expect(staff.get_by_role("status")).to_contain_text("freigegeben")

    # The letter: one PDF for the print shop, with the password in it.
    staff.get_by_role("navigation", name="Kammerbereich").get_by_role("link", name="Briefe").click()
    check_axe(staff)
    with staff.expect_download() as download_info:
        staff.get_by_role("button", name="PDF herunterladen").click()
    pdf = PdfReader(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    letter_page = next(
        page.extract_text() for page in pdf.pages if entry["member_number"] in page.extract_text()
    )
    [password] = PASSWORD_IN_PDF.findall(letter_page)
    assert "101" in text
    # After the download the page shows the letter as printed, without a reload by hand.
    expect(staff.get_by_role("heading", name="Gedruckt, noch nicht versendet")).to_be_visible()
    staff.get_by_role("button", name="Als versendet markieren").click()
    expect(staff.get_by_role("status")).to_contain_text("versendet")

    # The applicant activates with the values from the letter and is company admin.
    user.goto("/")
    user.get_by_role("link", name="Unternehmen aktivieren").first.click()
    check_axe(user)
    main = user.get_by_role("main")
    main.get_by_label("Aktivierungskennwort").fill(password.lower())
    main.get_by_label("Mitgliedsnummer (Identnummer)").fill(entry["member_number"])
    main.get_by_label("Kammernummer").fill("101")
    main.get_by_role("button", name="Aktivieren").click()
    expect(user.get_by_role("heading", level=1)).to_have_text(entry["name"].upper())
    expect(user.get_by_role("status")).to_contain_text("Unternehmensadministrator")
    check_axe(user)
    user.goto("/")
    expect(user.get_by_role("main")).to_contain_text("Meine Unternehmen")
    expect(
        user.get_by_role("main").get_by_role("link", name="Administration").first
    ).to_be_visible()
