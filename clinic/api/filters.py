"""Query parameters: strict checks shared by every endpoint that reads them, and filters.

An endpoint refuses (400, naming the parameter) a query parameter it does not declare, one
given twice, and an empty value for a typed parameter; nothing is silently ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django import forms
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend
from rest_framework.settings import api_settings

ISO_DATE = "%Y-%m-%d"
MAX_ID = 2**63 - 1  # the largest id any database here can compare against


def query_param_errors(query_params, allowed: Mapping[str, bool]) -> dict[str, list[str]]:
    """Errors by parameter; ``allowed`` maps each declared name to whether it may be empty."""
    allowed = {api_settings.URL_FORMAT_OVERRIDE: False, **allowed}
    errors = {}
    for name, values in query_params.lists():
        if name not in allowed:
            errors[name] = ["Unknown query parameter."]
        elif len(values) > 1:
            errors[name] = ["Give this parameter at most once."]
        elif values[0] == "" and not allowed[name]:
            errors[name] = ["This parameter may not be empty."]
    return errors


def check_query_params(request, allowed: Mapping[str, bool]) -> None:
    errors = query_param_errors(request.query_params, allowed)
    if errors:
        raise ValidationError(errors)


def validated_query(request, serializer_class) -> dict:
    """A query serializer's validated data, after the strict checks on its fields' names."""
    serializer = serializer_class(data=request.query_params)
    check_query_params(request, dict.fromkeys(serializer.fields, False))
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def view_query_params(view) -> dict[str, bool]:
    """The query parameters a generic view declares (filters, search, ordering, pages)."""
    params: dict[str, bool] = {}
    filterset_class = getattr(view, "filterset_class", None)
    if filterset_class is not None:
        params.update(dict.fromkeys(filterset_class.base_filters, False))
    for backend in view.filter_backends:
        for attr in ("search_param", "ordering_param"):
            if hasattr(backend, attr):
                params[getattr(backend, attr)] = True  # free text: empty means "none"
    paginator = view.paginator
    for attr, may_be_empty in _PAGINATION_PARAMS:
        name = getattr(paginator, attr, None)
        if name:
            params[name] = may_be_empty
    return params


_PAGINATION_PARAMS: Iterable[tuple[str, bool]] = (
    ("page_query_param", False),
    ("page_size_query_param", False),
    ("cursor_query_param", True),
)


class StrictQueryParamsFilter(BaseFilterBackend):
    """First of every list view's filter backends: the strict checks, before any filtering."""

    def filter_queryset(self, request, queryset, view):
        if not getattr(view, "detail", False):  # one object's routes take no query parameters
            check_query_params(request, view_query_params(view))
        return queryset


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    """An object id: a whole number (not 1.5, not 1e3)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)


class StrictBooleanField(forms.Field):
    default_error_messages = {"invalid": "Must be true or false."}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if value not in ("true", "false"):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return value == "true"


class StrictBooleanFilter(filters.BooleanFilter):
    """``true`` or ``false``; anything else is a 400 (django-filter would ignore it)."""

    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, widget=forms.TextInput, **kwargs)


def local_date_range_filters(field_name: str) -> dict[str, filters.DateFilter]:
    """``from`` and ``to`` filters (inclusive, YYYY-MM-DD) on a DateField of local dates."""
    return {
        "from": filters.DateFilter(
            field_name=field_name,
            lookup_expr="gte",
            input_formats=[ISO_DATE],
            label="On or after this local date (YYYY-MM-DD).",
        ),
        "to": filters.DateFilter(
            field_name=field_name,
            lookup_expr="lte",
            input_formats=[ISO_DATE],
            label="On or before this local date (YYYY-MM-DD).",
        ),
    }
