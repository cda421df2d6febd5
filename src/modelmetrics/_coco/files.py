"""COCO JSON files as the compiled reader sees them, before any annotation dict exists.

``COCO(path)`` and ``loadRes(path)`` read a file's bytes with the compiled JSON reader
straight into annotation columns; the dicts are parsed from the same file only if the
caller asks for them (``dataset``, an index). A :class:`FileSnapshot` remembers which
file that is and refuses to parse it if it changed since.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelmetrics import _kernels
from modelmetrics._core.json_parse import parse_json
from modelmetrics._core.parallel import get_num_threads, run_parallel
from modelmetrics._detection.columns import AnnotationColumns, ground_truth_columns_from_reader

__all__ = [
    "FastGroundTruth",
    "FileSnapshot",
    "SegmentationSpans",
    "load_json",
    "read_bytes",
    "read_document",
    "read_into",
    "read_keypoints",
    "read_results",
]

# Files (and results documents) from this size on are read (and parsed) in parts on
# threads; below it, the threads would cost more than they save.
_PARALLEL_BYTES = 8 << 20
# Bytes per part at least, so that a part's fixed costs stay small.
_MIN_PART_BYTES = 1 << 20


def load_json(path: str | os.PathLike[str]) -> Any:
    """Parse a JSON file (with orjson when it is installed: several times faster)."""
    return parse_json(read_bytes(path))


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def read_document(path: str | os.PathLike[str]) -> bytes | NDArray[np.uint8]:
    """A file's bytes, read in parts on threads when it is large: faulting in and
    copying a few hundred megabytes is a tenth of a second per core. Bytes for a small
    file; for a large one, a uint8 array of the size the file had when the read
    began (compare it with the file's size after the read to catch a change)."""
    size = os.stat(path).st_size
    threads = get_num_threads()
    if threads == 1 or size < _PARALLEL_BYTES:
        return read_bytes(path)
    data = np.empty(size, np.uint8)
    parts = max(1, min(threads, size // _MIN_PART_BYTES))
    bounds = np.linspace(0, size, parts + 1).astype(np.int64).tolist()
    with data.data as view:
        run_parallel(
            [partial(read_into, path, a, view[a:b]) for a, b in itertools.pairwise(bounds)]
        )
    return data


def read_results(data: bytes | NDArray[np.uint8]) -> _kernels.CocoJson:
    """``_kernels.read_results(data)``, in parts on threads for a large document; the
    same outcome either way."""
    threads = get_num_threads()
    if threads == 1 or len(data) < _PARALLEL_BYTES:
        return _kernels.read_results(data)
    # Parts of similar size, several per thread to balance them.
    starts = _kernels.results_part_starts(data, min(4 * threads, len(data) // _MIN_PART_BYTES))
    parts = _kernels.ResultsInParts(data, starts)
    run_parallel([partial(parts.read, p) for p in range(len(starts))])
    read = parts.result()
    del parts
    _kernels.release_free_memory()  # the parts' columns, freed in the threads' arenas
    return read if read is not None else _kernels.read_results(data)


def read_into(path: str | os.PathLike[str], offset: int, out: memoryview) -> None:
    """Fill `out` with the file's bytes from `offset` on. The read releases the GIL, so
    threads read parts of one file at once, each into a buffer it reuses (a fresh
    buffer per part costs a page fault per 4 KiB: a tenth of a segm evaluation).

    Raises
    ------
    OSError
        When the file cannot be read, or ends before ``offset + len(out)``.
    """
    size = out.nbytes
    if size == 0:
        return
    with open(path, "rb", buffering=0) as f:
        f.seek(offset)
        done = 0
        while done < size:
            got = f.readinto(out[done:])
            if not got:
                raise OSError(f"the file ended {size - done} bytes early")
            done += got


class FileSnapshot:
    """A JSON file the compiled reader read, to be parsed again only if its dicts are
    ever needed.

    Holding the path instead of the bytes keeps a loaded ``COCO`` as small as its
    columns (a 45 MB results file costs 45 MB otherwise). The file must then stay as it
    was: a later change, detected by size, modification time and inode, is an error
    rather than silently different dicts.
    """

    def __init__(self, path: str | os.PathLike[str], size: int) -> None:
        self.path = os.fspath(path)
        stat = os.stat(self.path)
        self.key = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        if stat.st_size != size:  # changed while we were reading it
            raise ValueError(f"{self.path} changed while it was being read")

    def read(self) -> bytes:
        """The file's bytes, as they were when it was loaded."""
        try:
            stat = os.stat(self.path)
            data = read_bytes(self.path)
        except OSError as exc:
            raise ValueError(
                f"{self.path} is no longer readable ({exc.strerror}); its annotation "
                "dicts are parsed from the file on first use"
            ) from exc
        if (stat.st_size, stat.st_mtime_ns, stat.st_ino) != self.key or len(data) != self.key[0]:
            raise ValueError(
                f"{self.path} changed after it was loaded; load it again to read its "
                "annotation dicts (they are parsed from the file on first use)"
            )
        return data

    def read_into(self, offset: int, out: memoryview) -> None:
        """Fill `out` with the file's bytes from `offset` on, as it was loaded (any
        thread; call :meth:`check` after the last read)."""
        try:
            read_into(self.path, offset, out)
        except OSError as exc:
            raise ValueError(
                f"{self.path} is no longer readable ({exc.strerror or exc}); its "
                "annotation masks are read from the file when evaluated"
            ) from exc

    def check(self) -> None:
        """Raise ValueError if the file is no longer the one that was loaded."""
        try:
            stat = os.stat(self.path)
        except OSError as exc:
            raise ValueError(f"{self.path} is no longer readable ({exc.strerror})") from exc
        if (stat.st_size, stat.st_mtime_ns, stat.st_ino) != self.key:
            raise ValueError(
                f"{self.path} changed after it was loaded; load it again to evaluate "
                "its masks (they are read from the file when evaluated)"
            )


@dataclass(frozen=True, eq=False)
class SegmentationSpans:
    """Where a document's values are, as the reader recorded them: each annotation's
    ``segmentation`` (``seg_len < 0``: none) and, for ground truth, the ``images`` and
    ``categories`` lists.
    Kept so that masks are read from the bytes without scanning the document again."""

    seg_off: NDArray[np.int64]
    seg_len: NDArray[np.int64]
    image_id: NDArray[np.int64]
    images_off: int = 0
    images_len: int = 0
    categories_off: int = 0
    categories_len: int = 0

    @classmethod
    def from_read(cls, read: _kernels.CocoJson) -> SegmentationSpans:
        return cls(
            read.seg_off,
            read.seg_len,
            read.image_id,
            read.images_off,
            read.images_len,
            read.categories_off,
            read.categories_len,
        )


@dataclass(eq=False)
class FastGroundTruth:
    """What the compiled reader found in a ground-truth file, before any dict exists.

    ``image_ids`` (deduplicated, in order: ``imgs``' keys) and ``cat_ids`` are None when
    pycocotools' index building or ``getCatIds`` would fail on the file (a missing id):
    the dict path then raises as before. ``columns`` or ``error`` is what
    ``extract_columns`` gives for the annotations.
    """

    image_ids: list[Any] | None
    cat_ids: list[Any] | None
    columns: AnnotationColumns | None
    error: tuple[int, str, str] | None
    spans: SegmentationSpans | None = None
    # Each annotation's keypoints span (length -1: none) and num_keypoints == 0
    # (1 yes, 0 no, 2 absent), for iouType "keypoints" without the dicts.
    keypoint_spans: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.uint8]] | None = None

    @classmethod
    def from_read(cls, read: _kernels.CocoJson) -> FastGroundTruth:
        image_ids = list(dict.fromkeys(read.images.tolist())) if read.index_ok else None
        cat_ids = read.categories.tolist() if read.index_ok and read.has_categories else None
        if read.status != "ok":
            return cls(image_ids, cat_ids, None, read.error)
        columns = ground_truth_columns_from_reader(read)
        keypoint_spans = (read.kp_off, read.kp_len, read.num_kp_zero)
        spans = SegmentationSpans.from_read(read)
        return cls(image_ids, cat_ids, columns, None, spans, keypoint_spans)


def read_keypoints(
    data: bytes | NDArray[np.uint8], off: NDArray[np.int64], length: NDArray[np.int64]
) -> NDArray[np.float64] | None:
    """Each result's keypoints from its span, parsed on threads: an ``(n, 3 k)`` array,
    or None when any is not an array of the first one's count of plain numbers."""
    if not len(off):
        return None
    width = _kernels.keypoint_width(data, int(off[0]), int(length[0]))
    if width <= 0:
        return None
    out = np.empty((len(off), width), np.float64)
    parts = max(1, min(4 * get_num_threads(), len(off) // 1024))
    bounds = np.linspace(0, len(off), parts + 1).astype(np.int64).tolist()
    done = run_parallel(
        [
            partial(_kernels.keypoint_arrays, data, off, length, out, a, b)
            for a, b in itertools.pairwise(bounds)
        ]
    )
    return out if all(done) else None
