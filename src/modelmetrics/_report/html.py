"""The HTML report: one self-contained page per export.

The export is embedded as JSON and drawn by a little plain JavaScript into inline SVG
(loss over time, precision-recall curves, the confusion-matrix heatmap) and tables
(per class, per keypoint for keypoints, dataset statistics).
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


def render_html(
    export: Mapping[str, Any], *, headline: Sequence[str] = (), title: str | None = None
) -> str:
    """The report page for `export` (a report's ``to_dict()``).

    `headline` names the metrics shown first, in order; `title` defaults to the model
    type.
    """
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
<header>
<h1>{html.escape(heading)}</h1>
<label>Split <select id="split-select"></select></label>
<span id="status" class="muted"></span>
</header>
<section id="headline-section">
<h2>Headline metrics</h2>
<div id="headline-metrics" class="cards"></div>
</section>
<section id="loss-section">
<h2>Loss over time</h2>
<div id="loss-chart"></div>
<p id="loss-summary" class="muted"></p>
</section>
<div class="controls">
<label>Class filter <input id="class-filter" type="search" placeholder="class name"></label>
</div>
<section id="per-class-section">
<h2>Per class</h2>
<table id="per-class-table"></table>
</section>
<section id="per-keypoint-section">
<h2>Per keypoint</h2>
<table id="per-keypoint-table"></table>
<p class="muted">oks: mean OKS term of the keypoint over the matched pairs that label it.</p>
</section>
<section id="pr-section">
<h2>Precision-recall curves</h2>
<div id="pr-curves"></div>
</section>
<section id="confusion-section">
<h2>Confusion matrix</h2>
<div class="controls">
<label>View <select id="confusion-view">
<option value="most-confused">Most Confused</option>
<option value="most-common">Most Common</option>
</select></label>
<label>Classes shown <input id="max-classes" type="number" min="1" value="7"></label>
</div>
<div id="confusion-chart"></div>
</section>
<section id="dataset-section">
<h2>Dataset statistics</h2>
<table id="dataset-table"></table>
</section>
<script type="application/json" id="report-data">{_script_json(export)}</script>
<script type="application/json" id="report-config">{_script_json(config)}</script>
<script>
{_asset("report.js")}</script>
</body>
</html>
"""
