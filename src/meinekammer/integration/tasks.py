"""The change events' tasks (integration.delivery)."""

from django_tasks import task

from .delivery import deliver_queue, due_queues


@task()
def deliver_events(endpoint_id: int, subject: str) -> int:
    """Idempotent: what is delivered is not sent again; what is not due waits."""
    return deliver_queue(endpoint_id, subject)


@task()
def retry_due_events() -> int:
    """The periodic job: every queue whose oldest waiting event is due is sent on."""
    queues = due_queues()
    for endpoint_id, subject in queues:
        deliver_queue(endpoint_id, subject)
    return len(queues)
