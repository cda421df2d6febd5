"""Instance-segmentation metrics: detection metrics with mask IoU.

The same outputs as :mod:`modelmetrics.detection` (mAP and AR as COCO computes them,
per-class AP, precision, recall, F1, TP/FP/FN counts, precision-recall curves and a
confusion matrix), with every IoU computed between masks: a predicted instance is a
true positive when it is matched, by COCO's greedy rule, to a ground truth of its class
with mask IoU >= ``iou_threshold`` (0.5 by default). The COCO numbers equal
pycocotools' ``COCOeval(..., iouType="segm")`` ``stats`` exactly.

Masks may be given as boolean arrays, RLE dicts (compressed or not) or COCO polygons;
polygons are rasterised exactly as pycocotools does. Mask conversion and mask IoU run
in C with the GIL released, spread over :func:`modelmetrics.set_num_threads` threads.
"""

from modelmetrics._detection.instance_api import (
    ClassDetectionMetrics,
    DetectionMetrics,
    InstanceSegmentationAccumulator,
    evaluate_instance_segmentation,
)

__all__ = [
    "ClassDetectionMetrics",
    "DetectionMetrics",
    "InstanceSegmentationAccumulator",
    "evaluate_instance_segmentation",
]
