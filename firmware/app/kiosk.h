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
#include <stdint.h>

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

#endif
