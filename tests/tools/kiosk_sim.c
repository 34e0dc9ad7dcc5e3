/* kiosk_sim: what a kiosk does at its counter and door, without a screen, for the sync tests
** that need many kiosks and many registrations (tests/integration/sync_*.sh). It uses the same
** library calls as `borne` (store, ticket signing, seat request, check-in); the screen's path
** itself is covered by the replay tests.
**
**   kiosk_sim register DB SESSION FIRST LAST [--offline]
**       register as an enrolled kiosk does: ask the server for the seat (unless --offline), else
**       spend the allotment, else the waiting list. Prints "confirmed|waitlist CODE TICKET_ID
**       PAYLOAD", or "full" / "closed" / "error ..." (exit 1).
**   kiosk_sim checkin DB PAYLOAD
**       verify a scanned payload and check it in. Prints the verdict ("welcome", "already",
**       "invalid:<reason>", ...).
**   kiosk_sim cancel DB TICKET_ID
**       cancel a ticket, as staff do at the kiosk (an outbox event tells the server).
**   kiosk_sim state DB
**       prints the sync state: pending, refused, cursor, site.
**   kiosk_sim churn DB TAG COUNT SESSION... [--offline] [--seed N] [--pace MS] [--until FILE]
**                   [--ack-early]
**       a busy hour at the counter and the door, for the kill -9 tests (tests/faults/kill_*.sh):
**       COUNT visitors ("Visiteur", "TAG-i") register in turn for the SESSIONs, as `register`
**       does. Every other one registers at a door already open for the session, and the same
**       transaction checks them in (a visitor who registers and walks in); the others have
**       their ticket scanned at the door a little later (a check-in of its own). Now and then
**       staff cancel a ticket not checked in. Each action is printed on a line of its own, and
**       flushed, only after its COMMIT returned: what the process printed was acknowledged.
**           reg REGISTRATION_ID TICKET_ID confirmed|waitlist
**           checkin CHECKIN_ID TICKET_ID
**           cancel TICKET_ID
**           refused full|closed SESSION      (a registration turned down; the churn goes on)
**       "error ..." (exit 1) when something else fails. --seed N makes the order of scans and
**       cancellations replayable; --pace MS waits up to MS ms (at random) before each visitor;
**       --until FILE stops before the next visitor once FILE exists. --ack-early is a bug on
**       purpose, to show that the tests catch one: the registration's line is printed before
**       store_register() instead of after its COMMIT. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/kiosk_int.h"
#include "client/sync.h"
#include "store/store.h"
#include "ticket/ids.h"
#include "ticket/payload.h"

static int fail(const char *what, struct store *st)
{
    printf("error %s %s\n", what, st ? store_errmsg(st) : "");
    return 1;
}

/* How a registration is made: see do_register() and do_churn(). */
struct reg_how {
    bool offline;   /* no seat request: spend the allotment, else the waiting list */
    bool door_open; /* the kiosk's check-in window: checked in at once if the session is on */
    bool ack_early; /* the deliberate bug of --ack-early */
};

/* The ids, seat and ticket of a registration, then store_register(): the path of
** kiosk_register_now(), a short code that collides included (made again). */
static enum borne_err sim_register(struct store *st, const char *session, const char *first,
                                   const char *last, const struct reg_how *how,
                                   struct registration_request *req, struct registration *reg)
{
    struct store_sync_state ss;
    uint8_t sk[64];
    memset(req, 0, sizeof *req);
    memset(reg, 0, sizeof *reg);
    if (!kiosk_device_key_ensure(st) || store_device_secret_get(st, sk) != BORNE_OK ||
        store_sync_state_get(st, &ss) != BORNE_OK)
        return BORNE_ERR_INTERNAL;
    snprintf(req->session_id, sizeof req->session_id, "%s", session);
    snprintf(req->first_name, sizeof req->first_name, "%s", first);
    snprintf(req->last_name, sizeof req->last_name, "%s", last);
    req->now = (int64_t)time(NULL);
    if (how->door_open) {
        req->checkin_opens_before_s = CHECKIN_OPENS_BEFORE_DEFAULT_S;
        req->checkin_closes_after_s = CHECKIN_CLOSES_AFTER_DEFAULT_S;
    }
    bool enrolled = ss.token[0] != '\0';
    req->seat_mode = enrolled ? REGISTRATION_SEAT_ESCROW : REGISTRATION_SEAT_LOCAL;
    if (enrolled && !how->offline) {
        struct sync_seat_reply rep;
        char request_id[BORNE_ID_MAX];
        enum borne_err err = ticket_random_id(request_id);
        if (err == BORNE_OK)
            err = sync_seat(NULL, ss.url, ss.token, session, request_id, &rep);
        kiosk_seat_answer(st, err, &rep, req->now, req);
    } else {
        req->waitlist_ok = enrolled;
    }
    enum borne_err err = BORNE_OK;
    for (int attempt = 0; attempt < 3; attempt++) {
        struct ticket_claim c;
        memset(&c, 0, sizeof c);
        err = ticket_random_id(req->registration_id);
        if (err == BORNE_OK)
            err = ticket_random_id(req->event_id);
        if (err == BORNE_OK)
            err = ticket_random_id(req->ticket_id);
        if (err == BORNE_OK)
            err = ticket_random_id(req->checkin_id);
        if (err == BORNE_OK)
            err = ticket_random_id(req->checkin_event_id);
        if (err == BORNE_OK)
            err = ticket_short_code_new(req->short_code);
        if (err == BORNE_OK) {
            memcpy(c.ticket_id, req->ticket_id, sizeof c.ticket_id);
            memcpy(c.session_id, req->session_id, sizeof c.session_id);
            snprintf(c.device_id, sizeof c.device_id, "%s", store_device_id(st));
            err = ticket_payload_sign(&c, sk, req->payload, sizeof req->payload);
            c.waitlist = true; /* the ticket if the store puts the visitor on the waiting list */
            if (err == BORNE_OK && req->waitlist_ok)
                err = ticket_payload_sign(&c, sk, req->payload_waitlist,
                                          sizeof req->payload_waitlist);
        }
        if (err != BORNE_OK)
            break;
        if (how->ack_early) /* the bug on purpose: told before it is stored */
            printf("reg %s %s confirmed\n", req->registration_id, req->ticket_id);
        err = store_register(st, req, reg);
        if (err != BORNE_ERR_INVALID && err != BORNE_ERR_BUSY) /* as kiosk_register_now() */
            break;
    }
    explicit_bzero(sk, sizeof sk);
    return err;
}

static int do_register(struct store *st, const char *session, const char *first, const char *last,
                       bool offline)
{
    struct registration_request req;
    struct registration reg;
    struct reg_how how = {.offline = offline};
    enum borne_err err = sim_register(st, session, first, last, &how, &req, &reg);
    if (err == BORNE_ERR_SESSION_FULL) {
        printf("full\n");
        return 1;
    }
    if (err == BORNE_ERR_SESSION_CLOSED) {
        printf("closed\n");
        return 1;
    }
    if (err != BORNE_OK)
        return fail(borne_err_str(err), st);
    printf("%s %s %s %s\n", reg.status == REGISTRATION_WAITLIST ? "waitlist" : "confirmed",
           reg.short_code, reg.ticket_id,
           reg.status == REGISTRATION_WAITLIST ? req.payload_waitlist : req.payload);
    return 0;
}

/* A payload scanned at the door, as kiosk_checkin() does: verified, then store_checkin().
** *ps says whether the payload was valid; req->checkin_id is the check-in's id when the
** verdict is welcome. */
static enum borne_err sim_checkin(struct store *st, const char *payload, enum payload_status *ps,
                                  struct checkin_request *req, struct checkin_result *res)
{
    struct ticket_claim c;
    memset(req, 0, sizeof *req);
    memset(res, 0, sizeof *res);
    *ps = kiosk_checkin_claim(st, payload, req, &c);
    if (*ps != PAYLOAD_OK && *ps != PAYLOAD_REVOKED_KEY)
        return BORNE_OK;
    *ps = PAYLOAD_OK; /* the store judges a revoked device's ticket */
    req->now = (int64_t)time(NULL);
    req->window =
        (struct checkin_window){CHECKIN_OPENS_BEFORE_DEFAULT_S, CHECKIN_CLOSES_AFTER_DEFAULT_S};
    enum borne_err err = ticket_random_id(req->checkin_id);
    if (err == BORNE_OK)
        err = ticket_random_id(req->event_id);
    if (err == BORNE_OK)
        err = store_checkin(st, req, res);
    for (int again = 0; err == BORNE_ERR_BUSY && again < 2; again++) /* as the door does */
        err = store_checkin(st, req, res);
    return err;
}

static int do_checkin(struct store *st, const char *payload)
{
    struct checkin_request req;
    struct checkin_result res;
    enum payload_status ps;
    enum borne_err err = sim_checkin(st, payload, &ps, &req, &res);
    if (err != BORNE_OK)
        return fail("checkin", st);
    if (ps != PAYLOAD_OK) {
        printf("invalid:%s\n", ticket_payload_status_str(ps));
        return 0;
    }
    if (res.verdict == VERDICT_INVALID)
        printf("invalid:%s\n", invalid_reason_str(res.reason));
    else
        printf("%s\n", verdict_str(res.verdict));
    return 0;
}

/* ---- churn ----------------------------------------------------------------------------- */

#define CHURN_SESSIONS_MAX 8
#define CHURN_QUEUE_MAX 8 /* tickets waiting to be scanned at the door */

struct churn_ticket {
    char id[BORNE_ID_MAX];
    char payload[BORNE_PAYLOAD_MAX];
};

/* Scan the oldest ticket of the queue; a welcome is a check-in, acknowledged on a line. */
static bool churn_scan(struct store *st, struct churn_ticket *queue, int *n_queue)
{
    struct checkin_request req;
    struct checkin_result res;
    enum payload_status ps;
    enum borne_err err = sim_checkin(st, queue[0].payload, &ps, &req, &res);
    if (err != BORNE_OK || ps != PAYLOAD_OK) {
        printf("error scan %s %s\n", ps != PAYLOAD_OK ? ticket_payload_status_str(ps) : "",
               store_errmsg(st));
        return false;
    }
    if (res.verdict == VERDICT_WELCOME)
        printf("checkin %s %s\n", req.checkin_id, req.ticket_id);
    (*n_queue)--;
    memmove(queue, queue + 1, (size_t)*n_queue * sizeof *queue);
    return true;
}

static int do_churn(struct store *st, int argc, char **argv)
{
    const char *tag = argv[3];
    int count = atoi(argv[4]);
    const char *sessions[CHURN_SESSIONS_MAX];
    int n_sessions = 0, first = 0;
    unsigned seed = 1;
    long pace_ms = 0;
    const char *until = NULL;
    struct reg_how how = {0};
    for (int i = 5; i < argc; i++) {
        if (!strcmp(argv[i], "--offline")) {
            how.offline = true;
        } else if (!strcmp(argv[i], "--ack-early")) {
            how.ack_early = true;
        } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
            seed = (unsigned)strtoul(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--pace") && i + 1 < argc) {
            pace_ms = strtol(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--until") && i + 1 < argc) {
            until = argv[++i];
        } else if (argv[i][0] != '-' && n_sessions < CHURN_SESSIONS_MAX) {
            sessions[n_sessions++] = argv[i];
        } else {
            fprintf(stderr, "kiosk_sim: churn: bad argument %s\n", argv[i]);
            return 2;
        }
    }
    if (count <= 0 || n_sessions == 0) {
        fprintf(stderr, "kiosk_sim: churn DB TAG COUNT SESSION... [--offline] [--seed N] "
                        "[--pace MS] [--until FILE] [--ack-early]\n");
        return 2;
    }
    /* A line reaches the reader as soon as it is printed: killed a moment later, the process
    ** has still told what it acknowledged. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    srand(seed);
    first = rand() % n_sessions;
    struct churn_ticket queue[CHURN_QUEUE_MAX];
    int n_queue = 0;
    for (int i = 0; i < count && !(until && access(until, F_OK) == 0); i++) {
        if (pace_ms > 0 && i > 0) {
            long ms = rand() % (pace_ms + 1);
            struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
        struct registration_request req;
        struct registration reg;
        char last[BORNE_NAME_MAX];
        snprintf(last, sizeof last, "%s-%d", tag, i);
        /* Pairs of visitors per session, so that each session sees both doors. */
        how.door_open = i % 2 == 0;
        enum borne_err err = sim_register(st, sessions[(first + i / 2) % n_sessions], "Visiteur",
                                          last, &how, &req, &reg);
        if (err == BORNE_ERR_SESSION_FULL || err == BORNE_ERR_SESSION_CLOSED) {
            printf("refused %s %s\n", err == BORNE_ERR_SESSION_FULL ? "full" : "closed",
                   req.session_id);
            fprintf(stderr, "kiosk_sim: churn: %s%s\n", store_errmsg(st),
                    req.seat_from_server ? " (a seat the server granted for it)" : "");
            continue;
        }
        if (err != BORNE_OK)
            return fail(borne_err_str(err), st);
        if (!how.ack_early)
            printf("reg %s %s %s\n", reg.id, reg.ticket_id,
                   reg.status == REGISTRATION_WAITLIST ? "waitlist" : "confirmed");
        if (reg.checked_in_at) {
            printf("checkin %s %s\n", req.checkin_id, reg.ticket_id);
        } else if (!how.door_open) {
            if (n_queue == CHURN_QUEUE_MAX && !churn_scan(st, queue, &n_queue))
                return 1;
            memcpy(queue[n_queue].id, reg.ticket_id, sizeof queue[n_queue].id);
            /* The payload printed on the ticket: marked when it is on the waiting list. */
            memcpy(queue[n_queue].payload,
                   reg.status == REGISTRATION_WAITLIST ? req.payload_waitlist : req.payload,
                   sizeof queue[n_queue].payload);
            n_queue++;
        } else if (rand() % 4 == 0) {
            /* Staff cancel a ticket nobody came with. */
            if (store_ticket_cancel(st, reg.ticket_id, (int64_t)time(NULL)) != BORNE_OK)
                return fail("cancel", st);
            printf("cancel %s\n", reg.ticket_id);
        }
        /* The door works at its own pace: a few tickets wait, in arrival order. */
        while (n_queue > rand() % 3)
            if (!churn_scan(st, queue, &n_queue))
                return 1;
    }
    while (n_queue > 0)
        if (!churn_scan(st, queue, &n_queue))
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: kiosk_sim register|checkin|cancel|state|churn DB ...\n");
        return 2;
    }
    struct store *st = NULL;
    char why[300];
    if (store_open(argv[2], &st, why, sizeof why) != BORNE_OK) {
        printf("error open %s\n", why);
        return 1;
    }
    sync_global_init();
    int rc = 2;
    if (!strcmp(argv[1], "register") && argc >= 6) {
        rc = do_register(st, argv[3], argv[4], argv[5], argc > 6 && !strcmp(argv[6], "--offline"));
    } else if (!strcmp(argv[1], "checkin") && argc >= 4) {
        rc = do_checkin(st, argv[3]);
    } else if (!strcmp(argv[1], "cancel") && argc >= 4) {
        rc = store_ticket_cancel(st, argv[3], (int64_t)time(NULL)) == BORNE_OK ? 0 : 1;
    } else if (!strcmp(argv[1], "churn") && argc >= 6) {
        rc = do_churn(st, argc, argv);
    } else if (!strcmp(argv[1], "state")) {
        struct store_sync_state ss;
        rc = store_sync_state_get(st, &ss) == BORNE_OK ? 0 : 1;
        printf("pending %d refused %d site %s cursor %s\n", ss.pending, ss.refused, ss.site_id,
               ss.cursor);
    } else {
        fprintf(stderr, "kiosk_sim: bad command\n");
    }
    store_close(st);
    return rc;
}
