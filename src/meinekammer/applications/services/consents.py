"""What a user grants a connected application, and taking it back ("Zugriff widerrufen").

First-party applications (run by the operator or the chambers) ask nothing; a third-party
application shows the user which data it receives, once: the consent is remembered for the
scopes granted, until the user revokes the application's access.
"""

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from meinekammer.accounts.models import User
from meinekammer.accounts.rules import require_account
from meinekammer.audit.events import emit
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.core.actor import Actor
from meinekammer.core.errors import NotFound

from .. import token_store
from ..grants import revoke_tokens
from ..models import Consent, OAuthClient
from ..selectors import granted_clients


def has_consent(user: Any, client: OAuthClient, scopes: Any) -> bool:
    """The user's remembered consent for this client covers these scopes."""
    consent = Consent.objects.filter(user=user, client=client).first()
    return consent is not None and consent.covers(scopes or [])


def consent_needed(user: Any, client: OAuthClient, scopes: Any) -> bool:
    """Whether the authorization endpoint has to ask the user (prompt=none cannot)."""
    return not client.first_party and not has_consent(user, client, scopes)


def record_consent(actor: Actor, *, client_id: str, scopes: str) -> Consent:
    """The user allowed the client (its OAuth `client_id`) these scopes on the consent page."""
    user = require_account(actor)
    client = OAuthClient.objects.filter(client_id=client_id).first()
    if client is None:
        raise NotFound
    consent, _created = Consent.objects.update_or_create(
        user=user, client=client, defaults={"scopes": scopes}
    )
    return consent


@dataclass(frozen=True)
class AccessRevoked:
    """The application whose access ended; `already` when an earlier call had ended it."""

    application: str
    already: bool = False


def revoke_application_access(actor: Actor, *, client_id: int) -> AccessRevoked:
    """ "Zugriff widerrufen": the client's tokens (its primary key) end and the consent is
    forgotten; the application asks again next time.

    A second call (a double click, the page sent again) changes and audits nothing and says
    it is done. A client the account never granted is NotFound.
    """
    with transaction.atomic():
        user = require_account(actor)
        # One revocation at a time per account: a double click revokes and audits once.
        User.objects.select_for_update().filter(pk=user.pk).first()
        client = next((c for c in granted_clients(user) if c.pk == client_id), None)
        if client is None:
            already = AuditEvent.objects.filter(
                action=AuditAction.APP_ACCESS_REVOKED, subject_user=user, data__client=client_id
            ).first()
            if already is None:
                raise NotFound  # never granted: an id from elsewhere
            return AccessRevoked(application=already.data.get("application", ""), already=True)
        revoke_tokens(user, clients=[client])
        Consent.objects.filter(user=user, client=client).delete()
        emit(
            AuditAction.APP_ACCESS_REVOKED,
            actor=actor,
            subject_user=user,
            application=client.name,
            client=client.pk,
        )
        return AccessRevoked(application=client.name)


def end_token_families(actor: Actor, *, family_ids: list[Any]) -> int:
    """The operator ends sessions of applications (the admin's "Beenden"): each family still
    live ends, with an audit event for its account; one already ended is left alone."""
    ended = 0
    with transaction.atomic():
        families = token_store.families().filter(pk__in=family_ids).select_related("client", "user")
        for family in families:
            if not token_store.revoke(token_store.families(family_id=family.pk)):
                continue  # ended meanwhile
            ended += 1
            emit(
                AuditAction.APP_ACCESS_REVOKED,
                actor=actor,
                subject_user=family.user,
                application=family.client.name,
                client=family.client_id,
            )
    return ended
