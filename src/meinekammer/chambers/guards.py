"""Guarded fetches of the chamber area: only a chamber's own staff, else NotFound."""

from typing import Any

from meinekammer.accounts.rules import may_act
from meinekammer.core.actor import Actor, Interface
from meinekammer.core.errors import NotFound

from .models import Chamber


def is_chamber_staff(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and hasattr(user, "chamber_staff"))


def chamber_of(actor: Any) -> Chamber:
    """The chamber an actor works for: a staff member's, or the chamber a service account of
    the REST API speaks for (an active one); NotFound for everybody else."""
    account = actor.service_account
    if account is not None:
        if account.is_active and account.chamber_id is not None:
            return account.chamber
        raise NotFound
    return get_staff_chamber(actor.user)


def get_staff_chamber(user: Any) -> Chamber:
    """The chamber a staff member works for; NotFound for everybody else (and a locked one)."""
    staff = getattr(user, "chamber_staff", None) if may_act(user) else None
    if staff is None:
        raise NotFound
    return staff.chamber


def require_chamber_staff(actor: Actor, chamber: Chamber) -> None:
    """The actor works for this chamber and may act (its staff, or its service account), or is
    the system (a job, a command); NotFound for everybody else, as the pages answer."""
    if (
        actor.user is None
        and actor.service_account is None
        and actor.via
        in (
            Interface.JOB,
            Interface.CLI,
        )
    ):
        return
    if chamber_of(actor).pk != chamber.pk:
        raise NotFound
