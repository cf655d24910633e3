"""Each service account has its share of requests (ACCOUNT_RATE_LIMITS "api_request"), GET
requests included: allauth's public limiter counts only POSTs."""

import pytest

from tests.api.conftest import Api, assert_problem, make_account, token_for

pytestmark = pytest.mark.django_db


def test_requests_beyond_the_accounts_share_are_refused(client, settings, chamber, company):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "api_request": "3/m/key"}
    busy = Api(client, token_for(client, *make_account(chamber=chamber, name="Eins")))
    calm = Api(client, token_for(client, *make_account(chamber=chamber, name="Zwei")))
    for _ in range(3):
        assert busy.get("/companies").status_code == 200
    refused = busy.get("/companies")
    assert_problem(refused, 429, "too-many-requests")
    assert refused["Retry-After"] == "60"
    # Another account's share is its own.
    assert calm.get("/companies").status_code == 200
