"""Turn a pure Turn into an ASK response: message ids become escaped SSML in the request's locale."""
from __future__ import annotations

from typing import Iterable

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response
from ask_sdk_model.ui import SimpleCard

from skill.speech import Phrasebook, Ssml, plain_text
from skill.turns import Clip, Line, Piece, Turn

PHRASEBOOK_KEY = "phrasebook"


def phrasebook_of(handler_input: HandlerInput) -> Phrasebook:
    return handler_input.attributes_manager.request_attributes[PHRASEBOOK_KEY]


def to_ssml(book: Phrasebook, pieces: Iterable[Piece]) -> Ssml:
    ssml = Ssml()
    for piece in pieces:
        if isinstance(piece, Clip):
            ssml.audio(piece.url)
            continue
        ssml.text(book.text(piece.id, **piece.params))
        if piece.pause_ms:
            ssml.pause(piece.pause_ms)
    return ssml


def render(handler_input: HandlerInput, turn: Turn) -> Response:
    book = phrasebook_of(handler_input)
    builder = handler_input.response_builder
    if turn.say:
        builder.speak(to_ssml(book, turn.say).body())
    if turn.reprompt and not turn.end_session:
        builder.ask(to_ssml(book, turn.reprompt).body())
    if turn.card:
        title_id, lines = turn.card
        content = plain_text(to_ssml(book, lines).body())
        builder.set_card(SimpleCard(title=book.text(title_id), content=content))
    builder.set_should_end_session(turn.end_session)
    return builder.response


def lines_text(book: Phrasebook, lines: Iterable[Line]) -> str:
    return plain_text(to_ssml(book, lines).body())
