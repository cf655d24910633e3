"""Dienstkonten (issue 14): Sabine creates a service account for her chamber's registry in the
chamber area, copies its secret (shown once), the registry gets a token and reads the queue
through the REST API, and Sabine deactivates the account again. Every page passes axe."""

from __future__ import annotations

import base64
import json
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from e2e.factors import log_in_with_factor
from e2e.helpers import check_axe, tab_to
from e2e.steps import DE, expect_message

pytestmark = pytest.mark.e2e

DEMO_PASSWORD = "Demo-Zugang-2026"
STAFF = "sabine.sachbearbeitung@ihk-musterstadt.example"


def token(app, client_id: str, secret: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{app.url}/api/v1/token",
        data=urllib.parse.urlencode({"grant_type": "client_credentials"}).encode(),
        headers={
            "Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode(),
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_sabine_gives_the_registry_an_account_and_takes_it_back(app, page: Page) -> None:
    page.goto("/")
    log_in_with_factor(page, DE, STAFF, DEMO_PASSWORD)
    page.goto("/kammer/")
    page.get_by_role("navigation", name="Kammerbereich").get_by_role(
        "link", name="Dienstkonten"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dienstkonten")
    check_axe(page)

    # With the keyboard: the name, one permission, "Dienstkonto anlegen".
    main = page.get_by_role("main")
    name = main.get_by_label("Name", exact=True)
    tab_to(page, name)
    page.keyboard.type("Registersync")
    queue = main.get_by_label(re.compile(r"Registrierungsanträge lesen"))
    tab_to(page, queue)
    page.keyboard.press("Space")
    expect(queue).to_be_checked()
    create = main.get_by_role("button", name="Dienstkonto anlegen")
    tab_to(page, create)
    page.keyboard.press("Enter")

    shown = main.get_by_role("status").filter(has_text="Zugangsdaten von „Registersync“")
    expect(shown).to_be_visible()
    expect(shown).to_contain_text("nur dieses eine Mal")
    codes = shown.locator("code").all_inner_texts()
    client_id, secret = codes[0], codes[1]
    assert client_id.startswith("svc-")
    check_axe(page)

    # The registry's side: a token, then the queue of IHK Musterstadt.
    status, body = token(app, client_id, secret)
    assert status == 200 and body["scope"] == "registrations:read"
    request = urllib.request.Request(
        f"{app.url}/api/v1/chamber/registrations?state=in_review",
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        queue_items = json.loads(answer.read())["items"]
    assert {item["company"]["chamber_number"] for item in queue_items} <= {"101"}

    # The secret is not shown again; "Deaktivieren" ends the account.
    page.goto("/kammer/dienstkonten/")
    expect(main).not_to_contain_text(secret)
    main.get_by_role("button", name="Deaktivieren (Registersync)").click()
    expect_message(page, "Das Dienstkonto „Registersync“ ist deaktiviert")
    check_axe(page)
    assert token(app, client_id, secret)[0] == 401
