"""Settings come from RECHARGE_* variables; bad values stop start-up with a message naming the variable."""
from __future__ import annotations

from pathlib import Path

import pytest

from skill.alexa.settings import SettingsError, load_settings

SKILL = "amzn1.ask.skill.00000000-1111-2222-3333-444444444444"


def test_defaults_are_safe():
    settings = load_settings({"RECHARGE_SKILL_ID": SKILL})
    assert settings.verify_signatures is True
    assert (settings.host, settings.port) == ("127.0.0.1", 5000)
    assert settings.audio_base_url is None
    assert settings.data_dir == Path("var")
    assert settings.database_path == Path("var/recharge.sqlite3")
    assert settings.audio_dir == Path("var/audio")


def test_everything_can_be_set():
    settings = load_settings({
        "RECHARGE_SKILL_ID": SKILL, "RECHARGE_VERIFY_SIGNATURES": "off", "RECHARGE_HOST": "0.0.0.0",
        "RECHARGE_PORT": "8080", "RECHARGE_AUDIO_BASE_URL": "https://cdn.example.org/recharge/",
        "RECHARGE_DATA_DIR": "/srv/recharge", "RECHARGE_DATABASE_URL": "sqlite:////srv/db/r.sqlite3",
    })
    assert settings.verify_signatures is False
    assert settings.port == 8080
    assert settings.audio_base_url == "https://cdn.example.org/recharge"
    assert settings.database_path == Path("/srv/db/r.sqlite3")


@pytest.mark.parametrize("env, variable", [
    ({"RECHARGE_SKILL_ID": "my-skill"}, "RECHARGE_SKILL_ID"),
    ({}, "RECHARGE_SKILL_ID"),
    ({"RECHARGE_SKILL_ID": SKILL, "RECHARGE_VERIFY_SIGNATURES": "maybe"}, "RECHARGE_VERIFY_SIGNATURES"),
    ({"RECHARGE_SKILL_ID": SKILL, "RECHARGE_PORT": "eighty"}, "RECHARGE_PORT"),
    ({"RECHARGE_SKILL_ID": SKILL, "RECHARGE_PORT": "70000"}, "RECHARGE_PORT"),
    ({"RECHARGE_SKILL_ID": SKILL, "RECHARGE_AUDIO_BASE_URL": "http://insecure.example.org"}, "RECHARGE_AUDIO_BASE_URL"),
    ({"RECHARGE_SKILL_ID": SKILL, "RECHARGE_DATABASE_URL": "mysql://x"}, "RECHARGE_DATABASE_URL"),
    ({"RECHARGE_SKILL_ID": SKILL, "RECHARGE_LOG_LEVEL": "chatty"}, "RECHARGE_LOG_LEVEL"),
], ids=["bad-skill-id", "no-skill-id-with-verification", "bad-bool", "port-word", "port-range",
        "http-audio", "unknown-database", "log-level"])
def test_bad_values_name_the_variable(env, variable):
    with pytest.raises(SettingsError, match=variable):
        load_settings(env)


def test_development_mode_needs_no_skill_id():
    assert load_settings({"RECHARGE_VERIFY_SIGNATURES": "false"}).skill_id is None
