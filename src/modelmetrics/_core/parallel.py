"""Thread configuration and a shared pool for GIL-free kernels.

Kernels release the GIL, so plain Python threads run them in parallel. Work is split
into chunks whose boundaries do not depend on the number of threads wherever chunk
boundaries could change a floating-point result; results are therefore identical for
any thread count.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from modelmetrics._core.checks import check_int

__all__ = ["get_num_threads", "num_threads", "run_parallel", "set_num_threads"]

_T = TypeVar("_T")

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_local = threading.local()
_default: int | None = None


_cores: int | None = None


def _available_cores() -> int:
    """Cores this process may run on, looked up once (a system call per kernel call
    would cost more than small kernels)."""
    global _cores
    if _cores is None:
        try:
            _cores = len(os.sched_getaffinity(0))
        except AttributeError:  # macOS, Windows
            _cores = os.cpu_count() or 1
    return _cores


def _env_threads() -> int | None:
    raw = os.environ.get("MODELMETRICS_NUM_THREADS")
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(
            f"MODELMETRICS_NUM_THREADS must be a positive integer, got {raw!r}"
        ) from None
    if value < 1:
        raise ValueError(f"MODELMETRICS_NUM_THREADS must be a positive integer, got {raw!r}")
    return value


def get_num_threads() -> int:
    """Number of threads kernels may use in the current thread.

    Resolution order: an active :func:`num_threads` context, :func:`set_num_threads`,
    the ``MODELMETRICS_NUM_THREADS`` environment variable, then the number of cores
    this process may run on.
    """
    local = getattr(_local, "n_threads", None)
    if local is not None:
        return int(local)
    if _default is not None:
        return _default
    return _env_threads() or _available_cores()


def set_num_threads(n_threads: int) -> None:
    """Set the process-wide number of threads used by compiled kernels.

    Results do not depend on this setting; only speed does.
    """
    global _default
    _default = check_int("n_threads", n_threads, low=1)


@contextmanager
def num_threads(n_threads: int) -> Iterator[None]:
    """Context manager limiting kernels to `n_threads` in the calling thread."""
    previous = getattr(_local, "n_threads", None)
    _local.n_threads = check_int("n_threads", n_threads, low=1)
    try:
        yield
    finally:
        _local.n_threads = previous


def _executor(workers: int) -> ThreadPoolExecutor:
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size < workers:
            old = _pool
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="modelmetrics")
            _pool_size = workers
            if old is not None:
                old.shutdown(wait=False)
        return _pool


def run_parallel(tasks: Sequence[Callable[[], _T]], n_threads: int | None = None) -> list[_T]:
    """Run `tasks` (GIL-releasing callables) on up to `n_threads` threads, in order.

    The calling thread and ``n_threads - 1`` pool threads take tasks from one shared
    queue until it is empty, so uneven tasks balance out. Results come back in task
    order whatever the scheduling; the first exception raised by a task is re-raised.
    """
    n = get_num_threads() if n_threads is None else check_int("n_threads", n_threads, low=1)
    if n == 1 or len(tasks) <= 1:
        return [task() for task in tasks]
    results: list[Any] = [None] * len(tasks)
    next_index = itertools.count()
    claim = threading.Lock()

    def drain() -> None:
        while True:
            with claim:
                i = next(next_index)
            if i >= len(tasks):
                return
            results[i] = tasks[i]()

    workers = min(n, len(tasks)) - 1
    pool = _executor(workers)
    futures = [pool.submit(drain) for _ in range(workers)]
    try:
        drain()
    finally:
        for future in futures:
            future.result()  # waits; re-raises a worker's exception
    return results
