"""Free text to what it is about: safety first, then the nearest check, topic or exercise (never stored or logged)."""
from __future__ import annotations

from skill import safety
from skill.understanding.matcher import CARRIER_INTENTS, FALLBACK, Match, Slot, matcher_for

SAFETY = "SafetyIntent"
# What free text may lead to: things to hear, check or play. Never answers to a pending question, names,
# deleting data or leaving: those need the person to say them as such.
ROUTABLE = frozenset({
    "CheckInIntent", "BodyCheckIntent", "BothOfUsCheckIntent", "BurnoutOrIncompatibilityIntent",
    "WorkloadCheckIntent", "StrategyIntent", "HistoryIntent", "AMAZON.HelpIntent", "ReconnectIntent",
    "PlayExerciseIntent", "ExerciseForNeedIntent", "ExerciseByLengthIntent", "ListExercisesIntent", SAFETY,
})
FREE_TEXT_FLOOR = 0.72


def understand(text: object, locale: str | None = None) -> Match:
    """Routes free text (an AMAZON.SearchQuery value): SafetyIntent on any danger, else a ROUTABLE intent
    with its slots, else AMAZON.FallbackIntent. Pure and fast; the index is built once per locale."""
    if safety.scan(text, locale):
        return Match(SAFETY, 1.0)
    return matcher_for(locale).match(text, allowed=ROUTABLE, floor=FREE_TEXT_FLOOR)


def outcome(text: object, locale: str | None = None, strict: bool = False) -> Match:
    """What a whole utterance reaches on a device: the model's intent (exact in strict mode, else the
    stand-in), the server's scan of every slot value, and carrier free text routed by understand()."""
    match = matcher_for(locale).match(text, strict=strict)
    heard = {name: slot.text for name, slot in match.slots.items()}
    if match.intent != SAFETY and safety.scan_slots(heard, locale):
        return Match(SAFETY, 1.0)
    if match.intent in CARRIER_INTENTS:
        free = next(iter(heard.values()), "")
        routed = understand(free, locale)
        if routed.intent != FALLBACK:
            return routed
    return match


__all__ = ["Match", "Slot", "understand", "outcome", "ROUTABLE", "SAFETY"]
