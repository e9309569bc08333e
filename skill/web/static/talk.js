// Sends the talk box without reloading the page; without JavaScript the form posts and the page reloads.
(function () {
  "use strict";
  var form = document.getElementById("say");
  var input = document.getElementById("text");
  var log = document.getElementById("log");
  if (!form || !window.fetch || !window.FormData) return;

  function said(who, text) {
    var p = document.createElement("p");
    p.className = "said " + who;
    var name = document.createElement("span");
    name.className = "who";
    name.textContent = log.getAttribute("data-" + who) || "";
    p.appendChild(name);
    p.appendChild(document.createTextNode(" " + text));
    log.appendChild(p);
  }

  function action(item) {
    if (item.kind === "pause") {
      Array.prototype.forEach.call(log.querySelectorAll("audio"), function (player) { player.pause(); });
      return;
    }
    var box = document.createElement("div");
    box.className = "said action";
    if (item.audio) {
      var player = document.createElement("audio");
      player.controls = true;
      player.preload = "none";
      player.src = item.audio + (item.offset ? "#t=" + item.offset : "");
      player.setAttribute("aria-label", item.label);
      box.appendChild(player);
    }
    var link = document.createElement("a");
    link.href = item.page;
    link.textContent = item.page_label;
    box.appendChild(link);
    log.appendChild(box);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = new FormData(form);
    input.value = "";
    form.setAttribute("aria-busy", "true");
    fetch(form.action, { method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (reply) {
        (reply.exchange || []).forEach(function (item) {
          if (item.who === "action") { action(item); } else { said(item.who, item.text); }
        });
        log.lastElementChild && log.lastElementChild.scrollIntoView({ block: "nearest" });
      })
      .catch(function () { form.submit(); })
      .then(function () { form.removeAttribute("aria-busy"); input.focus(); });
  });
})();
