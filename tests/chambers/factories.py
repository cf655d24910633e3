import factory

from meinekammer.chambers.models import Chamber, ChamberStaff, DirectoryEntry
from tests.accounts.factories import UserFactory, give_factor


class ChamberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Chamber
        django_get_or_create = ("number",)

    # From 300 upwards: the fixtures use 101 and 202, which the demo uses too.
    number = factory.Sequence(lambda n: f"{300 + n % 700:03d}")
    name = factory.LazyAttribute(lambda o: f"IHK Beispiel {o.number}")
    street = "Kammerplatz 1"
    postal_code = "12345"
    city = "Musterstadt"
    email = factory.LazyAttribute(lambda o: f"info@ihk-{o.number}.example")


class DirectoryEntryFactory(factory.django.DjangoModelFactory):
    """An entry saved through the model, so its normalized columns are filled by save()."""

    class Meta:
        model = DirectoryEntry

    chamber = factory.SubFactory(ChamberFactory)
    member_number = factory.LazyAttributeSequence(lambda o, n: f"{o.chamber.number}{n + 1:05d}")
    name = factory.Sequence(lambda n: f"Beispielfirma {n} GmbH")
    legal_form = "GmbH"
    street = factory.Sequence(lambda n: f"Musterstraße {n + 1}")
    postal_code = "12345"
    city = "Musterstadt"
    register_court = "Amtsgericht Musterstadt"
    register_number = factory.Sequence(lambda n: f"HRB {10000 + n}")


class ChamberStaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChamberStaff

    user = factory.SubFactory(UserFactory)
    chamber = factory.SubFactory(ChamberFactory)

    @factory.post_generation
    def factor(self, create, extracted, **kwargs):
        """Chamber staff must have a second factor (accounts.factors); factor=False: none."""
        if create and extracted is not False:
            give_factor(self.user)
