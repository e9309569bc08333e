"""recharge-console: talk to a running skill server the way Alexa would, from a terminal."""
from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass, field
from html import unescape
from typing import Any, Callable, TextIO
from urllib.parse import urlsplit, urlunsplit

import requests

from skill.devtools.envelopes import SKILL_ID, Conversation
from skill.speech import plain_text
from skill.understanding.matcher import Match, Matcher, matcher_for
from skill.understanding.source import LOCALES

Transport = Callable[[dict[str, Any]], dict[str, Any]]
CONSOLE_USER = "amzn1.ask.account.RECHARGE-CONSOLE-USER"
AUDIO_SRC = re.compile(r'<audio src="([^"]+)"')
HELP = """Type what you would say to Alexa, e.g. "open relationship recharge", "help", "stop".
Each line shows the intent the NLU stand-in chose and how sure it was (--strict: exact samples only).
Commands: /new (new session), /started, /stopped [ms], /nearly, /finished, /failed
(AudioPlayer events for the last Play directive), /person ID (a recognised voice speaks from now on;
/person alone: a voice Alexa does not recognise), /quit."""


START_SERVER = "RECHARGE_VERIFY_SIGNATURES=false .venv/bin/recharge-server"


def http_transport(url: str, timeout_s: float = 10.0) -> Transport:
    def post(envelope: dict[str, Any]) -> dict[str, Any]:
        try:
            reply = requests.post(url, json=envelope, timeout=timeout_s)
        except requests.ConnectionError:
            raise ConsoleError(f"no skill server is answering at {url} (start one with: {START_SERVER})") from None
        except requests.Timeout:
            raise ConsoleError(f"the skill server at {url} did not answer within {timeout_s:g} s") from None
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
    matcher: Matcher
    locale: str = "en-US"
    strict: bool = False  # exact sample matching only; by default the nearest sample above a confidence floor
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
        """One typed line in, the lines to print out: first the intent chosen and its confidence."""
        if self.matcher.is_launch(text):
            return ["(LaunchRequest)", *self._send(self.conversation.launch())]
        match = self.matcher.match(text, strict=self.strict)
        slots = {name: (slot.text, slot.value_id) for name, slot in match.slots.items()}
        return [describe(match), *self._send(self.conversation.intent(match.intent, **slots))]

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
            out.extend(f"  [audio in the speech] {unescape(src)}" for src in AUDIO_SRC.findall(speech))
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


def describe(match: Match) -> str:
    """"(StrategyIntent 0.87: topic='a rut'->rough_patch)": the intent sent, how sure, and its slots."""
    shown = ", ".join(f"{name}={slot.text!r}" + (f"->{slot.value_id}" if slot.value_id else "")
                      for name, slot in match.slots.items())
    nothing = " (nothing close enough)" if match.is_fallback and match.confidence == 0 else ""
    return f"({match.intent} {match.confidence:.2f}{': ' + shown if shown else ''}{nothing})"


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


def default_url(environ: dict[str, str] | None = None) -> str:
    """The server's own address from RECHARGE_HOST/RECHARGE_PORT, as recharge-server reads them."""
    env = os.environ if environ is None else environ
    host = env.get("RECHARGE_HOST", "").strip() or "127.0.0.1"
    host = "127.0.0.1" if host in {"0.0.0.0", "::"} else (f"[{host}]" if ":" in host else host)
    return f"http://{host}:{env.get('RECHARGE_PORT', '').strip() or '5000'}/alexa"


def server_problem(url: str, timeout_s: float = 3.0) -> str | None:
    """One plain line when nothing answers at the server's address, else None."""
    parts = urlsplit(url)
    try:
        requests.get(urlunsplit((parts.scheme, parts.netloc, "/healthz", "", "")), timeout=timeout_s)
    except requests.ConnectionError:
        return f"recharge-console: no skill server is answering at {url}; start one first: {START_SERVER}"
    except requests.Timeout:
        return f"recharge-console: the skill server at {url} did not answer within {timeout_s:g} s"
    except requests.RequestException as error:
        return f"recharge-console: cannot talk to {url}: {type(error).__name__}"
    return None


def main(argv: list[str] | None = None) -> int:
    url = default_url()
    parser = argparse.ArgumentParser(prog="recharge-console", description=f"{__doc__} It talks to {url}.")
    parser.add_argument("--url", default=url,
                        help="the skill endpoint it posts to (default: %(default)s, from RECHARGE_HOST and RECHARGE_PORT)")
    parser.add_argument("--locale", choices=LOCALES, default="en-US")
    parser.add_argument("--strict", action="store_true", help="exact sample matching only, no NLU stand-in")
    parser.add_argument("--skill-id", default=os.environ.get("RECHARGE_SKILL_ID") or SKILL_ID)
    parser.add_argument("--person", metavar="ID", default=None,
                        help="speak as a recognised voice profile (context.System.person.personId); /person switches")
    args = parser.parse_args(argv)
    problem = server_problem(args.url)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    session = ConsoleSession(http_transport(args.url), matcher_for(args.locale),
                             locale=args.locale, skill_id=args.skill_id, person_id=args.person, strict=args.strict)
    return run(session, sys.stdin, sys.stdout, interactive=sys.stdin.isatty())


if __name__ == "__main__":
    sys.exit(main())
