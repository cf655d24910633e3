"""What the browser tests share: the accessibility check, the mailbox and a few user gestures."""

from __future__ import annotations

import re
import time
import uuid

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, expect

# WCAG 2.1 level A and AA, the level the accessibility statement promises.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
MAIL_TIMEOUT_SECONDS = 15

_axe = Axe()


def unique_email(prefix: str = "e2e") -> str:
    """A fresh address for every test: the tests share one database and run in any order."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}@beispiel.example"


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact')}): {violation['help']}"
            f"\n  {violation.get('helpUrl', '')}"
        )
        for node in violation["nodes"]:
            target = ", ".join(str(t) for t in node["target"])
            lines.append(f"    * {target}\n      {node.get('html', '').strip()[:300]}")
            summary = (node.get("failureSummary") or "").strip().replace("\n", "\n        ")
            if summary:
                lines.append(f"        {summary}")
    return "\n".join(lines)


def axe_violations(page: Page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the current page, as axe reports them."""
    page.wait_for_load_state("load")
    return _axe.run(page, options=AXE_OPTIONS).response["violations"]


def check_axe(page: Page) -> None:
    """Run axe-core (WCAG 2.1 A/AA rules) on the current page; fail listing every violation."""
    violations = axe_violations(page)
    if violations:
        pytest.fail(
            f"{len(violations)} accessibility violation(s) on {page.url} "
            f"({page.title()!r}):\n{format_violations(violations)}",
            pytrace=False,
        )


def open_latest_mail(
    page: Page,
    *,
    to: str,
    subject_contains: str,
    link_contains: str | None = None,
    axe: bool = True,
    timeout: float = MAIL_TIMEOUT_SECONDS,
) -> list[str]:
    """Wait for the newest mail to `to` whose subject contains `subject_contains`, open it.

    Polls the development mailbox (where the task worker delivers) for up to `timeout` seconds.
    Leaves `page` on the mail's detail page and returns the links in its text, in order;
    with `link_contains`, only the links containing that string (at least one).
    """
    deadline = time.monotonic() + timeout
    while True:
        page.goto("/dev/mailbox/")  # relative to the context's base_url
        rows = page.locator("table tbody tr").filter(
            has=page.locator("td", has_text=re.compile(rf"^\s*{re.escape(to)}\s*$"))
        )
        matching = rows.filter(has=page.get_by_role("link", name=subject_contains))
        if matching.count():
            break
        if time.monotonic() > deadline:
            pytest.fail(
                f"No mail to {to} with {subject_contains!r} in the subject arrived within "
                f"{timeout:.0f} s. Mailbox:\n{page.locator('main').inner_text()}",
                pytrace=False,
            )
        time.sleep(0.3)
    if axe:
        check_axe(page)
    # The mailbox lists the newest mail first.
    matching.first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(subject_contains)
    if axe:
        check_axe(page)
    links = page.locator(".mk-mail-body a").evaluate_all("links => links.map(a => a.href)")
    if link_contains is not None:
        links = [link for link in links if link_contains in link]
        assert links, f"The mail has no link containing {link_contains!r}"
    return links


def follow_mail_link(page: Page, link: str) -> None:
    """Click a link in the text of the open mail, as the recipient would."""
    page.locator(".mk-mail-body").get_by_role("link", name=link, exact=True).click()


FOCUS_INDICATOR_JS = """el => {
    const s = getComputedStyle(el);
    const transparent = c => c === 'transparent' || /rgba\\([^)]*,\\s*0\\)$/.test(c);
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0
        && !transparent(s.outlineColor);
    const shadow = !!s.boxShadow && s.boxShadow !== 'none';
    return {outline, shadow, describe: `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}`
        + ` "${(el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40)}"`
        + ` outline=${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor} box-shadow=${s.boxShadow}`};
}"""


def focused(page: Page) -> Locator:
    return page.locator("*:focus")


def assert_focus_visible(page: Page) -> None:
    """The focused element shows a focus indicator: an outline or a box-shadow (WCAG 2.4.7)."""
    state = page.evaluate(f"({FOCUS_INDICATOR_JS})(document.activeElement)")
    assert state["outline"] or state["shadow"], f"No visible focus on {state['describe']}"


def tab_to(page: Page, target: Locator, *, max_presses: int = 40, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until `target` has the focus, checking the focus is visible
    on every element passed on the way."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(max_presses):
        page.keyboard.press(key)
        assert_focus_visible(page)
        if target.evaluate("el => el === document.activeElement"):
            return
    pytest.fail(f"{target} was not reached with {max_presses} presses of {key}", pytrace=False)


def press_tab(page: Page, *, backwards: bool = False) -> None:
    """One Tab (or Shift+Tab); the element that gets the focus must show it."""
    page.keyboard.press("Shift+Tab" if backwards else "Tab")
    assert_focus_visible(page)
