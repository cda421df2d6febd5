"""One evaluation of a small dataset through every public entry point, repeated by the
leak test (tests/core/test_leaks.py) and by ``benchmarks/bench_leaks.py``; plus the process's
resident set size."""

from __future__ import annotations

import contextlib
import copy
import io
import os
import resource
from pathlib import Path

import numpy as np
from _fuzz_data import DT, GT

from modelmetrics import mask
from modelmetrics.classification import ScoreAccumulator, classification_metrics, roc_auc_score
from modelmetrics.coco import COCO, COCOeval
from modelmetrics.detection import evaluate_detections
from modelmetrics.regression import regression_metrics
from modelmetrics.report import ModelReport
from modelmetrics.segmentation import segmentation_metrics

_rng = np.random.default_rng(10_000)
Y_TRUE = _rng.integers(0, 4, 500)
Y_PRED = np.where(_rng.random(500) < 0.7, Y_TRUE, _rng.integers(0, 4, 500))
Y_BIN = (Y_TRUE > 1).astype(np.int64)
SCORES = _rng.random(500)
REG = _rng.normal(size=(2, 500))
SEG = _rng.integers(0, 5, (2, 32, 32)).astype(np.uint8)
MASKS = np.asfortranarray((_rng.random((30, 20, 4)) < 0.5).astype(np.uint8))
BOXES = [{"boxes": [[1, 1, 10, 10], [20, 5, 8, 8]], "labels": [1, 2]}]
PRED = [{"boxes": [[2, 1, 10, 9], [40, 40, 5, 5]], "scores": [0.9, 0.4], "labels": [1, 2]}]


def evaluate_once(out_dir: Path) -> None:
    """Every entry point once, on a small dataset (a few milliseconds)."""
    classification_metrics(Y_TRUE, Y_PRED)
    roc_auc_score(Y_BIN, SCORES)
    ScoreAccumulator().update(Y_BIN, SCORES).compute()
    regression_metrics(REG[0], REG[1])
    evaluate_detections(BOXES, PRED)
    segmentation_metrics(SEG[0], SEG[1], num_classes=5)
    rles = mask.encode(MASKS)
    mask.decode(rles)
    mask.iou(rles, rles, [0, 0, 0, 0])
    mask.merge(rles)  # type: ignore[arg-type]
    coco = COCO(copy.deepcopy(GT))
    ev = COCOeval(coco, coco.loadRes(copy.deepcopy(DT)), "segm")
    ev.evaluate()
    ev.accumulate()
    with contextlib.redirect_stdout(io.StringIO()):
        ev.summarize()
    report = ModelReport("classification", [0, 1, 2, 3]).add_split("test", Y_TRUE, Y_PRED)
    report.to_json(out_dir / "report.json")
    ModelReport.from_json(out_dir / "report.json")


def rss_bytes() -> int:
    """Current resident set size (Linux /proc), else the peak from getrusage."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # pragma: no cover - not Linux
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
