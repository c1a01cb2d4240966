"""Pagination styles: cursor pages ``{"results", "next", "previous"}`` and numbered pages.

A ``?page_size=`` that is not a whole number from 1 to max_page_size is a 400 naming it,
never silently replaced by the default.
"""

from __future__ import annotations

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination


class StrictPageSizeMixin:
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= self.max_page_size):
            message = f"A whole number from 1 to {self.max_page_size}."
            raise ValidationError({self.page_size_query_param: [message]})
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters


class StrictCursorPagination(StrictPageSizeMixin, CursorPagination):
    pass


class StrictPageNumberPagination(StrictPageSizeMixin, PageNumberPagination):
    pass


class NewestFirstCursorPagination(StrictCursorPagination):
    ordering = ("-created_at", "-id")
