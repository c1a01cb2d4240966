"""Published scoring of the outcome measures (pure, no database)."""

from __future__ import annotations

import pytest

from patients.questionnaires import (
    MEASURES,
    NPRS,
    ODI,
    PSFS,
    RMDQ,
    START_BACK,
    AnswerError,
    meaningful_change,
    score_answers,
)


def odi(*values):
    return {f"section_{n}": v for n, v in enumerate(values, start=1) if v is not None}


def start_back(items_1_8, bother):
    answers = {f"item_{n}": bool(v) for n, v in enumerate(items_1_8, start=1)}
    answers["item_9"] = bother
    return answers


def rmdq(yes_count):
    return {f"item_{n}": n <= yes_count for n in range(1, 25)}


def psfs(*scores):
    return {
        f"activity_{n}": {"activity": f"activity {n}", "score": s}
        for n, s in enumerate(scores, start=1)
    }


@pytest.mark.parametrize(
    ("answers", "score", "band"),
    [
        (odi(0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 0.0, "minimal"),
        (odi(5, 5, 5, 5, 5, 5, 5, 5, 5, 5), 100.0, "bed-bound"),
        # 10 of 50 = 20 %: the top of "minimal".
        (odi(1, 1, 1, 1, 1, 1, 1, 1, 1, 1), 20.0, "minimal"),
        # 11 of 50 = 22 %.
        (odi(2, 1, 1, 1, 1, 1, 1, 1, 1, 1), 22.0, "moderate"),
        (odi(2, 2, 2, 2, 2, 2, 2, 2, 2, 2), 40.0, "moderate"),
        (odi(3, 3, 3, 3, 3, 3, 3, 3, 3, 3), 60.0, "severe"),
        (odi(4, 4, 4, 4, 4, 4, 4, 4, 4, 4), 80.0, "crippled"),
        (odi(5, 4, 4, 4, 4, 4, 4, 4, 4, 4), 82.0, "bed-bound"),
        # The published missing-section example: 16 points over 9 sections = 16/45 = 35.6 %.
        (odi(2, 2, 2, 2, 2, 2, 2, 1, 1, None), 35.6, "moderate"),
        # Two missing: 9 points over 8 sections = 9/40 = 22.5 %.
        (odi(None, 1, 1, 1, 1, 1, 1, 1, 2, None), 22.5, "moderate"),
        # 9 points over 9 sections = 20 %.
        (odi(1, 1, 1, 1, None, 1, 1, 1, 1, 1), 20.0, "minimal"),
    ],
)
def test_odi_score_and_band(answers, score, band):
    result = score_answers(ODI, answers)

    assert (result.score, result.band) == (score, band)


def test_odi_counts_answered_sections():
    assert score_answers(ODI, odi(1, 1, 1, 1, 1, 1, 1, 1, 1, None)).items_answered == 9


def test_odi_needs_eight_sections():
    with pytest.raises(AnswerError) as exc:
        score_answers(ODI, odi(1, 1, 1, 1, 1, 1, 1, None, None, None))

    assert set(exc.value.errors) == {"section_8", "section_9", "section_10"}


def test_odi_accepts_null_for_a_missing_section():
    answers = odi(1, 1, 1, 1, 1, 1, 1, 1, 1, 1) | {"section_10": None}

    assert score_answers(ODI, answers).items_answered == 9


@pytest.mark.parametrize("bad", [6, -1, "3", 2.5, True])
def test_odi_rejects_a_bad_section_value(bad):
    with pytest.raises(AnswerError) as exc:
        score_answers(ODI, odi(1, 1, 1, 1, 1, 1, 1, 1, 1, bad))

    assert list(exc.value.errors) == ["section_10"]


@pytest.mark.parametrize("yes", [0, 1, 5, 12, 24])
def test_rmdq_score_is_the_number_of_yes(yes):
    assert score_answers(RMDQ, rmdq(yes)).score == yes


def test_rmdq_names_every_missing_item():
    answers = rmdq(3)
    del answers["item_4"], answers["item_24"]

    with pytest.raises(AnswerError) as exc:
        score_answers(RMDQ, answers)

    assert set(exc.value.errors) == {"item_4", "item_24"}


def test_unknown_items_are_named():
    with pytest.raises(AnswerError) as exc:
        score_answers(NPRS, {"pain": 3, "mood": 2})

    assert exc.value.errors == {"mood": "Unknown item."}


@pytest.mark.parametrize(
    ("items", "bother", "total", "subscale", "risk"),
    [
        ((0, 0, 0, 0, 0, 0, 0, 0), 0, 0, 0, "low"),
        # Total 3 (physical items only): low.
        ((1, 1, 1, 0, 0, 0, 0, 0), 0, 3, 0, "low"),
        # Total 4, subscale 1: medium (the 3 vs 4 total boundary).
        ((1, 1, 1, 0, 1, 0, 0, 0), 0, 4, 1, "medium"),
        # Total 4 with subscale 3: medium (subscale 3 is not high).
        ((1, 0, 0, 0, 1, 1, 1, 0), 0, 4, 3, "medium"),
        # Subscale 4 (items 5-8): high.
        ((0, 0, 0, 0, 1, 1, 1, 1), 0, 4, 4, "high"),
        # Item 9 "moderately" (2) is not positive: subscale stays 3.
        ((1, 0, 0, 0, 1, 1, 1, 0), 2, 4, 3, "medium"),
        # Item 9 "very much" (3) is positive: subscale 4, high.
        ((1, 0, 0, 0, 1, 1, 1, 0), 3, 5, 4, "high"),
        # Item 9 "extremely" (4) is positive too.
        ((0, 0, 0, 0, 1, 1, 1, 0), 4, 4, 4, "high"),
        # Subscale 3 with total 3: low.
        ((0, 0, 0, 0, 1, 1, 0, 0), 3, 3, 3, "low"),
        ((1, 1, 1, 1, 1, 1, 1, 1), 4, 9, 5, "high"),
    ],
)
def test_start_back_total_subscale_and_risk(items, bother, total, subscale, risk):
    result = score_answers(START_BACK, start_back(items, bother))

    assert (result.score, result.subscale, result.band) == (total, subscale, risk)


def test_start_back_item_9_must_be_0_to_4():
    with pytest.raises(AnswerError) as exc:
        score_answers(START_BACK, start_back((0,) * 8, 5))

    assert list(exc.value.errors) == ["item_9"]


@pytest.mark.parametrize(
    ("scores", "mean"),
    [((3, 4, 5), 4.0), ((2, 3, 4, 6), 3.75), ((0, 10, 5, 5, 1), 4.2)],
)
def test_psfs_is_the_mean_of_the_rated_activities(scores, mean):
    result = score_answers(PSFS, psfs(*scores))

    assert (result.score, result.items_answered) == (mean, len(scores))


def test_psfs_needs_three_activities():
    with pytest.raises(AnswerError) as exc:
        score_answers(PSFS, psfs(3, 4))

    assert list(exc.value.errors) == ["activity_3"]


def test_psfs_needs_the_activity_named():
    answers = psfs(3, 4, 5)
    answers["activity_2"]["activity"] = "  "

    with pytest.raises(AnswerError) as exc:
        score_answers(PSFS, answers)

    assert exc.value.errors == {"activity_2": "Name the activity."}


@pytest.mark.parametrize(
    ("pain", "band"), [(0, "none"), (3, "mild"), (4, "moderate"), (6, "moderate"), (7, "severe")]
)
def test_nprs_score_and_band(pain, band):
    result = score_answers(NPRS, {"pain": pain})

    assert (result.score, result.band) == (pain, band)


def test_nprs_is_required():
    with pytest.raises(AnswerError) as exc:
        score_answers(NPRS, {})

    assert exc.value.errors == {"pain": "This item is required."}


@pytest.mark.parametrize(
    ("measure", "baseline", "current", "change", "crossed"),
    [
        # ODI: 10 points.
        (ODI, 40, 30, -10, True),
        (ODI, 40, 31, -9, False),
        (ODI, 30, 40, 10, True),  # worsening by the MCID counts too
        # RMDQ: 5 points or 30 %.
        (RMDQ, 20, 15, -5, True),
        (RMDQ, 20, 16, -4, False),  # 20 %
        (RMDQ, 10, 7, -3, True),  # 30 % of 10
        (RMDQ, 10, 8, -2, False),
        (RMDQ, 5, 7, 2, False),  # a 40 % rise is not a meaningful worsening
        # NPRS: 2 points or 30 %.
        (NPRS, 6, 4, -2, True),
        (NPRS, 6, 5, -1, False),
        (NPRS, 3, 2, -1, True),  # 33 %
        (NPRS, 4, 6, 2, True),
        # PSFS: higher is better, 2 points.
        (PSFS, 3, 5, 2, True),
        (PSFS, 3, 4.5, 1.5, False),
        (PSFS, 5, 3, -2, True),
        # STarT Back has no published MCID.
        (START_BACK, 7, 1, -6, False),
    ],
)
def test_meaningful_change(measure, baseline, current, change, crossed):
    result = meaningful_change(measure, baseline, current)

    assert (result.change, result.crossed_mcid) == (change, crossed)


@pytest.mark.parametrize(
    ("measure", "baseline", "current", "improved"),
    [(ODI, 40, 30, True), (ODI, 30, 40, False), (PSFS, 3, 5, True), (PSFS, 5, 3, False)],
)
def test_meaningful_change_direction(measure, baseline, current, improved):
    result = meaningful_change(measure, baseline, current)

    assert (result.improved, result.worsened) == (improved, not improved)


def test_licensed_measures_ship_placeholder_prompts_only():
    for key in (ODI, RMDQ, START_BACK):
        measure = MEASURES[key]
        assert measure.text_licensed
        assert all(item.prompt.split()[0] in {"ODI", "RMDQ", "STarT"} for item in measure.items)
