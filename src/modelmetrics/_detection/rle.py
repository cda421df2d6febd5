"""pycocotools' ``mask`` functions on the RLE kernels (see :mod:`modelmetrics.mask`)."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import NDArray

from modelmetrics import _kernels
from modelmetrics._core.parallel import get_num_threads, run_parallel

__all__ = ["area", "decode", "encode", "frPyObjects", "iou", "merge", "toBbox"]

#: An RLE as pycocotools returns it: ``{"size": [h, w], "counts": bytes}``.
RLE: TypeAlias = dict[str, Any]
#: What the functions accept as an RLE: ``counts`` may also be a ``str``.
RLELike: TypeAlias = Mapping[str, Any]

# Work (pixels, polygon points, pairs) below which one thread does a whole batch.
_PARALLEL_MIN_WORK = 1 << 21


def _spans(n: int, work: float) -> list[tuple[int, int]]:
    """Item ranges to hand to threads: one range unless the batch is big enough.

    Items are independent, so the split changes nothing but speed.
    """
    if n < 2 or work < _PARALLEL_MIN_WORK:
        return [(0, n)]
    threads = get_num_threads()
    if threads == 1:
        return [(0, n)]
    k = min(n, 4 * threads)
    return list(itertools.pairwise(n * i // k for i in range(k + 1)))


def _run(fn: Callable[[int, int], Any], n: int, work: float) -> list[Any]:
    spans = _spans(n, work)
    if len(spans) == 1:
        return [fn(*spans[0])]
    return run_parallel([functools.partial(fn, a, b) for a, b in spans])


def _rle_dict(h: int, w: int, counts: bytes) -> RLE:
    return {"size": [h, w], "counts": counts}


def _check_area(h: int, w: int, what: str) -> None:
    if h * w > _kernels.RLE_MAX_AREA:
        raise ValueError(
            f"{what}: masks of {h} x {w} pixels exceed the 2**32 - 1 pixels RLE counts can describe"
        )


def encode(bimask: NDArray[np.uint8] | NDArray[np.bool_]) -> RLE | list[RLE]:
    """Run-length encode binary masks.

    Parameters
    ----------
    bimask : ndarray of shape (h, w) or (h, w, n), dtype uint8 or bool
        One mask, or ``n`` masks stacked on the last axis. Any memory order. A run
        ends wherever the value changes, so values other than 0 and 1 start runs
        exactly as in pycocotools.

    Returns
    -------
    rle : dict or list of dict
        ``{"size": [h, w], "counts": bytes}`` for a 2-D mask, a list of ``n`` of them
        for a 3-D stack.

    Raises
    ------
    TypeError
        If `bimask` is not a numpy array.
    ValueError
        If it is not 2-D or 3-D, not uint8 or bool, or ``h * w`` exceeds 2**32 - 1.

    Examples
    --------
    >>> import numpy as np
    >>> m = np.zeros((3, 4), dtype=np.uint8)
    >>> m[1:, 1:3] = 1
    >>> encode(m)
    {'size': [3, 4], 'counts': b'42102'}
    """
    if not isinstance(bimask, np.ndarray):
        raise TypeError(f"bimask must be a numpy array, got {type(bimask).__name__}")
    if bimask.dtype != np.uint8 and bimask.dtype != np.bool_:
        raise ValueError(f"bimask must have dtype uint8 (or bool), got {bimask.dtype}")
    if bimask.ndim == 2:
        stack = bimask[:, :, np.newaxis]
    elif bimask.ndim == 3:
        stack = bimask
    else:
        raise ValueError(f"bimask must be 2-D (h, w) or 3-D (h, w, n), got shape {bimask.shape}")
    h, w, n = (int(d) for d in stack.shape)
    _check_area(h, w, "bimask")
    flat = np.asfortranarray(stack).reshape(-1, order="F").view(np.uint8)

    def task(a: int, b: int) -> list[bytes]:
        return _kernels.rle_encode(flat, h, w, a, b)

    strings = [s for part in _run(task, n, h * w * n) for s in part]
    objs = [_rle_dict(h, w, s) for s in strings]
    return objs[0] if bimask.ndim == 2 else objs


def _rles(rleObjs: RLELike | list[RLELike], name: str = "rleObjs") -> tuple[Any, bool]:
    """pycocotools' rule: a list is a batch, anything else a single RLE."""
    if isinstance(rleObjs, list):
        return _kernels.RLEs(rleObjs, name, False), False
    return _kernels.RLEs([rleObjs], name, True), True


def decode(rleObjs: RLELike | list[RLELike]) -> NDArray[np.uint8]:
    """Decode RLEs into binary masks.

    Parameters
    ----------
    rleObjs : dict or list of dict
        One RLE, or a non-empty list of RLEs of one size. ``counts`` may be bytes or str.

    Returns
    -------
    mask : ndarray of dtype uint8, Fortran order
        Shape ``(h, w)`` for one RLE, ``(h, w, n)`` for a list.

    Raises
    ------
    TypeError
        If an item is not an RLE dict with compressed (bytes or str) ``counts``.
    ValueError
        For an empty list, masks of different sizes, or counts that are malformed or
        do not sum to ``h * w``.

    Examples
    --------
    >>> decode({"size": [3, 4], "counts": b"42102"})
    array([[0, 0, 0, 0],
           [0, 1, 1, 0],
           [0, 1, 1, 0]], dtype=uint8)
    """
    rles, single = _rles(rleObjs)
    n = len(rles)
    if n == 0:
        raise ValueError("rleObjs is an empty list: there is no mask size to decode to")
    if not rles.same_size():
        first = rles.size(0)
        bad = next(i for i in range(n) if rles.size(i) != first)
        raise ValueError(
            f"rleObjs: all masks must have one size; rleObjs[0] is {list(first)}, "
            f"rleObjs[{bad}] is {list(rles.size(bad))}"
        )
    h, w = rles.size(0)
    out = np.zeros((h, w, n), dtype=np.uint8, order="F")  # runs of 0s stay untouched
    flat = out.reshape(-1, order="F")

    def task(a: int, b: int) -> None:
        rles.decode(flat, a, b)

    _run(task, n, h * w * n)
    return out[:, :, 0] if single else out


def area(rleObjs: RLELike | list[RLELike]) -> np.uint32 | NDArray[np.uint32]:
    """Number of foreground pixels of RLEs.

    Parameters
    ----------
    rleObjs : dict or list of dict
        One RLE or a list of RLEs.

    Returns
    -------
    area : numpy.uint32 or ndarray of shape (n,), dtype uint32
        A scalar for one RLE, an array for a list (of any length; pycocotools 2.0.11
        fails beyond 255 with numpy 2).

    Raises
    ------
    TypeError, ValueError
        For items that are not valid compressed RLEs.

    Examples
    --------
    >>> area([{"size": [3, 4], "counts": b"42102"}, {"size": [2, 2], "counts": b"04"}])
    array([4, 4], dtype=uint32)
    """
    rles, single = _rles(rleObjs)
    out = np.empty(len(rles), dtype=np.uint32)
    rles.area(out)
    return out[0] if single else out


def toBbox(rleObjs: RLELike | list[RLELike]) -> NDArray[np.float64]:
    """Bounding boxes ``[x, y, w, h]`` of RLEs, as pycocotools computes them.

    Parameters
    ----------
    rleObjs : dict or list of dict
        One RLE or a list of RLEs.

    Returns
    -------
    bbox : ndarray of dtype float64
        Shape ``(4,)`` for one RLE, ``(n, 4)`` for a list. An empty mask gives zeros,
        except that a mask with at least two runs but no foreground pixel gets
        pycocotools' uint32 wrap-around ``[w, h, 2**32 + 1 - w, 2**32 + 1 - h]``.

    Raises
    ------
    TypeError, ValueError
        For items that are not valid compressed RLEs.

    Examples
    --------
    >>> toBbox({"size": [3, 4], "counts": b"42102"})
    array([1., 1., 2., 2.])
    """
    rles, single = _rles(rleObjs)
    n = len(rles)
    out = np.empty((n, 4), dtype=np.float64)
    rles.to_bbox(out)
    return out[0] if single else out


def _crowd_flags(pyiscrowd: Any) -> NDArray[np.uint8]:
    try:
        # Out-of-range floats would wrap silently in the cast: make that an error.
        with np.errstate(invalid="raise", over="raise"):
            crowd = np.array(pyiscrowd, dtype=np.uint8)
    except TypeError as exc:
        raise TypeError(f"pyiscrowd must be a list of 0/1 flags: {exc}") from None
    except (ValueError, OverflowError, FloatingPointError) as exc:
        raise ValueError(f"pyiscrowd must be a list of 0/1 flags: {exc}") from None
    if (
        isinstance(pyiscrowd, np.ndarray)
        and pyiscrowd.dtype.kind in "iu"
        and not np.array_equal(crowd, pyiscrowd)
    ):
        raise ValueError("pyiscrowd must be a list of 0/1 flags: a value is outside 0..255")
    if crowd.ndim != 1:
        raise ValueError(f"pyiscrowd must be 1-D (one flag per gt), got shape {crowd.shape}")
    return crowd


def _boxes(value: Any, name: str) -> NDArray[np.float64]:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{name}: boxes must be numbers [x, y, w, h]: {exc}") from None
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise ValueError(f"{name}: boxes must have shape (n, 4), got {arr.shape}")
    return np.ascontiguousarray(arr)


def _is_box(obj: Any) -> bool:
    return isinstance(obj, list | tuple | np.ndarray) and len(obj) == 4


def _iou_operand(objs: Any, name: str) -> tuple[str, Any, int]:
    """Classify an iou argument as pycocotools does: ("empty" | "box" | "rle", data, n)."""
    if isinstance(objs, np.ndarray):
        if objs.shape[:1] == (0,):
            return "empty", None, 0
        if objs.ndim != 2 or objs.shape[1] != 4:
            raise ValueError(
                f"{name}: an array must hold boxes, shape (n, 4); got shape {objs.shape}"
            )
        boxes = _boxes(objs, name)
        return "box", boxes, boxes.shape[0]
    if isinstance(objs, list):
        if not objs:
            return "empty", None, 0
        if type(objs[0]) is dict:
            try:  # the usual call: RLE dicts, checked item by item in the kernel
                rles = _kernels.RLEs(objs, name, False)
                return "rle", rles, len(rles)
            except TypeError:
                pass  # not all RLE dicts: the checks below say which problem it is
        if all(type(o) is dict for o in objs) or all(isinstance(o, Mapping) for o in objs):
            rles = _kernels.RLEs(objs, name, False)
            return "rle", rles, len(rles)
        if all(_is_box(o) for o in objs):
            boxes = _boxes(objs, name)
            return "box", boxes, boxes.shape[0]
        raise ValueError(f"{name}: a list must hold either RLE dicts or boxes [x, y, w, h]")
    try:
        empty = len(objs) == 0
    except TypeError:
        empty = False
    if empty:
        return "empty", None, 0
    raise TypeError(
        f"{name} must be a list of RLE dicts, a list of boxes or an (n, 4) array, "
        f"got {type(objs).__name__}"
    )


def iou(dt: Any, gt: Any, pyiscrowd: Any) -> NDArray[np.float64] | list[Any]:
    """Intersection over union of every detection with every ground truth.

    Parameters
    ----------
    dt, gt : list of dict, list of boxes, or ndarray of shape (n, 4)
        Both RLEs or both boxes ``[x, y, w, h]``.
    pyiscrowd : sequence of bool or int, one per `gt`
        A crowd gt is scored by intersection over the detection's area.

    Returns
    -------
    iou : ndarray of shape (len(dt), len(gt)), dtype float64, Fortran order
        Mask IoUs are exact pixel ratios; a pair whose bounding boxes do not overlap is
        0, a pair of masks of different sizes -1 (pycocotools' conventions). An empty
        `dt` or `gt` gives ``[]``, a list, as in pycocotools.

    Raises
    ------
    TypeError
        If `dt` and `gt` are of different kinds, or of an unsupported type.
    ValueError
        If `pyiscrowd` is not one flag per gt, or an input is malformed.

    Examples
    --------
    >>> iou([[0, 0, 2, 2]], [[1, 1, 2, 2], [0, 0, 1, 1]], [0, 1])
    array([[0.14285714, 0.25      ]])
    """
    crowd = _crowd_flags(pyiscrowd)
    dt_kind, dt_data, m = _iou_operand(dt, "dt")
    gt_kind, gt_data, n = _iou_operand(gt, "gt")
    if crowd.shape[0] != n:
        raise ValueError(f"pyiscrowd has {crowd.shape[0]} flags but gt has {n} items")
    if m == 0 or n == 0:
        return []
    if dt_kind != gt_kind:
        raise TypeError(
            f"dt and gt must be of one kind: dt holds {dt_kind}es, gt {gt_kind}es"
            if dt_kind == "box"
            else f"dt and gt must be of one kind: dt holds RLEs, gt {gt_kind}es"
        )
    flat = np.empty(m * n, dtype=np.float64)
    if dt_kind == "box":
        _kernels.rle_box_iou(dt_data, gt_data, crowd, flat)
    else:
        dt_data.parse()
        gt_data.parse()

        def task(a: int, b: int) -> None:
            _kernels.rle_iou(dt_data, gt_data, crowd, flat, a, b)

        _run(task, m, 64 * m * n)
    return flat.reshape((m, n), order="F")


def _flag(intersect: Any) -> bool:
    if isinstance(intersect, int | np.integer | np.bool_):
        return bool(intersect)
    if isinstance(intersect, float | np.floating):
        if not np.isfinite(intersect):
            raise ValueError(f"intersect must be 0 or 1, got {intersect!r}")
        return int(intersect) != 0  # pycocotools truncates to an int
    raise TypeError(f"intersect must be 0 or 1 (or a bool), got {type(intersect).__name__}")


def merge(rleObjs: Sequence[RLELike], intersect: Any = 0) -> RLE:
    """Union (default) or intersection of RLEs of one size.

    Parameters
    ----------
    rleObjs : list of dict
        RLEs of one size.
    intersect : bool or int, default=0
        Intersect instead of uniting.

    Returns
    -------
    rle : dict
        Its counts are pycocotools' merge counts, byte for byte (including the
        zero-length runs its merge keeps). An empty list gives
        ``{"size": [0, 0], "counts": b""}`` as in pycocotools.

    Raises
    ------
    TypeError, ValueError
        For invalid RLEs or masks of different sizes.

    Examples
    --------
    >>> top = {"size": [2, 2], "counts": b"01100"}  # [[1, 1], [0, 0]]
    >>> left = {"size": [2, 2], "counts": b"022"}  # [[1, 0], [1, 0]]
    >>> merge([top, left])
    {'size': [2, 2], 'counts': b'031'}
    >>> merge([top, left], intersect=True)
    {'size': [2, 2], 'counts': b'013'}
    """
    flag = _flag(intersect)
    if not isinstance(rleObjs, list | tuple):
        raise TypeError(f"rleObjs must be a list of RLE dicts, got {type(rleObjs).__name__}")
    if len(rleObjs) == 0:
        return _rle_dict(0, 0, b"")
    rles = _kernels.RLEs(list(rleObjs), "rleObjs", False)
    if not rles.same_size():
        raise ValueError("rleObjs: all masks must have one size to be merged")
    h, w = rles.size(0)
    return _rle_dict(h, w, _kernels.rle_merge(rles, flag))


def _from_boxes(boxes: NDArray[np.float64], h: int, w: int, name: str, single: bool) -> list[RLE]:
    n = boxes.shape[0]

    def task(a: int, b: int) -> list[bytes]:
        return _kernels.rle_from_boxes(boxes, h, w, a, b, name, single)

    return [_rle_dict(h, w, s) for part in _run(task, n, 64 * n) for s in part]


def _from_polygons(polys: list[Any], h: int, w: int, name: str, single: bool) -> list[RLE]:
    xy, starts = _kernels.rle_gather_polygons(polys, name, single)
    n = len(polys)

    def task(a: int, b: int) -> list[bytes]:
        return _kernels.rle_from_polygons(xy, starts, h, w, a, b, name, single)

    return [_rle_dict(h, w, s) for part in _run(task, n, 16 * xy.shape[0]) for s in part]


def _from_uncompressed(obj: Mapping[str, Any], where: str) -> RLE:
    size = obj["size"]
    try:
        hh, ww = size[0], size[1]
    except (KeyError, IndexError, TypeError):
        raise ValueError(f"{where}['size'] must be [height, width], got {size!r}") from None
    h = _kernels.rle_as_dim(hh, f"{where}['size'][0]")
    w = _kernels.rle_as_dim(ww, f"{where}['size'][1]")
    _check_area(h, w, where)
    counts = obj["counts"]
    if isinstance(counts, str | bytes):
        raise TypeError(
            f"{where}['counts'] must be a list of run lengths (uncompressed RLE); "
            "this RLE is already compressed"
        )
    try:
        arr = np.array(counts, dtype=np.uint32)
    except TypeError as exc:
        raise TypeError(f"{where}['counts'] must be a list of run lengths: {exc}") from None
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"{where}['counts'] must be a list of run lengths: {exc}") from None
    if arr.ndim != 1:
        raise ValueError(f"{where}['counts'] must be a flat list of run lengths")
    return _rle_dict(h, w, _kernels.rle_from_counts(arr, h, w, where))


def _is_rle_dict(obj: Any) -> bool:
    return isinstance(obj, Mapping) and "counts" in obj and "size" in obj


def _is_scalar(obj: Any) -> bool:
    if isinstance(obj, str | bytes):
        return True
    try:
        len(obj)
    except TypeError:
        return True
    return False


def frPyObjects(pyobj: Any, h: Any, w: Any) -> RLE | list[RLE]:
    """Convert polygons, boxes or uncompressed RLEs to compressed RLEs.

    Parameters
    ----------
    pyobj : list, ndarray or dict
        - a list of polygons ``[x1, y1, x2, y2, ...]`` (the first with more than 4
          numbers), or a single polygon as a flat list;
        - an ``(n, 4)`` array or a list of boxes ``[x, y, w, h]`` (the first with 4
          numbers), or a single box as a flat list of 4 numbers;
        - a list of uncompressed RLEs ``{"size": [h, w], "counts": [run lengths]}``, or
          one of them.

        Polygons are rasterised exactly as pycocotools does (5x upsampling, its
        rounding), so every run length matches. An odd trailing coordinate is
        ignored; polygons of one or two points give empty masks, as there.
    h, w : int
        Image height and width (floats are truncated, as in pycocotools). Uncompressed
        RLEs keep their own ``size``.

    Returns
    -------
    rle : dict or list of dict
        A list for list (or array) input, one dict for a single polygon, box or RLE.

    Raises
    ------
    TypeError
        For unsupported input types.
    ValueError
        For polygons without points or with non-finite or out-of-range coordinates,
        uncompressed counts that do not sum to ``h * w`` of their ``size``, and
        ``h * w`` beyond 2**32 - 1.

    Examples
    --------
    >>> frPyObjects([[1, 1, 3, 1, 3, 3, 1, 3]], 4, 4)
    [{'size': [4, 4], 'counts': b'52203'}]
    >>> frPyObjects([0, 0, 2, 2], 4, 4)
    {'size': [4, 4], 'counts': b'02208'}
    """
    fast = _kernels.rle_polygon_list(pyobj, h, w)  # the commonest call, in one step
    if fast is not None:
        return fast
    hh = _kernels.rle_as_dim(h, "h")
    ww = _kernels.rle_as_dim(w, "w")
    _check_area(hh, ww, "frPyObjects")
    if isinstance(pyobj, np.ndarray):
        if pyobj.ndim != 2 or pyobj.shape[1] != 4:
            raise ValueError(f"pyobj: an array must hold boxes, shape (n, 4); got {pyobj.shape}")
        return _from_boxes(_boxes(pyobj, "pyobj"), hh, ww, "pyobj", False)
    if isinstance(pyobj, list):
        if not pyobj:
            raise ValueError("pyobj is an empty list")
        first = pyobj[0]
        if isinstance(first, Mapping):
            if not all(_is_rle_dict(o) for o in pyobj):
                bad = next(i for i, o in enumerate(pyobj) if not _is_rle_dict(o))
                raise ValueError(f"pyobj[{bad}] must be an RLE dict with 'size' and 'counts'")
            return [_from_uncompressed(o, f"pyobj[{i}]") for i, o in enumerate(pyobj)]
        if _is_scalar(first):  # one polygon or box, flat
            if len(pyobj) == 4:
                return _from_boxes(_boxes([pyobj], "pyobj"), hh, ww, "pyobj", True)[0]
            if len(pyobj) > 4:
                return _from_polygons([pyobj], hh, ww, "pyobj", True)[0]
            raise ValueError(
                f"pyobj: a single box needs 4 numbers and a polygon more than 4, got {len(pyobj)}"
            )
        if len(first) == 4:
            return _from_boxes(_boxes(pyobj, "pyobj"), hh, ww, "pyobj", False)
        if len(first) > 4:
            return _from_polygons(pyobj, hh, ww, "pyobj", False)
        raise ValueError(
            f"pyobj[0] has {len(first)} numbers: boxes need 4 and polygons more than 4"
        )
    if _is_rle_dict(pyobj):
        return _from_uncompressed(pyobj, "pyobj")
    raise TypeError(
        "pyobj must be a list of polygons, boxes or uncompressed RLEs, an (n, 4) array of "
        f"boxes, or one uncompressed RLE dict; got {type(pyobj).__name__}"
    )
