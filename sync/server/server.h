/* borne-server's internal interfaces: the pieces main.c wires together.
**
**   seats.c  a session's seat counters and its waiting list
**   db.c     libpq plumbing: connecting, migrations, one connection per HTTP pool thread, and
**            the transaction runner that retries on serialisation failures and deadlocks
**   api.c    the routes of docs/sync-protocol.md: body in, status and JSON body out; every
**            decision inside one PostgreSQL transaction
**   http.c   libmicrohttpd: listening, body accumulation with a hard cap, routing, the
**            request log, graceful stop
**   admin.c  the administrator's commands (sites, enrolment codes, devices, revocation)
**
** Nothing here is thread-unsafe except where said: the HTTP pool threads share only the read-only
** configuration set before the daemon starts. */
#ifndef BORNE_SERVER_SERVER_H
#define BORNE_SERVER_SERVER_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/model.h"

/* ---- db.c -------------------------------------------------------------------------------- */

#define DB_TX_ATTEMPTS 5 /* tries of one transaction on 40001, 40P01 or a lost unique race */

/* Connects to conninfo (a libpq conninfo string or URI; "" takes everything from PGHOST etc.)
** with client_encoding UTF8 forced, so that texts travel unchanged whatever the server's
** locale. Returns a new connection (free with PQfinish) or NULL with the reason in why. */
PGconn *db_open(const char *conninfo, char *why, size_t why_cap);

/* Applies the embedded migrations the database has not seen yet, each in its own transaction
** with its row in schema_migrations, under a transaction-scoped advisory lock so that two
** instances migrating at once apply each file once. Writes what it did to out. Returns 0 on
** success, 1 when the database is newer than this program, 2 on a database failure (the
** migration that failed left nothing behind; the message goes to err). */
int db_migrate(PGconn *conn, FILE *out, FILE *err);

/* Whether the database is at this program's schema version. 0: yes; 1: not migrated, or newer
** than this program (why says which, and what to run); 2: the database failed. */
int db_schema_check(PGconn *conn, char *why, size_t why_cap);

/* One transaction in progress. A failed statement sets failed, sqlstate and message; every
** later db_query() on the same tx then fails at once without touching the server, so a
** handler may run a few statements and check once. */
struct db_tx {
    PGconn *conn;
    bool failed;
    char sqlstate[6];
    char message[256];
    struct db_prepared *prepared; /* the pool connection's statement cache; NULL: none */
};

/* Runs sql with n text parameters (NULL for SQL NULL). Returns the result (PQclear it) for
** PGRES_TUPLES_OK and PGRES_COMMAND_OK, else NULL with tx failed. In a transaction of
** db_transaction(), sql must be a string literal: it is prepared once per connection and
** known by its address. */
PGresult *db_query(struct db_tx *tx, const char *sql, int n, const char *const *params);

/* db_query() for a statement whose rows are not wanted: true when it succeeded. */
bool db_run(struct db_tx *tx, const char *sql, int n, const char *const *params);

/* What a transaction body decides. DB_COMMIT: keep what it did. DB_ROLLBACK: its answer is
** ready but nothing may be stored (an error reply). DB_ERROR: a statement failed (tx says
** which); the runner rolls back and retries or gives up. */
enum db_step {
    DB_COMMIT = 0,
    DB_ROLLBACK = 1,
    DB_ERROR = 2,
};

/* A transaction body. It may run several times (a retry starts from scratch), so it must reset
** whatever it writes into arg before doing anything else. */
typedef enum db_step (*db_tx_fn)(struct db_tx *tx, void *arg);

enum db_outcome {
    DB_DONE = 0,        /* the body's answer stands (committed, or rolled back by choice) */
    DB_UNAVAILABLE = 1, /* no connection to the database: answer 503 */
    DB_FAILED = 2,      /* a statement failed for good, or retries ran out: answer 500 */
};

/* Sets the conninfo that pool threads connect with (copied). Call once before any thread uses
** db_transaction(); not thread-safe. */
void db_pool_configure(const char *conninfo);

/* Runs fn in a READ COMMITTED transaction on the calling thread's own connection (made on first
** use, made again after it broke). Retries the whole transaction up to DB_TX_ATTEMPTS times,
** after a short random sleep, on SQLSTATE 40001 (serialisation), 40P01 (deadlock) and 23505 (a
** unique key raced by a concurrent transaction: the retry sees the winner's row and decides
** on it). A connection found dead before anything was sent is replaced once. On DB_FAILED and
** DB_UNAVAILABLE, why (why_cap bytes) says what happened, for the log only. */
enum db_outcome db_transaction(db_tx_fn fn, void *arg, char *why, size_t why_cap);

/* Quotes n strings as a PostgreSQL text[] literal, for "= ANY($1::text[])". Returns a new
** string (free()) or NULL when out of memory. */
char *db_text_array(const char *const *items, size_t n);

/* ---- seats.c ----------------------------------------------------------------------------- */

/* Recomputes the session's confirmed and held counters from its registrations and allotments,
** and touches the row so that pulls send it again. The caller holds the session's row lock
** (SELECT ... FOR UPDATE) since before it read what it decided on. false: a statement failed
** (tx says which). */
bool seats_recount(struct db_tx *tx, const char *session_id);

/* After a seat was freed (a cancellation, a take-back, a capacity raised by an import):
** recounts, then the oldest waiting-list registrations of the session (server receive order)
** become confirmed, their tickets too, while a seat is free; recounts again. Nobody is promoted
** in a cancelled or finished session. *promoted (may be NULL) says how many. Same lock rule
** and errors as seats_recount(). A caller outside the HTTP API (the import) wraps its PGconn
** in a struct db_tx of its own. */
bool seats_settle(struct db_tx *tx, const char *session_id, int *promoted);

/* ---- api.c ------------------------------------------------------------------------------- */

#define API_ALLOTMENT_DEFAULT 2
#define API_ALLOTMENT_MAX 1000

/* The answer to one request: status and a JSON body (malloc'd, owned; free with
** api_reply_clear()). device_id names the authenticated device, for the request log. */
struct api_reply {
    unsigned status;
    char *body;
    size_t len;
    char device_id[BORNE_ID_MAX];
};

/* The seats the pull tops each kiosk's allotment up to, per session (--allotment). Call once
** before serving. */
void api_configure(int allotment);

/* The routes. body is len bytes (need not be NUL-terminated); token is the Authorization
** header's value as sent, or NULL. Each fills r completely, whatever happens; a failure of
** the database becomes 503 or 500 in r, never a crash. */
void api_health(struct api_reply *r);
void api_enrol(const char *body, size_t len, struct api_reply *r);
void api_push(const char *authorization, const char *body, size_t len, struct api_reply *r);
void api_seat(const char *authorization, const char *body, size_t len, struct api_reply *r);
void api_pull(const char *authorization, const char *body, size_t len, struct api_reply *r);

/* An error reply (docs/sync-protocol.md's table): status, the machine word, a message. */
void api_error(struct api_reply *r, unsigned status, const char *error, const char *message);
void api_reply_clear(struct api_reply *r);

/* ---- http.c ------------------------------------------------------------------------------ */

struct serve_options {
    const char *conninfo;
    const char *listen; /* "ADDR:PORT", "[v6]:PORT"; port 0 picks a free one */
    int threads;
    const char *tls_cert, *tls_key; /* both or neither: PEM files */
    int allotment;
    const char *port_file; /* NULL, or where to write the port once listening */
};

/* Serves the API until SIGTERM or SIGINT, then stops taking connections and lets requests in
** progress finish. Returns the process exit status: 0 after a clean stop, 1 when it could not
** start (the reason on stderr). */
int server_serve(const struct serve_options *o);

/* ---- admin.c ----------------------------------------------------------------------------- */

#define ENROL_CODE_ALPHABET "ACDEFHJKMNPQRTUVWXY3479"
#define ENROL_CODE_LEN 10

/* An enrolment code as a person typed it, normalised for comparison: upper case, spaces and
** dashes dropped. false when the result does not fit cap (or cap is 0): no code is that long. */
bool enrol_code_normalise(const char *typed, char *out, size_t cap);

/* The administrator's commands. Each writes its result to out and its complaints to err, and
** returns the exit status: 0 done, 1 refused (no such site, bad argument), 2 database failure. */
int admin_site_add(PGconn *conn, const char *id, const char *name, const char *timezone, FILE *out,
                   FILE *err);
int admin_enrol_code(PGconn *conn, const char *site_id, int hours, FILE *out, FILE *err);
int admin_devices(PGconn *conn, const char *site_id, FILE *out, FILE *err);
int admin_revoke(PGconn *conn, const char *device_id, FILE *out, FILE *err);

#endif
