/* The kiosk and borne-server: the sync worker's start and reports, the seat asked of the server
** before a registration, and the `borne sync` and `borne enrol` commands.
**
** Nothing here blocks the loop. The worker runs cycles on its own thread; a seat request runs
** on a short-lived thread of its own and its answer comes back as an SDL event, after which
** the registration is recorded on the loop's thread as before. While the seat is asked, the
** confirmation screen shows that something is happening (s->registering). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/kiosk_int.h"
#include "client/sync.h"
#include "ticket/ids.h"

/* What the seat thread hands back (user.data1 of an ev_sync event, code SYNC_EV_SEAT). */
struct seat_job {
    struct kiosk *k;
    struct registration_request req;
    char url[STORE_SYNC_URL_MAX];
    char token[SYNC_TOKEN_MAX];
    struct sync_options opt;
    char request_id[BORNE_ID_MAX];
    enum borne_err err;
    struct sync_seat_reply reply;
};

enum { SYNC_EV_STATUS = 1, SYNC_EV_SEAT = 2 };

static void post_event(struct kiosk *k, int code, void *data)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = k->ev_sync;
    e.user.code = code;
    e.user.data1 = data;
    if (SDL_PushEvent(&e) != 1) {
        fprintf(stderr, "borne: event queue full: a sync report was dropped\n");
        if (code == SYNC_EV_SEAT)
            free(data); /* the registration is not made; the visitor sees the fault screen */
    }
}

static void on_worker(void *ctx)
{
    post_event(ctx, SYNC_EV_STATUS, NULL);
}

/* The worker's status and the store's sync state, as the staff panel shows them. */
static void publish(struct kiosk *k)
{
    struct sync_view v;
    struct sync_status ws;
    struct store_sync_state ss;
    memset(&v, 0, sizeof v);
    sync_worker_status(k->sync, &ws);
    if (k->st && store_sync_state_get(k->st, &ss) == BORNE_OK) {
        v.enrolled = ss.token[0] != '\0';
        v.last_success_at = ss.last_success_at;
        v.last_attempt_at = ss.last_attempt_at;
        v.pending = ss.pending;
        v.refused = ss.refused;
        snprintf(v.last_error, sizeof v.last_error, "%.199s", ss.last_error);
        snprintf(v.site_name, sizeof v.site_name, "%s", ss.site_name);
    }
    if (k->sync) {
        v.online = ws.online;
        v.running = ws.running;
        v.progress = ws.progress;
        v.last_err = ws.cycles ? (int)ws.last.err : 0;
        if (!ws.enrolled)
            v.enrolled = false;
    }
    kiosk_dispatch(k, (struct action){.kind = ACT_SYNC_STATUS, .sync = &v});
}

void kiosk_sync_open(struct kiosk *k)
{
    struct store_sync_state ss;
    k->ev_sync = SDL_RegisterEvents(1);
    if (k->ev_sync == (Uint32)-1)
        k->ev_sync = 0;
    if (!k->st || store_sync_state_get(k->st, &ss) != BORNE_OK)
        return;
    k->sync_enrolled = ss.token[0] != '\0';
    if (!k->sync_enrolled) {
        fprintf(stderr, "borne: sync: not enrolled, this kiosk works alone\n");
    } else if (!k->ev_sync || !k->opt.db_path) {
        fprintf(stderr, "borne: sync: cannot start (no event type)\n");
    } else {
        enum borne_err err = sync_worker_start(k->opt.db_path, &k->opt.sync,
                                               k->opt.sync_interval_ms, on_worker, k, &k->sync);
        if (err != BORNE_OK)
            fprintf(stderr, "borne: sync: the worker cannot start: %s\n", borne_err_str(err));
        else
            fprintf(stderr, "borne: sync: with %s (site %s)\n", ss.url, ss.site_id);
    }
    publish(k);
}

void kiosk_sync_close(struct kiosk *k)
{
    sync_worker_stop(k->sync);
    k->sync = NULL;
    /* A seat thread still running holds k: wait for it (it ends within its timeout). */
    while (k->seats_in_flight > 0) {
        SDL_Event e;
        if (SDL_WaitEventTimeout(&e, 100) && k->ev_sync && e.type == k->ev_sync &&
            e.user.code == SYNC_EV_SEAT) {
            k->seats_in_flight--;
            free(e.user.data1);
        }
    }
}

void kiosk_sync_now(struct kiosk *k)
{
    sync_worker_kick(k->sync);
}

static void *seat_thread(void *arg)
{
    struct seat_job *j = arg;
    j->err = sync_seat(&j->opt, j->url, j->token, j->req.session_id, j->request_id, &j->reply);
    post_event(j->k, SYNC_EV_SEAT, j);
    return NULL;
}

bool kiosk_sync_register(struct kiosk *k, const struct registration_request *req)
{
    struct store_sync_state ss;
    if (!k->sync_enrolled || !k->ev_sync || store_sync_state_get(k->st, &ss) != BORNE_OK ||
        !ss.token[0])
        return false;
    struct seat_job *j = calloc(1, sizeof *j);
    if (!j)
        return false;
    j->k = k;
    j->req = *req;
    memcpy(j->url, ss.url, sizeof j->url);
    memcpy(j->token, ss.token, sizeof j->token);
    j->opt = k->opt.sync;
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    bool ok = ticket_random_id(j->request_id) == BORNE_OK &&
              pthread_create(&t, &attr, seat_thread, j) == 0;
    pthread_attr_destroy(&attr);
    if (!ok) {
        free(j);
        return false;
    }
    k->seats_in_flight++;
    return true;
}

void kiosk_seat_answer(struct store *st, enum borne_err err, const struct sync_seat_reply *reply,
                       int64_t now, struct registration_request *req)
{
    req->seat_mode = REGISTRATION_SEAT_ESCROW;
    bool recorded = true;
    if (err == BORNE_OK && reply->granted) {
        /* The sync worker may hold the database past the busy timeout: two more tries. */
        enum borne_err m = BORNE_ERR_BUSY;
        for (int attempt = 0; attempt < 3 && m == BORNE_ERR_BUSY; attempt++)
            m = store_allotment_merge(st, &reply->allotment, reply->seats_taken, now);
        recorded = m == BORNE_OK;
        if (recorded)
            req->seat_from_server = true;
        else
            fprintf(stderr, "borne: seat granted but not recorded: %s\n", store_errmsg(st));
    }
    /* The server said no: the session is full everywhere, except for seats this kiosk still
    ** holds in escrow. Without an answer, or with a seat granted that could not be recorded,
    ** a waiting-list ticket beats turning someone away from a session with seats. */
    req->waitlist_ok = err != BORNE_OK || !recorded;
}

/* The seat's answer: record the registration, spending the seat the server just granted, or
** the allotment, or (offline, none left) a place on the waiting list. */
static void seat_answered(struct kiosk *k, struct seat_job *j)
{
    struct registration_request *req = &j->req;
    kiosk_seat_answer(k->st, j->err, &j->reply, k->state->now, req);
    if (j->err == BORNE_OK && !j->reply.granted)
        fprintf(stderr, "borne: seat refused by the server for %s: %s\n", req->session_id,
                j->reply.reason);
    kiosk_register_now(k, req);
    kiosk_sync_now(k);
}

void kiosk_sync_event(struct kiosk *k, const SDL_Event *e)
{
    if (e->user.code == SYNC_EV_SEAT) {
        struct seat_job *j = e->user.data1;
        k->seats_in_flight--;
        if (k->st)
            seat_answered(k, j);
        free(j);
    }
    publish(k);
}

/* ---- commands -------------------------------------------------------------------------- */

static struct store *open_for_command(const struct kiosk_options *o)
{
    struct store *st = NULL;
    char why[300];
    if (store_open(o->db_path, &st, why, sizeof why) != BORNE_OK) {
        fprintf(stderr, "borne: database %s: %s\n", o->db_path, why);
        return NULL;
    }
    return st;
}

int kiosk_sync_command(const struct kiosk_options *o)
{
    struct store *st = open_for_command(o);
    if (!st)
        return 1;
    struct sync_summary s;
    char line[512];
    sync_global_init();
    sync_cycle(st, &o->sync, &s);
    sync_summary_line(&s, line, sizeof line);
    printf("%s\n", line);
    store_close(st);
    return s.err == BORNE_OK ? 0 : 1;
}

int kiosk_enrol_command(const struct kiosk_options *o, const char *url, const char *code,
                        const char *label)
{
    struct store *st = open_for_command(o);
    if (!st)
        return 1;
    char message[400];
    int rc = 1;
    sync_global_init();
    if (kiosk_device_key_ensure(st)) {
        enum borne_err err = sync_enrol(st, &o->sync, url, code, label, message, sizeof message);
        printf("borne: %s\n", message);
        rc = err == BORNE_OK ? 0 : 1;
    }
    store_close(st);
    return rc;
}
