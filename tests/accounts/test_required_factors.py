"""Where a second factor is required (accounts.factors) and how the pages lead to its set-up
(web/accounts/required_factor.py): each actor, before and after the date, and with a factor."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from meinekammer.accounts.factors import factor_required, has_factor, requirement_for
from meinekammer.accounts.models import User
from meinekammer.chambers.factors import apply_admins_factor_setting
from meinekammer.chambers.models import ChamberStaff
from meinekammer.companies.models import CompanyState
from tests.accounts.factories import UserFactory, give_factor
from tests.chambers.factories import ChamberFactory
from tests.companies.factories import CompanyFactory, MembershipFactory
from tests.companies.helpers import text
from tests.recheck import mark_checked

pytestmark = pytest.mark.django_db

SETUP = reverse("accounts:factor_setup")
CHAMBER_AREA = "/kammer/"


def later(days: int = 14):
    return timezone.now() + timedelta(days=days)


def earlier(days: int = 1):
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def chamber(db):
    return ChamberFactory(name="IHK Musterstadt")


@pytest.fixture
def company(chamber):
    return CompanyFactory(chamber=chamber, name="Beispiel GmbH")


@pytest.fixture
def clerk(chamber):
    """Chamber staff without a factor (the shared `staff` fixture has one)."""
    user = UserFactory(first_name="Sabine", last_name="Sachbearbeitung")
    ChamberStaff.objects.create(user=user, chamber=chamber)
    return user


@pytest.fixture
def operator(db):
    return UserFactory(is_staff=True, is_superuser=True)


def led_to_setup(response, next_path: str | None = None) -> bool:
    if response.status_code != 302 or not response.url.startswith(SETUP):
        return False
    return next_path is None or f"next={quote(next_path, safe='')}" in response.url


# --- The registry ------------------------------------------------------------------------------


def test_a_plain_user_needs_no_factor(user):
    assert requirement_for(user) is None
    assert not factor_required(user)


def test_logged_out_needs_nothing():
    from django.contrib.auth.models import AnonymousUser

    assert requirement_for(AnonymousUser()) is None
    assert requirement_for(None) is None


def test_operators_always(operator):
    assert factor_required(operator)
    assert factor_required(UserFactory(is_staff=True))


def test_chamber_staff_always_and_the_reason_names_the_chamber(clerk, chamber):
    requirement = requirement_for(clerk)
    assert factor_required(clerk)
    assert chamber.name in requirement.reason


def test_a_locked_clerk_has_no_requirement_to_meet(clerk):
    clerk.locked_at = timezone.now()
    clerk.save()
    assert requirement_for(clerk) is None


def test_company_admin_from_the_end_of_the_notice_period(company):
    membership = MembershipFactory(company=company, is_admin=True, admin_factor_from=later(14))
    admin = membership.user
    requirement = requirement_for(admin)
    assert requirement.applies_from == membership.admin_factor_from
    assert company.name in requirement.reason
    assert not factor_required(admin)
    assert factor_required(admin, at=later(15))


def test_company_admin_after_the_date(company):
    admin = MembershipFactory(company=company, is_admin=True, admin_factor_from=earlier()).user
    assert factor_required(admin)


def test_the_chamber_date_wins_when_it_is_later(company, chamber):
    admin = MembershipFactory(company=company, is_admin=True, admin_factor_from=earlier()).user
    chamber.admins_factor_required_from = later(10)
    chamber.save()
    assert not factor_required(admin)
    assert factor_required(admin, at=later(11))


def test_company_admin_of_a_chamber_that_does_not_ask(company, chamber):
    admin = MembershipFactory(company=company, is_admin=True, admin_factor_from=earlier()).user
    chamber.admins_factor_required = False
    chamber.save()
    assert requirement_for(admin) is None


def test_an_admin_of_a_deleted_company_needs_none(chamber):
    company = CompanyFactory(chamber=chamber, state=CompanyState.DELETED)
    admin = MembershipFactory(company=company, is_admin=True, admin_factor_from=earlier()).user
    assert requirement_for(admin) is None


def test_a_member_is_not_asked_by_the_chamber(company):
    member = MembershipFactory(company=company).user
    assert requirement_for(member) is None


def test_a_member_of_a_company_with_the_switch_on(company):
    member = MembershipFactory(company=company).user
    company.members_factor_required_from = later(14)
    company.save()
    assert not factor_required(member)
    assert factor_required(member, at=later(15))
    company.members_factor_required_from = earlier()
    company.save()
    assert factor_required(member)
    assert company.name in requirement_for(member).reason


def test_the_earliest_requirement_wins(company, chamber):
    membership = MembershipFactory(company=company, is_admin=True, admin_factor_from=later(14))
    ChamberStaff.objects.create(user=membership.user, chamber=chamber)
    assert factor_required(membership.user)


def test_has_factor_counts_an_app_not_recovery_codes(user):
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(user=user, type=Authenticator.Type.RECOVERY_CODES, data={})
    assert not has_factor(user)
    give_factor(user)
    assert has_factor(user)


def test_the_question_costs_a_couple_of_queries(company, chamber, django_assert_max_num_queries):
    membership = MembershipFactory(company=company, is_admin=True, admin_factor_from=later())
    ChamberStaff.objects.create(user=membership.user, chamber=chamber)
    for other in CompanyFactory.create_batch(3, chamber=chamber):
        MembershipFactory(company=other, user=membership.user, is_admin=True)
    with django_assert_max_num_queries(2):
        requirement_for(membership.user)


def test_the_chamber_switch_starts_a_notice_period(chamber):
    apply_admins_factor_setting(chamber, required=False)
    chamber.save()
    assert chamber.admins_factor_required_from is None
    apply_admins_factor_setting(chamber, required=True)
    chamber.save()
    days = (chamber.admins_factor_required_from - timezone.now()).days
    assert (
        days == settings.MFA_REQUIRED_NOTICE_DAYS - 1 or days == settings.MFA_REQUIRED_NOTICE_DAYS
    )
    first = chamber.admins_factor_required_from
    apply_admins_factor_setting(chamber, required=True)  # saving again keeps the date
    assert chamber.admins_factor_required_from == first


# --- The pages ---------------------------------------------------------------------------------


def test_a_clerk_without_a_factor_is_led_to_the_setup(client, clerk, chamber):
    client.force_login(clerk)
    response = client.get(CHAMBER_AREA)
    assert led_to_setup(response, CHAMBER_AREA)
    page = client.get(response.url)
    assert page.status_code == 200
    body = text(page)
    assert "Zwei-Faktor-Authentisierung einrichten" in body
    assert chamber.name in body
    assert reverse("mfa_activate_totp") + "?next=" + quote(CHAMBER_AREA, safe="") in body
    assert reverse("mfa_add_webauthn") + "?next=" in body


def test_after_the_setup_the_factor_pages_offer_to_continue_where_the_clerk_was(client, clerk):
    client.force_login(clerk)
    client.get(client.get(CHAMBER_AREA).url)  # the guided set-up, entered from /kammer/
    # The offer is a button to where the set-up was entered (the header's "Kammerbereich" link
    # goes there too, so the button is told by its class).
    continue_link = f'class="kern-btn kern-btn--primary" href="{CHAMBER_AREA}"'
    assert continue_link not in client.get(reverse("mfa_index")).content.decode()
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    give_factor(clerk)  # what the authenticator app's page does, then it shows the codes
    RecoveryCodes.activate(clerk)
    mark_checked(client, method="mfa", type="totp")  # setting up a factor counts as a check
    for page in (reverse("mfa_view_recovery_codes"), reverse("mfa_index")):
        body = client.get(page).content.decode()
        assert continue_link in body and "Weiter, wo Sie waren" in body
    assert client.get(CHAMBER_AREA).status_code == 200
    # Arrived: the offer is gone.
    assert continue_link not in client.get(reverse("mfa_index")).content.decode()


@pytest.mark.parametrize("next_url", ["https://elsewhere.example/", "//elsewhere.example/"])
def test_the_setup_never_offers_to_continue_elsewhere(client, clerk, next_url):
    client.force_login(clerk)
    client.get(SETUP, {"next": next_url})
    give_factor(clerk)
    assert "elsewhere.example" not in client.get(reverse("mfa_index")).content.decode()


def test_the_start_page_leads_to_the_setup_too(client, clerk):
    client.force_login(clerk)
    assert led_to_setup(client.get("/"))


def test_with_a_factor_the_chamber_area_is_reachable(client, clerk):
    give_factor(clerk)
    client.force_login(clerk)
    assert client.get(CHAMBER_AREA).status_code == 200


def test_a_post_is_led_to_the_setup_without_next(client, clerk):
    client.force_login(clerk)
    response = client.post(CHAMBER_AREA)
    assert response.status_code == 302
    assert response.url == SETUP


@pytest.mark.parametrize(
    "path",
    [
        SETUP,
        "/konto/",
        "/konto/daten/",
        "/accounts/logout/",
        "/accounts/2fa/",
        "/datenschutz/",
        "/impressum/",
        "/barrierefreiheit/",
        "/static/web/meinekammer.css",
    ],
)
def test_not_a_dead_end(client, clerk, path):
    client.force_login(clerk)
    response = client.get(path)
    assert not led_to_setup(response)
    assert response.status_code in (200, 302)


def test_the_language_switch_stays_reachable(client, clerk):
    client.force_login(clerk)
    response = client.post("/sprache/", {"language": "en", "next": SETUP})
    assert response.status_code == 302
    assert response.url == SETUP
    assert "Set up two-factor authentication" in text(client.get(SETUP, HTTP_ACCEPT_LANGUAGE="en"))


def test_the_totp_page_of_allauth_is_reachable(client, clerk):
    client.force_login(clerk)
    response = client.get(reverse("mfa_activate_totp"))
    assert not led_to_setup(response)


def test_an_operator_without_a_factor_does_not_reach_the_admin_site(client, operator):
    client.force_login(operator)
    admin_url = "/" + settings.ADMIN_URL
    assert led_to_setup(client.get(admin_url), admin_url)
    give_factor(operator)
    assert client.get(admin_url).status_code == 200


def test_a_company_admin_before_the_date_sees_a_banner(client, company):
    admin = MembershipFactory(company=company, is_admin=True, admin_factor_from=later(14)).user
    client.force_login(admin)
    administration = reverse("companies:administration", args=[company.pk])
    assert client.get(administration).status_code == 200
    date = f"{timezone.localtime(later(14)).day}."
    for page in ("/", "/konto/"):
        body = text(client.get(page))
        assert "ist für Ihr Konto ein zweiter Faktor erforderlich" in body
        assert date in body
        assert SETUP in body


def test_the_banner_in_english(client, company):
    admin = MembershipFactory(company=company, is_admin=True, admin_factor_from=later(14)).user
    admin.language = "en"
    admin.save()
    client.force_login(admin)
    body = text(client.get("/konto/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "a second factor is required for your account" in body


def test_no_banner_with_a_factor_or_without_a_requirement(client, company, user):
    admin = MembershipFactory(company=company, is_admin=True, admin_factor_from=later(14)).user
    give_factor(admin)
    for account in (admin, user):
        client.force_login(account)
        assert "zweiter Faktor erforderlich" not in text(client.get("/"))


def test_a_company_admin_after_the_date_is_led_to_the_setup(client, company):
    admin = MembershipFactory(company=company, is_admin=True, admin_factor_from=earlier()).user
    client.force_login(admin)
    administration = reverse("companies:administration", args=[company.pk])
    assert led_to_setup(client.get(administration), administration)
    give_factor(admin)
    assert client.get(administration).status_code == 200


def test_a_company_admin_of_a_chamber_that_does_not_ask_reaches_it(client, company, chamber):
    chamber.admins_factor_required = False
    chamber.save()
    admin = MembershipFactory(company=company, is_admin=True, admin_factor_from=earlier()).user
    client.force_login(admin)
    assert client.get(reverse("companies:administration", args=[company.pk])).status_code == 200


def test_a_member_with_the_company_switch_on_is_led_to_setup_at_authorize(client, company):
    member = MembershipFactory(company=company).user
    company.members_factor_required_from = earlier()
    company.save()
    client.force_login(member)
    authorize = "/o/authorize/?client_id=x&response_type=code&scope=openid"
    response = client.get(authorize)
    assert led_to_setup(response, authorize)


def test_a_member_with_the_company_switch_off_is_not(client, company):
    member = MembershipFactory(company=company).user
    client.force_login(member)
    assert client.get("/").status_code == 200
    assert not led_to_setup(client.get("/o/authorize/?client_id=x&response_type=code"))


def test_a_plain_user_is_never_led_to_setup(logged_in):
    assert logged_in.get("/").status_code == 200
    assert logged_in.get(SETUP).status_code == 200  # may still set one up


def test_logged_out_visitors_are_not_affected(client):
    assert client.get("/").status_code == 200
    response = client.get(SETUP)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_next_goes_only_to_this_site(client, clerk):
    give_factor(clerk)
    client.force_login(clerk)
    body = text(client.get(SETUP + "?next=https://evil.example/"))
    assert 'href="https://evil.example/' not in body
    assert 'href="/"' in body
    body = text(client.get(SETUP + "?next=/kammer/"))
    assert 'href="/kammer/"' in body


# --- The demo ------------------------------------------------------------------------------------


def test_the_demo_shows_sabine_the_setup_and_anna_the_date(client):
    from meinekammer.demo.seed import seed_demo_data

    seed_demo_data()
    sabine = User.objects.get(email="sabine.sachbearbeitung@ihk-musterstadt.example")
    anna = User.objects.get(email="anna.admin@beispiel-gmbh.example")
    assert factor_required(sabine) and not has_factor(sabine)
    assert requirement_for(anna) is not None and not factor_required(anna)
    client.force_login(sabine)
    assert led_to_setup(client.get("/kammer/registrierungen/"))
    client.force_login(anna)
    assert "zweiter Faktor erforderlich" in text(client.get("/"))
