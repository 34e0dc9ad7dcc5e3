/* Tickets in the kiosk: the device key, signing a new ticket, printing it off the UI thread,
** scanners, and checking tickets in. The workers (printer, scanner) run on threads of their
** own and hand their results to this thread as SDL events, so the loop wakes for them and
** the state is only ever touched here. See kiosk_int.h. */
#include "app/kiosk_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock/clock.h"
#include "core/text.h"
#include "escpos/codepage.h"
#include "escpos/escpos.h"
#include "escpos/ticket_job.h"
#include "ticket/ids.h"
#include "ticket/payload.h"

/* What a worker thread hands over in an SDL event (user.data1, freed by the loop). */
enum worker_msg_kind { MSG_PRINT = 0, MSG_SCAN };
struct worker_msg {
    enum worker_msg_kind kind;
    struct printer_report report;
    enum scan_source source;
    char code[SCAN_MAX];
};

static void post(struct kiosk *k, struct worker_msg *m)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = k->ev_worker;
    e.user.data1 = m;
    /* SDL_PushEvent is thread-safe; a full queue (thousands of events) means the loop is
    ** stuck, and the message is dropped with a line rather than blocking a worker. */
    if (SDL_PushEvent(&e) != 1) {
        fprintf(stderr, "borne: event queue full: a %s report was dropped\n",
                m->kind == MSG_PRINT ? "printer" : "scanner");
        free(m);
    }
}

static void on_print_report(void *ctx, const struct printer_report *r)
{
    struct worker_msg *m = calloc(1, sizeof *m);
    if (!m)
        return;
    m->kind = MSG_PRINT;
    m->report = *r;
    post(ctx, m);
}

static void on_scan(void *ctx, enum scan_source src, const char *code)
{
    struct worker_msg *m = calloc(1, sizeof *m);
    if (!m)
        return;
    m->kind = MSG_SCAN;
    m->source = src;
    snprintf(m->code, sizeof m->code, "%s", code);
    post(ctx, m);
}

void kiosk_post_scan(struct kiosk *k, const char *code)
{
    on_scan(k, SCAN_SOURCE_KEYS, code); /* "keys": neither device; logged as a replay's */
}

static void on_scanner_log(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "borne: scanner: %s\n", line);
}

static enum printer_health health_of(enum printer_state st)
{
    switch (st) {
    case PRINTER_READY:
        return PRINTER_HEALTH_OK;
    case PRINTER_PAPER_LOW:
        return PRINTER_HEALTH_PAPER_LOW;
    case PRINTER_PAPER_OUT:
        return PRINTER_HEALTH_PAPER_OUT;
    case PRINTER_OFFLINE:
        return PRINTER_HEALTH_OFFLINE;
    case PRINTER_ERROR:
        return PRINTER_HEALTH_ERROR;
    case PRINTER_DISABLED:
        return PRINTER_HEALTH_NONE;
    case PRINTER_UNKNOWN:
        break;
    }
    return PRINTER_HEALTH_UNKNOWN;
}

/* ---- set-up ------------------------------------------------------------------------------ */

/* The key pair is made at first start and kept in the store; it never leaves it, except as
** the public half (device_keys, later sync). */
bool kiosk_device_key_ensure(struct store *st)
{
    uint8_t sk[64];
    enum borne_err err = store_device_secret_get(st, sk);
    if (err == BORNE_ERR_NOT_FOUND) {
        uint8_t pk[32];
        err = ticket_keypair_new(pk, sk);
        if (err == BORNE_OK)
            err = store_device_secret_put(st, sk, pk);
        if (err == BORNE_OK)
            fprintf(stderr, "borne: device key made for %s\n", store_device_id(st));
    }
    explicit_bzero(sk, sizeof sk);
    if (err != BORNE_OK) {
        fprintf(stderr, "borne: the device key cannot be used: %s (%s)\n", borne_err_str(err),
                store_errmsg(st));
        return false;
    }
    return true;
}

static bool load_key(struct kiosk *k)
{
    if (!kiosk_device_key_ensure(k->st))
        return false;
    enum borne_err err = store_device_secret_get(k->st, k->secret_key);
    if (err != BORNE_OK) {
        fprintf(stderr, "borne: the device key cannot be read: %s (%s)\n", borne_err_str(err),
                store_errmsg(k->st));
        return false;
    }
    return true;
}

/* "DEVICE_ID BASE64KEY" lines of [keys] trusted: tickets of those devices check in here. The
** configured list replaces the previous one, so a line deleted (a stolen kiosk) is a key no
** longer trusted. */
static void load_trusted_keys(struct kiosk *k)
{
    static char ids[KIOSK_TRUSTED_MAX][BORNE_ID_MAX];
    static uint8_t keys[KIOSK_TRUSTED_MAX][32];
    size_t n = 0;
    for (int i = 0; i < k->opt.n_trusted_keys; i++) {
        char key[64];
        const char *line = k->opt.trusted_keys[i];
        if (sscanf(line, "%39s %63s", ids[n], key) != 2 ||
            ticket_public_key_parse(key, keys[n]) != BORNE_OK) {
            fprintf(stderr,
                    "borne: [keys] trusted line %d is not \"DEVICE_ID BASE64KEY\": ignored\n",
                    i + 1);
            continue;
        }
        if (strcmp(ids[n], store_device_id(k->st)) == 0) {
            fprintf(stderr, "borne: [keys] trusted line %d names this kiosk itself: ignored\n",
                    i + 1);
            continue;
        }
        n++;
    }
    int kept = 0;
    if (store_device_keys_configure(k->st, ids, keys, n, &kept) != BORNE_OK)
        fprintf(stderr, "borne: [keys] not recorded: %s\n", store_errmsg(k->st));
    else if ((size_t)kept < n)
        fprintf(stderr, "borne: [keys] %zu of %zu trusted keys are already known otherwise\n",
                n - (size_t)kept, n);
}

/* Registrations made before this kiosk printed tickets (an upgrade): their codes were given,
** so their tickets are signed now and the codes work at the door. */
static void backfill_tickets(struct kiosk *k)
{
    struct registration *regs = calloc(64, sizeof *regs);
    size_t n = 0, done = 0;
    if (!regs)
        return;
    while (store_registrations_without_ticket(k->st, regs, 64, &n) == BORNE_OK && n > 0) {
        size_t before = done;
        for (size_t i = 0; i < n; i++) {
            struct ticket t;
            struct ticket_claim c;
            memset(&t, 0, sizeof t);
            memset(&c, 0, sizeof c);
            if (ticket_random_id(t.id) != BORNE_OK)
                break;
            memcpy(c.ticket_id, t.id, sizeof c.ticket_id);
            memcpy(c.session_id, regs[i].session_id, sizeof c.session_id);
            snprintf(c.device_id, sizeof c.device_id, "%s", store_device_id(k->st));
            memcpy(t.registration_id, regs[i].id, sizeof t.registration_id);
            memcpy(t.session_id, c.session_id, sizeof t.session_id);
            memcpy(t.device_id, c.device_id, sizeof t.device_id);
            memcpy(t.short_code, regs[i].short_code, sizeof t.short_code);
            memcpy(t.first_name, regs[i].first_name, sizeof t.first_name);
            t.issued_at = regs[i].created_at;
            if (ticket_payload_sign(&c, k->secret_key, t.payload, sizeof t.payload) == BORNE_OK &&
                store_ticket_put(k->st, &t) == BORNE_OK)
                done++;
        }
        if (done == before)
            break; /* nothing could be made: do not loop */
    }
    free(regs);
    if (done)
        fprintf(stderr, "borne: tickets signed for %zu registrations made before tickets\n", done);
}

void kiosk_tickets_open(struct kiosk *k)
{
    k->ev_worker = SDL_RegisterEvents(1);
    if (k->ev_worker == (Uint32)-1)
        k->ev_worker = 0;
    scan_keys_init(&k->keys, 500);
    k->state->checkin_window.opens_before_s = k->opt.checkin_opens_before_min * 60;
    k->state->checkin_window.closes_after_s = k->opt.checkin_closes_after_min * 60;
    if (!k->opt.replay_path)
        k->sound = sound_open();

    if (k->st) {
        k->have_key = load_key(k);
        if (!k->have_key)
            kiosk_dispatch(k, (struct action){.kind = ACT_FAULT, .text = "device key"});
        load_trusted_keys(k);
        if (k->have_key)
            backfill_tickets(k);
        int n = 0;
        if (store_print_jobs_interrupt(k->st, k->state->now, &n) == BORNE_OK && n > 0)
            fprintf(stderr, "borne: %d print jobs were cut short by a stop; staff can reprint\n",
                    n);
    }

    const char *uri = k->opt.printer_uri;
    k->printer.kind = PRINTER_NONE;
    if (uri && strcmp(uri, "none") != 0) {
        char why[200];
        if (printer_uri_parse(uri, &k->printer, why, sizeof why) != BORNE_OK) {
            fprintf(stderr, "borne: printer %s: %s: tickets will be shown on screen\n", uri, why);
            k->printer.kind = PRINTER_NONE;
        }
    }
    if (k->printer.kind != PRINTER_NONE &&
        printer_worker_start(&k->printer, on_print_report, k, &k->pw) != BORNE_OK) {
        fprintf(stderr, "borne: the printer worker cannot start: tickets shown on screen\n");
        k->printer.kind = PRINTER_NONE;
    }
    kiosk_dispatch(k, (struct action){.kind = ACT_PRINTER,
                                      .arg = k->pw ? PRINTER_HEALTH_UNKNOWN : PRINTER_HEALTH_NONE});
    if (k->pw)
        printer_worker_poll(k->pw);

    if ((k->opt.scanner_evdev && k->opt.scanner_evdev[0]) ||
        (k->opt.scanner_serial && k->opt.scanner_serial[0])) {
        struct scanner_config cfg;
        memset(&cfg, 0, sizeof cfg);
        snprintf(cfg.evdev_path, sizeof cfg.evdev_path, "%s",
                 k->opt.scanner_evdev ? k->opt.scanner_evdev : "");
        snprintf(cfg.serial_path, sizeof cfg.serial_path, "%s",
                 k->opt.scanner_serial ? k->opt.scanner_serial : "");
        cfg.serial_baud = k->opt.scanner_baud;
        if (scanner_start(&cfg, on_scan, on_scanner_log, k, &k->scanner) != BORNE_OK)
            fprintf(stderr, "borne: the scanner reader cannot start\n");
    }
}

void kiosk_tickets_close(struct kiosk *k)
{
    scanner_stop(k->scanner);
    k->scanner = NULL;
    printer_worker_stop(k->pw);
    k->pw = NULL;
    sound_close(k->sound);
    k->sound = NULL;
    /* Messages the workers left in the queue own memory; a print report among them still
    ** goes into the print log, or a ticket that did print would read "interrupted". */
    SDL_Event e;
    while (k->ev_worker && SDL_PeepEvents(&e, 1, SDL_GETEVENT, k->ev_worker, k->ev_worker) == 1) {
        const struct worker_msg *m = e.user.data1;
        if (m && m->kind == MSG_PRINT && m->report.job_id && k->st)
            store_print_job_set(k->st, m->report.job_id,
                                m->report.err == BORNE_OK ? PRINT_DONE : PRINT_FAILED,
                                m->report.status.detail, k->state ? k->state->now : 0);
        free(e.user.data1);
    }
    explicit_bzero(k->secret_key, sizeof k->secret_key);
}

/* ---- a new ticket -------------------------------------------------------------------------- */

enum borne_err kiosk_ticket_prepare(struct kiosk *k, struct registration_request *req)
{
    if (!k->have_key)
        return BORNE_ERR_INTERNAL;
    struct ticket_claim c;
    memset(&c, 0, sizeof c);
    enum borne_err err = ticket_random_id(req->ticket_id);
    if (err == BORNE_OK)
        err = ticket_random_id(req->checkin_id);
    if (err == BORNE_OK)
        err = ticket_random_id(req->checkin_event_id);
    if (err != BORNE_OK)
        return err;
    memcpy(c.ticket_id, req->ticket_id, sizeof c.ticket_id);
    memcpy(c.session_id, req->session_id, sizeof c.session_id);
    snprintf(c.device_id, sizeof c.device_id, "%s", store_device_id(k->st));
    err = ticket_payload_sign(&c, k->secret_key, req->payload, sizeof req->payload);
    /* The store decides whether the visitor gets a seat: the ticket for the other outcome is
    ** signed too, so that whichever it keeps says what it is. */
    c.waitlist = true;
    if (err == BORNE_OK && req->seat_mode == REGISTRATION_SEAT_ESCROW && req->waitlist_ok)
        err = ticket_payload_sign(&c, k->secret_key, req->payload_waitlist,
                                  sizeof req->payload_waitlist);
    req->print = k->pw != NULL;
    req->checkin_opens_before_s = k->state->checkin_window.opens_before_s;
    req->checkin_closes_after_s = k->state->checkin_window.closes_after_s;
    return err;
}

/* The print job of ticket t in language lang, for first_name ("" when purged). */
static enum borne_err build_job(struct kiosk *k, const struct ticket *t, int lang,
                                const char *first_name, struct escpos_buf *b)
{
    struct ui *ui = &k->ui;
    ui->lang = lang;
    struct session ses;
    enum borne_err err = store_session_get(k->st, t->session_id, &ses);
    if (err != BORNE_OK)
        return err;
    char date[64], from[8], to[8], range[48], when[128], who[300], code[24];
    ui_date_long(ui, ses.starts_at, date, sizeof date);
    ui_time(ses.starts_at, from, sizeof from);
    ui_time(ses.ends_at, to, sizeof to);
    const char *times[] = {from, to};
    i18n_format(range, sizeof range, ui_tr(ui, STR_TIME_RANGE), times, 2);
    if (date[0] >= 'a' && date[0] <= 'z')
        date[0] = (char)(date[0] - 'a' + 'A');
    snprintf(when, sizeof when, "%s, %s", date, range);
    const char *name[] = {first_name};
    who[0] = '\0';
    if (first_name[0])
        i18n_format(who, sizeof who, ui_tr(ui, STR_TICKET_FOR), name, 1);
    text_short_code_grouped(t->short_code, code, sizeof code);
    enum escpos_codepage cp = ESCPOS_CP858;
    if (k->opt.codepage && !escpos_codepage_parse(k->opt.codepage, &cp))
        cp = ESCPOS_CP858;
    struct ticket_print tp = {
        .centre = k->opt.centre,
        .title = ses.title,
        .when = when,
        .room = ses.room_name,
        .first_name = who,
        .payload = t->payload,
        .short_code = code,
        .code_label = ui_tr(ui, STR_TICKET_CODE_LABEL),
        .arrival = ui_tr(ui, t->waitlist ? STR_TICKET_ARRIVAL_WAITLIST : STR_TICKET_ARRIVAL),
        .note = t->waitlist ? ui_tr(ui, STR_TICKET_WAITLIST) : NULL,
        .waitlist = t->waitlist,
        .paper_mm = k->opt.paper_mm,
        .codepage = cp,
    };
    return ticket_job_build(&tp, b);
}

void kiosk_print(struct kiosk *k)
{
    const struct registration *r = &k->state->done;
    static uint8_t modules[APP_QR_SIDE_MAX * APP_QR_SIDE_MAX];
    int side = 0;
    struct ticket t;
    enum borne_err err = store_ticket_get(k->st, r->ticket_id, &t);
    if (err == BORNE_OK)
        err = escpos_qr_matrix(t.payload, modules, APP_QR_SIDE_MAX, &side);
    if (err != BORNE_OK) {
        fprintf(stderr, "borne: ticket %s cannot be shown: %s (%s)\n", r->ticket_id,
                borne_err_str(err), store_errmsg(k->st));
        side = 0;
    }

    int64_t job = r->print_job_id;
    if (job) {
        struct escpos_buf b;
        escpos_buf_init(&b);
        if (err == BORNE_OK)
            err = build_job(k, &t, k->state->lang, r->first_name, &b);
        /* Marked sent before a byte leaves: a stop from here on leaves it "interrupted", and it
        ** is never printed a second time by itself. */
        if (err == BORNE_OK)
            err = store_print_job_set(k->st, job, PRINT_SENT, "", k->state->now);
        if (err == BORNE_OK)
            err = printer_worker_submit(k->pw, job, b.data, b.len);
        escpos_buf_deinit(&b);
        if (err == BORNE_OK) {
            k->jobs_in_flight++;
        } else {
            fprintf(stderr, "borne: print job %lld not started: %s\n", (long long)job,
                    borne_err_str(err));
            store_print_job_set(k->st, job, PRINT_FAILED, borne_err_str(err), k->state->now);
            kiosk_dispatch(k, (struct action){.kind = ACT_PRINTER, .arg = PRINTER_HEALTH_ERROR});
            kiosk_dispatch(k, (struct action){.kind = ACT_PRINTED, .id = job, .err = err});
        }
    }
    kiosk_dispatch(
        k, (struct action){.kind = ACT_TICKET_QR, .qr = side ? modules : NULL, .arg = side});
}

void kiosk_worker_event(struct kiosk *k, const SDL_Event *e)
{
    struct worker_msg *m = e->user.data1;
    if (!m)
        return;
    if (m->kind == MSG_SCAN) {
        /* Never the whole code in the log: it is a ticket. Of anything else (a staff badge,
        ** a stray barcode) not even a part. */
        bool ticket = ticket_payload_looks_like(m->code, strlen(m->code));
        fprintf(stderr, "borne: scan from %s: %.*s%s (%zu characters)\n",
                m->source == SCAN_SOURCE_EVDEV    ? "evdev"
                : m->source == SCAN_SOURCE_SERIAL ? "serial"
                                                  : "replay",
                ticket ? 8 : 12, ticket ? m->code : "not a ticket", ticket ? "..." : "",
                strlen(m->code));
        kiosk_dispatch(k, (struct action){.kind = ACT_SCAN, .text = m->code});
        if (m->source != SCAN_SOURCE_KEYS)
            k->scans_from[m->source == SCAN_SOURCE_EVDEV ? 0 : 1]++;
    } else {
        const struct printer_report *r = &m->report;
        enum printer_health h = health_of(r->status.state);
        if (r->job_id) {
            k->jobs_in_flight--;
            if (r->err != BORNE_OK && (h == PRINTER_HEALTH_OK || h == PRINTER_HEALTH_UNKNOWN ||
                                       h == PRINTER_HEALTH_PAPER_LOW))
                h = PRINTER_HEALTH_ERROR;
            enum borne_err err = store_print_job_set(k->st, r->job_id,
                                                     r->err == BORNE_OK ? PRINT_DONE : PRINT_FAILED,
                                                     r->status.detail, k->state->now);
            /* The code, for staff: "borne reprint CODE" takes it. */
            struct print_job pj;
            struct ticket t;
            const char *code = store_print_job_get(k->st, r->job_id, &pj) == BORNE_OK &&
                                       store_ticket_get(k->st, pj.ticket_id, &t) == BORNE_OK
                                   ? t.short_code
                                   : "?";
            fprintf(stderr, "borne: print job %lld (ticket %s): %s (%s)%s\n", (long long)r->job_id,
                    code, r->err == BORNE_OK ? "printed" : "NOT PRINTED", r->status.detail,
                    err == BORNE_OK ? "" : " [print log not updated]");
        } else if (h != k->state->printer) {
            fprintf(stderr, "borne: printer: %s (%s)\n", printer_state_str(r->status.state),
                    r->status.detail);
        }
        kiosk_dispatch(k, (struct action){.kind = ACT_PRINTER, .arg = h});
        if (r->job_id)
            kiosk_dispatch(k, (struct action){.kind = ACT_PRINTED, .id = r->job_id, .err = r->err});
    }
    free(m);
}

void kiosk_scan_key(struct kiosk *k, const SDL_KeyboardEvent *key, int64_t now_ms)
{
    char code[SCAN_MAX];
    const char *why = NULL;
    if (!k->opt.scanner_keyboard || key->repeat)
        return;
    /* Caps Lock makes capitals of letters only: on digits it must not give !@#. */
    int usage = (int)key->keysym.scancode;
    bool shift = (key->keysym.mod & KMOD_SHIFT) != 0;
    if ((key->keysym.mod & KMOD_CAPS) && usage >= SDL_SCANCODE_A && usage <= SDL_SCANCODE_Z)
        shift = !shift;
    /* SDL's scancodes are USB HID usage ids: the key's position, whatever the system layout,
    ** which is what a scanner means. */
    enum scan_result r =
        scan_keys_feed_hid(&k->keys, (int)key->keysym.scancode, shift, now_ms, code, &why);
    if (r == SCAN_DONE)
        kiosk_dispatch(k, (struct action){.kind = ACT_SCAN, .text = code});
    else if (r == SCAN_DROPPED)
        fprintf(stderr, "borne: keys typed outside a field ignored: %s\n", why ? why : "?");
}

/* ---- check-in ----------------------------------------------------------------------------- */

static bool key_lookup(void *ctx, const char *device_id, uint8_t public_key[32], bool *revoked)
{
    return store_device_key_get(ctx, device_id, public_key, revoked) == BORNE_OK;
}

enum payload_status kiosk_checkin_claim(struct store *st, const char *text,
                                        struct checkin_request *req, struct ticket_claim *claim)
{
    enum payload_status ps = ticket_payload_verify(text, strlen(text), key_lookup, st, claim);
    /* A revoked device's genuine ticket may still be good: the store knows whether the server
    ** received it before the revocation. */
    req->device_revoked = ps == PAYLOAD_REVOKED_KEY;
    if (ps != PAYLOAD_OK && ps != PAYLOAD_REVOKED_KEY)
        return ps;
    memcpy(req->ticket_id, claim->ticket_id, sizeof req->ticket_id);
    memcpy(req->session_id, claim->session_id, sizeof req->session_id);
    memcpy(req->device_id, claim->device_id, sizeof req->device_id);
    req->waitlist = claim->waitlist;
    req->short_code[0] = '\0';
    return ps;
}

static enum invalid_reason reason_of(enum payload_status st)
{
    switch (st) {
    case PAYLOAD_OK:
        return INVALID_NONE;
    case PAYLOAD_BAD_VERSION:
        return INVALID_NEWER_FORMAT;
    case PAYLOAD_UNKNOWN_KEY:
        return INVALID_UNKNOWN_KEY;
    case PAYLOAD_REVOKED_KEY:
        return INVALID_REVOKED_KEY;
    case PAYLOAD_BAD_SIGNATURE:
        return INVALID_FORGED;
    case PAYLOAD_MALFORMED:
        break;
    }
    return INVALID_DAMAGED;
}

/* Verify a payload as a scan does; on success the request carries its claim. Returns false
** with res set to "not valid" and why. */
static bool verify(struct kiosk *k, const char *text, struct checkin_request *req,
                   struct checkin_result *res)
{
    struct ticket_claim c;
    enum payload_status ps = kiosk_checkin_claim(k->st, text, req, &c);
    if (ps != PAYLOAD_OK && ps != PAYLOAD_REVOKED_KEY) {
        res->verdict = VERDICT_INVALID;
        res->reason = reason_of(ps);
        memcpy(res->ticket_id, c.ticket_id, sizeof res->ticket_id);
        return false;
    }
    return true;
}

void kiosk_checkin(struct kiosk *k, bool by_code)
{
    const struct app_state *s = k->state;
    struct checkin_request req;
    struct checkin_result res;
    struct ticket t;
    memset(&req, 0, sizeof req);
    memset(&res, 0, sizeof res);
    req.now = s->now;
    req.window = s->checkin_window;
    enum borne_err err = ticket_random_id(req.checkin_id);
    if (err == BORNE_OK)
        err = ticket_random_id(req.event_id);
    if (err != BORNE_OK)
        goto done;

    const char *typed = by_code ? s->code : s->scan;
    if (!by_code && ticket_payload_looks_like(s->scan, strlen(s->scan))) {
        if (!verify(k, s->scan, &req, &res))
            goto done;
    } else if (ticket_short_code_parse(typed, req.short_code, sizeof req.short_code)) {
        /* A typed (or scanned) short code reaches the same verdicts as the QR: the ticket's
        ** own payload is verified, so a revoked device's ticket is refused either way. An
        ** unknown code is left to the store, which says so. */
        if (store_ticket_by_code(k->st, req.short_code, &t) == BORNE_OK &&
            !verify(k, t.payload, &req, &res))
            goto done;
    } else if (by_code) {
        kiosk_dispatch(k, (struct action){.kind = ACT_CODE_REFUSED});
        return;
    } else {
        /* Not a ticket at all: a product barcode, garbage, an empty or too long scan. */
        res.verdict = VERDICT_INVALID;
        res.reason = INVALID_DAMAGED;
        goto done;
    }
    err = store_checkin(k->st, &req, &res);
    /* The database held by another process past the busy timeout (a reprint, later a sync):
    ** worth a second try before the out-of-order screen. */
    for (int again = 0; err == BORNE_ERR_BUSY && again < 2; again++)
        err = store_checkin(k->st, &req, &res);

done:
    if (err == BORNE_OK)
        fprintf(stderr, "borne: check-in of ticket %s: %s%s%s\n",
                res.ticket_id[0] ? res.ticket_id : "(unread)", verdict_str(res.verdict),
                res.verdict == VERDICT_INVALID ? ": " : "",
                res.verdict == VERDICT_INVALID ? invalid_reason_str(res.reason) : "");
    else
        fprintf(stderr, "borne: check-in not recorded: %s (%s)\n", borne_err_str(err),
                store_errmsg(k->st));
    /* "Not today" may be the clock's fault: arg tells the verdict to say so to staff. */
    kiosk_dispatch(k, (struct action){.kind = ACT_CHECKED_IN,
                                      .arg = kiosk_clock_unsure(k),
                                      .err = err,
                                      .checkin = err == BORNE_OK ? &res : NULL});
    if (err == BORNE_OK && res.verdict == VERDICT_WELCOME)
        kiosk_sync_now(k); /* other doors learn of it sooner */
}

/* ---- reprint (staff, from the command line) ---------------------------------------------- */

int kiosk_reprint(struct kiosk *k, const char *typed_code)
{
    char code[BORNE_SHORT_CODE_MAX];
    struct ticket t;
    struct escpos_buf b;
    struct printer_status ps;
    int64_t job = 0, now = k->opt.fixed_now ? k->opt.fixed_now : clock_wall_s();
    if (!ticket_short_code_parse(typed_code, code, sizeof code)) {
        fprintf(stderr, "borne: %s is not a ticket code (9 characters, check character)\n",
                typed_code);
        return 2;
    }
    enum borne_err err = store_ticket_by_code(k->st, code, &t);
    if (err != BORNE_OK) {
        fprintf(stderr, "borne: no ticket %s here: %s\n", code, store_errmsg(k->st));
        return 1;
    }
    if (t.cancelled) {
        fprintf(stderr, "borne: ticket %s was cancelled: not reprinted\n", code);
        return 1;
    }
    if (k->printer.kind == PRINTER_NONE) {
        fprintf(stderr, "borne: no printer configured (--printer or [printer] uri)\n");
        return 2;
    }
    escpos_buf_init(&b);
    memset(&ps, 0, sizeof ps);
    err = build_job(k, &t, k->opt.lang, t.first_name, &b);
    if (err == BORNE_OK)
        err = store_print_job_add(k->st, t.id, true, now, &job);
    if (err == BORNE_OK)
        err = store_print_job_set(k->st, job, PRINT_SENT, "", now);
    if (err == BORNE_OK) {
        err = printer_send(&k->printer, b.data, b.len, PRINTER_JOB_TIMEOUT_MS, &ps);
        store_print_job_set(k->st, job, err == BORNE_OK ? PRINT_DONE : PRINT_FAILED, ps.detail,
                            k->opt.fixed_now ? now : clock_wall_s());
    }
    escpos_buf_deinit(&b);
    if (err != BORNE_OK) {
        fprintf(stderr, "borne: ticket %s not reprinted: %s (%s)\n", code, borne_err_str(err),
                ps.detail[0] ? ps.detail : store_errmsg(k->st));
        return 1;
    }
    printf("ticket %s reprinted (print job %lld)\n", code, (long long)job);
    return 0;
}
