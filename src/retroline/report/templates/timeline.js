/* Retroline timeline: zoom, pan and the original line of each event. No libraries.
   The SVG is drawn on the server; this script only moves what is there, so the page reads
   and prints the same without it. Text from the evidence is only ever set as textContent. */
function retrolineTimeline(data) {
  "use strict";
  document.documentElement.classList.remove("no-js");
  var fig = document.getElementById("tl");
  var svg = document.getElementById("tl-plot");
  if (!fig || !svg || !data.events || !data.events.length) {
    return;
  }
  var NS = "http://www.w3.org/2000/svg";
  var g = data.geometry;
  var TOP = g.top, LANE = g.lane, BOTTOM = g.bottom, LEVELS = g.levels, GAP = g.gap;
  var DAY_Y = g.day, LABELS = g.labels, STEPS = g.ticks;
  var MIN_SPAN = 60;
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var full = [data.start, data.end];
  var view = [data.start, data.end];
  var height = TOP + LANE * data.lanes.length + BOTTOM;
  var byId = {};
  data.events.forEach(function (e) { byId[e.id] = e; });
  var marks = Array.prototype.slice.call(svg.querySelectorAll(".mark"));
  var axis = svg.querySelector(".tl-axis");
  var windowRect = svg.querySelector(".tl-window");
  var milestones = Array.prototype.slice.call(svg.querySelectorAll(".ms"));
  var spanOut = document.getElementById("tl-span");
  var detail = document.getElementById("tl-detail");
  var selected = null;
  var tip = document.createElement("div");
  tip.className = "tl-tip";
  tip.hidden = true;
  tip.setAttribute("role", "tooltip");
  document.body.appendChild(tip);
  // The script shows its own tooltip; the native one (for readers without it) would double it.
  marks.forEach(function (m) {
    var title = m.querySelector("title");
    if (title) { title.parentNode.removeChild(title); }
  });

  function plotWidth() { return svg.getBoundingClientRect().width || 1000; }
  function pct(t) { return (t - view[0]) / (view[1] - view[0]) * 100; }
  function fmt(p) { return p.toFixed(3) + "%"; }
  function pad2(n) { return (n < 10 ? "0" : "") + n; }
  function utc(t, seconds) {
    var s = new Date(t * 1000).toISOString().replace("T", " ");
    return s.slice(0, seconds ? 19 : 16);
  }
  function human(seconds) {
    var minutes = Math.floor(seconds / 60);
    if (minutes < 1) { return Math.round(seconds) + " s"; }
    var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60);
    var mins = minutes % 60;
    if (days) { return days + " d" + (hours ? " " + hours + " h" : ""); }
    if (hours) { return hours + " h" + (mins ? " " + mins + " min" : ""); }
    return mins + " min";
  }
  function tickLabel(t, step, first) {
    var d = new Date(t * 1000);
    var day = MONTHS[d.getUTCMonth()] + " " + d.getUTCDate();
    if (step >= 86400) { return day + (first ? " " + d.getUTCFullYear() : ""); }
    var clock = pad2(d.getUTCHours()) + ":" + pad2(d.getUTCMinutes()) +
      (step < 60 ? ":" + pad2(d.getUTCSeconds()) : "");
    var midnight = !d.getUTCHours() && !d.getUTCMinutes() && !d.getUTCSeconds();
    return first || midnight ? day + " " + clock : clock;
  }
  // Which of `count` levels each item {x, w} (sorted by x) goes to, as html.py's levels().
  function levels(items, count, crowd) {
    var ends = [];
    for (var k = 0; k < count; k++) { ends.push(-Infinity); }
    return items.map(function (item) {
      var level = -1;
      for (var i = 0; i < count; i++) {
        if (item.x >= ends[i]) { level = i; break; }
      }
      if (level < 0) {
        if (!crowd) { return -1; }
        level = 0;
        for (var j = 1; j < count; j++) { if (ends[j] < ends[level]) { level = j; } }
      }
      ends[level] = item.x + item.w;
      return level;
    });
  }
  function el(name, attrs, text) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function drawAxis(w) {
    while (axis.firstChild) { axis.removeChild(axis.firstChild); }
    var most = Math.max(2, Math.floor(w / 110));
    var span = view[1] - view[0];
    var step = STEPS[STEPS.length - 1];
    for (var i = 0; i < STEPS.length; i++) {
      if (span / STEPS[i] <= most) { step = STEPS[i]; break; }
    }
    var first = true;
    for (var t = Math.ceil(view[0] / step) * step; t <= view[1]; t += step) {
      var x = fmt(pct(t));
      axis.appendChild(el("line", { x1: x, x2: x, y1: TOP, y2: height - 22 }));
      var label = el("text", { x: x, y: height - 7 }, tickLabel(t, step, first));
      var at = pct(t);
      if (at > 95 || at < 5) { label.setAttribute("class", at > 95 ? "end" : "start"); }
      axis.appendChild(label);
      first = false;
    }
  }

  function render() {
    var w = plotWidth();
    drawAxis(w);
    data.lanes.forEach(function (_, lane) {
      var points = [];
      marks.forEach(function (m) {
        var e = byId[m.getAttribute("data-id")];
        if (e && e.lane === lane && !e.day) { points.push({ m: m, e: e }); }
      });
      points.sort(function (a, b) { return a.e.t - b.e.t; });
      var lv = levels(points.map(function (p) { return { x: pct(p.e.t) * w / 100, w: GAP }; }),
        LEVELS.length, true);
      points.forEach(function (p, i) { p.m.setAttribute("data-y", TOP + lane * LANE + LEVELS[lv[i]]); });
    });
    marks.forEach(function (m) {
      var e = byId[m.getAttribute("data-id")];
      if (!e) { return; }
      var x = pct(e.t);
      if (e.day) {
        var bar = m.querySelector(".bar");
        bar.setAttribute("x", fmt(x));
        bar.setAttribute("width", fmt(Math.max(pct(e.end) - x, 0.2)));
        bar.setAttribute("y", TOP + e.lane * LANE + DAY_Y);
        return;
      }
      var y = m.getAttribute("data-y");
      Array.prototype.forEach.call(m.querySelectorAll("circle"), function (c) {
        c.setAttribute("cx", fmt(x));
        c.setAttribute("cy", y);
      });
      var square = m.querySelector("rect.dot");
      if (square) {
        square.setAttribute("x", fmt(x));
        square.setAttribute("y", y - 5);
      }
      var span = m.querySelector(".span");
      if (span && e.end !== null) {
        span.setAttribute("x", fmt(x));
        span.setAttribute("width", fmt(Math.max(pct(e.end) - x, 0)));
        span.setAttribute("y", y - 4);
      }
    });
    if (windowRect && data.window) {
      var a = pct(data.window[0]);
      windowRect.setAttribute("x", fmt(a));
      windowRect.setAttribute("width", fmt(Math.max(pct(data.window[1]) - a, 0)));
    }
    var labelLevels = levels(data.milestones.map(function (ms) {
      return { x: pct(ms.t) * w / 100, w: ms.name.length * 6.6 + 12 };
    }), LABELS.length, false);
    milestones.forEach(function (group, i) {
      var ms = data.milestones[i];
      if (!ms) { return; }
      var x = fmt(pct(ms.t));
      // A milestone out of the view is hidden: its label would show cut at the edge.
      var out = pct(ms.t) < 0 || pct(ms.t) > 100;
      group.setAttribute("visibility", out ? "hidden" : "visible");
      var y = LABELS[Math.max(labelLevels[i], 0)];
      var line = group.querySelector("line"), text = group.querySelector("text");
      // A label that would run off the right edge ends at its line instead.
      var end = pct(ms.t) * w / 100 + ms.name.length * 6.6 + 12 > w;
      text.setAttribute("class", labelLevels[i] < 0 ? "crowded" : end ? "end" : "");
      text.setAttribute("dx", end ? -3 : 3);
      line.setAttribute("x1", x);
      line.setAttribute("x2", x);
      line.setAttribute("y1", y + 2);
      text.setAttribute("x", x);
      text.setAttribute("y", y);
    });
    var span = view[1] - view[0];
    var secs = span < 600;
    spanOut.textContent = utc(view[0], secs) + " – " + utc(view[1], secs) + " UTC · " + human(span);
    fig.setAttribute("data-view-start", String(view[0]));
    fig.setAttribute("data-view-end", String(view[1]));
  }

  function setView(start, span) {
    var whole = full[1] - full[0];
    span = Math.min(Math.max(span, MIN_SPAN), Math.max(whole, MIN_SPAN));
    start = Math.min(Math.max(start, full[0]), full[1] - span);
    if (whole < span) { start = full[0] - (span - whole) / 2; }
    view = [start, start + span];
    render();
  }
  function zoom(factor, center) {
    var span = view[1] - view[0];
    var ratio = 0.5;
    if (center === undefined) {
      // The buttons zoom on the selected event when it is in view, else on the middle.
      center = selected && selected.t >= view[0] && selected.t <= view[1] ? selected.t : view[0] + span / 2;
    } else {
      ratio = (center - view[0]) / span;
    }
    var next = span * factor;
    setView(center - ratio * Math.max(next, MIN_SPAN), next);
  }
  function timeAt(clientX) {
    var box = svg.getBoundingClientRect();
    return view[0] + (clientX - box.left) / box.width * (view[1] - view[0]);
  }

  function line(parent, cls, text) {
    var p = document.createElement("p");
    if (cls) { p.className = cls; }
    p.textContent = text;
    parent.appendChild(p);
    return p;
  }
  function flag(parent, cls, text) {
    var s = document.createElement("span");
    s.className = "flag " + cls;
    s.textContent = text;
    parent.appendChild(document.createTextNode(" "));
    parent.appendChild(s);
  }
  function written(e) {
    return "“" + (e.timeText || "no time written") + "”" +
      (e.zone ? " · zone " + e.zone : " · no zone") + (e.zoneSource ? " (" + e.zoneSource + ")" : "");
  }

  function select(id) {
    var e = byId[id];
    if (!e) { return; }
    selected = e;
    marks.forEach(function (m) { m.classList.toggle("selected", m.getAttribute("data-id") === id); });
    Array.prototype.forEach.call(document.querySelectorAll("table.timeline tr.selected"), function (r) {
      r.classList.remove("selected");
    });
    var row = document.getElementById(id);
    if (row) { row.classList.add("selected"); }
    var mark = svg.querySelector('.mark[data-id="' + id + '"]');
    detail.style.setProperty("--k", mark ? getComputedStyle(mark).getPropertyValue("--k") : "");
    while (detail.firstChild) { detail.removeChild(detail.firstChild); }
    var head = document.createElement("h3");
    var kind = document.createElement("span");
    kind.className = "kind";
    kind.textContent = e.kind;
    head.appendChild(kind);
    var when = document.createElement("span");
    when.className = "mono";
    when.textContent = e.utc + " UTC";
    head.appendChild(when);
    if (e.assumed) { flag(head, "assumed", "⚠ zone assumed"); }
    if (e.approximate) { flag(head, "approx", "≈ approximate"); }
    var jump = document.createElement("a");
    jump.href = "#" + id;
    jump.textContent = "entry " + id + " in the table";
    head.appendChild(jump);
    detail.appendChild(head);
    var orig = line(detail, "orig", (e.timeText ? e.timeText + "  " : "") + e.text);
    orig.setAttribute("aria-label", "original line");
    e.details.forEach(function (d) { line(detail, "muted", "· " + d); });
    line(detail, "", "As written: " + written(e));
    var src = line(detail, "", "Source: ");
    if (e.href) {
      var a = document.createElement("a");
      a.href = e.href;
      a.className = "src";
      a.textContent = e.source;
      src.appendChild(a);
    } else {
      src.appendChild(document.createTextNode(e.source || "unknown"));
    }
    detail.hidden = false;
  }

  function showTip(e, x, y) {
    while (tip.firstChild) { tip.removeChild(tip.firstChild); }
    var when = document.createElement("span");
    when.className = "tip-when";
    when.textContent = e.utc + " UTC  ·  " + written(e) + (e.assumed ? "  ⚠ assumed" : "") +
      (e.approximate ? "  ≈ approximate" : "");
    tip.appendChild(when);
    var b = document.createElement("b");
    b.textContent = e.kind + ": ";
    tip.appendChild(b);
    tip.appendChild(document.createTextNode(e.text.length > 280 ? e.text.slice(0, 279) + "…" : e.text));
    tip.hidden = false;
    var box = tip.getBoundingClientRect();
    var left = Math.min(x + 14, window.innerWidth - box.width - 8);
    var top = y + 16 + box.height > window.innerHeight ? y - box.height - 12 : y + 16;
    tip.style.left = Math.max(left, 8) + "px";
    tip.style.top = Math.max(top, 8) + "px";
  }
  function hideTip() { tip.hidden = true; }

  marks.forEach(function (m) {
    var e = byId[m.getAttribute("data-id")];
    m.addEventListener("mousemove", function (ev) { showTip(e, ev.clientX, ev.clientY); });
    m.addEventListener("mouseleave", hideTip);
    m.addEventListener("focus", function () {
      var box = m.getBoundingClientRect();
      showTip(e, box.right, box.bottom);
    });
    m.addEventListener("blur", hideTip);
    m.addEventListener("click", function (ev) {
      ev.preventDefault();
      if (!dragged) { select(e.id); }
    });
  });

  Array.prototype.forEach.call(fig.querySelectorAll("[data-zoom]"), function (button) {
    button.addEventListener("click", function () {
      var how = button.getAttribute("data-zoom");
      if (how === "in") { zoom(0.25); }
      else if (how === "out") { zoom(4); }
      else { setView(full[0], full[1] - full[0]); }
    });
  });
  svg.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    zoom(ev.deltaY > 0 ? 1.25 : 0.8, timeAt(ev.clientX));
  }, { passive: false });
  svg.addEventListener("keydown", function (ev) {
    var span = view[1] - view[0];
    if (ev.key === "+" || ev.key === "=") { zoom(0.5); }
    else if (ev.key === "-" || ev.key === "_") { zoom(2); }
    else if (ev.key === "0") { setView(full[0], full[1] - full[0]); }
    else if (ev.key === "ArrowLeft") { setView(view[0] - span / 10, span); }
    else if (ev.key === "ArrowRight") { setView(view[0] + span / 10, span); }
    else { return; }
    ev.preventDefault();
  });
  var drag = null, dragged = false;
  svg.addEventListener("pointerdown", function (ev) {
    if (ev.button !== 0) { return; }
    drag = { x: ev.clientX, start: view[0], id: ev.pointerId };
    dragged = false;
  });
  svg.addEventListener("pointermove", function (ev) {
    if (!drag) { return; }
    var dx = ev.clientX - drag.x;
    if (!dragged && Math.abs(dx) < 4) { return; }
    if (!dragged) {
      dragged = true;
      svg.setPointerCapture(drag.id);
      svg.classList.add("dragging");
      hideTip();
    }
    var span = view[1] - view[0];
    setView(drag.start - dx / plotWidth() * span, span);
  });
  function endDrag() {
    drag = null;
    svg.classList.remove("dragging");
    setTimeout(function () { dragged = false; }, 0);
  }
  svg.addEventListener("pointerup", endDrag);
  svg.addEventListener("pointercancel", endDrag);
  window.addEventListener("resize", render);
  render();
}
