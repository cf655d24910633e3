"""/api/v1/companies: what each kind of caller sees of companies and members, and roles granted
and taken away through the API."""

import pytest

from meinekammer.applications.models import RoleAssignment
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.companies.models import CompanyState
from meinekammer.core.actor import Actor, Interface
from meinekammer.integration.services import deactivate_service_account
from meinekammer.notifications.models import OutboundEmail
from tests.api.conftest import Api, assert_problem, make_account, token_for
from tests.companies.factories import AppRoleFactory, CompanyFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(company, roles):
    membership = MembershipFactory(
        company=company, user__first_name="Tom", user__last_name="Trainer"
    )
    RoleAssignment.objects.create(membership=membership, role=roles["trainer"])
    return membership


def test_a_chamber_account_finds_its_chambers_companies_only(chamber_api, company, other_company):
    CompanyFactory(chamber=company.chamber, name="Zweite KG", member_number="1010002")
    response = chamber_api.get("/companies")
    assert response.status_code == 200
    names = [c["name"] for c in response.json()["items"]]
    assert names == ["Beispiel GmbH", "Zweite KG"]
    assert "Geheim AG" not in response.text
    found = chamber_api.get("/companies", {"q": "zweite"}).json()["items"]
    assert [c["member_number"] for c in found] == ["1010002"]
    assert chamber_api.get("/companies", {"q": "Geheim"}).json()["items"] == []


def test_deleted_companies_are_not_shown(chamber_api, company):
    gone = CompanyFactory(chamber=company.chamber, name="Alt GmbH", state=CompanyState.DELETED)
    assert "Alt GmbH" not in chamber_api.get("/companies").text
    assert_problem(chamber_api.get(f"/companies/{gone.pk}"), 404, "not-found")


def test_paging_with_a_cursor_visits_every_company_once(chamber_api, company):
    for n in range(6):
        CompanyFactory(chamber=company.chamber, name=f"Firma {n}")
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = chamber_api.get("/companies", params).json()
        seen += [c["id"] for c in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 7 == len(set(seen))


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"limit": "viele"},
        {"cursor": "erfunden"},
        {"cursor": "x" * 501},
        {"q": "x" * 201},
    ],
)
def test_bad_list_parameters_are_invalid_input(chamber_api, company, params):
    body = assert_problem(chamber_api.get("/companies", params), 422, "invalid")
    assert body["detail"]


def test_a_search_with_a_nul_byte_finds_nothing_and_breaks_nothing(chamber_api, company):
    response = chamber_api.get("/companies", {"q": "Beispiel\x00"})
    assert response.status_code == 200


def test_a_company_account_sees_its_own_company_only(company_api, company, other_company):
    assert [c["id"] for c in company_api.get("/companies").json()["items"]] == [company.pk]
    assert company_api.get(f"/companies/{company.pk}").json()["name"] == "Beispiel GmbH"
    sibling = CompanyFactory(chamber=company.chamber)
    for foreign in (sibling.pk, other_company.pk, 99999999):
        assert_problem(company_api.get(f"/companies/{foreign}"), 404, "not-found")
        assert_problem(company_api.get(f"/companies/{foreign}/members"), 404, "not-found")


def test_another_chambers_company_is_not_found(chamber_api, other_company):
    assert_problem(chamber_api.get(f"/companies/{other_company.pk}"), 404, "not-found")
    assert_problem(chamber_api.get(f"/companies/{other_company.pk}/members"), 404, "not-found")


@pytest.mark.parametrize(
    "path", ["/companies/0", "/companies/-1", "/companies/abc", "/companies/" + "9" * 30]
)
def test_ids_that_are_no_ids_are_refused(chamber_api, path):
    response = chamber_api.get(path)
    assert response.status_code in (404, 422)  # a path that matches no route is not found
    assert response["Content-Type"] == "application/problem+json"


def test_members_with_their_roles(company_api, company, admin, member):
    body = company_api.get(f"/companies/{company.pk}/members").json()
    people = {m["person"]["last_name"]: m for m in body["items"]}
    assert set(people) == {"Admin", "Trainer"}
    assert people["Admin"]["is_admin"] is True
    tom = people["Trainer"]
    assert tom["person"]["sub"] == str(member.user.subject)
    assert [(r["application"], r["key"]) for r in tom["roles"]] == [
        ("Serviceportal Bildung", "ausbilder")
    ]


def test_no_token_a_wrong_token_or_a_missing_scope(client, chamber_account, company):
    account, secret = chamber_account
    assert_problem(client.get("/api/v1/companies"), 401, "unauthorized")
    for token in ("x", "a.b.c", "Bearer"):
        assert_problem(Api(client, token).get("/companies"), 401, "unauthorized")
    narrow = Api(client, token_for(client, account, secret, scope="registrations:read"))
    body = assert_problem(narrow.get("/companies"), 403, "insufficient-scope")
    assert "companies:read" in body["detail"]


def test_problems_speak_the_callers_language(client, chamber_account):
    account, secret = chamber_account
    api = Api(client, token_for(client, account, secret, scope="registrations:read"))
    german = api.get("/companies").json()
    english = api.get("/companies", HTTP_ACCEPT_LANGUAGE="en").json()
    assert german["title"] == "Berechtigung fehlt"
    assert english["title"] == "Scope missing"


def test_an_unknown_path_is_a_problem_not_a_page(chamber_api):
    assert_problem(chamber_api.get("/gibt-es-nicht"), 404, "not-found")


# --- Roles granted and taken away (members:write) -------------------------------------------


def test_a_company_account_grants_and_takes_away_a_role(company_api, company, member, roles):
    trainee = roles["trainee"]
    response = company_api.put(f"/companies/{company.pk}/members/{member.pk}/roles/{trainee.pk}")
    assert response.status_code == 200
    assert response.json()["changed"] is True
    assert {r["key"] for r in response.json()["member"]["roles"]} == {"ausbilder", "azubi"}
    event = AuditEvent.objects.get(action=AuditAction.ROLE_ASSIGNED)
    assert event.actor is None and event.via == "api"
    assert event.service_account.name == "Personalsystem"
    assert event.subject_user == member.user
    # Granting it again changes nothing.
    again = company_api.put(f"/companies/{company.pk}/members/{member.pk}/roles/{trainee.pk}")
    assert again.json()["changed"] is False
    assert AuditEvent.objects.filter(action=AuditAction.ROLE_ASSIGNED).count() == 1

    trainer = roles["trainer"]
    gone = company_api.delete(f"/companies/{company.pk}/members/{member.pk}/roles/{trainer.pk}")
    assert gone.status_code == 200 and gone.json()["changed"] is True
    assert {r["key"] for r in gone.json()["member"]["roles"]} == {"azubi"}
    assert AuditEvent.objects.filter(action=AuditAction.ROLE_REMOVED).count() == 1
    mails = OutboundEmail.objects.filter(recipient=member.user.email)
    assert mails.count() == 2  # one per change, as from the member page


def test_the_company_log_names_the_service_account(company_api, company, member, roles, admin):
    company_api.put(f"/companies/{company.pk}/members/{member.pk}/roles/{roles['trainee'].pk}")
    body = company_api.get("/audit-events").json()
    assert body["items"][0]["who"] == "Dienstkonto „Personalsystem“"
    assert body["items"][0]["action"] == "member.role_assigned"


def test_a_role_that_cannot_be_assigned_is_a_conflict(company_api, company, member, roles):
    retired = AppRoleFactory(application=roles["trainer"].application, is_active=False)
    response = company_api.put(f"/companies/{company.pk}/members/{member.pk}/roles/{retired.pk}")
    assert_problem(response, 409, "conflict")
    assert not RoleAssignment.objects.filter(role=retired).exists()


def test_foreign_members_and_roles_are_not_found(
    company_api, company, member, roles, other_company
):
    stranger = MembershipFactory(company=other_company)
    role = roles["trainee"].pk
    for path in (
        f"/companies/{company.pk}/members/{stranger.pk}/roles/{role}",
        f"/companies/{other_company.pk}/members/{stranger.pk}/roles/{role}",
        f"/companies/{company.pk}/members/{member.pk}/roles/99999999",
    ):
        assert_problem(company_api.put(path), 404, "not-found")
    assert not RoleAssignment.objects.filter(membership=stranger).exists()


def test_a_chamber_account_cannot_change_roles(chamber_api, company, member, roles):
    response = chamber_api.put(
        f"/companies/{company.pk}/members/{member.pk}/roles/{roles['trainee'].pk}"
    )
    assert_problem(response, 403, "insufficient-scope")


def test_a_read_only_company_account_cannot_change_roles(client, company, member, roles):
    account, secret = make_account(company=company, scopes=["members:read"])
    api = Api(client, token_for(client, account, secret))
    response = api.put(f"/companies/{company.pk}/members/{member.pk}/roles/{roles['trainee'].pk}")
    assert_problem(response, 403, "insufficient-scope")
    assert RoleAssignment.objects.filter(membership=member).count() == 1


def test_a_deactivated_account_changes_nothing(client, company_account, company, member, roles):
    account, secret = company_account
    api = Api(client, token_for(client, account, secret))
    deactivate_service_account(Actor.system(Interface.CLI), account_id=account.pk)
    response = api.put(f"/companies/{company.pk}/members/{member.pk}/roles/{roles['trainee'].pk}")
    assert_problem(response, 401, "unauthorized")
    assert RoleAssignment.objects.filter(membership=member).count() == 1
