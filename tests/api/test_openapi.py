"""The OpenAPI 3.1 document and the browsable reference, served by this installation alone."""

import re

import pytest
from django.core.management import call_command

from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.integration.models import ServiceAccount

pytestmark = pytest.mark.django_db


def test_the_openapi_document_describes_every_resource(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    assert {
        "/api/v1/companies",
        "/api/v1/companies/{company_id}/members",
        "/api/v1/companies/{company_id}/members/{member_id}/roles/{role_id}",
        "/api/v1/chamber/registrations",
        "/api/v1/chamber/registrations/{registration_id}/approve",
        "/api/v1/chamber/directory",
        "/api/v1/audit-events",
    } <= set(document["paths"])
    listed = document["paths"]["/api/v1/companies"]["get"]
    assert {"200", "401", "403", "422", "429"} <= set(listed["responses"])
    assert "Problem" in document["components"]["schemas"]


def test_the_reference_page_loads_nothing_from_another_host(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") for s in sources), sources
    assert "swagger-ui-bundle.js" in html


def test_the_command_creates_an_account_and_prints_its_secret_once(capsys, chamber):
    call_command(
        "create-service-account",
        "--name",
        "Registersync",
        "--chamber",
        "101",
        "--scope",
        "registrations:read",
        "--scope",
        "companies:read",
    )
    out = capsys.readouterr().out
    account = ServiceAccount.objects.get()
    assert f"client_id={account.client_id}" in out
    secret = re.search(r"client_secret=(\S+)", out).group(1)
    assert secret not in account.secret_hash
    assert account.scopes == "companies:read registrations:read"
    assert AuditEvent.objects.filter(action=AuditAction.SERVICE_ACCOUNT_CREATED).count() == 1


@pytest.mark.parametrize(
    "args",
    [
        ["--name", "X", "--chamber", "999", "--scope", "companies:read"],
        ["--name", "X", "--chamber", "101", "--scope", "members:write"],
        ["--name", "X", "--chamber", "101"],
        ["--name", "", "--chamber", "101", "--scope", "companies:read"],
        ["--new-secret", "svc-gibtesnicht"],
    ],
)
def test_the_command_refuses_what_does_not_fit(chamber, args):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create-service-account", *args)
    assert not ServiceAccount.objects.exists()


def test_the_operator_deactivates_an_account_in_the_admin(admin_client, chamber_account):
    account, _secret = chamber_account
    url = "/operator/integration/serviceaccount/"
    page = admin_client.get(url)
    assert page.status_code == 200 and account.client_id in page.content.decode()
    admin_client.post(url, {"action": "deactivate", "_selected_action": [str(account.pk)]})
    account.refresh_from_db()
    assert account.is_active is False
    event = AuditEvent.objects.get(action=AuditAction.SERVICE_ACCOUNT_DEACTIVATED)
    assert event.via == "admin"
