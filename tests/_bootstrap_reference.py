"""Reference for the weighted accumulation: pycocotools on an explicitly resampled dataset."""

from __future__ import annotations

import contextlib
import copy
import io
from typing import Any

import numpy as np

pycocotools = __import__("pytest").importorskip("pycocotools")
from pycocotools.coco import COCO as RefCOCO  # noqa: E402
from pycocotools.cocoeval import COCOeval as RefCOCOeval  # noqa: E402

STAT_NAMES = [
    "map", "map50", "map75", "map-small", "map-medium", "map-large",
    "mar-1", "mar-10", "mar-100", "mar-small", "mar-medium", "mar-large",
]  # fmt: skip


def distinct_scores(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same results with every score distinct (order kept where scores differed)."""
    out = copy.deepcopy(results)
    for i, r in enumerate(out):
        r["score"] = float(r["score"]) * 0.5 + (i + 1) * 1e-6
    return out


def resampled(
    gt: dict[str, Any], results: list[dict[str, Any]], weights: dict[Any, int]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Image ``i`` repeated ``weights[i]`` times: new image ids in the original id order
    (the copies of an image next to each other), annotations copied with new ids."""
    ids = sorted(img["id"] for img in gt["images"])
    stride = max(weights.values(), default=0) + 1
    new_ids = {
        i: [pos * stride + c + 1 for c in range(weights.get(i, 0))] for pos, i in enumerate(ids)
    }
    images = [{**img, "id": new} for img in gt["images"] for new in new_ids[img["id"]]]
    annotations = []
    for ann in gt["annotations"]:
        for new in new_ids[ann["image_id"]]:
            annotations.append({**ann, "image_id": new, "id": len(annotations) + 1})
    dts = [{**r, "image_id": new} for r in results for new in new_ids[r["image_id"]]]
    return {**gt, "images": images, "annotations": annotations}, dts


def reference_metrics(
    gt: dict[str, Any], results: list[dict[str, Any]], iou_type: str = "bbox"
) -> dict[str, Any]:
    """pycocotools' 12 stats (NaN for -1) and per-class AP / AP50 (area all, maxDets 100)."""
    with contextlib.redirect_stdout(io.StringIO()):
        coco = RefCOCO()
        coco.dataset = copy.deepcopy(gt)
        coco.createIndex()
        dt = coco.loadRes(copy.deepcopy(results)) if results else None
        if dt is None:
            return {}
        ev = RefCOCOeval(coco, dt, iou_type)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    out: dict[str, Any] = {
        name: (np.nan if v == -1 else float(v))
        for name, v in zip(STAT_NAMES, ev.stats, strict=True)
    }
    precision = ev.eval["precision"]
    for k, cat in enumerate(ev.params.catIds):
        s = precision[:, :, k, 0, -1]
        out[f"ap/{cat}"] = float(np.mean(s[s > -1])) if np.any(s > -1) else np.nan
        s50 = precision[0, :, k, 0, -1]
        out[f"ap50/{cat}"] = float(np.mean(s50[s50 > -1])) if np.any(s50 > -1) else np.nan
    return out
