"""Date-range filters on a patient's local dates: ``?from=YYYY-MM-DD&to=YYYY-MM-DD``."""

from __future__ import annotations

from django_filters import rest_framework as filters


def local_date_range_filters(field_name: str) -> dict[str, filters.DateFilter]:
    """``from`` and ``to`` filters (inclusive) on a DateField of local dates."""
    return {
        "from": filters.DateFilter(
            field_name=field_name,
            lookup_expr="gte",
            label="On or after this local date (YYYY-MM-DD).",
        ),
        "to": filters.DateFilter(
            field_name=field_name,
            lookup_expr="lte",
            label="On or before this local date (YYYY-MM-DD).",
        ),
    }
