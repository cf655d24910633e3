"""Schemathesis against the live OpenAPI document: generated requests (valid and invalid) to
every operation; none may give a server error, and every answer must match the document
(status codes, content types, bodies).

The requests go through the whole WSGI application (middleware included) in this process, so
they see the test's database: a chamber with a company, a member with a role, a registration
and a directory entry, and a chamber's service account with every scope a chamber may have.
"""

import contextlib

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from meinekammer.applications.models import RoleAssignment
from tests.api.conftest import make_account, token_for
from tests.companies.factories import MembershipFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


# Loaded when the module is collected: the document needs no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@contextlib.contextmanager
def keeping_the_tests_connection():
    """As Django's test client does around each request: the WSGI handler's
    close_old_connections must not close the connection that holds the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(client, chamber, company, roles, entry):
    membership = MembershipFactory(company=company)
    RoleAssignment.objects.create(membership=membership, role=roles["trainer"])
    RegistrationFactory(company__chamber=chamber)
    account, secret = make_account(chamber=chamber)
    return {"Authorization": f"Bearer {token_for(client, account, secret)}"}


@schema.parametrize()
@hypothesis_settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error_and_every_answer_as_documented(case, bearer):
    # Every check but two. "Valid data is accepted": a cursor is opaque (a made-up one is
    # refused as invalid input) and an id in a body may name nothing (approving against an
    # entry that does not exist is refused as invalid); no schema can say which strings are
    # real. "Invalid data is rejected": query parameters an operation does not declare (even
    # nameless ones) are ignored, as OpenAPI allows; every declared one is checked, and
    # tests/api has the refusals of wrong types, sizes and values one by one.
    with keeping_the_tests_connection():
        case.call_and_validate(
            headers=bearer, excluded_checks=[positive_data_acceptance, negative_data_rejection]
        )
