"""Segmentation masks of COCO annotations, as pycocotools reads them for ``iouType="segm"``.

pycocotools converts every ``segmentation`` to a compressed RLE with ``COCO.annToRLE``
(polygons rasterised on the image's ``height x width`` and merged, uncompressed RLEs
compressed, compressed RLEs kept with their own size) before computing mask IoUs. Here
the same conversion runs in the mask kernels for all annotations at once and yields a
:class:`modelmetrics._kernels.MaskTable`, indexed like the annotation columns.
"""

from __future__ import annotations

import itertools
import mmap
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelmetrics import _kernels
from modelmetrics._core.json_parse import parse_json
from modelmetrics._core.parallel import get_num_threads, run_parallel
from modelmetrics._detection import rle
from modelmetrics._detection.grouping import positions

__all__ = [
    "ann_to_rle",
    "annotation_table",
    "json_list",
    "json_mask_table",
    "mask_table",
    "segm_result_columns",
]

# Polygon coordinates per thread below which one thread rasterises a whole batch.
_PARALLEL_MIN_COORDS = 1 << 16
# Segmentations per scan part below which one part takes them all.
_SCAN_MIN_ITEMS = 2048
# File bytes per scan part above which a file is cut into more parts than threads.
_SCAN_PART_BYTES = 8 << 20


def annotation_table(
    segs: list[Any],
    heights: NDArray[np.int64],
    widths: NDArray[np.int64],
    fallback: Any,
    name: str,
) -> _kernels.MaskTable:
    """``annToRLE`` of every ``segmentation`` in `segs` (item ``i`` on an image of
    ``heights[i] x widths[i]``), as a mask table: strings checked and kept, polygons
    rasterised in the kernels, split over threads (items are independent, so the
    split changes nothing but speed)."""
    gathered = _kernels.rle_gather_annotations(segs, heights, widths, fallback, name)
    return _rasterized(gathered, name)


def json_mask_table(
    read_into: Callable[[int, memoryview], None],
    seg_off: NDArray[np.int64],
    seg_len: NDArray[np.int64],
    images: Sequence[Any],
    image_ids: NDArray[Any],
    side: str,
) -> _kernels.MaskTable:
    """:func:`mask_table` for annotations still in their JSON file, with the reader's
    span of each ``segmentation``, on the images `images`. ``read_into(offset, out)``
    fills `out` with the file's bytes from `offset` on (from any thread).

    The file is read and scanned in parts on threads, each thread reusing one buffer:
    polygons and compressed RLEs become arrays and one string blob without Python
    objects, and the file is never whole in memory.
    """
    heights, widths = _image_sizes(images, image_ids, side)
    name = f"{side} annotation"

    def fallback(segm: Any, h: int, w: int, i: int) -> dict[str, Any]:
        try:
            return ann_to_rle(segm, h, w)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{side} annotation {i}: field 'segmentation': {exc}") from None

    # Parts of similar size, enough to balance the threads and at most about
    # _SCAN_PART_BYTES each (the bytes a thread holds at once); only values the scan
    # leaves (numbers other than plain integers, other values) are parsed by Python.
    n = len(seg_off)
    spanned = int(np.maximum(seg_len, 0).sum())
    parts = max(min(4 * get_num_threads(), n // _SCAN_MIN_ITEMS), -(-spanned // _SCAN_PART_BYTES))
    parts = max(1, min(parts, n))
    bounds = np.linspace(0, n, parts + 1).astype(np.int64)
    scan = _kernels.RleJsonScan(seg_off, seg_len, bounds)
    spans = [scan.part_span(p) for p in range(parts)]
    largest = max(stop - start for start, stop in spans)
    # Buffers free for a part, and all made. A thread takes one, fills and scans it,
    # and puts it back (list pop and append are atomic): as many buffers as threads
    # scanning at once. Anonymous mappings go back to the system when closed, where a
    # freed malloc buffer of a few megabytes lingers in its thread's arena.
    idle: list[mmap.mmap] = []
    made: list[mmap.mmap] = []

    def scan_part(p: int) -> None:
        start, stop = spans[p]
        try:
            buffer = idle.pop()
        except IndexError:
            buffer = mmap.mmap(-1, max(largest, 1), flags=mmap.MAP_PRIVATE)
            made.append(buffer)
        try:
            with memoryview(buffer)[: stop - start] as chunk:
                read_into(start, chunk)
                scan.scan(p, chunk, start)
        finally:
            idle.append(buffer)

    try:
        run_parallel([partial(scan_part, p) for p in range(parts)])
    finally:
        for buffer in made:
            buffer.close()
    table = _rasterized(scan.gather(heights, widths, parse_json, fallback, name), name)
    if get_num_threads() > 1:
        _kernels.release_free_memory()  # the threads' scratch, in their own arenas
    return table


def json_list(read_into: Callable[[int, memoryview], None], offset: int, length: int) -> list[Any]:
    """A list of a ground-truth file (``images``, ``categories``) at the span the reader
    recorded: only that list is read and parsed (``read_into`` as in
    :func:`json_mask_table`); empty when the span is (the key was absent)."""
    if not length:
        return []
    text = bytearray(length)
    with memoryview(text) as out:
        read_into(offset, out)
    values: list[Any] = parse_json(text)
    return values


def _rasterized(gathered: tuple[Any, ...], name: str) -> _kernels.MaskTable:
    xy, poly_start, ann_poly, (blob, str_at, str_len), hw, bbox, area = gathered
    n = len(str_len)
    threads = get_num_threads()
    if threads == 1 or n < 2 or xy.shape[0] < _PARALLEL_MIN_COORDS:
        bounds = [0, n]
    else:
        # Equal shares of coordinates, the rasterisation's work.
        coords = poly_start[ann_poly]
        k = min(n, 4 * threads)
        targets = coords[-1] * np.arange(1, k) / k
        cuts = np.searchsorted(coords, targets).tolist()
        bounds = sorted({0, n, *cuts})
    parts = run_parallel(
        [
            partial(
                _kernels.rle_rasterize_annotations,
                xy, poly_start, ann_poly, hw, bbox, area, a, b, name,
            )
            for a, b in itertools.pairwise(bounds)
        ]
    )  # fmt: skip
    counts = np.concatenate([c for c, _ in parts]) if parts else np.empty(0, np.uint32)
    # Zeros (memory that is never written stays unallocated) unless some row has counts:
    # a table of result strings costs nothing here.
    starts = np.zeros(n + 1, np.int64)
    if counts.shape[0]:
        offset = 0
        for (a, b), (c, local) in zip(itertools.pairwise(bounds), parts, strict=True):
            starts[a : b + 1] = local + offset
            offset += c.shape[0]
    # Every string was walked (validated, area and box) when it was gathered.
    return _kernels.MaskTable(counts, starts, hw, bbox, area, blob, str_at, str_len, validated=True)


def ann_to_rle(segm: Any, h: Any, w: Any) -> dict[str, Any]:
    """``COCO.annToRLE`` for one ``segmentation`` value on an ``h x w`` image."""
    if type(segm) is list:
        rles = rle.frPyObjects(segm, h, w)
        return rle.merge(rles if isinstance(rles, list) else [rles])
    if not isinstance(segm, dict) or "counts" not in segm:
        raise ValueError(
            "must be a list of polygons or an RLE dict with 'size' and 'counts', "
            f"got {type(segm).__name__}"
        )
    if type(segm["counts"]) is list:
        converted = rle.frPyObjects(segm, h, w)
        assert isinstance(converted, dict)
        return converted
    return segm


def _image_sizes(
    images: Sequence[Any], image_ids: NDArray[Any], side: str
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Height and width of each annotation's image (the last image dict of an id wins,
    as in pycocotools' ``imgs`` index). Only the sizes of images that annotations are
    on are read."""
    at = positions(image_ids, [img["id"] for img in images])
    if len(at) and at.min() < 0:
        row = int(np.argmax(at < 0))
        raise ValueError(f"{side} annotation {row}: image_id {image_ids[row]!r} has no image entry")
    hs = np.zeros(len(images), np.int64)
    ws = np.zeros(len(images), np.int64)
    used = np.zeros(len(images), np.bool_)
    used[at] = True
    for i in np.flatnonzero(used).tolist():
        img = images[i]
        key = img["id"]
        try:
            hs[i] = _kernels.rle_as_dim(img["height"], f"image {key!r}: 'height'")
            ws[i] = _kernels.rle_as_dim(img["width"], f"image {key!r}: 'width'")
        except KeyError as exc:
            raise ValueError(
                f"image {key!r} has no {exc.args[0]!r}: segmentations need the image size"
            ) from None
    return hs[at], ws[at]


def mask_table(
    annotations: Sequence[dict[str, Any]],
    images: Sequence[Any],
    image_ids: NDArray[Any],
    side: str,
) -> _kernels.MaskTable:
    """The masks of `annotations` (in order), converted as ``annToRLE`` does.

    Raises
    ------
    ValueError
        Naming the annotation of a missing or invalid ``segmentation``, or an image
        without ``height`` / ``width``.
    """
    segs: list[Any] = []
    for i, ann in enumerate(annotations):
        try:
            segs.append(ann["segmentation"])
        except KeyError:
            raise ValueError(
                f"{side} annotation {i}: no 'segmentation' (needed for iouType 'segm')"
            ) from None
    heights, widths = _image_sizes(images, image_ids, side)

    def fallback(segm: Any, h: int, w: int, i: int) -> dict[str, Any]:
        try:
            return ann_to_rle(segm, h, w)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{side} annotation {i}: field 'segmentation': {exc}") from None

    return annotation_table(segs, heights, widths, fallback, f"{side} annotation")


def _compressed_only(segm: Any, h: int, w: int, i: int) -> dict[str, Any]:
    raise ValueError(
        f"annotation {i}: field 'segmentation' of a result must be a compressed RLE "
        "(a dict with 'size' and a 'counts' string), as pycocotools' loadRes requires"
    )


def segm_result_columns(
    anns: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], _kernels.MaskTable]:
    """What loadRes needs of segmentation results (no ``bbox`` in the first one).

    Returns light dicts with ``image_id``, ``category_id``, ``score`` and ``bbox`` (the
    result's own, else the mask's box) for ``extract_columns``, and the results' masks,
    whose areas and boxes are pycocotools' ``maskUtils.area`` / ``toBbox``.
    Segmentations must be compressed RLEs, as there.
    """
    segs: list[Any] = []
    for i, ann in enumerate(anns):
        if not isinstance(ann, dict):
            raise ValueError(f"annotation {i} must be an object, got {type(ann).__name__}")
        if "segmentation" not in ann:
            raise ValueError(f"annotation {i}: field 'segmentation' is missing")
        segs.append(ann["segmentation"])
    zeros = np.zeros(len(segs), np.int64)  # compressed RLEs carry their own size
    table = annotation_table(segs, zeros, zeros, _compressed_only, "annotation")
    boxes = np.asarray(table.bbox)
    light = []
    for i, ann in enumerate(anns):
        d: dict[str, Any] = {k: ann[k] for k in ("image_id", "category_id", "score") if k in ann}
        d["bbox"] = ann["bbox"] if "bbox" in ann else boxes[i].tolist()
        light.append(d)
    return light, table
