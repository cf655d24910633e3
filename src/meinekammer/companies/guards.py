"""Guarded fetches: a company-scoped object only for who may act on it, else NotFound.

A guessed id from elsewhere gets the same NotFound (a 404 page) as an id that does not exist
(DESIGN.md). Guards take the account; use cases pass `actor.user`.
"""

from typing import Any

from meinekammer.accounts.rules import may_act
from meinekammer.chambers.guards import get_staff_chamber
from meinekammer.core.errors import NotFound

from .models import Company, CompanyState, Membership


def get_company_for_admin(user: Any, company_id: int) -> Company:
    """A company the user administers (any state but deleted)."""
    if not may_act(user):
        raise NotFound
    membership = (
        Membership.objects.select_related("company", "company__chamber")
        .exclude(company__state=CompanyState.DELETED)
        .filter(user=user, company_id=company_id, is_admin=True)
        .first()
    )
    if membership is None:
        raise NotFound
    return membership.company


def get_company_for_actor(actor: Any, company_id: int) -> Company:
    """A company the actor administers: as one of its admins, or as an active service account
    of the REST API that speaks for it; NotFound for everybody else."""
    account = actor.service_account
    if account is None:
        return get_company_for_admin(actor.user, company_id)
    if not account.is_active or account.company_id != company_id:
        raise NotFound
    company = (
        Company.objects.select_related("chamber")
        .exclude(state=CompanyState.DELETED)
        .filter(pk=company_id)
        .first()
    )
    if company is None:
        raise NotFound
    return company


def get_company_for_staff(user: Any, company_id: int) -> Company:
    chamber = get_staff_chamber(user)
    company = (
        Company.objects.select_related("chamber").filter(pk=company_id, chamber=chamber).first()
    )
    if company is None:
        raise NotFound
    return company
