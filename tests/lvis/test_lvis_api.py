"""``modelmetrics.lvis``'s dataset classes against lvis-api's, its federated rules on a
hand-made case, and its errors."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _coco_cases import _rle_of
from _lvis_cases import assert_same_lvis_eval, box, federated_case, run_lvis

import modelmetrics.lvis as mm

lvis_api = pytest.importorskip("lvis")

pytestmark = pytest.mark.filterwarnings("ignore:The 'warn' method is deprecated:DeprecationWarning")


@pytest.fixture(autouse=True)
def _lvis_api_on_numpy_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(np, "float", float, raising=False)


def test_federated_rules_by_hand(tmp_path: Path) -> None:
    ev = run_lvis(mm, federated_case(), tmp_path / "gt.json", "bbox")
    precision = ev.eval["precision"]  # (T, R, K, A)
    # cat, dog: every detection that counts is a true positive: AP 1 (less the
    # np.spacing(1) in precision's denominator).
    assert np.allclose(precision[:, :, 0, 0], 1.0)
    assert np.allclose(precision[:, :, 1, 0], 1.0)
    # bird: the FP in image 7 (0.99) ranks before the TP in image 8 (0.5): precision 1/2
    # at every recall up to 1 (the interpolated maximum to the right).
    assert np.allclose(precision[:, :, 2, 0], 0.5)
    # fish: no ground truth anywhere: undefined.
    assert np.all(precision[:, :, 3, 0] == -1)
    assert ev.results["APr"] == pytest.approx(1.0)
    assert ev.results["APc"] == pytest.approx(1.0)
    assert ev.results["APf"] == pytest.approx(0.5)
    assert ev.results["AP"] == pytest.approx(2.5 / 3)


def test_federated_rules_match_lvis_api(tmp_path: Path) -> None:
    case = federated_case()
    ref = run_lvis(lvis_api, case, tmp_path / "gt.json", "bbox")
    ours = run_lvis(mm, case, tmp_path / "gt.json", "bbox")
    assert_same_lvis_eval(ours, ref)


def _write(tmp_path: Path, name: str, value: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(value))
    return str(path)


# pycocotools' decode (under lvis-api's ann_to_mask) warns on numpy 2.
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
@pytest.mark.parametrize("kind", ["bbox", "segm", "segm+bbox"])
def test_results_dataset_and_queries_match_lvis_api(tmp_path: Path, kind: str) -> None:
    case = federated_case()
    rng = np.random.default_rng(3)
    results = []
    for i in range(40):  # over the limit of 25 in image 7, with tied scores
        res: dict[str, Any] = {"image_id": 7 if i % 4 else 8, "category_id": 1 + i % 4,
                               "score": float(rng.choice([0.2, 0.5, 0.7]))}  # fmt: skip
        if kind != "segm":
            res["bbox"] = box(*rng.integers(0, 40, 4))
        if kind != "bbox":
            res["segmentation"] = _rle_of((rng.random((100, 120)) < 0.1).astype(np.uint8))
        results.append(res)
    gt_path = _write(tmp_path, "gt.json", case["gt"])
    dt_path = _write(tmp_path, "dt.json", results)
    ref_gt = lvis_api.LVIS(gt_path)
    ours_gt = mm.LVIS(gt_path)
    ref = lvis_api.LVISResults(ref_gt, copy.deepcopy(results), max_dets=25)
    ours = mm.LVISResults(ours_gt, dt_path, max_dets=25)
    assert ours.get_img_ids() == ref.get_img_ids()
    assert ours.get_cat_ids() == ref.get_cat_ids()
    mine, theirs = ours.dataset["annotations"], ref.dataset["annotations"]
    assert [a["id"] for a in mine] == [a["id"] for a in theirs]
    for a, b in zip(mine, theirs, strict=True):
        assert a.keys() == b.keys()
        for key in a:
            assert np.array_equal(np.asarray(a[key]), np.asarray(b[key])), key
    queries: list[dict[str, Any]] = [
        {}, {"img_ids": [7]}, {"cat_ids": [2, 3]},
        {"img_ids": [8], "cat_ids": [3], "area_rng": [0, 5e3]},
    ]  # fmt: skip
    for args in queries:
        assert ours.get_ann_ids(**args) == ref.get_ann_ids(**args), args
        assert ours_gt.get_ann_ids(**args) == ref_gt.get_ann_ids(**args), args
    assert ours_gt.get_ann_ids(area_rng=[1000, 2000]) == [2]  # lvis-api fails here
    assert ours_gt.load_cats([2, 4]) == ref_gt.load_cats([2, 4])
    assert ours_gt.load_imgs([8]) == ref_gt.load_imgs([8])
    assert ours_gt.load_anns([1, 3]) == ref_gt.load_anns([1, 3])
    ann = ours_gt.load_anns([2])[0]
    ann = {**ann, "segmentation": [[50, 50, 90, 50, 90, 90, 50, 90]]}
    assert np.array_equal(ours_gt.ann_to_mask(ann), ref_gt.ann_to_mask(copy.deepcopy(ann)))
    # The file and the list give the same evaluation.
    iou_type = "bbox" if kind == "bbox" else "segm"
    from_list = mm.LVISEval(ours_gt, mm.LVISResults(ours_gt, results, max_dets=25), iou_type)
    from_file = mm.LVISEval(ours_gt, mm.LVISResults(ours_gt, dt_path, max_dets=25), iou_type)
    reference = lvis_api.LVISEval(ref_gt, ref, iou_type)
    for ev in (from_list, from_file, reference):
        ev.run()
    assert_same_lvis_eval(from_list, reference)
    assert_same_lvis_eval(from_file, reference)


def test_print_results_matches_lvis_api(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = federated_case()
    ref = run_lvis(lvis_api, case, tmp_path / "gt.json", "bbox")
    ours = run_lvis(mm, case, tmp_path / "gt.json", "bbox")
    ref.print_results()
    expected = capsys.readouterr().out
    ours.print_results()
    assert capsys.readouterr().out == expected
    assert len(expected.splitlines()) == 13


def test_errors_name_the_problem(tmp_path: Path) -> None:
    case = federated_case()
    gt_path = _write(tmp_path, "gt.json", case["gt"])
    gt = mm.LVIS(gt_path)
    with pytest.raises(ValueError, match="iou_type"):
        mm.LVISEval(gt, case["results"], "keypoints")
    with pytest.raises(ValueError, match="empty"):
        mm.LVISResults(gt, [])
    with pytest.raises(TypeError, match="annotation_path"):
        mm.LVIS(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="lvis_gt"):
        mm.LVISEval(object(), case["results"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="image"):
        mm.LVISResults(gt, [{**case["results"][0], "image_id": 99}])
    ev = mm.LVISEval(gt, case["results"], "bbox")
    ev.params.use_cats = 0
    with pytest.raises(ValueError, match="use_cats"):
        ev.evaluate()
    bad = copy.deepcopy(case["gt"])
    bad["categories"][0]["frequency"] = "x"
    ev = mm.LVISEval(mm.LVIS(_write(tmp_path, "bad.json", bad)), case["results"], "bbox")
    with pytest.raises(ValueError, match="frequency"):
        ev.evaluate()
    bad = copy.deepcopy(case["gt"])
    del bad["images"][0]["neg_category_ids"]
    ev = mm.LVISEval(mm.LVIS(_write(tmp_path, "bad2.json", bad)), case["results"], "bbox")
    with pytest.raises(ValueError, match="neg_category_ids"):
        ev.evaluate()
    with pytest.raises(RuntimeError, match="evaluate"):
        mm.LVISEval(gt, case["results"], "bbox").accumulate()
