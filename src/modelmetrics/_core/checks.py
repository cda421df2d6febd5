"""Checks for option parameters of the scikit-learn compatible functions.

scikit-learn validates these with ``validate_params`` and raises
``InvalidParameterError`` (a ``ValueError`` and a ``TypeError``); we raise our own
class of the same shape, with a message naming the parameter.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection
from typing import Any

import numpy as np

from modelmetrics.exceptions import InvalidParameterError

__all__ = [
    "check_average",
    "check_beta",
    "check_bool",
    "check_non_negative_int",
    "check_str_option",
    "check_zero_division",
]


def _fail(name: str, expected: str, value: object) -> InvalidParameterError:
    return InvalidParameterError(
        f"The '{name}' parameter must be {expected}. Got {value!r} instead."
    )


def check_bool(name: str, value: object) -> bool:
    """Accept ``bool`` and ``numpy.bool_`` only."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    raise _fail(name, "an instance of 'bool' or an instance of 'numpy.bool'", value)


def check_str_option(name: str, value: object, options: Collection[str | None]) -> Any:
    """`value` must be one of `options` (strings, possibly None)."""
    if (value is None and None in options) or (isinstance(value, str) and value in options):
        return value
    listed = ", ".join(repr(o) for o in sorted(options, key=lambda o: (o is None, str(o))))
    raise _fail(name, f"one of {{{listed}}}", value)


def check_average(value: object, options: Collection[str | None]) -> Any:
    """The ``average`` parameter of the set-wise metrics."""
    return check_str_option("average", value, options)


def check_zero_division(value: object) -> float | str:
    """``"warn"``, 0, 1 or NaN, as scikit-learn accepts them."""
    if isinstance(value, str):
        if value == "warn":
            return value
    elif isinstance(value, numbers.Real):
        if value in (0.0, 1.0):
            return float(value)
        if math.isnan(float(value)):
            return math.nan
    raise _fail("zero_division", "a float among {0.0, 1.0}, nan or 'warn'", value)


def check_beta(value: object) -> float:
    """F-beta's ``beta``: a real number >= 0 (infinity allowed)."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and float(value) >= 0:
        return value  # type: ignore[return-value]  # keep int beta as int, like sklearn
    raise _fail("beta", "a float in the range [0.0, inf]", value)


def check_non_negative_int(name: str, value: object) -> int:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and int(value) >= 0:
        return int(value)
    raise _fail(name, "an int in the range [0, inf)", value)
