import pytest

from meinekammer.chambers.models import Chamber, ChamberStaff, DirectoryEntry
from tests.accounts.factories import UserFactory


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
    return user


@pytest.fixture
def other_staff(other_chamber):
    user = UserFactory()
    ChamberStaff.objects.create(user=user, chamber=other_chamber)
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
