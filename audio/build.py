"""The audio build CLI: exercise scripts -> cached cues -> mastered MP3s, captions and manifest.json."""
from __future__ import annotations

import argparse
import logging
import math
import multiprocessing
import os
import sys
import time
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from tqdm import tqdm

from audio import manifest
from audio.captions import transcript, webvtt
from audio.catalogue import CatalogueError, Exercise, load_catalogue
from audio.codec import MP3_BITRATE_KBPS, SAMPLE_RATE, SAMPLES_PER_MS, CodecError, encode_mp3
from audio.engines import (ENGINES, GTTS_LOCALES, GTTS_TIMEOUT_S, EngineInfo, EngineSpec, SynthesisError,
                           choose_engine, engine_info, make_engine)
from audio.mix import MASTERING, TONES, master_and_encode, prepare_cue, render, tone
from audio.store import CueCache, atomic_write_text, clean_tmp, cue_key, digest, file_sha256, publish, temp_file
from audio.timeline import Placed, TimelineError, resolve, segments

log = logging.getLogger("audio.build")

BUILD_FORMAT = "build-v1"


class BuildError(RuntimeError):
    """The build stopped; the message names the cause. The previous manifest and files stay served."""


@dataclass(frozen=True)
class Options:
    out: Path
    engine: str = "auto"
    locale: str = "en-US"
    jobs: int = 1
    force: bool = False
    only: tuple[str, ...] = ()
    exercises_dir: Path | None = None
    timeout_s: float = GTTS_TIMEOUT_S


@dataclass(frozen=True)
class Report:
    engine: EngineInfo
    built: tuple[str, ...]
    reused: tuple[str, ...]
    synthesised: int
    cues_reused: int
    audio_ms: int
    seconds: float


@dataclass(frozen=True)
class MixJob:
    exercise: Exercise
    cue_keys: tuple[str, ...]  # per event; "" for tones and pauses
    info: EngineInfo
    build_key: str
    out: Path


@dataclass(frozen=True)
class CueJob:
    key: str
    text: str
    where: str


def plan(exercise: Exercise, info: EngineInfo, out: Path) -> MixJob:
    """Cue keys and the exercise's build key: a hash of every input of its audio."""
    keys = tuple(cue_key(e.text, info) if e.kind == "speech" else "" for e in exercise.events)
    build_key = digest({
        "format": [BUILD_FORMAT, MP3_BITRATE_KBPS, SAMPLE_RATE],
        "exercise": {k: v for k, v in asdict(exercise).items() if k != "source"},
        "cues": keys,
        "mastering": asdict(MASTERING),
        "tones": {name: asdict(spec) for name, spec in TONES.items()},
    })
    return MixJob(exercise, keys, info, build_key, out)


def synthesise(spec: EngineSpec, out: Path, job: CueJob) -> str:
    """Worker: one cue through the engine into the cache."""
    try:
        pcm = make_engine(spec).synthesize(job.text)
    except SynthesisError as exc:
        raise SynthesisError(f"{job.where}: cue {job.text[:60]!r}: {exc}") from None
    if pcm.size == 0:
        raise SynthesisError(f"{job.where}: cue {job.text[:60]!r}: {spec.name} returned no audio")
    CueCache(out).store(job.key, pcm)
    return job.key


def _sounds(job: MixJob) -> dict[int, Any]:
    cache = CueCache(job.out)
    return {
        i: prepare_cue(cache.load(job.cue_keys[i])) if e.kind == "speech" else tone(e.tone)
        for i, e in enumerate(job.exercise.events) if e.kind != "pause"
    }


def _place(job: MixJob, by_event: dict[int, Any]) -> tuple[Placed, ...]:
    return resolve(job.exercise, {i: math.ceil(pcm.size / SAMPLES_PER_MS) for i, pcm in by_event.items()})


def check_fit(jobs: list[MixJob]) -> None:
    """Every script must fit its clock with this engine's cue lengths; report all misfits at once."""
    problems = []
    for job in jobs:
        try:
            _place(job, _sounds(job))
        except TimelineError as exc:
            problems.append(str(exc))
    if problems:
        raise TimelineError("\n  ".join(["the timeline does not fit:", *problems]))


def mix(job: MixJob) -> dict[str, Any]:
    """Worker: place, master and encode one exercise; publish its files; return its manifest entry."""
    ex, out = job.exercise, job.out
    by_event = _sounds(job)
    placed = _place(job, by_event)
    ordered = [by_event[i] for i, e in enumerate(ex.events) if e.kind != "pause"]
    with temp_file(out, ex.id) as tmp:
        mastered = master_and_encode(render(placed, dict(enumerate(ordered)), ex.length_ms), tmp)
        sha = file_sha256(tmp)
        stem = f"{ex.id}.{sha[:12]}"
        publish(tmp, out / f"{stem}.mp3")
    atomic_write_text(out / f"{stem}.vtt", webvtt(placed), out)
    atomic_write_text(out / f"{stem}.txt", transcript(ex, placed), out)
    entry = _entry(job, placed, stem, sha)
    if ex.has_segments:
        entry["segments"] = [_segment(out, stem, mastered, seg) for seg in segments(ex, placed)]
    return entry


def _segment(out: Path, stem: str, mastered: Any, seg: Any) -> dict[str, Any]:
    """Cut a turn from the mastered PCM and encode it on its own (it is played on its own)."""
    name = f"{stem}.seg{seg.index}.mp3"
    with temp_file(out, name) as tmp:
        encode_mp3(mastered[seg.start_ms * SAMPLES_PER_MS: seg.end_ms * SAMPLES_PER_MS], tmp)
        sha = file_sha256(tmp)
        publish(tmp, out / name)
    return {"file": name, "start_ms": seg.start_ms, "duration_ms": seg.end_ms - seg.start_ms,
            "sha256": sha, "speaker": seg.speaker}


def _timeline_item(item: Placed) -> dict[str, Any]:
    event = item.event
    row: dict[str, Any] = {"start_ms": item.start_ms, "end_ms": item.end_ms, "type": event.kind}
    if event.kind == "speech":
        row["text"] = event.text
    else:
        row["tone"] = event.tone
    if event.speaker:
        row["speaker"] = event.speaker
    return row


def _entry(job: MixJob, placed: tuple[Placed, ...], stem: str, sha: str) -> dict[str, Any]:
    ex = job.exercise
    return {
        "id": ex.id, "title": ex.title, "kind": ex.kind, "summary": ex.summary,
        "synonyms": list(ex.synonyms), "needs": list(ex.needs),
        "duration_ms": ex.length_ms, "file": f"{stem}.mp3", "sha256": sha,
        "captions": f"{stem}.vtt", "transcript": f"{stem}.txt",
        "engine": job.info.name, "locale": job.info.locale, "delivery": manifest.delivery(ex.length_ms),
        "build_key": job.build_key, "timeline": [_timeline_item(p) for p in placed],
    }


class Runner:
    """Runs tasks inline (--jobs 1) or on a spawned process pool shared by all stages."""

    def __init__(self, jobs: int):
        self.jobs = jobs
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def map(self, fn: Callable[..., Any], tasks: Sequence[tuple], desc: str, unit: str) -> list[Any]:
        with tqdm(total=len(tasks), desc=desc, unit=unit, disable=None, leave=False) as bar:
            if self.jobs == 1 or len(tasks) < 2:
                return [self._step(bar, fn(*task)) for task in tasks]
            if self._pool is None:
                self._pool = ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context("spawn"))
            futures: list[Future] = [self._pool.submit(fn, *task) for task in tasks]
            for future in futures:
                future.add_done_callback(lambda _f: bar.update())
            return [future.result() for future in futures]

    @staticmethod
    def _step(bar: tqdm, result: Any) -> Any:
        bar.update()
        return result


def _select(catalogue: list[Exercise], only: tuple[str, ...]) -> list[Exercise]:
    known = {ex.id for ex in catalogue}
    unknown = sorted(set(only) - known)
    if unknown:
        raise BuildError(f"unknown exercise id(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return [ex for ex in catalogue if not only or ex.id in only]


def _missing_cues(jobs: list[MixJob], cache: CueCache, force: bool) -> tuple[list[CueJob], int]:
    """Unique cues to synthesise (each once, however many exercises use it) and how many are cached."""
    wanted: dict[str, CueJob] = {}
    for job in jobs:
        for key, event in zip(job.cue_keys, job.exercise.events):
            if key and key not in wanted:
                wanted[key] = CueJob(key, event.text, f"{job.exercise.source}: {event.where}")
    missing = [c for c in wanted.values() if force or not cache.has(c.key)]
    return missing, len(wanted) - len(missing)


def build(options: Options) -> Report:
    """Build what changed, publish complete files, then switch manifest.json in one rename."""
    started = time.perf_counter()
    catalogue = load_catalogue(options.exercises_dir)
    selected = _select(catalogue, options.only)
    spec = choose_engine(options.engine, options.locale, options.timeout_s)
    info = engine_info(spec)
    out = options.out
    out.mkdir(parents=True, exist_ok=True)
    clean_tmp(out)
    previous = manifest.read(out)
    old = previous.get("exercises", {})
    jobs = [plan(ex, info, out) for ex in selected]
    to_mix = [j for j in jobs if options.force or not manifest.intact(out, old.get(j.exercise.id), j.build_key)]
    missing, cues_reused = _missing_cues(to_mix, CueCache(out), options.force)
    log.info("engine %s (%s %s, %s): %d to build, %d cues to synthesise",
             info.name, info.voice, info.version, info.locale, len(to_mix), len(missing))
    with Runner(options.jobs) as runner:
        runner.map(synthesise, [(spec, out, c) for c in missing], "synthesise", "cue")
        check_fit(to_mix)
        built = runner.map(mix, [(j,) for j in to_mix], "mix", "exercise")
    rebuilt = {j.exercise.id for j in to_mix}
    entries = {ex.id: old[ex.id] for ex in catalogue if ex.id in old}
    entries.update({entry["id"]: entry for entry in built})
    current = manifest.write(out, info, entries)
    manifest.collect_garbage(out, current, previous)
    return Report(
        engine=info,
        built=tuple(j.exercise.id for j in to_mix),
        reused=tuple(j.exercise.id for j in jobs if j.exercise.id not in rebuilt),
        synthesised=len(missing),
        cues_reused=cues_reused,
        audio_ms=sum(j.exercise.length_ms for j in to_mix),
        seconds=time.perf_counter() - started,
    )


def default_out() -> Path:
    from skill.alexa.settings import data_dir_from_env

    return data_dir_from_env() / "audio"


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        prog="recharge-audio-build",
        description="Build the guided-audio exercises: MP3 (MPEG-2 layer III, 48 kbps, 24 kHz, mono), "
                    "WebVTT captions, transcripts and manifest.json. Only what changed is rebuilt.",
    )
    parser.add_argument("--engine", choices=ENGINES, default="auto",
                        help="speech engine; auto tries gTTS once and otherwise uses the offline voice (default: auto)")
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default: audio/ under RECHARGE_DATA_DIR, itself default var)")
    parser.add_argument("--locale", choices=sorted(GTTS_LOCALES), default="en-US", help="voice locale (default: en-US)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="parallel worker processes (default: number of cores)")
    parser.add_argument("--force", action="store_true", help="re-synthesise and re-mix even when cached")
    parser.add_argument("--only", action="append", default=[], metavar="ID",
                        help="build only this exercise id (repeatable); others keep their previous build")
    parser.add_argument("--exercises", type=Path, default=None, metavar="DIR",
                        help="folder of exercise YAML files (default: the packaged audio/exercises)")
    parser.add_argument("--timeout", type=float, default=GTTS_TIMEOUT_S,
                        help=f"seconds to wait for each gTTS request (default: {GTTS_TIMEOUT_S:g})")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debugging detail")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    if args.timeout <= 0:
        parser.error("--timeout must be positive")
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(message)s")
    return Options(out=args.out or default_out(), engine=args.engine, locale=args.locale, jobs=args.jobs,
                   force=args.force, only=tuple(args.only), exercises_dir=args.exercises, timeout_s=args.timeout)


def summary(report: Report, out: Path) -> str:
    e = report.engine
    return (f"engine: {e.name} ({e.voice} {e.version}, {e.locale})\n"
            f"built {len(report.built)} exercise(s), reused {len(report.reused)}; "
            f"synthesised {report.synthesised} cue(s), reused {report.cues_reused}; "
            f"{report.audio_ms / 1000:.0f} s of audio in {report.seconds:.1f} s\n"
            f"manifest: {out / manifest.MANIFEST}")


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    try:
        report = build(options)
    except (CatalogueError, TimelineError, SynthesisError, CodecError, BuildError) as exc:
        log.error("build stopped: %s", exc)
    except OSError as exc:
        log.error("build stopped: could not write %s: %s", exc.filename or options.out, exc.strerror or exc)
    except KeyboardInterrupt:
        log.error("build interrupted")
    else:
        print(summary(report, options.out))
        return 0
    log.error("the previous build in %s is still in place; run the build again to finish", options.out)
    return 1


if __name__ == "__main__":
    sys.exit(main())
