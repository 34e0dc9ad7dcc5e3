/* The kiosk program: the main loop that joins input, the reducer, effects and the renderer.
**
**   SDL events ─▶ actions ─▶ app_reduce() ─▶ effects (store) ─▶ result actions
**                                  │
**        render_draw ◀─ draw list ◀─ ui_frame(state)   (only when the state changed)
**
** The loop blocks in SDL_WaitEventTimeout until an event or the state's next deadline: nothing
** is drawn while nothing changes. A replay script (tests, docs) drives the very same loop by
** pushing SDL events and advancing a virtual clock. */
#ifndef BORNE_APP_KIOSK_H
#define BORNE_APP_KIOSK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "client/sync.h"
#include "core/app.h"

struct kiosk_options {
    const char *db_path;    /* SQLite file */
    const char *assets_dir; /* fonts are looked up in fonts_dir; i18n/ and demo/ here */
    const char *fonts_dir;
    bool fullscreen;
    int win_w, win_h;
    const char *renderer;  /* SDL render driver; NULL: software */
    bool demo, demo_large; /* fill an empty catalogue with the demo */
    int64_t fixed_now;     /* wall clock at start (--now), or 0 for the real clock */
    enum lang lang;
    int idle_timeout_s;
    int purge_days;
    const char *replay_path; /* run this script headless and exit */
    const char *shots_dir;   /* where the replay's screenshots go */
    bool bench_first_frame;  /* print start-up time to the first frame, then exit */
    int exit_after_ms;       /* leave the loop after this long (benchmarks); 0: never */

    const char *reprint_code; /* "borne reprint CODE": print that ticket again and exit */

    /* Tickets ([kiosk] centre, [printer], [scanner], [checkin], [keys]). */
    const char *centre;         /* printed at the top of a ticket */
    const char *printer_uri;    /* usb:DEV, tcp:HOST:PORT, file:PATH; NULL or "none": no printer */
    int paper_mm;               /* 58 or 80 */
    const char *codepage;       /* cp858 (default), cp437, cp850, cp1252 */
    const char *scanner_evdev;  /* an evdev device read with an exclusive grab; NULL: none */
    const char *scanner_serial; /* a serial scanner's tty; NULL: none */
    int scanner_baud;
    bool scanner_keyboard; /* key presses in the window count as scans (default on) */
    int checkin_opens_before_min, checkin_closes_after_min;
#define KIOSK_TRUSTED_MAX 16
    /* Other devices' public keys ("DEVICE_ID BASE64KEY"): until sync distributes them. */
    const char *trusted_keys[KIOSK_TRUSTED_MAX];
    int n_trusted_keys;

    /* Sync ([sync]; the server's URL and token come from `borne enrol`, kept in the database). */
    struct sync_options sync;
    long sync_interval_ms; /* between cycles while online; 0: 3 minutes */
    /* "borne sync" / "borne enrol URL CODE": run that command and exit. */
    const char *command;
    const char *enrol_url, *enrol_code, *enrol_label;

    /* The staff panel ([staff]). pin_hash is the line `borne pin-hash` prints; NULL: the panel
    ** is off (the corner does nothing, the badge is a scan like any other). badge: the text of a
    ** staff badge's QR code, which opens the PIN prompt (never the panel); NULL: none. */
    const char *staff_pin_hash;
    const char *staff_badge;
};

/* Fill opts with the defaults (demo off, French, 60 s idle, 30 days, fullscreen). */
void kiosk_options_default(struct kiosk_options *opts);

/* Read an INI configuration into opts (sections [kiosk], [display], [printer], [scanner],
** [checkin], [keys]; see board/borne.ini); command-line options
** given afterwards override it. Returns false and fills errmsg on an unreadable or malformed
** file or an unknown value. */
bool kiosk_config_load(struct kiosk_options *opts, const char *path, char *errmsg,
                       size_t errmsg_cap);

/* Run the kiosk until the window is closed or SIGTERM (or the replay ends). Returns the
** process exit code: 0 on a normal end; for a replay, 1 if an expectation failed. */
int kiosk_run(const struct kiosk_options *opts);

/* The staff PIN's hash (firmware/app/staff.c): Argon2id (libsodium's crypto_pwhash_str) with
** KIOSK_PIN_OPSLIMIT passes over KIOSK_PIN_MEMLIMIT bytes, which a Raspberry Pi 3 checks in
** well under a second while a guess costs an attacker as much. */
#define KIOSK_PIN_OPSLIMIT 2                   /* crypto_pwhash_OPSLIMIT_INTERACTIVE */
#define KIOSK_PIN_MEMLIMIT (32u * 1024 * 1024) /* 32 MiB: half of libsodium's INTERACTIVE */
#define KIOSK_PIN_HASH_MAX 128                 /* crypto_pwhash_STRBYTES */

/* Hash pin (see staff_pin_valid(): 4 to 12 digits) into out, cap >= KIOSK_PIN_HASH_MAX.
** BORNE_ERR_INVALID: not a valid PIN or cap too small (out is then ""); BORNE_ERR_NOMEM: the
** hashing memory could not be had. */
enum borne_err kiosk_pin_hash(const char *pin, char *out, size_t cap);

/* Whether hash is a PIN hash this kiosk can check: a libsodium "$argon2id$" string whose
** parameters are readable. Says nothing of the PIN. */
bool kiosk_pin_hash_valid(const char *hash);

/* Whether pin matches hash. Slow on purpose (see above): never on the UI thread. False for
** a malformed hash, and when the check's memory could not be had. */
bool kiosk_pin_verify(const char *hash, const char *pin);

/* `borne pin-hash`: read a PIN (4 to 12 digits) from the first line of in (without echo
** when in is a terminal, after a prompt on err) and write the configuration line
** "pin_hash = $argon2id$..." to out. Returns the exit code: 0 done; 1 no PIN read, or not 4
** to 12 digits; 2 the hashing failed (memory). Messages go to err. */
int kiosk_pin_hash_command(FILE *in, FILE *out, FILE *err);

#endif
