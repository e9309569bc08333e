"""The companion's pages and talk route through the Flask test client: what a visitor without JavaScript gets, and the guards."""
from __future__ import annotations

import json
import logging
import re
import sqlite3

import pytest
from markupsafe import escape

from skill.speech import phrasebook
from skill.web import text as words
from skill.web.guard import ID_COOKIE, RateLimiter
from skill.web.timeline import load_phases, turns_of
from skill.exercises import load_catalogue
from tests.web.conftest import NO_AUDIO_ID, NO_PHASES_ID, manifest_entry, read_phases

PAGES = ["/", "/exercises/box-breathing", f"/exercises/{NO_AUDIO_ID}", f"/exercises/{NO_PHASES_ID}", "/reconnect", "/talk"]


def shown(text: str) -> str:
    """Text as it appears in the HTML source."""
    return str(escape(text))


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)


def talk(client, text: str, token: str | None = None, json_reply: bool = True):
    token = token or csrf_of(client.get("/talk").get_data(as_text=True))
    headers = {"Accept": "application/json"} if json_reply else {}
    return client.post("/talk/say", data={"csrf": token, "text": text}, headers=headers)


def skill_lines(reply) -> list[str]:
    return [item["text"] for item in reply.get_json()["exchange"] if item["who"] == "skill"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_carry_a_strict_content_security_policy_and_no_inline_script_or_style(client, path):
    page = client.get(path)
    assert page.status_code == 200
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe-inline" not in policy
    html = page.get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*(src=|type=\"application/json\"))", html)
    assert "style=" not in html and "<style" not in html and " on" + "click=" not in html


def test_static_files_are_cached_for_long_under_a_content_hash(client):
    page = client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/static/web/companion\.css\?v=[0-9a-f]{12})"', page).group(1)
    reply = client.get(css)
    assert reply.status_code == 200
    assert "max-age=31536000" in reply.headers["Cache-Control"]


def test_the_index_lists_the_catalogue_with_length_and_purpose(client, web_data_dir):
    page = client.get("/").get_data(as_text=True)
    for exercise in load_catalogue(web_data_dir / "audio").exercises:
        assert shown(exercise.title) in page and f"/exercises/{exercise.id}" in page
        assert shown(words.text("en-US", "web.index.minutes", minutes=exercise.minutes)) in page
    assert shown(words.text("en-US", "web.index.posture_sitting")) in page


def test_without_javascript_an_exercise_still_has_its_words_and_a_plain_player(client, web_data_dir):
    page = client.get("/exercises/box-breathing").get_data(as_text=True)
    entry = manifest_entry(web_data_dir, "box-breathing")
    assert re.search(r'<audio id="player" controls[^>]*src="/audio/' + re.escape(entry["file"]), page)
    assert f'src="/audio/{entry["captions"]}"' in page and "default" in page
    for cue in entry["timeline"]:
        if cue["type"] == "speech":
            assert f"<li>{shown(cue['text'])}</li>" in page


def test_the_built_audio_the_page_points_at_is_served(client, web_data_dir):
    entry = manifest_entry(web_data_dir, "box-breathing")
    assert client.get(f"/audio/{entry['file']}").status_code == 200
    assert client.get(f"/audio/{entry['captions']}").get_data(as_text=True).startswith("WEBVTT")


def test_a_missing_audio_build_shows_the_spoken_text_version_with_the_same_visual(client):
    page = client.get(f"/exercises/{NO_AUDIO_ID}").get_data(as_text=True)
    assert 'id="player"' not in page
    assert shown(words.text("en-US", "web.exercise.text_version")) in page
    assert 'id="breath"' in page and 'id="clock-controls"' in page


def test_an_exercise_without_a_phases_file_keeps_its_captions_and_shows_no_visual(client, web_data_dir):
    page = client.get(f"/exercises/{NO_PHASES_ID}").get_data(as_text=True)
    assert 'id="breath"' not in page
    assert manifest_entry(web_data_dir, NO_PHASES_ID)["captions"] in page


def test_the_page_timeline_is_the_phases_file_not_a_copy_in_the_script(client, web_data_dir):
    page = client.get("/exercises/box-breathing").get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/json" id="timeline">(.*?)</script>', page).group(1))
    assert data["phases"] == read_phases(web_data_dir, "box-breathing")
    assert {phase["kind"] for phase in data["phases"]} >= {"inhale", "hold", "exhale"}
    script = client.get("/static/web/companion.js").get_data(as_text=True)
    assert not re.search(r"\b(4000|20\.0|4\.0)\b", script)


def test_an_unknown_exercise_gets_a_404_page_with_a_way_back(client):
    reply = client.get("/exercises/no-such-thing")
    assert reply.status_code == 404 and reply.mimetype == "text/html"
    page = reply.get_data(as_text=True)
    assert shown(words.text("en-US", "web.error.not_found")) in page and 'href="/"' in page


def test_reconnect_turns_come_from_the_timeline_speakers(web_data_dir):
    exercise = load_catalogue(web_data_dir / "audio").get("reconnect-2min")
    turns = turns_of(exercise)
    assert [t.speaker for t in turns] == ["both", "one", "two", "both"]
    assert turns[0].start == 0 and turns[-1].end == exercise.duration_ms / 1000
    assert all(a.end == b.start for a, b in zip(turns, turns[1:]))
    assert [t.start for t in turns[1:]] == [s["start_ms"] / 1000 for s in manifest_entry(web_data_dir, "reconnect-2min")["segments"][1:]]


def test_the_reconnect_page_never_sends_the_names_anywhere(client):
    page = client.get("/reconnect").get_data(as_text=True)
    assert 'id="name-one"' in page and 'id="name-two"' in page
    names = page[page.index('<fieldset class="names">'):page.index("</fieldset>")]
    assert "<form" not in page.split('<fieldset class="names">')[0].split("</header>")[-1]
    assert "name=" not in names


@pytest.mark.parametrize("content", ["not json", '{"phases": [{"start_ms": 0, "end_ms": 1000, "kind": "wiggle"}]}',
                                     '{"phases": [{"start_ms": 2000, "end_ms": 1000, "kind": "hold"}]}', '{"nope": []}',
                                     '{"phases": [{"start": 0, "end": 1, "kind": "hold"}]}'])
def test_a_malformed_phases_file_means_no_visual_rather_than_an_error(web_data_dir, tmp_path, content):
    from dataclasses import replace

    exercise = load_catalogue(web_data_dir / "audio").get("box-breathing")
    (tmp_path / "bad.json").write_text(content)
    assert load_phases(tmp_path, replace(exercise, phases="bad.json")) == ()
    assert load_phases(tmp_path, replace(exercise, phases="../outside.json")) == ()


# The talk route.

def test_the_talk_box_holds_a_conversation_and_sets_a_private_cookie(client):
    first = client.get("/talk")
    cookie = first.headers["Set-Cookie"]
    assert cookie.startswith(f"{ID_COOKIE}=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    token = csrf_of(first.get_data(as_text=True))
    book = phrasebook("en-US")
    assert skill_lines(talk(client, "check in", token))[-1] == book.text("checkin.question.dread")
    assert skill_lines(talk(client, "sometimes", token))[-1] == book.text("checkin.question.numb")


def test_without_javascript_the_talk_form_answers_with_a_page(client):
    reply = talk(client, "help", json_reply=False)
    assert reply.status_code == 200 and reply.mimetype == "text/html"
    assert 'class="said skill"' in reply.get_data(as_text=True)


def test_a_crisis_sentence_gets_help_lines_in_any_state(client):
    token = csrf_of(client.get("/talk").get_data(as_text=True))
    talk(client, "check in", token)
    assert phrasebook("en-US").text("safety.resources") in skill_lines(talk(client, "i want to end my life", token))


def test_crisis_words_inside_a_very_long_message_still_get_help(client):
    text = "it has been a long week " * 40 + "and honestly i want to kill myself"
    assert phrasebook("en-US").text("safety.resources") in skill_lines(talk(client, text))


@pytest.mark.parametrize("text", ["x" * 5000, "\u202e\u0000;DROP TABLE checkins;--", "<script>alert(1)</script>",
                                  "🙂" * 50, "   "])
def test_odd_or_long_text_gets_a_calm_reply(client, text):
    reply = talk(client, text)
    assert reply.status_code == 200
    lines = skill_lines(reply)
    assert lines and all("Traceback" not in line and "<script>" not in line for line in lines)
    page = talk(client, text, json_reply=False).get_data(as_text=True)
    assert "<script>alert" not in page


def test_a_post_without_the_csrf_token_is_refused_calmly(client):
    client.get("/talk")
    reply = client.post("/talk/say", data={"text": "check in"})
    assert reply.status_code == 400 and reply.mimetype == "text/html"
    assert shown(words.text("en-US", "web.error.bad_form")) in reply.get_data(as_text=True)
    assert client.post("/talk/say", data={"text": "hi", "csrf": "0" * 64}).status_code == 400


def test_a_token_from_another_browser_is_refused(web_app):
    one, two = web_app.test_client(), web_app.test_client()
    token = csrf_of(one.get("/talk").get_data(as_text=True))
    two.get("/talk")
    assert two.post("/talk/say", data={"csrf": token, "text": "help"}).status_code == 400


def test_too_many_messages_from_one_client_get_a_pause(client):
    token = csrf_of(client.get("/talk").get_data(as_text=True))
    codes = [talk(client, "help", token).status_code for _ in range(15)]
    assert codes[0] == 200 and codes[-1] == 429
    assert skill_lines(talk(client, "help", token)) == [words.text("en-US", "web.error.busy")]


def test_the_rate_limit_refills_over_time():
    limiter = RateLimiter(per_minute=60, burst=2)
    assert [limiter.allow("a", now=0.0) for _ in range(3)] == [True, True, False]
    assert limiter.allow("b", now=0.0)
    assert limiter.allow("a", now=1.1)


def test_a_body_over_the_alexa_limit_is_refused_calmly(client):
    token = csrf_of(client.get("/talk").get_data(as_text=True))
    reply = client.post("/talk/say", data={"csrf": token, "text": "x" * 300_000})
    assert reply.status_code == 413 and reply.mimetype == "text/html"


@pytest.mark.sqlite_only
def test_nothing_typed_is_logged_or_stored_and_the_id_is_hashed(client, web_app, caplog):
    caplog.set_level(logging.DEBUG)
    first = client.get("/talk")
    browser_id = first.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    token = csrf_of(first.get_data(as_text=True))
    for text in ["check in", "often", "often", "often", "often", "often", "my secret worry is money"]:
        talk(client, text, token)
    database = web_app.extensions["recharge"].database
    rows = sqlite3.connect(database.path).execute("SELECT user_key FROM checkins").fetchall()
    assert len(rows) == 1 and browser_id not in rows[0][0]
    stored = database.path.read_bytes() + b"".join(p.read_bytes() for p in database.path.parent.glob("*-wal"))
    assert b"secret worry" not in stored and browser_id.encode() not in stored
    assert "secret worry" not in caplog.text and browser_id not in caplog.text


def test_forget_me_deletes_this_browsers_history_and_starts_afresh(client, web_app):
    token = csrf_of(client.get("/talk").get_data(as_text=True))
    for text in ["check in", "often", "often", "often", "often", "often"]:
        talk(client, text, token)
    database = web_app.extensions["recharge"].database
    count = lambda: database.row_counts()["checkins"]
    assert count() == 1
    reply = client.post("/talk/forget", data={"csrf": token})
    assert reply.status_code == 200 and shown(words.text("en-US", "web.talk.forgotten")) in reply.get_data(as_text=True)
    assert count() == 0
    assert reply.headers.getlist("Set-Cookie")[0].startswith(f"{ID_COOKIE}=")
    assert client.post("/talk/say", data={"csrf": token, "text": "help"}).status_code == 400
