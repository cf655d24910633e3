"""Findings from walking the chamber area with the manual (issue 16): the review's differences
name the fields, counts have plural forms, one unprinted letter per company, and the letter
greets the person it is addressed to."""

import io

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from meinekammer.accounts.models import Salutation
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.chambers.directory import find_candidates
from meinekammer.companies.models import (
    ActivationLetter,
    CompanyState,
    LetterState,
    NewPasswordRequest,
)
from meinekammer.companies.services.password_requests import (
    approve_password_request,
    request_new_company_password,
)
from meinekammer.core.actor import Actor
from meinekammer.core.errors import Conflict
from tests.companies.factories import CompanyFactory, MembershipFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

FIELD_NAMES = ("name", "street", "postal_code", "city", "member_number", "register_number")


# --- 1. Differences name the fields -------------------------------------------------------


@pytest.fixture
def differing_registration(chamber, entry, applicant):
    return RegistrationFactory(
        company__chamber=chamber,
        company__name="Beispiel AG",
        company__street="Musterstraße 3",
        company__postal_code="12345",
        company__city="Neustadt",
        company__member_number="1010009",
        company__register_court="Amtsgericht Musterstadt",
        company__register_number="HRB 1001",
        applicant=applicant,
    )


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("de", ["Name", "Straße und Hausnummer", "Ort", "Mitgliedsnummer"]),
        ("en", ["Name", "Street and number", "City", "Member number"]),
    ],
)
def test_the_review_shows_the_labels_of_the_fields_that_differ(
    client, staff, differing_registration, language, labels
):
    staff.language = language
    staff.save(update_fields=["language"])
    client.force_login(staff)
    page = client.get(
        reverse("chambers:registration", args=[differing_registration.pk]),
        HTTP_ACCEPT_LANGUAGE=language,
    ).content.decode()
    marked = [piece.split("</mark>")[0] for piece in page.split("<mark>")[1:]]
    assert marked == labels
    assert not set(marked) & set(FIELD_NAMES)


def test_the_labels_come_with_the_values_and_are_translated_in_the_domain(entry):
    [candidate] = find_candidates(
        entry.chamber, name="Beispiel GmbH", postal_code="12345", register_number="HRB 1002"
    )
    with translation.override("de"):
        assert candidate.labelled_differences == [("Registernummer", "HRB 1002", "HRB 1001")]
    with translation.override("en"):
        assert candidate.labelled_differences == [("Register number", "HRB 1002", "HRB 1001")]


# --- 3. Counts in the singular -----------------------------------------------------------


@pytest.fixture
def printed_letters(chamber):
    letters = []
    for number in range(2):
        registration = RegistrationFactory(
            company__chamber=chamber,
            company__state=CompanyState.AWAITING_ACTIVATION,
            company__member_number=f"101000{number + 2}",
            state="approved",
        )
        letters.append(
            ActivationLetter.objects.create(
                company=registration.company,
                reason="registration",
                recipient_name=registration.applicant.get_full_name(),
                state=LetterState.PRINTED,
            )
        )
    return letters


@pytest.mark.parametrize(
    ("language", "count", "message"),
    [
        ("de", 1, "1 Brief ist als versendet markiert"),
        ("de", 2, "2 Briefe sind als versendet markiert"),
        ("en", 1, "1 letter is marked as sent; the recipient has been told."),
        ("en", 2, "2 letters are marked as sent; the recipients have been told."),
    ],
)
def test_marking_letters_sent_says_how_many_in_the_right_form(
    client, staff, printed_letters, language, count, message
):
    staff.language = language
    staff.save(update_fields=["language"])
    client.force_login(staff)
    response = client.post(
        reverse("chambers:letters_sent"),
        {"letter": [letter.pk for letter in printed_letters[:count]]},
        HTTP_ACCEPT_LANGUAGE=language,
        follow=True,
    )
    assert message in response.content.decode()


# --- 3. After "PDF herunterladen" the page shows the new state ----------------------------


@pytest.fixture
def queued_letter(chamber, applicant):
    registration = RegistrationFactory(
        company__chamber=chamber,
        company__state=CompanyState.AWAITING_ACTIVATION,
        company__member_number="1010001",
        company__name="Beispiel GmbH",
        applicant=applicant,
        state="approved",
    )
    return ActivationLetter.objects.create(
        company=registration.company, reason="registration", recipient_name="Anna Admin"
    )


def test_printing_answers_with_the_pdf_and_the_page_then_shows_the_letter_printed(
    client, staff, queued_letter
):
    """The passwords exist in clear only in the PDF response (DESIGN.md): nothing keeps the PDF
    for later. The page's script saves it and loads the page again; without it the page says to
    reload, and the reloaded page is never a cached copy."""
    client.force_login(staff)
    page = client.get(reverse("chambers:letters"))
    html = page.content.decode()
    assert "letters-download.js" in html and "data-pdf-download" in html
    assert "<noscript>" in html and "Laden Sie diese Seite nach dem Herunterladen neu" in html
    pdf = client.post(reverse("chambers:letters_pdf"), {"letter": [queued_letter.pk]})
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("attachment;")
    assert pdf["Cache-Control"] == "no-store"
    assert "Beispiel GmbH" in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    queued_letter.refresh_from_db()
    assert queued_letter.state == LetterState.PRINTED
    page = client.get(reverse("chambers:letters"))
    assert page["Cache-Control"] == "no-store"
    html = page.content.decode()
    assert f'id="queued-{queued_letter.pk}"' not in html
    assert f'id="printed-{queued_letter.pk}"' in html


# --- 4. One unprinted letter per company -------------------------------------------------


@pytest.fixture
def active_company(chamber):
    company = CompanyFactory(chamber=chamber, member_number="1010001")
    admin = MembershipFactory(
        company=company,
        is_admin=True,
        user__salutation=Salutation.MR,
        user__first_name="Max",
        user__last_name="Muster",
    ).user
    return admin, company


def request_and_approve(admin, company, staff):
    password_request = request_new_company_password(Actor.of(admin), company_id=company.pk)
    approve_password_request(Actor.of(staff), password_request_id=password_request.pk)
    return password_request


def test_a_second_request_while_a_letter_waits_to_be_printed_is_refused(active_company, staff):
    admin, company = active_company
    request_and_approve(admin, company, staff)
    with pytest.raises(Conflict, match="wartet bereits auf den Druck"):
        request_new_company_password(Actor.of(admin), company_id=company.pk)
    assert NewPasswordRequest.objects.filter(company=company).count() == 1
    assert ActivationLetter.objects.filter(company=company, state=LetterState.QUEUED).count() == 1


def test_the_page_refuses_the_second_request_clearly(client, active_company, staff):
    admin, company = active_company
    request_and_approve(admin, company, staff)
    client.force_login(admin)
    response = client.post(
        reverse("companies:request_password", args=[company.pk]), {"reason": ""}, follow=True
    )
    assert "wartet bereits auf den Druck" in response.content.decode()
    assert NewPasswordRequest.objects.filter(company=company).count() == 1


def test_once_printed_a_new_request_is_possible_again(client, active_company, staff):
    admin, company = active_company
    request_and_approve(admin, company, staff)
    letter = ActivationLetter.objects.get(company=company)
    client.force_login(staff)
    client.post(reverse("chambers:letters_pdf"), {"letter": [letter.pk]})
    request_and_approve(admin, company, staff)
    assert ActivationLetter.objects.filter(company=company, state=LetterState.QUEUED).count() == 1


def test_an_approval_replaces_a_letter_still_waiting(active_company, staff):
    """Should a second request be open beside a queued letter (made before this rule), its
    approval replaces the queued letter instead of adding one."""
    admin, company = active_company
    request_and_approve(admin, company, staff)
    older = ActivationLetter.objects.get(company=company)
    second = NewPasswordRequest.objects.create(company=company, requested_by=admin)
    approve_password_request(Actor.of(staff), password_request_id=second.pk)
    older.refresh_from_db()
    assert older.state == LetterState.VOID
    [waiting] = ActivationLetter.objects.filter(company=company, state=LetterState.QUEUED)
    assert waiting.pk != older.pk
    assert AuditEvent.objects.filter(action=AuditAction.LETTER_VOIDED).count() == 1


# --- 5. The letter greets the person it is addressed to ----------------------------------


def pdf_text(client, *letters) -> str:
    response = client.post(
        reverse("chambers:letters_pdf"), {"letter": [letter.pk for letter in letters]}
    )
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.mark.parametrize(
    ("salutation", "greeting"),
    [
        (Salutation.MS, "Sehr geehrte Frau Muster,"),
        (Salutation.MR, "Sehr geehrter Herr Muster,"),
        (Salutation.NONE, "Guten Tag Alex Muster,"),
    ],
)
def test_the_letter_greets_the_person_named_in_the_address(
    client, chamber, staff, salutation, greeting
):
    registration = RegistrationFactory(
        company__chamber=chamber,
        company__state=CompanyState.AWAITING_ACTIVATION,
        company__member_number="1010001",
        applicant__salutation=salutation,
        applicant__first_name="Alex",
        applicant__last_name="Muster",
        applicant__language="en",  # the letter is German all the same
        state="approved",
    )
    letter = ActivationLetter.objects.create(
        company=registration.company, reason="registration", recipient_name="Alex Muster"
    )
    client.force_login(staff)
    text = pdf_text(client, letter)
    assert "z. Hd. Alex Muster" in text
    assert greeting in text
    assert "Damen und Herren" not in text


def test_a_new_password_letter_greets_the_admin_who_asked(client, active_company, staff):
    admin, company = active_company
    request_and_approve(admin, company, staff)
    client.force_login(staff)
    text = pdf_text(client, ActivationLetter.objects.get(company=company))
    assert "z. Hd. Max Muster" in text and "Sehr geehrter Herr Muster," in text


def test_a_letter_that_names_nobody_opens_neutrally(client, chamber, staff):
    registration = RegistrationFactory(
        company__chamber=chamber,
        company__state=CompanyState.AWAITING_ACTIVATION,
        company__member_number="1010001",
        state="approved",
    )
    letter = ActivationLetter.objects.create(
        company=registration.company, reason="registration", recipient_name=""
    )
    client.force_login(staff)
    text = pdf_text(client, letter)
    assert "z. Hd." not in text
    assert "Sehr geehrte Damen und Herren," in text
