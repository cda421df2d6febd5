"""Error analysis: why a score is what it is.

:func:`tide` breaks the errors of object detections (boxes or instance masks) down into
TIDE's types (Bolya et al., "TIDE: A General Toolbox for Identifying Object Detection
Errors", ECCV 2020): classification, localization, both, duplicate, background and
missed, each with the AP it costs (dAP), plus the special false-positive and
false-negative dAPs. The numbers are those of the reference package, tidecv 1.0.1, with
its defaults (foreground IoU 0.5, background IoU 0.1, its 101-point AP), computed
vectorized on the detection engine's columns. It reads COCO files and objects, a
``COCOeval``, and the per-image arrays of :mod:`modelmetrics.detection` and
:mod:`modelmetrics.instance_segmentation`.

:func:`classification_calibration` and :func:`detection_calibration` say whether scores
can be read as probabilities: the expected and maximum calibration error with the
reliability diagram's bins (equal-width or equal-mass); the top-label ECE equals
torchmetrics' ``MulticlassCalibrationError(norm="l1")`` on the same bins.

:func:`bootstrap` gives confidence intervals of COCO's headline metrics and per-class AP
by resampling images, and :func:`compare` a paired bootstrap of two models' differences
on the same images; both accumulate each resample from one evaluation with image
weights (no matching again), from COCO data, a ``COCOeval`` or merged
``COCOevalAccumulator`` shards. :func:`slice_metrics` gives the metrics on named slices
(image subsets, objects by size relative to the image), equal to pycocotools on each.

:func:`classification_bootstrap`, :func:`regression_bootstrap` and
:func:`segmentation_bootstrap` give the intervals for the other model types (resampling
samples, or images for semantic segmentation; a resample's metrics from weighted counts:
per (true, predicted) cell for classification, per item otherwise), and the three
``*_compare`` the paired comparisons; :func:`metric_direction` and
:func:`metric_is_higher_better` say which way each metric name is better.

:func:`image_diagnostics` gives per-image detection counts (pycocotools' ``evalImgs``),
F1, matched pairs and leave-one-out mAP contributions, with ``worst(k, by=...)``;
:func:`confident_mistakes` and :func:`largest_residuals` rank a classifier's and a
regressor's worst samples (semantic segmentation: ``SegmentationMetrics.worst_images``).
"""

from modelmetrics._analysis.bootstrap import bootstrap, compare
from modelmetrics._analysis.calibration import (
    Calibration,
    ClassificationCalibration,
    ClassificationCalibrationAccumulator,
    ReliabilityDiagram,
    classification_calibration,
    detection_calibration,
)
from modelmetrics._analysis.per_image import (
    ConfidentMistakes,
    ImageDiagnostics,
    LargestResiduals,
    MatchedPairs,
    confident_mistakes,
    image_diagnostics,
    largest_residuals,
)
from modelmetrics._analysis.resampling import (
    classification_bootstrap,
    classification_compare,
    metric_direction,
    metric_is_higher_better,
    regression_bootstrap,
    regression_compare,
    segmentation_bootstrap,
    segmentation_compare,
)
from modelmetrics._analysis.slices import slice_metrics
from modelmetrics._analysis.tide import TideErrors, tide

__all__ = [
    "Calibration",
    "ClassificationCalibration",
    "ClassificationCalibrationAccumulator",
    "ConfidentMistakes",
    "ImageDiagnostics",
    "LargestResiduals",
    "MatchedPairs",
    "ReliabilityDiagram",
    "TideErrors",
    "bootstrap",
    "classification_bootstrap",
    "classification_calibration",
    "classification_compare",
    "compare",
    "confident_mistakes",
    "detection_calibration",
    "image_diagnostics",
    "largest_residuals",
    "metric_direction",
    "metric_is_higher_better",
    "regression_bootstrap",
    "regression_compare",
    "segmentation_bootstrap",
    "segmentation_compare",
    "slice_metrics",
    "tide",
]
