"""`emit`: the one call that records a change, and the hook that later features use."""

import pytest
from django.db import transaction

from meinekammer.audit.events import emit, subscribe, unsubscribe
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.core.actor import Actor, Interface

pytestmark = pytest.mark.django_db


def test_the_event_names_who_from_where_and_through_which_door(user):
    actor = Actor(user=user, via=Interface.WEB, ip="192.0.2.9", user_agent="Chromium")
    event = emit(AuditAction.PROFILE_CHANGED, actor=actor, subject_user=user, fields=["city"])
    event.refresh_from_db()
    assert (event.actor, event.subject_user, event.ip_address, event.user_agent, event.via) == (
        user,
        user,
        "192.0.2.9",
        "Chromium",
        "web",
    )
    assert event.data == {"fields": ["city"]}


def test_a_job_acts_for_nobody(user):
    event = emit(AuditAction.LOCKED, actor=Actor.system(), subject_user=user)
    assert event.actor is None and event.ip_address is None and event.via == "job"


def test_secrets_never_reach_the_event(user):
    event = emit(
        AuditAction.PROFILE_CHANGED,
        actor=Actor.of(user),
        password="x",
        new_token="y",
        api_key="z",
        fields=["a"],
    )
    assert event.data == {"fields": ["a"]}


def test_subscribers_see_each_event_in_the_transaction_of_the_change(user):
    seen = []

    def subscriber(event):
        seen.append((event.action, transaction.get_connection().in_atomic_block))

    subscribe(subscriber)
    subscribe(subscriber)  # registering twice calls it once
    try:
        with transaction.atomic():
            emit(AuditAction.LOCKED, actor=Actor.of(user), subject_user=user)
    finally:
        unsubscribe(subscriber)
    assert seen == [(AuditAction.LOCKED, True)]


def test_what_a_subscriber_writes_rolls_back_with_the_change(user):
    def subscriber(event):
        AuditEvent.objects.create(action=AuditAction.UNLOCKED, subject_user=event.subject_user)

    subscribe(subscriber)
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            emit(AuditAction.LOCKED, actor=Actor.of(user), subject_user=user)
            raise RuntimeError("the change failed after its event")
    finally:
        unsubscribe(subscriber)
    assert not AuditEvent.objects.filter(subject_user=user).exists()
