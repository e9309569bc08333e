"""The focused checks (body, both of us, burnout or incompatibility, emotional workload) and their summaries."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from skill.turn import Line, Offer, line
from skill.questionnaire import HOLDER, YES_NO, Answers, Question, Questionnaire


def _questions(prefix: str, names: tuple[str, ...], alarms: Mapping[str, str] | None = None) -> tuple[Question, ...]:
    alarms = alarms or {}
    return tuple(Question(f"{prefix}.question.{name}", alarms.get(name)) for name in names)


BODY_SIGNALS = ("concentrating", "fatigue", "decisions", "digestion", "tension", "light_noise",
                "clumsy", "forgetful", "sleep", "numb", "sick", "hair")
BOTH_SIGNALS = ("transactional", "affection", "conflict", "hopeless")
ROOTS_QUESTIONS = ("energy", "safe", "aligned")
WORKLOAD_AREAS = ("moods", "behind_scenes", "mental_load", "household")

BODY = Questionnaire("body", "body.intro", _questions("body", BODY_SIGNALS), YES_NO)
BOTH = Questionnaire("both", "both.intro", _questions("both", BOTH_SIGNALS), YES_NO)
# "No" to feeling emotionally safe is a safety matter before it is a data point.
ROOTS = Questionnaire("roots", "roots.intro", _questions("roots", ROOTS_QUESTIONS, {"safe": "no"}), YES_NO)
WORKLOAD = Questionnaire("workload", "workload.intro", _questions("workload", WORKLOAD_AREAS), HOLDER)


@dataclass(frozen=True)
class Summary:
    lines: tuple[Line, ...]
    offer: Offer


def _yes_count(answers: Answers) -> int:
    return sum(1 for a in answers if a == "yes")


def _level(count: int, bands: tuple[tuple[int, str], ...], above: str) -> str:
    """The first band whose upper bound holds the count; `above` past the last one."""
    return next((name for upper, name in bands if count <= upper), above)


def body_level(yes: int) -> str:
    """One signal alone is easy to dismiss; several together are the body's red flag."""
    return _level(yes, ((0, "none"), (2, "few"), (5, "some")), "many")


def summarise_body(answers: Answers) -> Summary:
    yes = _yes_count(answers)
    return Summary((line(f"body.summary.{body_level(yes)}", count=yes),),
                   Offer("exercise", "calm", Offer("strategy", "restoration")))


def both_level(yes: int) -> str:
    return _level(yes, ((0, "none"), (1, "one")), "several")


def summarise_both(answers: Answers) -> Summary:
    yes = _yes_count(answers)
    return Summary((line(f"both.summary.{both_level(yes)}", count=yes),),
                   Offer("strategy", "small_moments", Offer("exercise", "connect")))


def roots_reading(answers: Answers) -> str:
    """All three yes points to burnout; a clear no points to differences worth exploring; gaps say too little."""
    if all(a == "yes" for a in answers):
        return "burnout"
    if any(a == "no" for a in answers):
        return "deeper"
    return "unclear"


def summarise_roots(answers: Answers) -> Summary:
    reading = roots_reading(answers)
    offer = Offer("strategy", "support") if reading == "deeper" else Offer("strategy", "restoration")
    return Summary((line(f"roots.summary.{reading}"),), offer)


@dataclass(frozen=True)
class Balance:
    me: int
    partner: int
    both: int
    neither: int

    @property
    def answered(self) -> int:
        return self.me + self.partner + self.both + self.neither

    @property
    def pattern(self) -> str:
        """Names the shape of the load, never who is to blame for it."""
        if self.answered < 2:
            return "unclear"
        half = self.answered / 2
        for name in ("me", "partner", "both", "neither"):
            if getattr(self, name) > half:
                return {"me": "mostly_me", "partner": "mostly_partner", "both": "shared", "neither": "light"}[name]
        return "mixed"


def workload_balance(answers: Answers) -> Balance:
    return Balance(*(sum(1 for a in answers if a == code) for code in HOLDER.codes))


def summarise_workload(answers: Answers) -> Summary:
    balance = workload_balance(answers)
    return Summary(
        (line(f"workload.summary.{balance.pattern}", me=balance.me, partner=balance.partner, both=balance.both),
         line("workload.summary.no_blame")),
        Offer("strategy", "workload", Offer("strategy", "expectations")),
    )


FOCUSED: Mapping[str, tuple[Questionnaire, Callable[[Answers], Summary]]] = {
    "body": (BODY, summarise_body),
    "both": (BOTH, summarise_both),
    "roots": (ROOTS, summarise_roots),
    "workload": (WORKLOAD, summarise_workload),
}
