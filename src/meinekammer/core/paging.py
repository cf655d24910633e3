"""Pages of long lists that read the page's ids first, then only the page's rows.

`page_in_two_steps`: with OFFSET the database walks every row before the page; for page 300 of a
company's 10,000 members it joined 7,500 accounts only to skip them (23 ms). Walked over the ids
alone, the skipped rows come from the list's index (companies.Membership's
`membership_list_idx`), and only the page's 25 rows are read with what they join and prefetch.

`page_of`: the page's ids together with the number of all rows, in one pass over the list.

Django's Paginator counts the list (one statement) and reads the page (a second): a search over a
chamber's 18,000 companies or registrations filters all of them twice, once to count and once to
sort. `page_of` reads the page's ids together with the number of all matching rows
(COUNT(*) OVER ()), walking the list once, and then only the page's rows with what they join,
annotate and prefetch (25 ids: the list's subqueries and joins are not evaluated for the rows
that are skipped or only counted).

The result is that of `Paginator(rows, per_page).get_page(number)`: the same page for every
number (not a number: the first; beyond the last or below 1: the last), the same rows in the
same order, the same `paginator.count` and `num_pages`. Only a number beyond the last page
costs a count and a second read.
"""

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window


def _number(number) -> int | None:
    """The page number as Paginator.validate_number reads it; None if it is not a number."""
    try:
        if isinstance(number, float) and not number.is_integer():
            raise ValueError
        return int(number)
    except (TypeError, ValueError):
        return None


def page_of(rows: QuerySet, number, per_page: int) -> Page:
    """Like Paginator(rows, per_page).get_page(number), for an ordered queryset (no orphans)."""
    paginator = Paginator(rows, per_page)
    wanted = _number(number)
    if wanted is None:
        wanted = 1
    ids: list = []
    total = 0
    if wanted >= 1:
        ids, total = _ids_and_total(rows, wanted, per_page)
    if not ids:
        if wanted == 1:
            total = 0  # an empty list has one, empty, page
        else:  # below 1 or beyond the last page: the last page
            total = rows.order_by().count()
            paginator.__dict__["count"] = total
            wanted = paginator.num_pages
            ids = _ids_and_total(rows, wanted, per_page)[0] if total else []
    paginator.__dict__["count"] = total  # the cached_property, so that nobody counts again
    return Page(_rows_in_order(rows, ids), wanted, paginator)


def page_in_two_steps(rows: QuerySet, number, per_page: int) -> Page:
    """Like Paginator(rows, per_page).get_page(number), for an ordered queryset."""
    page = Paginator(rows.values_list("pk", flat=True), per_page).get_page(number)
    page.object_list = _rows_in_order(rows, list(page.object_list))
    return page


def _rows_in_order(rows: QuerySet, ids: list) -> list:
    """The rows with these ids, in the order of the ids."""
    by_id = {row.pk: row for row in rows.filter(pk__in=ids)} if ids else {}
    return [by_id[pk] for pk in ids if pk in by_id]


def _ids_and_total(rows: QuerySet, number: int, per_page: int) -> tuple[list, int]:
    bottom = (number - 1) * per_page
    found = list(
        rows.prefetch_related(None)
        .annotate(_total=Window(Count("*")))
        .values_list("pk", "_total")[bottom : bottom + per_page]
    )
    return [pk for pk, _ in found], (found[0][1] if found else 0)
