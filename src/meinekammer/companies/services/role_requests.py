""" "Rolle beantragen" on "Meine Unternehmen" (manual ch. 5): a member asks for a role; the
request goes to the admins' queue (services.member_requests)."""

from django.db import transaction
from django.utils.translation import gettext as _

from meinekammer.applications.models import AppRole
from meinekammer.audit.events import emit
from meinekammer.audit.models import AuditAction
from meinekammer.core.actor import Actor
from meinekammer.core.errors import Conflict, NotFound

from ..models import CompanyState, MemberRequest, Membership, RequestKind
from ..rules import lock_company
from .member_requests import create_member_request, tell_admins
from .members import NotAccepting, require_assignable


def send_role_request(
    actor: Actor, *, company_id: int, role: AppRole, comment: str = ""
) -> MemberRequest:
    """A member of the company asks for `role`; a second click finds the pending request."""
    with transaction.atomic():
        company = lock_company(company_id)
        if actor.user is None:
            raise NotFound
        membership = Membership.objects.filter(company=company, user=actor.user).first()
        if membership is None:
            raise NotFound
        if company.state != CompanyState.ACTIVE:
            raise NotAccepting(company)
        require_assignable([role])
        if membership.role_assignments.filter(role=role).exists():
            raise Conflict(_("You already hold the role %(role)s.") % {"role": role.name})
        member_request, created = create_member_request(
            company,
            actor.user,
            kind=RequestKind.ROLE,
            roles=[role],
            role=role,
            comment=comment.strip(),
        )
        if created:
            emit(
                AuditAction.ROLE_REQUESTED,
                actor=actor,
                subject_user=actor.user,
                company=company,
                request_id=member_request.pk,
                application=role.application.name,
                role=role.key,
            )
            tell_admins(member_request)
        return member_request
