"""The HTML report in a real browser: headless Chromium driven through chromedriver.

Skipped only when no Chromium binary is found (CI installs Debian's ``chromium`` and
``chromium-driver``; with ``MODELMETRICS_REQUIRE_BROWSER=1`` a missing browser fails).
Every page is checked and photographed at a phone width (390 px) and a desktop width
(1280 px). Screenshots go to pytest's ``tmp_path`` and, when ``MODELMETRICS_ARTIFACTS``
names a directory, are copied there.
"""

import base64
import json
import os
import re
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

import modelmetrics._cli.examples as ex
from modelmetrics._report.adapters import HEADLINE, MODEL_TYPES
from modelmetrics.classification import classification_metrics
from modelmetrics.detection import evaluate_detections
from modelmetrics.instance_segmentation import evaluate_instance_segmentation
from modelmetrics.report import SPLITS, LossHistory, ModelReport

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
DRIVERS = ("chromedriver",)
WIDTHS = (390, 1280)


def _find(names, extra=()):
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    for path in extra:
        if Path(path).is_file():
            return path
    return None


def _browser():
    binary = _find(BROWSERS, ("/usr/bin/chromium", "/usr/lib/chromium/chromium"))
    if binary is None:
        if os.environ.get("MODELMETRICS_REQUIRE_BROWSER") == "1":
            pytest.fail("MODELMETRICS_REQUIRE_BROWSER=1 but no Chromium binary was found")
        pytest.skip("no Chromium browser found")
    driver = _find(DRIVERS, ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"))
    assert driver is not None, f"found {binary} but no chromedriver (apt: chromium-driver)"
    return binary, driver


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    """The demo's pages without the error analysis (``modelmetrics demo --output-dir``
    adds it; ``analysis_dir`` has those pages)."""
    out = tmp_path_factory.mktemp("demo")
    for task in MODEL_TYPES:
        report = ex.demo_report(task)
        report.to_json(out / f"{task}.json")
        report.to_html(out / f"{task}.html", title=f"modelmetrics demo: {task}")
    return out


@pytest.fixture(scope="module")
def downloads(tmp_path_factory):
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def driver(downloads):
    binary, chromedriver = _browser()
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
        "--disable-extensions",
        "--no-first-run",
        "--hide-scrollbars",
    ):
        options.add_argument(arg)
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "download.directory_upgrade": True,
        },
    )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(chromedriver), options=options)
    browser.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    yield browser
    browser.quit()


def _viewport(driver, width, height=900):
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


def _artifact(tmp_path, driver, name):
    """A screenshot of the whole page (not only the viewport)."""
    width = driver.execute_script("return document.documentElement.clientWidth")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    _viewport(driver, width, min(height, 16000))
    png = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})["data"]
    _viewport(driver, width)
    shot = tmp_path / name
    shot.write_bytes(base64.b64decode(png))
    assert shot.stat().st_size > 1000
    target = os.environ.get("MODELMETRICS_ARTIFACTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(target) / name)
    return shot


def _open(driver, path, width=1280):
    _viewport(driver, width)
    driver.get_log("browser")  # drop messages from earlier pages
    driver.get(path.as_uri())
    assert driver.execute_script("return document.body.getAttribute('data-ready')") == "true"


def _errors(driver):
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def _select(driver, element_id, value, event="change"):
    driver.execute_script(
        "const s = document.getElementById(arguments[0]); s.value = arguments[1];"
        "s.dispatchEvent(new Event(arguments[2]));",
        element_id,
        value,
        event,
    )


def _text(driver, selector):
    return [e.text for e in driver.find_elements("css selector", selector)]


def _shown(driver, element_id):
    return driver.find_element("id", element_id).is_displayed()


def _labels(driver, svg_id="confusion-svg"):
    return json.loads(driver.find_element("id", svg_id).get_attribute("data-labels"))


def _counts(driver, svg_id="confusion-svg"):
    cells = driver.find_elements("css selector", f"#{svg_id} rect.cell")
    return [int(c.get_attribute("data-count")) for c in cells]


LAYOUT_PROBLEMS = """
const problems = [];
const doc = document.documentElement;
if (doc.scrollWidth > doc.clientWidth)
  problems.push("page " + doc.scrollWidth + " > " + doc.clientWidth);
// Text of a chart stays inside its chart.
for (const svg of document.querySelectorAll("svg")) {
  if (!svg.getClientRects().length) continue;
  const box = svg.getBoundingClientRect();
  for (const t of svg.querySelectorAll("text")) {
    const r = t.getBoundingClientRect();
    if (!r.width) continue;
    if (r.left < box.left - 1 || r.right > box.right + 1 ||
        r.top < box.top - 1 || r.bottom > box.bottom + 1)
      problems.push(svg.id + ": text '" + t.textContent + "' outside the chart");
  }
}
// Text of a table stays inside its cell (unless cut with an ellipsis on purpose).
for (const cell of document.querySelectorAll("td, th")) {
  if (!cell.getClientRects().length) continue;
  const style = getComputedStyle(cell);
  if (style.textOverflow === "ellipsis") continue;
  if (cell.scrollWidth > cell.clientWidth + 1)
    problems.push("cell '" + cell.textContent + "' overflows");
}
// Whatever is wider than the page sits in a scroll container.
for (const node of document.querySelectorAll("main *, header *")) {
  if (!node.getClientRects().length || node.closest(".scroll")) continue;
  const r = node.getBoundingClientRect();
  if (r.right > doc.clientWidth + 1)
    problems.push(node.tagName + "#" + node.id + " sticks out: " + r.right);
}
return problems;
"""

# Sections each demo page shows (the others have no data and stay hidden).
SECTIONS = {
    "classification": {"per-class", "confusion", "threshold", "operating", "pr", "roc"},
    "regression": {"regression"},
    "detection": {"per-class", "confusion", "threshold", "operating", "pr", "f1"},
    "instance-segmentation": {"per-class", "confusion", "threshold", "operating", "pr", "f1"},
    "semantic-segmentation": {"per-class", "confusion"},
    "keypoints": {"per-class", "pr", "per-keypoint"},
}
ALL_SECTIONS = {"per-class", "confusion", "threshold", "operating", "pr", "roc", "f1",
                "regression", "per-keypoint"}  # fmt: skip


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("task", MODEL_TYPES)
def test_every_page_fits_its_width(driver, demo_dir, tmp_path, task, width):
    _open(driver, demo_dir / f"{task}.html", width)
    assert _errors(driver) == []
    assert driver.execute_script(LAYOUT_PROBLEMS) == []
    for section in ALL_SECTIONS:
        assert _shown(driver, f"{section}-section") == (section in SECTIONS[task]), section
    for section in ("headline", "loss", "all-metrics", "dataset"):
        assert _shown(driver, f"{section}-section"), section
    assert _shown(driver, "filter-bar") == (task != "regression")
    # Every split renders without overflow either.
    for split in SPLITS:
        _select(driver, "split-select", split)
        assert driver.execute_script(LAYOUT_PROBLEMS) == [], split
    _select(driver, "split-select", "test")
    assert _errors(driver) == []
    _artifact(tmp_path, driver, f"{task}-{width}.png")


@pytest.mark.parametrize("task", ["classification", "detection", "semantic-segmentation"])
def test_split_and_confusion_controls_follow_the_python_views(driver, demo_dir, task):
    report = ModelReport.from_json(demo_dir / f"{task}.json")
    _open(driver, demo_dir / f"{task}.html")
    assert _text(driver, "#split-select option") == list(SPLITS)
    shown = {}
    for split in SPLITS:
        _select(driver, "split-select", split)
        assert driver.find_element("tag name", "body").get_attribute("data-split") == split
        shown[split] = _text(driver, "#headline-metrics .value")
        assert _labels(driver) == report.confusion_view(split).labels
    assert len({tuple(v) for v in shown.values()}) == 3
    _select(driver, "split-select", "test")
    for order in ("most-common", "most-confused"):
        _select(driver, "confusion-view", order)
        view = report.confusion_view("test", order=order)
        assert _labels(driver) == view.labels
        assert _counts(driver) == view.matrix.ravel().tolist()
    _select(driver, "max-classes", "2")
    expected = report.confusion_view("test", order="most-confused", max_classes=2)
    assert _labels(driver) == expected.labels
    assert "other" in expected.labels
    assert _counts(driver) == expected.matrix.ravel().tolist()
    # The folded "other" diagonal is not coloured as a correct prediction.
    other = driver.find_element(
        "css selector", '#confusion-svg rect[data-row="other"][data-col="other"]'
    )
    assert "neutral" in other.get_attribute("class").split()
    # 0 classes is refused visibly, not silently replaced.
    _select(driver, "max-classes", "0")
    assert driver.find_element("id", "max-classes").get_attribute("value") == "1"
    assert "at least 1" in driver.find_element("id", "max-classes-note").text.lower()
    assert _labels(driver) == report.confusion_view("test", max_classes=1).labels
    # Row-normalised values.
    _select(driver, "max-classes", "7")
    _select(driver, "confusion-values", "row")
    texts = _text(driver, "#confusion-svg text.cell-text")
    assert texts
    assert all(t.endswith("%") or t == "\u2014" for t in texts)
    first = driver.find_element("css selector", "#confusion-svg rect.cell")
    title = first.find_element("tag name", "title").get_attribute("textContent")
    assert re.search(r": [\d,]+ \([\d.]+% of the row\)$", title), title
    assert driver.find_elements("css selector", "#confusion-chart .colorbar .bar")
    assert _text(driver, "#confusion-svg text.axis-title") == ["Predicted class", "True class"]
    assert _errors(driver) == []


def test_filtering_keeps_background_and_says_when_nothing_matches(driver, demo_dir, tmp_path):
    report = ModelReport.from_json(demo_dir / "detection.json")
    _open(driver, demo_dir / "detection.html")
    box = driver.find_element("id", "class-filter")
    box.send_keys("dog")
    rows = driver.find_elements("css selector", "#per-class-table tbody tr")
    assert [r.get_attribute("data-class") for r in rows] == ["dog"]
    view = report.confusion_view("test", classes=["dog"])
    assert _labels(driver) == view.labels == ["dog", "other", "background"]
    assert _counts(driver) == view.matrix.ravel().tolist()
    assert len(driver.find_elements("css selector", "#pr-svg polyline.series")) == 1
    assert driver.find_element("id", "filter-status").text == "1 of 3 classes"
    box.clear()
    box.send_keys("zebra")
    for table in ("per-class-table", "threshold-table", "operating-table", "dataset-table"):
        empty = driver.find_element("css selector", f"#{table} td.empty")
        assert re.fullmatch("No (class|label) matches \u201czebra\u201d[.]", empty.text), table
    assert "zebra" in driver.find_element("css selector", "#confusion-chart p.empty").text
    assert "zebra" in driver.find_element("css selector", "#pr-curves p.empty").text
    assert driver.find_element("id", "filter-status").text == "no class matches"
    _artifact(tmp_path, driver, "detection-filter-no-match-1280.png")
    assert _errors(driver) == []


def test_labels_are_human(driver, demo_dir):
    _open(driver, demo_dir / "detection.html")
    names = _text(driver, "#headline-metrics .name")
    assert names == ["mAP@[.50:.95]", "mAP@0.5", "mAP@0.75", "IoU (matched pairs)", "mAR@100",
                     "Loss", "Accuracy @ 0.5"]  # fmt: skip
    hint = driver.find_element("css selector", '[data-metric="accuracy-at-threshold"] .hint').text
    assert "score \u2265 0.5" in hint
    assert "IoU \u2265 0.5" in hint
    status = driver.find_element("id", "status").text
    assert re.fullmatch(
        r"started \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, took [\d.]+ (ms|s|\u00b5s)", status
    )
    assert "e-" not in status
    notes = driver.find_element("id", "headline-notes").text
    assert "IoU" in notes
    assert "\u2265 0.5" in notes
    assert "100 detections" in notes
    keys = [
        r.get_attribute("data-key")
        for r in driver.find_elements("css selector", "#all-metrics-table tbody tr")
    ]
    assert {"map-small", "map-medium", "map-large", "iou-threshold", "score-threshold"} <= set(keys)
    assert "mAP small objects" in _text(driver, "#all-metrics-table tbody td:first-child")
    headers = _text(driver, "#per-class-table thead th")
    assert headers[:5] == ["Class", "Precision", "Recall", "F1", "IoU"]
    assert "Best-F1 threshold" in headers
    _open(driver, demo_dir / "classification.html")
    acc = driver.find_element("css selector", '[data-metric="accuracy-at-threshold"]')
    assert acc.find_element("css selector", ".name").text == "Accuracy @ 0.5"
    assert "probability \u2265 0.5" in acc.find_element("css selector", ".hint").text
    _open(driver, demo_dir / "semantic-segmentation.html")
    names = _text(driver, "#headline-metrics .name")
    assert names == [
        "Mean IoU",
        "Pixel accuracy",
        "Mean class accuracy",
        "Frequency-weighted IoU",
        "Loss",
    ]
    assert len(HEADLINE["semantic-segmentation"]) == 4
    # Pixel counts with thousands separators, abbreviated in the heatmap.
    support = _text(driver, '#per-class-table td[data-key="support"]')
    assert all(re.fullmatch(r"\d{1,3}(,\d{3})*", s) for s in support)
    assert any("," in s for s in support)
    cells = _text(driver, "#confusion-svg text.cell-text")
    assert any(re.fullmatch(r"\d+(\.\d+)?k", c) for c in cells), cells


def test_loss_chart_controls(driver, demo_dir, tmp_path):
    _open(driver, demo_dir / "regression.html")
    ticks = _text(driver, "#loss-svg text.x-tick")
    steps = {int(t) for t in ticks}
    assert all(re.fullmatch(r"\d+", t) for t in ticks)
    assert len(steps) >= 3
    gaps = {b - a for a, b in zip(sorted(steps), sorted(steps)[1:], strict=False)}
    assert len(gaps) == 1
    assert gaps.pop() in (1, 2, 5, 10, 20, 50)
    assert driver.find_element("css selector", "#loss-svg text.axis-title").text == "epoch"
    # Curves stay inside the frame.
    inside = driver.execute_script(
        "const svg = document.getElementById('loss-svg');"
        "const axes = svg.querySelectorAll('line.axis');"
        "const left = +axes[0].getAttribute('x1'), top = +axes[0].getAttribute('y1'),"
        "  bottom = +axes[0].getAttribute('y2'), right = +axes[1].getAttribute('x2');"
        "return [...svg.querySelectorAll('polyline.series')].every((p) => p.getAttribute('points')"
        "  .split(' ').every((xy) => { const [x, y] = xy.split(',').map(Number);"
        "  return x > left && x < right && y > top && y < bottom; }));"
    )
    assert inside
    before = _text(driver, "#loss-svg text.tick:not(.x-tick)")
    driver.find_element("id", "loss-log").click()
    after = _text(driver, "#loss-svg text.tick:not(.x-tick)")
    assert before != after
    assert "log scale" in driver.find_element("id", "loss-svg").text
    # Smoothing draws the raw curves faintly behind the smoothed ones.
    _select(driver, "loss-smoothing", "0.6", event="input")
    assert len(driver.find_elements("css selector", "#loss-svg polyline.faint")) == 2
    assert driver.find_element("id", "loss-smoothing-value").text == "0.60"
    # By elapsed time when the history has timestamps.
    _select(driver, "loss-x", "time")
    assert driver.find_element("css selector", "#loss-svg text.axis-title").text.startswith(
        "elapsed time"
    )
    _select(driver, "loss-x", "epoch")
    # A tooltip under the pointer, and from the keyboard.
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    svg = driver.find_element("id", "loss-svg")
    ActionChains(driver).move_to_element(svg).perform()
    tip = driver.find_element("id", "tooltip")
    assert tip.is_displayed()
    assert tip.text.startswith("epoch ")
    assert "validation loss" in tip.text
    svg.send_keys(Keys.HOME)
    assert tip.text.startswith("epoch 1 \u00b7 ")
    svg.send_keys(Keys.ARROW_RIGHT)
    assert tip.text.startswith("epoch 2 \u00b7 ")
    _artifact(tmp_path, driver, "regression-loss-controls-1280.png")
    assert _errors(driver) == []


def test_a_one_point_loss_history_is_visible(driver, tmp_path):
    history = LossHistory.from_arrays([0.8], [0.9])
    report = ModelReport("regression", loss_history=history)
    report.add_split("test", [1.0, 2.0, 3.0], [1.5, 2.0, 2.5])
    page = tmp_path / "one.html"
    report.to_html(page)
    _open(driver, page, 390)
    points = driver.find_elements("css selector", "#loss-svg circle.point")
    assert len(points) == 2
    assert all(p.get_attribute("r") == "4" for p in points)
    assert not _shown(driver, "loss-x-label")  # no timestamps: no time axis
    assert driver.execute_script(LAYOUT_PROBLEMS) == []
    assert _errors(driver) == []


def test_regression_page_has_plots_and_no_class_controls(driver, demo_dir):
    report = ModelReport.from_json(demo_dir / "regression.json")
    _open(driver, demo_dir / "regression.html")
    assert not _shown(driver, "filter-bar")
    points = driver.find_elements("css selector", "#scatter-svg circle.point")
    plots = report.to_dict()["plots"]["test"]["regression"]
    target = next(iter(plots))
    assert len(points) == len(plots[target]["actual"])
    bars = [
        int(b.get_attribute("data-count"))
        for b in driver.find_elements("css selector", "#residual-svg rect.bar")
    ]
    assert bars == plots[target]["residual-counts"]
    assert _errors(driver) == []


@pytest.mark.parametrize("task", ["detection", "instance-segmentation", "classification"])
def test_the_threshold_slider_equals_the_python_api(driver, tmp_path, task):
    if task == "classification":
        names = list(ex.CLASSES)
        report = ModelReport(task, names)
        make = ex.classification_proba_example
    else:
        names = list(ex.DETECTION_CLASSES.values())
        report = ModelReport(task, ex.DETECTION_CLASSES)
        make = (
            ex.detection_split_example
            if task == "detection"
            else ex.instance_segmentation_split_example
        )
    inputs = {s: make(s) for s in SPLITS}
    for split in SPLITS:
        report.add_split(split, *inputs[split])
    page = tmp_path / f"{task}.html"
    report.to_html(page)
    _open(driver, page)
    grid = report.to_dict()["thresholdCounts"]["test"]["thresholds"]
    assert float(driver.find_element("tag name", "body").get_attribute("data-threshold")) == 0.5
    gt, pred = inputs["test"]
    for i in (20, 45, 63, 81):
        t = grid[i]
        _select(driver, "threshold-slider", str(i), event="input")
        assert float(driver.find_element("tag name", "body").get_attribute("data-threshold")) == t
        page_rows = _threshold_rows(driver)
        cards = _threshold_cards(driver)
        at_t = ModelReport(task, names if task == "classification" else ex.DETECTION_CLASSES)
        at_t.add_split("test", gt, pred, threshold=t)
        assert float(cards["accuracy"]) == at_t.accuracy("test")["accuracy"]
        if task == "classification":
            labels = [*names, "below threshold"]
            at_pred = np.where(
                pred.max(axis=1) >= t, np.array(names)[pred.argmax(axis=1)], "below threshold"
            )
            expected = classification_metrics(gt, at_pred, labels=labels).as_dict()["per-class"]
            for name in names:
                assert float(page_rows[name]["precision"]) == expected[name]["precision"]
                assert float(page_rows[name]["recall"]) == expected[name]["recall"]
                assert float(page_rows[name]["f1"]) == pytest.approx(
                    expected[name]["f1"], rel=1e-15
                )
                assert int(page_rows[name]["tp"]) == int(np.sum((at_pred == name) & (gt == name)))
        else:
            evaluate = (
                evaluate_detections if task == "detection" else evaluate_instance_segmentation
            )
            expected = evaluate(gt, pred, score_threshold=t)
            for label, name in ex.DETECTION_CLASSES.items():
                c = expected.classes[label]
                assert [int(page_rows[name][k]) for k in ("tp", "fp", "fn")] == [c.tp, c.fp, c.fn]
                for key, value in (("precision", c.precision), ("recall", c.recall), ("f1", c.f1)):
                    if np.isnan(value):
                        assert page_rows[name][key] == "null"
                    else:
                        assert float(page_rows[name][key]) == value  # ==, not approximately
            # The confusion matrix at the threshold is the API's at that threshold.
            view = at_t.confusion_view("test")
            assert _labels(driver, "threshold-confusion-svg") == view.labels
            assert _counts(driver, "threshold-confusion-svg") == view.matrix.ravel().tolist()
    # One class with its own threshold: its row follows it, the others the global one.
    own, i_own, i_all = names[1], 30, 63
    _select(driver, "threshold-slider", str(i_all), event="input")
    _select(driver, "threshold-class", own)
    _select(driver, "threshold-slider", str(i_own), event="input")
    rows = _threshold_rows(driver)
    assert float(rows[own]["threshold"]) == grid[i_own]
    assert all(float(r["threshold"]) == grid[i_all] for n, r in rows.items() if n != own)
    if task == "classification":
        top, best = pred.max(axis=1), np.array(names)[pred.argmax(axis=1)]
        limit = np.where(best == own, grid[i_own], grid[i_all])
        at_pred = np.where(top >= limit, best, "below threshold")
        labels = [*names, "below threshold"]
        expected = classification_metrics(gt, at_pred, labels=labels).as_dict()["per-class"]
        for name in names:
            assert float(rows[name]["precision"]) == expected[name]["precision"]
            assert float(rows[name]["recall"]) == expected[name]["recall"]
        right = np.sum(at_pred == gt)
        assert float(_threshold_cards(driver)["accuracy"]) == right / len(gt)
        # The matrix follows each predicted class's threshold.
        shown, drawn = _view_of(
            np.array([[np.sum((gt == a) & (at_pred == b)) for b in labels] for a in labels]),
            labels,
        )
        assert _labels(driver, "threshold-confusion-svg") == shown
        assert _counts(driver, "threshold-confusion-svg") == drawn
    else:
        evaluate = evaluate_detections if task == "detection" else evaluate_instance_segmentation
        at_own = evaluate(gt, pred, score_threshold=grid[i_own])
        at_all = evaluate(gt, pred, score_threshold=grid[i_all])
        tp = fp = fn = 0
        for label, name in ex.DETECTION_CLASSES.items():
            c = (at_own if name == own else at_all).classes[label]
            assert [int(rows[name][k]) for k in ("tp", "fp", "fn")] == [c.tp, c.fp, c.fn]
            tp, fp, fn = tp + c.tp, fp + c.fp, fn + c.fn
        assert float(_threshold_cards(driver)["accuracy"]) == tp / (tp + fp + fn)
        note = driver.find_element("id", "threshold-confusion-note").text
        assert "not applied to this matrix" in note
    _artifact(tmp_path, driver, f"{task}-threshold-per-class-1280.png")
    driver.find_element("id", "threshold-reset").click()
    assert all(float(r["threshold"]) == 0.5 for r in _threshold_rows(driver).values())
    assert float(driver.find_element("tag name", "body").get_attribute("data-threshold")) == 0.5
    assert _errors(driver) == []


def _threshold_rows(driver):
    rows = {}
    for row in driver.find_elements("css selector", "#threshold-table tbody tr"):
        cells = row.find_elements("css selector", "td")
        rows[row.get_attribute("data-class")] = {
            c.get_attribute("data-key"): c.get_attribute("data-value") for c in cells
        }
    return rows


def _threshold_cards(driver):
    return {
        c.get_attribute("data-metric"): c.find_element("css selector", ".value").get_attribute(
            "data-value"
        )
        for c in driver.find_elements("css selector", "#threshold-cards .card")
    }


def _view_of(matrix, labels):
    """What the page draws for a small classification matrix whose last label is the
    pinned "below threshold": the classes ranked most confused first (stable), the
    pinned label last, its all-zero row not drawn. Returns (labels, drawn counts)."""
    k = len(labels) - 1
    score = matrix.sum(axis=0) + matrix.sum(axis=1) - 2 * np.diagonal(matrix)
    keep = [*sorted(range(k), key=lambda i: -score[i]), k]
    view = matrix[np.ix_(keep, keep)]
    drawn = [row for i, row in zip(keep, view, strict=True) if i != k or row.any()]
    return [labels[i] for i in keep], np.array(drawn).ravel().tolist()


def _wait_for_download(folder, name, timeout=10.0):
    path = folder / name
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if path.exists() and not list(folder.glob("*.crdownload")):
            return path
        time.sleep(0.1)
    raise AssertionError(f"{name} was not downloaded into {folder}: {list(folder.iterdir())}")


@pytest.mark.parametrize("task", MODEL_TYPES)
def test_export_button_downloads_what_from_json_reads(driver, demo_dir, downloads, task):
    from selenium.webdriver.common.keys import Keys

    for old in downloads.iterdir():
        old.unlink()
    _open(driver, demo_dir / f"{task}.html", 390)
    button = driver.find_element("id", "export-button")
    assert button.text == "Export All Metrics"
    assert button.is_displayed()
    button.send_keys(Keys.ENTER)  # from the keyboard
    got = _wait_for_download(downloads, f"{task}-metrics.json")
    exported = ModelReport.from_json(got)
    original = ModelReport.from_json(demo_dir / f"{task}.json")
    assert exported.to_dict() == original.to_dict()
    assert json.loads(got.read_text(encoding="utf-8")) == json.loads(
        (demo_dir / f"{task}.json").read_text(encoding="utf-8")
    )
    assert _errors(driver) == []


def test_export_carries_a_chosen_threshold(driver, demo_dir, downloads):
    for old in downloads.iterdir():
        old.unlink()
    _open(driver, demo_dir / "detection.html")
    _select(driver, "threshold-slider", "70", event="input")
    driver.find_element("id", "export-button").click()
    got = _wait_for_download(downloads, "detection-metrics.json")
    data = json.loads(got.read_text(encoding="utf-8"))
    assert data["chosenThresholds"] == {"test": {"threshold": 0.7}}
    # A class with its own threshold is exported with it.
    for old in downloads.iterdir():
        old.unlink()
    _select(driver, "threshold-class", "car")
    _select(driver, "threshold-slider", "30", event="input")
    driver.find_element("id", "export-button").click()
    got = _wait_for_download(downloads, "detection-metrics.json")
    chosen = {"test": {"threshold": 0.7, "per-class": {"car": 0.3}}}
    assert json.loads(got.read_text(encoding="utf-8"))["chosenThresholds"] == chosen
    assert ModelReport.from_json(got).to_dict()["chosenThresholds"] == chosen


def test_operating_points_table(driver, demo_dir):
    report = ModelReport.from_json(demo_dir / "classification.json")
    ops = report.to_dict()["operatingPoints"]["test"]
    _open(driver, demo_dir / "classification.html")
    options = _text(driver, "#min-precision option")
    assert options == ["\u2265 0.5", "\u2265 0.8", "\u2265 0.9", "\u2265 0.95"]
    _select(driver, "min-precision", "0.8")
    for row in driver.find_elements("css selector", "#operating-table tbody tr"):
        name = row.get_attribute("data-class")
        cells = [c.text for c in row.find_elements("css selector", "td")]
        best = ops[name]["best-f1"]
        assert cells[0] == f"{best['f1']:.4f}"
        assert cells[1] == f"{best['threshold']:.4f}"
        point = ops[name]["recall-at-precision"]["0.8"]
        assert cells[4] == (f"{point['recall']:.4f}" if point else "none")


def test_classification_curves(driver, demo_dir):
    report = ModelReport.from_json(demo_dir / "classification.json")
    plots = report.to_dict()["plots"]["test"]
    _open(driver, demo_dir / "classification.html")
    assert len(driver.find_elements("css selector", "#roc-svg polyline.series")) == len(
        plots["roc-curves"]
    )
    assert len(driver.find_elements("css selector", "#pr-svg polyline.series")) == len(
        plots["pr-curves"]
    )
    legend = _text(driver, "#roc-curves .legend span")
    assert any("AUC 0." in item for item in legend)
    assert not _shown(driver, "f1-section")


def test_keypoints_page(driver, demo_dir):
    report = ModelReport.from_json(demo_dir / "keypoints.json")
    _open(driver, demo_dir / "keypoints.html")
    assert _text(driver, "#headline-metrics .name")[:4] == [
        "mAP@[.50:.95]",
        "mAP@0.5",
        "mAP@0.75",
        "mAR@[.50:.95]",
    ]
    assert _text(driver, "#per-keypoint-table thead th") == [
        "Keypoint",
        "Index",
        "Sigma",
        "Mean OKS term",
        "Pairs",
    ]
    per_keypoint = report.metrics("test")["per-keypoint"]
    rows = driver.find_elements("css selector", "#per-keypoint-table tbody tr")
    assert [r.get_attribute("data-keypoint") for r in rows] == list(per_keypoint)
    for row in rows:
        name = row.get_attribute("data-keypoint")
        cells = [c.text for c in row.find_elements("tag name", "td")]
        assert cells[2] == f"{per_keypoint[name]['oks']:.4f}"
    assert "OKS" in driver.find_element("id", "headline-notes").text


def test_a_hundred_long_class_names(driver, tmp_path):
    rng = np.random.default_rng(7)
    names = [f"class number {i:03d} with a rather long descriptive name" for i in range(120)]
    y = rng.integers(0, 120, 6000)
    pred = np.where(rng.random(6000) < 0.7, y, rng.integers(0, 120, 6000))
    report = ModelReport("classification", names)
    report.add_split("test", np.array(names)[y], np.array(names)[pred])
    page = tmp_path / "many.html"
    report.to_html(page)
    for width in WIDTHS:
        _open(driver, page, width)
        _select(driver, "max-classes", "120")
        view = report.confusion_view("test", max_classes=120)
        assert _labels(driver) == view.labels
        assert driver.execute_script(LAYOUT_PROBLEMS) == []
        labels = driver.find_elements("css selector", "#confusion-svg text.row-label")
        assert len(labels) == 120
        # The shared "class number " is dropped, so the numbers that tell them apart show.
        shown_labels = [t.text for t in labels]
        assert all(len(t) <= 10 for t in shown_labels)
        assert [t[1:4] for t in shown_labels] == [str(lab)[13:16] for lab in view.labels]
        full = labels[0].find_element("tag name", "title").get_attribute("textContent")
        assert full == view.labels[0]
        # Cells too small for numbers: the exact count is in each cell's title.
        assert not driver.find_elements("css selector", "#confusion-svg text.cell-text")
        chart = driver.find_element("id", "confusion-chart")
        assert driver.execute_script(
            "return arguments[0].scrollWidth > arguments[0].clientWidth", chart
        )
        _artifact(tmp_path, driver, f"classification-120-classes-{width}.png")
    assert _errors(driver) == []


def test_large_counts_are_abbreviated_with_exact_values_on_hover(driver, tmp_path):
    export = {
        "modelType": "semantic-segmentation",
        "metrics": {"test": {
            "mean-iou": 0.5, "pixel-accuracy": 0.9, "mean-class-accuracy": 0.6,
            "frequency-weighted-iou": 0.8,
            "per-class": {"sky": {"iou": 0.9, "dice": 0.9, "precision": 0.9, "recall": 0.9,
                                  "f1": 0.9, "support": 1234567890}},
            "confusion-matrix": {"labels": ["sky", "road"],
                                 "matrix": [[1234567890, 98765], [4321, 2500000]]},
        }},
        "datasetStats": {"test": {"semantic-segmentation": {"sky": 1234567890, "road": 2504321}}},
    }  # fmt: skip
    page = tmp_path / "big.html"
    ModelReport.from_dict(export).to_html(page)
    _open(driver, page, 390)
    assert _text(driver, "#confusion-svg text.cell-text") == ["1.23B", "98.8k", "4,321", "2.5M"]
    title = driver.find_element("css selector", "#confusion-svg rect.cell title").get_attribute(
        "textContent"
    )
    assert "1,234,567,890" in title
    assert _text(driver, '#per-class-table td[data-key="support"]') == ["1,234,567,890"]
    assert driver.execute_script(LAYOUT_PROBLEMS) == []


def test_keyboard_and_print(driver, demo_dir, tmp_path):
    _open(driver, demo_dir / "classification.html")
    focusable = driver.execute_script(
        "return [...document.querySelectorAll('button, select, input, .scroll, svg[tabindex]')]"
        ".filter((n) => n.getClientRects().length).every((n) => n.tabIndex >= 0)"
    )
    assert focusable
    # The slider moves with the arrow keys.
    from selenium.webdriver.common.keys import Keys

    slider = driver.find_element("id", "threshold-slider")
    before = driver.find_element("tag name", "body").get_attribute("data-threshold")
    slider.send_keys(Keys.ARROW_RIGHT)
    after = driver.find_element("tag name", "body").get_attribute("data-threshold")
    assert float(after) > float(before)
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not driver.find_element("id", "export-button").is_displayed()
        assert not _shown(driver, "filter-bar")
        overflow = driver.execute_script(
            "return getComputedStyle(document.querySelector('.scroll')).overflowX"
        )
        assert overflow == "visible"
        _artifact(tmp_path, driver, "classification-print-1280.png")
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def test_page_is_self_contained_and_small(demo_dir):
    for page in demo_dir.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        urls = set(re.findall(r"https?://[^\s\"'<>)]+", text))
        assert urls <= {"http://www.w3.org/2000/svg"}, urls  # a namespace, never fetched
        assert '<link rel="stylesheet"' not in text
        assert "<script src" not in text
        code = text.split("<script>")[1]
        assert len(code) < 120_000  # the page's own code and style stay small


def test_labels_cannot_break_out_of_the_embedded_json():
    report = ModelReport("classification")
    report.add_split("test", ["</script><b>x", "a"], ["a", "a"])
    page = report.to_html()
    assert page.count("</script>") == 3  # data, config, code
    assert "\\u003c/script>\\u003cb>x" in page


def test_an_export_like_the_specs_example_renders(driver, tmp_path):
    """SmartML's example export (regression, nanosecond timestamps, no plot data)."""
    losses = [128.58590698242188, 112.29412841796875, 98.68473052978516, 99.66419219970703]
    stamps = ["2022-08-16T19:09:25.920362920Z", "2022-08-16T19:09:41.930844930Z",
              "2022-08-16T19:10:02.510491510Z", "2022-08-16T19:10:22.442184442Z"]  # fmt: skip
    split = {
        "mean-error": -0.67, "max-error": 116.5, "mean-absolute-error": 5.6527,
        "mean-squared-error": 69.2156, "r2-score": 0.9583325512348129,
        "explained-variance-score": 0.9586028188475673,
    }  # fmt: skip
    export = {
        "running": False, "successful": True, "error": False, "modelType": "regression",
        "metrics": {"train": split, "validation": split, "test": split},
        "datasetStats": {s: {"regression": {"bone-age-in-months": 126}} for s in SPLITS},
        "losses": losses, "validationLosses": [v * 1.1 for v in losses], "lossTimestamps": stamps,
        "startTime": 1660676941.5795865, "duration": 1105.4098682403564,
        "accuracies": {s: {"accuracy": 0.0, "threshold": 0.5} for s in SPLITS},
    }  # fmt: skip
    page = tmp_path / "seed.html"
    ModelReport.from_dict(export).to_html(page)
    for width in WIDTHS:
        _open(driver, page, width)
        assert _errors(driver) == []
        assert driver.execute_script(LAYOUT_PROBLEMS) == []
        status = driver.find_element("id", "status").text
        assert status == "started 2022-08-16 19:09:01 UTC, took 18 min 25 s"
        card = driver.find_element("css selector", '[data-metric="accuracy-at-threshold"]')
        assert card.find_element("css selector", ".name").text == "Accuracy within \u00b10.5"
        assert card.find_element("css selector", ".value").text == "0.0000"  # 0.0, a ratio
        assert not _shown(driver, "regression-section")  # no plot data in that export
        assert not _shown(driver, "filter-bar")
        _select(driver, "loss-x", "time")
        ticks = _text(driver, "#loss-svg text.x-tick")
        assert ticks
        assert all(re.fullmatch(r"\d+", t) for t in ticks)
        assert driver.find_element("css selector", "#loss-svg text.axis-title").text == (
            "elapsed time (s)"
        )
        _artifact(tmp_path, driver, f"spec-example-{width}.png")


@pytest.mark.parametrize("width", [360, 2560])
def test_extreme_widths(driver, demo_dir, width):
    for task in MODEL_TYPES:
        _open(driver, demo_dir / f"{task}.html", width)
        assert driver.execute_script(LAYOUT_PROBLEMS) == [], task
    assert _errors(driver) == []


# ------------------------------------------------------------------- analysis

# Analysis sections each type's page shows with ``add_split(..., analysis=...)``.
ANALYSIS_SECTIONS = {
    "classification": {"calibration", "worst"},
    "regression": {"worst"},
    "detection": {"errors", "calibration", "worst"},
    "instance-segmentation": {"errors", "calibration", "worst"},
    "semantic-segmentation": {"worst"},
    "keypoints": {"calibration"},
}


@pytest.fixture(scope="module")
def analysis_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("analysis")
    for task in MODEL_TYPES:
        report = ex.demo_report(task, analysis={"n": 200, "state": True})
        report.to_json(out / f"{task}.json")
        report.to_html(out / f"{task}.html")
    return out


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("task", MODEL_TYPES)
def test_analysis_sections_show_with_analysis_only_and_fit(
    driver, analysis_dir, demo_dir, tmp_path, task, width
):
    _open(driver, analysis_dir / f"{task}.html", width)
    assert _errors(driver) == []
    assert driver.execute_script(LAYOUT_PROBLEMS) == []
    for section in ("errors", "calibration", "worst"):
        assert _shown(driver, f"{section}-section") == (section in ANALYSIS_SECTIONS[task]), section
    for section in ALL_SECTIONS:  # the other sections are as without analysis
        assert _shown(driver, f"{section}-section") == (section in SECTIONS[task]), section
    export = json.loads((analysis_dir / f"{task}.json").read_text())
    intervals = export["analysis"]["test"]["intervals"]
    whiskers = driver.find_elements("css selector", "#headline-metrics .card .interval")
    shown = [w.find_element("xpath", "..").get_attribute("data-metric") for w in whiskers]
    assert shown == [m for m in HEADLINE[task] if m in intervals]
    assert shown  # every type has intervals of its headline metrics
    for w, metric in zip(whiskers, shown, strict=True):
        assert float(w.get_attribute("data-low")) == intervals[metric]["low"]
        assert float(w.get_attribute("data-high")) == intervals[metric]["high"]
    for split in SPLITS:
        _select(driver, "split-select", split)
        assert driver.execute_script(LAYOUT_PROBLEMS) == [], split
    _select(driver, "split-select", "test")
    assert _errors(driver) == []
    _artifact(tmp_path, driver, f"{task}-analysis-{width}.png")
    # The same page without analysis has none of it.
    _open(driver, demo_dir / f"{task}.html", width)
    for section in ("errors", "calibration", "worst"):
        assert not _shown(driver, f"{section}-section"), section
    assert driver.find_elements("css selector", ".card .interval") == []


def test_error_type_bars_and_reliability_bins_are_the_exports(driver, analysis_dir):
    export = json.loads((analysis_dir / "detection.json").read_text())["analysis"]["test"]
    _open(driver, analysis_dir / "detection.html")
    bars = driver.find_elements("css selector", "#errors-svg rect.bar")
    tide = export["tide"]
    assert [b.get_attribute("data-type") for b in bars] == list(tide["main-errors"])
    for bar in bars:
        kind = bar.get_attribute("data-type")
        assert float(bar.get_attribute("data-dap")) == tide["main-errors"][kind]
        assert int(bar.get_attribute("data-count")) == tide["counts"][kind]
    # Keyboard: a bar takes the focus and says its count.
    driver.execute_script("arguments[0].focus()", bars[0])
    tip = driver.find_element("id", "tooltip")
    assert tip.is_displayed()
    assert f"{tide['counts']['Cls']} error" in tip.text
    calibration = export["calibration"]
    title = driver.find_element("id", "calibration-title").text
    assert f"ECE {calibration['ece']:.4f}" in title
    rects = driver.find_elements("css selector", "#calibration-svg rect.bar")
    counts = [n for n in calibration["diagram"]["count"] if n > 0]
    assert sorted(int(r.get_attribute("data-count")) for r in rects) == sorted(counts)
    assert driver.find_elements("css selector", "#calibration-svg line.guide")  # the diagonal
    rows = driver.find_elements("css selector", "#worst-table tbody tr")
    assert len(rows) == len(export["worst-images"])
    first = rows[0].find_elements("css selector", "td")[0].text
    assert first == str(export["worst-images"][0]["image-id"])


def test_classification_analysis_page(driver, analysis_dir):
    export = json.loads((analysis_dir / "classification.json").read_text())["analysis"]["test"]
    _open(driver, analysis_dir / "classification.html", 390)
    assert "Most confident mistakes" in driver.find_element("id", "worst-title").text
    cells = driver.find_elements("css selector", "#worst-table tbody tr:first-child td")
    mistake = export["mistakes"][0]
    assert cells[0].text == str(mistake["index"])
    assert cells[1].text == mistake["y-true"]
    top = export["calibration"]["top-label"]
    assert f"ECE {top['ece']:.4f}" in driver.find_element("id", "calibration-title").text
