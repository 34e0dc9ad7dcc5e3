/* Calendar arithmetic and the date and time formats of imported files (civil.c): proleptic
** Gregorian dates, no time zone database (PostgreSQL has one: wall times in a zone are
** converted there, see import.c). Pure: no allocation, no clock, no I/O. */
#ifndef BORNE_SERVER_CIVIL_H
#define BORNE_SERVER_CIVIL_H

#include <stdbool.h>
#include <stdint.h>

#define CIVIL_YEAR_MIN 2000 /* "0225-03-12" is a typo, not a session of antiquity */
#define CIVIL_YEAR_MAX 2100
#define CIVIL_WALL_MAX 20 /* bytes of "YYYY-MM-DD HH:MM:SS" and its NUL */

/* A date, and a time of day with an optional UTC offset, as a file writes them. */
struct civil_stamp {
    int y, mo, d, h, mi, s;
    bool has_offset; /* Z or an offset was written: the stamp is an instant */
    int offset_s;    /* east of UTC, seconds */
};

enum civil_verdict {
    CIVIL_OK = 0,
    CIVIL_FORMAT = 1, /* not written in a format this reads */
    CIVIL_RANGE = 2,  /* well written, but no such date or time (2027-02-30, 24:00, year 1999) */
};

/* Days of month m (1 to 12) of year y. */
int civil_month_days(int y, int m);

/* Days from 1970-01-01 to the civil date y-m-d (H. Hinnant's algorithm); negative before. */
int64_t civil_days_from(int y, int m, int d);

/* Reads the date "YYYY-MM-DD" at the start of s into st's y, mo, d (what follows is not
** looked at; the other members are left alone). Years CIVIL_YEAR_MIN to CIVIL_YEAR_MAX. */
enum civil_verdict civil_parse_date(const char *s, struct civil_stamp *st);

/* Reads all of s as "YYYY-MM-DD HH:MM" (a wall time), the same with seconds or with 'T', or
** ISO 8601 with Z or an offset (+01:00, +0100, +01). st is cleared first; on CIVIL_OK it holds
** the stamp, otherwise what was read before the problem. */
enum civil_verdict civil_parse_stamp(const char *s, struct civil_stamp *st);

/* The Unix time of a stamp read with an offset (has_offset); for a wall time, the Unix time
** the same wall clock shows in UTC. */
int64_t civil_stamp_epoch(const struct civil_stamp *st);

/* A wall time as PostgreSQL reads it, "YYYY-MM-DD HH:MM:SS", into out (CIVIL_WALL_MAX bytes).
** The values are the caller's to check; out of range ones are only kept from overflowing the
** format (the modulos), never refused. */
void civil_format_wall(char *out, int y, int mo, int d, int h, int mi, int s);

#endif
