/* Pull: the kiosk's cursor and seat counts, and the page of changes the server answers. See
** protocol.h. */
#include "protocol/protocol_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- request ----------------------------------------------------------------------------- */

static const struct sp_field pull_request_fields[] = {
    SP_ASCII_F(struct sync_pull_request, cursor, SP_EMPTY),
    SP_INT_F(struct sync_pull_request, limit, 1, SYNC_PULL_LIMIT_MAX),
};

static const struct sp_field used_fields[] = {
    SP_ASCII_F(struct sync_used, session_id, 0),
    SP_COUNT_F(struct sync_used, used),
};

enum borne_err sync_pull_request_encode(const struct sync_pull_request *r, char **out, size_t *len)
{
    enum borne_err err = sp_start(r, out, len);
    if (err != BORNE_OK)
        return err;
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return BORNE_ERR_NOMEM;
    err = sp_write_fields(root, pull_request_fields, N_OF(pull_request_fields), r);
    if (err == BORNE_OK)
        err = sp_write_array(root, "used", used_fields, N_OF(used_fields), r->used, r->n_used,
                             sizeof *r->used, SYNC_USED_MAX);
    return sp_finish(root, err, out, len);
}

enum borne_err sync_pull_request_decode(const char *body, size_t len, struct sync_pull_request *out,
                                        char *why, size_t why_cap)
{
    struct sp_ctx c = {why, why_cap};
    cJSON *root;
    enum borne_err err = sp_decode_begin(&c, out, sizeof *out, body, len, &root);
    if (err != BORNE_OK)
        return err;
    void *used = NULL;
    err = sp_read_fields(&c, root, "", pull_request_fields, N_OF(pull_request_fields), out);
    if (err == BORNE_OK)
        err = sp_read_array(&c, root, "", "used", 0, SYNC_USED_MAX, used_fields, N_OF(used_fields),
                            sizeof *out->used, &used, &out->n_used);
    out->used = used;
    cJSON_Delete(root);
    if (err != BORNE_OK)
        sync_pull_request_free(out);
    else
        sp_ok(&c);
    return err;
}

void sync_pull_request_free(struct sync_pull_request *r)
{
    if (!r)
        return;
    free(r->used);
    memset(r, 0, sizeof *r);
}

/* ---- reply ------------------------------------------------------------------------------- */

static const struct sp_field pull_reply_fields[] = {
    SP_COUNT_F(struct sync_pull_reply, server_time),
    SP_ASCII_F(struct sync_pull_reply, cursor, SP_EMPTY),
    SP_BOOL_F(struct sync_pull_reply, more, 0),
};

/* "site": {"id", "name"}. */
static const struct sp_field site_fields[] = {
    SP_FIELD_("id", SP_ASCII, struct sync_pull_reply, site_id, 0, 0, 0),
    SP_FIELD_("name", SP_TEXT, struct sync_pull_reply, site_name, SP_EMPTY, 0, 0),
};

static const struct sp_field room_fields[] = {
    SP_ASCII_F(struct room, id, 0),
    SP_TEXT_F(struct room, name, SP_EMPTY),
};

/* room_name is not sent: the kiosk joins it from rooms. */
static const struct sp_field session_fields[] = {
    SP_ASCII_F(struct session, id, 0),
    SP_TEXT_F(struct session, title, SP_EMPTY),
    SP_TEXT_F(struct session, description, SP_EMPTY),
    SP_FIELD_("kind", SP_KIND, struct session, kind, 0, 0, SESSION_KIND_COUNT - 1),
    SP_ASCII_F(struct session, room_id, SP_EMPTY),
    SP_TEXT_F(struct session, organiser, SP_EMPTY),
    SP_COUNT_F(struct session, starts_at),
    SP_COUNT_F(struct session, ends_at),
    SP_INT_F(struct session, capacity, 0, INT_MAX),
    SP_INT_F(struct session, seats_taken, 0, INT_MAX),
    SP_TEXT_F(struct session, reserved_for, SP_EMPTY),
    SP_BOOL_F(struct session, cancelled, 0),
};

static const struct sp_field allotment_fields[] = {
    SP_ASCII_F(struct sync_allotment, session_id, 0),
    SP_COUNT_F(struct sync_allotment, granted),
    SP_COUNT_F(struct sync_allotment, returned),
};

static const struct sp_field ticket_fields[] = {
    SP_ASCII_F(struct sync_ticket, id, 0),
    SP_ASCII_F(struct sync_ticket, registration_id, SP_EMPTY),
    SP_ASCII_F(struct sync_ticket, session_id, 0),
    SP_ASCII_F(struct sync_ticket, device_id, 0),
    SP_ASCII_F(struct sync_ticket, payload, SP_EMPTY),
    SP_ASCII_F(struct sync_ticket, short_code, SP_EMPTY),
    SP_TEXT_F(struct sync_ticket, first_name, SP_EMPTY),
    SP_FIELD_("status", SP_STATUS, struct sync_ticket, status, 0, 0, REGISTRATION_CANCELLED),
    SP_COUNT_F(struct sync_ticket, issued_at),
};

static const struct sp_field key_fields[] = {
    SP_ASCII_F(struct sync_device_key, device_id, 0),
    SP_ASCII_F(struct sync_device_key, public_key, 0),
    SP_COUNT_F(struct sync_device_key, revoked_at),
};

/* The arrays of a reply, in the order of the protocol's example. */
enum { ROOMS, SESSIONS, ALLOTMENTS, TICKETS, KEYS, N_ARRAYS };
static const struct {
    const char *name;
    const struct sp_field *fields;
    size_t nf;
    size_t elem_size;
    size_t max;
} arrays[N_ARRAYS] = {
    [ROOMS] = {"rooms", room_fields, N_OF(room_fields), sizeof(struct room),
               SYNC_PULL_CATALOGUE_MAX},
    [SESSIONS] = {"sessions", session_fields, N_OF(session_fields), sizeof(struct session),
                  SYNC_PULL_CATALOGUE_MAX},
    [ALLOTMENTS] = {"allotments", allotment_fields, N_OF(allotment_fields),
                    sizeof(struct sync_allotment), SYNC_PULL_CATALOGUE_MAX},
    [TICKETS] = {"tickets", ticket_fields, N_OF(ticket_fields), sizeof(struct sync_ticket),
                 SYNC_PULL_LIMIT_MAX},
    [KEYS] = {"device_keys", key_fields, N_OF(key_fields), sizeof(struct sync_device_key),
              SYNC_PULL_CATALOGUE_MAX},
};

static bool allotments_ordered(const struct sync_allotment *al, size_t n, size_t *bad)
{
    for (size_t i = 0; i < n; i++)
        if (al[i].returned > al[i].granted) {
            *bad = i;
            return false;
        }
    return true;
}

enum borne_err sync_pull_reply_encode(const struct sync_pull_reply *r, char **out, size_t *len)
{
    enum borne_err err = sp_start(r, out, len);
    if (err != BORNE_OK)
        return err;
    size_t bad;
    if (!allotments_ordered(r->allotments, r->n_allotments, &bad))
        return BORNE_ERR_INVALID;
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return BORNE_ERR_NOMEM;
    err = sp_write_fields(root, pull_reply_fields, N_OF(pull_reply_fields), r);
    if (err == BORNE_OK) {
        cJSON *site = cJSON_AddObjectToObject(root, "site");
        err = site ? sp_write_fields(site, site_fields, N_OF(site_fields), r) : BORNE_ERR_NOMEM;
    }
    const void *items[N_ARRAYS] = {r->rooms, r->sessions, r->allotments, r->tickets, r->keys};
    size_t counts[N_ARRAYS] = {r->n_rooms, r->n_sessions, r->n_allotments, r->n_tickets, r->n_keys};
    for (size_t a = 0; a < N_ARRAYS && err == BORNE_OK; a++)
        err = sp_write_array(root, arrays[a].name, arrays[a].fields, arrays[a].nf, items[a],
                             counts[a], arrays[a].elem_size, arrays[a].max);
    return sp_finish(root, err, out, len);
}

enum borne_err sync_pull_reply_decode(const char *body, size_t len, struct sync_pull_reply *out,
                                      char *why, size_t why_cap)
{
    struct sp_ctx c = {why, why_cap};
    cJSON *root;
    enum borne_err err = sp_decode_begin(&c, out, sizeof *out, body, len, &root);
    if (err != BORNE_OK)
        return err;
    const cJSON *site;
    err = sp_read_fields(&c, root, "", pull_reply_fields, N_OF(pull_reply_fields), out);
    if (err == BORNE_OK)
        err = sp_object(&c, root, "", "site", &site);
    if (err == BORNE_OK)
        err = sp_read_fields(&c, site, "site", site_fields, N_OF(site_fields), out);
    void *items[N_ARRAYS] = {NULL};
    size_t counts[N_ARRAYS] = {0};
    for (size_t a = 0; a < N_ARRAYS && err == BORNE_OK; a++)
        err = sp_read_array(&c, root, "", arrays[a].name, 0, arrays[a].max, arrays[a].fields,
                            arrays[a].nf, arrays[a].elem_size, &items[a], &counts[a]);
    out->rooms = items[ROOMS], out->n_rooms = counts[ROOMS];
    out->sessions = items[SESSIONS], out->n_sessions = counts[SESSIONS];
    out->allotments = items[ALLOTMENTS], out->n_allotments = counts[ALLOTMENTS];
    out->tickets = items[TICKETS], out->n_tickets = counts[TICKETS];
    out->keys = items[KEYS], out->n_keys = counts[KEYS];
    size_t bad;
    if (err == BORNE_OK && !allotments_ordered(out->allotments, out->n_allotments, &bad)) {
        char where[SP_PATH_MAX];
        sp_path(where, sizeof where, "", "allotments", bad);
        err = sp_fail(&c, where, "returned", "more than granted");
    }
    cJSON_Delete(root);
    if (err != BORNE_OK)
        sync_pull_reply_free(out);
    else
        sp_ok(&c);
    return err;
}

void sync_pull_reply_free(struct sync_pull_reply *r)
{
    if (!r)
        return;
    free(r->rooms);
    free(r->sessions);
    free(r->allotments);
    free(r->tickets);
    free(r->keys);
    memset(r, 0, sizeof *r);
}
