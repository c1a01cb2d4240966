"""The patient's flare-up plan (shared domain notes, "Flare-ups")."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlanStep:
    key: str
    title: str
    text: str


FLARE_UP_PLAN: tuple[PlanStep, ...] = (
    PlanStep(
        "reassurance",
        "This is usually a temporary irritation",
        "Flare-ups are common. A flare-up is usually a temporary irritation of your back, "
        "not a sign of new damage.",
    ),
    PlanStep(
        "pace",
        "Pace yourself",
        "Take shorter, more frequent walks at an easy pace instead of one long one. Several "
        "5-minute walks are fine. Marching in place indoors counts.",
    ),
    PlanStep(
        "rest",
        "Rest when you need to",
        "Short rests are fine. Change position often rather than sitting or lying still for long.",
    ),
    PlanStep(
        "gentle_movement",
        "Keep gently moving",
        "Gentle movement helps more than bed rest. Build back up as the pain settles.",
    ),
    PlanStep(
        "body_mechanics",
        "Mind your body mechanics",
        "Bend your knees rather than your back, move your feet instead of twisting, keep loads "
        "close to your body and avoid reaching.",
    ),
    PlanStep(
        "call_clinic",
        "When to call the clinic",
        "Call your clinic if the pain is not settling after a few days, keeps getting worse, "
        "or stops you sleeping. Get emergency help at once for numbness around your bottom or "
        "genitals, new trouble passing urine or controlling your bladder or bowel, or "
        "weakness in your legs.",
    ),
)
