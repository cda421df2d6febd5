#include "mm_json.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned char uchar;

/* 5^q ~ (hi * 2^64 + lo) * 2^e, truncated (see tools/gen_pow5.py). */
typedef struct {
    uint64_t hi, lo;
    int16_t e;
} mm_pow5;

#include "mm_pow5.inc"

/* ------------------------------------------------------------------------------------ */
/* 64 x 64 -> 128-bit products and leading zeros, with a portable path for compilers
 * without __int128 / __builtin_clzll (define MM_JSON_PORTABLE to test it). */

#if defined(__SIZEOF_INT128__) && !defined(MM_JSON_PORTABLE)
__extension__ typedef unsigned __int128 mm_u128;
static inline void mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    mm_u128 p = (mm_u128)a * b;
    *hi = (uint64_t)(p >> 64);
    *lo = (uint64_t)p;
}
#else
static inline void mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
    *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
    *lo = (mid << 32) | (uint32_t)p00;
}
#endif

#if (defined(__GNUC__) || defined(__clang__)) && !defined(MM_JSON_PORTABLE)
static inline int clz64(uint64_t x) { return __builtin_clzll(x); } /* x != 0 */
#else
static inline int clz64(uint64_t x)
{
    int n = 0;
    while (!(x & (UINT64_C(1) << 63))) {
        x <<= 1;
        n++;
    }
    return n;
}
#endif

/* ------------------------------------------------------------------------------------ */
/* Decimal to double, correctly rounded (ties to even), as Python's float(). */

enum { NUM_OK = 0, NUM_DEFER = 1, NUM_WILD = 2 };

#define MM_INF_BITS UINT64_C(0x7ff0000000000000)

static double from_bits(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* Round w * 10^q (w > 0, q within the table) to a double's bits.
 *
 * With wn = w << lz normalised to 64 bits and 5^q = (M + d) * 2^e, 0 <= d < 1, the
 * value is T * 2^(e + q - lz) with T = wn * (M + d). The 192-bit P = wn * M is computed
 * exactly; T lies in [P, P + 2^64), exactly P when M is 5^q itself (0 <= q <= 55).
 * The 53-bit mantissa is P's top bits (fewer for subnormals); rounding is decided by the
 * remainder R below it against the halfway point H. R + 2^64 <= H rounds down and R > H
 * rounds up whatever the error; R == H with an exact product is a tie. Only a remainder
 * within 2^64 below H is undecidable here: returns 1 with the lower candidate in *bits
 * (the upper one is *bits + 1), otherwise 0 with the rounded bits (>= MM_INF_BITS on
 * overflow). */
static int round_bits(uint64_t w, int q, uint64_t *bits)
{
    const mm_pow5 *t = &mm_pow5_table[q - MM_POW5_MIN_Q];
    int lz = clz64(w);
    uint64_t wn = w << lz;
    uint64_t a1, a0, b1, b0;
    mul64(wn, t->lo, &a1, &a0);
    mul64(wn, t->hi, &b1, &b0);
    uint64_t p0 = a0, p1 = b0 + a1;
    uint64_t p2 = b1 + (p1 < b0);
    int exact = q >= 0 && q <= MM_POW5_EXACT_MAX_Q;
    /* P >= 2^190: its top 53 bits leave k = 10 or 11 bits of p2 below the mantissa,
     * whose unit is then 2^E. */
    int k = 10 + (int)(p2 >> 63);
    int E = 128 + k + t->e + q - lz;
    if (E < -1074) { /* subnormal: keep fewer bits */
        int extra = -1074 - E;
        if (k + extra > 64) { /* T < 2^192 <= H: rounds to zero */
            *bits = 0;
            return 0;
        }
        k += extra;
        E = -1074;
    }
    uint64_t m, r2;
    if (k == 64) {
        m = 0;
        r2 = p2;
    } else {
        m = p2 >> k;
        r2 = p2 & ((UINT64_C(1) << k) - 1);
    }
    /* Compare X = r2:p1 (R without its low 64 bits) with half:0 (H likewise). */
    uint64_t half = UINT64_C(1) << (k - 1);
    uint64_t base = ((uint64_t)(E + 1074) << 52) + m; /* mantissa bit 52 bumps the exponent */
    int up;
    if (r2 < half - 1 || (r2 == half - 1 && p1 != UINT64_MAX)) {
        up = 0; /* X < H' - 1: R + 2^64 < H */
    } else if (r2 == half - 1) {
        if (p0 != 0 && !exact) { /* R within 2^64 below H */
            *bits = base;
            return 1;
        }
        up = 0;
    } else if (r2 == half && p1 == 0) {
        up = p0 != 0 || !exact ? 1 : (int)(m & 1); /* exact tie: to even */
    } else {
        up = 1;
    }
    *bits = base + (uint64_t)up;
    return 0;
}

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* |value| of w * 10^q, where the true decimal lies in [w, w + 1) * 10^q when `inexact`
 * (digits beyond the 19th were dropped, some nonzero). NUM_OK with *out; NUM_DEFER when
 * exact arithmetic is needed (*out is then a finite nonzero placeholder); NUM_WILD when
 * the result is infinite or might round to zero or infinity. */
static int decimal_to_double(uint64_t w, int64_t q, int inexact, double *out)
{
    if (w == 0) {
        *out = 0.0;
        return NUM_OK;
    }
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
    /* Clinger: w and 10^|q| are exact doubles, so one IEEE operation rounds correctly. */
    if (!inexact && w <= (UINT64_C(1) << 53) && q >= -22 && q <= 22) {
        double d = (double)w;
        *out = q < 0 ? d / pow10_exact[-q] : d * pow10_exact[q];
        return NUM_OK;
    }
#endif
    if (q < MM_POW5_MIN_Q) { /* < 10^19 * 10^-343 < 2^-1075 */
        *out = 0.0;
        return NUM_OK;
    }
    if (q > MM_POW5_MAX_Q)
        return NUM_WILD;
    uint64_t lo;
    int defer = round_bits(w, (int)q, &lo);
    uint64_t hi = lo + (uint64_t)defer;
    if (inexact) {
        /* Rounding is monotonic: equal roundings of both ends settle the value. */
        uint64_t b;
        int defer_b = round_bits(w + 1, (int)q, &b);
        hi = b + (uint64_t)defer_b;
    }
    if (hi >= MM_INF_BITS)
        return NUM_WILD;
    if (lo == hi) {
        *out = from_bits(lo);
        return NUM_OK;
    }
    if (lo == 0)
        return NUM_WILD;
    *out = from_bits(hi);
    return NUM_DEFER;
}

/* ------------------------------------------------------------------------------------ */
/* Reader state. Functions return 0 to go on; otherwise the outcome is recorded and
 * returned. MM_JSON_INVALID is recorded without stopping the scan. */

typedef struct {
    const uchar *start, *p, *end;
    mm_json_coco *out;
    int status;
    int invalid; /* a validation problem was recorded */
} rd;

static int stop(rd *r, int status, const uchar *at, const char *reason)
{
    r->status = status;
    r->out->offset = at - r->start;
    r->out->reason = reason;
    return status;
}

#define SYNTAX(at, why) stop(r, MM_JSON_SYNTAX, (at), (why))
#define FALLBACK(at, why) stop(r, MM_JSON_FALLBACK, (at), (why))
#define ENOMEM_AT(at) stop(r, MM_JSON_ENOMEM, (at), "out of memory")

static inline const uchar *ws(const uchar *p, const uchar *end)
{
    while (p < end && *p <= ' ' && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    return p;
}

static inline int is_digit(uchar c) { return (unsigned)(c - '0') < 10u; }

/* ------------------------------------------------------------------------------------ */
/* Numbers */


/* Eight bytes as a little-endian word (first byte lowest), whatever the platform. */
static inline uint64_t load8(const uchar *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
#else
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
#endif
}

#if (defined(__GNUC__) || defined(__clang__)) && !defined(MM_JSON_PORTABLE)
static inline int ctz64(uint64_t x) { return __builtin_ctzll(x); } /* x != 0 */
#else
static inline int ctz64(uint64_t x)
{
    int n = 0;
    while (!(x & 1)) {
        x >>= 1;
        n++;
    }
    return n;
}
#endif

/* How many of the 8 bytes of x (first byte lowest) are ASCII digits before the first
 * other byte. A byte is a digit when its high nibble is 3 and stays 3 after adding 6;
 * the nonzero high nibbles of `c` mark the other bytes. (Adding 6 carries out of a byte
 * only when it is >= 0xFA, which is not a digit: later bytes do not matter.) */
static inline int digit_run8(uint64_t x)
{
    const uint64_t hi = UINT64_C(0xF0F0F0F0F0F0F0F0), threes = UINT64_C(0x3030303030303030);
    uint64_t c = ((x & hi) ^ threes) | (((x + UINT64_C(0x0606060606060606)) & hi) ^ threes);
    return c ? ctz64(c) >> 3 : 8;
}

/* The value of 8 digit values (0..9, the most significant in the lowest byte):
 * neighbouring bytes into 2-digit values, 16-bit lanes into 4-digit values, then the
 * two halves. No step carries between lanes (99 < 2^8, 9999 < 2^16). */
static inline uint64_t value8(uint64_t x)
{
    x = x * 10 + (x >> 8);
    x = (x & UINT64_C(0x00FF00FF00FF00FF)) * 100 + ((x >> 16) & UINT64_C(0x00FF00FF00FF00FF));
    return (x & 0xFFFF) * 10000 + ((x >> 32) & 0xFFFF);
}

#define ASCII_ZEROS UINT64_C(0x3030303030303030)

static const uint64_t pow10_u64[9] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
                                      100000000};

static inline const uchar *skip_digits(const uchar *p, const uchar *end)
{
    while (end - p >= 8) {
        int k = digit_run8(load8(p));
        p += k;
        if (k < 8)
            return p;
    }
    while (p < end && is_digit(*p))
        p++;
    return p;
}

/* w * 10^(e - s) + the digits [s, e) (e - s < 20; the buffer ends at `end`). */
static inline uint64_t digits_value(uint64_t w, const uchar *s, const uchar *e,
                                   const uchar *end)
{
    for (; e - s >= 8; s += 8)
        w = w * 100000000 + value8(load8(s) - ASCII_ZEROS);
    int n = (int)(e - s);
    if (n == 0)
        return w;
    if (end - s >= 8) {
        /* The n digits moved to the top bytes, zeros below: leading zeros of 8 digits.
         * Subtracting '0's borrows only out of the bytes after the digits (shifted out). */
        uint64_t x = (load8(s) - ASCII_ZEROS) << (8 * (8 - n));
        return w * pow10_u64[n] + value8(x);
    }
    for (; s < e; s++)
        w = w * 10 + (uint64_t)(*s - '0');
    return w;
}

/* The syntax of a JSON number at r->p (which holds '-' or a digit). */
typedef struct {
    const uchar *int_start, *int_end, *frac_start, *frac_end;
    int64_t e; /* the exponent (saturated) */
    int negative;
    int is_int; /* no fraction, no exponent: Python's json makes an int */
} numsyn;

static inline int scan_syntax(rd *r, numsyn *t)
{
    const uchar *p = r->p, *end = r->end;
    t->negative = 0;
    t->is_int = 1;
    if (*p == '-') {
        t->negative = 1;
        if (++p == end)
            return SYNTAX(p, "no digit after minus sign");
    }
    t->int_start = p;
    if (*p == '0') {
        p++; /* JSON has no leading zeros: a digit after it ends the number */
    } else if (*p >= '1' && *p <= '9') {
        p = skip_digits(p + 1, end);
    } else if (t->negative && *p == 'I') {
        return FALLBACK(p, "NaN or Infinity literal");
    } else {
        return SYNTAX(p, "no digit after minus sign");
    }
    t->int_end = t->frac_start = t->frac_end = p;
    if (p < end && *p == '.') {
        t->is_int = 0;
        t->frac_start = ++p;
        if (p == end || !is_digit(*p))
            return SYNTAX(p, "no digit after decimal point");
        p = t->frac_end = skip_digits(p, end);
    }
    t->e = 0;
    if (p < end && (*p | 0x20) == 'e') {
        t->is_int = 0;
        int eneg = 0;
        if (++p < end && (*p == '+' || *p == '-')) {
            eneg = *p == '-';
            p++;
        }
        if (p == end || !is_digit(*p))
            return SYNTAX(p, "no digit in exponent");
        int64_t e = 0;
        do {
            if (e < 1000000000) /* saturate: far beyond any double either way */
                e = e * 10 + (*p - '0');
            p++;
        } while (p < end && is_digit(*p));
        t->e = eneg ? -e : e;
    }
    r->p = p;
    return 0;
}

typedef struct {
    uint64_t w;  /* first 19 significant digits */
    int64_t q;   /* value = w * 10^q, up to the dropped digits */
    int sig;     /* significant digits in w (or an upper bound) */
    int negative;
    int is_int;
    int inexact; /* nonzero digits were dropped */
} numtok;

/* The decimal value of a scanned number. */
static inline void number_value(const rd *r, const numsyn *s, numtok *t)
{
    ptrdiff_t n_int = s->int_end - s->int_start, n_frac = s->frac_end - s->frac_start;
    t->negative = s->negative;
    t->is_int = s->is_int;
    t->inexact = 0;
    if (n_int + n_frac <= 19) { /* the common case: every digit fits w */
        t->w = digits_value(digits_value(0, s->int_start, s->int_end, r->end), s->frac_start,
                            s->frac_end, r->end);
        t->q = s->e - n_frac;
        t->sig = (int)(n_int + n_frac);
        return;
    }
    /* Keep the first 19 significant digits; the rest only scale or set inexact. */
    uint64_t w = 0;
    int64_t q = s->e;
    int sig = 0, inexact = 0;
    for (const uchar *d = s->int_start; d < s->int_end; d++) {
        if (sig < 19) {
            w = w * 10 + (uint64_t)(*d - '0');
            sig += w != 0;
        } else {
            q++;
            inexact |= *d != '0';
        }
    }
    for (const uchar *d = s->frac_start; d < s->frac_end; d++) {
        if (sig < 19) {
            w = w * 10 + (uint64_t)(*d - '0');
            sig += w != 0; /* leading zeros only scale */
            q--;
        } else {
            inexact |= *d != '0';
        }
    }
    t->w = w;
    t->q = q;
    t->sig = sig;
    t->inexact = inexact;
}

static inline int scan_number(rd *r, numtok *t)
{
    numsyn s;
    if (scan_syntax(r, &s))
        return r->status;
    number_value(r, &s, t);
    return 0;
}

/* A skipped number still decides between json and orjson: the latter rejects numbers
 * that overflow to infinity (ints included), the former returns inf (or a big int). */
static int skip_number(rd *r)
{
    const uchar *at = r->p;
    numsyn s;
    if (scan_syntax(r, &s))
        return r->status;
    if (s.e == 0 && s.int_end - s.int_start <= 308)
        return 0; /* < 10^308 */
    numtok t;
    number_value(r, &s, &t);
    if (t.w != 0 && t.sig + t.q > 308) {
        double d;
        if (decimal_to_double(t.w, t.q, t.inexact, &d) == NUM_WILD)
            return FALLBACK(at, "number overflows to infinity");
    }
    return 0;
}

/* ------------------------------------------------------------------------------------ */
/* Strings */

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* Flags (bit 7 of a byte) the bytes of x (first byte lowest) that are '"', '\\', a
 * control character or non-ASCII; nonzero when there is one. The lowest flag is exact:
 * a borrow reaches a byte only from a lower byte that is flagged itself (higher flags may
 * be spurious). */
static inline uint64_t special8(uint64_t x)
{
    uint64_t qt = x ^ (ONES * '"'), bs = x ^ (ONES * '\\');
    uint64_t t = ((qt - ONES) & ~qt) | ((bs - ONES) & ~bs) | (x - ONES * 0x20) | x;
    return t & HIGHS;
}

static int hex4(const uchar *p, const uchar *end, unsigned *v)
{
    if (end - p < 4)
        return 1;
    unsigned x = 0;
    for (int i = 0; i < 4; i++) {
        uchar c = p[i];
        unsigned d;
        if (is_digit(c))
            d = (unsigned)(c - '0');
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            d = (unsigned)((c | 0x20) - 'a' + 10);
        else
            return 1;
        x = x * 16 + d;
    }
    *v = x;
    return 0;
}

/* An escape at *pp (the backslash): 0 with *pp past it and *cp its code point, 1 when
 * malformed, 2 for a lone surrogate (json accepts those, orjson does not). */
static int escape_at(const uchar **pp, const uchar *end, unsigned *cp)
{
    const uchar *p = *pp + 1;
    if (p == end)
        return 1;
    switch (*p) {
    case '"': *cp = '"'; break;
    case '\\': *cp = '\\'; break;
    case '/': *cp = '/'; break;
    case 'b': *cp = '\b'; break;
    case 'f': *cp = '\f'; break;
    case 'n': *cp = '\n'; break;
    case 'r': *cp = '\r'; break;
    case 't': *cp = '\t'; break;
    case 'u': {
        unsigned u, lo;
        if (hex4(p + 1, end, &u))
            return 1;
        p += 4;
        if (u >= 0xDC00 && u <= 0xDFFF)
            return 2;
        if (u >= 0xD800 && u <= 0xDBFF) {
            if (end - p < 7 || p[1] != '\\' || p[2] != 'u' || hex4(p + 3, end, &lo) ||
                lo < 0xDC00 || lo > 0xDFFF)
                return 2;
            p += 6;
            u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
        }
        *cp = u;
        break;
    }
    default:
        return 1;
    }
    *pp = p + 1;
    return 0;
}

/* Length of the well-formed UTF-8 sequence at p (p[0] >= 0x80), 0 if ill-formed. */
static int utf8_seq(const uchar *p, const uchar *end)
{
    uchar c = p[0];
    ptrdiff_t avail = end - p;
    if (c >= 0xC2 && c <= 0xDF)
        return avail >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (avail < 3 || (p[2] & 0xC0) != 0x80)
            return 0;
        uchar lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF; /* no overlong, no surrogates */
        return p[1] >= lo && p[1] <= hi ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (avail < 4 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        uchar lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF; /* <= U+10FFFF */
        return p[1] >= lo && p[1] <= hi ? 4 : 0;
    }
    return 0;
}

/* Longest key we look for, decoded. */
#define KEY_MAX 16

/* The string at r->p (its opening quote). With `key`, *key and *n also give its
 * content: the raw bytes when it has no escapes, else decoded into buf when short and
 * ASCII (*n = -1 otherwise: it cannot be one of our keys). */
static int scan_string(rd *r, const char **key, int *n, char *buf)
{
    const uchar *p = r->p + 1, *end = r->end, *s = p;
    int escaped = 0;
    for (;;) {
        while (end - p >= 8) {
            uint64_t m = special8(load8(p));
            if (m) {
                p += ctz64(m) >> 3; /* the first special byte */
                break;
            }
            p += 8;
        }
        while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
            p++;
        if (p == end)
            return SYNTAX(r->p, "unterminated string");
        if (*p == '"')
            break;
        if (*p == '\\') {
            unsigned cp;
            const uchar *at = p;
            int e = escape_at(&p, end, &cp);
            if (e == 1)
                return SYNTAX(at, "invalid escape");
            if (e == 2)
                return FALLBACK(at, "lone surrogate escape");
            escaped = 1;
            continue;
        }
        if (*p < 0x20)
            return SYNTAX(p, "control character in string");
        int len = utf8_seq(p, end);
        if (!len)
            return SYNTAX(p, "invalid UTF-8");
        p += len;
    }
    r->p = p + 1;
    if (key) {
        *n = -1;
        if (!escaped) {
            if (p - s <= KEY_MAX) {
                *key = (const char *)s;
                *n = (int)(p - s);
            }
            return 0;
        }
        /* Rare: decode the escapes (already validated) to compare the key. */
        int k = 0;
        const uchar *q = s;
        while (q < p) {
            unsigned cp;
            if (*q == '\\')
                escape_at(&q, p, &cp);
            else
                cp = *q++;
            if (cp >= 0x80 || k == KEY_MAX)
                return 0;
            buf[k++] = (char)cp;
        }
        *key = buf;
        *n = k;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------ */
/* Keys of the layouts */

enum {
    K_OTHER = 0,
    K_IMAGE_ID,
    K_CATEGORY_ID,
    K_BBOX,
    K_SCORE,
    K_AREA,
    K_ID,
    K_ISCROWD,
    K_IMAGES,
    K_ANNOTATIONS,
    K_CATEGORIES,
    K_SEGMENTATION,
    K_COUNTS,
    K_SIZE,
    K_KEYPOINTS,
    K_CAPTION,
    K_NUM_KEYPOINTS
};

static inline int key_code(const char *s, int n)
{
#define IS(lit) (memcmp(s, lit, sizeof(lit) - 1) == 0)
    switch (n) {
    case 2: return IS("id") ? K_ID : K_OTHER;
    case 4: return IS("bbox") ? K_BBOX : IS("area") ? K_AREA : IS("size") ? K_SIZE : K_OTHER;
    case 5: return IS("score") ? K_SCORE : K_OTHER;
    case 6: return IS("images") ? K_IMAGES : IS("counts") ? K_COUNTS : K_OTHER;
    case 7: return IS("iscrowd") ? K_ISCROWD : IS("caption") ? K_CAPTION : K_OTHER;
    case 8: return IS("image_id") ? K_IMAGE_ID : K_OTHER;
    case 9: return IS("keypoints") ? K_KEYPOINTS : K_OTHER;
    case 10: return IS("categories") ? K_CATEGORIES : K_OTHER;
    case 11: return IS("category_id") ? K_CATEGORY_ID : IS("annotations") ? K_ANNOTATIONS : K_OTHER;
    case 12: return IS("segmentation") ? K_SEGMENTATION : K_OTHER;
    case 13: return IS("num_keypoints") ? K_NUM_KEYPOINTS : K_OTHER;
    default: return K_OTHER;
    }
#undef IS
}

/* Our keys spelt without escapes, quotes included: most keys are one of these. */
static inline int known_key(const uchar *p, const uchar *end, int *code)
{
#define TRY(lit, k)                                                                      \
    if (end - p >= (ptrdiff_t)sizeof(lit) - 1 && memcmp(p, lit, sizeof(lit) - 1) == 0) { \
        *code = k;                                                                       \
        return (int)sizeof(lit) - 1;                                                     \
    }
    switch (p[1]) {
    case 'i':
        TRY("\"image_id\"", K_IMAGE_ID);
        TRY("\"id\"", K_ID);
        TRY("\"iscrowd\"", K_ISCROWD);
        break;
    case 'c': TRY("\"category_id\"", K_CATEGORY_ID); break;
    case 'b': TRY("\"bbox\"", K_BBOX); break;
    case 's':
        TRY("\"score\"", K_SCORE);
        TRY("\"segmentation\"", K_SEGMENTATION);
        break;
    case 'a': TRY("\"area\"", K_AREA); break;
    case 'k': TRY("\"keypoints\"", K_KEYPOINTS); break;
    default: break;
    }
    return 0;
#undef TRY
}

/* A member's key at r->p, then ':'; leaves r->p at the value. */
static inline int read_key(rd *r, int *code)
{
    if (r->p == r->end || *r->p != '"')
        return SYNTAX(r->p, "expected a string key");
    int known = code && r->end - r->p >= 2 ? known_key(r->p, r->end, code) : 0;
    if (known) {
        r->p += known; /* plainly spelt: nothing to check or decode */
    } else {
        char buf[KEY_MAX];
        const char *key = NULL;
        int n = -1;
        if (scan_string(r, code ? &key : NULL, &n, buf))
            return r->status;
        if (code)
            *code = n < 0 ? K_OTHER : key_code(key, n);
    }
    r->p = ws(r->p, r->end);
    if (r->p == r->end || *r->p != ':')
        return SYNTAX(r->p, "expected ':'");
    r->p = ws(r->p + 1, r->end);
    return 0;
}

/* After a member or element: ',' (then *more = 1) or the closing bracket. */
static inline int next_or_close(rd *r, uchar close, int *more)
{
    r->p = ws(r->p, r->end);
    if (r->p < r->end) {
        if (*r->p == ',') {
            r->p = ws(r->p + 1, r->end);
            *more = 1;
            return 0;
        }
        if (*r->p == close) {
            r->p++;
            *more = 0;
            return 0;
        }
    }
    return SYNTAX(r->p, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
}

/* At r->p, the opening bracket `open` of an array or object we read: steps inside, with
 * *more = 0 when it is empty (and then already closed). Another value falls back (`why`):
 * it is outside the layout. */
static inline int open_container(rd *r, uchar open, const char *why, int *more)
{
    if (r->p == r->end)
        return SYNTAX(r->p, "expected a value");
    if (*r->p != open)
        return FALLBACK(r->p, why);
    r->p = ws(r->p + 1, r->end);
    *more = 1;
    if (r->p < r->end && *r->p == (open == '[' ? ']' : '}')) {
        r->p++;
        *more = 0;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------ */
/* Skipping any value, iteratively (bounded depth). */

static int skip_value(rd *r)
{
    uchar stack[MM_JSON_MAX_DEPTH];
    int depth = 0;
    const uchar *end = r->end;
    for (;;) {
        if (r->p == end)
            return SYNTAX(r->p, "expected a value");
        uchar c = *r->p;
        if (c == '"') {
            if (scan_string(r, NULL, NULL, NULL))
                return r->status;
        } else if (c == '-' || is_digit(c)) {
            if (skip_number(r))
                return r->status;
        } else if (c == '{' || c == '[') {
            if (depth == MM_JSON_MAX_DEPTH)
                return FALLBACK(r->p, "nesting too deep");
            uchar close = c == '{' ? '}' : ']';
            r->p = ws(r->p + 1, end);
            if (r->p < end && *r->p == close) {
                r->p++;
            } else {
                stack[depth++] = close;
                if (close == '}' && read_key(r, NULL))
                    return r->status;
                continue; /* to the first member's value */
            }
        } else if (c == 't' && end - r->p >= 4 && memcmp(r->p, "true", 4) == 0) {
            r->p += 4;
        } else if (c == 'f' && end - r->p >= 5 && memcmp(r->p, "false", 5) == 0) {
            r->p += 5;
        } else if (c == 'n' && end - r->p >= 4 && memcmp(r->p, "null", 4) == 0) {
            r->p += 4;
        } else if (c == 'N' || c == 'I') {
            return FALLBACK(r->p, "NaN or Infinity literal");
        } else {
            return SYNTAX(r->p, "expected a value");
        }
        /* A value ended: close containers until one has a next member. */
        for (;;) {
            if (depth == 0)
                return 0;
            int more;
            uchar close = stack[depth - 1];
            if (next_or_close(r, close, &more))
                return r->status;
            if (more) {
                if (close == '}' && read_key(r, NULL))
                    return r->status;
                break;
            }
            depth--;
        }
    }
}

/* ------------------------------------------------------------------------------------ */
/* Values of read fields */

/* An id: an integer that fits int64 (Python's json makes anything else a float, a
 * big int or another type: the dict extractor's business). */
static int read_id(rd *r, int64_t *v)
{
    const uchar *at = r->p;
    if (at == r->end)
        return SYNTAX(at, "expected a value");
    if (*at != '-' && !is_digit(*at))
        return FALLBACK(at, "an id is not an integer");
    numtok t;
    if (scan_number(r, &t))
        return r->status;
    if (!t.is_int || t.q != 0 || t.w > (UINT64_C(1) << 63) - !t.negative)
        return FALLBACK(at, "an id is not a 64-bit integer");
    if (!t.negative)
        *v = (int64_t)t.w;
    else
        *v = t.w == (UINT64_C(1) << 63) ? INT64_MIN : -(int64_t)t.w;
    return 0;
}

/* The value of a number token read into a column. *deferred = 1 when the caller must
 * convert the token exactly (*v is then a placeholder of the right sign, finite and
 * nonzero). *big = 1 for an integer orjson cannot keep as a 64-bit int (it makes it a
 * float, json a big int): the caller decides. */
static int token_value(rd *r, const numtok *t, const uchar *at, double *v, int *deferred, int *big)
{
    double d;
    *deferred = 0;
    *big = t->is_int && (t->q != 0 || (t->negative && t->w > (UINT64_C(1) << 63)));
    int s = decimal_to_double(t->w, t->q, t->inexact, &d);
    if (s == NUM_WILD && (!*big || t->sig + t->q > 308))
        return FALLBACK(at, "a number rounds to infinity (or may round to zero)");
    if (*big) {
        *v = 0.0;
        return 0;
    }
    *deferred = s == NUM_DEFER;
    *v = t->negative && !(t->is_int && d == 0.0) ? -d : d; /* the int -0 is 0 */
    return 0;
}

/* A number field (score, area, numbers layout); non-numbers fall back. */
static int read_number(rd *r, double *v, int *deferred)
{
    const uchar *at = r->p;
    if (at == r->end)
        return SYNTAX(at, "expected a value");
    if (*at != '-' && !is_digit(*at))
        return FALLBACK(at, "a number field holds another type");
    numtok t;
    int big;
    if (scan_number(r, &t) || token_value(r, &t, at, v, deferred, &big))
        return r->status;
    if (big)
        return FALLBACK(at, "an integer beyond 64 bits");
    return 0;
}

static int is_number_start(const rd *r) { return r->p < r->end && (*r->p == '-' || is_digit(*r->p)); }

/* ------------------------------------------------------------------------------------ */
/* Output columns */

static int grow(void **ptr, ptrdiff_t *cap, ptrdiff_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    ptrdiff_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(*ptr, (size_t)c * size);
    if (!q)
        return 1;
    *ptr = q;
    *cap = c;
    return 0;
}

/* Room for row n in every column of the layout. */
static int reserve_row(rd *r, int layout)
{
    mm_json_coco *o = r->out;
    if (o->n < o->cap)
        return 0;
    /* First guess: every row of a valid document takes at least ~60 bytes, so this
     * rarely grows; pages never written are never committed. */
    ptrdiff_t c = o->cap ? 2 * o->cap : (r->end - r->start) / 60 + 16;
#define RE(field, per_row)                                                               \
    do {                                                                                 \
        void *q_ = realloc(o->field, (size_t)c * (per_row) * sizeof *o->field);          \
        if (!q_)                                                                         \
            return ENOMEM_AT(r->p);                                                      \
        o->field = q_;                                                                   \
    } while (0)
    if (layout == MM_JSON_NUMBERS) {
        RE(score, 1);
    } else {
        RE(image_id, 1);
        RE(category_id, 1);
        RE(bbox, 4);
        RE(seg_off, 1);
        RE(seg_len, 1);
        if (layout == MM_JSON_RESULTS) {
            RE(score, 1);
        } else {
            RE(ann_id, 1);
            RE(area, 1);
            RE(crowd, 1);
            RE(kp_off, 1);
            RE(kp_len, 1);
            RE(num_kp_zero, 1);
        }
    }
#undef RE
    o->cap = c;
    return 0;
}

static int defer(rd *r, ptrdiff_t row, int slot, const uchar *tok, const uchar *tok_end)
{
    mm_json_coco *o = r->out;
    if (tok_end - tok > INT32_MAX)
        return FALLBACK(tok, "number token too long");
    if (grow((void **)&o->deferred, &o->cap_deferred, o->n_deferred + 1, sizeof *o->deferred))
        return ENOMEM_AT(tok);
    mm_json_deferred *d = &o->deferred[o->n_deferred++];
    d->row = row;
    d->offset = tok - r->start;
    d->len = (int32_t)(tok_end - tok);
    d->slot = slot;
    return 0;
}

static void invalid(rd *r, ptrdiff_t index, int field, int problem)
{
    if (r->invalid)
        return;
    r->invalid = 1;
    r->out->err_index = index;
    r->out->err_field = field;
    r->out->err_problem = problem;
}

/* ------------------------------------------------------------------------------------ */
/* One annotation or result object */

#define BIT(k) (1u << (k))

typedef struct {
    unsigned seen;
    int64_t image_id, category_id, id, iscrowd;
    double bbox[4], score, area;
    int bbox_n;        /* elements (-1: no bbox) */
    const uchar *seg_at, *seg_end; /* the segmentation value, when seen */
    const uchar *kp_at, *kp_end;   /* the keypoints value, when seen */
    int num_kp_zero;               /* ground truth: num_keypoints == 0, in Python's terms */
    int bbox_slow;     /* a bbox element is not a plain number */
    /* tokens of deferred numbers: slot -> [start, end) */
    int n_tok;
    int tok_slot[6];
    const uchar *tok[6], *tok_end[6];
} obj;

static void keep_token(obj *o, int slot, const uchar *at, const uchar *end)
{
    o->tok_slot[o->n_tok] = slot;
    o->tok[o->n_tok] = at;
    o->tok_end[o->n_tok] = end;
    o->n_tok++;
}

static int read_bbox(rd *r, obj *o)
{
    int n = 0, more;
    if (open_container(r, '[', "a bbox is not an array", &more))
        return r->status;
    while (more) {
        if (!is_number_start(r)) {
            /* Only matters in a 4-element bbox (the extractor checks the length first). */
            if (skip_value(r))
                return r->status;
            o->bbox_slow = 1;
        } else if (n >= 4) {
            if (skip_number(r))
                return r->status;
        } else {
            const uchar *at = r->p;
            numtok t;
            int deferred, big;
            if (scan_number(r, &t) || token_value(r, &t, at, &o->bbox[n], &deferred, &big))
                return r->status;
            o->bbox_slow |= big;
            if (deferred)
                keep_token(o, MM_JSON_D_BBOX0 + n, at, r->p);
        }
        n++;
        if (next_or_close(r, ']', &more))
            return r->status;
    }
    o->bbox_n = n;
    return 0;
}

/* The object at r->p ('{') of a results (gt = 0) or annotations (gt = 1) array. */
static int read_object(rd *r, obj *o, int gt)
{
    /* Results ignore area/id/iscrowd (loadRes overwrites them), annotations score. */
    const unsigned fields = BIT(K_IMAGE_ID) | BIT(K_CATEGORY_ID) | BIT(K_BBOX) |
                            BIT(K_SEGMENTATION) |
                            BIT(K_KEYPOINTS) |
                            (gt ? BIT(K_AREA) | BIT(K_ID) | BIT(K_ISCROWD) | BIT(K_NUM_KEYPOINTS)
                                : BIT(K_SCORE) | BIT(K_CAPTION));
    /* Only what is read unconditionally; the rest is read once `seen` says it was set. */
    o->seen = 0;
    o->iscrowd = 0;
    o->bbox_n = -1;
    o->bbox_slow = 0;
    o->n_tok = 0;
    int more;
    if (open_container(r, '{', "an element is not an object", &more))
        return r->status;
    while (more) {
        int code = K_OTHER;
        if (read_key(r, &code))
            return r->status;
        /* A ground truth carrying scores may be used as detections (COCO(); dataset =
         * ...; createIndex(), as torchmetrics builds them): its dicts are read. */
        if (gt && code == K_SCORE)
            return FALLBACK(r->p, "an annotation has a score");
        if (code == K_OTHER || !(fields & BIT(code))) {
            if (skip_value(r))
                return r->status;
        } else {
            if (o->seen & BIT(code))
                return FALLBACK(r->p, "a duplicate key");
            o->seen |= BIT(code);
            if (code == K_BBOX) {
                if (read_bbox(r, o))
                    return r->status;
            } else if (code == K_SEGMENTATION) {
                o->seg_at = r->p; /* checked like any skipped value, parsed on demand */
                if (skip_value(r))
                    return r->status;
                o->seg_end = r->p;
            } else if (code == K_KEYPOINTS) {
                o->kp_at = r->p; /* parsed on demand, like segmentations */
                if (skip_value(r))
                    return r->status;
                o->kp_end = r->p;
            } else if (code == K_CAPTION) {
                if (skip_value(r)) /* only its presence matters */
                    return r->status;
            } else if (code == K_NUM_KEYPOINTS) {
                /* pycocotools tests num_keypoints == 0: numbers equal to zero and false
                 * are; anything else is not. */
                if (r->p < r->end && (*r->p == '-' || is_digit(*r->p))) {
                    numtok t;
                    if (scan_number(r, &t))
                        return r->status;
                    o->num_kp_zero = t.w == 0;
                } else {
                    o->num_kp_zero = r->end - r->p >= 5 && memcmp(r->p, "false", 5) == 0;
                    if (skip_value(r))
                        return r->status;
                }
            } else if (code == K_SCORE || code == K_AREA) {
                const uchar *at = r->p;
                int deferred;
                if (read_number(r, code == K_SCORE ? &o->score : &o->area, &deferred))
                    return r->status;
                if (deferred)
                    keep_token(o, code == K_SCORE ? MM_JSON_D_SCORE : MM_JSON_D_AREA, at, r->p);
            } else {
                int64_t *dst = code == K_IMAGE_ID      ? &o->image_id
                               : code == K_CATEGORY_ID ? &o->category_id
                               : code == K_ID          ? &o->id
                                                       : &o->iscrowd;
                if (read_id(r, dst))
                    return r->status;
            }
        }
        if (next_or_close(r, '}', &more))
            return r->status;
    }
    return 0;
}

/* The dict extractor's checks, in its order; 0 when the row is good. */
static int check_object(rd *r, const obj *o, ptrdiff_t index, int gt)
{
    int field = -1, problem = MM_JSON_P_MISSING;
    const int keypoints = !gt && r->out->keypoints; /* boxes come from the keypoints */
    if (keypoints && !(o->seen & BIT(K_KEYPOINTS)))
        return FALLBACK(r->p, "a keypoint result without keypoints");
    if (!(o->seen & BIT(K_IMAGE_ID)))
        field = MM_JSON_F_IMAGE_ID;
    else if (!(o->seen & BIT(K_CATEGORY_ID)))
        field = MM_JSON_F_CATEGORY_ID;
    else if (keypoints)
        ; /* loadRes overwrites any box with the keypoints' */
    else if (o->bbox_n < 0)
        field = MM_JSON_F_BBOX;
    else if (o->bbox_n != 4)
        field = MM_JSON_F_BBOX, problem = MM_JSON_P_BBOX_SHAPE;
    else if (o->bbox_slow)
        return FALLBACK(r->p, "a bbox element is not a plain number");
    else if (o->bbox[2] < 0 || o->bbox[3] < 0)
        field = MM_JSON_F_BBOX, problem = MM_JSON_P_BBOX_NEGATIVE;
    else if (!gt && !(o->seen & BIT(K_SCORE)))
        field = MM_JSON_F_SCORE;
    else if (gt && !(o->seen & BIT(K_AREA)))
        field = MM_JSON_F_AREA;
    else if (gt && !(o->seen & BIT(K_ID)))
        field = MM_JSON_F_ID;
    if (field >= 0) {
        invalid(r, index, field, problem);
        return 1;
    }
    return 0;
}

static int store_object(rd *r, const obj *o, int layout)
{
    mm_json_coco *out = r->out;
    if (reserve_row(r, layout))
        return r->status;
    ptrdiff_t i = out->n;
    out->image_id[i] = o->image_id;
    out->category_id[i] = o->category_id;
    memcpy(out->bbox + 4 * i, o->bbox, sizeof o->bbox);
    if (layout == MM_JSON_RESULTS && out->keypoints) { /* the span of the keypoints */
        out->seg_off[i] = o->kp_at - r->start;
        out->seg_len[i] = o->kp_end - o->kp_at;
    } else if (o->seen & BIT(K_SEGMENTATION)) {
        out->seg_off[i] = o->seg_at - r->start;
        out->seg_len[i] = o->seg_end - o->seg_at;
    } else {
        out->seg_off[i] = 0;
        out->seg_len[i] = -1;
    }
    if (layout == MM_JSON_RESULTS) {
        out->score[i] = o->score;
    } else {
        out->ann_id[i] = o->id;
        out->area[i] = o->area;
        out->crowd[i] = o->iscrowd != 0;
        const int has_kp = (o->seen & BIT(K_KEYPOINTS)) != 0;
        out->kp_off[i] = has_kp ? o->kp_at - r->start : 0;
        out->kp_len[i] = has_kp ? o->kp_end - o->kp_at : -1;
        out->num_kp_zero[i] = !(o->seen & BIT(K_NUM_KEYPOINTS)) ? 2 : (uint8_t)o->num_kp_zero;
    }
    for (int j = 0; j < o->n_tok; j++)
        if (defer(r, i, o->tok_slot[j], o->tok[j], o->tok_end[j]))
            return r->status;
    out->n = i + 1;
    return 0;
}

/* One element of the results (gt = 0) or annotations (gt = 1) array, at r->p; element
 * `index` of the array (the first one has loadRes's own check). */
static int read_element(rd *r, int gt, ptrdiff_t index, int *missing_index_key,
                        int *missing_category)
{
    obj o;
    const uchar *at = r->p;
    if (read_object(r, &o, gt))
        return r->status;
    if (!gt && index == 0 && (o.seen & BIT(K_CAPTION)))
        return FALLBACK(at, "caption results");
    if (!gt && index == 0 && o.bbox_n <= 0) {
        /* loadRes's branches: keypoints without a box or a segmentation; else its own
         * message (or the segmentation branch) from the dict path */
        if ((o.seen & BIT(K_KEYPOINTS)) && !(o.seen & BIT(K_SEGMENTATION)))
            r->out->keypoints = 1;
        else
            return FALLBACK(at, "result 0 has no bbox or an empty one");
    }
    if (gt) {
        if (!(o.seen & BIT(K_IMAGE_ID)) || !(o.seen & BIT(K_ID)))
            *missing_index_key = 1;
        if (!(o.seen & BIT(K_CATEGORY_ID)))
            *missing_category = 1;
    }
    int bad = check_object(r, &o, index, gt);
    if (r->status)
        return r->status;
    if (!bad && !r->invalid && store_object(r, &o, gt ? MM_JSON_GROUND_TRUTH : MM_JSON_RESULTS))
        return r->status;
    return 0;
}

/* The array at r->p of results (gt = 0) or annotations (gt = 1). */
static int read_objects(rd *r, int gt, int *missing_index_key, int *missing_category)
{
    int more;
    if (open_container(r, '[', gt ? "annotations is not an array" : "the top level is not an array",
                       &more))
        return r->status;
    for (ptrdiff_t index = 0; more; index++) {
        if (read_element(r, gt, index, missing_index_key, missing_category))
            return r->status;
        if (next_or_close(r, ']', &more))
            return r->status;
    }
    return 0;
}

/* images or categories: an array of objects whose "id" we keep. */
static int read_id_list(rd *r, int64_t **ids, ptrdiff_t *n, ptrdiff_t *cap, int *missing)
{
    int more;
    if (open_container(r, '[', "images or categories is not an array", &more))
        return r->status;
    while (more) {
        int64_t id = 0;
        int seen = 0, in_obj;
        if (open_container(r, '{', "an element is not an object", &in_obj))
            return r->status;
        while (in_obj) {
            int code = K_OTHER;
            if (read_key(r, &code))
                return r->status;
            if (code == K_ID) {
                if (seen)
                    return FALLBACK(r->p, "a duplicate key");
                seen = 1;
                if (read_id(r, &id))
                    return r->status;
            } else if (skip_value(r)) {
                return r->status;
            }
            if (next_or_close(r, '}', &in_obj))
                return r->status;
        }
        if (!seen)
            *missing = 1;
        if (grow((void **)ids, cap, *n + 1, sizeof **ids))
            return ENOMEM_AT(r->p);
        (*ids)[(*n)++] = id;
        if (next_or_close(r, ']', &more))
            return r->status;
    }
    return 0;
}

static int read_ground_truth(rd *r)
{
    mm_json_coco *o = r->out;
    int more, missing = 0, missing_category = 0;
    if (open_container(r, '{', "the top level is not an object", &more))
        return r->status;
    while (more) {
        int code = K_OTHER;
        if (read_key(r, &code))
            return r->status;
        if (code == K_IMAGES || code == K_ANNOTATIONS || code == K_CATEGORIES) {
            int *has = code == K_IMAGES ? &o->has_images
                       : code == K_ANNOTATIONS ? &o->has_annotations
                                               : &o->has_categories;
            if (*has)
                return FALLBACK(r->p, "a duplicate key");
            *has = 1;
            const uchar *value_at = r->p;
            int s = code == K_IMAGES
                        ? read_id_list(r, &o->images, &o->n_images, &o->cap_images, &missing)
                    : code == K_CATEGORIES
                        ? read_id_list(r, &o->categories, &o->n_categories, &o->cap_categories,
                                       &missing)
                        : read_objects(r, 1, &missing, &missing_category);
            if (s)
                return s;
            if (code == K_IMAGES) {
                o->images_off = value_at - r->start;
                o->images_len = r->p - value_at;
            } else if (code == K_CATEGORIES) {
                o->categories_off = value_at - r->start;
                o->categories_len = r->p - value_at;
            }
        } else if (skip_value(r)) {
            return r->status;
        }
        if (next_or_close(r, '}', &more))
            return r->status;
    }
    o->index_ok = !missing && !(missing_category && o->has_categories);
    return 0;
}

static int read_numbers(rd *r)
{
    mm_json_coco *o = r->out;
    int more;
    if (open_container(r, '[', "the top level is not an array", &more))
        return r->status;
    while (more) {
        if (!is_number_start(r)) {
            if (r->p == r->end)
                return SYNTAX(r->p, "expected a value");
            return FALLBACK(r->p, "an element is not a number");
        }
        if (reserve_row(r, MM_JSON_NUMBERS))
            return r->status;
        const uchar *at = r->p;
        int deferred;
        if (read_number(r, &o->score[o->n], &deferred))
            return r->status;
        if (deferred && defer(r, o->n, MM_JSON_D_SCORE, at, r->p))
            return r->status;
        o->n++;
        if (next_or_close(r, ']', &more))
            return r->status;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------ */
/* One "segmentation" value, parsed on demand */

static int seg_grow_xy(mm_json_segm *sg, ptrdiff_t need)
{
    return grow((void **)&sg->xy, &sg->cap_xy, need, sizeof *sg->xy);
}

/* [[x, y, ...], ...]: polygons as pycocotools' frPyObjects reads them (the first one
 * longer than 4 numbers; each truncated to an even count). Anything else, or a number
 * whose exact value needs Python, is left to Python (kind OTHER). */
static int seg_polygons(rd *r, mm_json_segm *sg)
{
    const ptrdiff_t n_xy0 = sg->n_xy, n_poly0 = sg->n_poly;
    int more, first = 1;
    if (open_container(r, '[', "", &more) || !more)
        goto other;
    while (more) {
        int inner;
        if (r->p == r->end || *r->p != '[' || open_container(r, '[', "", &inner))
            goto other;
        ptrdiff_t count = 0;
        while (inner) {
            const uchar *at = r->p;
            numtok t;
            double v;
            int deferred, big;
            if (!is_number_start(r) || scan_number(r, &t) ||
                token_value(r, &t, at, &v, &deferred, &big) || deferred || big)
                goto other;
            if (seg_grow_xy(sg, sg->n_xy + 1))
                return MM_JSON_ENOMEM;
            sg->xy[sg->n_xy++] = v;
            count++;
            if (next_or_close(r, ']', &inner))
                goto other;
        }
        if (first && count <= 4) /* a box (4) or an error in pycocotools: Python decides */
            goto other;
        first = 0;
        if (count & 1)
            sg->n_xy--; /* pycocotools uses len // 2 points */
        if (grow((void **)&sg->poly_end, &sg->cap_poly, sg->n_poly + 1, sizeof *sg->poly_end))
            return MM_JSON_ENOMEM;
        sg->poly_end[sg->n_poly++] = sg->n_xy;
        if (next_or_close(r, ']', &more))
            goto other;
    }
    sg->kind = MM_JSON_SEG_POLYGONS;
    return 0;
other:
    sg->n_xy = n_xy0;
    sg->n_poly = n_poly0;
    sg->kind = MM_JSON_SEG_OTHER;
    return 0;
}

/* Decode the counts string starting at s (just past its opening quote) into
 * sg->counts_buf: JSON writers escape the backslash, one of the RLE alphabet's
 * characters, so most compressed RLEs written by json.dump have escapes. Returns 0 with
 * *pp past the closing quote, 1 to leave the value to Python (non-ASCII or control
 * characters, a malformed escape), MM_JSON_ENOMEM. */
static int seg_counts_decoded(rd *r, const uchar *s, const uchar **pp, mm_json_segm *sg)
{
    const uchar *p = s;
    ptrdiff_t n = 0;
    /* Decoding never lengthens the string: room for the rest of the span suffices. */
    if (grow((void **)&sg->counts_buf, &sg->cap_counts, (r->end - s) + 1, 1))
        return MM_JSON_ENOMEM;
    while (p < r->end && *p != '"') {
        unsigned cp = *p;
        if (cp == '\\') {
            if (escape_at(&p, r->end, &cp))
                return 1;
        } else {
            p++;
        }
        if (cp < 0x20 || cp >= 0x80)
            return 1;
        sg->counts_buf[n++] = (char)cp;
    }
    if (p == r->end)
        return 1;
    sg->counts_off = s - r->start; /* where the JSON string starts: the decoded one fits */
    sg->counts_len = n;
    sg->counts_decoded = 1;
    *pp = p + 1;
    return 0;
}

/* The run lengths of an uncompressed RLE at r->p ('['), into sg->cnts: 0, or 1 to leave
 * the value to Python (anything but plain integers below 2^32: signs, fractions,
 * exponents, other values), or MM_JSON_ENOMEM. */
static int seg_counts_list(rd *r, mm_json_segm *sg)
{
    int more;
    sg->n_cnts = 0;
    if (open_container(r, '[', "", &more))
        return 1;
    while (more) {
        numtok t;
        if (r->p == r->end || !is_digit(*r->p) || scan_number(r, &t))
            return 1;
        if (!t.is_int || t.q != 0 || t.w > UINT32_MAX)
            return 1;
        if (grow((void **)&sg->cnts, &sg->cap_cnts, sg->n_cnts + 1, sizeof *sg->cnts))
            return MM_JSON_ENOMEM;
        sg->cnts[sg->n_cnts++] = (uint32_t)t.w;
        if (next_or_close(r, ']', &more))
            return 1;
    }
    return 0;
}

/* {"size": [h, w], "counts": "..."}: a compressed RLE whose counts string is ASCII
 * (escapes decoded), or {"size": [h, w], "counts": [...]}: an uncompressed one whose
 * run lengths are plain integers below 2^32; its size two integers below 2^32 (other
 * members are ignored, as annToRLE ignores them). Anything else is left to Python. */
static int seg_rle(rd *r, mm_json_segm *sg)
{
    int more, have_counts = 0, have_size = 0;
    sg->kind = MM_JSON_SEG_OTHER;
    sg->counts_decoded = 0;
    if (open_container(r, '{', "", &more))
        return 0;
    while (more) {
        int code = K_OTHER;
        if (read_key(r, &code))
            return 0;
        if (code == K_COUNTS && !have_counts && r->p < r->end && *r->p == '[') {
            int st = seg_counts_list(r, sg);
            if (st)
                return st == MM_JSON_ENOMEM ? MM_JSON_ENOMEM : 0;
            have_counts = 2;
        } else if (code == K_COUNTS) {
            if (have_counts || r->p == r->end || *r->p != '"')
                return 0;
            const uchar *s = r->p + 1, *p = s;
            while (p < r->end && *p != '"' && *p != '\\' && *p >= 0x20 && *p < 0x80)
                p++;
            if (p < r->end && *p == '\\') {
                int st = seg_counts_decoded(r, s, &p, sg);
                if (st)
                    return st == MM_JSON_ENOMEM ? MM_JSON_ENOMEM : 0;
                r->p = p;
            } else {
                if (p == r->end || *p != '"')
                    return 0; /* non-ASCII: Python decodes the string */
                sg->counts_off = s - r->start;
                sg->counts_len = p - s;
                sg->counts_decoded = 0;
                r->p = p + 1;
            }
            have_counts = 1;
        } else if (code == K_SIZE) {
            int in;
            int64_t dims[2];
            int k = 0;
            if (have_size || open_container(r, '[', "", &in))
                return 0;
            while (in) {
                if (k == 2 || read_id(r, &dims[k]) || dims[k] < 0 || dims[k] > 0xFFFFFFFFLL)
                    return 0;
                k++;
                if (next_or_close(r, ']', &in))
                    return 0;
            }
            if (k != 2)
                return 0;
            sg->h = dims[0];
            sg->w = dims[1];
            have_size = 1;
        } else if (skip_value(r)) {
            return 0;
        }
        if (next_or_close(r, '}', &more))
            return 0;
    }
    if (have_counts && have_size)
        sg->kind = have_counts == 2 ? MM_JSON_SEG_COUNTS : MM_JSON_SEG_RLE;
    return 0;
}

/* A reader of the span buf[off, off + len) alone (a value the reader recorded), at its
 * first non-blank byte; outcome records go to *scratch. */
static void span_reader(rd *r, mm_json_coco *scratch, const char *buf, ptrdiff_t off,
                        ptrdiff_t len)
{
    memset(scratch, 0, sizeof *scratch);
    r->start = (const uchar *)buf;
    r->p = r->start + off;
    r->end = r->p + len;
    r->out = scratch;
    r->status = 0;
    r->invalid = 0;
    r->p = ws(r->p, r->end);
}

int mm_json_segmentation(const char *buf, ptrdiff_t off, ptrdiff_t len, mm_json_segm *sg)
{
    mm_json_coco scratch;
    rd r;
    span_reader(&r, &scratch, buf, off, len);
    sg->kind = MM_JSON_SEG_OTHER;
    int s = 0;
    if (r.p < r.end && *r.p == '[')
        s = seg_polygons(&r, sg);
    else if (r.p < r.end && *r.p == '{')
        s = seg_rle(&r, sg);
    if (s == 0 && sg->kind != MM_JSON_SEG_OTHER && ws(r.p, r.end) != r.end)
        sg->kind = MM_JSON_SEG_OTHER; /* not the whole value: let Python look */
    if (s == 0 && r.status == MM_JSON_ENOMEM)
        return MM_JSON_ENOMEM;
    return s;
}

ptrdiff_t mm_json_number_array(const char *buf, ptrdiff_t off, ptrdiff_t len, double *out,
                               ptrdiff_t cap)
{
    mm_json_coco scratch;
    rd r;
    span_reader(&r, &scratch, buf, off, len);
    int more;
    ptrdiff_t n = 0;
    if (r.p == r.end || *r.p != '[' || open_container(&r, '[', "", &more))
        return -1;
    while (more) {
        const uchar *at = r.p;
        numtok t;
        double v;
        int deferred, big;
        if (n == cap || !is_number_start(&r) || scan_number(&r, &t) ||
            token_value(&r, &t, at, &v, &deferred, &big) || deferred || big)
            return -1;
        out[n++] = v;
        if (next_or_close(&r, ']', &more))
            return -1;
    }
    return ws(r.p, r.end) == r.end ? n : -1;
}

void mm_json_segm_free(mm_json_segm *sg)
{
    free(sg->xy);
    free(sg->poly_end);
    free(sg->counts_buf);
    free(sg->cnts);
    sg->xy = NULL;
    sg->poly_end = NULL;
    sg->counts_buf = NULL;
    sg->cnts = NULL;
    sg->n_xy = sg->cap_xy = sg->n_poly = sg->cap_poly = sg->cap_counts = 0;
    sg->n_cnts = sg->cap_cnts = 0;
}

int mm_json_read(const char *buf, ptrdiff_t len, int layout, mm_json_coco *out)
{
    memset(out, 0, sizeof *out);
    out->offset = -1;
    out->reason = "";
    out->err_index = -1;
    rd r;
    r.start = (const uchar *)buf;
    r.end = r.start + (len > 0 ? len : 0);
    r.p = ws(r.start, r.end);
    r.out = out;
    r.status = 0;
    r.invalid = 0;
    if (r.p == r.end)
        return stop(&r, MM_JSON_SYNTAX, r.p, "no value");
    int s = layout == MM_JSON_RESULTS        ? read_objects(&r, 0, NULL, NULL)
            : layout == MM_JSON_GROUND_TRUTH ? read_ground_truth(&r)
                                             : read_numbers(&r);
    if (s)
        return s;
    r.p = ws(r.p, r.end);
    if (r.p != r.end)
        return stop(&r, MM_JSON_SYNTAX, r.p, "extra data after the document");
    return r.invalid ? MM_JSON_INVALID : MM_JSON_OK;
}

int mm_json_read_results_part(const char *buf, ptrdiff_t len, ptrdiff_t from, ptrdiff_t until,
                              int keypoints, mm_json_coco *out, ptrdiff_t *next)
{
    memset(out, 0, sizeof *out);
    out->keypoints = from > 0 && keypoints; /* the first part finds out itself */
    out->offset = -1;
    out->reason = "";
    out->err_index = -1;
    *next = -1;
    rd r;
    r.start = (const uchar *)buf;
    r.end = r.start + (len > 0 ? len : 0);
    r.p = r.start + (from > 0 ? from : 0);
    if (r.p > r.end)
        r.p = r.end;
    r.out = out;
    r.status = 0;
    r.invalid = 0;
    int more = 1, unused = 0;
    if (from == 0) { /* the document's start: the array opens */
        r.p = ws(r.p, r.end);
        if (r.p == r.end)
            return stop(&r, MM_JSON_SYNTAX, r.p, "no value");
        if (open_container(&r, '[', "the top level is not an array", &more))
            return r.status;
    }
    /* Elements numbered from 1 after the first part: only element 0 has a check of
     * its own, and the caller reads the whole document again for any outcome but OK. */
    for (ptrdiff_t index = from == 0 ? 0 : 1; more && r.p - r.start < until; index++) {
        if (read_element(&r, 0, index, &unused, &unused))
            return r.status;
        if (next_or_close(&r, ']', &more))
            return r.status;
    }
    if (!more) { /* the array closed: nothing but whitespace may follow */
        r.p = ws(r.p, r.end);
        if (r.p != r.end)
            return stop(&r, MM_JSON_SYNTAX, r.p, "extra data after the document");
    }
    *next = r.p - r.start;
    return r.invalid ? MM_JSON_INVALID : MM_JSON_OK;
}

void mm_json_free(mm_json_coco *out)
{
    free(out->image_id);
    free(out->category_id);
    free(out->ann_id);
    free(out->bbox);
    free(out->area);
    free(out->score);
    free(out->crowd);
    free(out->images);
    free(out->categories);
    free(out->deferred);
    free(out->seg_off);
    free(out->seg_len);
    free(out->kp_off);
    free(out->kp_len);
    free(out->num_kp_zero);
    out->seg_off = out->seg_len = NULL;
    out->kp_off = out->kp_len = NULL;
    out->num_kp_zero = NULL;
    out->image_id = out->category_id = out->ann_id = out->images = out->categories = NULL;
    out->bbox = out->area = out->score = NULL;
    out->crowd = NULL;
    out->deferred = NULL;
}
