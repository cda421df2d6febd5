"""A minimal PNG encoder for the tests: single-channel images, any filter per row.

Written from the PNG specification (sections 5, 9 and 11), independently of the
reader under test; the reader is also checked against Pillow-encoded files.
"""

from __future__ import annotations

import itertools
import struct
import zlib
from collections.abc import Sequence

import numpy as np


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def pack_rows(image: np.ndarray, depth: int) -> list[bytes]:
    """Each row's bytes: big-endian 16-bit samples, or sub-byte samples packed MSB first."""
    if depth == 16:
        return [row.astype(">u2").tobytes() for row in image]
    if depth == 8:
        return [row.astype(np.uint8).tobytes() for row in image]
    rows = []
    for row in image:
        bits = ((row[:, None].astype(np.uint8) >> np.arange(depth - 1, -1, -1)) & 1).ravel()
        rows.append(np.packbits(bits).tobytes())
    return rows


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filter_row(kind: int, row: bytes, prior: bytes, bpp: int) -> bytes:
    out = bytearray()
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prior[i]
        c = prior[i - bpp] if i >= bpp else 0
        pred = (0, a, b, (a + b) // 2, _paeth(a, b, c))[kind]
        out.append((x - pred) % 256)
    return bytes([kind]) + bytes(out)


def encode_png(
    image: np.ndarray,
    *,
    depth: int = 8,
    colour: int = 0,
    filters: Sequence[int] = (0,),
    idat_pieces: int = 1,
    interlace: int = 0,
    extra_chunks: Sequence[tuple[bytes, bytes]] = (),
) -> bytes:
    """PNG bytes of a 2-D image; row ``y`` uses ``filters[y % len(filters)]``."""
    height, width = image.shape
    bpp = max(1, depth // 8)
    rows = pack_rows(image, depth)
    prior = bytes(len(rows[0]))
    raw = b""
    for y, row in enumerate(rows):
        raw += filter_row(filters[y % len(filters)], row, prior, bpp)
        prior = row
    data = zlib.compress(raw)
    cut = np.linspace(0, len(data), idat_pieces + 1).astype(int)
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, interlace)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
    if colour == 3:
        out += chunk(b"PLTE", bytes(range(256)) * 3)
    for kind, body in extra_chunks:
        out += chunk(kind, body)
    for lo, hi in itertools.pairwise(cut.tolist()):
        out += chunk(b"IDAT", data[lo:hi])
    return out + chunk(b"IEND", b"")
