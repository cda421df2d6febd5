"""Regression tests: one per bug the fuzz suite (tests/*/test_fuzz_*.py) found.

Each input here used to crash with an exception other than ValueError/TypeError, warn
from inside numpy, corrupt state or give a wrong number.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from modelmetrics import mask
from modelmetrics._cli.main import main
from modelmetrics.classification import (
    ClassificationAccumulator,
    accuracy_at_threshold,
    classification_report,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
    precision_score,
)
from modelmetrics.coco import COCO, COCOeval
from modelmetrics.detection import DetectionAccumulator, evaluate_detections
from modelmetrics.exceptions import MissingFieldError
from modelmetrics.regression import r2_score
from modelmetrics.report import LossHistory, ModelReport


def test_float16_labels_are_checked_without_a_cast_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert f1_score(np.zeros(3, np.float16), np.zeros(3, np.float16), average="micro") == 1


@pytest.mark.parametrize("labels", [False, 3, "ab"])
def test_a_scalar_labels_argument_is_an_invalid_parameter(labels):
    with pytest.raises((ValueError, TypeError), match="labels"):
        precision_score([0, 1], [0, 1], labels=labels, average=None)


def test_multilabel_labels_must_be_integers():
    with pytest.raises(ValueError, match="integers"):
        f1_score(np.eye(3), np.eye(3), labels=[0.5], average="macro")


def test_accuracy_at_threshold_compares_float16_scores_in_float64():
    # float16(0.1) is 0.0999755859375: below a threshold of 0.1, so predicted negative.
    scores = np.array([0.1], np.float16)
    assert accuracy_at_threshold([0], scores, threshold=0.1).accuracy == 1.0
    assert accuracy_at_threshold([1], scores, threshold=0.1).accuracy == 0.0


def test_cocoeval_without_categories_is_a_missing_field_error():
    gt = {"images": [{"id": 1, "width": 4, "height": 4}], "annotations": []}
    coco = COCO(gt)
    result = [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1.0}]

    def evaluate():
        COCOeval(coco, coco.loadRes(result), "bbox").evaluate()

    with pytest.raises(MissingFieldError, match="categories") as info:
        evaluate()
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, KeyError)  # pycocotools callers catch KeyError


def _image(image_id, boxes=((0, 0, 5, 5),), labels=(1,), scores=None):
    entry = {"boxes": np.array(boxes, float), "labels": np.array(labels), "image_id": image_id}
    if scores is not None:
        entry["scores"] = np.array(scores, float)
    return entry


def test_a_refused_detection_batch_leaves_the_accumulator_unchanged():
    acc = DetectionAccumulator()
    bad_pred = _image(7, scores=[0.5])
    bad_pred["labels"] = np.array([1, 2])  # one label too many
    with pytest.raises(ValueError, match="entries"):
        acc.update([_image(7)], [bad_pred])
    acc.update([_image(7)], [_image(7, scores=[0.5])])  # the same image, now valid
    assert acc.compute().map50 == evaluate_detections([_image(7)], [_image(7, scores=[0.5])]).map50


@pytest.mark.parametrize("image_id", [float("inf"), 2**63, "3", 1.5])
def test_bad_accumulator_image_ids_are_value_or_type_errors(image_id):
    with pytest.raises((ValueError, TypeError), match="image_id"):
        DetectionAccumulator().update([_image(image_id)], [_image(image_id, scores=[1.0])])


def test_per_image_ids_beyond_int64_are_a_value_error():
    with pytest.raises(ValueError, match="64 bits"):
        evaluate_detections([_image(2**63)], [_image(2**63, scores=[1.0])])


def test_a_scalar_per_image_field_is_a_type_error():
    with pytest.raises(TypeError, match="labels"):
        evaluate_detections([{"boxes": np.zeros((0, 4)), "labels": False}], [_image(0, scores=[1])])


def test_crowd_flags_out_of_range_are_a_value_error_not_a_wrapped_cast():
    boxes = np.zeros((1, 4))
    with pytest.raises(ValueError, match="pyiscrowd"):
        mask.iou(boxes, boxes, np.array([2.2e9], np.float32))
    with pytest.raises(ValueError, match="pyiscrowd"):
        mask.iou(boxes, boxes, np.array([257]))


def test_r2_beyond_the_float_range_is_minus_infinity_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        score = r2_score([0.0, 1.0, 0.0], [0.0, 0.0, 0.0], sample_weight=[0, 1e300, 1e-92])
    assert score == -np.inf


def test_report_from_dict_refuses_non_object_parts():
    report = ModelReport("regression", "y").add_split("test", [1.0, 2.0], [1.0, 2.5])
    data = report.to_dict()
    for key, value in (("lossConvergence", True), ("metrics", {"test": 3})):
        broken = json.loads(json.dumps(data))
        broken[key] = value
        with pytest.raises(ValueError, match=key if key != "metrics" else "split"):
            ModelReport.from_dict(broken)


@pytest.mark.parametrize("stamp", [1e12, -1e12, "0001-01-01T00:00:00+01:00"])
def test_timestamps_outside_years_1_to_9999_are_refused_when_logged(stamp):
    with pytest.raises(ValueError, match="0001 to 9999"):
        LossHistory.from_arrays([1.0], timestamps=[stamp])


def test_cli_csv_integer_beyond_int64_is_a_one_line_error(tmp_path, capsys):
    (tmp_path / "gt.csv").write_text("0\n1\n")
    (tmp_path / "p.csv").write_text("18446744073709551615\n1\n")
    code = main(["evaluate", "--task", "classification", "-g", str(tmp_path / "gt.csv"),
                 "-p", str(tmp_path / "p.csv"), "-q"])  # fmt: skip
    assert code == 1
    assert "64 bits" in capsys.readouterr().err


def test_classification_report_names_mixed_dtype_labels_as_scikit_learn():
    sk = pytest.importorskip("sklearn.metrics")
    y_true, y_pred = np.array([0, 1], np.int8), np.array([0.0, 1.0], np.float16)
    assert classification_report(y_true, y_pred) == sk.classification_report(y_true, y_pred)


def test_a_per_image_entry_without_boxes_is_a_value_error():
    gt = [_image(0), {"labels": np.array([], np.int64), "image_id": 1}]
    pred = [_image(0, scores=[1.0]), _image(1, scores=[1.0])]
    with pytest.raises(ValueError, match="missing 'boxes'"):
        evaluate_detections(gt, pred)


def test_two_dimensional_labels_are_a_value_error():
    gt = [{"boxes": np.zeros((1, 4)), "labels": np.array([[1, 1]]), "image_id": 0}]
    with pytest.raises(ValueError, match="1-D"):
        evaluate_detections(gt, [_image(0, scores=[1.0])])


def test_max_detections_beyond_int64_is_a_value_error():
    gt, pred = [_image(0)], [_image(0, scores=[1.0])]
    with pytest.raises(ValueError, match=r"'max_detections'.*9223372036854775807"):
        evaluate_detections(gt, pred, max_detections=2**63)


def test_a_confusion_matrix_beyond_physical_memory_is_a_value_error():
    # 200,000 classes: a 298 GiB matrix; numpy may grant it lazily and the process then
    # dies filling it. It is refused up front instead.
    labels = np.arange(200_000)
    with pytest.raises(ValueError, match="GiB"):
        confusion_matrix(labels, labels[::-1])
    with pytest.raises(ValueError, match="GiB"):
        ClassificationAccumulator().update(labels, labels[::-1])


def test_a_segmentation_histogram_beyond_physical_memory_is_refused(monkeypatch):
    # 56,247 classes asked for 23.6 GiB, which numpy granted lazily; the fuzz run was
    # then killed by the kernel's OOM killer. Here the machine is made small instead.
    from modelmetrics._core import arrays as _validation
    from modelmetrics.segmentation import SegmentationAccumulator

    monkeypatch.setattr(_validation, "_physical_memory", lambda: 2**30)
    with pytest.raises(ValueError, match="GiB"):
        SegmentationAccumulator(20_000)
    SegmentationAccumulator(1_000)  # 8 MB: fine


def test_weighted_multilabel_support_without_any_set_label_is_float():
    # Found by the parity suite's random search: numpy's bincount of an empty array is
    # int64 even with weights, where scikit-learn's weighted support is float64.
    sk = pytest.importorskip("sklearn.metrics")
    y = np.zeros((5, 2), np.int64)
    weights = [0.0, 0.0, 0.0, 0.0, 1.0]
    ours = precision_recall_fscore_support(y, y, average=None, sample_weight=weights,
                                           zero_division=0.0)  # fmt: skip
    ref = sk.precision_recall_fscore_support(
        y, y, average=None, sample_weight=weights, zero_division=0.0
    )
    for a, b in zip(ours, ref, strict=True):
        assert a.dtype == b.dtype
        assert np.array_equal(a, b)


def test_integer_weighted_multilabel_support_without_any_set_label_is_int():
    # Found by the parity suite's random search: with integer weights and no label set,
    # scikit-learn's matrix stays int64 (its true negatives take the weights' dtype, its
    # empty bincounts are int64); one set label makes it float64.
    sk = pytest.importorskip("sklearn.metrics")
    for y_true in (np.zeros((2, 4), np.int64), np.array([[1, 0, 0, 0], [0, 0, 0, 0]])):
        y_pred = np.zeros((2, 4), np.int64)
        ours = precision_recall_fscore_support(y_true, y_pred, average=None,
                                               sample_weight=[0, 1], zero_division=0.0)  # fmt: skip
        ref = sk.precision_recall_fscore_support(
            y_true, y_pred, average=None, sample_weight=[0, 1], zero_division=0.0
        )
        for a, b in zip(ours, ref, strict=True):
            assert a.dtype == b.dtype
            assert np.array_equal(a, b)
