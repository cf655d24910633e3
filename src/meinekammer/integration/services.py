"""Service accounts: created by the operator (command `create-service-account`, the admin),
given a new secret, deactivated. The secret is returned once and stored only as a hash."""

import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from meinekammer.audit.events import emit
from meinekammer.audit.models import AuditAction
from meinekammer.chambers.guards import get_staff_chamber
from meinekammer.core.actor import Actor, Interface
from meinekammer.core.errors import Invalid, NotFound

from .models import CHAMBER_SCOPES, COMPANY_SCOPES, ApiScope, ServiceAccount

SECRET_HASHER = "pbkdf2_sha256_client"  # accounts.hashers.ClientSecretHasher: 48 random bytes


def _new_secret() -> str:
    return secrets.token_urlsafe(48)


def allowed_scopes(*, chamber: Any = None, company: Any = None) -> frozenset[str]:
    return CHAMBER_SCOPES if chamber is not None else COMPANY_SCOPES if company else frozenset()


def _clean_scopes(scopes: Iterable[str], *, chamber: Any, company: Any) -> str:
    wanted = sorted({str(scope).strip() for scope in scopes if str(scope).strip()})
    if (chamber is None) == (company is None):
        raise Invalid(_("A service account speaks for exactly one chamber or one company."))
    if not wanted:
        raise Invalid(_("Give the service account at least one scope."))
    unknown = [scope for scope in wanted if scope not in ApiScope.values]
    if unknown:
        raise Invalid(_("Unknown scopes: %(scopes)s") % {"scopes": ", ".join(unknown)})
    refused = [s for s in wanted if s not in allowed_scopes(chamber=chamber, company=company)]
    if refused:
        raise Invalid(
            _("A service account of a %(kind)s cannot have these scopes: %(scopes)s")
            % {"kind": _("chamber") if chamber else _("company"), "scopes": ", ".join(refused)}
        )
    return " ".join(wanted)


def create_service_account(
    actor: Actor,
    *,
    name: str,
    scopes: Iterable[str],
    chamber: Any = None,
    company: Any = None,
) -> tuple[ServiceAccount, str]:
    """A new service account and its secret (shown once, never stored in clear)."""
    name = (name or "").strip()
    if not name or len(name) > 100 or "\x00" in name:
        raise Invalid(_("Give the service account a name of at most 100 characters."))
    scope_text = _clean_scopes(scopes, chamber=chamber, company=company)
    secret = _new_secret()
    with transaction.atomic():
        account = ServiceAccount.objects.create(
            name=name,
            chamber=chamber,
            company=company,
            scopes=scope_text,
            secret_hash=make_password(secret, hasher=SECRET_HASHER),
            created_by=actor.user,
        )
        emit(
            AuditAction.SERVICE_ACCOUNT_CREATED,
            actor=actor,
            company=company,
            service_account_id=account.pk,
            name=name,
            chamber=chamber.pk if chamber is not None else None,
            scopes=scope_text,
        )
    return account, secret


def create_chamber_service_account(
    actor: Actor, *, name: str, scopes: Iterable[str]
) -> tuple[ServiceAccount, str]:
    """ "Dienstkonto anlegen" in the chamber area: for the staff member's own chamber."""
    return create_service_account(
        actor, name=name, scopes=scopes, chamber=get_staff_chamber(actor.user)
    )


def chamber_service_accounts(actor: Actor) -> QuerySet[ServiceAccount]:
    """The service accounts of the staff member's chamber, newest first."""
    return ServiceAccount.objects.filter(chamber=get_staff_chamber(actor.user)).order_by(
        "-created_at", "-pk"
    )


def _locked(actor: Actor, account_id: int) -> ServiceAccount:
    """The account, locked; for the operator (admin, command) any, for chamber staff only
    their chamber's, for everybody else NotFound."""
    accounts = ServiceAccount.objects.select_for_update()
    operator = actor.via in (Interface.ADMIN, Interface.CLI) and (
        actor.user is None or getattr(actor.user, "is_superuser", False)
    )
    if not operator or actor.service_account is not None:
        accounts = accounts.filter(chamber=get_staff_chamber(actor.user))
    account = accounts.filter(pk=account_id).first()
    if account is None:
        raise NotFound
    return account


def change_service_account_secret(actor: Actor, *, account_id: int) -> str:
    """A new secret; the old one and every token issued with it stop working at once."""
    secret = _new_secret()
    with transaction.atomic():
        account = _locked(actor, account_id)
        account.secret_hash = make_password(secret, hasher=SECRET_HASHER)
        # Tokens carry the second of the last change; make sure it differs from the last one.
        now = timezone.now().replace(microsecond=0)
        if int(now.timestamp()) <= int(account.secret_changed_at.timestamp()):
            now = account.secret_changed_at.replace(microsecond=0) + timedelta(seconds=1)
        account.secret_changed_at = now
        account.save(update_fields=["secret_hash", "secret_changed_at"])
        emit(
            AuditAction.SERVICE_ACCOUNT_SECRET_CHANGED,
            actor=actor,
            company=account.company,
            service_account_id=account.pk,
        )
    return secret


def deactivate_service_account(actor: Actor, *, account_id: int) -> ServiceAccount:
    """The account's tokens stop working at once; a repeated call changes nothing."""
    with transaction.atomic():
        account = _locked(actor, account_id)
        if account.is_active:
            account.is_active = False
            account.save(update_fields=["is_active"])
            emit(
                AuditAction.SERVICE_ACCOUNT_DEACTIVATED,
                actor=actor,
                company=account.company,
                service_account_id=account.pk,
            )
    return account
