"""pycocotools' per-image records, built on request: ``evalImgs`` and ``ious``.

Evaluation itself never builds them (they cost a dict per image, category and area
range); ``COCOeval`` exposes them lazily for code that reads them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from modelmetrics import _kernels
from modelmetrics._detection.columns import AnnotationColumns
from modelmetrics._detection.evaluate import Evaluation, MaskPair, evaluate

__all__ = ["eval_imgs", "ious"]


def ious(
    ev: Evaluation, gt: AnnotationColumns, dt: AnnotationColumns, masks: MaskPair | None
) -> dict[tuple[Any, Any], Any]:
    """pycocotools' ``ious``: per (image id, category id) the IoU matrix between the
    group's kept detections and its ground truths, or ``[]`` when either is empty."""
    settings = ev.settings
    g = ev.grouped
    index = ev.group_index()
    out: dict[tuple[Any, Any], Any] = {}
    for k, cat in enumerate(settings.accumulated_category_ids):
        for i, img in enumerate(settings.image_ids):
            grp = index.get(k * ev.n_images + i)
            if grp is None:
                out[img, cat] = []  # no annotation on either side
                continue
            s0, s1 = int(ev.slot_start[grp]), int(ev.slot_start[grp + 1])
            rows = g.gt_rows[int(g.gt_start[grp]) : int(g.gt_start[grp + 1])]
            no_similarity = ev.keypoints is not None and ev.keypoints.matches_none
            if s1 == s0 or len(rows) == 0 or no_similarity:
                out[img, cat] = []  # pycocotools' value when either side is empty
                continue
            matrix = np.zeros((s1 - s0, len(rows)))
            crowd = np.ascontiguousarray(gt.crowd[rows])
            if ev.pair_ious is not None:
                values, start = ev.pair_ious
                matrix[:] = values[start[grp] : start[grp + 1]].reshape(matrix.shape)
            elif masks is not None:
                _kernels.coco_mask_iou(
                    masks.detections, np.ascontiguousarray(ev.slot_det[s0:s1]),
                    masks.ground_truth, np.ascontiguousarray(rows), crowd, matrix,
                )  # fmt: skip
            else:
                dets = np.ascontiguousarray(dt.bbox[ev.slot_det[s0:s1]])
                _kernels.coco_box_iou(dets, np.ascontiguousarray(gt.bbox[rows]), crowd, matrix)
            out[img, cat] = matrix
    return out


def eval_imgs(
    ev: Evaluation, gt: AnnotationColumns, dt: AnnotationColumns, masks: MaskPair | None
) -> list[Any]:
    """pycocotools' ``evalImgs``: per (category, area range, image) None (no ground truth
    or detection) or a dict with ``image_id``, ``category_id``, ``aRng``, ``maxDet``,
    ``dtIds``, ``gtIds``, ``dtMatches``, ``gtMatches``, ``dtScores``, ``gtIgnore`` and
    ``dtIgnore``. The groups are matched again with the kernel's per-record output on."""
    settings = ev.settings
    g = ev.grouped
    A, T = len(settings.area_ranges), len(settings.iou_thresholds)
    n_slots, n_gt = len(ev.slot_score), len(g.gt_rows)
    slot_dtm = np.zeros((A, T, n_slots))
    slot_dtig = np.zeros((A, T, n_slots), np.uint8)
    gt_order = np.zeros((A, n_gt), np.int64)
    gt_gtm = np.zeros((A, T, n_gt))
    gt_ig = np.zeros((A, n_gt), np.uint8)
    detail = (slot_dtm, slot_dtig, gt_order, gt_gtm, gt_ig)
    again = evaluate(
        gt, dt, settings, masks, detail=detail, keypoints=ev.keypoints, row_filter=ev.row_filter
    )
    max_det = settings.max_detections[-1]
    records: list[Any] = []
    n_img = ev.n_images
    index = again.group_index()
    for k, cat in enumerate(settings.accumulated_category_ids):
        for a, rng in enumerate(settings.area_ranges):
            for i, img in enumerate(settings.image_ids):
                grp = index.get(k * n_img + i)
                if grp is None or not again.group_nonempty[grp]:
                    records.append(None)
                    continue
                s0, s1 = int(again.slot_start[grp]), int(again.slot_start[grp + 1])
                g0, g1 = int(g.gt_start[grp]), int(g.gt_start[grp + 1])
                dets = again.slot_det[s0:s1]
                records.append(
                    {
                        "image_id": img,
                        "category_id": cat,
                        "aRng": rng,
                        "maxDet": max_det,
                        "dtIds": dt.id[dets].tolist(),
                        "gtIds": gt.id[gt_order[a, g0:g1]].tolist(),
                        "dtMatches": slot_dtm[a, :, s0:s1].copy(),
                        "gtMatches": gt_gtm[a, :, g0:g1].copy(),
                        "dtScores": again.slot_score[s0:s1].tolist(),
                        "gtIgnore": gt_ig[a, g0:g1].astype(np.int64),
                        "dtIgnore": slot_dtig[a, :, s0:s1].astype(bool),
                    }
                )
    return records
