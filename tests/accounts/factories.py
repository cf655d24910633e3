import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from meinekammer.accounts.models import PrivacyConsent, PrivacyNotice, Salutation, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@firma{n}.example")
    salutation = Salutation.MS
    first_name = factory.Faker("first_name", locale="de_DE")
    last_name = factory.Faker("last_name", locale="de_DE")
    language = "de"

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or "ein langes Testkennwort 2026")
        if create:
            self.save()

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(
                user=self, email=self.email, primary=True, verified=extracted is not False
            )

    @factory.post_generation
    def privacy_consent(self, create, extracted, **kwargs):
        """Accepted the current Informationspflichten, as at registration
        (`privacy_consent=False`: not yet; the pages lead such an account to them)."""
        if create and extracted is not False:
            notice = PrivacyNotice.objects.current()
            if notice is not None:
                PrivacyConsent.objects.get_or_create(user=self, notice=notice)


def give_factor(user) -> str:
    """An authenticator app for `user`, through allauth's own API; returns its secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret
