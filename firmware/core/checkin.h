/* Check-in: what the kiosk says when a ticket is scanned (or its short code typed) at the door.
**
** The verdict is decided by one pure function, checkin_judge(), from what the store knows of
** the ticket and its session; the store calls it inside the transaction that records the
** check-in, and the unit tests call it directly for every case. */
#ifndef BORNE_CORE_CHECKIN_H
#define BORNE_CORE_CHECKIN_H

#include <stdbool.h>
#include <stdint.h>

#include "core/model.h"

/* When the door opens for a session: from opens_before_s before its start until
** closes_after_s after its end. The defaults (DESIGN.md): 30 minutes before, until the end. */
struct checkin_window {
    int opens_before_s;
    int closes_after_s;
};
#define CHECKIN_OPENS_BEFORE_DEFAULT_S (30 * 60)
#define CHECKIN_CLOSES_AFTER_DEFAULT_S 0

enum verdict {
    VERDICT_WELCOME = 0, /* checked in now */
    VERDICT_ALREADY,     /* checked in before: at = when */
    VERDICT_TOO_EARLY,   /* at = when check-in opens */
    VERDICT_OVER,        /* the session has ended (today) */
    VERDICT_NOT_TODAY,   /* the session is on another day: at = its start */
    VERDICT_CANCELLED,   /* the ticket, or its session, was cancelled */
    VERDICT_INVALID,     /* not a ticket this kiosk can accept: see enum invalid_reason */
    VERDICT_WAITLIST,    /* a waiting-list ticket: no seat was confirmed, the desk decides */
};
#define VERDICT_COUNT 8

/* Why a ticket is not valid, for the log and for staff; the visitor reads one message. */
enum invalid_reason {
    INVALID_NONE = 0,
    INVALID_DAMAGED,         /* not a Borne payload, truncated, altered structure */
    INVALID_NEWER_FORMAT,    /* a payload version this kiosk does not know yet */
    INVALID_FORGED,          /* the signature does not match */
    INVALID_UNKNOWN_KEY,     /* signed by a device this kiosk does not know */
    INVALID_REVOKED_KEY,     /* signed by a device that was revoked */
    INVALID_UNKNOWN_SESSION, /* a session this centre does not hold: another centre's ticket */
    INVALID_UNKNOWN_CODE,    /* a typed short code that matches no ticket */
    INVALID_MISMATCH,        /* the payload and the ticket on record disagree */
};

/* What the verdict screen shows. Names are only those of the ticket's holder. */
struct checkin_result {
    enum verdict verdict;
    enum invalid_reason reason;
    int64_t at;                      /* see enum verdict */
    char ticket_id[BORNE_ID_MAX];    /* "" when the ticket could not be read */
    char first_name[BORNE_NAME_MAX]; /* "" when the ticket was issued elsewhere */
    struct session session;          /* zeroed when unknown */
};

/* The verdict for a genuine ticket of a known session at time now. first_checkin_at is the
** time of the ticket's first check-in, 0 if none. *at receives the time the verdict names.
** The order matters: a cancelled ticket says so even if it was used; a used ticket says when,
** whatever the time; then the day; then, for a waiting-list ticket (ticket_waitlist), the
** desk, in place of a welcome or a "too early" (a visitor told to come back at 14:00 would
** be sent to the desk then: better now); then the time of day. A waiting-list ticket is never
** welcome: the kiosk cannot know whether a seat came free since it was printed. */
enum verdict checkin_judge(const struct session *ses, bool ticket_cancelled, bool ticket_waitlist,
                           int64_t first_checkin_at, int64_t now, const struct checkin_window *w,
                           int64_t *at);

/* Whether the door is open for the session at time now (a registration made then is checked
** in at once). */
bool checkin_is_open(const struct session *ses, int64_t now, const struct checkin_window *w);

/* Short English names, for logs. Never NULL. */
const char *verdict_str(enum verdict v);
const char *invalid_reason_str(enum invalid_reason r);

#endif
