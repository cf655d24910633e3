import base64
from urllib.parse import urlencode

import pytest

from meinekammer.core.actor import Actor, Interface
from meinekammer.integration.models import CHAMBER_SCOPES, COMPANY_SCOPES
from meinekammer.integration.services import create_service_account
from tests.companies.factories import CompanyFactory

TOKEN_URL = "/api/v1/token"


def post_token(client, data: dict, **extra):
    """A token request as clients send it (RFC 6749 4.4.2: form-urlencoded)."""
    return client.post(
        TOKEN_URL, urlencode(data), content_type="application/x-www-form-urlencoded", **extra
    )


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def token_for(client, account, secret, *, scope: str | None = None) -> str:
    data = {"grant_type": "client_credentials"}
    if scope is not None:
        data["scope"] = scope
    response = post_token(client, data, HTTP_AUTHORIZATION=basic(account.client_id, secret))
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


class Api:
    """A connected system calling the API with one service account's token."""

    def __init__(self, client, token: str) -> None:
        self.client = client
        self.token = token

    def _call(self, method: str, path: str, data=None, **extra):
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {self.token}", **extra}
        if method in ("post", "put") and data is not None:
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method)(f"/api/v1{path}", data, **kwargs)

    def get(self, path: str, params=None, **extra):
        return self._call("get", path, params, **extra)

    def post(self, path: str, body=None, **extra):
        return self._call("post", path, body, **extra)

    def put(self, path: str, **extra):
        return self._call("put", path, None, **extra)

    def delete(self, path: str, **extra):
        return self._call("delete", path, None, **extra)


def make_account(*, chamber=None, company=None, scopes=None, name="Registersync"):
    if scopes is None:
        scopes = CHAMBER_SCOPES if chamber is not None else COMPANY_SCOPES
    return create_service_account(
        Actor.system(Interface.CLI), name=name, scopes=scopes, chamber=chamber, company=company
    )


@pytest.fixture
def chamber_account(chamber):
    return make_account(chamber=chamber, name="Kammer-Registersync")


@pytest.fixture
def chamber_api(client, chamber_account):
    account, secret = chamber_account
    return Api(client, token_for(client, account, secret))


@pytest.fixture
def company_account(company):
    return make_account(company=company, name="Personalsystem")


@pytest.fixture
def company_api(client, company_account):
    account, secret = company_account
    return Api(client, token_for(client, account, secret))


@pytest.fixture
def other_company(other_chamber):
    return CompanyFactory(chamber=other_chamber, name="Geheim AG", member_number="2020002")


def assert_problem(response, status: int, kind: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["type"] == f"urn:meinekammer:problem:{kind}"
    assert body["title"]
    return body
