"""A new version of the Informationspflichten at the authorization endpoint: prompt=none
answers interaction_required; otherwise the page, then the authorization request continues."""

import pytest
from django.urls import reverse

from meinekammer.accounts.models import PrivacyNotice
from tests.accounts.test_privacy_notice_at_login import accept, led_to_notice
from tests.applications.conftest import REDIRECT_URI
from tests.applications.test_oidc_refusals import authorize, code_from, exchange

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice(trainer):
    """Published after the trainer accepted the previous version."""
    return PrivacyNotice.objects.create(version="2027-01", text_de="Neu.", text_en="New.")


def test_prompt_none_answers_interaction_required(client, trainer, oidc_client, notice):
    client.force_login(trainer)
    response = authorize(client, prompt="none")
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(REDIRECT_URI)
    assert "error=interaction_required" in location and "state=st" in location
    assert "code=" not in location


def test_without_prompt_none_the_page_and_then_the_code(client, trainer, oidc_client, notice):
    client.force_login(trainer)
    response = authorize(client)
    assert led_to_notice(response)
    next_url = client.get(response.url).context["next_url"]
    assert next_url.startswith(reverse("oauth2_provider:authorize"))
    response = accept(client, notice, next_url=next_url)
    assert response.url == next_url
    code = code_from(client.get(response.url))
    assert exchange(client, code).status_code == 200
    assert "error=" not in authorize(client, prompt="none")["Location"]


def test_an_account_that_accepted_logs_in_silently(client, trainer, oidc_client):
    client.force_login(trainer)
    assert "code=" in authorize(client, prompt="none")["Location"]
