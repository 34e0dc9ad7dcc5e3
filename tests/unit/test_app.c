/* Unit tests of firmware/core/app: the pure reducer, driven by actions as the loop would, with
** a catalogue built here. No SDL, no store: effects are checked and their results fed back by
** hand, and the loop's "clear the effect" is done by clear_effect().
**
** Time: "now" is Monday 23 November 2026, 10:00 in Paris (TZ=Europe/Paris, set by ctest and
** again in main). Epoch values were worked out independently (Python's zoneinfo). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/app.h"

#include "support.h"
#include "support_app.h"

#define TODAY0 1795388400LL    /* 2026-11-23 00:00 CET */
#define TOMORROW0 1795474800LL /* 2026-11-24 00:00 CET */
#define NOW (TODAY0 + 10 * 3600)
#define NOW_MS 5000000LL /* monotonic clock at NOW */
#define AT(h, m) (TODAY0 + (h)*3600 + (m)*60)

/* Indices of the test catalogue. */
enum {
    I_ENDED = 0,    /* 08:00-09:30: over */
    I_STARTED = 1,  /* 09:45-11:30: started 15 min ago, past the grace */
    I_GRACE = 2,    /* 09:55-11:00: started 5 min ago, still open */
    I_OPEN = 3,     /* 14:00-16:00: 9 seats left */
    I_FULL = 4,     /* 15:00-17:00: 8 of 8 taken */
    I_RESERVED = 5, /* 16:00-17:30: reserved for a group */
    I_TOMORROW = 6, /* tomorrow 10:00-12:00 */
    N_SESSIONS = 7,
};

struct fixture {
    struct app_state s; /* ~1 MB: the fixture lives on the heap */
    struct session cat[N_SESSIONS];
};

/* --- helpers -------------------------------------------------------------------------------- */

static size_t code_points(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

static struct session make_session(const char *id, int64_t starts, int64_t ends, int capacity,
                                   int taken, const char *reserved_for)
{
    struct session ses;
    memset(&ses, 0, sizeof ses);
    snprintf(ses.id, sizeof ses.id, "%s", id);
    snprintf(ses.title, sizeof ses.title,
             "S\xC3\xA9"
             "ance %s",
             id);
    snprintf(ses.room_id, sizeof ses.room_id, "salle-1");
    snprintf(ses.room_name, sizeof ses.room_name, "Salle 1");
    snprintf(ses.reserved_for, sizeof ses.reserved_for, "%s", reserved_for);
    ses.kind = SESSION_WORKSHOP;
    ses.starts_at = starts;
    ses.ends_at = ends;
    ses.capacity = capacity;
    ses.seats_taken = taken;
    return ses;
}

static void build_catalogue(struct session *cat)
{
    cat[I_ENDED] = make_session("s-ended", AT(8, 0), AT(9, 30), 10, 2, "");
    cat[I_STARTED] = make_session("s-started", AT(9, 45), AT(11, 30), 10, 1, "");
    cat[I_GRACE] = make_session("s-grace", AT(9, 55), AT(11, 0), 10, 0, "");
    cat[I_OPEN] = make_session("s-open", AT(14, 0), AT(16, 0), 12, 3, "");
    cat[I_FULL] = make_session("s-full", AT(15, 0), AT(17, 0), 8, 8, "");
    cat[I_RESERVED] = make_session("s-reserved", AT(16, 0), AT(17, 30), 20, 0,
                                   "Lyc\xC3\xA9"
                                   "e Victor Hugo");
    cat[I_TOMORROW] =
        make_session("s-tomorrow", TOMORROW0 + 10 * 3600, TOMORROW0 + 12 * 3600, 12, 0, "");
}

/* The start state with the test catalogue loaded, as the loop leaves it. */
static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    build_catalogue(fx->cat);
    start_state(&fx->s, NOW, NOW_MS, fx->cat, N_SESSIONS);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

/* From the start screen to the form of the open session. */
static void to_form(struct app_state *s)
{
    act(s, ACT_OPEN_SESSION, I_OPEN);
    act(s, ACT_START_FORM, 0);
    assert_int_equal(s->screen, SCREEN_FORM);
}

/* A valid form, submitted: SCREEN_CONFIRM. */
static void to_confirm(struct app_state *s)
{
    to_form(s);
    type(s, "Marie");
    focus(s, FIELD_LAST);
    type(s, "Curie");
    reduce(s, (struct action){.kind = ACT_SUBMIT_FORM});
    assert_int_equal(s->screen, SCREEN_CONFIRM);
}

static struct registration make_registration(const char *first, const char *code)
{
    struct registration r;
    memset(&r, 0, sizeof r);
    snprintf(r.id, sizeof r.id, "6f1c2a4e-0b7d-4c59-9a3e-2d8f0e1b7c55");
    snprintf(r.session_id, sizeof r.session_id, "s-open");
    snprintf(r.first_name, sizeof r.first_name, "%s", first);
    snprintf(r.last_name, sizeof r.last_name, "Curie");
    snprintf(r.short_code, sizeof r.short_code, "%s", code);
    r.status = REGISTRATION_CONFIRMED;
    r.created_at = NOW;
    r.device_seq = 42;
    return r;
}

static void assert_form_empty(const struct app_state *s)
{
    for (int f = 0; f < FIELD_COUNT; f++)
        if (s->form.value[f][0])
            fail_msg("field %d still holds \"%s\"", f, s->form.value[f]);
}

/* --- init, catalogue, days ------------------------------------------------------------------ */

static void test_init(void **state)
{
    (void)state;
    struct app_state *s = calloc(1, sizeof *s);
    assert_non_null(s);
    memset(s, 0x5A, sizeof *s); /* init must not rely on a zeroed struct */
    app_init(s, NOW, NOW_MS);
    assert_int_equal(s->screen, SCREEN_HOME);
    assert_int_equal(s->lang, LANG_FR);
    assert_false(s->large_text);
    assert_false(s->high_contrast);
    assert_int_equal(s->now, NOW);
    assert_int_equal(s->now_ms, NOW_MS);
    assert_int_equal(s->last_touch_ms, NOW_MS);
    assert_int_equal(s->idle_timeout_ms, 60000);
    assert_int_equal(s->done_timeout_ms, 30000);
    assert_int_equal(s->purge_days, 30);
    assert_int_equal(s->n_sessions, 0);
    assert_int_equal(s->selected, -1);
    assert_int_equal(s->day, 0);
    assert_int_equal(s->page, 0);
    assert_int_equal(s->notice, NOTICE_NONE);
    assert_int_equal(s->effect, EFFECT_LOAD_CATALOGUE);
    assert_int_equal(s->catalogue_valid_until, 0);
    assert_false(s->done_existing);
    assert_string_equal(s->fault, "");
    assert_form_empty(s);
    assert_int_not_equal(s->version, 0);
    free(s);
}

static void test_catalogue_loaded(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    assert_int_equal(s->n_sessions, N_SESSIONS);
    for (int i = 0; i < N_SESSIONS; i++)
        assert_string_equal(s->catalogue[i].id, fx->cat[i].id);
    assert_string_equal(s->catalogue[I_RESERVED].reserved_for, "Lyc\xC3\xA9"
                                                               "e Victor Hugo");
    /* The next change: the session under way since 09:55 closes at 10:05. */
    assert_int_equal(s->catalogue_valid_until, AT(10, 5));
    assert_int_equal(s->screen, SCREEN_HOME);
    assert_int_equal(s->selected, -1);
}

static void test_catalogue_capped(void **state)
{
    struct fixture *fx = *state;
    size_t n = APP_CATALOGUE_MAX + 40;
    struct session *many = calloc(n, sizeof *many);
    assert_non_null(many);
    for (size_t i = 0; i < n; i++) {
        char id[16];
        snprintf(id, sizeof id, "m-%zu", i);
        many[i] = make_session(id, AT(12, 0), AT(13, 0), 10, 0, "");
    }
    load(&fx->s, many, n);
    assert_int_equal(fx->s.n_sessions, APP_CATALOGUE_MAX);
    assert_string_equal(fx->s.catalogue[APP_CATALOGUE_MAX - 1].id, "m-511");
    free(many);
}

static void test_catalogue_empty(void **state)
{
    struct fixture *fx = *state;
    struct session none[1];
    load(&fx->s, none, 0);
    assert_int_equal(fx->s.n_sessions, 0);
    assert_int_equal(fx->s.catalogue_valid_until, 0);
}

/* An empty catalogue may come as no array at all (sessions NULL, n 0). load_catalogue() then
** calls memcpy(dst, NULL, 0), which is undefined behaviour: UBSan stops the sanitizer build
** here. Last in the list, so that it cannot hide the other tests' results. */
static void test_catalogue_empty_as_null(void **state)
{
    struct fixture *fx = *state;
    load(&fx->s, NULL, 0);
    assert_int_equal(fx->s.n_sessions, 0);
    assert_int_equal(fx->s.catalogue_valid_until, 0);
}

static void test_sessions_of_day(void **state)
{
    struct fixture *fx = *state;
    int idx[16];
    /* Today: everything not over, in catalogue order; the ended session is left out. */
    size_t n = app_sessions_of_day(&fx->s, 0, idx, 16);
    assert_int_equal(n, 5);
    static const int today[] = {I_STARTED, I_GRACE, I_OPEN, I_FULL, I_RESERVED};
    for (size_t i = 0; i < n; i++)
        assert_int_equal(idx[i], today[i]);
    n = app_sessions_of_day(&fx->s, 1, idx, 16);
    assert_int_equal(n, 1);
    assert_int_equal(idx[0], I_TOMORROW);
    for (int d = 2; d < APP_DAYS; d++)
        assert_int_equal(app_sessions_of_day(&fx->s, d, idx, 16), 0);
    /* cap is respected. */
    idx[2] = -7;
    assert_int_equal(app_sessions_of_day(&fx->s, 0, idx, 2), 2);
    assert_int_equal(idx[2], -7);
    /* At 11:30 the sessions that ended at 11:00 and 11:30 are gone from the tab. */
    tick(&fx->s, AT(11, 30), NOW_MS + 90 * 60 * 1000);
    n = app_sessions_of_day(&fx->s, 0, idx, 16);
    assert_int_equal(n, 3);
    assert_int_equal(idx[0], I_OPEN);
}

/* A session at 23:30 on the 25-hour day of 25 October 2026 is on that day, not the next. */
static void test_sessions_of_day_over_dst(void **state)
{
    struct fixture *fx = *state;
    struct session cat[2];
    cat[0] = make_session("late", 1792967400LL, 1792967400LL + 1800, 10, 0, ""); /* 25th 23:30 */
    cat[1] = make_session("next", 1792971000LL, 1792971000LL + 1800, 10, 0, ""); /* 26th 00:30 */
    app_init(&fx->s, 1792882800LL, NOW_MS); /* 25 Oct 01:00 CEST */
    load(&fx->s, cat, 2);
    int idx[4];
    assert_int_equal(app_sessions_of_day(&fx->s, 0, idx, 4), 1);
    assert_int_equal(idx[0], 0);
    assert_int_equal(app_sessions_of_day(&fx->s, 1, idx, 4), 1);
    assert_int_equal(idx[0], 1);
}

static void test_day_start_dst(void **state)
{
    (void)state;
    /* Autumn: Sunday 25 October 2026 has 25 hours. */
    int64_t noon24 = 1792836000LL; /* Sat 24 Oct 12:00 CEST */
    assert_int_equal(app_day_start(noon24, 0), 1792792800LL);
    assert_int_equal(app_day_start(noon24, 1), 1792879200LL);
    assert_int_equal(app_day_start(noon24, 2), 1792969200LL);
    assert_int_equal(app_day_start(noon24, 3), 1793055600LL);
    assert_int_equal(app_day_start(noon24, 1) - app_day_start(noon24, 0), 24 * 3600);
    assert_int_equal(app_day_start(noon24, 2) - app_day_start(noon24, 1), 25 * 3600);
    assert_int_equal(app_day_start(noon24, 3) - app_day_start(noon24, 2), 24 * 3600);
    /* From inside the repeated hour (02:30 CET, the second one). */
    assert_int_equal(app_day_start(1792891800LL, 0), 1792879200LL);
    assert_int_equal(app_day_start(1792891800LL, 1), 1792969200LL);
    /* Spring: Sunday 29 March 2026 has 23 hours. */
    int64_t noon28 = 1774695600LL;
    assert_int_equal(app_day_start(noon28, 0), 1774652400LL);
    assert_int_equal(app_day_start(noon28, 1), 1774738800LL);
    assert_int_equal(app_day_start(noon28, 2), 1774821600LL);
    assert_int_equal(app_day_start(noon28, 2) - app_day_start(noon28, 1), 23 * 3600);
    /* Plain November days, and a day back. */
    assert_int_equal(app_day_start(NOW, 0), TODAY0);
    assert_int_equal(app_day_start(NOW, 1), TOMORROW0);
    assert_int_equal(app_day_start(NOW, -1), TODAY0 - 24 * 3600);
    assert_int_equal(app_day_start(TODAY0, 0), TODAY0);
    assert_int_equal(app_day_start(TOMORROW0 - 1, 0), TODAY0);
}

/* --- session states ------------------------------------------------------------------------- */

static void test_session_state_at(void **state)
{
    struct fixture *fx = *state;
    const struct session *c = fx->cat;
    assert_int_equal(session_state_at(&c[I_OPEN], NOW), SESSION_OPEN);
    assert_int_equal(session_state_at(&c[I_FULL], NOW), SESSION_FULL);
    assert_int_equal(session_state_at(&c[I_RESERVED], NOW), SESSION_RESERVED);
    assert_int_equal(session_state_at(&c[I_STARTED], NOW), SESSION_STARTED);
    assert_int_equal(session_state_at(&c[I_GRACE], NOW), SESSION_OPEN);
    assert_int_equal(session_state_at(&c[I_ENDED], NOW), SESSION_OVER);
    struct session cancelled = c[I_OPEN];
    cancelled.cancelled = true;
    assert_int_equal(session_state_at(&cancelled, NOW), SESSION_CANCELLED);

    /* The late grace: open until 10 minutes after the start, not one second more. */
    int64_t start = c[I_OPEN].starts_at;
    assert_int_equal(session_state_at(&c[I_OPEN], start - 1), SESSION_OPEN);
    assert_int_equal(session_state_at(&c[I_OPEN], start), SESSION_OPEN);
    assert_int_equal(session_state_at(&c[I_OPEN], start + APP_LATE_GRACE_S - 1), SESSION_OPEN);
    assert_int_equal(session_state_at(&c[I_OPEN], start + APP_LATE_GRACE_S), SESSION_STARTED);
    assert_int_equal(APP_LATE_GRACE_S, 600);
    int64_t end = c[I_OPEN].ends_at;
    assert_int_equal(session_state_at(&c[I_OPEN], end - 1), SESSION_STARTED);
    assert_int_equal(session_state_at(&c[I_OPEN], end), SESSION_OVER);

    /* What wins when several hold. */
    assert_int_equal(session_state_at(&c[I_FULL], c[I_FULL].starts_at + 600), SESSION_STARTED);
    assert_int_equal(session_state_at(&cancelled, end + 10), SESSION_CANCELLED);
    struct session reserved_full = c[I_RESERVED];
    reserved_full.seats_taken = reserved_full.capacity;
    assert_int_equal(session_state_at(&reserved_full, NOW), SESSION_RESERVED);
    /* Overbooked (a sync brought more than the capacity) is full, with 0 seats left. */
    struct session over = c[I_OPEN];
    over.seats_taken = over.capacity + 3;
    assert_int_equal(session_state_at(&over, NOW), SESSION_FULL);
    assert_int_equal(session_seats_left(&over), 0);
    assert_int_equal(session_seats_left(&c[I_OPEN]), 9);
    assert_int_equal(session_seats_left(&c[I_FULL]), 0);
}

/* --- the visitor's path --------------------------------------------------------------------- */

static void test_open_session(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    act(s, ACT_OPEN_SESSION, I_OPEN);
    assert_int_equal(s->screen, SCREEN_SESSION);
    assert_int_equal(s->selected, I_OPEN);
    /* Out of range: nothing. */
    act(s, ACT_BACK, 0);
    act(s, ACT_OPEN_SESSION, N_SESSIONS);
    assert_int_equal(s->screen, SCREEN_HOME);
    assert_int_equal(s->selected, -1);
    act(s, ACT_OPEN_SESSION, -1);
    assert_int_equal(s->screen, SCREEN_HOME);
    assert_int_equal(s->selected, -1);
}

static void test_start_form_refused(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    static const int refused[] = {I_FULL, I_RESERVED, I_STARTED, I_ENDED};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        act(s, ACT_OPEN_SESSION, refused[i]);
        act(s, ACT_START_FORM, 0);
        if (s->screen != SCREEN_SESSION)
            fail_msg("session %s: screen %d after ACT_START_FORM", s->catalogue[refused[i]].id,
                     s->screen);
        assert_int_equal(s->selected, refused[i]);
        act(s, ACT_BACK, 0);
    }
    /* A stale tap with no session open. */
    act(s, ACT_START_FORM, 0);
    assert_int_equal(s->screen, SCREEN_HOME);
    /* The session in its grace minutes is open... until the grace is over. */
    act(s, ACT_OPEN_SESSION, I_GRACE);
    touch(s, NOW_MS + 5 * 60 * 1000 - 1000); /* the visitor is still there */
    tick(s, AT(10, 5), NOW_MS + 5 * 60 * 1000);
    assert_int_equal(s->screen, SCREEN_SESSION);
    clear_effect(s);
    act(s, ACT_START_FORM, 0);
    assert_int_equal(s->screen, SCREEN_SESSION);
}

static void test_start_form(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    act(s, ACT_OPEN_SESSION, I_GRACE); /* started 5 minutes ago: still open */
    act(s, ACT_START_FORM, 0);
    assert_int_equal(s->screen, SCREEN_FORM);
    assert_int_equal(s->form.focus, FIELD_FIRST);
    assert_true(s->form.shift);
    assert_int_equal(s->notice, NOTICE_NONE);
    assert_form_empty(s);
}

static void test_auto_capital(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    to_form(s);
    assert_true(s->form.shift); /* empty name field */
    type(s, "j");
    assert_false(s->form.shift); /* after a letter */
    type(s, "ean");
    assert_false(s->form.shift);
    type(s, "-");
    assert_true(s->form.shift); /* after a hyphen */
    type(s, "P");
    assert_false(s->form.shift);
    type(s, "ierre ");
    assert_true(s->form.shift); /* after a space */
    backspace(s, 1);
    assert_false(s->form.shift); /* back after the 'e' */
    backspace(s, 6);
    assert_string_equal(s->form.value[FIELD_FIRST], "jean-");
    assert_true(s->form.shift);
    act(s, ACT_SHIFT, 0);
    assert_false(s->form.shift); /* the shift key overrides */
    act(s, ACT_SHIFT, 0);
    assert_true(s->form.shift);

    /* Moving between fields: the flag follows the field's own end. */
    focus(s, FIELD_LAST);
    assert_true(s->form.shift); /* empty name field */
    type(s, "Curie");
    assert_false(s->form.shift);
    focus(s, FIELD_FIRST);
    assert_true(s->form.shift); /* "jean-" ends with a hyphen */
    type(s, "p");
    assert_false(s->form.shift);
    focus(s, FIELD_LAST);
    assert_false(s->form.shift); /* "Curie" ends with a letter */
}

static void test_auto_capital_contact_fields(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    to_form(s);
    focus(s, FIELD_EMAIL);
    assert_false(s->form.shift); /* even empty */
    type(s, "marie-");
    assert_false(s->form.shift); /* even after a hyphen */
    focus(s, FIELD_PHONE);
    assert_false(s->form.shift);
    type(s, "06 ");
    assert_false(s->form.shift);
    focus(s, FIELD_LAST);
    assert_true(s->form.shift);
}

static void test_submit_checks(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    to_form(s);
    struct action submit = {.kind = ACT_SUBMIT_FORM};

    /* Nothing typed: the first name is required. */
    focus(s, FIELD_PHONE);
    app_reduce(s, &submit);
    assert_int_equal(s->screen, SCREEN_FORM);
    assert_int_equal(s->notice, NOTICE_REQUIRED);
    assert_int_equal(s->form.focus, FIELD_FIRST);
    assert_true(s->form.shift);

    /* A first name of spaces only is no first name. */
    type(s, "   ");
    app_reduce(s, &submit);
    assert_int_equal(s->screen, SCREEN_FORM);
    assert_int_equal(s->notice, NOTICE_REQUIRED);
    assert_int_equal(s->form.focus, FIELD_FIRST);
    assert_string_equal(s->form.value[FIELD_FIRST], "");

    /* Then the last name, also spaces only (a no-break space among them). */
    type(s, " Marie  Louise ");
    focus(s, FIELD_LAST);
    type(s, " \xC2\xA0 ");
    app_reduce(s, &submit);
    assert_int_equal(s->screen, SCREEN_FORM);
    assert_int_equal(s->notice, NOTICE_REQUIRED);
    assert_int_equal(s->form.focus, FIELD_LAST);

    /* A bad e-mail. */
    type(s, "Curie");
    focus(s, FIELD_EMAIL);
    type(s, "marie@");
    app_reduce(s, &submit);
    assert_int_equal(s->screen, SCREEN_FORM);
    assert_int_equal(s->notice, NOTICE_BAD_EMAIL);
    assert_int_equal(s->form.focus, FIELD_EMAIL);
    assert_false(s->form.shift);

    /* A bad phone. */
    type(s, "exemple.fr");
    focus(s, FIELD_PHONE);
    type(s, "12345");
    app_reduce(s, &submit);
    assert_int_equal(s->screen, SCREEN_FORM);
    assert_int_equal(s->notice, NOTICE_BAD_PHONE);
    assert_int_equal(s->form.focus, FIELD_PHONE);

    /* All good: confirmation, with spaces folded. */
    backspace(s, 5);
    type(s, " 06 12  34 56 78 ");
    app_reduce(s, &submit);
    assert_int_equal(s->screen, SCREEN_CONFIRM);
    assert_int_equal(s->notice, NOTICE_NONE);
    assert_string_equal(s->form.value[FIELD_FIRST], "Marie Louise");
    assert_string_equal(s->form.value[FIELD_LAST], "Curie");
    assert_string_equal(s->form.value[FIELD_EMAIL], "marie@exemple.fr");
    assert_string_equal(s->form.value[FIELD_PHONE], "06 12 34 56 78");
}

static void test_confirm_and_registered(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    to_confirm(s);
    assert_int_equal(s->effect, EFFECT_NONE);
    act(s, ACT_CONFIRM, 0);
    assert_int_equal(s->effect, EFFECT_REGISTER);
    assert_int_equal(s->screen, SCREEN_CONFIRM);
    /* What the loop reads to make the request is still there. */
    assert_string_equal(s->form.value[FIELD_FIRST], "Marie");
    assert_int_equal(s->selected, I_OPEN);
    /* A second tap while the first is being recorded asks nothing more. */
    act(s, ACT_CONFIRM, 0);
    assert_int_equal(s->effect, EFFECT_REGISTER);
    clear_effect(s);

    struct registration reg = make_registration("Marie", "ACDEFHJKK");
    reduce(s, (struct action){.kind = ACT_REGISTERED, .err = BORNE_OK, .reg = &reg});
    assert_int_equal(s->screen, SCREEN_DONE);
    assert_form_empty(s);
    assert_memory_equal(&s->done, &reg, sizeof reg);
    assert_false(s->done_existing);
    assert_int_equal(s->effect, EFFECT_LOAD_CATALOGUE); /* seats changed */
    clear_effect(s);
    /* Confirm does nothing on the done screen. */
    act(s, ACT_CONFIRM, 0);
    assert_int_equal(s->effect, EFFECT_NONE);
}

static void test_already_registered(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    to_confirm(s);
    act(s, ACT_CONFIRM, 0);
    clear_effect(s);
    /* The store returns the earlier registration, with its own code. */
    struct registration reg = make_registration("MARIE", "XY34MNPQR");
    reduce(s, (struct action){
                  .kind = ACT_REGISTERED, .err = BORNE_ERR_ALREADY_REGISTERED, .reg = &reg});
    assert_int_equal(s->screen, SCREEN_DONE);
    assert_true(s->done_existing);
    assert_string_equal(s->done.short_code, "XY34MNPQR");
    assert_string_equal(s->done.first_name, "MARIE");
    assert_form_empty(s);
}

static void test_registration_refused_by_the_session(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    static const struct {
        enum borne_err err;
        enum notice notice;
    } cases[] = {
        {BORNE_ERR_SESSION_FULL, NOTICE_JUST_FULL},
        {BORNE_ERR_SESSION_CLOSED, NOTICE_CLOSED},
        {BORNE_ERR_SESSION_RESERVED, NOTICE_RESERVED},
        {BORNE_ERR_NOT_FOUND, NOTICE_CLOSED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        act(s, ACT_HOME, 0);
        to_confirm(s);
        act(s, ACT_CONFIRM, 0);
        clear_effect(s);
        reduce(s, (struct action){.kind = ACT_REGISTERED, .err = cases[i].err});
        assert_int_equal(s->screen, SCREEN_SESSION);
        assert_int_equal(s->notice, cases[i].notice);
        assert_int_equal(s->selected, I_OPEN);
        assert_form_empty(s); /* nothing was recorded: the names are forgotten */
        assert_int_equal(s->effect, EFFECT_LOAD_CATALOGUE);
        clear_effect(s);
    }
}

static void test_store_failure_is_final(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    to_confirm(s);
    act(s, ACT_CONFIRM, 0);
    clear_effect(s);
    reduce(s, (struct action){.kind = ACT_REGISTERED, .err = BORNE_ERR_DISK_FULL});
    assert_int_equal(s->screen, SCREEN_FAULT);
    assert_string_equal(s->fault, "disk full");
    assert_form_empty(s);
    assert_int_equal(s->effect, EFFECT_NONE);

    /* No action leaves it, and none changes what is on screen. */
    unsigned v = s->version;
    struct registration reg = make_registration("Marie", "ACDEFHJKK");
    const struct action tries[] = {
        {.kind = ACT_HOME},
        {.kind = ACT_BACK},
        {.kind = ACT_TOUCH, .now_ms = NOW_MS + 10},
        {.kind = ACT_OPEN_SESSION, .arg = I_OPEN},
        {.kind = ACT_START_FORM},
        {.kind = ACT_SET_LANG, .arg = LANG_EN},
        {.kind = ACT_TOGGLE_LARGE},
        {.kind = ACT_SELECT_DAY, .arg = 1},
        {.kind = ACT_TEXT, .text = "x"},
        {.kind = ACT_SUBMIT_FORM},
        {.kind = ACT_CONFIRM},
        {.kind = ACT_REGISTERED, .err = BORNE_OK, .reg = &reg},
        {.kind = ACT_CATALOGUE, .sessions = fx->cat, .n = 1},
        {.kind = ACT_FAULT, .text = "another"},
    };
    for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++) {
        app_reduce(s, &tries[i]);
        if (s->screen != SCREEN_FAULT)
            fail_msg("action %d left the fault screen", tries[i].kind);
    }
    assert_int_equal(s->version, v);
    assert_int_equal(s->effect, EFFECT_NONE);
    assert_int_equal(s->lang, LANG_FR);
    assert_string_equal(s->fault, "disk full");
    assert_int_equal(s->n_sessions, N_SESSIONS);
    /* Time passes, even past the idle timeout: still out of order. */
    tick(s, NOW + 3600, NOW_MS + 3600 * 1000);
    assert_int_equal(s->screen, SCREEN_FAULT);
}

static void test_fault_action(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    to_form(s);
    type(s, "Marie");
    char reason[400];
    memset(reason, 'r', sizeof reason - 1);
    reason[sizeof reason - 1] = '\0';
    reduce(s, (struct action){.kind = ACT_FAULT, .text = reason});
    assert_int_equal(s->screen, SCREEN_FAULT);
    assert_form_empty(s);
    assert_int_equal(strlen(s->fault), sizeof s->fault - 1); /* cut, terminated */
}

/* --- typing --------------------------------------------------------------------------------- */

static void test_type_refuses_control_characters(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    to_form(s);
    /* \x01, \n, \t and U+202E (right-to-left override) among good characters. */
    type(s, "J\xC3\xA9\x01"
            "an\n\tne\xE2\x80\xAE!");
    assert_string_equal(s->form.value[FIELD_FIRST], "J\xC3\xA9"
                                                    "anne!");
    assert_int_equal(s->notice, NOTICE_BAD_CHAR);
    /* Bytes that are not UTF-8 are refused the same way. */
    focus(s, FIELD_LAST);
    assert_int_equal(s->notice, NOTICE_NONE);
    type(s, "a\xFF"
            "b\xC0\x80"
            "c\xED\xA0\x80"
            "d");
    assert_string_equal(s->form.value[FIELD_LAST], "abcd");
    assert_int_equal(s->notice, NOTICE_BAD_CHAR);
    /* Only a refused character: nothing typed. */
    focus(s, FIELD_EMAIL);
    type(s, "\x1B");
    assert_string_equal(s->form.value[FIELD_EMAIL], "");
    assert_int_equal(s->notice, NOTICE_BAD_CHAR);
}

static void test_type_too_long(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    to_form(s);
    char text[512] = "";
    for (int i = 0; i < 49; i++)
        strcat(text, "\xC3\xA9");
    type(s, text);
    assert_int_equal(s->notice, NOTICE_NONE);
    type(s, "\xF0\x9F\x98\x80\xF0\x9F\x98\x81"); /* two emoji: one fits */
    const char *v = s->form.value[FIELD_FIRST];
    assert_int_equal(s->notice, NOTICE_TOO_LONG);
    assert_int_equal(code_points(v), 50);
    assert_int_equal(strlen(v), 49 * 2 + 4);
    assert_true(support_valid_utf8(v));
    assert_memory_equal(v + 98, "\xF0\x9F\x98\x80", 5);
    /* Full: more is refused and said so. */
    type(s, "x");
    assert_int_equal(code_points(v), 50);
    assert_int_equal(s->notice, NOTICE_TOO_LONG);
    /* Room again after a backspace. */
    backspace(s, 1);
    assert_int_equal(s->notice, NOTICE_NONE);
    type(s, "\xF0\x9F\x98\x81zz");
    assert_int_equal(code_points(v), 50);
    assert_true(support_valid_utf8(v));
    assert_int_equal(s->notice, NOTICE_TOO_LONG);

    /* 60 emoji at once into the last name: 50 kept, whole. */
    focus(s, FIELD_LAST);
    text[0] = '\0';
    for (int i = 0; i < 60; i++)
        strcat(text, "\xF0\x9F\x91\x8D");
    type(s, text);
    assert_int_equal(code_points(s->form.value[FIELD_LAST]), 50);
    assert_int_equal(strlen(s->form.value[FIELD_LAST]), 200);
    assert_true(support_valid_utf8(s->form.value[FIELD_LAST]));

    /* The contact fields have their own limits: 80 and 20. */
    focus(s, FIELD_EMAIL);
    memset(text, 'a', 100);
    text[100] = '\0';
    type(s, text);
    assert_int_equal(strlen(s->form.value[FIELD_EMAIL]), BORNE_EMAIL_MAX_CHARS);
    assert_int_equal(s->notice, NOTICE_TOO_LONG);
    focus(s, FIELD_PHONE);
    type(s, "0612345678 0612345678 06");
    assert_int_equal(strlen(s->form.value[FIELD_PHONE]), BORNE_PHONE_MAX_CHARS);
    assert_string_equal(s->form.value[FIELD_PHONE], "0612345678 061234567");
}

static void test_type_emoji_exactly(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    to_form(s);
    const char *name = "Zo\xC3\xA9 \xF0\x9F\x98\x80\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD \xE7\x8E\x8B";
    type(s, name);
    assert_string_equal(s->form.value[FIELD_FIRST], name);
    assert_int_equal(s->notice, NOTICE_NONE);
}

static void test_backspace_whole_characters(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    to_form(s);
    type(s, "Zo\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
    const char *v = s->form.value[FIELD_FIRST];
    backspace(s, 1);
    assert_string_equal(v, "Zo\xC3\xA9\xE2\x82\xAC");
    backspace(s, 1);
    assert_string_equal(v, "Zo\xC3\xA9");
    backspace(s, 1);
    assert_string_equal(v, "Zo");
    backspace(s, 2);
    assert_string_equal(v, "");
    assert_true(s->form.shift);
    backspace(s, 1); /* on an empty field: nothing */
    assert_string_equal(v, "");
    /* Only the focused field loses a character. */
    type(s, "Ab");
    focus(s, FIELD_LAST);
    type(s, "Cd");
    backspace(s, 1);
    assert_string_equal(s->form.value[FIELD_FIRST], "Ab");
    assert_string_equal(s->form.value[FIELD_LAST], "C");
}

/* The accent layer of small screens: one accented letter, then back, as on a phone. */
static void test_accent_layer(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    to_form(s);
    assert_false(s->form.accents);
    act(s, ACT_ACCENTS, 0);
    assert_true(s->form.accents);
    act(s, ACT_ACCENTS, 0);
    assert_false(s->form.accents); /* the same key goes back */
    act(s, ACT_ACCENTS, 0);
    type(s, "\xC3\x89");
    assert_string_equal(s->form.value[FIELD_FIRST], "\xC3\x89");
    assert_false(s->form.accents); /* one letter typed: plain letters again */
    act(s, ACT_ACCENTS, 0);
    focus(s, FIELD_LAST);
    assert_false(s->form.accents); /* another field starts on plain letters */
    act(s, ACT_ACCENTS, 0);
    act(s, ACT_HOME, 0);
    to_form(s);
    assert_false(s->form.accents); /* and so does the next visitor */
}

/* Typing is for the form only. */
static void test_type_outside_form(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    type(s, "abc");
    act(s, ACT_OPEN_SESSION, I_OPEN);
    type(s, "abc");
    assert_form_empty(s);
    act(s, ACT_START_FORM, 0);
    assert_form_empty(s);
}

/* --- navigation ----------------------------------------------------------------------------- */

static void test_back(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    act(s, ACT_BACK, 0); /* HOME: stays */
    assert_int_equal(s->screen, SCREEN_HOME);

    act(s, ACT_OPEN_SESSION, I_OPEN);
    act(s, ACT_BACK, 0); /* SESSION -> HOME */
    assert_int_equal(s->screen, SCREEN_HOME);
    assert_int_equal(s->selected, -1);

    to_form(s);
    type(s, "Marie");
    reduce(s, (struct action){.kind = ACT_SUBMIT_FORM});
    assert_int_equal(s->notice, NOTICE_REQUIRED);
    act(s, ACT_BACK, 0); /* FORM -> SESSION, notice gone */
    assert_int_equal(s->screen, SCREEN_SESSION);
    assert_int_equal(s->selected, I_OPEN);
    assert_int_equal(s->notice, NOTICE_NONE);

    act(s, ACT_HOME, 0);
    to_confirm(s);
    act(s, ACT_BACK, 0); /* CONFIRM -> FORM, values kept to be corrected */
    assert_int_equal(s->screen, SCREEN_FORM);
    assert_string_equal(s->form.value[FIELD_FIRST], "Marie");
    assert_string_equal(s->form.value[FIELD_LAST], "Curie");

    reduce(s, (struct action){.kind = ACT_SUBMIT_FORM});
    act(s, ACT_CONFIRM, 0);
    clear_effect(s);
    struct registration reg = make_registration("Marie", "ACDEFHJKK");
    reduce(s, (struct action){.kind = ACT_REGISTERED, .err = BORNE_OK, .reg = &reg});
    clear_effect(s);
    /* Within a second of appearing, the success screen ignores taps (a double tap on
    ** "Confirmer" must not skip it); after that, DONE -> HOME, the registration forgotten. */
    touch(s, s->done_at_ms + APP_DONE_GUARD_MS - 1);
    act(s, ACT_BACK, 0);
    assert_int_equal(s->screen, SCREEN_DONE);
    act(s, ACT_HOME, 0);
    assert_int_equal(s->screen, SCREEN_DONE);
    touch(s, s->done_at_ms + APP_DONE_GUARD_MS);
    act(s, ACT_BACK, 0);
    assert_int_equal(s->screen, SCREEN_HOME);
    assert_string_equal(s->done.first_name, "");
    assert_string_equal(s->done.short_code, "");
    assert_int_equal(s->selected, -1);
}

static void test_home_keeps_display_choices(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    act(s, ACT_SET_LANG, LANG_EN);
    act(s, ACT_TOGGLE_LARGE, 0);
    act(s, ACT_TOGGLE_CONTRAST, 0);
    act(s, ACT_SELECT_DAY, 1);
    act(s, ACT_SELECT_DAY, 0);
    to_form(s);
    type(s, "Marie");
    focus(s, FIELD_EMAIL);
    type(s, "marie@");
    act(s, ACT_HOME, 0);
    assert_int_equal(s->screen, SCREEN_HOME);
    assert_form_empty(s);
    assert_int_equal(s->selected, -1);
    assert_int_equal(s->notice, NOTICE_NONE);
    assert_true(s->large_text);
    assert_true(s->high_contrast);
    assert_int_equal(s->lang, LANG_EN);
    /* Out of range languages and days are ignored. */
    act(s, ACT_SET_LANG, LANG_COUNT);
    assert_int_equal(s->lang, LANG_EN);
    act(s, ACT_SELECT_DAY, 3);
    act(s, ACT_PAGE, 1);
    act(s, ACT_SELECT_DAY, APP_DAYS);
    assert_int_equal(s->day, 3);
    act(s, ACT_PAGE, -1);
    act(s, ACT_PAGE, -1);
    assert_int_equal(s->page, 0);
}

/* --- time ----------------------------------------------------------------------------------- */

static void test_idle_return(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    act(s, ACT_SET_LANG, LANG_EN);
    act(s, ACT_TOGGLE_LARGE, 0);
    act(s, ACT_TOGGLE_CONTRAST, 0);
    to_form(s);
    type(s, "Marie");
    int64_t t = NOW_MS + 7000;
    touch(s, t);
    assert_int_equal(s->last_touch_ms, t);

    unsigned v = s->version;
    tick(s, NOW + 66, t + 60000 - 1);
    assert_int_equal(s->screen, SCREEN_FORM);
    assert_string_equal(s->form.value[FIELD_FIRST], "Marie");
    assert_int_equal(s->version, v);

    tick(s, NOW + 67, t + 60000);
    assert_int_equal(s->screen, SCREEN_HOME);
    assert_form_empty(s);
    assert_int_equal(s->selected, -1);
    assert_false(s->large_text);
    assert_false(s->high_contrast);
    assert_int_equal(s->lang, s->default_lang); /* the next visitor finds the configured one */
    assert_int_equal(s->lang, LANG_FR);
    assert_int_not_equal(s->version, v);
}

static void test_idle_touch_postpones(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    to_form(s);
    touch(s, NOW_MS + 50000);
    tick(s, NOW + 61, NOW_MS + 61000);
    assert_int_equal(s->screen, SCREEN_FORM);
    tick(s, NOW + 110, NOW_MS + 110000 - 1);
    assert_int_equal(s->screen, SCREEN_FORM);
    tick(s, NOW + 110, NOW_MS + 110000);
    assert_int_equal(s->screen, SCREEN_HOME);
}

/* The start screen untouched is where the kiosk rests: no timeout there, except that a day tab
** or the display switches left on are undone. */
static void test_idle_on_home(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    unsigned v = s->version;
    tick(s, NOW + 100, NOW_MS + 100000);
    assert_int_equal(s->version, v);
    act(s, ACT_SELECT_DAY, 2);
    touch(s, NOW_MS + 100000);
    tick(s, NOW + 160, NOW_MS + 160000);
    assert_int_equal(s->day, 0);
}

static void test_idle_done_sooner(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    to_confirm(s);
    act(s, ACT_CONFIRM, 0);
    clear_effect(s);
    struct registration reg = make_registration("Marie", "ACDEFHJKK");
    reduce(s, (struct action){.kind = ACT_REGISTERED, .err = BORNE_OK, .reg = &reg});
    clear_effect(s);
    int64_t t = NOW_MS + 4000;
    touch(s, t);
    assert_int_equal(app_next_deadline_ms(s), t + 30000);
    tick(s, NOW + 33, t + 30000 - 1);
    assert_int_equal(s->screen, SCREEN_DONE);
    tick(s, NOW + 34, t + 30000);
    assert_int_equal(s->screen, SCREEN_HOME);
    assert_string_equal(s->done.first_name, "");
    assert_string_equal(s->done.short_code, "");
}

static void test_deadlines(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;

    /* Untouched start screen, nothing ahead: midnight, when the date on screen changes. */
    const int64_t midnight_ms = NOW_MS + (TOMORROW0 - NOW) * 1000;
    load(s, &fx->cat[I_ENDED], 1);
    assert_int_equal(s->catalogue_valid_until, 0);
    assert_int_equal(app_next_deadline_ms(s), midnight_ms);
    struct session none[1];
    load(s, none, 0);
    assert_int_equal(app_next_deadline_ms(s), midnight_ms);

    /* Away from it: the idle return. */
    load(s, &fx->cat[I_ENDED], 1);
    act(s, ACT_TOGGLE_LARGE, 0);
    assert_int_equal(app_next_deadline_ms(s), NOW_MS + 60000);
    act(s, ACT_TOGGLE_LARGE, 0);
    act(s, ACT_OPEN_SESSION, 0);
    touch(s, NOW_MS + 1234);
    assert_int_equal(app_next_deadline_ms(s), NOW_MS + 1234 + 60000);
    act(s, ACT_HOME, 0);

    /* The whole catalogue on the untouched start screen: the next transition, 10:05. */
    load(s, fx->cat, N_SESSIONS);
    clear_effect(s);
    assert_int_equal(app_next_deadline_ms(s), NOW_MS + 300 * 1000);
    tick(s, NOW + 100, NOW_MS + 100000);
    assert_int_equal(app_next_deadline_ms(s), NOW_MS + 300000);

    /* Away, with the transition later than the idle return: the idle return. */
    act(s, ACT_OPEN_SESSION, I_OPEN);
    touch(s, NOW_MS + 100000);
    assert_int_equal(app_next_deadline_ms(s), NOW_MS + 160000);

    /* Away, with a transition sooner: a session ending in 30 s. */
    struct session ending = make_session("ending", AT(9, 0), NOW + 130, 10, 0, "");
    load(s, &ending, 1); /* the open session vanished: home */
    act(s, ACT_TOGGLE_CONTRAST, 0);
    assert_int_equal(s->catalogue_valid_until, NOW + 130);
    assert_int_equal(app_next_deadline_ms(s), NOW_MS + 130000);

    /* Out of order: no idle return; only the catalogue's own times. */
    reduce(s, (struct action){.kind = ACT_FAULT, .text = "test"});
    assert_int_equal(app_next_deadline_ms(s), NOW_MS + 130000);
    tick(s, NOW + 130, NOW_MS + 130000);
    clear_effect(s);
    assert_int_equal(app_next_deadline_ms(s), midnight_ms);
}

static void test_catalogue_expiry(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    int64_t until = s->catalogue_valid_until;
    assert_int_equal(until, AT(10, 5));
    unsigned v = s->version;
    tick(s, until - 1, NOW_MS + (until - 1 - NOW) * 1000);
    assert_int_equal(s->effect, EFFECT_NONE);
    tick(s, until, NOW_MS + (until - NOW) * 1000);
    assert_int_equal(s->effect, EFFECT_LOAD_CATALOGUE);
    assert_int_equal(s->version, v); /* the reload's result will change the screen */
    /* Reloaded at 10:05: the next change is the end of the 09:55 session, 11:00. */
    clear_effect(s);
    load(s, fx->cat, N_SESSIONS);
    assert_int_equal(s->catalogue_valid_until, AT(11, 0));
    assert_int_not_equal(s->version, v);
}

static void test_version(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    unsigned v = s->version;
    tick(s, NOW + 1, NOW_MS + 1000); /* nothing changes */
    assert_int_equal(s->version, v);
    touch(s, NOW_MS + 1500);
    assert_int_equal(s->version, v);
    tick(s, NOW + 2, NOW_MS + 2000);
    assert_int_equal(s->version, v);

    static const struct action visible[] = {
        {.kind = ACT_SET_LANG, .arg = LANG_EN},
        {.kind = ACT_TOGGLE_LARGE},
        {.kind = ACT_TOGGLE_CONTRAST},
        {.kind = ACT_SELECT_DAY, .arg = 1},
        {.kind = ACT_OPEN_SESSION, .arg = I_OPEN},
        {.kind = ACT_START_FORM},
        {.kind = ACT_TEXT, .text = "M"},
        {.kind = ACT_BACKSPACE},
        {.kind = ACT_SHIFT},
        {.kind = ACT_FOCUS, .arg = FIELD_LAST},
        {.kind = ACT_SUBMIT_FORM},
        {.kind = ACT_BACK},
        {.kind = ACT_HOME},
    };
    for (size_t i = 0; i < sizeof visible / sizeof visible[0]; i++) {
        unsigned before = s->version;
        app_reduce(s, &visible[i]);
        if (s->version == before)
            fail_msg("action %d did not change the version", visible[i].kind);
    }
    unsigned before = s->version;
    load(s, fx->cat, N_SESSIONS);
    assert_int_not_equal(s->version, before);
}

/* At midnight the start screen's date, its "today" tab and the sessions under it all change:
** the screen must be drawn again, which happens only when the version changes. */
static void test_version_changes_at_midnight(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    /* Only sessions far ahead: no catalogue transition near midnight. */
    struct session later =
        make_session("later", TOMORROW0 + 48 * 3600, TOMORROW0 + 50 * 3600, 10, 0, "");
    load(s, &later, 1);
    int64_t ms_at_2359 = NOW_MS + (TOMORROW0 - 60 - NOW) * 1000;
    tick(s, TOMORROW0 - 60, ms_at_2359);
    unsigned v = s->version;
    tick(s, TOMORROW0 + 1, ms_at_2359 + 61000);
    assert_int_equal(s->screen, SCREEN_HOME);
    if (s->version == v)
        fail_msg("a tick from 23:59 to 00:00:01 left the version unchanged: the start screen "
                 "keeps showing yesterday's date");
}

/* --- catalogue reloads ---------------------------------------------------------------------- */

static void test_reload_keeps_selection_by_id(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    to_form(s);
    type(s, "Marie");
    /* The same sessions, the open one moved to the front. */
    struct session moved[N_SESSIONS];
    moved[0] = fx->cat[I_OPEN];
    for (int i = 0, k = 1; i < N_SESSIONS; i++)
        if (i != I_OPEN)
            moved[k++] = fx->cat[i];
    moved[0].seats_taken = 5; /* and some seats went */
    load(s, moved, N_SESSIONS);
    assert_int_equal(s->selected, 0);
    assert_string_equal(s->catalogue[s->selected].id, "s-open");
    assert_int_equal(s->catalogue[s->selected].seats_taken, 5);
    assert_int_equal(s->screen, SCREEN_FORM);
    assert_string_equal(s->form.value[FIELD_FIRST], "Marie");

    /* It vanished (cancelled): back to the start, the form forgotten. */
    load(s, moved + 1, N_SESSIONS - 1);
    assert_int_equal(s->screen, SCREEN_HOME);
    assert_int_equal(s->selected, -1);
    assert_form_empty(s);
}

static void test_reload_on_done_screen(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    to_confirm(s);
    act(s, ACT_CONFIRM, 0);
    clear_effect(s);
    struct registration reg = make_registration("Marie", "ACDEFHJKK");
    reduce(s, (struct action){.kind = ACT_REGISTERED, .err = BORNE_OK, .reg = &reg});
    clear_effect(s);
    /* The session gone from the reload: the visitor still sees their code. */
    load(s, fx->cat, I_OPEN);
    assert_int_equal(s->screen, SCREEN_DONE);
    assert_string_equal(s->done.short_code, "ACDEFHJKK");
}

int main(void)
{
    setenv("TZ", "Europe/Paris", 1);
    tzset();
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init),
        T(test_catalogue_loaded),
        T(test_catalogue_capped),
        T(test_catalogue_empty),
        T(test_sessions_of_day),
        T(test_sessions_of_day_over_dst),
        cmocka_unit_test(test_day_start_dst),
        T(test_session_state_at),
        T(test_open_session),
        T(test_start_form_refused),
        T(test_start_form),
        T(test_auto_capital),
        T(test_auto_capital_contact_fields),
        T(test_submit_checks),
        T(test_confirm_and_registered),
        T(test_already_registered),
        T(test_registration_refused_by_the_session),
        T(test_store_failure_is_final),
        T(test_fault_action),
        T(test_type_refuses_control_characters),
        T(test_type_too_long),
        T(test_type_emoji_exactly),
        T(test_backspace_whole_characters),
        T(test_accent_layer),
        T(test_type_outside_form),
        T(test_back),
        T(test_home_keeps_display_choices),
        T(test_idle_return),
        T(test_idle_touch_postpones),
        T(test_idle_on_home),
        T(test_idle_done_sooner),
        T(test_deadlines),
        T(test_catalogue_expiry),
        T(test_version),
        T(test_version_changes_at_midnight),
        T(test_reload_keeps_selection_by_id),
        T(test_reload_on_done_screen),
        T(test_catalogue_empty_as_null),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
