/* Helpers of the printer's tests: addresses of fake printers and of files in a folder of the
** test's own, and a collector of the print worker's reports. Include after cmocka.h. */
#ifndef BORNE_TESTS_SUPPORT_PRINTER_H
#define BORNE_TESTS_SUPPORT_PRINTER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "printer/printer.h"
#include "printer/printer_worker.h"

#include "fake_printer.h"

/* ---- addresses ------------------------------------------------------------------------------ */

/* Parse a printer address that must be good; the test fails with the reason otherwise. */
static inline void parse_ok(const char *text, struct printer_uri *u)
{
    char why[160];
    enum borne_err err = printer_uri_parse(text, u, why, sizeof why);
    if (err != BORNE_OK)
        fail_msg("\"%s\" refused: %s", text, why);
}

/* The address of a running fake printer, parsed. */
static inline void fake_uri(const struct fake_printer *f, struct printer_uri *u)
{
    char text[96];
    fake_printer_uri(f, text, sizeof text);
    parse_ok(text, u);
}

/* Start a fake network printer (see fake_printer_start()) and parse its address into u. */
static inline void fake_start(struct fake_printer *f, enum fake_mode mode, size_t unplug_after,
                              struct printer_uri *u)
{
    assert_int_equal(fake_printer_start(f, mode, unplug_after), 0);
    fake_uri(f, u);
}

/* A file in a fresh folder of its own under /tmp, and a printer address that names it. */
struct printer_dir {
    char dir[32];
    char path[96];
    struct printer_uri u;
};

/* Make the folder and the address "<scheme>:<dir>/<name>"; with fifo, also make the file, as a
** FIFO: a device that nobody reads (writes stall once its 64 KiB are full), or whose reader the
** test plays. Remove it all with support_remove_dir(d->dir). */
static inline void printer_dir_make(struct printer_dir *d, const char *scheme, const char *name,
                                    bool fifo)
{
    char text[160];
    snprintf(d->dir, sizeof d->dir, "/tmp/borne-printer-XXXXXX");
    assert_non_null(mkdtemp(d->dir));
    snprintf(d->path, sizeof d->path, "%s/%s", d->dir, name);
    if (fifo)
        assert_int_equal(mkfifo(d->path, 0600), 0);
    snprintf(text, sizeof text, "%s:%s", scheme, d->path);
    parse_ok(text, &d->u);
}

/* ---- the worker's reports ------------------------------------------------------------------- */

#define COLLECTOR_MAX 64

/* What the worker reported, in order: give collect() and a collector to printer_worker_start(). */
struct collector {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct printer_report r[COLLECTOR_MAX]; /* the first COLLECTOR_MAX reports */
    size_t n;                               /* all reports, kept or not */
    bool hold_first;                        /* the first report blocks the worker until released */
    bool released;
};

static inline void collect(void *ctx, const struct printer_report *r)
{
    struct collector *c = ctx;
    pthread_mutex_lock(&c->mu);
    if (c->n < COLLECTOR_MAX)
        c->r[c->n] = *r;
    c->n++;
    pthread_cond_broadcast(&c->cv);
    while (c->hold_first && c->n == 1 && !c->released)
        pthread_cond_wait(&c->cv, &c->mu);
    pthread_mutex_unlock(&c->mu);
}

static inline void collector_init(struct collector *c)
{
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
}

/* Wait until n reports came, or guard_ms passed (a guard, not a timing); returns how many came. */
static inline size_t collector_wait(struct collector *c, size_t n, int guard_ms)
{
    int64_t end = fake_now_ms() + guard_ms;
    pthread_mutex_lock(&c->mu);
    while (c->n < n && fake_now_ms() < end) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&c->cv, &c->mu, &ts);
    }
    size_t got = c->n;
    pthread_mutex_unlock(&c->mu);
    return got;
}

static inline void collector_deinit(struct collector *c)
{
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
}

#endif
