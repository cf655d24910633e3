"""The load run's data: `python loadtest/seed.py OUT.json USERS SECONDS` (Django configured by
the environment run.py sets). Accounts, companies and memberships in bulk through the ORM (one
argon2id hash of the one password, like bench/sso.py `prepare`); the registrations the clerks
review through the project's own use case (`register_company`), the OIDC client through
`meinekammer register-app`. Writes what each virtual user needs to OUT.json."""

from __future__ import annotations

import json
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loadtest.plan import (
    CHAMBER_NUMBER,
    CLIENT_ID,
    CLIENT_SECRET,
    MEMBERS_PER_COMPANY,
    PASSWORD,
    REDIRECT_URI,
    pool_size,
    registrations_per_clerk,
    shares,
)


def main(argv: list[str]) -> int:
    out, users, seconds = Path(argv[0]), int(argv[1]), float(argv[2])
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction

    from meinekammer.accounts.models import PrivacyConsent, PrivacyNotice, User
    from meinekammer.applications.models import Application, AppRole, RoleAssignment
    from meinekammer.chambers.models import Chamber, ChamberStaff, DirectoryEntry
    from meinekammer.companies.models import Company, CompanyState, Membership
    from meinekammer.companies.services.registration import register_company
    from meinekammer.core.actor import Actor

    plan = shares(users)
    hashed = make_password(PASSWORD)
    notice = PrivacyNotice.objects.current()
    chamber = Chamber.objects.create(
        number=CHAMBER_NUMBER,
        name="IHK Lastprobe",
        street="Kammerplatz 1",
        postal_code="12345",
        city="Musterstadt",
    )
    application = Application.objects.create(name="Serviceportal Bildung", requires_role=True)
    roles = [
        AppRole.objects.create(application=application, key=key, name_de=de, name_en=en)
        for key, de, en in (
            ("ausbildungsadministrator", "Ausbildungsadministrator", "Training administrator"),
            ("ausbildungsbeauftragter", "Ausbildungsbeauftragter", "Training officer"),
            ("ausbilder", "Ausbilder", "Trainer"),
            ("auszubildender", "Auszubildender", "Trainee"),
        )
    ]

    pending: list[User] = []

    def person(email: str, first: str, last: str) -> User:
        user = User(email=email, first_name=first, last_name=last, password=hashed)
        pending.append(user)
        return user

    def flush() -> None:
        User.objects.bulk_create(pending, batch_size=2000)
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in pending],
            batch_size=2000,
        )
        if notice:
            PrivacyConsent.objects.bulk_create(
                [PrivacyConsent(user=u, notice=notice) for u in pending], batch_size=2000
            )
        pending.clear()

    company_flows = [flow for flow in plan if flow != "chamber"]
    n_companies = sum(plan[flow] for flow in company_flows)
    pool = pool_size(seconds)
    companies = [
        Company(
            chamber=chamber,
            name=f"Lastfirma {index:03d} GmbH",
            street="Musterstraße 1",
            postal_code="12345",
            city="Musterstadt",
            member_number=f"{20100000 + index}",
            state=CompanyState.ACTIVE,
        )
        for index in range(n_companies)
    ]
    Company.objects.bulk_create(companies)
    people: dict[int, dict] = {}
    flow_of = [flow for flow in company_flows for _ in range(plan[flow])]
    for index in range(len(companies)):
        flow = flow_of[index]
        admin = person(f"admin{index}@lastfirma{index}.example", "Ada", f"Admin{index}")
        members = [
            person(
                f"m{index}.{j}@lastfirma{index}.example",
                ["Erika", "Max", "Jonas", "Lena"][j % 4],
                f"Mitglied{j:02d}",
            )
            for j in range(MEMBERS_PER_COMPANY)
        ]
        joiners = (
            [person(f"j{index}.{k}@frei.example", "Jule", f"Beitritt{k}") for k in range(pool)]
            if flow == "join"
            else []
        )
        invitees = (
            [person(f"i{index}.{k}@frei.example", "Ines", f"Einladung{k}") for k in range(pool)]
            if flow == "invite"
            else []
        )
        people[index] = {"admin": admin, "members": members, "j": joiners, "i": invitees}
    flush()

    # One by one: Membership.save() keeps fields of its own (the list's sort and search text).
    memberships = []
    with transaction.atomic():
        for index, company in enumerate(companies):
            memberships.append(
                Membership.objects.create(
                    user=people[index]["admin"], company=company, is_admin=True
                )
            )
            memberships += [
                Membership.objects.create(user=u, company=company) for u in people[index]["members"]
            ]
    assignments = [
        RoleAssignment(membership=m, role=roles[0] if m.is_admin else roles[3]) for m in memberships
    ]
    RoleAssignment.objects.bulk_create(assignments, batch_size=2000)
    membership_of = {(m.company_id, m.user_id): m.pk for m in memberships}

    def factor(user: User) -> str:
        """Company admins and chamber staff log in with an authenticator app."""
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
        return secret

    flows: dict[str, list] = {flow: [] for flow in plan}
    for index, company in enumerate(companies):
        found = people[index]
        flows[flow_of[index]].append(
            {
                "company_id": company.pk,
                "company_name": company.name,
                "member_number": company.member_number,
                "admin": found["admin"].email,
                "admin_secret": factor(found["admin"]),
                "members": [
                    [u.email, membership_of[(company.pk, u.pk)], u.last_name]
                    for u in found["members"]
                ],
                "joiners": [u.email for u in found["j"]],
                "invitees": [u.email for u in found["i"]],
            }
        )

    # The clerks and the registrations waiting for them, one applicant each.
    per_clerk = registrations_per_clerk(seconds)
    clerks = [
        person(f"clerk{c}@ihk-last.example", "Karl", f"Sachbearbeiter{c}")
        for c in range(plan["chamber"])
    ]
    applicants = [
        person(f"a{c}.{r}@antrag.example", "Anton", f"Antrag{r}")
        for c in range(plan["chamber"])
        for r in range(per_clerk)
    ]
    flush()
    ChamberStaff.objects.bulk_create([ChamberStaff(user=u, chamber=chamber) for u in clerks])
    for c, clerk in enumerate(clerks):
        queue = []
        for r in range(per_clerk):
            applicant = applicants[c * per_clerk + r]
            number = f"{30100000 + c * 10000 + r}"
            name = f"Antragsfirma {c}-{r} GmbH"
            entry = DirectoryEntry.objects.create(
                chamber=chamber,
                member_number=number,
                name=name,
                street="Antragsweg 2",
                postal_code="12345",
                city="Musterstadt",
            )
            company = register_company(
                Actor.of(applicant, ip="127.0.0.1", user_agent="loadtest seed"),
                chamber=chamber,
                name=name,
                street="Antragsweg 2",
                postal_code="12345",
                city="Musterstadt",
                member_number=number,
            )
            queue.append([company.registration.pk, entry.pk])
        flows["chamber"].append(
            {"clerk": clerk.email, "clerk_secret": factor(clerk), "registrations": queue}
        )

    call_command(
        "register-app",
        application="Serviceportal Bildung",
        redirect_uris=[REDIRECT_URI],
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        first_party=True,
        verbosity=0,
    )
    out.write_text(json.dumps({"plan": plan, "flows": flows, "roles": [r.pk for r in roles]}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
