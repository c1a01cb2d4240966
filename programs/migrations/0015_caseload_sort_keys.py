"""Stored caseload sort keys (CaseloadSortKeys), and what keeps them honest on PostgreSQL.

Triggers on the four tables the figures are read from (walks, pain check-ins, programs,
target changes) add one to the patients' ``version`` in the same transaction as the
write, whatever wrote it: a service, a bulk statement of the daily watch, an admin
action, a COPY or a TRUNCATE, where the write can change a figure (see _BY_PROGRAM and
_BY_TARGET: the daily progression's new minutes cannot). They are statement-level with
transition tables (one UPDATE a statement, not a row; an update counts the rows' old
patients and new), and lock the rows in patient order, so two statements cannot deadlock
on them (transactions of several statements still can, on these as on any rows, and are
retried). Read committed isolation (the default) is assumed throughout. They never insert a row: a patient being deleted must not get one back. A row is
made by the trigger on patients, in the patient's own insert, so no write to a patient can
come before their row. Every existing patient gets a row here, stale until the refresh
computes it. Elsewhere (SQLite) there are no triggers and no rows: the sort computes the
figures each time.
"""

import django.db.models.deletion
from django.db import migrations, models

LOCK_TIMEOUT = "5s"  # give up rather than queue every writer behind a long transaction
FILLFACTOR = 50  # room for the version's updates on the same page (as programs/0013)

_BUMP_IDS = """
CREATE FUNCTION walkrx_caseload_keys_bump(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM programs_caseloadsortkeys WHERE patient_id = ANY(ids)
    ORDER BY patient_id FOR NO KEY UPDATE;
    UPDATE programs_caseloadsortkeys SET version = version + 1 WHERE patient_id = ANY(ids);
END
$$
"""
# Each trigger function bumps the patients of a statement's rows ("changed"; on update
# also "old_rows") whose write can change a figure; TRUNCATE bumps everyone.
_TRIGGER_FUNCTION = """
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM walkrx_caseload_keys_bump(ARRAY(SELECT patient_id FROM programs_caseloadsortkeys));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM walkrx_caseload_keys_bump(ARRAY({updated}));
    ELSE
        {before_written}
        PERFORM walkrx_caseload_keys_bump(ARRAY({written}));
    END IF;
    RETURN NULL;
END
$$
"""
# Walks and check-ins: every write.
_BY_PATIENT = {
    "updated": "SELECT patient_id FROM changed UNION SELECT patient_id FROM old_rows",
    "before_written": "",
    "written": "SELECT patient_id FROM changed",
}
# Programs: an update counts only if it changes what the figures read of a program (which
# is current, the days it prescribes, indoor marching); progression's new minutes do not.
# Rows are paired by id; a row whose id changed has no pair and counts on both sides.
_BY_PROGRAM = {
    "updated": """
        SELECT unnest(ARRAY[n.patient_id, o.patient_id])
        FROM changed n FULL JOIN old_rows o ON o.id = n.id
        WHERE n.id IS NULL OR o.id IS NULL
           OR (n.patient_id, n.status, n.start_date, n.end_date, n.indoor_allowed)
              IS DISTINCT FROM (o.patient_id, o.status, o.start_date, o.end_date,
                                o.indoor_allowed)""",
    "before_written": "",
    "written": "SELECT patient_id FROM changed",
}
# Target changes: the figures read sessions a day and days a week. A change inserted or
# deleted with the values of the change before it (progression's new minutes) changes no
# day's target. That "before it" must not move under the comparison: the programs are
# locked first (their writers in the app hold that lock already), so two transactions
# adding changes to one program compare in turn, each seeing the other's committed rows.
_BY_TARGET = {
    "updated": """
        SELECT p.patient_id
        FROM changed n FULL JOIN old_rows o ON o.id = n.id
        JOIN programs_walkingprogram p ON p.id IN (n.program_id, o.program_id)
        WHERE n.id IS NULL OR o.id IS NULL
           OR (n.program_id, n.effective_on, n.sessions_per_day, n.days_per_week)
              IS DISTINCT FROM (o.program_id, o.effective_on, o.sessions_per_day,
                                o.days_per_week)""",
    "before_written": """PERFORM 1 FROM programs_walkingprogram
        WHERE id IN (SELECT program_id FROM changed) ORDER BY id FOR NO KEY UPDATE;""",
    "written": """
        SELECT p.patient_id
        FROM changed c JOIN programs_walkingprogram p ON p.id = c.program_id
        LEFT JOIN LATERAL (
            SELECT t.sessions_per_day, t.days_per_week FROM programs_targetchange t
            WHERE t.program_id = c.program_id
              AND (t.effective_on < c.effective_on
                   OR (t.effective_on = c.effective_on AND t.id < c.id))
            ORDER BY t.effective_on DESC, t.id DESC
            LIMIT 1
        ) previous ON true
        WHERE (c.sessions_per_day, c.days_per_week)
              IS DISTINCT FROM (previous.sessions_per_day, previous.days_per_week)""",
}
_FUNCTIONS = {
    "walkrx_caseload_keys_by_patient": _BY_PATIENT,
    "walkrx_caseload_keys_by_program": _BY_PROGRAM,
    "walkrx_caseload_keys_by_target": _BY_TARGET,
}
_TABLES = {
    "programs_walklog": "walkrx_caseload_keys_by_patient",
    "patients_paincheckin": "walkrx_caseload_keys_by_patient",
    "programs_walkingprogram": "walkrx_caseload_keys_by_program",
    "programs_targetchange": "walkrx_caseload_keys_by_target",
}
# Event: its transition tables.
_EVENTS = {
    "insert": "REFERENCING NEW TABLE AS changed FOR EACH STATEMENT",
    "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS changed FOR EACH STATEMENT",
    "delete": "REFERENCING OLD TABLE AS changed FOR EACH STATEMENT",
    "truncate": "FOR EACH STATEMENT",
}
_NEW_PATIENTS = """
CREATE FUNCTION walkrx_caseload_keys_create() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO programs_caseloadsortkeys (patient_id, version, computed_version)
    SELECT id, 0, -1 FROM changed ON CONFLICT (patient_id) DO NOTHING;
    RETURN NULL;
END
$$
"""
_PATIENT_TRIGGER = "patients_patient_caseload_keys_insert"


def _trigger(table: str, event: str) -> str:
    return f"{table}_caseload_keys_{event}"


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    execute = schema_editor.execute
    execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    execute(f"ALTER TABLE programs_caseloadsortkeys SET (fillfactor = {FILLFACTOR})")
    # The patients' trigger first: a patient added while this runs gets a row either way.
    execute(_NEW_PATIENTS)
    execute(
        f"CREATE TRIGGER {_PATIENT_TRIGGER} AFTER INSERT ON patients_patient "
        "REFERENCING NEW TABLE AS changed FOR EACH STATEMENT "
        "EXECUTE FUNCTION walkrx_caseload_keys_create()"
    )
    execute(
        "INSERT INTO programs_caseloadsortkeys (patient_id, version, computed_version) "
        "SELECT id, 0, -1 FROM patients_patient ON CONFLICT (patient_id) DO NOTHING"
    )
    execute(_BUMP_IDS)
    for name, patients in _FUNCTIONS.items():
        execute(_TRIGGER_FUNCTION.format(name=name, **patients))
    for table, function in _TABLES.items():
        for event, referencing in _EVENTS.items():
            execute(
                f"CREATE TRIGGER {_trigger(table, event)} AFTER {event.upper()} ON {table} "
                f"{referencing} EXECUTE FUNCTION {function}()"
            )


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {_PATIENT_TRIGGER} ON patients_patient")
    for table in _TABLES:
        for event in _EVENTS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {_trigger(table, event)} ON {table}")
    for name in [*_FUNCTIONS, "walkrx_caseload_keys_create"]:
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")
    schema_editor.execute("DROP FUNCTION IF EXISTS walkrx_caseload_keys_bump(bigint[])")


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
