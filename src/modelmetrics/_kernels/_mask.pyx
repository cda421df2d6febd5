# cython: language_level=3, cdivision=True
# cython: freethreading_compatible=False, autotestdict=False
"""RLE mask kernels, bit-identical to pycocotools' maskApi.c (see csrc/mm_rle.h).

Private. ``RLEs`` gathers the compressed strings of a list of RLE dicts once (borrowed
pointers, kept alive by the object); its methods and the functions below run the C
kernels without the GIL over item ranges ``[first, last)``, so callers can spread a
batch over threads. Every input problem raises ValueError / TypeError naming the item.
"""
import math

import numpy as np

cimport cython

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.dict cimport PyDict_GetItem
from cpython.float cimport PyFloat_AS_DOUBLE, PyFloat_Check
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE
from cpython.object cimport PyObject
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.string cimport memcpy, memset

from ._csrc cimport (
    MM_JSON_SEG_COUNTS,
    MM_JSON_SEG_POLYGONS,
    MM_JSON_SEG_RLE,
    MM_RLE_ECOUNTS,
    MM_RLE_ENOMEM,
    MM_RLE_EPOLY,
    MM_RLE_ESIZE,
    MM_RLE_ESTRING,
    MM_RLE_OK,
    mm_box_iou_by_gt,
    mm_rle,
    mm_rle_area,
    mm_rle_bbox,
    mm_rle_buf,
    mm_rle_buf_free,
    mm_rle_check,
    mm_rle_encode,
    mm_rle_from_box,
    mm_rle_from_poly,
    mm_rle_iou,
    mm_rle_merge,
    mm_rle_merge_capacity,
    mm_rle_str,
    mm_rle_str_area,
    mm_rle_str_area_bbox,
    mm_rle_str_bbox,
    mm_rle_str_counts,
    mm_rle_str_decode,
    mm_rle_to_str,
    mm_rle_ws,
    mm_rle_ws_free,
    mm_json_segm,
    mm_json_segm_free,
    mm_json_segmentation,
)

cdef extern from "Python.h":
    const char *PyUnicode_AsUTF8AndSize(object s, Py_ssize_t *size) except NULL
    bint PyUnicode_IS_ASCII(object s)
    void *PyUnicode_DATA(object s)
    Py_ssize_t PyUnicode_GET_LENGTH(object s)
    double PyLong_AsDouble(object) except? -1.0

MAX_AREA = 0xFFFFFFFF
MAX_COORD = 1.0e8
cdef int64_t _MAX_AREA = 0xFFFFFFFF  # MAX_AREA for code without the GIL


cdef str _label(str name, bint single, Py_ssize_t i):
    return name if single else f"{name}[{i}]"


cdef int _raise(int status, str where) except -1:
    if status == MM_RLE_ENOMEM:
        raise MemoryError(f"{where}: out of memory")
    if status == MM_RLE_ESTRING:
        raise ValueError(
            f"{where}: 'counts' is not a valid compressed RLE string (characters '0' to 'o', "
            "at most 7 per value, the last one without the continuation bit)"
        )
    if status == MM_RLE_ECOUNTS:
        raise ValueError(
            f"{where}: the RLE counts do not describe the mask: they must be non-negative, "
            "fit in 32 bits and sum to height * width"
        )
    if status == MM_RLE_ESIZE:
        raise ValueError(f"{where}: mask sizes differ, or height * width exceeds 2**32 - 1")
    if status == MM_RLE_EPOLY:
        raise ValueError(
            f"{where}: a polygon needs at least one (x, y) point, with finite coordinates "
            f"within +-{MAX_COORD:g}"
        )
    raise ValueError(f"{where}: invalid input (status {status})")


def as_dim(value, str what):
    """A mask height or width as pycocotools reads it: an integer, or a float truncated."""
    if isinstance(value, (int, np.integer)):  # bool included, as in pycocotools
        v = int(value)
    elif isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            raise ValueError(f"{what} must be a finite number, got {value!r}")
        v = int(value)
    else:
        raise TypeError(f"{what} must be an integer, got {type(value).__name__}: {value!r}")
    if v < 0:
        raise ValueError(f"{what} must be non-negative, got {value!r}")
    if v > MAX_AREA:
        raise ValueError(f"{what} is too large: {value!r}")
    return v


cdef inline bint _small_int(object v):
    return type(v) is int and 0 <= v <= 0xFFFFFFFF


cdef class RLEs:
    """The compressed RLEs of a list of dicts ``{"size": [h, w], "counts": str | bytes}``.

    Holds a reference to every ``counts`` object and borrows its bytes. ``parse()``
    decodes the counts (with boxes and areas) for ``iou`` and ``merge``.
    """
    cdef mm_rle_str *_items
    cdef Py_ssize_t _n
    cdef list _keep
    cdef str _name
    cdef bint _single
    cdef uint32_t *_cnts
    cdef mm_rle *_rles
    cdef double *_bb
    cdef uint32_t *_areas
    cdef bint _parsed

    def __cinit__(self, list objs not None, str name not None, bint single=False):
        cdef tuple items = tuple(objs)  # a snapshot: user __getitem__ may mutate the list
        cdef Py_ssize_t i, n = len(items)
        self._name = name
        self._single = single
        self._keep = []
        self._items = <mm_rle_str *>calloc(n if n > 0 else 1, sizeof(mm_rle_str))
        if self._items == NULL:
            raise MemoryError()
        self._n = n
        for i in range(n):
            self._gather(i, items[i])

    def __init__(self, list objs not None, str name not None, bint single=False):
        pass  # everything happens in __cinit__, which gets the same arguments

    def __dealloc__(self):
        free(self._items)
        free(self._cnts)
        free(self._rles)
        free(self._bb)
        free(self._areas)

    def __len__(self):
        return self._n

    # Release builds turn bounds checks off module-wide; `size[1]` indexes a user object.
    @cython.boundscheck(True)
    @cython.wraparound(True)
    cdef int _gather(self, Py_ssize_t i, object obj) except -1:
        cdef PyObject *pc
        cdef PyObject *ps
        cdef object counts, size, a, b
        cdef Py_ssize_t length = 0
        cdef const char *s
        if type(obj) is dict:
            pc = PyDict_GetItem(obj, "counts")
            ps = PyDict_GetItem(obj, "size")
            if pc == NULL or ps == NULL:
                raise ValueError(
                    f"{_label(self._name, self._single, i)} must have 'size' and 'counts' keys"
                )
            counts = <object>pc
            size = <object>ps
        else:
            try:
                counts = obj["counts"]
                size = obj["size"]
            except (KeyError, IndexError, TypeError):
                raise TypeError(
                    f"{_label(self._name, self._single, i)} must be an RLE dict with 'size' "
                    f"and 'counts', got {type(obj).__name__}"
                ) from None
        if isinstance(counts, bytes):
            s = PyBytes_AS_STRING(counts)
            length = PyBytes_GET_SIZE(counts)
        elif isinstance(counts, str):
            try:
                s = PyUnicode_AsUTF8AndSize(counts, &length)
            except UnicodeError:
                raise ValueError(
                    f"{_label(self._name, self._single, i)}['counts'] is not a valid RLE string"
                ) from None
        elif isinstance(counts, (list, tuple, np.ndarray)):
            raise TypeError(
                f"{_label(self._name, self._single, i)}['counts'] is a list of run lengths "
                "(uncompressed RLE); compress it with frPyObjects first"
            )
        else:
            raise TypeError(
                f"{_label(self._name, self._single, i)}['counts'] must be bytes or str, "
                f"got {type(counts).__name__}"
            )
        if (type(size) is list and PyList_GET_SIZE(size) >= 2
                and _small_int(<object>PyList_GET_ITEM(size, 0))
                and _small_int(<object>PyList_GET_ITEM(size, 1))):
            a = <object>PyList_GET_ITEM(size, 0)
            b = <object>PyList_GET_ITEM(size, 1)
        else:
            where = f"{_label(self._name, self._single, i)}['size']"
            try:
                a = size[0]
                b = size[1]
            except (KeyError, IndexError, TypeError):
                raise ValueError(f"{where} must be [height, width], got {size!r}") from None
            a = as_dim(a, f"{where}[0]")
            b = as_dim(b, f"{where}[1]")
        if a * b > MAX_AREA:
            raise ValueError(
                f"{_label(self._name, self._single, i)}: masks of {a} x {b} pixels exceed "
                "the 2**32 - 1 pixels RLE counts can describe"
            )
        self._keep.append(counts)
        self._items[i].s = s
        self._items[i].len = length
        self._items[i].h = a
        self._items[i].w = b
        return 0

    cdef int _fail(self, int status, Py_ssize_t i) except -1:
        return _raise(status, _label(self._name, self._single, i))

    def size(self, Py_ssize_t i):
        """``(h, w)`` of item ``i``."""
        if not 0 <= i < self._n:
            raise IndexError(i)
        return (self._items[i].h, self._items[i].w)

    def same_size(self):
        """Whether every item has the size of the first."""
        cdef Py_ssize_t i
        for i in range(1, self._n):
            if self._items[i].h != self._items[0].h or self._items[i].w != self._items[0].w:
                return False
        return True

    def area(self, uint32_t[::1] out):
        """``out[i]``: the area of item ``i`` (validated)."""
        cdef Py_ssize_t i, bad = -1
        cdef int st = MM_RLE_OK
        if out.shape[0] != self._n:
            raise ValueError("area: out must have one slot per RLE")
        with nogil:
            for i in range(self._n):
                st = mm_rle_str_area(&self._items[i], &out[i])
                if st != MM_RLE_OK:
                    bad = i
                    break
        if bad >= 0:
            self._fail(st, bad)

    def to_bbox(self, double[:, ::1] out):
        """``out[i]``: pycocotools' box ``[x, y, w, h]`` of item ``i`` (validated)."""
        cdef Py_ssize_t i, bad = -1
        cdef int st = MM_RLE_OK
        if out.shape[0] != self._n or out.shape[1] != 4:
            raise ValueError("to_bbox: out must have shape (n, 4)")
        with nogil:
            for i in range(self._n):
                st = mm_rle_str_bbox(&self._items[i], &out[i, 0])
                if st != MM_RLE_OK:
                    bad = i
                    break
        if bad >= 0:
            self._fail(st, bad)

    def decode(self, uint8_t[::1] out, Py_ssize_t first, Py_ssize_t last):
        """Write masks ``[first, last)`` into ``out``, the zero-filled Fortran-order
        ``(h, w, n)`` array flattened; every item must have the first one's size."""
        cdef Py_ssize_t i, bad = -1, area
        cdef int st = MM_RLE_OK
        cdef uint8_t dummy = 0
        cdef uint8_t *base
        if not 0 <= first <= last <= self._n:
            raise ValueError("decode: item range")
        if self._n == 0:
            return
        area = <Py_ssize_t>self._items[0].h * <Py_ssize_t>self._items[0].w
        if out.shape[0] != area * self._n:
            raise ValueError("decode: out must hold n masks of the first one's size")
        for i in range(first, last):
            if self._items[i].h != self._items[0].h or self._items[i].w != self._items[0].w:
                self._fail(MM_RLE_ESIZE, i)
        base = &out[0] if out.shape[0] > 0 else &dummy
        with nogil:
            for i in range(first, last):
                st = mm_rle_str_decode(&self._items[i], base + i * area)
                if st != MM_RLE_OK:
                    bad = i
                    break
        if bad >= 0:
            self._fail(st, bad)

    def parse(self):
        """Decode every item's counts, box and area (once); needed by iou and merge."""
        cdef Py_ssize_t i, bad = -1, total = 0, m = 0
        cdef int st = MM_RLE_OK
        cdef Py_ssize_t n = self._n
        if self._parsed:
            return
        for i in range(n):
            total += self._items[i].len  # a count takes at least one character
        self._cnts = <uint32_t *>malloc((total if total > 0 else 1) * sizeof(uint32_t))
        self._rles = <mm_rle *>malloc((n if n > 0 else 1) * sizeof(mm_rle))
        self._bb = <double *>malloc((4 * n if n > 0 else 1) * sizeof(double))
        self._areas = <uint32_t *>malloc((n if n > 0 else 1) * sizeof(uint32_t))
        if self._cnts == NULL or self._rles == NULL or self._bb == NULL or self._areas == NULL:
            raise MemoryError()
        total = 0
        with nogil:
            for i in range(n):
                st = mm_rle_str_counts(&self._items[i], self._cnts + total, self._items[i].len,
                                       &m)
                if st != MM_RLE_OK:
                    bad = i
                    break
                self._rles[i].cnts = self._cnts + total
                self._rles[i].m = m
                self._rles[i].h = self._items[i].h
                self._rles[i].w = self._items[i].w
                mm_rle_bbox(&self._rles[i], self._bb + 4 * i)
                self._areas[i] = mm_rle_area(&self._rles[i])
                total += m
        if bad >= 0:
            self._fail(st, bad)
        self._parsed = True


def iou(RLEs dt, RLEs gt, const uint8_t[::1] crowd, double[::1] out, Py_ssize_t first,
        Py_ssize_t last):
    """pycocotools' rleIou for detections ``[first, last)``; ``out[g * n_dt + d]``.
    Both batches must be parsed."""
    if not (dt._parsed and gt._parsed):
        raise ValueError("iou: parse() both batches first")
    if crowd.shape[0] != gt._n or out.shape[0] != dt._n * gt._n:
        raise ValueError("iou: crowd needs one flag per gt, out n_dt * n_gt slots")
    if not 0 <= first <= last <= dt._n:
        raise ValueError("iou: item range")
    if first == last or gt._n == 0:
        return
    with nogil:
        mm_rle_iou(dt._rles, dt._bb, dt._areas, dt._n, gt._rles, gt._bb, gt._n, &crowd[0],
                   first, last, &out[0])


def box_iou(const double[:, ::1] dt, const double[:, ::1] gt, const uint8_t[::1] crowd,
            double[::1] out):
    """pycocotools' bbIou: ``out[g * n_dt + d]`` for boxes ``[x, y, w, h]``."""
    if dt.shape[1] != 4 or gt.shape[1] != 4:
        raise ValueError("box_iou: boxes must have 4 columns")
    if crowd.shape[0] != gt.shape[0] or out.shape[0] != dt.shape[0] * gt.shape[0]:
        raise ValueError("box_iou: crowd needs one flag per gt, out n_dt * n_gt slots")
    if dt.shape[0] == 0 or gt.shape[0] == 0:
        return
    with nogil:
        mm_box_iou_by_gt(&dt[0, 0], dt.shape[0], &gt[0, 0], gt.shape[0], &crowd[0], &out[0])


def merge(RLEs r, bint intersect):
    """pycocotools' rleMerge of all items, as a compressed string."""
    cdef Py_ssize_t cap, m = 0
    cdef int st = MM_RLE_OK
    cdef uint32_t *out = NULL
    cdef uint32_t *tmp = NULL
    cdef mm_rle_buf buf
    memset(&buf, 0, sizeof(buf))
    r.parse()
    cap = mm_rle_merge_capacity(r._rles, r._n)
    out = <uint32_t *>malloc(cap * sizeof(uint32_t))
    tmp = <uint32_t *>malloc(cap * sizeof(uint32_t))
    try:
        if out == NULL or tmp == NULL:
            raise MemoryError()
        with nogil:
            st = mm_rle_merge(r._rles, r._n, intersect, out, tmp, cap, &m)
            if st == MM_RLE_OK:
                st = mm_rle_to_str(out, m, &buf)
        if st != MM_RLE_OK:
            _raise(st, r._name)
        return PyBytes_FromStringAndSize(buf.data, buf.len) if buf.len else b""
    finally:
        free(out)
        free(tmp)
        mm_rle_buf_free(&buf)


@cython.final
cdef class _Strings:
    """``n`` compressed strings written one after the other into one buffer: a kernel
    leaves an item's counts in ``ws``, :meth:`push` appends them as string ``i``."""
    cdef mm_rle_ws ws
    cdef mm_rle_buf buf
    cdef Py_ssize_t *ends
    cdef Py_ssize_t n

    def __cinit__(self, Py_ssize_t n):
        self.ends = <Py_ssize_t *>malloc((n if n > 0 else 1) * sizeof(Py_ssize_t))
        if self.ends == NULL:
            raise MemoryError()
        self.n = n

    def __dealloc__(self):
        free(self.ends)
        mm_rle_buf_free(&self.buf)
        mm_rle_ws_free(&self.ws)

    cdef int push(self, Py_ssize_t i) noexcept nogil:
        """String ``i`` (``0 <= i < n``, in order) from ``ws``: MM_RLE_OK or an error."""
        cdef int st = mm_rle_to_str(self.ws.cnts, self.ws.m, &self.buf)
        if st == MM_RLE_OK:
            self.ends[i] = self.buf.len
        return st

    cdef list strings(self):
        """The strings as bytes (all ``n`` pushed)."""
        cdef Py_ssize_t i, start = 0
        cdef list res = [None] * self.n
        for i in range(self.n):
            res[i] = PyBytes_FromStringAndSize(self.buf.data + start, self.ends[i] - start)
            start = self.ends[i]
        return res


def encode(const uint8_t[::1] masks, uint32_t h, uint32_t w, Py_ssize_t first,
           Py_ssize_t last):
    """Compressed strings of masks ``[first, last)`` of ``masks``, consecutive
    column-major h x w masks (a Fortran-order (h, w, n) array flattened)."""
    cdef Py_ssize_t i, area = <Py_ssize_t>h * <Py_ssize_t>w, n = last - first
    cdef int st = MM_RLE_OK
    cdef const uint8_t *base
    cdef uint8_t dummy = 0
    cdef _Strings out
    if area > MAX_AREA:
        raise ValueError("encode: height * width exceeds 2**32 - 1")
    if first < 0 or n < 0 or last * area > masks.shape[0]:
        raise ValueError("encode: mask range")
    out = _Strings(n)
    base = &masks[0] if masks.shape[0] > 0 else &dummy
    with nogil:
        for i in range(n):
            st = mm_rle_encode(base + (first + i) * area, h, w, &out.ws)
            if st == MM_RLE_OK:
                st = out.push(i)
            if st != MM_RLE_OK:
                break
    if st != MM_RLE_OK:
        _raise(st, "bimask")
    return out.strings()


def from_counts(const uint32_t[::1] counts, uint32_t h, uint32_t w, str where):
    """The compressed string of uncompressed counts (validated against h x w)."""
    cdef mm_rle r
    cdef mm_rle_buf buf
    cdef int st
    cdef uint32_t dummy = 0
    memset(&buf, 0, sizeof(buf))
    r.cnts = &counts[0] if counts.shape[0] > 0 else &dummy
    r.m = counts.shape[0]
    r.h = h
    r.w = w
    try:
        st = mm_rle_check(&r)
        if st == MM_RLE_OK:
            st = mm_rle_to_str(r.cnts, r.m, &buf)
        if st != MM_RLE_OK:
            _raise(st, where)
        return PyBytes_FromStringAndSize(buf.data, buf.len) if buf.len else b""
    finally:
        mm_rle_buf_free(&buf)


cdef object _poly_array(object p, str where):
    try:
        arr = np.asarray(p, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise type(exc)(
            f"{where} must be a flat sequence of coordinates x1, y1, x2, y2, ...: {exc}"
        ) from None
    if arr.ndim != 1:
        raise ValueError(
            f"{where} must be a flat sequence of coordinates x1, y1, x2, y2, ..., "
            f"got an array of shape {arr.shape}"
        )
    return arr


cdef bint _fill_list(list p, double *out, Py_ssize_t n):
    """Plain floats and ints straight from the list; False for anything else."""
    cdef Py_ssize_t j
    cdef object v
    if PyList_GET_SIZE(p) < n:
        return False
    for j in range(n):
        v = <object>PyList_GET_ITEM(p, j)
        if PyFloat_Check(v):  # numpy float64 included
            out[j] = PyFloat_AS_DOUBLE(v)
        elif type(v) is int:
            try:
                out[j] = PyLong_AsDouble(v)
            except OverflowError:
                out[j] = math.inf  # rejected as out of range by the kernel
        else:
            return False
    return True


def gather_polygons(list polys, str name, bint single):
    """Flatten polygons into ``(xy, starts)``: polygon i is ``xy[starts[i]:starts[i+1]]``,
    its coordinates truncated to an even count as pycocotools does."""
    cdef tuple items = tuple(polys)
    cdef Py_ssize_t i, n = len(items), total = 0, length
    cdef list arrays = [None] * n
    starts = np.empty(n + 1, dtype=np.int64)
    cdef int64_t[::1] st = starts
    for i in range(n):
        p = items[i]
        if type(p) is list:
            length = PyList_GET_SIZE(p)
        else:
            arrays[i] = _poly_array(p, _label(name, single, i))
            length = arrays[i].shape[0]
        st[i] = total
        total += 2 * (length // 2)
    st[n] = total
    xy = np.empty(total, dtype=np.float64)
    cdef double[::1] out = xy
    for i in range(n):
        length = st[i + 1] - st[i]
        if length == 0:
            continue
        if arrays[i] is None:
            if _fill_list(items[i], &out[st[i]], length):
                continue
            arrays[i] = _poly_array(items[i], _label(name, single, i))
            if arrays[i].shape[0] < length:
                raise ValueError(f"{_label(name, single, i)} changed while being read")
        xy[st[i]:st[i + 1]] = arrays[i][:length]
    return xy, starts


def from_polygons(const double[::1] xy, const int64_t[::1] starts, uint32_t h, uint32_t w,
                  Py_ssize_t first, Py_ssize_t last, str name, bint single):
    """Compressed strings of polygons ``[first, last)`` (pycocotools' rleFrPoly)."""
    cdef Py_ssize_t i, n = last - first, bad = -1
    cdef int st = MM_RLE_OK
    cdef double dummy = 0
    cdef const double *base
    cdef _Strings out
    if first < 0 or n < 0 or last + 1 > starts.shape[0]:
        raise ValueError("from_polygons: item range")
    for i in range(first, last):
        if not 0 <= starts[i] <= starts[i + 1] <= xy.shape[0]:
            raise ValueError("from_polygons: starts")
    out = _Strings(n)
    base = &xy[0] if xy.shape[0] > 0 else &dummy
    with nogil:
        for i in range(n):
            st = mm_rle_from_poly(base + starts[first + i],
                                  (starts[first + i + 1] - starts[first + i]) // 2,
                                  h, w, &out.ws)
            if st == MM_RLE_OK:
                st = out.push(i)
            if st != MM_RLE_OK:
                bad = first + i
                break
    if bad >= 0:
        _raise(st, _label(name, single, bad))
    return out.strings()


def from_boxes(const double[:, ::1] boxes, uint32_t h, uint32_t w, Py_ssize_t first,
               Py_ssize_t last, str name, bint single):
    """Compressed strings of boxes ``[first, last)`` (pycocotools' rleFrBbox)."""
    cdef Py_ssize_t i, n = last - first, bad = -1
    cdef int st = MM_RLE_OK
    cdef _Strings out
    if boxes.shape[1] != 4:
        raise ValueError("from_boxes: boxes must have 4 columns")
    if first < 0 or n < 0 or last > boxes.shape[0]:
        raise ValueError("from_boxes: item range")
    out = _Strings(n)
    with nogil:
        for i in range(n):
            st = mm_rle_from_box(&boxes[first + i, 0], h, w, &out.ws)
            if st == MM_RLE_OK:
                st = out.push(i)
            if st != MM_RLE_OK:
                bad = first + i
                break
    if bad >= 0:
        if st == MM_RLE_EPOLY:
            raise ValueError(
                f"{_label(name, single, bad)}: box coordinates must be finite, "
                f"within +-{MAX_COORD:g}"
            )
        _raise(st, _label(name, single, bad))
    return out.strings()


ctypedef fused _elem_t:
    double
    int64_t
    uint32_t
    char


cdef inline bint _grow(_elem_t **buf, Py_ssize_t *cap, Py_ssize_t need) noexcept nogil:
    """Grow `*buf` to room for at least `need` items (at least doubling); True when memory
    ran out (`*buf` and `*cap` are then left as they were)."""
    cdef Py_ssize_t new_cap
    cdef _elem_t *p
    if need <= cap[0]:
        return False
    new_cap = 2 * cap[0] if 2 * cap[0] > need else need
    p = <_elem_t *>realloc(buf[0], new_cap * sizeof(_elem_t))
    if p == NULL:
        return True
    buf[0] = p
    cap[0] = new_cap
    return False


cdef inline int _reserve(_elem_t **buf, Py_ssize_t *cap, Py_ssize_t need) except -1:
    """:func:`_grow`, raising MemoryError when memory ran out."""
    if _grow(buf, cap, need):
        raise MemoryError()
    return 0


cdef bint _is_polygon_list(object segm):
    """pycocotools' frPyObjects reads a list as polygons when its first item is longer
    than 4; the fast path takes lists of lists only (anything else goes the slow way)."""
    cdef object first
    if type(segm) is not list or PyList_GET_SIZE(segm) == 0:
        return False
    first = <object>PyList_GET_ITEM(segm, 0)
    return type(first) is list and PyList_GET_SIZE(first) > 4


cdef bint _plain_compressed(dict segm, mm_rle_str *out):
    """Fill `out` from ``{"size": [h, w], "counts": str | bytes}`` with plain ints and an
    ASCII str (or bytes); False for anything else, which then takes the checked path.
    The string is borrowed: `segm` keeps it alive."""
    cdef PyObject *pc = PyDict_GetItem(segm, "counts")
    cdef PyObject *ps = PyDict_GetItem(segm, "size")
    cdef object counts, size, a, b
    if pc == NULL or ps == NULL:
        return False
    counts = <object>pc
    size = <object>ps
    if type(size) is not list or PyList_GET_SIZE(size) != 2:
        return False
    a = <object>PyList_GET_ITEM(size, 0)
    b = <object>PyList_GET_ITEM(size, 1)
    if not (_small_int(a) and _small_int(b)) or <uint64_t>a * <uint64_t>b > MAX_AREA:
        return False
    if type(counts) is str:
        if not PyUnicode_IS_ASCII(counts):
            return False
        out.s = <const char *>PyUnicode_DATA(counts)
        out.len = PyUnicode_GET_LENGTH(counts)
    elif type(counts) is bytes:
        out.s = PyBytes_AS_STRING(counts)
        out.len = PyBytes_GET_SIZE(counts)
    else:
        return False
    out.h = <uint32_t>a
    out.w = <uint32_t>b
    return True


cdef class _Gathered:
    """What phase one of ``annToRLE`` collects: polygon coordinates of polygon items,
    validated strings (with size, box and area) of RLE items, all strings in one blob."""
    cdef double *xy
    cdef Py_ssize_t n_xy, cap_xy
    cdef int64_t *ps
    cdef Py_ssize_t n_ps, cap_ps
    cdef char *chars
    cdef Py_ssize_t n_chars, cap_chars
    cdef Py_ssize_t chars_base  # where `chars` will start in the blob (after a prefix)
    cdef Py_ssize_t n
    cdef str name
    cdef object ann_poly, hw, bbox, area, str_at, str_len
    cdef int64_t[::1] ap_v, at_v, len_v
    cdef uint32_t[:, ::1] hw_v
    cdef double[:, ::1] bbox_v
    cdef uint32_t[::1] area_v

    def __cinit__(self, Py_ssize_t n, str name):
        self.n = n
        self.name = name
        self.ann_poly = np.zeros(n + 1, dtype=np.int64)
        self.hw = np.zeros((n, 2), dtype=np.uint32)
        self.bbox = np.zeros((n, 4), dtype=np.float64)
        self.area = np.zeros(n, dtype=np.uint32)
        self.str_at = np.zeros(n, dtype=np.int64)
        self.str_len = np.full(n, -1, dtype=np.int64)  # -1: no string (polygons)
        self.ap_v = self.ann_poly
        self.hw_v = self.hw
        self.bbox_v = self.bbox
        self.area_v = self.area
        self.at_v = self.str_at
        self.len_v = self.str_len
        _reserve(&self.ps, &self.cap_ps, 1)
        self.ps[0] = 0
        self.n_ps = 1

    def __dealloc__(self):
        free(self.xy)
        free(self.ps)
        free(self.chars)

    cdef int start(self, Py_ssize_t i) except -1:
        self.ap_v[i] = self.n_ps - 1
        return 0

    cdef int end_polygon(self) except -1:  # after appending a polygon's coordinates
        _reserve(&self.ps, &self.cap_ps, self.n_ps + 1)
        self.ps[self.n_ps] = self.n_xy
        self.n_ps += 1
        return 0

    cdef int add_polygon(self, const double *xy, Py_ssize_t xy_len) except -1:
        _reserve(&self.xy, &self.cap_xy, self.n_xy + xy_len + 1)
        memcpy(self.xy + self.n_xy, xy, xy_len * sizeof(double))
        self.n_xy += xy_len
        return self.end_polygon()

    cdef int add_object(self, Py_ssize_t i, object segm, int64_t h, int64_t w,
                        object fallback) except -1:
        """Item `i` given as a Python value (what json gives for its segmentation)."""
        cdef Py_ssize_t j, k, n_poly, length, xy_len
        cdef mm_rle_str rs
        cdef object poly, rle
        self.start(i)
        if _is_polygon_list(segm):
            n_poly = PyList_GET_SIZE(segm)
            for j in range(n_poly):
                poly = <object>PyList_GET_ITEM(segm, j)
                length = PyList_GET_SIZE(poly) if type(poly) is list else -1
                xy_len = 2 * (length // 2) if length >= 0 else 0
                _reserve(&self.xy, &self.cap_xy, self.n_xy + xy_len + 1)
                if length < 0 or not _fill_list(poly, self.xy + self.n_xy, xy_len):
                    arr = _poly_array(poly, f"{self.name}[{i}]['segmentation'][{j}]")
                    xy_len = 2 * (arr.shape[0] // 2)
                    _reserve(&self.xy, &self.cap_xy, self.n_xy + xy_len + 1)
                    for k in range(xy_len):
                        self.xy[self.n_xy + k] = arr[k]
                self.n_xy += xy_len
                self.end_polygon()
            self.hw_v[i, 0] = <uint32_t>h
            self.hw_v[i, 1] = <uint32_t>w
            return 0
        if type(segm) is dict and _plain_compressed(<dict>segm, &rs):
            pass  # the common case, read in place (`segm` keeps the string alive)
        else:
            if type(segm) is dict and isinstance((<dict>segm).get("counts"), (bytes, str)):
                rle = segm
            else:
                rle = fallback(segm, h, w, i)
            # A compressed RLE dict, with its own size (as annToRLE keeps it).
            holder = RLEs([rle], f"{self.name}[{i}]['segmentation']", True)
            rs = (<RLEs>holder)._items[0]
        return self.add_string(i, &rs)

    cdef int add_string(self, Py_ssize_t i, mm_rle_str *rs) except -1:
        """Item `i` as a compressed string, validated here (the IoU decodes it when
        needed: a mask's counts take several times its string's memory)."""
        cdef int st
        cdef uint32_t item_area = 0
        cdef double box[4]
        with nogil:
            st = mm_rle_str_area_bbox(rs, &item_area, box)
        if st != MM_RLE_OK:
            _raise(st, f"{self.name}[{i}]['segmentation']")
        return self.put_string(i, rs, item_area, box)

    cdef int put_string(self, Py_ssize_t i, const mm_rle_str *rs, uint32_t item_area,
                        const double *box) except -1:
        """Item `i` as a string already validated, with its area and box."""
        cdef Py_ssize_t k
        _reserve(&self.chars, &self.cap_chars, self.n_chars + rs.len + 1)
        memcpy(self.chars + self.n_chars, rs.s, rs.len)
        self.at_v[i] = self.chars_base + self.n_chars
        self.len_v[i] = rs.len
        self.n_chars += rs.len
        self.area_v[i] = item_area
        for k in range(4):
            self.bbox_v[i, k] = box[k]
        self.hw_v[i, 0] = rs.h
        self.hw_v[i, 1] = rs.w
        return 0

    cdef tuple result(self, object base=None):
        """The gathered arrays. With `base` (a writable buffer of ``chars_base``
        bytes whose strings the items point into), the blob is `base` itself when no
        string was added here, else `base` followed by ``chars``."""
        self.ap_v[self.n] = self.n_ps - 1
        xy_arr = np.empty(self.n_xy, dtype=np.float64)
        ps_arr = np.empty(self.n_ps, dtype=np.int64)
        if self.n_xy:
            memcpy(_f64_data(xy_arr), self.xy, self.n_xy * sizeof(double))
        memcpy(_i64_data(ps_arr), self.ps, self.n_ps * sizeof(int64_t))
        if base is not None and self.n_chars == 0:
            blob = np.frombuffer(base, dtype=np.uint8)  # no copy
        else:
            blob = np.empty(self.chars_base + self.n_chars, dtype=np.uint8)
            if base is not None:
                blob[: self.chars_base] = np.frombuffer(base, dtype=np.uint8)
            if self.n_chars:
                memcpy(<char *>_u8_data(blob) + self.chars_base, self.chars, self.n_chars)
        strings = (blob, self.str_at, self.str_len)
        return xy_arr, ps_arr, self.ann_poly, strings, self.hw, self.bbox, self.area


def gather_annotations(list segs, const int64_t[::1] heights,
                       const int64_t[::1] widths, object fallback, str name):
    """Phase one of pycocotools' ``annToRLE`` for many ``segmentation`` values.

    Polygon lists (item ``i`` on an image of ``heights[i] x widths[i]``) have their
    coordinates gathered for :func:`rasterize_annotations`; compressed RLE dicts are
    validated and kept as their strings, with their own size; anything else goes
    through ``fallback(segm, h, w, i)``, which returns a compressed RLE dict or raises.

    Returns ``(xy, poly_start, ann_poly, (blob, str_at, str_len), hw, bbox, area)``:
    item ``i``'s polygons are ``poly_start[ann_poly[i]:ann_poly[i + 1] + 1]`` offsets
    into ``xy`` (none for a string item); its string is
    ``blob[str_at[i]:str_at[i] + str_len[i]]`` (``str_len[i] == -1``: none); ``hw``,
    ``bbox`` and ``area`` are filled for string items (and ``hw`` for polygon items).
    """
    cdef tuple items = tuple(segs)
    cdef Py_ssize_t n = len(items), i
    if heights.shape[0] != n or widths.shape[0] != n:
        raise ValueError("gather_annotations: one height and width per segmentation")
    cdef _Gathered g = _Gathered(n, name)
    for i in range(n):
        g.add_object(i, items[i], heights[i], widths[i], fallback)
    return g.result()


# What the scan found for an item of a JSON document.
cdef enum:
    _K_POLYGONS = 0
    _K_RLE = 1
    _K_OTHER = 2  # left to Python: parse the span
    _K_MISSING = 3  # no segmentation
    _K_BAD = 4  # a compressed RLE that is not valid (code holds why)
    _K_UNSCANNED = 255


cdef struct _ScanPart:
    mm_json_segm sg  # its xy and poly_end accumulate the part's polygons
    int64_t region   # where the part's strings go in the blob
    int64_t n_chars  # string bytes written there
    char *raw        # the JSON of values left to Python, one after the other
    Py_ssize_t n_raw, cap_raw
    mm_rle_buf encoded  # an uncompressed RLE's string (reused)
    bint scanned
    bint failed      # out of memory


cdef class JsonScan:
    """Phase one of ``annToRLE`` for segmentations still in a JSON file, read and
    scanned in parts that threads handle at once without the GIL, so that the file
    is never whole in memory.

    Item ``i`` is the value at bytes ``seg_off[i]:seg_off[i] + seg_len[i]`` of the
    document (spans the reader recorded, in increasing order and disjoint;
    ``seg_len[i] < 0``: none). Part ``p`` is items ``bounds[p]:bounds[p + 1]``, whose
    values lie in the document's bytes :meth:`part_span` ``(p)``; :meth:`scan` reads
    them from a chunk holding those bytes (JSON escapes are decoded on the way into the
    blob). Compressed RLEs are validated, measured (area and box) and
    their strings copied into one blob, each part into its own region (a part's
    strings are at most its spans' bytes), with no pass over the strings in Python;
    uncompressed RLEs of plain integers are compressed there likewise; polygons and
    the JSON of other values are kept per part. :meth:`gather` then assembles, in
    item order, what :func:`gather_annotations` returns, parsing with Python only the
    values the scan left (anything but polygons and RLEs of plain integers) and
    raising the first item's error, as one pass in order would.
    """
    cdef Py_ssize_t n, n_parts
    cdef const int64_t[::1] off, ln, bounds
    cdef uint8_t *kind
    cdef int *code
    cdef int64_t *at
    cdef int64_t *cnt
    cdef _ScanPart *parts
    cdef object blob, hw, bbox, area, str_at, str_len
    cdef bint gathered
    cdef uint8_t[::1] blob_v
    cdef uint32_t[:, ::1] hw_v
    cdef double[:, ::1] bbox_v
    cdef uint32_t[::1] area_v
    cdef int64_t[::1] at_v, len_v

    def __cinit__(self, const int64_t[::1] seg_off, const int64_t[::1] seg_len,
                  const int64_t[::1] bounds):
        cdef Py_ssize_t i, p, n = seg_off.shape[0]
        cdef int64_t end = 0, total = 0
        if seg_len.shape[0] != n:
            raise ValueError("JsonScan: one span per item")
        if bounds.shape[0] < 1 or bounds[0] != 0 or bounds[bounds.shape[0] - 1] != n:
            raise ValueError("JsonScan: part bounds must run from 0 to the item count")
        for i in range(bounds.shape[0] - 1):
            if bounds[i] > bounds[i + 1]:
                raise ValueError("JsonScan: part bounds must not decrease")
        for i in range(n):
            if seg_len[i] < 0:
                continue
            if seg_off[i] < end:
                raise ValueError("JsonScan: spans must be disjoint and in order")
            end = seg_off[i] + seg_len[i]
            total += seg_len[i]
        self.n = n
        self.n_parts = bounds.shape[0] - 1
        self.off, self.ln, self.bounds = seg_off, seg_len, bounds
        cdef Py_ssize_t m = n if n > 0 else 1
        self.kind = <uint8_t *>malloc(m * sizeof(uint8_t))
        self.code = <int *>calloc(m, sizeof(int))
        self.at = <int64_t *>calloc(m, sizeof(int64_t))
        self.cnt = <int64_t *>calloc(m, sizeof(int64_t))
        self.parts = <_ScanPart *>calloc(self.n_parts if self.n_parts > 0 else 1,
                                         sizeof(_ScanPart))
        if (self.kind == NULL or self.code == NULL or self.at == NULL or self.cnt == NULL
                or self.parts == NULL):
            raise MemoryError()
        memset(self.kind, _K_UNSCANNED, m)
        total = 0
        for p in range(self.n_parts):
            self.parts[p].region = total
            for i in range(bounds[p], bounds[p + 1]):
                if seg_len[i] > 0:
                    total += seg_len[i]
        # Pages of the blob that no string reaches are never touched.
        self.blob = np.empty(total, dtype=np.uint8)
        self.hw = np.zeros((n, 2), dtype=np.uint32)
        self.bbox = np.zeros((n, 4), dtype=np.float64)
        self.area = np.zeros(n, dtype=np.uint32)
        self.str_at = np.zeros(n, dtype=np.int64)
        self.str_len = np.full(n, -1, dtype=np.int64)  # -1: no string (polygons)
        self.blob_v, self.hw_v, self.bbox_v = self.blob, self.hw, self.bbox
        self.area_v, self.at_v, self.len_v = self.area, self.str_at, self.str_len

    def __init__(self, seg_off, seg_len, bounds):
        pass  # everything happens in __cinit__, which gets the same arguments

    def __dealloc__(self):
        cdef Py_ssize_t p
        if self.parts != NULL:
            for p in range(self.n_parts):
                mm_json_segm_free(&self.parts[p].sg)
                free(self.parts[p].raw)
                mm_rle_buf_free(&self.parts[p].encoded)
        free(self.parts)
        free(self.kind)
        free(self.code)
        free(self.at)
        free(self.cnt)

    def part_span(self, Py_ssize_t p):
        """``(start, stop)``: the document's bytes that hold part `p`'s values."""
        cdef Py_ssize_t i
        cdef int64_t start = -1, stop = 0
        if not 0 <= p < self.n_parts:
            raise ValueError("JsonScan.part_span: no such part")
        for i in range(self.bounds[p], self.bounds[p + 1]):
            if self.ln[i] >= 0:
                if start < 0:
                    start = self.off[i]
                stop = self.off[i] + self.ln[i]
        if start < 0:
            start = stop = 0
        return start, stop

    def scan(self, Py_ssize_t p, const uint8_t[::1] chunk not None, int64_t chunk_start):
        """Scan part `p` from `chunk`, the document's bytes from `chunk_start` on
        (covering :meth:`part_span`). Any thread; parts are independent."""
        if not 0 <= p < self.n_parts:
            raise ValueError("JsonScan.scan: no such part")
        start, stop = self.part_span(p)
        if stop > start and not chunk_start <= start <= stop <= chunk_start + chunk.shape[0]:
            raise ValueError("JsonScan.scan: the chunk does not hold the part's values")
        if self.parts[p].scanned:
            raise ValueError("JsonScan.scan: part already scanned")
        self.parts[p].scanned = True
        cdef const char *base = <const char *>&chunk[0] if chunk.shape[0] > 0 else NULL
        with nogil:
            self._scan(&self.parts[p], self.bounds[p], self.bounds[p + 1], base, chunk_start)

    cdef void _scan(self, _ScanPart *part, Py_ssize_t first, Py_ssize_t last,
                    const char *base, int64_t chunk_start) noexcept nogil:
        cdef Py_ssize_t i, n_poly
        cdef int64_t local
        cdef mm_rle_str rs
        cdef mm_json_segm *sg = &part.sg
        for i in range(first, last):
            if self.ln[i] < 0:
                self.kind[i] = _K_MISSING
                continue
            local = self.off[i] - chunk_start
            n_poly = sg.n_poly
            if mm_json_segmentation(base, local, self.ln[i], sg) != 0:
                part.failed = True
                return
            if sg.kind == MM_JSON_SEG_POLYGONS:
                self.kind[i] = _K_POLYGONS
                self.at[i] = n_poly
                self.cnt[i] = sg.n_poly - n_poly
            elif sg.kind == MM_JSON_SEG_RLE and sg.h * sg.w <= _MAX_AREA:
                # In place, or decoded when the JSON string had escapes ('\\').
                rs.s = sg.counts_buf if sg.counts_decoded else base + sg.counts_off
                rs.len = sg.counts_len
                rs.h = <uint32_t>sg.h
                rs.w = <uint32_t>sg.w
                self.code[i] = mm_rle_str_area_bbox(&rs, &self.area_v[i], &self.bbox_v[i, 0])
                if self.code[i] != MM_RLE_OK:
                    self.kind[i] = _K_BAD
                    continue
                # A string is never longer than its value's JSON: the region has room.
                if rs.len:
                    memcpy(&self.blob_v[part.region + part.n_chars], rs.s, rs.len)
                self.kind[i] = _K_RLE
                self.at_v[i] = part.region + part.n_chars
                self.len_v[i] = rs.len
                self.hw_v[i, 0] = rs.h
                self.hw_v[i, 1] = rs.w
                part.n_chars += rs.len
            elif (sg.kind == MM_JSON_SEG_COUNTS and sg.h * sg.w <= _MAX_AREA
                    and self._put_counts(part, i)):
                if part.failed:
                    return
            else:
                # Python parses it later: keep its JSON (the chunk will be gone).
                if _grow(&part.raw, &part.cap_raw, part.n_raw + self.ln[i] + 1):
                    part.failed = True
                    return
                memcpy(part.raw + part.n_raw, base + local, self.ln[i])
                self.kind[i] = _K_OTHER
                self.at[i] = part.n_raw
                self.cnt[i] = self.ln[i]
                part.n_raw += self.ln[i]

    cdef bint _put_counts(self, _ScanPart *part, Py_ssize_t i) noexcept nogil:
        """Item `i`, an uncompressed RLE (sg.cnts), as the compressed string pycocotools'
        frPyObjects makes of it, with its area and box. False leaves it to Python: run
        lengths that do not sum to h * w (Python raises the error), or a string longer
        than the value's JSON (the part's region in the blob has room for that only)."""
        cdef mm_rle r
        cdef uint32_t no_counts = 0
        cdef mm_json_segm *sg = &part.sg
        r.cnts = sg.cnts if sg.n_cnts > 0 else &no_counts
        r.m = sg.n_cnts
        r.h = <uint32_t>sg.h
        r.w = <uint32_t>sg.w
        if mm_rle_check(&r) != MM_RLE_OK:
            return False
        part.encoded.len = 0
        if mm_rle_to_str(r.cnts, r.m, &part.encoded) != MM_RLE_OK:
            part.failed = True
            return True
        if <int64_t>part.encoded.len > self.ln[i]:
            return False
        if part.encoded.len:
            memcpy(&self.blob_v[part.region + part.n_chars], part.encoded.data,
                   part.encoded.len)
        self.area_v[i] = mm_rle_area(&r)
        mm_rle_bbox(&r, &self.bbox_v[i, 0])
        self.kind[i] = _K_RLE
        self.at_v[i] = part.region + part.n_chars
        self.len_v[i] = part.encoded.len
        self.hw_v[i, 0] = r.h
        self.hw_v[i, 1] = r.w
        part.n_chars += part.encoded.len
        return True

    def gather(self, const int64_t[::1] heights, const int64_t[::1] widths, object parse,
               object fallback, str name):
        """What :func:`gather_annotations` returns for every item (item ``i`` on an
        image of ``heights[i] x widths[i]``), after every part was scanned; values the
        scan left are ``parse(bytes)``-d and treated as there. The blob is the scan's
        when its strings fill at least half of it and Python added none, else a
        compact copy. Once only: the parts' own buffers are freed here."""
        cdef Py_ssize_t p, i, j, x0, x1
        cdef int64_t used = 0, pos
        cdef _ScanPart *part
        if heights.shape[0] != self.n or widths.shape[0] != self.n:
            raise ValueError("JsonScan.gather: one height and width per item")
        if self.gathered:
            raise ValueError("JsonScan.gather: called already")
        for p in range(self.n_parts):
            if self.parts[p].failed:
                raise MemoryError()
            used += self.parts[p].n_chars
        for i in range(self.n):
            if self.kind[i] == _K_UNSCANNED:
                raise ValueError("JsonScan.gather: every part must be scanned first")
        cdef bint compact = 2 * used < self.blob_v.shape[0]
        cdef _Gathered g = _Gathered(self.n, name)
        g.hw, g.bbox, g.area, g.str_at, g.str_len = (
            self.hw, self.bbox, self.area, self.str_at, self.str_len)
        g.hw_v, g.bbox_v, g.area_v, g.at_v, g.len_v = (
            self.hw_v, self.bbox_v, self.area_v, self.at_v, self.len_v)
        g.chars_base = used if compact else self.blob_v.shape[0]
        for p in range(self.n_parts):
            part = &self.parts[p]
            for i in range(self.bounds[p], self.bounds[p + 1]):
                if self.kind[i] == _K_MISSING:
                    raise ValueError(
                        f"{name} {i}: no 'segmentation' (needed for iouType 'segm')"
                    )
                if self.kind[i] == _K_BAD:
                    _raise(self.code[i], f"{name}[{i}]['segmentation']")
                g.start(i)
                if self.kind[i] == _K_POLYGONS:
                    for j in range(self.at[i], self.at[i] + self.cnt[i]):
                        x0 = part.sg.poly_end[j - 1] if j > 0 else 0
                        x1 = part.sg.poly_end[j]
                        g.add_polygon(part.sg.xy + x0, x1 - x0)
                    self.hw_v[i, 0] = <uint32_t>heights[i]
                    self.hw_v[i, 1] = <uint32_t>widths[i]
                elif self.kind[i] == _K_OTHER:
                    value = parse(PyBytes_FromStringAndSize(part.raw + self.at[i], self.cnt[i]))
                    g.add_object(i, value, heights[i], widths[i], fallback)
            # The part's polygons and JSON are in `g` now: free them before the
            # rasterisation needs its scratch.
            mm_json_segm_free(&part.sg)
            free(part.raw)
            part.raw = NULL
            part.n_raw = part.cap_raw = 0
            mm_rle_buf_free(&part.encoded)
        self.gathered = True
        if not compact:
            return g.result(self.blob)  # followed by the strings Python added, if any
        # Strings take less than half of the blob (polygons, other values): copy them
        # together so that it can be freed.
        blob = np.empty(used + g.n_chars, dtype=np.uint8)
        cdef uint8_t[::1] out = blob
        pos = 0
        with nogil:
            for i in range(self.n):
                if self.kind[i] == _K_RLE:
                    if self.len_v[i]:
                        memcpy(&out[pos], &self.blob_v[self.at_v[i]], self.len_v[i])
                    self.at_v[i] = pos
                    pos += self.len_v[i]
            if g.n_chars:
                memcpy(&out[used], g.chars, g.n_chars)
        g.chars_base = 0
        g.n_chars = 0
        return g.result(blob)


cdef uint8_t *_u8_data(object arr):
    cdef uint8_t[::1] v = arr
    return &v[0]


cdef double *_f64_data(object arr):
    cdef double[::1] v = arr
    return &v[0]


cdef int64_t *_i64_data(object arr):
    cdef int64_t[::1] v = arr
    return &v[0]


def rasterize_annotations(const double[::1] xy, const int64_t[::1] poly_start,
                          const int64_t[::1] ann_poly, const uint32_t[:, ::1] hw,
                          double[:, ::1] bbox, uint32_t[::1] area, Py_ssize_t first,
                          Py_ssize_t last, str name):
    """Phase two: rasterise and merge the polygons of items ``[first, last)`` (those
    with any), as pycocotools' ``merge(frPyObjects(segm, h, w))``, without the GIL.

    Writes the items' boxes and areas and returns ``(counts, starts)``: item
    ``first + k`` has ``counts[starts[k]:starts[k + 1]]`` (no counts for items
    without polygons).
    """
    cdef Py_ssize_t n = last - first, i, j, n_poly, m = 0, total = 0, bad = -1
    cdef Py_ssize_t cap_out = 0, cap_pc = 0, pc_len, merge_cap, cap_tmp = 0
    cdef int st = MM_RLE_OK
    cdef uint32_t *out = NULL
    cdef uint32_t *pc = NULL
    cdef uint32_t *tmp = NULL
    cdef mm_rle *rl = NULL
    cdef Py_ssize_t *poly_at = NULL
    cdef mm_rle_ws ws
    cdef mm_rle one
    cdef Py_ssize_t max_poly = 0
    cdef int64_t k0, k1
    if not (0 <= first <= last <= hw.shape[0] and ann_poly.shape[0] == hw.shape[0] + 1
            and bbox.shape[0] == hw.shape[0] and area.shape[0] == hw.shape[0]):
        raise ValueError("rasterize_annotations: shapes or item range")
    for i in range(first, last):
        if not 0 <= ann_poly[i] <= ann_poly[i + 1] < poly_start.shape[0]:
            raise ValueError("rasterize_annotations: polygon offsets")
        if ann_poly[i + 1] - ann_poly[i] > max_poly:
            max_poly = ann_poly[i + 1] - ann_poly[i]
    for j in range(ann_poly[first], ann_poly[last]):
        if not 0 <= poly_start[j] <= poly_start[j + 1] <= xy.shape[0]:
            raise ValueError("rasterize_annotations: coordinate offsets")
    starts = np.zeros(n + 1, dtype=np.int64)
    cdef int64_t[::1] st_v = starts
    cdef double dummy = 0
    cdef const double *base = &xy[0] if xy.shape[0] > 0 else &dummy
    memset(&ws, 0, sizeof(ws))
    rl = <mm_rle *>malloc((max_poly if max_poly > 0 else 1) * sizeof(mm_rle))
    poly_at = <Py_ssize_t *>malloc((max_poly + 1) * sizeof(Py_ssize_t))
    try:
        if rl == NULL or poly_at == NULL:
            raise MemoryError()
        with nogil:
            for i in range(first, last):
                st_v[i - first] = total
                n_poly = ann_poly[i + 1] - ann_poly[i]
                if n_poly == 0:
                    continue
                pc_len = 0
                for j in range(n_poly):
                    k0 = poly_start[ann_poly[i] + j]
                    k1 = poly_start[ann_poly[i] + j + 1]
                    st = mm_rle_from_poly(base + k0, (k1 - k0) // 2, hw[i, 0], hw[i, 1], &ws)
                    if st == MM_RLE_OK and _grow(&pc, &cap_pc, pc_len + ws.m + 1):
                        st = MM_RLE_ENOMEM
                    if st != MM_RLE_OK:
                        break
                    memcpy(pc + pc_len, ws.cnts, ws.m * sizeof(uint32_t))
                    poly_at[j] = pc_len
                    pc_len += ws.m
                    rl[j].m = ws.m
                    rl[j].h = hw[i, 0]
                    rl[j].w = hw[i, 1]
                if st != MM_RLE_OK:
                    bad = i
                    break
                for j in range(n_poly):
                    rl[j].cnts = pc + poly_at[j]
                if n_poly == 1:
                    if _grow(&out, &cap_out, total + rl[0].m + 1):
                        st = MM_RLE_ENOMEM
                    else:
                        memcpy(out + total, rl[0].cnts, rl[0].m * sizeof(uint32_t))
                        m = rl[0].m
                else:
                    merge_cap = mm_rle_merge_capacity(rl, n_poly)
                    if (_grow(&out, &cap_out, total + merge_cap + 1)
                            or _grow(&tmp, &cap_tmp, merge_cap + 1)):
                        st = MM_RLE_ENOMEM
                    else:
                        st = mm_rle_merge(rl, n_poly, 0, out + total, tmp, merge_cap, &m)
                if st != MM_RLE_OK:
                    bad = i
                    break
                one.cnts = out + total
                one.m = m
                one.h = hw[i, 0]
                one.w = hw[i, 1]
                mm_rle_bbox(&one, &bbox[i, 0])
                area[i] = mm_rle_area(&one)
                total += m
            st_v[n] = total
        if bad >= 0:
            if st == MM_RLE_ENOMEM:
                raise MemoryError()
            _raise(st, f"{name}[{bad}]['segmentation']")
        counts = np.empty(total, dtype=np.uint32)
        if total:
            memcpy(_u32_data(counts), out, total * sizeof(uint32_t))
    finally:
        free(out)
        free(pc)
        free(tmp)
        free(rl)
        free(poly_at)
        mm_rle_ws_free(&ws)
    return counts, starts


cdef uint32_t *_u32_data(object arr):
    cdef uint32_t[::1] v = arr
    return &v[0]


def polygon_list(object pyobj, object h, object w):
    """``frPyObjects`` for its commonest call, in one pass: a list of polygons given as
    lists of plain numbers (the first longer than 4), on an ``h x w`` image with plain
    int sizes. Returns the list of RLE dicts, or None for any other input (the general
    path then handles it, errors included)."""
    cdef Py_ssize_t n, i, length, xy_len, cap_xy = 0
    cdef double *xy = NULL
    cdef mm_rle_ws ws
    cdef mm_rle_buf buf
    cdef int st = MM_RLE_OK
    cdef uint32_t hh, ww
    cdef object poly
    cdef list out
    if type(pyobj) is not list or not (_small_int(h) and _small_int(w)):
        return None
    if <uint64_t>h * <uint64_t>w > MAX_AREA:
        return None
    n = PyList_GET_SIZE(pyobj)
    if n == 0:
        return None
    poly = <object>PyList_GET_ITEM(pyobj, 0)
    if type(poly) is not list or PyList_GET_SIZE(poly) <= 4:
        return None
    hh = <uint32_t>h
    ww = <uint32_t>w
    out = [None] * n
    memset(&ws, 0, sizeof(ws))
    memset(&buf, 0, sizeof(buf))
    try:
        for i in range(n):
            poly = <object>PyList_GET_ITEM(pyobj, i)
            if type(poly) is not list:
                return None
            length = PyList_GET_SIZE(poly)
            xy_len = 2 * (length // 2)
            _reserve(&xy, &cap_xy, xy_len + 1)
            if not _fill_list(poly, xy, xy_len):
                return None
            buf.len = 0
            with nogil:
                st = mm_rle_from_poly(xy, xy_len // 2, hh, ww, &ws)
                if st == MM_RLE_OK:
                    st = mm_rle_to_str(ws.cnts, ws.m, &buf)
            if st != MM_RLE_OK:
                return None  # the general path reports it
            out[i] = {"size": [h, w],
                      "counts": PyBytes_FromStringAndSize(buf.data, buf.len) if buf.len else b""}
        return out
    finally:
        free(xy)
        mm_rle_buf_free(&buf)
        mm_rle_ws_free(&ws)
