"""``COCOeval``: a drop-in for :class:`pycocotools.cocoeval.COCOeval` on compiled kernels.

``evaluate`` groups the annotations by (category, image) as columns and runs the
matching of every group, area range and IoU threshold in C, categories spread over
threads; ``accumulate`` sorts each category's detections once and samples the
precision/recall curves in C. Both follow pycocotools operation for operation, so
``eval["precision"]``, ``eval["recall"]``, ``eval["scores"]`` and ``stats`` are ``==``
to pycocotools' for the same inputs and parameters. ``summarize`` is pycocotools'
own computation on those arrays.

``evalImgs`` (per image and category records) and ``ious`` are built on request.
Nothing prints except ``summarize``'s 12 lines, unless ``verbose=True``.
"""

from __future__ import annotations

import copy
import datetime
import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelmetrics import _kernels
from modelmetrics._coco.api import COCO, AnnotationColumns
from modelmetrics._coco.lookup_errors import lookup_errors_as_value_errors
from modelmetrics._core.gc import gc_paused
from modelmetrics._core.parallel import get_num_threads, run_parallel

__all__ = ["COCOeval", "Params"]


class Params:
    """Evaluation parameters, with pycocotools' attributes and defaults.

    Parameters
    ----------
    iouType : {"segm", "bbox", "keypoints"}, default="segm"
        The kind of evaluation.
    """

    def setDetParams(self) -> None:
        self.imgIds: list[Any] = []
        self.catIds: list[Any] = []
        # The same float64 linspace calls as pycocotools: thresholds must be bit-equal.
        self.iouThrs = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
        self.recThrs = np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)
        self.maxDets: list[int] = [1, 10, 100]
        self.areaRng: list[list[float]] = [
            [0**2, 1e5**2],
            [0**2, 32**2],
            [32**2, 96**2],
            [96**2, 1e5**2],
        ]
        self.areaRngLbl = ["all", "small", "medium", "large"]
        self.useCats = 1

    def setKpParams(self) -> None:
        self.imgIds = []
        self.catIds = []
        self.iouThrs = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
        self.recThrs = np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)
        self.maxDets = [20]
        self.areaRng = [[0**2, 1e5**2], [32**2, 96**2], [96**2, 1e5**2]]
        self.areaRngLbl = ["all", "medium", "large"]
        self.useCats = 1
        self.kpt_oks_sigmas = (
            np.array(
                [
                    0.26,
                    0.25,
                    0.25,
                    0.35,
                    0.35,
                    0.79,
                    0.79,
                    0.72,
                    0.72,
                    0.62,
                    0.62,
                    1.07,
                    1.07,
                    0.87,
                    0.87,
                    0.89,
                    0.89,
                ]
            )
            / 10.0
        )

    def __deepcopy__(self, memo: dict[int, Any]) -> Params:
        # The lists hold immutable ids and numbers: copying them shallowly is a deep
        # copy, without visiting every one of thousands of image ids.
        clone = Params.__new__(Params)
        for name, value in vars(self).items():
            if isinstance(value, list):
                value = [
                    v
                    if isinstance(v, _IMMUTABLE)
                    else list(v)
                    if isinstance(v, list)
                    else copy.copy(v)
                    for v in value
                ]
            elif isinstance(value, np.ndarray):
                value = value.copy()
            else:
                value = copy.deepcopy(value, memo)
            setattr(clone, name, value)
        return clone

    def __init__(self, iouType: str = "segm") -> None:
        if iouType in ("segm", "bbox"):
            self.setDetParams()
        elif iouType == "keypoints":
            self.setKpParams()
        else:
            raise ValueError(f"iouType must be 'segm', 'bbox' or 'keypoints', got {iouType!r}")
        self.iouType = iouType
        self.useSegm: Any = None  # deprecated in pycocotools, kept for compatibility


# Values a copy may share (numpy scalars included: imgIds after evaluate holds them).
_IMMUTABLE = (int, float, str, bytes, bool, np.generic)


@dataclass(frozen=True, eq=False)
class _Evaluated:
    """What ``evaluate`` leaves for ``accumulate``: per-slot codes and per-group counts.

    Groups are (category, image) pairs, category-major; slots are the kept detections
    of each group, highest score first.
    """

    n_images: int
    n_cats: int
    slot_start: NDArray[np.int64]
    slot_score: NDArray[np.float64]
    slot_det: NDArray[np.int64]  # row of each slot's detection in the result columns
    slot_rank: NDArray[np.int32]
    slot_image: NDArray[np.int64]
    slot_code: NDArray[np.uint8]
    group_npig: NDArray[np.int32]
    group_nonempty: NDArray[np.uint8]
    inputs: _Grouped


@dataclass(frozen=True, eq=False)
class _Grouped:
    """Rows of the detection and gt columns, group by group, with group offsets."""

    dt_start: NDArray[np.int64]
    dt_rows: NDArray[np.int64]
    gt_start: NDArray[np.int64]
    gt_rows: NDArray[np.int64]
    dt_id: NDArray[np.float64]  # ids of all rows, as doubles
    gt_id: NDArray[np.float64]


def _as_float_ids(ids: NDArray[Any], side: str) -> NDArray[np.float64]:
    """Annotation ids as pycocotools stores matches: in float64 arrays."""
    try:
        return np.asarray(ids, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{side} annotation ids must be numbers to be matched") from None


def _positions(values: NDArray[Any], keys: Sequence[Any]) -> NDArray[np.int64]:
    """Index of each value in `keys` (-1 when absent), with dict (==, hash) semantics.

    A key repeated in `keys` maps to its last position, as a dict built from them would.
    """
    key_arr = np.asarray(keys) if len(keys) else np.empty(0, np.int64)
    if values.dtype.kind in "iu" and key_arr.dtype.kind in "iu":
        if len(key_arr) == 0 or len(values) == 0:
            return np.full(len(values), -1, np.int64)
        key_arr = key_arr.astype(np.int64, copy=False)
        pos_arr = np.arange(len(key_arr), dtype=np.int64)
        low, high = int(key_arr.min()), int(key_arr.max())
        if high - low <= 4 * len(key_arr) + 4096:
            # Dense ids (the usual 1..N): a lookup table, one gather. Later duplicates
            # overwrite earlier ones, like dict insertion.
            table = np.full(high - low + 1, -1, np.int64)
            table[key_arr - low] = pos_arr
            inside = (values >= low) & (values <= high)
            out = np.full(len(values), -1, np.int64)
            out[inside] = table[values[inside] - low]
            return out
        # Sparse ids: the last occurrence of each key, then a binary search.
        order = np.argsort(key_arr, kind="stable")
        key_sorted, pos_sorted = key_arr[order], pos_arr[order]
        last = np.r_[key_sorted[1:] != key_sorted[:-1], True]
        key_sorted, pos_sorted = key_sorted[last], pos_sorted[last]
        idx = np.minimum(np.searchsorted(key_sorted, values), len(key_sorted) - 1)
        return np.where(key_sorted[idx] == values, pos_sorted[idx], -1)
    lookup = {key: i for i, key in enumerate(keys)}
    return np.fromiter((lookup.get(v, -1) for v in values.tolist()), np.int64, len(values))


def _last_with_same_id(ids: NDArray[Any]) -> NDArray[np.int64] | None:
    """For duplicate annotation ids: the row pycocotools' ``loadAnns`` returns instead
    (``anns[id]`` keeps the last annotation with that id). None when ids are unique."""
    n = len(ids)
    if ids.dtype.kind in "iu":
        if n < 2 or bool(np.all(ids[1:] > ids[:-1])):
            return None  # strictly increasing (loadRes's 1..N): unique
        unique, inverse = np.unique(ids, return_inverse=True)
        if len(unique) == n:
            return None
        last = np.zeros(len(unique), np.int64)
        last[inverse] = np.arange(n)  # later rows overwrite earlier ones
        return last[inverse]
    latest: dict[Any, int] = {}
    for i, v in enumerate(ids.tolist()):
        latest[v] = i
    if len(latest) == n:
        return None
    return np.fromiter((latest[v] for v in ids.tolist()), np.int64, n)


def _select(
    cols: AnnotationColumns, img_ids: Sequence[Any], cat_ids: Sequence[Any], use_cats: bool
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Rows evaluated, in pycocotools' per-group order, and the group of each row.

    Groups are ``category_index * n_images + image_index``; with ``use_cats`` off every
    category in `cat_ids` (duplicates included) joins its image's single group, in
    `cat_ids` order.
    """
    n_img = len(img_ids)
    img_pos = _positions(cols.image_id, img_ids)
    rows = np.flatnonzero(img_pos >= 0)
    if use_cats:
        cat_pos = _positions(cols.category_id, cat_ids)
        rows = rows[cat_pos[rows] >= 0]
    remap = _last_with_same_id(cols.id)
    if remap is not None:
        rows = remap[rows]  # loadAnns(getAnnIds(...)) returns anns[id]
    img_of = _positions(cols.image_id[rows], img_ids) if remap is not None else img_pos[rows]
    if use_cats:
        cat_of = _positions(cols.category_id[rows], cat_ids)
        keep = (img_of >= 0) & (cat_of >= 0)
        rows, group = rows[keep], cat_of[keep] * n_img + img_of[keep]
        order = _stable_group_order(group, len(cat_ids) * n_img)
        return rows[order], group[order]
    # Without categories: per image, the annotations of cat_ids[0], then cat_ids[1], ...
    pieces, keys = [], []
    cats = cols.category_id[rows]
    for j, cat in enumerate(cat_ids):
        hit = np.flatnonzero(_positions(cats, [cat]) == 0)
        pieces.append(rows[hit])
        keys.append(img_of[hit] * (len(cat_ids) + 1) + j)
    if not pieces:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    all_rows, all_keys = np.concatenate(pieces), np.concatenate(keys)
    order = np.argsort(all_keys, kind="stable")
    return all_rows[order], all_keys[order] // (len(cat_ids) + 1)


def _stable_group_order(group: NDArray[np.int64], n_groups: int) -> NDArray[np.int64]:
    """Indices sorting `group` (keys in [0, n_groups)), ties in input order: O(n)."""
    start = np.empty(n_groups + 1, np.int64)
    order = np.empty(len(group), np.int64)
    _kernels.group_order(np.ascontiguousarray(group, dtype=np.int64), start, order)
    return order


def _offsets(group: NDArray[np.int64], n_groups: int) -> NDArray[np.int64]:
    counts = np.bincount(group, minlength=n_groups) if len(group) else np.zeros(n_groups, np.int64)
    start = np.zeros(n_groups + 1, np.int64)
    np.cumsum(counts, out=start[1:])
    return start


def _check_params(p: Params) -> None:
    """Validate what the kernels rely on; pycocotools would fail later or silently."""
    for name in ("iouThrs", "recThrs"):
        values = np.asarray(getattr(p, name), dtype=np.float64)
        if values.ndim != 1 or not np.all(np.isfinite(values)):
            raise ValueError(f"params.{name} must be a 1-D array of finite numbers")
    area = np.asarray(p.areaRng, dtype=np.float64)
    if area.ndim != 2 or area.shape[1] != 2:
        raise ValueError(f"params.areaRng must be a list of [lo, hi] pairs, got {p.areaRng!r}")
    if len(p.areaRngLbl) != area.shape[0]:
        raise ValueError("params.areaRngLbl must label every area range")
    for m in p.maxDets:
        if isinstance(m, bool) or not isinstance(m, int | np.integer) or not 0 <= m < 2**63:
            raise ValueError(
                f"params.maxDets must hold non-negative int64 integers, got {p.maxDets!r}"
            )
    if not p.maxDets:
        raise ValueError("params.maxDets must not be empty")


@lookup_errors_as_value_errors
class COCOeval:
    """COCO evaluation, the same as :class:`pycocotools.cocoeval.COCOeval`.

    Parameters
    ----------
    cocoGt : COCO, default=None
        Ground truth.
    cocoDt : COCO, default=None
        Detections, usually ``cocoGt.loadRes(...)``.
    iouType : {"bbox", "segm", "keypoints"}, default="segm"
        ``"bbox"`` (box IoU) or ``"segm"`` (mask IoU; segmentations are converted as
        pycocotools' ``annToRLE`` does); ``"keypoints"`` is not implemented.
    verbose : bool, default=False
        Print pycocotools' progress messages.
    """

    def __init__(
        self,
        cocoGt: COCO | None = None,
        cocoDt: COCO | None = None,
        iouType: str = "segm",
        *,
        verbose: bool = False,
    ) -> None:
        if not iouType:
            iouType = "segm"
        self.cocoGt = cocoGt
        self.cocoDt = cocoDt
        self.verbose = verbose
        self.eval: dict[str, Any] = {}
        self.params = Params(iouType=iouType)
        self._paramsEval: Any = {}
        self.stats: Any = []
        self._evaluated: _Evaluated | None = None
        self._eval_imgs: list[Any] | None = None
        self._ious: dict[tuple[Any, Any], Any] | None = None
        # iouType "segm": the detection and ground-truth masks, as evaluate converted them.
        self._masks: tuple[_kernels.MaskTable, _kernels.MaskTable] | None = None
        if cocoGt is not None:
            self.params.imgIds = sorted(cocoGt.getImgIds())
            self.params.catIds = sorted(cocoGt.getCatIds())

    def _say(self, message: str) -> None:
        if self.verbose:
            print(message)

    # -- evaluate --------------------------------------------------------------------------

    def evaluate(self) -> None:
        """Match detections to ground truth per image, category, area range and IoU."""
        tic = time.time()
        self._say("Running per image evaluation...")
        p = self.params
        if p.useSegm is not None:
            p.iouType = "segm" if p.useSegm == 1 else "bbox"
        self._say(f"Evaluate annotation type *{p.iouType}*")
        if p.iouType not in ("bbox", "segm"):
            raise NotImplementedError(
                f"iouType {p.iouType!r} is not supported yet (bbox and segm only)"
            )
        if self.cocoGt is None or self.cocoDt is None:
            raise ValueError("COCOeval needs both cocoGt and cocoDt to evaluate")
        p.imgIds = list(np.unique(p.imgIds))
        if p.useCats:
            p.catIds = list(np.unique(p.catIds))
        p.maxDets = sorted(p.maxDets)
        _check_params(p)
        self.params = p
        with gc_paused():
            self._masks = None
            if p.iouType == "segm":
                # pycocotools converts every segmentation with annToRLE, then uses masks.
                self._masks = (
                    self.cocoDt._mask_table("detection"),
                    self.cocoGt._mask_table("ground-truth"),
                )
            self._evaluated = self._match(p)
        self._eval_imgs = None
        self._ious = None
        self._paramsEval = copy.deepcopy(self.params)
        self.eval = {}
        self._say(f"DONE (t={time.time() - tic:0.2f}s).")

    def _grouped(self, p: Params) -> tuple[_Grouped, int, int]:
        assert self.cocoGt is not None
        assert self.cocoDt is not None
        n_img = len(p.imgIds)
        n_cat = len(p.catIds) if p.useCats else 1
        n_groups = n_img * n_cat
        gt, dt = self.cocoGt._columns(), self.cocoDt._columns()
        gt_rows, gt_group = _select(gt, p.imgIds, p.catIds, bool(p.useCats))
        dt_rows, dt_group = _select(dt, p.imgIds, p.catIds, bool(p.useCats))
        if dt.score is None:
            raise ValueError("cocoDt holds no scores: create it with cocoGt.loadRes(...)")
        grouped = _Grouped(
            dt_start=_offsets(dt_group, n_groups),
            dt_rows=np.ascontiguousarray(dt_rows, dtype=np.int64),
            gt_start=_offsets(gt_group, n_groups),
            gt_rows=np.ascontiguousarray(gt_rows, dtype=np.int64),
            dt_id=_as_float_ids(dt.id, "detection"),
            gt_id=_as_float_ids(gt.id, "ground-truth"),
        )
        return grouped, n_img, n_cat

    def _match(self, p: Params, detail: tuple[Any, ...] | None = None) -> _Evaluated:
        g, n_img, n_cat = self._grouped(p)
        assert self.cocoGt is not None
        assert self.cocoDt is not None
        gt, dt = self.cocoGt._columns(), self.cocoDt._columns()
        assert dt.score is not None
        n_groups = n_img * n_cat
        iou_thr = np.ascontiguousarray(p.iouThrs, dtype=np.float64)
        area_rng = np.ascontiguousarray(p.areaRng, dtype=np.float64).reshape(-1, 2)
        max_det = int(p.maxDets[-1])
        kept = np.minimum(np.diff(g.dt_start), max_det)
        slot_start = np.zeros(n_groups + 1, np.int64)
        np.cumsum(kept, out=slot_start[1:])
        n_slots = int(slot_start[-1])
        T, A = iou_thr.shape[0], area_rng.shape[0]
        slot_score = np.empty(n_slots, np.float64)
        slot_det = np.empty(n_slots, np.int64)
        slot_code = np.empty((n_slots, A, T), np.uint8)
        group_npig = np.zeros((n_groups, A), np.int32)
        group_nonempty = np.zeros(n_groups, np.uint8)
        run = partial(
            _kernels.coco_evaluate,
            iou_thr, area_rng, max_det,
            g.dt_start, g.dt_rows, dt.bbox, dt.area, dt.score, g.dt_id,
            g.gt_start, g.gt_rows, gt.bbox, gt.area, g.gt_id, gt.crowd, gt.ignore,
            slot_start, slot_score, slot_det, slot_code, group_npig, group_nonempty,
        )  # fmt: skip
        dt_masks, gt_masks = self._masks if self._masks is not None else (None, None)
        bounds = _balanced_bounds(g.dt_start, g.gt_start, n_img, n_cat)
        run_parallel(
            [
                partial(run, a, b, detail=detail, dt_masks=dt_masks, gt_masks=gt_masks)
                for a, b in itertools.pairwise(bounds)
            ]
        )
        slot_group = np.repeat(np.arange(n_groups, dtype=np.int64), kept)
        slot_rank = (np.arange(n_slots, dtype=np.int64) - slot_start[slot_group]).astype(np.int32)
        return _Evaluated(
            n_images=n_img,
            n_cats=n_cat,
            slot_start=slot_start,
            slot_score=slot_score,
            slot_det=slot_det,
            slot_rank=slot_rank,
            slot_image=slot_group % max(n_img, 1),
            slot_code=slot_code,
            group_npig=group_npig,
            group_nonempty=group_nonempty,
            inputs=g,
        )

    # -- accumulate ------------------------------------------------------------------------

    def accumulate(self, p: Params | None = None) -> None:
        """Accumulate per-image results into ``eval["precision" | "recall" | "scores"]``."""
        tic = time.time()
        self._say("Accumulating evaluation results...")
        if self._evaluated is None:
            print("Please run evaluate() first")
        if p is None:
            p = self.params
        p.catIds = p.catIds if p.useCats == 1 else [-1]
        T, R = len(p.iouThrs), len(p.recThrs)
        K = len(p.catIds) if p.useCats else 1
        A, M = len(p.areaRng), len(p.maxDets)
        # The kernels write pycocotools' layouts directly, one category per task; what
        # no curve reaches stays -1, as there.
        precision = np.full((T, R, K, A, M), -1.0)
        scores = np.full((T, R, K, A, M), -1.0)
        recall = np.full((T, K, A, M), -1.0)
        if self._evaluated is not None:
            with gc_paused():
                self._accumulate_into(p, precision, recall, scores)
        self.eval = {
            "params": p,
            "counts": [T, R, K, A, M],
            "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
            "precision": precision,
            "recall": recall,
            "scores": scores,
        }
        self._say(f"DONE (t={time.time() - tic:0.2f}s).")

    def _accumulate_into(
        self,
        p: Params,
        precision: NDArray[np.float64],
        recall: NDArray[np.float64],
        scores: NDArray[np.float64],
    ) -> None:
        ev = self._evaluated
        assert ev is not None
        pe = self._paramsEval
        cat_ids = pe.catIds if pe.useCats else [-1]
        set_k, set_m, set_i = set(cat_ids), set(pe.maxDets), set(pe.imgIds)
        set_a = {tuple(a) for a in pe.areaRng}
        # pycocotools' index lists: positions in p's lists, used as evaluated indices.
        k_list = [n for n, k in enumerate(p.catIds) if k in set_k]
        m_list = [m for m in p.maxDets if m in set_m]
        a_list = [n for n, a in enumerate(p.areaRng) if tuple(a) in set_a]
        i_list = [n for n, i in enumerate(p.imgIds) if i in set_i]
        n_img, n_area_eval = ev.n_images, ev.group_npig.shape[1]
        if (
            any(k0 >= ev.n_cats for k0 in k_list)
            or any(i >= n_img for i in i_list)
            or any(a0 >= n_area_eval for a0 in a_list)
        ):
            raise ValueError("accumulate params do not match the evaluated params")
        if not k_list or not a_list or not m_list or not i_list:
            return
        rec_thr = np.ascontiguousarray(p.recThrs, dtype=np.float64)
        images = np.asarray(i_list, dtype=np.int64)
        all_images = len(images) == n_img and bool(np.all(images == np.arange(n_img)))
        if all_images:
            slot_selected = np.ones(len(ev.slot_score), np.uint8)
        else:
            image_sel = np.zeros(n_img, np.uint8)
            image_sel[images] = 1
            slot_selected = image_sel[ev.slot_image]
        area_src = np.asarray(a_list, np.int64)
        out_a = np.arange(len(a_list), dtype=np.int64)
        maxdet = np.asarray(m_list, np.int64)
        out_m = np.arange(len(m_list), dtype=np.int64)
        npig_all = ev.group_npig.reshape(ev.n_cats, n_img, n_area_eval)
        nonempty = ev.group_nonempty.reshape(ev.n_cats, n_img)
        if not all_images:
            npig_all, nonempty = npig_all[:, images], nonempty[:, images]
        # Non-ignored gt per (category, accumulated area) over the selected images, and
        # whether pycocotools would find any per-image record for the category.
        npig = np.ascontiguousarray(npig_all.sum(axis=1, dtype=np.int64)[:, area_src])
        has_records = np.asarray(nonempty.any(axis=1))
        tasks = []
        for k, k0 in enumerate(k_list):
            if not has_records[k0]:
                continue  # no image has a gt or detection of this category: stays -1
            first = int(ev.slot_start[k0 * n_img])
            last = int(ev.slot_start[(k0 + 1) * n_img])
            tasks.append(
                partial(
                    _kernels.coco_accumulate,
                    rec_thr,
                    area_src,
                    out_a,
                    maxdet,
                    out_m,
                    k,
                    ev.slot_score,
                    ev.slot_rank,
                    ev.slot_code,
                    slot_selected,
                    first,
                    last,
                    npig[k0],
                    precision,
                    recall,
                    scores,
                )
            )
        run_parallel(tasks)

    # -- summarize -------------------------------------------------------------------------

    def summarize(self, *, fix_max_dets: bool = False) -> None:
        """Compute and print the 12 (detection) summary metrics; stores ``stats``.

        Parameters
        ----------
        fix_max_dets : bool, default=False
            pycocotools computes ``stats[0]`` (AP@[.50:.95]) at maxDets 100 whatever
            ``params.maxDets`` holds, giving -1 without 100. True uses
            ``maxDets[2]`` there, like every other AP line. The default stays identical
            to pycocotools.
        """

        def _summarize(
            ap: int = 1,
            iouThr: float | None = None,
            areaRng: str = "all",
            maxDets: int = 100,
        ) -> float:
            p = self.params
            i_str = " {:<18} {} @[ IoU={:<9} | area={:>6s} | maxDets={:>3d} ] = {:0.3f}"
            title = "Average Precision" if ap == 1 else "Average Recall"
            kind = "(AP)" if ap == 1 else "(AR)"
            iou = (
                f"{p.iouThrs[0]:0.2f}:{p.iouThrs[-1]:0.2f}" if iouThr is None else f"{iouThr:0.2f}"
            )
            aind = [i for i, lbl in enumerate(p.areaRngLbl) if lbl == areaRng]
            mind = [i for i, m in enumerate(p.maxDets) if m == maxDets]
            if ap == 1:
                s = self.eval["precision"]
                if iouThr is not None:
                    s = s[np.where(iouThr == p.iouThrs)[0]]
                s = s[:, :, :, aind, mind]
            else:
                s = self.eval["recall"]
                if iouThr is not None:
                    s = s[np.where(iouThr == p.iouThrs)[0]]
                s = s[:, :, aind, mind]
            mean_s = -1 if len(s[s > -1]) == 0 else np.mean(s[s > -1])
            print(i_str.format(title, kind, iou, areaRng, maxDets, mean_s))
            return mean_s

        def _summarize_dets() -> NDArray[np.float64]:
            max_dets = self.params.maxDets
            stats = np.zeros((12,))
            stats[0] = _summarize(1, maxDets=max_dets[2]) if fix_max_dets else _summarize(1)
            stats[1] = _summarize(1, iouThr=0.5, maxDets=max_dets[2])
            stats[2] = _summarize(1, iouThr=0.75, maxDets=max_dets[2])
            stats[3] = _summarize(1, areaRng="small", maxDets=max_dets[2])
            stats[4] = _summarize(1, areaRng="medium", maxDets=max_dets[2])
            stats[5] = _summarize(1, areaRng="large", maxDets=max_dets[2])
            stats[6] = _summarize(0, maxDets=max_dets[0])
            stats[7] = _summarize(0, maxDets=max_dets[1])
            stats[8] = _summarize(0, maxDets=max_dets[2])
            stats[9] = _summarize(0, areaRng="small", maxDets=max_dets[2])
            stats[10] = _summarize(0, areaRng="medium", maxDets=max_dets[2])
            stats[11] = _summarize(0, areaRng="large", maxDets=max_dets[2])
            return stats

        if not self.eval:
            raise ValueError("Please run accumulate() first")
        if self.params.iouType not in ("segm", "bbox"):
            raise NotImplementedError("keypoints summaries are not supported yet")
        self.stats = _summarize_dets()

    def __str__(self) -> str:
        self.summarize()
        return ""

    # -- per-image records, on request -----------------------------------------------------

    @property
    def ious(self) -> dict[tuple[Any, Any], Any]:
        """pycocotools' ``ious``: per (image id, category id) the IoU matrix between the
        highest-scoring detections (at most ``maxDets[-1]``) and the ground truths, or
        ``[]`` when the image has neither. Built on first use."""
        if self._ious is None:
            self._ious = {} if self._evaluated is None else self._build_ious()
        return self._ious

    def _build_ious(self) -> dict[tuple[Any, Any], Any]:
        p = self._paramsEval
        ev = self._evaluated
        assert ev is not None
        assert self.cocoGt is not None
        assert self.cocoDt is not None
        gt, dt = self.cocoGt._columns(), self.cocoDt._columns()
        g = ev.inputs
        cat_ids = p.catIds if p.useCats else [-1]
        out: dict[tuple[Any, Any], Any] = {}
        for k, cat in enumerate(cat_ids):
            for i, img in enumerate(p.imgIds):
                grp = k * ev.n_images + i
                s0, s1 = int(ev.slot_start[grp]), int(ev.slot_start[grp + 1])
                rows = g.gt_rows[int(g.gt_start[grp]) : int(g.gt_start[grp + 1])]
                if s1 == s0 or len(rows) == 0:
                    out[img, cat] = []  # pycocotools' value when either side is empty
                    continue
                matrix = np.zeros((s1 - s0, len(rows)))
                if self._masks is not None:
                    _kernels.coco_mask_iou(
                        self._masks[0], np.ascontiguousarray(ev.slot_det[s0:s1]),
                        self._masks[1], np.ascontiguousarray(rows),
                        np.ascontiguousarray(gt.crowd[rows]), matrix,
                    )  # fmt: skip
                    out[img, cat] = matrix
                    continue
                dets = np.ascontiguousarray(dt.bbox[ev.slot_det[s0:s1]])
                _kernels.coco_box_iou(
                    dets, np.ascontiguousarray(gt.bbox[rows]),
                    np.ascontiguousarray(gt.crowd[rows]), matrix,
                )  # fmt: skip
                out[img, cat] = matrix
        return out

    @property
    def evalImgs(self) -> list[Any]:
        """pycocotools' per (category, area range, image) records, built on first use.

        Each entry is None (no ground truth or detection) or a dict with ``image_id``,
        ``category_id``, ``aRng``, ``maxDet``, ``dtIds``, ``gtIds``, ``dtMatches``,
        ``gtMatches``, ``dtScores``, ``gtIgnore`` and ``dtIgnore``.
        """
        if self._eval_imgs is None:
            self._eval_imgs = [] if self._evaluated is None else self._build_eval_imgs()
        return self._eval_imgs

    def _build_eval_imgs(self) -> list[Any]:
        p = self._paramsEval
        ev = self._evaluated
        assert ev is not None
        g = ev.inputs
        A, T = len(p.areaRng), len(p.iouThrs)
        n_slots, n_gt = len(ev.slot_score), len(g.gt_rows)
        slot_dtm = np.zeros((A, T, n_slots))
        slot_dtig = np.zeros((A, T, n_slots), np.uint8)
        gt_order = np.zeros((A, n_gt), np.int64)
        gt_gtm = np.zeros((A, T, n_gt))
        gt_ig = np.zeros((A, n_gt), np.uint8)
        detail = (slot_dtm, slot_dtig, gt_order, gt_gtm, gt_ig)
        again = self._match(p, detail=detail)
        assert self.cocoDt is not None
        assert self.cocoGt is not None
        dt_ids = self.cocoDt._columns().id
        gt_ids = self.cocoGt._columns().id
        cat_ids = p.catIds if p.useCats else [-1]
        max_det = p.maxDets[-1]
        records: list[Any] = []
        n_img = ev.n_images
        for k, cat in enumerate(cat_ids):
            for a, rng in enumerate(p.areaRng):
                for i, img in enumerate(p.imgIds):
                    grp = k * n_img + i
                    if not again.group_nonempty[grp]:
                        records.append(None)
                        continue
                    s0, s1 = int(again.slot_start[grp]), int(again.slot_start[grp + 1])
                    g0, g1 = int(g.gt_start[grp]), int(g.gt_start[grp + 1])
                    order = gt_order[a, g0:g1]
                    dets = again.slot_det[s0:s1]
                    records.append(
                        {
                            "image_id": img,
                            "category_id": cat,
                            "aRng": rng,
                            "maxDet": max_det,
                            "dtIds": dt_ids[dets].tolist(),
                            "gtIds": gt_ids[order].tolist(),
                            "dtMatches": slot_dtm[a, :, s0:s1].copy(),
                            "gtMatches": gt_gtm[a, :, g0:g1].copy(),
                            "dtScores": again.slot_score[s0:s1].tolist(),
                            "gtIgnore": gt_ig[a, g0:g1].astype(np.int64),
                            "dtIgnore": slot_dtig[a, :, s0:s1].astype(bool),
                        }
                    )
        return records


def _balanced_bounds(
    dt_start: NDArray[np.int64], gt_start: NDArray[np.int64], n_img: int, n_cat: int
) -> list[int]:
    """Group boundaries at category edges splitting the work into similar parts."""
    n_groups = n_img * n_cat
    parts = max(1, min(get_num_threads() * 4, n_cat))
    if parts == 1 or n_groups == 0:
        return [0, n_groups]
    work = (dt_start[n_img::n_img] - dt_start[:-1:n_img]) + (
        gt_start[n_img::n_img] - gt_start[:-1:n_img]
    )
    cumulative = np.concatenate([[0], np.cumsum(work)])
    targets = np.linspace(0, cumulative[-1], parts + 1)[1:-1]
    cuts = np.unique(np.searchsorted(cumulative, targets))
    cuts = cuts[(cuts > 0) & (cuts < n_cat)]
    return [0, *(int(c) * n_img for c in cuts), n_groups]
