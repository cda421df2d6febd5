# cython: language_level=3, cdivision=True
# cython: freethreading_compatible=True, autotestdict=False
"""TIDE's per-image matching and error classification (``csrc/mm_tide.h``).

Private: callers pass validated C-contiguous arrays; the checks here only guard the
kernel's memory accesses (lengths and offsets), not the meaning of the inputs.
"""
from libc.stdint cimport int64_t, uint8_t

from ._csrc cimport MM_TIDE_ENOMEM, mm_tide_classify, mm_tide_input, mm_tide_output


cdef inline const int64_t *_i64(const int64_t[::1] a) noexcept:
    return &a[0] if a.shape[0] else NULL


cdef inline const double *_f64(const double[::1] a) noexcept:
    return &a[0] if a.shape[0] else NULL


cdef int _check_offsets(const int64_t[::1] start, Py_ssize_t n_images, Py_ssize_t n,
                        str name) except -1:
    cdef Py_ssize_t i
    if start.shape[0] != n_images + 1 or start[0] != 0 or start[n_images] != n:
        raise ValueError(f"tide_classify: {name} must be n_images + 1 offsets ending at {n}")
    for i in range(n_images):
        if start[i + 1] < start[i]:
            raise ValueError(f"tide_classify: {name} must not decrease")
    return 0


cdef int _check_blocks(const int64_t[::1] block_start, const int64_t[::1] det_start,
                       const int64_t[::1] other_start, Py_ssize_t n_images, Py_ssize_t n,
                       str name) except -1:
    cdef Py_ssize_t i
    cdef int64_t size
    if block_start.shape[0] != n_images:
        raise ValueError(f"tide_classify: {name} needs one offset per image")
    for i in range(n_images):
        size = (det_start[i + 1] - det_start[i]) * (other_start[i + 1] - other_start[i])
        if size and (block_start[i] < 0 or block_start[i] + size > n):
            raise ValueError(f"tide_classify: image {i}'s {name} block is out of range")
    return 0


def classify(
    const int64_t[::1] det_start,
    const int64_t[::1] det_class,
    const int64_t[::1] gt_start,
    const int64_t[::1] gt_class,
    const int64_t[::1] crowd_start,
    const int64_t[::1] crowd_class,
    int64_t any_class,
    bint boxes,
    const double[::1] dt_box,
    const double[::1] gt_box,
    const double[::1] crowd_box,
    const double[::1] iou,
    const int64_t[::1] iou_start,
    const double[::1] crowd_iou,
    const int64_t[::1] crowd_iou_start,
    double pos,
    double bg,
    Py_ssize_t first_image,
    Py_ssize_t last_image,
    int64_t[::1] det_match,
    uint8_t[::1] det_ignored,
    uint8_t[::1] det_error,
    int64_t[::1] det_target,
    uint8_t[::1] gt_used,
):
    """Match and classify the detections of images ``first_image .. last_image - 1``.

    Detections, non-crowd truths and crowd regions are grouped by image (``*_start``:
    ``n_images + 1`` offsets), each image's detections by score. With ``boxes`` the
    IoUs are those of ``dt_box`` / ``gt_box`` / ``crowd_box`` (flat, 4 per box), else
    image ``i``'s blocks start at ``iou_start[i]`` / ``crowd_iou_start[i]``. Writes
    the images' entries of the outputs (``gt_used`` must start at 0).
    """
    cdef Py_ssize_t n_images = det_start.shape[0] - 1
    cdef Py_ssize_t n_det = det_class.shape[0], n_gt = gt_class.shape[0]
    cdef Py_ssize_t n_crowd = crowd_class.shape[0]
    cdef mm_tide_input inp
    cdef mm_tide_output out
    cdef int status
    if n_images < 0:
        raise ValueError("tide_classify: det_start must hold n_images + 1 offsets")
    _check_offsets(det_start, n_images, n_det, "det_start")
    _check_offsets(gt_start, n_images, n_gt, "gt_start")
    _check_offsets(crowd_start, n_images, n_crowd, "crowd_start")
    if not 0 <= first_image <= last_image <= n_images:
        raise ValueError("tide_classify: image range out of bounds")
    if (det_match.shape[0] != n_det or det_ignored.shape[0] != n_det
            or det_error.shape[0] != n_det or det_target.shape[0] != n_det
            or gt_used.shape[0] != n_gt):
        raise ValueError("tide_classify: output lengths differ from the inputs'")
    if boxes:
        if (dt_box.shape[0] != 4 * n_det or gt_box.shape[0] != 4 * n_gt
                or crowd_box.shape[0] != 4 * n_crowd):
            raise ValueError("tide_classify: need 4 box values per annotation")
    else:
        _check_blocks(iou_start, det_start, gt_start, n_images, iou.shape[0], "iou")
        _check_blocks(crowd_iou_start, det_start, crowd_start, n_images,
                      crowd_iou.shape[0], "crowd_iou")
    inp.n_images = n_images
    inp.det_start = &det_start[0]
    inp.det_class = _i64(det_class)
    inp.gt_start = &gt_start[0]
    inp.gt_class = _i64(gt_class)
    inp.crowd_start = &crowd_start[0]
    inp.crowd_class = _i64(crowd_class)
    inp.any_class = any_class
    inp.boxes = boxes
    inp.dt_box = _f64(dt_box)
    inp.gt_box = _f64(gt_box)
    inp.crowd_box = _f64(crowd_box)
    inp.iou = _f64(iou)
    inp.iou_start = _i64(iou_start)
    inp.crowd_iou = _f64(crowd_iou)
    inp.crowd_iou_start = _i64(crowd_iou_start)
    inp.pos = pos
    inp.bg = bg
    out.det_match = <int64_t *>_i64(det_match)
    out.det_ignored = NULL
    out.det_error = NULL
    out.gt_used = NULL
    if n_det:
        out.det_ignored = &det_ignored[0]
        out.det_error = &det_error[0]
    out.det_target = <int64_t *>_i64(det_target)
    if n_gt:
        out.gt_used = &gt_used[0]
    with nogil:
        status = mm_tide_classify(&inp, first_image, last_image, &out)
    if status == MM_TIDE_ENOMEM:
        raise MemoryError("tide_classify: could not allocate the IoU blocks")
