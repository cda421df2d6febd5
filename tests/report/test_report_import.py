"""Reading exports: SmartML's own "Export All Metrics" file and exports of earlier versions."""

import json
import math
import re
from pathlib import Path

import pytest

from modelmetrics._cli.main import main
from modelmetrics.report import ModelReport, export_schema

jsonschema = pytest.importorskip("jsonschema")

DATA = Path(__file__).resolve().parents[1] / "data" / "report-exports"
SMARTML = DATA / "smartml-regression-example.json"
SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "000_237bd0d143549fa6.txt"


def validate(export):
    validator = jsonschema.Draft202012Validator(export_schema())
    errors = sorted(validator.iter_errors(export), key=str)
    assert not errors, "\n".join(e.message for e in errors[:5])


# ------------------------------------------------------------------ SmartML's export


def test_smartml_export_loads_with_its_type_inferred():
    raw = json.loads(SMARTML.read_text(encoding="utf-8"))
    assert "modelType" not in raw  # as in the specification's sample
    report = ModelReport.from_json(SMARTML)
    assert report.model_type == "regression"
    assert report.splits == ["train", "validation", "test"]


def test_smartml_export_numbers_read_back():
    report = ModelReport.from_json(SMARTML)
    assert report.metrics("test") == {
        "mean-error": 0.7059,
        "max-error": 47.25,
        "mean-absolute-error": 12.3894,
        "mean-squared-error": 231.2662,
        "r2-score": 0.8229556668100615,
        "explained-variance-score": 0.823337082603099,
    }
    assert report.metrics("train")["max-error"] == 116.5
    assert report.metrics("validation")["mean-squared-error"] == 226.484
    assert report.dataset_stats("train") == {"regression": {"bone-age-in-months": 1008}}
    assert report.dataset_stats("test") == {"regression": {"bone-age-in-months": 126}}
    assert report.accuracy("validation") == {"accuracy": 0.0, "threshold": 0.5}
    assert report.split_loss("test") is None  # the sample has no per-split loss
    history = report.loss_history
    assert history.losses[0] == 128.58590698242188
    assert history.validation_losses[-1] == 71.07752227783203
    # Nanosecond timestamps come back digit for digit.
    assert history.timestamps[0] == "2022-08-16T19:09:25.920362920Z"
    assert history.timestamps_ns[1] == 1_660_676_981_930_844_930
    assert (report.start_time, report.duration) == (1660676941.5795865, 1105.4098682403564)
    assert (report.running, report.successful, report.error) == (False, True, None)
    convergence = history.convergence()  # validation loss falls at each of the 5 entries
    assert (convergence.best_index, convergence.best_loss) == (4, 71.07752227783203)


def test_smartml_export_reexports_valid_json_that_reads_back_the_same():
    report = ModelReport.from_json(SMARTML)
    export = json.loads(report.to_json())
    validate(export)
    assert export["modelType"] == "regression"
    assert export["error"] is None  # SmartML's false: no error
    raw = json.loads(SMARTML.read_text(encoding="utf-8"))
    for key in ("metrics", "datasetStats", "accuracies", "losses", "validationLosses"):
        assert export[key] == raw[key], key
    assert export["lossTimestamps"] == raw["lossTimestamps"]
    # Keys the format does not know are kept, after the known ones.
    assert list(export)[-3:] == ["localPath", "writeUrl", "webhookUrl"]
    assert export["localPath"] == raw["localPath"]
    assert ModelReport.from_dict(export).to_dict() == export


def test_smartml_export_renders_through_the_report_command(capsys, tmp_path):
    page = tmp_path / "smartml.html"
    assert main(["report", str(SMARTML), "--html", str(page), "-q"]) == 0
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert capsys.readouterr().err == ""


def _scalars(value, key=None):
    """``(key, value)`` of every number, string and boolean in document order."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _scalars(v, k)
    elif not isinstance(value, list):
        yield key, value


def test_smartml_reproduction_is_faithful_to_the_specification():
    """Every key and scalar of tests/data's reproduction, in order, is the sample's on
    the specification page, and its loss arrays are the first entries of the page's."""
    if not SEED.is_file():
        pytest.skip("../shared/seed is not available (it is outside the project)")
    text = SEED.read_text(encoding="utf-8")
    sample = text[text.index("Example output:") :]
    raw = json.loads(SMARTML.read_text(encoding="utf-8"))
    # The page's text keeps the sample's lines but lost its braces: compare its
    # `"key": scalar` lines with the reproduction's scalars, in order.
    page = re.findall(r'^"([^"]+)": (?!\[|\{)(.*?),?$', sample, flags=re.M)
    ours = list(_scalars(raw))
    assert [k for k, _ in page] == [k for k, _ in ours]
    for (key, page_value), (_, value) in zip(page, ours, strict=True):
        if key == "writeUrl":  # IDs replaced by placeholders
            assert json.loads(page_value).startswith("gs://")
            continue
        assert json.loads(page_value) == value, key
    for key in ("losses", "validationLosses", "lossTimestamps"):
        full = json.loads(re.search(rf'^"{key}": (\[.*\]),?$', sample, flags=re.M).group(1))
        assert len(full) == 68
        assert raw[key] == full[: len(raw[key])], key
    # Nested the same way: each split's object under the same top-level key.
    assert list(raw) == [
        "localPath", "writeUrl", "webhookUrl", "running", "successful", "error", "metrics",
        "datasetStats", "losses", "validationLosses", "lossTimestamps", "startTime",
        "duration", "accuracies",
    ]  # fmt: skip


# ------------------------------------------------------------ inference and its errors


def _export(metrics, stats=None, **extra):
    return {"metrics": metrics, "datasetStats": stats or {}, **extra}


@pytest.mark.parametrize(
    ("metrics", "stats", "expected"),
    [
        ({"test": {"mean-squared-error": 1.0}}, None, "regression"),
        ({"test": {"accuracy": 0.5}}, None, "classification"),
        ({"test": {"confusion-matrix": {"labels": [], "matrix": []}}}, None, "classification"),
        ({"test": {"map": 0.3, "accuracy": 0.1}}, None, "detection"),
        ({"test": {"mean-iou": 0.3, "pixel-accuracy": 0.9}}, None, "semantic-segmentation"),
        ({"test": {"map": 0.3, "per-keypoint": {}}}, None, "keypoints"),
        # datasetStats' task wins over the metric names: instance segmentation has mAP.
        ({"test": {"map": 0.3}}, {"test": {"instance-segmentation": {"a": 1}}},
         "instance-segmentation"),
        ({"test": {"map": 0.3}}, {"test": {"detection": {"a": 1}}}, "detection"),
    ],
)  # fmt: skip
def test_model_type_is_inferred_from_the_content(metrics, stats, expected):
    assert ModelReport.from_dict(_export(metrics, stats)).model_type == expected


def test_model_type_argument_supplies_or_must_agree():
    export = _export({"test": {"map": 0.3}})
    report = ModelReport.from_json(json.dumps(export), model_type="instance-segmentation")
    assert report.model_type == "instance-segmentation"
    ours = ModelReport.from_json(DATA / "modelmetrics-0.1.0-regression.json")
    assert ours.model_type == "regression"
    with pytest.raises(ValueError, match="model_type='classification' but the export's"):
        ModelReport.from_json(
            DATA / "modelmetrics-0.1.0-regression.json", model_type="classification"
        )
    with pytest.raises(ValueError, match="model_type"):
        ModelReport.from_dict(export, model_type="ranking")


def test_an_export_whose_type_cannot_be_told_is_a_clear_error():
    with pytest.raises(ValueError, match=r"no 'modelType'.*\(loss-only\).*pass model_type="):
        ModelReport.from_dict(_export({"test": {"loss-only": 1.0}}))
    with pytest.raises(ValueError, match=r"no 'modelType'.*metric names \(none\)"):
        ModelReport.from_dict(_export({}))
    with pytest.raises(ValueError, match="'metrics'"):
        ModelReport.from_dict({"datasetStats": {}})


@pytest.mark.parametrize(
    ("error", "expected"),
    [(False, None), (None, None), ("out of memory", "out of memory"),
     (True, "the export marks an error without a message")],
)  # fmt: skip
def test_error_field_as_smartml_and_modelmetrics_write_it(error, expected):
    export = json.loads(SMARTML.read_text(encoding="utf-8"))
    export["error"] = error
    report = ModelReport.from_dict(export)
    assert report.error == expected
    assert report.to_dict()["error"] == expected
    validate(report.to_dict())


def test_an_error_field_of_another_type_is_rejected():
    with pytest.raises(ValueError, match="'error' must be a string, null or a boolean, got 3"):
        ModelReport.from_dict(_export({"test": {"r2-score": 1.0}}, error=3))


# --------------------------------------------------------------- earlier exports


def test_modelmetrics_0_1_0_classification_export_still_loads():
    path = DATA / "modelmetrics-0.1.0-classification.json"
    report = ModelReport.from_json(path)
    assert report.model_type == "classification"
    assert report.splits == ["validation", "test"]
    test = report.metrics("test")
    # test: truth cat, dog, bird, bird; most probable cat, dog, bird, dog.
    assert test["confusion-matrix"] == {
        "labels": ["cat", "dog", "bird"],
        "matrix": [[1, 0, 0], [0, 1, 0], [0, 1, 1]],
    }
    assert test["accuracy"] == 0.75
    assert test["per-class"]["dog"]["precision"] == 0.5
    assert report.split_loss("test") == 0.75  # given
    # validation: -mean(log 0.7, log 0.8, log 0.6, log 0.4), the true class' probabilities.
    expected = -(math.log(0.7) + math.log(0.8) + math.log(0.6) + math.log(0.4)) / 4
    assert report.split_loss("validation") == pytest.approx(expected, rel=1e-15)
    assert report.accuracy("validation") == {"accuracy": 0.75, "threshold": 0.5}
    assert report.dataset_stats("test") == {"classification": {"cat": 1, "dog": 1, "bird": 2}}
    assert report.loss_history.timestamps == [
        "2026-11-20T05:00:00.000000001Z",
        "2026-11-20T05:01:35.5Z",
        "2026-11-20T05:03:10Z",
    ]
    assert report.to_json() == path.read_text(encoding="utf-8")  # byte for byte
    validate(json.loads(report.to_json()))


def test_modelmetrics_0_1_0_regression_export_still_loads():
    path = DATA / "modelmetrics-0.1.0-regression.json"
    report = ModelReport.from_json(path)
    # y = 3, -0.5, 2, 7 and predictions 2.5, 0, 2, 8: errors -0.5, 0.5, 0, 1.
    assert report.metrics("test")["mean-absolute-error"] == 0.5
    assert report.metrics("test")["mean-squared-error"] == 0.375
    assert report.accuracy("test") == {"accuracy": 0.75, "threshold": 0.5}  # |error| <= 0.5
    assert report.to_json() == path.read_text(encoding="utf-8")
    # A split added to a report read back is evaluated like any other.
    report.add_split("validation", [1.0, 2.0], [1.0, 4.0])
    assert report.metrics("validation")["mean-squared-error"] == 2.0
