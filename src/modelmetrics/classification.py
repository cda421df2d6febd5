"""Classification metrics: scikit-learn drop-ins on compiled kernels.

Every function here has the name, signature and results of its
``sklearn.metrics`` namesake: replacing ``from sklearn.metrics import f1_score`` by
``from modelmetrics.classification import f1_score`` changes no number. The labels are
counted in one compiled pass (in parallel for large inputs) and every metric derives
from those counts. Score-based metrics (ROC and precision-recall curves, ROC AUC,
average precision) sort the scores with a stable compiled radix sort and walk the
curve in C, reproducing scikit-learn's tie handling and summation order.

Beyond the drop-ins, :func:`classification_metrics` returns every metric from one
pass, :class:`ClassificationAccumulator` streams and merges the same state, and
:func:`confusion_view` prepares a confusion matrix for a report.

Deliberate differences: negative sample weights and NaN/infinite weights raise
``ValueError`` (scikit-learn accepts negative weights), empty score inputs raise
``ValueError`` (scikit-learn's error varies), and sparse matrices are not accepted.
"""

from modelmetrics._classification.accuracy import accuracy_score, balanced_accuracy_score
from modelmetrics._classification.confusion import ConfusionView, confusion_matrix, confusion_view
from modelmetrics._classification.prf import (
    f1_score,
    fbeta_score,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
)
from modelmetrics._classification.ranking import (
    ThresholdAccuracy,
    accuracy_at_threshold,
    average_precision_score,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)
from modelmetrics._classification.score_summary import ScoreAccumulator, ScoreMetrics, score_metrics
from modelmetrics._classification.summary import (
    ClassificationAccumulator,
    ClassificationMetrics,
    classification_metrics,
)
from modelmetrics._classification.text_report import classification_report

__all__ = [
    "ClassificationAccumulator",
    "ClassificationMetrics",
    "ConfusionView",
    "ScoreAccumulator",
    "ScoreMetrics",
    "ThresholdAccuracy",
    "accuracy_at_threshold",
    "accuracy_score",
    "average_precision_score",
    "balanced_accuracy_score",
    "classification_metrics",
    "classification_report",
    "confusion_matrix",
    "confusion_view",
    "f1_score",
    "fbeta_score",
    "precision_recall_curve",
    "precision_recall_fscore_support",
    "precision_score",
    "recall_score",
    "roc_auc_score",
    "roc_curve",
    "score_metrics",
]
