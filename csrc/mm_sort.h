/* Stable radix sort of 64-bit keys, with order-preserving keys for numbers.
 *
 * Scores are sorted as unsigned 64-bit keys whose unsigned order is the numeric
 * order of the scores. Equal scores get equal keys (for floats, -0.0 and 0.0 too, as
 * numpy compares them equal), so a stable sort of the keys is a stable sort of the
 * scores. The descending keys are the bitwise complement: sorting them ascending and
 * stably gives scores in decreasing order with ties in their original order.
 */
#ifndef MM_SORT_H
#define MM_SORT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define MM_RADIX_BITS 11
#define MM_RADIX_SIZE (1 << MM_RADIX_BITS)
/* Digit passes over the most significant varying bits; a fix-up sorts what is left. */
#define MM_RADIX_TOP_PASSES 3
/* The bucket split looks at this many leading varying bits, grouping their values
 * into at most MM_RADIX_SIZE buckets of similar size. */
#define MM_MSD_BITS 16
/* Most nested bucket splits. */
#define MM_RADIX_MSD_LEVELS 6
/* Scratch counts mm_radix_sort needs (too many for a thread stack): per-value counts
 * and the value -> bucket table of the split, each level's bucket ends, LSD counts. */
#define MM_RADIX_HIST_LEN                                                              \
    ((1 << MM_MSD_BITS) + (1 << MM_MSD_BITS) / 4 + MM_RADIX_MSD_LEVELS * MM_RADIX_SIZE \
     + MM_RADIX_TOP_PASSES * MM_RADIX_SIZE)

#define MM_SIGN64 UINT64_C(0x8000000000000000)
#define MM_SIGN32 UINT32_C(0x80000000)

/* Ascending keys. NaN is not supported (callers reject it). Branch-free: scores
 * arrive in random order. */
static inline uint64_t mm_key_f64(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    b = (b == MM_SIGN64) ? 0 : b; /* -0.0 sorts as 0.0 */
    /* negative: flip every bit; positive: set the sign bit */
    return b ^ (((uint64_t)0 - (b >> 63)) | MM_SIGN64);
}

static inline uint64_t mm_key_f32(float x)
{
    uint32_t b;
    memcpy(&b, &x, sizeof b);
    b = (b == MM_SIGN32) ? 0 : b;
    return (uint64_t)(b ^ (((uint32_t)0 - (b >> 31)) | MM_SIGN32));
}

static inline uint64_t mm_key_i64(int64_t x) { return (uint64_t)x ^ MM_SIGN64; }

static inline uint64_t mm_key_u64(uint64_t x) { return x; }

/* Key kinds for decoding keys back to values. */
enum { MM_KEY_F64 = 0, MM_KEY_F32 = 1, MM_KEY_I64 = 2, MM_KEY_U64 = 3 };

/* Write the values whose descending keys are keys[0:n] to out (an array of the kind's
 * type). A zero float decodes to -0.0 when negative_zero is set: the caller knows
 * which zero a tied group of zeros should report. */
void mm_decode_desc_keys(int kind, const uint64_t *keys, ptrdiff_t n, int negative_zero, void *out);

/* Sort keys[0:n] ascending, stably, carrying vals (may be NULL) along.
 *
 * Large inputs are first split into up to MM_RADIX_SIZE buckets of similar size by
 * their MM_MSD_BITS most significant varying bits (one counting pass, stable), so that
 * each bucket is sorted while it sits in cache. A bucket, or a small input, is sorted by LSD digit passes over its
 * MM_RADIX_TOP_PASSES * MM_RADIX_BITS most significant varying bits (all of them when
 * fewer vary); each run of keys equal in those bits, still in input order, is then
 * sorted on the remaining bits (insertion sort, a sortedness check, or a run-local
 * radix sort). keys_tmp/vals_tmp (n elements each; vals_tmp NULL iff vals is NULL) and
 * hist (MM_RADIX_HIST_LEN counts) are scratch space. Returns 0 if the result is in
 * keys/vals, 1 if it is in keys_tmp/vals_tmp (copying back would cost a pass).
 * Single-threaded. */
int mm_radix_sort(uint64_t *keys, uint64_t *vals, ptrdiff_t n, uint64_t *keys_tmp,
                  uint64_t *vals_tmp, int64_t *hist);

/* Stable merge of two ascending runs into out_keys[0:na+nb] (equal keys: run a first),
 * carrying vals along when out_vals is not NULL (a_vals and b_vals then hold na and nb
 * values; either may be NULL when its run is empty). */
void mm_merge_runs(const uint64_t *a_keys, const uint64_t *a_vals, ptrdiff_t na,
                   const uint64_t *b_keys, const uint64_t *b_vals, ptrdiff_t nb,
                   uint64_t *out_keys, uint64_t *out_vals);

#endif
