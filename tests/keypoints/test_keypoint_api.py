"""modelmetrics.keypoints: the ten COCO keypoint stats, per-class AP/AR and counts equal
pycocotools' on generated pose sets (per-image arrays and COCO data alike); the
per-keypoint similarity equals a hand computation and one from pycocotools' matched
pairs; the accumulator equals the one-shot call; bad input names the argument."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from _keypoint_cases import pose_sets, reference_counts, reference_eval, reference_pairs
from hypothesis import given, settings
from hypothesis import strategies as st

from modelmetrics.keypoints import KeypointAccumulator, evaluate_keypoints

pytest.importorskip("pycocotools")


def _undefined(ref_value):
    return math.nan if ref_value == -1 else ref_value


def _same(a, b):
    return a == b or (math.isnan(a) and math.isnan(b))


def _heads(m):
    return [m.map, m.map50, m.map75, m.map_medium, m.map_large,
            m.mar, m.mar50, m.mar75, m.mar_medium, m.mar_large]  # fmt: skip


def _reference_terms(pairs, sigmas):
    """Per pair the keypoint terms of pycocotools' computeOks (NaN where not labeled),
    written here from its formula, and each pair's OKS as the mean of its terms."""
    variances = (np.asarray(sigmas) * 2) ** 2
    rows = []
    for dt, gt in pairs:
        g, d = np.array(gt["keypoints"], float), np.array(dt["keypoints"], float)
        dx, dy = d[0::3] - g[0::3], d[1::3] - g[1::3]
        e = (dx**2 + dy**2) / variances / (gt["area"] + np.spacing(1)) / 2
        rows.append(np.where(g[2::3] > 0, np.exp(-e), np.nan))
    return np.array(rows).reshape(-1, len(variances))


def _check_against_reference(m, ref, case, *, score_threshold=None, iou_index=0):
    assert m.coco_stats.tolist() == ref.stats.tolist()
    assert all(_same(a, _undefined(b)) for a, b in zip(_heads(m), ref.stats, strict=True))
    cat_ids = list(ref.params.catIds)
    counts = reference_counts(ref, iou_index, score_threshold)
    # Per-image arrays know the classes they hold; COCO data every category.
    assert set(m.classes) <= set(cat_ids)
    assert set(counts) <= set(m.classes)
    for cat, c in m.classes.items():
        k = cat_ids.index(cat)
        p = ref.eval["precision"][:10, :, k, 0, 0]
        r = ref.eval["recall"][:10, k, 0, 0]
        assert _same(c.ap, _undefined(np.mean(p[p > -1]) if np.any(p > -1) else -1))
        assert _same(c.ar, _undefined(np.mean(r[r > -1]) if np.any(r > -1) else -1))
        assert (c.tp, c.fp, c.fn) == counts.get(cat, (0, 0, 0))
    sigmas = ref.params.kpt_oks_sigmas
    terms = _reference_terms(reference_pairs(ref, iou_index, score_threshold), sigmas)
    for j, kp in enumerate(m.per_keypoint):
        column = terms[:, j][~np.isnan(terms[:, j])]
        assert kp.index == j
        assert kp.sigma == sigmas[j]
        assert kp.pairs == len(column)
        if len(column):  # fsum against numpy's pairwise sum: a last-bit difference
            assert kp.oks == pytest.approx(np.mean(column), rel=1e-13, abs=0)
        else:
            assert math.isnan(kp.oks)


@settings(max_examples=60)
@given(case=pose_sets())
def test_per_image_arrays_equal_pycocotools_on_the_equivalent_files(case):
    ref = reference_eval(case)
    m = evaluate_keypoints(*case["arrays"], sigmas=case["sigmas"])
    _check_against_reference(m, ref, case)


@settings(max_examples=30)
@given(case=pose_sets())
def test_coco_data_equals_pycocotools(case):
    ref = reference_eval(case)
    gt, results = copy.deepcopy(case["coco"])
    m = evaluate_keypoints(gt, results, sigmas=case["sigmas"])
    _check_against_reference(m, ref, case)


@settings(max_examples=30)
@given(
    case=pose_sets(),
    iou_threshold=st.sampled_from([0.5, 0.75, 0.62]),
    score_threshold=st.sampled_from([None, 0.5, 0.3]),
)
def test_counts_and_similarity_at_other_thresholds(case, iou_threshold, score_threshold):
    # pycocotools evaluated at the one OKS threshold gives the matches to count.
    ref = reference_eval(case, iouThrs=np.array([iou_threshold]))
    m = evaluate_keypoints(
        *case["arrays"],
        sigmas=case["sigmas"],
        iou_threshold=iou_threshold,
        score_threshold=score_threshold,
    )
    counts = reference_counts(ref, 0, score_threshold)
    for cat, c in m.classes.items():
        assert (c.tp, c.fp, c.fn) == counts.get(cat, (0, 0, 0))
    terms = _reference_terms(reference_pairs(ref, 0, score_threshold), ref.params.kpt_oks_sigmas)
    assert [kp.pairs for kp in m.per_keypoint] == np.sum(~np.isnan(terms), axis=0).tolist()
    assert m.iou_threshold == iou_threshold
    assert m.score_threshold == score_threshold


@settings(max_examples=20)
@given(case=pose_sets(), max_dets=st.sampled_from([1, 3, 100]))
def test_other_max_detections_evaluate_that_many(case, max_dets):
    """pycocotools' stats read maxDets 20 only (-1 otherwise); the headline numbers are
    its precision and recall at the one setting, averaged as its summarize does."""
    ref = reference_eval(case, maxDets=[max_dets])
    m = evaluate_keypoints(*case["arrays"], sigmas=case["sigmas"], max_detections=max_dets)
    assert m.coco_stats.tolist() == ref.stats.tolist() == [-1.0] * 10
    p, r = ref.eval["precision"][:, :, :, 0, 0], ref.eval["recall"][:, :, 0, 0]
    assert _same(m.map, _undefined(np.mean(p[p > -1]) if np.any(p > -1) else -1))
    assert _same(m.mar, _undefined(np.mean(r[r > -1]) if np.any(r > -1) else -1))


def test_hand_built_case():
    """Two people in one image, sigmas 0.1, hand-computed terms.

    Person A (area 400) is found by a prediction off by 2 px on keypoint 1 and exactly
    on keypoint 0; its keypoint 2 is not labeled. Person B (area 100) is found with
    keypoint 0 off by 2 px and keypoint 2 off by 1 px; keypoint 1 of B is not
    labeled. A stray prediction is a false positive. Term: exp(-d^2 / (2 area (2 s)^2)).
    """
    s = 0.1
    gt = [{
        "keypoints": [[[10, 10, 2], [20, 10, 2], [np.nan, np.nan, 0]],
                      [[50, 50, 1], [0, 0, 0], [60, 60, 2]]],
        "labels": [1, 1],
        "area": [400.0, 100.0],
    }]  # fmt: skip
    pred = [{
        "keypoints": [[[10, 10], [22, 10], [99, 99]],
                      [[50, 52], [0, 0], [60, 61]],
                      [[300, 300], [310, 300], [305, 310]]],
        "scores": [0.9, 0.8, 0.7],
        "labels": [1, 1, 1],
    }]  # fmt: skip
    m = evaluate_keypoints(gt, pred, sigmas=[s, s, s])

    def term(d2, area):
        return math.exp(-d2 / (2 * area * (2 * s) ** 2))

    a1 = term(2**2, 400)  # A, keypoint 1
    b0 = term(2**2, 100)  # B, keypoint 0
    b2 = term(1**2, 100)  # B, keypoint 2
    # The pairs' OKS are (1 + a1) / 2 = 0.94 and (b0 + b2) / 2 = 0.74: both match at 0.5.
    assert (m.classes[1].tp, m.classes[1].fp, m.classes[1].fn) == (2, 1, 0)
    oks = [kp.oks for kp in m.per_keypoint]
    assert oks[0] == pytest.approx((1.0 + b0) / 2, rel=1e-15)
    assert oks[1] == pytest.approx(a1, rel=1e-15)
    assert oks[2] == pytest.approx(b2, rel=1e-15)
    assert [kp.pairs for kp in m.per_keypoint] == [2, 1, 1]
    # At OKS 0.75 only A matches: B becomes a false positive and a missed person.
    strict = evaluate_keypoints(gt, pred, sigmas=[s, s, s], iou_threshold=0.75)
    assert (strict.classes[1].tp, strict.classes[1].fp, strict.classes[1].fn) == (1, 2, 1)
    assert [kp.pairs for kp in strict.per_keypoint] == [1, 1, 0]
    assert strict.per_keypoint[0].oks == 1.0
    assert math.isnan(strict.per_keypoint[2].oks)
    # A score threshold of 0.85 leaves only the prediction on A in the counts.
    high = evaluate_keypoints(gt, pred, sigmas=[s, s, s], score_threshold=0.85)
    assert (high.classes[1].tp, high.classes[1].fp, high.classes[1].fn) == (1, 0, 1)
    assert high.map == m.map  # AP sweeps every score
    assert high.as_dict()["per-keypoint"]["2"] == {
        "index": 2, "sigma": 0.1, "oks": None, "pairs": 0,
    }  # fmt: skip


def test_keypoint_names_default_and_given():
    gt = [{"keypoints": np.ones((1, 17, 3)), "labels": [1], "area": [100.0]}]
    pred = [{"keypoints": np.ones((1, 17, 2)), "scores": [1.0], "labels": [1]}]
    m = evaluate_keypoints(gt, pred)  # COCO's person sigmas: COCO's keypoint names
    assert [kp.name for kp in m.per_keypoint][:3] == ["nose", "left_eye", "right_eye"]
    assert list(m.as_dict()["per-keypoint"])[-1] == "right_ankle"
    unnamed = evaluate_keypoints(gt, pred, sigmas=np.full(17, 0.05))
    assert [kp.name for kp in unnamed.per_keypoint] == [None] * 17
    assert list(unnamed.as_dict()["per-keypoint"])[:2] == ["0", "1"]
    named = evaluate_keypoints(gt, pred, keypoint_names=[f"p{i}" for i in range(17)])
    assert named.per_keypoint[16].label == "p16"


def test_coco_categories_name_the_keypoints():
    gt = {
        "images": [{"id": 1}],
        "categories": [{"id": 1, "name": "hand", "keypoints": ["thumb", "index"]}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10],
                         "area": 50, "iscrowd": 0, "keypoints": [1, 1, 2, 5, 5, 2],
                         "num_keypoints": 2}],
    }  # fmt: skip
    results = [{"image_id": 1, "category_id": 1, "score": 0.9, "keypoints": [1, 1, 1, 5, 6, 1]}]
    m = evaluate_keypoints(gt, results, sigmas=[0.1, 0.1])
    assert [kp.name for kp in m.per_keypoint] == ["thumb", "index"]
    assert m.per_keypoint[1].oks == pytest.approx(math.exp(-1 / (2 * 50 * 0.2**2)), rel=1e-15)


@settings(max_examples=25)
@given(case=pose_sets(), data=st.data())
def test_accumulator_batches_and_merges_equal_one_pass(case, data):
    gt, pred = case["arrays"]
    score_threshold = data.draw(st.sampled_from([None, 0.5]))
    options = {"sigmas": case["sigmas"], "score_threshold": score_threshold}
    whole = evaluate_keypoints(gt, pred, **options)
    order = data.draw(st.permutations(range(len(gt))))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(gt)), max_size=3)))
    shards = [order[a:b] for a, b in zip([0, *cuts], [*cuts, len(gt)], strict=True)]
    accs = []
    for shard in shards:
        acc = KeypointAccumulator(**options)
        half = len(shard) // 2
        for part in (shard[:half], shard[half:]):  # two updates per accumulator
            acc.update([gt[i] for i in part], [pred[i] for i in part])
        accs.append(acc)
    merged = accs[-1]
    for acc in accs[:-1]:
        merged.merge(acc)
    streamed = merged.compute()
    assert streamed.coco_stats.tolist() == whole.coco_stats.tolist()
    assert np.array_equal(_heads(streamed), _heads(whole), equal_nan=True)
    assert streamed.classes.keys() == whole.classes.keys()
    for label, c in whole.classes.items():
        s = streamed.classes[label]
        assert (s.tp, s.fp, s.fn, s.support) == (c.tp, c.fp, c.fn, c.support)
        assert _same(s.ap, c.ap)
        assert _same(s.ar, c.ar)
        assert np.array_equal(s.curve_precision, c.curve_precision)
        assert np.array_equal(s.curve_thresholds, c.curve_thresholds)
    for a, b in zip(streamed.per_keypoint, whole.per_keypoint, strict=True):
        assert a.pairs == b.pairs
        assert _same(a.oks, b.oks)  # exactly rounded sums: no dependence on batching


def test_accumulator_errors():
    acc = KeypointAccumulator(sigmas=[0.1])
    with pytest.raises(ValueError, match="no images"):
        acc.compute()
    gt = [{"keypoints": [[[1, 1, 2]]], "labels": [1], "area": [9], "image_id": 3}]
    pred = [{"keypoints": [[[1, 1]]], "scores": [0.5], "labels": [1], "image_id": 3}]
    acc.update(gt, pred)
    with pytest.raises(ValueError, match="image 3 was already added"):
        acc.update(gt, pred)
    with pytest.raises(ValueError, match=r"ground_truth\[0\] needs an 'image_id'"):
        acc.update([{k: v for k, v in gt[0].items() if k != "image_id"}], pred)
    with pytest.raises(ValueError, match="different settings"):
        acc.merge(KeypointAccumulator(sigmas=[0.2]))
    with pytest.raises(TypeError, match="cannot merge"):
        acc.merge(object())  # type: ignore[arg-type]
    other = KeypointAccumulator(sigmas=[0.1]).update(gt, pred)
    with pytest.raises(ValueError, match="both accumulators hold image 3"):
        acc.merge(other)
    with pytest.raises(ValueError, match=r"classes \[7\]"):
        KeypointAccumulator(sigmas=[0.1], classes=[7]).update(gt, pred).compute()


GT1 = {"keypoints": [[[1, 1, 2], [2, 2, 2]]], "labels": [1], "area": [9.0]}
PRED1 = {"keypoints": [[[1, 1], [2, 2]]], "scores": [0.5], "labels": [1]}


@pytest.mark.parametrize(
    ("gt_change", "pred_change", "options", "error", "message"),
    [
        ({}, {}, {"sigmas": [0.1]}, ValueError, r"must have shape \(n, 1, 3\)"),
        ({}, {}, {"sigmas": []}, ValueError, "sigmas must be a non-empty 1-D"),
        ({}, {}, {"sigmas": [0.1, -1]}, ValueError, "sigmas must be finite and positive"),
        ({}, {}, {"sigmas": ["a", "b"]}, TypeError, "sigmas must be numbers"),
        ({}, {}, {"iou_threshold": 2}, ValueError, "'iou_threshold' parameter"),
        ({}, {}, {"max_detections": 0}, ValueError, "'max_detections' parameter"),
        ({}, {}, {"keypoint_names": ["a"]}, ValueError, "keypoint_names has 1 names"),
        ({}, {}, {"keypoint_names": "ab"}, TypeError, "keypoint_names must be a sequence"),
        ({}, {}, {"box_format": "cxcywh"}, ValueError, "box_format must be"),
        ({"area": None}, {}, {}, ValueError, r"ground_truth\[0\]: give 'area' or 'boxes'"),
        ({"area": [-1.0]}, {}, {}, ValueError, r"\['area'\] must be finite and non-negative"),
        ({"keypoints": [[[1, 1, 0], [2, 2, 0]]]}, {}, {}, ValueError,
         r"\['keypoints'\]\[0\] has no labeled keypoint .* give 'boxes'"),
        ({"keypoints": [[[np.inf, 1, 2], [2, 2, 2]]]}, {}, {}, ValueError,
         "coordinates of labeled keypoints must be finite"),
        ({"keypoints": [[[1, 1, np.nan], [2, 2, 2]]]}, {}, {}, ValueError,
         "visibility must be finite"),
        ({"keypoints": [[["a", "b", "c"], ["d", "e", "f"]]]}, {}, {}, TypeError, "must be numeric"),
        ({"labels": [1, 2]}, {}, {}, ValueError,
         r"ground_truth\[0\]\['labels'\] has 2 entries, 'keypoints' has 1"),
        ({}, {"keypoints": [[[1, np.nan], [2, 2]]]}, {}, ValueError,
         r"predictions\[0\]\['keypoints'\]: coordinates must be finite"),
        ({}, {"scores": [0.5, 0.6]}, {}, ValueError, r"\['scores'\] has 2 entries"),
        ({}, {"labels": None}, {}, ValueError, r"predictions\[0\]: missing 'labels'"),
        ({}, {"keypoints": [[1, 1, 2, 2]]}, {}, ValueError, r"must have shape \(n, 2, 3\) or"),
        ({"boxes": [[0, 0, -1, 1]]}, {}, {}, ValueError, "negative width or height"),
    ],
)  # fmt: skip
def test_errors_name_the_argument(gt_change, pred_change, options, error, message):
    gt, pred = dict(GT1), dict(PRED1)
    for entry, change in ((gt, gt_change), (pred, pred_change)):
        for key, value in change.items():
            if value is None:
                entry.pop(key)
            else:
                entry[key] = value
    kwargs = {"sigmas": [0.1, 0.1], **options}
    with pytest.raises(error, match=message):
        evaluate_keypoints([gt], [pred], **kwargs)


def test_mixed_forms_and_unknown_classes_are_errors():
    results = [{"image_id": 1, "category_id": 1, "keypoints": [1, 1, 1, 2, 2, 1], "score": 1}]
    with pytest.raises(TypeError, match="same form"):
        evaluate_keypoints([GT1], results, sigmas=[0.1, 0.1])
    with pytest.raises(TypeError, match="ground_truth must be a COCO object"):
        evaluate_keypoints(42, 43, sigmas=[0.1, 0.1])
    with pytest.raises(ValueError, match=r"classes \[5\] are not categories"):
        evaluate_keypoints([GT1], [PRED1], sigmas=[0.1, 0.1], classes=[5])
    gt = {"images": [{"id": 1}], "categories": [{"id": 1}],
          "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 9, 9],
                           "area": 81, "iscrowd": 0, "keypoints": [1, 1, 2, 2, 2, 2],
                           "num_keypoints": 2}]}  # fmt: skip
    with pytest.raises(ValueError, match="keypoints of sigmas"):
        evaluate_keypoints(gt, results, sigmas=[0.1])
    del gt["annotations"][0]["num_keypoints"]
    with pytest.raises(ValueError, match="num_keypoints"):
        evaluate_keypoints(gt, results, sigmas=[0.1, 0.1])
