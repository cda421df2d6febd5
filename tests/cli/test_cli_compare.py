"""``modelmetrics compare A.json B.json``: paired bootstrap of two exports on the same data,
exit code 1 when the chosen metric regresses beyond the tolerance, 2 for bad input."""

import json

import numpy as np
import pytest

import modelmetrics._cli.examples as ex
from modelmetrics._cli.main import main
from modelmetrics._report.compare import compare_exports, regressed
from modelmetrics.analysis import compare as coco_compare
from modelmetrics.report import ModelReport

STATE = {"state": True, "n": 20}


def _export(path, task, gt, pred, **kwargs):
    labels, _ = ex._demo_inputs(task)
    report = ModelReport(task, labels).add_split("test", gt, pred, analysis=STATE, **kwargs)
    report.to_json(path)
    return path


def _worse_detections(dt, seed=0):
    rng = np.random.default_rng(seed)
    return [{**d, "boxes": d["boxes"] + rng.normal(0, 6, d["boxes"].shape)} for d in dt]


@pytest.fixture(scope="module")
def detection(tmp_path_factory):
    folder = tmp_path_factory.mktemp("compare")
    gt, dt = ex.detection_split_example("test")
    a = _export(folder / "a.json", "detection", gt, dt)
    b = _export(folder / "b.json", "detection", gt, _worse_detections(dt))
    return folder, a, b


def _run(capsys, *argv):
    code = main(["compare", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_model_against_itself_exits_0_with_zero_deltas(detection, capsys, tmp_path):
    _, a, _ = detection
    out_json = tmp_path / "cmp.json"
    code, out, err = _run(capsys, a, a, "--n", 100, "--json", out_json)
    assert code == 0, err
    assert "map: B - A = +0.0000" in out
    assert out.rstrip().endswith(": ok")
    result = json.loads(out_json.read_text())
    assert result["regressed"] is False
    assert result["metric"] == "map"
    for name, entry in result["metrics"].items():
        assert entry["delta"] == 0.0, name
        assert entry["a"] == entry["b"], name
        assert (entry["low"], entry["high"]) in ((0.0, 0.0), (None, None)), name
        assert entry["p-better"] in (0.0, None), name


def test_a_worse_model_exits_1_and_the_better_one_0(detection, capsys):
    _, a, b = detection
    code, out, _ = _run(capsys, a, b, "--n", 100)
    assert code == 1
    assert "map: B - A = -0." in out
    assert "REGRESSED" in out
    code, out, _ = _run(capsys, b, a, "--n", 100, "--metric", "map50")
    assert code == 0
    assert "* map50" in out


def test_the_comparison_is_the_paired_bootstrap_of_the_states(detection):
    _, a, b = detection
    export_a, export_b = json.loads(a.read_text()), json.loads(b.read_text())
    result = compare_exports(export_a, export_b, n=100, seed=2, level=0.9)
    # The headline metrics first (matched-iou has no bootstrap), then COCO's others.
    assert list(result["metrics"])[:5] == ["map", "map50", "map75", "mar-100", "map-small"]
    for name, entry in result["metrics"].items():
        assert entry["a"] == export_a["metrics"]["test"][name], name
        assert entry["b"] == export_b["metrics"]["test"][name], name
        assert entry["direction"] == "higher"
    # The same numbers as modelmetrics.analysis.compare on the same data.
    gt, dt = ex.detection_split_example("test")
    coco_gt, a_dt, b_dt = _coco(gt, dt), _results(dt), _results(_worse_detections(dt))
    direct = coco_compare(coco_gt, a_dt, b_dt, n=100, seed=2, level=0.9)
    for name, entry in result["metrics"].items():
        d = direct[name]
        got = (entry["delta"], entry["low"], entry["high"], entry["p-better"])
        assert got == (d["delta"], d["low"], d["high"], d["p_better"]), name
    assert result["per-class"]["person"]["ap"]["delta"] == direct["per-class"][1]["ap"]["delta"]


def _coco(gt_images, dt_images):
    from modelmetrics.coco import COCO

    images = [{"id": g["image_id"]} for g in gt_images]
    annotations = []
    for g in gt_images:
        for box, label in zip(g["boxes"].tolist(), g["labels"].tolist(), strict=True):
            annotations.append(
                {"id": len(annotations) + 1, "image_id": g["image_id"], "category_id": label,
                 "bbox": box, "area": box[2] * box[3], "iscrowd": 0}
            )  # fmt: skip
    cats = [{"id": k, "name": v} for k, v in ex.DETECTION_CLASSES.items()]
    return COCO({"images": images, "annotations": annotations, "categories": cats})


def _results(dt_images):
    return [
        {"image_id": d["image_id"], "category_id": label, "bbox": box, "score": score}
        for d in dt_images
        for box, label, score in zip(
            d["boxes"].tolist(), d["labels"].tolist(), d["scores"].tolist(), strict=True
        )
    ]


def test_tolerance(detection, capsys):
    _, a, b = detection
    drop = (
        json.loads(a.read_text())["metrics"]["test"]["map"]
        - json.loads(b.read_text())["metrics"]["test"]["map"]
    )
    assert drop > 0
    assert _run(capsys, a, b, "--n", 20, "--tolerance", drop * 1.01)[0] == 0
    assert _run(capsys, a, b, "--n", 20, "--tolerance", drop * 0.99)[0] == 1


def test_regressed_is_direction_aware():
    score = {"a": 0.8, "b": 0.7, "direction": "higher"}
    error = {"a": 1.0, "b": 1.5, "direction": "lower"}
    bias = {"a": -0.1, "b": 0.3, "direction": "zero"}
    assert regressed(score, 0.0)
    assert not regressed(score, 0.2)
    assert regressed(error, 0.4)
    assert not regressed(error, 0.6)
    assert not regressed({**error, "b": 0.5}, 0.0)  # a lower error is better
    assert regressed(bias, 0.1)
    assert not regressed({**bias, "b": 0.05}, 0.0)  # nearer zero
    assert not regressed({**score, "b": float("nan")}, 0.0)


def test_regression_error_metrics_regress_upwards(tmp_path, capsys):
    y, pred = ex.regression_split_example("test")
    noisy = pred + np.random.default_rng(0).normal(0, 10, pred.shape)
    a = _export(tmp_path / "a.json", "regression", y, pred)
    b = _export(tmp_path / "b.json", "regression", y, noisy)
    code, out, _ = _run(capsys, a, b, "--n", 100)
    assert code == 1
    assert "* mean-absolute-error (lower is better)" in out
    assert _run(capsys, b, a, "--n", 100)[0] == 0
    assert _run(capsys, a, b, "--n", 100, "--metric", "r2-score", "--tolerance", 0.5)[0] == 0
    assert _run(capsys, a, a, "--n", 50)[0] == 0


@pytest.mark.parametrize("task", ["classification", "semantic-segmentation", "keypoints"])
def test_every_type_with_a_state_compares(tmp_path, capsys, task):
    _, make = ex._demo_inputs(task)
    gt, pred = make("test")
    rng = np.random.default_rng(0)
    if task == "classification":
        worse = pred + rng.uniform(0, 0.8, pred.shape)
        worse /= worse.sum(axis=1, keepdims=True)
    elif task == "semantic-segmentation":
        worse = [np.where(rng.random(p.shape) < 0.2, 0, p) for p in pred]
    else:
        worse = [{**d, "keypoints": d["keypoints"] + rng.normal(0, 4, d["keypoints"].shape)}
                 for d in pred]  # fmt: skip
    a = _export(tmp_path / "a.json", task, gt, pred)
    b = _export(tmp_path / "b.json", task, gt, worse)
    code, _, err = _run(capsys, a, a, "--n", 50)
    assert code == 0, err
    assert _run(capsys, a, b, "--n", 50)[0] == 1
    assert _run(capsys, b, a, "--n", 50)[0] == 0
    result = compare_exports(json.loads(a.read_text()), json.loads(b.read_text()), n=50)
    first = {"classification": "accuracy", "semantic-segmentation": "mean-iou", "keypoints": "map"}
    assert next(iter(result["metrics"])) == first[task]
    export_a = json.loads(a.read_text())["metrics"]["test"]
    for name, entry in result["metrics"].items():
        assert entry["a"] == export_a[name], name


def test_missing_state_is_a_clear_error_naming_the_file(detection, tmp_path, capsys):
    _, a, _ = detection
    gt, dt = ex.detection_split_example("test")
    plain = tmp_path / "plain.json"
    ModelReport("detection", ex.DETECTION_CLASSES).add_split("test", gt, dt).to_json(plain)
    code, out, err = _run(capsys, a, plain)
    assert code == 2
    assert out == ""
    assert f"{plain}: split 'test' has no per-image state" in err
    assert "analysis={'state': True}" in err
    no_state = tmp_path / "no-state.json"
    ModelReport("detection", ex.DETECTION_CLASSES).add_split(
        "test", gt, dt, analysis={"n": 10}
    ).to_json(no_state)
    code, _, err = _run(capsys, no_state, a)
    assert code == 2
    assert f"{no_state}: split 'test' has no per-image state" in err


def test_other_data_and_other_model_types_are_rejected(detection, tmp_path, capsys):
    _, a, _ = detection
    other = _export(tmp_path / "other.json", "detection", *ex.detection_split_example("train"))
    code, _, err = _run(capsys, a, other)
    assert code == 2
    assert f"{other}: its images differ" in err or f"{other}: its ground truth differs" in err
    gt, dt = ex.detection_split_example("test")
    fewer = [{**g, "boxes": g["boxes"][:1], "labels": g["labels"][:1]} for g in gt]
    fewer_path = _export(tmp_path / "fewer.json", "detection", fewer, dt)
    code, _, err = _run(capsys, a, fewer_path)
    assert code == 2
    assert f"{fewer_path}: its ground truth differs" in err
    y, pred = ex.regression_split_example("test")
    reg = _export(tmp_path / "reg.json", "regression", y, pred)
    code, _, err = _run(capsys, a, reg)
    assert code == 2
    assert f"{reg}: a regression export cannot be compared" in err
    reg_other = _export(tmp_path / "reg2.json", "regression", *ex.regression_split_example("train"))
    code, _, err = _run(capsys, reg, reg_other)
    assert code == 2
    assert f"{reg_other}: its targets differ" in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--metric", "f1"], "--metric 'f1' is not a compared metric"),
        (["--split", "train"], "no split 'train'"),
        (["--n", "0"], "--n must be between 1"),
        (["--level", "1.5"], "--level must be in (0, 1)"),
        (["--seed", "-1"], "--seed must be >= 0"),
        (["--tolerance", "-0.1"], "--tolerance must be a finite number >= 0"),
    ],
)
def test_bad_arguments_exit_2(detection, capsys, extra, message):
    _, a, b = detection
    code, _, err = _run(capsys, a, b, *extra)
    assert code == 2
    assert message in err


def test_unreadable_inputs_exit_2(detection, tmp_path, capsys):
    _, a, _ = detection
    code, _, err = _run(capsys, a, tmp_path / "missing.json")
    assert code == 2
    assert "missing.json: report export not found" in err
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, _, err = _run(capsys, bad, a)
    assert code == 2
    assert "bad.json:" in err
    assert main(["compare", str(a)]) == 2  # argparse: B is missing
    capsys.readouterr()


def test_evaluate_analysis_writes_what_compare_reads(tmp_path, capsys):
    gt, dt = ex.detection_split_example("test")
    coco_gt = _coco(gt, dt)
    gt_path, dt_path = tmp_path / "gt.json", tmp_path / "dt.json"
    gt_path.write_text(json.dumps(coco_gt.dataset))
    dt_path.write_text(json.dumps(_results(dt)))
    out = tmp_path / "a.json"
    argv = ["evaluate", "--task", "detection", "-g", gt_path, "-p", dt_path, "--analysis",
            "--output", out, "-q"]  # fmt: skip
    assert main([str(x) for x in argv]) == 0
    export = json.loads(out.read_text())
    assert export["analysis"]["test"]["state"]["kind"] == "coco"
    assert export["analysis"]["test"]["options"]["state"] is True
    assert main(["compare", str(out), str(out), "--n", "20", "-q"]) == 0
    capsys.readouterr()
