# cython: language_level=3, cdivision=True
# cython: freethreading_compatible=True, autotestdict=False
"""PNG scanline unfiltering behind the command line's label-map reader.

Private: the caller inflates the image data, checks its length and preallocates the
output. Each scanline of ``row_bytes`` bytes is preceded by its filter type byte
(0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth, PNG specification section 9).
"""
from libc.stdint cimport uint8_t


cdef inline uint8_t _paeth(int a, int b, int c) noexcept nogil:
    # The predictor closest to a + b - c; ties go to a, then b (the specification's order).
    cdef int p = a + b - c
    cdef int pa = p - a if p >= a else a - p
    cdef int pb = p - b if p >= b else b - p
    cdef int pc = p - c if p >= c else c - p
    if pa <= pb and pa <= pc:
        return <uint8_t>a
    if pb <= pc:
        return <uint8_t>b
    return <uint8_t>c


def unfilter(const uint8_t[::1] data, Py_ssize_t bpp, uint8_t[:, ::1] out):
    """Reconstruct the filtered scanlines of `data` into `out` (height x row_bytes).

    `bpp` is the filter's byte step: bytes per complete pixel, at least 1. Returns
    -1 on success, or the index of the first row whose filter type is not 0-4 (rows
    before it are reconstructed).
    """
    cdef Py_ssize_t height = out.shape[0], width = out.shape[1]
    cdef Py_ssize_t y, x, src, bad = -1
    cdef uint8_t kind
    cdef int left, up, up_left
    if data.shape[0] != height * (width + 1):
        raise ValueError("unfilter: data length is not height * (row_bytes + 1)")
    if bpp < 1:
        raise ValueError("unfilter: bpp must be at least 1")
    if height == 0 or width == 0:
        return -1
    with nogil:
        for y in range(height):
            src = y * (width + 1)
            kind = data[src]
            src += 1
            if kind > 4:
                bad = y
                break
            for x in range(width):
                left = out[y, x - bpp] if x >= bpp else 0
                up = out[y - 1, x] if y > 0 else 0
                up_left = out[y - 1, x - bpp] if (x >= bpp and y > 0) else 0
                if kind == 0:
                    out[y, x] = data[src + x]
                elif kind == 1:
                    out[y, x] = <uint8_t>(data[src + x] + left)
                elif kind == 2:
                    out[y, x] = <uint8_t>(data[src + x] + up)
                elif kind == 3:
                    out[y, x] = <uint8_t>(data[src + x] + ((left + up) >> 1))
                else:
                    out[y, x] = <uint8_t>(data[src + x] + _paeth(left, up, up_left))
    return bad
