"""The command-line interface."""

import subprocess
import sys

from modelmetrics import __version__
from modelmetrics._cli import main


def test_demo_prints_classification_and_regression_metrics(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "Classification" in out
    assert "weighted avg" in out
    assert "confusion matrix" in out
    assert "Regression" in out
    for name in ("mean-error", "max-error", "mean-absolute-error", "r2-score"):
        assert name in out
    assert "Object detection" in out
    assert "mAP@[.50:.95]" in out
    assert "background" in out


def test_no_command_is_a_usage_error(capsys):
    assert main([]) == 2
    assert "usage: modelmetrics" in capsys.readouterr().err


def test_python_dash_m_entry_point():
    proc = subprocess.run(
        [sys.executable, "-m", "modelmetrics", "--version"], capture_output=True, text=True
    )
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"modelmetrics {__version__}"


def test_thread_controls_are_exported_and_validated():
    import pytest

    import modelmetrics

    with modelmetrics.num_threads(1):
        assert modelmetrics.get_num_threads() == 1
    with pytest.raises(ValueError, match="n_threads"):
        modelmetrics.set_num_threads(0)
    with pytest.raises(TypeError, match="n_threads"):
        modelmetrics.set_num_threads(1.5)  # type: ignore[arg-type]
