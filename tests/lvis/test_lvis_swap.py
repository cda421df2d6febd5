"""``modelmetrics.init_as_lvis()``: code written for lvis-api, run in a fresh
interpreter, imports modelmetrics instead and gets lvis-api's numbers."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from _lvis_cases import federated_case

pytest.importorskip("lvis")  # the reference for the numbers

# A script as an lvis-api user (detectron2's LVIS evaluator) writes it.
USER_CODE = textwrap.dedent(
    """
    import contextlib, io, json, sys, warnings
    import numpy as np
    warnings.simplefilter("ignore")
    np.float = float  # lvis-api 0.5.3 on numpy 2
    from lvis import LVIS, LVISEval, LVISResults
    from lvis.eval import Params

    gt_path, dt_path = sys.argv[1], sys.argv[2]
    out = {}
    with contextlib.redirect_stdout(io.StringIO()):
        gt = LVIS(gt_path)
        for iou_type in ("bbox", "segm"):
            ev = LVISEval(gt, LVISResults(gt, json.load(open(dt_path))), iou_type)
            ev.run()
            out[iou_type] = {k: float(v) for k, v in ev.get_results().items()}
    out["modules"] = [LVIS.__module__, LVISEval.__module__, LVISResults.__module__,
                      Params.__module__]
    print(json.dumps(out))
    """
)

SWAP = "import modelmetrics; modelmetrics.init_as_lvis()\n"

HIDE = textwrap.dedent(
    """
    import importlib.abc, sys
    class _NoLvis(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "lvis" or name.startswith("lvis."):
                raise ModuleNotFoundError(f"No module named {name!r}")
            return None
    sys.meta_path.insert(0, _NoLvis())
    """
)


def _run(prefix: str, folder: Path) -> dict[str, object]:
    case = federated_case()
    gt_path, dt_path = folder / "gt.json", folder / "dt.json"
    gt_path.write_text(json.dumps(case["gt"]))
    dt_path.write_text(json.dumps(case["results"]))
    proc = subprocess.run(
        [sys.executable, "-c", prefix + USER_CODE, str(gt_path), str(dt_path)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout)
    return result


def test_lvis_code_runs_on_modelmetrics_with_lvis_numbers(tmp_path: Path) -> None:
    reference = _run("", tmp_path)
    swapped = _run(SWAP, tmp_path)
    assert all(str(m).startswith("lvis") for m in reference["modules"])  # type: ignore[union-attr]
    assert all(str(m).startswith("modelmetrics") for m in swapped["modules"])  # type: ignore[union-attr]
    for key in ("bbox", "segm"):
        assert swapped[key] == reference[key], key


def test_the_swap_works_where_lvis_is_not_installed(tmp_path: Path) -> None:
    reference = _run("", tmp_path)
    hidden = subprocess.run([sys.executable, "-c", HIDE + "import lvis"], capture_output=True)
    assert hidden.returncode != 0  # the finder does hide it
    swapped = _run(HIDE + SWAP, tmp_path)
    for key in ("bbox", "segm"):
        assert swapped[key] == reference[key], key


def test_a_second_swap_does_nothing_and_a_late_one_warns() -> None:
    code = (
        HIDE
        + SWAP
        + textwrap.dedent(
            """
        import warnings, lvis, modelmetrics
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            modelmetrics.init_as_lvis()  # again: nothing happens
        print(lvis.LVISEval.__module__)
        """
        )
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["modelmetrics._lvis.eval"]
    late = "import lvis, warnings, modelmetrics\n" + textwrap.dedent(
        """
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            modelmetrics.init_as_lvis()
        print(len(caught), caught[0].category.__name__)
        """
    )
    proc = subprocess.run([sys.executable, "-c", late], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["1", "RuntimeWarning"]
