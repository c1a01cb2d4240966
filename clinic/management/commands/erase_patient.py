"""Erase a patient: remove their identity and free text, keep the report figures."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from clinic.patient_rights import patient_erase
from patients.models import Patient


class Command(BaseCommand):
    help = (
        "Irreversibly anonymise a patient (right to erasure). Figures in reports remain; "
        "names, contact details, date of birth (year kept) and free-text notes go."
    )

    def add_arguments(self, parser):
        parser.add_argument("patient_id", type=int)
        parser.add_argument(
            "--yes",
            "--noinput",
            "--no-input",
            action="store_true",
            dest="yes",
            help="Do not ask for confirmation.",
        )

    def handle(self, *args, patient_id: int, yes: bool, **options):
        patient = Patient.objects.select_related("user").filter(pk=patient_id).first()
        if patient is None:
            raise CommandError(f"No patient with id {patient_id}.")
        if not yes:
            answer = input(
                f"Erase patient {patient.pk} ({patient.display_name})? This cannot be undone. "
                "Type 'yes' to continue: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Erasure cancelled.")
        patient_erase(patient=patient)
        self.stdout.write(f"Erased patient {patient_id}.")
