"""Fitbit's data export: minute-level steps JSON and the "Activities" CSV.

- ``steps-YYYY-MM-DD.json`` (Takeout/Fitbit "Physical Activity"): a list of
  ``{"dateTime": "11/20/26 08:01:00", "value": "12"}``; summed per day. Fitbit writes the
  account's local time, so the date part is the patient's local date.
- The Activities CSV (fitbit.com data export): an optional ``Activities`` title line, then
  ``Date,Calories Burned,Steps,Distance,...``; dates as 2026-11-20 or 11/20/2026,
  numbers may carry thousands separators ("8,123").
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from datetime import date, datetime
from typing import IO

from programs.imports.records import ImportFormatError, ParsedImport, day_totals, parse_steps

SOURCE = "fitbit"
JSON_DATE_FORMAT = "%m/%d/%y %H:%M:%S"
CSV_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y")


def parse_fitbit_json(fileobj: IO[bytes], *, tz_name: str) -> ParsedImport:
    """Daily sums of a minute-level steps JSON file."""
    try:
        rows = json.load(io.TextIOWrapper(fileobj, encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ImportFormatError(f"The file is not valid JSON ({exc}).") from None
    if not isinstance(rows, list):
        raise ImportFormatError("Expected a list of {dateTime, value} entries.")
    per_day: dict[date, int] = defaultdict(int)
    for i, row in enumerate(rows, start=1):
        where = f"Entry {i}"
        if not isinstance(row, dict) or "dateTime" not in row or "value" not in row:
            raise ImportFormatError(f"{where}: expected an object with dateTime and value.")
        try:
            # Fitbit writes local wall-clock times: the date part is the local day.
            day = datetime.strptime(str(row["dateTime"]), JSON_DATE_FORMAT).date()  # noqa: DTZ007
        except ValueError:
            raise ImportFormatError(
                f"{where}: dateTime '{row['dateTime']}' is not like 11/20/26 08:01:00."
            ) from None
        per_day[day] += parse_steps(row["value"], where)
    return ParsedImport(days=day_totals(per_day, SOURCE, "Fitbit"))


def parse_fitbit_csv(fileobj: IO[bytes], *, tz_name: str) -> ParsedImport:
    """Daily steps from the Activities CSV."""
    lines = _text_lines(fileobj)
    offset = 1
    if lines and lines[0].strip().strip('"') == "Activities":
        lines, offset = lines[1:], 2
    reader = csv.DictReader(lines)
    header = [h.strip() for h in reader.fieldnames or []]
    if "Date" not in header or "Steps" not in header:
        raise ImportFormatError(f"Line {offset}: expected a header with Date and Steps columns.")
    per_day: dict[date, int] = {}
    for row in reader:
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        where = f"Line {reader.line_num + offset - 1}"
        if not any(row.values()):
            continue
        day = _csv_date(row["Date"], where)
        if day in per_day:
            raise ImportFormatError(f"{where}: {day} appears twice.")
        per_day[day] = parse_steps(row["Steps"], where)
    return ParsedImport(days=day_totals(per_day, SOURCE, "Fitbit"))


def _csv_date(value: str, where: str) -> date:
    for fmt in CSV_DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()  # noqa: DTZ007 (a date alone)
        except ValueError:
            pass
    raise ImportFormatError(f"{where}: date '{value}' is not like 2026-11-20 or 11/20/2026.")


def _text_lines(fileobj: IO[bytes]) -> list[str]:
    try:
        return io.TextIOWrapper(fileobj, encoding="utf-8-sig", newline="").read().splitlines()
    except UnicodeDecodeError:
        raise ImportFormatError("The file is not UTF-8 text.") from None
