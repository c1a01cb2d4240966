"""Time-zone helpers: a patient's day is their local calendar day."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError


@lru_cache(maxsize=1)
def known_timezones() -> frozenset[str]:
    """Every IANA time-zone name zoneinfo knows."""
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    """Reject anything that is not an IANA time-zone name."""
    if value not in known_timezones():
        raise ValidationError(f"'{value}' is not a known time zone (e.g. Europe/London).")


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(known_timezones())]


def local_date(instant: datetime, tz_name: str) -> date:
    """The calendar date of an aware instant in the given time zone."""
    return instant.astimezone(ZoneInfo(tz_name)).date()


def local_day_bounds(day: date, tz_name: str) -> tuple[datetime, datetime]:
    """Aware [start, end) instants of a local day; 23 or 25 hours long on DST days."""
    tz = ZoneInfo(tz_name)
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def week_start(day: date) -> date:
    """The Monday of the ISO week containing ``day``."""
    return day - timedelta(days=day.weekday())
