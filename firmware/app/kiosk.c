/* The main loop, input translation and effects. See kiosk.h. */
#include "app/kiosk_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock/clock.h"
#include "core/text.h"
#include "demo/demo.h"
#include "platform/platform.h"
#include "ticket/ids.h"

void kiosk_options_default(struct kiosk_options *o)
{
    memset(o, 0, sizeof *o);
    o->db_path = "borne.db";
    o->fullscreen = true;
    o->win_w = 1280;
    o->win_h = 800;
    o->lang = LANG_FR;
    o->idle_timeout_s = 60;
    o->purge_days = 30;
    o->centre = "Atelier Numérique";
    o->paper_mm = 80;
    o->codepage = "cp858";
    o->scanner_baud = 9600;
    o->scanner_keyboard = true;
    o->checkin_opens_before_min = CHECKIN_OPENS_BEFORE_DEFAULT_S / 60;
    o->checkin_closes_after_min = CHECKIN_CLOSES_AFTER_DEFAULT_S / 60;
}

int64_t kiosk_mono_ms(const struct kiosk *k)
{
    return k->virtual_clock ? k->virt_ms : clock_mono_ms();
}

/* When an input event happened. On a kiosk, SDL's stamp: events may wait in the queue while
** the loop is busy, and a burst of keys must not look faster than it was typed. Under a replay,
** the replay's clock: the script's events happen when the script says, whatever the machine's
** load, so that a replay gives the same result every time. */
static int64_t event_ms(const struct kiosk *k, const SDL_Event *e)
{
    return k->virtual_clock ? k->virt_ms : platform_event_ms(e->common.timestamp);
}

/* The wall clock. A kiosk reads the system's at every tick, so that a clock set by NTP after
** start (a Pi has no battery clock) is seen within the minute; --now and replays run a clock
** of their own from a fixed start. */
static int64_t wall_now(const struct kiosk *k)
{
    if (!k->virtual_clock && !k->opt.fixed_now)
        return clock_wall_s();
    return k->wall_at_start + (kiosk_mono_ms(k) - k->mono_at_start) / 1000;
}

/* A Pi has no battery clock: until NTP sets it, the wall clock may be days off. Replays and
** --now run a clock of their own, which is always right. */
bool kiosk_clock_unsure(const struct kiosk *k)
{
    return !k->opt.fixed_now && !k->virtual_clock && !clock_wall_synced();
}

/* --- effects: the only place where the state's wishes meet the store --------------------- */

/* What the form promises: personal data goes purge_days after the session. Run whenever the
** catalogue is read again, that is at start and each time a session ends. */
static void purge(struct kiosk *k)
{
    int n = 0;
    /* A clock not set yet may be days ahead: erasing on its word could erase too early. */
    if (kiosk_clock_unsure(k)) {
        fprintf(stderr, "borne: the clock is not synchronised: old personal data not purged yet\n");
        return;
    }
    int64_t before = k->state->now - (int64_t)k->state->purge_days * 86400;
    enum borne_err err = store_purge_personal(k->st, before, k->state->now, &n);
    if (err != BORNE_OK)
        fprintf(stderr, "borne: purging old personal data failed: %s (%s)\n", borne_err_str(err),
                store_errmsg(k->st));
    else if (n > 0)
        fprintf(stderr, "borne: personal data of %d registrations purged (sessions over %d days)\n",
                n, k->state->purge_days);
}

static void load_catalogue(struct kiosk *k)
{
    int64_t now = k->state->now;
    size_t n = 0;
    purge(k);
    enum borne_err err = store_sessions_between(k->st, now, app_day_start(now, APP_DAYS),
                                                k->load_buf, APP_CATALOGUE_MAX, &n);
    if (err != BORNE_OK) {
        fprintf(stderr, "borne: reading the catalogue failed: %s (%s)\n", borne_err_str(err),
                store_errmsg(k->st));
        kiosk_dispatch(k, (struct action){.kind = ACT_FAULT, .text = borne_err_str(err)});
        return;
    }
    kiosk_dispatch(k, (struct action){.kind = ACT_CATALOGUE, .sessions = k->load_buf, .n = n});
}

static void registered(struct kiosk *k, const struct registration_request *req, enum borne_err err,
                       const struct registration *reg)
{
    /* The log names the record, never the person (privacy by default). */
    if (err == BORNE_OK)
        fprintf(stderr, "borne: registration %s for session %s stored (seq %lld%s)\n", reg->id,
                reg->session_id, (long long)reg->device_seq,
                reg->status == REGISTRATION_WAITLIST ? ", waiting list" : "");
    else
        fprintf(stderr, "borne: registration for session %s not stored: %s (%s)\n", req->session_id,
                borne_err_str(err), k->st ? store_errmsg(k->st) : "");
    kiosk_dispatch(
        k, (struct action){.kind = ACT_REGISTERED,
                           .err = err,
                           .reg = (err == BORNE_OK || err == BORNE_ERR_ALREADY_REGISTERED) ? reg
                                                                                           : NULL});
}

void kiosk_register_now(struct kiosk *k, struct registration_request *req)
{
    struct registration reg;
    enum borne_err err = BORNE_ERR_INTERNAL;
    memset(&reg, 0, sizeof reg);
    /* A short code that collides with an existing one (1 in 10^10) is simply made again; a
    ** database held by the sync worker past the busy timeout (a long pull on a slow card) is
    ** worth two more tries before the out-of-order screen, as at the door. */
    for (int attempt = 0; attempt < 3; attempt++) {
        if ((err = ticket_random_id(req->registration_id)) != BORNE_OK ||
            (err = ticket_random_id(req->event_id)) != BORNE_OK ||
            (err = ticket_short_code_new(req->short_code)) != BORNE_OK ||
            (err = kiosk_ticket_prepare(k, req)) != BORNE_OK)
            break;
        err = store_register(k->st, req, &reg);
        if (err != BORNE_ERR_INVALID && err != BORNE_ERR_BUSY)
            break;
    }
    registered(k, req, err, &reg);
}

static void register_visitor(struct kiosk *k)
{
    const struct app_state *s = k->state;
    struct registration_request req;
    memset(&req, 0, sizeof req);
    if (s->selected < 0) {
        registered(k, &req, BORNE_ERR_INTERNAL, NULL);
        return;
    }
    memcpy(req.session_id, s->catalogue[s->selected].id, sizeof req.session_id);
    memcpy(req.first_name, s->form.value[FIELD_FIRST], sizeof req.first_name);
    memcpy(req.last_name, s->form.value[FIELD_LAST], sizeof req.last_name);
    memcpy(req.email, s->form.value[FIELD_EMAIL], sizeof req.email);
    memcpy(req.phone, s->form.value[FIELD_PHONE], sizeof req.phone);
    req.now = s->now;
    /* An enrolled kiosk asks the server for the seat first; the answer records it. */
    if (!kiosk_sync_register(k, &req))
        kiosk_register_now(k, &req);
}

void kiosk_dispatch(struct kiosk *k, struct action a)
{
    app_reduce(k->state, &a);
    if (k->state->sound != SOUND_NONE) {
        sound_play(k->sound, k->state->sound);
        k->last_sound = k->state->sound;
        k->state->sound = SOUND_NONE;
    }
    /* Effects are run one at a time; each result is itself an action, which may ask for the
    ** next (a registration asks for the catalogue to be read again, for the seats). */
    while (k->state->effect != EFFECT_NONE) {
        enum effect e = k->state->effect;
        k->state->effect = EFFECT_NONE;
        if (!k->st) {
            kiosk_dispatch(k, (struct action){.kind = ACT_FAULT, .text = "no database"});
            continue;
        }
        if (e == EFFECT_LOAD_CATALOGUE)
            load_catalogue(k);
        else if (e == EFFECT_REGISTER)
            register_visitor(k);
        else if (e == EFFECT_CHECKIN || e == EFFECT_CHECKIN_CODE)
            kiosk_checkin(k, e == EFFECT_CHECKIN_CODE);
        else if (e == EFFECT_PRINT)
            kiosk_print(k);
        else if (e == EFFECT_STAFF_VERIFY)
            kiosk_staff_verify(k);
        else if (e == EFFECT_STAFF_LOAD)
            kiosk_staff_load(k);
        else if (e == EFFECT_SYNC_NOW)
            kiosk_sync_now(k);
    }
}

/* --- drawing ------------------------------------------------------------------------------ */

static void frame(struct kiosk *k)
{
    int w, h;
    SDL_GetRendererOutputSize(k->sdl, &w, &h);
    k->ui.w = w;
    k->ui.h = h;
    ui_frame(&k->ui, k->state);
}

void kiosk_draw(struct kiosk *k)
{
    frame(k);
    render_draw(k->rd, k->dl);
    k->frames++;
    k->drawn_version = k->state->version;
    k->need_draw = false;
    if (k->frames == 1 && k->opt.bench_first_frame)
        printf("first frame: %.1f ms after process start\n", clock_ms_since_process_start());
}

/* --- input -------------------------------------------------------------------------------- */

static void press(struct kiosk *k, int x, int y, int64_t now_ms)
{
    k->burst.seen = false; /* a touch between two keys: they are not one burst */
    k->ui.pressing = true;
    k->ui.px = x;
    k->ui.py = y;
    frame(k); /* finds the widget under the finger: it is drawn pressed */
    k->ui.pressing = false;
    k->need_draw = true;
    /* The staff corner: no widget, nothing drawn; the reducer times the hold. */
    if (k->state->screen == SCREEN_HOME && x < STAFF_CORNER_PX && y < STAFF_CORNER_PX) {
        k->corner_held = true;
        kiosk_dispatch(k, (struct action){.kind = ACT_STAFF_HOLD, .arg = 1, .now_ms = now_ms});
    }
}

/* The finger on the staff corner is lifted (arg 0) or lost (-1), at now_ms. */
static void corner_up(struct kiosk *k, int arg, int64_t now_ms)
{
    if (!k->corner_held)
        return;
    k->corner_held = false;
    kiosk_dispatch(k, (struct action){.kind = ACT_STAFF_HOLD, .arg = arg, .now_ms = now_ms});
}

static void release(struct kiosk *k, int x, int y, int64_t now_ms)
{
    corner_up(k, 0, now_ms);
    k->ui.releasing = true;
    k->ui.px = x;
    k->ui.py = y;
    frame(k);
    k->ui.releasing = false;
    /* Copy: dispatching may run effects, and the list belongs to this frame. */
    struct action acts[UI_ACTIONS_MAX];
    size_t n = k->ui.n_actions;
    memcpy(acts, k->ui.actions, n * sizeof acts[0]);
    for (size_t i = 0; i < n; i++)
        kiosk_dispatch(k, acts[i]);
    k->need_draw = true;
}

#define BURST_GAP_MS 35 /* keys closer than this come from a machine: people need 80 ms or more */
#define BURST_MIN 12    /* and this many in a row: a rollover of two keys is not a scan */

/* Characters in the focused text field. */
static size_t field_chars(const struct app_state *s)
{
    return s->screen == SCREEN_CODE ? strlen(s->code) : utf8_length(s->form.value[s->form.focus]);
}

/* A key down at now_ms (the event's time) while a text field has the focus: watch for a
** scanner's burst. On its Enter, the characters the burst typed are erased again and the Enter
** goes no further (returns true): a ticket is not a name, and a scan must not submit the form. */
static bool burst_swallows(struct kiosk *k, const SDL_KeyboardEvent *key, int64_t now_ms)
{
    if (key->repeat)
        return false;
    bool enter = key->keysym.sym == SDLK_RETURN || key->keysym.sym == SDLK_KP_ENTER;
    /* The first key of all has no predecessor: it starts a run, it is not part of one. */
    bool fast = k->burst.seen && now_ms - k->burst.last_ms < BURST_GAP_MS;
    k->burst.last_ms = now_ms;
    k->burst.seen = true;
    if (!fast) {
        k->burst.fast = 0;
        k->burst.start_len = field_chars(k->state); /* before this key's text arrives */
        return false;
    }
    k->burst.fast++;
    if (!enter || k->burst.fast < BURST_MIN)
        return false;
    size_t now = field_chars(k->state);
    for (size_t n = now > k->burst.start_len ? now - k->burst.start_len : 0; n > 0; n--)
        kiosk_dispatch(k, (struct action){.kind = ACT_BACKSPACE});
    fprintf(stderr, "borne: a scan (%d keys) while a text field had the focus: ignored\n",
            k->burst.fast + 1);
    k->burst.fast = 0;
    k->burst.seen = false; /* the next key starts a run of its own */
    return true;
}

static void handle_event(struct kiosk *k, const SDL_Event *e)
{
    int64_t now_ms = event_ms(k, e);
    int w, h;
    SDL_GetRendererOutputSize(k->sdl, &w, &h);
    switch (e->type) {
    case SDL_QUIT:
        k->quit = true;
        return;
    case SDL_WINDOWEVENT:
        if (e->window.event == SDL_WINDOWEVENT_EXPOSED ||
            e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED)
            k->need_draw = true;
        if (e->window.event == SDL_WINDOWEVENT_FOCUS_LOST) {
            corner_up(k, -1, now_ms);
            k->touching = false; /* no release will come */
            k->ui.pressed_id[0] = '\0';
            k->need_draw = true;
        }
        return;
    case SDL_FINGERDOWN:
        /* A second finger, or a palm: only the first one counts. But if that first finger is
        ** gone without a release (a controller reset, an unplug), the screen must not stay
        ** deaf: then this is a new touch. */
        if (k->touching && k->finger != -1 && SDL_GetNumTouchFingers(e->tfinger.touchId) > 1)
            return;
        k->touching = true;
        k->finger = e->tfinger.fingerId;
        kiosk_dispatch(k, (struct action){.kind = ACT_TOUCH, .now_ms = now_ms});
        press(k, (int)(e->tfinger.x * w), (int)(e->tfinger.y * h), now_ms);
        return;
    case SDL_FINGERUP:
        if (!k->touching || e->tfinger.fingerId != k->finger)
            return;
        k->touching = false;
        release(k, (int)(e->tfinger.x * w), (int)(e->tfinger.y * h), now_ms);
        return;
    case SDL_MOUSEBUTTONDOWN:
        /* A press while a mouse press is pending means its release was lost: start afresh. */
        if (e->button.which == SDL_TOUCH_MOUSEID || e->button.button != SDL_BUTTON_LEFT ||
            (k->touching && k->finger != -1))
            return;
        k->touching = true;
        k->finger = -1;
        kiosk_dispatch(k, (struct action){.kind = ACT_TOUCH, .now_ms = now_ms});
        press(k, e->button.x, e->button.y, now_ms);
        return;
    case SDL_MOUSEBUTTONUP:
        if (e->button.which == SDL_TOUCH_MOUSEID || e->button.button != SDL_BUTTON_LEFT ||
            !k->touching || k->finger != -1)
            return;
        k->touching = false;
        release(k, e->button.x, e->button.y, now_ms);
        return;
    case SDL_TEXTINPUT:
        /* A physical keyboard (a desktop, staff's USB keyboard) types into the form. */
        kiosk_dispatch(k, (struct action){.kind = ACT_TOUCH, .now_ms = now_ms});
        if (k->state->screen == SCREEN_FORM || k->state->screen == SCREEN_CODE)
            kiosk_dispatch(k, (struct action){.kind = ACT_TEXT, .text = e->text.text});
        return;
    case SDL_KEYDOWN:
        kiosk_dispatch(k, (struct action){.kind = ACT_TOUCH, .now_ms = now_ms});
        /* Outside text fields, keys are a scanner seen as a keyboard (or nothing). */
        if (k->state->screen != SCREEN_FORM && k->state->screen != SCREEN_CODE) {
            kiosk_scan_key(k, &e->key, now_ms);
            if (e->key.keysym.sym == SDLK_ESCAPE)
                kiosk_dispatch(k, (struct action){.kind = ACT_BACK});
            return;
        }
        if (burst_swallows(k, &e->key, now_ms))
            return;
        switch (e->key.keysym.sym) {
        case SDLK_BACKSPACE:
            kiosk_dispatch(k, (struct action){.kind = ACT_BACKSPACE});
            break;
        case SDLK_RETURN:
        case SDLK_KP_ENTER:
            kiosk_dispatch(k, (struct action){.kind = k->state->screen == SCREEN_FORM
                                                          ? ACT_SUBMIT_FORM
                                                          : ACT_SUBMIT_CODE});
            break;
        case SDLK_TAB:
            if (k->state->screen == SCREEN_FORM)
                kiosk_dispatch(k, (struct action){.kind = ACT_FOCUS,
                                                  .arg = (k->state->form.focus + 1) % FIELD_COUNT});
            break;
        case SDLK_ESCAPE:
            kiosk_dispatch(k, (struct action){.kind = ACT_BACK});
            break;
        default:
            break;
        }
        return;
    default:
        if (k->ev_sync && e->type == k->ev_sync)
            kiosk_sync_event(k, e);
        else if (k->ev_worker && e->type == k->ev_worker)
            kiosk_worker_event(k, e);
        else if (k->ev_staff && e->type == k->ev_staff)
            kiosk_staff_event(k, e);
        return;
    }
}

#define PRINTER_POLL_MS 60000 /* staff see a printer going off within a minute */

static void tick(struct kiosk *k)
{
    int64_t now_ms = kiosk_mono_ms(k);
    kiosk_dispatch(k, (struct action){.kind = ACT_TICK, .now = wall_now(k), .now_ms = now_ms});
    sound_idle(k->sound);
    if (k->pw && now_ms - k->last_poll_ms >= PRINTER_POLL_MS) {
        k->last_poll_ms = now_ms;
        printer_worker_poll(k->pw);
    }
}

void kiosk_pump(struct kiosk *k, int wait_ms)
{
    SDL_Event e;
    if (wait_ms > 0) {
        int64_t due = app_next_deadline_ms(k->state);
        if (due >= 0) {
            int64_t until = due - kiosk_mono_ms(k);
            if (until < wait_ms)
                wait_ms = until < 1 ? 1 : (int)until;
        }
        if (SDL_WaitEventTimeout(&e, wait_ms)) {
            tick(k);
            handle_event(k, &e);
        }
    }
    tick(k);
    while (!k->quit && SDL_PollEvent(&e))
        handle_event(k, &e);
    if (k->need_draw || k->drawn_version != k->state->version)
        kiosk_draw(k);
}

/* --- set-up ------------------------------------------------------------------------------- */

static void open_store(struct kiosk *k)
{
    char why[256] = "";
    enum borne_err err = store_open(k->opt.db_path, &k->st, why, sizeof why);
    if (err != BORNE_OK) {
        fprintf(stderr, "borne: database %s cannot be used: %s (%s)\n", k->opt.db_path,
                borne_err_str(err), why);
        char reason[160];
        snprintf(reason, sizeof reason, "database: %s", borne_err_str(err));
        kiosk_dispatch(k, (struct action){.kind = ACT_FAULT, .text = reason});
        return;
    }
    if (k->opt.demo) {
        char path[600];
        size_t n = 0;
        snprintf(path, sizeof path, "%s/demo/catalogue.ini", k->opt.assets_dir);
        err = demo_fill(k->st, path, k->state->now, k->opt.demo_large, &n, why, sizeof why);
        if (err != BORNE_OK)
            fprintf(stderr, "borne: demo catalogue not loaded: %s (%s)\n", borne_err_str(err), why);
        else if (n > 0)
            fprintf(stderr, "borne: demo catalogue: %zu sessions\n", n);
    }
}

/* assets/i18n/<lang>.ini for every language into k->tr; false (and a log line) on failure. */
static bool load_translations(struct kiosk *k)
{
    static const char *const langs[LANG_COUNT] = {"fr", "en"};
    char dir[600], why[512] = "";
    snprintf(dir, sizeof dir, "%s/i18n", k->opt.assets_dir);
    if (i18n_load(k->tr, dir, langs, LANG_COUNT, why, sizeof why) != BORNE_OK) {
        fprintf(stderr, "borne: translations: %s\n", why);
        return false;
    }
    return true;
}

/* borne reprint CODE: no window, the store, the translations and the printer only. */
static int reprint(struct kiosk *k)
{
    char why[512] = "";
    if (!load_translations(k))
        return 1;
    enum borne_err err = store_open(k->opt.db_path, &k->st, why, sizeof why);
    if (err != BORNE_OK) {
        fprintf(stderr, "borne: database %s: %s (%s)\n", k->opt.db_path, borne_err_str(err), why);
        return 1;
    }
    k->ui.tr = k->tr;
    const char *uri = k->opt.printer_uri;
    if (uri && strcmp(uri, "none") != 0 &&
        printer_uri_parse(uri, &k->printer, why, sizeof why) != BORNE_OK) {
        fprintf(stderr, "borne: printer %s: %s\n", uri, why);
        return 2;
    }
    return kiosk_reprint(k, k->opt.reprint_code);
}

int kiosk_run(const struct kiosk_options *opts)
{
    int rc = 1;
    char why[512] = "";
    struct kiosk *k = calloc(1, sizeof *k);
    if (!k)
        return 1;
    if (opts->command) {
        free(k);
        if (strcmp(opts->command, "sync") == 0)
            return kiosk_sync_command(opts);
        return kiosk_enrol_command(opts, opts->enrol_url, opts->enrol_code, opts->enrol_label);
    }
    if (opts->reprint_code) {
        k->opt = *opts;
        k->tr = calloc(1, sizeof *k->tr);
        rc = k->tr ? reprint(k) : 1;
        store_close(k->st);
        free(k->tr);
        free(k);
        return rc;
    }
    k->opt = *opts;
    k->state = calloc(1, sizeof *k->state);
    k->load_buf = calloc(APP_CATALOGUE_MAX, sizeof *k->load_buf);
    k->tr = calloc(1, sizeof *k->tr);
    k->dl = calloc(1, sizeof *k->dl);
    if (!k->state || !k->load_buf || !k->tr || !k->dl)
        goto out;

    k->virtual_clock = opts->replay_path != NULL;
    k->mono_at_start = kiosk_mono_ms(k);
    k->wall_at_start = opts->fixed_now ? opts->fixed_now : clock_wall_s();

    if (!load_translations(k))
        goto out;
    struct window_options wo = {opts->fullscreen, opts->win_w, opts->win_h, opts->renderer};
    if (platform_window_open(&wo, &k->win, &k->sdl, why, sizeof why) != BORNE_OK) {
        fprintf(stderr, "borne: %s\n", why);
        goto out;
    }
    if (render_create(k->sdl, opts->fonts_dir, &k->rd, why, sizeof why) != BORNE_OK) {
        fprintf(stderr, "borne: %s\n", why);
        goto out;
    }
    k->ui.dl = k->dl;
    k->ui.tr = k->tr;
    k->ui.metrics = render_metrics(k->rd);

    app_init(k->state, wall_now(k), kiosk_mono_ms(k));
    k->state->lang = opts->lang;
    k->state->default_lang = opts->lang;
    k->state->idle_timeout_ms = opts->idle_timeout_s * 1000;
    k->state->purge_days = opts->purge_days;
    k->state->effect = EFFECT_NONE; /* the store is not open yet */
    kiosk_staff_open(k);
    open_store(k);
    kiosk_tickets_open(k);
    kiosk_sync_open(k);
    k->last_poll_ms = kiosk_mono_ms(k);
    if (k->st) {
        k->state->effect = EFFECT_LOAD_CATALOGUE;
        tick(k); /* runs the load */
    }
    kiosk_draw(k);

    if (opts->replay_path) {
        rc = kiosk_replay(k);
        goto out;
    }
    if (opts->bench_first_frame) {
        rc = 0;
        goto out;
    }
    int64_t started = clock_mono_ms();
    while (!k->quit) {
        /* Nothing due: sleep until an event (SIGTERM arrives as SDL_QUIT and wakes us), or a
         ** minute, to notice the wall clock being set. A wake-up that changes nothing draws
         ** nothing. */
        int wait_ms = 60 * 1000;
        if (opts->exit_after_ms) {
            int64_t left = opts->exit_after_ms - (clock_mono_ms() - started);
            if (left <= 0)
                break;
            wait_ms = (int)left;
        }
        kiosk_pump(k, wait_ms);
    }
    rc = 0;
out:
    if (k->frames)
        fprintf(stderr, "borne: %lu frames rendered\n", k->frames);
    kiosk_sync_close(k);
    kiosk_staff_close(k);
    kiosk_tickets_close(k);
    render_destroy(k->rd);
    if (k->win)
        platform_window_close(k->win, k->sdl);
    store_close(k->st);
    free(k->dl);
    free(k->tr);
    free(k->load_buf);
    free(k->state);
    free(k);
    return rc;
}
