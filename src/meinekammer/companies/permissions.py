"""Guarded fetches: a company-scoped object only for who may act on it, else 404.

A guessed id from elsewhere gets the same 404 as an id that does not exist (DESIGN.md).
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from meinekammer.chambers.models import Chamber

from .models import Company, CompanyState, Membership


def can_act(user) -> bool:
    """A locked account whose session survived (or an inactive one) acts on nothing."""
    return user.is_authenticated and user.is_active and not user.is_locked


def account_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """`login_required`, and 404 for an account that may not act (locked or inactive)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not can_act(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def get_staff_chamber(user) -> Chamber:
    """The chamber a staff member works for; 404 for everybody else."""
    staff = getattr(user, "chamber_staff", None) if user.is_authenticated else None
    if staff is None or user.is_locked or not user.is_active:
        raise Http404
    return staff.chamber


def is_chamber_staff(user) -> bool:
    return user.is_authenticated and hasattr(user, "chamber_staff")


def get_company_for_admin(user, company_id: int) -> Company:
    """A company the user administers (any state but deleted)."""
    if not can_act(user):
        raise Http404
    membership = get_object_or_404(
        Membership.objects.select_related("company", "company__chamber").exclude(
            company__state=CompanyState.DELETED
        ),
        user=user,
        company_id=company_id,
        is_admin=True,
    )
    return membership.company


def get_company_for_staff(user, company_id: int) -> Company:
    chamber = get_staff_chamber(user)
    return get_object_or_404(
        Company.objects.select_related("chamber"), pk=company_id, chamber=chamber
    )
