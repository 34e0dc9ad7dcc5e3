/* libFuzzer target for the server's iCalendar reader (sync/server/ics.c, over libical): any
** calendar an administrator imports must get an answer, never a crash, and every session it
** yields must be one the kiosk can hold.
**
** Checked on every input, as import.c drives it (with PostgreSQL played by a fixed list of time
** zones it "knows" and a conversion of wall times that reads them as UTC, an hour per zone):
**   - a refused calendar leaves no calendar and at least one problem; an accepted one has
**     events, and names each time zone once;
**   - every row kept is a session the kiosk can hold (ids, UTF-8 texts within their lengths,
**     kind, capacity, times in a known zone: fuzz_catalogue.h); every EXDATE belongs to an event;
**   - every message, and every note on an all-day event, is plain text, as printed too;
**   - with no problem, every session id is there once and every session ends after it starts;
**   - the figures add up: occurrences and default capacities are among the rows kept. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>
#include <sodium.h>

#include "core/text.h"
#include "server/catalogue.h"
#include "server/ics.h"

#include "fuzz/fuzz_catalogue.h"

#define FUZZ_NOW 1767225600 /* 2026-01-01T00:00:00Z: the samples' recurrences fall after it */

/* The zones "PostgreSQL knows"; the site's first. Others go to the file's VTIMEZONE, or are
** refused. */
static const char *const known_zones[] = {"Europe/Paris", "America/New_York", "UTC",
                                          "Europe/London", "Asia/Tokyo"};

static bool known(const char *name)
{
    for (size_t i = 0; i < sizeof known_zones / sizeof known_zones[0]; i++)
        if (!strcmp(name, known_zones[i]))
            return true;
    return false;
}

/* Notes are lines of plain text. */
static void check_notes(const char *notes, size_t len)
{
    check(strlen(notes) == len && support_valid_utf8(notes));
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)notes[i];
        check(c != 0x7F && (c >= 0x20 || c == '\n'));
        if (c == 0xC2)
            check((unsigned char)notes[i + 1] >= 0xA0);
    }
    check(len == 0 || notes[len - 1] == '\n');
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (sodium_init() < 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so that a read one past the input is caught by ASan. Calendars past
    ** 256 KiB add nothing a smaller one cannot reach, and slow the fuzzer down. */
    if (size > (256u << 10))
        return 0;
    char *text = malloc(size ? size : 1);
    if (!text)
        return 0;
    memcpy(text, data, size);

    char *notes = NULL;
    size_t notes_len = 0;
    FILE *f = open_memstream(&notes, &notes_len);
    check(f != NULL);
    struct catalogue cat;
    catalogue_init(&cat, FUZZ_NOW, f);
    check(catalogue_zone_add(&cat, known_zones[0]) == 0);

    struct ics_room rooms[2] = {{.id = "atelier"}, {.id = "salle-1"}};
    text_name_key("Espace atelier", "", rooms[0].key, sizeof rooms[0].key);
    text_name_key("Salle du 1er étage", "", rooms[1].key, sizeof rooms[1].key);

    struct ics_calendar *cal = (struct ics_calendar *)&cat; /* must be set, whatever happens */
    enum borne_err err = ics_calendar_parse(&cat, text, size, &cal);
    if (err != BORNE_OK) {
        check(cal == NULL);
        check(err == BORNE_ERR_INVALID || (err == BORNE_ERR_NOMEM && cat.nomem));
        check(err == BORNE_ERR_NOMEM || catalogue_has_problems(&cat));
        check(cat.row_count == 0);
    } else {
        check(cal != NULL && cat.events > 0);
        size_t nz = ics_calendar_zone_count(cal);
        for (size_t i = 0; i < nz; i++) {
            const char *z = ics_calendar_zone(cal, i);
            check(z != NULL);
            for (size_t j = 0; j < i; j++)
                check(strcmp(z, ics_calendar_zone(cal, j)) != 0);
            if (known(z))
                catalogue_zone_add(&cat, z);
        }
        ics_calendar_read(cal, &cat, rooms, 2);
        ics_calendar_destroy(cal);
    }
    check_problems(&cat);
    check(cat.row_count <= CATALOGUE_ROWS_MAX && cat.exdate_count <= ICS_EXDATES_MAX);
    for (size_t i = 0; i < cat.row_count; i++)
        check_row(&cat, &cat.rows[i], true);
    for (size_t i = 0; i < cat.exdate_count; i++) {
        check(cat.exdates[i].event < cat.events);
        if (!cat.exdates[i].date_only)
            check_when(&cat, &cat.exdates[i].at);
    }

    if (!cat.nomem) {
        fuzz_convert_times(&cat);
        ics_settle(&cat);
        size_t kept = catalogue_check_rows(&cat, true);
        check(kept <= cat.row_count);
        check(cat.occurrences <= kept && cat.default_capacity <= kept);
        check_problems(&cat);
        for (size_t i = 0; i < cat.row_count; i++)
            check_row(&cat, &cat.rows[i], true);
        check_importable(&cat);
    }
    check_printed(&cat);
    fclose(f);
    check_notes(notes ? notes : "", notes_len);
    free(notes);
    catalogue_deinit(&cat);
    free(text);
    /* libical keeps the system time zones it loaded, and their transitions up to the latest year
    ** asked, for the life of the process (an import is one process). Freed here, so that every
    ** input starts from the same state and the leak check does not rescan a growing cache. */
    icaltimezone_free_builtin_timezones();
    return 0;
}
