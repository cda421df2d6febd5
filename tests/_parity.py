"""Run a scikit-learn function and its modelmetrics twin and compare everything.

Results must be ``==`` (same values, shapes, dtypes and Python types), the same
warnings must be emitted (category name and message, in order), and when the reference
raises, ours must raise the same class of error (ValueError / TypeError).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None
    warnings: list[tuple[str, str]] = field(default_factory=list)


def run(fn: Any, *args: Any, **kwargs: Any) -> Outcome:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = fn(*args, **kwargs)
        except Exception as exc:
            return Outcome(error=exc, warnings=_summarise(caught))
    return Outcome(value=value, warnings=_summarise(caught))


def _summarise(caught: list[warnings.WarningMessage]) -> list[tuple[str, str]]:
    # Deprecation noise from third-party internals is not part of the contract.
    return [
        (w.category.__name__, str(w.message))
        for w in caught
        if not issubclass(w.category, DeprecationWarning | PendingDeprecationWarning)
    ]


def assert_same_value(ours: Any, ref: Any, path: str = "result") -> None:
    if isinstance(ref, np.ndarray):
        assert isinstance(ours, np.ndarray), f"{path}: expected ndarray, got {type(ours)}"
        assert ours.dtype == ref.dtype, f"{path}: dtype {ours.dtype} != {ref.dtype}"
        assert ours.shape == ref.shape, f"{path}: shape {ours.shape} != {ref.shape}"
        assert np.array_equal(ours, ref, equal_nan=ref.dtype.kind in "fc"), (
            f"{path}: {ours!r} != {ref!r}"
        )
    elif isinstance(ref, tuple | list):
        assert type(ours) is type(ref), f"{path}: {type(ours)} != {type(ref)}"
        assert len(ours) == len(ref), f"{path}: length {len(ours)} != {len(ref)}"
        for i, (a, b) in enumerate(zip(ours, ref, strict=True)):
            assert_same_value(a, b, f"{path}[{i}]")
    elif isinstance(ref, dict):
        assert isinstance(ours, dict), f"{path}: expected dict, got {type(ours)}"
        assert list(ours) == list(ref), f"{path}: keys {list(ours)} != {list(ref)}"
        for key in ref:
            assert_same_value(ours[key], ref[key], f"{path}[{key!r}]")
    elif isinstance(ref, float | np.floating):
        assert type(ours) is type(ref), f"{path}: {type(ours)} != {type(ref)}"
        assert (np.isnan(ours) and np.isnan(ref)) or ours == ref, f"{path}: {ours!r} != {ref!r}"
    else:
        assert type(ours) is type(ref), f"{path}: {type(ours)} != {type(ref)}"
        assert ours == ref, f"{path}: {ours!r} != {ref!r}"


def _error_kinds(exc: BaseException) -> set[type]:
    return {k for k in (ValueError, TypeError) if isinstance(exc, k)}


def assert_parity(ours_fn: Any, ref_fn: Any, *args: Any, **kwargs: Any) -> Outcome:
    """Call both with the same arguments and assert identical observable behaviour."""
    ref = run(ref_fn, *args, **kwargs)
    ours = run(ours_fn, *args, **kwargs)
    if ref.error is not None:
        assert ours.error is not None, (
            f"reference raised {ref.error!r} but we returned {ours.value!r}"
        )
        expected = _error_kinds(ref.error)
        assert expected, f"reference raised an unexpected error class: {ref.error!r}"
        assert any(isinstance(ours.error, k) for k in expected), (
            f"reference raised {ref.error!r}, we raised {ours.error!r}"
        )
        return ours
    assert ours.error is None, f"we raised {ours.error!r}, reference returned {ref.value!r}"
    assert_same_value(ours.value, ref.value)
    assert ours.warnings == ref.warnings, f"warnings {ours.warnings} != {ref.warnings}"
    return ours
