"""Issue 16: "Zu viele Aktivierungsversuche … wenden Sie sich an Ihre Kammer" — the chamber's
staff see the current activation blocks of their companies ("Aktivierungssperren") and lift
them ("Sperre aufheben", audited, in the chamber's "Protokoll"); the operator sets the limits.

Who may not: another chamber's staff, company admins, plain users, locked staff, visitors.
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from meinekammer.accounts.models import User
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.chambers.models import ChamberStaff
from meinekammer.companies import activation_passwords
from meinekammer.companies.models import (
    ActivationBlock,
    ActivationLetter,
    BlockKind,
    CompanyState,
    LetterState,
)
from meinekammer.companies.services.activation import (
    ActivationFailed,
    ActivationThrottled,
    activate_company,
)
from meinekammer.companies.services.activation_blocks import (
    lift_activation_block,
    lift_letter_block,
)
from meinekammer.core.actor import Actor
from meinekammer.core.errors import Conflict, NotFound
from tests.accounts.factories import UserFactory, give_factor
from tests.companies.factories import CompanyFactory, actor_for
from tests.companies.helpers import flashed, text

pytestmark = pytest.mark.django_db

PASSWORD = "ABCDEFGHJKMN"
OFFICE = "203.0.113.7"


def office(user, ip=OFFICE):
    return Actor.of(user, ip=ip, user_agent="Test")


def letter_for(company, **fields):
    return ActivationLetter.objects.create(
        company=company,
        reason="registration",
        recipient_name="Anna Admin",
        state=LetterState.SENT,
        sent_at=timezone.now(),
        password_hash=activation_passwords.hash_password(PASSWORD),
        password_issued_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=60),
        **fields,
    )


@pytest.fixture
def adviser(db):
    return UserFactory(first_name="Theo", last_name="Steuer", email="theo@kanzlei.example")


@pytest.fixture
def clients(chamber):
    """Seven client companies of the tax adviser, each with its letter."""
    companies = [
        CompanyFactory(
            chamber=chamber,
            state=CompanyState.AWAITING_ACTIVATION,
            member_number=f"20200{n}",
            name=f"Mandant {n} GmbH",
        )
        for n in range(7)
    ]
    for company in companies:
        letter_for(company)
    return companies


def activate(actor, company, password=PASSWORD):
    return activate_company(
        actor, password=password, member_number=company.member_number, chamber_number="101"
    )


def block_the_adviser(adviser, clients):
    """Five activations work; the sixth company is one too many."""
    for company in clients[:5]:
        activate(office(adviser), company)
    with pytest.raises(ActivationThrottled):
        activate(office(adviser), clients[5])


# --- Blocking -----------------------------------------------------------------------------------


def test_a_sixth_company_a_day_blocks_the_account_and_the_address(
    adviser, clients, chamber, staff, outbox
):
    block_the_adviser(adviser, clients)
    blocks = ActivationBlock.objects.order_by("kind")
    assert [(b.kind, b.key) for b in blocks] == [
        (BlockKind.ADDRESS, OFFICE),
        (BlockKind.USER, str(adviser.pk)),
    ]
    for block in blocks:
        assert list(block.chambers.all()) == [chamber]
        assert block.user == adviser
        assert block.until - block.started_at == timedelta(hours=24)
        assert "101/202005" in block.tried
    # Blocked tries are not counted and do not prolong the block.
    until = blocks[0].until
    with pytest.raises(ActivationThrottled):
        activate(office(adviser), clients[6])
    assert ActivationBlock.objects.get(kind=BlockKind.USER).until == until
    # Another account from the same office is blocked too (the address).
    with pytest.raises(ActivationThrottled):
        activate(office(UserFactory()), clients[6])
    # The staff heard of it once, with the way to lift it.
    [alert] = [m for m in outbox() if "Aktivierungsversuche" in m.subject]
    assert alert.to == [staff.email]
    assert "/kammer/aktivierungssperren/" in alert.body
    assert AuditEvent.objects.filter(action=AuditAction.ACTIVATION_THROTTLED).count() == 1


def test_a_block_survives_a_cache_flush_and_ends_by_itself(adviser, clients, time_machine):
    block_the_adviser(adviser, clients)
    cache.clear()
    with pytest.raises(ActivationThrottled):
        activate(office(adviser), clients[5])
    time_machine.move_to(timezone.now() + timedelta(hours=24, minutes=1))
    activate(office(adviser), clients[5])  # a new day, a new count


def test_the_operator_raises_the_limit_for_a_tax_advisers_office(adviser, clients, settings):
    settings.ACTIVATION_COMPANIES_PER_DAY = 20
    settings.ACTIVATION_COMPANIES_PER_DAY_PER_ADDRESS = 50
    for company in clients:
        activate(office(adviser), company)
    assert not ActivationBlock.objects.exists()
    assert all(c.memberships.filter(user=adviser, is_admin=True).exists() for c in clients)


def test_the_operator_sets_the_wrong_tries_of_a_letter(applicant, clients, settings):
    settings.ACTIVATION_MAX_WRONG_TRIES = 2
    for _n in range(2):
        with pytest.raises(ActivationFailed):
            activate(office(applicant), clients[0], password="ZZZZZZZZZZZZ")
    assert clients[0].letters.get().state == LetterState.VOID


# --- The page and "Sperre aufheben" -------------------------------------------------------------


def test_staff_see_the_block_and_lift_it(client, adviser, clients, staff):
    block_the_adviser(adviser, clients)
    client.force_login(staff)
    page = text(client.get(reverse("chambers:activation_blocks")))
    assert "Theo Steuer" in page and "theo@kanzlei.example" in page
    assert "202005 – Mandant 5 GmbH" in page
    assert "das Konto" in page and "die Netzwerkadresse dieses Kontos" in page
    assert OFFICE not in page  # the address itself is not shown
    assert "Sperre aufheben" in page

    user_block = ActivationBlock.objects.get(kind=BlockKind.USER)
    address_block = ActivationBlock.objects.get(kind=BlockKind.ADDRESS)
    for block in (user_block, address_block):
        response = client.post(reverse("chambers:lift_activation_block", args=[block.pk]))
        assert response["Location"] == reverse("chambers:activation_blocks")
        assert flashed(response)[-1] == (
            "Die Sperre ist aufgehoben; die Aktivierung kann sofort erneut versucht werden."
        )
    user_block.refresh_from_db()
    assert user_block.lifted_by == staff and user_block.lifted_at is not None
    activate(office(adviser), clients[5])  # works again at once

    event = AuditEvent.objects.filter(action=AuditAction.ACTIVATION_BLOCK_LIFTED).first()
    assert event.actor == staff and event.subject_user == adviser
    log = text(client.get(reverse("chambers:log"), {"kind": "blocks"}))
    assert "Aktivierungssperre aufgehoben" in log and "Aktivierungsversuche gebremst" in log
    assert "Theo Steuer" in log and "Netzwerkadresse" in log
    # Lifting twice is refused clearly.
    response = client.post(reverse("chambers:lift_activation_block", args=[user_block.pk]))
    assert "bereits beendet oder aufgehoben" in flashed(response)[-1]


def test_a_letter_void_after_wrong_tries_is_opened_again(client, applicant, clients, staff):
    company = clients[0]
    for _n in range(5):
        with pytest.raises(ActivationFailed):
            activate(office(applicant, ip=None), company, password="ZZZZZZZZZZZZ")
    letter = company.letters.get()
    assert letter.state == LetterState.VOID
    client.force_login(staff)
    page = text(client.get(reverse("chambers:activation_blocks")))
    assert "Mandant 0 GmbH" in page and "Briefe, die nach falschen Kennwörtern gesperrt" in page

    response = client.post(reverse("chambers:lift_letter_block", args=[letter.pk]))
    assert "funktioniert wieder" in flashed(response)[-1]
    letter.refresh_from_db()
    assert letter.state == LetterState.SENT and letter.failed_attempts == 0
    event = AuditEvent.objects.get(action=AuditAction.ACTIVATION_BLOCK_LIFTED)
    assert event.company == company and event.data["kind"] == "letter"
    assert activate(office(applicant, ip=None), company) == company

    response = client.post(reverse("chambers:lift_letter_block", args=[letter.pk]))
    assert "bereits beendet oder aufgehoben" in flashed(response)[-1]


def test_a_superseded_or_expired_letter_is_no_block(staff, clients):
    superseded = letter_for(clients[1])
    ActivationLetter.objects.filter(company=clients[1]).exclude(pk=superseded.pk).update(
        state=LetterState.VOID, failed_attempts=5, voided_at=timezone.now()
    )
    # The older letter was void after wrong tries, but a newer one exists.
    old = ActivationLetter.objects.filter(company=clients[1]).exclude(pk=superseded.pk).get()
    with pytest.raises(Conflict):
        lift_letter_block(actor_for(staff), letter_id=old.pk)
    expired = clients[2].letters.get()
    ActivationLetter.objects.filter(pk=expired.pk).update(
        state=LetterState.VOID,
        failed_attempts=5,
        voided_at=timezone.now(),
        expires_at=timezone.now() - timedelta(days=1),
    )
    with pytest.raises(Conflict):
        lift_letter_block(actor_for(staff), letter_id=expired.pk)


def test_no_blocks_no_rows(client, staff):
    client.force_login(staff)
    page = text(client.get(reverse("chambers:activation_blocks")))
    assert "Kein Konto und keine Netzwerkadresse ist gesperrt." in page
    assert "Kein Brief ist gesperrt." in page


# --- Who may not --------------------------------------------------------------------------------


@pytest.fixture
def actors(chamber, admin, other_staff):
    locked = UserFactory()
    ChamberStaff.objects.create(user=locked, chamber=chamber)
    give_factor(locked)
    User.objects.filter(pk=locked.pk).update(locked_at=timezone.now())
    return {
        "anonymous": None,
        "plain user": UserFactory(),
        "company admin": admin,
        "locked staff": User.objects.get(pk=locked.pk),
        "other chamber's staff": other_staff,
    }


@pytest.fixture
def blocked(adviser, clients):
    block_the_adviser(adviser, clients)
    company = clients[6]
    for _n in range(5):
        with pytest.raises(ActivationFailed):
            activate(office(UserFactory(), ip=None), company, password="ZZZZZZZZZZZZ")
    return ActivationBlock.objects.get(kind=BlockKind.USER), company.letters.get()


WHO = ["anonymous", "plain user", "company admin", "locked staff", "other chamber's staff"]


@pytest.mark.parametrize("who", WHO)
def test_nobody_but_the_chambers_staff_sees_or_lifts_a_block(client, actors, blocked, who):
    block, letter = blocked
    user = actors[who]
    if user is not None:
        client.force_login(user)
    responses = [
        client.get(reverse("chambers:activation_blocks")),
        client.post(reverse("chambers:lift_activation_block", args=[block.pk])),
        client.post(reverse("chambers:lift_letter_block", args=[letter.pk])),
    ]
    for response in responses:
        if user is None:
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))
        elif who == "other chamber's staff" and response.request["REQUEST_METHOD"] == "GET":
            # Their own chamber's page: without this chamber's blocks.
            assert response.status_code == 200
            assert b"Theo Steuer" not in response.content and b"Mandant 5" not in response.content
        else:
            assert response.status_code == 404
    block.refresh_from_db()
    letter.refresh_from_db()
    assert block.lifted_at is None and letter.state == LetterState.VOID
    assert not AuditEvent.objects.filter(action=AuditAction.ACTIVATION_BLOCK_LIFTED).exists()


def test_another_chambers_staff_gets_notfound_from_the_use_cases(blocked, other_staff):
    block, letter = blocked
    with pytest.raises(NotFound):
        lift_activation_block(actor_for(other_staff), block_id=block.pk)
    with pytest.raises(NotFound):
        lift_letter_block(actor_for(other_staff), letter_id=letter.pk)


def test_another_chambers_log_does_not_show_the_block(client, blocked, other_staff):
    client.force_login(other_staff)
    log = text(client.get(reverse("chambers:log"), {"kind": "blocks"}))
    assert "Theo Steuer" not in log and "gebremst" not in log


def test_unknown_ids_and_get_on_the_lift_are_refused(client, staff, blocked):
    block, _letter = blocked
    client.force_login(staff)
    assert client.post("/kammer/aktivierungssperren/999999/aufheben/").status_code == 404
    assert client.post("/kammer/aktivierungssperren/brief/999999/aufheben/").status_code == 404
    assert client.get(reverse("chambers:lift_activation_block", args=[block.pk])).status_code == 405
    assert client.post("/kammer/aktivierungssperren/abc/aufheben/").status_code == 404


def test_the_staff_alert_is_written_in_each_staff_members_language(
    adviser, clients, chamber, staff, outbox
):
    english = UserFactory(language="en")
    ChamberStaff.objects.create(user=english, chamber=chamber)
    block_the_adviser(adviser, clients)
    by_address = {
        m.to[0]: " ".join(m.body.split())
        for m in outbox()
        if "/kammer/aktivierungssperren/" in m.body
    }
    assert "können Sie sie im Kammerbereich unter „Aktivierungssperren“" in by_address[staff.email]
    assert (
        'you can lift it in the chamber area under "Activation blocks"'
        in (by_address[english.email])
    )
