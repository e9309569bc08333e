// Keeps the breathing visual, captions and whose-turn indicator in step with the audio's own clock.
// Every timing comes from the page's timeline data (the build's phases file and the manifest); none lives here.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("timeline").textContent);
  var audio = document.getElementById("player");
  var breath = document.getElementById("breath");
  var caption = document.getElementById("caption");
  var turnBox = document.getElementById("turn");
  var reduced = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : { matches: false };
  var wakeLock = null;
  var shownPhase = null, shownCaption = null, shownTurn = null;

  function find(list, t) {
    for (var i = 0; i < list.length; i++) {
      if (t >= list[i].start && t < list[i].end) return i;
    }
    return -1;
  }

  // The clock: the audio element when the audio is built, otherwise a timer for the spoken-text version.
  var clock = audio ? {
    time: function () { return audio.currentTime; },
    playing: function () { return !audio.paused && !audio.ended; },
    ended: function () { return audio.ended; }
  } : textClock();

  function textClock() {
    var controls = document.getElementById("clock-controls");
    var startButton = document.getElementById("clock-start");
    var pauseButton = document.getElementById("clock-pause");
    var restartButton = document.getElementById("clock-restart");
    var position = 0, origin = null;
    var c = {
      time: function () {
        var t = origin === null ? position : (performance.now() - origin) / 1000;
        if (t >= data.duration) { position = data.duration; origin = null; showButtons(); }
        return Math.min(t, data.duration);
      },
      playing: function () { return origin !== null; },
      ended: function () { return position >= data.duration && origin === null; },
      seek: function (t) { position = t; if (origin !== null) origin = performance.now() - t * 1000; tick(); }
    };
    function showButtons() {
      if (!controls) return;
      startButton.hidden = c.playing();
      pauseButton.hidden = !c.playing();
    }
    if (controls) {
      controls.hidden = false;
      startButton.addEventListener("click", function () {
        if (position >= data.duration) position = 0;
        origin = performance.now() - position * 1000; showButtons(); loop(); pauseButton.focus();
      });
      pauseButton.addEventListener("click", function () {
        position = c.time(); origin = null; showButtons(); tick(); startButton.focus();
      });
      restartButton.addEventListener("click", function () { c.seek(0); });
    }
    return c;
  }

  function scaleFor(index, t) {
    var phase = data.phases[index];
    var span = Math.max(phase.end - phase.start, 0.001);
    var p = Math.min(Math.max((t - phase.start) / span, 0), 1);
    if (phase.kind === "inhale") return 0.6 + 0.4 * p;
    if (phase.kind === "exhale") return 1 - 0.4 * p;
    if (phase.kind === "hold" && index > 0) return data.phases[index - 1].kind === "inhale" ? 1 : 0.6;
    return 0.75;
  }

  function showPhase(t) {
    if (!breath) return;
    var index = t === 0 && !clock.playing() ? -1 : find(data.phases, t);
    var kind = index < 0 ? "idle" : data.phases[index].kind;
    breath.setAttribute("data-at", t.toFixed(3));
    if (kind !== shownPhase) {
      shownPhase = kind;
      breath.setAttribute("data-phase", kind);
      var cues = breath.querySelectorAll("[data-cue]");
      for (var i = 0; i < cues.length; i++) cues[i].hidden = cues[i].getAttribute("data-cue") !== kind;
    }
    if (!reduced.matches) {
      breath.querySelector(".shape").style.setProperty("--scale", index < 0 ? "0.6" : scaleFor(index, t).toFixed(3));
    }
  }

  function trackCues() {
    if (!audio || !audio.textTracks || !audio.textTracks.length) return null;
    var track = audio.textTracks[0];
    if (track.mode === "disabled") track.mode = "hidden";
    return track.cues && track.cues.length ? track.cues : null;
  }

  function showCaption(t) {
    if (!caption) return;
    var text = "";
    var cues = trackCues();
    if (cues) {
      for (var i = 0; i < cues.length; i++) {
        if (t >= cues[i].startTime && t < cues[i].endTime) { text = cues[i].text; break; }
      }
    } else if (!audio) {
      var index = find(data.lines, t);
      text = index < 0 ? "" : data.lines[index].text;
    }
    if (text !== shownCaption) { shownCaption = text; caption.textContent = text; }
  }

  function nameOf(which) {
    var input = document.getElementById("name-" + which);
    var typed = input ? input.value.trim() : "";
    return typed || turnBox.getAttribute("data-default-" + which);
  }

  function showTurn(t) {
    if (!turnBox) return;
    var whose = document.getElementById("whose");
    var seconds = document.getElementById("seconds");
    var index = find(data.turns, t);
    var started = t > 0 || clock.playing();
    var label, left = "", speaker = "none";
    if (clock.ended() || (started && t >= data.duration)) {
      label = turnBox.getAttribute("data-done");
    } else if (index < 0 || !started) {
      label = whose.getAttribute("data-waiting") || whose.textContent;
      whose.setAttribute("data-waiting", label);
    } else {
      var turn = data.turns[index];
      speaker = turn.speaker;
      label = (turnBox.getAttribute("data-template-" + speaker) || "{one}")
        .replace("{one}", nameOf("one")).replace("{two}", nameOf("two"));
      left = turnBox.getAttribute("data-template-seconds").replace("{seconds}", String(Math.max(0, Math.ceil(turn.end - t))));
    }
    var key = speaker + "|" + label;
    if (key !== shownTurn) { shownTurn = key; whose.textContent = label; turnBox.setAttribute("data-speaker", speaker); }
    if (seconds.textContent !== left) seconds.textContent = left;
  }

  function tick() {
    var t = clock.time();
    showPhase(t);
    showCaption(t);
    showTurn(t);
  }

  var looping = false;
  function loop() {
    if (looping) return;
    looping = true;
    (function frame() {
      tick();
      if (clock.playing()) { window.requestAnimationFrame(frame); } else { looping = false; }
    })();
  }

  function holdScreen(on) {
    if (!("wakeLock" in navigator)) return;
    if (on && !wakeLock) {
      navigator.wakeLock.request("screen").then(function (lock) { wakeLock = lock; }, function () {});
    } else if (!on && wakeLock) {
      wakeLock.release(); wakeLock = null;
    }
  }

  if (audio) {
    ["play", "playing"].forEach(function (name) {
      audio.addEventListener(name, function () { holdScreen(true); loop(); });
    });
    ["pause", "ended", "seeked", "seeking", "timeupdate", "loadedmetadata"].forEach(function (name) {
      audio.addEventListener(name, function () { if (name !== "timeupdate" || !looping) tick(); });
    });
    audio.addEventListener("pause", function () { holdScreen(false); });
    var trackElement = audio.querySelector("track");
    if (trackElement) trackElement.addEventListener("load", tick);
    trackCues();
  }
  ["name-one", "name-two"].forEach(function (id) {
    var input = document.getElementById(id);
    if (input) input.addEventListener("input", function () { shownTurn = null; tick(); });
  });
  if (reduced.addEventListener) reduced.addEventListener("change", tick);
  document.documentElement.classList.add("js");
  tick();
})();
