"""Create a therapist (and their clinic if new), like createsuperuser."""

from __future__ import annotations

import os
from getpass import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from clinic.services import therapist_create

PASSWORD_ENV = "THERAPIST_PASSWORD"  # noqa: S105 - the variable's name, not a password


class Command(BaseCommand):
    help = (
        "Create a staff user in the Therapists group with a Therapist record, creating the "
        f"clinic if needed. With --noinput the password is read from ${PASSWORD_ENV}."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--clinic", required=True, help="Clinic name (created if new).")
        parser.add_argument("--email", default="")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--timezone", default=None, help="IANA time zone of a new clinic (default UTC)."
        )
        parser.add_argument(
            "--clinic-admin", action="store_true", help="May see the whole clinic's reports."
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help=f"Do not prompt; read the password from ${PASSWORD_ENV}.",
        )

    def handle(self, *args, **options) -> None:
        password = self._password(options["interactive"])
        try:
            therapist = therapist_create(
                username=options["username"],
                clinic_name=options["clinic"],
                password=password,
                email=options["email"],
                first_name=options["first_name"],
                last_name=options["last_name"],
                timezone_name=options["timezone"],
                is_clinic_admin=options["clinic_admin"],
            )
        except ValidationError as exc:
            raise CommandError(_describe(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Created therapist {therapist.user.username} at {therapist.clinic.name} "
                f"({therapist.clinic.timezone})."
            )
        )

    def _password(self, interactive: bool) -> str:
        if not interactive:
            password = os.environ.get(PASSWORD_ENV, "")
            if not password:
                raise CommandError(f"Set {PASSWORD_ENV} to use --noinput.")
            return password
        while True:
            password = getpass("Password: ")
            if not password:
                self.stderr.write("Error: Blank passwords aren't allowed.")
                continue
            if getpass("Password (again): ") != password:
                self.stderr.write("Error: Your passwords didn't match.")
                continue
            return password


def _describe(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)
