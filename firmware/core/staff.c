/* The staff panel's pure rules. See staff.h. */
#include "core/staff.h"

#include <string.h>

bool staff_lock_allows(struct staff_lock *l, int64_t now_ms)
{
    if (l->locked_until_ms == 0)
        return true;
    if (now_ms < l->locked_until_ms)
        return false;
    l->locked_until_ms = 0;
    l->failures = 0;
    return true;
}

bool staff_lock_wrong(struct staff_lock *l, int64_t now_ms)
{
    if (l->locked_until_ms != 0)
        return false; /* no check ran: nothing to count */
    if (++l->failures < STAFF_TRIES_MAX)
        return false;
    /* A monotonic clock at 0 (a test, a board just booted) must still lock: 0 means "not". */
    l->locked_until_ms = now_ms + STAFF_LOCK_MS > 0 ? now_ms + STAFF_LOCK_MS : 1;
    return true;
}

void staff_lock_right(struct staff_lock *l)
{
    l->failures = 0;
    l->locked_until_ms = 0;
}

bool staff_pin_valid(const char *s)
{
    if (!s)
        return false;
    size_t n = 0;
    for (; s[n]; n++)
        if (s[n] < '0' || s[n] > '9' || n >= STAFF_PIN_MAX)
            return false;
    return n >= STAFF_PIN_MIN;
}

bool staff_badge_valid(const char *badge)
{
    if (!badge)
        return false;
    size_t n = 0;
    for (; badge[n]; n++)
        if ((unsigned char)badge[n] < 0x20 || (unsigned char)badge[n] > 0x7E ||
            n >= STAFF_BADGE_MAX - 1)
            return false;
    return n >= STAFF_BADGE_MIN;
}

bool staff_badge_matches(const char *badge, const char *scan)
{
    if (!badge || !scan || !badge[0])
        return false;
    size_t nb = strnlen(badge, STAFF_BADGE_MAX), ns = strnlen(scan, STAFF_BADGE_MAX);
    if (nb >= STAFF_BADGE_MAX || ns != nb)
        return false; /* a length says nothing of the badge's letters */
    unsigned char diff = 0;
    for (size_t i = 0; i < nb; i++)
        diff |= (unsigned char)(badge[i] ^ scan[i]);
    return diff == 0;
}
