"""Clearly fictitious demo data. Idempotent: running it again changes nothing."""

import os

from allauth.account.models import EmailAddress
from django.db import transaction

from meinekammer.accounts.models import PrivacyConsent, PrivacyNotice, Salutation, User
from meinekammer.applications.models import Application, AppRole, OAuthClient

DEMO_PASSWORD = "Demo-Zugang-2026"

# The sample "Serviceportal Bildung" (examples/serviceportal/) logs in with these. Demo only:
# published here, never to be used outside the demo.
SERVICEPORTAL_CLIENT_ID = "serviceportal-demo"
SERVICEPORTAL_CLIENT_SECRET = "demo-only-serviceportal-secret-not-for-production"
SERVICEPORTAL_URL = "http://localhost:8001"
# The REST API's demo service account of the IHK (docs/integration.md); demo only.
API_CLIENT_ID = "svc-demo-ihk"
API_CLIENT_SECRET = "demo-only-api-secret-not-for-production"
# The sample application's change events (Standard Webhooks secret: whsec_ + base64); demo only.
SERVICEPORTAL_EVENTS_SECRET = "whsec_ZGVtby1vbmx5LWV2ZW50cy1zZWNyZXQtbm90LWZvci1wcm9k"


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
    (
        "paul.plan@neubau.example",
        Salutation.MR,
        "Paul",
        "Plan",
        "Paul Plan, waits for his company's review",
        False,
    ),
    (
        "bernd.berater@hwk-beispielstadt.example",
        Salutation.MR,
        "Bernd",
        "Berater",
        "Bernd Berater, HWK Beispielstadt staff",
        False,
    ),
]


DEMO_CHAMBERS = [
    # number, name, street, postal code, city, signatory, title
    (
        "101",
        "IHK Musterstadt",
        "Kammerplatz 1",
        "12345",
        "Musterstadt",
        "Dr. Eva Beispiel",
        "Hauptgeschäftsführerin",
    ),
    (
        "202",
        "HWK Beispielstadt",
        "Handwerksweg 2",
        "54321",
        "Beispielstadt",
        "Karl Muster",
        "Geschäftsführer",
    ),
]


@transaction.atomic
def seed_demo_data(serviceportal_url: str | None = None) -> list[tuple[str, str]]:
    """Create the demo accounts if missing; returns (e-mail, role) for the printed list.

    `serviceportal_url` is where the sample application runs (default: $SERVICEPORTAL_URL or
    http://localhost:8001); its client's redirect URIs are registered for exactly that address.
    """
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
    _seed_chambers_and_companies()
    sample_url = serviceportal_url or os.environ.get("SERVICEPORTAL_URL") or SERVICEPORTAL_URL
    seed_serviceportal_client(sample_url)
    seed_serviceportal_events(sample_url)
    seed_api_service_account()
    return logins


def seed_serviceportal_events(url: str) -> None:
    """The sample application receives change events at `url`/events."""
    from meinekammer.integration.models import EventEndpoint

    application = Application.objects.filter(name="Serviceportal Bildung").first()
    if application is None:
        return
    EventEndpoint.objects.update_or_create(
        application=application,
        defaults={"url": url.rstrip("/") + "/events", "secret": SERVICEPORTAL_EVENTS_SECRET},
    )


def seed_api_service_account() -> None:
    """The IHK's service account for trying the REST API, with every scope a chamber may have."""
    from django.contrib.auth.hashers import make_password

    from meinekammer.chambers.models import Chamber
    from meinekammer.integration.models import CHAMBER_SCOPES, ServiceAccount
    from meinekammer.integration.services import SECRET_HASHER

    ihk = Chamber.objects.filter(number=DEMO_CHAMBERS[0][0]).first()
    if ihk is None or ServiceAccount.objects.filter(client_id=API_CLIENT_ID).exists():
        return
    ServiceAccount.objects.create(
        name="Kammer-Registersync (Demo)",
        client_id=API_CLIENT_ID,
        secret_hash=make_password(API_CLIENT_SECRET, hasher=SECRET_HASHER),
        chamber=ihk,
        scopes=" ".join(sorted(CHAMBER_SCOPES)),
    )


def seed_serviceportal_client(url: str) -> OAuthClient:
    """The sample application's OpenID Connect client, its URIs exactly for `url`."""
    base = url.rstrip("/")
    uris = {
        "redirect_uris": f"{base}/auth/callback",
        "post_logout_redirect_uris": f"{base}/",
        "backchannel_logout_uri": f"{base}/backchannel-logout",
    }
    client = OAuthClient.objects.filter(client_id=SERVICEPORTAL_CLIENT_ID).first()
    if client is not None:
        # The demo may run on another port this time: the URIs follow, nothing else changes.
        OAuthClient.objects.filter(pk=client.pk).update(**uris)
        client.refresh_from_db()
        return client
    client = OAuthClient(
        connected_application=Application.objects.get(name="Serviceportal Bildung"),
        name="Serviceportal Bildung",
        client_id=SERVICEPORTAL_CLIENT_ID,
        client_secret=SERVICEPORTAL_CLIENT_SECRET,  # hashed on save
        client_type=OAuthClient.CLIENT_CONFIDENTIAL,
        authorization_grant_type=OAuthClient.GRANT_AUTHORIZATION_CODE,
        algorithm=OAuthClient.RS256_ALGORITHM,
        first_party=True,
        **uris,
    )
    client.save()
    return client


DEMO_APPLICATIONS = [
    # name, description, roles (key, German, English)
    (
        "Serviceportal Bildung",
        "Ausbildungsverträge, Prüfungsanmeldungen und das Digitale Berichtsheft (fiktiv).",
        [
            ("ausbildungsadministrator", "Ausbildungsadministrator", "Training administrator"),
            ("ausbildungsbeauftragter", "Ausbildungsbeauftragter", "Training officer"),
            ("ausbilder", "Ausbilder", "Trainer"),
            ("auszubildender", "Auszubildender", "Trainee"),
        ],
    ),
    (
        "Außenwirtschaftsportal",
        "Ursprungszeugnisse und Bescheinigungen für den Export beantragen (fiktiv).",
        [
            ("antragsteller", "Antragsteller", "Applicant"),
            ("unterzeichner", "Unterzeichnungsberechtigter", "Authorised signatory"),
        ],
    ),
]


def _seed_applications() -> "dict[str, AppRole]":
    """The connected applications and their role catalogues; returns roles by key."""
    roles: dict[str, AppRole] = {}
    for name, description, catalogue in DEMO_APPLICATIONS:
        application, _created = Application.objects.get_or_create(
            name=name, defaults={"description": description}
        )
        for position, (key, name_de, name_en) in enumerate(catalogue):
            role, _created = AppRole.objects.get_or_create(
                application=application,
                key=key,
                defaults={"name_de": name_de, "name_en": name_en, "position": position},
            )
            roles[key] = role
    return roles


def _user(email: str) -> User:
    return User.objects.get(email=email)


def _seed_chambers_and_companies() -> None:
    """Two chambers with staff and directories, and companies in several states."""
    from meinekammer.chambers.demo_directory import seed_demo_directory
    from meinekammer.chambers.models import Chamber, ChamberStaff, DirectoryEntry
    from meinekammer.companies.models import (
        ActivationLetter,
        AddressSource,
        Company,
        CompanyRegistration,
        CompanyState,
        LetterAddress,
        LetterReason,
        Membership,
        RegistrationState,
    )

    chambers = {}
    for number, name, street, postal_code, city, signatory, title in DEMO_CHAMBERS:
        chamber, _created = Chamber.objects.get_or_create(
            number=number,
            defaults={
                "name": name,
                "street": street,
                "postal_code": postal_code,
                "city": city,
                "email": f"info@{name.lower().replace(' ', '-')}.example",
                "phone": "+49 123 4567-0",
                "signatory_name": signatory,
                "signatory_title": title,
            },
        )
        chambers[number] = chamber
        if not chamber.directory.exists():
            seed_demo_directory(chamber)
    ChamberStaff.objects.get_or_create(
        user=_user("sabine.sachbearbeitung@ihk-musterstadt.example"),
        defaults={"chamber": chambers["101"]},
    )
    ChamberStaff.objects.get_or_create(
        user=_user("bernd.berater@hwk-beispielstadt.example"), defaults={"chamber": chambers["202"]}
    )
    roles = _seed_applications()
    if Company.objects.exists():
        return
    ihk = chambers["101"]
    entry = DirectoryEntry.objects.get(chamber=ihk, member_number="1010001")
    anna = _user("anna.admin@beispiel-gmbh.example")
    active = Company.objects.create(
        chamber=ihk,
        name=entry.name,
        street=entry.street,
        postal_code=entry.postal_code,
        city=entry.city,
        member_number=entry.member_number,
        register_court=entry.register_court,
        register_number=entry.register_number,
        directory_entry=entry,
        state=CompanyState.ACTIVE,
    )
    CompanyRegistration.objects.create(
        company=active, applicant=anna, state=RegistrationState.APPROVED
    )
    from meinekammer.applications.models import RoleAssignment
    from meinekammer.chambers.factors import notice_end
    from meinekammer.companies.models import MemberRequest, RequestKind

    tom = _user("tom.trainer@beispiel-gmbh.example")
    for user, is_admin, keys in (
        (anna, True, ["ausbildungsadministrator", "antragsteller"]),
        (tom, False, ["ausbilder"]),
        (_user("lea.lernt@beispiel-gmbh.example"), False, ["auszubildender"]),
    ):
        # Anna is in her notice period: the start page tells her the date from which her
        # chamber requires a second factor (Sabine, chamber staff, has none and must set one up).
        membership = Membership.objects.create(
            user=user,
            company=active,
            is_admin=is_admin,
            admin_factor_from=notice_end() if is_admin else None,
        )
        for key in keys:
            RoleAssignment.objects.create(membership=membership, role=roles[key], assigned_by=anna)
    # An open role request for Anna's queue ("Offene Anfragen", manual ch. 6).
    wanted = roles["ausbildungsbeauftragter"]
    role_request = MemberRequest.objects.create(
        company=active,
        requester=tom,
        kind=RequestKind.ROLE,
        role=wanted,
        comment="Ich betreue ab August die Auszubildenden im Lager.",
    )
    role_request.roles.add(wanted)

    # In review: a close match waits in the directory for Sabine to find.
    paul = _user("paul.plan@neubau.example")
    candidate = (
        DirectoryEntry.objects.filter(chamber=ihk)
        .exclude(pk=entry.pk)
        .exclude(register_number="")
        .order_by("member_number")
        .first()
    )
    if candidate is not None:
        pending = Company.objects.create(
            chamber=ihk,
            name=candidate.name.replace("GmbH", "Gmbh"),
            street=candidate.street,
            postal_code=candidate.postal_code,
            city=candidate.city,
            register_court=candidate.register_court,
            register_number=candidate.register_number,
            state=CompanyState.PENDING_REVIEW,
        )
        CompanyRegistration.objects.create(company=pending, applicant=paul)
    # Approved, its letter waiting in the print queue.
    waiting_entry = (
        DirectoryEntry.objects.filter(chamber=ihk)
        .exclude(pk=entry.pk)
        .order_by("-member_number")
        .first()
    )
    if waiting_entry is not None:
        waiting = Company.objects.create(
            chamber=ihk,
            name=waiting_entry.name,
            street=waiting_entry.street,
            postal_code=waiting_entry.postal_code,
            city=waiting_entry.city,
            member_number=waiting_entry.member_number,
            directory_entry=waiting_entry,
            state=CompanyState.AWAITING_ACTIVATION,
        )
        CompanyRegistration.objects.create(
            company=waiting, applicant=paul, state=RegistrationState.APPROVED
        )
        letter = ActivationLetter(
            company=waiting, reason=LetterReason.REGISTRATION, recipient_name=paul.get_full_name()
        )
        # As an approval does: the letter goes to the directory's address (issue 16).
        letter.set_address(LetterAddress.of_entry(waiting_entry), AddressSource.DIRECTORY)
        letter.save()
    # Rejected.
    rejected = Company.objects.create(
        chamber=ihk,
        name="Unbekannt Handel UG",
        street="Nirgendweg 9",
        postal_code="12345",
        city="Musterstadt",
        state=CompanyState.REJECTED,
    )
    CompanyRegistration.objects.create(
        company=rejected,
        applicant=paul,
        state=RegistrationState.REJECTED,
        rejection_reason="Das Unternehmen ist in unserem Unternehmensverzeichnis nicht verzeichnet.",
    )
