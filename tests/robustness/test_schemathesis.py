"""Schemathesis against /api/schema/: generated requests as a patient and as a therapist.

Every operation x both roles x MAX_EXAMPLES examples (well over 1,000 requests): no 5xx and
none of schemathesis' default checks fails (status codes and bodies conform to the schema,
invalid data is refused, auth is not ignored, ...).
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck, settings
from schemathesis.config import PositiveDataAcceptanceConfig, SchemathesisConfig

from clinic.api.tokens import api_token_issue
from clinic.wsgi import application
from tests.factories import (
    AlertFactory,
    LessonAssignmentFactory,
    PainCheckInFactory,
    WalkingProgramFactory,
    WalkLogFactory,
)

MAX_EXAMPLES = 20
# positive_data_acceptance: these operations refuse some schema-valid requests with their
# documented 400 ({"field": [...]}) because of a rule no schema can state. Every other
# operation must accept every schema-valid request, and every default check runs.
BUSINESS_RULE_400 = {
    "auth_login_create": "wrong username or password",
    "me_walks_create": "started_at in the future or before the backdating window",
    "me_walks_partial_update": "the same rules, and only within 24 hours of logging",
    "me_walks_destroy": "only within 24 hours of logging",
    "me_pain_create": "a date in the future, or before the patient's program",
    "me_recurrence_create": "only in maintenance; the episode date within the month",
    "me_questionnaires_create": "the answers must match the measure's items",
    "me_steps_list": "'to' before 'from', or more than 366 days",
    "patients_steps_list": "'to' before 'from', or more than 366 days",
    "me_steps_import_create": "the file's contents must parse in the given format",
    "patients_steps_import_create": "the file's contents must parse in the given format",
    "patients_create": "a username already taken, a password the validators refuse",
    "patients_partial_update": "a therapist of another clinic",
    "patients_program_update": "a current program's start date cannot change",
    "patients_program_maintenance_create": "a day before the start or in the future",
    "patients_questionnaires_schedule_create": "measure and due_on unless defaults",
}
DEFAULT_ACCEPTED = PositiveDataAcceptanceConfig().expected_statuses
CONFIG = SchemathesisConfig.from_dict(
    {
        "operations": [
            {
                "include-operation-id": sorted(BUSINESS_RULE_400),
                "checks": {
                    "positive_data_acceptance": {"expected-statuses": [*DEFAULT_ACCEPTED, "400"]}
                },
            }
        ]
    }
)


def _load_schema():
    """The schema /api/schema/ serves (generated without a request, so no database)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    generated = SchemaGenerator().get_schema(request=None, public=True)
    raw = json.loads(OpenApiJsonRenderer().render(generated))
    loaded = schemathesis.openapi.from_dict(raw, config=CONFIG)
    loaded.app = application
    loaded.location = "/api/schema/"
    return loaded


schema = _load_schema()
SENT: Counter[str] = Counter()  # generated requests by role, reported by conftest.py


@pytest.fixture
def bearer(request, settings):
    """Bearer headers for a patient and their therapist, both with data; no throttling."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None, "login": None},
    }
    settings.AXES_ENABLED = False
    cache.clear()
    program = WalkingProgramFactory()
    patient = program.patient
    WalkLogFactory(patient=patient)
    PainCheckInFactory(patient=patient)
    AlertFactory(patient=patient)
    LessonAssignmentFactory(patient=patient)
    users = {"patient": patient.user, "therapist": patient.therapist.user}
    return {
        role: {"Authorization": f"Bearer {api_token_issue(user=user).raw}"}
        for role, user in users.items()
    }


# Real transactions, as in production: each request is its own ATOMIC_REQUESTS transaction
# (the login view is non-atomic so django-axes' failure records survive a 400).
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ["patient", "therapist"])
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_the_api_conforms_to_its_schema(case, role, bearer):
    SENT[role] += 1
    case.call_and_validate(headers=bearer[role])
