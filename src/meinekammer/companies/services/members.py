"""Company members: roles, admin rights, leaving and removal (manual ch. 5, 6).

Every change locks the company row first, so that two admins acting at once are serialized:
a company that is active always keeps an admin (DESIGN.md), which a count check alone cannot
promise under concurrency.
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from meinekammer.applications.models import Application, AppRole, RoleAssignment
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.audit.services import record

from ..models import Company, CompanyState, Membership
from .common import CompanyError, mail_user

# States in which a company works: members act, admins administer.
WORKING_STATES = [
    CompanyState.ACTIVE,
    CompanyState.DELETION_REQUESTED,
    CompanyState.DELETION_SCHEDULED,
]


class NotAdmin(CompanyError):
    def __init__(self) -> None:
        super().__init__(_("You are no longer a company administrator of this company."))


def lock_company(company_id: int) -> Company:
    """The company row, locked for the rest of the transaction; 404 once it is gone."""
    company = (
        Company.objects.select_for_update().filter(pk=company_id, state__in=WORKING_STATES).first()
    )
    if company is None:
        raise Http404
    return company


def require_admin(user, company: Company) -> Membership:
    """Inside the company lock: the acting user is (still) an admin of it."""
    membership = Membership.objects.filter(company=company, user=user, is_admin=True).first()
    if membership is None or not user.is_active or user.is_locked:
        raise NotAdmin
    return membership


def assignable_roles() -> QuerySet[AppRole]:
    return AppRole.objects.assignable().select_related("application")


def applications_with_roles() -> list[Application]:
    """Active applications with their assignable roles, in catalogue order (two queries)."""
    return list(
        Application.objects.active()
        .prefetch_related(
            Prefetch("roles", queryset=AppRole.objects.filter(is_active=True), to_attr="role_list")
        )
        .filter(roles__is_active=True)
        .distinct()
    )


def list_members(company: Company, *, query: str = "") -> QuerySet[Membership]:
    """The member list of "Unternehmensmitglieder": its query count does not grow with it."""
    members = (
        Membership.objects.filter(company=company)
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "role_assignments",
                queryset=RoleAssignment.objects.filter(
                    role__is_active=True, role__application__is_active=True
                ),
            )
        )
        .order_by("user__last_name", "user__first_name", "pk")
    )
    for word in query.split()[:5]:
        members = members.filter(
            Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
            | Q(user__email__icontains=word)
        )
    return members


def _admin_count(company: Company) -> int:
    return Membership.objects.filter(company=company, is_admin=True).count()


def _last_admin_error(company: Company) -> CompanyError:
    return CompanyError(
        _(
            "%(company)s must keep at least one company administrator. Appoint another member "
            "as company administrator first."
        )
        % {"company": company.name}
    )


def _get_member(company: Company, membership_id: int) -> Membership:
    membership = (
        Membership.objects.select_related("user").filter(pk=membership_id, company=company).first()
    )
    if membership is None:
        raise Http404
    return membership


def _tell_member(membership: Membership, template: str, event_key: str, request, **context):
    mail_user(
        membership.user,
        template,
        event_key=event_key,
        request=request,
        company=membership.company,
        **context,
    )


def apply_roles(
    actor, membership: Membership, wanted: Iterable[AppRole], *, request=None
) -> tuple[list[AppRole], list[AppRole]]:
    """Make the member's assignable roles exactly `wanted`; returns (added, removed).

    Roles of inactive applications are left alone: the admin cannot see them.
    """
    wanted_ids = {role.pk for role in wanted}
    current = {
        assignment.role_id: assignment
        for assignment in RoleAssignment.objects.filter(membership=membership)
        .select_related("role", "role__application")
        .filter(role__is_active=True, role__application__is_active=True)
    }
    added = [role for role in wanted if role.pk not in current]
    removed = [a.role for role_id, a in current.items() if role_id not in wanted_ids]
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(membership=membership, role=role, assigned_by=actor) for role in added],
        ignore_conflicts=True,
    )
    RoleAssignment.objects.filter(
        membership=membership, role_id__in=[role.pk for role in removed]
    ).delete()
    for role in added:
        record(
            AuditAction.ROLE_ASSIGNED,
            request=request,
            actor=actor,
            subject_user=membership.user,
            company=membership.company,
            application=role.application.name,
            role=role.key,
        )
    for role in removed:
        record(
            AuditAction.ROLE_REMOVED,
            request=request,
            actor=actor,
            subject_user=membership.user,
            company=membership.company,
            application=role.application.name,
            role=role.key,
        )
    return added, removed


def save_member(
    actor,
    company: Company,
    membership_id: int,
    *,
    roles: Iterable[AppRole],
    is_admin: bool,
    request=None,
) -> Membership:
    """ "Speichern" on a member: their roles (Ja/Nein per role) and the admin flag."""
    with transaction.atomic():
        company = lock_company(company.pk)
        require_admin(actor, company)
        membership = _get_member(company, membership_id)
        roles = list(roles)
        if any(not (role.is_active and role.application.is_active) for role in roles):
            raise CompanyError(_("This role can no longer be assigned."))
        added, removed = apply_roles(actor, membership, roles, request=request)
        admin_changed = membership.is_admin != is_admin
        if admin_changed:
            if not is_admin and _admin_count(company) <= 1:
                raise _last_admin_error(company)
            membership.is_admin = is_admin
            membership.save(update_fields=["is_admin"])
            record(
                AuditAction.ADMIN_APPOINTED if is_admin else AuditAction.ADMIN_REVOKED,
                request=request,
                actor=actor,
                subject_user=membership.user,
                company=company,
            )
        if added or removed or admin_changed:
            tell_member_changed(
                membership,
                added=added,
                removed=removed,
                admin_granted=admin_changed and is_admin,
                admin_revoked=admin_changed and not is_admin,
                request=request,
            )
        return membership


def tell_member_changed(
    membership: Membership,
    *,
    added: list[AppRole],
    removed: list[AppRole],
    admin_granted: bool = False,
    admin_revoked: bool = False,
    request=None,
) -> None:
    """One mail per change: the event key carries the change's last audit event."""
    last_event = (
        AuditEvent.objects.filter(company=membership.company, subject_user=membership.user)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    _tell_member(
        membership,
        "member_changed",
        f"member:{membership.pk}:changed:{last_event}",
        request,
        added=added,
        removed=removed,
        admin_granted=admin_granted,
        admin_revoked=admin_revoked,
        roles=list(
            RoleAssignment.objects.filter(membership=membership).select_related(
                "role", "role__application"
            )
        ),
    )


def remove_member(actor, company: Company, membership_id: int, *, request=None) -> None:
    """An admin removes a member; their roles go with the membership."""
    with transaction.atomic():
        company = lock_company(company.pk)
        require_admin(actor, company)
        membership = _get_member(company, membership_id)
        if membership.is_admin and _admin_count(company) <= 1:
            raise _last_admin_error(company)
        _end_membership(membership, actor=actor, action=AuditAction.MEMBER_REMOVED, request=request)
        _tell_member(
            membership,
            "member_removed",
            f"member:{membership.pk}:removed",
            request,
        )


def leave_company(user, company_id: int, *, request=None) -> Company:
    """ "Unternehmen verlassen": the last admin of a company cannot leave it."""
    with transaction.atomic():
        company = lock_company(company_id)
        membership = Membership.objects.filter(company=company, user=user).first()
        if membership is None:
            raise Http404
        if membership.is_admin and _admin_count(company) <= 1:
            raise CompanyError(
                _(
                    "You are the only company administrator of %(company)s. Appoint another "
                    "member as company administrator first, or request the deletion of the "
                    "company."
                )
                % {"company": company.name}
            )
        _end_membership(membership, actor=user, action=AuditAction.MEMBER_LEFT, request=request)
        return company


def _end_membership(membership: Membership, *, actor, action: AuditAction, request) -> None:
    from .requests import cancel_requests_of

    RoleAssignment.objects.filter(membership=membership).delete()
    cancel_requests_of(membership.user, membership.company, actor=actor, request=request)
    record(
        action,
        request=request,
        actor=actor,
        subject_user=membership.user,
        company=membership.company,
    )
    membership.delete()


def end_memberships_of_erased_account(user, *, request=None) -> None:
    """An account is erased: it belongs to no company any more (called in its transaction)."""
    from ..models import PENDING_REQUEST_STATES
    from .requests import cancel_requests_of

    for membership in Membership.objects.select_related("company").filter(user=user):
        lock_company_any_state(membership.company_id)
        _end_membership(membership, actor=user, action=AuditAction.MEMBER_LEFT, request=request)
    # Join requests to companies the account did not belong to (yet) end as well.
    for company in Company.objects.filter(
        requests__requester=user, requests__state__in=PENDING_REQUEST_STATES
    ).distinct():
        lock_company_any_state(company.pk)
        cancel_requests_of(user, company, actor=user, request=request)


def lock_company_any_state(company_id: int) -> None:
    Company.objects.select_for_update().filter(pk=company_id).first()


def update_company_data(actor, company: Company, *, request=None, **fields) -> Company:
    """ "Unternehmensdaten bearbeiten": contact data only; the chamber keeps the identity."""
    editable = {"street", "postal_code", "city", "email", "phone"}
    with transaction.atomic():
        company = lock_company(company.pk)
        require_admin(actor, company)
        changed = sorted(
            name
            for name, value in fields.items()
            if name in editable and getattr(company, name) != value
        )
        if not changed:
            return company
        for name in changed:
            setattr(company, name, fields[name])
        company.save(update_fields=changed)
        record(
            AuditAction.COMPANY_DATA_CHANGED,
            request=request,
            actor=actor,
            company=company,
            fields=changed,
        )
        return company


def open_request_counts(user) -> dict[int, int]:
    """Per company the user administers: how many requests wait (open or assigned)."""
    from ..models import PENDING_REQUEST_STATES, MemberRequest

    rows = (
        MemberRequest.objects.filter(
            state__in=PENDING_REQUEST_STATES,
            company__memberships__user=user,
            company__memberships__is_admin=True,
        )
        .values("company_id")
        .annotate(n=Count("pk"))
    )
    return {row["company_id"]: row["n"] for row in rows}
