"""``COCOeval(iouType="keypoints")`` against pycocotools on generated pose datasets:
``stats``, ``eval`` arrays, ``ious`` and ``evalImgs`` must be ``==``."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import modelmetrics.coco as mm

pc_coco = pytest.importorskip("pycocotools.coco")
pc_eval = pytest.importorskip("pycocotools.cocoeval")


@st.composite
def pose_cases(draw: Any) -> dict[str, Any]:
    """Images with people (keypoints with visibility 0/1/2, some with none visible,
    some crowd), detections near them and strays; sometimes another skeleton size with
    custom sigmas, integer coordinates, two categories, results carrying a box."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    k = draw(st.sampled_from([17, 17, 5, 1]))
    n_cats = draw(st.sampled_from([1, 1, 2]))
    ints = draw(st.booleans())
    with_box = draw(st.integers(0, 5)) == 0

    def num(v: float) -> float | int:
        return round(float(v)) if ints else float(v)

    images = [{"id": int(i), "height": 480, "width": 640}
              for i in rng.choice(10**6, draw(st.integers(1, 6)), replace=False)]  # fmt: skip
    anns: list[dict[str, Any]] = []
    dts: list[dict[str, Any]] = []
    for img in images:
        for _ in range(int(rng.integers(0, 5))):
            x, y = rng.uniform(0, 500), rng.uniform(0, 380)
            w, h = rng.uniform(2, 150), rng.uniform(2, 110)
            kx, ky = rng.uniform(x, x + w, k), rng.uniform(y, y + h, k)
            v = rng.choice([0, 1, 2], k, p=[0.3, 0.2, 0.5])
            if rng.random() < 0.15:
                v[:] = 0
            keypoints: list[Any] = []
            for a, b, c in zip(kx, ky, v, strict=True):
                keypoints += [num(a) if c else 0, num(b) if c else 0, int(c)]
            cat = int(rng.integers(1, n_cats + 1))
            area = float(w * h * rng.uniform(0.3, 1.0)) if rng.random() > 0.05 else 0.0
            anns.append({"id": len(anns) + 1, "image_id": img["id"], "category_id": cat,
                         "bbox": [num(x), num(y), num(w), num(h)], "area": area,
                         "iscrowd": int(rng.random() < 0.08), "keypoints": keypoints,
                         "num_keypoints": int((v > 0).sum())})  # fmt: skip
            for _ in range(int(rng.integers(0, 3))):
                noise = rng.normal(0, rng.uniform(0.5, 15), (2, k))
                det: list[Any] = []
                for a, b in zip(kx + noise[0], ky + noise[1], strict=True):
                    det += [num(a), num(b), 1]
                dts.append({"image_id": img["id"], "category_id": cat, "keypoints": det,
                            "score": float(rng.choice([0.5, rng.random()]))})  # fmt: skip
        for _ in range(int(rng.integers(0, 3))):
            det = []
            for a, b in zip(rng.uniform(0, 600, k), rng.uniform(0, 400, k), strict=True):
                det += [num(a), num(b), int(rng.integers(0, 3))]
            dts.append({"image_id": img["id"], "category_id": int(rng.integers(1, n_cats + 1)),
                        "keypoints": det, "score": float(rng.random())})  # fmt: skip
    if not dts:
        dts.append({"image_id": images[0]["id"], "category_id": 1,
                    "keypoints": [1.0, 1.0, 1] * k, "score": 0.5})  # fmt: skip
    if with_box:
        for d in dts:
            xs, ys = d["keypoints"][0::3], d["keypoints"][1::3]
            d["bbox"] = [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
    cats = [{"id": c, "name": str(c)} for c in range(1, n_cats + 1)]
    options: dict[str, Any] = {}
    if k != 17:
        options["kpt_oks_sigmas"] = rng.uniform(0.02, 0.12, k)
    if draw(st.integers(0, 4)) == 0:
        options["useCats"] = 0
    if draw(st.integers(0, 4)) == 0:
        options["imgIds"] = [images[0]["id"]]
    return {"gt": {"images": images, "annotations": anns, "categories": cats},
            "results": dts, "options": options}  # fmt: skip


def _run(coco_module: Any, eval_module: Any, case: dict[str, Any]) -> Any:
    with contextlib.redirect_stdout(io.StringIO()):
        gt = coco_module.COCO()
        gt.dataset = copy.deepcopy(case["gt"])
        gt.createIndex()
        return _evaluate(eval_module, gt, gt.loadRes(copy.deepcopy(case["results"])), case)


def _evaluate(eval_module: Any, gt: Any, dt: Any, case: dict[str, Any]) -> Any:
    """evaluate, accumulate and summarize keypoints with the case's params (quietly)."""
    with contextlib.redirect_stdout(io.StringIO()):
        ev = eval_module.COCOeval(gt, dt, "keypoints")
        for name, value in case["options"].items():
            setattr(ev.params, name, value)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev


def _record(r: dict[str, Any] | None) -> Any:
    return None if r is None else {k: np.asarray(v).tolist() for k, v in r.items()}


def assert_same_keypoint_eval(ours: Any, ref: Any) -> None:
    assert ours.stats.tolist() == ref.stats.tolist()
    for key in ("precision", "recall", "scores"):
        assert np.array_equal(ours.eval[key], ref.eval[key]), key
    assert ours.ious.keys() == ref.ious.keys()
    for key, matrix in ref.ious.items():
        assert np.array_equal(np.asarray(ours.ious[key]), np.asarray(matrix)), key
    assert [_record(r) for r in ours.evalImgs] == [_record(r) for r in ref.evalImgs]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pose_cases())
def test_keypoint_evaluation_equals_pycocotools(case):
    assert_same_keypoint_eval(_run(mm, mm, case), _run(pc_coco, pc_eval, case))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pose_cases())
def test_keypoint_results_from_a_file_equal_pycocotools(case):
    """Files in: keypoints read by the compiled reader from both files, no dicts."""
    folder = Path(tempfile.mkdtemp())
    gt_path, dt_path = folder / "gt.json", folder / "dt.json"
    gt_path.write_text(json.dumps(case["gt"]))
    dt_path.write_text(json.dumps(case["results"]))

    def run(coco_module: Any, eval_module: Any) -> Any:
        with contextlib.redirect_stdout(io.StringIO()):
            gt = coco_module.COCO(str(gt_path))
            dt = gt.loadRes(str(dt_path))
        return _evaluate(eval_module, gt, dt, case)

    assert_same_keypoint_eval(run(mm, mm), run(pc_coco, pc_eval))


def test_keypoint_results_get_pycocotools_box_area_and_id():
    results = [{"image_id": 1, "category_id": 1, "score": 0.5,
                "keypoints": [10, 20, 2, 30.5, 5, 1, 0, 0, 0]}]  # fmt: skip
    gt = mm.COCO({"images": [{"id": 1}], "annotations": [], "categories": [{"id": 1}]})
    ref_gt = pc_coco.COCO()
    ref_gt.dataset = {"images": [{"id": 1}], "annotations": [], "categories": [{"id": 1}]}
    with contextlib.redirect_stdout(io.StringIO()):
        ref_gt.createIndex()
        ref = ref_gt.loadRes(copy.deepcopy(results)).dataset["annotations"][0]
    ours = gt.loadRes(copy.deepcopy(results)).dataset["annotations"][0]
    assert ours == ref
    assert ours["bbox"] == [0, 0, 30.5, 20]
    assert ours["area"] == 610.0


@pytest.mark.parametrize(
    ("gt_change", "dt_change", "message"),
    [
        ({"keypoints": [1, 2]}, {}, r"ground-truth annotation 0: field 'keypoints' must be"),
        ({}, {"keypoints": "x"}, r"annotation 0: field 'keypoints' must be a list"),
        ({}, {"keypoints": [1, "a", 2]}, r"annotation 0: field 'keypoints' must hold numbers"),
        ({"num_keypoints": None}, {}, None),  # pycocotools: no visible keypoint = False
    ],
)
def test_bad_keypoints_are_value_errors(gt_change, dt_change, message):
    ann = {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 100,
           "iscrowd": 0, "keypoints": [5, 5, 2], "num_keypoints": 1}  # fmt: skip
    ann.update(gt_change)
    result = {"image_id": 1, "category_id": 1, "score": 0.5, "keypoints": [5, 5, 1]}
    result.update(dt_change)
    gt = mm.COCO({"images": [{"id": 1}], "annotations": [ann], "categories": [{"id": 1}]})
    ev = mm.COCOeval(gt, None, "keypoints")
    ev.params.kpt_oks_sigmas = np.array([0.1])
    if message is None:
        ev.cocoDt = gt.loadRes([result])
        ev.evaluate()  # num_keypoints None is not 0: evaluated like pycocotools
        return

    def load_and_evaluate() -> None:
        ev.cocoDt = gt.loadRes([result])
        ev.evaluate()

    with pytest.raises(ValueError, match=message):
        load_and_evaluate()


def test_ground_truth_without_num_keypoints_names_the_field():
    ann = {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 100,
           "iscrowd": 0, "keypoints": [5, 5, 2]}  # fmt: skip
    gt = mm.COCO({"images": [{"id": 1}], "annotations": [ann], "categories": [{"id": 1}]})
    ev = mm.COCOeval(gt, gt.loadRes([{"image_id": 1, "category_id": 1, "score": 0.5,
                                      "keypoints": [5, 5, 1]}]), "keypoints")  # fmt: skip
    ev.params.kpt_oks_sigmas = np.array([0.1])
    with pytest.raises(ValueError, match="num_keypoints"):
        ev.evaluate()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pose_cases(), st.randoms(use_true_random=False))
def test_keypoint_shards_merge_to_the_one_pass_evaluation(case, rnd):
    """COCOevalAccumulator over shards of images, merged: the one-pass eval and stats."""
    case["options"] = {k: v for k, v in case["options"].items() if k == "kpt_oks_sigmas"}
    whole = _run(mm, mm, case)
    gt = mm.COCO(copy.deepcopy(case["gt"]))
    dt = gt.loadRes(copy.deepcopy(case["results"]))
    params = mm.Params("keypoints")
    if "kpt_oks_sigmas" in case["options"]:
        params.kpt_oks_sigmas = case["options"]["kpt_oks_sigmas"]
    ids = sorted(gt.getImgIds())
    rnd.shuffle(ids)
    cut = rnd.randint(0, len(ids))
    a = mm.COCOevalAccumulator(params).update(gt, dt, imgIds=ids[:cut])
    b = mm.COCOevalAccumulator(params).update(gt, dt, imgIds=ids[cut:])
    merged = a.merge(b).compute()
    with contextlib.redirect_stdout(io.StringIO()):
        merged.summarize()
    assert merged.stats.tolist() == whole.stats.tolist()
    for key in ("precision", "recall", "scores"):
        assert np.array_equal(merged.eval[key], whole.eval[key]), key


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300)
        | st.floats(min_value=0, max_value=1),
        max_size=300,
    )
)
@example([])
@example([-0.0])
@example([-0.0] * 9)
@example([1e-320, -1e-320])
@example([0.1] * 129)
def test_the_kernels_sum_is_numpys_pairwise_sum(values):
    """OKS averages with numpy's own summation order (np.sum's pairwise blocks)."""
    from modelmetrics import _kernels

    a = np.asarray(values, dtype=np.float64)
    expected = np.sum(a)
    got = _kernels.numpy_pairwise_sum(a)
    assert got == expected or (np.isnan(got) and np.isnan(expected))
    assert np.signbit(got) == np.signbit(expected)


def test_ground_truth_file_keypoints_equal_the_dicts(tmp_path):
    """Keypoints and num_keypoints read from a ground-truth file without its dicts:
    ``num_keypoints == 0`` in Python's terms (0, 0.0, -0, false are; true, null, "0",
    1e-9 are not), and the same evaluation as from the dicts."""
    values = [0, 0.0, -0, False, True, None, "0", 1e-9, 3, 0e5]
    anns = [{"id": i + 1, "image_id": 1, "category_id": 1, "bbox": [i, i, 10, 10],
             "area": 100.0, "iscrowd": 0, "keypoints": [i + 2, i + 3, 2, i + 5, i + 1, 1],
             "num_keypoints": v} for i, v in enumerate(values)]  # fmt: skip
    gt_doc = {"images": [{"id": 1}], "annotations": anns, "categories": [{"id": 1}]}
    path = tmp_path / "gt.json"
    path.write_text(json.dumps(gt_doc))
    gt = mm.COCO(str(path))
    found = gt._ground_truth_keypoints()
    assert found is not None
    keypoints, zero = found
    assert zero.tolist() == [v == 0 for v in values]
    assert keypoints.tolist() == [[float(x) for x in a["keypoints"]] for a in anns]
    results = [{"image_id": 1, "category_id": 1, "score": 0.5 + i / 100,
                "keypoints": [i + 2.5, i + 3, 1, i + 5, i + 1.5, 1]} for i in range(6)]  # fmt: skip

    def run(coco: Any) -> Any:
        ev = mm.COCOeval(coco, coco.loadRes(copy.deepcopy(results)), "keypoints")
        ev.params.kpt_oks_sigmas = np.array([0.05, 0.1])
        ev.evaluate()
        ev.accumulate()
        return ev

    from_file, from_dicts = run(gt), run(mm.COCO(copy.deepcopy(gt_doc)))
    assert gt._lazy is not None  # evaluated without parsing the file's dicts
    for key in ("precision", "recall", "scores"):
        assert np.array_equal(from_file.eval[key], from_dicts.eval[key]), key
    assert [_record(r) for r in from_file.evalImgs] == [_record(r) for r in from_dicts.evalImgs]
