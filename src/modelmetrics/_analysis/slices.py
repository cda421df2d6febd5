"""COCO metrics on named slices of one evaluation: subsets of images, or objects by size.

An image slice (image ids, a test on the image record, an image attribute) keeps the
per-image matching of the one evaluation and accumulates only its images: the slots of
the other images are skipped and the ground-truth counts taken over the slice's images,
in the accumulation kernel. Per-image matching does not depend on the other images, so
this is exactly pycocotools' ``COCOeval`` with ``params.imgIds`` set to the slice's
images (its detections keep their order among equal scores: image id, then place).

An object-size slice keeps the images and selects objects by their area relative to
their image, ``area / (width * height)``, in a range ``[lo, hi)``. That is COCO's
area-range mechanism (ground truths outside the range are ignored, and so are the
detections outside it that match nothing) on per-object relative areas: all size
slices are the area ranges of one more matching pass with the relative areas. That
pass reuses the first one's annotation columns and converted masks, but computes the
IoUs again (the matching kernel keeps no IoUs to share between area values); COCO data
with size slices only are matched once, in that pass.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections import Counter
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelmetrics._analysis.bootstrap import coco_of, detections_of, mean_defined
from modelmetrics._coco.api import COCO, annotation_columns, annotation_masks, image_records
from modelmetrics._coco.eval import COCOeval, evaluation_of, settings_from_params
from modelmetrics._core.checks import check_option
from modelmetrics._core.gc import gc_paused
from modelmetrics._detection.accumulate import (
    CategorySlots,
    Curves,
    accumulate,
    accumulate_categories,
    empty_curves,
)
from modelmetrics._detection.columns import AnnotationColumns
from modelmetrics._detection.evaluate import Evaluation, MaskPair, evaluate
from modelmetrics._detection.settings import EvaluationSettings

__all__ = ["slice_metrics"]

_MISSING = object()


@dataclass(frozen=True)
class _Spec:
    """One checked entry of ``slices``: ``kind`` is "ids", "test", "attribute",
    "attribute values" (one slice per value) or "size"."""

    name: str
    kind: str
    value: Any
    attribute_value: Any = None


@dataclass(frozen=True)
class _Slice:
    name: str
    images: NDArray[np.bool_] | None  # per evaluated image; None for a size slice
    area: tuple[float, float] | None = None  # [lo, hi) of the relative area


# -- slice specs --------------------------------------------------------------------------


def _size_range(name: str, value: Any) -> tuple[float, float]:
    bad = ValueError(
        f"slice {name!r}: 'relative_area' must be a pair (lo, hi) of numbers with "
        f"0 <= lo < hi <= 1, got {value!r}"
    )
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence | np.ndarray):
        raise bad
    if len(value) != 2 or not all(
        isinstance(v, numbers.Real) and not isinstance(v, bool | np.bool_) for v in value
    ):
        raise bad
    lo, hi = float(value[0]), float(value[1])
    if not 0.0 <= lo < hi <= 1.0:  # NaN fails too
        raise bad
    return lo, hi


def _spec(name: Any, spec: Any) -> _Spec:
    if not isinstance(name, str):
        raise TypeError(f"slice names must be strings, got {name!r}")
    if isinstance(spec, Mapping):
        keys = set(spec)
        if keys == {"relative_area"}:
            return _Spec(name, "size", _size_range(name, spec["relative_area"]))
        if keys in ({"attribute"}, {"attribute", "value"}):
            attribute = spec["attribute"]
            if not isinstance(attribute, str) and not callable(attribute):
                raise TypeError(
                    f"slice {name!r}: 'attribute' must be an image field name or a "
                    f"callable, got {type(attribute).__name__}"
                )
            if "value" in keys:
                return _Spec(name, "attribute", attribute, spec["value"])
            return _Spec(name, "attribute values", attribute)
        raise TypeError(
            f"slice {name!r}: a mapping spec is {{'attribute': ..., 'value': ...}}, "
            f"{{'attribute': ...}} or {{'relative_area': (lo, hi)}}, "
            f"got keys {sorted(map(str, keys))}"
        )
    if callable(spec):
        return _Spec(name, "test", spec)
    is_ids = isinstance(spec, Collection) and not isinstance(spec, str | bytes)
    if is_ids and (not isinstance(spec, np.ndarray) or spec.ndim == 1):
        return _Spec(name, "ids", spec)
    raise TypeError(
        f"slice {name!r}: expected image ids, a callable on the image record or a mapping "
        f"('attribute' / 'relative_area'), got {type(spec).__name__}"
    )


def _specs(slices: Any) -> list[_Spec]:
    if not isinstance(slices, Mapping):
        raise TypeError(
            f"slices must be a mapping of slice names to specs, got {type(slices).__name__}"
        )
    if not slices:
        raise ValueError("slices must name at least one slice")
    return [_spec(name, spec) for name, spec in slices.items()]


def _attribute_of(record: dict[str, Any], attribute: Any) -> Any:
    if isinstance(attribute, str):
        return record.get(attribute, _MISSING)
    return attribute(record)


def _sorted_values(values: list[Any]) -> list[Any]:
    try:
        return sorted(values)
    except TypeError:  # values of mixed kinds: in order of first appearance
        return values


def _resolve(
    specs: Sequence[_Spec], image_ids: Sequence[Any], imgs: Callable[[], Mapping[Any, Any]]
) -> list[_Slice]:
    """Each spec's images (as a mask over `image_ids`), attribute specs expanded; the
    image records (`imgs()`) are read only for specs that test them."""
    n = len(image_ids)
    records: list[dict[str, Any]] | None = None

    def image_records() -> list[dict[str, Any]]:
        nonlocal records
        if records is None:
            by_id = imgs()
            records = [by_id.get(i) or {"id": i} for i in image_ids]
        return records

    position = {i: k for k, i in enumerate(image_ids)}
    out: list[_Slice] = []
    for spec in specs:
        if spec.kind == "size":
            out.append(_Slice(spec.name, None, spec.value))
            continue
        if spec.kind == "attribute values":
            keys = [_attribute_of(r, spec.value) for r in image_records()]
            by_value: dict[Any, list[int]] = {}
            for k, key in enumerate(keys):
                if key is _MISSING or key is None:
                    continue
                if not isinstance(key, Hashable):
                    raise TypeError(
                        f"slice {spec.name!r}: attribute values must be hashable, got "
                        f"{type(key).__name__}"
                    )
                by_value.setdefault(key, []).append(k)
            if not by_value:
                raise ValueError(f"slice {spec.name!r}: no image has the attribute")
            for value in _sorted_values(list(by_value)):
                mask = np.zeros(n, bool)
                mask[by_value[value]] = True
                out.append(_Slice(f"{spec.name}={value}", mask))
            continue
        if spec.kind == "ids":
            mask = np.zeros(n, bool)
            unknown: list[Any] = []
            for i in spec.value:
                at = position.get(i) if isinstance(i, Hashable) else None
                if at is None:
                    unknown.append(i)
                else:
                    mask[at] = True
            if unknown:
                raise ValueError(
                    f"slice {spec.name!r}: image ids not among the evaluated images: "
                    f"{unknown[:5]!r}"
                )
        elif spec.kind == "test":
            mask = np.fromiter((bool(spec.value(r)) for r in image_records()), bool, n)
        else:  # "attribute" with a value
            mask = np.fromiter(
                (_attribute_of(r, spec.value) == spec.attribute_value for r in image_records()),
                bool,
                n,
            )
        if not mask.any():
            raise ValueError(f"slice {spec.name!r} holds no image")
        out.append(_Slice(spec.name, mask))
    twice = sorted(name for name, n in Counter(s.name for s in out).items() if n > 1)
    if twice:
        raise ValueError(f"slice names must be distinct, got {twice!r} more than once")
    return out


# -- inputs -------------------------------------------------------------------------------


def _evaluated(cocoGt: Any, cocoDt: Any, iou_type: str, *, match: bool) -> COCOeval:
    """The ``COCOeval`` of the inputs: a given one evaluated if it was not; one made
    here evaluated only when `match` (image slices need the matching)."""
    check_option("iou_type", iou_type, ("bbox", "segm"))
    if isinstance(cocoGt, COCOeval):
        if cocoDt is not None:
            raise TypeError("cocoDt must be left out when cocoGt is a COCOeval")
        check_option("cocoGt.params.iouType", cocoGt.params.iouType, ("bbox", "segm"))
        if cocoGt._evaluation is None:
            cocoGt.evaluate()
        return cocoGt
    if cocoDt is None:
        raise TypeError("cocoDt is required (detections) unless cocoGt is a COCOeval")
    gt = coco_of(cocoGt, "cocoGt")
    ev = COCOeval(gt, detections_of(gt, cocoDt, "cocoDt"), iou_type)
    if match:
        ev.evaluate()
    return ev


# -- accumulation -------------------------------------------------------------------------


def _by_category(values: NDArray[np.int64], bounds: NDArray[np.int64]) -> NDArray[np.int64]:
    """Sums of `values` (one row per group) over each category's groups."""
    total = np.zeros((len(values) + 1, *values.shape[1:]), np.int64)
    np.cumsum(values, axis=0, out=total[1:])
    sums: NDArray[np.int64] = total[bounds[1:]] - total[bounds[:-1]]
    return sums


class _ImageSlices:
    """Accumulates one evaluation over subsets of its images.

    For each subset, the same as :func:`~modelmetrics._detection.accumulate.accumulate`
    of the evaluation restricted to those images: the other images' slots are skipped
    and the ground-truth counts summed over the subset's groups only. One output buffer
    serves every subset.

    With `presort`, the slots are handed to the kernel sorted by score once (stably, in
    the order the kernel's own stable sort gives them): a subset of that sequence is
    then in the order the kernel's sort would give the subset, which the sort finds in
    linear time. That pays when the subsets hold more slots than the evaluation.
    """

    def __init__(self, ev: Evaluation, presort: bool) -> None:
        st = ev.settings
        self.ev = ev
        self.group_image = ev.group_images()
        # Groups are category-major: each category's groups are a run.
        self.bounds = np.searchsorted(ev.group_categories(), np.arange(ev.n_categories + 1))
        self.group_npig = ev.group_npig.astype(np.int64)
        self.group_nonempty = ev.group_nonempty.astype(bool)
        self.slot_start = ev.category_slot_start()
        score, rank, code, image = ev.slot_score, ev.slot_rank, ev.slot_code, ev.slot_image
        if presort and np.all(np.isfinite(score)):  # NaN has no place in a sorted order
            n_slots = np.diff(self.slot_start)
            category = np.repeat(np.arange(ev.n_categories, dtype=np.int64), n_slots)
            order = np.lexsort((-score, category))
            score, rank, code, image = score[order], rank[order], code[order], image[order]
        self.slots = (score, rank, code, image)
        T, R = len(st.iou_thresholds), len(st.recall_thresholds)
        A, M = len(st.area_ranges), len(st.max_detections)
        self.curves = empty_curves(T, R, ev.n_categories, A, M)

    def __call__(self, images: NDArray[np.bool_]) -> tuple[Curves, NDArray[np.int64]]:
        """The curves over `images` (valid until the next call) and the non-ignored
        ground truths per (category, area range) of those images."""
        ev, st = self.ev, self.ev.settings
        for array in self.curves:
            array.fill(-1.0)
        in_slice = images[self.group_image]
        npig = _by_category(self.group_npig * in_slice[:, None], self.bounds)
        has_records = _by_category((self.group_nonempty & in_slice).astype(np.int64), self.bounds)
        start = self.slot_start
        categories = [
            CategorySlots(k, int(start[k]), int(start[k + 1]), np.ascontiguousarray(npig[k]))
            for k in range(ev.n_categories)
            if has_records[k]
        ]
        score, rank, code, image = self.slots
        accumulate_categories(
            self.curves,
            categories,
            st.recall_thresholds,
            np.arange(len(st.area_ranges), dtype=np.int64),
            np.asarray(st.max_detections, np.int64),
            (score, rank, code, images.astype(np.uint8)[image]),
        )
        return self.curves, npig


def _row_images(column: NDArray[Any], image_ids: Sequence[Any]) -> NDArray[np.int64]:
    """Each row's position among `image_ids` (sorted, distinct), -1 for another image."""
    ids = np.asarray(image_ids)
    if column.dtype == np.int64 and ids.dtype.kind in "iu" and len(ids):
        at = np.minimum(np.searchsorted(ids, column), len(ids) - 1)
        return np.where(ids[at] == column, at, -1).astype(np.int64)
    position = {i: k for k, i in enumerate(image_ids)}
    return np.fromiter((position.get(i, -1) for i in column.tolist()), np.int64, len(column))


def _side(value: Any) -> float | None:
    """An image side as a float, or None unless it is a positive finite number."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool | np.bool_):
        return None
    side = float(value)
    return side if 0.0 < side < math.inf else None


def _image_areas(gt: COCO, image_ids: Sequence[Any], name: str) -> NDArray[np.float64]:
    """``width * height`` of every evaluated image."""
    areas = np.empty(len(image_ids), np.float64)
    imgs = image_records(gt)
    for k, i in enumerate(image_ids):
        record = imgs.get(i) or {}
        w, h = _side(record.get("width")), _side(record.get("height"))
        if w is None or h is None:
            raise ValueError(
                f"slice {name!r}: image {_plain(i)!r} needs a positive 'width' and 'height' for "
                f"relative sizes, got {record.get('width')!r} and {record.get('height')!r}"
            )
        areas[k] = w * h
    return areas


def _relative(
    cols: AnnotationColumns, image_ids: Sequence[Any], image_area: NDArray[np.float64]
) -> AnnotationColumns:
    at = _row_images(cols.image_id, image_ids)
    relative = np.zeros(len(cols), np.float64)  # rows of other images are not evaluated
    inside = at >= 0
    relative[inside] = cols.area[inside] / image_area[at[inside]]
    return dataclasses.replace(cols, area=relative)


def _size_evaluation(ev: COCOeval, st: EvaluationSettings, sizes: Sequence[_Slice]) -> Evaluation:
    """One matching pass with relative areas, one area range per size slice (the masks
    of `ev`'s evaluation, when it has them)."""
    assert ev.cocoGt is not None
    assert ev.cocoDt is not None
    image_area = _image_areas(ev.cocoGt, st.image_ids, sizes[0].name)
    ranges = []
    for s in sizes:
        assert s.area is not None
        lo, hi = s.area
        # [lo, hi) as COCO's closed range: up to the largest double below hi; hi = 1
        # has no upper bound (objects covering the image, boxes reaching outside it).
        ranges.append([lo, math.inf if hi == 1.0 else float(np.nextafter(hi, -math.inf))])
    settings = dataclasses.replace(st, area_ranges=ranges, area_labels=[s.name for s in sizes])
    boxes = ev.params.iouType != "segm"
    gt = _relative(annotation_columns(ev.cocoGt, boxes=boxes), st.image_ids, image_area)
    dt = _relative(annotation_columns(ev.cocoDt, boxes=boxes), st.image_ids, image_area)
    with gc_paused():
        masks = ev._masks
        if masks is None and ev.params.iouType == "segm":
            # As COCOeval.evaluate: the ground truth first (polygons need scratch memory).
            gt_masks = annotation_masks(ev.cocoGt, "ground-truth")
            masks = MaskPair(annotation_masks(ev.cocoDt, "detection"), gt_masks)
        return evaluate(gt, dt, settings, masks)


# -- metrics ------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _summary(curves: Curves, st: EvaluationSettings, area: int, by_size: bool) -> dict[str, Any]:
    """The export's headline metrics and per-class AP of `curves` at area index `area`
    (as pycocotools' ``summarize`` reads them); the other area ranges' metrics are NaN
    for a size slice."""
    precision, recall = curves.precision, curves.recall
    labels = list(st.area_labels)
    all_area = labels.index("all") if "all" in labels else 0
    m_last = len(st.max_detections) - 1
    thresholds = np.asarray(st.iou_thresholds)

    def iou_at(value: float) -> slice | None:
        found = np.flatnonzero(thresholds == value)
        return slice(int(found[0]), int(found[0]) + 1) if len(found) else None

    def ap(a: int, t: slice | None = None, k: Any = slice(None)) -> float:
        return mean_defined(precision[slice(None) if t is None else t, :, k, a, m_last])

    t50, t75 = iou_at(0.5), iou_at(0.75)
    out: dict[str, Any] = {"map": ap(area)}
    if t50 is not None:
        out["map50"] = ap(area, t50)
    if t75 is not None:
        out["map75"] = ap(area, t75)
    others = [(a, label) for a, label in enumerate(labels) if a != all_area]
    for a, label in others:
        out[f"map-{label}"] = math.nan if by_size else ap(a)
    for m, max_det in enumerate(st.max_detections):
        out[f"mar-{max_det}"] = mean_defined(recall[:, :, area, m])
    for a, label in others:
        out[f"mar-{label}"] = math.nan if by_size else mean_defined(recall[:, :, a, m_last])
    per_class: dict[Any, dict[str, float]] = {}
    for k, cat in enumerate(st.accumulated_category_ids):
        entry = {"ap": ap(area, None, k)}
        if t50 is not None:
            entry["ap50"] = ap(area, t50, k)
        per_class[_plain(cat)] = entry
    out["per-class"] = per_class
    return out


# -- public function ----------------------------------------------------------------------


def slice_metrics(
    cocoGt: Any,
    cocoDt: Any = None,
    iou_type: str = "bbox",
    *,
    slices: Mapping[str, Any],
) -> dict[str, dict[str, Any]]:
    """COCO's headline metrics and per-class AP on named slices of the data.

    The data are evaluated once (or a given ``COCOeval`` is used); an image slice is
    accumulated from that evaluation over its images only, with no matching again. An
    object-size slice selects objects by their area relative to their image; all size
    slices together take one more matching pass.

    Parameters
    ----------
    cocoGt : COCO, str, path, dict or COCOeval
        Ground truth (a ``COCO`` object, ours or pycocotools', or a COCO JSON path or
        dict), or a ``COCOeval`` with both sides (evaluated here if it was not; its
        parameters are used). Leave `cocoDt` out for a ``COCOeval``.
    cocoDt : COCO, str, path or list of dict, default=None
        Detections: ``cocoGt.loadRes(...)`` or a results path or list.
    iou_type : {"bbox", "segm"}, default="bbox"
        Box or mask IoU (for COCO data; a ``COCOeval`` keeps its own).
    slices : mapping of str to slice spec
        The slices by name. A spec is one of:

        - a collection of image ids (list, set, range, 1-D array, ...);
        - a callable taking an image record (the ground truth's ``imgs[id]``) and
          returning whether the image belongs to the slice;
        - ``{"attribute": key, "value": v}``: the images whose record has ``key``
          equal to ``v``; `key` is a field name or a callable on the record;
        - ``{"attribute": key}``: one slice per distinct value ``v`` of the attribute
          (sorted when the values compare), named ``"<name>=<v>"``; images without
          it (or with None) are in none of them;
        - ``{"relative_area": (lo, hi)}``: every image, and of its objects (ground
          truths and detections) those with ``lo <= area / (width * height) < hi``,
          ``0 <= lo < hi <= 1``; ``hi = 1`` has no upper bound (objects covering the
          whole image, and boxes reaching outside it, belong there). Needs every
          image's ``width`` and ``height``.

    Returns
    -------
    dict
        ``{slice name: metrics}`` in the order of `slices` (attribute specs expanded in
        place). Metrics are ``map``, ``map50``, ``map75``, ``map-small``,
        ``map-medium``, ``map-large``, ``mar-1``, ``mar-10``, ``mar-100``,
        ``mar-small``, ``mar-medium``, ``mar-large`` (names follow the evaluation's area
        labels and max-detections settings; AP at the largest), ``"per-class"``:
        ``{category_id: {"ap", "ap50"}}``, ``"n_images"`` (the slice's images; all
        images for a size slice) and ``"n_ground_truths"`` (ground truths that count:
        neither crowd nor ignored, and in a size slice within its range). NaN where a
        metric is undefined (pycocotools' -1), and for the area-range metrics
        (``map-small`` ... ``mar-large``) of a size slice, whose own range replaces
        them.

    Raises
    ------
    ValueError
        If a slice holds no image, names image ids that were not evaluated, has a
        relative-area range outside ``0 <= lo < hi <= 1``, or needs image sizes an
        image lacks (each naming the slice); if two slices share a name, `slices` is
        empty, `iou_type` is unknown or a detection score is not finite.
    TypeError
        If a spec is of no kind above (naming the slice), a slice name is not a
        string, or for inputs of the wrong kind.

    Notes
    -----
    Exact, ``==`` on every number (the 12 stats and per-class AP):

    - an image slice is pycocotools' ``COCOeval`` on the same data with
      ``params.imgIds`` set to the slice's images (ties between equal scores included:
      pycocotools orders them by image id, then place, as the full evaluation does); a
      slice of every image is the full evaluation's ``stats``;
    - a size slice ``[lo, hi)`` is pycocotools' ``COCOeval`` with every annotation's
      ``area`` (ground truths, and detections after ``loadRes``) replaced by
      ``area / (width * height)`` of its image and ``params.areaRng`` holding
      ``[lo, h]``, ``h`` the largest double below ``hi`` (infinity for ``hi = 1``),
      read at that area range. As in COCO's small/medium/large, a detection outside
      the range that matches a ground truth inside it still counts.

    Examples
    --------
    >>> from modelmetrics.analysis import slice_metrics
    >>> from modelmetrics.coco import COCO
    >>> box = {"category_id": 1, "bbox": [0, 0, 10, 10], "area": 100, "iscrowd": 0}
    >>> gt = COCO({"images": [{"id": i, "width": 100, "height": 100,
    ...                        "place": "in" if i < 3 else "out"} for i in range(1, 5)],
    ...            "categories": [{"id": 1}],
    ...            "annotations": [{"id": i, "image_id": i, **box} for i in range(1, 5)]})
    >>> dt = gt.loadRes([{"image_id": i, "category_id": 1, "score": 0.9,
    ...                   "bbox": [0, 0, 10, 10] if i % 2 else [50, 50, 5, 5]}
    ...                  for i in range(1, 5)])
    >>> out = slice_metrics(gt, dt, slices={"odd": [1, 3], "place": {"attribute": "place"},
    ...                                     "tiny": {"relative_area": (0, 0.02)}})
    >>> list(out)
    ['odd', 'place=in', 'place=out', 'tiny']
    >>> out["odd"]["map"], out["odd"]["n_images"], out["tiny"]["n_ground_truths"]
    (1.0, 2, 4)
    """
    specs = _specs(slices)
    ev = _evaluated(cocoGt, cocoDt, iou_type, match=any(s.kind != "size" for s in specs))
    # Without image slices, COCO data are matched once only, with relative areas.
    base = evaluation_of(ev) if ev._evaluation is not None else None
    st = base.settings if base is not None else settings_from_params(ev.params)
    assert ev.cocoGt is not None
    gt = ev.cocoGt
    resolved = _resolve(specs, st.image_ids, lambda: image_records(gt))
    labels = list(st.area_labels)
    all_area = labels.index("all") if "all" in labels else 0
    out: dict[str, dict[str, Any]] = {}
    sizes = [s for s in resolved if s.images is None]
    size_curves: tuple[Curves, NDArray[np.int64]] | None = None
    if sizes:
        size_ev = _size_evaluation(ev, st, sizes)
        size_curves = (accumulate(size_ev, size_ev.settings), size_ev.category_npig())
    image_slices = None
    if base is not None:
        per_image = np.bincount(base.slot_image, minlength=base.n_images)
        in_slices = sum(int(per_image[s.images].sum()) for s in resolved if s.images is not None)
        image_slices = _ImageSlices(base, presort=in_slices > len(base.slot_score))
    n_size = 0
    for s in resolved:
        if s.images is not None:
            assert image_slices is not None
            curves, npig = image_slices(s.images)
            entry = _summary(curves, st, all_area, by_size=False)
            entry["n_images"] = int(s.images.sum())
            entry["n_ground_truths"] = int(npig[:, all_area].sum()) if npig.size else 0
        else:
            assert size_curves is not None
            curves, npig = size_curves
            entry = _summary(curves, st, n_size, by_size=True)
            entry["n_images"] = st.n_images
            entry["n_ground_truths"] = int(npig[:, n_size].sum()) if npig.size else 0
            n_size += 1
        out[s.name] = entry
    return out
