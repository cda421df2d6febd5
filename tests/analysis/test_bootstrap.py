"""Bootstrap intervals and paired comparison of COCO detection (modelmetrics.analysis).

The reference for one resample is pycocotools' COCOeval on the explicitly resampled
dataset (each drawn image copied under a new id, its annotations copied), with distinct
scores so that the copies' order is the same in both (see the module's definition).
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest
from _bootstrap_reference import distinct_scores, reference_metrics, resampled
from _coco_cases import datasets
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from modelmetrics._analysis import bootstrap as boot
from modelmetrics._coco.eval import evaluation_of
from modelmetrics._core.parallel import num_threads
from modelmetrics.analysis import bootstrap, compare
from modelmetrics.coco import COCO, COCOeval, COCOevalAccumulator


def _weighted(
    gt: dict[str, Any], results: list[dict[str, Any]], w: dict[Any, int]
) -> dict[str, float]:
    """Our metrics for one resample given as multiplicities per image id."""
    coco = COCO(copy.deepcopy(gt))
    ev = COCOeval(coco, coco.loadRes(copy.deepcopy(results)), "bbox")
    ev.evaluate()
    sample = boot.sample_of_evaluation(evaluation_of(ev))
    layout = boot.metric_layout(sample)
    weights = np.array([[w[i] for i in sample.image_ids.tolist()]], np.int32)
    got = boot._resample_metrics(sample, layout, weights, 1)
    out = {key: float(v[0]) for key, v in got.items() if "/" not in key}
    for k, cat in enumerate(sample.category_ids):
        out[f"ap/{cat}"] = float(got[f"ap/{k}"][0])
        out[f"ap50/{cat}"] = float(got[f"ap50/{k}"][0])
    return out


def _close(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-12


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(datasets(max_images=4), st.data())
def test_weighted_accumulation_is_pycocotools_on_the_resampled_dataset(
    case: dict[str, Any], data: st.DataObject
) -> None:
    gt, results = case["gt"], distinct_scores(case["results"])
    ids = [img["id"] for img in gt["images"]]
    w = {i: data.draw(st.integers(0, 3), label=f"w[{i}]") for i in ids}
    big, big_results = resampled(gt, results, w)
    assume(results and big_results)
    ref = reference_metrics(big, big_results)
    got = _weighted(gt, results, w)
    for key, value in ref.items():
        # Equal up to summation order (pycocotools' np.mean over T x R x K).
        assert _close(got[key], value), (key, got[key], value, w)


def _dataset(
    seed: int, n_images: int = 40, n_cat: int = 3
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A synthetic dataset: a few objects per image, jittered and stray detections."""
    rng = np.random.default_rng(seed)
    images = [
        {"id": int(i), "width": 200, "height": 200} for i in rng.permutation(1000)[:n_images] + 1
    ]
    cats = [{"id": c + 1, "name": f"c{c}"} for c in range(n_cat)]
    anns: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for img in images:
        for _ in range(int(rng.integers(0, 5))):
            side = float(rng.choice([12.0, 40.0, 120.0])) * float(rng.uniform(0.7, 1.3))
            x, y = (float(v) for v in rng.uniform(0, 80, 2))
            cat = int(rng.integers(1, n_cat + 1))
            box = [x, y, side, side]
            anns.append(
                {
                    "id": len(anns) + 1,
                    "image_id": img["id"],
                    "category_id": cat,
                    "bbox": box,
                    "area": side * side,
                    "iscrowd": int(rng.random() < 0.05),
                    "segmentation": [[x, y, x + side, y, x + side, y + side, x, y + side]],
                }
            )
            if rng.random() < 0.8:
                j = float(rng.uniform(0, 0.3)) * side
                results.append(
                    {
                        "image_id": img["id"],
                        "category_id": cat,
                        "bbox": [x + j, y, side, side],
                        "score": float(rng.random()),
                    }
                )
        for _ in range(int(rng.integers(0, 3))):
            results.append(
                {
                    "image_id": img["id"],
                    "category_id": int(rng.integers(1, n_cat + 1)),
                    "bbox": [*(float(v) for v in rng.uniform(0, 150, 2)), 20.0, 20.0],
                    "score": float(rng.random()),
                }
            )
    return {"images": images, "categories": cats, "annotations": anns}, results


def _same(a: Any, b: Any) -> bool:
    """Nested equality with NaN == NaN."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return (
        isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)
    ) or a == b


@pytest.fixture(scope="module")
def data() -> tuple[COCO, COCO, dict[str, Any], list[dict[str, Any]]]:
    gt, results = _dataset(0)
    coco = COCO(copy.deepcopy(gt))
    return coco, coco.loadRes(copy.deepcopy(results)), gt, results


def test_values_are_pycocotools_stats_and_intervals_are_ordered(data: Any) -> None:
    coco, dt, gt, results = data
    out = bootstrap(coco, dt, n=200, seed=1)
    ref = reference_metrics(gt, results)
    names = [
        "map",
        "map50",
        "map75",
        "map-small",
        "map-medium",
        "map-large",
        "mar-1",
        "mar-10",
        "mar-100",
        "mar-small",
        "mar-medium",
        "mar-large",
    ]
    assert [k for k in out if k != "per-class"] == names
    for name in names:
        entry = out[name]
        assert _same(entry["value"], ref[name])  # == pycocotools' stats
        assert entry["level"] == 0.95
        if not math.isnan(entry["low"]):
            assert entry["low"] <= entry["high"]
    for cat, entry in out["per-class"].items():
        assert _same(entry["ap"]["value"], ref[f"ap/{cat}"])
        assert _same(entry["ap50"]["value"], ref[f"ap50/{cat}"])


def test_interval_is_the_percentile_interval_of_the_resamples(data: Any) -> None:
    coco, dt, _, _ = data
    ev = COCOeval(coco, dt, "bbox")
    ev.evaluate()
    sample = boot.sample_of_evaluation(evaluation_of(ev))
    _layout, (metrics,) = boot._run([sample], 300, 5)
    out = bootstrap(ev, n=300, seed=5, level=0.9)
    for name in ("map", "mar-100", "map-large"):
        values = metrics[name][~np.isnan(metrics[name])]
        low, high = np.quantile(values, [0.05, 0.95])
        assert (out[name]["low"], out[name]["high"]) == (low, high)
        assert values.min() <= out[name]["low"] <= out[name]["high"] <= values.max()
    # On this data the full-data value lies inside (not guaranteed in general).
    for name in ("map", "map50", "mar-100"):
        assert out[name]["low"] <= out[name]["value"] <= out[name]["high"]


def test_resamples_reproduce_explicit_resampling_at_the_seed(data: Any) -> None:
    coco, dt, gt, results = data
    ev = COCOeval(coco, dt, "bbox")
    ev.evaluate()
    sample = boot.sample_of_evaluation(evaluation_of(ev))
    layout, (metrics,) = boot._run([sample], 3, 11)
    weights = boot.draw_weights(np.random.default_rng(11), 3, sample.n_images)
    ids = sample.image_ids.tolist()
    unique = distinct_scores(results)
    got = boot._resample_metrics(
        boot.sample_of_evaluation(_evaluated(gt, unique)), layout, weights, 1
    )
    for b in range(3):
        big, big_results = resampled(gt, unique, dict(zip(ids, weights[b].tolist(), strict=True)))
        ref = reference_metrics(big, big_results)
        for name in ("map", "map50", "mar-100", "map-small"):
            assert _close(float(got[name][b]), ref[name])
    assert metrics["map"].shape == (3,)


def _evaluated(gt: dict[str, Any], results: list[dict[str, Any]]) -> Any:
    coco = COCO(copy.deepcopy(gt))
    ev = COCOeval(coco, coco.loadRes(copy.deepcopy(results)), "bbox")
    ev.evaluate()
    return evaluation_of(ev)


def test_deterministic_for_a_seed_whatever_the_threads(data: Any) -> None:
    coco, dt, _, _ = data
    with num_threads(1):
        one = bootstrap(coco, dt, n=150, seed=3)
    with num_threads(2):
        two = bootstrap(coco, dt, n=150, seed=3)
    with num_threads(7):
        seven = bootstrap(coco, dt, n=150, seed=3)
    assert _same(one, two)
    assert _same(one, seven)
    assert not _same(one, bootstrap(coco, dt, n=150, seed=4))


@pytest.mark.parametrize("order", ["forward", "reverse"])
def test_merged_shards_give_the_one_pass_intervals(data: Any, order: str) -> None:
    coco, dt, _, _ = data
    ids = sorted(coco.getImgIds())
    shards = [ids[0::3], ids[1::3], ids[2::3]]
    accs = [COCOevalAccumulator(iouType="bbox").update(coco, dt, imgIds=s) for s in shards]
    if order == "reverse":
        accs = accs[::-1]
    merged = accs[0]
    for acc in accs[1:]:
        merged.merge(acc)
    one_pass = bootstrap(coco, dt, n=120, seed=9)
    assert _same(bootstrap(merged, n=120, seed=9), one_pass)
    cocoeval = COCOeval(coco, dt, "bbox")
    assert _same(bootstrap(cocoeval, n=120, seed=9), one_pass)


def test_compare_with_itself_is_exactly_zero(data: Any) -> None:
    coco, dt, _, _ = data
    out = compare(coco, dt, dt, n=100, seed=0)
    for name, entry in out.items():
        entries = entry.values() if name == "per-class" else [entry]
        for e in entries:
            for d in e.values() if name == "per-class" else [e]:
                if math.isnan(d["low"]):
                    continue
                assert (d["delta"], d["low"], d["high"], d["p_better"]) == (0.0, 0.0, 0.0, 0.0)


def test_compare_is_paired_and_signed(data: Any) -> None:
    coco, dt, _gt, results = data
    worse = coco.loadRes([r for i, r in enumerate(results) if i % 3])
    out = compare(coco, worse, dt, n=200, seed=2)
    a, b = bootstrap(coco, worse, n=200, seed=2), bootstrap(coco, dt, n=200, seed=2)
    assert out["map"]["delta"] == b["map"]["value"] - a["map"]["value"]
    assert out["map"]["delta"] > 0
    assert out["map"]["p_better"] > 0.9
    back = compare(coco, dt, worse, n=200, seed=2)
    assert back["map"]["delta"] == -out["map"]["delta"]
    assert back["map"]["low"] == pytest.approx(-out["map"]["high"], abs=1e-15)
    assert back["map"]["p_better"] <= 1.0 - out["map"]["p_better"]
    # Evaluated states compare the same as COCO data.
    ev_a, ev_b = COCOeval(coco, worse, "bbox"), COCOeval(coco, dt, "bbox")
    assert _same(compare(None, ev_a, ev_b, n=200, seed=2), out)


def test_compare_rejects_different_images(data: Any) -> None:
    coco, dt, gt, results = data
    other_gt = copy.deepcopy(gt)
    other_gt["images"] = other_gt["images"][:-1]
    last = gt["images"][-1]["id"]
    other_gt["annotations"] = [a for a in other_gt["annotations"] if a["image_id"] != last]
    other = COCO(other_gt).loadRes([r for r in results if r["image_id"] != last])
    with pytest.raises(ValueError, match="cocoDt_b"):
        compare(coco, dt, other, n=10)
    shard = COCOevalAccumulator(iouType="bbox").update(
        coco, dt, imgIds=sorted(coco.getImgIds())[:5]
    )
    with pytest.raises(ValueError, match="cocoDt_b"):
        compare(None, COCOeval(coco, dt, "bbox"), shard, n=10)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"n": 0}, "n"),
        ({"n": -3}, "n"),
        ({"n": 10**6 + 1}, "n"),
        ({"level": 0.0}, "level"),
        ({"level": 1.0}, "level"),
        ({"level": 1.5}, "level"),
        ({"level": float("nan")}, "level"),
        ({"iou_type": "keypoints"}, "iou_type"),
    ],
)
def test_bad_arguments_name_the_argument(data: Any, kwargs: dict[str, Any], name: str) -> None:
    coco, dt, _, _ = data
    with pytest.raises(ValueError, match=name):
        bootstrap(coco, dt, **kwargs)
    with pytest.raises(ValueError, match=name):
        compare(coco, dt, dt, **kwargs)


def test_non_finite_scores_are_rejected(data: Any) -> None:
    coco, _, _, results = data
    bad = copy.deepcopy(results)
    bad[0]["score"] = float("nan")
    with pytest.raises(ValueError, match="cocoDt"):
        bootstrap(coco, bad, n=5)
    with pytest.raises(ValueError, match="cocoDt_b"):
        compare(coco, results, bad, n=5)


def test_segm_and_pycocotools_objects(data: Any) -> None:
    pytest.importorskip("pycocotools")
    from pycocotools.coco import COCO as RefCOCO

    coco, dt, gt, results = data
    ref = RefCOCO()
    ref.dataset = copy.deepcopy(gt)
    ref.createIndex()
    assert _same(bootstrap(ref, copy.deepcopy(results), n=50), bootstrap(coco, dt, n=50))
    segm = bootstrap(coco, dt, "segm", n=50)  # boxes as masks: the same numbers here
    assert segm["map"]["value"] == pytest.approx(
        bootstrap(coco, dt, n=50)["map"]["value"], abs=0.05
    )


def test_images_without_detections_and_empty_categories() -> None:
    gt, results = _dataset(4, n_images=12, n_cat=4)
    coco = COCO(gt)
    out = bootstrap(coco, [r for r in results if r["category_id"] != 4] or results[:1], n=60)
    assert set(out["per-class"]) == {1, 2, 3, 4}
    for entry in out["per-class"].values():
        ap = entry["ap"]
        assert math.isnan(ap["value"]) or math.isnan(ap["low"]) or ap["low"] <= ap["high"]
