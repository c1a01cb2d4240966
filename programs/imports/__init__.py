"""Parsers for step data exported by phones, watches and health apps (pure: no database)."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

from programs.imports.apple_health import parse_apple_health
from programs.imports.fhir_steps import parse_fhir_steps
from programs.imports.fitbit import parse_fitbit_csv, parse_fitbit_json
from programs.imports.generic_csv import parse_generic_csv
from programs.imports.records import ImportFormatError, ParsedImport

Parser = Callable[..., ParsedImport]

# format name (API `format` field, admin form) -> (label, parser)
FORMATS: dict[str, tuple[str, Parser]] = {
    "apple_health": ("Apple Health export.xml", parse_apple_health),
    "fitbit_json": ("Fitbit steps JSON (steps-YYYY-MM-DD.json)", parse_fitbit_json),
    "fitbit_csv": ("Fitbit Activities CSV", parse_fitbit_csv),
    "csv": ("CSV: date,steps,minutes", parse_generic_csv),
    "fhir": ("FHIR Bundle of step-count Observations", parse_fhir_steps),
}
FORMAT_CHOICES = [(name, label) for name, (label, _parser) in FORMATS.items()]


def parse_step_file(fmt: str, fileobj: IO[bytes], *, tz_name: str) -> ParsedImport:
    """Parse a file in one of FORMATS; ImportFormatError names the line or record."""
    try:
        _label, parser = FORMATS[fmt]
    except KeyError:
        raise ImportFormatError(f"Unknown format '{fmt}'.") from None
    return parser(fileobj, tz_name=tz_name)


__all__ = ["FORMATS", "FORMAT_CHOICES", "ImportFormatError", "ParsedImport", "parse_step_file"]
