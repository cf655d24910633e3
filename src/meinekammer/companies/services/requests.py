"""Join and role requests and their handling by the company admins (manual ch. 5, 6).

A request is `open` until an admin takes it ("Mir zuweisen"), then `assigned` to that admin, who
approves or rejects it ("Anfrageinformationen"). Taking, releasing and deciding lock the request
row, so two admins acting at once get one result and the other a clear message.
"""

from collections.abc import Iterable

from allauth.core import ratelimit
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from meinekammer.applications.models import AppRole
from meinekammer.audit.models import AuditAction
from meinekammer.audit.services import record
from meinekammer.chambers.normalize import normalize_member_number, normalize_name

from ..models import (
    PENDING_REQUEST_STATES,
    Company,
    CompanyState,
    Invitation,
    MemberRequest,
    Membership,
    RequestKind,
    RequestState,
)
from .common import CompanyError, absolute_url, mail_user
from .members import WORKING_STATES, apply_roles, lock_company, require_admin


class JoinRefused(CompanyError):
    """The same message whatever did not match: it tells nothing about which field was wrong."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "No company with these data accepts join requests. Please enter the chamber "
                "number, the member number and the company name exactly as your chamber holds "
                "them, or ask your company administrator to invite you."
            )
        )


class JoinThrottled(CompanyError):
    def __init__(self) -> None:
        super().__init__(_("Too many join requests. Please try again later."))


def _not_accepting(company: Company) -> CompanyError:
    return CompanyError(
        _("%(company)s is being deleted and accepts no new members or requests.")
        % {"company": company.name}
    )


def _admins(company: Company) -> QuerySet[Membership]:
    return Membership.objects.filter(
        company=company, is_admin=True, user__is_active=True, user__locked_at__isnull=True
    ).select_related("user")


def _tell_admins(member_request: MemberRequest, request) -> None:
    url = absolute_url(request, reverse("companies:requests_open"))
    for admin in _admins(member_request.company):
        mail_user(
            admin.user,
            "request_new_admin",
            event_key=f"request:{member_request.pk}:new",
            request=request,
            company=member_request.company,
            member_request=member_request,
            requester=member_request.requester,
            requests_url=url,
        )


def _create(
    company: Company, requester, *, kind: str, roles=(), role=None, **fields
) -> MemberRequest:
    try:
        with transaction.atomic():  # a savepoint: a duplicate leaves the outer work intact
            member_request = MemberRequest.objects.create(
                company=company, requester=requester, kind=kind, role=role, **fields
            )
    except IntegrityError:
        # A double click or a second tab: the pending request that won is the answer.
        return pending_request_for(company, requester, kind=kind, role=role)
    member_request.roles.set(list(roles))
    member_request.created = True  # type: ignore[attr-defined]
    return member_request


def pending_request_for(company: Company, requester, *, kind: str, role=None) -> MemberRequest:
    return MemberRequest.objects.get(
        company=company,
        requester=requester,
        kind=kind,
        role=role,
        state__in=PENDING_REQUEST_STATES,
    )


def send_join_request(
    user,
    *,
    chamber_number: str,
    member_number: str,
    company_name: str,
    comment: str = "",
    request=None,
) -> MemberRequest:
    """ "Unternehmen beitreten": the data must match what the chamber holds."""
    if request is not None and not ratelimit.consume(request, action="join_company", user=user):
        raise JoinThrottled
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
        return _join_request(user, company, comment=comment, request=request)


def _join_request(
    user, company: Company, *, comment="", roles=(), make_admin=False, invitation=None, request=None
) -> MemberRequest:
    if company.state != CompanyState.ACTIVE:
        raise _not_accepting(company)
    if Membership.objects.filter(company=company, user=user).exists():
        raise CompanyError(
            _("You are already a member of %(company)s.") % {"company": company.name}
        )
    member_request = _create(
        company,
        user,
        kind=RequestKind.JOIN,
        roles=roles,
        make_admin=make_admin,
        comment=comment.strip(),
        invitation=invitation,
    )
    if getattr(member_request, "created", False):
        record(
            AuditAction.JOIN_REQUESTED,
            request=request,
            actor=user,
            subject_user=user,
            company=company,
            request_id=member_request.pk,
            invited=invitation is not None,
        )
        _tell_admins(member_request, request)
    elif invitation is not None and member_request.invitation_id is None:
        # The user had asked on their own already; the invitation's choices join the request.
        member_request.invitation = invitation
        member_request.make_admin = member_request.make_admin or make_admin
        member_request.save(update_fields=["invitation", "make_admin"])
        member_request.roles.add(*roles)
    return member_request


def request_role(
    user, company_id: int, role: AppRole, *, comment: str = "", request=None
) -> MemberRequest:
    """ "Rolle beantragen" on "Meine Unternehmen": goes to the admins' queue."""
    with transaction.atomic():
        company = lock_company(company_id)
        membership = Membership.objects.filter(company=company, user=user).first()
        if membership is None:
            raise Http404
        if company.state != CompanyState.ACTIVE:
            raise _not_accepting(company)
        if not (role.is_active and role.application.is_active):
            raise CompanyError(_("This role can no longer be assigned."))
        if membership.role_assignments.filter(role=role).exists():
            raise CompanyError(_("You already hold the role %(role)s.") % {"role": role.name})
        member_request = _create(
            company, user, kind=RequestKind.ROLE, roles=[role], role=role, comment=comment.strip()
        )
        if getattr(member_request, "created", False):
            record(
                AuditAction.ROLE_REQUESTED,
                request=request,
                actor=user,
                subject_user=user,
                company=company,
                request_id=member_request.pk,
                application=role.application.name,
                role=role.key,
            )
            _tell_admins(member_request, request)
        return member_request


# --- The admins' side ---------------------------------------------------------------------------


def requests_for_admin(user) -> QuerySet[MemberRequest]:
    """Pending requests of the companies the user administers."""
    return (
        MemberRequest.objects.filter(
            state__in=PENDING_REQUEST_STATES,
            company__memberships__user=user,
            company__memberships__is_admin=True,
            company__state__in=WORKING_STATES,
        )
        .select_related("company", "requester", "assignee", "role", "role__application")
        .order_by("created_at", "pk")
    )


def get_request_for_admin(user, request_id: int) -> MemberRequest:
    """A request of a company the user administers, in any state; 404 for everybody else."""
    member_request = (
        MemberRequest.objects.filter(
            pk=request_id,
            company__memberships__user=user,
            company__memberships__is_admin=True,
            company__state__in=WORKING_STATES,
        )
        .select_related(
            "company", "requester", "assignee", "decided_by", "role", "role__application"
        )
        .first()
    )
    if member_request is None or not user.is_authenticated:
        raise Http404
    return member_request


def _locked(actor, request_id: int) -> MemberRequest:
    """Company row, then the request row: every admin action takes the locks in that order."""
    unlocked = get_request_for_admin(actor, request_id)
    company = lock_company(unlocked.company_id)
    require_admin(actor, company)
    member_request = MemberRequest.objects.select_for_update(of=("self",)).get(pk=request_id)
    member_request.company = company
    return member_request


def _already_decided(member_request: MemberRequest) -> CompanyError:
    if member_request.state == RequestState.WITHDRAWN:
        return CompanyError(_("The request has been withdrawn by its sender. Nothing was changed."))
    if member_request.decided_by is not None:
        return CompanyError(
            _("This request has already been decided by %(name)s. Nothing was changed.")
            % {"name": member_request.decided_by.get_full_name()}
        )
    return CompanyError(_("This request has already been decided. Nothing was changed."))


def _taken_by_other(member_request: MemberRequest) -> CompanyError:
    return CompanyError(
        _("%(name)s has already taken this request. Nothing was changed.")
        % {"name": member_request.assignee.get_full_name() if member_request.assignee else "?"}
    )


def assign_to_me(actor, request_id: int, *, request=None) -> MemberRequest:
    """ "Mir zuweisen": only one admin can hold a request."""
    with transaction.atomic():
        member_request = _locked(actor, request_id)
        if member_request.state == RequestState.ASSIGNED:
            if member_request.assignee_id == actor.pk:
                return member_request
            raise _taken_by_other(member_request)
        if member_request.state != RequestState.OPEN:
            raise _already_decided(member_request)
        member_request.state = RequestState.ASSIGNED
        member_request.assignee = actor
        member_request.assigned_at = timezone.now()
        member_request.save(update_fields=["state", "assignee", "assigned_at"])
        record(
            AuditAction.REQUEST_ASSIGNED,
            request=request,
            actor=actor,
            subject_user=member_request.requester,
            company=member_request.company,
            request_id=member_request.pk,
        )
        return member_request


def release(actor, request_id: int, *, request=None) -> MemberRequest:
    """An admin gives an assigned request back to "Offene Anfragen" (any admin may)."""
    with transaction.atomic():
        member_request = _locked(actor, request_id)
        if member_request.state == RequestState.OPEN:
            return member_request
        if member_request.state != RequestState.ASSIGNED:
            raise _already_decided(member_request)
        member_request.state = RequestState.OPEN
        member_request.assignee = None
        member_request.assigned_at = None
        member_request.save(update_fields=["state", "assignee", "assigned_at"])
        record(
            AuditAction.REQUEST_RELEASED,
            request=request,
            actor=actor,
            subject_user=member_request.requester,
            company=member_request.company,
            request_id=member_request.pk,
        )
        return member_request


def _decidable(actor, request_id: int) -> MemberRequest:
    member_request = _locked(actor, request_id)
    if member_request.state == RequestState.OPEN:
        raise CompanyError(_('Please assign the request to yourself first ("Assign to me").'))
    if member_request.state != RequestState.ASSIGNED:
        raise _already_decided(member_request)
    if member_request.assignee_id != actor.pk:
        raise _taken_by_other(member_request)
    return member_request


def _close(member_request: MemberRequest, actor, state: str, reason: str = "") -> None:
    member_request.state = state
    member_request.decided_by = actor
    member_request.decided_at = timezone.now()
    member_request.reason = reason.strip()
    member_request.save(update_fields=["state", "decided_by", "decided_at", "reason"])


def approve(
    actor, request_id: int, *, roles: Iterable[AppRole], make_admin: bool = False, request=None
) -> MemberRequest:
    """Approve in "Anfrageinformationen"; the admin may adjust the roles before."""
    roles = list(roles)
    with transaction.atomic():
        member_request = _decidable(actor, request_id)
        company = member_request.company
        if company.state != CompanyState.ACTIVE:
            raise _not_accepting(company)
        if any(not (role.is_active and role.application.is_active) for role in roles):
            raise CompanyError(_("This role can no longer be assigned."))
        requester = member_request.requester
        if not requester.is_active or requester.is_deleted:
            raise CompanyError(_("The account of the requester no longer exists."))
        membership = Membership.objects.filter(company=company, user=requester).first()
        wanted = roles
        if member_request.kind == RequestKind.JOIN and membership is None:
            membership = Membership.objects.create(
                company=company, user=requester, is_admin=make_admin
            )
            record(
                AuditAction.MEMBER_ADDED,
                request=request,
                actor=actor,
                subject_user=requester,
                company=company,
                request_id=member_request.pk,
            )
            if make_admin:
                record(
                    AuditAction.ADMIN_APPOINTED,
                    request=request,
                    actor=actor,
                    subject_user=requester,
                    company=company,
                )
        elif membership is None:
            raise CompanyError(
                _("%(name)s is no longer a member of the company.")
                % {"name": requester.get_full_name()}
            )
        else:
            # Approving adds roles; it never takes away what the member holds already.
            held = [a.role for a in membership.role_assignments.select_related("role__application")]
            wanted = list({role.pk: role for role in [*held, *roles]}.values())
        apply_roles(actor, membership, wanted, request=request)
        _close(member_request, actor, RequestState.APPROVED)
        record(
            AuditAction.REQUEST_APPROVED,
            request=request,
            actor=actor,
            subject_user=requester,
            company=company,
            request_id=member_request.pk,
        )
        mail_user(
            requester,
            "request_approved",
            event_key=f"request:{member_request.pk}:decided",
            request=request,
            company=company,
            member_request=member_request,
            roles=list(membership.role_assignments.select_related("role", "role__application")),
            is_admin=membership.is_admin,
        )
        return member_request


def reject(actor, request_id: int, *, reason: str = "", request=None) -> MemberRequest:
    with transaction.atomic():
        member_request = _decidable(actor, request_id)
        _close(member_request, actor, RequestState.REJECTED, reason)
        record(
            AuditAction.REQUEST_REJECTED,
            request=request,
            actor=actor,
            subject_user=member_request.requester,
            company=member_request.company,
            request_id=member_request.pk,
        )
        mail_user(
            member_request.requester,
            "request_rejected",
            event_key=f"request:{member_request.pk}:decided",
            request=request,
            company=member_request.company,
            member_request=member_request,
        )
        return member_request


# --- The requester's side -----------------------------------------------------------------------


def requests_of(user) -> QuerySet[MemberRequest]:
    return (
        MemberRequest.objects.filter(requester=user, state__in=PENDING_REQUEST_STATES)
        .select_related("company", "role", "role__application")
        .order_by("-created_at")
    )


def withdraw(user, request_id: int, *, request=None) -> MemberRequest:
    with transaction.atomic():
        member_request = (
            MemberRequest.objects.select_for_update(of=("self",))
            .select_related("company")
            .filter(pk=request_id, requester=user)
            .first()
        )
        if member_request is None:
            raise Http404
        if member_request.state == RequestState.WITHDRAWN:
            return member_request
        if not member_request.is_pending:
            raise CompanyError(_("This request has already been decided. Nothing was changed."))
        member_request.state = RequestState.WITHDRAWN
        member_request.decided_at = timezone.now()
        member_request.save(update_fields=["state", "decided_at"])
        record(
            AuditAction.REQUEST_WITHDRAWN,
            request=request,
            actor=user,
            subject_user=user,
            company=member_request.company,
            request_id=member_request.pk,
        )
        return member_request


def cancel_requests_of(user, company: Company, *, actor, request=None) -> None:
    """The requester left or was removed, or the account is gone: their requests end."""
    for member_request in MemberRequest.objects.select_for_update().filter(
        requester=user, company=company, state__in=PENDING_REQUEST_STATES
    ):
        member_request.state = RequestState.CANCELLED
        member_request.decided_at = timezone.now()
        member_request.save(update_fields=["state", "decided_at"])
        record(
            AuditAction.REQUEST_CANCELLED,
            request=request,
            actor=actor,
            subject_user=user,
            company=company,
            request_id=member_request.pk,
        )


def join_via_invitation(user, invitation: Invitation, *, request=None) -> MemberRequest:
    """Called with the invitation and its company locked (services.invitations)."""
    return _join_request(
        user,
        invitation.company,
        roles=list(invitation.roles.all()),
        make_admin=invitation.make_admin,
        invitation=invitation,
        request=request,
    )
