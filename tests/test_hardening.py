"""Issue 11's findings, one test each: never a 500, never a request value in a path, degraded is visible."""
from __future__ import annotations

import json
import logging
import shutil

import pytest

from app import create_app, main
from skill.alexa.settings import SettingsError, load_settings
from tests.conftest import Talker, dev_settings, hosted_settings
from tests.envelopes import SKILL_ID, Conversation

PLAIN_400 = {"error": "bad_request"}


def post_raw(app, body: bytes):
    return app.test_client().post("/alexa", data=body, content_type="application/json")


def refused_with(app, caplog, body: bytes | dict, reason: str) -> None:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    with caplog.at_level(logging.INFO):
        result = post_raw(app, raw)
    assert result.status_code == 400
    assert result.get_json() == PLAIN_400
    assert reason in caplog.text
    assert "Traceback" not in caplog.text


# --- 1. 500s before the signature check --------------------------------------------------------


def test_deeply_nested_json_is_a_plain_400(app, caplog):
    refused_with(app, caplog, b"[" * 2000 + b"]" * 2000, "body_too_deep")


def test_an_integer_of_five_thousand_digits_is_a_plain_400(app, caplog):
    envelope = Conversation().launch()
    body = json.dumps(envelope).replace('"version": "1.0"', '"version": "1.0", "n": ' + "9" * 5000).encode()
    refused_with(app, caplog, body, "number_too_long")


def test_deep_nesting_is_refused_even_with_verification_on(tmp_path, caplog):
    from skill.alexa.settings import Settings
    app = create_app(Settings(skill_id=SKILL_ID, verify_signatures=True, data_dir=tmp_path))
    refused_with(app, caplog, b'{"request":' * 900 + b"1" + b"}" * 900, "body_too_deep")


# --- 2. handler inputs are validated at the envelope -------------------------------------------


def _player_event(offset):
    return Conversation().event("AudioPlayer.PlaybackStopped", token="box-breathing@abc", offsetInMilliseconds=offset)


def test_an_audioplayer_offset_of_two_to_the_63_is_a_plain_400(app, caplog):
    refused_with(app, caplog, _player_event(2**63), "event_offset_invalid")


def test_an_offset_in_the_device_state_out_of_range_is_a_plain_400(app, caplog):
    envelope = Conversation().launch()
    envelope["context"]["AudioPlayer"] = {"token": "x", "offsetInMilliseconds": -1, "playerActivity": "STOPPED"}
    refused_with(app, caplog, envelope, "context_player_offset_invalid")


def test_a_token_over_1024_characters_is_a_plain_400(app, caplog):
    envelope = Conversation().event("AudioPlayer.PlaybackStarted", token="t" * 1025, offsetInMilliseconds=0)
    refused_with(app, caplog, envelope, "event_token_invalid")


def test_a_lone_surrogate_user_id_is_a_plain_400(app, caplog):
    envelope = Conversation().launch()
    envelope["context"]["System"]["user"]["userId"] = "amzn1.ask.account.\ud800"
    refused_with(app, caplog, envelope, "text_not_unicode")


def test_session_attributes_nested_500_deep_are_a_plain_400(app, caplog):
    envelope = Conversation().launch()
    nested: dict = {}
    for _ in range(500):
        nested = {"a": nested}
    envelope["session"]["attributes"] = nested
    refused_with(app, caplog, envelope, "body_too_deep")


def test_session_attributes_deeper_than_the_skill_writes_are_a_plain_400(app, caplog):
    envelope = Conversation().launch()
    envelope["session"]["attributes"] = {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {"i": {}}}}}}}}}}
    refused_with(app, caplog, envelope, "attributes_too_deep")


@pytest.mark.parametrize("change, reason", [
    (lambda intent: intent.update(slots=["not", "a", "mapping"]), "slots_invalid"),
    (lambda intent: intent["slots"].update(exercise=None), "slot_invalid"),
    (lambda intent: intent["slots"]["exercise"].update(value=7), "slot_value_invalid"),
    (lambda intent: intent["slots"]["exercise"].update(resolutions="x"), "resolutions_invalid"),
    (lambda intent: intent["slots"]["exercise"]["resolutions"].update(resolutionsPerAuthority=[None]),
     "resolution_invalid"),
    (lambda intent: intent.update(name=None), "intent_name_invalid"),
], ids=["slots-list", "slot-null", "slot-value-number", "resolutions-string", "authority-null", "intent-name-null"])
def test_slots_and_resolutions_of_the_wrong_type_are_a_plain_400(app, caplog, change, reason):
    envelope = Conversation().intent("PlayExerciseIntent", exercise=("box breathing", "box-breathing"))
    change(envelope["request"]["intent"])
    refused_with(app, caplog, envelope, reason)


def test_a_slot_value_with_characters_xml_forbids_is_a_plain_400(app, caplog):
    envelope = Conversation().intent("ReconnectIntent", first_name="\x1b", second_name="Sam")
    refused_with(app, caplog, envelope, "slot_value_not_speakable")


def test_a_minutes_slot_of_a_superscript_two_gets_an_answer_without_a_handler_crash(talker, caplog):
    with caplog.at_level(logging.ERROR):
        reply = talker.post(Conversation().intent("ExerciseByLengthIntent", minutes="²"))
    assert reply.status == 200
    assert "handler failed" not in caplog.text


# --- 3. the request's locale never becomes a file path -----------------------------------------


@pytest.mark.parametrize("locale", ["../../audio/exercises/box-breathing", "e" * 300, "en-US\x00"],
                         ids=["path", "300-characters", "nul"])
def test_a_malformed_locale_is_a_plain_400(app, caplog, locale):
    envelope = Conversation().launch()
    envelope["request"]["locale"] = locale
    refused_with(app, caplog, envelope, "locale_invalid")


def test_an_unknown_locale_is_answered_in_en_us_without_reading_any_file(app, monkeypatch):
    import skill.speech

    def no_reads(path):
        raise AssertionError(f"content read at request time: {path}")

    monkeypatch.setattr(skill.speech, "load_content_file", no_reads)
    talker = Talker(app.test_client())
    for locale in ("de-DE", "fr-CA", "zz-ZZ", "en-gb", "en_AU", "en-IN"):
        envelope = Conversation().launch()
        envelope["request"]["locale"] = locale
        reply = talker.post(envelope)
        assert reply.status == 200 and "Relationship Recharge" in reply.speech


def test_locales_map_onto_the_shipped_set_with_en_us_as_the_fallback():
    from skill.speech import SUPPORTED_LOCALES, phrasebook, supported_locale

    assert SUPPORTED_LOCALES == ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")
    assert supported_locale("en-gb") == "en-GB" and supported_locale("de-DE") == "en-US"
    assert supported_locale(None) == "en-US" and supported_locale(["en-GB"]) == "en-US"
    assert phrasebook("EN_au").locale == "en-AU"


def test_every_shipped_overlay_file_is_loaded(tmp_path):
    from skill.speech import CONTENT_DIR, _merged_messages, preload_content

    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    (content / "en-IN.yaml").write_text("launch:\n  welcome: Namaste from the overlay.\n", encoding="utf-8")
    preload_content(content)
    assert _merged_messages(content, "en-IN")["launch.welcome"].variants == ("Namaste from the overlay.",)
    assert _merged_messages(content, "en-US")["launch.welcome"].variants != ("Namaste from the overlay.",)


# --- 7. a missing or damaged build is visible and still speaks ---------------------------------


def test_without_a_build_healthz_is_degraded_and_exercises_are_spoken(make_app, caplog):
    with caplog.at_level(logging.WARNING):
        app = make_app()
    assert "no audio manifest" in caplog.text
    health = app.test_client().get("/healthz").get_json()
    assert health["status"] == "degraded" and "audio_catalogue_unavailable" in health["reasons"]
    reply = Talker(app.test_client()).post(
        Conversation().intent("PlayExerciseIntent", exercise=("box breathing", "box-breathing")))
    assert reply.status == 200
    assert "This is box breathing." in reply.speech
    assert not reply.directives and "<audio" not in reply.ssml


def test_with_a_build_and_a_database_healthz_is_ok(make_app, built_data_dir, tmp_path):
    app = make_app(hosted_settings(built_data_dir, tmp_path))
    health = app.test_client().get("/healthz").get_json()
    assert health == {"status": "ok", "reasons": [], "verify_signatures": False, "database": True,
                      "database_backend": app.extensions["recharge"].database.backend, "exercises": "manifest"}


def test_without_a_database_healthz_is_degraded(make_app, tmp_path):
    health = make_app(database=None).test_client().get("/healthz").get_json()
    assert health["status"] == "degraded" and "database_unavailable" in health["reasons"]


def test_one_bad_manifest_entry_drops_only_that_entry(built_data_dir, tmp_path, caplog):
    from skill.exercises import load_catalogue

    audio = tmp_path / "audio"
    audio.mkdir()
    manifest = json.loads((built_data_dir / "audio" / "manifest.json").read_text(encoding="utf-8"))
    total = len(manifest["exercises"])
    del manifest["exercises"]["box-breathing"]["duration_ms"]
    (audio / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        catalogue = load_catalogue(audio)
    assert catalogue.source == "manifest"
    assert len(catalogue.exercises) == total - 1 and catalogue.get("box-breathing") is None
    assert "'box-breathing' dropped" in caplog.text


# --- 8. configuration ---------------------------------------------------------------------------


def test_an_impossible_host_names_the_variable():
    with pytest.raises(SettingsError, match="RECHARGE_HOST"):
        load_settings({"RECHARGE_VERIFY_SIGNATURES": "false", "RECHARGE_HOST": "256.1.1.1"})


@pytest.mark.parametrize("host", ["0.0.0.0", "::1", "localhost", "skill.example.org"])
def test_real_hosts_are_accepted(host):
    assert load_settings({"RECHARGE_VERIFY_SIGNATURES": "false", "RECHARGE_HOST": host}).host


def test_an_unusable_data_directory_stops_the_server_naming_the_variable(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(SettingsError, match="RECHARGE_DATA_DIR"):
        create_app(dev_settings(tmp_path, data_dir=blocker), verifier=None)
    monkeypatch.setenv("RECHARGE_VERIFY_SIGNATURES", "false")
    monkeypatch.setenv("RECHARGE_DATA_DIR", str(blocker / "sub"))
    assert main(["--no-audio-build"]) == 2
    assert "RECHARGE_DATA_DIR" in capsys.readouterr().err


def test_an_empty_user_key_secret_warns(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        create_app(dev_settings(tmp_path, user_key_secret=""), verifier=None)
    assert "RECHARGE_USER_KEY_SECRET is empty" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        create_app(dev_settings(tmp_path, user_key_secret="s3cret"), verifier=None)
    assert "RECHARGE_USER_KEY_SECRET" not in caplog.text


# --- 9. smaller ---------------------------------------------------------------------------------


def test_with_verification_off_the_configured_skill_id_is_still_checked(make_app, caplog):
    app = make_app()
    ours = Conversation().launch()
    assert post_raw(app, json.dumps(ours).encode()).status_code == 200
    theirs = Conversation(skill_id="amzn1.ask.skill.99999999-9999-4999-8999-999999999999").launch()
    refused_with(app, caplog, theirs, "application_id_mismatch")


def test_with_verification_off_and_no_skill_id_any_skill_is_answered(make_app, tmp_path):
    app = make_app(dev_settings(tmp_path, skill_id=None))
    theirs = Conversation(skill_id="amzn1.ask.skill.99999999-9999-4999-8999-999999999999").launch()
    assert post_raw(app, json.dumps(theirs).encode()).status_code == 200


def test_a_multi_range_request_gets_the_first_range(make_app, built_data_dir, tmp_path):
    app = make_app(hosted_settings(built_data_dir, tmp_path))
    manifest = json.loads((built_data_dir / "audio" / "manifest.json").read_text(encoding="utf-8"))
    name = manifest["exercises"]["box-breathing"]["file"]
    whole = (built_data_dir / "audio" / name).read_bytes()
    result = app.test_client().get(f"/audio/{name}", headers={"Range": "bytes=0-99, 200-299"})
    assert result.status_code == 206
    assert result.data == whole[:100]


def test_a_doubled_slash_is_never_redirected_to_the_host_header(app):
    result = app.test_client().get("/audio//etc/passwd", headers={"Host": "evil.example"})
    assert result.status_code == 404
    assert "Location" not in result.headers


def test_refusals_do_not_say_which_check_failed(app):
    bodies = [b"{", b"[]", b'{"request": {}}', json.dumps({"request": {"type": "LaunchRequest", "locale": "../x"}}).encode()]
    answers = {post_raw(app, body).get_data() for body in bodies}
    assert len(answers) == 1 and json.loads(answers.pop()) == PLAIN_400

