"""Fuzz: modelmetrics.mask (mutated and truncated RLEs, odd polygons and boxes).

Allowed outcomes: a result or ValueError/TypeError. A mask result must be consistent
with the RLE's own definition (its decoded runs).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from _fuzz import mostly, numeric_arrays, outcome, rejected, weird_scalars
from _mask_cases import py_counts
from hypothesis import given
from hypothesis import strategies as st

from modelmetrics import mask as mm


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
