"""What the adapters add for the HTML page: matched IoU, per-threshold counts,
operating points, plot data, and the confusion view that keeps ``background`` apart."""

import json
import math

import numpy as np
import pytest

import modelmetrics._cli.examples as ex
from modelmetrics.classification import accuracy_at_threshold, classification_metrics
from modelmetrics.detection import evaluate_detections
from modelmetrics.instance_segmentation import evaluate_instance_segmentation
from modelmetrics.report import SPLITS, ModelReport, export_schema

jsonschema = pytest.importorskip("jsonschema")


def _validate(export):
    validator = jsonschema.Draft202012Validator(export_schema())
    errors = sorted(validator.iter_errors(export), key=str)
    assert not errors, "\n".join(e.message for e in errors[:5])


# ------------------------------------------------------------------ matched IoU


def _iou_by_hand(a, b):
    """IoU of two xywh boxes, written out."""
    ax1, ay1, ax2, ay2 = a[0], a[1], a[0] + a[2], a[1] + a[3]
    bx1, by1, bx2, by2 = b[0], b[1], b[0] + b[2], b[1] + b[3]
    w = max(0.0, min(ax2, bx2) - max(ax1, bx1))
    h = max(0.0, min(ay2, by2) - max(ay1, by1))
    inter = w * h
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


# Two images, two classes. Pairs and their IoU:
#   image 0, class 1: gt [0,0,10,10] ~ det [0,0,10,5] (score .9): 50/100 = 0.5   TP
#   image 0, class 1: gt [20,0,10,10] ~ det [20,0,10,10] (score .8): 1.0        TP
#   image 0, class 1: det [5,40,10,10] (score .7): no overlap                   FP
#   image 1, class 2: gt [0,0,4,4] ~ det [0,0,4,5] (score .95): 16/20 = 0.8    TP
#   image 1, class 2: gt [10,10,4,4] ~ det [11,10,4,4] (score .3): 12/20 = .6  score too low
#   image 1, class 2: gt [30,30,8,8] ~ det [34,30,8,8] (score .6): 32/96 = 1/3  FP, gt missed
GT = [
    {"boxes": [[0, 0, 10, 10], [20, 0, 10, 10]], "labels": [1, 1]},
    {"boxes": [[0, 0, 4, 4], [10, 10, 4, 4], [30, 30, 8, 8]], "labels": [2, 2, 2]},
]
PRED = [
    {"boxes": [[0, 0, 10, 5], [20, 0, 10, 10], [5, 40, 10, 10]], "scores": [0.9, 0.8, 0.7],
     "labels": [1, 1, 1]},
    {"boxes": [[0, 0, 4, 5], [11, 10, 4, 4], [34, 30, 8, 8]], "scores": [0.95, 0.3, 0.6],
     "labels": [2, 2, 2]},
]  # fmt: skip


def test_matched_iou_equals_a_hand_computation():
    report = ModelReport("detection", {1: "a", 2: "b"}).add_split("test", GT, PRED)
    m = report.metrics("test")
    ious_a = [
        _iou_by_hand([0, 0, 10, 5], [0, 0, 10, 10]),
        _iou_by_hand([20, 0, 10, 10], [20, 0, 10, 10]),
    ]
    ious_b = [_iou_by_hand([0, 0, 4, 5], [0, 0, 4, 4])]
    assert ious_a == [0.5, 1.0]
    assert ious_b == [0.8]
    assert m["per-class"]["a"]["iou"] == pytest.approx(0.75, abs=1e-15)
    assert m["per-class"]["b"]["iou"] == pytest.approx(0.8, abs=1e-15)
    # Pooled over the three matched pairs, not the mean of the class means (0.775).
    assert m["matched-iou"] == pytest.approx((0.5 + 1.0 + 0.8) / 3, abs=1e-15)
    assert (m["per-class"]["a"]["tp"], m["per-class"]["b"]["tp"]) == (2, 1)
    # A lower score threshold lets the 0.6 pair in; a stricter IoU threshold drops 0.5.
    low = ModelReport("detection", {1: "a", 2: "b"}).add_split("test", GT, PRED, threshold=0.2)
    assert low.metrics("test")["per-class"]["b"]["iou"] == pytest.approx((0.8 + 0.6) / 2, abs=1e-15)
    strict = ModelReport("detection", {1: "a", 2: "b"})
    strict.add_split("test", GT, PRED, iou_threshold=0.75)
    assert strict.metrics("test")["per-class"]["a"]["iou"] == 1.0
    assert strict.metrics("test")["matched-iou"] == pytest.approx(0.9, abs=1e-15)


def test_matched_iou_is_none_without_a_true_positive():
    gt = [{"boxes": [[0, 0, 10, 10]], "labels": [1]}]
    pred = [{"boxes": [[50, 50, 10, 10]], "scores": [0.9], "labels": [1]}]
    m = ModelReport("detection").add_split("test", gt, pred).metrics("test")
    assert m["matched-iou"] is None
    assert m["per-class"]["1"]["iou"] is None


def test_matched_mask_iou_equals_a_hand_computation():
    truth = np.zeros((2, 16, 16), bool)
    truth[0, 0:4, 0:4] = True  # 16 pixels
    truth[1, 8:16, 8:16] = True  # 64 pixels
    guess = np.zeros((2, 16, 16), bool)
    guess[0, 0:4, 0:5] = True  # 16 / 20 = 0.8
    guess[1, 8:16, 10:16] = True  # 48 / 64 = 0.75
    report = ModelReport("instance-segmentation").add_split(
        "test",
        [{"masks": truth, "labels": [1, 1]}],
        [{"masks": guess, "scores": [0.9, 0.8], "labels": [1, 1]}],
    )
    m = report.metrics("test")
    assert m["per-class"]["1"]["iou"] == pytest.approx((0.8 + 0.75) / 2, abs=1e-15)
    assert m["matched-iou"] == m["per-class"]["1"]["iou"]


def test_matched_iou_of_the_demo_is_a_mean_of_pairs_at_or_above_the_threshold():
    gt, pred = ex.detection_split_example("test")
    m = ModelReport("detection", ex.DETECTION_CLASSES).add_split("test", gt, pred).metrics("test")
    rows = m["per-class"].values()
    pooled = sum(r["iou"] * r["tp"] for r in rows) / sum(r["tp"] for r in rows)
    assert m["matched-iou"] == pytest.approx(pooled, rel=1e-12)
    assert all(0.5 <= r["iou"] <= 1 for r in rows)


# ---------------------------------------------------------- per-threshold counts


@pytest.mark.parametrize("task", ["detection", "instance-segmentation"])
def test_detection_threshold_counts_equal_the_api_at_every_threshold(task):
    make, evaluate = (
        (ex.detection_split_example, evaluate_detections)
        if task == "detection"
        else (ex.instance_segmentation_split_example, evaluate_instance_segmentation)
    )
    gt, pred = make("validation")
    report = ModelReport(task, ex.DETECTION_CLASSES).add_split("validation", gt, pred)
    counts = report.to_dict()["thresholdCounts"]["validation"]
    assert counts["rule"] == "detection-score"
    grid = counts["thresholds"]
    assert grid == [i / 100 for i in range(101)]
    assert counts["confusion"]["labels"] == ["person", "car", "dog", "background"]
    for i in range(0, 101, 7):
        expected = evaluate(gt, pred, score_threshold=grid[i])
        for label, name in ex.DETECTION_CLASSES.items():
            c = expected.classes[label]
            assert counts["tp"][name][i] == c.tp, (grid[i], name)
            assert counts["fp"][name][i] == c.fp, (grid[i], name)
            assert counts["support"][name] - counts["tp"][name][i] == c.fn
        assert counts["confusion"]["matrices"][i] == expected.confusion_matrix.tolist()


def test_classification_threshold_counts_follow_the_accuracy_rule():
    y_true, proba = ex.classification_proba_example("test")
    names = list(ex.CLASSES)
    report = ModelReport("classification", names).add_split("test", y_true, proba)
    counts = report.to_dict()["thresholdCounts"]["test"]
    assert counts["rule"] == "top-class"
    labels = [*names, "below threshold"]
    assert counts["confusion"]["labels"] == labels
    pred = np.array(names)[proba.argmax(axis=1)]
    top = proba.max(axis=1)
    for i in (0, 13, 37, 50, 64, 88, 100):
        t = counts["thresholds"][i]
        at_t = np.where(top >= t, pred, "below threshold")
        expected = classification_metrics(y_true, at_t, labels=labels).as_dict()["per-class"]
        n = len(y_true)
        tp_sum = 0
        for name in names:
            tp, fp = counts["tp"][name][i], counts["fp"][name][i]
            assert tp == int(np.sum((at_t == name) & (y_true == name)))
            assert fp == int(np.sum((at_t == name) & (y_true != name)))
            assert counts["support"][name] == int(np.sum(y_true == name))
            tp_sum += tp
            if tp + fp:
                assert tp / (tp + fp) == expected[name]["precision"]
            assert tp / counts["support"][name] == expected[name]["recall"]
        # The adapter's accuracy at that threshold.
        at = ModelReport("classification", names).add_split("test", y_true, proba, threshold=t)
        assert tp_sum / n == at.accuracy("test")["accuracy"]
        matrix = np.array(counts["confusion"]["matrices"][i])
        assert matrix[:, :-1].tolist() == [
            [int(np.sum((y_true == a) & (at_t == b))) for b in [*names, "below threshold"]][:-1]
            for a in [*names, "below threshold"]
        ]
        assert matrix[:-1].sum() == n
        assert matrix[-1].sum() == 0
        assert matrix[:-1, -1].tolist() == [
            int(np.sum((y_true == a) & (at_t == "below threshold"))) for a in names
        ]


def test_binary_threshold_counts_equal_accuracy_at_threshold():
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, 300)
    p1 = np.clip(0.35 * y + rng.random(300) * 0.65, 0, 1).round(3)  # ties on the grid
    report = ModelReport("classification", ["no", "yes"]).add_split(
        "test", np.array(["no", "yes"])[y], np.column_stack([1 - p1, p1])
    )
    counts = report.to_dict()["thresholdCounts"]["test"]
    assert counts["rule"] == "positive-class"
    assert counts["positive-class"] == "yes"
    for i, t in enumerate(counts["thresholds"]):
        right = counts["tp"]["no"][i] + counts["tp"]["yes"][i]
        assert right / 300 == accuracy_at_threshold(y == 1, p1, threshold=t).accuracy
        assert counts["tp"]["yes"][i] == int(np.sum((p1 >= t) & (y == 1)))
        assert counts["fp"]["yes"][i] == int(np.sum((p1 >= t) & (y == 0)))
        assert counts["confusion"]["matrices"][i] == [
            [counts["tp"]["no"][i], counts["fp"]["yes"][i]],
            [counts["fp"]["no"][i], counts["tp"]["yes"][i]],
        ]


def test_an_off_grid_threshold_joins_the_grid():
    y_true, proba = ex.classification_proba_example("test")
    report = ModelReport("classification", list(ex.CLASSES))
    report.add_split("test", y_true, proba, threshold=0.437)
    grid = report.to_dict()["thresholdCounts"]["test"]["thresholds"]
    assert 0.437 in grid
    assert len(grid) == 102
    assert grid == sorted(grid)


def test_weighted_classification_has_no_threshold_counts():
    y_true, proba = ex.classification_proba_example("test")
    report = ModelReport("classification", list(ex.CLASSES)).add_split(
        "test", y_true, proba, sample_weight=np.ones(len(y_true))
    )
    export = report.to_dict()
    assert "thresholdCounts" not in export
    assert "operatingPoints" not in export
    assert "plots" in export


# ------------------------------------------------------------ operating points


def _brute_force(scores, hit, n_pos, p):
    """Highest recall with precision >= p over every distinct threshold, by scanning."""
    best = None
    for t in sorted(set(scores.tolist()), reverse=True):
        kept = scores >= t
        tp, fp = int(np.sum(hit & kept)), int(np.sum(~hit & kept))
        if tp and tp / (tp + fp) >= p and (best is None or tp > best[1]):
            best = (t, tp, fp)
    return best


def test_operating_points_equal_a_brute_force_scan():
    y_true, proba = ex.classification_proba_example("validation")
    names = list(ex.CLASSES)
    report = ModelReport("classification", names).add_split("validation", y_true, proba)
    ops = report.to_dict()["operatingPoints"]["validation"]
    pred, top = proba.argmax(axis=1), proba.max(axis=1)
    for j, name in enumerate(names):
        mine = pred == j
        scores, hit = top[mine], (np.array(names)[pred] == y_true)[mine]
        n_pos = int(np.sum(y_true == name))
        for key in ("0.5", "0.8", "0.9", "0.95"):
            found = _brute_force(scores, hit, n_pos, float(key))
            point = ops[name]["recall-at-precision"][key]
            if found is None:
                assert point is None
                continue
            assert (point["threshold"], point["tp"], point["fp"]) == found
            assert point["recall"] == found[1] / n_pos
        best = max(
            ((2 * np.sum(hit & (scores >= t)) / (np.sum(scores >= t) + n_pos)), -t)
            for t in set(scores.tolist())
        )
        assert ops[name]["best-f1"]["f1"] == pytest.approx(best[0], rel=1e-12)
        assert ops[name]["best-f1"]["threshold"] == -best[1]


def test_detection_operating_points_agree_with_the_best_f1_metric():
    gt, pred = ex.detection_split_example("train")
    report = ModelReport("detection", ex.DETECTION_CLASSES).add_split("train", gt, pred)
    ops = report.to_dict()["operatingPoints"]["train"]
    for name, row in report.metrics("train")["per-class"].items():
        assert ops[name]["best-f1"]["f1"] == row["best-f1"]
        assert ops[name]["best-f1"]["threshold"] == row["best-f1-threshold"]


# ------------------------------------------------------------------ plots


def test_classification_curves_are_thinned_one_vs_rest_curves():
    y_true, proba = ex.classification_proba_example("train")
    report = ModelReport("classification", list(ex.CLASSES)).add_split("train", y_true, proba)
    plots = report.to_dict()["plots"]["train"]
    for j, name in enumerate(ex.CLASSES):
        roc, pr = plots["roc-curves"][name], plots["pr-curves"][name]
        assert 2 <= len(roc["fpr"]) <= 200
        assert len(roc["fpr"]) == len(roc["tpr"])
        assert roc["fpr"][0] == 0
        assert roc["tpr"][-1] == 1
        assert len(pr["precision"]) == len(pr["recall"]) <= 200
        sklearn = pytest.importorskip("sklearn.metrics")
        assert roc["auc"] == pytest.approx(sklearn.roc_auc_score(y_true == name, proba[:, j]))


def test_regression_plots_sample_and_histogram():
    y_true, y_pred = ex.regression_split_example("test")
    report = ModelReport("regression", "price").add_split("test", y_true, y_pred, threshold=10)
    p = report.to_dict()["plots"]["test"]["regression"]["price"]
    assert p["samples"] == len(y_true)
    assert len(p["actual"]) == min(len(y_true), 500)
    assert sum(p["residual-counts"]) == len(y_true)
    assert len(p["residual-edges"]) == len(p["residual-counts"]) + 1 == 31
    assert p["residual-edges"][0] == pytest.approx(float(np.min(y_pred - y_true)), rel=1e-5)
    assert p["tolerance"] == 10
    assert p["actual"][0] == pytest.approx(float(y_true[0]), rel=1e-5)
    # The six metrics stay exactly the six of the spec's export.
    assert len(report.metrics("test")) == 6


# ------------------------------------------------------- export and views


def test_page_data_exports_validate_and_round_trip():
    for task, labels, make in [
        ("classification", list(ex.CLASSES), ex.classification_proba_example),
        ("detection", ex.DETECTION_CLASSES, ex.detection_split_example),
        ("regression", "price", ex.regression_split_example),
    ]:
        report = ModelReport(task, labels)
        for split in SPLITS:
            report.add_split(split, *make(split))
        export = report.to_dict()
        _validate(export)
        text = report.to_json()
        again = ModelReport.from_json(text)
        assert again.to_json() == text
        # A split added to a report read back joins the page data already there.
        if task == "regression":
            fresh = ModelReport.from_json(
                json.dumps(
                    {k: v for k, v in export.items() if k != "metrics"}
                    | {"metrics": {s: export["metrics"][s] for s in ("train", "validation")}}
                )
            )
            fresh.add_split("test", *make("test"))
            assert set(fresh.to_dict()["plots"]) == set(SPLITS)


def test_an_export_without_page_data_still_loads_and_renders():
    report = ModelReport("detection", ex.DETECTION_CLASSES)
    report.add_split("test", *ex.detection_split_example("test"))
    old = report.to_dict()
    for key in ("plots", "thresholdCounts", "operatingPoints"):
        old.pop(key, None)
    for row in old["metrics"]["test"]["per-class"].values():
        row.pop("iou")
    old["metrics"]["test"].pop("matched-iou")
    _validate(old)
    again = ModelReport.from_dict(old)
    assert again.to_dict() == old
    page = again.to_html()
    embedded = page.split('<script type="application/json" id="report-data">')[1]
    embedded = json.loads(embedded.split("</script>")[0])
    assert "thresholdCounts" not in embedded
    assert 'id="threshold-section"' in page


def test_detection_confusion_view_keeps_background_apart():
    report = ModelReport("detection", ex.DETECTION_CLASSES)
    report.add_split("test", *ex.detection_split_example("test"))
    cm = report.metrics("test")["confusion-matrix"]
    matrix = np.array(cm["matrix"])
    view = report.confusion_view("test", classes=["dog"], max_classes=3)
    assert view.labels == ["dog", "other", "background"]
    assert view.folded == ["person", "car"]
    assert view.matrix.sum() == matrix.sum()
    # Missed dogs stay in dog's background column, not folded into "other".
    assert view.matrix[0, 2] == matrix[2, 3]
    assert view.matrix[2].tolist() == [matrix[3, 2], matrix[3, :2].sum(), matrix[3, 3]]
    full = report.confusion_view("test", max_classes=1)
    assert full.labels[-1] == "background"
    assert len(full.labels) == 3
    assert report.confusion_view("test", max_classes=None).labels[-1] == "background"
    # Classification is unchanged: every label is a class.
    cls = ModelReport("classification", list(ex.CLASSES))
    cls.add_split("test", *ex.classification_proba_example("test"))
    assert cls.confusion_view("test", max_classes=2).labels[-1] == "other"


def test_threshold_grid_widens_for_scores_outside_zero_one():
    gt = [{"boxes": [[0, 0, 10, 10]], "labels": [1]}]
    pred = [{"boxes": [[0, 0, 10, 10], [40, 40, 5, 5]], "scores": [3.5, -1.0], "labels": [1, 1]}]
    report = ModelReport("detection").add_split("test", gt, pred, threshold=0.5)
    counts = report.to_dict()["thresholdCounts"]["test"]
    grid = counts["thresholds"]
    assert grid[0] == -1.0
    assert grid[-1] == 3.5
    assert 0.5 in grid
    i = grid.index(0.5)
    assert counts["tp"]["1"][i] == 1
    assert counts["fp"]["1"][i] == 0
    assert counts["fp"]["1"][0] == 1
    assert math.isclose(grid[1] - grid[0], 0.045)
