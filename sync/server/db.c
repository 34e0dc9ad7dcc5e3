/* libpq plumbing for borne-server: connections, migrations, and the transaction runner.
**
** Every HTTP pool thread keeps its own connection (a libpq connection is not to be shared
** between threads while in use), made on first use and made again after it broke, so that a
** database restart costs each thread one failed request at most. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "server/migrations.h"
#include "server/server.h"

/* The advisory lock every migrating instance takes: "borne" in ASCII, 0x626f726e65. */
#define MIGRATE_LOCK_KEY "422776565349"

static void quiet_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message; /* "relation already exists, skipping" and the like: not for operators */
}

PGconn *db_open(const char *conninfo, char *why, size_t why_cap)
{
    /* Later keywords override earlier ones, and the expanded conninfo overrides what comes
    ** before it: the caller may lower connect_timeout, never change the encoding. */
    const char *keys[] = {"connect_timeout", "application_name", "dbname", "client_encoding", NULL};
    const char *values[] = {"5", "borne-server", conninfo ? conninfo : "", "UTF8", NULL};
    PGconn *conn = PQconnectdbParams(keys, values, 1);
    if (!conn) {
        snprintf(why, why_cap, "out of memory");
        return NULL;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        snprintf(why, why_cap, "%s", PQerrorMessage(conn));
        size_t n = strlen(why);
        while (n > 0 && (why[n - 1] == '\n' || why[n - 1] == ' '))
            why[--n] = '\0';
        PQfinish(conn);
        return NULL;
    }
    PQsetNoticeProcessor(conn, quiet_notices, NULL);
    return conn;
}

/* ---- statements -------------------------------------------------------------------------- */

static void tx_fail(struct db_tx *tx, const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorMessage(res) : NULL;
    if (!msg || !*msg)
        msg = PQerrorMessage(tx->conn);
    tx->failed = true;
    snprintf(tx->sqlstate, sizeof tx->sqlstate, "%s", state ? state : "");
    snprintf(tx->message, sizeof tx->message, "%s", msg ? msg : "unknown failure");
    size_t n = strlen(tx->message);
    while (n > 0 && (tx->message[n - 1] == '\n' || tx->message[n - 1] == ' '))
        tx->message[--n] = '\0';
}

/* A pool connection's prepared statements, known by the address of their SQL text: the
** routes run the same few dozen literals over and over, and preparing them once saves a parse
** and a plan per statement (a 500-event push runs some 2 000). */
#define DB_PREPARED_MAX 128

struct db_prepared {
    const char *sql[DB_PREPARED_MAX];
    int n;
};

/* The prepared statement's name for sql, preparing it if new. NULL when the cache is full (the
** statement then runs unprepared) or the preparation failed (tx failed). */
static const char *prepared_name(struct db_tx *tx, const char *sql, int n, char name[16])
{
    struct db_prepared *p = tx->prepared;
    for (int i = 0; i < p->n; i++) {
        if (p->sql[i] == sql) {
            snprintf(name, 16, "b%d", i);
            return name;
        }
    }
    if (p->n == DB_PREPARED_MAX)
        return NULL;
    snprintf(name, 16, "b%d", p->n);
    PGresult *res = PQprepare(tx->conn, name, sql, n, NULL);
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
        tx_fail(tx, res);
        PQclear(res);
        return NULL;
    }
    PQclear(res);
    p->sql[p->n++] = sql;
    return name;
}

PGresult *db_query(struct db_tx *tx, const char *sql, int n, const char *const *params)
{
    if (tx->failed)
        return NULL;
    char buf[16];
    const char *name = tx->prepared ? prepared_name(tx, sql, n, buf) : NULL;
    if (tx->failed)
        return NULL;
    PGresult *res = name ? PQexecPrepared(tx->conn, name, n, params, NULL, NULL, 0)
                         : PQexecParams(tx->conn, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
        return res;
    tx_fail(tx, res);
    PQclear(res);
    return NULL;
}

bool db_run(struct db_tx *tx, const char *sql, int n, const char *const *params)
{
    PGresult *res = db_query(tx, sql, n, params);
    PQclear(res);
    return res != NULL;
}

char *db_text_array(const char *const *items, size_t n)
{
    size_t len = 3;
    for (size_t i = 0; i < n; i++)
        len += 2 * strlen(items[i]) + 3;
    char *out = malloc(len);
    if (!out)
        return NULL;
    char *p = out;
    *p++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            *p++ = ',';
        *p++ = '"';
        for (const char *s = items[i]; *s; s++) {
            if (*s == '"' || *s == '\\')
                *p++ = '\\';
            *p++ = *s;
        }
        *p++ = '"';
    }
    *p++ = '}';
    *p = '\0';
    return out;
}

/* ---- migrations -------------------------------------------------------------------------- */

/* Runs one migration step under the lock: creates the ledger if absent, reads the version,
** applies migration i if the database is below it. *state: 0 applied, 1 already there,
** 2 database newer. Returns false on a database failure (message to err). */
static bool migrate_step(PGconn *conn, int i, int *state, int *version, FILE *err)
{
    struct db_tx tx = {.conn = conn};
    bool ok = db_run(&tx, "BEGIN", 0, NULL) &&
              db_run(&tx, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK_KEY ")", 0, NULL) &&
              db_run(&tx,
                     "CREATE TABLE IF NOT EXISTS schema_migrations ("
                     " version integer PRIMARY KEY, name text NOT NULL,"
                     " applied_at timestamptz NOT NULL DEFAULT now())",
                     0, NULL);
    PGresult *res =
        ok ? db_query(&tx, "SELECT coalesce(max(version), 0) FROM schema_migrations", 0, NULL)
           : NULL;
    if (res) {
        *version = atoi(PQgetvalue(res, 0, 0));
        PQclear(res);
        if (*version > server_migration_count) {
            *state = 2;
        } else if (*version > i) {
            *state = 1;
        } else {
            /* PQexec: the file is several statements, run by the simple protocol inside the
            ** open transaction. */
            PGresult *m = PQexec(conn, server_migrations[i].sql);
            if (!m || PQresultStatus(m) != PGRES_COMMAND_OK) {
                tx_fail(&tx, m);
            }
            PQclear(m);
            char v[16];
            snprintf(v, sizeof v, "%d", i + 1);
            const char *p[] = {v, server_migrations[i].name};
            db_run(&tx, "INSERT INTO schema_migrations (version, name) VALUES ($1::int, $2)", 2, p);
            *state = 0;
        }
    }
    if (!tx.failed) {
        PGresult *c = PQexec(conn, "COMMIT");
        if (!c || PQresultStatus(c) != PGRES_COMMAND_OK || strcmp(PQcmdStatus(c), "COMMIT"))
            tx_fail(&tx, c);
        PQclear(c);
    }
    if (tx.failed) {
        PQclear(PQexec(conn, "ROLLBACK"));
        fprintf(err, "borne-server: migration %s failed: %s\n",
                i < server_migration_count ? server_migrations[i].name : "?", tx.message);
        return false;
    }
    return true;
}

int db_migrate(PGconn *conn, FILE *out, FILE *err)
{
    int applied = 0, version = 0;
    for (int i = 0; i < server_migration_count; i++) {
        int state = 1;
        if (!migrate_step(conn, i, &state, &version, err))
            return 2;
        if (state == 2) {
            fprintf(err,
                    "borne-server: the database is at schema version %d, newer than this "
                    "program (%d): upgrade borne-server\n",
                    version, server_migration_count);
            return 1;
        }
        if (state == 0) {
            fprintf(out, "applied migration %s\n", server_migrations[i].name);
            applied++;
        }
    }
    if (applied == 0)
        fprintf(out, "database already at schema version %d, nothing to do\n",
                server_migration_count);
    else
        fprintf(out, "database now at schema version %d (%d migration%s applied)\n",
                server_migration_count, applied, applied == 1 ? "" : "s");
    return 0;
}

int db_schema_check(PGconn *conn, char *why, size_t why_cap)
{
    PGresult *res = PQexec(conn, "SELECT to_regclass('schema_migrations') IS NOT NULL");
    if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
        snprintf(why, why_cap, "%s", PQerrorMessage(conn));
        PQclear(res);
        return 2;
    }
    bool exists = PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    if (!exists) {
        snprintf(why, why_cap,
                 "the database is not migrated (no schema_migrations table): run borne-server "
                 "migrate");
        return 1;
    }
    res = PQexec(conn, "SELECT coalesce(max(version), 0) FROM schema_migrations");
    if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
        snprintf(why, why_cap, "cannot read schema_migrations: %s", PQerrorMessage(conn));
        PQclear(res);
        return 2;
    }
    int version = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    if (version < server_migration_count) {
        snprintf(why, why_cap,
                 "the database is at schema version %d of %d: run borne-server migrate", version,
                 server_migration_count);
        return 1;
    }
    if (version > server_migration_count) {
        snprintf(why, why_cap,
                 "the database is at schema version %d, newer than this program (%d): upgrade "
                 "borne-server",
                 version, server_migration_count);
        return 1;
    }
    return 0;
}

/* ---- the pool threads' connections ------------------------------------------------------- */

static char *pool_conninfo;
static pthread_key_t pool_key;
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

/* What a pool thread keeps: its connection and that connection's prepared statements. */
struct pool_slot {
    PGconn *conn;
    struct db_prepared prepared;
};

static void pool_slot_free(void *slot)
{
    struct pool_slot *s = slot;
    PQfinish(s->conn);
    free(s);
}

static void pool_key_make(void)
{
    if (pthread_key_create(&pool_key, pool_slot_free) != 0)
        abort(); /* only fails when the process is out of keys: a bug, not an error */
}

void db_pool_configure(const char *conninfo)
{
    free(pool_conninfo);
    pool_conninfo = strdup(conninfo ? conninfo : "");
    if (!pool_conninfo)
        abort();
    pthread_once(&pool_once, pool_key_make);
}

/* The calling thread's slot, its connection made if absent. *fresh says whether it was just
** made. NULL (why says why) when the database cannot be reached. */
static struct pool_slot *pool_conn(bool *fresh, char *why, size_t why_cap)
{
    pthread_once(&pool_once, pool_key_make);
    struct pool_slot *slot = pthread_getspecific(pool_key);
    *fresh = false;
    if (!slot) {
        slot = calloc(1, sizeof *slot);
        if (!slot) {
            snprintf(why, why_cap, "out of memory");
            return NULL;
        }
        pthread_setspecific(pool_key, slot);
    }
    if (slot->conn && PQstatus(slot->conn) != CONNECTION_OK) {
        PQfinish(slot->conn);
        slot->conn = NULL;
    }
    if (!slot->conn) {
        slot->prepared.n = 0; /* a new connection has none */
        slot->conn = db_open(pool_conninfo ? pool_conninfo : "", why, why_cap);
        if (!slot->conn)
            return NULL;
        /* Guards, not budgets: a request stuck behind a lock for this long is answered 500
        ** and its pool thread freed, instead of every kiosk of a site queueing behind it. */
        PGresult *res = PQexec(slot->conn, "SET statement_timeout = '20s';"
                                           " SET idle_in_transaction_session_timeout = '60s'");
        PQclear(res);
        *fresh = true;
    }
    return slot;
}

static void pool_conn_drop(void)
{
    struct pool_slot *slot = pthread_getspecific(pool_key);
    if (slot) {
        PQfinish(slot->conn);
        slot->conn = NULL;
        slot->prepared.n = 0;
    }
}

static bool retryable(const char *sqlstate)
{
    return !strcmp(sqlstate, "40001") || !strcmp(sqlstate, "40P01") || !strcmp(sqlstate, "23505");
}

static void nap_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

enum db_outcome db_transaction(db_tx_fn fn, void *arg, char *why, size_t why_cap)
{
    bool replaced = false;
    for (int attempt = 1;; attempt++) {
        bool fresh = false;
        struct pool_slot *slot = pool_conn(&fresh, why, why_cap);
        if (!slot)
            return DB_UNAVAILABLE;
        PGconn *conn = slot->conn;
        struct db_tx tx = {.conn = conn, .prepared = &slot->prepared};
        if (!db_run(&tx, "BEGIN ISOLATION LEVEL READ COMMITTED", 0, NULL)) {
            bool dead = PQstatus(conn) != CONNECTION_OK;
            snprintf(why, why_cap, "%s", tx.message);
            if (dead) {
                pool_conn_drop();
                /* A connection that died while idle (the database restarted) says so only
                ** now: nothing was sent, so one more try on a new connection is safe. */
                if (!fresh && !replaced) {
                    replaced = true;
                    attempt--;
                    continue;
                }
                return DB_UNAVAILABLE;
            }
            return DB_FAILED;
        }
        enum db_step step = fn(&tx, arg);
        if (step == DB_ERROR && !tx.failed) {
            /* The body gave up without a failed statement: a bug in the body. */
            snprintf(tx.message, sizeof tx.message, "transaction body failed");
            tx.failed = true;
        }
        if (!tx.failed) {
            PGresult *res = PQexec(conn, step == DB_COMMIT ? "COMMIT" : "ROLLBACK");
            /* A COMMIT of an aborted transaction answers "ROLLBACK", not an error. */
            if (res && PQresultStatus(res) == PGRES_COMMAND_OK &&
                (step != DB_COMMIT || !strcmp(PQcmdStatus(res), "COMMIT"))) {
                PQclear(res);
                return DB_DONE;
            }
            tx_fail(&tx, res);
            PQclear(res);
        } else {
            PQclear(PQexec(conn, "ROLLBACK"));
        }
        snprintf(why, why_cap, "%s%s%s", tx.sqlstate, tx.sqlstate[0] ? " " : "", tx.message);
        if (PQstatus(conn) != CONNECTION_OK) {
            pool_conn_drop();
            return DB_UNAVAILABLE;
        }
        if (!retryable(tx.sqlstate) || attempt >= DB_TX_ATTEMPTS)
            return DB_FAILED;
        fprintf(stderr, "borne-server: transaction retried (attempt %d): %s\n", attempt + 1, why);
        /* Spread the retries of transactions that collided, so they do not collide again. */
        nap_ms(1 + randombytes_uniform(5u * (unsigned)attempt));
    }
}
