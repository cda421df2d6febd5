"""Dask scale-out: accumulators over partitions (see :mod:`modelmetrics.distributed`)."""

from __future__ import annotations

import copy
import importlib
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from modelmetrics._core.accumulator import Accumulator
from modelmetrics._core.checks import check_int

__all__ = ["accumulate_partitions", "evaluate_partitions", "partition_state"]

AccT = TypeVar("AccT", bound=Accumulator[Any])


def _default_update(acc: Accumulator[Any], partition: Any) -> None:
    if isinstance(partition, tuple):
        acc.update(*partition)
    elif isinstance(partition, dict):
        acc.update(**partition)
    else:
        acc.update(partition)


def partition_state(
    accumulator: AccT,
    partition: Any,
    update: Callable[[AccT, Any], Any] | None = None,
) -> AccT:
    """A fresh copy of `accumulator` updated with one partition (the map step).

    Parameters
    ----------
    accumulator : Accumulator
        Configured template; it is copied, never changed.
    partition : object
        One partition: a tuple of ``update`` arguments, a dict of keyword arguments, or
        a single argument, unless `update` says otherwise.
    update : callable, default=None
        ``update(acc, partition)`` feeds the partition to ``acc`` (e.g. in batches).

    Returns
    -------
    Accumulator
        The partition's state.

    Examples
    --------
    >>> from modelmetrics.classification import ClassificationAccumulator
    >>> from modelmetrics._core.distributed import partition_state
    >>> a = partition_state(ClassificationAccumulator(), ([0, 1, 1], [0, 1, 0]))
    >>> b = partition_state(ClassificationAccumulator(), ([1, 0], [1, 0]))
    >>> a.merge(b).compute().accuracy
    0.8
    """
    acc = copy.deepcopy(accumulator)
    (_default_update if update is None else update)(acc, partition)
    return acc


def _merge_all(*states: AccT) -> AccT:
    # Merge into a copy: the inputs stay as the cluster holds them, so a retried merge
    # task starts from the same states and counts nothing twice.
    merged = copy.deepcopy(states[0])
    for state in states[1:]:
        merged.merge(state)
    return merged


def _partitions(partitions: Any) -> list[Any]:
    to_delayed = getattr(partitions, "to_delayed", None)
    if callable(to_delayed):  # a dask Bag or DataFrame: one Delayed per partition
        out = to_delayed()
        return list(out.ravel()) if hasattr(out, "ravel") else list(out)
    if isinstance(partitions, Sequence) and not isinstance(partitions, str | bytes):
        return list(partitions)
    raise TypeError(
        "partitions must be a sequence of partitions (values, dask Delayed objects or "
        f"Futures) or a dask collection, got {type(partitions).__name__}"
    )


def accumulate_partitions(
    partitions: Any,
    accumulator: AccT,
    *,
    update: Callable[[AccT, Any], Any] | None = None,
    client: Any = None,
    split_every: int = 8,
    retries: int = 0,
) -> AccT:
    """Map partitions to states on a Dask cluster and tree-reduce them with ``merge``.

    Parameters
    ----------
    partitions : sequence or dask collection
        The partitions: values (sent to the workers), ``dask.delayed`` objects or
        ``Future``s (loaded on the workers), or a dask Bag / DataFrame (one per
        partition).
    accumulator : Accumulator
        Configured, empty template, copied for every partition.
    update : callable, default=None
        ``update(acc, partition)``; see :func:`partition_state`.
    client : dask.distributed.Client, default=None
        Cluster to run on; None uses the current client (``get_client()``), or dask's
        default scheduler when there is none.
    split_every : int, default=8
        States merged per reduce task.
    retries : int, default=0
        Times a task that raised is run again (a task whose worker died is rescheduled
        by the scheduler regardless).

    Returns
    -------
    Accumulator
        The merged state, on the client; ``.compute()`` gives the metrics.

    Raises
    ------
    ImportError
        If dask is not installed.
    ValueError
        If there are no partitions.
    """
    try:
        # Imported by name: dask stays optional, and its partial annotations out of
        # our strict type checking.
        dask: Any = importlib.import_module("dask")
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            'modelmetrics.distributed needs dask: pip install "modelmetrics[dask]"'
        ) from exc
    split = check_int("split_every", split_every, low=2)
    parts = _partitions(partitions)
    if not parts:
        raise ValueError("partitions is empty: nothing to evaluate")
    map_task = dask.delayed(partition_state, pure=False)
    merge_task = dask.delayed(_merge_all, pure=False)
    level = [map_task(accumulator, part, update) for part in parts]
    while len(level) > 1:
        level = [merge_task(*level[i : i + split]) for i in range(0, len(level), split)]
    final = level[0]
    if client is None:
        try:
            client = importlib.import_module("distributed").get_client()
        except (ImportError, ValueError):
            client = None
    if client is None:
        (result,) = dask.compute(final)
    else:
        result = client.compute(final, retries=retries).result()
    return result  # type: ignore[no-any-return]


def evaluate_partitions(
    partitions: Any,
    accumulator: Accumulator[Any],
    *,
    update: Callable[[Any, Any], Any] | None = None,
    client: Any = None,
    split_every: int = 8,
    retries: int = 0,
) -> Any:
    """Metrics of a partitioned dataset: :func:`accumulate_partitions`, then ``compute()``
    on the client.

    Parameters
    ----------
    partitions, accumulator, update, client, split_every, retries
        As in :func:`accumulate_partitions`.

    Returns
    -------
    object
        What the accumulator's ``compute()`` returns.

    Examples
    --------
    >>> from modelmetrics._core.distributed import evaluate_partitions
    >>> from modelmetrics._regression.metrics import RegressionAccumulator
    >>> parts = [([1.0, 2.0], [1.5, 2.0]), ([3.0], [2.0])]
    >>> m = evaluate_partitions(parts, RegressionAccumulator())  # doctest: +SKIP
    >>> m.max_error  # doctest: +SKIP
    1.0
    """
    merged = accumulate_partitions(
        partitions,
        accumulator,
        update=update,
        client=client,
        split_every=split_every,
        retries=retries,
    )
    return merged.compute()
