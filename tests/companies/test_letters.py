import io
import re

import pytest
from django.conf import settings
from django.urls import reverse
from pypdf import PdfReader

from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.companies import activation_passwords
from meinekammer.companies.models import ActivationLetter, CompanyState, LetterState
from meinekammer.companies.services.activation import activate_company
from meinekammer.core.actor import Actor
from tests.companies.factories import CompanyFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

PASSWORD_IN_PDF = re.compile(r"\b([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})\b")


@pytest.fixture
def queued(chamber, applicant):
    registration = RegistrationFactory(
        company__chamber=chamber,
        applicant=applicant,
        state="approved",
        company__state=CompanyState.AWAITING_ACTIVATION,
        company__member_number="1010001",
        company__name="Müller & Söhne Gießerei GmbH",
    )
    return ActivationLetter.objects.create(
        company=registration.company, reason="registration", recipient_name="Anna Admin"
    )


def download(client, *letters):
    response = client.post(
        reverse("chambers:letters_pdf"), {"letter": [letter.pk for letter in letters]}
    )
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    return PdfReader(io.BytesIO(response.content))


def text_of(reader):
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_print_queue_lists_the_chambers_letters(client, staff, queued):
    client.force_login(staff)
    page = client.get(reverse("chambers:letters")).content.decode()
    assert "Müller &amp; Söhne Gießerei GmbH" in page


def test_downloading_prints_issues_a_password_and_the_pdf_carries_it(
    client, staff, queued, applicant
):
    client.force_login(staff)
    reader = download(client, queued)
    text = text_of(reader)
    [password] = PASSWORD_IN_PDF.findall(text)
    assert "neues Unternehmenspasswort" not in " ".join(text.split())
    assert "1010001" in text and "101" in text and "Müller & Söhne Gießerei GmbH" in text
    # The letter tells where to log in.
    assert settings.SITE_URL in " ".join(text.split())
    queued.refresh_from_db()
    assert queued.state == LetterState.PRINTED and queued.printed_by == staff
    assert password.replace("-", "") not in queued.password_hash
    assert AuditEvent.objects.filter(action=AuditAction.LETTER_PRINTED).count() == 1
    # The password read from the PDF activates the company.
    company = activate_company(
        Actor.of(applicant),
        password=password,
        member_number="1010001",
        chamber_number="101",
    )
    assert company.state == CompanyState.ACTIVE


def test_printing_again_makes_a_new_password_and_voids_the_old(client, staff, queued, applicant):
    client.force_login(staff)
    [first] = PASSWORD_IN_PDF.findall(text_of(download(client, queued)))
    [second] = PASSWORD_IN_PDF.findall(text_of(download(client, queued)))
    assert first != second
    queued.refresh_from_db()
    assert not activation_passwords.matches(first, queued.password_hash)
    assert activation_passwords.matches(second, queued.password_hash)


def test_marking_sent_tells_the_applicant(client, staff, queued, applicant, outbox):
    client.force_login(staff)
    download(client, queued)
    response = client.post(reverse("chambers:letters_sent"), {"letter": [queued.pk]})
    assert response.status_code == 302
    queued.refresh_from_db()
    assert queued.state == LetterState.SENT and queued.sent_by == staff
    [message] = [m for m in outbox() if "unterwegs" in m.subject]
    assert message.to == [applicant.email]


def test_a_new_letter_voids_the_letters_before_it(client, staff, queued, chamber):
    client.force_login(staff)
    download(client, queued)
    newer = ActivationLetter.objects.create(
        company=queued.company, reason="new_password", recipient_name="A"
    )
    text = " ".join(text_of(download(client, newer)).split())
    # A letter of a new company password says so (the renderer is told, not the reason).
    assert "neues Unternehmenspasswort" in text
    queued.refresh_from_db()
    assert queued.state == LetterState.VOID


@pytest.mark.parametrize("bad", [[], ["abc"], ["-1"], ["99999999"]])
def test_bad_letter_choices_print_nothing(client, staff, queued, bad):
    client.force_login(staff)
    response = client.post(reverse("chambers:letters_pdf"), {"letter": bad})
    assert response.status_code == 302
    queued.refresh_from_db()
    assert queued.state == LetterState.QUEUED


def test_every_company_mail_renders_in_both_languages(chamber, staff, applicant):
    from django.template.loader import render_to_string
    from django.utils import translation

    company = CompanyFactory(chamber=chamber, name="<b>Fett</b> GmbH")
    names = [
        "registration_received",
        "registration_submitted_staff",
        "registration_approved",
        "registration_rejected",
        "letter_sent",
        "company_activated",
        "activation_alert_staff",
        "password_request_staff",
        "password_request_approved",
        "password_request_rejected",
    ]
    for language in ("de", "en"):
        with translation.override(language):
            for name in names:
                context = {
                    "user": applicant,
                    "company": company,
                    "chamber": chamber,
                    "reason": "R",
                    "review_url": "https://x.example/",
                    "dashboard_url": "https://x.example/",
                    "suspect": applicant,
                    "requester": applicant,
                    "expires_on": None,
                }
                subject = render_to_string(f"companies/email/{name}_subject.txt", context).strip()
                body = render_to_string(f"companies/email/{name}_message.txt", context)
                assert subject and "{{" not in body and "{%" not in body
                assert "<b>Fett</b> GmbH" in body or name in {"activation_alert_staff"}
