"""The console holds a conversation with a running server, matching phrases with the model's samples."""
from __future__ import annotations

import io
import threading

import pytest
from werkzeug.serving import make_server

from skill.devtools.console import ConsoleSession, http_transport, run
from skill.devtools.utterances import UtteranceMatcher, load_model
from tests.talk import text


@pytest.fixture
def matcher() -> UtteranceMatcher:
    return UtteranceMatcher(load_model("en-US"))


@pytest.fixture
def live_url(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/alexa"
    server.shutdown()


def test_launch_help_stop_over_real_http(live_url, matcher):
    session = ConsoleSession(http_transport(live_url), matcher)
    out = io.StringIO()
    script = io.StringIO("open relationship recharge\nwhat can you do\nstop\n/quit\n")
    assert run(session, script, out, interactive=False) == 0
    transcript = out.getvalue()
    assert "Alexa: " in transcript
    assert "(AMAZON.HelpIntent)" in transcript
    assert "not a substitute for professional help" in transcript
    assert "(AMAZON.StopIntent)" in transcript
    assert transcript.index("(session ended)") > transcript.index("(AMAZON.StopIntent)")


def test_unmatched_phrase_goes_to_fallback(live_url, matcher):
    session = ConsoleSession(http_transport(live_url), matcher)
    printed = session.say("purple elephants dancing")
    assert printed[0] == "(no sample matched; sending AMAZON.FallbackIntent)"
    assert printed[1].startswith("Alexa: ")


def test_server_refusal_is_reported_not_raised(matcher):
    session = ConsoleSession(http_transport("http://127.0.0.1:9/alexa", timeout_s=0.5), matcher)
    out = io.StringIO()
    run(session, io.StringIO("help\n"), out, interactive=False)
    assert "(error: " in out.getvalue()


def test_session_attributes_carry_over(app, matcher):
    client = app.test_client()
    seen = []

    def transport(envelope):
        seen.append(envelope)
        return client.post("/alexa", json=envelope).get_json()

    session = ConsoleSession(transport, matcher)
    session.say("open relationship recharge")
    session.say("help")
    assert seen[0]["session"]["new"] is True
    assert seen[1]["session"]["new"] is False
    assert seen[0]["session"]["sessionId"] == seen[1]["session"]["sessionId"]


def test_person_command_switches_the_speaking_voice_within_the_session(app, matcher):
    client = app.test_client()
    seen = []

    def transport(envelope):
        seen.append(envelope)
        return client.post("/alexa", json=envelope).get_json()

    session = ConsoleSession(transport, matcher)
    out = io.StringIO()
    script = io.StringIO("open relationship recharge\n/person amzn1.ask.person.CONSOLEA\nhow are we both doing\n"
                         "/person\nhow are we both doing\n/quit\n")
    run(session, script, out, interactive=False)
    people = [envelope["context"]["System"].get("person") for envelope in seen]
    assert people == [None, {"personId": "amzn1.ask.person.CONSOLEA"}, None]
    assert len({envelope["session"]["sessionId"] for envelope in seen}) == 1
    transcript = out.getvalue()
    assert "(speaking as person amzn1.ask.person.CONSOLEA)" in transcript
    assert "(BothOfUsHistoryIntent)" in transcript
    assert transcript.index(text("together.you_first")) < transcript.index(text("together.needs_voices"))


def test_person_option_speaks_as_a_recognised_voice(live_url, monkeypatch, capsys):
    from skill.devtools import console

    monkeypatch.setattr("sys.stdin", io.StringIO("how are we both doing\nturn sharing off\n/quit\n"))
    assert console.main(["--url", live_url, "--person", "amzn1.ask.person.CONSOLEB"]) == 0
    transcript = capsys.readouterr().out
    assert text("together.you_first") in transcript and text("sharing.turned_off") in transcript
