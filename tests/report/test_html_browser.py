"""The HTML report in a real browser: headless Chromium driven through chromedriver.

Skipped only when no Chromium binary is found (CI installs Debian's ``chromium`` and
``chromium-driver``; with ``MODELMETRICS_REQUIRE_BROWSER=1`` a missing browser fails).
Screenshots go to pytest's ``tmp_path`` and, when ``MODELMETRICS_ARTIFACTS`` names a
directory, are copied there.
"""

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from modelmetrics._cli.main import main
from modelmetrics._report.adapters import HEADLINE
from modelmetrics.report import SPLITS, ModelReport

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
DRIVERS = ("chromedriver",)


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
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--quiet", "--output-dir", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def driver():
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
        "--window-size=1200,2400",
        "--disable-extensions",
        "--no-first-run",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(chromedriver), options=options)
    yield browser
    browser.quit()


def _artifact(tmp_path, driver, name):
    shot = tmp_path / name
    assert driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 1000
    target = os.environ.get("MODELMETRICS_ARTIFACTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(target) / name)
    return shot


def _open(driver, path):
    driver.get_log("browser")  # drop messages from earlier pages
    driver.get(path.as_uri())
    assert driver.execute_script("return document.body.getAttribute('data-ready')") == "true"


def _errors(driver):
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def _select(driver, element_id, value):
    driver.execute_script(
        "const s = document.getElementById(arguments[0]); s.value = arguments[1];"
        "s.dispatchEvent(new Event('change'));",
        element_id,
        value,
    )


def _text(driver, selector):
    return [e.text for e in driver.find_elements("css selector", selector)]


def _confusion_labels(driver):
    svg = driver.find_element("id", "confusion-svg")
    return json.loads(svg.get_attribute("data-labels"))


@pytest.mark.parametrize("task", ["classification", "detection", "semantic-segmentation"])
def test_report_loads_and_reacts_to_split_and_view(driver, demo_dir, tmp_path, task):
    report = ModelReport.from_json(demo_dir / f"{task}.json")
    _open(driver, demo_dir / f"{task}.html")
    assert _errors(driver) == []
    # Charts and tables are drawn.
    assert len(driver.find_elements("css selector", "#loss-svg polyline.series")) == 2
    assert driver.find_elements("css selector", "#confusion-svg rect.cell")
    assert driver.find_elements("css selector", "#per-class-table tbody tr")
    assert driver.find_elements("css selector", "#dataset-table tbody tr")
    assert "plateaued" in driver.find_element("id", "loss-summary").text
    if task == "detection":
        curves = driver.find_elements("css selector", "#pr-svg polyline.series")
        assert len(curves) == len(report.metrics("test")["per-class"])
    else:
        assert not driver.find_element("id", "pr-section").is_displayed()

    # The split selector offers the three splits and changes the numbers shown.
    assert _text(driver, "#split-select option") == list(SPLITS)
    shown = {}
    for split in SPLITS:
        _select(driver, "split-select", split)
        assert driver.find_element("tag name", "body").get_attribute("data-split") == split
        shown[split] = _text(driver, "#headline-metrics .value")
        # The heatmap equals the Python view of that split.
        assert _confusion_labels(driver) == report.confusion_view(split).labels
    assert len({tuple(v) for v in shown.values()}) == 3
    _artifact(tmp_path, driver, f"{task}-split-train.png")

    # Most Confused / Most Common reorder the matrix exactly as confusion_view does.
    _select(driver, "split-select", "test")
    for order in ("most-common", "most-confused"):
        _select(driver, "confusion-view", order)
        assert _confusion_labels(driver) == report.confusion_view("test", order=order).labels
    _select(driver, "confusion-view", "most-common")
    counts = [
        int(c.get_attribute("data-count"))
        for c in driver.find_elements("css selector", "#confusion-svg rect.cell")
    ]
    assert counts == report.confusion_view("test", order="most-common").matrix.ravel().tolist()
    _select(driver, "max-classes", "2")
    expected = report.confusion_view("test", order="most-common", max_classes=2)
    assert _confusion_labels(driver) == expected.labels
    assert expected.labels[-1] == "other"
    assert _errors(driver) == []
    _artifact(tmp_path, driver, f"{task}.png")


def test_semantic_segmentation_page_leads_with_iou(driver, demo_dir, tmp_path):
    report = ModelReport.from_json(demo_dir / "semantic-segmentation.json")
    _open(driver, demo_dir / "semantic-segmentation.html")
    assert _errors(driver) == []
    names = _text(driver, "#headline-metrics .name")
    assert names == [*HEADLINE["semantic-segmentation"], "accuracy"]  # pixel accuracy, no threshold
    headers = _text(driver, "#per-class-table thead th")
    assert headers == ["class", "iou", "dice", "precision", "recall", "f1", "support"]
    per_class = report.metrics("test")["per-class"]
    for row in driver.find_elements("css selector", "#per-class-table tbody tr"):
        label = row.get_attribute("data-class")
        cells = [c.text for c in row.find_elements("tag name", "td")]
        assert cells[1] == f"{per_class[label]['iou']:.4f}"
        assert cells[-1] == str(per_class[label]["support"])
    assert len(_text(driver, "#per-class-table tbody tr")) == len(per_class) == 5
    # The heatmap holds every pixel of the split (five classes, none folded).
    counts = [
        int(c.get_attribute("data-count"))
        for c in driver.find_elements("css selector", "#confusion-svg rect.cell")
    ]
    assert sum(counts) == report.metrics("test")["pixels"]
    assert _confusion_labels(driver) == report.confusion_view("test").labels
    stats = _text(driver, "#dataset-table tbody td:first-child")
    assert set(stats) == {"semantic-segmentation"}
    _artifact(tmp_path, driver, "semantic-segmentation.png")


def test_keypoints_page_shows_the_per_keypoint_table(driver, demo_dir, tmp_path):
    report = ModelReport.from_json(demo_dir / "keypoints.json")
    _open(driver, demo_dir / "keypoints.html")
    assert _errors(driver) == []
    assert _text(driver, "#headline-metrics .name") == [*HEADLINE["keypoints"], "accuracy @ 0.5"]
    assert _text(driver, "#per-keypoint-table thead th") == [
        "keypoint", "index", "sigma", "oks", "pairs",
    ]  # fmt: skip
    per_keypoint = report.metrics("test")["per-keypoint"]
    rows = driver.find_elements("css selector", "#per-keypoint-table tbody tr")
    assert [r.get_attribute("data-keypoint") for r in rows] == list(per_keypoint) == [
        "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder",
        "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip",
        "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    ]  # fmt: skip
    for row in rows:
        cells = [c.text for c in row.find_elements("tag name", "td")]
        values = per_keypoint[cells[0]]
        assert cells[3] == f"{values['oks']:.4f}"
        assert cells[4] == str(values["pairs"])
    assert "ar" in _text(driver, "#per-class-table thead th")
    assert driver.find_elements("css selector", "#pr-svg polyline.series")
    assert not driver.find_element("id", "confusion-section").is_displayed()
    _select(driver, "split-select", "train")
    train = report.metrics("train")["per-keypoint"]["nose"]["oks"]
    assert _text(driver, "#per-keypoint-table tbody tr td:nth-child(4)")[0] == f"{train:.4f}"
    _artifact(tmp_path, driver, "keypoints.png")
    # Other model types have no per-keypoint section.
    _open(driver, demo_dir / "detection.html")
    assert not driver.find_element("id", "per-keypoint-section").is_displayed()


def test_class_filter_narrows_the_tables(driver, demo_dir, tmp_path):
    _open(driver, demo_dir / "classification.html")
    rows = driver.find_elements("css selector", "#per-class-table tbody tr")
    assert len(rows) == 4
    box = driver.find_element("id", "class-filter")
    box.send_keys("do")
    rows = driver.find_elements("css selector", "#per-class-table tbody tr")
    assert [r.get_attribute("data-class") for r in rows] == ["dog"]
    report = ModelReport.from_json(demo_dir / "classification.json")
    assert _confusion_labels(driver) == report.confusion_view("test", classes=["dog"]).labels
    _artifact(tmp_path, driver, "classification-filtered.png")
    assert _errors(driver) == []


def test_regression_report_has_no_class_sections(driver, demo_dir, tmp_path):
    _open(driver, demo_dir / "regression.html")
    assert _errors(driver) == []
    names = _text(driver, "#headline-metrics .name")
    assert names[:4] == ["mean-absolute-error", "mean-squared-error", "r2-score",
                         "explained-variance-score"]  # fmt: skip
    for section in ("per-class-section", "pr-section", "confusion-section"):
        assert not driver.find_element("id", section).is_displayed()
    _artifact(tmp_path, driver, "regression.png")


def test_page_is_self_contained(demo_dir):
    for page in demo_dir.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        urls = set(re.findall(r"https?://[^\s\"'<>)]+", text))
        assert urls <= {"http://www.w3.org/2000/svg"}, urls  # a namespace, never fetched
        assert '<link rel="stylesheet"' not in text
        assert "<script src" not in text


def test_labels_cannot_break_out_of_the_embedded_json():
    report = ModelReport("classification")
    report.add_split("test", ["</script><b>x", "a"], ["a", "a"])
    page = report.to_html()
    assert page.count("</script>") == 3  # data, config, code
    assert "\\u003c/script>\\u003cb>x" in page
