/* Unit tests of check-in: the pure verdict (core/checkin.c) and the store's tickets, check-ins,
** print log and device keys (store/store_ticket.c, and store_register() with a ticket), on a
** real SQLite file in a temporary folder.
**
** As in test_store.c, what the store says is checked against what is in the file: a second,
** plain sqlite3 connection reads the tables, so "nothing was written" is a count.
**
** Time: local times in Paris (TZ=Europe/Paris, set by ctest and again in main), built with
** mktime. "Today" is Tuesday 10 March 2026; the one epoch value checked by hand
** (14:00 = 1773147600) was worked out with Python's zoneinfo. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/checkin.h"
#include "store/store.h"

#include "support.h"
#include "support_sql.h"
#include "support_store.h"

/* ---- time ------------------------------------------------------------------------------ */

static int64_t local(int year, int month, int day, int hour, int min, int sec)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm);
}

#define TODAY(h, m, s) local(2026, 3, 10, (h), (m), (s))
#define YESTERDAY(h, m, s) local(2026, 3, 9, (h), (m), (s))
#define TOMORROW(h, m, s) local(2026, 3, 11, (h), (m), (s))
#define NOW TODAY(10, 0, 0) /* when the tests register, unless they say otherwise */
#define MINUTE 60

static const struct checkin_window default_window = {CHECKIN_OPENS_BEFORE_DEFAULT_S,
                                                     CHECKIN_CLOSES_AFTER_DEFAULT_S};

static struct session judge_session(int64_t starts_at, int64_t ends_at)
{
    struct session s;
    memset(&s, 0, sizeof s);
    snprintf(s.id, sizeof s.id, "s-judge");
    snprintf(s.title, sizeof s.title, "Judge");
    s.starts_at = starts_at;
    s.ends_at = ends_at;
    s.capacity = 10;
    return s;
}

/* The verdict and its `at`, with `at` poisoned first so that a verdict that forgets it shows. */
static enum verdict judge(const struct session *ses, bool cancelled, int64_t first, int64_t now,
                          const struct checkin_window *w, int64_t *at)
{
    *at = -12345;
    return checkin_judge(ses, cancelled, false, first, now, w, at);
}

/* The same for a waiting-list ticket. */
static enum verdict judge_waitlist(const struct session *ses, bool cancelled, int64_t first,
                                   int64_t now, const struct checkin_window *w, int64_t *at)
{
    *at = -12345;
    return checkin_judge(ses, cancelled, true, first, now, w, at);
}

/* ---- checkin_judge --------------------------------------------------------------------- */

static void test_local_time_is_paris(void **state)
{
    (void)state;
    /* If TZ were not applied every "same day" below would be judged in the wrong zone. */
    assert_int_equal(TODAY(14, 0, 0), 1773147600);
}

static void test_judge_window_edges(void **state)
{
    (void)state;
    struct session s = judge_session(TODAY(14, 0, 0), TODAY(16, 0, 0));
    int64_t at;

    /* Default window: 30 minutes before the start until the end. */
    assert_int_equal(judge(&s, false, 0, TODAY(13, 30, 0), &default_window, &at), VERDICT_WELCOME);
    assert_int_equal(at, 0);
    assert_int_equal(judge(&s, false, 0, TODAY(13, 29, 59), &default_window, &at),
                     VERDICT_TOO_EARLY);
    assert_int_equal(at, TODAY(13, 30, 0)); /* when the door opens */
    assert_int_equal(judge(&s, false, 0, TODAY(8, 0, 0), &default_window, &at), VERDICT_TOO_EARLY);
    assert_int_equal(at, TODAY(13, 30, 0));
    assert_int_equal(judge(&s, false, 0, TODAY(0, 0, 0), &default_window, &at), VERDICT_TOO_EARLY);
    assert_int_equal(judge(&s, false, 0, TODAY(14, 45, 0), &default_window, &at), VERDICT_WELCOME);
    assert_int_equal(judge(&s, false, 0, TODAY(16, 0, 0), &default_window, &at), VERDICT_WELCOME);
    assert_int_equal(judge(&s, false, 0, TODAY(16, 0, 1), &default_window, &at), VERDICT_OVER);
    assert_int_equal(at, TODAY(16, 0, 0)); /* when it ended */
    assert_int_equal(judge(&s, false, 0, TODAY(23, 59, 59), &default_window, &at), VERDICT_OVER);

    /* Another window: 10 minutes before, 15 minutes after. */
    struct checkin_window w = {10 * MINUTE, 15 * MINUTE};
    assert_int_equal(judge(&s, false, 0, TODAY(13, 50, 0), &w, &at), VERDICT_WELCOME);
    assert_int_equal(judge(&s, false, 0, TODAY(13, 49, 59), &w, &at), VERDICT_TOO_EARLY);
    assert_int_equal(at, TODAY(13, 50, 0));
    assert_int_equal(judge(&s, false, 0, TODAY(16, 15, 0), &w, &at), VERDICT_WELCOME);
    assert_int_equal(judge(&s, false, 0, TODAY(16, 15, 1), &w, &at), VERDICT_OVER);
    assert_int_equal(at, TODAY(16, 0, 0));

    /* checkin_is_open agrees at the same edges. */
    assert_true(checkin_is_open(&s, TODAY(13, 30, 0), &default_window));
    assert_false(checkin_is_open(&s, TODAY(13, 29, 59), &default_window));
    assert_true(checkin_is_open(&s, TODAY(16, 0, 0), &default_window));
    assert_false(checkin_is_open(&s, TODAY(16, 0, 1), &default_window));
    assert_true(checkin_is_open(&s, TODAY(16, 15, 0), &w));
    assert_false(checkin_is_open(&s, TODAY(16, 15, 1), &w));
    s.cancelled = true;
    assert_false(checkin_is_open(&s, TODAY(14, 0, 0), &default_window));
}

static void test_judge_not_today(void **state)
{
    (void)state;
    int64_t at;
    struct session yday = judge_session(YESTERDAY(14, 0, 0), YESTERDAY(16, 0, 0));
    struct session tmrw = judge_session(TOMORROW(14, 0, 0), TOMORROW(16, 0, 0));
    struct session next_week =
        judge_session(local(2026, 3, 17, 14, 0, 0), local(2026, 3, 17, 16, 0, 0));
    /* Same day of the year, a year ago: the year counts too. */
    struct session last_year =
        judge_session(local(2025, 3, 10, 14, 0, 0), local(2025, 3, 10, 16, 0, 0));

    assert_int_equal(judge(&yday, false, 0, TODAY(10, 0, 0), &default_window, &at),
                     VERDICT_NOT_TODAY);
    assert_int_equal(at, YESTERDAY(14, 0, 0));
    assert_int_equal(judge(&yday, false, 0, TODAY(0, 0, 0), &default_window, &at),
                     VERDICT_NOT_TODAY);
    assert_int_equal(at, YESTERDAY(14, 0, 0));
    /* Yesterday at the same time of day: not "welcome". */
    assert_int_equal(judge(&yday, false, 0, TODAY(14, 30, 0), &default_window, &at),
                     VERDICT_NOT_TODAY);
    assert_int_equal(judge(&tmrw, false, 0, TODAY(14, 30, 0), &default_window, &at),
                     VERDICT_NOT_TODAY);
    assert_int_equal(at, TOMORROW(14, 0, 0));
    assert_int_equal(judge(&tmrw, false, 0, TODAY(23, 59, 59), &default_window, &at),
                     VERDICT_NOT_TODAY);
    assert_int_equal(at, TOMORROW(14, 0, 0));
    assert_int_equal(judge(&next_week, false, 0, TODAY(14, 0, 0), &default_window, &at),
                     VERDICT_NOT_TODAY);
    assert_int_equal(at, local(2026, 3, 17, 14, 0, 0));
    assert_int_equal(judge(&last_year, false, 0, TODAY(14, 0, 0), &default_window, &at),
                     VERDICT_NOT_TODAY);
    assert_int_equal(at, local(2025, 3, 10, 14, 0, 0));

    /* The night clocks go forward (29 March 2026, 02:00 -> 03:00): days are calendar days. */
    struct session dst = judge_session(local(2026, 3, 29, 14, 0, 0), local(2026, 3, 29, 16, 0, 0));
    assert_int_equal(judge(&dst, false, 0, local(2026, 3, 29, 0, 30, 0), &default_window, &at),
                     VERDICT_TOO_EARLY);
    assert_int_equal(judge(&dst, false, 0, local(2026, 3, 29, 3, 30, 0), &default_window, &at),
                     VERDICT_TOO_EARLY);
    assert_int_equal(judge(&dst, false, 0, local(2026, 3, 28, 23, 59, 59), &default_window, &at),
                     VERDICT_NOT_TODAY);
    assert_int_equal(judge(&dst, false, 0, local(2026, 3, 30, 0, 0, 0), &default_window, &at),
                     VERDICT_NOT_TODAY);
}

static void test_judge_window_over_midnight(void **state)
{
    (void)state;
    int64_t at;
    /* A late session whose window (30 min after its end) reaches into the next day. */
    struct session late = judge_session(TODAY(22, 30, 0), TODAY(23, 45, 0));
    struct checkin_window w = {30 * MINUTE, 30 * MINUTE};
    assert_int_equal(judge(&late, false, 0, TODAY(23, 50, 0), &w, &at), VERDICT_WELCOME);
    assert_int_equal(judge(&late, false, 0, TOMORROW(0, 0, 0), &w, &at), VERDICT_WELCOME);
    assert_int_equal(judge(&late, false, 0, TOMORROW(0, 10, 0), &w, &at), VERDICT_WELCOME);
    assert_int_equal(judge(&late, false, 0, TOMORROW(0, 15, 0), &w, &at), VERDICT_WELCOME);
    assert_true(checkin_is_open(&late, TOMORROW(0, 15, 0), &w));
    /* Once the door has closed it was yesterday's session. */
    assert_int_equal(judge(&late, false, 0, TOMORROW(0, 15, 1), &w, &at), VERDICT_NOT_TODAY);
    assert_int_equal(at, TODAY(22, 30, 0));
    assert_false(checkin_is_open(&late, TOMORROW(0, 15, 1), &w));

    /* A session just after midnight: its door opens the evening before. */
    struct session early = judge_session(TOMORROW(0, 10, 0), TOMORROW(1, 0, 0));
    assert_int_equal(judge(&early, false, 0, TODAY(23, 40, 0), &default_window, &at),
                     VERDICT_WELCOME);
    assert_int_equal(judge(&early, false, 0, TODAY(23, 39, 59), &default_window, &at),
                     VERDICT_NOT_TODAY);
    assert_int_equal(at, TOMORROW(0, 10, 0));
    assert_int_equal(judge(&early, false, 0, TOMORROW(0, 5, 0), &default_window, &at),
                     VERDICT_WELCOME);
}

static void test_judge_order(void **state)
{
    (void)state;
    int64_t at;
    struct session s = judge_session(TODAY(14, 0, 0), TODAY(16, 0, 0));
    const int64_t first = TODAY(13, 40, 0);

    /* A cancelled ticket says so, even when it was used, and whatever the time. */
    assert_int_equal(judge(&s, true, 0, TODAY(14, 0, 0), &default_window, &at), VERDICT_CANCELLED);
    assert_int_equal(at, 0);
    assert_int_equal(judge(&s, true, first, TODAY(14, 0, 0), &default_window, &at),
                     VERDICT_CANCELLED);
    assert_int_equal(judge(&s, true, 0, TOMORROW(14, 0, 0), &default_window, &at),
                     VERDICT_CANCELLED);
    assert_int_equal(judge(&s, true, 0, TODAY(8, 0, 0), &default_window, &at), VERDICT_CANCELLED);

    /* A used ticket says when, whatever the time of day or the day. */
    const int64_t times[] = {TODAY(14, 0, 0), TODAY(8, 0, 0), TODAY(23, 0, 0), TOMORROW(14, 0, 0),
                             YESTERDAY(14, 0, 0)};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        assert_int_equal(judge(&s, false, first, times[i], &default_window, &at), VERDICT_ALREADY);
        assert_int_equal(at, first);
    }

    /* A cancelled session: every ticket of it, used or not. */
    s.cancelled = true;
    assert_int_equal(judge(&s, false, 0, TODAY(14, 0, 0), &default_window, &at), VERDICT_CANCELLED);
    assert_int_equal(judge(&s, false, first, TODAY(14, 0, 0), &default_window, &at),
                     VERDICT_CANCELLED);
    assert_int_equal(judge(&s, false, 0, TOMORROW(14, 0, 0), &default_window, &at),
                     VERDICT_CANCELLED);
}

/* A waiting-list ticket is never welcome: the desk decides. It says so wherever a welcome or a
** "too early" would be said; the other verdicts are true whatever the seat, and stay. */
static void test_judge_waitlist(void **state)
{
    (void)state;
    int64_t at;
    struct session s = judge_session(TODAY(14, 0, 0), TODAY(16, 0, 0));
    const int64_t first = TODAY(13, 40, 0);
    /* The control: the same ticket with a seat is welcome at these times. */
    const int64_t welcome_times[] = {TODAY(13, 30, 0), TODAY(14, 0, 0), TODAY(16, 0, 0)};
    for (size_t i = 0; i < sizeof welcome_times / sizeof welcome_times[0]; i++) {
        assert_int_equal(judge(&s, false, 0, welcome_times[i], &default_window, &at),
                         VERDICT_WELCOME);
        assert_int_equal(judge_waitlist(&s, false, 0, welcome_times[i], &default_window, &at),
                         VERDICT_WAITLIST);
        assert_int_equal(at, 0);
    }
    /* Too early today: the desk now, rather than "come back at 13:30" and the desk then. */
    assert_int_equal(judge_waitlist(&s, false, 0, TODAY(8, 0, 0), &default_window, &at),
                     VERDICT_WAITLIST);
    assert_int_equal(judge_waitlist(&s, false, 0, TODAY(13, 29, 59), &default_window, &at),
                     VERDICT_WAITLIST);
    /* Over, another day, cancelled, already used: those say it, as for any ticket. */
    assert_int_equal(judge_waitlist(&s, false, 0, TODAY(16, 0, 1), &default_window, &at),
                     VERDICT_OVER);
    assert_int_equal(at, TODAY(16, 0, 0));
    assert_int_equal(judge_waitlist(&s, false, 0, TOMORROW(14, 0, 0), &default_window, &at),
                     VERDICT_NOT_TODAY);
    assert_int_equal(judge_waitlist(&s, false, 0, YESTERDAY(14, 0, 0), &default_window, &at),
                     VERDICT_NOT_TODAY);
    assert_int_equal(judge_waitlist(&s, true, 0, TODAY(14, 0, 0), &default_window, &at),
                     VERDICT_CANCELLED);
    assert_int_equal(judge_waitlist(&s, false, first, TODAY(14, 0, 0), &default_window, &at),
                     VERDICT_ALREADY);
    assert_int_equal(at, first);
    /* A window that closes after the end: the desk until the door closes. */
    struct checkin_window w = {10 * MINUTE, 15 * MINUTE};
    assert_int_equal(judge_waitlist(&s, false, 0, TODAY(16, 15, 0), &w, &at), VERDICT_WAITLIST);
    assert_int_equal(judge_waitlist(&s, false, 0, TODAY(16, 15, 1), &w, &at), VERDICT_OVER);
    s.cancelled = true;
    assert_int_equal(judge_waitlist(&s, false, 0, TODAY(14, 0, 0), &default_window, &at),
                     VERDICT_CANCELLED);
}

static void test_verdict_names(void **state)
{
    (void)state;
    for (int v = 0; v < VERDICT_COUNT; v++) {
        const char *name = verdict_str((enum verdict)v);
        assert_non_null(name);
        assert_string_not_equal(name, "?");
        for (int k = 0; k < v; k++)
            assert_string_not_equal(name, verdict_str((enum verdict)k));
    }
    assert_string_equal(verdict_str((enum verdict)VERDICT_COUNT), "?");
    assert_string_equal(verdict_str((enum verdict) - 1), "?");
    for (int r = INVALID_NONE; r <= INVALID_MISMATCH; r++) {
        const char *name = invalid_reason_str((enum invalid_reason)r);
        assert_non_null(name);
        assert_string_not_equal(name, "?");
        for (int k = 0; k < r; k++)
            assert_string_not_equal(name, invalid_reason_str((enum invalid_reason)k));
    }
    assert_string_equal(invalid_reason_str((enum invalid_reason)(INVALID_MISMATCH + 1)), "?");
}

/* ---- store fixture --------------------------------------------------------------------- */

struct fx {
    char dir[64];
    char path[128];
    struct store *st;
    int n_req; /* ids made so far by make_req */
    int n_ci;  /* ids made so far by make_checkin */
};

/* The catalogue every store test starts with. */
static void put_catalogue(struct store *st)
{
    struct room rooms[2];
    memset(rooms, 0, sizeof rooms);
    snprintf(rooms[0].id, sizeof rooms[0].id, "r1");
    snprintf(rooms[0].name, sizeof rooms[0].name, "Espace atelier");
    snprintf(rooms[1].id, sizeof rooms[1].id, "r2");
    snprintf(rooms[1].name, sizeof rooms[1].name, "Salle 2");
    struct {
        const char *id, *title, *room;
        int64_t starts, ends;
        int capacity;
        bool cancelled;
    } def[] = {
        {"s1", "Rédiger son CV", "r1", TODAY(14, 0, 0), TODAY(16, 0, 0), 10, false},
        {"s2", "Une place", "r2", TODAY(14, 0, 0), TODAY(16, 0, 0), 1, false},
        {"s-tmrw", "Demain", "r1", TOMORROW(14, 0, 0), TOMORROW(16, 0, 0), 10, false},
        {"s-yday", "Hier", "r1", YESTERDAY(14, 0, 0), YESTERDAY(16, 0, 0), 10, false},
        {"s-cancel", "Annulée", "r2", TODAY(14, 0, 0), TODAY(16, 0, 0), 10, true},
    };
    enum { N = sizeof def / sizeof def[0] };
    struct session s[N];
    memset(s, 0, sizeof s);
    for (int i = 0; i < N; i++) {
        snprintf(s[i].id, sizeof s[i].id, "%s", def[i].id);
        snprintf(s[i].title, sizeof s[i].title, "%s", def[i].title);
        snprintf(s[i].room_id, sizeof s[i].room_id, "%s", def[i].room);
        s[i].starts_at = def[i].starts;
        s[i].ends_at = def[i].ends;
        s[i].capacity = def[i].capacity;
        s[i].cancelled = def[i].cancelled;
    }
    assert_int_equal(store_catalogue_put(st, rooms, 2, s, N), BORNE_OK);
}

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof *fx);
    if (!fx || !support_store_make(fx->dir, sizeof fx->dir, fx->path, sizeof fx->path, &fx->st)) {
        free(fx);
        return -1;
    }
    put_catalogue(fx->st);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    support_store_remove(fx->dir, fx->st);
    free(fx);
    return 0;
}

/* ---- raw access to the file (tests/support_sql.h) -------------------------------------- */

/* Everything a registration or a check-in may write: a refused call must leave it unchanged. */
struct counts {
    int64_t registrations, tickets, print_jobs, checkins, outbox, device_seq, seats;
};

static struct counts counts_now(const char *path)
{
    struct counts c;
    c.registrations = sql_int(path, "SELECT count(*) FROM registrations", NULL);
    c.tickets = sql_int(path, "SELECT count(*) FROM tickets", NULL);
    c.print_jobs = sql_int(path, "SELECT count(*) FROM print_jobs", NULL);
    c.checkins = sql_int(path, "SELECT count(*) FROM checkins", NULL);
    c.outbox = sql_int(path, "SELECT count(*) FROM outbox", NULL);
    c.device_seq = sql_int(path, "SELECT value FROM meta WHERE key = 'device_seq'", NULL);
    c.seats = sql_int(path, "SELECT sum(seats_taken) FROM sessions", NULL);
    return c;
}

static void assert_counts_equal(struct counts a, struct counts b)
{
    assert_int_equal(a.registrations, b.registrations);
    assert_int_equal(a.tickets, b.tickets);
    assert_int_equal(a.print_jobs, b.print_jobs);
    assert_int_equal(a.checkins, b.checkins);
    assert_int_equal(a.outbox, b.outbox);
    assert_int_equal(a.device_seq, b.device_seq);
    assert_int_equal(a.seats, b.seats);
}

/* ---- requests -------------------------------------------------------------------------- */

/* A registration with its ticket and a print job, made at `now`; ids are unique per test. */
static struct registration_request make_req(struct fx *fx, const char *session_id,
                                            const char *first, const char *last, int64_t now)
{
    struct registration_request q;
    memset(&q, 0, sizeof q);
    int n = ++fx->n_req;
    snprintf(q.registration_id, sizeof q.registration_id, "reg-%04d", n);
    snprintf(q.event_id, sizeof q.event_id, "evt-%04d", n);
    snprintf(q.session_id, sizeof q.session_id, "%s", session_id);
    snprintf(q.first_name, sizeof q.first_name, "%s", first);
    snprintf(q.last_name, sizeof q.last_name, "%s", last);
    snprintf(q.short_code, sizeof q.short_code, "K%08d", n % 100000000);
    q.now = now;
    snprintf(q.ticket_id, sizeof q.ticket_id, "tkt-%04d", n);
    snprintf(q.payload, sizeof q.payload, "B1FAKEPAYLOADNUMBER%04dAAAAAAAAAAAAAAAAAAAA", n);
    q.print = true;
    snprintf(q.checkin_id, sizeof q.checkin_id, "rci-%04d", n);
    snprintf(q.checkin_event_id, sizeof q.checkin_event_id, "rce-%04d", n);
    q.checkin_opens_before_s = CHECKIN_OPENS_BEFORE_DEFAULT_S;
    q.checkin_closes_after_s = CHECKIN_CLOSES_AFTER_DEFAULT_S;
    return q;
}

/* A scanned ticket as its verified payload claims it. */
static struct checkin_request make_checkin(struct fx *fx, const char *ticket_id,
                                           const char *session_id, const char *device_id,
                                           int64_t now)
{
    struct checkin_request r;
    memset(&r, 0, sizeof r);
    int n = ++fx->n_ci;
    snprintf(r.ticket_id, sizeof r.ticket_id, "%s", ticket_id);
    snprintf(r.session_id, sizeof r.session_id, "%s", session_id);
    snprintf(r.device_id, sizeof r.device_id, "%s", device_id);
    snprintf(r.checkin_id, sizeof r.checkin_id, "ci-%04d", n);
    snprintf(r.event_id, sizeof r.event_id, "ce-%04d", n);
    r.now = now;
    r.window = default_window;
    return r;
}

/* A typed short code. */
static struct checkin_request make_code_checkin(struct fx *fx, const char *code, int64_t now)
{
    struct checkin_request r = make_checkin(fx, "", "", "", now);
    snprintf(r.short_code, sizeof r.short_code, "%s", code);
    return r;
}

/* Register q, which must succeed. */
static struct registration must_register(struct fx *fx, const struct registration_request *q)
{
    struct registration reg;
    enum borne_err err = store_register(fx->st, q, &reg);
    if (err != BORNE_OK)
        fail_msg("register %s: %s (%s)", q->registration_id, borne_err_str(err),
                 store_errmsg(fx->st));
    return reg;
}

/* A check-in that must reach a verdict (BORNE_OK). */
static struct checkin_result must_checkin(struct fx *fx, const struct checkin_request *r)
{
    struct checkin_result res;
    memset(&res, 'x', sizeof res);
    enum borne_err err = store_checkin(fx->st, r, &res);
    if (err != BORNE_OK)
        fail_msg("checkin %s: %s (%s)", r->ticket_id, borne_err_str(err), store_errmsg(fx->st));
    return res;
}

/* ---- store_register with a ticket ------------------------------------------------------ */

static void test_register_records_ticket_and_print_job(void **state)
{
    struct fx *fx = *state;
    const char *device = store_device_id(fx->st);
    struct registration_request q = make_req(fx, "s1", "Anne", "Martin", NOW);
    struct registration reg = must_register(fx, &q);
    assert_string_equal(reg.id, q.registration_id);
    assert_string_equal(reg.ticket_id, q.ticket_id);
    assert_true(reg.print_job_id > 0);
    assert_int_equal(reg.checked_in_at, 0); /* 10:00: the door opens at 13:30 */
    assert_int_equal(reg.device_seq, 1);

    /* The ticket row, as the file holds it. */
    char text[512], expect[512];
    sql_text(fx->path,
             "SELECT registration_id || '|' || session_id || '|' || device_id || '|' || payload || "
             "'|' || short_code || '|' || first_name || '|' || status || '|' || issued_at "
             "FROM tickets WHERE id = ?1",
             q.ticket_id, text, sizeof text);
    snprintf(expect, sizeof expect, "%s|s1|%s|%s|%s|Anne|0|%lld", q.registration_id, device,
             q.payload, q.short_code, (long long)NOW);
    assert_string_equal(text, expect);

    /* The same through the store. */
    struct ticket t;
    assert_int_equal(store_ticket_get(fx->st, q.ticket_id, &t), BORNE_OK);
    assert_string_equal(t.id, q.ticket_id);
    assert_string_equal(t.registration_id, q.registration_id);
    assert_string_equal(t.session_id, "s1");
    assert_string_equal(t.device_id, device);
    assert_string_equal(t.payload, q.payload);
    assert_string_equal(t.short_code, q.short_code);
    assert_string_equal(t.first_name, "Anne");
    assert_false(t.cancelled);
    assert_int_equal(t.issued_at, NOW);
    struct ticket by_code;
    assert_int_equal(store_ticket_by_code(fx->st, q.short_code, &by_code), BORNE_OK);
    assert_memory_equal(&by_code, &t, sizeof t);
    assert_int_equal(store_ticket_get(fx->st, "no-such-ticket", &t), BORNE_ERR_NOT_FOUND);
    assert_string_equal(t.id, "");
    assert_int_equal(store_ticket_by_code(fx->st, "KXXXXXXXX", &t), BORNE_ERR_NOT_FOUND);

    /* One print job, queued. */
    assert_int_equal(
        sql_int(fx->path, "SELECT count(*) FROM print_jobs WHERE ticket_id = ?1", q.ticket_id), 1);
    assert_int_equal(
        sql_int(fx->path, "SELECT state FROM print_jobs WHERE ticket_id = ?1", q.ticket_id),
        PRINT_QUEUED);
    assert_int_equal(
        sql_int(fx->path, "SELECT id FROM print_jobs WHERE ticket_id = ?1", q.ticket_id),
        reg.print_job_id);
    struct print_job job;
    assert_int_equal(store_print_job_get(fx->st, reg.print_job_id, &job), BORNE_OK);
    assert_string_equal(job.ticket_id, q.ticket_id);
    assert_int_equal(job.state, PRINT_QUEUED);
    assert_false(job.reprint);
    assert_int_equal(job.created_at, NOW);

    /* The registration's event carries the ticket: the server gets both at once. */
    sql_text(fx->path,
             "SELECT json_extract(payload, '$.ticket_id') || '|' || "
             "json_extract(payload, '$.ticket_payload') FROM outbox WHERE id = ?1",
             q.event_id, text, sizeof text);
    snprintf(expect, sizeof expect, "%s|%s", q.ticket_id, q.payload);
    assert_string_equal(text, expect);

    /* No check-in: the door was not open. */
    assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM checkins", NULL), 0);
    assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM outbox", NULL), 1);
    assert_int_equal(sql_int(fx->path, "SELECT value FROM meta WHERE key = 'device_seq'", NULL), 1);
    int n = -1;
    assert_int_equal(store_checkin_count(fx->st, "s1", &n), BORNE_OK);
    assert_int_equal(n, 0);

    /* Without printing (no printer): the ticket, no print job. */
    struct registration_request q2 = make_req(fx, "s1", "Bernard", "Petit", NOW);
    q2.print = false;
    reg = must_register(fx, &q2);
    assert_string_equal(reg.ticket_id, q2.ticket_id);
    assert_int_equal(reg.print_job_id, 0);
    assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM tickets WHERE id = ?1", q2.ticket_id),
                     1);
    assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM print_jobs", NULL), 1);

    /* Without a ticket at all (as before tickets): no ticket row, the event says null. */
    struct registration_request q3 = make_req(fx, "s1", "Claire", "Durand", NOW);
    q3.ticket_id[0] = '\0';
    q3.payload[0] = '\0';
    reg = must_register(fx, &q3);
    assert_string_equal(reg.ticket_id, "");
    assert_int_equal(reg.print_job_id, 0);
    assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM tickets", NULL), 2);
    sql_text(fx->path, "SELECT json_type(payload, '$.ticket_id') FROM outbox WHERE id = ?1",
             q3.event_id, text, sizeof text);
    assert_string_equal(text, "null");
}

static void test_register_when_door_open_checks_in(void **state)
{
    struct fx *fx = *state;
    const int64_t now = TODAY(13, 50, 0); /* s1 starts at 14:00: the door is open */
    struct counts before = counts_now(fx->path);
    struct registration_request q = make_req(fx, "s1", "Anne", "Martin", now);
    struct registration reg = must_register(fx, &q);
    assert_int_equal(reg.checked_in_at, now);
    assert_int_equal(reg.device_seq, before.device_seq + 1);
    assert_string_equal(reg.ticket_id, q.ticket_id);

    struct counts after = counts_now(fx->path);
    assert_int_equal(after.device_seq, before.device_seq + 2); /* registration, check-in */
    assert_int_equal(after.checkins, 1);
    assert_int_equal(after.outbox, 2);

    char text[512], expect[512];
    sql_text(fx->path,
             "SELECT ticket_id || '|' || session_id || '|' || device_id || '|' || checked_at || "
             "'|' || device_seq || '|' || flagged FROM checkins WHERE id = ?1",
             q.checkin_id, text, sizeof text);
    snprintf(expect, sizeof expect, "%s|s1|%s|%lld|%lld|0", q.ticket_id, store_device_id(fx->st),
             (long long)now, (long long)(before.device_seq + 2));
    assert_string_equal(text, expect);
    sql_text(fx->path,
             "SELECT kind || '|' || entity_id || '|' || json_extract(payload, '$.ticket_id') || "
             "'|' || json_extract(payload, '$.checked_at') FROM outbox WHERE id = ?1",
             q.checkin_event_id, text, sizeof text);
    snprintf(expect, sizeof expect, "checkin.created|%s|%s|%lld", q.checkin_id, q.ticket_id,
             (long long)now);
    assert_string_equal(text, expect);
    int n = -1;
    assert_int_equal(store_checkin_count(fx->st, "s1", &n), BORNE_OK);
    assert_int_equal(n, 1);

    /* Scanned at the door a minute later: already checked in, at registration. */
    struct checkin_request r =
        make_checkin(fx, q.ticket_id, "s1", store_device_id(fx->st), now + MINUTE);
    struct checkin_result res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_ALREADY);
    assert_int_equal(res.at, now);
    assert_counts_equal(counts_now(fx->path), after);

    /* At exactly the opening (30 minutes before), too; one second earlier, not. */
    q = make_req(fx, "s1", "Bernard", "Petit", TODAY(13, 30, 0));
    reg = must_register(fx, &q);
    assert_int_equal(reg.checked_in_at, TODAY(13, 30, 0));
    q = make_req(fx, "s1", "Claire", "Durand", TODAY(13, 29, 59));
    reg = must_register(fx, &q);
    assert_int_equal(reg.checked_in_at, 0);
    assert_int_equal(
        sql_int(fx->path, "SELECT count(*) FROM checkins WHERE ticket_id = ?1", q.ticket_id), 0);
    /* Within the late grace, after the start. */
    q = make_req(fx, "s1", "Denis", "Leroy", TODAY(14, 5, 0));
    reg = must_register(fx, &q);
    assert_int_equal(reg.checked_in_at, TODAY(14, 5, 0));
    /* The request's own window is the one used: a narrower one keeps the door shut. */
    q = make_req(fx, "s1", "Emma", "Roux", TODAY(13, 50, 0));
    q.checkin_opens_before_s = 5 * MINUTE;
    reg = must_register(fx, &q);
    assert_int_equal(reg.checked_in_at, 0);
    assert_int_equal(store_checkin_count(fx->st, "s1", &n), BORNE_OK);
    assert_int_equal(n, 3);
}

static void test_register_failure_writes_no_ticket(void **state)
{
    struct fx *fx = *state;
    const int64_t open = TODAY(13, 50, 0);
    struct registration_request a = make_req(fx, "s2", "Anne", "Martin", NOW);
    must_register(fx, &a); /* s2 has one seat: now full */
    struct counts before = counts_now(fx->path);

    /* Full: no ticket, no print job, no check-in, even with the door open. */
    struct registration_request b = make_req(fx, "s2", "Bernard", "Petit", open);
    struct registration reg;
    memset(&reg, 'x', sizeof reg);
    assert_int_equal(store_register(fx->st, &b, &reg), BORNE_ERR_SESSION_FULL);
    assert_string_equal(reg.ticket_id, "");
    assert_int_equal(reg.print_job_id, 0);
    assert_int_equal(reg.checked_in_at, 0);
    assert_counts_equal(counts_now(fx->path), before);
    struct ticket t;
    assert_int_equal(store_ticket_get(fx->st, b.ticket_id, &t), BORNE_ERR_NOT_FOUND);

    /* The same person again: the first registration back, no second ticket. */
    struct registration_request a2 = make_req(fx, "s2", "ANNE", "martin", open);
    memset(&reg, 'x', sizeof reg);
    assert_int_equal(store_register(fx->st, &a2, &reg), BORNE_ERR_ALREADY_REGISTERED);
    assert_string_equal(reg.id, a.registration_id);
    assert_string_equal(reg.short_code, a.short_code);
    assert_string_equal(reg.ticket_id, ""); /* new registrations only */
    assert_int_equal(reg.print_job_id, 0);
    assert_int_equal(reg.checked_in_at, 0);
    assert_counts_equal(counts_now(fx->path), before);
    assert_int_equal(store_ticket_get(fx->st, a2.ticket_id, &t), BORNE_ERR_NOT_FOUND);

    /* A ticket id already used: the whole registration is rolled back, seat included. */
    struct registration_request c = make_req(fx, "s1", "Claire", "Durand", open);
    snprintf(c.ticket_id, sizeof c.ticket_id, "%s", a.ticket_id);
    assert_int_equal(store_register(fx->st, &c, &reg), BORNE_ERR_INVALID);
    assert_string_equal(reg.id, "");
    assert_counts_equal(counts_now(fx->path), before);
    struct registration back;
    assert_int_equal(store_registration_get(fx->st, c.registration_id, &back), BORNE_ERR_NOT_FOUND);

    /* A check-in id already used (the immediate check-in fails): rolled back too. */
    struct checkin_request r = make_checkin(fx, a.ticket_id, "s2", store_device_id(fx->st), open);
    struct checkin_result res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_WELCOME);
    before = counts_now(fx->path);
    c = make_req(fx, "s1", "Claire", "Durand", open);
    snprintf(c.checkin_id, sizeof c.checkin_id, "%s", r.checkin_id);
    assert_int_equal(store_register(fx->st, &c, &reg), BORNE_ERR_INVALID);
    assert_counts_equal(counts_now(fx->path), before);
    assert_int_equal(store_ticket_get(fx->st, c.ticket_id, &t), BORNE_ERR_NOT_FOUND);
}

static void test_register_refuses_incomplete_ticket(void **state)
{
    struct fx *fx = *state;
    struct counts before = counts_now(fx->path);
    struct registration reg;

    struct registration_request q = make_req(fx, "s1", "Anne", "Martin", NOW);
    q.payload[0] = '\0';
    assert_int_equal(store_register(fx->st, &q, &reg), BORNE_ERR_INVALID);
    q = make_req(fx, "s1", "Anne", "Martin", NOW);
    q.checkin_id[0] = '\0';
    assert_int_equal(store_register(fx->st, &q, &reg), BORNE_ERR_INVALID);
    q = make_req(fx, "s1", "Anne", "Martin", NOW);
    q.checkin_event_id[0] = '\0';
    assert_int_equal(store_register(fx->st, &q, &reg), BORNE_ERR_INVALID);
    q = make_req(fx, "s1", "Anne", "Martin", NOW);
    memset(q.payload, 'A', sizeof q.payload); /* no terminating NUL */
    assert_int_equal(store_register(fx->st, &q, &reg), BORNE_ERR_INVALID);
    q = make_req(fx, "s1", "Anne", "Martin", NOW);
    memset(q.ticket_id, 't', sizeof q.ticket_id);
    assert_int_equal(store_register(fx->st, &q, &reg), BORNE_ERR_INVALID);
    assert_counts_equal(counts_now(fx->path), before);

    /* The longest payload fits and is kept byte for byte. */
    q = make_req(fx, "s1", "Anne", "Martin", NOW);
    memset(q.payload, 'Z', sizeof q.payload - 1);
    q.payload[sizeof q.payload - 1] = '\0';
    must_register(fx, &q);
    struct ticket t;
    assert_int_equal(store_ticket_get(fx->st, q.ticket_id, &t), BORNE_OK);
    assert_string_equal(t.payload, q.payload);
}

/* ---- store_checkin --------------------------------------------------------------------- */

static void test_checkin_welcome_then_already(void **state)
{
    struct fx *fx = *state;
    const char *device = store_device_id(fx->st);
    struct registration_request q = make_req(fx, "s1", "Anne", "Martin", NOW);
    struct registration reg = must_register(fx, &q);
    assert_int_equal(reg.checked_in_at, 0);
    struct counts before = counts_now(fx->path);

    const int64_t t1 = TODAY(13, 45, 0);
    struct checkin_request r = make_checkin(fx, q.ticket_id, "s1", device, t1);
    struct checkin_result res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_WELCOME);
    assert_int_equal(res.reason, INVALID_NONE);
    assert_int_equal(res.at, t1);
    assert_string_equal(res.ticket_id, q.ticket_id);
    assert_string_equal(res.first_name, "Anne");
    assert_string_equal(res.session.id, "s1");
    assert_string_equal(res.session.title, "Rédiger son CV");
    assert_string_equal(res.session.room_name, "Espace atelier");
    assert_int_equal(res.session.starts_at, TODAY(14, 0, 0));

    /* Exactly one check-in and one event, in the same transaction. */
    struct counts after = counts_now(fx->path);
    assert_int_equal(after.checkins, before.checkins + 1);
    assert_int_equal(after.outbox, before.outbox + 1);
    assert_int_equal(after.device_seq, before.device_seq + 1);
    assert_int_equal(after.registrations, before.registrations);
    assert_int_equal(after.tickets, before.tickets);
    assert_int_equal(
        sql_int(fx->path, "SELECT count(*) FROM checkins WHERE ticket_id = ?1", q.ticket_id), 1);
    assert_int_equal(
        sql_int(fx->path, "SELECT checked_at FROM checkins WHERE id = ?1", r.checkin_id), t1);
    assert_int_equal(
        sql_int(fx->path, "SELECT count(*) FROM outbox WHERE kind = 'checkin.created'", NULL), 1);
    char text[512], expect[512];
    sql_text(fx->path,
             "SELECT kind || '|' || entity_id || '|' || device_seq || '|' || created_at || '|' || "
             "(acked_at IS NULL) FROM outbox WHERE id = ?1",
             r.event_id, text, sizeof text);
    snprintf(expect, sizeof expect, "checkin.created|%s|%lld|%lld|1", r.checkin_id,
             (long long)after.device_seq, (long long)t1);
    assert_string_equal(text, expect);
    sql_text(fx->path,
             "SELECT json_extract(payload, '$.checkin_id') || '|' || "
             "json_extract(payload, '$.ticket_id') || '|' || "
             "json_extract(payload, '$.session_id') || '|' || "
             "json_extract(payload, '$.device_id') || '|' || "
             "json_extract(payload, '$.checked_at') || '|' || "
             "json_extract(payload, '$.device_seq') || '|' || "
             "json_type(payload, '$.checked_at') FROM outbox WHERE id = ?1",
             r.event_id, text, sizeof text);
    snprintf(expect, sizeof expect, "%s|%s|s1|%s|%lld|%lld|integer", r.checkin_id, q.ticket_id,
             device, (long long)t1, (long long)after.device_seq);
    assert_string_equal(text, expect);
    /* The event names nobody. */
    assert_int_equal(sql_int(fx->path,
                             "SELECT count(*) FROM outbox WHERE kind = 'checkin.created' AND "
                             "payload LIKE '%Anne%'",
                             NULL),
                     0);

    /* Scanned again: already, at the first time; nothing more is written. */
    r = make_checkin(fx, q.ticket_id, "s1", device, TODAY(14, 10, 0));
    res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_ALREADY);
    assert_int_equal(res.at, t1);
    assert_string_equal(res.first_name, "Anne");
    assert_string_equal(res.session.id, "s1");
    assert_counts_equal(counts_now(fx->path), after);
    /* Even the next day: it says when it was used. */
    r = make_checkin(fx, q.ticket_id, "s1", device, TOMORROW(9, 0, 0));
    res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_ALREADY);
    assert_int_equal(res.at, t1);
    assert_counts_equal(counts_now(fx->path), after);
    int n = -1;
    assert_int_equal(store_checkin_count(fx->st, "s1", &n), BORNE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(store_checkin_count(fx->st, "s2", &n), BORNE_OK);
    assert_int_equal(n, 0);
}

static void test_checkin_wrong_time_writes_nothing(void **state)
{
    struct fx *fx = *state;
    const char *device = store_device_id(fx->st);
    struct registration_request q = make_req(fx, "s1", "Anne", "Martin", NOW);
    must_register(fx, &q);
    struct registration_request qt = make_req(fx, "s-tmrw", "Bernard", "Petit", NOW);
    must_register(fx, &qt);
    struct counts before = counts_now(fx->path);

    struct checkin_request r = make_checkin(fx, q.ticket_id, "s1", device, TODAY(13, 29, 59));
    struct checkin_result res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_TOO_EARLY);
    assert_int_equal(res.at, TODAY(13, 30, 0));
    assert_string_equal(res.first_name, "Anne");
    assert_string_equal(res.session.title, "Rédiger son CV");
    assert_counts_equal(counts_now(fx->path), before);

    r = make_checkin(fx, q.ticket_id, "s1", device, TODAY(16, 0, 1));
    res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_OVER);
    assert_int_equal(res.at, TODAY(16, 0, 0));
    assert_counts_equal(counts_now(fx->path), before);

    r = make_checkin(fx, qt.ticket_id, "s-tmrw", device, TODAY(14, 0, 0));
    res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_NOT_TODAY);
    assert_int_equal(res.at, TOMORROW(14, 0, 0));
    assert_string_equal(res.first_name, "Bernard");
    assert_string_equal(res.session.id, "s-tmrw");
    assert_counts_equal(counts_now(fx->path), before);

    /* A wider window from the caller is the one used. */
    r = make_checkin(fx, q.ticket_id, "s1", device, TODAY(16, 5, 0));
    r.window.closes_after_s = 10 * MINUTE;
    res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_WELCOME);
    assert_int_equal(res.at, TODAY(16, 5, 0));
    assert_int_equal(counts_now(fx->path).checkins, before.checkins + 1);
}

static void test_checkin_ticket_issued_elsewhere(void **state)
{
    struct fx *fx = *state;
    const char *other = "7d444840-9dc0-11d1-b245-5ffdce74fad2";
    struct counts before = counts_now(fx->path);

    /* Not on record here, its session known: the verified payload is the ticket. */
    struct checkin_request r = make_checkin(fx, "ext-0001", "s1", other, TODAY(14, 0, 0));
    struct checkin_result res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_WELCOME);
    assert_string_equal(res.ticket_id, "ext-0001");
    assert_string_equal(res.first_name, ""); /* issued elsewhere: no name here */
    assert_string_equal(res.session.id, "s1");
    assert_string_equal(res.session.room_name, "Espace atelier");
    struct counts after = counts_now(fx->path);
    assert_int_equal(after.checkins, before.checkins + 1);
    assert_int_equal(after.outbox, before.outbox + 1);
    assert_int_equal(after.tickets, before.tickets);
    char text[256], expect[256];
    sql_text(
        fx->path,
        "SELECT ticket_id || '|' || session_id || '|' || device_id FROM checkins WHERE id = ?1",
        r.checkin_id, text, sizeof text);
    snprintf(expect, sizeof expect, "ext-0001|s1|%s", store_device_id(fx->st)); /* checked here */
    assert_string_equal(text, expect);
    /* And the second scan of it, already. */
    r = make_checkin(fx, "ext-0001", "s1", other, TODAY(14, 1, 0));
    res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_ALREADY);
    assert_int_equal(res.at, TODAY(14, 0, 0));
    assert_counts_equal(counts_now(fx->path), after);

    /* A session this centre does not hold: another centre's ticket. */
    r = make_checkin(fx, "ext-0002", "s-elsewhere", other, TODAY(14, 0, 0));
    res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_INVALID);
    assert_int_equal(res.reason, INVALID_UNKNOWN_SESSION);
    assert_string_equal(res.session.id, "");
    assert_counts_equal(counts_now(fx->path), after);

    /* Yesterday's session, issued elsewhere: not today. */
    r = make_checkin(fx, "ext-0003", "s-yday", other, TODAY(14, 0, 0));
    res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_NOT_TODAY);
    assert_int_equal(res.at, YESTERDAY(14, 0, 0));
    assert_counts_equal(counts_now(fx->path), after);

    /* Recorded by sync (store_ticket_put): the name it carries is shown. */
    struct ticket t;
    memset(&t, 0, sizeof t);
    snprintf(t.id, sizeof t.id, "ext-0004");
    snprintf(t.session_id, sizeof t.session_id, "s1");
    snprintf(t.device_id, sizeof t.device_id, "%s", other);
    snprintf(t.payload, sizeof t.payload, "B1ELSEWHERE");
    snprintf(t.short_code, sizeof t.short_code, "EXT000004");
    snprintf(t.first_name, sizeof t.first_name, "Zoé");
    t.issued_at = NOW - 86400;
    assert_int_equal(store_ticket_put(fx->st, &t), BORNE_OK);
    struct ticket back;
    assert_int_equal(store_ticket_get(fx->st, "ext-0004", &back), BORNE_OK);
    assert_string_equal(back.registration_id, ""); /* NULL in the file */
    assert_int_equal(
        sql_int(fx->path, "SELECT registration_id IS NULL FROM tickets WHERE id = ?1", "ext-0004"),
        1);
    r = make_checkin(fx, "ext-0004", "s1", other, TODAY(14, 0, 0));
    res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_WELCOME);
    assert_string_equal(res.first_name, "Zoé");
}

/* A ticket this kiosk has no record of carries its waiting-list mark under the signature (B2):
** it is sent to the desk, never welcome; once a record is here (a sync), the record decides,
** since the server may have found the visitor a seat since. */
static void test_checkin_waitlist_mark_of_unsynced_ticket(void **state)
{
    struct fx *fx = *state;
    const char *other = "7d444840-9dc0-11d1-b245-5ffdce74fad2";
    struct counts before = counts_now(fx->path);
    struct checkin_request r = make_checkin(fx, "ext-0101", "s1", other, TODAY(14, 0, 0));
    r.waitlist = true;
    struct checkin_result res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_WAITLIST);
    assert_counts_equal(counts_now(fx->path), before); /* nothing recorded */
    /* The control: the same ticket without the mark is welcome. */
    r = make_checkin(fx, "ext-0102", "s1", other, TODAY(14, 0, 0));
    assert_int_equal(must_checkin(fx, &r).verdict, VERDICT_WELCOME);

    /* Synced since, and confirmed by the server (a seat came free): the record wins. */
    struct ticket t;
    memset(&t, 0, sizeof t);
    snprintf(t.id, sizeof t.id, "ext-0101");
    snprintf(t.session_id, sizeof t.session_id, "s1");
    snprintf(t.device_id, sizeof t.device_id, "%s", other);
    snprintf(t.payload, sizeof t.payload, "B2MARKEDWAITLIST");
    snprintf(t.short_code, sizeof t.short_code, "EXT000101");
    t.issued_at = NOW - 3600;
    assert_int_equal(store_ticket_put(fx->st, &t), BORNE_OK);
    r = make_checkin(fx, "ext-0101", "s1", other, TODAY(14, 1, 0));
    r.waitlist = true;
    assert_int_equal(must_checkin(fx, &r).verdict, VERDICT_WELCOME);
}

/* A revoked device's genuine ticket: the kiosk trusts the server's receive time, so the ticket
** checks in when this kiosk holds the server's record of it (received before the revocation:
** the server refuses a revoked device's pushes) and is refused when it does not, whatever the
** payload says. A record of this kiosk's own ticket is not the server's word. */
static void test_checkin_revoked_device(void **state)
{
    struct fx *fx = *state;
    const char *revoked = "7d444840-9dc0-11d1-b245-5ffdce74fad2";
    struct counts before = counts_now(fx->path);

    /* Never received by the server (printed offline, or forged with the stolen key). */
    struct checkin_request r = make_checkin(fx, "rev-0001", "s1", revoked, TODAY(14, 0, 0));
    r.device_revoked = true;
    struct checkin_result res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_INVALID);
    assert_int_equal(res.reason, INVALID_REVOKED_KEY);
    assert_string_equal(res.ticket_id, "rev-0001");
    assert_counts_equal(counts_now(fx->path), before);

    /* Received by the server before the revocation: its record came with a pull. */
    struct ticket t;
    memset(&t, 0, sizeof t);
    snprintf(t.id, sizeof t.id, "rev-0002");
    snprintf(t.session_id, sizeof t.session_id, "s1");
    snprintf(t.device_id, sizeof t.device_id, "%s", revoked);
    snprintf(t.payload, sizeof t.payload, "B2BEFOREREVOCATION");
    snprintf(t.short_code, sizeof t.short_code, "REV000002");
    snprintf(t.first_name, sizeof t.first_name, "Zoé");
    t.issued_at = NOW - 86400;
    assert_int_equal(store_ticket_put(fx->st, &t), BORNE_OK);
    r = make_checkin(fx, "rev-0002", "s1", revoked, TODAY(14, 0, 0));
    r.device_revoked = true;
    res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_WELCOME);
    assert_string_equal(res.first_name, "Zoé");
    /* By its short code too. */
    r = make_code_checkin(fx, "REV000002", TODAY(14, 5, 0));
    r.device_revoked = true;
    assert_int_equal(must_checkin(fx, &r).verdict, VERDICT_ALREADY);

    /* This kiosk's own ticket, should its own key be marked revoked: not the server's word. */
    struct registration_request q = make_req(fx, "s1", "Anne", "Martin", NOW);
    must_register(fx, &q);
    struct counts mid = counts_now(fx->path);
    r = make_checkin(fx, q.ticket_id, "s1", store_device_id(fx->st), TODAY(14, 0, 0));
    r.device_revoked = true;
    res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_INVALID);
    assert_int_equal(res.reason, INVALID_REVOKED_KEY);
    assert_counts_equal(counts_now(fx->path), mid);
}

static void test_checkin_mismatch(void **state)
{
    struct fx *fx = *state;
    const char *device = store_device_id(fx->st);
    struct registration_request q = make_req(fx, "s1", "Anne", "Martin", NOW);
    must_register(fx, &q);
    struct counts before = counts_now(fx->path);

    /* The payload claims another session than the ticket on record. */
    struct checkin_request r = make_checkin(fx, q.ticket_id, "s2", device, TODAY(14, 0, 0));
    struct checkin_result res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_INVALID);
    assert_int_equal(res.reason, INVALID_MISMATCH);
    assert_string_equal(res.ticket_id, q.ticket_id);
    assert_counts_equal(counts_now(fx->path), before);

    /* Or another issuing device. */
    r = make_checkin(fx, q.ticket_id, "s1", "7d444840-9dc0-11d1-b245-5ffdce74fad2",
                     TODAY(14, 0, 0));
    res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_INVALID);
    assert_int_equal(res.reason, INVALID_MISMATCH);
    assert_counts_equal(counts_now(fx->path), before);

    /* The genuine claim is still welcome afterwards. */
    r = make_checkin(fx, q.ticket_id, "s1", device, TODAY(14, 0, 0));
    res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_WELCOME);
}

static void test_checkin_cancelled(void **state)
{
    struct fx *fx = *state;
    const char *device = store_device_id(fx->st);
    const char *other = "7d444840-9dc0-11d1-b245-5ffdce74fad2";
    struct registration_request q = make_req(fx, "s1", "Anne", "Martin", NOW);
    must_register(fx, &q);
    struct registration_request q2 = make_req(fx, "s1", "Bernard", "Petit", NOW);
    must_register(fx, &q2);

    /* Cancelled before it was used. */
    assert_int_equal(store_ticket_cancel(fx->st, q.ticket_id, NOW + 60), BORNE_OK);
    struct ticket t;
    assert_int_equal(store_ticket_get(fx->st, q.ticket_id, &t), BORNE_OK);
    assert_true(t.cancelled);
    struct counts before = counts_now(fx->path);
    struct checkin_request r = make_checkin(fx, q.ticket_id, "s1", device, TODAY(14, 0, 0));
    struct checkin_result res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_CANCELLED);
    assert_string_equal(res.ticket_id, q.ticket_id);
    assert_counts_equal(counts_now(fx->path), before);
    /* Cancelling twice is harmless. */
    assert_int_equal(store_ticket_cancel(fx->st, q.ticket_id, NOW + 120), BORNE_OK);
    assert_int_equal(sql_int(fx->path,
                             "SELECT cancelled_at FROM cancelled_tickets WHERE "
                             "ticket_id = ?1",
                             q.ticket_id),
                     NOW + 60);

    /* Cancelled after it was used: cancelled beats already. */
    r = make_checkin(fx, q2.ticket_id, "s1", device, TODAY(13, 45, 0));
    assert_int_equal(must_checkin(fx, &r).verdict, VERDICT_WELCOME);
    assert_int_equal(store_ticket_cancel(fx->st, q2.ticket_id, TODAY(13, 50, 0)), BORNE_OK);
    before = counts_now(fx->path);
    r = make_checkin(fx, q2.ticket_id, "s1", device, TODAY(14, 0, 0));
    res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_CANCELLED);
    assert_counts_equal(counts_now(fx->path), before);

    /* A ticket this kiosk never saw, cancelled elsewhere (sync, staff): refused. */
    assert_int_equal(store_ticket_cancel(fx->st, "ext-0009", NOW), BORNE_OK);
    assert_int_equal(store_ticket_get(fx->st, "ext-0009", &t), BORNE_ERR_NOT_FOUND);
    r = make_checkin(fx, "ext-0009", "s1", other, TODAY(14, 0, 0));
    res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_CANCELLED);
    assert_counts_equal(counts_now(fx->path), before);
    /* ... and when sync brings the ticket later, still cancelled. */
    memset(&t, 0, sizeof t);
    snprintf(t.id, sizeof t.id, "ext-0009");
    snprintf(t.session_id, sizeof t.session_id, "s1");
    snprintf(t.device_id, sizeof t.device_id, "%s", other);
    snprintf(t.payload, sizeof t.payload, "B1NINE");
    snprintf(t.short_code, sizeof t.short_code, "EXT000009");
    assert_int_equal(store_ticket_put(fx->st, &t), BORNE_OK);
    r = make_checkin(fx, "ext-0009", "s1", other, TODAY(14, 0, 0));
    assert_int_equal(must_checkin(fx, &r).verdict, VERDICT_CANCELLED);
    r = make_code_checkin(fx, "EXT000009", TODAY(14, 0, 0));
    assert_int_equal(must_checkin(fx, &r).verdict, VERDICT_CANCELLED);
    before = counts_now(fx->path); /* the ticket put added a row */

    /* A cancelled session: its tickets are refused, whoever issued them. */
    r = make_checkin(fx, "ext-0010", "s-cancel", other, TODAY(14, 0, 0));
    res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_CANCELLED);
    assert_string_equal(res.session.id, "s-cancel");
    assert_counts_equal(counts_now(fx->path), before);

    assert_int_equal(store_ticket_cancel(fx->st, "", NOW), BORNE_ERR_INVALID);
    assert_int_equal(store_ticket_cancel(fx->st, NULL, NOW), BORNE_ERR_INVALID);
}

/* A waiting-list registration (an enrolled kiosk, no seat left in its allotment, the server
** out of reach) has a waiting-list ticket; at the door it is sent to the desk, by scan or by
** code, and nothing is recorded. */
static void test_checkin_waitlist(void **state)
{
    struct fx *fx = *state;
    const char *device = store_device_id(fx->st);
    struct registration_request q = make_req(fx, "s1", "Anne", "Martin", NOW);
    q.seat_mode = REGISTRATION_SEAT_ESCROW; /* no allotment was granted for s1 */
    q.waitlist_ok = true;
    /* Without the ticket that says "waiting list" under its signature, it is refused. */
    struct registration none;
    assert_int_equal(store_register(fx->st, &q, &none), BORNE_ERR_INVALID);
    snprintf(q.payload_waitlist, sizeof q.payload_waitlist, "B2WAITLISTPAYLOAD%04dAAAAAAAAAAAA",
             fx->n_req);
    struct registration reg = must_register(fx, &q);
    assert_int_equal(reg.status, REGISTRATION_WAITLIST);
    struct ticket t;
    assert_int_equal(store_ticket_get(fx->st, q.ticket_id, &t), BORNE_OK);
    assert_true(t.waitlist);
    assert_string_equal(t.payload, q.payload_waitlist); /* the ticket kept says what it is */
    /* The control: a ticket with a seat, same session, same time. */
    struct registration_request q2 = make_req(fx, "s1", "Bernard", "Petit", NOW);
    must_register(fx, &q2);
    assert_int_equal(store_ticket_get(fx->st, q2.ticket_id, &t), BORNE_OK);
    assert_false(t.waitlist);

    struct counts before = counts_now(fx->path);
    struct checkin_request r = make_checkin(fx, q.ticket_id, "s1", device, TODAY(14, 0, 0));
    struct checkin_result res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_WAITLIST);
    assert_string_equal(res.ticket_id, q.ticket_id);
    assert_string_equal(res.first_name, "Anne");
    assert_string_equal(res.session.id, "s1");
    assert_counts_equal(counts_now(fx->path), before); /* no check-in, no outbox event */
    assert_int_equal(
        sql_int(fx->path, "SELECT count(*) FROM checkins WHERE ticket_id = ?1", q.ticket_id), 0);
    /* Again, and by its code: the same, still nothing recorded. */
    res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_WAITLIST);
    r = make_code_checkin(fx, q.short_code, TODAY(14, 5, 0));
    assert_int_equal(must_checkin(fx, &r).verdict, VERDICT_WAITLIST);
    assert_counts_equal(counts_now(fx->path), before);
    int n = -1;
    assert_int_equal(store_checkin_count(fx->st, "s1", &n), BORNE_OK);
    assert_int_equal(n, 0);

    r = make_checkin(fx, q2.ticket_id, "s1", device, TODAY(14, 0, 0));
    assert_int_equal(must_checkin(fx, &r).verdict, VERDICT_WELCOME);
    assert_int_equal(store_checkin_count(fx->st, "s1", &n), BORNE_OK);
    assert_int_equal(n, 1);
    /* After the session: over, as any ticket. */
    r = make_checkin(fx, q.ticket_id, "s1", device, TODAY(17, 0, 0));
    assert_int_equal(must_checkin(fx, &r).verdict, VERDICT_OVER);
}

static void test_checkin_by_code(void **state)
{
    struct fx *fx = *state;
    struct registration_request q = make_req(fx, "s1", "Anne", "Martin", NOW);
    must_register(fx, &q);
    struct counts before = counts_now(fx->path);

    struct ticket t;
    assert_int_equal(store_ticket_by_code(fx->st, q.short_code, &t), BORNE_OK);
    assert_string_equal(t.id, q.ticket_id);

    /* An unknown code: not valid, nothing written. */
    struct checkin_request r = make_code_checkin(fx, "KXXXXXXXX", TODAY(14, 0, 0));
    struct checkin_result res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_INVALID);
    assert_int_equal(res.reason, INVALID_UNKNOWN_CODE);
    assert_string_equal(res.ticket_id, "");
    assert_counts_equal(counts_now(fx->path), before);

    /* Too early by code, as by scan. */
    r = make_code_checkin(fx, q.short_code, TODAY(12, 0, 0));
    res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_TOO_EARLY);
    assert_counts_equal(counts_now(fx->path), before);

    r = make_code_checkin(fx, q.short_code, TODAY(14, 0, 0));
    res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_WELCOME);
    assert_int_equal(res.at, TODAY(14, 0, 0));
    assert_string_equal(res.ticket_id, q.ticket_id);
    assert_string_equal(res.first_name, "Anne");
    assert_string_equal(res.session.title, "Rédiger son CV");
    assert_string_equal(res.session.room_name, "Espace atelier");
    assert_int_equal(
        sql_int(fx->path, "SELECT count(*) FROM checkins WHERE ticket_id = ?1", q.ticket_id), 1);
    assert_int_equal(counts_now(fx->path).outbox, before.outbox + 1);

    /* The code then the QR of the same ticket: already. */
    r = make_checkin(fx, q.ticket_id, "s1", store_device_id(fx->st), TODAY(14, 2, 0));
    res = must_checkin(fx, &r);
    assert_int_equal(res.verdict, VERDICT_ALREADY);
    assert_int_equal(res.at, TODAY(14, 0, 0));
}

static void test_checkin_refuses_bad_requests(void **state)
{
    struct fx *fx = *state;
    struct registration_request q = make_req(fx, "s1", "Anne", "Martin", NOW);
    must_register(fx, &q);
    const char *device = store_device_id(fx->st);
    struct counts before = counts_now(fx->path);
    struct checkin_result res;

    struct checkin_request r = make_checkin(fx, q.ticket_id, "s1", device, TODAY(14, 0, 0));
    r.checkin_id[0] = '\0';
    memset(&res, 'x', sizeof res);
    assert_int_equal(store_checkin(fx->st, &r, &res), BORNE_ERR_INVALID);
    assert_int_equal(res.verdict, 0);
    assert_string_equal(res.ticket_id, "");
    r = make_checkin(fx, q.ticket_id, "s1", device, TODAY(14, 0, 0));
    r.event_id[0] = '\0';
    assert_int_equal(store_checkin(fx->st, &r, &res), BORNE_ERR_INVALID);
    r = make_checkin(fx, "", "s1", device, TODAY(14, 0, 0)); /* neither id nor code */
    assert_int_equal(store_checkin(fx->st, &r, &res), BORNE_ERR_INVALID);
    r = make_checkin(fx, q.ticket_id, "s1", device, TODAY(14, 0, 0));
    memset(r.session_id, 's', sizeof r.session_id); /* not terminated */
    assert_int_equal(store_checkin(fx->st, &r, &res), BORNE_ERR_INVALID);
    r = make_checkin(fx, q.ticket_id, "s1", device, TODAY(14, 0, 0));
    memset(r.short_code, 'K', sizeof r.short_code);
    assert_int_equal(store_checkin(fx->st, &r, &res), BORNE_ERR_INVALID);
    r = make_checkin(fx, q.ticket_id, "s1", device, TODAY(14, 0, 0));
    assert_int_equal(store_checkin(NULL, &r, &res), BORNE_ERR_INVALID);
    assert_int_equal(store_checkin(fx->st, NULL, &res), BORNE_ERR_INVALID);
    assert_int_equal(store_checkin(fx->st, &r, NULL), BORNE_ERR_INVALID);
    assert_counts_equal(counts_now(fx->path), before);

    /* The same check-in id twice (the caller's ids collided): a storage failure, nothing
    ** recorded, and the visitor is not welcomed. */
    struct registration_request q2 = make_req(fx, "s1", "Bernard", "Petit", NOW);
    must_register(fx, &q2);
    r = make_checkin(fx, q.ticket_id, "s1", device, TODAY(14, 0, 0));
    assert_int_equal(must_checkin(fx, &r).verdict, VERDICT_WELCOME);
    before = counts_now(fx->path);
    struct checkin_request dup = make_checkin(fx, q2.ticket_id, "s1", device, TODAY(14, 0, 0));
    snprintf(dup.checkin_id, sizeof dup.checkin_id, "%s", r.checkin_id);
    memset(&res, 'x', sizeof res);
    assert_int_not_equal(store_checkin(fx->st, &dup, &res), BORNE_OK);
    assert_int_equal(res.verdict, 0);
    assert_string_equal(res.first_name, "");
    assert_counts_equal(counts_now(fx->path), before);
    /* The store is usable afterwards: no transaction left open. */
    dup = make_checkin(fx, q2.ticket_id, "s1", device, TODAY(14, 0, 0));
    assert_int_equal(must_checkin(fx, &dup).verdict, VERDICT_WELCOME);
}

/* Another process holds the write lock past the busy timeout: a storage failure, reported as
** such, with nothing recorded and no verdict to show. */
static void test_checkin_busy_database(void **state)
{
    struct fx *fx = *state;
    struct registration_request q = make_req(fx, "s1", "Anne", "Martin", NOW);
    must_register(fx, &q);
    struct counts before = counts_now(fx->path);

    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(fx->path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    struct checkin_request r =
        make_checkin(fx, q.ticket_id, "s1", store_device_id(fx->st), TODAY(14, 0, 0));
    struct checkin_result res;
    memset(&res, 'x', sizeof res);
    enum borne_err err = store_checkin(fx->st, &r, &res);
    assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(err, BORNE_ERR_BUSY);
    assert_int_equal(res.verdict, 0);
    assert_string_equal(res.ticket_id, "");
    assert_string_not_equal(store_errmsg(fx->st), "");
    assert_counts_equal(counts_now(fx->path), before);

    /* Once the lock is gone, the same scan is welcome. */
    r = make_checkin(fx, q.ticket_id, "s1", store_device_id(fx->st), TODAY(14, 0, 0));
    assert_int_equal(must_checkin(fx, &r).verdict, VERDICT_WELCOME);
}

/* ---- device keys ----------------------------------------------------------------------- */

static void test_device_keys(void **state)
{
    struct fx *fx = *state;
    uint8_t secret[64], public_key[32], got[64], other_secret[64], other_public[32];
    for (int i = 0; i < 64; i++) {
        secret[i] = (uint8_t)(i * 7 + 1);
        other_secret[i] = (uint8_t)(255 - i);
    }
    for (int i = 0; i < 32; i++) {
        public_key[i] = (uint8_t)(i * 3 + 2);
        other_public[i] = (uint8_t)(200 - i);
    }
    secret[10] = 0; /* a zero byte inside: a blob, not a string */

    memset(got, 0xAA, sizeof got);
    assert_int_equal(store_device_secret_get(fx->st, got), BORNE_ERR_NOT_FOUND);
    assert_int_equal(store_device_secret_put(fx->st, secret, public_key), BORNE_OK);
    assert_int_equal(store_device_secret_get(fx->st, got), BORNE_OK);
    assert_memory_equal(got, secret, sizeof secret);

    /* A key is made once: a second one is refused and the first kept. */
    assert_int_equal(store_device_secret_put(fx->st, other_secret, other_public),
                     BORNE_ERR_INVALID);
    assert_int_equal(store_device_secret_get(fx->st, got), BORNE_OK);
    assert_memory_equal(got, secret, sizeof secret);

    /* The public half is under this kiosk's device id, not revoked. */
    uint8_t pk[32];
    bool revoked = true;
    assert_int_equal(store_device_key_get(fx->st, store_device_id(fx->st), pk, &revoked), BORNE_OK);
    assert_memory_equal(pk, public_key, sizeof pk);
    assert_false(revoked);
    assert_int_equal(sql_int(fx->path,
                             "SELECT length(public_key) FROM device_keys WHERE device_id = ?1",
                             store_device_id(fx->st)),
                     32);
    assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM device_keys", NULL), 1);
    assert_int_equal(sql_int(fx->path,
                             "SELECT typeof(value) = 'blob' AND length(value) = 64 FROM meta "
                             "WHERE key = 'device_secret_key'",
                             NULL),
                     1);

    /* Another kiosk's key, then its revocation. */
    const char *k2 = "7d444840-9dc0-11d1-b245-5ffdce74fad2";
    assert_int_equal(store_device_key_get(fx->st, k2, pk, &revoked), BORNE_ERR_NOT_FOUND);
    assert_int_equal(store_device_key_put(fx->st, k2, other_public, 0), BORNE_OK);
    revoked = true;
    assert_int_equal(store_device_key_get(fx->st, k2, pk, &revoked), BORNE_OK);
    assert_memory_equal(pk, other_public, sizeof pk);
    assert_false(revoked);
    assert_int_equal(store_device_key_put(fx->st, k2, other_public, NOW), BORNE_OK);
    assert_int_equal(store_device_key_get(fx->st, k2, pk, &revoked), BORNE_OK);
    assert_true(revoked);
    assert_int_equal(
        sql_int(fx->path, "SELECT revoked_at FROM device_keys WHERE device_id = ?1", k2), NOW);
    /* Replacing the key and lifting the revocation (configuration). */
    assert_int_equal(store_device_key_put(fx->st, k2, public_key, 0), BORNE_OK);
    assert_int_equal(store_device_key_get(fx->st, k2, pk, &revoked), BORNE_OK);
    assert_memory_equal(pk, public_key, sizeof pk);
    assert_false(revoked);
    /* This kiosk's own key is untouched by the other's. */
    assert_int_equal(store_device_key_get(fx->st, store_device_id(fx->st), pk, &revoked), BORNE_OK);
    assert_memory_equal(pk, public_key, sizeof pk);

    /* Bad arguments. */
    assert_int_equal(store_device_key_put(fx->st, "", other_public, 0), BORNE_ERR_INVALID);
    assert_int_equal(store_device_key_put(fx->st, NULL, other_public, 0), BORNE_ERR_INVALID);
    assert_int_equal(store_device_key_put(fx->st, k2, NULL, 0), BORNE_ERR_INVALID);
    char long_id[BORNE_ID_MAX + 1];
    memset(long_id, 'd', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    assert_int_equal(store_device_key_put(fx->st, long_id, other_public, 0), BORNE_ERR_INVALID);
    assert_int_equal(store_device_secret_put(fx->st, NULL, public_key), BORNE_ERR_INVALID);
    assert_int_equal(store_device_secret_get(NULL, got), BORNE_ERR_INVALID);

    /* Kept across a restart. */
    store_close(fx->st);
    fx->st = NULL;
    assert_int_equal(store_open(fx->path, &fx->st, NULL, 0), BORNE_OK);
    assert_int_equal(store_device_secret_get(fx->st, got), BORNE_OK);
    assert_memory_equal(got, secret, sizeof secret);

    /* A damaged key (a tool wrote 3 bytes) is reported, not used. */
    sql_exec(fx->path, "UPDATE meta SET value = x'010203' WHERE key = 'device_secret_key'");
    assert_int_equal(store_device_secret_get(fx->st, got), BORNE_ERR_CORRUPT);
}

static mode_t file_mode(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        fail_msg("stat %s failed", path);
    return sb.st_mode & 0777;
}

static void test_database_file_private(void **state)
{
    struct fx *fx = *state;
    /* main() set umask 022: a plain new file would be 0644, readable by everybody. */
    assert_int_equal(file_mode(fx->path), 0600);
    /* SQLite's side files hold the same data (the WAL holds recent writes, names included). */
    struct registration_request q = make_req(fx, "s1", "Anne", "Martin", NOW);
    must_register(fx, &q);
    char side[160];
    snprintf(side, sizeof side, "%s-wal", fx->path);
    if (access(side, F_OK) == 0)
        assert_int_equal(file_mode(side), 0600);
    snprintf(side, sizeof side, "%s-shm", fx->path);
    if (access(side, F_OK) == 0)
        assert_int_equal(file_mode(side), 0600);

    /* A file made readable by someone is made private again at the next open. */
    store_close(fx->st);
    fx->st = NULL;
    assert_int_equal(chmod(fx->path, 0644), 0);
    assert_int_equal(store_open(fx->path, &fx->st, NULL, 0), BORNE_OK);
    assert_int_equal(file_mode(fx->path), 0600);
}

/* ---- print log ------------------------------------------------------------------------- */

static void test_print_log(void **state)
{
    struct fx *fx = *state;
    int64_t a = 0, b = 0, c = 0, d = 0, e = 0;
    assert_int_equal(store_print_job_add(fx->st, "tkt-a", false, NOW, &a), BORNE_OK);
    assert_int_equal(store_print_job_add(fx->st, "tkt-b", false, NOW + 1, &b), BORNE_OK);
    assert_int_equal(store_print_job_add(fx->st, "tkt-c", false, NOW + 2, &c), BORNE_OK);
    assert_int_equal(store_print_job_add(fx->st, "tkt-d", false, NOW + 3, &d), BORNE_OK);
    assert_int_equal(store_print_job_add(fx->st, "tkt-a", true, NOW + 4, &e), BORNE_OK);
    assert_true(a > 0);
    assert_true(b != a && c != b && d != c && e != d);

    struct print_job job;
    assert_int_equal(store_print_job_get(fx->st, a, &job), BORNE_OK);
    assert_int_equal(job.id, a);
    assert_string_equal(job.ticket_id, "tkt-a");
    assert_false(job.reprint);
    assert_int_equal(job.state, PRINT_QUEUED);
    assert_int_equal(job.created_at, NOW);
    assert_int_equal(job.updated_at, NOW);
    assert_string_equal(job.detail, "");
    assert_int_equal(store_print_job_get(fx->st, e, &job), BORNE_OK);
    assert_true(job.reprint); /* a reprint is a new job of the same ticket */
    assert_string_equal(job.ticket_id, "tkt-a");

    /* a: sent then done; b: sent; c: failed with a reason; d: queued. */
    assert_int_equal(store_print_job_set(fx->st, a, PRINT_SENT, NULL, NOW + 10), BORNE_OK);
    assert_int_equal(store_print_job_get(fx->st, a, &job), BORNE_OK);
    assert_int_equal(job.state, PRINT_SENT);
    assert_int_equal(job.updated_at, NOW + 10);
    assert_int_equal(store_print_job_set(fx->st, a, PRINT_DONE, "", NOW + 11), BORNE_OK);
    assert_int_equal(store_print_job_set(fx->st, b, PRINT_SENT, NULL, NOW + 12), BORNE_OK);
    assert_int_equal(store_print_job_set(fx->st, c, PRINT_FAILED, "paper out", NOW + 13), BORNE_OK);
    assert_int_equal(store_print_job_get(fx->st, a, &job), BORNE_OK);
    assert_int_equal(job.state, PRINT_DONE);
    assert_int_equal(job.created_at, NOW);
    assert_int_equal(job.updated_at, NOW + 11);
    assert_int_equal(store_print_job_get(fx->st, c, &job), BORNE_OK);
    assert_int_equal(job.state, PRINT_FAILED);
    assert_string_equal(job.detail, "paper out");
    assert_int_equal(
        sql_int(fx->path, "SELECT state FROM print_jobs WHERE ticket_id = ?1", "tkt-c"),
        PRINT_FAILED);

    int n = -1;
    assert_int_equal(store_print_job_count(fx->st, PRINT_QUEUED, &n), BORNE_OK);
    assert_int_equal(n, 2); /* d, e */
    assert_int_equal(store_print_job_count(fx->st, PRINT_SENT, &n), BORNE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(store_print_job_count(fx->st, PRINT_DONE, &n), BORNE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(store_print_job_count(fx->st, PRINT_FAILED, &n), BORNE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(store_print_job_count(fx->st, PRINT_INTERRUPTED, &n), BORNE_OK);
    assert_int_equal(n, 0);

    /* A restart: queued and sent jobs are interrupted, never resent; the others stay. */
    assert_int_equal(store_print_jobs_interrupt(fx->st, NOW + 100, &n), BORNE_OK);
    assert_int_equal(n, 3); /* b, d, e */
    assert_int_equal(store_print_job_get(fx->st, b, &job), BORNE_OK);
    assert_int_equal(job.state, PRINT_INTERRUPTED);
    assert_int_equal(job.updated_at, NOW + 100);
    assert_string_not_equal(job.detail, "");
    assert_int_equal(store_print_job_get(fx->st, d, &job), BORNE_OK);
    assert_int_equal(job.state, PRINT_INTERRUPTED);
    assert_int_equal(store_print_job_get(fx->st, a, &job), BORNE_OK);
    assert_int_equal(job.state, PRINT_DONE);
    assert_int_equal(job.updated_at, NOW + 11);
    assert_int_equal(store_print_job_get(fx->st, c, &job), BORNE_OK);
    assert_int_equal(job.state, PRINT_FAILED);
    assert_string_equal(job.detail, "paper out");
    assert_int_equal(store_print_job_count(fx->st, PRINT_INTERRUPTED, &n), BORNE_OK);
    assert_int_equal(n, 3);
    assert_int_equal(store_print_job_count(fx->st, PRINT_QUEUED, &n), BORNE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_print_job_count(fx->st, PRINT_SENT, &n), BORNE_OK);
    assert_int_equal(n, 0);
    /* A second start finds nothing to interrupt. */
    assert_int_equal(store_print_jobs_interrupt(fx->st, NOW + 200, &n), BORNE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_print_jobs_interrupt(fx->st, NOW + 200, NULL), BORNE_OK);

    /* A detail longer than the field is cut, not overflowed. */
    char long_detail[400];
    memset(long_detail, 'e', sizeof long_detail - 1);
    long_detail[sizeof long_detail - 1] = '\0';
    assert_int_equal(store_print_job_set(fx->st, c, PRINT_FAILED, long_detail, NOW + 300),
                     BORNE_OK);
    assert_int_equal(store_print_job_get(fx->st, c, &job), BORNE_OK);
    assert_int_equal(strlen(job.detail), sizeof job.detail - 1);

    /* Unknown jobs and bad arguments. */
    assert_int_equal(store_print_job_get(fx->st, 999999, &job), BORNE_ERR_NOT_FOUND);
    assert_int_equal(job.id, 0);
    assert_int_equal(store_print_job_set(fx->st, 999999, PRINT_DONE, NULL, NOW),
                     BORNE_ERR_NOT_FOUND);
    assert_int_equal(store_print_job_set(fx->st, a, (enum print_state)5, NULL, NOW),
                     BORNE_ERR_INVALID);
    assert_int_equal(store_print_job_set(fx->st, a, (enum print_state) - 1, NULL, NOW),
                     BORNE_ERR_INVALID);
    assert_int_equal(store_print_job_get(fx->st, a, &job), BORNE_OK);
    assert_int_equal(job.state, PRINT_DONE);
    int64_t id = 77;
    assert_int_equal(store_print_job_add(fx->st, "", false, NOW, &id), BORNE_ERR_INVALID);
    assert_int_equal(id, 0);
    assert_int_equal(store_print_job_add(fx->st, NULL, false, NOW, &id), BORNE_ERR_INVALID);
    assert_int_equal(store_print_job_add(fx->st, "tkt-x", false, NOW, NULL), BORNE_ERR_INVALID);
    assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM print_jobs", NULL), 5);
}

/* ---- purge ----------------------------------------------------------------------------- */

static void test_purge_blanks_ticket_names(void **state)
{
    struct fx *fx = *state;
    struct registration_request q = make_req(fx, "s1", "Anne", "Martin", NOW);
    must_register(fx, &q);
    struct registration_request qt = make_req(fx, "s-tmrw", "Bernard", "Petit", NOW);
    must_register(fx, &qt);
    struct ticket t;
    memset(&t, 0, sizeof t); /* issued elsewhere, for s1, with a name */
    snprintf(t.id, sizeof t.id, "ext-0001");
    snprintf(t.session_id, sizeof t.session_id, "s1");
    snprintf(t.device_id, sizeof t.device_id, "other");
    snprintf(t.payload, sizeof t.payload, "B1OTHER");
    snprintf(t.short_code, sizeof t.short_code, "EXT000001");
    snprintf(t.first_name, sizeof t.first_name, "Claire");
    assert_int_equal(store_ticket_put(fx->st, &t), BORNE_OK);

    /* Not yet: s1 ends at 16:00. */
    int n = -1;
    assert_int_equal(store_purge_personal(fx->st, TODAY(15, 0, 0), TODAY(15, 0, 0), &n), BORNE_OK);
    assert_int_equal(store_ticket_get(fx->st, q.ticket_id, &t), BORNE_OK);
    assert_string_equal(t.first_name, "Anne");

    assert_int_equal(store_purge_personal(fx->st, TODAY(17, 0, 0), TODAY(17, 0, 0), &n), BORNE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(store_ticket_get(fx->st, q.ticket_id, &t), BORNE_OK);
    assert_string_equal(t.first_name, "");
    assert_string_equal(t.payload, q.payload); /* the ticket itself stays */
    assert_int_equal(store_ticket_get(fx->st, "ext-0001", &t), BORNE_OK);
    assert_string_equal(t.first_name, "");
    assert_int_equal(sql_int(fx->path,
                             "SELECT count(*) FROM tickets WHERE session_id = 's1' AND "
                             "first_name != ''",
                             NULL),
                     0);
    /* Tomorrow's session keeps its name. */
    assert_int_equal(store_ticket_get(fx->st, qt.ticket_id, &t), BORNE_OK);
    assert_string_equal(t.first_name, "Bernard");
    /* No name anywhere in the file for s1's visitors. */
    assert_int_equal(sql_int(fx->path,
                             "SELECT (SELECT count(*) FROM tickets WHERE first_name IN ('Anne', "
                             "'Claire')) + (SELECT count(*) FROM registrations WHERE first_name "
                             "= 'Anne') + (SELECT count(*) FROM outbox WHERE payload LIKE "
                             "'%Anne%')",
                             NULL),
                     0);

    /* A ticket synced after the purge, for a session already purged, with a name: the next
    ** purge blanks it too. */
    memset(&t, 0, sizeof t);
    snprintf(t.id, sizeof t.id, "ext-0002");
    snprintf(t.session_id, sizeof t.session_id, "s1");
    snprintf(t.device_id, sizeof t.device_id, "other");
    snprintf(t.payload, sizeof t.payload, "B1OTHER2");
    snprintf(t.short_code, sizeof t.short_code, "EXT000002");
    snprintf(t.first_name, sizeof t.first_name, "Denis");
    assert_int_equal(store_ticket_put(fx->st, &t), BORNE_OK);
    assert_int_equal(store_purge_personal(fx->st, TODAY(18, 0, 0), TODAY(18, 0, 0), &n), BORNE_OK);
    assert_int_equal(store_ticket_get(fx->st, "ext-0002", &t), BORNE_OK);
    assert_string_equal(t.first_name, "");
}

/* ---- migration ------------------------------------------------------------------------- */

static void test_migrate_v1_to_v2(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(sql_int(fx->path, "PRAGMA user_version", NULL), 3);
    struct registration_request q = make_req(fx, "s1", "Anne", "Martin", NOW);
    q.print = false;
    must_register(fx, &q);
    char device[BORNE_ID_MAX];
    snprintf(device, sizeof device, "%s", store_device_id(fx->st));
    store_close(fx->st);
    fx->st = NULL;

    /* Back to what a v1 kiosk left. */
    sql_exec(fx->path, "PRAGMA user_version = 1; DROP TABLE print_jobs; "
                       "ALTER TABLE allotments DROP COLUMN seats_returned; "
                       "ALTER TABLE registrations DROP COLUMN seat; "
                       "ALTER TABLE tickets DROP COLUMN waitlist; "
                       "ALTER TABLE sessions DROP COLUMN server_seats_taken; "
                       "ALTER TABLE outbox DROP COLUMN refused_reason; "
                       "DROP TABLE cancelled_tickets; DROP INDEX tickets_short_code_status; "
                       "ALTER TABLE device_keys DROP COLUMN origin;");
    assert_int_equal(sql_int(fx->path,
                             "SELECT count(*) FROM sqlite_master WHERE name IN ('print_jobs', "
                             "'cancelled_tickets', 'tickets_short_code_status')",
                             NULL),
                     0);

    char msg[256] = "untouched";
    assert_int_equal(store_open(fx->path, &fx->st, msg, sizeof msg), BORNE_OK);
    assert_string_equal(msg, "");
    assert_int_equal(sql_int(fx->path, "PRAGMA user_version", NULL), 3);
    assert_int_equal(sql_int(fx->path,
                             "SELECT count(*) FROM sqlite_master WHERE name IN ('print_jobs', "
                             "'cancelled_tickets', 'tickets_short_code_status', "
                             "'print_jobs_ticket_id', 'print_jobs_state')",
                             NULL),
                     5);

    /* The data is kept. */
    assert_string_equal(store_device_id(fx->st), device);
    struct registration reg;
    assert_int_equal(store_registration_get(fx->st, q.registration_id, &reg), BORNE_OK);
    assert_string_equal(reg.first_name, "Anne");
    struct ticket t;
    assert_int_equal(store_ticket_get(fx->st, q.ticket_id, &t), BORNE_OK);
    assert_string_equal(t.payload, q.payload);
    struct session s;
    assert_int_equal(store_session_get(fx->st, "s1", &s), BORNE_OK);
    assert_int_equal(s.seats_taken, 1);
    int n = -1;
    assert_int_equal(store_outbox_pending(fx->st, &n), BORNE_OK);
    assert_int_equal(n, 1);

    /* And the new tables work. */
    int64_t job = 0;
    assert_int_equal(store_print_job_add(fx->st, q.ticket_id, true, NOW, &job), BORNE_OK);
    assert_true(job > 0);
    assert_int_equal(store_ticket_cancel(fx->st, q.ticket_id, NOW), BORNE_OK);
    struct checkin_request r =
        make_checkin(fx, q.ticket_id, "s1", store_device_id(fx->st), TODAY(14, 0, 0));
    assert_int_equal(must_checkin(fx, &r).verdict, VERDICT_CANCELLED);
    assert_int_equal(store_check(fx->st), BORNE_OK);

    /* A file from a newer program is refused, not damaged. */
    store_close(fx->st);
    fx->st = NULL;
    sql_exec(fx->path, "PRAGMA user_version = 4");
    struct store *st = NULL;
    assert_int_equal(store_open(fx->path, &st, msg, sizeof msg), BORNE_ERR_TOO_NEW);
    assert_null(st);
    sql_exec(fx->path, "PRAGMA user_version = 3");
    assert_int_equal(store_open(fx->path, &fx->st, NULL, 0), BORNE_OK);
}

int main(void)
{
    setenv("TZ", "Europe/Paris", 1);
    tzset();
    umask(022); /* see test_database_file_private */
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_local_time_is_paris),
        cmocka_unit_test(test_judge_window_edges),
        cmocka_unit_test(test_judge_not_today),
        cmocka_unit_test(test_judge_window_over_midnight),
        cmocka_unit_test(test_judge_order),
        cmocka_unit_test(test_judge_waitlist),
        cmocka_unit_test(test_verdict_names),
        T(test_register_records_ticket_and_print_job),
        T(test_register_when_door_open_checks_in),
        T(test_register_failure_writes_no_ticket),
        T(test_register_refuses_incomplete_ticket),
        T(test_checkin_welcome_then_already),
        T(test_checkin_wrong_time_writes_nothing),
        T(test_checkin_ticket_issued_elsewhere),
        T(test_checkin_waitlist_mark_of_unsynced_ticket),
        T(test_checkin_revoked_device),
        T(test_checkin_mismatch),
        T(test_checkin_cancelled),
        T(test_checkin_waitlist),
        T(test_checkin_by_code),
        T(test_checkin_refuses_bad_requests),
        T(test_checkin_busy_database),
        T(test_device_keys),
        T(test_database_file_private),
        T(test_print_log),
        T(test_purge_blanks_ticket_names),
        T(test_migrate_v1_to_v2),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
