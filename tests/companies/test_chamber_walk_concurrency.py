"""One unprinted new-password letter per company, also when requests and approvals meet
(PostgreSQL, real connections)."""

import pytest

from meinekammer.companies.models import ActivationLetter, LetterState, NewPasswordRequest
from meinekammer.companies.services.password_requests import (
    approve_password_request,
    request_new_company_password,
)
from meinekammer.core.actor import Actor
from tests.companies.factories import CompanyFactory, MembershipFactory
from tests.concurrency import at_once, run_at_once

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def company_with_two_admins(chamber):
    company = CompanyFactory(chamber=chamber, member_number="1010001")
    first = MembershipFactory(company=company, is_admin=True).user
    second = MembershipFactory(company=company, is_admin=True).user
    return company, first, second


def unprinted(company) -> int:
    return ActivationLetter.objects.filter(company=company, state=LetterState.QUEUED).count()


def test_an_approval_and_a_new_request_at_once_leave_one_unprinted_letter(
    company_with_two_admins, staff
):
    company, first, second = company_with_two_admins
    password_request = request_new_company_password(Actor.of(first), company_id=company.pk)

    results, refusals, errors = at_once(
        lambda: approve_password_request(Actor.of(staff), password_request_id=password_request.pk),
        lambda: request_new_company_password(Actor.of(second), company_id=company.pk),
    )

    assert not errors
    assert unprinted(company) == 1
    assert not NewPasswordRequest.objects.filter(company=company, state="open").exists()
    assert len(results) + len(refusals) == 2


def test_two_admins_asking_at_once_while_a_letter_waits_are_both_refused(
    company_with_two_admins, staff
):
    company, first, second = company_with_two_admins
    password_request = request_new_company_password(Actor.of(first), company_id=company.pk)
    approve_password_request(Actor.of(staff), password_request_id=password_request.pk)

    results, refusals, errors = at_once(
        lambda: request_new_company_password(Actor.of(first), company_id=company.pk),
        lambda: request_new_company_password(Actor.of(second), company_id=company.pk),
    )

    assert not errors and not results and len(refusals) == 2
    assert unprinted(company) == 1
    assert NewPasswordRequest.objects.filter(company=company).count() == 1


def test_a_double_clicked_approval_queues_one_letter(company_with_two_admins, staff):
    company, first, _ = company_with_two_admins
    password_request = request_new_company_password(Actor.of(first), company_id=company.pk)

    errors = run_at_once(
        lambda: approve_password_request(Actor.of(staff), password_request_id=password_request.pk)
    )

    assert len(errors) == 1  # the second is told the request is decided
    assert unprinted(company) == 1
