/* The sync worker: cycles on a thread of their own, with their own database connection, so
** that the kiosk's screen never waits for the network.
**
** Schedule (docs/sync-protocol.md): the first cycle at once; then, after a success, the next one
** `interval` later, or sooner when kicked (a registration, a check-in, the staff button); after
** a failure, a backoff of 5 s doubling up to 5 min with ±20 % jitter, so that a centre's kiosks
** coming back together do not all knock at the same second. A kick during a backoff starts a
** cycle at once: staff pressing "sync now" expect it to try. */
#include "client/sync.h"
#include "clock/clock.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define BACKOFF_FIRST_MS 5000L
#define BACKOFF_MAX_MS 300000L
#define INTERVAL_DEFAULT_MS 180000L

struct sync_worker {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;       /* signalled by kick and stop */
    bool stop;                 /* under lock */
    atomic_bool cancel;        /* set with stop: cuts a request under way */
    bool kicked;               /* under lock */
    struct sync_status status; /* under lock */
    char db_path[SYNC_PATH_MAX * 4];
    struct sync_options opt;
    long interval_ms;
    sync_notify_fn notify;
    void *ctx;
};

long sync_next_delay_ms(enum borne_err err, long interval_ms, long *backoff_ms, uint32_t random)
{
    if (err == BORNE_OK) {
        *backoff_ms = 0;
        return interval_ms > 0 ? interval_ms : INTERVAL_DEFAULT_MS;
    }
    /* Not enrolled, or revoked: only staff can change that; look again now and then. */
    if (err == BORNE_ERR_UNAUTHORIZED)
        return BACKOFF_MAX_MS;
    long b = *backoff_ms > 0 ? *backoff_ms * 2 : BACKOFF_FIRST_MS;
    if (b > BACKOFF_MAX_MS)
        b = BACKOFF_MAX_MS;
    *backoff_ms = b;
    /* ±20 %: a centre's kiosks coming back together do not all knock at the same second. */
    long span = b / 5;
    return b - span + (long)(random % (uint32_t)(2 * span + 1));
}

/* 32 random bits for the jitter; the clock's low bits if the kernel has none to give. */
static uint32_t jitter_bits(void)
{
    uint32_t r = 0;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
        r = (uint32_t)clock_mono_ms();
    return r;
}

static void notify(struct sync_worker *w)
{
    if (w->notify)
        w->notify(w->ctx);
}

static void set_phase(struct sync_worker *w, bool running, enum sync_phase phase, int progress)
{
    pthread_mutex_lock(&w->lock);
    w->status.running = running;
    w->status.phase = phase;
    w->status.progress = progress;
    pthread_mutex_unlock(&w->lock);
    notify(w);
}

/* sync_options.progress: a cycle's batches and pages, for the staff panel. */
static void on_progress(void *ctx, int phase, int done)
{
    set_phase(ctx, true, (enum sync_phase)phase, done);
}

/* Wait until deadline (monotonic ms), a kick or stop. Returns false when stopping. */
static bool wait_until(struct sync_worker *w, int64_t deadline)
{
    pthread_mutex_lock(&w->lock);
    w->status.next_at = deadline;
    while (!w->stop && !w->kicked) {
        int64_t left = deadline - clock_mono_ms();
        if (left <= 0)
            break;
        struct timespec ts = clock_mono_deadline(left);
        pthread_cond_timedwait(&w->wake, &w->lock, &ts);
    }
    w->kicked = false;
    bool go = !w->stop;
    pthread_mutex_unlock(&w->lock);
    return go;
}

static void *run(void *arg)
{
    struct sync_worker *w = arg;
    long backoff = 0;
    struct store *st = NULL;
    char why[300];
    while (true) {
        if (!st && store_open(w->db_path, &st, why, sizeof why) != BORNE_OK) {
            fprintf(stderr, "borne: sync: the database cannot be opened: %s\n", why);
            st = NULL;
        }
        struct sync_summary s;
        memset(&s, 0, sizeof s);
        if (st) {
            set_phase(w, true, SYNC_PUSHING, 0);
            sync_cycle(st, &w->opt, &s);
        } else {
            s.err = BORNE_ERR_CANT_OPEN;
            snprintf(s.error, sizeof s.error, "the database cannot be opened");
        }
        char line[400];
        sync_summary_line(&s, line, sizeof line);
        /* A quiet kiosk logs its failures, and its successes only when something moved. */
        if (s.err != BORNE_OK || s.pushed || s.refused || s.pulled_tickets)
            fprintf(stderr, "borne: %s\n", line);

        pthread_mutex_lock(&w->lock);
        w->status.running = false;
        w->status.phase = SYNC_IDLE;
        w->status.cycles++;
        w->status.last = s;
        w->status.enrolled = s.err != BORNE_ERR_UNAUTHORIZED;
        w->status.online = s.err == BORNE_OK || s.err == BORNE_ERR_REFUSED ||
                           s.err == BORNE_ERR_SERVER || s.err == BORNE_ERR_UNAUTHORIZED;
        pthread_mutex_unlock(&w->lock);
        notify(w);

        long delay = sync_next_delay_ms(s.err, w->interval_ms, &backoff, jitter_bits());
        if (!wait_until(w, clock_mono_ms() + delay))
            break;
    }
    store_close(st);
    return NULL;
}

enum borne_err sync_worker_start(const char *db_path, const struct sync_options *opt,
                                 long interval_ms, sync_notify_fn notify_fn, void *ctx,
                                 struct sync_worker **out)
{
    *out = NULL;
    if (!db_path || strlen(db_path) >= sizeof((struct sync_worker *)0)->db_path)
        return BORNE_ERR_INVALID;
    struct sync_worker *w = calloc(1, sizeof *w);
    if (!w)
        return BORNE_ERR_NOMEM;
    strcpy(w->db_path, db_path);
    if (opt)
        w->opt = *opt;
    atomic_init(&w->cancel, false);
    w->opt.cancel = &w->cancel;
    w->opt.progress = on_progress;
    w->opt.progress_ctx = w;
    w->interval_ms = interval_ms;
    w->notify = notify_fn;
    w->ctx = ctx;
    w->status.enrolled = true; /* until a cycle says otherwise */
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&w->lock, NULL);
    if (pthread_create(&w->thread, NULL, run, w) != 0) {
        pthread_cond_destroy(&w->wake);
        pthread_mutex_destroy(&w->lock);
        free(w);
        return BORNE_ERR_NOMEM;
    }
    *out = w;
    return BORNE_OK;
}

void sync_global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void sync_worker_kick(struct sync_worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->kicked = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
}

void sync_worker_status(struct sync_worker *w, struct sync_status *out)
{
    memset(out, 0, sizeof *out);
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    *out = w->status;
    pthread_mutex_unlock(&w->lock);
}

void sync_worker_stop(struct sync_worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    atomic_store(&w->cancel, true);
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    free(w);
}
