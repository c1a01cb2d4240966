"""Turn a stored report's figures (WeeklyReport.data) into HTML, CSV and PDF."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.template.loader import render_to_string

from clinic.report_queries import REPORT_OUTCOME_MEASURES
from clinic.reports import TrendPoint, bar_chart, sparkline, step_curve
from patients.questionnaires import measure_for

CSV_COLUMNS = [
    ("patient", "name"),
    ("time_zone", "timezone"),
    ("sessions_done", "sessions_done"),
    ("sessions_prescribed", "sessions_prescribed"),
    ("minutes_walked", "minutes_walked"),
    ("minutes_prescribed", "minutes_prescribed"),
    ("adherence_percent", "adherence_percent"),
    ("active_days", "active_days"),
    ("walks", "walks"),
    ("brisk_percent", "brisk_percent"),
    ("pain_start", "pain_start"),
    ("pain_end", "pain_end"),
    ("pain_change", "pain_change"),
    ("pain_mcid", "pain_flag"),
    ("pain_improved_30pct", "pain_improved"),
    ("flare_ups", "flare_ups"),
    ("alerts_opened", "alerts_opened"),
    ("alerts_open", "alerts_open"),
    ("program_change", "program_change"),
    ("needs_attention", "attention"),
    ("steps", "steps"),
]
OUTCOME_CSV_FIELDS = ("answered_on", "latest", "change", "mcid")
_MCID_NOTES = {"better": ", MCID met", "worse": ", worse by the MCID", "": ""}


def _number(value: float) -> str:
    """42.0 -> '42', 42.22 -> '42.2'."""
    return f"{round(value, 1):g}"


def outcome_mcid(outcome: dict) -> str:
    """'better' or 'worse' when the change from baseline reaches the MCID, else ''."""
    if not outcome["crossed_mcid"]:
        return ""
    return "better" if outcome["improved"] else "worse"


def outcome_text(outcome: dict) -> str:
    """'ODI 42 → 28 (\u221214, MCID met)': baseline, latest score, change from baseline."""
    change = outcome["change"]
    sign = "+" if change > 0 else "\u2212" if change < 0 else "±"
    note = _MCID_NOTES[outcome_mcid(outcome)]
    return (
        f"{outcome['measure'].upper()} {_number(outcome['score'] - change)} \u2192 "
        f"{_number(outcome['score'])} ({sign}{_number(abs(change))}{note})"
    )


def outcome_columns(row: dict) -> list:
    """The CSV cells of each report measure; empty when the patient has no response."""
    by_measure = {o["measure"]: o for o in row.get("outcomes", [])}
    cells = []
    for measure in REPORT_OUTCOME_MEASURES:
        o = by_measure.get(measure)
        cells += (
            [o["answered_on"], _number(o["score"]), _number(o["change"]), outcome_mcid(o)]
            if o
            else [""] * len(OUTCOME_CSV_FIELDS)
        )
    return cells


def outcome_counts(rows: list[dict]) -> dict:
    """Patients with an ODI/RMDQ response, and those whose change reached the MCID."""
    verdicts = [{outcome_mcid(o) for o in row.get("outcomes", [])} for row in rows]
    return {
        "responded": sum(1 for row in rows if row.get("outcomes")),
        "better": sum(1 for v in verdicts if "better" in v),
        "worse": sum(1 for v in verdicts if "worse" in v),
    }


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return value


def csv_header() -> list[str]:
    return [header for header, _ in CSV_COLUMNS] + [
        f"{measure}_{name}" for measure in REPORT_OUTCOME_MEASURES for name in OUTCOME_CSV_FIELDS
    ]


def render_csv(data: dict) -> str:
    """One row per patient, in attention order, with a header row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(csv_header())
    for row in data["patients"]:
        # Reports stored before a column existed leave it empty.
        writer.writerow([_cell(row.get(key)) for _, key in CSV_COLUMNS] + outcome_columns(row))
    return out.getvalue()


def report_context(data: dict) -> dict:
    """The template context: the figures plus the chart and sparkline geometry."""
    trend = [TrendPoint(**p) for p in data["trend"]]
    return {
        "report": data,
        "chart": bar_chart(trend, target=100 * data["thresholds"]["adherent_ratio"]),
        "rows": [
            (row, sparkline(row["weekly_adherence"]), _outcome_texts(row))
            for row in data["patients"]
        ],
        "outcomes": outcome_counts(data["patients"]),
        "outcome_mcids": [_mcid_label(m) for m in REPORT_OUTCOME_MEASURES],
        "recurrence_curve": _recurrence_curve(data.get("recurrence")),
    }


def _outcome_texts(row: dict) -> list[tuple[str, str]]:
    return [(outcome_text(o), outcome_mcid(o)) for o in row.get("outcomes", [])]


def _mcid_label(key: str) -> str:
    """'ODI 10 points', 'RMDQ 5 points or 30%'."""
    m = measure_for(key)
    text = f"{key.upper()} {_number(m.mcid_points)} points"
    return text + (f" or {round(100 * m.mcid_percent)}%" if m.mcid_percent else "")


def _recurrence_curve(recurrence: dict | None):
    """The clinic's days-to-first-recurrence curve (reports stored before it have none)."""
    if not recurrence or not recurrence["points"]:
        return None
    return step_curve(
        [(p["day"], p["survival"]) for p in recurrence["points"]],
        median_days=recurrence["median_days"],
    )


def render_html(data: dict) -> str:
    return render_to_string("clinic/reports/weekly_report.html", report_context(data))


def render_pdf(html: str) -> bytes:
    """The report as PDF (WeasyPrint; Pango and Cairo come from the system)."""
    from weasyprint import HTML

    return HTML(string=html).write_pdf()
