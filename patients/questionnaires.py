"""Outcome measures (PROMs): item definitions and published scoring. Pure, no database.

Measures and their scoring (see docs in README "Outcome measures"):

- ODI (Oswestry Disability Index): 10 sections scored 0-5. Score = sum / (5 x sections
  answered) x 100 %. Missing sections are allowed, but at least 8 of 10 must be answered
  (a house rule: fewer answered sections make the percentage unreliable). Bands: <=20 minimal,
  <=40 moderate, <=60 severe, <=80 crippled, above bed-bound (a non-integer score such as
  20.5 % falls in the higher band). MCID 10 points.
- RMDQ (Roland-Morris): 24 yes/no items; score = number of "yes" (0-24). MCID 5 points or 30 %.
- STarT Back: items 1-8 agree (1) / disagree (0); item 9 bothersomeness 0-4 (0 not at all,
  1 slightly, 2 moderately, 3 very much, 4 extremely), positive = 3 or 4. Total 0-9;
  psychosocial subscale = items 5-9 (0-5). High risk: subscale >= 4; medium: total >= 4
  and subscale <= 3; low: total <= 3. No MCID is published: a change never "crosses" one.
- PSFS (Patient-Specific Functional Scale): 3-5 activities chosen by the patient, each 0-10
  (0 unable, 10 able as before the problem); score = mean. MCID 2 points. Higher is better.
- NPRS: one item 0-10. MCID 2 points or 30 %.

The 30 % criteria apply to improvement only (a 30 % rise from a low baseline is a trivial
number of points); the point thresholds apply in both directions.

Item text: ODI, RMDQ and STarT Back wording is licensed, so only neutral placeholder prompts
ship here; a clinic loads its licensed text as data (QuestionnaireText). NPRS and PSFS text
is free to use and ships in full.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ODI = "odi"
RMDQ = "rmdq"
START_BACK = "start_back"
PSFS = "psfs"
NPRS = "nprs"

ODI_MIN_ANSWERED = 8
PSFS_MIN_ACTIVITIES = 3
PSFS_MAX_ACTIVITY_LENGTH = 100


@dataclass(frozen=True)
class Item:
    """One question: its key, placeholder or free text, and the answer range."""

    key: str
    prompt: str
    kind: str  # "scale" (integer min..max), "yes_no" (true/false) or "activity" (PSFS)
    min_value: int
    max_value: int
    required: bool = True
    anchors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Measure:
    key: str
    name: str
    items: tuple[Item, ...]
    lower_is_better: bool
    mcid_points: float | None
    mcid_percent: float | None  # improvement relative to baseline, 0.3 = 30 %
    text_licensed: bool
    max_score: float

    @property
    def item_keys(self) -> tuple[str, ...]:
        return tuple(item.key for item in self.items)


@dataclass(frozen=True)
class Score:
    measure: str
    score: float
    band: str  # ODI band, NPRS band, STarT Back risk group; "" where none is published
    items_answered: int
    subscale: int | None = None  # STarT Back psychosocial subscale


@dataclass(frozen=True)
class Change:
    """Current minus baseline, and whether it reaches the measure's MCID."""

    change: float
    improved: bool
    worsened: bool
    crossed_mcid: bool


class AnswerError(ValueError):
    """Bad or missing answers; ``errors`` maps each item key (or "answers") to a message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


ODI_ANCHORS = ("0", "1", "2", "3", "4", "5")
NPRS_ANCHORS = ("0 = no pain", "10 = worst pain imaginable")
START_BOTHER_ANCHORS = ("Not at all", "Slightly", "Moderately", "Very much", "Extremely")

MEASURES: dict[str, Measure] = {
    ODI: Measure(
        key=ODI,
        name="Oswestry Disability Index",
        items=tuple(
            Item(f"section_{n}", f"ODI section {n}", "scale", 0, 5, required=False)
            for n in range(1, 11)
        ),
        lower_is_better=True,
        mcid_points=10,
        mcid_percent=None,
        text_licensed=True,
        max_score=100,
    ),
    RMDQ: Measure(
        key=RMDQ,
        name="Roland-Morris Disability Questionnaire",
        items=tuple(Item(f"item_{n}", f"RMDQ item {n}", "yes_no", 0, 1) for n in range(1, 25)),
        lower_is_better=True,
        mcid_points=5,
        mcid_percent=0.3,
        text_licensed=True,
        max_score=24,
    ),
    START_BACK: Measure(
        key=START_BACK,
        name="STarT Back Screening Tool",
        items=(
            *(
                Item(f"item_{n}", f"STarT Back item {n} (agree?)", "yes_no", 0, 1)
                for n in range(1, 9)
            ),
            Item(
                "item_9",
                "STarT Back item 9 (bothersomeness)",
                "scale",
                0,
                4,
                anchors=START_BOTHER_ANCHORS,
            ),
        ),
        lower_is_better=True,
        mcid_points=None,
        mcid_percent=None,
        text_licensed=True,
        max_score=9,
    ),
    PSFS: Measure(
        key=PSFS,
        name="Patient-Specific Functional Scale",
        items=tuple(
            Item(
                f"activity_{n}",
                f"Activity {n}: name an activity you are unable to do or have difficulty "
                "with because of your back, and rate how well you can do it today "
                "(0 = unable to perform, 10 = able to perform at the level before your "
                "back problem).",
                "activity",
                0,
                10,
                required=False,
                anchors=("0 = unable to perform", "10 = able as before the problem"),
            )
            for n in range(1, 6)
        ),
        lower_is_better=False,
        mcid_points=2,
        mcid_percent=None,
        text_licensed=False,
        max_score=10,
    ),
    NPRS: Measure(
        key=NPRS,
        name="Numeric Pain Rating Scale",
        items=(
            Item(
                "pain",
                "On a scale of 0 to 10, where 0 is no pain and 10 is the worst pain "
                "imaginable, how much pain do you have right now?",
                "scale",
                0,
                10,
                anchors=NPRS_ANCHORS,
            ),
        ),
        lower_is_better=True,
        mcid_points=2,
        mcid_percent=0.3,
        text_licensed=False,
        max_score=10,
    ),
}

MEASURE_CHOICES = [(m.key, m.name) for m in MEASURES.values()]

LOW, MEDIUM, HIGH = "low", "medium", "high"


def measure_for(key: str) -> Measure:
    """The measure with this key; KeyError names it otherwise."""
    try:
        return MEASURES[key]
    except KeyError:
        raise KeyError(f"Unknown measure: {key!r}.") from None


def _check_item(item: Item, value: Any) -> tuple[Any, str | None]:
    """The cleaned answer, or an error message."""
    if item.kind == "yes_no":
        if isinstance(value, bool):
            return int(value), None
        if isinstance(value, int) and value in (0, 1):
            return value, None
        return None, "Answer yes (true) or no (false)."
    if item.kind == "activity":
        if not isinstance(value, Mapping):
            return None, 'Give {"activity": name, "score": 0-10}.'
        name = value.get("activity")
        if not isinstance(name, str) or not name.strip():
            return None, "Name the activity."
        if len(name.strip()) > PSFS_MAX_ACTIVITY_LENGTH:
            return None, f"Keep the activity under {PSFS_MAX_ACTIVITY_LENGTH} characters."
        cleaned, error = _check_scale(item, value.get("score"))
        if error:
            return None, error
        return {"activity": name.strip(), "score": cleaned}, None
    return _check_scale(item, value)


def _check_scale(item: Item, value: Any) -> tuple[int | None, str | None]:
    if isinstance(value, bool) or not isinstance(value, int):
        return None, f"Give a whole number from {item.min_value} to {item.max_value}."
    if not item.min_value <= value <= item.max_value:
        return None, f"Must be from {item.min_value} to {item.max_value}."
    return value, None


def clean_answers(measure_key: str, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Validate answers against the measure's items; AnswerError names every bad item.

    Unanswered optional items (ODI sections, PSFS activities) may be left out or null.
    """
    measure = measure_for(measure_key)
    if not isinstance(answers, Mapping):
        raise AnswerError({"answers": "Give the answers as an object keyed by item."})
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for key in sorted(set(answers) - set(measure.item_keys)):
        errors[key] = "Unknown item."
    for item in measure.items:
        value = answers.get(item.key)
        if value is None or value == "":
            if item.required:
                errors[item.key] = "This item is required."
            continue
        cleaned_value, error = _check_item(item, value)
        if error:
            errors[item.key] = error
        else:
            cleaned[item.key] = cleaned_value
    if not errors:
        errors.update(_check_count(measure, cleaned))
    if errors:
        raise AnswerError(errors)
    return cleaned


def _check_count(measure: Measure, cleaned: dict[str, Any]) -> dict[str, str]:
    if measure.key == ODI and len(cleaned) < ODI_MIN_ANSWERED:
        missing = [key for key in measure.item_keys if key not in cleaned]
        message = f"Answer at least {ODI_MIN_ANSWERED} of the 10 sections."
        return dict.fromkeys(missing, message)
    if measure.key == PSFS and len(cleaned) < PSFS_MIN_ACTIVITIES:
        missing = [key for key in measure.item_keys if key not in cleaned]
        message = f"Rate at least {PSFS_MIN_ACTIVITIES} activities."
        return dict.fromkeys(missing[: PSFS_MIN_ACTIVITIES - len(cleaned)], message)
    return {}


def odi_band(score: float) -> str:
    if score <= 20:
        return "minimal"
    if score <= 40:
        return "moderate"
    if score <= 60:
        return "severe"
    if score <= 80:
        return "crippled"
    return "bed-bound"


def nprs_band(score: float) -> str:
    if score == 0:
        return "none"
    if score <= 3:
        return "mild"
    if score <= 6:
        return "moderate"
    return "severe"


def start_back_risk(total: int, subscale: int) -> str:
    if subscale >= 4:
        return HIGH
    if total >= 4:
        return MEDIUM
    return LOW


def score_answers(measure_key: str, answers: Mapping[str, Any]) -> Score:
    """Validate and score one completed questionnaire (AnswerError on bad answers)."""
    cleaned = clean_answers(measure_key, answers)
    n = len(cleaned)
    if measure_key == ODI:
        value = sum(cleaned.values()) / (5 * n) * 100
        return Score(ODI, round(value, 1), odi_band(value), n)
    if measure_key == RMDQ:
        return Score(RMDQ, float(sum(cleaned.values())), "", n)
    if measure_key == START_BACK:
        bother = 1 if cleaned["item_9"] >= 3 else 0
        binary = {key: v for key, v in cleaned.items() if key != "item_9"}
        total = sum(binary.values()) + bother
        subscale = sum(binary[f"item_{k}"] for k in range(5, 9)) + bother
        return Score(START_BACK, float(total), start_back_risk(total, subscale), n, subscale)
    if measure_key == PSFS:
        value = sum(a["score"] for a in cleaned.values()) / n
        return Score(PSFS, round(value, 2), "", n)
    value = float(cleaned["pain"])
    return Score(NPRS, value, nprs_band(value), n)


def meaningful_change(measure_key: str, baseline: float, current: float) -> Change:
    """Change from baseline and whether it reaches the MCID (in either direction).

    Improvement counts when it reaches the point threshold or, where published, the
    percentage of the baseline; worsening counts on the point threshold only.
    """
    measure = measure_for(measure_key)
    change = round(current - baseline, 2)
    gain = -change if measure.lower_is_better else change  # positive = better
    if measure.mcid_points is None:
        return Change(change, gain > 0, gain < 0, False)
    eps = 1e-9
    improved_enough = gain >= measure.mcid_points - eps or (
        measure.mcid_percent is not None
        and gain > 0
        and baseline > 0
        and gain / baseline >= measure.mcid_percent - eps
    )
    worsened_enough = -gain >= measure.mcid_points - eps
    return Change(change, gain > 0, gain < 0, improved_enough or worsened_enough)
