import pytest
from django.urls import reverse

from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.companies import activation_passwords
from meinekammer.companies.models import ActivationLetter, CompanyState, LetterState, Membership
from meinekammer.companies.services.activation import (
    ActivationFailed,
    ActivationThrottled,
    activate_company,
)
from meinekammer.core.actor import Actor
from tests.accounts.factories import UserFactory
from tests.companies.factories import CompanyFactory

pytestmark = pytest.mark.django_db

PASSWORD = "ABCDEFGHJKMN"


def actor(user):
    """As the activation page builds it: the account and the client address."""
    return Actor.of(user, ip="198.51.100.20", user_agent="Test")


@pytest.fixture
def letter(chamber, applicant):
    from datetime import timedelta

    from django.utils import timezone

    company = CompanyFactory(
        chamber=chamber, state=CompanyState.AWAITING_ACTIVATION, member_number="1010001"
    )
    return ActivationLetter.objects.create(
        company=company,
        reason="registration",
        recipient_name="Anna Admin",
        state=LetterState.SENT,
        password_hash=activation_passwords.hash_password(PASSWORD),
        password_issued_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=60),
    )


def test_passwords_use_an_alphabet_without_look_alikes():
    for _ in range(200):
        password = activation_passwords.generate_password()
        assert len(password) == 12 and not set(password) & set("01IOL")
    assert activation_passwords.format_for_print("ABCDEFGHJKMN") == "ABCD-EFGH-JKMN"


@pytest.mark.parametrize(
    "entered", ["ABCD-EFGH-JKMN", "abcdefghjkmn", "abcd efgh jkmn", " Abcd-efgh-JKMN "]
)
def test_the_password_is_entered_case_insensitively_with_or_without_separators(entered, letter):
    assert activation_passwords.matches(entered, letter.password_hash)


def test_the_password_is_stored_only_as_a_hash(letter):
    assert PASSWORD not in letter.password_hash and letter.password_hash.startswith(
        ("md5$", "argon2$")
    )


def test_activation_makes_the_company_active_and_the_user_its_admin(
    client, applicant, letter, outbox
):
    client.force_login(applicant)
    response = client.post(
        reverse("companies:activate"),
        {"password": "abcd-efgh-jkmn", "member_number": "1010001", "chamber_number": "101"},
    )
    company = letter.company
    assert response["Location"] == reverse("companies:administration", args=[company.pk])
    company.refresh_from_db()
    letter.refresh_from_db()
    assert company.state == CompanyState.ACTIVE
    assert letter.state == LetterState.USED and letter.used_by == applicant
    assert Membership.objects.get(user=applicant, company=company).is_admin
    assert AuditEvent.objects.filter(action=AuditAction.COMPANY_ACTIVATED, company=company).exists()
    assert any("aktiv" in m.subject for m in outbox())
    page = client.get(response["Location"]).content.decode()
    assert "Administration" in page and company.name in page


@pytest.mark.parametrize(
    "data",
    [
        {"password": "ZZZZ-ZZZZ-ZZZZ", "member_number": "1010001", "chamber_number": "101"},
        {"password": "ABCD-EFGH-JKMN", "member_number": "9999999", "chamber_number": "101"},
        {"password": "ABCD-EFGH-JKMN", "member_number": "1010001", "chamber_number": "202"},
    ],
)
def test_every_failure_gives_one_and_the_same_message(client, applicant, letter, data):
    client.force_login(applicant)
    response = client.post(reverse("companies:activate"), data)
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert errors == [str(ActivationFailed())]
    letter.company.refresh_from_db()
    assert letter.company.state == CompanyState.AWAITING_ACTIVATION


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"password": "", "member_number": "1", "chamber_number": "101"}, "password"),
        ({"password": "X" * 500, "member_number": "1", "chamber_number": "101"}, "password"),
        ({"password": "ABCD", "member_number": "1", "chamber_number": "1O1"}, "chamber_number"),
        ({"password": "ABCD", "member_number": "", "chamber_number": "101"}, "member_number"),
    ],
)
def test_malformed_input_is_refused_before_any_check(client, applicant, letter, data, field):
    client.force_login(applicant)
    response = client.post(reverse("companies:activate"), data)
    assert field in response.context["form"].errors
    letter.refresh_from_db()
    assert letter.failed_attempts == 0


def test_five_wrong_tries_void_the_letter(applicant, letter):
    for _n in range(5):
        with pytest.raises(ActivationFailed):
            activate_company(
                actor(applicant),
                password="ZZZZZZZZZZZZ",
                member_number="1010001",
                chamber_number="101",
            )
    letter.refresh_from_db()
    assert letter.state == LetterState.VOID and letter.failed_attempts == 5
    # Now even the right password fails: a new letter is needed.
    with pytest.raises(ActivationFailed):
        activate_company(
            actor(applicant),
            password=PASSWORD,
            member_number="1010001",
            chamber_number="101",
        )


def test_an_expired_password_is_refused(applicant, letter, time_machine):
    from datetime import timedelta

    from django.utils import timezone

    time_machine.move_to(timezone.now() + timedelta(days=61), tick=False)
    with pytest.raises(ActivationFailed):
        activate_company(
            actor(applicant),
            password=PASSWORD,
            member_number="1010001",
            chamber_number="101",
        )


def test_trying_many_companies_is_throttled_and_staff_are_alerted(chamber, staff, outbox):
    prober = UserFactory()
    for n in range(5):
        with pytest.raises(ActivationFailed):
            activate_company(
                actor(prober),
                password=PASSWORD,
                member_number=f"77777{n}",
                chamber_number="101",
            )
    with pytest.raises(ActivationThrottled):
        activate_company(
            actor(prober),
            password=PASSWORD,
            member_number="777779",
            chamber_number="101",
        )
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.ACTIVATION_THROTTLED, subject_user=prober
        ).count()
        == 1
    )
    assert [m.to for m in outbox() if "Aktivierungsversuche" in m.subject] == [[staff.email]]


def test_a_double_click_activates_once(applicant, letter):
    for _ in range(2):
        company = activate_company(
            actor(applicant),
            password=PASSWORD,
            member_number="1010001",
            chamber_number="101",
        )
    assert company.state == CompanyState.ACTIVE
    assert AuditEvent.objects.filter(action=AuditAction.COMPANY_ACTIVATED).count() == 1


def test_a_used_letter_does_not_work_for_someone_else(applicant, letter):
    activate_company(
        actor(applicant),
        password=PASSWORD,
        member_number="1010001",
        chamber_number="101",
    )
    other = UserFactory()
    with pytest.raises(ActivationFailed):
        activate_company(
            actor(other),
            password=PASSWORD,
            member_number="1010001",
            chamber_number="101",
        )
    assert not Membership.objects.filter(user=other).exists()


def test_the_page_limits_tries_per_user_with_the_same_message(client, applicant, letter, settings):
    """allauth's "activate_company" limit is the page's step before the use case."""
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "activate_company": "2/h/user"}
    client.force_login(applicant)
    data = {"password": "ZZZZ-ZZZZ-ZZZZ", "member_number": "1010001", "chamber_number": "101"}
    for _n in range(2):
        response = client.post(reverse("companies:activate"), data)
        assert response.context["form"].non_field_errors() == [str(ActivationFailed())]
    response = client.post(reverse("companies:activate"), {**data, "password": PASSWORD})
    assert response.context["form"].non_field_errors() == [str(ActivationThrottled())]
    letter.refresh_from_db()
    assert letter.failed_attempts == 2 and letter.state == LetterState.SENT
    letter.company.refresh_from_db()
    assert letter.company.state == CompanyState.AWAITING_ACTIVATION
