"""Fuzz: modelmetrics.segmentation (odd label maps, scores and settings).

Allowed outcomes: a result or ValueError/TypeError; a result counts exactly the pixels a
NumPy histogram counts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from _fuzz import corrupt, mostly, numeric_arrays, outcome, rejected, weird_scalars
from hypothesis import given
from hypothesis import strategies as st

from modelmetrics.segmentation import SegmentationAccumulator, segmentation_metrics


@st.composite
def label_maps(draw: st.DrawFn) -> tuple[Any, Any, int]:
    k = draw(st.integers(1, 5))
    shape = draw(st.sampled_from([(3, 4), (2, 3, 4), (1, 1)]))
    size = int(np.prod(shape))
    dtype = draw(st.sampled_from([np.uint8, np.uint16, np.int32, np.int64, np.int8, np.uint64]))
    values = st.lists(st.integers(0, k - 1), min_size=size, max_size=size)
    pred = np.array(draw(values)).reshape(shape).astype(dtype)
    target = np.array(draw(values)).reshape(shape).astype(dtype)
    if draw(st.booleans()):
        pred = draw(corrupt(pred))
    else:
        target = draw(corrupt(target))
    return pred, target, k


def _histogram(pred: Any, target: Any, k: int, ignore: int | None) -> Any:
    p, t = np.asarray(pred).reshape(-1), np.asarray(target).reshape(-1)
    keep = t != ignore if ignore is not None else np.ones(t.shape, bool)
    return np.bincount(t[keep].astype(np.int64) * k + p[keep].astype(np.int64), minlength=k * k)


@given(
    data=label_maps(),
    ignore_index=mostly(st.sampled_from([None, 0, 255, -1]), weird_scalars),
    absent=st.sampled_from(["skip", "zero", "one", "x"]),
    per_image=st.booleans(),
)
def test_segmentation_rejects_or_counts_exactly(
    data: tuple[Any, Any, int], ignore_index: Any, absent: Any, per_image: bool
) -> None:
    pred, target, k = data
    kwargs = {"ignore_index": ignore_index, "absent": absent, "per_image": per_image}
    one = outcome(segmentation_metrics, pred, target, num_classes=k, **kwargs)
    acc = outcome(SegmentationAccumulator, k, **kwargs)
    if rejected(acc):
        assert rejected(one)
        return
    updated = outcome(acc.update, pred, target)
    if rejected(updated):
        assert acc.n_images == 0
        assert rejected(one)
        return
    assert not rejected(one)
    expected = _histogram(pred, target, k, ignore_index).reshape(k, k)
    assert np.array_equal(one.confusion_matrix, expected)
    assert np.array_equal(acc.compute().confusion_matrix, expected)


def _no_big_histogram(value: object) -> bool:
    # Valid class counts in the thousands allocate gigabytes of histogram (k * k * 8
    # bytes, per thread): a resource question, not a malformed input.
    return isinstance(value, bool) or not isinstance(value, int) or not 512 < value <= 65536


odd_class_counts = weird_scalars.filter(_no_big_histogram)


@st.composite
def score_maps(draw: st.DrawFn) -> tuple[Any, Any, Any]:
    k, h, w = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dtype = draw(st.sampled_from([np.float16, np.float32, np.float64]))
    vals = st.floats(-1e4, 1e4, width=16)
    scores = np.array(draw(st.lists(vals, min_size=k * h * w, max_size=k * h * w)), dtype)
    target = np.array(draw(st.lists(st.integers(0, k - 1), min_size=h * w, max_size=h * w)))
    scores, target = scores.reshape(1, k, h, w), target.reshape(1, h, w)
    if draw(st.booleans()):
        scores = draw(corrupt(scores))
    else:
        target = draw(corrupt(target))
    return (
        scores,
        target,
        draw(st.one_of(st.just(k), st.just(k), st.integers(-1, 4), odd_class_counts)),
    )


@given(
    data=st.one_of(score_maps(), st.tuples(numeric_arrays(), numeric_arrays(), odd_class_counts))
)
def test_segmentation_scores_reject_or_answer(data: tuple[Any, Any, Any]) -> None:
    scores, target, num_classes = data
    result = outcome(segmentation_metrics, scores, target, num_classes=num_classes)
    if rejected(result):
        return
    scores, target = np.asarray(scores), np.asarray(target)
    if scores.ndim == target.ndim + 1 and target.ndim in (2, 3):  # scores: arg max inside
        axis = 0 if target.ndim == 2 else 1
        expected = _histogram(np.argmax(scores, axis=axis), target, num_classes, None)
        assert np.array_equal(result.confusion_matrix.reshape(-1), expected)
