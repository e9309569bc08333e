"""Property: any envelope or slot value gets a valid Alexa response or a 4xx; never a 5xx, never a traceback.

CI runs a bounded, derandomised number of examples. The longer run is the same code:
    RECHARGE_FUZZ_EXAMPLES=20000 .venv/bin/python -m pytest tests/test_fuzz.py
"""
from __future__ import annotations

import json
import logging
import os
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from tests.conftest import assert_valid_response, dev_settings
from tests.envelopes import Conversation
from tests.fuzzing import AWKWARD_VALUES, base_envelopes, encode, intents_with_slots, mutate, paths, set_path

EXAMPLES = int(os.environ.get("RECHARGE_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=EXAMPLES <= 150,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
BASES = base_envelopes()
INTENTS = intents_with_slots()

any_char = st.characters(codec=None, categories=None)
json_leaf = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
             | st.text(any_char, max_size=40) | st.sampled_from(AWKWARD_VALUES))
json_value = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=3)
                          | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=12)
slot_text = st.text(any_char, max_size=60) | st.sampled_from([v for v in AWKWARD_VALUES if isinstance(v, str)])


class Problems(logging.Handler):
    """Collects log records that carry a traceback or are errors: the property says there are none."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.levelno >= logging.ERROR:
            self.records.append(record)


@pytest.fixture
def fuzz_app(tmp_path):
    app = create_app(dev_settings(tmp_path, user_key_secret="fuzz"), verifier=None,
                     rng_factory=lambda: random.Random(3))
    problems = Problems()
    logging.getLogger().addHandler(problems)
    yield app.test_client(), problems
    logging.getLogger().removeHandler(problems)


def check(client, problems: Problems, body: bytes) -> None:
    result = client.post("/alexa", data=body, content_type="application/json")
    assert result.status_code < 500, body[:300]
    if result.status_code == 200:
        assert_valid_response(result.get_json())
    else:
        assert 400 <= result.status_code < 500 and result.get_json() in ({"error": "bad_request"},
                                                                          {"error": "body_too_large"})
    found = [f"{r.levelname} {r.getMessage()}" for r in problems.records]
    problems.records.clear()
    assert not found, (found, body[:300])


@FUZZ
@given(data=st.data())
def test_mutated_envelopes_never_get_a_5xx_or_a_traceback(fuzz_app, data):
    client, problems = fuzz_app
    envelope = json.loads(json.dumps(data.draw(st.sampled_from(BASES))))
    for _ in range(data.draw(st.integers(1, 3))):
        candidates = list(paths(envelope))
        if not candidates:
            break
        path = data.draw(st.sampled_from(candidates))
        try:
            set_path(envelope, path, data.draw(json_value), delete=data.draw(st.booleans()))
        except (KeyError, IndexError, TypeError):
            pass
    check(client, problems, encode(envelope))


@FUZZ
@given(intent=st.sampled_from(INTENTS), values=st.lists(slot_text, min_size=1, max_size=3),
       resolved=st.booleans(), new_session=st.booleans())
def test_any_slot_value_gets_a_valid_answer(fuzz_app, intent, values, resolved, new_session):
    client, problems = fuzz_app
    name, slots = intent
    filled = {slot: ((value, value) if resolved else value) for slot, value in zip(slots, values * len(slots))}
    check(client, problems, encode(Conversation(new=new_session).intent(name, **filled)))


@FUZZ
@given(seed=st.integers(0, 2**32 - 1))
def test_byte_level_mutations_of_real_envelopes(fuzz_app, seed):
    client, problems = fuzz_app
    check(client, problems, mutate(random.Random(seed), BASES))
