"""Model report: per-split metrics, loss over time, a JSON export and an HTML page.

:class:`ModelReport` gathers a trained model's performance on its ``train``,
``validation`` and ``test`` splits (any subset): the model type's metrics overall and
per class, the split's loss, the accuracy at a threshold (with the threshold), and
how many samples or instances each label has. A :class:`LossHistory` records how the
training and validation loss converged. :meth:`ModelReport.to_json` writes the
export (camelCase top-level keys, kebab-case metric names, strict JSON: NaN and
infinities become null), :meth:`ModelReport.from_json` reads it back unchanged,
unknown keys included (and reads SmartML's own "Export All Metrics" file, which has
no ``modelType``: the type is inferred from its content), and
:meth:`ModelReport.to_html` renders one self-contained HTML page (no network access
needed).

The export's JSON Schema ships with the package (:func:`export_schema`). Its
top-level keys: ``running``, ``successful``, ``error``, ``modelType``, ``metrics``
``{split: {...}}``, ``datasetStats`` ``{split: {task: {label: count}}}``,
``accuracies`` ``{split: {"accuracy", "threshold"}}``, ``splitLosses``
``{split: loss}``, ``losses``, ``validationLosses``, ``lossTimestamps`` (RFC 3339,
UTC), ``lossConvergence``, ``startTime`` (epoch seconds) and ``duration`` (seconds).
Optional, written when a split has them and kept by readers: ``plots``
(classification PR and ROC curves, regression predicted-vs-actual samples and
residual histogram), ``thresholdCounts`` (per-threshold TP/FP per class, and confusion
matrices, for the page's threshold slider) and ``operatingPoints`` (per class, the
best-F1 threshold and the highest recall at a minimum precision), and ``analysis``
(``add_split(..., analysis=True)``: bootstrap intervals of the headline metrics, TIDE's
error types, calibration, the worst images, mistakes or residuals, and with
``analysis={"state": True}`` the per-image state that ``modelmetrics compare A.json
B.json`` reads). The page's "Export All Metrics" button adds ``chosenThresholds`` when
the slider was moved.

Model types: classification, regression, detection, instance segmentation and
semantic segmentation.
"""

from modelmetrics._report.model_report import (
    MODEL_TYPES,
    SPLITS,
    Convergence,
    LossHistory,
    ModelReport,
    ModelTypeAdapter,
    Split,
    SplitEvaluation,
    export_schema,
)

__all__ = [
    "MODEL_TYPES",
    "SPLITS",
    "Convergence",
    "LossHistory",
    "ModelReport",
    "ModelTypeAdapter",
    "Split",
    "SplitEvaluation",
    "export_schema",
]
