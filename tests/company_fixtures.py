"""Chambers, a company with its admins and roles, and staff: the fixtures of the chamber and
company tests and of the API's, registered for the whole suite in tests/conftest.py."""

import pytest

from meinekammer.chambers.models import Chamber, ChamberStaff, DirectoryEntry
from tests.accounts.factories import UserFactory, give_factor
from tests.companies.factories import AppRoleFactory, CompanyFactory, MembershipFactory


@pytest.fixture
def chamber(db):
    return Chamber.objects.create(
        number="101",
        name="IHK Musterstadt",
        street="Kammerplatz 1",
        postal_code="12345",
        city="Musterstadt",
        email="info@ihk-musterstadt.example",
        signatory_name="Dr. Eva Beispiel",
        signatory_title="Hauptgeschäftsführerin",
    )


@pytest.fixture
def other_chamber(db):
    return Chamber.objects.create(
        number="202",
        name="HWK Beispielstadt",
        street="Handwerksweg 2",
        postal_code="54321",
        city="Beispielstadt",
    )


@pytest.fixture
def staff(chamber):
    user = UserFactory(first_name="Sabine", last_name="Sachbearbeitung")
    ChamberStaff.objects.create(user=user, chamber=chamber)
    give_factor(user)  # chamber staff must have one (accounts.factors)
    return user


@pytest.fixture
def other_staff(other_chamber):
    user = UserFactory()
    ChamberStaff.objects.create(user=user, chamber=other_chamber)
    give_factor(user)  # chamber staff must have one (accounts.factors)
    return user


@pytest.fixture
def entry(chamber):
    return DirectoryEntry.objects.create(
        chamber=chamber,
        member_number="1010001",
        name="Beispiel GmbH",
        legal_form="GmbH",
        street="Musterstraße 1",
        postal_code="12345",
        city="Musterstadt",
        register_court="Amtsgericht Musterstadt",
        register_number="HRB 1001",
    )


@pytest.fixture
def applicant(db):
    return UserFactory(first_name="Anna", last_name="Admin")


# --- A company with two admins, roles and a join request (manual ch. 4-6) -----------------


@pytest.fixture
def roles(db):
    trainer = AppRoleFactory(
        application__name="Serviceportal Bildung", key="ausbilder", name_de="Ausbilder"
    )
    trainee = AppRoleFactory(application=trainer.application, key="azubi", name_de="Auszubildender")
    return {"trainer": trainer, "trainee": trainee}


@pytest.fixture
def company(chamber):
    return CompanyFactory(chamber=chamber, name="Beispiel GmbH", member_number="1010001")


@pytest.fixture
def admin(company):
    return MembershipFactory(
        company=company, is_admin=True, user__first_name="Anna", user__last_name="Admin"
    ).user


@pytest.fixture
def second_admin(company):
    return MembershipFactory(
        company=company, is_admin=True, user__first_name="Bernd", user__last_name="Zweit"
    ).user
