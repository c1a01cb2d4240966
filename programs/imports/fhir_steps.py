"""A FHIR R4 Bundle of step-count Observations (phone health apps and aggregators).

Observations coded LOINC 55423-8 (steps, unspecified time) or 41950-7 (steps in 24
hours), with ``valueQuantity`` and ``effectiveDateTime`` or ``effectivePeriod.start``.
Interval observations are summed per local day; a day's total is the larger of that
sum and any 24-hour observation (they describe the same steps). Observations whose
status is entered-in-error or cancelled are ignored. Plain JSON with strict checks.
"""

from __future__ import annotations

import io
import json
from collections import defaultdict
from datetime import date, datetime
from typing import IO

from clinic.timezones import local_date
from programs.imports.records import ImportFormatError, ParsedImport, day_totals, parse_steps

SOURCE = "fhir"
LOINC = "http://loinc.org"
STEP_CODES = {"55423-8", "41950-7"}
DAILY_CODE = "41950-7"
IGNORED_STATUSES = {"entered-in-error", "cancelled"}


def parse_fhir_steps(fileobj: IO[bytes], *, tz_name: str) -> ParsedImport:
    """Step totals per local day from a Bundle's step-count Observations."""
    try:
        bundle = json.load(io.TextIOWrapper(fileobj, encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ImportFormatError(f"The file is not valid JSON ({exc}).") from None
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise ImportFormatError("Expected a FHIR Bundle (resourceType 'Bundle').")
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        raise ImportFormatError("Bundle.entry must be a list.")
    summed: dict[date, int] = defaultdict(int)
    daily: dict[date, int] = {}
    for i, entry in enumerate(entries):
        where = f"Bundle.entry[{i}]"
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            raise ImportFormatError(f"{where}: has no resource.")
        code = _step_code(resource)
        if code is None or resource.get("status") in IGNORED_STATUSES:
            continue
        day = _day(resource, tz_name, where)
        steps = _steps(resource, where)
        if code == DAILY_CODE:
            daily[day] = max(daily.get(day, 0), steps)
        else:
            summed[day] += steps
    best = {day: max(summed.get(day, 0), daily.get(day, 0)) for day in {*summed, *daily}}
    return ParsedImport(days=day_totals(best, SOURCE, "FHIR Bundle"))


def _step_code(resource: dict) -> str | None:
    if resource.get("resourceType") != "Observation":
        return None
    codings = (resource.get("code") or {}).get("coding") or []
    for coding in codings if isinstance(codings, list) else []:
        if (
            isinstance(coding, dict)
            and coding.get("system") == LOINC
            and coding.get("code") in STEP_CODES
        ):
            return coding["code"]
    return None


def _day(resource: dict, tz_name: str, where: str) -> date:
    value = resource.get("effectiveDateTime") or (resource.get("effectivePeriod") or {}).get(
        "start"
    )
    if not isinstance(value, str) or not value:
        raise ImportFormatError(f"{where}: needs effectiveDateTime or effectivePeriod.start.")
    try:
        if len(value) == 10:  # a date alone is already the patient's day
            return date.fromisoformat(value)
        instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ImportFormatError(f"{where}: '{value}' is not a FHIR date or dateTime.") from None
    if instant.tzinfo is None:
        raise ImportFormatError(f"{where}: '{value}' needs a time-zone offset.")
    return local_date(instant, tz_name)


def _steps(resource: dict, where: str) -> int:
    quantity = resource.get("valueQuantity")
    if not isinstance(quantity, dict) or "value" not in quantity:
        raise ImportFormatError(f"{where}: needs valueQuantity.value.")
    if isinstance(quantity["value"], bool) or not isinstance(quantity["value"], int | float):
        raise ImportFormatError(f"{where}: valueQuantity.value must be a number.")
    return parse_steps(str(quantity["value"]), where)
