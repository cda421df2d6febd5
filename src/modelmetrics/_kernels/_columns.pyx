# cython: language_level=3, cdivision=True
# cython: freethreading_compatible=False, autotestdict=False
"""Read COCO annotation dicts into numpy columns through the C API.

Private. The fast path reads plain ``int`` and ``float`` values (what JSON parsers
produce); anything else (numpy scalars, strings as ids, ...) makes the function return
a "fall back" status and the caller uses its Python extractor, which has the same
semantics. Validation problems come back as ``(index, field, problem)``.
"""
from cpython.dict cimport PyDict_Check, PyDict_GetItem
from cpython.float cimport PyFloat_AS_DOUBLE, PyFloat_Check
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE
from cpython.long cimport PyLong_AsLongLong, PyLong_Check
from cpython.object cimport PyObject
from cpython.sequence cimport PySequence_Fast_GET_ITEM, PySequence_Fast_GET_SIZE
from libc.math cimport isfinite, isnan
from libc.stdint cimport int64_t, uint8_t

cdef extern from "Python.h":
    int PyBool_Check(object)
    int PyList_Check(object)
    int PyTuple_Check(object)
    double PyLong_AsDouble(object) except? -1.0

# Outcome of reading one value.
cdef enum:
    OK = 0
    MISSING = 1
    BAD = 2
    FALLBACK = 3


cdef inline int _as_double(PyObject *obj, double *out) except -1:
    """A plain float or int as a double; FALLBACK for any other type."""
    cdef object value
    if obj == NULL:
        return MISSING
    value = <object>obj
    if PyFloat_Check(value) and type(value) is float:
        out[0] = PyFloat_AS_DOUBLE(value)
        return OK
    if PyLong_Check(value) and not PyBool_Check(value) and type(value) is int:
        out[0] = PyLong_AsDouble(value)
        return OK
    return FALLBACK


cdef inline int _as_id(PyObject *obj, int64_t *out) except -1:
    """A plain int that fits int64; FALLBACK otherwise (strings, floats, huge ints)."""
    cdef object value
    if obj == NULL:
        return MISSING
    value = <object>obj
    if type(value) is not int:
        return FALLBACK
    try:
        out[0] = PyLong_AsLongLong(value)
    except OverflowError:
        return FALLBACK
    return OK


cdef inline int _box(PyObject *obj, double *box) except -1:
    """Four plain numbers in a list or tuple; FALLBACK for any other container."""
    cdef object value
    cdef Py_ssize_t j
    cdef int status
    if obj == NULL:
        return MISSING
    value = <object>obj
    if not (PyList_Check(value) or PyTuple_Check(value)):
        return FALLBACK
    # The PySequence_Fast macros read lists and tuples (subclasses included) in place.
    if PySequence_Fast_GET_SIZE(value) != 4:
        return BAD
    for j in range(4):
        status = _as_double(PySequence_Fast_GET_ITEM(value, j), &box[j])
        if status != OK:
            return status
    return OK


cdef inline tuple _problem(Py_ssize_t i, str field, int status, str bad):
    if status == MISSING:
        return (i, field, "is missing")
    return (i, field, bad)


def extract(
    list anns,
    bint results,
    int64_t[::1] image_id,
    int64_t[::1] category_id,
    int64_t[::1] ann_id,
    double[:, ::1] bbox,
    double[::1] area,
    double[::1] score,
    uint8_t[::1] crowd,
    uint8_t[::1] ignore,
):
    """Fill the columns from `anns`.

    Returns None on success, ``"fallback"`` when a value needs the Python extractor,
    or ``(index, field, problem)`` for invalid input.
    """
    cdef Py_ssize_t i, n = PyList_GET_SIZE(anns)
    cdef object ann
    cdef PyObject *value
    cdef double box[4]
    cdef double x
    cdef int64_t k
    cdef int status
    if (image_id.shape[0] != n or category_id.shape[0] != n or ann_id.shape[0] != n
            or bbox.shape[0] != n or bbox.shape[1] != 4 or area.shape[0] != n
            or score.shape[0] != n or crowd.shape[0] != n or ignore.shape[0] != n):
        raise ValueError("extract: column shapes")
    for i in range(n):
        ann = <object>PyList_GET_ITEM(anns, i)
        if not PyDict_Check(ann) or type(ann) is not dict:
            return "fallback"
        status = _as_id(PyDict_GetItem(ann, "image_id"), &k)
        if status != OK:
            return "fallback" if status == FALLBACK else (i, "image_id", "is missing")
        image_id[i] = k
        status = _as_id(PyDict_GetItem(ann, "category_id"), &k)
        if status != OK:
            return "fallback" if status == FALLBACK else (i, "category_id", "is missing")
        category_id[i] = k
        status = _box(PyDict_GetItem(ann, "bbox"), box)
        if status == FALLBACK:
            return "fallback"
        if status != OK:
            return _problem(i, "bbox", status, "must be [x, y, width, height]")
        if not (isfinite(box[0]) and isfinite(box[1]) and isfinite(box[2]) and isfinite(box[3])):
            return (i, "bbox", "must be finite")
        if box[2] < 0 or box[3] < 0:
            return (i, "bbox", "has a negative width or height")
        bbox[i, 0] = box[0]
        bbox[i, 1] = box[1]
        bbox[i, 2] = box[2]
        bbox[i, 3] = box[3]
        if results:
            status = _as_double(PyDict_GetItem(ann, "score"), &x)
            if status == FALLBACK:
                return "fallback"
            if status != OK:
                return (i, "score", "is missing")
            if not isfinite(x):
                return (i, "score", "must be finite")
            score[i] = x
            # loadRes's bb[2] * bb[3]: for floats and ints the double product rounds
            # exactly as Python does.
            area[i] = box[2] * box[3]
            ann_id[i] = i + 1
        else:
            status = _as_double(PyDict_GetItem(ann, "area"), &x)
            if status == FALLBACK:
                return "fallback"
            if status != OK:
                return (i, "area", "is missing")
            if isnan(x):
                return (i, "area", "is NaN")
            area[i] = x
            status = _as_id(PyDict_GetItem(ann, "id"), &k)
            if status != OK:
                return "fallback" if status == FALLBACK else (i, "id", "is missing")
            ann_id[i] = k
            value = PyDict_GetItem(ann, "iscrowd")
            if value == NULL:
                crowd[i] = 0
                ignore[i] = 0
            elif type(<object>value) is int:
                crowd[i] = <object>value != 0
                ignore[i] = <object>value != 0
            else:
                return "fallback"
    return None
