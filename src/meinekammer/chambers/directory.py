"""The chamber's company directory: the CSV import and the candidate search for registrations.

The import (`import_directory`) reads the chamber's export (docs/directory-csv.md) and upserts it
by member number through the database's bulk paths: COPY into a staging table and one
`INSERT … ON CONFLICT` on PostgreSQL, batched `executemany` on SQLite. Rows whose values did not
change are not written at all, so re-running an import leaves `updated_at` alone.

The search (`find_candidates`) proposes directory entries for a registration. Each rule reads
only what an index finds for it (member number, register number, postal code, name prefix);
nothing ever walks the whole directory in Python.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import IO

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rapidfuzz import fuzz, process

from meinekammer.core.csvfiles import split_header

from .models import Chamber, DirectoryEntry, DirectoryStatus
from .normalize import fold, normalize_member_number, normalize_name, normalize_register_number

# --- Import --------------------------------------------------------------------------------------

COLUMNS = (
    "member_number",
    "name",
    "legal_form",
    "street",
    "postal_code",
    "city",
    "register_court",
    "register_number",
    "status",
)
NORMALIZED_COLUMNS = ("name_normalized", "register_court_normalized", "register_number_normalized")
STAGED_COLUMNS = COLUMNS + NORMALIZED_COLUMNS

# The reasons of rejected rows are in the active language (the command runs in English, the
# upload job in the language of the person who uploaded the file).
_LABELS = {
    "member_number": gettext_lazy("member number"),
    "name": gettext_lazy("name"),
    "legal_form": gettext_lazy("legal form"),
    "street": gettext_lazy("street"),
    "postal_code": gettext_lazy("postal code"),
    "city": gettext_lazy("city"),
    "register_court": gettext_lazy("register court"),
    "register_number": gettext_lazy("register number"),
    "status": gettext_lazy("status"),
}
_STATUSES = {
    "": DirectoryStatus.ACTIVE.value,
    "active": DirectoryStatus.ACTIVE.value,
    "aktiv": DirectoryStatus.ACTIVE.value,
    "inactive": DirectoryStatus.INACTIVE.value,
    "inaktiv": DirectoryStatus.INACTIVE.value,
}
PROGRESS_EVERY = 10_000
SQLITE_BATCH = 5_000
# After a load of this many changed rows the planner's statistics are stale enough that the
# candidate search could get a sequential scan: PostgreSQL analyzes the table right away.
ANALYZE_AFTER = 10_000


def _max_length(column: str) -> int:
    model_field = DirectoryEntry._meta.get_field(column)
    assert isinstance(model_field, models.CharField) and model_field.max_length is not None
    return model_field.max_length


_MAX_LENGTHS = {column: _max_length(column) for column in STAGED_COLUMNS}


class DirectoryImportError(Exception):
    """The file as a whole cannot be imported (unreadable, not UTF-8, wrong header).

    The message is English, for the command's operator; `code` ("unreadable", "encoding",
    "empty", "no_header", "missing_columns", "doubled_columns") and `columns` let a page say
    the same in the user's language (chambers/imports.py).
    """

    def __init__(self, message: str, *, code: str, columns: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.columns = tuple(columns)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # (line number in the file, reason) of every row that was not imported.
    rejections: list[tuple[int, str]] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    def summary(self) -> str:
        return (
            f"created: {self.created}, updated: {self.updated}, "
            f"unchanged: {self.unchanged}, rejected: {self.rejected}"
        )


ProgressCallback = Callable[[int], object]


def import_directory(
    chamber: Chamber,
    path_or_file: str | os.PathLike[str] | IO[str] | IO[bytes],
    *,
    progress: ProgressCallback | None = None,
    progress_every: int = PROGRESS_EVERY,
    chunk_rows: int | None = None,
) -> ImportResult:
    """Upsert the chamber's directory from a CSV file (a path or an open text/binary file).

    Good rows are imported in one transaction; bad rows are skipped and reported with their
    line numbers. Entries missing from the file are kept: an export may be partial.
    `progress` is called with the number of rows read since its last call (tqdm's `update`),
    every `progress_every` rows and at the end.
    Raises DirectoryImportError when the file as a whole is unusable; nothing is written then.

    With `chunk_rows`, the good rows are written in transactions of that many rows instead,
    and `progress` is called outside of them, so it may commit what it writes (the upload job,
    chambers/imports.py, whose page shows the progress). The caller must then know the file
    decodes (a late encoding error would leave the earlier chunks written); duplicates are
    still found across chunks.
    """
    result = ImportResult()
    with _open_text(path_or_file) as stream:
        delimiter, positions = read_header(stream)
        rows = _valid_rows(stream, delimiter, positions, result, progress, progress_every)
        try:
            if chunk_rows is None:
                created, updated, valid = _upsert(chamber.pk, rows)
            else:
                created = updated = valid = 0
                while chunk := list(islice(rows, chunk_rows)):
                    chunk_created, chunk_updated, chunk_valid = _upsert(
                        chamber.pk, iter(chunk), analyze=False
                    )
                    created += chunk_created
                    updated += chunk_updated
                    valid += chunk_valid
                _analyze_if_needed(created + updated)
        except UnicodeDecodeError as error:
            raise DirectoryImportError(
                "The file is not UTF-8 encoded (save it as “CSV UTF-8”); nothing was imported. "
                f"({error})",
                code="encoding",
            ) from error
    result.created, result.updated = created, updated
    result.unchanged = valid - created - updated
    return result


def _upsert(
    chamber_id: int, rows: Iterator[tuple[str, ...]], *, analyze: bool = True
) -> tuple[int, int, int]:
    """The rows written in one transaction: (created, updated, valid rows)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            counts = _upsert_postgresql(chamber_id, rows, timezone.now())
        else:
            counts = _upsert_sqlite(chamber_id, rows, timezone.now())
        if analyze:
            _analyze_if_needed(counts[0] + counts[1])
    return counts


def _analyze_if_needed(changed: int) -> None:
    if connection.vendor == "postgresql" and changed >= ANALYZE_AFTER:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(DirectoryEntry._meta.db_table)}")


@contextlib.contextmanager
def _open_text(path_or_file: str | os.PathLike[str] | IO[str] | IO[bytes]) -> Iterator[IO[str]]:
    """A text stream of the file; a BOM is dropped, line endings are left to the csv module."""
    if isinstance(path_or_file, str | os.PathLike):
        try:
            handle = open(path_or_file, encoding="utf-8-sig", newline="")  # noqa: SIM115
        except OSError as error:
            raise DirectoryImportError(
                f"Cannot read {os.fspath(path_or_file)}: {error.strerror}", code="unreadable"
            ) from error
        with handle:
            yield handle
        return
    if isinstance(path_or_file, io.TextIOBase) or isinstance(path_or_file.read(0), str):
        yield path_or_file  # type: ignore[misc]
        return
    wrapper = io.TextIOWrapper(path_or_file, encoding="utf-8-sig", newline="")  # type: ignore[type-var]
    try:
        yield wrapper
    finally:
        # The caller's file stays open: the wrapper must not close it when it goes away.
        wrapper.detach()


def read_header(stream: IO[str]) -> tuple[str, dict[str, int]]:
    """The delimiter (sniffed from the header: `;` as documented, `,` as spreadsheets write
    it) and the position of each column."""
    try:
        line = stream.readline()
    except UnicodeDecodeError as error:
        raise DirectoryImportError(
            "The file is not UTF-8 encoded (save it as “CSV UTF-8”); nothing was imported.",
            code="encoding",
        ) from error
    if not line.removeprefix("\ufeff").strip():
        raise DirectoryImportError("The file is empty: line 1 must name the columns.", code="empty")
    header = split_header(line, lambda names: "member_number" in names and "name" in names)
    if header is None:
        raise DirectoryImportError(
            "Line 1 must name the columns, separated by semicolons: " + ";".join(COLUMNS),
            code="no_header",
        )
    delimiter, names = header
    missing = [column for column in COLUMNS if column not in names]
    if missing:
        raise DirectoryImportError(
            "Line 1 lacks the column(s): " + ", ".join(missing),
            code="missing_columns",
            columns=missing,
        )
    doubled = sorted({name for name in names if name in COLUMNS and names.count(name) > 1})
    if doubled:
        raise DirectoryImportError(
            "Line 1 names a column twice: " + ", ".join(doubled),
            code="doubled_columns",
            columns=doubled,
        )
    # Columns the chamber's export adds beyond the documented ones are ignored.
    return delimiter, {column: names.index(column) for column in COLUMNS}


def _valid_rows(
    stream: IO[str],
    delimiter: str,
    positions: dict[str, int],
    result: ImportResult,
    progress: ProgressCallback | None,
    progress_every: int = PROGRESS_EVERY,
) -> Iterator[tuple[str, ...]]:
    """The good rows as tuples in STAGED_COLUMNS order; the bad ones go to result.rejections."""
    reader = csv.reader(stream, delimiter=delimiter)
    width = max(positions.values()) + 1
    indexes = [positions[column] for column in COLUMNS]
    seen: dict[str, int] = {}  # member number → line, to report duplicates
    court_normalized = functools.lru_cache(maxsize=4096)(normalize_name)
    reject = result.rejections.append
    previous_line = 0
    unreported = 0
    while True:
        # The header was line 1; a record may span lines when a quoted field holds a newline.
        line = previous_line + 2
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            previous_line = reader.line_num
            reject((line, _("the row cannot be read as CSV (%(error)s)") % {"error": error}))
            continue
        previous_line = reader.line_num
        if progress is not None:
            unreported += 1
            if unreported == progress_every:
                progress(unreported)
                unreported = 0
        if not any(value.strip() for value in raw):
            continue  # blank lines and the ";;;;;;;;" rows spreadsheets leave at the end
        if len(raw) != width and not (len(raw) > width and not "".join(raw[width:]).strip()):
            reject(
                (
                    line,
                    _("expected %(expected)s fields, found %(found)s")
                    % {"expected": width, "found": len(raw)},
                )
            )
            continue
        values = [raw[index].strip() for index in indexes]
        (
            member_number,
            name,
            _legal_form,
            _street,
            postal_code,
            _city,
            register_court,
            register_number,
            status,
        ) = values
        member_number = values[0] = normalize_member_number(member_number)
        reason = None
        if not member_number:
            reason = _("the member number is missing")
        elif not name:
            reason = _("the name is missing")
        elif postal_code and not (
            len(postal_code) == 5 and postal_code.isascii() and postal_code.isdigit()
        ):
            reason = _("the postal code “%(value)s” does not have five digits") % {
                "value": postal_code
            }
        elif status.lower() not in _STATUSES:
            reason = _("the status “%(value)s” is neither active nor inactive (aktiv/inaktiv)") % {
                "value": status
            }
        elif any("\x00" in value for value in values):
            reason = _("the row contains a NUL character")
        else:
            for column, value in zip(COLUMNS, values, strict=True):
                if len(value) > _MAX_LENGTHS[column]:
                    reason = _("the %(column)s is longer than %(limit)s characters") % {
                        "column": _LABELS[column],
                        "limit": _MAX_LENGTHS[column],
                    }
                    break
        if reason is None and member_number in seen:
            reason = _("the member number %(number)s already appears on line %(line)s") % {
                "number": member_number,
                "line": seen[member_number],
            }
        if reason is not None:
            reject((line, reason))
            continue
        seen[member_number] = line
        values[8] = _STATUSES[status.lower()]
        # Normalizing may lengthen a value (ß → ss); the derived columns are cut to fit.
        yield (
            *values,
            normalize_name(name)[: _MAX_LENGTHS["name_normalized"]],
            court_normalized(register_court)[: _MAX_LENGTHS["register_court_normalized"]],
            normalize_register_number(register_number)[
                : _MAX_LENGTHS["register_number_normalized"]
            ],
        )
    if progress is not None and unreported:
        progress(unreported)


def _quoted(columns: Iterable[str]) -> str:
    return ", ".join(connection.ops.quote_name(column) for column in columns)


def _upsert_sql(chamber_and_columns: str, source: str, distinct: str) -> str:
    """INSERT … ON CONFLICT that writes a conflicting row only if one of its values differs."""
    table = connection.ops.quote_name(DirectoryEntry._meta.db_table)
    compared = [column for column in STAGED_COLUMNS if column != "member_number"]
    assignments = ", ".join(
        f"{connection.ops.quote_name(column)} = excluded.{connection.ops.quote_name(column)}"
        for column in [*compared, "updated_at"]
    )
    current = ", ".join(f"{table}.{connection.ops.quote_name(column)}" for column in compared)
    incoming = ", ".join(f"excluded.{connection.ops.quote_name(column)}" for column in compared)
    # The normalized columns are compared too: after a change in normalize.py a re-import
    # brings them up to date.
    return (
        f"INSERT INTO {table} ({chamber_and_columns}) {source} "
        f"ON CONFLICT ({_quoted(['chamber_id', 'member_number'])}) DO UPDATE SET {assignments} "
        f"WHERE ({current}) {distinct} ({incoming})"
    )


STAGING_TABLE = "directory_import_staging"


def _upsert_postgresql(
    chamber_id: int, rows: Iterator[tuple[str, ...]], now: datetime
) -> tuple[int, int, int]:
    """COPY the rows into a temporary table, then upsert them with one statement.

    Returns (created, updated, rows staged).
    """
    columns = _quoted(STAGED_COLUMNS)
    target = _quoted(["chamber_id", *STAGED_COLUMNS, "updated_at"])
    upsert = _upsert_sql(
        target,
        f"SELECT %s, {columns}, %s FROM pg_temp.{STAGING_TABLE}",  # noqa: S608 - no input in it
        "IS DISTINCT FROM",
    )
    with connection.cursor() as cursor:
        # A second import in the same transaction (tests, the demo) finds the table of the
        # first still there: ON COMMIT DROP only runs at the commit.
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{STAGING_TABLE}")
        definitions = ", ".join(f"{connection.ops.quote_name(c)} text" for c in STAGED_COLUMNS)
        cursor.execute(f"CREATE TEMPORARY TABLE {STAGING_TABLE} ({definitions}) ON COMMIT DROP")
        staged = 0
        with cursor.cursor.copy(f"COPY pg_temp.{STAGING_TABLE} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                staged += 1
        # xmax = 0 marks a freshly inserted row; an updated one carries its old version's xmax.
        cursor.execute(
            f"WITH upserted AS ({upsert} RETURNING (xmax = 0) AS created) "  # noqa: S608
            "SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) "
            "FROM upserted",
            [chamber_id, now],
        )
        created, updated = cursor.fetchone()
        cursor.execute(f"DROP TABLE pg_temp.{STAGING_TABLE}")
    return created, updated, staged


def _upsert_sqlite(
    chamber_id: int, rows: Iterator[tuple[str, ...]], now: datetime
) -> tuple[int, int, int]:
    """Upsert in batches of `executemany`; SQLite counts the rows it wrote, not the skipped.

    Returns (created, updated, rows read).
    """
    target = _quoted(["chamber_id", *STAGED_COLUMNS, "updated_at"])
    placeholders = ", ".join(["%s"] * (len(STAGED_COLUMNS) + 2))
    upsert = _upsert_sql(target, f"VALUES ({placeholders})", "IS NOT")
    stamp = connection.ops.adapt_datetimefield_value(now)
    entries = DirectoryEntry.objects.filter(chamber_id=chamber_id)
    before = entries.count()
    written = staged = 0
    with connection.cursor() as cursor:
        while batch := [(chamber_id, *row, stamp) for row in islice(rows, SQLITE_BATCH)]:
            cursor.executemany(upsert, batch)
            written += cursor.rowcount
            staged += len(batch)
    # Within this transaction nobody else writes the table (SQLite has one writer).
    created = entries.count() - before
    return created, written - created, staged


# --- Candidate search ----------------------------------------------------------------------------

MEMBER_NUMBER_SCORE = 100
REGISTER_SCORE = 95
REGISTER_NUMBER_ONLY_SCORE = 80
# A name alone never counts as much as a register or member number: its similarity (0–100) is
# scaled to at most 90, which keeps the order among similar names.
NAME_FACTOR = 0.9
NAME_CUTOFF = 70
# The fallback over the whole chamber (other postal codes) has no second anchor: it needs a
# closer name and scores lower.
NAME_ONLY_CUTOFF = 80
NAME_ONLY_FACTOR = 0.8
NAME_PREFIX_ROWS = 300
REGISTER_ROWS = 50

# Words that say "this is a register court" and nothing about which one.
_COURT_NOISE = {"amtsgericht", "registergericht", "amtsger", "ag"}


@dataclass(frozen=True)
class Candidate:
    entry: DirectoryEntry
    score: int  # 0–100
    # The rules that found it: "member_number", "register", "name_postal_code", "name" (the
    # fallback when the postal code has no similar name).
    reasons: list[str]
    # Field → (value entered, value in the directory) for every entered field that differs.
    differences: dict[str, tuple[str, str]]

    @property
    def labelled_differences(self) -> list[tuple[str, str, str]]:
        """(the field's label, value entered, value in the directory) for every difference: the
        label is the directory field's verbose_name, translated, so pages never show a field
        name."""
        return [
            (_field_label(field_name), entered, found)
            for field_name, (entered, found) in self.differences.items()
        ]


def _field_label(field_name: str) -> str:
    field = DirectoryEntry._meta.get_field(field_name)
    assert isinstance(field, models.Field)
    return str(capfirst(field.verbose_name))


def _court_key(value: str) -> str:
    """ "Amtsgericht Musterstadt", "AG Musterstadt", "musterstadt" → "musterstadt"."""
    return " ".join(word for word in normalize_name(value).split() if word not in _COURT_NOISE)


def _street_key(value: str) -> str:
    """ "Musterstraße 1", "Musterstr. 1", "Muster Str 1" → "musterstrasse1"."""
    return re.sub(r"str\b", "strasse", fold(value)).replace(" ", "")


def _postal_code_key(value: str) -> str:
    return value.strip()


_COMPARED: dict[str, Callable[[str], str]] = {
    "name": fold,
    "street": _street_key,
    "postal_code": _postal_code_key,
    "city": fold,
    "member_number": normalize_member_number,
    "register_court": _court_key,
    "register_number": normalize_register_number,
}


def _name_score(query: str, choice: str) -> float:
    """How alike two normalized names are, 0–100.

    token_set_ratio finds words in another order and a name inside a longer one ("mueller" in
    "mueller metallbau"); averaged with token_sort_ratio the longer one does not score as an
    exact match. The plain ratio catches a slipped space ("huh tconsulting").
    """
    by_words = (fuzz.token_set_ratio(query, choice) + fuzz.token_sort_ratio(query, choice)) / 2
    return max(by_words, fuzz.ratio(query, choice))


def _similar_names(
    query: str, full_name: str, rows: list[tuple[int, str, str]], cutoff: int, limit: int
) -> list[tuple[int, float]]:
    """(pk, similarity) of the best `limit` of the rows (pk, normalized name, name) whose
    normalized name reaches the cutoff in token_set_ratio or plain ratio.

    The comparisons over all rows run in rapidfuzz's C code; only the few close names are
    scored in Python. Their similarity is averaged with that of the whole names, legal form
    included: of "Rogge Bäckerei KG" and "Rogge Bäckerei GmbH & Co. KG" (the same normalized
    name) the one entered comes first.
    """
    if not rows:
        return []
    names = [normalized for _pk, normalized, _name in rows]
    folded = fold(full_name)
    close: set[int] = set()
    for scorer in (fuzz.token_set_ratio, fuzz.ratio):
        close.update(
            index
            for _name, _score, index in process.extract(
                query, names, scorer=scorer, score_cutoff=cutoff, limit=None
            )
        )
    scored = [
        (
            rows[index][0],
            (_name_score(query, names[index]) + fuzz.ratio(folded, fold(rows[index][2]))) / 2,
        )
        for index in close
    ]
    scored.sort(key=lambda item: -item[1])
    return scored[:limit]


def _name_prefix_range(query: str) -> tuple[str, str]:
    """The range of normalized names, read in index order, that start with the query's first
    word: "mueller" itself and "mueller …" (a space sorts before "!"; normalized names hold
    only a-z, 0-9 and single spaces).

    A common first word ("metallbau", a frequent family name) has thousands of names in a
    large directory, more than the pass reads; then only those whose second word starts with
    the same letter are read, where a typo is least likely.
    """
    words = query.split()
    if len(words) == 1:
        return words[0], words[0] + "!"
    start = f"{words[0]} {words[1][0]}"
    return start, start[:-1] + chr(ord(start[-1]) + 1)


def find_candidates(
    chamber: Chamber,
    *,
    name: str,
    postal_code: str = "",
    member_number: str = "",
    register_court: str = "",
    register_number: str = "",
    street: str = "",
    city: str = "",
    limit: int = 10,
) -> list[Candidate]:
    """Directory entries of this chamber that may be the company described, best first.

    Rules: the member number (score 100); the register number with the register court (95) or,
    if no court is given, alone (80); a similar name in the same postal code (up to 90), or, if
    that postal code has none, in the whole chamber among a few hundred names with the same
    first word (up to 80). An entry found by several rules gets the best score and all
    reasons; ties are sorted by name. At most five queries, each served by an index.
    """
    if limit <= 0:
        return []
    entries = DirectoryEntry.objects.filter(chamber_id=chamber.pk).order_by()
    found: dict[int, DirectoryEntry] = {}
    scores: dict[int, int] = {}
    reasons: dict[int, list[str]] = {}

    def add(pk: int, score: float, reason: str) -> None:
        scores[pk] = max(scores.get(pk, 0), round(score))
        reasons.setdefault(pk, []).append(reason)

    member = normalize_member_number(member_number)
    if member:
        for entry in entries.filter(member_number=member):
            found[entry.pk] = entry
            add(entry.pk, MEMBER_NUMBER_SCORE, "member_number")

    number = normalize_register_number(register_number)
    if number:
        court = _court_key(register_court)
        for entry in entries.filter(register_number_normalized=number)[:REGISTER_ROWS]:
            if not court:
                register_score = REGISTER_NUMBER_ONLY_SCORE
            elif _court_key(entry.register_court_normalized) == court:
                register_score = REGISTER_SCORE
            else:
                continue  # the same number at another court is another company
            found[entry.pk] = entry
            add(entry.pk, register_score, "register")

    query = normalize_name(name)
    if query:
        postal_code = postal_code.strip()
        similar = []
        if postal_code:
            in_postal_code = list(
                entries.filter(postal_code=postal_code).values_list("pk", "name_normalized", "name")
            )
            similar = _similar_names(query, name, in_postal_code, NAME_CUTOFF, limit)
            for pk, score in similar:
                add(pk, score * NAME_FACTOR, "name_postal_code")
        if not similar:
            # Moved, or a typo in the postal code: names with the same first word.
            low, high = _name_prefix_range(query)
            same_start = list(
                entries.filter(name_normalized__gte=low, name_normalized__lt=high)
                .order_by("name_normalized")
                .values_list("pk", "name_normalized", "name")[:NAME_PREFIX_ROWS]
            )
            for pk, score in _similar_names(query, name, same_start, NAME_ONLY_CUTOFF, limit):
                add(pk, score * NAME_ONLY_FACTOR, "name")

    best = sorted(scores, key=lambda pk: -scores[pk])
    # Only the entries that can still make the list are loaded; ties are settled by name below.
    cut = scores[best[limit - 1]] if len(best) >= limit else 0
    missing = [pk for pk in best if pk not in found and scores[pk] >= cut]
    if missing:
        found.update((entry.pk, entry) for entry in entries.filter(pk__in=missing))

    entered = {
        "name": name,
        "street": street,
        "postal_code": postal_code,
        "city": city,
        "member_number": member_number,
        "register_court": register_court,
        "register_number": register_number,
    }
    candidates = [
        Candidate(
            entry=found[pk],
            score=scores[pk],
            reasons=reasons[pk],
            differences=_differences(entered, found[pk]),
        )
        for pk in best
        if pk in found and scores[pk] >= cut
    ]
    candidates.sort(key=lambda c: (-c.score, c.entry.name, c.entry.member_number))
    return candidates[:limit]


def _differences(entered: dict[str, str], entry: DirectoryEntry) -> dict[str, tuple[str, str]]:
    """Fields entered whose value differs from the directory's once case, spacing, umlauts and
    spelling variants ("Str.", "AG" for Amtsgericht, "hrb1001") are set aside. A field left
    empty is not compared: not knowing the member number is no difference."""
    differences = {}
    for field_name, key in _COMPARED.items():
        value = entered[field_name].strip()
        if not value:
            continue
        directory_value: str = getattr(entry, field_name)
        if key(value) != key(directory_value):
            differences[field_name] = (value, directory_value)
    return differences


def search_directory(chamber: Chamber, query: str) -> models.QuerySet[DirectoryEntry]:
    """The chamber's directory, by name, member number or postal code, sorted by name.

    `query` is a cleaned search term (core.text.clean_search); empty means every entry.
    """
    entries = DirectoryEntry.objects.filter(chamber=chamber)
    if query:
        entries = entries.filter(
            models.Q(name__icontains=query)
            | models.Q(member_number=query)
            | models.Q(postal_code=query)
        )
    return entries.order_by("name")
