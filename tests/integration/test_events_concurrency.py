"""Two workers delivering the same account's events at once (PostgreSQL, real connections):
each event goes out once, in order."""

import pytest

from meinekammer.applications.models import RoleAssignment
from meinekammer.companies.services.members import change_member_roles
from meinekammer.integration.delivery import deliver_queue
from meinekammer.integration.models import DeliveryState, EventDelivery
from tests.companies.factories import AppRoleFactory, MembershipFactory, actor_for
from tests.concurrency import at_once

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_two_workers_send_each_event_once_and_in_order(receiver, endpoint, admin, company, roles):
    tom = MembershipFactory(company=company)
    extra = [AppRoleFactory(application=roles["trainer"].application) for _ in range(4)]
    for role in [roles["trainer"], *extra]:
        RoleAssignment.objects.create(membership=tom, role=role)
    # No worker runs yet: the five events wait in the outbox.
    for role in [roles["trainer"], *extra]:
        change_member_roles(
            actor_for(admin), company_id=company.pk, membership_id=tom.pk, take_away=[role]
        )
    subject = EventDelivery.objects.first().subject
    _results, _refusals, errors = at_once(
        lambda: deliver_queue(endpoint.pk, subject), lambda: deliver_queue(endpoint.pk, subject)
    )
    assert errors == []
    # Whatever one worker left (it found the other holding the head), the next run sends.
    deliver_queue(endpoint.pk, subject)
    received = [m["headers"] for m in receiver.received()]
    ids = [{k.lower(): v for k, v in h.items()}["webhook-id"] for h in received]
    expected = [
        str(e) for e in EventDelivery.objects.order_by("pk").values_list("event_id", flat=True)
    ]
    assert ids == expected
    assert set(EventDelivery.objects.values_list("state", flat=True)) == {DeliveryState.DELIVERED}
