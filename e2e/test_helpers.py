"""The checks the other browser tests rely on must be able to fail."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from e2e.helpers import assert_focus_visible, button_layout_problems, check_axe

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


def test_button_check_sees_spilled_text_and_overlaps_but_not_hidden_text(page: Page) -> None:
    page.goto("/")
    assert button_layout_problems(page) == []
    page.evaluate(
        """() => {
            const main = document.querySelector('main');
            main.insertAdjacentHTML('beforeend',
                '<button class="kern-btn kern-btn--primary" id="fine"><span class="kern-label">'
                + 'Mir zuweisen</span><span class="kern-sr-only"> (Tom Trainer)</span></button>');
        }"""
    )
    assert button_layout_problems(page) == []
    page.evaluate(
        """() => {
            const fine = document.getElementById('fine');
            fine.style.width = '48px';
            const r = fine.getBoundingClientRect();
            // Styles through the CSSOM: the Content-Security-Policy refuses style attributes.
            const onTop = document.createElement('button');
            onTop.textContent = 'x';
            Object.assign(onTop.style, {
                position: 'absolute', left: `${r.left + scrollX}px`, top: `${r.top + scrollY}px`,
            });
            document.body.append(onTop);
        }"""
    )
    problems = button_layout_problems(page)
    assert any('text "Mir zuweisen" overflows' in problem for problem in problems), problems
    assert any("overlaps" in problem for problem in problems), problems
    # The visually hidden " (Tom Trainer)" is outside the picture on purpose.
    assert not any('text "(Tom Trainer)"' in problem for problem in problems), problems
