# cython: language_level=3, cdivision=True
# cython: freethreading_compatible=True, autotestdict=False
"""Bootstrap of COCO's accumulation by image weights (``csrc/mm_bootstrap.h``).

Private: the Python layer passes C-contiguous arrays of the right dtypes. The checks here
guard the kernel's memory accesses (offsets, indices, shapes), once at construction;
:meth:`CocoBootstrap.run` is then called from many threads at once, each with its own
resamples and outputs.
"""
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t
from libc.stdlib cimport free, malloc

from ._csrc cimport MM_BOOT_ENOMEM, MM_BOOT_MAX_PATTERNS, mm_boot_input, mm_coco_bootstrap


cdef inline void _need(bint ok, str what) except *:
    if not ok:
        raise ValueError(f"bootstrap kernel: {what}")


cdef class CocoBootstrap:
    """One evaluation's slots and groups, ready to be accumulated under image weights.

    Slots are grouped by category (``cat_start``, K + 1 offsets) in accumulation order;
    ``slot_code`` is (n_slots, A, T); groups by category (``group_start``) with their
    non-ignored ground truths per area ``group_npig`` (n_groups, A).
    """

    cdef const int64_t[::1] cat_start
    cdef const int32_t[::1] slot_image
    cdef const int32_t[::1] slot_rank
    cdef const uint8_t[:, :, ::1] slot_code
    cdef const int64_t[::1] group_start
    cdef const int32_t[::1] group_image
    cdef const int64_t[:, ::1] group_npig
    cdef const uint8_t[::1] group_nonempty
    cdef const int64_t[::1] maxdet
    cdef const double[::1] rec_thr
    cdef int64_t *tp_end
    cdef int64_t *ev_start
    cdef uint8_t *any_tp
    cdef int32_t *pattern
    cdef uint64_t *pattern_fp
    cdef uint8_t *first_m
    cdef uint64_t *tp_mask
    cdef uint64_t *fp_mask
    cdef mm_boot_input inp
    cdef readonly Py_ssize_t n_images, n_categories, n_areas, n_thresholds, n_max_detections

    def __cinit__(
        self,
        Py_ssize_t n_images,
        const int64_t[::1] cat_start,
        const int32_t[::1] slot_image,
        const int32_t[::1] slot_rank,
        const uint8_t[:, :, ::1] slot_code,
        const int64_t[::1] group_start,
        const int32_t[::1] group_image,
        const int64_t[:, ::1] group_npig,
        const uint8_t[::1] group_nonempty,
        const int64_t[::1] maxdet,
        const double[::1] rec_thr,
    ):
        cdef Py_ssize_t n_slots = slot_image.shape[0], n_groups = group_image.shape[0]
        cdef Py_ssize_t K = cat_start.shape[0] - 1
        cdef Py_ssize_t A = slot_code.shape[1], T = slot_code.shape[2], P = A * T
        cdef Py_ssize_t i, k, p, j
        cdef int64_t total
        cdef Py_ssize_t n_pat = 0, cap = 1, h
        cdef int64_t *table = NULL
        cdef int64_t *count = NULL
        cdef int64_t *remap = NULL
        cdef Py_ssize_t d, top
        cdef uint64_t mask
        self.tp_end = NULL
        self.ev_start = NULL
        self.any_tp = NULL
        self.pattern = NULL
        self.pattern_fp = NULL
        self.first_m = NULL
        self.tp_mask = NULL
        self.fp_mask = NULL
        _need(n_images >= 0 and K >= 0, "sizes")
        _need(slot_rank.shape[0] == n_slots and slot_code.shape[0] == n_slots, "slot columns")
        _need(group_start.shape[0] == K + 1, "group offsets")
        _need(group_npig.shape[0] == n_groups and group_npig.shape[1] == A
              and group_nonempty.shape[0] == n_groups, "group columns")
        _need(1 <= maxdet.shape[0] <= 255, "maxdet")
        _need(cat_start[0] == 0 and cat_start[K] == n_slots, "slot offsets")
        _need(group_start[0] == 0 and group_start[K] == n_groups, "group offsets")
        for k in range(K):
            _need(cat_start[k] <= cat_start[k + 1], "slot offsets")
            _need(group_start[k] <= group_start[k + 1], "group offsets")
        for i in range(n_slots):
            _need(0 <= slot_image[i] < n_images, "slot image index")
        for i in range(n_groups):
            _need(0 <= group_image[i] < n_images, "group image index")
        self.cat_start, self.slot_image, self.slot_rank = cat_start, slot_image, slot_rank
        self.slot_code, self.group_start, self.group_image = slot_code, group_start, group_image
        self.group_npig, self.group_nonempty = group_npig, group_nonempty
        self.maxdet, self.rec_thr = maxdet, rec_thr
        self.n_images, self.n_categories, self.n_areas = n_images, K, A
        self.n_thresholds, self.n_max_detections = T, maxdet.shape[0]
        self.tp_end = <int64_t *> malloc((K + 1) * sizeof(int64_t))
        self.ev_start = <int64_t *> malloc((K * (P + 1) + 1) * sizeof(int64_t))
        self.any_tp = <uint8_t *> malloc((n_slots + 1) * sizeof(uint8_t))
        self.pattern = <int32_t *> malloc((n_slots + 1) * sizeof(int32_t))
        self.pattern_fp = <uint64_t *> malloc((n_slots + 1) * sizeof(uint64_t))
        self.first_m = <uint8_t *> malloc((n_slots + 1) * sizeof(uint8_t))
        if P <= 64:
            self.tp_mask = <uint64_t *> malloc((n_slots + 1) * sizeof(uint64_t))
            self.fp_mask = <uint64_t *> malloc((n_slots + 1) * sizeof(uint64_t))
            if self.tp_mask == NULL or self.fp_mask == NULL:
                raise MemoryError("bootstrap kernel: could not allocate the slot masks")
        while cap < 2 * (n_slots + 1):
            cap *= 2
        table = <int64_t *> malloc(cap * sizeof(int64_t))
        count = <int64_t *> malloc((n_slots + 1) * sizeof(int64_t))
        remap = <int64_t *> malloc((n_slots + 1) * sizeof(int64_t))
        if (self.tp_end == NULL or self.ev_start == NULL or self.any_tp == NULL
                or self.pattern == NULL or self.pattern_fp == NULL or self.first_m == NULL
                or table == NULL or count == NULL or remap == NULL):
            free(table)
            free(count)
            free(remap)
            raise MemoryError("bootstrap kernel: could not allocate the curve offsets")
        cdef const uint8_t *code = &slot_code[0, 0, 0] if n_slots and P else NULL
        with nogil:
            # Per slot: whether it is a true positive anywhere; per category: where its
            # last true positive is and how many each curve has (the event offsets).
            for k in range(K):
                self.tp_end[k] = cat_start[k]
                for p in range(P + 1):
                    self.ev_start[k * (P + 1) + p] = 0
                for j in range(cat_start[k], cat_start[k + 1]):
                    self.any_tp[j] = 0
                    for p in range(P):
                        if code[j * P + p] == 1:
                            self.any_tp[j] = 1
                            self.ev_start[k * (P + 1) + p + 1] += 1
                    if self.any_tp[j]:
                        self.tp_end[k] = j + 1
                total = 0
                for p in range(P + 1):
                    total += self.ev_start[k * (P + 1) + p]
                    self.ev_start[k * (P + 1) + p] = total
            # The first maxDets setting keeping each slot.
            for j in range(n_slots):
                self.first_m[j] = <uint8_t> maxdet.shape[0]
                for i in range(maxdet.shape[0] - 1, -1, -1):
                    if slot_rank[j] < maxdet[i]:
                        self.first_m[j] = <uint8_t> i
            # Slots without a true positive by their false-positive planes (P <= 64).
            for h in range(cap):
                table[h] = -1
            for j in range(n_slots):
                self.pattern[j] = -1
                if P > 64:
                    continue
                mask = 0
                self.tp_mask[j] = 0
                for p in range(P):
                    if code[j * P + p] == 0:
                        mask |= (<uint64_t> 1) << p
                    elif code[j * P + p] == 1:
                        self.tp_mask[j] |= (<uint64_t> 1) << p
                self.fp_mask[j] = mask
                if self.any_tp[j]:
                    continue
                h = <Py_ssize_t> ((mask * <uint64_t> 0x9E3779B97F4A7C15) >> 20) & (cap - 1)
                while table[h] >= 0 and self.pattern_fp[table[h]] != mask:
                    h = (h + 1) & (cap - 1)
                if table[h] < 0:
                    table[h] = n_pat
                    self.pattern_fp[n_pat] = mask
                    count[n_pat] = 0
                    remap[n_pat] = -1
                    n_pat += 1
                self.pattern[j] = <int32_t> table[h]
                count[table[h]] += 1
            # Keep the most common patterns (first found on equal counts); the others'
            # slots are counted one by one.
            for d in range(min(n_pat, MM_BOOT_MAX_PATTERNS)):
                top = -1
                for i in range(n_pat):
                    if remap[i] < 0 and (top < 0 or count[i] > count[top]):
                        top = i
                remap[top] = d
            for j in range(n_slots):
                if self.pattern[j] >= 0:
                    self.pattern[j] = <int32_t> remap[self.pattern[j]]
            for i in range(n_pat):
                if remap[i] >= 0:
                    count[remap[i]] = <int64_t> self.pattern_fp[i]
            n_pat = min(n_pat, MM_BOOT_MAX_PATTERNS)
            for d in range(n_pat):
                self.pattern_fp[d] = <uint64_t> count[d]
        free(table)
        free(count)
        free(remap)
        self.inp.n_images = n_images
        self.inp.n_cat = K
        self.inp.n_area = A
        self.inp.n_thr = T
        self.inp.n_maxdet = maxdet.shape[0]
        self.inp.maxdet = &maxdet[0]
        self.inp.n_rec = rec_thr.shape[0]
        self.inp.rec_thr = &rec_thr[0] if rec_thr.shape[0] else NULL
        self.inp.rec_sorted = 1
        for i in range(1, rec_thr.shape[0]):
            if not rec_thr[i - 1] <= rec_thr[i]:
                self.inp.rec_sorted = 0
        self.inp.cat_start = &cat_start[0]
        self.inp.cat_tp_end = self.tp_end
        self.inp.ev_start = self.ev_start
        self.inp.slot_image = &slot_image[0] if n_slots else NULL
        self.inp.slot_rank = &slot_rank[0] if n_slots else NULL
        self.inp.slot_code = code
        self.inp.slot_any_tp = self.any_tp
        self.inp.slot_pattern = self.pattern
        self.inp.n_pattern = n_pat
        self.inp.pattern_fp = self.pattern_fp
        self.inp.slot_first_m = self.first_m
        self.inp.slot_tp_mask = self.tp_mask
        self.inp.slot_fp_mask = self.fp_mask
        self.inp.group_start = &group_start[0]
        self.inp.group_image = &group_image[0] if n_groups else NULL
        self.inp.group_npig = &group_npig[0, 0] if n_groups and A else NULL
        self.inp.group_nonempty = &group_nonempty[0] if n_groups else NULL

    def __init__(self, n_images, cat_start, slot_image, slot_rank, slot_code, group_start,
                 group_image, group_npig, group_nonempty, maxdet, rec_thr):
        pass  # everything happens in __cinit__, which gets the same arguments

    def __dealloc__(self):
        free(self.tp_end)
        free(self.ev_start)
        free(self.any_tp)
        free(self.pattern)
        free(self.pattern_fp)
        free(self.first_m)
        free(self.tp_mask)
        free(self.fp_mask)

    def run(self, const int32_t[:, ::1] weights, double[:, ::1] prec_sum,
            double[:, ::1] recall) -> None:
        """Accumulate the resamples ``weights`` (n_res, n_images) into ``prec_sum``
        (n_res, K * A * T) and ``recall`` (n_res, K * A * M * T); see mm_bootstrap.h."""
        cdef Py_ssize_t n_res = weights.shape[0]
        cdef Py_ssize_t P = self.n_areas * self.n_thresholds
        cdef Py_ssize_t width = self.n_categories * P
        cdef int status
        cdef Py_ssize_t b, i
        cdef bint negative = False
        _need(weights.shape[1] == self.n_images, "weights shape")
        _need(prec_sum.shape[0] == n_res and prec_sum.shape[1] == width, "prec_sum shape")
        _need(recall.shape[0] == n_res and recall.shape[1] == width * self.n_max_detections,
              "recall shape")
        if n_res == 0 or width == 0 or self.n_images == 0:
            return
        with nogil:
            for b in range(n_res):
                for i in range(self.n_images):
                    negative |= weights[b, i] < 0
        _need(not negative, "weights must be non-negative")
        with nogil:
            status = mm_coco_bootstrap(&self.inp, &weights[0, 0], n_res, &prec_sum[0, 0],
                                       &recall[0, 0])
        if status == MM_BOOT_ENOMEM:
            raise MemoryError("bootstrap kernel: could not allocate its scratch")
