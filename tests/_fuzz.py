"""Shared pieces of the fuzz suite (tests/*/test_fuzz_*.py).

The suite feeds every public entry point malformed input. The only allowed outcomes are
a result or ``ValueError``/``TypeError`` (the CLI: exit code 1 and one line on stderr);
:func:`outcome` enforces that and hands the result back for a correctness check.

Hangs: tests/conftest.py arms a faulthandler timer around every fuzz test, so a hang
dumps the stacks and fails instead of stalling CI.

Budgets: the ``default`` hypothesis profile (tests/conftest.py) keeps the whole suite
within a couple of minutes; ``HYPOTHESIS_PROFILE=thorough python -m pytest
tests/*/test_fuzz_*.py`` runs twenty times as many examples per test.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import event
from hypothesis import strategies as st


class Rejected:
    """The entry point refused the input with an allowed error."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def __repr__(self) -> str:
        return f"Rejected({self.error!r})"


def outcome(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call `fn`; return its result, or :class:`Rejected` for ValueError/TypeError.

    Any other exception propagates and fails the test. Warnings are recorded, not
    raised (metrics legitimately warn, e.g. ``UndefinedMetricWarning``), except a numpy
    ``RuntimeWarning``: an overflow or invalid operation inside a metric means a number
    may be silently wrong.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = fn(*args, **kwargs)
        except (ValueError, TypeError) as exc:
            if not str(exc):
                raise AssertionError(f"{type(exc).__name__} without a message") from exc
            event(f"{getattr(fn, '__name__', 'call')}: rejected")
            return Rejected(exc)
    runtime = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    assert not runtime, f"numpy warned inside {fn.__name__}: {runtime[0].message}"
    event(f"{getattr(fn, '__name__', 'call')}: answered")
    return result


def rejected(value: Any) -> bool:
    return isinstance(value, Rejected)


def same_number(a: Any, b: Any, *, rel: float = 0.0) -> bool:
    """Equal floats (NaN equals NaN), within `rel` relative when given."""
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if rel == 0.0:
        return a == b
    return math.isclose(a, b, rel_tol=rel, abs_tol=rel)


# ------------------------------------------------------------------ malformed values

# Scalars a metric may receive where a number or label is expected.
weird_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=3),
    st.binary(max_size=3),
    st.just(object()),
    st.just([]),
    st.just({}),
    st.complex_numbers(max_magnitude=10, allow_nan=False),
)

_DTYPES = [
    np.bool_,
    np.int8,
    np.uint8,
    np.int16,
    np.uint16,
    np.int32,
    np.uint32,
    np.int64,
    np.uint64,
    np.float16,
    np.float32,
    np.float64,
]


@st.composite
def numeric_arrays(draw: st.DrawFn, *, max_len: int = 12, ndim: int | None = None) -> Any:
    """Arrays of any numeric dtype with extreme values, NaN, inf, and odd shapes."""
    dtype = np.dtype(draw(st.sampled_from(_DTYPES)))
    nd = draw(st.sampled_from([0, 1, 1, 1, 2, 3])) if ndim is None else ndim
    shape = tuple(draw(st.integers(0, max_len if nd == 1 else 4)) for _ in range(nd))
    size = int(np.prod(shape, dtype=np.int64))
    if dtype.kind == "b":
        values = draw(st.lists(st.booleans(), min_size=size, max_size=size))
    elif dtype.kind in "iu":
        info = np.iinfo(dtype)
        small = st.integers(max(int(info.min), -3), min(int(info.max), 3))
        edge = st.sampled_from([int(info.min), int(info.max)])
        values = draw(st.lists(st.one_of(small, small, edge), min_size=size, max_size=size))
    else:
        width = 16 if dtype == np.float16 else 32 if dtype == np.float32 else 64
        small = st.sampled_from([0.0, 0.5, 1.0, -1.0, 2.0, 0.25])
        wild = st.floats(width=width, allow_nan=True, allow_infinity=True)  # type: ignore[arg-type]
        values = draw(st.lists(st.one_of(small, small, wild), min_size=size, max_size=size))
    return np.array(values, dtype=dtype).reshape(shape)


def array_like(max_len: int = 12) -> st.SearchStrategy[Any]:
    """Numeric arrays, plain lists, ragged lists, strings and non-arrays."""
    return st.one_of(
        numeric_arrays(max_len=max_len),
        numeric_arrays(max_len=max_len, ndim=1).map(lambda a: a.tolist()),
        st.lists(st.sampled_from(["a", "b", "c"]), max_size=max_len),
        st.lists(st.one_of(st.integers(-2, 3), st.text(max_size=1)), max_size=max_len),
        st.lists(st.lists(st.integers(0, 2), max_size=3), max_size=4),  # ragged or 2-D
        weird_scalars,
    )


# ------------------------------------------------------------------- JSON mutations


@st.composite
def mutated_json(draw: st.DrawFn, value: Any) -> Any:
    """`value` (JSON-like) with one to three random edits: keys removed, values replaced
    by odd scalars or containers, list items dropped or duplicated."""
    value = json.loads(json.dumps(value))
    for _ in range(draw(st.integers(1, 3))):
        value = _mutate(draw, value, depth=0)
    return value


def _mutate(draw: st.DrawFn, node: Any, depth: int) -> Any:
    replacement = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=3),
        st.sampled_from([-1, 0, 2**31, 2**63, -(2**63) - 1, 1e308, -0.0, "", "x", [], {}]),
    )
    if isinstance(node, dict) and node and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(node)))
        action = draw(st.sampled_from(["drop", "replace", "descend", "descend"]))
        if action == "drop":
            del node[key]
        elif action == "replace":
            node[key] = draw(replacement)
        else:
            node[key] = _mutate(draw, node[key], depth + 1)
        return node
    if isinstance(node, list) and node and draw(st.booleans()):
        i = draw(st.integers(0, len(node) - 1))
        action = draw(st.sampled_from(["drop", "duplicate", "replace", "descend", "descend"]))
        if action == "drop":
            del node[i]
        elif action == "duplicate":
            node.insert(i, json.loads(json.dumps(node[i])))
        elif action == "replace":
            node[i] = draw(replacement)
        else:
            node[i] = _mutate(draw, node[i], depth + 1)
        return node
    if depth == 0 or draw(st.booleans()):
        return draw(replacement) if depth > 0 else node
    return node


def json_scalar(value: Any) -> bool:
    """True when `value` survives a JSON round trip unchanged (plain data only)."""
    try:
        return json.loads(json.dumps(value, allow_nan=False)) == value
    except (TypeError, ValueError):
        return False


# ------------------------------------------------------- valid input, then one defect

_LABEL_DTYPES = [
    np.int8,
    np.uint8,
    np.int32,
    np.int64,
    np.uint64,
    np.float16,
    np.float32,
    np.float64,
]


@st.composite
def corrupt(draw: st.DrawFn, arr: Any) -> Any:
    """`arr` unchanged (half the time) or with one defect a caller could send."""
    arr = np.asarray(arr)
    kind = draw(
        st.sampled_from(
            [
                "none", "none", "none", "none", "none", "none",
                "short", "2d", "nan", "inf", "huge", "negative", "list", "object",
                "strings", "empty", "scalar", "float16", "uint64", "bool", "transposed",
            ]
        )
    )  # fmt: skip
    event(f"defect: {kind}")
    n = arr.shape[0] if arr.ndim else 0
    if kind == "none" or arr.ndim == 0:
        return arr
    if kind == "short":
        return arr[: max(n - 1, 0)]
    if kind == "2d":
        return np.stack([arr, arr], axis=-1)
    if kind == "transposed":
        return arr.reshape(1, *arr.shape).T if arr.ndim else arr
    if kind in ("nan", "inf", "huge", "negative") and n:
        out = arr.astype(np.float64)
        i = draw(st.integers(0, n - 1))
        out.flat[i] = {"nan": np.nan, "inf": -np.inf, "huge": 1e300, "negative": -3.0}[kind]
        return out
    if kind == "list":
        return arr.tolist()
    if kind == "object" and n:
        out = arr.astype(object)
        out.flat[draw(st.integers(0, n - 1))] = draw(st.sampled_from([None, "a", 1.5, (1,)]))
        return out
    if kind == "strings":
        return arr.astype(str)
    if kind == "empty":
        return arr[:0]
    if kind == "scalar":
        return arr.flat[0] if arr.size else 0
    if kind == "float16":
        with np.errstate(over="ignore"):
            return arr.astype(np.float16)
    if kind == "uint64" and n:
        return np.abs(arr).astype(np.uint64) if arr.dtype.kind != "f" else arr
    if kind == "bool":
        return arr.astype(bool)
    return arr


@st.composite
def label_pairs(draw: st.DrawFn, *, max_len: int = 12, max_class: int = 3) -> tuple[Any, Any]:
    """Two equally long label arrays of one random dtype, each perhaps corrupted."""
    n = draw(st.integers(1, max_len))
    dtype = draw(st.sampled_from(_LABEL_DTYPES))
    lab = st.lists(st.integers(0, max_class), min_size=n, max_size=n)
    a = np.array(draw(lab)).astype(dtype)
    b = np.array(draw(lab)).astype(dtype)
    if draw(st.booleans()):
        return draw(corrupt(a)), b
    return a, draw(corrupt(b))


@st.composite
def valid_weights(draw: st.DrawFn, n: int) -> Any:
    """None, or n weights (int or float, zeros allowed), perhaps corrupted."""
    if draw(st.booleans()):
        return None
    values = draw(
        st.lists(
            st.one_of(st.integers(0, 5), st.floats(0, 1e3, allow_subnormal=True)),
            min_size=n,
            max_size=n,
        )
    )
    return draw(corrupt(np.array(values)))


def mostly(good: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`good` four times in five, else `odd` (st.one_of flattens nested alternatives, so
    a many-branched `odd` would otherwise dominate)."""
    return st.integers(0, 4).flatmap(lambda i: good if i else odd)
