"""The bearer-token lookup every API request makes, as one hand-written statement.

``ApiToken.objects.select_related("user__patient", "user__therapist").filter(...)`` cost
~2 ms of CPU per request to build and compile (four models' columns, the joins, the
ordering) for a query PostgreSQL answers from one index row: a fifth of a request's CPU
(issue 7). The statement here is written once per process from the models' own fields,
and its rows become model instances through the same converters the ORM applies, with the
relations cached as select_related() caches them: 0.4 ms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.db import connections, router
from django.db.models import Field, Model

from clinic.models import ApiToken, Therapist
from patients.models import Patient


@dataclass(frozen=True)
class _Columns:
    """One model's concrete fields, selected from its table under ``alias``."""

    model: type[Model]
    alias: str
    fields: tuple[Field, ...]

    def select(self, connection) -> str:
        quote = connection.ops.quote_name
        return ", ".join(f"{self.alias}.{quote(field.column)}" for field in self.fields)

    def instance(self, values: tuple, converters: dict, connection) -> Model | None:
        """The model instance of ``values`` (None for a left join's empty side)."""
        if values[self.fields.index(self.model._meta.pk)] is None:
            return None
        values = list(values)
        for i, (functions, column) in converters.items():
            for convert in functions:
                values[i] = convert(values[i], column, connection)
        return self.model.from_db(connection.alias, [f.attname for f in self.fields], values)

    def converters(self, connection) -> dict:
        """As SQLCompiler.get_converters(): per column, the backend's and the field's."""
        out = {}
        for i, field in enumerate(self.fields):
            column = field.get_col(self.alias)
            functions = connection.ops.get_db_converters(column) + column.get_db_converters(
                connection
            )
            if functions:
                out[i] = (functions, column)
        return out


@dataclass(frozen=True)
class _Lookup:
    """The statement of one connection, and how its rows become instances."""

    connection: object
    sql: str
    parts: tuple[_Columns, ...]  # token, user, patient, therapist
    converters: tuple[dict, ...]

    def token(self, row: tuple) -> ApiToken:
        """The token of ``row``, with its user and the user's rows cached on it."""
        instances, start = [], 0
        for part, converters in zip(self.parts, self.converters, strict=True):
            end = start + len(part.fields)
            instances.append(part.instance(row[start:end], converters, self.connection))
            start = end
        token, user, patient, therapist = instances
        token.user = user
        # As select_related() leaves them: the user's patient and therapist known, either
        # None (a reverse one-to-one then raises DoesNotExist without a query).
        for row_model, related in ((Patient, patient), (Therapist, therapist)):
            user_field = row_model._meta.get_field("user")
            user_field.remote_field.set_cached_value(user, related)
            if related is not None:
                user_field.set_cached_value(related, user)
        return token


@cache
def _lookup(connection) -> _Lookup:
    """The lookup for one database connection (its converters are bound to it): written
    once per connection, that is per worker process or thread."""
    user_field = ApiToken._meta.get_field("user")
    user_model = user_field.related_model
    parts = tuple(
        _Columns(model, alias, tuple(model._meta.concrete_fields))
        for model, alias in (
            (ApiToken, "t"),
            (user_model, "u"),
            (Patient, "p"),
            (Therapist, "th"),
        )
    )
    quote = connection.ops.quote_name

    def column(model: type[Model], name: str) -> str:
        return quote(model._meta.get_field(name).column)

    def table(model: type[Model]) -> str:
        return quote(model._meta.db_table)

    def user_join(model: type[Model], alias: str) -> str:
        field = model._meta.get_field("user")
        return f"{alias}.{quote(field.column)} = u.{quote(field.target_field.column)}"

    sql = (
        f"SELECT {', '.join(part.select(connection) for part in parts)} "  # noqa: S608
        f"FROM {table(ApiToken)} t "
        f"JOIN {table(user_model)} u ON t.{quote(user_field.column)} = "
        f"u.{quote(user_field.target_field.column)} "
        f"LEFT JOIN {table(Patient)} p ON {user_join(Patient, 'p')} "
        f"LEFT JOIN {table(Therapist)} th ON {user_join(Therapist, 'th')} "
        f"WHERE t.{column(ApiToken, 'key_hash')} = %s "
        f"AND t.{column(ApiToken, 'revoked_at')} IS NULL "
        f"AND t.{column(ApiToken, 'expires_at')} > %s "
        f"AND u.{column(user_model, 'is_active')} = %s"
    )
    return _Lookup(connection, sql, parts, tuple(part.converters(connection) for part in parts))


def api_token_live(*, key_hash: str, now: datetime) -> ApiToken | None:
    """The unrevoked token with this hash, unexpired at ``now``, of an active user, with
    its user and the user's patient and therapist rows (one query, on the database the
    routers read tokens from)."""
    connection = connections[router.db_for_read(ApiToken)]
    lookup = _lookup(connection)
    user_model = ApiToken._meta.get_field("user").related_model
    expires = ApiToken._meta.get_field("expires_at").get_db_prep_value(now, connection)
    active = user_model._meta.get_field("is_active").get_db_prep_value(True, connection)
    with connection.cursor() as cursor:
        cursor.execute(lookup.sql, [key_hash, expires, active])
        row = cursor.fetchone()
    return None if row is None else lookup.token(row)
