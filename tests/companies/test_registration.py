import pytest
from django.urls import reverse

from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.companies.models import (
    ActivationLetter,
    Company,
    CompanyRegistration,
    CompanyState,
    LetterState,
    RegistrationState,
)
from meinekammer.companies.services.registration import (
    approve_registration,
    register_company,
    reject_registration,
)
from meinekammer.core.actor import Actor
from meinekammer.core.errors import Conflict, Invalid

pytestmark = pytest.mark.django_db

REGISTER = reverse("companies:register")


def form(the_chamber, **overrides):
    data = {
        "chamber": the_chamber.pk,
        "name": "Beispiel GmbH",
        "street": "Musterstraße 1",
        "postal_code": "12345",
        "city": "Musterstadt",
        "member_number": "",
        "register_court": "Amtsgericht Musterstadt",
        "register_number": "hrb 1001",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_dashboard_offers_the_manuals_tiles(client, applicant):
    client.force_login(applicant)
    page = client.get("/").content.decode()
    assert "Funktionen" in page
    assert "Neues Unternehmen anlegen" in page and "Unternehmen aktivieren" in page
    assert "Kammerbereich" not in page


def test_a_registration_goes_to_the_chamber_and_the_applicant_sees_its_state(
    client, applicant, chamber, staff, outbox
):
    client.force_login(applicant)
    response = client.post(REGISTER, form(chamber))
    assert response.status_code == 302
    company = Company.objects.get()
    assert company.state == CompanyState.PENDING_REVIEW
    assert company.register_number == "HRB 1001"
    registration = CompanyRegistration.objects.get()
    assert (registration.applicant, registration.state) == (applicant, RegistrationState.IN_REVIEW)
    assert AuditEvent.objects.filter(
        action=AuditAction.COMPANY_REGISTERED, company=company
    ).exists()
    page = client.get("/").content.decode()
    assert "Beispiel GmbH" in page and "in Prüfung" in page
    mails = {m.to[0]: m for m in outbox()}
    assert set(mails) == {applicant.email, staff.email}
    assert reverse("chambers:registration", args=[registration.pk]) in mails[staff.email].body


def test_a_double_submitted_registration_creates_one_request(client, applicant, chamber):
    client.force_login(applicant)
    client.post(REGISTER, form(chamber))
    client.post(REGISTER, form(chamber, name="  beispiel gmbh "))
    assert CompanyRegistration.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "erforderlich"),
        ({"street": ""}, "street", "erforderlich"),
        ({"postal_code": "1234"}, "postal_code", "fünf Ziffern"),
        ({"postal_code": "12a45"}, "postal_code", "fünf Ziffern"),
        ({"member_number": "12ab"}, "member_number", "4 bis 12 Ziffern"),
        ({"register_number": "XYZ 1"}, "register_number", "HRB 12345"),
        ({"register_court": ""}, "register_court", "Registergericht"),
        ({"register_number": ""}, "register_number", "Registernummer"),
        ({"name": "N" * 10_000}, "name", "300"),
        ({"chamber": "999999"}, "chamber", "gültige Auswahl"),
        ({"name": "Beispiel\x00GmbH"}, "name", "Steuerzeichen"),
    ],
)
def test_bad_input_is_refused_clearly_and_changes_nothing(
    client, applicant, chamber, overrides, field, message
):
    client.force_login(applicant)
    response = client.post(REGISTER, form(chamber, **overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert not Company.objects.exists()


def test_a_logged_out_visitor_cannot_register_a_company(client, chamber):
    response = client.post(REGISTER, form(chamber))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert not Company.objects.exists()


def test_markup_in_the_company_name_is_escaped(client, applicant, chamber, staff):
    client.force_login(applicant)
    client.post(REGISTER, form(chamber, name="<script>alert(1)</script> GmbH"))
    client.force_login(staff)
    registration = CompanyRegistration.objects.get()
    page = client.get(reverse("chambers:registration", args=[registration.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_approval_links_the_directory_entry_and_queues_a_letter(
    applicant, chamber, staff, entry, outbox
):
    company = register_company(
        Actor.of(applicant),
        chamber=chamber,
        name="Beispiel GmbH",
        street="Musterstraße 1",
        postal_code="12345",
        city="Musterstadt",
    )
    registration = company.registration
    approve_registration(
        Actor.of(staff), registration_id=registration.pk, directory_entry_id=entry.pk
    )
    company.refresh_from_db()
    assert company.state == CompanyState.AWAITING_ACTIVATION
    assert company.member_number == entry.member_number and company.directory_entry == entry
    letter = ActivationLetter.objects.get(company=company)
    assert letter.state == LetterState.QUEUED and letter.recipient_name == "Anna Admin"
    assert any(m.to == [applicant.email] and "freigegeben" in m.subject for m in outbox())


def test_rejection_mails_the_reason(applicant, chamber, staff, outbox):
    company = register_company(
        Actor.of(applicant),
        chamber=chamber,
        name="X GmbH",
        street="S 1",
        postal_code="12345",
        city="M",
    )
    reject_registration(
        Actor.of(staff),
        registration_id=company.registration.pk,
        reason="Nicht im Verzeichnis <b>gefunden</b>.",
    )
    company.refresh_from_db()
    assert company.state == CompanyState.REJECTED
    [message] = [m for m in outbox() if "abgelehnt" in m.subject]
    assert "Nicht im Verzeichnis <b>gefunden</b>." in message.body
    assert "&lt;b&gt;" in message.alternatives[0][0]


def test_a_decided_request_cannot_be_decided_again(applicant, chamber, staff, entry):
    company = register_company(
        Actor.of(applicant),
        chamber=chamber,
        name="X GmbH",
        street="S 1",
        postal_code="12345",
        city="M",
    )
    reject_registration(Actor.of(staff), registration_id=company.registration.pk, reason="Nein")
    with pytest.raises(Conflict, match="bereits"):
        approve_registration(
            Actor.of(staff), registration_id=company.registration.pk, directory_entry_id=entry.pk
        )
    company.refresh_from_db()
    assert company.state == CompanyState.REJECTED


def test_an_already_registered_company_cannot_be_approved_twice(applicant, chamber, staff, entry):
    from tests.companies.factories import CompanyFactory

    CompanyFactory(chamber=chamber, member_number=entry.member_number, directory_entry=entry)
    company = register_company(
        Actor.of(applicant),
        chamber=chamber,
        name="Beispiel GmbH",
        street="S 1",
        postal_code="12345",
        city="M",
    )
    with pytest.raises(Conflict, match="Beitrittsanfrage"):
        approve_registration(
            Actor.of(staff), registration_id=company.registration.pk, directory_entry_id=entry.pk
        )


def test_an_entry_of_another_chamber_cannot_be_used(applicant, chamber, other_chamber, staff):
    from meinekammer.chambers.models import DirectoryEntry

    foreign = DirectoryEntry.objects.create(
        chamber=other_chamber, member_number="2020001", name="Fremd GmbH"
    )
    company = register_company(
        Actor.of(applicant),
        chamber=chamber,
        name="X GmbH",
        street="S 1",
        postal_code="12345",
        city="M",
    )
    with pytest.raises(Invalid, match="Unternehmensverzeichnis"):
        approve_registration(
            Actor.of(staff), registration_id=company.registration.pk, directory_entry_id=foreign.pk
        )
