/* Benchmark: tickets. Figures, never a pass/fail.
**
**   bench_ticket N_TICKETS FOLDER [PAYLOADS_OUT]
**
** 1. A ticket made: payload signed (Ed25519) and its whole ESC/POS job built (QR included),
**    1000 times.
** 2. A store holding N_TICKETS signed tickets (default 100 000) of one session whose door is
**    open; then 1000 different tickets checked in as a scan is: payload verified against the
**    device key from the store, then store_checkin() (lookups, check-in and outbox event
**    committed with fsync). Every one is a welcome.
** The database is left in FOLDER/bench-tickets.db and, with PAYLOADS_OUT, 1000 other payloads
** are written there, one a line, for the on-screen benchmark (tests/bench/run.sh). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "escpos/escpos.h"
#include "escpos/ticket_job.h"
#include "store/store.h"
#include "ticket/ids.h"
#include "ticket/payload.h"

#include "bench.h"

#define RUNS 1000

static void die(const char *what, struct store *st)
{
    fprintf(stderr, "bench_ticket: %s: %s\n", what, st ? store_errmsg(st) : "");
    exit(1);
}

static bool lookup(void *ctx, const char *device_id, uint8_t pk[32], bool *revoked)
{
    return store_device_key_get(ctx, device_id, pk, revoked) == BORNE_OK;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 100000;
    const char *dir = argc > 2 ? argv[2] : "/var/tmp";
    const char *out_path = argc > 3 ? argv[3] : NULL;
    char path[512], why[256];
    if (n < 2 * RUNS + 1) {
        fprintf(stderr, "bench_ticket: at least %d tickets\n", 2 * RUNS + 1);
        return 2;
    }
    snprintf(path, sizeof path, "%s/bench-tickets.db", dir);
    unlink(path);
    struct store *st;
    if (store_open(path, &st, why, sizeof why) != BORNE_OK) {
        fprintf(stderr, "bench_ticket: %s\n", why);
        return 1;
    }
    uint8_t pk[32], sk[64];
    if (ticket_keypair_new(pk, sk) != BORNE_OK || store_device_secret_put(st, sk, pk) != BORNE_OK)
        die("key", st);

    /* A session whose door is open now, for the rest of the day. */
    int64_t now = time(NULL);
    struct room room = {"bench-room", "Salle 2"};
    struct session ses;
    memset(&ses, 0, sizeof ses);
    snprintf(ses.id, sizeof ses.id, "bench-session");
    snprintf(ses.title, sizeof ses.title, "Découvrir l'ordinateur et Internet : premiers pas");
    snprintf(ses.room_id, sizeof ses.room_id, "bench-room");
    ses.starts_at = now + 600;
    ses.ends_at = now + 4 * 3600;
    ses.capacity = n + 10;
    if (store_catalogue_put(st, &room, 1, &ses, 1) != BORNE_OK)
        die("catalogue", st);

    /* 1. A ticket made. */
    double *ms = calloc(RUNS, sizeof *ms);
    struct ticket_claim c;
    memset(&c, 0, sizeof c);
    snprintf(c.session_id, sizeof c.session_id, "%s", ses.id);
    snprintf(c.device_id, sizeof c.device_id, "%s", store_device_id(st));
    size_t job_len = 0;
    for (int i = 0; i < RUNS; i++) {
        char payload[TICKET_PAYLOAD_MAX], code[BORNE_SHORT_CODE_MAX];
        ticket_random_id(c.ticket_id);
        ticket_short_code_new(code);
        double t0 = bench_now_ms();
        struct escpos_buf b;
        escpos_buf_init(&b);
        struct ticket_print tp = {
            .centre = "Atelier Numérique Rennes",
            .title = ses.title,
            .when = "Lundi 23 novembre, 14:30 – 16:00",
            .room = room.name,
            .first_name = "Pour : Zoé",
            .payload = payload,
            .short_code = code,
            .code_label = "Code du billet",
            .arrival = "À votre arrivée, scannez ce billet à la borne de l'entrée.",
            .paper_mm = 80,
            .codepage = ESCPOS_CP858,
        };
        if (ticket_payload_sign(&c, sk, payload, sizeof payload) != BORNE_OK ||
            ticket_job_build(&tp, &b) != BORNE_OK)
            die("ticket", NULL);
        ms[i] = bench_now_ms() - t0;
        job_len = b.len;
        escpos_buf_deinit(&b);
    }
    char what[128];
    snprintf(what, sizeof what, "ticket signed and ESC/POS job built (80 mm, %zu bytes)", job_len);
    bench_report(what, ms, RUNS, NULL);

    /* 2. The store filled in one transaction, through SQLite directly: this is set-up. */
    sqlite3 *db;
    sqlite3_stmt *ins;
    if (sqlite3_open(path, &db) != SQLITE_OK ||
        sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO tickets (id, session_id, device_id, payload, short_code, "
                           "first_name, issued_at) VALUES (?1, ?2, ?3, ?4, ?5, 'Zoé', ?6)",
                           -1, &ins, NULL) != SQLITE_OK)
        die(sqlite3_errmsg(db), NULL);
    char(*payloads)[TICKET_PAYLOAD_MAX] = calloc(2 * RUNS, TICKET_PAYLOAD_MAX);
    double t_fill = bench_now_ms();
    for (int i = 0; i < n; i++) {
        char payload[TICKET_PAYLOAD_MAX], code[BORNE_SHORT_CODE_MAX];
        ticket_random_id(c.ticket_id);
        ticket_short_code_new(code);
        if (ticket_payload_sign(&c, sk, payload, sizeof payload) != BORNE_OK)
            die("sign", NULL);
        if (i < 2 * RUNS)
            memcpy(payloads[i], payload, sizeof payload);
        sqlite3_bind_text(ins, 1, c.ticket_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 2, c.session_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 3, c.device_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 4, payload, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 5, code, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ins, 6, now);
        int rc = sqlite3_step(ins);
        sqlite3_reset(ins);
        if (rc != SQLITE_DONE && rc != SQLITE_CONSTRAINT) /* a rare repeated code: skip */
            die(sqlite3_errmsg(db), NULL);
    }
    sqlite3_finalize(ins);
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        die(sqlite3_errmsg(db), NULL);
    sqlite3_close(db);
    printf("store filled with %d signed tickets in %.1f s\n", n, (bench_now_ms() - t_fill) / 1000);

    int welcome = 0;
    for (int i = 0; i < RUNS; i++) {
        struct checkin_request req;
        struct checkin_result res;
        memset(&req, 0, sizeof req);
        ticket_random_id(req.checkin_id);
        ticket_random_id(req.event_id);
        req.now = now;
        req.window.opens_before_s = 1800;
        double t0 = bench_now_ms();
        struct ticket_claim got;
        if (ticket_payload_verify(payloads[i], strlen(payloads[i]), lookup, st, &got) != PAYLOAD_OK)
            die("verify", st);
        memcpy(req.ticket_id, got.ticket_id, sizeof req.ticket_id);
        memcpy(req.session_id, got.session_id, sizeof req.session_id);
        memcpy(req.device_id, got.device_id, sizeof req.device_id);
        if (store_checkin(st, &req, &res) != BORNE_OK)
            die("checkin", st);
        ms[i] = bench_now_ms() - t0;
        welcome += res.verdict == VERDICT_WELCOME;
    }
    snprintf(what, sizeof what,
             "scan checked (verify + check-in committed, %d tickets stored; %d welcome)", n,
             welcome);
    bench_report(what, ms, RUNS, NULL);

    if (out_path) {
        FILE *f = fopen(out_path, "w");
        for (int i = RUNS; f && i < 2 * RUNS; i++)
            fprintf(f, "%s\n", payloads[i]);
        if (f)
            fclose(f);
    }
    free(payloads);
    free(ms);
    store_close(st);
    return 0;
}
