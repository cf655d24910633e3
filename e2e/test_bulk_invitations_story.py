""" "Mehrere Personen einladen (CSV-Datei)" (issue 16): Anna Admin of the demo's "Beispiel GmbH"
uploads a CSV file of 20 trainees from the administration page, reads the preview with every
row checked, sends the invitations, watches the progress bar reach the end and reads the result
list. Every page passes axe. The addresses are unique to this run (the demo is shared).
"""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from e2e.factors import log_in_with_factor
from e2e.helpers import check_axe
from e2e.steps import DE

pytestmark = pytest.mark.e2e

DEMO_PASSWORD = "Demo-Zugang-2026"
ADMIN = "anna.admin@beispiel-gmbh.example"
COMPANY = "Beispiel GmbH"
TRAINEES = 20
# The worker sends the invitations; a loaded 2-core machine may take a while.
SENDING_TIMEOUT_MS = 60_000


def trainee_file(run: str) -> bytes:
    """The file as a German Excel saves "CSV UTF-8": byte order mark, semicolons."""
    lines = ["E-Mail-Adresse;Vorname;Nachname;Rollen"]
    for n in range(1, TRAINEES + 1):
        lines.append(
            f"azubi{n}-{run}@beispiel.example;Azubi{n};Probe-{run};"
            "Serviceportal Bildung: Auszubildender"
        )
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def test_anna_invites_twenty_trainees_from_a_csv_file(page: Page) -> None:
    run = uuid.uuid4().hex[:8]
    # The progress script must run under the strict CSP: no refused script, no failed fetch.
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.goto("/")
    log_in_with_factor(page, DE, ADMIN, DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("link", name=f"Administration ({COMPANY})").click()
    expect(heading(page)).to_have_text(COMPANY)
    page.get_by_role("main").get_by_role(
        "link", name="Mehrere Personen einladen (CSV-Datei)"
    ).click()
    expect(heading(page)).to_have_text("Mehrere Personen einladen (CSV-Datei)")
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name="Beispieldatei herunterladen (CSV)")).to_be_visible()
    check_axe(page)

    main.get_by_label("CSV-Datei").set_input_files(
        files=[{"name": "azubis.csv", "mimeType": "text/csv", "buffer": trainee_file(run)}]
    )
    main.get_by_role("button", name="Datei prüfen").click()
    expect(heading(page)).to_have_text("Vorschau der Einladungen")
    expect(main).to_contain_text('Aus der Datei "azubis.csv" können 20 Personen eingeladen werden.')
    rows = main.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(TRAINEES)
    expect(rows.filter(has_text="wird eingeladen")).to_have_count(TRAINEES)
    check_axe(page)

    main.get_by_role("button", name="Einladungen versenden").click()
    progress = main.get_by_role("progressbar", name="Fortschritt")
    expect(progress).to_be_visible()
    # The page follows the job by itself (web/bulk-progress.js) and shows the result when done.
    expect(heading(page)).to_have_text("Einladungen versendet", timeout=SENDING_TIMEOUT_MS)
    expect(progress).to_have_attribute("value", str(TRAINEES))
    expect(progress).to_have_attribute("max", str(TRAINEES))
    expect(main.get_by_role("status")).to_have_text("20 von 20 Einladungen bearbeitet")
    expect(main).to_contain_text("20 Einladungen versendet.")
    expect(main).to_contain_text("0 Zeilen übersprungen.")
    results = main.get_by_role("table").locator("tbody tr")
    expect(results).to_have_count(TRAINEES)
    expect(results.filter(has_text="Einladung versendet")).to_have_count(TRAINEES)
    check_axe(page)
    assert not problems, problems

    # The pending invitations on the administration page carry the names from the file.
    main.get_by_role("link", name="Zurück zur Administration").click()
    expect(heading(page)).to_have_text(COMPANY)
    expect(
        page.get_by_text(f"Azubi7 Probe-{run} · azubi7-{run}@beispiel.example", exact=True)
    ).to_be_visible()
