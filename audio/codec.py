"""PCM and MP3 plumbing: the pip-shipped ffmpeg, decoding to float32, and MP3 frame-header facts."""
from __future__ import annotations

import functools
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


SAMPLE_RATE = 24000
SAMPLES_PER_MS = SAMPLE_RATE // 1000
MP3_BITRATE_KBPS = 48
MP3_FRAME_SAMPLES = 576  # MPEG-2 layer III
MPEG2_L3_BITRATES = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
MPEG_VERSIONS = {0b00: "MPEG-2.5", 0b10: "MPEG-2", 0b11: "MPEG-1"}
MPEG2_RATES = (22050, 24000, 16000)


class CodecError(RuntimeError):
    """ffmpeg could not encode or decode; the message carries ffmpeg's own words."""


@functools.cache
def pydub_segment() -> type:
    """pydub's AudioSegment, pointed at our ffmpeg (imported on first use: a no-op rebuild never needs it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # no ffmpeg on PATH: we hand pydub our own
        warnings.simplefilter("ignore", DeprecationWarning)  # audioop on 3.11-3.12
        from pydub import AudioSegment
    AudioSegment.converter = ffmpeg_exe()
    return AudioSegment


@functools.cache
def ffmpeg_exe() -> str:
    """The static ffmpeg from imageio-ffmpeg (no apt, no ffprobe)."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _ffmpeg(args: list[str], data: bytes | None, what: str) -> bytes:
    """One ffmpeg run fed through stdin: if the build dies, ffmpeg reads end-of-file and exits with it."""
    feed = {"input": data} if data is not None else {"stdin": subprocess.DEVNULL}
    proc = subprocess.run([ffmpeg_exe(), "-v", "error", *args], capture_output=True, check=False, **feed)
    if proc.returncode != 0:
        raise CodecError(f"ffmpeg could not {what}: {proc.stderr.decode(errors='replace').strip()[-300:]}")
    return proc.stdout


def decode(source: Path | bytes) -> np.ndarray:
    """Any audio ffmpeg reads -> mono float32 at 24 kHz (encoder delay removed via the LAME tag)."""
    import numpy as np

    is_path = isinstance(source, Path)
    raw = _ffmpeg(["-i", str(source) if is_path else "pipe:0", "-f", "s16le", "-acodec", "pcm_s16le",
                   "-ac", "1", "-ar", str(SAMPLE_RATE), "pipe:1"], None if is_path else source,
                  f"decode {source if is_path else 'audio bytes'}")
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0


def pcm16(pcm: np.ndarray) -> bytes:
    import numpy as np

    return np.round(np.clip(pcm, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


def to_segment(pcm: np.ndarray):
    """float32 [-1, 1] -> 16-bit mono pydub segment at 24 kHz."""
    return pydub_segment()(data=pcm16(pcm), sample_width=2, frame_rate=SAMPLE_RATE, channels=1)


def from_segment(segment) -> np.ndarray:
    """16-bit mono pydub segment -> float32."""
    import numpy as np

    return np.frombuffer(segment.raw_data, dtype="<i2").astype(np.float32) / 32768.0


def encode_mp3(pcm: np.ndarray, path: Path) -> None:
    """One encode for the whole timeline: MPEG-2 layer III, 48 kbps, 24 kHz, mono, with the LAME tag
    (raw PCM piped in, no intermediate WAV file)."""
    _ffmpeg(["-f", "s16le", "-ar", str(SAMPLE_RATE), "-ac", "1", "-i", "pipe:0", "-c:a", "libmp3lame",
             "-b:a", f"{MP3_BITRATE_KBPS}k", "-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "mp3", "-y", str(path)],
            pcm16(pcm), f"encode {path.name}")


@dataclass(frozen=True)
class Mp3Format:
    version: str
    layer: int
    bitrate_kbps: int
    sample_rate: int
    channels: int


def _skip_id3(data: bytes) -> int:
    if data[:3] != b"ID3":
        return 0
    size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
    return 10 + size


def mp3_frames(data: bytes) -> list[Mp3Format]:
    """Walk the frame headers of an MPEG-2 layer III stream (what Alexa's <audio> accepts)."""
    frames: list[Mp3Format] = []
    pos = _skip_id3(data)
    while pos + 4 <= len(data):
        h = int.from_bytes(data[pos:pos + 4], "big")
        if h >> 21 != 0x7FF:
            break
        version = MPEG_VERSIONS.get((h >> 19) & 0b11, "reserved")
        layer = 4 - ((h >> 17) & 0b11)
        if version != "MPEG-2" or layer != 3:
            frames.append(Mp3Format(version, layer, 0, 0, 0))
            break
        bitrate_index, rate_index = (h >> 12) & 0xF, (h >> 10) & 0b11
        if bitrate_index in (0, 15) or rate_index == 3:
            break
        bitrate, rate = MPEG2_L3_BITRATES[bitrate_index], MPEG2_RATES[rate_index]
        channels = 1 if (h >> 6) & 0b11 == 0b11 else 2
        frames.append(Mp3Format(version, layer, bitrate, rate, channels))
        pos += 72000 * bitrate // rate + ((h >> 9) & 1)
    return frames
