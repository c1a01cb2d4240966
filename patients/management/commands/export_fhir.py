"""Print (or write) one patient's record as a FHIR R4 Bundle in JSON."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from patients.fhir import bundle_json, patient_bundle
from patients.models import Patient
from patients.selectors import patient_fhir_data


class Command(BaseCommand):
    help = "Export one patient's record as a FHIR R4 Bundle (JSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("patient_id", type=int, help="The patient's id.")
        parser.add_argument(
            "--output", "-o", help="Write the bundle to this file instead of standard output."
        )

    def handle(self, *args, **options) -> None:
        patient = Patient.objects.filter(pk=options["patient_id"]).first()
        if patient is None:
            raise CommandError(f"patient_id: no patient with id {options['patient_id']}.")
        body = bundle_json(patient_bundle(patient_fhir_data(patient=patient)))
        text = json.dumps(body, indent=2, ensure_ascii=False) + "\n"
        if not options["output"]:
            self.stdout.write(text, ending="")
            return
        path = Path(options["output"])
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"--output: cannot write {path}: {exc.strerror}.") from exc
        self.stderr.write(f"Wrote {len(body.get('entry', []))} resources to {path}.")
