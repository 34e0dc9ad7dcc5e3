/* bench_sync: the sync benchmarks' helpers (tests/bench/sync_bench.sh runs them).
**
**   bench_sync fill DB SESSION N
**       record N registrations in a kiosk's database, as a kiosk offline would (no seat asked):
**       N events wait in its outbox for `borne sync` to push.
**   bench_sync load URL SITE_CODE_PREFIX KIOSKS SESSION_PATTERN
**       KIOSKS simulated kiosks, enrolled with the one-time codes PREFIX0001, PREFIX0002...
**       (made beforehand in the database; kiosk i at the site whose session is
**       SESSION_PATTERN with i / 4 for its %d), then all within SPREAD_MS (default 0: at the
**       same instant; the kiosks' own backoff jitter spreads them so): each pushes one registration
**       and pulls the changes since its cursor, as a sync cycle does. Each kiosk's first pull
**       (the whole site, every device's key) is made before, and not measured. All requests run
*concurrently through
**       libcurl's multi interface (one process, no thread per kiosk). Prints the latency
**       distribution of the requests and of whole cycles, and the errors (any is a failure).
*/
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/sync.h"
#include "protocol/protocol.h"
#include "store/store.h"
#include "ticket/ids.h"
#include "ticket/payload.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, double *v, size_t n)
{
    if (n == 0) {
        printf("%s: no sample\n", what);
        return;
    }
    qsort(v, n, sizeof *v, cmp_double);
    printf("%s: n %zu, median %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms\n", what, n, v[n / 2],
           v[(size_t)(n * 0.95)], v[(size_t)(n * 0.99)], v[n - 1]);
}

/* ---- fill ------------------------------------------------------------------------------- */

static int fill(const char *db, const char *session, int n)
{
    struct store *st;
    char why[300];
    uint8_t sk[64], pk[32];
    if (store_open(db, &st, why, sizeof why) != BORNE_OK) {
        fprintf(stderr, "bench_sync: %s\n", why);
        return 1;
    }
    if (store_device_secret_get(st, sk) != BORNE_OK) {
        if (ticket_keypair_new(pk, sk) != BORNE_OK || store_device_secret_put(st, sk, pk))
            return 1;
    }
    double t0 = now_ms();
    for (int i = 0; i < n; i++) {
        struct registration_request req;
        struct registration reg;
        struct ticket_claim c;
        memset(&req, 0, sizeof req);
        memset(&c, 0, sizeof c);
        snprintf(req.session_id, sizeof req.session_id, "%s", session);
        snprintf(req.first_name, sizeof req.first_name, "Visiteur");
        snprintf(req.last_name, sizeof req.last_name, "Numéro %d", i);
        req.now = (int64_t)time(NULL);
        req.seat_mode = REGISTRATION_SEAT_LOCAL;
        if (ticket_random_id(req.registration_id) || ticket_random_id(req.event_id) ||
            ticket_random_id(req.ticket_id) || ticket_random_id(req.checkin_id) ||
            ticket_random_id(req.checkin_event_id) || ticket_short_code_new(req.short_code))
            return 1;
        memcpy(c.ticket_id, req.ticket_id, sizeof c.ticket_id);
        memcpy(c.session_id, req.session_id, sizeof c.session_id);
        snprintf(c.device_id, sizeof c.device_id, "%s", store_device_id(st));
        if (ticket_payload_sign(&c, sk, req.payload, sizeof req.payload) != BORNE_OK)
            return 1;
        enum borne_err err = store_register(st, &req, &reg);
        if (err != BORNE_OK) {
            fprintf(stderr, "bench_sync: registration %d: %s (%s)\n", i, borne_err_str(err),
                    store_errmsg(st));
            return 1;
        }
    }
    fprintf(stderr, "bench_sync: %d registrations recorded in %.0f ms\n", n, now_ms() - t0);
    store_close(st);
    return 0;
}

/* ---- load ------------------------------------------------------------------------------- */

struct sim {
    char device_id[BORNE_ID_MAX];
    uint8_t sk[64], pk[32];
    char token[SYNC_TOKEN_MAX];
    char *body;  /* the request under way */
    char *reply; /* grows up to SYNC_BODY_MAX */
    size_t reply_len, reply_cap;
    bool overflow;
    struct curl_slist *headers;
    double started, cycle_started;
    int step; /* 0 enrol, 4 first pull (not measured), 1 push, 2 pull, 3 done */
    char cursor[SYNC_CURSOR_MAX];
    bool failed;
};

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
    struct sim *s = ud;
    size_t n = size * nmemb;
    if (s->reply_len + n >= SYNC_BODY_MAX) {
        s->overflow = true;
        return 0;
    }
    if (s->reply_len + n + 1 > s->reply_cap) {
        size_t cap = s->reply_cap ? s->reply_cap * 2 : 8192;
        while (cap < s->reply_len + n + 1)
            cap *= 2;
        char *p2 = realloc(s->reply, cap);
        if (!p2)
            return 0;
        s->reply = p2;
        s->reply_cap = cap;
    }
    memcpy(s->reply + s->reply_len, p, n);
    s->reply_len += n;
    s->reply[s->reply_len] = '\0';
    return n;
}

static CURL *request(struct sim *s, const char *url, const char *path, char *body)
{
    char full[512], auth[128];
    CURL *e = curl_easy_init();
    if (!e)
        return NULL;
    snprintf(full, sizeof full, "%s%s", url, path);
    free(s->body);
    s->body = body;
    s->reply_len = 0;
    s->overflow = false;
    curl_slist_free_all(s->headers);
    s->headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (s->token[0]) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", s->token);
        s->headers = curl_slist_append(s->headers, auth);
    }
    s->headers = curl_slist_append(s->headers, "Expect:");
    curl_easy_setopt(e, CURLOPT_URL, full);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->headers);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(e, CURLOPT_PRIVATE, s);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 30000L);
    s->started = now_ms();
    return e;
}

static char *push_body(struct sim *s, const char *session)
{
    char reg_id[BORNE_ID_MAX], ev_id[BORNE_ID_MAX], ticket_id[BORNE_ID_MAX];
    char code[BORNE_SHORT_CODE_MAX], payload[BORNE_PAYLOAD_MAX], data[2048];
    struct ticket_claim c;
    memset(&c, 0, sizeof c);
    if (ticket_random_id(reg_id) || ticket_random_id(ev_id) || ticket_random_id(ticket_id) ||
        ticket_short_code_new(code))
        return NULL;
    memcpy(c.ticket_id, ticket_id, sizeof c.ticket_id);
    snprintf(c.session_id, sizeof c.session_id, "%s", session);
    memcpy(c.device_id, s->device_id, sizeof c.device_id);
    if (ticket_payload_sign(&c, s->sk, payload, sizeof payload) != BORNE_OK)
        return NULL;
    long now = (long)time(NULL);
    snprintf(data, sizeof data,
             "{\"registration_id\":\"%s\",\"session_id\":\"%s\",\"first_name\":\"Charge\","
             "\"last_name\":\"Test\",\"email\":null,\"phone\":null,\"short_code\":\"%s\","
             "\"status\":\"confirmed\",\"seat\":\"local\",\"created_at\":%ld,\"device_seq\":1,"
             "\"device_id\":\"%s\",\"ticket_id\":\"%s\",\"ticket_payload\":\"%s\"}",
             reg_id, session, code, now, s->device_id, ticket_id, payload);
    struct sync_outbox_row row = {ev_id, "registration.created", 1, now, data};
    char *out = NULL;
    size_t len = 0;
    return sync_push_request_encode(s->device_id, &row, 1, &out, &len) == BORNE_OK ? out : NULL;
}

#define WARMUP_IN_FLIGHT 64

/* Start kiosk i's enrolment with the code PREFIX + i + 1. */
static bool enrol(CURLM *m, struct sim *s, const char *url, const char *prefix, int i)
{
    struct sync_enrol_request er;
    memset(&er, 0, sizeof er);
    if (ticket_random_id(s->device_id) || ticket_keypair_new(s->pk, s->sk) ||
        ticket_public_key_format(s->pk, er.public_key, sizeof er.public_key))
        return false;
    snprintf(er.code, sizeof er.code, "%s%04d", prefix, i + 1);
    memcpy(er.device_id, s->device_id, sizeof er.device_id);
    snprintf(er.label, sizeof er.label, "bench %d", i + 1);
    char *body = NULL;
    size_t len;
    if (sync_enrol_request_encode(&er, &body, &len) != BORNE_OK)
        return false;
    curl_multi_add_handle(m, request(s, url, "/v1/enrol", body));
    return true;
}

static int load(const char *url, const char *prefix, int n, const char *session, int spread_ms)
{
    struct sim *sims = calloc((size_t)n, sizeof *sims);
    double *req_ms = calloc((size_t)n * 3, sizeof *req_ms);
    double *cycle_ms = calloc((size_t)n, sizeof *cycle_ms);
    size_t n_req = 0, n_cycle = 0;
    int errors = 0;
    CURLM *m = curl_multi_init();
    if (!sims || !req_ms || !cycle_ms || !m)
        return 1;
    curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, 0L);

    /* First, enrol everyone and make each one's first pull (not measured: it happens once in
    ** a kiosk's life), at most WARMUP_IN_FLIGHT at a time so that none of it times out. */
    int enrolled = 0;
    for (; enrolled < n && enrolled < WARMUP_IN_FLIGHT; enrolled++)
        if (!enrol(m, &sims[enrolled], url, prefix, enrolled))
            return 1;
    int running = 1, phase = 0, next = 0;
    double phase_started = 0;
    while (running || phase < 2) {
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            CURL *e = msg->easy_handle;
            struct sim *s;
            long status = 0;
            curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&s);
            curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
            double took = now_ms() - s->started;
            bool ok = msg->data.result == CURLE_OK && status == 200 && !s->overflow;
            curl_multi_remove_handle(m, e);
            curl_easy_cleanup(e);
            if (!ok) {
                if (errors < 5)
                    fprintf(stderr, "bench_sync: step %d failed: %s, HTTP %ld: %.200s\n", s->step,
                            curl_easy_strerror(msg->data.result), status, s->reply ? s->reply : "");
                errors++;
                s->failed = true;
                s->step = 3;
                if (phase == 0 && enrolled < n) { /* the warm-up goes on without it */
                    if (!enrol(m, &sims[enrolled], url, prefix, enrolled))
                        return 1;
                    enrolled++;
                    running = 1;
                }
                continue;
            }
            if (s->step == 0) {
                struct sync_enrol_reply r;
                if (sync_enrol_reply_decode(s->reply, s->reply_len, &r, NULL, 0) != BORNE_OK) {
                    errors++;
                    s->step = 3;
                    continue;
                }
                memcpy(s->token, r.token, sizeof s->token);
                /* Its first pull brings the whole site and every device's key: done once in a
                ** kiosk's life, so not measured. The measured syncs pull from its cursor. */
                struct sync_pull_request pr = {.limit = 1000};
                char *body = NULL;
                size_t len;
                if (sync_pull_request_encode(&pr, &body, &len) != BORNE_OK)
                    return 1;
                s->step = 4;
                curl_multi_add_handle(m, request(s, url, "/v1/pull", body));
                running = 1; /* before curl_multi_perform() counts it */
                continue;
            }
            if (s->step == 4) {
                struct sync_pull_reply r;
                if (sync_pull_reply_decode(s->reply, s->reply_len, &r, NULL, 0) != BORNE_OK) {
                    errors++;
                    s->step = 3;
                    continue;
                }
                memcpy(s->cursor, r.cursor, sizeof s->cursor);
                sync_pull_reply_free(&r);
                s->step = 1; /* waits for the start signal below */
                if (enrolled < n) {
                    if (!enrol(m, &sims[enrolled], url, prefix, enrolled))
                        return 1;
                    enrolled++;
                    running = 1;
                }
                continue;
            }
            req_ms[n_req++] = took;
            if (s->step == 1) {
                struct sync_pull_request pr = {.limit = 1000};
                memcpy(pr.cursor, s->cursor, sizeof pr.cursor);
                char *body = NULL;
                size_t len;
                if (sync_pull_request_encode(&pr, &body, &len) != BORNE_OK)
                    return 1;
                s->step = 2;
                curl_multi_add_handle(m, request(s, url, "/v1/pull", body));
                running = 1; /* before curl_multi_perform() counts it */
            } else if (s->step == 2) {
                s->step = 3;
                cycle_ms[n_cycle++] = now_ms() - s->cycle_started;
            }
        }
        if (!running && phase == 0) {
            /* Everyone is enrolled: now all of them sync, within spread_ms. */
            phase = 1;
            phase_started = now_ms();
            next = 0;
        }
        for (; phase == 1 && next < n; next++) {
            struct sim *s = &sims[next];
            int i = next;
            if (now_ms() - phase_started < spread_ms * i / n)
                break; /* this kiosk's turn has not come */
            if (s->step != 1)
                continue;
            /* Kiosks come by four to a site, as in a centre (see sync_bench.sh). */
            char sess[BORNE_ID_MAX];
            snprintf(sess, sizeof sess, session, i / 4);
            char *body = push_body(s, sess);
            if (!body)
                return 1;
            s->cycle_started = now_ms();
            curl_multi_add_handle(m, request(s, url, "/v1/push", body));
            running = 1;
        }
        if (!running && phase == 1 && next == n)
            phase = 2;
        if (running || phase == 1)
            curl_multi_poll(m, NULL, 0, 2, NULL);
    }
    double wall = now_ms() - phase_started;
    printf("load: %d kiosks syncing (push 1 event + pull), starting within %d ms, %.0f ms in all, "
           "%d error(s)\n",
           n, spread_ms, wall, errors);
    report("load: request latency", req_ms, n_req);
    report("load: cycle latency (push + pull)", cycle_ms, n_cycle);
    for (int i = 0; i < n; i++) {
        free(sims[i].body);
        free(sims[i].reply);
        curl_slist_free_all(sims[i].headers);
        explicit_bzero(sims[i].sk, sizeof sims[i].sk);
    }
    curl_multi_cleanup(m);
    free(sims);
    free(req_ms);
    free(cycle_ms);
    return errors ? 1 : 0;
}

int main(int argc, char **argv)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (argc == 5 && !strcmp(argv[1], "fill"))
        return fill(argv[2], argv[3], atoi(argv[4]));
    if ((argc == 6 || argc == 7) && !strcmp(argv[1], "load"))
        return load(argv[2], argv[3], atoi(argv[4]), argv[5], argc == 7 ? atoi(argv[6]) : 0);
    fprintf(stderr, "usage: bench_sync fill DB SESSION N | load URL PREFIX KIOSKS SESSION\n");
    return 2;
}
