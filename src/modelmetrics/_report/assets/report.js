// modelmetrics HTML report: renders the embedded export with inline SVG; no network access.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const config = JSON.parse(document.getElementById("report-config").textContent);
  const SVG = "http://www.w3.org/2000/svg";
  const COLORS = ["#2563eb", "#d97706", "#059669", "#dc2626", "#7c3aed", "#0891b2", "#db2777",
                  "#65a30d", "#9333ea", "#ea580c"];
  const splits = Object.keys(data.metrics || {});
  const state = { split: splits.includes("test") ? "test" : splits[0], view: "most-confused",
                  filter: "", maxClasses: 7 };

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
  function fmt(v) {
    if (v === null || v === undefined) return "\u2014";
    if (typeof v !== "number") return String(v);
    if (Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    return (a !== 0 && (a < 1e-3 || a >= 1e5)) ? v.toExponential(3) : v.toFixed(4);
  }
  function tick(v) { return String(Number(v.toPrecision(3))); }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function metrics() { return data.metrics[state.split] || {}; }
  function matches(label) {
    return state.filter === "" || String(label).toLowerCase().includes(state.filter);
  }

  // ---------------------------------------------------------------- header
  function renderHeader() {
    const status = $("status");
    if (data.successful === false) {
      status.className = "failed";
      status.textContent = "Evaluation failed: " + (data.error || "unknown error");
    } else {
      const start = new Date(data.startTime * 1000).toISOString().replace(".000Z", "Z");
      status.textContent = "started " + start + ", took " + fmt(data.duration) + " s";
    }
    const select = $("split-select");
    for (const s of splits) select.appendChild(el("option", { value: s }, s));
    select.value = state.split;
    select.addEventListener("change", () => { state.split = select.value; renderSplit(); });
  }

  // -------------------------------------------------------------- headline
  function renderHeadline() {
    const box = $("headline-metrics");
    clear(box);
    const m = metrics();
    const cards = [];
    for (const key of config.headline) if (key in m) cards.push([key, m[key]]);
    const loss = (data.splitLosses || {})[state.split];
    if (loss !== undefined && loss !== null) cards.push(["loss", loss]);
    const acc = (data.accuracies || {})[state.split];
    if (acc) {
      const label = acc.threshold === null ? "accuracy" : "accuracy @ " + tick(acc.threshold);
      cards.push([label, acc.accuracy]);
    }
    for (const [name, value] of cards) {
      const card = el("div", { class: "card", "data-metric": name });
      card.appendChild(el("div", { class: "name" }, name));
      card.appendChild(el("div", { class: "value" }, fmt(value)));
      box.appendChild(card);
    }
  }

  // ------------------------------------------------------------ line chart
  function lineChart(target, series, opts) {
    const W = 640, H = 300, L = 64, R = 16, T = 12, B = 40;
    const svg = svgEl("svg", { width: W, height: H, viewBox: "0 0 " + W + " " + H,
                               role: "img", id: opts.id });
    let xs = [], ys = [];
    for (const s of series) for (const p of s.points) { xs.push(p[0]); ys.push(p[1]); }
    if (xs.length === 0) { target.appendChild(el("p", { class: "empty" }, opts.empty)); return; }
    let [x0, x1] = opts.xRange || [Math.min(...xs), Math.max(...xs)];
    let [y0, y1] = opts.yRange || [Math.min(...ys), Math.max(...ys)];
    if (x1 === x0) { x1 = x0 + 1; }
    if (y1 === y0) { y1 = y0 + 1; }
    const sx = (x) => L + (x - x0) / (x1 - x0) * (W - L - R);
    const sy = (y) => H - B - (y - y0) / (y1 - y0) * (H - T - B);
    for (let i = 0; i <= 4; i++) {
      const y = y0 + (y1 - y0) * i / 4, x = x0 + (x1 - x0) * i / 4;
      svg.appendChild(svgEl("line", { class: "grid", x1: L, x2: W - R, y1: sy(y), y2: sy(y) }));
      svg.appendChild(svgEl("text", { x: L - 6, y: sy(y) + 4, "text-anchor": "end" }, tick(y)));
      svg.appendChild(svgEl("text", { x: sx(x), y: H - B + 16, "text-anchor": "middle" },
                            tick(x)));
    }
    svg.appendChild(svgEl("line", { class: "axis", x1: L, x2: L, y1: T, y2: H - B }));
    svg.appendChild(svgEl("line", { class: "axis", x1: L, x2: W - R, y1: H - B, y2: H - B }));
    svg.appendChild(svgEl("text", { x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle" },
                          opts.xLabel));
    svg.appendChild(svgEl("text", { x: 12, y: (T + H - B) / 2, "text-anchor": "middle",
                                    transform: "rotate(-90 12 " + (T + H - B) / 2 + ")" },
                          opts.yLabel));
    const legend = el("div", { class: "legend" });
    series.forEach((s, i) => {
      const color = s.color || COLORS[i % COLORS.length];
      const pts = s.points.map((p) => sx(p[0]).toFixed(1) + "," + sy(p[1]).toFixed(1)).join(" ");
      svg.appendChild(svgEl("polyline", { points: pts, fill: "none", stroke: color,
                                          "stroke-width": 2, "data-series": s.name,
                                          class: "series" }));
      for (const mark of s.marks || []) {
        svg.appendChild(svgEl("circle", { cx: sx(mark[0]), cy: sy(mark[1]), r: 4,
                                          fill: color, class: "mark" }));
      }
      const item = el("span");
      item.appendChild(el("span", { class: "swatch", style: "background:" + color }));
      item.appendChild(document.createTextNode(s.name));
      legend.appendChild(item);
    });
    target.appendChild(svg);
    target.appendChild(legend);
  }

  function renderLoss() {
    const box = $("loss-chart");
    clear(box);
    const train = [], valid = [];
    (data.losses || []).forEach((v, i) => { if (v !== null) train.push([i, v]); });
    (data.validationLosses || []).forEach((v, i) => { if (v !== null) valid.push([i, v]); });
    const conv = data.lossConvergence || {};
    const series = [];
    if (train.length) series.push({ name: "training loss", points: train, color: COLORS[0] });
    if (valid.length) {
      const marks = conv.monitored === "validation" && conv["best-index"] !== null
        ? [[conv["best-index"], conv["best-loss"]]] : [];
      series.push({ name: "validation loss", points: valid, color: COLORS[1], marks: marks });
    }
    lineChart(box, series, { id: "loss-svg", xLabel: "entry (epoch or step)", yLabel: "loss",
                             empty: "No loss history recorded." });
    const summary = $("loss-summary");
    if (conv["best-loss"] === null || conv["best-loss"] === undefined) {
      summary.textContent = "";
      return;
    }
    const when = conv["best-timestamp"] ? " at " + conv["best-timestamp"] : "";
    summary.textContent = "Best " + conv.monitored + " loss " + fmt(conv["best-loss"]) +
      " (entry " + conv["best-index"] + when + "); " +
      (conv.plateaued ? "plateaued: no improvement in the last " + conv.patience + " entries."
                      : "still improving (no plateau over " + conv.patience + " entries).");
  }

  // ------------------------------------------------------------- per class
  const CLASS_COLUMNS = ["precision", "recall", "f1", "ap", "ap50", "ar", "iou", "accuracy",
                         "support", "tp", "fp", "fn"];
  // Semantic segmentation leads with the overlap measures (support counts pixels).
  const SEMANTIC_COLUMNS = ["iou", "dice", "precision", "recall", "f1", "support"];
  function renderPerClass() {
    const table = $("per-class-table");
    clear(table);
    const perClass = metrics()["per-class"];
    $("per-class-section").hidden = !perClass;
    if (!perClass) return;
    const wanted = data.modelType === "semantic-segmentation" ? SEMANTIC_COLUMNS : CLASS_COLUMNS;
    const columns = wanted.filter((c) =>
      Object.values(perClass).some((row) => row && c in row));
    const head = el("tr");
    head.appendChild(el("th", {}, "class"));
    for (const c of columns) head.appendChild(el("th", {}, c));
    table.appendChild(el("thead")).appendChild(head);
    const body = table.appendChild(el("tbody"));
    for (const [label, row] of Object.entries(perClass)) {
      if (!matches(label)) continue;
      const tr = el("tr", { "data-class": label });
      tr.appendChild(el("td", {}, label));
      for (const c of columns) tr.appendChild(el("td", {}, fmt(row[c])));
      body.appendChild(tr);
    }
  }

  // ------------------------------------------------------------ per keypoint
  const KEYPOINT_COLUMNS = ["index", "sigma", "oks", "pairs"];
  function renderPerKeypoint() {
    const table = $("per-keypoint-table");
    clear(table);
    const perKeypoint = metrics()["per-keypoint"];
    $("per-keypoint-section").hidden = !perKeypoint;
    if (!perKeypoint) return;
    const head = el("tr");
    head.appendChild(el("th", {}, "keypoint"));
    for (const c of KEYPOINT_COLUMNS) head.appendChild(el("th", {}, c));
    table.appendChild(el("thead")).appendChild(head);
    const body = table.appendChild(el("tbody"));
    for (const [name, row] of Object.entries(perKeypoint)) {
      const tr = el("tr", { "data-keypoint": name });
      tr.appendChild(el("td", {}, name));
      for (const c of KEYPOINT_COLUMNS) tr.appendChild(el("td", {}, fmt(row[c])));
      body.appendChild(tr);
    }
  }

  // ------------------------------------------------------------- PR curves
  function renderPR() {
    const box = $("pr-curves");
    clear(box);
    const perClass = metrics()["per-class"] || {};
    const series = [];
    for (const [label, row] of Object.entries(perClass)) {
      const curve = row["pr-curve"];
      if (!curve || !matches(label)) continue;
      const pts = [];
      curve.recall.forEach((r, i) => {
        if (r !== null && curve.precision[i] !== null) pts.push([r, curve.precision[i]]);
      });
      series.push({ name: label, points: pts });
    }
    $("pr-section").hidden = !Object.values(perClass).some((row) => row && row["pr-curve"]);
    lineChart(box, series, { id: "pr-svg", xLabel: "recall", yLabel: "precision",
                             xRange: [0, 1], yRange: [0, 1],
                             empty: "No class matches the filter." });
  }

  // ------------------------------------------------------ confusion matrix
  // Same rules as modelmetrics.classification.confusion_view.
  function confusionView(labels, matrix, order, wanted, maxClasses) {
    const n = labels.length;
    const rows = matrix.map((r) => r.reduce((a, b) => a + b, 0));
    const cols = labels.map((_, j) => matrix.reduce((a, r) => a + r[j], 0));
    const score = labels.map((_, i) => order === "most-confused"
      ? rows[i] + cols[i] - 2 * matrix[i][i] : rows[i]);
    const candidates = [...Array(n).keys()].filter((i) => wanted(labels[i]));
    const ranked = candidates.slice().sort((a, b) => (score[b] - score[a]) || (a - b));
    const shown = ranked.slice(0, maxClasses);
    const rest = [...Array(n).keys()].filter((i) => !shown.includes(i));
    const groups = shown.map((i) => [i]);
    const names = shown.map((i) => labels[i]);
    if (rest.length) { groups.push(rest); names.push("other"); }
    const out = groups.map((rg) => groups.map((cg) => {
      let s = 0;
      for (const r of rg) for (const c of cg) s += matrix[r][c];
      return s;
    }));
    return { labels: names, matrix: out, folded: rest.map((i) => labels[i]) };
  }

  function renderConfusion() {
    const box = $("confusion-chart");
    clear(box);
    const cm = metrics()["confusion-matrix"];
    $("confusion-section").hidden = !cm;
    if (!cm) return;
    const view = confusionView(cm.labels.map(String), cm.matrix, state.view, matches,
                               state.maxClasses);
    const k = view.labels.length, cell = Math.max(28, Math.min(56, 420 / Math.max(k, 1)));
    const L = 110, T = 100, W = L + k * cell + 10, H = T + k * cell + 10;
    const svg = svgEl("svg", { width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img",
                               id: "confusion-svg", "data-labels": JSON.stringify(view.labels),
                               "data-view": state.view });
    const rowSums = view.matrix.map((r) => r.reduce((a, b) => a + b, 0));
    view.labels.forEach((label, i) => {
      svg.appendChild(svgEl("text", { x: L - 6, y: T + i * cell + cell / 2 + 4,
                                      "text-anchor": "end", class: "row-label" }, label));
      const x = L + i * cell + cell / 2;
      svg.appendChild(svgEl("text", { x: x, y: T - 6, "text-anchor": "start",
                                      transform: "rotate(-45 " + x + " " + (T - 6) + ")",
                                      class: "col-label" }, label));
      view.matrix[i].forEach((v, j) => {
        const share = rowSums[i] ? v / rowSums[i] : 0;
        const fill = i === j ? "rgba(5,150,105," : "rgba(220,38,38,";
        const rect = svgEl("rect", { x: L + j * cell, y: T + i * cell, width: cell - 1,
                                     height: cell - 1, fill: fill + (0.08 + 0.85 * share) + ")",
                                     class: "cell", "data-row": label,
                                     "data-col": view.labels[j], "data-count": v });
        rect.appendChild(svgEl("title", {}, "true " + label + ", predicted " + view.labels[j] +
                                            ": " + v));
        svg.appendChild(rect);
        svg.appendChild(svgEl("text", { x: L + j * cell + cell / 2, y: T + i * cell + cell / 2 + 4,
                                        "text-anchor": "middle" }, String(v)));
      });
    });
    box.appendChild(svg);
    box.appendChild(el("p", { class: "muted" }, "Rows: true class; columns: predicted class." +
      (view.folded.length ? " \"other\" sums " + view.folded.length + " classes." : "")));
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
    const head = el("tr");
    for (const h of ["task", "label"].concat(splits)) head.appendChild(el("th", {}, h));
    table.appendChild(el("thead")).appendChild(head);
    const body = table.appendChild(el("tbody"));
    for (const row of rows.values()) {
      if (!matches(row.label)) continue;
      const tr = el("tr");
      tr.appendChild(el("td", {}, row.task));
      tr.appendChild(el("td", {}, row.label));
      for (const s of splits) tr.appendChild(el("td", {}, fmt(row.counts[s])));
      body.appendChild(tr);
    }
  }

  function renderSplit() {
    renderHeadline();
    renderPerClass();
    renderPerKeypoint();
    renderPR();
    renderConfusion();
    renderDataset();
    document.body.setAttribute("data-split", state.split);
  }

  renderHeader();
  renderLoss();
  const view = $("confusion-view");
  view.addEventListener("change", () => { state.view = view.value; renderConfusion(); });
  const maxClasses = $("max-classes");
  maxClasses.addEventListener("change", () => {
    const n = parseInt(maxClasses.value, 10);
    state.maxClasses = n >= 1 ? n : 7;
    renderConfusion();
  });
  const filter = $("class-filter");
  filter.addEventListener("input", () => {
    state.filter = filter.value.trim().toLowerCase();
    renderSplit();
  });
  if (splits.length === 0) {
    $("headline-metrics").appendChild(el("p", { class: "empty" }, "The report has no splits."));
  } else {
    renderSplit();
  }
  document.body.setAttribute("data-ready", "true");
})();
