"""Compiled kernels: the only place that imports extension modules.

Kernels trust their callers: inputs are validated, C-contiguous arrays of the right
dtype, and outputs are preallocated. Public modules import kernels from here.
"""

from modelmetrics._kernels._confusion import (
    count_equal,
    count_pairs,
    count_pairs_weighted,
    label_presence,
    weighted_hits,
)

__all__ = [
    "count_equal",
    "count_pairs",
    "count_pairs_weighted",
    "label_presence",
    "weighted_hits",
]
