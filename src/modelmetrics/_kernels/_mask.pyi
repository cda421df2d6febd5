import mmap
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import NDArray
from typing_extensions import disjoint_base

# What gather_annotations and JsonScan.gather return:
# (xy, poly_start, ann_poly, (blob, str_at, str_len), hw, bbox, area).
_GatherResult: TypeAlias = tuple[
    NDArray[np.float64],
    NDArray[np.int64],
    NDArray[np.int64],
    tuple[NDArray[np.uint8], NDArray[np.int64], NDArray[np.int64]],
    NDArray[np.uint32],
    NDArray[np.float64],
    NDArray[np.uint32],
]

MAX_AREA: int
MAX_COORD: float

def as_dim(value: object, what: str) -> int: ...

@disjoint_base
class RLEs:
    def __init__(self, objs: list[Any], name: str, single: bool = False) -> None: ...
    def __len__(self) -> int: ...
    def size(self, i: int) -> tuple[int, int]: ...
    def same_size(self) -> bool: ...
    def area(
        self,
        out: NDArray[np.uint32],  # uint32_t[::1] (n,), written
    ) -> None: ...
    def to_bbox(
        self,
        out: NDArray[np.float64],  # double[:, ::1] (n, 4), written
    ) -> None: ...
    def decode(
        self,
        out: NDArray[np.uint8],  # uint8_t[::1] (n * h * w,), zero-filled, runs of 1s written
        first: int,
        last: int,
    ) -> None: ...
    def parse(self) -> None: ...

def iou(
    dt: RLEs,
    gt: RLEs,
    crowd: NDArray[np.uint8],  # const uint8_t[::1] (n_gt,)
    out: NDArray[np.float64],  # double[::1] (n_dt * n_gt,), out[g * n_dt + d] written
    first: int,
    last: int,
) -> None: ...
def box_iou(
    dt: NDArray[np.float64],  # const double[:, ::1] (n_dt, 4)
    gt: NDArray[np.float64],  # const double[:, ::1] (n_gt, 4)
    crowd: NDArray[np.uint8],  # const uint8_t[::1] (n_gt,)
    out: NDArray[np.float64],  # double[::1] (n_dt * n_gt,), out[g * n_dt + d] written
) -> None: ...
def merge(r: RLEs, intersect: bool) -> bytes: ...
def encode(
    masks: NDArray[np.uint8],  # const uint8_t[::1], n column-major h x w masks
    h: int,
    w: int,
    first: int,
    last: int,
) -> list[bytes]: ...
def from_counts(
    counts: NDArray[np.uint32],  # const uint32_t[::1]
    h: int,
    w: int,
    where: str,
) -> bytes: ...
def gather_polygons(
    polys: list[Any], name: str, single: bool
) -> tuple[NDArray[np.float64], NDArray[np.int64]]: ...
def from_polygons(
    xy: NDArray[np.float64],  # const double[::1]
    starts: NDArray[np.int64],  # const int64_t[::1] (n + 1,)
    h: int,
    w: int,
    first: int,
    last: int,
    name: str,
    single: bool,
) -> list[bytes]: ...
def from_boxes(
    boxes: NDArray[np.float64],  # const double[:, ::1] (n, 4)
    h: int,
    w: int,
    first: int,
    last: int,
    name: str,
    single: bool,
) -> list[bytes]: ...
def gather_annotations(
    segs: list[Any],
    heights: NDArray[np.int64],  # const int64_t[::1] (n,)
    widths: NDArray[np.int64],  # const int64_t[::1] (n,)
    fallback: Any,
    name: str,
) -> _GatherResult: ...

@disjoint_base
class JsonScan:
    def __init__(
        self,
        seg_off: NDArray[np.int64],  # const int64_t[::1] (n,): in order, disjoint
        seg_len: NDArray[np.int64],  # const int64_t[::1] (n,)
        bounds: NDArray[np.int64],  # const int64_t[::1] (parts + 1,): 0 ... n
    ) -> None: ...
    def part_span(self, p: int) -> tuple[int, int]: ...
    def scan(
        self,
        p: int,
        chunk: bytearray | memoryview | mmap.mmap | NDArray[np.uint8],  # const uint8_t[::1]
        chunk_start: int,
    ) -> None: ...
    def gather(
        self,
        heights: NDArray[np.int64],  # const int64_t[::1] (n,)
        widths: NDArray[np.int64],  # const int64_t[::1] (n,)
        parse: Any,
        fallback: Any,
        name: str,
    ) -> _GatherResult: ...

def rasterize_annotations(
    xy: NDArray[np.float64],  # const double[::1]
    poly_start: NDArray[np.int64],  # const int64_t[::1]
    ann_poly: NDArray[np.int64],  # const int64_t[::1] (n + 1,)
    hw: NDArray[np.uint32],  # const uint32_t[:, ::1] (n, 2)
    bbox: NDArray[np.float64],  # double[:, ::1] (n, 4), rows [first, last) written
    area: NDArray[np.uint32],  # uint32_t[::1] (n,), rows [first, last) written
    first: int,
    last: int,
    name: str,
) -> tuple[NDArray[np.uint32], NDArray[np.int64]]: ...
def polygon_list(pyobj: object, h: object, w: object) -> list[dict[str, Any]] | None: ...
