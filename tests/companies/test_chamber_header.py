"""Issue 16: the site header links to the "Kammerbereich" for chamber staff only, marked as
the current section while in it."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from meinekammer.accounts.models import User
from meinekammer.chambers.models import ChamberStaff
from tests.accounts.factories import UserFactory, give_factor
from tests.companies.helpers import text

pytestmark = pytest.mark.django_db


def header(response) -> str:
    page = text(response)
    return page[page.index('<header class="mk-header">') : page.index("</header>")]


def chamber_link(response) -> str:
    found = re.findall(r'<a class="mk-nav__link" href="/kammer/"[^>]*>[^<]*</a>', header(response))
    return found[0] if found else ""


def test_staff_see_the_link_and_it_marks_the_chamber_area(client, staff):
    client.force_login(staff)
    home = chamber_link(client.get(reverse("web:home")))
    assert home == '<a class="mk-nav__link" href="/kammer/">Kammerbereich</a>'
    overview = chamber_link(client.get(reverse("chambers:overview")))
    assert 'aria-current="page"' in overview
    letters = chamber_link(client.get(reverse("chambers:letters")))
    assert 'aria-current="true"' in letters
    account = chamber_link(client.get(reverse("accounts:overview")))
    assert "aria-current" not in account


@pytest.mark.parametrize("who", ["plain user", "company admin", "locked staff"])
def test_nobody_else_sees_the_link(client, chamber, admin, who):
    if who == "plain user":
        user = UserFactory()
    elif who == "company admin":
        user = admin
    else:
        user = UserFactory()
        ChamberStaff.objects.create(user=user, chamber=chamber)
        give_factor(user)
        User.objects.filter(pk=user.pk).update(locked_at=timezone.now())
        user = User.objects.get(pk=user.pk)
    client.force_login(user)
    response = client.get(reverse("web:home"), follow=True)
    assert chamber_link(response) == ""


def test_a_visitor_sees_no_link(client):
    response = client.get(reverse("web:home"))
    assert "/kammer/" not in header(response)
