/* The iCalendar reader of catalogues (ics.c): each VEVENT of a file becomes a session (each
** occurrence of a recurring one in the next ICS_HORIZON_S), as rows of a struct catalogue.
** Meetup's export and a centre's own calendar are the models (tests/integration/data).
**
** libical parses; this decides what a calendar means for a kiosk: the session's id from the
** UID, its room from LOCATION (a room the site has under that name, or a slug), its capacity
** from X-BORNE-CAPACITY or a line "Places : N" of the description, RRULE and EXDATE expanded,
** a RECURRENCE-ID event replacing its occurrence, an all-day event refused on its own.
**
** Pure: libical, no database. What the database knows is handed in: the time zones PostgreSQL
** can convert in (the catalogue's zones, filled between ics_calendar_parse() and
** ics_calendar_read(); ics_calendar_zone() lists those the file names) and the site's rooms. */
#ifndef BORNE_SERVER_ICS_H
#define BORNE_SERVER_ICS_H

#include <stddef.h>

#include "core/err.h"
#include "core/model.h"
#include "server/catalogue.h"

#define ICS_FILE_MAX (32L << 20)     /* bytes of an iCalendar file */
#define ICS_UID_MAX 255              /* bytes of an event's UID */
#define ICS_DEFAULT_CAPACITY 12      /* seats of an event that does not say */
#define ICS_HORIZON_S (180L * 86400) /* recurring events: occurrences this far ahead */
#define ICS_RRULE_STEPS_MAX 100000   /* iterations of one RRULE, from its DTSTART */
#define ICS_OCCURRENCES_MAX 1000     /* occurrences of one RRULE kept in the horizon */
#define ICS_EXDATES_MAX 10000        /* EXDATE values of one file */

/* A room the site already has: an event whose LOCATION names it is in it. */
struct ics_room {
    char id[BORNE_ID_MAX];
    char key[4 * BORNE_ROOM_MAX]; /* text_name_key() of its name */
};

/* A parsed calendar, its events not read yet. */
struct ics_calendar;

/* Parses len bytes of text (no NUL needed; a NUL inside is refused) as iCalendar: one
** VCALENDAR, several, or a lone VEVENT. What is not UTF-8 text, not iCalendar, or has no event
** or more than CATALOGUE_ROWS_MAX is refused with a problem in cat (with its line where there
** is one). Sets cat->events. On BORNE_OK *out is the calendar, the caller's: free with
** ics_calendar_destroy(). Otherwise *out is NULL: BORNE_ERR_INVALID (refused, the problems are
** in cat) or BORNE_ERR_NOMEM (cat->nomem is set too). */
enum borne_err ics_calendar_parse(struct catalogue *cat, const char *text, size_t len,
                                  struct ics_calendar **out);

/* The time zones (TZID) the events' times name, each once, in the order first met: the caller
** adds to cat's zones those PostgreSQL knows (catalogue_zone_add()) before ics_calendar_read().
** A zone not added is converted by the file's own VTIMEZONE (libical), or refused. Borrowed
** from cal. */
size_t ics_calendar_zone_count(const struct ics_calendar *cal);
const char *ics_calendar_zone(const struct ics_calendar *cal, size_t i);

/* Reads every event of cal into cat's rows (and EXDATEs), with the site's rooms (n_rooms of
** them at rooms, borrowed; NULL when n_rooms is 0). Problems are recorded in cat; all-day
** events are refused with a note on cat->notes and counted in cat->all_day. Wall times stay
** to be converted by the caller, then ics_settle(). */
void ics_calendar_read(struct ics_calendar *cal, struct catalogue *cat,
                       const struct ics_room *rooms, size_t n_rooms);

/* Frees cal. Accepts NULL. */
void ics_calendar_destroy(struct ics_calendar *cal);

/* Once every time of cat is known: drops the occurrences outside [cat->now, cat->now +
** ICS_HORIZON_S) and those an EXDATE removes. catalogue_check_rows(cat, true) comes next. */
void ics_settle(struct catalogue *cat);

#endif
