/* The kiosk's local store: opening, errors, the catalogue and registrations. See store.h for
** the contracts and store_schema.c for the tables.
**
** Every write that a person is told is done happens inside one BEGIN IMMEDIATE ... COMMIT: the
** write lock is taken first, so the checks made inside the transaction (seats left, same
** person) still hold when COMMIT returns, even with another process (the sync worker) on the
** same file. On any failure the transaction is rolled back and every cached statement reset. */
#include "store/store_int.h"
#include "protocol/protocol.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/random.h>

#include "core/app.h"
#include "core/text.h"

/* The hot statements; see enum store_stmt. The column lists are shared with the readers below
** (read_session, read_registration), which take the columns in this order. */
#define REGISTRATION_COLUMNS                                                                       \
    "id, session_id, first_name, last_name, email, phone, short_code, status, created_at, "        \
    "device_seq FROM registrations "

static const char *const stmt_sql[STMT_COUNT] = {
    [STMT_BEGIN] = "BEGIN IMMEDIATE",
    [STMT_COMMIT] = "COMMIT",
    [STMT_ROOM_PUT] = "INSERT INTO rooms (id, name) VALUES (?1, ?2) "
                      "ON CONFLICT (id) DO UPDATE SET name = excluded.name",
    /* Not INSERT OR REPLACE: a replace deletes the row first, which registrations and
    ** allotments refer to. updated_at is left to sync, which knows the server's time. */
    [STMT_SESSION_PUT] =
        "INSERT INTO sessions (id, title, description, kind, room_id, organiser, starts_at, "
        "ends_at, capacity, seats_taken, reserved_for, cancelled) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
        "ON CONFLICT (id) DO UPDATE SET title = excluded.title, "
        "description = excluded.description, kind = excluded.kind, room_id = excluded.room_id, "
        "organiser = excluded.organiser, starts_at = excluded.starts_at, "
        "ends_at = excluded.ends_at, capacity = excluded.capacity, "
        "seats_taken = excluded.seats_taken, reserved_for = excluded.reserved_for, "
        "cancelled = excluded.cancelled",
    [STMT_SESSION_COUNT] = "SELECT count(*) FROM sessions",
    [STMT_SESSIONS_BETWEEN] =
        "SELECT " SESSION_COLUMNS "WHERE s.ends_at > ?1 AND s.starts_at < ?2 AND s.cancelled = 0 "
        "ORDER BY s.starts_at, s.title, s.id LIMIT ?3",
    [STMT_SESSION_GET] = "SELECT " SESSION_COLUMNS "WHERE s.id = ?1",
    [STMT_REGISTER_SESSION] =
        "SELECT cancelled, ends_at, reserved_for, capacity, seats_taken, starts_at FROM sessions "
        "WHERE id = ?1",
    /* "status != 2" is written exactly as in the partial index registrations_person, so that
    ** the planner uses it. */
    [STMT_REGISTER_SAME_PERSON] =
        "SELECT " REGISTRATION_COLUMNS "WHERE session_id = ?1 AND name_key = ?2 AND status != 2",
    [STMT_SEAT_TAKE] = "UPDATE sessions SET seats_taken = seats_taken + 1 "
                       "WHERE id = ?1 AND seats_taken < capacity",
    /* An enrolled kiosk spends a seat of its allotment only while one is left. */
    [STMT_ALLOTMENT_SPEND] = "UPDATE allotments SET seats_used = seats_used + 1 "
                             "WHERE session_id = ?1 "
                             "AND seats_granted - seats_returned - seats_used > 0",
    [STMT_SEAT_COUNT] = "UPDATE sessions SET seats_taken = seats_taken + 1 WHERE id = ?1",
    [STMT_SEQ_NEXT] = "UPDATE meta SET value = value + 1 WHERE key = 'device_seq'",
    [STMT_SEQ_GET] = "SELECT value FROM meta WHERE key = 'device_seq'",
    /* The registration and its event share parameters ?1..?10 (see bind_registration);
    ** ?11 is the name key for the one and the event id for the other. */
    [STMT_REGISTRATION_INSERT] =
        "INSERT INTO registrations (id, session_id, first_name, last_name, email, phone, "
        "short_code, created_at, device_seq, origin_device, name_key, status, seat) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    /* The payload is made by SQLite's json_object(): names go through its escaping, never
    ** through a format string of ours. */
    [STMT_OUTBOX_INSERT] =
        "INSERT INTO outbox (id, kind, entity_id, payload, created_at, device_seq) "
        "VALUES (?11, 'registration.created', ?1, json_object('registration_id', ?1, "
        "'session_id', ?2, 'first_name', ?3, 'last_name', ?4, 'email', ?5, 'phone', ?6, "
        "'short_code', ?7, 'status', ?14, 'seat', ?15, 'created_at', ?8, 'device_seq', ?9, "
        "'device_id', ?10, 'ticket_id', ?12, 'ticket_payload', ?13), ?8, ?9)",
    [STMT_REGISTRATION_GET] = "SELECT " REGISTRATION_COLUMNS "WHERE id = ?1",
    [STMT_REGISTRATION_BY_CODE] = "SELECT " REGISTRATION_COLUMNS "WHERE short_code = ?1",
    [STMT_REGISTRATION_COUNT] =
        "SELECT count(*) FROM registrations WHERE session_id = ?1 AND status = 0",
    [STMT_OUTBOX_PENDING] = "SELECT count(*) FROM outbox WHERE acked_at IS NULL",
};

/* ---- errors ---------------------------------------------------------------------------- */

static const char *rc_name(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
        return "SQLITE_OK";
    case SQLITE_ERROR:
        return "SQLITE_ERROR";
    case SQLITE_INTERNAL:
        return "SQLITE_INTERNAL";
    case SQLITE_PERM:
        return "SQLITE_PERM";
    case SQLITE_ABORT:
        return "SQLITE_ABORT";
    case SQLITE_BUSY:
        return "SQLITE_BUSY";
    case SQLITE_LOCKED:
        return "SQLITE_LOCKED";
    case SQLITE_NOMEM:
        return "SQLITE_NOMEM";
    case SQLITE_READONLY:
        return "SQLITE_READONLY";
    case SQLITE_INTERRUPT:
        return "SQLITE_INTERRUPT";
    case SQLITE_IOERR:
        return "SQLITE_IOERR";
    case SQLITE_CORRUPT:
        return "SQLITE_CORRUPT";
    case SQLITE_NOTFOUND:
        return "SQLITE_NOTFOUND";
    case SQLITE_FULL:
        return "SQLITE_FULL";
    case SQLITE_CANTOPEN:
        return "SQLITE_CANTOPEN";
    case SQLITE_PROTOCOL:
        return "SQLITE_PROTOCOL";
    case SQLITE_SCHEMA:
        return "SQLITE_SCHEMA";
    case SQLITE_TOOBIG:
        return "SQLITE_TOOBIG";
    case SQLITE_CONSTRAINT:
        return "SQLITE_CONSTRAINT";
    case SQLITE_MISMATCH:
        return "SQLITE_MISMATCH";
    case SQLITE_MISUSE:
        return "SQLITE_MISUSE";
    case SQLITE_RANGE:
        return "SQLITE_RANGE";
    case SQLITE_NOTADB:
        return "SQLITE_NOTADB";
    case SQLITE_ROW:
        return "SQLITE_ROW";
    case SQLITE_DONE:
        return "SQLITE_DONE";
    }
    return "SQLITE_?";
}

enum borne_err store_err_from_sqlite(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return BORNE_OK;
    case SQLITE_NOMEM:
        return BORNE_ERR_NOMEM;
    case SQLITE_IOERR:
        return rc == SQLITE_IOERR_NOMEM ? BORNE_ERR_NOMEM : BORNE_ERR_IO;
    case SQLITE_FULL:
        return BORNE_ERR_DISK_FULL;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return BORNE_ERR_CORRUPT;
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
        return BORNE_ERR_CANT_OPEN;
    case SQLITE_READONLY:
        return BORNE_ERR_READ_ONLY;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return BORNE_ERR_BUSY;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
        return BORNE_ERR_INVALID;
    }
    /* SQLITE_ERROR (bad SQL), SQLITE_MISUSE, SQLITE_RANGE...: a bug of ours. */
    return BORNE_ERR_INTERNAL;
}

enum borne_err store_fail_sqlite(struct store *st, const char *what, int rc)
{
    enum borne_err err = store_err_from_sqlite(rc);
    const char *msg = st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);
    int sys = st->db ? sqlite3_system_errno(st->db) : 0;
    int primary = rc & 0xff;

    /* The system's reason tells staff what to fix ("No such file or directory", "No space
    ** left on device"); it is only meaningful after a failed file operation. */
    if (sys != 0 &&
        (primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR || primary == SQLITE_FULL ||
         primary == SQLITE_READONLY || primary == SQLITE_PERM)) {
        char sysmsg[128];
        if (strerror_r(sys, sysmsg, sizeof sysmsg) != 0)
            snprintf(sysmsg, sizeof sysmsg, "errno %d", sys);
        /* A write that failed for want of space is reported by some paths as an I/O error
        ** (growing the shared-memory index, syncing): it is still a full disk. */
        if (sys == ENOSPC)
            err = BORNE_ERR_DISK_FULL;
        snprintf(st->errmsg, sizeof st->errmsg, "%s: %s (%s, %s)", what, msg, rc_name(rc), sysmsg);
    } else {
        snprintf(st->errmsg, sizeof st->errmsg, "%s: %s (%s)", what, msg, rc_name(rc));
    }
    return err;
}

enum borne_err store_fail(struct store *st, enum borne_err err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->errmsg, sizeof st->errmsg, fmt, ap);
    va_end(ap);
    return err;
}

/* ---- statements ------------------------------------------------------------------------ */

enum borne_err store_stmt_get(struct store *st, enum store_stmt id, const char *what,
                              sqlite3_stmt **out)
{
    *out = NULL;
    if (!st->stmt[id]) {
        /* PERSISTENT: these live as long as the handle, so SQLite keeps them out of its
        ** lookaside memory, which is meant for short-lived statements. */
        int rc = sqlite3_prepare_v3(st->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                    &st->stmt[id], NULL);
        if (rc != SQLITE_OK)
            return store_fail_sqlite(st, what, rc);
    } else {
        sqlite3_reset(st->stmt[id]);
        sqlite3_clear_bindings(st->stmt[id]);
    }
    *out = st->stmt[id];
    return BORNE_OK;
}

/* Reset every cached statement, so that none holds a read transaction, a lock or a pointer to
** the caller's memory (texts are bound SQLITE_STATIC) once a public function returns. */
static void stmts_reset(struct store *st)
{
    for (int i = 0; i < STMT_COUNT; i++) {
        if (st->stmt[i]) {
            sqlite3_reset(st->stmt[i]);
            sqlite3_clear_bindings(st->stmt[i]);
        }
    }
}

void store_rollback(struct store *st)
{
    stmts_reset(st);
    /* After SQLITE_FULL, IOERR, NOMEM or BUSY, SQLite may already have rolled back by itself;
    ** a second ROLLBACK would fail and replace the message that tells what happened. */
    if (st->db && !sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int store_bind_text(sqlite3_stmt *stmt, int i, const char *s)
{
    return sqlite3_bind_text(stmt, i, s, -1, SQLITE_STATIC);
}

/* Optional contact fields are NULL in the database when not given, so that "no e-mail" is not
** confused with an e-mail that is the empty string, and the JSON says null. */
static int bind_text_or_null(sqlite3_stmt *stmt, int i, const char *s)
{
    return s[0] ? store_bind_text(stmt, i, s) : sqlite3_bind_null(stmt, i);
}

/* Step a statement that returns no row (INSERT, UPDATE, BEGIN, COMMIT). */
enum borne_err store_step_done(struct store *st, sqlite3_stmt *stmt, const char *what)
{
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE)
        return store_fail_sqlite(st, what, rc == SQLITE_ROW ? SQLITE_MISUSE : rc);
    return BORNE_OK;
}

/* Run one of the cached "SELECT count(*)" statements, with an optional text parameter. */
static enum borne_err count_rows(struct store *st, enum store_stmt id, const char *what,
                                 const char *param, int *out)
{
    sqlite3_stmt *stmt;
    enum borne_err err = store_stmt_get(st, id, what, &stmt);
    if (err != BORNE_OK)
        goto cleanup;
    int rc = param ? store_bind_text(stmt, 1, param) : SQLITE_OK;
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        err = store_fail_sqlite(st, what, rc);
        goto cleanup;
    }
    *out = sqlite3_column_int(stmt, 0);

cleanup:
    stmts_reset(st);
    return err;
}

/* ---- reading rows ---------------------------------------------------------------------- */

/* Copy a text column into a field of cap bytes; NULL reads as "". A value longer than the
** field can only come from a damaged file or a newer program: it is cut at a code point
** boundary rather than refused, since a shortened title is better than a blank screen. */
void store_column_copy(sqlite3_stmt *stmt, int col, char *dst, size_t cap)
{
    const unsigned char *s = sqlite3_column_text(stmt, col);
    size_t len = (size_t)sqlite3_column_bytes(stmt, col);
    if (!s)
        len = 0;
    if (len >= cap) {
        len = cap - 1;
        while (len > 0 && (s[len] & 0xC0) == 0x80)
            len--; /* s[len] continues a code point that starts before: leave it all out */
    }
    if (len > 0)
        memcpy(dst, s, len);
    dst[len] = '\0';
}

/* Columns as in SESSION_COLUMNS. */
void store_read_session(sqlite3_stmt *stmt, struct session *out)
{
    memset(out, 0, sizeof *out);
    store_column_copy(stmt, 0, out->id, sizeof out->id);
    store_column_copy(stmt, 1, out->title, sizeof out->title);
    store_column_copy(stmt, 2, out->description, sizeof out->description);
    int kind = sqlite3_column_int(stmt, 3);
    /* A kind added by a later version reads as a workshop rather than indexing past a table. */
    out->kind =
        (kind >= 0 && kind < SESSION_KIND_COUNT) ? (enum session_kind)kind : SESSION_WORKSHOP;
    store_column_copy(stmt, 4, out->room_id, sizeof out->room_id);
    store_column_copy(stmt, 5, out->room_name, sizeof out->room_name);
    store_column_copy(stmt, 6, out->organiser, sizeof out->organiser);
    out->starts_at = sqlite3_column_int64(stmt, 7);
    out->ends_at = sqlite3_column_int64(stmt, 8);
    out->capacity = sqlite3_column_int(stmt, 9);
    out->seats_taken = sqlite3_column_int(stmt, 10);
    store_column_copy(stmt, 11, out->reserved_for, sizeof out->reserved_for);
    out->cancelled = sqlite3_column_int(stmt, 12) != 0;
}

/* Columns as in REGISTRATION_COLUMNS. */
static void read_registration(sqlite3_stmt *stmt, struct registration *out)
{
    memset(out, 0, sizeof *out);
    store_column_copy(stmt, 0, out->id, sizeof out->id);
    store_column_copy(stmt, 1, out->session_id, sizeof out->session_id);
    store_column_copy(stmt, 2, out->first_name, sizeof out->first_name);
    store_column_copy(stmt, 3, out->last_name, sizeof out->last_name);
    store_column_copy(stmt, 4, out->email, sizeof out->email);
    store_column_copy(stmt, 5, out->phone, sizeof out->phone);
    store_column_copy(stmt, 6, out->short_code, sizeof out->short_code);
    int status = sqlite3_column_int(stmt, 7);
    out->status = (status == REGISTRATION_WAITLIST || status == REGISTRATION_CANCELLED)
                      ? (enum registration_status)status
                      : REGISTRATION_CONFIRMED;
    out->created_at = sqlite3_column_int64(stmt, 8);
    out->device_seq = sqlite3_column_int64(stmt, 9);
}

/* Whether a fixed-size field holds a terminated string. Structs are plain memory that callers
** may fill by hand; a missing NUL must be refused here rather than read past. */
#define FIELD_OK(field) (memchr((field), '\0', sizeof(field)) != NULL)

static void copy_field(char *dst, size_t cap, const char *src)
{
    size_t len = strnlen(src, cap - 1);
    memcpy(dst, src, len);
    dst[len] = '\0';
}

/* ---- open and close -------------------------------------------------------------------- */

bool store_make_uuid(char *out, size_t cap)
{
    unsigned char b[16];
    size_t got = 0;
    while (got < sizeof b) {
        ssize_t n = getrandom(b + got, sizeof b - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        got += (size_t)n;
    }
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80); /* RFC 4122 variant */
    int n =
        snprintf(out, cap, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
                 b[13], b[14], b[15]);
    return n == 36;
}

/* A one-off statement returning one text value (PRAGMA journal_mode=...), copied into out. */
static int query_text(sqlite3 *db, const char *sql, char *out, size_t cap)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
    out[0] = '\0';
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
            store_column_copy(stmt, 0, out, cap);
            rc = SQLITE_OK;
        } else if (rc == SQLITE_DONE) {
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(stmt);
    return rc;
}

/* Set and verify the connection's durability settings. */
static enum borne_err configure(struct store *st, const char *what)
{
    char value[32];
    int rc = query_text(st->db, "PRAGMA journal_mode = WAL", value, sizeof value);
    if (rc != SQLITE_OK)
        return store_fail_sqlite(st, what, rc);
    /* SQLite answers with the mode it is in, not an error, when WAL is impossible (an
    ** in-memory database, a file system without shared memory): the durability contract
    ** would silently not hold, so the open fails. */
    if (strcmp(value, "wal") != 0)
        return store_fail(st, BORNE_ERR_CANT_OPEN,
                          "%s: cannot use write-ahead logging (journal mode stays '%s')", what,
                          value);
    rc = sqlite3_exec(st->db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", NULL, NULL,
                      NULL);
    if (rc != SQLITE_OK)
        return store_fail_sqlite(st, what, rc);
    /* foreign_keys is silently a no-op in a build without them. */
    rc = query_text(st->db, "PRAGMA foreign_keys", value, sizeof value);
    if (rc != SQLITE_OK)
        return store_fail_sqlite(st, what, rc);
    if (strcmp(value, "1") != 0)
        return store_fail(st, BORNE_ERR_INTERNAL, "%s: this SQLite has no foreign keys", what);
    return BORNE_OK;
}

/* Read this kiosk's device id, making it on the first open. INSERT OR IGNORE then read back:
** two processes opening a new file at once agree on one id. */
static enum borne_err load_device_id(struct store *st, const char *what)
{
    char id[BORNE_ID_MAX];
    char buf[2 * BORNE_ID_MAX];
    int rc = query_text(st->db, "SELECT value FROM meta WHERE key = 'device_id'", buf, sizeof buf);
    if (rc != SQLITE_OK)
        return store_fail_sqlite(st, what, rc);
    if (buf[0] == '\0') {
        sqlite3_stmt *stmt = NULL;
        if (!store_make_uuid(id, sizeof id)) {
            char sysmsg[128];
            if (strerror_r(errno, sysmsg, sizeof sysmsg) != 0)
                snprintf(sysmsg, sizeof sysmsg, "errno %d", errno);
            return store_fail(st, BORNE_ERR_IO, "%s: no random numbers for the device id (%s)",
                              what, sysmsg);
        }
        rc = sqlite3_prepare_v2(st->db,
                                "INSERT OR IGNORE INTO meta (key, value) VALUES ('device_id', ?1)",
                                -1, &stmt, NULL);
        if (rc == SQLITE_OK)
            rc = store_bind_text(stmt, 1, id);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(stmt);
        if (rc != SQLITE_DONE) {
            enum borne_err err = store_fail_sqlite(st, what, rc);
            sqlite3_finalize(stmt);
            return err;
        }
        sqlite3_finalize(stmt);
        rc = query_text(st->db, "SELECT value FROM meta WHERE key = 'device_id'", buf, sizeof buf);
        if (rc != SQLITE_OK)
            return store_fail_sqlite(st, what, rc);
    }
    if (buf[0] == '\0' || strlen(buf) >= sizeof st->device_id)
        return store_fail(st, BORNE_ERR_CORRUPT, "%s: the stored device id is not valid", what);
    copy_field(st->device_id, sizeof st->device_id, buf);
    return BORNE_OK;
}

enum borne_err store_open(const char *path, struct store **out, char *errmsg, size_t errmsg_cap)
{
    enum borne_err err = BORNE_OK;
    struct store *st = NULL;
    char what[STORE_ERRMSG_MAX / 2];
    int rc;

    if (errmsg && errmsg_cap)
        errmsg[0] = '\0';
    if (!out) {
        if (errmsg && errmsg_cap)
            snprintf(errmsg, errmsg_cap, "open: no place for the handle");
        return BORNE_ERR_INVALID;
    }
    *out = NULL;
    if (!path || !path[0]) {
        if (errmsg && errmsg_cap)
            snprintf(errmsg, errmsg_cap, "open: no path given");
        return BORNE_ERR_INVALID;
    }
    st = calloc(1, sizeof *st);
    if (!st) {
        if (errmsg && errmsg_cap)
            snprintf(errmsg, errmsg_cap, "open %s: out of memory", path);
        return BORNE_ERR_NOMEM;
    }
    snprintf(what, sizeof what, "open %s", path);

    rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        err = store_fail_sqlite(st, what, rc);
        goto cleanup;
    }
    sqlite3_extended_result_codes(st->db, 1);
    sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
    /* SQLite quietly falls back to read-only when the file cannot be written; the kiosk would
    ** then fail at the first registration instead of at start, where staff look. */
    if (sqlite3_db_readonly(st->db, "main") == 1) {
        err = store_fail(st, BORNE_ERR_READ_ONLY, "%s: the file cannot be written", what);
        goto cleanup;
    }
    /* Read before writing anything: a file that is not a database (or a damaged one) is
    ** reported as such and left exactly as it was, for whoever investigates. */
    rc = sqlite3_exec(st->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        err = store_fail_sqlite(st, what, rc);
        goto cleanup;
    }
    char version[16];
    rc = query_text(st->db, "PRAGMA user_version", version, sizeof version);
    if (rc != SQLITE_OK) {
        err = store_fail_sqlite(st, what, rc);
        goto cleanup;
    }
    if (atoi(version) > store_schema_version()) {
        err = store_fail(st, BORNE_ERR_TOO_NEW,
                         "%s: schema version %s is newer than this program knows (%d)", what,
                         version, store_schema_version());
        goto cleanup;
    }
    err = configure(st, what);
    if (err != BORNE_OK)
        goto cleanup;
    /* The file holds the kiosk's secret signing key and visitors' names: its owner only.
    ** SQLite gives the -wal and -shm files the database's permissions. Best effort: a file
    ** owned by someone else keeps its mode, which its owner chose. */
    (void)chmod(path, S_IRUSR | S_IWUSR);
    /* And files a crash left behind with an older mode: the key may be in the WAL. */
    for (int i = 0; i < 2; i++) {
        char side[STORE_ERRMSG_MAX];
        snprintf(side, sizeof side, "%s%s", path, i ? "-shm" : "-wal");
        (void)chmod(side, S_IRUSR | S_IWUSR);
    }
    err = store_schema_migrate(st);
    if (err != BORNE_OK)
        goto cleanup;
    err = load_device_id(st, what);
    if (err != BORNE_OK)
        goto cleanup;
    st->errmsg[0] = '\0';
    *out = st;
    st = NULL;

cleanup:
    if (st) {
        if (errmsg && errmsg_cap)
            snprintf(errmsg, errmsg_cap, "%s", st->errmsg);
        store_close(st);
    }
    return err;
}

void store_close(struct store *st)
{
    if (!st)
        return;
    for (int i = 0; i < STMT_COUNT; i++)
        sqlite3_finalize(st->stmt[i]);
    /* The last connection to close checkpoints the WAL into the file and removes it. */
    sqlite3_close_v2(st->db);
    free(st);
}

const char *store_errmsg(const struct store *st)
{
    return st ? st->errmsg : "no store";
}

const char *store_device_id(const struct store *st)
{
    return st ? st->device_id : "";
}

/* ---- catalogue ------------------------------------------------------------------------- */

static enum borne_err check_catalogue(struct store *st, const struct room *rooms, size_t n_rooms,
                                      const struct session *sessions, size_t n_sessions)
{
    if ((n_rooms && !rooms) || (n_sessions && !sessions))
        return store_fail(st, BORNE_ERR_INVALID,
                          "catalogue_put: no array for %zu rooms, %zu "
                          "sessions",
                          n_rooms, n_sessions);
    for (size_t i = 0; i < n_rooms; i++) {
        const struct room *r = &rooms[i];
        if (!FIELD_OK(r->id) || !FIELD_OK(r->name) || !r->id[0])
            return store_fail(st, BORNE_ERR_INVALID,
                              "catalogue_put: room %zu has no id or an unterminated field", i);
    }
    for (size_t i = 0; i < n_sessions; i++) {
        const struct session *s = &sessions[i];
        if (!FIELD_OK(s->id) || !FIELD_OK(s->title) || !FIELD_OK(s->description) ||
            !FIELD_OK(s->room_id) || !FIELD_OK(s->organiser) || !FIELD_OK(s->reserved_for) ||
            !s->id[0])
            return store_fail(st, BORNE_ERR_INVALID,
                              "catalogue_put: session %zu has no id or an unterminated field", i);
        /* A ticket carries the session id in its QR: printable ASCII without spaces only. */
        for (const char *c = s->id; *c; c++)
            if (*c < 0x21 || *c > 0x7E)
                return store_fail(st, BORNE_ERR_INVALID,
                                  "catalogue_put: session %zu: its id must be printable ASCII "
                                  "without spaces",
                                  i);
        if ((int)s->kind < 0 || (int)s->kind >= SESSION_KIND_COUNT || s->capacity < 0 ||
            s->seats_taken < 0 || s->ends_at < s->starts_at)
            return store_fail(st, BORNE_ERR_INVALID,
                              "catalogue_put: session %s: kind %d, capacity %d, seats taken %d, "
                              "%lld..%lld is not valid",
                              s->id, (int)s->kind, s->capacity, s->seats_taken,
                              (long long)s->starts_at, (long long)s->ends_at);
    }
    return BORNE_OK;
}

enum borne_err store_catalogue_put(struct store *st, const struct room *rooms, size_t n_rooms,
                                   const struct session *sessions, size_t n_sessions)
{
    static const char what[] = "catalogue_put";
    enum borne_err err;
    sqlite3_stmt *stmt;
    char item[STORE_ERRMSG_MAX / 2];
    int rc;

    if (!st)
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    err = check_catalogue(st, rooms, n_rooms, sessions, n_sessions);
    if (err != BORNE_OK)
        return err;

    err = store_stmt_get(st, STMT_BEGIN, what, &stmt);
    if (err == BORNE_OK)
        err = store_step_done(st, stmt, what);
    if (err != BORNE_OK)
        goto cleanup;
    for (size_t i = 0; i < n_rooms; i++) {
        snprintf(item, sizeof item, "%s: room %s", what, rooms[i].id);
        err = store_stmt_get(st, STMT_ROOM_PUT, item, &stmt);
        if (err != BORNE_OK)
            goto cleanup;
        rc = store_bind_text(stmt, 1, rooms[i].id);
        if (rc == SQLITE_OK)
            rc = store_bind_text(stmt, 2, rooms[i].name);
        if (rc != SQLITE_OK) {
            err = store_fail_sqlite(st, item, rc);
            goto cleanup;
        }
        err = store_step_done(st, stmt, item);
        if (err != BORNE_OK)
            goto cleanup;
    }
    for (size_t i = 0; i < n_sessions; i++) {
        const struct session *s = &sessions[i];
        snprintf(item, sizeof item, "%s: session %s", what, s->id);
        err = store_stmt_get(st, STMT_SESSION_PUT, item, &stmt);
        if (err != BORNE_OK)
            goto cleanup;
        rc = store_bind_text(stmt, 1, s->id);
        if (rc == SQLITE_OK)
            rc = store_bind_text(stmt, 2, s->title);
        if (rc == SQLITE_OK)
            rc = store_bind_text(stmt, 3, s->description);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_int(stmt, 4, (int)s->kind);
        if (rc == SQLITE_OK)
            rc = store_bind_text(stmt, 5, s->room_id);
        if (rc == SQLITE_OK)
            rc = store_bind_text(stmt, 6, s->organiser);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_int64(stmt, 7, s->starts_at);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_int64(stmt, 8, s->ends_at);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_int(stmt, 9, s->capacity);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_int(stmt, 10, s->seats_taken);
        if (rc == SQLITE_OK)
            rc = store_bind_text(stmt, 11, s->reserved_for);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_int(stmt, 12, s->cancelled ? 1 : 0);
        if (rc != SQLITE_OK) {
            err = store_fail_sqlite(st, item, rc);
            goto cleanup;
        }
        err = store_step_done(st, stmt, item);
        if (err != BORNE_OK)
            goto cleanup;
    }
    err = store_stmt_get(st, STMT_COMMIT, what, &stmt);
    if (err == BORNE_OK)
        err = store_step_done(st, stmt, what);

cleanup:
    if (err != BORNE_OK)
        store_rollback(st);
    else
        stmts_reset(st);
    return err;
}

enum borne_err store_session_count(struct store *st, int *out)
{
    if (out)
        *out = 0;
    if (!st || !out)
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    return count_rows(st, STMT_SESSION_COUNT, "session_count", NULL, out);
}

enum borne_err store_sessions_between(struct store *st, int64_t from, int64_t until,
                                      struct session *out, size_t cap, size_t *n_out)
{
    static const char what[] = "sessions_between";
    enum borne_err err;
    sqlite3_stmt *stmt;
    size_t n = 0;
    int rc;

    if (n_out)
        *n_out = 0;
    if (!st || !n_out || (cap && !out))
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    err = store_stmt_get(st, STMT_SESSIONS_BETWEEN, what, &stmt);
    if (err != BORNE_OK)
        goto cleanup;
    rc = sqlite3_bind_int64(stmt, 1, from);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 2, until);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 3, cap > INT64_MAX ? INT64_MAX : (int64_t)cap);
    if (rc != SQLITE_OK) {
        err = store_fail_sqlite(st, what, rc);
        goto cleanup;
    }
    while (n < cap && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
        store_read_session(stmt, &out[n++]);
    if (n < cap && rc != SQLITE_DONE) {
        err = store_fail_sqlite(st, what, rc);
        n = 0;
        goto cleanup;
    }
    *n_out = n;

cleanup:
    stmts_reset(st);
    return err;
}

/* One row through a cached statement keyed by one text parameter, read by `read` into out
** (out_size bytes, zeroed first and on failure). `noun` names the thing in the message. */
static enum borne_err row_by_key(struct store *st, enum store_stmt id, const char *what,
                                 const char *noun, const char *key,
                                 void (*read)(sqlite3_stmt *, void *), void *out, size_t out_size)
{
    sqlite3_stmt *stmt;
    enum borne_err err;
    int rc;

    if (out)
        memset(out, 0, out_size);
    if (!st || !key || !out)
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    err = store_stmt_get(st, id, what, &stmt);
    if (err != BORNE_OK)
        goto cleanup;
    rc = store_bind_text(stmt, 1, key);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        read(stmt, out);
    else if (rc == SQLITE_DONE)
        err = store_fail(st, BORNE_ERR_NOT_FOUND, "%s: no %s %.64s", what, noun, key);
    else
        err = store_fail_sqlite(st, what, rc);

cleanup:
    stmts_reset(st);
    return err;
}

static void read_session_row(sqlite3_stmt *stmt, void *out)
{
    store_read_session(stmt, out);
}

static void read_registration_row(sqlite3_stmt *stmt, void *out)
{
    read_registration(stmt, out);
}

enum borne_err store_session_get(struct store *st, const char *id, struct session *out)
{
    return row_by_key(st, STMT_SESSION_GET, "session_get", "session", id, read_session_row, out,
                      sizeof *out);
}

/* ---- registrations --------------------------------------------------------------------- */

static enum borne_err check_request(struct store *st, const struct registration_request *req)
{
    if (!FIELD_OK(req->registration_id) || !FIELD_OK(req->event_id) || !FIELD_OK(req->session_id) ||
        !FIELD_OK(req->first_name) || !FIELD_OK(req->last_name) || !FIELD_OK(req->email) ||
        !FIELD_OK(req->phone) || !FIELD_OK(req->short_code))
        return store_fail(st, BORNE_ERR_INVALID, "register: a field is not terminated");
    if (!req->registration_id[0] || !req->event_id[0] || !req->session_id[0] || !req->short_code[0])
        return store_fail(st, BORNE_ERR_INVALID, "register: missing id or short code");
    if (!req->first_name[0] || !req->last_name[0])
        return store_fail(st, BORNE_ERR_INVALID, "register: missing first name or name");
    if (!FIELD_OK(req->ticket_id) || !FIELD_OK(req->payload) || !FIELD_OK(req->checkin_id) ||
        !FIELD_OK(req->checkin_event_id))
        return store_fail(st, BORNE_ERR_INVALID, "register: a ticket field is not terminated");
    if (req->ticket_id[0] && (!req->payload[0] || !req->checkin_id[0] || !req->checkin_event_id[0]))
        return store_fail(st, BORNE_ERR_INVALID, "register: a ticket needs its payload and ids");
    /* A ticket that may go on the waiting list must be able to say so under its signature: a
    ** door that has not synced it would otherwise let its holder in. */
    if (!FIELD_OK(req->payload_waitlist) ||
        (req->ticket_id[0] && req->seat_mode == REGISTRATION_SEAT_ESCROW && req->waitlist_ok &&
         !req->payload_waitlist[0]))
        return store_fail(st, BORNE_ERR_INVALID,
                          "register: a ticket that may be on the waiting list needs its marked "
                          "payload");
    return BORNE_OK;
}

const char *store_ticket_payload_for(const struct registration_request *req, bool waitlist)
{
    return waitlist && req->payload_waitlist[0] ? req->payload_waitlist : req->payload;
}

/* Parameters ?1..?10 shared by STMT_REGISTRATION_INSERT and STMT_OUTBOX_INSERT. */
static int bind_registration(struct store *st, sqlite3_stmt *stmt,
                             const struct registration_request *req, int64_t seq)
{
    int rc = store_bind_text(stmt, 1, req->registration_id);
    if (rc == SQLITE_OK)
        rc = store_bind_text(stmt, 2, req->session_id);
    if (rc == SQLITE_OK)
        rc = store_bind_text(stmt, 3, req->first_name);
    if (rc == SQLITE_OK)
        rc = store_bind_text(stmt, 4, req->last_name);
    if (rc == SQLITE_OK)
        rc = bind_text_or_null(stmt, 5, req->email);
    if (rc == SQLITE_OK)
        rc = bind_text_or_null(stmt, 6, req->phone);
    if (rc == SQLITE_OK)
        rc = store_bind_text(stmt, 7, req->short_code);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 8, req->now);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 9, seq);
    if (rc == SQLITE_OK)
        rc = store_bind_text(stmt, 10, st->device_id);
    return rc;
}

enum borne_err store_next_seq(struct store *st, const char *what, int64_t *seq)
{
    sqlite3_stmt *stmt;
    enum borne_err err = store_stmt_get(st, STMT_SEQ_NEXT, what, &stmt);
    if (err == BORNE_OK)
        err = store_step_done(st, stmt, what);
    if (err != BORNE_OK)
        return err;
    if (sqlite3_changes(st->db) != 1)
        return store_fail(st, BORNE_ERR_CORRUPT, "%s: the device sequence number is missing", what);
    err = store_stmt_get(st, STMT_SEQ_GET, what, &stmt);
    if (err != BORNE_OK)
        return err;
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW)
        return store_fail_sqlite(st, what, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc);
    *seq = sqlite3_column_int64(stmt, 0);
    sqlite3_reset(stmt);
    return BORNE_OK;
}

/* Take the seat of a registration inside store_register()'s transaction, and say what the
** registration is: *status confirmed or waitlist, *seat where the seat came from. The seat is
** taken by a conditional UPDATE, not by comparing the numbers read before: the database, not
** this code, is what guarantees a session is never oversold (by this kiosk alone, or, when
** enrolled, beyond the seats the server put in escrow for it). */
static enum borne_err take_seat(struct store *st, const struct registration_request *req,
                                int seats_taken, int capacity, enum registration_status *status,
                                enum sync_seat *seat)
{
    static const char what[] = "register";
    sqlite3_stmt *stmt;
    bool escrow = req->seat_mode == REGISTRATION_SEAT_ESCROW;
    enum borne_err err =
        store_stmt_get(st, escrow ? STMT_ALLOTMENT_SPEND : STMT_SEAT_TAKE, what, &stmt);
    if (err != BORNE_OK)
        return err;
    int rc = store_bind_text(stmt, 1, req->session_id);
    if (rc != SQLITE_OK)
        return store_fail_sqlite(st, what, rc);
    err = store_step_done(st, stmt, what);
    if (err != BORNE_OK)
        return err;
    bool taken = sqlite3_changes(st->db) == 1;
    if (escrow && !taken && req->seat_from_server) {
        /* The server has just granted a seat for this registration (it is in the allotment
        ** merged before this call), yet the counters here say the allotment is spent: a pull
        ** took seats back on a count of seats used read before this kiosk spent more, so the
        ** allotment is overdrawn by the seats spent while that pull was on its way. The seat
        ** granted now is this visitor's all the same; refusing it would turn them away
        ** ("complet") while the server holds it for nobody. The next pull reports the larger
        ** count and the server makes the allotment whole; capacity stays the server's to
        ** keep (a pushed registration it holds no seat for is confirmed only if one is free,
        ** else put on the waiting list). */
        err = store_prepare(st, what, &stmt,
                            "UPDATE allotments SET seats_used = seats_used + 1 "
                            "WHERE session_id = ?1",
                            "t", req->session_id);
        if (err == BORNE_OK)
            err = store_finish(st, stmt, what);
        if (err != BORNE_OK)
            return err;
        taken = sqlite3_changes(st->db) == 1;
    }
    if (escrow && taken) {
        /* The seats shown to visitors follow: one seat fewer here. */
        err = store_stmt_get(st, STMT_SEAT_COUNT, what, &stmt);
        if (err == BORNE_OK && (rc = store_bind_text(stmt, 1, req->session_id)) != SQLITE_OK)
            err = store_fail_sqlite(st, what, rc);
        if (err == BORNE_OK)
            err = store_step_done(st, stmt, what);
        if (err != BORNE_OK)
            return err;
    }
    if (taken) {
        *status = REGISTRATION_CONFIRMED;
        *seat = !escrow                 ? SYNC_SEAT_LOCAL
                : req->seat_from_server ? SYNC_SEAT_SERVER
                                        : SYNC_SEAT_ALLOTMENT;
        return BORNE_OK;
    }
    if (escrow && req->waitlist_ok) {
        *status = REGISTRATION_WAITLIST;
        *seat = SYNC_SEAT_NONE;
        return BORNE_OK;
    }
    return store_fail(st, BORNE_ERR_SESSION_FULL, "%s: session %s is full (%d of %d seats%s)", what,
                      req->session_id, seats_taken, capacity,
                      escrow ? ", none left in this kiosk's allotment" : "");
}

enum borne_err store_register(struct store *st, const struct registration_request *req,
                              struct registration *out)
{
    static const char what[] = "register";
    enum borne_err err;
    sqlite3_stmt *stmt;
    /* Folding never makes a name longer in bytes (É -> e, ß -> ss, œ -> oe), so two names and
    ** the separator fit. */
    char key[2 * BORNE_NAME_MAX + 2];
    int64_t seq = 0;
    int rc;
    enum registration_status status = REGISTRATION_CONFIRMED;
    enum sync_seat seat = SYNC_SEAT_LOCAL;

    if (out)
        memset(out, 0, sizeof *out);
    if (!st || !req || !out)
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    err = check_request(st, req);
    if (err != BORNE_OK)
        return err;
    text_name_key(req->first_name, req->last_name, key, sizeof key);

    /* IMMEDIATE: the write lock is held from the first read, so the seat count and the
    ** same-person check cannot change under this transaction. */
    err = store_stmt_get(st, STMT_BEGIN, what, &stmt);
    if (err == BORNE_OK)
        err = store_step_done(st, stmt, what);
    if (err != BORNE_OK)
        goto cleanup;

    err = store_stmt_get(st, STMT_REGISTER_SESSION, what, &stmt);
    if (err != BORNE_OK)
        goto cleanup;
    rc = store_bind_text(stmt, 1, req->session_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) {
        err = store_fail(st, BORNE_ERR_NOT_FOUND, "%s: no session %s", what, req->session_id);
        goto cleanup;
    }
    if (rc != SQLITE_ROW) {
        err = store_fail_sqlite(st, what, rc);
        goto cleanup;
    }
    bool cancelled = sqlite3_column_int(stmt, 0) != 0;
    int64_t ends_at = sqlite3_column_int64(stmt, 1);
    bool reserved = sqlite3_column_bytes(stmt, 2) > 0;
    int capacity = sqlite3_column_int(stmt, 3);
    int seats_taken = sqlite3_column_int(stmt, 4);
    int64_t starts_at = sqlite3_column_int64(stmt, 5);
    /* The same rule as the screen's (session_state_at), kept here too: whatever the UI does,
    ** nobody is registered for a session that is over or under way past its late grace. */
    if (cancelled || ends_at <= req->now || req->now >= starts_at + APP_LATE_GRACE_S) {
        err =
            store_fail(st, BORNE_ERR_SESSION_CLOSED, "%s: session %s is %s", what, req->session_id,
                       cancelled             ? "cancelled"
                       : ends_at <= req->now ? "over"
                                             : "under way");
        goto cleanup;
    }
    if (reserved) {
        err = store_fail(st, BORNE_ERR_SESSION_RESERVED, "%s: session %s is reserved for a group",
                         what, req->session_id);
        goto cleanup;
    }

    /* Before the seat check: someone already registered for a full session gets their ticket
    ** back instead of "complet". */
    err = store_stmt_get(st, STMT_REGISTER_SAME_PERSON, what, &stmt);
    if (err != BORNE_OK)
        goto cleanup;
    rc = store_bind_text(stmt, 1, req->session_id);
    if (rc == SQLITE_OK)
        rc = store_bind_text(stmt, 2, key);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        read_registration(stmt, out);
        err = store_fail(st, BORNE_ERR_ALREADY_REGISTERED,
                         "%s: the same person already holds %s for session %s", what, out->id,
                         req->session_id);
        goto cleanup;
    }
    if (rc != SQLITE_DONE) {
        err = store_fail_sqlite(st, what, rc);
        goto cleanup;
    }

    err = take_seat(st, req, seats_taken, capacity, &status, &seat);
    if (err != BORNE_OK)
        goto cleanup;

    err = store_next_seq(st, what, &seq);
    if (err != BORNE_OK)
        goto cleanup;

    err = store_stmt_get(st, STMT_REGISTRATION_INSERT, what, &stmt);
    if (err != BORNE_OK)
        goto cleanup;
    rc = bind_registration(st, stmt, req, seq);
    if (rc == SQLITE_OK)
        rc = store_bind_text(stmt, 11, key);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(stmt, 12, (int)status);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(stmt, 13, (int)seat);
    if (rc != SQLITE_OK) {
        err = store_fail_sqlite(st, what, rc);
        goto cleanup;
    }
    err = store_step_done(st, stmt, what);
    if (err != BORNE_OK)
        goto cleanup;

    err = store_stmt_get(st, STMT_OUTBOX_INSERT, what, &stmt);
    if (err != BORNE_OK)
        goto cleanup;
    rc = bind_registration(st, stmt, req, seq);
    if (rc == SQLITE_OK)
        rc = store_bind_text(stmt, 11, req->event_id);
    if (rc == SQLITE_OK)
        rc = bind_text_or_null(stmt, 12, req->ticket_id);
    if (rc == SQLITE_OK)
        rc = bind_text_or_null(stmt, 13,
                               store_ticket_payload_for(req, status == REGISTRATION_WAITLIST));
    if (rc == SQLITE_OK)
        rc = store_bind_text(stmt, 14, sync_registration_status_name(status));
    if (rc == SQLITE_OK)
        rc = store_bind_text(stmt, 15, sync_seat_name(seat));
    if (rc != SQLITE_OK) {
        err = store_fail_sqlite(st, what, rc);
        goto cleanup;
    }
    err = store_step_done(st, stmt, what);
    if (err != BORNE_OK)
        goto cleanup;

    /* The ticket, its print job and an immediate check-in belong to the same transaction: a
    ** registration never exists without the ticket the visitor was told about. */
    if (req->ticket_id[0]) {
        err = store_register_ticket(st, req, seq, status == REGISTRATION_WAITLIST, out);
        if (err != BORNE_OK)
            goto cleanup;
    }

    err = store_stmt_get(st, STMT_COMMIT, what, &stmt);
    if (err == BORNE_OK)
        err = store_step_done(st, stmt, what);
    if (err != BORNE_OK)
        goto cleanup;

    copy_field(out->id, sizeof out->id, req->registration_id);
    copy_field(out->session_id, sizeof out->session_id, req->session_id);
    copy_field(out->first_name, sizeof out->first_name, req->first_name);
    copy_field(out->last_name, sizeof out->last_name, req->last_name);
    copy_field(out->email, sizeof out->email, req->email);
    copy_field(out->phone, sizeof out->phone, req->phone);
    copy_field(out->short_code, sizeof out->short_code, req->short_code);
    out->status = status;
    out->created_at = req->now;
    out->device_seq = seq;

cleanup:
    if (err != BORNE_OK) {
        if (err != BORNE_ERR_ALREADY_REGISTERED)
            memset(out, 0, sizeof *out);
        store_rollback(st);
    } else {
        stmts_reset(st);
    }
    return err;
}

enum borne_err store_registration_get(struct store *st, const char *id, struct registration *out)
{
    return row_by_key(st, STMT_REGISTRATION_GET, "registration_get", "registration", id,
                      read_registration_row, out, sizeof *out);
}

enum borne_err store_registration_by_code(struct store *st, const char *short_code,
                                          struct registration *out)
{
    return row_by_key(st, STMT_REGISTRATION_BY_CODE, "registration_by_code", "registration",
                      short_code, read_registration_row, out, sizeof *out);
}

enum borne_err store_registration_count(struct store *st, const char *session_id, int *out)
{
    if (out)
        *out = 0;
    if (!st || !session_id || !out)
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    return count_rows(st, STMT_REGISTRATION_COUNT, "registration_count", session_id, out);
}

enum borne_err store_outbox_pending(struct store *st, int *out)
{
    if (out)
        *out = 0;
    if (!st || !out)
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    return count_rows(st, STMT_OUTBOX_PENDING, "outbox_pending", NULL, out);
}

/* ---- integrity ------------------------------------------------------------------------- */

enum borne_err store_check(struct store *st)
{
    static const char what[] = "check";
    enum borne_err err = BORNE_OK;
    sqlite3_stmt *stmt = NULL;
    int rc;

    if (!st)
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    /* The page structure: one row "ok", or one row per problem (the first is reported). */
    rc = sqlite3_prepare_v2(st->db, "PRAGMA integrity_check", -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        err = store_fail_sqlite(st, what, rc);
        goto cleanup;
    }
    const char *verdict = (const char *)sqlite3_column_text(stmt, 0);
    if (!verdict || strcmp(verdict, "ok") != 0) {
        err = store_fail(st, BORNE_ERR_CORRUPT, "%s: %.300s", what, verdict ? verdict : "?");
        goto cleanup;
    }
    sqlite3_finalize(stmt);
    stmt = NULL;

    /* References: integrity_check does not look at foreign keys. */
    rc = sqlite3_prepare_v2(st->db, "PRAGMA foreign_key_check", -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        char table[64], parent[64];
        store_column_copy(stmt, 0, table, sizeof table);
        store_column_copy(stmt, 2, parent, sizeof parent);
        err = store_fail(st, BORNE_ERR_CORRUPT, "%s: row %lld of %s refers to a missing %s", what,
                         (long long)sqlite3_column_int64(stmt, 1), table, parent);
        goto cleanup;
    }
    if (rc != SQLITE_DONE)
        err = store_fail_sqlite(st, what, rc);

cleanup:
    sqlite3_finalize(stmt);
    return err;
}

/* ---- privacy --------------------------------------------------------------------------- */

static int exec_bound(sqlite3 *db, const char *sql, int64_t a, int64_t b)
{
    sqlite3_stmt *stmt;
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, a);
    sqlite3_bind_int64(stmt, 2, b);
    rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

enum borne_err store_purge_personal(struct store *st, int64_t ended_before, int64_t now, int *n_out)
{
    static const char what[] = "purge";
    /* The events first: they are found through the registrations not yet purged. The event
    ** keeps its shape (the server reads the same keys) with the personal values emptied. */
    static const char events[] =
        "UPDATE outbox SET payload = json_set(payload, '$.first_name', '', '$.last_name', '', "
        "'$.email', NULL, '$.phone', NULL, '$.purged', json('true')) "
        "WHERE kind = 'registration.created' AND entity_id IN ("
        "  SELECT r.id FROM registrations r JOIN sessions s ON s.id = r.session_id"
        "  WHERE r.purged_at IS NULL AND s.ends_at < ?1)";
    /* The name key becomes unique to the record, so that purged registrations never match a
    ** person (nor each other under the same-person index). */
    static const char regs[] =
        "UPDATE registrations SET first_name = '', last_name = '', email = NULL, phone = NULL, "
        "name_key = 'purged:' || id, purged_at = ?2 "
        "WHERE purged_at IS NULL AND session_id IN (SELECT id FROM sessions WHERE ends_at < ?1)";
    /* The welcome screen's copy of the first name goes too (?2 unused: same binder), also
    ** for a ticket whose session this kiosk never held, once it is as old. */
    static const char tickets[] =
        "UPDATE tickets SET first_name = '' WHERE first_name != '' AND ?2 = ?2 AND (session_id IN "
        "(SELECT id FROM sessions WHERE ends_at < ?1) OR (issued_at < ?1 AND session_id NOT IN "
        "(SELECT id FROM sessions)))";
    if (n_out)
        *n_out = 0;
    if (!st)
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    int rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = exec_bound(st->db, events, ended_before, now);
    if (rc == SQLITE_OK)
        rc = exec_bound(st->db, regs, ended_before, now);
    int n = rc == SQLITE_OK ? sqlite3_changes(st->db) : 0;
    if (rc == SQLITE_OK)
        rc = exec_bound(st->db, tickets, ended_before, now);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        enum borne_err err = store_fail_sqlite(st, what, rc);
        store_rollback(st);
        return err;
    }
    if (n_out)
        *n_out = n;
    return BORNE_OK;
}
