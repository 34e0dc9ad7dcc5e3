/* The kiosk's side of sync with borne-server (docs/sync-protocol.md), over libcurl.
**
** Three calls do the work, each blocking and meant for a thread that is not the UI's:
** sync_enrol() once per kiosk, sync_cycle() (push the outbox, then pull) again and again, and
** sync_seat() before a registration. struct sync_worker runs cycles on its own thread with the
** schedule the protocol describes (every few minutes online, backoff with jitter offline, at
** once when asked) and publishes what staff need to see.
**
** TLS: certificates are always verified (the system's CA store, or ca_file); pinned_key, when
** set ("sha256//base64..."), also pins the server's public key. A certificate refused ends the
** call with BORNE_ERR_CERT_EXPIRED (it has expired) or BORNE_ERR_CERT_UNTRUSTED (any other
** reason: unknown authority, another host's name, not the pinned key), the reason in words.
** A plain http:// URL is accepted only to this machine (127.0.0.0/8, ::1, localhost: tests, a
** reverse proxy on the kiosk itself), unless allow_insecure_http says so: the token and the
** visitors' names would cross the network in clear. Anything else is refused with
** BORNE_ERR_INVALID before any connection. */
#ifndef BORNE_SYNC_CLIENT_H
#define BORNE_SYNC_CLIENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "protocol/protocol.h"
#include "store/store.h"

#define SYNC_PATH_MAX 256

/* How to reach the server, besides the URL and token the store keeps. */
struct sync_options {
    char ca_file[SYNC_PATH_MAX];    /* "" : the system's CA store */
    char pinned_key[SYNC_PATH_MAX]; /* "" : no pinning; else CURLOPT_PINNEDPUBLICKEY's value */
    bool allow_insecure_http;       /* plain http:// to another machine than this one */
    long connect_timeout_ms;        /* 0: 5 000 */
    long timeout_ms;                /* 0: 30 000, for a whole request */
    long seat_timeout_ms;           /* 0: 2 000, for a seat request */
    /* When not NULL and it becomes true, a request under way stops at once (the worker's
    ** stop). Set by the worker; callers leave it NULL. */
    const atomic_bool *cancel;
    /* When not NULL, told after each pushed batch and each pulled page how far the cycle is:
    ** its phase and the events pushed or tickets pulled so far. Set by the worker. */
    void (*progress)(void *ctx, int phase, int done);
    void *progress_ctx;
};

/* What a cycle did; the line `borne sync` prints is sync_summary_line(). */
struct sync_summary {
    enum borne_err err;       /* BORNE_OK: the cycle went to its end */
    char error[256];          /* "" or a sentence for staff: what failed, in plain words */
    int pushed;               /* events the server took (applied or duplicate) */
    int refused;              /* events the server refused */
    int pulled_tickets;       /* tickets received */
    int pulled_sessions;      /* sessions received */
    int pages;                /* pull pages applied */
    int pending;              /* events still waiting after the cycle */
    int64_t server_time;      /* the server's clock, 0 if unknown */
    int64_t push_ms, pull_ms; /* how long each half took (monotonic clock) */
};

/* Enrol this kiosk: exchange the one-time code for a token at url (the server's base URL,
** e.g. "https://sync.example.org"), sending this kiosk's device id and public key; the token,
** site and URL are kept in the store. label: how the kiosk is listed ("" allowed).
** message gets a sentence for the operator either way. Errors: BORNE_ERR_INVALID (bad URL or
** code, plain http to another machine), BORNE_ERR_NETWORK, BORNE_ERR_CERT_UNTRUSTED,
** BORNE_ERR_CERT_EXPIRED, BORNE_ERR_REFUSED (code used, expired or unknown; device exists),
** BORNE_ERR_SERVER, store errors. */
enum borne_err sync_enrol(struct store *st, const struct sync_options *opt, const char *url,
                          const char *code, const char *label, char *message, size_t message_cap);

/* Run one cycle against the enrolled server: push every waiting event (batches of
** SYNC_PUSH_BATCH_MAX, each acknowledged in the store as its answer comes), then pull pages
** until the server has no more, each applied with its cursor in one transaction. The attempt
** and its result are recorded in the store (store_sync_note). Returns out->err. */
enum borne_err sync_cycle(struct store *st, const struct sync_options *opt,
                          struct sync_summary *out);

/* One line for logs and `borne sync`: "sync: ok, pushed 12 (refused 0), pulled 140 tickets,
** 9 sessions" or "sync: failed: <error>, 12 events waiting". */
void sync_summary_line(const struct sync_summary *s, char *out, size_t cap);

/* Ask the server for a seat of session_id (request_id: a fresh UUID, so that a retry is
** idempotent), within opt->seat_timeout_ms. BORNE_OK: *out holds the answer (granted or not);
** a granted seat's allotment is for the caller to merge (store_allotment_merge). Other results:
** no answer in time or a failure; the caller falls back to its allotment. url and token as the
** store keeps them (this call does not touch the store, so any thread may make it). */
enum borne_err sync_seat(const struct sync_options *opt, const char *url, const char *token,
                         const char *session_id, const char *request_id,
                         struct sync_seat_reply *out);

/* Set up libcurl for the whole process; call once from main(), before any thread starts. */
void sync_global_init(void);

/* ---- the worker ------------------------------------------------------------------------ */

enum sync_phase {
    SYNC_IDLE = 0,    /* waiting for the next cycle */
    SYNC_PUSHING = 1, /* sending the outbox */
    SYNC_PULLING = 2, /* receiving changes */
};

/* What the worker publishes for the staff panel; copied out under its lock. */
struct sync_status {
    bool enrolled;
    bool online;  /* the last attempt reached the server */
    bool running; /* a cycle is under way */
    enum sync_phase phase;
    int progress;             /* events pushed or tickets pulled so far in this cycle */
    int cycles;               /* cycles finished since start */
    struct sync_summary last; /* the last finished cycle */
    int64_t next_at;          /* monotonic ms of the next planned cycle */
};

struct sync_worker;

/* Called on the worker's thread after each cycle (and when the phase changes), e.g. to post
** an SDL event; must not block. */
typedef void (*sync_notify_fn)(void *ctx);

/* Start the worker on its own thread and its own connection to the database at db_path
** (SQLite in WAL mode lets the UI's connection work alongside). interval_ms: between cycles
** while online (0: 3 minutes). The first cycle runs at once. *out is owned by the caller, to be
** stopped by sync_worker_stop(). */
enum borne_err sync_worker_start(const char *db_path, const struct sync_options *opt,
                                 long interval_ms, sync_notify_fn notify, void *ctx,
                                 struct sync_worker **out);

/* The worker's schedule, pure so that it can be tested without a clock or a thread: how long
** to wait after a cycle that ended with err before the next one. After a success, interval_ms
** (0: 3 minutes); after BORNE_ERR_UNAUTHORIZED (not enrolled, revoked), 5 minutes; after any
** other failure a backoff of 5 s doubling up to 5 min, ±20 % by random (any 32 bits). The
** backoff reached is carried from one call to the next in *backoff_ms (start at 0; a success
** sets it back to 0). */
long sync_next_delay_ms(enum borne_err err, long interval_ms, long *backoff_ms, uint32_t random);

/* Ask for a cycle as soon as possible (after a registration, a check-in, the staff button).
** Several requests while a cycle runs make one more cycle, not several. */
void sync_worker_kick(struct sync_worker *w);

/* A copy of the worker's status. */
void sync_worker_status(struct sync_worker *w, struct sync_status *out);

/* Stop the worker (a cycle under way is cut at its next request) and free it; NULL is
** accepted. */
void sync_worker_stop(struct sync_worker *w);

#endif
