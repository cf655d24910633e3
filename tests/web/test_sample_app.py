"""The sample "Serviceportal Bildung" (examples/serviceportal/) and its client in the demo data.

Nothing is started here: the WSGI application is called directly, the provider stubbed. The
whole way through a browser is e2e/test_sso_story.py."""

import io
import threading
from urllib.error import HTTPError
from urllib.parse import parse_qs, urlsplit
from urllib.request import urlopen
from wsgiref.util import setup_testing_defaults

import pytest
from django.contrib.auth.hashers import check_password
from examples.serviceportal.app import COOKIE, Config, ServicePortal, make_app_server

from meinekammer.accounts.models import User
from meinekammer.applications.models import OAuthClient
from meinekammer.demo.seed import (
    SERVICEPORTAL_CLIENT_ID,
    SERVICEPORTAL_CLIENT_SECRET,
    seed_demo_data,
)

ISSUER = "http://127.0.0.1:8000"
CONFIG = Config(
    issuer=ISSUER,
    client_id="serviceportal-demo",
    client_secret="geheim",
    url="http://127.0.0.1:8001",
)
METADATA = {
    "issuer": ISSUER,
    "authorization_endpoint": f"{ISSUER}/o/authorize/",
    "token_endpoint": f"{ISSUER}/o/token/",
    "userinfo_endpoint": f"{ISSUER}/o/userinfo/",
    "jwks_uri": f"{ISSUER}/o/jwks/",
    "end_session_endpoint": f"{ISSUER}/o/logout/",
}


@pytest.mark.django_db
def test_the_demo_registers_the_sample_client_for_exactly_its_address():
    seed_demo_data(serviceportal_url="http://127.0.0.1:9123/")
    client = OAuthClient.objects.get(client_id=SERVICEPORTAL_CLIENT_ID)
    assert client.redirect_uris == "http://127.0.0.1:9123/auth/callback"
    assert client.post_logout_redirect_uris == "http://127.0.0.1:9123/"
    assert client.first_party and client.skip_authorization
    assert client.connected_application.name == "Serviceportal Bildung"
    assert client.client_type == OAuthClient.CLIENT_CONFIDENTIAL
    assert client.authorization_grant_type == OAuthClient.GRANT_AUTHORIZATION_CODE
    assert client.algorithm == OAuthClient.RS256_ALGORITHM
    assert check_password(SERVICEPORTAL_CLIENT_SECRET, client.client_secret)  # a hash only
    users = User.objects.count()

    # Again, for another port: the same client, its URIs follow, nothing else is added.
    seed_demo_data(serviceportal_url="http://127.0.0.1:8001")
    (client,) = OAuthClient.objects.filter(client_id=SERVICEPORTAL_CLIENT_ID)
    assert client.redirect_uris == "http://127.0.0.1:8001/auth/callback"
    assert client.post_logout_redirect_uris == "http://127.0.0.1:8001/"
    assert not client.redirect_uri_allowed("http://127.0.0.1:9123/auth/callback")
    assert check_password(SERVICEPORTAL_CLIENT_SECRET, client.client_secret)
    assert User.objects.count() == users == 7


class Response:
    def __init__(self, portal, path, method="GET", cookie="", body=b""):
        environ: dict = {
            "REQUEST_METHOD": method,
            "PATH_INFO": urlsplit(path).path,
            "QUERY_STRING": urlsplit(path).query,
            "HTTP_COOKIE": cookie,
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
        }
        setup_testing_defaults(environ)

        def start_response(status, headers):
            self.status, self.headers = status, headers

        self.body = b"".join(portal(environ, start_response)).decode()

    def header(self, name):
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    @property
    def session_cookie(self):
        return self.header("Set-Cookie").split(";", 1)[0]


@pytest.fixture
def portal():
    portal = ServicePortal(CONFIG)
    portal.discover = lambda: METADATA  # type: ignore[method-assign]
    return portal


def test_the_start_page_offers_the_login(portal):
    response = Response(portal, "/")
    assert response.status == "200 OK"
    assert response.header("Content-Type") == "text/html; charset=utf-8"
    assert '<html lang="de">' in response.body
    assert "<h1>Serviceportal Bildung</h1>" in response.body
    assert 'href="/auth/login">Anmelden mit meinekammer</a>' in response.body


def test_the_login_starts_code_flow_with_pkce_state_and_nonce(portal):
    response = Response(portal, "/auth/login")
    assert response.status == "303 See Other"
    location = urlsplit(response.header("Location"))
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{ISSUER}/o/authorize/"
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["response_type"] == "code" and query["client_id"] == "serviceportal-demo"
    assert query["redirect_uri"] == "http://127.0.0.1:8001/auth/callback"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["state"] and query["nonce"] and "companies" in query["scope"].split()
    cookie = response.header("Set-Cookie")
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    (pending,) = portal.sessions.values()
    assert pending["pending"]["state"] == query["state"]
    assert pending["pending"]["nonce"] == query["nonce"]


def test_a_callback_without_its_login_is_refused(portal):
    response = Response(portal, "/auth/callback?code=abc&state=xyz")
    assert response.status == "400 Bad Request"
    assert "Die Anmeldung hat nicht geklappt" in response.body


def test_a_wrong_state_is_refused_before_any_exchange(portal):
    login = Response(portal, "/auth/login")
    portal.complete_login = ServicePortal.complete_login.__get__(portal)  # the real one
    response = Response(
        portal, f"/auth/callback?code=abc&state=forged&iss={ISSUER}", cookie=login.session_cookie
    )
    assert response.status == "400 Bad Request"
    assert "passt nicht zu dieser Sitzung" in response.body


def login_as(portal, userinfo, sub="abc"):
    login = Response(portal, "/auth/login")
    (pending,) = [s for s in portal.sessions.values() if "pending" in s]
    state = pending["pending"]["state"]
    portal.complete_login = lambda query, pending: {  # type: ignore[method-assign]
        "claims": {"sub": sub},
        "userinfo": {"sub": sub, **userinfo},
        "id_token": "the.id.token",
    }
    return Response(portal, f"/auth/callback?code=c&state={state}", cookie=login.session_cookie)


def test_a_user_without_a_role_is_refused_even_with_a_token(portal):
    response = login_as(portal, {"name": "Paul Plan", "email": "p@example.org", "companies": []})
    assert response.status == "403 Forbidden"
    assert "Kein Zugang zum Serviceportal Bildung" in response.body
    assert portal.sessions == {}


def test_a_user_with_a_role_sees_companies_and_roles_and_logs_out_at_meinekammer(portal):
    companies = [
        {"name": "Beispiel GmbH", "member_number": "1010001", "roles": ["ausbilder"]},
        {"name": "Ohne Rolle AG", "member_number": "1010002", "roles": []},
    ]
    callback = login_as(
        portal, {"name": "Tom Trainer", "email": "t@example.org", "companies": companies}
    )
    assert callback.status == "303 See Other" and callback.header("Location") == "/"
    home = Response(portal, "/", cookie=callback.session_cookie)
    assert "Willkommen, Tom Trainer" in home.body
    assert "Beispiel GmbH" in home.body and "Ausbilder (<code>ausbilder</code>)" in home.body
    assert "Ohne Rolle AG" not in home.body

    (session,) = portal.sessions.values()
    forged = Response(portal, "/auth/logout", "POST", callback.session_cookie, b"csrf=forged")
    assert forged.status == "400 Bad Request" and portal.sessions
    body = f"csrf={session['csrf']}".encode()
    logout = Response(portal, "/auth/logout", "POST", callback.session_cookie, body)
    assert logout.status == "303 See Other" and portal.sessions == {}
    location = urlsplit(logout.header("Location"))
    assert location.path == "/o/logout/"
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["id_token_hint"] == "the.id.token"
    assert query["post_logout_redirect_uri"] == "http://127.0.0.1:8001/"


def test_the_access_log_keeps_no_code_state_or_token(portal, capsys):
    # The server `main()` runs, on a free port, for two requests: the callback and a logout
    # redirect's kind of query. Its access log (stderr) names the path, never the values.
    server = make_app_server("127.0.0.1", 0, portal)
    base = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for path in (
            "/auth/callback?code=the-authorization-code&state=the-state&iss=x",
            "/nirgends?id_token_hint=the.id.token&access_token=the-access-token",
        ):
            with pytest.raises(HTTPError):
                urlopen(f"{base}{path}", timeout=10)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    log = capsys.readouterr().err
    assert "GET /auth/callback?code=[redacted]&state=[redacted]&iss=x" in log
    assert "GET /nirgends?id_token_hint=[redacted]&access_token=[redacted]" in log
    for secret in ("the-authorization-code", "the-state", "the.id.token", "the-access-token"):
        assert secret not in log


# --- "Bereich mit Zwei-Faktor" ------------------------------------------------------------------

TOM = {
    "name": "Tom Trainer",
    "email": "t@example.org",
    "companies": [{"name": "Beispiel GmbH", "member_number": "1010001", "roles": ["ausbilder"]}],
}


def login_for_mfa(portal, claims):
    login = Response(portal, "/auth/login?next=mfa")
    location = urlsplit(login.header("Location"))
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    (pending,) = portal.sessions.values()
    portal.complete_login = lambda query, pending: {  # type: ignore[method-assign]
        "claims": {"sub": "abc", **claims},
        "userinfo": {"sub": "abc", **TOM},
        "id_token": "the.id.token",
    }
    state = pending["pending"]["state"]
    callback = Response(portal, f"/auth/callback?code=c&state={state}", cookie=login.session_cookie)
    return query, callback


def test_the_start_page_links_to_the_mfa_area(portal):
    assert 'href="/mfa">Bereich mit Zwei-Faktor</a>' in Response(portal, "/").body


def test_the_mfa_area_sends_a_visitor_to_a_login_that_asks_for_the_second_factor(portal):
    response = Response(portal, "/mfa")
    assert response.status == "303 See Other"
    assert response.header("Location") == "/auth/login?next=mfa"
    query, _callback = login_for_mfa(portal, {"acr": "urn:meinekammer:mfa", "amr": ["otp"]})
    assert query["acr_values"] == "urn:meinekammer:mfa"
    plain = urlsplit(Response(portal, "/auth/login").header("Location"))
    assert "acr_values" not in parse_qs(plain.query)


def test_the_mfa_area_shows_how_the_user_logged_in(portal):
    _query, callback = login_for_mfa(
        portal, {"acr": "urn:meinekammer:mfa", "amr": ["pwd", "otp", "mfa"]}
    )
    assert callback.status == "303 See Other" and callback.header("Location") == "/mfa"
    area = Response(portal, "/mfa", cookie=callback.session_cookie)
    assert area.status == "200 OK"
    assert "<h1>Bereich mit Zwei-Faktor</h1>" in area.body
    assert "<code>pwd</code>" in area.body and "<code>otp</code>" in area.body
    assert "urn:meinekammer:mfa" in area.body


@pytest.mark.parametrize(
    "claims",
    [
        {},
        {"acr": "urn:meinekammer:pwd", "amr": ["pwd"]},
        {"acr": "urn:meinekammer:mfa"},
        {"acr": "urn:meinekammer:mfa", "amr": ["pwd"]},
        {"acr": "urn:meinekammer:mfa", "amr": "otp"},
        {"amr": ["pwd", "otp", "mfa"]},
    ],
)
def test_the_mfa_area_refuses_a_token_without_a_second_factor(portal, claims):
    _query, callback = login_for_mfa(portal, claims)
    assert callback.status == "400 Bad Request"
    assert "keinen zweiten Faktor" in callback.body
    assert portal.sessions == {}


def test_a_login_without_the_factor_does_not_open_the_mfa_area(portal):
    callback = login_as(portal, {**TOM})
    assert callback.header("Location") == "/"
    area = Response(portal, "/mfa", cookie=callback.session_cookie)
    assert area.status == "303 See Other" and area.header("Location") == "/auth/login?next=mfa"


# --- Change events (docs/integration.md) --------------------------------------------------------


@pytest.fixture
def events_portal(db):
    """The sample with its events secret, served on a free port like `main()` serves it, and
    registered at meinekammer as the receiver of its application's events."""
    from meinekammer.integration.models import EventEndpoint
    from tests.companies.factories import ApplicationFactory

    endpoint = EventEndpoint(application=ApplicationFactory(name="Serviceportal Bildung"))
    portal = ServicePortal(Config(**{**CONFIG.__dict__, "events_secret": endpoint.secret}))
    portal.discover = lambda: METADATA  # type: ignore[method-assign]
    server = make_app_server("127.0.0.1", 0, portal)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint.url = f"http://127.0.0.1:{server.server_port}/events"
    endpoint.save()
    yield portal, endpoint
    server.shutdown()
    server.server_close()


def test_a_role_taken_away_at_meinekammer_changes_the_open_session_at_once(
    events_portal, run_tasks, chamber, company, admin
):
    from meinekammer.applications.models import RoleAssignment
    from meinekammer.companies.services.members import change_member_roles
    from tests.companies.factories import AppRoleFactory, MembershipFactory, actor_for

    portal, endpoint = events_portal
    trainer = AppRoleFactory(application=endpoint.application, key="ausbilder")
    trainee = AppRoleFactory(application=endpoint.application, key="azubi")
    tom = MembershipFactory(company=company, user__first_name="Tom")
    for role in (trainer, trainee):
        RoleAssignment.objects.create(membership=tom, role=role)
    claim = [
        {
            "id": str(company.pk),  # as the companies claim has it
            "name": company.name,
            "member_number": "1010001",
            "roles": ["ausbilder", "azubi"],
        }
    ]
    callback = login_as(
        portal,
        {"name": "Tom", "email": tom.user.email, "companies": claim},
        sub=str(tom.user.subject),
    )
    cookie = callback.session_cookie
    assert "Ausbilder (<code>ausbilder</code>)" in Response(portal, "/", cookie=cookie).body

    # Anna takes the role away; Tom does not log in again.
    change_member_roles(
        actor_for(admin), company_id=company.pk, membership_id=tom.pk, take_away=[trainer]
    )
    run_tasks()
    home = Response(portal, "/", cookie=cookie).body
    assert "<code>ausbilder</code>" not in home and "<code>azubi</code>" in home
    assert "role.removed" in Response(portal, "/ereignisse").body

    # The last role goes: the session ends.
    change_member_roles(
        actor_for(admin), company_id=company.pk, membership_id=tom.pk, take_away=[trainee]
    )
    run_tasks()
    assert "Anmelden mit meinekammer" in Response(portal, "/", cookie=cookie).body


def test_events_with_a_wrong_signature_or_none_are_refused(events_portal):
    portal, _endpoint = events_portal
    body = b'{"type": "account.locked", "data": {"user": {"sub": "abc"}}}'
    response = Response(portal, "/events", "POST", body=body)
    assert response.status == "401 Unauthorized"
    assert Response(portal, "/events", "POST", body=b"").status == "400 Bad Request"
