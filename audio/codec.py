"""PCM and MP3 plumbing: in-process LAME encoding with a LAME info tag, decoding to float32, MP3 frame facts."""
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
FRAME_BYTES = 72 * MP3_BITRATE_KBPS * 1000 // SAMPLE_RATE  # 144: no padding slots at 24 kHz, 48 kbps
SIDE_INFO_BYTES = 9  # MPEG-2 mono
INFO_HEADER = bytes.fromhex("fff364c4")  # MPEG-2 layer III, no CRC, 48 kbps, 24 kHz, mono
LAME_QUALITY = 3
LAME_DELAY = 576  # LAME's encoder delay (ENCDELAY), written into the tag
LAME_VERSION = b"LAME3.100"


class CodecError(RuntimeError):
    """Audio could not be encoded or decoded; the message carries the codec's own words."""


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


def encode_mp3(pcm: np.ndarray, path: Path) -> bytes:
    """One encode for the whole timeline, written to path; returns the file's bytes."""
    data = mp3_bytes(pcm)
    path.write_bytes(data)
    return data


def mp3_bytes(pcm: np.ndarray) -> bytes:
    """MPEG-2 layer III, 48 kbps, 24 kHz, mono, encoded in-process by LAME (algorithm quality 3, what
    ffmpeg's libmp3lame uses by default), behind a LAME info frame so decoders trim the priming delay."""
    import lameenc

    encoder = lameenc.Encoder()
    encoder.set_bit_rate(MP3_BITRATE_KBPS)
    encoder.set_in_sample_rate(SAMPLE_RATE)
    encoder.set_out_sample_rate(SAMPLE_RATE)
    encoder.set_channels(1)
    encoder.set_quality(LAME_QUALITY)
    try:
        audio = bytes(encoder.encode(pcm16(pcm)) + encoder.flush())
    except (RuntimeError, ValueError) as exc:
        raise CodecError(f"LAME could not encode: {exc}") from exc
    if len(audio) % FRAME_BYTES:
        raise CodecError(f"LAME wrote {len(audio)} bytes, not whole {FRAME_BYTES}-byte frames")
    return info_frame(pcm.size, len(audio) // FRAME_BYTES) + audio


def _crc16(data: bytes, crc: int = 0) -> int:
    """CRC-16/ARC (polynomial 0xA001 reflected), the LAME tag's checksum."""
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def info_frame(samples: int, frames: int) -> bytes:
    """A silent 48 kbps frame carrying the Xing "Info" (CBR) header and the LAME extension: frame and byte
    counts, and the encoder delay and padding that decoders cut (the LAME tag layout, without the
    seek table, which a constant-bitrate file does not need; the music CRC is left 0)."""
    padding = frames * MP3_FRAME_SAMPLES - LAME_DELAY - samples
    if not 0 <= padding < 4096:
        raise CodecError(f"LAME's output does not match {samples} samples in {frames} frames")
    total = (frames + 1) * FRAME_BYTES
    xing = b"Info" + (0x0001 | 0x0002).to_bytes(4, "big") + frames.to_bytes(4, "big") + total.to_bytes(4, "big")
    lame = (LAME_VERSION.ljust(9, b" ")[:9] + bytes([0x00, 0]) + bytes(8) + bytes([0, MP3_BITRATE_KBPS])
            + ((LAME_DELAY << 12) | padding).to_bytes(3, "big") + bytes(4) + total.to_bytes(4, "big") + bytes(2))
    head = INFO_HEADER + bytes(SIDE_INFO_BYTES) + xing + lame
    head += _crc16(head).to_bytes(2, "big")
    return head.ljust(FRAME_BYTES, b"\0")


def decode_mp3(data: bytes) -> np.ndarray:
    """MP3 bytes -> mono float32 at 24 kHz, in-process (miniaudio's dr_mp3, which, like ffmpeg, cuts the
    delay and padding the LAME tag names, so the samples line up with the PCM that was encoded)."""
    import miniaudio
    import numpy as np

    try:
        decoded = miniaudio.mp3_read_f32(data)
    except miniaudio.DecodeError as exc:
        raise CodecError(f"could not decode the MP3: {exc}") from exc
    if (decoded.nchannels, decoded.sample_rate) != (1, SAMPLE_RATE):
        raise CodecError(f"decoded {decoded.nchannels} channel(s) at {decoded.sample_rate} Hz; expected mono {SAMPLE_RATE} Hz")
    return np.frombuffer(decoded.samples, dtype=np.float32)


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
