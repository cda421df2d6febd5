"""Every ``Examples`` section in the package runs and prints what it shows."""

import doctest
import importlib

import pytest

MODULES = [
    "modelmetrics._classification.accuracy",
    "modelmetrics._coco.accumulator",
    "modelmetrics._classification.summary",
    "modelmetrics._classification.confusion",
    "modelmetrics._report.loss_history",
    "modelmetrics._classification.prf",
    "modelmetrics._classification.ranking",
    "modelmetrics._classification.text_report",
    "modelmetrics._classification.score_summary",
    "modelmetrics._detection.api",
    "modelmetrics._core.checks",
    "modelmetrics._analysis.calibration",
    "modelmetrics._coco.evaluator",
    "modelmetrics._core.distributed",
    "modelmetrics._core.jsonable",
    "modelmetrics._detection.instance_api",
    "modelmetrics._detection.keypoints_api",
    "modelmetrics._detection.rle",
    "modelmetrics._regression.metrics",
    "modelmetrics._report.model_report",
    "modelmetrics._semantic.metrics",
]


@pytest.mark.parametrize("name", MODULES)
def test_examples(name):
    module = importlib.import_module(name)
    failures, tried = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried > 0, f"{name} has no examples"
    assert failures == 0
