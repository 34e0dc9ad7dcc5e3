/* The catalogue an import reads (catalogue.c): the sessions a file describes, each checked as
** it is read, then against each other, and every problem found, with its line.
**
** An import is all or nothing: a file with a single problem imports nothing, and every problem
** is reported at once (an administrator fixes a spreadsheet once, not once per error). So
** readers never stop at the first problem; they record it with catalogue_problem() and go on.
**
** Pure: no database, no file, no clock. The CSV reader of catalogues is here
** (catalogue_read_csv), the iCalendar one in ics.h. What needs PostgreSQL is import.c's and
** is handed in as data: the time zones PostgreSQL knows (zones), the site's rooms (ics.h),
** and, once read, the conversion of wall times to Unix times (struct catalogue_when). */
#ifndef BORNE_SERVER_CATALOGUE_H
#define BORNE_SERVER_CATALOGUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "server/civil.h"

/* Hard limits: every one of them is reported to the administrator when reached, never hit
** silently. */
#define CATALOGUE_ROWS_MAX 100000    /* sessions of one import (CSV rows, iCalendar events) */
#define CATALOGUE_PROBLEMS_KEPT 500  /* messages kept and printed; beyond, only counted */
#define CATALOGUE_PROBLEM_MAX 640    /* bytes of one message, its NUL included */
#define CATALOGUE_ZONES_MAX 32       /* distinct time zones of one file (the site's included) */
#define CATALOGUE_ZONE_NAME_MAX 64   /* bytes of a time zone name, NUL included */
#define CATALOGUE_CAPACITY_MAX 10000 /* seats of one session */

/* A time of a session. Known at once when the file gave an offset (or UTC); otherwise a wall
** time in one of the catalogue's zones, converted by the caller (PostgreSQL) before
** catalogue_check_rows(). */
struct catalogue_when {
    int64_t epoch; /* Unix seconds, once known */
    bool known;
    int zone;                  /* index in catalogue.zones, while !known */
    char wall[CIVIL_WALL_MAX]; /* "YYYY-MM-DD HH:MM:SS", while !known ("": no time) */
};

/* One session as the file describes it. The strings are owned by the row (free with
** catalogue_row_free()); room_name may be NULL (not given), the others are never NULL once
** the row is in a catalogue. Every text is valid UTF-8 and shorter than its field in
** core/model.h; id and room_id pass field_id_ok(). */
struct catalogue_row {
    long line; /* CSV: the record's first line; iCalendar: the line of its BEGIN:VEVENT */
    char *id, *title, *description, *room_id, *room_name, *organiser, *reserved_for, *source;
    int kind;     /* enum session_kind */
    int capacity; /* 0 to CATALOGUE_CAPACITY_MAX */
    bool cancelled;
    struct catalogue_when start, end;
    /* iCalendar only */
    size_t event;    /* index of the VEVENT it comes from */
    int ymd;         /* its local start date as YYYYMMDD: the occurrence's id, EXDATE's test */
    bool occurrence; /* made from an RRULE or a RECURRENCE-ID: kept only within the horizon */
    bool override;   /* a RECURRENCE-ID event: replaces the occurrence with its id */
    bool dropped;    /* outside the horizon, excluded, or replaced: not imported */
    bool default_capacity; /* the event did not say: ICS_DEFAULT_CAPACITY */
};

/* An EXDATE of a recurring event: an occurrence it removes. */
struct catalogue_exdate {
    size_t event;
    bool date_only; /* VALUE=DATE: every occurrence of that local date */
    int ymd;
    struct catalogue_when at;
};

struct catalogue_problem {
    long line;  /* 0: the whole file */
    size_t seq; /* the order it was found in, for a stable sort */
    char *text; /* owned; valid UTF-8 without control characters */
};

/* What an import read. Everything is owned by the catalogue; release with catalogue_deinit(). */
struct catalogue {
    /* Handed in before reading. zones[0] is the site's time zone (wall times without one are
    ** in it); the others are the zones PostgreSQL knows that the file names (ics.h). */
    char zones[CATALOGUE_ZONES_MAX][CATALOGUE_ZONE_NAME_MAX];
    int zone_count;
    int64_t now; /* Unix seconds: where the iCalendar horizon starts */
    FILE *notes; /* where a note that is not a problem goes (an all-day event); NULL: none */
    /* What was read. */
    struct catalogue_row *rows;
    size_t row_count, row_cap;
    struct catalogue_exdate *exdates;
    size_t exdate_count, exdate_cap;
    struct catalogue_problem *problems;
    size_t problem_count, problem_cap, problems_more;
    bool nomem;    /* memory ran out: the catalogue is not complete and must not be imported */
    bool too_many; /* CATALOGUE_ROWS_MAX reached (reported once) */
    /* iCalendar figures for the summary */
    size_t events, recurring, occurrences, default_capacity, all_day, shortened;
};

/* Initialises cat empty, without zones, at time now (Unix seconds), writing notes to notes
** (may be NULL). Allocates nothing. */
void catalogue_init(struct catalogue *cat, int64_t now, FILE *notes);

/* Frees everything cat holds; cat must be initialised again before it is used. */
void catalogue_deinit(struct catalogue *cat);

/* Adds a time zone by name (the first one added is the site's). Returns its index (the one it
** already had, if it is there), or -1 when the name is empty or too long for
** CATALOGUE_ZONE_NAME_MAX, or CATALOGUE_ZONES_MAX zones are there already. */
int catalogue_zone_add(struct catalogue *cat, const char *name);

/* The index of a zone by name, or -1. */
int catalogue_zone_find(const struct catalogue *cat, const char *name);

/* Records a problem of the file at line (0: the whole file). The message is formatted into at
** most CATALOGUE_PROBLEM_MAX bytes; a value from the file must go through field_show(). Past
** CATALOGUE_PROBLEMS_KEPT problems, or when memory runs out, the problem is only counted. */
void catalogue_problem(struct catalogue *cat, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Whether any problem was recorded (kept or only counted). */
bool catalogue_has_problems(const struct catalogue *cat);

/* Writes the problems to err sorted by line (in the order found within a line), then the
** count of those not kept, then that nothing was imported. */
void catalogue_problems_print(struct catalogue *cat, FILE *err);

/* Checks a text value against its field: valid UTF-8, no control character (line feeds and
** tabs allowed when multiline), fewer than max bytes (the kiosk's fixed fields, core/model.h).
** A problem is recorded under the name field; true when the value is fine. */
bool catalogue_check_text(struct catalogue *cat, long line, const char *field, const char *s,
                          size_t max, bool multiline);

/* Frees a row's strings and clears them. */
void catalogue_row_free(struct catalogue_row *r);

/* Copies src into dst with strings of its own, dst's id left NULL. false when memory ran out:
** dst is then partly filled, still safe to catalogue_row_free(). */
bool catalogue_row_copy(struct catalogue_row *dst, const struct catalogue_row *src);

/* Appends a row, taking over its strings also on failure. Returns the row in the catalogue, or
** NULL when the catalogue is full (CATALOGUE_ROWS_MAX: a problem is recorded, once) or memory
** ran out (nomem is set). */
struct catalogue_row *catalogue_row_push(struct catalogue *cat, struct catalogue_row *r);

/* Appends an EXDATE; false when memory ran out (nomem is set). */
bool catalogue_exdate_push(struct catalogue *cat, const struct catalogue_exdate *x);

/* The checks that look at several rows, once every time is known: an id at most once (an
** iCalendar occurrence gives way to the RECURRENCE-ID event that replaces it), one name per
** room (iCalendar: the first spelling of a room's name wins), a session that ends after it
** starts. Then counts the iCalendar figures. Returns the number of rows to import (not
** dropped). ics: the rows come from an iCalendar file. */
size_t catalogue_check_rows(struct catalogue *cat, bool ics);

/* Reads a CSV catalogue (len bytes at data; no NUL needed) into cat's rows: a header row naming
** its columns in any order (id, title, starts_at, ends_at, capacity, room required;
** room_name, description, kind, organiser, reserved_for, cancelled optional), then one session
** per record. A time without an offset is a wall time in zones[0]. Every problem is recorded;
** rows are kept only when sound. */
void catalogue_read_csv(struct catalogue *cat, const char *data, size_t len);

#endif
