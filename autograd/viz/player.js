// The player: each step changes only texts and data-state attributes of the drawing,
// which was laid out once. State at step k = the drawing's start, then every step's
// kept changes up to k, then step k's own flashes. Nothing here moves a node.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("player-data").textContent);
  var steps = data.steps;
  var svg = document.getElementById("drawing");
  var viewport = document.getElementById("viewport");
  var stage = document.getElementById("stage");
  var slider = document.getElementById("slider");
  var playButton = document.getElementById("play");
  var speed = document.getElementById("speed");
  var READABLE = 12 / 14;  // drawing text is 14px: never fit below 12px on screen
  var MOST = 1.6;          // and do not blow a tiny graph up beyond this

  // The drawing as laid out: every element a step may change, and its first look.
  var textNodes = {}, stateNodes = {}, startTexts = {}, startStates = {};
  svg.querySelectorAll("text[id]").forEach(function (node) {
    textNodes[node.id] = node;
    startTexts[node.id] = node.textContent;
  });
  svg.querySelectorAll("[data-state]").forEach(function (node) {
    stateNodes[node.id] = node;
    startStates[node.id] = node.getAttribute("data-state");
  });
  var shownTexts = Object.assign({}, startTexts), shownStates = Object.assign({}, startStates);

  // The drawing fills the stage; pan and zoom move one transform on the viewport group.
  svg.removeAttribute("viewBox");
  svg.setAttribute("width", "100%");
  svg.setAttribute("height", "100%");
  var view = { scale: 1, x: 0, y: 0 };

  function applyView() {
    viewport.setAttribute("transform",
      "translate(" + view.x + " " + view.y + ") scale(" + view.scale + ")");
  }

  function stageSize() {
    var box = stage.getBoundingClientRect();
    return { width: box.width, height: box.height };
  }

  // The first view: the whole graph if its text stays readable (12px), else readable
  // text and the acting values brought into view. The "fit" button fits whatever the
  // size of the text, to see the whole shape.
  function fit(readable) {
    var size = stageSize(), width = data.size[0], height = data.size[1], room = 24;
    var scale = Math.min(MOST, (size.width - room) / width, (size.height - room) / height);
    view.scale = readable ? Math.max(READABLE, scale) : scale;
    view.x = Math.max(0, (size.width - width * view.scale) / 2);
    view.y = Math.max(0, (size.height - height * view.scale) / 2);
    applyView();
    keepInView(steps[current] && steps[current].focus);
  }

  function zoom(factor, atX, atY) {
    var size = stageSize();
    if (atX === undefined) { atX = size.width / 2; atY = size.height / 2; }
    var scale = Math.max(0.2, Math.min(6, view.scale * factor));
    view.x = atX - (atX - view.x) * (scale / view.scale);
    view.y = atY - (atY - view.y) * (scale / view.scale);
    view.scale = scale;
    applyView();
  }

  // Bring the step's actors into view: the acting value and its inputs if they fit,
  // else the acting value, centred. Moves the camera only when something is cut off.
  function keepInView(ids) {
    var boxes = (ids || []).map(function (id) { return document.getElementById(id); })
      .filter(Boolean).map(function (node) { return node.getBBox(); });
    if (!boxes.length) return;
    var size = stageSize(), margin = 30;
    var all = union(boxes);
    var target = (all.width * view.scale <= size.width - 2 * margin &&
                  all.height * view.scale <= size.height - 2 * margin) ? all : boxes[0];
    var x = clamp(shift(view.x, target.x, target.width, size.width, margin),
                  size.width - data.size[0] * view.scale, 0);
    var y = clamp(shift(view.y, target.y, target.height, size.height, margin),
                  size.height - data.size[1] * view.scale, 0);
    glideTo(x, y);
  }

  // The camera glides (a third of a second) instead of jumping, so the eye can follow
  // the drawing to the part the step is about.
  var glide = null;
  function glideTo(x, y) {
    if (glide) cancelAnimationFrame(glide.frame);
    var from = { x: view.x, y: view.y }, started = performance.now(), duration = 320;
    if (Math.abs(from.x - x) < 1 && Math.abs(from.y - y) < 1) return;
    function frame(now) {
      var t = Math.min(1, (now - started) / duration), ease = t * (2 - t);
      view.x = from.x + (x - from.x) * ease;
      view.y = from.y + (y - from.y) * ease;
      applyView();
      glide = t < 1 ? { frame: requestAnimationFrame(frame) } : null;
    }
    glide = { frame: requestAnimationFrame(frame) };
  }

  function union(boxes) {
    var left = Infinity, top = Infinity, right = -Infinity, bottom = -Infinity;
    boxes.forEach(function (b) {
      left = Math.min(left, b.x); top = Math.min(top, b.y);
      right = Math.max(right, b.x + b.width); bottom = Math.max(bottom, b.y + b.height);
    });
    return { x: left, y: top, width: right - left, height: bottom - top };
  }

  function shift(offset, start, length, room, margin) {
    // The smallest move that shows [start, start + length] inside the room, or centre it.
    var low = offset + start * view.scale, high = low + length * view.scale;
    if (high - low > room - 2 * margin) return offset + room / 2 - (low + high) / 2;
    if (low < margin) return offset + margin - low;
    if (high > room - margin) return offset - (high - (room - margin));
    return offset;
  }

  function clamp(offset, low, high) {
    // A drawing larger than the stage keeps it filled; a smaller one stays centred.
    if (low > high) return (low + high) / 2;
    return Math.max(low, Math.min(high, offset));
  }

  // --- stepping ------------------------------------------------------------------------
  var current = 0, timer = null;

  function stateAt(index) {
    var texts = Object.assign({}, startTexts), states = Object.assign({}, startStates);
    for (var k = 0; k <= index; k++) {
      Object.assign(texts, steps[k].texts);
      Object.assign(states, steps[k].states);
    }
    Object.assign(texts, steps[index].flashTexts);
    Object.assign(states, steps[index].flashStates);
    return { texts: texts, states: states };
  }

  function show(index) {
    current = Math.max(0, Math.min(steps.length - 1, index));
    var target = stateAt(current);
    Object.keys(target.texts).forEach(function (id) {
      if (shownTexts[id] !== target.texts[id] && textNodes[id]) {
        textNodes[id].textContent = target.texts[id];
        shownTexts[id] = target.texts[id];
      }
    });
    Object.keys(target.states).forEach(function (id) {
      if (shownStates[id] !== target.states[id] && stateNodes[id]) {
        stateNodes[id].setAttribute("data-state", target.states[id]);
        shownStates[id] = target.states[id];
      }
    });
    var step = steps[current];
    fillCaption(step);
    var position = document.getElementById("position");
    position.textContent = "step " + (current + 1) + " of " + steps.length + " \u00b7 ";
    var phase = document.createElement("span");
    phase.className = "phase";
    phase.textContent = step.phase === "done" ? "done" : step.phase + " pass";
    position.appendChild(phase);
    slider.value = current;
    document.body.dataset.current = current;
    keepInView(step.focus);
  }

  function fillCaption(step) {
    document.getElementById("title").textContent = step.title;
    var list = document.getElementById("lines");
    list.textContent = "";
    step.lines.forEach(function (line) {
      var item = document.createElement("li");
      item.textContent = line;
      list.appendChild(item);
    });
  }

  function stop() {
    clearInterval(timer);
    timer = null;
    playButton.textContent = "\u25b6 play";
  }

  function togglePlay() {
    if (timer) { stop(); return; }
    if (current === steps.length - 1) show(0);
    playButton.textContent = "\u275a\u275a pause";
    timer = setInterval(function () {
      if (current >= steps.length - 1) { stop(); return; }
      show(current + 1);
    }, parseInt(speed.value, 10));
  }

  function go(index) { stop(); show(index); }

  slider.max = steps.length - 1;
  document.getElementById("first").onclick = function () { go(0); };
  document.getElementById("previous").onclick = function () { go(current - 1); };
  document.getElementById("next").onclick = function () { go(current + 1); };
  document.getElementById("last").onclick = function () { go(steps.length - 1); };
  playButton.onclick = togglePlay;
  slider.oninput = function () { go(parseInt(slider.value, 10)); };
  document.getElementById("zoom-in").onclick = function () { zoom(1.25); };
  document.getElementById("zoom-out").onclick = function () { zoom(0.8); };
  document.getElementById("fit").onclick = function () { fit(false); };

  document.addEventListener("keydown", function (event) {
    if (event.target === slider && (event.key === "ArrowLeft" || event.key === "ArrowRight")) {
      event.preventDefault();  // the slider would move too: step once, here
    }
    var actions = {
      "ArrowRight": function () { go(current + 1); },
      "ArrowLeft": function () { go(current - 1); },
      "PageDown": function () { go(current + 1); },  // what a presenter's clicker sends
      "PageUp": function () { go(current - 1); },
      "Home": function () { go(0); },
      "End": function () { go(steps.length - 1); },
      " ": togglePlay,
      "+": function () { zoom(1.25); },
      "=": function () { zoom(1.25); },
      "-": function () { zoom(0.8); },
      "0": function () { fit(false); }
    };
    var action = actions[event.key];
    if (action && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      action();
    }
  });

  stage.addEventListener("wheel", function (event) {
    event.preventDefault();
    var box = stage.getBoundingClientRect();
    zoom(Math.exp(-event.deltaY * 0.0015), event.clientX - box.left, event.clientY - box.top);
  }, { passive: false });

  var drag = null;
  stage.addEventListener("pointerdown", function (event) {
    drag = { x: event.clientX, y: event.clientY, viewX: view.x, viewY: view.y };
    stage.classList.add("dragging");
    stage.setPointerCapture(event.pointerId);
  });
  stage.addEventListener("pointermove", function (event) {
    if (!drag) return;
    view.x = drag.viewX + event.clientX - drag.x;
    view.y = drag.viewY + event.clientY - drag.y;
    applyView();
  });
  function endDrag() { drag = null; stage.classList.remove("dragging"); }
  stage.addEventListener("pointerup", endDrag);
  stage.addEventListener("pointercancel", endDrag);
  // A new window size keeps the zoom the reader chose; it only keeps the actors in view.
  window.addEventListener("resize", function () { keepInView(steps[current].focus); });

  // For tests and for anyone driving the page from a console.
  window.backpropPlayer = { show: go, fit: fit, zoom: zoom, view: view,
                            moving: function () { return glide !== null; },
                            count: steps.length, current: function () { return current; } };
  speed.onchange = function () { if (timer) { togglePlay(); togglePlay(); } };

  // The caption box is as tall as the longest step needs (up to a quarter of the
  // window), and stays that tall: a box that changed height would move the drawing.
  function sizeCaption() {
    var caption = document.getElementById("caption");
    var tallest = 0;
    steps.forEach(function (step, index) {
      fillCaption(step);
      tallest = Math.max(tallest, caption.scrollHeight);
    });
    caption.style.height = Math.min(tallest, window.innerHeight / 4) + "px";
  }

  sizeCaption();
  show(0);
  fit(true);
})();
