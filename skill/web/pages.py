"""The companion's routes: exercise pages, the reconnect page and the typed talk box, with their safety headers."""
from __future__ import annotations

import hashlib
import json
import logging
import random
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import (Blueprint, Flask, Request, Response, abort, current_app, jsonify, make_response, render_template,
                   request, url_for)
from werkzeug.exceptions import HTTPException, NotFound

from audio.contract import KINDS, POSTURES
from skill import safety
from skill.alexa.settings import Settings
from skill.conversation.state import State, from_session, to_session
from skill.exercises import Catalogue, CatalogueSource, Exercise
from skill.playback import RECONNECT_ID
from skill.speech import SUPPORTED_LOCALES, phrasebook
from skill.storage import Store
from skill.web import text as words
from skill.web.guard import ID_COOKIE, ID_MAX_AGE_S, STATE_COOKIE, Guard, RateLimiter, load_secret
from skill.web.talk import MAX_TEXT_CHARS, Action, BrowserPort, converse, forget, on_the_page
from skill.web.timeline import load_phases, page_data, spoken_lines

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "static"
STATIC_MAX_AGE_S = 365 * 24 * 3600
PAGE_MAX_AGE_S = 60
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
EXTENSION = "recharge_web"
# Addresses under these belong to the companion: an unknown one is a page's 404, whoever asks.
PAGE_PREFIXES = ("/exercises/", "/reconnect/", "/talk/", "/static/web/")


class CompanionBlueprint(Blueprint):
    def get_send_file_max_age(self, filename: str | None) -> int | None:
        return STATIC_MAX_AGE_S  # URLs carry a content hash, so a changed file gets a new address


blueprint = CompanionBlueprint("web", __name__, template_folder="templates", static_folder="static",
                               static_url_path="/static/web")


@dataclass
class Companion:
    settings: Settings
    catalogues: CatalogueSource
    guard: Guard
    limiter: RateLimiter
    database: Store | None

    @property
    def audio_dir(self) -> Path:
        return self.settings.audio_dir.resolve()

    def has_file(self, name: str | None) -> bool:
        return bool(name) and (self.audio_dir / name).is_file()


@blueprint.record_once
def _set_up(state) -> None:
    app: Flask = state.app
    wiring = app.extensions["recharge"]
    settings = wiring.settings
    app.extensions[EXTENSION] = Companion(settings, CatalogueSource(settings.audio_dir),
                                          Guard(load_secret(settings.data_dir), settings.user_key_secret),
                                          RateLimiter(), wiring.database)


def _companion() -> Companion:
    return current_app.extensions[EXTENSION]


def _locale() -> str:
    return request.accept_languages.best_match(SUPPORTED_LOCALES) or SUPPORTED_LOCALES[0]


@lru_cache(maxsize=32)
def _static_version(filename: str) -> str:
    return hashlib.sha256((STATIC_DIR / filename).read_bytes()).hexdigest()[:12]


@blueprint.app_template_global()
def static_url(filename: str) -> str:
    return url_for("web.static", filename=filename, v=_static_version(filename))


def _helpers() -> dict[str, Any]:
    locale = _locale()
    return {"t": lambda message_id, **params: words.text(locale, message_id, **params), "lang": locale,
            "posture": lambda value: words.text(locale, f"web.index.posture_{value}") if value in POSTURES else None}


@blueprint.after_request
def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if request.endpoint != "web.static" and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = f"public, max-age={PAGE_MAX_AGE_S}"
    return response


def _page(template: str, status: int = 200, **context: Any) -> Response:
    """Every page gets its words helper here, so the app-wide 404 (outside the blueprint) renders the same."""
    return make_response(render_template(template, **_helpers(), **context), status)


def _audio_url(name: str) -> str:
    return url_for("audio_file", name=name)


def _exercise_view(exercise: Exercise) -> dict[str, Any]:
    companion = _companion()
    phases = load_phases(companion.audio_dir, exercise)
    return {
        "exercise": exercise,
        "audio": _audio_url(exercise.file) if companion.has_file(exercise.file) else None,
        "captions": _audio_url(exercise.captions) if companion.has_file(exercise.captions) else None,
        "has_visual": bool(phases),
        "lines": spoken_lines(exercise),
        "timeline_json": json.dumps(page_data(exercise, phases), separators=(",", ":")).replace("<", "\\u003c"),
    }


@blueprint.get("/")
def index() -> Response:
    catalogue = _companion().catalogues.get()
    kinds = sorted(catalogue.kinds, key=lambda k: (KINDS.index(k) if k in KINDS else len(KINDS), k))
    known = words.messages(_locale())
    groups = [(kind, f"web.index.kind_{kind}" if f"web.index.kind_{kind}" in known else "web.index.kind_other",
               catalogue.of_kind(kind)) for kind in kinds]
    return _page("index.html", groups=groups)


@blueprint.get("/exercises/<exercise_id>")
def exercise_page(exercise_id: str) -> Response:
    exercise = _companion().catalogues.get().get(exercise_id)
    if exercise is None:
        abort(404)
    return _page("exercise.html", **_exercise_view(exercise))


@blueprint.get("/reconnect")
def reconnect() -> Response:
    exercise = _companion().catalogues.get().get(RECONNECT_ID)
    if exercise is None:
        return _page("reconnect.html", exercise=None)
    return _page("reconnect.html", **_exercise_view(exercise))


# The talk box.

def _browser_id() -> tuple[str, bool]:
    current = request.cookies.get(ID_COOKIE)
    if Guard.valid_browser_id(current):
        return current, False
    return Guard.new_browser_id(), True


def _set_cookie(response: Response, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="Lax", secure=request.is_secure,
                        path="/")


def _talk_response(browser_id: str, fresh_id: bool, exchange: list[dict[str, Any]], status: int = 200,
                   state: State | None = None, notice: str | None = None) -> Response:
    guard = _companion().guard
    if request.accept_mimetypes.best == "application/json":
        response = jsonify(exchange=exchange, notice=notice)
        response.status_code = status
    else:
        response = _page("talk.html", status, csrf=guard.csrf_token(browser_id), exchange=exchange,
                         notice=notice, max_chars=MAX_TEXT_CHARS)
    response.headers["Cache-Control"] = "no-store"
    if fresh_id:
        _set_cookie(response, ID_COOKIE, browser_id, ID_MAX_AGE_S)
    if state is not None:
        _set_cookie(response, STATE_COOKIE, guard.seal(to_session(state)), None)
    return response


@blueprint.get("/talk")
def talk() -> Response:
    browser_id, fresh = _browser_id()
    return _talk_response(browser_id, fresh, [])


def _checked_form() -> str:
    """The sender's browser id, after the rate limit and CSRF checks; aborts with a calm page otherwise."""
    companion = _companion()
    if not companion.limiter.allow(request.remote_addr or "-"):
        abort(429)
    browser_id = request.cookies.get(ID_COOKIE)
    if not Guard.valid_browser_id(browser_id) or not companion.guard.csrf_ok(browser_id, request.form.get("csrf")):
        abort(400)
    return browser_id


def _clean(typed: str) -> str:
    """Printable text on one line; control and format characters (e.g. bidi overrides) dropped."""
    kept = (" " if ch.isspace() else ch for ch in typed if ch.isspace() or unicodedata.category(ch)[0] != "C")
    return " ".join("".join(kept).split())


def _action_view(action: Action, catalogue: Catalogue) -> dict[str, Any] | None:
    if action.kind == "pause":
        return {"kind": "pause"}
    exercise = catalogue.get(action.exercise_id)
    if exercise is None:
        return None
    companion, locale = _companion(), _locale()
    page = (url_for("web.reconnect") if exercise.id == RECONNECT_ID
            else url_for("web.exercise_page", exercise_id=exercise.id))
    return {"kind": action.kind, "id": exercise.id, "title": exercise.title, "offset": action.offset_ms / 1000,
            "label": words.text(locale, "web.talk.play", title=exercise.title), "page": page,
            "page_label": words.text(locale, "web.talk.open_page", title=exercise.title),
            "audio": _audio_url(exercise.file) if companion.has_file(exercise.file) else None}


@blueprint.post("/talk/say")
def talk_say() -> Response:
    browser_id = _checked_form()
    companion, locale = _companion(), _locale()
    typed = _clean(request.form.get("text", ""))
    state = from_session(companion.guard.unseal(request.cookies.get(STATE_COOKIE)))
    catalogue = companion.catalogues.get()
    items: tuple[str | Action, ...] = ()
    if not typed:
        items = (words.text(locale, "web.talk.greeting"),)
    elif len(typed) > MAX_TEXT_CHARS and not safety.is_alarming(typed, locale):
        items = (words.text(locale, "web.talk.too_long"),)
    else:
        port = BrowserPort(on_the_page(catalogue), companion.database, companion.guard.store_key(browser_id))
        try:
            answer = converse(typed, state, locale, port)
            items, state = answer.items, answer.state
        except Exception as error:  # a bug must still get a calm reply, and never echo or log the words
            log.error("talk turn failed: %s", type(error).__name__)
            items, state = (phrasebook(locale, random.Random()).text("error.main"),), State()
    shown = typed if len(typed) <= MAX_TEXT_CHARS else typed[:MAX_TEXT_CHARS] + "\u2026"
    exchange: list[dict[str, Any]] = [{"who": "you", "text": shown}] if typed else []
    for item in items:
        view = {"who": "skill", "text": item} if isinstance(item, str) else _action_view(item, catalogue)
        if view is not None:
            exchange.append(view if "who" in view else {"who": "action", **view})
    return _talk_response(browser_id, False, exchange, state=state)


@blueprint.post("/talk/forget")
def talk_forget() -> Response:
    browser_id = _checked_form()
    companion = _companion()
    if companion.database is not None and not forget(companion.database, companion.guard.store_key(browser_id)):
        return _talk_response(browser_id, False, [], status=503, notice=words.text(_locale(), "web.talk.forget_failed"))
    return _talk_response(Guard.new_browser_id(), True, [], state=State(),
                          notice=words.text(_locale(), "web.talk.forgotten"))


# Errors on these pages are pages too, never JSON or a traceback.

ERRORS = {400: ("web.error.bad_form_title", "web.error.bad_form"),
          404: ("web.error.not_found_title", "web.error.not_found"),
          413: ("web.error.busy_title", "web.talk.too_long"),
          429: ("web.error.busy_title", "web.error.busy")}


@blueprint.errorhandler(Exception)
def _error(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        code = error.code or 500
    else:
        log.error("web page failed: %s", type(error).__name__, exc_info=error)
        code = 500
    title, message = ERRORS.get(code, ("web.error.oops_title", "web.error.oops"))
    if request.accept_mimetypes.best == "application/json":
        response = jsonify(exchange=[{"who": "skill", "text": words.text(_locale(), message)}])
        response.status_code = code
    else:
        response = _page("error.html", code, title_id=title, message_id=message)
    response.headers["Cache-Control"] = "no-store"
    return response


for _code in (400, 404, 405, 413, 429, 500):  # the app's JSON handlers are per code, so ours must be too
    blueprint.register_error_handler(_code, _error)


def wants_page(req: Request) -> bool:
    """An unknown address under the companion's pages, or one a browser navigates to, gets the HTML 404 page."""
    if req.path.startswith(PAGE_PREFIXES) or req.path == "/exercises":
        return True
    return req.accept_mimetypes.best_match(("application/json", "text/html")) == "text/html"


def not_found_page() -> Response:
    """The companion's 404 (words, a way back, its safety headers) for an address no route matched."""
    return _headers(_error(NotFound()))
