/* The small messages of the sync protocol: errors, enrolment, seat. See protocol.h; the tables
** below are the members of docs/sync-protocol.md, with the rule of each. */
#include "protocol/protocol_int.h"

#include <string.h>

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Decode body with table f into out (size bytes), the frame every flat message shares. */
static enum borne_err decode_flat(const char *body, size_t len, const struct sp_field *f, size_t n,
                                  void *out, size_t size, char *why, size_t why_cap)
{
    struct sp_ctx c = {why, why_cap};
    cJSON *root;
    enum borne_err err = sp_decode_begin(&c, out, size, body, len, &root);
    if (err == BORNE_OK) {
        err = sp_read_fields(&c, root, "", f, n, out);
        cJSON_Delete(root);
    }
    if (err != BORNE_OK && out)
        memset(out, 0, size);
    else if (err == BORNE_OK)
        sp_ok(&c);
    return err;
}

static enum borne_err encode_flat(const void *in, const struct sp_field *f, size_t n, char **out,
                                  size_t *len)
{
    enum borne_err err = sp_start(in, out, len);
    if (err != BORNE_OK)
        return err;
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return BORNE_ERR_NOMEM;
    err = sp_write_fields(root, f, n, in);
    return sp_finish(root, err, out, len);
}

/* ---- errors ------------------------------------------------------------------------------ */

static const struct sp_field error_fields[] = {
    SP_ASCII_F(struct sync_error, error, 0),
    SP_TEXT_F(struct sync_error, message, SP_EMPTY),
};

enum borne_err sync_error_encode(const struct sync_error *e, char **out, size_t *len)
{
    return encode_flat(e, error_fields, N_OF(error_fields), out, len);
}

enum borne_err sync_error_decode(const char *body, size_t len, struct sync_error *out, char *why,
                                 size_t why_cap)
{
    return decode_flat(body, len, error_fields, N_OF(error_fields), out, sizeof *out, why, why_cap);
}

/* ---- enrolment --------------------------------------------------------------------------- */

static const struct sp_field enrol_request_fields[] = {
    SP_ASCII_F(struct sync_enrol_request, code, 0),
    SP_ASCII_F(struct sync_enrol_request, device_id, 0),
    SP_ASCII_F(struct sync_enrol_request, public_key, 0),
    SP_TEXT_F(struct sync_enrol_request, label, SP_EMPTY),
};

static const struct sp_field enrol_reply_fields[] = {
    SP_ASCII_F(struct sync_enrol_reply, device_id, 0),
    SP_ASCII_F(struct sync_enrol_reply, token, 0),
    SP_ASCII_F(struct sync_enrol_reply, site_id, 0),
    SP_TEXT_F(struct sync_enrol_reply, site_name, SP_EMPTY),
    SP_COUNT_F(struct sync_enrol_reply, server_time),
};

enum borne_err sync_enrol_request_encode(const struct sync_enrol_request *r, char **out,
                                         size_t *len)
{
    return encode_flat(r, enrol_request_fields, N_OF(enrol_request_fields), out, len);
}

enum borne_err sync_enrol_request_decode(const char *body, size_t len,
                                         struct sync_enrol_request *out, char *why, size_t why_cap)
{
    return decode_flat(body, len, enrol_request_fields, N_OF(enrol_request_fields), out,
                       sizeof *out, why, why_cap);
}

enum borne_err sync_enrol_reply_encode(const struct sync_enrol_reply *r, char **out, size_t *len)
{
    return encode_flat(r, enrol_reply_fields, N_OF(enrol_reply_fields), out, len);
}

enum borne_err sync_enrol_reply_decode(const char *body, size_t len, struct sync_enrol_reply *out,
                                       char *why, size_t why_cap)
{
    return decode_flat(body, len, enrol_reply_fields, N_OF(enrol_reply_fields), out, sizeof *out,
                       why, why_cap);
}

/* ---- seat -------------------------------------------------------------------------------- */

static const struct sp_field seat_request_fields[] = {
    SP_ASCII_F(struct sync_seat_request, request_id, 0),
    SP_ASCII_F(struct sync_seat_request, session_id, 0),
};

/* The reply is flat but for "allotment", whose session is named at the top ("session_id"). */
static const struct sp_field seat_reply_fields[] = {
    SP_BOOL_F(struct sync_seat_reply, granted, 0),
    SP_ASCII_F(struct sync_seat_reply, reason, SP_EMPTY),
    SP_FIELD_("session_id", SP_ASCII, struct sync_seat_reply, allotment.session_id, 0, 0, 0),
    SP_COUNT_F(struct sync_seat_reply, seats_taken),
    SP_COUNT_F(struct sync_seat_reply, capacity),
};

static const struct sp_field seat_allotment_fields[] = {
    SP_COUNT_F(struct sync_allotment, granted),
    SP_COUNT_F(struct sync_allotment, returned),
};

enum borne_err sync_seat_request_encode(const struct sync_seat_request *r, char **out, size_t *len)
{
    return encode_flat(r, seat_request_fields, N_OF(seat_request_fields), out, len);
}

enum borne_err sync_seat_request_decode(const char *body, size_t len, struct sync_seat_request *out,
                                        char *why, size_t why_cap)
{
    return decode_flat(body, len, seat_request_fields, N_OF(seat_request_fields), out, sizeof *out,
                       why, why_cap);
}

enum borne_err sync_seat_reply_encode(const struct sync_seat_reply *r, char **out, size_t *len)
{
    enum borne_err err = sp_start(r, out, len);
    if (err != BORNE_OK)
        return err;
    if (r->allotment.returned > r->allotment.granted)
        return BORNE_ERR_INVALID;
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return BORNE_ERR_NOMEM;
    err = sp_write_fields(root, seat_reply_fields, N_OF(seat_reply_fields), r);
    if (err == BORNE_OK) {
        cJSON *allotment = cJSON_AddObjectToObject(root, "allotment");
        err = allotment ? sp_write_fields(allotment, seat_allotment_fields,
                                          N_OF(seat_allotment_fields), &r->allotment)
                        : BORNE_ERR_NOMEM;
    }
    return sp_finish(root, err, out, len);
}

enum borne_err sync_seat_reply_decode(const char *body, size_t len, struct sync_seat_reply *out,
                                      char *why, size_t why_cap)
{
    struct sp_ctx c = {why, why_cap};
    cJSON *root;
    enum borne_err err = sp_decode_begin(&c, out, sizeof *out, body, len, &root);
    if (err != BORNE_OK)
        return err;
    const cJSON *allotment;
    err = sp_read_fields(&c, root, "", seat_reply_fields, N_OF(seat_reply_fields), out);
    if (err == BORNE_OK)
        err = sp_object(&c, root, "", "allotment", &allotment);
    if (err == BORNE_OK)
        err = sp_read_fields(&c, allotment, "allotment", seat_allotment_fields,
                             N_OF(seat_allotment_fields), &out->allotment);
    if (err == BORNE_OK && out->allotment.returned > out->allotment.granted)
        err = sp_fail(&c, "allotment", "returned", "more than granted");
    cJSON_Delete(root);
    if (err != BORNE_OK)
        memset(out, 0, sizeof *out);
    else
        sp_ok(&c);
    return err;
}
