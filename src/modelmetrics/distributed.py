"""Evaluate a dataset partitioned across a Dask cluster.

Every accumulator (:class:`~modelmetrics.classification.ClassificationAccumulator`,
:class:`~modelmetrics.classification.ScoreAccumulator`,
:class:`~modelmetrics.regression.RegressionAccumulator`,
:class:`~modelmetrics.detection.DetectionAccumulator`,
:class:`~modelmetrics.instance_segmentation.InstanceSegmentationAccumulator`,
:class:`~modelmetrics.segmentation.SegmentationAccumulator`,
:class:`~modelmetrics.coco.COCOevalAccumulator`) pickles and merges exactly. So a
partitioned dataset is evaluated in three steps, all done here on ``dask.distributed``:

1. **map**: on the workers, each partition updates a copy of a configured, empty
   accumulator;
2. **reduce**: the states are merged in a tree, `split_every` at a time, on the workers;
3. **compute**: the one merged state comes back to the client, whose ``compute()``
   gives the metrics, equal to a single-process pass over all partitions (``==``, or
   1e-12 relative for regression's float sums).

A task that fails (an exception with ``retries``, or a worker process that dies) is
run again from its inputs: its partial state is never merged, so nothing is counted
twice.

Dask is an optional dependency: ``pip install "modelmetrics[dask]"``. Other engines
use the same three steps with their own primitives (see the README's "Scale out"
section): Ray ``ray.get`` of remote per-partition states then ``functools.reduce`` with
``merge``; Spark ``rdd.mapPartitions(...).treeReduce(lambda a, b: a.merge(b))``.
"""

from modelmetrics._core.distributed import (
    accumulate_partitions,
    evaluate_partitions,
    partition_state,
)

__all__ = [
    "accumulate_partitions",
    "evaluate_partitions",
    "partition_state",
]
