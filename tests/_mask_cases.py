"""Shared pieces of the mask tests: hypothesis strategies for masks, polygons, boxes and
RLEs, calls into pycocotools, and an identity check that includes array flags."""

from __future__ import annotations

import contextlib
import warnings
from typing import Any

import numpy as np
from hypothesis import strategies as st

pc_mask: Any = None
with contextlib.suppress(ImportError):  # the parity tests skip themselves without it
    import pycocotools.mask as pc_mask


def ref(name: str, *args: Any, **kwargs: Any) -> Any:
    """Call pycocotools.mask.<name>, silencing its numpy-2 __array__ DeprecationWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return getattr(pc_mask, name)(*args, **kwargs)


FLAGS = ("C_CONTIGUOUS", "F_CONTIGUOUS", "OWNDATA", "WRITEABLE")


def assert_identical(ours: Any, theirs: Any, path: str = "result") -> None:
    """``==`` down to types: arrays by dtype, shape, values and memory flags; dicts by
    key order; bytes by bytes; numpy scalars by type."""
    if isinstance(theirs, np.ndarray):
        assert isinstance(ours, np.ndarray), f"{path}: {type(ours)} is not an ndarray"
        assert ours.dtype == theirs.dtype, f"{path}: dtype {ours.dtype} != {theirs.dtype}"
        assert ours.shape == theirs.shape, f"{path}: shape {ours.shape} != {theirs.shape}"
        for flag in FLAGS:
            assert ours.flags[flag] == theirs.flags[flag], f"{path}: flag {flag} differs"
        assert np.array_equal(ours, theirs, equal_nan=theirs.dtype.kind == "f"), (
            f"{path}: {ours!r} != {theirs!r}"
        )
    elif isinstance(theirs, dict):
        assert type(ours) is dict, f"{path}: {type(ours)}"
        assert list(ours) == list(theirs), f"{path}: keys {list(ours)} != {list(theirs)}"
        for key in theirs:
            assert_identical(ours[key], theirs[key], f"{path}[{key!r}]")
    elif isinstance(theirs, list | tuple):
        assert type(ours) is type(theirs), f"{path}: {type(ours)}"
        assert len(ours) == len(theirs), f"{path}: length {len(ours)} != {len(theirs)}"
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            assert_identical(a, b, f"{path}[{i}]")
    else:
        assert type(ours) is type(theirs), f"{path}: {type(ours)} != {type(theirs)}"
        if isinstance(theirs, float) and np.isnan(theirs):
            assert np.isnan(ours)
        else:
            assert ours == theirs, f"{path}: {ours!r} != {theirs!r}"


def py_counts(s: bytes | str) -> list[int] | None:
    """Run lengths of a compressed RLE string, decoded in Python from its definition;
    None when the string is malformed (bad character, truncated, over 7 characters per
    value, or a count outside uint32)."""
    data = s.encode() if isinstance(s, str) else s
    counts: list[int] = []
    i = 0
    while i < len(data):
        value, shift = 0, 0
        while True:
            if i == len(data) or shift > 30:
                return None
            c = data[i] - 48
            i += 1
            if not 0 <= c <= 63:
                return None
            value |= (c & 0x1F) << shift
            shift += 5
            if not c & 0x20:
                break
        if c & 0x10:
            value -= 1 << shift
        if len(counts) > 2:
            value += counts[-2]
        if not 0 <= value < 2**32:
            return None
        counts.append(value)
    return counts


def py_string(counts: list[int]) -> bytes:
    """The compressed string of run lengths, encoded in Python from its definition."""
    out = bytearray()
    for i, count in enumerate(counts):
        x = count - counts[i - 2] if i > 2 else count
        while True:
            c = x & 0x1F
            x >>= 5
            more = x != -1 if c & 0x10 else x != 0
            out.append(48 + (c | 0x20 if more else c))
            if not more:
                break
    return bytes(out)


def pc_safe(s: bytes | str) -> bool:
    """Whether pycocotools decodes `s` without undefined behaviour: a valid string whose
    values all fit 6 characters (it shifts 32-bit ints by 30 and more for 7)."""
    data = s.encode() if isinstance(s, str) else s
    if not data or py_counts(data) is None:  # "" has no counts: it writes past malloc(0)
        return False
    run = 0
    for b in data:
        run = run + 1 if (b - 48) & 0x20 else 0
        if run >= 6:
            return False
    return True


# ---- masks ----

dims = st.one_of(st.integers(0, 3), st.integers(1, 40))


@st.composite
def masks(draw: Any, max_n: int = 4, values: bool = False) -> np.ndarray:
    """A Fortran-ordered (h, w, n) uint8 stack: noise, rectangles, empty or full."""
    h, w = draw(dims), draw(dims)
    n = draw(st.integers(0, max_n))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    kind = draw(st.sampled_from(["noise", "blobs", "empty", "full", "mixed"]))
    out = np.zeros((h, w, n), dtype=np.uint8, order="F")
    for i in range(n):
        k = kind if kind != "mixed" else rng.choice(["noise", "blobs", "empty", "full"])
        if k == "noise":
            out[:, :, i] = rng.random((h, w)) < rng.random()
        elif k == "blobs" and h and w:
            for _ in range(int(rng.integers(1, 4))):
                y, x = int(rng.integers(0, h)), int(rng.integers(0, w))
                out[y : y + int(rng.integers(1, h + 1)), x : x + int(rng.integers(1, w + 1)), i] = 1
        elif k == "full":
            out[:, :, i] = 1
    if values and out.size:
        out *= rng.integers(1, 256, size=out.shape, dtype=np.uint8)  # runs of any byte value
    return out


@st.composite
def rle_lists(draw: Any, min_n: int = 1, max_n: int = 4) -> list[dict[str, Any]]:
    """RLEs of one size, as pycocotools encodes them (counts as bytes or str)."""
    m = draw(masks(max_n=max_n).filter(lambda a: a.shape[2] >= min_n))
    rles = ref("encode", m)
    if draw(st.booleans()):
        rles = [{"size": r["size"], "counts": r["counts"].decode()} for r in rles]
    return rles


# ---- polygons and boxes ----

SPECIAL_COORDS = [0.0, 0.5, -0.5, 1.0, 2.5, -3.0, 0.1, 0.25, 0.7, 1e-9, -1e-9, 4.5, 9.5]


@st.composite
def coordinates(draw: Any, scale: float) -> float:
    kind = draw(st.sampled_from(["float", "int", "half", "special", "border"]))
    if kind == "int":
        return float(draw(st.integers(int(-scale), int(scale))))
    if kind == "half":
        return draw(st.integers(int(-2 * scale), int(2 * scale))) / 2
    if kind == "special":
        return draw(st.sampled_from(SPECIAL_COORDS))
    if kind == "border":
        return draw(st.sampled_from([0.0, 10.0, 20.0, 19.5, 9.5, 40.0]))
    return draw(st.floats(-scale, scale, allow_nan=False, allow_infinity=False))


@st.composite
def polygons(draw: Any, min_points: int = 1) -> list[float]:
    """A flat polygon: random (self-intersecting), repeated or collinear points, inside,
    across or outside the image."""
    scale = draw(st.sampled_from([5.0, 30.0, 60.0, 500.0]))
    k = draw(st.integers(min_points, 10))
    pts = [(draw(coordinates(scale)), draw(coordinates(scale))) for _ in range(k)]
    shape = draw(st.sampled_from(["random", "repeat", "collinear"]))
    if shape == "repeat" and k > 1:
        i = draw(st.integers(0, k - 2))
        pts[i + 1] = pts[i]
    elif shape == "collinear" and k > 2:
        (x0, y0), (x1, y1) = pts[0], pts[1]
        pts = [(x0 + t * (x1 - x0), y0 + t * (y1 - y0)) for t in np.linspace(0, 1, k)]
    flat = [float(c) for p in pts for c in p]
    if draw(st.booleans()):  # int coordinates, as some datasets store them
        flat = [int(c) if float(c).is_integer() else c for c in flat]
    return flat


boxes = st.lists(
    st.floats(-50, 80, allow_nan=False, allow_infinity=False).map(lambda v: round(v, 2)),
    min_size=4,
    max_size=4,
)
image_dims = st.tuples(st.integers(1, 40), st.integers(1, 40))
