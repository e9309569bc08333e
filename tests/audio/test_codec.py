"""Our in-process MP3 encoder, read back by ffmpeg (an independent decoder) and by the build's own decoder."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from audio.codec import decode, decode_mp3, mp3_bytes, mp3_frames

RATE = 24000


def clicks(n: int, at: list[int]) -> np.ndarray:
    pcm = np.zeros(n, np.float32)
    burst = 0.3 * np.sin(2 * np.pi * 440 * np.arange(480) / RATE).astype(np.float32)
    for start in at:
        pcm[start:start + burst.size] = burst[: n - start]
    return pcm


@pytest.mark.parametrize("n", [RATE * 3, RATE * 3 + 123, 700])
def test_decoders_trim_the_priming_delay_and_padding_to_the_exact_sample(tmp_path: Path, n: int):
    at = [100, n // 2, n - 600] if n > 3000 else [100]
    data = mp3_bytes(clicks(n, at))
    path = tmp_path / "clicks.mp3"
    path.write_bytes(data)
    by_ffmpeg, ours = decode(path), decode_mp3(data)
    assert by_ffmpeg.size == ours.size == n
    assert np.abs(by_ffmpeg - ours).max() < 2 / 32768  # ffmpeg hands back 16-bit samples
    for start in at:
        window = np.abs(ours[max(0, start - 240): start + 480])
        onset = max(0, start - 240) + int(np.argmax(window >= 0.25 * window.max()))
        assert abs(onset - start) <= RATE // 1000, (start, onset)  # within 1 ms


def test_every_frame_including_the_info_frame_is_alexa_mp3():
    data = mp3_bytes(clicks(RATE * 2, [1000]))
    frames = mp3_frames(data)
    assert len(frames) * 144 == len(data)
    assert {(f.version, f.layer, f.bitrate_kbps, f.sample_rate, f.channels) for f in frames} == {
        ("MPEG-2", 3, 48, 24000, 1)}
    assert data[13:17] == b"Info" and data[29:33] == b"LAME"
