/* Unit tests of the reducer's ticket paths (firmware/core/app.c): scans at the door, the
** verdict screen, the short code screen, the ticket of a new registration (printing, QR on
** screen) and the printer's health. Pure: effects are checked and their results fed back by
** hand, as the loop would; clear_effect() is the loop's "done".
**
** Time: "now" is Monday 23 November 2026, 10:00 in Paris (TZ=Europe/Paris, set by ctest and
** again in main), the same day as test_app.c. */
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
#include "ticket/ids.h"

#include "support.h"
#include "support_app.h"

#define TODAY0 1795388400LL /* 2026-11-23 00:00 CET */
#define NOW (TODAY0 + 10 * 3600)
#define NOW_MS 5000000LL /* monotonic clock at NOW */
#define AT(h, m) (TODAY0 + (h)*3600 + (m)*60)

#define PAYLOAD "B1AAAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQ"

enum { I_OPEN = 0, I_LATER = 1, N_SESSIONS = 2 };

struct fixture {
    struct app_state s; /* large: the fixture lives on the heap */
    struct session cat[N_SESSIONS];
};

/* --- helpers -------------------------------------------------------------------------------- */

static struct session make_session(const char *id, int64_t starts, int64_t ends)
{
    struct session ses;
    memset(&ses, 0, sizeof ses);
    snprintf(ses.id, sizeof ses.id, "%s", id);
    snprintf(ses.title, sizeof ses.title, "Atelier %s", id);
    snprintf(ses.room_id, sizeof ses.room_id, "salle-1");
    snprintf(ses.room_name, sizeof ses.room_name, "Salle 1");
    ses.starts_at = starts;
    ses.ends_at = ends;
    ses.capacity = 12;
    return ses;
}

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    fx->cat[I_OPEN] = make_session("s-open", AT(14, 0), AT(16, 0));
    fx->cat[I_LATER] = make_session("s-later", AT(17, 0), AT(18, 0));
    start_state(&fx->s, NOW, NOW_MS, fx->cat, N_SESSIONS);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

/* A verdict as the store would give it. */
static struct checkin_result make_result(enum verdict v)
{
    struct checkin_result r;
    memset(&r, 0, sizeof r);
    r.verdict = v;
    r.reason = v == VERDICT_INVALID ? INVALID_FORGED : INVALID_NONE;
    r.at = v == VERDICT_WELCOME ? NOW : AT(9, 30);
    snprintf(r.ticket_id, sizeof r.ticket_id, "0b6f1c2a-4e7d-4c59-9a3e-2d8f0e1b7c55");
    snprintf(r.first_name, sizeof r.first_name, "Marie");
    r.session = make_session("s-open", AT(14, 0), AT(16, 0));
    return r;
}

static void checked_in(struct app_state *s, enum borne_err err, const struct checkin_result *r)
{
    reduce(s, (struct action){.kind = ACT_CHECKED_IN, .err = err, .checkin = r});
}

/* Start screen -> form -> confirmation of the open session. */
static void to_confirm(struct app_state *s)
{
    act(s, ACT_OPEN_SESSION, I_OPEN);
    act(s, ACT_START_FORM, 0);
    assert_int_equal(s->screen, SCREEN_FORM);
    type(s, "Marie");
    focus(s, FIELD_LAST);
    type(s, "Curie");
    act(s, ACT_SUBMIT_FORM, 0);
    assert_int_equal(s->screen, SCREEN_CONFIRM);
}

static struct registration make_registration(const char *ticket_id, int64_t print_job_id)
{
    struct registration r;
    memset(&r, 0, sizeof r);
    snprintf(r.id, sizeof r.id, "6f1c2a4e-0b7d-4c59-9a3e-2d8f0e1b7c55");
    snprintf(r.session_id, sizeof r.session_id, "s-open");
    snprintf(r.first_name, sizeof r.first_name, "Marie");
    snprintf(r.last_name, sizeof r.last_name, "Curie");
    snprintf(r.short_code, sizeof r.short_code, "ACDEFHJKM");
    r.created_at = NOW;
    r.device_seq = 7;
    snprintf(r.ticket_id, sizeof r.ticket_id, "%s", ticket_id);
    r.print_job_id = print_job_id;
    return r;
}

/* Through the form to SCREEN_DONE with reg recorded (err OK or ALREADY_REGISTERED). The
** effect the registration asks for is left for the caller to check. */
static void to_done(struct app_state *s, enum borne_err err, const struct registration *reg)
{
    to_confirm(s);
    act(s, ACT_CONFIRM, 0);
    assert_int_equal(s->effect, EFFECT_REGISTER);
    clear_effect(s);
    reduce(s, (struct action){.kind = ACT_REGISTERED, .err = err, .reg = reg});
    assert_int_equal(s->screen, SCREEN_DONE);
}

static void assert_nothing_of_a_visitor(const struct app_state *s)
{
    assert_string_equal(s->code, "");
    assert_int_equal(s->verdict.verdict, 0);
    assert_string_equal(s->verdict.ticket_id, "");
    assert_string_equal(s->verdict.first_name, "");
    assert_string_equal(s->verdict.session.id, "");
    assert_int_equal(s->qr_side, 0);
    assert_int_equal(s->ticket, TICKET_NONE);
    assert_string_equal(s->done.first_name, "");
}

/* --- scans ---------------------------------------------------------------------------------- */

/* A scan asks for a check-in, copies the text, and leaves the screen to the verdict. */
static void assert_scan_taken(struct app_state *s, const char *text)
{
    enum screen before = s->screen;
    unsigned v = s->version;
    s->last_touch_ms = 0;
    scan(s, text);
    assert_int_equal(s->effect, EFFECT_CHECKIN);
    assert_string_equal(s->scan, text);
    assert_int_equal(s->screen, before); /* until the verdict comes back */
    assert_int_equal(s->version, v);
    assert_int_equal(s->last_touch_ms, s->now_ms); /* someone is at the kiosk */
    clear_effect(s);
}

static void test_scan_taken_where_no_field_has_focus(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;

    assert_scan_taken(s, PAYLOAD);

    act(s, ACT_OPEN_SESSION, I_OPEN);
    assert_int_equal(s->screen, SCREEN_SESSION);
    assert_scan_taken(s, "B1SESSIONSCREEN");

    act(s, ACT_HOME, 0);
    struct registration reg = make_registration("", 0);
    to_done(s, BORNE_OK, &reg);
    clear_effect(s);
    assert_scan_taken(s, "B1DONESCREEN");

    /* The next person in the queue scans while the last verdict is still shown. */
    struct checkin_result r = make_result(VERDICT_WELCOME);
    checked_in(s, BORNE_OK, &r);
    assert_int_equal(s->screen, SCREEN_VERDICT);
    assert_scan_taken(s, "B1VERDICTSCREEN");

    /* Anything is passed on: judging it is the check-in's job. */
    act(s, ACT_HOME, 0);
    assert_scan_taken(s, "not a ticket at all \xC3\xA9\t");
    assert_scan_taken(s, "");
}

static void test_scan_ignored(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;

    /* On the confirmation: the names about to be recorded are not thrown away. */
    to_confirm(s);
    unsigned v0 = s->version;
    scan(s, "B1CONFIRMSCREEN");
    assert_int_equal(s->effect, EFFECT_NONE);
    assert_int_equal(s->screen, SCREEN_CONFIRM);
    assert_int_equal(s->version, v0);
    act(s, ACT_HOME, 0);

    /* On a done screen showing the QR of a ticket that could not print (it is being
    ** photographed), and with no printer at all; taken again once it printed. */
    for (int failed = 0; failed < 2; failed++) {
        struct registration r0 = make_registration("t-1", failed ? 7 : 0);
        to_done(s, BORNE_OK, &r0);
        clear_effect(s);
        if (failed) {
            struct action p = {.kind = ACT_PRINTED, .id = 7, .err = BORNE_ERR_IO};
            app_reduce(s, &p);
            assert_int_equal(s->ticket, TICKET_FAILED);
        } else {
            assert_int_equal(s->ticket, TICKET_ON_SCREEN);
        }
        scan(s, "B1WHILEPHOTOGRAPHED");
        assert_int_equal(s->effect, EFFECT_NONE);
        assert_int_equal(s->screen, SCREEN_DONE);
        act(s, ACT_HOME, 0);
    }

    /* On the form: the scanner must not type into a name, nor check in behind it. */
    act(s, ACT_OPEN_SESSION, I_OPEN);
    act(s, ACT_START_FORM, 0);
    type(s, "Mar");
    unsigned v = s->version;
    scan(s, PAYLOAD);
    assert_int_equal(s->effect, EFFECT_NONE);
    assert_string_equal(s->scan, "");
    assert_int_equal(s->screen, SCREEN_FORM);
    assert_string_equal(s->form.value[FIELD_FIRST], "Mar");
    assert_int_equal(s->version, v);

    /* On the code screen. */
    act(s, ACT_HOME, 0);
    act(s, ACT_OPEN_CODE, 0);
    assert_int_equal(s->screen, SCREEN_CODE);
    type(s, "ACD");
    scan(s, PAYLOAD);
    assert_int_equal(s->effect, EFFECT_NONE);
    assert_string_equal(s->scan, "");
    assert_string_equal(s->code, "ACD");

    /* While another effect waits for the loop. */
    act(s, ACT_HOME, 0);
    s->effect = EFFECT_LOAD_CATALOGUE;
    scan(s, PAYLOAD);
    assert_int_equal(s->effect, EFFECT_LOAD_CATALOGUE);
    assert_string_equal(s->scan, "");
    clear_effect(s);

    /* No text. */
    reduce(s, (struct action){.kind = ACT_SCAN, .text = NULL});
    assert_int_equal(s->effect, EFFECT_NONE);

    /* Out of order. */
    reduce(s, (struct action){.kind = ACT_FAULT, .text = "disk"});
    scan(s, PAYLOAD);
    assert_int_equal(s->effect, EFFECT_NONE);
    assert_int_equal(s->screen, SCREEN_FAULT);
    assert_string_equal(s->scan, "");
}

static void test_scan_too_long(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    char text[BORNE_PAYLOAD_MAX + 200];

    /* The longest that fits is kept whole. */
    memset(text, 'Q', BORNE_PAYLOAD_MAX - 1);
    text[BORNE_PAYLOAD_MAX - 1] = '\0';
    scan(s, text);
    assert_int_equal(s->effect, EFFECT_CHECKIN);
    assert_int_equal(strlen(s->scan), BORNE_PAYLOAD_MAX - 1);
    assert_string_equal(s->scan, text);
    clear_effect(s);

    /* One more: not cut to a valid-looking prefix, checked as empty ("not valid"). */
    memset(text, 'Q', BORNE_PAYLOAD_MAX);
    text[BORNE_PAYLOAD_MAX] = '\0';
    scan(s, text);
    assert_int_equal(s->effect, EFFECT_CHECKIN);
    assert_string_equal(s->scan, "");
    clear_effect(s);

    /* A valid payload followed by garbage: the same. */
    snprintf(s->scan, sizeof s->scan, "left over");
    memset(text, 'Z', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    memcpy(text, PAYLOAD, strlen(PAYLOAD));
    scan(s, text);
    assert_int_equal(s->effect, EFFECT_CHECKIN);
    assert_string_equal(s->scan, "");
}

/* --- verdicts ------------------------------------------------------------------------------- */

static void test_checked_in_shows_verdict(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    static const struct {
        enum verdict verdict;
        enum sound sound;
    } cases[] = {
        {VERDICT_WELCOME, SOUND_WELCOME},   {VERDICT_ALREADY, SOUND_ALREADY},
        {VERDICT_TOO_EARLY, SOUND_PROBLEM}, {VERDICT_OVER, SOUND_PROBLEM},
        {VERDICT_NOT_TODAY, SOUND_PROBLEM}, {VERDICT_CANCELLED, SOUND_PROBLEM},
        {VERDICT_INVALID, SOUND_INVALID},   {VERDICT_WAITLIST, SOUND_PROBLEM},
    };
    assert_int_equal(sizeof cases / sizeof cases[0], VERDICT_COUNT);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        act(s, ACT_OPEN_SESSION, I_OPEN); /* from some other screen than home */
        int64_t t = NOW_MS + 1000 * (int64_t)(i + 1);
        tick(s, NOW + (int64_t)i + 1, t);
        scan(s, PAYLOAD);
        assert_int_equal(s->effect, EFFECT_CHECKIN);
        clear_effect(s);
        s->sound = SOUND_NONE;
        struct checkin_result r = make_result(cases[i].verdict);
        unsigned v = s->version;
        checked_in(s, BORNE_OK, &r);
        assert_int_equal(s->screen, SCREEN_VERDICT);
        assert_memory_equal(&s->verdict, &r, sizeof r);
        assert_int_equal(s->sound, cases[i].sound);
        assert_int_equal(s->verdict_at_ms, t);
        assert_int_equal(s->selected, -1);
        assert_int_not_equal(s->version, v);
        assert_int_equal(s->effect, EFFECT_NONE);
        act(s, ACT_HOME, 0);
        assert_int_equal(s->screen, SCREEN_HOME);
    }

    /* A verdict arriving on the done screen forgets the registration shown there. */
    struct registration reg = make_registration("tkt-1", 3);
    to_done(s, BORNE_OK, &reg);
    clear_effect(s);
    scan(s, PAYLOAD);
    clear_effect(s);
    struct checkin_result r = make_result(VERDICT_WELCOME);
    checked_in(s, BORNE_OK, &r);
    assert_int_equal(s->screen, SCREEN_VERDICT);
    assert_string_equal(s->done.first_name, "");
    assert_string_equal(s->done.short_code, "");
    assert_int_equal(s->ticket, TICKET_NONE);

    /* The loop says with the result whether the clock is synchronised; each verdict has its own. */
    act(s, ACT_HOME, 0);
    scan(s, PAYLOAD);
    clear_effect(s);
    reduce(s, (struct action){.kind = ACT_CHECKED_IN, .err = BORNE_OK, .checkin = &r, .arg = 1});
    assert_true(s->clock_unsure);
    act(s, ACT_HOME, 0);
    scan(s, PAYLOAD);
    clear_effect(s);
    checked_in(s, BORNE_OK, &r);
    assert_false(s->clock_unsure);
}

static void test_checked_in_store_failure(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    scan(s, PAYLOAD);
    clear_effect(s);
    checked_in(s, BORNE_ERR_DISK_FULL, NULL);
    assert_int_equal(s->screen, SCREEN_FAULT);
    assert_string_not_equal(s->fault, "");
    assert_int_equal(s->sound, SOUND_NONE); /* nobody is welcomed */
    assert_int_equal(s->verdict.verdict, 0);

    /* No result even though the store said OK: a bug, treated as a failure too. */
    struct fixture *fx2 = calloc(1, sizeof *fx2);
    assert_non_null(fx2);
    app_init(&fx2->s, NOW, NOW_MS);
    clear_effect(&fx2->s);
    scan(&fx2->s, PAYLOAD);
    clear_effect(&fx2->s);
    checked_in(&fx2->s, BORNE_OK, NULL);
    assert_int_equal(fx2->s.screen, SCREEN_FAULT);
    /* Out of order is final: a late verdict does not leave it. */
    struct checkin_result r = make_result(VERDICT_WELCOME);
    checked_in(&fx2->s, BORNE_OK, &r);
    assert_int_equal(fx2->s.screen, SCREEN_FAULT);
    free(fx2);
}

/* The verdict screen goes back to the start screen after `ms` without a touch, not before. */
static void check_verdict_timeout(struct app_state *s, enum verdict v, int ms)
{
    int64_t t = s->now_ms + 10000;
    int64_t now = s->now + 10;
    tick(s, now, t);
    scan(s, PAYLOAD);
    clear_effect(s);
    struct checkin_result r = make_result(v);
    checked_in(s, BORNE_OK, &r);
    assert_int_equal(s->screen, SCREEN_VERDICT);
    assert_int_equal(app_next_deadline_ms(s), t + ms);
    if (ms > APP_VERDICT_OK_MS) {
        tick(s, now + APP_VERDICT_OK_MS / 1000, t + APP_VERDICT_OK_MS);
        assert_int_equal(s->screen, SCREEN_VERDICT);
    }
    tick(s, now + ms / 1000 - 1, t + ms - 1);
    assert_int_equal(s->screen, SCREEN_VERDICT);
    assert_int_equal(s->verdict.verdict, v);
    assert_int_equal(app_next_deadline_ms(s), t + ms);
    tick(s, now + ms / 1000, t + ms);
    assert_int_equal(s->screen, SCREEN_HOME);
    assert_nothing_of_a_visitor(s);
}

static void test_verdict_timeouts(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    assert_true(APP_VERDICT_OK_MS < APP_VERDICT_BAD_MS);
    check_verdict_timeout(s, VERDICT_WELCOME, APP_VERDICT_OK_MS);
    check_verdict_timeout(s, VERDICT_ALREADY, APP_VERDICT_OK_MS);
    check_verdict_timeout(s, VERDICT_TOO_EARLY, APP_VERDICT_BAD_MS);
    check_verdict_timeout(s, VERDICT_OVER, APP_VERDICT_BAD_MS);
    check_verdict_timeout(s, VERDICT_NOT_TODAY, APP_VERDICT_BAD_MS);
    check_verdict_timeout(s, VERDICT_CANCELLED, APP_VERDICT_BAD_MS);
    check_verdict_timeout(s, VERDICT_INVALID, APP_VERDICT_BAD_MS);

    /* A touch on the verdict screen gives the visitor the full time again. */
    int64_t t = s->now_ms + 1000;
    tick(s, s->now + 1, t);
    scan(s, PAYLOAD);
    clear_effect(s);
    struct checkin_result r = make_result(VERDICT_TOO_EARLY);
    checked_in(s, BORNE_OK, &r);
    touch(s, t + 5000);
    assert_int_equal(app_next_deadline_ms(s), t + 5000 + APP_VERDICT_BAD_MS);
    tick(s, s->now + 12, t + APP_VERDICT_BAD_MS);
    assert_int_equal(s->screen, SCREEN_VERDICT);
    tick(s, s->now + 5, t + 5000 + APP_VERDICT_BAD_MS);
    assert_int_equal(s->screen, SCREEN_HOME);
}

/* --- the short code screen ------------------------------------------------------------------ */

static void test_code_screen_typing(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    act(s, ACT_OPEN_CODE, 0);
    assert_int_equal(s->screen, SCREEN_CODE);
    assert_string_equal(s->code, "");
    assert_int_equal(s->effect, EFFECT_NONE);

    type(s, "acd"); /* small letters become capitals */
    assert_string_equal(s->code, "ACD");
    assert_int_equal(s->notice, NOTICE_NONE);
    type(s, "-e F "); /* dashes and spaces copied from the ticket are skipped */
    assert_string_equal(s->code, "ACDEF");
    assert_int_equal(s->notice, NOTICE_NONE);

    /* Letters the code never uses (look-alikes) are refused, and said so. */
    static const char *const refused[] = {"B", "O", "0", "1", "I", "L", "2",        "Z", "5",
                                          "S", "8", "6", "G", "b", "o", "\xC3\xA9", "_", "\t"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        type(s, refused[i]);
        if (s->notice != NOTICE_BAD_CHAR)
            fail_msg("\"%s\" was not refused", refused[i]);
        assert_string_equal(s->code, "ACDEF");
    }
    /* A good letter clears the message; a bad one in the same text keeps it. */
    type(s, "h");
    assert_int_equal(s->notice, NOTICE_NONE);
    type(s, "BJ");
    assert_string_equal(s->code, "ACDEFHJ");
    assert_int_equal(s->notice, NOTICE_BAD_CHAR);

    /* Nine at most. */
    type(s, "KM");
    assert_string_equal(s->code, "ACDEFHJKM");
    assert_int_equal(s->notice, NOTICE_NONE);
    type(s, "N");
    assert_string_equal(s->code, "ACDEFHJKM");
    assert_int_equal(s->notice, NOTICE_TOO_LONG);
    type(s, "-"); /* a dash at the end is still skipped */
    assert_string_equal(s->code, "ACDEFHJKM");

    /* Backspace: one letter, message gone; harmless on an empty code. */
    backspace(s, 1);
    assert_string_equal(s->code, "ACDEFHJK");
    assert_int_equal(s->notice, NOTICE_NONE);
    backspace(s, 12);
    assert_string_equal(s->code, "");

    /* Every letter of the alphabet of ticket/ids.h is typeable, in either case. */
    const char *alphabet = TICKET_CODE_ALPHABET;
    for (size_t i = 0; alphabet[i]; i++) {
        char one[2] = {alphabet[i], '\0'};
        if (one[0] >= 'A' && one[0] <= 'Z' && i % 2)
            one[0] = (char)(one[0] - 'A' + 'a');
        type(s, one);
        if (s->notice != NOTICE_NONE || strlen(s->code) != 1 || s->code[0] != alphabet[i])
            fail_msg("'%c' of the code alphabet was not taken", alphabet[i]);
        backspace(s, 1);
    }

    /* A long paste stops at nine, with the message. */
    type(s, "ACDE-FHJK-MNPQRTUVWXY");
    assert_string_equal(s->code, "ACDEFHJKM");
    assert_int_equal(s->notice, NOTICE_TOO_LONG);
    assert_int_equal(strlen(s->code), BORNE_SHORT_CODE_LEN);
}

static void test_code_screen_submit(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    act(s, ACT_OPEN_CODE, 0);

    /* Empty or short: said so, nothing asked of the store. */
    act(s, ACT_SUBMIT_CODE, 0);
    assert_int_equal(s->notice, NOTICE_BAD_CODE);
    assert_int_equal(s->effect, EFFECT_NONE);
    type(s, "ACDEFHJK");
    assert_int_equal(s->notice, NOTICE_NONE);
    act(s, ACT_SUBMIT_CODE, 0);
    assert_int_equal(s->notice, NOTICE_BAD_CODE);
    assert_int_equal(s->effect, EFFECT_NONE);
    assert_int_equal(s->screen, SCREEN_CODE);

    type(s, "M");
    act(s, ACT_SUBMIT_CODE, 0);
    assert_int_equal(s->effect, EFFECT_CHECKIN_CODE);
    assert_string_equal(s->code, "ACDEFHJKM"); /* what the loop reads */
    /* A second tap while it is checked asks nothing more. */
    act(s, ACT_SUBMIT_CODE, 0);
    assert_int_equal(s->effect, EFFECT_CHECKIN_CODE);
    clear_effect(s);

    /* The check character is wrong (a typing error): said so, the code stays to correct. */
    act(s, ACT_CODE_REFUSED, 0);
    assert_int_equal(s->screen, SCREEN_CODE);
    assert_int_equal(s->notice, NOTICE_BAD_CODE);
    assert_string_equal(s->code, "ACDEFHJKM");
    backspace(s, 1);
    assert_int_equal(s->notice, NOTICE_NONE);
    type(s, "N");
    act(s, ACT_SUBMIT_CODE, 0);
    assert_int_equal(s->effect, EFFECT_CHECKIN_CODE);
    clear_effect(s);

    /* Found: the verdict, the typed code forgotten. */
    struct checkin_result r = make_result(VERDICT_WELCOME);
    checked_in(s, BORNE_OK, &r);
    assert_int_equal(s->screen, SCREEN_VERDICT);
    assert_string_equal(s->code, "");
    assert_int_equal(s->sound, SOUND_WELCOME);

    /* Submit and refusal do nothing elsewhere. */
    act(s, ACT_HOME, 0);
    act(s, ACT_SUBMIT_CODE, 0);
    assert_int_equal(s->effect, EFFECT_NONE);
    assert_int_equal(s->notice, NOTICE_NONE);
    act(s, ACT_CODE_REFUSED, 0);
    assert_int_equal(s->notice, NOTICE_NONE);
    assert_int_equal(s->screen, SCREEN_HOME);
}

static void test_code_screen_open_and_leave(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;

    /* Not from the form: the visitor there is typing a name. */
    act(s, ACT_OPEN_SESSION, I_OPEN);
    act(s, ACT_START_FORM, 0);
    type(s, "Marie");
    act(s, ACT_OPEN_CODE, 0);
    assert_int_equal(s->screen, SCREEN_FORM);
    assert_string_equal(s->form.value[FIELD_FIRST], "Marie");

    /* From a session's page: the session is left. */
    act(s, ACT_BACK, 0);
    assert_int_equal(s->screen, SCREEN_SESSION);
    act(s, ACT_OPEN_CODE, 0);
    assert_int_equal(s->screen, SCREEN_CODE);
    assert_int_equal(s->selected, -1);
    assert_int_equal(s->form.value[FIELD_FIRST][0], '\0');
    /* Typed letters go to the code, never to the form. */
    type(s, "ACD");
    assert_string_equal(s->code, "ACD");
    assert_string_equal(s->form.value[FIELD_FIRST], "");

    /* Back: home, the code forgotten. */
    act(s, ACT_BACK, 0);
    assert_int_equal(s->screen, SCREEN_HOME);
    assert_string_equal(s->code, "");
    act(s, ACT_OPEN_CODE, 0);
    type(s, "ACD");
    act(s, ACT_HOME, 0);
    assert_string_equal(s->code, "");

    /* Left alone: home after the idle timeout. */
    int64_t t = NOW_MS + 2000;
    tick(s, NOW + 2, t);
    act(s, ACT_OPEN_CODE, 0);
    touch(s, t);
    type(s, "ACD");
    assert_int_equal(app_next_deadline_ms(s), t + s->idle_timeout_ms);
    tick(s, NOW + 2 + s->idle_timeout_ms / 1000, t + s->idle_timeout_ms);
    assert_int_equal(s->screen, SCREEN_HOME);
    assert_string_equal(s->code, "");

    /* From the verdict screen (the visitor's scan failed, they try the code). */
    scan(s, PAYLOAD);
    clear_effect(s);
    struct checkin_result r = make_result(VERDICT_INVALID);
    checked_in(s, BORNE_OK, &r);
    act(s, ACT_OPEN_CODE, 0);
    assert_int_equal(s->screen, SCREEN_CODE);
    assert_int_equal(s->verdict.verdict, 0);
    assert_string_equal(s->verdict.first_name, "");
}

/* --- the ticket of a new registration ------------------------------------------------------- */

static void test_registered_ticket_phase(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;

    /* Printed at this kiosk. */
    struct registration reg = make_registration("tkt-1", 42);
    to_done(s, BORNE_OK, &reg);
    assert_int_equal(s->ticket, TICKET_PRINTING);
    assert_int_equal(s->effect, EFFECT_PRINT);
    assert_false(s->done_existing);
    assert_int_equal(s->done.print_job_id, 42);
    assert_string_equal(s->done.ticket_id, "tkt-1");
    assert_int_equal(s->qr_side, 0);
    clear_effect(s);
    touch(s, s->done_at_ms + APP_DONE_GUARD_MS);
    act(s, ACT_HOME, 0);

    /* No printer: shown on screen; the effect still makes the QR. */
    reg = make_registration("tkt-2", 0);
    to_done(s, BORNE_OK, &reg);
    assert_int_equal(s->ticket, TICKET_ON_SCREEN);
    assert_int_equal(s->effect, EFFECT_PRINT);
    clear_effect(s);
    touch(s, s->done_at_ms + APP_DONE_GUARD_MS);
    act(s, ACT_HOME, 0);
    assert_int_equal(s->ticket, TICKET_NONE);

    /* Already registered: the desk gives the ticket back; only the catalogue is reloaded. */
    reg = make_registration("tkt-3", 43);
    to_done(s, BORNE_ERR_ALREADY_REGISTERED, &reg);
    assert_true(s->done_existing);
    assert_int_equal(s->ticket, TICKET_NONE);
    assert_int_equal(s->effect, EFFECT_LOAD_CATALOGUE);
    clear_effect(s);
    touch(s, s->done_at_ms + APP_DONE_GUARD_MS);
    act(s, ACT_HOME, 0);

    /* A registration without a ticket (as before tickets). */
    reg = make_registration("", 0);
    to_done(s, BORNE_OK, &reg);
    assert_int_equal(s->ticket, TICKET_NONE);
    assert_int_equal(s->effect, EFFECT_LOAD_CATALOGUE);
}

static void test_ticket_qr(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    static uint8_t modules[APP_QR_SIDE_MAX * APP_QR_SIDE_MAX + 1];
    for (size_t i = 0; i < sizeof modules; i++)
        modules[i] = (uint8_t)((i * 7 + i / 5) % 2);

    struct registration reg = make_registration("tkt-1", 0);
    to_done(s, BORNE_OK, &reg);
    assert_int_equal(s->effect, EFFECT_PRINT);
    clear_effect(s);
    reduce(s, (struct action){.kind = ACT_TICKET_QR, .qr = modules, .arg = 25});
    assert_int_equal(s->qr_side, 25);
    assert_memory_equal(s->qr, modules, 25 * 25);
    assert_int_equal(s->effect, EFFECT_LOAD_CATALOGUE); /* seats left changed */
    clear_effect(s);

    /* Refused sizes keep what is there; the catalogue is asked for all the same. */
    reduce(s, (struct action){.kind = ACT_TICKET_QR, .qr = modules + 1, .arg = 0});
    assert_int_equal(s->qr_side, 25);
    assert_int_equal(s->effect, EFFECT_LOAD_CATALOGUE);
    clear_effect(s);
    reduce(s, (struct action){.kind = ACT_TICKET_QR, .qr = modules + 1, .arg = -3});
    assert_int_equal(s->qr_side, 25);
    reduce(s,
           (struct action){.kind = ACT_TICKET_QR, .qr = modules + 1, .arg = APP_QR_SIDE_MAX + 1});
    assert_int_equal(s->qr_side, 25);
    reduce(s, (struct action){.kind = ACT_TICKET_QR, .qr = NULL, .arg = 21});
    assert_int_equal(s->qr_side, 25);
    assert_memory_equal(s->qr, modules, 25 * 25);
    clear_effect(s);

    /* The largest fits exactly. */
    reduce(s, (struct action){.kind = ACT_TICKET_QR, .qr = modules, .arg = APP_QR_SIDE_MAX});
    assert_int_equal(s->qr_side, APP_QR_SIDE_MAX);
    assert_memory_equal(s->qr, modules, APP_QR_SIDE_MAX * APP_QR_SIDE_MAX);
    clear_effect(s);

    /* An effect already waiting is not replaced. */
    s->effect = EFFECT_CHECKIN;
    reduce(s, (struct action){.kind = ACT_TICKET_QR, .qr = modules, .arg = 21});
    assert_int_equal(s->effect, EFFECT_CHECKIN);
    clear_effect(s);

    /* Home: the QR is forgotten; a late QR there is not kept. */
    touch(s, s->done_at_ms + APP_DONE_GUARD_MS);
    act(s, ACT_HOME, 0);
    assert_int_equal(s->qr_side, 0);
    reduce(s, (struct action){.kind = ACT_TICKET_QR, .qr = modules, .arg = 25});
    assert_int_equal(s->qr_side, 0);
    assert_int_equal(s->effect, EFFECT_LOAD_CATALOGUE);
}

static void test_printed(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    struct registration reg = make_registration("tkt-1", 42);
    to_done(s, BORNE_OK, &reg);
    clear_effect(s);
    assert_int_equal(s->ticket, TICKET_PRINTING);

    /* Another job's end (a reprint by staff, an earlier visitor's): nothing. */
    unsigned v = s->version;
    reduce(s, (struct action){.kind = ACT_PRINTED, .id = 41, .err = BORNE_OK});
    assert_int_equal(s->ticket, TICKET_PRINTING);
    assert_int_equal(s->version, v);
    reduce(s, (struct action){.kind = ACT_PRINTED, .id = 0, .err = BORNE_OK});
    assert_int_equal(s->ticket, TICKET_PRINTING);
    assert_int_equal(s->version, v);

    int64_t t = NOW_MS + 3000, touched = s->last_touch_ms;
    tick(s, NOW + 3, t);
    reduce(s, (struct action){.kind = ACT_PRINTED, .id = 42, .err = BORNE_OK});
    assert_int_equal(s->ticket, TICKET_PRINTED);
    assert_int_not_equal(s->version, v);
    /* Printed changes a line, not the screen's time: it counts from the last touch. */
    assert_int_equal(s->last_touch_ms, touched);
    /* A second report of the same job changes nothing. */
    reduce(s, (struct action){.kind = ACT_PRINTED, .id = 42, .err = BORNE_ERR_IO});
    assert_int_equal(s->ticket, TICKET_PRINTED);
    /* Printed: the usual done timeout. */
    assert_int_equal(app_next_deadline_ms(s), touched + s->done_timeout_ms);

    /* Failed: the screen shows the QR and the code. */
    touch(s, s->done_at_ms + APP_DONE_GUARD_MS);
    act(s, ACT_HOME, 0);
    reg = make_registration("tkt-2", 43);
    to_done(s, BORNE_OK, &reg);
    clear_effect(s);
    reduce(s, (struct action){.kind = ACT_PRINTED, .id = 42, .err = BORNE_ERR_IO});
    assert_int_equal(s->ticket, TICKET_PRINTING);
    reduce(s, (struct action){.kind = ACT_PRINTED, .id = 43, .err = BORNE_ERR_IO});
    assert_int_equal(s->ticket, TICKET_FAILED);

    /* After the visitor left, a job's end does not bring anything back. */
    touch(s, s->done_at_ms + APP_DONE_GUARD_MS);
    act(s, ACT_HOME, 0);
    reduce(s, (struct action){.kind = ACT_PRINTED, .id = 43, .err = BORNE_OK});
    assert_int_equal(s->screen, SCREEN_HOME);
    assert_int_equal(s->ticket, TICKET_NONE);
}

/* The done screen stays `ms` after the last touch (or a failed print's report), not longer. */
static void check_done_timeout(struct app_state *s, int64_t from_ms, int ms)
{
    assert_int_equal(app_next_deadline_ms(s), from_ms + ms);
    tick(s, s->now + 1, from_ms + ms - 1);
    assert_int_equal(s->screen, SCREEN_DONE);
    tick(s, s->now + 1, from_ms + ms);
    assert_int_equal(s->screen, SCREEN_HOME);
    assert_nothing_of_a_visitor(s);
}

static void test_done_timeout_by_ticket(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    assert_true(APP_DONE_NO_TICKET_MS > s->done_timeout_ms);

    /* On screen (no printer): long enough to photograph the QR. */
    int64_t t = NOW_MS + 1000;
    touch(s, t);
    struct registration reg = make_registration("tkt-1", 0);
    to_done(s, BORNE_OK, &reg);
    clear_effect(s);
    tick(s, NOW + 31, t + s->done_timeout_ms);
    assert_int_equal(s->screen, SCREEN_DONE); /* the usual 30 s are not enough */
    check_done_timeout(s, t, APP_DONE_NO_TICKET_MS);

    /* Failed: from the print report on. */
    t = s->now_ms + 1000;
    touch(s, t);
    reg = make_registration("tkt-2", 9);
    to_done(s, BORNE_OK, &reg);
    clear_effect(s);
    assert_int_equal(app_next_deadline_ms(s), t + s->done_timeout_ms); /* printing: 30 s */
    int64_t t2 = t + 4000;
    tick(s, s->now + 4, t2);
    reduce(s, (struct action){.kind = ACT_PRINTED, .id = 9, .err = BORNE_ERR_IO});
    assert_int_equal(s->ticket, TICKET_FAILED);
    check_done_timeout(s, t2, APP_DONE_NO_TICKET_MS);

    /* Printed: the usual 30 s from the last touch; the report does not restart it. */
    t = s->now_ms + 1000;
    touch(s, t);
    reg = make_registration("tkt-3", 10);
    to_done(s, BORNE_OK, &reg);
    clear_effect(s);
    t2 = t + 2500;
    tick(s, s->now + 2, t2);
    reduce(s, (struct action){.kind = ACT_PRINTED, .id = 10, .err = BORNE_OK});
    check_done_timeout(s, t, s->done_timeout_ms);

    /* A configured done timeout longer than APP_DONE_NO_TICKET_MS wins. */
    s->done_timeout_ms = APP_DONE_NO_TICKET_MS + 5000;
    t = s->now_ms + 1000;
    touch(s, t);
    reg = make_registration("tkt-4", 0);
    to_done(s, BORNE_OK, &reg);
    clear_effect(s);
    check_done_timeout(s, t, APP_DONE_NO_TICKET_MS + 5000);
}

/* --- printer health ------------------------------------------------------------------------- */

static void test_printer_health(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    assert_int_equal(s->printer, PRINTER_HEALTH_UNKNOWN);

    unsigned v = s->version;
    act(s, ACT_PRINTER, PRINTER_HEALTH_OK);
    assert_int_equal(s->printer, PRINTER_HEALTH_OK);
    assert_int_not_equal(s->version, v);

    /* The same again (a status poll every minute): nothing to draw. */
    v = s->version;
    act(s, ACT_PRINTER, PRINTER_HEALTH_OK);
    assert_int_equal(s->printer, PRINTER_HEALTH_OK);
    assert_int_equal(s->version, v);

    static const enum printer_health all[] = {
        PRINTER_HEALTH_PAPER_LOW, PRINTER_HEALTH_PAPER_OUT, PRINTER_HEALTH_OFFLINE,
        PRINTER_HEALTH_ERROR,     PRINTER_HEALTH_NONE,      PRINTER_HEALTH_UNKNOWN,
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        v = s->version;
        act(s, ACT_PRINTER, (int)all[i]);
        assert_int_equal(s->printer, all[i]);
        assert_int_not_equal(s->version, v);
    }

    /* Out of range: ignored. */
    v = s->version;
    act(s, ACT_PRINTER, -1);
    act(s, ACT_PRINTER, PRINTER_HEALTH_ERROR + 1);
    act(s, ACT_PRINTER, 1000);
    assert_int_equal(s->printer, PRINTER_HEALTH_UNKNOWN);
    assert_int_equal(s->version, v);

    /* The printer's health changes neither the screen nor the visitor's path. */
    act(s, ACT_OPEN_SESSION, I_OPEN);
    act(s, ACT_PRINTER, PRINTER_HEALTH_PAPER_OUT);
    assert_int_equal(s->screen, SCREEN_SESSION);
    assert_int_equal(s->selected, I_OPEN);
    assert_int_equal(s->effect, EFFECT_NONE);
}

/* --- going home ----------------------------------------------------------------------------- */

static void test_home_forgets_ticket_state(void **state)
{
    struct fixture *fx = *state;
    struct app_state *s = &fx->s;
    static uint8_t modules[21 * 21];
    memset(modules, 1, sizeof modules);

    /* From the verdict screen. */
    scan(s, PAYLOAD);
    clear_effect(s);
    struct checkin_result r = make_result(VERDICT_ALREADY);
    checked_in(s, BORNE_OK, &r);
    act(s, ACT_HOME, 0);
    assert_int_equal(s->screen, SCREEN_HOME);
    assert_nothing_of_a_visitor(s);
    /* By ACT_BACK too. */
    scan(s, PAYLOAD);
    clear_effect(s);
    checked_in(s, BORNE_OK, &r);
    act(s, ACT_BACK, 0);
    assert_int_equal(s->screen, SCREEN_HOME);
    assert_nothing_of_a_visitor(s);

    /* From the done screen with a QR. */
    struct registration reg = make_registration("tkt-1", 0);
    to_done(s, BORNE_OK, &reg);
    clear_effect(s);
    reduce(s, (struct action){.kind = ACT_TICKET_QR, .qr = modules, .arg = 21});
    clear_effect(s);
    assert_int_equal(s->qr_side, 21);
    touch(s, s->done_at_ms + APP_DONE_GUARD_MS);
    act(s, ACT_HOME, 0);
    assert_nothing_of_a_visitor(s);

    /* From the code screen. */
    act(s, ACT_OPEN_CODE, 0);
    type(s, "ACDEF");
    act(s, ACT_HOME, 0);
    assert_nothing_of_a_visitor(s);

    /* The next visitor's form starts clean too. */
    scan(s, PAYLOAD);
    clear_effect(s);
    checked_in(s, BORNE_OK, &r);
    act(s, ACT_HOME, 0);
    act(s, ACT_OPEN_SESSION, I_OPEN);
    act(s, ACT_START_FORM, 0);
    assert_nothing_of_a_visitor(s);
}

int main(void)
{
    setenv("TZ", "Europe/Paris", 1);
    tzset();
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_scan_taken_where_no_field_has_focus),
        T(test_scan_ignored),
        T(test_scan_too_long),
        T(test_checked_in_shows_verdict),
        T(test_checked_in_store_failure),
        T(test_verdict_timeouts),
        T(test_code_screen_typing),
        T(test_code_screen_submit),
        T(test_code_screen_open_and_leave),
        T(test_registered_ticket_phase),
        T(test_ticket_qr),
        T(test_printed),
        T(test_done_timeout_by_ticket),
        T(test_printer_health),
        T(test_home_forgets_ticket_state),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
