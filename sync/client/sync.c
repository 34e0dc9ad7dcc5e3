/* The kiosk's sync calls over libcurl: enrolment, a push-then-pull cycle, a seat request.
**
** Every reply body is read into a buffer with a hard maximum (SYNC_BODY_MAX): a server, or
** something pretending to be one, cannot make the kiosk allocate without bound. Every reply is
** decoded by the protocol codec, which checks each member; a reply that makes no sense ends
** the cycle with BORNE_ERR_SERVER and changes nothing in the store. */
#include "client/sync.h"
#include "clock/clock.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ticket/payload.h"

#define PULL_PAGE 1000
#define PULL_PAGES_MAX 10000 /* a server whose cursor never ends is a broken server */

/* ---- HTTP ------------------------------------------------------------------------------ */

struct reply {
    char *data;
    size_t len, cap;
    bool too_large;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct reply *r = ud;
    size_t n = size * nmemb;
    if (n > SYNC_BODY_MAX - r->len) {
        r->too_large = true;
        return 0; /* curl stops with CURLE_WRITE_ERROR */
    }
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 16384;
        while (cap < r->len + n + 1)
            cap *= 2;
        char *p = realloc(r->data, cap);
        if (!p)
            return 0;
        r->data = p;
        r->cap = cap;
    }
    memcpy(r->data + r->len, ptr, n);
    r->len += n;
    r->data[r->len] = '\0';
    return n;
}

static void reply_free(struct reply *r)
{
    free(r->data);
    memset(r, 0, sizeof *r);
}

/* libcurl's progress callback: a non-zero return aborts the transfer (worker stopping). */
static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    const atomic_bool *cancel = ud;
    return atomic_load(cancel) ? 1 : 0;
}

/* One connection to the server, reused by the requests of a cycle. */
struct conn {
    CURL *curl;
    const struct sync_options *opt;
    const char *url;
    const char *token; /* NULL for enrolment */
};

__attribute__((format(printf, 3, 4))) static void set_error(char *why, size_t cap, const char *fmt,
                                                            ...)
{
    if (!why || !cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
}

/* The scheme and host of url ("127.0.0.1", "[::1]", "sync.example.org"), by curl's own URL
** parser: what is checked is then what curl connects to ("http://127.0.0.1@sync.example.org"
** goes to sync.example.org, which a hand-made parser could read as 127.0.0.1). */
static bool url_parts(const char *url, char *scheme, size_t scheme_cap, char *host, size_t host_cap)
{
    CURLU *u = curl_url();
    char *sch = NULL, *h = NULL;
    bool ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_SCHEME, &sch, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK &&
              (size_t)snprintf(scheme, scheme_cap, "%s", sch) < scheme_cap &&
              (size_t)snprintf(host, host_cap, "%s", h) < host_cap;
    curl_free(sch);
    curl_free(h);
    curl_url_cleanup(u);
    return ok;
}

/* Whether host names this machine: 127.0.0.0/8, ::1, localhost (which curl resolves to the
** loopback itself, without asking DNS). */
static bool host_is_loopback(const char *host)
{
    struct in_addr a4;
    if (!strcasecmp(host, "localhost") || !strcmp(host, "[::1]"))
        return true;
    return inet_pton(AF_INET, host, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
}

/* Refuse, before any connection, what would send the token and visitors' names in clear
** across a network: plain http to another machine, unless [sync] allow_insecure_http. */
static enum borne_err url_check(const struct sync_options *opt, const char *url, char *why,
                                size_t cap)
{
    char scheme[16], host[STORE_SYNC_URL_MAX];
    if (!url || !url_parts(url, scheme, sizeof scheme, host, sizeof host)) {
        set_error(why, cap, "the server address is not valid (%s)", url ? url : "none");
        return BORNE_ERR_INVALID;
    }
    if (!strcmp(scheme, "https"))
        return BORNE_OK;
    if (strcmp(scheme, "http") != 0) {
        set_error(why, cap, "the server address must start with https:// (%s)", url);
        return BORNE_ERR_INVALID;
    }
    if (host_is_loopback(host) || opt->allow_insecure_http)
        return BORNE_OK;
    set_error(why, cap,
              "plain http is only allowed to this machine: use https, or set [sync] "
              "allow_insecure_http = true (%s)",
              url);
    return BORNE_ERR_INVALID;
}

/* The TLS library's verdict on the server's certificate (CURLINFO_SSL_VERIFYRESULT) is in that
** library's own codes. Their values are copied here because this module does not link the TLS
** library (curl does TLS, and only curl): with OpenSSL, the libcurl board/deps.sh installs, an
** X509_V_ERR_* number; with GnuTLS, a mask of gnutls_certificate_status_t. */
#define OSSL_CERT_NOT_YET_VALID 9             /* X509_V_ERR_CERT_NOT_YET_VALID */
#define OSSL_CERT_HAS_EXPIRED 10              /* X509_V_ERR_CERT_HAS_EXPIRED */
#define GNUTLS_STATUS_NOT_ACTIVATED (1L << 9) /* GNUTLS_CERT_NOT_ACTIVATED */
#define GNUTLS_STATUS_EXPIRED (1L << 10)      /* GNUTLS_CERT_EXPIRED */

enum cert_problem { CERT_UNTRUSTED, CERT_EXPIRED, CERT_NOT_YET_VALID, CERT_OTHER_HOST };

/* Why curl refused the server's certificate (rc CURLE_PEER_FAILED_VERIFICATION). */
static enum cert_problem cert_problem(CURL *e, const char *errbuf)
{
    /* The chain was good and curl's own host name check said no: every TLS backend of curl
    ** says "... target host name '...'" then (curl 7.x and 8.x). */
    if (strstr(errbuf, "target host name"))
        return CERT_OTHER_HOST;
    long v = 0;
    if (curl_easy_getinfo(e, CURLINFO_SSL_VERIFYRESULT, &v) != CURLE_OK)
        return CERT_UNTRUSTED;
    const curl_version_info_data *info = curl_version_info(CURLVERSION_NOW);
    const char *tls = info && info->ssl_version ? info->ssl_version : "";
    if (!strncmp(tls, "OpenSSL", 7)) {
        if (v == OSSL_CERT_HAS_EXPIRED)
            return CERT_EXPIRED;
        if (v == OSSL_CERT_NOT_YET_VALID)
            return CERT_NOT_YET_VALID;
    } else if (!strncmp(tls, "GnuTLS", 6)) {
        if (v & GNUTLS_STATUS_EXPIRED)
            return CERT_EXPIRED;
        if (v & GNUTLS_STATUS_NOT_ACTIVATED)
            return CERT_NOT_YET_VALID;
    }
    return CERT_UNTRUSTED;
}

/* Curl's failures in plain words, and the project's code for them. */
static enum borne_err from_curl(struct conn *c, CURLcode rc, const char *errbuf, char *why,
                                size_t cap)
{
    const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    char scheme[16], host[STORE_SYNC_URL_MAX];
    if (!url_parts(c->url, scheme, sizeof scheme, host, sizeof host))
        snprintf(host, sizeof host, "%s", c->url);
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        set_error(why, cap, "cannot find the server's address (%s)", detail);
        return BORNE_ERR_NETWORK;
    case CURLE_COULDNT_CONNECT:
        set_error(why, cap, "cannot reach the server (%s)", detail);
        return BORNE_ERR_NETWORK;
    case CURLE_OPERATION_TIMEDOUT:
        set_error(why, cap, "the server did not answer in time (%s)", detail);
        return BORNE_ERR_NETWORK;
    case CURLE_PEER_FAILED_VERIFICATION:
        switch (cert_problem(c->curl, errbuf)) {
        case CERT_EXPIRED:
            set_error(why, cap, "the server's certificate has expired (%s)", detail);
            return BORNE_ERR_CERT_EXPIRED;
        case CERT_NOT_YET_VALID:
            set_error(why, cap,
                      "the server's certificate is not valid yet: is this kiosk's clock "
                      "right? (%s)",
                      detail);
            return BORNE_ERR_CERT_UNTRUSTED;
        case CERT_OTHER_HOST:
            set_error(why, cap, "the server's certificate is for another name than %s (%s)", host,
                      detail);
            return BORNE_ERR_CERT_UNTRUSTED;
        case CERT_UNTRUSTED:
            break;
        }
        set_error(why, cap, "the server's certificate is not signed by %s (%s)",
                  c->opt->ca_file[0] ? "the authority in [sync] ca_file"
                                     : "a known authority (set [sync] ca_file?)",
                  detail);
        return BORNE_ERR_CERT_UNTRUSTED;
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        set_error(why, cap,
                  "the server's key is not the one of [sync] pinned_key: another server, or "
                  "its key changed (%s)",
                  detail);
        return BORNE_ERR_CERT_UNTRUSTED;
    case CURLE_SSL_CACERT_BADFILE:
        set_error(why, cap, "[sync] ca_file %s cannot be read as certificates (%s)",
                  c->opt->ca_file, detail);
        return BORNE_ERR_CERT_UNTRUSTED;
    case CURLE_SSL_CONNECT_ERROR:
        set_error(why, cap, "the secure connection to the server failed (%s)", detail);
        return BORNE_ERR_NETWORK;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        set_error(why, cap, "the server address is not valid (%s)", detail);
        return BORNE_ERR_INVALID;
    default:
        set_error(why, cap, "the connection to the server failed (%s)", detail);
        return BORNE_ERR_NETWORK;
    }
}

/* POST body to url + path; *status and *out get the answer. A status other than 200 is
** translated with its JSON error body. */
static enum borne_err post(struct conn *c, const char *path, const char *body, size_t len,
                           long timeout_ms, struct reply *out, char *why, size_t cap)
{
    char url[STORE_SYNC_URL_MAX + 32], auth[SYNC_TOKEN_MAX + 32], errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *headers = NULL, *h;
    memset(out, 0, sizeof *out);
    size_t base = strlen(c->url);
    while (base > 0 && c->url[base - 1] == '/')
        base--;
    if (snprintf(url, sizeof url, "%.*s%s", (int)base, c->url, path) >= (int)sizeof url) {
        set_error(why, cap, "the server address is too long");
        return BORNE_ERR_INVALID;
    }
    h = curl_slist_append(headers, "Content-Type: application/json");
    if (h)
        headers = h;
    if (h && c->token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", c->token);
        h = curl_slist_append(headers, auth);
        if (h)
            headers = h;
    }
    if (h)
        h = curl_slist_append(headers, "Expect:"); /* no 100-continue round trip */
    if (!h) {
        curl_slist_free_all(headers);
        set_error(why, cap, "out of memory");
        return BORNE_ERR_NOMEM;
    }
    headers = h;

    CURL *e = c->curl;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     c->opt->connect_timeout_ms > 0 ? c->opt->connect_timeout_ms : 5000L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (c->opt->ca_file[0])
        curl_easy_setopt(e, CURLOPT_CAINFO, c->opt->ca_file);
    if (c->opt->pinned_key[0])
        curl_easy_setopt(e, CURLOPT_PINNEDPUBLICKEY, c->opt->pinned_key);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "borne/1 (sync v1)");
    if (c->opt->cancel) {
        curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(e, CURLOPT_XFERINFODATA, (void *)c->opt->cancel);
    }

    CURLcode rc = curl_easy_perform(e);
    curl_slist_free_all(headers);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, NULL);
    if (out->too_large) {
        reply_free(out);
        set_error(why, cap, "the server's reply is too large");
        return BORNE_ERR_SERVER;
    }
    if (rc != CURLE_OK) {
        reply_free(out);
        return from_curl(c, rc, errbuf, why, cap);
    }
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    if (status == 200)
        return BORNE_OK;

    struct sync_error se;
    char detail[SYNC_MESSAGE_MAX + SYNC_REASON_MAX + 8] = "";
    if (sync_error_decode(out->data ? out->data : "", out->len, &se, NULL, 0) == BORNE_OK)
        snprintf(detail, sizeof detail, "%s: %s", se.error, se.message);
    else
        snprintf(detail, sizeof detail, "no explanation");
    reply_free(out);
    enum borne_err err;
    if (status == 401 || status == 403) {
        err = BORNE_ERR_UNAUTHORIZED;
        if (!strncmp(detail, "revoked", 7))
            set_error(why, cap, "this kiosk was revoked by the administrator (%s)", detail);
        else
            set_error(why, cap, "the server does not recognise this kiosk: enrol it again (%s)",
                      detail);
    } else if (status >= 500) {
        err = BORNE_ERR_SERVER;
        set_error(why, cap, "the server has a problem (HTTP %ld, %s)", status, detail);
    } else {
        err = BORNE_ERR_REFUSED;
        set_error(why, cap, "the server refused the request (HTTP %ld, %s)", status, detail);
    }
    return err;
}

/* A connection to url, once url_check() allowed it; on failure why says why. */
static enum borne_err conn_open(struct conn *c, const struct sync_options *opt, const char *url,
                                const char *token, char *why, size_t cap)
{
    static const struct sync_options defaults;
    memset(c, 0, sizeof *c);
    c->opt = opt ? opt : &defaults;
    c->url = url;
    c->token = token;
    enum borne_err err = url_check(c->opt, url, why, cap);
    if (err != BORNE_OK)
        return err;
    c->curl = curl_easy_init();
    if (!c->curl)
        set_error(why, cap, "out of memory");
    return c->curl ? BORNE_OK : BORNE_ERR_NOMEM;
}

static void conn_close(struct conn *c)
{
    if (c->curl)
        curl_easy_cleanup(c->curl);
    c->curl = NULL;
}

static long request_timeout(const struct conn *c)
{
    return c->opt->timeout_ms > 0 ? c->opt->timeout_ms : 30000L;
}

/* ---- enrolment ------------------------------------------------------------------------- */

enum borne_err sync_enrol(struct store *st, const struct sync_options *opt, const char *url,
                          const char *code, const char *label, char *message, size_t message_cap)
{
    struct sync_enrol_request req;
    struct sync_enrol_reply rep;
    uint8_t pk[32];
    bool revoked = false;
    char why[SYNC_MESSAGE_MAX + 64] = "";
    memset(&req, 0, sizeof req);
    if (message && message_cap)
        message[0] = '\0';
    if (!st || !url || !code || strlen(url) >= STORE_SYNC_URL_MAX ||
        (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)) {
        set_error(message, message_cap, "the server address must start with https://");
        return BORNE_ERR_INVALID;
    }
    if (!code[0] || strlen(code) >= sizeof req.code) {
        set_error(message, message_cap, "the enrolment code is empty or too long");
        return BORNE_ERR_INVALID;
    }
    enum borne_err err = store_device_key_get(st, store_device_id(st), pk, &revoked);
    if (err == BORNE_OK)
        err = ticket_public_key_format(pk, req.public_key, sizeof req.public_key);
    if (err != BORNE_OK) {
        set_error(message, message_cap, "this kiosk has no device key yet (%s)", store_errmsg(st));
        return err;
    }
    snprintf(req.code, sizeof req.code, "%s", code);
    snprintf(req.device_id, sizeof req.device_id, "%s", store_device_id(st));
    snprintf(req.label, sizeof req.label, "%s", label ? label : "");

    char *body = NULL;
    size_t len = 0;
    struct reply r = {0};
    struct conn c;
    err = sync_enrol_request_encode(&req, &body, &len);
    if (err == BORNE_OK)
        err = conn_open(&c, opt, url, NULL, why, sizeof why);
    else
        snprintf(why, sizeof why, "the label or code cannot be sent (not valid text)");
    if (err == BORNE_OK) {
        err = post(&c, "/v1/enrol", body, len, request_timeout(&c), &r, why, sizeof why);
        conn_close(&c);
    }
    free(body);
    if (err == BORNE_OK) {
        char dwhy[SYNC_MESSAGE_MAX];
        err = sync_enrol_reply_decode(r.data, r.len, &rep, dwhy, sizeof dwhy);
        if (err != BORNE_OK) {
            snprintf(why, sizeof why, "the server's reply makes no sense (%.180s)", dwhy);
            err = BORNE_ERR_SERVER;
        } else if (strcmp(rep.device_id, req.device_id) != 0) {
            snprintf(why, sizeof why, "the server gave another device id (%s)", rep.device_id);
            err = BORNE_ERR_SERVER;
        }
    }
    reply_free(&r);
    if (err == BORNE_OK) {
        err = store_sync_enrol(st, url, rep.token, rep.site_id, rep.site_name);
        if (err != BORNE_OK)
            snprintf(why, sizeof why, "the enrolment cannot be saved (%s)", store_errmsg(st));
    }
    if (err == BORNE_OK)
        snprintf(why, sizeof why, "enrolled: device %s, site %s (%s)", rep.device_id, rep.site_id,
                 rep.site_name);
    set_error(message, message_cap, "%s", why);
    return err;
}

/* ---- the cycle ------------------------------------------------------------------------- */

/* Push every waiting event, batch after batch. */
static enum borne_err push_all(struct store *st, struct conn *c, struct sync_summary *s,
                               int64_t now)
{
    struct store_outbox_event *ev = calloc(SYNC_PUSH_BATCH_MAX, sizeof *ev);
    struct sync_outbox_row *rows = calloc(SYNC_PUSH_BATCH_MAX, sizeof *rows);
    enum borne_err err = ev && rows ? BORNE_OK : BORNE_ERR_NOMEM;
    while (err == BORNE_OK) {
        size_t n = 0;
        err = store_outbox_next(st, ev, SYNC_PUSH_BATCH_MAX, &n);
        if (err != BORNE_OK) {
            snprintf(s->error, sizeof s->error, "the outbox cannot be read (%s)", store_errmsg(st));
            break;
        }
        if (n == 0)
            break;
        for (size_t i = 0; i < n; i++)
            rows[i] = (struct sync_outbox_row){ev[i].id, ev[i].kind, ev[i].seq, ev[i].created_at,
                                               ev[i].payload};
        char *body = NULL;
        size_t len = 0;
        err = sync_push_request_encode(store_device_id(st), rows, n, &body, &len);
        if (err != BORNE_OK) {
            snprintf(s->error, sizeof s->error, "an outbox event cannot be sent (%s)", ev[0].id);
            break;
        }
        struct reply r;
        err = post(c, "/v1/push", body, len, request_timeout(c), &r, s->error, sizeof s->error);
        free(body);
        if (err != BORNE_OK)
            break;
        struct sync_push_reply rep;
        char why[SYNC_MESSAGE_MAX];
        err = sync_push_reply_decode(r.data, r.len, &rep, why, sizeof why);
        reply_free(&r);
        if (err != BORNE_OK) {
            snprintf(s->error, sizeof s->error, "the server's reply makes no sense (%.180s)", why);
            err = BORNE_ERR_SERVER;
            break;
        }
        /* One answer per event, in order: anything else is a broken server, and acknowledging
        ** part of it could lose an event. */
        bool match = rep.n_results == n;
        for (size_t i = 0; match && i < n; i++)
            match = strcmp(rep.results[i].id, ev[i].id) == 0;
        if (!match) {
            snprintf(s->error, sizeof s->error,
                     "the server's reply does not answer the events sent");
            err = BORNE_ERR_SERVER;
        } else {
            err = store_outbox_ack(st, rep.results, rep.n_results, now);
            if (err != BORNE_OK)
                snprintf(s->error, sizeof s->error, "the answers cannot be saved (%s)",
                         store_errmsg(st));
        }
        for (size_t i = 0; err == BORNE_OK && i < rep.n_results; i++) {
            if (rep.results[i].status == SYNC_REFUSED) {
                s->refused++;
                fprintf(stderr, "borne: sync: event %s refused by the server: %s\n",
                        rep.results[i].id, rep.results[i].reason);
            } else {
                s->pushed++;
            }
        }
        if (err == BORNE_OK && c->opt->progress)
            c->opt->progress(c->opt->progress_ctx, SYNC_PUSHING, s->pushed + s->refused);
        if (rep.server_time > 0)
            s->server_time = rep.server_time;
        sync_push_reply_free(&rep);
    }
    free(ev);
    free(rows);
    return err;
}

/* Pull pages until the server says there is no more. */
static enum borne_err pull_all(struct store *st, struct conn *c, struct sync_summary *s,
                               int64_t now)
{
    struct sync_pull_request req = {.limit = PULL_PAGE};
    struct store_sync_state state;
    enum borne_err err = BORNE_OK;
    req.used = calloc(SYNC_USED_MAX, sizeof *req.used);
    if (!req.used)
        return BORNE_ERR_NOMEM;
    for (int page = 0; err == BORNE_OK; page++) {
        if (page == PULL_PAGES_MAX) {
            snprintf(s->error, sizeof s->error, "the server keeps sending pages");
            err = BORNE_ERR_SERVER;
            break;
        }
        err = store_sync_state_get(st, &state);
        if (err == BORNE_OK)
            err = store_allotments_used(st, req.used, SYNC_USED_MAX, &req.n_used);
        if (err != BORNE_OK) {
            snprintf(s->error, sizeof s->error, "the sync state cannot be read (%s)",
                     store_errmsg(st));
            break;
        }
        memcpy(req.cursor, state.cursor, sizeof req.cursor);
        char *body = NULL;
        size_t len = 0;
        err = sync_pull_request_encode(&req, &body, &len);
        if (err != BORNE_OK) {
            snprintf(s->error, sizeof s->error, "the pull request cannot be made");
            break;
        }
        struct reply r;
        err = post(c, "/v1/pull", body, len, request_timeout(c), &r, s->error, sizeof s->error);
        free(body);
        if (err != BORNE_OK)
            break;
        struct sync_pull_reply rep;
        char why[SYNC_MESSAGE_MAX];
        err = sync_pull_reply_decode(r.data, r.len, &rep, why, sizeof why);
        reply_free(&r);
        if (err != BORNE_OK) {
            snprintf(s->error, sizeof s->error, "the server's reply makes no sense (%.180s)", why);
            err = BORNE_ERR_SERVER;
            break;
        }
        uint8_t(*keys)[32] = rep.n_keys ? calloc(rep.n_keys, sizeof *keys) : NULL;
        if (rep.n_keys && !keys)
            err = BORNE_ERR_NOMEM;
        for (size_t i = 0; err == BORNE_OK && i < rep.n_keys; i++) {
            if (ticket_public_key_parse(rep.keys[i].public_key, keys[i]) != BORNE_OK) {
                snprintf(s->error, sizeof s->error, "the server sent a damaged key for %s",
                         rep.keys[i].device_id);
                err = BORNE_ERR_SERVER;
            }
        }
        bool stuck = rep.more && strcmp(rep.cursor, req.cursor) == 0;
        if (err == BORNE_OK && stuck) {
            snprintf(s->error, sizeof s->error, "the server's cursor does not move");
            err = BORNE_ERR_SERVER;
        }
        int skipped = 0;
        if (err == BORNE_OK) {
            err = store_pull_apply(st, &rep, (const uint8_t(*)[32])keys, now, &skipped);
            if (err != BORNE_OK)
                snprintf(s->error, sizeof s->error, "the changes cannot be saved (%s)",
                         store_errmsg(st));
        }
        if (skipped)
            fprintf(stderr, "borne: sync: %d ticket(s) skipped: short code already used here\n",
                    skipped);
        if (err == BORNE_OK) {
            s->pages++;
            s->pulled_tickets += (int)rep.n_tickets;
            s->pulled_sessions += (int)rep.n_sessions;
            if (c->opt->progress)
                c->opt->progress(c->opt->progress_ctx, SYNC_PULLING, s->pulled_tickets);
            if (rep.server_time > 0)
                s->server_time = rep.server_time;
        }
        bool more = rep.more;
        free(keys);
        sync_pull_reply_free(&rep);
        if (!more)
            break;
    }
    free(req.used);
    return err;
}

enum borne_err sync_cycle(struct store *st, const struct sync_options *opt,
                          struct sync_summary *out)
{
    struct store_sync_state state;
    struct conn c;
    memset(out, 0, sizeof *out);
    int64_t now = clock_wall_s();
    enum borne_err err = store_sync_state_get(st, &state);
    if (err != BORNE_OK) {
        snprintf(out->error, sizeof out->error, "the sync state cannot be read (%s)",
                 store_errmsg(st));
    } else if (!state.token[0]) {
        err = BORNE_ERR_UNAUTHORIZED;
        snprintf(out->error, sizeof out->error,
                 "this kiosk is not enrolled: run borne enrol URL CODE");
    }
    if (err == BORNE_OK)
        err = conn_open(&c, opt, state.url, state.token, out->error, sizeof out->error);
    if (err == BORNE_OK) {
        /* Upload before download: a pull never brings back a state older than what this kiosk
        ** has recorded and not yet sent. */
        int64_t t0 = clock_mono_ms();
        err = push_all(st, &c, out, now);
        int64_t t1 = clock_mono_ms();
        out->push_ms = t1 - t0;
        if (err == BORNE_OK) {
            err = pull_all(st, &c, out, now);
            out->pull_ms = clock_mono_ms() - t1;
        }
        conn_close(&c);
    }
    out->err = err;
    if (err == BORNE_OK)
        out->error[0] = '\0';
    else if (!out->error[0])
        snprintf(out->error, sizeof out->error, "%s", borne_err_str(err));
    if (state.token[0] &&
        store_sync_note(st, now, err == BORNE_OK ? NULL : out->error, out->server_time) != BORNE_OK)
        fprintf(stderr, "borne: sync: the result cannot be recorded (%s)\n", store_errmsg(st));
    struct store_sync_state after;
    if (store_sync_state_get(st, &after) == BORNE_OK)
        out->pending = after.pending;
    return err;
}

void sync_summary_line(const struct sync_summary *s, char *out, size_t cap)
{
    if (s->err == BORNE_OK)
        snprintf(out, cap,
                 "sync: ok, pushed %d (refused %d) in %.1f s, pulled %d tickets, %d sessions "
                 "in %.1f s",
                 s->pushed, s->refused, s->push_ms / 1000.0, s->pulled_tickets, s->pulled_sessions,
                 s->pull_ms / 1000.0);
    else
        snprintf(out, cap, "sync: failed: %s, %d event%s waiting", s->error, s->pending,
                 s->pending == 1 ? "" : "s");
}

/* ---- seat ------------------------------------------------------------------------------ */

enum borne_err sync_seat(const struct sync_options *opt, const char *url, const char *token,
                         const char *session_id, const char *request_id,
                         struct sync_seat_reply *out)
{
    struct sync_seat_request req;
    struct conn c;
    char why[SYNC_MESSAGE_MAX + 64];
    memset(out, 0, sizeof *out);
    memset(&req, 0, sizeof req);
    if (!url || !token || !token[0] || !session_id || !request_id ||
        strlen(session_id) >= sizeof req.session_id || strlen(request_id) >= sizeof req.request_id)
        return BORNE_ERR_INVALID;
    strcpy(req.session_id, session_id);
    strcpy(req.request_id, request_id);
    char *body = NULL;
    size_t len = 0;
    enum borne_err err = sync_seat_request_encode(&req, &body, &len);
    if (err == BORNE_OK)
        err = conn_open(&c, opt, url, token, why, sizeof why);
    if (err == BORNE_OK) {
        struct reply r;
        long t = c.opt->seat_timeout_ms > 0 ? c.opt->seat_timeout_ms : 2000L;
        err = post(&c, "/v1/seat", body, len, t, &r, why, sizeof why);
        conn_close(&c);
        if (err == BORNE_OK) {
            err = sync_seat_reply_decode(r.data, r.len, out, why, sizeof why);
            if (err != BORNE_OK)
                err = BORNE_ERR_SERVER;
        }
        reply_free(&r);
        if (err != BORNE_OK)
            fprintf(stderr, "borne: seat request for %s: %s\n", session_id, why);
    }
    free(body);
    return err;
}
