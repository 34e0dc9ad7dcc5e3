/* Push: the kiosk's outbox events and the server's answer to each. See protocol.h. */
#include "protocol/protocol_int.h"

#include <stdlib.h>
#include <string.h>

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- events ------------------------------------------------------------------------------ */

/* An event's envelope: what every kind has, known to this codec or not. */
static const struct sp_field event_fields[] = {
    SP_ASCII_F(struct sync_event, id, 0),
    SP_FIELD_("kind", SP_ASCII, struct sync_event, kind_name, 0, 0, 0),
    SP_COUNT_F(struct sync_event, seq),
    SP_COUNT_F(struct sync_event, created_at),
};

/* The kiosk writes "ticket_id" and "ticket_payload" as null when a registration has no ticket
** (SQLite's json_object() of an unbound value, firmware/store/store.c), as it does "email" and
** "phone" when not given: all four read as "". */
static const struct sp_field registration_fields[] = {
    SP_ASCII_F(struct sync_registration_data, registration_id, 0),
    SP_ASCII_F(struct sync_registration_data, session_id, 0),
    SP_TEXT_F(struct sync_registration_data, first_name, SP_EMPTY),
    SP_TEXT_F(struct sync_registration_data, last_name, SP_EMPTY),
    SP_TEXT_F(struct sync_registration_data, email, SP_EMPTY | SP_NULL),
    SP_TEXT_F(struct sync_registration_data, phone, SP_EMPTY | SP_NULL),
    SP_ASCII_F(struct sync_registration_data, short_code, SP_EMPTY),
    SP_FIELD_("status", SP_STATUS, struct sync_registration_data, status, 0, 0,
              REGISTRATION_WAITLIST),
    /* Optional: events recorded before a kiosk's upgrade to sync have none, and were local. */
    SP_FIELD_("seat", SP_SEAT, struct sync_registration_data, seat, SP_OPTIONAL, 0, 0),
    SP_COUNT_F(struct sync_registration_data, created_at),
    SP_COUNT_F(struct sync_registration_data, device_seq),
    SP_ASCII_F(struct sync_registration_data, device_id, 0),
    SP_ASCII_F(struct sync_registration_data, ticket_id, SP_EMPTY | SP_NULL),
    SP_ASCII_F(struct sync_registration_data, ticket_payload, SP_EMPTY | SP_NULL),
};

static const struct sp_field checkin_fields[] = {
    SP_ASCII_F(struct sync_checkin_data, checkin_id, 0),
    SP_ASCII_F(struct sync_checkin_data, ticket_id, 0),
    SP_ASCII_F(struct sync_checkin_data, session_id, 0),
    SP_ASCII_F(struct sync_checkin_data, device_id, 0),
    SP_COUNT_F(struct sync_checkin_data, checked_at),
    SP_COUNT_F(struct sync_checkin_data, device_seq),
};

static const struct sp_field cancel_fields[] = {
    SP_ASCII_F(struct sync_cancel_data, ticket_id, 0),
    SP_ASCII_F(struct sync_cancel_data, device_id, 0),
    SP_COUNT_F(struct sync_cancel_data, cancelled_at),
    SP_COUNT_F(struct sync_cancel_data, device_seq),
};

static const struct {
    const char *name;
    enum sync_event_kind kind;
    const struct sp_field *fields;
    size_t n;
} kinds[] = {
    {"registration.created", SYNC_EVENT_REGISTRATION, registration_fields,
     N_OF(registration_fields)},
    {"checkin.created", SYNC_EVENT_CHECKIN, checkin_fields, N_OF(checkin_fields)},
    {"ticket.cancelled", SYNC_EVENT_TICKET_CANCELLED, cancel_fields, N_OF(cancel_fields)},
};

/* The kind named name; SIZE_MAX for a kind this codec does not know. */
static size_t kind_find(const char *name)
{
    for (size_t i = 0; i < N_OF(kinds); i++)
        if (strcmp(kinds[i].name, name) == 0)
            return i;
    return SIZE_MAX;
}

/* Read the data of a known kind k into ev->u (every member of the union starts at its
** address). path names the data object. */
static enum borne_err read_data(struct sp_ctx *c, const cJSON *data, const char *path, size_t k,
                                struct sync_event *ev)
{
    ev->kind = kinds[k].kind;
    return sp_read_fields(c, data, path, kinds[k].fields, kinds[k].n, &ev->u);
}

static enum borne_err read_event(struct sp_ctx *c, const cJSON *it, const char *path,
                                 struct sync_event *ev)
{
    if (!cJSON_IsObject(it))
        return sp_fail(c, path, NULL, "expected an object");
    enum borne_err err = sp_read_fields(c, it, path, event_fields, N_OF(event_fields), ev);
    const cJSON *data;
    if (err == BORNE_OK)
        err = sp_object(c, it, path, "data", &data);
    if (err != BORNE_OK)
        return err;
    size_t k = kind_find(ev->kind_name);
    if (k == SIZE_MAX) /* answered refused/unknown_kind by the server, not a bad request */
        return BORNE_OK;
    char where[SP_PATH_MAX];
    sp_path(where, sizeof where, path, "data", SIZE_MAX);
    return read_data(c, data, where, k, ev);
}

static const struct sp_field push_request_fields[] = {
    SP_ASCII_F(struct sync_push_request, device_id, 0),
};

enum borne_err sync_push_request_decode(const char *body, size_t len, struct sync_push_request *out,
                                        char *why, size_t why_cap)
{
    struct sp_ctx c = {why, why_cap};
    cJSON *root;
    enum borne_err err = sp_decode_begin(&c, out, sizeof *out, body, len, &root);
    if (err != BORNE_OK)
        return err;
    const cJSON *events;
    size_t n = 0;
    err = sp_read_fields(&c, root, "", push_request_fields, N_OF(push_request_fields), out);
    if (err == BORNE_OK)
        err = sp_array(&c, root, "", "events", 1, SYNC_PUSH_BATCH_MAX, &events, &n);
    if (err == BORNE_OK) {
        out->events = calloc(n, sizeof *out->events);
        if (!out->events)
            err = sp_nomem(&c);
    }
    if (err == BORNE_OK) {
        out->n_events = n;
        size_t i = 0;
        for (const cJSON *it = events->child; it && err == BORNE_OK; it = it->next, i++) {
            char where[SP_PATH_MAX];
            sp_path(where, sizeof where, "", "events", i);
            err = read_event(&c, it, where, &out->events[i]);
        }
    }
    cJSON_Delete(root);
    if (err != BORNE_OK)
        sync_push_request_free(out);
    else
        sp_ok(&c);
    return err;
}

void sync_push_request_free(struct sync_push_request *r)
{
    if (!r)
        return;
    free(r->events);
    memset(r, 0, sizeof *r);
}

/* Copy a borrowed string into a fixed field, refusing one that does not fit: the field tables
** then check it as they check a decoded one. */
static bool copy_in(char *dst, size_t cap, const char *src)
{
    if (!src)
        return false;
    size_t n = strnlen(src, cap);
    if (n == cap)
        return false;
    memcpy(dst, src, n + 1);
    return true;
}

/* One event of a push request: the envelope from the row, and its data parsed (and, for a kind
** this codec knows, checked as the server will check it: a row the server would refuse as a
** bad request must not leave the kiosk, or it would block every push after it). */
static enum borne_err write_event(cJSON *events, const struct sync_outbox_row *row)
{
    struct sync_event *ev = calloc(1, sizeof *ev);
    if (!ev)
        return BORNE_ERR_NOMEM;
    enum borne_err err = BORNE_OK;
    if (!copy_in(ev->id, sizeof ev->id, row->id) ||
        !copy_in(ev->kind_name, sizeof ev->kind_name, row->kind) || !row->data_json)
        err = BORNE_ERR_INVALID;
    ev->seq = row->seq;
    ev->created_at = row->created_at;

    cJSON *data = NULL;
    if (err == BORNE_OK) {
        struct sp_ctx quiet = {NULL, 0};
        size_t data_len = strnlen(row->data_json, (size_t)SYNC_BODY_MAX + 1);
        err = sp_parse_body(&quiet, row->data_json, data_len, &data);
        size_t k = err == BORNE_OK ? kind_find(ev->kind_name) : SIZE_MAX;
        if (k != SIZE_MAX)
            err = read_data(&quiet, data, "data", k, ev);
    }
    cJSON *item = NULL;
    if (err == BORNE_OK) {
        item = cJSON_CreateObject();
        if (item)
            cJSON_AddItemToArray(events, item);
        err = item ? sp_write_fields(item, event_fields, N_OF(event_fields), ev) : BORNE_ERR_NOMEM;
    }
    if (err == BORNE_OK) {
        if (cJSON_AddItemToObject(item, "data", data))
            data = NULL; /* owned by the tree now */
        else
            err = BORNE_ERR_NOMEM;
    }
    cJSON_Delete(data);
    free(ev);
    return err;
}

enum borne_err sync_push_request_encode(const char *device_id, const struct sync_outbox_row *rows,
                                        size_t n, char **out, size_t *len)
{
    enum borne_err err = sp_start(rows, out, len);
    if (err != BORNE_OK)
        return err;
    struct sync_push_request head = {.n_events = n};
    if (n == 0 || n > SYNC_PUSH_BATCH_MAX ||
        !copy_in(head.device_id, sizeof head.device_id, device_id))
        return BORNE_ERR_INVALID;
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return BORNE_ERR_NOMEM;
    err = sp_write_fields(root, push_request_fields, N_OF(push_request_fields), &head);
    cJSON *events = NULL;
    if (err == BORNE_OK) {
        events = cJSON_AddArrayToObject(root, "events");
        if (!events)
            err = BORNE_ERR_NOMEM;
    }
    for (size_t i = 0; i < n && err == BORNE_OK; i++)
        err = write_event(events, &rows[i]);
    return sp_finish(root, err, out, len);
}

/* ---- results ----------------------------------------------------------------------------- */

static const struct sp_field push_reply_fields[] = {
    SP_COUNT_F(struct sync_push_reply, server_time),
};

static const struct sp_field result_fields[] = {
    SP_ASCII_F(struct sync_push_result, id, 0),
    SP_FIELD_("status", SP_RESULT, struct sync_push_result, status, 0, 0, 0),
    SP_ASCII_F(struct sync_push_result, reason, SP_EMPTY | SP_OPTIONAL),
    SP_FIELD_("registration_status", SP_OPT_STATUS, struct sync_push_result, registration_status,
              SP_OPTIONAL, 0, REGISTRATION_CANCELLED),
    SP_BOOL_F(struct sync_push_result, flagged, SP_OPTIONAL),
};

enum borne_err sync_push_reply_encode(const struct sync_push_reply *r, char **out, size_t *len)
{
    enum borne_err err = sp_start(r, out, len);
    if (err != BORNE_OK)
        return err;
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return BORNE_ERR_NOMEM;
    err = sp_write_fields(root, push_reply_fields, N_OF(push_reply_fields), r);
    if (err == BORNE_OK)
        err = sp_write_array(root, "results", result_fields, N_OF(result_fields), r->results,
                             r->n_results, sizeof *r->results, SYNC_PUSH_BATCH_MAX);
    return sp_finish(root, err, out, len);
}

enum borne_err sync_push_reply_decode(const char *body, size_t len, struct sync_push_reply *out,
                                      char *why, size_t why_cap)
{
    struct sp_ctx c = {why, why_cap};
    cJSON *root;
    enum borne_err err = sp_decode_begin(&c, out, sizeof *out, body, len, &root);
    if (err != BORNE_OK)
        return err;
    void *results = NULL;
    err = sp_read_fields(&c, root, "", push_reply_fields, N_OF(push_reply_fields), out);
    if (err == BORNE_OK)
        err = sp_read_array(&c, root, "", "results", 0, SYNC_PUSH_BATCH_MAX, result_fields,
                            N_OF(result_fields), sizeof *out->results, &results, &out->n_results);
    out->results = results;
    cJSON_Delete(root);
    if (err != BORNE_OK)
        sync_push_reply_free(out);
    else
        sp_ok(&c);
    return err;
}

void sync_push_reply_free(struct sync_push_reply *r)
{
    if (!r)
        return;
    free(r->results);
    memset(r, 0, sizeof *r);
}
