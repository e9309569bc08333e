"""One questionnaire engine shared by the check-in and the focused checks: ask, accept, skip, repeat, re-ask once."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from skill.turn import Line, line

Answers = tuple[str | None, ...]


@dataclass(frozen=True)
class Scale:
    """The answers a question accepts, as slot value ids, and the hint that says how to answer."""

    id: str
    codes: tuple[str, ...]
    hint: str


FREQUENCY = Scale("frequency", ("never", "sometimes", "often", "almost_always"), "scale.frequency.hint")
YES_NO = Scale("yes_no", ("no", "yes"), "scale.yes_no.hint")
HOLDER = Scale("holder", ("me", "partner", "both", "neither"), "scale.holder.hint")

# People answer a yes/no sign with a frequency too ("sometimes"); anything above never counts as yes.
FREQUENCY_AS_YES_NO: Mapping[str, str] = {"never": "no", "sometimes": "yes", "often": "yes", "almost_always": "yes"}


@dataclass(frozen=True)
class Question:
    id: str
    alarm: str | None = None  # an answer that must go to the safety response before anything else

    @property
    def help_id(self) -> str:
        """What "help" says while this question is asked: <kind>.help.<name> beside <kind>.question.<name>."""
        return self.id.replace(".question.", ".help.", 1)


@dataclass(frozen=True)
class Questionnaire:
    kind: str
    intro: str
    questions: tuple[Question, ...]
    scale: Scale

    @property
    def length(self) -> int:
        return len(self.questions)


@dataclass(frozen=True)
class Step:
    """What happened: the new state (None once finished), what to say, and the answers when done."""

    state: dict[str, Any] | None
    say: tuple[Line, ...]
    answers: Answers | None = None
    alarm: bool = False

    @property
    def finished(self) -> bool:
        return self.answers is not None


def _state(q: Questionnaire, at: int, answers: list[str | None], misses: int = 0) -> dict[str, Any]:
    return {"kind": q.kind, "at": at, "answers": answers, "misses": misses}


def question_lines(q: Questionnaire, state: Mapping[str, Any]) -> tuple[Line, ...]:
    return (line(q.questions[state["at"]].id),)


def reprompt(q: Questionnaire, state: Mapping[str, Any]) -> tuple[Line, ...]:
    return (*question_lines(q, state), line(q.scale.hint))


def restore(q: Questionnaire, raw: Any) -> dict[str, Any] | None:
    """Session attributes come back from the device: anything malformed is treated as no check in progress."""
    if not isinstance(raw, Mapping) or raw.get("kind") != q.kind:
        return None
    at, answers, misses = raw.get("at"), raw.get("answers"), raw.get("misses", 0)
    if not isinstance(at, int) or isinstance(at, bool) or not 0 <= at < q.length:
        return None
    if not isinstance(answers, list) or len(answers) != at:
        return None
    if any(a is not None and a not in q.scale.codes for a in answers):
        return None
    return _state(q, at, list(answers), 1 if misses == 1 else 0)


def start(q: Questionnaire) -> Step:
    state = _state(q, 0, [])
    return Step(state, (line(q.intro), *question_lines(q, state)))


def start_over(q: Questionnaire) -> Step:
    state = _state(q, 0, [])
    return Step(state, (line("questionnaire.start_over"), *question_lines(q, state)))


def _advance(q: Questionnaire, state: Mapping[str, Any], code: str | None, said: tuple[Line, ...]) -> Step:
    answers = [*state["answers"], code]
    if len(answers) == q.length:
        return Step(None, said, tuple(answers))
    following = _state(q, len(answers), answers)
    return Step(following, (*said, *question_lines(q, following)))


def answer(q: Questionnaire, state: Mapping[str, Any], code: str | None) -> Step:
    """An answer outside the scale is treated as misheard, not trusted."""
    if code not in q.scale.codes:
        return misheard(q, state)
    if code == q.questions[state["at"]].alarm:
        return Step(None, (), alarm=True)
    return _advance(q, state, code, ())


def skip(q: Questionnaire, state: Mapping[str, Any]) -> Step:
    return _advance(q, state, None, (line("questionnaire.skipped"),))


def dont_know(q: Questionnaire, state: Mapping[str, Any]) -> Step:
    return _advance(q, state, None, (line("questionnaire.dont_know"),))


def repeat(q: Questionnaire, state: Mapping[str, Any]) -> Step:
    return Step(dict(state), reprompt(q, state))


def misheard(q: Questionnaire, state: Mapping[str, Any]) -> Step:
    """Re-ask once with the answer hint; a second miss moves on, so nobody gets stuck on one question."""
    if not state.get("misses"):
        again = {**state, "misses": 1}
        return Step(again, (line("questionnaire.reask"), *reprompt(q, again)))
    return _advance(q, state, None, (line("questionnaire.moving_on"),))
