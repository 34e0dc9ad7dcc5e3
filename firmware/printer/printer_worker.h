/* The print worker: one thread that sends jobs to the printer, in order, off the UI thread
** (DESIGN.md, "The UI never waits on I/O"), and asks for the printer's status when told to.
**
** The UI thread submits jobs and status polls, which never block; the worker calls back once
** per job and once per served poll, on its own thread; the kiosk turns each report into an SDL
** event (SDL_PushEvent is thread-safe) and applies it on the UI thread. Jobs come before polls:
** a visitor waits for a ticket, nobody waits for a poll, and a job's report carries a fresh
** status anyway.
**
** Threads: printer_worker_submit() and printer_worker_poll() may be called from any thread;
** printer_worker_start() and printer_worker_stop() from the one that owns the worker. */
#ifndef BORNE_PRINTER_WORKER_H
#define BORNE_PRINTER_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "printer/printer.h"

/* How many jobs may wait behind the one being printed. A kiosk prints one ticket per visitor:
** a full queue means the printer is stuck, and the UI should say so rather than pile up. */
#define PRINTER_QUEUE_MAX 16

struct printer_worker;

/* What the worker tells after a job or a status poll. */
struct printer_report {
    int64_t job_id;               /* the id given to printer_worker_submit(); 0 for a poll */
    enum borne_err err;           /* printer_send()'s result, or printer_query()'s for a poll */
    struct printer_status status; /* the printer's state and a detail for staff logs */
};

/* Called on the worker thread when a job ends or a status poll finishes. r is borrowed for the
** call: copy what you keep. It must not call printer_worker_stop() on its own worker. */
typedef void (*printer_report_fn)(void *ctx, const struct printer_report *r);

/* Start a worker printing to u (copied) with the default timeouts (PRINTER_CONNECT_TIMEOUT_MS,
** PRINTER_STATUS_TIMEOUT_MS, PRINTER_JOB_TIMEOUT_MS). fn (required) and ctx must stay valid
** until printer_worker_stop() returned. On success *out is the new worker, owned by the caller
** (printer_worker_stop() ends and frees it). On failure *out is NULL: BORNE_ERR_INVALID (NULL
** u, fn or out), BORNE_ERR_NOMEM, BORNE_ERR_INTERNAL (the thread could not be created). The
** thread runs with every signal blocked, so that signals go to the kiosk's main thread. */
enum borne_err printer_worker_start(const struct printer_uri *u, printer_report_fn fn, void *ctx,
                                    struct printer_worker **out);

/* printer_worker_start() with timeouts (copied; NULL or values of 0 or less take the defaults).
** A status poll is bounded by connect_ms + status_ms, a job by job_ms. */
enum borne_err printer_worker_start_with(const struct printer_uri *u,
                                         const struct printer_timeouts *t, printer_report_fn fn,
                                         void *ctx, struct printer_worker **out);

/* Queue a job: n bytes are copied, so the caller may free them on return. Jobs are printed in
** the order they were submitted and each is reported exactly once, unless printer_worker_stop()
** drops it first. job_id is the caller's (the print log's id); give ids other than 0, which
** marks poll reports. Never blocks on the printer.
** Errors: BORNE_ERR_BUSY when PRINTER_QUEUE_MAX jobs already wait (nothing queued: say the
** printer is stuck, or retry later); BORNE_ERR_INVALID for NULL w or bytes, n of 0 or above
** PRINTER_JOB_MAX; BORNE_ERR_NOMEM. */
enum borne_err printer_worker_submit(struct printer_worker *w, int64_t job_id, const uint8_t *bytes,
                                     size_t n);

/* Ask for a status report soon (non-blocking). Polls asked before the worker gets to them are
** served by one report with job_id 0, after the jobs already queued. NULL is ignored. */
void printer_worker_poll(struct printer_worker *w);

/* Stop the worker: the job in progress finishes (bounded by its timeout) and is reported;
** queued jobs and polls are dropped without a report; the thread is joined and everything
** freed. NULL is accepted. After it returns, fn is never called again. */
void printer_worker_stop(struct printer_worker *w);

#endif
