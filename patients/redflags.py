"""Pure red-flag screen: warning signs that need a doctor, not a walking program."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class RedFlagQuestion:
    key: str
    text: str
    # Possible cauda equina syndrome: a same-day emergency.
    emergency: bool


QUESTIONS: tuple[RedFlagQuestion, ...] = (
    RedFlagQuestion(
        "saddle_numbness",
        "Numbness or tingling around your bottom, genitals or inner thighs (the 'saddle' area)?",
        True,
    ),
    RedFlagQuestion(
        "bladder_bowel",
        "New difficulty passing urine, or loss of bladder or bowel control or feeling?",
        True,
    ),
    RedFlagQuestion("sexual_dysfunction", "New problems with sexual function?", True),
    RedFlagQuestion("both_legs", "Pain, numbness or pins and needles in both legs?", True),
    RedFlagQuestion("leg_weakness", "Weakness in your legs that is getting worse?", True),
    RedFlagQuestion("cancer_history", "Have you ever had cancer?", False),
    RedFlagQuestion("weight_loss", "Weight loss you cannot explain?", False),
    RedFlagQuestion("fever_unwell", "Fever, or generally feeling unwell?", False),
    RedFlagQuestion(
        "immunosuppression",
        "A weakened immune system, or have you ever injected drugs?",
        False,
    ),
    RedFlagQuestion("steroids", "Taking steroid tablets for a long time?", False),
    RedFlagQuestion("trauma", "Did the pain start after a fall, accident or other injury?", False),
    RedFlagQuestion(
        "night_pain", "Constant pain at night that does not ease when you change position?", False
    ),
    RedFlagQuestion("thoracic_pain", "Pain in the upper back, between the shoulder blades?", False),
)

QUESTION_KEYS = tuple(q.key for q in QUESTIONS)

EMERGENCY_ADVICE = (
    "Some of your answers can be signs of a rare but serious problem with the nerves in your "
    "lower back. Go to an emergency department or call emergency services now. Do not wait to "
    "see if it gets better. Your therapist has been alerted."
)
URGENT_ADVICE = (
    "Some of your answers mean a doctor should check your back before you carry on with the "
    "walking program. Please contact your doctor today. Your therapist has been alerted and "
    "your program will not increase until they have reviewed it."
)
CLEAR_ADVICE = "Thank you. None of the warning signs apply. Carry on with your walking program."


@dataclass(frozen=True)
class ScreenResult:
    positive_keys: tuple[str, ...]
    emergency: bool

    @property
    def positive(self) -> bool:
        return bool(self.positive_keys)

    @property
    def advice(self) -> str:
        if self.emergency:
            return EMERGENCY_ADVICE
        return URGENT_ADVICE if self.positive else CLEAR_ADVICE


def evaluate_screen(answers: Mapping[str, bool]) -> ScreenResult:
    """Any 'yes' is positive; a 'yes' to a cauda equina question is an emergency."""
    positive = tuple(q.key for q in QUESTIONS if answers.get(q.key) is True)
    emergency = any(q.emergency for q in QUESTIONS if q.key in positive)
    return ScreenResult(positive_keys=positive, emergency=emergency)


def describe(keys: tuple[str, ...]) -> str:
    texts = {q.key: q.text for q in QUESTIONS}
    return "; ".join(texts[k] for k in keys)
