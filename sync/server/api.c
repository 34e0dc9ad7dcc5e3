/* The routes of docs/sync-protocol.md, each one PostgreSQL transaction.
**
** The shape of every route: decode the body with the shared codec (a 400 before the database is
** touched), then one transaction that authenticates the token, decides, writes, and encodes the
** reply before COMMIT, so that an answer that cannot be built leaves nothing stored. An error
** reply rolls back: "nothing stored on any error" holds by construction.
**
** Seats: every decision that reads or changes a session's confirmed and held counters holds
** that session's row lock (SELECT ... FOR UPDATE), taken up front in one order (PostgreSQL's
** ORDER BY id) when a request touches several, so two instances on one database never decide
** on stale counters and rarely deadlock (a deadlock is retried by db_transaction()). The
** counters themselves are recomputed from the rows by seats_recount() (seats.c). */
#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "protocol/protocol.h"
#include "server/request.h"
#include "server/server.h"
#include "ticket/payload.h"

static int allotment_target = API_ALLOTMENT_DEFAULT;

void api_configure(int allotment)
{
    allotment_target = allotment;
}

/* ---- replies ----------------------------------------------------------------------------- */

void api_reply_clear(struct api_reply *r)
{
    free(r->body);
    r->body = NULL;
    r->len = 0;
    r->status = 0;
}

void api_error(struct api_reply *r, unsigned status, const char *error, const char *message)
{
    struct sync_error e;
    memset(&e, 0, sizeof e);
    snprintf(e.error, sizeof e.error, "%s", error);
    snprintf(e.message, sizeof e.message, "%s", message);
    api_reply_clear(r);
    r->status = status;
    if (sync_error_encode(&e, &r->body, &r->len) != BORNE_OK) {
        r->body = NULL;
        r->len = 0;
    }
}

/* A decoder's refusal: bad_json when the body is not JSON at all, else bad_request with the
** codec's message naming the member. */
static void refuse_body(struct api_reply *r, enum borne_err err, const char *body, size_t len,
                        const char *why)
{
    if (err == BORNE_ERR_NOMEM) {
        api_error(r, 500, "internal", "out of memory");
        return;
    }
    cJSON *json = len <= SYNC_BODY_MAX ? cJSON_ParseWithLength(body, len) : NULL;
    if (!json) {
        api_error(r, 400, "bad_json", "the body is not JSON");
        return;
    }
    cJSON_Delete(json);
    api_error(r, 400, "bad_request", why[0] ? why : "malformed request");
}

/* A transaction body's own failure (not a statement's): fails the transaction for good. */
static enum db_step body_fail(struct db_tx *tx, const char *what)
{
    tx->failed = true;
    tx->sqlstate[0] = '\0';
    snprintf(tx->message, sizeof tx->message, "%s", what);
    return DB_ERROR;
}

/* Out of memory inside a transaction body: fails it for good; false, for "return oom(tx)". */
static bool oom(struct db_tx *tx)
{
    body_fail(tx, "out of memory");
    return false;
}

/* Runs a route's transaction and turns a database failure into 503 or 500. */
static void run_tx(struct api_reply *r, db_tx_fn fn, void *arg)
{
    char why[320] = "";
    enum db_outcome o = db_transaction(fn, arg, why, sizeof why);
    if (o == DB_UNAVAILABLE) {
        fprintf(stderr, "borne-server: database unreachable: %s\n", why);
        api_error(r, 503, "unavailable", "the database is unreachable");
    } else if (o == DB_FAILED) {
        fprintf(stderr, "borne-server: database failure: %s\n", why);
        api_error(r, 500, "internal", "the server failed; see its log");
    }
}

/* ---- small conversions ------------------------------------------------------------------- */

static const char *i64(char buf[24], int64_t v)
{
    snprintf(buf, 24, "%" PRId64, v);
    return buf;
}

static int64_t col_i64(const PGresult *res, int row, int col)
{
    return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static bool col_bool(const PGresult *res, int row, int col)
{
    return PQgetvalue(res, row, col)[0] == 't';
}

/* Copies a database text into a fixed field. The catalogue import checks lengths, so a cut
** here means a row written by something else; cut on a UTF-8 boundary and say so. */
static void copy_text(char *dst, size_t cap, const char *src, const char *what)
{
    size_t n = strlen(src);
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
        fprintf(stderr, "borne-server: %s too long in the database, cut to %zu bytes\n", what, n);
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* The hex form of a bytea parameter. */
static void bytea_param(char *out, const uint8_t *bin, size_t n)
{
    out[0] = '\\';
    out[1] = 'x';
    sodium_bin2hex(out + 2, 2 * n + 1, bin, n);
}

static int strcmp_p(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorts and de-duplicates n strings in place; returns the new count. */
static size_t sort_unique(const char **v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, strcmp_p);
    size_t k = 1;
    for (size_t i = 1; i < n; i++)
        if (strcmp(v[i], v[k - 1]) != 0)
            v[k++] = v[i];
    return k;
}

static bool sorted_has(const char *const *v, size_t n, const char *s)
{
    return n > 0 && bsearch(&s, v, n, sizeof *v, strcmp_p) != NULL;
}

/* ---- authentication ---------------------------------------------------------------------- */

/* The device a token belongs to. */
struct device {
    char id[BORNE_ID_MAX];
    char site_id[BORNE_ID_MAX];
    uint8_t public_key[32];
};

/* Finds the token's device in the transaction. DB_COMMIT: found and usable, go on.
** DB_ROLLBACK: r holds 401 bad_token or 403 revoked. DB_ERROR: a statement failed. Notes the
** device as seen, at most once a minute (a write per request would serialise a kiosk's
** requests on its row for nothing). */
static enum db_step authenticate(struct db_tx *tx, const uint8_t hash[32], struct device *dev,
                                 struct api_reply *r)
{
    char hex[2 * 32 + 3];
    bytea_param(hex, hash, 32);
    const char *p[] = {hex};
    PGresult *res = db_query(tx,
                             "SELECT id, site_id, encode(public_key, 'hex'), revoked_at,"
                             " last_seen_at IS NULL OR last_seen_at < now() - interval '1 minute'"
                             " FROM devices WHERE token_hash = $1::bytea",
                             1, p);
    if (!res)
        return DB_ERROR;
    if (PQntuples(res) != 1) {
        PQclear(res);
        api_error(r, 401, "bad_token", "unknown token: enrol this kiosk again");
        return DB_ROLLBACK;
    }
    memset(dev, 0, sizeof *dev);
    copy_text(dev->id, sizeof dev->id, PQgetvalue(res, 0, 0), "device id");
    copy_text(dev->site_id, sizeof dev->site_id, PQgetvalue(res, 0, 1), "site id");
    size_t pk_len = 0;
    sodium_hex2bin(dev->public_key, 32, PQgetvalue(res, 0, 2), 64, NULL, &pk_len, NULL);
    bool revoked = col_i64(res, 0, 3) != 0;
    bool stale = col_bool(res, 0, 4);
    PQclear(res);
    snprintf(r->device_id, sizeof r->device_id, "%s", dev->id);
    if (revoked) {
        api_error(r, 403, "revoked", "this device was revoked");
        return DB_ROLLBACK;
    }
    if (stale) {
        const char *q[] = {dev->id};
        if (!db_run(tx, "UPDATE devices SET last_seen_at = now() WHERE id = $1", 1, q))
            return DB_ERROR;
    }
    return DB_COMMIT;
}

/* A large body is decoded only for a device this server knows: cJSON costs some 30 times a
** body's size in memory, and anyone can send a token that merely looks right. A small body is
** decoded first, which saves a round trip on every ordinary request; the route's own
** transaction authenticates again either way. */
#define API_DECODE_BEFORE_AUTH_MAX (16u * 1024u)

struct auth_call {
    const uint8_t *hash;
    struct device dev;
    struct api_reply *r;
    bool known;
};

static enum db_step auth_tx(struct db_tx *tx, void *arg)
{
    struct auth_call *c = arg;
    enum db_step step = authenticate(tx, c->hash, &c->dev, c->r);
    c->known = step == DB_COMMIT;
    return step;
}

/* Whether the body of len bytes may be decoded: a small one always; a large one once the
** token's device is known and not revoked, else r holds the refusal (401, 403, 503). */
static bool may_decode(const uint8_t hash[32], size_t len, struct api_reply *r)
{
    if (len <= API_DECODE_BEFORE_AUTH_MAX)
        return true;
    struct auth_call c = {.hash = hash, .r = r};
    run_tx(r, auth_tx, &c);
    return c.known;
}

/* ---- health ------------------------------------------------------------------------------ */

static enum db_step health_tx(struct db_tx *tx, void *arg)
{
    (void)arg;
    return db_run(tx, "SELECT 1", 0, NULL) ? DB_ROLLBACK : DB_ERROR;
}

void api_health(struct api_reply *r)
{
    memset(r, 0, sizeof *r);
    run_tx(r, health_tx, NULL);
    if (r->status)
        return;
    cJSON *o = cJSON_CreateObject();
    char *text = NULL;
    if (o && cJSON_AddStringToObject(o, "status", "ok") &&
        cJSON_AddNumberToObject(o, "server_time", (double)time(NULL)))
        text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!text) {
        api_error(r, 500, "internal", "out of memory");
        return;
    }
    r->status = 200;
    r->body = text;
    r->len = strlen(text);
}

/* ---- enrolment --------------------------------------------------------------------------- */

struct enrol_call {
    const struct sync_enrol_request *req;
    char code[SYNC_CODE_MAX];
    uint8_t public_key[32];
    struct api_reply *r;
};

static enum db_step enrol_tx(struct db_tx *tx, void *arg)
{
    struct enrol_call *c = arg;
    api_reply_clear(c->r);

    /* The code row's lock makes a second use wait for the first and then find it spent. */
    const char *p1[] = {c->code};
    PGresult *res = db_query(tx,
                             "SELECT c.site_id, s.name FROM enrol_codes c"
                             " JOIN sites s ON s.id = c.site_id"
                             " WHERE c.code = $1 AND c.used_at IS NULL AND c.expires_at > now()"
                             " FOR UPDATE OF c",
                             1, p1);
    if (!res)
        return DB_ERROR;
    if (PQntuples(res) != 1) {
        PQclear(res);
        api_error(c->r, 409, "code_used",
                  "this enrolment code was already used, has expired or does not exist");
        return DB_ROLLBACK;
    }
    struct sync_enrol_reply reply;
    memset(&reply, 0, sizeof reply);
    copy_text(reply.site_id, sizeof reply.site_id, PQgetvalue(res, 0, 0), "site id");
    copy_text(reply.site_name, sizeof reply.site_name, PQgetvalue(res, 0, 1), "site name");
    PQclear(res);

    uint8_t token[32], hash[32];
    randombytes_buf(token, sizeof token);
    sodium_bin2hex(reply.token, sizeof reply.token, token, sizeof token);
    crypto_generichash(hash, sizeof hash, token, sizeof token, NULL, 0);
    sodium_memzero(token, sizeof token);
    char pk_hex[2 * 32 + 3], hash_hex[2 * 32 + 3];
    bytea_param(pk_hex, c->public_key, 32);
    bytea_param(hash_hex, hash, 32);

    const char *p2[] = {c->req->device_id, reply.site_id, c->req->label, pk_hex, hash_hex};
    res = db_query(tx,
                   "INSERT INTO devices (id, site_id, label, public_key, token_hash)"
                   " VALUES ($1, $2, $3, $4::bytea, $5::bytea)"
                   " ON CONFLICT (id) DO NOTHING RETURNING id",
                   5, p2);
    if (!res) {
        sodium_memzero(reply.token, sizeof reply.token);
        return DB_ERROR;
    }
    int inserted = PQntuples(res);
    PQclear(res);
    if (inserted != 1) {
        sodium_memzero(reply.token, sizeof reply.token);
        api_error(c->r, 409, "device_exists",
                  "a device with this id is already enrolled; revoke it or use another id");
        return DB_ROLLBACK;
    }
    const char *p3[] = {c->code, c->req->device_id};
    if (!db_run(tx, "UPDATE enrol_codes SET used_at = now(), used_by = $2 WHERE code = $1", 2,
                p3)) {
        sodium_memzero(reply.token, sizeof reply.token);
        return DB_ERROR;
    }

    snprintf(reply.device_id, sizeof reply.device_id, "%s", c->req->device_id);
    reply.server_time = (int64_t)time(NULL);
    enum borne_err err = sync_enrol_reply_encode(&reply, &c->r->body, &c->r->len);
    sodium_memzero(reply.token, sizeof reply.token);
    if (err != BORNE_OK)
        return body_fail(tx, "cannot encode the enrolment reply");
    c->r->status = 200;
    snprintf(c->r->device_id, sizeof c->r->device_id, "%s", c->req->device_id);
    return DB_COMMIT;
}

void api_enrol(const char *body, size_t len, struct api_reply *r)
{
    memset(r, 0, sizeof *r);
    struct sync_enrol_request req;
    char why[SYNC_MESSAGE_MAX] = "";
    enum borne_err err = sync_enrol_request_decode(body, len, &req, why, sizeof why);
    if (err != BORNE_OK) {
        refuse_body(r, err, body, len, why);
        return;
    }
    struct enrol_call c = {.req = &req, .r = r};
    if (!req.device_id[0]) {
        api_error(r, 400, "bad_request", "device_id: must not be empty");
        return;
    }
    if (ticket_public_key_parse(req.public_key, c.public_key) != BORNE_OK) {
        api_error(r, 400, "bad_request", "public_key: not a valid Ed25519 public key");
        return;
    }
    if (!enrol_code_normalise(req.code, c.code, sizeof c.code) || !c.code[0]) {
        api_error(r, 409, "code_used",
                  "this enrolment code was already used, has expired or does not exist");
        return;
    }
    run_tx(r, enrol_tx, &c);
}

/* ---- push -------------------------------------------------------------------------------- */

struct push_call {
    const struct sync_push_request *req;
    uint8_t hash[32];
    struct device dev;
    struct sync_push_result *results;
    struct api_reply *r;
    /* The sessions of the device's site this transaction holds locked, sorted (strcmp). */
    char **locked;
    size_t n_locked, cap_locked;
    /* The seat counters of the locked sessions as this batch moves them (seat_cache_get()). */
    struct seat_cache *cache;
    size_t n_cache, cap_cache;
};

/* A locked session's seat counters, read once per batch and moved in memory: updating the
** session row at every event would leave PostgreSQL a chain of row versions to walk that grows
** with the batch. The counters are written back from the rows by seats_recount() when the
** batch ends (push_tx) or before anything else recounts them (apply_cancel). */
struct seat_cache {
    char session_id[BORNE_ID_MAX];
    int64_t capacity, confirmed, held;
    int64_t escrow;     /* this device's allotment: granted - returned - used */
    int64_t used_delta; /* seats spent by this batch, not yet added to allotments.used */
};

static void push_locked_reset(struct push_call *c)
{
    for (size_t i = 0; i < c->n_locked; i++)
        free(c->locked[i]);
    c->n_locked = 0;
    c->n_cache = 0;
}

/* The cached counters of a locked session, read on first use; NULL with *unknown set when the
** session does not exist, NULL alone on a database failure. */
static struct seat_cache *seat_cache_get(struct db_tx *tx, struct push_call *c,
                                         const char *session_id, bool *unknown)
{
    *unknown = false;
    for (size_t i = 0; i < c->n_cache; i++)
        if (strcmp(c->cache[i].session_id, session_id) == 0)
            return &c->cache[i];
    if (c->n_cache == c->cap_cache) {
        size_t cap = c->cap_cache ? 2 * c->cap_cache : 16;
        struct seat_cache *v = realloc(c->cache, cap * sizeof *v);
        if (!v) {
            oom(tx);
            return NULL;
        }
        c->cache = v;
        c->cap_cache = cap;
    }
    const char *p[] = {session_id, c->dev.id};
    PGresult *res = db_query(tx,
                             "SELECT s.capacity, s.confirmed, s.held,"
                             " coalesce(a.granted - a.returned - a.used, 0)"
                             " FROM sessions s LEFT JOIN allotments a"
                             "  ON a.session_id = s.id AND a.device_id = $2"
                             " WHERE s.id = $1",
                             2, p);
    if (!res)
        return NULL;
    if (PQntuples(res) != 1) {
        PQclear(res);
        *unknown = true;
        return NULL;
    }
    struct seat_cache *sc = &c->cache[c->n_cache++];
    memset(sc, 0, sizeof *sc);
    snprintf(sc->session_id, sizeof sc->session_id, "%s", session_id);
    sc->capacity = col_i64(res, 0, 0);
    sc->confirmed = col_i64(res, 0, 1);
    sc->held = col_i64(res, 0, 2);
    sc->escrow = col_i64(res, 0, 3);
    PQclear(res);
    return sc;
}

/* Write a cached session's spent seats to its allotment and forget the cache, so that the
** next event reads counters recounted from the rows. */
static bool seat_cache_flush(struct db_tx *tx, struct push_call *c, const char *session_id)
{
    for (size_t i = 0; i < c->n_cache; i++) {
        struct seat_cache *sc = &c->cache[i];
        if (strcmp(sc->session_id, session_id) != 0)
            continue;
        bool ok = true;
        if (sc->used_delta > 0) {
            char n[24];
            const char *p[] = {session_id, c->dev.id, i64(n, sc->used_delta)};
            ok = db_run(tx,
                        "INSERT INTO allotments (device_id, session_id, used)"
                        " VALUES ($2, $1, $3::bigint) ON CONFLICT (device_id, session_id)"
                        " DO UPDATE SET used = allotments.used + EXCLUDED.used",
                        3, p);
        }
        c->cache[i] = c->cache[--c->n_cache];
        return ok;
    }
    return true;
}

static bool push_locked_add(struct push_call *c, const char *id)
{
    if (c->n_locked == c->cap_locked) {
        size_t cap = c->cap_locked ? 2 * c->cap_locked : 64;
        char **v = realloc(c->locked, cap * sizeof *v);
        if (!v)
            return false;
        c->locked = v;
        c->cap_locked = cap;
    }
    char *copy = strdup(id);
    if (!copy)
        return false;
    size_t i = c->n_locked;
    while (i > 0 && strcmp(c->locked[i - 1], id) > 0) {
        c->locked[i] = c->locked[i - 1];
        i--;
    }
    c->locked[i] = copy;
    c->n_locked++;
    return true;
}

static bool push_is_locked(const struct push_call *c, const char *id)
{
    return sorted_has((const char *const *)c->locked, c->n_locked, id);
}

/* Locks the given sessions of the device's site (ids of other sites, or unknown, are skipped)
** in PostgreSQL's id order, and records which it holds. */
static bool lock_sessions(struct db_tx *tx, struct push_call *c, const char **ids, size_t n)
{
    if (n == 0)
        return true;
    char *array = db_text_array(ids, n);
    if (!array)
        return oom(tx);
    const char *p[] = {array, c->dev.site_id};
    PGresult *res = db_query(tx,
                             "SELECT id FROM sessions WHERE id = ANY($1::text[]) AND site_id = $2"
                             " ORDER BY id FOR UPDATE",
                             2, p);
    free(array);
    if (!res)
        return false;
    bool ok = true;
    for (int i = 0; ok && i < PQntuples(res); i++)
        if (!push_is_locked(c, PQgetvalue(res, i, 0)))
            ok = push_locked_add(c, PQgetvalue(res, i, 0));
    PQclear(res);
    if (!ok)
        body_fail(tx, "out of memory");
    return ok;
}

/* Up-front locks: the sessions of the batch's registrations and of the tickets it cancels,
** then (advisory) the tickets it checks in, so that two check-ins of one ticket pushed at the
** same time by two kiosks are decided one after the other and the second is flagged. */
static bool push_lock_up_front(struct db_tx *tx, struct push_call *c)
{
    const struct sync_push_request *req = c->req;
    const char **sessions = calloc(req->n_events + 1, sizeof *sessions);
    const char **cancels = calloc(req->n_events + 1, sizeof *cancels);
    const char **checkins = calloc(req->n_events + 1, sizeof *checkins);
    size_t ns = 0, nc = 0, nk = 0;
    bool ok = sessions && cancels && checkins;
    for (size_t i = 0; ok && i < req->n_events; i++) {
        const struct sync_event *e = &req->events[i];
        if (e->kind == SYNC_EVENT_REGISTRATION)
            sessions[ns++] = e->u.registration.session_id;
        else if (e->kind == SYNC_EVENT_TICKET_CANCELLED)
            cancels[nc++] = e->u.cancel.ticket_id;
        else if (e->kind == SYNC_EVENT_CHECKIN)
            checkins[nk++] = e->u.checkin.ticket_id;
    }
    if (!ok) {
        body_fail(tx, "out of memory");
        goto done;
    }
    /* The sessions of the tickets to cancel: a ticket's session never changes, so reading it
    ** before the lock is safe. */
    PGresult *res = NULL;
    char **cancel_sessions = NULL;
    int n_cancel_sessions = 0;
    if (nc > 0) {
        char *array = db_text_array(cancels, nc);
        if (!array) {
            ok = oom(tx);
            goto done;
        }
        const char *p[] = {array, c->dev.site_id};
        res = db_query(tx,
                       "SELECT DISTINCT session_id FROM tickets"
                       " WHERE id = ANY($1::text[]) AND site_id = $2",
                       2, p);
        free(array);
        if (!res) {
            ok = false;
            goto done;
        }
        n_cancel_sessions = PQntuples(res);
        cancel_sessions = calloc((size_t)n_cancel_sessions + 1, sizeof *cancel_sessions);
        if (!cancel_sessions) {
            PQclear(res);
            ok = oom(tx);
            goto done;
        }
        for (int i = 0; i < n_cancel_sessions; i++)
            cancel_sessions[i] = PQgetvalue(res, i, 0);
    }
    const char **all = calloc(ns + (size_t)n_cancel_sessions + 1, sizeof *all);
    if (!all) {
        free(cancel_sessions);
        PQclear(res);
        ok = oom(tx);
        goto done;
    }
    memcpy(all, sessions, ns * sizeof *all);
    for (int i = 0; i < n_cancel_sessions; i++)
        all[ns + (size_t)i] = cancel_sessions[i];
    size_t n_all = sort_unique(all, ns + (size_t)n_cancel_sessions);
    ok = lock_sessions(tx, c, all, n_all);
    free(all);
    free(cancel_sessions);
    PQclear(res);
    if (!ok)
        goto done;

    nk = sort_unique(checkins, nk);
    if (nk > 0) {
        char *array = db_text_array(checkins, nk);
        if (!array) {
            ok = oom(tx);
            goto done;
        }
        /* unnest yields the array's order, which is strcmp order for everyone. 1651470958 is
        ** "borne" folded into an int4: the check-ins' advisory lock space. */
        const char *p[] = {array};
        ok = db_run(tx,
                    "SELECT count(pg_advisory_xact_lock(1651470958, hashtext(t)))"
                    " FROM unnest($1::text[]) AS t",
                    1, p);
        free(array);
    }
done:
    free(sessions);
    free(cancels);
    free(checkins);
    return ok && !tx->failed;
}

/* A session not locked up front (a ticket that appeared meanwhile): lock it now. Out of order,
** so a deadlock is possible; PostgreSQL detects it and the transaction is retried. */
static bool push_lock_one(struct db_tx *tx, struct push_call *c, const char *session_id)
{
    if (push_is_locked(c, session_id))
        return true;
    const char *ids[] = {session_id};
    return lock_sessions(tx, c, ids, 1);
}

/* Ticket payload lookup: only the pushing device's own key is acceptable. */
static bool own_key_lookup(void *ctx, const char *device_id, uint8_t public_key[32], bool *revoked)
{
    const struct device *dev = ctx;
    if (strcasecmp(device_id, dev->id) != 0)
        return false;
    memcpy(public_key, dev->public_key, 32);
    *revoked = false;
    return true;
}

/* Outcome of one event: applied, or refused with a reason; -1 when a statement failed. */
static int refuse(struct sync_push_result *res, const char *reason)
{
    res->status = SYNC_REFUSED;
    snprintf(res->reason, sizeof res->reason, "%s", reason);
    return 0;
}

static int apply_registration(struct db_tx *tx, struct push_call *c, const struct sync_event *e,
                              struct sync_push_result *out)
{
    const struct sync_registration_data *d = &e->u.registration;
    if (strcmp(d->device_id, c->dev.id) != 0)
        return refuse(out, "wrong_device");
    if (!push_is_locked(c, d->session_id))
        return refuse(out, "unknown_session");
    /* registrations.short_code is unique: an empty one would collide with the next. */
    if (!d->short_code[0])
        return refuse(out, "invalid");

    /* The ticket must be this device's, for this session, and say so under its signature:
    ** otherwise any enrolled kiosk could publish tickets in another's name. */
    if (d->ticket_id[0]) {
        struct ticket_claim claim;
        enum payload_status ps = ticket_payload_verify(d->ticket_payload, strlen(d->ticket_payload),
                                                       own_key_lookup, &c->dev, &claim);
        if (ps != PAYLOAD_OK || strcasecmp(claim.ticket_id, d->ticket_id) != 0 ||
            strcmp(claim.session_id, d->session_id) != 0)
            return refuse(out, "invalid");
    }

    bool unknown;
    struct seat_cache *sc = seat_cache_get(tx, c, d->session_id, &unknown);
    if (!sc)
        return unknown ? refuse(out, "unknown_session") : -1;
    int64_t capacity = sc->capacity, confirmed = sc->confirmed;
    int64_t held = sc->held, escrow = sc->escrow;

    /* The status: the kiosk's word for a waiting list; a seat spent from the escrow while the
    ** server still holds one for this kiosk; otherwise a free seat if there is one. */
    enum registration_status status = REGISTRATION_WAITLIST;
    bool spends = false;
    if (d->status == REGISTRATION_WAITLIST) {
        status = REGISTRATION_WAITLIST;
    } else if (d->seat == SYNC_SEAT_SERVER || d->seat == SYNC_SEAT_ALLOTMENT) {
        if (escrow > 0 || confirmed + held < capacity) {
            status = REGISTRATION_CONFIRMED;
            spends = true;
        }
    } else if (confirmed + held < capacity) {
        status = REGISTRATION_CONFIRMED;
    }

    char st[24], seat[24], created[24], seq[24];
    const char *p3[] = {d->registration_id,
                        d->session_id,
                        c->dev.id,
                        d->first_name,
                        d->last_name,
                        d->email[0] ? d->email : NULL,
                        d->phone[0] ? d->phone : NULL,
                        d->short_code,
                        i64(st, status),
                        i64(seat, d->seat),
                        i64(created, d->created_at),
                        i64(seq, d->device_seq)};
    /* One round trip: a registration id, short code or ticket id already used refuses the
    ** event (nothing inserted); otherwise the registration and its ticket. A kiosk pushing
    ** the same short code at the same instant makes a unique violation, and the transaction
    ** is tried again (db_transaction), then finds it taken. */
    const char *p4[] = {p3[0],  p3[1],  p3[2],        p3[3],          p3[4],
                        p3[5],  p3[6],  p3[7],        p3[8],          p3[9],
                        p3[10], p3[11], d->ticket_id, c->dev.site_id, d->ticket_payload};
    PGresult *res = db_query(
        tx,
        /* Three EXISTS, not one OR: each is an index probe in any plan PostgreSQL picks. */
        "WITH taken AS (SELECT EXISTS (SELECT 1 FROM registrations WHERE id = $1)"
        "   OR EXISTS (SELECT 1 FROM registrations WHERE short_code = $8)"
        "   OR EXISTS (SELECT 1 FROM tickets WHERE id = $13) AS t),"
        " r AS (INSERT INTO registrations (id, session_id, device_id, first_name, last_name,"
        "   email, phone, short_code, status, seat, created_at, device_seq)"
        "   SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9::smallint, $10::smallint, $11::bigint,"
        "   $12::bigint WHERE NOT (SELECT t FROM taken) RETURNING id),"
        " k AS (INSERT INTO tickets (id, registration_id, session_id, site_id, device_id,"
        "   payload, short_code, first_name, status, issued_at)"
        "   SELECT $13, r.id, $2, $14, $3, $15, $8, $4, $9::smallint, $11::bigint FROM r"
        "   WHERE $13 <> '' RETURNING id)"
        " SELECT (SELECT count(*) FROM r), (SELECT count(*) FROM k)",
        15, p4);
    if (!res)
        return -1;
    bool inserted = col_i64(res, 0, 0) == 1;
    PQclear(res);
    if (!inserted)
        return refuse(out, "invalid");
    /* The counters move in memory; push_tx() writes them back from the rows at the end. */
    if (spends) {
        sc->used_delta++;
        if (sc->escrow > 0) {
            sc->escrow--;
            if (sc->held > 0)
                sc->held--;
        }
    }
    if (status == REGISTRATION_CONFIRMED)
        sc->confirmed++;
    out->status = SYNC_APPLIED;
    out->registration_status = (int)status;
    return 0;
}

static int apply_checkin(struct db_tx *tx, struct push_call *c, const struct sync_event *e,
                         struct sync_push_result *out)
{
    const struct sync_checkin_data *d = &e->u.checkin;
    if (strcmp(d->device_id, c->dev.id) != 0)
        return refuse(out, "wrong_device");
    const char *p1[] = {d->ticket_id, d->checkin_id};
    PGresult *res = db_query(tx,
                             "SELECT EXISTS (SELECT 1 FROM checkins WHERE ticket_id = $1),"
                             " EXISTS (SELECT 1 FROM checkins WHERE id = $2)",
                             2, p1);
    if (!res)
        return -1;
    bool earlier = col_bool(res, 0, 0), taken = col_bool(res, 0, 1);
    PQclear(res);
    if (taken)
        return refuse(out, "invalid");
    char at[24], seq[24];
    const char *p2[] = {d->checkin_id,      d->ticket_id,           d->session_id,
                        c->dev.id,          i64(at, d->checked_at), i64(seq, d->device_seq),
                        earlier ? "t" : "f"};
    if (!db_run(tx,
                "INSERT INTO checkins (id, ticket_id, session_id, device_id, checked_at,"
                " device_seq, flagged) VALUES ($1, $2, $3, $4, $5::bigint, $6::bigint,"
                " $7::boolean)",
                7, p2))
        return -1;
    out->status = SYNC_APPLIED;
    out->flagged = earlier;
    return 0;
}

static int apply_cancel(struct db_tx *tx, struct push_call *c, const struct sync_event *e,
                        struct sync_push_result *out)
{
    const struct sync_cancel_data *d = &e->u.cancel;
    if (strcmp(d->device_id, c->dev.id) != 0)
        return refuse(out, "wrong_device");
    const char *p1[] = {d->ticket_id, c->dev.site_id};
    PGresult *res = db_query(tx,
                             "SELECT session_id, coalesce(registration_id, ''), status"
                             " FROM tickets WHERE id = $1 AND site_id = $2",
                             2, p1);
    if (!res)
        return -1;
    if (PQntuples(res) != 1) {
        /* Unknown here: a kiosk cancels only tickets it holds, which it pushed or pulled. */
        PQclear(res);
        return refuse(out, "invalid");
    }
    char session_id[BORNE_ID_MAX], registration_id[BORNE_ID_MAX];
    copy_text(session_id, sizeof session_id, PQgetvalue(res, 0, 0), "session id");
    copy_text(registration_id, sizeof registration_id, PQgetvalue(res, 0, 1), "registration id");
    int old = (int)col_i64(res, 0, 2);
    PQclear(res);
    out->status = SYNC_APPLIED;
    if (old == REGISTRATION_CANCELLED)
        return 0; /* cancelled already (at another kiosk): the effect is there */
    if (!push_lock_one(tx, c, session_id))
        return -1;
    char at[24];
    const char *p2[] = {d->ticket_id, i64(at, d->cancelled_at)};
    if (!db_run(tx, "UPDATE tickets SET status = 2, cancelled_at = $2::bigint WHERE id = $1", 2,
                p2))
        return -1;
    if (registration_id[0]) {
        const char *p3[] = {registration_id};
        if (!db_run(tx, "UPDATE registrations SET status = 2 WHERE id = $1", 1, p3))
            return -1;
    }
    if (old == REGISTRATION_CONFIRMED) {
        if (!seat_cache_flush(tx, c, session_id) || !seats_settle(tx, session_id, NULL))
            return -1;
    }
    return 0;
}

static enum db_step push_tx(struct db_tx *tx, void *arg)
{
    struct push_call *c = arg;
    const struct sync_push_request *req = c->req;
    api_reply_clear(c->r);
    push_locked_reset(c);
    enum db_step step = authenticate(tx, c->hash, &c->dev, c->r);
    if (step != DB_COMMIT)
        return step;
    if (strcmp(req->device_id, c->dev.id) != 0) {
        api_error(c->r, 403, "wrong_site", "device_id is not the device of this token");
        return DB_ROLLBACK;
    }
    if (!push_lock_up_front(tx, c))
        return DB_ERROR;

    for (size_t i = 0; i < req->n_events; i++) {
        const struct sync_event *e = &req->events[i];
        struct sync_push_result *out = &c->results[i];
        memset(out, 0, sizeof *out);
        snprintf(out->id, sizeof out->id, "%s", e->id);
        out->registration_status = -1;

        char seq[24];
        const char *p1[] = {e->id, c->dev.id, e->kind_name, i64(seq, e->seq)};
        PGresult *res = db_query(tx,
                                 "INSERT INTO events (id, device_id, kind, device_seq, status)"
                                 " VALUES ($1, $2, $3, $4::bigint, 0)"
                                 " ON CONFLICT (id) DO NOTHING RETURNING id",
                                 4, p1);
        if (!res)
            return DB_ERROR;
        bool fresh = PQntuples(res) == 1;
        PQclear(res);
        if (!fresh) {
            out->status = SYNC_DUPLICATE;
            continue;
        }
        int rc;
        switch (e->kind) {
        case SYNC_EVENT_REGISTRATION:
            rc = apply_registration(tx, c, e, out);
            break;
        case SYNC_EVENT_CHECKIN:
            rc = apply_checkin(tx, c, e, out);
            break;
        case SYNC_EVENT_TICKET_CANCELLED:
            rc = apply_cancel(tx, c, e, out);
            break;
        default:
            rc = refuse(out, "unknown_kind");
            break;
        }
        if (rc < 0)
            return DB_ERROR;
        if (out->status == SYNC_REFUSED) {
            /* Kept as refused, so that a resend answers duplicate instead of being weighed
            ** again (the kiosk has already shown staff the refusal). */
            out->registration_status = -1;
            const char *p2[] = {e->id, out->reason};
            if (!db_run(tx, "UPDATE events SET status = 2, reason = $2 WHERE id = $1", 2, p2))
                return DB_ERROR;
        }
    }

    /* The seats spent, and exact counters for every session the batch touched. */
    while (c->n_cache > 0)
        if (!seat_cache_flush(tx, c, c->cache[0].session_id))
            return DB_ERROR;
    for (size_t i = 0; i < c->n_locked; i++)
        if (!seats_recount(tx, c->locked[i]))
            return DB_ERROR;

    struct sync_push_reply reply = {
        .server_time = (int64_t)time(NULL), .results = c->results, .n_results = req->n_events};
    if (sync_push_reply_encode(&reply, &c->r->body, &c->r->len) != BORNE_OK)
        return body_fail(tx, "cannot encode the push reply");
    c->r->status = 200;
    return DB_COMMIT;
}

void api_push(const char *authorization, const char *body, size_t len, struct api_reply *r)
{
    memset(r, 0, sizeof *r);
    struct push_call c = {.r = r};
    if (request_bearer_hash(authorization, c.hash) != BORNE_OK) {
        api_error(r, 401, "bad_token", "no device token, or not one this server issues");
        return;
    }
    if (!may_decode(c.hash, len, r))
        return;
    struct sync_push_request req;
    char why[SYNC_MESSAGE_MAX] = "";
    enum borne_err err = sync_push_request_decode(body, len, &req, why, sizeof why);
    if (err != BORNE_OK) {
        refuse_body(r, err, body, len, why);
        return;
    }
    c.req = &req;
    c.results = calloc(req.n_events ? req.n_events : 1, sizeof *c.results);
    if (!c.results) {
        api_error(r, 500, "internal", "out of memory");
    } else {
        run_tx(r, push_tx, &c);
    }
    push_locked_reset(&c);
    free(c.locked);
    free(c.cache);
    free(c.results);
    sync_push_request_free(&req);
}

/* ---- seat -------------------------------------------------------------------------------- */

struct seat_call {
    const struct sync_seat_request *req;
    uint8_t hash[32];
    struct device dev;
    struct api_reply *r;
};

static enum db_step seat_tx(struct db_tx *tx, void *arg)
{
    struct seat_call *c = arg;
    const struct sync_seat_request *req = c->req;
    api_reply_clear(c->r);
    enum db_step step = authenticate(tx, c->hash, &c->dev, c->r);
    if (step != DB_COMMIT)
        return step;

    struct sync_seat_reply reply;
    memset(&reply, 0, sizeof reply);
    snprintf(reply.allotment.session_id, sizeof reply.allotment.session_id, "%s", req->session_id);

    /* Lock first, then look for an earlier answer: a retry of the same request waits here for
    ** the first one and then finds its answer. */
    const char *p1[] = {req->session_id, c->dev.site_id};
    PGresult *res = db_query(tx,
                             "SELECT capacity, confirmed, held, cancelled,"
                             " ends_at > extract(epoch FROM now())::bigint"
                             " FROM sessions WHERE id = $1 AND site_id = $2 FOR UPDATE",
                             2, p1);
    if (!res)
        return DB_ERROR;
    bool here = PQntuples(res) == 1;
    int64_t capacity = 0, taken = 0;
    bool cancelled = false, open = false;
    if (here) {
        capacity = col_i64(res, 0, 0);
        taken = col_i64(res, 0, 1) + col_i64(res, 0, 2);
        cancelled = col_bool(res, 0, 3);
        open = col_bool(res, 0, 4);
    }
    PQclear(res);

    const char *p2[] = {req->request_id};
    res = db_query(tx,
                   "SELECT device_id, session_id, granted, reason FROM seat_requests"
                   " WHERE id = $1",
                   1, p2);
    if (!res)
        return DB_ERROR;
    bool answered = PQntuples(res) == 1;
    if (answered) {
        bool same = !strcmp(PQgetvalue(res, 0, 0), c->dev.id) &&
                    !strcmp(PQgetvalue(res, 0, 1), req->session_id);
        reply.granted = col_bool(res, 0, 2);
        copy_text(reply.reason, sizeof reply.reason, PQgetvalue(res, 0, 3), "reason");
        PQclear(res);
        if (!same) {
            api_error(c->r, 400, "bad_request", "request_id: already used for another request");
            return DB_ROLLBACK;
        }
    } else {
        PQclear(res);
        bool exists = here;
        if (!here) {
            const char *p3[] = {req->session_id};
            res = db_query(tx, "SELECT 1 FROM sessions WHERE id = $1", 1, p3);
            if (!res)
                return DB_ERROR;
            exists = PQntuples(res) == 1;
            PQclear(res);
        }
        const char *reason = "";
        if (!exists)
            reason = "unknown_session";
        else if (!here)
            reason = "wrong_site";
        else if (cancelled)
            reason = "cancelled";
        else if (!open)
            reason = "closed";
        else if (taken >= capacity)
            reason = "full";
        reply.granted = !reason[0];
        snprintf(reply.reason, sizeof reply.reason, "%s", reason);
        if (reply.granted) {
            const char *p4[] = {c->dev.id, req->session_id};
            if (!db_run(tx,
                        "INSERT INTO allotments (device_id, session_id, granted)"
                        " VALUES ($1, $2, 1) ON CONFLICT (device_id, session_id)"
                        " DO UPDATE SET granted = allotments.granted + 1",
                        2, p4) ||
                !seats_recount(tx, req->session_id))
                return DB_ERROR;
        }
        const char *p5[] = {req->request_id, c->dev.id, req->session_id, reply.granted ? "t" : "f",
                            reason};
        res = db_query(tx,
                       "INSERT INTO seat_requests (id, device_id, session_id, granted, reason)"
                       " VALUES ($1, $2, $3, $4::boolean, $5)"
                       " ON CONFLICT (id) DO NOTHING RETURNING id",
                       5, p5);
        if (!res)
            return DB_ERROR;
        bool stored = PQntuples(res) == 1;
        PQclear(res);
        if (!stored) {
            /* The same request id answered meanwhile without a common lock (an unknown
            ** session): start again, and answer what it got. */
            tx->failed = true;
            snprintf(tx->sqlstate, sizeof tx->sqlstate, "40001");
            snprintf(tx->message, sizeof tx->message, "seat request raced");
            return DB_ERROR;
        }
    }

    if (here) {
        const char *p6[] = {req->session_id, c->dev.id};
        res = db_query(tx,
                       "SELECT s.capacity, s.confirmed + s.held, coalesce(a.granted, 0),"
                       " coalesce(a.returned, 0) FROM sessions s LEFT JOIN allotments a"
                       "  ON a.session_id = s.id AND a.device_id = $2 WHERE s.id = $1",
                       2, p6);
        if (!res)
            return DB_ERROR;
        reply.capacity = col_i64(res, 0, 0);
        reply.seats_taken = col_i64(res, 0, 1);
        reply.allotment.granted = col_i64(res, 0, 2);
        reply.allotment.returned = col_i64(res, 0, 3);
        PQclear(res);
    }
    if (sync_seat_reply_encode(&reply, &c->r->body, &c->r->len) != BORNE_OK)
        return body_fail(tx, "cannot encode the seat reply");
    c->r->status = 200;
    return DB_COMMIT;
}

void api_seat(const char *authorization, const char *body, size_t len, struct api_reply *r)
{
    memset(r, 0, sizeof *r);
    struct seat_call c = {.r = r};
    if (request_bearer_hash(authorization, c.hash) != BORNE_OK) {
        api_error(r, 401, "bad_token", "no device token, or not one this server issues");
        return;
    }
    struct sync_seat_request req;
    char why[SYNC_MESSAGE_MAX] = "";
    enum borne_err err = sync_seat_request_decode(body, len, &req, why, sizeof why);
    if (err != BORNE_OK) {
        refuse_body(r, err, body, len, why);
        return;
    }
    if (!req.request_id[0] || !req.session_id[0]) {
        api_error(r, 400, "bad_request", "request_id and session_id must not be empty");
        return;
    }
    c.req = &req;
    run_tx(r, seat_tx, &c);
}

/* ---- pull -------------------------------------------------------------------------------- */

/* The cursor's two forms, and why the next series' start is carried: request.h. */
struct pull_call {
    const struct sync_pull_request *req;
    struct request_cursor cur;
    uint8_t hash[32];
    struct device dev;
    struct api_reply *r;
    struct sync_used *used; /* the request's, sorted by session id */
};

static int used_cmp(const void *a, const void *b)
{
    return strcmp(((const struct sync_used *)a)->session_id,
                  ((const struct sync_used *)b)->session_id);
}

static int64_t kiosk_used(const struct pull_call *c, const char *session_id)
{
    if (c->req->n_used == 0)
        return 0; /* bsearch() must not see a NULL array */
    struct sync_used key;
    snprintf(key.session_id, sizeof key.session_id, "%s", session_id);
    const struct sync_used *u = bsearch(&key, c->used, c->req->n_used, sizeof *c->used, used_cmp);
    return u && u->used > 0 ? u->used : 0;
}

/* Whether visitors wait for a seat of the session while one is free (a seat given back, a
** waiting-list registration pushed by a kiosk that was offline): the waiting list moves first.
** Columns as allotment_change(). */
static bool waiting_for_free_seat(const PGresult *res, int row)
{
    int64_t free_seats = col_i64(res, row, 1) - col_i64(res, row, 2) - col_i64(res, row, 3);
    return col_i64(res, row, 7) > 0 && free_seats > 0;
}

/* What the top-up or take-back of one allotment should be: > 0 seats to grant, < 0 seats to
** take back, 0 nothing. Columns: id, capacity, confirmed, held, granted, returned, used,
** waiting. While anyone is on the session's waiting list, the seats are theirs, in their
** order: no kiosk is given escrow, and what it holds unspent is taken back. */
static int64_t allotment_change(const struct pull_call *c, const PGresult *res, int row)
{
    int64_t capacity = col_i64(res, row, 1), confirmed = col_i64(res, row, 2);
    int64_t held = col_i64(res, row, 3), granted = col_i64(res, row, 4);
    int64_t returned = col_i64(res, row, 5), used = col_i64(res, row, 6);
    int64_t waiting = col_i64(res, row, 7);
    int64_t reported = kiosk_used(c, PQgetvalue(res, row, 0));
    int64_t used_known = used > reported ? used : reported;
    int64_t outstanding = granted - returned - used_known;
    int64_t free_seats = capacity - confirmed - held;
    int64_t target = outstanding + free_seats;
    if (target > allotment_target)
        target = allotment_target;
    /* Lowered to 0, never raised: a kiosk that spent more than it holds (outstanding < 0, its
    ** seats taken back by a pull that counted its used before it spent them) is made whole
    ** only from free seats, not from the waiting list's. */
    if (waiting > 0 && target > 0)
        target = 0;
    /* target - outstanding <= free_seats: a top-up never takes more than the free seats. */
    if (target > outstanding)
        return target - outstanding;
    if (target < 0)
        target = 0;
    if (outstanding > target)
        return -(outstanding - target); /* at most outstanding: never a seat the kiosk spent */
    return 0;
}

#define ALLOTMENT_QUERY                                                                            \
    "SELECT s.id, s.capacity, s.confirmed, s.held, coalesce(a.granted, 0),"                        \
    " coalesce(a.returned, 0), coalesce(a.used, 0),"                                               \
    " (SELECT count(*) FROM registrations r WHERE r.session_id = s.id AND r.status = 1)"           \
    " FROM sessions s LEFT JOIN allotments a ON a.session_id = s.id AND a.device_id = $2"          \
    " WHERE s.site_id = $1 AND NOT s.cancelled AND s.ends_at > $3::bigint"

/* Tops the kiosk's allotments up, or takes seats back, for every open session of its site.
** Read without locks first: at rest nothing needs changing and no session is locked, so the
** pulls of a thousand kiosks do not queue on the sessions. Only the sessions to change are
** locked (in id order) and decided again on fresh values. */
static bool pull_allotments(struct db_tx *tx, struct pull_call *c, const char *now)
{
    const char *p[] = {c->dev.site_id, c->dev.id, now, NULL};
    PGresult *res = db_query(tx, ALLOTMENT_QUERY " ORDER BY s.id", 3, p);
    if (!res)
        return false;
    int n = PQntuples(res);
    const char **change = calloc((size_t)n + 1, sizeof *change);
    if (!change) {
        PQclear(res);
        return oom(tx);
    }
    size_t k = 0;
    for (int i = 0; i < n; i++)
        if (allotment_change(c, res, i) != 0 || waiting_for_free_seat(res, i))
            change[k++] = PQgetvalue(res, i, 0);
    char *array = k ? db_text_array(change, k) : NULL;
    free(change);
    PQclear(res);
    if (k == 0)
        return true;
    if (!array)
        return oom(tx);
    p[3] = array;
    bool ok = db_run(
        tx, "SELECT id FROM sessions WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE", 1, p + 3);
    res =
        ok ? db_query(tx, ALLOTMENT_QUERY " AND s.id = ANY($4::text[]) ORDER BY s.id", 4, p) : NULL;
    free(array);
    if (!res)
        return false;
    for (int i = 0; ok && i < PQntuples(res); i++) {
        int64_t delta = allotment_change(c, res, i);
        if (delta == 0) {
            if (waiting_for_free_seat(res, i))
                ok = seats_settle(tx, PQgetvalue(res, i, 0), NULL);
            continue;
        }
        char amount[24];
        const char *q[] = {c->dev.id, PQgetvalue(res, i, 0),
                           i64(amount, delta > 0 ? delta : -delta)};
        if (delta > 0)
            ok = db_run(tx,
                        "INSERT INTO allotments (device_id, session_id, granted)"
                        " VALUES ($1, $2, $3::bigint) ON CONFLICT (device_id, session_id)"
                        " DO UPDATE SET granted = allotments.granted + EXCLUDED.granted",
                        3, q);
        else
            ok = db_run(tx,
                        "UPDATE allotments SET returned = returned + $3::bigint"
                        " WHERE device_id = $1 AND session_id = $2",
                        3, q);
        /* Seats taken back are free again: the waiting list may move. */
        if (ok)
            ok = delta > 0 ? seats_recount(tx, q[1]) : seats_settle(tx, q[1], NULL);
    }
    PQclear(res);
    return ok;
}

static size_t capped_rows(const PGresult *res, const char *what)
{
    int n = PQntuples(res);
    if (n > SYNC_PULL_CATALOGUE_MAX) {
        fprintf(stderr, "borne-server: pull: %d %s, only %d sent\n", n, what,
                SYNC_PULL_CATALOGUE_MAX);
        n = SYNC_PULL_CATALOGUE_MAX;
    }
    return (size_t)n;
}

static bool pull_catalogue(struct db_tx *tx, struct pull_call *c, struct sync_pull_reply *reply,
                           const char *from, const char *now)
{
    const char *p[] = {c->dev.site_id, from, now};
    PGresult *res = db_query(tx,
                             "SELECT id, name FROM rooms WHERE site_id = $1"
                             " AND changed_xid >= $2::xid8 ORDER BY id",
                             2, p);
    if (!res)
        return false;
    reply->n_rooms = capped_rows(res, "rooms");
    reply->rooms = calloc(reply->n_rooms + 1, sizeof *reply->rooms);
    if (!reply->rooms) {
        PQclear(res);
        return oom(tx);
    }
    for (size_t i = 0; i < reply->n_rooms; i++) {
        struct room *rm = &reply->rooms[i];
        copy_text(rm->id, sizeof rm->id, PQgetvalue(res, (int)i, 0), "room id");
        copy_text(rm->name, sizeof rm->name, PQgetvalue(res, (int)i, 1), "room name");
    }
    PQclear(res);

    res = db_query(tx,
                   "SELECT id, title, description, kind, room_id, organiser, starts_at, ends_at,"
                   " capacity, confirmed + held, reserved_for, cancelled FROM sessions"
                   " WHERE site_id = $1 AND changed_xid >= $2::xid8"
                   " AND ends_at > $3::bigint - 86400 ORDER BY id",
                   3, p);
    if (!res)
        return false;
    reply->n_sessions = capped_rows(res, "sessions");
    reply->sessions = calloc(reply->n_sessions + 1, sizeof *reply->sessions);
    if (!reply->sessions) {
        PQclear(res);
        return oom(tx);
    }
    for (size_t i = 0; i < reply->n_sessions; i++) {
        struct session *s = &reply->sessions[i];
        int row = (int)i;
        copy_text(s->id, sizeof s->id, PQgetvalue(res, row, 0), "session id");
        copy_text(s->title, sizeof s->title, PQgetvalue(res, row, 1), "session title");
        copy_text(s->description, sizeof s->description, PQgetvalue(res, row, 2),
                  "session description");
        int64_t kind = col_i64(res, row, 3);
        s->kind =
            kind >= 0 && kind < SESSION_KIND_COUNT ? (enum session_kind)kind : SESSION_WORKSHOP;
        copy_text(s->room_id, sizeof s->room_id, PQgetvalue(res, row, 4), "room id");
        copy_text(s->organiser, sizeof s->organiser, PQgetvalue(res, row, 5), "organiser");
        s->starts_at = col_i64(res, row, 6);
        s->ends_at = col_i64(res, row, 7);
        s->capacity = (int)col_i64(res, row, 8);
        s->seats_taken = (int)col_i64(res, row, 9);
        copy_text(s->reserved_for, sizeof s->reserved_for, PQgetvalue(res, row, 10),
                  "reserved_for");
        s->cancelled = col_bool(res, row, 11);
    }
    PQclear(res);

    res = db_query(tx,
                   "SELECT id, encode(public_key, 'base64'), revoked_at FROM devices"
                   " WHERE changed_xid >= $1::xid8 ORDER BY id",
                   1, p + 1);
    if (!res)
        return false;
    reply->n_keys = capped_rows(res, "device keys");
    reply->keys = calloc(reply->n_keys + 1, sizeof *reply->keys);
    if (!reply->keys) {
        PQclear(res);
        return oom(tx);
    }
    for (size_t i = 0; i < reply->n_keys; i++) {
        struct sync_device_key *k = &reply->keys[i];
        copy_text(k->device_id, sizeof k->device_id, PQgetvalue(res, (int)i, 0), "device id");
        copy_text(k->public_key, sizeof k->public_key, PQgetvalue(res, (int)i, 1), "public key");
        k->revoked_at = col_i64(res, (int)i, 2);
    }
    PQclear(res);
    return true;
}

static bool pull_allotment_list(struct db_tx *tx, struct pull_call *c,
                                struct sync_pull_reply *reply, const char *now)
{
    const char *p[] = {c->dev.id, c->dev.site_id, now};
    PGresult *res = db_query(tx,
                             "SELECT a.session_id, a.granted, a.returned FROM allotments a"
                             " JOIN sessions s ON s.id = a.session_id"
                             " WHERE a.device_id = $1 AND s.site_id = $2 AND NOT s.cancelled"
                             " AND s.ends_at > $3::bigint ORDER BY a.session_id",
                             3, p);
    if (!res)
        return false;
    reply->n_allotments = capped_rows(res, "allotments");
    reply->allotments = calloc(reply->n_allotments + 1, sizeof *reply->allotments);
    if (!reply->allotments) {
        PQclear(res);
        return oom(tx);
    }
    for (size_t i = 0; i < reply->n_allotments; i++) {
        struct sync_allotment *a = &reply->allotments[i];
        copy_text(a->session_id, sizeof a->session_id, PQgetvalue(res, (int)i, 0), "session id");
        a->granted = col_i64(res, (int)i, 1);
        a->returned = col_i64(res, (int)i, 2);
    }
    PQclear(res);
    return true;
}

/* Fills the ticket page; the position of its last row goes to last_xid/last_id. */
static bool pull_tickets(struct db_tx *tx, struct pull_call *c, struct sync_pull_reply *reply,
                         const char *from, const char *now, uint64_t *last_xid, char *last_id)
{
    char after_xid[24], limit[24];
    snprintf(after_xid, sizeof after_xid, "%" PRIu64, c->cur.after_xid);
    const char *p[] = {c->dev.site_id,  from, after_xid,
                       c->cur.after_id, now,  i64(limit, c->req->limit)};
    PGresult *res = db_query(
        tx,
        "SELECT t.id, coalesce(t.registration_id, ''), t.session_id, t.device_id, t.payload,"
        " t.short_code, t.first_name, t.status, t.issued_at, t.changed_xid::text"
        " FROM tickets t JOIN sessions s ON s.id = t.session_id"
        " WHERE t.site_id = $1 AND t.changed_xid >= $2::xid8"
        " AND (t.changed_xid, t.id) > ($3::xid8, $4) AND s.ends_at > $5::bigint"
        " ORDER BY t.changed_xid, t.id LIMIT $6::integer",
        6, p);
    if (!res)
        return false;
    reply->n_tickets = (size_t)PQntuples(res);
    reply->tickets = calloc(reply->n_tickets + 1, sizeof *reply->tickets);
    if (!reply->tickets) {
        PQclear(res);
        return oom(tx);
    }
    for (size_t i = 0; i < reply->n_tickets; i++) {
        struct sync_ticket *t = &reply->tickets[i];
        int row = (int)i;
        copy_text(t->id, sizeof t->id, PQgetvalue(res, row, 0), "ticket id");
        copy_text(t->registration_id, sizeof t->registration_id, PQgetvalue(res, row, 1),
                  "registration id");
        copy_text(t->session_id, sizeof t->session_id, PQgetvalue(res, row, 2), "session id");
        copy_text(t->device_id, sizeof t->device_id, PQgetvalue(res, row, 3), "device id");
        copy_text(t->payload, sizeof t->payload, PQgetvalue(res, row, 4), "payload");
        copy_text(t->short_code, sizeof t->short_code, PQgetvalue(res, row, 5), "short code");
        copy_text(t->first_name, sizeof t->first_name, PQgetvalue(res, row, 6), "first name");
        int64_t st = col_i64(res, row, 7);
        t->status = st == 1   ? REGISTRATION_WAITLIST
                    : st == 2 ? REGISTRATION_CANCELLED
                              : REGISTRATION_CONFIRMED;
        t->issued_at = col_i64(res, row, 8);
    }
    if (reply->n_tickets > 0) {
        int row = (int)reply->n_tickets - 1;
        *last_xid = strtoull(PQgetvalue(res, row, 9), NULL, 10);
        snprintf(last_id, BORNE_ID_MAX, "%s", PQgetvalue(res, row, 0));
    }
    PQclear(res);
    return true;
}

static enum db_step pull_tx(struct db_tx *tx, void *arg)
{
    struct pull_call *c = arg;
    api_reply_clear(c->r);
    struct sync_pull_reply reply;
    memset(&reply, 0, sizeof reply);
    enum db_step step = DB_ERROR;

    /* The snapshot's xmin before anything is read (and before this transaction writes and so
    ** gets an xid of its own): every change this reply misses has an xid at least this. */
    PGresult *res = db_query(tx,
                             "SELECT pg_snapshot_xmin(pg_current_snapshot())::text,"
                             " extract(epoch FROM now())::bigint",
                             0, NULL);
    if (!res)
        return DB_ERROR;
    char now[24];
    uint64_t xmin = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
    snprintf(now, sizeof now, "%s", PQgetvalue(res, 0, 1));
    PQclear(res);

    step = authenticate(tx, c->hash, &c->dev, c->r);
    if (step != DB_COMMIT)
        return step;
    step = DB_ERROR;

    const char *p1[] = {c->dev.site_id};
    res = db_query(tx, "SELECT name FROM sites WHERE id = $1", 1, p1);
    if (!res)
        goto out;
    if (PQntuples(res) == 1) {
        snprintf(reply.site_id, sizeof reply.site_id, "%s", c->dev.site_id);
        copy_text(reply.site_name, sizeof reply.site_name, PQgetvalue(res, 0, 0), "site name");
    }
    PQclear(res);

    char from[24];
    snprintf(from, sizeof from, "%" PRIu64, c->cur.from);
    uint64_t next = c->cur.paging ? c->cur.next : xmin;

    if (!c->cur.paging) {
        if (!pull_allotments(tx, c, now) || !pull_catalogue(tx, c, &reply, from, now))
            goto out;
    }
    if (!pull_allotment_list(tx, c, &reply, now))
        goto out;
    uint64_t last_xid = 0;
    char last_id[BORNE_ID_MAX] = "";
    if (!pull_tickets(tx, c, &reply, from, now, &last_xid, last_id))
        goto out;
    reply.more = reply.n_tickets == (size_t)c->req->limit;
    int n;
    if (reply.more)
        n = snprintf(reply.cursor, sizeof reply.cursor,
                     "v1:%" PRIx64 ":%" PRIx64 ":%" PRIx64 ":%.39s", c->cur.from, next, last_xid,
                     last_id);
    else
        n = snprintf(reply.cursor, sizeof reply.cursor, "v1:%" PRIx64, next);
    if (n < 0 || (size_t)n >= sizeof reply.cursor) {
        step = body_fail(tx, "cursor too long");
        goto out;
    }
    reply.server_time = (int64_t)time(NULL);
    if (sync_pull_reply_encode(&reply, &c->r->body, &c->r->len) != BORNE_OK) {
        step = body_fail(tx, "cannot encode the pull reply");
        goto out;
    }
    c->r->status = 200;
    step = DB_COMMIT;
out:
    free(reply.rooms);
    free(reply.sessions);
    free(reply.allotments);
    free(reply.tickets);
    free(reply.keys);
    return step;
}

void api_pull(const char *authorization, const char *body, size_t len, struct api_reply *r)
{
    memset(r, 0, sizeof *r);
    struct pull_call c = {.r = r};
    if (request_bearer_hash(authorization, c.hash) != BORNE_OK) {
        api_error(r, 401, "bad_token", "no device token, or not one this server issues");
        return;
    }
    if (!may_decode(c.hash, len, r))
        return;
    struct sync_pull_request req;
    char why[SYNC_MESSAGE_MAX] = "";
    enum borne_err err = sync_pull_request_decode(body, len, &req, why, sizeof why);
    if (err != BORNE_OK) {
        refuse_body(r, err, body, len, why);
        return;
    }
    if (req.limit < 1 || req.limit > SYNC_PULL_LIMIT_MAX) {
        api_error(r, 400, "bad_request", "limit: must be 1 to 2000");
    } else if (request_cursor_parse(req.cursor, &c.cur) != BORNE_OK) {
        api_error(r, 400, "bad_request", "cursor: not a cursor this server issued");
    } else {
        c.req = &req;
        c.used = req.used;
        if (req.n_used > 1)
            qsort(c.used, req.n_used, sizeof *c.used, used_cmp);
        run_tx(r, pull_tx, &c);
    }
    sync_pull_request_free(&req);
}
