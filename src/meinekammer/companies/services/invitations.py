""" "Benutzer hinzufügen" (manual ch. 4): invitation by mail, then the admin confirms.

Two steps, as the manual requires for data protection: the join link creates a join request,
and an admin approves it in "Anfrageinformationen". The link is single use, bound to the
invited address and valid for INVITATION_VALIDITY_DAYS; only a digest of its token is stored.
How many invitations an admin may send in a while is the interface's concern (the page checks
allauth's rate limit "invite_member" before calling `invite_member`).
"""

import hashlib
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from meinekammer.applications.models import AppRole
from meinekammer.audit.events import emit
from meinekammer.audit.models import AuditAction
from meinekammer.core.actor import Actor
from meinekammer.core.errors import Conflict, NotFound, Refused
from meinekammer.core.links import absolute_url
from meinekammer.notifications.services import send_templated_email

from ..models import Company, CompanyState, Invitation, InvitationState, MemberRequest, Membership
from ..rules import lock_company
from .join_requests import join_via_invitation
from .members import NotAccepting, require_admin, require_assignable

TOKEN_BYTES = 32


class InvitationUnusable(Conflict):
    """The link cannot be used (any more); the message says why without naming anybody."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, digest(token)


def _expiry(now):
    return now + timedelta(days=settings.INVITATION_VALIDITY_DAYS)


def _send(invitation: Invitation, token: str) -> None:
    language = invitation.invited_by.language if invitation.invited_by is not None else "de"
    send_templated_email(
        template="companies/email/invitation",
        to=invitation.email,
        language=language,
        context={
            "company": invitation.company,
            "inviter": invitation.invited_by,
            "join_url": absolute_url(reverse("companies:invitation", args=[token])),
            "expires_at": invitation.expires_at,
            "roles": list(invitation.roles.select_related("application")),
        },
        event_key=f"invitation:{invitation.pk}:{invitation.send_count}",
    )


def invite_member(
    actor: Actor,
    *,
    company_id: int,
    email: str,
    roles: list[AppRole],
    make_admin: bool = False,
    first_name: str = "",
    last_name: str = "",
) -> Invitation:
    """ "Weiter": the join link goes to the address; a second invitation renews the first.

    The name is optional (the bulk invitation from a file gives it); a renewal keeps an
    earlier name unless a new one is given."""
    email = email.strip()
    first_name, last_name = first_name.strip(), last_name.strip()
    with transaction.atomic():
        company = lock_company(company_id)
        require_admin(actor, company)
        if company.state != CompanyState.ACTIVE:
            raise NotAccepting(company)
        require_assignable(roles)
        if Membership.objects.filter(
            company=company, user__email__iexact=email, user__is_active=True
        ).exists():
            raise Conflict(
                _("%(email)s already belongs to %(company)s.")
                % {"email": email, "company": company.name}
            )
        now = timezone.now()
        token, token_digest = _new_token()
        invitation = (
            Invitation.objects.select_for_update()
            .filter(company=company, email_normalized=email.lower(), state=InvitationState.PENDING)
            .first()
        )
        if invitation is None:
            invitation = Invitation.objects.create(
                company=company,
                email=email,
                first_name=first_name,
                last_name=last_name,
                make_admin=make_admin,
                token_digest=token_digest,
                invited_by=actor.user,
                sent_at=now,
                expires_at=_expiry(now),
            )
        else:
            invitation.make_admin = make_admin
            if first_name or last_name:
                invitation.first_name, invitation.last_name = first_name, last_name
            invitation.token_digest = token_digest
            invitation.invited_by = actor.user
            invitation.sent_at = now
            invitation.expires_at = _expiry(now)
            invitation.send_count += 1
            invitation.save()
        invitation.roles.set(roles)
        emit(
            AuditAction.INVITATION_SENT,
            actor=actor,
            company=company,
            invitation=invitation.pk,
            roles=[role.key for role in roles],
            admin=make_admin,
        )
        _send(invitation, token)
        return invitation


def pending_invitations(company: Company) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(company=company, state=InvitationState.PENDING)
        .select_related("invited_by")
        .prefetch_related("roles__application")
        .order_by("-sent_at")
    )


def _locked_invitation(actor: Actor, company_id: int, invitation_id: int) -> Invitation:
    company = lock_company(company_id)
    require_admin(actor, company)
    invitation = (
        Invitation.objects.select_for_update().filter(pk=invitation_id, company=company).first()
    )
    if invitation is None:
        raise NotFound
    invitation.company = company
    return invitation


def resend_invitation(actor: Actor, *, company_id: int, invitation_id: int) -> Invitation:
    """A fresh link (the old one stops working) and 14 more days."""
    with transaction.atomic():
        invitation = _locked_invitation(actor, company_id, invitation_id)
        if invitation.state != InvitationState.PENDING:
            raise Conflict(_("This invitation is no longer pending. Nothing was changed."))
        now = timezone.now()
        token, invitation.token_digest = _new_token()
        invitation.sent_at = now
        invitation.expires_at = _expiry(now)
        invitation.send_count += 1
        invitation.save()
        emit(
            AuditAction.INVITATION_SENT,
            actor=actor,
            company=invitation.company,
            invitation=invitation.pk,
            resent=True,
        )
        _send(invitation, token)
        return invitation


def revoke_invitation(actor: Actor, *, company_id: int, invitation_id: int) -> Invitation:
    """The link stops working; a second click changes nothing."""
    with transaction.atomic():
        invitation = _locked_invitation(actor, company_id, invitation_id)
        if invitation.state == InvitationState.REVOKED:
            return invitation
        if invitation.state != InvitationState.PENDING:
            raise Conflict(_("This invitation is no longer pending. Nothing was changed."))
        invitation.state = InvitationState.REVOKED
        invitation.decided_at = timezone.now()
        invitation.save(update_fields=["state", "decided_at"])
        emit(
            AuditAction.INVITATION_REVOKED,
            actor=actor,
            company=invitation.company,
            invitation=invitation.pk,
        )
        return invitation


# --- The invited person's side ------------------------------------------------------------------


def find_invitation(token: str) -> Invitation:
    """The invitation behind a link, whatever its state; NotFound for a made-up or tampered token."""
    if not token or len(token) > 100:
        raise NotFound
    invitation = (
        Invitation.objects.select_related("company", "company__chamber", "invited_by")
        .filter(token_digest=digest(token))
        .first()
    )
    if invitation is None:
        raise NotFound
    return invitation


def usable_error(invitation: Invitation) -> InvitationUnusable | None:
    if invitation.state == InvitationState.ACCEPTED:
        return InvitationUnusable(_("This join link has already been used."))
    if invitation.state == InvitationState.REVOKED:
        return InvitationUnusable(_("This invitation has been withdrawn by the company."))
    if invitation.state == InvitationState.EXPIRED or invitation.expires_at <= timezone.now():
        return InvitationUnusable(
            _("This join link has expired. Please ask the company administrator for a new one.")
        )
    if invitation.company.state != CompanyState.ACTIVE:
        return InvitationUnusable(
            _("%(company)s accepts no new members at the moment.")
            % {"company": invitation.company.name}
        )
    return None


def is_for(invitation: Invitation, user) -> bool:
    """The link is bound to the invited address, confirmed on the account."""
    return EmailAddress.objects.filter(
        user=user, email__iexact=invitation.email, verified=True
    ).exists()


def mark_opened(invitation: Invitation) -> None:
    """A visitor without an account opened the link: confirming that address will accept it."""
    if invitation.opened_at is None:
        Invitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(
            opened_at=timezone.now()
        )


def accept_invitation(actor: Actor, *, token: str) -> MemberRequest:
    """The invited user follows the link: a join request for the admins to confirm."""
    user = actor.user
    with transaction.atomic():
        found = find_invitation(token)
        lock_company(found.company_id, working=False)
        invitation = (
            Invitation.objects.select_for_update().select_related("company").get(pk=found.pk)
        )
        if invitation.state == InvitationState.ACCEPTED and invitation.accepted_by_id == user.pk:
            # A double click: the first click made the request.
            return MemberRequest.objects.get(invitation=invitation)
        error = usable_error(invitation)
        if error is not None:
            raise error
        if not is_for(invitation, user):
            raise InvitationUnusable(
                _(
                    "This join link was sent to another e-mail address. Please log in with the "
                    "account of that address."
                )
            )
        return _accept(actor, invitation)


def _accept(actor: Actor, invitation: Invitation) -> MemberRequest:
    member_request = join_via_invitation(actor, invitation=invitation)
    invitation.state = InvitationState.ACCEPTED
    invitation.accepted_by = actor.user
    invitation.decided_at = timezone.now()
    invitation.save(update_fields=["state", "accepted_by", "decided_at"])
    emit(
        AuditAction.INVITATION_ACCEPTED,
        actor=actor,
        subject_user=actor.user,
        company=invitation.company,
        invitation=invitation.pk,
    )
    return member_request


def accept_opened_invitations(actor: Actor, *, email: str) -> list[MemberRequest]:
    """After a new account's address is confirmed: the invitations whose link was opened."""
    accepted = []
    for pending in Invitation.objects.filter(
        email_normalized=email.strip().lower(),
        state=InvitationState.PENDING,
        opened_at__isnull=False,
        expires_at__gt=timezone.now(),
        company__state=CompanyState.ACTIVE,
    ).values_list("pk", flat=True):
        try:
            with transaction.atomic():
                invitation = (
                    Invitation.objects.select_for_update().select_related("company").get(pk=pending)
                )
                lock_company(invitation.company_id)
                if invitation.state == InvitationState.PENDING:
                    accepted.append(_accept(actor, invitation))
        except (Refused, NotFound, IntegrityError):
            continue
    return accepted


def expire_invitations() -> int:
    """Scheduled: pending invitations past their date become `expired`."""
    return Invitation.objects.filter(
        state=InvitationState.PENDING, expires_at__lte=timezone.now()
    ).update(state=InvitationState.EXPIRED, decided_at=timezone.now())
