#include "mm_rle.h"

#include "mm_box.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- buffers ---- */

void mm_rle_buf_free(mm_rle_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void mm_rle_ws_free(mm_rle_ws *ws)
{
    free(ws->cnts);
    free(ws->pts);
    free(ws->tmp);
    free(ws->bits);
    memset(ws, 0, sizeof *ws);
}

/* Grow *p (elements of size elem) to hold at least need elements, doubling. */
static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return MM_RLE_OK;
    size_t n = *cap ? *cap : 64;
    while (n < need) {
        if (n > SIZE_MAX / 2) return MM_RLE_ENOMEM;
        n *= 2;
    }
    if (n > SIZE_MAX / elem) return MM_RLE_ENOMEM;
    void *q = realloc(*p, n * elem);
    if (q == NULL) return MM_RLE_ENOMEM;
    *p = q;
    *cap = n;
    return MM_RLE_OK;
}

static int push_count(mm_rle_ws *ws, uint64_t c)
{
    if ((size_t)ws->m == ws->cnts_cap &&
        grow((void **)&ws->cnts, &ws->cnts_cap, (size_t)ws->m + 1, sizeof *ws->cnts) != 0)
        return MM_RLE_ENOMEM;
    ws->cnts[ws->m++] = (uint32_t)c;
    return MM_RLE_OK;
}

static int area_of(uint32_t h, uint32_t w, uint64_t *area)
{
    *area = (uint64_t)h * w;
    return *area > MM_RLE_MAX_AREA ? MM_RLE_ESIZE : MM_RLE_OK;
}

/* ---- compressed strings ---- */

typedef struct {
    const unsigned char *p, *end;
    ptrdiff_t i;      /* index of the next count */
    int64_t prev1;    /* count i - 1 */
    int64_t prev2;    /* count i - 2: later counts are stored as differences to it */
} str_cursor;

static void cursor_init(str_cursor *c, const mm_rle_str *r)
{
    c->p = (const unsigned char *)r->s;
    c->end = c->p + (r->len > 0 ? r->len : 0);
    c->i = 0;
    c->prev1 = c->prev2 = 0;
}

#if defined(__GNUC__) || defined(__clang__)
#define MM_HOT static inline __attribute__((always_inline))
#else
#define MM_HOT static inline
#endif

/* Next count into *out: 1, 0 at the end of the string, or an error code. A value has
 * at most 7 groups of 5 bits (35 bits cover any difference of two uint32 counts);
 * longer ones are malformed, as are characters outside '0'..'o' and a string ending
 * inside a value. */
MM_HOT int next_count(str_cursor *c, uint32_t *out)
{
    const unsigned char *p = c->p;
    if (p == c->end) return 0;
    uint64_t bits = 0;
    int shift = 0;
    unsigned g;
    do {
        if (p == c->end || shift > 30) return MM_RLE_ESTRING;
        g = (unsigned)*p++ - 48u; /* wraps for characters below '0' */
        if (g > 63u) return MM_RLE_ESTRING;
        bits |= (uint64_t)(g & 0x1f) << shift;
        shift += 5;
    } while (g & 0x20);
    c->p = p;
    int64_t x = (int64_t)bits;
    if (g & 0x10) x -= (int64_t)1 << shift; /* sign-extend from `shift` bits */
    if (c->i > 2) x += c->prev2;
    if (x < 0 || x > (int64_t)UINT32_MAX) return MM_RLE_ECOUNTS;
    c->prev2 = c->prev1;
    c->prev1 = x;
    c->i++;
    *out = (uint32_t)x;
    return 1;
}

/* The counts of a string checked against its mask as they come: the running sum may
 * not pass h * w, and must reach it at the end. */
typedef struct {
    str_cursor c;
    uint64_t area, sum;
} sum_cursor;

static int sum_cursor_init(sum_cursor *a, const mm_rle_str *r)
{
    cursor_init(&a->c, r);
    a->sum = 0;
    return area_of(r->h, r->w, &a->area); /* MM_RLE_ESIZE when h * w is too large */
}

/* Next count into *out: 1; MM_RLE_OK (0) at the end of a string whose counts sum to the
 * area; or an error code (MM_RLE_ECOUNTS before a count that passes the area is used).
 * After a count, a->c.i is one past it: odd values of a->c.i follow runs of 1s. */
MM_HOT int next_checked(sum_cursor *a, uint32_t *out)
{
    int st = next_count(&a->c, out);
    if (st == 1) {
        a->sum += *out;
        return a->sum > a->area ? MM_RLE_ECOUNTS : 1;
    }
    if (st < 0) return st;
    return a->sum == a->area ? MM_RLE_OK : MM_RLE_ECOUNTS;
}

int mm_rle_str_counts(const mm_rle_str *r, uint32_t *cnts, ptrdiff_t cap, ptrdiff_t *m)
{
    *m = 0;
    sum_cursor a;
    int st = sum_cursor_init(&a, r);
    if (st != MM_RLE_OK) return st;
    ptrdiff_t k = 0;
    uint32_t v;
    while ((st = next_checked(&a, &v)) == 1) {
        if (k == cap) return MM_RLE_ENOMEM;
        cnts[k++] = v;
    }
    if (st != MM_RLE_OK) return st;
    *m = k;
    return MM_RLE_OK;
}

int mm_rle_str_area(const mm_rle_str *r, uint32_t *out)
{
    uint64_t fg = 0;
    *out = 0;
    sum_cursor a;
    int st = sum_cursor_init(&a, r);
    if (st != MM_RLE_OK) return st;
    uint32_t v;
    while ((st = next_checked(&a, &v)) == 1)
        if (!(a.c.i & 1)) fg += v;
    if (st != MM_RLE_OK) return st;
    *out = (uint32_t)fg;
    return MM_RLE_OK;
}

/* rleToBbox's accumulation, one count at a time. Its arithmetic is uint32 throughout;
 * with valid counts nothing wraps except the final width/height of a mask without
 * foreground, which is reproduced. The position is tracked as (column, row) so that
 * short runs need no division. */
typedef struct {
    uint32_t h, w, xs, ys, xe, ye;
    uint64_t col, row; /* position of the next run's first pixel */
    ptrdiff_t m;
} bbox_acc;

static void bbox_init(bbox_acc *a, uint32_t h, uint32_t w)
{
    a->h = h;
    a->w = w;
    a->xs = w;
    a->ys = h;
    a->xe = a->ye = 0;
    a->col = a->row = 0;
    a->m = 0;
}

/* Move (col, row) forward by c pixels, column-major; h > 0. */
MM_HOT void advance(bbox_acc *a, uint64_t c)
{
    a->row += c;
    if (a->row < a->h) return;
    if (a->row < 4 * (uint64_t)a->h) {
        do {
            a->row -= a->h;
            a->col++;
        } while (a->row >= a->h);
    } else {
        a->col += a->row / a->h;
        a->row %= a->h;
    }
}

MM_HOT void bbox_add(bbox_acc *a, uint32_t cnt)
{
    ptrdiff_t j = a->m++;
    if (a->h == 0) return; /* an empty mask: all counts are 0 */
    if (j % 2 == 0 || cnt == 0) { /* background, or an empty run of 1s */
        advance(a, cnt);
        return;
    }
    uint32_t x0 = (uint32_t)a->col, y0 = (uint32_t)a->row;
    advance(a, cnt - 1u);
    uint32_t x1 = (uint32_t)a->col, y1 = (uint32_t)a->row;
    advance(a, 1);
    if (x0 < a->xs) a->xs = x0;
    if (x1 > a->xe) a->xe = x1;
    if (x0 < x1) { /* the run spans columns: full height */
        a->ys = 0;
        a->ye = a->h - 1;
    } else {
        if (y0 < a->ys) a->ys = y0;
        if (y1 > a->ye) a->ye = y1;
    }
}

static void bbox_finish(const bbox_acc *a, double *bb)
{
    /* pycocotools drops a trailing run of 0s (m rounded down to even): with fewer
     * than two counts there is no run of 1s and the box is all zeros. */
    if (a->m < 2) {
        bb[0] = bb[1] = bb[2] = bb[3] = 0.0;
        return;
    }
    bb[0] = (double)a->xs;
    bb[1] = (double)a->ys;
    bb[2] = (double)(uint32_t)(a->xe - a->xs + 1u);
    bb[3] = (double)(uint32_t)(a->ye - a->ys + 1u);
}

int mm_rle_str_bbox(const mm_rle_str *r, double *bb)
{
    bb[0] = bb[1] = bb[2] = bb[3] = 0.0;
    sum_cursor a;
    int st = sum_cursor_init(&a, r);
    if (st != MM_RLE_OK) return st;
    bbox_acc acc;
    bbox_init(&acc, r->h, r->w);
    uint32_t v;
    while ((st = next_checked(&a, &v)) == 1) bbox_add(&acc, v);
    if (st != MM_RLE_OK) return st;
    bbox_finish(&acc, bb);
    return MM_RLE_OK;
}

/* mm_rle_str_area and mm_rle_str_bbox in one walk of the string (both or neither are
 * written: the same checks in the same order, so the same error for a bad string). */
int mm_rle_str_area_bbox(const mm_rle_str *r, uint32_t *area, double *bb)
{
    uint64_t fg = 0;
    *area = 0;
    bb[0] = bb[1] = bb[2] = bb[3] = 0.0;
    sum_cursor a;
    int st = sum_cursor_init(&a, r);
    if (st != MM_RLE_OK) return st;
    bbox_acc acc;
    bbox_init(&acc, r->h, r->w);
    uint32_t v;
    while ((st = next_checked(&a, &v)) == 1) {
        if (!(a.c.i & 1)) fg += v;
        bbox_add(&acc, v);
    }
    if (st != MM_RLE_OK) return st;
    *area = (uint32_t)fg;
    bbox_finish(&acc, bb);
    return MM_RLE_OK;
}

int mm_rle_str_decode(const mm_rle_str *r, uint8_t *mask)
{
    sum_cursor a;
    int st = sum_cursor_init(&a, r);
    if (st != MM_RLE_OK) return st;
    uint64_t pos = 0;
    uint32_t v;
    while ((st = next_checked(&a, &v)) == 1) { /* checked before writing */
        if (!(a.c.i & 1)) memset(mask + pos, 1, v);
        pos += v;
    }
    return st;
}

int mm_rle_to_str(const uint32_t *cnts, ptrdiff_t m, mm_rle_buf *out)
{
    for (ptrdiff_t i = 0; i < m; i++) {
        if (out->cap - out->len < 8 &&
            grow((void **)&out->data, &out->cap, out->len + 8, 1) != 0)
            return MM_RLE_ENOMEM;
        int64_t x = (int64_t)cnts[i];
        if (i > 2) x -= (int64_t)cnts[i - 2];
        char *s = out->data + out->len;
        int more = 1;
        while (more) {
            int c = (int)(x & 0x1f);
            x >>= 5; /* arithmetic shift: the sign is carried through */
            more = (c & 0x10) ? x != -1 : x != 0;
            if (more) c |= 0x20;
            *s++ = (char)(c + 48);
        }
        out->len = (size_t)(s - out->data);
    }
    return MM_RLE_OK;
}

/* ---- counts ---- */

int mm_rle_check(const mm_rle *r)
{
    uint64_t area, sum = 0;
    if (area_of(r->h, r->w, &area) != MM_RLE_OK) return MM_RLE_ESIZE;
    if (r->m < 0 || (r->m > 0 && r->cnts == NULL)) return MM_RLE_ECOUNTS;
    for (ptrdiff_t j = 0; j < r->m; j++) {
        sum += r->cnts[j];
        if (sum > area) return MM_RLE_ECOUNTS;
    }
    return sum == area ? MM_RLE_OK : MM_RLE_ECOUNTS;
}

uint32_t mm_rle_area(const mm_rle *r)
{
    uint32_t a = 0;
    for (ptrdiff_t j = 1; j < r->m; j += 2) a += r->cnts[j];
    return a;
}

void mm_rle_bbox(const mm_rle *r, double *bb)
{
    bbox_acc acc;
    bbox_init(&acc, r->h, r->w);
    for (ptrdiff_t j = 0; j < r->m; j++) bbox_add(&acc, r->cnts[j]);
    bbox_finish(&acc, bb);
}

int mm_rle_decode(const mm_rle *r, uint8_t *mask)
{
    int st = mm_rle_check(r);
    if (st != MM_RLE_OK) return st;
    uint64_t pos = 0;
    for (ptrdiff_t j = 0; j < r->m; j++) {
        memset(mask + pos, (int)(j & 1), r->cnts[j]);
        pos += r->cnts[j];
    }
    return MM_RLE_OK;
}

/* First index in [j, n) whose byte differs from p, or n. Masks are mostly long runs:
 * compare 64 bytes per step (wide enough for the loads to keep memory busy), then
 * find the byte. */
static uint64_t run_end(const uint8_t *mask, uint64_t j, uint64_t n, uint8_t p)
{
    const uint64_t pat = 0x0101010101010101ull * p;
    while (n - j >= 64) {
#if defined(__GNUC__) || defined(__clang__)
        __builtin_prefetch(mask + j + 1024);
#endif
        uint64_t v[8], diff = 0;
        memcpy(v, mask + j, sizeof v);
        for (int k = 0; k < 8; k++) diff |= v[k] ^ pat;
        if (diff) break;
        j += 64;
    }
    while (n - j >= 8) {
        uint64_t v;
        memcpy(&v, mask + j, 8);
        if (v != pat) break;
        j += 8;
    }
    while (j < n && mask[j] == p) j++;
    return j;
}

int mm_rle_encode(const uint8_t *mask, uint32_t h, uint32_t w, mm_rle_ws *ws)
{
    uint64_t area;
    ws->m = 0;
    if (area_of(h, w, &area) != MM_RLE_OK) return MM_RLE_ESIZE;
    uint64_t start = 0, j = 0;
    uint8_t p = 0;
    for (;;) {
        j = run_end(mask, j, area, p);
        if (j == area) break;
        if (push_count(ws, j - start) != MM_RLE_OK) return MM_RLE_ENOMEM;
        start = j;
        p = mask[j];
    }
    return push_count(ws, area - start);
}

ptrdiff_t mm_rle_merge_capacity(const mm_rle *r, ptrdiff_t n)
{
    /* Merging A and B yields at most m_A + m_B counts (an empty list counts as one). */
    ptrdiff_t cap = 1;
    for (ptrdiff_t i = 0; i < n; i++) cap += r[i].m > 0 ? r[i].m : 1;
    return cap;
}

/* One step of rleMerge: A, B (both covering `area` pixels) -> out. Returns the number
 * of counts written, or -1 when the inputs do not cover the same pixels.
 *
 * pycocotools ends its walk as soon as both remaining runs are empty after a step.
 * With empty runs inside the counts (valid, though no encoder writes them) that can
 * happen before the last pixel: it then returns counts that do not cover the mask (and
 * merging three or more such masks never ends). Here the walk goes on to the last
 * pixel in that case; everywhere else the counts are pycocotools', step for step. */
static ptrdiff_t merge2(const uint32_t *A, ptrdiff_t ma, const uint32_t *B, ptrdiff_t mb,
                        uint64_t area, int intersect, uint32_t *out, ptrdiff_t cap)
{
    uint32_t ca = ma > 0 ? A[0] : 0, cb = mb > 0 ? B[0] : 0, cc = 0;
    uint64_t pos = 0;
    ptrdiff_t a = 1, b = 1, m = 0;
    int va = 0, vb = 0, v = 0;
    /* Each step but the last moves a or b on: at most ma + mb steps for valid input. */
    for (ptrdiff_t steps = 0; steps <= ma + mb + 1; steps++) {
        uint32_t c = ca < cb ? ca : cb;
        cc += c;
        pos += c;
        ca -= c;
        if (!ca && a < ma) {
            ca = A[a++];
            va = !va;
        }
        cb -= c;
        if (!cb && b < mb) {
            cb = B[b++];
            vb = !vb;
        }
        int done = ca == 0 && cb == 0 && pos == area;
        int vp = v;
        v = intersect ? (va && vb) : (va || vb);
        if (v != vp || done) {
            if (m == cap) return -1;
            out[m++] = cc;
            cc = 0;
        }
        if (done) return m;
    }
    return -1;
}

int mm_rle_merge(const mm_rle *r, ptrdiff_t n, int intersect, uint32_t *out, uint32_t *tmp,
                 ptrdiff_t cap, ptrdiff_t *m)
{
    *m = 0;
    if (n <= 0) return MM_RLE_OK;
    for (ptrdiff_t i = 0; i < n; i++) {
        if (r[i].h != r[0].h || r[i].w != r[0].w) return MM_RLE_ESIZE;
        int st = mm_rle_check(&r[i]);
        if (st != MM_RLE_OK) return st;
    }
    if (cap < mm_rle_merge_capacity(r, n)) return MM_RLE_ENOMEM;
    /* Fold left to right, ping-ponging between the two buffers so the result ends in out. */
    uint32_t *cur = (n % 2 == 1) ? out : tmp, *nxt = (n % 2 == 1) ? tmp : out;
    if (r[0].m > 0) memcpy(cur, r[0].cnts, (size_t)r[0].m * sizeof *cur);
    ptrdiff_t mc = r[0].m;
    for (ptrdiff_t i = 1; i < n; i++) {
        ptrdiff_t k = merge2(cur, mc, r[i].cnts, r[i].m, (uint64_t)r[0].h * r[0].w, intersect,
                             nxt, cap);
        if (k < 0) return MM_RLE_ECOUNTS;
        uint32_t *t = cur;
        cur = nxt;
        nxt = t;
        mc = k;
    }
    *m = mc;
    return MM_RLE_OK;
}

/* rleIou's walk over two RLEs: intersection *inter and union *uni of the pixels it
 * visits. It stops as soon as both remaining runs are empty after a step, which for
 * counts with empty runs inside (not what encoders write, but valid) can be before
 * the end of the masks; pycocotools' IoU of such masks depends on that, so the walk
 * is reproduced step for step. */
static void iou_walk(const mm_rle *A, const mm_rle *B, uint64_t *inter, uint64_t *uni)
{
    uint32_t ca = A->m > 0 ? A->cnts[0] : 0, cb = B->m > 0 ? B->cnts[0] : 0;
    ptrdiff_t a = 1, b = 1;
    int va = 0, vb = 0;
    uint64_t i = 0, u = 0;
    /* Each step but the last moves a or b on; the bound only guards against counts of
     * different totals, which callers never pass. */
    for (ptrdiff_t steps = 0; steps <= A->m + B->m + 1; steps++) {
        uint32_t c = ca < cb ? ca : cb;
        if (va || vb) {
            u += c;
            if (va && vb) i += c;
        }
        ca -= c;
        if (!ca && a < A->m) {
            ca = A->cnts[a++];
            va = !va;
        }
        cb -= c;
        if (!cb && b < B->m) {
            cb = B->cnts[b++];
            vb = !vb;
        }
        if (ca == 0 && cb == 0) break;
    }
    *inter = i;
    *uni = u;
}

/* No empty run after the first: then pycocotools' walk covers every pixel (it can only
 * stop early at a run of length 0) and its union is |A| + |B| - |A & B|. */
static int no_inner_empty_run(const mm_rle *R)
{
    uint32_t any_zero = 0;
    for (ptrdiff_t j = 1; j < R->m; j++) any_zero |= R->cnts[j] == 0;
    return !any_zero;
}

/* The runs of 1s of counts without inner empty runs, one after the other, as
 * [s, e) pixel intervals. */
typedef struct {
    const uint32_t *c;
    ptrdiff_t m, j; /* j: index of the current run of 1s (odd); j >= m: exhausted */
    uint64_t s, e;
} ones_iter;

/* The first run of 1s that ends after pixel p0. */
static void ones_seek(ones_iter *it, const mm_rle *R, uint64_t p0)
{
    it->c = R->cnts;
    it->m = R->m;
    uint64_t pos = 0;
    ptrdiff_t j = 0;
    while (j < R->m && pos + R->cnts[j] <= p0) pos += R->cnts[j++];
    if (!(j & 1)) { /* inside (or before) a run of 0s: the next run of 1s */
        if (j < R->m) pos += R->cnts[j];
        j++;
    }
    it->j = j;
    it->s = pos;
    it->e = j < R->m ? pos + R->cnts[j] : pos;
}

static void ones_next(ones_iter *it)
{
    it->j += 2;
    if (it->j < it->m) {
        it->s = it->e + it->c[it->j - 1];
        it->e = it->s + it->c[it->j];
    }
}

/* |A & B| within pixels [p0, p1): overlaps of their runs of 1s, taken pairwise in
 * order, moving on whichever run ends first. */
static uint64_t inter_in(const mm_rle *A, const mm_rle *B, uint64_t p0, uint64_t p1)
{
    ones_iter a, b;
    ones_seek(&a, A, p0);
    ones_seek(&b, B, p0);
    uint64_t i = 0;
    while (a.j < a.m && b.j < b.m) {
        const uint64_t lo = a.s > b.s ? a.s : b.s;
        if (lo >= p1) break;
        uint64_t hi = a.e < b.e ? a.e : b.e;
        if (hi > p1) hi = p1;
        if (lo < p0) { /* only the first runs can start before p0 */
            if (hi > p0) i += hi - p0;
        } else if (hi > lo) {
            i += hi - lo;
        }
        if (a.e < b.e) ones_next(&a);
        else ones_next(&b);
    }
    return i;
}

void mm_rle_iou(const mm_rle *dt, const double *dt_bb, const uint32_t *dt_area, ptrdiff_t n_dt,
                const mm_rle *gt, const double *gt_bb, ptrdiff_t n_gt,
                const uint8_t *gt_crowd, ptrdiff_t d_first, ptrdiff_t d_last, double *out)
{
    if (d_first < 0) d_first = 0;
    if (d_last > n_dt) d_last = n_dt;
    if (d_first >= d_last) return;
    const ptrdiff_t nd = d_last - d_first;
    for (ptrdiff_t g = 0; g < n_gt; g++) {
        double *o = out + g * n_dt + d_first;
        int crowd = gt_crowd != NULL && gt_crowd[g];
        int64_t g_area = -1; /* computed when first needed */
        /* pycocotools computes mask IoU only where the boxes overlap. */
        mm_box_iou(dt_bb + 4 * d_first, nd, gt_bb + 4 * g, 1, crowd ? gt_crowd + g : NULL, o);
        for (ptrdiff_t k = 0; k < nd; k++) {
            if (!(o[k] > 0)) continue;
            const mm_rle *d = &dt[d_first + k], *G = &gt[g];
            if (d->h != G->h || d->w != G->w) {
                o[k] = -1;
                continue;
            }
            uint64_t i, u;
            if (no_inner_empty_run(d) && no_inner_empty_run(G)) {
                /* Pixels both masks share lie in the columns both boxes span: walk
                 * those only. The union follows from the areas, as the walk's would. */
                if (g_area < 0) g_area = (int64_t)mm_rle_area(G);
                const double *db = dt_bb + 4 * (d_first + k), *gb = gt_bb + 4 * g;
                double x0 = db[0] > gb[0] ? db[0] : gb[0];
                double x1 = db[0] + db[2] < gb[0] + gb[2] ? db[0] + db[2] : gb[0] + gb[2];
                i = 0;
                if (dt_area[d_first + k] > 0 && g_area > 0 && x0 < x1 && x0 >= 0 &&
                    x1 <= (double)d->w)
                    i = inter_in(d, G, (uint64_t)x0 * d->h, (uint64_t)x1 * d->h);
                u = (uint64_t)dt_area[d_first + k] + (uint64_t)g_area - i;
            } else {
                iou_walk(d, G, &i, &u);
            }
            if (i == 0) u = 1;
            else if (crowd) u = dt_area[d_first + k];
            o[k] = (double)i / (double)u;
        }
    }
}

/* ---- polygons ----
 *
 * pycocotools' rleFrPoly scales the vertices by 5 and rounds them ((int)(5x + .5)),
 * walks every edge through all its upsampled points (one per unit step along the
 * longer axis, the other coordinate rounded the same way), and turns each step
 * between neighbouring points whose x differs into a boundary point of the mask when
 * that step crosses the centre of a pixel column; the mask's counts follow from the
 * sorted boundary points. Only those column crossings matter, so this walks each edge
 * from crossing to crossing, and only over the columns of the image, evaluating the
 * very same floating-point expressions at the very same steps. Steps between edges
 * (the shared vertex) never change x except at negative x, which is outside the image.
 */

/* (int)(5 * c + .5) of pycocotools for |c| <= MM_RLE_MAX_COORD. */
static int64_t upsample(double c)
{
    return (int64_t)(5.0 * c + 0.5);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static int add_point(mm_rle_ws *ws, uint64_t area, uint64_t pos);

/* Row of the boundary point for the smaller y (upsampled) of a step. */
static uint64_t boundary_row(int64_t v, uint32_t h)
{
    double yd = ((double)v + 0.5) / 5.0 - 0.5;
    if (yd < 0) yd = 0;
    else if (yd > (double)h) yd = (double)h;
    return (uint64_t)ceil(yd);
}

/* A step between points with x (upsampled) u_cur (later point) and u_prev, y min
 * v_min: a boundary point when it crosses column X's centre, 5X + 2 -> 5X + 3. */
static int step_point(mm_rle_ws *ws, uint64_t area, uint32_t h, uint32_t w, int64_t u_cur,
                      int64_t u_prev, int64_t v_min)
{
    int64_t xd = u_cur < u_prev ? u_cur : u_cur - 1;
    if (xd < 2 || (xd - 2) % 5 != 0) return MM_RLE_OK;
    int64_t X = (xd - 2) / 5;
    if (X > (int64_t)w - 1) return MM_RLE_OK;
    return add_point(ws, area, (uint64_t)X * h + boundary_row(v_min, h));
}

typedef struct {
    double s;
    int64_t xs, ys;
} edge_line;

/* The rounded minor coordinate at step t: (int)(start + s * t + .5). */
static int64_t minor_at(const edge_line *L, int64_t start, int64_t t)
{
    return (int64_t)(((double)start + L->s * (double)t) + 0.5);
}

/* pred(t): x(t) >= c when dir > 0, x(t) <= c when dir < 0; monotone in t (false, then
 * true) for the edge's direction. Smallest t in [lo, hi] with pred(t), given pred(hi).
 * The guess (from the real-valued line) is checked and corrected with the exact
 * expression, so it only decides the cost. */
static int pred_at(const edge_line *L, int dir, int64_t c, int64_t t)
{
    int64_t u = minor_at(L, L->xs, t);
    return dir > 0 ? u >= c : u <= c;
}

static int64_t first_true(const edge_line *L, int dir, int64_t c, int64_t lo, int64_t hi,
                          double guess)
{
    int64_t t = guess <= (double)lo ? lo : guess >= (double)hi ? hi : (int64_t)guess;
    if (pred_at(L, dir, c, t)) {
        for (int k = 0; k < 4; k++) {
            if (t == lo || !pred_at(L, dir, c, t - 1)) return t;
            t--;
        }
        hi = t;
    } else {
        for (int k = 0; k < 4; k++) {
            t++; /* t < hi: pred(hi) holds */
            if (pred_at(L, dir, c, t)) return t;
        }
        lo = t + 1;
    }
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (pred_at(L, dir, c, mid)) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

static int walk_edge(mm_rle_ws *ws, uint64_t area, uint32_t h, uint32_t w, int64_t x0,
                     int64_t y0, int64_t x1, int64_t y1)
{
    int64_t dx = x1 > x0 ? x1 - x0 : x0 - x1, dy = y1 > y0 ? y1 - y0 : y0 - y1;
    /* pycocotools walks from the end with the smaller major coordinate ("flip") but
     * emits the points in the edge's own direction. */
    int flip = (dx >= dy && x0 > x1) || (dx < dy && y0 > y1);
    int64_t xs = flip ? x1 : x0, ys = flip ? y1 : y0, xe = flip ? x0 : x1, ye = flip ? y0 : y1;
    const int64_t col_max = 5 * (int64_t)w - 3; /* crossings 5X+2 -> 5X+3, X <= w - 1 */
    int st;
    if (dx >= dy) {
        if (dx == 0) return MM_RLE_OK; /* a single point: no step */
        edge_line L = {(double)(ye - ys) / (double)dx, xs, ys};
        /* x steps by exactly 1: step t (x = xs + t -> xs + t + 1) crosses column X iff
         * xs + t == 5X + 2. */
        int64_t lo = xs, hi = xs + dx - 1;
        if (lo < 2) lo = 2;
        if (hi > col_max) hi = col_max;
        if (lo > hi) return MM_RLE_OK;
        int64_t X0 = floor_div(lo - 2 + 4, 5), X1 = floor_div(hi - 2, 5);
        for (int64_t X = X0; X <= X1; X++) {
            int64_t t = 5 * X + 2 - xs;
            int64_t v0 = minor_at(&L, ys, t), v1 = minor_at(&L, ys, t + 1);
            st = add_point(ws, area, (uint64_t)X * h + boundary_row(v0 < v1 ? v0 : v1, h));
            if (st != MM_RLE_OK) return st;
        }
        return MM_RLE_OK;
    }
    /* y steps by 1 (t = 0..dy); x(t) = (int)(xs + s * t + .5) is monotone in t and
     * changes by at most one per step except for coordinates far beyond any image. A
     * step that can yield column X's boundary point is the one where x first reaches
     * 5X + 3 (x increasing) or 5X + 2 (x decreasing); find it for each column the edge
     * spans, then let step_point apply pycocotools' exact test to the step. */
    edge_line L = {(double)(xe - xs) / (double)dy, xs, ys};
    const int64_t u0 = minor_at(&L, xs, 0), u1 = minor_at(&L, xs, dy);
    if (u0 == u1) return MM_RLE_OK;
    const int dir = u1 > u0 ? 1 : -1;
    int64_t Xa, Xb;
    if (dir > 0) { /* 5X + 3 in (u0, u1] */
        Xa = floor_div(u0 - 2 + 4, 5);
        Xb = floor_div(u1 - 3, 5);
    } else { /* 5X + 2 in [u1, u0) */
        Xa = floor_div(u1 - 2 + 4, 5);
        Xb = floor_div(u0 - 3, 5);
    }
    if (Xa < 0) Xa = 0;
    if (Xb > (int64_t)w - 1) Xb = (int64_t)w - 1;
    int64_t t_prev = 0;
    for (int64_t k = 0; k <= Xb - Xa; k++) {
        /* Columns in the order the edge meets them as t grows. */
        int64_t X = dir > 0 ? Xa + k : Xb - k;
        int64_t c = dir > 0 ? 5 * X + 3 : 5 * X + 2;
        /* x(t) + .5 reaches c (or falls below c + 1) near t = (c -+ .5 - xs) / s. */
        double guess = ((double)c + (dir > 0 ? -0.5 : 0.5) - (double)xs) / L.s;
        int64_t t = first_true(&L, dir, c, t_prev > 1 ? t_prev : 1, dy, ceil(guess));
        if (t == t_prev) continue; /* a step over several columns is one step */
        t_prev = t;
        /* Step t - 1 -> t. In emission order the later point is t unless flipped. */
        int64_t u_a = minor_at(&L, xs, t - 1), u_b = minor_at(&L, xs, t);
        st = step_point(ws, area, h, w, flip ? u_a : u_b, flip ? u_b : u_a, ys + t - 1);
        if (st != MM_RLE_OK) return st;
    }
    return MM_RLE_OK;
}

static void sort_u32(uint32_t *a, uint32_t *tmp, size_t n)
{
    if (n < 64) {
        for (size_t i = 1; i < n; i++) {
            uint32_t v = a[i];
            size_t j = i;
            while (j > 0 && a[j - 1] > v) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = v;
        }
        return;
    }
    /* LSD radix sort, one byte per pass; passes where every key has the same byte
     * are skipped. */
    size_t hist[4][256];
    memset(hist, 0, sizeof hist);
    for (size_t i = 0; i < n; i++)
        for (int b = 0; b < 4; b++) hist[b][(a[i] >> (8 * b)) & 0xff]++;
    uint32_t *src = a, *dst = tmp;
    for (int b = 0; b < 4; b++) {
        if (hist[b][(a[0] >> (8 * b)) & 0xff] == n) continue;
        size_t sum = 0;
        for (int d = 0; d < 256; d++) {
            size_t c = hist[b][d];
            hist[b][d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) dst[hist[b][(src[i] >> (8 * b)) & 0xff]++] = src[i];
        uint32_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a) memcpy(a, src, n * sizeof *a);
}

/* Boundary points are kept in a list; a polygon that makes more of them than a parity
 * bitmap of the image would take switches to that bitmap, so memory stays bounded by
 * the image size however many edges cross it. */
static int use_bitmap(mm_rle_ws *ws, uint64_t area)
{
    size_t words = (size_t)(area / 64 + 1); /* positions 0..area */
    if (ws->bits_words < words) {
        free(ws->bits);
        ws->bits = malloc(words * sizeof *ws->bits);
        if (ws->bits == NULL) {
            ws->bits_words = 0;
            return MM_RLE_ENOMEM;
        }
        ws->bits_words = words;
    }
    memset(ws->bits, 0, words * sizeof *ws->bits);
    for (size_t i = 0; i < ws->n_pts; i++) ws->bits[ws->pts[i] >> 6] ^= 1ull << (ws->pts[i] & 63);
    ws->n_pts = 0;
    ws->use_bits = 1;
    return MM_RLE_OK;
}

static int add_point(mm_rle_ws *ws, uint64_t area, uint64_t pos)
{
    if (ws->use_bits) {
        ws->bits[pos >> 6] ^= 1ull << (pos & 63);
        return MM_RLE_OK;
    }
    if (ws->n_pts == ws->pts_cap) {
        size_t limit = (size_t)(area / 32);
        if (limit < 65536) limit = 65536;
        if (ws->n_pts >= limit) {
            int st = use_bitmap(ws, area);
            if (st != MM_RLE_OK) return st;
            ws->bits[pos >> 6] ^= 1ull << (pos & 63);
            return MM_RLE_OK;
        }
        if (grow((void **)&ws->pts, &ws->pts_cap, ws->n_pts + 1, sizeof *ws->pts) != 0)
            return MM_RLE_ENOMEM;
    }
    ws->pts[ws->n_pts++] = (uint32_t)pos;
    return MM_RLE_OK;
}

static int lowest_bit(uint64_t x)
{
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_ctzll(x);
#else
    int b = 0;
    while (!((x >> b) & 1)) b++;
    return b;
#endif
}

/* Counts from the boundary points: a position toggles the mask when it occurs an odd
 * number of times (pycocotools' merging of zero differences does exactly that), and a
 * toggle at h * w falls on its end marker and vanishes. */
static int points_to_counts(mm_rle_ws *ws, uint64_t area)
{
    uint64_t prev = 0;
    ws->m = 0;
    if (ws->use_bits) {
        size_t words = (size_t)(area / 64 + 1);
        for (size_t k = 0; k < words; k++) {
            uint64_t bits = ws->bits[k];
            while (bits) {
                int b = lowest_bit(bits);
                bits &= bits - 1;
                uint64_t p = (uint64_t)k * 64 + (uint64_t)b;
                if (p >= area) break;
                if (push_count(ws, p - prev) != MM_RLE_OK) return MM_RLE_ENOMEM;
                prev = p;
            }
        }
    } else {
        size_t n = ws->n_pts;
        if (grow((void **)&ws->tmp, &ws->tmp_cap, n, sizeof *ws->tmp) != 0) return MM_RLE_ENOMEM;
        sort_u32(ws->pts, ws->tmp, n);
        for (size_t i = 0; i < n;) {
            size_t j = i + 1;
            while (j < n && ws->pts[j] == ws->pts[i]) j++;
            uint64_t p = ws->pts[i];
            if (((j - i) & 1) && p < area) {
                if (push_count(ws, p - prev) != MM_RLE_OK) return MM_RLE_ENOMEM;
                prev = p;
            }
            i = j;
        }
    }
    return push_count(ws, area - prev);
}

int mm_rle_from_poly(const double *xy, ptrdiff_t k, uint32_t h, uint32_t w, mm_rle_ws *ws)
{
    uint64_t area;
    ws->m = 0;
    if (k < 1) return MM_RLE_EPOLY;
    for (ptrdiff_t j = 0; j < 2 * k; j++)
        if (!isfinite(xy[j]) || fabs(xy[j]) > MM_RLE_MAX_COORD) return MM_RLE_EPOLY;
    if (area_of(h, w, &area) != MM_RLE_OK) return MM_RLE_ESIZE;
    if (area == 0) return push_count(ws, 0); /* the empty mask, as rleEncode writes it */
    ws->n_pts = 0;
    ws->use_bits = 0;
    int64_t xp = upsample(xy[0]), yp = upsample(xy[1]);
    const int64_t x0 = xp, y0 = yp;
    for (ptrdiff_t j = 0; j < k; j++) {
        int64_t xn = x0, yn = y0; /* the last edge closes the polygon */
        if (j + 1 < k) {
            xn = upsample(xy[2 * (j + 1)]);
            yn = upsample(xy[2 * (j + 1) + 1]);
        }
        int st = walk_edge(ws, area, h, w, xp, yp, xn, yn);
        if (st != MM_RLE_OK) return st;
        xp = xn;
        yp = yn;
    }
    return points_to_counts(ws, area);
}

int mm_rle_from_box(const double *bb, uint32_t h, uint32_t w, mm_rle_ws *ws)
{
    double xs = bb[0], xe = xs + bb[2], ys = bb[1], ye = ys + bb[3];
    const double xy[8] = {xs, ys, xs, ye, xe, ye, xe, ys};
    return mm_rle_from_poly(xy, 4, h, w, ws);
}
