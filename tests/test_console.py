"""The console holds a conversation with a running server, matching phrases with the model's samples."""
from __future__ import annotations

import io
import threading

import pytest
from werkzeug.serving import make_server

from skill.devtools.console import ConsoleSession, http_transport, run
from skill.devtools.utterances import UtteranceMatcher, load_model


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
