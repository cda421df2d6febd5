"""Fuzz: modelmetrics.report (ModelReport, LossHistory, JSON import) and the CLI.

Allowed outcomes: a result or ValueError/TypeError; the CLI returns 0, or 1 with one
line on stderr naming the problem (2 for usage errors), and never raises.
"""

from __future__ import annotations

import contextlib
import io
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from _fuzz import mostly, mutated_json, numeric_arrays, outcome, rejected, weird_scalars
from _fuzz_data import DT, GT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelmetrics._cli.main import main
from modelmetrics.report import LossHistory, ModelReport

TASKS = [
    "classification",
    "regression",
    "detection",
    "instance-segmentation",
    "semantic-segmentation",
    "keypoints",
]


def _valid_report() -> dict[str, Any]:
    report = ModelReport(
        "classification",
        ["a", "b"],
        loss_history=LossHistory.from_arrays([1.0, 0.5], [1.1, 0.7], timestamps=[0.0, 1.0]),
    )
    report.add_split("test", ["a", "b", "b", "a"], [[0.8, 0.2], [0.3, 0.7], [0.6, 0.4], [0.9, 0.1]])
    return report.to_dict()


VALID = _valid_report()


@given(
    model_type=mostly(st.sampled_from(TASKS), weird_scalars),
    labels=st.one_of(st.none(), st.lists(st.text(max_size=2), max_size=3), weird_scalars),
    split=mostly(st.sampled_from(["train", "validation", "test"]), weird_scalars),
    gt=st.one_of(numeric_arrays(), st.lists(st.integers(0, 2), min_size=1, max_size=6)),
    pred=st.one_of(numeric_arrays(), st.lists(st.integers(0, 2), min_size=1, max_size=6)),
    loss=mostly(st.one_of(st.none(), st.floats(0, 10)), st.one_of(st.floats(), weird_scalars)),
    threshold=mostly(st.one_of(st.none(), st.floats(0, 1)), weird_scalars),
)
def test_model_report_rejects_or_exports_strict_json(
    model_type: Any, labels: Any, split: Any, gt: Any, pred: Any, loss: Any, threshold: Any
) -> None:
    report = outcome(ModelReport, model_type, labels)
    if rejected(report):
        return
    added = outcome(report.add_split, split, gt, pred, loss=loss, threshold=threshold)
    if rejected(added):
        assert split not in report.splits or not isinstance(split, str)
        return
    text = report.to_json()
    data = json.loads(text)  # strict JSON: parses, and NaN never appears
    assert "NaN" not in text
    again = ModelReport.from_dict(data)
    assert json.loads(again.to_json()) == data


@given(
    losses=st.one_of(
        st.lists(st.one_of(st.floats(), st.none(), st.integers()), max_size=6), weird_scalars
    ),
    validation=st.one_of(st.none(), st.lists(st.floats(), max_size=6), weird_scalars),
    timestamps=st.one_of(
        st.none(),
        st.lists(
            st.one_of(st.floats(), st.integers(-(2**70), 2**70), st.text(max_size=30)), max_size=6
        ),
        weird_scalars,
    ),
    patience=mostly(st.just(5), st.one_of(st.integers(-2, 3), weird_scalars)),
)
def test_loss_history_rejects_or_records(
    losses: Any, validation: Any, timestamps: Any, patience: Any
) -> None:
    history = outcome(LossHistory.from_arrays, losses, validation, timestamps=timestamps)
    if not rejected(history):
        assert len(history.losses) == len(history)
        history.convergence().as_dict()
    made = outcome(LossHistory, patience=patience)
    if not rejected(made):
        logged = outcome(made.log, *(losses[:2] if isinstance(losses, list) else [losses]))
        if rejected(logged):
            assert len(made) == 0


@given(data=mutated_json(VALID))
def test_from_dict_rejects_or_round_trips(data: Any) -> None:
    report = outcome(ModelReport.from_dict, data)
    if not rejected(report):
        json.loads(report.to_json())


# ---------------------------------------------------------------------------- CLI


def _run(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    # Metric warnings (e.g. R^2 of one sample) go to stderr in a real run; the test
    # suite turns warnings into errors, so they are silenced here.
    with (
        contextlib.redirect_stderr(err),
        contextlib.redirect_stdout(io.StringIO()),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")
        code = main(argv)
    return code, err.getvalue()


def _check_cli(code: int, err: str) -> None:
    assert code in (0, 1, 2), code
    if code == 1:
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert lines[0].startswith("modelmetrics: error: "), err


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    task=st.sampled_from(["classification", "regression"]),
    gt=st.one_of(
        numeric_arrays(max_len=6), st.lists(st.integers(0, 2), min_size=1, max_size=6).map(np.array)
    ),
    pred=st.one_of(
        numeric_arrays(max_len=6), st.lists(st.integers(0, 2), min_size=1, max_size=6).map(np.array)
    ),
    as_csv=st.booleans(),
    junk=st.one_of(st.none(), st.binary(max_size=20)),
    extra=st.lists(
        st.sampled_from(["--threshold", "0.5", "--labels", "a,b", "--loss", "nan", "-q"]),
        max_size=3,
    ),
)
def test_cli_evaluate_exits_cleanly(
    task: str, gt: Any, pred: Any, as_csv: bool, junk: Any, extra: list[str], tmp_path: Path
) -> None:
    paths = []
    for name, arr in (("gt", gt), ("pred", pred)):
        if as_csv:
            path = tmp_path / f"{name}.csv"
            flat = np.atleast_1d(arr)
            rows = flat.reshape(flat.shape[0], -1) if flat.size else []
            path.write_text("\n".join(",".join(str(v) for v in row) for row in rows))
        else:
            path = tmp_path / f"{name}.npy"
            np.save(path, arr)
        paths.append(path)
    if junk is not None:
        paths[1].write_bytes(paths[1].read_bytes()[: len(junk)] + junk)
    argv = ["evaluate", "--task", task, "-g", str(paths[0]), "-p", str(paths[1]), "-q", *extra]
    _check_cli(*_run(argv))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=mutated_json(VALID), cut=st.one_of(st.none(), st.integers(0, 400)))
def test_cli_report_exits_cleanly(data: Any, cut: Any, tmp_path: Path) -> None:
    text = json.dumps(data)
    export = tmp_path / "m.json"
    export.write_text(text if cut is None else text[:cut])
    _check_cli(*_run(["report", str(export), "--html", str(tmp_path / "r.html"), "-q"]))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, 600), junk=st.binary(max_size=3), where=st.integers(0, 600))
def test_cli_coco_exits_cleanly(cut: int, junk: bytes, where: int, tmp_path: Path) -> None:
    gt_text = json.dumps(GT).encode()
    dt_text = json.dumps(DT).encode()
    where %= len(gt_text)
    (tmp_path / "gt.json").write_bytes(gt_text[:where] + junk + gt_text[where + len(junk) :])
    (tmp_path / "dt.json").write_bytes(dt_text[: cut % (len(dt_text) + 1)])
    for iou_type in ("bbox", "segm"):
        argv = ["coco", str(tmp_path / "gt.json"), str(tmp_path / "dt.json"), "-q"]
        _check_cli(*_run([*argv, "--iou-type", iou_type]))
