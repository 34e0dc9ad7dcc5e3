/* Unit tests of firmware/store on a real SQLite file in a temporary folder.
**
** What the store says is checked against what is in the file: a second, plain sqlite3
** connection reads the tables directly, so "nothing was written" is a count, not a belief. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/text.h"
#include "store/store.h"

#include "support.h"
#include "support_sql.h"
#include "support_store.h"

#define store_schema_version_for_tests 3 /* v3: sync with borne-server */
#define NOW 1767258000                   /* 2026-01-01 09:00 UTC */
#define HOUR 3600
#define DAY (24 * HOUR)

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

/* ---- raw access to the file (tests/support_sql.h) -------------------------------------- */

/* Rows written by registrations: a failed call must leave all three unchanged. */
struct written {
    int64_t registrations, outbox, device_seq, seats;
};

static struct written written_now(const char *path, const char *session_id)
{
    struct written w;
    w.registrations = sql_int(path, "SELECT count(*) FROM registrations", NULL);
    w.outbox = sql_int(path, "SELECT count(*) FROM outbox", NULL);
    w.device_seq = sql_int(path, "SELECT value FROM meta WHERE key = 'device_seq'", NULL);
    w.seats = sql_int(path, "SELECT seats_taken FROM sessions WHERE id = ?1", session_id);
    return w;
}

static void assert_written_equal(struct written a, struct written b)
{
    assert_int_equal(a.registrations, b.registrations);
    assert_int_equal(a.outbox, b.outbox);
    assert_int_equal(a.device_seq, b.device_seq);
    assert_int_equal(a.seats, b.seats);
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

static struct session make_session(const char *id, const char *title, const char *room_id,
                                   int64_t starts_at, int64_t ends_at, int capacity)
{
    struct session s;
    memset(&s, 0, sizeof s);
    snprintf(s.id, sizeof s.id, "%s", id);
    snprintf(s.title, sizeof s.title, "%s", title);
    snprintf(s.description, sizeof s.description, "About %s.", title);
    s.kind = SESSION_WORKSHOP;
    snprintf(s.room_id, sizeof s.room_id, "%s", room_id);
    s.starts_at = starts_at;
    s.ends_at = ends_at;
    s.capacity = capacity;
    return s;
}

/* One room and one session "s1" of the given capacity, open now. */
static void put_one_session(struct fx *fx, int capacity)
{
    struct room r = make_room("r1", "Espace atelier");
    struct session s =
        make_session("s1", "Rédiger son CV", "r1", NOW + HOUR, NOW + 2 * HOUR, capacity);
    assert_int_equal(store_catalogue_put(fx->st, &r, 1, &s, 1), BORNE_OK);
}

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
    return q;
}

/* ---- open ------------------------------------------------------------------------------ */

static bool is_uuid_v4(const char *s)
{
    if (strlen(s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !strchr("0123456789abcdef", s[i]))
            return false;
    }
    return s[14] == '4' && strchr("89ab", s[19]) != NULL;
}

static void test_open_creates_then_reopen_keeps_data(void **state)
{
    struct fx *fx = *state;
    char device[64];
    snprintf(device, sizeof device, "%s", store_device_id(fx->st));
    assert_true(is_uuid_v4(device));
    assert_string_equal(store_errmsg(fx->st), "");

    int n = -1;
    assert_int_equal(store_session_count(fx->st, &n), BORNE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_outbox_pending(fx->st, &n), BORNE_OK);
    assert_int_equal(n, 0);

    put_one_session(fx, 10);
    struct registration_request q = make_req(fx, "s1", "Anne", "Martin");
    struct registration reg;
    assert_int_equal(store_register(fx->st, &q, &reg), BORNE_OK);

    store_close(fx->st);
    fx->st = NULL;
    char msg[256] = "untouched";
    assert_int_equal(store_open(fx->path, &fx->st, msg, sizeof msg), BORNE_OK);
    assert_string_equal(msg, "");
    assert_string_equal(store_device_id(fx->st), device);
    assert_int_equal(store_session_count(fx->st, &n), BORNE_OK);
    assert_int_equal(n, 1);
    struct registration back;
    assert_int_equal(store_registration_by_code(fx->st, q.short_code, &back), BORNE_OK);
    assert_string_equal(back.id, q.registration_id);
    assert_string_equal(back.first_name, "Anne");
    assert_int_equal(store_outbox_pending(fx->st, &n), BORNE_OK);
    assert_int_equal(n, 1);
}

static void test_open_sets_schema_and_durability(void **state)
{
    struct fx *fx = *state;
    char mode[32];
    assert_int_equal(sql_int(fx->path, "PRAGMA user_version", NULL),
                     store_schema_version_for_tests);
    sql_text(fx->path, "PRAGMA journal_mode", NULL, mode, sizeof mode);
    assert_string_equal(mode, "wal"); /* WAL is a property of the file: it persists */
    assert_int_equal(sql_int(fx->path,
                             "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                             "('meta', 'rooms', 'sessions', 'registrations', 'outbox', 'tickets', "
                             "'checkins', 'device_keys', 'allotments')",
                             NULL),
                     9);
    assert_int_equal(sql_int(fx->path,
                             "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = "
                             "'registrations_person' AND sql LIKE '%WHERE status != 2%'",
                             NULL),
                     1);
    assert_int_equal(sql_int(fx->path, "SELECT value FROM meta WHERE key = 'device_seq'", NULL), 0);

    /* A second open migrates nothing and keeps the version. */
    store_close(fx->st);
    fx->st = NULL;
    assert_int_equal(store_open(fx->path, &fx->st, NULL, 0), BORNE_OK);
    assert_int_equal(sql_int(fx->path, "PRAGMA user_version", NULL),
                     store_schema_version_for_tests);
    assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM meta WHERE key = 'device_id'", NULL),
                     1);

    /* Another file is another kiosk. */
    char other_path[160];
    struct store *other = NULL;
    snprintf(other_path, sizeof other_path, "%s/other.db", fx->dir);
    assert_int_equal(store_open(other_path, &other, NULL, 0), BORNE_OK);
    assert_string_not_equal(store_device_id(other), store_device_id(fx->st));
    store_close(other);
    store_close(NULL); /* accepted */
}

/* ---- catalogue ------------------------------------------------------------------------- */

static void test_sessions_between_orders_and_filters(void **state)
{
    struct fx *fx = *state;
    struct room rooms[2] = {make_room("ra", "Espace atelier"),
                            make_room("rb", "Espace conférence")};
    struct session s[7] = {
        make_session("past", "Ended", "ra", NOW - 3 * HOUR, NOW - HOUR, 10),
        make_session("cancelled", "Cancelled", "ra", NOW + HOUR, NOW + 2 * HOUR, 10),
        make_session("later-b", "B title", "rb", NOW + 2 * HOUR, NOW + 3 * HOUR, 10),
        make_session("later-a", "A title", "ra", NOW + 2 * HOUR, NOW + 3 * HOUR, 10),
        make_session("soon", "Soon", "rb", NOW + HOUR, NOW + 2 * HOUR, 12),
        make_session("ongoing", "Ongoing", "ra", NOW - HOUR / 2, NOW + HOUR / 2, 10),
        make_session("far", "Far", "ra", NOW + 10 * DAY, NOW + 10 * DAY + HOUR, 10),
    };
    s[1].cancelled = true;
    s[4].kind = SESSION_CONFERENCE;
    s[4].seats_taken = 5;
    snprintf(s[4].organiser, sizeof s[4].organiser, "CCI Ille-et-Vilaine");
    assert_int_equal(store_catalogue_put(fx->st, rooms, 2, s, 7), BORNE_OK);

    int n = 0;
    assert_int_equal(store_session_count(fx->st, &n), BORNE_OK);
    assert_int_equal(n, 7);

    struct session out[8];
    size_t got = 99;
    assert_int_equal(store_sessions_between(fx->st, NOW, NOW + DAY, out, 8, &got), BORNE_OK);
    assert_int_equal(got, 4);
    assert_string_equal(out[0].id, "ongoing");
    assert_string_equal(out[1].id, "soon");
    assert_string_equal(out[2].id, "later-a"); /* same start: by title */
    assert_string_equal(out[3].id, "later-b");
    assert_string_equal(out[0].room_name, "Espace atelier");
    assert_string_equal(out[1].room_name, "Espace conférence");
    assert_int_equal(out[1].kind, SESSION_CONFERENCE);
    assert_int_equal(out[1].capacity, 12);
    assert_int_equal(out[1].seats_taken, 5);
    assert_string_equal(out[1].organiser, "CCI Ille-et-Vilaine");
    assert_string_equal(out[1].description, "About Soon.");
    assert_int_equal(out[1].starts_at, NOW + HOUR);
    assert_int_equal(out[1].ends_at, NOW + 2 * HOUR);

    /* cap limits, keeping the order. */
    assert_int_equal(store_sessions_between(fx->st, NOW, NOW + DAY, out, 2, &got), BORNE_OK);
    assert_int_equal(got, 2);
    assert_string_equal(out[1].id, "soon");
    assert_int_equal(store_sessions_between(fx->st, NOW, NOW + DAY, NULL, 0, &got), BORNE_OK);
    assert_int_equal(got, 0);
    /* A wider window reaches "far". */
    assert_int_equal(store_sessions_between(fx->st, NOW, NOW + 30 * DAY, out, 8, &got), BORNE_OK);
    assert_int_equal(got, 5);
    assert_string_equal(out[4].id, "far");

    /* Put again: an update, not a second row; seats_taken comes from the argument. */
    snprintf(s[4].title, sizeof s[4].title, "Soon (new title)");
    s[4].seats_taken = 7;
    assert_int_equal(store_catalogue_put(fx->st, NULL, 0, &s[4], 1), BORNE_OK);
    struct session one;
    assert_int_equal(store_session_get(fx->st, "soon", &one), BORNE_OK);
    assert_string_equal(one.title, "Soon (new title)");
    assert_int_equal(one.seats_taken, 7);
    assert_string_equal(one.room_name, "Espace conférence");
    assert_int_equal(store_session_count(fx->st, &n), BORNE_OK);
    assert_int_equal(n, 7);
    /* A cancelled session can still be read by id. */
    assert_int_equal(store_session_get(fx->st, "cancelled", &one), BORNE_OK);
    assert_true(one.cancelled);

    assert_int_equal(store_session_get(fx->st, "nope", &one), BORNE_ERR_NOT_FOUND);
    assert_string_equal(one.id, "");
    assert_contains(store_errmsg(fx->st), "nope");
}

static void test_catalogue_put_is_all_or_nothing(void **state)
{
    struct fx *fx = *state;
    struct room r = make_room("ra", "Espace atelier");
    struct session s[2] = {
        make_session("ok", "Fine", "ra", NOW + HOUR, NOW + 2 * HOUR, 10),
        make_session("bad", "Unknown room", "no-such-room", NOW + HOUR, NOW + 2 * HOUR, 10),
    };
    assert_int_equal(store_catalogue_put(fx->st, &r, 1, s, 2), BORNE_ERR_INVALID);
    assert_contains(store_errmsg(fx->st), "FOREIGN KEY");
    assert_contains(store_errmsg(fx->st), "bad");
    int n = -1;
    assert_int_equal(store_session_count(fx->st, &n), BORNE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM rooms", NULL), 0);

    /* Values the schema refuses are refused before any SQL. */
    s[1] = make_session("neg", "Negative", "ra", NOW + HOUR, NOW + 2 * HOUR, -1);
    assert_int_equal(store_catalogue_put(fx->st, &r, 1, s, 2), BORNE_ERR_INVALID);
    s[1] = make_session("back", "Ends first", "ra", NOW + HOUR, NOW, 5);
    assert_int_equal(store_catalogue_put(fx->st, &r, 1, s, 2), BORNE_ERR_INVALID);
    s[1] = make_session("long", "x", "ra", NOW + HOUR, NOW + 2 * HOUR, 5);
    memset(s[1].title, 'x', sizeof s[1].title); /* no terminating NUL */
    assert_int_equal(store_catalogue_put(fx->st, &r, 1, s, 2), BORNE_ERR_INVALID);
    assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM sessions", NULL), 0);

    /* The handle is still usable after the failures. */
    assert_int_equal(store_catalogue_put(fx->st, &r, 1, s, 1), BORNE_OK);
    assert_int_equal(store_session_count(fx->st, &n), BORNE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(store_errmsg(fx->st), "");
}

static void test_read_cuts_overlong_text_at_code_point(void **state)
{
    struct fx *fx = *state;
    put_one_session(fx, 5);
    /* 300 "é" (600 bytes) where the model holds 159 bytes: something only a damaged file or
    ** a newer program could hold. */
    sql_exec(fx->path, "UPDATE sessions SET title = replace(printf('%.300c', 'x'), 'x', 'é') "
                       "WHERE id = 's1'");
    struct session s;
    assert_int_equal(store_session_get(fx->st, "s1", &s), BORNE_OK);
    assert_int_equal(strlen(s.title), 158); /* 79 whole "é", not 159 bytes with half of one */
    for (size_t i = 0; i < 158; i += 2)
        assert_memory_equal(s.title + i, "é", 2);
}

/* ---- registration ---------------------------------------------------------------------- */

static void test_register_success(void **state)
{
    struct fx *fx = *state;
    put_one_session(fx, 3);
    struct registration_request q = make_req(fx, "s1", "Anne", "Martin");
    snprintf(q.email, sizeof q.email, "anne@example.org");
    struct registration reg;
    assert_int_equal(store_register(fx->st, &q, &reg), BORNE_OK);
    assert_string_equal(store_errmsg(fx->st), "");
    assert_string_equal(reg.id, q.registration_id);
    assert_string_equal(reg.session_id, "s1");
    assert_string_equal(reg.first_name, "Anne");
    assert_string_equal(reg.last_name, "Martin");
    assert_string_equal(reg.email, "anne@example.org");
    assert_string_equal(reg.phone, "");
    assert_string_equal(reg.short_code, q.short_code);
    assert_int_equal(reg.status, REGISTRATION_CONFIRMED);
    assert_int_equal(reg.created_at, NOW);
    assert_int_equal(reg.device_seq, 1);

    struct session s;
    int n = 0;
    assert_int_equal(store_session_get(fx->st, "s1", &s), BORNE_OK);
    assert_int_equal(s.seats_taken, 1);
    assert_int_equal(store_registration_count(fx->st, "s1", &n), BORNE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(store_outbox_pending(fx->st, &n), BORNE_OK);
    assert_int_equal(n, 1);

    /* The event, as the server will receive it. */
    char text[256];
    sql_text(fx->path, "SELECT kind || ' ' || entity_id FROM outbox WHERE id = ?1", q.event_id,
             text, sizeof text);
    assert_string_equal(text, "registration.created reg-0001");
    sql_text(fx->path,
             "SELECT json_extract(payload, '$.first_name') || '/' || "
             "json_extract(payload, '$.email') || '/' || json_type(payload, '$.phone') || '/' || "
             "json_extract(payload, '$.short_code') || '/' || "
             "json_extract(payload, '$.device_seq') || '/' || "
             "json_extract(payload, '$.created_at') FROM outbox WHERE id = ?1",
             q.event_id, text, sizeof text);
    char expect[256];
    snprintf(expect, sizeof expect, "Anne/anne@example.org/null/%s/1/%d", q.short_code, NOW);
    assert_string_equal(text, expect);
    sql_text(fx->path, "SELECT json_extract(payload, '$.device_id') FROM outbox WHERE id = ?1",
             q.event_id, text, sizeof text);
    assert_string_equal(text, store_device_id(fx->st));
    /* An absent phone is NULL in the table, not "". */
    assert_int_equal(
        sql_int(fx->path, "SELECT phone IS NULL FROM registrations WHERE id = ?1", reg.id), 1);
    assert_int_equal(sql_int(fx->path,
                             "SELECT origin_device = (SELECT value FROM meta WHERE key = "
                             "'device_id') FROM registrations WHERE id = ?1",
                             reg.id),
                     1);

    /* A second visitor: the sequence goes on. */
    q = make_req(fx, "s1", "Bernard", "Petit");
    snprintf(q.phone, sizeof q.phone, "06 12 34 56 78");
    assert_int_equal(store_register(fx->st, &q, &reg), BORNE_OK);
    assert_int_equal(reg.device_seq, 2);
    assert_string_equal(reg.phone, "06 12 34 56 78");
    assert_string_equal(reg.email, "");
    assert_int_equal(store_session_get(fx->st, "s1", &s), BORNE_OK);
    assert_int_equal(s.seats_taken, 2);
    assert_int_equal(store_outbox_pending(fx->st, &n), BORNE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(sql_int(fx->path, "SELECT value FROM meta WHERE key = 'device_seq'", NULL), 2);
    assert_int_equal(sql_int(fx->path, "SELECT max(device_seq) FROM outbox", NULL), 2);
}

static void test_register_full_writes_nothing(void **state)
{
    struct fx *fx = *state;
    put_one_session(fx, 1);
    struct registration_request q = make_req(fx, "s1", "Anne", "Martin");
    struct registration reg;
    assert_int_equal(store_register(fx->st, &q, &reg), BORNE_OK);
    struct written before = written_now(fx->path, "s1");

    q = make_req(fx, "s1", "Bernard", "Petit");
    memset(&reg, 'x', sizeof reg);
    assert_int_equal(store_register(fx->st, &q, &reg), BORNE_ERR_SESSION_FULL);
    assert_string_equal(reg.id, "");
    assert_string_equal(reg.short_code, "");
    assert_int_equal(reg.device_seq, 0);
    assert_contains(store_errmsg(fx->st), "full");
    assert_written_equal(written_now(fx->path, "s1"), before);
    assert_int_equal(before.seats, 1);
    assert_int_equal(store_registration_by_code(fx->st, q.short_code, &reg), BORNE_ERR_NOT_FOUND);

    /* A capacity of 0 (a session announced before it opens) is full from the start. */
    struct room r = make_room("r1", "Espace atelier");
    struct session zero = make_session("s0", "Zero", "r1", NOW + HOUR, NOW + 2 * HOUR, 0);
    assert_int_equal(store_catalogue_put(fx->st, &r, 1, &zero, 1), BORNE_OK);
    q = make_req(fx, "s0", "Claire", "Durand");
    assert_int_equal(store_register(fx->st, &q, &reg), BORNE_ERR_SESSION_FULL);
}

static void test_register_reserved_closed_unknown(void **state)
{
    struct fx *fx = *state;
    struct room r = make_room("r1", "Espace atelier");
    struct session s[6] = {
        make_session("group", "Classe de 3e", "r1", NOW + HOUR, NOW + 2 * HOUR, 20),
        make_session("ended", "Ended", "r1", NOW - 2 * HOUR, NOW - HOUR, 20),
        make_session("edge", "Ends right now", "r1", NOW - HOUR, NOW, 20),
        make_session("cancelled", "Cancelled", "r1", NOW + HOUR, NOW + 2 * HOUR, 20),
        /* Under way: open until 10 minutes after its start (APP_LATE_GRACE_S), then closed. */
        make_session("late", "Started 10 min ago", "r1", NOW - 600, NOW + HOUR, 20),
        make_session("grace", "Started 9 min 59 s ago", "r1", NOW - 599, NOW + HOUR, 20),
    };
    snprintf(s[0].reserved_for, sizeof s[0].reserved_for, "Collège Anne de Bretagne");
    s[3].cancelled = true;
    assert_int_equal(store_catalogue_put(fx->st, &r, 1, s, 6), BORNE_OK);
    struct written before = written_now(fx->path, "group");
    struct registration reg;

    struct registration_request q = make_req(fx, "group", "Anne", "Martin");
    memset(&reg, 'x', sizeof reg);
    assert_int_equal(store_register(fx->st, &q, &reg), BORNE_ERR_SESSION_RESERVED);
    assert_string_equal(reg.id, "");
    assert_contains(store_errmsg(fx->st), "reserved");

    q = make_req(fx, "ended", "Anne", "Martin");
    assert_int_equal(store_register(fx->st, &q, &reg), BORNE_ERR_SESSION_CLOSED);
    q = make_req(fx, "edge", "Anne", "Martin");
    assert_int_equal(store_register(fx->st, &q, &reg), BORNE_ERR_SESSION_CLOSED);
    q = make_req(fx, "cancelled", "Anne", "Martin");
    assert_int_equal(store_register(fx->st, &q, &reg), BORNE_ERR_SESSION_CLOSED);
    assert_contains(store_errmsg(fx->st), "cancelled");
    q = make_req(fx, "late", "Anne", "Martin");
    assert_int_equal(store_register(fx->st, &q, &reg), BORNE_ERR_SESSION_CLOSED);
    assert_contains(store_errmsg(fx->st), "under way");

    q = make_req(fx, "no-such-session", "Anne", "Martin");
    memset(&reg, 'x', sizeof reg);
    assert_int_equal(store_register(fx->st, &q, &reg), BORNE_ERR_NOT_FOUND);
    assert_string_equal(reg.short_code, "");
    assert_contains(store_errmsg(fx->st), "no-such-session");

    assert_written_equal(written_now(fx->path, "group"), before);
    assert_int_equal(before.registrations, 0);
    assert_int_equal(before.device_seq, 0);

    /* One second earlier in the grace, the door is still open. */
    q = make_req(fx, "grace", "Anne", "Martin");
    assert_int_equal(store_register(fx->st, &q, &reg), BORNE_OK);
}

static void test_register_same_person_returns_first(void **state)
{
    struct fx *fx = *state;
    put_one_session(fx, 1); /* full after the first: the duplicate must not say "full" */
    struct registration_request q = make_req(fx, "s1", "Élodie", "Le  Gall");
    struct registration first, again;
    assert_int_equal(store_register(fx->st, &q, &first), BORNE_OK);
    struct written before = written_now(fx->path, "s1");

    const char *spellings[][2] = {
        {"elodie", "le gall"},
        {"ÉLODIE", "LE GALL"},
        {" Elodie ", "Le Gall"},
        {"élodie", "Le   gall"},
    };
    for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
        q = make_req(fx, "s1", spellings[i][0], spellings[i][1]);
        memset(&again, 0, sizeof again);
        assert_int_equal(store_register(fx->st, &q, &again), BORNE_ERR_ALREADY_REGISTERED);
        assert_string_equal(again.short_code, first.short_code);
        assert_string_equal(again.id, first.id);
        assert_string_equal(again.first_name, "Élodie");
        assert_string_equal(again.last_name, "Le  Gall");
        assert_int_equal(again.device_seq, 1);
    }
    assert_written_equal(written_now(fx->path, "s1"), before);
    assert_int_equal(before.seats, 1);

    /* Another person is refused for want of a seat, not for being the same. */
    q = make_req(fx, "s1", "Élodie", "Le Goff");
    assert_int_equal(store_register(fx->st, &q, &again), BORNE_ERR_SESSION_FULL);

    /* Once the first registration is cancelled, the same person may register again. */
    sql_exec(fx->path, "UPDATE registrations SET status = 2 WHERE id = 'reg-0001';"
                       "UPDATE sessions SET capacity = 2 WHERE id = 's1'");
    q = make_req(fx, "s1", "elodie", "le gall");
    assert_int_equal(store_register(fx->st, &q, &again), BORNE_OK);
    assert_string_not_equal(again.short_code, first.short_code);
    assert_int_equal(again.device_seq, 2);
    int n = 0;
    assert_int_equal(store_registration_count(fx->st, "s1", &n), BORNE_OK);
    assert_int_equal(n, 1);
}

static void test_register_odd_names_byte_exact(void **state)
{
    struct fx *fx = *state;
    put_one_session(fx, 50);
    char emoji200[BORNE_NAME_MAX];
    for (int i = 0; i < 50; i++)
        memcpy(emoji200 + 4 * i, "\xF0\x9F\x98\x80", 4); /* U+1F600, 4 bytes */
    emoji200[200] = '\0';
    char latin200[BORNE_NAME_MAX];
    for (int i = 0; i < 100; i++)
        memcpy(latin200 + 2 * i, "ç", 2);
    latin200[200] = '\0';

    const char *names[][2] = {
        {"Zoé 👩‍💻", "Nguyễn 🇫🇷"},
        {"Robert'); DROP TABLE sessions;--", "O'Brien"},
        {"Jean \"Jo\" \\", "{\"a\":1}"},
        {"%s%n%x", "Ünal-Łukasiewicz"},
        {"李", "王"},
        {emoji200, latin200},
    };
    size_t n_names = sizeof names / sizeof names[0];
    char codes[8][BORNE_SHORT_CODE_MAX];
    for (size_t i = 0; i < n_names; i++) {
        struct registration_request q = make_req(fx, "s1", names[i][0], names[i][1]);
        struct registration reg;
        assert_int_equal(strlen(q.first_name), strlen(names[i][0])); /* the fixture fits */
        assert_int_equal(store_register(fx->st, &q, &reg), BORNE_OK);
        snprintf(codes[i], sizeof codes[i], "%s", reg.short_code);
    }
    assert_int_equal(strlen(names[n_names - 1][0]), 200);

    for (size_t i = 0; i < n_names; i++) {
        struct registration reg;
        assert_int_equal(store_registration_by_code(fx->st, codes[i], &reg), BORNE_OK);
        assert_int_equal(strlen(reg.first_name), strlen(names[i][0]));
        assert_memory_equal(reg.first_name, names[i][0], strlen(names[i][0]) + 1);
        assert_memory_equal(reg.last_name, names[i][1], strlen(names[i][1]) + 1);
        struct registration by_id;
        assert_int_equal(store_registration_get(fx->st, reg.id, &by_id), BORNE_OK);
        assert_memory_equal(&by_id, &reg, sizeof reg);
        /* The event carries the same bytes, as valid JSON. */
        char expect_sql[] = "SELECT json_extract(payload, '$.first_name') = "
                            "(SELECT first_name FROM registrations WHERE id = ?1) "
                            "FROM outbox WHERE entity_id = ?1";
        assert_int_equal(sql_int(fx->path, expect_sql, reg.id), 1);
    }
    assert_int_equal(
        sql_int(fx->path, "SELECT count(*) FROM outbox WHERE json_valid(payload)", NULL),
        (int64_t)n_names);
    /* The SQL in a name stayed a name. */
    int n = 0;
    assert_int_equal(store_session_count(fx->st, &n), BORNE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(store_registration_count(fx->st, "s1", &n), BORNE_OK);
    assert_int_equal(n, (int)n_names);
}

static void test_registration_lookups(void **state)
{
    struct fx *fx = *state;
    put_one_session(fx, 5);
    struct registration_request q = make_req(fx, "s1", "Anne", "Martin");
    struct registration reg, back;
    assert_int_equal(store_register(fx->st, &q, &reg), BORNE_OK);

    assert_int_equal(store_registration_by_code(fx->st, q.short_code, &back), BORNE_OK);
    assert_memory_equal(&back, &reg, sizeof reg);
    assert_int_equal(store_registration_get(fx->st, q.registration_id, &back), BORNE_OK);
    assert_memory_equal(&back, &reg, sizeof reg);

    memset(&back, 'x', sizeof back);
    assert_int_equal(store_registration_by_code(fx->st, "ZZZZ99999", &back), BORNE_ERR_NOT_FOUND);
    assert_string_equal(back.id, "");
    assert_contains(store_errmsg(fx->st), "ZZZZ99999");
    assert_int_equal(store_registration_get(fx->st, "reg-9999", &back), BORNE_ERR_NOT_FOUND);
    /* Codes are compared exactly: normalising what was typed is the caller's job. */
    char lower[BORNE_SHORT_CODE_MAX];
    memcpy(lower, q.short_code, sizeof lower);
    lower[0] = 'k';
    assert_int_equal(store_registration_by_code(fx->st, lower, &back), BORNE_ERR_NOT_FOUND);

    int n = -1;
    assert_int_equal(store_registration_count(fx->st, "no-such", &n), BORNE_OK);
    assert_int_equal(n, 0);
}

static void test_register_refuses_bad_requests(void **state)
{
    struct fx *fx = *state;
    put_one_session(fx, 5);
    struct registration reg;
    struct written before = written_now(fx->path, "s1");

    struct registration_request q = make_req(fx, "s1", "", "Martin");
    assert_int_equal(store_register(fx->st, &q, &reg), BORNE_ERR_INVALID);
    q = make_req(fx, "s1", "Anne", "Martin");
    memset(q.last_name, 'a', sizeof q.last_name); /* no terminating NUL */
    assert_int_equal(store_register(fx->st, &q, &reg), BORNE_ERR_INVALID);
    q = make_req(fx, "s1", "Anne", "Martin");
    q.short_code[0] = '\0';
    assert_int_equal(store_register(fx->st, &q, &reg), BORNE_ERR_INVALID);
    assert_int_equal(store_register(fx->st, NULL, &reg), BORNE_ERR_INVALID);
    assert_int_equal(store_register(fx->st, &q, NULL), BORNE_ERR_INVALID);

    /* A short code already used (the caller's random draw collided): refused, rolled back,
    ** including the seat taken before the INSERT failed. */
    q = make_req(fx, "s1", "Anne", "Martin");
    assert_int_equal(store_register(fx->st, &q, &reg), BORNE_OK);
    before = written_now(fx->path, "s1");
    struct registration_request clash = make_req(fx, "s1", "Bernard", "Petit");
    snprintf(clash.short_code, sizeof clash.short_code, "%s", q.short_code);
    memset(&reg, 'x', sizeof reg);
    assert_int_equal(store_register(fx->st, &clash, &reg), BORNE_ERR_INVALID);
    assert_string_equal(reg.id, "");
    assert_contains(store_errmsg(fx->st), "register: UNIQUE constraint failed");
    assert_contains(store_errmsg(fx->st), "(SQLITE_CONSTRAINT)");
    assert_written_equal(written_now(fx->path, "s1"), before);
    assert_int_equal(before.seats, 1);

    /* The same event id twice would be applied once by the server: refused here already. */
    clash = make_req(fx, "s1", "Bernard", "Petit");
    snprintf(clash.event_id, sizeof clash.event_id, "%s", q.event_id);
    assert_int_equal(store_register(fx->st, &clash, &reg), BORNE_ERR_INVALID);
    assert_written_equal(written_now(fx->path, "s1"), before);
}

static void test_check_finds_broken_references(void **state)
{
    struct fx *fx = *state;
    put_one_session(fx, 5);
    assert_int_equal(store_check(fx->st), BORNE_OK);
    assert_string_equal(store_errmsg(fx->st), "");
    /* A plain connection has foreign keys off, as a careless tool would. */
    sql_exec(fx->path, "INSERT INTO registrations (id, session_id, first_name, last_name, "
                       "name_key, short_code, created_at, device_seq, origin_device) VALUES "
                       "('orphan', 'gone', 'A', 'B', 'a|b', 'ORPHAN', 0, 0, 'x')");
    assert_int_equal(store_check(fx->st), BORNE_ERR_CORRUPT);
    assert_contains(store_errmsg(fx->st), "registrations");
    assert_contains(store_errmsg(fx->st), "sessions");
}

/* ---- privacy --------------------------------------------------------------------------- */

static void test_purge_erases_personal_data_keeps_records(void **state)
{
    struct fx *fx = *state;
    put_one_session(fx, 5); /* s1 ends at NOW + 2 h */
    struct registration_request a = make_req(fx, "s1", "Anne", "Martin");
    struct registration_request b = make_req(fx, "s1", "Bernard", "Petit");
    snprintf(a.email, sizeof a.email, "anne@example.org");
    snprintf(b.phone, sizeof b.phone, "0612345678");
    struct registration reg;
    assert_int_equal(store_register(fx->st, &a, &reg), BORNE_OK);
    assert_int_equal(store_register(fx->st, &b, &reg), BORNE_OK);

    /* Not yet: the session ended after the limit. */
    int n = -1;
    assert_int_equal(store_purge_personal(fx->st, NOW + HOUR, NOW + 3 * HOUR, &n), BORNE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_registration_get(fx->st, a.registration_id, &reg), BORNE_OK);
    assert_string_equal(reg.first_name, "Anne");

    assert_int_equal(store_purge_personal(fx->st, NOW + 3 * HOUR, NOW + 4 * HOUR, &n), BORNE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(store_registration_get(fx->st, a.registration_id, &reg), BORNE_OK);
    assert_string_equal(reg.first_name, "");
    assert_string_equal(reg.last_name, "");
    assert_string_equal(reg.email, "");
    assert_string_equal(reg.short_code, a.short_code); /* the record and its code stay */
    assert_int_equal(store_registration_get(fx->st, b.registration_id, &reg), BORNE_OK);
    assert_string_equal(reg.phone, "");
    assert_int_equal(store_registration_count(fx->st, "s1", &n), BORNE_OK);
    assert_int_equal(n, 2);
    struct session s;
    assert_int_equal(store_session_get(fx->st, "s1", &s), BORNE_OK);
    assert_int_equal(s.seats_taken, 2);
    assert_int_equal(sql_int(fx->path,
                             "SELECT count(*) FROM registrations WHERE purged_at = ?1 + 0",
                             "1767272400"),
                     2);

    /* The copies in the outbox are erased too, and the events still go. */
    char text[256];
    sql_text(fx->path,
             "SELECT json_extract(payload, '$.first_name') || '/' || "
             "json_type(payload, '$.email') || '/' || json_extract(payload, '$.short_code') || "
             "'/' || json_extract(payload, '$.purged') FROM outbox WHERE id = ?1",
             a.event_id, text, sizeof text);
    char expect[128];
    snprintf(expect, sizeof expect, "/null/%s/1", a.short_code);
    assert_string_equal(text, expect);
    assert_int_equal(sql_int(fx->path,
                             "SELECT count(*) FROM outbox WHERE payload LIKE '%' || ?1 || '%'",
                             "Martin"),
                     0);
    assert_int_equal(store_outbox_pending(fx->st, &n), BORNE_OK);
    assert_int_equal(n, 2);

    /* Done once: a second pass finds nothing. */
    assert_int_equal(store_purge_personal(fx->st, NOW + 3 * HOUR, NOW + 5 * HOUR, &n), BORNE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_check(fx->st), BORNE_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_creates_then_reopen_keeps_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_sets_schema_and_durability, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sessions_between_orders_and_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catalogue_put_is_all_or_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_cuts_overlong_text_at_code_point, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_register_success, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_full_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_reserved_closed_unknown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_same_person_returns_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_odd_names_byte_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_registration_lookups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_refuses_bad_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_finds_broken_references, setup, teardown),
        cmocka_unit_test_setup_teardown(test_purge_erases_personal_data_keeps_records, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
