from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from clinic.selectors import program_templates_visible_to
from programs.models import ProgramTemplate
from tests.factories import TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_therapist_sees_shared_and_own_clinic_templates_only():
    therapist = TherapistFactory()
    own = ProgramTemplate.objects.create(clinic=therapist.clinic, name="Own")
    ProgramTemplate.objects.create(clinic=TherapistFactory().clinic, name="Theirs")

    visible = set(program_templates_visible_to(therapist.user))

    assert visible == {own, *ProgramTemplate.objects.filter(clinic=None)}


def test_non_therapists_see_no_templates():
    assert program_templates_visible_to(AnonymousUser()).count() == 0
    assert program_templates_visible_to(UserFactory()).count() == 0


def test_a_superuser_sees_every_template():
    ProgramTemplate.objects.create(clinic=TherapistFactory().clinic, name="Theirs")

    visible = program_templates_visible_to(UserFactory(is_superuser=True))

    assert visible.count() == ProgramTemplate.objects.count()
