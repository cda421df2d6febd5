"""Parameter checks: the one place where a parameter's type and range are checked.

Every check raises :class:`~modelmetrics.exceptions.InvalidParameterError`, a
``ValueError`` and a ``TypeError`` like scikit-learn's error of the same name, with
scikit-learn's message: ``The 'name' parameter must be <expected>. Got <value!r>
instead.`` One error class for a wrong type and a wrong value means callers catch
either builtin, and the scikit-learn drop-ins raise what scikit-learn raises.

Input *data* (arrays, annotations, files) is checked elsewhere
(:mod:`modelmetrics._core.arrays` and the readers); these helpers are for the
settings a caller passes.
"""

from __future__ import annotations

import contextlib
import math
import numbers
from collections.abc import Collection
from typing import Any, Literal, TypeGuard, TypeVar, overload

import numpy as np

from modelmetrics.exceptions import InvalidParameterError

__all__ = [
    "check_average",
    "check_beta",
    "check_bool",
    "check_int",
    "check_max_fpr",
    "check_non_negative_int",
    "check_option",
    "check_real",
    "check_that",
    "check_zero_division",
]

_T = TypeVar("_T")


def _fail(name: str, expected: str, value: object) -> InvalidParameterError:
    return InvalidParameterError(
        f"The '{name}' parameter must be {expected}. Got {value!r} instead."
    )


def _is_real(value: object) -> TypeGuard[numbers.Real]:
    # bool is a numbers.Real (an int), numpy.bool_ is not, but neither is a number here.
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def _is_int(value: object) -> TypeGuard[numbers.Integral]:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def _range(low: float | None, high: float | None) -> str:
    """``[low, high]`` in scikit-learn's notation: an absent bound is an open infinity."""
    left = "(-inf" if low is None else f"[{low!r}"
    right = "inf)" if high is None else f"{high!r}]"
    return f"{left}, {right}"


def check_that(condition: bool, name: str, expected: str, value: object) -> None:
    """Raise the parameter error unless `condition` holds.

    For rules no other check here expresses (a union of types with scikit-learn's
    wording, a constraint between parameters); the message has the same form as
    every other check's.

    Parameters
    ----------
    condition : bool
        Whether `value` is acceptable.
    name : str
        The parameter's name.
    expected : str
        What the parameter must be, completing "The 'name' parameter must be ...".
    value : object
        The value given, shown in the message.

    Raises
    ------
    InvalidParameterError
        If `condition` is false.
    """
    if not condition:
        raise _fail(name, expected, value)


@overload
def check_real(
    name: str,
    value: object,
    *,
    low: float | None = ...,
    high: float | None = ...,
    allow_none: Literal[False] = ...,
    allow_nan: bool = ...,
    finite: bool = ...,
) -> float: ...
@overload
def check_real(
    name: str,
    value: object,
    *,
    low: float | None = ...,
    high: float | None = ...,
    allow_none: bool,
    allow_nan: bool = ...,
    finite: bool = ...,
) -> float | None: ...
def check_real(
    name: str,
    value: object,
    *,
    low: float | None = None,
    high: float | None = None,
    allow_none: bool = False,
    allow_nan: bool = False,
    finite: bool = False,
) -> float | None:
    """Check a real-number parameter and return it as a Python float.

    Parameters
    ----------
    name : str
        The parameter's name, for the message.
    value : object
        The value given: any ``numbers.Real`` (numpy floating and integer scalars
        included) except ``bool`` and ``numpy.bool_``.
    low, high : float or None, default=None
        Inclusive bounds; None leaves that side unbounded.
    allow_none : bool, default=False
        Accept None (and return it).
    allow_nan : bool, default=False
        Accept NaN, whatever the bounds.
    finite : bool, default=False
        Reject infinities (even within the bounds).

    Returns
    -------
    value : float or None
        ``float(value)``; None only for an allowed None.

    Raises
    ------
    InvalidParameterError
        For anything else, including an integer too large for a float.

    Examples
    --------
    >>> check_real("threshold", 1)
    1.0
    >>> check_real("threshold", -1, low=0.0)
    Traceback (most recent call last):
    ...
    modelmetrics.exceptions.InvalidParameterError: The 'threshold' parameter must be \
a float in the range [0.0, inf). Got -1 instead.
    """
    if value is None and allow_none:
        return None
    if _is_real(value):
        with contextlib.suppress(OverflowError):  # an int beyond the float range: refused
            number = float(value)
            if _accepted(number, low, high, allow_nan=allow_nan, finite=finite):
                return number
    if low is None and high is None:
        if finite:
            expected = "a finite real number"
        else:
            expected = "a real number" if allow_nan else "a real number other than NaN"
    else:
        expected = f"a {'finite ' if finite else ''}float in the range {_range(low, high)}"
        if allow_nan:
            expected += " or NaN"
    raise _fail(name, expected + (" or None" if allow_none else ""), value)


def _accepted(
    number: float, low: float | None, high: float | None, *, allow_nan: bool, finite: bool
) -> bool:
    if math.isnan(number):
        return allow_nan  # NaN compares false with any bound: decided here alone
    return (
        (not finite or math.isfinite(number))
        and (low is None or number >= low)
        and (high is None or number <= high)
    )


@overload
def check_int(
    name: str,
    value: object,
    *,
    low: int | None = ...,
    high: int | None = ...,
    allow_none: Literal[False] = ...,
) -> int: ...
@overload
def check_int(
    name: str,
    value: object,
    *,
    low: int | None = ...,
    high: int | None = ...,
    allow_none: bool,
) -> int | None: ...
def check_int(
    name: str,
    value: object,
    *,
    low: int | None = None,
    high: int | None = None,
    allow_none: bool = False,
) -> int | None:
    """Check an integer parameter and return it as a Python int.

    Parameters
    ----------
    name : str
        The parameter's name, for the message.
    value : object
        The value given: any ``numbers.Integral`` (numpy integer scalars included)
        except ``bool`` and ``numpy.bool_``. A float, even a whole one, is rejected.
    low, high : int or None, default=None
        Inclusive bounds; None leaves that side unbounded.
    allow_none : bool, default=False
        Accept None (and return it).

    Returns
    -------
    value : int or None
        ``int(value)``; None only for an allowed None.

    Raises
    ------
    InvalidParameterError
        For anything else.

    Examples
    --------
    >>> check_int("max_detections", 0, low=1)
    Traceback (most recent call last):
    ...
    modelmetrics.exceptions.InvalidParameterError: The 'max_detections' parameter must \
be an int in the range [1, inf). Got 0 instead.
    """
    if value is None and allow_none:
        return None
    if _is_int(value):
        number = int(value)
        if (low is None or number >= low) and (high is None or number <= high):
            return number
    expected = (
        "an int" if low is None and high is None else f"an int in the range {_range(low, high)}"
    )
    raise _fail(name, expected + (" or None" if allow_none else ""), value)


def check_option(name: str, value: _T, options: Collection[object]) -> _T:
    """Check that a parameter is one of a fixed set of values.

    A value matches an option when it is that option, or an instance of the option's
    type equal to it: ``"macro"`` matches ``"macro"`` but a numpy array never
    matches a string, whatever its ``==`` broadcasts to.

    Parameters
    ----------
    name : str
        The parameter's name, for the message.
    value : object
        The value given.
    options : collection
        The accepted values (typically strings, possibly None).

    Returns
    -------
    value
        `value` itself.

    Raises
    ------
    InvalidParameterError
        Listing the options (sorted, None last) when `value` is not one of them.

    Examples
    --------
    >>> check_option("normalize", "all", ("true", "pred", "all", None))
    'all'
    >>> check_option("normalize", "rows", ("true", "pred", "all", None))
    Traceback (most recent call last):
    ...
    modelmetrics.exceptions.InvalidParameterError: The 'normalize' parameter must be \
one of {'all', 'pred', 'true', None}. Got 'rows' instead.
    """
    for option in options:
        if value is option or (isinstance(value, type(option)) and bool(value == option)):
            return value
    listed = ", ".join(repr(o) for o in sorted(options, key=lambda o: (o is None, str(o))))
    raise _fail(name, f"one of {{{listed}}}", value)


def check_bool(name: str, value: object) -> bool:
    """Check a flag: ``bool`` and ``numpy.bool_`` only (not 0 or 1), as scikit-learn.

    Returns
    -------
    value : bool
        As a Python bool.

    Raises
    ------
    InvalidParameterError
        For any other type.
    """
    if isinstance(value, bool | np.bool_):
        return bool(value)
    raise _fail(name, "an instance of 'bool' or an instance of 'numpy.bool'", value)


# ---------------------------------------------------------------- scikit-learn's parameters


def check_average(value: object, options: Collection[str | None]) -> Any:
    """The ``average`` parameter of the set-wise metrics."""
    return check_option("average", value, options)


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
    if _is_real(value) and float(value) >= 0:
        return value  # type: ignore[return-value]  # keep int beta as int, like sklearn
    raise _fail("beta", "a float in the range [0.0, inf]", value)


def check_max_fpr(value: object) -> float | None:
    """ROC AUC's ``max_fpr``: None or a real number in ``(0, 1]``.

    The interval is open at 0, which :func:`check_real`'s inclusive bounds do not
    express.
    """
    if value is None:
        return None
    if _is_real(value) and 0 < float(value) <= 1:
        return float(value)
    raise _fail("max_fpr", "a float in the range (0.0, 1.0] or None", value)


def check_non_negative_int(name: str, value: object) -> int:
    """An int >= 0 (``digits`` of the text report)."""
    return check_int(name, value, low=0)
