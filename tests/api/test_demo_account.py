"""The demo's service account: the banner's curl line works, and it reads the IHK's queue."""

import pytest

from meinekammer.demo.seed import API_CLIENT_ID, API_CLIENT_SECRET, seed_demo_data
from meinekammer.integration.models import ServiceAccount
from tests.api.conftest import Api, basic, post_token

pytestmark = pytest.mark.django_db


def test_the_demo_account_reads_the_ihks_registration_queue(client):
    seed_demo_data()
    seed_demo_data()  # a second start keeps the one account
    assert ServiceAccount.objects.filter(client_id=API_CLIENT_ID).count() == 1
    response = post_token(
        client,
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic(API_CLIENT_ID, API_CLIENT_SECRET),
    )
    assert response.status_code == 200
    api = Api(client, response.json()["access_token"])
    queue = api.get("/chamber/registrations", {"state": "in_review"}).json()["items"]
    assert queue
    assert {r["company"]["chamber_number"] for r in queue} == {"101"}
