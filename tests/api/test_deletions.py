"""/api/v1/chamber/deletions: a chamber's service account reads and decides its companies'
deletion requests ("Löschanträge"), with the rules of the chamber area."""

import pytest

from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.companies.models import CompanyState, DeletionState
from meinekammer.companies.services.deletion import (
    request_company_deletion,
    revoke_company_deletion,
)
from meinekammer.core.actor import Actor
from tests.api.conftest import Api, assert_problem, make_account, token_for
from tests.companies.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deletion(company, admin):
    return request_company_deletion(
        Actor.of(admin), company_id=company.pk, reason="Betrieb aufgegeben"
    )


@pytest.fixture
def foreign_deletion(other_company):
    boss = MembershipFactory(company=other_company, is_admin=True).user
    return request_company_deletion(Actor.of(boss), company_id=other_company.pk, reason="Schluss")


def test_the_open_requests_of_the_own_chamber(chamber_api, deletion, foreign_deletion):
    items = chamber_api.get("/chamber/deletions").json()["items"]
    assert [d["id"] for d in items] == [deletion.pk]
    assert items[0]["reason"] == "Betrieb aufgegeben"
    assert items[0]["company"]["name"] == "Beispiel GmbH"
    assert_problem(chamber_api.get(f"/chamber/deletions/{foreign_deletion.pk}"), 404, "not-found")
    assert_problem(
        chamber_api.post(f"/chamber/deletions/{foreign_deletion.pk}/approve"), 404, "not-found"
    )
    foreign_deletion.refresh_from_db()
    assert foreign_deletion.state == DeletionState.REQUESTED


def test_approving_schedules_the_deletion(chamber_api, deletion, company):
    response = chamber_api.post(f"/chamber/deletions/{deletion.pk}/approve")
    assert response.status_code == 200
    assert response.json()["state"] == "scheduled"
    company.refresh_from_db()
    assert company.state == CompanyState.DELETION_SCHEDULED
    event = AuditEvent.objects.get(action=AuditAction.DELETION_APPROVED)
    assert event.service_account.name == "Kammer-Registersync" and event.actor is None
    assert_problem(chamber_api.post(f"/chamber/deletions/{deletion.pk}/approve"), 409, "conflict")


def test_refusing_needs_a_reason_and_activates_the_company(chamber_api, deletion, company):
    assert_problem(
        chamber_api.post(f"/chamber/deletions/{deletion.pk}/refuse", {"reason": ""}),
        422,
        "invalid",
    )
    response = chamber_api.post(
        f"/chamber/deletions/{deletion.pk}/refuse", {"reason": "Offene Beiträge"}
    )
    assert response.status_code == 200 and response.json()["refusal_reason"] == "Offene Beiträge"
    company.refresh_from_db()
    assert company.state == CompanyState.ACTIVE


def test_a_revoked_request_is_a_conflict(chamber_api, deletion, company, admin):
    revoke_company_deletion(Actor.of(admin), company_id=company.pk)
    body = assert_problem(
        chamber_api.post(f"/chamber/deletions/{deletion.pk}/approve"), 409, "conflict"
    )
    assert "widerrufen" in body["detail"]
    assert chamber_api.get("/chamber/deletions", {"state": "revoked"}).json()["items"][0]["id"] == (
        deletion.pk
    )


def test_reading_does_not_allow_deciding(client, chamber, deletion):
    reader = Api(
        client, token_for(client, *make_account(chamber=chamber, scopes=["deletions:read"]))
    )
    assert reader.get("/chamber/deletions").status_code == 200
    assert_problem(
        reader.post(f"/chamber/deletions/{deletion.pk}/approve"), 403, "insufficient-scope"
    )
    assert_problem(reader.get("/chamber/deletions", {"state": "egal"}), 422, "invalid")
