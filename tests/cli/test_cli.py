"""The command-line interface."""

import csv
import io
import json
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _png_cases import encode_png

import modelmetrics._cli.examples as ex
from modelmetrics import __version__
from modelmetrics._cli.main import main
from modelmetrics._cli.progress import Progress
from modelmetrics.coco import COCO, COCOeval
from modelmetrics.report import ModelReport, export_schema


def test_demo_prints_classification_and_regression_metrics(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "Classification" in out
    assert "weighted avg" in out
    assert "confusion matrix" in out
    assert "Regression" in out
    for name in ("mean-error", "max-error", "mean-absolute-error", "r2-score"):
        assert name in out
    assert "Object detection" in out
    assert "Keypoints: built-in example" in out
    assert "mAP@[.50:.95]" in out
    assert "background" in out


def test_no_command_is_a_usage_error(capsys):
    assert main([]) == 2
    assert "usage: modelmetrics" in capsys.readouterr().err


def test_python_dash_m_entry_point():
    proc = subprocess.run(
        [sys.executable, "-m", "modelmetrics", "--version"], capture_output=True, text=True
    )
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"modelmetrics {__version__}"


def test_thread_controls_are_exported_and_validated():
    import modelmetrics

    with modelmetrics.num_threads(1):
        assert modelmetrics.get_num_threads() == 1
    with pytest.raises(ValueError, match="n_threads"):
        modelmetrics.set_num_threads(0)
    with pytest.raises(TypeError, match="n_threads"):
        modelmetrics.set_num_threads(1.5)  # type: ignore[arg-type]


# --------------------------------------------------------------- report commands


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err, *fragments):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("modelmetrics: error: ")
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0]


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        if header:
            writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def coco_files(tmp_path, split="test"):
    gt, pred = ex.detection_split_example(split)
    images, annotations, results = [], [], []
    for entry, found in zip(gt, pred, strict=True):
        image_id = int(entry["image_id"])
        images.append({"id": image_id, "width": 640, "height": 640})
        for box, label in zip(entry["boxes"].tolist(), entry["labels"].tolist(), strict=True):
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": image_id,
                    "category_id": int(label),
                    "bbox": box,
                    "area": box[2] * box[3],
                    "iscrowd": 0,
                }
            )
        for box, label, score in zip(
            found["boxes"].tolist(), found["labels"].tolist(), found["scores"].tolist(), strict=True
        ):
            results.append(
                {"image_id": image_id, "category_id": int(label), "bbox": box, "score": score}
            )
    categories = [{"id": k, "name": v} for k, v in ex.DETECTION_CLASSES.items()]
    gt_path, dt_path = tmp_path / "gt.json", tmp_path / "dt.json"
    gt_path.write_text(
        json.dumps({"images": images, "annotations": annotations, "categories": categories})
    )
    dt_path.write_text(json.dumps(results))
    return str(gt_path), str(dt_path), gt, pred


def test_demo_output_dir_writes_json_and_html_for_each_model_type(capsys, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    code, out, err = run(capsys, "demo", "--output-dir", str(tmp_path / "out"))
    assert code == 0
    assert "Object detection" in out  # the printed demo is unchanged
    tasks = (
        "classification",
        "regression",
        "detection",
        "instance-segmentation",
        "semantic-segmentation",
        "keypoints",
    )
    for task in tasks:
        export = json.loads((tmp_path / "out" / f"{task}.json").read_text())
        jsonschema.validate(export, export_schema())
        assert export["modelType"] == task
        assert list(export["metrics"]) == ["train", "validation", "test"]
        assert len(export["losses"]) == len(export["lossTimestamps"]) > 0
        page = (tmp_path / "out" / f"{task}.html").read_text()
        assert page.startswith("<!DOCTYPE html>")
        # Each split's error analysis (at least the intervals of its headline metrics).
        assert list(export["analysis"]) == ["train", "validation", "test"]
        assert export["analysis"]["test"]["intervals"]
        assert f"{task}.json" in out
    assert "not available yet" not in err
    semantic = json.loads((tmp_path / "out" / "semantic-segmentation.json").read_text())
    target, pred = ex.semantic_segmentation_split_example("test")
    expected = ModelReport("semantic-segmentation", list(ex.SEGMENTATION_CLASSES))
    assert semantic["metrics"]["test"] == expected.add_split("test", target, pred).metrics("test")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"{t}.{e}" for t in tasks for e in ("json", "html")
    )


def test_demo_quiet_prints_nothing_on_stderr(capsys, tmp_path):
    code, _, err = run(capsys, "demo", "--quiet", "--output-dir", str(tmp_path))
    assert code == 0
    assert err == ""


def test_evaluate_classification_probabilities_from_csv(capsys, tmp_path):
    y_true, proba = ex.classification_proba_example("validation")
    gt = write_csv(tmp_path / "gt.csv", ["label"], [[v] for v in y_true])
    pred = write_csv(tmp_path / "pred.csv", list(ex.CLASSES), proba.tolist())
    out_json, out_html = tmp_path / "m.json", tmp_path / "r.html"
    code, _, err = run(
        capsys,
        "evaluate", "--task", "classification", "-g", gt, "-p", pred, "--split", "validation",
        "--output", str(out_json), "--html", str(out_html),
    )  # fmt: skip
    assert code == 0, err
    export = json.loads(out_json.read_text())
    expected = ModelReport("classification", list(ex.CLASSES))
    # CSV holds the probabilities as repr() text: the same floats come back.
    expected.add_split("validation", y_true, proba)
    assert export["metrics"] == expected.to_dict()["metrics"]
    assert export["splitLosses"] == expected.to_dict()["splitLosses"]
    assert export["accuracies"]["validation"]["threshold"] == 0.5
    assert out_html.read_text().startswith("<!DOCTYPE html>")


def test_evaluate_classification_labels_to_stdout(capsys, tmp_path):
    y_true, y_pred = ex.classification_example()
    gt = write_csv(tmp_path / "gt.csv", None, [[v] for v in y_true])
    pred = write_csv(tmp_path / "pred.csv", None, [[v] for v in y_pred])
    code, out, _ = run(capsys, "evaluate", "--task", "classification", "-g", gt, "-p", pred)
    assert code == 0
    export = json.loads(out)
    assert export["metrics"]["test"] == (
        ModelReport("classification").add_split("test", y_true, y_pred).metrics("test")
    )


def test_evaluate_regression_from_npy(capsys, tmp_path):
    y_true, y_pred = ex.regression_split_example("train")
    np.save(tmp_path / "t.npy", y_true)
    np.save(tmp_path / "p.npy", y_pred)
    code, out, _ = run(
        capsys,
        "evaluate", "--task", "regression", "-g", str(tmp_path / "t.npy"),
        "-p", str(tmp_path / "p.npy"), "--split", "train", "--threshold", "10",
        "--labels", "price",
    )  # fmt: skip
    assert code == 0
    export = json.loads(out)
    expected = ModelReport("regression", "price").add_split("train", y_true, y_pred, threshold=10)
    assert export["metrics"]["train"] == expected.metrics("train")
    assert export["datasetStats"]["train"] == {"regression": {"price": len(y_true)}}
    assert export["accuracies"]["train"] == expected.accuracy("train")


def test_evaluate_instance_segmentation_from_coco_files(capsys, tmp_path):
    gt_path, dt_path, _, _ = coco_files(tmp_path)
    gt = json.loads(Path(gt_path).read_text())
    for ann in gt["annotations"]:  # ellipse-ish octagons inside the boxes
        x, y, w, h = ann["bbox"]
        ann["segmentation"] = [[x + w / 3, y, x + 2 * w / 3, y, x + w, y + h / 2,
                                x + 2 * w / 3, y + h, x + w / 3, y + h, x, y + h / 2]]  # fmt: skip
    Path(gt_path).write_text(json.dumps(gt))
    out_json = tmp_path / "m.json"
    code, _, err = run(
        capsys,
        "evaluate", "--task", "instance-segmentation", "-g", gt_path, "-p", dt_path,
        "--output", str(out_json), "--quiet",
    )  # fmt: skip
    assert code == 0, err
    export = json.loads(out_json.read_text())
    coco_gt = COCO(gt_path)
    expected = ModelReport("instance-segmentation", ex.DETECTION_CLASSES).add_split(
        "test", coco_gt, coco_gt.loadRes(dt_path)
    )
    assert export["metrics"]["test"] == expected.metrics("test")
    ev = COCOeval(coco_gt, coco_gt.loadRes(dt_path), "segm")
    ev.evaluate()
    ev.accumulate()
    with redirect_stdout(io.StringIO()):
        ev.summarize()
    assert export["metrics"]["test"]["map"] == ev.stats[0]


def test_evaluate_detection_from_coco_files(capsys, tmp_path):
    gt_path, dt_path, gt, pred = coco_files(tmp_path)
    out_json = tmp_path / "m.json"
    code, _, err = run(
        capsys,
        "evaluate", "--task", "detection", "-g", gt_path, "-p", dt_path,
        "--output", str(out_json), "--quiet",
    )  # fmt: skip
    assert code == 0, err
    assert err == ""
    export = json.loads(out_json.read_text())
    expected = ModelReport("detection", ex.DETECTION_CLASSES).add_split("test", gt, pred)
    got, want = export["metrics"]["test"], expected.metrics("test")
    for key in ("map", "map50", "map75", "mar-100", "confusion-matrix"):
        assert got[key] == want[key]
    assert got["per-class"].keys() == want["per-class"].keys() == {"person", "car", "dog"}
    assert export["datasetStats"] == {"test": expected.dataset_stats("test")}


def _cocoeval_summary(gt_path: str, dt_path: str, iou_type: str) -> tuple[str, Any]:
    """What COCOeval's summarize() prints for the files, and its stats."""
    coco_gt = COCO(gt_path)
    ev = COCOeval(coco_gt, coco_gt.loadRes(dt_path), iou_type)
    ev.evaluate()
    ev.accumulate()
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        ev.summarize()
    return buffer.getvalue(), ev.stats


def test_coco_command_prints_the_summary(capsys, tmp_path):
    gt_path, dt_path, _, _ = coco_files(tmp_path)
    code, out, _ = run(capsys, "coco", gt_path, dt_path, "--iou-type", "bbox")
    assert code == 0
    assert out == _cocoeval_summary(gt_path, dt_path, "bbox")[0]
    assert len(out.strip().splitlines()) == 12


def test_coco_segm_without_segmentations_is_a_one_line_error(capsys, tmp_path):
    gt_path, dt_path, _, _ = coco_files(tmp_path)
    code, _, err = run(capsys, "coco", gt_path, dt_path, "--iou-type", "segm")
    assert code == 1
    assert_one_line_error(err, "segmentation")


def test_coco_segm_prints_the_summary_of_cocoeval(capsys, tmp_path):
    gt_path, dt_path, _, _ = coco_files(tmp_path)
    # Box polygons as ground-truth segmentations (the results get theirs from loadRes).
    gt = json.loads(Path(gt_path).read_text())
    for ann in gt["annotations"]:
        x, y, w, h = ann["bbox"]
        ann["segmentation"] = [[x, y, x, y + h, x + w, y + h, x + w, y]]
    Path(gt_path).write_text(json.dumps(gt))
    code, out, _ = run(capsys, "coco", gt_path, dt_path, "--iou-type", "segm", "--quiet")
    assert code == 0
    assert out == _cocoeval_summary(gt_path, dt_path, "segm")[0]


def test_coco_keypoints_prints_the_ten_line_summary(capsys, tmp_path):
    gt_path, dt_path, _, _ = coco_files(tmp_path)
    gt = json.loads(Path(gt_path).read_text())
    for ann in gt["annotations"]:  # COCO's 17 keypoints spread over each box
        x, y, w, h = ann["bbox"]
        ann["keypoints"] = [v for j in range(17) for v in (x + w * j / 17, y + h / 2, 2)]
        ann["num_keypoints"] = 17
    Path(gt_path).write_text(json.dumps(gt))
    results = json.loads(Path(dt_path).read_text())
    for det in results:
        x, y, w, h = det.pop("bbox")
        det["keypoints"] = [v for j in range(17) for v in (x + w * j / 17 + 1, y + h / 2, 1)]
    Path(dt_path).write_text(json.dumps(results))
    code, out, _ = run(capsys, "coco", gt_path, dt_path, "--iou-type", "keypoints")
    assert code == 0
    summary, stats = _cocoeval_summary(gt_path, dt_path, "keypoints")
    assert out == summary
    assert len(out.strip().splitlines()) == 10
    assert stats[0] > 0


def test_report_command_renders_an_export(capsys, tmp_path):
    code, _, _ = run(capsys, "demo", "--quiet", "--output-dir", str(tmp_path))
    assert code == 0
    out_html = tmp_path / "again.html"
    code, _, err = run(capsys, "report", str(tmp_path / "regression.json"), "--html", str(out_html))
    assert code == 0
    assert "wrote" in err
    page = out_html.read_text()
    export = ModelReport.from_json(tmp_path / "regression.json")
    assert page == export.to_html()


def test_report_command_takes_the_model_type_of_an_export_without_one(capsys, tmp_path):
    """An export of mAP without modelType reads as detection unless told."""
    export = json.loads(ex.demo_report("detection").to_json())
    del export["modelType"]
    path = tmp_path / "bare.json"
    path.write_text(json.dumps(export))
    pages = []
    for flag, expected in (((), "detection"), (("--model-type", "instance-segmentation"),
                                               "instance-segmentation")):  # fmt: skip
        out_html = tmp_path / f"{expected}.html"
        code, _, err = run(capsys, "report", str(path), "--html", str(out_html), *flag)
        assert code == 0, err
        pages.append(out_html.read_text())
        assert pages[-1] == ModelReport.from_json(path, model_type=expected).to_html()
    assert pages[0] != pages[1]
    code, _, err = run(capsys, "report", str(path), "--html", str(out_html), "--model-type", "x")
    assert code == 2
    assert "--model-type" in err


def test_evaluate_semantic_segmentation_from_npy(capsys, tmp_path):
    target, pred = ex.semantic_segmentation_split_example("train")
    target[:, :2] = 255  # an unlabelled border
    np.save(tmp_path / "t.npy", target)
    np.save(tmp_path / "p.npy", pred)
    names = ",".join(ex.SEGMENTATION_CLASSES)
    out_json, out_html = tmp_path / "m.json", tmp_path / "r.html"
    code, _, err = run(
        capsys,
        "evaluate", "--task", "semantic-segmentation", "-g", str(tmp_path / "t.npy"),
        "-p", str(tmp_path / "p.npy"), "--labels", names, "--ignore-index", "255",
        "--split", "train", "--output", str(out_json), "--html", str(out_html),
    )  # fmt: skip
    assert code == 0, err
    export = json.loads(out_json.read_text())
    expected = ModelReport("semantic-segmentation", list(ex.SEGMENTATION_CLASSES))
    expected.add_split("train", target, pred, ignore_index=255)
    assert export["metrics"] == expected.to_dict()["metrics"]
    assert export["datasetStats"] == expected.to_dict()["datasetStats"]
    assert export["accuracies"]["train"]["threshold"] is None
    assert export["metrics"]["train"]["ignored-pixels"] == 2 * 64 * 8
    assert 'data-model-type="semantic-segmentation"' in out_html.read_text()


def test_evaluate_semantic_segmentation_from_png_directories(capsys, tmp_path):
    target, pred = ex.semantic_segmentation_split_example("test")
    (tmp_path / "gt").mkdir()
    (tmp_path / "pred").mkdir()
    names = [f"frame-{i:03d}" for i in range(len(target))][::-1]  # matched by name, not order
    for i, name in enumerate(names):
        (tmp_path / "gt" / f"{name}.png").write_bytes(encode_png(target[i], colour=3))
        (tmp_path / "pred" / f"{name}.png").write_bytes(encode_png(pred[i], filters=[4, 1, 2]))
    (tmp_path / "pred" / "notes.txt").write_text("not a map")
    code, out, err = run(
        capsys,
        "evaluate", "--task", "semantic-segmentation", "-g", str(tmp_path / "gt"),
        "-p", str(tmp_path / "pred"), "--num-classes", "5", "--quiet",
    )  # fmt: skip
    assert code == 0, err
    expected = ModelReport("semantic-segmentation").add_split("test", target, pred)
    assert json.loads(out)["metrics"]["test"] == expected.metrics("test")
    # One PNG map each: a single image.
    gt_one, pred_one = tmp_path / "gt" / f"{names[2]}.png", tmp_path / "pred" / f"{names[2]}.png"
    code, out, err = run(
        capsys, "evaluate", "--task", "semantic-segmentation", "-g", str(gt_one),
        "-p", str(pred_one), "--num-classes", "5",
    )  # fmt: skip
    assert code == 0, err
    one = ModelReport("semantic-segmentation").add_split("test", target[2], pred[2], num_classes=5)
    assert json.loads(out)["metrics"]["test"] == one.metrics("test")


def test_semantic_segmentation_input_errors_are_one_line(capsys, tmp_path):
    target, pred = ex.semantic_segmentation_split_example("test")
    for name in ("gt", "pred"):
        (tmp_path / name).mkdir()
    for i in range(3):
        (tmp_path / "gt" / f"{i}.png").write_bytes(encode_png(target[i]))
    for i in range(2):
        (tmp_path / "pred" / f"{i}.png").write_bytes(encode_png(pred[i]))
    rgb = tmp_path / "rgb.png"
    rgb.write_bytes(encode_png(target[0], colour=2))
    interlaced = tmp_path / "adam7.png"
    interlaced.write_bytes(encode_png(target[0], interlace=1))
    np.save(tmp_path / "t.npy", target)
    np.save(tmp_path / "p.npy", pred)
    np.save(tmp_path / "flat.npy", target.ravel())
    cases = [
        (("-g", tmp_path / "gt", "-p", tmp_path / "pred"), ("no label map named '2'",)),
        (("-g", rgb, "-p", rgb), (str(rgb), "colour type 2 (RGB)")),
        (("-g", interlaced, "-p", interlaced), (str(interlaced), "interlaced")),
        (("-g", tmp_path / "t.npy", "-p", tmp_path / "pred"), ("two files or two directories",)),
        (("-g", tmp_path / "flat.npy", "-p", tmp_path / "p.npy"), ("flat.npy", "shape (32768,)")),
        (("-g", tmp_path / "t.npy", "-p", tmp_path / "p.npy", "--threshold", "0.5"),
         ("'threshold' parameter must be None",)),
        (("-g", tmp_path / "t.npy", "-p", tmp_path / "p.npy", "--num-classes", "3"),
         ("t.npy", "p.npy", "outside [0, 3)")),
        (("-g", tmp_path / "t.npy", "-p", tmp_path / "none.npy"), ("none.npy", "not found")),
    ]  # fmt: skip
    for argv, fragments in cases:
        code, _, err = run(capsys, "evaluate", "--task", "semantic-segmentation", *map(str, argv))
        assert code == 1, argv
        assert_one_line_error(err, *fragments)
    gt = write_csv(tmp_path / "x.csv", None, [[1.0], [2.0]])
    code, _, err = run(
        capsys, "evaluate", "--task", "regression", "-g", gt, "-p", gt, "--ignore-index", "255"
    )
    assert code == 1
    assert_one_line_error(err, "--ignore-index applies to --task semantic-segmentation only")


def test_bad_input_is_one_line_naming_the_file(capsys, tmp_path):
    good = write_csv(tmp_path / "good.csv", None, [[1.0], [2.0]])
    missing = str(tmp_path / "missing.csv")
    code, _, err = run(capsys, "evaluate", "--task", "regression", "-g", missing, "-p", good)
    assert code == 1
    assert_one_line_error(err, missing, "not found")

    ragged = tmp_path / "ragged.csv"
    ragged.write_text("1,2\n3\n")
    code, _, err = run(capsys, "evaluate", "--task", "regression", "-g", str(ragged), "-p", good)
    assert code == 1
    assert_one_line_error(err, str(ragged), "row 2")

    short = write_csv(tmp_path / "short.csv", None, [[1.0], [2.0], [3.0]])
    code, _, err = run(capsys, "evaluate", "--task", "regression", "-g", short, "-p", good)
    assert code == 1
    assert_one_line_error(err, short, good, "inconsistent numbers of samples")

    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    code, _, err = run(capsys, "report", str(broken), "--html", str(tmp_path / "x.html"))
    assert code == 1
    assert_one_line_error(err, str(broken), "not a JSON report")

    code, _, err = run(capsys, "coco", str(broken), str(broken), "--iou-type", "bbox")
    assert code == 1
    assert_one_line_error(err, str(broken))


def test_usage_errors_exit_2(capsys):
    code, _, err = run(capsys, "evaluate", "--task", "ranking", "-g", "a", "-p", "b")
    assert code == 2
    assert "invalid choice" in err
    code, _, err = run(capsys, "evaluate", "--task", "regression")
    assert code == 2
    assert "required" in err
    assert run(capsys, "coco", "a.json", "b.json", "--iou-type", "masks")[0] == 2


def test_bad_input_exit_code_and_message_from_a_real_process(tmp_path):
    missing = str(tmp_path / "nope.json")
    proc = subprocess.run(
        [sys.executable, "-m", "modelmetrics", "report", missing, "--html", "x.html"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert proc.stderr == f"modelmetrics: error: {missing}: report export not found\n"


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_draws_only_on_a_terminal():
    tty = _Terminal()
    with Progress(4, stream=tty) as bar:
        bar.step("reading")
        bar.advance("evaluating")
    text = tty.getvalue()
    assert "\r[" in text
    assert "1/4 evaluating" in text
    assert text.endswith("\r")  # the line is wiped at the end
    pipe = io.StringIO()
    with Progress(4, stream=pipe) as bar:
        bar.advance("x")
    assert pipe.getvalue() == ""
    quiet = _Terminal()
    with Progress(4, stream=quiet, enabled=False) as bar:
        bar.advance("x")
    assert quiet.getvalue() == ""


def test_csv_reader_headers_and_types(tmp_path):
    from modelmetrics._cli.inputs import InputError, read_table

    table = read_table(write_csv(tmp_path / "a.csv", ["label"], [["cat"], ["dog"]]), "x")
    assert table.names == ["label"]
    assert table.values.tolist() == ["cat", "dog"]
    table = read_table(write_csv(tmp_path / "b.csv", None, [["cat"], ["dog"]]), "x")
    assert table.names is None
    assert table.values.tolist() == ["cat", "dog"]
    table = read_table(write_csv(tmp_path / "c.csv", ["a", "b"], [[1, 2], [3, 4]]), "x")
    assert table.names == ["a", "b"]
    assert table.values.dtype == np.int64
    assert table.values.tolist() == [[1, 2], [3, 4]]
    # pandas' DataFrame(probabilities).to_csv(index=False): class indices as the header.
    rows = [[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]]
    probs = read_table(write_csv(tmp_path / "p.csv", ["0", "1", "2"], rows), "x", numeric=True)
    assert probs.names == ["0", "1", "2"]
    assert probs.values.tolist() == [[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]]
    # A first row of integers above integers (or repeated) stays a row.
    ints = read_table(write_csv(tmp_path / "i.csv", None, [[0, 1], [1, 0]]), "x")
    assert ints.names is None
    assert ints.values.tolist() == [[0, 1], [1, 0]]
    onehot = read_table(write_csv(tmp_path / "o.csv", None, [[0, 0, 1], [0.5, 0.5, 0]]), "x")
    assert onehot.names is None
    assert len(onehot.values) == 2
    with pytest.raises(InputError, match=r"\.csv, \.tsv or \.npy"):
        read_table(write_csv(tmp_path / "d.xlsx", None, [[1]]), "x")
    Path(tmp_path / "e.npy").write_bytes(b"garbage")
    with pytest.raises(InputError, match=r"not a readable \.npy"):
        read_table(tmp_path / "e.npy", "x")
