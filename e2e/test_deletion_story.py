"""Manual ch. 7 and 8 in two browsers: an admin requests the deletion of the company, the
chamber's staff approve it, the admin revokes it; and once more, carried out on its date."""

from __future__ import annotations

import secrets
import sqlite3

from playwright.sync_api import Page, expect

from e2e.factors import log_in_with_factor
from e2e.helpers import check_axe, open_latest_mail, unique_email
from e2e.steps import DE, FIRST_NAME, LAST_NAME, confirm_address, fill_login, register
from e2e.steps import PASSWORD as USER_PASSWORD

DEMO_PASSWORD = "Demo-Zugang-2026"
STAFF = "sabine.sachbearbeitung@ihk-musterstadt.example"


def admin_of_a_new_company(app, page: Page) -> tuple[str, str]:
    """A newly registered user who is the admin of a company of their own (set up by the
    operator's shell, standing in for manual ch. 3, which e2e/test_company_story.py covers)."""
    email = unique_email("loeschung")
    name = f"Löschprobe {secrets.token_hex(4)} GmbH"
    page.goto("/")
    register(page, DE, email)
    confirm_address(page, DE, email)
    app.manage(
        "shell",
        "-c",
        "from meinekammer.accounts.models import User\n"
        "from meinekammer.chambers.models import Chamber\n"
        "from meinekammer.companies.models import Company, Membership\n"
        f"company = Company.objects.create(chamber=Chamber.objects.get(number='101'), "
        f"name={name!r}, street='Teststraße 1', postal_code='12345', city='Musterstadt', "
        f"member_number='{secrets.randbelow(9 * 10**8) + 10**8}', state='active')\n"
        "from meinekammer.chambers.factors import notice_end\n"
        # As activation does: a new admin's notice period before a second factor is required.
        f"Membership.objects.create(company=company, is_admin=True, admin_factor_from=notice_end(), "
        f"user=User.objects.get(email={email!r}))\n",
    )
    fill_login(page, DE, email, USER_PASSWORD)
    return email, name


def request_deletion(page: Page, company: str) -> None:
    main = page.get_by_role("main")
    main.get_by_role("link", name=f"Administration ({company})").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(company)
    page.get_by_role("link", name="Unternehmen löschen").click()
    check_axe(page)
    page.get_by_label("Grund für die Löschung").fill("Der Betrieb wird aufgegeben.")
    page.get_by_role("button", name="Unternehmen löschen").click()
    # The confirmation works without JavaScript: "Abbruch" returns to the filled form.
    check_axe(page)
    page.get_by_role("button", name="Abbruch").click()
    expect(page.get_by_label("Grund für die Löschung")).to_have_value(
        "Der Betrieb wird aufgegeben."
    )
    page.get_by_role("button", name="Unternehmen löschen").click()
    page.get_by_role("button", name="Bestätigen").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Nach der Freigabe durch Ihre Kammer werden Sie per E-Mail informiert"
    )
    check_axe(page)


def staff_approves(staff: Page, company: str) -> None:
    staff.goto("/")
    log_in_with_factor(staff, DE, STAFF, DEMO_PASSWORD)
    staff.get_by_role("link", name="Kammerbereich").first.click()
    staff.get_by_role("navigation", name="Kammerbereich").get_by_role(
        "link", name="Löschanträge"
    ).click()
    check_axe(staff)
    card = staff.get_by_role("listitem").filter(has_text=company)
    expect(card).to_contain_text("Der Betrieb wird aufgegeben.")
    card.get_by_role("button", name="Freigeben").click()
    expect(staff.get_by_role("status")).to_contain_text("Freigegeben")


def test_request_approve_revoke(app, new_page) -> None:
    admin: Page = new_page()
    staff: Page = new_page()
    email, company = admin_of_a_new_company(app, admin)
    request_deletion(admin, company)
    open_latest_mail(admin, to=email, subject_contains="Löschung von")

    staff_approves(staff, company)
    open_latest_mail(admin, to=email, subject_contains="wird am")

    admin.goto("/")
    expect(admin.get_by_role("main")).to_contain_text(f"{company} wird am")
    check_axe(admin)
    admin.get_by_role("main").get_by_role("link", name=f"Administration ({company})").click()
    admin.get_by_role("link", name="Unternehmenslöschung widerrufen").click()
    check_axe(admin)
    admin.get_by_role("button", name="Löschung widerrufen").click()
    expect(admin.get_by_role("status")).to_contain_text("widerrufen")
    open_latest_mail(admin, to=email, subject_contains="wurde widerrufen")
    admin.goto("/")
    expect(admin.get_by_role("main")).not_to_contain_text(f"{company} wird am")


def test_request_approve_and_the_job_deletes_on_the_date(app, new_page) -> None:
    admin: Page = new_page()
    staff: Page = new_page()
    email, company = admin_of_a_new_company(app, admin)
    request_deletion(admin, company)
    staff_approves(staff, company)

    # The clock moves on: the approved date has come.
    with sqlite3.connect(app.database) as db:
        db.execute(
            "update companies_companydeletion set delete_on = date('now', '-1 day') "
            "where company_id = (select id from companies_company where name = ?)",
            (company,),
        )
    assert "1 companies deleted." in app.manage("delete-due-companies")
    open_latest_mail(admin, to=email, subject_contains=f"{company} wurde gelöscht")
    admin.goto("/")
    expect(admin.get_by_role("main")).not_to_contain_text(company)
    expect(admin.get_by_role("heading", level=1)).to_contain_text(f"{FIRST_NAME} {LAST_NAME}")
