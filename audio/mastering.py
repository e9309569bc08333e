"""Settings that shape every built file (mastering, the bed, tones, checks); part of each build key."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mastering:
    """Settings that shape every file; part of each exercise's build key."""

    target_lufs: float = -16.0
    max_true_peak_db: float = -1.5
    limiter_ceiling_db: float = -3.0
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
class Bed:
    """A soft synthesised bed (no samples): low-passed noise that swells like slow breath, plus a quiet drone."""

    level_db: float = -40.0  # RMS before mastering; speech cues sit at cue_rms_db (-20)
    lowpass_hz: float = 500.0
    swell_hz: float = 0.09  # one slow swell every ~11 s
    swell_depth: float = 0.35
    drone_hz: tuple[float, ...] = (110.0, 164.8)
    drone_share: float = 0.35
    fade_ms: int = 3000
    seed: int = 7


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
TP_HALF_TAPS = 24  # 48-tap interpolator: reads at or above a 4x resample_poly on our files
BED = Bed()
