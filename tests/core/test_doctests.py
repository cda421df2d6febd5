"""Every ``Examples`` section in the package runs and prints what it shows.

The modules are found by walking the package, so a new module's examples are run
without being listed here (a hand-kept list once missed a wrong example).
"""

import doctest
import importlib
import pkgutil

import pytest

import modelmetrics

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(modelmetrics.__path__, "modelmetrics.")
    if not info.name.endswith("__main__")
)


def test_the_walk_finds_the_package() -> None:
    assert "modelmetrics._analysis.bootstrap" in MODULES
    assert "modelmetrics._report.model_report" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_examples(name: str) -> None:
    module = importlib.import_module(name)
    failures, _ = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert failures == 0
