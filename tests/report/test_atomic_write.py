"""Files: a process killed (SIGKILL) while writing a report leaves the target either as
the old report or as the new one, complete and parseable, never a mix or a truncation.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from modelmetrics.report import ModelReport

# The child writes a report of several MB over and over, so a kill lands mid-write.
CHILD = textwrap.dedent(
    """
    import json, sys
    from modelmetrics.report import ModelReport
    data = json.loads(sys.argv[2])
    data["payload"] = list(range(300_000))  # unknown keys are kept: ~4 MB, ~0.6 s a write
    report = ModelReport.from_dict(data)
    print("ready", flush=True)
    while True:
        report.to_json(sys.argv[1])
    """
)


def _old_report() -> ModelReport:
    return ModelReport("regression", "y").add_split("test", [1.0, 2.0, 3.0], [1.0, 2.5, 2.0])


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
@pytest.mark.parametrize("delay", [0.1, 0.9, 1.6, 2.3])
def test_killed_writer_leaves_the_old_or_the_new_report(tmp_path: Path, delay: float) -> None:
    target = tmp_path / "metrics.json"
    old = _old_report()
    old.to_json(target)
    old_text = target.read_text()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(target), json.dumps(old.to_dict())],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=60)
        if child.stdout is not None:
            child.stdout.close()
    text = target.read_text()
    data = json.loads(text)  # complete: parses
    if text == old_text:
        return
    assert len(data["payload"]) == 300_000
    assert data["payload"][-1] == 299_999
    new = ModelReport.from_dict(data)
    assert new.metrics("test") == old.metrics("test")
    # A killed writer cannot remove its temporary file; it is a dot-file beside the
    # target, never the target itself.
    for leftover in tmp_path.iterdir():
        assert leftover == target or leftover.name.startswith(".metrics.json.")
