"""The typed conversation on the web: the skill's router through a browser port, its turns as words and page actions."""
from __future__ import annotations

import random
import subprocess
import sys
from dataclasses import replace

import pytest

from skill.alexa.settings import SettingsError, load_settings
from skill.conversation.state import State
from skill.exercises import load_scripts
from skill.speech import SUPPORTED_LOCALES, phrasebook
from skill.storage import StorageError
from skill.web import text as words
from skill.web.talk import WEB_WORDING, Action, BrowserPort, converse, on_the_page
from tests.conftest import dev_settings
from tests.web.test_pages import csrf_of, shown, skill_lines

ALEXA_ONLY = ("Alexa", "Nicely done", "Well done for taking that time")


def say(client, text: str, token: str, locale: str = "en-US"):
    return client.post("/talk/say", data={"csrf": token, "text": text},
                       headers={"Accept": "application/json", "Accept-Language": locale})


def opened(client) -> str:
    return csrf_of(client.get("/talk").get_data(as_text=True))


def actions(reply) -> list[dict]:
    return [item for item in reply.get_json()["exchange"] if item["who"] == "action"]


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_a_crisis_sentence_gets_that_locales_help_lines_and_nothing_else(client, locale):
    token = opened(client)
    say(client, "check in", token, locale)
    reply = say(client, "i don't feel safe at home", token, locale)
    book = phrasebook(locale)
    assert skill_lines(reply) == [book.text("safety.opening"), book.text("safety.resources"), book.text("safety.closing")]
    assert not actions(reply)


def test_the_uk_help_lines_name_uk_services(client):
    lines = skill_lines(say(client, "i want to end my life", opened(client), "en-GB"))
    assert any("Samaritans" in line for line in lines) and not any("nine eight eight" in line for line in lines)


def test_an_exercise_asked_for_is_offered_and_played_on_the_page_in_order(client):
    token = opened(client)
    exchange = say(client, "play box breathing", token).get_json()["exchange"]
    kinds = [item["who"] for item in exchange]
    assert kinds == ["you", "skill", "action", "skill"]
    action = exchange[2]
    assert action["id"] == "box-breathing" and action["audio"].startswith("/audio/") and action["page"] == "/exercises/box-breathing"
    after = exchange[3]["text"]
    assert not any(word in item.get("text", "") for item in exchange for word in ALEXA_ONLY)
    offered = after.split("like ")[-1].rstrip("? Just say yes.")
    reply = say(client, "yes", token)
    assert [a["title"].lower() for a in actions(reply)] == [offered.lower()]


def test_an_exercise_with_controls_is_a_page_player_with_no_talk_of_alexa(client):
    token = opened(client)
    reply = say(client, "play box breathing so i can pause it", token)
    assert [a["id"] for a in actions(reply)] == ["box-breathing"]
    lines = skill_lines(reply)
    template = words.messages("en-US")[WEB_WORDING + "exercise.player_intro"].variants[0]
    assert len(lines) == 1 and lines[0].lower() == template.format(title=actions(reply)[0]["title"]).lower()
    assert "Alexa" not in lines[0]
    assert skill_lines(say(client, "pause", token)) == [words.text("en-US", WEB_WORDING + "player.nothing_playing")]


def test_the_reconnect_is_offered_as_the_reconnect_page(client):
    token = opened(client)
    say(client, "start our reconnect", token)
    reply = say(client, "no", token)
    assert [a["page"] for a in actions(reply)] == ["/reconnect"]
    assert skill_lines(reply)[-1] == words.text("en-US", WEB_WORDING + "reconnect.how_did_it_go")


def test_every_web_wording_stands_for_a_skill_message_with_the_same_placeholders():
    skill, web = phrasebook("en-US").messages, words.messages("en-US")
    overrides = {key.removeprefix(WEB_WORDING): message for key, message in web.items() if key.startswith(WEB_WORDING)}
    assert overrides, "no web wordings found"
    for message_id, message in overrides.items():
        assert message_id in skill, f"{WEB_WORDING}{message_id} overrides no message in skill/content/en-US.yaml"
        assert message.placeholders == skill[message_id].placeholders, f"{WEB_WORDING}{message_id}: placeholders differ"
        assert not any(word in variant for variant in message.variants for word in ALEXA_ONLY)


def test_delete_my_data_typed_erases_this_browsers_history(client, web_app):
    token = opened(client)
    for text in ["check in", "often", "often", "often", "often", "often"]:
        say(client, text, token)
    database = web_app.extensions["recharge"].database
    assert database.row_counts()["checkins"] == 1
    say(client, "delete my data", token)
    say(client, "yes", token)
    assert database.row_counts()["checkins"] == 0


def test_forget_me_says_so_when_the_history_cannot_be_reached(client, web_app, monkeypatch):
    token = opened(client)
    database = web_app.extensions["recharge"].database

    def unreachable(key):
        raise StorageError("down")

    monkeypatch.setattr(database, "delete_user", unreachable)
    reply = client.post("/talk/forget", data={"csrf": token})
    assert reply.status_code == 503
    assert shown(words.text("en-US", "web.talk.forget_failed")) in reply.get_data(as_text=True)
    assert say(client, "help", token).status_code == 200  # still the same browser: nothing was pretended


def test_without_an_audio_build_an_exercise_still_plays_on_the_page():
    catalogue = on_the_page(load_scripts())
    answer = converse("play box breathing", State(), "en-US", BrowserPort(catalogue, None, None), rng=random.Random(1))
    assert answer.actions == (Action("play", "box-breathing"),)
    assert answer.state.offer is not None and answer.state.offer.kind == "play"


# Pages, addresses and the proxy setting.

@pytest.mark.parametrize("path", ["/talk/nope", "/exercises/box-breathing/more", "/reconnect/x", "/static/web/nope.css"])
def test_an_unknown_address_under_the_pages_gets_the_html_404_with_a_way_back(client, path):
    reply = client.get(path)
    assert reply.status_code == 404 and reply.mimetype == "text/html"
    page = reply.get_data(as_text=True)
    assert shown(words.text("en-US", "web.error.not_found")) in page and 'href="/"' in page
    assert "script-src 'self'" in reply.headers["Content-Security-Policy"]


def test_an_unknown_address_is_a_page_for_a_browser_and_json_for_anything_else(client):
    assert client.get("/nowhere", headers={"Accept": "text/html,*/*;q=0.8"}).mimetype == "text/html"
    reply = client.get("/nowhere")
    assert reply.status_code == 404 and reply.get_json() == {"error": "not_found"}


@pytest.mark.parametrize("raw, hops", [("", 0), ("false", 0), ("true", 1), ("1", 1), ("2", 2)])
def test_trusting_a_proxy_is_opt_in(raw, hops):
    env = {"RECHARGE_VERIFY_SIGNATURES": "false", "RECHARGE_TRUST_PROXY": raw}
    assert load_settings(env).trust_proxy == hops


@pytest.mark.parametrize("raw", ["maybe", "-1", "99"])
def test_a_bad_proxy_setting_names_the_variable(raw):
    with pytest.raises(SettingsError, match="RECHARGE_TRUST_PROXY"):
        load_settings({"RECHARGE_VERIFY_SIGNATURES": "false", "RECHARGE_TRUST_PROXY": raw})


def busy_after(app, forwarded_for: list[str]) -> list[int]:
    client = app.test_client()
    token = opened(client)
    return [say_from(client, token, address).status_code for address in forwarded_for]


def say_from(client, token: str, address: str):
    return client.post("/talk/say", data={"csrf": token, "text": "help"},
                       headers={"Accept": "application/json", "X-Forwarded-For": address})


def test_a_forged_forwarded_address_does_not_dodge_the_rate_limit_by_default(web_app):
    codes = busy_after(web_app, [f"10.0.0.{n}" for n in range(15)])
    assert codes[-1] == 429


def test_behind_a_trusted_proxy_each_client_has_its_own_rate_limit(make_app, web_data_dir, tmp_path):
    app = make_app(replace(dev_settings(tmp_path, data_dir=web_data_dir), trust_proxy=1))
    codes = busy_after(app, [f"10.0.0.{n}" for n in range(15)])
    assert set(codes) == {200}
    assert busy_after(app, ["10.0.0.99"] * 15)[-1] == 429


def test_the_web_companion_imports_no_ask_sdk():
    code = ("import sys, skill.web, skill.web.talk; "
            "sys.exit(1 if any(m.startswith(('ask_sdk', 'flask_ask')) for m in sys.modules) else 0)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


@pytest.mark.parametrize("lines", [["how are we both doing"], ["turn sharing off"], ["i'm the partner"],
                                   ["start our reconnect", "no", "yes"], ["play box breathing so i can pause it"],
                                   ["remember our names are sam and alex"], ["pause"], ["resume"]])
def test_nothing_the_page_shows_asks_for_a_speaker(client, lines):
    token = opened(client)
    for text in lines:
        shown_lines = skill_lines(say(client, text, token))
        assert shown_lines and not any("Alexa" in line or "voice profile" in line for line in shown_lines), (text, shown_lines)


def test_a_named_reconnect_plays_on_the_page_rather_than_as_a_wall_of_script(client):
    token = opened(client)
    reply = say(client, "start our reconnect with sam and alex", token)
    if not actions(reply):  # the names were asked for first
        reply = say(client, "our names are sam and alex", token)
    exchange = reply.get_json()["exchange"]
    assert [a["page"] for a in actions(reply)] == ["/reconnect"]
    assert len([item for item in exchange if item["who"] == "skill"]) <= 3, exchange
