"""Sensitive actions ask for the second factor again (the password for an account without one)
when the session's last check is older than RECHECK_SECONDS (10 minutes), and not within.

The sessions log in through the real login and factor forms, so that allauth records the steps.
"""

import time
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from meinekammer.companies.models import CompanyDeletion, Invitation, Membership
from tests.companies.factories import MembershipFactory
from tests.companies.helpers import approve_data
from tests.conftest import PASSWORD
from tests.totp import totp_code

LOGIN = reverse("account_login")
REAUTH_PASSWORD = reverse("account_reauthenticate")
REAUTH_FACTOR = reverse("mfa_reauthenticate")


def log_in(client, user, secret: str | None = None) -> None:
    response = client.post(LOGIN, {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    if secret is not None:
        response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
        assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(user.pk)


def with_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def later(time_machine, minutes: int) -> None:
    time_machine.move_to(timezone.now() + timedelta(minutes=minutes), tick=False)


def asked(response, where: str) -> bool:
    return response.status_code == 302 and response["Location"].startswith(where)


def test_the_setting_is_ten_minutes_and_allauth_follows_it():
    assert settings.RECHECK_SECONDS == 600
    assert settings.ACCOUNT_REAUTHENTICATION_TIMEOUT == settings.RECHECK_SECONDS


# --- the account's own actions (allauth's pages and ours) --------------------------------------


def _email(client):
    return client.post(
        reverse("account_email"), {"action_add": "", "email": "neu@beispiel.example"}
    )


def _password(client):
    return client.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "ein anderes langes Kennwort 2027",
            "password2": "ein anderes langes Kennwort 2027",
        },
    )


def test_without_a_factor_the_password_is_asked_after_eleven_minutes(client, user, time_machine):
    log_in(client, user)
    later(time_machine, 11)
    assert asked(_email(client), REAUTH_PASSWORD)


def test_without_a_factor_changing_the_password_asks_only_for_the_current_one(
    client, user, time_machine
):
    log_in(client, user)
    later(time_machine, 11)
    assert not asked(_password(client), REAUTH_PASSWORD)
    user.refresh_from_db()
    assert user.check_password("ein anderes langes Kennwort 2027")


@pytest.mark.parametrize("action", [_email, _password], ids=["email", "password"])
def test_within_ten_minutes_nothing_is_asked(client, user, time_machine, action):
    log_in(client, user)
    later(time_machine, 9)
    response = action(client)
    assert response.status_code == 302
    assert not response["Location"].startswith(REAUTH_PASSWORD)
    assert not response["Location"].startswith(REAUTH_FACTOR)


@pytest.mark.parametrize("action", [_email, _password], ids=["email", "password"])
def test_with_a_factor_the_factor_is_asked_after_eleven_minutes(client, user, time_machine, action):
    secret = with_totp(user)
    log_in(client, user, secret)
    later(time_machine, 11)
    assert asked(action(client), REAUTH_FACTOR)


def test_with_a_factor_the_password_alone_does_not_count(client, user, time_machine):
    secret = with_totp(user)
    log_in(client, user, secret)
    later(time_machine, 11)
    response = client.post(REAUTH_PASSWORD, {"password": PASSWORD})
    assert asked(response, REAUTH_FACTOR) or response.context["form"].errors
    assert asked(_email(client), REAUTH_FACTOR)


def test_the_factor_check_carries_the_action_out(client, user, time_machine):
    secret = with_totp(user)
    log_in(client, user, secret)
    later(time_machine, 11)
    response = _password(client)
    assert asked(response, REAUTH_FACTOR)
    wrong = client.post(response["Location"], {"code": "000000"})
    assert wrong.status_code == 200
    done = client.post(response["Location"], {"code": totp_code(secret, time.time() + 30)})
    assert done.status_code == 302 and not done["Location"].startswith(REAUTH_FACTOR)
    user.refresh_from_db()
    assert user.check_password("ein anderes langes Kennwort 2027")
    # Just checked: the next sensitive action goes through.
    assert not asked(_email(client), REAUTH_FACTOR)


def test_removing_a_factor_asks_for_it_after_eleven_minutes(client, user, time_machine):
    secret = with_totp(user)
    log_in(client, user, secret)
    later(time_machine, 11)
    assert asked(client.post(reverse("mfa_deactivate_totp")), REAUTH_FACTOR)
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def test_removing_a_factor_within_ten_minutes_is_not_asked(client, user, time_machine):
    secret = with_totp(user)
    log_in(client, user, secret)
    later(time_machine, 5)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert not asked(response, REAUTH_FACTOR) and not asked(response, REAUTH_PASSWORD)


def test_deleting_the_account_asks_for_the_factor_after_eleven_minutes(client, user, time_machine):
    secret = with_totp(user)
    log_in(client, user, secret)
    later(time_machine, 11)
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD})
    assert asked(response, REAUTH_FACTOR)
    user.refresh_from_db()
    assert user.is_active


# --- the company's actions ----------------------------------------------------------------------


@pytest.fixture
def admin_with_factor(admin):
    return admin, with_totp(admin)


def _delete_company(client, company):
    return client.post(
        reverse("companies:delete", args=[company.pk]),
        {"reason": "Betrieb eingestellt", "confirm": "1"},
    )


def test_requesting_the_companys_deletion_asks_after_eleven_minutes(
    client, company, admin_with_factor, time_machine
):
    admin, secret = admin_with_factor
    log_in(client, admin, secret)
    later(time_machine, 11)
    assert asked(_delete_company(client, company), REAUTH_FACTOR)
    assert not CompanyDeletion.objects.exists()


def test_requesting_the_companys_deletion_within_ten_minutes(
    client, company, admin_with_factor, time_machine
):
    admin, secret = admin_with_factor
    log_in(client, admin, secret)
    later(time_machine, 9)
    response = _delete_company(client, company)
    assert response.status_code == 200 and CompanyDeletion.objects.exists()


def test_the_confirmation_page_of_the_deletion_asks_nothing(client, company, admin, time_machine):
    log_in(client, admin)
    later(time_machine, 11)
    response = client.post(
        reverse("companies:delete", args=[company.pk]), {"reason": "Betrieb eingestellt"}
    )
    assert response.status_code == 200  # only "Bestätigen" is the action


def _make_admin(client, membership, value="yes"):
    return client.post(
        reverse("companies:member_save", args=[membership.company_id, membership.pk]),
        {f"m{membership.pk}-is_admin": value},
    )


def test_making_a_member_admin_asks_after_eleven_minutes(client, company, admin, time_machine):
    member = MembershipFactory(company=company)
    log_in(client, admin)
    later(time_machine, 11)
    assert asked(_make_admin(client, member), REAUTH_PASSWORD)
    assert not Membership.objects.get(pk=member.pk).is_admin
    # Roles without admin rights are not sensitive.
    assert not asked(_make_admin(client, member, "no"), REAUTH_PASSWORD)


def test_making_a_member_admin_within_ten_minutes(client, company, admin, time_machine):
    member = MembershipFactory(company=company)
    log_in(client, admin)
    later(time_machine, 9)
    _make_admin(client, member)
    assert Membership.objects.get(pk=member.pk).is_admin


def test_approving_a_join_request_as_admin_asks_after_eleven_minutes(
    client, company, admin, roles, join_request, time_machine
):
    log_in(client, admin)
    client.post(reverse("companies:request_assign", args=[join_request.pk]))
    later(time_machine, 11)
    response = client.post(
        reverse("companies:request_detail", args=[join_request.pk]),
        approve_data(roles, trainee="yes", is_admin="yes"),
    )
    assert asked(response, REAUTH_PASSWORD)
    assert not Membership.objects.filter(user=join_request.requester).exists()
    # The password: the approval is carried out.
    done = client.post(response["Location"], {"password": PASSWORD})
    assert done.status_code == 302
    assert Membership.objects.get(user=join_request.requester).is_admin


# --- who may not --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [reverse("accounts:delete"), reverse("account_email"), reverse("account_change_password")],
)
def test_a_visitor_is_sent_to_the_login(client, db, url):
    response = client.post(url, {})
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_another_companys_admin_gets_not_found_before_any_check(client, company, time_machine, db):
    stranger = MembershipFactory(is_admin=True).user
    log_in(client, stranger)
    later(time_machine, 11)
    assert _delete_company(client, company).status_code == 404


def _invite(client, company, roles, **extra):
    return client.post(
        reverse("companies:invite", args=[company.pk]),
        {"email": "neu@beispiel.example", "roles": [roles["trainer"].pk], **extra},
    )


def test_inviting_someone_as_admin_asks_after_eleven_minutes(
    client, company, admin, roles, time_machine
):
    log_in(client, admin)
    later(time_machine, 11)
    assert asked(_invite(client, company, roles, make_admin="on"), REAUTH_PASSWORD)
    assert not Invitation.objects.exists()
    # Without admin rights the invitation is not sensitive.
    assert not asked(_invite(client, company, roles), REAUTH_PASSWORD)
    assert Invitation.objects.count() == 1


def test_deleting_the_account_within_ten_minutes_is_not_asked(client, user, time_machine):
    secret = with_totp(user)
    log_in(client, user, secret)
    later(time_machine, 9)
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD})
    assert response.status_code == 200 and not client.session.get("_auth_user_id")
