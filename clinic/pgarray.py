"""A list of plain values as one PostgreSQL array literal, for ``%s::type[]`` parameters.

The daily watch sends a chunk's values as arrays (``unnest``, ``= ANY``). psycopg's list
adapter renders each element on its own, ~2.5 µs for an integer or date and ~6 µs for a
string, and a chunk's progression statement has ~9,000 elements; joining the values'
text forms costs a fraction of that (issue 7). The statement casts the literal
(``%s::bigint[]``), so PostgreSQL parses each element as the array's type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Field


def array_element_type(field: Field, connection) -> str | None:
    """The type to cast an array of ``field``'s values to: its column type, but text for
    varchar, whose cast to varchar(n) would silently cut a longer value (an INSERT's own
    assignment raises, and a comparison must not match a cut prefix). None for a field
    without a column type."""
    db_type = field.db_type(connection)
    if db_type is None:
        return None
    return "text" if db_type.startswith("varchar") else db_type


def array_param(values: Iterable[Any]) -> str | list:
    """The array literal of ``values`` ('{1,2,NULL}'), or the list itself (psycopg adapts
    it) when a value is of a type this does not render."""
    values = list(values)
    try:
        # The common case, by exact type: one dict lookup per value.
        parts = [_RENDER_EXACT[type(value)](value) for value in values]
    except KeyError:
        parts = [_element(value) for value in values]
        if None in parts:
            return values
    return "{" + ",".join(parts) + "}"


def _quoted(text: str) -> str:
    # A double-quoted element may hold anything; quotes and backslashes are escaped.
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _element(value: Any) -> str | None:
    """A subclass's text (an enum member is sent as its value), or None if not rendered."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    # int's and float's own text, not str(): an enum member's str() may be its name.
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return float.__repr__(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):  # and datetime: ISO text holds nothing to quote
        return value.isoformat()
    if isinstance(value, str):
        return _quoted(str.__str__(value))
    return None


_RENDER_EXACT: dict[type, Callable[[Any], str]] = {
    int: int.__repr__,
    str: _quoted,
    date: date.isoformat,
    datetime: datetime.isoformat,
    float: float.__repr__,
    Decimal: str,
    bool: lambda value: "true" if value else "false",
    type(None): lambda value: "NULL",
}
