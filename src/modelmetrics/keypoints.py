"""Keypoint (pose) metrics: COCO's keypoint mAP and AR, plus per-class precision, recall,
F1, counts and precision-recall curves, and how well each keypoint is placed.

A predicted pose is a true positive when it is matched, by COCO's greedy rule (highest
score first, each ground truth at most once, crowd regions and people without labeled
keypoints ignored), to a ground truth of its class with object keypoint similarity
(OKS) >= ``iou_threshold`` (0.5 by default). The COCO numbers use COCO's OKS thresholds
0.50:0.95 and equal pycocotools' ``COCOeval(iouType="keypoints")`` ``stats`` exactly.
Per keypoint, :class:`KeypointSimilarity` gives the mean OKS term of the matched pairs.
"""

from modelmetrics._detection.keypoints_api import (
    ClassKeypointMetrics,
    KeypointAccumulator,
    KeypointMetrics,
    KeypointSimilarity,
    evaluate_keypoints,
)

__all__ = [
    "ClassKeypointMetrics",
    "KeypointAccumulator",
    "KeypointMetrics",
    "KeypointSimilarity",
    "evaluate_keypoints",
]
