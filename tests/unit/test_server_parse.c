/* Unit tests of borne-server's pure parts (borne_server_parse): the CSV reader (quoting, CRLF,
** byte order marks, line breaks inside quotes, the record and field limits, delimiters), the
** CSV catalogue's checks, the iCalendar reader on small calendars, the Authorization header and
** the pull cursor at their edges, the bounded buffer at its maximum, and the calendar helpers.
**
** The expected hashes are computed here from the token's bytes, never taken from the code under
** test; UTF-8 validity is judged by tests/support.h's own checker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/model.h"
#include "core/text.h"
#include "protocol/protocol.h"
#include "server/catalogue.h"
#include "server/civil.h"
#include "server/csv.h"
#include "server/dynbuf.h"
#include "server/field.h"
#include "server/ics.h"
#include "server/request.h"

#include "support.h"

/* An allocation of exabytes must fail with NULL under ASan too, for the dynbuf test that asks for
** one: ASan's default is to abort. The environment's ASAN_OPTIONS still apply on top. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}

/* --- helpers -------------------------------------------------------------------------------- */

/* A reader on the heap (it holds a 64 KiB record buffer) over a string. */
static struct csv_reader *reader_new(const char *text, size_t len)
{
    struct csv_reader *c = calloc(1, sizeof *c);
    assert_non_null(c);
    assert_int_equal(csv_reader_init(c, text, len), BORNE_OK);
    return c;
}

/* Reads the next record and checks it is one with the given fields. */
static void expect_record(struct csv_reader *c, long line, int n, const char *const *fields)
{
    assert_int_equal(csv_reader_next(c), CSV_RECORD);
    assert_int_equal(c->record_line, line);
    assert_int_equal(c->nfields, n);
    for (int i = 0; i < n; i++)
        assert_string_equal(csv_reader_field(c, i), fields[i]);
}

/* --- the CSV reader ------------------------------------------------------------------------- */

static void test_csv_quoting(void **state)
{
    (void)state;
    const char text[] = "a,\"b,c\",\"say \"\"hi\"\"\",,\"\"\n";
    struct csv_reader *c = reader_new(text, sizeof text - 1);
    expect_record(c, 1, 5, (const char *const[]){"a", "b,c", "say \"hi\"", "", ""});
    assert_int_equal(csv_reader_next(c), CSV_END);
    assert_int_equal(csv_reader_next(c), CSV_END);
    free(c);
}

static void test_csv_crlf_and_last_line_without_break(void **state)
{
    (void)state;
    const char text[] = "id,title\r\n1,Un\r\n2,Deux";
    struct csv_reader *c = reader_new(text, sizeof text - 1);
    expect_record(c, 1, 2, (const char *const[]){"id", "title"});
    expect_record(c, 2, 2, (const char *const[]){"1", "Un"});
    expect_record(c, 3, 2, (const char *const[]){"2", "Deux"});
    assert_int_equal(csv_reader_next(c), CSV_END);
    free(c);
}

static void test_csv_bom(void **state)
{
    (void)state;
    const char text[] = "\xef\xbb\xbfid,x\n\xef\xbb\xbfid,y\n";
    struct csv_reader *c = reader_new(text, sizeof text - 1);
    expect_record(c, 1, 2, (const char *const[]){"id", "x"});
    /* Only the file's first bytes are a byte order mark; one later is part of the field. */
    expect_record(c, 2, 2, (const char *const[]){"\xef\xbb\xbfid", "y"});
    free(c);

    struct csv_reader *u = calloc(1, sizeof *u);
    assert_non_null(u);
    assert_int_equal(csv_reader_init(u, "\xff\xfei\0d\0", 6), BORNE_ERR_INVALID);
    assert_contains(u->why, "UTF-16");
    assert_int_equal(csv_reader_next(u), CSV_END);
    assert_int_equal(csv_reader_init(u, "\xfe\xff\0i", 4), BORNE_ERR_INVALID);
    free(u);

    /* A byte order mark alone is an empty file. */
    c = reader_new("\xef\xbb\xbf", 3);
    assert_int_equal(csv_reader_next(c), CSV_END);
    free(c);
}

static void test_csv_line_breaks_inside_quotes(void **state)
{
    (void)state;
    const char text[] = "\"two\nlines\",x\n\"crlf\r\ninside\",\"lone\rcr\"\nnext,y\n";
    struct csv_reader *c = reader_new(text, sizeof text - 1);
    expect_record(c, 1, 2, (const char *const[]){"two\nlines", "x"});
    /* CRLF and a lone CR inside quotes are kept as LF. */
    expect_record(c, 3, 2, (const char *const[]){"crlf\ninside", "lone\ncr"});
    expect_record(c, 6, 2, (const char *const[]){"next", "y"});
    assert_int_equal(csv_reader_next(c), CSV_END);
    free(c);
}

static void test_csv_blank_lines_skipped(void **state)
{
    (void)state;
    const char text[] = "\n\na,b\n\n\r\nc,d\n\n";
    struct csv_reader *c = reader_new(text, sizeof text - 1);
    expect_record(c, 3, 2, (const char *const[]){"a", "b"});
    expect_record(c, 6, 2, (const char *const[]){"c", "d"});
    assert_int_equal(csv_reader_next(c), CSV_END);
    free(c);
    c = reader_new("", 0);
    assert_int_equal(csv_reader_next(c), CSV_END);
    free(c);
}

static void test_csv_broken_records_skipped(void **state)
{
    (void)state;
    const char text[] = "a,b\n"
                        "stray \"quote,x\n"
                        "\"closed\" then,x\n"
                        "lone\rcr,x\n"
                        "nul\0byte,x\n"
                        "ok,1\n";
    struct csv_reader *c = reader_new(text, sizeof text - 1);
    expect_record(c, 1, 2, (const char *const[]){"a", "b"});
    assert_int_equal(csv_reader_next(c), CSV_BAD);
    assert_int_equal(c->record_line, 2);
    assert_contains(c->why, "a quote inside a field");
    assert_int_equal(csv_reader_next(c), CSV_BAD);
    assert_int_equal(c->record_line, 3);
    assert_contains(c->why, "after a closing quote, expected a comma");
    assert_int_equal(csv_reader_next(c), CSV_BAD);
    assert_contains(c->why, "carriage return");
    assert_int_equal(csv_reader_next(c), CSV_BAD);
    assert_int_equal(c->record_line, 5);
    assert_contains(c->why, "NUL");
    /* Reading goes on at the next line. */
    expect_record(c, 6, 2, (const char *const[]){"ok", "1"});
    free(c);
}

static void test_csv_unterminated_quote_is_fatal(void **state)
{
    (void)state;
    const char text[] = "a,b\n\"never closed,x\ny,z\n";
    struct csv_reader *c = reader_new(text, sizeof text - 1);
    expect_record(c, 1, 2, (const char *const[]){"a", "b"});
    assert_int_equal(csv_reader_next(c), CSV_FATAL);
    assert_int_equal(c->record_line, 2);
    assert_contains(c->why, "never closed");
    assert_int_equal(csv_reader_next(c), CSV_END);
    free(c);
}

/* A record of one quoted field of n bytes, a line break, then "after". */
static char *long_record(size_t n, size_t *len)
{
    char *t = malloc(n + 16);
    assert_non_null(t);
    t[0] = '"';
    memset(t + 1, 'x', n);
    memcpy(t + 1 + n, "\"\nafter", 7);
    *len = n + 8;
    return t;
}

static void test_csv_record_limit(void **state)
{
    (void)state;
    /* The buffer holds the bytes and one NUL per field: a lone field fits CSV_RECORD_MAX - 1. */
    size_t len;
    char *t = long_record(CSV_RECORD_MAX - 1, &len);
    struct csv_reader *c = reader_new(t, len);
    assert_int_equal(csv_reader_next(c), CSV_RECORD);
    assert_int_equal(strlen(csv_reader_field(c, 0)), CSV_RECORD_MAX - 1);
    expect_record(c, 2, 1, (const char *const[]){"after"});
    free(c);
    free(t);

    t = long_record(CSV_RECORD_MAX, &len);
    c = reader_new(t, len);
    assert_int_equal(csv_reader_next(c), CSV_FATAL);
    assert_contains(c->why, "longer than 64 KiB");
    assert_int_equal(csv_reader_next(c), CSV_END);
    free(c);
    free(t);
}

static void test_csv_field_limit(void **state)
{
    (void)state;
    char text[4 * (CSV_FIELDS_MAX + 1) + 16] = "";
    for (int i = 0; i < CSV_FIELDS_MAX; i++)
        strcat(text, i ? ",f" : "f");
    strcat(text, "\n");
    for (int i = 0; i <= CSV_FIELDS_MAX; i++)
        strcat(text, i ? ",g" : "g");
    strcat(text, "\nlast\n");
    struct csv_reader *c = reader_new(text, strlen(text));
    assert_int_equal(csv_reader_next(c), CSV_RECORD);
    assert_int_equal(c->nfields, CSV_FIELDS_MAX);
    assert_int_equal(csv_reader_next(c), CSV_BAD);
    assert_contains(c->why, "more than 64 fields");
    expect_record(c, 3, 1, (const char *const[]){"last"});
    free(c);
}

static void test_csv_delimiter(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        char delim;
    } cases[] = {
        {"a;b;c\n1;2;3\n", ';'}, {"a;b,c\n", ','},    {"\"a;b\",c\n", ','},
        {"\"a,b\";c\n", ';'},    {"abc\n1;2\n", ','}, {"a,b\n1;2;3\n", ','},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct csv_reader *c = reader_new(cases[i].text, strlen(cases[i].text));
        assert_int_equal(c->delim, cases[i].delim);
        free(c);
    }
    const char text[] = "x;y\n\"a\"b;c\n";
    struct csv_reader *c = reader_new(text, sizeof text - 1);
    expect_record(c, 1, 2, (const char *const[]){"x", "y"});
    assert_int_equal(csv_reader_next(c), CSV_BAD);
    assert_contains(c->why, "a semicolon");
    free(c);
}

/* --- CSV catalogues ------------------------------------------------------------------------- */

static void catalogue_new(struct catalogue *cat)
{
    catalogue_init(cat, 1800000000, NULL);
    assert_int_equal(catalogue_zone_add(cat, "Europe/Paris"), 0);
}

/* Whether a problem at line contains needle. */
static bool has_problem(const struct catalogue *cat, long line, const char *needle)
{
    for (size_t i = 0; i < cat->problem_count; i++)
        if (cat->problems[i].line == line && strstr(cat->problems[i].text, needle))
            return true;
    return false;
}

static void test_catalogue_csv_rows(void **state)
{
    (void)state;
    const char text[] =
        "\xef\xbb\xbfID;Title;starts_at;ends_at;capacity;room;room_name;kind;cancelled\r\n"
        "rn-1; Rédiger son CV ;2027-01-11 14:30;2027-01-11T16:00:00+01:00;12;;"
        "Salle Ada Lovelace;Conférence;oui\r\n";
    struct catalogue cat;
    catalogue_new(&cat);
    catalogue_read_csv(&cat, text, sizeof text - 1);
    assert_false(catalogue_has_problems(&cat));
    assert_int_equal(cat.row_count, 1);
    const struct catalogue_row *r = &cat.rows[0];
    assert_int_equal(r->line, 2);
    assert_string_equal(r->id, "rn-1");
    assert_string_equal(r->title, "Rédiger son CV");
    assert_string_equal(r->room_id, "salle-ada-lovelace");
    assert_string_equal(r->room_name, "Salle Ada Lovelace");
    assert_int_equal(r->kind, SESSION_CONFERENCE);
    assert_true(r->cancelled);
    assert_int_equal(r->capacity, 12);
    assert_string_equal(r->source, "csv");
    assert_false(r->start.known);
    assert_string_equal(r->start.wall, "2027-01-11 14:30:00");
    assert_int_equal(r->start.zone, 0);
    assert_true(r->end.known);
    assert_int_equal(r->end.epoch, 1799679600); /* 2027-01-11T15:00:00Z */
    catalogue_deinit(&cat);
}

static void test_catalogue_csv_problems(void **state)
{
    (void)state;
    char title[BORNE_TITLE_MAX + 1];
    memset(title, 'T', sizeof title - 1);
    title[sizeof title - 1] = '\0';
    char text[2048];
    snprintf(text, sizeof text,
             "id,title,starts_at,ends_at,capacity,room\n"
             "ok-1,%.*s,2027-03-01 10:00,2027-03-01 11:00,3,a\n" /* 159 bytes: fits */
             "bad-3,%s,2027-03-01 10:00,2027-03-01 11:00,3,a\n"  /* 160 bytes: too long */
             "bad-4,Caf\xe9,2027-03-01 10:00,2027-03-01 11:00,3,a\n"
             "bad-5,X,2027-02-30 10:00,2027-03-01 11:00,douze,a b\n"
             "ok-1,Again,2027-03-01 10:00,2027-03-01 11:00,3,a\n"
             "bad-7,\"Two\nlines\",2027-03-01 10:00,2027-03-01 11:00,3,a\n",
             BORNE_TITLE_MAX - 1, title, title);
    struct catalogue cat;
    catalogue_new(&cat);
    catalogue_read_csv(&cat, text, strlen(text));
    assert_true(has_problem(&cat, 3, "title: too long, 160 bytes where at most 159 fit"));
    assert_true(has_problem(&cat, 4, "title: not valid UTF-8"));
    assert_true(has_problem(&cat, 5, "starts_at: no such date or time: \"2027-02-30 10:00\""));
    assert_true(has_problem(&cat, 5, "capacity: expected a whole number, got \"douze\""));
    assert_true(has_problem(&cat, 5, "room: expected a room id"));
    assert_true(has_problem(&cat, 7, "title: a line break is not allowed in \"Two?lines\""));
    assert_false(has_problem(&cat, 2, ""));
    assert_int_equal(cat.row_count, 2);        /* ok-1 twice: found by the checks across rows */
    for (size_t i = 0; i < cat.row_count; i++) /* what PostgreSQL would do */
        cat.rows[i].start.known = cat.rows[i].end.known = true;
    assert_int_equal(catalogue_check_rows(&cat, false), 2);
    assert_true(has_problem(&cat, 6, "id: \"ok-1\" is already the id of line 2"));
    /* Every message is text a terminal shows as it is. */
    for (size_t i = 0; i < cat.problem_count; i++)
        assert_true(support_valid_utf8(cat.problems[i].text));
    catalogue_deinit(&cat);
}

static void test_catalogue_csv_header(void **state)
{
    (void)state;
    struct catalogue cat;
    catalogue_new(&cat);
    const char text[] = "id,title,starts_at,ends_at,room,organisateur,id\n";
    catalogue_read_csv(&cat, text, sizeof text - 1);
    assert_true(has_problem(&cat, 1, "header: unknown column \"organisateur\""));
    assert_true(has_problem(&cat, 1, "header: column id appears twice"));
    assert_true(has_problem(&cat, 1, "header: missing column \"capacity\""));
    catalogue_deinit(&cat);
    catalogue_new(&cat);
    catalogue_read_csv(&cat, "", 0);
    assert_true(has_problem(&cat, 0, "the file is empty"));
    catalogue_deinit(&cat);
}

/* --- iCalendar ------------------------------------------------------------------------------ */

static const char calendar[] = "BEGIN:VCALENDAR\r\n"
                               "VERSION:2.0\r\n"
                               "BEGIN:VEVENT\r\n"
                               "UID:one@example.org\r\n"
                               "SUMMARY:Café numérique\r\n"
                               "DTSTART;TZID=Europe/Paris:20270301T100000\r\n"
                               "DTEND;TZID=America/New_York:20270301T110000\r\n"
                               "LOCATION:Espace atelier (12 rue de la Paix)\r\n"
                               "DESCRIPTION:Venez !\\nPlaces : 25\r\n"
                               "CATEGORIES:tag,Coaching\r\n"
                               "END:VEVENT\r\n"
                               "BEGIN:VEVENT\r\n"
                               "UID:all-day\r\n"
                               "SUMMARY:Portes ouvertes\r\n"
                               "DTSTART;VALUE=DATE:20270302\r\n"
                               "END:VEVENT\r\n"
                               "BEGIN:VEVENT\r\n"
                               "UID:mars\r\n"
                               "SUMMARY:Ailleurs\r\n"
                               "DTSTART;TZID=Mars/Olympus_Mons:20270301T100000\r\n"
                               "DTEND:20270301T110000Z\r\n"
                               "END:VEVENT\r\n"
                               "END:VCALENDAR\r\n";

static void test_ics_events(void **state)
{
    (void)state;
    struct catalogue cat;
    char *notes = NULL;
    size_t notes_len = 0;
    FILE *f = open_memstream(&notes, &notes_len);
    assert_non_null(f);
    catalogue_init(&cat, 1800000000, f);
    assert_int_equal(catalogue_zone_add(&cat, "Europe/Paris"), 0);
    struct ics_calendar *cal = NULL;
    assert_int_equal(ics_calendar_parse(&cat, calendar, sizeof calendar - 1, &cal), BORNE_OK);
    assert_non_null(cal);
    assert_int_equal(cat.events, 3);
    /* The zones named, each once: the caller asks PostgreSQL about them. */
    assert_int_equal(ics_calendar_zone_count(cal), 3);
    assert_string_equal(ics_calendar_zone(cal, 0), "Europe/Paris");
    assert_string_equal(ics_calendar_zone(cal, 1), "America/New_York");
    assert_string_equal(ics_calendar_zone(cal, 2), "Mars/Olympus_Mons");
    assert_int_equal(catalogue_zone_add(&cat, "America/New_York"), 1);
    struct ics_room rooms[1] = {{.id = "atelier"}};
    text_name_key("Espace Atelier", "", rooms[0].key, sizeof rooms[0].key);
    ics_calendar_read(cal, &cat, rooms, 1);
    ics_calendar_destroy(cal);
    fclose(f);

    assert_int_equal(cat.row_count, 1);
    const struct catalogue_row *r = &cat.rows[0];
    assert_int_equal(r->line, 3);
    assert_string_equal(r->id, "one@example.org");
    assert_string_equal(r->title, "Café numérique");
    assert_string_equal(r->room_id, "atelier");
    assert_string_equal(r->room_name, "Espace atelier");
    assert_int_equal(r->capacity, 25);
    assert_int_equal(r->kind, SESSION_COACHING);
    assert_string_equal(r->source, "ics:one@example.org");
    assert_string_equal(r->start.wall, "2027-03-01 10:00:00");
    assert_int_equal(r->start.zone, 0);
    assert_int_equal(r->end.zone, 1);
    assert_int_equal(cat.all_day, 1);
    assert_contains(notes, "line 12: event \"all-day\": all-day event \"Portes ouvertes\" refused");
    assert_true(has_problem(&cat, 17, "event \"mars\": DTSTART: unknown time zone"));
    free(notes);
    catalogue_deinit(&cat);
}

/* Occurrences near the horizon, an EXDATE and a RECURRENCE-ID, all in UTC (no conversion). */
static const char recurring[] = "BEGIN:VCALENDAR\r\n"
                                "BEGIN:VEVENT\r\n"
                                "UID:weekly\r\n"
                                "SUMMARY:Chaque semaine\r\n"
                                "DTSTART:20251210T100000Z\r\n"
                                "DTEND:20251210T103000Z\r\n"
                                "RRULE:FREQ=WEEKLY;COUNT=8\r\n"
                                "EXDATE:20260114T100000Z\r\n"
                                "END:VEVENT\r\n"
                                "BEGIN:VEVENT\r\n"
                                "UID:weekly\r\n"
                                "RECURRENCE-ID:20260121T100000Z\r\n"
                                "SUMMARY:Chaque semaine, l'apres-midi\r\n"
                                "DTSTART:20260121T150000Z\r\n"
                                "DTEND:20260121T153000Z\r\n"
                                "END:VEVENT\r\n"
                                "BEGIN:VEVENT\r\n"
                                "UID:daily\r\n"
                                "SUMMARY:Chaque jour\r\n"
                                "DTSTART:20260627T100000Z\r\n"
                                "DURATION:PT1H\r\n"
                                "RRULE:FREQ=DAILY;COUNT=6\r\n"
                                "END:VEVENT\r\n"
                                "END:VCALENDAR\r\n";

static void test_ics_recurrence_and_horizon(void **state)
{
    (void)state;
    struct catalogue cat;
    catalogue_init(&cat, 1767225600, NULL); /* 2026-01-01T00:00:00Z; horizon 2026-06-30 */
    assert_int_equal(catalogue_zone_add(&cat, "Europe/Paris"), 0);
    struct ics_calendar *cal = NULL;
    assert_int_equal(ics_calendar_parse(&cat, recurring, sizeof recurring - 1, &cal), BORNE_OK);
    assert_int_equal(ics_calendar_zone_count(cal), 0);
    ics_calendar_read(cal, &cat, NULL, 0);
    ics_calendar_destroy(cal);
    assert_false(catalogue_has_problems(&cat));
    assert_int_equal(cat.recurring, 2);
    assert_int_equal(cat.exdate_count, 1);
    ics_settle(&cat);
    assert_int_equal(catalogue_check_rows(&cat, true), 6);
    assert_false(catalogue_has_problems(&cat));
    /* Kept: weekly on Jan 7 and 28, its Jan 21 moved to 15:00 (Dec 31 has ended, Jan 14 is
    ** excluded); daily on June 27 to 29 (June 30 and July 1 are past the horizon). */
    static const char *const kept[] = {"weekly-20260107", "weekly-20260121", "weekly-20260128",
                                       "daily-20260627",  "daily-20260628",  "daily-20260629"};
    size_t found = 0;
    for (size_t i = 0; i < cat.row_count; i++) {
        const struct catalogue_row *r = &cat.rows[i];
        bool want = false;
        for (size_t k = 0; k < sizeof kept / sizeof kept[0]; k++)
            want |= !strcmp(r->id, kept[k]);
        if (!strcmp(r->id, "weekly-20260121")) /* the occurrence gives way to its override */
            want = r->override && r->start.epoch == 1769007600; /* 2026-01-21T15:00:00Z */
        assert_int_equal(!r->dropped, want);
        found += want;
    }
    assert_int_equal(found, 6);
    assert_int_equal(cat.occurrences, 5); /* the moved one is not counted as expanded */
    catalogue_deinit(&cat);
}

static void test_ics_refused(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t len;
        long line;
        const char *why;
    } cases[] = {
        {"", 0, 0, "the file is empty"},
        {"hello\n", 6, 0, "not an iCalendar file"},
        {"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", 32, 0, "no event in the file"},
        {"BEGIN:VCALENDAR\nX:caf\xe9\n", 23, 2, "not valid UTF-8"},
        {"BEGIN:VCALENDAR\nX:a\0b\n", 22, 2, "a NUL byte"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct catalogue cat;
        catalogue_new(&cat);
        struct ics_calendar *cal = (struct ics_calendar *)&cat; /* must be cleared */
        assert_int_equal(ics_calendar_parse(&cat, cases[i].text, cases[i].len, &cal),
                         BORNE_ERR_INVALID);
        assert_null(cal);
        assert_true(has_problem(&cat, cases[i].line, cases[i].why));
        catalogue_deinit(&cat);
    }
}

/* --- the Authorization header --------------------------------------------------------------- */

static void test_bearer_valid(void **state)
{
    (void)state;
    uint8_t raw[32], want[32], got[32];
    for (int i = 0; i < 32; i++)
        raw[i] = (uint8_t)(i * 7 + 1);
    crypto_generichash(want, sizeof want, raw, sizeof raw, NULL, 0);
    char hex[65], header[128];
    sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
    static const char *const forms[] = {"Bearer %s", "bearer %s", "BEARER\t%s", "  Bearer   %s  ",
                                        "\tBearer\t%s\t"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        snprintf(header, sizeof header, forms[i], hex);
        memset(got, 0xAA, sizeof got);
        assert_int_equal(request_bearer_hash(header, got), BORNE_OK);
        assert_memory_equal(got, want, sizeof want);
    }
    /* Upper-case hex digits are the same token. */
    for (char *p = hex; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    snprintf(header, sizeof header, "Bearer %s", hex);
    assert_int_equal(request_bearer_hash(header, got), BORNE_OK);
    assert_memory_equal(got, want, sizeof want);
}

static void test_bearer_refused(void **state)
{
    (void)state;
    char hex64[65];
    memset(hex64, 'a', 64);
    hex64[64] = '\0';
    char cases[12][160];
    int n = 0;
    snprintf(cases[n++], sizeof cases[0], "Bearer %.63s", hex64);
    snprintf(cases[n++], sizeof cases[0], "Bearer %sa", hex64);
    snprintf(cases[n++], sizeof cases[0], "Bearer %.63sg", hex64);
    snprintf(cases[n++], sizeof cases[0], "Bearer %s x", hex64);
    snprintf(cases[n++], sizeof cases[0], "Bearer%s", hex64);
    snprintf(cases[n++], sizeof cases[0], "Basic %s", hex64);
    snprintf(cases[n++], sizeof cases[0], "Bearer %.31s %.32s", hex64, hex64);
    snprintf(cases[n++], sizeof cases[0], "Bearer ");
    snprintf(cases[n++], sizeof cases[0], "Bearer");
    snprintf(cases[n++], sizeof cases[0], "%s", "");
    snprintf(cases[n++], sizeof cases[0], "Bearer\n%s", hex64);
    snprintf(cases[n++], sizeof cases[0], "Bearer %.62s:a", hex64);
    uint8_t zero[32] = {0}, got[32];
    for (int i = 0; i < n; i++) {
        memset(got, 0xAA, sizeof got);
        assert_int_equal(request_bearer_hash(cases[i], got), BORNE_ERR_INVALID);
        assert_memory_equal(got, zero, sizeof zero);
    }
    memset(got, 0xAA, sizeof got);
    assert_int_equal(request_bearer_hash(NULL, got), BORNE_ERR_INVALID);
    assert_memory_equal(got, zero, sizeof zero);
}

/* --- the pull cursor ------------------------------------------------------------------------ */

/* The Content-Type and Transfer-Encoding values judged before a body is read. */
static void test_request_headers(void **state)
{
    (void)state;
    const char *json[] = {"application/json",
                          "Application/JSON",
                          " application/json ",
                          "application/json;",
                          "application/json; charset=utf-8",
                          "application/json;charset=\"UTF-8\"",
                          "application/json ; q=1",
                          "application/json;; charset=utf-8",
                          "application/json; x=\"a;b\"; charset=utf-8"};
    for (size_t i = 0; i < sizeof json / sizeof json[0]; i++)
        if (!request_content_type_is_json(json[i]))
            fail_msg("refused: %s", json[i]);
    const char *not_json[] = {NULL,
                              "",
                              "text/plain",
                              "application/x-www-form-urlencoded",
                              "application/jsonx",
                              "application/json-patch+json",
                              "application/json, text/plain",
                              "application/json; charset=iso-8859-1",
                              "application/json; charset=utf-8x",
                              "application/json; charset=\"utf-8",
                              "application/json; charset",
                              "text/json"};
    for (size_t i = 0; i < sizeof not_json / sizeof not_json[0]; i++)
        if (request_content_type_is_json(not_json[i]))
            fail_msg("accepted: %s", not_json[i] ? not_json[i] : "(none)");
    assert_true(request_transfer_encoding_is_chunked("chunked"));
    assert_true(request_transfer_encoding_is_chunked(" Chunked\t"));
    assert_false(request_transfer_encoding_is_chunked(NULL));
    assert_false(request_transfer_encoding_is_chunked("gzip, chunked"));
    assert_false(request_transfer_encoding_is_chunked("chunked, chunked"));
    assert_false(request_transfer_encoding_is_chunked("chunkedx"));
    assert_false(request_transfer_encoding_is_chunked(""));
}

static void test_cursor_valid(void **state)
{
    (void)state;
    struct request_cursor c;
    char out[REQUEST_CURSOR_MAX];
    assert_int_equal(request_cursor_parse("", &c), BORNE_OK);
    assert_false(c.paging);
    assert_true(c.from == 0);
    assert_int_equal(request_cursor_format(&c, out, sizeof out), BORNE_OK);
    assert_string_equal(out, "v1:0");

    assert_int_equal(request_cursor_parse("v1:ffffffffffffffff", &c), BORNE_OK);
    assert_true(c.from == UINT64_MAX);
    assert_false(c.paging);

    assert_int_equal(request_cursor_parse("v1:00a:1b:0:t-1", &c), BORNE_OK);
    assert_true(c.paging);
    assert_true(c.from == 0xa && c.next == 0x1b && c.after_xid == 0);
    assert_string_equal(c.after_id, "t-1");
    assert_int_equal(request_cursor_format(&c, out, sizeof out), BORNE_OK);
    assert_string_equal(out, "v1:a:1b:0:t-1"); /* leading zeros are not kept */

    /* The longest cursor fits, and the protocol carries it. */
    char longest[128];
    snprintf(longest, sizeof longest, "v1:%s:%s:%s:%.39s", "ffffffffffffffff", "ffffffffffffffff",
             "ffffffffffffffff", "iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii");
    assert_int_equal(strlen(longest), 93);
    assert_int_equal(request_cursor_parse(longest, &c), BORNE_OK);
    assert_int_equal(request_cursor_format(&c, out, sizeof out), BORNE_OK);
    assert_string_equal(out, longest);
    assert_true(REQUEST_CURSOR_MAX <= SYNC_CURSOR_MAX);
    assert_int_equal(request_cursor_format(&c, out, 93), BORNE_ERR_INVALID);
    assert_string_equal(out, "");
}

static void test_cursor_refused(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "v1:",
        "v1",
        "v2:1",
        "V1:1",
        "v1:A",
        "v1:1g",
        "v1:10000000000000000", /* 17 digits */
        "v1:-1",
        "v1: 1",
        "v1:1:",
        "v1:1:2",
        "v1:1:2:3",
        "v1:1:2:3:",
        "v1:1::3:id",
        "v1:1:2:3:with space",
        "v1:1:2:3:caf\xc3\xa9",
        "v1:1:2:3:0123456789012345678901234567890123456789", /* a 40-byte id */
        " v1:1",
        "v1:1 ",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct request_cursor c, zero;
        memset(&c, 0xA5, sizeof c);
        memset(&zero, 0, sizeof zero);
        assert_int_equal(request_cursor_parse(cases[i], &c), BORNE_ERR_INVALID);
        assert_memory_equal(&c, &zero, sizeof c);
    }
    struct request_cursor bad = {.paging = true};
    char out[REQUEST_CURSOR_MAX];
    assert_int_equal(request_cursor_format(&bad, out, sizeof out), BORNE_ERR_INVALID);
}

/* --- the bounded buffer --------------------------------------------------------------------- */

static void test_dynbuf_maximum(void **state)
{
    (void)state;
    struct dynbuf b;
    dynbuf_init(&b, 10);
    assert_null(dynbuf_ptr(&b));
    assert_int_equal(dynbuf_add_str(&b, "0123456789"), BORNE_OK);
    assert_int_equal(dynbuf_len(&b), 10);
    assert_string_equal(dynbuf_ptr(&b), "0123456789");
    assert_true(b.cap <= 11);
    /* One byte past the maximum: refused, and the buffer is freed and cleared. */
    assert_int_equal(dynbuf_add(&b, "x", 1), BORNE_ERR_INVALID);
    assert_null(dynbuf_ptr(&b));
    assert_int_equal(dynbuf_len(&b), 0);
    assert_int_equal(b.cap, 0);
    /* ... and can be used again, with the same maximum. */
    assert_int_equal(dynbuf_add(&b, "ab\0c", 4), BORNE_OK);
    assert_memory_equal(dynbuf_ptr(&b), "ab\0c", 5);
    assert_int_equal(dynbuf_add(&b, "0123456", 7), BORNE_ERR_INVALID);
    assert_null(dynbuf_ptr(&b));
    dynbuf_free(&b);
    dynbuf_free(NULL);

    dynbuf_init(&b, 0);
    assert_int_equal(dynbuf_add(&b, NULL, 0), BORNE_OK);
    assert_string_equal(dynbuf_ptr(&b), "");
    assert_int_equal(dynbuf_add(&b, "a", 1), BORNE_ERR_INVALID);
    dynbuf_free(&b);
}

static void test_dynbuf_growth(void **state)
{
    (void)state;
    enum { MAX = 100000 };
    struct dynbuf b;
    dynbuf_init(&b, MAX);
    for (size_t i = 0; i < MAX; i++) {
        char ch = (char)('a' + i % 26);
        assert_int_equal(dynbuf_add(&b, &ch, 1), BORNE_OK);
        assert_true(b.cap <= MAX + 1);
    }
    assert_int_equal(dynbuf_len(&b), MAX);
    const char *p = dynbuf_ptr(&b);
    for (size_t i = 0; i < MAX; i++)
        assert_int_equal(p[i], 'a' + i % 26);
    assert_int_equal(p[MAX], '\0');
    assert_int_equal(dynbuf_add(&b, "z", 1), BORNE_ERR_INVALID);

    assert_int_equal(dynbuf_add_str(&b, "kept memory"), BORNE_OK);
    size_t cap = b.cap;
    dynbuf_reset(&b);
    assert_int_equal(dynbuf_len(&b), 0);
    assert_string_equal(dynbuf_ptr(&b), "");
    assert_int_equal(b.cap, cap);
    assert_int_equal(dynbuf_add_str(&b, "again"), BORNE_OK);

    size_t len = 0;
    char *taken = dynbuf_take(&b, &len);
    assert_string_equal(taken, "again");
    assert_int_equal(len, 5);
    assert_null(dynbuf_ptr(&b));
    assert_null(dynbuf_take(&b, &len));
    assert_int_equal(len, 0);
    free(taken);
    dynbuf_free(&b);
}

static void test_dynbuf_out_of_memory(void **state)
{
    (void)state;
    struct dynbuf b;
    dynbuf_init(&b, SIZE_MAX);
    assert_int_equal(dynbuf_add_str(&b, "some"), BORNE_OK);
    /* No machine has these exabytes: realloc fails before a byte is copied. */
    assert_int_equal(dynbuf_add(&b, "x", SIZE_MAX / 4), BORNE_ERR_NOMEM);
    assert_null(dynbuf_ptr(&b));
    assert_int_equal(dynbuf_len(&b), 0);
    assert_int_equal(dynbuf_add_str(&b, "fine"), BORNE_OK);
    assert_string_equal(dynbuf_ptr(&b), "fine");
    dynbuf_free(&b);
}

/* --- calendar and field helpers ------------------------------------------------------------- */

static void test_civil(void **state)
{
    (void)state;
    assert_true(civil_days_from(1970, 1, 1) == 0);
    assert_true(civil_days_from(2000, 3, 1) == 11017);
    assert_true(civil_days_from(1969, 12, 31) == -1);
    assert_int_equal(civil_month_days(2028, 2), 29);
    assert_int_equal(civil_month_days(2100, 2), 28);
    struct civil_stamp st;
    assert_int_equal(civil_parse_stamp("2027-03-12 14:00", &st), CIVIL_OK);
    assert_false(st.has_offset);
    assert_int_equal(civil_parse_stamp("2027-03-12T14:00:30+0530", &st), CIVIL_OK);
    assert_int_equal(st.offset_s, 5 * 3600 + 30 * 60);
    assert_true(civil_stamp_epoch(&st) == 1804860030 - 5 * 3600 - 30 * 60);
    assert_int_equal(civil_parse_stamp("2027-03-12T14:00Z", &st), CIVIL_OK);
    assert_true(st.has_offset && st.offset_s == 0);
    assert_int_equal(civil_parse_stamp("2027-03-12T14:00-01", &st), CIVIL_OK);
    assert_int_equal(st.offset_s, -3600);
    assert_int_equal(civil_parse_stamp("2027-02-29 10:00", &st), CIVIL_RANGE);
    assert_int_equal(civil_parse_stamp("1999-01-01 10:00", &st), CIVIL_RANGE);
    assert_int_equal(civil_parse_stamp("2027-01-01 24:00", &st), CIVIL_RANGE);
    assert_int_equal(civil_parse_stamp("2027-01-01 10:00+15", &st), CIVIL_RANGE);
    assert_int_equal(civil_parse_stamp("2027-01-01", &st), CIVIL_FORMAT);
    assert_int_equal(civil_parse_stamp("2027-01-01 10:00+1", &st), CIVIL_FORMAT);
    assert_int_equal(civil_parse_stamp("01/03/2027 10:00", &st), CIVIL_FORMAT);
    char wall[CIVIL_WALL_MAX];
    civil_format_wall(wall, 2027, 3, 1, 9, 5, 0);
    assert_string_equal(wall, "2027-03-01 09:05:00");
}

static void test_field_show_and_slug(void **state)
{
    (void)state;
    char out[FIELD_SHOW_CAP];
    assert_string_equal(field_show("a\x01"
                                   "b\xff"
                                   "z\xc2\x85",
                                   out, sizeof out),
                        "\"a?b?z?\"");
    char lng[200];
    memset(lng, 'x', sizeof lng - 1);
    lng[sizeof lng - 1] = '\0';
    field_show(lng, out, sizeof out);
    assert_int_equal(strlen(out), 1 + FIELD_SHOW_MAX + 3 + 1);
    assert_true(support_valid_utf8(out));
    /* A cut never splits a code point. */
    char accents[200] = "";
    for (int i = 0; i < 60; i++)
        strcat(accents, "é");
    field_show(accents, out, sizeof out);
    assert_true(support_valid_utf8(out));

    char id[BORNE_ID_MAX];
    field_slug("Salle Ada Lovelace", id);
    assert_string_equal(id, "salle-ada-lovelace");
    field_slug("  Étage — 1er  ", id);
    assert_string_equal(id, "etage-1er");
    field_slug("!!!", id);
    assert_int_equal(strncmp(id, "salle-", 6), 0);
    assert_int_equal(strlen(id), 14);
    assert_true(field_id_ok(id));
    field_slug("une salle au nom vraiment beaucoup trop long pour un id", id);
    assert_true(field_id_ok(id));
    assert_int_equal(field_kind_parse("THÉMATIQUE"), SESSION_THEMATIC);
    assert_int_equal(field_kind_parse("cours"), -1);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_quoting),
        cmocka_unit_test(test_csv_crlf_and_last_line_without_break),
        cmocka_unit_test(test_csv_bom),
        cmocka_unit_test(test_csv_line_breaks_inside_quotes),
        cmocka_unit_test(test_csv_blank_lines_skipped),
        cmocka_unit_test(test_csv_broken_records_skipped),
        cmocka_unit_test(test_csv_unterminated_quote_is_fatal),
        cmocka_unit_test(test_csv_record_limit),
        cmocka_unit_test(test_csv_field_limit),
        cmocka_unit_test(test_csv_delimiter),
        cmocka_unit_test(test_catalogue_csv_rows),
        cmocka_unit_test(test_catalogue_csv_problems),
        cmocka_unit_test(test_catalogue_csv_header),
        cmocka_unit_test(test_ics_events),
        cmocka_unit_test(test_ics_recurrence_and_horizon),
        cmocka_unit_test(test_ics_refused),
        cmocka_unit_test(test_bearer_valid),
        cmocka_unit_test(test_bearer_refused),
        cmocka_unit_test(test_request_headers),
        cmocka_unit_test(test_cursor_valid),
        cmocka_unit_test(test_cursor_refused),
        cmocka_unit_test(test_dynbuf_maximum),
        cmocka_unit_test(test_dynbuf_growth),
        cmocka_unit_test(test_dynbuf_out_of_memory),
        cmocka_unit_test(test_civil),
        cmocka_unit_test(test_field_show_and_slug),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
