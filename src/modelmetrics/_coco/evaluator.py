"""``CocoEvaluator``: torchvision's reference COCO evaluator on modelmetrics' engine.

torchvision's detection references (``references/detection/coco_eval.py``) feed a
model's outputs, one batch at a time, to a ``CocoEvaluator``: ``update`` turns every
detection into a result dict (boxes to ``[x, y, w, h]``, masks thresholded at 0.5 and
run-length encoded, keypoints flattened), runs pycocotools' per-image evaluation on the
batch and keeps its ``evalImgs``; ``synchronize_between_processes`` gathers those of
every process and keeps, for an image evaluated more than once (``DistributedSampler``
pads the last batch with images of the first), the first evaluation; ``accumulate`` and
``summarize`` are pycocotools'.

Here ``update`` only converts the batch to columns (numpy arrays; each mask a compressed
RLE string in one byte blob per batch): 24 bytes per detection, plus 32 for its box,
52 and its RLE string for its mask, 24 per keypoint; no dict per detection, no
evaluation. ``accumulate``
evaluates every image at once with :class:`~modelmetrics.coco.COCOeval` on results
built straight from those columns. Per-image evaluation does not depend on the other
images, so one evaluation of the kept images is what torchvision's merged per-batch
evaluations are, and the numbers are ``==`` to its.
"""

from __future__ import annotations

import numbers
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from modelmetrics import _kernels
from modelmetrics._coco.api import COCO, _keypoint_boxes
from modelmetrics._coco.eval import COCOeval
from modelmetrics._detection import rle
from modelmetrics._detection.columns import AnnotationColumns

__all__ = ["CocoEvaluator"]

IOU_TYPES: Final = ("bbox", "segm", "keypoints")

# Batches held as separate arrays before they are joined into one block: joining only
# the recent ones keeps both the number of small arrays and the copying bounded.
_JOIN_EVERY = 64

Columns = dict[str, NDArray[Any]]


# -- inputs ---------------------------------------------------------------------------


def _is_tensor(value: object) -> bool:
    # Duck typing, so that torch is never imported here: torch.Tensor and its subclasses
    # (torchvision's tv_tensors included) live in modules named torch*.
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


def _tensor_to_numpy(value: Any) -> NDArray[Any]:
    t = value.detach().cpu()
    try:
        return np.asarray(t.numpy())
    except TypeError:
        # bfloat16 and the like have no numpy dtype; float32 holds their values exactly.
        return np.asarray(t.float().numpy())


def _as_array(value: Any, where: str) -> NDArray[Any]:
    """`value` (a numpy array, a torch tensor on any device, or a list) as numpy."""
    if isinstance(value, np.ndarray):
        return value
    if _is_tensor(value):
        return _tensor_to_numpy(value)
    if isinstance(value, list | tuple):
        try:
            return np.asarray(value)
        except ValueError:
            raise ValueError(f"{where} must be a rectangular array, got a ragged list") from None
    raise TypeError(f"{where} must be a numpy array or a torch tensor, got {type(value).__name__}")


def _array_or_tensor(value: Any, where: str) -> Any:
    """A tensor as it is (converted later, after work best done on its device), anything
    else as a numpy array."""
    return value if _is_tensor(value) else _as_array(value, where)


def _shape(value: Any) -> tuple[int, ...]:
    return tuple(int(d) for d in value.shape)


def _image_id(key: Any) -> int:
    if isinstance(key, numbers.Integral) and not isinstance(key, bool):
        return int(key)
    if _is_tensor(key) or isinstance(key, np.ndarray):
        arr = _as_array(key, "an image id")
        if arr.size == 1 and arr.dtype.kind in "iu":
            return int(arr.reshape(-1)[0])
    raise TypeError(f"predictions: keys must be integer image ids, got {key!r}")


def _entry_value(entry: Mapping[str, Any], key: str, image: int) -> Any:
    try:
        return entry[key]
    except KeyError:
        raise ValueError(f"predictions[{image}] has no {key!r}") from None


def _raw_field(entry: Mapping[str, Any], key: str, image: int) -> Any:
    """``entry[key]`` as given (a tensor stays a tensor), a list as a numpy array."""
    value = _entry_value(entry, key, image)
    if type(value) is np.ndarray or _is_tensor(value):
        return value
    return _as_array(value, f"predictions[{image}][{key!r}]")


def _bad_scores(scores: NDArray[Any], image: int) -> None:
    where = f"predictions[{image}]['scores']"
    if scores.ndim != 1:
        raise ValueError(f"{where} must have shape (N,), got {scores.shape}")
    _checked_kind(scores, "fiu", where, "numbers")


def _bad_labels(labels: NDArray[Any], image: int, n: int) -> None:
    where = f"predictions[{image}]['labels']"
    if labels.shape != (n,):
        raise ValueError(f"{where} must have shape ({n},), got {labels.shape}")
    _checked_kind(labels, "iu", where, "integers")


def _checked_kind(arr: NDArray[Any], kinds: str, where: str, what: str) -> None:
    if arr.dtype.kind not in kinds:
        raise TypeError(f"{where} must hold {what}, got dtype {arr.dtype}")


def _xywh_numpy(boxes: NDArray[Any]) -> NDArray[np.float64]:
    """torchvision's ``convert_to_xywh`` of numpy ``(n, 4)`` xyxy boxes: ``x2 - x1`` and
    ``y2 - y1`` computed in the boxes' own dtype (float32 for a detector), then widened
    exactly to float64, which is what its ``.tolist()`` hands to pycocotools."""
    out = np.empty((boxes.shape[0], 4), np.float64)
    out[:, :2] = boxes[:, :2]
    out[:, 2:] = boxes[:, 2:] - boxes[:, :2]
    return out


def _xywh(value: Any, where: str, n: int) -> NDArray[np.float64]:
    """:func:`_xywh_numpy` of boxes given as a tensor or list, checked."""
    value = _array_or_tensor(value, where)
    if _shape(value) != (n, 4):
        raise ValueError(f"{where} must have shape ({n}, 4), got {_shape(value)}")
    if not _is_tensor(value):
        _checked_kind(value, "fiu", where, "numbers")
        return _xywh_numpy(value)
    t = value.detach()
    xywh = t.clone()
    xywh[:, 2:] = t[:, 2:] - t[:, :2]  # torchvision's, on the tensor's device and dtype
    out = _tensor_to_numpy(xywh)
    _checked_kind(out, "fiu", where, "numbers")
    return out.astype(np.float64)


def _xywh_all(parts: list[tuple[NDArray[Any], bool]]) -> NDArray[np.float64]:
    """The xywh boxes of a batch's images: numpy xyxy boxes (converted here, in one pass
    when they share a dtype) and boxes already converted (flagged True)."""
    raw = [b for b, done in parts if not done]
    if len(raw) == len(parts) and all(b.dtype == raw[0].dtype for b in raw):
        return _xywh_numpy(np.concatenate(raw))
    return np.concatenate([b if done else _xywh_numpy(b) for b, done in parts])


def _mask_stack(value: Any, where: str, n: int) -> NDArray[np.bool_]:
    """Masks ``(n, 1, h, w)`` or ``(n, h, w)`` thresholded ``> 0.5``, as an ``(n, w, h)``
    C-contiguous bool array: each mask transposed, i.e. column-major as RLEs run."""
    value = _array_or_tensor(value, where)
    shape = _shape(value)
    if not (len(shape) == 4 and shape[:2] == (n, 1)) and not (len(shape) == 3 and shape[0] == n):
        raise ValueError(f"{where} must have shape ({n}, 1, height, width), got {shape}")
    if _is_tensor(value):
        t = value.detach()
        if t.ndim == 4:
            t = t[:, 0]
        if str(t.dtype) != "torch.bool":
            t = t > 0.5  # on the device: a quarter of the float32 bytes cross to the host
        stacked = _tensor_to_numpy(t.transpose(1, 2).contiguous())
        _checked_kind(stacked, "b", where, "numbers")
        return stacked
    arr: NDArray[Any] = value
    _checked_kind(arr, "biuf", where, "mask values (bool, integers or probabilities)")
    if arr.ndim == 4:
        arr = arr[:, 0]
    out = np.empty((n, arr.shape[2], arr.shape[1]), np.bool_)
    src = arr.transpose(0, 2, 1)
    # One pass that thresholds and transposes; `> 0.5` means `> 0` for integers.
    if arr.dtype.kind == "b":
        np.copyto(out, src)
    elif arr.dtype.kind in "iu":
        np.greater(src, 0, out=out)
    else:
        np.greater(src, 0.5, out=out)
    return out


def _encoded_masks(stack: NDArray[np.bool_], where: str) -> Columns:
    """Compressed RLEs of the masks (as pycocotools' ``encode``), with pycocotools'
    ``area`` and ``toBbox`` of each, as columns."""
    n, w, h = stack.shape
    if n == 0:
        return {}
    try:
        objs = rle.encode(stack.transpose(2, 1, 0))  # (h, w, n), Fortran order: no copy
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    assert isinstance(objs, list)
    strings = [o["counts"] for o in objs]
    rles = _kernels.RLEs(objs, where, False)
    area = np.empty(n, np.uint32)
    box = np.empty((n, 4), np.float64)
    rles.area(area)
    rles.to_bbox(box)
    return {
        "mask_hw": np.tile(np.array([h, w], np.uint32), (n, 1)),
        "mask_area": area,
        "mask_box": box,
        "mask_len": np.fromiter(map(len, strings), np.int64, n),
        "mask_blob": np.frombuffer(b"".join(strings), np.uint8),
    }


def _keypoint_rows(value: Any, where: str, n: int) -> NDArray[np.float64]:
    arr = _as_array(value, where)
    shape = _shape(arr)
    if len(shape) != 3 or shape[0] != n or shape[2] != 3 or shape[1] < 1:
        raise ValueError(f"{where} must have shape ({n}, K, 3) with K >= 1, got {shape}")
    _checked_kind(arr, "fiu", where, "numbers")
    return arr.reshape(n, 3 * shape[1]).astype(np.float64)


# -- state ------------------------------------------------------------------------------


def _join(parts: Sequence[Columns]) -> Columns:
    keys = {k for p in parts for k in p}
    return {k: np.concatenate([p[k] for p in parts if k in p]) for k in sorted(keys)}


def _empty_columns(n_keypoints: int) -> Columns:
    cols: Columns = {
        "log": np.empty(0, np.int64),
        "image": np.empty(0, np.int64),
        "label": np.empty(0, np.int64),
        "score": np.empty(0, np.float64),
        "box": np.empty((0, 4), np.float64),
        "mask_hw": np.empty((0, 2), np.uint32),
        "mask_area": np.empty(0, np.uint32),
        "mask_box": np.empty((0, 4), np.float64),
        "mask_len": np.empty(0, np.int64),
        "mask_blob": np.empty(0, np.uint8),
        "keypoints": np.empty((0, 3 * n_keypoints), np.float64),
    }
    return cols


class _Predictions:
    """What an evaluator holds: the detections of the first occurrence of every image
    it saw, as columns, in arrival order, and the ids of every update's images.

    Columns: ``image``, ``label``, ``score`` (one row per detection), ``box`` (xywh,
    bbox), ``mask_*`` (segm: size, area, box and RLE length per detection, and the RLE
    strings in one blob), ``keypoints`` (``(n, 3 K)``), and ``log`` (image ids per
    update, repeats included). Plain numpy arrays and a set: the state pickles, for
    ``torch.distributed.all_gather_object``.
    """

    def __init__(self, iou_types: Sequence[str]) -> None:
        self.iou_types = tuple(iou_types)
        self.images: set[int] = set()
        self.n_keypoints: int | None = None
        self._parts: list[Columns] = []
        self._joined = 0  # parts before this index are joined blocks

    def add(self, part: Columns, images: set[int], n_keypoints: int | None) -> None:
        self._parts.append(part)
        self.images |= images
        if n_keypoints is not None:
            self.n_keypoints = n_keypoints
        if len(self._parts) - self._joined >= _JOIN_EVERY:
            block = _join(self._parts[self._joined :])
            del self._parts[self._joined :]
            self._parts.append(block)
            self._joined = len(self._parts)

    def joined(self) -> Columns:
        """The columns held, joined (and kept joined); a column no batch had is absent."""
        if len(self._parts) > 1:
            self._parts = [_join(self._parts)]
            self._joined = 1
        return dict(self._parts[0]) if self._parts else {}

    def columns(self, n_keypoints: int = 0) -> Columns:
        """Every column, empty where no batch had it (keypoints: `n_keypoints` wide)."""
        full = _empty_columns(self.n_keypoints or n_keypoints)
        full.update(self.joined())
        return full

    def merge(self, other: _Predictions) -> None:
        """Append `other`'s detections, but not those of images this state holds: the
        first occurrence of an image wins, as in torchvision's ``np.unique`` merge."""
        if other.iou_types != self.iou_types:
            raise ValueError(
                f"cannot merge evaluators of iou_types {list(other.iou_types)} and "
                f"{list(self.iou_types)}"
            )
        if None not in (self.n_keypoints, other.n_keypoints) and (
            self.n_keypoints != other.n_keypoints
        ):
            raise ValueError(
                f"cannot merge keypoints of {other.n_keypoints} and {self.n_keypoints} "
                "points per detection"
            )
        cols = other.joined()
        held = np.fromiter(self.images, np.int64, len(self.images))
        keep = ~np.isin(cols.get("image", np.empty(0, np.int64)), held)
        part = cols if bool(keep.all()) else _rows(cols, keep)
        self.add(part, other.images - self.images, other.n_keypoints)


def _rows(cols: Columns, keep: NDArray[np.bool_]) -> Columns:
    """The rows of `cols` where `keep` is True (the blob cut to their strings)."""
    out = {k: (v if k == "log" else v[keep]) for k, v in cols.items() if k != "mask_blob"}
    if "mask_blob" in cols:
        out["mask_blob"] = cols["mask_blob"][np.repeat(keep, cols["mask_len"])]
    return out


# -- results ----------------------------------------------------------------------------


class _ColumnResults(COCO):
    """Detection results built from the evaluator's columns, as ``loadRes`` of
    torchvision's result dicts would build them, but without the dicts: evaluation reads
    the columns, masks and keypoints set here. The dicts are made only if the caller
    reads ``dataset`` or an index, and then completed by ``COCO`` as ``loadRes`` does."""

    _make_dicts: Callable[[], list[dict[str, Any]]] | None = None
    _dicts_for: dict[str, Any] | None = None

    def _raw(self) -> dict[str, Any]:
        make, self._make_dicts = self._make_dicts, None
        if make is not None and self._dataset is self._dicts_for:  # not replaced since
            self._dataset["annotations"] = make()
        return super()._raw()


def _result_dicts(cols: Columns, iou_type: str) -> list[dict[str, Any]]:
    """torchvision's result dicts for `cols` (before loadRes completes them)."""
    common = zip(
        cols["image"].tolist(), cols["label"].tolist(), cols["score"].tolist(), strict=True
    )
    if iou_type == "bbox":
        values: list[Any] = cols["box"].tolist()
        key = "bbox"
    elif iou_type == "segm":
        blob = cols["mask_blob"].tobytes()
        ends = np.cumsum(cols["mask_len"]).tolist()
        starts = [0, *ends[:-1]]
        values = [
            {"size": hw, "counts": blob[a:b].decode("ascii")}
            for hw, a, b in zip(cols["mask_hw"].tolist(), starts, ends, strict=True)
        ]
        key = "segmentation"
    else:
        values = cols["keypoints"].tolist()
        key = "keypoints"
    return [
        {"image_id": i, "category_id": c, key: v, "score": s}
        for (i, c, s), v in zip(common, values, strict=True)
    ]


def _results(gt: COCO, cols: Columns, iou_type: str) -> COCO:
    """`gt`'s results for the detections in `cols`, for `iou_type`."""
    n = len(cols["score"])
    res = _ColumnResults()
    gt._give_ground_truth_parts(res)  # images, categories and info, as loadRes copies them
    if iou_type == "bbox":
        box = np.ascontiguousarray(cols["box"])
        area = box[:, 2] * box[:, 3]  # loadRes's bb[2] * bb[3]
    elif iou_type == "segm":
        # loadRes's segm branch: area and box of each mask.
        box = np.ascontiguousarray(cols["mask_box"])
        area = cols["mask_area"].astype(np.float64)
        lengths = cols["mask_len"]
        at = np.zeros(n, np.int64)
        np.cumsum(lengths[:-1], out=at[1:])
        res._load_masks = _kernels.MaskTable(
            np.empty(0, np.uint32),
            np.zeros(n + 1, np.int64),
            np.ascontiguousarray(cols["mask_hw"]),
            box,
            np.ascontiguousarray(cols["mask_area"]),
            np.ascontiguousarray(cols["mask_blob"]),
            at,
            np.ascontiguousarray(lengths),
            validated=True,  # strings our encoder wrote
        )
        res._segm_areas = cols["mask_area"]
        res._segm_boxes = box
    else:
        # loadRes's keypoints branch: the box the keypoints span, and its area.
        keypoints = np.ascontiguousarray(cols["keypoints"])
        box, area = _keypoint_boxes(keypoints)
        res._result_keypoints = keypoints
    zeros = np.zeros(n, np.uint8)
    res._cols = AnnotationColumns(
        image_id=cols["image"],
        category_id=cols["label"],
        bbox=box,
        area=area,
        crowd=zeros,
        ignore=zeros,
        id=np.arange(1, n + 1, dtype=np.int64),
        score=cols["score"],
    )
    res._is_results = True
    res._results_completed = False  # COCO completes the dicts when they are made
    res._make_dicts = partial(_result_dicts, cols, iou_type)
    res._dicts_for = res._dataset
    return res


def _ground_truth(coco_gt: Any) -> COCO:
    if isinstance(coco_gt, COCO):
        return coco_gt
    if isinstance(coco_gt, str | os.PathLike | dict):
        return COCO(coco_gt)
    # pycocotools' COCO (torchvision's get_coco_api_from_dataset builds one): its dicts.
    dataset = getattr(coco_gt, "dataset", None)
    if isinstance(dataset, dict):
        return COCO(dataset)
    raise TypeError(
        "coco_gt must be a COCO object (modelmetrics' or pycocotools'), a dataset dict or "
        f"the path of a COCO file, got {type(coco_gt).__name__}"
    )


# -- the evaluator ----------------------------------------------------------------------


class CocoEvaluator:
    """COCO evaluation of a model's outputs, batch by batch: torchvision's reference
    ``CocoEvaluator`` (``references/detection/coco_eval.py``), with ``==`` results.

    Parameters
    ----------
    coco_gt : COCO, pycocotools COCO, dict or path
        The ground truth: a :class:`modelmetrics.coco.COCO`, any object with a
        ``dataset`` dict (pycocotools' ``COCO``, which torchvision's
        ``get_coco_api_from_dataset`` returns; its dicts are shared, not copied), a
        dataset dict, or the path of a COCO JSON file.
    iou_types : list or tuple of {"bbox", "segm", "keypoints"}
        The evaluations to run on the same predictions.

    Attributes
    ----------
    coco_gt : COCO
        The ground truth.
    iou_types : list of str
        As given.
    coco_eval : dict of str to COCOeval
        One :class:`~modelmetrics.coco.COCOeval` per iou type. Set its ``params``
        (``kpt_oks_sigmas``, ``maxDets``, ``catIds``, ...) before :meth:`accumulate`;
        ``imgIds`` is always the images updated. After :meth:`accumulate` it holds
        ``eval`` and ``evalImgs``; after :meth:`summarize`, ``stats``.
    img_ids : list of int
        The image ids of every :meth:`update`, in order, repeats included (after a
        merge, this evaluator's and then the other's).

    See Also
    --------
    COCOeval : The evaluation run by :meth:`accumulate`.
    COCOevalAccumulator : Mergeable evaluation state of COCO files or ``COCO`` objects.

    Notes
    -----
    Each prediction is ``{"boxes": (N, 4) xyxy, "scores": (N,), "labels": (N,)}``
    plus ``"masks"`` ``(N, 1, H, W)`` (or ``(N, H, W)``) probabilities or booleans for
    ``"segm"`` and ``"keypoints"`` ``(N, K, 3)`` for ``"keypoints"``, as numpy arrays
    or torch tensors on any device (torch is never imported here; tensors are read
    with ``.detach().cpu()``). ``"boxes"`` is needed for ``"bbox"`` only. An empty
    mapping is an image without detections.

    The conversions are torchvision's: ``[x1, y1, x2 - x1, y2 - y1]`` computed in the
    boxes' dtype, masks ``> 0.5`` encoded as pycocotools does, keypoints flattened;
    segm results get the mask's area and box, keypoint results the box their points
    span, as pycocotools' ``loadRes`` gives them. An image given again (in a later
    update, or by a later process in :meth:`synchronize_between_processes`) keeps its
    first predictions, as torchvision's ``np.unique`` merge does; the later ones are
    not even converted.

    ``update`` stores columns only; ``accumulate`` evaluates every kept image in one
    ``COCOeval.evaluate()`` and then runs ``accumulate()``, so :meth:`accumulate` may
    be called again after more updates. ``eval``, ``stats`` and ``evalImgs`` (but
    for the detection ids, numbered over all images instead of per batch) are those of
    torchvision's evaluator.

    Differences from torchvision's, all for inputs it mishandles: bad input raises
    ``ValueError`` or ``TypeError`` naming the image and field at :meth:`update`
    (missing keys, wrong shapes or dtypes, non-finite scores, boxes or keypoints, a box
    with ``x2 < x1`` or ``y2 < y1``, an image id or label that is not in `coco_gt`,
    which pycocotools asserts on or silently drops); the ground truth is not
    deep-copied (nothing here changes it); ``accumulate`` prints nothing, and
    ``summarize`` prints torchvision's ``IoU metric: ...`` line and the 12 (10 for
    keypoints) summary lines.

    Examples
    --------
    >>> import numpy as np
    >>> from modelmetrics.coco import COCO, CocoEvaluator
    >>> box = {"category_id": 1, "bbox": [10, 10, 20, 20], "area": 400, "iscrowd": 0}
    >>> gt = COCO({"images": [{"id": 1}, {"id": 2}], "categories": [{"id": 1}],
    ...            "annotations": [{"id": 1, "image_id": 1, **box},
    ...                            {"id": 2, "image_id": 2, **box}]})
    >>> ev = CocoEvaluator(gt, ["bbox"])
    >>> ev.update({1: {"boxes": np.array([[10.0, 10.0, 30.0, 30.0]]),
    ...                "scores": np.array([0.9]), "labels": np.array([1])}})
    >>> ev.update({2: {"boxes": np.array([[50.0, 50.0, 60.0, 60.0]]),
    ...                "scores": np.array([0.8]), "labels": np.array([1])}})
    >>> ev.synchronize_between_processes()  # alone: nothing to gather
    >>> ev.accumulate()
    >>> float(ev.coco_eval["bbox"].eval["recall"][0, 0, 0, 2])  # IoU 0.5, all, 100 dets
    0.5
    """

    def __init__(self, coco_gt: Any, iou_types: Sequence[str]) -> None:
        if not isinstance(iou_types, list | tuple):
            raise TypeError(
                f"iou_types must be a list or tuple of iou types, got {type(iou_types).__name__}"
            )
        for t in iou_types:
            if t not in IOU_TYPES:
                raise ValueError(
                    f"iou_types: unknown iou type {t!r}, expected 'bbox', 'segm' or 'keypoints'"
                )
        if len(set(iou_types)) != len(iou_types) or not iou_types:
            raise ValueError(f"iou_types must name distinct iou types, got {list(iou_types)!r}")
        self.coco_gt = _ground_truth(coco_gt)
        self.iou_types = list(iou_types)
        self.coco_eval = {t: COCOeval(self.coco_gt, iouType=t) for t in self.iou_types}
        self._gt_images = frozenset(self.coco_gt.getImgIds())
        cats = np.asarray(self.coco_gt.getCatIds())
        # Integer category ids, sorted, for the labels' check (string ids match no label).
        self._gt_cats = np.unique(cats).astype(np.int64) if cats.dtype.kind in "iu" else cats[:0]
        self._state = _Predictions(self.iou_types)

    @property
    def img_ids(self) -> list[int]:
        """Image ids of every update, in order, repeats included."""
        log: list[int] = self._state.columns()["log"].tolist()
        return log

    def update(self, predictions: Mapping[Any, Mapping[str, Any]]) -> None:
        """Add a batch of predictions: ``{image_id: {"boxes", "scores", "labels", ...}}``.

        Parameters
        ----------
        predictions : mapping of int to mapping of str to array
            Per image id, its detections (see the class Notes); an empty mapping for
            an image without detections.

        Raises
        ------
        TypeError
            If `predictions` is not a mapping of mappings, a key is not an integer, or
            an array has the wrong dtype.
        ValueError
            If an image id is not in ``coco_gt`` or repeats in the batch, or a field
            is missing, has the wrong shape, holds non-finite numbers, a box with
            ``x2 < x1`` or ``y2 < y1``, a label that is not a category of ``coco_gt``,
            or keypoints with another ``K`` than earlier ones.
        """
        if not isinstance(predictions, Mapping):
            raise TypeError(
                "predictions must be a mapping {image_id: {'boxes', 'scores', 'labels', ...}}, "
                f"got {type(predictions).__name__}"
            )
        state = self._state
        known, held = self._gt_images, state.images
        want_box, want_mask = "bbox" in self.iou_types, "segm" in self.iou_types
        want_keypoints = "keypoints" in self.iou_types
        log: list[int] = []
        new: set[int] = set()
        owners: list[int] = []
        counts: list[int] = []
        scores_of: list[NDArray[Any]] = []
        labels_of: list[NDArray[Any]] = []
        cols: dict[str, list[NDArray[Any]]] = {}
        # Per image with detections, its boxes: numpy xyxy (converted together below,
        # flagged False) or xywh converted already (from a tensor or list, True).
        box_parts: list[tuple[NDArray[Any], bool]] = []
        n_keypoints = state.n_keypoints
        # The loop runs per image, so the common case (int keys, dicts of numpy arrays)
        # takes the cheapest checks; messages are formatted only for errors.
        for key, entry in predictions.items():
            image = key if type(key) is int else _image_id(key)
            if image not in known:
                raise ValueError(f"predictions: image id {image} is not an image of coco_gt")
            if image in new:
                raise ValueError(f"predictions: image id {image} is given twice")
            log.append(image)
            if image in held:
                continue  # evaluated already: the first predictions of an image are kept
            new.add(image)
            if type(entry) is not dict and not isinstance(entry, Mapping):
                raise TypeError(
                    f"predictions[{image}] must be a mapping of arrays, got {type(entry).__name__}"
                )
            if len(entry) == 0:
                continue  # torchvision's "no detections" (len(prediction) == 0)
            try:
                scores, labels = entry["scores"], entry["labels"]
                boxes = entry["boxes"] if want_box else None
            except KeyError as exc:
                raise ValueError(f"predictions[{image}] has no {exc.args[0]!r}") from None
            if type(scores) is not np.ndarray:
                scores = _as_array(scores, f"predictions[{image}]['scores']")
            if scores.ndim != 1 or scores.dtype.kind not in "fiu":
                _bad_scores(scores, image)
            n = scores.shape[0]
            if type(labels) is not np.ndarray:
                labels = _as_array(labels, f"predictions[{image}]['labels']")
            if labels.shape != (n,) or labels.dtype.kind not in "iu":
                _bad_labels(labels, image, n)
            if want_box:
                if (
                    type(boxes) is np.ndarray
                    and boxes.shape == (n, 4)
                    and boxes.dtype.kind in "fiu"
                ):
                    part_boxes = (boxes, False)
                else:  # a tensor (converted on its device), a list, or an error
                    part_boxes = (_xywh(boxes, f"predictions[{image}]['boxes']", n), True)
                if n:
                    box_parts.append(part_boxes)
            if want_mask:
                where = f"predictions[{image}]['masks']"
                stack = _mask_stack(_raw_field(entry, "masks", image), where, n)
                for name, column in _encoded_masks(stack, where).items():
                    cols.setdefault(name, []).append(column)
            if want_keypoints:
                where = f"predictions[{image}]['keypoints']"
                rows = _keypoint_rows(_raw_field(entry, "keypoints", image), where, n)
                k = rows.shape[1] // 3
                if n_keypoints is not None and k != n_keypoints:
                    raise ValueError(
                        f"{where} has {k} keypoints per detection, earlier predictions "
                        f"{n_keypoints}"
                    )
                n_keypoints = k
                if n:
                    cols.setdefault("keypoints", []).append(rows)
            if n:
                owners.append(image)
                counts.append(n)
                scores_of.append(scores)
                labels_of.append(labels)
        part: Columns = {"log": np.array(log, np.int64)}
        if owners:
            cols["score"], cols["label"] = scores_of, labels_of
            if want_box:
                cols["box"] = [_xywh_all(box_parts)]
            part.update(self._checked_batch(cols, owners, counts))
        state.add(part, new, n_keypoints)

    def _checked_batch(
        self, cols: dict[str, list[NDArray[Any]]], owners: list[int], counts: list[int]
    ) -> Columns:
        """The batch's columns, joined and checked (naming the first bad detection)."""
        part: Columns = {k: np.concatenate(v) for k, v in cols.items()}
        part["image"] = np.repeat(np.array(owners, np.int64), counts)
        part["label"] = part["label"].astype(np.int64, copy=False)
        part["score"] = part["score"].astype(np.float64, copy=False)
        label, score = part["label"], part["score"]
        cats = self._gt_cats
        if len(cats):
            at = np.searchsorted(cats, label)
            np.minimum(at, len(cats) - 1, out=at)
            known = cats[at] == label
        else:
            known = np.zeros(len(label), bool)
        box, kp = part.get("box"), part.get("keypoints")
        # One sum is finite when every number is (an overflow only sends us to the
        # detailed checks below, which then pass).
        with np.errstate(over="ignore", invalid="ignore"):
            total = np.add.reduce(score)
            if box is not None:
                total += np.add.reduce(box, axis=None)
            if kp is not None:
                total += np.add.reduce(kp, axis=None)
        if np.isfinite(total) and known.all() and (box is None or not (box[:, 2:] < 0).any()):
            return part
        checks: list[tuple[str, Callable[[], Any]]] = [
            ("scores must be finite", lambda: np.isfinite(score)),
            ("its label is not a category id of coco_gt", lambda: known),
        ]
        if box is not None:
            checks.append(("boxes must be finite", lambda: np.isfinite(box).all(axis=1)))
            checks.append(
                (
                    "boxes must be [x1, y1, x2, y2] with x2 >= x1 and y2 >= y1",
                    lambda: (box[:, 2] >= 0) & (box[:, 3] >= 0),
                )
            )
        if kp is not None:
            checks.append(("keypoints must be finite", lambda: np.isfinite(kp).all(axis=1)))
        for problem, check in checks:
            ok = np.asarray(check(), bool)
            if not ok.all():
                row = int(np.argmin(ok))
                image = int(part["image"][row])
                first = int(np.argmax(part["image"] == image))  # an image's rows are contiguous
                raise ValueError(
                    f"predictions[{image}]: detection {row - first} (label {int(label[row])}, "
                    f"score {float(score[row])!r}): {problem}"
                )
        return part

    def merge(self, other: CocoEvaluator) -> CocoEvaluator:
        """Fold another evaluator's predictions in after this one's and return ``self``.

        This is :meth:`synchronize_between_processes` with this evaluator as process
        0 and `other` as process 1: an image both hold keeps this evaluator's
        predictions. Both must have the same ``iou_types`` and ground truth.

        Raises
        ------
        TypeError
            If `other` is not a ``CocoEvaluator``.
        ValueError
            If its ``iou_types`` or keypoint count differ.
        """
        if not isinstance(other, CocoEvaluator):
            raise TypeError(f"other must be a CocoEvaluator, got {type(other).__name__}")
        self._state.merge(other._state)
        return self

    def synchronize_between_processes(self) -> None:
        """Gather every process's predictions (``torch.distributed``), in rank order.

        With ``torch.distributed`` initialised and more than one process, each
        process's state is gathered with ``all_gather_object`` and merged as
        :meth:`merge` does, process 0 first, so that every process holds every image
        (the first occurrence of each). Otherwise there is nothing to gather: images
        given twice were already reduced to their first occurrence by :meth:`update`.
        """
        # Never imports torch: a process that never imported torch.distributed has no
        # process group to gather from.
        dist = sys.modules.get("torch.distributed")
        if dist is None or not dist.is_available() or not dist.is_initialized():
            return
        world = dist.get_world_size()
        if world < 2:
            return
        gathered: list[Any] = [None] * world
        dist.all_gather_object(gathered, self._state)
        merged = _Predictions(self.iou_types)
        for state in gathered:
            merged.merge(state)
        self._state = merged

    def accumulate(self) -> None:
        """Evaluate every image updated and accumulate: ``coco_eval[t].eval`` is set.

        Raises
        ------
        ValueError
            If keypoint predictions have another number of keypoints than
            ``coco_eval["keypoints"].params.kpt_oks_sigmas``.
        """
        state = self._state
        k = 0
        if "keypoints" in self.coco_eval:
            sigmas = self.coco_eval["keypoints"].params.kpt_oks_sigmas
            k = len(np.asarray(sigmas).reshape(-1))
            if state.n_keypoints not in (None, k):
                raise ValueError(
                    f"predictions have {state.n_keypoints} keypoints per detection but "
                    f"coco_eval['keypoints'].params.kpt_oks_sigmas has {k} sigmas"
                )
        cols = state.columns(k)
        img_ids = sorted(state.images)
        for iou_type in self.iou_types:
            ev = self.coco_eval[iou_type]
            ev.cocoDt = _results(self.coco_gt, cols, iou_type)
            ev.params.imgIds = list(img_ids)
            ev.evaluate()
            ev.accumulate()

    def summarize(self) -> None:
        """Print and store (``coco_eval[t].stats``) the summary of every iou type.

        Raises
        ------
        ValueError
            If :meth:`accumulate` was not called.
        """
        for iou_type, ev in self.coco_eval.items():
            print(f"IoU metric: {iou_type}")
            ev.summarize()
