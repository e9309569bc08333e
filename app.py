"""Flask glue: create_app(settings) serves the Alexa endpoint; `python app.py` runs it."""
from __future__ import annotations

import argparse
import logging
import subprocess
import sys
import threading
from pathlib import Path

from flask import Flask, Response, abort, jsonify, request, send_from_directory
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from skill.alexa.settings import Settings, SettingsError, data_dir_problem, load_settings, warn_about
from skill.alexa.wiring import build_endpoint
from skill.web import blueprint as web_pages
from skill.web import not_found_page, wants_page

log = logging.getLogger("recharge")
AUDIO_TYPES = {".mp3": "audio/mpeg", ".vtt": "text/vtt", ".txt": "text/plain; charset=utf-8",
               ".json": "application/json"}
AUDIO_MAX_AGE_S = 3600
ERROR_REASONS = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def create_app(settings: Settings | None = None, **overrides) -> Flask:
    """The app for these settings; overrides (verifier, rng_factory) let tests inject test doubles."""
    settings = settings or load_settings()
    if not logging.getLogger().handlers:
        logging.basicConfig(level=settings.log_level, format=LOG_FORMAT)
    problem = data_dir_problem(settings.data_dir)
    if problem:
        raise SettingsError(problem)
    for warning in warn_about(settings):
        log.warning("%s", warning)
    app = Flask(__name__)
    app.url_map.merge_slashes = False  # a merge redirect would name whatever host the Host header claims
    if settings.trust_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trust_proxy, x_proto=settings.trust_proxy)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    wiring = build_endpoint(settings, **overrides)
    app.extensions["recharge"] = wiring
    app.register_blueprint(web_pages)

    @app.post("/alexa")
    def alexa() -> Response:
        if request.mimetype != "application/json":
            return jsonify(error="content_type_must_be_json"), 415
        reply = wiring.endpoint.handle(request.headers, request.get_data(cache=False))
        return jsonify(reply.body), reply.status

    @app.get("/audio/<path:name>")
    def audio_file(name: str) -> Response:
        if any(not part or part.startswith(".") for part in name.split("/")) or "\\" in name:
            abort(404)
        mimetype = AUDIO_TYPES.get(Path(name).suffix.lower())
        if mimetype is None:
            abort(404)
        first_range_only(request.environ)
        return send_from_directory(settings.audio_dir.resolve(), name, mimetype=mimetype,
                                   conditional=True, etag=True, max_age=AUDIO_MAX_AGE_S)

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(wiring.health())

    for code, reason in ERROR_REASONS.items():
        app.register_error_handler(code, lambda error, reason=reason, code=code: (jsonify(error=reason), code))

    @app.errorhandler(404)
    def not_found(error: HTTPException) -> Response:
        return not_found_page() if wants_page(request) else (jsonify(error=ERROR_REASONS[404]), 404)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        if isinstance(error, HTTPException):
            return jsonify(error=error.name.lower().replace(" ", "_")), error.code
        log.error("unexpected error: %s", type(error).__name__, exc_info=error)
        return jsonify(error="internal_error"), 500

    return app


def first_range_only(environ: dict) -> None:
    """Werkzeug answers several byte ranges with 416; players are served the first range instead."""
    ranges = environ.get("HTTP_RANGE")
    if ranges and "," in ranges:
        unit, _, spec = ranges.partition("=")
        environ["HTTP_RANGE"] = f"{unit}={spec.split(',')[0].strip()}"


def warm_up_in_background() -> threading.Thread:
    """Builds the NLU stand-in's indexes (seconds each) before the first free text needs one, inside Alexa's 8 s."""
    from skill.understanding.matcher import warm_up
    thread = threading.Thread(target=warm_up, name="understanding-warm-up", daemon=True)
    thread.start()
    return thread


def build_missing_audio(settings: Settings) -> None:
    """Runs the audio build as its own process (the skill never imports build code); it skips what exists."""
    command = [sys.executable, "-m", "audio.build", "--out", str(settings.audio_dir)]
    log.info("building any missing guided audio: %s", " ".join(command[1:]))
    if subprocess.run(command, check=False).returncode != 0:
        log.error("the audio build failed; exercises will be spoken instead of played until it succeeds")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="recharge-server", description="Serve the Relationship Recharge skill.")
    parser.add_argument("--no-audio-build", action="store_true", help="serve without building missing audio first")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        problem = data_dir_problem(settings.data_dir)
        if problem:
            raise SettingsError(problem)
    except SettingsError as error:
        print(f"recharge: configuration error: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format=LOG_FORMAT)
    if not args.no_audio_build:
        build_missing_audio(settings)
    try:
        app = create_app(settings)
    except SettingsError as error:
        print(f"recharge: configuration error: {error}", file=sys.stderr)
        return 2
    warm_up_in_background()
    app.run(host=settings.host, port=settings.port, threaded=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
