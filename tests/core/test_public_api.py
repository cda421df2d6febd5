"""Every documented public name imports from its documented path.

The package's implementation lives in private domain packages (``_classification``,
``_detection``, ``_coco``, ...) and moves when they are reorganised; these paths are what
users write and must keep working.
"""

import importlib
import re
from pathlib import Path

import pytest

# module -> the names it documents (README API tables, module docstrings, examples)
DOCUMENTED = {
    "modelmetrics": [
        "__version__", "get_num_threads", "init_as_lvis", "init_as_pycocotools", "num_threads",
        "set_num_threads",
    ],
    "modelmetrics.classification": [
        "ClassificationAccumulator", "ClassificationMetrics", "ConfusionView",
        "ScoreAccumulator", "ScoreMetrics", "ThresholdAccuracy", "accuracy_at_threshold",
        "accuracy_score", "average_precision_score", "balanced_accuracy_score",
        "classification_metrics", "classification_report", "confusion_matrix",
        "confusion_view", "f1_score", "fbeta_score", "precision_recall_curve",
        "precision_recall_fscore_support", "precision_score", "recall_score",
        "roc_auc_score", "roc_curve", "score_metrics",
    ],
    "modelmetrics.regression": [
        "RegressionAccumulator", "RegressionMetrics", "explained_variance_score",
        "max_error", "mean_absolute_error", "mean_squared_error", "r2_score",
        "regression_metrics", "root_mean_squared_error",
    ],
    "modelmetrics.detection": [
        "ClassDetectionMetrics", "DetectionAccumulator", "DetectionMetrics",
        "evaluate_detections",
    ],
    "modelmetrics.instance_segmentation": [
        "ClassDetectionMetrics", "DetectionMetrics", "InstanceSegmentationAccumulator",
        "evaluate_instance_segmentation",
    ],
    "modelmetrics.keypoints": [
        "ClassKeypointMetrics", "KeypointAccumulator", "KeypointMetrics", "KeypointSimilarity",
        "evaluate_keypoints",
    ],
    "modelmetrics.lvis": ["LVIS", "LVISEval", "LVISResults", "Params"],
    "modelmetrics.analysis": [
        "Calibration", "ClassificationCalibration", "ReliabilityDiagram", "TideErrors",
        "bootstrap", "classification_calibration", "compare", "detection_calibration", "tide",
        "slice_metrics",
        "ConfidentMistakes", "ImageDiagnostics", "LargestResiduals", "MatchedPairs",
        "confident_mistakes", "image_diagnostics", "largest_residuals",
        "ClassificationCalibrationAccumulator", "classification_bootstrap",
        "classification_compare", "regression_bootstrap", "regression_compare",
        "segmentation_bootstrap", "segmentation_compare", "metric_direction",
        "metric_is_higher_better",
    ],
    "modelmetrics.coco": ["COCO", "COCOeval", "COCOevalAccumulator", "CocoEvaluator", "Params"],
    "modelmetrics.mask": ["area", "decode", "encode", "frPyObjects", "iou", "merge", "toBbox"],
    "modelmetrics.segmentation": [
        "SegmentationAccumulator", "SegmentationMetrics", "segmentation_metrics",
    ],
    "modelmetrics.report": [
        "Convergence", "LossHistory", "MODEL_TYPES", "ModelReport", "ModelTypeAdapter",
        "SPLITS", "Split", "SplitEvaluation", "export_schema",
    ],
    "modelmetrics.distributed": [
        "accumulate_partitions", "evaluate_partitions", "partition_state",
    ],
    "modelmetrics.exceptions": [
        "InvalidParameterError", "MissingFieldError", "UndefinedMetricWarning",
    ],
}  # fmt: skip

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize("module", sorted(DOCUMENTED))
def test_documented_names_import_from_their_documented_module(module):
    mod = importlib.import_module(module)
    for name in DOCUMENTED[module]:
        assert getattr(mod, name, None) is not None, f"{module}.{name}"
    exported = set(getattr(mod, "__all__", []))
    assert exported == set(DOCUMENTED[module]), (
        f"{module}.__all__ changed: added {sorted(exported - set(DOCUMENTED[module]))}, "
        f"removed {sorted(set(DOCUMENTED[module]) - exported)}"
    )


@pytest.mark.parametrize("module", sorted(DOCUMENTED))
def test_public_modules_are_thin(module):
    """Public modules re-export; the code lives in the private domain packages."""
    mod = importlib.import_module(module)
    assert mod.__file__ is not None
    lines = Path(mod.__file__).read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 100, f"{module} has {len(lines)} lines"


def _readme_imports() -> list[str]:
    if not README.is_file():  # an installed wheel's tests run without the README
        return []
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    found = []
    for block in blocks:
        for line in block.splitlines():
            line = line.split("#")[0].strip()
            if line.startswith(("from modelmetrics", "import modelmetrics")):
                found.append(line)
    return found


def test_readme_imports_run():
    imports = _readme_imports()
    if not README.is_file():
        pytest.skip("README.md is not beside the tests (installed-wheel run)")
    assert len(imports) >= 10, imports
    for line in imports:
        exec(line, {})
