"""Turn a stored report's figures (WeeklyReport.data) into HTML, CSV and PDF."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.template.loader import render_to_string

from clinic.reports import TrendPoint, bar_chart, sparkline, step_curve

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


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return value


def render_csv(data: dict) -> str:
    """One row per patient, in attention order, with a header row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header for header, _ in CSV_COLUMNS])
    for row in data["patients"]:
        writer.writerow([_cell(row[key]) for _, key in CSV_COLUMNS])
    return out.getvalue()


def report_context(data: dict) -> dict:
    """The template context: the figures plus the chart and sparkline geometry."""
    trend = [TrendPoint(**p) for p in data["trend"]]
    return {
        "report": data,
        "chart": bar_chart(trend, target=100 * data["thresholds"]["adherent_ratio"]),
        "rows": [(row, sparkline(row["weekly_adherence"])) for row in data["patients"]],
        "recurrence_curve": _recurrence_curve(data.get("recurrence")),
    }


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
