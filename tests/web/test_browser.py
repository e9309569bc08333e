"""The companion in a real browser (Debian's chromium, headless): pages, the breathing visual, captions, reconnect, talk."""
from __future__ import annotations

import bisect
import json
from pathlib import Path

import pytest
import webvtt
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from skill.speech import phrasebook
from tests.web.conftest import NO_AUDIO_ID, SCREENSHOTS, manifest_entry, read_phases

TOLERANCE_S = 0.1
LEAD_IN_S = 3.0
MEASUREMENTS = SCREENSHOTS / "measurements.json"

SEEK = """
const [t, done] = arguments;
const audio = document.getElementById('player');
function report() {
  requestAnimationFrame(() => requestAnimationFrame(() => {
    const breath = document.getElementById('breath');
    done({time: audio.currentTime, phase: breath && breath.dataset.phase, at: breath && Number(breath.dataset.at),
          caption: document.getElementById('caption').textContent,
          whose: (document.getElementById('whose') || {}).textContent,
          seconds: (document.getElementById('seconds') || {}).textContent});
  }));
}
function seek() {
  audio.pause();
  audio.addEventListener('seeked', report, {once: true});
  audio.currentTime = t;
}
if (audio.readyState >= 1) seek(); else audio.addEventListener('loadedmetadata', seek, {once: true});
"""

PLAY_AND_WATCH = """
const [from, until, done] = arguments;
const audio = document.getElementById('player');
const breath = document.getElementById('breath');
const switches = [];
let playing = false, finished = false;
function finish(extra) {
  if (finished) return;
  finished = true; audio.pause(); done(Object.assign({switches, reached: audio.currentTime}, extra || {}));
}
audio.addEventListener('playing', () => { playing = true; }, {once: true});
new MutationObserver(() => playing && switches.push({time: audio.currentTime, phase: breath.dataset.phase}))
  .observe(breath, {attributes: true, attributeFilter: ['data-phase']});
audio.addEventListener('timeupdate', () => { if (audio.currentTime >= until) finish(); });
audio.addEventListener('seeked', () => {
  audio.play().catch((error) => finish({error: String(error)}));
  setTimeout(finish, 25000);
}, {once: true});
audio.pause();
audio.currentTime = from;
"""


def seconds_of(stamp: str) -> float:
    hours, minutes, seconds = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def phase_at(phases: list[dict], t: float) -> str:
    return next((p["kind"] for p in phases if p["start"] <= t < p["end"]), "idle")


def open_page(browser, url: str, shot: str | None = None) -> None:
    browser.get(url)
    WebDriverWait(browser, 10).until(lambda d: d.execute_script("return document.readyState") == "complete")
    if shot:
        browser.save_screenshot(str(SCREENSHOTS / f"{shot}.png"))


def severe_console_messages(browser) -> list[str]:
    return [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def record(name: str, value) -> None:
    data = json.loads(MEASUREMENTS.read_text()) if MEASUREMENTS.exists() else {}
    data[name] = value
    MEASUREMENTS.write_text(json.dumps(data, indent=2))


def page_figures(browser) -> dict:
    """Bytes fetched for the page (audio aside) and its first contentful paint, from the browser's performance API."""
    return browser.execute_async_script("""
      const done = arguments[0];
      const report = (paint) => {
        const nav = performance.getEntriesByType('navigation')[0];
        const entries = performance.getEntriesByType('resource').concat([nav]).filter(e => !/\\.mp3(\\?|$)/.test(e.name));
        done({first_contentful_paint_ms: paint ? Math.round(paint.startTime) : null,
              response_end_ms: Math.round(nav.responseEnd),
              bytes_without_audio: entries.reduce((sum, e) => sum + (e.encodedBodySize || 0), 0),
              files: entries.length});
      };
      new PerformanceObserver((list, observer) => {
        const paint = list.getEntriesByName('first-contentful-paint')[0];
        if (paint) { observer.disconnect(); report(paint); }
      }).observe({type: 'paint', buffered: true});
      setTimeout(() => report(null), 3000);
    """)


@pytest.mark.parametrize("path,shot", [("/", "index"), ("/exercises/box-breathing", "exercise"),
                                       (f"/exercises/{NO_AUDIO_ID}", "exercise-text-version"),
                                       ("/reconnect", "reconnect"), ("/talk", "talk"), ("/exercises/nope", "not-found")])
def test_every_page_loads_without_a_console_or_policy_error(browser, served, path, shot):
    browser.get_log("browser")
    open_page(browser, served + path, shot)
    assert browser.find_element(By.TAG_NAME, "h1").text
    assert browser.find_element(By.CSS_SELECTOR, "main a, main button, main audio")
    severe = [m for m in severe_console_messages(browser) if not (path == "/exercises/nope" and " 404 " in m)]
    assert severe == []
    if path != "/exercises/nope":
        record(f"page {path}", page_figures(browser))


def test_the_breathing_visual_follows_the_timeline_when_seeking(browser, served, web_data_dir):
    phases = read_phases(web_data_dir, "box-breathing")
    inhale = next(p for p in phases if p["kind"] == "inhale")
    hold = next(p for p in phases if p["kind"] == "hold" and p["start"] > inhale["start"])
    exhale = next(p for p in phases if p["kind"] == "exhale" and p["start"] > hold["start"])
    moments = [(inhale["start"] + 0.05, "inhale"), (hold["start"] + 0.05, "hold"), (exhale["start"] - 0.05, "hold")]
    open_page(browser, served + "/exercises/box-breathing")
    drifts = []
    for t, expected in moments:
        seen = browser.execute_async_script(SEEK, t)
        assert seen["phase"] == expected == phase_at(phases, seen["at"]), (t, seen)
        drifts.append(abs(seen["at"] - t))
        assert drifts[-1] <= TOLERANCE_S
    browser.save_screenshot(str(SCREENSHOTS / "exercise-exhale-hold.png"))
    record("seek drift s", max(drifts))


def test_while_playing_each_phase_change_lands_within_100_ms_of_the_timeline(browser, served, web_data_dir):
    phases = read_phases(web_data_dir, "box-breathing")
    boundaries = sorted({p["start"] for p in phases} | {p["end"] for p in phases})
    inhale = next(p for p in phases if p["kind"] == "inhale")
    open_page(browser, served + "/exercises/box-breathing")
    browser.set_script_timeout(40)
    # A lead-in of a few seconds: the browser's media clock settles after playback starts, and every change counts.
    watched = browser.execute_async_script(PLAY_AND_WATCH, max(0.0, inhale["start"] - LEAD_IN_S), inhale["end"] + 0.3)
    assert "error" not in watched, watched
    switches = [s for s in watched["switches"] if s["phase"] != "idle"]
    assert [s["phase"] for s in switches][-2:] == ["inhale", "hold"]
    drifts = []
    for switch in switches:
        index = bisect.bisect_left(boundaries, switch["time"])
        nearest = min(boundaries[max(0, index - 1):index + 1], key=lambda b: abs(b - switch["time"]))
        drifts.append(round(switch["time"] - nearest, 4))
    record("playing drift s (audio clock at phase change minus timeline boundary)", drifts)
    assert max(abs(d) for d in drifts) <= TOLERANCE_S, drifts


def test_captions_show_the_built_webvtt_cue_at_that_moment(browser, served, web_data_dir):
    entry = manifest_entry(web_data_dir, "box-breathing")
    cues = webvtt.read(str(web_data_dir / "audio" / entry["captions"]))
    cue = next(c for c in cues if "box breathing" in c.text.lower())
    open_page(browser, served + "/exercises/box-breathing")
    WebDriverWait(browser, 5).until(lambda d: d.execute_script("return document.querySelector('track').readyState") == 2)
    seen = browser.execute_async_script(SEEK, seconds_of(cue.start) + 0.3)
    assert seen["caption"] == cue.text
    browser.save_screenshot(str(SCREENSHOTS / "exercise-caption.png"))


def test_reduced_motion_replaces_the_animation_with_a_text_cue(browser, served, web_data_dir):
    inhale = next(p for p in read_phases(web_data_dir, "box-breathing") if p["kind"] == "inhale")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia",
                            {"features": [{"name": "prefers-reduced-motion", "value": "reduce"}]})
    try:
        open_page(browser, served + "/exercises/box-breathing")
        browser.execute_async_script(SEEK, inhale["start"] + 0.5)
        assert not browser.find_element(By.CSS_SELECTOR, "#breath .shape").is_displayed()
        assert browser.find_element(By.CSS_SELECTOR, "#breath [data-cue='inhale']").text == "Breathe in"
        browser.save_screenshot(str(SCREENSHOTS / "exercise-reduced-motion.png"))
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})


def test_the_text_version_runs_the_same_visual_without_audio(browser, served, web_data_dir):
    open_page(browser, served + f"/exercises/{NO_AUDIO_ID}")
    assert not browser.find_elements(By.ID, "player")
    browser.find_element(By.ID, "clock-start").send_keys(Keys.ENTER)
    WebDriverWait(browser, 5).until(lambda d: d.find_element(By.ID, "caption").text)
    first_line = next(c["text"] for c in manifest_entry(web_data_dir, NO_AUDIO_ID)["timeline"] if c["type"] == "speech")
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "caption").text == first_line)
    assert browser.find_element(By.ID, "breath").get_attribute("data-phase") != "idle"
    browser.find_element(By.ID, "clock-pause").click()


def test_a_reconnect_with_names_shows_whose_turn_and_the_seconds_left(browser, served, web_data_dir):
    timeline = manifest_entry(web_data_dir, "reconnect-2min")["timeline"]
    start_of = {speaker: next(c["start_ms"] / 1000 for c in timeline if c.get("speaker") == speaker) for speaker in ("one", "two")}
    open_page(browser, served + "/reconnect")
    browser.find_element(By.ID, "name-one").send_keys("Sam")
    browser.find_element(By.ID, "name-two").send_keys("Alex")
    seen = browser.execute_async_script(SEEK, start_of["one"] + 3.2)
    assert "Sam" in seen["whose"] and "Alex" not in seen["whose"]
    turn_end = start_of["two"]
    assert str(int(-(-(turn_end - (start_of["one"] + 3.2)) // 1))) in seen["seconds"]
    browser.save_screenshot(str(SCREENSHOTS / "reconnect-sam.png"))
    whose = browser.execute_async_script(SEEK, start_of["two"] + 1)["whose"]
    assert "Alex" in whose and "Sam" not in whose
    both = browser.execute_async_script(SEEK, 2.0)["whose"]
    assert "Sam" in both and "Alex" in both


def say(browser, text: str) -> list[str]:
    """What the skill answered to this line."""
    before = len(browser.find_elements(By.CSS_SELECTOR, "#log .said"))
    skill_before = len(browser.find_elements(By.CSS_SELECTOR, "#log .said.skill"))
    box = browser.find_element(By.ID, "text")
    box.send_keys(text, Keys.ENTER)
    WebDriverWait(browser, 10).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#log .said")) > before + 1 and d.find_element(By.ID, "text") == d.switch_to.active_element)
    items = browser.find_elements(By.CSS_SELECTOR, "#log .said.skill")
    return [item.text.split("\n", 1)[-1] for item in items[skill_before:]]


def test_a_check_in_can_be_held_through_the_talk_box(browser, served):
    book = phrasebook("en-US")
    open_page(browser, served + "/talk")
    said = say(browser, "check in")
    assert said[-1] == book.text("checkin.question.dread")
    for _ in range(5):
        said = say(browser, "often")
    score_opening = book.messages["checkin.result.score"].variants[0].split("{")[0]
    assert any(line.startswith(score_opening) for line in said), said
    browser.save_screenshot(str(SCREENSHOTS / "talk-checkin.png"))


def test_a_crisis_sentence_gets_the_help_lines_first(browser, served):
    open_page(browser, served + "/talk")
    said = say(browser, "i don't feel safe at home")
    assert phrasebook("en-US").text("safety.resources") in said
    browser.save_screenshot(str(SCREENSHOTS / "talk-crisis.png"))


def test_an_exercise_asked_for_in_the_talk_box_plays_on_the_page(browser, served):
    open_page(browser, served + "/talk")
    said = say(browser, "play box breathing")
    player = browser.find_element(By.CSS_SELECTOR, "#log .action audio")
    assert "/audio/box-breathing." in player.get_attribute("src")
    assert browser.find_element(By.CSS_SELECTOR, "#log .action a").get_attribute("href").endswith("/exercises/box-breathing")
    order = [item.get_attribute("class") for item in browser.find_elements(By.CSS_SELECTOR, "#log .said")][-3:]
    assert order == ["said skill", "said action", "said skill"]
    assert not any("Alexa" in line or "Nicely done" in line for line in said), said
    browser.execute_script("arguments[0].play();", player)
    WebDriverWait(browser, 10).until(lambda d: d.execute_script("return arguments[0].currentTime;", player) > 0.5)
    browser.save_screenshot(str(SCREENSHOTS / "talk-exercise.png"))


def active(browser):
    return browser.switch_to.active_element


def test_the_pages_work_with_the_keyboard_alone(browser, served):
    open_page(browser, served + "/")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    assert active(browser).get_attribute("class") == "skip"
    active(browser).send_keys(Keys.ENTER)
    active(browser).send_keys(Keys.TAB)
    assert "/exercises/" in active(browser).get_attribute("href")
    active(browser).send_keys(Keys.ENTER)
    WebDriverWait(browser, 5).until(lambda d: "/exercises/" in d.current_url)
    open_page(browser, served + "/talk")
    assert active(browser).get_attribute("id") == "text"
    assert say(browser, "help")
    for _ in range(3):
        active(browser).send_keys(Keys.TAB)
        if active(browser).text == "Forget me":
            break
    active(browser).send_keys(Keys.ENTER)
    WebDriverWait(browser, 5).until(lambda d: d.find_elements(By.CSS_SELECTOR, "p.notice[role=status]"))
    browser.save_screenshot(str(SCREENSHOTS / "talk-forgotten.png"))
