""" "Require two-factor authentication for all members" (companies/services/factors.py) and the
notice of a company admin whose chamber requires a factor (companies/factors.py)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation

from meinekammer.accounts.models import User
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.chambers.factors import apply_admins_factor_setting
from meinekammer.companies.factors import announce_admin_factor_requirements
from meinekammer.companies.models import Company, Membership
from meinekammer.companies.services import member_requests
from meinekammer.companies.services.factors import set_members_factor_required
from meinekammer.companies.services.members import save_member
from meinekammer.core.errors import NotAllowed, NotFound
from meinekammer.notifications.models import OutboundEmail
from tests.accounts.factories import UserFactory, give_factor
from tests.companies.factories import CompanyFactory, MembershipFactory, actor_for
from tests.companies.helpers import flashed, mails, text

pytestmark = pytest.mark.django_db

MEMBER_MAIL = "factor_required_member"
ADMIN_MAIL = "factor_required_admin"


def switch_url(company) -> str:
    return reverse("companies:members_factor", args=[company.pk])


def date_in(language: str, when) -> str:
    with translation.override(language):
        return formats.date_format(timezone.localtime(when), "DATE_FORMAT")


@pytest.fixture
def members(company):
    """Two members without a factor (one German, one English), one with, one locked."""
    german = MembershipFactory(company=company, user__language="de").user
    english = MembershipFactory(company=company, user__language="en").user
    secured = MembershipFactory(company=company).user
    give_factor(secured)
    locked = MembershipFactory(company=company).user
    User.objects.filter(pk=locked.pk).update(locked_at=timezone.now())
    return {"de": german, "en": english, "secured": secured, "locked": locked}


def test_switching_on_sets_the_date_and_tells_members_without_a_factor(
    client, company, admin, members
):
    give_factor(admin)
    client.force_login(admin)
    response = client.post(switch_url(company), {"required": "on"})
    assert response.status_code == 302
    company.refresh_from_db()
    applies_from = company.members_factor_required_from
    expected = timezone.now() + timedelta(days=settings.MFA_REQUIRED_NOTICE_DAYS)
    assert abs((applies_from - expected).total_seconds()) < 60
    assert "Ab dem" in flashed(response)[0]
    assert mails(MEMBER_MAIL, members["de"].email) == 1
    assert mails(MEMBER_MAIL, members["en"].email) == 1
    assert mails(MEMBER_MAIL, members["secured"].email) == 0
    assert mails(MEMBER_MAIL, members["locked"].email) == 0
    assert mails(MEMBER_MAIL, admin.email) == 0  # the admin has a factor
    german = OutboundEmail.objects.get(recipient=members["de"].email)
    assert f"Ab dem {date_in('de', applies_from)} ist für Ihr Konto" in german.body_text
    assert "Beispiel GmbH" in german.subject
    assert "/konto/zwei-faktor/einrichten/" in german.body_text
    english = OutboundEmail.objects.get(recipient=members["en"].email)
    assert f"From {date_in('en', applies_from)} a second factor is required" in english.body_text
    event = AuditEvent.objects.get(action=AuditAction.COMPANY_DATA_CHANGED)
    assert event.data["fields"] == ["members_factor_required"]
    assert event.data["required"] is True
    assert event.actor == admin


def test_the_page_shows_the_switch(client, company, admin):
    client.force_login(admin)
    body = text(client.get(reverse("companies:administration", args=[company.pk])))
    assert "Zwei-Faktor-Authentisierung für alle Mitglieder verlangen" in body
    assert 'value="on"' in body
    set_members_factor_required(actor_for(admin), company_id=company.pk, required=True)
    body = text(client.get(reverse("companies:administration", args=[company.pk])))
    assert "Eingeschaltet" in body
    assert 'value="off"' in body


def test_a_double_click_sends_nothing_twice(client, company, admin, members):
    client.force_login(admin)
    client.post(switch_url(company), {"required": "on"})
    first = company.__class__.objects.get(pk=company.pk).members_factor_required_from
    before = (OutboundEmail.objects.count(), AuditEvent.objects.count())
    client.post(switch_url(company), {"required": "on"})
    assert (OutboundEmail.objects.count(), AuditEvent.objects.count()) == before
    assert Company.objects.get(pk=company.pk).members_factor_required_from == first


def test_switching_off_mails_nobody_and_is_audited(company, admin, members):
    set_members_factor_required(actor_for(admin), company_id=company.pk, required=True)
    mail_count = OutboundEmail.objects.count()
    set_members_factor_required(actor_for(admin), company_id=company.pk, required=False)
    assert Company.objects.get(pk=company.pk).members_factor_required_from is None
    assert OutboundEmail.objects.count() == mail_count
    last = AuditEvent.objects.filter(action=AuditAction.COMPANY_DATA_CHANGED).latest("pk")
    assert last.data["required"] is False
    # off again: nothing
    events = AuditEvent.objects.count()
    set_members_factor_required(actor_for(admin), company_id=company.pk, required=False)
    assert AuditEvent.objects.count() == events


def test_switching_on_again_tells_the_members_again(company, admin, members):
    actor = actor_for(admin)
    set_members_factor_required(actor, company_id=company.pk, required=True)
    set_members_factor_required(actor, company_id=company.pk, required=False)
    Company.objects.filter(pk=company.pk).update(members_factor_required_from=None)
    set_members_factor_required(actor, company_id=company.pk, required=True)
    assert mails(MEMBER_MAIL, members["de"].email) == 2


@pytest.mark.parametrize("value", ["", "yes", "1", "on\x00", "x" * 5000])
def test_bad_input_changes_nothing(client, company, admin, value):
    client.force_login(admin)
    response = client.post(switch_url(company), {"required": value})
    assert response.status_code == 302
    assert flashed(response) == ["Bitte wählen Sie, ob ein zweiter Faktor verlangt wird."]
    assert Company.objects.get(pk=company.pk).members_factor_required_from is None


def test_get_is_not_allowed(client, company, admin):
    client.force_login(admin)
    assert client.get(switch_url(company)).status_code == 405


@pytest.fixture
def refused(company, other_chamber, other_staff, staff):
    plain = UserFactory()
    member = MembershipFactory(company=company).user
    other_admin = MembershipFactory(company=CompanyFactory(chamber=other_chamber), is_admin=True)
    locked = MembershipFactory(company=company, is_admin=True).user
    User.objects.filter(pk=locked.pk).update(locked_at=timezone.now())
    for user in (plain, member, other_admin.user, locked):
        give_factor(user)
    return {
        "plain user": plain,
        "member who is not admin": member,
        "another company's admin": other_admin.user,
        "another chamber's staff": other_staff,
        "the company's own chamber staff": staff,
        "locked admin": User.objects.get(pk=locked.pk),
    }


@pytest.mark.parametrize(
    "who",
    [
        "logged out",
        "plain user",
        "member who is not admin",
        "another company's admin",
        "another chamber's staff",
        "the company's own chamber staff",
        "locked admin",
    ],
)
def test_who_may_not_switch(client, company, admin, refused, who):
    user = refused.get(who)
    if user is not None:
        client.force_login(user)
    before = (OutboundEmail.objects.count(), AuditEvent.objects.count())
    response = client.post(switch_url(company), {"required": "on"})
    if user is None:
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    else:
        assert response.status_code == 404
    assert Company.objects.get(pk=company.pk).members_factor_required_from is None
    assert (OutboundEmail.objects.count(), AuditEvent.objects.count()) == before


def test_the_use_case_refuses_who_is_not_admin(company, refused):
    with pytest.raises(NotAllowed):
        set_members_factor_required(
            actor_for(refused["member who is not admin"]), company_id=company.pk, required=True
        )
    with pytest.raises(NotFound):
        set_members_factor_required(
            actor_for(refused["plain user"]), company_id=10**9, required=True
        )


# --- The admin's notice period -------------------------------------------------------------------


def test_a_new_admin_is_told_the_date(company, admin, chamber):
    member = MembershipFactory(company=company, user__language="en")
    save_member(
        actor_for(admin), company_id=company.pk, membership_id=member.pk, roles=[], is_admin=True
    )
    member.refresh_from_db()
    expected = timezone.now() + timedelta(days=settings.MFA_REQUIRED_NOTICE_DAYS)
    assert abs((member.admin_factor_from - expected).total_seconds()) < 60
    assert mails(ADMIN_MAIL, member.user.email) == 1
    body = OutboundEmail.objects.get(template=f"companies/email/{ADMIN_MAIL}").body_text
    assert f"From {date_in('en', member.admin_factor_from)} a second factor is required" in body
    assert chamber.name in body


def test_a_new_admin_of_a_chamber_that_does_not_ask_is_not_told(company, admin, chamber):
    chamber.admins_factor_required = False
    chamber.save()
    member = MembershipFactory(company=company)
    save_member(
        actor_for(admin), company_id=company.pk, membership_id=member.pk, roles=[], is_admin=True
    )
    assert mails(ADMIN_MAIL) == 0


def test_a_new_admin_with_a_factor_is_not_told(company, admin):
    member = MembershipFactory(company=company)
    give_factor(member.user)
    save_member(
        actor_for(admin), company_id=company.pk, membership_id=member.pk, roles=[], is_admin=True
    )
    assert mails(ADMIN_MAIL) == 0


def test_the_chamber_switch_tells_each_admin_once(company, admin, second_admin, chamber):
    chamber.admins_factor_required = False
    apply_admins_factor_setting(chamber, required=False)
    chamber.save()
    Membership.objects.filter(company=company).update(admin_factor_from=None)
    apply_admins_factor_setting(chamber, required=True)
    chamber.save()
    assert announce_admin_factor_requirements() == 2
    assert announce_admin_factor_requirements() == 0  # the hourly job again: nothing new
    german = OutboundEmail.objects.get(recipient=admin.email)
    assert (
        f"Ab dem {date_in('de', chamber.admins_factor_required_from)} ist für Ihr Konto"
        in german.body_text
    )


def test_a_join_request_approved_as_admin_starts_the_notice(admin, join_request):
    member_requests.assign_request_to_me(actor_for(admin), member_request_id=join_request.pk)
    member_requests.approve_member_request(
        actor_for(admin), member_request_id=join_request.pk, roles=[], make_admin=True
    )
    membership = Membership.objects.get(user=join_request.requester)
    assert membership.admin_factor_from > timezone.now()
    assert mails(ADMIN_MAIL, join_request.requester.email) == 1


def _chamber_form(chamber, **changes) -> dict:
    data = {
        "number": chamber.number,
        "name": chamber.name,
        "street": chamber.street,
        "postal_code": chamber.postal_code,
        "city": chamber.city,
        "phone": "",
        "email": chamber.email,
        "website": "",
        "signatory_name": chamber.signatory_name,
        "signatory_title": chamber.signatory_title,
        "is_active": "on",
        "staff-TOTAL_FORMS": "0",
        "staff-INITIAL_FORMS": "0",
        "staff-MIN_NUM_FORMS": "0",
        "staff-MAX_NUM_FORMS": "1000",
    }
    if changes.get("admins_factor_required", True):
        data["admins_factor_required"] = "on"
    return data


def test_the_chamber_switches_it_in_the_admin_site(admin_client, chamber, company, admin):
    url = reverse("admin:chambers_chamber_change", args=[chamber.pk])
    assert "admins_factor_required" in text(admin_client.get(url))
    response = admin_client.post(url, _chamber_form(chamber, admins_factor_required=False))
    assert response.status_code == 302, text(response)
    chamber.refresh_from_db()
    assert not chamber.admins_factor_required
    assert chamber.admins_factor_required_from is None
    response = admin_client.post(url, _chamber_form(chamber))
    assert response.status_code == 302
    chamber.refresh_from_db()
    assert chamber.admins_factor_required_from > timezone.now() + timedelta(days=13)
    assert announce_admin_factor_requirements() == 1  # Anna, the company's admin
