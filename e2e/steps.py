"""The steps of the account story, in German and English, shared by the browser tests.

Labels are the visible ones a user reads: the project's catalogue
(src/meinekammer/locale/de/LC_MESSAGES/django.po), and for allauth's own fields and messages the
project's overrides (src/meinekammer/overrides/locale/) or else allauth's catalogue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import Page, expect

from e2e.helpers import check_axe, follow_mail_link, open_latest_mail


@dataclass(frozen=True)
class Texts:
    """The words of the UI in one language, as the templates and catalogues have them."""

    lang: str
    register_now: str
    register_heading: str
    salutation: str
    ms: str
    first_name: str
    last_name: str
    email: str
    password: str
    repeat_password: str
    continue_registration: str
    consent_step: str
    back: str
    accept_privacy: str
    submit_registration: str
    verification_sent: str
    confirmation_subject: str
    confirm_heading: str
    confirm: str
    log_in: str
    login_email: str
    welcome: str
    start_page: str
    my_account: str
    change_data: str
    save: str
    data_saved: str
    lock_account: str
    lock_confirmation: str
    account_locked: str
    locked_explanation: str
    locked_subject: str


DE = Texts(
    lang="de",
    register_now="Jetzt registrieren",
    register_heading="Jetzt registrieren",
    salutation="Anrede",
    ms="Frau",
    first_name="Vorname",
    last_name="Nachname",
    email="E-Mail-Adresse",
    password="Passwort",
    repeat_password="Passwort wiederholen",
    continue_registration="weiter",
    consent_step="Schritt 2 von 2: Informationspflichten",
    back="zurück",
    accept_privacy="Ich habe die Informationspflichten gelesen und akzeptiere sie.",
    submit_registration="Registrierung abschicken",
    verification_sent="Bestätigen Sie Ihre E-Mail-Adresse",
    # allauth's subject ("Please Confirm Your Email Address"), whatever its German wording.
    confirmation_subject="E-Mail-Adresse",
    confirm_heading="E-Mail-Adresse bestätigen",
    confirm="Bestätigen",
    log_in="Anmelden",
    login_email="E-Mail-Adresse",
    welcome="Willkommen, {name}",
    start_page="Startseite",
    my_account="Mein Konto",
    change_data="Daten ändern",
    save="Speichern",
    data_saved="Ihre persönlichen Daten wurden gespeichert.",
    lock_account="Konto sperren",
    lock_confirmation=(
        "Ich möchte mein Konto sperren. Mir ist bekannt, dass ich es nur mit einem Link "
        "entsperren kann, der an meine E-Mail-Adresse gesendet wird."
    ),
    account_locked="Konto gesperrt",
    locked_explanation="Dieses Konto ist gesperrt.",
    locked_subject="Ihr Konto wurde gesperrt",
)

EN = Texts(
    lang="en",
    register_now="Register now",
    register_heading="Register now",
    salutation="Salutation",
    ms="Ms",
    first_name="First name",
    last_name="Last name",
    email="E-mail address",
    password="Password",
    repeat_password="Repeat password",
    continue_registration="Continue",
    consent_step="Step 2 of 2: privacy information",
    back="Back",
    accept_privacy="I have read the privacy information and accept it.",
    submit_registration="Submit registration",
    verification_sent="Confirm your e-mail address",
    confirmation_subject="Confirm Your Email Address",
    confirm_heading="Confirm e-mail address",
    confirm="Confirm",
    log_in="Log in",
    login_email="E-mail address",
    welcome="Welcome, {name}",
    start_page="Start page",
    my_account="My account",
    change_data="Change data",
    save="Save",
    data_saved="Your personal data has been saved.",
    lock_account="Lock account",
    lock_confirmation=(
        "I want to lock my account. I know that I can only unlock it with a link sent to my "
        "e-mail address."
    ),
    account_locked="Account locked",
    locked_explanation="This account is locked.",
    locked_subject="Your account has been locked",
)

FIRST_NAME = "Erika"
LAST_NAME = "Mustermann"
NEW_LAST_NAME = "Beispiel-Mustermann"
PASSWORD = "Sonnige Wiesen im Mai 2026"
NEW_PASSWORD = "Herbstlaub raschelt leise 77"
UNLOCK_PASSWORD = "Winterabend am Kamin 1989!"
# "The email address and/or password you specified are not correct.", in the project's formal
# German (src/meinekammer/overrides/locale replaces allauth's informal catalogue).
WRONG_CREDENTIALS = "Die E-Mail-Adresse und/oder das Passwort sind nicht korrekt."


def expect_message(page: Page, text: str) -> None:
    """A success or info message, announced politely (role=status)."""
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def expect_page(page: Page, t: Texts, title: str | re.Pattern[str]) -> None:
    """The page has this main heading, is in the expected language and passes axe."""
    expect(heading(page)).to_have_text(title)
    expect(page.locator("html")).to_have_attribute("lang", t.lang)
    check_axe(page)


def register(
    page: Page,
    t: Texts,
    email: str,
    *,
    first_name: str = FIRST_NAME,
    last_name: str = LAST_NAME,
) -> None:
    """From the landing page through the registration form to "confirmation sent"."""
    page.get_by_role("main").get_by_role("link", name=t.register_now, exact=True).click()
    fill_registration(page, t, email, first_name=first_name, last_name=last_name)


def fill_registration(
    page: Page,
    t: Texts,
    email: str,
    *,
    first_name: str = FIRST_NAME,
    last_name: str = LAST_NAME,
) -> None:
    """ "Jetzt registrieren" in its two steps (manual ch. 2), filled in and sent: step 1 the
    personal data and "weiter", step 2 the "Informationspflichten", the tick and
    "Registrierung abschicken"; then "confirmation sent"."""
    fill_registration_step_one(page, t, email, first_name=first_name, last_name=last_name)
    accept_and_submit_registration(page, t)


def fill_registration_step_one(
    page: Page,
    t: Texts,
    email: str,
    *,
    first_name: str = FIRST_NAME,
    last_name: str = LAST_NAME,
) -> None:
    """Step 1: the personal data and the password, then "weiter" to the second step."""
    expect_page(page, t, t.register_heading)
    form = page.get_by_role("main")
    form.get_by_role("radiogroup", name=t.salutation).get_by_role("radio", name=t.ms).check()
    form.get_by_label(t.first_name, exact=True).fill(first_name)
    form.get_by_label(t.last_name, exact=True).fill(last_name)
    form.get_by_label(t.email, exact=True).fill(email)
    form.get_by_label(t.password, exact=True).fill(PASSWORD)
    form.get_by_label(t.repeat_password, exact=True).fill(PASSWORD)
    form.get_by_role("button", name=t.continue_registration, exact=True).click()
    expect_page(page, t, t.register_heading)
    expect(page.get_by_role("main")).to_contain_text(t.consent_step)


def accept_and_submit_registration(page: Page, t: Texts) -> None:
    """Step 2: the tick for the "Informationspflichten" and "Registrierung abschicken"."""
    form = page.get_by_role("main")
    form.get_by_role("checkbox", name=t.accept_privacy).check()
    form.get_by_role("button", name=t.submit_registration).click()
    expect_page(page, t, t.verification_sent)


def confirm_address(page: Page, t: Texts, email: str) -> None:
    """Open the confirmation mail in the mailbox, follow its link and press "Bestätigen"."""
    (link,) = open_latest_mail(
        page, to=email, subject_contains=t.confirmation_subject, link_contains="/confirm-email/"
    )
    follow_mail_link(page, link)
    expect_page(page, t, t.confirm_heading)
    expect(page.get_by_role("main")).to_contain_text(email)
    page.get_by_role("main").get_by_role("button", name=t.confirm).click()
    # Confirmed, not logged in (ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION is off): the login page.
    expect_page(page, t, t.log_in)


def fill_login(page: Page, t: Texts, email: str, password: str) -> None:
    if not re.search(r"/accounts/login/", page.url):
        page.get_by_role("navigation").get_by_role("link", name=t.log_in, exact=True).click()
    expect_page(page, t, t.log_in)
    main = page.get_by_role("main")
    main.get_by_label(t.login_email, exact=True).fill(email)
    main.get_by_label(t.password, exact=True).fill(password)
    main.get_by_role("button", name=t.log_in, exact=True).click()


def log_in(page: Page, t: Texts, email: str, password: str, name: str) -> None:
    fill_login(page, t, email, password)
    expect_page(page, t, t.welcome.format(name=name))
    expect(
        page.get_by_role("navigation").get_by_role("link", name=t.start_page, exact=True)
    ).to_have_attribute("aria-current", "page")


def change_last_name(page: Page, t: Texts) -> None:
    """ "Daten ändern": a new last name, saved and shown on "Mein Konto"."""
    page.get_by_role("main").get_by_role("link", name=t.change_data).click()
    expect_page(page, t, t.change_data)
    main = page.get_by_role("main")
    expect(main.get_by_role("radio", name=t.ms)).to_be_checked()
    expect(main.get_by_label(t.first_name, exact=True)).to_have_value(FIRST_NAME)
    expect(main.get_by_label(t.last_name, exact=True)).to_have_value(LAST_NAME)
    main.get_by_label(t.last_name, exact=True).fill(NEW_LAST_NAME)
    main.get_by_role("button", name=t.save, exact=True).click()
    expect_page(page, t, t.my_account)
    expect_message(page, t.data_saved)
    expect(page.get_by_role("definition").filter(has_text=NEW_LAST_NAME)).to_have_text(
        f"{FIRST_NAME} {NEW_LAST_NAME}"
    )


def lock(page: Page, t: Texts) -> None:
    """ "Konto sperren": tick the confirmation and submit; the locked page follows."""
    page.get_by_role("main").get_by_role("link", name=t.lock_account).click()
    expect_page(page, t, t.lock_account)
    main = page.get_by_role("main")
    main.get_by_role("checkbox", name=t.lock_confirmation).check()
    main.get_by_role("button", name=t.lock_account, exact=True).click()
    expect_page(page, t, t.account_locked)
    expect(page.get_by_role("main")).to_contain_text(t.locked_explanation)
    # Locking logs out: the header offers "Anmelden" again.
    expect(
        page.get_by_role("navigation").get_by_role("link", name=t.log_in, exact=True)
    ).to_be_visible()


def login_is_refused_as_locked(page: Page, t: Texts, email: str, password: str) -> None:
    fill_login(page, t, email, password)
    expect_page(page, t, t.account_locked)
    expect(page.get_by_role("main")).to_contain_text(t.locked_explanation)
    expect(
        page.get_by_role("navigation").get_by_role("link", name=t.log_in, exact=True)
    ).to_be_visible()
