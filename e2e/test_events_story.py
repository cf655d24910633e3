"""Change events and back-channel logout (issue 14). Tom is logged in to the sample "Serviceportal
Bildung"; Anna, his company's admin, gives him the role "Auszubildender" and takes it away
again on the member page: Tom's open page at the sample shows each change within seconds,
without logging in again (meinekammer's worker posts a signed event; the sample updates his
session). Lea logs out of meinekammer: her session at the sample ends (a logout token)."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import check_axe
from e2e.steps import DE, expect_message, fill_login
from e2e.test_members_story import open_administration, role_choice

pytestmark = pytest.mark.e2e

DEMO_PASSWORD = "Demo-Zugang-2026"
ANNA = "anna.admin@beispiel-gmbh.example"
TOM = "tom.trainer@beispiel-gmbh.example"


def sample_shows(page: Page, text: str, *, present: bool, seconds: float = 15) -> None:
    """Reload the sample's page until `text` is (or is no longer) on it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page.reload()
        if (text in page.get_by_role("main").inner_text()) == present:
            break
        time.sleep(0.5)
    main = page.get_by_role("main")
    if present:
        expect(main).to_contain_text(text)
    else:
        expect(main).not_to_contain_text(text)


def set_role(admin: Page, name: str, role: str, answer: str) -> None:
    """ "Unternehmensmitglieder" → "+" → Ja/Nein → "Speichern"."""
    open_administration(admin)
    members = admin.get_by_role("region", name="Unternehmensmitglieder")
    row = members.get_by_role("listitem").filter(has_text=TOM)
    row.get_by_role("link", name=f"Rollen und Rechte von {name}").click()
    row = (
        admin.get_by_role("region", name="Unternehmensmitglieder")
        .get_by_role("listitem")
        .filter(has_text=TOM)
    )
    role_choice(row, role, answer).check()
    row.get_by_role("button", name="Speichern").click()
    expect_message(admin, f"Gespeichert: Rollen und Rechte von {name}.")


def test_tom_sees_annas_role_changes_at_the_sample_without_logging_in_again(
    app, page: Page, new_page
) -> None:
    # Tom at the sample, through meinekammer's login.
    page.goto(f"{app.sample_url}/")
    page.get_by_role("link", name="Anmelden mit meinekammer").click()
    fill_login(page, DE, TOM, DEMO_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Willkommen, Tom Trainer")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Ausbilder")
    expect(main).not_to_contain_text("Auszubildender")

    # Anna, in her own browser, gives Tom "Auszubildender".
    admin = new_page()
    admin.goto("/")
    fill_login(admin, DE, ANNA, DEMO_PASSWORD)
    set_role(admin, "Tom Trainer", "Auszubildender", "Ja")
    sample_shows(page, "Auszubildender", present=True)
    check_axe(page)

    # And takes it away again: gone from Tom's page, his session there stays (Ausbilder).
    set_role(admin, "Tom Trainer", "Auszubildender", "Nein")
    sample_shows(page, "Auszubildender", present=False)
    expect(main).to_contain_text("Ausbilder")
    page.goto(f"{app.sample_url}/ereignisse")
    expect(page.get_by_role("main")).to_contain_text("role.removed")
    expect(page.get_by_role("main")).to_contain_text("role.granted")
    check_axe(page)


LEA = "lea.lernt@beispiel-gmbh.example"


def test_logging_out_of_meinekammer_ends_leas_session_at_the_sample(app, page: Page) -> None:
    """OpenID Connect Back-Channel Logout: the portal's "Abmelden" ends the sample's session
    too, through a signed logout token the worker posts to the sample."""
    page.goto(f"{app.sample_url}/")
    page.get_by_role("link", name="Anmelden mit meinekammer").click()
    fill_login(page, DE, LEA, DEMO_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Willkommen, Lea Lernt")

    page.goto(f"{app.url}/")
    page.get_by_role("navigation").get_by_role("button", name="Abmelden").click()
    expect(page.get_by_role("navigation").get_by_role("link", name="Anmelden")).to_be_visible()

    page.goto(f"{app.sample_url}/")
    sample_shows(page, "Anmelden mit meinekammer", present=True)
    check_axe(page)
    page.goto(f"{app.sample_url}/ereignisse")
    expect(page.get_by_role("main")).to_contain_text("backchannel-logout")
