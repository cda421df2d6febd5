"""Semantic segmentation: parity with numpy, scikit-learn, mmsegmentation's and
torchmetrics' definitions; scores path; batches, merges and threads; bad input."""

import itertools
import json
import pickle
import re
import warnings
from unittest import mock

import numpy as np
import pytest
from _semantic_reference import mmseg_style, reference_confusion
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.metrics import jaccard_score

from modelmetrics._core.parallel import num_threads
from modelmetrics._semantic import counts as _semantic_counts
from modelmetrics.exceptions import InvalidParameterError
from modelmetrics.segmentation import (
    SegmentationAccumulator,
    SegmentationMetrics,
    segmentation_metrics,
)

LABEL_DTYPES = [np.uint8, np.uint16, np.int32, np.int64]
OTHER_INT_DTYPES = [np.int8, np.int16, np.uint32, np.uint64, np.bool_]


def nan_equal(got, want):
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


def small_tasks():
    """Split even tiny inputs over several threads, to exercise the merge of tasks."""
    return mock.patch.object(_semantic_counts, "_MIN_PIXELS_PER_TASK", 1)


# ------------------------------------------------------------------ strategies


@st.composite
def label_pairs(draw, dtypes=LABEL_DTYPES):
    """(pred, target, num_classes, ignore_index): valid maps of random shape and dtype."""
    tdtype = draw(st.sampled_from(dtypes))
    pdtype = draw(st.sampled_from(dtypes))
    boolean = np.bool_ in (tdtype, pdtype)
    num_classes = draw(st.integers(2 if boolean else 1, 12))
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=7))
    fits = [v for v in (255, num_classes, 0) if not boolean and v <= np.iinfo(tdtype).max]
    ignore = draw(st.sampled_from([None, *fits]))
    if ignore == 0 and num_classes == 1:
        ignore = None
    classes = st.integers(0, 1 if boolean else num_classes - 1)
    target = draw(hnp.arrays(np.int64, shape, elements=classes)).astype(tdtype)
    pred = draw(hnp.arrays(np.int64, shape, elements=classes)).astype(pdtype)
    if ignore is not None and target.size and draw(st.booleans()):
        mask = draw(hnp.arrays(np.bool_, shape))
        target = target.astype(np.int64)
        target[mask] = ignore
        target = target.astype(tdtype)
    return pred, target, num_classes, ignore


def expected_metrics(cm, absent, ignore_index=None):
    """Per-class arrays and means from a confusion matrix, by hand."""
    c = cm.shape[0]
    tp = np.diag(cm).astype(np.float64)
    support = cm.sum(axis=1)
    predicted = cm.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = tp / (support + predicted - tp)
        dice = 2 * tp / (support + predicted)
        precision = tp / predicted
        recall = tp / support
    keep = np.ones(c, dtype=bool)
    if ignore_index is not None and 0 <= ignore_index < c:
        keep[ignore_index] = False

    def mean(values, rule):
        v = values[keep]
        if rule == "zero":
            v = np.where(np.isnan(v), 0.0, v)
        elif rule == "one":
            v = np.where(np.isnan(v), 1.0, v)
        defined = ~np.isnan(v)
        return np.sum(np.where(defined, v, 0.0)) / defined.sum() if defined.any() else np.nan

    n = support.sum()
    seen = support > 0
    return {
        "iou": iou,
        "dice": dice,
        "precision": precision,
        "recall": recall,
        "mean_iou": mean(iou, absent),
        "mean_dice": mean(dice, absent),
        "mean_precision": mean(precision, "skip"),
        "mean_class_accuracy": mean(recall, "skip"),
        "pixel_accuracy": tp.sum() / n if n else np.nan,
        "frequency_weighted_iou": np.sum(support[seen] * iou[seen]) / n if n else np.nan,
    }


# ------------------------------------------------------------------ parity: numpy


@given(case=label_pairs(), absent=st.sampled_from(["skip", "zero", "one"]))
def test_matches_numpy_reference(case, absent):
    pred, target, c, ignore = case
    m = segmentation_metrics(pred, target, num_classes=c, ignore_index=ignore, absent=absent)
    cm, n_ignored = reference_confusion(pred, target, c, ignore)
    assert m.confusion_matrix.dtype == np.int64
    nan_equal(m.confusion_matrix, cm)
    assert m.n_ignored == n_ignored
    assert m.n_pixels == cm.sum()
    nan_equal(m.support, cm.sum(axis=1))
    nan_equal(m.predicted, cm.sum(axis=0))
    want = expected_metrics(cm, absent, ignore)
    for name, value in want.items():
        nan_equal(getattr(m, name), value)
    nan_equal(m.f1, m.dice)


@given(case=label_pairs(dtypes=OTHER_INT_DTYPES + LABEL_DTYPES))
def test_other_integer_dtypes_are_converted(case):
    pred, target, c, ignore = case
    m = segmentation_metrics(pred, target, num_classes=c, ignore_index=ignore)
    nan_equal(m.confusion_matrix, reference_confusion(pred, target, c, ignore)[0])


def test_lists_and_non_contiguous_and_read_only_inputs():
    rng = np.random.default_rng(1)
    target = rng.integers(0, 5, (6, 9, 8)).astype(np.uint8)
    pred = rng.integers(0, 5, (6, 9, 8)).astype(np.int32)
    want = segmentation_metrics(pred, target, num_classes=5).confusion_matrix
    t_view, p_view = target.transpose(0, 2, 1), pred.transpose(0, 2, 1)
    got = segmentation_metrics(p_view, t_view, num_classes=5).confusion_matrix
    nan_equal(got, want)
    target.flags.writeable = False
    pred.flags.writeable = False
    nan_equal(segmentation_metrics(pred, target, num_classes=5).confusion_matrix, want)
    as_lists = segmentation_metrics(pred[0].tolist(), target[0].tolist(), num_classes=5)
    nan_equal(as_lists.confusion_matrix, reference_confusion(pred[0], target[0], 5)[0])


# ------------------------------------------------------------------ parity: peers


@given(case=label_pairs(), absent=st.sampled_from(["skip", "zero", "one"]))
def test_parity_with_sklearn_jaccard_score(case, absent):
    pred, target, c, ignore = case
    if ignore is not None and ignore < c:
        ignore = None  # scikit-learn has no notion of an ignored class
    m = segmentation_metrics(pred, target, num_classes=c, ignore_index=ignore, absent=absent)
    t = target.astype(np.int64).ravel()
    p = pred.astype(np.int64).ravel()
    if ignore is not None:
        keep = t != ignore
        t, p = t[keep], p[keep]
    if t.size == 0:
        assert np.isnan(m.mean_iou) or absent != "skip"
        return
    labels = np.arange(c)
    union = m.support + m.predicted - np.diag(m.confusion_matrix)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        per_class = jaccard_score(t, p, labels=labels, average=None, zero_division=0)
        # Same division of the same integers: equal where the union is non-empty.
        nan_equal(m.iou[union > 0], per_class[union > 0])
        if absent == "skip":
            macro = jaccard_score(t, p, average="macro")  # labels present in either
            assert m.mean_iou == pytest.approx(macro, rel=1e-15, abs=0)
        else:
            zero_division = 0.0 if absent == "zero" else 1.0
            macro = jaccard_score(t, p, labels=labels, average="macro", zero_division=zero_division)
            assert m.mean_iou == macro


@given(
    maps=st.lists(label_pairs(), min_size=1, max_size=4),
    num_classes=st.integers(2, 9),
)
def test_parity_with_mmsegmentation_definition(maps, num_classes):
    # mmsegmentation evaluates one map at a time and accumulates the areas.
    rng = np.random.default_rng(len(maps))
    preds, targets = [], []
    for pred, _, _, _ in maps:
        shape = pred.shape
        targets.append(rng.integers(0, num_classes, shape).astype(np.uint8))
        targets[-1][rng.random(shape) < 0.2] = 255
        preds.append(rng.integers(0, num_classes, shape).astype(np.int64))
    acc = SegmentationAccumulator(num_classes, ignore_index=255)
    for pred, target in zip(preds, targets, strict=True):
        acc.update(pred, target)
    m = acc.compute()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # nanmean of all-NaN
        with np.errstate(divide="ignore", invalid="ignore"):
            ref = mmseg_style(preds, targets, num_classes, 255)
    nan_equal(m.iou, ref["IoU"])
    nan_equal(m.recall, ref["Acc"])
    nan_equal(m.dice, ref["Dice"])
    nan_equal(m.precision, ref["Precision"])
    nan_equal(m.mean_iou, ref["mIoU"])
    nan_equal(m.mean_class_accuracy, ref["mAcc"])
    nan_equal(m.mean_dice, ref["mDice"])
    nan_equal(m.pixel_accuracy, ref["aAcc"])


def test_parity_with_torchmetrics_jaccard_index():
    torch = pytest.importorskip("torch")
    tm = pytest.importorskip("torchmetrics.classification")
    rng = np.random.default_rng(7)
    for ignore in (None, 255, 2):
        target = rng.integers(0, 6, (4, 16, 16)).astype(np.int64)
        target[:, :3] = 255 if ignore == 255 else target[:, :3]
        pred = rng.integers(0, 5, (4, 16, 16)).astype(np.int64)  # class 5 never predicted
        target[target == 5] = 4  # ... nor present: absent from both
        m = segmentation_metrics(pred, target, num_classes=6, ignore_index=ignore)
        kw = {"num_classes": 6, "ignore_index": ignore}
        macro = tm.MulticlassJaccardIndex(average="macro", **kw)
        macro.update(torch.from_numpy(pred), torch.from_numpy(target))
        assert m.mean_iou == pytest.approx(float(macro.compute()), rel=1e-6)
        per_class = tm.MulticlassJaccardIndex(average="none", **kw)
        per_class.update(torch.from_numpy(pred), torch.from_numpy(target))
        got = np.nan_to_num(m.iou, nan=0.0)
        np.testing.assert_allclose(got, per_class.compute().numpy(), rtol=1e-6)


# ------------------------------------------------------------------ scores (logits)


@st.composite
def score_pairs(draw):
    num_classes = draw(st.integers(1, 9))
    batched = draw(st.booleans())
    spatial = draw(hnp.array_shapes(min_dims=2, max_dims=2, min_side=0, max_side=6))
    n = draw(st.integers(0, 3))
    tshape = (n, *spatial) if batched else spatial
    dtype = draw(st.sampled_from([np.float16, np.float32, np.float64]))
    # Few distinct values: many ties, which must resolve to the first maximum.
    values = st.sampled_from([-np.inf, -1.0, 0.0, -0.0, 0.5, 2.0, np.inf])
    axis = 1 if batched else 0
    sshape = (*tshape[:axis], num_classes, *tshape[axis:])
    scores = draw(hnp.arrays(dtype, sshape, elements=values))
    target = draw(hnp.arrays(np.uint8, tshape, elements=st.integers(0, num_classes - 1)))
    if target.size and draw(st.booleans()):
        target.flat[draw(st.integers(0, target.size - 1))] = 255
    return scores, target, num_classes, axis


@given(case=score_pairs())
def test_scores_path_equals_argmax_then_labels(case):
    scores, target, c, axis = case
    from_scores = segmentation_metrics(scores, target, num_classes=c, ignore_index=255)
    labels = np.argmax(scores, axis=axis)
    from_labels = segmentation_metrics(labels, target, num_classes=c, ignore_index=255)
    nan_equal(from_scores.confusion_matrix, from_labels.confusion_matrix)
    assert from_scores.n_ignored == from_labels.n_ignored


def test_scores_path_large_input_all_dtypes():
    with small_tasks():
        rng = np.random.default_rng(3)
        scores = rng.normal(size=(3, 7, 33, 65))
        target = rng.integers(0, 7, (3, 33, 65))
        labels = np.argmax(scores, axis=1)
        want = reference_confusion(labels, target, 7)[0]
        for sdtype in (np.float32, np.float64):
            for tdtype in LABEL_DTYPES:
                for threads in (1, 2, 3):
                    with num_threads(threads):
                        m = segmentation_metrics(
                            scores.astype(sdtype), target.astype(tdtype), num_classes=7
                        )
                    s32 = np.argmax(scores.astype(sdtype), axis=1)
                    nan_equal(m.confusion_matrix, reference_confusion(s32, target, 7)[0])
        nan_equal(segmentation_metrics(scores, target, num_classes=7).confusion_matrix, want)


# ------------------------------------------------------------------ batches, merges, threads


@given(case=label_pairs(), data=st.data())
def test_any_batch_split_and_thread_count_gives_the_same_counts(case, data):
    with small_tasks():
        pred, target, c, ignore = case
        pred, target = pred.reshape(-1), target.reshape(-1)
        whole = segmentation_metrics(pred, target, num_classes=c, ignore_index=ignore)
        cuts = sorted(data.draw(st.lists(st.integers(0, pred.size), max_size=4)))
        edges = [0, *cuts, pred.size]
        parts = []
        for lo, hi in itertools.pairwise(edges):
            acc = SegmentationAccumulator(c, ignore_index=ignore)
            with num_threads(data.draw(st.integers(1, 4))):
                parts.append(acc.update(pred[lo:hi], target[lo:hi]))
        merged = parts[0]
        for part in parts[1:]:
            merged.merge(pickle.loads(pickle.dumps(part)))
        got = merged.compute()
        nan_equal(got.confusion_matrix, whole.confusion_matrix)
        assert got.n_ignored == whole.n_ignored
        nan_equal(got.mean_iou, whole.mean_iou)


def test_threads_on_a_large_input_give_identical_counts():
    rng = np.random.default_rng(5)
    target = rng.integers(0, 30, (3, 400, 500)).astype(np.uint8)
    target[:, :40] = 255
    pred = rng.integers(0, 30, (3, 400, 500)).astype(np.uint8)
    results = []
    for threads in (1, 2, 3, 4):
        with num_threads(threads):
            for per_image in (False, True):
                m = segmentation_metrics(
                    pred, target, num_classes=30, ignore_index=255, per_image=per_image
                )
                results.append(m.confusion_matrix)
    want = reference_confusion(pred, target, 30, 255)[0]
    for cm in results:
        nan_equal(cm, want)


# ------------------------------------------------------------------ per image


@given(case=label_pairs(), absent=st.sampled_from(["skip", "zero", "one"]))
def test_per_image_iou_equals_each_image_alone(case, absent):
    with small_tasks():
        pred, target, c, ignore = case
        kw = {"num_classes": c, "ignore_index": ignore, "absent": absent}
        m = segmentation_metrics(pred, target, per_image=True, **kw)
        images = [(pred, target)] if target.ndim < 3 else list(zip(pred, target, strict=True))
        assert m.per_image_iou.shape == (len(images), c)
        for i, (p, t) in enumerate(images):
            alone = segmentation_metrics(p, t, **kw)
            nan_equal(m.per_image_iou[i], alone.iou)
            nan_equal(m.per_image_mean_iou[i], alone.mean_iou)
        nan_equal(m.confusion_matrix, segmentation_metrics(pred, target, **kw).confusion_matrix)


def test_worst_images_are_ordered_by_mean_iou_across_updates_and_merges():
    rng = np.random.default_rng(11)
    target = rng.integers(0, 4, (5, 8, 8))
    pred = target.copy()
    noise = [0.0, 0.6, 0.2, 0.9, 0.4]  # share of pixels replaced per image
    for i, share in enumerate(noise):
        flip = rng.random((8, 8)) < share
        pred[i][flip] = (pred[i][flip] + 1) % 4
    a = SegmentationAccumulator(4, per_image=True).update(pred[:2], target[:2])
    b = SegmentationAccumulator(4, per_image=True).update(pred[2], target[2])
    b.update(pred[3:], target[3:])
    m = a.merge(b).compute()
    assert a.n_images == 5
    order = np.argsort(m.per_image_mean_iou, kind="stable")
    nan_equal(m.worst_images(5), order)
    nan_equal(m.worst_images(2), order[:2])
    assert m.worst_images(2)[0] == 3
    with pytest.raises(ValueError, match="per_image=True"):
        segmentation_metrics(pred, target, num_classes=4).worst_images()


# ------------------------------------------------------------------ results


def test_as_dict_is_json_native_with_kebab_case_keys_and_class_names():
    target = np.array([[0, 0, 1], [1, 2, 255]], dtype=np.uint8)
    pred = np.array([[0, 1, 1], [1, 1, 2]], dtype=np.uint8)
    names = ["road", "car", "sky", "tree"]
    m = segmentation_metrics(
        pred, target, num_classes=4, ignore_index=255, class_names=names, per_image=True
    )
    d = m.as_dict()
    json.dumps(d, allow_nan=False)
    assert list(d["per-class"]) == names
    assert d["per-class"]["tree"]["iou"] is None  # absent from both: undefined
    assert d["per-class"]["car"]["support"] == 2
    assert d["confusion-matrix"]["labels"] == names
    assert d["confusion-matrix"]["matrix"] == m.confusion_matrix.tolist()
    assert d["ignored-pixels"] == 1
    assert d["pixels"] == 5
    assert d["mean-iou"] == m.mean_iou
    assert d["per-image-mean-iou"] == [m.mean_iou]
    for key in [*d, *d["per-class"]["road"]]:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", key), key
    plain = segmentation_metrics(pred, target, num_classes=4, ignore_index=255).as_dict()
    assert list(plain["per-class"]) == ["0", "1", "2", "3"]
    assert plain["confusion-matrix"]["labels"] == [0, 1, 2, 3]
    assert "per-image-mean-iou" not in plain


def test_absent_rules_by_hand():
    # Class 2 absent from both; class 0 perfect; class 1 half.
    target = np.array([0, 0, 1, 1])
    pred = np.array([0, 0, 1, 0])
    iou0, iou1 = 2 / 3, 1 / 2
    kw = {"num_classes": 3}
    assert segmentation_metrics(pred, target, absent="skip", **kw).mean_iou == (iou0 + iou1) / 2
    assert segmentation_metrics(pred, target, absent="zero", **kw).mean_iou == (iou0 + iou1) / 3
    got = segmentation_metrics(pred, target, absent="one", **kw).mean_iou
    assert got == (iou0 + iou1 + 1) / 3


def test_in_range_ignore_index_is_left_out_of_the_means():
    target = np.array([0, 1, 1, 2, 2])
    pred = np.array([0, 1, 2, 2, 1])
    m = segmentation_metrics(pred, target, num_classes=3, ignore_index=1)
    assert m.support[1] == 0
    assert m.n_ignored == 2
    assert m.iou[1] == 0.0  # predicted, never a target: IoU 0 ...
    assert m.mean_iou == (m.iou[0] + m.iou[2]) / 2  # ... but not in the mean


def test_empty_input_gives_nan_ratios():
    m = SegmentationAccumulator(3, ignore_index=255).compute()
    assert m.n_pixels == 0
    assert np.isnan(m.mean_iou)
    assert np.isnan(m.pixel_accuracy)
    all_ignored = segmentation_metrics([1, 2], [255, 255], num_classes=3, ignore_index=255)
    assert all_ignored.n_ignored == 2
    assert np.isnan(all_ignored.frequency_weighted_iou)
    assert isinstance(all_ignored, SegmentationMetrics)


# ------------------------------------------------------------------ bad input


def test_out_of_range_labels_name_the_argument_value_and_first_position():
    target = np.zeros((2, 3, 4), dtype=np.uint8)
    pred = np.zeros((2, 3, 4), dtype=np.int32)
    target[1, 2, 3] = 7
    target[1, 0, 1] = 9
    msg = r"target holds 9 at index \(1, 0, 1\), outside \[0, 5\) and not ignore_index \(255\)"
    with pytest.raises(ValueError, match=msg):
        segmentation_metrics(pred, target, num_classes=5, ignore_index=255)
    target[:] = 0
    pred[0, 1, 2] = -3
    with pytest.raises(ValueError, match=r"prediction holds -3 at index \(0, 1, 2\), outside"):
        segmentation_metrics(pred, target, num_classes=5)
    # A bad prediction at an ignored pixel is not looked at.
    target[0, 1, 2] = 255
    segmentation_metrics(pred, target, num_classes=5, ignore_index=255)
    with pytest.raises(ValueError, match=r"target holds 255 at index \(0, 1, 2\)"):
        segmentation_metrics(pred, target, num_classes=5)


@given(case=label_pairs(), data=st.data())
def test_first_bad_label_is_found_wherever_it_is(case, data):
    with small_tasks():
        pred, target, c, ignore = case
        if target.size == 0:
            return
        i = data.draw(st.integers(0, target.size - 1))
        bad = data.draw(st.sampled_from([c, 200, -1]))
        which = data.draw(st.sampled_from(["target", "prediction"]))
        arr = (target if which == "target" else pred).astype(np.int64)
        if bad == ignore or (
            which == "prediction" and ignore is not None and target.flat[i] == ignore
        ):
            return
        arr.flat[i] = bad
        p, t = (pred, arr) if which == "target" else (arr, target)
        t_ok = (t == ignore) | ((t >= 0) & (t < c)) if ignore is not None else (t >= 0) & (t < c)
        kept = t != ignore if ignore is not None else np.ones(t.shape, dtype=bool)
        bad_mask = ~t_ok | (kept & ((p < 0) | (p >= c)))
        first = np.unravel_index(int(np.argmax(bad_mask)), t.shape)
        with pytest.raises(ValueError, match=re.escape(f"at index {tuple(int(j) for j in first)}")):
            segmentation_metrics(p, t, num_classes=c, ignore_index=ignore)


def test_nan_scores_name_the_first_position_and_leave_the_state_alone():
    scores = np.zeros((2, 3, 4, 5), dtype=np.float32)
    scores[1, 2, 3, 0] = np.nan
    scores[1, 0, 3, 4] = np.nan
    target = np.zeros((2, 4, 5), dtype=np.uint8)
    acc = SegmentationAccumulator(3)
    acc.update(np.zeros((4, 5), dtype=np.int64), target[0])
    before = acc.compute().confusion_matrix
    with pytest.raises(
        ValueError, match=r"prediction scores hold NaN, first at index \(1, 0, 3, 4\)"
    ):
        acc.update(scores, target)
    target[0, 0, 0] = 9
    with pytest.raises(ValueError, match="target holds 9"):
        acc.update(np.zeros((2, 4, 5), dtype=np.int64), target)
    nan_equal(acc.compute().confusion_matrix, before)
    assert acc.n_images == 1


@pytest.mark.parametrize(
    ("pred", "target", "match"),
    [
        (np.zeros((3, 4), np.int64), np.zeros((4, 3), np.int64), r"prediction has shape \(3, 4\)"),
        (np.zeros((3, 4), np.float32), np.zeros((3, 4), np.int64), "float label maps"),
        (np.zeros((3, 4), np.int64), np.zeros((3, 4), np.float64), "target must be a label map"),
        (np.zeros((3, 3, 4), np.float32), np.zeros((3, 4), np.int64), "3 class scores"),
        (np.zeros((2, 5, 4), np.float32), np.zeros((3, 4), np.int64), "without the class axis"),
        (np.zeros((5, 3, 4, 1), np.float32), np.zeros((3, 4), np.int64), "one more axis"),
        (np.array(["a"]), np.zeros(1, np.int64), "prediction must be a label map"),
    ],
)
def test_shape_and_dtype_errors(pred, target, match):
    with pytest.raises(ValueError, match=match):
        segmentation_metrics(pred, target, num_classes=5)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"num_classes": 0}, "num_classes"),
        ({"num_classes": True}, "num_classes"),
        ({"num_classes": 2.0}, "num_classes"),
        ({"num_classes": 3, "ignore_index": 1.5}, "ignore_index"),
        ({"num_classes": 3, "ignore_index": 2**64}, "ignore_index"),
        ({"num_classes": 3, "absent": "nan"}, "absent"),
        ({"num_classes": 3, "per_image": 1}, "per_image"),
        ({"num_classes": 3, "class_names": ["a", "b"]}, "class_names"),
        ({"num_classes": 2, "class_names": ["a", "a"]}, "class_names"),
        ({"num_classes": 2, "class_names": "ab"}, "class_names"),
    ],
)
def test_parameter_errors(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        SegmentationAccumulator(**kwargs)


def test_merge_checks_kind_and_settings():
    a = SegmentationAccumulator(3, ignore_index=255)
    with pytest.raises(ValueError, match="different settings"):
        a.merge(SegmentationAccumulator(3))
    with pytest.raises(TypeError):
        a.merge(object())  # type: ignore[arg-type]


def test_reset_keeps_the_configuration():
    acc = SegmentationAccumulator(2, ignore_index=255, per_image=True)
    acc.update([[0, 1]], [[1, 1]])
    acc.reset()
    m = acc.update([0], [0]).compute()
    assert m.n_pixels == 1
    assert m.ignore_index == 255
    assert m.per_image_iou.shape == (1, 2)
