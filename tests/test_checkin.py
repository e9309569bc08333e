"""The check-in's pure logic: the shared questionnaire engine step by step, scoring and bands at every boundary."""
from __future__ import annotations

import pytest

from skill import checkin, questionnaire
from skill.checkin import CHECKIN, band_for, next_step, score
from skill.turn import Offer

POINT_CODES = {0: "never", 1: "sometimes", 2: "often", 3: "almost_always"}


def answers_for(total: int) -> tuple[str, ...]:
    """Five answers adding up to total, spread as evenly as the scale allows."""
    points = [total // 5 + (1 if i < total % 5 else 0) for i in range(5)]
    return tuple(POINT_CODES[p] for p in points)


@pytest.mark.parametrize("total, band", [(0, "okay"), (4, "okay"), (5, "strain"), (9, "strain"),
                                         (10, "strong"), (15, "strong")])
def test_bands_at_every_boundary(total, band):
    result = score(answers_for(total))
    assert (result.score, result.band, result.max_score) == (total, band, 15)


def test_band_for_refuses_scores_off_the_scale():
    with pytest.raises(ValueError):
        band_for(16)


def test_skipped_signs_are_left_out_and_the_rest_scaled_not_counted_as_never():
    result = score(("often", None, "often", "often", None))
    assert result.answered == 3
    assert result.score == 10 and result.band == "strong"


def test_scaling_rounds_half_up():
    # 3 points over 4 answers -> 3.75 -> 4; 2 points over 4 -> 2.5 -> 3
    assert score(("sometimes", "sometimes", "sometimes", None, "never")).score == 4
    assert score(("sometimes", "sometimes", "never", None, "never")).score == 3


@pytest.mark.parametrize("answers", [(None,) * 5, ("often", "often", None, None, None)])
def test_too_few_answers_give_no_reading(answers):
    assert score(answers) is None


def test_top_sign_is_the_strongest_first_on_ties_and_none_when_nothing_showed():
    assert score(("sometimes", "often", "often", "never", "never")).top_sign == "numb"
    assert score(("never",) * 5).top_sign is None


def test_next_step_follows_the_strongest_sign_and_falls_back_to_a_focused_check():
    strain = score(("almost_always", "sometimes", "never", "sometimes", "never"))
    assert next_step(strain) == Offer("strategy", "restoration", Offer("check", "workload"))
    strong = score(("often", "almost_always", "often", "often", "often"))
    assert next_step(strong) == Offer("exercise", "calm", Offer("check", "body"))
    okay = score(("never",) * 5)
    assert next_step(okay).target == "small_moments"


def test_reading_says_score_band_and_the_rough_patch_distinction():
    lines = checkin.reading(score(answers_for(7)))
    assert [l.id for l in lines] == ["checkin.result.score", "checkin.result.strain", "checkin.distinction.strain"]
    assert dict(lines[0].params) == {"score": 7, "max_score": 15}


def test_engine_walks_the_questions_in_order_and_returns_the_answers():
    step = questionnaire.start(CHECKIN)
    assert [l.id for l in step.say] == ["checkin.intro", "checkin.question.dread"]
    for expected_next in ("numb", "irritation", "warmth", "daydream"):
        step = questionnaire.answer(CHECKIN, step.state, "often")
        assert step.say[-1].id == f"checkin.question.{expected_next}"
    step = questionnaire.answer(CHECKIN, step.state, "never")
    assert step.finished and step.state is None
    assert step.answers == ("often",) * 4 + ("never",)


def test_a_misheard_answer_is_asked_again_once_then_the_flow_moves_on():
    state = questionnaire.start(CHECKIN).state
    first = questionnaire.answer(CHECKIN, state, "purple")
    assert first.state["at"] == 0 and first.state["misses"] == 1
    assert [l.id for l in first.say] == ["questionnaire.reask", "checkin.question.dread", "scale.frequency.hint"]
    second = questionnaire.misheard(CHECKIN, first.state)
    assert second.state["at"] == 1 and second.state["answers"] == [None] and second.state["misses"] == 0
    assert second.say[0].id == "questionnaire.moving_on"


def test_skip_dont_know_repeat_and_start_over():
    state = questionnaire.start(CHECKIN).state
    state = questionnaire.answer(CHECKIN, state, "often").state
    repeated = questionnaire.repeat(CHECKIN, state)
    assert repeated.state == state and repeated.say[0].id == "checkin.question.numb"
    skipped = questionnaire.skip(CHECKIN, state)
    assert skipped.state["answers"] == ["often", None] and skipped.say[0].id == "questionnaire.skipped"
    unknown = questionnaire.dont_know(CHECKIN, skipped.state)
    assert unknown.state["answers"] == ["often", None, None]
    again = questionnaire.start_over(CHECKIN)
    assert again.state["at"] == 0 and again.state["answers"] == []


@pytest.mark.parametrize("raw", [
    None, "checkin", {"kind": "body", "at": 0, "answers": []}, {"kind": "checkin", "at": 9, "answers": []},
    {"kind": "checkin", "at": 1, "answers": []}, {"kind": "checkin", "at": 1, "answers": ["lots"]},
    {"kind": "checkin", "at": True, "answers": []},
])
def test_a_malformed_session_state_is_treated_as_no_check_in(raw):
    assert questionnaire.restore(CHECKIN, raw) is None
