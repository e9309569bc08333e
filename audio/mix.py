"""Mixing and mastering: trimmed cues, tones and a soft bed on one timeline, -16 LUFS, true peak <= -1.5 dBTP."""
from __future__ import annotations

import functools
import logging
from pathlib import Path

import numpy as np

from audio.codec import SAMPLE_RATE, SAMPLES_PER_MS, decode, encode_mp3, from_segment, pydub_segment
from audio.mastering import BED, MASTERING, TONES, TP_HALF_TAPS, Bed, Mastering
from audio.timeline import Placed

log = logging.getLogger(__name__)


def db_to_gain(db: float) -> float:
    return float(10 ** (db / 20))


@functools.cache
def tone(name: str) -> np.ndarray:
    """A tone generated with pydub's Sine generator."""
    AudioSegment = pydub_segment()
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


@functools.cache
def _bed_loop(b: Bed = BED) -> np.ndarray:
    """One minute of bed at its level, seamless when repeated (noise filtered in the frequency domain)."""
    n = 60 * SAMPLE_RATE
    rng = np.random.default_rng(b.seed)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / SAMPLE_RATE)
    shape = 1 / np.sqrt(1 + (freqs / b.lowpass_hz) ** 4) / np.sqrt(np.maximum(freqs, 20.0))  # pink-ish, low-passed
    noise = np.fft.irfft(spectrum * shape, n)
    t = np.arange(n) / SAMPLE_RATE
    swell_hz = round(b.swell_hz * 60) / 60  # whole cycles per loop
    noise *= 1 + b.swell_depth * np.sin(2 * np.pi * swell_hz * t)
    noise /= np.sqrt(np.mean(noise ** 2))
    drone = sum(np.sin(2 * np.pi * round(f * 60) / 60 * t) for f in b.drone_hz)
    drone /= np.sqrt(np.mean(drone ** 2))
    mixed = (1 - b.drone_share) * noise + b.drone_share * drone
    return (mixed * db_to_gain(b.level_db) / np.sqrt(np.mean(mixed ** 2))).astype(np.float32)


def bed(length: int, b: Bed = BED) -> np.ndarray:
    """The bed for a file of `length` samples, faded in and out."""
    loop = _bed_loop(b)
    out = np.tile(loop, -(-length // loop.size))[:length].copy()
    fade = min(length // 2, b.fade_ms * SAMPLES_PER_MS)
    ramp = np.sin(np.linspace(0, np.pi / 2, fade)) ** 2
    out[:fade] *= ramp
    out[length - fade:] *= ramp[::-1]
    return out


def render(placed: tuple[Placed, ...], sounds: dict[int, np.ndarray], length_ms: int, with_bed: bool = False) -> np.ndarray:
    """Add every sound at its exact start on one PCM timeline (never joined MP3s)."""
    n = length_ms * SAMPLES_PER_MS
    timeline = bed(n) if with_bed else np.zeros(n, np.float32)
    for index, item in enumerate(placed):
        start = item.start_ms * SAMPLES_PER_MS
        sound = sounds[index][: n - start]
        timeline[start:start + sound.size] += sound
    return timeline


@functools.cache
def _interpolator(oversample: int, half: int = TP_HALF_TAPS) -> np.ndarray:
    """Windowed-sinc taps giving the oversample-1 points between two samples (BS.1770 true peak)."""
    n = np.arange(-half + 1, half + 1)
    fracs = np.arange(1, oversample) / oversample
    t = n[None, :] - fracs[:, None]
    return (np.sinc(t) * np.kaiser(2 * half, 5.0)[None, :]).T  # (taps, phases)


def true_peak_envelope(x: np.ndarray, floor: float = 0.0, m: Mastering = MASTERING) -> np.ndarray:
    """Per-sample peak including the inter-sample peaks just after each sample.

    Only samples within 6 dB of floor can have an inter-sample peak that reaches it, so only their
    neighbourhoods are interpolated (a few percent of the samples).
    """
    env = np.abs(x).astype(np.float32)
    half = TP_HALF_TAPS
    taps = _interpolator(m.oversample, half)
    near = env >= floor / 2
    near[:-1] |= near[1:]  # the interval before a loud sample too
    near[: half - 1] = False
    near[x.size - half - 1:] = False
    candidates = np.flatnonzero(near)
    if candidates.size == 0:
        return env
    windows = x[candidates[:, None] + np.arange(-half + 1, half + 1)[None, :]]
    between = np.abs(windows.astype(np.float32) @ taps.astype(np.float32)).max(axis=1)
    env[candidates] = np.maximum(env[candidates], between)
    return env


def true_peak_db(x: np.ndarray) -> float:
    peak = float(true_peak_envelope(x, float(np.abs(x).max(initial=0.0))).max(initial=0.0))
    return 20 * np.log10(peak) if peak > 0 else -120.0


@functools.cache
def _k_weighting() -> tuple:
    """BS.1770 K-weighting as second-order sections (pyloudnorm's own coefficients)."""
    import pyloudnorm
    from scipy.signal import tf2sos

    meter = pyloudnorm.Meter(SAMPLE_RATE)
    sos = [tf2sos(f.b, f.a) for f in meter._filters.values()]
    gain = float(np.prod([f.passband_gain for f in meter._filters.values()]))
    return np.concatenate(sos), gain


def loudness(x: np.ndarray) -> float:
    """Integrated loudness (BS.1770-4 as pyloudnorm measures it), vectorised: one filter pass, block
    energies from a cumulative sum. A -180 dB dither keeps the filters out of denormal numbers."""
    from scipy.signal import sosfilt

    sos, gain = _k_weighting()
    data = x.astype(np.float64)
    data[::2] += 1e-9
    data[1::2] -= 1e-9
    weighted = sosfilt(sos, data) * gain
    step = SAMPLE_RATE // 10  # 400 ms blocks every 100 ms: sums of four 100 ms quarters
    count = int(np.round((weighted.size / SAMPLE_RATE - 0.4) / 0.1)) + 1
    if count < 1:
        return float("-inf")
    quarters = np.zeros(count + 3)
    usable = min(weighted.size // step, count + 3)
    quarters[:usable] = (weighted[: usable * step] ** 2).reshape(usable, step).sum(axis=1)
    if usable < count + 3:  # the last block runs past the end, as in pyloudnorm
        quarters[usable] = float((weighted[usable * step:] ** 2).sum())
    z = (quarters[:count] + quarters[1:count + 1] + quarters[2:count + 2] + quarters[3:count + 3]) / (4 * step)
    with np.errstate(divide="ignore"):
        blocks = -0.691 + 10 * np.log10(z)
        kept = z[blocks >= -70.0]
        if kept.size == 0:
            return float("-inf")
        relative = -0.691 + 10 * np.log10(kept.mean()) - 10.0
        gated = z[(blocks > relative) & (blocks > -70.0)]
        return float(-0.691 + 10 * np.log10(gated.mean())) if gated.size else float("-inf")


def limit(x: np.ndarray, ceiling_db: float, m: Mastering = MASTERING) -> np.ndarray:
    """Look-ahead limiter: a held minimum of the needed gain, smoothed, never above what a peak needs."""
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    ceiling = db_to_gain(ceiling_db)
    needed = np.minimum(np.float32(1.0), np.float32(ceiling) / np.maximum(true_peak_envelope(x, ceiling, m), 1e-9))
    over = np.flatnonzero(needed < 1.0)
    if over.size == 0:
        return x
    hold = m.limiter_hold_ms * SAMPLES_PER_MS
    out = x.astype(np.float32, copy=True)
    # only the stretches around peaks: runs of peaks closer than 4 holds share one filtered span
    breaks = np.flatnonzero(np.diff(over) > 4 * hold)
    for first, last in zip(np.concatenate([[0], breaks + 1]), np.concatenate([breaks, [over.size - 1]])):
        lo, hi = max(0, over[first] - 3 * hold), min(x.size, over[last] + 3 * hold + 1)
        gain = uniform_filter1d(minimum_filter1d(needed[lo:hi], 2 * hold + 1), hold)
        out[lo:hi] *= gain
    return out


def master(x: np.ndarray, target_lufs: float, ceiling_db: float, m: Mastering = MASTERING,
           measured: float | None = None) -> np.ndarray:
    """Gain to the loudness target and limit; then make up what limiting took (a fraction of a dB,
    well inside the margin between the limiter's ceiling and the true-peak limit)."""
    gain_db = target_lufs - (loudness(x) if measured is None else measured)
    limited = limit(x * db_to_gain(gain_db), ceiling_db, m)
    return (limited * db_to_gain(target_lufs - loudness(limited))).astype(np.float32)


def master_and_encode(mix: np.ndarray, path: Path, m: Mastering = MASTERING) -> tuple[np.ndarray, np.ndarray]:
    """Master, encode once, measure the decoded MP3 and correct for what the encoder moved.

    Returns the mastered PCM that produced the file (segments are cut from it) and the decoded file.
    """
    target, ceiling = m.target_lufs - m.mp3_loudness_shift, m.limiter_ceiling_db
    source_lufs = loudness(mix)
    for attempt in range(m.attempts):
        mastered = master(mix, target, ceiling, m, source_lufs)
        encode_mp3(mastered, path)
        decoded = decode(path)
        lufs, peak = loudness(decoded), true_peak_db(decoded)
        if abs(lufs - m.target_lufs) <= m.lufs_tolerance and peak <= m.max_true_peak_db:
            return mastered, decoded
        log.debug("%s attempt %d: %.2f LUFS, %.2f dBTP; correcting", path.name, attempt + 1, lufs, peak)
        target += m.target_lufs - lufs
        ceiling -= max(0.0, peak - m.max_true_peak_db + 0.5)
    log.warning("%s: mastered to %.2f LUFS, %.2f dBTP after %d attempts", path.name, lufs, peak, m.attempts)
    return mastered, decoded
