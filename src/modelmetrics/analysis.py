"""Why the score is what it is.

:func:`classification_calibration` and :func:`detection_calibration` say whether scores
can be read as probabilities: the expected and maximum calibration error with the
reliability diagram's bins (equal-width or equal-mass); the top-label ECE equals
torchmetrics' ``MulticlassCalibrationError(norm="l1")`` on the same bins.
"""

from modelmetrics._analysis.calibration import (
    Calibration,
    ClassificationCalibration,
    ReliabilityDiagram,
    classification_calibration,
    detection_calibration,
)

__all__ = [
    "Calibration",
    "ClassificationCalibration",
    "ReliabilityDiagram",
    "classification_calibration",
    "detection_calibration",
]
