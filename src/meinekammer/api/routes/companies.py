"""Companies and their members: read; roles granted and taken away."""

from django.db.models import Prefetch, Q
from django.http import HttpRequest
from ninja import Path, Query, Router

from meinekammer.applications.models import AppRole, RoleAssignment
from meinekammer.companies.models import Membership
from meinekammer.companies.services.members import change_member_roles
from meinekammer.core.errors import NotFound
from meinekammer.core.text import clean_search
from meinekammer.integration.models import ApiScope
from meinekammer.integration.scope import companies_of, company_of

from .. import paging
from ..auth import actor, caller
from ..problems import ERRORS
from ..schemas import (
    MAX_ID,
    CompanyOut,
    CompanyPage,
    MemberOut,
    MemberPage,
    PersonOut,
    RoleChangeOut,
    RoleOut,
)

router = Router(tags=["companies"])


def member_out(membership: Membership) -> MemberOut:
    return MemberOut(
        id=membership.pk,
        person=PersonOut.of(membership.user),
        is_admin=membership.is_admin,
        roles=[
            RoleOut(
                id=a.role.pk,
                application=a.role.application.name,
                key=a.role.key,
                name=str(a.role.name),
            )
            for a in membership.role_assignments.all()
        ],
    )


def _members(company):
    return (
        Membership.objects.filter(company=company)
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "role_assignments",
                queryset=RoleAssignment.objects.filter(role__in=AppRole.objects.assignable())
                .select_related("role", "role__application")
                .order_by("role__application__name", "role__position", "role__pk"),
            )
        )
    )


@router.get("/companies", response={200: CompanyPage, **ERRORS}, summary="Search companies")
def list_companies(
    request: HttpRequest,
    q: str = Query("", max_length=200, description="Name or member number contains this."),
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(paging.DEFAULT_LIMIT, ge=1, le=paging.MAX_LIMIT),
):
    found = caller(request, ApiScope.COMPANIES_READ)
    companies = companies_of(found.account)
    term = clean_search(q)
    if term:
        companies = companies.filter(Q(name__icontains=term) | Q(member_number__icontains=term))
    items, next_cursor = paging.page(companies, cursor=cursor, limit=limit)
    return CompanyPage(items=[CompanyOut.of(c) for c in items], next_cursor=next_cursor)


@router.get("/companies/{company_id}", response={200: CompanyOut, **ERRORS}, summary="A company")
def read_company(request: HttpRequest, company_id: int = Path(..., ge=1, le=MAX_ID)):
    found = caller(request, ApiScope.COMPANIES_READ)
    return CompanyOut.of(company_of(found.account, company_id))


@router.get(
    "/companies/{company_id}/members",
    response={200: MemberPage, **ERRORS},
    summary="A company's members and their roles",
)
def list_members(
    request: HttpRequest,
    company_id: int = Path(..., ge=1, le=MAX_ID),
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(paging.DEFAULT_LIMIT, ge=1, le=paging.MAX_LIMIT),
):
    found = caller(request, ApiScope.MEMBERS_READ)
    company = company_of(found.account, company_id)
    items, next_cursor = paging.page(_members(company), cursor=cursor, limit=limit)
    return MemberPage(items=[member_out(m) for m in items], next_cursor=next_cursor)


def _role(role_id: int) -> AppRole:
    role = AppRole.objects.select_related("application").filter(pk=role_id).first()
    if role is None:
        raise NotFound
    return role


def _changed(request, company_id: int, member_id: int, role_id: int, *, grant: bool):
    found = caller(request, ApiScope.MEMBERS_WRITE)
    company = company_of(found.account, company_id)
    role = _role(role_id)
    added, removed = change_member_roles(
        actor(request, found),
        company_id=company.pk,
        membership_id=member_id,
        grant=[role] if grant else [],
        take_away=[] if grant else [role],
    )
    membership = _members(company).filter(pk=member_id).first()
    if membership is None:  # ended between the change and this read
        raise NotFound
    return RoleChangeOut(member=member_out(membership), changed=bool(added or removed))


@router.put(
    "/companies/{company_id}/members/{member_id}/roles/{role_id}",
    response={200: RoleChangeOut, **ERRORS, 409: ERRORS[404]},
    summary="Grant a role",
    description="Idempotent: granting a role the member holds changes nothing (`changed`: false).",
)
def grant_role(
    request: HttpRequest,
    company_id: int = Path(..., ge=1, le=MAX_ID),
    member_id: int = Path(..., ge=1, le=MAX_ID),
    role_id: int = Path(..., ge=1, le=MAX_ID),
):
    return _changed(request, company_id, member_id, role_id, grant=True)


@router.delete(
    "/companies/{company_id}/members/{member_id}/roles/{role_id}",
    response={200: RoleChangeOut, **ERRORS, 409: ERRORS[404]},
    summary="Take a role away",
    description="Idempotent: taking away a role the member does not hold changes nothing. The "
    "member's tokens at the role's application end at once.",
)
def take_away_role(
    request: HttpRequest,
    company_id: int = Path(..., ge=1, le=MAX_ID),
    member_id: int = Path(..., ge=1, le=MAX_ID),
    role_id: int = Path(..., ge=1, le=MAX_ID),
):
    return _changed(request, company_id, member_id, role_id, grant=False)
