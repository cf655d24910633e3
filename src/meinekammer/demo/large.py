"""A large installation for benchmarks and load runs: `meinekammer seed-large` (issue 15).

Fills an installation with clearly fictitious data of the size a large chamber region has: by
default 1,000,000 accounts, 100,000 companies in ten chambers (one of them, "Beispiel GmbH",
with 10,000 members), 50 connected applications with their roles and clients, company
directories, registrations in review, open join and role requests and role assignments. The
same arguments give the same data on every machine (one seeded random generator).

Speed: the few rows with rules of their own (chambers, staff, applications, clients, the
directory through its real importer) are written through the ORM; the millions of plain rows
(accounts, their addresses and consents, companies, registrations, memberships, second
factors, role assignments, requests) go straight into their tables, with PostgreSQL's COPY or
SQLite's executemany, with ids chosen here so that no row has to be read back. Every account
shares one password hash, computed once with the installation's hasher (argon2id would take
an hour for a million accounts): the password is printed at the end.

The data keeps the invariants of DESIGN.md: every active company has an admin who can act,
roles only in active companies and of active applications, one pending request per person
and company. No audit events and no mails are written for the seeded rows: they are not the
result of use cases, and a benchmark of the pages does not read them.
"""

from __future__ import annotations

import base64
import io
import random
import secrets
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from faker import Faker

from meinekammer.accounts.models import PrivacyConsent, PrivacyNotice, Salutation, User
from meinekammer.applications.models import Application, AppRole, OAuthClient, RoleAssignment
from meinekammer.chambers.demo_directory import generate_directory_rows, write_directory_csv
from meinekammer.chambers.directory import import_directory
from meinekammer.chambers.models import Chamber, ChamberStaff, DirectoryEntry
from meinekammer.companies.models import (
    Company,
    CompanyRegistration,
    CompanyState,
    MemberRequest,
    Membership,
    RegistrationState,
    RequestKind,
    RequestState,
    member_text,
)

LARGE_PASSWORD = "Gross-Installation-2026"  # fictitious data: printed on purpose
DOMAIN = "large.example"
NOTICE_DAYS = 14
# Share of companies in review by their chamber; the rest are active.
PENDING_SHARE = 0.04
# Sizes of the companies other than the large one: (smallest, largest, weight). The mean is
# about nine members: most companies have a few, a few have hundreds.
COMPANY_SIZES = [(1, 1, 30), (2, 5, 45), (6, 20, 20), (21, 100, 45 / 10), (101, 500, 5 / 10)]
ROLES_PER_MEMBER = [(0, 30), (1, 45), (2, 20), (3, 5)]
SECOND_MEMBERSHIP_SHARE = 0.02
APPLICATION_TOPICS = [
    "Ausbildung",
    "Prüfungen",
    "Weiterbildung",
    "Ursprungszeugnisse",
    "Carnets",
    "Sachverständige",
    "Gewerbeanmeldung",
    "Beitrag",
    "Veranstaltungen",
    "Statistik",
]
ROLE_CATALOGUE = [
    ("administrator", "Administrator", "Administrator"),
    ("sachbearbeiter", "Sachbearbeiter", "Clerk"),
    ("lesend", "Nur lesen", "Read only"),
]


@dataclass(frozen=True)
class Size:
    accounts: int = 1_000_000
    companies: int = 100_000
    big_company_members: int = 10_000
    applications: int = 50
    chambers: int = 10
    first_chamber: int = 101
    seed: int = 2026
    open_join_requests: int = 300  # in the large company
    open_role_requests: int = 100  # in the large company
    scattered_requests: int = 2_000  # one each in other companies
    assigned_registrations: int = 50  # claimed by the first clerk ("Mir zuweisen")

    def check(self) -> None:
        if self.chambers < 1 or self.applications < 1:
            raise ValueError("at least one chamber and one application")
        if self.companies < self.chambers:
            raise ValueError("at least one company per chamber")
        if self.accounts - max(2, self.accounts // 10) - self.big_company_members < self.companies:
            raise ValueError(
                "too few accounts: the large company's members, one admin for every other "
                "company and a tenth without a company"
            )
        if not 100 <= self.first_chamber <= 999 - self.chambers:
            raise ValueError("chamber numbers are three digits")


@dataclass
class Seeded:
    """What was written, and how to log in to look at it."""

    rows: dict[str, int] = field(default_factory=dict)
    big_company_id: int = 0
    admin_email: str = ""
    clerk_email: str = ""
    password: str = LARGE_PASSWORD
    totp_secret: str = ""  # of the two accounts above, for an authenticator app
    chamber_numbers: list[str] = field(default_factory=list)


Progress = Callable[[str, int], Callable[[int], None]]


def no_progress(_stage: str, _total: int) -> Callable[[int], None]:
    return lambda _done: None


class Table:
    """Rows of one model straight into its table, in the model's column names; the caller gives
    database-ready values in the order of `columns` and chooses the ids."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        by_name = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [name for name in columns if name not in by_name]
        if unknown:
            raise ValueError(f"{model.__name__} has no column {unknown}")
        quote = connection.ops.quote_name
        self.model = model
        self.columns = list(columns)
        self.table = quote(model._meta.db_table)
        self.column_sql = ", ".join(quote(by_name[name].column) for name in columns)

    def write(self, rows: Iterable[Sequence[Any]], advance: Callable[[int], None]) -> int:
        written = 0
        raw = connection.cursor().cursor  # the driver's cursor: no per-row wrapper
        if connection.vendor == "postgresql":
            with raw.copy(f"COPY {self.table} ({self.column_sql}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
                    if written % 10_000 == 0:
                        advance(10_000)
            advance(written % 10_000)
            return written
        marks = ", ".join("?" * len(self.columns))
        statement = f"INSERT INTO {self.table} ({self.column_sql}) VALUES ({marks})"  # noqa: S608
        for chunk in _chunks(rows, 5_000):
            raw.executemany(statement, chunk)
            written += len(chunk)
            advance(len(chunk))
        return written


def _chunks(rows: Iterable[Sequence[Any]], size: int) -> Iterator[list[Sequence[Any]]]:
    chunk: list[Sequence[Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _next_id(model: type[models.Model]) -> int:
    return (model._default_manager.aggregate(top=models.Max("pk"))["top"] or 0) + 1


def _db(model: type[models.Model], name: str, value: Any) -> Any:
    """A value as the database driver takes it (datetimes, UUIDs and JSON differ per vendor)."""
    field = cast(models.Field, model._meta.get_field(name))
    return field.get_db_prep_save(value, connection)


class _Clock:
    """Timestamps of the last three years, converted for the database once, drawn at random."""

    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng = rng
        moments = sorted(
            now - timedelta(minutes=rng.randint(60, 3 * 365 * 24 * 60)) for _ in range(2000)
        )
        self.plain = moments
        self.db = [_db(User, "date_joined", moment) for moment in moments]
        self.db_notice_end = [
            _db(Membership, "admin_factor_from", moment + timedelta(days=NOTICE_DAYS))
            for moment in moments
        ]

    def index(self) -> int:
        return self.rng.randrange(len(self.db))


def _ascii(text: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", " ": "-", "'": ""})
    return text.lower().translate(table).encode("ascii", "ignore").decode()


def seed_large(size: Size = Size(), *, progress: Progress = no_progress) -> Seeded:
    """Write the installation; refuses when one of its chamber numbers is taken already."""
    size.check()
    numbers = [str(size.first_chamber + index) for index in range(size.chambers)]
    if Chamber.objects.filter(number__in=numbers).exists():
        raise ValueError(f"chambers {numbers[0]}–{numbers[-1]} exist already")
    seeder = _Seeder(size, numbers, progress)
    with transaction.atomic():
        seeder.run()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the planner's statistics for the new millions of rows
    return seeder.seeded


class _Seeder:
    def __init__(self, size: Size, numbers: list[str], progress: Progress) -> None:
        self.size = size
        self.numbers = numbers
        self.progress = progress
        self.rng = random.Random(f"large-{size.seed}-{size.first_chamber}")  # noqa: S311
        self.now = timezone.now()
        self.clock = _Clock(self.rng, self.now)
        self.seeded = Seeded(chamber_numbers=numbers)
        self.seeded.totp_secret = base64.b32encode(self.rng.randbytes(20)).decode()
        self.tag = str(size.first_chamber)  # in every address: two seeds never collide
        fake = Faker("de_DE")
        fake.seed_instance(size.seed)
        self.first_names = sorted({fake.first_name() for _ in range(800)})
        self.last_names = sorted({fake.last_name() for _ in range(4000)})

    def count(self, name: str, rows: int) -> None:
        self.seeded.rows[name] = self.seeded.rows.get(name, 0) + rows

    def run(self) -> None:
        self.chambers = self._chambers()
        self.roles = self._applications()
        self.entries = self._directories()
        self._accounts()
        self._companies()
        self._memberships()
        self._requests()
        self._reset_sequences()

    # --- the rows with rules of their own: through the ORM ------------------------------------

    def _chambers(self) -> list[Chamber]:
        chambers = []
        password = make_password(LARGE_PASSWORD)
        mfa = get_mfa_adapter()
        notice = PrivacyNotice.objects.order_by("-published_at").first()
        for index, number in enumerate(self.numbers):
            chamber = Chamber.objects.create(
                number=number,
                name=f"IHK Beispielregion {index + 1}",
                street="Kammerplatz 1",
                postal_code=f"{10000 + int(number) * 7 % 89999:05d}",
                city=f"Beispielstadt {index + 1}",
                email=f"kammer-{number}@{DOMAIN}",
            )
            chambers.append(chamber)
            for clerk in range(1, 4):
                user = User.objects.create(
                    email=f"sachbearbeitung.{number}-{clerk}@{DOMAIN}",
                    first_name="Sachbearbeitung",
                    last_name=f"{number}-{clerk}",
                    password=password,
                )
                EmailAddress.objects.create(
                    user=user, email=user.email, verified=True, primary=True
                )
                ChamberStaff.objects.create(user=user, chamber=chamber)
                if notice is not None:
                    PrivacyConsent.objects.create(user=user, notice=notice)
                known = index == 0 and clerk == 1
                if known:
                    self.clerk = user
                    self.seeded.clerk_email = user.email
                # Chamber staff must have a second factor (accounts/factors.py).
                secret = self.seeded.totp_secret if known else generate_totp_secret()
                Authenticator.objects.create(
                    user=user, type=Authenticator.Type.TOTP, data={"secret": mfa.encrypt(secret)}
                )
        self.count("chambers", len(chambers))
        self.count("chamber staff", 3 * len(chambers))
        return chambers

    def _applications(self) -> list[int]:
        roles: list[int] = []
        for index in range(self.size.applications):
            topic = APPLICATION_TOPICS[index % len(APPLICATION_TOPICS)]
            application = Application.objects.create(
                name=f"Portal {topic} {index // len(APPLICATION_TOPICS) + 1} ({self.tag})",
                description=f"Fiktive Anwendung für {topic}.",
                url=f"https://app{index + 1}-{self.tag}.{DOMAIN}/",
            )
            for position, (key, name_de, name_en) in enumerate(ROLE_CATALOGUE):
                roles.append(
                    AppRole.objects.create(
                        application=application,
                        key=key,
                        name_de=name_de,
                        name_en=name_en,
                        position=position,
                    ).pk
                )
            OAuthClient.objects.create(
                connected_application=application,
                name=application.name,
                client_id=f"app{index + 1}-{self.tag}",
                client_secret=secrets.token_urlsafe(32),  # hashed on save; nobody needs it
                client_type=OAuthClient.CLIENT_CONFIDENTIAL,
                authorization_grant_type=OAuthClient.GRANT_AUTHORIZATION_CODE,
                algorithm=OAuthClient.RS256_ALGORITHM,
                redirect_uris=f"https://app{index + 1}-{self.tag}.{DOMAIN}/auth/callback",
            )
        self.count("applications", self.size.applications)
        self.count("roles", len(roles))
        return roles

    def _directories(self) -> list[list[tuple]]:
        """Each chamber's directory through the real importer, 10 % more entries than companies."""
        per_chamber = self._companies_per_chamber()
        entries = []
        for chamber, companies in zip(self.chambers, per_chamber, strict=True):
            count = companies + companies // 10 + 3
            advance = self.progress(f"directory {chamber.number}", count)
            buffer = io.StringIO()
            write_directory_csv(
                generate_directory_rows(chamber.number, count, self.size.seed), buffer
            )
            buffer.seek(0)
            import_directory(chamber, buffer)
            advance(count)
            entries.append(
                list(
                    DirectoryEntry.objects.filter(chamber=chamber, status="active")
                    .order_by("pk")
                    .values_list(
                        "pk",
                        "member_number",
                        "name",
                        "street",
                        "postal_code",
                        "city",
                        "register_court",
                        "register_number",
                    )
                )
            )
            self.count("directory entries", count)
        return entries

    def _companies_per_chamber(self) -> list[int]:
        """Chamber one, with the large company, has twice the share of the others."""
        weights = [2] + [1] * (self.size.chambers - 1)
        shares = [self.size.companies * weight // sum(weights) for weight in weights]
        shares[0] += self.size.companies - sum(shares)
        return shares

    # --- the plain rows: straight into their tables --------------------------------------------

    def _accounts(self) -> None:
        size, rng, clock = self.size, self.rng, self.clock
        self.first_user = _next_id(User)
        password = make_password(LARGE_PASSWORD)
        salutations = [Salutation.MS.value, Salutation.MR.value, Salutation.NONE.value]
        self.names: list[tuple[str, str]] = []
        self.joined: list[int] = []
        uuid_db = User._meta.get_field("subject").get_db_prep_save
        users = Table(
            User,
            [
                "id", "password", "is_superuser", "is_staff", "is_active", "date_joined", "email",
                "salutation", "first_name", "last_name", "language", "security_stamp", "subject",
            ],
        )  # fmt: skip

        def user_rows() -> Iterator[tuple]:
            for index in range(size.accounts):
                first, last = rng.choice(self.first_names), rng.choice(self.last_names)
                if index == 0:
                    first, last = "Anna", "Admin"
                self.names.append((first, last))
                moment = clock.index()
                self.joined.append(moment)
                yield (
                    self.first_user + index,
                    password,
                    False,
                    False,
                    True,
                    clock.db[moment],
                    self.email(index),
                    rng.choice(salutations),
                    first,
                    last,
                    "en" if rng.random() < 0.1 else "de",
                    secrets.token_hex(16),
                    uuid_db(uuid.uuid4(), connection),
                )

        self.count("accounts", users.write(user_rows(), self.progress("accounts", size.accounts)))
        self.seeded.admin_email = self.email(0)

        addresses = Table(EmailAddress, ["id", "user_id", "email", "verified", "primary"])
        first_address = _next_id(EmailAddress)
        self.count(
            "e-mail addresses",
            addresses.write(
                (
                    (first_address + index, self.first_user + index, self.email(index), True, True)
                    for index in range(size.accounts)
                ),
                self.progress("e-mail addresses", size.accounts),
            ),
        )
        notice = PrivacyNotice.objects.order_by("-published_at").first()
        if notice is not None:  # the current Informationspflichten, accepted at registration
            consents = Table(PrivacyConsent, ["id", "user_id", "notice_id", "accepted_at"])
            first_consent = _next_id(PrivacyConsent)
            self.count(
                "privacy consents",
                consents.write(
                    (
                        (
                            first_consent + index,
                            self.first_user + index,
                            notice.pk,
                            _db(PrivacyConsent, "accepted_at", self.now),
                        )
                        for index in range(size.accounts)
                    ),
                    self.progress("privacy consents", size.accounts),
                ),
            )

    def member_text(self, index: int) -> tuple[str, str]:
        first, last = self.names[index]
        person = SimpleNamespace(first_name=first, last_name=last, email=self.email(index))
        return member_text(person)

    def email(self, index: int) -> str:
        if index == 0:
            return f"anna.admin.{self.tag}@{DOMAIN}"
        first, last = self.names[index]
        return f"{_ascii(first)}.{_ascii(last)}.{index}.{self.tag}@{DOMAIN}"

    def _companies(self) -> None:
        """Active companies from each chamber's directory, and registrations still in review."""
        size, clock = self.size, self.clock
        self.first_company = _next_id(Company)
        self.active: list[int] = []  # company ids
        self.pending: list[tuple[int, int]] = []  # (company id, chamber index)
        companies = Table(
            Company,
            [
                "id", "chamber_id", "name", "street", "postal_code", "city", "member_number",
                "register_court", "register_number", "email", "phone", "state",
                "directory_entry_id", "created_at", "activated_at",
            ],
        )  # fmt: skip
        self.created: dict[int, int] = {}

        def company_rows() -> Iterator[tuple]:
            company_id = self.first_company
            for chamber_index, (chamber, count) in enumerate(
                zip(self.chambers, self._companies_per_chamber(), strict=True)
            ):
                entries = self.entries[chamber_index]
                pending = max(1, round(count * PENDING_SHARE)) if count > 1 else 0
                if len(entries) < count - pending:
                    raise ValueError(f"directory {chamber.number} too small")
                for position in range(count):
                    entry = entries[position % len(entries)]
                    in_review = position >= count - pending
                    moment = clock.index()
                    self.created[company_id] = moment
                    if in_review:
                        self.pending.append((company_id, chamber_index))
                    else:
                        self.active.append(company_id)
                    yield (
                        company_id,
                        chamber.pk,
                        entry[2],
                        entry[3] or "Hauptstraße 1",
                        entry[4] or "12345",
                        entry[5] or "Beispielstadt",
                        "" if in_review else entry[1],
                        entry[6],
                        entry[7],
                        "",
                        "",
                        (CompanyState.PENDING_REVIEW if in_review else CompanyState.ACTIVE).value,
                        None if in_review else entry[0],
                        clock.db[moment],
                        None if in_review else clock.db[moment],
                    )
                    company_id += 1

        self.count(
            "companies", companies.write(company_rows(), self.progress("companies", size.companies))
        )
        self.big_company = self.active[0]  # the first entry of chamber one: "Beispiel GmbH"
        self.seeded.big_company_id = self.big_company

    def _memberships(self) -> None:
        """The large company first, then the others by a skewed size; a tenth of the accounts
        belong to no company (they applied for one, or use applications without)."""
        size, rng, clock = self.size, self.rng, self.clock
        sizes = [(low, high) for low, high, _weight in COMPANY_SIZES]
        weights = [weight for _low, _high, weight in COMPANY_SIZES]
        others = self.active[1:]
        unattached = max(2, size.accounts // 10)
        available = size.accounts - unattached - size.big_company_members
        if available < len(others):
            raise ValueError("too few accounts: every company needs its admin")
        # Every other company has at least one member (its admin); the rest by a drawn size,
        # scaled down where the accounts do not suffice.
        wanted = [rng.randint(*rng.choices(sizes, weights)[0]) for _ in others]
        scale = min(1.0, available / max(1, sum(wanted)))
        counts = [max(1, int(n * scale)) for n in wanted]
        excess = sum(counts) - available
        for index in sorted(range(len(counts)), key=counts.__getitem__, reverse=True):
            if excess <= 0:
                break
            cut = min(excess, counts[index] - 1)
            counts[index] -= cut
            excess -= cut
        members: list[tuple[int, list[int]]] = [
            (self.big_company, list(range(size.big_company_members)))
        ]
        next_account = size.big_company_members
        for company_id, count in zip(others, counts, strict=True):
            members.append((company_id, list(range(next_account, next_account + count))))
            next_account += count
        self.unattached = list(range(next_account, size.accounts))  # no company yet
        # A few people work for a second company.
        for _ in range(int(size.accounts * SECOND_MEMBERSHIP_SHARE)):
            company_id, people = members[rng.randrange(1, len(members))]
            person = rng.randrange(next_account)
            if person not in people:
                people.append(person)

        self.first_membership = _next_id(Membership)
        self.members_of: dict[int, list[tuple[int, int]]] = {}  # company → (membership, account)
        memberships = Table(
            Membership,
            ["id", "user_id", "company_id", "is_admin", "created_at", "admin_factor_from",
             "sort_name", "search_text"],
        )  # fmt: skip
        admins: list[int] = []
        total = sum(len(people) for _company, people in members)

        def membership_rows() -> Iterator[tuple]:
            membership_id = self.first_membership
            for company_id, people in members:
                rows = self.members_of.setdefault(company_id, [])
                for position, person in enumerate(people):
                    # The first member is the admin who activated the company; one in twenty
                    # more are admins too (the large company: one in five hundred).
                    share = 0.002 if company_id == self.big_company else 0.05
                    is_admin = position == 0 or rng.random() < share
                    moment = max(self.created[company_id], self.joined[person])
                    rows.append((membership_id, person))
                    if is_admin:
                        admins.append(person)
                    yield (
                        membership_id,
                        self.first_user + person,
                        company_id,
                        is_admin,
                        clock.db[moment],
                        clock.db_notice_end[moment] if is_admin else None,
                        *self.member_text(person),
                    )
                    membership_id += 1

        self.count(
            "memberships", memberships.write(membership_rows(), self.progress("memberships", total))
        )
        self._factors(sorted(set(admins)))
        self._role_assignments(total)

    def _factors(self, admins: list[int]) -> None:
        """Company admins have a second factor: their chamber asks for one (the default)."""
        mfa = get_mfa_adapter()
        created = _db(Authenticator, "created_at", self.now)
        authenticators = Table(Authenticator, ["id", "user_id", "type", "data", "created_at"])
        first = _next_id(Authenticator)

        def secret(person: int) -> str:
            return self.seeded.totp_secret if person == 0 else generate_totp_secret()

        self.count(
            "second factors",
            authenticators.write(
                (
                    (
                        first + index,
                        self.first_user + person,
                        Authenticator.Type.TOTP.value,
                        _db(Authenticator, "data", {"secret": mfa.encrypt(secret(person))}),
                        created,
                    )
                    for index, person in enumerate(admins)
                ),
                self.progress("second factors", len(admins)),
            ),
        )

    def _role_assignments(self, memberships: int) -> None:
        rng, clock = self.rng, self.clock
        counts = [count for count, _weight in ROLES_PER_MEMBER]
        weights = [weight for _count, weight in ROLES_PER_MEMBER]
        assignments = Table(RoleAssignment, ["id", "membership_id", "role_id", "assigned_at"])
        first = _next_id(RoleAssignment)
        held_counts = [
            min(len(self.roles), count) for count in rng.choices(counts, weights, k=memberships)
        ]

        def rows() -> Iterator[tuple]:
            assignment_id = first
            for offset, held in enumerate(held_counts):
                for role_id in rng.sample(self.roles, held):
                    yield (assignment_id, self.first_membership + offset, role_id,
                           clock.db[clock.index()])  # fmt: skip
                    assignment_id += 1

        self.count(
            "role assignments",
            assignments.write(rows(), self.progress("role assignments", sum(held_counts))),
        )

    def _requests(self) -> None:
        """Registrations in review (some claimed by the first clerk), open join requests from
        people without a company, role requests of members."""
        size, rng, clock = self.size, self.rng, self.clock
        applicants = rng.sample(self.unattached, min(len(self.unattached), len(self.pending)))
        registrations = Table(
            CompanyRegistration,
            [
                "id", "company_id", "applicant_id", "state", "submitted_at", "rejection_reason",
                "decided_at", "assignee_id", "assigned_at",
            ],
        )  # fmt: skip
        first = _next_id(CompanyRegistration)
        assigned_left = size.assigned_registrations
        now = _db(CompanyRegistration, "assigned_at", self.now)

        def registration_rows() -> Iterator[tuple]:
            nonlocal assigned_left
            row_id = first
            for company_id in self.active:
                moment = self.created[company_id]
                applicant = self.members_of[company_id][0][1]
                yield (
                    row_id, company_id, self.first_user + applicant, RegistrationState.APPROVED.value,
                    clock.db[moment], "", clock.db[moment], None, None,
                )  # fmt: skip
                row_id += 1
            for number, (company_id, chamber_index) in enumerate(self.pending):
                applicant = applicants[number % len(applicants)]
                claim = chamber_index == 0 and assigned_left > 0
                assigned_left -= claim
                yield (
                    row_id, company_id, self.first_user + applicant, RegistrationState.IN_REVIEW.value,
                    clock.db[self.created[company_id]], "", None,
                    self.clerk.pk if claim else None, now if claim else None,
                )  # fmt: skip
                row_id += 1

        self.count(
            "registrations",
            registrations.write(
                registration_rows(), self.progress("registrations", size.companies)
            ),
        )

        requests = Table(
            MemberRequest,
            ["id", "company_id", "requester_id", "kind", "state", "role_id", "comment", "reason",
             "created_at", "make_admin"],
        )  # fmt: skip
        first = _next_id(MemberRequest)
        joiners = rng.sample(self.unattached, min(len(self.unattached), size.open_join_requests))
        big_members = self.members_of[self.big_company]
        role_askers = rng.sample(big_members, min(len(big_members), size.open_role_requests))
        scattered = rng.sample(self.active[1:], min(len(self.active) - 1, size.scattered_requests))
        total = len(joiners) + len(role_askers) + len(scattered)

        def request_rows() -> Iterator[tuple]:
            row_id = first
            for person in joiners:
                yield (
                    row_id, self.big_company, self.first_user + person, RequestKind.JOIN.value,
                    RequestState.OPEN.value, None, "", "", clock.db[clock.index()], False,
                )  # fmt: skip
                row_id += 1
            for _membership, person in role_askers:
                yield (
                    row_id, self.big_company, self.first_user + person, RequestKind.ROLE.value,
                    RequestState.OPEN.value, rng.choice(self.roles), "", "", clock.db[clock.index()], False,
                )  # fmt: skip
                row_id += 1
            for company_id in scattered:
                person = rng.choice(self.unattached)
                yield (
                    row_id, company_id, self.first_user + person, RequestKind.JOIN.value,
                    RequestState.OPEN.value, None, "", "", clock.db[clock.index()], False,
                )  # fmt: skip
                row_id += 1

        self.count(
            "open requests", requests.write(request_rows(), self.progress("requests", total))
        )

    def _reset_sequences(self) -> None:
        """The next id PostgreSQL hands out follows the ids chosen here."""
        statements = connection.ops.sequence_reset_sql(
            no_style(),
            [User, EmailAddress, PrivacyConsent, Company, CompanyRegistration, Membership,
             Authenticator, RoleAssignment, MemberRequest],
        )  # fmt: skip
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
