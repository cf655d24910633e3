"""Change events to connected applications: written with the change, delivered signed to a
real receiving process, at least once and in order per account, retried while it is down."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from meinekammer.accounts.services import lock_account
from meinekammer.applications.models import RoleAssignment
from meinekammer.audit.events import emit
from meinekammer.audit.models import AuditAction
from meinekammer.companies.services.members import change_member_roles, update_company_data
from meinekammer.core.actor import Actor, Interface
from meinekammer.integration.delivery import send_again
from meinekammer.integration.models import DeliveryState, EventDelivery, EventEndpoint
from meinekammer.integration.tasks import retry_due_events
from tests.companies.factories import ApplicationFactory, MembershipFactory, actor_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def tom(company, roles):
    membership = MembershipFactory(company=company, user__first_name="Tom")
    RoleAssignment.objects.create(membership=membership, role=roles["trainer"])
    RoleAssignment.objects.create(membership=membership, role=roles["trainee"])
    return membership


def take_away(admin, company, membership, role):
    change_member_roles(
        actor_for(admin), company_id=company.pk, membership_id=membership.pk, take_away=[role]
    )


def verified(message: dict, endpoint: EventEndpoint) -> dict:
    """The event, if its signature is the endpoint's (Standard Webhooks' own check)."""
    headers = {k.lower(): v for k, v in message["headers"].items()}
    return Webhook(endpoint.secret).verify(message["body"], headers)


def test_a_role_taken_away_reaches_the_application_signed(
    run_tasks, receiver, endpoint, admin, company, tom, roles
):
    take_away(admin, company, tom, roles["trainer"])
    delivery = EventDelivery.objects.get()
    assert delivery.state == DeliveryState.PENDING  # written with the change, not sent yet
    run_tasks()
    [message] = receiver.received()
    event = verified(message, endpoint)
    assert event["type"] == "role.removed"
    assert event["data"]["user"] == {"sub": str(tom.user.subject)}
    assert event["data"]["company"]["member_number"] == "1010001"
    assert event["data"]["company"]["id"] == str(company.pk)  # as in the companies claim
    assert event["data"]["role"] == "ausbilder"
    headers = {k.lower(): v for k, v in message["headers"].items()}
    assert headers["webhook-id"] == str(delivery.event_id)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED and delivery.last_status == 204
    run_tasks()  # a task that runs again sends nothing twice
    assert len(receiver.received()) == 1


def test_a_forged_signature_is_told_apart(
    run_tasks, receiver, endpoint, admin, company, tom, roles
):
    take_away(admin, company, tom, roles["trainer"])
    run_tasks()
    [message] = receiver.received()
    other = EventEndpoint(secret=EventEndpoint._meta.get_field("secret").default())
    with pytest.raises(Exception):  # noqa: B017 - standardwebhooks' verification error
        verified(message, other)


def test_nothing_is_written_when_the_change_rolls_back(endpoint, company, tom):
    with pytest.raises(RuntimeError), transaction.atomic():
        emit(
            AuditAction.ROLE_REMOVED,
            actor=Actor.system(Interface.JOB),
            subject_user=tom.user,
            company=company,
            application=endpoint.application.name,
            role="ausbilder",
        )
        raise RuntimeError("the use case failed after its event")
    assert not EventDelivery.objects.exists()


def test_other_applications_hear_nothing_of_a_role_that_is_not_theirs(
    run_tasks, receiver, endpoint, admin, company, tom, roles
):
    other = EventEndpoint.objects.create(application=ApplicationFactory(), url=receiver.url)
    take_away(admin, company, tom, roles["trainer"])
    assert not EventDelivery.objects.filter(endpoint=other).exists()


def test_a_locked_account_is_told_to_the_applications_that_know_it(
    run_tasks, receiver, endpoint, company, tom
):
    stranger_app = EventEndpoint.objects.create(application=ApplicationFactory(), url=receiver.url)
    lock_account(Actor.of(tom.user))
    assert EventDelivery.objects.filter(endpoint=endpoint, event_type="account.locked").exists()
    assert not EventDelivery.objects.filter(endpoint=stranger_app).exists()
    run_tasks()
    types = [verified(m, endpoint)["type"] for m in receiver.received()]
    assert "account.locked" in types


def test_company_data_changes_go_to_every_endpoint(run_tasks, receiver, endpoint, admin, company):
    other = EventEndpoint.objects.create(application=ApplicationFactory(), url=receiver.url)
    update_company_data(actor_for(admin), company_id=company.pk, data={"phone": "0123 456"})
    assert set(
        EventDelivery.objects.filter(event_type="company.changed").values_list(
            "endpoint", flat=True
        )
    ) == {endpoint.pk, other.pk}


def test_an_inactive_endpoint_gets_nothing(endpoint, admin, company, tom, roles):
    EventEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
    take_away(admin, company, tom, roles["trainer"])
    assert not EventDelivery.objects.exists()


def test_while_the_receiver_is_down_events_wait_and_then_go_out_once_in_order(
    run_tasks, receiver, endpoint, admin, company, tom, roles
):
    receiver.stop()
    take_away(admin, company, tom, roles["trainer"])
    take_away(admin, company, tom, roles["trainee"])
    run_tasks()
    first, second = EventDelivery.objects.order_by("pk")
    assert first.attempts == 1 and first.state == DeliveryState.PENDING
    assert first.last_status is None and "Connection" in first.last_error
    assert second.attempts == 0  # waits behind the first: order per account
    # Down for a while: the job retries when the pause is over, still in vain.
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        retry_due_events.call()
    first.refresh_from_db()
    assert first.attempts == 2
    receiver.start()
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        retry_due_events.call()
    events = [verified(m, endpoint) for m in receiver.received()]
    assert [e["data"]["role"] for e in events] == ["ausbilder", "azubi"]
    ids = [
        {k.lower(): v for k, v in m["headers"].items()}["webhook-id"] for m in receiver.received()
    ]
    assert len(ids) == len(set(ids)) == 2
    assert set(EventDelivery.objects.values_list("state", flat=True)) == {DeliveryState.DELIVERED}


def test_a_failed_event_no_longer_holds_the_queue_and_is_sent_again(
    settings, run_tasks, receiver, endpoint, admin, company, tom, roles
):
    settings.EVENT_MAX_ATTEMPTS = 1
    receiver.stop()
    take_away(admin, company, tom, roles["trainer"])
    run_tasks()
    failed = EventDelivery.objects.get()
    assert failed.state == DeliveryState.FAILED
    receiver.start()
    take_away(admin, company, tom, roles["trainee"])
    run_tasks()
    assert [verified(m, endpoint)["data"]["role"] for m in receiver.received()] == ["azubi"]
    assert send_again([failed.pk]) == 1
    run_tasks()
    assert [verified(m, endpoint)["data"]["role"] for m in receiver.received()] == [
        "azubi",
        "ausbilder",
    ]


def test_the_operator_sends_a_failed_event_again_in_the_admin(
    settings, admin_client, run_tasks, receiver, endpoint, admin, company, tom, roles
):
    settings.EVENT_MAX_ATTEMPTS = 1
    receiver.stop()
    take_away(admin, company, tom, roles["trainer"])
    run_tasks()
    failed = EventDelivery.objects.get()
    url = "/operator/integration/eventdelivery/"
    page = admin_client.get(url)
    assert page.status_code == 200 and "role.removed" in page.content.decode()
    receiver.start()
    admin_client.post(url, {"action": "send_again", "_selected_action": [str(failed.pk)]})
    run_tasks()
    failed.refresh_from_db()
    assert failed.state == DeliveryState.DELIVERED
    assert json.loads(receiver.received()[0]["body"])["type"] == "role.removed"


def test_the_operator_sees_the_secret_once_and_can_replace_it(admin_client, roles):
    application = roles["trainer"].application
    response = admin_client.post(
        "/operator/integration/eventendpoint/add/",
        {
            "application": application.pk,
            "url": "https://anwendung.example/events",
            "is_active": "on",
        },
        follow=True,
    )
    endpoint = EventEndpoint.objects.get()
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret in response.content.decode()
    assert (
        endpoint.secret
        not in admin_client.get(
            f"/operator/integration/eventendpoint/{endpoint.pk}/change/"
        ).content.decode()
    )
    old = endpoint.secret
    admin_client.post(
        "/operator/integration/eventendpoint/",
        {"action": "new_secret", "_selected_action": [str(endpoint.pk)]},
    )
    endpoint.refresh_from_db()
    assert endpoint.secret != old


def test_production_sends_events_to_https_addresses_only(settings, roles):
    from django.core.exceptions import ValidationError

    settings.EVENT_ENDPOINT_SCHEMES = ["https"]
    endpoint = EventEndpoint(application=roles["trainer"].application, url="http://app.example/e")
    with pytest.raises(ValidationError) as refused:
        endpoint.full_clean()
    assert "https" in str(refused.value)
    endpoint.url = "https://app.example/events"
    endpoint.full_clean()
