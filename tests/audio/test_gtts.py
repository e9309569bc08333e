"""gTTS through its real code, with its batchexecute POSTs answered by `responses` (no network)."""
from __future__ import annotations

import base64
import logging
import re
from pathlib import Path

import numpy as np
import pytest
import requests
import responses

from audio import engines
from audio.codec import encode_mp3
from audio.engines import EngineSpec, GttsEngine, SynthesisError, choose_engine

from .conftest import read_manifest, run

GTTS_URL = re.compile(r"https://translate\.google\.[a-z.]+/_/TranslateWebserverUi/data/batchexecute")


@pytest.fixture(scope="module")
def gtts_body(tmp_path_factory) -> str:
    """A batchexecute answer carrying half a second of real MP3, as Google's server sends it."""
    path = tmp_path_factory.mktemp("gtts") / "tone.mp3"
    t = np.arange(12000) / 24000
    encode_mp3((0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32), path)
    audio = base64.b64encode(path.read_bytes()).decode()
    return ')]}\'\n\n[["wrb.fr","jQ1olc","[\\"' + audio + '\\"]",null,null,null,"generic"]]\n'


@responses.activate
def test_synthesis_decodes_the_answer_and_passes_the_timeout(gtts_body: str):
    responses.add(responses.POST, GTTS_URL, body=gtts_body)
    pcm = GttsEngine(EngineSpec("gtts", "en-US", timeout_s=7.5)).synthesize("Breathe in.")
    assert abs(pcm.size / 24000 - 0.5) < 0.05
    call = responses.calls[0]
    assert call.request.url.startswith("https://translate.google.com/")
    assert call.request.req_kwargs["timeout"] == 7.5


@responses.activate
def test_locale_picks_the_accent_host(gtts_body: str):
    responses.add(responses.POST, GTTS_URL, body=gtts_body)
    GttsEngine(EngineSpec("gtts", "en-GB")).synthesize("Breathe out.")
    assert responses.calls[0].request.url.startswith("https://translate.google.co.uk/")


@responses.activate
def test_long_text_is_sent_in_chunks(gtts_body: str):
    responses.add(responses.POST, GTTS_URL, body=gtts_body)
    text = " ".join(["Let your shoulders drop, and let the breath out be slow and soft."] * 4)
    pcm = GttsEngine(EngineSpec("gtts")).synthesize(text)
    assert len(responses.calls) >= 3
    assert abs(pcm.size / 24000 - 0.5 * len(responses.calls)) < 0.1 * len(responses.calls)


@pytest.mark.parametrize("answer, cause", [
    (dict(status=500, body="oops"), "500"),
    (dict(body=requests.exceptions.ReadTimeout("read timed out")), "ReadTimeout"),
    (dict(body=requests.exceptions.ConnectionError("network is unreachable")), "ConnectionError"),
    (dict(body=")]}'\n\n[[\"wrb.fr\",\"jQ1olc\",null]]\n"), "gTTS"),
])
@responses.activate
def test_failures_name_the_cause(answer: dict, cause: str):
    responses.add(responses.POST, GTTS_URL, **answer)
    with pytest.raises(SynthesisError, match="gTTS") as caught:
        GttsEngine(EngineSpec("gtts")).synthesize("Hold.")
    assert cause in str(caught.value)


@responses.activate
def test_auto_uses_gtts_when_it_answers(gtts_body: str, caplog):
    caplog.set_level(logging.INFO)
    responses.add(responses.POST, GTTS_URL, body=gtts_body)
    assert choose_engine("auto", "en-US").name == "gtts"
    assert len(responses.calls) == 1 and "using gtts for the whole build" in caplog.text


@responses.activate
def test_auto_falls_back_to_the_offline_voice(caplog):
    caplog.set_level(logging.INFO)
    responses.add(responses.POST, GTTS_URL, body=requests.exceptions.ConnectionError("offline"))
    assert choose_engine("auto", "en-US").name == "offline"
    assert "using the offline voice for the whole build" in caplog.text
    with pytest.raises(ValueError, match="unknown engine"):
        choose_engine("robot", "en-US")


@responses.activate
def test_gtts_failure_mid_build_keeps_the_old_build_and_a_rerun_finishes(
        tmp_path: Path, tiny_dir: Path, gtts_body: str, caplog):
    out = tmp_path / "out"
    responses.add(responses.POST, GTTS_URL, body=gtts_body)
    assert run(out, tiny_dir, engine="gtts") == 0
    before = (out / "manifest.json").read_bytes()
    mp3s = sorted(p.name for p in out.glob("*.mp3"))
    path = tiny_dir / "tiny-sequence.yaml"
    path.write_text(path.read_text().replace("Settle in.", "Settle in, slowly.").replace("Thank you.", "Thanks."))
    responses.replace(responses.POST, GTTS_URL, body=requests.exceptions.ReadTimeout("read timed out"))
    assert run(out, tiny_dir, engine="gtts") == 1
    assert "gTTS failed" in caplog.text and "ReadTimeout" in caplog.text and "tiny-sequence.yaml" in caplog.text
    assert (out / "manifest.json").read_bytes() == before
    assert sorted(p.name for p in out.glob("*.mp3")) == mp3s
    assert not list((out / ".cache" / "tmp").iterdir())
    responses.replace(responses.POST, GTTS_URL, body=gtts_body)
    assert run(out, tiny_dir, engine="gtts") == 0
    assert read_manifest(out)["exercises"]["tiny-sequence"]["engine"] == "gtts"


def test_engines_are_made_once_per_process():
    spec = EngineSpec("fake")
    assert engines.make_engine(spec) is engines.make_engine(spec)
