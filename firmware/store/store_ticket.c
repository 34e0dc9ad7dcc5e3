/* Tickets, check-ins, the print log and device keys. See store.h.
**
** These paths run a few times a minute at most, so their statements are prepared per call
** (a few tens of microseconds) rather than cached; every lookup they make is by primary key
** or index, which keeps a check-in fast with 100 000 tickets stored (tests/bench). */
#include "store/store_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A ticket counts as cancelled when marked so or listed among the cancelled ones (sync may
** bring the list before or without the ticket). */
#define TICKET_COLUMNS                                                                             \
    "id, coalesce(registration_id, ''), session_id, device_id, payload, short_code, first_name, "  \
    "status = 1 OR id IN (SELECT ticket_id FROM cancelled_tickets), issued_at, waitlist "          \
    "FROM tickets "

/* Prepare sql and bind its parameters, described by types: 't' text, 'n' text or NULL when
** empty, 'i' int64, 'b' blob (pointer then int length). On failure the error is recorded
** with `what` and *out is NULL. The caller finalizes. */
enum borne_err store_prepare(struct store *st, const char *what, sqlite3_stmt **out,
                             const char *sql, const char *types, ...)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL);
    va_list ap;
    va_start(ap, types);
    for (int i = 0; rc == SQLITE_OK && types[i]; i++) {
        if (types[i] == 't') {
            rc = store_bind_text(stmt, i + 1, va_arg(ap, const char *));
        } else if (types[i] == 'n') {
            const char *s = va_arg(ap, const char *);
            rc = s[0] ? store_bind_text(stmt, i + 1, s) : sqlite3_bind_null(stmt, i + 1);
        } else if (types[i] == 'i') {
            rc = sqlite3_bind_int64(stmt, i + 1, va_arg(ap, int64_t));
        } else {
            const void *p = va_arg(ap, const void *);
            rc = sqlite3_bind_blob(stmt, i + 1, p, va_arg(ap, int), SQLITE_STATIC);
        }
    }
    va_end(ap);
    if (rc != SQLITE_OK) {
        enum borne_err err = store_fail_sqlite(st, what, rc);
        sqlite3_finalize(stmt);
        *out = NULL;
        return err;
    }
    *out = stmt;
    return BORNE_OK;
}

/* Step a prepared statement that returns no row, and finalize it. */
enum borne_err store_finish(struct store *st, sqlite3_stmt *stmt, const char *what)
{
    enum borne_err err = store_step_done(st, stmt, what);
    sqlite3_finalize(stmt);
    return err;
}

/* BEGIN IMMEDIATE and COMMIT through the handle's cached statements, as store_register. */
static enum borne_err step_cached(struct store *st, enum store_stmt id, const char *what)
{
    sqlite3_stmt *stmt;
    enum borne_err err = store_stmt_get(st, id, what, &stmt);
    if (err == BORNE_OK)
        err = store_step_done(st, stmt, what);
    if (stmt)
        sqlite3_reset(stmt);
    return err;
}

enum borne_err store_begin(struct store *st, const char *what)
{
    return step_cached(st, STMT_BEGIN, what);
}

enum borne_err store_commit(struct store *st, const char *what)
{
    return step_cached(st, STMT_COMMIT, what);
}

static void read_ticket(sqlite3_stmt *stmt, struct ticket *t)
{
    memset(t, 0, sizeof *t);
    store_column_copy(stmt, 0, t->id, sizeof t->id);
    store_column_copy(stmt, 1, t->registration_id, sizeof t->registration_id);
    store_column_copy(stmt, 2, t->session_id, sizeof t->session_id);
    store_column_copy(stmt, 3, t->device_id, sizeof t->device_id);
    store_column_copy(stmt, 4, t->payload, sizeof t->payload);
    store_column_copy(stmt, 5, t->short_code, sizeof t->short_code);
    store_column_copy(stmt, 6, t->first_name, sizeof t->first_name);
    t->cancelled = sqlite3_column_int(stmt, 7) != 0;
    t->issued_at = sqlite3_column_int64(stmt, 8);
    t->waitlist = sqlite3_column_int(stmt, 9) != 0;
}

/* One ticket where `column` equals key. BORNE_ERR_NOT_FOUND if none. */
static enum borne_err ticket_where(struct store *st, const char *what, const char *sql,
                                   const char *key, struct ticket *out)
{
    sqlite3_stmt *stmt;
    memset(out, 0, sizeof *out);
    enum borne_err err = store_prepare(st, what, &stmt, sql, "t", key);
    if (err != BORNE_OK)
        return err;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        read_ticket(stmt, out);
    else if (rc == SQLITE_DONE)
        err = store_fail(st, BORNE_ERR_NOT_FOUND, "%s: no ticket %.40s", what, key);
    else
        err = store_fail_sqlite(st, what, rc);
    sqlite3_finalize(stmt);
    return err;
}

enum borne_err store_ticket_get(struct store *st, const char *id, struct ticket *out)
{
    if (!st || !id || !out)
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    return ticket_where(st, "ticket_get", "SELECT " TICKET_COLUMNS "WHERE id = ?1", id, out);
}

enum borne_err store_ticket_by_code(struct store *st, const char *short_code, struct ticket *out)
{
    if (!st || !short_code || !out)
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    return ticket_where(st, "ticket_by_code", "SELECT " TICKET_COLUMNS "WHERE short_code = ?1",
                        short_code, out);
}

enum borne_err store_ticket_put(struct store *st, const struct ticket *t)
{
    static const char what[] = "ticket_put";
    sqlite3_stmt *stmt;
    if (!st || !t || !memchr(t->id, 0, sizeof t->id) || !t->id[0] ||
        !memchr(t->payload, 0, sizeof t->payload) ||
        !memchr(t->short_code, 0, sizeof t->short_code))
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    enum borne_err err = store_prepare(
        st, what, &stmt,
        "INSERT INTO tickets (id, registration_id, session_id, device_id, payload, short_code, "
        "first_name, status, issued_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
        "ON CONFLICT (id) DO UPDATE SET status = max(status, excluded.status), "
        "first_name = excluded.first_name",
        "tntttttii", t->id, t->registration_id, t->session_id, t->device_id, t->payload,
        t->short_code, t->first_name, (int64_t)(t->cancelled ? 1 : 0), t->issued_at);
    return err == BORNE_OK ? store_finish(st, stmt, what) : err;
}

enum borne_err store_ticket_cancel(struct store *st, const char *ticket_id, int64_t now)
{
    static const char what[] = "ticket_cancel";
    sqlite3_stmt *stmt;
    if (!st || !ticket_id || !ticket_id[0])
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    enum borne_err err = store_begin(st, what);
    if (err == BORNE_OK)
        err =
            store_prepare(st, what, &stmt,
                          "INSERT INTO cancelled_tickets (ticket_id, cancelled_at) VALUES (?1, ?2) "
                          "ON CONFLICT (ticket_id) DO NOTHING",
                          "ti", ticket_id, now);
    if (err == BORNE_OK)
        err = store_finish(st, stmt, what);
    if (err == BORNE_OK)
        err = store_prepare(st, what, &stmt,
                            "UPDATE tickets SET status = 1 WHERE id = ?1 AND status != 1", "t",
                            ticket_id);
    if (err == BORNE_OK)
        err = store_finish(st, stmt, what);
    /* A ticket this kiosk holds, cancelled here (not by a pull): the server must hear of it, to
    ** free its seat and tell the other doors. Its registration here holds no seat any more. */
    if (err == BORNE_OK && sqlite3_changes(st->db) == 1) {
        char event_id[BORNE_ID_MAX];
        int64_t seq = 0;
        if (!store_make_uuid(event_id, sizeof event_id))
            err = store_fail(st, BORNE_ERR_INTERNAL, "%s: no random id", what);
        if (err == BORNE_OK)
            err = store_next_seq(st, what, &seq);
        if (err == BORNE_OK)
            err = store_prepare(
                st, what, &stmt,
                "INSERT INTO outbox (id, kind, entity_id, payload, created_at, device_seq) "
                "VALUES (?1, 'ticket.cancelled', ?2, json_object('ticket_id', ?2, "
                "'device_id', ?3, 'cancelled_at', ?4, 'device_seq', ?5), ?4, ?5)",
                "tttii", event_id, ticket_id, st->device_id, now, seq);
        if (err == BORNE_OK)
            err = store_finish(st, stmt, what);
        if (err == BORNE_OK)
            err = store_prepare(st, what, &stmt,
                                "UPDATE registrations SET status = 2 WHERE id = "
                                "(SELECT registration_id FROM tickets WHERE id = ?1)",
                                "t", ticket_id);
        if (err == BORNE_OK)
            err = store_finish(st, stmt, what);
    }
    if (err == BORNE_OK)
        err = store_commit(st, what);
    if (err != BORNE_OK)
        store_rollback(st);
    return err;
}

/* ---- check-in -------------------------------------------------------------------------- */

/* Insert a check-in and its outbox event (inside the caller's transaction). */
static enum borne_err insert_checkin(struct store *st, const char *what, const char *checkin_id,
                                     const char *event_id, const char *ticket_id,
                                     const char *session_id, int64_t now)
{
    sqlite3_stmt *stmt;
    int64_t seq = 0;
    enum borne_err err = store_next_seq(st, what, &seq);
    if (err == BORNE_OK)
        err =
            store_prepare(st, what, &stmt,
                          "INSERT INTO checkins (id, ticket_id, session_id, device_id, checked_at, "
                          "device_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                          "ttttii", checkin_id, ticket_id, session_id, st->device_id, now, seq);
    if (err == BORNE_OK)
        err = store_finish(st, stmt, what);
    if (err == BORNE_OK)
        err = store_prepare(
            st, what, &stmt,
            "INSERT INTO outbox (id, kind, entity_id, payload, created_at, device_seq) "
            "VALUES (?1, 'checkin.created', ?2, json_object('checkin_id', ?2, "
            "'ticket_id', ?3, 'session_id', ?4, 'device_id', ?5, 'checked_at', ?6, "
            "'device_seq', ?7), ?6, ?7)",
            "tttttii", event_id, checkin_id, ticket_id, session_id, st->device_id, now, seq);
    if (err == BORNE_OK)
        err = store_finish(st, stmt, what);
    return err;
}

/* The session by id, room name filled in. *found is false if there is none. */
static enum borne_err session_lookup(struct store *st, const char *what, const char *id,
                                     struct session *out, bool *found)
{
    sqlite3_stmt *stmt;
    *found = false;
    enum borne_err err =
        store_prepare(st, what, &stmt, "SELECT " SESSION_COLUMNS "WHERE s.id = ?1", "t", id);
    if (err != BORNE_OK)
        return err;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        store_read_session(stmt, out);
        *found = true;
    } else if (rc != SQLITE_DONE) {
        err = store_fail_sqlite(st, what, rc);
    }
    sqlite3_finalize(stmt);
    return err;
}

/* One integer from a one-row query with one text parameter (0 when NULL or no row). */
static enum borne_err int_query(struct store *st, const char *what, const char *sql,
                                const char *param, int64_t *out)
{
    sqlite3_stmt *stmt;
    *out = 0;
    enum borne_err err = store_prepare(st, what, &stmt, sql, "t", param);
    if (err != BORNE_OK)
        return err;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(stmt, 0);
    else if (rc != SQLITE_DONE)
        err = store_fail_sqlite(st, what, rc);
    sqlite3_finalize(stmt);
    return err;
}

static bool id_field_ok(const char *f)
{
    return memchr(f, '\0', BORNE_ID_MAX) != NULL;
}

enum borne_err store_checkin(struct store *st, const struct checkin_request *req,
                             struct checkin_result *out)
{
    static const char what[] = "checkin";
    struct ticket t;
    bool found = false, on_record = true;
    int64_t cancelled = 0, first = 0;
    enum borne_err err;

    if (out)
        memset(out, 0, sizeof *out);
    if (!st || !req || !out || !id_field_ok(req->ticket_id) || !id_field_ok(req->session_id) ||
        !id_field_ok(req->device_id) || !id_field_ok(req->checkin_id) ||
        !id_field_ok(req->event_id) || !memchr(req->short_code, 0, sizeof req->short_code))
        return BORNE_ERR_INVALID;
    if (!req->checkin_id[0] || !req->event_id[0] || (!req->ticket_id[0] && !req->short_code[0]))
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';

    /* IMMEDIATE: two scans of one ticket at once (two sources) must not both be welcome. */
    err = store_begin(st, what);
    if (err != BORNE_OK)
        goto cleanup;
    if (req->short_code[0]) {
        err = ticket_where(st, what, "SELECT " TICKET_COLUMNS "WHERE short_code = ?1",
                           req->short_code, &t);
        if (err == BORNE_ERR_NOT_FOUND) {
            out->verdict = VERDICT_INVALID;
            out->reason = INVALID_UNKNOWN_CODE;
            err = BORNE_OK;
            goto cleanup;
        }
    } else {
        err = ticket_where(st, what, "SELECT " TICKET_COLUMNS "WHERE id = ?1", req->ticket_id, &t);
        if (err == BORNE_ERR_NOT_FOUND) {
            /* Issued elsewhere and not synced yet: the verified payload is the ticket, its
            ** waiting-list mark included. */
            memset(&t, 0, sizeof t);
            memcpy(t.id, req->ticket_id, sizeof t.id);
            memcpy(t.session_id, req->session_id, sizeof t.session_id);
            memcpy(t.device_id, req->device_id, sizeof t.device_id);
            t.waitlist = req->waitlist;
            on_record = false;
            err = BORNE_OK;
        } else if (err == BORNE_OK && (strcmp(t.session_id, req->session_id) != 0 ||
                                       strcmp(t.device_id, req->device_id) != 0)) {
            memcpy(out->ticket_id, t.id, sizeof out->ticket_id);
            out->verdict = VERDICT_INVALID;
            out->reason = INVALID_MISMATCH;
            goto cleanup;
        }
    }
    if (err != BORNE_OK)
        goto cleanup;
    memcpy(out->ticket_id, t.id, sizeof out->ticket_id);
    /* A revoked device's ticket passes only on the server's word (see store.h): a record of
    ** another device's ticket here came from a pull. */
    if (req->device_revoked && (!on_record || strcmp(t.device_id, st->device_id) == 0)) {
        out->verdict = VERDICT_INVALID;
        out->reason = INVALID_REVOKED_KEY;
        goto cleanup;
    }
    memcpy(out->first_name, t.first_name, sizeof out->first_name);

    err = session_lookup(st, what, t.session_id, &out->session, &found);
    if (err != BORNE_OK)
        goto cleanup;
    if (!found) {
        out->verdict = VERDICT_INVALID;
        out->reason = INVALID_UNKNOWN_SESSION;
        goto cleanup;
    }
    err = int_query(st, what, "SELECT count(*) FROM cancelled_tickets WHERE ticket_id = ?1", t.id,
                    &cancelled);
    if (err == BORNE_OK)
        err = int_query(st, what, "SELECT min(checked_at) FROM checkins WHERE ticket_id = ?1", t.id,
                        &first);
    if (err != BORNE_OK)
        goto cleanup;
    out->verdict = checkin_judge(&out->session, t.cancelled || cancelled > 0, t.waitlist, first,
                                 req->now, &req->window, &out->at);
    if (out->verdict == VERDICT_WELCOME) {
        err =
            insert_checkin(st, what, req->checkin_id, req->event_id, t.id, t.session_id, req->now);
        out->at = req->now;
    }

cleanup:
    if (err == BORNE_OK)
        err = store_commit(st, what);
    if (err != BORNE_OK) {
        store_rollback(st);
        memset(out, 0, sizeof *out);
    }
    return err;
}

enum borne_err store_checkin_count(struct store *st, const char *session_id, int *out)
{
    int64_t n = 0;
    if (!st || !session_id || !out)
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    enum borne_err err = int_query(
        st, "checkin_count", "SELECT count(DISTINCT ticket_id) FROM checkins WHERE session_id = ?1",
        session_id, &n);
    *out = (int)n;
    return err;
}

/* ---- the ticket of a new registration -------------------------------------------------- */

enum borne_err store_register_ticket(struct store *st, const struct registration_request *req,
                                     int64_t seq, bool waitlist, struct registration *out)
{
    static const char what[] = "register";
    sqlite3_stmt *stmt;
    struct session ses;
    bool found = false;
    (void)seq;
    enum borne_err err = store_prepare(
        st, what, &stmt,
        "INSERT INTO tickets (id, registration_id, session_id, device_id, payload, short_code, "
        "first_name, issued_at, waitlist) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        "ttttttti"
        "i",
        req->ticket_id, req->registration_id, req->session_id, st->device_id,
        store_ticket_payload_for(req, waitlist), req->short_code, req->first_name, req->now,
        (int64_t)(waitlist ? 1 : 0));
    if (err == BORNE_OK)
        err = store_finish(st, stmt, what);
    if (err != BORNE_OK)
        return err;
    memcpy(out->ticket_id, req->ticket_id, sizeof out->ticket_id);

    if (req->print) {
        err = store_prepare(st, what, &stmt,
                            "INSERT INTO print_jobs (ticket_id, created_at, updated_at) "
                            "VALUES (?1, ?2, ?2)",
                            "ti", req->ticket_id, req->now);
        if (err == BORNE_OK)
            err = store_finish(st, stmt, what);
        if (err != BORNE_OK)
            return err;
        out->print_job_id = sqlite3_last_insert_rowid(st->db);
    }

    struct checkin_window w = {req->checkin_opens_before_s, req->checkin_closes_after_s};
    err = session_lookup(st, what, req->session_id, &ses, &found);
    /* A visitor on the waiting list has no seat yet: the registration does not let them in. */
    if (err == BORNE_OK && found && !waitlist && checkin_is_open(&ses, req->now, &w)) {
        err = insert_checkin(st, what, req->checkin_id, req->checkin_event_id, req->ticket_id,
                             req->session_id, req->now);
        if (err == BORNE_OK)
            out->checked_in_at = req->now;
    }
    return err;
}

/* ---- device keys ----------------------------------------------------------------------- */

enum borne_err store_device_secret_get(struct store *st, uint8_t secret_key[64])
{
    static const char what[] = "device_secret_get";
    sqlite3_stmt *stmt;
    if (!st || !secret_key)
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    memset(secret_key, 0, 64);
    enum borne_err err = store_prepare(
        st, what, &stmt, "SELECT value FROM meta WHERE key = 'device_secret_key'", "");
    if (err != BORNE_OK)
        return err;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW && sqlite3_column_bytes(stmt, 0) == 64 &&
        sqlite3_column_type(stmt, 0) == SQLITE_BLOB)
        memcpy(secret_key, sqlite3_column_blob(stmt, 0), 64);
    else if (rc == SQLITE_ROW)
        err = store_fail(st, BORNE_ERR_CORRUPT, "%s: the device key is damaged", what);
    else if (rc == SQLITE_DONE)
        err = store_fail(st, BORNE_ERR_NOT_FOUND, "%s: no device key yet", what);
    else
        err = store_fail_sqlite(st, what, rc);
    sqlite3_finalize(stmt);
    return err;
}

enum borne_err store_device_secret_put(struct store *st, const uint8_t secret_key[64],
                                       const uint8_t public_key[32])
{
    static const char what[] = "device_secret_put";
    sqlite3_stmt *stmt;
    if (!st || !secret_key || !public_key)
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    enum borne_err err = store_begin(st, what);
    if (err == BORNE_OK)
        err = store_prepare(st, what, &stmt,
                            "INSERT INTO meta (key, value) VALUES ('device_secret_key', ?1)", "b",
                            (const void *)secret_key, 64);
    if (err == BORNE_OK) {
        int rc = sqlite3_step(stmt);
        sqlite3_finalize(stmt);
        if ((rc & 0xff) == SQLITE_CONSTRAINT)
            err = store_fail(st, BORNE_ERR_INVALID, "%s: this kiosk already has a key", what);
        else if (rc != SQLITE_DONE)
            err = store_fail_sqlite(st, what, rc);
    }
    if (err == BORNE_OK)
        err = store_prepare(st, what, &stmt,
                            "INSERT INTO device_keys (device_id, public_key, origin) "
                            "VALUES (?1, ?2, 'self') ON CONFLICT (device_id) DO UPDATE SET "
                            "public_key = excluded.public_key, origin = 'self'",
                            "tb", st->device_id, (const void *)public_key, 32);
    if (err == BORNE_OK)
        err = store_finish(st, stmt, what);
    if (err == BORNE_OK)
        err = store_commit(st, what);
    if (err != BORNE_OK)
        store_rollback(st);
    return err;
}

enum borne_err store_device_key_get(struct store *st, const char *device_id, uint8_t public_key[32],
                                    bool *revoked)
{
    static const char what[] = "device_key_get";
    sqlite3_stmt *stmt;
    if (!st || !device_id || !public_key || !revoked)
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    memset(public_key, 0, 32);
    *revoked = false;
    enum borne_err err = store_prepare(
        st, what, &stmt, "SELECT public_key, revoked_at FROM device_keys WHERE device_id = ?1", "t",
        device_id);
    if (err != BORNE_OK)
        return err;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW && sqlite3_column_bytes(stmt, 0) == 32) {
        memcpy(public_key, sqlite3_column_blob(stmt, 0), 32);
        *revoked = sqlite3_column_type(stmt, 1) != SQLITE_NULL;
    } else if (rc == SQLITE_ROW) {
        err = store_fail(st, BORNE_ERR_CORRUPT, "%s: damaged key of %.40s", what, device_id);
    } else if (rc == SQLITE_DONE) {
        err = store_fail(st, BORNE_ERR_NOT_FOUND, "%s: unknown device %.40s", what, device_id);
    } else {
        err = store_fail_sqlite(st, what, rc);
    }
    sqlite3_finalize(stmt);
    return err;
}

enum borne_err store_device_key_put(struct store *st, const char *device_id,
                                    const uint8_t public_key[32], int64_t revoked_at)
{
    static const char what[] = "device_key_put";
    sqlite3_stmt *stmt;
    if (!st || !device_id || !device_id[0] || !memchr(device_id, 0, BORNE_ID_MAX) || !public_key)
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    /* This kiosk's own key is made here and nowhere else: replacing it would make every ticket
    ** it printed read as forged. */
    if (strcmp(device_id, st->device_id) == 0)
        return store_fail(st, BORNE_ERR_INVALID, "%s: %s is this kiosk's own id", what, device_id);
    /* revoked_at 0 binds as NULL through a NULL-able integer: done with nullif(). */
    enum borne_err err = store_prepare(
        st, what, &stmt,
        "INSERT INTO device_keys (device_id, public_key, revoked_at) VALUES (?1, ?2, "
        "nullif(?3, 0)) ON CONFLICT (device_id) DO UPDATE SET public_key = excluded.public_key, "
        "revoked_at = excluded.revoked_at",
        "tbi", device_id, (const void *)public_key, 32, revoked_at);
    return err == BORNE_OK ? store_finish(st, stmt, what) : err;
}

/* ---- print log ------------------------------------------------------------------------- */

enum borne_err store_print_job_add(struct store *st, const char *ticket_id, bool reprint,
                                   int64_t now, int64_t *id_out)
{
    static const char what[] = "print_job_add";
    sqlite3_stmt *stmt;
    if (id_out)
        *id_out = 0;
    if (!st || !ticket_id || !ticket_id[0] || !id_out)
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    enum borne_err err = store_prepare(st, what, &stmt,
                                       "INSERT INTO print_jobs (ticket_id, reprint, created_at, "
                                       "updated_at) VALUES (?1, ?2, ?3, ?3)",
                                       "tii", ticket_id, (int64_t)(reprint ? 1 : 0), now);
    if (err == BORNE_OK)
        err = store_finish(st, stmt, what);
    if (err == BORNE_OK)
        *id_out = sqlite3_last_insert_rowid(st->db);
    return err;
}

enum borne_err store_print_job_set(struct store *st, int64_t id, enum print_state state,
                                   const char *detail, int64_t now)
{
    static const char what[] = "print_job_set";
    sqlite3_stmt *stmt;
    if (!st || (unsigned)state > PRINT_INTERRUPTED)
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    char d[sizeof((struct print_job *)0)->detail];
    snprintf(d, sizeof d, "%s", detail ? detail : "");
    enum borne_err err = store_prepare(
        st, what, &stmt,
        "UPDATE print_jobs SET state = ?2, detail = ?3, updated_at = ?4 WHERE id = ?1", "iiti", id,
        (int64_t)state, d, now);
    if (err == BORNE_OK)
        err = store_finish(st, stmt, what);
    if (err == BORNE_OK && sqlite3_changes(st->db) != 1)
        err = store_fail(st, BORNE_ERR_NOT_FOUND, "%s: no print job %lld", what, (long long)id);
    return err;
}

enum borne_err store_print_job_get(struct store *st, int64_t id, struct print_job *out)
{
    static const char what[] = "print_job_get";
    sqlite3_stmt *stmt;
    if (out)
        memset(out, 0, sizeof *out);
    if (!st || !out)
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    enum borne_err err =
        store_prepare(st, what, &stmt,
                      "SELECT id, ticket_id, reprint, state, created_at, updated_at, "
                      "detail FROM print_jobs WHERE id = ?1",
                      "i", id);
    if (err != BORNE_OK)
        return err;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        out->id = sqlite3_column_int64(stmt, 0);
        store_column_copy(stmt, 1, out->ticket_id, sizeof out->ticket_id);
        out->reprint = sqlite3_column_int(stmt, 2) != 0;
        out->state = (enum print_state)sqlite3_column_int(stmt, 3);
        out->created_at = sqlite3_column_int64(stmt, 4);
        out->updated_at = sqlite3_column_int64(stmt, 5);
        store_column_copy(stmt, 6, out->detail, sizeof out->detail);
    } else if (rc == SQLITE_DONE) {
        err = store_fail(st, BORNE_ERR_NOT_FOUND, "%s: no print job %lld", what, (long long)id);
    } else {
        err = store_fail_sqlite(st, what, rc);
    }
    sqlite3_finalize(stmt);
    return err;
}

enum borne_err store_print_jobs_interrupt(struct store *st, int64_t now, int *n_out)
{
    static const char what[] = "print_jobs_interrupt";
    sqlite3_stmt *stmt;
    if (n_out)
        *n_out = 0;
    if (!st)
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    enum borne_err err = store_prepare(st, what, &stmt,
                                       "UPDATE print_jobs SET state = 4, updated_at = ?1, detail = "
                                       "'the kiosk stopped before the printer answered' "
                                       "WHERE state IN (0, 1)",
                                       "i", now);
    if (err == BORNE_OK)
        err = store_finish(st, stmt, what);
    if (err == BORNE_OK && n_out)
        *n_out = sqlite3_changes(st->db);
    return err;
}

enum borne_err store_print_job_count(struct store *st, enum print_state state, int *out)
{
    static const char what[] = "print_job_count";
    sqlite3_stmt *stmt;
    if (!st || !out)
        return BORNE_ERR_INVALID;
    *out = 0;
    st->errmsg[0] = '\0';
    enum borne_err err = store_prepare(
        st, what, &stmt, "SELECT count(*) FROM print_jobs WHERE state = ?1", "i", (int64_t)state);
    if (err != BORNE_OK)
        return err;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int(stmt, 0);
    else
        err = store_fail_sqlite(st, what, rc);
    sqlite3_finalize(stmt);
    return err;
}

enum borne_err store_device_keys_configure(struct store *st, const char (*ids)[BORNE_ID_MAX],
                                           const uint8_t (*keys)[32], size_t n, int *n_kept)
{
    static const char what[] = "device_keys_configure";
    sqlite3_stmt *stmt;
    int kept = 0;
    if (n_kept)
        *n_kept = 0;
    if (!st || (n && (!ids || !keys)))
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    enum borne_err err = store_begin(st, what);
    if (err == BORNE_OK)
        err = store_prepare(st, what, &stmt, "DELETE FROM device_keys WHERE origin = 'config'", "");
    if (err == BORNE_OK)
        err = store_finish(st, stmt, what);
    for (size_t i = 0; err == BORNE_OK && i < n; i++) {
        if (!memchr(ids[i], 0, BORNE_ID_MAX) || !ids[i][0] || strcmp(ids[i], st->device_id) == 0)
            continue;
        /* A key this kiosk holds from elsewhere (its own, sync's) wins over a configured one. */
        err = store_prepare(st, what, &stmt,
                            "INSERT INTO device_keys (device_id, public_key, origin) "
                            "VALUES (?1, ?2, 'config') ON CONFLICT (device_id) DO NOTHING",
                            "tb", ids[i], (const void *)keys[i], 32);
        if (err == BORNE_OK)
            err = store_finish(st, stmt, what);
        if (err == BORNE_OK)
            kept += sqlite3_changes(st->db);
    }
    if (err == BORNE_OK)
        err = store_commit(st, what);
    if (err != BORNE_OK) {
        store_rollback(st);
        return err;
    }
    if (n_kept)
        *n_kept = kept;
    return BORNE_OK;
}

enum borne_err store_registrations_without_ticket(struct store *st, struct registration *out,
                                                  size_t cap, size_t *n_out)
{
    static const char what[] = "registrations_without_ticket";
    sqlite3_stmt *stmt;
    *n_out = 0;
    if (!st || !out)
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    enum borne_err err = store_prepare(
        st, what, &stmt,
        "SELECT r.id, r.session_id, r.first_name, r.short_code, r.created_at FROM registrations r "
        "WHERE r.status != 2 AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.registration_id = "
        "r.id) ORDER BY r.created_at LIMIT ?1",
        "i", (int64_t)cap);
    if (err != BORNE_OK)
        return err;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && *n_out < cap) {
        struct registration *r = &out[(*n_out)++];
        memset(r, 0, sizeof *r);
        store_column_copy(stmt, 0, r->id, sizeof r->id);
        store_column_copy(stmt, 1, r->session_id, sizeof r->session_id);
        store_column_copy(stmt, 2, r->first_name, sizeof r->first_name);
        store_column_copy(stmt, 3, r->short_code, sizeof r->short_code);
        r->created_at = sqlite3_column_int64(stmt, 4);
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        err = store_fail_sqlite(st, what, rc);
    sqlite3_finalize(stmt);
    return err;
}
