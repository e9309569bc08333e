"""Turn a pure Turn into an ASK response: message ids become escaped SSML in the request's locale."""
from __future__ import annotations

from typing import Iterable

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response
from ask_sdk_model.interfaces.audioplayer import (
    AudioItem,
    AudioItemMetadata,
    PlayBehavior,
    PlayDirective,
    StopDirective,
    Stream,
)
from ask_sdk_model.ui import SimpleCard

from skill.speech import Phrasebook, Ssml, plain_text
from skill.turn import Clip, Directive, Piece, PlayAudio, Turn

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
    for directive in turn.directives:
        builder.add_directive(to_directive(directive))
    if turn.card:
        title_id, lines = turn.card
        content = plain_text(to_ssml(book, lines).body())
        builder.set_card(SimpleCard(title=book.text(title_id), content=content))
    if turn.end_session is not None:
        builder.set_should_end_session(turn.end_session)
    return builder.response


def to_directive(directive: Directive) -> PlayDirective | StopDirective:
    if isinstance(directive, PlayAudio):
        stream = Stream(token=directive.token, url=directive.url,
                        offset_in_milliseconds=directive.offset_ms,
                        expected_previous_token=directive.expected_previous_token)
        metadata = AudioItemMetadata(title=directive.title) if directive.title else None
        return PlayDirective(play_behavior=PlayBehavior(directive.behavior),
                             audio_item=AudioItem(stream=stream, metadata=metadata))
    return StopDirective()

