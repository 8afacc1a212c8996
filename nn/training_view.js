/* The training view: one frame per recorded epoch, chosen with the slider, the buttons,
   play, or the keys (left / right, space, Home / End).

   A frame shows what the network predicted after that epoch: for a classifier, the
   plane shaded by the predicted class (stronger colour = more confident), drawn as a
   small grid on a canvas that the browser scales up smoothly; for a 1-D regression,
   the fitted curve. The points never move, and neither do the loss and accuracy curves:
   only a cursor marks the epoch, and the caption gives its numbers.

   The data (see nn/plots.py, _view_data) sits in the page as JSON; grids are one byte
   per point (class index and confidence together), base64-encoded. */
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var FINE = 4;  // the plane's canvas has 4 x 4 pixels per recorded grid point
  var data = JSON.parse(document.getElementById("view-data").textContent);
  var metrics = data.metrics;  // null when no History came with the record
  var count = data.epochs.length;
  var lastEpoch = data.epochs[count - 1];
  var current = 0;
  var timer = null;
  var slider = document.getElementById("slider");
  var playButton = document.getElementById("play");
  var speed = document.getElementById("speed");
  var logScale = document.getElementById("log-scale");
  if (data.stopReason || isNumber(data.restoredEpoch)) document.body.classList.add("has-notes");
  // A loss that falls by more than a factor of 100 shows best on a log scale.
  logScale.checked = (function () {
    var m = data.metrics, seen = m ? m.dataLoss.concat(m.valLoss).filter(function (v) {
      return typeof v === "number" && isFinite(v) && v > 0;
    }) : [];
    return seen.length > 1 && Math.max.apply(null, seen) > 100 * Math.min.apply(null, seen);
  })();

  document.body.dataset.task = data.task;

  // --- small helpers ------------------------------------------------------------------

  function bytesOf(base64) {
    var text = atob(base64), bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return bytes;
  }

  function element(name, attributes, parent, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attributes || {}).forEach(function (key) {
      node.setAttribute(key, attributes[key]);
    });
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  function isNumber(value) { return typeof value === "number" && isFinite(value); }

  // Four significant digits, as a fixed-width column reads best; tiny or huge numbers
  // in exponent form.
  function number(value) {
    if (!isNumber(value)) return "\u2013";
    var size = Math.abs(value);
    if (size !== 0 && (size < 1e-3 || size >= 1e4)) return value.toExponential(2);
    return value.toPrecision(4);
  }

  function percent(value) {
    return isNumber(value) ? (100 * value).toFixed(1) + "%" : "\u2013";
  }

  function scale(d0, d1, r0, r1) {
    var span = d1 - d0 || 1;
    return function (value) { return r0 + (value - d0) * (r1 - r0) / span; };
  }

  // Round tick values (1, 2 or 5 times a power of ten) covering [low, high].
  function ticks(low, high, wanted) {
    var span = high - low;
    if (!(span > 0)) return [low];
    var step = Math.pow(10, Math.floor(Math.log10(span / wanted)));
    var error = span / wanted / step;
    step *= error >= 5 ? 10 : error >= 2 ? 5 : error >= 1.5 ? 2 : 1;
    var result = [];
    for (var v = Math.ceil(low / step - 1e-9) * step; v <= high + step * 1e-9; v += step) {
      result.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    }
    return result;
  }

  function tickText(value) { return String(parseFloat(value.toPrecision(6))); }

  // Axes: a frame, ticks and their labels, grid lines (not over a shaded plane), names.
  function drawAxes(svg, box, x, y, axes) {
    var group = element("g", { "class": "axes" }, svg), bottom = box.top + box.height;
    axes.yTicks.forEach(function (value) {
      var top = y(value);
      element("line", axes.gridlines
        ? { "class": "gridline", x1: box.left, x2: box.left + box.width, y1: top, y2: top }
        : { "class": "tick", x1: box.left - 5, x2: box.left, y1: top, y2: top }, group);
      element("text", { x: box.left - 8, y: top + 4.5, "text-anchor": "end" }, group,
              (axes.yText || tickText)(value));
    });
    axes.xTicks.forEach(function (value) {
      var left = x(value);
      element("line", { "class": "tick", x1: left, x2: left, y1: bottom, y2: bottom + 5 },
              group);
      element("text", { x: left, y: bottom + 19, "text-anchor": "middle" }, group,
              tickText(value));
    });
    element("rect", { "class": "frame", x: box.left, y: box.top, width: box.width,
                      height: box.height }, group);
    element("text", { "class": "axis-label", x: box.left + box.width / 2, y: bottom + 36,
                      "text-anchor": "middle" }, group, axes.names[0]);
    var middle = box.top + box.height / 2, left = box.left - 44;
    element("text", { "class": "axis-label", x: left, y: middle, "text-anchor": "middle",
                      transform: "rotate(-90 " + left + " " + middle + ")" },
            group, axes.names[1]);
    return group;
  }

  // --- the plane: shading or curve, with the points ------------------------------------

  var plane = {
    holder: document.getElementById("plane"),
    svg: document.getElementById("plane-svg"),
    canvas: document.getElementById("shading"),
    legend: document.getElementById("legend"),
    curvePath: null
  };
  var grid = data.grid ? {
    nx: data.grid.nx, ny: data.grid.ny, frames: bytesOf(data.grid.frames),
    columns: samples(data.grid.nx), rows: samples(data.grid.ny),
    colours: data.colours.map(function (hex) {
      return [1, 3, 5].map(function (at) { return parseInt(hex.slice(at, at + 2), 16); });
    })
  } : null;
  var curve = data.curve ? {
    x: data.curve.x,
    values: new DataView(bytesOf(data.curve.frames).buffer)  // float32, little-endian
  } : null;

  function planeExtent() {
    if (grid) return data.grid.bounds;
    return [curve.x[0], curve.x[curve.x.length - 1], data.curve.range[0], data.curve.range[1]];
  }

  // Where the plot goes in the plane's holder: equal units on both axes for a classifier
  // (a circle stays a circle), the whole room for a curve.
  function planeBox() {
    var legendHeight = plane.legend.offsetHeight + 8;
    var margin = { left: 60, right: 10, top: 6, bottom: 46 + legendHeight };
    var room = { width: plane.holder.clientWidth - margin.left - margin.right,
                 height: plane.holder.clientHeight - margin.top - margin.bottom };
    var e = planeExtent(), width = room.width, height = room.height;
    if (grid) {
      var unit = Math.min(room.width / (e[1] - e[0]), room.height / (e[3] - e[2]));
      width = unit * (e[1] - e[0]);
      height = unit * (e[3] - e[2]);
    }
    return { left: margin.left, top: margin.top, width: Math.max(width, 10),
             height: Math.max(height, 10) };
  }

  function layoutPlane() {
    if (!grid && !curve) return;
    var box = planeBox(), e = planeExtent();
    var x = scale(e[0], e[1], box.left, box.left + box.width);
    var y = scale(e[2], e[3], box.top + box.height, box.top);
    plane.x = x;
    plane.y = y;
    plane.svg.textContent = "";
    drawAxes(plane.svg, box, x, y, { xTicks: ticks(e[0], e[1], 6), yTicks: ticks(e[2], e[3], 5),
                                     names: grid ? ["x1", "x2"] : ["x", "y"],
                                     gridlines: !grid });
    if (grid) {
      var style = plane.canvas.style;
      style.left = box.left + "px";
      style.top = box.top + "px";
      style.width = box.width + "px";
      style.height = box.height + "px";
    } else {
      var clip = element("clipPath", { id: "plot-area" }, element("defs", {}, plane.svg));
      element("rect", { x: box.left, y: box.top, width: box.width, height: box.height }, clip);
      plane.curvePath = element("path", { "class": "fitted", id: "fitted",
                                          "clip-path": "url(#plot-area)" });
    }
    drawPoints(plane.svg, x, y);
    if (plane.curvePath) plane.svg.appendChild(plane.curvePath);  // above the points
    plane.legend.style.top = (box.top + box.height + 48) + "px";
  }

  function drawPoints(svg, x, y) {
    var group = element("g", { "class": "points" }, svg);
    // Validation first: the fewer, filled training points stay on top.
    [["validation", data.validation], ["training", data.train]].forEach(function (pair) {
      pair[1].forEach(function (p) {
        var attributes = { cx: x(p[0]), cy: y(p[1]), r: pair[0] === "training" ? 5.5 : 3.5,
                           "class": "point " + pair[0] + (grid ? "" : " data") };
        if (grid) {
          var colour = data.colours[p[2]] || "#777";
          attributes[pair[0] === "training" ? "fill" : "stroke"] = colour;
        }
        element("circle", attributes, group);
      });
    });
  }

  // The grid drawn FINE times finer than it was recorded. Each class's strength (its
  // confidence where it is predicted, 0 elsewhere) is interpolated between grid points
  // on its own, and a pixel takes the strongest class: with two classes, where the
  // interpolated score changes sign. So a boundary runs smoothly between the points
  // instead of along the cells' edges. (nn/plots.py, _shading, does the same for the
  // PNG and the GIF.) The browser then scales the canvas up smoothly.
  function samples(n) {  // for each fine pixel: the two grid points around it, and a weight
    var low = [], high = [], weight = [];
    for (var u = 0; u < n * FINE; u++) {
      var at = Math.max(0, Math.min(n - 1, (u + 0.5) / FINE - 0.5));
      low.push(Math.floor(at));
      high.push(Math.min(Math.floor(at) + 1, n - 1));
      weight.push(at - Math.floor(at));
    }
    return { low: low, high: high, weight: weight };
  }

  function shade(frame) {
    var nx = grid.nx, ny = grid.ny, width = nx * FINE, height = ny * FINE;
    var levels = data.grid.levels, top = Math.max(levels - 1, 1), base = frame * nx * ny;
    var context = plane.canvas.getContext("2d");
    var image = context.createImageData(width, height), pixels = image.data;
    var klass = [0, 0, 0, 0], part = [0, 0, 0, 0];
    for (var v = 0; v < height; v++) {
      var row = height - 1 - v;  // the canvas's first row is the top, the grid's the bottom
      var j0 = grid.rows.low[row], j1 = grid.rows.high[row], ty = grid.rows.weight[row];
      for (var u = 0; u < width; u++) {
        var i0 = grid.columns.low[u], i1 = grid.columns.high[u], tx = grid.columns.weight[u];
        var corners = [j0 * nx + i0, j0 * nx + i1, j1 * nx + i0, j1 * nx + i1];
        var weights = [(1 - tx) * (1 - ty), tx * (1 - ty), (1 - tx) * ty, tx * ty];
        for (var c = 0; c < 4; c++) {
          var code = grid.frames[base + corners[c]];
          klass[c] = Math.floor(code / levels);
          part[c] = weights[c] * (code % levels) / top;
        }
        var best = 0, strongest = -1;
        for (c = 0; c < 4; c++) {  // each class's strength: the sum of its corners' parts
          var total = 0;
          for (var d = 0; d < 4; d++) if (klass[d] === klass[c]) total += part[d];
          if (total > strongest) { strongest = total; best = klass[c]; }
        }
        var colour = grid.colours[best] || [119, 119, 119];
        var tint = data.grid.strongest * strongest, at = (v * width + u) * 4;
        pixels[at] = Math.round(255 - (255 - colour[0]) * tint);
        pixels[at + 1] = Math.round(255 - (255 - colour[1]) * tint);
        pixels[at + 2] = Math.round(255 - (255 - colour[2]) * tint);
        pixels[at + 3] = 255;
      }
    }
    context.putImageData(image, 0, 0);
  }

  function drawCurve(frame) {
    var n = curve.x.length, parts = [], pen = "M";
    for (var i = 0; i < n; i++) {
      var value = curve.values.getFloat32((frame * n + i) * 4, true);
      if (!isFinite(value)) { pen = "M"; continue; }
      // Far outside the plot is clipped anyway; keep the numbers sane for the browser.
      var top = Math.max(-1e4, Math.min(1e4, plane.y(value)));
      parts.push(pen + plane.x(curve.x[i]).toFixed(1) + " " + top.toFixed(1));
      pen = "L";
    }
    plane.curvePath.setAttribute("d", parts.join(" "));
    plane.curvePath.dataset.points = String(parts.length);
  }

  function fillLegend() {
    var legend = plane.legend;
    legend.textContent = "";
    function key(content, text, className) {
      var span = document.createElement("span");
      span.className = "key" + (className ? " " + className : "");
      if (content) span.appendChild(content);
      span.appendChild(document.createTextNode(text));
      legend.appendChild(span);
    }
    function marker(kind, colour) {
      var svg = element("svg", { viewBox: "-9 -9 18 18" });
      var attributes = { r: 5.5, "class": "point " + kind };
      if (colour) attributes[kind === "training" ? "fill" : "stroke"] = colour;
      else attributes["class"] += " data";
      element("circle", attributes, svg);
      return svg;
    }
    if (grid) {
      data.classes.forEach(function (name, k) {
        var swatch = document.createElement("span");
        swatch.className = "class-swatch";
        swatch.style.background = data.colours[k];
        key(swatch, "class " + name);
      });
      key(marker("training", "#777"), "training (" + data.train.length + ")");
      if (data.validation.length) {
        key(marker("validation", "#777"), "validation (" + data.validation.length + ")");
      }
      key(null, "shading: the predicted class, stronger = more confident", "note");
    } else {
      var line = element("svg", { viewBox: "0 -9 18 18" });
      element("line", { x1: 0, x2: 18, y1: 0, y2: 0, "class": "fitted" }, line);
      key(line, "the network's curve");
      key(marker("training"), "training (" + data.train.length + ")");
      if (data.validation.length) {
        key(marker("validation"), "validation (" + data.validation.length + ")");
      }
    }
  }

  // --- the curves: loss and accuracy per epoch ---------------------------------------

  function series(name) {  // a History list, or null when it was not recorded
    return metrics && metrics[name] && metrics[name].length ? metrics[name] : null;
  }

  var charts = [
    { figure: document.getElementById("loss-chart"), label: "loss",
      lines: [["training", series("dataLoss")], ["validation", series("valLoss")]],
      format: tickText, log: function () { return logScale.checked; } },
    { figure: document.getElementById("accuracy-chart"), label: "accuracy",
      lines: [["training", series("accuracy")], ["validation", series("valAccuracy")]],
      format: function (v) { return Math.round(100 * v) + "%"; },
      range: [0, 1], log: function () { return false; } }
  ];
  charts.forEach(function (chart) {
    chart.svg = chart.figure.querySelector("svg");
    chart.lines = chart.lines.filter(function (line) { return line[1]; });
    chart.figure.hidden = !chart.lines.length && chart.label === "accuracy";
  });

  function chartRange(chart, log) {
    if (chart.range) return chart.range;
    var low = Infinity, high = -Infinity;
    chart.lines.forEach(function (line) {
      line[1].forEach(function (v) {
        if (isNumber(v) && (!log || v > 0)) { low = Math.min(low, v); high = Math.max(high, v); }
      });
    });
    if (!isFinite(low)) return null;
    if (log) return [Math.pow(10, Math.floor(Math.log10(low))),
                     Math.pow(10, Math.ceil(Math.log10(high) + 1e-12))];
    return [0, high > 0 ? high * 1.05 : 1];
  }

  function logTicks(range) {
    var result = [];
    for (var p = Math.round(Math.log10(range[0])); p <= Math.round(Math.log10(range[1])); p++) {
      result.push(Math.pow(10, p));
    }
    return result;
  }

  function drawChart(chart) {
    var svg = chart.svg;
    svg.textContent = "";
    chart.cursor = null;
    if (chart.figure.hidden) return;
    var box = { left: 66, top: 8, width: svg.clientWidth - 80, height: svg.clientHeight - 56 };
    var log = chart.log() && chartRange(chart, true) !== null;
    var range = chartRange(chart, log);
    if (!range || box.width < 20 || box.height < 20) {
      element("text", { "class": "empty", x: 20, y: 30 }, svg,
              metrics ? "no " + chart.label + " recorded" : "no History in this record");
      return;
    }
    var first = data.epochs[0], x = scale(first, Math.max(lastEpoch, first + 1),
                                           box.left, box.left + box.width);
    var y = log ? function (v) {
      return scale(Math.log10(range[0]), Math.log10(range[1]), box.top + box.height, box.top)(
        Math.log10(v));
    } : scale(range[0], range[1], box.top + box.height, box.top);
    var yTicks = log ? logTicks(range) : chart.range ? [0, 0.25, 0.5, 0.75, 1]
                                                     : ticks(range[0], range[1], 4);
    var xTicks = ticks(first, Math.max(lastEpoch, first + 1), 6).filter(function (v) {
      return v === Math.round(v);
    });
    drawAxes(svg, box, x, y, {
      xTicks: xTicks, yTicks: yTicks, names: ["epoch", chart.label], gridlines: true,
      yText: log ? tickText : chart.format  // 0.01 reads easier than 1e-2
    });
    if (metrics && metrics.bestEpoch !== null && metrics.bestEpoch !== undefined) {
      var at = x(metrics.bestEpoch);
      element("line", { "class": "best", x1: at, x2: at, y1: box.top, y2: box.top + box.height },
              svg);
      element("text", { "class": "best-label", x: at + 4, y: box.top + 14 }, svg, "best");
    }
    chart.lines.forEach(function (line) {
      var parts = [], pen = "M";
      line[1].forEach(function (v, i) {
        if (!isNumber(v) || (log && v <= 0)) { pen = "M"; return; }
        parts.push(pen + x(metrics.first + i).toFixed(1) + " " + y(v).toFixed(1));
        pen = "L";
      });
      element("path", { "class": "series " + line[0], d: parts.join(" ") }, svg);
    });
    // The epochs after the shown one are veiled: the curves grow as training goes on.
    chart.future = element("rect", { "class": "future", y: box.top, height: box.height }, svg);
    chart.right = box.left + box.width;
    var cursor = element("g", { "class": "cursor-group" }, svg);
    element("line", { "class": "cursor", x1: 0, x2: 0, y1: box.top, y2: box.top + box.height },
            cursor);
    chart.dots = chart.lines.map(function (line) {
      return element("circle", { "class": "cursor-dot " + line[0], r: 5 }, cursor);
    });
    chart.cursor = cursor;
    chart.x = x;
    chart.y = y;
    chart.isLog = log;
  }

  function markChart(chart, frame) {
    if (!chart.cursor) return;
    var epoch = data.epochs[frame], index = metricIndex(frame);
    var at = chart.x(epoch);
    chart.cursor.setAttribute("transform", "translate(" + at.toFixed(1) + " 0)");
    chart.future.setAttribute("x", (at + 1).toFixed(1));
    chart.future.setAttribute("width", Math.max(0, chart.right - at - 1).toFixed(1));
    chart.cursor.dataset.epoch = String(epoch);
    chart.lines.forEach(function (line, k) {
      var v = index >= 0 ? line[1][index] : null, dot = chart.dots[k];
      var shown = isNumber(v) && !(chart.isLog && v <= 0);
      dot.style.display = shown ? "" : "none";
      if (shown) dot.setAttribute("cy", chart.y(v).toFixed(1));
    });
  }

  // --- the caption --------------------------------------------------------------------

  // The History's entry for a frame's epoch, or -1 (epoch 0: nothing measured yet).
  function metricIndex(frame) {
    if (!metrics) return -1;
    var index = data.epochs[frame] - metrics.first;
    return index >= 0 && index < metrics.dataLoss.length ? index : -1;
  }

  function value(name, index) {
    var list = series(name);
    return list && index >= 0 ? list[index] : null;
  }

  function fillCaption(frame) {
    var epoch = data.epochs[frame], index = metricIndex(frame);
    document.getElementById("caption-epoch").textContent = epoch === 0
      ? "Before training (epoch 0): random weights"
      : "After epoch " + epoch + (epoch === lastEpoch ? " (the last)" : "");
    document.getElementById("loss").textContent = number(value("dataLoss", index));
    document.getElementById("val-loss").textContent = number(value("valLoss", index));
    document.getElementById("accuracy").textContent = percent(value("accuracy", index));
    document.getElementById("val-accuracy").textContent = percent(value("valAccuracy", index));
    var extra = [];
    if (isNumber(value("lr", index))) extra.push("learning rate " + number(value("lr", index)));
    var penalty = value("penalty", index);
    if (isNumber(penalty) && penalty > 0) {
      extra.push("L2 penalty " + number(penalty) + " (trained on, not in these losses)");
    }
    if (epoch === 0) extra.push("losses are measured from epoch 1 on");
    if (epoch === lastEpoch && data.stopReason) extra.push(data.stopReason);
    if (isNumber(data.restoredEpoch) && (epoch === lastEpoch || epoch === data.restoredEpoch)) {
      extra.push("the model ends with epoch " + data.restoredEpoch + "'s weights (the best)");
    }
    document.getElementById("caption-extra").textContent = extra.join(" \u00b7 ");
  }

  // --- frames, play, keys -----------------------------------------------------------

  function show(frame) {
    current = Math.max(0, Math.min(count - 1, frame));
    if (grid) shade(current);
    if (curve && plane.curvePath) drawCurve(current);
    charts.forEach(function (chart) { markChart(chart, current); });
    fillCaption(current);
    document.getElementById("position").textContent =
      "epoch " + data.epochs[current] + " / " + lastEpoch;
    slider.value = current;
    document.body.dataset.current = current;
    document.body.dataset.epoch = data.epochs[current];
  }

  function stop() {
    clearInterval(timer);
    timer = null;
    playButton.textContent = "\u25b6 play";
  }

  function togglePlay() {
    if (timer) { stop(); return; }
    if (current === count - 1) show(0);
    playButton.textContent = "\u275a\u275a pause";
    timer = setInterval(function () {
      show(current + 1);
      if (current >= count - 1) stop();
    }, parseInt(speed.value, 10));
  }

  function go(frame) { stop(); show(frame); }

  function layout() {
    fillCaption(current);  // first: the caption's height decides the charts' room
    layoutPlane();
    charts.forEach(drawChart);
    show(current);
  }

  slider.max = count - 1;
  document.getElementById("first").onclick = function () { go(0); };
  document.getElementById("previous").onclick = function () { go(current - 1); };
  document.getElementById("next").onclick = function () { go(current + 1); };
  document.getElementById("last").onclick = function () { go(count - 1); };
  playButton.onclick = togglePlay;
  slider.oninput = function () { go(parseInt(slider.value, 10)); };
  speed.onchange = function () { if (timer) { togglePlay(); togglePlay(); } };
  logScale.onchange = function () { drawChart(charts[0]); markChart(charts[0], current); };

  document.addEventListener("keydown", function (event) {
    var actions = {
      "ArrowRight": function () { go(current + 1); },
      "ArrowLeft": function () { go(current - 1); },
      "PageDown": function () { go(current + 1); },  // what a presenter's clicker sends
      "PageUp": function () { go(current - 1); },
      "Home": function () { go(0); },
      "End": function () { go(count - 1); },
      " ": togglePlay
    };
    var action = actions[event.key];
    if (action && !event.ctrlKey && !event.metaKey && !event.altKey) {
      // Also keeps a focused slider or button from acting on the same key a second time.
      event.preventDefault();
      action();
    }
  });
  // A focused button "clicks" on the space key's release: space means play, nothing else.
  document.addEventListener("keyup", function (event) {
    if (event.key === " ") event.preventDefault();
  });
  window.addEventListener("resize", layout);

  if (grid) {
    plane.canvas.width = grid.nx * FINE;
    plane.canvas.height = grid.ny * FINE;
  }
  document.getElementById("plane-title").textContent = grid
    ? "What the network predicts over the plane" : curve ? "The network's curve y(x)" : "";
  document.getElementById("row-accuracy").hidden = !series("accuracy");
  document.getElementById("numbers").classList.toggle("no-validation", !series("valLoss"));
  if (grid || curve) fillLegend();
  layout();

  // For tests, and for anyone driving the page from the console.
  window.trainingView = {
    show: go, count: count, current: function () { return current; },
    playing: function () { return timer !== null; }, epochs: data.epochs.slice()
  };
})();
