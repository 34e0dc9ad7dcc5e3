/* The JSON layer under every message: body checks, member lookup, field tables read and
** written, and the protocol's words. See protocol_int.h. */
#include "protocol/protocol_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

/* ---- messages ---------------------------------------------------------------------------- */

enum borne_err sp_fail(struct sp_ctx *c, const char *path, const char *member, const char *fmt, ...)
{
    if (!c->why || c->why_cap == 0)
        return BORNE_ERR_INVALID;
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char where[SP_PATH_MAX];
    if (member)
        sp_path(where, sizeof where, path, member, SIZE_MAX);
    else
        snprintf(where, sizeof where, "%s", path[0] ? path : "body");
    snprintf(c->why, c->why_cap, "%s: %s", where, msg);
    return BORNE_ERR_INVALID;
}

enum borne_err sp_nomem(struct sp_ctx *c)
{
    if (c->why && c->why_cap > 0)
        snprintf(c->why, c->why_cap, "out of memory");
    return BORNE_ERR_NOMEM;
}

void sp_ok(struct sp_ctx *c)
{
    if (c->why && c->why_cap > 0)
        c->why[0] = '\0';
}

void sp_path(char *out, size_t cap, const char *path, const char *name, size_t index)
{
    const char *dot = path[0] ? "." : "";
    if (index == SIZE_MAX)
        snprintf(out, cap, "%s%s%s", path, dot, name);
    else
        snprintf(out, cap, "%s%s%s[%zu]", path, dot, name, index);
}

/* ---- texts ------------------------------------------------------------------------------- */

static bool valid_utf8(const char *s, size_t len, size_t *bad_at)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        if (n == 0) {
            *bad_at = i;
            return false;
        }
        i += n;
    }
    return true;
}

static bool printable_ascii(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] < 0x20 || s[i] > 0x7E)
            return false;
    return true;
}

/* Why the string s (len bytes, NUL-free) cannot be field f, or NULL if it can. The length is
** checked by the caller, which words it differently for a decoder and an encoder. */
static const char *string_problem(const struct sp_field *f, const char *s, size_t len)
{
    size_t bad;
    if (len == 0 && !(f->flags & SP_EMPTY))
        return "empty";
    if (f->type == SP_ASCII && !printable_ascii(s, len))
        return "not printable ASCII";
    if (f->type == SP_TEXT && !valid_utf8(s, len, &bad))
        return "not valid UTF-8";
    return NULL;
}

/* ---- the body ---------------------------------------------------------------------------- */

/* Whether a string of the text holds the escape \u0000. Every backslash of a JSON text is in a
** string, and there they come in pairs ("\\" is one backslash) or start an escape: a run of
** backslashes escapes what follows it when the run is odd. A text that is not JSON may fool this
** scan, but then the parser refuses it anyway. */
static bool has_escaped_nul(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        const char *bs = memchr(s + i, '\\', len - i);
        if (!bs)
            return false;
        size_t j = (size_t)(bs - s);
        size_t run = 0;
        while (j < len && s[j] == '\\')
            j++, run++;
        if (run % 2 == 1 && len - j >= 5 && memcmp(s + j, "u0000", 5) == 0)
            return true;
        i = j;
    }
    return false;
}

enum borne_err sp_parse_body(struct sp_ctx *c, const char *body, size_t len, cJSON **root)
{
    *root = NULL;
    if (len > SYNC_BODY_MAX)
        return sp_fail(c, "", NULL, "too large (%zu bytes, at most %u)", len, SYNC_BODY_MAX);
    if (!body || len == 0)
        return sp_fail(c, "", NULL, "empty");
    const char *nul = memchr(body, '\0', len);
    if (nul)
        return sp_fail(c, "", NULL, "holds a NUL byte (at byte %zu)", (size_t)(nul - body));
    size_t bad;
    if (!valid_utf8(body, len, &bad))
        return sp_fail(c, "", NULL, "not valid UTF-8 (at byte %zu)", bad);
    if (has_escaped_nul(body, len))
        return sp_fail(c, "", NULL, "a string holds \\u0000 (NUL)");

    const char *end = NULL;
    cJSON *tree = cJSON_ParseWithLengthOpts(body, len, &end, false);
    if (!tree)
        return sp_fail(c, "", NULL, "not JSON");
    for (size_t at = end ? (size_t)(end - body) : len; at < len; at++) {
        if (!strchr(" \t\r\n", body[at])) {
            cJSON_Delete(tree);
            return sp_fail(c, "", NULL, "not JSON (something after the value, at byte %zu)", at);
        }
    }
    if (!cJSON_IsObject(tree)) {
        cJSON_Delete(tree);
        return sp_fail(c, "", NULL, "expected an object");
    }
    *root = tree;
    return BORNE_OK;
}

/* ---- members ----------------------------------------------------------------------------- */

enum borne_err sp_member(struct sp_ctx *c, const cJSON *obj, const char *path, const char *name,
                         bool optional, const cJSON **out)
{
    const cJSON *found = NULL;
    *out = NULL;
    for (const cJSON *it = obj->child; it; it = it->next) {
        if (it->string && strcmp(it->string, name) == 0) {
            if (found)
                return sp_fail(c, path, name, "given twice");
            found = it;
        }
    }
    if (!found && !optional)
        return sp_fail(c, path, name, "missing");
    *out = found;
    return BORNE_OK;
}

enum borne_err sp_object(struct sp_ctx *c, const cJSON *obj, const char *path, const char *name,
                         const cJSON **out)
{
    enum borne_err err = sp_member(c, obj, path, name, false, out);
    if (err == BORNE_OK && !cJSON_IsObject(*out)) {
        *out = NULL;
        return sp_fail(c, path, name, "expected an object");
    }
    return err;
}

enum borne_err sp_array(struct sp_ctx *c, const cJSON *obj, const char *path, const char *name,
                        size_t min, size_t max, const cJSON **out, size_t *n)
{
    *n = 0;
    enum borne_err err = sp_member(c, obj, path, name, false, out);
    if (err != BORNE_OK)
        return err;
    if (!cJSON_IsArray(*out)) {
        *out = NULL;
        return sp_fail(c, path, name, "expected an array");
    }
    size_t count = 0;
    for (const cJSON *it = (*out)->child; it; it = it->next)
        if (++count > max) {
            *out = NULL;
            return sp_fail(c, path, name, "too many entries (at most %zu)", max);
        }
    if (count < min) {
        *out = NULL;
        return sp_fail(c, path, name, "too few entries (at least %zu)", min);
    }
    *n = count;
    return BORNE_OK;
}

/* ---- reading fields ---------------------------------------------------------------------- */

/* An integer: a JSON number without fraction within [min, max]. */
static enum borne_err read_int(struct sp_ctx *c, const cJSON *v, const char *path,
                               const struct sp_field *f, int64_t *out)
{
    if (!cJSON_IsNumber(v))
        return sp_fail(c, path, f->name, "expected an integer");
    double d = v->valuedouble;
    if (!isfinite(d) || d < -(double)SP_INT_MAX || d > (double)SP_INT_MAX)
        return sp_fail(c, path, f->name, "out of range (at most 2^53 - 1 either way)");
    if (d != floor(d))
        return sp_fail(c, path, f->name, "expected an integer, not a fraction");
    int64_t i = (int64_t)d;
    if (i < f->min || i > f->max) {
        if (f->min == 0 && i < 0)
            return sp_fail(c, path, f->name, "negative");
        return sp_fail(c, path, f->name, "out of range (%lld to %lld)", (long long)f->min,
                       (long long)f->max);
    }
    *out = i;
    return BORNE_OK;
}

static enum borne_err read_string(struct sp_ctx *c, const cJSON *v, const char *path,
                                  const struct sp_field *f, char *dst)
{
    if (cJSON_IsNull(v) && (f->flags & SP_NULL)) {
        dst[0] = '\0';
        return BORNE_OK;
    }
    if (!cJSON_IsString(v) || !v->valuestring)
        return sp_fail(c, path, f->name, "expected a string");
    /* strlen is the decoded length: sp_parse_body refused every way of putting a NUL inside. */
    size_t len = strlen(v->valuestring);
    if (len >= f->size)
        return sp_fail(c, path, f->name, "too long (%zu bytes, at most %zu)", len, f->size - 1);
    const char *problem = string_problem(f, v->valuestring, len);
    if (problem)
        return sp_fail(c, path, f->name, "%s", problem);
    memcpy(dst, v->valuestring, len + 1);
    return BORNE_OK;
}

/* A word of the protocol, turned into its enum value by parse; allowed says which words the
** member takes, for the message. */
static enum borne_err read_word(struct sp_ctx *c, const cJSON *v, const char *path,
                                const struct sp_field *f, int *out)
{
    static const char *const expected[] = {
        [SP_STATUS] = "\"confirmed\" or \"waitlist\"",
        [SP_OPT_STATUS] = "\"confirmed\", \"waitlist\" or \"cancelled\"",
        [SP_SEAT] = "\"none\", \"server\", \"allotment\" or \"local\"",
        [SP_RESULT] = "\"applied\", \"duplicate\" or \"refused\"",
    };
    const char *want = f->type == SP_STATUS && f->max == REGISTRATION_CANCELLED
                           ? expected[SP_OPT_STATUS]
                           : expected[f->type];
    if (!cJSON_IsString(v) || !v->valuestring)
        return sp_fail(c, path, f->name, "expected a string: %s", want);
    const char *w = v->valuestring;
    bool ok = false;
    if (f->type == SP_STATUS || f->type == SP_OPT_STATUS) {
        enum registration_status s = REGISTRATION_CONFIRMED;
        ok = sync_registration_status_parse(w, &s) && (int64_t)s <= f->max;
        *out = (int)s;
    } else if (f->type == SP_SEAT) {
        enum sync_seat s = SYNC_SEAT_NONE;
        ok = sync_seat_parse(w, &s);
        *out = (int)s;
    } else {
        for (int s = SYNC_APPLIED; s <= SYNC_REFUSED; s++)
            if (strcmp(w, sync_result_status_name((enum sync_result_status)s)) == 0) {
                ok = true;
                *out = s;
            }
    }
    if (!ok)
        return sp_fail(c, path, f->name, "expected %s", want);
    return BORNE_OK;
}

static enum borne_err read_field(struct sp_ctx *c, const cJSON *v, const char *path,
                                 const struct sp_field *f, char *p)
{
    if (!v) { /* an absent optional member: zero, as the struct already holds, or -1 */
        if (f->type == SP_OPT_STATUS)
            *(int *)p = -1;
        else if (f->type == SP_SEAT)
            *(enum sync_seat *)p = SYNC_SEAT_LOCAL;
        return BORNE_OK;
    }
    int64_t i;
    int w = 0;
    enum borne_err err;
    switch (f->type) {
    case SP_ASCII:
    case SP_TEXT:
        return read_string(c, v, path, f, p);
    case SP_I64:
        return read_int(c, v, path, f, (int64_t *)p);
    case SP_INT:
        err = read_int(c, v, path, f, &i);
        if (err == BORNE_OK)
            *(int *)p = (int)i; /* the table's limits keep it within int */
        return err;
    case SP_KIND:
        err = read_int(c, v, path, f, &i);
        if (err == BORNE_OK)
            *(enum session_kind *)p = (enum session_kind)i;
        return err;
    case SP_BOOL:
        if (!cJSON_IsBool(v))
            return sp_fail(c, path, f->name, "expected true or false");
        *(bool *)p = cJSON_IsTrue(v);
        return BORNE_OK;
    case SP_STATUS:
    case SP_OPT_STATUS:
    case SP_SEAT:
    case SP_RESULT:
        err = read_word(c, v, path, f, &w);
        if (err != BORNE_OK)
            return err;
        if (f->type == SP_STATUS)
            *(enum registration_status *)p = (enum registration_status)w;
        else if (f->type == SP_OPT_STATUS)
            *(int *)p = w;
        else if (f->type == SP_SEAT)
            *(enum sync_seat *)p = (enum sync_seat)w;
        else
            *(enum sync_result_status *)p = (enum sync_result_status)w;
        return BORNE_OK;
    }
    return sp_fail(c, path, f->name, "unknown field type (a bug)");
}

enum borne_err sp_read_fields(struct sp_ctx *c, const cJSON *obj, const char *path,
                              const struct sp_field *f, size_t n, void *base)
{
    for (size_t i = 0; i < n; i++) {
        const cJSON *v;
        enum borne_err err = sp_member(c, obj, path, f[i].name, f[i].flags & SP_OPTIONAL, &v);
        if (err == BORNE_OK)
            err = read_field(c, v, path, &f[i], (char *)base + f[i].offset);
        if (err != BORNE_OK)
            return err;
    }
    return BORNE_OK;
}

enum borne_err sp_read_array(struct sp_ctx *c, const cJSON *obj, const char *path, const char *name,
                             size_t min, size_t max, const struct sp_field *f, size_t nf,
                             size_t elem_size, void **items, size_t *n)
{
    const cJSON *arr;
    size_t count;
    *items = NULL;
    *n = 0;
    enum borne_err err = sp_array(c, obj, path, name, min, max, &arr, &count);
    if (err != BORNE_OK || count == 0)
        return err;
    char *out = calloc(count, elem_size);
    if (!out)
        return sp_nomem(c);
    size_t i = 0;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        char where[SP_PATH_MAX];
        sp_path(where, sizeof where, path, name, i);
        if (!cJSON_IsObject(it))
            err = sp_fail(c, where, NULL, "expected an object");
        else
            err = sp_read_fields(c, it, where, f, nf, out + i * elem_size);
        if (err != BORNE_OK) {
            free(out);
            return err;
        }
    }
    *items = out;
    *n = count;
    return BORNE_OK;
}

/* ---- writing fields ---------------------------------------------------------------------- */

static enum borne_err added(const void *item)
{
    return item ? BORNE_OK : BORNE_ERR_NOMEM;
}

/* An integer is written as its decimal text, as a raw item: cJSON 1.7.15 prints a double with
** 15 significant digits whenever that reads back within a relative epsilon, which turns
** 9007199254740991 into 9.00719925474099e+15 (a different integer). */
static enum borne_err write_int(cJSON *obj, const struct sp_field *f, int64_t v)
{
    if (v < f->min || v > f->max)
        return BORNE_ERR_INVALID;
    char text[24];
    snprintf(text, sizeof text, "%lld", (long long)v);
    return added(cJSON_AddRawToObject(obj, f->name, text));
}

static enum borne_err write_field(cJSON *obj, const struct sp_field *f, const char *p)
{
    size_t len;
    int v;
    switch (f->type) {
    case SP_ASCII:
    case SP_TEXT:
        len = strnlen(p, f->size);
        if (len == f->size || string_problem(f, p, len))
            return BORNE_ERR_INVALID;
        if (len == 0 && (f->flags & SP_OPTIONAL))
            return BORNE_OK;
        return added(cJSON_AddStringToObject(obj, f->name, p));
    case SP_I64:
        return write_int(obj, f, *(const int64_t *)p);
    case SP_INT:
        return write_int(obj, f, *(const int *)p);
    case SP_KIND:
        return write_int(obj, f, (int64_t) * (const enum session_kind *)p);
    case SP_BOOL:
        if (!*(const bool *)p && (f->flags & SP_OPTIONAL))
            return BORNE_OK;
        return added(cJSON_AddBoolToObject(obj, f->name, *(const bool *)p));
    case SP_STATUS:
        v = (int)*(const enum registration_status *)p;
        if (v < 0 || v > f->max)
            return BORNE_ERR_INVALID;
        return added(cJSON_AddStringToObject(
            obj, f->name, sync_registration_status_name((enum registration_status)v)));
    case SP_OPT_STATUS:
        v = *(const int *)p;
        if (v == -1)
            return BORNE_OK;
        if (v < REGISTRATION_CONFIRMED || v > REGISTRATION_CANCELLED)
            return BORNE_ERR_INVALID;
        return added(cJSON_AddStringToObject(
            obj, f->name, sync_registration_status_name((enum registration_status)v)));
    case SP_SEAT:
        v = (int)*(const enum sync_seat *)p;
        if (v < SYNC_SEAT_NONE || v > SYNC_SEAT_LOCAL)
            return BORNE_ERR_INVALID;
        return added(cJSON_AddStringToObject(obj, f->name, sync_seat_name((enum sync_seat)v)));
    case SP_RESULT:
        v = (int)*(const enum sync_result_status *)p;
        if (v < SYNC_APPLIED || v > SYNC_REFUSED)
            return BORNE_ERR_INVALID;
        return added(cJSON_AddStringToObject(obj, f->name,
                                             sync_result_status_name((enum sync_result_status)v)));
    }
    return BORNE_ERR_INTERNAL;
}

enum borne_err sp_write_fields(cJSON *obj, const struct sp_field *f, size_t n, const void *base)
{
    for (size_t i = 0; i < n; i++) {
        enum borne_err err = write_field(obj, &f[i], (const char *)base + f[i].offset);
        if (err != BORNE_OK)
            return err;
    }
    return BORNE_OK;
}

enum borne_err sp_write_array(cJSON *obj, const char *name, const struct sp_field *f, size_t nf,
                              const void *items, size_t n, size_t elem_size, size_t max)
{
    if (n > max || (n > 0 && !items))
        return BORNE_ERR_INVALID;
    cJSON *arr = cJSON_AddArrayToObject(obj, name);
    if (!arr)
        return BORNE_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        cJSON *item = cJSON_CreateObject();
        if (!item)
            return BORNE_ERR_NOMEM;
        cJSON_AddItemToArray(arr, item); /* owned by arr from here, freed with the tree */
        enum borne_err err = sp_write_fields(item, f, nf, (const char *)items + i * elem_size);
        if (err != BORNE_OK)
            return err;
    }
    return BORNE_OK;
}

enum borne_err sp_start(const void *in, char **out, size_t *len)
{
    if (out)
        *out = NULL;
    if (len)
        *len = 0;
    return in && out ? BORNE_OK : BORNE_ERR_INVALID;
}

enum borne_err sp_decode_begin(struct sp_ctx *c, void *out, size_t size, const char *body,
                               size_t len, cJSON **root)
{
    *root = NULL;
    if (!out)
        return sp_fail(c, "", NULL, "no place for the result (a bug)");
    memset(out, 0, size);
    return sp_parse_body(c, body, len, root);
}

enum borne_err sp_finish(cJSON *root, enum borne_err err, char **out, size_t *len)
{
    if (err != BORNE_OK) {
        cJSON_Delete(root);
        return err;
    }
    /* Printed with cJSON's allocator, which is malloc as long as nobody installs hooks: the
    ** caller frees the text with free() as protocol.h says. */
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!text)
        return BORNE_ERR_NOMEM;
    size_t n = strlen(text);
    if (n > SYNC_BODY_MAX) {
        free(text);
        return BORNE_ERR_INVALID;
    }
    *out = text;
    if (len)
        *len = n;
    return BORNE_OK;
}

/* ---- words ------------------------------------------------------------------------------- */

const char *sync_registration_status_name(enum registration_status s)
{
    switch (s) {
    case REGISTRATION_CONFIRMED:
        return "confirmed";
    case REGISTRATION_WAITLIST:
        return "waitlist";
    case REGISTRATION_CANCELLED:
        return "cancelled";
    }
    return "unknown";
}

bool sync_registration_status_parse(const char *word, enum registration_status *out)
{
    for (int s = REGISTRATION_CONFIRMED; s <= REGISTRATION_CANCELLED; s++)
        if (word && strcmp(word, sync_registration_status_name((enum registration_status)s)) == 0) {
            *out = (enum registration_status)s;
            return true;
        }
    return false;
}

const char *sync_seat_name(enum sync_seat s)
{
    switch (s) {
    case SYNC_SEAT_NONE:
        return "none";
    case SYNC_SEAT_SERVER:
        return "server";
    case SYNC_SEAT_ALLOTMENT:
        return "allotment";
    case SYNC_SEAT_LOCAL:
        return "local";
    }
    return "unknown";
}

bool sync_seat_parse(const char *word, enum sync_seat *out)
{
    for (int s = SYNC_SEAT_NONE; s <= SYNC_SEAT_LOCAL; s++)
        if (word && strcmp(word, sync_seat_name((enum sync_seat)s)) == 0) {
            *out = (enum sync_seat)s;
            return true;
        }
    return false;
}

const char *sync_result_status_name(enum sync_result_status s)
{
    switch (s) {
    case SYNC_APPLIED:
        return "applied";
    case SYNC_DUPLICATE:
        return "duplicate";
    case SYNC_REFUSED:
        return "refused";
    }
    return "unknown";
}
