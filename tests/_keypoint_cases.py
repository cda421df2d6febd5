"""Generated pose data for the native keypoint API, with pycocotools as the reference.

:func:`pose_sets` draws per-image arrays (``modelmetrics.keypoints`` inputs) together with
the equivalent COCO ground truth and results (what ``COCOeval(iouType="keypoints")``
reads): the same keypoints, boxes, areas, crowd flags, ``num_keypoints`` = labeled
keypoints, and for results the keypoints alone (``loadRes`` derives their box and area).
:func:`reference_eval` runs pycocotools on the COCO side; the helpers below read its
``evalImgs`` and ``ious`` for the matched pairs and the per-class counts.
"""

from __future__ import annotations

import contextlib
import copy
import io
from typing import Any

import numpy as np
from hypothesis import strategies as st

from modelmetrics._detection.keypoints import coco_person_sigmas


@st.composite
def pose_sets(draw: Any, max_images: int = 6) -> dict[str, Any]:
    """People with k keypoints (visibility 0/1/2, some with none labeled, some crowd),
    predictions near them (some with ties in score) and strays; one or two classes;
    areas given or taken from the boxes; unlabeled coordinates NaN in the arrays."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    k = draw(st.sampled_from([17, 17, 5, 1]))
    default_sigmas = k == 17 and draw(st.booleans())
    sigmas = coco_person_sigmas() if default_sigmas else rng.uniform(0.02, 0.12, k)
    n_cats = draw(st.sampled_from([1, 1, 2]))
    give_area = draw(st.booleans())
    ints = draw(st.booleans())

    def num(v: Any) -> Any:
        return np.round(v) if ints else v

    image_ids = [int(i) for i in rng.choice(10**6, draw(st.integers(1, max_images)), False)]
    gt_images, pred_images = [], []
    images, anns, results = [], [], []
    for image_id in image_ids:
        images.append({"id": image_id, "height": 480, "width": 640})
        n = int(rng.integers(0, 5))
        xy = num(rng.uniform(0, 500, (n, 2)))
        wh = num(rng.uniform(2, 150, (n, 2)))
        boxes = np.hstack([xy, wh])
        kx = num(rng.uniform(xy[:, :1], xy[:, :1] + wh[:, :1], (n, k)))
        ky = num(rng.uniform(xy[:, 1:], xy[:, 1:] + wh[:, 1:], (n, k)))
        vis = rng.choice([0, 1, 2], (n, k), p=[0.3, 0.2, 0.5])
        vis[rng.random(n) < 0.15] = 0
        labels = rng.integers(1, n_cats + 1, n)
        crowd = (rng.random(n) < 0.08).astype(np.int64)
        area = boxes[:, 2] * boxes[:, 3] * rng.uniform(0.3, 1.0, n)
        area[rng.random(n) < 0.05] = 0.0
        if not give_area:
            area = boxes[:, 2] * boxes[:, 3]
        gt_kp = np.stack([kx, ky, vis], axis=2).astype(np.float64)
        arrays_kp = gt_kp.copy()
        arrays_kp[vis == 0, :2] = np.nan  # never read: the API must not care
        entry: dict[str, Any] = {"image_id": image_id, "keypoints": arrays_kp, "labels": labels,
                                 "boxes": boxes, "iscrowd": crowd}  # fmt: skip
        if give_area:
            entry["area"] = area
        gt_images.append(entry)
        for j in range(n):
            flat = np.where(vis[j][:, None] > 0, gt_kp[j, :, :2], 0.0)
            keypoints = np.column_stack([flat, vis[j]]).ravel().tolist()
            anns.append({"id": len(anns) + 1, "image_id": image_id,
                         "category_id": int(labels[j]), "bbox": boxes[j].tolist(),
                         "area": float(area[j]), "iscrowd": int(crowd[j]),
                         "keypoints": keypoints,
                         "num_keypoints": int((vis[j] > 0).sum())})  # fmt: skip
        pred_kp, pred_labels, pred_scores = [], [], []
        for j in range(n):
            for _ in range(int(rng.integers(0, 3))):
                noise = rng.normal(0, rng.uniform(0.5, 15), (k, 2))
                pred_kp.append(num(np.column_stack([kx[j], ky[j]]) + noise))
                pred_labels.append(int(labels[j]))
                pred_scores.append(float(rng.choice([0.5, rng.random()])))
        # Strays; at least one in the first image, as pycocotools' loadRes needs a result.
        for _ in range(int(rng.integers(image_id == image_ids[0], 3))):
            pred_kp.append(num(np.column_stack([rng.uniform(0, 600, k), rng.uniform(0, 400, k)])))
            pred_labels.append(int(rng.integers(1, n_cats + 1)))
            pred_scores.append(float(rng.random()))
        kp = np.array(pred_kp, np.float64).reshape(-1, k, 2)
        pred_images.append({"image_id": image_id, "keypoints": kp,
                            "labels": np.array(pred_labels, np.int64),
                            "scores": np.array(pred_scores)})  # fmt: skip
        for p, label, score in zip(kp, pred_labels, pred_scores, strict=True):
            flat = np.column_stack([p, np.ones(k)]).ravel().tolist()
            results.append({"image_id": image_id, "category_id": label, "keypoints": flat,
                            "score": score})  # fmt: skip
    categories = [{"id": c, "name": f"class{c}"} for c in range(1, n_cats + 1)]
    return {
        "arrays": (gt_images, pred_images),
        "coco": ({"images": images, "annotations": anns, "categories": categories}, results),
        "sigmas": None if default_sigmas else sigmas,
        "k": k,
    }


def reference_eval(case: dict[str, Any], **params: Any) -> Any:
    """pycocotools' ``COCOeval(iouType="keypoints")`` of the case's COCO side, evaluated,
    accumulated and summarised (quietly), with `params` set on its ``params``."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    gt_data, results = case["coco"]
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = copy.deepcopy(gt_data)
        gt.createIndex()
        ev = COCOeval(gt, gt.loadRes(copy.deepcopy(results)), "keypoints")
        if case["sigmas"] is not None:
            ev.params.kpt_oks_sigmas = np.asarray(case["sigmas"])
        for name, value in params.items():
            setattr(ev.params, name, value)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev


def reference_pairs(ev: Any, t: int, score_threshold: float | None = None) -> list[tuple[Any, Any]]:
    """(detection, ground truth) annotation dicts pycocotools matched at its IoU
    threshold index `t`, area "all", not ignored, scoring at least `score_threshold`."""
    pairs = []
    for record in ev.evalImgs:
        if record is None or record["aRng"] != ev.params.areaRng[0]:
            continue
        for d, dt_id in enumerate(record["dtIds"]):
            gt_id = record["dtMatches"][t, d]
            if gt_id <= 0 or record["dtIgnore"][t, d]:
                continue
            if score_threshold is not None and record["dtScores"][d] < score_threshold:
                continue
            pairs.append((ev.cocoDt.anns[dt_id], ev.cocoGt.anns[int(gt_id)]))
    return pairs


def reference_counts(ev: Any, t: int, score_threshold: float | None = None) -> dict[Any, tuple]:
    """Per category (tp, fp, fn) from pycocotools' ``evalImgs`` at IoU index `t`."""
    counts: dict[Any, list[int]] = {}
    for record in ev.evalImgs:
        if record is None or record["aRng"] != ev.params.areaRng[0]:
            continue
        c = counts.setdefault(record["category_id"], [0, 0, 0])
        keep = ~record["dtIgnore"][t]
        if score_threshold is not None:
            keep &= np.asarray(record["dtScores"]) >= score_threshold
        matched = record["dtMatches"][t] > 0
        c[0] += int(np.sum(matched & keep))
        c[1] += int(np.sum(~matched & keep))
        c[2] += int(np.sum(np.asarray(record["gtIgnore"]) == 0))
    return {cat: (tp, fp, n_gt - tp) for cat, (tp, fp, n_gt) in counts.items()}
