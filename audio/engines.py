"""Speech engines behind one small interface: gTTS (online), hibari (offline, default) and a fake for tests."""
from __future__ import annotations

import functools
import io
import logging
from dataclasses import dataclass
from importlib import metadata
from typing import Protocol

from typing import TYPE_CHECKING

from audio.codec import SAMPLE_RATE, CodecError, decode

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

ENGINES = ("auto", "gtts", "offline", "fake")
GTTS_LOCALES = {"en-US": ("en", "com"), "en-GB": ("en", "co.uk"), "en-AU": ("en", "com.au"),
                "en-CA": ("en", "ca"), "en-IN": ("en", "co.in")}
OFFLINE_VOICE = "heart"  # the voice embedded in the hibari-tts wheel
OFFLINE_PIN = "0.2.1"
OFFLINE_SPEED = 0.55  # calm narration: 100-140 words a minute inside a sentence
OFFLINE_SEED = 0
COUNT_SPEED = 0.8  # one-word breathing counts ("two", "three") fit inside the second they name
GTTS_TIMEOUT_S = 15.0
PROBE_TIMEOUT_S = 2.0
PROBE_TEXT = "OK."
FAKE_VERSION = "1"
FAKE_MS_PER_WORD = 460
FAKE_BASE_MS = 250
FAKE_EDGE_MS = 120
FAKE_FREQS_HZ = (440.0, 880.0)


class SynthesisError(RuntimeError):
    """An engine could not turn a cue into audio; the message names the engine and the cause."""


@dataclass(frozen=True)
class EngineSpec:
    """What to build an engine from; picklable so worker processes can build their own."""

    name: str
    locale: str = "en-US"
    timeout_s: float = GTTS_TIMEOUT_S


@dataclass(frozen=True)
class EngineInfo:
    """Everything about an engine that changes its audio; part of every cache key."""

    name: str
    voice: str
    version: str
    locale: str
    speed: float


class Engine(Protocol):
    info: EngineInfo

    def synthesize(self, text: str, count: bool = False) -> np.ndarray:
        """Text -> mono float32 at 24 kHz; count: a one-word breathing count, said briskly."""


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "missing"


def engine_info(spec: EngineSpec) -> EngineInfo:
    """The engine's identity without loading it (so a no-op rebuild never loads a model)."""
    if spec.name == "offline":
        return EngineInfo("offline", f"hibari/{OFFLINE_VOICE}", _package_version("hibari-tts"), spec.locale, OFFLINE_SPEED)
    if spec.name == "gtts":
        lang, tld = gtts_voice(spec.locale)
        return EngineInfo("gtts", f"{lang}/{tld}", _package_version("gTTS"), spec.locale, 1.0)
    if spec.name == "fake":
        return EngineInfo("fake", "tone", FAKE_VERSION, spec.locale, 1.0)
    raise ValueError(f"unknown engine {spec.name!r}; choose one of {', '.join(ENGINES)}")


def gtts_voice(locale: str) -> tuple[str, str]:
    """gTTS language and Google host (tld) that give the locale's accent."""
    if locale not in GTTS_LOCALES:
        raise ValueError(f"unsupported locale {locale!r}; choose one of {', '.join(GTTS_LOCALES)}")
    return GTTS_LOCALES[locale]


class FakeEngine:
    """A tone burst per cue, as long as the words would take, padded with silence the mixer must trim."""

    def __init__(self, spec: EngineSpec):
        self.info = engine_info(spec)

    def synthesize(self, text: str, count: bool = False) -> np.ndarray:
        import numpy as np

        n = (FAKE_BASE_MS + FAKE_MS_PER_WORD * len(text.split())) * SAMPLE_RATE // 1000
        t = np.arange(n) / SAMPLE_RATE
        burst = sum(np.sin(2 * np.pi * f * t) for f in FAKE_FREQS_HZ) * 0.15
        ramp = min(n, SAMPLE_RATE // 200)
        burst[:ramp] *= np.linspace(0.0, 1.0, ramp)
        burst[n - ramp:] *= np.linspace(1.0, 0.0, ramp)
        edge = np.zeros(FAKE_EDGE_MS * SAMPLE_RATE // 1000)
        return np.concatenate([edge, burst, edge]).astype(np.float32)


class OfflineEngine:
    """hibari-tts: the embedded neural voice, pinned and deterministic (seed 0)."""

    def __init__(self, spec: EngineSpec):
        from hibari import SAMPLE_RATE as HIBARI_RATE
        from hibari import Hibari

        self.info = engine_info(spec)
        if self.info.version != OFFLINE_PIN:
            log.warning("hibari-tts %s is installed; this build is tested with %s", self.info.version, OFFLINE_PIN)
        if HIBARI_RATE != SAMPLE_RATE:
            raise SynthesisError(f"hibari-tts produces {HIBARI_RATE} Hz audio; the build needs {SAMPLE_RATE} Hz")
        self._tts = Hibari(voice=OFFLINE_VOICE)

    def synthesize(self, text: str, count: bool = False) -> np.ndarray:
        import numpy as np

        speed = COUNT_SPEED if count else OFFLINE_SPEED
        return np.asarray(self._tts(text, speed=speed, seed=OFFLINE_SEED), dtype=np.float32)


class GttsEngine:
    """Google Translate's voice through gTTS: needs the network, so every request has a timeout."""

    def __init__(self, spec: EngineSpec):
        self.info = engine_info(spec)
        self._lang, self._tld = gtts_voice(spec.locale)
        self._timeout = spec.timeout_s

    def synthesize(self, text: str, count: bool = False) -> np.ndarray:
        from gtts import gTTS, gTTSError

        buffer = io.BytesIO()
        try:
            gTTS(text, lang=self._lang, tld=self._tld, timeout=self._timeout).write_to_fp(buffer)
        except gTTSError as exc:
            cause = exc.__context__
            detail = f" ({type(cause).__name__}: {cause})" if cause is not None else ""
            raise SynthesisError(f"gTTS failed: {exc}{detail}") from exc
        if not buffer.getvalue():
            raise SynthesisError("gTTS returned no audio")
        try:
            return decode(buffer.getvalue())
        except CodecError as exc:
            raise SynthesisError(f"gTTS returned audio ffmpeg cannot read: {exc}") from exc


ENGINE_CLASSES = {"fake": FakeEngine, "offline": OfflineEngine, "gtts": GttsEngine}


@functools.cache
def make_engine(spec: EngineSpec) -> Engine:
    """One engine per process and spec (loading the neural voice is the slow part)."""
    if spec.name not in ENGINE_CLASSES:
        raise ValueError(f"unknown engine {spec.name!r}; choose one of {', '.join(ENGINES)}")
    return ENGINE_CLASSES[spec.name](spec)


def probe_gtts(locale: str, timeout_s: float = PROBE_TIMEOUT_S) -> str | None:
    """None when gTTS answers a tiny request in time, else a short reason (never the whole exception text)."""
    try:
        GttsEngine(EngineSpec("gtts", locale, timeout_s)).synthesize(PROBE_TEXT)
    except SynthesisError as exc:
        cause = exc.__cause__.__context__ if exc.__cause__ is not None else None
        name = type(cause or exc.__cause__ or exc).__name__
        if "Timeout" in name:
            return f"gTTS did not answer within {timeout_s:g} s"
        return f"gTTS is not reachable ({name})"
    return None


def choose_engine(requested: str, locale: str, timeout_s: float = GTTS_TIMEOUT_S) -> EngineSpec:
    """Resolve --engine once per build; auto probes gTTS and falls back to the offline voice."""
    if requested not in ENGINES:
        raise ValueError(f"unknown engine {requested!r}; choose one of {', '.join(ENGINES)}")
    gtts_voice(locale)
    if requested != "auto":
        log.info("voice: %s, as asked with --engine", describe(EngineSpec(requested, locale, timeout_s)))
        return EngineSpec(requested, locale, timeout_s)
    reason = probe_gtts(locale, min(timeout_s, PROBE_TIMEOUT_S))
    if reason is None:
        log.info("voice: gTTS answered; using gtts for the whole build (%s)", describe(EngineSpec("gtts", locale)))
        return EngineSpec("gtts", locale, timeout_s)
    log.info("voice: %s; using the offline voice for the whole build (%s)", reason,
             describe(EngineSpec("offline", locale)))
    return EngineSpec("offline", locale, timeout_s)


def describe(spec: EngineSpec) -> str:
    info = engine_info(spec)
    return f"{info.name} {info.voice} {info.version}, {info.locale}, speed {info.speed:g}"
