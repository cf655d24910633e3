"""The chamber's review page (issue 16): the labels of the candidate cards ("Mitgliedsnummer
(Identnummer)") are never broken inside a word, on a phone (390 px) or a desktop (1280 px)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from e2e.factors import log_in_with_factor
from e2e.helpers import check_axe
from e2e.steps import DE

DEMO_PASSWORD = "Demo-Zugang-2026"
STAFF = "sabine.sachbearbeitung@ihk-musterstadt.example"

# For every label of a card: its words whose glyphs lie on more than one line (broken inside
# the word), the hyphenation in effect, the language it is in, and whether it overflows its box.
MEASURE = """
(keys) => keys.map((key) => {
  const style = getComputedStyle(key);
  const broken = [];
  const text = key.firstChild;
  const re = /\\S+/g;
  let match;
  while ((match = re.exec(text.data)) !== null) {
    const range = document.createRange();
    range.setStart(text, match.index);
    range.setEnd(text, match.index + match[0].length);
    const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
    if (tops.size > 1) broken.push(match[0]);
  }
  return {
    text: text.data,
    broken,
    hyphens: style.hyphens,
    lang: key.closest('[lang]')?.getAttribute('lang') || '',
    overflows: key.scrollWidth > key.clientWidth + 1,
  };
})
"""


def open_a_review(page: Page) -> None:
    page.goto("/")
    log_in_with_factor(page, DE, STAFF, DEMO_PASSWORD)
    page.goto("/kammer/registrierungen/?state=")
    links = page.get_by_role("main").get_by_role("table").get_by_role("link")
    hrefs = [links.nth(n).get_attribute("href") for n in range(links.count())]
    for href in hrefs:  # the first request with matches in the directory (the demo has one)
        page.goto(str(href))
        if page.locator(".mk-candidate").count():
            return
    pytest.fail("no registration request with matches in the demo")


@pytest.mark.parametrize("width", [390, 1280])
def test_card_labels_are_not_broken_inside_a_word(new_page, width: int) -> None:
    page: Page = new_page()
    page.set_viewport_size({"width": width, "height": 900})
    open_a_review(page)
    keys = page.locator(".mk-candidate .kern-description-list-item__key")
    expect(keys.first).to_be_visible()
    labels = keys.evaluate_all(MEASURE)
    assert any("Mitgliedsnummer" in label["text"] for label in labels)
    for label in labels:
        assert label["lang"] == "de", label
        assert not label["overflows"], label
        assert not label["broken"], label
        # Where a word is longer than the line, it is hyphenated, not cut anywhere.
        assert label["hyphens"] == "auto", label
    check_axe(page)
