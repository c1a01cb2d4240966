from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import pytest

from programs.imports import ImportFormatError, apple_health, parse_step_file
from programs.imports.apple_health import parse_apple_health

DATA = Path(__file__).parent / "data"
TZ = "Europe/London"


def parse(fmt: str, name: str, tz: str = TZ):
    with open(DATA / name, "rb") as f:
        return parse_step_file(fmt, f, tz_name=tz)


def steps_by_day(parsed) -> dict[str, int]:
    return {d.date.isoformat(): d.steps for d in parsed.days}


def test_apple_health_takes_the_larger_device_per_day_not_the_sum():
    parsed = parse("apple_health", "apple_health_export.xml")

    # 20 Nov: iPhone 1200+800, Watch 1500+900 worn together -> the Watch's 2400, not 4400.
    assert steps_by_day(parsed) == {"2026-11-20": 2400, "2026-11-21": 3000}
    assert {d.source for d in parsed.days} == {"apple_health"}


def test_apple_health_turns_walking_workouts_into_walks_and_ignores_cycling():
    parsed = parse("apple_health", "apple_health_export.xml")

    walks = sorted(parsed.workouts, key=lambda w: w.started_at)
    assert [(w.duration_minutes, w.distance_m) for w in walks] == [(32, 2400), (20, 1500)]
    assert walks[0].started_at.isoformat() == "2026-11-20T08:00:00+00:00"
    assert walks[0].external_id.startswith("apple_health:")
    assert walks[0].external_id != walks[1].external_id


def test_apple_health_days_are_the_patients_local_days():
    parsed = parse("apple_health", "apple_health_export.xml", tz="Pacific/Auckland")

    # 18:00 UTC on 20 Nov is 07:00 on 21 Nov in Auckland (UTC+13): the iPhone's
    # 800 + 3000 on the 21st beat the Watch's 900.
    assert steps_by_day(parsed) == {"2026-11-20": 1500, "2026-11-21": 3800}


def test_apple_health_rejects_broken_xml_naming_the_line():
    # Line 4 lacks its "/>": expat notices where line 5 begins.
    with pytest.raises(ImportFormatError, match=r"Line 5, column 1: .*not well-formed"):
        parse("apple_health", "apple_health_broken.xml")


def test_apple_health_rejects_a_bad_date_naming_the_record():
    with pytest.raises(ImportFormatError, match="Record 2: startDate '20/11/2026 08:01'"):
        parse("apple_health", "apple_health_bad_date.xml")


def test_apple_health_rejects_another_xml_document():
    with pytest.raises(ImportFormatError, match="not an Apple Health export"):
        parse_apple_health(io.BytesIO(b"<html><body/></html>"), tz_name=TZ)


def _big_export(path: Path, records: int) -> None:
    row = (
        ' <Record type="HKQuantityTypeIdentifierStepCount" sourceName="Synthetic iPhone" '
        'unit="count" startDate="2026-{m:02d}-{d:02d} 08:{mi:02d}:00 +0000" '
        'endDate="2026-{m:02d}-{d:02d} 08:{mi:02d}:30 +0000" value="3">'
        '<MetadataEntry key="HKMetadataKeySyncVersion" value="1"/></Record>\n'
    )
    with open(path, "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_GB">\n')
        for i in range(records):
            f.write(row.format(m=1 + (i // 28) % 12, d=1 + i % 28, mi=i % 60))
        f.write("</HealthData>\n")


def test_apple_health_streams_a_large_export_clearing_elements(tmp_path, monkeypatch):
    path = tmp_path / "export.xml"
    _big_export(path, 200_000)  # ~45 MB on disk
    held = []

    def watching_iterparse(source, events):
        for event, elem in ElementTree.iterparse(source, events=events):  # noqa: S314
            if not held:
                held.append(elem)  # the root
            held.append(len(held[0]))  # children the root still holds
            yield event, elem

    monkeypatch.setattr(apple_health, "iterparse", watching_iterparse)
    with open(path, "rb") as f:
        parsed = parse_apple_health(f, tz_name="UTC")

    assert sum(d.steps for d in parsed.days) == 600_000
    # Finished records are dropped: the root holds at most the records of one read
    # buffer (expat parses in chunks), never the 200,000 of the file.
    assert max(held[1:]) < 500


def test_fitbit_json_sums_minutes_per_day():
    parsed = parse("fitbit_json", "fitbit_steps.json")

    assert steps_by_day(parsed) == {"2026-11-20": 200, "2026-11-21": 45}
    assert {d.source for d in parsed.days} == {"fitbit"}


def test_fitbit_json_rejects_negative_steps_naming_the_entry():
    with pytest.raises(ImportFormatError, match="Entry 2: steps cannot be negative"):
        parse("fitbit_json", "fitbit_steps_negative.json")


def test_fitbit_csv_reads_the_activities_export_with_thousands_separators():
    parsed = parse("fitbit_csv", "fitbit_activities.csv")

    assert steps_by_day(parsed) == {"2026-11-19": 6540, "2026-11-20": 8123}


def test_fitbit_csv_rejects_a_file_without_a_steps_column():
    with pytest.raises(ImportFormatError, match="Date and Steps"):
        parse_step_file("fitbit_csv", io.BytesIO(b"Date,Calories\n2026-11-20,2000\n"), tz_name=TZ)


def test_generic_csv_reads_steps_and_makes_a_walk_from_minutes():
    parsed = parse("csv", "steps.csv")

    assert steps_by_day(parsed) == {"2026-11-19": 5400, "2026-11-20": 7100, "2026-11-21": 3050}
    [walk] = parsed.workouts
    assert (walk.external_id, walk.duration_minutes) == ("csv:2026-11-20", 25)
    assert walk.started_at.isoformat() == "2026-11-20T12:00:00+00:00"


def test_generic_csv_rejects_a_bad_date_naming_the_line():
    with pytest.raises(ImportFormatError, match="Line 3: date '2026-13-40'"):
        parse("csv", "steps_bad_date.csv")


def test_generic_csv_rejects_negative_steps_naming_the_line():
    with pytest.raises(ImportFormatError, match="Line 3: steps cannot be negative"):
        parse("csv", "steps_negative.csv")


def test_generic_csv_rejects_a_day_listed_twice():
    data = b"date,steps\n2026-11-20,10\n2026-11-20,20\n"

    with pytest.raises(ImportFormatError, match="Line 3: 2026-11-20 appears twice"):
        parse_step_file("csv", io.BytesIO(data), tz_name=TZ)


def test_fhir_takes_the_larger_of_interval_sum_and_daily_total():
    parsed = parse("fhir", "fhir_steps_bundle.json")

    # 20 Nov: intervals 2500+1500 = 4000 vs a 24-hour 3800; heart rate and the
    # entered-in-error observation on 22 Nov are ignored.
    assert steps_by_day(parsed) == {"2026-11-20": 4000, "2026-11-21": 6100}


def test_fhir_rejects_an_observation_without_a_value():
    with pytest.raises(ImportFormatError, match=r"Bundle.entry\[3\]: needs valueQuantity.value"):
        parse("fhir", "fhir_steps_missing_value.json")


def test_fhir_rejects_something_that_is_not_a_bundle():
    with pytest.raises(ImportFormatError, match="Expected a FHIR Bundle"):
        parse_step_file("fhir", io.BytesIO(b'{"resourceType": "Patient"}'), tz_name=TZ)


def test_parse_step_file_rejects_an_unknown_format():
    with pytest.raises(ImportFormatError, match="Unknown format 'gpx'"):
        parse_step_file("gpx", io.BytesIO(b""), tz_name=TZ)


def test_day_records_carry_dates():
    parsed = parse("csv", "steps.csv")

    assert parsed.days[0].date == date(2026, 11, 19)
