"""Issue 16: the activation letter goes to the address the chamber holds.

On approval the letter takes the matched directory entry's address, not the one the applicant
typed; the clerk sees both and may correct the letter's before approving; the print queue says
where each letter goes and that it is the directory's; the PDF's window shows it.
"""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.chambers.models import DirectoryEntry
from meinekammer.companies.models import (
    ActivationLetter,
    AddressSource,
    CompanyState,
    LetterAddress,
    RegistrationState,
)
from meinekammer.companies.services.deletion import (
    approve_company_deletion,
    execute_due_deletions,
    request_company_deletion,
)
from meinekammer.companies.services.letters import print_letters
from meinekammer.companies.services.password_requests import (
    approve_password_request,
    request_new_company_password,
)
from meinekammer.companies.services.registration import approve_registration
from meinekammer.core.actor import Actor, Interface
from meinekammer.core.errors import Invalid
from tests.companies.factories import MembershipFactory, RegistrationFactory, actor_for
from tests.companies.helpers import text

pytestmark = pytest.mark.django_db


@pytest.fixture
def registration(chamber, entry, applicant):
    """The applicant typed an old address; the directory knows the current one."""
    return RegistrationFactory(
        company__chamber=chamber,
        company__name="Beispiel GmbH",
        company__street="Alte Gasse 9",
        company__postal_code="12399",
        company__city="Altdorf",
        applicant=applicant,
    )


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def the_letter(registration) -> ActivationLetter:
    return ActivationLetter.objects.get(company=registration.company)


def review_url(registration) -> str:
    return reverse("chambers:registration", args=[registration.pk])


def test_the_letter_takes_the_directory_address_not_the_typed_one(registration, staff, entry):
    approve_registration(
        actor_for(staff), registration_id=registration.pk, directory_entry_id=entry.pk
    )
    letter = the_letter(registration)
    assert (letter.address_name, letter.street, letter.postal_code, letter.city) == (
        "Beispiel GmbH",
        "Musterstraße 1",
        "12345",
        "Musterstadt",
    )
    assert letter.address_source == AddressSource.DIRECTORY
    event = AuditEvent.objects.get(action=AuditAction.REGISTRATION_APPROVED)
    assert event.data["letter_address"] == "directory"

    text_of_pdf = pdf_text(print_letters(actor_for(staff), letter_ids=[letter.pk]))
    assert "Musterstraße 1" in text_of_pdf and "12345 Musterstadt" in text_of_pdf
    assert "Alte Gasse 9" not in text_of_pdf and "Altdorf" not in text_of_pdf


def test_the_clerk_may_correct_the_letter_address(registration, staff, entry):
    approve_registration(
        actor_for(staff),
        registration_id=registration.pk,
        directory_entry_id=entry.pk,
        letter_address=LetterAddress(
            "  Beispiel   GmbH ", "Neuer Weg 3\t", "12346", "Musterstadt-Nord"
        ),
    )
    letter = the_letter(registration)
    assert letter.address == LetterAddress(
        "Beispiel GmbH", "Neuer Weg 3", "12346", "Musterstadt-Nord"
    )
    assert letter.address_source == AddressSource.CORRECTED
    text_of_pdf = pdf_text(print_letters(actor_for(staff), letter_ids=[letter.pk]))
    assert "Neuer Weg 3" in text_of_pdf and "12346 Musterstadt-Nord" in text_of_pdf


def test_the_directory_address_sent_back_unchanged_is_the_directorys(registration, staff, entry):
    approve_registration(
        actor_for(staff),
        registration_id=registration.pk,
        directory_entry_id=entry.pk,
        letter_address=LetterAddress("Beispiel GmbH", "Musterstraße  1", "12345", "Musterstadt"),
    )
    assert the_letter(registration).address_source == AddressSource.DIRECTORY


@pytest.mark.parametrize(
    "address",
    [
        LetterAddress("", "Musterstraße 1", "12345", "Musterstadt"),
        LetterAddress("Beispiel GmbH", "   ", "12345", "Musterstadt"),
        LetterAddress("Beispiel GmbH", "Musterstraße 1", "1234", "Musterstadt"),
        LetterAddress("Beispiel GmbH", "Musterstraße 1", "ABCDE", "Musterstadt"),
        LetterAddress("Beispiel GmbH", "Musterstraße 1", "12345", ""),
        LetterAddress("B" * 301, "Musterstraße 1", "12345", "Musterstadt"),
        LetterAddress("Beispiel GmbH", "S" * 201, "12345", "Musterstadt"),
        LetterAddress("Beispiel GmbH", "Musterstraße 1\x00", "12345", "Musterstadt"),
        LetterAddress("Beispiel GmbH", "Muster\u202estraße", "12345", "Musterstadt"),
    ],
)
def test_a_bad_letter_address_is_refused_and_nothing_changes(registration, staff, entry, address):
    with pytest.raises(Invalid):
        approve_registration(
            actor_for(staff),
            registration_id=registration.pk,
            directory_entry_id=entry.pk,
            letter_address=address,
        )
    registration.refresh_from_db()
    assert registration.state == RegistrationState.IN_REVIEW
    assert not ActivationLetter.objects.filter(company=registration.company).exists()


def test_an_entry_without_an_address_needs_the_clerks(registration, staff, chamber):
    bare = DirectoryEntry.objects.create(
        chamber=chamber, member_number="1010099", name="Beispiel GmbH"
    )
    with pytest.raises(Invalid, match=r"complete address|vollständige Anschrift"):
        approve_registration(
            actor_for(staff), registration_id=registration.pk, directory_entry_id=bare.pk
        )
    approve_registration(
        actor_for(staff),
        registration_id=registration.pk,
        directory_entry_id=bare.pk,
        letter_address=LetterAddress("Beispiel GmbH", "Hauptstraße 2", "12345", "Musterstadt"),
    )
    assert the_letter(registration).address_source == AddressSource.CORRECTED


def test_the_review_page_shows_both_addresses_and_the_queue_names_the_directorys(
    client, registration, staff, entry
):
    client.force_login(staff)
    page = text(client.get(review_url(registration)))
    assert "Alte Gasse 9, 12399 Altdorf" in page  # what the applicant entered
    assert "Der Aktivierungsbrief geht an die Anschrift aus dem Unternehmensverzeichnis" in page
    assert 'name="letter_street" value="Musterstraße 1"' in page
    assert "Briefanschrift korrigieren" in page

    response = client.post(
        review_url(registration),
        {
            "approve": "1",
            "directory_entry": str(entry.pk),
            "letter_name": "Beispiel GmbH",
            "letter_street": "Musterstraße 1",
            "letter_postal_code": "12345",
            "letter_city": "Musterstadt",
        },
    )
    assert response.status_code == 302
    assert the_letter(registration).address_source == AddressSource.DIRECTORY
    queue = text(client.get(reverse("chambers:letters")))
    assert "An: Beispiel GmbH, Musterstraße 1, 12345 Musterstadt" in queue
    assert "(aus dem Unternehmensverzeichnis der Kammer)" in queue
    assert "Alte Gasse" not in queue


def test_a_correction_on_the_page_and_a_bad_one(client, registration, staff, entry):
    client.force_login(staff)
    data = {
        "approve": "1",
        "directory_entry": str(entry.pk),
        "letter_name": "Beispiel GmbH",
        "letter_street": "Neuer Weg 3",
        "letter_postal_code": "12x45",
        "letter_city": "Musterstadt",
    }
    response = client.post(review_url(registration), data)
    assert response.status_code == 200  # shown again, with what was typed
    page = text(response)
    assert "Eine deutsche Postleitzahl hat fünf Ziffern." in page
    assert 'name="letter_street" value="Neuer Weg 3"' in page
    assert 'name="letter_postal_code" value="12x45"' in page
    assert not ActivationLetter.objects.exists()
    response = client.post(review_url(registration), {**data, "letter_postal_code": "12346"})
    assert response.status_code == 302
    queue = text(client.get(reverse("chambers:letters")))
    assert "An: Beispiel GmbH, Neuer Weg 3, 12346 Musterstadt (von der Kammer korrigiert)" in queue


def test_an_approval_from_the_search_takes_the_directory_address(
    client, registration, staff, entry
):
    """The search results' button sends no address: the entry's is taken."""
    client.force_login(staff)
    client.post(review_url(registration), {"approve": "1", "directory_entry": str(entry.pk)})
    assert the_letter(registration).street == "Musterstraße 1"


def test_a_new_company_password_goes_to_the_directory_address(chamber, staff, entry):
    from tests.companies.factories import CompanyFactory

    company = CompanyFactory(
        chamber=chamber,
        member_number=entry.member_number,
        street="Alte Gasse 9",
        directory_entry=entry,
    )
    admin = MembershipFactory(company=company, is_admin=True).user
    password_request = request_new_company_password(actor_for(admin), company_id=company.pk)
    approve_password_request(actor_for(staff), password_request_id=password_request.pk)
    letter = ActivationLetter.objects.get(company=company)
    assert letter.street == "Musterstraße 1" and letter.address_source == AddressSource.DIRECTORY


def test_an_older_letter_without_an_address_goes_to_the_company(chamber, staff, company):
    letter = ActivationLetter.objects.create(
        company=company, reason="new_password", recipient_name="Anna Admin"
    )
    assert letter.address == LetterAddress.of_company(company)
    assert letter.source_of_address == AddressSource.COMPANY
    assert "Musterstraße 1" in pdf_text(print_letters(actor_for(staff), letter_ids=[letter.pk]))


def test_a_deleted_company_keeps_no_letter_address(registration, staff, entry):
    approve_registration(
        actor_for(staff), registration_id=registration.pk, directory_entry_id=entry.pk
    )
    company = registration.company
    company.state = CompanyState.ACTIVE
    company.save()
    admin = MembershipFactory(company=company, is_admin=True).user
    deletion = request_company_deletion(actor_for(admin), company_id=company.pk, reason="Aufgabe")
    deletion = approve_company_deletion(actor_for(staff), deletion_id=deletion.pk)
    assert execute_due_deletions(Actor.system(Interface.JOB), today=deletion.delete_on) == 1
    letter = the_letter(registration)
    assert (letter.address_name, letter.street, letter.postal_code, letter.city) == ("", "", "", "")
