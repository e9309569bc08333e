"""Start-up: a bad setting stops the server with a message naming the variable, before anything runs."""
from __future__ import annotations

import os

import pytest

import app


@pytest.mark.parametrize("env, variable", [
    ({}, "RECHARGE_SKILL_ID"),
    ({"RECHARGE_VERIFY_SIGNATURES": "false", "RECHARGE_PORT": "0"}, "RECHARGE_PORT"),
])
def test_bad_configuration_exits_2_with_a_clear_message(monkeypatch, capsys, env, variable):
    for name in [name for name in os.environ if name.startswith("RECHARGE_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert app.main(["--no-audio-build"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("recharge: configuration error:") and variable in error
