"""The audio build CLI: exercise scripts -> cached cues -> mastered MP3s, captions and manifest.json."""
from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Callable, Sequence

from audio import manifest
from audio.captions import transcript, webvtt
from audio.catalogue import CatalogueError, Exercise, load_catalogue
from audio.codec import MP3_BITRATE_KBPS, SAMPLE_RATE, SAMPLES_PER_MS, CodecError, encode_mp3
from audio.engines import (ENGINES, GTTS_LOCALES, GTTS_TIMEOUT_S, EngineInfo, EngineSpec, SynthesisError,
                           choose_engine, engine_info, make_engine)
from audio.mastering import BED, MASTERING, TONES
from audio.store import (CueCache, atomic_write_text, clean_tmp, cue_key, digest, file_sha256, publish, stage_dir,
                         temp_file)
from audio.timeline import (MAX_SILENCE_MS, MAX_TAIL_MS, SILENCE_FLOOR_DB, SILENCE_WINDOW_MS, Placed, Resolved,
                            TimelineError, check_listening, check_pace, clock, phases, resolve, segments)

log = logging.getLogger("audio.build")

BUILD_FORMAT = "build-v2"
PACED_ENGINES = ("offline",)  # voices whose speed the build sets, so their pace is checked


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
    count: bool = False


def plan(exercise: Exercise, info: EngineInfo, out: Path) -> MixJob:
    """Cue keys and the exercise's build key: a hash of every input of its audio."""
    keys = tuple(cue_key(e.text, info, e.count) if e.kind == "speech" else "" for e in exercise.events)
    build_key = digest({
        "format": [BUILD_FORMAT, MP3_BITRATE_KBPS, SAMPLE_RATE],
        "exercise": repr(replace(exercise, source="")),  # every field; repr is far cheaper than asdict
        "cues": keys,
        "mastering": asdict(MASTERING),
        "bed": asdict(BED) if exercise.bed else None,
        "tones": {name: asdict(spec) for name, spec in TONES.items()},
        "checks": [MAX_SILENCE_MS, MAX_TAIL_MS, SILENCE_WINDOW_MS, SILENCE_FLOOR_DB],
    })
    return MixJob(exercise, keys, info, build_key, out)


_local = threading.local()


def _engine(spec: EngineSpec):
    """The process's engine on the main thread; one of its own on each worker thread (the neural
    voice keeps per-call state, so threads do not share one)."""
    if threading.current_thread() is threading.main_thread():
        return make_engine(spec)
    engines = _local.__dict__.setdefault("engines", {})
    if spec not in engines:
        engines[spec] = make_engine.__wrapped__(spec)
    return engines[spec]


def synthesise(spec: EngineSpec, out: Path, job: CueJob) -> str:
    """Worker: one cue through the engine into the cache."""
    try:
        pcm = _engine(spec).synthesize(job.text, job.count)
    except SynthesisError as exc:
        raise SynthesisError(f"{job.where}: cue {job.text[:60]!r}: {exc}") from None
    if pcm.size == 0:
        raise SynthesisError(f"{job.where}: cue {job.text[:60]!r}: {spec.name} returned no audio")
    CueCache(out).store(job.key, pcm)
    return job.key


def _sounds(job: MixJob) -> dict[int, Any]:
    from audio.mix import prepare_cue, tone

    cache = CueCache(job.out)
    return {
        i: prepare_cue(cache.load(job.cue_keys[i])) if e.kind == "speech" else tone(e.tone)
        for i, e in enumerate(job.exercise.events) if e.kind != "pause"
    }


def _place(job: MixJob, by_event: dict[int, Any]) -> Resolved:
    return resolve(job.exercise, {i: math.ceil(pcm.size / SAMPLES_PER_MS) for i, pcm in by_event.items()})


def check_fit(jobs: list[MixJob]) -> None:
    """Every script must fit its clock with this engine's cue lengths and leave no dead air a listener
    would take for a dropout; report all problems at once, naming each file and time."""
    problems = []
    for job in jobs:
        try:
            resolved = _place(job, _sounds(job))
            problems += check_listening(job.exercise, resolved)
            if job.info.name in PACED_ENGINES:
                problems += check_pace(job.exercise, resolved)
        except TimelineError as exc:
            problems.append(str(exc))
    if problems:
        raise TimelineError("\n  ".join(["the timeline does not fit:", *problems]))


def mix(job: MixJob) -> dict[str, Any]:
    """Worker: place, master and encode one exercise; stage its files; return its manifest entry."""
    from audio.listening import longest_silence
    from audio.mix import master_and_encode, render

    ex, out = job.exercise, job.out
    by_event = _sounds(job)
    resolved = _place(job, by_event)
    placed = resolved.placed
    ordered = [by_event[i] for i, e in enumerate(ex.events) if e.kind != "pause"]
    stage = stage_dir(out)
    with temp_file(out, ex.id) as tmp:
        mastered, decoded = master_and_encode(render(placed, dict(enumerate(ordered)), resolved.duration_ms, ex.bed), tmp)
        start_ms, silent_ms = longest_silence(decoded)
        if silent_ms > MAX_SILENCE_MS:
            raise TimelineError(f"{ex.source}: {silent_ms / 1000:.1f} s of silence in the built audio at "
                                f"{clock(start_ms)}; at most {MAX_SILENCE_MS / 1000:g} s")
        sha = file_sha256(tmp)
        stem = f"{ex.id}.{sha[:12]}"
        publish(tmp, stage / f"{stem}.mp3")
    atomic_write_text(stage / f"{stem}.vtt", webvtt(placed), out)
    atomic_write_text(stage / f"{stem}.txt", transcript(ex, placed), out)
    atomic_write_text(stage / f"{stem}.phases.json", phases_json(ex, resolved), out)
    entry = _entry(job, resolved, stem, sha)
    entry["longest_silence_ms"] = silent_ms
    if ex.has_segments:
        entry["segments"] = [_segment(out, stem, mastered, seg) for seg in segments(resolved)]
    return entry


def phases_json(ex: Exercise, resolved: Resolved) -> str:
    """The exercise's timeline as back-to-back phases, for a breathing visual (one source: the script)."""
    rows = [{"start_ms": p.start_ms, "end_ms": p.end_ms, "kind": p.kind} for p in phases(resolved)]
    return json.dumps({"id": ex.id, "duration_ms": resolved.duration_ms, "phases": rows}, indent=1) + "\n"


def _segment(out: Path, stem: str, mastered: Any, seg: Any) -> dict[str, Any]:
    """Cut a turn from the mastered PCM and encode it on its own (it is played on its own)."""
    from audio.codec import decode
    from audio.mix import db_to_gain, true_peak_db

    name = f"{stem}.seg{seg.index}.mp3"
    part = mastered[seg.start_ms * SAMPLES_PER_MS: seg.end_ms * SAMPLES_PER_MS]
    with temp_file(out, name) as tmp:
        for _ in range(MASTERING.attempts):  # encoding can raise a peak; lower the part until it holds
            encode_mp3(part, tmp)
            over = true_peak_db(decode(tmp)) - MASTERING.max_true_peak_db
            if over <= 0:
                break
            part = part * db_to_gain(-over - 0.3)
        sha = file_sha256(tmp)
        publish(tmp, stage_dir(out) / name)
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


def _entry(job: MixJob, resolved: Resolved, stem: str, sha: str) -> dict[str, Any]:
    ex = job.exercise
    return {
        "id": ex.id, "title": ex.title, "spoken_title": ex.spoken_title, "kind": ex.kind, "summary": ex.summary,
        "synonyms": list(ex.synonyms), "needs": list(ex.needs), "posture": ex.posture, "suits": ex.suits,
        "duration_ms": resolved.duration_ms, "file": f"{stem}.mp3", "sha256": sha,
        "captions": f"{stem}.vtt", "transcript": f"{stem}.txt", "phases": f"{stem}.phases.json",
        "engine": job.info.name, "locale": job.info.locale, "delivery": manifest.delivery(resolved.duration_ms),
        "build_key": job.build_key, "timeline": [_timeline_item(p) for p in resolved.placed],
    }


class Runner:
    """Runs tasks inline (--jobs 1) or on worker threads: the heavy parts (the neural voice, numpy, ffmpeg)
    run outside the GIL, start in no time, and die with the build if it is killed."""

    def __init__(self, jobs: int):
        self.jobs = jobs
        self._pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def map(self, fn: Callable[..., Any], tasks: Sequence[tuple], desc: str, unit: str) -> list[Any]:
        from tqdm import tqdm

        with tqdm(total=len(tasks), desc=desc, unit=unit, disable=None, leave=False) as bar:
            if self.jobs == 1 or len(tasks) < 2:
                return [self._step(bar, fn(*task)) for task in tasks]
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.jobs, thread_name_prefix="build")
            futures: list[Future] = [self._pool.submit(fn, *task) for task in tasks]
            for future in futures:
                future.add_done_callback(lambda _f: bar.update())
            try:
                return [future.result() for future in futures]
            except BaseException:
                for future in futures:
                    future.cancel()
                raise

    @staticmethod
    def _step(bar: Any, result: Any) -> Any:
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
                wanted[key] = CueJob(key, event.text, f"{job.exercise.source}: {event.where}", event.count)
    missing = [c for c in wanted.values() if force or not cache.has(c.key)]
    return missing, len(wanted) - len(missing)


def _stale(jobs: list[MixJob], out: Path, old: dict[str, Any], force: bool) -> list[MixJob]:
    known = manifest.known_hashes(out)
    return [j for j in jobs if force or not manifest.intact(out, old.get(j.exercise.id), j.build_key, known)]


def _unchanged_voice(options: Options, previous: dict[str, Any], selected: list[Exercise]) -> EngineSpec | None:
    """With --engine auto, the previous build's voice when nothing would change with it (no network probe)."""
    name = previous.get("engine", {}).get("name")
    if options.engine != "auto" or options.force or name not in ("gtts", "offline"):
        return None
    spec = EngineSpec(name, options.locale, options.timeout_s)
    old = previous.get("exercises", {})
    jobs = [plan(ex, engine_info(spec), options.out) for ex in selected]
    return None if _stale(jobs, options.out, old, False) else spec


def build(options: Options) -> Report:
    """Build what changed, stage complete files, then publish them and switch manifest.json in one rename."""
    started = time.perf_counter()
    catalogue = load_catalogue(options.exercises_dir)
    selected = _select(catalogue, options.only)
    out = options.out
    out.mkdir(parents=True, exist_ok=True)
    previous = manifest.read(out)
    old = previous.get("exercises", {})
    spec = _unchanged_voice(options, previous, selected)
    if spec is not None:
        log.info("voice: %s, as in the previous build; nothing changed", previous["engine"]["name"])
    else:
        spec = choose_engine(options.engine, options.locale, options.timeout_s)
    info = engine_info(spec)
    jobs = [plan(ex, info, out) for ex in selected]
    to_mix = _stale(jobs, out, old, options.force)
    if not to_mix and previous.get("engine") == asdict(info) and set(old) == {ex.id for ex in catalogue}:
        return Report(info, (), tuple(j.exercise.id for j in jobs), 0, 0, 0, time.perf_counter() - started)
    clean_tmp(out)
    missing, cues_reused = _missing_cues(to_mix, CueCache(out), options.force)
    log.info("%d exercise(s) to build, %d cue(s) to synthesise", len(to_mix), len(missing))
    with Runner(options.jobs) as runner:
        runner.map(synthesise, [(spec, out, c) for c in missing], "synthesise", "cue")
        check_fit(to_mix)
        built = runner.map(mix, [(j,) for j in to_mix], "mix", "exercise")
    rebuilt = {j.exercise.id for j in to_mix}
    entries = {ex.id: old[ex.id] for ex in catalogue if ex.id in old}
    entries.update({entry["id"]: entry for entry in built})
    for entry in built:
        for name in manifest.files_of(entry):
            os.replace(stage_dir(out) / name, out / name)
    current = manifest.write(out, info, entries)
    manifest.collect_garbage(out, current, previous)
    manifest.record_hashes(out, current)
    return Report(
        engine=info,
        built=tuple(j.exercise.id for j in to_mix),
        reused=tuple(j.exercise.id for j in jobs if j.exercise.id not in rebuilt),
        synthesised=len(missing),
        cues_reused=cues_reused,
        audio_ms=sum(entry["duration_ms"] for entry in built),
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
    return (f"voice: {e.name} ({e.voice} {e.version}, {e.locale}, speed {e.speed:g})\n"
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
