"""Shared test configuration: hypothesis budgets.

CI runs the default profile. For a deeper search run
``HYPOTHESIS_PROFILE=thorough python -m pytest``.
"""

import faulthandler
import os
import sys
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default",
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


# A hung kernel would stall CI silently: around every fuzz test, a timer dumps every
# thread's stack and exits the run after this long, naming the place it hangs.
FUZZ_HANG_SECONDS = 900


@pytest.fixture(autouse=True)
def _fuzz_hang_guard(request: pytest.FixtureRequest) -> Iterator[None]:
    if not request.node.module.__name__.startswith("test_fuzz"):
        yield
        return
    faulthandler.dump_traceback_later(FUZZ_HANG_SECONDS, exit=True, file=sys.stderr)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
