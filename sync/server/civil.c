/* Calendar arithmetic and the date and time formats of imported files: see civil.h. */
#include <stdio.h>
#include <string.h>

#include "server/civil.h"

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int civil_month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

int64_t civil_days_from(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* n decimal digits at s into *out; false (and *out untouched) if one is not a digit. */
static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

enum civil_verdict civil_parse_date(const char *s, struct civil_stamp *st)
{
    if (strlen(s) < 10 || !digits(s, 4, &st->y) || s[4] != '-' || !digits(s + 5, 2, &st->mo) ||
        s[7] != '-' || !digits(s + 8, 2, &st->d))
        return CIVIL_FORMAT;
    if (st->y < CIVIL_YEAR_MIN || st->y > CIVIL_YEAR_MAX || st->mo < 1 || st->mo > 12 ||
        st->d < 1 || st->d > civil_month_days(st->y, st->mo))
        return CIVIL_RANGE;
    return CIVIL_OK;
}

enum civil_verdict civil_parse_stamp(const char *s, struct civil_stamp *st)
{
    memset(st, 0, sizeof *st);
    enum civil_verdict v = civil_parse_date(s, st);
    if (v == CIVIL_FORMAT)
        return v;
    const char *p = s + 10;
    if ((*p != ' ' && *p != 'T') || !digits(p + 1, 2, &st->h) || p[3] != ':' ||
        !digits(p + 4, 2, &st->mi))
        return CIVIL_FORMAT;
    p += 6;
    if (*p == ':') {
        if (!digits(p + 1, 2, &st->s))
            return CIVIL_FORMAT;
        p += 3;
    }
    if (*p == 'Z' || *p == 'z') {
        st->has_offset = true;
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh = 0, om = 0, sign = *p == '-' ? -1 : 1;
        if (!digits(p + 1, 2, &oh))
            return CIVIL_FORMAT;
        p += 3;
        if (*p == ':')
            p++;
        if (*p && !digits(p, 2, &om))
            return CIVIL_FORMAT;
        p += *p ? 2 : 0;
        if (oh > 14 || om > 59)
            return CIVIL_RANGE;
        st->has_offset = true;
        st->offset_s = sign * (oh * 3600 + om * 60);
    }
    if (*p)
        return CIVIL_FORMAT;
    if (v != CIVIL_OK || st->h > 23 || st->mi > 59 || st->s > 59)
        return CIVIL_RANGE;
    return CIVIL_OK;
}

int64_t civil_stamp_epoch(const struct civil_stamp *st)
{
    return civil_days_from(st->y, st->mo, st->d) * 86400 + st->h * 3600 + st->mi * 60 + st->s -
           st->offset_s;
}

void civil_format_wall(char *out, int y, int mo, int d, int h, int mi, int s)
{
    snprintf(out, CIVIL_WALL_MAX, "%04u-%02u-%02u %02u:%02u:%02u", (unsigned)y % 10000u,
             (unsigned)mo % 100u, (unsigned)d % 100u, (unsigned)h % 100u, (unsigned)mi % 100u,
             (unsigned)s % 100u);
}
