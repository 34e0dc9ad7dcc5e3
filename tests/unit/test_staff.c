/* Unit tests of the staff panel: the pure rules of core/staff.c (PIN, badge, lockout), the
** reducer's staff screens (opened by the corner or the badge, the PIN flow with the check's
** answer fed back by hand, the lock at its boundaries, the auto-close, the sync button), and
** the PIN's hashing and the [staff] configuration (firmware/app/staff.c, config.c), with
** libsodium for real.
**
** Time: "now" is Monday 23 November 2026, 10:00 in Paris (TZ=Europe/Paris); the monotonic
** clock starts at NOW_MS. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/kiosk.h"
#include "core/app.h"
#include "core/staff.h"

#include "support.h"
#include "support_app.h"

#define TODAY0 1795388400LL /* 2026-11-23 00:00 CET */
#define NOW (TODAY0 + 10 * 3600)
#define NOW_MS 5000000LL
#define AT(h, m) (TODAY0 + (h)*3600 + (m)*60)

static const char badge[] = "STAFF-BADGE-7f3a9c21e4";

static struct session cat[2];

static struct session make_session(const char *id, int64_t starts, int64_t ends)
{
    struct session ses;
    memset(&ses, 0, sizeof ses);
    snprintf(ses.id, sizeof ses.id, "%s", id);
    snprintf(ses.title, sizeof ses.title,
             "S\xC3\xA9"
             "ance %s",
             id);
    snprintf(ses.room_name, sizeof ses.room_name, "Salle 1");
    ses.starts_at = starts;
    ses.ends_at = ends;
    ses.capacity = 10;
    return ses;
}

/* The start screen, the staff panel configured (a PIN hash, a badge), as kiosk_staff_open()
** leaves it. */
static int setup(void **state)
{
    struct app_state *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    cat[0] = make_session("a", AT(14, 0), AT(16, 0));
    cat[1] = make_session("b", AT(16, 0), AT(17, 0));
    start_state(s, NOW, NOW_MS, cat, 2);
    s->staff.enabled = true;
    snprintf(s->staff.badge, sizeof s->staff.badge, "%s", badge);
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

/* Time passes: ms milliseconds on both clocks. */
static void pass(struct app_state *s, int64_t ms)
{
    tick(s, s->now + ms / 1000, s->now_ms + ms);
}

static void hold(struct app_state *s, int arg, int64_t at_ms)
{
    reduce(s, (struct action){.kind = ACT_STAFF_HOLD, .arg = arg, .now_ms = at_ms});
}

static void pin(struct app_state *s, const char *digits)
{
    for (const char *d = digits; *d; d++)
        act(s, ACT_PIN_DIGIT, *d - '0');
}

/* Type digits, OK, and the check's answer as the loop would give it. */
static void try_pin(struct app_state *s, bool right)
{
    pin(s, "1234");
    act(s, ACT_PIN_SUBMIT, 0);
    assert_int_equal(s->effect, EFFECT_STAFF_VERIFY);
    assert_true(s->staff.checking);
    clear_effect(s);
    act(s, ACT_PIN_CHECKED, right);
    assert_false(s->staff.checking);
    assert_string_equal(s->staff.pin, ""); /* never kept after its check */
}

static void open_prompt(struct app_state *s)
{
    scan(s, badge);
    assert_int_equal(s->screen, SCREEN_STAFF_PIN);
    assert_int_equal(s->effect, EFFECT_NONE);
}

static void open_panel(struct app_state *s)
{
    open_prompt(s);
    try_pin(s, true);
    assert_int_equal(s->screen, SCREEN_STAFF);
    assert_int_equal(s->effect, EFFECT_STAFF_LOAD);
    clear_effect(s);
}

/* ---- pure rules ---------------------------------------------------------------------------- */

static void test_pin_valid(void **state)
{
    (void)state;
    assert_true(staff_pin_valid("1234"));
    assert_true(staff_pin_valid("000000000000")); /* 12 */
    assert_false(staff_pin_valid("123"));
    assert_false(staff_pin_valid("1234567890123")); /* 13 */
    assert_false(staff_pin_valid(""));
    assert_false(staff_pin_valid(NULL));
    assert_false(staff_pin_valid("12a4"));
    assert_false(staff_pin_valid("1234 "));
    assert_false(staff_pin_valid(" 1234"));
    assert_false(staff_pin_valid("１２３４")); /* full-width digits: not ASCII */
    assert_false(staff_pin_valid("1234\n"));
}

static void test_badge_rules(void **state)
{
    (void)state;
    assert_true(staff_badge_valid(badge));
    assert_true(staff_badge_valid("0123456789abcdef")); /* 16 */
    assert_false(staff_badge_valid("0123456789abcde")); /* 15 */
    assert_false(staff_badge_valid("0123456789abcdé")); /* not ASCII */
    assert_false(staff_badge_valid("0123456789abcdef\t"));
    assert_false(staff_badge_valid(NULL));
    char longest[STAFF_BADGE_MAX], over[STAFF_BADGE_MAX + 1];
    memset(longest, 'A', sizeof longest - 1);
    longest[sizeof longest - 1] = '\0';
    memset(over, 'A', sizeof over - 1);
    over[sizeof over - 1] = '\0';
    assert_true(staff_badge_valid(longest));
    assert_false(staff_badge_valid(over));

    assert_true(staff_badge_matches(badge, badge));
    assert_false(staff_badge_matches(badge, "STAFF-BADGE-7f3a9c21e"));   /* a prefix */
    assert_false(staff_badge_matches(badge, "STAFF-BADGE-7f3a9c21e4x")); /* longer */
    assert_false(staff_badge_matches(badge, "STAFF-BADGE-7f3a9c21e5"));  /* last differs */
    assert_false(staff_badge_matches(badge, "staff-badge-7f3a9c21e4"));  /* case counts */
    assert_false(staff_badge_matches(badge, ""));
    assert_false(staff_badge_matches("", ""));
    assert_false(staff_badge_matches(NULL, badge));
    assert_false(staff_badge_matches(badge, NULL));
    assert_true(staff_badge_matches(longest, longest));
    assert_false(staff_badge_matches(over, over)); /* too long to be a badge at all */
}

static void test_lock_boundaries(void **state)
{
    (void)state;
    struct staff_lock l = {0, 0};
    /* Four wrong, then right: never locked, and the count starts again. */
    for (int i = 0; i < STAFF_TRIES_MAX - 1; i++) {
        assert_true(staff_lock_allows(&l, 1000));
        assert_false(staff_lock_wrong(&l, 1000));
    }
    assert_int_equal(l.failures, STAFF_TRIES_MAX - 1);
    staff_lock_right(&l);
    assert_int_equal(l.failures, 0);
    /* Five wrong: the fifth locks, from its own time. */
    for (int i = 0; i < STAFF_TRIES_MAX - 1; i++)
        assert_false(staff_lock_wrong(&l, 2000 + i));
    assert_true(staff_lock_wrong(&l, 9000));
    assert_int_equal(l.locked_until_ms, 9000 + STAFF_LOCK_MS);
    assert_false(staff_lock_allows(&l, 9000));
    assert_false(staff_lock_allows(&l, 9000 + STAFF_LOCK_MS - 1));
    /* A wrong answer that arrives during the lock changes nothing (no check ran for it). */
    assert_false(staff_lock_wrong(&l, 9500));
    assert_int_equal(l.locked_until_ms, 9000 + STAFF_LOCK_MS);
    /* The lock's end: allowed again, with five tries again. */
    assert_true(staff_lock_allows(&l, 9000 + STAFF_LOCK_MS));
    assert_int_equal(l.locked_until_ms, 0);
    assert_int_equal(l.failures, 0);
    for (int i = 0; i < STAFF_TRIES_MAX - 1; i++)
        assert_false(staff_lock_wrong(&l, 400000));
    assert_true(staff_lock_wrong(&l, 400000));
    /* A monotonic clock at 0 still locks (0 means "not locked"). */
    struct staff_lock z = {STAFF_TRIES_MAX - 1, 0};
    assert_true(staff_lock_wrong(&z, -STAFF_LOCK_MS));
    assert_false(staff_lock_allows(&z, -STAFF_LOCK_MS));
}

/* ---- opening ------------------------------------------------------------------------------- */

static void test_corner_hold_opens_prompt(void **state)
{
    struct app_state *s = *state;
    unsigned v = s->version;
    hold(s, 1, s->now_ms);
    assert_true(s->staff.holding);
    assert_int_equal(s->version, v); /* nothing on screen shows the corner */
    assert_int_equal(app_next_deadline_ms(s), NOW_MS + STAFF_HOLD_MS);
    pass(s, STAFF_HOLD_MS - 1);
    assert_int_equal(s->screen, SCREEN_HOME);
    pass(s, 1);
    assert_int_equal(s->screen, SCREEN_STAFF_PIN); /* while still held */
    assert_true(s->version != v);
    hold(s, 0, s->now_ms + 500); /* the lift afterwards changes nothing */
    assert_int_equal(s->screen, SCREEN_STAFF_PIN);
    assert_false(s->staff.holding);
}

static void test_corner_short_or_lost_press(void **state)
{
    struct app_state *s = *state;
    /* Lifted before 2 s: nothing, then or later. */
    hold(s, 1, s->now_ms);
    hold(s, 0, s->now_ms + STAFF_HOLD_MS - 1);
    assert_false(s->staff.holding);
    pass(s, 5000);
    assert_int_equal(s->screen, SCREEN_HOME);
    /* Lifted after 2 s with no tick in between (a loop busy elsewhere): it opens. */
    hold(s, 1, s->now_ms);
    hold(s, 0, s->now_ms + STAFF_HOLD_MS);
    assert_int_equal(s->screen, SCREEN_STAFF_PIN);
    act(s, ACT_HOME, 0);
    /* Lost (the window lost the focus) after 3 s: nothing. */
    hold(s, 1, s->now_ms);
    hold(s, -1, s->now_ms + 3000);
    assert_int_equal(s->screen, SCREEN_HOME);
    pass(s, 5000);
    assert_int_equal(s->screen, SCREEN_HOME);
}

static void test_corner_only_on_start_screen_and_when_enabled(void **state)
{
    struct app_state *s = *state;
    act(s, ACT_OPEN_SESSION, 0);
    hold(s, 1, s->now_ms);
    assert_false(s->staff.holding);
    pass(s, 3000);
    assert_int_equal(s->screen, SCREEN_SESSION);
    act(s, ACT_HOME, 0);
    s->staff.enabled = false; /* no pin_hash configured */
    hold(s, 1, s->now_ms);
    pass(s, 3000);
    hold(s, 0, s->now_ms);
    assert_int_equal(s->screen, SCREEN_HOME);
    /* Nor does the badge: it is then a scan like any other, checked as a ticket. */
    scan(s, badge);
    assert_int_equal(s->screen, SCREEN_HOME);
    assert_int_equal(s->effect, EFFECT_CHECKIN);
}

static void test_badge_opens_prompt_only(void **state)
{
    struct app_state *s = *state;
    /* Near misses are tickets to check, not the badge. */
    const char *near[] = {"STAFF-BADGE-7f3a9c21e", "STAFF-BADGE-7f3a9c21e4 ", "", "x"};
    for (size_t i = 0; i < sizeof near / sizeof near[0]; i++) {
        scan(s, near[i]);
        assert_int_equal(s->screen, SCREEN_HOME);
        assert_int_equal(s->effect, EFFECT_CHECKIN);
        clear_effect(s);
    }
    /* From a session page: the visitor's choice is forgotten. */
    act(s, ACT_OPEN_SESSION, 1);
    scan(s, badge);
    assert_int_equal(s->screen, SCREEN_STAFF_PIN);
    assert_int_equal(s->selected, -1);
    assert_int_equal(s->effect, EFFECT_NONE); /* never the panel by itself */
    /* Scanned again on the prompt: nothing. */
    pin(s, "12");
    scan(s, badge);
    assert_int_equal(s->screen, SCREEN_STAFF_PIN);
    assert_string_equal(s->staff.pin, "12");
    /* Not while a visitor types (no scan is taken on the form). */
    act(s, ACT_HOME, 0);
    act(s, ACT_OPEN_SESSION, 0);
    act(s, ACT_START_FORM, 0);
    assert_int_equal(s->screen, SCREEN_FORM);
    scan(s, badge);
    assert_int_equal(s->screen, SCREEN_FORM);
    assert_int_equal(s->effect, EFFECT_NONE);
}

/* ---- the PIN ------------------------------------------------------------------------------- */

static void test_pin_typing(void **state)
{
    struct app_state *s = *state;
    open_prompt(s);
    pin(s, "123");
    assert_string_equal(s->staff.pin, "123");
    act(s, ACT_PIN_SUBMIT, 0); /* too short: no check at all */
    assert_int_equal(s->effect, EFFECT_NONE);
    assert_false(s->staff.checking);
    act(s, ACT_BACKSPACE, 0);
    assert_string_equal(s->staff.pin, "12");
    act(s, ACT_PIN_DIGIT, 10); /* not a digit */
    act(s, ACT_PIN_DIGIT, -1);
    assert_string_equal(s->staff.pin, "12");
    pin(s, "34567890123456"); /* stops at 12 digits */
    assert_string_equal(s->staff.pin, "123456789012");
    act(s, ACT_PIN_SUBMIT, 0);
    assert_int_equal(s->effect, EFFECT_STAFF_VERIFY);
    clear_effect(s);
    /* While it is checked, keys wait and a second OK asks nothing. */
    pin(s, "9");
    act(s, ACT_BACKSPACE, 0);
    assert_string_equal(s->staff.pin, "123456789012");
    act(s, ACT_PIN_SUBMIT, 0);
    assert_int_equal(s->effect, EFFECT_NONE);
    /* Text typed elsewhere never lands in the PIN. */
    type(s, "5");
    assert_string_equal(s->staff.pin, "123456789012");
}

static void test_pin_right_opens_panel(void **state)
{
    struct app_state *s = *state;
    open_panel(s);
    assert_int_equal(s->staff.tab, STAFF_TAB_SYNC);
    assert_false(s->staff.wrong);
}

static void test_pin_wrong_then_right(void **state)
{
    struct app_state *s = *state;
    open_prompt(s);
    for (int i = 0; i < STAFF_TRIES_MAX - 1; i++) {
        try_pin(s, false);
        assert_int_equal(s->screen, SCREEN_STAFF_PIN);
        assert_true(s->staff.wrong);
        assert_int_equal(s->staff.lock.failures, i + 1);
        assert_int_equal(s->staff.lock.locked_until_ms, 0);
    }
    pin(s, "1");
    assert_false(s->staff.wrong); /* typing again clears the message */
    act(s, ACT_BACKSPACE, 0);
    try_pin(s, true);
    assert_int_equal(s->screen, SCREEN_STAFF);
    assert_int_equal(s->staff.lock.failures, 0);
    /* Four more wrong ones later: still not locked, the count started again. */
    clear_effect(s);
    act(s, ACT_HOME, 0);
    open_prompt(s);
    for (int i = 0; i < STAFF_TRIES_MAX - 1; i++)
        try_pin(s, false);
    assert_int_equal(s->staff.lock.locked_until_ms, 0);
}

static void test_pin_lockout(void **state)
{
    struct app_state *s = *state;
    open_prompt(s);
    for (int i = 0; i < STAFF_TRIES_MAX; i++) {
        touch(s, s->now_ms);
        pass(s, 1000);
        try_pin(s, false);
    }
    int64_t locked_at = s->now_ms;
    assert_int_equal(s->staff.lock.locked_until_ms, locked_at + STAFF_LOCK_MS);
    assert_int_equal(s->staff.locked_until, s->now + STAFF_LOCK_MS / 1000); /* for the screen */
    /* Tries during the lock: refused before any check; keys do nothing. */
    pin(s, "1234");
    assert_string_equal(s->staff.pin, "");
    act(s, ACT_PIN_SUBMIT, 0);
    assert_int_equal(s->effect, EFFECT_NONE);
    assert_false(s->staff.checking);
    /* Closing and opening the prompt again does not lift it. */
    act(s, ACT_HOME, 0);
    open_prompt(s);
    pin(s, "1234");
    act(s, ACT_PIN_SUBMIT, 0);
    assert_int_equal(s->effect, EFFECT_NONE);
    /* The loop wakes when it ends, and the keys work again then, not a ms before. */
    s->last_touch_ms = locked_at + STAFF_LOCK_MS - 10000; /* staff still there */
    assert_int_equal(app_next_deadline_ms(s), locked_at + STAFF_LOCK_MS);
    tick(s, s->now, locked_at + STAFF_LOCK_MS - 1);
    pin(s, "1");
    assert_string_equal(s->staff.pin, "");
    tick(s, s->now, locked_at + STAFF_LOCK_MS);
    assert_int_equal(s->screen, SCREEN_STAFF_PIN);
    assert_int_equal(s->staff.lock.locked_until_ms, 0);
    assert_int_equal(s->staff.lock.failures, 0);
    try_pin(s, true);
    assert_int_equal(s->screen, SCREEN_STAFF);
}

static void test_pin_answers_out_of_turn(void **state)
{
    struct app_state *s = *state;
    /* An answer nobody asked for opens nothing. */
    open_prompt(s);
    act(s, ACT_PIN_CHECKED, 1);
    assert_int_equal(s->screen, SCREEN_STAFF_PIN);
    /* The prompt closed while a right PIN was checked: it stays closed. */
    pin(s, "1234");
    act(s, ACT_PIN_SUBMIT, 0);
    clear_effect(s);
    act(s, ACT_HOME, 0);
    assert_true(s->staff.checking); /* the thread still runs */
    act(s, ACT_PIN_CHECKED, 1);
    assert_int_equal(s->screen, SCREEN_HOME);
    assert_int_equal(s->effect, EFFECT_NONE);
    /* Closed while a wrong one was checked: it still counts. */
    open_prompt(s);
    pin(s, "1234");
    act(s, ACT_PIN_SUBMIT, 0);
    clear_effect(s);
    act(s, ACT_HOME, 0);
    act(s, ACT_PIN_CHECKED, 0);
    assert_int_equal(s->staff.lock.failures, 1);
    /* A check that could not run: no try counted, the PIN typed again. */
    open_prompt(s);
    pin(s, "1234");
    act(s, ACT_PIN_SUBMIT, 0);
    clear_effect(s);
    reduce(s, (struct action){.kind = ACT_PIN_CHECKED, .arg = 0, .err = BORNE_ERR_INTERNAL});
    assert_false(s->staff.checking);
    assert_int_equal(s->staff.lock.failures, 1);
    assert_string_equal(s->staff.pin, "");
    assert_int_equal(s->screen, SCREEN_STAFF_PIN);
}

/* ---- closing by itself ----------------------------------------------------------------------- */

static void test_prompt_and_panel_close_by_themselves(void **state)
{
    struct app_state *s = *state;
    open_prompt(s);
    pin(s, "12");
    int64_t t0 = s->now_ms;
    assert_int_equal(app_next_deadline_ms(s), t0 + STAFF_PIN_IDLE_MS);
    tick(s, s->now, t0 + STAFF_PIN_IDLE_MS - 1);
    assert_int_equal(s->screen, SCREEN_STAFF_PIN);
    tick(s, s->now, t0 + STAFF_PIN_IDLE_MS);
    assert_int_equal(s->screen, SCREEN_HOME);
    assert_string_equal(s->staff.pin, ""); /* forgotten */

    open_panel(s);
    t0 = s->now_ms;
    assert_int_equal(app_next_deadline_ms(s), t0 + STAFF_PANEL_IDLE_MS);
    tick(s, s->now, t0 + 30000);
    touch(s, t0 + 30000); /* a touch starts the minute again */
    tick(s, s->now, t0 + STAFF_PANEL_IDLE_MS);
    assert_int_equal(s->screen, SCREEN_STAFF);
    tick(s, s->now, t0 + 30000 + STAFF_PANEL_IDLE_MS - 1);
    assert_int_equal(s->screen, SCREEN_STAFF);
    tick(s, s->now, t0 + 30000 + STAFF_PANEL_IDLE_MS);
    assert_int_equal(s->screen, SCREEN_HOME);
    assert_false(s->staff.loaded);
}

static void test_panel_closes_on_home_and_back(void **state)
{
    struct app_state *s = *state;
    struct staff_data d;
    memset(&d, 0, sizeof d);
    d.n_sessions = 1;
    snprintf(d.sessions[0].title, sizeof d.sessions[0].title, "x");
    open_panel(s);
    reduce(s, (struct action){.kind = ACT_STAFF_DATA, .staff = &d});
    assert_true(s->staff.loaded);
    act(s, ACT_STAFF_TAB, STAFF_TAB_SESSIONS);
    act(s, ACT_BACK, 0);
    assert_int_equal(s->screen, SCREEN_HOME);
    assert_false(s->staff.loaded);
    assert_int_equal(s->staff.data.n_sessions, 0);
    open_panel(s);
    assert_int_equal(s->staff.tab, STAFF_TAB_SYNC); /* opens on its first page again */
    act(s, ACT_HOME, 0);
    assert_int_equal(s->screen, SCREEN_HOME);
    /* Data that arrive once it is closed are not kept. */
    reduce(s, (struct action){.kind = ACT_STAFF_DATA, .staff = &d});
    assert_false(s->staff.loaded);
}

/* ---- the panel ----------------------------------------------------------------------------- */

static void test_panel_tabs_and_pages(void **state)
{
    struct app_state *s = *state;
    open_panel(s);
    act(s, ACT_STAFF_TAB, STAFF_TAB_SESSIONS);
    assert_int_equal(s->staff.tab, STAFF_TAB_SESSIONS);
    act(s, ACT_STAFF_TAB, STAFF_TAB_COUNT);
    act(s, ACT_STAFF_TAB, -1);
    assert_int_equal(s->staff.tab, STAFF_TAB_SESSIONS);
    act(s, ACT_PAGE, +1);
    act(s, ACT_PAGE, +1);
    assert_int_equal(s->staff.page, 2);
    assert_int_equal(s->page, 0); /* the start screen's pages are not the panel's */
    act(s, ACT_PAGE, -5);
    assert_int_equal(s->staff.page, 0);
    act(s, ACT_PAGE, +1);
    act(s, ACT_STAFF_TAB, STAFF_TAB_KIOSK);
    assert_int_equal(s->staff.page, 0);
}

static struct sync_view view(bool enrolled, bool running, int err, int64_t last_attempt)
{
    struct sync_view v;
    memset(&v, 0, sizeof v);
    v.enrolled = enrolled;
    v.online = enrolled && err == BORNE_OK;
    v.running = running;
    v.last_err = err;
    v.last_attempt_at = last_attempt;
    return v;
}

static void status(struct app_state *s, struct sync_view v)
{
    reduce(s, (struct action){.kind = ACT_SYNC_STATUS, .sync = &v});
}

static void test_sync_button_not_enrolled(void **state)
{
    struct app_state *s = *state;
    status(s, view(false, false, BORNE_OK, 0));
    open_panel(s);
    act(s, ACT_SYNC_NOW, 0);
    assert_int_equal(s->effect, EFFECT_NONE);
    assert_false(s->staff.sync_asked);
}

static void test_sync_button(void **state)
{
    struct app_state *s = *state;
    status(s, view(true, false, BORNE_ERR_NETWORK, NOW - 600));
    assert_int_equal(s->effect, EFFECT_NONE); /* not on the panel: nothing to read */
    open_panel(s);
    act(s, ACT_SYNC_NOW, 0);
    assert_int_equal(s->effect, EFFECT_SYNC_NOW);
    assert_true(s->staff.sync_asked);
    assert_false(s->staff.sync_ran);
    clear_effect(s);
    /* Under way: the button asks nothing more; a status while it runs reads nothing. */
    status(s, view(true, true, BORNE_ERR_NETWORK, NOW - 600));
    assert_true(s->staff.sync_ran);
    assert_int_equal(s->effect, EFFECT_NONE);
    act(s, ACT_SYNC_NOW, 0);
    assert_int_equal(s->effect, EFFECT_NONE);
    /* Its end: the panel's counts are read again. */
    status(s, view(true, false, BORNE_OK, NOW));
    assert_int_equal(s->effect, EFFECT_STAFF_LOAD);
    clear_effect(s);
    assert_true(s->staff.sync_ran);
    /* A cycle so quick that no "running" was seen still counts as the answer: the last
    ** attempt moved. */
    act(s, ACT_SYNC_NOW, 0);
    clear_effect(s);
    assert_false(s->staff.sync_ran);
    status(s, view(true, false, BORNE_OK, NOW)); /* the same attempt: not yet */
    assert_false(s->staff.sync_ran);
    clear_effect(s);
    status(s, view(true, false, BORNE_ERR_SERVER, NOW + 1));
    assert_true(s->staff.sync_ran);
    assert_int_equal(s->sync.last_err, BORNE_ERR_SERVER);
    /* Closing forgets that it was asked. */
    clear_effect(s);
    act(s, ACT_HOME, 0);
    assert_false(s->staff.sync_asked);
}

static void test_panel_data(void **state)
{
    struct app_state *s = *state;
    struct staff_data *d = calloc(1, sizeof *d);
    assert_non_null(d);
    d->disk_free_bytes = 123456789;
    d->clock_unsure = true;
    d->n_sessions = STAFF_SESSIONS_MAX;
    d->n_more = 3;
    for (size_t i = 0; i < d->n_sessions; i++) {
        snprintf(d->sessions[i].title, sizeof d->sessions[i].title, "S%zu", i);
        d->sessions[i].registered = (int)i;
        d->sessions[i].checked_in = (int)i / 2;
    }
    open_panel(s);
    assert_false(s->staff.loaded);
    reduce(s, (struct action){.kind = ACT_STAFF_DATA, .staff = d});
    assert_true(s->staff.loaded);
    assert_int_equal(s->staff.data.disk_free_bytes, 123456789);
    assert_true(s->staff.data.clock_unsure);
    assert_int_equal(s->staff.data.n_sessions, STAFF_SESSIONS_MAX);
    assert_string_equal(s->staff.data.sessions[47].title, "S47");
    assert_int_equal(s->staff.data.sessions[47].checked_in, 23);
    unsigned v = s->version;
    reduce(s, (struct action){.kind = ACT_STAFF_DATA, .staff = NULL});
    assert_int_equal(s->version, v);
    free(d);
}

static void test_panel_ignores_scans(void **state)
{
    struct app_state *s = *state;
    open_panel(s);
    scan(s, "B1ANYTICKET");
    assert_int_equal(s->screen, SCREEN_STAFF);
    assert_int_equal(s->effect, EFFECT_NONE);
    scan(s, badge);
    assert_int_equal(s->screen, SCREEN_STAFF);
}

/* ---- hashing and configuration ------------------------------------------------------------- */

static void test_pin_hash_and_verify(void **state)
{
    (void)state;
    char hash[KIOSK_PIN_HASH_MAX];
    assert_int_equal(kiosk_pin_hash("4821", hash, sizeof hash), BORNE_OK);
    assert_true(strncmp(hash, "$argon2id$", 10) == 0);
    assert_non_null(strstr(hash, "m=32768,t=2,")); /* 32 MiB, two passes */
    assert_true(kiosk_pin_hash_valid(hash));
    assert_true(kiosk_pin_verify(hash, "4821"));
    assert_false(kiosk_pin_verify(hash, "4820"));
    assert_false(kiosk_pin_verify(hash, "48210"));
    assert_false(kiosk_pin_verify(hash, ""));
    assert_false(kiosk_pin_verify(hash, NULL));
    /* Salted: the same PIN twice gives two hashes, both right. */
    char again[KIOSK_PIN_HASH_MAX];
    assert_int_equal(kiosk_pin_hash("4821", again, sizeof again), BORNE_OK);
    assert_string_not_equal(hash, again);
    assert_true(kiosk_pin_verify(again, "4821"));
    /* Refused. */
    assert_int_equal(kiosk_pin_hash("48a1", again, sizeof again), BORNE_ERR_INVALID);
    assert_string_equal(again, "");
    assert_int_equal(kiosk_pin_hash("482", again, sizeof again), BORNE_ERR_INVALID);
    assert_int_equal(kiosk_pin_hash("4821", again, 16), BORNE_ERR_INVALID);
    /* Damaged hashes: never valid, never verified. */
    char cut[KIOSK_PIN_HASH_MAX];
    snprintf(cut, sizeof cut, "%.*s", (int)strlen(hash) - 10, hash);
    const char *bad[] = {"",
                         "4821",
                         "$argon2i$v=19$m=32768,t=2,p=1$abc$def",
                         cut,
                         "$argon2id$v=19$m=32768,t=2,p=1$",
                         "$argon2id$garbage"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(kiosk_pin_hash_valid(bad[i]));
        assert_false(kiosk_pin_verify(bad[i], "4821"));
    }
    assert_false(kiosk_pin_hash_valid(NULL));
}

/* `borne pin-hash` with its input and output as memory files. */
static int command(const char *input, char *out, size_t out_cap, char *err, size_t err_cap)
{
    FILE *in = fmemopen((void *)input, strlen(input), "r");
    FILE *o = fmemopen(out, out_cap, "w");
    FILE *e = fmemopen(err, err_cap, "w");
    assert_non_null(in);
    assert_non_null(o);
    assert_non_null(e);
    int rc = kiosk_pin_hash_command(in, o, e);
    fclose(in);
    fclose(o);
    fclose(e);
    return rc;
}

static void test_pin_hash_command(void **state)
{
    (void)state;
    char out[512], err[512];
    memset(out, 0, sizeof out);
    assert_int_equal(command("735901\n", out, sizeof out, err, sizeof err), 0);
    assert_true(strncmp(out, "pin_hash = $argon2id$", 21) == 0);
    char *nl = strchr(out, '\n');
    assert_non_null(nl);
    *nl = '\0';
    assert_true(kiosk_pin_verify(out + strlen("pin_hash = "), "735901"));
    assert_false(kiosk_pin_verify(out + strlen("pin_hash = "), "735900"));
    /* Without an end of line, too (echo -n). */
    memset(out, 0, sizeof out);
    assert_int_equal(command("1234", out, sizeof out, err, sizeof err), 0);
    assert_true(strncmp(out, "pin_hash = ", 11) == 0);
    /* Bad input: nothing printed on out, a message on err. */
    const char *bad[] = {"",
                         "\n",
                         "123\n",
                         "12 34\n",
                         "1234567890123\n",
                         "abcd\n",
                         "99999999999999999999999999999999999999999999999999999999999999999999\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(out, 0, sizeof out);
        memset(err, 0, sizeof err);
        assert_int_equal(command(bad[i], out, sizeof out, err, sizeof err), 1);
        assert_string_equal(out, "");
        assert_contains(err, "4 to 12 digits");
    }
}

static bool load_config(const char *text, struct kiosk_options *o, char *why, size_t cap)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/borne-staff-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    kiosk_options_default(o);
    why[0] = '\0';
    bool ok = kiosk_config_load(o, path, why, cap);
    unlink(path);
    return ok;
}

static void test_config_staff_section(void **state)
{
    (void)state;
    char hash[KIOSK_PIN_HASH_MAX], text[1024], why[300];
    struct kiosk_options o;
    assert_int_equal(kiosk_pin_hash("2468", hash, sizeof hash), BORNE_OK);

    kiosk_options_default(&o);
    assert_null(o.staff_pin_hash); /* off by default */
    assert_null(o.staff_badge);
    snprintf(text, sizeof text, "[staff]\npin_hash = %s\nbadge = %s\n", hash, badge);
    assert_true(load_config(text, &o, why, sizeof why));
    assert_string_equal(o.staff_pin_hash, hash);
    assert_string_equal(o.staff_badge, badge);

    /* A hash pasted in half, a badge too short: refused at start, the badge not in the
    ** message. */
    snprintf(text, sizeof text, "[staff]\npin_hash = %.40s\n", hash);
    assert_false(load_config(text, &o, why, sizeof why));
    assert_contains(why, "pin_hash");
    assert_false(load_config("[staff]\nbadge = SHORT-BADGE-12\n", &o, why, sizeof why));
    assert_contains(why, "badge");
    assert_null(strstr(why, "SHORT-BADGE-12"));
    assert_false(load_config("[staff]\npin = 1234\n", &o, why, sizeof why));
    assert_contains(why, "unknown");
}

int main(void)
{
    setenv("TZ", "Europe/Paris", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pin_valid),
        cmocka_unit_test(test_badge_rules),
        cmocka_unit_test(test_lock_boundaries),
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_corner_hold_opens_prompt),
        T(test_corner_short_or_lost_press),
        T(test_corner_only_on_start_screen_and_when_enabled),
        T(test_badge_opens_prompt_only),
        T(test_pin_typing),
        T(test_pin_right_opens_panel),
        T(test_pin_wrong_then_right),
        T(test_pin_lockout),
        T(test_pin_answers_out_of_turn),
        T(test_prompt_and_panel_close_by_themselves),
        T(test_panel_closes_on_home_and_back),
        T(test_panel_tabs_and_pages),
        T(test_sync_button_not_enrolled),
        T(test_sync_button),
        T(test_panel_data),
        T(test_panel_ignores_scans),
#undef T
        cmocka_unit_test(test_pin_hash_and_verify),
        cmocka_unit_test(test_pin_hash_command),
        cmocka_unit_test(test_config_staff_section),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
