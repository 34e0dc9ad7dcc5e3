/* Check-in verdicts. See checkin.h. */
#include "core/checkin.h"

#include <time.h>

/* Same local calendar day. */
static bool same_day(int64_t a, int64_t b)
{
    time_t ta = (time_t)a, tb = (time_t)b;
    struct tm ma, mb;
    localtime_r(&ta, &ma);
    localtime_r(&tb, &mb);
    return ma.tm_year == mb.tm_year && ma.tm_yday == mb.tm_yday;
}

bool checkin_is_open(const struct session *ses, int64_t now, const struct checkin_window *w)
{
    return !ses->cancelled && now >= ses->starts_at - w->opens_before_s &&
           now <= ses->ends_at + w->closes_after_s;
}

enum verdict checkin_judge(const struct session *ses, bool ticket_cancelled, bool ticket_waitlist,
                           int64_t first_checkin_at, int64_t now, const struct checkin_window *w,
                           int64_t *at)
{
    *at = 0;
    if (ticket_cancelled || ses->cancelled)
        return VERDICT_CANCELLED;
    if (first_checkin_at > 0) {
        *at = first_checkin_at;
        return VERDICT_ALREADY;
    }
    /* A window that reaches over midnight (a late session, a wide configuration) counts: the
    ** door is what matters, not the calendar. */
    if (!checkin_is_open(ses, now, w) && !same_day(ses->starts_at, now)) {
        /* A session that ran past midnight ended "today" for whoever scans at 00:40. */
        if (now > ses->ends_at + w->closes_after_s && same_day(ses->ends_at, now)) {
            *at = ses->ends_at;
            return VERDICT_OVER;
        }
        *at = ses->starts_at;
        return VERDICT_NOT_TODAY;
    }
    if (ticket_waitlist && now <= ses->ends_at + w->closes_after_s)
        return VERDICT_WAITLIST;
    if (now < ses->starts_at - w->opens_before_s) {
        *at = ses->starts_at - w->opens_before_s;
        return VERDICT_TOO_EARLY;
    }
    if (now > ses->ends_at + w->closes_after_s) {
        *at = ses->ends_at;
        return VERDICT_OVER;
    }
    return VERDICT_WELCOME;
}

const char *verdict_str(enum verdict v)
{
    static const char *const names[VERDICT_COUNT] = {
        "welcome",   "already checked in", "too early", "session over",
        "not today", "cancelled",          "not valid", "waiting list"};
    return (unsigned)v < VERDICT_COUNT ? names[v] : "?";
}

const char *invalid_reason_str(enum invalid_reason r)
{
    switch (r) {
    case INVALID_NONE:
        return "none";
    case INVALID_DAMAGED:
        return "damaged or not a ticket";
    case INVALID_NEWER_FORMAT:
        return "newer payload format";
    case INVALID_FORGED:
        return "signature does not match";
    case INVALID_UNKNOWN_KEY:
        return "unknown issuing device";
    case INVALID_REVOKED_KEY:
        return "issuing device revoked";
    case INVALID_UNKNOWN_SESSION:
        return "unknown session (another centre?)";
    case INVALID_UNKNOWN_CODE:
        return "unknown short code";
    case INVALID_MISMATCH:
        return "payload and record disagree";
    }
    return "?";
}
