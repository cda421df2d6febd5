#include "mm_sort.h"

#define MM_RADIX_MASK ((uint64_t)MM_RADIX_SIZE - 1)
#define MM_DIGIT(k, shift) ((size_t)(((k) >> (shift)) & MM_RADIX_MASK))

/* Below this size a stable insertion sort beats clearing and scanning histograms. */
#define MM_INSERTION_MAX 24

void mm_decode_desc_keys(int kind, const uint64_t *keys, ptrdiff_t n, int negative_zero, void *out)
{
    ptrdiff_t i;
    switch (kind) {
    case MM_KEY_F64: {
        double *o = (double *)out;
        for (i = 0; i < n; i++) {
            uint64_t k = ~keys[i];
            uint64_t b = (k & MM_SIGN64) ? (k & ~MM_SIGN64) : ~k;
            if (b == 0 && negative_zero) b = MM_SIGN64;
            memcpy(&o[i], &b, sizeof b);
        }
        break;
    }
    case MM_KEY_F32: {
        float *o = (float *)out;
        for (i = 0; i < n; i++) {
            uint32_t k = (uint32_t)~keys[i];
            uint32_t b = (k & MM_SIGN32) ? (k & ~MM_SIGN32) : ~k;
            if (b == 0 && negative_zero) b = MM_SIGN32;
            memcpy(&o[i], &b, sizeof b);
        }
        break;
    }
    case MM_KEY_I64: {
        int64_t *o = (int64_t *)out;
        for (i = 0; i < n; i++) o[i] = (int64_t)(~keys[i] ^ MM_SIGN64);
        break;
    }
    default: {
        uint64_t *o = (uint64_t *)out;
        for (i = 0; i < n; i++) o[i] = ~keys[i];
        break;
    }
    }
}

static void insertion_sort(uint64_t *keys, uint64_t *vals, ptrdiff_t n)
{
    for (ptrdiff_t i = 1; i < n; i++) {
        uint64_t k = keys[i];
        if (keys[i - 1] <= k) continue; /* already in place: the common case in fix-ups */
        uint64_t v = vals ? vals[i] : 0;
        ptrdiff_t j = i;
        /* strict > keeps equal keys in their original order */
        while (j > 0 && keys[j - 1] > k) {
            keys[j] = keys[j - 1];
            if (vals) vals[j] = vals[j - 1];
            j--;
        }
        keys[j] = k;
        if (vals) vals[j] = v;
    }
}

static int is_sorted(const uint64_t *keys, ptrdiff_t n)
{
    for (ptrdiff_t i = 1; i < n; i++) {
        if (keys[i - 1] > keys[i]) return 0;
    }
    return 1;
}

/* Stable LSD passes on the digits starting at shifts[0..n_shifts). Returns 1 if the
 * result ended in the tmp buffers. */
static int lsd_passes(uint64_t *keys, uint64_t *vals, ptrdiff_t n, uint64_t *keys_tmp,
                      uint64_t *vals_tmp, int64_t *hist, const int *shifts, int n_shifts)
{
    uint64_t *src_k = keys, *src_v = vals, *dst_k = keys_tmp, *dst_v = vals_tmp;
    int p;
    memset(hist, 0, (size_t)n_shifts * MM_RADIX_SIZE * sizeof hist[0]);
    for (ptrdiff_t i = 0; i < n; i++) { /* every digit's counts in one read */
        uint64_t k = keys[i];
        for (p = 0; p < n_shifts; p++) hist[(size_t)p * MM_RADIX_SIZE + MM_DIGIT(k, shifts[p])]++;
    }
    for (p = 0; p < n_shifts; p++) {
        int64_t *next = hist + (size_t)p * MM_RADIX_SIZE;
        int64_t start = 0;
        int constant = 0;
        for (size_t d = 0; d < MM_RADIX_SIZE; d++) { /* counts -> first positions */
            int64_t c = next[d];
            constant |= (c == (int64_t)n);
            next[d] = start;
            start += c;
        }
        if (constant) continue; /* every key has the same digit: nothing moves */
        const int shift = shifts[p];
        ptrdiff_t i;
        if (src_v == NULL) {
            for (i = 0; i < n; i++) {
                uint64_t k = src_k[i];
                dst_k[next[MM_DIGIT(k, shift)]++] = k;
            }
        } else {
            for (i = 0; i < n; i++) {
                uint64_t k = src_k[i];
                int64_t pos = next[MM_DIGIT(k, shift)]++;
                dst_k[pos] = k;
                dst_v[pos] = src_v[i];
            }
        }
        uint64_t *t = src_k;
        src_k = dst_k;
        dst_k = t;
        t = src_v;
        src_v = dst_v;
        dst_v = t;
    }
    return src_k != keys;
}

/* Digit shifts covering bits [low, high] (high inclusive), least significant first. */
static int digit_shifts(int low, int high, int *shifts)
{
    int n = 0;
    for (int s = low; s <= high; s += MM_RADIX_BITS) shifts[n++] = s;
    return n;
}

/* Sort a run of keys that agree on every bit from `low` up, in place. */
static void sort_run(uint64_t *keys, uint64_t *vals, ptrdiff_t n, uint64_t *keys_tmp,
                     uint64_t *vals_tmp, int64_t *hist, int low)
{
    int shifts[MM_RADIX_TOP_PASSES];
    if (n <= MM_INSERTION_MAX) {
        insertion_sort(keys, vals, n);
        return;
    }
    if (is_sorted(keys, n)) return; /* e.g. a run of tied scores */
    /* The low bits fit in MM_RADIX_TOP_PASSES digits: low <= 64 - that many bits. */
    int n_shifts = digit_shifts(0, low - 1, shifts);
    if (lsd_passes(keys, vals, n, keys_tmp, vals_tmp, hist, shifts, n_shifts)) {
        memcpy(keys, keys_tmp, (size_t)n * sizeof keys[0]);
        if (vals) memcpy(vals, vals_tmp, (size_t)n * sizeof vals[0]);
    }
}

int mm_radix_sort(uint64_t *keys, uint64_t *vals, ptrdiff_t n, uint64_t *keys_tmp,
                  uint64_t *vals_tmp, int64_t *hist)
{
    int shifts[MM_RADIX_TOP_PASSES];
    uint64_t varying = 0;
    ptrdiff_t i;

    if (n <= MM_INSERTION_MAX) {
        insertion_sort(keys, vals, n);
        return 0;
    }
    for (i = 1; i < n; i++) varying |= keys[i] ^ keys[0];
    if (varying == 0) return 0;
    int high = 63;
    while (!(varying >> high & 1)) high--;
    const int top_bits = MM_RADIX_TOP_PASSES * MM_RADIX_BITS;
    int low = high + 1 > top_bits ? high + 1 - top_bits : 0;
    int n_shifts = digit_shifts(low, high, shifts);
    int in_tmp = lsd_passes(keys, vals, n, keys_tmp, vals_tmp, hist, shifts, n_shifts);
    if (low == 0) return in_tmp;

    /* Fix-up: runs equal in bits [low, 63] keep their input order; sort each one on the
     * remaining bits, using the other buffer's matching slice as scratch. */
    uint64_t *k = in_tmp ? keys_tmp : keys, *v = in_tmp ? vals_tmp : vals;
    uint64_t *sk = in_tmp ? keys : keys_tmp, *sv = in_tmp ? vals : vals_tmp;
    for (i = 0; i < n;) {
        const uint64_t head = k[i] >> low;
        ptrdiff_t j = i + 1;
        while (j < n && (k[j] >> low) == head) j++;
        if (j - i > 1) {
            sort_run(k + i, v ? v + i : NULL, j - i, sk + i, sv ? sv + i : NULL, hist, low);
        }
        i = j;
    }
    return in_tmp;
}
