/* libFuzzer target for the sync protocol's codec: any body a peer sends must get an answer,
** never a crash, and anything a decoder accepts must be something the encoders write again and
** the decoders read back unchanged.
**
** Every input goes to every decoder (the bodies of the messages share most of their structure,
** so a mutation that helps one helps the others). For each decode that succeeds:
**   - the failure contract does not apply, but the result is re-encoded: the encoder must accept
**     it (what a decoder accepts is valid by the encoder's rules);
**   - the text decodes again to exactly the same struct (memcmp, arrays included);
**   - encoding that struct again gives the same bytes (one struct, one text).
** For a decode that fails: the output is zeroed and the message is non-empty ASCII. A push
** request has no struct encoder (the kiosk sends its outbox rows), so its events are turned back
** into rows here, their data written with cJSON as SQLite's json_object() would write it. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "protocol/protocol.h"

static void check(bool ok)
{
    if (!ok)
        abort();
}

static bool all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

/* A failed decode: nothing owned, a message in ASCII (it may travel in a sync_error). */
static void check_failure(enum borne_err err, const void *out, size_t size, const char *why)
{
    check(err == BORNE_ERR_INVALID || err == BORNE_ERR_NOMEM);
    check(all_zero(out, size));
    check(why[0] != '\0');
    for (const char *p = why; *p; p++)
        check(*p >= 0x20 && *p <= 0x7E);
}

/* The re-encoded text decodes; a second encoding of what it gave is the same text. */
static void check_same_text(const char *a, size_t a_len, const char *b, size_t b_len)
{
    check(a_len == b_len && memcmp(a, b, a_len) == 0);
}

/* A flat message: decode, and on success encode, decode, compare, encode, compare. */
#define ROUND_TRIP_FLAT(type, decode, encode)                                                      \
    do {                                                                                           \
        struct type x, y;                                                                          \
        char why[256];                                                                             \
        memset(&x, 0xA5, sizeof x);                                                                \
        enum borne_err err = decode(text, size, &x, why, sizeof why);                              \
        if (err != BORNE_OK) {                                                                     \
            check_failure(err, &x, sizeof x, why);                                                 \
            break;                                                                                 \
        }                                                                                          \
        char *t1, *t2;                                                                             \
        size_t l1, l2;                                                                             \
        check(encode(&x, &t1, &l1) == BORNE_OK);                                                   \
        check(decode(t1, l1, &y, why, sizeof why) == BORNE_OK);                                    \
        check(memcmp(&x, &y, sizeof x) == 0);                                                      \
        check(encode(&y, &t2, &l2) == BORNE_OK);                                                   \
        check_same_text(t1, l1, t2, l2);                                                           \
        free(t1);                                                                                  \
        free(t2);                                                                                  \
    } while (0)

static bool same_items(const void *a, const void *b, size_t n, size_t size)
{
    return n == 0 || memcmp(a, b, n * size) == 0;
}

static void fuzz_push_reply(const char *text, size_t size)
{
    struct sync_push_reply x, y;
    char why[256];
    enum borne_err err = sync_push_reply_decode(text, size, &x, why, sizeof why);
    if (err != BORNE_OK) {
        check_failure(err, &x, sizeof x, why);
        return;
    }
    char *t1, *t2;
    size_t l1, l2;
    check(sync_push_reply_encode(&x, &t1, &l1) == BORNE_OK);
    check(sync_push_reply_decode(t1, l1, &y, why, sizeof why) == BORNE_OK);
    check(x.server_time == y.server_time && x.n_results == y.n_results);
    check(same_items(x.results, y.results, x.n_results, sizeof *x.results));
    check(sync_push_reply_encode(&y, &t2, &l2) == BORNE_OK);
    check_same_text(t1, l1, t2, l2);
    free(t1);
    free(t2);
    sync_push_reply_free(&x);
    sync_push_reply_free(&y);
}

static void fuzz_pull_request(const char *text, size_t size)
{
    struct sync_pull_request x, y;
    char why[256];
    enum borne_err err = sync_pull_request_decode(text, size, &x, why, sizeof why);
    if (err != BORNE_OK) {
        check_failure(err, &x, sizeof x, why);
        return;
    }
    char *t1, *t2;
    size_t l1, l2;
    check(sync_pull_request_encode(&x, &t1, &l1) == BORNE_OK);
    check(sync_pull_request_decode(t1, l1, &y, why, sizeof why) == BORNE_OK);
    check(strcmp(x.cursor, y.cursor) == 0 && x.limit == y.limit && x.n_used == y.n_used);
    check(same_items(x.used, y.used, x.n_used, sizeof *x.used));
    check(sync_pull_request_encode(&y, &t2, &l2) == BORNE_OK);
    check_same_text(t1, l1, t2, l2);
    free(t1);
    free(t2);
    sync_pull_request_free(&x);
    sync_pull_request_free(&y);
}

static bool same_pull_reply(const struct sync_pull_reply *a, const struct sync_pull_reply *b)
{
    return a->server_time == b->server_time && strcmp(a->cursor, b->cursor) == 0 &&
           a->more == b->more && strcmp(a->site_id, b->site_id) == 0 &&
           strcmp(a->site_name, b->site_name) == 0 && a->n_rooms == b->n_rooms &&
           a->n_sessions == b->n_sessions && a->n_allotments == b->n_allotments &&
           a->n_tickets == b->n_tickets && a->n_keys == b->n_keys &&
           same_items(a->rooms, b->rooms, a->n_rooms, sizeof *a->rooms) &&
           same_items(a->sessions, b->sessions, a->n_sessions, sizeof *a->sessions) &&
           same_items(a->allotments, b->allotments, a->n_allotments, sizeof *a->allotments) &&
           same_items(a->tickets, b->tickets, a->n_tickets, sizeof *a->tickets) &&
           same_items(a->keys, b->keys, a->n_keys, sizeof *a->keys);
}

static void fuzz_pull_reply(const char *text, size_t size)
{
    struct sync_pull_reply x, y;
    char why[256];
    enum borne_err err = sync_pull_reply_decode(text, size, &x, why, sizeof why);
    if (err != BORNE_OK) {
        check_failure(err, &x, sizeof x, why);
        return;
    }
    char *t1, *t2;
    size_t l1, l2;
    check(sync_pull_reply_encode(&x, &t1, &l1) == BORNE_OK);
    check(sync_pull_reply_decode(t1, l1, &y, why, sizeof why) == BORNE_OK);
    check(same_pull_reply(&x, &y));
    check(sync_pull_reply_encode(&y, &t2, &l2) == BORNE_OK);
    check_same_text(t1, l1, t2, l2);
    free(t1);
    free(t2);
    sync_pull_reply_free(&x);
    sync_pull_reply_free(&y);
}

/* ---- push requests: events back into outbox rows ------------------------------------------ */

/* Integers as raw text: cJSON's own number printing drops digits past 10^15. */
static void add_int(cJSON *o, const char *name, int64_t v)
{
    char t[24];
    snprintf(t, sizeof t, "%lld", (long long)v);
    check(cJSON_AddRawToObject(o, name, t) != NULL);
}

static void add_str(cJSON *o, const char *name, const char *s)
{
    check(cJSON_AddStringToObject(o, name, s) != NULL);
}

/* As the kiosk's store writes an empty optional value: null. */
static void add_str_or_null(cJSON *o, const char *name, const char *s)
{
    if (s[0])
        add_str(o, name, s);
    else
        check(cJSON_AddNullToObject(o, name) != NULL);
}

static char *event_data_json(const struct sync_event *e)
{
    cJSON *o = cJSON_CreateObject();
    check(o != NULL);
    if (e->kind == SYNC_EVENT_REGISTRATION) {
        const struct sync_registration_data *g = &e->u.registration;
        add_str(o, "registration_id", g->registration_id);
        add_str(o, "session_id", g->session_id);
        add_str(o, "first_name", g->first_name);
        add_str(o, "last_name", g->last_name);
        add_str_or_null(o, "email", g->email);
        add_str_or_null(o, "phone", g->phone);
        add_str(o, "short_code", g->short_code);
        add_str(o, "status", sync_registration_status_name(g->status));
        add_str(o, "seat", sync_seat_name(g->seat));
        add_int(o, "created_at", g->created_at);
        add_int(o, "device_seq", g->device_seq);
        add_str(o, "device_id", g->device_id);
        add_str_or_null(o, "ticket_id", g->ticket_id);
        add_str_or_null(o, "ticket_payload", g->ticket_payload);
    } else if (e->kind == SYNC_EVENT_CHECKIN) {
        const struct sync_checkin_data *k = &e->u.checkin;
        add_str(o, "checkin_id", k->checkin_id);
        add_str(o, "ticket_id", k->ticket_id);
        add_str(o, "session_id", k->session_id);
        add_str(o, "device_id", k->device_id);
        add_int(o, "checked_at", k->checked_at);
        add_int(o, "device_seq", k->device_seq);
    } else if (e->kind == SYNC_EVENT_TICKET_CANCELLED) {
        const struct sync_cancel_data *k = &e->u.cancel;
        add_str(o, "ticket_id", k->ticket_id);
        add_str(o, "device_id", k->device_id);
        add_int(o, "cancelled_at", k->cancelled_at);
        add_int(o, "device_seq", k->device_seq);
    }
    char *s = cJSON_PrintUnformatted(o);
    check(s != NULL);
    cJSON_Delete(o);
    return s;
}

/* Encode a decoded push request again, through outbox rows. */
static void encode_push(const struct sync_push_request *x, char **out, size_t *len)
{
    struct sync_outbox_row *rows = calloc(x->n_events, sizeof *rows);
    check(rows != NULL);
    for (size_t i = 0; i < x->n_events; i++) {
        const struct sync_event *e = &x->events[i];
        rows[i] = (struct sync_outbox_row){e->id, e->kind_name, e->seq, e->created_at,
                                           event_data_json(e)};
    }
    check(sync_push_request_encode(x->device_id, rows, x->n_events, out, len) == BORNE_OK);
    for (size_t i = 0; i < x->n_events; i++)
        free((char *)rows[i].data_json);
    free(rows);
}

static void fuzz_push_request(const char *text, size_t size)
{
    struct sync_push_request x, y;
    char why[256];
    enum borne_err err = sync_push_request_decode(text, size, &x, why, sizeof why);
    if (err != BORNE_OK) {
        check_failure(err, &x, sizeof x, why);
        return;
    }
    char *t1, *t2;
    size_t l1, l2;
    encode_push(&x, &t1, &l1);
    check(sync_push_request_decode(t1, l1, &y, why, sizeof why) == BORNE_OK);
    check(strcmp(x.device_id, y.device_id) == 0 && x.n_events == y.n_events);
    check(same_items(x.events, y.events, x.n_events, sizeof *x.events));
    encode_push(&y, &t2, &l2);
    check_same_text(t1, l1, t2, l2);
    free(t1);
    free(t2);
    sync_push_request_free(&x);
    sync_push_request_free(&y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so that a read one past the input is caught by ASan. Bodies near the
    ** limit are left to the unit tests: re-encoding may rightly grow them past it. */
    if (size > SYNC_BODY_MAX / 8)
        return 0;
    char *text = malloc(size ? size : 1);
    if (!text)
        return 0;
    memcpy(text, data, size);

    ROUND_TRIP_FLAT(sync_error, sync_error_decode, sync_error_encode);
    ROUND_TRIP_FLAT(sync_enrol_request, sync_enrol_request_decode, sync_enrol_request_encode);
    ROUND_TRIP_FLAT(sync_enrol_reply, sync_enrol_reply_decode, sync_enrol_reply_encode);
    ROUND_TRIP_FLAT(sync_seat_request, sync_seat_request_decode, sync_seat_request_encode);
    ROUND_TRIP_FLAT(sync_seat_reply, sync_seat_reply_decode, sync_seat_reply_encode);
    fuzz_push_request(text, size);
    fuzz_push_reply(text, size);
    fuzz_pull_request(text, size);
    fuzz_pull_reply(text, size);

    free(text);
    return 0;
}
