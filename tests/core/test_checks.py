"""The parameter checks (``_core.checks``) and the JSON-ready conversion (``_core.jsonable``)."""

import math
from fractions import Fraction

import numpy as np
import pytest

from modelmetrics._core.checks import (
    check_bool,
    check_int,
    check_max_fpr,
    check_option,
    check_real,
    check_that,
)
from modelmetrics._core.jsonable import json_float, json_label, to_jsonable
from modelmetrics.exceptions import InvalidParameterError


def test_one_error_class_and_message_form():
    with pytest.raises(InvalidParameterError) as info:
        check_real("threshold", "0.5")
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, TypeError)
    assert str(info.value) == (
        "The 'threshold' parameter must be a real number other than NaN. Got '0.5' instead."
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, 1.0),
        (np.float32(0.5), 0.5),
        (np.int64(3), 3.0),
        (Fraction(1, 4), 0.25),
        (-math.inf, -math.inf),
    ],
)
def test_check_real_accepts_real_numbers_as_float(value, expected):
    got = check_real("x", value)
    assert type(got) is float
    assert got == expected


@pytest.mark.parametrize("value", [True, np.True_, None, "1", 1j, [1.0], math.nan, 10**400])
def test_check_real_rejects(value):
    with pytest.raises(InvalidParameterError, match="'x' parameter"):
        check_real("x", value)


def test_check_real_options():
    assert check_real("x", None, allow_none=True) is None
    assert math.isnan(check_real("x", math.nan, allow_nan=True))
    assert math.isnan(check_real("x", math.nan, low=0.0, high=1.0, allow_nan=True))
    assert check_real("x", 0, low=0.0, high=1.0) == 0.0  # bounds are inclusive
    assert check_real("x", 1, low=0.0, high=1.0) == 1.0
    with pytest.raises(InvalidParameterError, match=r"in the range \[0.0, 1.0\] or None\. Got 2"):
        check_real("x", 2, low=0.0, high=1.0, allow_none=True)
    with pytest.raises(InvalidParameterError, match=r"a finite float in the range \[0.0, inf\)"):
        check_real("x", math.inf, low=0.0, finite=True)
    with pytest.raises(InvalidParameterError, match="a finite real number"):
        check_real("x", -math.inf, finite=True)


def test_check_int():
    assert check_int("n", np.int64(3), low=1) == 3
    assert type(check_int("n", np.uint8(3))) is int
    assert check_int("n", None, allow_none=True) is None
    for bad in (True, np.False_, 2.0, "2", None):
        with pytest.raises(InvalidParameterError, match="'n' parameter must be an int"):
            check_int("n", bad)
    with pytest.raises(InvalidParameterError, match=r"an int in the range \[1, 5\]\. Got 6"):
        check_int("n", 6, low=1, high=5)
    with pytest.raises(InvalidParameterError, match=r"\(-inf, 0\] or None"):
        check_int("n", 1, high=0, allow_none=True)


def test_check_option():
    options = ("true", "pred", "all", None)
    assert check_option("normalize", "all", options) == "all"
    assert check_option("normalize", None, options) is None
    assert check_option("normalize", np.str_("pred"), options) == "pred"
    message = r"one of \{'all', 'pred', 'true', None\}\. Got 'rows' instead"
    with pytest.raises(InvalidParameterError, match=message):
        check_option("normalize", "rows", options)
    # Values that compare equal element-wise or cannot be hashed are refused, not crashes.
    for bad in (np.array("all"), np.array(["all", "pred"]), ["all"], {"all": 1}):
        with pytest.raises(InvalidParameterError):
            check_option("normalize", bad, options)


def test_check_bool_and_check_that():
    assert check_bool("flag", np.True_) is True
    with pytest.raises(
        InvalidParameterError, match="'flag' parameter must be an instance of 'bool'"
    ):
        check_bool("flag", 1)
    check_that(True, "x", "anything", 1)
    with pytest.raises(
        InvalidParameterError, match=r"^The 'x' parameter must be odd\. Got 2 instead\.$"
    ):
        check_that(False, "x", "odd", 2)


def test_check_max_fpr_is_open_at_zero():
    assert check_max_fpr(None) is None
    assert check_max_fpr(1) == 1.0
    for bad in (0, 0.0, 1.5, True, "0.5"):
        with pytest.raises(InvalidParameterError, match=r"\(0.0, 1.0\] or None"):
            check_max_fpr(bad)


def test_json_float_and_label():
    assert json_float(np.float32(0.25)) == 0.25
    assert type(json_float(np.float64(1.0))) is float
    assert type(json_float(3)) is float
    for undefined in (None, math.nan, math.inf, -math.inf, np.float32("nan")):
        assert json_float(undefined) is None
    assert json_label(np.int64(3)) == 3
    assert type(json_label(np.int64(3))) is int
    assert json_label(np.str_("cat")) == "cat"
    assert json_label("dog") == "dog"
    assert to_jsonable({np.int64(2): [np.float32(0.5), math.nan], True: np.bool_(False)}) == {
        "2": [0.5, None],
        "true": False,
    }
