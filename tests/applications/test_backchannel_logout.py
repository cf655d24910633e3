"""OpenID Connect Back-Channel Logout 1.0: a logout token to each application where the
account's session ends (logout, lock, erasure, the last role there lost), sent to a real
receiving process, retried while it is down."""

import json
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from jwcrypto import jwk, jwt
from oauth2_provider.settings import oauth2_settings

from meinekammer.accounts.services import lock_account
from meinekammer.applications.backchannel import BACKCHANNEL_EVENT, send_due_logouts
from meinekammer.applications.models import BackchannelLogout, RoleAssignment
from meinekammer.companies.services.members import change_member_roles
from meinekammer.core.actor import Actor
from tests.companies.factories import AppRoleFactory, MembershipFactory, actor_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(oidc_client, receiver):
    oidc_client.backchannel_logout_uri = receiver.url
    oidc_client.save()
    return oidc_client


def logout_claims(message: dict) -> dict:
    """The logout token's claims, verified with the provider's public key."""
    token = parse_qs(message["body"])["logout_token"][0]
    public = jwk.JWK.from_pem(oauth2_settings.OIDC_RSA_PRIVATE_KEY.encode())
    verified = jwt.JWT(jwt=token, key=public, algs=["RS256"])
    assert json.loads(verified.header)["typ"] == "logout+jwt"
    return json.loads(verified.claims)


def test_a_locked_account_is_logged_out_of_the_application(
    registered, receiver, tokens, trainer, run_tasks
):
    lock_account(Actor.of(trainer))
    assert BackchannelLogout.objects.filter(client=registered).count() == 1
    run_tasks()
    [message] = receiver.received()
    claims = logout_claims(message)
    assert claims["iss"] == oauth2_settings.OIDC_ISS_ENDPOINT
    assert claims["aud"] == registered.client_id
    assert claims["sub"] == str(trainer.subject)
    assert claims["events"] == {BACKCHANNEL_EVENT: {}}
    assert "nonce" not in claims and claims["exp"] - claims["iat"] <= 120
    run_tasks()
    assert len(receiver.received()) == 1  # sent once


def test_a_logout_at_meinekammer_tells_the_application(client, registered, receiver, tokens):
    client.post(reverse("account_logout"))
    assert BackchannelLogout.objects.filter(client=registered, reason="logout").count() == 1


def test_only_the_last_role_lost_ends_the_session_there(registered, tokens, trainer, portal_role):
    membership = trainer.memberships.get()
    other = AppRoleFactory(application=portal_role.application, key="azubi")
    RoleAssignment.objects.create(membership=membership, role=other)
    admin = MembershipFactory(company=membership.company, is_admin=True).user
    change_member_roles(
        actor_for(admin),
        company_id=membership.company_id,
        membership_id=membership.pk,
        take_away=[portal_role],
    )
    assert not BackchannelLogout.objects.exists()  # still a role there
    # (its tokens ended all the same: the next login brings the new roles)
    change_member_roles(
        actor_for(admin),
        company_id=membership.company_id,
        membership_id=membership.pk,
        take_away=[other],
    )
    # No live family any more since the first change: nothing to log out of.
    assert not BackchannelLogout.objects.exists()


def test_the_last_role_lost_with_a_live_session_logs_out(registered, tokens, trainer, portal_role):
    membership = trainer.memberships.get()
    admin = MembershipFactory(company=membership.company, is_admin=True).user
    change_member_roles(
        actor_for(admin),
        company_id=membership.company_id,
        membership_id=membership.pk,
        take_away=[portal_role],
    )
    assert BackchannelLogout.objects.filter(client=registered, reason="access_ended").count() == 1


def test_a_client_without_a_back_channel_uri_is_not_told(oidc_client, tokens, trainer):
    lock_account(Actor.of(trainer))
    assert not BackchannelLogout.objects.exists()


def test_while_the_application_is_down_the_token_waits_and_goes_out_once(
    registered, receiver, tokens, trainer
):
    receiver.stop()
    lock_account(Actor.of(trainer))
    assert send_due_logouts() == 0
    logout = BackchannelLogout.objects.get()
    assert logout.attempts == 1 and not logout.sent and "Connection" in logout.last_error
    receiver.start()
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        assert send_due_logouts() == 1
    [message] = receiver.received()
    assert logout_claims(message)["jti"] == str(logout.jti)


def test_discovery_says_back_channel_logout_is_supported(client):
    document = client.get("/.well-known/openid-configuration").json()
    assert document["backchannel_logout_supported"] is True
    assert document["backchannel_logout_session_supported"] is False


# --- The sample application receives it (examples/serviceportal) ----------------------------


def test_a_logout_token_from_meinekammer_ends_the_accounts_sessions(client, oidc_client):
    """The sample verifies the logout token with meinekammer's JWKS and ends the sessions."""
    from examples.serviceportal.app import Config, ServicePortal

    from meinekammer.applications.backchannel import logout_token
    from tests.web.test_sample_app import CONFIG, METADATA, Response, login_as

    issuer = oauth2_settings.OIDC_ISS_ENDPOINT
    config = Config(**{**CONFIG.__dict__, "issuer": issuer, "client_id": oidc_client.client_id})
    jwks = client.get("/o/jwks/").json()
    portal = ServicePortal(config, http=StaticHttp(jwks))
    portal.discover = lambda: {**METADATA, "issuer": issuer}  # type: ignore[method-assign]
    callback = login_as(
        portal,
        {"name": "Tom", "email": "t@example.org", "companies": [{"id": 1, "roles": ["x"]}]},
        sub="sub-of-tom",
    )
    logout = BackchannelLogout.objects.create(
        client=oidc_client, subject="sub-of-tom", reason="logout"
    )
    body = f"logout_token={logout_token(logout)}".encode()
    assert Response(portal, "/backchannel-logout", "POST", body=body).status == "200 OK"
    home = Response(portal, "/", cookie=callback.session_cookie).body
    assert "Anmelden mit meinekammer" in home
    forged = Response(portal, "/backchannel-logout", "POST", body=b"logout_token=a.b.c")
    assert forged.status == "400 Bad Request"


class StaticHttp:
    """The sample's HTTP client, answering the JWKS request with the given document."""

    def __init__(self, document):
        self.document = document

    def get(self, url, timeout):
        return self

    def json(self):
        return self.document
