"""Single sign-on with the sample "Serviceportal Bildung" (examples/serviceportal/): a user with a
role logs in through meinekammer and out again; a user without a company meets the access gate."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import check_axe
from e2e.steps import DE, fill_login

DEMO_PASSWORD = "Demo-Zugang-2026"
TRAINER = "tom.trainer@beispiel-gmbh.example"
NO_COMPANY = "paul.plan@neubau.example"
LOG_IN_WITH = "Anmelden mit meinekammer"


def open_sample(page: Page, app) -> None:
    page.goto(f"{app.sample_url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Serviceportal Bildung")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    check_axe(page)


def test_a_trainer_logs_in_to_the_serviceportal_and_out_again(app, page: Page) -> None:
    open_sample(page, app)
    page.get_by_role("link", name=LOG_IN_WITH).click()

    # meinekammer's login page (fill_login checks it with axe), then straight back: first party.
    fill_login(page, DE, TRAINER, DEMO_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Willkommen, Tom Trainer")
    assert page.url == f"{app.sample_url}/"
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="Beispiel GmbH")).to_be_visible()
    expect(main).to_contain_text("Ausbilder")
    # How Tom logged in (amr: the password), then the role keys.
    expect(main.locator("code")).to_have_text(["pwd", "ausbilder"])
    check_axe(page)

    # Logging out of the sample ends the session at meinekammer too (RP-initiated logout).
    main.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Serviceportal Bildung")
    assert page.url == f"{app.sample_url}/"
    expect(page.get_by_role("link", name=LOG_IN_WITH)).to_be_visible()
    check_axe(page)
    page.goto(f"{app.url}/")
    expect(
        page.get_by_role("navigation").get_by_role("link", name=DE.log_in, exact=True)
    ).to_be_visible()


def test_a_user_without_a_company_meets_the_gate(app, page: Page) -> None:
    open_sample(page, app)
    page.get_by_role("link", name=LOG_IN_WITH).click()
    fill_login(page, DE, NO_COMPANY, DEMO_PASSWORD)

    # meinekammer gives no code: its gate page explains and points the way.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Kein Zugang zu Serviceportal Bildung"
    )
    assert page.url.startswith(f"{app.url}/o/authorize/")
    expect(
        page.get_by_role("main").get_by_role("link", name="Unternehmen beitreten")
    ).to_be_visible()
    check_axe(page)


@pytest.fixture
def new_privacy_notice(app):
    """A new version of the Informationspflichten, published by the operator; withdrawn
    afterwards, since the other stories log in without it."""
    version = "e2e-neu"
    app.manage(
        "shell",
        "-c",
        "from meinekammer.accounts.models import PrivacyNotice\n"
        f"PrivacyNotice.objects.create(version={version!r}, text_de='Neue Fassung für den Test.',"
        " text_en='New version for the test.')\n",
    )
    yield version
    app.manage(
        "shell",
        "-c",
        "from meinekammer.accounts.models import PrivacyConsent, PrivacyNotice\n"
        f"PrivacyConsent.objects.filter(notice__version={version!r}).delete()\n"
        f"PrivacyNotice.objects.filter(version={version!r}).delete()\n",
    )


def test_a_new_privacy_notice_is_accepted_on_the_way_to_the_serviceportal(
    app, page: Page, new_privacy_notice
) -> None:
    open_sample(page, app)
    page.get_by_role("link", name=LOG_IN_WITH).click()
    fill_login(page, DE, TRAINER, DEMO_PASSWORD)

    # Before the code: the new version, with the tick and "Zustimmen".
    expect(page.get_by_role("heading", level=1)).to_have_text("Informationspflichten")
    assert page.url.startswith(f"{app.url}/konto/informationspflichten/"), page.url
    main = page.get_by_role("main")
    expect(main).to_contain_text(f"Version {new_privacy_notice}")
    expect(main).to_contain_text("Neue Fassung für den Test.")
    expect(main.get_by_role("button", name="Abmelden")).to_be_visible()
    expect(main.get_by_role("link", name="Konto löschen")).to_be_visible()
    check_axe(page)

    # Without the tick: the error, and still here.
    main.get_by_role("button", name="Zustimmen").click()
    expect(main).to_contain_text("Bitte akzeptieren Sie die Informationspflichten")
    check_axe(page)

    # By keyboard: the tick, then "Zustimmen"; on to the application.
    tick = main.get_by_label("Ich habe die Informationspflichten gelesen und akzeptiere sie.")
    tick.focus()
    page.keyboard.press("Space")
    expect(tick).to_be_checked()
    main.get_by_role("button", name="Zustimmen").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Willkommen, Tom Trainer")
    assert page.url == f"{app.sample_url}/"
