"""modelmetrics.coco against pycocotools: ``==`` on eval arrays, stats and evalImgs."""

from __future__ import annotations

import contextlib
import copy
import io
import json
from pathlib import Path

import numpy as np
import pytest
from _coco_cases import assert_same_eval, datasets, run_eval, segm_datasets
from hypothesis import assume, given
from hypothesis import strategies as st

import modelmetrics.coco as mm
from modelmetrics._coco.api import annotation_masks
from modelmetrics._core.parallel import num_threads

pc_coco = pytest.importorskip("pycocotools.coco")
pc_eval = pytest.importorskip("pycocotools.cocoeval")

# pycocotools' uncompressed-RLE path warns under numpy 2 (its own code, not ours).
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

# Real data: shipped in tests/data (the COCO val2014 subset), or in the development
# folder ../shared/data (the faster-coco-eval sets, whose license is not shipped).
DATA_DIRS = (
    Path(__file__).resolve().parents[1] / "data",
    Path(__file__).resolve().parents[3] / "shared" / "data",
)


def _configure(options: dict) -> object:
    def apply(p: object) -> None:
        for name, value in options.items():
            if name == "imgIds_subset":
                p.imgIds = p.imgIds[: max(1, len(p.imgIds) // 2)]
            elif name == "catIds_subset":
                p.catIds = p.catIds[-1:]
            else:
                setattr(p, name, value)

    return apply


PARAM_CASES = [
    {},
    {"useCats": 0},
    {"maxDets": [1, 2, 3]},
    {"maxDets": [0, 1, 5]},
    {"maxDets": [10, 1, 100]},  # unsorted: evaluate sorts them
    {"iouThrs": np.array([0.5])},
    {"iouThrs": np.array([0.9, 0.3, 0.6])},
    {"iouThrs": np.array([0.0, 1.0])},
    {"recThrs": np.linspace(0.0, 1.0, 11)},
    {"recThrs": np.array([0.9, 0.1, 0.5])},
    {"areaRng": [[0, 1e10], [0, 1024], [1024, 1e10]], "areaRngLbl": ["all", "small", "big"]},
    {"areaRng": [[1000.0, 2000.0]], "areaRngLbl": ["all"]},
    {"imgIds_subset": True},
    {"catIds_subset": True},
    {"useCats": 0, "maxDets": [1, 3, 10]},
]


@pytest.mark.parametrize("options", PARAM_CASES, ids=lambda o: ",".join(o) or "default")
@given(case=datasets())
def test_random_datasets_match_pycocotools(options, case):
    assume(case["results"])  # pycocotools cannot load an empty result list
    ref = run_eval(pc_coco, pc_eval, case, _configure(options))
    ours = run_eval(mm, mm, case, _configure(options))
    assert_same_eval(ours, ref)


@given(case=datasets(max_images=3, max_per_group=3))
def test_eval_imgs_match_pycocotools(case):
    assume(case["results"])
    ref = run_eval(pc_coco, pc_eval, case)
    ours = run_eval(mm, mm, case)
    assert len(ours.evalImgs) == len(ref.evalImgs)
    for a, b in zip(ours.evalImgs, ref.evalImgs, strict=True):
        if b is None:
            assert a is None
            continue
        assert a is not None
        for key in ("image_id", "category_id", "maxDet", "dtIds", "gtIds", "dtScores"):
            assert a[key] == b[key], key
        assert list(a["aRng"]) == list(b["aRng"])
        for key in ("dtMatches", "gtMatches", "gtIgnore", "dtIgnore"):
            assert np.array_equal(np.asarray(a[key]), np.asarray(b[key])), key


@given(case=datasets(max_images=4))
def test_thread_count_does_not_change_results(case):
    assume(case["results"])
    with num_threads(1):
        one = run_eval(mm, mm, case)
    with num_threads(3):
        three = run_eval(mm, mm, case)
    assert_same_eval(one, three)


def test_id_zero_and_duplicate_ids_behave_as_in_pycocotools():
    gt = {
        "images": [{"id": 1}, {"id": 2}],
        "categories": [{"id": 1, "name": "a"}],
        "annotations": [
            {"id": 0, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 100,
             "iscrowd": 0},
            {"id": 5, "image_id": 1, "category_id": 1, "bbox": [20, 20, 10, 10], "area": 100,
             "iscrowd": 0},
            # duplicate id: pycocotools' loadAnns returns the last one for both
            {"id": 5, "image_id": 2, "category_id": 1, "bbox": [0, 0, 40, 40], "area": 1600,
             "iscrowd": 0},
        ],
    }  # fmt: skip
    results = [
        {"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.9},
        {"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.8},
        {"image_id": 2, "category_id": 1, "bbox": [0, 0, 40, 40], "score": 0.7},
    ]
    case = {"gt": gt, "results": results}
    assert_same_eval(run_eval(mm, mm, case), run_eval(pc_coco, pc_eval, case))


def _real(name: str) -> Path:
    for folder in DATA_DIRS:
        if (folder / name).exists():
            return folder / name
    pytest.skip(f"{name} is not available (../shared is absent outside development)")


def _evaluate_files(module_coco, module_eval, gt_path, dt_path, configure=None, iou_type="bbox"):
    with contextlib.redirect_stdout(io.StringIO()):
        gt = module_coco.COCO(str(gt_path))
        dt = gt.loadRes(str(dt_path))
        ev = module_eval.COCOeval(gt, dt, iou_type)
        if configure:
            configure(ev.params)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev


@pytest.mark.parametrize("options", [{}, {"useCats": 0}, {"maxDets": [1, 5, 300]}])
def test_real_coco_val2014_100_images(options):
    gt_path = _real("coco-val2014-100/instances_val2014_100.json")
    dt_path = _real("coco-val2014-100/instances_val2014_fakebbox100_results.json")
    ref = _evaluate_files(pc_coco, pc_eval, gt_path, dt_path, _configure(options))
    ours = _evaluate_files(mm, mm, gt_path, dt_path, _configure(options))
    assert_same_eval(ours, ref)


def test_real_faster_coco_eval_polygon_set():
    gt_path = _real("faster-coco-eval-tests/gt_dataset.json")
    dt_path = _real("faster-coco-eval-tests/dt_dataset.json")
    ref = _evaluate_files(pc_coco, pc_eval, gt_path, dt_path)
    ours = _evaluate_files(mm, mm, gt_path, dt_path)
    assert_same_eval(ours, ref)


def test_real_ignore_set_with_string_image_ids():
    gt_path = _real("faster-coco-eval-tests/gt_ignore_test.json")
    dt_path = _real("faster-coco-eval-tests/dt_ignore_test.json")
    # As shipped, results use int image ids and the ground truth strings: pycocotools
    # fails with a bare AssertionError, we with a ValueError naming the annotation.
    with pytest.raises(AssertionError), contextlib.redirect_stdout(io.StringIO()):
        pc_coco.COCO(str(gt_path)).loadRes(str(dt_path))
    with pytest.raises(ValueError, match="field 'image_id' 2299 is not an image"):
        mm.COCO(str(gt_path)).loadRes(str(dt_path))
    # With matching ids, the explicit `ignore` flags must be overridden by iscrowd.
    results = json.loads(dt_path.read_text())
    for det in results:
        det["image_id"] = str(det["image_id"])
    case = {"gt": json.loads(gt_path.read_text()), "results": results}
    assert any("ignore" in ann for ann in case["gt"]["annotations"])
    assert_same_eval(run_eval(mm, mm, case), run_eval(pc_coco, pc_eval, case))


def test_summarize_prints_the_same_twelve_lines(capsys):
    case = {
        "gt": {
            "images": [{"id": 1}],
            "categories": [{"id": 1, "name": "a"}],
            "annotations": [
                {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 50, 50],
                 "area": 2500, "iscrowd": 0},
            ],
        },
        "results": [{"image_id": 1, "category_id": 1, "bbox": [2, 2, 50, 50], "score": 0.9}],
    }  # fmt: skip
    import copy

    with contextlib.redirect_stdout(io.StringIO()):
        gt = pc_coco.COCO()
        gt.dataset = copy.deepcopy(case["gt"])
        gt.createIndex()
        ref = pc_eval.COCOeval(gt, gt.loadRes(copy.deepcopy(case["results"])), "bbox")
        ref.evaluate()
        ref.accumulate()
    with contextlib.redirect_stdout(io.StringIO()) as ref_out:
        ref.summarize()
    gt2 = mm.COCO(copy.deepcopy(case["gt"]))
    ours = mm.COCOeval(gt2, gt2.loadRes(copy.deepcopy(case["results"])), "bbox")
    ours.evaluate()
    ours.accumulate()
    assert capsys.readouterr().out == ""  # nothing printed before summarize
    ours.summarize()
    out = capsys.readouterr().out
    assert out == ref_out.getvalue()
    assert len(out.splitlines()) == 12


@given(case=datasets(max_images=3))
def test_ious_match_pycocotools(case):
    assume(case["results"])
    ref = run_eval(pc_coco, pc_eval, case)
    ours = run_eval(mm, mm, case)
    assert set(ours.ious) == set(ref.ious)
    for key, value in ref.ious.items():
        assert np.array_equal(np.asarray(ours.ious[key]), np.asarray(value)), key


def test_fix_max_dets_reports_ap_at_the_last_setting(capsys):
    gt_path = _real("coco-val2014-100/instances_val2014_100.json")
    dt_path = _real("coco-val2014-100/instances_val2014_fakebbox100_results.json")
    ours = _evaluate_files(mm, mm, gt_path, dt_path, _configure({"maxDets": [1, 10, 300]}))
    assert ours.stats[0] == -1  # pycocotools' rule by default
    ours.summarize(fix_max_dets=True)
    precision = ours.eval["precision"][:, :, :, 0, 2]
    assert ours.stats[0] == np.mean(precision[precision > -1])
    assert "maxDets=300" in capsys.readouterr().out


def test_assigning_dataset_to_results_does_not_complete_the_new_one():
    gt_doc = {"images": [{"id": 1}], "annotations": [], "categories": [{"id": 1}]}
    det = [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 3], "score": 0.5}]
    new = {
        "images": [],
        "annotations": [{"id": 77, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1],
                         "area": 9.0, "iscrowd": 1}],
        "categories": [],
    }  # fmt: skip
    datasets = []
    for module in (pc_coco, mm):
        with contextlib.redirect_stdout(io.StringIO()):
            gt = module.COCO()
            gt.dataset = json.loads(json.dumps(gt_doc))
            gt.createIndex()
            res = gt.loadRes(json.loads(json.dumps(det)))
        res.dataset = json.loads(json.dumps(new))
        datasets.append(res.dataset)
    assert datasets[0] == datasets[1] == new


def test_boxes_whose_area_underflows_match_as_in_pycocotools():
    # w * h underflows to 0 while w and h are positive: IoU is 0 / 0 = NaN, and
    # pycocotools' "iou < threshold" test lets NaN match.
    tiny = [0.0, 0.0, 4.8e-208, 5.1e-263]
    case = {
        "gt": {
            "images": [{"id": 1}],
            "categories": [{"id": 1, "name": "a"}],
            "annotations": [
                {"id": 1, "image_id": 1, "category_id": 1, "bbox": tiny, "area": 0.0,
                 "iscrowd": 0},
            ],
        },
        "results": [{"image_id": 1, "category_id": 1, "bbox": tiny, "score": 0.5}],
    }  # fmt: skip
    ref = run_eval(pc_coco, pc_eval, case)
    assert ref.eval["recall"][0, 0, 0, -1] == 1.0  # the NaN IoU matched
    assert_same_eval(run_eval(mm, mm, case), ref)


# -- iouType "segm" ----------------------------------------------------------------------

SEGM_PARAM_CASES = [
    {},
    {"useCats": 0},
    {"maxDets": [1, 2, 3]},
    {"iouThrs": np.array([0.0, 0.5, 1.0])},
    {"areaRng": [[0, 1e10], [0, 20], [20, 1e10]], "areaRngLbl": ["all", "small", "big"]},
    {"imgIds_subset": True},
]


@pytest.mark.parametrize("options", SEGM_PARAM_CASES, ids=lambda o: ",".join(o) or "default")
@given(case=segm_datasets())
def test_random_segm_datasets_match_pycocotools(options, case):
    assume(case["results"])
    ref = run_eval(pc_coco, pc_eval, case, _configure(options), iou_type="segm")
    ours = run_eval(mm, mm, case, _configure(options), iou_type="segm")
    assert_same_eval(ours, ref)


@given(case=segm_datasets(max_images=3))
def test_segm_ious_and_eval_imgs_match_pycocotools(case):
    assume(case["results"])
    ref = run_eval(pc_coco, pc_eval, case, iou_type="segm")
    ours = run_eval(mm, mm, case, iou_type="segm")
    assert ours.ious.keys() == ref.ious.keys()
    for key, matrix in ref.ious.items():
        assert np.array_equal(np.asarray(ours.ious[key]), np.asarray(matrix)), key
    for a, b in zip(ours.evalImgs, ref.evalImgs, strict=True):
        assert (a is None) == (b is None)
        if b is not None:
            assert a["dtIds"] == b["dtIds"]
            assert a["gtIds"] == b["gtIds"]
            assert np.array_equal(a["dtMatches"], b["dtMatches"])


@given(case=segm_datasets(max_images=4))
def test_segm_thread_count_does_not_change_results(case):
    assume(case["results"])
    with num_threads(1):
        one = run_eval(mm, mm, case, iou_type="segm")
    with num_threads(3):
        three = run_eval(mm, mm, case, iou_type="segm")
    assert_same_eval(one, three)


@given(case=segm_datasets(max_images=2))
def test_ann_to_rle_and_mask_match_pycocotools(case):
    ref, ours = pc_coco.COCO(), mm.COCO()
    for coco in (ref, ours):
        coco.dataset = copy.deepcopy(case["gt"])
        with contextlib.redirect_stdout(io.StringIO()):
            coco.createIndex()
    for ann in case["gt"]["annotations"]:
        expected = ref.annToRLE(copy.deepcopy(ann))
        got = ours.annToRLE(copy.deepcopy(ann))
        assert got["size"] == expected["size"]
        counts = expected["counts"]
        assert got["counts"] == counts
        mask_ref = ref.annToMask(copy.deepcopy(ann))
        mask_ours = ours.annToMask(copy.deepcopy(ann))
        assert mask_ours.dtype == mask_ref.dtype
        assert mask_ours.flags.f_contiguous == mask_ref.flags.f_contiguous
        assert np.array_equal(mask_ours, mask_ref)


@pytest.mark.parametrize("options", [{}, {"useCats": 0}])
def test_real_coco_val2014_100_images_segm(options):
    gt_path = _real("coco-val2014-100/instances_val2014_100.json")
    dt_path = _real("coco-val2014-100/instances_val2014_fakesegm100_results.json")
    ref = _evaluate_files(pc_coco, pc_eval, gt_path, dt_path, _configure(options), "segm")
    ours = _evaluate_files(mm, mm, gt_path, dt_path, _configure(options), "segm")
    assert_same_eval(ours, ref)


def test_real_bbox_results_scored_by_their_masks():
    # Box results evaluated as segm: pycocotools' loadRes gives each a box polygon.
    gt_path = _real("coco-val2014-100/instances_val2014_100.json")
    dt_path = _real("coco-val2014-100/instances_val2014_fakebbox100_results.json")
    ref = _evaluate_files(pc_coco, pc_eval, gt_path, dt_path, None, "segm")
    ours = _evaluate_files(mm, mm, gt_path, dt_path, None, "segm")
    assert_same_eval(ours, ref)


def test_results_list_on_a_ground_truth_file_copies_its_images():
    gt_path = _real("coco-val2014-100/instances_val2014_100.json")
    results = json.loads(
        _real("coco-val2014-100/instances_val2014_fakebbox100_results.json").read_text()
    )[:50]
    with contextlib.redirect_stdout(io.StringIO()):
        ref = pc_coco.COCO(str(gt_path)).loadRes(copy.deepcopy(results))
    ours = mm.COCO(str(gt_path)).loadRes(copy.deepcopy(results))
    assert ours.dataset["images"] == ref.dataset["images"]
    assert ours.dataset["categories"] == ref.dataset["categories"]
    assert ours.dataset["annotations"] == ref.dataset["annotations"]


def _render(value, rng) -> str:
    """JSON text of `value` with numbers spelt in varied but equal ways."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float):
        forms = [repr(value), f"{value:.17g}", f"{value:e}" if value == float(f"{value:e}") else ""]
        if value == int(value) and abs(value) < 1e15:
            forms.append(f"{int(value)}.0")
        return rng.choice([f for f in forms if f])
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_render(v, rng) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)}: {_render(v, rng)}" for k, v in value.items()) + "}"


@given(case=segm_datasets(), rng=st.randoms(use_true_random=False))
def test_segm_from_files_matches_pycocotools(tmp_path_factory, case, rng):
    # The ground truth's segmentations are then read from the file's bytes.
    assume(case["results"])
    folder = tmp_path_factory.mktemp("segm")
    gt_path, dt_path = folder / "gt.json", folder / "dt.json"
    gt_path.write_text(_render(case["gt"], rng))
    dt_path.write_text(_render(case["results"], rng))
    ref = _evaluate_files(pc_coco, pc_eval, gt_path, dt_path, None, "segm")
    ours = _evaluate_files(mm, mm, gt_path, dt_path, None, "segm")
    assert_same_eval(ours, ref)
    # And the masks equal those converted from the dicts.
    lazy = mm.COCO(str(gt_path))
    from_file = annotation_masks(lazy, "gt")
    parsed = mm.COCO(json.loads(gt_path.read_text()))
    from_dicts = annotation_masks(parsed, "gt")
    for name in ("hw", "bbox", "area"):
        assert np.array_equal(
            np.asarray(getattr(from_file, name)), np.asarray(getattr(from_dicts, name))
        )
