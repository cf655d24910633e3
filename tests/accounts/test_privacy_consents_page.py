"""'Mein Konto' lists the versions of the Informationspflichten the account accepted."""

import pytest
from django.urls import reverse

from meinekammer.accounts.models import PrivacyNotice
from meinekammer.accounts.services import accept_privacy_notice
from meinekammer.core.actor import Actor
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_account_page_lists_the_accepted_versions_with_their_dates(client, user):
    notice = PrivacyNotice.objects.current()
    accept_privacy_notice(Actor.of(user), notice=notice)
    other = UserFactory()
    second = PrivacyNotice.objects.create(version="2099-other", text_de="x", text_en="x")
    accept_privacy_notice(Actor.of(other), notice=second)
    client.force_login(user)
    page = client.get(reverse("accounts:overview")).content.decode()
    assert "Informationspflichten akzeptiert" in page
    assert f"Version {notice.version} vom" in page and "Akzeptiert am" in page
    assert "2099-other" not in page  # another account's consent is not shown


def test_logged_out_visitors_get_the_login_page(client):
    response = client.get(reverse("accounts:overview"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
