import pytest

from meinekammer.companies.services import join_requests
from tests.accounts.factories import UserFactory
from tests.companies.factories import actor_for


@pytest.fixture
def requester(db):
    return UserFactory(first_name="Rita", last_name="Anfrage", email="rita@example.com")


@pytest.fixture
def join_request(company, requester, roles):
    """An open join request, made the way a user makes it."""
    return join_requests.send_join_request(
        actor_for(requester),
        chamber_number="101",
        member_number="1010001",
        company_name="Beispiel GmbH",
    )
