"""Submitting the empty registration form (step 1, "weiter"): an error summary and errors tied to their fields.

The other bad inputs are covered by the integration tests in tests/accounts/; in the browser it
is enough to see that the errors reach assistive technology.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import check_axe

pytestmark = pytest.mark.e2e

REQUIRED = "Dieses Feld ist zwingend erforderlich."  # Django's German "This field is required."
FIELDS = [
    # (id, label, error)
    ("id_first_name", "Vorname", REQUIRED),
    ("id_last_name", "Nachname", REQUIRED),
    ("id_email", "E-Mail-Adresse", REQUIRED),
    ("id_password1", "Passwort", REQUIRED),
    ("id_password2", "Passwort wiederholen", REQUIRED),
]
# The tick for the "Informationspflichten" is on step 2 (e2e/test_registration_steps_story.py).


def submit_empty_registration(page: Page) -> None:
    page.goto("/accounts/signup/")
    page.get_by_role("button", name="weiter", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jetzt registrieren")


def test_empty_registration_shows_summary_and_marks_each_field(page: Page) -> None:
    submit_empty_registration(page)
    check_axe(page)

    summary = page.get_by_role("alert")
    expect(summary).to_have_count(1)
    expect(summary).to_contain_text("Bitte korrigieren Sie die folgenden Angaben.")
    links = summary.get_by_role("link")
    expect(links).to_have_count(len(FIELDS) + 1)  # and the salutation

    for field_id, label, error in FIELDS:
        # The summary links to the field ...
        # The summary drops a label's final full stop before the colon.
        link = summary.get_by_role("link", name=f"{label.rstrip('.')}: {error}", exact=True)
        expect(link).to_have_attribute("href", f"#{field_id}")
        # ... which is marked invalid and described by its own error text.
        field = page.locator(f"#{field_id}")
        expect(field).to_have_accessible_name(label)
        expect(field).to_have_attribute("aria-invalid", "true")
        described_by = (field.get_attribute("aria-describedby") or "").split()
        assert f"{field_id}_error" in described_by, f"{field_id}: aria-describedby={described_by}"
        expect(page.locator(f"#{field_id}_error")).to_have_text(error)
        expect(field).to_have_accessible_description(re.compile(re.escape(error)))

    # The salutation is a group of radio buttons: the fieldset is described by the error.
    link = summary.get_by_role("link", name=f"Anrede: {REQUIRED}", exact=True)
    expect(link).to_have_attribute("href", "#id_salutation")
    group = page.locator("#id_salutation")
    expect(group).to_have_accessible_name("Anrede")
    expect(group).to_have_accessible_description(REQUIRED)

    # Following a link of the summary puts the focus into that field.
    summary.get_by_role("link", name=f"Nachname: {REQUIRED}").click()
    expect(page.get_by_label("Nachname", exact=True)).to_be_focused()


def test_empty_salutation_is_marked_invalid(page: Page) -> None:
    """The radio group is marked invalid too, not only described by its error."""
    submit_empty_registration(page)
    group = page.locator("#id_salutation")
    radios = group.get_by_role("radio")
    expect(radios).to_have_count(3)
    expect(group).to_have_attribute("role", "radiogroup")
    expect(group).to_have_attribute("aria-invalid", "true")
