"""Write all of one patient's data as JSON (right of access / portability); audited."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from clinic.audit import audit_record
from clinic.patient_rights import patient_export
from patients.models import Patient


class Command(BaseCommand):
    help = "Export all of a patient's data as JSON (to stdout or --output FILE)."

    def add_arguments(self, parser):
        parser.add_argument("patient_id", type=int)
        parser.add_argument("--output", help="Write to this file instead of stdout.")

    def handle(self, *args, patient_id: int, output: str | None, **options):
        patient = Patient.objects.select_related("user", "clinic").filter(pk=patient_id).first()
        if patient is None:
            raise CommandError(f"No patient with id {patient_id}.")
        text = json.dumps(patient_export(patient=patient), cls=DjangoJSONEncoder, indent=2)
        audit_record(
            action="export",
            patient=patient,
            obj=patient,
            detail={"command": "export_patient", "to_file": bool(output)},
        )
        if output:
            with open(output, "w", encoding="utf-8") as f:
                f.write(text + "\n")
            self.stdout.write(f"Wrote {output}.")
        else:
            self.stdout.write(text)
