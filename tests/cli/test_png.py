"""The PNG label-map reader: round trips through an independent encoder, Pillow
parity, and a one-line error for every unsupported or corrupt file."""

from __future__ import annotations

import io
import re
import struct
import zlib

import numpy as np
import pytest
from _png_cases import chunk, encode_png
from hypothesis import given
from hypothesis import strategies as st

from modelmetrics._cli.png import PNGError, decode_png, read_png
from modelmetrics._kernels import png_unfilter


@st.composite
def images(draw):
    colour = draw(st.sampled_from([0, 3]))
    depth = draw(st.sampled_from([1, 2, 4, 8, 16] if colour == 0 else [1, 2, 4, 8]))
    height = draw(st.integers(1, 9))
    width = draw(st.integers(1, 13))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    dtype = np.uint16 if depth == 16 else np.uint8
    # Flat runs next to random pixels, so that every filter sees both.
    image = rng.integers(0, 1 << depth, (height, width)).astype(dtype)
    image[:, : width // 2] = image[:, :1]
    filters = draw(st.lists(st.integers(0, 4), min_size=1, max_size=height))
    pieces = draw(st.integers(1, 3))
    return image, depth, colour, filters, pieces


@given(images())
def test_round_trip_through_an_independent_encoder(case):
    image, depth, colour, filters, pieces = case
    data = encode_png(image, depth=depth, colour=colour, filters=filters, idat_pieces=pieces)
    decoded = decode_png(data)
    assert decoded.dtype == (np.uint16 if depth == 16 else np.uint8)
    assert decoded.shape == image.shape
    assert np.array_equal(decoded, image)


def test_every_filter_on_a_wide_16_bit_image():
    rng = np.random.default_rng(5)
    image = rng.integers(0, 65536, (20, 300)).astype(np.uint16)
    for kind in range(5):
        assert np.array_equal(decode_png(encode_png(image, depth=16, filters=[kind])), image)


def test_ancillary_chunks_are_skipped(tmp_path):
    image = np.arange(12, dtype=np.uint8).reshape(3, 4)
    data = encode_png(image, colour=3, extra_chunks=[(b"tEXt", b"Comment\x00label map")])
    path = tmp_path / "m.png"
    path.write_bytes(data)
    assert np.array_equal(read_png(path), image)


@pytest.mark.parametrize(
    ("mode", "bits", "high"),
    [("L", None, 256), ("I;16", None, 65536), ("P", None, 256), ("P", 4, 16), ("P", 1, 2)],
)
def test_pillow_encoded_maps_decode_to_pillow_pixels(mode, bits, high):
    image_module = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(high)
    pixels = rng.integers(0, high, (61, 67))
    pixels[10:40, 5:50] = pixels[0, 0]  # flat areas: libpng picks varied filters
    if mode == "I;16":
        img = image_module.fromarray(pixels.astype(np.uint16))
    else:
        img = image_module.fromarray(pixels.astype(np.uint8), mode="L")
        if mode == "P":
            img = img.convert("P")
            img.putpalette([v for c in range(256) for v in (c, 255 - c, c // 2)])
    buffer = io.BytesIO()
    img.save(buffer, format="PNG", **({"bits": bits} if bits else {}))
    expected = np.asarray(image_module.open(io.BytesIO(buffer.getvalue())))
    assert np.array_equal(decode_png(buffer.getvalue()), expected)
    assert np.array_equal(expected, pixels)


def _corrupt_crc(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1])  # the IEND CRC's last byte


def _with_filter_byte(image: np.ndarray, value: int) -> bytes:
    raw = b"".join(bytes([value]) + row.tobytes() for row in image)
    header = struct.pack(">IIBBBBB", image.shape[1], image.shape[0], 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


_IMAGE = np.arange(20, dtype=np.uint8).reshape(4, 5)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a" + bytes(40), "bad signature"),
        (encode_png(_IMAGE)[:-20], "truncated PNG"),
        (_corrupt_crc(encode_png(_IMAGE)), "CRC mismatch in the IEND chunk"),
        (encode_png(_IMAGE, interlace=1), "interlaced"),
        (encode_png(_IMAGE, colour=2), "colour type 2 (RGB)"),
        (encode_png(_IMAGE, colour=6), "colour type 6 (RGB with alpha)"),
        (encode_png(_IMAGE, colour=4), "colour type 4 (grayscale with alpha)"),
        (encode_png(_IMAGE, colour=3, depth=16), "bit depth 16 is invalid"),
        (_with_filter_byte(_IMAGE, 7), "row 0 has unknown filter type 7"),
        (encode_png(_IMAGE, extra_chunks=[(b"ZZZZ", b"")]), "unsupported critical chunk"),
        (encode_png(_IMAGE)[:33] + chunk(b"IEND", b""), "truncated"),  # no image data
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_unsupported_and_corrupt_files_raise_one_line(data, message):
    with pytest.raises(PNGError, match=re.escape(message)) as info:
        decode_png(data)
    assert "\n" not in str(info.value)


def test_image_data_of_the_wrong_length_is_refused():
    header = struct.pack(">IIBBBBB", 5, 4, 8, 0, 0, 0, 0)
    for raw, state in ((bytes(4 * 6 + 1), "longer"), (bytes(4 * 6 - 1), "truncated")):
        data = (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b"")
        )
        with pytest.raises(PNGError, match=state):
            decode_png(data)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"junk")
    with pytest.raises(PNGError, match="zlib"):
        decode_png(data + chunk(b"IEND", b""))


def test_unfilter_kernel_checks_its_shapes():
    out = np.empty((2, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match="data length"):
        png_unfilter(np.zeros(7, dtype=np.uint8), 1, out)
    with pytest.raises(ValueError, match="bpp"):
        png_unfilter(np.zeros(8, dtype=np.uint8), 0, out)
    data = np.zeros(8, dtype=np.uint8)
    data[4] = 9
    assert png_unfilter(data, 1, out) == 1
    data.flags.writeable = False  # const memoryview: read-only input works
    data = np.zeros(8, dtype=np.uint8)
    data.flags.writeable = False
    assert png_unfilter(data, 1, out) == -1
    assert png_unfilter(np.zeros(0, dtype=np.uint8), 1, np.empty((0, 3), np.uint8)) == -1
