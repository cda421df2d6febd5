# cython: language_level=3, cdivision=True
# cython: freethreading_compatible=True, autotestdict=False
"""Read COCO JSON documents straight into numpy columns (csrc/mm_json.c).

Private. The scan runs without the GIL and builds no Python object per annotation:
the C reader fills malloc'd columns that become numpy arrays without a copy. The few
numbers whose correct rounding needs more than 128-bit arithmetic come back as tokens
and are converted here with Python's own ``float()``, which is what ``json`` uses.
"""
from cpython.bytes cimport PyBytes_FromStringAndSize
from cython cimport view
from libc.stdint cimport int64_t
from libc.stdlib cimport calloc, free, realloc
from libc.string cimport memcpy

from ._csrc cimport (
    MM_JSON_D_AREA,
    MM_JSON_D_BBOX0,
    MM_JSON_D_SCORE,
    MM_JSON_ENOMEM,
    MM_JSON_FALLBACK,
    MM_JSON_GROUND_TRUTH,
    MM_JSON_INVALID,
    MM_JSON_NUMBERS,
    MM_JSON_OK,
    MM_JSON_RESULTS,
    MM_JSON_SYNTAX,
    mm_json_coco,
    mm_json_deferred,
    mm_json_free,
    mm_json_number_array,
    mm_json_read,
    mm_json_read_results_part,
)

import numpy as np

# mm_json.h's MM_JSON_F_* and MM_JSON_P_*, in the dict extractor's wording.
_FIELDS = ("image_id", "category_id", "bbox", "score", "area", "id")
_PROBLEMS = ("is missing", "must be [x, y, width, height]", "has a negative width or height")


cdef class CocoJson:
    """What one read produced.

    ``status`` is ``"ok"`` (columns filled), ``"invalid"`` (valid JSON, ``error`` is
    ``(index, field, problem)``), ``"fallback"`` (use a full JSON parser; ``reason``
    says why) or ``"syntax"`` (not JSON: ``offset`` and ``reason``). Columns a layout
    or an outcome does not fill are empty arrays; ``images`` and ``categories`` are
    filled for ground truth also when it is ``"invalid"``.
    """

    cdef readonly str status
    cdef readonly str reason
    cdef readonly Py_ssize_t offset
    cdef readonly object error
    cdef readonly Py_ssize_t n
    cdef readonly object image_id
    cdef readonly object category_id
    cdef readonly object ann_id
    cdef readonly object bbox
    cdef readonly object area
    cdef readonly object score
    cdef readonly object crowd
    cdef readonly object seg_off
    cdef readonly object seg_len
    cdef readonly object kp_off
    cdef readonly object kp_len
    cdef readonly object num_kp_zero
    cdef readonly Py_ssize_t images_off
    cdef readonly Py_ssize_t images_len
    cdef readonly Py_ssize_t categories_off
    cdef readonly Py_ssize_t categories_len
    cdef readonly object images
    cdef readonly object categories
    cdef readonly bint has_images
    cdef readonly bint has_annotations
    cdef readonly bint has_categories
    cdef readonly bint index_ok
    cdef readonly bint keypoints
    cdef readonly Py_ssize_t n_deferred

    def __cinit__(self):
        # Columns a read did not fill are empty, so that every attribute has one type.
        self.image_id = self.category_id = self.ann_id = np.empty(0, np.int64)
        self.images = self.categories = np.empty(0, np.int64)
        self.bbox = np.empty((0, 4), np.float64)
        self.area = self.score = np.empty(0, np.float64)
        self.crowd = np.empty(0, np.uint8)
        self.seg_off = np.empty(0, np.int64)
        self.seg_len = np.empty(0, np.int64)
        self.kp_off = np.empty(0, np.int64)
        self.kp_len = np.empty(0, np.int64)
        self.num_kp_zero = np.empty(0, np.uint8)
        self.status = self.reason = ""
        self.offset = -1

    def __repr__(self):
        return f"CocoJson(status={self.status!r}, n={self.n}, reason={self.reason!r})"


cdef object _column(void **ptr, Py_ssize_t n, Py_ssize_t width, Py_ssize_t itemsize,
                    str fmt, object dtype):
    """Hand a malloc'd column over to numpy without copying; numpy frees it."""
    if ptr[0] == NULL or n == 0:
        return np.empty((n, width), dtype) if width > 1 else np.empty(n, dtype)
    cdef void *block = realloc(ptr[0], <size_t>(n * width * itemsize))  # drop the slack
    if block == NULL:
        block = ptr[0]
    ptr[0] = NULL
    cdef view.array arr = view.array(shape=(n * width,), itemsize=itemsize, format=fmt,
                                     mode="c", allocate_buffer=False)
    arr.data = <char *>block
    arr.callback_free_data = free
    out = np.asarray(arr).view(dtype)  # "q" is long long: numpy's own int64 on every platform
    return out.reshape(n, width) if width > 1 else out


cdef void _resolve_deferred(mm_json_coco *c, const char *buf) except *:
    """Exact conversion of the tokens the C reader left: Python's float(), as json."""
    cdef Py_ssize_t j
    cdef mm_json_deferred *d
    cdef double v
    for j in range(c.n_deferred):
        d = &c.deferred[j]
        v = float(PyBytes_FromStringAndSize(buf + d.offset, d.len))
        if d.slot == MM_JSON_D_SCORE:
            c.score[d.row] = v
        elif d.slot == MM_JSON_D_AREA:
            c.area[d.row] = v
        else:
            c.bbox[4 * d.row + d.slot - MM_JSON_D_BBOX0] = v


cdef CocoJson _read(const unsigned char[::1] data, int layout):
    cdef mm_json_coco c
    cdef const char *buf = b""
    cdef Py_ssize_t n = data.shape[0]
    cdef int status
    if n > 0:
        buf = <const char *>&data[0]
    with nogil:
        status = mm_json_read(buf, n, layout, &c)
    cdef CocoJson res = CocoJson.__new__(CocoJson)
    try:
        if status == MM_JSON_ENOMEM:
            raise MemoryError("reading a JSON document")
        res.reason = c.reason.decode("ascii")
        res.offset = c.offset
        res.n_deferred = c.n_deferred
        if status == MM_JSON_FALLBACK:
            res.status = "fallback"
            return res
        if status == MM_JSON_SYNTAX:
            res.status = "syntax"
            return res
        res.has_images = c.has_images
        res.has_annotations = c.has_annotations
        res.has_categories = c.has_categories
        res.index_ok = c.index_ok
        res.keypoints = c.keypoints
        res.images_off = c.images_off
        res.images_len = c.images_len
        res.categories_off = c.categories_off
        res.categories_len = c.categories_len
        if layout == MM_JSON_GROUND_TRUTH:
            res.images = _column(<void **>&c.images, c.n_images, 1, 8, "q", np.int64)
            res.categories = _column(<void **>&c.categories, c.n_categories, 1, 8, "q",
                                     np.int64)
        if status == MM_JSON_INVALID:
            res.status = "invalid"
            res.error = (c.err_index, _FIELDS[c.err_field], _PROBLEMS[c.err_problem])
            return res
        res.status = "ok"
        _resolve_deferred(&c, buf)
        res.n = c.n
        if layout != MM_JSON_GROUND_TRUTH:
            res.score = _column(<void **>&c.score, c.n, 1, 8, "d", np.float64)
        if layout != MM_JSON_NUMBERS:
            res.image_id = _column(<void **>&c.image_id, c.n, 1, 8, "q", np.int64)
            res.category_id = _column(<void **>&c.category_id, c.n, 1, 8, "q", np.int64)
            res.bbox = _column(<void **>&c.bbox, c.n, 4, 8, "d", np.float64)
            res.seg_off = _column(<void **>&c.seg_off, c.n, 1, 8, "q", np.int64)
            res.seg_len = _column(<void **>&c.seg_len, c.n, 1, 8, "q", np.int64)
        if layout == MM_JSON_GROUND_TRUTH:
            res.ann_id = _column(<void **>&c.ann_id, c.n, 1, 8, "q", np.int64)
            res.area = _column(<void **>&c.area, c.n, 1, 8, "d", np.float64)
            res.crowd = _column(<void **>&c.crowd, c.n, 1, 1, "B", np.uint8)
            res.kp_off = _column(<void **>&c.kp_off, c.n, 1, 8, "q", np.int64)
            res.kp_len = _column(<void **>&c.kp_len, c.n, 1, 8, "q", np.int64)
            res.num_kp_zero = _column(<void **>&c.num_kp_zero, c.n, 1, 1, "B", np.uint8)
        return res
    finally:
        mm_json_free(&c)


def read_results(const unsigned char[::1] data):
    """A results document: a top-level array of objects."""
    return _read(data, MM_JSON_RESULTS)


def read_ground_truth(const unsigned char[::1] data):
    """A ground-truth document: a top-level object with images, annotations, categories."""
    return _read(data, MM_JSON_GROUND_TRUTH)


def read_numbers(const unsigned char[::1] data):
    """A top-level array of numbers, converted into ``score`` (for testing conversion)."""
    return _read(data, MM_JSON_NUMBERS)


cdef char _no_bytes = 0  # what an empty document's buffer points at


cdef inline bint _is_space(unsigned char c) noexcept nogil:
    return c == 32 or c == 9 or c == 10 or c == 13


def results_part_starts(const unsigned char[::1] data, Py_ssize_t parts):
    """Where to cut a results document into about `parts` parts of similar size:
    ``[0, s_1, ...]``, each ``s_i`` a guess at where an element of the top-level array
    starts (a ``{`` after ``}`` and ``,``). A guess inside a string is possible and
    harmless: :class:`ResultsInParts` finds out and says so."""
    cdef Py_ssize_t n = data.shape[0], i, at, j, last = 0
    cdef list starts = [0]
    for i in range(1, parts):
        at = max(n * i // parts, last + 1)
        while at < n:
            if data[at] == 44:  # ','
                j = at - 1
                while j > 0 and _is_space(data[j]):
                    j -= 1
                if data[j] == 125:  # '}' before it
                    j = at + 1
                    while j < n and _is_space(data[j]):
                        j += 1
                    if j < n and data[j] == 123:  # '{' after it
                        break
            at += 1
        if at >= n:
            break
        last = j
        starts.append(j)
    return np.array(starts, dtype=np.int64)


cdef class ResultsInParts:
    """:func:`read_results` done in parts that threads read at once: part ``p`` is the
    elements that start in ``[starts[p], starts[p + 1])`` (see
    :func:`results_part_starts`). :meth:`read` a part on any thread, then
    :meth:`result` gives what ``read_results(data)`` gives, or None when the document
    must be read whole for that (a guessed start was not an element's, or any part
    was not plain "ok": errors are reported as one read in order reports them)."""
    cdef const unsigned char[::1] data
    cdef const int64_t[::1] starts
    cdef Py_ssize_t k
    cdef mm_json_coco *parts
    cdef int *status
    cdef Py_ssize_t *next
    cdef bint done
    cdef bint keypoints  # what the first result decides (the other parts cannot see it)

    def __cinit__(self, const unsigned char[::1] data, const int64_t[::1] starts):
        cdef Py_ssize_t p
        self.k = starts.shape[0]
        if self.k < 1 or starts[0] != 0:
            raise ValueError("ResultsInParts: starts must begin with 0")
        for p in range(1, self.k):
            if not starts[p - 1] < starts[p] <= data.shape[0]:
                raise ValueError("ResultsInParts: starts must increase within the document")
        self.data = data
        self.starts = starts
        self.parts = <mm_json_coco *>calloc(self.k, sizeof(mm_json_coco))
        self.status = <int *>calloc(self.k, sizeof(int))
        self.next = <Py_ssize_t *>calloc(self.k, sizeof(Py_ssize_t))
        if self.parts == NULL or self.status == NULL or self.next == NULL:
            raise MemoryError()
        for p in range(self.k):
            self.status[p] = -1  # not read
        self.keypoints = _first_result_is_keypoints(data)

    def __init__(self, data, starts):
        pass  # everything happens in __cinit__, which gets the same arguments

    def __dealloc__(self):
        cdef Py_ssize_t p
        if self.parts != NULL:
            for p in range(self.k):
                mm_json_free(&self.parts[p])
        free(self.parts)
        free(self.status)
        free(self.next)

    def read(self, Py_ssize_t p):
        """Read part `p` (any thread; once)."""
        if not 0 <= p < self.k:
            raise ValueError("ResultsInParts.read: no such part")
        if self.status[p] != -1:
            raise ValueError("ResultsInParts.read: part already read")
        cdef Py_ssize_t n = self.data.shape[0]
        cdef const char *buf = <const char *>&self.data[0] if n > 0 else &_no_bytes
        cdef Py_ssize_t until = self.starts[p + 1] if p + 1 < self.k else n + 1
        cdef Py_ssize_t start = self.starts[p]
        cdef int keypoints = self.keypoints
        with nogil:
            self.status[p] = mm_json_read_results_part(buf, n, start, until, keypoints,
                                                       &self.parts[p], &self.next[p])

    def result(self):
        """The whole document's :class:`CocoJson`, or None (see the class)."""
        cdef Py_ssize_t p, total = 0, at = 0, n = self.data.shape[0]
        cdef mm_json_coco *c
        if self.done:
            raise ValueError("ResultsInParts.result: called already")
        for p in range(self.k):
            if self.status[p] == -1:
                raise ValueError("ResultsInParts.result: every part must be read first")
            if self.status[p] == MM_JSON_ENOMEM:
                raise MemoryError("reading a JSON document")
        for p in range(self.k):
            if self.status[p] != MM_JSON_OK:
                return None
            if self.next[p] != (self.starts[p + 1] if p + 1 < self.k else n):
                return None  # parts do not chain: a guessed start was not an element's
            total += self.parts[p].n
        if self.parts[0].keypoints != self.keypoints:
            return None  # cannot happen: both read the same first element
        cdef const char *buf = <const char *>&self.data[0] if n > 0 else &_no_bytes
        self.done = True
        cdef CocoJson res = CocoJson.__new__(CocoJson)
        res.status = "ok"
        res.keypoints = self.keypoints
        res.n = total
        res.score = np.empty(total, np.float64)
        res.image_id = np.empty(total, np.int64)
        res.category_id = np.empty(total, np.int64)
        res.bbox = np.empty((total, 4), np.float64)
        res.seg_off = np.empty(total, np.int64)
        res.seg_len = np.empty(total, np.int64)
        cdef double[::1] score = res.score
        cdef int64_t[::1] image_id = res.image_id, category_id = res.category_id
        cdef double[:, ::1] bbox = res.bbox
        cdef int64_t[::1] seg_off = res.seg_off, seg_len = res.seg_len
        for p in range(self.k):
            c = &self.parts[p]
            _resolve_deferred(c, buf)
            res.n_deferred += c.n_deferred
            if c.n == 0:
                continue
            memcpy(&score[at], c.score, c.n * sizeof(double))
            memcpy(&image_id[at], c.image_id, c.n * sizeof(int64_t))
            memcpy(&category_id[at], c.category_id, c.n * sizeof(int64_t))
            memcpy(&bbox[at, 0], c.bbox, 4 * c.n * sizeof(double))
            memcpy(&seg_off[at], c.seg_off, c.n * sizeof(int64_t))
            memcpy(&seg_len[at], c.seg_len, c.n * sizeof(int64_t))
            at += c.n
            mm_json_free(c)  # its columns are copied: give the memory back now
        return res


cdef bint _first_result_is_keypoints(const unsigned char[::1] data) except -1:
    """Whether the first element of a results document chooses loadRes's keypoints
    branch (read here on its own; False for anything unusual: the reads decide)."""
    cdef Py_ssize_t n = data.shape[0], at = 0
    cdef mm_json_coco c
    cdef Py_ssize_t next_at = 0
    cdef int status
    while at < n and _is_space(data[at]):
        at += 1
    if at == n or data[at] != 91:  # '['
        return False
    at += 1
    while at < n and _is_space(data[at]):
        at += 1
    if at == n:
        return False
    with nogil:  # only the element starting at `at`
        status = mm_json_read_results_part(<const char *>&data[0], n, 0, at + 1, 0, &c,
                                           &next_at)
    # Unread or failed: the parts' reads decide (and report) the document.
    cdef bint keypoints = (status == MM_JSON_OK or status == MM_JSON_INVALID) and c.keypoints
    mm_json_free(&c)
    return keypoints


def keypoint_arrays(const unsigned char[::1] data, const int64_t[::1] off,
                    const int64_t[::1] length, double[:, ::1] out, Py_ssize_t first,
                    Py_ssize_t last):
    """Parse the keypoints values at spans ``[first, last)`` (one per result) into those
    rows of `out` (``(n, width)`` float64). Returns False when any is not an array of
    ``width`` plain numbers (Python then parses the document). Any thread."""
    cdef Py_ssize_t n = off.shape[0], i, width = out.shape[1], got
    cdef const char *buf = <const char *>&data[0] if data.shape[0] else &_no_bytes
    if length.shape[0] != n or out.shape[0] != n or not 0 <= first <= last <= n:
        raise ValueError("keypoint_arrays: one span and one row per result")
    for i in range(first, last):
        if off[i] < 0 or length[i] < 0 or off[i] + length[i] > data.shape[0]:
            return False
    if width == 0:
        return first == last
    cdef bint ok = True
    with nogil:
        for i in range(first, last):
            got = mm_json_number_array(buf, off[i], length[i], &out[i, 0], width)
            if got != width:
                ok = False
                break
    return ok


def keypoint_width(const unsigned char[::1] data, int64_t off, int64_t length):
    """The number of plain numbers in the array at the span, or -1 (see
    :func:`keypoint_arrays`)."""
    if off < 0 or length < 0 or off + length > data.shape[0]:
        return -1
    values = np.empty(length // 2 + 1, np.float64)
    cdef double[::1] v = values
    cdef const char *buf = <const char *>&data[0] if data.shape[0] else &_no_bytes
    return mm_json_number_array(buf, off, length, &v[0], v.shape[0])
