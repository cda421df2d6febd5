"""Fuzz: modelmetrics.mask (mutated and truncated RLEs, odd polygons and boxes) and
modelmetrics.segmentation (odd label maps, scores and settings).

Allowed outcomes: a result or ValueError/TypeError. A mask result must be consistent
with the RLE's own definition (its decoded runs), and a segmentation result counts
exactly the pixels a NumPy histogram counts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from _fuzz import corrupt, mostly, numeric_arrays, outcome, rejected, weird_scalars
from _mask_cases import py_counts
from hypothesis import given
from hypothesis import strategies as st

from modelmetrics import mask as mm
from modelmetrics.segmentation import SegmentationAccumulator, segmentation_metrics


@st.composite
def rle_objects(draw: st.DrawFn) -> Any:
    """A valid RLE of a small mask, then bytes flipped, cut or extended, or the size or
    counts replaced by something odd."""
    h, w = draw(st.integers(0, 6)), draw(st.integers(0, 6))
    bits = draw(st.lists(st.booleans(), min_size=h * w, max_size=h * w))
    m = np.asfortranarray(np.array(bits, np.uint8).reshape(h, w))
    rle = dict(mm.encode(m))  # type: ignore[arg-type]
    how = draw(st.sampled_from(["none", "flip", "cut", "extend", "size", "counts", "str"]))
    counts: bytes = rle["counts"]
    if how == "flip" and counts:
        i = draw(st.integers(0, len(counts) - 1))
        counts = counts[:i] + bytes([draw(st.integers(0, 255))]) + counts[i + 1 :]
    elif how == "cut":
        counts = counts[: draw(st.integers(0, len(counts)))]
    elif how == "extend":
        counts += draw(st.binary(min_size=1, max_size=4))
    elif how == "size":
        rle["size"] = draw(
            st.one_of(
                weird_scalars,
                st.lists(st.integers(-2, 2**33), max_size=3),
                st.tuples(st.floats(), st.floats()),
            )
        )
    elif how == "counts":
        rle["counts"] = draw(st.one_of(weird_scalars, st.lists(st.integers(-2, 2**40), max_size=5)))
        return rle
    elif how == "str":
        counts = counts.decode("latin-1").encode("utf-8")
    rle["counts"] = counts
    return rle


@given(rle=rle_objects(), many=st.booleans())
def test_rle_functions_reject_or_agree_with_the_runs(rle: Any, many: bool) -> None:
    arg = [rle] if many else rle
    decoded = outcome(mm.decode, arg)
    area = outcome(mm.area, arg)
    box = outcome(mm.toBbox, arg)
    # The three read the same RLE: they accept and refuse together.
    assert rejected(decoded) == rejected(area) == rejected(box)
    if rejected(decoded):
        return
    h, w = (int(v) for v in rle["size"][:2])  # extra entries are ignored, as in pycocotools
    runs = py_counts(rle["counts"]) if isinstance(rle["counts"], bytes | str) else rle["counts"]
    assert runs is not None
    assert sum(runs) == h * w
    expected = int(sum(runs[1::2]))
    assert int(np.asarray(area).reshape(-1)[0]) == expected
    assert int(np.asarray(decoded).sum()) == expected
    merged = outcome(mm.merge, [rle, rle])
    assert not rejected(merged)
    ious = outcome(mm.iou, [rle], [rle], [0])
    assert not rejected(ious)


coords = mostly(st.floats(-2, 25), st.floats(width=32))
dims = mostly(st.integers(1, 20), st.one_of(st.integers(-1, 0), weird_scalars))
boxes = st.lists(st.tuples(coords, coords, coords, coords), max_size=4).map(np.array)


@given(
    obj=st.one_of(
        st.lists(st.lists(coords, min_size=6, max_size=9), min_size=1, max_size=3),
        st.lists(st.lists(coords, max_size=9), max_size=3),
        boxes,
        numeric_arrays(),
        st.lists(st.floats(allow_nan=True), max_size=8),
        weird_scalars,
    ),
    h=dims,
    w=dims,
)
def test_frpyobjects_rejects_or_builds_consistent_rles(obj: Any, h: Any, w: Any) -> None:
    rles = outcome(mm.frPyObjects, obj, h, w)
    if rejected(rles):
        return
    for rle in rles if isinstance(rles, list) else [rles]:
        runs = py_counts(rle["counts"])
        assert runs is not None
        assert sum(runs) == rle["size"][0] * rle["size"][1]


@given(
    dt=st.one_of(boxes, boxes, numeric_arrays(), st.lists(st.lists(st.floats(), max_size=5))),
    gt=st.one_of(boxes, boxes, numeric_arrays(), st.lists(st.lists(st.floats(), max_size=5))),
    crowd=st.one_of(
        st.lists(st.integers(0, 1), max_size=4),
        numeric_arrays(ndim=1),
        st.lists(st.integers(-1, 2), max_size=4),
    ),
)
def test_box_iou_rejects_or_is_a_ratio(dt: Any, gt: Any, crowd: Any) -> None:
    ious = outcome(mm.iou, dt, gt, crowd)
    if rejected(ious) or isinstance(ious, list):
        return
    if any(np.abs(np.asarray(b, dtype=float)).max(initial=0) > 2**40 for b in (dt, gt)):
        return  # past 2**52 x + w rounds: IoU follows pycocotools' float formula anywhere
    finite = ious[np.isfinite(ious)]
    # pycocotools' arithmetic (kept bit for bit) can land a rounding step above 1.
    assert np.all(((finite >= 0) & (finite <= 1 + 1e-12)) | (finite == -1))


masks = st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(0, 3)).flatmap(
    lambda s: st.lists(st.booleans(), min_size=s[0] * s[1] * s[2], max_size=s[0] * s[1] * s[2]).map(
        lambda v: np.array(v, np.uint8).reshape(s)
    )
)


@given(
    bimask=st.one_of(masks, masks.map(lambda m: m.astype(bool)), numeric_arrays()),
    order=st.sampled_from(["C", "F"]),
)
def test_encode_rejects_or_round_trips(bimask: Any, order: str) -> None:
    arr = np.asarray(bimask, order=order)
    encoded = outcome(mm.encode, arr)
    if rejected(encoded) or encoded == []:
        return
    if not np.isin(arr, (0, 1)).all():
        return  # pycocotools' encoding of other values is kept as it is (not a mask)
    decoded = mm.decode(encoded)
    assert np.array_equal(decoded.reshape(arr.shape), arr != 0)


# -------------------------------------------------------------- semantic segmentation


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
