"""Join and role requests ("member requests") and their handling by the company admins (manual
ch. 5, 6).

A member request is `open` until an admin takes it ("Mir zuweisen"), then `assigned` to that
admin, who approves or rejects it ("Anfrageinformationen"). The company's only admin, and the
admin who sent the invitation a join request came from, decide an open request at once: the
assignment happens with the decision, audited as "Mir zuweisen" is (`decides_at_once`).
Taking, releasing and deciding lock the company row, then the request row, so two admins
acting at once get one result and the other a clear message. The requester may withdraw a pending request. How a request comes into
being: services.join_requests and services.role_requests.
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from meinekammer.applications.models import AppRole
from meinekammer.audit.events import emit
from meinekammer.audit.models import AuditAction
from meinekammer.core.actor import Actor
from meinekammer.core.errors import Conflict, NotFound
from meinekammer.core.links import absolute_url
from meinekammer.core.pending import already_decided, mark_decided

from ..factors import start_admin_notice
from ..models import (
    PENDING_REQUEST_STATES,
    Company,
    CompanyState,
    MemberRequest,
    Membership,
    RequestKind,
    RequestState,
)
from ..rules import WORKING_STATES, admins_who_can_act, lock_company
from .mail import mail_user
from .members import NotAccepting, apply_roles, require_admin, require_assignable

# --- Creating a member request (for join_requests and role_requests) -----------------------------


def pending_member_request_for(
    company: Company, requester: Any, *, kind: str, role: AppRole | None = None
) -> MemberRequest:
    return MemberRequest.objects.get(
        company=company,
        requester=requester,
        kind=kind,
        role=role,
        state__in=PENDING_REQUEST_STATES,
    )


def create_member_request(
    company: Company,
    requester: Any,
    *,
    kind: str,
    roles: list[AppRole] | tuple = (),
    role: AppRole | None = None,
    **fields: Any,
) -> tuple[MemberRequest, bool]:
    """A new pending request, or the pending one of the same kind that won; and whether it is
    new. Called under the company lock."""
    try:
        with transaction.atomic():  # a savepoint: a duplicate leaves the outer work intact
            member_request = MemberRequest.objects.create(
                company=company, requester=requester, kind=kind, role=role, **fields
            )
    except IntegrityError:
        # A double click or a second tab: the pending request that won is the answer.
        return pending_member_request_for(company, requester, kind=kind, role=role), False
    member_request.roles.set(list(roles))
    return member_request, True


def tell_admins(member_request: MemberRequest) -> None:
    """Every admin who can act hears of a new request, with the link to it."""
    url = absolute_url(reverse("companies:request_detail", args=[member_request.pk]))
    admins = list(admins_who_can_act(member_request.company).select_related("user"))
    for admin in admins:
        mail_user(
            admin.user,
            "request_new_admin",
            event_key=f"request:{member_request.pk}:new",
            company=member_request.company,
            member_request=member_request,
            requester=member_request.requester,
            request_url=url,
            decides_at_once=_decides_at_once(
                admin.user_id, member_request, only_admin=len(admins) == 1
            ),
        )


# --- The admins' side ---------------------------------------------------------------------------


def list_member_requests_for_admin(user: Any) -> QuerySet[MemberRequest]:
    """Pending requests of the working companies the user administers."""
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


def get_member_request_for_admin(user: Any, *, member_request_id: int) -> MemberRequest:
    """A request of a company the user administers, in any state; NotFound for everybody else."""
    if user is None or not user.is_authenticated:
        raise NotFound
    member_request = (
        MemberRequest.objects.filter(
            pk=member_request_id,
            company__memberships__user=user,
            company__memberships__is_admin=True,
            company__state__in=WORKING_STATES,
        )
        .select_related(
            "company", "requester", "assignee", "decided_by", "role", "role__application"
        )
        .first()
    )
    if member_request is None:
        raise NotFound
    return member_request


def _locked(actor: Actor, member_request_id: int) -> MemberRequest:
    """Company row, then the request row: every admin action takes the locks in that order."""
    unlocked = get_member_request_for_admin(actor.user, member_request_id=member_request_id)
    company = lock_company(unlocked.company_id)
    require_admin(actor, company)
    member_request = MemberRequest.objects.select_for_update(of=("self",)).get(pk=member_request_id)
    member_request.company = company
    return member_request


def _already_decided(member_request: MemberRequest) -> Conflict:
    if member_request.state == RequestState.WITHDRAWN:
        return Conflict(_("The request has been withdrawn by its sender. Nothing was changed."))
    return already_decided(member_request)


def _taken_by_other(member_request: MemberRequest) -> Conflict:
    return Conflict(
        _("%(name)s has already taken this request. Nothing was changed.")
        % {"name": member_request.assignee.get_full_name() if member_request.assignee else "?"}
    )


def _decides_at_once(
    user_id: int | None, member_request: MemberRequest, *, only_admin: bool
) -> bool:
    if user_id is None:
        return False
    invitation = member_request.invitation
    return only_admin or (invitation is not None and invitation.invited_by_id == user_id)


def decides_at_once(user: Any, member_request: MemberRequest) -> bool:
    """Whether `user` (an admin of the request's company) may decide this open request without
    "Mir zuweisen" first: as the company's only admin who can act, or as the admin who sent
    the invitation the join request came from."""
    if member_request.state != RequestState.OPEN or user is None or not user.is_authenticated:
        return False
    admins = admins_who_can_act(member_request.company_id)
    if not admins.filter(user_id=user.pk).exists():
        return False
    only_admin = not admins.exclude(user_id=user.pk).exists()
    return _decides_at_once(user.pk, member_request, only_admin=only_admin)


def _assign(actor: Actor, member_request: MemberRequest) -> None:
    member_request.state = RequestState.ASSIGNED
    member_request.assignee = actor.user
    member_request.assigned_at = timezone.now()
    member_request.save(update_fields=["state", "assignee", "assigned_at"])
    emit(
        AuditAction.REQUEST_ASSIGNED,
        actor=actor,
        subject_user=member_request.requester,
        company=member_request.company,
        request_id=member_request.pk,
    )


def assign_request_to_me(actor: Actor, *, member_request_id: int) -> MemberRequest:
    """ "Mir zuweisen": only one admin can hold a request."""
    with transaction.atomic():
        member_request = _locked(actor, member_request_id)
        if member_request.state == RequestState.ASSIGNED:
            if member_request.assignee_id == actor.user_id:
                return member_request
            raise _taken_by_other(member_request)
        if member_request.state != RequestState.OPEN:
            raise _already_decided(member_request)
        _assign(actor, member_request)
        return member_request


def release_request(actor: Actor, *, member_request_id: int) -> MemberRequest:
    """An admin gives an assigned request back to "Offene Anfragen" (any admin may)."""
    with transaction.atomic():
        member_request = _locked(actor, member_request_id)
        if member_request.state == RequestState.OPEN:
            return member_request
        if member_request.state != RequestState.ASSIGNED:
            raise _already_decided(member_request)
        member_request.state = RequestState.OPEN
        member_request.assignee = None
        member_request.assigned_at = None
        member_request.save(update_fields=["state", "assignee", "assigned_at"])
        emit(
            AuditAction.REQUEST_RELEASED,
            actor=actor,
            subject_user=member_request.requester,
            company=member_request.company,
            request_id=member_request.pk,
        )
        return member_request


def _decidable(actor: Actor, member_request_id: int) -> MemberRequest:
    member_request = _locked(actor, member_request_id)
    if member_request.state == RequestState.OPEN:
        # Under the company lock: the admins and the request cannot change meanwhile.
        if not decides_at_once(actor.user, member_request):
            raise Conflict(_('Please assign the request to yourself first ("Assign to me").'))
        _assign(actor, member_request)  # as "Mir zuweisen" would, in the same transaction
    if member_request.state != RequestState.ASSIGNED:
        raise _already_decided(member_request)
    if member_request.assignee_id != actor.user_id:
        raise _taken_by_other(member_request)
    return member_request


def approve_member_request(
    actor: Actor, *, member_request_id: int, roles: list[AppRole], make_admin: bool = False
) -> MemberRequest:
    """Approve in "Anfrageinformationen"; the admin may adjust the roles before.

    A join request makes the requester a member (an admin if `make_admin`); a role request adds
    the roles to what the member holds.
    """
    with transaction.atomic():
        member_request = _decidable(actor, member_request_id)
        company = member_request.company
        if company.state != CompanyState.ACTIVE:
            raise NotAccepting(company)
        require_assignable(roles)
        requester = member_request.requester
        if not requester.is_active or requester.is_deleted:
            raise Conflict(_("The account of the requester no longer exists."))
        membership = Membership.objects.filter(company=company, user=requester).first()
        wanted = list(roles)
        if member_request.kind == RequestKind.JOIN and membership is None:
            membership = Membership.objects.create(
                company=company, user=requester, is_admin=make_admin
            )
            emit(
                AuditAction.MEMBER_ADDED,
                actor=actor,
                subject_user=requester,
                company=company,
                request_id=member_request.pk,
            )
            if make_admin:
                start_admin_notice(membership)
                emit(
                    AuditAction.ADMIN_APPOINTED,
                    actor=actor,
                    subject_user=requester,
                    company=company,
                )
        elif membership is None:
            raise Conflict(
                _("%(name)s is no longer a member of the company.")
                % {"name": requester.get_full_name()}
            )
        else:
            # Approving adds roles; it never takes away what the member holds already.
            held = [a.role for a in membership.role_assignments.select_related("role__application")]
            wanted = list({role.pk: role for role in [*held, *roles]}.values())
        apply_roles(actor, membership, wanted)
        mark_decided(member_request, RequestState.APPROVED, by=actor.user, reason="")
        emit(
            AuditAction.REQUEST_APPROVED,
            actor=actor,
            subject_user=requester,
            company=company,
            request_id=member_request.pk,
        )
        mail_user(
            requester,
            "request_approved",
            event_key=f"request:{member_request.pk}:decided",
            company=company,
            member_request=member_request,
            roles=list(membership.role_assignments.select_related("role", "role__application")),
            is_admin=membership.is_admin,
        )
        return member_request


def reject_member_request(
    actor: Actor, *, member_request_id: int, reason: str = ""
) -> MemberRequest:
    with transaction.atomic():
        member_request = _decidable(actor, member_request_id)
        mark_decided(member_request, RequestState.REJECTED, by=actor.user, reason=reason)
        emit(
            AuditAction.REQUEST_REJECTED,
            actor=actor,
            subject_user=member_request.requester,
            company=member_request.company,
            request_id=member_request.pk,
        )
        mail_user(
            member_request.requester,
            "request_rejected",
            event_key=f"request:{member_request.pk}:decided",
            company=member_request.company,
            member_request=member_request,
        )
        return member_request


# --- The requester's side -----------------------------------------------------------------------


def withdraw_member_request(actor: Actor, *, member_request_id: int) -> MemberRequest:
    """The requester takes back a pending request; a second click changes nothing."""
    with transaction.atomic():
        member_request = (
            MemberRequest.objects.select_for_update(of=("self",))
            .select_related("company")
            .filter(pk=member_request_id, requester_id=actor.user_id)
            .first()
        )
        if member_request is None or actor.user is None:
            raise NotFound
        if member_request.state == RequestState.WITHDRAWN:
            return member_request
        if not member_request.is_pending:
            raise Conflict(_("This request has already been decided. Nothing was changed."))
        mark_decided(member_request, RequestState.WITHDRAWN, by_field=None)
        emit(
            AuditAction.REQUEST_WITHDRAWN,
            actor=actor,
            subject_user=actor.user,
            company=member_request.company,
            request_id=member_request.pk,
        )
        return member_request
