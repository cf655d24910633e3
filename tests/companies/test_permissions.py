"""Every actor against every page of the chamber area and the company administration.

A guessed id from elsewhere gets 404, never data (DESIGN.md).
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meinekammer.chambers.models import ChamberStaff
from meinekammer.companies.models import (
    CompanyDeletion,
    CompanyState,
    DeletionState,
    NewPasswordRequest,
)
from tests.accounts.factories import UserFactory
from tests.companies.factories import CompanyFactory, MembershipFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(chamber, other_chamber, staff, other_staff):
    registration = RegistrationFactory(company__chamber=chamber)
    company = CompanyFactory(chamber=chamber)
    admin = MembershipFactory(company=company, is_admin=True).user
    member = MembershipFactory(company=company).user
    other_company = CompanyFactory(chamber=other_chamber)
    other_admin = MembershipFactory(company=other_company, is_admin=True).user
    locked_staff = UserFactory()
    ChamberStaff.objects.create(user=locked_staff, chamber=chamber)
    locked_staff.locked_at = locked_staff.date_joined
    locked_staff.save()
    # A company of the chamber whose deletion waits for the chamber ("Löschanträge").
    deleting = CompanyFactory(
        chamber=chamber, name="Löschkandidat GmbH", state=CompanyState.DELETION_REQUESTED
    )
    deletion = CompanyDeletion.objects.create(
        company=deleting,
        reason="Betrieb eingestellt",
        requested_by=MembershipFactory(company=deleting, is_admin=True).user,
        requested_at=timezone.now(),
        delete_on=timezone.localdate() + timedelta(days=30),
    )
    return {
        "registration": registration,
        "company": company,
        "deletion": deletion,
        "actors": {
            "anonymous": None,
            "plain user": UserFactory(),
            "member": member,
            "admin": admin,
            "other company's admin": other_admin,
            "staff": staff,
            "other chamber's staff": other_staff,
            "locked staff": locked_staff,
        },
    }


CHAMBER_PAGES = [
    ("chambers:overview", None),
    ("chambers:registrations", None),
    ("chambers:registration", "registration"),
    ("chambers:letters", None),
    ("chambers:password_requests", None),
    ("chambers:companies", None),
    ("chambers:directory", None),
    ("chambers:deletions", None),
]

ACTORS = [
    "anonymous",
    "plain user",
    "member",
    "admin",
    "other company's admin",
    "staff",
    "other chamber's staff",
    "locked staff",
]

ALLOWED = {"staff"}


def login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(("name", "arg"), CHAMBER_PAGES)
@pytest.mark.parametrize("actor", ACTORS)
def test_chamber_area_only_for_the_chambers_own_staff(client, world, name, arg, actor):
    user = world["actors"][actor]
    if user is not None:
        client.force_login(user)
    args = [world[arg].pk] if arg else []
    response = client.get(reverse(name, args=args))
    secrets = (world["registration"].company.name, world["deletion"].company.name)
    if actor == "anonymous":
        assert login_redirect(response)
    elif actor == "other chamber's staff" and not arg:
        assert response.status_code == 200  # their own chamber's page
        assert not any(secret in response.text for secret in secrets)
    elif actor in ALLOWED:
        assert response.status_code == 200
    else:
        assert response.status_code == 404
        assert not any(secret in response.text for secret in secrets)


@pytest.mark.parametrize("decision", ["approve", "reject"])
@pytest.mark.parametrize("actor", ACTORS)
def test_deletion_requests_are_decided_only_by_the_chambers_own_staff(
    client, world, actor, decision
):
    """ "Löschanträge": a decision by anyone else is a 404 and changes nothing."""
    user = world["actors"][actor]
    if user is not None:
        client.force_login(user)
    deletion = world["deletion"]
    data = {"deletion": deletion.pk, decision: "1", "reject-reason": "Offene Beiträge"}
    response = client.post(reverse("chambers:deletions"), data)
    deletion.refresh_from_db()
    deletion.company.refresh_from_db()
    if actor in ALLOWED:
        assert response.status_code == 302 and response["Location"] == reverse("chambers:deletions")
        expected = {"approve": DeletionState.SCHEDULED, "reject": DeletionState.REFUSED}
        assert deletion.state == expected[decision]
        return
    if actor == "anonymous":
        assert login_redirect(response)
    else:
        assert response.status_code == 404
        assert deletion.company.name not in response.text
    assert deletion.state == DeletionState.REQUESTED and deletion.decided_by is None
    assert deletion.company.state == CompanyState.DELETION_REQUESTED


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("anonymous", 302),
        ("plain user", 404),
        ("member", 404),
        ("admin", 200),
        ("other company's admin", 404),
        ("staff", 404),
        ("other chamber's staff", 404),
    ],
)
def test_company_administration_only_for_its_admins(client, world, actor, expected):
    user = world["actors"][actor]
    if user is not None:
        client.force_login(user)
    for name in ("companies:administration", "companies:request_password"):
        response = client.get(reverse(name, args=[world["company"].pk]))
        assert response.status_code == expected
        response = client.post(
            reverse("companies:request_password", args=[world["company"].pk]), {"reason": ""}
        )
    assert NewPasswordRequest.objects.exists() == (actor == "admin")


def test_a_guessed_company_id_gets_404(client, world):
    client.force_login(world["actors"]["admin"])
    assert client.get(reverse("companies:administration", args=[999999])).status_code == 404


@pytest.mark.parametrize("actor", ["plain user", "admin", "other chamber's staff"])
def test_decisions_on_another_chambers_registration_are_404(client, world, actor, entry):
    client.force_login(world["actors"][actor])
    registration = world["registration"]
    url = reverse("chambers:registration", args=[registration.pk])
    assert client.post(url, {"approve": "", "directory_entry": entry.pk}).status_code == 404
    assert client.post(url, {"reject": "", "reject-reason": "x"}).status_code == 404
    registration.company.refresh_from_db()
    assert registration.company.state == CompanyState.PENDING_REVIEW


def test_letters_of_another_chamber_are_never_printed(client, world, other_staff):
    from meinekammer.companies.models import ActivationLetter

    letter = ActivationLetter.objects.create(
        company=world["company"], reason="registration", recipient_name="A"
    )
    client.force_login(other_staff)
    response = client.post(reverse("chambers:letters_pdf"), {"letter": [letter.pk]})
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.state == "queued" and not letter.password_hash
