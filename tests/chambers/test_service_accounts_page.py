"""The chamber area's "Dienstkonten": staff create their chamber's service accounts (the
secret shown once), give them a new secret, deactivate them; nobody else can."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.integration.models import ServiceAccount
from tests.api.conftest import basic, make_account, post_token
from tests.recheck import mark_checked

pytestmark = pytest.mark.django_db

URL = reverse("chambers:service_accounts")


@pytest.fixture
def as_staff(client, staff):
    client.force_login(staff)
    mark_checked(client, method="mfa")
    return client


def create(client, name="Registersync", scopes=("registrations:read", "directory:write")):
    return client.post(URL, {"name": name, "scopes": list(scopes)})


def test_staff_create_an_account_and_see_its_secret_once(as_staff, chamber):
    response = create(as_staff)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    text = response.content.decode()
    account = ServiceAccount.objects.get()
    assert account.chamber == chamber and account.created_by is not None
    assert account.scopes == "directory:write registrations:read"
    secret = re.search(r"Geheimnis</dt><dd[^>]*><code>([^<]+)</code>", text).group(1)
    assert "nur dieses eine Mal" in text
    assert account.client_id in text
    # The secret works, and it is not shown again.
    token = post_token(
        as_staff,
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic(account.client_id, secret),
    )
    assert token.status_code == 200
    assert secret not in as_staff.get(URL).content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.SERVICE_ACCOUNT_CREATED).count() == 1


@pytest.mark.parametrize(
    "name, scopes, message",
    [
        ("", ["companies:read"], "Bitte geben Sie dem Dienstkonto einen Namen."),
        ("x" * 101, ["companies:read"], "höchstens 100 Zeichen"),
        ("Sync", [], "mindestens eine Berechtigung"),
        ("Sync", ["members:write"], "nur die aufgeführten Berechtigungen"),
        ("Sync", ["admin"], "nur die aufgeführten Berechtigungen"),
        ("Sy\x00nc", ["companies:read"], "Nullzeichen sind nicht erlaubt"),
        ("Sy\u200bnc", ["companies:read"], "nicht angezeigt werden können"),
    ],
)
def test_bad_input_creates_nothing(as_staff, name, scopes, message):
    response = create(as_staff, name=name, scopes=scopes)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ServiceAccount.objects.exists()


def test_a_change_asks_for_a_recent_check(client, staff):
    client.force_login(staff)
    session = client.session
    session["_allauth_authentication_methods"] = []
    session.save()
    response = create(client)
    assert response.status_code == 302
    assert not ServiceAccount.objects.exists()


def test_a_new_secret_ends_the_old_one(as_staff, chamber, client):
    account, old = make_account(chamber=chamber)
    response = as_staff.post(reverse("chambers:service_account_secret", args=[account.pk]))
    assert response.status_code == 200
    new = re.search(r"Geheimnis</dt><dd[^>]*><code>([^<]+)</code>", response.content.decode())
    assert new and new.group(1) != old
    refused = post_token(
        as_staff,
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic(account.client_id, old),
    )
    assert refused.status_code == 401


def test_deactivating_stops_the_account(as_staff, chamber):
    account, _secret = make_account(chamber=chamber)
    response = as_staff.post(
        reverse("chambers:service_account_deactivate", args=[account.pk]), follow=True
    )
    assert "ist deaktiviert" in response.content.decode()
    account.refresh_from_db()
    assert account.is_active is False


@pytest.mark.parametrize("actor", ["other staff", "plain user", "locked staff", "anonymous"])
def test_nobody_else_sees_or_changes_the_chambers_accounts(
    client, chamber, staff, other_staff, user, actor
):
    account, _secret = make_account(chamber=chamber, name="Geheimsync")
    if actor == "other staff":
        client.force_login(other_staff)
    elif actor == "plain user":
        client.force_login(user)
    elif actor == "locked staff":
        type(staff).objects.filter(pk=staff.pk).update(locked_at=timezone.now())
        client.force_login(staff)
    if actor != "anonymous":
        mark_checked(client, method="mfa")
    page = client.get(URL)
    attempts = [
        client.post(reverse("chambers:service_account_secret", args=[account.pk])),
        client.post(reverse("chambers:service_account_deactivate", args=[account.pk])),
    ]
    if actor != "other staff":  # other staff may create accounts: for their own chamber
        attempts.append(create(client))
    for response in attempts:
        if actor == "anonymous":
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))
        else:
            assert response.status_code == 404
    if actor == "other staff":
        assert page.status_code == 200 and "Geheimsync" not in page.content.decode()
    account.refresh_from_db()
    assert account.is_active and ServiceAccount.objects.count() == 1


def test_the_page_in_english(as_staff, staff):
    type(staff).objects.filter(pk=staff.pk).update(language="en")
    as_staff.cookies.load({"django_language": "en"})
    response = as_staff.get(URL)
    assert "Create a service account" in response.content.decode()
