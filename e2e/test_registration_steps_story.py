""" "Jetzt registrieren" in two steps (manual ch. 2), with the keyboard alone, in German and English.

Step 1 the personal data and "weiter"; step 2 the "Informationspflichten", the required tick and
"Registrierung abschicken". On the way: step 2 sent without the tick (error summary, the box
marked invalid), "zurück" and the browser's back button (the entries are kept, the password is
kept without being shown), and axe on every page.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import check_axe, tab_to, unique_email
from e2e.steps import DE, EN, FIRST_NAME, LAST_NAME, PASSWORD, Texts, expect_page, heading

pytestmark = pytest.mark.e2e

STEP_ONE = {"de": "Schritt 1 von 2: persönliche Daten", "en": "Step 1 of 2: personal data"}
MISSING_TICK = {
    "de": "Bitte akzeptieren Sie die Informationspflichten, um sich zu registrieren.",
    "en": "Please accept the privacy information to register.",
}
KEPT = {
    "de": "Ihre Angaben wurden übernommen.",
    "en": "Your entries have been kept.",
}


def type_into(page: Page, label: str, value: str) -> None:
    field = page.get_by_role("main").get_by_label(label, exact=True)
    tab_to(page, field)
    page.keyboard.type(value)
    expect(field).to_have_value(value)


def press(page: Page, name: str, *, role: str = "button", key: str = "Enter") -> None:
    target = page.get_by_role("main").get_by_role(role, name=name, exact=True)  # type: ignore[arg-type]
    tab_to(page, target)
    page.keyboard.press(key)


def step_one_kept(page: Page, t: Texts, email: str) -> None:
    """Back on step 1: the entries are there, the password fields are empty (kept unseen)."""
    expect_page(page, t, t.register_heading)
    main = page.get_by_role("main")
    expect(main).to_contain_text(STEP_ONE[t.lang])
    expect(main).to_contain_text(KEPT[t.lang])
    expect(main.get_by_role("radio", name=t.ms)).to_be_checked()
    expect(main.get_by_label(t.first_name, exact=True)).to_have_value(FIRST_NAME)
    expect(main.get_by_label(t.last_name, exact=True)).to_have_value(LAST_NAME)
    expect(main.get_by_label(t.email, exact=True)).to_have_value(email)
    # Kept, the password fields are optional ("– optional" in their labels) and empty.
    for field_id in ("id_password1", "id_password2"):
        expect(main.locator(f"#{field_id}")).to_have_value("")


def walk_both_steps(page: Page, t: Texts, email: str) -> None:
    main = page.get_by_role("main")
    # --- step 1 ---------------------------------------------------------------------------------
    expect_page(page, t, t.register_heading)
    expect(main).to_contain_text(STEP_ONE[t.lang])
    tab_to(page, main.get_by_role("radio", name=t.ms))
    page.keyboard.press("Space")
    type_into(page, t.first_name, FIRST_NAME)
    type_into(page, t.last_name, LAST_NAME)
    type_into(page, t.email, email)
    type_into(page, t.password, PASSWORD)
    type_into(page, t.repeat_password, PASSWORD)
    press(page, t.continue_registration)

    # --- step 2: without the tick first ---------------------------------------------------------
    expect_page(page, t, t.register_heading)
    expect(main).to_contain_text(t.consent_step)
    expect(main).to_contain_text(email)
    expect(main).to_contain_text(f"{FIRST_NAME} {LAST_NAME}")
    press(page, t.submit_registration)
    expect_page(page, t, t.register_heading)
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text(MISSING_TICK[t.lang])
    box = main.get_by_role("checkbox", name=t.accept_privacy)
    expect(box).to_have_attribute("aria-invalid", "true")
    # The summary's link leads to the box.
    link = summary.get_by_role("link")
    tab_to(page, link)
    page.keyboard.press("Enter")
    expect(box).to_be_focused()

    # --- "zurück": step 1 with the entries kept; "weiter" keeps the password too ---------------
    press(page, t.back, role="link")
    step_one_kept(page, t, email)
    press(page, t.continue_registration)
    expect(main).to_contain_text(t.consent_step)

    # --- the browser's back button: the same -----------------------------------------------------
    page.go_back()
    step_one_kept(page, t, email)
    press(page, t.continue_registration)
    expect(main).to_contain_text(t.consent_step)
    check_axe(page)

    # --- the tick with Space, "Registrierung abschicken" with Enter ------------------------------
    tab_to(page, box)
    page.keyboard.press("Space")
    expect(box).to_be_checked()
    press(page, t.submit_registration)
    expect_page(page, t, t.verification_sent)


def test_two_step_registration_in_german_with_the_keyboard(page: Page) -> None:
    page.goto("/accounts/signup/")
    walk_both_steps(page, DE, unique_email("steps-de"))


def test_two_step_registration_in_english_with_the_keyboard(page: Page) -> None:
    page.goto("/")
    english = page.get_by_role("group", name="Sprache").get_by_role("button", name="English")
    tab_to(page, english)
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    link = page.get_by_role("main").get_by_role("link", name=EN.register_now, exact=True)
    tab_to(page, link)
    page.keyboard.press("Enter")
    expect(heading(page)).to_have_text(EN.register_heading)
    walk_both_steps(page, EN, unique_email("steps-en"))
