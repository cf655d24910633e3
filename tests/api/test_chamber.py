"""/api/v1/chamber/…: a chamber's service account reads its registration queue, decides
registrations and reads its directory; nothing of another chamber."""

import pytest

from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.companies.models import (
    ActivationLetter,
    CompanyRegistration,
    CompanyState,
    RegistrationState,
)
from meinekammer.companies.services.registration import assign_registration_to_me
from meinekammer.notifications.models import OutboundEmail
from tests.api.conftest import Api, assert_problem, make_account, token_for
from tests.companies.factories import CompanyFactory, RegistrationFactory, actor_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def registration(chamber):
    return RegistrationFactory(
        company__chamber=chamber,
        company__name="Beispiel GmbH",
        applicant__first_name="Anna",
        applicant__last_name="Antrag",
    )


@pytest.fixture
def foreign_registration(other_chamber):
    return RegistrationFactory(company__chamber=other_chamber, company__name="Geheim AG")


def test_the_queue_lists_the_chambers_registrations(
    chamber_api, registration, foreign_registration
):
    response = chamber_api.get("/chamber/registrations", {"state": "in_review"})
    assert response.status_code == 200
    items = response.json()["items"]
    assert [r["id"] for r in items] == [registration.pk]
    assert items[0]["company"]["name"] == "Beispiel GmbH"
    assert items[0]["applicant"]["last_name"] == "Antrag"
    assert items[0]["assignee"] is None
    assert "Geheim AG" not in response.text
    assert chamber_api.get("/chamber/registrations", {"state": "approved"}).json()["items"] == []


def test_an_unknown_state_is_invalid_input(chamber_api):
    assert_problem(chamber_api.get("/chamber/registrations", {"state": "egal"}), 422, "invalid")


def test_another_chambers_registration_is_not_found(chamber_api, foreign_registration):
    url = f"/chamber/registrations/{foreign_registration.pk}"
    assert_problem(chamber_api.get(url), 404, "not-found")
    assert_problem(chamber_api.post(url + "/reject", {"reason": "Nein"}), 404, "not-found")
    foreign_registration.refresh_from_db()
    assert foreign_registration.state == RegistrationState.IN_REVIEW


def test_a_company_account_has_no_chamber(client, company, registration):
    account, secret = make_account(company=company, scopes=["companies:read"])
    api = Api(client, token_for(client, account, secret))
    assert_problem(api.get("/chamber/registrations"), 403, "insufficient-scope")


def test_approving_queues_the_letter_and_records_the_service_account(
    chamber_api, registration, entry
):
    response = chamber_api.post(
        f"/chamber/registrations/{registration.pk}/approve", {"directory_entry_id": entry.pk}
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "approved"
    registration.refresh_from_db()
    assert registration.company.state == CompanyState.AWAITING_ACTIVATION
    assert registration.decided_by is None
    assert ActivationLetter.objects.filter(company=registration.company).count() == 1
    event = AuditEvent.objects.get(action=AuditAction.REGISTRATION_APPROVED)
    assert event.via == "api" and event.service_account.name == "Kammer-Registersync"
    assert OutboundEmail.objects.filter(recipient=registration.applicant.email).count() == 1
    # Deciding again is a conflict; nothing changes.
    again = chamber_api.post(
        f"/chamber/registrations/{registration.pk}/reject", {"reason": "Doch nicht"}
    )
    assert_problem(again, 409, "conflict")
    assert AuditEvent.objects.filter(action=AuditAction.REGISTRATION_REJECTED).count() == 0


def test_approving_against_another_chambers_entry_is_refused(
    chamber_api, registration, other_chamber
):
    from meinekammer.chambers.models import DirectoryEntry

    foreign = DirectoryEntry.objects.create(
        chamber=other_chamber, member_number="2020002", name="Geheim AG", postal_code="54321"
    )
    response = chamber_api.post(
        f"/chamber/registrations/{registration.pk}/approve", {"directory_entry_id": foreign.pk}
    )
    assert_problem(response, 422, "invalid")
    registration.refresh_from_db()
    assert registration.state == RegistrationState.IN_REVIEW


def test_rejecting_tells_the_applicant_the_reason(chamber_api, registration):
    response = chamber_api.post(
        f"/chamber/registrations/{registration.pk}/reject", {"reason": "Kein Mitglied der Kammer"}
    )
    assert response.status_code == 200
    assert response.json()["rejection_reason"] == "Kein Mitglied der Kammer"
    registration.refresh_from_db()
    assert registration.company.state == CompanyState.REJECTED
    mail = OutboundEmail.objects.get(recipient=registration.applicant.email)
    assert "Kein Mitglied der Kammer" in mail.body_text


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"reason": ""},
        {"reason": "x" * 2001},
        {"reason": 42},
        {"reason": ["a"]},
    ],
)
def test_bad_rejections_change_nothing(chamber_api, registration, body):
    response = chamber_api.post(f"/chamber/registrations/{registration.pk}/reject", body)
    problem = assert_problem(response, 422, "invalid")
    assert problem["errors"][0]["field"] == "reason"
    registration.refresh_from_db()
    assert registration.state == RegistrationState.IN_REVIEW


def test_a_body_that_is_no_json_is_invalid_input(chamber_api, registration):
    response = chamber_api.client.post(
        f"/api/v1/chamber/registrations/{registration.pk}/reject",
        "{kaputt",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {chamber_api.token}",
    )
    assert_problem(response, 422, "invalid")


@pytest.mark.parametrize("body", [{"directory_entry_id": "eins"}, {"directory_entry_id": 0}, {}])
def test_bad_approvals_change_nothing(chamber_api, registration, body):
    response = chamber_api.post(f"/chamber/registrations/{registration.pk}/approve", body)
    assert_problem(response, 422, "invalid")
    registration.refresh_from_db()
    assert registration.state == RegistrationState.IN_REVIEW


def test_a_registration_a_clerk_holds_is_a_conflict(chamber_api, registration, staff):
    assign_registration_to_me(actor_for(staff), registration_id=registration.pk)
    response = chamber_api.post(
        f"/chamber/registrations/{registration.pk}/reject", {"reason": "Nein"}
    )
    body = assert_problem(response, 409, "conflict")
    assert "Sabine Sachbearbeitung" in body["detail"]
    assert chamber_api.get(f"/chamber/registrations/{registration.pk}").json()["assignee"] == (
        "Sabine Sachbearbeitung"
    )


def test_a_read_only_account_cannot_decide(client, chamber, registration):
    account, secret = make_account(chamber=chamber, scopes=["registrations:read"])
    api = Api(client, token_for(client, account, secret))
    response = api.post(f"/chamber/registrations/{registration.pk}/reject", {"reason": "Nein"})
    assert_problem(response, 403, "insufficient-scope")
    assert CompanyRegistration.objects.get(pk=registration.pk).state == RegistrationState.IN_REVIEW


def test_the_directory_is_searched_and_read_for_the_own_chamber(chamber_api, entry, other_chamber):
    from meinekammer.chambers.models import DirectoryEntry

    foreign = DirectoryEntry.objects.create(
        chamber=other_chamber, member_number="1010001", name="Beispiel GmbH", postal_code="54321"
    )
    found = chamber_api.get("/chamber/directory", {"q": "beispiel"}).json()["items"]
    assert [e["id"] for e in found] == [entry.pk]
    assert (
        chamber_api.get(f"/chamber/directory/entries/{entry.pk}").json()["member_number"]
        == "1010001"
    )
    assert_problem(chamber_api.get(f"/chamber/directory/entries/{foreign.pk}"), 404, "not-found")


def test_the_chamber_log_names_the_service_account(chamber_api, registration):
    chamber_api.post(f"/chamber/registrations/{registration.pk}/reject", {"reason": "Nein"})
    body = chamber_api.get("/audit-events", {"kind": "reviews"}).json()
    assert body["items"][0]["who"] == "Dienstkonto „Kammer-Registersync“"
    assert body["items"][0]["company_id"] == registration.company_id
    assert_problem(chamber_api.get("/audit-events", {"kind": "egal"}), 422, "invalid")
    assert_problem(chamber_api.get("/audit-events", {"since": "gestern"}), 422, "invalid")


def test_the_audit_log_of_another_chamber_stays_hidden(
    chamber_api, foreign_registration, other_staff
):
    from meinekammer.companies.services.registration import reject_registration

    reject_registration(
        actor_for(other_staff), registration_id=foreign_registration.pk, reason="Nein"
    )
    body = chamber_api.get("/audit-events").json()
    assert all(item["company_id"] != foreign_registration.company_id for item in body["items"])
    foreign_company = CompanyFactory(chamber=foreign_registration.company.chamber)
    items = chamber_api.get("/audit-events", {"company_id": foreign_company.pk}).json()["items"]
    assert items == []
