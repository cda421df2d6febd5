"""Every ``Examples`` section in the package runs and prints what it shows."""

import doctest
import importlib

import pytest

MODULES = [
    "modelmetrics._accuracy",
    "modelmetrics._coco_accumulator",
    "modelmetrics._classification_summary",
    "modelmetrics._confusion",
    "modelmetrics._loss_history",
    "modelmetrics._prf",
    "modelmetrics._ranking",
    "modelmetrics._report",
    "modelmetrics._score_summary",
    "modelmetrics.detection",
    "modelmetrics.distributed",
    "modelmetrics.instance_segmentation",
    "modelmetrics.mask",
    "modelmetrics.regression",
    "modelmetrics.report",
    "modelmetrics.segmentation",
]


@pytest.mark.parametrize("name", MODULES)
def test_examples(name):
    module = importlib.import_module(name)
    failures, tried = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried > 0, f"{name} has no examples"
    assert failures == 0
