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
from modelmetrics._kernels._regression import (
    N_STATS,
    STATS,
    moments_chunks,
    moments_merge,
    moments_n_chunks,
    moments_reduce,
)

__all__ = [
    "N_STATS",
    "STATS",
    "count_equal",
    "count_pairs",
    "count_pairs_weighted",
    "label_presence",
    "moments_chunks",
    "moments_merge",
    "moments_n_chunks",
    "moments_reduce",
    "weighted_hits",
]
