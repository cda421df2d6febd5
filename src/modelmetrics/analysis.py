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
``COCOevalAccumulator`` shards.
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
from modelmetrics._analysis.tide import TideErrors, tide

__all__ = [
    "Calibration",
    "ClassificationCalibration",
    "ClassificationCalibrationAccumulator",
    "ReliabilityDiagram",
    "TideErrors",
    "bootstrap",
    "classification_calibration",
    "compare",
    "detection_calibration",
    "tide",
]
