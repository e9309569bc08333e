"""Exercises through the Flask app with the real built catalogue: asking, playing, pausing, resuming, reconnecting."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from audio.slot_type import exercise_slot_type
from skill.devtools.utterances import UtteranceMatcher, load_model
from skill.exercises import load_catalogue
from skill.playback import menu_picks
from tests.conftest import Talker, hosted_settings
from tests.envelopes import USER_ID, Conversation
from tests.talk import Session, said

BASE = "https://audio.example.org/recharge"


@pytest.fixture
def manifest(built_data_dir) -> dict:
    return json.loads((built_data_dir / "audio" / "manifest.json").read_text())["exercises"]


@pytest.fixture
def hosted(make_app, built_data_dir, tmp_path) -> Talker:
    return Talker(make_app(hosted_settings(built_data_dir, tmp_path)).test_client())


@pytest.fixture
def unhosted(make_app, built_data_dir, tmp_path) -> Talker:
    """A deployment without a public audio address (verification on, so no development audio either)."""
    settings = hosted_settings(built_data_dir, tmp_path, audio_base_url=None, verify_signatures=True)
    return Talker(make_app(settings).test_client())


def audio_sources(ssml: str) -> list[str]:
    return [node.attrib["src"] for node in ElementTree.fromstring(ssml).iter("audio")]


def audio_seconds(ssml: str, manifest: dict) -> float:
    durations = {entry["file"]: entry["duration_ms"] for entry in manifest.values()}
    durations.update({seg["file"]: seg["duration_ms"] for entry in manifest.values()
                      for seg in entry.get("segments", [])})
    return sum(durations[src.rsplit("/", 1)[1]] for src in audio_sources(ssml)) / 1000


def play_directive(reply) -> dict:
    (directive,) = [d for d in reply.directives if d["type"] == "AudioPlayer.Play"]
    return directive["audioItem"]["stream"]


def test_the_model_slot_type_is_generated_from_the_exercise_scripts():
    model = load_model("en-US")["interactionModel"]["languageModel"]
    in_model = next(t for t in model["types"] if t["name"] == "EXERCISE")
    assert in_model == exercise_slot_type(), "run: python -m audio.slot_type"


def test_every_built_exercise_is_reachable_by_voice_and_plays(hosted, manifest):
    matcher = UtteranceMatcher(load_model("en-US"))
    for exercise_id, entry in manifest.items():
        match = matcher.match(f"play {entry['synonyms'][0]}")
        assert match and match.slots["exercise"][1] == exercise_id, exercise_id
        conversation = Conversation()
        reply = hosted.post(conversation.intent(match.intent, **match.slots), conversation)
        if reply.attributes.get("offer") == {"kind": "reconnect", "step": "names"}:
            reply = hosted.post(conversation.intent("AMAZON.NoIntent"), conversation)
        sources = audio_sources(reply.ssml) if reply.ssml else []
        plays = [d for d in reply.directives if d["type"] == "AudioPlayer.Play"]
        assert sources or plays, exercise_id
        for url in sources + [play_directive(reply)["url"] for _ in plays]:
            assert url.startswith(f"{BASE}/"), url


def test_short_exercise_plays_in_speech_within_alexas_limits(hosted, manifest):
    reply = hosted.post(Conversation().intent("PlayExerciseIntent", exercise=("box breathing", "box-breathing")))
    assert audio_sources(reply.ssml) == [f"{BASE}/{manifest['box-breathing']['file']}"]
    assert audio_seconds(reply.ssml, manifest) <= 240
    assert reply.ends_session is False
    assert reply.attributes["offer"]["kind"] == "play"


def test_yes_after_an_exercise_plays_the_offered_one(hosted, manifest):
    session = Session(hosted)
    first = session.say("PlayExerciseIntent", exercise=("box breathing", "box-breathing"))
    offered = first.attributes["offer"]["id"]
    second = session.yes()
    assert audio_sources(second.ssml) == [f"{BASE}/{manifest[offered]['file']}"]


def test_five_minute_exercise_uses_the_audio_player(hosted, manifest):
    reply = hosted.post(Conversation().intent("PlayExerciseIntent", exercise=("five minute cyclic sighing", "cyclic-sighing-5min")))
    stream = play_directive(reply)
    assert stream["url"] == f"{BASE}/{manifest['cyclic-sighing-5min']['file']}"
    assert stream["token"] == f"cyclic-sighing-5min@{manifest['cyclic-sighing-5min']['sha256'][:12]}"
    assert stream["offsetInMilliseconds"] == 0
    assert reply.ends_session is True


def test_a_device_without_the_audio_player_never_gets_its_directives(hosted, manifest):
    no_player = Conversation(interfaces={})
    short = hosted.post(no_player.intent("PausableExerciseIntent", exercise=("box breathing", "box-breathing")))
    assert not short.directives and audio_sources(short.ssml) == [f"{BASE}/{manifest['box-breathing']['file']}"]
    long = hosted.post(Conversation(interfaces={}).intent(
        "PlayExerciseIntent", exercise=("five minute cyclic sighing", "cyclic-sighing-5min")))
    assert not long.directives and audio_sources(long.ssml) == [] and said(long, "exercise.spoken_continue")


def test_asking_to_pause_gets_the_audio_player(hosted):
    reply = hosted.post(Conversation().intent("PausableExerciseIntent", exercise=("box breathing", "box-breathing")))
    assert play_directive(reply)["token"].startswith("box-breathing@")


@pytest.mark.parametrize("need", ["calm", "sleep", "focus", "connect", "both"])
def test_asking_by_need_plays_something_that_fits(hosted, manifest, need):
    reply = hosted.post(Conversation().intent("ExerciseForNeedIntent", need=(need, need)))
    (source,) = audio_sources(reply.ssml)
    chosen = next(entry for entry in manifest.values() if source.endswith(entry["file"]))
    assert need in chosen["needs"]


def test_asking_by_length_picks_the_closest(hosted, manifest):
    reply = hosted.post(Conversation().intent("ExerciseByLengthIntent", minutes="1"))
    assert audio_sources(reply.ssml) == [f"{BASE}/{manifest['cyclic-sighing-1min']['file']}"]


def test_the_menu_is_short_and_more_names_every_exercise_with_lengths(hosted, built_data_dir):
    conversation = Conversation()
    reply = hosted.post(conversation.intent("ListExercisesIntent"), conversation)
    assert len(reply.speech.split()) <= 50 and "say more" in reply.speech and reply.ends_session is False
    reply = hosted.post(conversation.intent("TellMeMoreIntent"), conversation)
    for exercise in load_catalogue(built_data_dir / "audio").exercises:
        assert exercise.spoken_title in reply.speech
    assert "minutes" in reply.speech and reply.ends_session is False


def test_every_name_the_menus_suggest_works_said_on_its_own(hosted, built_data_dir):
    """Through the console's matcher and the interaction model, then the skill: a bare name plays that exercise."""
    matcher = UtteranceMatcher(load_model("en-US"))
    catalogue = load_catalogue(built_data_dir / "audio")
    suggested = [e for chosen in menu_picks(catalogue).values() for e in chosen]
    assert len(suggested) >= 3
    for exercise in catalogue.exercises:
        match = matcher.match(exercise.spoken_title)
        assert match and match.intent == "PlayExerciseIntent", (exercise.spoken_title, match)
        heard, value_id = match.slots["exercise"]
        assert value_id == exercise.id, (exercise.spoken_title, match)
        reply = hosted.post(Conversation().intent(match.intent, exercise=(heard, value_id)))
        assert not said(reply, "exercise.unknown") and (reply.directives or audio_sources(reply.ssml)
                                                        or exercise.id == "reconnect-2min"), exercise.id


def test_unknown_exercise_gets_the_menu_question(hosted):
    reply = hosted.post(Conversation().intent("PlayExerciseIntent", exercise="the floor is lava"))
    assert said(reply, "exercise.unknown") and reply.ends_session is False


def test_without_a_public_audio_address_the_exercise_is_spoken(unhosted, manifest):
    reply = unhosted.post(Conversation().intent("PlayExerciseIntent", exercise=("box breathing", "box-breathing")))
    assert audio_sources(reply.ssml) == [] and not reply.directives
    breaks = re.findall(r'<break time="(\d+)ms"/>', reply.ssml)
    assert breaks and all(int(ms) <= 10_000 for ms in breaks)
    first_cue = next(cue["text"] for cue in manifest["box-breathing"]["timeline"] if cue["type"] == "speech")
    assert first_cue in reply.speech


def test_spoken_five_minute_exercise_continues_in_parts(unhosted):
    session = Session(unhosted)
    first = session.say("PlayExerciseIntent", exercise=("five minute cyclic sighing", "cyclic-sighing-5min"))
    assert said(first, "exercise.spoken_continue")
    spoken = [first]
    while "flow_exercise" in spoken[-1].attributes:
        spoken.append(session.say("AMAZON.ResumeIntent", "continue"))
        assert len(spoken) < 6
    for reply in spoken:
        total = sum(int(ms) for ms in re.findall(r'<break time="(\d+)ms"/>', reply.ssml))
        assert total <= 240_000
    assert spoken[-1].ends_session is False


def test_missing_file_falls_back_to_speech(make_app, built_data_dir, tmp_path, manifest):
    data = tmp_path / "copy"
    (data / "audio").mkdir(parents=True)
    (data / "audio" / "manifest.json").write_text((built_data_dir / "audio" / "manifest.json").read_text())
    talker = Talker(make_app(hosted_settings(data, tmp_path)).test_client())
    reply = talker.post(Conversation().intent("PlayExerciseIntent", exercise=("box breathing", "box-breathing")))
    assert audio_sources(reply.ssml) == [] and "<break" in reply.ssml


# AudioPlayer: a whole listening session, with real envelopes.

def player_event(conversation: Conversation, kind: str, token: str, offset: int, activity: str) -> dict:
    conversation.audio_player = {"playerActivity": activity, "token": token, "offsetInMilliseconds": offset}
    return conversation.event(f"AudioPlayer.{kind}", token=token, offsetInMilliseconds=offset)


def while_playing(conversation: Conversation, token: str, offset: int, activity: str = "PLAYING") -> Conversation:
    conversation.audio_player = {"playerActivity": activity, "token": token, "offsetInMilliseconds": offset}
    conversation.new = True
    return conversation


def assert_event_reply(reply) -> None:
    assert reply.status == 200
    assert "outputSpeech" not in reply.response and "reprompt" not in reply.response
    assert "card" not in reply.response and "shouldEndSession" not in reply.response


def test_play_pause_resume_finish(hosted):
    conversation = Conversation()
    token = play_directive(hosted.post(conversation.intent(
        "PlayExerciseIntent", exercise=("five minute cyclic sighing", "cyclic-sighing-5min"))))["token"]
    assert_event_reply(hosted.post(player_event(conversation, "PlaybackStarted", token, 0, "PLAYING")))

    pause = hosted.post(while_playing(conversation, token, 61_000).intent("AMAZON.PauseIntent"))
    assert [d["type"] for d in pause.directives] == ["AudioPlayer.Stop"] and not pause.ssml
    assert_event_reply(hosted.post(player_event(conversation, "PlaybackStopped", token, 61_000, "STOPPED")))

    resumed = hosted.post(while_playing(conversation, token, 61_000, "STOPPED").intent("AMAZON.ResumeIntent"))
    stream = play_directive(resumed)
    assert (stream["token"], stream["offsetInMilliseconds"]) == (token, 61_000)
    assert resumed.directives[0]["playBehavior"] == "REPLACE_ALL"

    for kind in ("PlaybackStarted", "PlaybackNearlyFinished", "PlaybackFinished"):
        assert_event_reply(hosted.post(player_event(conversation, kind, token, 300_000, "PLAYING")))
    after = hosted.post(Conversation().intent("AMAZON.ResumeIntent"))
    assert said(after, "player.nothing_to_resume")


def test_resume_survives_a_new_server_process(make_app, built_data_dir, tmp_path):
    settings = hosted_settings(built_data_dir, tmp_path)
    first = Talker(make_app(settings).test_client())
    conversation = Conversation()
    token = play_directive(first.post(conversation.intent(
        "PausableExerciseIntent", exercise=("body scan", "body-scan"))))["token"]
    first.post(player_event(conversation, "PlaybackStopped", token, 42_000, "STOPPED"))
    second = Talker(make_app(settings).test_client())
    stream = play_directive(second.post(Conversation().intent("AMAZON.ResumeIntent")))
    assert (stream["token"], stream["offsetInMilliseconds"]) == (token, 42_000)


def test_resume_with_nothing_saved_is_kind(hosted):
    reply = hosted.post(Conversation().intent("AMAZON.ResumeIntent"))
    assert said(reply, "player.nothing_to_resume") and not reply.directives


def test_a_token_from_an_old_build_starts_the_new_build_from_the_top(hosted):
    conversation = Conversation()
    old = "body-scan@000000000000"
    hosted.post(player_event(conversation, "PlaybackStopped", old, 42_000, "STOPPED"))
    stream = play_directive(hosted.post(Conversation().intent("AMAZON.ResumeIntent")))
    assert stream["token"] != old and stream["token"].startswith("body-scan@")
    assert stream["offsetInMilliseconds"] == 0


def test_stale_tokens_and_other_users_do_not_disturb_anyone(hosted):
    mine, theirs = Conversation(), Conversation(user_id=USER_ID + "OTHER")
    token = play_directive(hosted.post(mine.intent("PausableExerciseIntent", exercise=("body scan", "body-scan"))))["token"]
    hosted.post(player_event(mine, "PlaybackStopped", token, 30_000, "STOPPED"))
    assert_event_reply(hosted.post(player_event(theirs, "PlaybackStopped", "nonsense-token", 5, "STOPPED")))
    assert_event_reply(hosted.post(player_event(theirs, "PlaybackStopped", "ghost@123456789abc", 5, "STOPPED")))
    assert said(hosted.post(Conversation(user_id=USER_ID + "OTHER").intent("AMAZON.ResumeIntent")),
                "player.nothing_to_resume")
    stream = play_directive(hosted.post(Conversation().intent("AMAZON.ResumeIntent")))
    assert stream["offsetInMilliseconds"] == 30_000


def test_playback_failed_is_answered_quietly(hosted):
    conversation = Conversation()
    envelope = player_event(conversation, "PlaybackFailed", "body-scan@000000000000", 0, "STOPPED")
    envelope["request"]["error"] = {"type": "MEDIA_ERROR_SERVICE_UNAVAILABLE", "message": "down"}
    envelope["request"]["currentPlaybackState"] = {"token": "body-scan@000000000000", "offsetInMilliseconds": 0,
                                                   "playerActivity": "STOPPED"}
    assert_event_reply(hosted.post(envelope))


@pytest.mark.parametrize("intent, expect", [
    ("AMAZON.StopIntent", "stop"), ("AMAZON.CancelIntent", "stop"), ("AMAZON.PauseIntent", "stop"),
    ("AMAZON.StartOverIntent", "restart"), ("AMAZON.RepeatIntent", "restart"),
    ("AMAZON.NextIntent", "other"), ("AMAZON.PreviousIntent", "other"),
    ("AMAZON.LoopOnIntent", "spoken"), ("AMAZON.LoopOffIntent", "spoken"),
    ("AMAZON.ShuffleOnIntent", "spoken"), ("AMAZON.ShuffleOffIntent", "spoken"),
])
def test_every_player_intent_while_playing(hosted, manifest, intent, expect):
    token = f"grounding-54321@{manifest['grounding-54321']['sha256'][:12]}"
    reply = hosted.post(while_playing(Conversation(), token, 20_000).intent(intent))
    types = [d["type"] for d in reply.directives]
    if expect == "stop":
        assert types == ["AudioPlayer.Stop"] and not reply.ssml
    elif expect == "restart":
        stream = play_directive(reply)
        assert (stream["token"], stream["offsetInMilliseconds"]) == (token, 0)
    elif expect == "other":
        assert play_directive(reply)["token"] != token
    else:
        assert reply.speech and not types


@pytest.mark.parametrize("command, expect", [
    ("PlayCommandIssued", "AudioPlayer.Play"), ("PauseCommandIssued", "AudioPlayer.Stop"),
    ("NextCommandIssued", "AudioPlayer.Play"), ("PreviousCommandIssued", "AudioPlayer.Play"),
])
def test_playback_controller_buttons(hosted, manifest, command, expect):
    conversation = Conversation()
    token = f"grounding-54321@{manifest['grounding-54321']['sha256'][:12]}"
    hosted.post(player_event(conversation, "PlaybackStopped", token, 9_000, "STOPPED"))
    reply = hosted.post(conversation.event(f"PlaybackController.{command}"))
    assert [d["type"] for d in reply.directives] == [expect]
    assert "outputSpeech" not in reply.response
    for directive in reply.directives:
        if directive["type"] == "AudioPlayer.Play":
            assert directive["audioItem"]["stream"]["url"].startswith("https://")


# The reconnect routine.

def test_reconnect_with_names_addresses_each_person_once_and_stays_in_limits(hosted, manifest):
    session = Session(hosted)
    asked = session.say("ReconnectIntent", "start our reconnect")
    assert said(asked, "offer.reconnect.names")
    session.yes()
    routine = session.say("CoupleNamesIntent", "we're sam and alex", first_name="sam", second_name="alex")
    speech = routine.speech
    assert "partner one" not in speech.lower() and "partner two" not in speech.lower()
    assert "Sam" in speech and "Alex" in speech and speech.index("Sam,") < speech.index("Alex,")
    script = " ".join(cue.get("text") or "" for cue in manifest["reconnect-2min"]["timeline"] if cue["type"] == "speech")
    for name, number in (("Sam", "one"), ("Alex", "two")):  # the intro names each once, then only where the script does
        assert speech.count(name) == 1 + len(re.findall(rf"partner {number}", script, re.IGNORECASE)), name
    total = sum(int(ms) for ms in re.findall(r'<break time="(\d+)ms"/>', routine.ssml))
    assert 60_000 < total <= 240_000 and len(routine.ssml) < 8_000
    assert said(routine, "reconnect.how_did_it_go") and routine.ends_session is False
    closing = session.yes()
    assert said(closing, "reconnect.tomorrow") and closing.ends_session is True


def test_reconnect_without_names_plays_the_whole_routine(hosted, manifest):
    session = Session(hosted)
    session.say("ReconnectIntent", "start our reconnect")
    routine = session.no()
    assert audio_sources(routine.ssml) == [f"{BASE}/{manifest['reconnect-2min']['file']}"]
    assert audio_seconds(routine.ssml, manifest) <= 240


def test_reconnect_spoken_when_audio_is_not_hosted(unhosted):
    session = Session(unhosted)
    routine = session.say("ReconnectIntent", "reconnect for sam and alex", first_name="sam", second_name="alex")
    assert audio_sources(routine.ssml) == []
    assert "Sam, " in routine.speech and "partner one" not in routine.speech.lower()
    total = sum(int(ms) for ms in re.findall(r'<break time="(\d+)ms"/>', routine.ssml))
    assert 60_000 < total <= 240_000


@pytest.mark.sqlite_only
def test_names_are_kept_only_when_asked(hosted, built_data_dir, tmp_path):
    session = Session(hosted)
    session.say("ReconnectIntent", "reconnect for sam and alex", first_name="sam", second_name="alex")
    database = tmp_path / "recharge.sqlite3"
    assert b"Sam" not in b"".join(p.read_bytes() for p in tmp_path.glob("recharge.sqlite3*"))
    remembered = session.say("RememberNamesIntent", "remember our names")
    assert said(remembered, "reconnect.remembered", one="Sam", two="Alex")
    later = Session(hosted).say("ReconnectIntent", "start our reconnect")
    assert "Sam, " in later.speech
    assert database.exists()
    erase = Session(hosted)
    erase.say("DeleteDataIntent", "delete my data")
    assert said(erase.yes(), "delete.done")
    after = Session(hosted).say("ReconnectIntent", "start our reconnect")
    assert said(after, "offer.reconnect.names") and "Sam" not in after.speech


def test_check_in_offer_is_one_yes_from_an_exercise(hosted):
    session = Session(hosted)
    session.say("CheckInIntent", "check in")
    for answer in ("never", "almost_always", "sometimes", "sometimes", "never"):
        reply = session.frequency(answer)
    assert reply.attributes["offer"]["kind"] == "exercise"
    played = session.yes()
    assert audio_sources(played.ssml) or played.directives


def test_console_shows_directives_and_simulates_player_events(make_app, built_data_dir, tmp_path):
    from skill.devtools.console import ConsoleSession

    client = make_app(hosted_settings(built_data_dir, tmp_path)).test_client()
    console = ConsoleSession(lambda envelope: client.post("/alexa", json=envelope).get_json(),
                             UtteranceMatcher(load_model("en-US")))
    printed = console.say("play five minute cyclic sighing")
    assert any("[AudioPlayer.Play REPLACE_ALL] url=https://" in row and "offset=0ms" in row for row in printed)
    console.audio_event("started")
    console.audio_event("stopped", 30_000)
    resumed = console.say("resume")
    assert any("offset=30000ms" in row for row in resumed)
    assert console.audio_event("finished")[0].startswith("(AudioPlayer.PlaybackFinished")


def test_no_directive_ever_carries_an_http_url(hosted):
    for envelope in (Conversation().intent("PausableExerciseIntent", exercise=("body scan", "body-scan")),
                     Conversation().intent("ExerciseForNeedIntent", need=("sleep", "sleep"))):
        body = json.dumps(hosted.post(envelope).json)
        assert "http://" not in body


def test_built_audio_is_served_with_ranges(make_app, built_data_dir, tmp_path, manifest):
    client = make_app(hosted_settings(built_data_dir, tmp_path)).test_client()
    name = manifest["box-breathing"]["file"]
    full = client.get(f"/audio/{name}")
    assert full.status_code == 200 and full.mimetype == "audio/mpeg"
    assert full.data == (Path(built_data_dir) / "audio" / name).read_bytes()
    part = client.get(f"/audio/{name}", headers={"Range": "bytes=0-1023"})
    assert part.status_code == 206 and len(part.data) == 1024
    assert client.get("/audio/.cache").status_code == 404


def test_every_exercise_can_be_spoken_whole_within_alexas_limits(unhosted, manifest):
    for exercise_id, entry in manifest.items():
        session = Session(unhosted)
        reply = session.say("PlayExerciseIntent", exercise=(entry["synonyms"][0], exercise_id))
        if reply.attributes.get("offer", {}).get("step") == "names":
            reply = session.no()
        spoken = [reply]
        while "flow_exercise" in spoken[-1].attributes:
            spoken.append(session.say("AMAZON.ResumeIntent", "continue"))
            assert len(spoken) < 8, exercise_id
        heard = " ".join(reply.speech for reply in spoken)
        for cue in entry["timeline"]:
            if cue["type"] == "speech":
                assert cue["text"] in heard, (exercise_id, cue["text"])
        for reply in spoken:
            assert len(reply.ssml) <= 8000
            assert sum(int(ms) for ms in re.findall(r'<break time="(\d+)ms"/>', reply.ssml)) <= 240_000


@pytest.mark.parametrize("phrase", ["continue", "yes", "go on"])
def test_continue_yes_and_go_on_continue_the_same_spoken_exercise(unhosted, manifest, phrase):
    """Typed as a person would say them (the console's matcher on the interaction model), in a spoken exercise's pause."""
    matcher = UtteranceMatcher(load_model("en-US"))
    session = Session(unhosted)
    first = matcher.match("play five minute cyclic sighing")
    reply = session.say(first.intent, "play five minute cyclic sighing", **first.slots)
    assert said(reply, "exercise.spoken_continue") and reply.attributes["flow_exercise"]["id"] == "cyclic-sighing-5min"
    match = matcher.match(phrase)
    reply = session.say(match.intent, phrase, **match.slots)
    script = [cue["text"] for cue in manifest["cyclic-sighing-5min"]["timeline"] if cue["type"] == "speech"]
    assert script[-1] in reply.speech and not said(reply, "exercise.spoken_intro", title="box breathing")
    assert "flow_exercise" not in reply.attributes and not reply.directives
    tail = reply.ssml[reply.ssml.rindex(script[-1]):]
    assert sum(int(ms) for ms in re.findall(r'<break time="(\d+)ms"/>', tail)) <= 2_000, "the end is words, not silence"
