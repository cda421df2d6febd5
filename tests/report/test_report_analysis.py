"""``ModelReport.add_split(..., analysis=...)``: the export's ``analysis`` equals the
analysis functions called directly, validates, round-trips, and old exports still load."""

import json
from pathlib import Path

import numpy as np
import pytest

import modelmetrics._cli.examples as ex
from modelmetrics._analysis.bootstrap import (
    bootstrap_samples,
    columns_of_evaluation,
    sample_of_columns,
    sample_of_evaluation,
)
from modelmetrics._report.analysis import (
    coco_columns_of_state,
    coco_state,
    decode_array,
    encode_array,
)
from modelmetrics.analysis import (
    bootstrap,
    classification_calibration,
    detection_calibration,
    tide,
)
from modelmetrics.coco import COCO, COCOeval
from modelmetrics.report import SPLITS, ModelReport, export_schema
from modelmetrics.segmentation import SegmentationAccumulator

jsonschema = pytest.importorskip("jsonschema")

EXPORTS = Path(__file__).resolve().parents[1] / "data" / "report-exports"
OPTIONS = {"n": 200, "seed": 3, "level": 0.9, "bins": 10}


def _validate(export):
    errors = sorted(jsonschema.Draft202012Validator(export_schema()).iter_errors(export), key=str)
    assert errors == [], [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def _coco_pair(split="test"):
    """The demo's detections of a split as a COCO ground truth and results list."""
    gt_images, dt_images = ex.detection_split_example(split)
    images, annotations, results = [], [], []
    for image in gt_images:
        images.append({"id": image["image_id"], "width": 640, "height": 640})
        for box, label in zip(image["boxes"].tolist(), image["labels"].tolist(), strict=True):
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": image["image_id"],
                    "category_id": label,
                    "bbox": box,
                    "area": box[2] * box[3],
                    "iscrowd": 0,
                }
            )
    for image in dt_images:
        for box, label, score in zip(
            image["boxes"].tolist(), image["labels"].tolist(), image["scores"].tolist(),
            strict=True,
        ):  # fmt: skip
            results.append(
                {"image_id": image["image_id"], "category_id": label, "bbox": box, "score": score}
            )
    categories = [{"id": k, "name": v} for k, v in ex.DETECTION_CLASSES.items()]
    gt = COCO({"images": images, "annotations": annotations, "categories": categories})
    return gt, results


def _named(per_class):
    return {ex.DETECTION_CLASSES[k]: v for k, v in per_class.items()}


# ------------------------------------------------------------------ the numbers


def test_detection_analysis_equals_the_analysis_functions():
    gt, results = _coco_pair()
    report = ModelReport("detection", ex.DETECTION_CLASSES)
    report.add_split("test", gt, results, analysis=OPTIONS)
    export = report.to_dict()
    analysis = export["analysis"]["test"]
    assert analysis["options"] == {
        "n": 200, "seed": 3, "level": 0.9, "bins": 10, "strategy": "uniform", "k": 10,
        "state": False,
    }  # fmt: skip
    assert "state" not in analysis
    direct = bootstrap(gt, gt.loadRes(results), n=200, seed=3, level=0.9)
    per_class = direct.pop("per-class")
    assert {k: v for k, v in analysis["intervals"].items() if k != "per-class"} == direct
    assert analysis["intervals"]["per-class"] == _named(per_class)
    # The intervals' values are the export's metrics.
    for name, entry in direct.items():
        assert entry["value"] == export["metrics"]["test"][name], name
    calibration = detection_calibration(gt, results, iou_threshold=0.5, n_bins=10)
    assert analysis["calibration"] == {**calibration.as_dict(), "iou-threshold": 0.5}
    assert analysis["tide"] == tide(gt, results).as_dict()
    _validate(export)


def test_detection_analysis_at_another_iou_threshold_keeps_cocos_intervals():
    gt, results = _coco_pair("validation")
    report = ModelReport("detection", ex.DETECTION_CLASSES)
    report.add_split("validation", gt, results, iou_threshold=0.62, analysis=OPTIONS)
    analysis = report.to_dict()["analysis"]["validation"]
    direct = bootstrap(gt, gt.loadRes(results), n=200, seed=3, level=0.9)
    direct.pop("per-class")
    assert {k: v for k, v in analysis["intervals"].items() if k != "per-class"} == direct
    calibration = detection_calibration(gt, results, iou_threshold=0.62, n_bins=10)
    assert analysis["calibration"] == {**calibration.as_dict(), "iou-threshold": 0.62}
    assert analysis["tide"] == tide(gt, results, pos_threshold=0.62).as_dict()


def test_per_image_arrays_give_the_numbers_of_the_same_data_as_coco():
    gt, results = _coco_pair()
    from_coco = ModelReport("detection", ex.DETECTION_CLASSES)
    from_coco.add_split("test", gt, results, analysis=OPTIONS)
    arrays = ModelReport("detection", ex.DETECTION_CLASSES)
    arrays.add_split("test", *ex.detection_split_example("test"), analysis=OPTIONS)
    a, b = from_coco.to_dict()["analysis"]["test"], arrays.to_dict()["analysis"]["test"]
    assert a["intervals"] == b["intervals"]
    assert a["calibration"] == b["calibration"]
    assert a["tide"] == b["tide"]


def test_instance_segmentation_analysis():
    gt, dt = ex.instance_segmentation_split_example("test")
    report = ModelReport("instance-segmentation", ex.DETECTION_CLASSES)
    report.add_split("test", gt, dt, analysis={**OPTIONS, "state": True})
    export = report.to_dict()
    analysis = export["analysis"]["test"]
    assert analysis["tide"] == tide(gt, dt, "segm").as_dict()
    assert analysis["tide"]["iou-type"] == "segm"
    for name in ("map", "map50", "map75", "mar-100"):
        assert analysis["intervals"][name]["value"] == export["metrics"]["test"][name]
        assert analysis["intervals"][name]["low"] <= analysis["intervals"][name]["high"]
    assert analysis["state"]["kind"] == "coco"
    _validate(export)


def test_keypoints_analysis_intervals_are_the_export_metrics():
    report = ModelReport("keypoints", ex.KEYPOINT_CLASSES)
    report.add_split("test", *ex.keypoints_split_example("test"), analysis=OPTIONS)
    export = report.to_dict()
    analysis = export["analysis"]["test"]
    assert "tide" not in analysis
    names = [k for k in analysis["intervals"] if k != "per-class"]
    assert names == ["map", "map50", "map75", "map-medium", "map-large", "mar", "mar-medium",
                     "mar-large"]  # fmt: skip
    for name in names:
        assert analysis["intervals"][name]["value"] == export["metrics"]["test"][name], name
    assert analysis["calibration"]["iou-threshold"] == 0.5
    assert analysis["calibration"]["n-samples"] > 0
    _validate(export)


def test_classification_calibration_equals_classification_calibration():
    y_true, proba = ex.classification_proba_example("test")
    report = ModelReport("classification", list(ex.CLASSES))
    report.add_split("test", y_true, proba, analysis={"bins": 8, "strategy": "quantile"})
    export = report.to_dict()
    direct = classification_calibration(
        y_true, proba, n_bins=8, strategy="quantile", labels=list(ex.CLASSES)
    )
    assert export["analysis"]["test"]["calibration"] == json.loads(json.dumps(direct.as_dict()))
    _validate(export)


def test_classification_labels_have_no_calibration_but_a_state():
    y_true, y_pred = ex.classification_example()
    report = ModelReport("classification").add_split(
        "test", y_true, y_pred, analysis={"state": True}
    )
    analysis = report.to_dict()["analysis"]["test"]
    assert "calibration" not in analysis
    state = analysis["state"]
    labels = state["labels"]
    assert labels == sorted(set(y_true.tolist()) | set(y_pred.tolist()))
    assert np.array_equal(np.asarray(labels)[decode_array(state["y-true"], "y")], y_true)
    assert np.array_equal(np.asarray(labels)[decode_array(state["y-pred"], "y")], y_pred)
    _validate(report.to_dict())


def test_regression_state_holds_the_data():
    y_true, y_pred = ex.regression_split_example("test")
    report = ModelReport("regression", "price").add_split(
        "test", y_true, y_pred, analysis={"state": True}
    )
    state = report.to_dict()["analysis"]["test"]["state"]
    assert state["kind"] == "regression"
    assert state["targets"] == ["price"]
    assert np.array_equal(decode_array(state["y-true"], "y"), y_true)
    assert np.array_equal(decode_array(state["y-pred"], "y"), y_pred)
    _validate(report.to_dict())


def test_semantic_segmentation_worst_images_by_mean_iou():
    gt, pred = ex.semantic_segmentation_split_example("test")
    names = list(ex.SEGMENTATION_CLASSES)
    report = ModelReport("semantic-segmentation", names)
    report.add_split("test", gt, pred, analysis={"k": 3, "state": True})
    export = report.to_dict()
    analysis = export["analysis"]["test"]
    acc = SegmentationAccumulator(len(names), per_image=True)
    for p, t in zip(pred, gt, strict=True):
        acc.update(p, t)
    m = acc.compute()
    worst = m.worst_images(3).tolist()
    assert [row["image"] for row in analysis["worst-images"]] == worst
    assert [row["mean-iou"] for row in analysis["worst-images"]] == [
        float(m.per_image_mean_iou[i]) for i in worst
    ]
    stats = decode_array(analysis["state"]["image-stats"], "stats")
    assert stats.shape == (len(gt), 3, len(names))
    assert np.array_equal(stats[:, 0].sum(axis=0), np.diagonal(m.confusion_matrix))
    _validate(export)


# --------------------------------------------------------------- the state


def test_coco_state_round_trips_and_resamples_as_the_evaluation():
    gt, results = _coco_pair()
    ev = COCOeval(gt, gt.loadRes(results), "bbox")
    ev.evaluate()
    from modelmetrics._coco.eval import evaluation_of

    evaluation = evaluation_of(ev)
    cols = columns_of_evaluation(evaluation)
    text = json.dumps(coco_state(cols))
    back = coco_columns_of_state(json.loads(text), "state")
    for field in cols.__dataclass_fields__:
        a, b = getattr(cols, field), getattr(back, field)
        assert np.array_equal(np.asarray(a), np.asarray(b)), field
        assert np.asarray(a).dtype.kind == np.asarray(b).dtype.kind, field
    direct = bootstrap_samples(sample_of_evaluation(evaluation), 100, 0, 0.95)
    assert bootstrap_samples(sample_of_columns(back), 100, 0, 0.95) == direct


def test_encoded_arrays_are_exact_and_checked():
    values = np.array([[0.1, -2.5e300], [np.pi, 0.0]])
    assert np.array_equal(decode_array(json.loads(json.dumps(encode_array(values))), "x"), values)
    codes = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    assert np.array_equal(decode_array(encode_array(codes), "x"), codes)
    good = encode_array(codes)
    with pytest.raises(ValueError, match=r"state.codes"):
        decode_array({**good, "shape": [2, 3, 5]}, "state.codes")
    with pytest.raises(ValueError, match=r"state.codes"):
        decode_array({**good, "data": "not base64!"}, "state.codes")
    with pytest.raises(ValueError, match=r"state.codes"):
        decode_array({**good, "dtype": "object"}, "state.codes")
    with pytest.raises(ValueError, match=r"state.codes"):
        decode_array([1, 2], "state.codes")


def test_state_of_another_kind_or_version_is_rejected():
    report = ModelReport("detection", ex.DETECTION_CLASSES)
    report.add_split("test", *ex.detection_split_example("test"), analysis={"n": 20, "state": True})
    state = report.to_dict()["analysis"]["test"]["state"]
    with pytest.raises(ValueError, match=r"b.json: .*version 2"):
        coco_columns_of_state({**state, "version": 2}, "b.json")
    with pytest.raises(ValueError, match=r"b.json: .*kind 'regression'"):
        coco_columns_of_state({**state, "kind": "regression"}, "b.json")
    slots = {**state["slots"], "rank": encode_array(np.zeros(3, np.int32))}
    with pytest.raises(ValueError, match=r"b.json: the state's arrays do not fit"):
        coco_columns_of_state({**state, "slots": slots}, "b.json")


# ------------------------------------------------------------- export, options


@pytest.mark.parametrize(
    "task",
    ["classification", "regression", "detection", "instance-segmentation",
     "semantic-segmentation", "keypoints"],
)  # fmt: skip
def test_every_type_round_trips_and_validates_with_analysis(task, tmp_path):
    report = ex.demo_report(task, analysis={"n": 50, "state": True})
    text = report.to_json()
    export = json.loads(text)
    assert set(export["analysis"]) == set(SPLITS)
    _validate(export)
    assert ModelReport.from_json(text).to_json() == text
    path = tmp_path / "export.json"
    report.to_json(path)
    assert ModelReport.from_json(path).to_json() == text
    # A split added to a report read back keeps the analysis of the others.
    back = ModelReport.from_json(text)
    back._evaluations.pop("test")
    labels, make = ex._demo_inputs(task)
    back.labels = labels
    kwargs = {"threshold": ex.REGRESSION_TOLERANCE} if task == "regression" else {}
    back.add_split("test", *make("test"), analysis={"n": 50, "state": True}, **kwargs)
    again = json.loads(back.to_json())
    assert again["analysis"]["train"] == export["analysis"]["train"]
    assert again["analysis"]["test"]["options"] == export["analysis"]["test"]["options"]


def test_without_analysis_the_export_has_no_analysis_key():
    report = ex.demo_report("detection")
    assert "analysis" not in report.to_dict()
    report = ModelReport("regression").add_split("test", [1.0, 2.0], [1.5, 2.5], analysis=False)
    assert "analysis" not in report.to_dict()


@pytest.mark.parametrize("name", sorted(p.name for p in EXPORTS.glob("*.json")))
def test_old_exports_still_load_and_validate(name):
    report = ModelReport.from_json(EXPORTS / name)
    export = report.to_dict()
    assert "analysis" not in export
    if "modelType" in json.loads((EXPORTS / name).read_text()):
        _validate(export)
    assert ModelReport.from_json(report.to_json()).to_json() == report.to_json()


def test_the_page_leaves_the_state_out():
    report = ex.demo_report("detection", analysis={"n": 20, "state": True})
    page = report.to_html()
    assert '"intervals"' in page
    assert '"tide"' in page
    assert '"slots"' not in page
    assert '"image-ids"' not in page
    assert "state" in report.to_dict()["analysis"]["test"]


@pytest.mark.parametrize(
    ("analysis", "error", "match"),
    [
        ("yes", TypeError, "analysis"),
        (1, TypeError, "analysis"),
        ({"n": 0}, ValueError, r"analysis\['n'\]"),
        ({"level": 1.0}, ValueError, r"analysis\['level'\]"),
        ({"bins": 0}, ValueError, r"analysis\['bins'\]"),
        ({"strategy": "even"}, ValueError, r"analysis\['strategy'\]"),
        ({"k": -1}, ValueError, r"analysis\['k'\]"),
        ({"state": "yes"}, TypeError, r"analysis\['state'\]"),
        ({"resamples": 10}, ValueError, "analysis: unknown option.*resamples"),
    ],
)
def test_bad_analysis_options_name_the_option(analysis, error, match):
    report = ModelReport("regression")
    with pytest.raises(error, match=match):
        report.add_split("test", [1.0, 2.0], [1.5, 2.5], analysis=analysis)
    assert report.splits == []


def test_detection_scores_outside_unit_interval_need_quantile_bins():
    gt, dt = ex.detection_split_example("test")
    dt = [{**d, "scores": d["scores"] * 10} for d in dt]
    report = ModelReport("detection", ex.DETECTION_CLASSES)
    with pytest.raises(ValueError, match=r"analysis: .*quantile"):
        report.add_split("test", gt, dt, analysis=True)
    report.add_split("test", gt, dt, analysis={"strategy": "quantile", "n": 20})
    assert report.to_dict()["analysis"]["test"]["calibration"]["strategy"] == "quantile"


def test_detection_without_detections_has_no_tide():
    gt, dt = ex.detection_split_example("test")
    empty = [
        {**d, "boxes": np.zeros((0, 4)), "labels": np.zeros(0, int), "scores": np.zeros(0)}
        for d in dt
    ]
    report = ModelReport("detection", ex.DETECTION_CLASSES)
    report.add_split("test", gt, empty, analysis={"n": 20})
    analysis = report.to_dict()["analysis"]["test"]
    assert analysis["tide"] is None
    assert analysis["intervals"]["map"]["value"] == 0.0
    assert analysis["calibration"]["n-samples"] == 0
    _validate(report.to_dict())


# ------------------------------------------- intervals of the other model types


def test_classification_intervals_equal_classification_bootstrap():
    from modelmetrics._analysis.resampling import classification_bootstrap

    y_true, proba = ex.classification_proba_example("validation")
    report = ModelReport("classification", list(ex.CLASSES))
    report.add_split("validation", y_true, proba, analysis=OPTIONS)
    export = report.to_dict()
    intervals = export["analysis"]["validation"]["intervals"]
    direct = classification_bootstrap(y_true, proba, labels=list(ex.CLASSES), n=200, seed=3,
                                      level=0.9)  # fmt: skip
    assert intervals == json.loads(json.dumps(direct))
    for name in ("accuracy", "balanced-accuracy", "macro-f1", "weighted-f1"):
        assert intervals[name]["value"] == export["metrics"]["validation"][name], name
    y_true, y_pred = ex.classification_example()
    labels_only = ModelReport("classification").add_split("test", y_true, y_pred, analysis=OPTIONS)
    direct = classification_bootstrap(y_true, y_pred, n=200, seed=3, level=0.9)
    assert labels_only.to_dict()["analysis"]["test"]["intervals"] == json.loads(json.dumps(direct))


def test_regression_intervals_equal_regression_bootstrap():
    from modelmetrics._analysis.resampling import regression_bootstrap

    y_true, y_pred = ex.regression_split_example("train")
    report = ModelReport("regression", "price").add_split("train", y_true, y_pred, analysis=OPTIONS)
    export = report.to_dict()
    intervals = export["analysis"]["train"]["intervals"]
    assert intervals == regression_bootstrap(y_true, y_pred, n=200, seed=3, level=0.9)
    for name, entry in intervals.items():
        assert entry["value"] == export["metrics"]["train"][name], name
    _validate(export)


def test_segmentation_intervals_equal_segmentation_bootstrap():
    from modelmetrics._analysis.resampling import segmentation_bootstrap

    gt, pred = ex.semantic_segmentation_split_example("validation")
    names = list(ex.SEGMENTATION_CLASSES)
    report = ModelReport("semantic-segmentation", names)
    report.add_split("validation", gt, pred, analysis=OPTIONS)
    export = report.to_dict()
    intervals = export["analysis"]["validation"]["intervals"]
    direct = segmentation_bootstrap(gt, pred, num_classes=len(names), n=200, seed=3, level=0.9)
    direct["per-class"] = {names[c]: v for c, v in direct["per-class"].items()}
    assert intervals == json.loads(json.dumps(direct))
    for name in ("mean-iou", "pixel-accuracy", "mean-class-accuracy", "frequency-weighted-iou"):
        assert intervals[name]["value"] == export["metrics"]["validation"][name], name


# ------------------------------------------------------------ worst-case tables


def _rows(columns):
    names = list(columns)
    return [dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def test_detection_worst_images_are_image_diagnostics_worst():
    from modelmetrics._analysis.per_image import image_diagnostics

    gt, dt = ex.detection_split_example("test")
    report = ModelReport("detection", ex.DETECTION_CLASSES)
    report.add_split("test", gt, dt, threshold=0.4, analysis={"n": 20, "k": 4})
    rows = report.to_dict()["analysis"]["test"]["worst-images"]
    direct = image_diagnostics(gt, dt, iou_threshold=0.5, score_threshold=0.4).worst(4)
    assert rows == [{k.replace("_", "-"): v for k, v in row.items()} for row in direct]
    assert [row["f1"] for row in rows] == sorted(row["f1"] for row in rows)
    no_rows = ModelReport("detection").add_split("test", gt, dt, analysis={"n": 20, "k": 0})
    assert "worst-images" not in no_rows.to_dict()["analysis"]["test"]


def test_classification_mistakes_are_confident_mistakes():
    from modelmetrics._analysis.per_image import confident_mistakes

    y_true, proba = ex.classification_proba_example("test")
    report = ModelReport("classification", list(ex.CLASSES))
    report.add_split("test", y_true, proba, analysis={"n": 20, "k": 5})
    export = report.to_dict()
    direct = confident_mistakes(y_true, proba, labels=list(ex.CLASSES), k=5)
    assert export["analysis"]["test"]["mistakes"] == _rows(direct.as_dict())
    _validate(export)


def test_regression_residuals_are_largest_residuals():
    from modelmetrics._analysis.per_image import largest_residuals

    y_true, y_pred = ex.regression_split_example("test")
    report = ModelReport("regression").add_split("test", y_true, y_pred, analysis={"n": 20})
    export = report.to_dict()
    direct = largest_residuals(y_true, y_pred, k=10)
    assert export["analysis"]["test"]["residuals"] == _rows(direct.as_dict())
    _validate(export)
