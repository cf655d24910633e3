"""Clearly fictitious demo data. Idempotent: running it again changes nothing."""

from allauth.account.models import EmailAddress
from django.db import transaction

from meinekammer.accounts.models import PrivacyConsent, PrivacyNotice, Salutation, User

DEMO_PASSWORD = "Demo-Zugang-2026"


DEMO_USERS = [
    # (email, salutation, first name, last name, who they are in the demo, operator?)
    (
        "anna.admin@beispiel-gmbh.example",
        Salutation.MS,
        "Anna",
        "Admin",
        "Anna Admin, Beispiel GmbH",
        False,
    ),
    (
        "tom.trainer@beispiel-gmbh.example",
        Salutation.MR,
        "Tom",
        "Trainer",
        "Tom Trainer, Beispiel GmbH",
        False,
    ),
    (
        "lea.lernt@beispiel-gmbh.example",
        Salutation.MS,
        "Lea",
        "Lernt",
        "Lea Lernt, Beispiel GmbH",
        False,
    ),
    (
        "sabine.sachbearbeitung@ihk-musterstadt.example",
        Salutation.MS,
        "Sabine",
        "Sachbearbeitung",
        "Sabine Sachbearbeitung, IHK Musterstadt",
        False,
    ),
    (
        "olaf.operator@meinekammer.example",
        Salutation.MR,
        "Olaf",
        "Operator",
        "Olaf Operator, operator (Django admin)",
        True,
    ),
]


@transaction.atomic
def seed_demo_data() -> list[tuple[str, str]]:
    """Create the demo accounts if missing; returns (e-mail, role) for the printed list."""
    notice = PrivacyNotice.objects.current()
    logins = []
    for email, salutation, first, last, role, operator in DEMO_USERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User(
                email=email,
                salutation=salutation,
                first_name=first,
                last_name=last,
                is_staff=operator,
                is_superuser=operator,
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            if notice:
                PrivacyConsent.objects.get_or_create(user=user, notice=notice)
        logins.append((email, role))
    return logins
