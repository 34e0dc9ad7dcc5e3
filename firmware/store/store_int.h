/* Private to firmware/store: the handle, its statement cache and the error helpers shared by
** store.c (queries) and store_schema.c (migrations). Nothing outside store/ includes this file,
** so sqlite3.h stays inside the folder.
**
** Ownership: the handle owns its sqlite3 connection and every cached statement; both are
** released by store_close() and nowhere else. A cached statement is reset and its bindings
** cleared before it is handed out, and reset again by the function that used it before that
** function returns, so no statement keeps a read transaction open between calls. */
#ifndef BORNE_STORE_INT_H
#define BORNE_STORE_INT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"

#define STORE_ERRMSG_MAX 512
#define STORE_BUSY_TIMEOUT_MS 2000

/* The statements of the hot paths, prepared on first use and kept until store_close(). Cold
** paths (open, migrations, the integrity check) use sqlite3_exec or one-off statements. */
enum store_stmt {
    STMT_BEGIN,
    STMT_COMMIT,
    STMT_ROOM_PUT,
    STMT_SESSION_PUT,
    STMT_SESSION_COUNT,
    STMT_SESSIONS_BETWEEN,
    STMT_SESSION_GET,
    STMT_REGISTER_SESSION,
    STMT_REGISTER_SAME_PERSON,
    STMT_SEAT_TAKE,
    STMT_ALLOTMENT_SPEND,
    STMT_SEAT_COUNT,
    STMT_SEQ_NEXT,
    STMT_SEQ_GET,
    STMT_REGISTRATION_INSERT,
    STMT_OUTBOX_INSERT,
    STMT_REGISTRATION_GET,
    STMT_REGISTRATION_BY_CODE,
    STMT_REGISTRATION_COUNT,
    STMT_OUTBOX_PENDING,
    STMT_COUNT
};

struct store {
    sqlite3 *db;                    /* owned; closed by store_close() */
    sqlite3_stmt *stmt[STMT_COUNT]; /* owned; NULL until first used */
    char device_id[BORNE_ID_MAX];   /* read (or made) once at open */
    char errmsg[STORE_ERRMSG_MAX];  /* detail of the last failed call, "" after success */
};

/* Record a failure of SQLite call `rc` while doing `what` ("register", "open /x.db") and
** translate it: the message reads "what: SQLite's message (SQLITE_FULL)", with the system
** error appended for I/O-type failures. Must be called before anything else touches the
** connection (a ROLLBACK would replace SQLite's message). Returns the borne_err for rc. */
enum borne_err store_fail_sqlite(struct store *st, const char *what, int rc);

/* Record a failure that is not SQLite's (session full, bad argument) and return err. */
enum borne_err store_fail(struct store *st, enum borne_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Translate a SQLite result code (primary or extended) into the project's enum. */
enum borne_err store_err_from_sqlite(int rc);

/* The cached statement `id`, reset and with no bindings. On failure the error is recorded
** with `what` and *out is NULL. */
enum borne_err store_stmt_get(struct store *st, enum store_stmt id, const char *what,
                              sqlite3_stmt **out);

/* Roll back the open transaction, if any, after resetting every cached statement. Keeps the
** error already recorded: it is the one the caller reports. */
void store_rollback(struct store *st);

/* Shared by store.c and store_ticket.c. */
#define SESSION_COLUMNS                                                                            \
    "s.id, s.title, s.description, s.kind, s.room_id, coalesce(r.name, ''), s.organiser, "         \
    "s.starts_at, s.ends_at, s.capacity, s.seats_taken, s.reserved_for, s.cancelled "              \
    "FROM sessions s LEFT JOIN rooms r ON r.id = s.room_id "
int store_bind_text(sqlite3_stmt *stmt, int i, const char *s);
enum borne_err store_step_done(struct store *st, sqlite3_stmt *stmt, const char *what);
void store_column_copy(sqlite3_stmt *stmt, int col, char *dst, size_t cap);
/* Columns as in SESSION_COLUMNS. */
void store_read_session(sqlite3_stmt *stmt, struct session *out);
/* A random (version 4) UUID from the kernel's generator, as 36 lower-case characters. */
bool store_make_uuid(char *out, size_t cap);

/* Take the next device sequence number (inside the caller's transaction). */
enum borne_err store_next_seq(struct store *st, const char *what, int64_t *seq);
/* Record a new registration's ticket (on the waiting list or not), its print job and, if the door
 *is open, its check-in,
 ** inside store_register()'s transaction; fills out's ticket fields. */
/* The payload the ticket of req keeps: the one with the waiting-list mark when the
** registration went on the waiting list and the kiosk signed one, else req->payload. */
const char *store_ticket_payload_for(const struct registration_request *req, bool waitlist);

enum borne_err store_register_ticket(struct store *st, const struct registration_request *req,
                                     int64_t seq, bool waitlist, struct registration *out);

/* A one-off statement prepared with its bindings, for the cold paths of store_ticket.c and
** store_sync.c. types has one letter per parameter: 't' text, 'n' text bound as NULL when
** empty, 'i' int64_t, 'b' blob (a pointer then an int length). The caller finalizes it, or
** hands it to store_finish(). */
enum borne_err store_prepare(struct store *st, const char *what, sqlite3_stmt **out,
                             const char *sql, const char *types, ...);
/* Step a one-off statement that returns no row, and finalize it. */
enum borne_err store_finish(struct store *st, sqlite3_stmt *stmt, const char *what);
/* BEGIN IMMEDIATE and COMMIT through the handle's cached statements. */
enum borne_err store_begin(struct store *st, const char *what);
enum borne_err store_commit(struct store *st, const char *what);

/* Bring the schema to the newest version this build knows, each migration in its own
** BEGIN IMMEDIATE transaction. BORNE_ERR_TOO_NEW if the file's user_version is higher. */
enum borne_err store_schema_migrate(struct store *st);

/* The schema version this build writes (the number of migrations). */
int store_schema_version(void);

#endif
