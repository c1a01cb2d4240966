"""The rendered weekly report (HTML, PDF, CSV, email) shows ODI/RMDQ changes and steps."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from clinic.report_render import outcome_text, render_csv, render_html, render_pdf
from clinic.services import weekly_report_build, weekly_report_email
from patients.services import questionnaire_response_record
from programs.models import DailySteps
from tests.clinic.report_clinic import MONDAY, day, small_clinic

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 7, tzinfo=UTC)
BASELINE_DAY = datetime(2026, 10, 20, 12, tzinfo=UTC)
FOLLOW_UP_DAY = datetime(2026, 11, 18, 12, tzinfo=UTC)
MINUS, DASH = "\u2212", "\u2013"  # what the report prints, not ASCII hyphens


def odi(value):
    return {f"section_{n}": value for n in range(1, 11)}


def rmdq(yes):
    return {f"item_{n}": n <= yes for n in range(1, 25)}


def answer(patient, measure, answers, when):
    questionnaire_response_record(patient=patient, measure=measure, answers=answers, now=when)


@pytest.fixture
def clinic():
    """Ada: ODI 60 -> 40 (MCID met). Dev: RMDQ 6 -> 12 (worse by the MCID). Ben: none."""
    clinic = small_clinic()
    answer(clinic.ada, "odi", odi(3), BASELINE_DAY)
    answer(clinic.ada, "odi", odi(2), FOLLOW_UP_DAY)
    answer(clinic.dev, "rmdq", rmdq(6), BASELINE_DAY)
    answer(clinic.dev, "rmdq", rmdq(12), FOLLOW_UP_DAY)
    return clinic


def build(clinic):
    return weekly_report_build(therapist=clinic.therapist, week_start=MONDAY, now=NOW)


def html_cell(html: str, name: str, css_class: str) -> str:
    """The inner HTML of one patient's cell."""
    row = next(r for r in html.split("<tr>") if f"<b>{name}</b>" in r)
    return re.search(rf'<td class="{css_class}">(.*?)</td>', row)[1]


def csv_rows(data) -> dict[str, dict[str, str]]:
    rows = list(csv.reader(io.StringIO(render_csv(data))))
    return {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}


def test_the_html_shows_baseline_latest_change_and_mcid(clinic):
    html = build(clinic).html

    assert html_cell(html, "Ada Test", "outcomes") == (
        f'<span class="flag-better">ODI 60 → 40 ({MINUS}20, MCID met)</span>'
    )
    assert html_cell(html, "Dev Test", "outcomes") == (
        '<span class="flag-worse">RMDQ 6 → 12 (+6, worse by the MCID)</span>'
    )


def test_the_html_shows_a_dash_for_a_patient_without_responses(clinic):
    assert (
        html_cell(build(clinic).html, "Ben Test", "outcomes")
        == f'<span class="muted">{DASH}</span>'
    )


def test_the_html_counts_patients_whose_change_reached_the_mcid(clinic):
    html = build(clinic).html

    assert (
        "<b>1</b> of 2 patients with an ODI or RMDQ response improved by at least the MCID;"
        " <b>1</b> worsened by it."
    ) in html


def test_the_html_footnote_names_each_mcid(clinic):
    assert "ODI 10 points; RMDQ 5 points or 30%" in build(clinic).html


def test_the_csv_has_the_latest_change_and_mcid_of_each_measure(clinic):
    rows = csv_rows(build(clinic).data)

    ada, dev, ben = rows["Ada Test"], rows["Dev Test"], rows["Ben Test"]
    assert [ada[f"odi_{c}"] for c in ("answered_on", "latest", "change", "mcid")] == [
        "2026-11-18",
        "40",
        "-20",
        "better",
    ]
    assert [dev[f"rmdq_{c}"] for c in ("answered_on", "latest", "change", "mcid")] == [
        "2026-11-18",
        "12",
        "6",
        "worse",
    ]
    assert [ada[f"rmdq_{c}"] for c in ("answered_on", "latest", "change", "mcid")] == [""] * 4
    assert [ben[f"odi_{c}"] for c in ("answered_on", "latest", "change", "mcid")] == [""] * 4


def test_a_change_short_of_the_mcid_is_shown_without_a_verdict():
    outcome = {
        "measure": "odi",
        "answered_on": "2026-11-18",
        "score": 36.0,
        "change": -6.0,
        "improved": True,
        "crossed_mcid": False,
    }

    assert outcome_text(outcome) == f"ODI 42 → 36 ({MINUS}6)"


def test_a_baseline_only_response_shows_no_change():
    outcome = {
        "measure": "rmdq",
        "answered_on": "2026-11-18",
        "score": 7.0,
        "change": 0.0,
        "improved": False,
        "crossed_mcid": False,
    }

    assert outcome_text(outcome) == "RMDQ 7 → 7 (±0)"


def test_the_pdf_shows_the_outcome_cell(clinic):
    pdf = PdfReader(io.BytesIO(render_pdf(build(clinic).html)))

    text = " ".join(page.extract_text() for page in pdf.pages)
    assert f"ODI 60 → 40 ({MINUS}20, MCID met)" in text


def test_the_email_text_counts_patients_whose_change_reached_the_mcid(clinic):
    body = weekly_report_email(report=build(clinic)).body

    assert (
        "ODI/RMDQ: 1 of 2 patients with a response improved by at least the MCID; 1 worsened by it"
        in body
    )


def test_steps_appear_in_the_html_pdf_and_csv():
    clinic = small_clinic()
    DailySteps.objects.create(patient=clinic.ada, date=day(1), source="csv", steps=4321)
    DailySteps.objects.create(patient=clinic.ada, date=day(2), source="fitbit", steps=1000)
    report = build(clinic)

    assert html_cell(report.html, "Ada Test", "num steps") == "5321"
    assert html_cell(report.html, "Ben Test", "num steps") == DASH
    assert csv_rows(report.data)["Ada Test"]["steps"] == "5321"
    pdf = PdfReader(io.BytesIO(render_pdf(report.html)))
    assert "5321" in " ".join(page.extract_text() for page in pdf.pages)


def test_a_report_stored_before_outcomes_and_steps_still_renders(clinic):
    data = build(clinic).data
    for row in data["patients"]:
        del row["outcomes"], row["steps"]

    html = render_html(data)

    assert html_cell(html, "Ada Test", "outcomes") == f'<span class="muted">{DASH}</span>'
    assert "No ODI or RMDQ responses on this caseload yet." in html
    ada = csv_rows(data)["Ada Test"]
    assert (ada["steps"], ada["odi_latest"], ada["odi_mcid"]) == ("", "", "")
