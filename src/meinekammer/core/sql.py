"""SQL for the few statements that must cost one round trip and no query building: the token
endpoints' (applications/token_store.py; docs/decisions/0006-lean-token-store.md).

Their conditions stay where the rules live, as ORM filters (`accounts.rules.may_act_filter`,
`applications.models.assignable_filter`, `companies.rules.WORKING_STATES`): `compile_query`
turns such a query into SQL once per database, and the statement embeds it as a subquery. The
statements run through Django's connection, so that query-count tests see them, and their text
never changes, so that PostgreSQL prepares them (`DB_PREPARE_THRESHOLD`).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet


@dataclass(frozen=True)
class Fragment:
    """A piece of SQL and the values of its placeholders, in order."""

    sql: str
    params: tuple[Any, ...]


def compile_query(query: QuerySet) -> Fragment:
    """The query's SELECT as the ORM would send it, for use as a subquery."""
    sql, params = query.query.get_compiler(using=query.db).as_sql()
    return Fragment(sql, tuple(params))


RowReader = Callable[[Sequence[Any]], tuple[Any, ...]]


def column_reader(model: type[Model], names: Sequence[str], using: str = "default") -> RowReader:
    """A function turning a raw row of these model fields (in this order) into the values the
    ORM would give: the backend's and the field's converters (datetimes on SQLite, JSON)."""
    connection = connections[using]
    steps: list[tuple[Any, list[Any]]] = []
    for name in names:
        field = model._meta.get_field(name)
        column = field.get_col(model._meta.db_table)  # type: ignore[union-attr]
        converters = connection.ops.get_db_converters(column) + field.get_db_converters(connection)  # type: ignore[union-attr]
        steps.append((column, converters))

    def read(row: Sequence[Any]) -> tuple[Any, ...]:
        values = []
        for value, (column, converters) in zip(row, steps, strict=True):
            for convert in converters:
                value = convert(value, column, connection)
            values.append(value)
        return tuple(values)

    return read


def adapt(model: type[Model], name: str, value: Any, using: str = "default") -> Any:
    """A value for a placeholder compared with this model field, as the ORM would send it
    (a UUID as hex text on SQLite, a datetime in the backend's form)."""
    field = model._meta.get_field(name)
    return field.get_db_prep_value(value, connections[using], prepared=False)  # type: ignore[union-attr]
