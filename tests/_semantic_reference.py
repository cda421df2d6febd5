"""Slow plain-numpy references for the segmentation tests."""

import numpy as np


def reference_confusion(pred, target, num_classes, ignore_index=None):
    """Confusion matrix by ``np.bincount`` over the kept pixels, plus the ignored count."""
    t = np.asarray(target).astype(np.int64).ravel()
    p = np.asarray(pred).astype(np.int64).ravel()
    keep = np.ones(t.shape, dtype=bool) if ignore_index is None else t != ignore_index
    cm = np.bincount(num_classes * t[keep] + p[keep], minlength=num_classes * num_classes).reshape(
        num_classes, num_classes
    )
    return cm, int((~keep).sum())


def mmseg_style(preds, targets, num_classes, ignore_index):
    """mmsegmentation's IoUMetric, re-derived: per-map areas, summed, divided once.

    Per map: drop ignored pixels, then histogram the intersection (pixels where the
    prediction equals the label), the predicted and the target areas per class.
    """
    inter = np.zeros(num_classes, dtype=np.int64)
    union = np.zeros(num_classes, dtype=np.int64)
    area_pred = np.zeros(num_classes, dtype=np.int64)
    area_label = np.zeros(num_classes, dtype=np.int64)
    for pred, label in zip(preds, targets, strict=True):
        pred = np.asarray(pred).astype(np.int64).ravel()
        label = np.asarray(label).astype(np.int64).ravel()
        mask = label != ignore_index
        pred, label = pred[mask], label[mask]
        hit = pred[pred == label]
        i = np.bincount(hit, minlength=num_classes)
        ap = np.bincount(pred, minlength=num_classes)
        al = np.bincount(label, minlength=num_classes)
        inter += i
        area_pred += ap
        area_label += al
        union += ap + al - i
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = inter / union
        acc = inter / area_label
        dice = 2 * inter / (area_pred + area_label)
        precision = inter / area_pred
    return {
        "aAcc": inter.sum() / area_label.sum(),
        "IoU": iou,
        "Acc": acc,
        "Dice": dice,
        "Precision": precision,
        "Recall": acc,
        "mIoU": np.nanmean(iou),
        "mAcc": np.nanmean(acc),
        "mDice": np.nanmean(dice),
    }
