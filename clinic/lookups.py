"""``field__any=[values]``: membership in a list of plain values, as one array on PostgreSQL.

The daily watch filters a chunk by thousands of patient ids at a time. As ``__in``, that
is a placeholder each: Django prepares each value through the expression machinery,
psycopg splits the statement at each one and quotes it in, and PostgreSQL parses each
constant. A chunk of 1,000 patients' read took ~24 ms that way and ~4 ms as
``id = ANY(%s::bigint[])`` with the ids as one array (issue 7). Elsewhere ``__any`` is
``__in``. Only plain values, no expressions or querysets: use ``__in`` for those.

The array goes through an InitPlan, ``id = ANY(ARRAY(SELECT unnest(%s::bigint[])))``: the
planner estimates ``= ANY`` of a constant array element by element against the column's
most common values, which took 2.6 ms to plan a 0.9 ms read of a chunk's alerts; an
InitPlan's value it does not see, and the plan keeps the shape of ``= ANY`` (an index
scan on the column where it has one). A semi-join on the unnested array (``IN (SELECT
unnest(...))``) planned as fast, but on a first day, the alerts' statistics taken when the
table was empty, it compared each of 7,702 alerts with each of 1,052 ids: 738 ms a chunk.
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject
from django.db.models.lookups import In

from clinic.bulk import prepared_as_is
from clinic.pgarray import array_element_type, array_param


# Related fields do not inherit Field's lookups, so a foreign key needs its own registration.
@ForeignObject.register_lookup
@Field.register_lookup
class AnyOf(In):
    lookup_name = "any"
    as_is = False  # the values need no preparation (set by get_prep_lookup)

    def get_prep_lookup(self):
        field = self.lhs.output_field
        values = list(self.rhs)
        # A chunk's thousands of plain ids skip the per-value calls (~1.5 µs each here).
        self.as_is = prepared_as_is(field, values)
        if self.as_is:
            return values
        return [field.get_prep_value(value) for value in values]

    def as_postgresql(self, compiler, connection):
        field = self.lhs.output_field
        element_type = array_element_type(field, connection)
        if element_type is None:
            return self.as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        # NULL is never equal to anything, as with __in.
        values = [v for v in self.rhs if v is not None]
        if not self.as_is:
            values = [field.get_db_prep_value(v, connection, prepared=True) for v in values]
        if not values:
            raise EmptyResultSet
        array = array_param(values)
        return f"{lhs} = ANY(ARRAY(SELECT unnest(%s::{element_type}[])))", (*lhs_params, array)
