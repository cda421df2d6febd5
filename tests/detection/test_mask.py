"""modelmetrics.mask against pycocotools.mask: the same bytes, arrays, dtypes, shapes,
memory flags and single-vs-list handling, and ValueError/TypeError where pycocotools
fails."""

from __future__ import annotations

import numpy as np
import pytest
from _mask_cases import (
    assert_identical,
    boxes,
    image_dims,
    masks,
    polygons,
    py_counts,
    ref,
    rle_lists,
)
from hypothesis import given
from hypothesis import strategies as st

import modelmetrics.mask as mm
from modelmetrics._core.parallel import num_threads
from modelmetrics._detection import rle as mask_module

pytest.importorskip("pycocotools.mask")


# ---- encode / decode / area / toBbox ----


@given(m=masks(values=True))
def test_encode_stack_matches(m):
    assert_identical(mm.encode(m), ref("encode", m))


@given(m=masks(max_n=1).filter(lambda a: a.shape[2] == 1))
def test_encode_single_mask_matches_and_any_memory_order_gives_the_same(m):
    one = np.asfortranarray(m[:, :, 0])
    expected = ref("encode", one)
    assert_identical(mm.encode(one), expected)
    # pycocotools only takes Fortran order; any other layout encodes the same mask.
    assert_identical(mm.encode(np.ascontiguousarray(one)), expected)
    assert_identical(mm.encode(one.astype(bool)), expected)


@given(rles=rle_lists())
def test_decode_area_tobbox_of_a_list_match(rles):
    for name in ("decode", "area", "toBbox"):
        assert_identical(getattr(mm, name)(rles), ref(name, rles), name)


@given(rles=rle_lists())
def test_decode_area_tobbox_of_one_rle_match(rles):
    for name in ("decode", "area", "toBbox"):
        assert_identical(getattr(mm, name)(rles[0]), ref(name, rles[0]), name)


@given(m=masks().filter(lambda a: a.shape[2] > 0))
def test_decode_inverts_encode(m):
    assert np.array_equal(mm.decode(mm.encode(m)), m)


@pytest.mark.parametrize(
    "shape", [(0, 0), (0, 5), (5, 0), (1, 1), (1, 17), (17, 1), (3, 3), (1000, 1000)]
)
@pytest.mark.parametrize("fill", ["empty", "full", "pixel", "last", "stripes"])
def test_edge_shapes_and_fills(shape, fill):
    m = np.zeros((*shape, 2), dtype=np.uint8, order="F")
    if m.size:
        if fill == "full":
            m[:] = 1
        elif fill == "pixel":
            m[shape[0] // 2, shape[1] // 2, :] = 1
        elif fill == "last":
            m[-1, -1, :] = 1
        elif fill == "stripes":
            m[::2, :, 0] = 1
            m[:, ::3, 1] = 1
    rles = ref("encode", m)
    assert_identical(mm.encode(m), rles)
    assert_identical(mm.decode(rles), ref("decode", rles))
    for name in ("area", "toBbox"):
        assert_identical(getattr(mm, name)(rles), ref(name, rles), name)
    for intersect in (0, 1):
        assert_identical(mm.merge(rles, intersect), ref("merge", rles, intersect))
    if m.size:
        assert_identical(mm.iou(rles, rles, [0, 1]), ref("iou", rles, rles, [0, 1]))


def test_area_of_more_than_255_rles_is_correct():
    # pycocotools 2.0.11 + numpy 2 overflows a uint8 there: compare item by item.
    rng = np.random.default_rng(0)
    m = np.asfortranarray(rng.random((7, 9, 300)) < 0.4).astype(np.uint8)
    rles = ref("encode", m)
    got = mm.area(rles)
    assert got.dtype == np.uint32
    assert got.shape == (300,)
    assert got.tolist() == [int(ref("area", r)) for r in rles]
    assert got.tolist() == m.sum(axis=(0, 1)).tolist()


def test_tobbox_reproduces_the_uint32_wraparound_of_runs_without_pixels():
    # Counts [3, 0, 6]: two runs but no foreground pixel.
    rle = ref("frPyObjects", {"size": [3, 3], "counts": [3, 0, 6]}, 3, 3)
    assert_identical(mm.toBbox(rle), ref("toBbox", rle))
    assert mm.toBbox(rle).tolist() == [3.0, 3.0, 2.0**32 - 2, 2.0**32 - 2]


# ---- merge ----


@given(rles=rle_lists(), intersect=st.sampled_from([0, 1, True, False, 2]))
def test_merge_matches(rles, intersect):
    assert_identical(mm.merge(rles, intersect), ref("merge", rles, intersect))
    assert_identical(mm.merge(rles, intersect=intersect), ref("merge", rles, intersect=intersect))


@given(
    parts=st.lists(st.lists(st.integers(0, 4), min_size=1, max_size=9), min_size=1, max_size=4),
    intersect=st.booleans(),
    crowd=st.booleans(),
)
def test_merge_and_iou_of_counts_with_empty_runs(parts, intersect, crowd):
    # Uncompressed counts with empty runs inside: valid, but no encoder writes them.
    area = max(1, *(sum(p) for p in parts))
    counts = [[*p, area - sum(p)] if sum(p) < area else p for p in parts]
    rles = [ref("frPyObjects", {"size": [1, area], "counts": c}, 1, area) for c in counts]
    # pycocotools walks the runs for the IoU and stops early on some of these: same values.
    flags = [crowd] * len(rles)
    assert_identical(mm.iou(rles, rles[::-1], flags), ref("iou", rles, rles[::-1], flags))
    ours = mm.merge(rles, intersect)
    masks = ref("decode", rles)
    truth = (masks.all(axis=2) if intersect else masks.any(axis=2)).astype(np.uint8)
    assert np.array_equal(mm.decode(ours), truth)
    # pycocotools' merge writes past its buffer when the counts outnumber the pixels and
    # never ends for three or more masks that make it stop early; call it where safe.
    if len(rles) <= 2 and sum(len(c) for c in counts) <= area + 1:
        theirs = ref("merge", rles, intersect)
        their_counts = py_counts(theirs["counts"])
        assert their_counts is not None
        if sum(their_counts) == area:
            assert_identical(ours, theirs)
        # else it stopped early and its counts do not cover the mask; ours do (above).


def test_merge_of_an_empty_list_is_pycocotools_empty_rle():
    # pycocotools returns this after reading and writing outside its buffers (not called).
    assert_identical(mm.merge([]), {"size": [0, 0], "counts": b""})


# ---- iou ----


@given(
    dt=rle_lists(max_n=5),
    gt=rle_lists(max_n=4),
    data=st.data(),
)
def test_iou_of_rles_matches(dt, gt, data):
    crowd = data.draw(
        st.lists(st.sampled_from([0, 1, True, False, 2]), min_size=len(gt), max_size=len(gt))
    )
    assert_identical(mm.iou(dt, gt, crowd), ref("iou", dt, gt, crowd))
    # Masks of one size overlap; different sizes give -1 where the boxes overlap.
    assert_identical(mm.iou(dt, dt, [0] * len(dt)), ref("iou", dt, dt, [0] * len(dt)))


@given(
    dt=st.lists(boxes, min_size=1, max_size=6),
    gt=st.lists(boxes, min_size=1, max_size=6),
    data=st.data(),
)
def test_iou_of_boxes_matches(dt, gt, data):
    crowd = data.draw(st.lists(st.booleans(), min_size=len(gt), max_size=len(gt)))
    assert_identical(mm.iou(dt, gt, crowd), ref("iou", dt, gt, crowd))
    a, b = np.array(dt), np.array(gt)
    assert_identical(mm.iou(a, b, crowd), ref("iou", a, b, crowd))
    # Integer and Fortran-ordered arrays are read by index (pycocotools misreads the
    # latter's memory); the result equals the C-ordered float one.
    assert_identical(mm.iou(np.asfortranarray(a), b, crowd), ref("iou", a, b, crowd))


def test_iou_special_values_match():
    dt = [[0, 0, 10, 10], [5, 5, 0, 0], [1, 1, np.nan, 3], [-5, -5, 20, 20]]
    gt = [[0, 0, 10, 10], [2, 2, -3, 4], [np.inf, 0, 1, 1]]
    for crowd in ([0, 0, 0], [1, 1, 1], [0, 1, 0]):
        assert_identical(mm.iou(dt, gt, crowd), ref("iou", dt, gt, crowd))


@pytest.mark.parametrize(
    ("dt", "gt", "crowd"),
    [
        ([], [[0, 0, 1, 1]], [0]),
        ([[0, 0, 1, 1]], [], []),
        (np.zeros((0, 4)), [[0, 0, 1, 1]], [0]),
        ((), [[0, 0, 1, 1]], [0]),
    ],
)
def test_iou_with_an_empty_side_returns_an_empty_list(dt, gt, crowd):
    assert_identical(mm.iou(dt, gt, crowd), ref("iou", dt, gt, crowd))


# ---- frPyObjects ----


@given(
    polys=st.lists(polygons(), min_size=1, max_size=4).filter(lambda p: len(p[0]) > 4),
    hw=image_dims,
)
def test_frpyobjects_polygons_match(polys, hw):
    h, w = hw
    assert_identical(mm.frPyObjects(polys, h, w), ref("frPyObjects", polys, h, w))


@given(poly=polygons(min_points=3), hw=image_dims)
def test_a_single_flat_polygon_is_one_rle(poly, hw):
    # pycocotools' dispatch means this but raises TypeError (len() of a number).
    h, w = hw
    assert_identical(mm.frPyObjects(poly, h, w), ref("frPyObjects", [poly], h, w)[0])


@given(bbs=st.lists(boxes, min_size=1, max_size=5), hw=image_dims)
def test_frpyobjects_boxes_match(bbs, hw):
    h, w = hw
    arr = np.array(bbs, dtype=np.float64)
    expected = ref("frPyObjects", arr, h, w)
    assert_identical(mm.frPyObjects(arr, h, w), expected)
    # pycocotools raises TypeError for these; they mean the same boxes.
    assert_identical(mm.frPyObjects(bbs, h, w), expected)
    assert_identical(mm.frPyObjects(bbs[0], h, w), expected[0])
    assert_identical(mm.frPyObjects(np.asfortranarray(arr), h, w), expected)


@given(m=masks(max_n=3).filter(lambda a: a.shape[2] > 0), as_list=st.booleans())
def test_frpyobjects_uncompressed_rles_match(m, as_list):
    h, w, n = m.shape
    ucs = [{"size": [h, w], "counts": _counts(m[:, :, i])} for i in range(n)]
    obj = ucs if as_list else ucs[0]
    assert_identical(mm.frPyObjects(obj, 7, 9), ref("frPyObjects", obj, 7, 9))


def _counts(mask: np.ndarray) -> list[int]:
    """Run lengths of a mask, column-major, starting with 0s."""
    flat = mask.ravel(order="F")
    counts, value, run = [], 0, 0
    for v in flat:
        if v != value:
            counts.append(run)
            value, run = v, 0
        run += 1
    counts.append(run)
    return counts


@pytest.mark.parametrize("h", [10, 10.0, 10.9, np.int64(10), np.float32(10.5), True])
def test_frpyobjects_takes_dimensions_as_pycocotools_does(h):
    poly = [[1, 1, 8, 1, 8, 8, 1, 8]]
    assert_identical(mm.frPyObjects(poly, h, 12), ref("frPyObjects", poly, h, 12))


def test_degenerate_polygons_match():
    cases = [
        [1, 1, 1, 1, 1, 1],  # one point three times
        [1, 2, 3, 4, 5, 6],  # collinear
        [0, 0, 10, 10, 0, 10, 10, 0],  # self-intersecting bow tie
        [1.5, 1.5, 8.5, 1.5, 8.5, 8.5, 1.5, 8.5, 7],  # odd coordinate count: dropped
        [-5, -5, 50, -5, 50, 50, -5, 50],  # covers the image
        [-30, -30, -10, -30, -10, -10],  # outside
        [0, 0, 10, 0, 10, 10, 0, 10],  # exactly the image
        [2, 2, 8, 2, 8, 8, 2, 8, 2, 2, 2, 2],  # repeated closing points
    ]
    for poly in cases:
        for h, w in [(10, 10), (7, 13), (1, 1), (1, 20), (20, 1)]:
            got = mm.frPyObjects([[0, 0, 1, 0, 1, 1], poly], h, w)
            assert_identical(got, ref("frPyObjects", [[0, 0, 1, 0, 1, 1], poly], h, w))
    # Fewer than 3 points after the first polygon: pycocotools rasterises them (empty).
    for short in ([3, 4], [3, 4, 5, 6], [3, 4, 5, 6, 7]):
        polys = [[1, 1, 5, 1, 5, 5], short]
        assert_identical(mm.frPyObjects(polys, 9, 9), ref("frPyObjects", polys, 9, 9))


def test_large_masks_and_polygons_match():
    rng = np.random.default_rng(7)
    h, w = 1000, 1000
    polys = []
    for _ in range(6):
        k = 200
        ang = np.sort(rng.uniform(0, 2 * np.pi, k))
        r = rng.uniform(100, 600) * rng.uniform(0.7, 1.0, k)
        c = rng.uniform(0, 1000, 2)
        polys.append(np.c_[c[0] + r * np.cos(ang), c[1] + r * np.sin(ang)].ravel().tolist())
    rles = ref("frPyObjects", polys, h, w)
    assert_identical(mm.frPyObjects(polys, h, w), rles)
    m = ref("decode", rles)
    assert_identical(mm.encode(m), rles)
    assert_identical(mm.decode(rles), m)
    for name in ("area", "toBbox"):
        assert_identical(getattr(mm, name)(rles), ref(name, rles))
    crowd = [0, 1, 0]
    assert_identical(mm.iou(rles, rles[:3], crowd), ref("iou", rles, rles[:3], crowd))
    for intersect in (0, 1):
        assert_identical(mm.merge(rles, intersect), ref("merge", rles, intersect))


def test_results_do_not_depend_on_the_thread_count(monkeypatch):
    monkeypatch.setattr(mask_module, "_PARALLEL_MIN_WORK", 0)  # split even small batches
    rng = np.random.default_rng(3)
    m = np.asfortranarray(rng.random((30, 20, 23)) < 0.3).astype(np.uint8)
    polys = [(rng.uniform(-5, 35, 12)).tolist() for _ in range(40)]
    bbs = rng.uniform(-5, 30, (17, 4))

    def run():
        rles = mm.encode(m)
        return (
            rles,
            mm.decode(rles),
            mm.iou(rles, rles[:7], [0, 1] * 3 + [0]),
            mm.frPyObjects(polys, 30, 20),
            mm.frPyObjects(bbs, 30, 20),
        )

    with num_threads(1):
        one = run()
    with num_threads(3):
        three = run()
    assert_identical(three, one)
    assert_identical(one[0], ref("encode", m))
    assert_identical(one[3], ref("frPyObjects", polys, 30, 20))


# ---- errors: ValueError / TypeError where pycocotools raises anything ----

GOOD = {"size": [2, 3], "counts": b"15"}


def _call_ref(name, *args):
    try:
        ref(name, *args)
    except Exception as exc:
        return exc
    return None


ERROR_CASES = [
    # (function, args, expected error class)
    ("decode", ({"size": [2, 3], "counts": [1, 5]},), TypeError),  # uncompressed
    ("decode", ({"size": [2, 3]},), ValueError),  # pc: KeyError
    ("decode", ({"size": [2], "counts": b"15"},), ValueError),  # pc: IndexError
    ("area", ({"size": [-2, 3], "counts": b"15"},), ValueError),  # pc: OverflowError
    ("area", ({"size": ["2", 3], "counts": b"15"},), TypeError),
    ("area", ((GOOD,),), TypeError),  # a tuple is one (invalid) object, as in pc
    ("toBbox", (["not a dict"],), TypeError),
    ("toBbox", ({"size": [2, 3], "counts": 5},), TypeError),
    ("iou", (np.array([1.0, 2, 3, 4]), [[0, 0, 1, 1]], [0]), ValueError),  # pc: TypeError
    ("iou", ([[0, 0, 1, 1]], [[0, 0, 1, 1]], [0, 1]), ValueError),  # pc: AssertionError
    ("iou", ([GOOD], [[0, 0, 1, 1]], [0]), TypeError),  # pc: Exception (mixed kinds)
    ("iou", (GOOD, [GOOD], [0]), TypeError),  # pc: Exception
    ("iou", ([(0, 0, 1), GOOD], [GOOD], [0]), ValueError),  # pc: Exception
    ("iou", ([GOOD], [GOOD], 0), ValueError),
    ("iou", ([GOOD], [GOOD], [[0]]), ValueError),
    ("iou", ([GOOD], [GOOD], None), TypeError),
    ("iou", ([GOOD], [GOOD], [-1]), ValueError),  # pc: OverflowError
    ("iou", (np.zeros((2, 5)), np.zeros((1, 4)), [0]), ValueError),  # pc: Exception
    ("merge", ([GOOD], "x"), TypeError),
    ("merge", ([GOOD], None), TypeError),
    ("merge", (GOOD,), TypeError),
    ("frPyObjects", ([], 10, 10), ValueError),  # pc: IndexError
    ("frPyObjects", ((1, 2, 3, 4, 5, 6), 10, 10), TypeError),  # pc: Exception
    ("frPyObjects", (np.zeros((2, 4)), -1, 10), ValueError),  # pc: OverflowError
    ("frPyObjects", (np.zeros((2, 4)), "10", 10), TypeError),
    ("frPyObjects", ({"size": [2, 3], "counts": "abc"}, 2, 3), TypeError),
    ("frPyObjects", ([{"size": [2, 3], "counts": [1, 2, 3], "x": 1, "y": 2, "z": 3}], 2, 3), None),
    ("frPyObjects", ([[1, 2, 3], [4, 5, 6]], 10, 10), ValueError),  # pc: TypeError
    ("frPyObjects", ([[1, 2, 3, 4, 5, 6, 7, 8], [[1, 2]] * 3], 10, 10), ValueError),
    (
        "frPyObjects",
        ({"size": [2, 3], "counts": [1, -2, 7]}, 2, 3),
        ValueError,
    ),  # pc: OverflowError
]


@pytest.mark.parametrize(("name", "args", "expected"), ERROR_CASES)
def test_where_pycocotools_fails_we_raise_value_or_type_error(name, args, expected):
    assert _call_ref(name, *args) is not None  # pycocotools fails on every case
    if expected is None:  # ... but this input is valid: we give the result
        getattr(mm, name)(*args)
        return
    with pytest.raises(expected):
        getattr(mm, name)(*args)


@pytest.mark.parametrize(
    ("name", "args", "match"),
    [
        ("decode", ([],), "empty"),
        ("decode", ([GOOD, {"size": [3, 2], "counts": b"15"}],), "one size"),
        ("merge", ([GOOD, {"size": [3, 2], "counts": b"15"}],), "one size"),
        ("area", ({"size": [2, 3], "counts": b"14"},), "sum to height"),
        ("area", ({"size": [2, 3], "counts": b"16"},), "sum to height"),
        ("toBbox", ({"size": [2, 3], "counts": b"1p"},), "compressed RLE string"),
        ("decode", ({"size": [2, 3], "counts": b"1P"},), "compressed RLE string"),  # truncated
        ("decode", ({"size": [2, 3], "counts": "1\u00e9"},), "compressed RLE string"),
        ("area", ({"size": [70000, 70000], "counts": b"0"},), "2\\*\\*32"),
        ("frPyObjects", ([[0, 0, np.nan, 1, 2, 2]], 5, 5), "finite"),
        ("frPyObjects", ([[0, 0, 1e9, 1, 2, 2]], 5, 5), "finite"),
        ("frPyObjects", ([[0, 0, 1, 1, 2, 2], [1]], 5, 5), "point"),
        ("frPyObjects", (np.array([[0.0, 0, np.inf, 1]]), 5, 5), "finite"),
        ("frPyObjects", ({"size": [2, 3], "counts": [1, 2]}, 2, 3), "sum to height"),
        ("encode", (np.zeros((2, 2, 2, 2), np.uint8),), "2-D"),
        ("encode", (np.zeros((2, 2), np.int64),), "dtype"),
        ("encode", ([[0, 1]],), "numpy array"),
        ("iou", ([GOOD], [{"size": [2, 3], "counts": b"0"}], [0]), "sum to height"),
    ],
)
def test_invalid_input_is_named(name, args, match):
    with pytest.raises((ValueError, TypeError), match=match):
        getattr(mm, name)(*args)
