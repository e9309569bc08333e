"""The quick burnout check-in: five signs on a frequency scale, a score, a band and one tailored next step."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from skill.turn import Line, Offer, line
from skill.questionnaire import FREQUENCY, Answers, Question, Questionnaire

SIGNS: tuple[str, ...] = ("dread", "numb", "irritation", "warmth", "daydream")
CHECKIN = Questionnaire("checkin", "checkin.intro", tuple(Question(f"checkin.question.{s}") for s in SIGNS), FREQUENCY)

POINTS: Mapping[str, int] = {"never": 0, "sometimes": 1, "often": 2, "almost_always": 3}
MAX_SCORE = 3 * len(SIGNS)
# Fewer answers than this say too little to read anything into; nothing is scored or stored.
MIN_ANSWERED = 3
# Upper bound (inclusive) of each band on the 0..15 scale.
BANDS: tuple[tuple[int, str], ...] = ((4, "okay"), (9, "strain"), (MAX_SCORE, "strong"))


@dataclass(frozen=True)
class Result:
    score: int  # on the full 0..15 scale, scaled up when a question was skipped
    band: str
    answered: int
    top_sign: str | None  # the sign that showed most, first one on ties; None if none showed

    max_score: int = MAX_SCORE


def band_for(score: int) -> str:
    for upper, band in BANDS:
        if score <= upper:
            return band
    raise ValueError(f"score {score} is above {MAX_SCORE}")


def score(answers: Answers) -> Result | None:
    """Skipped signs are left out and the rest scaled to 15, so skipping never looks like 'never'."""
    answered = [(sign, POINTS[a]) for sign, a in zip(SIGNS, answers) if a is not None]
    if len(answered) < MIN_ANSWERED:
        return None
    raw = sum(points for _, points in answered)
    scaled = (2 * raw * len(SIGNS) + len(answered)) // (2 * len(answered))  # round half up
    top = max(answered, key=lambda item: item[1])
    return Result(scaled, band_for(scaled), len(answered), top[0] if top[1] > 0 else None)


# The next step follows the sign that showed most: what the article suggests for that kind of strain.
_STEP_FOR_SIGN: Mapping[str, Offer] = {
    "dread": Offer("strategy", "restoration"),
    "numb": Offer("exercise", "calm"),
    "irritation": Offer("exercise", "calm"),
    "warmth": Offer("strategy", "small_moments"),
    "daydream": Offer("strategy", "support"),
}
_CHECK_FOR_SIGN: Mapping[str, str] = {
    "dread": "workload", "numb": "both", "irritation": "body", "warmth": "both", "daydream": "roots",
}


def next_step(result: Result) -> Offer:
    """One step to take now; if declined, a focused check that looks closer at the same sign."""
    if result.band == "okay" or result.top_sign is None:
        return Offer("strategy", "small_moments", Offer("check", "both"))
    check = "body" if result.band == "strong" and result.top_sign != "irritation" else _CHECK_FOR_SIGN[result.top_sign]
    first = _STEP_FOR_SIGN[result.top_sign]
    return Offer(first.kind, first.target, Offer("check", check))


def reading(result: Result) -> tuple[Line, ...]:
    """Score, band and the rough-patch-or-burnout distinction: reflection, never a diagnosis."""
    return (
        line("checkin.result.score", score=result.score, max_score=result.max_score),
        line(f"checkin.result.{result.band}"),
        line(f"checkin.distinction.{result.band}"),
    )
