"""Query counts that depend on the database: selectors with a one-statement PostgreSQL path."""

from django.db import connection

# programs.selectors.patient_today_summary
TODAY_SUMMARY_QUERIES = 1 if connection.vendor == "postgresql" else 3
