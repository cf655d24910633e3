"""What userinfo, the ID token and a refreshed ID token say about the user and their companies.

The validator answers `email_verified` and the `companies` claim from fewer queries than the
straightforward ORM code (bench/README.md); these tests pin what the claims contain.
"""

import base64
import json

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meinekammer.applications.models import RoleAssignment
from meinekammer.companies.models import CompanyState
from tests.applications.conftest import SECRET
from tests.applications.test_oidc_gate import refresh
from tests.applications.test_oidc_refusals import authorize, code_from, exchange
from tests.companies.factories import AppRoleFactory, CompanyFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def userinfo(client, access_token):
    response = client.get(
        reverse("oauth2_provider:user-info"), HTTP_AUTHORIZATION=f"Bearer {access_token}"
    )
    assert response.status_code == 200, response.content
    return response.json()


def id_token_claims(id_token: str) -> dict:
    payload = id_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def tokens_for(client, user, scope="openid profile email companies"):
    client.force_login(user)
    response = exchange(client, code_from(authorize(client, scope=scope)))
    assert response.status_code == 200, response.content
    return response.json()


def test_email_verified_follows_the_confirmed_address(client, oidc_client, trainer, settings):
    # The account is changed here directly, without the use cases whose audit events make
    # userinfo compute its claims anew (tests/applications/test_token_store.py): without the
    # cache, userinfo computes them at every request.
    settings.CLAIMS_CACHE_SECONDS = 0
    tokens = tokens_for(client, trainer)
    assert userinfo(client, tokens["access_token"])["email_verified"] is True
    assert id_token_claims(tokens["id_token"])["email_verified"] is True

    # The account's address changes to one that is not confirmed yet.
    trainer.email = "neu@firma.example"
    trainer.save()
    EmailAddress.objects.create(user=trainer, email=trainer.email, verified=False)
    claims = userinfo(client, tokens["access_token"])
    assert claims["email"] == "neu@firma.example" and claims["email_verified"] is False

    # Confirmed, written in other letter case: still the same address.
    EmailAddress.objects.filter(email="neu@firma.example").update(
        email="Neu@Firma.example", verified=True
    )
    assert userinfo(client, tokens["access_token"])["email_verified"] is True


def test_the_companies_claim_lists_each_company_once_with_its_roles_of_this_client(
    client, oidc_client, trainer, portal_role
):
    trainee = AppRoleFactory(application=portal_role.application, key="auszubildender")
    other_app_role = AppRoleFactory(key="exporteur")
    inactive = AppRoleFactory(application=portal_role.application, key="alt", is_active=False)
    first = trainer.memberships.get()  # Beispiel GmbH with "ausbilder"
    RoleAssignment.objects.create(membership=first, role=trainee)
    RoleAssignment.objects.create(membership=first, role=other_app_role)
    RoleAssignment.objects.create(membership=first, role=inactive)
    second = MembershipFactory(user=trainer, company=CompanyFactory(name="Anders AG"))
    RoleAssignment.objects.create(membership=second, role=portal_role)
    # Roles of another application only: not listed.
    third = MembershipFactory(user=trainer, company=CompanyFactory(name="Zeta KG"))
    RoleAssignment.objects.create(membership=third, role=other_app_role)
    # A company in its deletion period still works; a rejected one does not.
    leaving = MembershipFactory(
        user=trainer,
        company=CompanyFactory(name="Geht GmbH", state=CompanyState.DELETION_SCHEDULED),
    )
    RoleAssignment.objects.create(membership=leaving, role=portal_role)
    rejected = MembershipFactory(
        user=trainer, company=CompanyFactory(name="Nie GmbH", state=CompanyState.REJECTED)
    )
    RoleAssignment.objects.create(membership=rejected, role=portal_role)

    tokens = tokens_for(client, trainer)
    expected = [
        {
            "id": str(second.company_id),
            "name": "Anders AG",
            "chamber_number": second.company.chamber.number,
            "member_number": second.company.member_number,
            "roles": ["ausbilder"],
        },
        {
            "id": str(first.company_id),
            "name": "Beispiel GmbH",
            "chamber_number": first.company.chamber.number,
            "member_number": "1010001",
            "roles": ["ausbilder", "auszubildender"],
        },
        {
            "id": str(leaving.company_id),
            "name": "Geht GmbH",
            "chamber_number": leaving.company.chamber.number,
            "member_number": leaving.company.member_number,
            "roles": ["ausbilder"],
        },
    ]
    assert userinfo(client, tokens["access_token"])["companies"] == expected
    assert id_token_claims(tokens["id_token"])["companies"] == expected

    # A refreshed ID token carries the claim as it is now.
    RoleAssignment.objects.filter(membership=second).delete()
    client.force_login(trainer)
    tokens = tokens_for(client, trainer)
    response = refresh(client, tokens["refresh_token"], scope="openid profile email companies")
    assert response.status_code == 200
    assert [c["name"] for c in id_token_claims(response.json()["id_token"])["companies"]] == [
        "Beispiel GmbH",
        "Geht GmbH",
    ]


def test_without_the_companies_scope_there_is_no_companies_claim(client, oidc_client, trainer):
    tokens = tokens_for(client, trainer, scope="openid profile email")
    assert "companies" not in userinfo(client, tokens["access_token"])
    assert "companies" not in id_token_claims(tokens["id_token"])


def test_a_refresh_reads_the_roles_once_for_the_access_check_and_the_claim(
    client, oidc_client, trainer
):
    tokens = tokens_for(client, trainer)
    with CaptureQueriesContext(connection) as queries:
        response = refresh(client, tokens["refresh_token"])
    assert response.status_code == 200
    role_reads = [q for q in queries.captured_queries if "applications_roleassignment" in q["sql"]]
    assert len(role_reads) == 1, [q["sql"] for q in role_reads]


def test_introspection_of_an_unknown_client_with_a_nul_byte_is_refused(client, oidc_client):
    auth = base64.b64encode(f"service\x00portal:{SECRET}".encode()).decode()
    response = client.post(
        reverse("oauth2_provider:introspect"), {"token": "x"}, HTTP_AUTHORIZATION=f"Basic {auth}"
    )
    assert response.status_code == 401


def test_a_token_request_of_an_unknown_client_with_a_nul_byte_is_refused(client, oidc_client):
    auth = base64.b64encode(f"service\x00portal:{SECRET}".encode()).decode()
    response = client.post(
        reverse("oauth2_provider:token"),
        {"grant_type": "refresh_token", "refresh_token": "x"},
        HTTP_AUTHORIZATION=f"Basic {auth}",
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    response = client.post(
        reverse("oauth2_provider:token"),
        {"grant_type": "refresh_token", "refresh_token": "x", "client_id": "a\x00b"},
    )
    assert response.status_code == 401


def test_a_code_with_a_nul_byte_is_an_invalid_grant(client, oidc_client, trainer):
    client.force_login(trainer)
    code_from(authorize(client))
    response = exchange(client, "abc\x00def")
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_a_code_exchange_reads_the_grant_once(client, oidc_client, trainer):
    client.force_login(trainer)
    code = code_from(authorize(client))
    with CaptureQueriesContext(connection) as queries:
        response = exchange(client, code)
    assert response.status_code == 200
    grant_reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and 'FROM "oauth2_provider_grant"' in q["sql"]
    ]
    # One for the scopes (before the client is authenticated), one for the code's checks
    # (expiry, redirect URI, PKCE, nonce); there were seven, then three (django-oauth-toolkit's
    # RFC 8707 resource check ran in its token storage, which the lean token path replaces).
    assert len(grant_reads) == 2, grant_reads


def test_userinfo_reads_one_statement_once_its_claims_are_cached(client, oidc_client, trainer):
    tokens = tokens_for(client, trainer)
    client = Client()  # an application's request: no portal session
    with CaptureQueriesContext(connection) as first:
        assert userinfo(client, tokens["access_token"])["email_verified"] is True
    # The first request computes the claims: the family, the account with its confirmed
    # address in one statement, the roles, and the claims kept with the family.
    assert len(first.captured_queries) <= 4, [q["sql"] for q in first.captured_queries]
    with CaptureQueriesContext(connection) as queries:
        again = userinfo(client, tokens["access_token"])
    assert again["email_verified"] is True and again["companies"][0]["roles"] == ["ausbilder"]
    assert len(queries.captured_queries) == 1, [q["sql"] for q in queries.captured_queries]
    assert "applications_tokenfamily" in queries.captured_queries[0]["sql"]


def test_a_token_request_loads_the_client_with_its_application_once(client, oidc_client, trainer):
    # By its client_id, together with the connected application the access check needs, and
    # kept in the shared cache (applications/client_cache.py): at most one read per minute.
    tokens = tokens_for(client, trainer)
    with CaptureQueriesContext(connection) as queries:
        assert refresh(client, tokens["refresh_token"]).status_code == 200
    client_reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT")
        and 'FROM "applications_oauthclient"' in q["sql"]
        and '"applications_oauthclient"."client_id" =' in q["sql"]
    ]
    application_reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and 'FROM "applications_application"' in q["sql"]
    ]
    assert len(client_reads) <= 1
    assert all('"applications_application"' in sql for sql in client_reads)
    assert application_reads == []


def test_the_access_token_of_a_code_exchange_is_a_signed_jwt_and_not_stored(
    client, oidc_client, trainer
):
    from oauth2_provider.models import get_access_token_model

    from meinekammer.applications.models import TokenFamily

    tokens = tokens_for(client, trainer)
    assert not get_access_token_model().objects.exists()
    header = json.loads(base64.urlsafe_b64decode(tokens["access_token"].split(".")[0] + "=="))
    assert header["typ"] == "at+jwt" and header["alg"] == "ES256"
    claims = id_token_claims(tokens["access_token"])
    family = TokenFamily.objects.get()
    assert claims["fam"] == family.pk.hex and claims["gen"] == 1
    assert claims["sub"] == str(trainer.subject) and claims["client_id"] == "serviceportal"
    assert family.user == trainer and family.scope == "openid profile email companies"
    assert family.client == oidc_client and family.id_token_jti is not None
    # RFC 9700 token storage: only the refresh token's digest is kept.
    assert tokens["refresh_token"] not in str(TokenFamily.objects.values_list().get())
