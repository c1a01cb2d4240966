"""Apple Health's export.xml, streamed: memory stays flat for exports of hundreds of MB.

Steps: ``Record type="HKQuantityTypeIdentifierStepCount"`` rows are summed per device
(``sourceName``) and local day (of the record's start); the day's total is the largest
device's sum. An iPhone and a Watch worn together both count the same steps, so summing
them would double count. Walking workouts (``HKWorkoutActivityTypeWalking``) become walks.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from datetime import date, datetime
from typing import IO
from xml.etree.ElementTree import Element, ParseError, iterparse

from clinic.timezones import local_date
from programs.imports.records import (
    ImportFormatError,
    ParsedImport,
    WorkoutRecord,
    day_totals,
    parse_steps,
)

SOURCE = "apple_health"
STEP_TYPE = "HKQuantityTypeIdentifierStepCount"
WALKING = "HKWorkoutActivityTypeWalking"
DISTANCE_TYPE = "HKQuantityTypeIdentifierDistanceWalkingRunning"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S %z"
TO_MINUTES = {"min": 1.0, "s": 1 / 60, "sec": 1 / 60, "hr": 60.0, "h": 60.0}
TO_METRES = {"km": 1000.0, "m": 1.0, "mi": 1609.344, "ft": 0.3048, "yd": 0.9144}


def parse_apple_health(fileobj: IO[bytes], *, tz_name: str) -> ParsedImport:
    """Step totals per local day and walking workouts from an export.xml."""
    per_source: dict[tuple[date, str], int] = defaultdict(int)
    parsed = ParsedImport()
    depth = 0
    root: Element | None = None
    count = 0
    try:
        # ElementTree resolves no external entities and expat (>= 2.4.1) refuses
        # entity-expansion bombs, so the stdlib parser is safe for untrusted exports.
        for event, elem in iterparse(fileobj, events=("start", "end")):  # noqa: S314
            if event == "start":
                depth += 1
                if root is None:
                    root = elem
                    if elem.tag != "HealthData":
                        raise ImportFormatError(
                            "This is not an Apple Health export (no <HealthData> root)."
                        )
                continue
            depth -= 1
            if depth != 1:  # only the root's direct children (with their sub-elements)
                continue
            count += 1
            if elem.tag == "Record" and elem.get("type") == STEP_TYPE:
                where = f"Record {count}"
                day = local_date(_when(elem, "startDate", where), tz_name)
                per_source[(day, elem.get("sourceName", ""))] += parse_steps(
                    elem.get("value", ""), where
                )
            elif elem.tag == "Workout" and elem.get("workoutActivityType") == WALKING:
                workout = _workout(elem, f"Workout (element {count})")
                if workout is not None:
                    parsed.workouts.append(workout)
            root.clear()  # drop finished elements: memory stays flat
    except ParseError as exc:
        line, column = exc.position
        raise ImportFormatError(
            f"Line {line}, column {column}: the file is not well-formed XML."
        ) from None
    if root is None:
        raise ImportFormatError("The file is empty.")
    best: dict[date, int] = {}
    for (day, _source), steps in per_source.items():
        best[day] = max(best.get(day, 0), steps)
    parsed.days = day_totals(best, SOURCE, "Apple Health")
    return parsed


def _when(elem: Element, name: str, where: str) -> datetime:
    value = elem.get(name)
    try:
        return datetime.strptime(value or "", DATE_FORMAT)  # noqa: DTZ007 (%z: aware)
    except ValueError:
        raise ImportFormatError(
            f"{where}: {name} '{value}' is not a date like 2026-11-20 08:01:00 +0000."
        ) from None


def _number(value: str | None, what: str, where: str) -> float:
    try:
        number = float(value or "")
    except ValueError:
        raise ImportFormatError(f"{where}: {what} '{value}' is not a number.") from None
    if not math.isfinite(number) or number < 0:
        raise ImportFormatError(f"{where}: {what} '{value}' is not a positive number.")
    return number


def _workout(elem: Element, where: str) -> WorkoutRecord | None:
    """A walking workout; None when its duration is outside 1-300 minutes."""
    started = _when(elem, "startDate", where)
    if elem.get("duration") is not None:
        unit = elem.get("durationUnit", "min")
        if unit not in TO_MINUTES:
            raise ImportFormatError(f"{where}: unknown durationUnit '{unit}'.")
        minutes = _number(elem.get("duration"), "duration", where) * TO_MINUTES[unit]
    else:
        minutes = (_when(elem, "endDate", where) - started).total_seconds() / 60
    minutes = round(minutes)
    if not 1 <= minutes <= 300:
        return None
    source = elem.get("sourceName", "")
    key = f"{source}|{elem.get('startDate')}".encode()
    digest = hashlib.sha256(key).hexdigest()[:24]
    return WorkoutRecord(
        external_id=f"{SOURCE}:{digest}",
        started_at=started,
        duration_minutes=minutes,
        distance_m=_distance(elem, where),
    )


def _distance(elem: Element, where: str) -> int | None:
    """totalDistance (older exports) or a WorkoutStatistics child (iOS 16+), in metres."""
    value, unit = elem.get("totalDistance"), elem.get("totalDistanceUnit", "km")
    if value is None:
        for stats in elem.iter("WorkoutStatistics"):
            if stats.get("type") == DISTANCE_TYPE:
                value, unit = stats.get("sum"), stats.get("unit", "km")
    if value is None:
        return None
    if unit not in TO_METRES:
        raise ImportFormatError(f"{where}: unknown distance unit '{unit}'.")
    metres = round(_number(value, "totalDistance", where) * TO_METRES[unit])
    return metres if metres <= 100_000 else None
