/* The print worker: a bounded queue of jobs and a thread that empties it. See printer_worker.h.
**
** The queue is a ring of PRINTER_QUEUE_MAX slots under one mutex; the thread sleeps on a
** condition variable until there is a job, a poll, or the order to stop. The mutex is never held
** while printing: submit() and poll() stay instant whatever the printer does. */
#include "printer/printer_worker.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct job {
    int64_t id;
    uint8_t *bytes; /* owned by the queue until the thread takes the job */
    size_t n;
};

struct printer_worker {
    struct printer_uri uri;    /* copied at start; read only by the thread */
    struct printer_timeouts t; /* defaults filled in */
    printer_report_fn fn;
    void *ctx;

    pthread_t thread;
    pthread_mutex_t mu; /* guards everything below */
    pthread_cond_t wake;
    struct job queue[PRINTER_QUEUE_MAX];
    size_t head;      /* the oldest job */
    size_t count;     /* jobs waiting, not counting the one being printed */
    bool poll_wanted; /* a poll was asked and not served yet */
    bool stopping;    /* stop() was called: finish the current job, then leave */
};

static void *worker_main(void *arg)
{
    struct printer_worker *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->stopping && w->count == 0 && !w->poll_wanted)
            pthread_cond_wait(&w->wake, &w->mu);
        if (w->stopping)
            break;

        struct printer_report r;
        memset(&r, 0, sizeof r);
        if (w->count > 0) {
            struct job job = w->queue[w->head];
            w->queue[w->head].bytes = NULL;
            w->head = (w->head + 1) % PRINTER_QUEUE_MAX;
            w->count--;
            pthread_mutex_unlock(&w->mu);

            r.job_id = job.id;
            r.err = printer_send_with(&w->uri, job.bytes, job.n, &w->t, &r.status);
            free(job.bytes);
        } else {
            w->poll_wanted = false;
            pthread_mutex_unlock(&w->mu);

            r.job_id = 0;
            r.err = printer_query(&w->uri, w->t.connect_ms + w->t.status_ms, &r.status);
        }
        w->fn(w->ctx, &r);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

enum borne_err printer_worker_start_with(const struct printer_uri *u,
                                         const struct printer_timeouts *t, printer_report_fn fn,
                                         void *ctx, struct printer_worker **out)
{
    if (out)
        *out = NULL;
    if (!u || !fn || !out)
        return BORNE_ERR_INVALID;
    struct printer_worker *w = calloc(1, sizeof *w);
    if (!w)
        return BORNE_ERR_NOMEM;
    w->uri = *u;
    w->t.connect_ms = t && t->connect_ms > 0 ? t->connect_ms : PRINTER_CONNECT_TIMEOUT_MS;
    w->t.status_ms = t && t->status_ms > 0 ? t->status_ms : PRINTER_STATUS_TIMEOUT_MS;
    w->t.job_ms = t && t->job_ms > 0 ? t->job_ms : PRINTER_JOB_TIMEOUT_MS;
    w->fn = fn;
    w->ctx = ctx;
    if (pthread_mutex_init(&w->mu, NULL) != 0) {
        free(w);
        return BORNE_ERR_INTERNAL;
    }
    if (pthread_cond_init(&w->wake, NULL) != 0) {
        pthread_mutex_destroy(&w->mu);
        free(w);
        return BORNE_ERR_INTERNAL;
    }

    /* The thread inherits the creator's mask: create it with everything blocked, so that
    ** SIGINT and SIGTERM reach the main loop and a SIGPIPE from a device write stays with this
    ** thread (where the transport consumes it). */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&w->thread, NULL, worker_main, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        pthread_cond_destroy(&w->wake);
        pthread_mutex_destroy(&w->mu);
        free(w);
        return BORNE_ERR_INTERNAL;
    }
    *out = w;
    return BORNE_OK;
}

enum borne_err printer_worker_start(const struct printer_uri *u, printer_report_fn fn, void *ctx,
                                    struct printer_worker **out)
{
    return printer_worker_start_with(u, NULL, fn, ctx, out);
}

enum borne_err printer_worker_submit(struct printer_worker *w, int64_t job_id, const uint8_t *bytes,
                                     size_t n)
{
    if (!w || !bytes || n == 0 || n > PRINTER_JOB_MAX)
        return BORNE_ERR_INVALID;
    /* Copy outside the lock: a large job must not hold up the worker's next report. */
    uint8_t *copy = malloc(n);
    if (!copy)
        return BORNE_ERR_NOMEM;
    memcpy(copy, bytes, n);

    pthread_mutex_lock(&w->mu);
    if (w->count == PRINTER_QUEUE_MAX || w->stopping) {
        pthread_mutex_unlock(&w->mu);
        free(copy);
        return BORNE_ERR_BUSY;
    }
    struct job *slot = &w->queue[(w->head + w->count) % PRINTER_QUEUE_MAX];
    slot->id = job_id;
    slot->bytes = copy;
    slot->n = n;
    w->count++;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->mu);
    return BORNE_OK;
}

void printer_worker_poll(struct printer_worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->poll_wanted = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->mu);
}

void printer_worker_stop(struct printer_worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);

    for (size_t i = 0; i < w->count; i++)
        free(w->queue[(w->head + i) % PRINTER_QUEUE_MAX].bytes);
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->mu);
    free(w);
}
