"""Mixing and mastering: trimmed cues and pydub tones on one timeline, -16 LUFS, true peak <= -1.5 dBTP."""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyloudnorm
from scipy.ndimage import minimum_filter1d, uniform_filter1d
from scipy.signal import resample_poly

from audio.codec import SAMPLE_RATE, SAMPLES_PER_MS, AudioSegment, decode, encode_mp3, from_segment, to_segment
from audio.timeline import Placed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mastering:
    """Settings that shape every file; part of each exercise's build key."""

    target_lufs: float = -16.0
    max_true_peak_db: float = -1.5
    limiter_ceiling_db: float = -2.2
    lufs_tolerance: float = 0.4
    mp3_loudness_shift: float = -0.45  # what 48 kbps encoding typically does to integrated loudness
    cue_rms_db: float = -20.0
    trim_floor_db: float = -40.0
    trim_lead_ms: int = 5
    trim_tail_ms: int = 40
    edge_fade_ms: int = 3
    limiter_hold_ms: int = 8
    oversample: int = 4
    attempts: int = 4


@dataclass(frozen=True)
class ToneSpec:
    """A soft sine chord with an exponential-sounding pydub fade (a bell-like decay)."""

    partials: tuple[tuple[float, float], ...]  # (Hz, dBFS)
    duration_ms: int
    fade_in_ms: int = 5


TONES = {
    "chime": ToneSpec(((660.0, -20.0), (990.0, -28.0), (1320.0, -32.0)), 1800),
    "bell": ToneSpec(((440.0, -20.0), (1214.0, -30.0), (1760.0, -36.0)), 2600),
    "tick": ToneSpec(((880.0, -24.0),), 300),
}
MASTERING = Mastering()


def db_to_gain(db: float) -> float:
    return float(10 ** (db / 20))


@functools.cache
def tone(name: str) -> np.ndarray:
    """A tone generated with pydub's Sine generator."""
    from pydub.generators import Sine

    spec = TONES[name]
    segment = AudioSegment.silent(spec.duration_ms, frame_rate=SAMPLE_RATE)
    for freq, volume in spec.partials:
        segment = segment.overlay(Sine(freq, sample_rate=SAMPLE_RATE).to_audio_segment(spec.duration_ms, volume))
    segment = segment.fade_in(spec.fade_in_ms).fade_out(spec.duration_ms - spec.fade_in_ms)
    return from_segment(segment)


def prepare_cue(pcm: np.ndarray, m: Mastering = MASTERING) -> np.ndarray:
    """Trim the engine's own leading/trailing silence, fade the cut edges and level the speech."""
    level = np.abs(pcm)
    peak = float(level.max()) if pcm.size else 0.0
    if peak <= 0.0:
        return np.zeros(0, np.float32)
    loud = np.flatnonzero(level >= peak * db_to_gain(m.trim_floor_db))
    start = max(0, loud[0] - m.trim_lead_ms * SAMPLES_PER_MS)
    end = min(pcm.size, loud[-1] + 1 + m.trim_tail_ms * SAMPLES_PER_MS)
    clip = pcm[start:end].astype(np.float64)
    fade = min(clip.size // 2, m.edge_fade_ms * SAMPLES_PER_MS)
    clip[:fade] *= np.linspace(0.0, 1.0, fade)
    clip[clip.size - fade:] *= np.linspace(1.0, 0.0, fade)
    return (clip * db_to_gain(m.cue_rms_db) / _active_rms(clip)).astype(np.float32)


def _active_rms(clip: np.ndarray) -> float:
    """RMS over 20 ms frames within 20 dB of the loudest frame (pauses inside a cue do not count)."""
    frame = 20 * SAMPLES_PER_MS
    usable = clip[: clip.size // frame * frame].reshape(-1, frame) if clip.size >= frame else clip.reshape(1, -1)
    power = (usable ** 2).mean(axis=1)
    return float(np.sqrt(power[power >= power.max() * 0.01].mean())) or 1.0


def render(placed: tuple[Placed, ...], sounds: dict[int, np.ndarray], length_ms: int) -> np.ndarray:
    """Overlay every sound at its exact start on one silent pydub timeline (PCM, never joined MP3s)."""
    timeline = AudioSegment.silent(length_ms, frame_rate=SAMPLE_RATE)
    for index, item in enumerate(placed):
        timeline = timeline.overlay(to_segment(sounds[index]), position=item.start_ms)
    return from_segment(timeline)


def true_peak_envelope(x: np.ndarray, floor: float = 0.0, m: Mastering = MASTERING) -> np.ndarray:
    """Per-sample peak of the oversampled signal (inter-sample peaks), in blocks to bound memory.

    Blocks whose sample peak stays under floor cannot reach it between samples either (with
    6 dB to spare), so they keep their sample values and skip the oversampling.
    """
    block, margin = 1 << 16, 64
    env = np.abs(x).astype(np.float32)
    for start in range(0, x.size, block):
        stop = min(x.size, start + block)
        if env[start:stop].max(initial=0.0) < floor / 2:
            continue
        lo, hi = max(0, start - margin), min(x.size, stop + margin)
        up = np.abs(resample_poly(x[lo:hi], m.oversample, 1)).reshape(-1, m.oversample).max(axis=1)
        env[start:stop] = np.maximum(up[start - lo: stop - lo], env[start:stop])
    return env


def true_peak_db(x: np.ndarray) -> float:
    peak = float(true_peak_envelope(x, float(np.abs(x).max(initial=0.0))).max(initial=0.0))
    return 20 * np.log10(peak) if peak > 0 else -120.0


def loudness(x: np.ndarray) -> float:
    """Integrated loudness (pyloudnorm, BS.1770); a -180 dB noise floor keeps the IIR filters out of
    denormal numbers in long silences (7x faster, same result to 1e-9 LU)."""
    data = x.astype(np.float64)
    data[::2] += 1e-9
    data[1::2] -= 1e-9
    return float(pyloudnorm.Meter(SAMPLE_RATE).integrated_loudness(data))


def limit(x: np.ndarray, ceiling_db: float, m: Mastering = MASTERING) -> np.ndarray:
    """Look-ahead limiter: a held minimum of the needed gain, smoothed, never above what a peak needs."""
    ceiling = db_to_gain(ceiling_db)
    needed = np.minimum(1.0, ceiling / np.maximum(true_peak_envelope(x, ceiling, m), 1e-9))
    if needed.min() >= 1.0:
        return x
    hold = m.limiter_hold_ms * SAMPLES_PER_MS
    gain = uniform_filter1d(minimum_filter1d(needed, 2 * hold + 1), hold)
    return (x * gain).astype(np.float32)


def master(x: np.ndarray, target_lufs: float, ceiling_db: float, m: Mastering = MASTERING) -> np.ndarray:
    """Gain to the loudness target and limit, twice: the second pass makes up what limiting took."""
    gain_db = target_lufs - loudness(x)
    limited = limit(x * db_to_gain(gain_db), ceiling_db, m)
    gain_db += target_lufs - loudness(limited)
    return limit(x * db_to_gain(gain_db), ceiling_db, m)


def master_and_encode(mix: np.ndarray, path: Path, m: Mastering = MASTERING) -> np.ndarray:
    """Master, encode once, measure the decoded MP3 and correct for what the encoder moved.

    Returns the mastered PCM that produced the file (segments are cut from it).
    """
    target, ceiling = m.target_lufs - m.mp3_loudness_shift, m.limiter_ceiling_db
    for attempt in range(m.attempts):
        mastered = master(mix, target, ceiling, m)
        encode_mp3(mastered, path)
        decoded = decode(path)
        lufs, peak = loudness(decoded), true_peak_db(decoded)
        if abs(lufs - m.target_lufs) <= m.lufs_tolerance and peak <= m.max_true_peak_db:
            return mastered
        log.debug("attempt %d: %.2f LUFS, %.2f dBTP; correcting", attempt + 1, lufs, peak)
        target += m.target_lufs - lufs
        ceiling -= max(0.0, peak - m.max_true_peak_db + 0.2)
    log.warning("%s: mastered to %.2f LUFS, %.2f dBTP after %d attempts", path.name, lufs, peak, m.attempts)
    return mastered
