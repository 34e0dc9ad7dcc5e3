/* Unit tests of sync/protocol: the JSON bodies of docs/sync-protocol.md.
**
** Every example body of the document decodes to the values it shows; every message survives a
** round trip with texts that JSON must escape; and every way a body can be wrong is refused with
** a message naming the member: each member of each example is in turn given the wrong type and
** removed (a walk over the example's tree, so that a member added to the document and not to the
** codec shows up here), every prefix of each example is refused, texts are tried at their exact
** limit and one byte past it. The kiosk's own outbox rows are made by SQLite's json_object(), as
** firmware/store does, and must pass the encoder and the decoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "protocol/protocol.h"
#include "support.h"

#define DEV "6f1c0a4e-3b7d-4c1e-9a52-0d2b8e7f1a33"
#define DEV2 "6f1c9d8e-7a6b-4c5d-8e9f-0a1b2c3d4e5f"
#define REG "5e0c7a1b-2d3e-4f5a-9b8c-7d6e5f4a3b2c"
#define TKT "a2f4e6d8-1b3c-4d5e-8f7a-9b0c1d2e3f4a"
#define EV1 "0b9d3c2a-5e4f-4a1b-8c7d-6e5f4a3b2c1d"
#define EV2 "77aa1b2c-3d4e-4f5a-a6b7-c8d9e0f1a2b3"
#define EV3 "91fe8d7c-6b5a-4948-b7a6-958473625140"
#define CHK "c31d2e3f-4a5b-4c6d-b7e8-f9a0b1c2d3e4"
#define REQ "e4b1c2d3-e4f5-4a6b-8c7d-e8f9a0b1c2d3"
#define TOKEN "9c1e5b7a3d2f4e6a8b0c1d3e5f7a9b2c4d6e8f0a1b3c5d7e9f2a4b6c8d0e1f3a"
#define KEY "q1oZ0y6V0c0Zb8r0Hc2bN7m1o2k3Q4w5E6r7T8y9U0I="
#define PAYLOAD "B1AEBAGBAFAYDQQCIKBMGA2DQPCAIREEYUCULBOGAZDINRYHI6D4QCAJRGQ2TMNZYHE"

/* Texts that JSON must escape or that are not ASCII: quotes, backslashes, control characters,
** accents, emoji (4 bytes). */
#define NASTY "Zo\xc3\xa9 \"Zozo\" O'Brien \\ \xf0\x9f\x98\x80\t\n\x01\x1f/\xc5\x93"

/* ---- the examples of docs/sync-protocol.md, the ellipses filled in -------------------------- */

static const char error_doc[] =
    "{\"error\": \"bad_request\", \"message\": \"events[3].session_id: expected a string\"}";

static const char enrol_request_doc[] = "{\"code\": \"K7M4-QX9A-T3\",\n"
                                        " \"device_id\": \"" DEV "\",\n"
                                        " \"public_key\": \"" KEY "\",\n"
                                        " \"label\": \"Rennes, entr\xc3\xa9\x65\"}";

static const char enrol_reply_doc[] =
    "{\"device_id\": \"" DEV "\",\n"
    " \"token\": \"" TOKEN "\",\n"
    " \"site_id\": \"rennes\", \"site_name\": \"Atelier Num\xc3\xa9rique Rennes\",\n"
    " \"server_time\": 1795000000}";

static const char push_request_doc[] =
    "{\"device_id\": \"" DEV "\",\n"
    " \"events\": [\n"
    "  {\"id\": \"" EV1 "\", \"kind\": \"registration.created\", \"seq\": 41, "
    "\"created_at\": 1795000100,\n"
    "   \"data\": {\"registration_id\": \"" REG "\", \"session_id\": \"s-cv-0312\", "
    "\"first_name\": \"Zo\xc3\xa9\",\n"
    "            \"last_name\": \"Martin\", \"email\": null, \"phone\": null, "
    "\"short_code\": \"KM4QX9AT3\",\n"
    "            \"status\": \"confirmed\", \"seat\": \"allotment\", \"created_at\": 1795000100,\n"
    "            \"device_seq\": 41, \"device_id\": \"" DEV "\", \"ticket_id\": \"" TKT "\",\n"
    "            \"ticket_payload\": \"" PAYLOAD "\"}},\n"
    "  {\"id\": \"" EV2 "\", \"kind\": \"checkin.created\", \"seq\": 42, "
    "\"created_at\": 1795003600,\n"
    "   \"data\": {\"checkin_id\": \"" CHK "\", \"ticket_id\": \"" TKT "\", "
    "\"session_id\": \"s-cv-0312\",\n"
    "            \"device_id\": \"" DEV "\", \"checked_at\": 1795003600, \"device_seq\": 42}},\n"
    "  {\"id\": \"" EV3 "\", \"kind\": \"ticket.cancelled\", \"seq\": 43, "
    "\"created_at\": 1795004000,\n"
    "   \"data\": {\"ticket_id\": \"" TKT "\", \"device_id\": \"" DEV "\", "
    "\"cancelled_at\": 1795004000,\n"
    "            \"device_seq\": 43}}\n"
    " ]}";

static const char push_reply_doc[] =
    "{\"server_time\": 1795004100,\n"
    " \"results\": [\n"
    "  {\"id\": \"" EV1 "\", \"status\": \"applied\", \"registration_status\": \"confirmed\"},\n"
    "  {\"id\": \"" EV2 "\", \"status\": \"applied\", \"flagged\": false},\n"
    "  {\"id\": \"" EV3 "\", \"status\": \"duplicate\"}\n"
    " ]}";

static const char seat_request_doc[] =
    "{\"request_id\": \"" REQ "\", \"session_id\": \"s-cv-0312\"}";

static const char seat_reply_doc[] =
    "{\"granted\": true, \"reason\": \"\", \"session_id\": \"s-cv-0312\",\n"
    " \"allotment\": {\"granted\": 5, \"returned\": 2}, \"seats_taken\": 11, \"capacity\": 12}";

static const char pull_request_doc[] = "{\"cursor\": \"\", \"limit\": 1000,\n"
                                       " \"used\": [{\"session_id\": \"s-cv-0312\", \"used\": 3}]}";

static const char pull_reply_doc[] =
    "{\"server_time\": 1795004200, \"cursor\": \"v1:9050:0:\", \"more\": false,\n"
    " \"site\": {\"id\": \"rennes\", \"name\": \"Atelier Num\xc3\xa9rique Rennes\"},\n"
    " \"rooms\": [{\"id\": \"salle-1\", \"name\": \"Salle Ada Lovelace\"}],\n"
    " \"sessions\": [{\"id\": \"s-cv-0312\", \"title\": \"R\xc3\xa9\x64iger son CV\", "
    "\"description\": \"Un CV clair en une page.\",\n"
    "               \"kind\": 0, \"room_id\": \"salle-1\", \"organiser\": \"\", "
    "\"starts_at\": 1795010400,\n"
    "               \"ends_at\": 1795017600, \"capacity\": 12, \"seats_taken\": 11,\n"
    "               \"reserved_for\": \"\", \"cancelled\": false}],\n"
    " \"allotments\": [{\"session_id\": \"s-cv-0312\", \"granted\": 5, \"returned\": 2}],\n"
    " \"tickets\": [{\"id\": \"" TKT "\", \"registration_id\": \"" REG "\", "
    "\"session_id\": \"s-cv-0312\",\n"
    "              \"device_id\": \"" DEV "\", \"payload\": \"" PAYLOAD "\", "
    "\"short_code\": \"KM4QX9AT3\",\n"
    "              \"first_name\": \"Zo\xc3\xa9\", \"status\": \"confirmed\", "
    "\"issued_at\": 1795000100}],\n"
    " \"device_keys\": [{\"device_id\": \"" DEV "\", \"public_key\": \"" KEY "\", "
    "\"revoked_at\": 0}]}";

/* ---- every decoder behind one switch ------------------------------------------------------ */

enum msg {
    M_ERROR,
    M_ENROL_REQUEST,
    M_ENROL_REPLY,
    M_PUSH_REQUEST,
    M_PUSH_REPLY,
    M_SEAT_REQUEST,
    M_SEAT_REPLY,
    M_PULL_REQUEST,
    M_PULL_REPLY,
    M_COUNT
};

static const char *const docs[M_COUNT] = {
    error_doc,        enrol_request_doc, enrol_reply_doc,  push_request_doc, push_reply_doc,
    seat_request_doc, seat_reply_doc,    pull_request_doc, pull_reply_doc,
};

static bool all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

/* Decode body as message m, free what it made, and check the contract of a failure: a zeroed
** output and a message. */
static enum borne_err decode_any(enum msg m, const char *body, size_t len, char *why,
                                 size_t why_cap)
{
    union {
        struct sync_error error;
        struct sync_enrol_request enrol_request;
        struct sync_enrol_reply enrol_reply;
        struct sync_push_request push_request;
        struct sync_push_reply push_reply;
        struct sync_seat_request seat_request;
        struct sync_seat_reply seat_reply;
        struct sync_pull_request pull_request;
        struct sync_pull_reply pull_reply;
    } u;
    memset(&u, 0x5A, sizeof u);
    enum borne_err err = BORNE_ERR_INTERNAL;
    size_t size = 0;
    switch (m) {
    case M_ERROR:
        err = sync_error_decode(body, len, &u.error, why, why_cap);
        size = sizeof u.error;
        break;
    case M_ENROL_REQUEST:
        err = sync_enrol_request_decode(body, len, &u.enrol_request, why, why_cap);
        size = sizeof u.enrol_request;
        break;
    case M_ENROL_REPLY:
        err = sync_enrol_reply_decode(body, len, &u.enrol_reply, why, why_cap);
        size = sizeof u.enrol_reply;
        break;
    case M_PUSH_REQUEST:
        err = sync_push_request_decode(body, len, &u.push_request, why, why_cap);
        size = sizeof u.push_request;
        if (err == BORNE_OK)
            sync_push_request_free(&u.push_request);
        break;
    case M_PUSH_REPLY:
        err = sync_push_reply_decode(body, len, &u.push_reply, why, why_cap);
        size = sizeof u.push_reply;
        if (err == BORNE_OK)
            sync_push_reply_free(&u.push_reply);
        break;
    case M_SEAT_REQUEST:
        err = sync_seat_request_decode(body, len, &u.seat_request, why, why_cap);
        size = sizeof u.seat_request;
        break;
    case M_SEAT_REPLY:
        err = sync_seat_reply_decode(body, len, &u.seat_reply, why, why_cap);
        size = sizeof u.seat_reply;
        break;
    case M_PULL_REQUEST:
        err = sync_pull_request_decode(body, len, &u.pull_request, why, why_cap);
        size = sizeof u.pull_request;
        if (err == BORNE_OK)
            sync_pull_request_free(&u.pull_request);
        break;
    case M_PULL_REPLY:
        err = sync_pull_reply_decode(body, len, &u.pull_reply, why, why_cap);
        size = sizeof u.pull_reply;
        if (err == BORNE_OK)
            sync_pull_reply_free(&u.pull_reply);
        break;
    case M_COUNT:
        fail();
    }
    if (err != BORNE_OK) {
        if (!all_zero(&u, size))
            fail_msg("message %d: output not zeroed after a failure", (int)m);
        if (why && why_cap > 0 && why[0] == '\0')
            fail_msg("message %d: failure without a message", (int)m);
    }
    return err;
}

static enum borne_err decode_str(enum msg m, const char *body, char *why, size_t why_cap)
{
    return decode_any(m, body, strlen(body), why, why_cap);
}

/* Decoding body as m must fail with a message that starts with want. */
static void refused_with(enum msg m, const char *body, const char *want)
{
    char why[256];
    enum borne_err err = decode_str(m, body, why, sizeof why);
    if (err != BORNE_ERR_INVALID)
        fail_msg("accepted (%d): %.300s", (int)err, body);
    if (strncmp(why, want, strlen(want)) != 0)
        fail_msg("\"%s\" does not start with \"%s\"", why, want);
}

static void accepted(enum msg m, const char *body)
{
    char why[256];
    enum borne_err err = decode_str(m, body, why, sizeof why);
    if (err != BORNE_OK)
        fail_msg("refused (%d, %s): %.300s", (int)err, why, body);
}

/* ---- names -------------------------------------------------------------------------------- */

static void test_words(void **state)
{
    (void)state;
    const char *status[] = {"confirmed", "waitlist", "cancelled"};
    for (int i = 0; i < 3; i++) {
        enum registration_status s = 99;
        assert_string_equal(sync_registration_status_name((enum registration_status)i), status[i]);
        assert_true(sync_registration_status_parse(status[i], &s));
        assert_int_equal(s, i);
    }
    const char *seat[] = {"none", "server", "allotment", "local"};
    for (int i = 0; i < 4; i++) {
        enum sync_seat s = 99;
        assert_string_equal(sync_seat_name((enum sync_seat)i), seat[i]);
        assert_true(sync_seat_parse(seat[i], &s));
        assert_int_equal(s, i);
    }
    assert_string_equal(sync_result_status_name(SYNC_APPLIED), "applied");
    assert_string_equal(sync_result_status_name(SYNC_DUPLICATE), "duplicate");
    assert_string_equal(sync_result_status_name(SYNC_REFUSED), "refused");

    enum registration_status s = REGISTRATION_WAITLIST;
    enum sync_seat t = SYNC_SEAT_LOCAL;
    const char *bad[] = {"", "Confirmed", "confirmed ", "waitlis", "none\n", "unknown"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(sync_registration_status_parse(bad[i], &s));
        assert_false(sync_seat_parse(bad[i], &t));
    }
    assert_int_equal(s, REGISTRATION_WAITLIST);
    assert_int_equal(t, SYNC_SEAT_LOCAL);
    /* Out-of-range values get a word that parses as nothing, never NULL. */
    assert_string_equal(sync_registration_status_name((enum registration_status)7), "unknown");
    assert_string_equal(sync_seat_name((enum sync_seat)7), "unknown");
    assert_string_equal(sync_result_status_name((enum sync_result_status)7), "unknown");
}

/* ---- the document's examples -------------------------------------------------------------- */

static void test_doc_error_and_enrol(void **state)
{
    (void)state;
    char why[128] = "stale";
    struct sync_error e;
    assert_int_equal(sync_error_decode(error_doc, strlen(error_doc), &e, why, sizeof why),
                     BORNE_OK);
    assert_string_equal(why, "");
    assert_string_equal(e.error, "bad_request");
    assert_string_equal(e.message, "events[3].session_id: expected a string");

    struct sync_enrol_request rq;
    assert_int_equal(sync_enrol_request_decode(enrol_request_doc, strlen(enrol_request_doc), &rq,
                                               why, sizeof why),
                     BORNE_OK);
    assert_string_equal(rq.code, "K7M4-QX9A-T3");
    assert_string_equal(rq.device_id, DEV);
    assert_string_equal(rq.public_key, KEY);
    assert_string_equal(rq.label, "Rennes, entr\xc3\xa9\x65");

    struct sync_enrol_reply rp;
    assert_int_equal(
        sync_enrol_reply_decode(enrol_reply_doc, strlen(enrol_reply_doc), &rp, why, sizeof why),
        BORNE_OK);
    assert_string_equal(rp.device_id, DEV);
    assert_string_equal(rp.token, TOKEN);
    assert_string_equal(rp.site_id, "rennes");
    assert_string_equal(rp.site_name, "Atelier Num\xc3\xa9rique Rennes");
    assert_int_equal(rp.server_time, 1795000000);
}

static void test_doc_push(void **state)
{
    (void)state;
    char why[128];
    struct sync_push_request r;
    assert_int_equal(
        sync_push_request_decode(push_request_doc, strlen(push_request_doc), &r, why, sizeof why),
        BORNE_OK);
    assert_string_equal(r.device_id, DEV);
    assert_int_equal(r.n_events, 3);

    const struct sync_event *e = &r.events[0];
    assert_string_equal(e->id, EV1);
    assert_string_equal(e->kind_name, "registration.created");
    assert_int_equal(e->kind, SYNC_EVENT_REGISTRATION);
    assert_int_equal(e->seq, 41);
    assert_int_equal(e->created_at, 1795000100);
    const struct sync_registration_data *g = &e->u.registration;
    assert_string_equal(g->registration_id, REG);
    assert_string_equal(g->session_id, "s-cv-0312");
    assert_string_equal(g->first_name, "Zo\xc3\xa9");
    assert_string_equal(g->last_name, "Martin");
    assert_string_equal(g->email, "");
    assert_string_equal(g->phone, "");
    assert_string_equal(g->short_code, "KM4QX9AT3");
    assert_int_equal(g->status, REGISTRATION_CONFIRMED);
    assert_int_equal(g->seat, SYNC_SEAT_ALLOTMENT);
    assert_int_equal(g->created_at, 1795000100);
    assert_int_equal(g->device_seq, 41);
    assert_string_equal(g->device_id, DEV);
    assert_string_equal(g->ticket_id, TKT);
    assert_string_equal(g->ticket_payload, PAYLOAD);

    e = &r.events[1];
    assert_string_equal(e->id, EV2);
    assert_int_equal(e->kind, SYNC_EVENT_CHECKIN);
    assert_int_equal(e->seq, 42);
    assert_string_equal(e->u.checkin.checkin_id, CHK);
    assert_string_equal(e->u.checkin.ticket_id, TKT);
    assert_string_equal(e->u.checkin.session_id, "s-cv-0312");
    assert_string_equal(e->u.checkin.device_id, DEV);
    assert_int_equal(e->u.checkin.checked_at, 1795003600);
    assert_int_equal(e->u.checkin.device_seq, 42);

    e = &r.events[2];
    assert_string_equal(e->id, EV3);
    assert_int_equal(e->kind, SYNC_EVENT_TICKET_CANCELLED);
    assert_int_equal(e->created_at, 1795004000);
    assert_string_equal(e->u.cancel.ticket_id, TKT);
    assert_string_equal(e->u.cancel.device_id, DEV);
    assert_int_equal(e->u.cancel.cancelled_at, 1795004000);
    assert_int_equal(e->u.cancel.device_seq, 43);
    sync_push_request_free(&r);
    assert_null(r.events);
    assert_int_equal(r.n_events, 0);
    sync_push_request_free(&r); /* twice is harmless */
    sync_push_request_free(NULL);

    struct sync_push_reply p;
    assert_int_equal(
        sync_push_reply_decode(push_reply_doc, strlen(push_reply_doc), &p, why, sizeof why),
        BORNE_OK);
    assert_int_equal(p.server_time, 1795004100);
    assert_int_equal(p.n_results, 3);
    assert_string_equal(p.results[0].id, EV1);
    assert_int_equal(p.results[0].status, SYNC_APPLIED);
    assert_int_equal(p.results[0].registration_status, REGISTRATION_CONFIRMED);
    assert_false(p.results[0].flagged);
    assert_string_equal(p.results[0].reason, "");
    assert_string_equal(p.results[1].id, EV2);
    assert_int_equal(p.results[1].registration_status, -1);
    assert_false(p.results[1].flagged);
    assert_string_equal(p.results[2].id, EV3);
    assert_int_equal(p.results[2].status, SYNC_DUPLICATE);
    assert_int_equal(p.results[2].registration_status, -1);
    sync_push_reply_free(&p);
    sync_push_reply_free(NULL);
}

static void test_doc_seat_and_pull(void **state)
{
    (void)state;
    char why[128];
    struct sync_seat_request sq;
    assert_int_equal(
        sync_seat_request_decode(seat_request_doc, strlen(seat_request_doc), &sq, why, sizeof why),
        BORNE_OK);
    assert_string_equal(sq.request_id, REQ);
    assert_string_equal(sq.session_id, "s-cv-0312");

    struct sync_seat_reply sp;
    assert_int_equal(
        sync_seat_reply_decode(seat_reply_doc, strlen(seat_reply_doc), &sp, why, sizeof why),
        BORNE_OK);
    assert_true(sp.granted);
    assert_string_equal(sp.reason, "");
    assert_string_equal(sp.allotment.session_id, "s-cv-0312");
    assert_int_equal(sp.allotment.granted, 5);
    assert_int_equal(sp.allotment.returned, 2);
    assert_int_equal(sp.seats_taken, 11);
    assert_int_equal(sp.capacity, 12);

    struct sync_pull_request pq;
    assert_int_equal(
        sync_pull_request_decode(pull_request_doc, strlen(pull_request_doc), &pq, why, sizeof why),
        BORNE_OK);
    assert_string_equal(pq.cursor, "");
    assert_int_equal(pq.limit, 1000);
    assert_int_equal(pq.n_used, 1);
    assert_string_equal(pq.used[0].session_id, "s-cv-0312");
    assert_int_equal(pq.used[0].used, 3);
    sync_pull_request_free(&pq);
    sync_pull_request_free(NULL);

    struct sync_pull_reply p;
    assert_int_equal(
        sync_pull_reply_decode(pull_reply_doc, strlen(pull_reply_doc), &p, why, sizeof why),
        BORNE_OK);
    assert_int_equal(p.server_time, 1795004200);
    assert_string_equal(p.cursor, "v1:9050:0:");
    assert_false(p.more);
    assert_string_equal(p.site_id, "rennes");
    assert_string_equal(p.site_name, "Atelier Num\xc3\xa9rique Rennes");
    assert_int_equal(p.n_rooms, 1);
    assert_string_equal(p.rooms[0].id, "salle-1");
    assert_string_equal(p.rooms[0].name, "Salle Ada Lovelace");
    assert_int_equal(p.n_sessions, 1);
    const struct session *s = &p.sessions[0];
    assert_string_equal(s->id, "s-cv-0312");
    assert_string_equal(s->title, "R\xc3\xa9\x64iger son CV");
    assert_string_equal(s->description, "Un CV clair en une page.");
    assert_int_equal(s->kind, SESSION_WORKSHOP);
    assert_string_equal(s->room_id, "salle-1");
    assert_string_equal(s->room_name, "");
    assert_string_equal(s->organiser, "");
    assert_int_equal(s->starts_at, 1795010400);
    assert_int_equal(s->ends_at, 1795017600);
    assert_int_equal(s->capacity, 12);
    assert_int_equal(s->seats_taken, 11);
    assert_string_equal(s->reserved_for, "");
    assert_false(s->cancelled);
    assert_int_equal(p.n_allotments, 1);
    assert_string_equal(p.allotments[0].session_id, "s-cv-0312");
    assert_int_equal(p.allotments[0].granted, 5);
    assert_int_equal(p.allotments[0].returned, 2);
    assert_int_equal(p.n_tickets, 1);
    const struct sync_ticket *t = &p.tickets[0];
    assert_string_equal(t->id, TKT);
    assert_string_equal(t->registration_id, REG);
    assert_string_equal(t->session_id, "s-cv-0312");
    assert_string_equal(t->device_id, DEV);
    assert_string_equal(t->payload, PAYLOAD);
    assert_string_equal(t->short_code, "KM4QX9AT3");
    assert_string_equal(t->first_name, "Zo\xc3\xa9");
    assert_int_equal(t->status, REGISTRATION_CONFIRMED);
    assert_int_equal(t->issued_at, 1795000100);
    assert_int_equal(p.n_keys, 1);
    assert_string_equal(p.keys[0].device_id, DEV);
    assert_string_equal(p.keys[0].public_key, KEY);
    assert_int_equal(p.keys[0].revoked_at, 0);
    sync_pull_reply_free(&p);
    assert_null(p.sessions);
    sync_pull_reply_free(NULL);
}

/* ---- round trips -------------------------------------------------------------------------- */

/* The encoder's text: valid UTF-8, as long as it says, within the body limit. */
static void check_text(const char *out, size_t len)
{
    assert_non_null(out);
    assert_int_equal(strlen(out), len);
    assert_true(len <= SYNC_BODY_MAX);
    assert_true(support_valid_utf8(out));
}

static void test_round_trip_small(void **state)
{
    (void)state;
    char *out = NULL, why[128];
    size_t len = 0;

    struct sync_error e, e2;
    memset(&e, 0, sizeof e);
    strcpy(e.error, "bad_request");
    strcpy(e.message, NASTY);
    assert_int_equal(sync_error_encode(&e, &out, &len), BORNE_OK);
    check_text(out, len);
    assert_int_equal(sync_error_decode(out, len, &e2, why, sizeof why), BORNE_OK);
    assert_memory_equal(&e, &e2, sizeof e);
    free(out);

    struct sync_enrol_request q, q2;
    memset(&q, 0, sizeof q);
    strcpy(q.code, "k7m4 qx9a-t3");
    strcpy(q.device_id, DEV);
    strcpy(q.public_key, KEY);
    strcpy(q.label, NASTY);
    assert_int_equal(sync_enrol_request_encode(&q, &out, &len), BORNE_OK);
    check_text(out, len);
    assert_int_equal(sync_enrol_request_decode(out, len, &q2, why, sizeof why), BORNE_OK);
    assert_memory_equal(&q, &q2, sizeof q);
    free(out);
    memset(q.label, 0, sizeof q.label); /* a label may be empty */
    assert_int_equal(sync_enrol_request_encode(&q, &out, NULL), BORNE_OK);
    assert_int_equal(sync_enrol_request_decode(out, strlen(out), &q2, why, sizeof why), BORNE_OK);
    assert_memory_equal(&q, &q2, sizeof q);
    free(out);

    struct sync_enrol_reply r, r2;
    memset(&r, 0, sizeof r);
    strcpy(r.device_id, DEV);
    strcpy(r.token, TOKEN);
    strcpy(r.site_id, "saint-etienne");
    strcpy(r.site_name, NASTY);
    r.server_time = INT64_C(9007199254740991); /* 2^53 - 1, the largest */
    assert_int_equal(sync_enrol_reply_encode(&r, &out, &len), BORNE_OK);
    check_text(out, len);
    assert_int_equal(sync_enrol_reply_decode(out, len, &r2, why, sizeof why), BORNE_OK);
    assert_memory_equal(&r, &r2, sizeof r);
    free(out);

    struct sync_seat_request s, s2;
    memset(&s, 0, sizeof s);
    strcpy(s.request_id, REQ);
    strcpy(s.session_id, "s with \"quotes\" \\ and spaces");
    assert_int_equal(sync_seat_request_encode(&s, &out, &len), BORNE_OK);
    check_text(out, len);
    assert_int_equal(sync_seat_request_decode(out, len, &s2, why, sizeof why), BORNE_OK);
    assert_memory_equal(&s, &s2, sizeof s);
    free(out);

    struct sync_seat_reply t, t2;
    memset(&t, 0, sizeof t);
    t.granted = false;
    strcpy(t.reason, "full");
    strcpy(t.allotment.session_id, "s-cv-0312");
    t.allotment.granted = 7;
    t.allotment.returned = 7;
    t.seats_taken = 12;
    t.capacity = 12;
    assert_int_equal(sync_seat_reply_encode(&t, &out, &len), BORNE_OK);
    check_text(out, len);
    assert_int_equal(sync_seat_reply_decode(out, len, &t2, why, sizeof why), BORNE_OK);
    assert_memory_equal(&t, &t2, sizeof t);
    free(out);
}

static void test_round_trip_push_reply(void **state)
{
    (void)state;
    struct sync_push_result res[4];
    memset(res, 0, sizeof res);
    strcpy(res[0].id, EV1);
    res[0].status = SYNC_APPLIED;
    res[0].registration_status = REGISTRATION_WAITLIST;
    strcpy(res[1].id, EV2);
    res[1].status = SYNC_APPLIED;
    res[1].registration_status = -1;
    res[1].flagged = true;
    strcpy(res[2].id, EV3);
    res[2].status = SYNC_REFUSED;
    strcpy(res[2].reason, "unknown_kind");
    res[2].registration_status = -1;
    strcpy(res[3].id, "x");
    res[3].status = SYNC_DUPLICATE;
    res[3].registration_status = REGISTRATION_CANCELLED;
    struct sync_push_reply r = {.server_time = 1795004100, .results = res, .n_results = 4}, r2;
    char *out, why[128];
    size_t len;
    assert_int_equal(sync_push_reply_encode(&r, &out, &len), BORNE_OK);
    check_text(out, len);
    assert_int_equal(sync_push_reply_decode(out, len, &r2, why, sizeof why), BORNE_OK);
    assert_int_equal(r2.server_time, r.server_time);
    assert_int_equal(r2.n_results, 4);
    assert_memory_equal(r2.results, res, sizeof res);
    sync_push_reply_free(&r2);
    free(out);

    /* An empty reply (nothing to answer) is a reply. */
    r.n_results = 0;
    r.results = NULL;
    assert_int_equal(sync_push_reply_encode(&r, &out, &len), BORNE_OK);
    assert_int_equal(sync_push_reply_decode(out, len, &r2, why, sizeof why), BORNE_OK);
    assert_int_equal(r2.n_results, 0);
    assert_null(r2.results);
    free(out);
}

static void test_round_trip_pull(void **state)
{
    (void)state;
    char *out, why[128];
    size_t len;

    struct sync_used used[3];
    memset(used, 0, sizeof used);
    strcpy(used[0].session_id, "s-1");
    used[0].used = 0;
    strcpy(used[1].session_id, "s-2");
    used[1].used = 3;
    strcpy(used[2].session_id, "s-3");
    used[2].used = INT64_C(9007199254740991);
    struct sync_pull_request q = {.limit = SYNC_PULL_LIMIT_MAX, .used = used, .n_used = 3}, q2;
    strcpy(q.cursor, "v1:9050:0:\"\\");
    assert_int_equal(sync_pull_request_encode(&q, &out, &len), BORNE_OK);
    check_text(out, len);
    assert_int_equal(sync_pull_request_decode(out, len, &q2, why, sizeof why), BORNE_OK);
    assert_string_equal(q2.cursor, q.cursor);
    assert_int_equal(q2.limit, SYNC_PULL_LIMIT_MAX);
    assert_int_equal(q2.n_used, 3);
    assert_memory_equal(q2.used, used, sizeof used);
    sync_pull_request_free(&q2);
    free(out);

    struct room rooms[2];
    memset(rooms, 0, sizeof rooms);
    strcpy(rooms[0].id, "salle-1");
    strcpy(rooms[0].name, "Salle Ada Lovelace \xf0\x9f\x92\xbb");
    strcpy(rooms[1].id, "etage");
    strcpy(rooms[1].name, NASTY);
    struct session ses[2];
    memset(ses, 0, sizeof ses);
    strcpy(ses[0].id, "s-cv-0312");
    strcpy(ses[0].title, NASTY);
    strcpy(ses[0].description, "Ligne 1\nLigne 2\r\n\ttabul\xc3\xa9\x65 \"cit\xc3\xa9\x65\"");
    ses[0].kind = SESSION_COACHING;
    strcpy(ses[0].room_id, "salle-1");
    strcpy(ses[0].organiser, "P\xc3\xb4le emploi");
    ses[0].starts_at = 1795010400;
    ses[0].ends_at = 1795017600;
    ses[0].capacity = INT_MAX;
    ses[0].seats_taken = 0;
    strcpy(ses[0].reserved_for, "Coll\xc3\xa8ge Anne de Bretagne, 4e B");
    ses[0].cancelled = true;
    strcpy(ses[1].id, "s-2");
    ses[1].kind = SESSION_THEMATIC;
    struct sync_allotment al[1];
    memset(al, 0, sizeof al);
    strcpy(al[0].session_id, "s-cv-0312");
    al[0].granted = 5;
    al[0].returned = 5;
    struct sync_ticket tk[2];
    memset(tk, 0, sizeof tk);
    strcpy(tk[0].id, TKT);
    strcpy(tk[0].registration_id, REG);
    strcpy(tk[0].session_id, "s-cv-0312");
    strcpy(tk[0].device_id, DEV);
    strcpy(tk[0].payload, PAYLOAD);
    strcpy(tk[0].short_code, "KM4QX9AT3");
    strcpy(tk[0].first_name, NASTY);
    tk[0].status = REGISTRATION_WAITLIST;
    tk[0].issued_at = 1795000100;
    strcpy(tk[1].id, "web-1");
    strcpy(tk[1].session_id, "s-2");
    strcpy(tk[1].device_id, "website");
    tk[1].status = REGISTRATION_CANCELLED;
    struct sync_device_key keys[2];
    memset(keys, 0, sizeof keys);
    strcpy(keys[0].device_id, DEV);
    strcpy(keys[0].public_key, KEY);
    strcpy(keys[1].device_id, DEV2);
    strcpy(keys[1].public_key, KEY);
    keys[1].revoked_at = 1795000000;

    struct sync_pull_reply r, r2;
    memset(&r, 0, sizeof r);
    r.server_time = 1795004200;
    strcpy(r.cursor, "v1:9050:0:");
    r.more = true;
    strcpy(r.site_id, "rennes");
    strcpy(r.site_name, NASTY);
    r.rooms = rooms, r.n_rooms = 2;
    r.sessions = ses, r.n_sessions = 2;
    r.allotments = al, r.n_allotments = 1;
    r.tickets = tk, r.n_tickets = 2;
    r.keys = keys, r.n_keys = 2;
    assert_int_equal(sync_pull_reply_encode(&r, &out, &len), BORNE_OK);
    check_text(out, len);
    assert_int_equal(sync_pull_reply_decode(out, len, &r2, why, sizeof why), BORNE_OK);
    assert_int_equal(r2.server_time, r.server_time);
    assert_string_equal(r2.cursor, r.cursor);
    assert_true(r2.more);
    assert_string_equal(r2.site_id, "rennes");
    assert_string_equal(r2.site_name, NASTY);
    assert_int_equal(r2.n_rooms, 2);
    assert_memory_equal(r2.rooms, rooms, sizeof rooms);
    assert_int_equal(r2.n_sessions, 2);
    assert_memory_equal(r2.sessions, ses, sizeof ses);
    assert_int_equal(r2.n_allotments, 1);
    assert_memory_equal(r2.allotments, al, sizeof al);
    assert_int_equal(r2.n_tickets, 2);
    assert_memory_equal(r2.tickets, tk, sizeof tk);
    assert_int_equal(r2.n_keys, 2);
    assert_memory_equal(r2.keys, keys, sizeof keys);
    sync_pull_reply_free(&r2);
    free(out);

    /* A session's room_name is the kiosk's own: it is not sent. */
    strcpy(ses[0].room_name, "Salle Ada Lovelace");
    assert_int_equal(sync_pull_reply_encode(&r, &out, &len), BORNE_OK);
    assert_null(strstr(out, "room_name"));
    assert_int_equal(sync_pull_reply_decode(out, len, &r2, why, sizeof why), BORNE_OK);
    assert_string_equal(r2.sessions[0].room_name, "");
    sync_pull_reply_free(&r2);
    free(out);

    /* An empty page: every array present and empty. */
    struct sync_pull_reply empty;
    memset(&empty, 0, sizeof empty);
    strcpy(empty.site_id, "rennes");
    assert_int_equal(sync_pull_reply_encode(&empty, &out, &len), BORNE_OK);
    assert_int_equal(sync_pull_reply_decode(out, len, &r2, why, sizeof why), BORNE_OK);
    assert_memory_equal(&r2, &empty, sizeof empty);
    free(out);
}

/* ---- push requests from the kiosk's outbox ------------------------------------------------ */

/* The data of an outbox row made as firmware/store makes it: SQLite's json_object(), with NULL
** for an empty optional value. */
static char *sqlite_registration(const char *first, const char *email, const char *ticket_id,
                                 const char *status, const char *seat)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(
            db,
            "SELECT json_object('registration_id', ?1, 'session_id', ?2, 'first_name', ?3, "
            "'last_name', ?4, 'email', ?5, 'phone', ?6, 'short_code', ?7, 'status', ?14, "
            "'seat', ?15, 'created_at', ?8, 'device_seq', ?9, 'device_id', ?10, 'ticket_id', "
            "?12, 'ticket_payload', ?13)",
            -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_text(st, 1, REG, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, "s-cv-0312", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, first, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, "Le Gall", -1, SQLITE_STATIC);
    if (email[0])
        sqlite3_bind_text(st, 5, email, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, "KM4QX9AT3", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, 1795000100);
    sqlite3_bind_int64(st, 9, 41);
    sqlite3_bind_text(st, 10, DEV, -1, SQLITE_STATIC);
    if (ticket_id[0]) {
        sqlite3_bind_text(st, 12, ticket_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 13, PAYLOAD, -1, SQLITE_STATIC);
    }
    sqlite3_bind_text(st, 14, status, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 15, seat, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    char *json = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    assert_non_null(json);
    return json;
}

static void test_push_request_from_outbox(void **state)
{
    (void)state;
    char *reg1 = sqlite_registration(NASTY, "", "", "waitlist", "none");
    char *reg2 =
        sqlite_registration("\xc3\x89lodie", "elodie@example.org", TKT, "confirmed", "server");
    struct sync_outbox_row rows[] = {
        {EV1, "registration.created", 41, 1795000100, reg1},
        {EV2, "checkin.created", 42, 1795003600,
         "{\"checkin_id\":\"" CHK "\",\"ticket_id\":\"" TKT "\",\"session_id\":\"s-cv-0312\","
         "\"device_id\":\"" DEV "\",\"checked_at\":1795003600,\"device_seq\":42}"},
        {EV3, "registration.created", 43, 1795004000, reg2},
        {"e-4", "ticket.cancelled", 44, 0,
         " {\"ticket_id\":\"" TKT "\",\"device_id\":\"" DEV "\",\"cancelled_at\":0,"
         "\"device_seq\":44,\"why\":[1,2,{\"x\":null}]}\n"},
        {"e-5", "badge.printed", 45, 1795004100, "{\"anything\": [1, \"two\", {}]}"},
    };
    char *out, why[128];
    size_t len;
    assert_int_equal(sync_push_request_encode(DEV, rows, 5, &out, &len), BORNE_OK);
    check_text(out, len);

    struct sync_push_request r;
    assert_int_equal(sync_push_request_decode(out, len, &r, why, sizeof why), BORNE_OK);
    assert_string_equal(r.device_id, DEV);
    assert_int_equal(r.n_events, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(r.events[i].id, rows[i].id);
        assert_string_equal(r.events[i].kind_name, rows[i].kind);
        assert_int_equal(r.events[i].seq, rows[i].seq);
        assert_int_equal(r.events[i].created_at, rows[i].created_at);
    }
    const struct sync_registration_data *g = &r.events[0].u.registration;
    assert_int_equal(r.events[0].kind, SYNC_EVENT_REGISTRATION);
    assert_string_equal(g->first_name, NASTY);
    assert_string_equal(g->last_name, "Le Gall");
    assert_string_equal(g->email, "");
    assert_string_equal(g->phone, "");
    assert_string_equal(g->ticket_id, "");
    assert_string_equal(g->ticket_payload, "");
    assert_int_equal(g->status, REGISTRATION_WAITLIST);
    assert_int_equal(g->seat, SYNC_SEAT_NONE);
    assert_int_equal(g->device_seq, 41);
    assert_int_equal(r.events[1].kind, SYNC_EVENT_CHECKIN);
    assert_string_equal(r.events[1].u.checkin.checkin_id, CHK);
    g = &r.events[2].u.registration;
    assert_string_equal(g->first_name, "\xc3\x89lodie");
    assert_string_equal(g->email, "elodie@example.org");
    assert_string_equal(g->ticket_id, TKT);
    assert_string_equal(g->ticket_payload, PAYLOAD);
    assert_int_equal(g->seat, SYNC_SEAT_SERVER);
    assert_int_equal(r.events[3].kind, SYNC_EVENT_TICKET_CANCELLED);
    assert_int_equal(r.events[3].u.cancel.cancelled_at, 0);
    /* A kind this codec does not know: the envelope only. */
    assert_int_equal(r.events[4].kind, SYNC_EVENT_UNKNOWN);
    assert_string_equal(r.events[4].kind_name, "badge.printed");
    sync_push_request_free(&r);
    free(out);
    free(reg1);
    free(reg2);
}

static void test_push_request_encode_refuses(void **state)
{
    (void)state;
    const char *good = "{\"ticket_id\":\"t\",\"device_id\":\"d\",\"cancelled_at\":1,"
                       "\"device_seq\":1}";
    struct sync_outbox_row row = {EV1, "ticket.cancelled", 1, 1, good};
    char *out = (char *)"stale";
    size_t len = 99;
    assert_int_equal(sync_push_request_encode(DEV, &row, 1, &out, &len), BORNE_OK);
    free(out);

    /* Wrong arguments. */
    assert_int_equal(sync_push_request_encode(DEV, &row, 0, &out, &len), BORNE_ERR_INVALID);
    assert_null(out);
    assert_int_equal(len, 0);
    assert_int_equal(sync_push_request_encode(NULL, &row, 1, &out, &len), BORNE_ERR_INVALID);
    assert_int_equal(sync_push_request_encode("", &row, 1, &out, &len), BORNE_ERR_INVALID);
    assert_int_equal(
        sync_push_request_encode("0123456789012345678901234567890123456789", &row, 1, &out, &len),
        BORNE_ERR_INVALID); /* 40 characters: one too many */
    assert_int_equal(sync_push_request_encode(DEV, NULL, 1, &out, &len), BORNE_ERR_INVALID);
    assert_int_equal(sync_push_request_encode(DEV, &row, 1, NULL, &len), BORNE_ERR_INVALID);

    /* 501 rows: one batch too many. 500 pass. */
    struct sync_outbox_row *many = calloc(SYNC_PUSH_BATCH_MAX + 1, sizeof *many);
    assert_non_null(many);
    for (size_t i = 0; i <= SYNC_PUSH_BATCH_MAX; i++)
        many[i] = row;
    assert_int_equal(sync_push_request_encode(DEV, many, SYNC_PUSH_BATCH_MAX + 1, &out, &len),
                     BORNE_ERR_INVALID);
    assert_int_equal(sync_push_request_encode(DEV, many, SYNC_PUSH_BATCH_MAX, &out, &len),
                     BORNE_OK);
    free(out);
    free(many);

    /* Bad rows: each alone. */
    struct {
        const char *id, *kind, *data;
        int64_t seq;
    } bad[] = {
        {NULL, "ticket.cancelled", good, 1},
        {"", "ticket.cancelled", good, 1},
        {"id\twith a tab", "ticket.cancelled", good, 1},
        {"id-\xc3\xa9", "ticket.cancelled", good, 1},
        {EV1, NULL, good, 1},
        {EV1, "", good, 1},
        {EV1, "a.kind.name.longer.than.the.field", good, 1},
        {EV1, "ticket.cancelled", good, -1},
        {EV1, "ticket.cancelled", good, INT64_C(9007199254740992)},
        {EV1, "ticket.cancelled", NULL, 1},
        {EV1, "ticket.cancelled", "", 1},
        {EV1, "ticket.cancelled", "[]", 1},
        {EV1, "ticket.cancelled", "null", 1},
        {EV1, "ticket.cancelled", "nope", 1},
        {EV1, "ticket.cancelled", "{} {}", 1},
        {EV1, "ticket.cancelled", "{\"ticket_id\":\"t\"", 1},
        {EV1, "other.kind", "{\"x\":\"a\\u0000b\"}", 1},
        {EV1, "other.kind", "{\"x\":\"\xc3\x28\"}", 1},
        {EV1, "other.kind", "[{}]", 1},
        /* A known kind whose data the server would refuse: caught before it leaves. */
        {EV1, "ticket.cancelled", "{\"ticket_id\":\"t\",\"device_id\":\"d\",\"device_seq\":1}", 1},
        {EV1, "ticket.cancelled",
         "{\"ticket_id\":\"t\",\"device_id\":\"d\",\"cancelled_at\":1.5,\"device_seq\":1}", 1},
        {EV1, "checkin.created", good, 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sync_outbox_row b = {bad[i].id, bad[i].kind, bad[i].seq, 1, bad[i].data};
        struct sync_outbox_row two[2] = {row, b};
        out = (char *)"stale";
        len = 99;
        if (sync_push_request_encode(DEV, two, 2, &out, &len) != BORNE_ERR_INVALID)
            fail_msg("bad row %zu accepted", i);
        assert_null(out);
        assert_int_equal(len, 0);
    }
}

/* ---- every member of every example: wrong type, missing ----------------------------------- */

struct walk {
    int target, seen;
    char path[128];
    cJSON *parent, *item;
};

/* The target-th member or array entry of the tree, depth first, with its path as the codec
** names it ("events[0].data.email"). */
static bool walk_find(cJSON *node, const char *path, struct walk *w)
{
    int index = 0;
    for (cJSON *it = node->child; it; it = it->next, index++) {
        char p[128];
        if (cJSON_IsObject(node))
            snprintf(p, sizeof p, "%s%s%s", path, path[0] ? "." : "", it->string);
        else
            snprintf(p, sizeof p, "%s[%d]", path, index);
        if (w->seen++ == w->target) {
            snprintf(w->path, sizeof w->path, "%s", p);
            w->parent = node;
            w->item = it;
            return true;
        }
        if ((cJSON_IsObject(it) || cJSON_IsArray(it)) && walk_find(it, p, w))
            return true;
    }
    return false;
}

/* A value of another type than v's. */
static cJSON *wrong_type(const cJSON *v)
{
    if (cJSON_IsString(v) || cJSON_IsNull(v))
        return cJSON_CreateNumber(7);
    if (cJSON_IsNumber(v))
        return cJSON_CreateString("7");
    if (cJSON_IsBool(v))
        return cJSON_CreateString("true");
    if (cJSON_IsObject(v))
        return cJSON_CreateArray();
    return cJSON_CreateObject();
}

/* The members the document says may be left out: a push result's extras. */
static bool is_optional(enum msg m, const char *name)
{
    /* A registration's seat may be absent (events recorded before a kiosk's upgrade). */
    if (m == M_PUSH_REQUEST && !strcmp(name, "seat"))
        return true;
    return m == M_PUSH_REPLY && (!strcmp(name, "reason") || !strcmp(name, "registration_status") ||
                                 !strcmp(name, "flagged"));
}

static void check_refused_at(enum msg m, cJSON *root, const char *path, const char *what)
{
    char *text = cJSON_PrintUnformatted(root);
    assert_non_null(text);
    char why[256];
    enum borne_err err = decode_str(m, text, why, sizeof why);
    if (err != BORNE_ERR_INVALID)
        fail_msg("%s %s accepted: %s", path, what, text);
    size_t n = strlen(path);
    if (strncmp(why, path, n) != 0 || why[n] != ':')
        fail_msg("%s %s: message \"%s\" names another member", path, what, why);
    free(text);
}

static void test_every_member_wrong_type_or_missing(void **state)
{
    (void)state;
    int total = 0;
    for (int m = 0; m < M_COUNT; m++) {
        for (int k = 0;; k++) {
            cJSON *root = cJSON_Parse(docs[m]);
            assert_non_null(root);
            struct walk w = {.target = k};
            if (!walk_find(root, "", &w)) {
                cJSON_Delete(root);
                break;
            }
            total++;
            cJSON *bad = wrong_type(w.item);
            assert_non_null(bad);
            if (cJSON_IsObject(w.parent))
                assert_true(cJSON_ReplaceItemInObjectCaseSensitive(w.parent, w.item->string, bad));
            else
                assert_true(cJSON_ReplaceItemViaPointer(w.parent, w.item, bad));
            check_refused_at((enum msg)m, root, w.path, "of the wrong type");
            cJSON_Delete(root);

            root = cJSON_Parse(docs[m]);
            w = (struct walk){.target = k};
            assert_true(walk_find(root, "", &w));
            if (cJSON_IsObject(w.parent)) {
                cJSON_Delete(cJSON_DetachItemViaPointer(w.parent, w.item));
                const char *dot = strrchr(w.path, '.');
                if (is_optional((enum msg)m, dot ? dot + 1 : w.path)) {
                    char *text = cJSON_PrintUnformatted(root);
                    accepted((enum msg)m, text);
                    free(text);
                } else {
                    check_refused_at((enum msg)m, root, w.path, "missing");
                }
            }
            cJSON_Delete(root);
        }
    }
    assert_true(total > 100); /* the walk did reach the members */
}

/* Every member of every example given twice, the copy after the original and before it, even
** with the same value: refused, and the message names the member, at every depth the decoders
** read (events[0].data.email, used[0].session_id, allotment.granted...). A decoder that took
** one of the two would act on a value that another reader of the same body (a proxy, a log,
** PostgreSQL's jsonb, which keeps the last) may have read as the other. */
static void test_every_member_given_twice(void **state)
{
    (void)state;
    int total = 0;
    for (int m = 0; m < M_COUNT; m++) {
        for (int k = 0;; k++) {
            for (int before = 0; before < 2; before++) {
                cJSON *root = cJSON_Parse(docs[m]);
                assert_non_null(root);
                struct walk w = {.target = k};
                if (!walk_find(root, "", &w)) {
                    cJSON_Delete(root);
                    goto next_message;
                }
                if (!cJSON_IsObject(w.parent)) { /* an array entry: not a member */
                    cJSON_Delete(root);
                    break;
                }
                cJSON *copy = cJSON_Duplicate(w.item, true);
                assert_non_null(copy);
                assert_true(cJSON_AddItemToObject(w.parent, w.item->string, copy));
                if (before) { /* move it in front of the original */
                    cJSON_DetachItemViaPointer(w.parent, copy);
                    assert_true(cJSON_InsertItemInArray(w.parent, 0, copy));
                }
                total++;
                check_refused_at((enum msg)m, root, w.path, "given twice");
                char *text = cJSON_PrintUnformatted(root);
                char why[256];
                decode_str((enum msg)m, text, why, sizeof why);
                assert_contains(why, ": given twice");
                free(text);
                cJSON_Delete(root);
            }
        }
    next_message:;
    }
    assert_true(total > 200);

    /* The same name spelled with an escape is the same member once decoded. */
    refused_with(M_ENROL_REQUEST,
                 "{\"code\":\"c\",\"device_id\":\"d\",\"public_key\":\"k\",\"label\":\"\","
                 "\"device\\u005fid\":\"e\"}",
                 "device_id: given twice");
    refused_with(M_PULL_REQUEST,
                 "{\"cursor\":\"\",\"limit\":1,\"used\":[{\"session_id\":\"s\",\"used\":1,"
                 "\"\\u0075sed\":2}]}",
                 "used[0].used: given twice");
}

/* ---- bad bodies --------------------------------------------------------------------------- */

static void test_not_an_object(void **state)
{
    (void)state;
    const char *bodies[] = {
        "",   " ",    "not json", "[]", "[{}]",     "\"text\"",      "null",
        "42", "true", "{",        "}",  "{\"a\":}", "{'error':'x'}", "{\"error\" \"x\"}"};
    for (int m = 0; m < M_COUNT; m++)
        for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
            refused_with((enum msg)m, bodies[i], "body: ");
    refused_with(M_ERROR, "[]", "body: expected an object");
    refused_with(M_ERROR, "", "body: empty");
    refused_with(M_ERROR, "nope", "body: not JSON");

    /* NULL body; why may be NULL; a small why is cut and terminated. */
    char why[8];
    struct sync_error e;
    assert_int_equal(sync_error_decode(NULL, 10, &e, why, sizeof why), BORNE_ERR_INVALID);
    assert_int_equal(sync_error_decode("[]", 2, &e, NULL, 0), BORNE_ERR_INVALID);
    memset(why, 'x', sizeof why);
    assert_int_equal(sync_error_decode("[]", 2, &e, why, sizeof why), BORNE_ERR_INVALID);
    assert_int_equal(strlen(why), sizeof why - 1);
    memset(why, 'x', sizeof why);
    assert_int_equal(sync_error_decode("[]", 2, &e, why, 1), BORNE_ERR_INVALID);
    assert_int_equal(why[0], '\0');
    assert_int_equal(why[1], 'x');
    assert_int_equal(sync_error_decode(error_doc, strlen(error_doc), NULL, why, sizeof why),
                     BORNE_ERR_INVALID);
}

static void test_garbage_around_the_value(void **state)
{
    (void)state;
    accepted(M_ERROR, " \t\r\n{\"error\":\"x\",\"message\":\"\"} \t\r\n");
    accepted(M_ERROR,
             "\xef\xbb\xbf{\"error\":\"x\",\"message\":\"\"}"); /* a BOM, as cJSON allows */
    refused_with(M_ERROR, "{\"error\":\"x\",\"message\":\"\"} x",
                 "body: not JSON (something after the value");
    refused_with(M_ERROR, "{\"error\":\"x\",\"message\":\"\"}{}",
                 "body: not JSON (something after the value");
    refused_with(M_ERROR, "{\"error\":\"x\",\"message\":\"\"},",
                 "body: not JSON (something after the value");
    /* A NUL byte anywhere, even after the value: what follows is not seen by a C string. */
    char body[] = "{\"error\":\"x\",\"message\":\"\"}\0{}";
    char why[128];
    assert_int_equal(decode_any(M_ERROR, body, sizeof body - 1, why, sizeof why),
                     BORNE_ERR_INVALID);
    assert_contains(why, "NUL");
    char inside[] = "{\"error\":\"a\0b\"}";
    assert_int_equal(decode_any(M_ERROR, inside, sizeof inside - 1, why, sizeof why),
                     BORNE_ERR_INVALID);
    assert_contains(why, "NUL");
    /* The length is what counts, not a terminator. */
    assert_int_equal(
        decode_any(M_ERROR, "{\"error\":\"x\",\"message\":\"\"}garbage", 26, why, sizeof why),
        BORNE_OK);
}

static void test_every_prefix_refused(void **state)
{
    (void)state;
    for (int m = 0; m < M_COUNT; m++) {
        size_t len = strlen(docs[m]);
        char why[256];
        assert_int_equal(decode_any((enum msg)m, docs[m], len, why, sizeof why), BORNE_OK);
        for (size_t n = 0; n < len; n++) {
            /* An exact-size copy, so that ASan sees a read past the end. */
            char *copy = malloc(n ? n : 1);
            assert_non_null(copy);
            memcpy(copy, docs[m], n);
            if (decode_any((enum msg)m, copy, n, why, sizeof why) != BORNE_ERR_INVALID)
                fail_msg("message %d: prefix of %zu bytes accepted", m, n);
            free(copy);
        }
    }
}

static void test_body_size_limit(void **state)
{
    (void)state;
    size_t cap = SYNC_BODY_MAX + 1;
    char *big = malloc(cap);
    assert_non_null(big);
    memset(big, ' ', cap);
    memcpy(big, error_doc, strlen(error_doc));
    char why[128];
    assert_int_equal(decode_any(M_ERROR, big, SYNC_BODY_MAX, why, sizeof why), BORNE_OK);
    assert_int_equal(decode_any(M_ERROR, big, SYNC_BODY_MAX + 1, why, sizeof why),
                     BORNE_ERR_INVALID);
    assert_contains(why, "body: too large");
    free(big);

    /* An encoder does not write what the peer would refuse: a page of 20 000 sessions with long
    ** descriptions is over 8 MiB. */
    struct session *ses = calloc(SYNC_PULL_CATALOGUE_MAX, sizeof *ses);
    assert_non_null(ses);
    for (size_t i = 0; i < SYNC_PULL_CATALOGUE_MAX; i++) {
        snprintf(ses[i].id, sizeof ses[i].id, "s-%zu", i);
        memset(ses[i].description, '\x01', 400); /* written \u0001: 6 bytes each */
    }
    struct sync_pull_reply r;
    memset(&r, 0, sizeof r);
    strcpy(r.site_id, "rennes");
    r.sessions = ses;
    r.n_sessions = SYNC_PULL_CATALOGUE_MAX;
    char *out = (char *)"stale";
    size_t len = 1;
    assert_int_equal(sync_pull_reply_encode(&r, &out, &len), BORNE_ERR_INVALID);
    assert_null(out);
    assert_int_equal(len, 0);
    free(ses);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    const char *bad[] = {
        "\xc3\x28",         /* a lead byte without its continuation */
        "\xc0\xaf",         /* overlong '/' */
        "\xe0\x80\xaf",     /* overlong, 3 bytes */
        "\xed\xa0\x80",     /* a surrogate */
        "\xf4\x90\x80\x80", /* past U+10FFFF */
        "\xe2\x82",         /* truncated */
        "\x80",             /* a lone continuation */
        "\xff",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char body[256];
        /* In a member read, in a member ignored, in a key: the body is not UTF-8. */
        snprintf(body, sizeof body, "{\"error\":\"x\",\"message\":\"a%sb\"}", bad[i]);
        refused_with(M_ERROR, body, "body: not valid UTF-8");
        snprintf(body, sizeof body, "{\"error\":\"x\",\"other\":\"%s\"}", bad[i]);
        refused_with(M_ERROR, body, "body: not valid UTF-8");
        snprintf(body, sizeof body, "{\"error\":\"x\",\"%s\":1}", bad[i]);
        refused_with(M_ERROR, body, "body: not valid UTF-8");
    }
    /* Escapes are decoded to valid UTF-8; a lone surrogate escape is not JSON. */
    char why[128];
    struct sync_error e;
    const char *pair = "{\"error\":\"x\",\"message\":\"\\ud83d\\ude00 \\u00e9\\u0001\\/\"}";
    assert_int_equal(sync_error_decode(pair, strlen(pair), &e, why, sizeof why), BORNE_OK);
    assert_string_equal(e.message, "\xf0\x9f\x98\x80 \xc3\xa9\x01/");
    refused_with(M_ERROR, "{\"error\":\"x\",\"message\":\"\\ud83d\"}", "body: not JSON");
    refused_with(M_ERROR, "{\"error\":\"x\",\"message\":\"\\ude00x\"}", "body: not JSON");
    const char *lone[] = {"\\ud800",        "\\udfff",        "\\ud800\\ud800",
                          "\\udc00\\ud800", "\\ud800\\u0041", "\\ud800\\n"};
    for (size_t i = 0; i < sizeof lone / sizeof lone[0]; i++) {
        char body[128];
        /* In a member read, in a member ignored, in a key. */
        snprintf(body, sizeof body, "{\"error\":\"x\",\"message\":\"a%s\"}", lone[i]);
        refused_with(M_ERROR, body, "body: not JSON");
        snprintf(body, sizeof body, "{\"error\":\"x\",\"other\":\"%s\"}", lone[i]);
        refused_with(M_ERROR, body, "body: not JSON");
        snprintf(body, sizeof body, "{\"error\":\"x\",\"%s\":1}", lone[i]);
        refused_with(M_ERROR, body, "body: not JSON");
    }
    /* A pair written as two raw 3-byte surrogates (CESU-8) is not UTF-8, nor is an overlong
    ** NUL (C0 80, "modified UTF-8"). */
    refused_with(M_ERROR, "{\"error\":\"x\",\"message\":\"\xed\xa0\xbd\xed\xb8\x80\"}",
                 "body: not valid UTF-8");
    refused_with(M_ERROR, "{\"error\":\"x\",\"message\":\"a\xc0\x80\"}", "body: not valid UTF-8");
}

static void test_escaped_nul(void **state)
{
    (void)state;
    refused_with(M_ERROR, "{\"error\":\"x\",\"message\":\"a\\u0000b\"}", "body: a string holds");
    refused_with(M_ERROR, "{\"error\":\"x\",\"message\":\"\\u0000\"}", "body: a string holds");
    refused_with(M_ERROR, "{\"error\":\"x\",\"message\":\"\\\\\\u0000\"}",
                 "body: a string holds"); /* \\ then \u0000 */
    refused_with(M_ERROR, "{\"error\":\"x\",\"ignored\":\"\\u0000\"}", "body: a string holds");
    refused_with(M_ERROR, "{\"error\":\"x\",\"a\\u0000b\":1}", "body: a string holds");
    /* An escaped backslash followed by the letters u0000 is text, not a NUL. */
    char why[128];
    struct sync_error e;
    const char *text = "{\"error\":\"x\",\"message\":\"a\\\\u0000 \\\\\\\\u0000\"}";
    assert_int_equal(sync_error_decode(text, strlen(text), &e, why, sizeof why), BORNE_OK);
    assert_string_equal(e.message, "a\\u0000 \\\\u0000");
    /* Other control characters are text. */
    text = "{\"error\":\"x\",\"message\":\"\\u0001\\u001f\\t\\n\\r\\b\\f\"}";
    assert_int_equal(sync_error_decode(text, strlen(text), &e, why, sizeof why), BORNE_OK);
    assert_string_equal(e.message, "\x01\x1f\t\n\r\b\f");
}

static void test_numbers(void **state)
{
    (void)state;
    char body[256];
    struct {
        const char *value;
        bool ok;
        int64_t want;
        const char *why;
    } cases[] = {
        {"0", true, 0, NULL},
        {"-0", true, 0, NULL},
        {"1795000000", true, 1795000000, NULL},
        {"1795000000.0", true, 1795000000, NULL}, /* an integral value, whatever its spelling */
        {"1.795e9", true, 1795000000, NULL},
        {"9007199254740991", true, INT64_C(9007199254740991), NULL},
        {"9007199254740992", false, 0, "out of range"},
        {"9007199254740993", false, 0, "out of range"}, /* rounds to 2^53: still refused */
        {"18446744073709551616", false, 0, "out of range"},
        {"1e300", false, 0, "out of range"},
        {"1e400", false, 0, "out of range"}, /* infinity to strtod */
        {"-1e400", false, 0, "out of range"},
        {"1e999999999", false, 0, "out of range"},
        {"9223372036854775807", false, 0, "out of range"}, /* INT64_MAX */
        {"9223372036854775808", false, 0, "out of range"}, /* 2^63: past int64_t */
        {"-9223372036854775809", false, 0, "out of range"},
        {"18446744073709551615", false, 0, "out of range"}, /* UINT64_MAX */
        {"-1", false, 0, "negative"},
        {"-9007199254740992", false, 0, "out of range"},
        {"1.5", false, 0, "a fraction"},
        {"0.000001", false, 0, "a fraction"},
        {"\"1795000000\"", false, 0, "expected an integer"},
        {"true", false, 0, "expected an integer"},
        {"null", false, 0, "expected an integer"},
        {"[1]", false, 0, "expected an integer"},
        {"{}", false, 0, "expected an integer"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(body, sizeof body,
                 "{\"device_id\":\"d\",\"token\":\"t\",\"site_id\":\"s\",\"site_name\":\"\","
                 "\"server_time\":%s}",
                 cases[i].value);
        struct sync_enrol_reply r;
        char why[128];
        enum borne_err err = sync_enrol_reply_decode(body, strlen(body), &r, why, sizeof why);
        if (cases[i].ok) {
            if (err != BORNE_OK)
                fail_msg("%s refused: %s", cases[i].value, why);
            assert_int_equal(r.server_time, cases[i].want);
        } else {
            if (err != BORNE_ERR_INVALID)
                fail_msg("%s accepted", cases[i].value);
            assert_contains(why, "server_time: ");
            assert_contains(why, cases[i].why);
        }
    }

    /* Not numbers to JSON, though strtod() reads them: the parser never hands them over. */
    const char *not_numbers[] = {"NaN", "nan", "Infinity", "-Infinity", "inf",   "0x10", "+1",
                                 "-",   "--1", ".5",       "1e",        "1.5.5", "1e5e5"};
    for (size_t i = 0; i < sizeof not_numbers / sizeof not_numbers[0]; i++) {
        snprintf(body, sizeof body,
                 "{\"device_id\":\"d\",\"token\":\"t\",\"site_id\":\"s\",\"site_name\":\"\","
                 "\"server_time\":%s}",
                 not_numbers[i]);
        refused_with(M_ENROL_REPLY, body, "body: not JSON");
    }

    /* Members with their own ranges. */
    const char *lim = "{\"cursor\":\"\",\"limit\":%s,\"used\":[]}";
    const char *limits[] = {"1", "2000", "0", "2001", "-5"};
    for (size_t i = 0; i < 5; i++) {
        snprintf(body, sizeof body, lim, limits[i]);
        if (i < 2)
            accepted(M_PULL_REQUEST, body);
        else
            refused_with(M_PULL_REQUEST, body, "limit: ");
    }
    refused_with(M_SEAT_REPLY,
                 "{\"granted\":false,\"reason\":\"full\",\"session_id\":\"s\","
                 "\"allotment\":{\"granted\":2,\"returned\":3},\"seats_taken\":1,\"capacity\":1}",
                 "allotment.returned: more than granted");
    refused_with(M_SEAT_REPLY,
                 "{\"granted\":false,\"reason\":\"full\",\"session_id\":\"s\","
                 "\"allotment\":{\"granted\":2,\"returned\":0},\"seats_taken\":-1,\"capacity\":1}",
                 "seats_taken: negative");
}

/* A pull reply around one session or one allotment. */
static void pull_reply_with(char *body, size_t cap, const char *session, const char *allotment)
{
    snprintf(body, cap,
             "{\"server_time\":1,\"cursor\":\"c\",\"more\":false,\"site\":{\"id\":\"r\","
             "\"name\":\"\"},\"rooms\":[],\"sessions\":[%s],\"allotments\":[%s],\"tickets\":[],"
             "\"device_keys\":[]}",
             session, allotment);
}

static void test_pull_reply_ranges(void **state)
{
    (void)state;
    char body[1024], ses[512];
    const char *fmt = "{\"id\":\"s\",\"title\":\"\",\"description\":\"\",\"kind\":%s,"
                      "\"room_id\":\"\",\"organiser\":\"\",\"starts_at\":0,\"ends_at\":0,"
                      "\"capacity\":%s,\"seats_taken\":0,\"reserved_for\":\"\","
                      "\"cancelled\":true}";
    struct {
        const char *kind, *capacity, *why;
    } cases[] = {
        {"0", "0", NULL},
        {"3", "2147483647", NULL},
        {"4", "1", "sessions[0].kind: out of range"},
        {"-1", "1", "sessions[0].kind: negative"},
        {"\"workshop\"", "1", "sessions[0].kind: expected an integer"},
        {"0", "2147483648", "sessions[0].capacity: out of range"},
        {"0", "-1", "sessions[0].capacity: negative"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(ses, sizeof ses, fmt, cases[i].kind, cases[i].capacity);
        pull_reply_with(body, sizeof body, ses, "");
        if (cases[i].why)
            refused_with(M_PULL_REPLY, body, cases[i].why);
        else
            accepted(M_PULL_REPLY, body);
    }
    pull_reply_with(body, sizeof body, "",
                    "{\"session_id\":\"a\",\"granted\":1,\"returned\":1},"
                    "{\"session_id\":\"b\",\"granted\":1,\"returned\":2}");
    refused_with(M_PULL_REPLY, body, "allotments[1].returned: more than granted");
    pull_reply_with(body, sizeof body, "", "3");
    refused_with(M_PULL_REPLY, body, "allotments[0]: expected an object");
}

static void test_words_in_bodies(void **state)
{
    (void)state;
    const char *res = "{\"server_time\":1,\"results\":[{\"id\":\"e\",\"status\":\"%s\"%s}]}";
    char body[256];
    snprintf(body, sizeof body, res, "refused", ",\"reason\":\"unknown_kind\"");
    accepted(M_PUSH_REPLY, body);
    snprintf(body, sizeof body, res, "Applied", "");
    refused_with(M_PUSH_REPLY, body, "results[0].status: expected \"applied\"");
    snprintf(body, sizeof body, res, "applied", ",\"registration_status\":\"gone\"");
    refused_with(M_PUSH_REPLY, body, "results[0].registration_status: expected");
    snprintf(body, sizeof body, res, "applied", ",\"registration_status\":null");
    refused_with(M_PUSH_REPLY, body, "results[0].registration_status: expected a string");
    snprintf(body, sizeof body, res, "applied", ",\"flagged\":1");
    refused_with(M_PUSH_REPLY, body, "results[0].flagged: expected true or false");

    /* A registration's status is confirmed or waitlist, not cancelled; its seat one of four. */
    const char *reg = "{\"device_id\":\"d\",\"events\":[{\"id\":\"e\",\"kind\":"
                      "\"registration.created\",\"seq\":1,\"created_at\":1,\"data\":{"
                      "\"registration_id\":\"r\",\"session_id\":\"s\",\"first_name\":%s,"
                      "\"last_name\":\"b\",\"email\":\"\",\"phone\":\"\",\"short_code\":\"\","
                      "\"status\":\"%s\",\"seat\":\"%s\",\"created_at\":1,\"device_seq\":1,"
                      "\"device_id\":\"d\",\"ticket_id\":null,\"ticket_payload\":null}}]}";
    char big[1024];
    snprintf(big, sizeof big, reg, "\"a\"", "waitlist", "none");
    accepted(M_PUSH_REQUEST, big);
    snprintf(big, sizeof big, reg, "\"a\"", "cancelled", "none");
    refused_with(M_PUSH_REQUEST, big,
                 "events[0].data.status: expected \"confirmed\" or \"waitlist\"");
    snprintf(big, sizeof big, reg, "\"a\"", "confirmed", "escrow");
    refused_with(M_PUSH_REQUEST, big, "events[0].data.seat: expected \"none\"");
    /* Nullable members: email, phone, ticket_id, ticket_payload; not the names. */
    snprintf(big, sizeof big, reg, "null", "confirmed", "local");
    refused_with(M_PUSH_REQUEST, big, "events[0].data.first_name: expected a string");
}

/* Texts at their exact limit pass, one byte more is refused (never cut). */
static void test_text_limits(void **state)
{
    (void)state;
    struct {
        enum msg m;
        const char *fmt; /* %s is the text */
        size_t cap;      /* the field, NUL included */
        bool utf8;       /* fill with two-byte characters (and one 'a' for an odd length) */
        const char *member;
    } cases[] = {
        {M_ERROR, "{\"error\":\"%s\",\"message\":\"\"}", SYNC_REASON_MAX, false, "error"},
        {M_ERROR, "{\"error\":\"x\",\"message\":\"%s\"}", SYNC_MESSAGE_MAX, true, "message"},
        {M_ENROL_REQUEST,
         "{\"code\":\"%s\",\"device_id\":\"d\",\"public_key\":\"k\",\"label\":\"\"}", SYNC_CODE_MAX,
         false, "code"},
        {M_ENROL_REQUEST,
         "{\"code\":\"c\",\"device_id\":\"%s\",\"public_key\":\"k\",\"label\":\"\"}", BORNE_ID_MAX,
         false, "device_id"},
        {M_ENROL_REQUEST,
         "{\"code\":\"c\",\"device_id\":\"d\",\"public_key\":\"%s\",\"label\":\"\"}",
         SYNC_KEY_TEXT_MAX, false, "public_key"},
        {M_ENROL_REQUEST,
         "{\"code\":\"c\",\"device_id\":\"d\",\"public_key\":\"k\",\"label\":\"%s\"}",
         SYNC_LABEL_MAX, true, "label"},
        {M_ENROL_REPLY,
         "{\"device_id\":\"d\",\"token\":\"%s\",\"site_id\":\"s\",\"site_name\":\"\","
         "\"server_time\":0}",
         SYNC_TOKEN_MAX, false, "token"},
        {M_ENROL_REPLY,
         "{\"device_id\":\"d\",\"token\":\"t\",\"site_id\":\"s\",\"site_name\":\"%s\","
         "\"server_time\":0}",
         SYNC_SITE_NAME_MAX, true, "site_name"},
        {M_PULL_REQUEST, "{\"cursor\":\"%s\",\"limit\":1,\"used\":[]}", SYNC_CURSOR_MAX, false,
         "cursor"},
        {M_PUSH_REQUEST,
         "{\"device_id\":\"d\",\"events\":[{\"id\":\"e\",\"kind\":\"%s\",\"seq\":0,"
         "\"created_at\":0,\"data\":{}}]}",
         SYNC_KIND_MAX, false, "events[0].kind"},
        {M_PUSH_REQUEST,
         "{\"device_id\":\"d\",\"events\":[{\"id\":\"e\",\"kind\":\"registration.created\","
         "\"seq\":0,\"created_at\":0,\"data\":{\"registration_id\":\"r\",\"session_id\":\"s\","
         "\"first_name\":\"%s\",\"last_name\":\"\",\"email\":null,\"phone\":null,"
         "\"short_code\":\"\",\"status\":\"confirmed\",\"seat\":\"local\",\"created_at\":0,"
         "\"device_seq\":0,\"device_id\":\"d\",\"ticket_id\":\"\",\"ticket_payload\":\"\"}}]}",
         BORNE_NAME_MAX, true, "events[0].data.first_name"},
        {M_PUSH_REQUEST,
         "{\"device_id\":\"d\",\"events\":[{\"id\":\"e\",\"kind\":\"registration.created\","
         "\"seq\":0,\"created_at\":0,\"data\":{\"registration_id\":\"r\",\"session_id\":\"s\","
         "\"first_name\":\"\",\"last_name\":\"\",\"email\":\"%s\",\"phone\":null,"
         "\"short_code\":\"\",\"status\":\"confirmed\",\"seat\":\"local\",\"created_at\":0,"
         "\"device_seq\":0,\"device_id\":\"d\",\"ticket_id\":\"\",\"ticket_payload\":\"\"}}]}",
         BORNE_EMAIL_MAX, true, "events[0].data.email"},
        {M_PUSH_REQUEST,
         "{\"device_id\":\"d\",\"events\":[{\"id\":\"e\",\"kind\":\"registration.created\","
         "\"seq\":0,\"created_at\":0,\"data\":{\"registration_id\":\"r\",\"session_id\":\"s\","
         "\"first_name\":\"\",\"last_name\":\"\",\"email\":null,\"phone\":null,"
         "\"short_code\":\"\",\"status\":\"confirmed\",\"seat\":\"local\",\"created_at\":0,"
         "\"device_seq\":0,\"device_id\":\"d\",\"ticket_id\":\"\",\"ticket_payload\":\"%s\"}}]}",
         BORNE_PAYLOAD_MAX, false, "events[0].data.ticket_payload"},
    };
    char body[4096], text[2048], why[256];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (size_t len = cases[i].cap - 1; len <= cases[i].cap; len++) {
            size_t n = 0;
            if (cases[i].utf8) {
                if (len % 2)
                    text[n++] = 'a';
                while (n < len) {
                    memcpy(text + n, "\xc3\xa9", 2);
                    n += 2;
                }
            } else {
                memset(text, 'x', len);
                n = len;
            }
            text[n] = '\0';
            snprintf(body, sizeof body, cases[i].fmt, text);
            enum borne_err err = decode_str(cases[i].m, body, why, sizeof why);
            if (len < cases[i].cap && err != BORNE_OK)
                fail_msg("%s of %zu bytes refused: %s", cases[i].member, len, why);
            if (len == cases[i].cap) {
                if (err != BORNE_ERR_INVALID)
                    fail_msg("%s of %zu bytes accepted", cases[i].member, len);
                assert_contains(why, cases[i].member);
                assert_contains(why, "too long");
            }
        }
    }
    /* The exact value, checked once. */
    struct sync_enrol_request r;
    memset(text, 'x', SYNC_CODE_MAX - 1);
    text[SYNC_CODE_MAX - 1] = '\0';
    snprintf(body, sizeof body,
             "{\"code\":\"%s\",\"device_id\":\"d\",\"public_key\":\"k\",\"label\":\"\"}", text);
    assert_int_equal(sync_enrol_request_decode(body, strlen(body), &r, why, sizeof why), BORNE_OK);
    assert_string_equal(r.code, text);
}

static void test_ids_and_empties(void **state)
{
    (void)state;
    const char *fmt = "{\"request_id\":\"%s\",\"session_id\":\"s\"}";
    char body[256];
    struct {
        const char *id;
        const char *why;
    } cases[] = {
        {"e4b1-\\u00e9", "request_id: not printable ASCII"},
        {"a\\tb", "request_id: not printable ASCII"},
        {"a\\u007f", "request_id: not printable ASCII"},
        {"", "request_id: empty"},
        {"with space ~!", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(body, sizeof body, fmt, cases[i].id);
        if (cases[i].why)
            refused_with(M_SEAT_REQUEST, body, cases[i].why);
        else
            accepted(M_SEAT_REQUEST, body);
    }
    /* Empty where allowed: a label, a cursor, a reason; not an error word. */
    accepted(M_ENROL_REQUEST, "{\"code\":\"c\",\"device_id\":\"d\",\"public_key\":\"k\","
                              "\"label\":\"\"}");
    refused_with(M_ERROR, "{\"error\":\"\",\"message\":\"m\"}", "error: empty");
    refused_with(M_ERROR, "{\"error\":null}", "error: expected a string");
}

static void test_duplicated_members(void **state)
{
    (void)state;
    /* A known member given twice is refused: readers disagree on which one counts (cJSON keeps
    ** the first, PostgreSQL's jsonb the last). An unknown one given twice is ignored. */
    refused_with(M_ERROR, "{\"error\":\"a\",\"error\":\"b\"}", "error: given twice");
    refused_with(M_ERROR, "{\"error\":\"a\",\"message\":\"\",\"message\":\"\"}",
                 "message: given twice");
    refused_with(M_SEAT_REPLY,
                 "{\"granted\":true,\"reason\":\"\",\"session_id\":\"s\",\"allotment\":{"
                 "\"granted\":1,\"returned\":0,\"granted\":9},\"seats_taken\":1,\"capacity\":1}",
                 "allotment.granted: given twice");
    accepted(M_ERROR, "{\"error\":\"a\",\"message\":\"\",\"x\":1,\"x\":\"2\"}");
    /* Names are case-sensitive: "Error" is another, unknown, member. */
    refused_with(M_ERROR, "{\"Error\":\"a\"}", "error: missing");
}

/* ---- arrays ------------------------------------------------------------------------------- */

/* A body of n copies of item between head and tail. */
static char *repeat(const char *head, const char *item, size_t n, const char *tail)
{
    size_t cap = strlen(head) + n * (strlen(item) + 1) + strlen(tail) + 1;
    char *s = malloc(cap), *p = s;
    assert_non_null(s);
    p += sprintf(p, "%s", head);
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s%s", i ? "," : "", item);
    sprintf(p, "%s", tail);
    return s;
}

static void test_array_limits(void **state)
{
    (void)state;
    char why[256];
    struct {
        enum msg m;
        const char *head, *item, *tail;
        size_t max, min;
        const char *member;
    } cases[] = {
        {M_PUSH_REQUEST, "{\"device_id\":\"d\",\"events\":[",
         "{\"id\":\"e\",\"kind\":\"k\",\"seq\":1,\"created_at\":1,\"data\":{}}", "]}",
         SYNC_PUSH_BATCH_MAX, 1, "events"},
        {M_PUSH_REPLY, "{\"server_time\":1,\"results\":[", "{\"id\":\"e\",\"status\":\"applied\"}",
         "]}", SYNC_PUSH_BATCH_MAX, 0, "results"},
        {M_PULL_REQUEST, "{\"cursor\":\"\",\"limit\":1,\"used\":[",
         "{\"session_id\":\"s\",\"used\":1}", "]}", SYNC_USED_MAX, 0, "used"},
        {M_PULL_REPLY,
         "{\"server_time\":1,\"cursor\":\"\",\"more\":true,\"site\":{\"id\":\"r\",\"name\":\"\"},"
         "\"rooms\":[],\"sessions\":[],\"allotments\":[],\"device_keys\":[],\"tickets\":[",
         "{\"id\":\"t\",\"registration_id\":\"\",\"session_id\":\"s\",\"device_id\":\"d\","
         "\"payload\":\"\",\"short_code\":\"\",\"first_name\":\"\",\"status\":\"waitlist\","
         "\"issued_at\":0}",
         "]}", SYNC_PULL_LIMIT_MAX, 0, "tickets"},
        {M_PULL_REPLY,
         "{\"server_time\":1,\"cursor\":\"\",\"more\":true,\"site\":{\"id\":\"r\",\"name\":\"\"},"
         "\"sessions\":[],\"allotments\":[],\"tickets\":[],\"device_keys\":[],\"rooms\":[",
         "{\"id\":\"r\",\"name\":\"n\"}", "]}", SYNC_PULL_CATALOGUE_MAX, 0, "rooms"},
        {M_PULL_REPLY,
         "{\"server_time\":1,\"cursor\":\"\",\"more\":true,\"site\":{\"id\":\"r\",\"name\":\"\"},"
         "\"sessions\":[],\"allotments\":[],\"tickets\":[],\"rooms\":[],\"device_keys\":[",
         "{\"device_id\":\"d\",\"public_key\":\"k\",\"revoked_at\":0}", "]}",
         SYNC_PULL_CATALOGUE_MAX, 0, "device_keys"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t counts[] = {cases[i].max, cases[i].max + 1, cases[i].min,
                           cases[i].min ? cases[i].min - 1 : 0};
        for (size_t k = 0; k < 4; k++) {
            char *body = repeat(cases[i].head, cases[i].item, counts[k], cases[i].tail);
            enum borne_err err = decode_str(cases[i].m, body, why, sizeof why);
            bool want_ok = counts[k] >= cases[i].min && counts[k] <= cases[i].max;
            if (want_ok && err != BORNE_OK)
                fail_msg("%s with %zu entries refused: %s", cases[i].member, counts[k], why);
            if (!want_ok) {
                if (err != BORNE_ERR_INVALID)
                    fail_msg("%s with %zu entries accepted", cases[i].member, counts[k]);
                assert_contains(why, cases[i].member);
            }
            free(body);
        }
    }
    /* The 500 events decode, each of a kind this codec does not know. */
    char *body = repeat("{\"device_id\":\"d\",\"events\":[",
                        "{\"id\":\"e\",\"kind\":\"k\",\"seq\":1,\"created_at\":1,\"data\":{}}",
                        SYNC_PUSH_BATCH_MAX, "]}");
    struct sync_push_request r;
    assert_int_equal(sync_push_request_decode(body, strlen(body), &r, why, sizeof why), BORNE_OK);
    assert_int_equal(r.n_events, SYNC_PUSH_BATCH_MAX);
    assert_int_equal(r.events[SYNC_PUSH_BATCH_MAX - 1].kind, SYNC_EVENT_UNKNOWN);
    sync_push_request_free(&r);
    free(body);
    body = repeat("{\"device_id\":\"d\",\"events\":[",
                  "{\"id\":\"e\",\"kind\":\"k\",\"seq\":1,\"created_at\":1,\"data\":{}}",
                  SYNC_PUSH_BATCH_MAX + 1, "]}");
    refused_with(M_PUSH_REQUEST, body, "events: too many entries (at most 500)");
    free(body);
    refused_with(M_PUSH_REQUEST, "{\"device_id\":\"d\",\"events\":[]}", "events: too few");
    /* An unknown kind's data is not read, but it is an object. */
    refused_with(M_PUSH_REQUEST,
                 "{\"device_id\":\"d\",\"events\":[{\"id\":\"e\",\"kind\":\"k\",\"seq\":1,"
                 "\"created_at\":1,\"data\":[]}]}",
                 "events[0].data: expected an object");
    refused_with(M_PUSH_REQUEST, "{\"device_id\":\"d\",\"events\":[1]}",
                 "events[0]: expected an object");
}

static void test_encoders_limits(void **state)
{
    (void)state;
    char *out = NULL;
    size_t len = 0;
    struct sync_pull_request q;
    memset(&q, 0, sizeof q);
    q.limit = 1;
    q.n_used = SYNC_USED_MAX + 1;
    q.used = calloc(q.n_used, sizeof *q.used);
    assert_non_null(q.used);
    for (size_t i = 0; i < q.n_used; i++) {
        strcpy(q.used[i].session_id, "s");
        q.used[i].used = 1;
    }
    assert_int_equal(sync_pull_request_encode(&q, &out, &len), BORNE_ERR_INVALID);
    q.n_used = SYNC_USED_MAX;
    assert_int_equal(sync_pull_request_encode(&q, &out, &len), BORNE_OK);
    free(out);
    free(q.used);
    q.used = NULL;
    q.n_used = 1; /* entries promised, none given */
    assert_int_equal(sync_pull_request_encode(&q, &out, &len), BORNE_ERR_INVALID);
    q.n_used = 0;
    q.limit = 0;
    assert_int_equal(sync_pull_request_encode(&q, &out, &len), BORNE_ERR_INVALID);
    q.limit = SYNC_PULL_LIMIT_MAX + 1;
    assert_int_equal(sync_pull_request_encode(&q, &out, &len), BORNE_ERR_INVALID);

    struct sync_push_result res;
    memset(&res, 0, sizeof res);
    strcpy(res.id, "e");
    struct sync_push_reply p = {.server_time = 1, .results = &res, .n_results = 1};
    res.registration_status = 3;
    assert_int_equal(sync_push_reply_encode(&p, &out, &len), BORNE_ERR_INVALID);
    res.registration_status = -2;
    assert_int_equal(sync_push_reply_encode(&p, &out, &len), BORNE_ERR_INVALID);
    res.registration_status = -1;
    res.status = (enum sync_result_status)3;
    assert_int_equal(sync_push_reply_encode(&p, &out, &len), BORNE_ERR_INVALID);
    res.status = SYNC_APPLIED;
    p.n_results = SYNC_PUSH_BATCH_MAX + 1;
    assert_int_equal(sync_push_reply_encode(&p, &out, &len), BORNE_ERR_INVALID);
    p.n_results = 1;
    p.server_time = -1;
    assert_int_equal(sync_push_reply_encode(&p, &out, &len), BORNE_ERR_INVALID);
    p.server_time = 1;
    assert_int_equal(sync_push_reply_encode(&p, &out, &len), BORNE_OK);
    free(out);
}

/* Every encoder refuses a struct it could not write faithfully. */
static void test_encoders_refuse_bad_structs(void **state)
{
    (void)state;
    char *out = (char *)"stale";
    size_t len = 7;

    struct sync_error e;
    memset(&e, 0, sizeof e);
    strcpy(e.error, "x");
    memset(e.message, 'a', sizeof e.message - 1); /* exactly full: fine */
    assert_int_equal(sync_error_encode(&e, &out, &len), BORNE_OK);
    free(out);
    memset(e.message, 'a', sizeof e.message); /* no terminator */
    assert_int_equal(sync_error_encode(&e, &out, &len), BORNE_ERR_INVALID);
    assert_null(out);
    assert_int_equal(len, 0);
    strcpy(e.message, "caf\xc3");
    assert_int_equal(sync_error_encode(&e, &out, &len), BORNE_ERR_INVALID);
    strcpy(e.message, "ok");
    e.error[0] = '\0';
    assert_int_equal(sync_error_encode(&e, &out, &len), BORNE_ERR_INVALID);
    strcpy(e.error, "bad\nword");
    assert_int_equal(sync_error_encode(&e, &out, &len), BORNE_ERR_INVALID);
    assert_int_equal(sync_error_encode(NULL, &out, &len), BORNE_ERR_INVALID);
    strcpy(e.error, "x");
    assert_int_equal(sync_error_encode(&e, NULL, &len), BORNE_ERR_INVALID);

    struct sync_enrol_reply r;
    memset(&r, 0, sizeof r);
    strcpy(r.device_id, DEV);
    strcpy(r.token, TOKEN);
    strcpy(r.site_id, "rennes");
    r.server_time = INT64_C(9007199254740992);
    assert_int_equal(sync_enrol_reply_encode(&r, &out, &len), BORNE_ERR_INVALID);
    r.server_time = -1;
    assert_int_equal(sync_enrol_reply_encode(&r, &out, &len), BORNE_ERR_INVALID);
    r.server_time = 0;
    strcpy(r.site_name, "\xed\xa0\x80"); /* a surrogate */
    assert_int_equal(sync_enrol_reply_encode(&r, &out, &len), BORNE_ERR_INVALID);

    struct sync_seat_reply s;
    memset(&s, 0, sizeof s);
    strcpy(s.allotment.session_id, "s");
    s.allotment.granted = 1;
    s.allotment.returned = 2;
    assert_int_equal(sync_seat_reply_encode(&s, &out, &len), BORNE_ERR_INVALID);
    s.allotment.returned = 1;
    s.capacity = -1;
    assert_int_equal(sync_seat_reply_encode(&s, &out, &len), BORNE_ERR_INVALID);
    s.capacity = 1;
    s.allotment.session_id[0] = '\0';
    assert_int_equal(sync_seat_reply_encode(&s, &out, &len), BORNE_ERR_INVALID);

    struct session ses;
    memset(&ses, 0, sizeof ses);
    strcpy(ses.id, "s");
    struct sync_ticket t;
    memset(&t, 0, sizeof t);
    strcpy(t.id, "t");
    strcpy(t.session_id, "s");
    strcpy(t.device_id, "d");
    struct sync_pull_reply p;
    memset(&p, 0, sizeof p);
    strcpy(p.site_id, "r");
    p.sessions = &ses, p.n_sessions = 1;
    p.tickets = &t, p.n_tickets = 1;
    assert_int_equal(sync_pull_reply_encode(&p, &out, &len), BORNE_OK);
    free(out);
    ses.kind = (enum session_kind)SESSION_KIND_COUNT;
    assert_int_equal(sync_pull_reply_encode(&p, &out, &len), BORNE_ERR_INVALID);
    ses.kind = SESSION_WORKSHOP;
    ses.capacity = -1;
    assert_int_equal(sync_pull_reply_encode(&p, &out, &len), BORNE_ERR_INVALID);
    ses.capacity = 1;
    t.status = (enum registration_status)3;
    assert_int_equal(sync_pull_reply_encode(&p, &out, &len), BORNE_ERR_INVALID);
    t.status = REGISTRATION_CANCELLED;
    p.n_tickets = SYNC_PULL_LIMIT_MAX + 1;
    assert_int_equal(sync_pull_reply_encode(&p, &out, &len), BORNE_ERR_INVALID);
    p.n_tickets = 1;
    p.site_id[0] = '\0';
    assert_int_equal(sync_pull_reply_encode(&p, &out, &len), BORNE_ERR_INVALID);
    assert_null(out);
    assert_int_equal(len, 0);
}

/* ---- nesting ------------------------------------------------------------------------------ */

static void test_nesting_bombs(void **state)
{
    (void)state;
    enum { DEEP = 10000 };
    char *bomb = malloc(2 * DEEP + 1);
    assert_non_null(bomb);
    memset(bomb, '[', DEEP);
    memset(bomb + DEEP, ']', DEEP);
    bomb[2 * DEEP] = '\0';
    for (int m = 0; m < M_COUNT; m++)
        refused_with((enum msg)m, bomb, "body: not JSON");
    memset(bomb, '{', 1);
    refused_with(M_ERROR, bomb, "body: not JSON");

    /* Deep inside an ignored member, and inside an unknown kind's data (which is not read): the
    ** parser's depth limit (1000) still holds; below it, the body is fine. */
    const char *head = "{\"device_id\":\"d\",\"events\":[{\"id\":\"e\",\"kind\":\"k\",\"seq\":1,"
                       "\"created_at\":1,\"data\":{\"x\":";
    const char *tail = "}}],\"ignored\":1}";
    for (int depth = 500; depth <= DEEP; depth += DEEP - 500) {
        size_t cap = strlen(head) + 2 * (size_t)depth + strlen(tail) + 1;
        char *body = malloc(cap), *p = body;
        assert_non_null(body);
        p += sprintf(p, "%s", head);
        memset(p, '[', (size_t)depth);
        memset(p + depth, ']', (size_t)depth);
        p += 2 * depth;
        sprintf(p, "%s", tail);
        if (depth == 500)
            accepted(M_PUSH_REQUEST, body);
        else
            refused_with(M_PUSH_REQUEST, body, "body: not JSON");
        free(body);
    }
    free(bomb);
}

/* ---- allocation failures ------------------------------------------------------------------ */

static long alloc_budget = -1; /* allocations left before one fails; -1: no limit */

static void *budget_malloc(size_t n)
{
    if (alloc_budget == 0)
        return NULL;
    if (alloc_budget > 0)
        alloc_budget--;
    return malloc(n);
}

/* cJSON's allocations fail in turn, the n-th of each run: every run ends in success, in
** BORNE_ERR_NOMEM, or (a failure inside the parser, which does not say why) in
** BORNE_ERR_INVALID, never in a crash or a leak (ASan checks the leaks). */
static void test_allocation_failures(void **state)
{
    (void)state;
    cJSON_Hooks hooks = {budget_malloc, free};
    cJSON_InitHooks(&hooks);
    for (int m = 0; m < M_COUNT; m++) {
        for (long n = 0;; n++) {
            char why[128];
            alloc_budget = n;
            enum borne_err err = decode_str((enum msg)m, docs[m], why, sizeof why);
            alloc_budget = -1;
            if (err == BORNE_OK)
                break;
            assert_true(err == BORNE_ERR_NOMEM || err == BORNE_ERR_INVALID);
            assert_true(n < 100000);
        }
    }
    /* Encoders: the pull reply and the push request, the largest. */
    struct sync_pull_reply p;
    char why[128];
    alloc_budget = -1;
    assert_int_equal(
        sync_pull_reply_decode(pull_reply_doc, strlen(pull_reply_doc), &p, why, sizeof why),
        BORNE_OK);
    struct sync_outbox_row row = {EV1, "ticket.cancelled", 1, 1,
                                  "{\"ticket_id\":\"t\",\"device_id\":\"d\",\"cancelled_at\":1,"
                                  "\"device_seq\":1}"};
    for (int which = 0; which < 2; which++) {
        for (long n = 0;; n++) {
            char *out = (char *)"stale";
            size_t len = 9;
            alloc_budget = n;
            enum borne_err err = which == 0 ? sync_pull_reply_encode(&p, &out, &len)
                                            : sync_push_request_encode(DEV, &row, 1, &out, &len);
            alloc_budget = -1;
            if (err == BORNE_OK) {
                free(out);
                break;
            }
            /* The push encoder parses each row's data: cJSON's parser fails without saying
            ** why, so an allocation failure there reads as BORNE_ERR_INVALID. */
            assert_true(err == BORNE_ERR_NOMEM || (which == 1 && err == BORNE_ERR_INVALID));
            assert_null(out);
            assert_int_equal(len, 0);
            assert_true(n < 100000);
        }
    }
    sync_pull_reply_free(&p);
    cJSON_InitHooks(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_doc_error_and_enrol),
        cmocka_unit_test(test_doc_push),
        cmocka_unit_test(test_doc_seat_and_pull),
        cmocka_unit_test(test_round_trip_small),
        cmocka_unit_test(test_round_trip_push_reply),
        cmocka_unit_test(test_round_trip_pull),
        cmocka_unit_test(test_push_request_from_outbox),
        cmocka_unit_test(test_push_request_encode_refuses),
        cmocka_unit_test(test_every_member_wrong_type_or_missing),
        cmocka_unit_test(test_every_member_given_twice),
        cmocka_unit_test(test_not_an_object),
        cmocka_unit_test(test_garbage_around_the_value),
        cmocka_unit_test(test_every_prefix_refused),
        cmocka_unit_test(test_body_size_limit),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_escaped_nul),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_pull_reply_ranges),
        cmocka_unit_test(test_words_in_bodies),
        cmocka_unit_test(test_text_limits),
        cmocka_unit_test(test_ids_and_empties),
        cmocka_unit_test(test_duplicated_members),
        cmocka_unit_test(test_array_limits),
        cmocka_unit_test(test_encoders_limits),
        cmocka_unit_test(test_encoders_refuse_bad_structs),
        cmocka_unit_test(test_nesting_bombs),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
