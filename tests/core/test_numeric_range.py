"""Numerical range: counts beyond 2**31 (int64 wherever counts live), float16/float32
inputs, very large and very small values, and all-equal scores.

Counts past 2**31 are reached without allocating 2**31 elements: by integer sample
weights, and by merging an accumulator with a copy of itself until its counts double
past the limit.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import math
import warnings
from fractions import Fraction

import numpy as np
import pytest
from _fuzz_data import DT, GT

from modelmetrics import _kernels
from modelmetrics.classification import (
    ClassificationAccumulator,
    average_precision_score,
    confusion_matrix,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)
from modelmetrics.coco import COCO, COCOeval
from modelmetrics.regression import RegressionAccumulator, regression_metrics
from modelmetrics.segmentation import SegmentationAccumulator

BIG = 2**40  # past int32 and uint32; sums of a few stay exact in int64 (and float64)


def test_integer_weights_count_past_2_31_exactly():
    y_true, y_pred = [0, 1, 1, 2, 0], [0, 1, 0, 2, 0]
    w = [BIG, BIG + 1, 3, 2**33, 7]
    cm = confusion_matrix(y_true, y_pred, sample_weight=w)
    assert cm.dtype == np.int64
    expected = np.zeros((3, 3), np.int64)
    for t, p, x in zip(y_true, y_pred, w, strict=True):
        expected[t, p] += x
    assert np.array_equal(cm, expected)


def _doubled(acc, times):
    for _ in range(times):
        acc.merge(copy.deepcopy(acc))
    return acc


def test_classification_state_doubles_past_2_31_and_keeps_its_ratios():
    y_true, y_pred = [0, 1, 1, 2, 2, 2], [0, 1, 0, 2, 2, 1]
    small = ClassificationAccumulator().update(y_true, y_pred).compute()
    big = _doubled(ClassificationAccumulator().update(y_true, y_pred), 34).compute()
    assert big.confusion_matrix.dtype == np.int64
    assert np.array_equal(big.confusion_matrix, small.confusion_matrix * 2**34)
    assert big.confusion_matrix.sum() > 2**36
    # Every ratio is a ratio of counts scaled by 2**34: exactly the same float.
    assert big.accuracy == small.accuracy
    assert np.array_equal(big.precision, small.precision)
    assert np.array_equal(big.f1, small.f1)


def test_segmentation_pixel_counts_double_past_2_31():
    rng = np.random.default_rng(31)
    pred = rng.integers(0, 4, (16, 16)).astype(np.uint8)
    target = rng.integers(0, 4, (16, 16)).astype(np.uint8)
    small = SegmentationAccumulator(4).update(pred, target).compute()
    big = _doubled(SegmentationAccumulator(4).update(pred, target), 30).compute()
    assert big.confusion_matrix.dtype == np.int64
    assert np.array_equal(big.confusion_matrix, small.confusion_matrix * 2**30)
    assert big.confusion_matrix.sum() == 256 * 2**30
    assert np.array_equal(big.iou, small.iou)
    assert big.pixel_accuracy == small.pixel_accuracy


def test_regression_sample_count_doubles_past_2_31():
    rng = np.random.default_rng(2)
    t, p = rng.normal(size=64), rng.normal(size=64)
    small = RegressionAccumulator().update(t, p)
    big = _doubled(RegressionAccumulator().update(t, p), 32)
    assert big.n_samples == 64 * 2**32
    for key, value in small.compute().as_dict().items():
        assert big.compute().as_dict()[key] == pytest.approx(value, rel=1e-12), key


def test_confusion_kernels_add_to_counts_beyond_2_31():
    # The kernels accumulate into int64 tables: counts already past 2**31 (or 2**32)
    # keep growing exactly instead of wrapping.
    labels = np.array([0, 1, 1], np.int64)
    table = np.full((2, 2), 2**31 - 1, np.int64)
    _kernels.count_pairs(labels, labels, table)
    assert table.tolist() == [[2**31, 2**31 - 1], [2**31 - 1, 2**31 + 1]]
    table = np.full((2, 2), 2**32, np.int64)
    sums = np.zeros(2, np.int64), np.zeros(2, np.int64)
    weights = np.array([BIG, BIG, 2**62], np.int64)
    _kernels.count_pairs_weighted(labels, labels, weights, table, *sums)
    assert table.tolist() == [[2**32 + BIG, 2**32], [2**32, 2**32 + BIG + 2**62]]
    assert sums[0].tolist() == sums[1].tolist() == [BIG, BIG + 2**62]


# ------------------------------------------------------------ float16 and float32


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_low_precision_regression_inputs_give_the_float64_result(dtype):
    rng = np.random.default_rng(16)
    t = rng.normal(size=1000).astype(dtype)
    p = (t + rng.normal(scale=0.1, size=1000)).astype(dtype)
    low = regression_metrics(t, p).as_dict()
    high = regression_metrics(t.astype(np.float64), p.astype(np.float64)).as_dict()
    assert low == high


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_low_precision_scores_match_scikit_learn(dtype):
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(32)
    y = rng.integers(0, 2, 2000)
    s = (rng.random(2000) + 0.2 * y).astype(dtype)  # float16: many ties
    assert roc_auc_score(y, s) == sk.roc_auc_score(y, s)
    assert average_precision_score(y, s) == sk.average_precision_score(y, s)
    for ours, theirs in zip(roc_curve(y, s), sk.roc_curve(y, s), strict=True):
        assert np.array_equal(ours, theirs)


# --------------------------------------------------- very large and very small values


def _exact_mse(t, p):
    return float(sum((Fraction(a) - Fraction(b)) ** 2 for a, b in zip(t, p, strict=True)) / len(t))


@pytest.mark.parametrize("scale", [1e-150, 1e-100, 1.0, 1e100, 1e150])
def test_regression_is_accurate_at_extreme_scales(scale):
    rng = np.random.default_rng(7)
    t = rng.normal(size=200) * scale
    p = t + rng.normal(size=200) * scale * 1e-3
    got = regression_metrics(t, p)
    assert got.mean_squared_error == pytest.approx(_exact_mse(t, p), rel=1e-12)
    assert got.max_error == float(
        max(abs(Fraction(a) - Fraction(b)) for a, b in zip(t, p, strict=True))
    )


def test_squares_beyond_the_float_range_are_infinity_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = regression_metrics([1e300, -1e300], [-1e300, 1e300])
    assert got.mean_squared_error == math.inf  # 4e600 rounds to infinity
    assert got.max_error == 2e300  # the differences themselves are representable
    assert got.mean_absolute_error == 2e300
    assert math.isnan(got.r2_score)  # inf / inf: undefined


def test_subnormal_differences_are_exact():
    t = np.array([0.0, 5e-324, 1e-310])
    p = np.array([5e-324, 0.0, 1e-310])
    got = regression_metrics(t, p)
    assert got.max_error == 5e-324
    assert got.mean_absolute_error == float(Fraction(2 * 5e-324) / 3)


# ------------------------------------------------------------------ all-equal scores


@pytest.mark.parametrize("score", [0.0, 0.5, 1e-300, 1e300])
def test_all_equal_scores_match_scikit_learn(score):
    sk = pytest.importorskip("sklearn.metrics")
    y = np.array([0, 1, 1, 0, 1, 0, 0, 1, 1])
    s = np.full(y.shape, score)
    assert roc_auc_score(y, s) == sk.roc_auc_score(y, s) == 0.5
    assert average_precision_score(y, s) == sk.average_precision_score(y, s) == 5 / 9
    for ours, theirs in zip(
        precision_recall_curve(y, s), sk.precision_recall_curve(y, s), strict=True
    ):
        assert np.array_equal(ours, theirs)


def test_all_equal_detection_scores_match_pycocotools():
    pytest.importorskip("pycocotools")
    from pycocotools.coco import COCO as RefCOCO
    from pycocotools.cocoeval import COCOeval as RefCOCOeval

    dt = copy.deepcopy(DT) * 3  # each detection three times, all with one score
    for d in dt:
        d["score"] = 0.5
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref_gt = RefCOCO()
        ref_gt.dataset = json.loads(json.dumps(GT))
        ref_gt.createIndex()
        ref = RefCOCOeval(ref_gt, ref_gt.loadRes(json.loads(json.dumps(dt))), "bbox")
        ref.evaluate()
        ref.accumulate()
        ref.summarize()
        ours_gt = COCO(json.loads(json.dumps(GT)))
        ours = COCOeval(ours_gt, ours_gt.loadRes(json.loads(json.dumps(dt))), "bbox")
        ours.evaluate()
        ours.accumulate()
        ours.summarize()
    assert np.array_equal(ours.stats, ref.stats)
    assert np.array_equal(ours.eval["precision"], ref.eval["precision"])
