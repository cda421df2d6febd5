// modelmetrics HTML report: draws the embedded export with inline SVG and tables.
// No network access: everything the page shows is in the export embedded below.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const config = JSON.parse(document.getElementById("report-config").textContent);
  const SVG = "http://www.w3.org/2000/svg";
  const TYPE = data.modelType || "model";
  const DETECTION_LIKE = TYPE === "detection" || TYPE === "instance-segmentation";
  const KEYPOINTS = TYPE === "keypoints";
  // Okabe-Ito (colour-blind safe), then the same hues dashed.
  const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#000000",
                   "#7F7F7F"];
  const DASHES = ["", "6 3", "2 3", "8 3 2 3"];
  const HUE = { correct: [0, 114, 178], error: [213, 94, 0], neutral: [110, 110, 110] };
  // Labels of a confusion matrix that are not classes: shown last, never folded.
  const PINNED = ["background", "below threshold"];
  const splits = Object.keys(data.metrics || {});
  const state = {
    split: splits.includes("test") ? "test" : splits[0], view: "most-confused", filter: "",
    maxClasses: 7, values: "counts", lossX: "epoch", smoothing: 0, logY: false,
    thresholdIndex: {}, classIndex: {}, adjust: "", minPrecision: null, target: null,
  };

  // ------------------------------------------------------------------ helpers
  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function svgEl(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function show(id, visible) { $(id).hidden = !visible; }
  function metrics() { return data.metrics[state.split] || {}; }
  function splitData(key) { return (data[key] || {})[state.split]; }
  function isNum(v) { return typeof v === "number" && isFinite(v); }
  function matches(label) {
    return state.filter === "" || String(label).toLowerCase().includes(state.filter);
  }
  const GROUPED = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  // A metric value: integers with thousands separators, ratios with 4 decimals.
  function fmt(v) {
    if (v === null || v === undefined) return "\u2014";
    if (typeof v !== "number") return String(v);
    if (Number.isInteger(v)) return GROUPED.format(v);
    const a = Math.abs(v);
    if (a >= 1000) {
      return new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 }).format(v);
    }
    if (a !== 0 && a < 1e-4) return v.toExponential(2);
    return v.toFixed(4);
  }
  // Keys whose values are counts; every other metric is a real number, shown with its
  // decimals even when it happens to be whole (JSON writes 0.0 as 0).
  const COUNT_KEYS = new Set(["n-samples", "tp", "fp", "fn", "support", "pixels", "ignored-pixels",
                              "num-classes", "max-detections", "pairs", "index", "ignore-index"]);
  function fmtValue(v, key) {
    if (typeof v === "number" && Number.isInteger(v) && !COUNT_KEYS.has(key) && Math.abs(v) < 1e15) {
      return Math.abs(v) >= 1000 ? fmt(v) : v.toFixed(4);
    }
    return fmt(v);
  }
  // A count in at most about 5 characters: 12,345 -> 12.3k, 1,234,567 -> 1.23M.
  function abbrev(n) {
    const a = Math.abs(n);
    if (a < 10000) return GROUPED.format(n);
    for (const [size, unit] of [[1e12, "T"], [1e9, "B"], [1e6, "M"], [1e3, "k"]]) {
      if (a >= size) {
        const x = n / size;
        const digits = Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2;
        return String(Number(x.toFixed(digits))) + unit;
      }
    }
    return String(n);
  }
  function pct(v) { return isNum(v) ? (100 * v).toFixed(1) + "%" : "\u2014"; }
  function thresholdText(v) { return isNum(v) ? String(Number(v.toPrecision(4))) : "\u2014"; }
  // Seconds as words: 6.554e-4 -> "0.66 ms", 1105.4 -> "18 min 25 s".
  function duration(seconds) {
    if (!isNum(seconds)) return "\u2014";
    if (seconds < 1e-3) return (seconds * 1e6).toPrecision(2) + " \u00b5s";
    if (seconds < 1) return Number((seconds * 1e3).toPrecision(3)) + " ms";
    if (seconds < 60) return Number(seconds.toPrecision(3)) + " s";
    const s = Math.round(seconds);
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return h ? h + " h " + m + " min" : m + " min " + r + " s";
  }
  // RFC 3339 UTC text (up to nanoseconds) as milliseconds since the epoch.
  function parseStamp(text) {
    const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?Z$/.exec(String(text));
    if (!m) return null;
    const frac = m[7] ? Number("0." + m[7]) * 1000 : 0;
    return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) + frac;
  }
  function dateText(ms) {
    if (!isNum(ms)) return "\u2014";
    return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace("T", " ")
      .replace(".000Z", " UTC");
  }
  let measureCtx = null;
  function textWidth(text, size) {
    if (!measureCtx) measureCtx = document.createElement("canvas").getContext("2d");
    measureCtx.font = (size || 11) + 'px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
    return Math.ceil(measureCtx.measureText(String(text)).width) + 1;
  }
  function shorten(text, maxChars) {
    const s = String(text);
    return s.length > maxChars ? s.slice(0, Math.max(1, maxChars - 1)) + "\u2026" : s;
  }
  // Labels cut to maxChars; a prefix the long ones share (as in "class 001 ...",
  // "class 002 ...") is dropped first, so what tells them apart stays visible.
  function abbreviateLabels(labels, maxChars) {
    const long = labels.map(String).filter((l) => l.length > maxChars);
    let prefix = long.length > 1 ? long[0] : "";
    for (const l of long) while (prefix && !l.startsWith(prefix)) prefix = prefix.slice(0, -1);
    const cut = prefix.length > 3 ? prefix.length : 0;
    return labels.map((l) => {
      const s = String(l);
      return shorten(s.length > maxChars && cut ? "\u2026" + s.slice(cut) : s, maxChars);
    });
  }
  function styleOf(i) {
    return { color: PALETTE[i % PALETTE.length], dash: DASHES[Math.floor(i / PALETTE.length) % 4] };
  }

  // ----------------------------------------------------------------- names
  const NAMES = {
    "map": "mAP@[.50:.95]", "map50": "mAP@0.5", "map75": "mAP@0.75",
    "map-small": "mAP small objects", "map-medium": "mAP medium objects",
    "map-large": "mAP large objects",
    "mar": "mAR@[.50:.95]", "mar50": "mAR@0.5", "mar75": "mAR@0.75", "mar-1": "mAR@1",
    "mar-10": "mAR@10", "mar-100": "mAR@100", "mar-small": "mAR small objects",
    "mar-medium": "mAR medium objects", "mar-large": "mAR large objects",
    "matched-iou": "IoU (matched pairs)", "iou-threshold": KEYPOINTS ? "OKS threshold" : "IoU threshold",
    "score-threshold": "Score threshold", "max-detections": "Max detections per image and class",
    "accuracy": "Accuracy", "balanced-accuracy": "Balanced accuracy", "n-samples": "Samples",
    "micro-precision": "Precision (micro)", "micro-recall": "Recall (micro)",
    "micro-f1": "F1 (micro)", "macro-precision": "Precision (macro)",
    "macro-recall": "Recall (macro)", "macro-f1": "F1 (macro)",
    "weighted-precision": "Precision (weighted)", "weighted-recall": "Recall (weighted)",
    "weighted-f1": "F1 (weighted)",
    "mean-error": "Mean error", "max-error": "Max error",
    "mean-absolute-error": "Mean absolute error (MAE)",
    "mean-squared-error": "Mean squared error (MSE)", "r2-score": "R\u00b2",
    "explained-variance-score": "Explained variance",
    "mean-iou": "Mean IoU", "frequency-weighted-iou": "Frequency-weighted IoU",
    "pixel-accuracy": "Pixel accuracy", "mean-class-accuracy": "Mean class accuracy",
    "mean-dice": "Mean Dice", "mean-precision": "Mean precision", "num-classes": "Classes",
    "ignore-index": "Ignored label", "absent": "Absent classes count as", "pixels": "Pixels",
    "ignored-pixels": "Ignored pixels", "loss": "Loss",
  };
  const SIM = KEYPOINTS ? "OKS" : "IoU";
  const HINTS = {
    "map": "AP averaged over " + SIM + " 0.50 to 0.95 and classes",
    "map50": "AP at " + SIM + " \u2265 0.5, averaged over classes",
    "map75": "AP at " + SIM + " \u2265 0.75, averaged over classes",
    "matched-iou": "mean IoU of the true positives",
    "mar-100": "recall averaged over IoU 0.50 to 0.95, 100 detections per image",
    "mar": "recall averaged over OKS 0.50 to 0.95",
    "mean-iou": "intersection over union, averaged over classes",
    "pixel-accuracy": "share of pixels labelled right",
    "balanced-accuracy": "mean recall over classes",
    "r2-score": "share of the variance explained",
  };
  const COLUMNS = {
    "precision": "Precision", "recall": "Recall", "f1": "F1",
    "ap": DETECTION_LIKE || KEYPOINTS ? "AP@[.50:.95]" : "AP", "ap50": "AP@0.5", "ar": "AR",
    "iou": "IoU", "dice": "Dice", "accuracy": "Accuracy", "support": "Support", "tp": "TP",
    "fp": "FP", "fn": "FN", "best-f1": "Best F1", "best-f1-threshold": "Best-F1 threshold",
    "threshold": "Threshold",
    "index": "Index", "sigma": "Sigma", "oks": "Mean OKS term", "pairs": "Pairs",
  };
  const COLUMN_HINTS = {
    "tp": "true positives", "fp": "false positives", "fn": "false negatives",
    "iou": DETECTION_LIKE ? "mean IoU of the class's true positives" : "intersection over union",
    "support": TYPE === "semantic-segmentation" ? "pixels of the class" : "instances of the class",
    "best-f1-threshold": "score threshold of the best F1",
    "threshold": "the class's score threshold",
  };
  function humanName(key) {
    if (key in NAMES) return NAMES[key];
    const s = String(key).replace(/-/g, " ");
    return s.charAt(0).toUpperCase() + s.slice(1);
  }
  function columnHead(key) {
    const th = el("th", { scope: "col", "data-key": key });
    const name = COLUMNS[key] || humanName(key);
    if (COLUMN_HINTS[key]) th.appendChild(el("abbr", { title: COLUMN_HINTS[key] }, name));
    else th.textContent = name;
    return th;
  }

  // ----------------------------------------------------------------- tooltip
  const tooltip = $("tooltip");
  function showTip(text, x, y) {
    tooltip.textContent = text;
    tooltip.hidden = false;
    const w = tooltip.offsetWidth, h = tooltip.offsetHeight;
    const vw = document.documentElement.clientWidth, vh = window.innerHeight;
    let left = x + 14, top = y + 14;
    if (left + w > vw - 4) left = Math.max(4, x - w - 14);
    if (top + h > vh - 4) top = Math.max(4, y - h - 14);
    tooltip.style.left = left + "px";
    tooltip.style.top = top + "px";
  }
  function hideTip() { tooltip.hidden = true; }

  // ------------------------------------------------------------------ scales
  function niceStep(range, count, integer) {
    const raw = range / Math.max(count, 1);
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const norm = raw / mag;
    let step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
    if (integer) step = step < 1 ? 1 : (step === 2.5 * mag && mag >= 1 ? 2 * mag : step);
    return step;
  }
  function decimalsOf(step) {
    let d = 0;
    while (d < 10 && Math.abs(Math.round(step * Math.pow(10, d)) - step * Math.pow(10, d)) > 1e-9) d++;
    return d;
  }
  // Ticks at round numbers; the domain is widened to the outer ticks unless `exact`.
  function linearScale(lo, hi, count, opts) {
    opts = opts || {};
    if (!(hi > lo)) { const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1; lo -= opts.integer ? 1 : pad; hi += opts.integer ? 1 : pad; }
    const step = niceStep(hi - lo, count, opts.integer);
    const d0 = opts.exact ? lo : Math.floor(lo / step + 1e-9) * step;
    const d1 = opts.exact ? hi : Math.ceil(hi / step - 1e-9) * step;
    const ticks = [];
    for (let t = Math.ceil(d0 / step - 1e-9) * step; t <= d1 + step * 1e-9; t += step) {
      ticks.push(Number(t.toFixed(10)));
    }
    const digits = decimalsOf(step);
    const label = opts.format || ((v) => new Intl.NumberFormat("en-US", {
      minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v));
    return { d0: d0, d1: d1, ticks: ticks, label: label, map: (v) => (v - d0) / (d1 - d0) };
  }
  function logScale(lo, hi) {
    const e0 = Math.floor(Math.log10(lo)), e1 = Math.ceil(Math.log10(hi));
    const ticks = [];
    const mult = e1 - e0 <= 2 ? [1, 2, 5] : [1];
    for (let e = e0; e <= e1; e++) for (const m of mult) ticks.push(m * Math.pow(10, e));
    const d0 = Math.pow(10, e0), d1 = Math.pow(10, Math.max(e1, e0 + 1));
    const shown = ticks.filter((t) => t >= d0 && t <= d1);
    const label = (v) => (v >= 1e5 || v < 1e-3) ? v.toExponential(0)
      : new Intl.NumberFormat("en-US", { maximumSignificantDigits: 3 }).format(v);
    return { d0: d0, d1: d1, ticks: shown, label: label,
             map: (v) => (Math.log10(v) - Math.log10(d0)) / (Math.log10(d1) - Math.log10(d0)) };
  }

  // -------------------------------------------------------------- line chart
  // series: [{name, points: [[x, y]], color, dash, marks, faint, scatter}]
  function lineChart(target, series, opts) {
    const all = series.filter((s) => s.points.length);
    if (all.length === 0) {
      target.appendChild(el("p", { class: "empty" }, opts.empty || "Nothing to draw."));
      return null;
    }
    const width = Math.max(260, Math.min(opts.maxWidth || 760, target.clientWidth || 640));
    const height = opts.square ? Math.min(width, 420) : (opts.height || 280);
    let xs = [], ys = [];
    for (const s of all) for (const p of s.points) { xs.push(p[0]); ys.push(p[1]); }
    for (const extra of opts.extraY || []) ys.push(extra);
    let xMin = Math.min(...xs), xMax = Math.max(...xs), yMin = Math.min(...ys), yMax = Math.max(...ys);
    if (opts.xRange) [xMin, xMax] = opts.xRange;
    if (opts.yRange) [yMin, yMax] = opts.yRange;
    const xs_ = linearScale(xMin, xMax, Math.max(2, Math.floor(width / 90)),
      { integer: opts.xInteger, exact: !!opts.xRange || opts.xExact, format: opts.xFormat });
    const ys_ = opts.logY && yMin > 0 ? logScale(yMin, yMax)
      : linearScale(yMin, yMax, Math.max(2, Math.floor(height / 50)), { exact: !!opts.yRange });
    const yLabelW = Math.max(...ys_.ticks.map((t) => textWidth(ys_.label(t))));
    const L = 18 + 6 + yLabelW + 6, T = 10, B = 42;
    const lastX = xs_.ticks.length ? textWidth(xs_.label(xs_.ticks[xs_.ticks.length - 1])) : 0;
    const R = Math.max(14, Math.ceil(lastX / 2) + 4);
    const PAD = 6;  // curves never touch the frame
    const sx = (x) => L + PAD + xs_.map(x) * (width - L - R - 2 * PAD);
    const sy = (y) => height - B - PAD - ys_.map(y) * (height - T - B - 2 * PAD);
    const svg = svgEl("svg", { width: width, height: height, viewBox: "0 0 " + width + " " + height,
                               role: "img", id: opts.id, tabindex: "0",
                               "aria-label": opts.label || (opts.yLabel + " against " + opts.xLabel) });
    for (const t of ys_.ticks) {
      svg.appendChild(svgEl("line", { class: "grid", x1: L, x2: width - R, y1: sy(t), y2: sy(t) }));
      svg.appendChild(svgEl("text", { x: L - 6, y: sy(t) + 4, "text-anchor": "end", class: "tick" },
                            ys_.label(t)));
    }
    for (const t of xs_.ticks) {
      svg.appendChild(svgEl("line", { class: "grid", x1: sx(t), x2: sx(t), y1: T, y2: height - B }));
      svg.appendChild(svgEl("text", { x: sx(t), y: height - B + 15, "text-anchor": "middle",
                                      class: "tick x-tick" }, xs_.label(t)));
    }
    svg.appendChild(svgEl("line", { class: "axis", x1: L, x2: L, y1: T, y2: height - B }));
    svg.appendChild(svgEl("line", { class: "axis", x1: L, x2: width - R, y1: height - B, y2: height - B }));
    svg.appendChild(svgEl("text", { x: (L + width - R) / 2, y: height - 6, "text-anchor": "middle",
                                    class: "axis-title" }, opts.xLabel));
    const cy = (T + height - B) / 2;
    svg.appendChild(svgEl("text", { x: 12, y: cy, "text-anchor": "middle", class: "axis-title",
                                    transform: "rotate(-90 12 " + cy + ")" }, opts.yLabel));
    // Everything drawn from the data stays inside the plot area.
    const clipId = (opts.id || "chart") + "-clip";
    const clip = svgEl("clipPath", { id: clipId });
    clip.appendChild(svgEl("rect", { x: L + 1, y: T, width: width - R - L - 1, height: height - B - T }));
    svg.appendChild(clip);
    const plot = svgEl("g", { "clip-path": "url(#" + clipId + ")" });
    svg.appendChild(plot);
    if (opts.diagonal) {
      const lo = Math.max(xs_.d0, ys_.d0), hi = Math.min(xs_.d1, ys_.d1);
      plot.appendChild(svgEl("line", { class: "guide", x1: sx(lo), y1: sy(lo), x2: sx(hi), y2: sy(hi) }));
    }
    for (const band of opts.bands || []) {
      plot.appendChild(svgEl("line", { class: "guide band", "stroke-dasharray": "1 3",
                                       x1: sx(xs_.d0), y1: sy(xs_.d0 + band), x2: sx(xs_.d1),
                                       y2: sy(xs_.d1 + band) }));
    }
    const legend = el("div", { class: "legend" });
    series.forEach((s, i) => {
      const st = s.color ? { color: s.color, dash: s.dash || "" } : styleOf(i);
      if (s.points.length > 1 && !s.scatter) {
        const pts = s.points.map((p) => sx(p[0]).toFixed(1) + "," + sy(p[1]).toFixed(1)).join(" ");
        plot.appendChild(svgEl("polyline", { points: pts, fill: "none", stroke: st.color,
                                            "stroke-width": s.faint ? 1 : 2,
                                            "stroke-opacity": s.faint ? 0.3 : 1,
                                            "stroke-dasharray": st.dash, "data-series": s.name,
                                            class: s.faint ? "series faint" : "series" }));
      }
      if (s.points.length === 1 || s.scatter) {
        for (const p of s.points) {
          plot.appendChild(svgEl("circle", { cx: sx(p[0]), cy: sy(p[1]), r: s.scatter ? 2.5 : 4,
                                            fill: st.color, "fill-opacity": s.scatter ? 0.6 : 1,
                                            class: "point", "data-series": s.name }));
        }
      }
      for (const mark of s.marks || []) {
        plot.appendChild(svgEl("circle", { cx: sx(mark[0]), cy: sy(mark[1]), r: 5, fill: "#fff",
                                          stroke: st.color, "stroke-width": 2.5, class: "mark" }));
      }
      if (s.faint || s.noLegend) return;
      const item = el("span");
      item.appendChild(el("span", { class: "swatch", style: st.dash
        ? "background: repeating-linear-gradient(90deg," + st.color + " 0 6px, transparent 6px 9px)"
        : "background:" + st.color }));
      item.appendChild(document.createTextNode(s.name));
      legend.appendChild(item);
    });
    svg.scale = { sx: sx, sy: sy, x0: xs_.d0, x1: xs_.d1, y0: ys_.d0, y1: ys_.d1, T: T, B: height - B };
    target.appendChild(svg);
    if (opts.legend !== false && legend.childNodes.length) target.appendChild(legend);
    if (opts.hover) attachHover(svg, all.filter((s) => !s.faint || opts.hoverFaint), sx, sy,
                                { L: L, R: width - R, T: T, B: height - B }, opts.hover);
    return svg;
  }

  // Pointer and keyboard read-out: the points nearest the x under the pointer.
  function attachHover(svg, series, sx, sy, box, describe) {
    const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
    if (!xs.length) return;
    const guide = svgEl("line", { class: "guide", y1: box.T, y2: box.B, visibility: "hidden" });
    svg.appendChild(guide);
    let index = -1;
    function nearest(s, x) {
      let best = null;
      for (const p of s.points) if (best === null || Math.abs(p[0] - x) < Math.abs(best[0] - x)) best = p;
      return best;
    }
    function at(i, clientX, clientY) {
      index = Math.max(0, Math.min(xs.length - 1, i));
      const x = xs[index];
      guide.setAttribute("x1", sx(x)); guide.setAttribute("x2", sx(x));
      guide.setAttribute("visibility", "visible");
      const lines = [describe(x)];
      for (const s of series) {
        const p = nearest(s, x);
        if (p && p[0] === x) lines.push(s.name + ": " + fmt(p[1]));
      }
      if (clientX === undefined) {
        const r = svg.getBoundingClientRect();
        clientX = r.left + sx(x); clientY = r.top + box.T;
      }
      showTip(lines.join("\n"), clientX, clientY);
      svg.setAttribute("data-hover-x", String(x));
    }
    svg.addEventListener("pointermove", (ev) => {
      const r = svg.getBoundingClientRect();
      const px = ev.clientX - r.left;
      let best = 0;
      for (let i = 0; i < xs.length; i++) if (Math.abs(sx(xs[i]) - px) < Math.abs(sx(xs[best]) - px)) best = i;
      at(best, ev.clientX, ev.clientY);
    });
    function leave() { guide.setAttribute("visibility", "hidden"); hideTip(); }
    svg.addEventListener("pointerleave", leave);
    svg.addEventListener("blur", leave);
    svg.addEventListener("focus", () => at(index < 0 ? 0 : index));
    svg.addEventListener("keydown", (ev) => {
      const steps = { ArrowLeft: -1, ArrowRight: 1, Home: -xs.length, End: xs.length };
      if (ev.key in steps) { at(index + steps[ev.key]); ev.preventDefault(); }
      else if (ev.key === "Escape") leave();
    });
  }

  function barChart(target, bins, opts) {
    const series = [{ name: opts.name, points: bins.map((b) => [(b[0] + b[1]) / 2, b[2]]),
                      color: PALETTE[0], noLegend: true, scatter: true }];
    const svg = lineChart(target, series, { id: opts.id, xLabel: opts.xLabel, yLabel: opts.yLabel,
      xRange: [bins[0][0], bins[bins.length - 1][1]], extraY: [0], legend: false,
      label: opts.label });
    if (!svg) return;
    // Bars in place of the points, from the zero line.
    const sc = svg.scale;
    const zero = sc.sy(0);
    const bw = Math.max(1, (sc.sx(bins[0][1]) - sc.sx(bins[0][0])) - 1);
    svg.querySelectorAll("circle.point").forEach((c, i) => {
      const top = sc.sy(bins[i][2]);
      const rect = svgEl("rect", { x: sc.sx(bins[i][0]) + 0.5, y: Math.min(top, zero), width: bw,
                                   height: Math.max(0, Math.abs(zero - top)), fill: PALETTE[0],
                                   class: "bar", "data-count": bins[i][2] });
      rect.appendChild(svgEl("title", {}, fmt(bins[i][0]) + " to " + fmt(bins[i][1]) + ": " +
                                          GROUPED.format(bins[i][2])));
      c.replaceWith(rect);
    });
    for (const v of opts.markers || []) {
      if (v < sc.x0 || v > sc.x1) continue;
      svg.appendChild(svgEl("line", { class: "guide marker", x1: sc.sx(v), x2: sc.sx(v), y1: sc.T, y2: zero }));
    }
  }

  // ----------------------------------------------------------------- header
  function renderHeader() {
    const status = $("status");
    const took = "took " + duration(data.duration);
    const started = isNum(data.startTime) ? "started " + dateText(data.startTime * 1000) + ", " : "";
    if (data.successful === false) {
      status.className = "failed";
      status.textContent = "Evaluation failed: " + (data.error || "unknown error");
    } else {
      status.textContent = (data.running ? "Running: " : "") + started + took;
    }
    const select = $("split-select");
    for (const s of splits) select.appendChild(el("option", { value: s }, s));
    select.value = state.split;
    select.addEventListener("change", () => { state.split = select.value; renderSplit(); });
    $("export-button").addEventListener("click", exportAll);
  }

  function exportAll() {
    const out = Object.assign({}, data);
    const chosen = {};
    for (const [split, i] of Object.entries(state.thresholdIndex)) {
      const counts = (data.thresholdCounts || {})[split];
      const own = state.classIndex[split] || {};
      if (!counts || (i === defaultThresholdIndex(split) && !Object.keys(own).length)) continue;
      chosen[split] = { threshold: counts.thresholds[i] };
      if (Object.keys(own).length) {
        chosen[split]["per-class"] = {};
        for (const [name, j] of Object.entries(own)) chosen[split]["per-class"][name] = counts.thresholds[j];
      }
    }
    if (Object.keys(chosen).length) out.chosenThresholds = chosen;
    const text = JSON.stringify(out, null, 2) + "\n";
    const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    const link = el("a", { href: url, download: TYPE + "-metrics.json" });
    link.hidden = true;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  // --------------------------------------------------------------- headline
  function accuracyLabel(acc) {
    if (!acc || acc.threshold === null || acc.threshold === undefined) {
      return TYPE === "semantic-segmentation" ? "Pixel accuracy" : "Accuracy";
    }
    if (TYPE === "regression") return "Accuracy within \u00b1" + thresholdText(acc.threshold);
    return "Accuracy @ " + thresholdText(acc.threshold);
  }
  function accuracyHint(acc) {
    const m = metrics();
    const t = acc && isNum(acc.threshold) ? thresholdText(acc.threshold) : null;
    if (TYPE === "regression") return "share of predictions within " + t + " of the actual value";
    if (TYPE === "semantic-segmentation") return "share of pixels labelled right";
    if (DETECTION_LIKE || KEYPOINTS) {
      const what = KEYPOINTS ? "OKS" : "IoU";
      return "TP / (TP + FP + FN), score \u2265 " + t + ", " + what + " \u2265 " +
        thresholdText(m["iou-threshold"]);
    }
    if (t === null) return "share of samples predicted right";
    const counts = splitData("thresholdCounts");
    if (counts && counts.rule === "positive-class") {
      return "\u201c" + counts["positive-class"] + "\u201d predicted when its probability \u2265 " + t;
    }
    return "right when the most probable class is true and its probability \u2265 " + t;
  }
  function renderHeadline() {
    const box = $("headline-metrics");
    clear(box);
    const m = metrics();
    const cards = [];
    for (const key of config.headline) if (key in m) cards.push([key, humanName(key), m[key], HINTS[key]]);
    const loss = (data.splitLosses || {})[state.split];
    if (isNum(loss)) cards.push(["loss", "Loss", loss, "the split's loss"]);
    const acc = (data.accuracies || {})[state.split];
    // Without a threshold the accuracy is a headline metric already (accuracy, pixel accuracy).
    const same = acc && !isNum(acc.threshold) &&
      cards.some((c) => (c[0] === "accuracy" || c[0] === "pixel-accuracy") && c[2] === acc.accuracy);
    if (acc && !same) cards.push(["accuracy-at-threshold", accuracyLabel(acc), acc.accuracy, accuracyHint(acc)]);
    const intervals = (analysis() || {}).intervals || {};
    for (const [key, name, value, hint] of cards) {
      const card = el("div", { class: "card", "data-metric": key });
      card.appendChild(el("div", { class: "name" }, name));
      card.appendChild(el("div", { class: "value" }, fmtValue(value, key)));
      const ci = intervals[key];
      if (ci && isNum(ci.low) && isNum(ci.high)) card.appendChild(whisker(ci, value, key));
      if (hint) card.appendChild(el("div", { class: "hint" }, hint));
      box.appendChild(card);
    }
    const notes = $("headline-notes");
    clear(notes);
    const lines = [];
    if (DETECTION_LIKE || KEYPOINTS) {
      const what = KEYPOINTS ? "OKS" : "IoU";
      lines.push("TP, FP, FN, precision, recall, F1" + (DETECTION_LIKE ? ", IoU and the confusion matrix" : "") +
        " count a detection as a true positive when its " + what +
        " with an unmatched ground truth of its class is \u2265 " + thresholdText(m["iou-threshold"]) +
        " and its score is \u2265 " + thresholdText(m["score-threshold"]) + ", keeping at most " +
        fmt(m["max-detections"]) + " detections per image and class.");
      lines.push("mAP and mAR sweep every score and average " + what +
        " thresholds 0.50, 0.55, \u2026, 0.95 (COCO); mAP@0.5 uses " + what + " \u2265 0.5 only.");
      if (DETECTION_LIKE) {
        lines.push("IoU (matched pairs): the mean " + (TYPE === "instance-segmentation" ? "mask " : "box ") +
          "IoU of the true positives above.");
      }
    }
    if (TYPE === "semantic-segmentation") {
      lines.push("IoU per class: pixels of the class in both truth and prediction over pixels in either.");
    }
    for (const line of lines) notes.appendChild(el("li", {}, line));
  }

  function renderAllMetrics() {
    const table = $("all-metrics-table");
    clear(table);
    const m = metrics();
    const rows = Object.entries(m).filter(([, v]) => v === null || typeof v !== "object");
    show("all-metrics-section", rows.length > 0);
    const head = el("tr");
    head.appendChild(el("th", { scope: "col" }, "Metric"));
    head.appendChild(el("th", { scope: "col" }, "Value"));
    head.appendChild(el("th", { scope: "col", class: "text key" }, "Key in the export"));
    table.appendChild(el("thead")).appendChild(head);
    const body = table.appendChild(el("tbody"));
    for (const [key, value] of rows) {
      const tr = el("tr", { "data-key": key });
      tr.appendChild(el("td", { title: key }, humanName(key)));
      tr.appendChild(el("td", {}, fmtValue(value, key)));
      tr.appendChild(el("td", { class: "muted text key" }, key));
      body.appendChild(tr);
    }
  }

  // ------------------------------------------------------------------- loss
  function lossSeries() {
    const stamps = (data.lossTimestamps || []).map(parseStamp);
    const timed = stamps.length > 0 && stamps.every(isNum);
    const t0 = timed ? stamps[0] : 0;
    return { timed: timed, stamps: stamps, t0: t0 };
  }
  function smooth(points, s) {
    if (!(s > 0)) return points;
    let last = 0;
    return points.map((p, i) => {
      last = last * s + (1 - s) * p[1];
      return [p[0], last / (1 - Math.pow(s, i + 1))];
    });
  }
  function renderLoss() {
    const box = $("loss-chart");
    clear(box);
    hideTip();
    const losses = data.losses || [], valid = data.validationLosses || [];
    const has = losses.some(isNum) || valid.some(isNum);
    show("loss-section", has);
    if (!has) return;
    const info = lossSeries();
    $("loss-x-label").hidden = !info.timed;
    if (!info.timed) state.lossX = "epoch";
    const byTime = state.lossX === "time";
    const total = info.timed ? (info.stamps[info.stamps.length - 1] - info.t0) / 1000 : 0;
    const unit = total < 120 ? [1, "s"] : total < 7200 ? [60, "min"] : total < 172800 ? [3600, "h"] : [86400, "days"];
    const xOf = (i) => byTime ? (info.stamps[i] - info.t0) / 1000 / unit[0] : i + 1;
    const positive = [...losses, ...valid].filter(isNum).every((v) => v > 0);
    const logBox = $("loss-log");
    logBox.disabled = !positive;
    logBox.title = positive ? "" : "a log scale needs every loss > 0";
    const logY = state.logY && positive;
    const series = [];
    const conv = data.lossConvergence || {};
    const add = (values, name, color, monitored) => {
      const pts = [];
      values.forEach((v, i) => { if (isNum(v)) pts.push([xOf(i), v]); });
      if (!pts.length) return;
      const marks = monitored && conv.monitored === monitored && isNum(conv["best-index"]) &&
        isNum(values[conv["best-index"]]) ? [[xOf(conv["best-index"]), values[conv["best-index"]]]] : [];
      if (state.smoothing > 0 && pts.length > 1) {
        series.push({ name: name + " (raw)", points: pts, color: color, faint: true });
        series.push({ name: name + " (smoothed)", points: smooth(pts, state.smoothing), color: color, marks: marks });
      } else {
        series.push({ name: name, points: pts, color: color, marks: marks });
      }
    };
    add(losses, "training loss", PALETTE[0], "training");
    add(valid, "validation loss", PALETTE[1], "validation");
    const describe = (x) => {
      if (byTime) return "elapsed " + Number(x.toPrecision(4)) + " " + unit[1];
      const i = x - 1;
      const stamp = info.timed ? " \u00b7 " + dateText(info.stamps[i]) : "";
      return "epoch " + x + stamp;
    };
    lineChart(box, series, {
      id: "loss-svg", xLabel: byTime ? "elapsed time (" + unit[1] + ")" : "epoch",
      yLabel: "loss" + (logY ? " (log scale)" : ""), xInteger: !byTime, xExact: true, logY: logY,
      hover: describe, label: "Loss over time", hoverFaint: false,
    });
    const summary = $("loss-summary");
    if (!isNum(conv["best-loss"])) { summary.textContent = ""; return; }
    const when = conv["best-timestamp"] ? " on " + dateText(parseStamp(conv["best-timestamp"])) : "";
    summary.textContent = "Best " + conv.monitored + " loss " + fmt(conv["best-loss"]) +
      " at epoch " + (conv["best-index"] + 1) + when + "; " +
      (conv.plateaued ? "plateaued: no improvement in the last " + conv["entries-since-best"] +
        " epochs (patience " + conv.patience + ")."
                      : "still improving (no plateau over " + conv.patience + " epochs).");
  }

  // --------------------------------------------------------------- per class
  const CLASS_COLUMNS = ["precision", "recall", "f1", "iou", "ap", "ap50", "ar", "accuracy",
                         "tp", "fp", "fn", "support", "best-f1", "best-f1-threshold"];
  const SEMANTIC_COLUMNS = ["iou", "dice", "precision", "recall", "f1", "support"];
  function classNames() {
    const m = metrics();
    if (m["per-class"]) return Object.keys(m["per-class"]);
    return [];
  }
  function emptyRow(body, span, what) {
    const tr = el("tr", { class: "empty-row" });
    tr.appendChild(el("td", { colspan: span, class: "empty" },
      "No " + what + " matches \u201c" + state.filter + "\u201d."));
    body.appendChild(tr);
  }
  function renderFilterStatus() {
    const names = classNames();
    const bar = $("filter-bar");
    bar.hidden = names.length === 0;
    const shown = names.filter(matches).length;
    const plural = (n) => n + (n === 1 ? " class" : " classes");
    $("filter-status").textContent = state.filter === "" ? plural(names.length)
      : shown === 0 ? "no class matches" : shown + " of " + plural(names.length);
  }
  function renderPerClass() {
    const table = $("per-class-table");
    clear(table);
    const perClass = metrics()["per-class"];
    show("per-class-section", !!perClass);
    if (!perClass) return;
    const m = metrics();
    $("per-class-note").textContent = (DETECTION_LIKE || KEYPOINTS)
      ? "Counts at " + (KEYPOINTS ? "OKS" : "IoU") + " \u2265 " + thresholdText(m["iou-threshold"]) +
        " and score \u2265 " + thresholdText(m["score-threshold"]) + "; AP sweeps every score."
      : TYPE === "classification" ? "Each sample predicted as its most probable class."
      : "";
    const wanted = TYPE === "semantic-segmentation" ? SEMANTIC_COLUMNS : CLASS_COLUMNS;
    const columns = wanted.filter((c) => Object.values(perClass).some((row) => row && c in row));
    const head = el("tr");
    head.appendChild(el("th", { scope: "col" }, "Class"));
    for (const c of columns) head.appendChild(columnHead(c));
    table.appendChild(el("thead")).appendChild(head);
    const body = table.appendChild(el("tbody"));
    let n = 0;
    for (const [label, row] of Object.entries(perClass)) {
      if (!matches(label)) continue;
      n++;
      const tr = el("tr", { "data-class": label });
      tr.appendChild(el("th", { scope: "row", title: label }, label));
      for (const c of columns) tr.appendChild(el("td", { "data-key": c }, fmtValue(row[c], c)));
      body.appendChild(tr);
    }
    if (n === 0) emptyRow(body, columns.length + 1, "class");
  }

  const KEYPOINT_COLUMNS = ["index", "sigma", "oks", "pairs"];
  function renderPerKeypoint() {
    const table = $("per-keypoint-table");
    clear(table);
    const perKeypoint = metrics()["per-keypoint"];
    show("per-keypoint-section", !!perKeypoint);
    if (!perKeypoint) return;
    const head = el("tr");
    head.appendChild(el("th", { scope: "col" }, "Keypoint"));
    for (const c of KEYPOINT_COLUMNS) head.appendChild(columnHead(c));
    table.appendChild(el("thead")).appendChild(head);
    const body = table.appendChild(el("tbody"));
    for (const [name, row] of Object.entries(perKeypoint)) {
      const tr = el("tr", { "data-keypoint": name });
      tr.appendChild(el("th", { scope: "row" }, name));
      for (const c of KEYPOINT_COLUMNS) tr.appendChild(el("td", {}, fmtValue(row[c], c)));
      body.appendChild(tr);
    }
  }

  // ------------------------------------------------------------------ curves
  function classStyles() {
    const styles = {};
    classNames().forEach((name, i) => { styles[name] = styleOf(i); });
    return styles;
  }
  function renderCurves() {
    const perClass = metrics()["per-class"] || {};
    const plots = splitData("plots") || {};
    const styles = classStyles();
    // Precision-recall: detection and keypoints from the metrics, classification from plots.
    const pr = $("pr-curves");
    clear(pr);
    const prSeries = [];
    let hasPr = false;
    const sources = Object.keys(plots["pr-curves"] || {}).length ? plots["pr-curves"] : null;
    for (const [label, row] of Object.entries(sources || perClass)) {
      const curve = sources ? row : row && row["pr-curve"];
      if (!curve) continue;
      hasPr = true;
      if (!matches(label)) continue;
      const pts = [];
      curve.recall.forEach((r, i) => { if (isNum(r) && isNum(curve.precision[i])) pts.push([r, curve.precision[i]]); });
      prSeries.push(Object.assign({ name: label, points: pts }, styles[label] || {}));
    }
    show("pr-section", hasPr);
    $("pr-note").textContent = sources ? "One class against the rest, every probability as a threshold."
      : "At " + (KEYPOINTS ? "OKS" : "IoU") + " \u2265 " + thresholdText(metrics()["iou-threshold"]) +
        ", every score as a threshold.";
    if (hasPr) {
      lineChart(pr, prSeries, { id: "pr-svg", xLabel: "recall", yLabel: "precision", xRange: [0, 1],
        yRange: [0, 1], square: true, maxWidth: 520, empty: "No class matches \u201c" + state.filter + "\u201d.",
        hover: (x) => "recall " + x.toFixed(3), label: "Precision-recall curves" });
    }
    // ROC: classification.
    const roc = $("roc-curves");
    clear(roc);
    const rocData = plots["roc-curves"] || {};
    show("roc-section", Object.keys(rocData).length > 0);
    if (Object.keys(rocData).length) {
      const series = [];
      for (const [label, curve] of Object.entries(rocData)) {
        if (!matches(label)) continue;
        series.push(Object.assign({ name: label + " (AUC " + (isNum(curve.auc) ? curve.auc.toFixed(3) : "\u2014") + ")",
                                    points: curve.fpr.map((x, i) => [x, curve.tpr[i]]) }, styles[label] || {}));
      }
      lineChart(roc, series, { id: "roc-svg", xLabel: "false positive rate", yLabel: "true positive rate",
        xRange: [0, 1], yRange: [0, 1], square: true, maxWidth: 520, diagonal: true,
        empty: "No class matches \u201c" + state.filter + "\u201d.",
        hover: (x) => "false positive rate " + x.toFixed(3), label: "ROC curves" });
    }
    // F1 against the score threshold: detection.
    const f1 = $("f1-curves");
    clear(f1);
    const f1Series = [];
    let hasF1 = false;
    for (const [label, row] of Object.entries(perClass)) {
      const curve = row && row["pr-curve"];
      if (!curve || !curve.thresholds || !DETECTION_LIKE) continue;
      hasF1 = true;
      if (!matches(label)) continue;
      const pts = [];
      curve.thresholds.forEach((t, i) => {
        const p = curve.precision[i], r = curve.recall[i];
        if (isNum(t) && isNum(p) && isNum(r)) pts.push([t, p + r > 0 ? 2 * p * r / (p + r) : 0]);
      });
      pts.sort((a, b) => a[0] - b[0]);
      const marks = isNum(row["best-f1"]) && isNum(row["best-f1-threshold"])
        ? [[row["best-f1-threshold"], row["best-f1"]]] : [];
      f1Series.push(Object.assign({ name: label, points: pts, marks: marks }, styles[label] || {}));
    }
    show("f1-section", hasF1);
    if (hasF1) {
      lineChart(f1, f1Series, { id: "f1-svg", xLabel: "score threshold", yLabel: "F1", yRange: [0, 1],
        empty: "No class matches \u201c" + state.filter + "\u201d.",
        hover: (x) => "score \u2265 " + Number(x.toPrecision(4)), label: "F1 against the score threshold" });
    }
  }

  // -------------------------------------------------------------- regression
  function renderRegression() {
    const plots = (splitData("plots") || {}).regression;
    show("regression-section", !!plots);
    const scatter = $("scatter-chart"), resid = $("residual-chart");
    clear(scatter); clear(resid);
    if (!plots) return;
    const targets = Object.keys(plots);
    const select = $("target-select");
    if (select.options.length !== targets.length) {
      clear(select);
      for (const t of targets) select.appendChild(el("option", { value: t }, t));
    }
    $("target-label").hidden = targets.length < 2;
    if (!targets.includes(state.target)) state.target = targets[0];
    select.value = state.target;
    const p = plots[state.target];
    const pts = p.actual.map((a, i) => [a, p.predicted[i]]);
    const tol = isNum(p.tolerance) ? p.tolerance : null;
    $("scatter-note").textContent = (p.samples > pts.length ? GROUPED.format(pts.length) + " of " +
      GROUPED.format(p.samples) + " samples, evenly spaced. " : GROUPED.format(p.samples) + " samples. ") +
      "The dashed diagonal is a perfect prediction" + (tol !== null ? "; the dotted lines are \u00b1" +
      thresholdText(tol) + ", the accuracy's tolerance." : ".");
    const lo = Math.min(...p.actual, ...p.predicted), hi = Math.max(...p.actual, ...p.predicted);
    lineChart(scatter, [{ name: "sample", points: pts, color: PALETTE[0], scatter: true, noLegend: true }],
      { id: "scatter-svg", xLabel: "actual " + state.target, yLabel: "predicted", xRange: [lo, hi],
        yRange: [lo, hi], square: true, maxWidth: 520, diagonal: true, legend: false,
        bands: tol !== null ? [-tol, tol] : [], label: "Predicted against actual values" });
    const edges = p["residual-edges"], counts = p["residual-counts"];
    barChart(resid, counts.map((c, i) => [edges[i], edges[i + 1], c]), {
      id: "residual-svg", xLabel: "residual (predicted \u2212 actual)", yLabel: "samples",
      name: "residuals", markers: tol !== null ? [-tol, 0, tol] : [0],
      label: "Histogram of the residuals" });
  }

  // -------------------------------------------------------- confusion matrix
  // The same ranking as modelmetrics.classification.confusion_view, with labels in
  // PINNED kept apart (shown last, never filtered or folded).
  function confusionView(labels, matrix, order, wanted, maxClasses) {
    const n = labels.length;
    const pinned = [...Array(n).keys()].filter((i) => PINNED.includes(labels[i]));
    const rows = matrix.map((r) => r.reduce((a, b) => a + b, 0));
    const cols = labels.map((_, j) => matrix.reduce((a, r) => a + r[j], 0));
    const score = labels.map((_, i) => order === "most-confused"
      ? rows[i] + cols[i] - 2 * matrix[i][i] : rows[i]);
    const candidates = [...Array(n).keys()].filter((i) => !pinned.includes(i) && wanted(labels[i]));
    const ranked = candidates.slice().sort((a, b) => (score[b] - score[a]) || (a - b));
    const shown = ranked.slice(0, maxClasses);
    const rest = [...Array(n).keys()].filter((i) => !shown.includes(i) && !pinned.includes(i));
    const groups = shown.map((i) => [i]);
    const names = shown.map((i) => labels[i]);
    const kinds = shown.map(() => "class");
    if (rest.length) { groups.push(rest); names.push("other"); kinds.push("other"); }
    for (const i of pinned) { groups.push([i]); names.push(labels[i]); kinds.push("pinned"); }
    const out = groups.map((rg) => groups.map((cg) => {
      let s = 0;
      for (const r of rg) for (const c of cg) s += matrix[r][c];
      return s;
    }));
    return { labels: names, matrix: out, kinds: kinds, folded: rest.map((i) => labels[i]),
             candidates: candidates.length };
  }
  function mix(rgb, t) {
    const c = rgb.map((v) => Math.round(255 + (v - 255) * Math.max(0, Math.min(1, t))));
    return "rgb(" + c.join(",") + ")";
  }
  function drawMatrix(target, cm, opts) {
    clear(target);
    const view = confusionView(cm.labels.map(String), cm.matrix, state.view, matches, state.maxClasses);
    if (view.candidates === 0) {
      target.appendChild(el("p", { class: "empty" }, "No class matches \u201c" + state.filter + "\u201d."));
      return view;
    }
    // A pinned row that is all zeros (no true "below threshold") is not drawn.
    const rowIdx = view.labels.map((_, i) => i).filter((i) =>
      view.kinds[i] !== "pinned" || view.matrix[i].some((v) => v !== 0));
    const k = view.labels.length;
    const maxChars = k > 50 ? 10 : k > 25 ? 16 : 28;
    const shortLabels = abbreviateLabels(view.labels, maxChars);
    const labelW = Math.max(...shortLabels.map((l) => textWidth(l)));
    const AXIS = 18;
    const L = AXIS + 8 + labelW + 8;
    const T = AXIS + 8 + Math.ceil(labelW * 0.7071) + 14;
    let cell = k <= 12 ? 58 : k <= 25 ? 40 : k <= 50 ? 26 : 16;
    const R0 = Math.max(10, Math.ceil(labelW * 0.7071) + 8);
    const room = (target.clientWidth || 800) - L - R0;
    if (k * cell > room && cell > 34) cell = Math.max(34, Math.floor(room / k));
    const inCell = cell >= 34;
    const R = Math.max(10, Math.ceil(labelW * 0.7071) - cell / 2 + 8);
    const W = L + k * cell + R, H = T + rowIdx.length * cell + 10;
    const svg = svgEl("svg", { width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img",
                               id: opts.id, "data-labels": JSON.stringify(view.labels),
                               "data-view": state.view, "data-values": state.values,
                               "aria-label": "Confusion matrix, rows true class, columns predicted class" });
    // Axis titles at the start of the axes, where they are seen even when the matrix scrolls.
    const big = k > 12;
    const px = big ? L : L + k * cell / 2;
    svg.appendChild(svgEl("text", { x: px, y: 14, "text-anchor": big ? "start" : "middle",
                                    class: "axis-title" }, "Predicted class"));
    const cy = big ? T : T + rowIdx.length * cell / 2;
    svg.appendChild(svgEl("text", { x: 12, y: cy, "text-anchor": big ? "end" : "middle", class: "axis-title",
                                    transform: "rotate(-90 12 " + cy + ")" }, "True class"));
    const rowSums = view.matrix.map((r) => r.reduce((a, b) => a + b, 0));
    view.labels.forEach((label, j) => {
      const x = L + j * cell + cell / 2, y = T - 8;
      const t = svgEl("text", { x: x, y: y, "text-anchor": "start", class: "col-label",
                                transform: "rotate(-45 " + x + " " + y + ")" }, shortLabels[j]);
      t.appendChild(svgEl("title", {}, label));
      svg.appendChild(t);
    });
    rowIdx.forEach((i, r) => {
      const label = view.labels[i];
      const t = svgEl("text", { x: L - 8, y: T + r * cell + cell / 2 + 4, "text-anchor": "end",
                                class: "row-label" }, shortLabels[i]);
      t.appendChild(svgEl("title", {}, label));
      svg.appendChild(t);
      view.matrix[i].forEach((v, j) => {
        const share = rowSums[i] ? v / rowSums[i] : 0;
        const notClass = view.kinds[i] !== "class" || view.kinds[j] !== "class";
        const hue = i === j ? (notClass ? HUE.neutral : HUE.correct) : HUE.error;
        const kind = i === j ? (notClass ? "neutral" : "correct") : "error";
        const rect = svgEl("rect", { x: L + j * cell, y: T + r * cell, width: cell - 1,
                                     height: cell - 1, fill: v ? mix(hue, 0.12 + 0.88 * share) : "#fff",
                                     stroke: "#e4e7eb", class: "cell " + kind, "data-row": label,
                                     "data-col": view.labels[j], "data-count": v,
                                     "data-share": share });
        rect.appendChild(svgEl("title", {}, "true " + label + ", predicted " + view.labels[j] + ": " +
          GROUPED.format(v) + (rowSums[i] ? " (" + pct(share) + " of the row)" : "")));
        svg.appendChild(rect);
        if (inCell) {
          const text = state.values === "row" ? (rowSums[i] ? (100 * share).toFixed(share < 0.1 ? 1 : 0) + "%" : "\u2014")
            : abbrev(v);
          const tx = svgEl("text", { x: L + j * cell + cell / 2, y: T + r * cell + cell / 2 + 4,
                                     "text-anchor": "middle", class: "cell-text",
                                     fill: share > 0.55 && v ? "#fff" : "#1f2933" }, text);
          tx.style.fill = share > 0.55 && v ? "#fff" : "#1f2933";
          tx.style.pointerEvents = "none";
          if (cell < 44) tx.style.fontSize = "10px";
          svg.appendChild(tx);
        }
      });
    });
    target.appendChild(svg);
    const bar = el("div", { class: "colorbar", "aria-hidden": "true" });
    const grad = (rgb) => "background: linear-gradient(90deg," + mix(rgb, 0.12) + "," + mix(rgb, 1) + ")";
    for (const [name, rgb] of [["correct", HUE.correct], ["errors", HUE.error]]) {
      const item = el("span");
      item.appendChild(document.createTextNode(name + " 0%"));
      item.appendChild(el("span", { class: "bar", style: grad(rgb) }));
      item.appendChild(document.createTextNode("100% of the row"));
      bar.appendChild(item);
    }
    const neutral = rowIdx.filter((i) => view.kinds[i] !== "class").map((i) => view.labels[i]);
    if (neutral.length) {
      const item = el("span");
      item.appendChild(el("span", { class: "swatch box", style: "background:" + mix(HUE.neutral, 0.6) }));
      item.appendChild(document.createTextNode(neutral.map((l) => "\u201c" + l + "\u201d").join(", ") +
        " against itself: not a correct prediction"));
      bar.appendChild(item);
    }
    target.appendChild(bar);
    return view;
  }
  function confusionNote(view) {
    const parts = ["Rows: true class; columns: predicted class."];
    if (!view) return "";
    if (view.folded.length) parts.push("\u201cother\u201d sums " + view.folded.length + " classes.");
    if (view.labels.includes("background")) {
      parts.push("\u201cbackground\u201d column: missed objects; row: detections matching no object.");
    }
    if (view.labels.includes("below threshold")) {
      parts.push("\u201cbelow threshold\u201d: samples whose top probability is under the threshold.");
    }
    if (view.labels.length > 25) parts.push("Long names are shortened; hover a label for the full name.");
    else if (view.labels.length > 12) parts.push("Hover a cell for its count.");
    return parts.join(" ");
  }
  function renderConfusion() {
    const box = $("confusion-chart");
    const cm = metrics()["confusion-matrix"];
    show("confusion-section", !!cm);
    clear(box);
    if (!cm) return;
    const n = cm.labels.filter((l) => !PINNED.includes(String(l))).length;
    $("max-classes").max = String(Math.max(1, n));
    const view = drawMatrix(box, cm, { id: "confusion-svg" });
    $("confusion-note").textContent = confusionNote(view);
  }

  // ----------------------------------------------------------- thresholds
  function defaultThresholdIndex(split) {
    const counts = (data.thresholdCounts || {})[split];
    if (!counts) return 0;
    const acc = (data.accuracies || {})[split];
    const m = data.metrics[split] || {};
    const t = acc && isNum(acc.threshold) ? acc.threshold : m["score-threshold"];
    let best = 0;
    counts.thresholds.forEach((v, i) => { if (Math.abs(v - t) < Math.abs(counts.thresholds[best] - t)) best = i; });
    return best;
  }
  // P/R/F1 and counts with each class at its grid index, as the Python API computes them.
  function thresholdMetrics(counts, indexOf) {
    const names = Object.keys(counts.tp);
    const rows = {};
    let TP = 0, FP = 0, FN = 0, N = 0;
    for (const name of names) {
      const i = indexOf(name);
      const tp = counts.tp[name][i], fp = counts.fp[name][i], support = counts.support[name];
      const fn = support - tp;
      rows[name] = { threshold: counts.thresholds[i],
                     precision: tp + fp ? tp / (tp + fp) : null, recall: support ? tp / support : null,
                     f1: 2 * tp + fp + fn ? 2 * tp / (2 * tp + fp + fn) : null, tp: tp, fp: fp, fn: fn,
                     support: support };
      TP += tp; FP += fp; FN += fn; N += support;
    }
    const detection = counts.rule === "detection-score";
    const accuracy = detection ? (TP + FP + FN ? TP / (TP + FP + FN) : null) : (N ? TP / N : null);
    return { rows: rows, tp: TP, fp: FP, fn: FN, accuracy: accuracy,
             precision: TP + FP ? TP / (TP + FP) : null, recall: TP + FN ? TP / (TP + FN) : null,
             f1: 2 * TP + FP + FN ? 2 * TP / (2 * TP + FP + FN) : null };
  }
  function renderThreshold() {
    const counts = splitData("thresholdCounts");
    show("threshold-section", !!counts);
    if (!counts) return;
    const slider = $("threshold-slider");
    slider.max = String(counts.thresholds.length - 1);
    if (!(state.split in state.thresholdIndex)) state.thresholdIndex[state.split] = defaultThresholdIndex(state.split);
    if (!(state.split in state.classIndex)) state.classIndex[state.split] = {};
    const i = state.thresholdIndex[state.split];
    const own = state.classIndex[state.split];
    const names = Object.keys(counts.tp);
    // Per-class thresholds: not for two classes (one probability decides both).
    const perClass = counts.rule !== "positive-class";
    const pick = $("threshold-class");
    $("threshold-class-label").hidden = !perClass;
    if ([...pick.options].slice(1).map((o) => o.value).join("\u0000") !== names.join("\u0000")) {
      while (pick.options.length > 1) pick.remove(1);
      for (const name of names) pick.appendChild(el("option", { value: name }, name));
    }
    if (!perClass || !names.includes(state.adjust)) state.adjust = "";
    pick.value = state.adjust;
    const indexOf = (name) => (name in own ? own[name] : i);
    const shownIndex = state.adjust ? indexOf(state.adjust) : i;
    slider.value = String(shownIndex);
    const t = counts.thresholds[i];
    const tText = thresholdText(counts.thresholds[shownIndex]);
    slider.setAttribute("aria-valuetext", "threshold " + tText);
    $("threshold-value").textContent = "\u2265 " + tText;
    document.body.setAttribute("data-threshold", String(t));
    const rule = counts.rule === "detection-score"
      ? "A detection counts when its score is \u2265 the threshold (matched at " + (KEYPOINTS ? "OKS" : "IoU") +
        " \u2265 " + thresholdText(metrics()["iou-threshold"]) + "); accuracy = TP / (TP + FP + FN)."
      : counts.rule === "positive-class"
        ? "\u201c" + counts["positive-class"] + "\u201d is predicted when its probability is \u2265 the threshold, the other class otherwise; accuracy = right / samples."
        : "A sample is predicted as its most probable class when that probability is \u2265 the threshold, as no class otherwise (a false negative); accuracy = right / samples.";
    $("threshold-rule").textContent = rule + " Move the slider (or use the arrow keys) to recompute" +
      (perClass ? "; choose a class to give it its own threshold." : ".");
    const r = thresholdMetrics(counts, indexOf);
    const cards = $("threshold-cards");
    clear(cards);
    for (const [key, name, value] of [["accuracy", "Accuracy", r.accuracy],
                                      ["precision", "Precision (micro)", r.precision],
                                      ["recall", "Recall (micro)", r.recall], ["f1", "F1 (micro)", r.f1],
                                      ["tp", "TP", r.tp], ["fp", "FP", r.fp], ["fn", "FN", r.fn]]) {
      const card = el("div", { class: "card", "data-metric": key });
      card.appendChild(el("div", { class: "name" }, name));
      card.appendChild(el("div", { class: "value", "data-value": String(value) }, fmtValue(value, key)));
      cards.appendChild(card);
    }
    const table = $("threshold-table");
    clear(table);
    const cols = ["threshold", "precision", "recall", "f1", "tp", "fp", "fn", "support"];
    const head = el("tr");
    head.appendChild(el("th", { scope: "col" }, "Class"));
    for (const c of cols) head.appendChild(columnHead(c));
    table.appendChild(el("thead")).appendChild(head);
    const body = table.appendChild(el("tbody"));
    let n = 0;
    for (const [name, row] of Object.entries(r.rows)) {
      if (!matches(name)) continue;
      n++;
      const tr = el("tr", { "data-class": name });
      tr.appendChild(el("th", { scope: "row", title: name }, name));
      for (const c of cols) {
        const td = el("td", { "data-key": c, "data-value": String(row[c]) }, fmtValue(row[c], c));
        if (c === "threshold" && name in own) { td.classList.add("own"); td.title = "this class's own threshold"; }
        tr.appendChild(td);
      }
      body.appendChild(tr);
    }
    if (n === 0) emptyRow(body, cols.length + 1, "class");
    const box = $("threshold-confusion");
    clear(box);
    const hasMatrix = !!(counts.confusion && counts.confusion.matrices);
    $("threshold-confusion-title").hidden = !hasMatrix;
    box.hidden = !hasMatrix;
    if (hasMatrix) {
      let matrix = counts.confusion.matrices[i];
      let note = "";
      if (Object.keys(own).length && counts.rule === "top-class") {
        // A column holds the samples predicted as its class: they follow that class's threshold.
        const k = names.length;
        matrix = counts.confusion.matrices[i].map((row, r) => row.map((v, c) => c < k ? counts.confusion.matrices[indexOf(names[c])][r][c] : 0));
        for (let r = 0; r < k; r++) matrix[r][k] = counts.support[names[r]] - matrix[r].slice(0, k).reduce((a, b) => a + b, 0);
      } else if (Object.keys(own).length) {
        note = " Per-class thresholds are not applied to this matrix (detections are matched across classes): it is the matrix at " + thresholdText(t) + ".";
      }
      const view = drawMatrix(box, { labels: counts.confusion.labels, matrix: matrix }, { id: "threshold-confusion-svg" });
      $("threshold-confusion-note").textContent = confusionNote(view) + " Same order and classes as the controls above set." + note;
    } else {
      $("threshold-confusion-note").textContent = "The export holds no per-threshold confusion matrices (too many classes to embed).";
    }
  }

  function renderOperating() {
    const ops = splitData("operatingPoints");
    const table = $("operating-table");
    clear(table);
    const usable = ops && Object.values(ops).some((v) => v);
    show("operating-section", !!usable);
    if (!usable) return;
    const keys = [];
    for (const v of Object.values(ops)) if (v) for (const k of Object.keys(v["recall-at-precision"] || {})) if (!keys.includes(k)) keys.push(k);
    const select = $("min-precision");
    if ([...select.options].map((o) => o.value).join() !== keys.join()) {
      clear(select);
      for (const k of keys) select.appendChild(el("option", { value: k }, "\u2265 " + k));
      if (!keys.includes(state.minPrecision)) state.minPrecision = keys.includes("0.9") ? "0.9" : keys[0];
    }
    select.value = state.minPrecision;
    const head = el("tr");
    head.appendChild(el("th", { scope: "col" }, "Class"));
    for (const h of ["Best F1", "at threshold", "precision", "recall",
                     "Highest recall", "at threshold", "precision", "F1"]) head.appendChild(el("th", { scope: "col" }, h));
    const thead = table.appendChild(el("thead"));
    const group = el("tr");
    group.appendChild(el("th", {}, ""));
    group.appendChild(el("th", { colspan: 4, style: "text-align:center" }, "best F1"));
    group.appendChild(el("th", { colspan: 4, style: "text-align:center" }, "precision \u2265 " + state.minPrecision));
    thead.appendChild(group);
    thead.appendChild(head);
    const body = table.appendChild(el("tbody"));
    let n = 0;
    for (const [name, v] of Object.entries(ops)) {
      if (!matches(name)) continue;
      n++;
      const tr = el("tr", { "data-class": name });
      tr.appendChild(el("th", { scope: "row", title: name }, name));
      const best = v && v["best-f1"];
      const rp = v && (v["recall-at-precision"] || {})[state.minPrecision];
      const cells = [best && best.f1, best && best.threshold, best && best.precision, best && best.recall,
                     rp && rp.recall, rp && rp.threshold, rp && rp.precision, rp && rp.f1];
      if (!v) {
        const td = el("td", { colspan: 8, class: "empty" }, "not thresholded on its own (the other class\u2019s complement)");
        tr.appendChild(td);
      } else {
        for (const c of cells) tr.appendChild(el("td", {}, c === null || c === undefined ? "none" : fmtValue(c, "ratio")));
      }
      body.appendChild(tr);
    }
    if (n === 0) emptyRow(body, 9, "class");
  }

  // ---------------------------------------------------------------- analysis
  function analysis() { return splitData("analysis") || null; }
  // The bootstrap interval of a headline metric: [low, high] as a whisker on a track
  // (0 to 1 for ratios, 0 to past the high end for errors), the value as a dot.
  function whisker(ci, value, key) {
    const level = isNum(ci.level) ? Math.round(ci.level * 1000) / 10 + "%" : "";
    const text = level + " interval " + fmtValue(ci.low, key) + " to " + fmtValue(ci.high, key);
    const box = el("div", { class: "interval", "data-low": ci.low, "data-high": ci.high });
    const lo0 = Math.min(0, ci.low, isNum(value) ? value : 0);
    const ratio = lo0 >= 0 && ci.high <= 1 && (!isNum(value) || value <= 1);
    const hi0 = ratio ? 1 : Math.max(ci.high, isNum(value) ? value : ci.high) * 1.1 || 1;
    const at = (v) => (100 * (v - lo0) / ((hi0 - lo0) || 1)).toFixed(2) + "%";
    const track = el("div", { class: "whisker", role: "img", "aria-label": text, title: text });
    track.appendChild(el("span", { class: "range", style: "left:" + at(ci.low) + ";width:calc(" +
      at(ci.high) + " - " + at(ci.low) + ")" }));
    if (isNum(value)) track.appendChild(el("span", { class: "dot", style: "left:" + at(value) }));
    box.appendChild(track);
    box.appendChild(el("div", { class: "interval-text" },
      level + " [" + fmtValue(ci.low, key) + ", " + fmtValue(ci.high, key) + "]"));
    return box;
  }

  // Focus and pointer read-out of one drawn element (a bar): its tooltip.
  function tipOn(node, text) {
    node.setAttribute("tabindex", "0");
    node.setAttribute("aria-label", text.replace(/\n/g, "; "));
    node.appendChild(svgEl("title", {}, text));
    node.addEventListener("pointermove", (ev) => showTip(text, ev.clientX, ev.clientY));
    node.addEventListener("pointerleave", hideTip);
    node.addEventListener("focus", () => {
      const r = node.getBoundingClientRect();
      showTip(text, r.right, r.top);
    });
    node.addEventListener("blur", hideTip);
  }

  const TIDE_NAMES = {
    Cls: "Classification", Loc: "Localization", Both: "Class and location", Dupe: "Duplicate",
    Bkg: "Background", Miss: "Missed",
  };
  const TIDE_HINTS = {
    Cls: "right place, wrong class", Loc: "right class, box off (IoU below the threshold)",
    Both: "wrong class and box off", Dupe: "a second detection of an object already found",
    Bkg: "detection on background (IoU \u2264 the background threshold)",
    Miss: "an object no detection found",
  };
  // TIDE: the AP each error type costs (dAP, AP points), one horizontal bar each.
  function renderErrors() {
    const tide = (analysis() || {}).tide;
    show("errors-section", !!tide);
    const target = $("errors-chart");
    clear(target);
    if (!tide) return;
    const main = tide["main-errors"] || {}, counts = tide.counts || {};
    $("errors-note").textContent = "TIDE (Bolya et al., 2020): the AP points gained by fixing " +
      "every error of one type. TIDE's own AP at IoU " + thresholdText(tide["pos-threshold"]) +
      ": " + (isNum(tide.ap) ? tide.ap.toFixed(2) : "\u2014") + ". Hover or focus a bar for its count.";
    const special = tide["special-errors"] || {};
    $("errors-special").textContent = "Fixing every false positive would add " +
      (isNum(special.FalsePos) ? special.FalsePos.toFixed(2) : "\u2014") +
      " AP points; removing every missed object, " +
      (isNum(special.FalseNeg) ? special.FalseNeg.toFixed(2) : "\u2014") + ".";
    const types = Object.keys(TIDE_NAMES).filter((t) => t in main);
    const width = Math.max(260, Math.min(760, target.clientWidth || 640));
    const rowH = 28, T = 6, B = 36;
    const height = T + rowH * types.length + B;
    const labelW = Math.max(...types.map((t) => textWidth(TIDE_NAMES[t], 12))) + 12;
    const values = types.map((t) => (isNum(main[t]) ? main[t] : 0));
    const sc = linearScale(0, Math.max(1, ...values), Math.max(2, Math.floor((width - labelW) / 90)));
    const valueW = textWidth("00.00", 11) + 6;
    const L = labelW, R = width - Math.max(14, valueW);
    const sx = (v) => L + sc.map(v) * (R - L);
    const svg = svgEl("svg", { width: width, height: height, viewBox: "0 0 " + width + " " + height,
                               role: "group", id: "errors-svg",
                               "aria-label": "AP points lost to each error type" });
    for (const t of sc.ticks) {
      svg.appendChild(svgEl("line", { class: "grid", x1: sx(t), x2: sx(t), y1: T, y2: height - B }));
      svg.appendChild(svgEl("text", { x: sx(t), y: height - B + 15, "text-anchor": "middle",
                                      class: "tick" }, sc.label(t)));
    }
    svg.appendChild(svgEl("line", { class: "axis", x1: L, x2: L, y1: T, y2: height - B }));
    svg.appendChild(svgEl("text", { x: (L + R) / 2, y: height - 6, "text-anchor": "middle",
                                    class: "axis-title" }, "dAP (AP points)"));
    types.forEach((t, i) => {
      const y = T + i * rowH;
      svg.appendChild(svgEl("text", { x: L - 8, y: y + rowH / 2 + 4, "text-anchor": "end",
                                      class: "bar-label" }, TIDE_NAMES[t]));
      const w = Math.max(1, sx(values[i]) - L);
      const bar = svgEl("rect", { x: L, y: y + 5, width: w, height: rowH - 10,
                                  fill: PALETTE[i % PALETTE.length], class: "bar",
                                  "data-type": t, "data-dap": main[t], "data-count": counts[t] });
      const n = counts[t];
      tipOn(bar, TIDE_NAMES[t] + " errors (" + TIDE_HINTS[t] + ")\ndAP " +
        (isNum(main[t]) ? main[t].toFixed(2) : "\u2014") + " AP points\n" +
        (isNum(n) ? GROUPED.format(n) + (n === 1 ? " error" : " errors") : ""));
      svg.appendChild(bar);
      const label = isNum(main[t]) ? main[t].toFixed(2) : "\u2014";
      const inside = sx(values[i]) + 4 + textWidth(label) > width;
      svg.appendChild(svgEl("text", { x: inside ? sx(values[i]) - 4 : sx(values[i]) + 4,
                                      y: y + rowH / 2 + 4, "text-anchor": inside ? "end" : "start",
                                      class: "bar-value" + (inside ? " inside" : "") }, label));
    });
    target.appendChild(svg);
  }

  // Reliability diagram: per bin its accuracy (bar) at its mean confidence (dot), against
  // the diagonal of a perfectly calibrated model.
  function renderCalibration() {
    let cal = (analysis() || {}).calibration;
    if (cal && cal["top-label"]) cal = cal["top-label"];
    const d = cal && cal.diagram;
    const bins = [];
    if (d) {
      d.count.forEach((n, i) => {
        if (n > 0 && isNum(d.confidence[i]) && isNum(d.accuracy[i])) {
          bins.push({ lower: isNum(d.lower[i]) ? d.lower[i] : d.confidence[i],
                      upper: isNum(d.upper[i]) ? d.upper[i] : d.confidence[i], count: n,
                      confidence: d.confidence[i], accuracy: d.accuracy[i] });
        }
      });
    }
    show("calibration-section", !!cal);
    const target = $("calibration-chart");
    clear(target);
    if (!cal) return;
    const ece = isNum(cal.ece) ? cal.ece.toFixed(4) : "\u2014";
    $("calibration-title").textContent = "Reliability diagram (ECE " + ece + ")";
    const what = DETECTION_LIKE || KEYPOINTS
      ? "each detection's score against its being a true positive at " + (KEYPOINTS ? "OKS" : "IoU") +
        " \u2265 " + thresholdText(cal["iou-threshold"])
      : "the top class's probability against the prediction being right";
    $("calibration-note").textContent = "Calibration of " + what + ": " +
      GROUPED.format(cal["n-samples"] || 0) + " predictions in " +
      (cal.strategy === "quantile" ? "equal-mass" : "equal-width") + " bins. Bars: accuracy of " +
      "the bin; dots: its mean confidence; dashed: perfect calibration. ECE " + ece + ", MCE " +
      (isNum(cal.mce) ? cal.mce.toFixed(4) : "\u2014") + ".";
    const byX = new Map(bins.map((b) => [b.confidence, b]));
    const series = [{ name: "accuracy at the mean confidence", color: PALETTE[3], scatter: true,
                      noLegend: true, points: bins.map((b) => [b.confidence, b.accuracy]) }];
    const svg = lineChart(target, series, {
      id: "calibration-svg", xLabel: "confidence", yLabel: "accuracy", xRange: [0, 1],
      yRange: [0, 1], square: true, maxWidth: 520, diagonal: true, legend: false,
      empty: "No prediction to bin.", label: "Reliability diagram",
      hover: (x) => {
        const b = byX.get(x);
        return b ? "confidence " + thresholdText(b.lower) + " to " + thresholdText(b.upper) + ": " +
          GROUPED.format(b.count) + " predictions\nmean confidence " + b.confidence.toFixed(3) +
          ", accuracy " + b.accuracy.toFixed(3) : "";
      },
    });
    if (!svg) return;
    const sc = svg.scale;
    const zero = sc.sy(0);
    const plot = svg.querySelector("g");
    for (const b of bins) {
      const x0 = sc.sx(b.lower), x1 = sc.sx(b.upper);
      const w = Math.max(3, x1 - x0 - 1);
      const top = sc.sy(b.accuracy);
      const rect = svgEl("rect", { x: x1 - x0 - 1 < 3 ? sc.sx(b.confidence) - 1.5 : x0 + 0.5,
                                   y: Math.min(top, zero), width: w,
                                   height: Math.max(0, Math.abs(zero - top)), fill: PALETTE[0],
                                   "fill-opacity": 0.55, class: "bar", "data-count": b.count });
      rect.appendChild(svgEl("title", {}, thresholdText(b.lower) + " to " + thresholdText(b.upper) +
        ": accuracy " + b.accuracy.toFixed(3) + " (" + GROUPED.format(b.count) + ")"));
      plot.insertBefore(rect, plot.firstChild);
    }
    const legend = el("div", { class: "legend" });
    for (const [kind, swatch, text] of [
      ["swatch box", "background:" + PALETTE[0] + ";opacity:0.55", "accuracy of the bin"],
      ["swatch box", "background:" + PALETTE[3] + ";border-radius:50%;width:9px;height:9px",
       "mean confidence"],
      ["swatch", "background: repeating-linear-gradient(90deg,#52606d 0 3px, transparent 3px 6px)",
       "perfect calibration"]]) {
      const item = el("span");
      item.appendChild(el("span", { class: kind, style: swatch }));
      item.appendChild(document.createTextNode(text));
      legend.appendChild(item);
    }
    target.appendChild(legend);
  }

  // The worst cases: images (detection, segmentation), mistakes (classification) or
  // residuals (regression), one row each, worst first.
  const WORST = [
    ["worst-images", DETECTION_LIKE ? "Images with the lowest F1" : "Images with the lowest mean IoU",
     DETECTION_LIKE ? "Per image at the report's thresholds: true and false positives, missed " +
       "objects, F1, and the image's contribution to mAP (mAP minus mAP without it)."
       : "Per image: its mean IoU over the classes present, and its worst classes."],
    ["mistakes", "Most confident mistakes", "Samples predicted wrong with the highest probability."],
    ["residuals", "Largest residuals", "Samples furthest off: residual = predicted \u2212 actual."],
  ];
  const WORST_COLUMNS = {
    "image-id": "Image", "image": "Image", "index": "Sample", "y-true": "Actual",
    "y-pred": "Predicted", "confidence": "Confidence", "true-probability": "P(true class)",
    "residual": "Residual", "abs-residual": "|Residual|", "output": "Output",
    "ap-contribution": "mAP contribution", "mean-iou": "Mean IoU", "iou": "Worst classes (IoU)",
  };
  function worstCell(key, v) {
    if (Array.isArray(v)) return v.map((x) => fmtValue(x, key)).join(", ");
    if (v && typeof v === "object") {
      return Object.entries(v).filter(([, x]) => isNum(x)).sort((a, b) => a[1] - b[1]).slice(0, 3)
        .map(([name, x]) => name + " " + x.toFixed(3)).join(", ");
    }
    if (["index", "image", "image-id", "output"].includes(key)) return String(v);
    if (TYPE === "classification" && (key === "y-true" || key === "y-pred")) return String(v);
    return fmtValue(v, key);
  }
  function renderWorst() {
    const a = analysis() || {};
    const found = WORST.find(([key]) => Array.isArray(a[key]) && a[key].length);
    show("worst-section", !!found);
    const table = $("worst-table");
    clear(table);
    if (!found) return;
    const [key, title, note] = found;
    const rows = a[key];
    $("worst-title").textContent = title;
    $("worst-note").textContent = note;
    let columns = Object.keys(rows[0]);
    // One output: its index is always 0, and |residual| repeats the residual.
    if (key === "residuals" && rows.every((r) => !Array.isArray(r.residual))) {
      columns = columns.filter((c) => c !== "output" && c !== "abs-residual");
    }
    const head = el("tr");
    for (const c of columns) {
      const th = columnHead(c);
      th.textContent = WORST_COLUMNS[c] || th.textContent;
      if (c === "iou" || (TYPE === "classification" && (c === "y-true" || c === "y-pred"))) {
        th.className = "text";
      }
      head.appendChild(th);
    }
    table.appendChild(el("thead")).appendChild(head);
    const body = table.appendChild(el("tbody"));
    for (const r of rows) {
      const tr = el("tr");
      for (const c of columns) {
        const text = c === "iou" || (TYPE === "classification" && (c === "y-true" || c === "y-pred"));
        tr.appendChild(el("td", text ? { class: "text" } : {}, worstCell(c, r[c])));
      }
      body.appendChild(tr);
    }
  }

  // ---------------------------------------------------------- dataset stats
  function renderDataset() {
    const table = $("dataset-table");
    clear(table);
    const stats = data.datasetStats || {};
    const rows = new Map();
    for (const s of splits) {
      for (const [task, counts] of Object.entries(stats[s] || {})) {
        for (const [label, n] of Object.entries(counts)) {
          const key = task + "\u0000" + label;
          if (!rows.has(key)) rows.set(key, { task: task, label: label, counts: {} });
          rows.get(key).counts[s] = n;
        }
      }
    }
    show("dataset-section", rows.size > 0);
    const head = el("tr");
    for (const h of ["Task", "Label"].concat(splits)) {
      head.appendChild(el("th", { scope: "col", class: h === "Label" ? "text" : "" }, h));
    }
    table.appendChild(el("thead")).appendChild(head);
    const body = table.appendChild(el("tbody"));
    const perClass = TYPE !== "regression";
    let n = 0;
    for (const row of rows.values()) {
      if (perClass && !matches(row.label)) continue;
      n++;
      const tr = el("tr");
      tr.appendChild(el("td", {}, row.task));
      tr.appendChild(el("td", { class: "text" }, row.label));
      for (const s of splits) tr.appendChild(el("td", {}, fmt(row.counts[s])));
      body.appendChild(tr);
    }
    if (n === 0 && rows.size) emptyRow(body, splits.length + 2, "label");
  }

  // ----------------------------------------------------------------- wiring
  function renderClassParts() {
    renderFilterStatus();
    renderPerClass();
    renderThreshold();
    renderOperating();
    renderCurves();
    renderConfusion();
    renderDataset();
  }
  function renderSplit() {
    hideTip();
    renderHeadline();
    renderAllMetrics();
    renderPerKeypoint();
    renderRegression();
    renderErrors();
    renderCalibration();
    renderWorst();
    renderClassParts();
    document.body.setAttribute("data-split", state.split);
  }

  renderHeader();
  renderLoss();
  $("loss-x").addEventListener("change", (ev) => { state.lossX = ev.target.value; renderLoss(); });
  $("loss-log").addEventListener("change", (ev) => { state.logY = ev.target.checked; renderLoss(); });
  $("loss-smoothing").addEventListener("input", (ev) => {
    state.smoothing = Number(ev.target.value);
    $("loss-smoothing-value").textContent = state.smoothing > 0 ? state.smoothing.toFixed(2) : "off";
    renderLoss();
  });
  $("confusion-view").addEventListener("change", (ev) => {
    state.view = ev.target.value; renderConfusion(); renderThreshold();
  });
  $("confusion-values").addEventListener("change", (ev) => {
    state.values = ev.target.value; renderConfusion(); renderThreshold();
  });
  const maxClasses = $("max-classes");
  maxClasses.addEventListener("change", () => {
    const n = parseInt(maxClasses.value, 10);
    const note = $("max-classes-note");
    if (!(n >= 1)) {
      state.maxClasses = 1;
      maxClasses.value = "1";
      maxClasses.setAttribute("aria-invalid", "true");
      note.textContent = "At least 1 class is shown.";
    } else {
      state.maxClasses = n;
      maxClasses.removeAttribute("aria-invalid");
      note.textContent = "";
    }
    renderConfusion();
    renderThreshold();
  });
  $("class-filter").addEventListener("input", (ev) => {
    state.filter = ev.target.value.trim().toLowerCase();
    renderClassParts();
  });
  $("threshold-slider").addEventListener("input", (ev) => {
    if (state.adjust) state.classIndex[state.split][state.adjust] = Number(ev.target.value);
    else state.thresholdIndex[state.split] = Number(ev.target.value);
    renderThreshold();
  });
  $("threshold-class").addEventListener("change", (ev) => { state.adjust = ev.target.value; renderThreshold(); });
  $("threshold-reset").addEventListener("click", () => {
    state.thresholdIndex[state.split] = defaultThresholdIndex(state.split);
    state.classIndex[state.split] = {};
    state.adjust = "";
    renderThreshold();
  });
  $("min-precision").addEventListener("change", (ev) => { state.minPrecision = ev.target.value; renderOperating(); });
  $("target-select").addEventListener("change", (ev) => { state.target = ev.target.value; renderRegression(); });
  if (splits.length === 0) {
    $("headline-metrics").appendChild(el("p", { class: "empty" }, "The report has no splits."));
    for (const id of ["per-class-section", "threshold-section", "operating-section", "pr-section",
                      "roc-section", "f1-section", "regression-section", "per-keypoint-section",
                      "confusion-section", "all-metrics-section", "dataset-section", "filter-bar",
                      "errors-section", "calibration-section", "worst-section"]) show(id, false);
  } else {
    renderSplit();
  }
  let resizeTimer = null;
  let lastWidth = document.documentElement.clientWidth;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      const w = document.documentElement.clientWidth;
      if (w === lastWidth) return;
      lastWidth = w;
      renderLoss();
      if (splits.length) {
        renderCurves(); renderRegression(); renderConfusion(); renderThreshold(); renderErrors();
        renderCalibration();
      }
    }, 120);
  });
  document.body.setAttribute("data-ready", "true");
})();
