"""The account pages at 320 CSS pixels wide (WCAG 1.4.10 Reflow), checked with axe too."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import axe_violations, format_violations, unique_email
from e2e.steps import DE, PASSWORD, confirm_address, log_in, register

pytestmark = pytest.mark.e2e


def test_account_pages_reflow_at_320_pixels(page: Page) -> None:
    email = unique_email("reflow")
    page.goto("/")
    register(page, DE, email)
    confirm_address(page, DE, email)
    log_in(page, DE, email, PASSWORD, "Erika Mustermann")

    page.set_viewport_size({"width": 320, "height": 640})
    for path, title in [("/", "Willkommen, Erika Mustermann"), ("/konto/", "Mein Konto")]:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        # No sideways scrolling of the page itself.
        assert page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        ), f"{path} scrolls sideways at 320 px"
        violations = axe_violations(page)
        assert not violations, f"{path} at 320 px:\n{format_violations(violations)}"
