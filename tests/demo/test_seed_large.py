"""`meinekammer seed-large` (demo/large.py): a large installation that keeps the invariants, and
the pages the benchmark bench/large_data.py measures on it, whose query count does not grow
with the installation (the same page makes the same number of queries for a company of 40 and
of 400 members, with 20 or 200 open requests)."""

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext

from meinekammer.accounts.models import PrivacyConsent, User
from meinekammer.applications.models import AppRole, RoleAssignment
from meinekammer.chambers.models import ChamberStaff
from meinekammer.companies.models import (
    Company,
    CompanyRegistration,
    CompanyState,
    MemberRequest,
    Membership,
    RegistrationState,
)
from meinekammer.demo.large import LARGE_PASSWORD, Size, seed_large

pytestmark = pytest.mark.django_db

SMALL = Size(
    accounts=1_200,
    companies=100,
    big_company_members=40,
    applications=3,
    chambers=2,
    open_join_requests=12,
    open_role_requests=8,
    scattered_requests=10,
    assigned_registrations=1,
)
LARGER = Size(
    accounts=4_000,
    companies=300,
    big_company_members=400,
    applications=6,
    chambers=3,
    first_chamber=201,
    open_join_requests=120,
    open_role_requests=80,
    scattered_requests=40,
    assigned_registrations=5,
)


def test_the_installation_keeps_the_invariants():
    seeded = seed_large(SMALL)

    assert User.objects.filter(email__endswith="@large.example").count() == 1_200 + 6  # + staff
    assert ChamberStaff.objects.filter(chamber__number__in=["101", "102"]).count() == 6
    companies = Company.objects.filter(chamber__number__in=["101", "102"])
    assert companies.count() == 100
    big = Company.objects.get(pk=seeded.big_company_id)
    assert big.memberships.count() == 40  # second memberships go to the other companies
    assert big.state == CompanyState.ACTIVE
    assert big.memberships.filter(user__email=seeded.admin_email, is_admin=True).exists()
    # Every active company has an admin who can act; companies in review have no members.
    active = companies.filter(state=CompanyState.ACTIVE)
    assert not active.annotate(
        admins=Count("memberships", filter=Q(memberships__is_admin=True))
    ).filter(admins=0)
    assert not Membership.objects.filter(company__state=CompanyState.PENDING_REVIEW)
    assert (
        CompanyRegistration.objects.filter(
            company__in=companies, state=RegistrationState.IN_REVIEW
        ).count()
        == companies.filter(state=CompanyState.PENDING_REVIEW).count()
    )
    assert CompanyRegistration.objects.filter(company__in=active).count() == active.count()
    # Roles only of active applications, in active companies, once per member.
    assert not RoleAssignment.objects.exclude(role__in=AppRole.objects.assignable())
    assert not RoleAssignment.objects.exclude(membership__company__state=CompanyState.ACTIVE)
    # Join requests from people who are not members; one pending request per person and company.
    for request in MemberRequest.objects.filter(kind="join"):
        assert not Membership.objects.filter(
            company=request.company_id, user=request.requester_id
        ).exists()
    for request in MemberRequest.objects.filter(kind="role"):
        assert Membership.objects.filter(
            company=request.company_id, user=request.requester_id
        ).exists()
    assert MemberRequest.objects.filter(company=big, state="open").count() == 20
    # Everybody accepted the current Informationspflichten; admins and staff have a factor.
    assert PrivacyConsent.objects.count() >= 1_206
    client = Client()
    assert client.login(email=seeded.admin_email, password=LARGE_PASSWORD)


def test_a_second_seed_needs_other_chamber_numbers():
    seed_large(SMALL)
    with pytest.raises(CommandError, match="exist already"):
        call_command(
            "seed-large",
            "--accounts=1200",
            "--companies=100",
            "--big-company-members=40",
            "--applications=1",
            "--chambers=2",
            "--no-progress",
        )


def test_too_few_accounts_are_refused():
    with pytest.raises(CommandError, match="too few accounts"):
        call_command("seed-large", "--accounts=100", "--companies=100", "--no-progress")


def test_the_command_says_how_to_log_in(capsys):
    call_command(
        "seed-large",
        "--accounts=600",
        "--companies=40",
        "--big-company-members=30",
        "--applications=2",
        "--chambers=1",
        "--first-chamber=301",
        "--no-progress",
    )
    out = capsys.readouterr().out
    assert f"Every account's password: {LARGE_PASSWORD}" in out
    assert "anna.admin.301@large.example" in out
    assert "sachbearbeitung.301-1@large.example" in out
    assert "accounts:        600" in out


def page_queries(seeded) -> dict[str, int]:
    """The queries of each measured page for this seed's admin and clerk (the third request:
    the first ones of a session also write it)."""
    from django.db import connection

    admin, clerk = Client(HTTP_ACCEPT_LANGUAGE="de"), Client(HTTP_ACCEPT_LANGUAGE="de")
    admin.force_login(User.objects.get(email=seeded.admin_email))
    clerk.force_login(User.objects.get(email=seeded.clerk_email))
    base = f"/unternehmen/{seeded.big_company_id}/"
    pages = {
        "dashboard": (admin, "/"),
        "members": (admin, base),
        "members page 2": (admin, f"{base}?page=2"),
        "members search": (admin, f"{base}?q=a"),
        "open requests": (admin, "/unternehmen/anfragen/offen/"),
        "open requests page 2": (admin, "/unternehmen/anfragen/offen/?page=2"),
        "registrations": (clerk, "/kammer/registrierungen/"),
        "registrations search": (clerk, "/kammer/registrierungen/?state=&q=a"),
        "companies search": (clerk, "/kammer/unternehmen/?q=a"),
        "directory search": (clerk, "/kammer/verzeichnis/?q=a"),
    }
    counts = {}
    for label, (client, url) in pages.items():
        for _ in range(2):
            assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, label
        counts[label] = len(captured.captured_queries)
    return counts


def test_the_pages_make_as_many_queries_for_a_larger_installation():
    small = page_queries(seed_large(SMALL))
    larger = page_queries(seed_large(LARGER))
    assert larger == small
