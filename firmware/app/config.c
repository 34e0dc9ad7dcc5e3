/* The kiosk's INI configuration (--config). Command-line options override it.
**
**   [kiosk]
**   db = /var/lib/borne/borne.db
**   lang = fr                 ; fr or en: the language a new visitor finds
**   idle_timeout_s = 60       ; back to the start screen after this long without a touch
**   purge_days = 30           ; personal data is deleted this many days after the session
**   [display]
**   fullscreen = true
**   width = 1280
**   height = 800
**   renderer = software       ; SDL render driver
**   [printer]
**   uri = usb:/dev/usb/lp0    ; or tcp:HOST:9100, file:PATH, none
**   paper_mm = 80             ; 58 or 80
**   codepage = cp858          ; cp858, cp437, cp850 or cp1252, as the printer is set
**   [scanner]
**   evdev = /dev/input/by-id/usb-...-event-kbd   ; keyboard-mode scanner, grabbed
**   serial = /dev/ttyACM0     ; serial-mode scanner
**   serial_baud = 9600
**   keyboard = true           ; key presses in the window are scans too
**   [checkin]
**   opens_before_min = 30     ; the door opens this long before a session starts
**   closes_after_min = 0      ; and closes this long after it ends
**   [keys]
**   trusted = DEVICE_ID BASE64_PUBLIC_KEY   ; repeatable: tickets of other devices
**   [sync]                    ; the server and token come from `borne enrol URL CODE`
**   ca_file = /etc/borne/ca.pem   ; trust this CA instead of the system's
**   pinned_key = sha256//BASE64   ; also pin the server's public key
**   allow_insecure_http = false   ; true: plain http:// to another machine (in clear!);
**                                 ; http:// to this machine (127.0.0.1, localhost) always works
**   interval_s = 180          ; between syncs while online
**   timeout_s = 30            ; how long one request may take
**   seat_timeout_ms = 2000    ; how long a registration waits for the server's seat
**   [staff]                   ; the staff panel; without pin_hash it is off
**   pin_hash = $argon2id$v=19$m=32768,t=2,p=1$...   ; the line `borne pin-hash` prints
**   badge = TEXT              ; a staff badge's QR text (16 characters at least): opens the
**                             ; PIN prompt, never the panel itself */
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/kiosk.h"
#include "core/staff.h"
#include "escpos/codepage.h"

/* Strings from the file must outlive the parse: a small fixed arena, as everything else. */
static char arena[8192];
static size_t arena_used;

struct cfg_ctx {
    struct kiosk_options *o;
    char *err;
    size_t cap;
    bool bad;
};

static const char *keep(const char *v)
{
    size_t n = strlen(v) + 1;
    if (arena_used + n > sizeof arena)
        return NULL;
    char *p = memcpy(arena + arena_used, v, n);
    arena_used += n;
    return p;
}

static bool to_int(const char *v, int lo, int hi, int *out)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || n < lo || n > hi)
        return false;
    *out = (int)n;
    return true;
}

static bool to_bool(const char *v, bool *out)
{
    if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
        *out = true;
    else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
        *out = false;
    else
        return false;
    return true;
}

static int on_value(void *user, const char *section, const char *name, const char *value)
{
    struct cfg_ctx *c = user;
    struct kiosk_options *o = c->o;
    bool ok = true, known = true;
    if (strcmp(section, "kiosk") == 0) {
        if (strcmp(name, "db") == 0)
            ok = (o->db_path = keep(value)) != NULL;
        else if (strcmp(name, "lang") == 0)
            ok = (strcmp(value, "fr") == 0 || strcmp(value, "en") == 0) &&
                 ((o->lang = value[0] == 'f' ? LANG_FR : LANG_EN), true);
        else if (strcmp(name, "idle_timeout_s") == 0)
            ok = to_int(value, 10, 3600, &o->idle_timeout_s);
        else if (strcmp(name, "purge_days") == 0)
            ok = to_int(value, 1, 3650, &o->purge_days);
        else if (strcmp(name, "centre") == 0)
            ok = value[0] && (o->centre = keep(value)) != NULL;
        else
            known = false;
    } else if (strcmp(section, "printer") == 0) {
        if (strcmp(name, "uri") == 0)
            ok = (o->printer_uri = keep(value)) != NULL;
        else if (strcmp(name, "paper_mm") == 0)
            ok = to_int(value, 58, 80, &o->paper_mm) && (o->paper_mm == 58 || o->paper_mm == 80);
        else if (strcmp(name, "codepage") == 0)
            ok = escpos_codepage_parse(value, &(enum escpos_codepage){ESCPOS_CP858}) &&
                 (o->codepage = keep(value)) != NULL;
        else
            known = false;
    } else if (strcmp(section, "scanner") == 0) {
        if (strcmp(name, "evdev") == 0)
            ok = (o->scanner_evdev = keep(value)) != NULL;
        else if (strcmp(name, "serial") == 0)
            ok = (o->scanner_serial = keep(value)) != NULL;
        else if (strcmp(name, "serial_baud") == 0)
            ok = to_int(value, 1200, 921600, &o->scanner_baud);
        else if (strcmp(name, "keyboard") == 0)
            ok = to_bool(value, &o->scanner_keyboard);
        else
            known = false;
    } else if (strcmp(section, "checkin") == 0) {
        if (strcmp(name, "opens_before_min") == 0)
            ok = to_int(value, 0, 24 * 60, &o->checkin_opens_before_min);
        else if (strcmp(name, "closes_after_min") == 0)
            ok = to_int(value, 0, 24 * 60, &o->checkin_closes_after_min);
        else
            known = false;
    } else if (strcmp(section, "keys") == 0) {
        if (strcmp(name, "trusted") == 0)
            ok = o->n_trusted_keys < KIOSK_TRUSTED_MAX &&
                 (o->trusted_keys[o->n_trusted_keys++] = keep(value)) != NULL;
        else
            known = false;
    } else if (strcmp(section, "sync") == 0) {
        int n = 0;
        if (strcmp(name, "ca_file") == 0)
            ok = (size_t)snprintf(o->sync.ca_file, sizeof o->sync.ca_file, "%s", value) <
                 sizeof o->sync.ca_file;
        else if (strcmp(name, "pinned_key") == 0)
            ok = strncmp(value, "sha256//", 8) == 0 &&
                 (size_t)snprintf(o->sync.pinned_key, sizeof o->sync.pinned_key, "%s", value) <
                     sizeof o->sync.pinned_key;
        else if (strcmp(name, "allow_insecure_http") == 0)
            ok = to_bool(value, &o->sync.allow_insecure_http);
        else if (strcmp(name, "interval_s") == 0)
            ok = to_int(value, 10, 24 * 3600, &n), o->sync_interval_ms = n * 1000L;
        else if (strcmp(name, "timeout_s") == 0)
            ok = to_int(value, 1, 300, &n), o->sync.timeout_ms = n * 1000L,
            o->sync.connect_timeout_ms = n * 1000L;
        else if (strcmp(name, "seat_timeout_ms") == 0)
            ok = to_int(value, 200, 30000, &n), o->sync.seat_timeout_ms = n;
        else
            known = false;
    } else if (strcmp(section, "staff") == 0) {
        /* Checked here, so that a hash pasted in half is said at start, not at the first PIN. */
        if (strcmp(name, "pin_hash") == 0)
            ok = kiosk_pin_hash_valid(value) && (o->staff_pin_hash = keep(value)) != NULL;
        else if (strcmp(name, "badge") == 0)
            ok = staff_badge_valid(value) && (o->staff_badge = keep(value)) != NULL;
        else
            known = false;
    } else if (strcmp(section, "display") == 0) {
        if (strcmp(name, "fullscreen") == 0)
            ok = to_bool(value, &o->fullscreen);
        else if (strcmp(name, "width") == 0)
            ok = to_int(value, 320, 8192, &o->win_w);
        else if (strcmp(name, "height") == 0)
            ok = to_int(value, 240, 8192, &o->win_h);
        else if (strcmp(name, "renderer") == 0)
            ok = (o->renderer = keep(value)) != NULL;
        else
            known = false;
    } else {
        known = false;
    }
    /* A misspelt key would otherwise be silently ignored, and a kiosk would keep personal
    ** data for the default 30 days while its configuration says 7. */
    if (!known && !c->bad && section[0] == '\0') {
        snprintf(c->err, c->cap, "%s: outside any [section] (is a section line malformed?)", name);
        c->bad = true;
    } else if (!known && !c->bad) {
        snprintf(c->err, c->cap, "[%s] %s: unknown setting (see board/borne.ini)", section, name);
        c->bad = true;
    } else if (!ok && !c->bad && strcmp(section, "staff") == 0) {
        /* A badge's text is as good as the badge: it stays out of the log. */
        snprintf(c->err, c->cap,
                 "[staff] %s: not a valid value (pin_hash: the line `borne pin-hash` prints; "
                 "badge: %d to %d printable characters)",
                 name, STAFF_BADGE_MIN, STAFF_BADGE_MAX - 1);
        c->bad = true;
    } else if (!ok && !c->bad) {
        snprintf(c->err, c->cap, "[%s] %s = %s: not a valid value", section, name, value);
        c->bad = true;
    }
    return ok && known;
}

bool kiosk_config_load(struct kiosk_options *opts, const char *path, char *errmsg,
                       size_t errmsg_cap)
{
    struct cfg_ctx c = {opts, errmsg, errmsg_cap, false};
    int rc = ini_parse(path, on_value, &c);
    if (rc == -1) {
        snprintf(errmsg, errmsg_cap, "%s cannot be read", path);
        return false;
    }
    if (rc != 0) {
        if (!c.bad)
            snprintf(errmsg, errmsg_cap, "%s:%d: malformed line", path, rc);
        return false;
    }
    return true;
}
