"""DESIGN.md: role assignments exist only for roles of active applications.

When the operator deactivates an application or one of its roles (in the admin or anywhere
else), the assignments that rest on it end, each with its audit event, in the same transaction.
"""

import time

from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from meinekammer.accounts.lifecycle import register_erasure_step, register_lock_step
from meinekammer.audit.models import AuditAction
from meinekammer.audit.services import record
from meinekammer.companies.models import Membership

from .models import Application, AppRole, OAuthClient, RoleAssignment


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


# --- Revocation (DESIGN.md: takes effect at the next refresh at the latest) ----------------------


@receiver(post_delete, sender=RoleAssignment)
def role_removed(sender, instance: RoleAssignment, **kwargs) -> None:
    from .oidc import revoke_tokens

    membership = Membership.objects.filter(pk=instance.membership_id).only("user_id").first()
    user_id = membership.user_id if membership else None
    if user_id is None:
        return
    revoke_tokens(
        user_id,
        clients=OAuthClient.objects.filter(connected_application_id=instance.role.application_id),
    )


@receiver(post_delete, sender=Membership)
def membership_ended(sender, instance: Membership, **kwargs) -> None:
    from .oidc import revoke_tokens

    revoke_tokens(instance.user_id)


@register_lock_step
@register_erasure_step
def account_ended(actor, user) -> None:
    """A locked or erased account keeps nothing in its applications."""
    from .grants import revoke_tokens

    revoke_tokens(user)


@receiver(user_logged_in)
def remember_login_time(sender, request, user, **kwargs) -> None:
    """For `max_age` in authorization requests: when this session last proved the password."""
    from meinekammer.web.sso.views import LOGIN_TIME

    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_TIME] = time.time()
