/* What the benchmarks share: a monotonic clock and the line that sums up a series of timings.
** Figures only, never a pass/fail (docs/performance.md quotes them). */
#ifndef BORNE_TESTS_BENCH_H
#define BORNE_TESTS_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Milliseconds on the monotonic clock: only differences mean anything. */
static inline double bench_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static inline int bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Sort the n timings in ms (n >= 1) and print one line: what, then median, p95, p99 and max;
** with where, " (where)" at the end, to say which disk the figures are for. */
static inline void bench_report(const char *what, double *ms, int n, const char *where)
{
    qsort(ms, (size_t)n, sizeof *ms, bench_cmp);
    printf("%s over %d: median %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms", what, n, ms[n / 2],
           ms[n * 95 / 100], ms[n * 99 / 100], ms[n - 1]);
    if (where)
        printf(" (%s)", where);
    printf("\n");
}

#endif
