"""The operator's catalogue of connected applications and their roles (DESIGN.md).

Role assignments exist only for roles of active applications: deactivating an application or
one of its roles ends the assignments that rest on it, each with its audit event, and the
affected users' tokens for that application, in one transaction.
"""

from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from meinekammer.audit.events import emit
from meinekammer.audit.models import AuditAction
from meinekammer.core.actor import Actor
from meinekammer.core.errors import NotFound

from ..grants import revoke_application_tokens, revoke_tokens
from ..models import Application, AppRole, RoleAssignment


def _end_assignments(actor: Actor, assignments: QuerySet[RoleAssignment]) -> list[Any]:
    """End the assignments, each audited; the user id of each ended assignment."""
    users = []
    for assignment in assignments.select_related(
        "membership__user", "membership__company", "role__application"
    ).select_for_update(of=("self",)):
        emit(
            AuditAction.ROLE_REMOVED,
            actor=actor,
            subject_user=assignment.membership.user,
            company=assignment.membership.company,
            application=assignment.role.application.name,
            role=assignment.role.key,
            reason="deactivated",
        )
        users.append(assignment.membership.user_id)
        assignment.delete()
    return users


def deactivate_application(actor: Actor, *, application_id: int) -> int:
    """The application is no longer offered: its assignments end, and every token of its
    clients (nobody may use an inactive application). Returns the number of ended assignments.

    Also for an application saved inactive already (the admin form): what still rests on it
    ends; a second call ends nothing more.
    """
    with transaction.atomic():
        application = Application.objects.select_for_update().filter(pk=application_id).first()
        if application is None:
            raise NotFound
        if application.is_active:
            application.is_active = False
            application.save(update_fields=["is_active"])
        ended = _end_assignments(
            actor, RoleAssignment.objects.filter(role__application=application)
        )
        revoke_application_tokens(application)
        return len(ended)


def deactivate_role(actor: Actor, *, role_id: int) -> int:
    """The role is no longer offered: its assignments end, and the tokens for its application
    of the users who held it (their next login carries the `companies` claim without it).
    Returns the number of ended assignments; a second call ends nothing more."""
    with transaction.atomic():
        role = (
            AppRole.objects.select_for_update(of=("self",))
            .select_related("application")
            .filter(pk=role_id)
            .first()
        )
        if role is None:
            raise NotFound
        if role.is_active:
            role.is_active = False
            role.save(update_fields=["is_active"])
        ended = _end_assignments(actor, RoleAssignment.objects.filter(role=role))
        for user_id in set(ended):
            revoke_tokens(user_id, application=role.application)
        return len(ended)
