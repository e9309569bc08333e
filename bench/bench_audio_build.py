"""Benchmark the audio build: full catalogue on the offline voice with --jobs 1 and 2, no-op rebuild, peak memory."""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child(out: str, jobs: int, engine: str) -> None:
    """Run one build in this process and report its peak memory (this process and its workers)."""
    sys.path.insert(0, str(ROOT))
    from audio.build import Options, build

    report = build(Options(out=Path(out), engine=engine, jobs=jobs))
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"built": len(report.built), "synthesised": report.synthesised,
                      "audio_s": report.audio_ms / 1000, "peak_mib": max(own, workers) / 1024}))


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_build(out: Path, jobs: int, engine: str) -> dict:
    """One build in a fresh process: wall time, and CPU time of it and everything it ran (workers, ffmpeg)."""
    cpu_before = children_cpu()
    started = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--child", str(out), "--jobs", str(jobs), "--engine", engine],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_s"] = time.perf_counter() - started
    result["cpu_s"] = children_cpu() - cpu_before
    return result


def line(label: str, r: dict) -> str:
    speed = f"{r['audio_s'] / r['wall_s']:6.1f} audio s per wall s" if r["audio_s"] else "nothing to build"
    return (f"{label:<26} {r['wall_s']:6.2f} s wall  {r['cpu_s']:6.1f} s cpu  {speed}  "
            f"{r['built']:2d} mixed  {r['synthesised']:3d} synthesised  peak {r['peak_mib']:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", default="offline", choices=("offline", "fake"))
    parser.add_argument("--child", metavar="OUT", help=argparse.SUPPRESS)
    parser.add_argument("--jobs", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.jobs, args.engine)
        return
    with tempfile.TemporaryDirectory(prefix="bench-audio-") as tmp:
        one = timed_build(Path(tmp) / "jobs1", 1, args.engine)
        two = timed_build(Path(tmp) / "jobs2", 2, args.engine)
        noop = min((timed_build(Path(tmp) / "jobs2", 2, args.engine) for _ in range(3)), key=lambda r: r["wall_s"])
    print(f"audio build benchmark, engine {args.engine}, full catalogue ({one['audio_s']:.0f} s of audio)")
    print(line("cold build --jobs 1", one))
    print(line("cold build --jobs 2", two))
    print(line("no-op rebuild (best of 3)", noop))
    print(f"ratios against the --jobs 1 cold build of this run: --jobs 2 is {one['wall_s'] / two['wall_s']:.2f}x "
          f"faster; a no-op rebuild takes {noop['wall_s'] / one['wall_s']:.1%} of its time")


if __name__ == "__main__":
    main()
