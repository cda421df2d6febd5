"""Bad COCO input: a ValueError naming the annotation and field, never a crash."""

from __future__ import annotations

import copy
import json
from typing import Any

import numpy as np
import pytest

from modelmetrics.coco import COCO, COCOeval

GT = {
    "images": [{"id": 1, "width": 100, "height": 100}, {"id": 2, "width": 100, "height": 100}],
    "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}],
    "annotations": [
        {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 100,
         "iscrowd": 0},
        {"id": 2, "image_id": 2, "category_id": 2, "bbox": [5, 5, 20, 20], "area": 400,
         "iscrowd": 0},
    ],
}  # fmt: skip
RESULT = {"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.9}


def _evaluate(gt, results, tmp_path=None):
    if tmp_path is not None:  # through files, as the compiled reader sees them
        gt_file, dt_file = tmp_path / "gt.json", tmp_path / "dt.json"
        gt_file.write_text(json.dumps(gt))
        dt_file.write_text(json.dumps(results))
        coco = COCO(str(gt_file))
        dt = coco.loadRes(str(dt_file))
    else:
        coco = COCO(copy.deepcopy(gt))
        dt = coco.loadRes(copy.deepcopy(results))
    ev = COCOeval(coco, dt, "bbox")
    ev.evaluate()
    ev.accumulate()
    return ev


RESULT_CASES = [
    ({"bbox": None}, r"annotation 1: field 'bbox'"),
    ({"bbox": [0, 0, 10]}, r"annotation 1: field 'bbox'"),
    ({"bbox": ["a", 0, 1, 1]}, r"annotation 1: field 'bbox'"),
    ({"bbox": [0, 0, -1, 10]}, r"annotation 1: field 'bbox' has a negative width"),
    ({"score": "high"}, r"annotation 1: field 'score'"),
    ({"image_id": 99}, r"annotation 1: field 'image_id' 99 is not an image"),
    ({"category_id": 7}, r"annotation 1: field 'category_id' 7 is not a category"),
]


@pytest.mark.parametrize(("change", "match"), RESULT_CASES)
@pytest.mark.parametrize("via_file", [False, True])
def test_bad_result_fields(change, match, via_file, tmp_path):
    bad = {**RESULT, **change}
    with pytest.raises(ValueError, match=match):
        _evaluate(GT, [RESULT, bad], tmp_path if via_file else None)


@pytest.mark.parametrize("field", ["image_id", "category_id", "bbox", "score"])
@pytest.mark.parametrize("via_file", [False, True])
def test_missing_result_field(field, via_file, tmp_path):
    bad = {k: v for k, v in RESULT.items() if k != field}
    with pytest.raises(ValueError, match=rf"annotation 1: field '{field}' is missing"):
        _evaluate(GT, [RESULT, bad], tmp_path if via_file else None)


def test_nan_score_is_rejected():
    with pytest.raises(ValueError, match=r"annotation 0: field 'score' must be finite"):
        _evaluate(GT, [{**RESULT, "score": float("nan")}])


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"area": None}, r"annotation 0: field 'area'"),
        ({"bbox": [0, 0, 10, -2]}, r"annotation 0: field 'bbox' has a negative width"),
    ],
)
@pytest.mark.parametrize("via_file", [False, True])
def test_bad_ground_truth_fields(change, match, via_file, tmp_path):
    gt = copy.deepcopy(GT)
    gt["annotations"][0].update(change)
    with pytest.raises(ValueError, match=match):
        _evaluate(gt, [RESULT], tmp_path if via_file else None)


def test_empty_results_need_allow_empty():
    coco = COCO(copy.deepcopy(GT))
    with pytest.raises(ValueError, match="allow_empty=True"):
        coco.loadRes([])
    ev = COCOeval(coco, coco.loadRes([], allow_empty=True), "bbox")
    ev.evaluate()
    ev.accumulate()
    assert np.all(ev.eval["recall"][:, :, 0, -1] == 0)  # everything missed, not -1


def test_not_a_json_object(tmp_path):
    path = tmp_path / "list.json"
    path.write_text("[1, 2, 3]")
    with pytest.raises(ValueError, match="not supported"):
        COCO(str(path))


def test_results_not_a_list():
    with pytest.raises(ValueError, match="results must be a list"):
        COCO(copy.deepcopy(GT)).loadRes({"image_id": 1})


def test_iou_types_need_their_fields():
    coco = COCO(copy.deepcopy(GT))
    ev = COCOeval(coco, coco.loadRes([dict(RESULT)]), "keypoints")
    with pytest.raises(ValueError, match="num_keypoints"):  # the boxes' gt has no keypoints
        ev.evaluate()
    with pytest.raises(ValueError, match="iouType"):
        COCOeval(coco, coco, "masks")


def test_dicts_of_a_file_changed_after_loading_are_refused(tmp_path):
    gt_file, dt_file = tmp_path / "gt.json", tmp_path / "dt.json"
    gt_file.write_text(json.dumps(GT))
    dt_file.write_text(json.dumps([RESULT]))
    coco = COCO(str(gt_file))
    dt = coco.loadRes(str(dt_file))
    ev = COCOeval(coco, dt, "bbox")
    ev.evaluate()  # evaluation reads columns only: the files are not needed again
    ev.accumulate()
    dt_file.write_text(json.dumps([RESULT, RESULT]))
    with pytest.raises(ValueError, match="changed after it was loaded"):
        dt.dataset
    gt_file.unlink()
    with pytest.raises(ValueError, match="no longer readable"):
        coco.loadImgs([1])


def test_dicts_of_an_unchanged_file_are_parsed_on_first_use(tmp_path):
    gt_file = tmp_path / "gt.json"
    gt_file.write_text(json.dumps(GT))
    coco = COCO(str(gt_file))
    assert coco.loadImgs([2]) == [GT["images"][1]]
    assert coco.dataset == GT


# -- in-memory datasets: COCO(); coco.dataset = d; coco.createIndex() ----------------------


def _small_dataset() -> dict[str, Any]:
    return {
        "images": [{"id": 7, "height": 10, "width": 10}],
        "annotations": [
            {
                "id": 1,
                "image_id": 7,
                "category_id": 3,
                "bbox": [1, 1, 4, 4],
                "area": 16,
                "iscrowd": 0,
            }
        ],
        "categories": [{"id": 3, "name": "c"}],
    }


def test_in_memory_dataset_idiom_indexes_and_evaluates():
    coco = COCO()
    coco.dataset = _small_dataset()
    coco.createIndex()
    assert coco.getImgIds() == [7]
    assert coco.getAnnIds(imgIds=[7]) == [1]
    result = {"image_id": 7, "category_id": 3, "bbox": [1, 1, 4, 4], "score": 0.9}
    ev = COCOeval(coco, coco.loadRes([result]), "bbox")
    ev.evaluate()
    ev.accumulate()
    # One true positive: pycocotools' tp / (tp + fp + eps).
    assert ev.eval["precision"][0, 0, 0, 0, -1] == 1 / (1 + np.spacing(1))


@pytest.mark.parametrize(
    ("dataset", "message"),
    [
        ([1, 2], r"COCO.dataset must be a dict .* got list"),
        ("x", r"COCO.dataset must be a dict .* got str"),
        ({"images": 5}, r"COCO.dataset\['images'\] must be a list of dicts, got int"),
        ({"annotations": {"id": 1}}, r"COCO.dataset\['annotations'\] must be a list"),
        (
            {"categories": None},
            r"COCO.dataset\['categories'\] must be a list of dicts, got NoneType",
        ),
        ({"images": [{"id": 1}, 5]}, r"COCO.dataset\['images'\]\[1\] must be a dict, got int"),
        ({"annotations": [[1, 2]]}, r"COCO.dataset\['annotations'\]\[0\] must be a dict, got list"),
    ],
)
def test_in_memory_datasets_that_are_not_dicts_of_lists_are_value_errors(dataset, message):
    """Caught when set (the dict and its lists) or at the latest when indexed (items)."""

    def set_and_index() -> None:
        coco = COCO()
        coco.dataset = dataset
        coco.createIndex()

    with pytest.raises(ValueError, match=message):
        set_and_index()
    if isinstance(dataset, dict):  # the same through the constructor
        with pytest.raises(ValueError, match=message):
            COCO(dataset).createIndex()


def test_annotation_file_of_another_type_is_a_type_error():
    with pytest.raises(
        TypeError, match="annotation_file must be a path or a dataset dict, got list"
    ):
        COCO([1, 2])  # type: ignore[arg-type]
