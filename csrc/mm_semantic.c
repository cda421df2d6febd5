#include "mm_semantic.h"

#include <stdlib.h>
#include <string.h>

#if defined(_MSC_VER)
#define MM_INLINE static __forceinline
#define MM_RESTRICT __restrict
#else
#define MM_INLINE static inline __attribute__((always_inline))
#define MM_RESTRICT restrict
#endif

/* Loops are unrolled by MM_NSUB_SLOTS pixels, each slot with its own histogram pointer;
 * slots k and k + MM_NSUB share one of MM_NSUB sub-histograms. Two break most of the
 * store-to-load chains of equal runs (measured: no slower than four on runs, faster on
 * short maps and on noise, where fewer histograms stay in cache). Past
 * MM_NSUB_MAX_ENTRIES entries a single histogram is used. */
#define MM_NSUB_SLOTS 4
#define MM_NSUB 2
#define MM_NSUB_MAX_ENTRIES 65536
/* uint32 counters: flush into int64 at least this often (in pixels). */
#define MM_FLUSH_PIXELS ((ptrdiff_t)1 << 30)
/* Pixels whose arg max is taken together, channel by channel (vectorised). */
#define MM_SCORE_BLOCK 2048

typedef struct {
    uint64_t n_classes;
    ptrdiff_t width;   /* n_classes + 1 */
    ptrdiff_t ign_row; /* offset of the ignore row */
    ptrdiff_t bad_row; /* offset of the bad-target row */
    int64_t ignore;    /* with no ignore label: -1 and ign_row == bad_row, which is right */
    ptrdiff_t size;    /* histogram entries */
    int nsub;
    uint32_t *h[MM_NSUB_SLOTS];
} mm_ctx;

ptrdiff_t mm_semantic_ext_size(ptrdiff_t n_classes) { return (n_classes + 2) * (n_classes + 1); }

/* Offset of the histogram row of target value v; v is any label type widened to int64. */
MM_INLINE ptrdiff_t row_of(int64_t v, uint64_t n_classes, ptrdiff_t width, int64_t ignore,
                           ptrdiff_t ign_row, ptrdiff_t bad_row)
{
    /* The unsigned compare folds "negative" and "too large" into one test; the
     * ignore label wins even inside [0, n_classes). */
    ptrdiff_t row = (uint64_t)v < n_classes ? (ptrdiff_t)v * width : bad_row;
    return v == ignore ? ign_row : row;
}

MM_INLINE ptrdiff_t col_of(int64_t v, uint64_t n_classes)
{
    return (uint64_t)v < n_classes ? (ptrdiff_t)v : (ptrdiff_t)n_classes;
}

/* ------------------------------------------------------------------ label maps */

typedef void (*mm_label_fn)(const void *pred, const void *target, ptrdiff_t n,
                            const mm_ctx *cx);

#define MM_DEF_LABELS(NAME, PT, TT)                                                          \
    static void NAME(const void *pred_, const void *target_, ptrdiff_t n, const mm_ctx *cx) \
    {                                                                                        \
        const PT *MM_RESTRICT p = (const PT *)pred_;                                         \
        const TT *MM_RESTRICT t = (const TT *)target_;                                       \
        const uint64_t nc = cx->n_classes;                                                   \
        const ptrdiff_t w = cx->width, ir = cx->ign_row, br = cx->bad_row;                   \
        const int64_t ig = cx->ignore;                                                       \
        uint32_t *h0 = cx->h[0], *h1 = cx->h[1], *h2 = cx->h[2], *h3 = cx->h[3];             \
        ptrdiff_t i = 0;                                                                     \
        for (; i + 4 <= n; i += 4) {                                                         \
            h0[row_of((int64_t)t[i], nc, w, ig, ir, br) + col_of((int64_t)p[i], nc)]++;      \
            h1[row_of((int64_t)t[i + 1], nc, w, ig, ir, br) + col_of((int64_t)p[i + 1], nc)]++; \
            h2[row_of((int64_t)t[i + 2], nc, w, ig, ir, br) + col_of((int64_t)p[i + 2], nc)]++; \
            h3[row_of((int64_t)t[i + 3], nc, w, ig, ir, br) + col_of((int64_t)p[i + 3], nc)]++; \
        }                                                                                    \
        for (; i < n; i++)                                                                   \
            h0[row_of((int64_t)t[i], nc, w, ig, ir, br) + col_of((int64_t)p[i], nc)]++;      \
    }

#define MM_DEF_LABEL_ROW(PN, PT)                     \
    MM_DEF_LABELS(labels_##PN##_u8, PT, uint8_t)     \
    MM_DEF_LABELS(labels_##PN##_u16, PT, uint16_t)   \
    MM_DEF_LABELS(labels_##PN##_i32, PT, int32_t)    \
    MM_DEF_LABELS(labels_##PN##_i64, PT, int64_t)

/* labels_u8_u8 is the table-driven version below. */
MM_DEF_LABELS(labels_u8_u16, uint8_t, uint16_t)
MM_DEF_LABELS(labels_u8_i32, uint8_t, int32_t)
MM_DEF_LABELS(labels_u8_i64, uint8_t, int64_t)
MM_DEF_LABEL_ROW(u16, uint16_t)
MM_DEF_LABEL_ROW(i32, int32_t)
MM_DEF_LABEL_ROW(i64, int64_t)

/* 8-bit maps: two 256-entry tables turn each label into its row offset and column
 * (tables, not compares, because they leave the ALUs to the address arithmetic). */
static void labels_u8_u8_lut(const void *pred_, const void *target_, ptrdiff_t n,
                             const mm_ctx *cx)
{
    const uint8_t *MM_RESTRICT p = (const uint8_t *)pred_;
    const uint8_t *MM_RESTRICT t = (const uint8_t *)target_;
    uint32_t *h0 = cx->h[0], *h1 = cx->h[1], *h2 = cx->h[2], *h3 = cx->h[3];
    int32_t rows[256], cols[256];
    ptrdiff_t i;
    for (i = 0; i < 256; i++) {
        rows[i] = (int32_t)row_of(i, cx->n_classes, cx->width, cx->ignore, cx->ign_row,
                                  cx->bad_row);
        cols[i] = (int32_t)col_of(i, cx->n_classes);
    }
    for (i = 0; i + 4 <= n; i += 4) {
        h0[rows[t[i]] + cols[p[i]]]++;
        h1[rows[t[i + 1]] + cols[p[i + 1]]]++;
        h2[rows[t[i + 2]] + cols[p[i + 2]]]++;
        h3[rows[t[i + 3]] + cols[p[i + 3]]]++;
    }
    for (; i < n; i++)
        h0[rows[t[i]] + cols[p[i]]]++;
}

static const mm_label_fn label_fns[4][4] = {
    {labels_u8_u8_lut, labels_u8_u16, labels_u8_i32, labels_u8_i64},
    {labels_u16_u8, labels_u16_u16, labels_u16_i32, labels_u16_i64},
    {labels_i32_u8, labels_i32_u16, labels_i32_i32, labels_i32_i64},
    {labels_i64_u8, labels_i64_u16, labels_i64_i32, labels_i64_i64},
};

static const size_t label_sizes[4] = {1, 2, 4, 8};

/* ------------------------------------------------------------------ scores */

/* Count n pixels of one image: s points at the scores of the first pixel for class 0
 * (class c of pixel j at s[c * stride + j]), t at its target. Returns MM_SEMANTIC_NAN
 * at the first block holding a NaN score. */
typedef int (*mm_score_fn)(const void *scores, ptrdiff_t stride, const void *target,
                           ptrdiff_t n, const mm_ctx *cx);

/* AT is an integer as wide as ST, so that the arg max loop vectorises lane for lane. */
#define MM_DEF_SCORES(NAME, ST, AT, TT)                                                       \
    static int NAME(const void *scores_, ptrdiff_t stride, const void *target_, ptrdiff_t n, \
                    const mm_ctx *cx)                                                         \
    {                                                                                         \
        const ST *MM_RESTRICT s = (const ST *)scores_;                                        \
        const TT *MM_RESTRICT t = (const TT *)target_;                                        \
        const uint64_t nc = cx->n_classes;                                                    \
        const ptrdiff_t w = cx->width, ir = cx->ign_row, br = cx->bad_row;                    \
        const int64_t ig = cx->ignore;                                                        \
        uint32_t *h0 = cx->h[0], *h1 = cx->h[1], *h2 = cx->h[2], *h3 = cx->h[3];              \
        ST best[MM_SCORE_BLOCK];                                                              \
        AT arg[MM_SCORE_BLOCK];                                                               \
        ptrdiff_t b, j, m, c;                                                                 \
        for (b = 0; b < n; b += MM_SCORE_BLOCK) {                                             \
            const ST *MM_RESTRICT s0 = s + b;                                                 \
            const TT *MM_RESTRICT tb = t + b;                                                 \
            AT any = 0;                                                                       \
            m = n - b < MM_SCORE_BLOCK ? n - b : MM_SCORE_BLOCK;                              \
            for (j = 0; j < m; j++) {                                                         \
                best[j] = s0[j];                                                              \
                arg[j] = 0;                                                                   \
                any |= (AT)(s0[j] != s0[j]);                                                  \
            }                                                                                 \
            /* Four classes per sweep over best/arg, compared in class order so that  \
             * the first maximum wins, as in numpy.argmax. */                             \
            for (c = 1; c + 4 <= (ptrdiff_t)nc; c += 4) {                                     \
                const ST *MM_RESTRICT sa = s0 + c * stride;                                   \
                const ST *MM_RESTRICT sb = sa + stride;                                       \
                const ST *MM_RESTRICT sc = sb + stride;                                       \
                const ST *MM_RESTRICT sd = sc + stride;                                       \
                const AT ca = (AT)c, cb = (AT)(c + 1), cc = (AT)(c + 2), cd = (AT)(c + 3);    \
                for (j = 0; j < m; j++) {                                                     \
                    ST bv = best[j], va = sa[j], vb = sb[j], vc = sc[j], vd = sd[j];          \
                    AT bi = arg[j], gt;                                                       \
                    gt = (AT)(va > bv);                                                       \
                    bv = gt ? va : bv;                                                        \
                    bi = gt ? ca : bi;                                                        \
                    gt = (AT)(vb > bv);                                                       \
                    bv = gt ? vb : bv;                                                        \
                    bi = gt ? cb : bi;                                                        \
                    gt = (AT)(vc > bv);                                                       \
                    bv = gt ? vc : bv;                                                        \
                    bi = gt ? cc : bi;                                                        \
                    gt = (AT)(vd > bv);                                                       \
                    best[j] = gt ? vd : bv;                                                   \
                    arg[j] = gt ? cd : bi;                                                    \
                    any |= (AT)((va != va) | (vb != vb) | (vc != vc) | (vd != vd));           \
                }                                                                             \
            }                                                                                 \
            for (; c < (ptrdiff_t)nc; c++) {                                                  \
                const ST *MM_RESTRICT sc = s0 + c * stride;                                   \
                const AT ci = (AT)c;                                                          \
                for (j = 0; j < m; j++) {                                                     \
                    ST v = sc[j];                                                             \
                    AT gt = (AT)(v > best[j]);                                                \
                    best[j] = gt ? v : best[j];                                               \
                    arg[j] = gt ? ci : arg[j];                                                \
                    any |= (AT)(v != v);                                                      \
                }                                                                             \
            }                                                                                 \
            if (any)                                                                          \
                return MM_SEMANTIC_NAN;                                                       \
            for (j = 0; j + 4 <= m; j += 4) {                                                 \
                h0[row_of((int64_t)tb[j], nc, w, ig, ir, br) + (ptrdiff_t)arg[j]]++;          \
                h1[row_of((int64_t)tb[j + 1], nc, w, ig, ir, br) + (ptrdiff_t)arg[j + 1]]++;  \
                h2[row_of((int64_t)tb[j + 2], nc, w, ig, ir, br) + (ptrdiff_t)arg[j + 2]]++;  \
                h3[row_of((int64_t)tb[j + 3], nc, w, ig, ir, br) + (ptrdiff_t)arg[j + 3]]++;  \
            }                                                                                 \
            for (; j < m; j++)                                                                \
                h0[row_of((int64_t)tb[j], nc, w, ig, ir, br) + (ptrdiff_t)arg[j]]++;          \
        }                                                                                     \
        return MM_SEMANTIC_OK;                                                                \
    }

#define MM_DEF_SCORE_ROW(SN, ST, AT)                      \
    MM_DEF_SCORES(scores_##SN##_u8, ST, AT, uint8_t)      \
    MM_DEF_SCORES(scores_##SN##_u16, ST, AT, uint16_t)    \
    MM_DEF_SCORES(scores_##SN##_i32, ST, AT, int32_t)     \
    MM_DEF_SCORES(scores_##SN##_i64, ST, AT, int64_t)

MM_DEF_SCORE_ROW(f32, float, int32_t)
MM_DEF_SCORE_ROW(f64, double, int64_t)

static const mm_score_fn score_fns[2][4] = {
    {scores_f32_u8, scores_f32_u16, scores_f32_i32, scores_f32_i64},
    {scores_f64_u8, scores_f64_u16, scores_f64_i32, scores_f64_i64},
};

static const size_t score_sizes[2] = {sizeof(float), sizeof(double)};

/* ------------------------------------------------------------------ driver */

static int ctx_init(mm_ctx *cx, const mm_semantic_input *in)
{
    ptrdiff_t nc = in->n_classes;
    int k;
    cx->n_classes = (uint64_t)nc;
    cx->width = nc + 1;
    cx->ign_row = nc * (nc + 1);
    cx->bad_row = (nc + 1) * (nc + 1);
    if (in->has_ignore) {
        cx->ignore = in->ignore;
    } else {
        cx->ignore = -1; /* any match is out of range anyway: it lands in the bad row */
        cx->ign_row = cx->bad_row;
    }
    cx->size = mm_semantic_ext_size(nc);
    cx->nsub = cx->size <= MM_NSUB_MAX_ENTRIES ? MM_NSUB : 1;
    cx->h[0] = (uint32_t *)calloc((size_t)cx->size * (size_t)cx->nsub, sizeof(uint32_t));
    if (cx->h[0] == NULL)
        return MM_SEMANTIC_ENOMEM;
    for (k = 1; k < MM_NSUB_SLOTS; k++)
        cx->h[k] = cx->h[0] + (ptrdiff_t)(k % cx->nsub) * cx->size;
    return MM_SEMANTIC_OK;
}

/* Add the sub-histograms into ext and zero them. */
static void ctx_flush(mm_ctx *cx, int64_t *MM_RESTRICT ext)
{
    ptrdiff_t k, size = cx->size;
    if (cx->nsub == 2) {
        const uint32_t *h0 = cx->h[0], *h1 = cx->h[1];
        for (k = 0; k < size; k++)
            ext[k] += (int64_t)h0[k] + (int64_t)h1[k];
    } else {
        const uint32_t *h0 = cx->h[0];
        for (k = 0; k < size; k++)
            ext[k] += (int64_t)h0[k];
    }
    memset(cx->h[0], 0, (size_t)size * (size_t)cx->nsub * sizeof(uint32_t));
}

static int check_kinds(const mm_semantic_input *in)
{
    if (in->target_kind < MM_SEMANTIC_U8 || in->target_kind > MM_SEMANTIC_I64)
        return MM_SEMANTIC_EKIND;
    if ((in->pred_kind >= MM_SEMANTIC_U8 && in->pred_kind <= MM_SEMANTIC_I64)
        || in->pred_kind == MM_SEMANTIC_F32 || in->pred_kind == MM_SEMANTIC_F64)
        return MM_SEMANTIC_OK;
    return MM_SEMANTIC_EKIND;
}

static int count_range(const mm_semantic_input *in, mm_ctx *cx, ptrdiff_t first,
                       ptrdiff_t last, int64_t *ext)
{
    const size_t tsize = label_sizes[in->target_kind];
    const char *target = (const char *)in->target;
    ptrdiff_t g = first, since_flush = 0;
    if (in->pred_kind <= MM_SEMANTIC_I64) {
        const mm_label_fn fn = label_fns[in->pred_kind][in->target_kind];
        const size_t psize = label_sizes[in->pred_kind];
        const char *pred = (const char *)in->pred;
        while (g < last) {
            ptrdiff_t n = last - g < MM_FLUSH_PIXELS ? last - g : MM_FLUSH_PIXELS;
            fn(pred + (size_t)g * psize, target + (size_t)g * tsize, n, cx);
            ctx_flush(cx, ext);
            g += n;
        }
        return MM_SEMANTIC_OK;
    }
    {
        const int sk = in->pred_kind - MM_SEMANTIC_F32;
        const mm_score_fn fn = score_fns[sk][in->target_kind];
        const size_t ssize = score_sizes[sk];
        const char *scores = (const char *)in->pred;
        const ptrdiff_t pixels = in->pixels, nc = in->n_classes;
        while (g < last) {
            ptrdiff_t image = g / pixels, j = g - image * pixels;
            ptrdiff_t n = pixels - j;
            int status;
            if (n > last - g)
                n = last - g;
            if (n > MM_FLUSH_PIXELS - since_flush)
                n = MM_FLUSH_PIXELS - since_flush;
            status = fn(scores + ((size_t)image * (size_t)nc * (size_t)pixels + (size_t)j) * ssize,
                        pixels, target + (size_t)g * tsize, n, cx);
            if (status != MM_SEMANTIC_OK)
                return status;
            g += n;
            since_flush += n;
            if (since_flush == MM_FLUSH_PIXELS || g == last) {
                ctx_flush(cx, ext);
                since_flush = 0;
            }
        }
        return MM_SEMANTIC_OK;
    }
}

int mm_semantic_count(const mm_semantic_input *in, ptrdiff_t first, ptrdiff_t last,
                      int64_t *ext)
{
    mm_ctx cx;
    int status = check_kinds(in);
    if (status != MM_SEMANTIC_OK)
        return status;
    if (first >= last)
        return MM_SEMANTIC_OK;
    status = ctx_init(&cx, in);
    if (status != MM_SEMANTIC_OK)
        return status;
    status = count_range(in, &cx, first, last, ext);
    free(cx.h[0]);
    return status;
}

int mm_semantic_count_images(const mm_semantic_input *in, ptrdiff_t first_image,
                             ptrdiff_t last_image, int64_t *ext, int64_t *stats)
{
    mm_ctx cx;
    int64_t *img;
    const ptrdiff_t nc = in->n_classes, w = nc + 1;
    ptrdiff_t i, r, c;
    int status = check_kinds(in);
    if (status != MM_SEMANTIC_OK)
        return status;
    if (first_image >= last_image)
        return MM_SEMANTIC_OK;
    status = ctx_init(&cx, in);
    if (status != MM_SEMANTIC_OK)
        return status;
    img = (int64_t *)malloc((size_t)cx.size * sizeof(int64_t));
    if (img == NULL) {
        free(cx.h[0]);
        return MM_SEMANTIC_ENOMEM;
    }
    for (i = first_image; i < last_image && status == MM_SEMANTIC_OK; i++) {
        int64_t *tp = stats + i * 3 * nc, *pred = tp + nc, *true_ = pred + nc;
        memset(img, 0, (size_t)cx.size * sizeof(int64_t));
        status = count_range(in, &cx, i * in->pixels, (i + 1) * in->pixels, img);
        if (status != MM_SEMANTIC_OK)
            break;
        for (c = 0; c < nc; c++) {
            tp[c] = img[c * w + c];
            pred[c] = 0;
            true_[c] = 0;
        }
        for (r = 0; r < nc; r++) {
            const int64_t *row = img + r * w;
            int64_t sum = 0;
            for (c = 0; c < nc; c++) {
                sum += row[c];
                pred[c] += row[c];
            }
            true_[r] = sum;
        }
        for (c = 0; c < cx.size; c++)
            ext[c] += img[c];
    }
    free(img);
    free(cx.h[0]);
    return status;
}
