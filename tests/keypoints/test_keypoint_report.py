"""ModelReport("keypoints") and ``modelmetrics evaluate --task keypoints``: the split's
metrics are evaluate_keypoints' (with class names), the export validates against the
schema and reads back, the page carries the per-keypoint table, and the command line
reads COCO keypoint files and reports pycocotools' numbers."""

from __future__ import annotations

import contextlib
import copy
import io
import json

import numpy as np
import pytest
from _keypoint_cases import pose_sets, reference_eval
from hypothesis import given, settings

import modelmetrics._cli.examples as ex
from modelmetrics._cli.main import main
from modelmetrics.keypoints import evaluate_keypoints
from modelmetrics.report import ModelReport, export_schema

jsonschema = pytest.importorskip("jsonschema")


def validate(export):
    errors = sorted(jsonschema.Draft202012Validator(export_schema()).iter_errors(export), key=str)
    assert not errors, "\n".join(e.message for e in errors[:5])


def test_split_equals_evaluate_keypoints_with_class_names():
    gt, pred = ex.keypoints_split_example("validation")
    report = ModelReport("keypoints", {1: "person"}).add_split("validation", gt, pred)
    expected = evaluate_keypoints(gt, pred, score_threshold=0.5).as_dict()
    got = report.metrics("validation")
    assert got["per-class"] == {"person": expected["per-class"]["1"]}
    assert {k: v for k, v in got.items() if k != "per-class"} == {
        k: v for k, v in expected.items() if k != "per-class"
    }
    assert list(got["per-keypoint"])[:2] == ["nose", "left_eye"]
    person = evaluate_keypoints(gt, pred, score_threshold=0.5).classes[1]
    assert report.dataset_stats("validation") == {"keypoints": {"person": person.support}}
    tp, wrong = person.tp, person.fp + person.fn
    assert report.accuracy("validation") == {"accuracy": tp / (tp + wrong), "threshold": 0.5}


def test_options_reach_evaluate_keypoints():
    gt, pred = ex.keypoints_split_example("test")
    names = [f"k{i}" for i in range(17)]
    sigmas = np.full(17, 0.05)
    report = ModelReport("keypoints").add_split(
        "test", gt, pred, threshold=0.3, iou_threshold=0.75, sigmas=sigmas, keypoint_names=names
    )
    expected = evaluate_keypoints(
        gt, pred, score_threshold=0.3, iou_threshold=0.75, sigmas=sigmas, keypoint_names=names
    )
    assert report.metrics("test") == json.loads(json.dumps(expected.as_dict(), allow_nan=False))
    with pytest.raises(TypeError, match=r"unexpected option\(s\) \['num_classes'\]"):
        ModelReport("keypoints").add_split("test", gt, pred, num_classes=3)


@settings(max_examples=15)
@given(case=pose_sets(max_images=4))
def test_export_validates_and_reads_back(case, tmp_path_factory):
    report = ModelReport("keypoints", {1: "a", 2: "b"})
    report.add_split("test", *case["arrays"], sigmas=case["sigmas"])
    export = report.to_dict()
    validate(export)
    path = tmp_path_factory.mktemp("export") / "keypoints.json"
    text = report.to_json(path)
    again = ModelReport.from_json(path)
    assert again.model_type == "keypoints"
    assert again.to_json() == text
    assert again.metrics("test")["per-keypoint"] == export["metrics"]["test"]["per-keypoint"]


def test_schema_requires_the_keypoint_parts_and_old_exports_still_validate():
    gt, pred = ex.keypoints_split_example("test")
    export = ModelReport("keypoints", {1: "person"}).add_split("test", gt, pred).to_dict()
    for key in ("per-keypoint", "mar"):
        broken = copy.deepcopy(export)
        del broken["metrics"]["test"][key]
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, export_schema())
    broken = copy.deepcopy(export)
    broken["metrics"]["test"]["per-keypoint"]["nose"]["pairs"] = -1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, export_schema())
    # A detection export (written before keypoints existed) is unchanged by them.
    det_gt, det_pred = ex.detection_split_example("test")
    detection = ModelReport("detection", ex.DETECTION_CLASSES).add_split("test", det_gt, det_pred)
    validate(detection.to_dict())
    assert ModelReport.from_json(detection.to_json()).to_json() == detection.to_json()


def test_html_has_the_per_keypoint_table():
    gt, pred = ex.keypoints_split_example("test")
    page = ModelReport("keypoints", {1: "person"}).add_split("test", gt, pred).to_html()
    assert '<section id="per-keypoint-section">' in page
    assert "renderPerKeypoint" in page
    assert '"per-keypoint": {"nose"' in page


# ----------------------------------------------------------------------------- CLI


def _write_case(case, tmp_path):
    gt_data, results = copy.deepcopy(case["coco"])
    names = [f"kp{i}" for i in range(case["k"])]
    for category in gt_data["categories"]:
        category["keypoints"] = names
    gt_path, dt_path = tmp_path / "gt.json", tmp_path / "dt.json"
    gt_path.write_text(json.dumps(gt_data))
    dt_path.write_text(json.dumps(results))
    return str(gt_path), str(dt_path), names


def _run(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@settings(max_examples=10)
@given(case=pose_sets(max_images=4))
def test_cli_evaluate_keypoints_reports_pycocotools_numbers(case, tmp_path_factory):
    pytest.importorskip("pycocotools")
    tmp_path = tmp_path_factory.mktemp("cli")
    gt_path, dt_path, names = _write_case(case, tmp_path)
    argv = ["evaluate", "--task", "keypoints", "-g", gt_path, "-p", dt_path, "-q",
            "--output", str(tmp_path / "m.json"), "--html", str(tmp_path / "m.html")]  # fmt: skip
    if case["sigmas"] is not None:
        argv += ["--sigmas", ",".join(repr(float(s)) for s in case["sigmas"])]
    code, out, err = _run(*argv)
    assert (code, out, err) == (0, "", "")
    export = json.loads((tmp_path / "m.json").read_text())
    validate(export)
    metrics = export["metrics"]["test"]
    ref = reference_eval(case)
    keys = ["map", "map50", "map75", "map-medium", "map-large",
            "mar", "mar50", "mar75", "mar-medium", "mar-large"]  # fmt: skip
    assert [metrics[k] for k in keys] == [None if v == -1 else v for v in ref.stats.tolist()]
    assert list(metrics["per-keypoint"]) == names  # the category's keypoint names
    assert set(metrics["per-class"]) <= {"class1", "class2"}
    assert "per-keypoint-section" in (tmp_path / "m.html").read_text()


def test_cli_keypoints_options_and_errors(tmp_path):
    gt = {
        "images": [{"id": 1}],
        "categories": [{"id": 1, "name": "hand"}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10],
                         "area": 50, "iscrowd": 0, "keypoints": [1, 1, 2, 5, 5, 2],
                         "num_keypoints": 2}],
    }  # fmt: skip
    results = [{"image_id": 1, "category_id": 1, "score": 0.9, "keypoints": [1, 1, 1, 5, 7, 1]}]
    gt_path, dt_path = tmp_path / "gt.json", tmp_path / "dt.json"
    gt_path.write_text(json.dumps(gt))
    dt_path.write_text(json.dumps(results))
    base = ["evaluate", "--task", "keypoints", "-g", str(gt_path), "-p", str(dt_path), "-q"]
    code, out, _ = _run(*base, "--sigmas", "0.1,0.1", "--iou-threshold", "0.9")
    assert code == 0
    metrics = json.loads(out)["metrics"]["test"]
    # OKS of the one pair: (1 + exp(-4 / (2 * 50 * 0.2**2))) / 2 = 0.68: no match at 0.9.
    assert metrics["iou-threshold"] == 0.9
    assert metrics["per-class"]["hand"]["tp"] == 0
    assert metrics["per-keypoint"]["1"]["pairs"] == 0
    for extra, fragment in (
        ([], "field 'keypoints' must be a list of 51 numbers"),  # COCO's 17 by default
        (["--sigmas", "0.1,x"], "--sigmas: expected comma-separated numbers"),
        (["--sigmas", "0.1,-0.1"], "sigmas must be finite and positive"),
    ):
        code, _, err = _run(*base, *extra)
        assert code == 1
        lines = err.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].startswith("modelmetrics: error: ")
        assert fragment in lines[0]
    code, _, err = _run(*base[:2], "detection", *base[3:], "--sigmas", "0.1")
    assert code == 1
    assert "--sigmas applies to --task keypoints only" in err
