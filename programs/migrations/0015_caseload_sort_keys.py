"""Stored caseload sort keys (CaseloadSortKeys), and what keeps them honest on PostgreSQL.

Triggers on the four tables the figures are read from (walks, pain check-ins, programs,
target changes) add one to the patients' ``version`` in the same transaction as the
write, whatever wrote it: a service, a bulk statement of the daily watch, an admin
action or a COPY. They are statement-level with a transition table (one UPDATE a
statement, not a row) and lock the rows in patient order, so two writers cannot
deadlock on them. Rows are only updated, never inserted: a patient being deleted must not
get a row back. Every existing patient gets a row, stale until the refresh computes it.
Elsewhere (SQLite) there are no triggers and the sort reads no stored keys.
"""

import django.db.models.deletion
from django.db import migrations, models

_BUMP = """
CREATE FUNCTION walkrx_caseload_keys_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM programs_caseloadsortkeys
    WHERE patient_id IN (SELECT {patient} FROM changed {join})
    ORDER BY patient_id FOR NO KEY UPDATE;
    UPDATE programs_caseloadsortkeys SET version = version + 1
    WHERE patient_id IN (SELECT {patient} FROM changed {join});
    RETURN NULL;
END
$$
"""
_TABLES = {
    "programs_walklog": "walkrx_caseload_keys_bump_by_patient",
    "patients_paincheckin": "walkrx_caseload_keys_bump_by_patient",
    "programs_walkingprogram": "walkrx_caseload_keys_bump_by_patient",
    "programs_targetchange": "walkrx_caseload_keys_bump_by_program",
}
_FUNCTIONS = {
    "walkrx_caseload_keys_bump_by_patient": {"patient": "changed.patient_id", "join": ""},
    "walkrx_caseload_keys_bump_by_program": {
        "patient": "p.patient_id",
        "join": "JOIN programs_walkingprogram p ON p.id = changed.program_id",
    },
}
_EVENTS = {"insert": "NEW", "update": "NEW", "delete": "OLD"}


def _trigger(table: str, event: str) -> str:
    return f"{table}_caseload_keys_{event}"


def install(apps, schema_editor):
    Patient = apps.get_model("patients", "Patient")
    Keys = apps.get_model("programs", "CaseloadSortKeys")
    ids = Patient.objects.values_list("id", flat=True).iterator(chunk_size=2000)
    Keys.objects.bulk_create((Keys(patient_id=i) for i in ids), batch_size=2000)
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, parts in _FUNCTIONS.items():
        schema_editor.execute(
            _BUMP.format(**parts).replace("walkrx_caseload_keys_bump()", f"{name}()")
        )
    for table, function in _TABLES.items():
        for event, rows in _EVENTS.items():
            schema_editor.execute(
                f"CREATE TRIGGER {_trigger(table, event)} AFTER {event.upper()} ON {table} "
                f"REFERENCING {rows} TABLE AS changed "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in _TABLES:
        for event in _EVENTS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {_trigger(table, event)} ON {table}")
    for name in _FUNCTIONS:
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0007_alert_fillfactor"),
        ("programs", "0014_checkrun_drop_claim_column"),
    ]

    operations = [
        migrations.CreateModel(
            name="CaseloadSortKeys",
            fields=[
                (
                    "patient",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="caseload_sort_keys",
                        serialize=False,
                        to="patients.patient",
                    ),
                ),
                ("version", models.BigIntegerField(default=0)),
                ("computed_version", models.BigIntegerField(default=-1)),
                (
                    "as_of",
                    models.DateField(
                        help_text="The patient's local day of the figures.", null=True
                    ),
                ),
                ("adherence_ratio", models.FloatField(null=True)),
                ("pain_mean", models.FloatField(null=True)),
                ("pain_change", models.FloatField(null=True)),
                ("computed_at", models.DateTimeField(null=True)),
            ],
        ),
        migrations.RunPython(install, uninstall),
    ]
