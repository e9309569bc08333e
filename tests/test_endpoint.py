"""The /alexa endpoint end to end: built-in intents and every kind of bad input."""
from __future__ import annotations

import json

import pytest

from tests.envelopes import Conversation


def test_launch_welcomes_and_keeps_the_session_open(talker, conversation):
    reply = talker.post(conversation.launch(), conversation)
    assert reply.status == 200
    assert "check-in" in reply.speech
    assert reply.reprompt
    assert reply.ends_session is False


def test_help_says_it_is_not_a_substitute_for_professional_help(talker, conversation):
    reply = talker.post(conversation.intent("AMAZON.HelpIntent"))
    assert "not a substitute for professional help" in reply.speech
    assert reply.ends_session is False


@pytest.mark.parametrize("intent", ["AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NavigateHomeIntent"])
def test_leaving_ends_the_session_kindly(talker, conversation, intent):
    reply = talker.post(conversation.intent(intent))
    assert reply.ends_session is True
    assert reply.speech
    assert not reply.reprompt


def test_fallback_offers_choices(talker, conversation):
    reply = talker.post(conversation.intent("AMAZON.FallbackIntent"))
    assert "check in" in reply.speech
    assert reply.ends_session is False


def test_unknown_intent_gets_the_fallback_not_an_error(talker, conversation):
    reply = talker.post(conversation.intent("SomethingNobodyDeclaredIntent"))
    assert reply.status == 200
    assert "didn't catch that" in reply.speech


def test_session_ended_gets_an_empty_valid_response(talker, conversation):
    reply = talker.post(conversation.session_ended("EXCEEDED_MAX_REPROMPTS"))
    assert reply.status == 200
    assert "outputSpeech" not in reply.response


def test_exception_encountered_gets_no_speech(talker, conversation):
    envelope = conversation.event(
        "System.ExceptionEncountered",
        error={"type": "INVALID_RESPONSE", "message": "The response is invalid."},
        cause={"requestId": "amzn1.echo-api.request.previous"},
    )
    reply = talker.post(envelope)
    assert reply.status == 200
    assert "outputSpeech" not in reply.response


def test_well_formed_but_unexpected_request_type_gets_a_valid_empty_response(talker, conversation):
    envelope = conversation.event("Alexa.Presentation.APL.UserEvent", token="x", arguments=[])
    reply = talker.post(envelope)
    assert reply.status == 200
    assert "outputSpeech" not in reply.response


def test_healthz_answers_even_without_a_build(app):
    result = app.test_client().get("/healthz")
    assert result.status_code == 200
    assert result.get_json()["status"] in {"ok", "degraded"}


@pytest.mark.parametrize(
    "body, content_type, status, reason",
    [
        (b"{not json", "application/json", 400, "body_not_json"),
        (b"\xff\xfe\x00", "application/json", 400, "body_not_utf8"),
        (b"[]", "application/json", 400, "not_an_alexa_request"),
        (b'{"version": "1.0"}', "application/json", 400, "not_an_alexa_request"),
        (b'{"version": "1.0", "request": {"requestId": "x"}}', "application/json", 400, "request_type_missing"),
        (b'{"version": "1.0", "request": {"type": "LaunchRequest"}}', "text/plain", 415, "content_type_must_be_json"),
    ],
    ids=["malformed", "not-utf8", "array", "no-request", "no-type", "wrong-content-type"],
)
def test_bad_bodies_get_a_plain_4xx_and_the_reason_goes_to_the_log(app, caplog, body, content_type, status, reason):
    client = app.test_client()
    result = client.post("/alexa", data=body, content_type=content_type)
    assert result.status_code == status
    if status == 400:
        assert result.get_json() == {"error": "bad_request"}
        assert reason in caplog.text
    else:
        assert result.get_json() == {"error": reason}
    assert client.get("/healthz").status_code == 200


def test_request_type_newer_than_the_sdk_gets_a_valid_empty_response(talker, conversation):
    envelope = conversation.launch()
    envelope["request"]["type"] = "Made.Up.Request"
    reply = talker.post(envelope)
    assert reply.status == 200
    assert reply.response == {}


def test_body_over_the_limit_is_refused(app):
    big = json.dumps({"version": "1.0", "request": {"type": "LaunchRequest"}, "pad": "x" * 400_000})
    result = app.test_client().post("/alexa", data=big, content_type="application/json")
    assert result.status_code == 413
    assert result.get_json() == {"error": "body_too_large"}


def test_get_on_the_endpoint_is_405(app):
    result = app.test_client().get("/alexa")
    assert result.status_code == 405
    assert result.get_json() == {"error": "method_not_allowed"}


def test_envelope_of_the_wrong_shape_is_refused_not_crashed(app, caplog):
    envelope = Conversation().launch()
    envelope["session"] = "not an object"
    result = app.test_client().post("/alexa", json=envelope)
    assert result.status_code == 400
    assert result.get_json() == {"error": "bad_request"}
    assert "session_invalid" in caplog.text


def test_user_ids_never_reach_the_log(talker, conversation, caplog):
    from tests.envelopes import USER_ID

    caplog.set_level("DEBUG")
    for envelope in (conversation.launch(), conversation.intent("CheckInIntent"),
                     conversation.intent("AnswerFrequencyIntent", frequency=("often", "often")),
                     conversation.intent("HistoryIntent"), conversation.session_ended()):
        talker.post(envelope, conversation)
    assert "request type=IntentRequest" in caplog.text
    assert USER_ID not in caplog.text and USER_ID[-12:] not in caplog.text


@pytest.mark.parametrize("stamp", ["2026-11-26T03:30:00Z", "2026-11-26T03:30:00.123Z", "2026-11-26T03:30:00+00:00"])
def test_envelope_timestamps_parse_like_the_sdk_does(stamp):
    from datetime import datetime, timezone

    from ask_sdk_core.serialize import DefaultSerializer
    from ask_sdk_model import RequestEnvelope

    from skill.alexa.endpoint import EnvelopeSerializer

    envelope = Conversation().launch()
    envelope["request"]["timestamp"] = stamp
    ours = EnvelopeSerializer().deserialize(json.dumps(envelope), RequestEnvelope).request.timestamp
    sdk = DefaultSerializer().deserialize(json.dumps(envelope), RequestEnvelope).request.timestamp
    assert ours == sdk
    assert ours.tzinfo is not None and ours.astimezone(timezone.utc).replace(microsecond=0) == datetime(
        2026, 11, 26, 3, 30, tzinfo=timezone.utc)
