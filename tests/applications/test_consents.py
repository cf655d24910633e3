"""The user's consents as use cases: "Zugriff widerrufen" and the consent page's answer."""

import pytest
from django.utils import timezone

from meinekammer.accounts.models import User
from meinekammer.applications.models import Consent
from meinekammer.applications.services.consents import (
    consent_needed,
    record_consent,
    revoke_application_access,
)
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.core.actor import Actor, Interface
from meinekammer.core.errors import NotFound
from tests.accounts.factories import UserFactory
from tests.applications.conftest import live_families

pytestmark = pytest.mark.django_db


def test_revoking_access_ends_tokens_and_consent_and_audits_once(tokens, trainer, oidc_client):
    Consent.objects.create(user=trainer, client=oidc_client, scopes="openid companies")
    actor = Actor.of(trainer, ip="192.0.2.7", user_agent="Testbrowser")
    first = revoke_application_access(actor, client_id=oidc_client.pk)
    assert first.application == "Serviceportal Bildung" and not first.already
    assert not live_families().exists()
    assert not Consent.objects.exists()
    second = revoke_application_access(actor, client_id=oidc_client.pk)
    assert second.application == "Serviceportal Bildung" and second.already
    event = AuditEvent.objects.get(action=AuditAction.APP_ACCESS_REVOKED)
    assert event.actor == trainer and event.subject_user == trainer
    assert event.ip_address == "192.0.2.7" and event.via == "web"


def test_revoking_access_never_granted_or_by_an_account_that_may_not_act_is_not_found(
    tokens,
    trainer,
    oidc_client,
):
    with pytest.raises(NotFound):
        revoke_application_access(Actor.of(UserFactory()), client_id=oidc_client.pk)
    User.objects.filter(pk=trainer.pk).update(locked_at=timezone.now())
    trainer.refresh_from_db()
    with pytest.raises(NotFound):
        revoke_application_access(Actor.of(trainer), client_id=oidc_client.pk)
    assert live_families().exists()
    assert not AuditEvent.objects.filter(action=AuditAction.APP_ACCESS_REVOKED).exists()


def test_a_recorded_consent_covers_its_scopes_for_third_party_clients(trainer, oidc_client):
    assert not consent_needed(trainer, oidc_client, ["openid", "companies"])  # first party
    oidc_client.first_party = False
    oidc_client.save()
    assert consent_needed(trainer, oidc_client, ["openid"])
    actor = Actor.of(trainer, via=Interface.OIDC)
    record_consent(actor, client_id="serviceportal", scopes="openid companies")
    assert not consent_needed(trainer, oidc_client, ["openid", "companies"])
    assert consent_needed(trainer, oidc_client, ["openid", "email"])
    record_consent(actor, client_id="serviceportal", scopes="openid email")
    assert Consent.objects.get().scopes == "openid email"
    with pytest.raises(NotFound):
        record_consent(actor, client_id="unbekannt", scopes="openid")
