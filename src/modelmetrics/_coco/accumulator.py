"""``COCOevalAccumulator``: COCO evaluation of image shards, merged exactly."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from modelmetrics._coco.api import COCO
from modelmetrics._coco.eval import COCOeval, Params, accumulated_cocoeval, evaluation_of
from modelmetrics._core.accumulator import Accumulator
from modelmetrics._detection.accumulate import empty_curves
from modelmetrics._detection.state import EvaluatedColumns

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["COCOevalAccumulator"]


def _frozen(value: Any) -> Any:
    return tuple(np.asarray(value, dtype=np.float64).ravel().tolist())


class COCOevalAccumulator(Accumulator[COCOeval]):
    """COCO evaluation over shards of images, mergeable across processes.

    Each :meth:`update` runs ``COCOeval.evaluate`` on some of the images and keeps only
    the kept detections' scores, ranks and match codes and per-category ground-truth
    counts (see :mod:`modelmetrics._detection.state`; 68 bytes per kept detection
    with the default parameters). :meth:`compute` returns a ``COCOeval`` whose
    ``eval["precision"]``, ``eval["recall"]`` and ``eval["scores"]`` are ``==`` to those
    of one ``COCOeval`` over all the images, whatever the shards and merge order (each
    image must be evaluated once); call its ``summarize()`` for ``stats``.

    Parameters
    ----------
    params : Params, default=None
        Evaluation parameters shared by every shard (``imgIds`` is ignored: each update
        names its images). None takes pycocotools' defaults for `iouType`, with the
        categories of the first ground truth seen.
    iouType : {"bbox", "segm", "keypoints"}, default="bbox"
        Used when `params` is None.

    Notes
    -----
    Image and category ids must be integers. The returned ``COCOeval`` has no
    ``cocoGt``/``cocoDt``; ``evalImgs`` and ``ious`` are empty.

    Examples
    --------
    >>> from modelmetrics.coco import COCO, COCOevalAccumulator
    >>> box = {"category_id": 1, "bbox": [0, 0, 10, 10], "area": 100, "iscrowd": 0}
    >>> gt = COCO({"images": [{"id": 1}, {"id": 2}], "categories": [{"id": 1}],
    ...            "annotations": [{"id": 1, "image_id": 1, **box},
    ...                            {"id": 2, "image_id": 2, **box}]})
    >>> dt = gt.loadRes([{"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.9},
    ...                  {"image_id": 2, "category_id": 1, "bbox": [50, 50, 9, 9], "score": 0.8}])
    >>> a = COCOevalAccumulator().update(gt, dt, imgIds=[1])  # e.g. on one machine
    >>> b = COCOevalAccumulator().update(gt, dt, imgIds=[2])  # and on another
    >>> ev = b.merge(a).compute()
    >>> float(ev.eval["recall"][0, 0, 0, 2])  # IoU 0.5, area "all", maxDets 100
    0.5
    """

    def __init__(self, params: Params | None = None, iouType: str = "bbox") -> None:
        if params is None:
            params = Params(iouType)
            self._cats_from_gt = True
        else:
            params = copy.deepcopy(params)
            self._cats_from_gt = not params.catIds
        if params.iouType not in ("bbox", "segm", "keypoints"):
            raise ValueError(
                f"iouType must be 'bbox', 'segm' or 'keypoints', got {params.iouType!r}"
            )
        params.imgIds = []
        params.maxDets = sorted(params.maxDets)
        if params.useCats:
            params.catIds = list(np.unique(params.catIds))
        self.params = params
        self.reset()

    def reset(self) -> None:
        """Forget every image; keep the parameters."""
        self._state = EvaluatedColumns(
            len(self.params.areaRng), len(self.params.iouThrs), per_image=True
        )
        self._images: set[int] = set()

    def _config(self) -> tuple[Any, ...]:
        p = self.params
        return (
            p.iouType,
            _frozen(p.iouThrs),
            _frozen(p.recThrs),
            _frozen(p.areaRng),
            tuple(p.areaRngLbl),
            tuple(p.maxDets),
            int(p.useCats),
            tuple(int(c) for c in p.catIds),
            _frozen(getattr(p, "kpt_oks_sigmas", ())),
        )

    def update(self, cocoGt: COCO, cocoDt: COCO, imgIds: Sequence[Any] | None = None) -> Self:
        """Evaluate `cocoDt` against `cocoGt` on `imgIds` (default: every ground-truth
        image) and fold the result in.

        Raises
        ------
        ValueError
            If an image was already evaluated by this accumulator, or the ground truth's
            categories differ from the accumulator's.
        """
        p = copy.deepcopy(self.params)
        gt_cats = sorted(cocoGt.getCatIds())
        if self._cats_from_gt and not self._images and not p.catIds:
            self.params.catIds = list(np.unique(gt_cats)) if p.useCats else gt_cats
            p.catIds = list(self.params.catIds)
        ids = sorted(cocoGt.getImgIds()) if imgIds is None else list(imgIds)
        unique = np.unique(np.asarray(ids)) if ids else np.empty(0, np.int64)
        if unique.size and unique.dtype.kind not in "iu":
            raise TypeError("image ids must be integers to merge evaluation states")
        again = self._images.intersection(unique.tolist())
        if again:
            raise ValueError(f"image {min(again)} was already evaluated by this accumulator")
        if not ids:
            return self
        p.imgIds = ids
        ev = COCOeval(cocoGt, cocoDt, p.iouType)
        ev.params = p
        ev.evaluate()
        self._state.add_evaluated(evaluation_of(ev))
        self._images.update(unique.tolist())
        return self

    def _merge_state(self, other: Self) -> None:
        overlap = self._images & other._images
        if overlap:
            raise ValueError(f"both accumulators evaluated image {min(overlap)}")
        self._state.merge(other._state)
        self._images |= other._images

    def compute(self) -> COCOeval:
        """A ``COCOeval`` holding ``params`` (every image evaluated) and ``eval``, as after
        ``evaluate()`` and ``accumulate()`` on all images at once."""
        p = copy.deepcopy(self.params)
        p.imgIds = sorted(self._images)
        cat_ids = p.catIds if p.useCats else [-1]
        T, R, K = len(p.iouThrs), len(p.recThrs), len(cat_ids)
        A, M = len(p.areaRng), len(p.maxDets)
        if K and p.imgIds:
            curves = self._state.accumulate(cat_ids, np.asarray(p.recThrs), p.maxDets)
        else:
            curves = empty_curves(T, R, K, A, M)
        return accumulated_cocoeval(p, curves)
