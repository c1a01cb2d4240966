from __future__ import annotations

from collections.abc import Mapping

from rest_framework import serializers

UNKNOWN_FIELD = "Unknown field."
READ_ONLY_FIELD = "This field is read-only."

# JSON type each kind of field takes, as the schema says (DRF would coerce 0 to false,
# 5 to "5" and "5" to 5). Bool is checked before int: True is an int in Python.
_JSON_TYPES: tuple[tuple[tuple[type, ...], type, str], ...] = (
    ((serializers.BooleanField,), bool, "Must be true or false."),
    (
        (serializers.IntegerField, serializers.PrimaryKeyRelatedField),
        int,
        "Must be a whole number.",
    ),
    ((serializers.ListField,), list, "Must be a list."),
    ((serializers.DictField,), dict, "Must be an object."),
    (
        (
            serializers.CharField,
            serializers.ChoiceField,
            serializers.DateField,
            serializers.DateTimeField,
        ),
        str,
        "Must be a string.",
    ),
)


def json_type_error(field: serializers.Field, value) -> str | None:
    """The message if ``value`` (parsed JSON) is not of the JSON type ``field`` takes."""
    if value is None:
        return None  # the field's own allow_null rule decides
    for field_classes, json_type, message in _JSON_TYPES:
        if isinstance(field, field_classes):
            wrong_bool = json_type is int and isinstance(value, bool)
            return message if wrong_bool or not isinstance(value, json_type) else None
    return None


class StrictSerializer(serializers.Serializer):
    """Input that names a field this serializer does not write is refused, never ignored.

    A typo ("colour") or a read-only field ("id", "patient", "clinic") answers 400 naming it,
    so a client cannot believe it set something, nor assign what it must not. In a JSON
    body each value must also have its field's JSON type (false, not 0; "Ann", not 5).
    """

    def to_internal_value(self, data):
        errors = self.input_errors(data) if isinstance(data, Mapping) else {}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if errors and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**exc.detail, **errors}) from exc
            raise
        if errors:
            raise serializers.ValidationError(errors)
        return value

    def input_errors(self, data: Mapping) -> dict[str, list[str]]:
        fields = self.fields
        errors = {
            name: [READ_ONLY_FIELD if name in fields else UNKNOWN_FIELD]
            for name in data
            if name not in fields or fields[name].read_only
        }
        if not hasattr(data, "getlist"):  # JSON, not form data (where every value is text)
            for name, value in data.items():
                message = name not in errors and json_type_error(fields[name], value)
                if message:
                    errors[name] = [message]
        return errors


class LoginSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as 'Authorization: Bearer <token>'.")
    expires_at = serializers.DateTimeField()
