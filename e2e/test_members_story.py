"""Manual ch. 4-6 in several browsers: Anna Admin of the demo's "Beispiel GmbH" invites people,
handles join and role requests and assigns application roles; the new members see their roles.

Ch. 4: "Benutzer hinzufügen" for a registered user and for an address without an account (who
registers from the join link); "Beitrittsanfragen" → "Mir zuweisen" → "Anfrageinformationen" →
"Freigeben" with the preselected role. Ch. 5 and 6: "Unternehmen beitreten", approved without a
role; "Rolle beantragen", approved; one more role under "Unternehmensmitglieder" → "+" →
"Speichern". "Mir zuweisen" and "+"/"Speichern" are done with the keyboard alone. Every page
passes axe. The demo company is shared by all tests of the session: the tests find their own
people by unique name and address, never by counts.
"""

from __future__ import annotations

import re
import secrets
import string

import pytest
from playwright.sync_api import Locator, Page, expect

from e2e.helpers import (
    check_axe,
    follow_mail_link,
    open_latest_mail,
    tab_to,
    unique_email,
)
from e2e.steps import (
    DE,
    PASSWORD,
    confirm_address,
    expect_message,
    fill_login,
    fill_registration,
    log_in,
    register,
)

pytestmark = pytest.mark.e2e

DEMO_PASSWORD = "Demo-Zugang-2026"
ADMIN = "anna.admin@beispiel-gmbh.example"
ADMIN_NAME = "Anna Admin"
COMPANY = "Beispiel GmbH"  # chamber 101, member number 1010001 (demo_directory.py)
APPLICATION = "Serviceportal Bildung"
INVITATION_SUBJECT = f"Einladung zu {COMPANY}"
# Tabbing through a whole page of requests or members: the demo's queue grows during a session.
MAX_TABS = 150


def unique_person(first_name: str) -> tuple[str, str]:
    """A last name nobody else in the shared database has: (last name, full name)."""
    # secrets, not random: pytest-randomly gives `random` the same seed before every test.
    letters = "".join(secrets.choice(string.ascii_lowercase) for _ in range(8))
    last_name = f"Probe-{letters.capitalize()}"
    return last_name, f"{first_name} {last_name}"


def heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def log_in_demo(page: Page, email: str, name: str) -> None:
    page.goto("/")
    fill_login(page, DE, email, DEMO_PASSWORD)
    expect(heading(page)).to_have_text(f"Willkommen, {name}")


def new_member(new_page, first_name: str) -> tuple[Page, str, str]:
    """A freshly registered, confirmed and logged-in user in a browser of their own."""
    page: Page = new_page()
    email = unique_email("mitglied")
    last_name, full_name = unique_person(first_name)
    page.goto("/")
    register(page, DE, email, first_name=first_name, last_name=last_name)
    confirm_address(page, DE, email)
    log_in(page, DE, email, PASSWORD, full_name)
    return page, email, full_name


def to_start_page(page: Page) -> None:
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Startseite"
    ).click()
    expect(heading(page)).to_contain_text("Willkommen")


def open_administration(page: Page) -> None:
    to_start_page(page)
    page.get_by_role("main").get_by_role("link", name=f"Administration ({COMPANY})").click()
    expect(heading(page)).to_have_text(COMPANY)
    expect(page.get_by_role("heading", name="Unternehmensmitglieder")).to_be_visible()
    check_axe(page)


def invite(page: Page, email: str, role: str) -> None:
    """ "Benutzer hinzufügen": a role, the address, "Weiter"."""
    page.get_by_role("main").get_by_role("link", name="Benutzer hinzufügen").click()
    expect(heading(page)).to_have_text("Benutzer hinzufügen")
    check_axe(page)
    main = page.get_by_role("main")
    main.get_by_role("checkbox", name=f"{APPLICATION}: {role}", exact=True).check()
    main.get_by_label("E-Mail-Adresse", exact=True).fill(email)
    main.get_by_role("button", name="Weiter").click()
    expect(heading(page)).to_have_text(COMPANY)
    expect_message(page, f"Der Beitrittslink wurde an {email} gesendet.")
    pending = page.get_by_role("region", name="Offene Einladungen").get_by_role("listitem")
    expect(pending.filter(has_text=email)).to_contain_text(f"{APPLICATION}: {role}")
    check_axe(page)


def open_requests(page: Page) -> None:
    """Start page → "Beitrittsanfragen" → "Offene Anfragen"."""
    to_start_page(page)
    section = page.get_by_role("region", name="Beitrittsanfragen")
    expect(section).to_be_visible()
    expect(page.get_by_role("region", name="Meine Unternehmen")).to_contain_text(COMPANY)
    check_axe(page)
    section.get_by_role("link", name=re.compile(r"^Offene Anfragen \(\d+\)$")).click()
    expect(heading(page)).to_have_text("Offene Anfragen")
    check_axe(page)


def request_card(page: Page, name: str) -> Locator:
    return page.get_by_role("main").get_by_role("listitem").filter(has_text=name)


def assign_with_keyboard(page: Page, name: str) -> None:
    """ "Mir zuweisen" for `name`'s request, with Tab and Enter only: on to its details."""
    button = request_card(page, name).get_by_role("button", name=f"Mir zuweisen ({name})")
    tab_to(page, button, max_presses=MAX_TABS)
    page.keyboard.press("Enter")
    expect(heading(page)).to_have_text("Anfrageinformationen")
    expect_message(page, "Die Anfrage steht jetzt unter „Meine Anfragen“.")


def approve(page: Page, name: str) -> None:
    """ "Freigeben" on the open "Anfrageinformationen": on to "Meine Anfragen"."""
    page.get_by_role("main").get_by_role("button", name="Freigeben", exact=True).click()
    expect(heading(page)).to_have_text("Meine Anfragen")
    expect_message(page, f"Genehmigt: {name} wurde benachrichtigt.")
    expect(request_card(page, name)).to_have_count(0)
    check_axe(page)


def role_choice(scope: Page | Locator, role: str, answer: str) -> Locator:
    """The Ja/Nein radio of one role of the application, in the form within `scope`."""
    return (
        scope.get_by_role("group", name=APPLICATION)
        .get_by_role("radiogroup", name=role, exact=True)
        .get_by_role("radio", name=answer, exact=True)
    )


def expect_company_roles(page: Page, roles: str | None) -> None:
    """The start page shows the company under "Meine Unternehmen", with these roles."""
    page.reload()
    expect(heading(page)).to_contain_text("Willkommen")
    card = (
        page.get_by_role("region", name="Meine Unternehmen")
        .get_by_role("listitem")
        .filter(has=page.get_by_role("heading", name=COMPANY, exact=True))
    )
    expect(card).to_have_count(1)
    if roles is None:
        expect(card).to_contain_text("Sie haben in diesem Unternehmen noch keine Rolle")
    else:
        expect(card.get_by_role("listitem").filter(has_text=APPLICATION)).to_have_text(
            f"{APPLICATION}: {roles}"
        )
    check_axe(page)


def test_invite_a_user_and_a_newcomer(new_page) -> None:
    """Ch. 4: two invitations, two join links, two approvals with the intended role."""
    admin: Page = new_page()
    log_in_demo(admin, ADMIN, ADMIN_NAME)
    member, member_email, member_name = new_member(new_page, "Ines")
    newcomer_email = unique_email("eingeladen")
    newcomer_last_name, newcomer_name = unique_person("Nora")

    # --- Anna invites both: "Administration" → "Benutzer hinzufügen" → "Weiter" ---------------
    open_administration(admin)
    invite(admin, member_email, "Ausbilder")
    invite(admin, newcomer_email, "Ausbilder")

    # --- (a) the registered user follows the join link while logged in -------------------------
    (link,) = open_latest_mail(
        member, to=member_email, subject_contains=INVITATION_SUBJECT, link_contains="/einladung/"
    )
    follow_mail_link(member, link)
    expect(heading(member)).to_have_text(f"Einladung zu {COMPANY}")
    expect(member.get_by_role("main")).to_contain_text(f"{APPLICATION}: Ausbilder")
    check_axe(member)
    member.get_by_role("main").get_by_role("button", name="Beitrittsanfrage senden").click()
    expect(heading(member)).to_have_text(f"Willkommen, {member_name}")
    expect_message(
        member,
        f"Ihre Beitrittsanfrage wurde an die Unternehmensadministratoren von {COMPANY} gesendet.",
    )
    expect(member.get_by_role("region", name="Ihre Anfragen")).to_contain_text(
        "Beitrittsanfrage: wartet auf die Unternehmensadministratoren."
    )
    check_axe(member)

    # --- (b) the person without an account registers from the join link ------------------------
    newcomer: Page = new_page()
    (link,) = open_latest_mail(
        newcomer,
        to=newcomer_email,
        subject_contains=INVITATION_SUBJECT,
        link_contains="/einladung/",
    )
    follow_mail_link(newcomer, link)
    expect(heading(newcomer)).to_have_text(f"Einladung zu {COMPANY}")
    check_axe(newcomer)
    newcomer.get_by_role("main").get_by_role("link", name="Jetzt registrieren").click()
    expect(newcomer.get_by_role("main").get_by_label("E-Mail-Adresse", exact=True)).to_have_value(
        newcomer_email
    )
    fill_registration(newcomer, DE, newcomer_email, first_name="Nora", last_name=newcomer_last_name)
    confirm_address(newcomer, DE, newcomer_email)
    fill_login(newcomer, DE, newcomer_email, PASSWORD)
    to_start_page(newcomer)
    expect(newcomer.get_by_role("region", name="Ihre Anfragen")).to_contain_text(
        "Beitrittsanfrage: wartet auf die Unternehmensadministratoren."
    )
    check_axe(newcomer)

    # --- Anna: "Beitrittsanfragen" → "Offene Anfragen" → "Mir zuweisen" → "Freigeben" ----------
    open_requests(admin)
    expect(request_card(admin, member_name)).to_contain_text("Beitrittsanfrage")
    assign_with_keyboard(admin, member_name)
    check_axe(admin)
    main = admin.get_by_role("main")
    expect(main).to_contain_text(member_email)
    expect(main).to_contain_text("nach einer Einladung")
    expect(role_choice(admin, "Ausbilder", "Ja")).to_be_checked()  # as intended in the invitation
    expect(role_choice(admin, "Auszubildender", "Nein")).to_be_checked()
    approve(admin, member_name)

    # The newcomer's request: "Mir zuweisen", then from "Meine Anfragen" its information.
    admin.get_by_role("navigation", name="Beitrittsanfragen").get_by_role(
        "link", name=re.compile(r"^Offene Anfragen")
    ).click()
    expect(heading(admin)).to_have_text("Offene Anfragen")
    request_card(admin, newcomer_name).get_by_role(
        "button", name=f"Mir zuweisen ({newcomer_name})"
    ).click()
    expect(heading(admin)).to_have_text("Anfrageinformationen")
    # Its "Beitrittsanfragen" link leads back to the queue it is in now: "Meine Anfragen".
    admin.get_by_role("main").get_by_role("link", name="Beitrittsanfragen", exact=True).click()
    expect(heading(admin)).to_have_text("Meine Anfragen")
    check_axe(admin)
    request_card(admin, newcomer_name).get_by_role(
        "link", name=f"Anfrageinformationen ({newcomer_name})"
    ).click()
    expect(heading(admin)).to_have_text("Anfrageinformationen")
    expect(admin.get_by_role("main")).to_contain_text(newcomer_email)
    expect(role_choice(admin, "Ausbilder", "Ja")).to_be_checked()
    approve(admin, newcomer_name)

    # --- both see the company and the role on their start page ---------------------------------
    expect_company_roles(member, "Ausbilder")
    expect_company_roles(newcomer, "Ausbilder")


def test_join_request_role_request_and_roles(new_page) -> None:
    """Ch. 5 and 6: "Unternehmen beitreten", "Rolle beantragen", roles under
    "Unternehmensmitglieder"."""
    admin: Page = new_page()
    log_in_demo(admin, ADMIN, ADMIN_NAME)
    member, member_email, member_name = new_member(new_page, "Jonas")

    # --- the user asks to join: the tile "Unternehmen beitreten" -------------------------------
    member.get_by_role("region", name="Funktionen").get_by_role(
        "link", name="Unternehmen beitreten"
    ).click()
    expect(heading(member)).to_have_text("Unternehmen beitreten")
    check_axe(member)
    form = member.get_by_role("main")
    form.get_by_label("Kammernummer").fill("101")
    form.get_by_label("Mitgliedsnummer (Identnummer)").fill("1010001")
    form.get_by_label("Unternehmensname").fill(COMPANY)
    form.get_by_label("Nachricht an die Unternehmensadministratoren").fill(
        "Ich arbeite seit Mai in der Ausbildungsabteilung."
    )
    form.get_by_role("button", name="Weiter").click()
    expect(heading(member)).to_have_text(f"Willkommen, {member_name}")
    expect_message(
        member, f"Ihre Beitrittsanfrage wurde an die Unternehmensadministratoren von {COMPANY}"
    )
    check_axe(member)

    # --- Anna approves without a role -----------------------------------------------------------
    open_requests(admin)
    assign_with_keyboard(admin, member_name)
    check_axe(admin)
    expect(admin.get_by_role("main")).to_contain_text("Ich arbeite seit Mai")
    for role in ("Ausbildungsadministrator", "Ausbildungsbeauftragter", "Ausbilder"):
        expect(role_choice(admin, role, "Nein")).to_be_checked()
    expect(
        admin.get_by_role("radiogroup", name="Unternehmensadministrator").get_by_role(
            "radio", name="Nein"
        )
    ).to_be_checked()
    approve(admin, member_name)
    expect_company_roles(member, None)

    # --- the member asks for a role: "Rolle beantragen" -----------------------------------------
    member.get_by_role("region", name="Meine Unternehmen").get_by_role(
        "link", name=f"Rolle beantragen ({COMPANY})"
    ).click()
    expect(heading(member)).to_have_text("Rolle beantragen")
    check_axe(member)
    form = member.get_by_role("main")
    form.get_by_label("Fachanwendung und Rolle").select_option(
        label=f"{APPLICATION}: Auszubildender"
    )
    form.get_by_label("Kommentar").fill("Ich beginne im August meine Ausbildung.")
    form.get_by_role("button", name="Rolle beantragen").click()
    expect(heading(member)).to_have_text(f"Willkommen, {member_name}")
    expect_message(member, "Ihre Rollenanfrage wurde an die Unternehmensadministratoren gesendet.")
    expect(member.get_by_role("region", name="Ihre Anfragen")).to_contain_text(
        f"Rollenanfrage ({APPLICATION}: Auszubildender)"
    )
    check_axe(member)

    # --- Anna approves the role -----------------------------------------------------------------
    open_requests(admin)
    expect(request_card(admin, member_name)).to_contain_text(f"{APPLICATION}: Auszubildender")
    assign_with_keyboard(admin, member_name)
    check_axe(admin)
    main = admin.get_by_role("main")
    expect(main).to_contain_text("Ich beginne im August meine Ausbildung.")
    expect(main.get_by_role("definition").filter(has_text=APPLICATION)).to_have_text(
        f"{APPLICATION}: Auszubildender"
    )
    expect(role_choice(admin, "Auszubildender", "Ja")).to_be_checked()
    approve(admin, member_name)
    expect_company_roles(member, "Auszubildender")

    # --- Anna adds a role: "Unternehmensmitglieder" → search → "+" → "Ja" → "Speichern" --------
    open_administration(admin)
    search = admin.get_by_role("search", name="Mitglieder suchen")
    search.get_by_label("Name oder E-Mail-Adresse").fill(member_email)
    search.get_by_role("button", name="Suchen").click()
    members = admin.get_by_role("region", name="Unternehmensmitglieder")
    row = members.get_by_role("listitem").filter(has_text=member_email)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(f"{APPLICATION}: Auszubildender")
    expect(members.get_by_text("1 Mitglied", exact=True)).to_be_visible()
    check_axe(admin)

    # With the keyboard only: Tab to "+", Enter opens it (the list again, with this member's
    # questions, the search kept); Tab into the "Ausbilder" question, an arrow key moves its
    # choice to "Ja"; Tab to "Speichern", Enter.
    plus = row.get_by_role("link", name=f"Rollen und Rechte von {member_name}")
    expect(plus).to_have_text(f"+ Rollen und Rechte von {member_name}")
    expect(plus).to_have_attribute("aria-expanded", "false")
    expect(row.get_by_role("button", name="Speichern")).to_have_count(0)
    tab_to(admin, plus, max_presses=MAX_TABS)
    admin.keyboard.press("Enter")
    row = (
        admin.get_by_role("region", name="Unternehmensmitglieder")
        .get_by_role("listitem")
        .filter(has_text=member_email)
    )
    minus = row.get_by_role("link", name=f"Rollen und Rechte von {member_name}")
    expect(minus).to_have_text(f"− Rollen und Rechte von {member_name}")
    expect(minus).to_have_attribute("aria-expanded", "true")
    expect(admin.get_by_label("Name oder E-Mail-Adresse")).to_have_value(member_email)
    check_axe(admin)
    no = role_choice(row, "Ausbilder", "Nein")
    yes = role_choice(row, "Ausbilder", "Ja")
    tab_to(admin, no)
    admin.keyboard.press("ArrowLeft")
    expect(yes).to_be_focused()
    expect(yes).to_be_checked()
    expect(role_choice(row, "Auszubildender", "Ja")).to_be_checked()
    save = row.get_by_role("button", name="Speichern")
    tab_to(admin, save)
    admin.keyboard.press("Enter")
    expect_message(admin, f"Gespeichert: Rollen und Rechte von {member_name}.")
    row = (
        admin.get_by_role("region", name="Unternehmensmitglieder")
        .get_by_role("listitem")
        .filter(has_text=member_email)
    )
    expect(row).to_contain_text(f"{APPLICATION}: Ausbilder; {APPLICATION}: Auszubildender")
    check_axe(admin)

    expect_company_roles(member, "Ausbilder, Auszubildender")
