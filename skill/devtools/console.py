"""recharge-console: talk to a running skill server the way Alexa would, from a terminal."""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, TextIO

import requests

from skill.devtools.envelopes import SKILL_ID, Conversation
from skill.speech import plain_text
from skill.devtools.utterances import UtteranceMatcher, load_model

Transport = Callable[[dict[str, Any]], dict[str, Any]]
CONSOLE_USER = "amzn1.ask.account.RECHARGE-CONSOLE-USER"
HELP = """Type what you would say to Alexa, e.g. "open relationship recharge", "help", "stop".
Commands: /new (new session), /started, /stopped [ms], /nearly, /finished, /failed
(AudioPlayer events for the last Play directive), /person ID (a recognised voice speaks from now on;
/person alone: a voice Alexa does not recognise), /quit."""


def http_transport(url: str, timeout_s: float = 10.0) -> Transport:
    def post(envelope: dict[str, Any]) -> dict[str, Any]:
        reply = requests.post(url, json=envelope, timeout=timeout_s)
        if reply.status_code != 200:
            raise ConsoleError(f"the server said {reply.status_code}: {reply.text.strip()[:200]}")
        return reply.json()
    return post


class ConsoleError(RuntimeError):
    """The server refused or could not be reached; the message says which."""


@dataclass
class Player:
    """What the console's pretend device is playing, so AudioPlayer events carry the right token."""

    token: str | None = None
    url: str | None = None
    offset_ms: int = 0
    activity: str = "IDLE"

    def context(self) -> dict[str, Any]:
        state: dict[str, Any] = {"playerActivity": self.activity}
        if self.token:
            state.update(token=self.token, offsetInMilliseconds=self.offset_ms)
        return state


@dataclass
class ConsoleSession:
    transport: Transport
    matcher: UtteranceMatcher
    locale: str = "en-US"
    skill_id: str = SKILL_ID
    user_id: str = CONSOLE_USER
    person_id: str | None = None
    player: Player = field(default_factory=Player)
    conversation: Conversation = field(init=False)

    def __post_init__(self) -> None:
        self.new_session()

    def new_session(self) -> None:
        self.conversation = Conversation(user_id=self.user_id, person_id=self.person_id, locale=self.locale,
                                         skill_id=self.skill_id)

    def switch_person(self, person_id: str | None) -> list[str]:
        """Another voice in the same session, as when partners take turns at one speaker."""
        self.person_id = self.conversation.person_id = person_id or None
        return [f"(speaking as person {person_id})" if person_id else "(speaking as an unrecognised voice)"]

    def say(self, text: str) -> list[str]:
        """One typed line in, the lines to print out."""
        if self.matcher.is_launch(text):
            envelope = self.conversation.launch()
        else:
            match = self.matcher.match(text)
            name = match.intent if match else "AMAZON.FallbackIntent"
            envelope = self.conversation.intent(name, **(match.slots if match else {}))
            if not match:
                return [f"(no sample matched; sending {name})", *self._send(envelope)]
            if match.slots:
                shown = ", ".join(f"{k}={v[0]!r}" + (f"->{v[1]}" if v[1] else "") for k, v in match.slots.items())
                return [f"({name}: {shown})", *self._send(envelope)]
            return [f"({name})", *self._send(envelope)]
        return self._send(envelope)

    def audio_event(self, kind: str, offset_ms: int | None = None) -> list[str]:
        if not self.player.token:
            return ["(nothing is playing: ask for an exercise first)"]
        if offset_ms is not None:
            self.player.offset_ms = offset_ms
        request_type = {
            "started": "AudioPlayer.PlaybackStarted", "stopped": "AudioPlayer.PlaybackStopped",
            "nearly": "AudioPlayer.PlaybackNearlyFinished", "finished": "AudioPlayer.PlaybackFinished",
            "failed": "AudioPlayer.PlaybackFailed",
        }[kind]
        self.player.activity = {"started": "PLAYING", "stopped": "STOPPED", "finished": "FINISHED",
                                "failed": "STOPPED"}.get(kind, self.player.activity)
        fields: dict[str, Any] = {"token": self.player.token, "offsetInMilliseconds": self.player.offset_ms}
        if kind == "failed":
            fields["error"] = {"type": "MEDIA_ERROR_UNKNOWN", "message": "simulated by the console"}
        self.conversation.audio_player = self.player.context()
        return [f"({request_type} at {self.player.offset_ms} ms)",
                *self._send(self.conversation.event(request_type, **fields))]

    def _send(self, envelope: dict[str, Any]) -> list[str]:
        self.conversation.audio_player = self.player.context()
        reply = self.transport(envelope)
        self.conversation.absorb(reply)
        return self._describe(reply.get("response") or {})

    def _describe(self, response: dict[str, Any]) -> list[str]:
        out = []
        speech = (response.get("outputSpeech") or {}).get("ssml")
        if speech:
            out.append(f"Alexa: {plain_text(speech)}")
        reprompt = ((response.get("reprompt") or {}).get("outputSpeech") or {}).get("ssml")
        if reprompt:
            out.append(f"  (if you say nothing: {plain_text(reprompt)})")
        card = response.get("card")
        if card:
            out.append(f"  [card] {card.get('title')}: {card.get('content') or card.get('text')}")
        for directive in response.get("directives") or []:
            out.append("  " + self._directive(directive))
        if response.get("shouldEndSession"):
            out.append("  (session ended)")
            self.new_session()
        elif not response:
            out.append("  (no response)")
        return out

    def _directive(self, directive: dict[str, Any]) -> str:
        kind = directive.get("type", "?")
        if kind == "AudioPlayer.Play":
            stream = directive["audioItem"]["stream"]
            self.player.token, self.player.url = stream["token"], stream["url"]
            self.player.offset_ms = stream.get("offsetInMilliseconds", 0)
            return (f"[{kind} {directive.get('playBehavior')}] url={stream['url']} "
                    f"token={stream['token']} offset={self.player.offset_ms}ms")
        if kind == "AudioPlayer.Stop":
            self.player.activity = "STOPPED"
        return f"[{kind}] " + ", ".join(f"{k}={v}" for k, v in directive.items() if k != "type")


def run(session: ConsoleSession, lines: TextIO, out: TextIO, interactive: bool) -> int:
    print(HELP, file=out)
    while True:
        if interactive:
            out.write("you> ")
            out.flush()
        text = lines.readline()
        if not text:
            return 0
        text = text.strip()
        if not text:
            continue
        if not interactive:
            print(f"you> {text}", file=out)
        try:
            printed = _dispatch(session, text)
        except (ConsoleError, requests.RequestException) as error:
            printed = [f"(error: {error})"]
        if printed is None:
            return 0
        for row in printed:
            print(row, file=out)


def _dispatch(session: ConsoleSession, text: str) -> list[str] | None:
    if not text.startswith("/"):
        return session.say(text)
    command, *rest = text[1:].split()
    if command in {"quit", "exit", "q"}:
        return None
    if command == "new":
        session.new_session()
        return ["(new session)"]
    if command == "person":
        return session.switch_person(rest[0] if rest else None)
    if command in {"started", "stopped", "nearly", "finished", "failed"}:
        offset = int(rest[0]) if rest and rest[0].isdigit() else None
        return session.audio_event(command, offset)
    return [HELP]


def main(argv: list[str] | None = None) -> int:
    host = os.environ.get("RECHARGE_HOST", "127.0.0.1")
    port = os.environ.get("RECHARGE_PORT", "5000")
    parser = argparse.ArgumentParser(prog="recharge-console", description=__doc__)
    parser.add_argument("--url", default=f"http://{host}:{port}/alexa", help="the skill endpoint")
    parser.add_argument("--locale", default="en-US")
    parser.add_argument("--skill-id", default=os.environ.get("RECHARGE_SKILL_ID") or SKILL_ID)
    parser.add_argument("--person", metavar="ID", default=None,
                        help="speak as a recognised voice profile (context.System.person.personId); /person switches")
    args = parser.parse_args(argv)
    session = ConsoleSession(http_transport(args.url), UtteranceMatcher(load_model("en-US")),
                             locale=args.locale, skill_id=args.skill_id, person_id=args.person)
    return run(session, sys.stdin, sys.stdout, interactive=sys.stdin.isatty())


if __name__ == "__main__":
    sys.exit(main())
