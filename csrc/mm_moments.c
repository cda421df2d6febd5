#include "mm_moments.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------
 * Two-lane double vectors. Without -ffast-math compilers will not vectorise a float
 * reduction themselves (it would reorder additions), so the contiguous loop keeps
 * four explicit accumulators per quantity, held as two 2-lane vectors. With GCC or
 * Clang these are native vectors (SSE2 / NEON); elsewhere a struct of two doubles.
 * Both forms do the same IEEE operations lane by lane, so they give identical bits.
 * ------------------------------------------------------------------------------- */
#if defined(__GNUC__) && !defined(MM_MOMENTS_PORTABLE)
#define MM_VECTOR_EXT 1
typedef double mm_v2 __attribute__((vector_size(16)));
typedef long long mm_v2i __attribute__((vector_size(16)));
#define MM_INLINE static inline __attribute__((always_inline))
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#else
typedef struct {
    double v[2];
} mm_v2;
#if defined(_MSC_VER)
#define MM_INLINE static __forceinline
#else
#define MM_INLINE static inline
#endif
#endif

#define MM_MAX(a, b) ((a) > (b) ? (a) : (b))

#ifdef MM_VECTOR_EXT
MM_INLINE mm_v2 v2_load(const double *x)
{
    mm_v2 r;
    memcpy(&r, x, sizeof r); /* unaligned load */
    return r;
}
MM_INLINE mm_v2 v2_splat(double x) { return (mm_v2){x, x}; }
MM_INLINE mm_v2 v2_add(mm_v2 a, mm_v2 b) { return a + b; }
MM_INLINE mm_v2 v2_sub(mm_v2 a, mm_v2 b) { return a - b; }
MM_INLINE mm_v2 v2_mul(mm_v2 a, mm_v2 b) { return a * b; }
MM_INLINE mm_v2 v2_abs(mm_v2 a)
{
    const mm_v2i no_sign = {0x7fffffffffffffffLL, 0x7fffffffffffffffLL};
    return (mm_v2)((mm_v2i)a & no_sign);
}
/* x where a <= b, else +0.0 (all-zero bits). */
MM_INLINE mm_v2 v2_where_le(mm_v2 a, mm_v2 b, mm_v2 x) { return (mm_v2)((mm_v2i)x & (a <= b)); }
/* a > b ? a : b per lane (MAXPD has exactly these semantics). */
MM_INLINE mm_v2 v2_max(mm_v2 a, mm_v2 b)
{
#if defined(__SSE2__)
    return (mm_v2)_mm_max_pd((__m128d)a, (__m128d)b);
#else
    const mm_v2i gt = a > b;
    return (mm_v2)(((mm_v2i)a & gt) | ((mm_v2i)b & ~gt));
#endif
}
#else
MM_INLINE mm_v2 v2_load(const double *x) { return (mm_v2){{x[0], x[1]}}; }
MM_INLINE mm_v2 v2_splat(double x) { return (mm_v2){{x, x}}; }
MM_INLINE mm_v2 v2_add(mm_v2 a, mm_v2 b) { return (mm_v2){{a.v[0] + b.v[0], a.v[1] + b.v[1]}}; }
MM_INLINE mm_v2 v2_sub(mm_v2 a, mm_v2 b) { return (mm_v2){{a.v[0] - b.v[0], a.v[1] - b.v[1]}}; }
MM_INLINE mm_v2 v2_mul(mm_v2 a, mm_v2 b) { return (mm_v2){{a.v[0] * b.v[0], a.v[1] * b.v[1]}}; }
MM_INLINE mm_v2 v2_abs(mm_v2 a) { return (mm_v2){{fabs(a.v[0]), fabs(a.v[1])}}; }
MM_INLINE mm_v2 v2_where_le(mm_v2 a, mm_v2 b, mm_v2 x)
{
    return (mm_v2){{a.v[0] <= b.v[0] ? x.v[0] : 0.0, a.v[1] <= b.v[1] ? x.v[1] : 0.0}};
}
MM_INLINE mm_v2 v2_max(mm_v2 a, mm_v2 b)
{
    return (mm_v2){{MM_MAX(a.v[0], b.v[0]), MM_MAX(a.v[1], b.v[1])}};
}
#endif

/* Four accumulators per quantity: lanes 0-1 in one vector, 2-3 in another; row i of
 * a chunk feeds lane i % 4. They are unpacked into plain arrays (never addressed
 * element by element, which Clang forbids) for the last rows and the final sums. */
MM_INLINE void unpack4(double out[4], mm_v2 lo, mm_v2 hi)
{
    memcpy(out, &lo, sizeof lo);
    memcpy(out + 2, &hi, sizeof hi);
}

MM_INLINE double sum4(const double s[4]) { return (s[0] + s[1]) + (s[2] + s[3]); }

MM_INLINE double max4(const double s[4])
{
    const double a = MM_MAX(s[0], s[1]), b = MM_MAX(s[2], s[3]);
    return MM_MAX(a, b);
}

/* Shift for the first pass: the first row of the chunk with positive weight. Summing
 * y - shift instead of y keeps the sums small, and makes the mean of a column that is
 * constant over the weighted rows come out exactly equal to that constant, with an
 * M2 of exactly zero (scikit-learn's "constant y_true" branches depend on that). */
static ptrdiff_t first_weighted_row(const double *w, ptrdiff_t n)
{
    ptrdiff_t r = 0;
    if (w != NULL) {
        while (r < n && !(w[r] > 0.0)) r++;
    }
    return r;
}

/* Pass-1 sums over two rows: weight, y - shift, d - shift, |d|, hits, and max |d|. */
typedef struct {
    mm_v2 w, t, d, a, h, mx;
} mm_pass1;

MM_INLINE void pass1_pair(mm_pass1 *s, const double *t, const double *p, const double *w,
                          mm_v2 kt, mm_v2 kd, mm_v2 thr, const int weighted, const int hits)
{
    const mm_v2 y = v2_load(t);
    const mm_v2 d = v2_sub(v2_load(p), y);
    const mm_v2 a = v2_abs(d);
    if (weighted) {
        const mm_v2 wi = v2_load(w);
        s->w = v2_add(s->w, wi);
        s->t = v2_add(s->t, v2_mul(wi, v2_sub(y, kt)));
        s->d = v2_add(s->d, v2_mul(wi, v2_sub(d, kd)));
        s->a = v2_add(s->a, v2_mul(wi, a));
        if (hits) s->h = v2_add(s->h, v2_where_le(a, thr, wi));
    } else { /* the weighted formulas with w = 1: multiplying by 1.0 is exact */
        s->t = v2_add(s->t, v2_sub(y, kt));
        s->d = v2_add(s->d, v2_sub(d, kd));
        s->a = v2_add(s->a, a);
        if (hits) s->h = v2_add(s->h, v2_where_le(a, thr, v2_splat(1.0)));
    }
    s->mx = v2_max(a, s->mx);
}

/* Pass-2 sums over two rows: squared deviations of y and d, and d^2. */
typedef struct {
    mm_v2 t, d, q;
} mm_pass2;

MM_INLINE void pass2_pair(mm_pass2 *s, const double *t, const double *p, const double *w,
                          mm_v2 mt, mm_v2 md, const int weighted)
{
    const mm_v2 y = v2_load(t);
    const mm_v2 d = v2_sub(v2_load(p), y);
    const mm_v2 et = v2_sub(y, mt);
    const mm_v2 ed = v2_sub(d, md);
    if (weighted) {
        const mm_v2 wi = v2_load(w);
        s->t = v2_add(s->t, v2_mul(wi, v2_mul(et, et)));
        s->d = v2_add(s->d, v2_mul(wi, v2_mul(ed, ed)));
        s->q = v2_add(s->q, v2_mul(wi, v2_mul(d, d)));
    } else {
        s->t = v2_add(s->t, v2_mul(et, et));
        s->d = v2_add(s->d, v2_mul(ed, ed));
        s->q = v2_add(s->q, v2_mul(d, d));
    }
}

/* One column of one chunk, rows contiguous. w is NULL when unweighted; a negative
 * thr disables hit counting. `weighted` and `hits` are compile-time constants at
 * every call, so each combination gets its own branch-free loop. */
MM_INLINE void column_chunk(const double *restrict t, const double *restrict p,
                            const double *restrict w, ptrdiff_t n, double thr,
                            double *restrict st, const int weighted, const int hits)
{
    const ptrdiff_t r0 = first_weighted_row(w, n);
    const double kt = r0 < n ? t[r0] : 0.0;
    const double kd = r0 < n ? p[r0] - t[r0] : 0.0;
    const mm_v2 vkt = v2_splat(kt), vkd = v2_splat(kd), vthr = v2_splat(thr);
    double s_w[4], s_t[4], s_d[4], s_a[4], s_h[4], mx[4];
    mm_pass1 lo, hi;
    ptrdiff_t i;
    int l;

    memset(&lo, 0, sizeof lo); /* all-zero bits: +0.0 in every lane */
    memset(&hi, 0, sizeof hi);
    for (i = 0; i + 4 <= n; i += 4) {
        pass1_pair(&lo, t + i, p + i, weighted ? w + i : NULL, vkt, vkd, vthr, weighted, hits);
        pass1_pair(&hi, t + i + 2, p + i + 2, weighted ? w + i + 2 : NULL, vkt, vkd, vthr,
                   weighted, hits);
    }
    unpack4(s_w, lo.w, hi.w);
    unpack4(s_t, lo.t, hi.t);
    unpack4(s_d, lo.d, hi.d);
    unpack4(s_a, lo.a, hi.a);
    unpack4(s_h, lo.h, hi.h);
    unpack4(mx, lo.mx, hi.mx);
    for (l = 0; i < n; i++, l++) { /* the last (< 4) rows, into lanes 0, 1, 2 */
        const double wi = weighted ? w[i] : 1.0;
        const double y = t[i], d = p[i] - y, a = fabs(d);
        s_w[l] += wi;
        s_t[l] += wi * (y - kt);
        s_d[l] += wi * (d - kd);
        s_a[l] += wi * a;
        if (hits) s_h[l] += a <= thr ? wi : 0.0;
        mx[l] = MM_MAX(a, mx[l]);
    }
    const double wsum = weighted ? sum4(s_w) : (double)n;
    st[MM_MOM_WEIGHT] = wsum;
    st[MM_MOM_SUM_ABS] = sum4(s_a);
    st[MM_MOM_SUM_HIT] = sum4(s_h);
    st[MM_MOM_MAX_ABS] = max4(mx);
    if (wsum == 0.0) {
        st[MM_MOM_MEAN_TRUE] = st[MM_MOM_M2_TRUE] = 0.0;
        st[MM_MOM_MEAN_DIFF] = st[MM_MOM_M2_DIFF] = 0.0;
        st[MM_MOM_SUM_SQ] = 0.0;
        return;
    }
    const double mt = kt + sum4(s_t) / wsum;
    const double md = kd + sum4(s_d) / wsum;

    /* Pass 2, on rows still in cache: squared deviations from the chunk means, and
     * the plain sum of squares (scikit-learn's MSE and R^2 numerator, which is
     * exact on data where theirs is, unlike M2 + W * mean^2). */
    const mm_v2 vmt = v2_splat(mt), vmd = v2_splat(md);
    double q_t[4], q_d[4], s_q[4];
    mm_pass2 lo2, hi2;
    memset(&lo2, 0, sizeof lo2);
    memset(&hi2, 0, sizeof hi2);
    for (i = 0; i + 4 <= n; i += 4) {
        pass2_pair(&lo2, t + i, p + i, weighted ? w + i : NULL, vmt, vmd, weighted);
        pass2_pair(&hi2, t + i + 2, p + i + 2, weighted ? w + i + 2 : NULL, vmt, vmd, weighted);
    }
    unpack4(q_t, lo2.t, hi2.t);
    unpack4(q_d, lo2.d, hi2.d);
    unpack4(s_q, lo2.q, hi2.q);
    for (l = 0; i < n; i++, l++) {
        const double wi = weighted ? w[i] : 1.0;
        const double d = p[i] - t[i];
        const double et = t[i] - mt, ed = d - md;
        q_t[l] += wi * (et * et);
        q_d[l] += wi * (ed * ed);
        s_q[l] += wi * (d * d);
    }
    st[MM_MOM_MEAN_TRUE] = mt;
    st[MM_MOM_M2_TRUE] = sum4(q_t);
    st[MM_MOM_MEAN_DIFF] = md;
    st[MM_MOM_M2_DIFF] = sum4(q_d);
    st[MM_MOM_SUM_SQ] = sum4(s_q);
}

static void column_chunk_dispatch(const double *t, const double *p, const double *w,
                                  ptrdiff_t n, double thr, double *st)
{
    if (w != NULL) {
        if (thr >= 0.0) column_chunk(t, p, w, n, thr, st, 1, 1);
        else column_chunk(t, p, w, n, thr, st, 1, 0);
    } else {
        if (thr >= 0.0) column_chunk(t, p, w, n, thr, st, 0, 1);
        else column_chunk(t, p, w, n, thr, st, 0, 0);
    }
}

#define MM_MOM_GATHER_COLS 8 /* 64 bytes of a row-major row */

/* Copy an n x k block with strides (rs, cs) into k contiguous columns of n rows. */
static void gather_columns(const double *restrict x, ptrdiff_t n, ptrdiff_t k, ptrdiff_t rs,
                           ptrdiff_t cs, double *restrict out)
{
    ptrdiff_t i, j;
    for (i = 0; i < n; i++) {
        const double *restrict xi = x + i * rs;
        for (j = 0; j < k; j++) out[j * n + i] = xi[j * cs];
    }
}

/* a <- a (+) b for one column: Chan, Golub & LeVeque's pairwise update. */
static void merge_one(double *a, const double *b)
{
    const double wa = a[MM_MOM_WEIGHT], wb = b[MM_MOM_WEIGHT];
    /* Plain sums are added even for zero-weight sides: they are 0 there, unless the
     * input held NaN or infinity, which must reach the result to be detected. */
    const double sum_abs = a[MM_MOM_SUM_ABS] + b[MM_MOM_SUM_ABS];
    const double sum_sq = a[MM_MOM_SUM_SQ] + b[MM_MOM_SUM_SQ];
    const double sum_hit = a[MM_MOM_SUM_HIT] + b[MM_MOM_SUM_HIT];
    const double mx = MM_MAX(a[MM_MOM_MAX_ABS], b[MM_MOM_MAX_ABS]);
    if (wa == 0.0) { /* copy: keeps b's means exact */
        memcpy(a, b, MM_MOM_NSTAT * sizeof(double));
    } else if (wb != 0.0) {
        const double w = wa + wb;
        const double fb = wb / w;
        const double cross = wa * fb; /* wa * wb / w without overflowing wa * wb */
        const double dt = b[MM_MOM_MEAN_TRUE] - a[MM_MOM_MEAN_TRUE];
        const double dd = b[MM_MOM_MEAN_DIFF] - a[MM_MOM_MEAN_DIFF];
        a[MM_MOM_WEIGHT] = w;
        a[MM_MOM_MEAN_TRUE] += dt * fb;
        a[MM_MOM_M2_TRUE] += b[MM_MOM_M2_TRUE] + (dt * dt) * cross;
        a[MM_MOM_MEAN_DIFF] += dd * fb;
        a[MM_MOM_M2_DIFF] += b[MM_MOM_M2_DIFF] + (dd * dd) * cross;
    }
    a[MM_MOM_SUM_ABS] = sum_abs;
    a[MM_MOM_SUM_SQ] = sum_sq;
    a[MM_MOM_SUM_HIT] = sum_hit;
    a[MM_MOM_MAX_ABS] = mx;
}

ptrdiff_t mm_moments_chunk_rows(ptrdiff_t n_cols)
{
    const ptrdiff_t rows = n_cols > 0 ? MM_MOM_CHUNK / n_cols : MM_MOM_CHUNK;
    return rows > MM_MOM_MIN_ROWS ? rows : MM_MOM_MIN_ROWS;
}

ptrdiff_t mm_moments_n_chunks(ptrdiff_t n_rows, ptrdiff_t n_cols)
{
    const ptrdiff_t rows = mm_moments_chunk_rows(n_cols);
    return (n_rows + rows - 1) / rows;
}

int mm_moments_chunks(const double *y_true, const double *y_pred, const double *weight,
                      ptrdiff_t n_rows, ptrdiff_t n_cols, ptrdiff_t row_stride,
                      ptrdiff_t col_stride, double threshold, ptrdiff_t first, ptrdiff_t last,
                      double *out)
{
    const ptrdiff_t rows = mm_moments_chunk_rows(n_cols);
    const ptrdiff_t per_chunk = n_cols * MM_MOM_NSTAT;
    /* Row-major input is copied into contiguous columns, a block of (at most) one
     * cache line of columns at a time, before the column kernel runs on it: the chunk
     * statistics, and so the results, are the same for any memory layout. */
    const ptrdiff_t block = n_cols < MM_MOM_GATHER_COLS ? n_cols : MM_MOM_GATHER_COLS;
    double *buf = NULL;
    ptrdiff_t c, j, j0;

    if (row_stride != 1) {
        buf = malloc((size_t)(2 * rows * block) * sizeof(double));
        if (buf == NULL) return -1;
    }
    for (c = first; c < last; c++) {
        const ptrdiff_t r = c * rows;
        const ptrdiff_t nr = n_rows - r < rows ? n_rows - r : rows;
        const double *t = y_true + r * row_stride;
        const double *p = y_pred + r * row_stride;
        const double *w = weight != NULL ? weight + r : NULL;
        double *st = out + c * per_chunk;
        if (buf == NULL) { /* one column, or column-major: columns are contiguous */
            for (j = 0; j < n_cols; j++) {
                column_chunk_dispatch(t + j * col_stride, p + j * col_stride, w, nr, threshold,
                                      st + j * MM_MOM_NSTAT);
            }
            continue;
        }
        for (j0 = 0; j0 < n_cols; j0 += block) {
            const ptrdiff_t nb = n_cols - j0 < block ? n_cols - j0 : block;
            gather_columns(t + j0 * col_stride, nr, nb, row_stride, col_stride, buf);
            gather_columns(p + j0 * col_stride, nr, nb, row_stride, col_stride, buf + rows * block);
            for (j = 0; j < nb; j++) {
                column_chunk_dispatch(buf + j * nr, buf + rows * block + j * nr, w, nr, threshold,
                                      st + (j0 + j) * MM_MOM_NSTAT);
            }
        }
    }
    free(buf);
    return 0;
}

void mm_moments_reduce(double *chunks, ptrdiff_t n_chunks, ptrdiff_t n_cols)
{
    const ptrdiff_t per_chunk = n_cols * MM_MOM_NSTAT;
    ptrdiff_t step, c, j;
    /* Bottom-up pairwise tree: its shape depends on n_chunks only. */
    for (step = 1; step < n_chunks; step *= 2) {
        for (c = 0; c + step < n_chunks; c += 2 * step) {
            for (j = 0; j < n_cols; j++) {
                merge_one(chunks + c * per_chunk + j * MM_MOM_NSTAT,
                          chunks + (c + step) * per_chunk + j * MM_MOM_NSTAT);
            }
        }
    }
}

void mm_moments_merge(double *state, const double *other, ptrdiff_t n_cols)
{
    ptrdiff_t j;
    for (j = 0; j < n_cols; j++) {
        merge_one(state + j * MM_MOM_NSTAT, other + j * MM_MOM_NSTAT);
    }
}
