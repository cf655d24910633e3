from datetime import timedelta

import factory
from django.utils import timezone

from meinekammer.applications.models import Application, AppRole
from meinekammer.companies.models import (
    Company,
    CompanyRegistration,
    CompanyState,
    Membership,
)
from meinekammer.core.actor import Actor
from tests.accounts.factories import UserFactory
from tests.chambers.factories import ChamberFactory


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    chamber = factory.SubFactory(ChamberFactory)
    name = factory.Sequence(lambda n: f"Firma {n} GmbH")
    street = "Musterstraße 1"
    postal_code = "12345"
    city = "Musterstadt"
    member_number = factory.Sequence(lambda n: f"{10000000 + n}")
    state = CompanyState.ACTIVE


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompanyRegistration

    company = factory.SubFactory(
        CompanyFactory, state=CompanyState.PENDING_REVIEW, member_number=""
    )
    applicant = factory.SubFactory(UserFactory)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    company = factory.SubFactory(CompanyFactory)
    is_admin = False
    # An admin made by a use case has a notice period before a second factor is required.
    admin_factor_from = factory.LazyAttribute(
        lambda o: timezone.now() + timedelta(days=14) if o.is_admin else None
    )


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    name = factory.Sequence(lambda n: f"Anwendung {n}")
    url = "https://anwendung.example/"


class AppRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AppRole

    application = factory.SubFactory(ApplicationFactory)
    key = factory.Sequence(lambda n: f"rolle{n}")
    name_de = factory.Sequence(lambda n: f"Rolle {n}")
    name_en = factory.Sequence(lambda n: f"Role {n}")


def actor_for(user) -> Actor:
    """The Actor a page builds for `user` (address and user agent as in the `http` fixture)."""
    return Actor.of(user, ip="198.51.100.20", user_agent="Test")
