"""One adapter per model type: how a split's inputs become the report's JSON pieces.

:class:`ModelReport` knows nothing about any model type. It asks the adapter
registered for its type to evaluate a split and gets back a :class:`SplitEvaluation`:
the split's metrics (JSON-native, kebab-case names), its dataset statistics, its loss
and its accuracy at a threshold. Adding a model type is one subclass of
:class:`ModelTypeAdapter` (a module of this package) and one entry in ``ADAPTERS``;
the report, the JSON export, the HTML page and the command line pick it up from there.

A model type whose metrics have not landed yet is declared in ``PENDING`` (empty now
that every type has its adapter): asking for it raises ``NotImplementedError`` saying so.
"""

from __future__ import annotations

from modelmetrics._report.adapters.classification import ClassificationAdapter
from modelmetrics._report.adapters.common import (
    HEADLINE,
    MODEL_TYPES,
    PENDING,
    ModelTypeAdapter,
    SplitEvaluation,
    check_model_type,
)
from modelmetrics._report.adapters.detection import DetectionAdapter, InstanceSegmentationAdapter
from modelmetrics._report.adapters.keypoints import KeypointsAdapter
from modelmetrics._report.adapters.regression import RegressionAdapter
from modelmetrics._report.adapters.semantic import SemanticSegmentationAdapter

__all__ = [
    "ADAPTERS",
    "HEADLINE",
    "MODEL_TYPES",
    "PENDING",
    "ClassificationAdapter",
    "DetectionAdapter",
    "InstanceSegmentationAdapter",
    "KeypointsAdapter",
    "ModelTypeAdapter",
    "RegressionAdapter",
    "SemanticSegmentationAdapter",
    "SplitEvaluation",
    "check_model_type",
    "get_adapter",
]

ADAPTERS: dict[str, ModelTypeAdapter] = {
    adapter.model_type: adapter
    for adapter in (
        ClassificationAdapter(),
        RegressionAdapter(),
        DetectionAdapter(),
        InstanceSegmentationAdapter(),
        SemanticSegmentationAdapter(),
        KeypointsAdapter(),
    )
}


def get_adapter(model_type: str) -> ModelTypeAdapter:
    """The adapter of `model_type`.

    Raises
    ------
    NotImplementedError
        For a model type whose metrics have not landed yet (see ``PENDING``).
    InvalidParameterError
        (a ``ValueError``) for an unknown model type.
    """
    check_model_type(model_type)
    if model_type in ADAPTERS:
        return ADAPTERS[model_type]
    raise NotImplementedError(
        f"model type {model_type!r} is not available yet: the report gains it when "
        f"{PENDING[model_type]} lands"
    )
