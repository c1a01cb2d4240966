from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from fhir.resources.R4B.bundle import Bundle

from tests.factories import WalkingProgramFactory, WalkLogFactory

pytestmark = pytest.mark.django_db


def test_export_fhir_prints_the_patients_bundle():
    program = WalkingProgramFactory()
    WalkLogFactory(patient=program.patient, program=program)
    out = StringIO()

    call_command("export_fhir", str(program.patient_id), stdout=out)

    bundle = Bundle.model_validate(json.loads(out.getvalue()))
    assert bundle.id == f"walkrx-patient-{program.patient_id}"
    assert any(e.resource.id == f"program-{program.id}" for e in bundle.entry)


def test_export_fhir_writes_the_bundle_to_a_file(tmp_path):
    program = WalkingProgramFactory()
    target = tmp_path / "bundle.json"
    out, err = StringIO(), StringIO()

    call_command(
        "export_fhir", str(program.patient_id), "--output", str(target), stdout=out, stderr=err
    )

    assert out.getvalue() == ""
    bundle = Bundle.model_validate_json(target.read_text())
    assert bundle.entry[0].resource.id == f"patient-{program.patient_id}"
    assert str(target) in err.getvalue()


def test_export_fhir_refuses_an_unknown_patient():
    with pytest.raises(CommandError, match="no patient with id 999999"):
        call_command("export_fhir", "999999")
