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

/* Tuned on 5M-key sorts of uniform, rounded, normal and float32 scores. */
#define MM_MSD_MIN (1 << 16)        /* smaller inputs fit in L2 as they are */
#define MM_MSD_GATE (2 * MM_RADIX_BITS) /* split only when > 2 digit passes would be needed */
#define MM_LEAD1_MAX (1 << 10)      /* up to here one digit pass leaves short runs */

static int sort_level(uint64_t *keys, uint64_t *vals, ptrdiff_t n, uint64_t *keys_tmp,
                      uint64_t *vals_tmp, int64_t *hist, int level);

/* Sort a run of keys that agree on their leading bits, in place. */
static void sort_run(uint64_t *keys, uint64_t *vals, ptrdiff_t n, uint64_t *keys_tmp,
                     uint64_t *vals_tmp, int64_t *hist, int level)
{
    if (n <= MM_INSERTION_MAX) {
        insertion_sort(keys, vals, n);
        return;
    }
    if (is_sorted(keys, n)) return; /* e.g. a run of tied scores */
    if (sort_level(keys, vals, n, keys_tmp, vals_tmp, hist, level)) {
        memcpy(keys, keys_tmp, (size_t)n * sizeof keys[0]);
        if (vals) memcpy(vals, vals_tmp, (size_t)n * sizeof vals[0]);
    }
}

/* Scratch layout of `hist` (see MM_RADIX_HIST_LEN). */
#define MM_MSD_VALUES ((size_t)1 << MM_MSD_BITS)
#define MM_HIST_COUNTS(h) (h)
#define MM_HIST_TABLE(h) ((uint16_t *)((h) + MM_MSD_VALUES))
#define MM_HIST_ENDS(h, level) ((h) + MM_MSD_VALUES + MM_MSD_VALUES / 4 + (size_t)(level) * MM_RADIX_SIZE)
#define MM_HIST_LSD(h) MM_HIST_ENDS(h, MM_RADIX_MSD_LEVELS)

/* Split into buckets by the MM_MSD_BITS bits ending at `high` (a stable counting pass
 * into the tmp buffers), consecutive values grouped so that buckets hold about
 * n / (MM_RADIX_SIZE / 2) keys (a value with more keys gets a bucket of its own),
 * then sort every bucket in place there. The result is in the tmp buffers. */
static void msd_split(uint64_t *keys, uint64_t *vals, ptrdiff_t n, uint64_t *keys_tmp,
                      uint64_t *vals_tmp, int64_t *hist, int level, int high)
{
    const int shift = high + 1 >= MM_MSD_BITS ? high + 1 - MM_MSD_BITS : 0;
    const uint64_t mask = MM_MSD_VALUES - 1;
    int64_t *counts = MM_HIST_COUNTS(hist);
    uint16_t *bucket_of = MM_HIST_TABLE(hist);
    int64_t *next = MM_HIST_ENDS(hist, level);
    /* Greedy grouping: two neighbouring buckets hold more than `target` keys together,
     * so there are fewer than 2 * n / target + 1 <= MM_RADIX_SIZE buckets. */
    const int64_t target = (int64_t)n / (MM_RADIX_SIZE / 2 - 1) + 1;
    ptrdiff_t i;
    size_t v;
    int n_buckets = 0;
    int64_t filled = 0, start = 0;

    memset(counts, 0, MM_MSD_VALUES * sizeof counts[0]);
    for (i = 0; i < n; i++) counts[(keys[i] >> shift) & mask]++;
    for (v = 0; v < MM_MSD_VALUES; v++) {
        int64_t c = counts[v];
        if (filled > 0 && filled + c > target) { /* close the current bucket */
            next[n_buckets++] = start;
            start += filled;
            filled = 0;
        }
        bucket_of[v] = (uint16_t)n_buckets;
        filled += c;
    }
    next[n_buckets++] = start; /* next[b]: first position of bucket b */
    if (vals == NULL) {
        for (i = 0; i < n; i++) {
            uint64_t k = keys[i];
            keys_tmp[next[bucket_of[(k >> shift) & mask]]++] = k;
        }
    } else {
        for (i = 0; i < n; i++) {
            uint64_t k = keys[i];
            int64_t pos = next[bucket_of[(k >> shift) & mask]]++;
            keys_tmp[pos] = k;
            vals_tmp[pos] = vals[i];
        }
    }
    /* next[b] is now the end of bucket b; the input buffers are free scratch. */
    int64_t begin = 0;
    for (int b = 0; b < n_buckets; b++) {
        int64_t end = next[b];
        ptrdiff_t len = (ptrdiff_t)(end - begin);
        if (len > 1) {
            uint64_t *bv = vals_tmp ? vals_tmp + begin : NULL;
            uint64_t *sv = vals ? vals + begin : NULL;
            if (sort_level(keys_tmp + begin, bv, len, keys + begin, sv, hist, level + 1)) {
                memcpy(keys_tmp + begin, keys + begin, (size_t)len * sizeof keys[0]);
                if (bv) memcpy(bv, sv, (size_t)len * sizeof vals[0]);
            }
        }
        begin = end;
    }
}

static int sort_level(uint64_t *keys, uint64_t *vals, ptrdiff_t n, uint64_t *keys_tmp,
                      uint64_t *vals_tmp, int64_t *hist, int level)
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
    if (n > MM_MSD_MIN && high + 1 > MM_MSD_GATE && level < MM_RADIX_MSD_LEVELS) {
        msd_split(keys, vals, n, keys_tmp, vals_tmp, hist, level, high);
        return 1;
    }
    int64_t *lsd_hist = MM_HIST_LSD(hist);
    /* Enough leading bits that runs left for the fix-up are short (each pass costs a
     * histogram of MM_RADIX_SIZE counts, too much for small n). */
    const int lead_bits = n <= MM_LEAD1_MAX ? MM_RADIX_BITS
                          : n <= (1 << 18) ? 2 * MM_RADIX_BITS
                                           : top_bits;
    int low = high + 1 > lead_bits ? high + 1 - lead_bits : 0;
    int n_shifts = digit_shifts(low, high, shifts);
    int in_tmp = lsd_passes(keys, vals, n, keys_tmp, vals_tmp, lsd_hist, shifts, n_shifts);
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
            sort_run(k + i, v ? v + i : NULL, j - i, sk + i, sv ? sv + i : NULL, hist, level + 1);
        }
        i = j;
    }
    return in_tmp;
}

int mm_radix_sort(uint64_t *keys, uint64_t *vals, ptrdiff_t n, uint64_t *keys_tmp,
                  uint64_t *vals_tmp, int64_t *hist)
{
    return sort_level(keys, vals, n, keys_tmp, vals_tmp, hist, 0);
}

void mm_merge_runs(const uint64_t *a_keys, const uint64_t *a_vals, ptrdiff_t na,
                   const uint64_t *b_keys, const uint64_t *b_vals, ptrdiff_t nb,
                   uint64_t *out_keys, uint64_t *out_vals)
{
    ptrdiff_t i = 0, j = 0, o = 0;
    const int with_vals = out_vals != NULL; /* a run's vals may be NULL only if it is empty */
    /* Branch-free while both runs last: which run the next key comes from is as good
     * as random for scores of two blocks of the same data. */
    while (i < na && j < nb) {
        const uint64_t ka = a_keys[i], kb = b_keys[j];
        const int take_b = kb < ka; /* strict: ties come from run a */
        out_keys[o] = take_b ? kb : ka;
        if (with_vals) out_vals[o] = take_b ? b_vals[j] : a_vals[i];
        o++;
        i += 1 - take_b;
        j += take_b;
    }
    if (i < na) {
        memcpy(out_keys + o, a_keys + i, (size_t)(na - i) * sizeof out_keys[0]);
        if (with_vals) memcpy(out_vals + o, a_vals + i, (size_t)(na - i) * sizeof out_vals[0]);
    } else if (j < nb) {
        memcpy(out_keys + o, b_keys + j, (size_t)(nb - j) * sizeof out_keys[0]);
        if (with_vals) memcpy(out_vals + o, b_vals + j, (size_t)(nb - j) * sizeof out_vals[0]);
    }
}
