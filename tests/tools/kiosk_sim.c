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
**       prints the sync state: pending, refused, cursor, site. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static int do_register(struct store *st, const char *session, const char *first, const char *last,
                       bool offline)
{
    struct registration_request req;
    struct registration reg;
    struct store_sync_state ss;
    uint8_t sk[64];
    memset(&req, 0, sizeof req);
    if (!kiosk_device_key_ensure(st) || store_device_secret_get(st, sk) != BORNE_OK ||
        store_sync_state_get(st, &ss) != BORNE_OK)
        return fail("key", st);
    snprintf(req.session_id, sizeof req.session_id, "%s", session);
    snprintf(req.first_name, sizeof req.first_name, "%s", first);
    snprintf(req.last_name, sizeof req.last_name, "%s", last);
    req.now = (int64_t)time(NULL);
    bool enrolled = ss.token[0] != '\0';
    req.seat_mode = enrolled ? REGISTRATION_SEAT_ESCROW : REGISTRATION_SEAT_LOCAL;
    if (enrolled && !offline) {
        struct sync_seat_reply rep;
        char request_id[BORNE_ID_MAX];
        enum borne_err err = ticket_random_id(request_id);
        if (err == BORNE_OK)
            err = sync_seat(NULL, ss.url, ss.token, session, request_id, &rep);
        if (err == BORNE_OK && rep.granted &&
            store_allotment_merge(st, &rep.allotment, rep.seats_taken, req.now) == BORNE_OK)
            req.seat_from_server = true;
        req.waitlist_ok = err != BORNE_OK;
    } else {
        req.waitlist_ok = enrolled;
    }
    struct ticket_claim c;
    memset(&c, 0, sizeof c);
    enum borne_err err = ticket_random_id(req.registration_id);
    if (err == BORNE_OK)
        err = ticket_random_id(req.event_id);
    if (err == BORNE_OK)
        err = ticket_random_id(req.ticket_id);
    if (err == BORNE_OK)
        err = ticket_random_id(req.checkin_id);
    if (err == BORNE_OK)
        err = ticket_random_id(req.checkin_event_id);
    if (err == BORNE_OK)
        err = ticket_short_code_new(req.short_code);
    if (err == BORNE_OK) {
        memcpy(c.ticket_id, req.ticket_id, sizeof c.ticket_id);
        memcpy(c.session_id, req.session_id, sizeof c.session_id);
        snprintf(c.device_id, sizeof c.device_id, "%s", store_device_id(st));
        err = ticket_payload_sign(&c, sk, req.payload, sizeof req.payload);
        c.waitlist = true; /* the ticket if the store puts the visitor on the waiting list */
        if (err == BORNE_OK && req.waitlist_ok)
            err = ticket_payload_sign(&c, sk, req.payload_waitlist, sizeof req.payload_waitlist);
    }
    explicit_bzero(sk, sizeof sk);
    if (err == BORNE_OK)
        err = store_register(st, &req, &reg);
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

static int do_checkin(struct store *st, const char *payload)
{
    struct checkin_request req;
    struct checkin_result res;
    struct ticket_claim c;
    memset(&req, 0, sizeof req);
    /* The door's own check (a revoked device's ticket goes on: the store judges it). */
    enum payload_status ps = kiosk_checkin_claim(st, payload, &req, &c);
    if (ps != PAYLOAD_OK && ps != PAYLOAD_REVOKED_KEY) {
        printf("invalid:%s\n", ticket_payload_status_str(ps));
        return 0;
    }
    req.now = (int64_t)time(NULL);
    req.window =
        (struct checkin_window){CHECKIN_OPENS_BEFORE_DEFAULT_S, CHECKIN_CLOSES_AFTER_DEFAULT_S};
    if (ticket_random_id(req.checkin_id) != BORNE_OK || ticket_random_id(req.event_id) != BORNE_OK)
        return fail("ids", st);
    if (store_checkin(st, &req, &res) != BORNE_OK)
        return fail("checkin", st);
    if (res.verdict == VERDICT_INVALID)
        printf("invalid:%s\n", invalid_reason_str(res.reason));
    else
        printf("%s\n", verdict_str(res.verdict));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: kiosk_sim register|checkin|state DB ...\n");
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
