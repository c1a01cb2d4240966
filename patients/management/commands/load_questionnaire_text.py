"""Load a clinic's licensed item text for one outcome measure from a JSON file."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from clinic.models import Clinic
from patients.services import questionnaire_text_load


class Command(BaseCommand):
    help = (
        "Load licensed questionnaire item text for a clinic. FILE is a JSON object mapping "
        'item keys to text, e.g. {"section_1": "...", "section_2": "..."}. All or nothing.'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("clinic", help="Clinic name (or id).")
        parser.add_argument("measure", help="odi, rmdq, start_back, psfs or nprs.")
        parser.add_argument("file", help="Path to the JSON file.")

    def handle(self, *args, **options) -> None:
        name = options["clinic"]
        clinic = Clinic.objects.filter(name=name).first()
        if clinic is None and name.isdigit():
            clinic = Clinic.objects.filter(id=int(name)).first()
        if clinic is None:
            raise CommandError(f"No clinic named {name!r}.")
        try:
            with open(options["file"], encoding="utf-8") as fh:
                texts = json.load(fh)
        except OSError as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc.strerror}.") from None
        except json.JSONDecodeError as exc:
            raise CommandError(f"{options['file']} is not valid JSON: {exc}.") from None
        try:
            count = questionnaire_text_load(clinic=clinic, measure=options["measure"], texts=texts)
        except ValidationError as exc:
            lines = [f"{key}: {' '.join(msgs)}" for key, msgs in exc.message_dict.items()]
            raise CommandError("Nothing loaded.\n" + "\n".join(lines)) from None
        self.stdout.write(f"Loaded {count} item texts for {options['measure']} at {clinic}.")
