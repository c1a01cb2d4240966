"""The normalized records every step-data parser yields."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

MAX_DAY_STEPS = 200_000


class ImportFormatError(ValueError):
    """The file is malformed; the message names the line or record."""


@dataclass(frozen=True)
class DayStepsRecord:
    date: date
    steps: int
    source: str


@dataclass(frozen=True)
class WorkoutRecord:
    external_id: str
    started_at: datetime
    duration_minutes: int
    distance_m: int | None = None
    steps: int | None = None


@dataclass
class ParsedImport:
    """Everything one file holds: step totals per local day and walking workouts."""

    days: list[DayStepsRecord] = field(default_factory=list)
    workouts: list[WorkoutRecord] = field(default_factory=list)


def parse_steps(value: str, where: str) -> int:
    """A whole, non-negative, plausible step count ("1,234" allowed)."""
    text = str(value).strip().replace(",", "")
    try:
        number = float(text)
    except ValueError:
        raise ImportFormatError(f"{where}: steps '{value}' is not a number.") from None
    if number < 0:
        raise ImportFormatError(f"{where}: steps cannot be negative ({value}).")
    if number != int(number):
        raise ImportFormatError(f"{where}: steps must be a whole number ({value}).")
    if number > MAX_DAY_STEPS:
        raise ImportFormatError(f"{where}: {value} steps is not plausible.")
    return int(number)


def day_totals(per_day: dict[date, int], source: str, where: str) -> list[DayStepsRecord]:
    """Records from summed counts, rejecting a day whose sum is not plausible."""
    out = []
    for day, steps in sorted(per_day.items()):
        if steps > MAX_DAY_STEPS:
            raise ImportFormatError(f"{where}: {steps} steps on {day} is not plausible.")
        out.append(DayStepsRecord(date=day, steps=steps, source=source))
    return out
