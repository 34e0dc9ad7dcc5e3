/* The staff panel's rules that need no outside world: what a PIN may be, how wrong PINs lock
** the prompt, whether a scan is the staff badge, and what the panel shows of today.
**
** The PIN itself is checked against its Argon2id hash by firmware/app/staff.c, off the UI
** thread (it is slow on purpose); the reducer only ever sees "right" or "wrong". The lockout is
** kept here, pure, on the monotonic clock the reducer already has, so that its boundaries (the
** fifth wrong try, a try during the lock, the lock's end) are unit tested without waiting. */
#ifndef BORNE_CORE_STAFF_H
#define BORNE_CORE_STAFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model.h"

#define STAFF_PIN_MIN 4  /* digits */
#define STAFF_PIN_MAX 12 /* digits */
#define STAFF_TRIES_MAX 5
#define STAFF_LOCK_MS (5 * 60 * 1000) /* locked this long after STAFF_TRIES_MAX wrong PINs */
#define STAFF_HOLD_MS 2000            /* the corner opens the prompt after a press this long */
#define STAFF_CORNER_PX 96            /* the invisible top-left square of the start screen */
#define STAFF_PIN_IDLE_MS 30000       /* the PIN prompt goes home after this without a touch */
#define STAFF_PANEL_IDLE_MS 60000     /* the panel closes itself after this without a touch */
#define STAFF_BADGE_MIN 16            /* characters: a badge must not be guessable by a scan */
#define STAFF_BADGE_MAX 128           /* bytes, NUL included */
#define STAFF_SESSIONS_MAX 48         /* today's sessions the panel holds; more are counted */

/* Wrong PINs in a row, and the lock they lead to. Zeroed: no wrong try, not locked. */
struct staff_lock {
    int failures;            /* wrong PINs since the last right one (or the last lock's end) */
    int64_t locked_until_ms; /* monotonic; 0: not locked */
};

/* Whether a PIN may be tried now. A lock whose time is over is lifted here, and the count of
** wrong tries starts again from zero: five more wrong tries lock again. While locked, a PIN is
** refused before any check, so that the lock cannot be beaten by trying faster. */
bool staff_lock_allows(struct staff_lock *l, int64_t now_ms);

/* A PIN was wrong: one more failure; the STAFF_TRIES_MAX-th in a row locks the prompt for
** STAFF_LOCK_MS from now_ms. Returns true when this failure locked it. */
bool staff_lock_wrong(struct staff_lock *l, int64_t now_ms);

/* A PIN was right: the count of wrong tries goes back to zero. */
void staff_lock_right(struct staff_lock *l);

/* Whether s is an acceptable PIN: STAFF_PIN_MIN to STAFF_PIN_MAX ASCII digits, nothing else.
** NULL is not. */
bool staff_pin_valid(const char *s);

/* Whether a configured badge is acceptable: STAFF_BADGE_MIN to STAFF_BADGE_MAX - 1 printable
** ASCII characters (what a scanner types back the same on every layout). */
bool staff_badge_valid(const char *badge);

/* Whether scan is the badge. Both NUL-terminated; an empty badge matches nothing. The time
** taken does not depend on where the two first differ. */
bool staff_badge_matches(const char *badge, const char *scan);

/* One of today's sessions on the panel, with this kiosk's counts. */
struct staff_session {
    char title[BORNE_TITLE_MAX];
    char room[BORNE_ROOM_MAX];
    int64_t starts_at, ends_at;
    int capacity;
    int seats_taken; /* every confirmed registration the kiosk knows of (all kiosks, web) */
    int registered;  /* confirmed registrations made at this kiosk */
    int checked_in;  /* tickets checked in at this kiosk */
};

/* What the panel's data effect reads for the screen (firmware/app/staff.c). */
struct staff_data {
    int64_t disk_free_bytes; /* on the database's file system; -1: unknown */
    bool clock_unsure;       /* the system clock is not synchronised */
    struct staff_session sessions[STAFF_SESSIONS_MAX];
    size_t n_sessions;
    size_t n_more; /* sessions of today beyond STAFF_SESSIONS_MAX, not held */
};

#endif
