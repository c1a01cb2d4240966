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

from clinic.pgarray import array_element_type, array_param


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
    if not lengths or not lengths.pop():
        return
    connection = connections[router.db_for_write(model)]
    given, missing = _columns(model, columns, timezone.now())
    if connection.vendor != "postgresql":
        names = [*given, *missing]
        fields = [model._meta.get_field(name) for name in names]
        constants = list(missing.values())
        rows = [
            model(**dict(zip((f.attname for f in fields), [*values, *constants], strict=True)))
            for values in zip(*given.values(), strict=True)
        ]
        model._default_manager.bulk_create(rows, ignore_conflicts=ignore_conflicts)
        return
    quote = connection.ops.quote_name
    given_fields = [model._meta.get_field(name) for name in given]
    missing_fields = [model._meta.get_field(name) for name in missing]
    names = ", ".join(quote(f.column) for f in [*given_fields, *missing_fields])
    # A field not given is one value for every row: a parameter, not an array.
    constants = "".join(f", %s::{array_element_type(f, connection)}" for f in missing_fields)
    unnest = ", ".join(f"%s::{array_element_type(f, connection)}[]" for f in given_fields)
    conflicts = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({names}) "  # noqa: S608 - quoted names
        f"SELECT u.*{constants} FROM unnest({unnest}) AS u{conflicts}"
    )
    params = [f.get_db_prep_save(missing[f.name], connection) for f in missing_fields]
    params += [
        array_param(field.get_db_prep_save(value, connection) for value in given[field.name])
        for field in given_fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _columns(
    model: type[Model], columns: Mapping[str, Sequence[Any]], now: datetime
) -> tuple[dict[str, Sequence[Any]], dict[str, Any]]:
    """The given columns by field name, and the value of every other concrete field."""
    fields = {f.name: f for f in model._meta.concrete_fields if not f.primary_key}
    aliases = {f.attname: f.name for f in fields.values()}
    given = {aliases.get(name, name): values for name, values in columns.items()}
    unknown = set(given) - set(fields)
    if unknown:
        raise ValueError(f"{model.__name__} has no field {', '.join(sorted(unknown))}.")
    missing = {
        name: _missing_value(field, now) for name, field in fields.items() if name not in given
    }
    return given, missing


def _missing_value(field: Field, now: datetime) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    if field.has_db_default() or (field.has_default() and callable(field.default)):
        # One value for every row would repeat what is meant to differ row by row.
        raise ValueError(f"Give {field.name}: its default is computed for each row.")
    return field.get_default()  # as a model instance would have it ("" or None without one)
