"""PNG label maps, decoded with the standard library's zlib (no imaging dependency).

Label maps are single-channel images: grayscale (bit depth 1, 2, 4, 8 or 16) or
indexed colour (palette; 1, 2, 4 or 8 bits), where the pixel value or the palette
index is the class. Both non-interlaced, as segmentation datasets store them (Pascal
VOC and Cityscapes use 8-bit palette and grayscale maps). Colour images, alpha
channels and Adam7 interlacing are refused with a :class:`PNGError` saying which;
so are corrupt files (bad signature or chunk CRC, truncated or overlong image data,
an unknown filter type), so a damaged map is never read as labels.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelmetrics._kernels import png_unfilter

__all__ = ["PNGError", "decode_png", "read_png"]

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_COLOUR_TYPES = {
    0: "grayscale",
    2: "RGB",
    3: "palette",
    4: "grayscale with alpha",
    6: "RGB with alpha",
}
_DEPTHS = {0: (1, 2, 4, 8, 16), 3: (1, 2, 4, 8)}
_MAX_PIXELS = 1 << 31  # width and height are 31-bit in PNG; guard their product too


class PNGError(ValueError):
    """A PNG that is not a readable label map; the message says why, in one line."""


def read_png(path: str | os.PathLike[str]) -> NDArray[Any]:
    """The label map in the PNG file at `path` (see :func:`decode_png`)."""
    return decode_png(Path(path).read_bytes())


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, body) of every chunk up to IEND, CRCs checked."""
    if not data.startswith(_SIGNATURE):
        raise PNGError("not a PNG file (bad signature)")
    chunks = []
    pos = len(_SIGNATURE)
    while True:
        if pos + 8 > len(data):
            raise PNGError("truncated PNG: the file ends before its IEND chunk")
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if end > len(data):
            raise PNGError(f"truncated PNG: the {kind.decode('latin-1')} chunk is cut short")
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(kind + body) != crc:
            raise PNGError(f"corrupt PNG: CRC mismatch in the {kind.decode('latin-1')} chunk")
        chunks.append((kind, body))
        pos = end
        if kind == b"IEND":
            return chunks


def decode_png(data: bytes) -> NDArray[Any]:
    """Decode a single-channel, non-interlaced PNG into an ``(H, W)`` array.

    Grayscale values or palette indices come back as uint8 (bit depth up to 8) or
    uint16 (16-bit grayscale); the palette's colours are not looked at.

    Raises
    ------
    PNGError
        For anything else, naming the problem (colour type, interlacing, corruption).
    """
    chunks = _chunks(data)
    if chunks[0][0] != b"IHDR" or len(chunks[0][1]) != 13:
        raise PNGError("corrupt PNG: the first chunk is not a 13-byte IHDR")
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", chunks[0][1]
    )
    if colour not in _DEPTHS:
        name = _COLOUR_TYPES.get(colour, "unknown")
        raise PNGError(
            f"colour type {colour} ({name}) is not a label map; only grayscale and "
            "palette PNGs are read"
        )
    if depth not in _DEPTHS[colour]:
        raise PNGError(f"bit depth {depth} is invalid for a {_COLOUR_TYPES[colour]} PNG")
    if compression != 0 or filtering != 0:
        raise PNGError(f"unknown compression ({compression}) or filter method ({filtering})")
    if interlace != 0:
        raise PNGError("interlaced (Adam7) PNGs are not supported; save the map without it")
    if not (0 < width < _MAX_PIXELS and 0 < height < _MAX_PIXELS) or width * height > _MAX_PIXELS:
        raise PNGError(f"image size {width} x {height} is out of range")
    for kind, _ in chunks[1:-1]:
        # A critical chunk (upper-case first letter) we do not know changes the meaning.
        if kind[:1].isupper() and kind not in (b"IDAT", b"PLTE"):
            raise PNGError(f"unsupported critical chunk {kind.decode('latin-1')}")
    row_bytes = (width * depth + 7) // 8
    expected = height * (row_bytes + 1)
    stream = zlib.decompressobj()
    try:
        raw = stream.decompress(b"".join(b for k, b in chunks if k == b"IDAT"), expected + 1)
    except zlib.error as exc:
        raise PNGError(f"corrupt PNG image data (zlib: {exc})") from None
    if len(raw) != expected:
        state = "truncated" if len(raw) < expected else "longer than the image"
        raise PNGError(f"PNG image data is {state} ({len(raw)} bytes, expected {expected})")
    rows = np.empty((height, row_bytes), dtype=np.uint8)
    bad = png_unfilter(np.frombuffer(raw, dtype=np.uint8), max(1, depth // 8), rows)
    if bad >= 0:
        kind = raw[bad * (row_bytes + 1)]
        raise PNGError(f"corrupt PNG: row {bad} has unknown filter type {kind}")
    if depth == 8:
        return rows
    if depth == 16:
        return rows.view(">u2").astype(np.uint16)
    # Sub-byte depths: pixels packed most significant bits first.
    bits = np.unpackbits(rows, axis=1)[:, : width * depth].reshape(height, width, depth)
    weights = (1 << np.arange(depth - 1, -1, -1)).astype(np.uint8)
    return np.ascontiguousarray((bits * weights).sum(axis=2, dtype=np.uint8))
