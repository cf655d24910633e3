"""Company members: roles, admin rights, leaving and removal (manual ch. 5, 6).

Every change locks the company row first (companies.rules.lock_company), so that two admins
acting at once are serialized: a company that is active always keeps an admin who can act
(DESIGN.md, companies.rules.is_last_admin), which a count check alone cannot promise under
concurrency.
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from meinekammer.applications.grants import revoke_tokens
from meinekammer.applications.models import Application, AppRole, RoleAssignment
from meinekammer.audit.events import emit
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.core.actor import Actor
from meinekammer.core.errors import Conflict, NotAllowed, NotFound

from ..factors import start_admin_notice
from ..models import Company, Membership
from ..rules import admins_who_can_act, is_last_admin, lock_company
from .mail import mail_user
from .memberships import end_membership

COMPANY_DATA_FIELDS = ("street", "postal_code", "city", "email", "phone")


class NotAdmin(NotAllowed):
    def __init__(self) -> None:
        super().__init__(_("You are no longer a company administrator of this company."))


class NotAccepting(Conflict):
    """A company being deleted takes no new members, invitations or requests."""

    def __init__(self, company: Company) -> None:
        super().__init__(
            _("%(company)s is being deleted and accepts no new members or requests.")
            % {"company": company.name}
        )


class RoleNotAssignable(Conflict):
    def __init__(self) -> None:
        super().__init__(_("This role can no longer be assigned."))


def require_assignable(roles: Iterable[AppRole]) -> None:
    """Every role is still assignable (AppRole.is_assignable); refused otherwise."""
    if not all(role.is_assignable for role in roles):
        raise RoleNotAssignable


def require_admin(actor: Actor, company: Company) -> Membership:
    """Inside the company lock: the acting account is (still) an admin of it who can act."""
    user = actor.user
    membership = admins_who_can_act(company).filter(user=user).first() if user else None
    if membership is None:
        raise NotAdmin
    return membership


def require_member_manager(actor: Actor, company: Company) -> None:
    """Inside the company lock: who may change members' roles — an admin of the company who
    can act, or an active service account of this company (the REST API)."""
    account = actor.service_account
    if account is not None:
        if not (account.is_active and account.company_id == company.pk):
            raise NotFound
        return
    require_admin(actor, company)


def change_member_roles(
    actor: Actor,
    *,
    company_id: int,
    membership_id: int,
    grant: Iterable[AppRole] = (),
    take_away: Iterable[AppRole] = (),
) -> tuple[list[AppRole], list[AppRole]]:
    """Grant and take away single roles of a member, leaving the others as they are (the REST
    API's way; the member page sets all of them with `save_member`). Returns (added, removed);
    granting a role the member holds, or taking away one they do not, changes nothing."""
    grant, take_away = list(grant), list(take_away)
    with transaction.atomic():
        company = lock_company(company_id)
        require_member_manager(actor, company)
        membership = _get_member(company, membership_id)
        require_assignable(grant)
        held = set(
            RoleAssignment.objects.filter(
                membership=membership, role__in=AppRole.objects.assignable()
            ).values_list("role_id", flat=True)
        )
        gone = {role.pk for role in take_away}
        wanted = [
            role
            for role in AppRole.objects.assignable().filter(pk__in=held | {r.pk for r in grant})
            if role.pk not in gone
        ]
        added, removed = apply_roles(actor, membership, wanted)
        if added or removed:
            tell_member_changed(membership, added=added, removed=removed)
        return added, removed


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
    """The member list of "Unternehmensmitglieder": its query count does not grow with it.

    `query` is a cleaned search term (core.text.clean_search); up to five words must match.
    """
    members = (
        Membership.objects.filter(company=company)
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "role_assignments",
                queryset=RoleAssignment.objects.filter(role__in=AppRole.objects.assignable()),
            )
        )
        .order_by("sort_name", "pk")
    )
    for word in query.split()[:5]:
        members = members.filter(search_text__contains=word.casefold())
    return members


def _last_admin_error(company: Company) -> Conflict:
    return Conflict(
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
        raise NotFound
    membership.company = company
    return membership


def _tell_member(membership: Membership, template: str, event_key: str, **context) -> None:
    mail_user(membership.user, template, event_key=event_key, company=membership.company, **context)


def apply_roles(
    actor: Actor, membership: Membership, wanted: Iterable[AppRole]
) -> tuple[list[AppRole], list[AppRole]]:
    """Make the member's assignable roles exactly `wanted`; returns (added, removed).

    Roles of inactive applications are left alone: the admin cannot see them. A removed role
    revokes the member's tokens of its application.
    """
    wanted = list(wanted)
    wanted_ids = {role.pk for role in wanted}
    current = {
        assignment.role_id: assignment
        for assignment in RoleAssignment.objects.filter(
            membership=membership, role__in=AppRole.objects.assignable()
        ).select_related("role", "role__application")
    }
    added = [role for role in wanted if role.pk not in current]
    removed = [a.role for role_id, a in current.items() if role_id not in wanted_ids]
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(membership=membership, role=role, assigned_by=actor.user)
            for role in added
        ],
        ignore_conflicts=True,
    )
    RoleAssignment.objects.filter(
        membership=membership, role_id__in=[role.pk for role in removed]
    ).delete()
    # A role taken away ends what its application holds for the member (DESIGN.md).
    for application in {role.application for role in removed}:
        revoke_tokens(membership.user, application=application)
    for action, roles in ((AuditAction.ROLE_ASSIGNED, added), (AuditAction.ROLE_REMOVED, removed)):
        for role in roles:
            emit(
                action,
                actor=actor,
                subject_user=membership.user,
                company=membership.company,
                application=role.application.name,
                role=role.key,
            )
    return added, removed


def save_member(
    actor: Actor,
    *,
    company_id: int,
    membership_id: int,
    roles: list[AppRole],
    is_admin: bool,
) -> Membership:
    """ "Speichern" on a member: their roles (Ja/Nein per role) and the admin flag."""
    with transaction.atomic():
        company = lock_company(company_id)
        require_admin(actor, company)
        membership = _get_member(company, membership_id)
        require_assignable(roles)
        added, removed = apply_roles(actor, membership, roles)
        admin_changed = membership.is_admin != is_admin
        if admin_changed:
            if not is_admin and is_last_admin(membership):
                raise _last_admin_error(company)
            membership.is_admin = is_admin
            membership.save(update_fields=["is_admin"])
            if is_admin:
                start_admin_notice(membership)
            emit(
                AuditAction.ADMIN_APPOINTED if is_admin else AuditAction.ADMIN_REVOKED,
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
            )
        return membership


def tell_member_changed(
    membership: Membership,
    *,
    added: list[AppRole],
    removed: list[AppRole],
    admin_granted: bool = False,
    admin_revoked: bool = False,
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


def remove_member(actor: Actor, *, company_id: int, membership_id: int) -> Membership:
    """An admin removes a member; their roles go with the membership."""
    with transaction.atomic():
        company = lock_company(company_id)
        require_admin(actor, company)
        membership = _get_member(company, membership_id)
        if is_last_admin(membership):
            raise _last_admin_error(company)
        membership_pk = membership.pk
        end_membership(actor, membership, action=AuditAction.MEMBER_REMOVED)
        _tell_member(membership, "member_removed", f"member:{membership_pk}:removed")
        return membership


def leave_company(actor: Actor, *, company_id: int) -> Company:
    """ "Unternehmen verlassen": the last admin who can act cannot leave the company."""
    with transaction.atomic():
        company = lock_company(company_id)
        membership = (
            Membership.objects.select_related("user")
            .filter(company=company, user=actor.user)
            .first()
            if actor.user is not None
            else None
        )
        if membership is None:
            raise NotFound
        membership.company = company
        if is_last_admin(membership):
            raise Conflict(
                _(
                    "You are the only company administrator of %(company)s. Appoint another "
                    "member as company administrator first, or request the deletion of the "
                    "company."
                )
                % {"company": company.name}
            )
        end_membership(actor, membership, action=AuditAction.MEMBER_LEFT)
        return company


def update_company_data(actor: Actor, *, company_id: int, data: dict[str, str]) -> Company:
    """ "Unternehmensdaten bearbeiten": contact data only; the chamber keeps the identity."""
    with transaction.atomic():
        company = lock_company(company_id)
        require_admin(actor, company)
        changed = sorted(
            name
            for name, value in data.items()
            if name in COMPANY_DATA_FIELDS and getattr(company, name) != value
        )
        if not changed:
            return company
        for name in changed:
            setattr(company, name, data[name])
        company.save(update_fields=changed)
        emit(AuditAction.COMPANY_DATA_CHANGED, actor=actor, company=company, fields=changed)
        return company
