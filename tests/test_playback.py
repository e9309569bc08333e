"""Pure playback decisions: which way an exercise plays, spoken parts, resume, the reconnect routine."""
from __future__ import annotations

from skill.exercises import Catalogue, Cue, Exercise, Segment, load_scripts
from skill.playback import (
    LONGEST_SPOKEN_PAUSE_MS,
    PART_END_PAUSE_MS,
    AudioHost,
    Names,
    Saved,
    exercise_turn,
    full_menu_turn,
    menu_turn,
    reconnect_turn,
    resume_turn,
    spoken_parts,
    step_turn,
)
from dataclasses import replace

from skill.turn import Clip, Line, Offer, PlayAudio, Turn

BASE = "https://cdn.example.org/recharge"


def clip_total_ms(turn: Turn) -> int:
    return sum(piece.duration_ms for piece in turn.say if isinstance(piece, Clip))


def make_exercise(exercise_id="box-breathing", kind="regulation", duration_ms=120_000,
                  cue_every_ms=10_000, segments=()) -> Exercise:
    cues = tuple(Cue(start, start + 2_000, "speech", f"cue at {start}", None)
                 for start in range(1_000, duration_ms, cue_every_ms))
    return Exercise(exercise_id, exercise_id.replace("-", " ").title(), kind, "summary", (exercise_id.replace("-", " "),),
                    ("calm",), duration_ms, f"{exercise_id}.abcdefabcdef.mp3", "abcdefabcdef" + "0" * 52,
                    "ssml" if duration_ms <= 240_000 else "audio_player", cues, tuple(segments))


def hosted(*files_missing: str) -> AudioHost:
    return AudioHost(BASE, lambda name: name not in files_missing)


CATALOGUE = Catalogue((make_exercise(), make_exercise("extended-exhale"),
                       make_exercise("body-scan", duration_ms=300_000)))


def test_short_exercise_plays_inside_speech_and_offers_another():
    played = exercise_turn(CATALOGUE.get("box-breathing"), hosted(), CATALOGUE)
    turn = played.turn
    clips = [piece for piece in turn.say if isinstance(piece, Clip)]
    assert [clip.url for clip in clips] == [f"{BASE}/box-breathing.abcdefabcdef.mp3"]
    assert turn.end_session is False
    assert played.offer == Offer("play", "extended-exhale")
    assert clip_total_ms(turn) <= 240_000


def test_long_exercise_goes_to_the_audio_player():
    turn = exercise_turn(CATALOGUE.get("body-scan"), hosted(), CATALOGUE).turn
    assert turn.end_session is True
    (play,) = turn.directives
    assert isinstance(play, PlayAudio)
    assert play.url.startswith("https://") and play.offset_ms == 0
    assert play.token == "body-scan@abcdefabcdef"


def test_asking_to_pause_uses_the_audio_player_even_for_short_ones():
    turn = exercise_turn(CATALOGUE.get("box-breathing"), hosted(), CATALOGUE, want_controls=True).turn
    assert isinstance(turn.directives[0], PlayAudio)


def test_without_hosted_audio_the_exercise_is_spoken_with_pauses():
    turn = exercise_turn(CATALOGUE.get("box-breathing"), AudioHost(None), CATALOGUE).turn
    assert not turn.directives and not any(isinstance(p, Clip) for p in turn.say)
    assert "exercise.script_line" in turn.message_ids
    pauses = [piece.pause_ms for piece in turn.say if getattr(piece, "pause_ms", 0)]
    assert pauses and all(p == 8_000 for p in pauses[:-1])


def test_missing_file_falls_back_to_speech():
    turn = exercise_turn(CATALOGUE.get("box-breathing"), hosted("box-breathing.abcdefabcdef.mp3"), CATALOGUE).turn
    assert "exercise.script_line" in turn.message_ids


def test_long_spoken_exercise_is_split_into_parts_within_limits():
    long_one = CATALOGUE.get("body-scan")
    parts = spoken_parts(long_one)
    assert len(parts) >= 2
    for part in parts:
        assert sum(piece.pause_ms + 2_000 for piece in part) <= 200_000
    played = exercise_turn(long_one, AudioHost(None), CATALOGUE)
    turn = played.turn
    assert played.next_part == 1
    assert turn.message_ids[-1] == "exercise.spoken_continue"


def test_resume_continues_from_the_saved_offset_with_the_same_token():
    turn = resume_turn(Saved("body-scan@abcdefabcdef", 61_000), CATALOGUE, hosted())
    (play,) = turn.directives
    assert (play.token, play.offset_ms) == ("body-scan@abcdefabcdef", 61_000)
    assert not turn.say


def test_resume_with_nothing_saved_says_so():
    turn = resume_turn(None, CATALOGUE, hosted())
    assert turn.message_ids == ["player.nothing_to_resume"] and not turn.directives


def test_resume_of_an_old_build_starts_the_new_one_from_the_top():
    turn = resume_turn(Saved("body-scan@000000000000", 61_000), CATALOGUE, hosted())
    assert turn.directives[0].offset_ms == 0
    assert turn.message_ids == ["player.resume_new_version"]


def test_resume_of_an_unknown_exercise_is_kind():
    turn = resume_turn(Saved("gone@000000000000", 5_000), CATALOGUE, hosted())
    assert turn.message_ids == ["player.cannot_resume"] and not turn.directives


def test_next_and_previous_walk_the_catalogue():
    assert step_turn("box-breathing@abcdefabcdef", 1, CATALOGUE, hosted()).directives[0].token.startswith("extended-exhale@")
    assert step_turn("box-breathing@abcdefabcdef", -1, CATALOGUE, hosted()).message_ids == ["player.no_previous"]


def test_the_full_menu_lists_every_kind_with_lengths():
    turn = full_menu_turn(CATALOGUE)
    assert "exercise.menu_kind.regulation" in turn.message_ids
    assert turn.message_ids.count("exercise.menu_item") == 3
    assert menu_turn(Catalogue())[0].message_ids == ["exercise.none_built"]


def _reconnect() -> Exercise:
    segments = (Segment("r.s0.mp3", 0, 22_000, "both"), Segment("r.s1.mp3", 22_000, 33_000, "one"),
                Segment("r.s2.mp3", 55_000, 33_000, "two"), Segment("r.s3.mp3", 88_000, 32_000, "both"))
    return make_exercise("reconnect-2min", kind="couple", segments=segments)


def _addressing() -> Exercise:
    said = ("Partner one, share one worry.", "Partner two, listen.", "Now it's partner two's turn.",
            "Partner one, listen.", "One thing you appreciate, partner one first.", "Partner two.")
    cues = tuple(Cue(i * 20_000, i * 20_000 + 3_000, "speech", text) for i, text in enumerate(said))
    return replace(_reconnect(), timeline=cues)


def test_reconnect_with_names_addresses_each_person_once_by_name():
    turn = reconnect_turn(_addressing(), hosted(), Names("Sam", "Alex"))
    texts = [dict(p.params)["text"] for p in turn.say if isinstance(p, Line) and p.id == "exercise.script_line"]
    assert texts == ["Sam, share one worry.", "Alex, listen.", "Now it's Alex's turn.", "Sam, listen.",
                     "One thing you appreciate, Sam first.", "Alex."]
    assert turn.message_ids[0] == "reconnect.intro_named" and turn.message_ids[-1] == "reconnect.how_did_it_go"
    assert not any(isinstance(p, Clip) for p in turn.say), "the built audio says partner one; names replace it"
    pauses = [p.pause_ms for p in turn.say if isinstance(p, Line) and p.id == "exercise.script_line"]
    assert pauses[:5] == [17_000] * 5 and pauses[5] <= PART_END_PAUSE_MS


def test_reconnect_without_names_plays_the_whole_file():
    turn = reconnect_turn(_reconnect(), hosted(), None)
    assert [p.url for p in turn.say if isinstance(p, Clip)] == [f"{BASE}/reconnect-2min.abcdefabcdef.mp3"]


def test_reconnect_without_hosted_audio_or_names_is_spoken_as_written():
    turn = reconnect_turn(_addressing(), AudioHost(None), None)
    assert not any(isinstance(p, Clip) for p in turn.say)
    assert dict(turn.say[1].params)["text"] == "Partner one, share one worry."


def test_no_spoken_part_ends_in_a_long_silence_and_no_pause_is_longer_than_twenty_seconds():
    # The script's cues end well before its declared length: the last part must not carry that silence.
    sparse = Exercise("sparse", "Sparse", "regulation", "", ("sparse",), ("calm",), 400_000, "", "script000000",
                      "audio_player", tuple(Cue(s, s + 2_000, "speech", f"cue {s}") for s in (0, 40_000, 250_000, 300_000)))
    for exercise in (sparse, *load_scripts().exercises):
        parts = spoken_parts(exercise)
        assert all(part[-1].pause_ms <= PART_END_PAUSE_MS for part in parts), exercise.id
        assert max(piece.pause_ms for part in parts for piece in part) <= LONGEST_SPOKEN_PAUSE_MS, exercise.id
