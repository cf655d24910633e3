"""DESIGN.md: role assignments exist only for roles of active applications.

When the operator deactivates an application or one of its roles (in the admin or anywhere
else), the assignments that rest on it end, each with its audit event, in the same transaction.
"""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from meinekammer.audit.models import AuditAction
from meinekammer.audit.services import record

from .models import Application, AppRole, RoleAssignment


def _end(assignments) -> int:
    ended = 0
    with transaction.atomic():
        for assignment in assignments.select_related(
            "membership__user", "membership__company", "role__application"
        ).select_for_update(of=("self",)):
            record(
                AuditAction.ROLE_REMOVED,
                subject_user=assignment.membership.user,
                company=assignment.membership.company,
                application=assignment.role.application.name,
                role=assignment.role.key,
                reason="deactivated",
            )
            assignment.delete()
            ended += 1
    return ended


@receiver(post_save, sender=Application)
def application_saved(sender, instance: Application, **kwargs) -> None:
    if not instance.is_active:
        _end(RoleAssignment.objects.filter(role__application=instance))


@receiver(post_save, sender=AppRole)
def role_saved(sender, instance: AppRole, **kwargs) -> None:
    if not instance.is_active or not instance.application.is_active:
        _end(RoleAssignment.objects.filter(role=instance))
