"""The RLE kernels under hostile input: random and mutated compressed strings, counts
and polygons give a result or ValueError/TypeError, never a crash, and what is
accepted is exactly what is valid. Also the kernels' own argument checks.

CI runs it under the sanitizer build too (.ci/run, stage 3: ASan + UBSan) to check that
nothing reads or writes out of bounds on the way.
"""

from __future__ import annotations

import numpy as np
import pytest
from _mask_cases import masks, pc_mask, pc_safe, py_counts, py_string, ref
from hypothesis import given, settings
from hypothesis import strategies as st

import modelmetrics.mask as mm
from modelmetrics import _kernels

CHARS = st.sampled_from([*range(48, 112), 0, 10, 32, 47, 112, 127, 128, 200, 255])
strings = st.lists(CHARS, max_size=30).map(bytes)


def _mask_from_counts(counts: list[int], h: int, w: int) -> np.ndarray:
    flat = np.zeros(h * w, dtype=np.uint8)
    pos = 0
    for j, c in enumerate(counts):
        if j % 2:
            flat[pos : pos + c] = 1
        pos += c
    return flat.reshape((h, w), order="F")


def _check_string(s: bytes | str, h: int, w: int) -> None:
    """Accepted exactly when valid; then decode/area/toBbox agree with the definition
    and, where it is safe to call, with pycocotools."""
    rle = {"size": [h, w], "counts": s}
    counts = py_counts(s)
    valid = counts is not None and sum(counts) == h * w
    for name in ("decode", "area", "toBbox"):
        try:
            getattr(mm, name)(rle)
        except (ValueError, TypeError):
            assert not valid, f"{name} rejected a valid RLE {s!r}"
        else:
            assert valid, f"{name} accepted an invalid RLE {s!r}"
    if not valid:
        with pytest.raises(ValueError, match=r"dt\[0\]"):
            mm.iou([rle], [rle], [0])
        with pytest.raises(ValueError, match=r"rleObjs\[0\]"):
            mm.merge([rle, rle])
        return
    assert counts is not None
    m = _mask_from_counts(counts, h, w)
    assert np.array_equal(mm.decode(rle), m)
    assert int(mm.area(rle)) == int(m.sum())
    mm.iou([rle], [rle], [1])
    union = mm.merge([rle, rle])
    assert np.array_equal(mm.decode(union), m)
    if pc_mask is not None and pc_safe(s):
        assert np.array_equal(mm.toBbox(rle), ref("toBbox", rle))
        assert mm.area(rle) == ref("area", rle)
        assert mm.merge([rle], 0) == ref("merge", [rle], 0)


@given(s=strings, h=st.integers(0, 6), w=st.integers(0, 6), as_str=st.booleans())
def test_random_strings_are_results_or_value_errors(s, h, w, as_str):
    _check_string(s.decode("latin-1") if as_str else s, h, w)


@st.composite
def mutated(draw):
    m = draw(masks(max_n=1).filter(lambda a: a.shape[2] == 1))
    h, w = m.shape[:2]
    s = bytearray(mm.encode(m)[0]["counts"])
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "append"]))
        pos = draw(st.integers(0, max(0, len(s) - 1)))
        if op == "flip" and s:
            s[pos] = draw(CHARS)
        elif op == "insert":
            s.insert(pos, draw(CHARS))
        elif op == "delete" and s:
            del s[pos]
        elif op == "truncate":
            del s[pos:]
        else:
            s.append(draw(CHARS))
    return bytes(s), h, w


@given(case=mutated())
def test_mutated_strings_are_results_or_value_errors(case):
    _check_string(*case)


@st.composite
def count_lists(draw):
    h, w = draw(st.integers(0, 5)), draw(st.integers(0, 5))
    counts = draw(
        st.lists(
            st.one_of(
                st.integers(0, 8),
                st.sampled_from([-1, -(2**31), 2**31, 2**32 - 1, 2**32, 2**40]),
            ),
            max_size=8,
        )
    )
    if draw(st.booleans()) and all(0 <= c < 2**32 for c in counts) and sum(counts) <= h * w:
        counts = [*counts, h * w - sum(counts)]  # make it cover the mask
    return counts, h, w


@given(case=count_lists())
def test_uncompressed_counts_are_results_or_value_errors(case):
    counts, h, w = case
    valid = all(0 <= c < 2**32 for c in counts) and sum(counts) == h * w
    obj = {"size": [h, w], "counts": counts}
    try:
        got = mm.frPyObjects(obj, h, w)
    except (ValueError, TypeError):
        assert not valid
        return
    assert valid
    assert py_counts(got["counts"]) == counts
    assert got["counts"] == py_string(counts)
    if pc_mask is not None:
        assert got == ref("frPyObjects", obj, h, w)


@given(counts=st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=3))
def test_counts_up_to_uint32_max_round_trip(counts):
    # Values of 2**29 and more need 7 characters: written as pycocotools writes them,
    # read exactly (pycocotools' reader shifts a 32-bit int out of range there).
    total = sum(counts)
    if total >= 2**32:
        return
    s = py_string(counts)
    rle = {"size": [1, total], "counts": s}
    assert int(mm.area(rle)) == sum(counts[1::2])
    assert mm.merge([rle]) == {"size": [1, total], "counts": s}


COORDS = st.one_of(
    st.floats(-60, 60, allow_nan=False),
    st.sampled_from([np.nan, np.inf, -np.inf, 1e8, -1e8, 1.0000001e8, 1e300, -0.0, 5e-324]),
    st.integers(-100, 100),
)


@given(
    polys=st.lists(st.lists(COORDS, max_size=14), min_size=1, max_size=3),
    h=st.integers(0, 30),
    w=st.integers(0, 30),
)
@settings(max_examples=200)
def test_polygons_are_results_or_value_errors(polys, h, w):
    def ok(p):
        arr = np.asarray(p, dtype=np.float64)[: 2 * (len(p) // 2)]
        return len(p) >= 2 and bool(np.all(np.isfinite(arr) & (np.abs(arr) <= 1e8)))

    valid = all(ok(p) for p in polys)
    try:
        got = mm.frPyObjects([[0, 0, 1, 0, 1, 1], *polys], h, w)
    except (ValueError, TypeError):
        assert not valid
        return
    assert valid
    for rle in got:
        counts = py_counts(rle["counts"])
        assert counts is not None
        assert sum(counts) == h * w
    moderate = all(np.max(np.abs(np.asarray(p, dtype=float)), initial=0) < 1e4 for p in polys)
    # pycocotools writes counts that do not sum to 0 for w == 0.
    if pc_mask is not None and moderate and h * w > 0:
        assert got == ref("frPyObjects", [[0, 0, 1, 0, 1, 1], *polys], h, w)


def test_huge_polygons_are_walked_over_the_image_only():
    # Edges of 1e8 pixels: pycocotools walks (and allocates) 5e8 upsampled points per
    # edge, which takes minutes and gigabytes; only the image's columns are visited here.
    big = [-1e8, -1e8, 1e8, -1e8, 1e8, 1e8, -1e8, 1e8]
    rle = mm.frPyObjects(big, 40, 50)
    assert mm.area(rle) == 40 * 50
    steep = [3, -1e8, 7, 1e8, 2.5, 1e8]  # nearly vertical edges, 2e8 rows long
    m = mm.decode(mm.frPyObjects(steep, 40, 50))
    assert m[:, :2].sum() == 0
    assert m[:, 3:7].sum() > 0
    # The same polygons scaled down to what pycocotools can walk give its counts.
    for scale in (1e3, 1e4):
        poly = [-scale, -scale, scale, -scale, scale, scale, -scale, scale]
        assert mm.frPyObjects(poly, 40, 50) == rle
        if pc_mask is not None:
            steep = [3, -scale, 7, scale, 2.5, scale]
            assert mm.frPyObjects([steep], 40, 50) == ref("frPyObjects", [steep], 40, 50)


def test_polygons_with_more_crossings_than_the_point_list_holds_match():
    # A zigzag crossing a small image 40,000 times: the boundary points go to a parity
    # bitmap of the image instead of a list.
    xs = np.tile([-2.0, 12.0], 20000)
    ys = np.linspace(-3, 13, xs.size)
    poly = np.c_[xs, ys].ravel().tolist()
    got = mm.frPyObjects([poly], 10, 10)
    if pc_mask is not None:
        assert got == ref("frPyObjects", [poly], 10, 10)


# ---- kernel argument checks ----


def _rles(parsed: bool = False):
    rles = _kernels.RLEs([{"size": [2, 3], "counts": b"15"}], "r")
    if parsed:
        rles.parse()
    return rles


U8, F64 = np.uint8, np.float64
BAD_CALLS = [
    (lambda: _rles().area(np.empty(2, np.uint32)), "one slot per RLE"),
    (lambda: _rles().to_bbox(np.empty((1, 3))), "shape"),
    (lambda: _rles().decode(np.zeros(5, U8), 0, 1), "n masks"),
    (lambda: _rles().decode(np.zeros(6, U8), 0, 2), "item range"),
    (lambda: _kernels.rle_iou(_rles(), _rles(), np.zeros(1, U8), np.empty(1), 0, 1), "parse"),
    (lambda: _kernels.rle_iou(_rles(1), _rles(1), np.zeros(2, U8), np.empty(1), 0, 1), "crowd"),
    (lambda: _kernels.rle_iou(_rles(1), _rles(1), np.zeros(1, U8), np.empty(1), 0, 2), "range"),
    (
        lambda: _kernels.rle_box_iou(
            np.zeros((1, 3)), np.zeros((1, 4)), np.zeros(1, U8), np.empty(1)
        ),
        "4 columns",
    ),
    (lambda: _kernels.rle_encode(np.zeros(5, U8), 2, 3, 0, 1), "mask range"),
    (lambda: _kernels.rle_encode(np.zeros(6, U8), 70000, 70000, 0, 0), "2\\*\\*32"),
    (
        lambda: _kernels.rle_from_polygons(np.zeros(6), np.array([0, 8]), 2, 2, 0, 1, "p", False),
        "starts",
    ),
    (
        lambda: _kernels.rle_from_polygons(np.zeros(6), np.array([0, 6]), 2, 2, 0, 2, "p", False),
        "item range",
    ),
    (lambda: _kernels.rle_from_boxes(np.zeros((2, 3)), 2, 2, 0, 1, "b", False), "4 columns"),
    (lambda: _kernels.rle_from_boxes(np.zeros((2, 4), F64), 2, 2, 0, 3, "b", False), "item range"),
]


@pytest.mark.parametrize(("call", "match"), BAD_CALLS)
def test_kernels_check_their_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_rle_size_is_checked():
    with pytest.raises(IndexError):
        _rles().size(1)


def test_kernels_take_read_only_inputs():
    m = np.asfortranarray(np.eye(4, 5, dtype=np.uint8))
    m.flags.writeable = False
    assert mm.encode(m) == mm.encode(m.copy(order="F"))
    boxes = np.array([[0.0, 0, 2, 2], [1, 1, 3, 3]])
    boxes.flags.writeable = False
    assert mm.frPyObjects(boxes, 5, 5) == mm.frPyObjects(boxes.copy(), 5, 5)
    assert np.array_equal(mm.iou(boxes, boxes, [0, 0]), mm.iou(boxes.copy(), boxes.copy(), [0, 0]))
    xy, starts = _kernels.rle_gather_polygons([[0, 0, 3, 0, 3, 3]], "p", False)
    xy.flags.writeable = False
    starts.flags.writeable = False
    assert _kernels.rle_from_polygons(xy, starts, 4, 4, 0, 1, "p", False) == [
        mm.frPyObjects([0, 0, 3, 0, 3, 3], 4, 4)["counts"]
    ]
