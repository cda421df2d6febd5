"""What every adapter shares: the model types, the adapter interface and its result."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from modelmetrics._core.checks import check_option, check_real
from modelmetrics._report.analysis import AnalysisOptions

__all__ = [
    "HEADLINE",
    "MODEL_TYPES",
    "PENDING",
    "ModelTypeAdapter",
    "SplitEvaluation",
    "check_loss",
    "check_model_type",
    "threshold_or_default",
]

MODEL_TYPES = (
    "classification",
    "regression",
    "detection",
    "instance-segmentation",
    "semantic-segmentation",
    "keypoints",
)

# Headline metrics per model type, in display order (the HTML page shows these first).
HEADLINE: dict[str, tuple[str, ...]] = {
    "classification": ("accuracy", "balanced-accuracy", "macro-f1", "weighted-f1"),
    "regression": (
        "mean-absolute-error",
        "mean-squared-error",
        "r2-score",
        "explained-variance-score",
        "mean-error",
        "max-error",
    ),
    "detection": ("map", "map50", "map75", "matched-iou", "mar-100"),
    "instance-segmentation": ("map", "map50", "map75", "matched-iou", "mar-100"),
    "semantic-segmentation": (
        "mean-iou",
        "pixel-accuracy",
        "mean-class-accuracy",
        "frequency-weighted-iou",
    ),
    "keypoints": ("map", "map50", "map75", "mar"),
}

# Model types in the format whose metrics have not landed: {model type: what is missing}.
PENDING: dict[str, str] = {}


@dataclass(frozen=True)
class SplitEvaluation:
    """What an adapter returns for one split; every value JSON-native.

    Attributes
    ----------
    metrics : dict
        The split's metrics under kebab-case names (per-class values under
        ``"per-class"``, the confusion matrix under ``"confusion-matrix"`` as
        ``{"labels", "matrix"}``).
    dataset_stats : dict
        ``{task: {label: count}}``: samples (or instances, or pixels) per label.
    loss : float or None
        The split's loss, given or computed; None when neither.
    accuracy : dict or None
        ``{"accuracy": float, "threshold": float or None}``, or None when the model
        type has no accuracy for these inputs.
    plots : dict or None
        Data for the page's plots that are not metrics (classification PR and ROC
        curves, regression predicted-vs-actual samples and residuals); exported
        under ``plots``.
    threshold_counts : dict or None
        Per-threshold counts for re-thresholding in the page (see
        :mod:`modelmetrics._report.adapters.thresholds`); exported under
        ``thresholdCounts``.
    operating_points : dict or None
        ``{class: {"best-f1", "recall-at-precision"}}``; exported under
        ``operatingPoints``.
    analysis : dict or None
        What ``add_split(..., analysis=...)`` asked for (see
        :mod:`modelmetrics._report.analysis`); exported under ``analysis``.
    """

    metrics: dict[str, Any]
    dataset_stats: dict[str, dict[str, int]]
    loss: float | None = None
    accuracy: dict[str, float | None] | None = field(default=None)
    plots: dict[str, Any] | None = None
    threshold_counts: dict[str, Any] | None = None
    operating_points: dict[str, Any] | None = None
    analysis: dict[str, Any] | None = None


class ModelTypeAdapter(ABC):
    """Evaluates one split of one model type (see :mod:`modelmetrics._report.adapters`).

    Subclasses set ``model_type`` and ``task`` (the ``datasetStats`` key) and
    implement :meth:`evaluate`. `labels` is what the user gave ``ModelReport``;
    `threshold` is None when the user gave none (the adapter picks its default);
    `loss` is a user-supplied loss, which takes precedence over a computed one;
    `options` holds the remaining keyword arguments of ``add_split``; `analysis` the
    checked analysis options, None for none (see :mod:`modelmetrics._report.analysis`).
    """

    model_type: ClassVar[str]
    task: ClassVar[str]

    @abstractmethod
    def evaluate(
        self,
        ground_truth: Any,
        predictions: Any,
        *,
        labels: Any,
        threshold: float | None,
        loss: float | None,
        options: Mapping[str, Any],
        analysis: AnalysisOptions | None = None,
    ) -> SplitEvaluation:
        """Metrics, dataset statistics, loss and accuracy of one split."""

    @staticmethod
    def _no_options(options: Mapping[str, Any], allowed: Sequence[str]) -> None:
        unknown = sorted(set(options) - set(allowed))
        if unknown:
            listed = ", ".join(allowed) or "none"
            raise TypeError(
                f"unexpected option(s) {unknown} for this model type (accepted: {listed})"
            )


def check_loss(loss: object) -> float | None:
    """A user-supplied loss: None, or any real number (NaN becomes null in the export)."""
    return check_real("loss", loss, allow_none=True, allow_nan=True)


def threshold_or_default(threshold: object, default: float) -> float:
    """The user's accuracy threshold (a real number other than NaN), or `default`."""
    return default if threshold is None else check_real("threshold", threshold)


def check_model_type(model_type: object) -> str:
    """`model_type` if it is one of :data:`MODEL_TYPES`.

    Raises
    ------
    InvalidParameterError
        (a ``ValueError``) naming the model types otherwise.
    """
    return str(check_option("model_type", model_type, MODEL_TYPES))
