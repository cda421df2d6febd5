"""The semantic segmentation adapter: label maps, predictions also as class scores."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelmetrics._core.arrays import as_array
from modelmetrics._core.checks import check_that
from modelmetrics._core.jsonable import to_jsonable
from modelmetrics._report.adapters.common import ModelTypeAdapter, SplitEvaluation, check_loss
from modelmetrics._report.analysis import AnalysisOptions, semantic_analysis

__all__ = ["SemanticSegmentationAdapter"]


class SemanticSegmentationAdapter(ModelTypeAdapter):
    """Label maps, as :func:`modelmetrics.segmentation.segmentation_metrics`.

    `ground_truth` is an integer array of label maps, ``(H, W)`` or ``(N, H, W)``, or
    a sequence of ``(H, W)`` maps (sizes may differ); `predictions` has the same form,
    with label maps or float class scores (``(C, H, W)`` per map, ``(N, C, H, W)``
    for a batch) whose arg max is the predicted class. `labels` names the classes in
    index order (a sequence, or a mapping ``{index: name}``). Options: ``num_classes``
    (default: the number of `labels`, else the scores' class axis, else the largest
    label in either input plus one, `ignore_index` not counted), ``ignore_index`` and
    ``absent`` (see :class:`~modelmetrics.segmentation.SegmentationAccumulator`).

    The accuracy is the pixel accuracy. It has no threshold: a `threshold` is
    rejected rather than silently ignored. The loss is only ever the one given.
    Dataset statistics count the target pixels per class (ignored pixels left out).
    """

    model_type = "semantic-segmentation"
    task = "semantic-segmentation"
    options = ("num_classes", "ignore_index", "absent")

    def evaluate(
        self,
        ground_truth: Any,
        predictions: Any,
        *,
        labels: Any,
        threshold: float | None,
        loss: float | None,
        options: Mapping[str, Any],
        analysis: AnalysisOptions | None = None,
    ) -> SplitEvaluation:
        from modelmetrics._semantic.metrics import SegmentationAccumulator

        self._no_options(options, self.options)
        check_that(
            threshold is None,
            "threshold",
            "None for semantic segmentation (its accuracy is the pixel accuracy)",
            threshold,
        )
        given_loss = check_loss(loss)
        targets = _label_maps(ground_truth, "ground_truth")
        preds = _label_maps(predictions, "predictions")
        # A batch array against a list of maps: pair the batch's maps with the list.
        if len(preds) == 1 < len(targets) and preds[0].shape[:1] == (len(targets),):
            preds = list(preds[0])
        elif len(targets) == 1 < len(preds) and targets[0].shape[:1] == (len(preds),):
            targets = list(targets[0])
        if len(targets) != len(preds):
            raise ValueError(
                f"ground_truth has {len(targets)} label maps but predictions has {len(preds)}"
            )
        ignore_index = options.get("ignore_index")
        num_classes = options.get("num_classes")
        if num_classes is None:
            num_classes = _infer_num_classes(labels, targets, preds, ignore_index)
        acc = SegmentationAccumulator(
            num_classes,
            ignore_index=ignore_index,
            absent=options.get("absent", "skip"),
            per_image=analysis is not None,
            class_names=_segmentation_names(labels, num_classes),
        )
        for pred, target in zip(preds, targets, strict=True):
            acc.update(pred, target)
        metrics = acc.compute()
        extra = None
        if analysis is not None:
            names = _segmentation_names(labels, num_classes) or [str(c) for c in range(num_classes)]
            extra = semantic_analysis(
                (targets, preds), metrics, acc.image_counts(), names, analysis
            )
        out = metrics.as_dict()
        # Per-image IoUs were computed for the analysis (its worst images): the metrics
        # stay those of a split without analysis.
        out.pop("per-image-mean-iou", None)
        stats = {name: values["support"] for name, values in out["per-class"].items()}
        return SplitEvaluation(
            metrics=to_jsonable(out),
            dataset_stats={self.task: stats},
            loss=given_loss,
            accuracy={"accuracy": out["pixel-accuracy"], "threshold": None},
            analysis=extra,
        )


def _label_maps(value: Any, name: str) -> list[NDArray[Any]]:
    """`value` as a list of arrays, each one map or a batch of maps (axis 0)."""
    if isinstance(value, list | tuple):
        if not value:
            raise ValueError(f"{name} has no label maps")
        items = [as_array(f"{name}[{i}]", item) for i, item in enumerate(value)]
        if all(item.ndim >= 2 for item in items):
            return items
    array = as_array(name, value)
    if array.ndim < 2:
        raise ValueError(f"{name} must be label maps of 2 or more axes, got shape {array.shape}")
    return [array]


def _infer_num_classes(
    labels: Any,
    targets: Sequence[NDArray[Any]],
    preds: Sequence[NDArray[Any]],
    ignore_index: Any,
) -> int:
    if labels is not None and not isinstance(labels, Mapping):
        return len(_name_list(labels))
    # Scores carry the class count on their class axis (one more axis than the target).
    for pred, target in zip(preds, targets, strict=True):
        if pred.dtype.kind == "f" and pred.ndim == target.ndim + 1:
            return int(pred.shape[-3])
    top = -1
    for array in (*targets, *preds):
        if array.size == 0 or array.dtype.kind not in "biu":
            continue  # the accumulator names non-integer maps
        high = int(array.max())
        if ignore_index is not None and high == ignore_index:
            rest = array[array != ignore_index]
            high = int(rest.max()) if rest.size else -1
        top = max(top, high)
    if isinstance(labels, Mapping):
        top = max([top, *(int(k) for k in labels)])
    if top < 0:
        raise ValueError("cannot infer num_classes: no class label in the inputs; pass it")
    return top + 1


def _name_list(labels: Any) -> list[str]:
    check_that(
        isinstance(labels, Sequence | np.ndarray) and not isinstance(labels, str),
        "labels",
        "class names in index order or a mapping {index: name} for semantic segmentation",
        labels,
    )
    return [str(v) for v in labels]


def _segmentation_names(labels: Any, num_classes: int) -> list[str] | None:
    if labels is None:
        return None
    if isinstance(labels, Mapping):
        return [str(labels.get(i, i)) for i in range(num_classes)]
    names = _name_list(labels)
    if len(names) != num_classes:
        raise ValueError(f"labels names {len(names)} classes, but num_classes is {num_classes}")
    return names
