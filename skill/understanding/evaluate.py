"""Measures understanding on the labelled set: `python -m skill.understanding.evaluate [--strict] [--locale en-GB]`."""
from __future__ import annotations

import argparse
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from skill import safety
from skill.understanding.matcher import matcher_for
from skill.understanding.normalise import normalise
from skill.understanding.source import LOCALES
from skill.understanding.understand import SAFETY, outcome

TESTS_DIR = Path(__file__).resolve().parent.parent.parent / "tests" / "understanding"
EVAL_SET = TESTS_DIR / "eval_set.txt"
CRISIS = TESTS_DIR / "crisis_phrases.txt"
ORDINARY = TESTS_DIR / "ordinary_phrases.txt"


@dataclass(frozen=True)
class Expected:
    intent: str
    slots: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Case:
    text: str
    accept: tuple[Expected, ...]
    round: int = 1  # rounds after the first were written after a template fix and measured before the next

    @property
    def label(self) -> str:
        return self.accept[0].intent


def load_cases(path: Path = EVAL_SET) -> list[Case]:
    cases, current = [], 1
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if raw.startswith("# round "):
            current = int(raw.split()[2].rstrip(":"))
        if not raw.strip() or raw.startswith("#"):
            continue
        if "=>" not in raw:
            raise ValueError(f"{path}:{number}: expected 'phrase => Intent [slot=value]'")
        text, labels = (part.strip() for part in raw.split("=>", 1))
        accept = []
        for option in labels.split(" or "):
            intent, *pairs = option.split()
            accept.append(Expected(intent, tuple(tuple(pair.split("=", 1)) for pair in pairs)))  # type: ignore[misc]
        cases.append(Case(text, tuple(accept), current))
    return cases


def load_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


# Outcomes the skill treats as one: the reconnect routine is the exercise reconnect-2min (skill/playback.py).
SAME_OUTCOME = {("PlayExerciseIntent", "reconnect-2min"): "ReconnectIntent"}


def passes(case: Case, locale: str, strict: bool = False) -> tuple[bool, str]:
    match = outcome(case.text, locale, strict)
    same = SAME_OUTCOME.get((match.intent, match.value("exercise") or ""))
    if same and any(expected.intent == same for expected in case.accept):
        return True, same
    for expected in case.accept:
        if match.intent == expected.intent and all(match.value(k) == v for k, v in expected.slots):
            return True, match.intent
    slot_text = " ".join(f"{k}={s.value_id}" for k, s in match.slots.items())
    return False, f"{match.intent} {slot_text}".strip()


@dataclass(frozen=True)
class Report:
    total: int
    correct: int
    per_intent: dict[str, tuple[int, int]]
    confusions: list[tuple[str, str, str]]
    ms_per_match: float
    per_round: dict[int, tuple[int, int]] = field(default_factory=dict)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def evaluate(locale: str = "en-US", strict: bool = False, cases: list[Case] | None = None) -> Report:
    cases = cases if cases is not None else load_cases()
    matcher_for(locale)  # build the index before timing
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    rounds: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    confusions = []
    started = time.perf_counter()
    for case in cases:
        ok, got = passes(case, locale, strict)
        per[case.label][1] += 1
        per[case.label][0] += ok
        rounds[case.round][0] += ok
        rounds[case.round][1] += 1
        if not ok:
            confusions.append((case.text, case.label, got))
    elapsed = (time.perf_counter() - started) * 1000 / max(len(cases), 1)
    correct = sum(c for c, _ in per.values())
    return Report(len(cases), correct, {k: (v[0], v[1]) for k, v in per.items()}, confusions, elapsed,
                  {k: (v[0], v[1]) for k, v in sorted(rounds.items())})


def identical_to_samples(cases: list[Case], locale: str = "en-US") -> list[Case]:
    """Cases whose words equal a model sample: the honest figure is the accuracy without them."""
    model = matcher_for(locale)
    return [case for case in cases if model.exact(normalise(case.text)) and
            any(p.regex.pattern == "^" + " ".join(map(re.escape, normalise(case.text).split())) + "$"
                for p in model.patterns)]


def safety_figures(locale: str = "en-US") -> dict[str, float]:
    """Crisis recall strict (exact model match or the scan of the text) and statistical (stand-in
    outcome), the stand-in's recall without any scan, and false alarms on ordinary sentences."""
    crisis, ordinary = load_lines(CRISIS), load_lines(ORDINARY)
    matcher = matcher_for(locale)
    exact = sum(matcher.match(t, strict=True).intent == SAFETY for t in crisis)
    strict = sum(matcher.match(t, strict=True).intent == SAFETY or safety.scan(t, locale) is not None for t in crisis)
    statistical = sum(outcome(t, locale).intent == SAFETY or safety.scan(t, locale) is not None for t in crisis)
    model_only = sum(outcome(t, locale).intent == SAFETY for t in crisis)
    alarms = sum(safety.scan(t, locale) is not None or outcome(t, locale).intent == SAFETY for t in ordinary)
    return {"crisis": len(crisis), "ordinary": len(ordinary),
            "recall_strict": strict / len(crisis), "recall_statistical": statistical / len(crisis),
            "recall_model_exact_only": exact / len(crisis), "recall_standin_only": model_only / len(crisis),
            "false_alarms": alarms / len(ordinary)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m skill.understanding.evaluate", description=__doc__)
    parser.add_argument("--strict", action="store_true", help="exact sample matching only, as a floor")
    parser.add_argument("--locale", choices=LOCALES, default="en-US")
    parser.add_argument("--safety", action="store_true", help="also print crisis recall and false alarms")
    args = parser.parse_args(argv)
    report = evaluate(args.locale, args.strict)
    print(f"{'intent':34} correct/total")
    for intent, (ok, total) in sorted(report.per_intent.items()):
        print(f"{intent:34} {ok:3}/{total:<3} {ok / total:6.1%}")
    print(f"\noverall {report.correct}/{report.total} = {report.accuracy:.1%} "
          f"({'strict' if args.strict else 'stand-in'}, {args.locale}); {report.ms_per_match:.1f} ms per utterance")
    for number, (ok, total) in report.per_round.items():
        print(f"round {number}: {ok}/{total} = {ok / total:.1%}")
    if report.confusions:
        print("\nconfusions (phrase | expected -> got):")
        for text, expected, got in report.confusions:
            print(f"  {text} | {expected} -> {got}")
    cases = load_cases()
    same = identical_to_samples(cases, args.locale)
    if same and not args.strict:
        rest = [case for case in cases if case not in same]
        ok = sum(passes(case, args.locale)[0] for case in rest)
        print(f"{len(same)} phrases equal a sample word for word; on the other {len(rest)}: {ok / len(rest):.1%}")
    if args.safety:
        for name, value in safety_figures(args.locale).items():
            print(f"{name}: {value:.1%}" if isinstance(value, float) else f"{name}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
