"""Per-column moments of regression targets and residuals, via the compiled kernel.

The state of one output column is ``N_STATS`` float64 numbers, indexed by the
constants below: the weight sum, the weighted mean and M2 (sum of squared deviations)
of ``y_true`` and of the residual ``d = y_pred - y_true``, ``sum(w * |d|)``,
``sum(w * d**2)``, ``max |d|`` and ``sum(w * [|d| <= threshold])``. States of
disjoint row sets merge exactly as the statistics of their union (Chan et al.),
which is what makes the streaming accumulator and the threaded one-shot pass agree.
"""

from __future__ import annotations

from functools import partial
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray

from modelmetrics import _kernels
from modelmetrics._core.parallel import get_num_threads, run_parallel

__all__ = [
    "M2_DIFF",
    "M2_TRUE",
    "MAX_ABS",
    "MEAN_DIFF",
    "MEAN_TRUE",
    "SUM_ABS",
    "SUM_HIT",
    "SUM_SQ",
    "WEIGHT",
    "merge_moments",
    "moments",
]

WEIGHT, MEAN_TRUE, M2_TRUE, MEAN_DIFF, M2_DIFF, SUM_ABS, SUM_SQ, MAX_ABS, SUM_HIT = range(9)

# Fewer chunks than this per thread (about 30 us of work each) are not worth a thread hop.
_MIN_CHUNKS_PER_TASK = 8


def moments(
    y_true: NDArray[np.float64],
    y_pred: NDArray[np.float64],
    weight: NDArray[np.float64] | None,
    threshold: float | None,
) -> NDArray[np.float64]:
    """State of every column of ``(n, k)`` float64 inputs, shape ``(k, N_STATS)``.

    Needs ``n >= 1``. `y_true` and `y_pred` must share one memory layout (both C- or both
    F-ordered); `weight` is ``None`` or ``n`` contiguous float64 weights. Row chunks
    are spread over the thread pool in contiguous ranges; every chunk is summarised
    alone and the summaries are merged in one fixed tree, so the result does not
    depend on the number of threads.
    """
    n, k = y_true.shape
    n_chunks = _kernels.moments_n_chunks(n, k)
    out = np.empty((n_chunks, k, _kernels.N_STATS), dtype=np.float64)
    n_tasks = max(1, min(get_num_threads(), n_chunks // _MIN_CHUNKS_PER_TASK))
    edges = [n_chunks * i // n_tasks for i in range(n_tasks + 1)]
    thr = -1.0 if threshold is None else threshold  # negative: the kernel counts no hits
    tasks = [
        partial(_kernels.moments_chunks, y_true, y_pred, weight, thr, lo, hi, out)
        for lo, hi in pairwise(edges)
    ]
    run_parallel(tasks, n_threads=n_tasks)
    _kernels.moments_reduce(out)
    state: NDArray[np.float64] = out[0].copy()
    return state


def merge_moments(state: NDArray[np.float64], other: NDArray[np.float64]) -> None:
    """Fold `other` into `state` in place (both ``(k, N_STATS)``)."""
    _kernels.moments_merge(state, other)
