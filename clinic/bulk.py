"""Many rows inserted or updated in one statement without a model instance per row.

The daily watch writes thousands of alerts and pain responses a run. ``bulk_create``
builds a model instance per row and a placeholder per value, which cost more than the
rest of a chunk (measured by the benchmark, issue 7). On PostgreSQL, ``insert_columns``
sends one array per column (``INSERT ... SELECT FROM unnest(...)``); elsewhere it is
``bulk_create``. ``update_columns`` does the same for updates by primary key, where
``bulk_update`` compiles a ``CASE WHEN`` per row and field: refreshing a day's ~2,000
alert messages took it longer than the rest of the chunk.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Case, Field, Model, Value, When
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
    params += [array_param(db_values(f, given[f.name], connection)) for f in given_fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# Django's own fields whose get_prep_value() gives a value of exactly this type back
# unchanged on every database, and get_db_prep_save() on PostgreSQL (a subclass may
# convert, so the class must match exactly).
_SENT_AS_IS: dict[type[Field], type] = {
    **dict.fromkeys(
        (
            models.AutoField,
            models.BigAutoField,
            models.SmallAutoField,
            models.IntegerField,
            models.BigIntegerField,
            models.SmallIntegerField,
            models.PositiveIntegerField,
            models.PositiveBigIntegerField,
            models.PositiveSmallIntegerField,
        ),
        int,
    ),
    models.FloatField: float,
    models.CharField: str,
    models.TextField: str,
    models.DateField: date,
    models.BooleanField: bool,
}


def db_values(field: Field, values: Iterable[Any], connection: BaseDatabaseWrapper) -> list[Any]:
    """Each value as ``field.get_db_prep_save`` prepares it for ``connection``. A list of
    plain values (and None) that the field would send unchanged is returned as it is: the
    per-value call cost ~1.6 µs, more than the rest of a watch chunk's inserts in Python
    (issue 7)."""
    values = list(values)
    if connection.vendor == "postgresql" and prepared_as_is(field, values):
        return values
    return [field.get_db_prep_save(value, connection) for value in values]


def prepared_as_is(field: Field, values: Sequence[Any]) -> bool:
    """Whether ``field`` prepares each of ``values`` (plain values of its own type, and
    None) by returning it unchanged: for these fields get_prep_value() is the identity on
    such values, and on PostgreSQL so is get_db_prep_value()."""
    target = field.target_field if field.many_to_one or field.one_to_one else field
    plain = _SENT_AS_IS.get(type(target))
    return plain is not None and all(value is None or type(value) is plain for value in values)


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


def update_columns(
    model: type[Model],
    columns: Mapping[str, Sequence[Any]],
    *,
    constants: Mapping[str, Any] | None = None,
    only_where_in: Mapping[str, Sequence[Any]] | None = None,
) -> int:
    """Update rows of ``model`` by primary key: ``columns`` holds the (distinct) keys under
    the primary key's name and one value per row for each other field; ``constants`` sets one
    value (not an expression) on every row. ``only_where_in`` leaves alone a row whose field
    holds none of the given values (checked as the row is updated). Returns the number of
    rows updated.

    auto_now fields are not set for you: give them in ``constants``.
    """
    pk_name = model._meta.pk.name
    if pk_name not in columns:
        raise ValueError(f"Give the rows' keys as {pk_name!r}.")
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"Columns of different lengths: {sorted(lengths)}.")
    keys = list(columns[pk_name])
    if len(set(keys)) != len(keys):
        raise ValueError("Each row's key once: a key given twice would be updated once.")
    values = {name: list(column) for name, column in columns.items() if name != pk_name}
    constants = dict(constants or {})
    if not values and not constants:
        raise ValueError("Nothing to set: give a column or a constant.")
    if not keys:
        return 0
    only_where_in = dict(only_where_in or {})
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        return _update_in_batches(model, keys, values, constants, only_where_in, connection)
    sql, params = _unnest_update(model, keys, values, constants, only_where_in, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _unnest_update(
    model: type[Model],
    keys: list[Any],
    values: dict[str, list[Any]],
    constants: dict[str, Any],
    only_where_in: dict[str, Sequence[Any]],
    connection: BaseDatabaseWrapper,
) -> tuple[str, list[Any]]:
    """UPDATE ... FROM unnest(one array per column) WHERE the key matches, and its params."""
    quote = connection.ops.quote_name
    field = model._meta.get_field
    pk = model._meta.pk
    cast = {name: array_element_type(field(name), connection) for name in [*values, *constants]}
    columns = {name: quote(field(name).column) for name in [*values, *constants, *only_where_in]}
    assignments = [f"{columns[n]} = v.{columns[n]}" for n in values]
    assignments += [f"{columns[n]} = %s::{cast[n]}" for n in constants]
    arrays = [f"%s::{array_element_type(pk, connection)}[]", *(f"%s::{cast[n]}[]" for n in values)]
    key = quote(pk.column)
    conditions = [f"t.{key} = v.{key}"]
    conditions += [
        f"t.{columns[n]} = ANY(%s::{array_element_type(field(n), connection)}[])"
        for n in only_where_in
    ]
    sql = (
        f"UPDATE {quote(model._meta.db_table)} AS t SET {', '.join(assignments)} "  # noqa: S608
        f"FROM unnest({', '.join(arrays)}) AS v({', '.join([key, *(columns[n] for n in values)])}) "
        f"WHERE {' AND '.join(conditions)}"
    )
    params = [field(n).get_db_prep_save(constants[n], connection) for n in constants]
    params.append(array_param(db_values(pk, keys, connection)))
    params += [array_param(db_values(field(n), values[n], connection)) for n in values]
    params += [
        array_param(field(n).get_db_prep_value(v, connection) for v in allowed)
        for n, allowed in only_where_in.items()
    ]
    return sql, params


def _update_in_batches(
    model: type[Model],
    keys: list[Any],
    values: dict[str, list[Any]],
    constants: dict[str, Any],
    only_where_in: dict[str, Sequence[Any]],
    connection: BaseDatabaseWrapper,
) -> int:
    """update_columns() as ORM updates of a CASE WHEN per column, each within the
    database's parameter limit (a row costs its key in the IN list and two parameters per
    column in the CASE)."""
    limit = connection.features.max_query_params or 999
    fixed = len(constants) + sum(len(allowed) for allowed in only_where_in.values())
    batch_size = max(1, (limit - fixed) // (2 * len(values) + 1))
    updated = 0
    for start in range(0, len(keys), batch_size):
        batch = keys[start : start + batch_size]
        per_row = {
            name: Case(
                *(
                    When(pk=key, then=Value(value))
                    for key, value in zip(batch, column[start : start + len(batch)], strict=True)
                ),
                output_field=model._meta.get_field(name),
            )
            for name, column in values.items()
        }
        rows = model._default_manager.filter(
            pk__in=batch, **{f"{name}__in": allowed for name, allowed in only_where_in.items()}
        )
        updated += rows.update(**per_row, **constants)
    return updated
