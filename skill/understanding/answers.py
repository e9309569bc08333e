"""Answers in a person's own words, read on the server: frequency, yes or no, who holds it, and names."""
from __future__ import annotations

import re
from typing import Iterable

from skill.understanding.normalise import normalise

NEVER, SOMETIMES, OFTEN, ALMOST_ALWAYS = "never", "sometimes", "often", "almost_always"
YES, NO = "yes", "no"
ME, PARTNER, BOTH, NEITHER = "me", "partner", "both", "neither"

_FILLER = frozenset("um uh er erm hmm well so like honestly really actually just i guess think suppose say would id "
                    "to be honest yeah yes oh ah mm pretty much probably maybe lately these days".split())

# Longest phrases first; the first phrase found in the words wins. Each list is one source of truth.
FREQUENCY_PHRASES: tuple[tuple[str, str], ...] = tuple(sorted((
    *((p, NEVER) for p in ("never", "not at all", "not ever", "not really", "not much", "no never", "nope",
                           "nah", "none", "zero", "not once", "never ever", "no")),
    *((p, SOMETIMES) for p in ("sometimes", "rarely", "hardly", "hardly ever", "barely", "seldom",
                               "once in a while", "once in a blue moon", "now and then", "now and again",
                               "every so often", "every now and then", "occasionally", "a little", "a bit",
                               "not often", "not very often", "not that often", "kind of", "kinda", "sort of",
                               "sorta", "once or twice", "here and there", "from time to time", "on and off",
                               "at times", "somewhat", "one")),
    *((p, OFTEN) for p in ("often", "a lot", "quite often", "frequently", "most days", "regularly", "loads",
                           "a fair bit", "plenty", "quite a bit", "more often than not", "many times",
                           "lots", "usually", "two")),
    *((p, ALMOST_ALWAYS) for p in ("almost always", "always", "all the time", "constantly", "every day",
                                   "every single day", "nearly always", "most of the time", "all day",
                                   "twenty four seven", "nonstop", "non stop", "every waking moment",
                                   "every time", "daily", "three")),
), key=lambda pair: -len(pair[0])))

YES_NO_PHRASES: tuple[tuple[str, str], ...] = tuple(sorted((
    *((p, NO) for p in ("no", "nope", "nah", "not really", "not at all", "i dont think so", "definitely not",
                        "absolutely not", "not much", "never", "no way", "i wouldnt", "hardly", "not so much")),
    *((p, YES) for p in ("yes", "yeah", "yep", "yup", "sure", "i guess", "i guess so", "kind of", "kinda",
                         "sort of", "definitely", "absolutely", "of course", "i think so", "probably",
                         "mostly", "i would", "i do", "we are", "i am", "totally", "certainly", "pretty much",
                         "for sure", "uh huh", "correct", "right", "mhm", "ok", "okay", "a bit", "a little")),
), key=lambda pair: -len(pair[0])))

HOLDER_PHRASES: tuple[tuple[str, str], ...] = tuple(sorted((
    *((p, NEITHER) for p in ("nobody", "no one", "noone", "neither", "neither of us", "none of us", "not us",
                             "not really anyone", "nobody really", "no one really", "it doesnt get done")),
    *((p, BOTH) for p in ("both", "both of us", "we both", "us both", "the two of us", "we share",
                          "we split", "fifty fifty", "half and half", "together", "shared", "we take turns",
                          "its even", "equally", "we both do")),
    *((p, PARTNER) for p in ("him", "her", "them", "he does", "she does", "they do", "my partner", "partner",
                             "my husband", "my wife", "my boyfriend", "my girlfriend", "my spouse", "my fiance",
                             "my fiancee", "husband", "wife", "boyfriend", "girlfriend", "he", "she", "they")),
    *((p, ME) for p in ("me", "i do", "myself", "mostly me", "just me", "all me", "only me", "i am", "mine")),
), key=lambda pair: -len(pair[0])))


def _find(text: object, phrases: Iterable[tuple[str, str]], max_words: int = 8) -> str | None:
    spoken = normalise(text)
    if not spoken or len(spoken.split()) > max_words:
        return None
    padded = f" {spoken} "
    for phrase, value in phrases:
        if f" {phrase} " in padded:
            return value
    return None


def frequency(text: object) -> str | None:
    """"yeah a lot" -> often, "once in a blue moon" -> sometimes; None when it is not a frequency."""
    return _find(text, FREQUENCY_PHRASES)


def yes_no(text: object) -> str | None:
    """"I guess" -> yes, "not really" -> no; None when unclear (ask again rather than guess)."""
    return _find(text, YES_NO_PHRASES)


def holder(text: object) -> str | None:
    """"mostly me" -> me, "we both do" -> both, "nobody really" -> neither, "him" -> partner."""
    return _find(text, HOLDER_PHRASES)


_NAME = re.compile(r"^[a-z][a-z']{0,23}$")
NOT_NAMES = frozenset(
    "i im me my mine you your we us our he him his she her they them it its this that there here "
    "and or but not no yes yeah cant cannot dont wont isnt the a an is am are was be been do does did "
    "have has had will would can could should my always never sometimes often tired sad so very "
    "what who why how when where ok okay hello hi hey alexa stop help please thanks thank sorry "
    "sleep feel feeling want need love hate everything nothing someone nobody".split())


def clean_name(text: object) -> str | None:
    """A first name as said ("sam" -> "Sam"), or None when the words are not a name: no "I", no "can't",
    no sentences. Hyphenated or two-part first names ("mary ann") are accepted."""
    if not isinstance(text, str) or any(ch.isdigit() for ch in text):
        return None
    words = text.strip().lower().replace("-", " ").split()
    if not 1 <= len(words) <= 2:
        return None
    for word in words:
        bare = word.replace("'", "").replace("\u2019", "")
        if not _NAME.match(word) or bare in NOT_NAMES or len(bare) < 2:
            return None
    return " ".join(word.capitalize() for word in words)


def is_name(text: object) -> bool:
    return clean_name(text) is not None
