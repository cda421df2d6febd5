"""Shared test configuration: hypothesis budgets and the fuzz suites' guards.

Development runs the default profile (new random examples each run). CI runs the
``ci`` profile: the same budget with a fixed seed, so a landing never depends on luck.
For a deeper search run ``HYPOTHESIS_PROFILE=thorough python -m pytest``.
"""

import contextlib
import faulthandler
import importlib
import os
import sys
from collections.abc import Iterator
from types import ModuleType

try:
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default",
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
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
        with _address_space_limit(FUZZ_MEMORY_BYTES):
            yield
    finally:
        faulthandler.cancel_dump_traceback_later()


# An input that makes a function allocate more than this fails its test with a
# MemoryError, instead of the kernel's OOM killer ending the whole run.
FUZZ_MEMORY_BYTES = 8 * 2**30


@contextlib.contextmanager
def _address_space_limit(limit: int) -> Iterator[None]:
    # Not under AddressSanitizer, whose shadow memory reserves terabytes of addresses.
    if resource is None or "asan" in os.environ.get("LD_PRELOAD", ""):
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


# torch is optional (pip install ".[test]" must not pull a CUDA build): tests that need it
# skip without it, except where MODELMETRICS_REQUIRE_TORCH=1 (CI, which installs the CPU
# wheel): there a missing torch or torchmetrics fails the test instead of hiding it.
REQUIRE_TORCH = os.environ.get("MODELMETRICS_REQUIRE_TORCH") == "1"


def import_torch_module(name: str, *, required_in_ci: bool = True) -> ModuleType:
    """``pytest.importorskip(name)``, but a failure under ``MODELMETRICS_REQUIRE_TORCH=1``
    (unless `required_in_ci` is False: a package CI cannot install)."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        if REQUIRE_TORCH and required_in_ci:
            pytest.fail(f"MODELMETRICS_REQUIRE_TORCH=1 but {name} cannot be imported: {exc}")
        pytest.skip(f"{name} is not installed ({exc})")


@pytest.fixture(scope="session")
def torch() -> ModuleType:
    """The torch module (see :func:`import_torch_module`)."""
    return import_torch_module("torch")


@pytest.fixture(scope="session")
def torchmetrics_detection() -> ModuleType:
    """torchmetrics, whose detection metrics also need torchvision. No CPU build of
    torchvision is available to CI (only CUDA wheels, which do not load with the CPU
    torch), so a missing torchvision skips even in CI: the skip names it."""
    import_torch_module("torch")
    module = import_torch_module("torchmetrics")
    import_torch_module("torchvision", required_in_ci=False)
    return module
