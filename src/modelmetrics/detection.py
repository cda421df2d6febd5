"""Object-detection metrics: mAP and AR as COCO computes them, plus per-class precision,
recall, F1, counts, precision-recall curves and a confusion matrix.

A detection is a true positive when it is matched, by COCO's greedy rule (highest score
first, each ground truth at most once, crowd regions ignored), to a ground truth of its
class with IoU >= ``iou_threshold`` (0.5 by default). The COCO numbers use COCO's
thresholds 0.50:0.95 and equal pycocotools' ``stats`` exactly.
"""

from modelmetrics._detection.api import (
    ClassDetectionMetrics,
    DetectionAccumulator,
    DetectionMetrics,
    evaluate_detections,
)

__all__ = [
    "ClassDetectionMetrics",
    "DetectionAccumulator",
    "DetectionMetrics",
    "evaluate_detections",
]
