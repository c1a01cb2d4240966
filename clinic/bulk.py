"""Many rows inserted in one statement without a model instance per row.

The daily watch writes thousands of alerts and pain responses a run. ``bulk_create``
builds a model instance per row and a placeholder per value, which cost more than the
rest of a chunk (measured by the benchmark, issue 7). On PostgreSQL, ``insert_columns``
sends one array per column (``INSERT ... SELECT FROM unnest(...)``); elsewhere it is
``bulk_create``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import connections, router
from django.db.models import Field, Model
from django.utils import timezone


def insert_columns(
    model: type[Model],
    columns: Mapping[str, Sequence[Any]],
    *,
    ignore_conflicts: bool = False,
) -> None:
    """Insert ``len(column)`` rows of ``model`` given as one sequence per field name.

    Fields not given take the current time if auto_now/auto_now_add (as bulk_create sets
    them), else their default as a model instance would (evaluated once for the
    statement). ``ignore_conflicts`` skips rows that break a unique constraint.
    """
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"Columns of different lengths: {sorted(lengths)}.")
    count = lengths.pop() if lengths else 0
    if not count:
        return
    connection = connections[router.db_for_write(model)]
    filled = _filled_columns(model, columns, count, timezone.now())
    fields = [model._meta.get_field(name) for name in filled]
    if connection.vendor != "postgresql":
        attnames = [f.attname for f in fields]
        rows = [
            model(**dict(zip(attnames, values, strict=True)))
            for values in zip(*filled.values(), strict=True)
        ]
        model._default_manager.bulk_create(rows, ignore_conflicts=ignore_conflicts)
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in fields)
    unnest = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
    conflicts = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({names}) "  # noqa: S608 - quoted names
        f"SELECT * FROM unnest({unnest}){conflicts}"
    )
    arrays = [
        [field.get_db_prep_save(value, connection) for value in filled[field.name]]
        for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)


def _filled_columns(
    model: type[Model], columns: Mapping[str, Sequence[Any]], count: int, now: datetime
) -> dict[str, Sequence[Any]]:
    """Every concrete non-primary-key field's values, by field name."""
    fields = {f.name: f for f in model._meta.concrete_fields if not f.primary_key}
    aliases = {f.attname: f.name for f in fields.values()}
    given = {aliases.get(name, name): values for name, values in columns.items()}
    unknown = set(given) - set(fields)
    if unknown:
        raise ValueError(f"{model.__name__} has no field {', '.join(sorted(unknown))}.")
    return {
        name: given[name] if name in given else [_missing_value(field, now)] * count
        for name, field in fields.items()
    }


def _missing_value(field: Field, now: datetime) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    return field.get_default()  # as a model instance would have it ("" or None without one)
