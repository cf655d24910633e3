"""The checks the other browser tests rely on must be able to fail."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from e2e.helpers import assert_focus_visible, check_axe

pytestmark = pytest.mark.e2e


def test_check_axe_lists_the_violations(page: Page) -> None:
    page.goto("/accounts/signup/")
    check_axe(page)
    page.locator("label[for=id_first_name]").evaluate("label => label.remove()")
    with pytest.raises(pytest.fail.Exception, match=r"(?s)- label .*#id_first_name"):
        check_axe(page)


def test_focus_check_sees_a_missing_outline(page: Page) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    assert_focus_visible(page)
    page.evaluate(
        """() => {
            const style = document.activeElement.style;
            style.setProperty('outline', 'none', 'important');
            style.setProperty('box-shadow', 'none', 'important');
        }"""
    )
    with pytest.raises(AssertionError, match="No visible focus"):
        assert_focus_visible(page)
