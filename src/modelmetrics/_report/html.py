"""The HTML report: one self-contained page per export.

The export is embedded as JSON and drawn by plain JavaScript into inline SVG (loss
over time, precision-recall, ROC and F1 curves, predicted-vs-actual and residual plots,
confusion-matrix heatmaps; from the analysis TIDE's error types, the reliability diagram
and interval whiskers on the summary cards) and tables (per class, at a chosen
threshold, operating points, per keypoint, the worst cases, every metric, dataset
statistics). Sections without data stay hidden. The "Export All Metrics" button
downloads the embedded JSON, which ``ModelReport.from_json`` reads back (the analysis'
per-image ``state``, which the page does not draw, is left out of the page).
The page loads nothing from the network: the style and script are inlined, and its
Content-Security-Policy forbids every other source.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

__all__ = ["render_html"]

_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"


def _asset(name: str) -> str:
    return (
        resources.files("modelmetrics._report").joinpath("assets").joinpath(name).read_text("utf-8")
    )


def _script_json(value: Any) -> str:
    # Inside <script>, "</" could close the element early; \u003c is the same JSON string.
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _without_state(export: Mapping[str, Any]) -> Mapping[str, Any]:
    """`export` without the analysis' per-image state (large, and not drawn)."""
    analysis = export.get("analysis")
    if not isinstance(analysis, Mapping) or not any(
        isinstance(v, Mapping) and "state" in v for v in analysis.values()
    ):
        return export
    stripped = {
        split: {k: v for k, v in value.items() if k != "state"}
        if isinstance(value, Mapping)
        else value
        for split, value in analysis.items()
    }
    return {**export, "analysis": stripped}


def render_html(
    export: Mapping[str, Any], *, headline: Sequence[str] = (), title: str | None = None
) -> str:
    """The report page for `export` (a report's ``to_dict()``).

    `headline` names the metrics shown first, in order; `title` defaults to the model
    type.
    """
    export = _without_state(export)
    model_type = str(export.get("modelType", "model"))
    heading = title if title is not None else f"Model report: {model_type}"
    config = {"headline": list(headline)}
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{html.escape(heading)}</title>
<style>
{_asset("report.css")}</style>
</head>
<body data-model-type="{html.escape(model_type)}">
<a class="skip" href="#main">Skip to the metrics</a>
<header class="top">
<div class="title">
<h1>{html.escape(heading)}</h1>
<p id="status" class="muted"></p>
</div>
<div class="actions">
<label>Split <select id="split-select"></select></label>
<button id="export-button" type="button" title="Download every metric of every split as JSON">\
Export All Metrics</button>
</div>
</header>
<main id="main">
<section id="headline-section">
<h2>Summary</h2>
<div id="headline-metrics" class="cards"></div>
<ul id="headline-notes" class="notes"></ul>
</section>
<section id="loss-section">
<h2>Loss over time</h2>
<div class="controls">
<label id="loss-x-label">X axis <select id="loss-x">
<option value="epoch">Epoch</option>
<option value="time">Elapsed time</option>
</select></label>
<label>Smoothing <input id="loss-smoothing" type="range" min="0" max="0.95" step="0.05" value="0"
 aria-describedby="loss-smoothing-value"></label>
<output id="loss-smoothing-value">off</output>
<label><input id="loss-log" type="checkbox"> Log scale</label>
</div>
<div id="loss-chart" class="chart"></div>
<p id="loss-summary" class="muted"></p>
</section>
<div id="filter-bar" class="controls sticky">
<label>Class filter <input id="class-filter" type="search" placeholder="class name"
 aria-describedby="filter-status"></label>
<span id="filter-status" class="muted" aria-live="polite"></span>
</div>
<section id="per-class-section">
<h2>Per class</h2>
<p id="per-class-note" class="muted"></p>
<div class="scroll" tabindex="0" role="region" aria-label="Per-class metrics">
<table id="per-class-table"></table>
</div>
</section>
<section id="confusion-section">
<h2>Confusion matrix</h2>
<div class="controls">
<label>Order <select id="confusion-view">
<option value="most-confused">Most Confused</option>
<option value="most-common">Most Common</option>
</select></label>
<label>Classes shown <input id="max-classes" type="number" min="1" value="7" inputmode="numeric"
 aria-describedby="max-classes-note"></label>
<span id="max-classes-note" class="muted" aria-live="polite"></span>
<label>Values <select id="confusion-values">
<option value="counts">Counts</option>
<option value="row">Share of the true class (row %)</option>
</select></label>
</div>
<div id="confusion-chart" class="scroll matrix" tabindex="0" role="region"
 aria-label="Confusion matrix"></div>
<p id="confusion-note" class="muted"></p>
</section>
<section id="threshold-section">
<h2>Decision threshold</h2>
<p id="threshold-rule" class="muted"></p>
<div class="controls">
<label id="threshold-class-label">Set the threshold of <select id="threshold-class">
<option value="">every class</option></select></label>
<label for="threshold-slider">Threshold</label>
<input id="threshold-slider" type="range" min="0" max="100" step="1" value="50">
<output id="threshold-value" for="threshold-slider"></output>
<button id="threshold-reset" type="button">Back to the report's threshold</button>
</div>
<div id="threshold-cards" class="cards compact"></div>
<div class="scroll" tabindex="0" role="region"
 aria-label="Per-class metrics at the chosen threshold">
<table id="threshold-table"></table>
</div>
<h3 id="threshold-confusion-title">Confusion matrix at this threshold</h3>
<div id="threshold-confusion" class="scroll matrix" tabindex="0" role="region"
 aria-label="Confusion matrix at the chosen threshold"></div>
<p id="threshold-confusion-note" class="muted"></p>
</section>
<section id="operating-section">
<h2>Operating points</h2>
<p class="muted">Per class, from every distinct score: the threshold with the best F1, and the
threshold with the highest recall whose precision is at least the minimum chosen.</p>
<div class="controls"><label>Minimum precision <select id="min-precision"></select></label></div>
<div class="scroll" tabindex="0" role="region" aria-label="Operating points">
<table id="operating-table"></table>
</div>
</section>
<section id="pr-section">
<h2>Precision-recall curves</h2>
<p id="pr-note" class="muted"></p>
<div id="pr-curves" class="chart"></div>
</section>
<section id="roc-section">
<h2>ROC curves</h2>
<p class="muted">One class against the rest; the dashed diagonal is a random ranking.</p>
<div id="roc-curves" class="chart"></div>
</section>
<section id="f1-section">
<h2>F1 by score threshold</h2>
<p class="muted">F1 of each class when only detections scoring at least the threshold count;
dots mark the best F1.</p>
<div id="f1-curves" class="chart"></div>
</section>
<section id="regression-section">
<h2>Predictions against actual values</h2>
<div class="controls">
<label id="target-label">Target <select id="target-select"></select></label>
</div>
<p id="scatter-note" class="muted"></p>
<div id="scatter-chart" class="chart"></div>
<h3>Residuals (predicted &minus; actual)</h3>
<div id="residual-chart" class="chart"></div>
</section>
<section id="per-keypoint-section">
<h2>Per keypoint</h2>
<div class="scroll" tabindex="0" role="region" aria-label="Per-keypoint similarity">
<table id="per-keypoint-table"></table>
</div>
<p class="muted">Mean OKS term: the keypoint's mean object keypoint similarity term over the
matched pairs that label it; pairs: how many such pairs.</p>
</section>
<section id="errors-section">
<h2>Error types</h2>
<p id="errors-note" class="muted"></p>
<div id="errors-chart" class="chart"></div>
<p id="errors-special" class="muted"></p>
</section>
<section id="calibration-section">
<h2 id="calibration-title">Reliability diagram</h2>
<p id="calibration-note" class="muted"></p>
<div id="calibration-chart" class="chart"></div>
</section>
<section id="worst-section">
<h2 id="worst-title">Worst cases</h2>
<p id="worst-note" class="muted"></p>
<div class="scroll" tabindex="0" role="region" aria-labelledby="worst-title">
<table id="worst-table"></table>
</div>
</section>
<section id="all-metrics-section">
<h2>All metrics</h2>
<div class="scroll" tabindex="0" role="region" aria-label="All metrics of the split">
<table id="all-metrics-table"></table>
</div>
</section>
<section id="dataset-section">
<h2>Dataset statistics</h2>
<div class="scroll" tabindex="0" role="region" aria-label="Dataset statistics">
<table id="dataset-table"></table>
</div>
</section>
</main>
<div id="tooltip" role="tooltip" hidden></div>
<script type="application/json" id="report-data">{_script_json(export)}</script>
<script type="application/json" id="report-config">{_script_json(config)}</script>
<script>
{_asset("report.js")}</script>
</body>
</html>
"""
