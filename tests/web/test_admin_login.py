"""The Django admin site's own login form asks only for the password. Operators must have a
second factor (accounts.factors), so that form would let a stolen password in: it leads to the
portal's login instead, and posting to it logs nobody in."""

import pytest
from django.conf import settings

from tests.accounts.factories import UserFactory, give_factor
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ADMIN = f"/{settings.ADMIN_URL}"
ADMIN_LOGIN = f"{ADMIN}login/"


@pytest.fixture
def operator(db):
    user = UserFactory(is_staff=True, is_superuser=True)
    give_factor(user)
    return user


def test_the_admin_login_page_leads_to_the_portals_login(client):
    response = client.get(ADMIN_LOGIN, {"next": ADMIN})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_the_password_alone_at_the_admin_login_logs_nobody_in(client, operator):
    response = client.post(ADMIN_LOGIN, {"username": operator.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    assert client.get(ADMIN).status_code == 302  # still logged out


def test_a_logged_in_member_who_is_no_operator_is_refused(client):
    client.force_login(UserFactory())
    assert client.get(ADMIN_LOGIN).status_code == 403


def test_an_operator_with_a_factor_reaches_the_admin_site(client, operator):
    client.force_login(operator)
    assert client.get(ADMIN).status_code == 200
