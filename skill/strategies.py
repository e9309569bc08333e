"""The read-aloud topics: each is a few short parts, each part ending with a clear choice of what next."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from skill.turn import Line, Offer, line


@dataclass(frozen=True)
class Topic:
    id: str
    parts: int  # message ids reading.<id>.part1 .. partN, each under about thirty seconds spoken
    exercise_need: str | None = None  # an exercise offered, one "yes" away, when the topic ends


# Listening order for "next": understanding first, then the five ways to begin healing, then the closing message.
TOPICS: tuple[Topic, ...] = (
    Topic("what_is_burnout", 2, "calm"),
    Topic("rough_patch", 1),
    Topic("causes", 2),
    Topic("nervous_system", 2, "calm"),
    Topic("both_partners", 1, "connect"),
    Topic("incompatibility", 2),
    Topic("just_communicate", 2),
    Topic("restoration", 2, "calm"),
    Topic("small_moments", 2, "connect"),
    Topic("workload", 2),
    Topic("expectations", 1, "calm"),
    Topic("support", 1),
    Topic("closing", 1),
)
BY_ID: Mapping[str, Topic] = {topic.id: topic for topic in TOPICS}
# "Tell me a strategy" walks the five ways to begin healing.
STRATEGIES: tuple[str, ...] = ("restoration", "small_moments", "workload", "expectations", "support")


@dataclass(frozen=True)
class Reading:
    state: dict[str, Any]
    say: tuple[Line, ...]
    reprompt: tuple[Line, ...]
    offer: Offer | None = None


def restore(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, Mapping) or raw.get("kind") != "reading":
        return None
    topic, part = BY_ID.get(raw.get("topic")), raw.get("part")
    if topic is None or not isinstance(part, int) or isinstance(part, bool) or not 0 <= part < topic.parts:
        return None
    return {"kind": "reading", "topic": topic.id, "part": part}


def _choice(topic: Topic, part: int) -> Line:
    if part + 1 < topic.parts:
        return line("reading.choice.more")
    if topic.exercise_need:
        return line("reading.choice.exercise")
    if topic.id == TOPICS[-1].id:
        return line("reading.choice.end")
    return line("reading.choice.next")


def read(topic_id: str, part: int = 0, lead: tuple[Line, ...] = ()) -> Reading:
    topic = BY_ID[topic_id]
    choice = _choice(topic, part)
    ends = part + 1 >= topic.parts
    offer = Offer("exercise", topic.exercise_need) if ends and topic.exercise_need else None
    return Reading({"kind": "reading", "topic": topic.id, "part": part},
                   (*lead, line(f"reading.{topic.id}.part{part + 1}"), choice), (choice,), offer)


def _index(topic_id: str) -> int:
    return [topic.id for topic in TOPICS].index(topic_id)


def next_strategy(current: Mapping[str, Any] | None) -> Reading:
    """The strategy after the one just heard, wrapping round, so asking again always brings a new one."""
    topic = current["topic"] if current else None
    if topic in STRATEGIES:
        return read(STRATEGIES[(STRATEGIES.index(topic) + 1) % len(STRATEGIES)])
    return read(STRATEGIES[0])


def more(state: Mapping[str, Any]) -> Reading:
    """The next part; at a topic's end, "tell me more" moves on to the next topic."""
    if state["part"] + 1 < BY_ID[state["topic"]].parts:
        return read(state["topic"], state["part"] + 1)
    return next_topic(state)


def next_topic(state: Mapping[str, Any]) -> Reading:
    index = _index(state["topic"])
    if index + 1 >= len(TOPICS):
        return read(TOPICS[0].id, lead=(line("reading.from_the_top"),))
    return read(TOPICS[index + 1].id)


def previous_topic(state: Mapping[str, Any]) -> Reading:
    index = _index(state["topic"])
    if state["part"] > 0:
        return read(state["topic"], state["part"] - 1)
    if index == 0:
        return read(TOPICS[0].id, lead=(line("reading.at_first"),))
    return read(TOPICS[index - 1].id)


def repeat(state: Mapping[str, Any]) -> Reading:
    return read(state["topic"], state["part"])


def start_over(state: Mapping[str, Any]) -> Reading:
    return read(state["topic"], 0)
