"""The access gate (no role, no code), consent, revocation, and the operator's commands."""

import base64
import io
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.management import call_command
from django.urls import reverse

from meinekammer.accounts import services as accounts
from meinekammer.applications.models import Consent, OAuthClient, RoleAssignment
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.companies.models import Membership
from meinekammer.companies.services import members
from meinekammer.core.actor import Actor
from tests.accounts.factories import UserFactory
from tests.applications.conftest import SECRET, issued_families, live_families
from tests.applications.test_oidc_refusals import authorize, code_from
from tests.companies.factories import CompanyFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def introspect(client, token):
    auth = base64.b64encode(f"serviceportal:{SECRET}".encode()).decode()
    return client.post(
        reverse("oauth2_provider:introspect"), {"token": token}, HTTP_AUTHORIZATION=f"Basic {auth}"
    ).json()


def refresh(client, token, scope=None):
    """A refresh; with `scope` naming `openid` the response carries a new ID token (OpenID
    Connect Core 12.2: only when the client asks, sso/refresh.py)."""
    auth = base64.b64encode(f"serviceportal:{SECRET}".encode()).decode()
    data = {"grant_type": "refresh_token", "refresh_token": token}
    if scope is not None:
        data["scope"] = scope
    return client.post(reverse("oauth2_provider:token"), data, HTTP_AUTHORIZATION=f"Basic {auth}")


def test_a_member_without_a_role_gets_no_code_but_the_explanation(client, oidc_client, user):
    Membership.objects.create(user=user, company=CompanyFactory())
    client.force_login(user)
    response = authorize(client)
    assert response.status_code == 403
    assert "Location" not in response
    text = response.content.decode()
    assert "Rolle beantragen" in text and "Unternehmen beitreten" in text
    assert not issued_families().exists()


def test_a_user_without_company_is_offered_to_join(client, oidc_client):
    client.force_login(UserFactory())
    response = authorize(client)
    assert response.status_code == 403 and "Unternehmen beitreten" in response.content.decode()


def test_an_application_without_role_requirement_lets_everyone_in(client, oidc_client):
    application = oidc_client.connected_application
    application.requires_role = False
    application.save()
    client.force_login(UserFactory())
    assert code_from(authorize(client))


@pytest.mark.parametrize(
    "how",
    ["role removed", "membership ended", "member removed", "account locked", "account deleted"],
)
def test_revocation_refuses_the_next_refresh_and_introspection_at_once(
    client, tokens, trainer, how
):
    assert introspect(client, tokens["access_token"])["active"] is True
    membership = trainer.memberships.get()
    admin = Actor.of(MembershipFactory(company=membership.company, is_admin=True).user)
    if how == "role removed":
        members.save_member(
            admin,
            company_id=membership.company_id,
            membership_id=membership.pk,
            roles=[],
            is_admin=False,
        )
        assert not RoleAssignment.objects.filter(membership__user=trainer).exists()
    elif how == "membership ended":
        members.leave_company(Actor.of(trainer), company_id=membership.company_id)
    elif how == "member removed":
        members.remove_member(admin, company_id=membership.company_id, membership_id=membership.pk)
    elif how == "account locked":
        accounts.lock_account(Actor.of(trainer))
    else:
        accounts.delete_account(Actor.of(trainer))
    assert introspect(client, tokens["access_token"])["active"] is False
    assert refresh(client, tokens["refresh_token"]).status_code == 400


def test_third_party_applications_ask_for_consent_once(client, oidc_client, trainer):
    oidc_client.first_party = False
    oidc_client.save()
    client.force_login(trainer)
    page = authorize(client)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Ihre Unternehmen und Ihre Rollen" in text or "your companies" in text
    form = {
        key: value
        for key, value in parse_qs(urlparse(page.wsgi_request.get_full_path()).query).items()
    }
    data = {k: v[0] for k, v in form.items()}
    data.update({"allow": "Authorize", "scope": "openid companies"})
    response = client.post(reverse("oauth2_provider:authorize"), data)
    assert response.status_code == 302 and "code=" in response["Location"]
    assert Consent.objects.filter(user=trainer, client=oidc_client).exists()
    assert "code=" in authorize(client)["Location"]  # no second question


def test_the_account_lists_granted_applications_and_revokes_them(
    client, tokens, trainer, oidc_client
):
    page = client.get(reverse("applications:granted"))
    assert oidc_client.name in page.content.decode()
    client.post(reverse("applications:revoke_grant", args=[oidc_client.pk]))
    assert introspect(client, tokens["access_token"])["active"] is False
    assert not live_families().exists()
    other = UserFactory()
    client.force_login(other)
    assert (
        client.post(reverse("applications:revoke_grant", args=[oidc_client.pk])).status_code == 404
    )


def test_revoking_access_twice_says_it_is_done_and_audits_once(
    client, tokens, trainer, oidc_client
):
    url = reverse("applications:revoke_grant", args=[oidc_client.pk])
    first = client.post(url, follow=True)
    second = client.post(url, follow=True)  # a double click, or the page sent again
    assert first.status_code == second.status_code == 200
    assert "Serviceportal Bildung" in second.content.decode()
    events = AuditEvent.objects.filter(action=AuditAction.APP_ACCESS_REVOKED, subject_user=trainer)
    assert events.count() == 1
    assert events.get().data == {"application": "Serviceportal Bildung", "client": oidc_client.pk}
    # The owner sees it among the security events of the account.
    page = client.get(reverse("accounts:overview")).content.decode()
    assert "Zugriff einer Anwendung widerrufen" in page


def test_revoking_an_application_never_granted_is_not_found(client, oidc_client):
    client.force_login(UserFactory())
    url = reverse("applications:revoke_grant", args=[oidc_client.pk])
    assert client.post(url).status_code == 404
    assert client.post(reverse("applications:revoke_grant", args=[987654321])).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.APP_ACCESS_REVOKED).exists()


def test_revoking_access_is_refused_to_visitors_locked_accounts_and_get(
    client, tokens, trainer, oidc_client
):
    from django.test import Client
    from django.utils import timezone

    from meinekammer.accounts.models import User

    url = reverse("applications:revoke_grant", args=[oidc_client.pk])
    assert client.get(url).status_code == 405
    anonymous = Client().post(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    # A locked account whose session outlived the lock (set without the lock's side effects).
    User.objects.filter(pk=trainer.pk).update(locked_at=timezone.now())
    assert client.post(url).status_code == 404
    # The refused request ended nothing (introspection answers inactive for the locked account
    # anyway: it asks whether the account may act).
    assert live_families().exists()
    assert introspect(client, tokens["access_token"])["active"] is False
    assert not AuditEvent.objects.filter(action=AuditAction.APP_ACCESS_REVOKED).exists()


def test_register_app_prints_the_credentials_once_and_stores_a_hash(portal_role):
    out = io.StringIO()
    call_command(
        "register-app",
        "--application",
        "Serviceportal Bildung",
        "--redirect-uri",
        "https://portal.example/callback",
        "--post-logout-uri",
        "https://portal.example/",
        "--first-party",
        stdout=out,
    )
    lines = dict(line.split("=", 1) for line in out.getvalue().splitlines() if "=" in line)
    client = OAuthClient.objects.get(client_id=lines["client_id"])
    assert lines["client_secret"] not in client.client_secret
    assert client.first_party and client.skip_authorization
    assert client.redirect_uris == "https://portal.example/callback"


def test_create_signing_key_writes_a_private_pem_once(tmp_path):
    path = tmp_path / "key.pem"
    call_command("create-signing-key", "--out", str(path), "--bits", "2048", stdout=io.StringIO())
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert oct(path.stat().st_mode)[-3:] == "600"
    with pytest.raises(Exception, match="exists"):
        call_command("create-signing-key", "--out", str(path), stdout=io.StringIO())


def test_jwks_publishes_the_active_and_the_published_keys(client, settings):
    from oauth2_provider.settings import oauth2_settings

    from meinekammer.settings.oidc_keys import new_private_key_pem

    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "OIDC_RSA_PRIVATE_KEYS_INACTIVE": [new_private_key_pem(2048)],
    }
    oauth2_settings.reload()
    try:
        keys = client.get(reverse("oauth2_provider:jwks-info")).json()["keys"]
    finally:
        settings.OAUTH2_PROVIDER = {
            **settings.OAUTH2_PROVIDER,
            "OIDC_RSA_PRIVATE_KEYS_INACTIVE": [],
        }
        oauth2_settings.reload()
    # The ID-token key and the published one (RS256), and the access-token key (ES256).
    assert len({key["kid"] for key in keys if key["alg"] == "RS256"}) == 2
    assert [key["alg"] for key in keys if key["kty"] == "EC"] == ["ES256"]


def test_a_client_refresh_lifetime_longer_than_the_installations_is_refused(portal_role, settings):
    """django-oauth-toolkit refuses refresh tokens older than REFRESH_TOKEN_SECONDS for every
    client: a longer lifetime of a client's own would silently not hold."""
    from django.core.exceptions import ValidationError
    from django.core.management.base import CommandError

    longer = settings.REFRESH_TOKEN_SECONDS + 1
    with pytest.raises(CommandError, match="REFRESH_TOKEN_SECONDS"):
        call_command(
            "register-app",
            "--application",
            "Serviceportal Bildung",
            "--redirect-uri",
            "https://portal.example/callback",
            "--refresh-token-seconds",
            str(longer),
            stdout=io.StringIO(),
        )
    assert not OAuthClient.objects.filter(redirect_uris="https://portal.example/callback").exists()
    client = OAuthClient(
        name="x",
        client_type=OAuthClient.CLIENT_CONFIDENTIAL,
        authorization_grant_type=OAuthClient.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://portal.example/callback",
        algorithm=OAuthClient.RS256_ALGORITHM,
        refresh_token_seconds=longer,
    )
    with pytest.raises(ValidationError) as refused:
        client.clean()
    assert list(refused.value.message_dict) == ["refresh_token_seconds"]
    client.refresh_token_seconds = settings.REFRESH_TOKEN_SECONDS
    client.clean()  # up to the installation's lifetime is fine
