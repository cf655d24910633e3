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
    """Run axe-core (WCAG 2.1 A/AA rules) on the current page; fail listing every violation.

    Then check the buttons' layout at the current viewport (check_button_layout): every page a
    story checks with axe gets both.
    """
    violations = axe_violations(page)
    if violations:
        pytest.fail(
            f"{len(violations)} accessibility violation(s) on {page.url} "
            f"({page.title()!r}):\n{format_violations(violations)}",
            pytrace=False,
        )
    check_button_layout(page)


# Buttons and button-like links whose visible text leaves their box, and buttons that overlap.
# Visually hidden text (kern-sr-only: absolute, 1 px, clipped) is left out: it is meant to be
# outside the picture. Hidden buttons (display: none, closed <details>, 0 px) are left out too.
BUTTON_LAYOUT_JS = """async () => {
    await document.fonts.ready;
    const SLACK = 1;
    const SELECTOR = 'button, a.kern-btn, [role=button], '
        + 'input[type=submit], input[type=button], input[type=reset]';
    const visuallyHidden = el => {
        const s = getComputedStyle(el);
        const r = el.getBoundingClientRect();
        return ((s.position === 'absolute' || s.position === 'fixed')
                && (r.width <= 1 || r.height <= 1))
            || s.clip === 'rect(0px, 0px, 0px, 0px)' || s.clipPath === 'inset(50%)';
    };
    const shown = el => el.checkVisibility({visibilityProperty: true})
        && el.getBoundingClientRect().width > 1 && el.getBoundingClientRect().height > 1
        && !visuallyHidden(el);
    const describe = el => {
        const text = (el.innerText || el.value || el.getAttribute('aria-label') || '')
            .trim().replace(/\\s+/g, ' ').slice(0, 60);
        const r = el.getBoundingClientRect();
        return `${el.tagName.toLowerCase()}${el.className ? '.' + [...el.classList].join('.') : ''}`
            + ` "${text}" (${Math.round(r.width)}x${Math.round(r.height)} at`
            + ` ${Math.round(r.left)},${Math.round(r.top)})`;
    };
    const outside = (inner, box) => inner.left < box.left - SLACK || inner.right > box.right + SLACK
        || inner.top < box.top - SLACK || inner.bottom > box.bottom + SLACK;
    const buttons = [...document.querySelectorAll(SELECTOR)].filter(shown);
    const problems = [];
    for (const el of buttons) {
        const box = el.getBoundingClientRect();
        if (el.tagName === 'INPUT') {
            if (el.scrollWidth > el.clientWidth + SLACK) {
                problems.push(`text overflows ${describe(el)}`);
            }
            continue;
        }
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            if (!node.textContent.trim()) continue;
            let hidden = false;
            for (let e = node.parentElement; e && e !== el; e = e.parentElement) {
                if (!e.checkVisibility({visibilityProperty: true}) || visuallyHidden(e)) {
                    hidden = true;
                    break;
                }
            }
            if (hidden) continue;
            const range = document.createRange();
            range.selectNodeContents(node);
            const spill = [...range.getClientRects()].find(r => r.width > 0 && outside(r, box));
            if (spill) {
                problems.push(`text "${node.textContent.trim().slice(0, 40)}" overflows `
                    + `${describe(el)}: text at ${Math.round(spill.left)}..`
                    + `${Math.round(spill.right)} x ${Math.round(spill.top)}..`
                    + `${Math.round(spill.bottom)}`);
                break;
            }
        }
    }
    for (let i = 0; i < buttons.length; i++) {
        for (let j = i + 1; j < buttons.length; j++) {
            const a = buttons[i], b = buttons[j];
            if (a.contains(b) || b.contains(a)) continue;
            const ra = a.getBoundingClientRect(), rb = b.getBoundingClientRect();
            const width = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
            const height = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
            if (width > SLACK && height > SLACK) {
                problems.push(`${describe(a)} overlaps ${describe(b)}`);
            }
        }
    }
    return problems;
}"""


def button_layout_problems(page: Page) -> list[str]:
    """Buttons (and links styled as buttons) on the current page whose visible text spills
    out of their box, and pairs of buttons that overlap, at the current viewport."""
    return page.evaluate(BUTTON_LAYOUT_JS)


def check_button_layout(page: Page) -> None:
    """Fail listing every button whose text overflows it and every pair that overlaps."""
    problems = button_layout_problems(page)
    if problems:
        width = page.viewport_size["width"] if page.viewport_size else "?"
        pytest.fail(
            f"{len(problems)} button layout problem(s) on {page.url} ({page.title()!r}) "
            f"at {width} px:\n" + "\n".join(f"- {problem}" for problem in problems),
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
