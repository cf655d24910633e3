import pytest
import requests
from django.conf import settings

from meinekammer.applications.models import OAuthClient, RoleAssignment
from tests.companies.factories import AppRoleFactory, CompanyFactory, MembershipFactory

REDIRECT_URI = "http://127.0.0.1:8001/auth/callback"
LOGOUT_URI = "http://127.0.0.1:8001/"
SECRET = "s3cret-for-tests-only-" + "x" * 20


@pytest.fixture
def portal_role(db):
    return AppRoleFactory(
        application__name="Serviceportal Bildung", key="ausbilder", name_de="Ausbilder"
    )


@pytest.fixture
def oidc_client(portal_role):
    client = OAuthClient(
        connected_application=portal_role.application,
        name="Serviceportal Bildung",
        client_id="serviceportal",
        client_secret=SECRET,
        client_type=OAuthClient.CLIENT_CONFIDENTIAL,
        authorization_grant_type=OAuthClient.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT_URI,
        post_logout_redirect_uris=LOGOUT_URI,
        algorithm=OAuthClient.RS256_ALGORITHM,
        first_party=True,
    )
    client.save()
    return client


@pytest.fixture
def trainer(user, portal_role):
    company = CompanyFactory(name="Beispiel GmbH", member_number="1010001")
    membership = MembershipFactory(user=user, company=company)
    RoleAssignment.objects.create(membership=membership, role=portal_role)
    return user


@pytest.fixture
def tokens(client, oidc_client, trainer):
    """The trainer logged in, with the tokens of one code exchange."""
    from tests.applications.test_oidc_refusals import authorize, code_from, exchange

    client.force_login(trainer)
    response = exchange(client, code_from(authorize(client)))
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def browser_for(live_server, client):
    """A requests session carrying the Django session of `user`, like a logged-in browser."""

    def make(user) -> requests.Session:
        client.force_login(user)
        session = requests.Session()
        session.cookies.set(
            settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
        )
        return session

    return make


@pytest.fixture
def issuer(live_server, settings):
    """The live server is the issuer: ID tokens carry its address."""
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": live_server.url}
    from oauth2_provider.settings import oauth2_settings

    oauth2_settings.reload()
    yield live_server.url
    oauth2_settings.reload()


def live_families():
    """What connected applications can still use: token families not revoked (the lean token
    path keeps a code exchange's refresh and access tokens in one row)."""
    from meinekammer.applications.models import TokenFamily

    return TokenFamily.objects.filter(revoked__isnull=True)


def issued_families():
    from meinekammer.applications.models import TokenFamily

    return TokenFamily.objects.all()
