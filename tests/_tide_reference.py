"""tidecv 1.0.1, the reference of ``modelmetrics.analysis.tide``, run on in-memory COCO data.

``tidecv.datasets.COCO`` / ``COCOResult`` read files and always convert segmentations
(which bbox-only datasets lack); :func:`tidecv_errors` fills tidecv's ``Data`` the way
those loaders do (``iscrowd`` annotations become ignore regions, images in the file's
order, at most ``max_detections`` per image: 100 in tidecv's COCO loader), with masks
only in mask mode.
"""

from __future__ import annotations

import contextlib
import io
from typing import Any

import pytest

tidecv = pytest.importorskip("tidecv")


def tidecv_errors(
    gt: dict[str, Any],
    results: list[dict[str, Any]],
    iou_type: str = "bbox",
    pos_threshold: float = 0.5,
    background_threshold: float = 0.1,
    max_detections: int = 100,
) -> dict[str, Any]:
    """tidecv's base AP, main and special dAPs and error counts for a COCO case."""
    from tidecv import TIDE, Data
    from tidecv import functions as tide_functions

    masks = iou_type == "segm"
    truth = Data("gt", max_dets=max_detections)
    sizes = {}
    for img in gt["images"]:
        truth.add_image(img["id"], img.get("file_name", str(img["id"])))
        sizes[img["id"]] = (img.get("width"), img.get("height"))
    for cat in gt.get("categories", []):
        truth.add_class(cat["id"], cat.get("name", str(cat["id"])))
    for ann in gt["annotations"]:
        mask = None
        if masks:
            w, h = sizes[ann["image_id"]]
            mask = tide_functions.toRLE(ann["segmentation"], w, h)
        add = truth.add_ignore_region if ann["iscrowd"] else truth.add_ground_truth
        add(ann["image_id"], ann["category_id"], ann.get("bbox"), mask)
    preds = Data("dt")
    for det in results:
        preds.add_detection(
            det["image_id"],
            det["category_id"],
            det["score"],
            det.get("bbox"),
            det.get("segmentation") if masks else None,
        )
    tide = TIDE(
        pos_threshold=pos_threshold,
        background_threshold=background_threshold,
        mode=TIDE.MASK if masks else TIDE.BOX,
    )
    with contextlib.redirect_stdout(io.StringIO()):
        run = tide.evaluate(truth, preds, name="run")
        main = tide.get_main_errors()["run"]
        special = tide.get_special_errors()["run"]
    counts = {error.short_name: n for error, n in run.count_errors().items()}
    return {"ap": run.ap, "main": main, "special": special, "counts": counts}
