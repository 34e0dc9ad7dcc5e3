/* The store's side of sync with borne-server (docs/sync-protocol.md): the enrolment and sync
** state kept in meta, the outbox read in upload order and acknowledged per event, the seat
** allotments, and a pulled page applied with its cursor in one transaction.
**
** Every function that writes does so in one BEGIN IMMEDIATE transaction: a power cut leaves
** either the state before the call or the state after it, never half a page, never a cursor
** ahead of the changes it covers. */
#include "store/store_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- meta ------------------------------------------------------------------------------ */

static enum borne_err meta_set_text(struct store *st, const char *what, const char *key,
                                    const char *value)
{
    sqlite3_stmt *stmt;
    enum borne_err err = store_prepare(st, what, &stmt,
                                       "INSERT INTO meta (key, value) VALUES (?1, ?2) "
                                       "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                       "tt", key, value);
    return err == BORNE_OK ? store_finish(st, stmt, what) : err;
}

static enum borne_err meta_set_int(struct store *st, const char *what, const char *key,
                                   int64_t value)
{
    sqlite3_stmt *stmt;
    enum borne_err err = store_prepare(st, what, &stmt,
                                       "INSERT INTO meta (key, value) VALUES (?1, ?2) "
                                       "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                       "ti", key, value);
    return err == BORNE_OK ? store_finish(st, stmt, what) : err;
}

static bool copy_checked(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= cap)
        return false;
    memcpy(dst, src ? src : "", n + 1);
    return true;
}

enum borne_err store_sync_state_get(struct store *st, struct store_sync_state *out)
{
    static const char what[] = "sync_state";
    sqlite3_stmt *stmt;
    if (out)
        memset(out, 0, sizeof *out);
    if (!st || !out)
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    enum borne_err err = store_prepare(st, what, &stmt, "SELECT key, value FROM meta", "");
    if (err != BORNE_OK)
        return err;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(stmt, 0);
        if (!key)
            continue;
        if (!strcmp(key, "sync_url"))
            store_column_copy(stmt, 1, out->url, sizeof out->url);
        else if (!strcmp(key, "sync_token"))
            store_column_copy(stmt, 1, out->token, sizeof out->token);
        else if (!strcmp(key, "sync_site_id"))
            store_column_copy(stmt, 1, out->site_id, sizeof out->site_id);
        else if (!strcmp(key, "sync_site_name"))
            store_column_copy(stmt, 1, out->site_name, sizeof out->site_name);
        else if (!strcmp(key, "sync_cursor"))
            store_column_copy(stmt, 1, out->cursor, sizeof out->cursor);
        else if (!strcmp(key, "sync_last_error"))
            store_column_copy(stmt, 1, out->last_error, sizeof out->last_error);
        else if (!strcmp(key, "sync_last_attempt_at"))
            out->last_attempt_at = sqlite3_column_int64(stmt, 1);
        else if (!strcmp(key, "sync_last_success_at"))
            out->last_success_at = sqlite3_column_int64(stmt, 1);
        else if (!strcmp(key, "sync_server_offset"))
            out->server_offset = sqlite3_column_int64(stmt, 1);
    }
    if (rc != SQLITE_DONE)
        err = store_fail_sqlite(st, what, rc);
    sqlite3_finalize(stmt);
    if (err == BORNE_OK)
        err = store_prepare(st, what, &stmt,
                            "SELECT count(*) FILTER (WHERE acked_at IS NULL), "
                            "count(*) FILTER (WHERE refused_reason IS NOT NULL) FROM outbox",
                            "");
    if (err == BORNE_OK) {
        rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
            out->pending = sqlite3_column_int(stmt, 0);
            out->refused = sqlite3_column_int(stmt, 1);
        } else {
            err = store_fail_sqlite(st, what, rc);
        }
        sqlite3_finalize(stmt);
    }
    if (err != BORNE_OK)
        memset(out, 0, sizeof *out);
    return err;
}

enum borne_err store_sync_enrol(struct store *st, const char *url, const char *token,
                                const char *site_id, const char *site_name)
{
    static const char what[] = "sync_enrol";
    struct store_sync_state probe;
    if (!st || !url || !token || !site_id || !site_name || !token[0] ||
        !copy_checked(probe.url, sizeof probe.url, url) ||
        !copy_checked(probe.token, sizeof probe.token, token) ||
        !copy_checked(probe.site_id, sizeof probe.site_id, site_id) ||
        !copy_checked(probe.site_name, sizeof probe.site_name, site_name))
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    enum borne_err err = store_begin(st, what);
    if (err == BORNE_OK)
        err = meta_set_text(st, what, "sync_url", url);
    if (err == BORNE_OK)
        err = meta_set_text(st, what, "sync_token", token);
    if (err == BORNE_OK)
        err = meta_set_text(st, what, "sync_site_id", site_id);
    if (err == BORNE_OK)
        err = meta_set_text(st, what, "sync_site_name", site_name);
    /* A new server (or the same one after a revocation) knows nothing of this kiosk's past
    ** cursor: the next pull starts from the beginning. */
    if (err == BORNE_OK)
        err = meta_set_text(st, what, "sync_cursor", "");
    if (err == BORNE_OK)
        err = store_commit(st, what);
    if (err != BORNE_OK)
        store_rollback(st);
    return err;
}

enum borne_err store_sync_note(struct store *st, int64_t now, const char *error,
                               int64_t server_time)
{
    static const char what[] = "sync_note";
    if (!st)
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    enum borne_err err = store_begin(st, what);
    if (err == BORNE_OK)
        err = meta_set_int(st, what, "sync_last_attempt_at", now);
    if (err == BORNE_OK && !error)
        err = meta_set_int(st, what, "sync_last_success_at", now);
    if (err == BORNE_OK)
        err = meta_set_text(st, what, "sync_last_error", error ? error : "");
    if (err == BORNE_OK && server_time > 0)
        err = meta_set_int(st, what, "sync_server_offset", server_time - now);
    if (err == BORNE_OK)
        err = store_commit(st, what);
    if (err != BORNE_OK)
        store_rollback(st);
    return err;
}

/* ---- outbox ---------------------------------------------------------------------------- */

enum borne_err store_outbox_next(struct store *st, struct store_outbox_event *out, size_t cap,
                                 size_t *n_out)
{
    static const char what[] = "outbox_next";
    sqlite3_stmt *stmt;
    if (n_out)
        *n_out = 0;
    if (!st || !out || !n_out || cap == 0)
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    enum borne_err err = store_prepare(st, what, &stmt,
                                       "SELECT id, kind, seq, created_at, payload FROM outbox "
                                       "WHERE acked_at IS NULL ORDER BY seq LIMIT ?1",
                                       "i", (int64_t)cap);
    if (err != BORNE_OK)
        return err;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct store_outbox_event *e = &out[*n_out];
        memset(e, 0, sizeof *e);
        store_column_copy(stmt, 0, e->id, sizeof e->id);
        store_column_copy(stmt, 1, e->kind, sizeof e->kind);
        e->seq = sqlite3_column_int64(stmt, 2);
        e->created_at = sqlite3_column_int64(stmt, 3);
        if (sqlite3_column_bytes(stmt, 4) >= (int)sizeof e->payload) {
            /* Cannot happen with the kiosk's own events (their fields are bounded); refusing
            ** beats sending a cut JSON text. */
            err = store_fail(st, BORNE_ERR_CORRUPT, "%s: event %s is too large", what, e->id);
            break;
        }
        store_column_copy(stmt, 4, e->payload, sizeof e->payload);
        (*n_out)++;
    }
    if (err == BORNE_OK && rc != SQLITE_DONE)
        err = store_fail_sqlite(st, what, rc);
    sqlite3_finalize(stmt);
    if (err != BORNE_OK)
        *n_out = 0;
    return err;
}

/* What the server made of a registration: the local registration and its ticket follow. */
static enum borne_err registration_settle(struct store *st, const char *what,
                                          const char *registration_id,
                                          enum registration_status status)
{
    sqlite3_stmt *stmt;
    enum borne_err err =
        store_prepare(st, what, &stmt, "UPDATE registrations SET status = ?2 WHERE id = ?1", "ti",
                      registration_id, (int64_t)status);
    if (err == BORNE_OK)
        err = store_finish(st, stmt, what);
    if (err == BORNE_OK)
        err = store_prepare(st, what, &stmt,
                            "UPDATE tickets SET waitlist = ?2, "
                            "status = CASE WHEN ?3 THEN 1 ELSE status END "
                            "WHERE registration_id = ?1",
                            "tii", registration_id,
                            (int64_t)(status == REGISTRATION_WAITLIST ? 1 : 0),
                            (int64_t)(status == REGISTRATION_CANCELLED ? 1 : 0));
    if (err == BORNE_OK)
        err = store_finish(st, stmt, what);
    return err;
}

enum borne_err store_outbox_ack(struct store *st, const struct sync_push_result *results, size_t n,
                                int64_t now)
{
    static const char what[] = "outbox_ack";
    if (!st || (n && !results))
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    enum borne_err err = store_begin(st, what);
    for (size_t i = 0; err == BORNE_OK && i < n; i++) {
        const struct sync_push_result *r = &results[i];
        sqlite3_stmt *stmt;
        bool refused = r->status == SYNC_REFUSED;
        err =
            store_prepare(st, what, &stmt,
                          "UPDATE outbox SET acked_at = ?2, attempts = attempts + 1, "
                          "refused_reason = ?3, last_error = ?3 "
                          "WHERE id = ?1 AND acked_at IS NULL RETURNING kind, entity_id",
                          "tin", r->id, now, refused ? (r->reason[0] ? r->reason : "refused") : "");
        if (err != BORNE_OK)
            break;
        int rc = sqlite3_step(stmt);
        char kind[SYNC_KIND_MAX] = "", entity[BORNE_ID_MAX] = "";
        if (rc == SQLITE_ROW) {
            store_column_copy(stmt, 0, kind, sizeof kind);
            store_column_copy(stmt, 1, entity, sizeof entity);
            rc = sqlite3_step(stmt);
        }
        if (rc != SQLITE_DONE)
            err = store_fail_sqlite(st, what, rc);
        sqlite3_finalize(stmt);
        if (err != BORNE_OK || strcmp(kind, "registration.created") != 0)
            continue;
        /* The server's word on a registration is final: beyond capacity it is on the waiting
        ** list whatever this kiosk thought; refused for an unknown session, it holds no seat. */
        if (r->registration_status >= 0)
            err = registration_settle(st, what, entity,
                                      (enum registration_status)r->registration_status);
        else if (refused)
            err = registration_settle(st, what, entity, REGISTRATION_CANCELLED);
    }
    if (err == BORNE_OK)
        err = store_commit(st, what);
    if (err != BORNE_OK)
        store_rollback(st);
    return err;
}

/* ---- allotments ------------------------------------------------------------------------ */

enum borne_err store_allotments_used(struct store *st, struct sync_used *out, size_t cap,
                                     size_t *n_out)
{
    static const char what[] = "allotments_used";
    sqlite3_stmt *stmt;
    if (n_out)
        *n_out = 0;
    if (!st || !out || !n_out)
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    enum borne_err err =
        store_prepare(st, what, &stmt,
                      "SELECT session_id, seats_used FROM allotments WHERE seats_used > 0 "
                      "ORDER BY granted_at DESC LIMIT ?1",
                      "i", (int64_t)cap);
    if (err != BORNE_OK)
        return err;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        store_column_copy(stmt, 0, out[*n_out].session_id, sizeof out[*n_out].session_id);
        out[*n_out].used = sqlite3_column_int64(stmt, 1);
        (*n_out)++;
    }
    if (rc != SQLITE_DONE)
        err = store_fail_sqlite(st, what, rc);
    sqlite3_finalize(stmt);
    return err;
}

/* Merge the server's counters (they only grow) and bring the session's seats_taken in line:
** the seats this kiosk may still offer are those free everywhere plus its own escrow. */
static enum borne_err allotment_merge(struct store *st, const char *what,
                                      const struct sync_allotment *a, int64_t now)
{
    sqlite3_stmt *stmt;
    enum borne_err err = store_prepare(
        st, what, &stmt,
        "INSERT INTO allotments (session_id, seats_granted, seats_returned, granted_at) "
        "SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM sessions WHERE id = ?1) "
        "ON CONFLICT (session_id) DO UPDATE SET "
        "seats_granted = max(seats_granted, excluded.seats_granted), "
        "seats_returned = max(seats_returned, excluded.seats_returned), "
        "granted_at = excluded.granted_at",
        "tiii", a->session_id, a->granted, a->returned, now);
    return err == BORNE_OK ? store_finish(st, stmt, what) : err;
}

/* seats_taken = what the server counts as taken (its confirmed seats and every kiosk's
** escrow, this one's included) minus what this kiosk may still spend of its escrow. */
static enum borne_err seats_derive(struct store *st, const char *what, const char *session_id)
{
    sqlite3_stmt *stmt;
    enum borne_err err = store_prepare(
        st, what, &stmt,
        "UPDATE sessions SET seats_taken = max(0, server_seats_taken - coalesce(("
        "  SELECT max(0, seats_granted - seats_returned - seats_used) FROM allotments a"
        "  WHERE a.session_id = sessions.id), 0)) "
        "WHERE id = ?1 AND server_seats_taken IS NOT NULL",
        "t", session_id);
    return err == BORNE_OK ? store_finish(st, stmt, what) : err;
}

enum borne_err store_allotment_merge(struct store *st, const struct sync_allotment *a,
                                     int64_t server_seats_taken, int64_t now)
{
    static const char what[] = "allotment_merge";
    if (!st || !a || !a->session_id[0] || a->granted < 0 || a->returned < 0)
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    enum borne_err err = store_begin(st, what);
    if (err == BORNE_OK)
        err = allotment_merge(st, what, a, now);
    if (err == BORNE_OK && server_seats_taken >= 0) {
        sqlite3_stmt *stmt;
        err = store_prepare(st, what, &stmt,
                            "UPDATE sessions SET server_seats_taken = ?2 WHERE id = ?1", "ti",
                            a->session_id, server_seats_taken);
        if (err == BORNE_OK)
            err = store_finish(st, stmt, what);
    }
    if (err == BORNE_OK)
        err = seats_derive(st, what, a->session_id);
    if (err == BORNE_OK)
        err = store_commit(st, what);
    if (err != BORNE_OK)
        store_rollback(st);
    return err;
}

enum borne_err store_allotment_left(struct store *st, const char *session_id, int *out)
{
    static const char what[] = "allotment_left";
    sqlite3_stmt *stmt;
    if (out)
        *out = 0;
    if (!st || !session_id || !out)
        return BORNE_ERR_INVALID;
    enum borne_err err = store_prepare(st, what, &stmt,
                                       "SELECT max(0, seats_granted - seats_returned - "
                                       "seats_used) FROM allotments WHERE session_id = ?1",
                                       "t", session_id);
    if (err != BORNE_OK)
        return err;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int(stmt, 0);
    else if (rc != SQLITE_DONE)
        err = store_fail_sqlite(st, what, rc);
    sqlite3_finalize(stmt);
    return err;
}

/* ---- pull ------------------------------------------------------------------------------ */

static enum borne_err pull_rooms(struct store *st, const char *what,
                                 const struct sync_pull_reply *r)
{
    enum borne_err err = BORNE_OK;
    for (size_t i = 0; err == BORNE_OK && i < r->n_rooms; i++) {
        sqlite3_stmt *stmt;
        err = store_prepare(st, what, &stmt,
                            "INSERT INTO rooms (id, name) VALUES (?1, ?2) "
                            "ON CONFLICT (id) DO UPDATE SET name = excluded.name",
                            "tt", r->rooms[i].id, r->rooms[i].name);
        if (err == BORNE_OK)
            err = store_finish(st, stmt, what);
    }
    return err;
}

static enum borne_err pull_sessions(struct store *st, const char *what,
                                    const struct sync_pull_reply *r, int64_t now)
{
    enum borne_err err = BORNE_OK;
    for (size_t i = 0; err == BORNE_OK && i < r->n_sessions; i++) {
        const struct session *s = &r->sessions[i];
        sqlite3_stmt *stmt;
        /* A room the server did not resend is known here already; one never seen (a damaged
        ** page) gets a placeholder rather than losing the session. */
        err =
            store_prepare(st, what, &stmt, "INSERT OR IGNORE INTO rooms (id, name) VALUES (?1, ?1)",
                          "t", s->room_id);
        if (err == BORNE_OK)
            err = store_finish(st, stmt, what);
        if (err == BORNE_OK)
            err = store_prepare(
                st, what, &stmt,
                "INSERT INTO sessions (id, title, description, kind, room_id, organiser, "
                "starts_at, ends_at, capacity, seats_taken, server_seats_taken, reserved_for, "
                "cancelled, updated_at) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12, ?13) "
                "ON CONFLICT (id) DO UPDATE SET title = excluded.title, "
                "description = excluded.description, kind = excluded.kind, "
                "room_id = excluded.room_id, organiser = excluded.organiser, "
                "starts_at = excluded.starts_at, ends_at = excluded.ends_at, "
                "capacity = excluded.capacity, server_seats_taken = excluded.server_seats_taken, "
                "reserved_for = excluded.reserved_for, cancelled = excluded.cancelled, "
                "updated_at = excluded.updated_at",
                "tttittiiiitii", s->id, s->title, s->description, (int64_t)s->kind, s->room_id,
                s->organiser, s->starts_at, s->ends_at, (int64_t)s->capacity,
                (int64_t)(s->seats_taken < 0 ? 0 : s->seats_taken), s->reserved_for,
                (int64_t)(s->cancelled ? 1 : 0), now);
        if (err == BORNE_OK)
            err = store_finish(st, stmt, what);
        if (err == BORNE_OK)
            err = seats_derive(st, what, s->id);
    }
    return err;
}

/* A ticket of the site. Its short code may, very rarely, collide with another ticket's here
** (codes are random): that ticket is skipped and counted rather than failing the page, which
** would stop every later pull. */
static enum borne_err pull_ticket(struct store *st, const char *what, const struct sync_ticket *t,
                                  int64_t now, int *skipped)
{
    sqlite3_stmt *stmt;
    int64_t cancelled = t->status == REGISTRATION_CANCELLED;
    int64_t waitlist = t->status == REGISTRATION_WAITLIST;
    enum borne_err err =
        store_prepare(st, what, &stmt, "SELECT 1 FROM tickets WHERE short_code = ?1 AND id != ?2",
                      "tt", t->short_code, t->id);
    if (err != BORNE_OK)
        return err;
    int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc == SQLITE_ROW) {
        (*skipped)++;
        return BORNE_OK;
    }
    if (rc != SQLITE_DONE)
        return store_fail_sqlite(st, what, rc);
    /* Cancellation is final; the waiting list follows the server. */
    err = store_prepare(st, what, &stmt,
                        "INSERT INTO tickets (id, registration_id, session_id, device_id, payload, "
                        "short_code, first_name, status, issued_at, waitlist) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
                        "ON CONFLICT (id) DO UPDATE SET status = max(status, excluded.status), "
                        "waitlist = excluded.waitlist",
                        "tnttttti"
                        "ii",
                        t->id, t->registration_id, t->session_id, t->device_id, t->payload,
                        t->short_code, t->first_name, cancelled, t->issued_at, waitlist);
    if (err == BORNE_OK)
        err = store_finish(st, stmt, what);
    if (err == BORNE_OK && t->registration_id[0])
        err = store_prepare(st, what, &stmt,
                            "UPDATE registrations SET status = ?2 WHERE id = ?1 AND status != 2",
                            "ti", t->registration_id, (int64_t)t->status);
    else if (err == BORNE_OK)
        stmt = NULL;
    if (err == BORNE_OK && stmt)
        err = store_finish(st, stmt, what);
    if (err == BORNE_OK && cancelled) {
        err = store_prepare(st, what, &stmt,
                            "INSERT INTO cancelled_tickets (ticket_id, cancelled_at) "
                            "VALUES (?1, ?2) ON CONFLICT (ticket_id) DO NOTHING",
                            "ti", t->id, now);
        if (err == BORNE_OK)
            err = store_finish(st, stmt, what);
    }
    return err;
}

static enum borne_err pull_keys(struct store *st, const char *what, const struct sync_pull_reply *r,
                                const uint8_t (*keys)[32])
{
    enum borne_err err = BORNE_OK;
    for (size_t i = 0; err == BORNE_OK && i < r->n_keys; i++) {
        const struct sync_device_key *k = &r->keys[i];
        sqlite3_stmt *stmt;
        /* This kiosk's own key is its own business: the server may only revoke it, which
        ** shows on the server's side (401/403), not by replacing the key here. */
        if (!strcmp(k->device_id, st->device_id))
            continue;
        err = store_prepare(st, what, &stmt,
                            "INSERT INTO device_keys (device_id, public_key, revoked_at, origin) "
                            "VALUES (?1, ?2, nullif(?3, 0), 'sync') "
                            "ON CONFLICT (device_id) DO UPDATE SET "
                            "public_key = excluded.public_key, revoked_at = excluded.revoked_at, "
                            "origin = 'sync'",
                            "tbi", k->device_id, keys[i], 32, k->revoked_at);
        if (err == BORNE_OK)
            err = store_finish(st, stmt, what);
    }
    return err;
}

enum borne_err store_pull_apply(struct store *st, const struct sync_pull_reply *r,
                                const uint8_t (*keys)[32], int64_t now, int *skipped)
{
    static const char what[] = "pull_apply";
    int dummy = 0;
    if (!skipped)
        skipped = &dummy;
    *skipped = 0;
    if (!st || !r || (r->n_keys && !keys) || !memchr(r->cursor, 0, sizeof r->cursor))
        return BORNE_ERR_INVALID;
    st->errmsg[0] = '\0';
    enum borne_err err = store_begin(st, what);
    if (err == BORNE_OK)
        err = pull_rooms(st, what, r);
    if (err == BORNE_OK)
        err = pull_sessions(st, what, r, now);
    for (size_t i = 0; err == BORNE_OK && i < r->n_allotments; i++) {
        err = allotment_merge(st, what, &r->allotments[i], now);
        if (err == BORNE_OK)
            err = seats_derive(st, what, r->allotments[i].session_id);
    }
    for (size_t i = 0; err == BORNE_OK && i < r->n_tickets; i++)
        err = pull_ticket(st, what, &r->tickets[i], now, skipped);
    if (err == BORNE_OK)
        err = pull_keys(st, what, r, keys);
    if (err == BORNE_OK && r->site_name[0])
        err = meta_set_text(st, what, "sync_site_name", r->site_name);
    /* The cursor goes with the changes it covers, in this transaction. */
    if (err == BORNE_OK)
        err = meta_set_text(st, what, "sync_cursor", r->cursor);
    if (err == BORNE_OK)
        err = store_commit(st, what);
    if (err != BORNE_OK) {
        store_rollback(st);
        *skipped = 0;
    }
    return err;
}
