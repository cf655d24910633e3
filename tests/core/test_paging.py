"""core.paging.page_of: the page Django's Paginator gives, in one pass over the list."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meinekammer.chambers.models import DirectoryEntry
from meinekammer.core.paging import page_of
from tests.chambers.factories import ChamberFactory, DirectoryEntryFactory

NUMBERS = [None, "", "abc", "1", "2", "3", "4", "99", "0", "-1", "2.0", 2.0, 2.5, 3]


def same(rows, number, per_page=10):
    expected = Paginator(rows, per_page).get_page(number)
    got = page_of(rows, number, per_page)
    assert [row.pk for row in got.object_list] == [row.pk for row in expected.object_list]
    assert got.number == expected.number
    assert got.paginator.count == expected.paginator.count
    assert got.paginator.num_pages == expected.paginator.num_pages
    assert (got.has_previous(), got.has_next()) == (expected.has_previous(), expected.has_next())
    assert (got.start_index(), got.end_index()) == (expected.start_index(), expected.end_index())


@pytest.mark.django_db
@pytest.mark.parametrize("number", NUMBERS)
def test_the_same_page_as_the_paginator(number):
    chamber = ChamberFactory()
    for n in range(27):  # three pages of ten, the last with seven
        DirectoryEntryFactory(chamber=chamber, name=f"Firma {n % 9} GmbH")
    rows = DirectoryEntry.objects.filter(chamber=chamber).order_by("name", "pk")
    same(rows, number)
    same(rows.filter(name__icontains="firma 3"), number)  # one short page
    same(rows.filter(name__icontains="nobody"), number)  # no rows: one empty page


@pytest.mark.django_db
def test_two_statements_for_a_page_and_its_count():
    chamber = ChamberFactory()
    for _ in range(12):
        DirectoryEntryFactory(chamber=chamber)
    rows = DirectoryEntry.objects.filter(chamber=chamber).order_by("name", "pk")
    with CaptureQueriesContext(connection) as captured:
        page = page_of(rows, "2", 5)
        assert page.paginator.num_pages == 3 and len(page.object_list) == 5
    assert len(captured.captured_queries) == 2
