/* Unit tests of the store's side of sync (firmware/store/store_sync.c, the seat modes of
** store_register, the v3 migration) on a real SQLite file in a temporary folder.
**
** What the store says is checked against what is in the file: a plain sqlite3 connection of the
** test's own (tests/support_sql.h) reads the rows, so "nothing of the page was kept" is a
** comparison of two dumps of the tables, not a belief. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/kiosk_int.h"
#include "store/store.h"

#include "support.h"
#include "support_sql.h"
#include "support_store.h"

#define NOW 1767258000 /* 2026-01-01 09:00 UTC */
#define HOUR 3600
#define DUMP_MAX (256 * 1024)

struct fx {
    char dir[64];
    char path[128];
    struct store *st;
    int n_req; /* ids made so far by make_req */
};

/* ---- fixture --------------------------------------------------------------------------- */

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof *fx);
    if (!fx || !support_store_make(fx->dir, sizeof fx->dir, fx->path, sizeof fx->path, &fx->st)) {
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    support_store_remove(fx->dir, fx->st);
    free(fx);
    return 0;
}

/* ---- records --------------------------------------------------------------------------- */

static struct room make_room(const char *id, const char *name)
{
    struct room r;
    memset(&r, 0, sizeof r);
    snprintf(r.id, sizeof r.id, "%s", id);
    snprintf(r.name, sizeof r.name, "%s", name);
    return r;
}

/* A session open for registration at NOW: it starts in an hour. */
static struct session make_session(const char *id, const char *room_id, int capacity,
                                   int seats_taken)
{
    struct session s;
    memset(&s, 0, sizeof s);
    snprintf(s.id, sizeof s.id, "%s", id);
    snprintf(s.title, sizeof s.title, "Atelier %s", id);
    snprintf(s.description, sizeof s.description, "About %s.", id);
    s.kind = SESSION_WORKSHOP;
    snprintf(s.room_id, sizeof s.room_id, "%s", room_id);
    s.starts_at = NOW + HOUR;
    s.ends_at = NOW + 2 * HOUR;
    s.capacity = capacity;
    s.seats_taken = seats_taken;
    return s;
}

/* Room "r1" and sessions with these ids, put by the catalogue import (never pulled). */
static void put_sessions(struct fx *fx, const char *const *ids, size_t n, int capacity)
{
    struct room r = make_room("r1", "Espace atelier");
    struct session s[4];
    assert_true(n <= 4);
    for (size_t i = 0; i < n; i++)
        s[i] = make_session(ids[i], "r1", capacity, 0);
    assert_int_equal(store_catalogue_put(fx->st, &r, 1, s, n), BORNE_OK);
}

static void put_session(struct fx *fx, const char *id, int capacity)
{
    put_sessions(fx, &id, 1, capacity);
}

/* A request with a ticket (not printed; the door is not open at NOW, so no check-in). */
static struct registration_request make_req(struct fx *fx, const char *session_id,
                                            const char *first, const char *last)
{
    struct registration_request q;
    memset(&q, 0, sizeof q);
    fx->n_req++;
    snprintf(q.registration_id, sizeof q.registration_id, "reg-%04d", fx->n_req);
    snprintf(q.event_id, sizeof q.event_id, "evt-%04d", fx->n_req);
    snprintf(q.session_id, sizeof q.session_id, "%s", session_id);
    snprintf(q.first_name, sizeof q.first_name, "%s", first);
    snprintf(q.last_name, sizeof q.last_name, "%s", last);
    snprintf(q.short_code, sizeof q.short_code, "K%08d", fx->n_req);
    q.now = NOW;
    snprintf(q.ticket_id, sizeof q.ticket_id, "tkt-%04d", fx->n_req);
    support_make_payload(q.payload, (unsigned)fx->n_req);
    snprintf(q.checkin_id, sizeof q.checkin_id, "chk-%04d", fx->n_req);
    snprintf(q.checkin_event_id, sizeof q.checkin_event_id, "cev-%04d", fx->n_req);
    q.checkin_opens_before_s = 1800;
    q.checkin_closes_after_s = 1800;
    q.seat_mode = REGISTRATION_SEAT_LOCAL;
    return q;
}

static struct registration_request make_escrow_req(struct fx *fx, const char *session_id,
                                                   const char *first, bool from_server,
                                                   bool waitlist_ok)
{
    struct registration_request q = make_req(fx, session_id, first, "Martin");
    q.seat_mode = REGISTRATION_SEAT_ESCROW;
    q.seat_from_server = from_server;
    q.waitlist_ok = waitlist_ok;
    if (waitlist_ok) /* the same ticket with the waiting-list mark */
        support_make_payload(q.payload_waitlist, 50000u + (unsigned)fx->n_req);
    return q;
}

static struct registration must_register(struct fx *fx, const struct registration_request *q)
{
    struct registration reg;
    enum borne_err err = store_register(fx->st, q, &reg);
    if (err != BORNE_OK)
        print_error("register %s: %s\n", q->registration_id, store_errmsg(fx->st));
    assert_int_equal(err, BORNE_OK);
    return reg;
}

static struct sync_allotment make_allotment(const char *session_id, int64_t granted,
                                            int64_t returned)
{
    struct sync_allotment a;
    memset(&a, 0, sizeof a);
    snprintf(a.session_id, sizeof a.session_id, "%s", session_id);
    a.granted = granted;
    a.returned = returned;
    return a;
}

static struct sync_push_result make_result(const char *id, enum sync_result_status status,
                                           const char *reason, int registration_status)
{
    struct sync_push_result r;
    memset(&r, 0, sizeof r);
    snprintf(r.id, sizeof r.id, "%s", id);
    r.status = status;
    snprintf(r.reason, sizeof r.reason, "%s", reason);
    r.registration_status = registration_status;
    return r;
}

static void must_ack(struct fx *fx, const struct sync_push_result *r, size_t n, int64_t now)
{
    enum borne_err err = store_outbox_ack(fx->st, r, n, now);
    if (err != BORNE_OK)
        print_error("ack: %s\n", store_errmsg(fx->st));
    assert_int_equal(err, BORNE_OK);
}

/* ---- reading the file ------------------------------------------------------------------ */

static int64_t seats_taken(struct fx *fx, const char *session_id)
{
    return sql_int(fx->path, "SELECT seats_taken FROM sessions WHERE id = ?1", session_id);
}

static int allotment_left(struct fx *fx, const char *session_id)
{
    int n = -1;
    assert_int_equal(store_allotment_left(fx->st, session_id, &n), BORNE_OK);
    return n;
}

static int64_t count(struct fx *fx, const char *table)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    return sql_int(fx->path, sql, NULL);
}

/* The outbox payload's member `member` of event id, as text ("(null)" for JSON null). */
static void payload_member(struct fx *fx, const char *event_id, const char *member, char *out,
                           size_t cap)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT json_extract(payload, '$.%s') FROM outbox WHERE id = ?1",
             member);
    sql_text(fx->path, sql, event_id, out, cap);
}

static struct store_sync_state must_state(struct fx *fx)
{
    struct store_sync_state s;
    assert_int_equal(store_sync_state_get(fx->st, &s), BORNE_OK);
    return s;
}

/* Every row of every table the sync touches, as text (blobs in hex), in a stable order: two
** dumps compare equal exactly when the data is the same. out holds DUMP_MAX bytes. */
static void dump_db(const char *path, char *out)
{
    static const char *const tables[] = {
        "meta",        "rooms",      "sessions",          "registrations",
        "outbox",      "tickets",    "cancelled_tickets", "checkins",
        "device_keys", "allotments", "print_jobs",
    };
    sqlite3 *db = NULL;
    size_t len = 0;
    out[0] = '\0';
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        char sql[96];
        sqlite3_stmt *stmt = NULL;
        snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY 1", tables[t]);
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
        len += (size_t)snprintf(out + len, DUMP_MAX - len, "[%s]\n", tables[t]);
        assert_true(len < DUMP_MAX);
        int rc;
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(stmt); c++) {
                int type = sqlite3_column_type(stmt, c);
                if (type == SQLITE_BLOB) {
                    const unsigned char *b = sqlite3_column_blob(stmt, c);
                    int nb = sqlite3_column_bytes(stmt, c);
                    for (int k = 0; k < nb; k++) {
                        len += (size_t)snprintf(out + len, DUMP_MAX - len, "%02x", b[k]);
                        assert_true(len < DUMP_MAX);
                    }
                } else if (type == SQLITE_NULL) {
                    len += (size_t)snprintf(out + len, DUMP_MAX - len, "NULL");
                } else {
                    len += (size_t)snprintf(out + len, DUMP_MAX - len, "%s",
                                            (const char *)sqlite3_column_text(stmt, c));
                }
                assert_true(len < DUMP_MAX);
                len += (size_t)snprintf(out + len, DUMP_MAX - len, "|");
                assert_true(len < DUMP_MAX);
            }
            len += (size_t)snprintf(out + len, DUMP_MAX - len, "\n");
            assert_true(len < DUMP_MAX);
        }
        assert_int_equal(rc, SQLITE_DONE);
        sqlite3_finalize(stmt);
    }
    sqlite3_close(db);
}

/* ---- pull pages ------------------------------------------------------------------------ */

#define PAGE_MAX 8

/* A pull reply built by hand; the arrays are the page's own (never sync_pull_reply_free). */
struct page {
    struct sync_pull_reply r;
    struct room rooms[PAGE_MAX];
    struct session sessions[PAGE_MAX];
    struct sync_allotment allotments[PAGE_MAX];
    struct sync_ticket tickets[PAGE_MAX];
    struct sync_device_key keys[PAGE_MAX];
    uint8_t key_bytes[PAGE_MAX][32];
};

static struct page *page_new(const char *cursor)
{
    struct page *p = calloc(1, sizeof *p);
    assert_non_null(p);
    snprintf(p->r.cursor, sizeof p->r.cursor, "%s", cursor);
    p->r.server_time = NOW;
    p->r.rooms = p->rooms;
    p->r.sessions = p->sessions;
    p->r.allotments = p->allotments;
    p->r.tickets = p->tickets;
    p->r.keys = p->keys;
    return p;
}

static void page_room(struct page *p, const char *id, const char *name)
{
    assert_true(p->r.n_rooms < PAGE_MAX);
    p->rooms[p->r.n_rooms++] = make_room(id, name);
}

static struct session *page_session(struct page *p, const char *id, const char *room_id,
                                    int capacity, int taken)
{
    assert_true(p->r.n_sessions < PAGE_MAX);
    p->sessions[p->r.n_sessions] = make_session(id, room_id, capacity, taken);
    return &p->sessions[p->r.n_sessions++];
}

static void page_allotment(struct page *p, const char *session_id, int64_t granted,
                           int64_t returned)
{
    assert_true(p->r.n_allotments < PAGE_MAX);
    p->allotments[p->r.n_allotments++] = make_allotment(session_id, granted, returned);
}

static struct sync_ticket *page_ticket(struct page *p, const char *id, const char *registration_id,
                                       const char *session_id, const char *short_code,
                                       enum registration_status status)
{
    assert_true(p->r.n_tickets < PAGE_MAX);
    struct sync_ticket *t = &p->tickets[p->r.n_tickets++];
    memset(t, 0, sizeof *t);
    snprintf(t->id, sizeof t->id, "%s", id);
    snprintf(t->registration_id, sizeof t->registration_id, "%s", registration_id);
    snprintf(t->session_id, sizeof t->session_id, "%s", session_id);
    snprintf(t->device_id, sizeof t->device_id, "dev-website");
    support_make_payload(t->payload, (unsigned)(1000 + p->r.n_tickets));
    snprintf(t->short_code, sizeof t->short_code, "%s", short_code);
    snprintf(t->first_name, sizeof t->first_name, "Zoé");
    t->status = status;
    t->issued_at = NOW - 100;
    return t;
}

static void page_key(struct page *p, const char *device_id, uint8_t fill, int64_t revoked_at)
{
    assert_true(p->r.n_keys < PAGE_MAX);
    size_t i = p->r.n_keys++;
    memset(&p->keys[i], 0, sizeof p->keys[i]);
    snprintf(p->keys[i].device_id, sizeof p->keys[i].device_id, "%s", device_id);
    snprintf(p->keys[i].public_key, sizeof p->keys[i].public_key, "(decoded by the caller)");
    p->keys[i].revoked_at = revoked_at;
    memset(p->key_bytes[i], fill, 32);
}

static enum borne_err page_apply(struct fx *fx, const struct page *p, int64_t now, int *skipped)
{
    return store_pull_apply(fx->st, &p->r, (const uint8_t(*)[32])p->key_bytes, now, skipped);
}

static void must_apply(struct fx *fx, const struct page *p, int64_t now, int expect_skipped)
{
    int skipped = -1;
    enum borne_err err = page_apply(fx, p, now, &skipped);
    if (err != BORNE_OK)
        print_error("pull_apply: %s\n", store_errmsg(fx->st));
    assert_int_equal(err, BORNE_OK);
    assert_int_equal(skipped, expect_skipped);
}

/* ---- sync state, enrolment, attempts --------------------------------------------------- */

static void test_state_fresh_database(void **state)
{
    struct fx *fx = *state;
    struct store_sync_state s;
    memset(&s, 0x5a, sizeof s);
    assert_int_equal(store_sync_state_get(fx->st, &s), BORNE_OK);
    assert_string_equal(s.url, "");
    assert_string_equal(s.token, ""); /* not enrolled */
    assert_string_equal(s.site_id, "");
    assert_string_equal(s.site_name, "");
    assert_string_equal(s.cursor, "");
    assert_string_equal(s.last_error, "");
    assert_int_equal(s.last_attempt_at, 0);
    assert_int_equal(s.last_success_at, 0);
    assert_int_equal(s.server_offset, 0);
    assert_int_equal(s.pending, 0);
    assert_int_equal(s.refused, 0);

    /* Bad arguments. */
    assert_int_equal(store_sync_state_get(NULL, &s), BORNE_ERR_INVALID);
    assert_string_equal(s.token, ""); /* zeroed all the same */
    assert_int_equal(store_sync_state_get(fx->st, NULL), BORNE_ERR_INVALID);

    /* Registrations count as pending. */
    put_session(fx, "s1", 10);
    struct registration_request q = make_req(fx, "s1", "Anne", "Martin");
    must_register(fx, &q);
    s = must_state(fx);
    assert_int_equal(s.pending, 1);
    assert_int_equal(s.refused, 0);
}

static void test_enrol_keeps_values_and_resets_cursor(void **state)
{
    struct fx *fx = *state;
    /* A cursor left by an earlier enrolment. */
    struct page *p = page_new("v1:9050:0:");
    must_apply(fx, p, NOW, 0);
    free(p);
    assert_string_equal(must_state(fx).cursor, "v1:9050:0:");

    assert_int_equal(store_sync_enrol(fx->st, "https://sync.example.org", "9c1e00ff", "rennes",
                                      "Atelier Numérique Rennes"),
                     BORNE_OK);
    struct store_sync_state s = must_state(fx);
    assert_string_equal(s.url, "https://sync.example.org");
    assert_string_equal(s.token, "9c1e00ff");
    assert_string_equal(s.site_id, "rennes");
    assert_string_equal(s.site_name, "Atelier Numérique Rennes");
    assert_string_equal(s.cursor, "");
    char text[128];
    sql_text(fx->path, "SELECT value FROM meta WHERE key = ?1", "sync_token", text, sizeof text);
    assert_string_equal(text, "9c1e00ff");
    sql_text(fx->path, "SELECT value FROM meta WHERE key = ?1", "sync_cursor", text, sizeof text);
    assert_string_equal(text, "");
    assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM meta WHERE key = ?1", "sync_url"), 1);

    /* Enrolling again replaces every value, one row per key. */
    assert_int_equal(store_sync_enrol(fx->st, "https://other.example.org:8443/", "aa", "brest", ""),
                     BORNE_OK);
    s = must_state(fx);
    assert_string_equal(s.url, "https://other.example.org:8443/");
    assert_string_equal(s.token, "aa");
    assert_string_equal(s.site_id, "brest");
    assert_string_equal(s.site_name, "");
    assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM meta WHERE key = ?1", "sync_token"),
                     1);
}

static void test_enrol_refuses_bad_values(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(store_sync_enrol(fx->st, "https://a.example", "tok", "site", "Site"),
                     BORNE_OK);
    char url[STORE_SYNC_URL_MAX + 1];
    char token[SYNC_TOKEN_MAX + 1];
    char site_id[BORNE_ID_MAX + 1];
    char site_name[SYNC_SITE_NAME_MAX + 1];

    /* One byte too long: refused, never cut. */
    memset(url, 'u', STORE_SYNC_URL_MAX);
    url[STORE_SYNC_URL_MAX] = '\0';
    assert_int_equal(store_sync_enrol(fx->st, url, "tok2", "site", "Site"), BORNE_ERR_INVALID);
    memset(token, 'f', SYNC_TOKEN_MAX);
    token[SYNC_TOKEN_MAX] = '\0';
    assert_int_equal(store_sync_enrol(fx->st, "https://b.example", token, "site", "Site"),
                     BORNE_ERR_INVALID);
    memset(site_id, 's', BORNE_ID_MAX);
    site_id[BORNE_ID_MAX] = '\0';
    assert_int_equal(store_sync_enrol(fx->st, "https://b.example", "tok2", site_id, "Site"),
                     BORNE_ERR_INVALID);
    memset(site_name, 'n', SYNC_SITE_NAME_MAX);
    site_name[SYNC_SITE_NAME_MAX] = '\0';
    assert_int_equal(store_sync_enrol(fx->st, "https://b.example", "tok2", "site", site_name),
                     BORNE_ERR_INVALID);
    /* Empty token, NULLs. */
    assert_int_equal(store_sync_enrol(fx->st, "https://b.example", "", "site", "Site"),
                     BORNE_ERR_INVALID);
    assert_int_equal(store_sync_enrol(fx->st, NULL, "tok2", "site", "Site"), BORNE_ERR_INVALID);
    assert_int_equal(store_sync_enrol(fx->st, "https://b.example", NULL, "site", "Site"),
                     BORNE_ERR_INVALID);
    assert_int_equal(store_sync_enrol(fx->st, "https://b.example", "tok2", NULL, "Site"),
                     BORNE_ERR_INVALID);
    assert_int_equal(store_sync_enrol(fx->st, "https://b.example", "tok2", "site", NULL),
                     BORNE_ERR_INVALID);
    assert_int_equal(store_sync_enrol(NULL, "https://b.example", "tok2", "site", "Site"),
                     BORNE_ERR_INVALID);

    /* Nothing of the refused calls was kept. */
    struct store_sync_state s = must_state(fx);
    assert_string_equal(s.url, "https://a.example");
    assert_string_equal(s.token, "tok");

    /* At the limit: accepted and read back whole. */
    url[STORE_SYNC_URL_MAX - 1] = '\0';
    token[SYNC_TOKEN_MAX - 1] = '\0';
    site_id[BORNE_ID_MAX - 1] = '\0';
    site_name[SYNC_SITE_NAME_MAX - 1] = '\0';
    assert_int_equal(store_sync_enrol(fx->st, url, token, site_id, site_name), BORNE_OK);
    s = must_state(fx);
    assert_string_equal(s.url, url);
    assert_string_equal(s.token, token);
    assert_string_equal(s.site_id, site_id);
    assert_string_equal(s.site_name, site_name);
}

static void test_note_success_and_failure(void **state)
{
    struct fx *fx = *state;
    /* A failure first: no success yet. */
    assert_int_equal(store_sync_note(fx->st, 1000, "cannot reach the server", 0), BORNE_OK);
    struct store_sync_state s = must_state(fx);
    assert_int_equal(s.last_attempt_at, 1000);
    assert_int_equal(s.last_success_at, 0);
    assert_string_equal(s.last_error, "cannot reach the server");
    assert_int_equal(s.server_offset, 0);

    /* A success clears the error and sets the offset. */
    assert_int_equal(store_sync_note(fx->st, 2000, NULL, 2050), BORNE_OK);
    s = must_state(fx);
    assert_int_equal(s.last_attempt_at, 2000);
    assert_int_equal(s.last_success_at, 2000);
    assert_string_equal(s.last_error, "");
    assert_int_equal(s.server_offset, 50);

    /* A failure without a server time keeps the last success and the offset. */
    assert_int_equal(store_sync_note(fx->st, 3000, "HTTP 503", 0), BORNE_OK);
    s = must_state(fx);
    assert_int_equal(s.last_attempt_at, 3000);
    assert_int_equal(s.last_success_at, 2000);
    assert_string_equal(s.last_error, "HTTP 503");
    assert_int_equal(s.server_offset, 50);

    /* A server behind this kiosk's clock: a negative offset. */
    assert_int_equal(store_sync_note(fx->st, 4000, NULL, 3990), BORNE_OK);
    s = must_state(fx);
    assert_int_equal(s.last_success_at, 4000);
    assert_int_equal(s.server_offset, -10);

    /* A long error is kept in the file and read back cut, terminated, at a character. */
    char error[400];
    memset(error, 'e', sizeof error - 1);
    error[sizeof error - 1] = '\0';
    memcpy(error + 254, "é", 2); /* a character across the cut at 255 bytes */
    assert_int_equal(store_sync_note(fx->st, 5000, error, 0), BORNE_OK);
    s = must_state(fx);
    assert_int_equal(s.last_success_at, 4000);
    assert_true(strlen(s.last_error) < sizeof s.last_error);
    assert_int_equal(strlen(s.last_error), 254);
    assert_true(support_valid_utf8(s.last_error));
    assert_int_equal(strncmp(s.last_error, error, strlen(s.last_error)), 0);

    assert_int_equal(store_sync_note(NULL, 1, NULL, 0), BORNE_ERR_INVALID);
}

/* ---- registrations: where the seat comes from ------------------------------------------ */

static void test_escrow_without_allotment_is_full(void **state)
{
    struct fx *fx = *state;
    put_session(fx, "s1", 10);
    struct registration_request q = make_escrow_req(fx, "s1", "Anne", false, false);
    struct registration reg;
    assert_int_equal(store_register(fx->st, &q, &reg), BORNE_ERR_SESSION_FULL);
    assert_contains(store_errmsg(fx->st), "s1");
    assert_string_equal(reg.id, "");
    /* Nothing written, though the session has ten free seats by its own count. */
    assert_int_equal(count(fx, "registrations"), 0);
    assert_int_equal(count(fx, "outbox"), 0);
    assert_int_equal(count(fx, "tickets"), 0);
    assert_int_equal(seats_taken(fx, "s1"), 0);
    assert_int_equal(sql_int(fx->path, "SELECT value FROM meta WHERE key = 'device_seq'", NULL), 0);
    /* seat_from_server without an allotment to spend changes nothing. */
    q = make_escrow_req(fx, "s1", "Anne", true, false);
    assert_int_equal(store_register(fx->st, &q, &reg), BORNE_ERR_SESSION_FULL);
    assert_int_equal(count(fx, "registrations"), 0);
}

static void test_escrow_without_allotment_waitlist(void **state)
{
    struct fx *fx = *state;
    put_session(fx, "s1", 10);
    struct registration_request q = make_escrow_req(fx, "s1", "Anne", false, true);
    struct registration reg = must_register(fx, &q);
    assert_int_equal(reg.status, REGISTRATION_WAITLIST);
    assert_string_equal(reg.ticket_id, q.ticket_id);

    assert_int_equal(
        sql_int(fx->path, "SELECT status FROM registrations WHERE id = ?1", q.registration_id),
        REGISTRATION_WAITLIST);
    assert_int_equal(
        sql_int(fx->path, "SELECT seat FROM registrations WHERE id = ?1", q.registration_id),
        SYNC_SEAT_NONE);
    assert_int_equal(sql_int(fx->path, "SELECT waitlist FROM tickets WHERE id = ?1", q.ticket_id),
                     1);
    struct ticket t;
    assert_int_equal(store_ticket_get(fx->st, q.ticket_id, &t), BORNE_OK);
    assert_true(t.waitlist);
    assert_false(t.cancelled);
    struct registration back;
    assert_int_equal(store_registration_get(fx->st, q.registration_id, &back), BORNE_OK);
    assert_int_equal(back.status, REGISTRATION_WAITLIST);

    char text[64];
    payload_member(fx, q.event_id, "status", text, sizeof text);
    assert_string_equal(text, "waitlist");
    payload_member(fx, q.event_id, "seat", text, sizeof text);
    assert_string_equal(text, "none");
    payload_member(fx, q.event_id, "ticket_id", text, sizeof text);
    assert_string_equal(text, q.ticket_id);

    /* No seat was taken, none spent. */
    assert_int_equal(seats_taken(fx, "s1"), 0);
    assert_int_equal(count(fx, "allotments"), 0);
    int n = -1;
    assert_int_equal(store_registration_count(fx->st, "s1", &n), BORNE_OK);
    assert_int_equal(n, 0); /* confirmed ones only */
    assert_int_equal(must_state(fx).pending, 1);

    /* The same person again: already registered, with the waitlist registration back. */
    struct registration_request again = make_escrow_req(fx, "s1", "Anne", false, true);
    assert_int_equal(store_register(fx->st, &again, &reg), BORNE_ERR_ALREADY_REGISTERED);
    assert_string_equal(reg.id, q.registration_id);
    assert_int_equal(count(fx, "registrations"), 1);
}

static void test_escrow_spends_allotment_then_waitlist(void **state)
{
    struct fx *fx = *state;
    put_session(fx, "s1", 10);
    struct sync_allotment a = make_allotment("s1", 2, 0);
    assert_int_equal(store_allotment_merge(fx->st, &a, -1, NOW), BORNE_OK);
    assert_int_equal(allotment_left(fx, "s1"), 2);

    /* From the allotment. */
    struct registration_request q1 = make_escrow_req(fx, "s1", "Anne", false, false);
    struct registration reg = must_register(fx, &q1);
    assert_int_equal(reg.status, REGISTRATION_CONFIRMED);
    assert_int_equal(seats_taken(fx, "s1"), 1);
    assert_int_equal(allotment_left(fx, "s1"), 1);
    assert_int_equal(
        sql_int(fx->path, "SELECT seats_used FROM allotments WHERE session_id = ?1", "s1"), 1);
    char text[64];
    payload_member(fx, q1.event_id, "seat", text, sizeof text);
    assert_string_equal(text, "allotment");
    payload_member(fx, q1.event_id, "status", text, sizeof text);
    assert_string_equal(text, "confirmed");
    assert_int_equal(
        sql_int(fx->path, "SELECT seat FROM registrations WHERE id = ?1", q1.registration_id),
        SYNC_SEAT_ALLOTMENT);
    assert_int_equal(sql_int(fx->path, "SELECT waitlist FROM tickets WHERE id = ?1", q1.ticket_id),
                     0);

    /* Granted by the server just before (merged into the allotment first). */
    struct registration_request q2 = make_escrow_req(fx, "s1", "Bruno", true, false);
    reg = must_register(fx, &q2);
    assert_int_equal(reg.status, REGISTRATION_CONFIRMED);
    assert_int_equal(seats_taken(fx, "s1"), 2);
    assert_int_equal(allotment_left(fx, "s1"), 0);
    payload_member(fx, q2.event_id, "seat", text, sizeof text);
    assert_string_equal(text, "server");
    assert_int_equal(
        sql_int(fx->path, "SELECT seat FROM registrations WHERE id = ?1", q2.registration_id),
        SYNC_SEAT_SERVER);

    /* None left: full, with nothing written... */
    struct registration_request q3 = make_escrow_req(fx, "s1", "Chloé", false, false);
    assert_int_equal(store_register(fx->st, &q3, &reg), BORNE_ERR_SESSION_FULL);
    assert_int_equal(count(fx, "registrations"), 2);
    assert_int_equal(count(fx, "outbox"), 2);
    assert_int_equal(seats_taken(fx, "s1"), 2);
    /* ...or the waiting list. */
    q3 = make_escrow_req(fx, "s1", "Chloé", false, true);
    reg = must_register(fx, &q3);
    assert_int_equal(reg.status, REGISTRATION_WAITLIST);
    assert_int_equal(seats_taken(fx, "s1"), 2);
    assert_int_equal(
        sql_int(fx->path, "SELECT seats_used FROM allotments WHERE session_id = ?1", "s1"), 2);
    payload_member(fx, q3.event_id, "seat", text, sizeof text);
    assert_string_equal(text, "none");
    assert_int_equal(sql_int(fx->path, "SELECT waitlist FROM tickets WHERE id = ?1", q3.ticket_id),
                     1);
    /* The ticket kept, and the one sent to the server, are those with the waiting-list mark;
    ** a confirmed one keeps the other. */
    char ticket_payload[BORNE_PAYLOAD_MAX];
    payload_member(fx, q3.event_id, "ticket_payload", ticket_payload, sizeof ticket_payload);
    assert_string_equal(ticket_payload, q3.payload_waitlist);
    struct ticket t;
    assert_int_equal(store_ticket_get(fx->st, q3.ticket_id, &t), BORNE_OK);
    assert_string_equal(t.payload, q3.payload_waitlist);
    assert_int_equal(store_ticket_get(fx->st, q2.ticket_id, &t), BORNE_OK);
    assert_string_equal(t.payload, q2.payload);

    int n = -1;
    assert_int_equal(store_registration_count(fx->st, "s1", &n), BORNE_OK);
    assert_int_equal(n, 2);
    struct sync_used used[4];
    size_t n_used = 99;
    assert_int_equal(store_allotments_used(fx->st, used, 4, &n_used), BORNE_OK);
    assert_int_equal(n_used, 1);
    assert_string_equal(used[0].session_id, "s1");
    assert_int_equal(used[0].used, 2);
    /* Sequence numbers follow every registration written. */
    assert_int_equal(sql_int(fx->path, "SELECT value FROM meta WHERE key = 'device_seq'", NULL), 3);
}

static void test_local_mode_unchanged(void **state)
{
    struct fx *fx = *state;
    put_session(fx, "s1", 2);
    /* An allotment, which local mode never touches. */
    struct sync_allotment a = make_allotment("s1", 5, 0);
    assert_int_equal(store_allotment_merge(fx->st, &a, -1, NOW), BORNE_OK);

    struct registration_request q1 = make_req(fx, "s1", "Anne", "Martin");
    q1.waitlist_ok = true; /* no waiting list without a server */
    struct registration reg = must_register(fx, &q1);
    assert_int_equal(reg.status, REGISTRATION_CONFIRMED);
    struct registration_request q2 = make_req(fx, "s1", "Bruno", "Martin");
    reg = must_register(fx, &q2);
    assert_int_equal(reg.status, REGISTRATION_CONFIRMED);
    assert_int_equal(seats_taken(fx, "s1"), 2);
    char text[64];
    payload_member(fx, q1.event_id, "seat", text, sizeof text);
    assert_string_equal(text, "local");
    payload_member(fx, q2.event_id, "status", text, sizeof text);
    assert_string_equal(text, "confirmed");
    assert_int_equal(
        sql_int(fx->path, "SELECT seat FROM registrations WHERE id = ?1", q1.registration_id),
        SYNC_SEAT_LOCAL);

    /* Full by its own count, whatever the allotment and waitlist_ok say. */
    struct registration_request q3 = make_req(fx, "s1", "Chloé", "Martin");
    q3.waitlist_ok = true;
    assert_int_equal(store_register(fx->st, &q3, &reg), BORNE_ERR_SESSION_FULL);
    assert_int_equal(count(fx, "registrations"), 2);
    assert_int_equal(seats_taken(fx, "s1"), 2);
    assert_int_equal(
        sql_int(fx->path, "SELECT seats_used FROM allotments WHERE session_id = ?1", "s1"), 0);
    assert_int_equal(allotment_left(fx, "s1"), 5);
    size_t n_used = 99;
    struct sync_used used[2];
    assert_int_equal(store_allotments_used(fx->st, used, 2, &n_used), BORNE_OK);
    assert_int_equal(n_used, 0);
}

/* ---- allotments ------------------------------------------------------------------------ */

/* A pull took seats back on a count of seats used read before this kiosk spent more (the
** pull was on its way): the allotment is overdrawn. A seat the server grants now for a
** registration is that visitor's all the same, never "complet"; without the server's word,
** the overdrawn allotment gives nothing. */
static void test_seat_granted_over_an_overdrawn_allotment(void **state)
{
    struct fx *fx = *state;
    put_session(fx, "s1", 10);
    struct sync_allotment a = make_allotment("s1", 2, 0);
    assert_int_equal(store_allotment_merge(fx->st, &a, -1, NOW), BORNE_OK);
    for (int i = 0; i < 2; i++) {
        struct registration_request q =
            make_escrow_req(fx, "s1", i ? "Bruno" : "Anne", false, false);
        assert_int_equal(must_register(fx, &q).status, REGISTRATION_CONFIRMED);
    }
    /* The stale take-back: both seats returned, counted when none was used. */
    a = make_allotment("s1", 2, 2);
    assert_int_equal(store_allotment_merge(fx->st, &a, -1, NOW), BORNE_OK);
    struct registration reg;
    struct registration_request q = make_escrow_req(fx, "s1", "Chloé", false, false);
    assert_int_equal(store_register(fx->st, &q, &reg), BORNE_ERR_SESSION_FULL);
    /* The server grants one seat: merged first, as seat_answered() does. */
    a = make_allotment("s1", 3, 2);
    assert_int_equal(store_allotment_merge(fx->st, &a, -1, NOW), BORNE_OK);
    q = make_escrow_req(fx, "s1", "Chloé", true, false);
    assert_int_equal(must_register(fx, &q).status, REGISTRATION_CONFIRMED);
    char text[64];
    payload_member(fx, q.event_id, "seat", text, sizeof text);
    assert_string_equal(text, "server");
    assert_int_equal(
        sql_int(fx->path, "SELECT seats_used FROM allotments WHERE session_id = ?1", "s1"), 3);
    /* And nothing more without the server: still overdrawn. */
    q = make_escrow_req(fx, "s1", "Denis", false, false);
    assert_int_equal(store_register(fx->st, &q, &reg), BORNE_ERR_SESSION_FULL);
}

/* A seat's answer (kiosk_seat_answer, shared by the kiosk and kiosk_sim): a seat granted is
** merged and spent; one granted but that cannot be recorded (the sync worker holding the
** database past the busy timeout, three times) sends the visitor to the waiting list rather
** than "complet"; no answer at all, likewise; a refusal allows neither. */
static void test_seat_answer(void **state)
{
    struct fx *fx = *state;
    put_session(fx, "s1", 10);
    struct sync_seat_reply rep;
    memset(&rep, 0, sizeof rep);
    rep.granted = true;
    rep.allotment = make_allotment("s1", 1, 0);
    rep.seats_taken = 1;
    rep.capacity = 10;

    struct registration_request q = make_req(fx, "s1", "Anne", "Martin");
    kiosk_seat_answer(fx->st, BORNE_OK, &rep, NOW, &q);
    assert_int_equal(q.seat_mode, REGISTRATION_SEAT_ESCROW);
    assert_true(q.seat_from_server);
    assert_false(q.waitlist_ok);
    assert_int_equal(allotment_left(fx, "s1"), 1);

    /* Another connection holds the write lock (the sync worker's long pull). */
    sqlite3 *other = NULL;
    assert_int_equal(sqlite3_open(fx->path, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    rep.allotment = make_allotment("s1", 2, 0);
    q = make_req(fx, "s1", "Bruno", "Martin");
    kiosk_seat_answer(fx->st, BORNE_OK, &rep, NOW, &q);
    assert_false(q.seat_from_server);
    assert_true(q.waitlist_ok);
    assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);

    q = make_req(fx, "s1", "Chloé", "Martin");
    kiosk_seat_answer(fx->st, BORNE_ERR_NETWORK, &rep, NOW, &q);
    assert_false(q.seat_from_server);
    assert_true(q.waitlist_ok);
    rep.granted = false;
    q = make_req(fx, "s1", "Denis", "Martin");
    kiosk_seat_answer(fx->st, BORNE_OK, &rep, NOW, &q);
    assert_false(q.seat_from_server);
    assert_false(q.waitlist_ok);
}

static void test_allotment_merge_takes_the_max(void **state)
{
    struct fx *fx = *state;
    static const char *const ids[] = {"s1", "s2"};
    put_sessions(fx, ids, 2, 20);

    /* 5/2 then 3/1 (an older reply arriving late): 5/2. */
    struct sync_allotment a = make_allotment("s1", 5, 2);
    assert_int_equal(store_allotment_merge(fx->st, &a, -1, NOW), BORNE_OK);
    a = make_allotment("s1", 3, 1);
    assert_int_equal(store_allotment_merge(fx->st, &a, -1, NOW + 1), BORNE_OK);
    assert_int_equal(
        sql_int(fx->path, "SELECT seats_granted FROM allotments WHERE session_id = ?1", "s1"), 5);
    assert_int_equal(
        sql_int(fx->path, "SELECT seats_returned FROM allotments WHERE session_id = ?1", "s1"), 2);
    assert_int_equal(allotment_left(fx, "s1"), 3);

    /* The other order: the same result. */
    a = make_allotment("s2", 3, 1);
    assert_int_equal(store_allotment_merge(fx->st, &a, -1, NOW), BORNE_OK);
    a = make_allotment("s2", 5, 2);
    assert_int_equal(store_allotment_merge(fx->st, &a, -1, NOW + 1), BORNE_OK);
    assert_int_equal(
        sql_int(fx->path, "SELECT seats_granted FROM allotments WHERE session_id = ?1", "s2"), 5);
    assert_int_equal(
        sql_int(fx->path, "SELECT seats_returned FROM allotments WHERE session_id = ?1", "s2"), 2);

    /* Each counter on its own: granted from one reply, returned from the other. */
    a = make_allotment("s1", 4, 4);
    assert_int_equal(store_allotment_merge(fx->st, &a, -1, NOW + 2), BORNE_OK);
    assert_int_equal(
        sql_int(fx->path, "SELECT seats_granted FROM allotments WHERE session_id = ?1", "s1"), 5);
    assert_int_equal(
        sql_int(fx->path, "SELECT seats_returned FROM allotments WHERE session_id = ?1", "s1"), 4);
    assert_int_equal(allotment_left(fx, "s1"), 1);
    assert_int_equal(count(fx, "allotments"), 2);

    /* An unknown session is ignored. */
    a = make_allotment("nope", 7, 0);
    assert_int_equal(store_allotment_merge(fx->st, &a, -1, NOW), BORNE_OK);
    assert_int_equal(count(fx, "allotments"), 2);
    assert_int_equal(allotment_left(fx, "nope"), 0);

    /* Bad arguments, and nothing changed by them. */
    a = make_allotment("", 1, 0);
    assert_int_equal(store_allotment_merge(fx->st, &a, -1, NOW), BORNE_ERR_INVALID);
    a = make_allotment("s1", -1, 0);
    assert_int_equal(store_allotment_merge(fx->st, &a, -1, NOW), BORNE_ERR_INVALID);
    a = make_allotment("s1", 9, -1);
    assert_int_equal(store_allotment_merge(fx->st, &a, -1, NOW), BORNE_ERR_INVALID);
    assert_int_equal(store_allotment_merge(fx->st, NULL, -1, NOW), BORNE_ERR_INVALID);
    assert_int_equal(store_allotment_merge(NULL, &a, -1, NOW), BORNE_ERR_INVALID);
    assert_int_equal(
        sql_int(fx->path, "SELECT seats_granted FROM allotments WHERE session_id = ?1", "s1"), 5);
    /* Catalogue sessions were never pulled: their seats_taken is their own count. */
    assert_int_equal(seats_taken(fx, "s1"), 0);
}

static void test_allotment_left_and_used(void **state)
{
    struct fx *fx = *state;
    static const char *const ids[] = {"s1", "s2", "s3"};
    put_sessions(fx, ids, 3, 20);
    int n = -1;
    assert_int_equal(store_allotment_left(fx->st, "s1", &n), BORNE_OK);
    assert_int_equal(n, 0); /* no allotment */
    assert_int_equal(store_allotment_left(fx->st, NULL, &n), BORNE_ERR_INVALID);
    assert_int_equal(store_allotment_left(fx->st, "s1", NULL), BORNE_ERR_INVALID);
    n = -1;
    assert_int_equal(store_allotment_left(NULL, "s1", &n), BORNE_ERR_INVALID);
    assert_int_equal(n, 0);

    struct sync_used used[4];
    size_t n_used = 99;
    assert_int_equal(store_allotments_used(fx->st, used, 4, &n_used), BORNE_OK);
    assert_int_equal(n_used, 0);

    struct sync_allotment a = make_allotment("s1", 3, 0);
    assert_int_equal(store_allotment_merge(fx->st, &a, -1, NOW), BORNE_OK);
    a = make_allotment("s2", 2, 0);
    assert_int_equal(store_allotment_merge(fx->st, &a, -1, NOW + 10), BORNE_OK);
    a = make_allotment("s3", 2, 0); /* never spent: not reported */
    assert_int_equal(store_allotment_merge(fx->st, &a, -1, NOW + 20), BORNE_OK);
    struct registration_request q = make_escrow_req(fx, "s1", "Anne", false, false);
    must_register(fx, &q);
    q = make_escrow_req(fx, "s1", "Bruno", false, false);
    must_register(fx, &q);
    q = make_escrow_req(fx, "s2", "Anne", true, false);
    must_register(fx, &q);
    assert_int_equal(allotment_left(fx, "s1"), 1);
    assert_int_equal(allotment_left(fx, "s2"), 1);
    assert_int_equal(allotment_left(fx, "s3"), 2);

    assert_int_equal(store_allotments_used(fx->st, used, 4, &n_used), BORNE_OK);
    assert_int_equal(n_used, 2);
    int64_t s1 = -1, s2 = -1;
    for (size_t i = 0; i < n_used; i++) {
        if (!strcmp(used[i].session_id, "s1"))
            s1 = used[i].used;
        else if (!strcmp(used[i].session_id, "s2"))
            s2 = used[i].used;
    }
    assert_int_equal(s1, 2);
    assert_int_equal(s2, 1);
    /* cap is obeyed. */
    memset(used, 0x5a, sizeof used);
    assert_int_equal(store_allotments_used(fx->st, used, 1, &n_used), BORNE_OK);
    assert_int_equal(n_used, 1);
    assert_true(memchr(used[1].session_id, 0, sizeof used[1].session_id) == NULL); /* untouched */
    assert_int_equal(store_allotments_used(fx->st, used, 0, &n_used), BORNE_OK);
    assert_int_equal(n_used, 0);
    assert_int_equal(store_allotments_used(fx->st, NULL, 4, &n_used), BORNE_ERR_INVALID);
    assert_int_equal(store_allotments_used(fx->st, used, 4, NULL), BORNE_ERR_INVALID);

    /* More taken back than granted (a damaged reply): nothing left, never negative. */
    a = make_allotment("s3", 2, 7);
    assert_int_equal(store_allotment_merge(fx->st, &a, -1, NOW), BORNE_OK);
    assert_int_equal(allotment_left(fx, "s3"), 0);
}

/* ---- outbox ---------------------------------------------------------------------------- */

static void test_outbox_next_order_cap_unacked(void **state)
{
    struct fx *fx = *state;
    put_session(fx, "s1", 10);
    /* Event ids against the upload order: the order must come from seq, not the id. */
    static const char *const evt[] = {"evt-e", "evt-d", "evt-c", "evt-b", "evt-a"};
    static const char *const first[] = {"Anne", "Bruno", "Chloé", "David", "Emma"};
    for (int i = 0; i < 5; i++) {
        struct registration_request q = make_req(fx, "s1", first[i], "Martin");
        snprintf(q.event_id, sizeof q.event_id, "%s", evt[i]);
        q.now = NOW + i;
        must_register(fx, &q);
    }
    struct store_outbox_event *ev = calloc(8, sizeof *ev);
    assert_non_null(ev);
    size_t n = 99;
    assert_int_equal(store_outbox_next(fx->st, ev, 3, &n), BORNE_OK);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(ev[i].id, evt[i]);
        assert_string_equal(ev[i].kind, "registration.created");
        assert_int_equal(ev[i].created_at, NOW + (int64_t)i);
        if (i > 0)
            assert_true(ev[i].seq > ev[i - 1].seq);
        assert_int_equal(ev[i].seq,
                         sql_int(fx->path, "SELECT seq FROM outbox WHERE id = ?1", evt[i]));
        char reg_id[16];
        snprintf(reg_id, sizeof reg_id, "reg-%04d", (int)i + 1);
        assert_contains(ev[i].payload, reg_id);
        assert_contains(ev[i].payload, first[i]);
        assert_true(ev[i].payload[0] == '{');
    }

    /* Acked events are not offered again; the rest come in the same order. */
    struct sync_push_result r[2] = {make_result("evt-e", SYNC_APPLIED, "", 0),
                                    make_result("evt-c", SYNC_DUPLICATE, "", -1)};
    must_ack(fx, r, 2, NOW + 100);
    assert_int_equal(store_outbox_next(fx->st, ev, 8, &n), BORNE_OK);
    assert_int_equal(n, 3);
    assert_string_equal(ev[0].id, "evt-d");
    assert_string_equal(ev[1].id, "evt-b");
    assert_string_equal(ev[2].id, "evt-a");

    /* Bad arguments. */
    assert_int_equal(store_outbox_next(fx->st, ev, 0, &n), BORNE_ERR_INVALID);
    assert_int_equal(n, 0);
    assert_int_equal(store_outbox_next(fx->st, NULL, 3, &n), BORNE_ERR_INVALID);
    assert_int_equal(store_outbox_next(fx->st, ev, 3, NULL), BORNE_ERR_INVALID);
    assert_int_equal(store_outbox_next(NULL, ev, 3, &n), BORNE_ERR_INVALID);

    /* All acked: nothing. */
    struct sync_push_result rest[3] = {make_result("evt-d", SYNC_APPLIED, "", 0),
                                       make_result("evt-b", SYNC_APPLIED, "", 0),
                                       make_result("evt-a", SYNC_APPLIED, "", 0)};
    must_ack(fx, rest, 3, NOW + 200);
    n = 99;
    assert_int_equal(store_outbox_next(fx->st, ev, 8, &n), BORNE_OK);
    assert_int_equal(n, 0);
    free(ev);
}

static void test_outbox_next_refuses_oversized_event(void **state)
{
    struct fx *fx = *state;
    put_session(fx, "s1", 10);
    struct registration_request q = make_req(fx, "s1", "Anne", "Martin");
    must_register(fx, &q);
    /* An event the kiosk would never write: its JSON is over STORE_OUTBOX_PAYLOAD_MAX. */
    sql_exec(fx->path, "INSERT INTO outbox (id, kind, entity_id, payload, created_at, device_seq) "
                       "VALUES ('big', 'registration.created', 'x', "
                       "json_object('pad', printf('%.5000c', 'x')), 1, 99)");
    struct store_outbox_event *ev = calloc(4, sizeof *ev);
    assert_non_null(ev);
    size_t n = 99;
    assert_int_equal(store_outbox_next(fx->st, ev, 4, &n), BORNE_ERR_CORRUPT);
    assert_int_equal(n, 0);
    assert_contains(store_errmsg(fx->st), "big");
    /* The event before it can still be sent on its own. */
    assert_int_equal(store_outbox_next(fx->st, ev, 1, &n), BORNE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(ev[0].id, q.event_id);
    free(ev);
}

static void test_outbox_ack_applied_and_duplicate(void **state)
{
    struct fx *fx = *state;
    put_session(fx, "s1", 10);
    struct registration_request q1 = make_req(fx, "s1", "Anne", "Martin");
    struct registration_request q2 = make_req(fx, "s1", "Bruno", "Martin");
    struct registration_request q3 = make_req(fx, "s1", "Chloé", "Martin");
    must_register(fx, &q1);
    must_register(fx, &q2);
    must_register(fx, &q3);
    assert_int_equal(must_state(fx).pending, 3);

    struct sync_push_result r[2] = {make_result(q1.event_id, SYNC_APPLIED, "", 0),
                                    make_result(q2.event_id, SYNC_DUPLICATE, "", -1)};
    must_ack(fx, r, 2, NOW + 50);
    for (int i = 0; i < 2; i++) {
        const char *id = i == 0 ? q1.event_id : q2.event_id;
        assert_int_equal(sql_int(fx->path, "SELECT acked_at FROM outbox WHERE id = ?1", id),
                         NOW + 50);
        assert_int_equal(sql_int(fx->path, "SELECT attempts FROM outbox WHERE id = ?1", id), 1);
        assert_int_equal(
            sql_int(fx->path, "SELECT refused_reason IS NULL FROM outbox WHERE id = ?1", id), 1);
    }
    assert_int_equal(
        sql_int(fx->path, "SELECT acked_at IS NULL FROM outbox WHERE id = ?1", q3.event_id), 1);
    struct store_sync_state s = must_state(fx);
    assert_int_equal(s.pending, 1);
    assert_int_equal(s.refused, 0);
    int n = -1;
    assert_int_equal(store_outbox_pending(fx->st, &n), BORNE_OK);
    assert_int_equal(n, 1);
    /* The registrations keep their status. */
    assert_int_equal(
        sql_int(fx->path, "SELECT status FROM registrations WHERE id = ?1", q1.registration_id), 0);
    assert_int_equal(
        sql_int(fx->path, "SELECT status FROM registrations WHERE id = ?1", q2.registration_id), 0);
    assert_int_equal(seats_taken(fx, "s1"), 3);

    /* Nothing to ack is fine; results NULL with n > 0 is not. */
    must_ack(fx, NULL, 0, NOW);
    assert_int_equal(store_outbox_ack(fx->st, NULL, 1, NOW), BORNE_ERR_INVALID);
    assert_int_equal(store_outbox_ack(NULL, r, 1, NOW), BORNE_ERR_INVALID);
}

static void test_outbox_ack_refused(void **state)
{
    struct fx *fx = *state;
    put_session(fx, "s1", 10);
    struct registration_request q1 = make_req(fx, "s1", "Anne", "Martin");
    struct registration_request q2 = make_req(fx, "s1", "Bruno", "Martin");
    must_register(fx, &q1);
    must_register(fx, &q2);

    /* Refused without a registration_status: the registration holds no seat, its ticket is
    ** no good at the door. */
    struct sync_push_result r[2] = {make_result(q1.event_id, SYNC_REFUSED, "unknown_session", -1),
                                    make_result(q2.event_id, SYNC_REFUSED, "", -1)};
    must_ack(fx, r, 2, NOW + 60);
    char text[64];
    sql_text(fx->path, "SELECT refused_reason FROM outbox WHERE id = ?1", q1.event_id, text,
             sizeof text);
    assert_string_equal(text, "unknown_session");
    sql_text(fx->path, "SELECT last_error FROM outbox WHERE id = ?1", q1.event_id, text,
             sizeof text);
    assert_string_equal(text, "unknown_session");
    sql_text(fx->path, "SELECT refused_reason FROM outbox WHERE id = ?1", q2.event_id, text,
             sizeof text);
    assert_string_equal(text, "refused"); /* a reason all the same */
    assert_int_equal(sql_int(fx->path, "SELECT acked_at FROM outbox WHERE id = ?1", q1.event_id),
                     NOW + 60);
    for (int i = 0; i < 2; i++) {
        const struct registration_request *q = i == 0 ? &q1 : &q2;
        assert_int_equal(
            sql_int(fx->path, "SELECT status FROM registrations WHERE id = ?1", q->registration_id),
            REGISTRATION_CANCELLED);
        struct ticket t;
        assert_int_equal(store_ticket_get(fx->st, q->ticket_id, &t), BORNE_OK);
        assert_true(t.cancelled);
        assert_false(t.waitlist);
    }
    struct store_sync_state s = must_state(fx);
    assert_int_equal(s.pending, 0);
    assert_int_equal(s.refused, 2);
    int n = -1;
    assert_int_equal(store_registration_count(fx->st, "s1", &n), BORNE_OK);
    assert_int_equal(n, 0);
    /* Never offered again. */
    struct store_outbox_event *ev = calloc(2, sizeof *ev);
    assert_non_null(ev);
    size_t n_ev = 99;
    assert_int_equal(store_outbox_next(fx->st, ev, 2, &n_ev), BORNE_OK);
    assert_int_equal(n_ev, 0);
    free(ev);
    /* The person whose registration was refused may register again. */
    struct registration_request again = make_req(fx, "s1", "Anne", "Martin");
    must_register(fx, &again);
}

static void test_outbox_ack_refused_with_status(void **state)
{
    struct fx *fx = *state;
    put_session(fx, "s1", 10);
    struct registration_request q = make_req(fx, "s1", "Anne", "Martin");
    must_register(fx, &q);
    /* The server said what became of it: that wins over "refused means cancelled". */
    struct sync_push_result r =
        make_result(q.event_id, SYNC_REFUSED, "invalid", REGISTRATION_WAITLIST);
    must_ack(fx, &r, 1, NOW + 1);
    assert_int_equal(
        sql_int(fx->path, "SELECT status FROM registrations WHERE id = ?1", q.registration_id),
        REGISTRATION_WAITLIST);
    assert_int_equal(sql_int(fx->path, "SELECT waitlist FROM tickets WHERE id = ?1", q.ticket_id),
                     1);
    assert_int_equal(must_state(fx).refused, 1);
}

static void test_outbox_ack_registration_status(void **state)
{
    struct fx *fx = *state;
    put_session(fx, "s1", 10);
    struct sync_allotment a = make_allotment("s1", 1, 0);
    assert_int_equal(store_allotment_merge(fx->st, &a, -1, NOW), BORNE_OK);
    struct registration_request qc = make_escrow_req(fx, "s1", "Anne", false, false);
    struct registration_request qw = make_escrow_req(fx, "s1", "Bruno", false, true);
    struct registration_request qx = make_req(fx, "s1", "Chloé", "Martin");
    assert_int_equal(must_register(fx, &qc).status, REGISTRATION_CONFIRMED);
    assert_int_equal(must_register(fx, &qw).status, REGISTRATION_WAITLIST);
    assert_int_equal(must_register(fx, &qx).status, REGISTRATION_CONFIRMED);

    /* Confirmed here, waitlist there (a race with a take-back); waitlist here, a seat freed
    ** there; and one the server cancelled. */
    struct sync_push_result r[3] = {
        make_result(qc.event_id, SYNC_APPLIED, "", REGISTRATION_WAITLIST),
        make_result(qw.event_id, SYNC_APPLIED, "", REGISTRATION_CONFIRMED),
        make_result(qx.event_id, SYNC_APPLIED, "", REGISTRATION_CANCELLED),
    };
    must_ack(fx, r, 3, NOW + 5);

    struct registration reg;
    struct ticket t;
    assert_int_equal(store_registration_get(fx->st, qc.registration_id, &reg), BORNE_OK);
    assert_int_equal(reg.status, REGISTRATION_WAITLIST);
    assert_int_equal(store_ticket_get(fx->st, qc.ticket_id, &t), BORNE_OK);
    assert_true(t.waitlist);
    assert_false(t.cancelled);

    assert_int_equal(store_registration_get(fx->st, qw.registration_id, &reg), BORNE_OK);
    assert_int_equal(reg.status, REGISTRATION_CONFIRMED);
    assert_int_equal(store_ticket_get(fx->st, qw.ticket_id, &t), BORNE_OK);
    assert_false(t.waitlist);
    assert_false(t.cancelled);

    assert_int_equal(store_registration_get(fx->st, qx.registration_id, &reg), BORNE_OK);
    assert_int_equal(reg.status, REGISTRATION_CANCELLED);
    assert_int_equal(store_ticket_get(fx->st, qx.ticket_id, &t), BORNE_OK);
    assert_true(t.cancelled);
    assert_false(t.waitlist);

    /* Applied is not refused. */
    struct store_sync_state s = must_state(fx);
    assert_int_equal(s.pending, 0);
    assert_int_equal(s.refused, 0);
    /* Other registrations' tickets untouched: each update reached its own ticket only. */
    assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM tickets WHERE status = 1", NULL), 1);
    assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM tickets WHERE waitlist = 1", NULL), 1);
}

static void test_outbox_ack_unknown_and_twice(void **state)
{
    struct fx *fx = *state;
    put_session(fx, "s1", 10);
    struct registration_request q = make_req(fx, "s1", "Anne", "Martin");
    must_register(fx, &q);
    char *before = malloc(DUMP_MAX);
    assert_non_null(before);
    dump_db(fx->path, before);

    /* Ids the outbox does not hold: ignored, nothing changes. */
    struct sync_push_result unknown[2] = {
        make_result("no-such-event", SYNC_REFUSED, "invalid", -1),
        make_result(q.registration_id, SYNC_APPLIED, "", REGISTRATION_CANCELLED),
    };
    must_ack(fx, unknown, 2, NOW + 1);
    char *after = malloc(DUMP_MAX);
    assert_non_null(after);
    dump_db(fx->path, after);
    assert_string_equal(before, after);

    /* Acked once, then the same answer again (a push made twice), then a different one:
    ** only the first counts. */
    struct sync_push_result r = make_result(q.event_id, SYNC_APPLIED, "", REGISTRATION_CONFIRMED);
    must_ack(fx, &r, 1, NOW + 10);
    dump_db(fx->path, before);
    must_ack(fx, &r, 1, NOW + 20);
    r = make_result(q.event_id, SYNC_REFUSED, "invalid", REGISTRATION_CANCELLED);
    must_ack(fx, &r, 1, NOW + 30);
    dump_db(fx->path, after);
    assert_string_equal(before, after);
    assert_int_equal(sql_int(fx->path, "SELECT acked_at FROM outbox WHERE id = ?1", q.event_id),
                     NOW + 10);
    assert_int_equal(sql_int(fx->path, "SELECT attempts FROM outbox WHERE id = ?1", q.event_id), 1);
    assert_int_equal(
        sql_int(fx->path, "SELECT status FROM registrations WHERE id = ?1", q.registration_id),
        REGISTRATION_CONFIRMED);
    assert_int_equal(must_state(fx).pending, 0);
    free(before);
    free(after);
}

static void test_outbox_ack_checkin_event_refused(void **state)
{
    struct fx *fx = *state;
    put_session(fx, "s1", 10);
    /* Registered once the door is open: a check-in event follows the registration's. */
    struct registration_request q = make_req(fx, "s1", "Anne", "Martin");
    q.now = NOW + HOUR - 60;
    struct registration reg = must_register(fx, &q);
    assert_int_equal(reg.checked_in_at, q.now);
    assert_int_equal(
        sql_int(fx->path, "SELECT count(*) FROM outbox WHERE kind = ?1", "checkin.created"), 1);
    assert_int_equal(must_state(fx).pending, 2);

    /* A refused check-in is not a refused registration. */
    struct sync_push_result r[2] = {
        make_result(q.event_id, SYNC_APPLIED, "", REGISTRATION_CONFIRMED),
        make_result(q.checkin_event_id, SYNC_REFUSED, "wrong_device", -1),
    };
    must_ack(fx, r, 2, NOW + HOUR);
    assert_int_equal(
        sql_int(fx->path, "SELECT status FROM registrations WHERE id = ?1", q.registration_id),
        REGISTRATION_CONFIRMED);
    struct ticket t;
    assert_int_equal(store_ticket_get(fx->st, q.ticket_id, &t), BORNE_OK);
    assert_false(t.cancelled);
    struct store_sync_state s = must_state(fx);
    assert_int_equal(s.pending, 0);
    assert_int_equal(s.refused, 1);
}

/* ---- pull ------------------------------------------------------------------------------ */

static void test_pull_rooms_and_sessions(void **state)
{
    struct fx *fx = *state;
    struct page *p = page_new("c1");
    page_room(p, "r1", "Salle Ada Lovelace");
    page_room(p, "r2", "Espace conférence");
    struct session *s = page_session(p, "s1", "r1", 12, 4);
    s->kind = SESSION_CONFERENCE;
    snprintf(s->organiser, sizeof s->organiser, "CCI");
    page_session(p, "s2", "r-unknown", 8, 0); /* its room never sent */
    struct session *s3 = page_session(p, "s3", "r2", 5, -3);
    snprintf(s3->reserved_for, sizeof s3->reserved_for, "Lycée Chateaubriand");
    must_apply(fx, p, NOW, 0);

    char text[128];
    sql_text(fx->path, "SELECT name FROM rooms WHERE id = ?1", "r1", text, sizeof text);
    assert_string_equal(text, "Salle Ada Lovelace");
    sql_text(fx->path, "SELECT name FROM rooms WHERE id = ?1", "r-unknown", text, sizeof text);
    assert_string_equal(text, "r-unknown"); /* a placeholder */
    assert_int_equal(count(fx, "rooms"), 3);

    struct session got;
    assert_int_equal(store_session_get(fx->st, "s1", &got), BORNE_OK);
    assert_string_equal(got.title, "Atelier s1");
    assert_string_equal(got.description, "About s1.");
    assert_string_equal(got.room_name, "Salle Ada Lovelace");
    assert_int_equal(got.kind, SESSION_CONFERENCE);
    assert_string_equal(got.organiser, "CCI");
    assert_int_equal(got.starts_at, NOW + HOUR);
    assert_int_equal(got.ends_at, NOW + 2 * HOUR);
    assert_int_equal(got.capacity, 12);
    assert_int_equal(got.seats_taken, 4); /* no allotment here: the server's count */
    assert_false(got.cancelled);
    assert_int_equal(
        sql_int(fx->path, "SELECT server_seats_taken FROM sessions WHERE id = ?1", "s1"), 4);
    assert_int_equal(sql_int(fx->path, "SELECT updated_at FROM sessions WHERE id = ?1", "s1"), NOW);
    assert_int_equal(store_session_get(fx->st, "s2", &got), BORNE_OK);
    assert_string_equal(got.room_name, "r-unknown");
    assert_int_equal(store_session_get(fx->st, "s3", &got), BORNE_OK);
    assert_int_equal(got.seats_taken, 0); /* a negative count reads as none */
    assert_string_equal(got.reserved_for, "Lycée Chateaubriand");
    free(p);

    /* A later page updates them; a room sent late replaces its placeholder's name. */
    p = page_new("c2");
    page_room(p, "r-unknown", "Salle Grace Hopper");
    s = page_session(p, "s1", "r2", 10, 9);
    snprintf(s->title, sizeof s->title, "Rédiger son CV");
    s->cancelled = true;
    must_apply(fx, p, NOW + 5, 0);
    assert_int_equal(store_session_get(fx->st, "s1", &got), BORNE_OK);
    assert_string_equal(got.title, "Rédiger son CV");
    assert_string_equal(got.room_name, "Espace conférence");
    assert_string_equal(got.organiser, "");
    assert_int_equal(got.kind, SESSION_WORKSHOP);
    assert_int_equal(got.capacity, 10);
    assert_int_equal(got.seats_taken, 9);
    assert_true(got.cancelled);
    assert_int_equal(store_session_get(fx->st, "s2", &got), BORNE_OK);
    assert_string_equal(got.room_name, "Salle Grace Hopper");
    assert_int_equal(count(fx, "sessions"), 3);
    assert_int_equal(count(fx, "rooms"), 3);
    free(p);

    /* A cancelled session is closed to registration. */
    struct registration_request q = make_req(fx, "s1", "Anne", "Martin");
    struct registration reg;
    assert_int_equal(store_register(fx->st, &q, &reg), BORNE_ERR_SESSION_CLOSED);
}

static void test_pull_derives_seats_taken(void **state)
{
    struct fx *fx = *state;
    /* Server: 11 of 12 taken, this kiosk's escrow of 5 - 2 = 3 seats among them. */
    struct page *p = page_new("c1");
    page_room(p, "r1", "Salle");
    page_session(p, "s1", "r1", 12, 11);
    page_allotment(p, "s1", 5, 2);
    must_apply(fx, p, NOW, 0);
    assert_int_equal(seats_taken(fx, "s1"), 8);
    assert_int_equal(allotment_left(fx, "s1"), 3);
    assert_int_equal(
        sql_int(fx->path, "SELECT server_seats_taken FROM sessions WHERE id = ?1", "s1"), 11);

    /* Spending one: the visitor's seat shows at once... */
    struct registration_request q = make_escrow_req(fx, "s1", "Anne", false, false);
    must_register(fx, &q);
    assert_int_equal(seats_taken(fx, "s1"), 9);
    assert_int_equal(allotment_left(fx, "s1"), 2);
    /* ...and the same page pulled again agrees: 11 - (5 - 2 - 1). */
    must_apply(fx, p, NOW + 1, 0);
    assert_int_equal(seats_taken(fx, "s1"), 9);
    free(p);

    /* The server took two seats back and counts 10: nothing left here, 10 taken. */
    p = page_new("c2");
    page_session(p, "s1", "r1", 12, 10);
    page_allotment(p, "s1", 5, 4);
    must_apply(fx, p, NOW + 2, 0);
    assert_int_equal(allotment_left(fx, "s1"), 0);
    assert_int_equal(seats_taken(fx, "s1"), 10);
    free(p);

    /* The allotment alone (a page with no session) derives the count too: granted 8. */
    p = page_new("c3");
    page_allotment(p, "s1", 8, 4);
    must_apply(fx, p, NOW + 3, 0);
    assert_int_equal(allotment_left(fx, "s1"), 3);
    assert_int_equal(seats_taken(fx, "s1"), 7); /* 10 - (8 - 4 - 1) */
    free(p);

    /* Never below zero: an escrow larger than the server's count (a damaged page). */
    p = page_new("c4");
    page_session(p, "s1", "r1", 12, 1);
    must_apply(fx, p, NOW + 4, 0);
    assert_int_equal(seats_taken(fx, "s1"), 0);
    free(p);

    /* An allotment for a session neither known nor in the page is ignored. */
    p = page_new("c5");
    page_allotment(p, "nope", 3, 0);
    must_apply(fx, p, NOW + 5, 0);
    assert_int_equal(
        sql_int(fx->path, "SELECT count(*) FROM allotments WHERE session_id = ?1", "nope"), 0);
    free(p);
}

/* A seat granted by /v1/seat is merged, then spent at once: the seat shown to visitors must
** go, as it does for a seat spent from the escrow. The reply's seats_taken (server count after
** the grant) is 12 here; this kiosk may still spend 3 afterwards: 12 - 3 = 9 taken. */
static void test_seat_granted_then_spent_counts_one_more(void **state)
{
    struct fx *fx = *state;
    struct page *p = page_new("c1");
    page_room(p, "r1", "Salle");
    page_session(p, "s1", "r1", 12, 11);
    page_allotment(p, "s1", 5, 2);
    must_apply(fx, p, NOW, 0);
    free(p);
    assert_int_equal(seats_taken(fx, "s1"), 8);

    struct sync_allotment a = make_allotment("s1", 6, 2); /* the seat reply's */
    assert_int_equal(store_allotment_merge(fx->st, &a, 12, NOW + 1), BORNE_OK);
    struct registration_request q = make_escrow_req(fx, "s1", "Anne", true, false);
    must_register(fx, &q);
    assert_int_equal(allotment_left(fx, "s1"), 3);
    /* One more visitor holds a seat than before the grant. */
    assert_int_equal(seats_taken(fx, "s1"), 9);
}

static void test_pull_tickets(void **state)
{
    struct fx *fx = *state;
    put_session(fx, "s1", 10);
    struct registration_request mine = make_req(fx, "s1", "Anne", "Martin");
    must_register(fx, &mine);

    struct page *p = page_new("c1");
    page_ticket(p, "t-conf", "reg-web-1", "s1", "WEB000001", REGISTRATION_CONFIRMED);
    page_ticket(p, "t-wait", "", "s1", "WEB000002", REGISTRATION_WAITLIST);
    page_ticket(p, "t-canc", "reg-web-3", "s1", "WEB000003", REGISTRATION_CANCELLED);
    page_ticket(p, "t-other", "", "s-elsewhere", "WEB000004", REGISTRATION_CONFIRMED);
    /* This kiosk's own ticket comes back, on the waiting list (the server had no seat). */
    struct sync_ticket *own = page_ticket(p, mine.ticket_id, mine.registration_id, "s1",
                                          mine.short_code, REGISTRATION_WAITLIST);
    snprintf(own->payload, sizeof own->payload, "%s", mine.payload);
    must_apply(fx, p, NOW + 10, 0);
    free(p);

    struct ticket t;
    assert_int_equal(store_ticket_get(fx->st, "t-conf", &t), BORNE_OK);
    assert_false(t.waitlist);
    assert_false(t.cancelled);
    assert_string_equal(t.registration_id, "reg-web-1");
    assert_string_equal(t.device_id, "dev-website");
    assert_string_equal(t.first_name, "Zoé");
    assert_string_equal(t.short_code, "WEB000001");
    assert_int_equal(t.issued_at, NOW - 100);
    char expect[BORNE_PAYLOAD_MAX];
    support_make_payload(expect, 1001);
    assert_string_equal(t.payload, expect);

    assert_int_equal(store_ticket_by_code(fx->st, "WEB000002", &t), BORNE_OK);
    assert_string_equal(t.id, "t-wait");
    assert_true(t.waitlist);
    assert_false(t.cancelled);
    assert_int_equal(
        sql_int(fx->path, "SELECT registration_id IS NULL FROM tickets WHERE id = ?1", "t-wait"),
        1);

    assert_int_equal(store_ticket_get(fx->st, "t-canc", &t), BORNE_OK);
    assert_true(t.cancelled);
    assert_int_equal(sql_int(fx->path, "SELECT status FROM tickets WHERE id = ?1", "t-canc"), 1);
    assert_int_equal(sql_int(fx->path,
                             "SELECT cancelled_at FROM cancelled_tickets WHERE ticket_id = ?1",
                             "t-canc"),
                     NOW + 10);
    assert_int_equal(count(fx, "cancelled_tickets"), 1);
    /* A ticket of a session not known here is kept (no foreign key). */
    assert_int_equal(store_ticket_get(fx->st, "t-other", &t), BORNE_OK);

    /* The local registration follows its ticket. */
    assert_int_equal(
        sql_int(fx->path, "SELECT status FROM registrations WHERE id = ?1", mine.registration_id),
        REGISTRATION_WAITLIST);
    assert_int_equal(store_ticket_get(fx->st, mine.ticket_id, &t), BORNE_OK);
    assert_true(t.waitlist);
    assert_int_equal(count(fx, "tickets"), 5);

    /* Later: the cancelled one says confirmed (it stays cancelled), the waitlist one and this
    ** kiosk's are confirmed, then this kiosk's is cancelled. */
    p = page_new("c2");
    page_ticket(p, "t-canc", "reg-web-3", "s1", "WEB000003", REGISTRATION_CONFIRMED);
    page_ticket(p, "t-wait", "", "s1", "WEB000002", REGISTRATION_CONFIRMED);
    own = page_ticket(p, mine.ticket_id, mine.registration_id, "s1", mine.short_code,
                      REGISTRATION_CONFIRMED);
    snprintf(own->payload, sizeof own->payload, "%s", mine.payload);
    must_apply(fx, p, NOW + 20, 0);
    free(p);
    assert_int_equal(store_ticket_get(fx->st, "t-canc", &t), BORNE_OK);
    assert_true(t.cancelled);
    assert_int_equal(sql_int(fx->path, "SELECT status FROM tickets WHERE id = ?1", "t-canc"), 1);
    assert_int_equal(store_ticket_get(fx->st, "t-wait", &t), BORNE_OK);
    assert_false(t.waitlist);
    assert_false(t.cancelled);
    assert_int_equal(
        sql_int(fx->path, "SELECT status FROM registrations WHERE id = ?1", mine.registration_id),
        REGISTRATION_CONFIRMED);
    assert_int_equal(store_ticket_get(fx->st, mine.ticket_id, &t), BORNE_OK);
    assert_false(t.waitlist);

    p = page_new("c3");
    own = page_ticket(p, mine.ticket_id, mine.registration_id, "s1", mine.short_code,
                      REGISTRATION_CANCELLED);
    snprintf(own->payload, sizeof own->payload, "%s", mine.payload);
    must_apply(fx, p, NOW + 30, 0);
    free(p);
    assert_int_equal(
        sql_int(fx->path, "SELECT status FROM registrations WHERE id = ?1", mine.registration_id),
        REGISTRATION_CANCELLED);
    assert_int_equal(store_ticket_get(fx->st, mine.ticket_id, &t), BORNE_OK);
    assert_true(t.cancelled);
    /* And cancellation is final for the registration too. */
    p = page_new("c4");
    own = page_ticket(p, mine.ticket_id, mine.registration_id, "s1", mine.short_code,
                      REGISTRATION_CONFIRMED);
    snprintf(own->payload, sizeof own->payload, "%s", mine.payload);
    must_apply(fx, p, NOW + 40, 0);
    free(p);
    assert_int_equal(
        sql_int(fx->path, "SELECT status FROM registrations WHERE id = ?1", mine.registration_id),
        REGISTRATION_CANCELLED);
    assert_int_equal(store_ticket_get(fx->st, mine.ticket_id, &t), BORNE_OK);
    assert_true(t.cancelled);
    assert_int_equal(count(fx, "tickets"), 5);
    assert_int_equal(count(fx, "cancelled_tickets"), 2);
}

static void test_pull_ticket_short_code_collision(void **state)
{
    struct fx *fx = *state;
    put_session(fx, "s1", 10);
    struct registration_request mine = make_req(fx, "s1", "Anne", "Martin");
    must_register(fx, &mine);

    struct page *p = page_new("c1");
    page_ticket(p, "t-a", "", "s1", "WEB000001", REGISTRATION_CONFIRMED);
    page_ticket(p, "t-clash", "", "s1", mine.short_code, REGISTRATION_CONFIRMED);
    page_ticket(p, "t-b", "", "s1", "WEB000002", REGISTRATION_CONFIRMED);
    page_ticket(p, "t-clash2", "", "s1", "WEB000001", REGISTRATION_CONFIRMED); /* same page */
    must_apply(fx, p, NOW, 2);
    free(p);

    struct ticket t;
    assert_int_equal(store_ticket_get(fx->st, "t-clash", &t), BORNE_ERR_NOT_FOUND);
    assert_int_equal(store_ticket_get(fx->st, "t-clash2", &t), BORNE_ERR_NOT_FOUND);
    assert_int_equal(store_ticket_by_code(fx->st, mine.short_code, &t), BORNE_OK);
    assert_string_equal(t.id, mine.ticket_id); /* the local one is untouched */
    assert_string_equal(t.payload, mine.payload);
    assert_int_equal(store_ticket_get(fx->st, "t-a", &t), BORNE_OK);
    assert_int_equal(store_ticket_get(fx->st, "t-b", &t), BORNE_OK);
    assert_int_equal(count(fx, "tickets"), 3);
    assert_string_equal(must_state(fx).cursor, "c1"); /* the page went through */

    /* skipped may be NULL. */
    p = page_new("c2");
    page_ticket(p, "t-clash", "", "s1", mine.short_code, REGISTRATION_CONFIRMED);
    assert_int_equal(page_apply(fx, p, NOW, NULL), BORNE_OK);
    free(p);
    assert_string_equal(must_state(fx).cursor, "c2");
    assert_int_equal(count(fx, "tickets"), 3);
}

static void test_pull_device_keys(void **state)
{
    struct fx *fx = *state;
    const char *self = store_device_id(fx->st);
    uint8_t secret[64], pub[32], got[32];
    memset(secret, 0x11, sizeof secret);
    memset(pub, 0x22, sizeof pub);
    assert_int_equal(store_device_secret_put(fx->st, secret, pub), BORNE_OK);
    /* A key from the configuration, which sync's replaces. */
    char ids[1][BORNE_ID_MAX] = {"dev-c"};
    uint8_t keys[1][32];
    memset(keys[0], 0x33, 32);
    int kept = -1;
    assert_int_equal(store_device_keys_configure(fx->st, (const char(*)[BORNE_ID_MAX])ids,
                                                 (const uint8_t(*)[32])keys, 1, &kept),
                     BORNE_OK);
    assert_int_equal(kept, 1);

    struct page *p = page_new("c1");
    page_key(p, "dev-a", 0xa1, 0);
    page_key(p, "dev-b", 0xb1, NOW - 500);
    page_key(p, self, 0xee, 0); /* never replaces this kiosk's own */
    page_key(p, "dev-c", 0xc1, 0);
    must_apply(fx, p, NOW, 0);
    free(p);

    bool revoked = true;
    uint8_t expect[32];
    assert_int_equal(store_device_key_get(fx->st, "dev-a", got, &revoked), BORNE_OK);
    memset(expect, 0xa1, 32);
    assert_memory_equal(got, expect, 32);
    assert_false(revoked);
    assert_int_equal(sql_int(fx->path,
                             "SELECT revoked_at IS NULL FROM device_keys WHERE device_id = ?1",
                             "dev-a"),
                     1);
    assert_int_equal(store_device_key_get(fx->st, "dev-b", got, &revoked), BORNE_OK);
    assert_true(revoked);
    assert_int_equal(
        sql_int(fx->path, "SELECT revoked_at FROM device_keys WHERE device_id = ?1", "dev-b"),
        NOW - 500);
    assert_int_equal(store_device_key_get(fx->st, self, got, &revoked), BORNE_OK);
    assert_memory_equal(got, pub, 32);
    assert_false(revoked);
    char origin[16];
    sql_text(fx->path, "SELECT origin FROM device_keys WHERE device_id = ?1", self, origin,
             sizeof origin);
    assert_string_equal(origin, "self");
    assert_int_equal(store_device_key_get(fx->st, "dev-c", got, &revoked), BORNE_OK);
    memset(expect, 0xc1, 32);
    assert_memory_equal(got, expect, 32);
    sql_text(fx->path, "SELECT origin FROM device_keys WHERE device_id = ?1", "dev-c", origin,
             sizeof origin);
    assert_string_equal(origin, "sync");
    assert_int_equal(count(fx, "device_keys"), 4);

    /* Upserted: dev-a revoked, dev-b reinstated with a new key. */
    p = page_new("c2");
    page_key(p, "dev-a", 0xa1, NOW + 7);
    page_key(p, "dev-b", 0xb2, 0);
    page_key(p, self, 0xee, NOW); /* not even revoked through a pull */
    must_apply(fx, p, NOW + 10, 0);
    free(p);
    assert_int_equal(store_device_key_get(fx->st, "dev-a", got, &revoked), BORNE_OK);
    assert_true(revoked);
    assert_int_equal(
        sql_int(fx->path, "SELECT revoked_at FROM device_keys WHERE device_id = ?1", "dev-a"),
        NOW + 7);
    assert_int_equal(store_device_key_get(fx->st, "dev-b", got, &revoked), BORNE_OK);
    assert_false(revoked);
    memset(expect, 0xb2, 32);
    assert_memory_equal(got, expect, 32);
    assert_int_equal(store_device_key_get(fx->st, self, got, &revoked), BORNE_OK);
    assert_false(revoked);
    assert_memory_equal(got, pub, 32);
    assert_int_equal(count(fx, "device_keys"), 4);

    /* Keys listed without their decoded bytes: refused. */
    p = page_new("c3");
    page_key(p, "dev-z", 0x01, 0);
    assert_int_equal(store_pull_apply(fx->st, &p->r, NULL, NOW, NULL), BORNE_ERR_INVALID);
    free(p);
    assert_int_equal(count(fx, "device_keys"), 4);
    assert_string_equal(must_state(fx).cursor, "c2");
}

static void test_pull_cursor_and_site(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(store_sync_enrol(fx->st, "https://a.example", "tok", "rennes", "Rennes"),
                     BORNE_OK);
    struct page *p = page_new("v1:9050:0:");
    snprintf(p->r.site_id, sizeof p->r.site_id, "rennes");
    snprintf(p->r.site_name, sizeof p->r.site_name, "Atelier Numérique Rennes");
    must_apply(fx, p, NOW, 0);
    struct store_sync_state s = must_state(fx);
    assert_string_equal(s.cursor, "v1:9050:0:");
    assert_string_equal(s.site_name, "Atelier Numérique Rennes");
    assert_string_equal(s.token, "tok"); /* enrolment untouched */
    char text[SYNC_CURSOR_MAX];
    sql_text(fx->path, "SELECT value FROM meta WHERE key = ?1", "sync_cursor", text, sizeof text);
    assert_string_equal(text, "v1:9050:0:");

    /* No site name in the page: the one known stays. A cursor at its longest is kept whole. */
    memset(p->r.cursor, 'c', sizeof p->r.cursor - 1);
    p->r.cursor[sizeof p->r.cursor - 1] = '\0';
    p->r.site_name[0] = '\0';
    must_apply(fx, p, NOW, 0);
    s = must_state(fx);
    assert_string_equal(s.cursor, p->r.cursor);
    assert_string_equal(s.site_name, "Atelier Numérique Rennes");

    /* A cursor without its NUL: refused, nothing written. */
    char *before = malloc(DUMP_MAX);
    assert_non_null(before);
    dump_db(fx->path, before);
    memset(p->r.cursor, 'd', sizeof p->r.cursor);
    page_room(p, "r9", "Never");
    int skipped = -1;
    assert_int_equal(page_apply(fx, p, NOW, &skipped), BORNE_ERR_INVALID);
    assert_int_equal(skipped, 0);
    char *after = malloc(DUMP_MAX);
    assert_non_null(after);
    dump_db(fx->path, after);
    assert_string_equal(before, after);
    free(before);
    free(after);
    assert_int_equal(store_pull_apply(fx->st, NULL, NULL, NOW, &skipped), BORNE_ERR_INVALID);
    assert_int_equal(store_pull_apply(NULL, &p->r, NULL, NOW, &skipped), BORNE_ERR_INVALID);
    free(p);
}

/* A page with a bit of everything, for the idempotence and all-or-nothing tests. */
static struct page *full_page(struct fx *fx, const char *cursor)
{
    struct page *p = page_new(cursor);
    snprintf(p->r.site_name, sizeof p->r.site_name, "Atelier Numérique Rennes");
    page_room(p, "r1", "Salle Ada Lovelace");
    page_room(p, "r2", "Espace conférence");
    page_session(p, "s1", "r1", 12, 11);
    page_session(p, "s2", "r2", 30, 3);
    page_session(p, "s3", "r-late", 6, 6);
    page_allotment(p, "s1", 5, 2);
    page_allotment(p, "s2", 2, 0);
    page_ticket(p, "t-1", "reg-web-1", "s1", "WEB000001", REGISTRATION_CONFIRMED);
    page_ticket(p, "t-2", "", "s2", "WEB000002", REGISTRATION_WAITLIST);
    page_ticket(p, "t-3", "reg-web-3", "s1", "WEB000003", REGISTRATION_CANCELLED);
    page_ticket(p, "t-4", "", "s1", "K00000001", REGISTRATION_CONFIRMED); /* clashes */
    page_key(p, "dev-a", 0xa1, 0);
    page_key(p, "dev-b", 0xb1, NOW - 5);
    page_key(p, store_device_id(fx->st), 0xee, 0);
    return p;
}

static void test_pull_is_idempotent(void **state)
{
    struct fx *fx = *state;
    put_session(fx, "s0", 10);
    struct registration_request mine = make_req(fx, "s0", "Anne", "Martin"); /* K00000001 */
    must_register(fx, &mine);

    struct page *p = full_page(fx, "c1");
    must_apply(fx, p, NOW, 1);
    char *first = malloc(DUMP_MAX), *second = malloc(DUMP_MAX);
    assert_non_null(first);
    assert_non_null(second);
    dump_db(fx->path, first);
    assert_int_equal(seats_taken(fx, "s1"), 8);
    assert_int_equal(seats_taken(fx, "s2"), 1);
    assert_int_equal(seats_taken(fx, "s3"), 6);
    assert_int_equal(count(fx, "tickets"), 4);

    /* The same page again (a change may come twice): the same file. */
    must_apply(fx, p, NOW, 1);
    dump_db(fx->path, second);
    assert_string_equal(first, second);
    /* A third time, after spending a seat of s1: only what the spending changed differs, and
    ** the pull does not undo it. */
    struct registration_request q = make_escrow_req(fx, "s1", "Bruno", false, false);
    must_register(fx, &q);
    dump_db(fx->path, first);
    must_apply(fx, p, NOW, 1);
    dump_db(fx->path, second);
    assert_string_equal(first, second);
    assert_int_equal(seats_taken(fx, "s1"), 9);
    free(first);
    free(second);
    free(p);
}

static void test_pull_failure_keeps_nothing(void **state)
{
    struct fx *fx = *state;
    struct page *p = full_page(fx, "c1");
    must_apply(fx, p, NOW, 0);
    free(p);
    char *before = malloc(DUMP_MAX), *after = malloc(DUMP_MAX);
    assert_non_null(before);
    assert_non_null(after);
    dump_db(fx->path, before);

    /* New rooms, a good session, then one that ends before it starts (the CHECK refuses it);
    ** tickets, keys and a cursor after it. */
    p = page_new("c2");
    snprintf(p->r.site_name, sizeof p->r.site_name, "Another name");
    page_room(p, "r8", "Salle 8");
    page_room(p, "r9", "Salle 9");
    page_room(p, "r1", "Renamed");
    page_session(p, "s5", "r8", 10, 2);
    page_session(p, "s1", "r1", 12, 3);
    struct session *bad = page_session(p, "s6", "r9", 10, 0);
    bad->ends_at = bad->starts_at - 1;
    page_allotment(p, "s5", 4, 0);
    page_ticket(p, "t-9", "", "s5", "WEB000009", REGISTRATION_CONFIRMED);
    page_ticket(p, "t-1", "reg-web-1", "s1", "WEB000001", REGISTRATION_CANCELLED);
    page_key(p, "dev-new", 0x99, 0);
    page_key(p, "dev-a", 0xa1, NOW);
    int skipped = -1;
    enum borne_err err = page_apply(fx, p, NOW + 10, &skipped);
    assert_int_not_equal(err, BORNE_OK);
    assert_int_equal(skipped, 0);
    assert_contains(store_errmsg(fx->st), "CHECK");
    dump_db(fx->path, after);
    assert_string_equal(before, after);
    /* Spelled out: the rooms that came first in the page are not there. */
    assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM rooms WHERE id IN ('r8', 'r9')", NULL),
                     0);
    assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM sessions WHERE id = ?1", "s5"), 0);
    char text[64];
    sql_text(fx->path, "SELECT name FROM rooms WHERE id = ?1", "r1", text, sizeof text);
    assert_string_equal(text, "Salle Ada Lovelace");
    assert_string_equal(must_state(fx).cursor, "c1");
    free(p);

    assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM tickets WHERE id = ?1", "t-9"), 0);

    /* The handle is still usable: no transaction was left open; a good page goes through. */
    p = page_new("c3");
    page_room(p, "r8", "Salle 8");
    page_session(p, "s5", "r8", 10, 2);
    page_ticket(p, "t-9", "", "s5", "WEB000009", REGISTRATION_CONFIRMED);
    must_apply(fx, p, NOW + 20, 0);
    assert_string_equal(must_state(fx).cursor, "c3");
    assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM rooms WHERE id = ?1", "r8"), 1);
    struct registration_request q = make_req(fx, "s5", "Anne", "Martin");
    snprintf(q.short_code, sizeof q.short_code, "K99999999"); /* K00000001 is t-4's here */
    must_register(fx, &q);
    free(p);
    free(before);
    free(after);
}

/* ---- migration ------------------------------------------------------------------------- */

static int64_t has_column(struct fx *fx, const char *table, const char *column)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM pragma_table_info('%s') WHERE name = ?1",
             table);
    return sql_int(fx->path, sql, column);
}

static void test_schema_v3_and_migration_from_v2(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(sql_int(fx->path, "PRAGMA user_version", NULL), 3);
    assert_int_equal(has_column(fx, "allotments", "seats_returned"), 1);
    assert_int_equal(has_column(fx, "registrations", "seat"), 1);
    assert_int_equal(has_column(fx, "tickets", "waitlist"), 1);
    assert_int_equal(has_column(fx, "sessions", "server_seats_taken"), 1);
    assert_int_equal(has_column(fx, "outbox", "refused_reason"), 1);
    assert_int_equal(sql_int(fx->path,
                             "SELECT count(*) FROM meta WHERE key IN ('sync_url', 'sync_token', "
                             "'sync_site_id', 'sync_site_name', 'sync_server_offset')",
                             NULL),
                     5);

    /* What a v2 kiosk had: a registration, its ticket and event, an allotment. */
    put_session(fx, "s1", 10);
    struct registration_request q = make_req(fx, "s1", "Anne", "Martin");
    must_register(fx, &q);
    sql_exec(fx->path, "INSERT INTO allotments (session_id, seats_granted, seats_used, granted_at) "
                       "VALUES ('s1', 3, 1, 100)");
    char device[BORNE_ID_MAX];
    snprintf(device, sizeof device, "%s", store_device_id(fx->st));
    store_close(fx->st);
    fx->st = NULL;

    /* Back to v2: the v3 columns and meta keys removed. */
    sql_exec(fx->path, "ALTER TABLE allotments DROP COLUMN seats_returned;"
                       "ALTER TABLE registrations DROP COLUMN seat;"
                       "ALTER TABLE tickets DROP COLUMN waitlist;"
                       "ALTER TABLE sessions DROP COLUMN server_seats_taken;"
                       "ALTER TABLE outbox DROP COLUMN refused_reason;"
                       "DELETE FROM meta WHERE key IN ('sync_url', 'sync_token', 'sync_site_id', "
                       "'sync_site_name', 'sync_server_offset');"
                       "PRAGMA user_version = 2;");
    assert_int_equal(has_column(fx, "tickets", "waitlist"), 0);

    char msg[256] = "untouched";
    assert_int_equal(store_open(fx->path, &fx->st, msg, sizeof msg), BORNE_OK);
    assert_string_equal(msg, "");
    assert_int_equal(sql_int(fx->path, "PRAGMA user_version", NULL), 3);
    assert_int_equal(has_column(fx, "allotments", "seats_returned"), 1);
    assert_int_equal(has_column(fx, "registrations", "seat"), 1);
    assert_int_equal(has_column(fx, "tickets", "waitlist"), 1);
    assert_int_equal(has_column(fx, "sessions", "server_seats_taken"), 1);
    assert_int_equal(has_column(fx, "outbox", "refused_reason"), 1);

    /* Old rows read with the defaults: a local seat, not on the waiting list, never pulled. */
    assert_string_equal(store_device_id(fx->st), device);
    assert_int_equal(
        sql_int(fx->path, "SELECT seat FROM registrations WHERE id = ?1", q.registration_id),
        SYNC_SEAT_LOCAL);
    struct ticket t;
    assert_int_equal(store_ticket_get(fx->st, q.ticket_id, &t), BORNE_OK);
    assert_false(t.waitlist);
    assert_int_equal(
        sql_int(fx->path, "SELECT server_seats_taken IS NULL FROM sessions WHERE id = ?1", "s1"),
        1);
    assert_int_equal(
        sql_int(fx->path, "SELECT seats_returned FROM allotments WHERE session_id = ?1", "s1"), 0);
    assert_int_equal(allotment_left(fx, "s1"), 2);
    assert_int_equal(seats_taken(fx, "s1"), 1);
    struct store_sync_state s = must_state(fx);
    assert_string_equal(s.token, "");
    assert_string_equal(s.url, "");
    assert_string_equal(s.cursor, "");
    assert_int_equal(s.pending, 1);
    assert_int_equal(s.refused, 0);
    assert_int_equal(s.server_offset, 0);

    /* And the new functions work on it. */
    assert_int_equal(store_sync_enrol(fx->st, "https://a.example", "tok", "rennes", "Rennes"),
                     BORNE_OK);
    struct sync_push_result r = make_result(q.event_id, SYNC_APPLIED, "", REGISTRATION_WAITLIST);
    must_ack(fx, &r, 1, NOW);
    assert_int_equal(store_ticket_get(fx->st, q.ticket_id, &t), BORNE_OK);
    assert_true(t.waitlist);
    assert_int_equal(store_check(fx->st), BORNE_OK);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_state_fresh_database),
        T(test_enrol_keeps_values_and_resets_cursor),
        T(test_enrol_refuses_bad_values),
        T(test_note_success_and_failure),
        T(test_escrow_without_allotment_is_full),
        T(test_escrow_without_allotment_waitlist),
        T(test_escrow_spends_allotment_then_waitlist),
        T(test_local_mode_unchanged),
        T(test_seat_granted_over_an_overdrawn_allotment),
        T(test_seat_answer),
        T(test_allotment_merge_takes_the_max),
        T(test_allotment_left_and_used),
        T(test_outbox_next_order_cap_unacked),
        T(test_outbox_next_refuses_oversized_event),
        T(test_outbox_ack_applied_and_duplicate),
        T(test_outbox_ack_refused),
        T(test_outbox_ack_refused_with_status),
        T(test_outbox_ack_registration_status),
        T(test_outbox_ack_unknown_and_twice),
        T(test_outbox_ack_checkin_event_refused),
        T(test_pull_rooms_and_sessions),
        T(test_pull_derives_seats_taken),
        T(test_seat_granted_then_spent_counts_one_more),
        T(test_pull_tickets),
        T(test_pull_ticket_short_code_collision),
        T(test_pull_device_keys),
        T(test_pull_cursor_and_site),
        T(test_pull_is_idempotent),
        T(test_pull_failure_keeps_nothing),
        T(test_schema_v3_and_migration_from_v2),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
