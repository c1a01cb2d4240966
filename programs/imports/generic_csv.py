"""A generic CSV: ``date,steps,minutes`` (minutes optional), one row per local day.

Health Connect (Android) and other apps' exports arrive this way. ``steps`` becomes the
day's total; ``minutes`` (if given and at least 1) becomes one walk on that day, started
at local noon, so re-importing the file finds the same walk and skips it.
"""

from __future__ import annotations

import csv
from datetime import date, datetime, time
from typing import IO
from zoneinfo import ZoneInfo

from programs.imports.fitbit import _text_lines
from programs.imports.records import (
    DayStepsRecord,
    ImportFormatError,
    ParsedImport,
    WorkoutRecord,
    parse_steps,
)

SOURCE = "csv"


def parse_generic_csv(fileobj: IO[bytes], *, tz_name: str) -> ParsedImport:
    """Daily steps (and optional walk minutes) from date,steps[,minutes] rows."""
    reader = csv.DictReader(_text_lines(fileobj))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "date" not in header or "steps" not in header:
        raise ImportFormatError("Line 1: expected the header date,steps[,minutes].")
    parsed = ParsedImport()
    seen: set[date] = set()
    for row in reader:
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        where = f"Line {reader.line_num}"
        if not any(row.values()):
            continue
        try:
            day = date.fromisoformat(row["date"])
        except ValueError:
            raise ImportFormatError(
                f"{where}: date '{row['date']}' is not like 2026-11-20."
            ) from None
        if day in seen:
            raise ImportFormatError(f"{where}: {day} appears twice.")
        seen.add(day)
        if row["steps"]:
            steps = parse_steps(row["steps"], where)
            parsed.days.append(DayStepsRecord(date=day, steps=steps, source=SOURCE))
        minutes = _minutes(row.get("minutes", ""), where)
        if minutes:
            parsed.workouts.append(
                WorkoutRecord(
                    external_id=f"{SOURCE}:{day.isoformat()}",
                    started_at=datetime.combine(day, time(12), tzinfo=ZoneInfo(tz_name)),
                    duration_minutes=minutes,
                )
            )
    return parsed


def _minutes(value: str, where: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or not 0 <= int(value) <= 300:
        raise ImportFormatError(f"{where}: minutes '{value}' must be a whole number 0-300.")
    return int(value) or None
