# cython: language_level=3, cdivision=True
# cython: freethreading_compatible=True, autotestdict=False
"""Per-pixel confusion kernels behind the semantic segmentation metrics.

Private: callers pass validated, flattened C-contiguous arrays. Counts land in an
"extended" int64 histogram of ``(C + 2) x (C + 1)`` (see ``csrc/mm_semantic.h``):
rows ``C`` and ``C + 1`` hold ignored pixels and out-of-range targets, column ``C``
out-of-range predictions, so range checks cost no extra pass.
"""
from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t

from ._csrc cimport (
    MM_SEMANTIC_ENOMEM,
    MM_SEMANTIC_F32,
    MM_SEMANTIC_F64,
    MM_SEMANTIC_I32,
    MM_SEMANTIC_I64,
    MM_SEMANTIC_NAN,
    MM_SEMANTIC_OK,
    MM_SEMANTIC_U16,
    MM_SEMANTIC_U8,
    mm_semantic_count,
    mm_semantic_count_images,
    mm_semantic_ext_size,
    mm_semantic_input,
)

ctypedef fused pred_t:
    uint8_t
    uint16_t
    int32_t
    int64_t
    float
    double

ctypedef fused label_t:
    uint8_t
    uint16_t
    int32_t
    int64_t


cdef inline int _kind(const pred_t *typed) noexcept nogil:
    """The csrc/mm_semantic.h element type of ``pred_t`` (label_t's types are among
    them); ``typed`` only selects the specialisation."""
    if pred_t is uint8_t:
        return MM_SEMANTIC_U8
    elif pred_t is uint16_t:
        return MM_SEMANTIC_U16
    elif pred_t is int32_t:
        return MM_SEMANTIC_I32
    elif pred_t is int64_t:
        return MM_SEMANTIC_I64
    elif pred_t is float:
        return MM_SEMANTIC_F32
    else:
        return MM_SEMANTIC_F64


def ext_size(Py_ssize_t n_classes):
    """Entries of the extended histogram for ``n_classes`` classes."""
    if n_classes < 1:
        raise ValueError("ext_size: need n_classes >= 1")
    return mm_semantic_ext_size(n_classes)


cdef int _status(int status, str name) except -1:
    if status == MM_SEMANTIC_ENOMEM:
        raise MemoryError(f"{name}: could not allocate the histograms")
    if status != MM_SEMANTIC_OK and status != MM_SEMANTIC_NAN:
        raise ValueError(f"{name}: unsupported element type")
    return 0


cdef int _setup(mm_semantic_input *inp, const pred_t[::1] pred, const label_t[::1] target,
                Py_ssize_t n_images, Py_ssize_t n_classes, bint has_ignore,
                int64_t ignore, Py_ssize_t ext_len) except -1:
    cdef Py_ssize_t n = target.shape[0]
    cdef bint scores = pred_t is float or pred_t is double
    if n_classes < 1 or n_images < 0:
        raise ValueError("segmentation kernel: need n_classes >= 1 and n_images >= 0")
    if (n_images == 0 and n != 0) or (n_images > 0 and n % n_images):
        raise ValueError("segmentation kernel: target does not split into n_images")
    if pred.shape[0] != (n * n_classes if scores else n):
        raise ValueError("segmentation kernel: prediction and target sizes differ")
    if ext_len != mm_semantic_ext_size(n_classes):
        raise ValueError("segmentation kernel: ext has the wrong shape")
    inp.pred_kind = _kind(<const pred_t *>NULL)
    inp.target_kind = _kind(<const label_t *>NULL)
    inp.pred = NULL
    inp.target = NULL
    if n:
        inp.pred = &pred[0]
        inp.target = &target[0]
    inp.n_images = n_images
    inp.pixels = n // n_images if n_images else 0
    inp.n_classes = n_classes
    inp.has_ignore = has_ignore
    inp.ignore = ignore
    return 0


def count(
    const pred_t[::1] pred,
    const label_t[::1] target,
    Py_ssize_t n_images,
    Py_ssize_t n_classes,
    bint has_ignore,
    int64_t ignore,
    Py_ssize_t first,
    Py_ssize_t last,
    int64_t[:, ::1] ext,
):
    """Add pixels ``first .. last - 1`` (flat over all images) to ``ext``.

    ``pred`` holds labels (one per pixel) or float scores (``n_classes`` per pixel,
    laid out image by image as ``(n_images, n_classes, pixels)``). Returns ``False``
    if the scores hold a NaN (``ext`` is then partially filled and must be dropped).
    """
    cdef mm_semantic_input inp
    cdef int status
    _setup(&inp, pred, target, n_images, n_classes, has_ignore, ignore,
           ext.shape[0] * ext.shape[1])
    if ext.shape[1] != n_classes + 1:
        raise ValueError("count: ext has the wrong shape")
    if not 0 <= first <= last <= target.shape[0]:
        raise ValueError("count: pixel range out of bounds")
    if first == last:
        return True
    with nogil:
        status = mm_semantic_count(&inp, first, last, &ext[0, 0])
    _status(status, "count")
    return status != MM_SEMANTIC_NAN


def count_images(
    const pred_t[::1] pred,
    const label_t[::1] target,
    Py_ssize_t n_images,
    Py_ssize_t n_classes,
    bint has_ignore,
    int64_t ignore,
    Py_ssize_t first_image,
    Py_ssize_t last_image,
    int64_t[:, ::1] ext,
    int64_t[:, :, ::1] stats,
):
    """As :func:`count` over images ``first_image .. last_image - 1``, also writing
    ``stats[i] = (true positives, predicted pixels, target pixels)`` per class."""
    cdef mm_semantic_input inp
    cdef int status
    _setup(&inp, pred, target, n_images, n_classes, has_ignore, ignore,
           ext.shape[0] * ext.shape[1])
    if ext.shape[1] != n_classes + 1:
        raise ValueError("count_images: ext has the wrong shape")
    if stats.shape[0] != n_images or stats.shape[1] != 3 or stats.shape[2] != n_classes:
        raise ValueError("count_images: stats has the wrong shape")
    if not 0 <= first_image <= last_image <= n_images:
        raise ValueError("count_images: image range out of bounds")
    if first_image == last_image:
        return True
    with nogil:
        status = mm_semantic_count_images(&inp, first_image, last_image, &ext[0, 0],
                                          &stats[0, 0, 0])
    _status(status, "count_images")
    return status != MM_SEMANTIC_NAN
