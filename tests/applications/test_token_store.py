"""The lean token path (applications/token_store.py, sso/tokens.py, sso/refresh.py,
sso/bearer.py): what the token endpoints accept and refuse, how few statements they run, and
that the cached claims follow the changes of the account and its companies."""

import base64
import datetime as dt
import json
import time
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from jwcrypto import jwk, jwt

from meinekammer.accounts.services import update_personal_data
from meinekammer.applications import token_store
from meinekammer.applications.models import OAuthClient, TokenFamily
from meinekammer.companies.models import Company, CompanyState, Membership
from meinekammer.companies.services.members import update_company_data
from meinekammer.core.actor import Actor
from meinekammer.sso import tokens as sso_tokens
from meinekammer.sso.gate import role_holders_sql
from tests.applications.conftest import SECRET, live_families
from tests.applications.test_oidc_claims import tokens_for
from tests.applications.test_oidc_gate import introspect, refresh

pytestmark = pytest.mark.django_db


def other_client(oidc_client) -> OAuthClient:
    """A second confidential client of the same connected application."""
    other = OAuthClient(
        connected_application=oidc_client.connected_application,
        name="Andere Anwendung",
        client_id="andere-anwendung",
        client_secret=SECRET,
        client_type=OAuthClient.CLIENT_CONFIDENTIAL,
        authorization_grant_type=OAuthClient.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://andere.example/callback",
        algorithm=OAuthClient.RS256_ALGORITHM,
    )
    other.save()
    return other


def userinfo(token: str):
    return Client().get(reverse("oauth2_provider:user-info"), HTTP_AUTHORIZATION=f"Bearer {token}")


def part(token: str, index: int) -> dict:
    piece = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(piece + "=" * (-len(piece) % 4)))


def forge(token: str, *, header: dict | None = None, claims: dict | None = None) -> str:
    """The token with another header or payload and its old signature."""
    head, body, signature = token.split(".")

    def encode(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return ".".join(
        [
            encode(header) if header is not None else head,
            encode(claims) if claims is not None else body,
            signature,
        ]
    )


# --- Refresh ----------------------------------------------------------------------------------


def test_a_refresh_rotates_the_family_in_place(client, tokens):
    family = TokenFamily.objects.get()
    response = refresh(Client(), tokens["refresh_token"])
    assert response.status_code == 200, response.content
    new = response.json()
    assert "id_token" not in new  # only when the client asks (scope=openid)
    assert new["refresh_token"].startswith(family.pk.hex + ".")
    family.refresh_from_db()
    assert family.generation == 2 and TokenFamily.objects.count() == 1
    assert family.refresh_digest == sso_tokens.digest(new["refresh_token"])
    assert part(new["access_token"], 1)["gen"] == 2


def test_a_refresh_runs_one_statement(client, tokens):
    with CaptureQueriesContext(connection) as queries:
        assert refresh(Client(), tokens["refresh_token"]).status_code == 200
    statements = [q["sql"] for q in queries.captured_queries]
    # The rotation, with the account's and the gate's conditions in it (the client is cached).
    assert len(statements) == 1, statements
    assert statements[0].startswith("UPDATE") and "applications_tokenfamily" in statements[0]


def test_a_refresh_naming_its_scope_reads_the_family_first(client, tokens):
    narrower = next(s for s in TokenFamily.objects.get().scope.split() if s != "openid")
    with CaptureQueriesContext(connection) as queries:
        response = refresh(Client(), tokens["refresh_token"], scope=narrower)
    assert response.status_code == 200, response.content
    assert "id_token" not in response.json()
    assert len(queries.captured_queries) == 2, [q["sql"] for q in queries.captured_queries]


# --- The store's own statements (token_store.rotate, token_store.live_family) -----------------


def _family(oidc_client, user, **fields) -> TokenFamily:
    return token_store.start_family(
        family_id=uuid.uuid4(),
        client=oidc_client,
        user=user,
        scope="openid profile",
        refresh_digest="d0",
        lifetime=dt.timedelta(hours=1),
        amr=["pwd", "otp"],
        acr="urn:mk:mfa",
        auth_time=timezone.now() - dt.timedelta(minutes=5),
        **fields,
    )


def _rotate(family, oidc_client, *, presented="d0", client_id=None, roles=True):
    return token_store.rotate(
        family_id=family.pk,
        client_id=client_id or oidc_client.pk,
        presented_digest=presented,
        next_digest="d1",
        lifetime=dt.timedelta(hours=1),
        role_holders=role_holders_sql() if roles else None,
        application_id=oidc_client.connected_application_id,
    )


def test_the_rotation_returns_what_the_tokens_are_minted_from(oidc_client, trainer):
    family = _family(oidc_client, trainer)
    rotated = _rotate(family, oidc_client)
    assert rotated is not None
    assert rotated.generation == 2 and rotated.user_id == trainer.pk
    assert rotated.subject == str(trainer.subject) and rotated.scope == "openid profile"
    # The values as the ORM gives them, on SQLite as on PostgreSQL.
    assert rotated.amr == ["pwd", "otp"] and rotated.acr == "urn:mk:mfa"
    assert rotated.auth_time == TokenFamily.objects.get().auth_time
    assert rotated.auth_time.tzinfo is not None
    stored = TokenFamily.objects.get()
    assert stored.refresh_digest == "d1" and stored.generation == 2
    assert stored.expires > timezone.now() + dt.timedelta(minutes=59)


@pytest.mark.parametrize("why", ["old token", "other client", "revoked", "expired", "locked"])
def test_the_rotation_changes_nothing_when_a_condition_fails(oidc_client, trainer, why):
    family = _family(oidc_client, trainer)
    presented, client_id = "d0", oidc_client.pk
    if why == "old token":
        presented = "d-old"
    elif why == "other client":
        client_id = other_client(oidc_client).pk
    elif why == "revoked":
        TokenFamily.objects.update(revoked=timezone.now())
    elif why == "expired":
        TokenFamily.objects.update(expires=timezone.now() - dt.timedelta(seconds=1))
    elif why == "locked":
        type(trainer).objects.filter(pk=trainer.pk).update(locked_at=timezone.now())
    assert _rotate(family, oidc_client, presented=presented, client_id=client_id) is None
    stored = TokenFamily.objects.get()
    assert stored.refresh_digest == "d0" and stored.generation == 1


def test_the_rotation_asks_for_a_role_only_where_the_application_requires_one(oidc_client, trainer):
    family = _family(oidc_client, trainer)
    Membership.objects.filter(user=trainer).first().role_assignments.all().delete()
    assert _rotate(family, oidc_client) is None
    assert _rotate(family, oidc_client, roles=False) is not None


def test_a_role_in_a_company_that_does_not_work_opens_nothing(oidc_client, trainer):
    family = _family(oidc_client, trainer)
    Company.objects.filter(memberships__user=trainer).update(state=CompanyState.AWAITING_ACTIVATION)
    assert _rotate(family, oidc_client) is None


def test_the_live_family_statement_tells_the_cached_claims(oidc_client, trainer):
    family = _family(oidc_client, trainer)
    token_store.keep_claims(family.pk, {"sub": "x", "companies": [{"name": "Ä"}]})
    live = token_store.live_family(family.pk, 1, claims_max_age=60)
    assert live is not None and live.claims == {"sub": "x", "companies": [{"name": "Ä"}]}
    assert live.username == trainer.email and live.client_id == oidc_client.pk
    assert token_store.live_family(family.pk, 2, claims_max_age=60) is None  # another generation
    assert token_store.live_family(uuid.uuid4(), 1, claims_max_age=60) is None
    TokenFamily.objects.update(claims_at=timezone.now() - dt.timedelta(seconds=61))
    stale = token_store.live_family(family.pk, 1, claims_max_age=60)
    assert stale is not None and stale.claims is None
    type(trainer).objects.filter(pk=trainer.pk).update(is_active=False)
    assert token_store.live_family(family.pk, 1, claims_max_age=60) is None


@pytest.mark.parametrize(
    "token",
    [
        "",
        "x",
        "not-a-family.abc",
        "0" * 32 + ".",
        uuid.uuid4().hex + ".guessed",
        "a" * 5000,
        "abc\x00def",
        "<script>alert(1)</script>",
    ],
)
def test_a_malformed_or_unknown_refresh_token_is_an_invalid_grant(client, tokens, token):
    response = refresh(Client(), token)
    assert response.status_code == 400
    assert response.json()["error"] in ("invalid_grant", "invalid_request")
    assert live_families().count() == 1  # the real family is untouched


def test_a_guessed_secret_of_a_known_family_ends_it(client, tokens):
    # Only someone who held one of the family's tokens knows its key: a wrong secret with it is
    # a replay of an old token, or a forgery from one.
    family_id = tokens["refresh_token"].split(".")[0]
    assert refresh(Client(), f"{family_id}.guessed").status_code == 400
    assert not live_families().exists()
    assert refresh(Client(), tokens["refresh_token"]).status_code == 400


def test_a_refresh_for_another_client_is_refused_and_changes_nothing(client, tokens, oidc_client):
    other = other_client(oidc_client)
    auth = base64.b64encode(f"{other.client_id}:{SECRET}".encode()).decode()
    response = Client().post(
        reverse("oauth2_provider:token"),
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        HTTP_AUTHORIZATION=f"Basic {auth}",
    )
    assert response.status_code == 400
    assert TokenFamily.objects.get().generation == 1 and live_families().count() == 1
    assert refresh(Client(), tokens["refresh_token"]).status_code == 200


def test_a_wider_scope_at_refresh_is_refused_without_rotating(client, oidc_client, trainer):
    narrow = tokens_for(client, trainer, scope="openid")
    response = refresh(Client(), narrow["refresh_token"], scope="openid companies")
    assert response.status_code == 400 and response.json()["error"] == "invalid_scope"
    assert refresh(Client(), narrow["refresh_token"]).status_code == 200


# --- Access tokens ----------------------------------------------------------------------------


def test_the_access_token_is_an_rfc_9068_jwt_verifiable_with_the_jwks(client, tokens, trainer):
    keys = jwk.JWKSet.from_json(client.get(reverse("oauth2_provider:jwks-info")).content)
    verified = jwt.JWT(jwt=tokens["access_token"], key=keys, algs=["ES256"])
    claims = json.loads(verified.claims)
    assert part(tokens["access_token"], 0)["typ"] == "at+jwt"
    assert claims["sub"] == str(trainer.subject) and claims["aud"] == "serviceportal"
    assert claims["exp"] - claims["iat"] == 300 and claims["scope"].split()[0] == "openid"
    assert "email" not in claims and "companies" not in claims  # those are for userinfo


def test_userinfo_and_introspection_refuse_forged_expired_and_foreign_tokens(client, tokens):
    access = tokens["access_token"]
    claims = part(access, 1)
    header = part(access, 0)
    other_key = jwk.JWK.generate(kty="EC", crv="P-256")
    foreign = jwt.JWT(header={**header, "kid": other_key.thumbprint()}, claims=claims)
    foreign.make_signed_token(other_key)
    same_kid = jwt.JWT(header=header, claims=claims)
    same_kid.make_signed_token(other_key)
    bad = [
        forge(access, claims={**claims, "sub": "someone-else"}),  # signature no longer fits
        forge(access, claims={**claims, "exp": int(time.time()) + 86400}),
        forge(access, header={**header, "alg": "none"}),
        forge(access, header={**header, "typ": "JWT"}),
        foreign.serialize(),
        same_kid.serialize(),
        tokens["id_token"],  # an ID token is no access token
        tokens["refresh_token"],
        access + "x",
        "a.b.c",
        "\x00.\x00.\x00",
    ]
    for token in bad:
        assert userinfo(token).status_code == 401, token
        assert introspect(client, token) == {"active": False}, token
    assert userinfo(access).status_code == 200


def test_an_expired_access_token_opens_nothing(client, tokens, time_machine):
    time_machine.move_to(time.time() + 301)
    assert userinfo(tokens["access_token"]).status_code == 401
    assert introspect(client, tokens["access_token"]) == {"active": False}


def test_a_refresh_ends_the_access_token_before_it(client, tokens):
    refreshed = refresh(Client(), tokens["refresh_token"]).json()
    assert introspect(client, tokens["access_token"]) == {"active": False}
    assert userinfo(tokens["access_token"]).status_code == 401
    assert introspect(client, refreshed["access_token"])["active"] is True
    assert userinfo(refreshed["access_token"]).status_code == 200


def test_introspection_runs_one_statement(client, tokens):
    introspect(Client(), tokens["access_token"])  # the caller is cached from here on
    with CaptureQueriesContext(connection) as queries:
        answer = introspect(Client(), tokens["access_token"])
    assert answer["active"] is True and answer["client_id"] == "serviceportal"
    assert len(queries.captured_queries) == 1, [q["sql"] for q in queries.captured_queries]


# --- Revocation -------------------------------------------------------------------------------


def revoke(token: str, client_id: str = "serviceportal"):
    auth = base64.b64encode(f"{client_id}:{SECRET}".encode()).decode()
    return Client().post(
        reverse("oauth2_provider:revoke-token"),
        {"token": token},
        HTTP_AUTHORIZATION=f"Basic {auth}",
    )


@pytest.mark.parametrize("which", ["refresh_token", "access_token"])
def test_revoking_either_token_ends_the_family(client, tokens, which):
    assert revoke(tokens[which]).status_code == 200
    assert not live_families().exists()
    assert introspect(client, tokens["access_token"]) == {"active": False}
    assert refresh(Client(), tokens["refresh_token"]).status_code == 400


def test_another_client_cannot_revoke_the_tokens(client, tokens, oidc_client):
    other_client(oidc_client)
    assert revoke(tokens["refresh_token"], "andere-anwendung").status_code == 200  # RFC 7009
    assert revoke(tokens["access_token"], "andere-anwendung").status_code == 200
    assert live_families().count() == 1
    assert introspect(client, tokens["access_token"])["active"] is True


def test_rp_initiated_logout_ends_the_family(client, tokens):
    response = client.get(
        reverse("oauth2_provider:rp-initiated-logout"), {"id_token_hint": tokens["id_token"]}
    )
    assert response.status_code == 302
    assert not live_families().exists()
    assert refresh(Client(), tokens["refresh_token"]).status_code == 400


# --- Claims cached with the family ------------------------------------------------------------


def test_claims_are_computed_once_and_again_after_a_change_of_the_account(
    client, oidc_client, trainer
):
    tokens = tokens_for(client, trainer)
    assert userinfo(tokens["access_token"]).json()["family_name"] == trainer.last_name
    assert TokenFamily.objects.get().claims is not None
    update_personal_data(
        Actor.of(trainer), salutation="ms", first_name="Erika", last_name="Neumann-Muster"
    )
    assert TokenFamily.objects.get().claims is None
    info = userinfo(tokens["access_token"]).json()
    assert info["given_name"] == "Erika" and info["family_name"] == "Neumann-Muster"


def test_a_change_of_the_company_makes_its_members_claims_be_computed_anew(client, tokens, trainer):
    userinfo(tokens["access_token"])
    membership = Membership.objects.get(user=trainer)
    Membership.objects.filter(pk=membership.pk).update(is_admin=True)
    update_company_data(
        Actor.of(trainer), company_id=membership.company_id, data={"phone": "+49 30 1234567"}
    )
    assert TokenFamily.objects.get().claims is None


def test_cached_claims_expire(client, oidc_client, trainer, settings):
    tokens = tokens_for(client, trainer)
    assert userinfo(tokens["access_token"]).json()["given_name"] == trainer.first_name
    type(trainer).objects.filter(pk=trainer.pk).update(first_name="Direkt")  # no event
    assert userinfo(tokens["access_token"]).json()["given_name"] == trainer.first_name
    settings.CLAIMS_CACHE_SECONDS = 0
    assert userinfo(tokens["access_token"]).json()["given_name"] == "Direkt"


# --- The operator's admin ----------------------------------------------------------------------


def test_the_operator_sees_logins_at_applications_and_ends_them(admin_client, tokens, trainer):
    from meinekammer.audit.models import AuditAction, AuditEvent

    url = "/operator/applications/tokenfamily/"
    page = admin_client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert str(trainer) in text and tokens["refresh_token"] not in text
    family = TokenFamily.objects.get()
    assert family.refresh_digest not in text
    response = admin_client.post(
        url, {"action": "end_families", "_selected_action": [str(family.pk)]}, follow=True
    )
    assert response.status_code == 200
    assert not live_families().exists()
    event = AuditEvent.objects.get(action=AuditAction.APP_ACCESS_REVOKED)
    assert event.subject_user == trainer and event.via == "admin"
    # Again: nothing left to end, no second event.
    admin_client.post(url, {"action": "end_families", "_selected_action": [str(family.pk)]})
    assert AuditEvent.objects.filter(action=AuditAction.APP_ACCESS_REVOKED).count() == 1


def test_the_logins_page_is_for_operators_only(client, tokens, trainer):
    client.force_login(trainer)
    response = client.get("/operator/applications/tokenfamily/")
    assert response.status_code == 302 and "login" in response["Location"]
    assert Client().get("/operator/applications/tokenfamily/").status_code == 302
