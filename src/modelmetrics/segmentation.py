"""Semantic segmentation metrics: per-class IoU, mIoU, pixel accuracy and more.

Every number derives from one dataset-level confusion matrix of pixels (int64, exact
counts), accumulated over all label maps and divided once at the end, which is the
definition used by mmsegmentation's ``IoUMetric`` and torchmetrics' ``JaccardIndex``
(not the mean of per-image IoUs). A compiled kernel counts the pixels in one pass
with the GIL released, split over threads; the counts do not depend on the number of
threads or on how the data is split into batches. Predictions are label maps, or
per-class scores (logits or probabilities) whose arg max is taken inside the kernel.

How the numbers relate to other libraries (same confusion matrix, same counts):

- mmsegmentation ``IoUMetric``: ``IoU``, ``Acc``, ``Dice``, ``Precision``,
  ``Recall`` and ``Fscore`` per class, and ``mIoU``, ``mAcc``, ``aAcc`` equal ours
  with the default ``absent="skip"`` (its ``nanmean`` leaves out classes absent from
  both prediction and target). mmsegmentation's ``mDice`` is also a ``nanmean`` over
  the same classes as our ``mean_dice``.
- torchmetrics ``MulticlassJaccardIndex(average="none")`` gives our ``iou`` (with 0
  instead of NaN for classes absent from both); ``average="macro"`` equals
  ``mean_iou`` with ``absent="skip"``: both leave out such classes, and both leave out
  the class ``ignore_index`` when it lies in ``[0, num_classes)``.
- scikit-learn ``jaccard_score(target.ravel(), pred.ravel(), average=None,
  labels=...)`` over the kept pixels gives our ``iou``; with ``average="macro"`` and
  the default labels (those present in either input) it equals ``mean_iou`` with
  ``absent="skip"``, with all labels and ``zero_division=0`` or ``1`` it equals
  ``absent="zero"`` or ``"one"``.
"""

from modelmetrics._semantic.metrics import (
    SegmentationAccumulator,
    SegmentationMetrics,
    segmentation_metrics,
)

__all__ = [
    "SegmentationAccumulator",
    "SegmentationMetrics",
    "segmentation_metrics",
]
