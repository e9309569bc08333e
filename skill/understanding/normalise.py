"""One normalisation for matching: lowercase words, apostrophes dropped, digits spelled out, bounded length."""
from __future__ import annotations

import re

MAX_CHARS = 1000  # longer than anything Alexa passes; the rest is ignored, never an error
_NOT_WORD = re.compile(r"[^a-z ]+")
_DIGITS = re.compile(r"\d+")
_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
         "fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
NUMBER_WORDS: dict[str, int] = {word: value for value, word in enumerate(_ONES)}
NUMBER_WORDS.update({word: 20 + 10 * index for index, word in enumerate(_TENS)})


def spell_number(value: int) -> str:
    """0..99 in words (Alexa wants numbers spelled out); larger numbers digit by digit."""
    if value < 20:
        return _ONES[value]
    if value < 100:
        tens, ones = divmod(value, 10)
        return _TENS[tens - 2] + (f" {_ONES[ones]}" if ones else "")
    return " ".join(_ONES[int(digit)] for digit in str(value))


def normalise(text: object) -> str:
    """"I'm  SO tired!!" -> "im so tired"; "5 minutes" -> "five minutes"; anything not text -> ""."""
    if not isinstance(text, str):
        return ""
    text = text[:MAX_CHARS].lower().replace("\u2019", "").replace("'", "").replace("-", " ")
    text = _DIGITS.sub(lambda found: f" {spell_number(int(found.group()[:6]))} ", text)
    return " ".join(_NOT_WORD.sub(" ", text).split())


def words_to_number(text: str) -> int | None:
    """"twenty five" -> 25, "ten" -> 10; None when the words are not a small number."""
    total, seen = 0, False
    for word in normalise(text).split():
        if word in ("a", "an", "about", "around", "like", "only", "just"):
            continue
        if word not in NUMBER_WORDS:
            return None
        total, seen = total + NUMBER_WORDS[word], True
    return total if seen else None
