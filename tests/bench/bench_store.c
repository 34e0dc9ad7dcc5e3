/* Benchmark: how long a registration takes to be committed (fsync included), on a real file.
** Prints figures; never a pass/fail. Usage: bench_store [N] [FOLDER] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "ticket/ids.h"

#include "bench.h"

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    const char *dir = argc > 2 ? argv[2] : "/var/tmp";
    char path[512], why[256];
    snprintf(path, sizeof path, "%s/borne-bench-%d.db", dir, (int)getpid());
    struct store *st;
    if (n < 1 || store_open(path, &st, why, sizeof why) != BORNE_OK) {
        fprintf(stderr, "bench_store: %s\n", why);
        return 1;
    }
    /* One session with room for everybody, a week from now. */
    struct room room = {"bench-room", "Espace atelier"};
    struct session ses;
    memset(&ses, 0, sizeof ses);
    snprintf(ses.id, sizeof ses.id, "bench-session");
    snprintf(ses.title, sizeof ses.title, "Rédiger son CV");
    snprintf(ses.room_id, sizeof ses.room_id, "bench-room");
    ses.starts_at = time(NULL) + 7 * 86400;
    ses.ends_at = ses.starts_at + 7200;
    ses.capacity = n + 1;
    if (store_catalogue_put(st, &room, 1, &ses, 1) != BORNE_OK) {
        fprintf(stderr, "bench_store: %s\n", store_errmsg(st));
        return 1;
    }
    double *ms = calloc((size_t)n, sizeof *ms);
    for (int i = 0; i < n; i++) {
        struct registration_request req;
        struct registration reg;
        memset(&req, 0, sizeof req);
        ticket_random_id(req.registration_id);
        ticket_random_id(req.event_id);
        ticket_short_code_new(req.short_code);
        snprintf(req.session_id, sizeof req.session_id, "bench-session");
        snprintf(req.first_name, sizeof req.first_name, "Visiteur");
        snprintf(req.last_name, sizeof req.last_name, "Numéro %d", i);
        req.now = time(NULL);
        double t0 = bench_now_ms();
        enum borne_err err = store_register(st, &req, &reg);
        ms[i] = bench_now_ms() - t0;
        if (err != BORNE_OK) {
            fprintf(stderr, "bench_store: %s: %s\n", borne_err_str(err), store_errmsg(st));
            return 1;
        }
    }
    bench_report("registration committed (WAL, synchronous=FULL)", ms, n, dir);
    free(ms);
    store_close(st);
    char side[600];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    return 0;
}
