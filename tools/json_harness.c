/* Standalone driver for csrc/mm_json.c: timing, profiling and sanitizer fuzzing.
 *
 *   cc -O2 -g -Icsrc tools/json_harness.c csrc/mm_json.c -o /tmp/json_harness
 *   /tmp/json_harness time LAYOUT FILE [REPEATS]
 *   /tmp/json_harness fuzz LAYOUT FILE N [SEED]
 *   /tmp/json_harness dump 2 FILE     (numbers: one line per value, its bits in hex,
 *                                      "?" for a deferred one)
 *
 * LAYOUT is 0 (results), 1 (ground truth) or 2 (numbers). `fuzz` reads N truncated or
 * byte-mutated copies of FILE, each in a malloc'd block of exactly its size, so that
 * AddressSanitizer (-fsanitize=address,undefined) catches any read past the end.
 */
#define _POSIX_C_SOURCE 199309L /* clock_gettime under -std=c99 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mm_json.h"

static char *slurp(const char *path, long *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    *len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)*len + 1);
    if (!buf || fread(buf, 1, (size_t)*len, f) != (size_t)*len) {
        fprintf(stderr, "read failed\n");
        exit(2);
    }
    fclose(f);
    return buf;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t rng_state = 88172645463325252u;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s time|fuzz LAYOUT FILE [N] [SEED]\n", argv[0]);
        return 2;
    }
    int layout = atoi(argv[2]);
    long len;
    char *buf = slurp(argv[3], &len);
    mm_json_coco out;
    if (strcmp(argv[1], "time") == 0) {
        int repeats = argc > 4 ? atoi(argv[4]) : 5;
        double best = 1e9;
        int status = 0;
        for (int i = 0; i < repeats; i++) {
            double t = now();
            status = mm_json_read(buf, len, layout, &out);
            t = now() - t;
            if (t < best)
                best = t;
            if (i + 1 < repeats)
                mm_json_free(&out);
        }
        printf("status %d n %td deferred %td reason '%s' offset %td: best %.1f ms, %.0f MB/s\n",
               status, out.n, out.n_deferred, out.reason, out.offset, best * 1e3,
               (double)len / best / 1e6);
        mm_json_free(&out);
        return 0;
    }
    if (strcmp(argv[1], "dump") == 0) {
        int status = mm_json_read(buf, len, layout, &out);
        if (status != MM_JSON_OK || layout != MM_JSON_NUMBERS) {
            fprintf(stderr, "status %d: %s at %td\n", status, out.reason, out.offset);
            return 1;
        }
        char *deferred = calloc((size_t)out.n + 1, 1);
        for (ptrdiff_t j = 0; j < out.n_deferred; j++)
            deferred[out.deferred[j].row] = 1;
        for (ptrdiff_t i = 0; i < out.n; i++) {
            uint64_t bits;
            memcpy(&bits, &out.score[i], 8);
            if (deferred[i])
                printf("?\n");
            else
                printf("%016llx\n", (unsigned long long)bits);
        }
        free(deferred);
        mm_json_free(&out);
        free(buf);
        return 0;
    }
    long n = argc > 4 ? atol(argv[4]) : 1000;
    if (argc > 5)
        rng_state ^= (uint64_t)atol(argv[5]) * 0x9E3779B97F4A7C15u;
    long counts[4] = {0, 0, 0, 0};
    static const char pieces[] = "{}[]\",:\\ 0123456789.eE-+tfnu\x80\xc3\xed\xf4";
    for (long i = 0; i < n; i++) {
        long m = len;
        char *copy = malloc((size_t)(m > 0 ? m : 1));
        memcpy(copy, buf, (size_t)m);
        int kind = (int)(rnd() % 3);
        if (kind == 0 && m > 0) {
            m = (long)(rnd() % (uint64_t)m); /* truncate */
        } else {
            int edits = 1 + (int)(rnd() % 4);
            for (int e = 0; e < edits && m > 0; e++) {
                long at = (long)(rnd() % (uint64_t)m);
                copy[at] = kind == 1 ? (char)rnd() : pieces[rnd() % (sizeof pieces - 1)];
            }
        }
        char *exact = malloc((size_t)(m > 0 ? m : 1));
        memcpy(exact, copy, (size_t)m);
        free(copy);
        int status = mm_json_read(exact, m, layout, &out);
        if (status < 0 || status > 3) {
            fprintf(stderr, "unexpected status %d\n", status);
            return 1;
        }
        counts[status]++;
        mm_json_free(&out);
        free(exact);
    }
    printf("ok %ld invalid %ld fallback %ld syntax %ld\n", counts[0], counts[1], counts[2],
           counts[3]);
    free(buf);
    return 0;
}
