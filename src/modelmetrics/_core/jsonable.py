"""JSON-ready values: the one place where results become plain JSON types.

JSON has no NaN or infinity and no numpy types. Every ``as_dict`` and the report
export go through these helpers, so one rule holds everywhere: a non-finite float is
``None`` (JSON ``null``), a numpy scalar is the Python scalar it holds, and
``json.dumps(..., allow_nan=False)`` never fails on a metric.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any, SupportsFloat, SupportsIndex

import numpy as np

__all__ = ["json_float", "json_label", "to_jsonable"]


def json_float(value: SupportsFloat | SupportsIndex | None) -> float | None:
    """A metric value as a JSON number: a Python float, or None when undefined.

    Parameters
    ----------
    value : float, int, numpy scalar or None
        The value; None stands for "undefined" as NaN does.

    Returns
    -------
    float or None
        ``float(value)``; None for None, NaN and +-infinity.

    Examples
    --------
    >>> import numpy as np
    >>> json_float(np.float32(0.5)), json_float(float("nan")), json_float(None)
    (0.5, None, None)
    """
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def json_label(value: Any) -> Any:
    """A class label as a JSON-native scalar: a numpy scalar becomes its Python value.

    Examples
    --------
    >>> import numpy as np
    >>> json_label(np.int64(3)), json_label("cat")
    (3, 'cat')
    """
    return value.item() if isinstance(value, np.generic) else value


def to_jsonable(value: Any) -> Any:
    """`value` with numpy scalars and arrays made plain, non-finite floats made None.

    Mapping keys become strings (JSON objects have string keys only); tuples and arrays
    become lists. Anything else that JSON cannot hold raises ``TypeError``.
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return json_float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, Mapping):
        return {_key(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()]
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    raise TypeError(f"{type(value).__name__} value {value!r} cannot be written as JSON")


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    key = json_label(key)
    if isinstance(key, bool | float) or key is None:
        return json.dumps(key)  # as json.dumps writes such keys: true, null, 1.5
    if isinstance(key, int):
        return str(key)
    raise TypeError(f"mapping key {key!r} cannot be a JSON object key")
