"""Delivering change events: signed (Standard Webhooks), at least once, in order per account.

A delivery is sent with `webhook-id` (the event's id: the receiver's idempotency key),
`webhook-timestamp` and `webhook-signature` (HMAC-SHA256 with the endpoint's secret,
`standardwebhooks`). A 2xx answer delivers it; anything else (an error status, a timeout, a
refused connection) keeps it waiting with a growing pause (`EVENT_RETRY_BASE_SECONDS` · 2ⁿ,
at most `EVENT_RETRY_MAX_SECONDS`) until `EVENT_MAX_ATTEMPTS`, then it is failed and the
operator sees it ("Erneut senden" in the admin).

Order: the events of one account (or one company) for one endpoint go out one after the other,
oldest first; while the oldest waits for its next attempt, the later ones wait behind it. A
failed one no longer holds the queue.

Safe in parallel: each run locks the queue's oldest waiting row (SKIP LOCKED), so two workers
never send the same event at once; a worker killed after sending and before recording sends
it again (at least once; the receiver knows it by its `webhook-id`).
"""

import json
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from meinekammer.core.outbound import post

from .models import DeliveryState, EventDelivery

logger = logging.getLogger(__name__)


def retry_delay(attempts: int) -> timedelta:
    base = int(getattr(settings, "EVENT_RETRY_BASE_SECONDS", 30))
    longest = int(getattr(settings, "EVENT_RETRY_MAX_SECONDS", 6 * 3600))
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), longest))


def signed_headers(delivery: EventDelivery, body: str, *, at: datetime) -> dict[str, str]:
    signature = Webhook(delivery.endpoint.secret).sign(str(delivery.event_id), at, body)
    return {
        "Content-Type": "application/json",
        "User-Agent": "meinekammer-events/1",
        "webhook-id": str(delivery.event_id),
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }


def _send(delivery: EventDelivery) -> tuple[int | None, str]:
    """(HTTP status or None, error text) of one attempt."""
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False)
    return post(
        delivery.endpoint.url,
        body.encode("utf-8"),
        signed_headers(delivery, body, at=timezone.now()),
        timeout=float(getattr(settings, "EVENT_TIMEOUT_SECONDS", 10)),
    )


def _head(endpoint_id: int, subject: str) -> EventDelivery | None:
    """The queue's oldest waiting delivery, locked; None if there is none or it is taken."""
    return (
        EventDelivery.objects.select_for_update(skip_locked=True)
        .select_related("endpoint")
        .filter(endpoint_id=endpoint_id, subject=subject, state=DeliveryState.PENDING)
        .order_by("pk")
        .first()
    )


def deliver_queue(endpoint_id: int, subject: str, *, limit: int = 100) -> int:
    """Send the queue's waiting events in order until one is not due or fails; returns how
    many were delivered."""
    delivered = 0
    for _ in range(limit):
        with transaction.atomic():
            delivery = _head(endpoint_id, subject)
            if delivery is None or delivery.next_attempt_at > timezone.now():
                return delivered
            # Another worker may hold an earlier one; then this is not the head: wait.
            earlier = EventDelivery.objects.filter(
                endpoint_id=endpoint_id,
                subject=subject,
                state=DeliveryState.PENDING,
                pk__lt=delivery.pk,
            ).exists()
            if earlier:
                return delivered
            if not delivery.endpoint.is_active:
                return delivered
            delivery.attempts += 1
            status, error = _send(delivery)
            delivery.last_status = status
            if status is not None and 200 <= status < 300:
                delivery.state = DeliveryState.DELIVERED
                delivery.delivered_at = timezone.now()
                delivery.last_error = ""
                delivered += 1
            else:
                delivery.last_error = error
                if delivery.attempts >= int(getattr(settings, "EVENT_MAX_ATTEMPTS", 16)):
                    delivery.state = DeliveryState.FAILED
                    logger.error(
                        "Change event %s to %s failed for good after %s attempts",
                        delivery.event_id,
                        delivery.endpoint.application,
                        delivery.attempts,
                    )
                else:
                    delivery.next_attempt_at = timezone.now() + retry_delay(delivery.attempts)
            delivery.save(
                update_fields=[
                    "attempts",
                    "state",
                    "delivered_at",
                    "last_status",
                    "last_error",
                    "next_attempt_at",
                ]
            )
            if delivery.state == DeliveryState.PENDING:
                return delivered
    return delivered


def due_queues(*, now: datetime | None = None) -> list[tuple[int, str]]:
    """The queues whose oldest waiting event is due (for the retry job)."""
    now = now or timezone.now()
    return sorted(
        set(
            EventDelivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
            .values_list("endpoint_id", "subject")
            .distinct()
        )
    )


def send_again(delivery_ids: list[int]) -> int:
    """ "Erneut senden": failed deliveries wait again, with their attempts reset."""
    with transaction.atomic():
        rows = EventDelivery.objects.select_for_update().filter(
            pk__in=delivery_ids, state=DeliveryState.FAILED
        )
        keys = set(rows.values_list("endpoint_id", "subject"))
        count = rows.update(
            state=DeliveryState.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error=""
        )
        from .tasks import deliver_events

        for endpoint_id, subject in sorted(keys):
            deliver_events.enqueue(endpoint_id, subject)
    return count
