"""Which companies a service account of the REST API sees: its chamber's or its one company,
never another's (a guessed id from elsewhere is NotFound, as on the pages). Which chamber a
chamber's account speaks for is chambers.guards.chamber_of."""

from django.db.models import QuerySet

from meinekammer.companies.models import Company, CompanyState
from meinekammer.core.errors import NotFound

from .models import ServiceAccount


def companies_of(account: ServiceAccount) -> QuerySet[Company]:
    companies = Company.objects.select_related("chamber").exclude(state=CompanyState.DELETED)
    if account.chamber_id is not None:
        return companies.filter(chamber_id=account.chamber_id)
    return companies.filter(pk=account.company_id or 0)


def company_of(account: ServiceAccount, company_id: int) -> Company:
    company = companies_of(account).filter(pk=company_id).first()
    if company is None:
        raise NotFound
    return company
