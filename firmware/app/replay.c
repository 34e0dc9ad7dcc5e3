/* Replay scripts: the real kiosk, driven by a text file, for tests and documentation.
**
** Each line is one command; '#' starts a comment. Input is pushed as SDL events and handled
** by the same loop as on a kiosk, so a replay goes through touch handling, hit testing, the
** reducer, the store and the renderer. Time is virtual: it moves only on "wait".
**
**   tap X Y               a finger down and up at pixel (X, Y)
**   click X Y             the same with the mouse
**   press ID              a tap on the centre of widget ID (see ui_find_widget)
**   press-touch-mouse ID  the same tap, delivered both as a finger and as the mouse click a
**                         driver may synthesise from it: it must count once
**   click-on ID           a mouse click on the centre of widget ID
**   clear-field           Backspace until the focused field is empty
**   seek ID               turn pages ("page:next") until widget ID is on screen
**   bench-taps N ID1 ID2  tap ID1 and ID2 in turn N times; print tap-to-frame latencies
**                         (benchmarks: figures, never a pass/fail)
**   keys TEXT             TEXT typed on the on-screen keyboard, key by key
**   type TEXT             TEXT from a physical keyboard (SDL text input events)
**   type-repeat N TEXT    TEXT typed N times
**   key NAME              one key press by SDL key name (Return, Backspace, Escape, Tab)
**   scan PAYLOAD          a keyboard-mode scanner seen by SDL as a keyboard: key presses by
**                         position (US layout, Shift for capitals), then Return, all at
**                         the same instant of the replay's clock
**   scan-gap MS PAYLOAD   the same keys MS milliseconds apart (over 35 ms: a person typing)
**   scan-device PAYLOAD   a scan from a scanner device (evdev, serial), as its reader thread
**                         hands it over
**   scan-file PATH [alter N]   scan-device with the first line of PATH (e.g. what zbarimg
**                         read off a printed ticket); "alter N" changes its Nth character
**   save NAME             remember the ticket of the registration on screen
**   scan-saved NAME [alter N]  scan-device the remembered ticket's payload
**   code-saved NAME       type the remembered ticket's short code on the code screen's keys
**   keys-code CODE        type CODE on the code screen's keys
**   cancel-saved NAME     cancel the remembered ticket (as staff or sync would)
**   bench-scans FILE      scan-device each line of FILE; print scan-to-frame latencies
**                         (benchmarks: figures, never a pass/fail)
**   wait-print            let the printer worker finish its jobs (real time, at most 20 s)
**   wait-printer          wait for the printer's first status report (real time, at most 20 s)
**   wait-scan evdev|serial   wait for the next scan from that scanner device not taken by an
**                         earlier wait-scan, even if it came already (real time, 20 s)
**   wait MS               MS milliseconds pass
**   hold X Y MS           a finger down at pixel (X, Y), MS milliseconds pass, then it is lifted
**                         (the staff corner is the start screen's top-left 96 x 96 pixels)
**   keys-pin DIGITS       DIGITS typed on the staff PIN keypad (then "press pin:ok")
**   wait-pin              let the staff PIN check under way end (real time, at most 20 s)
**   wait-screen NAME      pump until the screen is NAME (real time, at most 20 s): an answer
**                         from a thread (a seat asked of the server)
**   sync-status K=V ...   tell the loop the sync worker's state, as it would (the panel shows
**                         it; nothing else changes): enrolled, online, running 0|1; progress,
**                         pending, refused N; last_success, last_attempt M (minutes from now,
**                         negative: ago; 0: never); err NAME (ok, network, unauthorized,
**                         server, refused, cert, cert-expired, disk-full, internal); site
**                         NAME (\x20: a space);
**                         detail TEXT (last: the rest of the line)
**   screenshot NAME       save the screen as NAME.png in the screenshots folder
**   expect screen NAME    home, session, form, confirm, done, fault, verdict, code, staff-pin,
**                         staff
**   expect locked on|off  the staff PIN prompt is locked (too many wrong PINs)
**   expect notice NAME    none, required, too-long, bad-char, bad-email, bad-phone, just-full,
**                         closed, reserved
**   expect field N TEXT   field N (0 first name, 1 name, 2 e-mail, 3 phone) holds TEXT
**   expect text TEXT      TEXT is shown on screen
**   expect no-text TEXT   TEXT is not shown
**   expect widget ID      widget ID is on screen (expect no-widget ID: it is not)
**   expect registrations SESSION N   the store holds N confirmed registrations for SESSION
**   expect outbox N       N events wait to be synced
**   expect large on|off, expect contrast on|off, expect lang fr|en
**   expect verdict NAME   welcome, already, too-early, over, not-today, cancelled, invalid,
**                         waitlist
**   expect reason NAME    why not valid: damaged, newer-format, forged, unknown-key,
**                         revoked-key, unknown-session, unknown-code, mismatch
**   expect ticket NAME    none, printing, printed, failed, on-screen
**   expect printer NAME   none, unknown, ok, paper-low, paper-out, offline, error
**   expect sound NAME     the last verdict sound: none, welcome, already, problem, invalid
**   expect checkins SESSION N   the store holds N check-ins for SESSION
**   expect print-jobs STATE N   N print jobs in STATE (queued, sent, done, failed, interrupted)
**
** TEXT may hold escapes: \n \t \\ \xHH (one byte) \u{HEX} (one code point). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/kiosk_int.h"
#include "core/text.h"
#include "clock/clock.h"
#include "platform/platform.h"

#define REPLAY_SAVED_MAX 8

struct replay {
    struct kiosk *k;
    const char *path;
    int line;
    int failures;
    struct {
        char name[16];
        struct ticket t;
    } saved[REPLAY_SAVED_MAX];
    int n_saved;
    unsigned scans_taken[2]; /* scans from the evdev and serial readers that wait-scan took */
};

static void fail(struct replay *r, const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "%s:%d: ", r->path, r->line);
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    r->failures++;
}

/* Decode the escapes of a TEXT argument into out. */
static void unescape(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = in; *p && o + 5 < cap; p++) {
        if (*p != '\\' || !p[1]) {
            out[o++] = *p;
            continue;
        }
        p++;
        if (*p == 'n') {
            out[o++] = '\n';
        } else if (*p == 't') {
            out[o++] = '\t';
        } else if (*p == 'x' && p[1] && p[2]) {
            char hex[3] = {p[1], p[2], 0};
            out[o++] = (char)strtol(hex, NULL, 16);
            p += 2;
        } else if (*p == 'u' && p[1] == '{') {
            char *end;
            unsigned long cp = strtoul(p + 2, &end, 16);
            size_t n = utf8_encode((uint32_t)cp, out + o);
            o += n;
            p = *end == '}' ? end : end - 1;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

static void push_finger(struct kiosk *k, Uint32 type, int x, int y)
{
    int w, h;
    SDL_GetRendererOutputSize(k->sdl, &w, &h);
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = type;
    e.tfinger.touchId = 1;
    e.tfinger.fingerId = 1;
    e.tfinger.x = (float)x / (float)w;
    e.tfinger.y = (float)y / (float)h;
    e.tfinger.pressure = 1;
    SDL_PushEvent(&e);
}

static void tap(struct kiosk *k, int x, int y)
{
    push_finger(k, SDL_FINGERDOWN, x, y);
    push_finger(k, SDL_FINGERUP, x, y);
    kiosk_pump(k, 0);
}

/* A left-button event; which is 0 for a real mouse, SDL_TOUCH_MOUSEID for one a driver
** synthesised from a touch. */
static void push_mouse(Uint32 type, Uint32 which, int x, int y)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = type;
    e.button.which = which;
    e.button.button = SDL_BUTTON_LEFT;
    e.button.state = type == SDL_MOUSEBUTTONDOWN ? SDL_PRESSED : SDL_RELEASED;
    e.button.x = x;
    e.button.y = y;
    SDL_PushEvent(&e);
}

static void click(struct kiosk *k, int x, int y)
{
    push_mouse(SDL_MOUSEBUTTONDOWN, 0, x, y);
    push_mouse(SDL_MOUSEBUTTONUP, 0, x, y);
    kiosk_pump(k, 0);
}

/* mode 0: a finger; 1: a finger and the mouse click a driver synthesises; 2: the mouse. */
static bool press(struct replay *r, const char *id, int mode)
{
    struct rect rc;
    kiosk_pump(r->k, 0);
    if (!ui_find_widget(&r->k->ui, id, &rc)) {
        fail(r, "no widget '%s' on this screen%s", id, "");
        return false;
    }
    int x = rc.x + rc.w / 2, y = rc.y + rc.h / 2;
    if (mode == 2) {
        click(r->k, x, y);
        return true;
    }
    if (mode == 1) {
        push_finger(r->k, SDL_FINGERDOWN, x, y);
        push_mouse(SDL_MOUSEBUTTONDOWN, SDL_TOUCH_MOUSEID, x, y);
        push_finger(r->k, SDL_FINGERUP, x, y);
        push_mouse(SDL_MOUSEBUTTONUP, SDL_TOUCH_MOUSEID, x, y);
        kiosk_pump(r->k, 0);
        return true;
    }
    tap(r->k, x, y);
    return true;
}

static void text_input(struct kiosk *k, const char *s)
{
    /* SDL's text events carry at most 31 bytes: cut at character boundaries. */
    size_t len = strlen(s), i = 0;
    while (i < len && !k->quit) {
        SDL_Event e;
        memset(&e, 0, sizeof e);
        e.type = SDL_TEXTINPUT;
        size_t n = len - i < sizeof e.text.text - 1 ? len - i : sizeof e.text.text - 1;
        while (n > 0 && i + n < len && ((unsigned char)s[i + n] & 0xC0) == 0x80)
            n--;
        if (n == 0)
            n = 1; /* not UTF-8 at all: send the bytes anyway, the kiosk must cope */
        memcpy(e.text.text, s + i, n);
        SDL_PushEvent(&e);
        i += n;
        kiosk_pump(k, 0);
    }
}

static void key(struct kiosk *k, SDL_Keycode code)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    e.key.state = SDL_PRESSED;
    e.key.keysym.sym = code;
    SDL_PushEvent(&e);
    kiosk_pump(k, 0);
}

/* Type on the on-screen keyboard: find each character's key, using Shift for capitals. */
static void keys(struct replay *r, const char *s)
{
    static const char *const upper[] = {"É", "È", "Ê", "Ë", "À", "Â", "Ç",
                                        "Ù", "Û", "Ô", "Î", "Ï", "Œ"};
    static const char *const lower[] = {"é", "è", "ê", "ë", "à", "â", "ç",
                                        "ù", "û", "ô", "î", "ï", "œ"};
    size_t len = strlen(s), i = 0;
    while (i < len && r->failures == 0) {
        uint32_t cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        if (n == 0)
            n = 1;
        char ch[8] = {0}, id[UI_ID_MAX];
        memcpy(ch, s + i, n);
        i += n;
        if (cp == ' ') {
            press(r, "key:space", 0);
            continue;
        }
        bool is_upper = cp >= 'A' && cp <= 'Z';
        if (is_upper)
            ch[0] = (char)(ch[0] - 'A' + 'a');
        for (size_t u = 0; u < sizeof upper / sizeof upper[0]; u++) {
            if (strcmp(ch, upper[u]) == 0) {
                snprintf(ch, sizeof ch, "%s", lower[u]);
                is_upper = true;
            }
        }
        bool letter = is_upper || (cp >= 'a' && cp <= 'z') || cp >= 0x80;
        if (letter && r->k->state->form.focus <= FIELD_LAST && r->k->state->form.shift != is_upper)
            press(r, "key:shift", 0);
        snprintf(id, sizeof id, "key:%s", ch);
        struct rect rc;
        kiosk_pump(r->k, 0);
        if (!ui_find_widget(&r->k->ui, id, &rc) && ui_find_widget(&r->k->ui, "key:accents", &rc))
            press(r, "key:accents", 0); /* a small screen keeps the accents on a layer */
        press(r, id, 0);
    }
}

static void advance(struct kiosk *k, int64_t ms)
{
    /* Step through the deadlines in between, as a real clock would wake the loop at each. */
    int64_t end = k->virt_ms + ms;
    while (k->virt_ms < end) {
        int64_t due = app_next_deadline_ms(k->state);
        k->virt_ms = (due > k->virt_ms && due < end) ? due : end;
        kiosk_pump(k, 0);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Time from the finger's events being queued to the frame presented, tap after tap. */
static void bench_taps(struct replay *r, const char *args)
{
    char id[2][UI_ID_MAX];
    int n = 0;
    if (sscanf(args, "%d %47s %47s", &n, id[0], id[1]) != 3 || n < 1 || n > 100000) {
        fail(r, "bench-taps needs N ID1 ID2%s%s", "", "");
        return;
    }
    double *ms = calloc((size_t)n, sizeof *ms);
    if (!ms)
        return;
    unsigned long frames0 = r->k->frames;
    for (int i = 0; i < n && r->failures == 0; i++) {
        struct rect rc;
        kiosk_pump(r->k, 0);
        if (!ui_find_widget(&r->k->ui, id[i % 2], &rc)) {
            fail(r, "no widget '%s' on this screen%s", id[i % 2], "");
            break;
        }
        double t0 = clock_bench_ms();
        tap(r->k, rc.x + rc.w / 2, rc.y + rc.h / 2);
        ms[i] = clock_bench_ms() - t0;
    }
    if (r->failures == 0) {
        qsort(ms, (size_t)n, sizeof *ms, cmp_double);
        printf("tap to frame over %d taps (%lu frames): median %.2f ms, p95 %.2f ms, max %.2f ms\n",
               n, r->k->frames - frames0, ms[n / 2], ms[(n * 95) / 100], ms[n - 1]);
    }
    free(ms);
}

static const char *const screens[SCREEN_COUNT] = {"home",  "session", "form", "confirm",   "done",
                                                  "fault", "verdict", "code", "staff-pin", "staff"};
static const char *const notices[] = {"none",      "required",  "too-long", "bad-char", "bad-email",
                                      "bad-phone", "just-full", "closed",   "reserved", "bad-code"};
static const char *const verdicts[VERDICT_COUNT] = {
    "welcome", "already", "too-early", "over", "not-today", "cancelled", "invalid", "waitlist"};
static const char *const reasons[] = {
    "none",        "damaged",         "newer-format", "forged",  "unknown-key",
    "revoked-key", "unknown-session", "unknown-code", "mismatch"};
static const char *const phases[] = {"none", "printing", "printed", "failed", "on-screen"};
static const char *const healths[] = {"none",      "unknown", "ok",   "paper-low",
                                      "paper-out", "offline", "error"};
static const char *const sounds[] = {"none", "welcome", "already", "problem", "invalid"};
static const char *const print_states[] = {"queued", "sent", "done", "failed", "interrupted"};

/* Compare a state's enum with the name the script gives. */
static void expect_name(struct replay *r, const char *what, const char *const *names, size_t n,
                        int value, const char *want)
{
    const char *got = value >= 0 && (size_t)value < n ? names[value] : "?";
    if (strcmp(got, want) != 0) {
        char w[64];
        snprintf(w, sizeof w, "%s %s", what, want);
        fail(r, "expected %s, got %s", w, got);
    }
}

static int index_of(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return (int)i;
    return -1;
}

#define COUNT(a) (sizeof(a) / sizeof(a)[0])

/* All the text on screen, one command after another separated by spaces, so that a wrapped
** sentence reads as it was written. */
static void screen_text(const struct draw_list *dl, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < dl->n && o + 2 < cap; i++) {
        const struct draw_cmd *c = &dl->cmds[i];
        if (c->kind != DRAW_TEXT)
            continue;
        size_t n = c->text_len < cap - o - 2 ? c->text_len : cap - o - 2;
        memcpy(out + o, dl->text + c->text_off, n);
        o += n;
        out[o++] = ' ';
    }
    out[o] = '\0';
}

/* A keyboard-mode scanner as SDL sees it: key presses by position, Shift for capitals. The
** scan decoder reads positions, so the system's layout (AZERTY on a French kiosk) does not
** matter; the text events SDL would add are ignored outside text fields anyway. */
static void scan_keys(struct kiosk *k, const char *s, int gap_ms)
{
    static const char shifted_punct[] = ":";
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (p != s && gap_ms > 0)
            advance(k, gap_ms);
        SDL_Event e;
        memset(&e, 0, sizeof e);
        e.type = SDL_KEYDOWN;
        e.key.state = SDL_PRESSED;
        SDL_Scancode sc = SDL_SCANCODE_UNKNOWN;
        bool shift = (c >= 'A' && c <= 'Z') || strchr(shifted_punct, c);
        if (c >= 'a' && c <= 'z')
            sc = (SDL_Scancode)(SDL_SCANCODE_A + (c - 'a'));
        else if (c >= 'A' && c <= 'Z')
            sc = (SDL_Scancode)(SDL_SCANCODE_A + (c - 'A'));
        else if (c >= '1' && c <= '9')
            sc = (SDL_Scancode)(SDL_SCANCODE_1 + (c - '1'));
        else if (c == '0')
            sc = SDL_SCANCODE_0;
        else if (c == '-')
            sc = SDL_SCANCODE_MINUS;
        else if (c == '.')
            sc = SDL_SCANCODE_PERIOD;
        else if (c == '/')
            sc = SDL_SCANCODE_SLASH;
        else if (c == ' ')
            sc = SDL_SCANCODE_SPACE;
        else if (c == ':')
            sc = SDL_SCANCODE_SEMICOLON;
        e.key.keysym.scancode = sc;
        e.key.keysym.mod = shift ? KMOD_LSHIFT : KMOD_NONE;
        SDL_PushEvent(&e);
        /* SDL adds the text the system layout makes of the key (a US one here): ignored
        ** outside text fields, typed into one. */
        SDL_Event t;
        memset(&t, 0, sizeof t);
        t.type = SDL_TEXTINPUT;
        t.text.text[0] = c;
        SDL_PushEvent(&t);
        kiosk_pump(k, 0);
    }
    if (gap_ms > 0)
        advance(k, gap_ms);
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    e.key.state = SDL_PRESSED;
    e.key.keysym.scancode = SDL_SCANCODE_RETURN;
    e.key.keysym.sym = SDLK_RETURN;
    SDL_PushEvent(&e);
    kiosk_pump(k, 0);
}

/* Scan to verdict on screen: from the scan handed to the loop to the frame presented, for
** every payload of a file (tests/bench/run.sh makes one with bench_ticket). */
static void bench_scans(struct replay *r, const char *path)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    double ms[2000];
    int n = 0, welcome = 0;
    if (!f) {
        fail(r, "cannot read %s%s", path, "");
        return;
    }
    while (n < 2000 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        double t0 = clock_bench_ms();
        kiosk_post_scan(r->k, line);
        kiosk_pump(r->k, 0); /* handles the scan, checks it in, draws the verdict */
        ms[n++] = clock_bench_ms() - t0;
        welcome += r->k->state->screen == SCREEN_VERDICT &&
                   r->k->state->verdict.verdict == VERDICT_WELCOME;
        kiosk_dispatch(r->k, (struct action){.kind = ACT_HOME});
        kiosk_pump(r->k, 0);
    }
    fclose(f);
    if (n == 0)
        return;
    qsort(ms, (size_t)n, sizeof ms[0], cmp_double);
    printf("scan to verdict on screen over %d scans (%d welcome): median %.2f ms, p95 %.2f ms, "
           "max %.2f ms\n",
           n, welcome, ms[n / 2], ms[n * 95 / 100], ms[n - 1]);
}

/* Type a short code on the code screen's keys. */
static void press_code(struct replay *r, const char *code)
{
    for (const char *c = code; *c && r->failures == 0; c++) {
        char id[16];
        snprintf(id, sizeof id, "key:%c", *c);
        press(r, id, 0);
    }
}

/* What the wait-* commands wait for, from real threads (the printer's worker, the scanner's
** reader), in real time. */
struct wait_scan {
    int source;
    unsigned before;
};

static bool jobs_done(const struct kiosk *k, const void *arg)
{
    (void)arg;
    return k->jobs_in_flight <= 0;
}

static bool printer_heard(const struct kiosk *k, const void *arg)
{
    (void)arg;
    return k->state->printer != PRINTER_HEALTH_UNKNOWN;
}

static bool pin_checked(const struct kiosk *k, const void *arg)
{
    (void)arg;
    return k->pin_check == NULL && !k->state->staff.checking;
}

static bool on_screen(const struct kiosk *k, const void *arg)
{
    return strcmp(screens[k->state->screen], arg) == 0;
}

static bool scanned(const struct kiosk *k, const void *arg)
{
    const struct wait_scan *w = arg;
    return k->scans_from[w->source] > w->before;
}

/* Pump the loop until done(k, arg), at most 20 s; false if it never came. */
static bool wait_real(struct kiosk *k, bool (*done)(const struct kiosk *, const void *),
                      const void *arg)
{
    int64_t start = clock_mono_ms();
    while (!done(k, arg) && clock_mono_ms() - start < 20000)
        kiosk_pump(k, 50);
    return done(k, arg);
}

static const struct ticket *saved(struct replay *r, const char *name)
{
    for (int i = 0; i < r->n_saved; i++)
        if (strcmp(r->saved[i].name, name) == 0)
            return &r->saved[i].t;
    fail(r, "no ticket saved as '%s'%s", name, "");
    return NULL;
}

static void save_ticket(struct replay *r, const char *name)
{
    const struct app_state *s = r->k->state;
    if (r->n_saved >= REPLAY_SAVED_MAX || !name[0] || strlen(name) >= sizeof r->saved[0].name) {
        fail(r, "cannot save '%s'%s", name, "");
        return;
    }
    if (s->screen != SCREEN_DONE || !s->done.ticket_id[0] || !r->k->st ||
        store_ticket_get(r->k->st, s->done.ticket_id, &r->saved[r->n_saved].t) != BORNE_OK) {
        fail(r, "save %s: no new ticket on screen%s", name, "");
        return;
    }
    snprintf(r->saved[r->n_saved].name, sizeof r->saved[0].name, "%s", name);
    r->n_saved++;
}

/* hold X Y MS: the finger stays down while virtual time passes, deadlines included. */
static void hold(struct replay *r, const char *args)
{
    int x, y;
    long long ms;
    if (sscanf(args, "%d %d %lld", &x, &y, &ms) != 3 || ms < 0) {
        fail(r, "hold needs X Y MS%s%s", "", "");
        return;
    }
    push_finger(r->k, SDL_FINGERDOWN, x, y);
    kiosk_pump(r->k, 0);
    advance(r->k, ms);
    push_finger(r->k, SDL_FINGERUP, x, y);
    kiosk_pump(r->k, 0);
}

static int sync_err_of(const char *name)
{
    static const struct {
        const char *name;
        enum borne_err err;
    } errs[] = {{"ok", BORNE_OK},
                {"network", BORNE_ERR_NETWORK},
                {"unauthorized", BORNE_ERR_UNAUTHORIZED},
                {"server", BORNE_ERR_SERVER},
                {"refused", BORNE_ERR_REFUSED},
                {"cert", BORNE_ERR_CERT_UNTRUSTED},
                {"cert-expired", BORNE_ERR_CERT_EXPIRED},
                {"disk-full", BORNE_ERR_DISK_FULL},
                {"internal", BORNE_ERR_INTERNAL}};
    for (size_t i = 0; i < COUNT(errs); i++)
        if (strcmp(errs[i].name, name) == 0)
            return (int)errs[i].err;
    return -1;
}

/* sync-status K=V ...: the view the sync worker's reports would give. */
static void sync_status(struct replay *r, char *args)
{
    struct kiosk *k = r->k;
    struct sync_view v = k->state->sync;
    char *p = args;
    while (p && *p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        char *eq = strchr(p, '=');
        if (!eq) {
            fail(r, "sync-status: '%s' is not KEY=VALUE%s", p, "");
            return;
        }
        *eq = '\0';
        const char *key = p, *val = eq + 1;
        if (strcmp(key, "detail") == 0) {
            unescape(val, v.last_error, sizeof v.last_error);
            break;
        }
        char *end = strchr(val, ' ');
        if (end)
            *end = '\0';
        p = end ? end + 1 : NULL;
        long n = strtol(val, NULL, 10);
        if (strcmp(key, "enrolled") == 0)
            v.enrolled = n != 0;
        else if (strcmp(key, "online") == 0)
            v.online = n != 0;
        else if (strcmp(key, "running") == 0)
            v.running = n != 0;
        else if (strcmp(key, "progress") == 0)
            v.progress = (int)n;
        else if (strcmp(key, "pending") == 0)
            v.pending = (int)n;
        else if (strcmp(key, "refused") == 0)
            v.refused = (int)n;
        else if (strcmp(key, "last_success") == 0)
            v.last_success_at = n ? k->state->now + n * 60 : 0;
        else if (strcmp(key, "last_attempt") == 0)
            v.last_attempt_at = n ? k->state->now + n * 60 : 0;
        else if (strcmp(key, "site") == 0)
            unescape(val, v.site_name, sizeof v.site_name);
        else if (strcmp(key, "err") == 0 && sync_err_of(val) >= 0)
            v.last_err = sync_err_of(val);
        else {
            fail(r, "sync-status: unknown key or value '%s=%s'", key, val);
            return;
        }
    }
    if (v.last_err == BORNE_OK)
        v.last_error[0] = '\0';
    kiosk_dispatch(k, (struct action){.kind = ACT_SYNC_STATUS, .sync = &v});
    kiosk_pump(k, 0);
}

/* scan-file PATH [alter N] / scan-saved NAME [alter N]. */
static void scan_from(struct replay *r, bool from_file, char *args, char *buf, size_t cap)
{
    char *src = strtok(args, " ");
    char *alter = src ? strtok(NULL, " ") : NULL;
    char *pos = alter ? strtok(NULL, " ") : NULL;
    buf[0] = '\0';
    if (!src) {
        fail(r, "scan needs a source%s%s", "", "");
        return;
    }
    if (from_file) {
        FILE *f = fopen(src, "r");
        if (!f || !fgets(buf, (int)cap, f)) {
            fail(r, "cannot read a scan from %s%s", src, "");
            if (f)
                fclose(f);
            return;
        }
        fclose(f);
        buf[strcspn(buf, "\r\n")] = '\0';
    } else {
        const struct ticket *t = saved(r, src);
        if (!t)
            return;
        snprintf(buf, cap, "%s", t->payload);
    }
    if (alter && pos) {
        /* One character changed into another of the payload's alphabet: still a well-formed
        ** payload, so it is the signature that must catch it. */
        static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        size_t n = (size_t)atoi(pos);
        const char *at = n < strlen(buf) ? strchr(b32, buf[n]) : NULL;
        if (!at) {
            fail(r, "cannot alter character %s of the scan%s", pos, "");
            return;
        }
        buf[n] = b32[(at - b32 + 1) % 32];
    }
    kiosk_post_scan(r->k, buf);
    kiosk_pump(r->k, 0);
}

static void expect(struct replay *r, char *args)
{
    struct kiosk *k = r->k;
    const struct app_state *s = k->state;
    char *what = strtok(args, " ");
    char *rest = what ? strtok(NULL, "") : NULL;
    if (!what || !rest) {
        fail(r, "expect needs what and a value%s%s", "", "");
        return;
    }
    kiosk_pump(k, 0);
    kiosk_draw(k); /* the draw list must show the current state */
    if (strcmp(what, "screen") == 0) {
        if (strcmp(screens[s->screen], rest) != 0)
            fail(r, "expected screen %s, got %s", rest, screens[s->screen]);
    } else if (strcmp(what, "notice") == 0) {
        if (strcmp(notices[s->notice], rest) != 0)
            fail(r, "expected notice %s, got %s", rest, notices[s->notice]);
    } else if (strcmp(what, "field") == 0) {
        int f = atoi(rest);
        char *val = strchr(rest, ' ');
        char want[1024];
        unescape(val ? val + 1 : "", want, sizeof want);
        if (f < 0 || f >= FIELD_COUNT || strcmp(s->form.value[f], want) != 0)
            fail(r, "expected field value '%s', got '%s'", want,
                 f >= 0 && f < FIELD_COUNT ? s->form.value[f] : "?");
    } else if (strcmp(what, "text") == 0 || strcmp(what, "no-text") == 0) {
        static char shown[DRAW_TEXT_MAX + DRAW_CMDS_MAX];
        char want[1024];
        unescape(rest, want, sizeof want);
        screen_text(k->dl, shown, sizeof shown);
        bool found = strstr(shown, want) != NULL;
        if (found != (what[0] == 't'))
            fail(r, found ? "text '%s' is shown%s" : "text '%s' is not shown; the screen says: %s",
                 want, found ? "" : shown);
    } else if (strcmp(what, "widget") == 0 || strcmp(what, "no-widget") == 0) {
        struct rect rc;
        bool found = ui_find_widget(&k->ui, rest, &rc);
        if (found != (what[0] == 'w'))
            fail(r, found ? "widget '%s' is on screen%s" : "widget '%s' is not on screen%s", rest,
                 "");
    } else if (strcmp(what, "registrations") == 0) {
        char *num = strchr(rest, ' ');
        int n = -1;
        if (num)
            *num++ = '\0';
        if (!num || !k->st || store_registration_count(k->st, rest, &n) != BORNE_OK ||
            n != atoi(num))
            fail(r, "registrations for %s: expected %s", rest, num ? num : "?");
    } else if (strcmp(what, "outbox") == 0) {
        int n = -1;
        if (!k->st || store_outbox_pending(k->st, &n) != BORNE_OK || n != atoi(rest))
            fail(r, "expected %s events in the outbox%s", rest, "");
    } else if (strcmp(what, "large") == 0 || strcmp(what, "contrast") == 0) {
        bool on = what[0] == 'l' ? s->large_text : s->high_contrast;
        if (on != (strcmp(rest, "on") == 0))
            fail(r, "expected %s %s", what, rest);
    } else if (strcmp(what, "lang") == 0) {
        if (strcmp(rest, s->lang == LANG_FR ? "fr" : "en") != 0)
            fail(r, "expected language %s%s", rest, "");
    } else if (strcmp(what, "locked") == 0) {
        bool locked =
            s->staff.lock.locked_until_ms != 0 && s->now_ms < s->staff.lock.locked_until_ms;
        if (locked != (strcmp(rest, "on") == 0))
            fail(r, "expected the PIN prompt locked %s%s", rest, "");
    } else if (strcmp(what, "verdict") == 0) {
        if (s->screen != SCREEN_VERDICT)
            fail(r, "expected verdict %s, but the screen is %s", rest, screens[s->screen]);
        else
            expect_name(r, what, verdicts, COUNT(verdicts), (int)s->verdict.verdict, rest);
    } else if (strcmp(what, "reason") == 0) {
        expect_name(r, what, reasons, COUNT(reasons), (int)s->verdict.reason, rest);
    } else if (strcmp(what, "ticket") == 0) {
        expect_name(r, what, phases, COUNT(phases), (int)s->ticket, rest);
    } else if (strcmp(what, "printer") == 0) {
        expect_name(r, what, healths, COUNT(healths), (int)s->printer, rest);
    } else if (strcmp(what, "sound") == 0) {
        expect_name(r, what, sounds, COUNT(sounds), (int)k->last_sound, rest);
    } else if (strcmp(what, "checkins") == 0) {
        char *num = strchr(rest, ' ');
        int n = -1;
        if (num)
            *num++ = '\0';
        if (!num || !k->st || store_checkin_count(k->st, rest, &n) != BORNE_OK || n != atoi(num))
            fail(r, "check-ins for %s: expected %s", rest, num ? num : "?");
    } else if (strcmp(what, "print-jobs") == 0) {
        char *num = strchr(rest, ' ');
        int n = -1;
        if (num)
            *num++ = '\0';
        int st = index_of(print_states, COUNT(print_states), rest);
        if (!num || st < 0 || !k->st ||
            store_print_job_count(k->st, (enum print_state)st, &n) != BORNE_OK || n != atoi(num))
            fail(r, "print jobs %s: expected %s", rest, num ? num : "?");
    } else {
        fail(r, "unknown expectation '%s'%s", what, "");
    }
}

static void run_line(struct replay *r, char *line)
{
    struct kiosk *k = r->k;
    char *cmd = strtok(line, " ");
    char *rest = cmd ? strtok(NULL, "") : NULL;
    char text[4096];
    if (!cmd || cmd[0] == '#')
        return;
    if (strcmp(cmd, "tap") == 0 || strcmp(cmd, "click") == 0) {
        int x, y;
        if (!rest || sscanf(rest, "%d %d", &x, &y) != 2)
            fail(r, "%s needs X Y%s", cmd, "");
        else if (cmd[0] == 't')
            tap(k, x, y);
        else
            click(k, x, y);
    } else if (strcmp(cmd, "press") == 0) {
        press(r, rest ? rest : "", 0);
    } else if (strcmp(cmd, "press-touch-mouse") == 0) {
        press(r, rest ? rest : "", 1);
    } else if (strcmp(cmd, "click-on") == 0) {
        press(r, rest ? rest : "", 2);
    } else if (strcmp(cmd, "bench-taps") == 0) {
        bench_taps(r, rest ? rest : "");
    } else if (strcmp(cmd, "seek") == 0) {
        struct rect rc;
        kiosk_pump(k, 0);
        for (int i = 0; i < 50 && !ui_find_widget(&k->ui, rest ? rest : "", &rc); i++) {
            if (!ui_find_widget(&k->ui, "page:next", &rc))
                break;
            press(r, "page:next", 0);
        }
        if (!ui_find_widget(&k->ui, rest ? rest : "", &rc))
            fail(r, "'%s' is on no page%s", rest ? rest : "", "");
    } else if (strcmp(cmd, "clear-field") == 0) {
        for (int i = 0; i < 1000 && k->state->form.value[k->state->form.focus][0]; i++)
            key(k, SDLK_BACKSPACE);
    } else if (strcmp(cmd, "keys") == 0) {
        unescape(rest ? rest : "", text, sizeof text);
        keys(r, text);
    } else if (strcmp(cmd, "type") == 0) {
        unescape(rest ? rest : "", text, sizeof text);
        text_input(k, text);
    } else if (strcmp(cmd, "type-repeat") == 0) {
        char *what = rest ? strchr(rest, ' ') : NULL;
        int n = rest ? atoi(rest) : 0;
        unescape(what ? what + 1 : "", text, sizeof text);
        for (int i = 0; i < n; i++)
            text_input(k, text);
    } else if (strcmp(cmd, "key") == 0) {
        SDL_Keycode code = SDL_GetKeyFromName(rest ? rest : "");
        if (code == SDLK_UNKNOWN)
            fail(r, "unknown key '%s'%s", rest ? rest : "", "");
        else
            key(k, code);
    } else if (strcmp(cmd, "scan") == 0) {
        unescape(rest ? rest : "", text, sizeof text);
        scan_keys(k, text, 0);
    } else if (strcmp(cmd, "scan-gap") == 0) {
        char *what = rest ? strchr(rest, ' ') : NULL;
        int gap = rest ? atoi(rest) : 0;
        if (!what || gap <= 0)
            fail(r, "scan-gap needs MS PAYLOAD%s%s", "", "");
        else {
            unescape(what + 1, text, sizeof text);
            scan_keys(k, text, gap);
        }
    } else if (strcmp(cmd, "scan-device") == 0) {
        unescape(rest ? rest : "", text, sizeof text);
        kiosk_post_scan(k, text);
        kiosk_pump(k, 0);
    } else if (strcmp(cmd, "scan-file") == 0 || strcmp(cmd, "scan-saved") == 0) {
        scan_from(r, cmd[5] == 'f', rest ? rest : "", text, sizeof text);
    } else if (strcmp(cmd, "save") == 0) {
        save_ticket(r, rest ? rest : "");
    } else if (strcmp(cmd, "keys-code") == 0) {
        press_code(r, rest ? rest : "");
    } else if (strcmp(cmd, "code-saved") == 0 || strcmp(cmd, "cancel-saved") == 0) {
        const struct ticket *t = saved(r, rest ? rest : "");
        if (t && cmd[0] == 'c' && cmd[1] == 'a') {
            if (!k->st || store_ticket_cancel(k->st, t->id, k->state->now) != BORNE_OK)
                fail(r, "cannot cancel ticket %s%s", t->id, "");
        } else if (t) {
            press_code(r, t->short_code);
        }
    } else if (strcmp(cmd, "wait-scan") == 0) {
        int src = rest && strcmp(rest, "serial") == 0 ? 1 : 0;
        /* The scan may have come already, while the lines before ran: wait-scan takes the
        ** scans in turn, whenever each arrived, so the result never depends on that race. */
        if (!wait_real(k, scanned, &(struct wait_scan){src, r->scans_taken[src]}))
            fail(r, "no scan from the %s scanner in 20 s%s", src ? "serial" : "evdev", "");
        else
            r->scans_taken[src]++;
    } else if (strcmp(cmd, "bench-scans") == 0) {
        bench_scans(r, rest ? rest : "");
    } else if (strcmp(cmd, "wait-print") == 0 || strcmp(cmd, "wait-printer") == 0) {
        if (!wait_real(k, strcmp(cmd, "wait-print") == 0 ? jobs_done : printer_heard, NULL))
            fail(r, "the printer did not answer in 20 s%s%s", "", "");
    } else if (strcmp(cmd, "wait") == 0) {
        advance(k, rest ? atoll(rest) : 0);
    } else if (strcmp(cmd, "hold") == 0) {
        hold(r, rest ? rest : "");
    } else if (strcmp(cmd, "keys-pin") == 0) {
        for (const char *d = rest ? rest : ""; *d && r->failures == 0; d++) {
            char id[16];
            snprintf(id, sizeof id, "pin:%c", *d);
            press(r, id, 0);
        }
    } else if (strcmp(cmd, "wait-pin") == 0) {
        if (!wait_real(k, pin_checked, NULL))
            fail(r, "the staff PIN check did not end in 20 s%s%s", "", "");
    } else if (strcmp(cmd, "wait-screen") == 0) {
        if (!wait_real(k, on_screen, rest ? rest : ""))
            fail(r, "the screen did not become %s in 20 s (it is %s)", rest ? rest : "",
                 screens[k->state->screen]);
    } else if (strcmp(cmd, "sync-status") == 0) {
        sync_status(r, rest ? rest : "");
    } else if (strcmp(cmd, "screenshot") == 0) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s.png", k->opt.shots_dir ? k->opt.shots_dir : ".",
                 rest ? rest : "screen");
        kiosk_pump(k, 0);
        kiosk_draw(k);
        if (render_screenshot(k->rd, path) != BORNE_OK)
            fail(r, "cannot write %s%s", path, "");
    } else if (strcmp(cmd, "expect") == 0) {
        expect(r, rest ? rest : "");
    } else {
        fail(r, "unknown command '%s'%s", cmd, "");
    }
}

int kiosk_replay(struct kiosk *k)
{
    struct replay r = {.k = k, .path = k->opt.replay_path};
    FILE *f = fopen(r.path, "r");
    if (!f) {
        fprintf(stderr, "borne: replay script %s cannot be read\n", r.path);
        return 1;
    }
    char line[8192];
    while (fgets(line, sizeof line, f) && r.failures == 0 && !k->quit) {
        r.line++;
        line[strcspn(line, "\r\n")] = '\0';
        run_line(&r, line);
    }
    fclose(f);
    if (r.failures == 0)
        fprintf(stderr, "replay: %s: %d lines, all expectations met\n", r.path, r.line);
    return r.failures ? 1 : 0;
}
