"""Step-up with the sample "Serviceportal Bildung": its "Bereich mit Zwei-Faktor" asks meinekammer
for a second factor (acr_values=urn:meinekammer:mfa). Tom Trainer logs in with his password, is
asked for the code of his authenticator app (computed here, as the app would) and the page
shows how he logged in (amr)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from tests.totp import totp_code

from e2e.helpers import check_axe
from e2e.steps import DE, fill_login

DEMO_PASSWORD = "Demo-Zugang-2026"
TRAINER = "tom.trainer@beispiel-gmbh.example"
# A fixed secret for the test's authenticator app (base32), set up by the operator's shell.
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def tom_with_authenticator_app(app):
    """Tom's authenticator app, through allauth's own API; removed again afterwards, since the
    other stories log Tom in with his password alone."""
    app.manage(
        "shell",
        "-c",
        "from allauth.mfa.totp.internal.auth import TOTP\n"
        "from meinekammer.accounts.models import User\n"
        f"TOTP.activate(User.objects.get(email={TRAINER!r}), {SECRET!r})\n",
    )
    yield SECRET
    app.manage(
        "shell",
        "-c",
        "from allauth.mfa.models import Authenticator\n"
        f"Authenticator.objects.filter(user__email={TRAINER!r}).delete()\n",
    )


def test_tom_opens_the_area_with_second_factor(app, page: Page, tom_with_authenticator_app):
    page.goto(f"{app.sample_url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Serviceportal Bildung")
    page.get_by_role("link", name="Bereich mit Zwei-Faktor").click()

    # meinekammer's login, then the second step: the code of the authenticator app.
    fill_login(page, DE, TRAINER, DEMO_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert "/accounts/2fa/authenticate/" in page.url, page.url
    check_axe(page)
    main = page.get_by_role("main")
    main.get_by_role("textbox").first.fill(totp_code(tom_with_authenticator_app))
    main.get_by_role("button").first.click()

    # Back in the sample application: the area, and how Tom logged in.
    expect(page.get_by_role("heading", level=1)).to_have_text("Bereich mit Zwei-Faktor")
    assert page.url == f"{app.sample_url}/mfa"
    codes = page.get_by_role("main").locator("li code")
    expect(codes).to_have_text(["pwd", "otp", "mfa"])
    expect(page.get_by_role("main")).to_contain_text("urn:meinekammer:mfa")
    check_axe(page)


def test_without_a_second_factor_meinekammer_explains_how_to_set_one_up(app, page: Page):
    page.goto(f"{app.sample_url}/mfa")
    fill_login(page, DE, TRAINER, DEMO_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Serviceportal Bildung verlangt einen zweiten Faktor"
    )
    assert page.url.startswith(f"{app.url}/o/authorize/")
    link = page.get_by_role("main").get_by_role("link", name="Zweiten Faktor einrichten")
    expect(link).to_be_visible()
    check_axe(page)
    link.focus()
    page.keyboard.press("Enter")
    expect(page).not_to_have_url(f"{app.url}/o/authorize/")
