"""The Actor every use case takes, and the domain errors every interface translates."""

import pytest
from django.contrib.auth.models import AnonymousUser

from meinekammer.core.actor import Actor, Interface
from meinekammer.core.errors import Conflict, DomainError, NotFound, Refused
from meinekammer.core.text import clean_search


def test_an_anonymous_visitor_is_nobody_in_particular():
    actor = Actor(user=AnonymousUser(), via=Interface.WEB, ip="192.0.2.1")
    assert actor.user is None and actor.user_id is None and actor.ip == "192.0.2.1"


def test_a_system_actor_has_no_account_and_names_its_door():
    assert Actor.system().user is None and Actor.system().via == Interface.JOB
    assert Actor.system(Interface.CLI).via == "cli"


def test_the_user_agent_is_cut_to_what_the_audit_log_keeps():
    assert len(Actor(user=None, via=Interface.WEB, user_agent="x" * 1000).user_agent) == 300


@pytest.mark.django_db
def test_on_behalf_keeps_the_door_and_the_address(user):
    visitor = Actor(user=None, via=Interface.WEB, ip="192.0.2.7", user_agent="Firefox")
    actor = visitor.on_behalf(user)
    assert (actor.user, actor.via, actor.ip, actor.user_agent) == (
        user,
        Interface.WEB,
        "192.0.2.7",
        "Firefox",
    )


def test_refusals_carry_one_or_several_messages_and_not_found_carries_none():
    assert Conflict("Schon entschieden.").messages == ["Schon entschieden."]
    several = Refused(["Erstens.", "Zweitens."])
    assert several.messages == ["Erstens.", "Zweitens."] and several.message == "Erstens. Zweitens."
    assert isinstance(NotFound(), DomainError) and not isinstance(NotFound(), Refused)


@pytest.mark.parametrize(
    ("typed", "searched"),
    [
        ("  Beispiel GmbH ", "Beispiel GmbH"),
        ("Bei\x00spiel", "Bei spiel"),
        ("\x00\x01\x02", ""),
        ("Zeile\nzwei\ttab", "Zeile zwei tab"),
        ("a" * 500, "a" * 100),
        ("", ""),
    ],
)
def test_search_input_loses_control_characters_and_length(typed, searched):
    assert clean_search(typed) == searched
