""" "Unternehmen beitreten" (manual ch. 5) and the join request an invitation's link makes
(manual ch. 4): both go to the admins' queue (services.member_requests).

How many join requests a visitor may send in a while is the interface's concern (the page
checks allauth's rate limit "join_company" before calling `send_join_request`).
"""

from django.db import transaction
from django.utils.translation import gettext as _

from meinekammer.audit.events import emit
from meinekammer.audit.models import AuditAction
from meinekammer.chambers.normalize import normalize_member_number, normalize_name
from meinekammer.core.actor import Actor
from meinekammer.core.errors import Conflict, Invalid

from ..models import Company, CompanyState, Invitation, MemberRequest, Membership, RequestKind
from ..rules import WORKING_STATES, lock_company
from .member_requests import create_member_request, tell_admins
from .members import NotAccepting


class JoinRefused(Invalid):
    """The same message whatever did not match: it tells nothing about which field was wrong."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "No company with these data accepts join requests. Please enter the chamber "
                "number, the member number and the company name exactly as your chamber holds "
                "them, or ask your company administrator to invite you."
            )
        )


def send_join_request(
    actor: Actor,
    *,
    chamber_number: str,
    member_number: str,
    company_name: str,
    comment: str = "",
) -> MemberRequest:
    """ "Unternehmen beitreten": the data must match what the chamber holds."""
    wanted_name = normalize_name(company_name)
    with transaction.atomic():
        candidates = Company.objects.filter(
            chamber__number=chamber_number.strip(),
            member_number=normalize_member_number(member_number),
            state__in=WORKING_STATES,
        )
        company = next((c for c in candidates if normalize_name(c.name) == wanted_name), None)
        if company is None:
            raise JoinRefused
        company = lock_company(company.pk)
        return _join_request(actor, company, comment=comment)


def join_via_invitation(actor: Actor, *, invitation: Invitation) -> MemberRequest:
    """Called with the invitation and its company locked (services.invitations)."""
    return _join_request(
        actor,
        invitation.company,
        roles=list(invitation.roles.all()),
        make_admin=invitation.make_admin,
        invitation=invitation,
    )


def _join_request(
    actor: Actor,
    company: Company,
    *,
    comment: str = "",
    roles: list | tuple = (),
    make_admin: bool = False,
    invitation: Invitation | None = None,
) -> MemberRequest:
    user = actor.user
    if company.state != CompanyState.ACTIVE:
        raise NotAccepting(company)
    if Membership.objects.filter(company=company, user=user).exists():
        raise Conflict(_("You are already a member of %(company)s.") % {"company": company.name})
    member_request, created = create_member_request(
        company,
        user,
        kind=RequestKind.JOIN,
        roles=roles,
        make_admin=make_admin,
        comment=comment.strip(),
        invitation=invitation,
    )
    if created:
        emit(
            AuditAction.JOIN_REQUESTED,
            actor=actor,
            subject_user=user,
            company=company,
            request_id=member_request.pk,
            invited=invitation is not None,
        )
        tell_admins(member_request)
    elif invitation is not None and member_request.invitation_id is None:
        # The user had asked on their own already; the invitation's choices join the request.
        member_request.invitation = invitation
        member_request.make_admin = member_request.make_admin or make_admin
        member_request.save(update_fields=["invitation", "make_admin"])
        member_request.roles.add(*roles)
    return member_request
