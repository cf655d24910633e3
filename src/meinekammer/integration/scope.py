"""What a service account of the REST API sees: the data of its one chamber or its one
company, never another's (a guessed id from elsewhere is NotFound, as on the pages)."""

from django.db.models import QuerySet

from meinekammer.chambers.models import Chamber
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


def chamber_of(account: ServiceAccount) -> Chamber:
    """The chamber of a chamber's service account; NotFound for a company's."""
    if account.chamber is None:
        raise NotFound
    return account.chamber
