"""`accounts.rules`: the one definition of "this account may act"."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from meinekammer.accounts.models import User
from meinekammer.accounts.rules import may_act, may_act_filter, require_account
from meinekammer.core.actor import Actor
from meinekammer.core.errors import NotFound
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def active():
    return UserFactory()


def locked():
    return UserFactory(locked_at=timezone.now())


def erased():
    return UserFactory(deleted_at=timezone.now(), is_active=False)


def erased_but_still_flagged_active():
    # Only the erasure timestamp is set: erased is erased, whatever is_active says.
    return UserFactory(deleted_at=timezone.now())


def inactive():
    return UserFactory(is_active=False)


def locked_and_inactive():
    return UserFactory(locked_at=timezone.now(), is_active=False)


ACCOUNTS = [
    (active, True),
    (locked, False),
    (erased, False),
    (erased_but_still_flagged_active, False),
    (inactive, False),
    (locked_and_inactive, False),
]


@pytest.mark.parametrize(("make", "acts"), ACCOUNTS, ids=[make.__name__ for make, _ in ACCOUNTS])
def test_may_act(make, acts):
    assert may_act(make()) is acts


@pytest.mark.parametrize("nobody", [None, AnonymousUser()], ids=["none", "anonymous"])
def test_nobody_may_act(nobody):
    assert not may_act(nobody)


@pytest.mark.parametrize(("make", "acts"), ACCOUNTS, ids=[make.__name__ for make, _ in ACCOUNTS])
def test_the_filter_says_the_same_as_the_rule(make, acts):
    user = make()
    assert User.objects.filter(may_act_filter(), pk=user.pk).exists() is acts


@pytest.mark.parametrize(("make", "acts"), ACCOUNTS, ids=[make.__name__ for make, _ in ACCOUNTS])
def test_require_account_gives_the_account_or_not_found(make, acts):
    user = make()
    if acts:
        assert require_account(Actor.of(user)) == user
    else:
        with pytest.raises(NotFound):
            require_account(Actor.of(user))


def test_require_account_refuses_a_visitor():
    with pytest.raises(NotFound):
        require_account(Actor.of(AnonymousUser()))
