"""modelmetrics.report: per-split metrics, loss history, the JSON export and its schema."""

import json
import math
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import modelmetrics._cli.examples as ex
from modelmetrics._report.adapters import ADAPTERS, HEADLINE, MODEL_TYPES, PENDING
from modelmetrics._report.export import atomic_write_text, to_jsonable
from modelmetrics._report.loss_history import Timestamp, format_timestamp, parse_timestamp
from modelmetrics.classification import classification_metrics, confusion_view
from modelmetrics.detection import evaluate_detections
from modelmetrics.exceptions import UndefinedMetricWarning
from modelmetrics.instance_segmentation import evaluate_instance_segmentation
from modelmetrics.regression import regression_metrics
from modelmetrics.report import SPLITS, LossHistory, ModelReport, export_schema
from modelmetrics.segmentation import SegmentationAccumulator, segmentation_metrics

jsonschema = pytest.importorskip("jsonschema")

REGRESSION_KEYS = [
    "mean-error",
    "max-error",
    "mean-absolute-error",
    "mean-squared-error",
    "r2-score",
    "explained-variance-score",
]


def validate(export):
    validator = jsonschema.Draft202012Validator(export_schema())
    errors = sorted(validator.iter_errors(export), key=str)
    assert not errors, "\n".join(e.message for e in errors[:5])


def demo_report(task):
    losses, validation, stamps = ex.loss_history_example()
    history = LossHistory.from_arrays(losses, validation, timestamps=stamps)
    if task == "classification":
        report = ModelReport(task, list(ex.CLASSES), loss_history=history)
        make = ex.classification_proba_example
    elif task == "regression":
        report = ModelReport(task, "price", loss_history=history)
        make = ex.regression_split_example
    elif task == "semantic-segmentation":
        report = ModelReport(task, list(ex.SEGMENTATION_CLASSES), loss_history=history)
        make = ex.semantic_segmentation_split_example
    elif task == "keypoints":
        report = ModelReport(task, ex.KEYPOINT_CLASSES, loss_history=history)
        make = ex.keypoints_split_example
    else:
        report = ModelReport(task, ex.DETECTION_CLASSES, loss_history=history)
        make = (
            ex.detection_split_example
            if task == "detection"
            else ex.instance_segmentation_split_example
        )
    for split in SPLITS:
        report.add_split(split, *make(split))
    return report


@pytest.fixture(scope="module", params=sorted(ADAPTERS))
def report(request):
    return demo_report(request.param)


# ------------------------------------------------------------------------ schema


def test_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(export_schema())


def test_export_validates_against_the_schema(report):
    export = report.to_dict()
    validate(export)
    validate(json.loads(report.to_json()))
    assert list(export["metrics"]) == list(SPLITS)
    for key in ("running", "successful", "error", "modelType", "losses", "validationLosses"):
        assert key in export


def test_schema_rejects_extra_regression_metrics_and_bad_timestamps():
    export = demo_report("regression").to_dict()
    export["metrics"]["test"]["root-mean-squared-error"] = 1.0
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(export, export_schema())
    export = demo_report("regression").to_dict()
    export["lossTimestamps"][0] = "2026-11-26 05:00:00+01:00"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(export, export_schema())


# ----------------------------------------------------------------- model types


def test_regression_split_has_exactly_the_six_metrics():
    y_true, y_pred = ex.regression_split_example("test")
    report = ModelReport("regression", labels="price").add_split("test", y_true, y_pred)
    expected = regression_metrics(y_true, y_pred).as_dict()
    assert list(report.metrics("test")) == REGRESSION_KEYS
    assert report.metrics("test") == {k: expected[k] for k in REGRESSION_KEYS}
    assert report.dataset_stats("test") == {"regression": {"price": len(y_true)}}
    assert report.split_loss("test") == expected["mean-squared-error"]
    assert report.accuracy("test") is None  # no tolerance given
    assert report.to_dict()["accuracies"] == {}


def test_regression_accuracy_within_a_tolerance_and_target_names():
    y_true = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 33.0]])
    y_pred = np.array([[1.5, 10.0], [2.0, 25.0], [4.0, 30.0]])
    report = ModelReport("regression", labels=["a", "b"])
    report.add_split("validation", y_true, y_pred, threshold=1.0, loss=0.25)
    errors = np.abs(y_pred - y_true) <= 1.0
    assert report.accuracy("validation") == {"accuracy": errors.mean(), "threshold": 1.0}
    assert report.dataset_stats("validation") == {"regression": {"a": 3, "b": 3}}
    assert report.split_loss("validation") == 0.25  # a given loss wins over the computed one
    with pytest.raises(ValueError, match="labels names 1 targets"):
        ModelReport("regression", labels=["a"]).add_split("test", y_true, y_pred)


def test_classification_from_labels_equals_classification_metrics():
    y_true, y_pred = ex.classification_example()
    report = ModelReport("classification").add_split("train", y_true, y_pred)
    expected = classification_metrics(y_true, y_pred)
    assert report.metrics("train") == to_jsonable(expected.as_dict())
    assert report.accuracy("train") == {"accuracy": expected.accuracy, "threshold": None}
    assert report.split_loss("train") is None
    counts = {c: int(np.sum(y_true == c)) for c in ex.CLASSES}
    assert report.dataset_stats("train") == {"classification": counts}


def test_classification_from_probabilities_matches_scikit_learn():
    metrics = pytest.importorskip("sklearn.metrics")
    y_true, proba = ex.classification_proba_example("validation")
    labels = list(ex.CLASSES)
    report = ModelReport("classification", labels=labels)
    report.add_split("validation", y_true, proba, threshold=0.6)
    predicted = np.array(labels)[proba.argmax(axis=1)]
    assert report.metrics("validation")["accuracy"] == metrics.accuracy_score(y_true, predicted)
    assert math.isclose(
        report.split_loss("validation"),
        # scikit-learn wants the columns in sorted label order
        metrics.log_loss(y_true, proba[:, np.argsort(labels)], labels=sorted(labels)),
        rel_tol=1e-12,
    )
    for j, label in enumerate(labels):
        ap = metrics.average_precision_score(y_true == label, proba[:, j])
        assert report.metrics("validation")["per-class"][label]["ap"] == ap
    confident = (predicted == y_true) & (proba.max(axis=1) >= 0.6)
    assert report.accuracy("validation") == {"accuracy": confident.mean(), "threshold": 0.6}


def test_binary_probabilities_use_accuracy_at_threshold():
    y_true = np.array([0, 1, 1, 0, 1])
    p1 = np.array([0.2, 0.7, 0.4, 0.55, 0.9])
    report = ModelReport("classification").add_split(
        "test", y_true, np.column_stack([1 - p1, p1]), threshold=0.5
    )
    by_hand = np.mean((p1 >= 0.5) == (y_true == 1))
    assert report.accuracy("test") == {"accuracy": by_hand, "threshold": 0.5}
    assert report.dataset_stats("test") == {"classification": {"0": 2, "1": 3}}


def test_classification_probability_errors_name_the_problem():
    report = ModelReport("classification", labels=["a", "b"])
    with pytest.raises(ValueError, match="3 probability columns but labels has 2"):
        report.add_split("test", ["a"], [[0.2, 0.3, 0.5]])
    with pytest.raises(ValueError, match=r"not among labels"):
        report.add_split("test", ["c"], [[0.5, 0.5]])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        report.add_split("test", ["a"], [[1.5, -0.5]])


def test_instance_segmentation_split_equals_evaluate_instance_segmentation():
    gt, pred = ex.instance_segmentation_split_example("validation")
    report = ModelReport("instance-segmentation", labels=ex.DETECTION_CLASSES)
    report.add_split("validation", gt, pred)
    expected = evaluate_instance_segmentation(gt, pred, score_threshold=0.5)
    got = report.metrics("validation")
    plain = to_jsonable(expected.as_dict())
    for key in ("map", "map50", "map75", "mar-100"):
        assert got[key] == plain[key]
    for label, values in expected.classes.items():
        row = dict(got["per-class"][ex.DETECTION_CLASSES[label]])
        assert 0.5 <= row.pop("iou") <= 1  # the matched pairs' mask IoU (test_page_data)
        assert row == to_jsonable(values.as_dict())
    assert got["confusion-matrix"]["matrix"] == expected.confusion_matrix.tolist()
    assert list(report.dataset_stats("validation")) == ["instance-segmentation"]


def test_detection_split_equals_evaluate_detections_with_class_names():
    gt, pred = ex.detection_split_example("test")
    report = ModelReport("detection", labels=ex.DETECTION_CLASSES).add_split("test", gt, pred)
    expected = evaluate_detections(gt, pred, score_threshold=0.5)
    got = report.metrics("test")
    plain = to_jsonable(expected.as_dict())
    for key in ("map", "map50", "map75", "mar-100", "iou-threshold", "score-threshold"):
        assert got[key] == plain[key]
    for label, values in expected.classes.items():
        row = dict(got["per-class"][ex.DETECTION_CLASSES[label]])
        assert 0.5 <= row.pop("iou") <= 1  # the matched pairs' IoU (test_page_data)
        assert row == to_jsonable(values.as_dict())
    assert got["confusion-matrix"]["labels"] == ["person", "car", "dog", "background"]
    assert got["confusion-matrix"]["matrix"] == expected.confusion_matrix.tolist()
    instances = dict.fromkeys(ex.DETECTION_CLASSES.values(), 0)
    for image in gt:
        for label in image["labels"]:
            instances[ex.DETECTION_CLASSES[int(label)]] += 1
    assert report.dataset_stats("test") == {"detection": instances}
    tp = sum(m.tp for m in expected.classes.values())
    wrong = sum(m.fp + m.fn for m in expected.classes.values())
    assert report.accuracy("test") == {"accuracy": tp / (tp + wrong), "threshold": 0.5}


def test_every_model_type_has_an_adapter_and_a_headline():
    assert PENDING == {}
    assert sorted(ADAPTERS) == sorted(MODEL_TYPES)
    for model_type in MODEL_TYPES:
        assert model_type in HEADLINE
        report = demo_report(model_type)
        for key in HEADLINE[model_type]:  # every headline name is a metric the type exports
            assert key in report.metrics("test"), (model_type, key)


def test_a_pending_model_type_is_not_available_yet(monkeypatch):
    monkeypatch.delitem(ADAPTERS, "semantic-segmentation")
    monkeypatch.setitem(PENDING, "semantic-segmentation", "its metrics")
    with pytest.raises(NotImplementedError, match=r"not available yet: .* when its metrics lands"):
        ModelReport("semantic-segmentation")


# --------------------------------------------------------- semantic segmentation


def test_semantic_segmentation_split_equals_segmentation_metrics():
    target, pred = ex.semantic_segmentation_split_example("validation")
    names = list(ex.SEGMENTATION_CLASSES)
    report = ModelReport("semantic-segmentation", names).add_split("validation", target, pred)
    expected = segmentation_metrics(pred, target, num_classes=5, class_names=names)
    assert report.metrics("validation") == to_jsonable(expected.as_dict())
    got = report.metrics("validation")
    assert list(got["per-class"]) == names
    for c, name in enumerate(names):
        row = got["per-class"][name]
        assert list(row) == ["iou", "dice", "precision", "recall", "f1", "support"]
        assert row["iou"] == expected.iou[c]
        # IoU by hand from the pixels: intersection over union.
        both = np.count_nonzero((target == c) & (pred == c))
        either = np.count_nonzero((target == c) | (pred == c))
        assert row["iou"] == both / either
    assert got["confusion-matrix"] == {
        "labels": names,
        "matrix": expected.confusion_matrix.tolist(),
    }
    counts = np.bincount(target.ravel(), minlength=5).tolist()
    assert report.dataset_stats("validation") == {
        "semantic-segmentation": dict(zip(names, counts, strict=True))
    }
    pixel_accuracy = np.count_nonzero(target == pred) / target.size
    assert report.accuracy("validation") == {"accuracy": pixel_accuracy, "threshold": None}
    assert got["pixel-accuracy"] == pixel_accuracy
    assert report.split_loss("validation") is None
    view = report.confusion_view("validation", max_classes=3)
    assert view.matrix.sum() == target.size


def test_semantic_segmentation_maps_of_different_sizes_and_options():
    rng = np.random.default_rng(3)
    targets = [rng.integers(0, 4, shape).astype(np.uint8) for shape in ((5, 7), (9, 4), (6, 6))]
    for t in targets:
        t[0, :2] = 255
    preds = [rng.integers(0, 4, t.shape).astype(np.uint8) for t in targets]
    report = ModelReport("semantic-segmentation").add_split(
        "train", targets, preds, ignore_index=255, absent="zero", loss=0.4
    )
    acc = SegmentationAccumulator(4, ignore_index=255, absent="zero")
    for t, p in zip(targets, preds, strict=True):
        acc.update(p, t)
    assert report.metrics("train") == to_jsonable(acc.compute().as_dict())
    assert report.metrics("train")["num-classes"] == 4  # inferred, 255 left out
    assert report.metrics("train")["ignored-pixels"] == 6
    assert list(report.dataset_stats("train")["semantic-segmentation"]) == ["0", "1", "2", "3"]
    assert report.split_loss("train") == 0.4
    # Scores: the class count comes from their class axis, the prediction is the arg max.
    scores = [rng.random((6, *t.shape)) for t in targets]
    by_scores = ModelReport("semantic-segmentation", {0: "sky", 5: "sea"}).add_split(
        "test", targets, scores, ignore_index=255
    )
    argmax = [s.argmax(axis=0) for s in scores]
    expected = ModelReport("semantic-segmentation", {0: "sky", 5: "sea"}).add_split(
        "test", targets, argmax, ignore_index=255, num_classes=6
    )
    assert by_scores.metrics("test") == expected.metrics("test")
    assert list(by_scores.metrics("test")["per-class"]) == ["sky", "1", "2", "3", "4", "sea"]
    # A batch array against a list of maps of one size pairs map for map.
    same = [rng.integers(0, 3, (4, 4)) for _ in range(3)]
    batch = np.stack([rng.integers(0, 3, (4, 4)) for _ in range(3)])
    one = ModelReport("semantic-segmentation").add_split("test", same, batch)
    assert one.metrics("test") == (
        ModelReport("semantic-segmentation").add_split("test", np.stack(same), batch)
    ).metrics("test")


def test_semantic_segmentation_errors_name_the_problem():
    t = np.zeros((2, 3, 3), dtype=np.uint8)
    report = ModelReport("semantic-segmentation", ["a", "b"])
    with pytest.raises(
        ValueError, match="'threshold' parameter must be None for semantic segmentation"
    ):
        report.add_split("test", t, t, threshold=0.5)
    with pytest.raises(ValueError, match="2 label maps but predictions has 3"):
        report.add_split("test", list(t), [t[0], t[0], t[0]])
    with pytest.raises(ValueError, match="labels names 2 classes, but num_classes is 3"):
        report.add_split("test", t, t, num_classes=3)
    with pytest.raises(TypeError, match="unexpected option"):
        report.add_split("test", t, t, iou_threshold=0.5)
    with pytest.raises(ValueError, match="2 or more axes"):
        report.add_split("test", [1, 0], [1, 0])
    with pytest.raises(ValueError, match=r"predictions? holds 7"):
        report.add_split("test", t, t + 7)
    with pytest.raises(TypeError, match="class names in index order"):
        ModelReport("semantic-segmentation", "ab").add_split("test", t, t)
    with pytest.raises(ValueError, match="cannot infer num_classes"):
        ModelReport("semantic-segmentation").add_split("test", t + 255, t + 255, ignore_index=255)


def test_bad_model_type_split_and_options():
    with pytest.raises(ValueError, match="'model_type' parameter must be one of"):
        ModelReport("ranking")
    report = ModelReport("regression")
    with pytest.raises(ValueError, match="'name' parameter must be one of"):
        report.add_split("holdout", [1.0, 2.0], [1.0, 2.0])
    report.add_split("test", [1.0, 2.0], [1.0, 2.5])
    with pytest.raises(ValueError, match="already added"):
        report.add_split("test", [1.0, 2.0], [1.0, 2.0])
    with pytest.raises(TypeError, match="unexpected option"):
        report.add_split("train", [1.0, 2.0], [1.0, 2.0], iou_threshold=0.5)
    with pytest.raises(KeyError, match="validation"):
        report.metrics("validation")


def test_splits_are_exported_in_train_validation_test_order():
    report = ModelReport("regression")
    for split in ("test", "train", "validation"):
        report.add_split(split, [1.0, 2.0, 3.0], [1.0, 2.5, 2.0])
    assert report.splits == ["train", "validation", "test"]
    assert list(report.to_dict()["metrics"]) == ["train", "validation", "test"]


# ------------------------------------------------------------ confusion views


@pytest.mark.parametrize("order", ["most-confused", "most-common"])
def test_confusion_views_follow_confusion_view(order):
    report = demo_report("classification")
    for split in SPLITS:
        cm = report.metrics(split)["confusion-matrix"]
        view = report.confusion_view(split, order=order, max_classes=3)
        expected = confusion_view(cm["matrix"], cm["labels"], order=order, max_classes=3)
        assert view.labels == expected.labels
        assert view.matrix.tolist() == expected.matrix.tolist()
        assert view.matrix.sum() == np.sum(cm["matrix"])  # the rest is summed, not dropped
    filtered = report.confusion_view("test", order=order, classes=["dog", "fish"])
    assert set(filtered.labels) == {"dog", "fish", "other"}


def test_confusion_view_default_is_most_confused_with_seven_classes():
    report = demo_report("detection")
    view = report.confusion_view("test")
    assert view.order == "most-confused"
    assert len(view.labels) <= 7
    with pytest.raises(ValueError, match="no confusion matrix"):
        demo_report("regression").confusion_view("test")


# ------------------------------------------------------------------ round trip


def test_json_round_trip_gives_the_same_json(report, tmp_path):
    text = report.to_json()
    assert ModelReport.from_json(text).to_json() == text
    path = tmp_path / "metrics.json"
    report.to_json(path)
    assert path.read_text(encoding="utf-8") == text
    again = ModelReport.from_json(path)
    assert again.to_json() == text
    assert again.splits == report.splits
    assert again.loss_history.timestamps == report.loss_history.timestamps


def test_unknown_keys_are_kept_on_round_trip():
    export = demo_report("regression").to_dict()
    export["projectId"] = "p-17"
    export["extra"] = {"nested": [1, None, "x"]}
    export["datasetStats"]["test"]["regression"]["price"] = 400
    export["metrics"]["test"]["custom"] = 1.5  # not schema-valid, but never dropped
    back = ModelReport.from_json(json.dumps(export)).to_dict()
    assert back == export
    assert list(back)[-2:] == ["projectId", "extra"]


def test_from_json_names_missing_and_malformed_keys():
    with pytest.raises(ValueError, match="'modelType'"):
        ModelReport.from_json('{"metrics": {}, "datasetStats": {}}')
    with pytest.raises(ValueError, match="not a JSON report"):
        ModelReport.from_json("{not json")
    with pytest.raises(ValueError, match="'losses' must be an array"):
        ModelReport.from_json(
            '{"modelType": "regression", "metrics": {}, "datasetStats": {}, "losses": 3}'
        )


def test_segmentation_exports_can_be_read_and_rendered():
    export = demo_report("detection").to_dict()
    export["modelType"] = "instance-segmentation"
    report = ModelReport.from_json(json.dumps(export))
    assert report.model_type == "instance-segmentation"
    assert "instance-segmentation" in report.to_html()


def test_status_fields_and_fail():
    report = ModelReport("regression", start_time=1_700_000_000.5)
    export = report.to_dict()
    assert (export["running"], export["successful"], export["error"]) == (False, True, None)
    assert export["startTime"] == 1_700_000_000.5
    report.fail("out of memory")
    export = report.to_dict()
    assert (export["successful"], export["error"]) == (False, "out of memory")
    validate(export)


# ----------------------------------------------------------------- strict JSON


def test_non_finite_values_become_null_and_numpy_scalars_plain_numbers():
    value = {
        "a": np.float32("nan"),
        "b": float("inf"),
        "c": np.int64(3),
        "d": np.array([1.5, -np.inf]),
        "e": (np.bool_(True), np.float64(0.25)),
        np.int32(4): "key",
    }
    out = to_jsonable(value)
    assert out == {"a": None, "b": None, "c": 3, "d": [1.5, None], "e": [True, 0.25], "4": "key"}
    assert type(out["c"]) is int
    assert type(out["e"][1]) is float
    with pytest.raises(TypeError, match="cannot be written as JSON"):
        to_jsonable({"x": object()})


def test_undefined_metrics_are_null_in_the_export():
    report = ModelReport("regression")
    with pytest.warns(UndefinedMetricWarning):
        report.add_split("test", [1.0], [2.0])  # one sample: R2 undefined
    text = report.to_json()
    assert "NaN" not in text
    assert "Infinity" not in text
    assert json.loads(text)["metrics"]["test"]["r2-score"] is None


# ------------------------------------------------------------------ atomic write


def _leftovers(directory):
    return sorted(p.name for p in Path(directory).iterdir() if p.name != "metrics.json")


def test_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "metrics.json"
    report = demo_report("regression")
    old = report.to_json(path)

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    report.fail("changed")
    with pytest.raises(OSError, match="No space left"):
        report.to_json(path)
    assert path.read_text(encoding="utf-8") == old
    assert _leftovers(tmp_path) == []


def test_unserialisable_value_leaves_the_old_file(tmp_path):
    path = tmp_path / "metrics.json"
    report = demo_report("regression")
    old = report.to_json(path)
    report._extra["bad"] = object()
    with pytest.raises(TypeError):
        report.to_json(path)
    assert path.read_text(encoding="utf-8") == old
    assert _leftovers(tmp_path) == []


def test_atomic_write_failure_during_rename(tmp_path, monkeypatch):
    path = tmp_path / "metrics.json"
    path.write_text("old", encoding="utf-8")

    def broken_replace(src, dst):
        raise OSError("interrupted")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="interrupted"):
        atomic_write_text(path, "new")
    assert path.read_text(encoding="utf-8") == "old"
    assert _leftovers(tmp_path) == []


def test_atomic_write_respects_the_umask(tmp_path):
    path = tmp_path / "out.json"
    atomic_write_text(path, "{}")
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


# ------------------------------------------------------------------ timestamps


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-26T05:00:00.123456789Z",
        "2026-11-26T05:00:00Z",
        "2026-11-26T05:00:00.5Z",
        "1969-12-31T23:59:59.000000001Z",
        "2000-02-29T23:59:59.120Z",
    ],
)
def test_utc_timestamps_round_trip_exactly(text):
    assert format_timestamp(parse_timestamp(text)) == text


def test_offsets_are_converted_to_utc_and_ns_kept():
    stamp = parse_timestamp("2026-11-26T07:30:00.000000007+02:30")
    assert format_timestamp(stamp) == "2026-11-26T05:00:00.000000007Z"
    expected_s = datetime(2026, 11, 26, 5, tzinfo=timezone.utc).timestamp()
    assert stamp.ns == int(expected_s) * 10**9 + 7


def test_other_timestamp_inputs():
    aware = datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=timezone(timedelta(hours=-1)))
    assert format_timestamp(parse_timestamp(aware)) == "2026-01-02T04:04:05.600000Z"
    assert format_timestamp(parse_timestamp(0)) == "1970-01-01T00:00:00Z"
    assert format_timestamp(parse_timestamp(1.25)) == "1970-01-01T00:00:01.250000Z"
    ns = np.datetime64("2026-11-26T05:00:00.123456789", "ns")
    assert format_timestamp(parse_timestamp(ns)) == "2026-11-26T05:00:00.123456789Z"


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        ("2026-11-26", ValueError, "not an RFC 3339"),
        ("2026-13-01T00:00:00Z", ValueError, "not a valid date"),
        ("2026-11-26T05:00:00.1234567891Z", ValueError, "more than 9"),
        (datetime(2026, 1, 1), ValueError, "naive"),
        (float("nan"), ValueError, "finite"),
        # Finite, but seconds * 1e6 overflows a double (found by the CLI fuzz test).
        (1.7976931348623157e308, ValueError, "outside the years"),
        (-3e17, ValueError, "outside the years"),
        ([2026], TypeError, "RFC 3339 string"),
    ],
)
def test_bad_timestamps_are_rejected(value, error, match):
    with pytest.raises(error, match=match):
        parse_timestamp(value)


@given(
    st.integers(min_value=-(10**18), max_value=4 * 10**18), st.integers(min_value=0, max_value=9)
)
def test_formatting_then_parsing_is_the_identity(ns, digits):
    ns -= ns % 10 ** (9 - digits)  # a stamp holds no more precision than its digits
    stamp = Timestamp(ns, digits)
    assert parse_timestamp(format_timestamp(stamp)) == stamp


# ------------------------------------------------------------------ loss history


def test_convergence_by_hand():
    history = LossHistory.from_arrays(
        [1.0, 0.8, 0.6, 0.5, 0.45, 0.44],
        [1.1, 0.9, 0.7, 0.71, 0.72, 0.70],
        patience=3,
    )
    c = history.convergence()
    assert (c.monitored, c.best_loss, c.best_index, c.entries_since_best) == (
        "validation",
        0.7,
        2,
        3,
    )
    assert c.plateaued  # 0.71, 0.72, 0.70 never beat 0.7
    assert c.best_timestamp is None
    improving = LossHistory.from_arrays([3, 2, 1.5, 1.2], [3, 2, 1.5, 1.2], patience=2)
    assert not improving.convergence().plateaued
    with_delta = LossHistory.from_arrays([3, 2, 1.99, 1.98], patience=2, min_delta=0.05)
    assert with_delta.convergence().plateaued
    assert with_delta.convergence().monitored == "training"


def test_missing_and_nan_losses_are_skipped():
    history = LossHistory.from_arrays([0.9, None, 0.7], [None, 0.8, float("nan")])
    assert history.validation_losses == [None, 0.8, None]
    c = history.convergence()
    assert (c.best_loss, c.best_index) == (0.8, 1)
    assert LossHistory().convergence().best_loss is None


def test_log_records_timestamps_in_order():
    history = LossHistory()
    history.log(1.0, 1.2).log(0.8, timestamp="2026-11-26T05:00:00.000000001Z").log(0.5, 0.9)
    assert history.losses == [1.0, 0.8, 0.5]
    assert history.validation_losses == [1.2, None, 0.9]
    assert history.timestamps[1] == "2026-11-26T05:00:00.000000001Z"
    assert all(t.endswith("Z") for t in history.timestamps)
    assert history.timestamps_ns[2] >= history.timestamps_ns[0]
    with pytest.raises(ValueError, match="needs a loss"):
        history.log()


def test_loss_history_errors():
    with pytest.raises(ValueError, match="validation_losses has 2"):
        LossHistory.from_arrays([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="timestamps has 1"):
        LossHistory.from_arrays([1.0, 2.0], timestamps=["2026-11-26T05:00:00Z"])
    with pytest.raises(TypeError, match=r"losses\[1\]"):
        LossHistory.from_arrays([1.0, "x"])
    with pytest.raises(ValueError, match="patience"):
        LossHistory(patience=0)
    no_stamps = LossHistory.from_arrays([1.0])
    with pytest.raises(ValueError, match="no timestamps"):
        no_stamps.log(0.5)


def test_report_carries_the_loss_history():
    losses, validation, stamps = ex.loss_history_example()
    export = demo_report("classification").to_dict()
    assert export["losses"] == losses
    assert export["validationLosses"] == validation
    assert export["lossTimestamps"] == stamps
    best = int(np.argmin(validation))
    assert export["lossConvergence"]["best-index"] == best
    assert export["lossConvergence"]["best-timestamp"] == stamps[best]
    assert export["lossConvergence"]["plateaued"] is True


def test_dataset_stats_count_samples_whatever_their_weights():
    report = ModelReport("classification", labels=["a", "b", "c"])
    report.add_split("test", ["a", "b", "b"], ["a", "a", "b"], sample_weight=[1.0, 2.5, 0.5])
    assert report.dataset_stats("test") == {"classification": {"a": 1, "b": 2, "c": 0}}
    proba = [[0.9, 0.1, 0.0], [0.2, 0.7, 0.1], [0.1, 0.1, 0.8]]
    report.add_split("train", ["a", "c", "c"], proba, sample_weight=[3.0, 1.0, 1.0])
    assert report.dataset_stats("train") == {"classification": {"a": 1, "b": 0, "c": 2}}


def test_splits_can_be_added_to_a_report_read_back():
    first = ModelReport("regression").add_split("train", [1.0, 2.0, 3.0], [1.0, 2.0, 2.5])
    report = ModelReport.from_json(first.to_json())
    report.add_split("test", [1.0, 2.0], [1.5, 2.0])
    assert report.splits == ["train", "test"]
    assert report.metrics("train") == first.metrics("train")
