"""Work that a page starts and the worker does, so that the page's answer cannot tell it."""

from django_tasks import task

from meinekammer.core.actor import Actor, Interface

from . import services


@task()
def send_unlock_link(*, email: str, ip: str | None, user_agent: str, via: str) -> None:
    """For the visitor who asked (their address and browser are recorded, not the worker)."""
    actor = Actor(user=None, via=Interface(via), ip=ip, user_agent=user_agent)
    services.send_unlock_link(actor, email=email)


@task()
def send_confirmation_again(*, email: str) -> None:
    services.send_confirmation_again(email=email)
