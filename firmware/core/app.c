/* The reducer: how actions change the kiosk's state. See app.h for the contract. */
#include "core/app.h"

#include <string.h>
#include <time.h>

#include "core/text.h"

static const size_t field_max_chars[FIELD_COUNT] = {BORNE_NAME_MAX_CHARS, BORNE_NAME_MAX_CHARS,
                                                    BORNE_EMAIL_MAX_CHARS, BORNE_PHONE_MAX_CHARS};

void app_init(struct app_state *s, int64_t now, int64_t now_ms)
{
    memset(s, 0, sizeof *s);
    s->screen = SCREEN_HOME;
    s->lang = LANG_FR;
    s->now = now;
    s->now_ms = now_ms;
    s->last_touch_ms = now_ms;
    s->idle_timeout_ms = 60000;
    s->done_timeout_ms = 30000;
    s->purge_days = 30;
    s->selected = -1;
    s->effect = EFFECT_LOAD_CATALOGUE;
    s->checkin_window.opens_before_s = CHECKIN_OPENS_BEFORE_DEFAULT_S;
    s->checkin_window.closes_after_s = CHECKIN_CLOSES_AFTER_DEFAULT_S;
    s->printer = PRINTER_HEALTH_UNKNOWN;
    s->version = 1;
}

enum session_state session_state_at(const struct session *ses, int64_t now)
{
    if (ses->cancelled)
        return SESSION_CANCELLED;
    if (now >= ses->ends_at)
        return SESSION_OVER;
    if (now >= ses->starts_at + APP_LATE_GRACE_S)
        return SESSION_STARTED;
    if (ses->reserved_for[0])
        return SESSION_RESERVED;
    if (ses->seats_taken >= ses->capacity)
        return SESSION_FULL;
    return SESSION_OPEN;
}

int session_seats_left(const struct session *ses)
{
    int left = ses->capacity - ses->seats_taken;
    return left > 0 ? left : 0;
}

int64_t app_day_start(int64_t now, int day)
{
    time_t t = (time_t)now;
    struct tm tm;
    localtime_r(&t, &tm);
    tm.tm_mday += day;
    tm.tm_hour = 0;
    tm.tm_min = 0;
    tm.tm_sec = 0;
    tm.tm_isdst = -1; /* let mktime find DST for that date */
    return (int64_t)mktime(&tm);
}

size_t app_sessions_of_day(const struct app_state *s, int day, int *out, size_t cap)
{
    int64_t from = app_day_start(s->now, day), until = app_day_start(s->now, day + 1);
    size_t n = 0;
    for (size_t i = 0; i < s->n_sessions && n < cap; i++) {
        const struct session *ses = &s->catalogue[i];
        if (ses->starts_at >= from && ses->starts_at < until && s->now < ses->ends_at)
            out[n++] = (int)i;
    }
    return n;
}

static void forget_visitor(struct app_state *s)
{
    memset(&s->form, 0, sizeof s->form);
    memset(&s->done, 0, sizeof s->done);
    s->form.shift = true;
    s->done_existing = false;
    s->notice = NOTICE_NONE;
    s->ticket = TICKET_NONE;
    s->qr_side = 0;
    memset(s->code, 0, sizeof s->code);
    memset(&s->verdict, 0, sizeof s->verdict);
}

/* What staff typed and saw goes when the panel or its prompt closes. Not the lock (a closed
** prompt must not reset the count of wrong tries), not a check under way (its thread still
** holds the PIN it was given, and its answer must still count if it is wrong). */
static void forget_staff(struct app_state *s)
{
    struct staff_state *st = &s->staff;
    memset(st->pin, 0, sizeof st->pin);
    st->holding = false;
    st->wrong = false;
    st->tab = STAFF_TAB_SYNC;
    st->page = 0;
    st->loaded = false;
    memset(&st->data, 0, sizeof st->data);
    st->sync_asked = false;
    st->sync_ran = false;
}

/* How long the current screen stays without a touch before the kiosk goes home. */
static int screen_timeout_ms(const struct app_state *s)
{
    if (s->screen == SCREEN_STAFF_PIN)
        return STAFF_PIN_IDLE_MS;
    if (s->screen == SCREEN_STAFF)
        return STAFF_PANEL_IDLE_MS;
    if (s->screen == SCREEN_DONE)
        return s->ticket == TICKET_FAILED || s->ticket == TICKET_ON_SCREEN
                   ? (s->done_timeout_ms > APP_DONE_NO_TICKET_MS ? s->done_timeout_ms
                                                                 : APP_DONE_NO_TICKET_MS)
                   : s->done_timeout_ms;
    if (s->screen == SCREEN_VERDICT)
        return s->verdict.verdict == VERDICT_WELCOME || s->verdict.verdict == VERDICT_ALREADY
                   ? APP_VERDICT_OK_MS
                   : APP_VERDICT_BAD_MS;
    return s->idle_timeout_ms;
}

/* A scan is taken on any screen where no text field has the focus, except where it would
** throw away what a visitor is in the middle of: the names about to be confirmed, and a ticket
** that could not be printed while its QR is being photographed (the next visitor in the queue
** scans a moment too early). */
static bool takes_scans(const struct app_state *s)
{
    if (s->screen == SCREEN_DONE)
        return s->ticket != TICKET_FAILED && s->ticket != TICKET_ON_SCREEN;
    return s->screen != SCREEN_FORM && s->screen != SCREEN_CODE && s->screen != SCREEN_FAULT &&
           s->screen != SCREEN_CONFIRM && s->screen != SCREEN_STAFF_PIN &&
           s->screen != SCREEN_STAFF;
}

static void checked_in(struct app_state *s, const struct action *a)
{
    if (a->err != BORNE_OK || !a->checkin) {
        /* The store failed: nothing was recorded, and the visitor must not be welcomed. */
        forget_visitor(s);
        s->screen = SCREEN_FAULT;
        strncpy(s->fault, borne_err_str(a->err), sizeof s->fault - 1);
        return;
    }
    forget_visitor(s);
    s->selected = -1;
    s->verdict = *a->checkin;
    s->clock_unsure = a->arg != 0;
    s->screen = SCREEN_VERDICT;
    s->verdict_at_ms = s->now_ms;
    s->last_touch_ms = s->now_ms;
    switch (s->verdict.verdict) {
    case VERDICT_WELCOME:
        s->sound = SOUND_WELCOME;
        break;
    case VERDICT_ALREADY:
        s->sound = SOUND_ALREADY;
        break;
    case VERDICT_INVALID:
        s->sound = SOUND_INVALID;
        break;
    default:
        s->sound = SOUND_PROBLEM;
        break;
    }
}

/* Letters typed on the short code screen: the code's alphabet only, in capitals; dashes and
** spaces a person copies from the ticket are skipped. */
static void type_code(struct app_state *s, const char *text)
{
    static const char alphabet[] = "ACDEFHJKMNPQRTUVWXY3479";
    size_t len = strlen(s->code);
    s->notice = NOTICE_NONE;
    for (const char *p = text; *p; p++) {
        char c = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
        if (c == '-' || c == ' ')
            continue;
        if (!strchr(alphabet, c)) {
            s->notice = NOTICE_BAD_CHAR;
            continue;
        }
        if (len >= BORNE_SHORT_CODE_LEN) {
            s->notice = NOTICE_TOO_LONG;
            break;
        }
        s->code[len++] = c;
        s->code[len] = '\0';
    }
}

/* The day tab a new visitor finds: today, or when today has nothing left (the evening, a day
** the centre is closed), the first day that has sessions. */
static int default_day(const struct app_state *s)
{
    int one;
    for (int d = 0; d < APP_DAYS; d++)
        if (app_sessions_of_day(s, d, &one, 1) > 0)
            return d;
    return 0;
}

static void go_home(struct app_state *s)
{
    forget_visitor(s);
    forget_staff(s);
    s->screen = SCREEN_HOME;
    s->selected = -1;
    s->day = default_day(s);
    s->page = 0;
}

/* Whether the screen is anything but the plain start screen a new visitor should find. */
static bool away(const struct app_state *s)
{
    return s->screen != SCREEN_HOME || s->day != default_day(s) || s->page != 0 || s->large_text ||
           s->high_contrast || s->lang != s->default_lang;
}

/* Capitals come on by themselves at the start of a name and after a space or hyphen, as a
** phone keyboard does, so that "jean-pierre" is typed as "Jean-Pierre" without thinking. */
static void auto_shift(struct form *f)
{
    if (f->focus != FIELD_FIRST && f->focus != FIELD_LAST) {
        f->shift = false;
        return;
    }
    const char *v = f->value[f->focus];
    size_t len = strlen(v);
    f->shift = len == 0 || v[len - 1] == ' ' || v[len - 1] == '-';
}

static void type_text(struct app_state *s, const char *text)
{
    struct form *f = &s->form;
    char *v = f->value[f->focus];
    size_t len = strlen(v), tlen = strlen(text), i = 0;
    size_t chars = utf8_length(v);
    bool refused = false; /* in this very text: the message must stay for it */
    while (i < tlen) {
        uint32_t cp;
        size_t k = utf8_decode(text + i, tlen - i, &cp);
        if (k == 0 || !text_char_allowed(cp)) {
            s->notice = NOTICE_BAD_CHAR; /* refused, and said so; the rest is still typed */
            refused = true;
            i += k ? k : 1;
            continue;
        }
        if (chars >= field_max_chars[f->focus] || len + k >= sizeof f->value[0]) {
            s->notice = NOTICE_TOO_LONG;
            break;
        }
        memcpy(v + len, text + i, k);
        len += k;
        v[len] = '\0';
        chars++;
        i += k;
        if (!refused)
            s->notice = NOTICE_NONE; /* a good letter clears an earlier message */
    }
    auto_shift(f);
}

static enum notice verdict_notice(enum text_verdict v)
{
    switch (v) {
    case TEXT_OK:
        return NOTICE_NONE;
    case TEXT_EMPTY:
        return NOTICE_REQUIRED;
    case TEXT_TOO_LONG:
        return NOTICE_TOO_LONG;
    case TEXT_BAD_EMAIL:
        return NOTICE_BAD_EMAIL;
    case TEXT_BAD_PHONE:
        return NOTICE_BAD_PHONE;
    case TEXT_BAD_CHAR:
    case TEXT_BAD_UTF8:
        return NOTICE_BAD_CHAR;
    }
    return NOTICE_BAD_CHAR;
}

/* Check every field in order; on the first problem focus that field and say what is wrong. */
static bool check_form(struct app_state *s)
{
    struct form *f = &s->form;
    for (int i = 0; i < FIELD_COUNT; i++) {
        char norm[BORNE_EMAIL_MAX];
        text_normalize_spaces(f->value[i], norm, sizeof norm);
        memcpy(f->value[i], norm, sizeof norm);
        enum text_verdict v;
        if (i == FIELD_FIRST || i == FIELD_LAST)
            v = text_check_name(norm);
        else if (i == FIELD_EMAIL)
            v = text_check_email(norm);
        else
            v = text_check_phone(norm);
        if (v != TEXT_OK) {
            f->focus = (enum field)i;
            s->notice = verdict_notice(v);
            auto_shift(f);
            return false;
        }
    }
    return true;
}

static const struct session *selected(const struct app_state *s)
{
    if (s->selected < 0 || (size_t)s->selected >= s->n_sessions)
        return NULL;
    return &s->catalogue[s->selected];
}

/* The session a visitor was registering for is no longer open (full, started, cancelled):
** back to its page, which says why, with the form forgotten. */
static void left_behind(struct app_state *s)
{
    enum session_state st = session_state_at(selected(s), s->now);
    forget_visitor(s);
    s->screen = SCREEN_SESSION;
    s->notice = st == SESSION_FULL ? NOTICE_JUST_FULL : NOTICE_CLOSED;
}

/* After a reload the open session may sit at another index: find it again by id. */
static void load_catalogue(struct app_state *s, const struct session *sessions, size_t n)
{
    char keep[BORNE_ID_MAX] = "";
    const struct session *sel = selected(s);
    if (sel)
        memcpy(keep, sel->id, sizeof keep);
    if (n > APP_CATALOGUE_MAX)
        n = APP_CATALOGUE_MAX;
    if (n > 0)
        memcpy(s->catalogue, sessions, n * sizeof *sessions);
    s->n_sessions = n;
    s->selected = -1;
    for (size_t i = 0; keep[0] && i < n; i++)
        if (strcmp(s->catalogue[i].id, keep) == 0)
            s->selected = (int)i;
    if (keep[0] && s->selected < 0 && s->screen != SCREEN_DONE && s->screen != SCREEN_FAULT)
        go_home(s); /* the session vanished (cancelled): nothing left to show */

    if ((s->screen == SCREEN_FORM || s->screen == SCREEN_CONFIRM) && selected(s) &&
        session_state_at(selected(s), s->now) != SESSION_OPEN)
        left_behind(s);

    /* A day tab left empty (its last session ended) moves to the first day with sessions. */
    int one;
    if (app_sessions_of_day(s, s->day, &one, 1) == 0) {
        s->day = default_day(s);
        s->page = 0;
    }

    /* The next moment at which some session opens, closes or ends: reload then. */
    s->catalogue_valid_until = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t t[2] = {s->catalogue[i].starts_at + APP_LATE_GRACE_S, s->catalogue[i].ends_at};
        for (int k = 0; k < 2; k++)
            if (t[k] > s->now && (s->catalogue_valid_until == 0 || t[k] < s->catalogue_valid_until))
                s->catalogue_valid_until = t[k];
    }
}

static void registered(struct app_state *s, const struct action *a)
{
    switch (a->err) {
    case BORNE_OK:
    case BORNE_ERR_ALREADY_REGISTERED:
        s->done = *a->reg;
        s->done_existing = a->err == BORNE_ERR_ALREADY_REGISTERED;
        memset(&s->form, 0, sizeof s->form); /* the names live on only in `done` */
        s->screen = SCREEN_DONE;
        s->done_at_ms = s->now_ms;
        s->qr_side = 0;
        if (!s->done_existing && s->done.ticket_id[0]) {
            /* The print effect hands the job to the printer and answers with the QR, which
            ** asks for the catalogue again (seats left changed). */
            s->ticket = s->done.print_job_id ? TICKET_PRINTING : TICKET_ON_SCREEN;
            s->effect = EFFECT_PRINT;
        } else {
            s->ticket = TICKET_NONE; /* the desk gives an existing ticket back */
            s->effect = EFFECT_LOAD_CATALOGUE;
        }
        break;
    case BORNE_ERR_SESSION_FULL:
    case BORNE_ERR_SESSION_CLOSED:
    case BORNE_ERR_SESSION_RESERVED:
    case BORNE_ERR_NOT_FOUND:
        forget_visitor(s);
        s->screen = SCREEN_SESSION;
        s->notice = a->err == BORNE_ERR_SESSION_FULL       ? NOTICE_JUST_FULL
                    : a->err == BORNE_ERR_SESSION_RESERVED ? NOTICE_RESERVED
                                                           : NOTICE_CLOSED;
        s->effect = EFFECT_LOAD_CATALOGUE;
        break;
    default:
        /* Anything else is the store failing (disk full, damaged file): nothing was
        ** recorded, and the visitor must not be told otherwise. */
        forget_visitor(s);
        s->screen = SCREEN_FAULT;
        strncpy(s->fault, borne_err_str(a->err), sizeof s->fault - 1);
        break;
    }
}

static void back(struct app_state *s)
{
    s->notice = NOTICE_NONE;
    switch (s->screen) {
    case SCREEN_SESSION:
        forget_visitor(s); /* names typed and abandoned go now, not with the next visitor */
        s->screen = SCREEN_HOME;
        s->selected = -1;
        break;
    case SCREEN_FORM:
        s->screen = SCREEN_SESSION;
        break;
    case SCREEN_CONFIRM:
        s->screen = SCREEN_FORM;
        break;
    case SCREEN_DONE:
    case SCREEN_VERDICT:
    case SCREEN_CODE:
    case SCREEN_STAFF_PIN:
    case SCREEN_STAFF:
        go_home(s);
        break;
    case SCREEN_HOME:
    case SCREEN_FAULT:
        break;
    }
}

/* The PIN prompt, from the corner or the badge. Whoever was at the screen is forgotten: the
** prompt is staff's. A lock that has run out is lifted now, so the screen does not say it. */
static void open_pin(struct app_state *s)
{
    forget_visitor(s);
    forget_staff(s);
    s->selected = -1;
    s->screen = SCREEN_STAFF_PIN;
    s->last_touch_ms = s->now_ms;
    staff_lock_allows(&s->staff.lock, s->now_ms);
}

static bool pin_locked(const struct app_state *s)
{
    return s->staff.lock.locked_until_ms != 0 && s->now_ms < s->staff.lock.locked_until_ms;
}

static void pin_checked(struct app_state *s, bool right)
{
    struct staff_state *st = &s->staff;
    st->checking = false;
    memset(st->pin, 0, sizeof st->pin);
    if (!right) {
        /* Counted even when the prompt was closed meanwhile: closing it must not be a way
        ** around the lock. */
        if (staff_lock_wrong(&st->lock, s->now_ms))
            st->locked_until = s->now + STAFF_LOCK_MS / 1000;
        st->wrong = true;
        return;
    }
    staff_lock_right(&st->lock);
    if (s->screen != SCREEN_STAFF_PIN)
        return; /* the prompt was left: a right PIN opens nothing by itself */
    forget_staff(s);
    s->screen = SCREEN_STAFF;
    s->last_touch_ms = s->now_ms;
    if (s->effect == EFFECT_NONE)
        s->effect = EFFECT_STAFF_LOAD;
}

/* The sync worker's state, while the panel is open: after the button, note that a cycle ran,
** so that its end is shown as the button's result; and read the counts again when a cycle is
** over (what it sent and received changed them). */
static void sync_status(struct app_state *s, const struct sync_view *v)
{
    s->sync = *v;
    if (s->screen != SCREEN_STAFF)
        return;
    struct staff_state *st = &s->staff;
    if (st->sync_asked && (v->running || v->last_attempt_at != st->sync_asked_after))
        st->sync_ran = true;
    if (!v->running && s->effect == EFFECT_NONE)
        s->effect = EFFECT_STAFF_LOAD;
}

void app_reduce(struct app_state *s, const struct action *a)
{
    /* Out of order is final until staff restart the kiosk: no action may leave it, so that
    ** nobody registers on a store that fails. Time still passes. */
    if (s->screen == SCREEN_FAULT && a->kind != ACT_TICK)
        return;
    unsigned before = s->version;
    s->version++; /* most actions change the screen; ACT_TICK undoes this when not */
    switch (a->kind) {
    case ACT_TICK: {
        /* A new day: "today" is another date, the tabs move by one, the week to show changes. */
        bool new_day = app_day_start(a->now, 0) != app_day_start(s->now, 0);
        s->now = a->now;
        s->now_ms = a->now_ms;
        if (new_day) {
            s->day = default_day(s); /* the reload will look again */
            s->page = 0;
            if (s->effect == EFFECT_NONE)
                s->effect = EFFECT_LOAD_CATALOGUE;
            break; /* version already moved */
        }
        bool idle = s->now_ms - s->last_touch_ms >= screen_timeout_ms(s);
        if (s->staff.holding && s->screen == SCREEN_HOME &&
            s->now_ms - s->staff.hold_since_ms >= STAFF_HOLD_MS) {
            open_pin(s); /* still held: the prompt shows without waiting for the lift */
        } else if (s->screen == SCREEN_STAFF_PIN && !idle && s->staff.lock.locked_until_ms &&
                   !pin_locked(s)) {
            staff_lock_allows(&s->staff.lock, s->now_ms); /* the lock is over: keys again */
        } else if (idle && away(s) && s->screen != SCREEN_FAULT) {
            /* The visitor has left: the next one starts from the defaults, text size,
             ** contrast and language included (the language staff configured). */
            go_home(s);
            s->large_text = false;
            s->high_contrast = false;
            s->lang = s->default_lang;
        } else if (s->catalogue_valid_until && s->now >= s->catalogue_valid_until &&
                   s->effect == EFFECT_NONE) {
            s->effect = EFFECT_LOAD_CATALOGUE;
            s->catalogue_valid_until = 0;
            s->version = before; /* the reload's result will change the screen */
        } else {
            s->version = before;
        }
        break;
    }
    case ACT_TOUCH:
        s->last_touch_ms = a->now_ms;
        s->version = before;
        break;
    case ACT_HOME:
    case ACT_BACK:
        /* A double tap on "Confirmer" must not also tap "Terminer", which may stand where
        ** it was: the success screen (and its code) stays at least a moment. */
        if (s->screen == SCREEN_DONE && s->last_touch_ms - s->done_at_ms < APP_DONE_GUARD_MS) {
            s->version = before;
            break;
        }
        if (a->kind == ACT_HOME)
            go_home(s);
        else
            back(s);
        break;
    case ACT_SET_LANG:
        if (a->arg >= 0 && a->arg < LANG_COUNT)
            s->lang = (enum lang)a->arg;
        break;
    case ACT_TOGGLE_LARGE:
        s->large_text = !s->large_text;
        s->page = 0; /* fewer tiles fit a page */
        break;
    case ACT_TOGGLE_CONTRAST:
        s->high_contrast = !s->high_contrast;
        break;
    case ACT_SELECT_DAY:
        if (a->arg >= 0 && a->arg < APP_DAYS) {
            s->day = a->arg;
            s->page = 0;
        }
        break;
    case ACT_PAGE:
        if (s->screen == SCREEN_STAFF) {
            s->staff.page = s->staff.page + a->arg < 0 ? 0 : s->staff.page + a->arg;
            break;
        }
        s->page += a->arg;
        if (s->page < 0)
            s->page = 0;
        break;
    case ACT_OPEN_SESSION:
        if (a->arg >= 0 && (size_t)a->arg < s->n_sessions) {
            s->selected = a->arg;
            s->screen = SCREEN_SESSION;
            s->notice = NOTICE_NONE;
        }
        break;
    case ACT_START_FORM: {
        const struct session *ses = selected(s);
        if (!ses || session_state_at(ses, s->now) != SESSION_OPEN)
            break; /* the button is not shown then; a stale tap does nothing */
        forget_visitor(s);
        s->screen = SCREEN_FORM;
        s->form.focus = FIELD_FIRST;
        auto_shift(&s->form);
        break;
    }
    case ACT_FOCUS:
        if (s->screen == SCREEN_FORM && a->arg >= 0 && a->arg < FIELD_COUNT) {
            s->form.focus = (enum field)a->arg;
            s->form.accents = false;
            s->notice = NOTICE_NONE;
            auto_shift(&s->form);
        }
        break;
    case ACT_STAFF_HOLD:
        s->version = before; /* nothing on screen shows the corner: it must not draw visitors */
        if (a->arg > 0 && s->screen == SCREEN_HOME && s->staff.enabled) {
            s->staff.holding = true;
            s->staff.hold_since_ms = a->now_ms;
        } else if (a->arg <= 0 && s->staff.holding) {
            s->staff.holding = false; /* arg -1: the finger was lost (focus), not lifted */
            if (a->arg == 0 && s->screen == SCREEN_HOME &&
                a->now_ms - s->staff.hold_since_ms >= STAFF_HOLD_MS) {
                open_pin(s);
                s->version = before + 1;
            }
        }
        break;
    case ACT_PIN_DIGIT: {
        struct staff_state *st = &s->staff;
        size_t len = strlen(st->pin);
        if (s->screen != SCREEN_STAFF_PIN || st->checking || pin_locked(s) || a->arg < 0 ||
            a->arg > 9 || len >= STAFF_PIN_MAX) {
            s->version = before;
            break;
        }
        st->pin[len] = (char)('0' + a->arg);
        st->pin[len + 1] = '\0';
        st->wrong = false;
        break;
    }
    case ACT_PIN_SUBMIT:
        /* Refused without a check while locked, and while a check runs: one at a time. */
        if (s->screen != SCREEN_STAFF_PIN || s->staff.checking || s->effect != EFFECT_NONE ||
            !staff_lock_allows(&s->staff.lock, s->now_ms) || !staff_pin_valid(s->staff.pin))
            break;
        s->staff.checking = true;
        s->staff.wrong = false;
        s->effect = EFFECT_STAFF_VERIFY;
        break;
    case ACT_PIN_CHECKED:
        if (!s->staff.checking) {
            s->version = before; /* no check was asked for: a stray answer */
            break;
        }
        if (a->err != BORNE_OK) {
            /* The check could not run (see the log): no try is counted, the PIN is typed
            ** again. */
            s->staff.checking = false;
            memset(s->staff.pin, 0, sizeof s->staff.pin);
            break;
        }
        pin_checked(s, a->arg != 0);
        break;
    case ACT_STAFF_DATA:
        if (s->screen != SCREEN_STAFF || !a->staff) {
            s->version = before;
            break;
        }
        s->staff.data = *a->staff;
        s->staff.loaded = true;
        break;
    case ACT_STAFF_TAB:
        if (s->screen == SCREEN_STAFF && a->arg >= 0 && a->arg < STAFF_TAB_COUNT) {
            s->staff.tab = (enum staff_tab)a->arg;
            s->staff.page = 0;
        }
        break;
    case ACT_SYNC_NOW:
        /* Not enrolled: there is nobody to sync with, and the panel says so beside the button. */
        if (s->screen != SCREEN_STAFF || !s->sync.enrolled || s->sync.running ||
            s->effect != EFFECT_NONE)
            break;
        s->effect = EFFECT_SYNC_NOW;
        s->staff.sync_asked = true;
        s->staff.sync_ran = false;
        s->staff.sync_asked_after = s->sync.last_attempt_at;
        break;
    case ACT_TEXT:
        if (s->screen == SCREEN_CODE && a->text)
            type_code(s, a->text);
        if (s->screen == SCREEN_FORM && a->text) {
            type_text(s, a->text);
            s->form.accents = false; /* one accented letter, then back, as on a phone */
        }
        break;
    case ACT_BACKSPACE:
        if (s->screen == SCREEN_CODE && s->code[0]) {
            s->code[strlen(s->code) - 1] = '\0';
            s->notice = NOTICE_NONE;
        }
        if (s->screen == SCREEN_STAFF_PIN && !s->staff.checking && s->staff.pin[0])
            s->staff.pin[strlen(s->staff.pin) - 1] = '\0';
        if (s->screen == SCREEN_FORM) {
            char *v = s->form.value[s->form.focus];
            v[utf8_prev(v, strlen(v))] = '\0';
            s->notice = NOTICE_NONE;
            auto_shift(&s->form);
        }
        break;
    case ACT_SHIFT:
        s->form.shift = !s->form.shift;
        break;
    case ACT_ACCENTS:
        s->form.accents = !s->form.accents;
        break;
    case ACT_SUBMIT_FORM:
        if (s->screen == SCREEN_FORM && check_form(s)) {
            s->screen = SCREEN_CONFIRM;
            s->notice = NOTICE_NONE;
        }
        break;
    case ACT_CONFIRM:
        if (s->screen != SCREEN_CONFIRM || !selected(s) || s->effect != EFFECT_NONE ||
            s->registering)
            break;
        if (session_state_at(selected(s), s->now) != SESSION_OPEN) {
            left_behind(s); /* the late-registration window closed while they typed */
            break;
        }
        s->effect = EFFECT_REGISTER;
        s->registering = true; /* the answer may take a moment (a seat asked of the server) */
        break;
    case ACT_REGISTERED:
        s->registering = false;
        registered(s, a);
        break;
    case ACT_SYNC_STATUS:
        if (a->sync)
            sync_status(s, a->sync);
        break;
    case ACT_CATALOGUE:
        load_catalogue(s, a->sessions, a->n);
        break;
    case ACT_FAULT:
        forget_visitor(s);
        s->screen = SCREEN_FAULT;
        strncpy(s->fault, a->text ? a->text : "", sizeof s->fault - 1);
        break;
    case ACT_SCAN:
        if (!takes_scans(s) || !a->text || s->effect != EFFECT_NONE) {
            s->version = before;
            break;
        }
        /* The staff badge opens the PIN prompt, never the panel: a lost badge alone is not
        ** enough. Without a PIN configured, it is a scan like any other ("not valid"). */
        if (s->staff.enabled && staff_badge_matches(s->staff.badge, a->text)) {
            open_pin(s);
            break;
        }
        s->last_touch_ms = s->now_ms; /* someone is at the kiosk */
        /* A scan too long to be a ticket is checked as an empty one: "not valid". Keeping a
        ** cut part could turn a forged long scan into a valid-looking prefix. */
        if (strlen(a->text) < sizeof s->scan)
            memcpy(s->scan, a->text, strlen(a->text) + 1);
        else
            s->scan[0] = '\0';
        s->effect = EFFECT_CHECKIN;
        s->version = before; /* the verdict changes the screen */
        break;
    case ACT_CHECKED_IN:
        checked_in(s, a);
        break;
    case ACT_OPEN_CODE:
        if (!takes_scans(s))
            break;
        forget_visitor(s);
        s->selected = -1;
        s->screen = SCREEN_CODE;
        break;
    case ACT_SUBMIT_CODE:
        if (s->screen != SCREEN_CODE || s->effect != EFFECT_NONE)
            break;
        if (strlen(s->code) != BORNE_SHORT_CODE_LEN) {
            s->notice = NOTICE_BAD_CODE;
            break;
        }
        s->effect = EFFECT_CHECKIN_CODE; /* the loop checks the check character */
        break;
    case ACT_CODE_REFUSED:
        if (s->screen == SCREEN_CODE)
            s->notice = NOTICE_BAD_CODE;
        break;
    case ACT_TICKET_QR:
        if (s->screen == SCREEN_DONE && a->qr && a->arg > 0 && a->arg <= APP_QR_SIDE_MAX) {
            memcpy(s->qr, a->qr, (size_t)a->arg * (size_t)a->arg);
            s->qr_side = a->arg;
        }
        if (s->effect == EFFECT_NONE)
            s->effect = EFFECT_LOAD_CATALOGUE; /* seats left changed */
        break;
    case ACT_PRINTED:
        if (s->screen == SCREEN_DONE && s->ticket == TICKET_PRINTING && a->id != 0 &&
            a->id == s->done.print_job_id) {
            s->ticket = a->err == BORNE_OK ? TICKET_PRINTED : TICKET_FAILED;
            /* A ticket that failed turns the screen into one to photograph: its time to read
            ** starts now. A printed one changes a line only, and keeps the usual time. */
            if (a->err != BORNE_OK)
                s->last_touch_ms = s->now_ms;
        } else {
            s->version = before;
        }
        break;
    case ACT_PRINTER:
        if (a->arg >= PRINTER_HEALTH_NONE && a->arg <= PRINTER_HEALTH_ERROR &&
            (enum printer_health)a->arg != s->printer)
            s->printer = (enum printer_health)a->arg;
        else
            s->version = before;
        break;
    }
}

int64_t app_next_deadline_ms(const struct app_state *s)
{
    int64_t due = -1;
    if (away(s) && s->screen != SCREEN_FAULT)
        due = s->last_touch_ms + screen_timeout_ms(s);
    /* The corner held long enough, and a lock running out: the screen changes then. */
    int64_t staff[2] = {s->staff.holding ? s->staff.hold_since_ms + STAFF_HOLD_MS : -1,
                        s->screen == SCREEN_STAFF_PIN && s->staff.lock.locked_until_ms
                            ? s->staff.lock.locked_until_ms
                            : -1};
    for (int i = 0; i < 2; i++)
        if (staff[i] >= 0 && (due < 0 || staff[i] < due))
            due = staff[i];
    /* The next session transition, or midnight, whichever comes first. */
    int64_t wall = app_day_start(s->now, 1);
    if (s->catalogue_valid_until > s->now && s->catalogue_valid_until < wall)
        wall = s->catalogue_valid_until;
    int64_t at = s->now_ms + (wall - s->now) * 1000;
    if (due < 0 || at < due)
        due = at;
    return due;
}
