"""The reading state: read-aloud topics and strategies, a part at a time, moving on, back, or to an exercise."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

from skill import strategies
from skill.conversation.events import Event
from skill.conversation.port import Port
from skill.conversation.shared import Handler, Reply, Table, leaving, resume
from skill.conversation.state import Reading, State
from skill.turn import Line, ask, line


def read(reading: strategies.Reading, state: State, lead: tuple[Line, ...] = ()) -> Reply:
    """Say a part; at a topic's end the topic's exercise is offered (strategies decide which)."""
    at = Reading(reading.state["topic"], reading.state["part"])
    offer = reading.offer if reading.offer is not None else state.offer
    return ask(*lead, *reading.say, reprompt=reading.reprompt), replace(state, flow=at, offer=offer)


def strategy(event: Event, state: State, port: Port) -> Reply:
    """From anywhere: a named topic, or the next of the five strategies."""
    topic = event.slot("topic")
    if topic.filled and topic.value_id not in strategies.BY_ID:
        return ask(line("reading.unknown_topic"), line("reading.topics"), *resume(state)), state
    current = state.reading.as_dict() if state.reading else None
    lead, left = leaving(state)
    reading = strategies.read(topic.value_id) if topic.filled and topic.value_id else strategies.next_strategy(current)
    return read(reading, left, lead)


def _move(action: Callable[[dict[str, Any]], strategies.Reading]) -> Handler:
    def handler(event: Event, state: State, port: Port) -> Reply:
        assert state.reading is not None, "the reading table runs only while a topic is being read"
        return read(action(state.reading.as_dict()), state)
    return handler


def not_understood(event: Event, state: State, port: Port) -> Reply:
    assert state.reading is not None, "the reading table runs only while a topic is being read"
    again = strategies.repeat(state.reading.as_dict())
    return ask(line("fallback.in_reading"), *again.reprompt), state


# While a topic is being read. Yes and no answer the offer at a topic's end (offers.py).
TABLE: Table = {
    "TellMeMoreIntent": _move(strategies.more),
    "SkipIntent": _move(strategies.next_topic),
    "AMAZON.NextIntent": _move(strategies.next_topic),
    "AMAZON.PreviousIntent": _move(strategies.previous_topic),
    "AMAZON.RepeatIntent": _move(strategies.repeat),
    "AMAZON.StartOverIntent": _move(strategies.start_over),
    "AMAZON.FallbackIntent": not_understood,
}
# From any state.
START: Table = {"StrategyIntent": strategy}
