"""A small valid COCO ground truth and its results, mutated by the fuzz tests."""

from __future__ import annotations

from typing import Any

import numpy as np

from modelmetrics import mask as mask_api

GT: dict[str, Any] = {
    "images": [
        {"id": 1, "width": 40, "height": 30},
        {"id": 2, "width": 40, "height": 30},
    ],
    "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}],
    "annotations": [
        {
            "id": 1,
            "image_id": 1,
            "category_id": 1,
            "bbox": [2, 3, 10, 8],
            "area": 80,
            "iscrowd": 0,
            "segmentation": [[2, 3, 12, 3, 12, 11, 2, 11]],
        },
        {
            "id": 2,
            "image_id": 1,
            "category_id": 2,
            "bbox": [20, 5, 6, 9],
            "area": 54,
            "iscrowd": 0,
            "segmentation": {"size": [30, 40], "counts": [605, 9, 21, 9, 21, 9, 526]},
        },
        {
            "id": 3,
            "image_id": 2,
            "category_id": 1,
            "bbox": [0, 0, 40, 30],
            "area": 1200,
            "iscrowd": 1,
            "segmentation": {"size": [30, 40], "counts": [0, 1200]},
        },
    ],
}
_MASK = np.zeros((30, 40), np.uint8, order="F")
_MASK[3:11, 3:12] = 1
_RLE = mask_api.encode(_MASK)["counts"].decode()  # type: ignore[index]

DT: list[dict[str, Any]] = [
    {
        "image_id": 1,
        "category_id": 1,
        "bbox": [3, 3, 9, 8],
        "score": 0.9,
        "segmentation": {"size": [30, 40], "counts": _RLE},
    },
    {
        "image_id": 1,
        "category_id": 2,
        "bbox": [19, 5, 7, 9],
        "score": 0.4,
        "segmentation": [[19, 5, 26, 5, 26, 14, 19, 14]],
    },
    {
        "image_id": 2,
        "category_id": 1,
        "bbox": [5, 5, 5, 5],
        "score": 0.7,
        "segmentation": [[5, 5, 10, 5, 10, 10, 5, 10]],
    },
]

# Pose data (3 keypoints: the fuzz tests set params.kpt_oks_sigmas to match).
KP_SIGMAS = [0.05, 0.08, 0.1]
KP_GT: dict[str, Any] = {
    "images": [{"id": 1, "width": 40, "height": 30}, {"id": 2, "width": 40, "height": 30}],
    "categories": [{"id": 1, "name": "person"}],
    "annotations": [
        {"id": 1, "image_id": 1, "category_id": 1, "bbox": [2, 3, 20, 20], "area": 300,
         "iscrowd": 0, "keypoints": [5, 6, 2, 10, 12, 1, 0, 0, 0], "num_keypoints": 2},
        {"id": 2, "image_id": 2, "category_id": 1, "bbox": [10, 5, 15, 20], "area": 200.5,
         "iscrowd": 0, "keypoints": [0, 0, 0, 0, 0, 0, 0, 0, 0], "num_keypoints": 0},
        {"id": 3, "image_id": 2, "category_id": 1, "bbox": [1, 1, 30, 25], "area": 600,
         "iscrowd": 1, "keypoints": [3, 4, 2, 20, 20, 2, 25, 22, 2], "num_keypoints": 3},
    ],
}  # fmt: skip
KP_DT: list[dict[str, Any]] = [
    {"image_id": 1, "category_id": 1, "score": 0.9, "keypoints": [5.5, 6, 1, 10, 11.5, 1, 3, 3, 1]},
    {"image_id": 2, "category_id": 1, "score": 0.7, "keypoints": [12, 8, 1, 18, 20, 1, 22, 9, 1]},
    {"image_id": 2, "category_id": 1, "score": 0.4, "keypoints": [3.5, 4, 1, 19, 21, 1, 25, 23, 1]},
]  # fmt: skip
