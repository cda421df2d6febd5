"""The segmentation counting kernel on its own: the extended histogram, ranges, images."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from modelmetrics._kernels import _semantic as k

DTYPES = [np.uint8, np.uint16, np.int32, np.int64]


def reference_ext(pred, target, c, ignore):
    """The extended histogram by hand: rows C (ignored) and C + 1 (bad target),
    column C (bad prediction)."""
    ext = np.zeros((c + 2, c + 1), dtype=np.int64)
    for p, t in zip(pred.astype(np.int64), target.astype(np.int64), strict=True):
        row = c if ignore is not None and t == ignore else (t if 0 <= t < c else c + 1)
        ext[row, p if 0 <= p < c else c] += 1
    return ext


@st.composite
def flat_pairs(draw):
    c = draw(st.integers(1, 6))
    n = draw(st.integers(0, 40))
    tdtype, pdtype = draw(st.sampled_from(DTYPES)), draw(st.sampled_from(DTYPES))
    info_t, info_p = np.iinfo(tdtype), np.iinfo(pdtype)
    # Mostly valid labels, some out of range either way (negative for signed types).
    t_values = st.one_of(st.integers(0, c - 1), st.integers(max(info_t.min, -3), c + 3))
    p_values = st.one_of(st.integers(0, c - 1), st.integers(max(info_p.min, -3), c + 3))
    target = draw(hnp.arrays(tdtype, n, elements=t_values))
    pred = draw(hnp.arrays(pdtype, n, elements=p_values))
    ignore = draw(st.sampled_from([None, 0, c, c + 2, -1]))
    return pred, target, c, ignore


@given(case=flat_pairs(), data=st.data())
def test_extended_histogram_over_any_ranges(case, data):
    pred, target, c, ignore = case
    n = target.size
    cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=3)))
    edges = [0, *cuts, n]
    ext = np.zeros((c + 2, c + 1), dtype=np.int64)
    for lo, hi in itertools.pairwise(edges):
        assert k.count(pred, target, 1, c, ignore is not None, ignore or 0, lo, hi, ext)
    np.testing.assert_array_equal(ext, reference_ext(pred, target, c, ignore))


@given(case=flat_pairs(), n_images=st.integers(1, 4))
def test_count_images_writes_per_image_counts(case, n_images):
    pred, target, c, ignore = case
    n = target.size - target.size % n_images
    pred, target = pred[:n], target[:n]
    ext = np.zeros((c + 2, c + 1), dtype=np.int64)
    stats = np.full((n_images, 3, c), -1, dtype=np.int64)
    assert k.count_images(
        pred, target, n_images, c, ignore is not None, ignore or 0, 0, n_images, ext, stats
    )
    np.testing.assert_array_equal(ext, reference_ext(pred, target, c, ignore))
    for i, (p, t) in enumerate(
        zip(pred.reshape(n_images, -1), target.reshape(n_images, -1), strict=True)
    ):
        cm = reference_ext(p, t, c, ignore)[:c, :c]
        np.testing.assert_array_equal(stats[i], [np.diag(cm), cm.sum(axis=0), cm.sum(axis=1)])


def test_scores_take_the_first_maximum_and_report_nan():
    # Two images of three pixels, two classes: scores laid out (image, class, pixel).
    scores = np.array([[[1, 5, 2], [1, 5, 3]], [[0, 0, 9], [1, -1, 9]]], dtype=np.float32)
    target = np.array([0, 1, 1, 1, 0, 0], dtype=np.uint8)
    ext = np.zeros((4, 3), dtype=np.int64)
    assert k.count(scores.reshape(-1), target, 2, 2, False, 0, 0, 6, ext)
    labels = np.argmax(scores, axis=1).reshape(-1)  # [0, 0, 1, 1, 0, 0]
    np.testing.assert_array_equal(ext, reference_ext(labels, target, 2, None))
    scores[1, 1, 2] = np.nan
    ext[:] = 0
    assert not k.count(scores.reshape(-1).astype(np.float64), target, 2, 2, False, 0, 0, 6, ext)


def test_invalid_shapes_are_rejected():
    t = np.zeros(6, dtype=np.uint8)
    ext = np.zeros((4, 3), dtype=np.int64)
    with pytest.raises(ValueError, match="sizes differ"):
        k.count(np.zeros(5, dtype=np.uint8), t, 1, 2, False, 0, 0, 6, ext)
    with pytest.raises(ValueError, match="sizes differ"):
        k.count(np.zeros(6, dtype=np.float32), t, 1, 2, False, 0, 0, 6, ext)
    with pytest.raises(ValueError, match="ext has the wrong shape"):
        k.count(t, t, 1, 3, False, 0, 0, 6, ext)
    with pytest.raises(ValueError, match="out of bounds"):
        k.count(t, t, 1, 2, False, 0, 0, 7, ext)
    with pytest.raises(ValueError, match="split into n_images"):
        k.count(t, t, 4, 2, False, 0, 0, 6, ext)
    with pytest.raises(ValueError, match="stats has the wrong shape"):
        k.count_images(t, t, 2, 2, False, 0, 0, 2, ext, np.zeros((2, 3, 3), dtype=np.int64))
    assert k.ext_size(2) == ext.size
