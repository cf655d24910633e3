"""Buttons with hidden screen-reader text keep their visible text inside, at 390, 768 and
1280 px: the dashboard's company cards (as admin and as a plain member with a pending request),
"Offene Anfragen", "Meine Anfragen", the administration page with a pending invitation and the
chamber's "Löschanträge" with a pending deletion. Such a button ("Mir zuweisen (Name)") once
shrank to KERN's 48 px icon-button width and its label spilled over its neighbours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Locator, Page, expect

from e2e.factors import log_in_with_factor
from e2e.helpers import check_axe, unique_email
from e2e.steps import DE, fill_login
from e2e.test_deletion_story import admin_of_a_new_company, request_deletion

pytestmark = pytest.mark.e2e

WIDTHS = (390, 768, 1280)
DEMO_PASSWORD = "Demo-Zugang-2026"
ADMIN = "anna.admin@beispiel-gmbh.example"
MEMBER = "tom.trainer@beispiel-gmbh.example"
MEMBER_NAME = "Tom Trainer"
STAFF = "sabine.sachbearbeitung@ihk-musterstadt.example"
COMPANY = "Beispiel GmbH"
APPLICATION = "Serviceportal Bildung"
# WCAG 2.5.5 asks 44 px for a tap target; KERN's buttons are 48 px high.
MIN_TAP_HEIGHT = 44

KERN_BUTTON_HEIGHTS_JS = """() => [...document.querySelectorAll('.kern-btn')]
    .filter(el => el.checkVisibility({visibilityProperty: true}))
    .map(el => [el.innerText.trim().replace(/\\s+/g, ' '), el.getBoundingClientRect().height])"""


@dataclass(frozen=True)
class Visit:
    """A page to look at again at every width, and the buttons it must show there."""

    page: Page
    path: str
    buttons: tuple[tuple[str, str], ...]  # (role, accessible name)


def heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def log_in_demo(page: Page, email: str) -> None:
    page.goto("/")
    fill_login(page, DE, email, DEMO_PASSWORD)
    expect(heading(page)).to_contain_text("Willkommen")


def path_of(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def member_with_a_pending_request(page: Page) -> Visit:
    """Tom, a plain member of the demo company, asks for one more role: "Rolle beantragen"."""
    log_in_demo(page, MEMBER)
    page.get_by_role("region", name="Meine Unternehmen").get_by_role(
        "link", name=f"Rolle beantragen ({COMPANY})"
    ).click()
    expect(heading(page)).to_have_text("Rolle beantragen")
    form = page.get_by_role("main")
    form.get_by_label("Fachanwendung und Rolle").select_option(
        label=f"{APPLICATION}: Auszubildender"
    )
    form.get_by_label("Kommentar").fill("Ich möchte die Prüfungstermine sehen.")
    form.get_by_role("button", name="Rolle beantragen").click()
    expect(page.get_by_role("region", name="Ihre Anfragen")).to_contain_text(
        f"Rollenanfrage ({APPLICATION}: Auszubildender)"
    )
    return Visit(
        page,
        "/",
        (
            ("link", f"Rolle beantragen ({COMPANY})"),
            ("button", f"Anfrage zurückziehen ({COMPANY})"),
        ),
    )


def admin_pages(page: Page) -> list[Visit]:
    """Anna: her start page, "Offene Anfragen", "Meine Anfragen" with Tom's request assigned
    to her, and the administration page with an invitation pending."""
    log_in_demo(page, ADMIN)
    start = Visit(page, "/", (("link", f"Administration ({COMPANY})"),))

    page.get_by_role("region", name="Beitrittsanfragen").get_by_role(
        "link", name=re.compile(r"^Offene Anfragen \(\d+\)$")
    ).click()
    expect(heading(page)).to_have_text("Offene Anfragen")
    open_path = path_of(page)
    page.get_by_role("main").get_by_role("listitem").filter(has_text=MEMBER_NAME).filter(
        has_text="Auszubildender"
    ).get_by_role("button", name=f"Mir zuweisen ({MEMBER_NAME})").click()
    expect(heading(page)).to_have_text("Anfrageinformationen")
    page.get_by_role("main").get_by_role("link", name="Beitrittsanfragen", exact=True).click()
    expect(heading(page)).to_have_text("Meine Anfragen")
    mine = Visit(
        page,
        path_of(page),
        (
            ("link", f"Anfrageinformationen ({MEMBER_NAME})"),
            ("button", f"Zuweisung aufheben ({MEMBER_NAME})"),
        ),
    )
    # Tom's request from the demo data stays open for "Mir zuweisen".
    queue = Visit(page, open_path, (("button", f"Mir zuweisen ({MEMBER_NAME})"),))

    page.goto("/")
    page.get_by_role("main").get_by_role("link", name=f"Administration ({COMPANY})").click()
    page.get_by_role("main").get_by_role("link", name="Benutzer hinzufügen").click()
    email = unique_email("knopf")
    form = page.get_by_role("main")
    form.get_by_role("checkbox", name=f"{APPLICATION}: Ausbilder", exact=True).check()
    form.get_by_label("E-Mail-Adresse", exact=True).fill(email)
    form.get_by_role("button", name="Weiter").click()
    expect(heading(page)).to_have_text(COMPANY)
    administration = Visit(
        page,
        path_of(page),
        (("button", f"Erneut senden ({email})"), ("button", f"Zurückziehen ({email})")),
    )
    return [start, queue, mine, administration]


def staff_deletions(page: Page, company: str) -> Visit:
    """Sabine's "Löschanträge" with `company`'s request pending."""
    page.goto("/")
    log_in_with_factor(page, DE, STAFF, DEMO_PASSWORD)
    page.get_by_role("link", name="Kammerbereich").first.click()
    page.get_by_role("navigation", name="Kammerbereich").get_by_role(
        "link", name="Löschanträge"
    ).click()
    expect(heading(page)).to_have_text("Löschanträge")
    return Visit(page, path_of(page), (("button", f"Freigeben ({company})"),))


def test_buttons_keep_their_text_inside_at_every_width(app, new_page) -> None:
    member: Page = new_page()
    admin: Page = new_page()
    deleting: Page = new_page()
    staff: Page = new_page()
    visits = [member_with_a_pending_request(member), *admin_pages(admin)]
    _, company = admin_of_a_new_company(app, deleting)
    request_deletion(deleting, company)
    visits.append(Visit(deleting, "/", (("link", f"Administration ({company})"),)))
    visits.append(staff_deletions(staff, company))

    for width in WIDTHS:
        for visit in visits:
            visit.page.set_viewport_size({"width": width, "height": 900})
            visit.page.goto(visit.path)
            main = visit.page.get_by_role("main")
            for role, name in visit.buttons:
                expect(main.get_by_role(role, name=name).first).to_be_visible()
            # axe, and no button's text outside its box, no two buttons on top of each other.
            check_axe(visit.page)
            low = [
                f"{text!r}: {height:.0f} px"
                for text, height in visit.page.evaluate(KERN_BUTTON_HEIGHTS_JS)
                if height < MIN_TAP_HEIGHT
            ]
            assert not low, f"{visit.path} at {width} px: buttons lower than 44 px: {low}"
