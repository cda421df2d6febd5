"""Bootstrap confidence intervals and paired comparison for classification, regression
and semantic segmentation.

All three are the nonparametric bootstrap: the items (samples; images for segmentation)
are resampled with replacement ``n`` times, from ``numpy.random.default_rng(seed)``, row
after row, so a seed gives the same resamples whatever the block size. Nothing is
evaluated again per resample: each model is reduced once to per-item (or per-group)
columns and a resample is a weighted sum of them.

* classification: a resample's metrics depend only on its weighted confusion counts, so
  the samples are grouped once by their joint key (true class, each model's predicted
  class, and the sample weight if any; both models' for a comparison, which keeps the
  resamples paired) and a resample draws the groups' counts directly: those of ``N``
  draws with replacement are ``Multinomial(N, counts / N)``
  (``numpy.random.Generator.multinomial``, about 0.1 µs per group; at most ``K**2``
  groups for one model, ``K**3`` for two, without sample weights). Where the groups are
  many (more than ``N / 16 + 64``: continuous sample weights), ``N`` sample indices are
  drawn instead, the resamples of
  :func:`~modelmetrics._analysis.bootstrap.draw_weights`. Per class, the true
  positives, true and predicted totals (the confusion matrix's diagonal and margins,
  all its exported metrics read) are then weighted ``numpy.bincount`` sums over the
  distinct (true, predicted) cells;
* regression: a resample is a vector ``w`` of multiplicities drawn by
  :func:`~modelmetrics._analysis.bootstrap.draw_weights` (as COCO's ``bootstrap``); the
  metrics come from weighted sums of the residuals and targets (their powers and
  absolute values), one float64 ``(resamples, items) @ (items, columns)`` product per
  block;
* semantic segmentation: image multiplicities drawn by ``draw_weights``, and per-image
  true-positive, predicted and target pixel counts per class, summed per resample by the
  same product (exact integer counts).

The group counts are the same bootstrap in distribution as the multiplicities (each
resample is ``N`` samples drawn uniformly with replacement, a group's count the number
drawn among its samples), but the multinomial draws for a seed are not those of
``draw_weights``: with few groups, a seed gives other classification resamples than
those of COCO's ``bootstrap``, regression and segmentation.

Definition
    A resample's metric is the library's metric on the data set in which item ``i``
    appears ``w[i]`` times (with its sample weight), the classes fixed to those of the
    full data: a class absent from a resample still counts in the macro averages, as
    with scikit-learn's ``labels=`` argument. A metric undefined on a resample (NaN:
    no weight drawn, no pixel of a class) is left out of its interval. Regression keeps
    the library's exact constant-target rule (``force_finite``): a target constant on
    a resample has variance exactly 0, where the naive float mean of scikit-learn may
    leave a rounding residue.

Directions
    ``p_better`` of the comparisons counts the resamples where B is *better*, strictly
    (a tie is not better): higher for scores, lower for errors (``max-error``,
    ``mean-absolute-error``, ``mean-squared-error``, ``root-mean-squared-error``), and
    closer to zero for the bias ``mean-error`` (``|B| < |A|``). The table is
    :data:`METRIC_DIRECTIONS`; :func:`metric_direction` and
    :func:`metric_is_higher_better` also cover COCO's ``map*``/``mar*`` names (higher is
    better). ``delta`` is always B minus A, whatever the direction.

Intervals are percentile intervals (:func:`~modelmetrics._analysis.bootstrap.interval`):
``low <= high``, both within the resampled values' range; the full-data ``value`` usually
lies inside but is not forced to.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from modelmetrics._analysis.bootstrap import MAX_RESAMPLES, draw_weights, interval
from modelmetrics._core.arrays import (
    as_array,
    check_consistent_length,
    check_finite,
    check_sample_weight,
)
from modelmetrics._core.checks import check_int, check_option, check_real, check_that

__all__ = [
    "METRIC_DIRECTIONS",
    "Direction",
    "classification_bootstrap",
    "classification_compare",
    "compare_models",
    "metric_direction",
    "metric_is_higher_better",
    "regression_bootstrap",
    "regression_compare",
    "segmentation_bootstrap",
    "segmentation_compare",
    "segmentation_model",
]

_Float64 = NDArray[np.float64]
# A block's resamples, one row each: item multiplicities (int32), or for classification
# the weighted sums per cell of the group counts (float64).
_Weights = NDArray[Any]
# A resample block's metrics: headline names -> (B,), "per-class/<metric>" -> (B, K).
_Replicates = dict[str, _Float64]

# -- directions ---------------------------------------------------------------------------

Direction = Literal["higher", "lower", "zero"]

#: Which way each metric name is better: ``"higher"``, ``"lower"`` or ``"zero"``
#: (closer to zero, for the signed bias ``mean-error``). Headline and per-class names of
#: the classification, regression and semantic segmentation exports and COCO's per-class
#: ``ap``/``ap50``; COCO's headline ``map*``/``mar*`` names are matched by prefix in
#: :func:`metric_direction`.
METRIC_DIRECTIONS: Mapping[str, Direction] = MappingProxyType(
    {
        # classification
        "accuracy": "higher",
        "balanced-accuracy": "higher",
        **{
            f"{average}-{score}": "higher"
            for average in ("micro", "macro", "weighted")
            for score in ("precision", "recall", "f1")
        },
        "precision": "higher",
        "recall": "higher",
        "f1": "higher",
        # regression
        "mean-error": "zero",
        "max-error": "lower",
        "mean-absolute-error": "lower",
        "mean-squared-error": "lower",
        "root-mean-squared-error": "lower",
        "r2-score": "higher",
        "explained-variance-score": "higher",
        # semantic segmentation
        "mean-iou": "higher",
        "frequency-weighted-iou": "higher",
        "pixel-accuracy": "higher",
        "mean-class-accuracy": "higher",
        "mean-dice": "higher",
        "mean-precision": "higher",
        "iou": "higher",
        "dice": "higher",
        # COCO per class
        "ap": "higher",
        "ap50": "higher",
    }
)


def metric_direction(name: str) -> Direction:
    """Which way a metric is better: ``"higher"``, ``"lower"`` or ``"zero"``.

    Parameters
    ----------
    name : str
        A metric name of the classification, regression, semantic segmentation or COCO
        results (``"macro-f1"``, ``"mean-squared-error"``, ``"mean-iou"``, ``"map50"``,
        ``"mar-100"``, ...).

    Returns
    -------
    {"higher", "lower", "zero"}
        ``"zero"`` for the signed bias ``mean-error``: closer to zero is better.

    Raises
    ------
    ValueError
        For an unknown name.

    Examples
    --------
    >>> from modelmetrics.analysis import metric_direction
    >>> metric_direction("r2-score"), metric_direction("max-error"), metric_direction("map75")
    ('higher', 'lower', 'higher')
    """
    # COCO's headline names follow its area labels and max-detections settings.
    known = isinstance(name, str) and (
        name in METRIC_DIRECTIONS or name.startswith(("map", "mar-"))
    )
    check_that(
        known,
        "name",
        "a metric name of the classification, regression, segmentation or COCO results",
        name,
    )
    return METRIC_DIRECTIONS.get(name, "higher")


def metric_is_higher_better(name: str) -> bool:
    """Whether a higher value of metric `name` is better.

    False for errors and for ``mean-error``, whose better direction is towards zero
    (see :func:`metric_direction`).

    Parameters
    ----------
    name : str
        A metric name, as in :func:`metric_direction`.

    Returns
    -------
    bool

    Raises
    ------
    ValueError
        For an unknown name.

    Examples
    --------
    >>> from modelmetrics.analysis import metric_is_higher_better
    >>> metric_is_higher_better("macro-f1"), metric_is_higher_better("mean-absolute-error")
    (True, False)
    """
    return metric_direction(name) == "higher"


# -- shared machinery -------------------------------------------------------------------------

# Resamples per block, and a bound on resamples x items per block: the block's weights
# and their float64 copies stay within a few tens of MB whatever the data size.
_BLOCK_ROWS = 64
_BLOCK_CELLS = 1 << 22


@dataclass(frozen=True, eq=False)
class _Model:
    """One model's full-data values and the function computing them per resample."""

    n_items: int  # columns of a block's widest array: items, or classification's groups
    values: dict[str, float]
    classes: list[Any]  # per-class keys; empty without per-class results
    class_values: dict[str, _Float64]  # per-class metric -> (K,)
    replicate: Callable[[_Weights], _Replicates]


def _check_resampling(n: object, seed: object, level: object) -> tuple[int, int, float]:
    # Each resample keeps a row of every metric: a bound keeps a typo from exhausting memory.
    n_ = check_int("n", n, low=1, high=MAX_RESAMPLES)
    seed_ = check_int("seed", seed, low=0)
    level_ = check_real("level", level)
    check_that(0.0 < level_ < 1.0, "level", "a float in the range (0.0, 1.0)", level)
    return n_, seed_, level_


def _replicates(
    models: Sequence[_Model],
    n: int,
    seed: int,
    width: int,
    draw: Callable[[np.random.Generator, int], _Weights] | None = None,
    *,
    max_rows: int | None = None,
    share: int = 1,
) -> list[_Replicates]:
    """Each model's metrics on the same `n` resamples, drawn in blocks from `seed`.

    ``draw(rng, rows)`` draws a block's resamples, row after row from `rng` (so the
    blocks do not change them); by default the items' multiplicities (``draw_weights``).
    A block has at most `max_rows` (default ``_BLOCK_ROWS``) resamples and ``1 / share``
    of ``_BLOCK_CELLS`` resamples x items.
    """
    n_items = models[0].n_items
    cells = _BLOCK_CELLS // share // max(n_items, width, 1)
    rows = max(1, min(_BLOCK_ROWS if max_rows is None else max_rows, cells))
    rng = np.random.default_rng(seed)
    parts: list[list[_Replicates]] = [[] for _ in models]
    done = 0
    while done < n:
        size = min(rows, n - done)
        weights = draw_weights(rng, size, n_items) if draw is None else draw(rng, size)
        # Degenerate resamples (no weight, overflowing sums) give NaN or inf on purpose.
        with np.errstate(all="ignore"):
            for part, model in zip(parts, models, strict=True):
                part.append(model.replicate(weights))
        done += len(weights)
    return [{key: np.concatenate([p[key] for p in part]) for key in part[0]} for part in parts]


def _interval(values: _Float64, level: float) -> tuple[float, float]:
    with np.errstate(all="ignore"):  # an infinite resample value interpolates to NaN
        return interval(values, level)


def _intervals(columns: Sequence[_Float64], level: float) -> list[tuple[float, float]]:
    """:func:`_interval` of each column: the columns without NaN by one
    ``numpy.quantile`` along the stacked columns (the same numbers as a call each)."""
    stack = np.column_stack(columns)
    whole = np.flatnonzero(~np.isnan(stack).any(axis=0))
    with np.errstate(all="ignore"):  # an infinite resample value interpolates to NaN
        quantiles = np.quantile(stack[:, whole], [(1.0 - level) / 2.0, (1.0 + level) / 2.0], axis=0)
    lows, highs = quantiles.tolist()
    bounds = {
        j: (float(low), float(high))
        for j, low, high in zip(whole.tolist(), lows, highs, strict=True)
    }
    # NaN is left out of the other columns, one at a time.
    return [bounds.get(j) or _interval(stack[:, j], level) for j in range(stack.shape[1])]


def _columns(model: _Model, reps: _Replicates) -> dict[tuple[str, int], _Float64]:
    """The resampled values of each headline metric (key ``(name, -1)``) and per-class
    metric (``(metric, k)``)."""
    out = {(name, -1): reps[name] for name in model.values}
    for k in range(len(model.classes)):
        for metric in model.class_values:
            out[metric, k] = reps[f"per-class/{metric}"][:, k]
    return out


def _bootstrap_result(model: _Model, reps: _Replicates, level: float) -> dict[str, Any]:
    columns = _columns(model, reps)
    bounds = dict(zip(columns, _intervals(list(columns.values()), level), strict=True))

    def entry(value: float, key: tuple[str, int]) -> dict[str, float]:
        low, high = bounds[key]
        return {"value": float(value), "low": low, "high": high, "level": level}

    out: dict[str, Any] = {name: entry(v, (name, -1)) for name, v in model.values.items()}
    if model.classes:
        out["per-class"] = {
            cls: {
                metric: entry(values[k], (metric, k))
                for metric, values in model.class_values.items()
            }
            for k, cls in enumerate(model.classes)
        }
    return out


def _compare_result(
    a: _Model, b: _Model, ra: _Replicates, rb: _Replicates, level: float
) -> dict[str, Any]:
    xa, xb = _columns(a, ra), _columns(b, rb)
    with np.errstate(all="ignore"):
        diffs = {key: xb[key] - xa[key] for key in xa}
    bounds = dict(zip(diffs, _intervals(list(diffs.values()), level), strict=True))

    def entry(va: float, vb: float, key: tuple[str, int]) -> dict[str, float]:
        diff = diffs[key]
        with np.errstate(all="ignore"):
            defined = ~np.isnan(diff)
            direction = metric_direction(key[0])
            if direction == "higher":
                better = diff > 0
            elif direction == "lower":
                better = diff < 0
            else:
                better = np.abs(xb[key]) < np.abs(xa[key])
            delta = float(vb) - float(va)
        low, high = bounds[key]
        p_better = float(np.mean(better[defined])) if defined.any() else math.nan
        return {"delta": delta, "low": low, "high": high, "p_better": p_better}

    out: dict[str, Any] = {
        name: entry(a.values[name], b.values[name], (name, -1)) for name in a.values
    }
    if a.classes:
        out["per-class"] = {
            cls: {
                metric: entry(a.class_values[metric][k], b.class_values[metric][k], (metric, k))
                for metric in a.class_values
            }
            for k, cls in enumerate(a.classes)
        }
    return out


def _divide(num: _Float64, den: _Float64, fill: float) -> _Float64:
    """``num / den`` as float64, `fill` where ``den == 0``."""
    out = np.full(np.broadcast_shapes(num.shape, den.shape), fill, dtype=np.float64)
    np.divide(num, den, out=out, where=den != 0)
    return out


def _renamed(name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`fn(...)`, its ValueError prefixed with argument `name` (the library says y_pred)."""
    if name == "y_pred":
        return fn(*args, **kwargs)
    try:
        return fn(*args, **kwargs)
    except ValueError as error:
        raise ValueError(f"{name}: {error}") from None


# -- classification ---------------------------------------------------------------------------

CLASSIFICATION_METRICS = (
    "accuracy",
    "balanced-accuracy",
    *(
        f"{average}-{score}"
        for average in ("micro", "macro", "weighted")
        for score in ("precision", "recall", "f1")
    ),
)
CLASSIFICATION_CLASS_METRICS = ("precision", "recall", "f1")


def _labels_1d(name: str, arr: NDArray[Any]) -> NDArray[Any]:
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name} must be labels of shape (n_samples,), got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty: at least one sample is required")
    return arr


def _predicted(
    name: str, value: ArrayLike, labels: ArrayLike | None
) -> tuple[NDArray[Any], ArrayLike | None]:
    """Predicted labels of `value` (labels, or class scores of shape (n, C)) and the
    classes to score them over (fixed by scores, else `labels`)."""
    arr = as_array(name, value)
    if arr.ndim != 2 or arr.shape[1] == 1:
        return _labels_1d(name, arr), labels
    # Class probabilities: the most probable class is predicted, as the report's
    # classification adapter reads them; the columns are `labels`, else 0..C-1.
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name}: class probabilities must be numeric, got dtype {arr.dtype}")
    scores = np.ascontiguousarray(arr, dtype=np.float64)
    if scores.shape[1] < 2:
        raise ValueError(f"{name}: class probabilities need at least 2 columns, got 0")
    if scores.shape[0] == 0:
        raise ValueError(f"{name} is empty: at least one sample is required")
    check_finite(name, scores)
    names = np.arange(scores.shape[1]) if labels is None else np.asarray(labels)
    if names.shape != (scores.shape[1],):
        raise ValueError(
            f"{name} has {scores.shape[1]} probability columns but labels has {names.size} entries"
        )
    return names[np.argmax(scores, axis=1)], names


def _class_indices(classes: NDArray[Any], values: NDArray[Any], name: str) -> NDArray[np.intp]:
    """Position of each of `values` in `classes` (any order)."""
    if classes.dtype.kind in "iu" and values.dtype.kind in "iu" and classes.size and values.size:
        # Integer labels of a small range (the usual case): a lookup table, O(N).
        low = min(int(classes.min()), int(values.min()))
        high = max(int(classes.max()), int(values.max()))
        if low > -(1 << 62) and high < 1 << 62 and high - low <= 4 * values.size + (1 << 16):
            table = np.full(high - low + 1, -1, dtype=np.intp)
            table[classes.astype(np.int64) - low] = np.arange(classes.size)
            found: NDArray[np.intp] = table[values.astype(np.int64) - low]
            if found.min() < 0:
                raise ValueError(f"{name} has labels not among the classes {classes.tolist()}")
            return found
    order = np.argsort(classes, kind="stable")
    pos = np.minimum(np.searchsorted(classes[order], values), len(classes) - 1)
    idx: NDArray[np.intp] = order[pos]
    if not np.all(classes[idx] == values):  # the library validated them: a safety net
        raise ValueError(f"{name} has labels not among the classes {classes.tolist()}")
    return idx


def _classification_scores(
    tp: _Float64, true: _Float64, pred: _Float64, own: NDArray[np.bool_]
) -> _Replicates:
    """The exported metrics from per-class sums of shape (B, K), vectorised over
    resamples; the arithmetic of ``ClassificationMetrics`` with ``zero_division=0``.
    `own` marks the model's classes (those its averages run over)."""
    precision = _divide(tp, pred, 0.0)
    recall = _divide(tp, true, 0.0)
    f1 = _divide(2.0 * tp, true + pred, 0.0)
    total = true.sum(axis=1)
    out: _Replicates = {"accuracy": _divide(tp.sum(axis=1), total, math.nan)}
    seen = true > 0
    out["balanced-accuracy"] = _divide(
        np.where(seen, recall, 0.0).sum(axis=1), seen.sum(axis=1).astype(np.float64), math.nan
    )
    tp_o, true_o, pred_o = tp[:, own], true[:, own], pred[:, own]
    micro = {
        "precision": _divide(tp_o.sum(axis=1), pred_o.sum(axis=1), 0.0),
        "recall": _divide(tp_o.sum(axis=1), true_o.sum(axis=1), 0.0),
        "f1": _divide(2.0 * tp_o.sum(axis=1), true_o.sum(axis=1) + pred_o.sum(axis=1), 0.0),
    }
    support = true_o.sum(axis=1)
    for score, values in (("precision", precision), ("recall", recall), ("f1", f1)):
        mine = values[:, own]
        out[f"micro-{score}"] = micro[score]
        out[f"macro-{score}"] = mine.mean(axis=1)
        # numpy.average weighted by support; all-zero support falls back to the plain mean.
        weighted = _divide((mine * true_o).sum(axis=1), support, math.nan)
        out[f"weighted-{score}"] = np.where(support > 0, weighted, mine.mean(axis=1))
    out["per-class/precision"] = precision
    out["per-class/recall"] = recall
    out["per-class/f1"] = f1
    # A resample without any weight has no metric (the library rejects all-zero weights).
    empty = total == 0
    if empty.any():
        for values in out.values():
            values[empty] = math.nan
    return out


# Multinomial draws cost about 0.1 µs per group and resample, N uniform sample indices
# about 6 ns per sample plus a few µs: the group counts are drawn from the multinomial
# up to N / 16 + 64 groups, from the sample indices beyond.
_MULTINOMIAL_RATIO = 16
_MULTINOMIAL_EXTRA = 64
# Keys below 4 N + 65536 are counted by a bincount (O(N + keys)), larger ones sorted.
_BINCOUNT_SLACK = 1 << 16
# Classification blocks: up to 1024 resamples (their per-block cost is mostly fixed), in
# a quarter of _BLOCK_CELLS (a block holds a few (resamples, groups) 8-byte arrays).
_GROUP_BLOCK_ROWS = 1024
_GROUP_BLOCK_SHARE = 4


@dataclass(frozen=True, eq=False)
class _Groups:
    """The samples grouped by their joint key, the resamples drawn as group counts.

    A cell is a distinct (true class, each model's predicted class) of the samples, a
    group a distinct (cell, sample weight): a classification resample's metrics depend
    only on its weighted sum per cell, the group counts times their weights. Without
    multinomial draws (too many groups) the groups are the samples themselves and a
    resample's counts their multiplicities (``draw_weights``).
    """

    n_samples: int
    true: NDArray[np.intp]  # (C,) class index of y_true, per cell
    preds: tuple[NDArray[np.intp], ...]  # (C,) class index predicted, per model and cell
    cell: NDArray[np.intp]  # (G,) cell of each group
    weight: NDArray[Any] | None  # (G,) sample weight of each group; None without
    count: NDArray[np.int64]  # (G,) samples per group, the largest last (multinomial)
    multinomial: bool  # group counts from the multinomial, else the samples' indices

    @property
    def width(self) -> int:
        """Columns of a block's widest array: groups (multinomial) or cells."""
        return len(self.count) if self.multinomial else len(self.true)

    def counts(self, rng: np.random.Generator, rows: int) -> NDArray[np.int64]:
        """`rows` resamples' group counts, shape (rows, G), row after row from `rng`."""
        if self.multinomial:
            # numpy draws the rows in turn (size=rows equals row-by-row calls), each
            # group's count a binomial of the rest, the last group taking the
            # remainder: it checks only that pvals[:-1] sum to at most 1 + 1e-12.
            # With the largest group last they sum to 1 - max / N, short of 1 by far
            # more than their rounding (half an ulp per count / N).
            drawn: NDArray[np.int64] = rng.multinomial(
                self.n_samples, self.count / self.n_samples, size=rows
            )
            return drawn
        return draw_weights(rng, rows, self.n_samples).astype(np.int64)

    def draw(self, rng: np.random.Generator, rows: int) -> _Float64:
        """`rows` resamples' weighted sums per cell, shape (rows, C): those of
        :meth:`counts` (the same draws from `rng`)."""
        n_cells = len(self.true)
        if self.multinomial:
            counts = self.counts(rng, rows)
            if self.weight is None:  # the groups are the cells
                return counts.astype(np.float64)
            return _row_sums(self.cell, counts * self.weight, n_cells)
        out = np.empty((rows, n_cells))
        n = self.n_samples
        for b in range(rows):  # draw_weights' indices, summed per cell
            drawn = rng.integers(0, n, n)
            weights = None if self.weight is None else self.weight[drawn]
            out[b] = np.bincount(self.cell[drawn], weights, minlength=n_cells)
        return out


def _row_sums(index: NDArray[np.intp], values: NDArray[Any], size: int) -> _Float64:
    """Per row of `values` (B, M), its sums by `index` (M,) into `size` bins: one
    ``numpy.bincount`` for the block, row ``b``'s bins offset by ``b * size``."""
    rows = len(values)
    flat = (np.arange(rows)[:, None] * size + index).reshape(-1)
    sums = np.bincount(flat, values.reshape(-1), minlength=rows * size)  # float64
    return np.asarray(sums, dtype=np.float64).reshape(rows, size)


def _joint_key(
    columns: Sequence[NDArray[np.intp]], sizes: Sequence[int]
) -> tuple[NDArray[np.int64], int]:
    """A key per sample, equal for equal rows of `columns` (each in ``range(size)``),
    and a bound on the keys. Past int64 the key so far is first replaced by its rank."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    n_keys = 1
    for column, size in zip(columns, sizes, strict=True):
        if n_keys * size >= 1 << 62:
            _, key = np.unique(key, return_inverse=True)
            key, n_keys = key.reshape(-1).astype(np.int64), int(key.max()) + 1
        key = key * size + column
        n_keys *= size
    return key, n_keys


def _distinct(
    key: NDArray[np.int64], n_keys: int
) -> tuple[NDArray[np.int64], NDArray[np.intp], NDArray[np.intp]]:
    """The distinct keys (in increasing order): each one's count, a sample holding it,
    and each sample's position among them."""
    n = len(key)
    if n_keys <= 4 * n + _BINCOUNT_SLACK:
        counts = np.bincount(key, minlength=n_keys)
        present = np.flatnonzero(counts)
        position = np.zeros(n_keys, dtype=np.intp)
        position[present] = np.arange(len(present))
        inverse = position[key]
        # Any sample of a key will do: its columns are the key's.
        holder = np.empty(len(present), dtype=np.intp)
        holder[inverse] = np.arange(n)
        return counts[present].astype(np.int64), holder, inverse
    _, holder, inverse, count = np.unique(
        key, return_index=True, return_inverse=True, return_counts=True
    )
    return count.astype(np.int64), holder, inverse.reshape(-1)


def _classification_groups(
    t_idx: NDArray[np.intp],
    p_idx: Sequence[NDArray[np.intp]],
    n_classes: int,
    sample_weight: NDArray[Any] | None,
) -> _Groups:
    """The samples' cells and groups (see :class:`_Groups`)."""
    n = len(t_idx)
    key, n_keys = _joint_key([t_idx, *p_idx], [n_classes] * (1 + len(p_idx)))
    count, holder, cell = _distinct(key, n_keys)
    true, preds = t_idx[holder], tuple(p[holder] for p in p_idx)
    if sample_weight is None:
        group_cell, weight = np.arange(len(count)), None
    else:
        values, w_idx = np.unique(sample_weight, return_inverse=True)
        key, n_keys = _joint_key([cell, w_idx.reshape(-1)], [len(count), len(values)])
        count, holder, _ = _distinct(key, n_keys)
        group_cell, weight = cell[holder], values[w_idx.reshape(-1)[holder]]
    if _MULTINOMIAL_RATIO * len(count) > n + _MULTINOMIAL_RATIO * _MULTINOMIAL_EXTRA:
        # Too many groups: the samples are drawn (the groups are the samples).
        return _Groups(n, true, preds, cell, sample_weight, np.ones(n, np.int64), False)
    order = np.argsort(count, kind="stable")  # the largest last
    if weight is None:  # the groups are the cells: reorder the cells
        true, preds = true[order], tuple(p[order] for p in preds)
    else:
        group_cell, weight = group_cell[order], weight[order]
    return _Groups(n, true, preds, group_cell, weight, count[order], True)


def _classification_models(
    y_true: ArrayLike,
    predictions: Sequence[tuple[str, ArrayLike]],
    labels: ArrayLike | None,
    sample_weight: ArrayLike | None,
) -> tuple[list[_Model], _Groups]:
    """Each model and the samples' groups, whose count rows are its resamples."""
    from modelmetrics.classification import classification_metrics

    t = _labels_1d("y_true", as_array("y_true", y_true))
    preds = []
    for name, value in predictions:
        p, fixed = _predicted(name, value, labels)
        check_consistent_length(**{"y_true": t, name: p})
        preds.append((name, p, fixed))
    weights = check_sample_weight(sample_weight, len(t))
    metrics = [
        _renamed(
            name,
            classification_metrics,
            t,
            p,
            labels=fixed,
            sample_weight=sample_weight,
        )
        for name, p, fixed in preds
    ]
    classes = metrics[0].labels
    for m in metrics[1:]:
        if not np.array_equal(classes, m.labels):
            classes = np.union1d(classes, m.labels)
    K = len(classes)
    groups = _classification_groups(
        _class_indices(classes, t, "y_true"),
        [_class_indices(classes, p, name) for name, p, _ in preds],
        K,
        weights,
    )
    keys = classes.tolist()
    models = []
    for (name, _, _), m, p_idx in zip(preds, metrics, groups.preds, strict=True):
        own = np.zeros(K, dtype=bool)
        own[_class_indices(classes, m.labels, name)] = True
        values = {"accuracy": m.accuracy, "balanced-accuracy": m.balanced_accuracy}
        for average in ("micro", "macro", "weighted"):
            scores = m.averages[average]
            values[f"{average}-precision"] = scores["precision"]
            values[f"{average}-recall"] = scores["recall"]
            values[f"{average}-f1"] = scores["fbeta"]
        # Classes of the other model only: never true nor predicted here, 0 by zero_division.
        class_values = {metric: np.zeros(K) for metric in CLASSIFICATION_CLASS_METRICS}
        mine = _class_indices(classes, m.labels, name)
        for metric, per_class in (("precision", m.precision), ("recall", m.recall), ("f1", m.f1)):
            class_values[metric][mine] = per_class
        models.append(
            _Model(
                n_items=groups.width,
                values={k: float(values[k]) for k in CLASSIFICATION_METRICS},
                classes=keys,
                class_values=class_values,
                replicate=_classification_replicate(groups.true, p_idx, own),
            )
        )
    return models, groups


def _classification_replicate(
    t_idx: NDArray[np.intp], p_idx: NDArray[np.intp], own: NDArray[np.bool_]
) -> Callable[[_Weights], _Replicates]:
    """The metrics of a block of resamples' weighted sums per cell (B, C), the cells'
    classes `t_idx` and `p_idx`."""
    K = len(own)
    hit = t_idx == p_idx
    t_hit = t_idx[hit]

    def replicate(sums: _Weights) -> _Replicates:
        tp = _row_sums(t_hit, sums[:, hit], K)
        return _classification_scores(tp, _row_sums(t_idx, sums, K), _row_sums(p_idx, sums, K), own)

    return replicate


def _classification_replicates(
    models: Sequence[_Model], groups: _Groups, n: int, seed: int
) -> list[_Replicates]:
    """Each model's metrics on the same `n` resamples of `groups` (drawn from `seed`)."""
    return _replicates(
        models, n, seed, len(models[0].classes), groups.draw,
        max_rows=_GROUP_BLOCK_ROWS, share=_GROUP_BLOCK_SHARE,
    )  # fmt: skip


def classification_bootstrap(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    labels: ArrayLike | None = None,
    sample_weight: ArrayLike | None = None,
    n: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, Any]:
    """Bootstrap confidence intervals of the classification metrics.

    The samples are resampled with replacement `n` times; each resample's metrics come
    from its per-class sums, with the classes of the full data. The samples are grouped
    once by (true class, predicted class, sample weight) and a resample draws the
    groups' counts (multinomial), so its cost grows with the number of groups (at most
    ``n_classes**2`` without sample weights), not with the number of samples.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Ground-truth labels.
    y_pred : array-like of shape (n_samples,) or (n_samples, n_classes)
        Predicted labels, or class probabilities (scores) whose arg max is the
        prediction, the columns being `labels` (default ``0 .. n_classes - 1``), as the
        report's classification adapter reads them.
    labels : array-like, default=None
        Classes to score, in this order; None takes the labels present (sorted).
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights; a resampled sample keeps its weight.
    n : int, default=1000
        Number of resamples (at most 1,000,000).
    seed : int, default=0
        Seed of the ``numpy.random.Generator`` drawing the resamples. For the same
        seed the draws differ from those of COCO's
        :func:`~modelmetrics.analysis.bootstrap`, :func:`regression_bootstrap` and
        :func:`segmentation_bootstrap` (group counts, not sample multiplicities),
        unless the groups outnumber ``n_samples / 16 + 64`` (see Notes).
    level : float, default=0.95
        Coverage of the percentile intervals, in (0, 1).

    Returns
    -------
    dict
        ``{metric: {"value", "low", "high", "level"}}`` for ``accuracy``,
        ``balanced-accuracy`` and ``{micro,macro,weighted}-{precision,recall,f1}`` (the
        names of the report's export), and ``"per-class"``:
        ``{label: {"precision": {...}, "recall": {...}, "f1": {...}}}``. ``value`` is
        the full-data value (``==``
        :func:`~modelmetrics.classification.classification_metrics`, scikit-learn's
        with ``zero_division=0``).

    Raises
    ------
    ValueError
        If `n` < 1, `level` is outside (0, 1), the inputs are empty, differ in length,
        hold NaN or infinite scores, or labels outside `labels` (each naming the
        argument).
    TypeError
        For inputs of the wrong kind.

    See Also
    --------
    classification_compare : Paired bootstrap of two models' differences.

    Notes
    -----
    A resample is the data set in which sample ``i`` appears ``w[i]`` times, scored
    over the full data's classes (a class missing from a resample still counts in the
    macro averages, with ``zero_division=0``). A resample without weight (only
    zero-weight samples drawn) has no metric and is left out.

    Only the number of draws from each group of identical (true, predicted, weight)
    samples enters the metrics, and ``N`` draws with replacement put
    ``Multinomial(N, counts / N)`` draws in the groups: these counts are drawn
    directly (``numpy.random.Generator.multinomial``), the same bootstrap in
    distribution as drawing ``N`` sample indices. With more than ``N / 16 + 64``
    groups (many distinct sample weights) the ``N`` indices are drawn instead.

    Examples
    --------
    >>> from modelmetrics.analysis import classification_bootstrap
    >>> y_true = [0, 0, 1, 1, 2, 2, 0, 1, 2, 2]
    >>> y_pred = [0, 1, 1, 1, 2, 0, 0, 1, 2, 2]
    >>> ci = classification_bootstrap(y_true, y_pred, n=200, seed=0)
    >>> ci["accuracy"]["value"], ci["accuracy"]["low"] <= ci["accuracy"]["high"]
    (0.8, True)
    >>> sorted(ci["per-class"][2])
    ['f1', 'precision', 'recall']
    """
    n, seed, level = _check_resampling(n, seed, level)
    (model,), groups = _classification_models(y_true, [("y_pred", y_pred)], labels, sample_weight)
    (reps,) = _classification_replicates([model], groups, n, seed)
    return _bootstrap_result(model, reps, level)


def classification_compare(
    y_true: ArrayLike,
    y_pred_a: ArrayLike,
    y_pred_b: ArrayLike,
    *,
    labels: ArrayLike | None = None,
    sample_weight: ArrayLike | None = None,
    n: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, Any]:
    """Compare two classifiers on the same samples: a paired bootstrap of every
    metric's difference (B minus A).

    Both models are scored on the same `n` resamples of the samples (see
    :func:`classification_bootstrap`), so the interval is that of the difference: the
    samples are grouped by their true class and both models' predicted classes (and
    sample weight), at most ``n_classes**3`` groups, whose counts a resample draws.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Ground-truth labels.
    y_pred_a, y_pred_b : array-like of shape (n_samples,) or (n_samples, n_classes)
        The two models' predicted labels or class probabilities.
    labels : array-like, default=None
        Classes to score; None takes each model's present labels (its averages run over
        them, as in its own report); per-class results cover both models' classes.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights.
    n : int, default=1000
        Number of resamples (at most 1,000,000).
    seed : int, default=0
        Seed of the resampling (the same draws for both models). As for
        :func:`classification_bootstrap`, the draws differ from those of COCO's
        :func:`~modelmetrics.analysis.compare` for the same seed.
    level : float, default=0.95
        Coverage of the percentile interval of the difference, in (0, 1).

    Returns
    -------
    dict
        ``{metric: {"delta", "low", "high", "p_better"}}`` for the metrics of
        :func:`classification_bootstrap`, and ``"per-class"``. ``delta`` is the
        full-data difference, ``low``/``high`` the percentile interval of the resampled
        differences, ``p_better`` the share of resamples where B is strictly higher (a
        tie is not better), among those where both are defined. A model against
        itself gives 0, 0, 0 and 0.

    Raises
    ------
    ValueError
        As :func:`classification_bootstrap`; `y_pred_a` or `y_pred_b` of another
        length than `y_true` is named.
    TypeError
        For inputs of the wrong kind.

    Examples
    --------
    >>> from modelmetrics.analysis import classification_compare
    >>> y_true = [0, 1, 0, 1, 0, 1, 0, 1]
    >>> worse = [0, 0, 1, 1, 0, 0, 1, 1]
    >>> better = [0, 1, 0, 1, 0, 1, 1, 1]
    >>> out = classification_compare(y_true, worse, better, n=200, seed=0)
    >>> out["accuracy"]["delta"], out["accuracy"]["p_better"] > 0.9
    (0.375, True)
    """
    n, seed, level = _check_resampling(n, seed, level)
    (a, b), groups = _classification_models(
        y_true, [("y_pred_a", y_pred_a), ("y_pred_b", y_pred_b)], labels, sample_weight
    )
    ra, rb = _classification_replicates([a, b], groups, n, seed)
    return _compare_result(a, b, ra, rb, level)


# -- regression -------------------------------------------------------------------------------

REGRESSION_METRICS = (
    "mean-error",
    "max-error",
    "mean-absolute-error",
    "mean-squared-error",
    "r2-score",
    "explained-variance-score",
)


def _explained(num: _Float64, den: _Float64) -> _Float64:
    """``1 - num / den`` per output with ``force_finite``'s rules, averaged over outputs
    (the library's ``_fraction_explained`` with ``uniform_average``), shape (B,)."""
    scores = np.ones_like(num)
    nonzero = num != 0
    valid = nonzero & (den != 0)
    scores[valid] = 1 - num[valid] / den[valid]
    scores[nonzero & (den == 0)] = 0.0
    mean: _Float64 = scores.mean(axis=1)
    return mean


def _first_drawn(weights: _Weights, order: NDArray[np.intp]) -> NDArray[np.intp]:
    """Per resample (row of `weights`), the first position in `order` whose item is
    drawn, ``len(order)`` when none is.

    About two thirds of the items are drawn in a resample, so the answer is almost
    always among the first few: chunks of doubling size are read for the rows still
    pending instead of every row in full.
    """
    first = np.full(len(weights), len(order), dtype=np.intp)
    pending = np.arange(len(weights))
    start, step = 0, 8
    while pending.size and start < len(order):
        items = order[start : start + step]
        drawn = weights[np.ix_(pending, items)] > 0
        found = drawn.any(axis=1)
        first[pending[found]] = start + drawn[found].argmax(axis=1)
        pending = pending[~found]
        start, step = start + step, 2 * step
    return first


def _regression_replicate(
    t: _Float64, p: _Float64, sample_weight: _Float64 | None
) -> Callable[[_Weights], _Replicates]:
    N, k = t.shape
    # Finite inputs whose residuals or squares overflow give infinite errors, as in the
    # library (and scikit-learn); their resamples may then be NaN, left out.
    with np.errstate(over="ignore", invalid="ignore"):
        d = p - t  # the library's residual, y_pred - y_true
        # Centred on the medians, the shifted sums give the variances without the
        # cancellation of sum(w y^2) - sum(w y)^2 / sum(w) on data far from zero.
        tc = t - np.median(t, axis=0)
        dc = d - np.median(d, axis=0)
        columns = np.ascontiguousarray(np.hstack([d, np.abs(d), d * d, tc, tc * tc, dc, dc * dc]))
    # max-error: the largest residual of the drawn samples (whatever their weight), the
    # first drawn in the order of decreasing residual.
    top = np.abs(d).max(axis=1)
    by_top = np.argsort(-top, kind="stable")
    # A column is constant on a resample when its smallest and largest drawn values
    # (among samples of positive weight) are equal: the first drawn from either end.
    kept = np.arange(N) if sample_weight is None else np.flatnonzero(sample_weight > 0)
    ends = [
        [kept[np.argsort(column[kept, j], kind="stable")] for j in range(k)] for column in (t, d)
    ]

    def replicate(weights: _Weights) -> _Replicates:
        B = len(weights)
        w = weights.astype(np.float64) if sample_weight is None else weights * sample_weight
        total = w.sum(axis=1)[:, None]
        sums = (w @ columns).reshape(B, 7, k)
        s_d, s_abs, s_sq, s_t, s_t2, s_dc, s_dc2 = (sums[:, i] for i in range(7))
        m2_true = np.maximum(s_t2 - s_t * s_t / total, 0.0)
        m2_diff = np.maximum(s_dc2 - s_dc * s_dc / total, 0.0)
        # A column constant on a resample has variance exactly 0, as the library's
        # streaming moments give it (force_finite then applies), not a rounding residue.
        for column, m2, orders in ((t, m2_true, ends[0]), (d, m2_diff, ends[1])):
            for j, ascending in enumerate(orders):
                if len(ascending):
                    ordered = column[ascending, j]
                    last = len(ordered) - 1
                    low = ordered[np.minimum(_first_drawn(weights, ascending), last)]
                    high = ordered[last - np.minimum(_first_drawn(weights, ascending[::-1]), last)]
                    m2[low == high, j] = 0.0
        out: _Replicates = {
            "mean-error": (s_d / total).mean(axis=1),
            "max-error": top[by_top][np.minimum(_first_drawn(weights, by_top), N - 1)],
            "mean-absolute-error": (s_abs / total).mean(axis=1),
            "mean-squared-error": (s_sq / total).mean(axis=1),
            # Fewer than two samples leave R^2 undefined, as in the library.
            "r2-score": _explained(s_sq, m2_true) if N >= 2 else np.full(B, math.nan),
            "explained-variance-score": _explained(m2_diff / total, m2_true / total),
        }
        # No weight drawn (only zero-weight samples): no metric, as the library refuses.
        empty = total[:, 0] == 0
        if empty.any():
            for values in out.values():
                values[empty] = math.nan
        return out

    return replicate


def _regression_models(
    y_true: ArrayLike,
    predictions: Sequence[tuple[str, ArrayLike]],
    sample_weight: ArrayLike | None,
) -> list[_Model]:
    from modelmetrics._regression.metrics import _as_target, _check_weights, regression_metrics

    t = _as_target("y_true", y_true)
    if t.shape[0] == 0:
        raise ValueError("y_true is empty: at least one sample is required")
    if t.shape[1] == 0:
        raise ValueError("y_true has 0 outputs; at least one is required")
    t = np.ascontiguousarray(t, dtype=np.float64)
    check_finite("y_true", t)
    weights = _check_weights(sample_weight, t.shape[0])
    if weights is not None and not weights.any():
        raise ValueError("sample_weight must contain at least one non-zero number.")
    models = []
    for name, value in predictions:
        p = _as_target(name, value)
        check_consistent_length(**{"y_true": t, name: p})
        if p.shape[1] != t.shape[1]:
            raise ValueError(
                f"{name} has {p.shape[1]} outputs but y_true has {t.shape[1]}; they must match"
            )
        p = np.ascontiguousarray(p, dtype=np.float64)
        check_finite(name, p)
        # The original arrays: the value is then the export's to the last bit.
        m = _renamed(name, regression_metrics, y_true, value, sample_weight=sample_weight)
        values = {
            "mean-error": m.mean_error,
            "max-error": m.max_error,
            "mean-absolute-error": m.mean_absolute_error,
            "mean-squared-error": m.mean_squared_error,
            "r2-score": m.r2_score,
            "explained-variance-score": m.explained_variance_score,
        }
        models.append(
            _Model(
                n_items=t.shape[0],
                values={k: float(values[k]) for k in REGRESSION_METRICS},
                classes=[],
                class_values={},
                replicate=_regression_replicate(t, p, weights),
            )
        )
    return models


def regression_bootstrap(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    n: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, Any]:
    """Bootstrap confidence intervals of the regression metrics.

    The samples are resampled with replacement `n` times; each resample's metrics come
    from weighted sums, one float64 matrix product per block of resamples.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Ground-truth targets.
    y_pred : array-like of the same shape
        Predicted targets.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights, not all zero; a resampled sample keeps its weight.
    n : int, default=1000
        Number of resamples (at most 1,000,000).
    seed : int, default=0
        Seed of the ``numpy.random.Generator`` drawing the resamples.
    level : float, default=0.95
        Coverage of the percentile intervals, in (0, 1).

    Returns
    -------
    dict
        ``{metric: {"value", "low", "high", "level"}}`` for ``mean-error``,
        ``max-error``, ``mean-absolute-error``, ``mean-squared-error``, ``r2-score``
        and ``explained-variance-score`` (the report's export; for several outputs
        the mean over outputs, ``max-error`` the largest over all). ``value`` is the
        full-data value (``==``
        :func:`~modelmetrics.regression.regression_metrics`).

    Raises
    ------
    ValueError
        If `n` < 1, `level` is outside (0, 1), the inputs are empty, differ in shape,
        hold NaN or infinity, or the weights are invalid (each naming the argument).
    TypeError
        For inputs of the wrong kind.

    See Also
    --------
    regression_compare : Paired bootstrap of two models' differences.

    Notes
    -----
    The errors are better lower, the scores higher, ``mean-error`` (the bias) closer
    to zero: see :func:`metric_direction`. Resampled metrics equal the library's (and
    scikit-learn's) on the explicitly resampled data to float rounding; a target
    constant on a resample has variance exactly 0 (``force_finite`` then gives 1 or 0).

    Examples
    --------
    >>> from modelmetrics.analysis import regression_bootstrap
    >>> y_true = [3.0, -0.5, 2.0, 7.0, 4.2, 1.1]
    >>> y_pred = [2.5, 0.0, 2.0, 8.0, 4.0, 1.0]
    >>> ci = regression_bootstrap(y_true, y_pred, n=200, seed=0)
    >>> round(ci["mean-absolute-error"]["value"], 4)
    0.3833
    >>> ci["r2-score"]["low"] <= ci["r2-score"]["high"]
    True
    """
    n, seed, level = _check_resampling(n, seed, level)
    (model,) = _regression_models(y_true, [("y_pred", y_pred)], sample_weight)
    (reps,) = _replicates([model], n, seed, 1)
    return _bootstrap_result(model, reps, level)


def regression_compare(
    y_true: ArrayLike,
    y_pred_a: ArrayLike,
    y_pred_b: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    n: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, Any]:
    """Compare two regressors on the same samples: a paired bootstrap of every metric's
    difference (B minus A).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Ground-truth targets.
    y_pred_a, y_pred_b : array-like of the same shape
        The two models' predictions.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights, not all zero.
    n : int, default=1000
        Number of resamples (at most 1,000,000).
    seed : int, default=0
        Seed of the resampling (the same draws for both models).
    level : float, default=0.95
        Coverage of the percentile interval of the difference, in (0, 1).

    Returns
    -------
    dict
        ``{metric: {"delta", "low", "high", "p_better"}}`` for the metrics of
        :func:`regression_bootstrap`. ``delta`` is B minus A on the full data;
        ``p_better`` the share of resamples where B is strictly *better*: lower for the
        errors, higher for ``r2-score`` and ``explained-variance-score``, closer to
        zero (``|B| < |A|``) for ``mean-error``. A model against itself gives 0, 0, 0
        and 0.

    Raises
    ------
    ValueError
        As :func:`regression_bootstrap`, naming `y_pred_a` or `y_pred_b`.
    TypeError
        For inputs of the wrong kind.

    Examples
    --------
    >>> from modelmetrics.analysis import regression_compare
    >>> y_true = [3.0, -0.5, 2.0, 7.0, 4.2, 1.1, 0.3, 5.5]
    >>> rough = [2.0, 0.5, 3.0, 6.0, 5.2, 0.1, 1.3, 4.5]
    >>> close = [2.9, -0.4, 2.1, 7.1, 4.1, 1.0, 0.4, 5.4]
    >>> out = regression_compare(y_true, rough, close, n=200, seed=0)
    >>> out["mean-absolute-error"]["delta"] < 0, out["mean-absolute-error"]["p_better"]
    (True, 1.0)
    """
    n, seed, level = _check_resampling(n, seed, level)
    a, b = _regression_models(
        y_true, [("y_pred_a", y_pred_a), ("y_pred_b", y_pred_b)], sample_weight
    )
    ra, rb = _replicates([a, b], n, seed, 1)
    return _compare_result(a, b, ra, rb, level)


# -- semantic segmentation --------------------------------------------------------------------

SEGMENTATION_METRICS = (
    "mean-iou",
    "frequency-weighted-iou",
    "pixel-accuracy",
    "mean-class-accuracy",
    "mean-dice",
    "mean-precision",
)
SEGMENTATION_CLASS_METRICS = ("iou", "dice", "precision", "recall")
_ABSENT = ("skip", "zero", "one")
_MAX_CLASSES = 1 << 16


def _label_maps(name: str, value: Any) -> tuple[list[NDArray[Any]], list[str]]:
    """`value` as arrays (one map or a batch of maps each) and their names."""
    if isinstance(value, list | tuple):
        if not value:
            raise ValueError(f"{name} holds no label maps")
        items = [as_array(f"{name}[{i}]", item) for i, item in enumerate(value)]
        if all(item.ndim >= 2 for item in items):
            return items, [f"{name}[{i}]" for i in range(len(items))]
    array = as_array(name, value)
    if array.ndim < 2:
        raise ValueError(f"{name} must be label maps of 2 or more axes, got shape {array.shape}")
    return [array], [name]


def _pairs(
    y_true: Any, y_pred: Any, pred_name: str
) -> list[tuple[NDArray[Any], str, NDArray[Any], str]]:
    """(target, name, prediction, name) per map or batch, pairing a batch array with a
    list of maps as the report's segmentation adapter does."""
    targets, t_names = _label_maps("y_true", y_true)
    preds, p_names = _label_maps(pred_name, y_pred)
    if len(preds) == 1 < len(targets) and preds[0].shape[:1] == (len(targets),):
        preds, p_names = list(preds[0]), [f"{pred_name}[{i}]" for i in range(len(targets))]
    elif len(targets) == 1 < len(preds) and targets[0].shape[:1] == (len(preds),):
        targets, t_names = list(targets[0]), [f"y_true[{i}]" for i in range(len(preds))]
    if len(targets) != len(preds):
        raise ValueError(f"{pred_name} has {len(preds)} label maps but y_true has {len(targets)}")
    return list(zip(targets, t_names, preds, p_names, strict=True))


def _segmentation_counts(
    y_true: Any, y_pred: Any, pred_name: str, num_classes: int, ignore_index: int | None
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The summed extended histogram and per-image (tp, predicted, target) counts."""
    from modelmetrics._semantic.counts import count, prepare

    c = num_classes
    ext = np.zeros((c + 2, c + 1), dtype=np.int64)
    stats = []
    for target, t_name, pred, p_name in _pairs(y_true, y_pred, pred_name):
        try:
            counts = count(prepare(pred, target, c), c, ignore_index, per_image=True)
        except ValueError as error:
            # The library names its arguments prediction and target.
            text = re.sub(r"\bprediction\b", p_name, str(error))
            raise ValueError(re.sub(r"\btarget\b", t_name, text)) from None
        assert counts.image_stats is not None
        ext += counts.ext
        stats.append(counts.image_stats)
    per_image = np.concatenate(stats)
    if per_image.shape[0] == 0:
        raise ValueError("y_true holds no images: at least one is required")
    return ext, per_image


def _segmentation_scores(
    tp: NDArray[Any],
    predicted: NDArray[Any],
    support: NDArray[Any],
    taking_part: NDArray[np.bool_],
    absent: str,
) -> _Replicates:
    """The exported metrics from per-class pixel counts of shape (B, C), vectorised
    over resamples; the arithmetic of ``SegmentationMetrics``."""
    iou = _divide(tp, support + predicted - tp, math.nan)
    dice = _divide(2 * tp, support + predicted, math.nan)
    precision = _divide(tp, predicted, math.nan)
    recall = _divide(tp, support, math.nan)

    def mean(values: _Float64, rule: str) -> _Float64:
        kept = values[:, taking_part]
        missing = np.isnan(kept)
        if rule == "one":
            if kept.shape[1] == 0:
                return np.full(len(values), math.nan)
            ones: _Float64 = np.where(missing, 1.0, kept).mean(axis=1)
            return ones
        count = np.full(len(values), kept.shape[1]) if rule == "zero" else (~missing).sum(axis=1)
        total = np.where(missing, 0.0, kept).sum(axis=1)
        return _divide(total, count.astype(np.float64), math.nan)

    n_pixels = support.sum(axis=1).astype(np.float64)
    weighted = np.where(support > 0, support * iou, 0.0).sum(axis=1)
    return {
        "mean-iou": mean(iou, absent),
        "frequency-weighted-iou": _divide(weighted, n_pixels, math.nan),
        "pixel-accuracy": _divide(tp.sum(axis=1).astype(np.float64), n_pixels, math.nan),
        "mean-class-accuracy": mean(recall, "skip"),
        "mean-dice": mean(dice, absent),
        "mean-precision": mean(precision, "skip"),
        "per-class/iou": iou,
        "per-class/dice": dice,
        "per-class/precision": precision,
        "per-class/recall": recall,
    }


def _segmentation_models(
    y_true: Any,
    predictions: Sequence[tuple[str, Any]],
    num_classes: int,
    ignore_index: int | None,
    absent: str,
) -> list[_Model]:
    c = check_int("num_classes", num_classes, low=1, high=_MAX_CLASSES)
    ignore = check_int("ignore_index", ignore_index, low=-(2**63), high=2**63 - 1, allow_none=True)
    absent = check_option("absent", absent, _ABSENT)
    models = []
    n_images = None
    for name, value in predictions:
        ext, per_image = _segmentation_counts(y_true, value, name, c, ignore)
        if n_images is not None and per_image.shape[0] != n_images:
            raise ValueError(f"{name} has {per_image.shape[0]} images, the first model {n_images}")
        n_images = per_image.shape[0]
        models.append(
            segmentation_model(
                ext[:c, :c].copy(),
                per_image,
                int(ext[c].sum()),
                ignore_index=ignore,
                absent=absent,
                classes=list(range(c)),
            )
        )
    return models


def segmentation_model(
    confusion: NDArray[np.int64],
    per_image: NDArray[np.int64],
    n_ignored: int,
    *,
    ignore_index: int | None,
    absent: str,
    classes: list[Any],
) -> _Model:
    """A semantic-segmentation model to resample, from its counts: the full-data
    `confusion` matrix (C, C), each image's (true, predicted, intersection) pixel counts
    per class `per_image` (n_images, 3, C) and the pixels left out by `ignore_index`:
    what :func:`segmentation_bootstrap` builds from label maps, and what a report's
    per-image state holds (checked by its reader)."""
    from modelmetrics._semantic.metrics import _metrics

    c = confusion.shape[0]
    # An in-range ignore_index has no target pixels: left out of every mean (the library).
    taking_part = np.ones(c, dtype=bool)
    if ignore_index is not None and 0 <= ignore_index < c:
        taking_part[ignore_index] = False
    m = _metrics(
        confusion, n_ignored, None, ignore_index=ignore_index, absent=absent, class_names=None
    )
    values = {
        "mean-iou": m.mean_iou,
        "frequency-weighted-iou": m.frequency_weighted_iou,
        "pixel-accuracy": m.pixel_accuracy,
        "mean-class-accuracy": m.mean_class_accuracy,
        "mean-dice": m.mean_dice,
        "mean-precision": m.mean_precision,
    }
    return _Model(
        n_items=len(per_image),
        values={k: float(values[k]) for k in SEGMENTATION_METRICS},
        classes=classes,
        class_values={"iou": m.iou, "dice": m.dice, "precision": m.precision, "recall": m.recall},
        replicate=_segmentation_replicate(per_image, taking_part, absent),
    )


def compare_models(a: _Model, b: _Model, n: int, seed: int, level: float) -> dict[str, Any]:
    """The paired comparison (B minus A) of two semantic-segmentation models built on the
    same images."""
    ra, rb = _replicates([a, b], n, seed, 3 * len(a.classes))
    return _compare_result(a, b, ra, rb, level)


def _segmentation_replicate(
    per_image: NDArray[np.int64], taking_part: NDArray[np.bool_], absent: str
) -> Callable[[_Weights], _Replicates]:
    n_images, _, c = per_image.shape
    flat = np.ascontiguousarray(per_image.reshape(n_images, 3 * c))
    # A resample's count is at most n_images times the largest image count: below 2**53
    # the float64 product (BLAS) is exact, above it the int64 product is used.
    exact_float = n_images * max(int(flat.max(initial=0)), 1) < 2**53
    columns = flat.astype(np.float64) if exact_float else flat

    def replicate(weights: _Weights) -> _Replicates:
        dtype = np.float64 if exact_float else np.int64
        product: NDArray[Any] = weights.astype(dtype) @ columns
        sums = product.astype(np.int64).reshape(len(weights), 3, c)
        return _segmentation_scores(sums[:, 0], sums[:, 1], sums[:, 2], taking_part, absent)

    return replicate


def segmentation_bootstrap(
    y_true: Any,
    y_pred: Any,
    *,
    num_classes: int,
    ignore_index: int | None = None,
    absent: Literal["skip", "zero", "one"] = "skip",
    n: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, Any]:
    """Bootstrap confidence intervals of the semantic segmentation metrics, resampling
    images.

    Each image's per-class pixel counts (true positives, predicted, target) are
    counted once; a resample's counts are their sums weighted by the images'
    multiplicities (a matrix product per block of resamples).

    Parameters
    ----------
    y_true : array-like or sequence of array-like
        Ground-truth label maps: ``(N, H, W)`` (a batch along axis 0), one ``(H, W)``
        map, or a sequence of maps (sizes may differ).
    y_pred : array-like or sequence of array-like
        Predicted label maps of the same form, or float class scores with a class
        axis (``(N, C, H, W)``, ``(C, H, W)`` per map) whose arg max is the prediction.
    num_classes : int
        Number of classes.
    ignore_index : int or None, default=None
        Target label whose pixels are skipped (commonly 255).
    absent : {"skip", "zero", "one"}, default="skip"
        How classes absent from both prediction and target enter the mean IoU and
        Dice (see :class:`~modelmetrics.segmentation.SegmentationAccumulator`).
    n : int, default=1000
        Number of resamples (at most 1,000,000).
    seed : int, default=0
        Seed of the ``numpy.random.Generator`` drawing the resamples.
    level : float, default=0.95
        Coverage of the percentile intervals, in (0, 1).

    Returns
    -------
    dict
        ``{metric: {"value", "low", "high", "level"}}`` for ``mean-iou``,
        ``frequency-weighted-iou``, ``pixel-accuracy``, ``mean-class-accuracy``,
        ``mean-dice`` and ``mean-precision`` (the export's names), and
        ``"per-class"``: ``{class_index: {"iou", "dice", "precision", "recall"}}``.
        ``value`` is the full-data value (``==``
        :func:`~modelmetrics.segmentation.segmentation_metrics`); NaN where undefined.

    Raises
    ------
    ValueError
        If `n` < 1, `level` is outside (0, 1), there is no image, the maps' shapes or
        counts differ, scores hold NaN, or labels are outside ``[0, num_classes)``
        (each naming the argument, and the map for sequences).
    TypeError
        For inputs of the wrong kind.

    See Also
    --------
    segmentation_compare : Paired bootstrap of two models' differences.

    Notes
    -----
    A resample is the set of images in which image ``i`` appears ``w[i]`` times; its
    metrics follow the library's rules (NaN for a class without pixels, `absent` for
    the means). A metric undefined on a resample is left out of its interval.

    Examples
    --------
    >>> import numpy as np
    >>> from modelmetrics.analysis import segmentation_bootstrap
    >>> rng = np.random.default_rng(0)
    >>> target = rng.integers(0, 3, size=(8, 4, 4))
    >>> pred = np.where(rng.random((8, 4, 4)) < 0.8, target, 0)
    >>> ci = segmentation_bootstrap(target, pred, num_classes=3, n=200, seed=0)
    >>> ci["mean-iou"]["low"] <= ci["mean-iou"]["value"] <= ci["mean-iou"]["high"]
    True
    >>> sorted(ci["per-class"][1])
    ['dice', 'iou', 'precision', 'recall']
    """
    n, seed, level = _check_resampling(n, seed, level)
    (model,) = _segmentation_models(y_true, [("y_pred", y_pred)], num_classes, ignore_index, absent)
    (reps,) = _replicates([model], n, seed, 3 * len(model.classes))
    return _bootstrap_result(model, reps, level)


def segmentation_compare(
    y_true: Any,
    y_pred_a: Any,
    y_pred_b: Any,
    *,
    num_classes: int,
    ignore_index: int | None = None,
    absent: Literal["skip", "zero", "one"] = "skip",
    n: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, Any]:
    """Compare two segmentation models on the same images: a paired bootstrap of every
    metric's difference (B minus A).

    Parameters
    ----------
    y_true : array-like or sequence of array-like
        Ground-truth label maps, as in :func:`segmentation_bootstrap`.
    y_pred_a, y_pred_b : array-like or sequence of array-like
        The two models' label maps or class scores.
    num_classes : int
        Number of classes.
    ignore_index : int or None, default=None
        Target label whose pixels are skipped.
    absent : {"skip", "zero", "one"}, default="skip"
        How classes absent from both prediction and target enter the means.
    n : int, default=1000
        Number of resamples (at most 1,000,000).
    seed : int, default=0
        Seed of the resampling (the same images drawn for both models).
    level : float, default=0.95
        Coverage of the percentile interval of the difference, in (0, 1).

    Returns
    -------
    dict
        ``{metric: {"delta", "low", "high", "p_better"}}`` for the metrics of
        :func:`segmentation_bootstrap`, and ``"per-class"``. ``p_better`` is the share of
        resamples where B is strictly higher, among those where both are defined. A
        model against itself gives 0, 0, 0 and 0.

    Raises
    ------
    ValueError
        As :func:`segmentation_bootstrap`, naming `y_pred_a` or `y_pred_b`.
    TypeError
        For inputs of the wrong kind.

    Examples
    --------
    >>> import numpy as np
    >>> from modelmetrics.analysis import segmentation_compare
    >>> rng = np.random.default_rng(0)
    >>> target = rng.integers(0, 3, size=(8, 4, 4))
    >>> noisy = np.where(rng.random((8, 4, 4)) < 0.6, target, 0)
    >>> out = segmentation_compare(target, noisy, target, num_classes=3, n=200, seed=0)
    >>> out["pixel-accuracy"]["delta"] > 0, out["pixel-accuracy"]["p_better"]
    (True, 1.0)
    """
    n, seed, level = _check_resampling(n, seed, level)
    a, b = _segmentation_models(
        y_true, [("y_pred_a", y_pred_a), ("y_pred_b", y_pred_b)], num_classes, ignore_index, absent
    )
    return compare_models(a, b, n, seed, level)
