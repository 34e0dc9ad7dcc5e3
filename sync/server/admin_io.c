/* Catalogue import (CSV and iCalendar) and CSV export for administrators. See admin_io.h.
**
** An import is all or nothing, in two phases. First the whole file is read and every value is
** checked, and every problem is reported with its line: an administrator fixes a spreadsheet
** once, not once per error. Wall-clock times are converted to Unix seconds by PostgreSQL, which
** carries the time zone database, in one query for the whole file. Only a file without a single
** problem reaches the second phase: one transaction that loads the rows into a temporary table
** with COPY and applies them with a handful of set-based statements (100 000 rows cost a few
** round trips, not 300 000), after locking every session row it is about to change: the row
** lock is what serialises every seat decision of a session (see 001_init.sql).
**
** The export streams rows from PostgreSQL in single-row mode, so a year of registrations never
** sits in memory, and writes RFC 4180 CSV that a spreadsheet opens safely. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libical/ical.h>
#include <sodium.h>

#include "core/model.h"
#include "core/text.h"
#include "server/admin_io.h"
#include "server/server.h"

/* Hard limits: every one of them is reported to the administrator when reached, never hit
** silently. */
#define CSV_RECORD_MAX (64 * 1024)   /* bytes of one record, quoted line breaks included */
#define CSV_FIELDS_MAX 64            /* fields of one record */
#define IMPORT_ROWS_MAX 100000       /* sessions of one import (CSV rows, iCalendar events) */
#define PROBLEMS_KEPT 500            /* messages kept and printed; beyond, only counted */
#define ICS_FILE_MAX (32L << 20)     /* bytes of an iCalendar file */
#define ICS_UID_MAX 255              /* bytes of an event's UID */
#define ICS_DEFAULT_CAPACITY 12      /* seats of an event that does not say */
#define ICS_HORIZON_S (180L * 86400) /* recurring events: occurrences this far ahead */
#define RRULE_STEPS_MAX 100000       /* iterations of one RRULE, from its DTSTART */
#define RRULE_OCCURRENCES_MAX 1000   /* occurrences of one RRULE kept in the horizon */
#define EXDATES_MAX 10000            /* EXDATE values of one file */
#define ZONES_MAX 32                 /* distinct time zones of one file (the site's included) */
#define ZONE_NAME_MAX 64             /* bytes of a time zone name, NUL included */
#define CAPACITY_MAX 10000           /* seats of one session */
#define SHOW_MAX 60                  /* bytes of a bad value quoted back in a message */
#define TX_ATTEMPTS 5                /* tries of the import transaction on a deadlock */
#define COPY_CHUNK (256 * 1024)      /* bytes sent to COPY at a time */
#define TIMES_TEXT_MAX (IMPORT_ROWS_MAX * 2L * (20 + ZONE_NAME_MAX) + EXDATES_MAX * 90L)

/* ---- small tools ------------------------------------------------------------------------- */

/* A growable byte string with a hard maximum; once failed (too long or out of memory) every
** later append fails too, so a caller checks once at the end. Always NUL-terminated. */
struct buf {
    char *p;
    size_t len, cap, max;
    bool failed;
};

static bool buf_add(struct buf *b, const char *s, size_t n)
{
    if (b->failed)
        return false;
    if (n > b->max - b->len) {
        b->failed = true;
        return false;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        if (cap > b->max + 1)
            cap = b->max + 1;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = true;
            return false;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return true;
}

static bool buf_str(struct buf *b, const char *s)
{
    return buf_add(b, s, strlen(s));
}

static void buf_free(struct buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static char *dup_str(const char *s)
{
    return s ? strdup(s) : NULL;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Trims white space at both ends, in place; returns the new start. */
static char *trim(char *s)
{
    while (is_space(*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && is_space(s[n - 1]))
        s[--n] = '\0';
    return s;
}

static bool is_id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '@';
}

/* Ids travel in QR payloads, URLs and file names: short, ASCII, no space or punctuation that
** needs quoting anywhere. */
static bool id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= BORNE_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_id_char(s[i]))
            return false;
    return true;
}

/* A value quoted back in a message: at most SHOW_MAX bytes cut at a code point, control
** characters and invalid bytes as '?', so that a garbage cell cannot garble the terminal. */
static const char *show(const char *s, char *out, size_t cap)
{
    size_t o = 0, i = 0, n = strlen(s);
    out[o++] = '"';
    while (i < n) {
        uint32_t cp = 0;
        size_t k = utf8_decode(s + i, n - i, &cp);
        if (i >= SHOW_MAX || o + (k ? k : 1) + 5 >= cap) {
            memcpy(out + o, "\xe2\x80\xa6", 3); /* … */
            o += 3;
            break;
        }
        if (k == 0 || cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
            out[o++] = '?';
            i += k ? k : 1;
        } else {
            memcpy(out + o, s + i, k);
            o += k;
            i += k;
        }
    }
    out[o++] = '"';
    out[o] = '\0';
    return out;
}

/* Folds a word for comparison with a list of names: ASCII lower case, e with any accent as e.
** "Conférence" and "CONFÉRENCE" both give "conference". */
static void fold(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; s[i] && o + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0xC3 && s[i + 1]) {
            unsigned char d = (unsigned char)s[i + 1];
            if ((d >= 0xA8 && d <= 0xAB) || (d >= 0x88 && d <= 0x8B)) {
                out[o++] = 'e';
                i++;
                continue;
            }
        }
        out[o++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    out[o] = '\0';
}

/* The kind a word names (-1: none). Accepts the numbers of enum session_kind, the French names
** the centres use and their English translation. */
static int kind_parse(const char *s)
{
    static const struct {
        const char *name;
        int kind;
    } names[] = {
        {"0", SESSION_WORKSHOP},
        {"atelier", SESSION_WORKSHOP},
        {"workshop", SESSION_WORKSHOP},
        {"1", SESSION_CONFERENCE},
        {"conference", SESSION_CONFERENCE},
        {"2", SESSION_THEMATIC},
        {"thematique", SESSION_THEMATIC},
        {"thematic", SESSION_THEMATIC},
        {"3", SESSION_COACHING},
        {"coaching", SESSION_COACHING},
    };
    char f[32];
    fold(s, f, sizeof f);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(f, names[i].name))
            return names[i].kind;
    return -1;
}

/* ---- calendar arithmetic ----------------------------------------------------------------- */

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to the civil date y-m-d (proleptic Gregorian; H. Hinnant's algorithm). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

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

/* A date, and a time of day with an optional UTC offset, as the files write them. Years are
** kept to 2000..2100: "0225-03-12" is a typo, not a session of antiquity. */
struct stamp {
    int y, mo, d, h, mi, s;
    bool has_offset;
    int offset_s;
};

enum stamp_verdict { STAMP_OK, STAMP_FORMAT, STAMP_RANGE };

static enum stamp_verdict parse_date(const char *s, struct stamp *st)
{
    if (strlen(s) < 10 || !digits(s, 4, &st->y) || s[4] != '-' || !digits(s + 5, 2, &st->mo) ||
        s[7] != '-' || !digits(s + 8, 2, &st->d))
        return STAMP_FORMAT;
    if (st->y < 2000 || st->y > 2100 || st->mo < 1 || st->mo > 12 || st->d < 1 ||
        st->d > month_days(st->y, st->mo))
        return STAMP_RANGE;
    return STAMP_OK;
}

/* "YYYY-MM-DD HH:MM" (local), the same with seconds or a 'T', or ISO 8601 with Z or an offset
** (+01:00, +0100, +01). */
static enum stamp_verdict parse_stamp(const char *s, struct stamp *st)
{
    memset(st, 0, sizeof *st);
    enum stamp_verdict v = parse_date(s, st);
    if (v == STAMP_FORMAT)
        return v;
    const char *p = s + 10;
    if ((*p != ' ' && *p != 'T') || !digits(p + 1, 2, &st->h) || p[3] != ':' ||
        !digits(p + 4, 2, &st->mi))
        return STAMP_FORMAT;
    p += 6;
    if (*p == ':') {
        if (!digits(p + 1, 2, &st->s))
            return STAMP_FORMAT;
        p += 3;
    }
    if (*p == 'Z' || *p == 'z') {
        st->has_offset = true;
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh = 0, om = 0, sign = *p == '-' ? -1 : 1;
        if (!digits(p + 1, 2, &oh))
            return STAMP_FORMAT;
        p += 3;
        if (*p == ':')
            p++;
        if (*p && !digits(p, 2, &om))
            return STAMP_FORMAT;
        p += *p ? 2 : 0;
        if (oh > 14 || om > 59)
            return STAMP_RANGE;
        st->has_offset = true;
        st->offset_s = sign * (oh * 3600 + om * 60);
    }
    if (*p)
        return STAMP_FORMAT;
    if (v != STAMP_OK || st->h > 23 || st->mi > 59 || st->s > 59)
        return STAMP_RANGE;
    return STAMP_OK;
}

/* A wall time as PostgreSQL reads it, "YYYY-MM-DD HH:MM:SS" (out: 20 bytes). The fields were
** checked by the caller; the modulos only bound what gets written. */
static void format_wall(char *out, int y, int mo, int d, int h, int mi, int s)
{
    snprintf(out, 20, "%04u-%02u-%02u %02u:%02u:%02u", (unsigned)y % 10000u, (unsigned)mo % 100u,
             (unsigned)d % 100u, (unsigned)h % 100u, (unsigned)mi % 100u, (unsigned)s % 100u);
}

/* ---- the import's state ------------------------------------------------------------------ */

/* A time of a session. Known at once when the file gave an offset (or UTC); otherwise a wall
** time in one of the import's zones, converted by PostgreSQL before any check that needs it. */
struct when {
    int64_t epoch; /* Unix seconds, once known */
    bool known;
    int zone;      /* index in import.zones, while !known */
    char wall[20]; /* "YYYY-MM-DD HH:MM:SS", while !known */
};

/* One session as the file describes it; strings are owned by the row. */
struct row {
    long line; /* CSV: the record's first line; iCalendar: the line of its BEGIN:VEVENT */
    char *id, *title, *description, *room_id, *room_name, *organiser, *reserved_for, *source;
    int kind, capacity;
    bool cancelled;
    struct when start, end;
    /* iCalendar only */
    size_t event;    /* index of the VEVENT it comes from */
    int ymd;         /* its local start date as YYYYMMDD: the occurrence's id, EXDATE's test */
    bool occurrence; /* made from an RRULE or a RECURRENCE-ID: kept only within the horizon */
    bool override;   /* a RECURRENCE-ID event: replaces the occurrence with its id */
    bool dropped;    /* outside the horizon, excluded, or replaced: not imported */
    bool default_capacity; /* the event did not say: ICS_DEFAULT_CAPACITY */
};

/* An EXDATE of a recurring event: an occurrence it removes. */
struct exdate {
    size_t event;
    bool date_only; /* VALUE=DATE: every occurrence of that local date */
    int ymd;
    struct when at;
};

struct site_room {
    char id[BORNE_ID_MAX];
    char key[4 * BORNE_ROOM_MAX]; /* text_name_key() of its name */
};

struct problem {
    long line;
    size_t seq;
    char *text;
};

struct import {
    PGconn *conn;
    const char *site_id;
    FILE *err;
    char zones[ZONES_MAX][ZONE_NAME_MAX]; /* [0]: the site's time zone */
    int zone_count;
    struct row *rows;
    size_t row_count, row_cap;
    struct exdate *exdates;
    size_t exdate_count, exdate_cap;
    struct problem *problems;
    size_t problem_count, problem_cap, problems_more;
    bool db_failed; /* a query of the checking phase failed: the import ends with 2 */
    bool nomem;
    bool too_many; /* IMPORT_ROWS_MAX reached (reported once) */
    int64_t now;
    /* iCalendar: the site's rooms, so that a LOCATION naming one finds its id */
    struct site_room *site_rooms;
    size_t site_room_count;
    /* iCalendar figures for the summary */
    size_t events, recurring, occurrences, default_capacity, all_day, shortened;
};

static void problem(struct import *im, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records a problem of the file (printed at the end, sorted by line). line 0: the whole file. */
static void problem(struct import *im, long line, const char *fmt, ...)
{
    if (im->problem_count >= PROBLEMS_KEPT) {
        im->problems_more++;
        return;
    }
    if (im->problem_count == im->problem_cap) {
        size_t cap = im->problem_cap ? im->problem_cap * 2 : 32;
        struct problem *v = realloc(im->problems, cap * sizeof *v);
        if (!v) {
            im->nomem = true;
            im->problems_more++;
            return;
        }
        im->problems = v;
        im->problem_cap = cap;
    }
    char text[640];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    char *copy = strdup(text);
    if (!copy) {
        im->nomem = true;
        im->problems_more++;
        return;
    }
    im->problems[im->problem_count] =
        (struct problem){.line = line, .seq = im->problem_count, .text = copy};
    im->problem_count++;
}

static int problem_cmp(const void *a, const void *b)
{
    const struct problem *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static bool has_problems(const struct import *im)
{
    return im->problem_count > 0 || im->problems_more > 0;
}

static void problems_print(struct import *im)
{
    qsort(im->problems, im->problem_count, sizeof *im->problems, problem_cmp);
    for (size_t i = 0; i < im->problem_count; i++) {
        if (im->problems[i].line > 0)
            fprintf(im->err, "line %ld: %s\n", im->problems[i].line, im->problems[i].text);
        else
            fprintf(im->err, "%s\n", im->problems[i].text);
    }
    if (im->problems_more)
        fprintf(im->err, "... and %zu more problems\n", im->problems_more);
    fprintf(im->err, "nothing imported: correct the file and import it again\n");
}

static void row_free(struct row *r)
{
    free(r->id);
    free(r->title);
    free(r->description);
    free(r->room_id);
    free(r->room_name);
    free(r->organiser);
    free(r->reserved_for);
    free(r->source);
}

static void import_free(struct import *im)
{
    for (size_t i = 0; i < im->row_count; i++)
        row_free(&im->rows[i]);
    free(im->rows);
    free(im->exdates);
    free(im->site_rooms);
    for (size_t i = 0; i < im->problem_count; i++)
        free(im->problems[i].text);
    free(im->problems);
}

/* Appends a row (its strings are taken over, also on failure). NULL when the import is too
** large (reported once) or memory ran out. */
static struct row *row_push(struct import *im, struct row *r)
{
    if (im->row_count >= IMPORT_ROWS_MAX) {
        if (!im->too_many)
            problem(im, r->line, "more than %d sessions in one file: split it", IMPORT_ROWS_MAX);
        im->too_many = true;
        row_free(r);
        return NULL;
    }
    if (im->row_count == im->row_cap) {
        size_t cap = im->row_cap ? im->row_cap * 2 : 64;
        struct row *v = realloc(im->rows, cap * sizeof *v);
        if (!v) {
            im->nomem = true;
            row_free(r);
            return NULL;
        }
        im->rows = v;
        im->row_cap = cap;
    }
    im->rows[im->row_count] = *r;
    return &im->rows[im->row_count++];
}

/* ---- value checks shared by both formats -------------------------------------------------- */

/* Checks a text value against its field: valid UTF-8, no control character (line breaks and
** tabs only where multiline), fewer than max bytes (the kiosk's fixed fields, core/model.h).
** Reports the problem under the name `field`; true when the value is fine. */
static bool text_ok(struct import *im, long line, const char *field, const char *s, size_t max,
                    bool multiline)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        uint32_t cp = 0;
        size_t k = utf8_decode(s + i, n - i, &cp);
        if (k == 0) {
            problem(im, line,
                    "%s: not valid UTF-8 (save the file as \"CSV UTF-8\", or in UTF-8 from your "
                    "calendar)",
                    field);
            return false;
        }
        bool control = cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0);
        if (control && !(multiline && (cp == '\n' || cp == '\t'))) {
            char shown[96];
            problem(im, line, "%s: %s in %s", field,
                    cp == '\n' ? "a line break is not allowed" : "a control character",
                    show(s, shown, sizeof shown));
            return false;
        }
        i += k;
    }
    if (n >= max) {
        char shown[96];
        problem(im, line,
                "%s: too long, %zu bytes where at most %zu fit (an accented letter "
                "takes 2): %s",
                field, n, max - 1, show(s, shown, sizeof shown));
        return false;
    }
    return true;
}

/* A room id made from a room's name: "Salle Ada Lovelace" -> "salle-ada-lovelace". Latin
** accents are folded the way the kiosk folds names (text_name_key), anything else becomes '-'.
** A name with no letter or digit left gets "salle-" and a hash of the name. */
static void slug(const char *name, char *out)
{
    char folded[4 * BORNE_ROOM_MAX];
    text_name_key(name, "", folded, sizeof folded);
    size_t o = 0;
    bool dash = false;
    for (size_t i = 0; folded[i] && o < BORNE_ID_MAX - 1; i++) {
        char c = folded[i];
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            if (dash && o > 0 && o < BORNE_ID_MAX - 2)
                out[o++] = '-';
            dash = false;
            out[o++] = c;
        } else {
            dash = true;
        }
    }
    out[o] = '\0';
    if (o == 0) {
        uint8_t h[4];
        crypto_generichash(h, sizeof h, (const uint8_t *)name, strlen(name), NULL, 0);
        snprintf(out, BORNE_ID_MAX, "salle-%02x%02x%02x%02x", h[0], h[1], h[2], h[3]);
    }
}

/* Whether PostgreSQL knows a time zone by that name: its index in im->zones (added if new),
** -1 when it does not know it, -2 when the database failed (im->db_failed is set). */
static int zone_index(struct import *im, const char *name)
{
    for (int i = 0; i < im->zone_count; i++)
        if (!strcmp(im->zones[i], name))
            return i;
    size_t n = strlen(name);
    if (n == 0 || n >= ZONE_NAME_MAX)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!is_id_char(name[i]) && name[i] != '/' && name[i] != '+')
            return -1;
    const char *params[] = {name};
    PGresult *r =
        PQexecParams(im->conn, "SELECT now() AT TIME ZONE $1", 1, NULL, params, NULL, NULL, 0);
    int result = -1;
    if (PQresultStatus(r) == PGRES_TUPLES_OK) {
        if (im->zone_count < ZONES_MAX) {
            snprintf(im->zones[im->zone_count], ZONE_NAME_MAX, "%s", name);
            result = im->zone_count++;
        }
    } else {
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        if (!state || strcmp(state, "22023") != 0) { /* 22023: time zone not recognized */
            fprintf(im->err, "database: %s", PQerrorMessage(im->conn));
            im->db_failed = true;
            result = -2;
        }
    }
    PQclear(r);
    return result;
}

/* Converts every wall time of the import (rows and EXDATEs) to Unix seconds, in one query. */
static void convert_times(struct import *im)
{
    struct buf walls = {.max = TIMES_TEXT_MAX}, zones = {.max = TIMES_TEXT_MAX};
    size_t pending = 0;
    for (size_t i = 0; i < im->row_count + im->exdate_count; i++) {
        struct when *w[2];
        int k = 0;
        if (i < im->row_count) {
            w[k++] = &im->rows[i].start;
            w[k++] = &im->rows[i].end;
        } else {
            w[k++] = &im->exdates[i - im->row_count].at;
        }
        for (int j = 0; j < k; j++) {
            if (w[j]->known || !w[j]->wall[0])
                continue;
            if (pending++) {
                buf_str(&walls, "\n");
                buf_str(&zones, "\n");
            }
            buf_str(&walls, w[j]->wall);
            buf_str(&zones, im->zones[w[j]->zone]);
        }
    }
    if (pending == 0)
        goto done;
    if (walls.failed || zones.failed) {
        im->nomem = true;
        goto done;
    }
    const char *params[] = {walls.p, zones.p};
    PGresult *r =
        PQexecParams(im->conn,
                     "SELECT extract(epoch FROM (u.w::timestamp AT TIME ZONE u.z))::bigint "
                     "FROM unnest(string_to_array($1, E'\\n'), string_to_array($2, E'\\n')) "
                     "WITH ORDINALITY AS u(w, z, n) ORDER BY u.n",
                     2, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || (size_t)PQntuples(r) != pending) {
        fprintf(im->err, "database: converting times: %s", PQerrorMessage(im->conn));
        im->db_failed = true;
        PQclear(r);
        goto done;
    }
    size_t at = 0;
    for (size_t i = 0; i < im->row_count + im->exdate_count; i++) {
        struct when *w[2];
        int k = 0;
        if (i < im->row_count) {
            w[k++] = &im->rows[i].start;
            w[k++] = &im->rows[i].end;
        } else {
            w[k++] = &im->exdates[i - im->row_count].at;
        }
        for (int j = 0; j < k; j++) {
            if (w[j]->known || !w[j]->wall[0])
                continue;
            w[j]->epoch = strtoll(PQgetvalue(r, (int)at++, 0), NULL, 10);
            w[j]->known = true;
        }
    }
    PQclear(r);
done:
    buf_free(&walls);
    buf_free(&zones);
}

static int row_ptr_cmp_id(const void *a, const void *b)
{
    const struct row *x = *(const struct row *const *)a, *y = *(const struct row *const *)b;
    int c = strcmp(x->id, y->id);
    if (c)
        return c;
    return x->line < y->line ? -1 : x->line > y->line;
}

static int row_ptr_cmp_room(const void *a, const void *b)
{
    const struct row *x = *(const struct row *const *)a, *y = *(const struct row *const *)b;
    int c = strcmp(x->room_id, y->room_id);
    if (c)
        return c;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* The checks that look at several rows, once the times are known: an id at most once (an
** iCalendar occurrence gives way to the RECURRENCE-ID event that replaces it), one name per
** room, a session that ends after it starts. */
static void check_rows(struct import *im, bool ics)
{
    size_t n = 0;
    struct row **v = malloc((im->row_count + 1) * sizeof *v);
    if (!v) {
        im->nomem = true;
        return;
    }
    for (size_t i = 0; i < im->row_count; i++)
        if (!im->rows[i].dropped)
            v[n++] = &im->rows[i];

    qsort(v, n, sizeof *v, row_ptr_cmp_id);
    for (size_t i = 1; i < n; i++) {
        struct row *a = v[i - 1], *b = v[i];
        if (strcmp(a->id, b->id) != 0)
            continue;
        if (ics && a->override != b->override) {
            (a->override ? b : a)->dropped = true;
            continue;
        }
        char shown[96];
        if (!ics)
            problem(im, b->line, "id: %s is already the id of line %ld",
                    show(b->id, shown, sizeof shown), a->line);
        else if (a->event == b->event)
            problem(im, b->line,
                    "event %s: two occurrences on the same day: only one session a day per "
                    "recurring event",
                    show(b->source + 4, shown, sizeof shown));
        else
            problem(im, b->line, "event %s: the same UID as the event on line %ld",
                    show(b->source + 4, shown, sizeof shown), a->line);
    }

    if (!ics) {
        qsort(v, n, sizeof *v, row_ptr_cmp_room);
        const struct row *named = NULL;
        for (size_t i = 0; i < n; i++) {
            if (named && strcmp(named->room_id, v[i]->room_id) != 0)
                named = NULL;
            if (!v[i]->room_name)
                continue;
            if (!named) {
                named = v[i];
            } else if (strcmp(named->room_name, v[i]->room_name) != 0) {
                char a[96], b[96];
                problem(im, v[i]->line, "room_name: room %s is named %s on line %ld, here %s",
                        v[i]->room_id, show(named->room_name, a, sizeof a), named->line,
                        show(v[i]->room_name, b, sizeof b));
            }
        }
    } else {
        /* Rooms come from LOCATION slugs: two spellings of one name share the first one's. */
        qsort(v, n, sizeof *v, row_ptr_cmp_room);
        for (size_t i = 1; i < n; i++) {
            if (strcmp(v[i - 1]->room_id, v[i]->room_id) != 0 || !v[i - 1]->room_name ||
                !v[i]->room_name || !strcmp(v[i - 1]->room_name, v[i]->room_name))
                continue;
            char *name = strdup(v[i - 1]->room_name);
            if (!name) {
                im->nomem = true;
                break;
            }
            free(v[i]->room_name);
            v[i]->room_name = name;
        }
    }

    for (size_t i = 0; i < im->row_count; i++) {
        struct row *r = &im->rows[i];
        if (r->dropped || !r->start.known || !r->end.known)
            continue;
        if (r->end.epoch < r->start.epoch) {
            char shown[96];
            if (ics)
                problem(im, r->line, "event %s: it ends (DTEND) before it starts (DTSTART)",
                        show(r->source + 4, shown, sizeof shown));
            else
                problem(im, r->line, "ends_at: the session ends before it starts (starts_at)");
        }
    }
    free(v);
}

/* ---- applying an import: one transaction ------------------------------------------------- */

struct summary {
    long sessions, fresh, updated, changed, rooms, new_rooms, renamed_rooms;
    long promoted, promoted_sessions, absent;
    char overbooked[512]; /* sessions where confirmed + held > capacity after the import */
};

struct tx {
    PGconn *conn;
    bool failed;
    char state[6];
    char why[512];
};

static void tx_fail(struct tx *t, PGresult *r)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    snprintf(t->state, sizeof t->state, "%s", state ? state : "");
    const char *msg = r ? PQresultErrorMessage(r) : "";
    snprintf(t->why, sizeof t->why, "%s", msg && *msg ? msg : PQerrorMessage(t->conn));
    size_t n = strlen(t->why);
    while (n > 0 && is_space(t->why[n - 1]))
        t->why[--n] = '\0';
    t->failed = true;
}

/* Runs one statement; returns its result (PQclear it) or NULL with t failed. Does nothing once
** the transaction failed, so that a run of statements is checked once. */
static PGresult *tx_exec(struct tx *t, const char *sql, int n, const char *const *params)
{
    if (t->failed)
        return NULL;
    PGresult *r = PQexecParams(t->conn, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return r;
    tx_fail(t, r);
    PQclear(r);
    return NULL;
}

/* Runs a statement and returns the rows it touched (-1 once failed). */
static long tx_count(struct tx *t, const char *sql, int n, const char *const *params)
{
    PGresult *r = tx_exec(t, sql, n, params);
    if (!r)
        return -1;
    long count = strtol(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return count;
}

/* Runs a query whose answer is one number. */
static long tx_number(struct tx *t, const char *sql, int n, const char *const *params)
{
    PGresult *r = tx_exec(t, sql, n, params);
    if (!r)
        return -1;
    long v = PQntuples(r) > 0 ? strtol(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    PQclear(r);
    return v;
}

/* COPY text format: a backslash, tab, line feed or carriage return is escaped; NULL is \N. */
static void copy_field(struct buf *b, const char *s, bool last)
{
    if (!s) {
        buf_str(b, "\\N");
    } else {
        for (const char *p = s; *p; p++) {
            const char *esc = *p == '\\'   ? "\\\\"
                              : *p == '\t' ? "\\t"
                              : *p == '\n' ? "\\n"
                              : *p == '\r' ? "\\r"
                                           : NULL;
            if (esc)
                buf_str(b, esc);
            else
                buf_add(b, p, 1);
        }
    }
    buf_str(b, last ? "\n" : "\t");
}

/* Streams the rows that are not dropped into import_rows, COPY_CHUNK bytes at a time. */
static void copy_rows(struct tx *t, struct import *im)
{
    if (t->failed)
        return;
    PGresult *r = PQexec(t->conn, "COPY import_rows (line, id, title, description, kind, room_id, "
                                  "room_name, organiser, starts_at, ends_at, capacity, "
                                  "reserved_for, cancelled, source) FROM STDIN");
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        tx_fail(t, r);
        PQclear(r);
        return;
    }
    PQclear(r);
    struct buf b = {.max = 4 * COPY_CHUNK};
    bool sent = true;
    for (size_t i = 0; i < im->row_count && sent; i++) {
        const struct row *w = &im->rows[i];
        if (w->dropped)
            continue;
        char num[5][24];
        snprintf(num[0], sizeof num[0], "%ld", w->line);
        snprintf(num[1], sizeof num[1], "%d", w->kind);
        snprintf(num[2], sizeof num[2], "%" PRId64, w->start.epoch);
        snprintf(num[3], sizeof num[3], "%" PRId64, w->end.epoch);
        snprintf(num[4], sizeof num[4], "%d", w->capacity);
        copy_field(&b, num[0], false);
        copy_field(&b, w->id, false);
        copy_field(&b, w->title, false);
        copy_field(&b, w->description, false);
        copy_field(&b, num[1], false);
        copy_field(&b, w->room_id, false);
        copy_field(&b, w->room_name, false);
        copy_field(&b, w->organiser, false);
        copy_field(&b, num[2], false);
        copy_field(&b, num[3], false);
        copy_field(&b, num[4], false);
        copy_field(&b, w->reserved_for, false);
        copy_field(&b, w->cancelled ? "t" : "f", false);
        copy_field(&b, w->source, true);
        if (b.failed) {
            sent = false;
            snprintf(t->why, sizeof t->why, "out of memory");
        } else if (b.len >= COPY_CHUNK) {
            sent = PQputCopyData(t->conn, b.p, (int)b.len) == 1;
            b.len = 0;
        }
    }
    if (sent && b.len > 0)
        sent = PQputCopyData(t->conn, b.p, (int)b.len) == 1;
    buf_free(&b);
    if (PQputCopyEnd(t->conn, sent ? NULL : "import aborted") != 1)
        sent = false;
    bool ok = true;
    while ((r = PQgetResult(t->conn))) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && ok) {
            tx_fail(t, r);
            ok = false;
        }
        PQclear(r);
    }
    if (!sent && !t->failed) {
        t->failed = true;
        if (!t->why[0])
            snprintf(t->why, sizeof t->why, "%s", PQerrorMessage(t->conn));
    }
}

static const char sql_update[] =
    "UPDATE sessions s SET title = i.title, description = i.description, kind = i.kind,"
    " room_id = i.room_id, organiser = i.organiser, starts_at = i.starts_at,"
    " ends_at = i.ends_at, capacity = i.capacity, reserved_for = i.reserved_for,"
    " cancelled = i.cancelled, source = i.source"
    " FROM import_rows i WHERE s.id = i.id AND s.site_id = $1"
    " AND (s.title, s.description, s.kind, s.room_id, s.organiser, s.starts_at, s.ends_at,"
    "      s.capacity, s.reserved_for, s.cancelled, s.source)"
    " IS DISTINCT FROM (i.title, i.description, i.kind, i.room_id, i.organiser, i.starts_at,"
    "      i.ends_at, i.capacity, i.reserved_for, i.cancelled, i.source)";

static const char sql_insert[] =
    "INSERT INTO sessions (id, site_id, title, description, kind, room_id, organiser,"
    " starts_at, ends_at, capacity, reserved_for, cancelled, source)"
    " SELECT i.id, $1, i.title, i.description, i.kind, i.room_id, i.organiser, i.starts_at,"
    " i.ends_at, i.capacity, i.reserved_for, i.cancelled, i.source FROM import_rows i"
    " WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = i.id)";

/* One attempt at the import transaction. 0: committed; 1: refused (problems recorded, rolled
** back); 2: the database failed (t says how; rolled back). */
static int import_tx(struct import *im, struct tx *t, struct summary *sum)
{
    const char *site[] = {im->site_id};
    memset(sum, 0, sizeof *sum);
    tx_count(t, "BEGIN", 0, NULL);
    tx_count(t,
             "CREATE TEMP TABLE import_rows (line bigint, id text PRIMARY KEY, title text,"
             " description text, kind integer, room_id text, room_name text, organiser text,"
             " starts_at bigint, ends_at bigint, capacity integer, reserved_for text,"
             " cancelled boolean, source text) ON COMMIT DROP",
             0, NULL);
    copy_rows(t, im);

    /* A session id is global: one of another site's sessions is never taken over. */
    PGresult *r = tx_exec(t,
                          "SELECT i.line, i.id, s.site_id FROM import_rows i"
                          " JOIN sessions s ON s.id = i.id WHERE s.site_id <> $1"
                          " ORDER BY i.line, i.id",
                          1, site);
    if (r) {
        int n = PQntuples(r);
        for (int i = 0; i < n; i++)
            problem(im, strtol(PQgetvalue(r, i, 0), NULL, 10),
                    "id: session %s belongs to site %s: choose another id", PQgetvalue(r, i, 1),
                    PQgetvalue(r, i, 2));
        PQclear(r);
        if (n > 0) {
            PQclear(PQexec(t->conn, "ROLLBACK"));
            return 1;
        }
    }

    /* Lock, in id order (no deadlock between two imports), every session the import changes:
    ** a kiosk's seat request for one of them waits until the new capacity is committed. */
    sum->updated = tx_count(t,
                            "SELECT s.id FROM sessions s JOIN import_rows i ON i.id = s.id"
                            " ORDER BY s.id FOR UPDATE OF s",
                            0, NULL);
    /* Sessions that may have free seats for their waiting list after the update: capacity
    ** raised, or cancellation lifted. */
    tx_count(t,
             "CREATE TEMP TABLE import_grown ON COMMIT DROP AS SELECT s.id FROM sessions s"
             " JOIN import_rows i ON i.id = s.id"
             " WHERE i.capacity > s.capacity OR (s.cancelled AND NOT i.cancelled)",
             0, NULL);

    sum->new_rooms = tx_count(t,
                              "INSERT INTO rooms (site_id, id, name)"
                              " SELECT DISTINCT ON (room_id) $1, room_id,"
                              " coalesce(room_name, room_id) FROM import_rows"
                              " ORDER BY room_id, room_name NULLS LAST"
                              " ON CONFLICT (site_id, id) DO NOTHING",
                              1, site);
    sum->renamed_rooms = tx_count(t,
                                  "UPDATE rooms r SET name = i.room_name FROM"
                                  " (SELECT DISTINCT room_id, room_name FROM import_rows"
                                  "  WHERE room_name IS NOT NULL) i"
                                  " WHERE r.site_id = $1 AND r.id = i.room_id"
                                  " AND r.name <> i.room_name",
                                  1, site);
    sum->rooms = tx_number(t, "SELECT count(DISTINCT room_id) FROM import_rows", 0, NULL);
    sum->changed = tx_count(t, sql_update, 1, site);
    sum->fresh = tx_count(t, sql_insert, 1, site);
    sum->sessions = sum->fresh + sum->updated;

    /* The waiting list moves up where the capacity went up, by the server's own rule
    ** (seats.c): the oldest waiting registrations become confirmed while a seat is free. */
    r = tx_exec(t, "SELECT id FROM import_grown ORDER BY id", 0, NULL);
    for (int i = 0; r && i < PQntuples(r) && !t->failed; i++) {
        struct db_tx dtx = {.conn = t->conn};
        int promoted = 0;
        if (!seats_settle(&dtx, PQgetvalue(r, i, 0), &promoted)) {
            t->failed = true;
            snprintf(t->state, sizeof t->state, "%s", dtx.sqlstate);
            snprintf(t->why, sizeof t->why, "%s", dtx.message);
        }
        sum->promoted += promoted;
        sum->promoted_sessions += promoted > 0;
    }
    PQclear(r);
    r = tx_exec(t,
                "SELECT s.id, s.confirmed + s.held, s.capacity FROM sessions s"
                " JOIN import_rows i ON i.id = s.id WHERE s.confirmed + s.held > s.capacity"
                " ORDER BY s.id LIMIT 10",
                0, NULL);
    if (r) {
        size_t o = 0;
        for (int i = 0; i < PQntuples(r) && o < sizeof sum->overbooked - 80; i++)
            o += (size_t)snprintf(sum->overbooked + o, sizeof sum->overbooked - o,
                                  "%s%s (%s seats given, capacity %s)", i ? ", " : "",
                                  PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
        PQclear(r);
    }
    sum->absent = tx_number(t,
                            "SELECT count(*) FROM sessions s WHERE s.site_id = $1"
                            " AND NOT EXISTS (SELECT 1 FROM import_rows i WHERE i.id = s.id)",
                            1, site);
    tx_count(t, "COMMIT", 0, NULL);
    if (t->failed) {
        PQclear(PQexec(t->conn, "ROLLBACK"));
        return 2;
    }
    return 0;
}

/* A deadlock with a kiosk's seat transaction, or another import inserting the same new id
** first: worth trying again from the start. */
static bool retryable(const char *state)
{
    return !strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "23505");
}

/* Applies the checked rows, retrying on a deadlock or a lost race with another import, and
** prints the summary. label: "csv" or "ics", for the messages. */
static int import_apply(struct import *im, struct summary *sum)
{
    for (int attempt = 1;; attempt++) {
        struct tx t = {.conn = im->conn};
        int rc = import_tx(im, &t, sum);
        if (rc == 1) {
            problems_print(im);
            return 1;
        }
        if (rc == 0)
            return 0;
        if (PQstatus(im->conn) != CONNECTION_OK || !retryable(t.state) || attempt >= TX_ATTEMPTS) {
            fprintf(im->err, "database: %s\nnothing imported\n", t.why);
            return 2;
        }
    }
}

static void summary_print(const struct import *im, const struct summary *sum, FILE *out, bool ics)
{
    fprintf(out, "import: %ld sessions (%ld new, %ld updated), %ld rooms, site %s\n", sum->sessions,
            sum->fresh, sum->updated, sum->rooms, im->site_id);
    if (sum->updated > sum->changed)
        fprintf(out, "  %ld of the updated sessions had no change\n", sum->updated - sum->changed);
    if (sum->new_rooms > 0 || sum->renamed_rooms > 0)
        fprintf(out, "  rooms: %ld new, %ld renamed\n", sum->new_rooms, sum->renamed_rooms);
    if (ics) {
        fprintf(out, "  from %zu events", im->events);
        if (im->recurring)
            fprintf(out, "; %zu recurring, expanded into %zu %s (the next %ld days)", im->recurring,
                    im->occurrences, im->occurrences == 1 ? "occurrence" : "occurrences",
                    ICS_HORIZON_S / 86400);
        fprintf(out, "\n");
        if (im->default_capacity)
            fprintf(out,
                    "  %zu sessions without a capacity got the default of %d seats (set "
                    "X-BORNE-CAPACITY, or a line \"Places : N\" in the description)\n",
                    im->default_capacity, ICS_DEFAULT_CAPACITY);
        if (im->shortened)
            fprintf(out, "  %zu %s shortened to %d bytes\n", im->shortened,
                    im->shortened == 1 ? "description" : "descriptions", BORNE_DESC_MAX - 1);
        if (im->all_day)
            fprintf(out, "  %zu all-day %s refused (not imported, see the messages)\n", im->all_day,
                    im->all_day == 1 ? "event" : "events");
    }
    if (sum->promoted > 0)
        fprintf(out, "  waiting list: %ld %s confirmed in %ld %s with new seats\n", sum->promoted,
                sum->promoted == 1 ? "registration" : "registrations", sum->promoted_sessions,
                sum->promoted_sessions == 1 ? "session" : "sessions");
    if (sum->overbooked[0])
        fprintf(out, "  warning: more seats given than the new capacity: %s\n", sum->overbooked);
    if (sum->absent > 0)
        fprintf(out,
                "  %ld other sessions of site %s are not in this file: kept as they are (an "
                "import never deletes; %s)\n",
                sum->absent, im->site_id,
                ics ? "cancel an event with STATUS:CANCELLED"
                    : "cancel a session with cancelled=1");
}

/* The site's time zone; 0, or 1 (unknown site) or 2 (database) with the message written. */
static int site_timezone(PGconn *conn, const char *site_id, char *tz, size_t cap, FILE *err)
{
    const char *params[] = {site_id};
    PGresult *r = PQexecParams(conn, "SELECT timezone FROM sites WHERE id = $1", 1, NULL, params,
                               NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(err, "database: %s", PQerrorMessage(conn));
        PQclear(r);
        return 2;
    }
    if (PQntuples(r) == 0) {
        char shown[96];
        fprintf(err, "site %s does not exist (add it first: borne-server site-add ID NAME)\n",
                show(site_id, shown, sizeof shown));
        PQclear(r);
        return 1;
    }
    snprintf(tz, cap, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return 0;
}

/* What both imports do first: the connection in UTF-8, libsodium ready, the site's time zone
** (zone 0). 0, or 1/2 with the message written. */
static int import_begin(struct import *im, PGconn *conn, const char *site_id, FILE *err)
{
    memset(im, 0, sizeof *im);
    im->conn = conn;
    im->site_id = site_id;
    im->err = err;
    im->now = (int64_t)time(NULL);
    if (!conn || PQstatus(conn) != CONNECTION_OK) {
        fprintf(err, "database: not connected\n");
        return 2;
    }
    if (PQsetClientEncoding(conn, "UTF8") != 0) {
        fprintf(err, "database: %s", PQerrorMessage(conn));
        return 2;
    }
    if (sodium_init() < 0) {
        fprintf(err, "libsodium failed to initialise\n");
        return 2;
    }
    int rc = site_timezone(conn, site_id, im->zones[0], sizeof im->zones[0], err);
    if (rc == 0)
        im->zone_count = 1;
    return rc;
}

/* The end of both imports, once the file is read: times, cross-row checks, then the
** transaction. */
static int import_finish(struct import *im, FILE *out, bool ics)
{
    convert_times(im);
    if (im->db_failed)
        return 2;
    if (ics) {
        /* Occurrences count only within the horizon; EXDATEs remove theirs. */
        for (size_t i = 0; i < im->row_count; i++) {
            struct row *r = &im->rows[i];
            if (r->occurrence && r->start.known && r->end.known &&
                (r->end.epoch < im->now || r->start.epoch >= im->now + ICS_HORIZON_S))
                r->dropped = true;
        }
        for (size_t e = 0; e < im->exdate_count; e++) {
            const struct exdate *x = &im->exdates[e];
            for (size_t i = 0; i < im->row_count; i++) {
                struct row *r = &im->rows[i];
                if (r->event != x->event || !r->occurrence || r->override)
                    continue;
                if (x->date_only ? r->ymd == x->ymd : r->start.epoch == x->at.epoch)
                    r->dropped = true;
            }
        }
    }
    check_rows(im, ics);
    if (im->nomem) {
        fprintf(im->err, "out of memory\nnothing imported\n");
        return 2;
    }
    size_t kept = 0;
    for (size_t i = 0; i < im->row_count; i++) {
        if (im->rows[i].dropped)
            continue;
        kept++;
        if (im->rows[i].occurrence && !im->rows[i].override)
            im->occurrences++;
        if (im->rows[i].default_capacity)
            im->default_capacity++;
    }
    if (!has_problems(im) && kept == 0)
        problem(im, 0, "nothing to import: the file has no session%s",
                ics ? " (or only all-day events, or recurrences outside the next 180 days)" : "");
    if (has_problems(im)) {
        problems_print(im);
        return 1;
    }
    struct summary sum;
    int rc = import_apply(im, &sum);
    if (rc == 0)
        summary_print(im, &sum, out, ics);
    return rc;
}

/* ---- CSV --------------------------------------------------------------------------------- */

/* A strict RFC 4180 reader: fields separated by the delimiter, optionally quoted, a quote
** inside a quoted field doubled, records ended by LF or CRLF (a line break inside quotes is
** kept as LF). A record is at most CSV_RECORD_MAX bytes. */
struct csv {
    FILE *f;
    char delim;
    long line;        /* the physical line of the next byte, from 1 */
    long record_line; /* the first line of the record just read */
    char buf[CSV_RECORD_MAX + 1];
    size_t len;
    size_t field[CSV_FIELDS_MAX];
    int nfields;
    char why[200];
};

enum csv_status {
    CSV_RECORD, /* a record: nfields fields at buf + field[i] */
    CSV_END,    /* no more records */
    CSV_BAD,    /* this record is broken (why says how); reading goes on at the next line */
    CSV_FATAL,  /* the rest of the file cannot be read (why says why) */
};

static bool csv_put(struct csv *c, char ch)
{
    if (c->len >= CSV_RECORD_MAX)
        return false;
    c->buf[c->len++] = ch;
    return true;
}

static bool csv_open_field(struct csv *c)
{
    if (c->nfields >= CSV_FIELDS_MAX)
        return false;
    c->field[c->nfields++] = c->len;
    return true;
}

/* Drops the rest of the physical line after a broken record. */
static enum csv_status csv_skip_line(struct csv *c)
{
    int ch;
    while ((ch = getc(c->f)) != EOF && ch != '\n')
        ;
    if (ch == '\n')
        c->line++;
    return CSV_BAD;
}

/* Reads the next record. Blank lines between records are skipped; a broken record is skipped
** to the end of its physical line, so that the lines after it are still checked. */
static enum csv_status csv_next(struct csv *c)
{
    enum { FIELD_START, UNQUOTED, QUOTED, AFTER_QUOTE } st = FIELD_START;
    bool any = false; /* a byte, a quote or a delimiter seen: not a blank line */
    c->len = 0;
    c->nfields = 0;
    c->why[0] = '\0';
    c->record_line = c->line;
    csv_open_field(c);
    for (;;) {
        int ch = getc(c->f);
        if (ch == EOF) {
            if (ferror(c->f)) {
                snprintf(c->why, sizeof c->why, "reading the file failed: %s", strerror(errno));
                return CSV_FATAL;
            }
            if (st == QUOTED) {
                snprintf(c->why, sizeof c->why,
                         "a quoted field opened here is never closed (a missing \" before the "
                         "end of the file)");
                return CSV_FATAL;
            }
            if (!any)
                return CSV_END;
            if (!csv_put(c, '\0'))
                goto too_long;
            return CSV_RECORD;
        }
        if (ch == '\0') {
            snprintf(c->why, sizeof c->why, "a NUL byte: this is not a text file");
            return csv_skip_line(c);
        }
        if (ch == '\r') {
            int next = getc(c->f);
            if (next != '\n') {
                if (next != EOF)
                    ungetc(next, c->f);
                if (st != QUOTED) {
                    snprintf(c->why, sizeof c->why,
                             "a carriage return not followed by a line feed");
                    return csv_skip_line(c);
                }
            }
            ch = '\n';
        }
        switch (st) {
        case FIELD_START:
            if (ch == '"') {
                st = QUOTED;
                any = true;
                continue;
            }
            /* fall through */
        case UNQUOTED:
            if (ch == c->delim) {
                if (!csv_put(c, '\0'))
                    goto too_long;
                if (!csv_open_field(c)) {
                    snprintf(c->why, sizeof c->why, "more than %d fields", CSV_FIELDS_MAX);
                    return csv_skip_line(c);
                }
                st = FIELD_START;
                any = true;
                continue;
            }
            if (ch == '\n') {
                c->line++;
                if (!any) { /* a blank line between records */
                    c->record_line = c->line;
                    continue;
                }
                if (!csv_put(c, '\0'))
                    goto too_long;
                return CSV_RECORD;
            }
            if (ch == '"') {
                snprintf(c->why, sizeof c->why,
                         "a quote inside a field that does not start with one: put the whole "
                         "field in quotes and double the quote (\"\")");
                return csv_skip_line(c);
            }
            if (!csv_put(c, (char)ch))
                goto too_long;
            st = UNQUOTED;
            any = true;
            continue;
        case QUOTED:
            if (ch == '"') {
                int next = getc(c->f);
                if (next == '"') {
                    if (!csv_put(c, '"'))
                        goto too_long;
                    continue;
                }
                if (next != EOF)
                    ungetc(next, c->f);
                st = AFTER_QUOTE;
                continue;
            }
            if (ch == '\n')
                c->line++;
            if (!csv_put(c, (char)ch))
                goto too_long;
            continue;
        case AFTER_QUOTE:
            if (ch == c->delim) {
                if (!csv_put(c, '\0'))
                    goto too_long;
                if (!csv_open_field(c)) {
                    snprintf(c->why, sizeof c->why, "more than %d fields", CSV_FIELDS_MAX);
                    return csv_skip_line(c);
                }
                st = FIELD_START;
                continue;
            }
            if (ch == '\n') {
                c->line++;
                if (!csv_put(c, '\0'))
                    goto too_long;
                return CSV_RECORD;
            }
            snprintf(c->why, sizeof c->why,
                     "after a closing quote, expected %s or the end of the line",
                     c->delim == ',' ? "a comma" : "a semicolon");
            return csv_skip_line(c);
        }
    }
too_long:
    snprintf(c->why, sizeof c->why, "a record longer than %d KiB (a quote never closed?)",
             CSV_RECORD_MAX / 1024);
    return CSV_FATAL;
}

/* Skips a UTF-8 byte order mark and picks the delimiter: a comma, or a semicolon when the header
** line has semicolons and no comma (a spreadsheet set to French conventions writes those).
** false with why set for a file that is not UTF-8 text. */
static bool csv_start(struct csv *c)
{
    unsigned char bom[3] = {0};
    size_t n = fread(bom, 1, 3, c->f);
    if (n >= 2 && ((bom[0] == 0xFF && bom[1] == 0xFE) || (bom[0] == 0xFE && bom[1] == 0xFF))) {
        snprintf(c->why, sizeof c->why,
                 "the file is in UTF-16: save it as \"CSV UTF-8 (comma delimited)\"");
        return false;
    }
    long start = n == 3 && bom[0] == 0xEF && bom[1] == 0xBB && bom[2] == 0xBF ? 3 : 0;
    if (fseek(c->f, start, SEEK_SET) != 0) {
        snprintf(c->why, sizeof c->why, "the file cannot be read twice (a pipe?): %s",
                 strerror(errno));
        return false;
    }
    int ch, commas = 0, semicolons = 0;
    bool quoted = false;
    for (long i = 0; i < CSV_RECORD_MAX && (ch = getc(c->f)) != EOF && ch != '\n'; i++) {
        if (ch == '"')
            quoted = !quoted;
        else if (!quoted && ch == ',')
            commas++;
        else if (!quoted && ch == ';')
            semicolons++;
    }
    c->delim = commas == 0 && semicolons > 0 ? ';' : ',';
    if (fseek(c->f, start, SEEK_SET) != 0) {
        snprintf(c->why, sizeof c->why, "the file cannot be read twice: %s", strerror(errno));
        return false;
    }
    c->line = 1;
    return true;
}

enum col {
    COL_ID,
    COL_TITLE,
    COL_STARTS,
    COL_ENDS,
    COL_CAPACITY,
    COL_ROOM,
    COL_ROOM_NAME,
    COL_DESCRIPTION,
    COL_KIND,
    COL_ORGANISER,
    COL_RESERVED,
    COL_CANCELLED,
    COL_COUNT
};

static const struct {
    const char *name;
    bool required;
} columns[COL_COUNT] = {
    [COL_ID] = {"id", true},
    [COL_TITLE] = {"title", true},
    [COL_STARTS] = {"starts_at", true},
    [COL_ENDS] = {"ends_at", true},
    [COL_CAPACITY] = {"capacity", true},
    [COL_ROOM] = {"room", true},
    [COL_ROOM_NAME] = {"room_name", false},
    [COL_DESCRIPTION] = {"description", false},
    [COL_KIND] = {"kind", false},
    [COL_ORGANISER] = {"organiser", false},
    [COL_RESERVED] = {"reserved_for", false},
    [COL_CANCELLED] = {"cancelled", false},
};

/* Maps the header's columns; false (problems recorded) when it cannot be used. */
static bool csv_header(struct import *im, struct csv *c, int map[CSV_FIELDS_MAX])
{
    bool ok = true;
    int seen[COL_COUNT];
    for (int k = 0; k < COL_COUNT; k++)
        seen[k] = -1;
    for (int i = 0; i < c->nfields; i++) {
        char name[64];
        fold(trim(c->buf + c->field[i]), name, sizeof name);
        map[i] = -1;
        for (int k = 0; k < COL_COUNT; k++)
            if (!strcmp(name, columns[k].name))
                map[i] = k;
        char shown[96];
        if (map[i] < 0) {
            problem(im, c->record_line,
                    "header: unknown column %s (the columns are id, title, starts_at, ends_at, "
                    "capacity, room, room_name, description, kind, organiser, reserved_for, "
                    "cancelled)",
                    show(c->buf + c->field[i], shown, sizeof shown));
            ok = false;
        } else if (seen[map[i]] >= 0) {
            problem(im, c->record_line, "header: column %s appears twice", columns[map[i]].name);
            ok = false;
        } else {
            seen[map[i]] = i;
        }
    }
    for (int k = 0; k < COL_COUNT; k++)
        if (columns[k].required && seen[k] < 0) {
            problem(im, c->record_line, "header: missing column \"%s\"", columns[k].name);
            ok = false;
        }
    return ok;
}

/* A time cell into a struct when: known at once with an offset, else a wall time of the site. */
static bool csv_time(struct import *im, long line, const char *field, const char *v, struct when *w)
{
    struct stamp st;
    char shown[96];
    switch (parse_stamp(v, &st)) {
    case STAMP_FORMAT:
        problem(im, line,
                "%s: expected a date and time as YYYY-MM-DD HH:MM (2027-03-12 14:00), or ISO 8601 "
                "with an offset (2027-03-12T14:00:00+01:00), got %s",
                field, show(v, shown, sizeof shown));
        return false;
    case STAMP_RANGE:
        problem(im, line, "%s: no such date or time: %s", field, show(v, shown, sizeof shown));
        return false;
    case STAMP_OK:
        break;
    }
    if (st.has_offset) {
        w->known = true;
        w->epoch = days_from_civil(st.y, st.mo, st.d) * 86400 + st.h * 3600 + st.mi * 60 + st.s -
                   st.offset_s;
    } else {
        w->zone = 0;
        format_wall(w->wall, st.y, st.mo, st.d, st.h, st.mi, st.s);
    }
    return true;
}

/* Checks one record into a row; problems are recorded, the row is kept only if sound. */
static void csv_row(struct import *im, long line, char *v[COL_COUNT])
{
    static char empty[] = "";
    for (int k = 0; k < COL_COUNT; k++)
        v[k] = v[k] ? trim(v[k]) : empty;
    struct row r = {.line = line};
    bool ok = true;
    char shown[96];

    if (!id_ok(v[COL_ID])) {
        problem(im, line,
                "id: expected 1 to %d letters, digits, \"-\", \"_\", \".\" or \"@\", got %s",
                BORNE_ID_MAX - 1, show(v[COL_ID], shown, sizeof shown));
        ok = false;
    }
    if (!*v[COL_TITLE]) {
        problem(im, line, "title: empty");
        ok = false;
    } else {
        ok &= text_ok(im, line, "title", v[COL_TITLE], BORNE_TITLE_MAX, false);
    }
    ok &= text_ok(im, line, "description", v[COL_DESCRIPTION], BORNE_DESC_MAX, true);
    ok &= text_ok(im, line, "organiser", v[COL_ORGANISER], BORNE_ORGANISER_MAX, false);
    ok &= text_ok(im, line, "reserved_for", v[COL_RESERVED], BORNE_GROUP_MAX, false);
    bool name_ok = text_ok(im, line, "room_name", v[COL_ROOM_NAME], BORNE_ROOM_MAX, false);
    ok &= name_ok;

    char room_id[BORNE_ID_MAX] = "";
    if (*v[COL_ROOM]) {
        if (!id_ok(v[COL_ROOM])) {
            problem(im, line,
                    "room: expected a room id of 1 to %d letters, digits, \"-\", \"_\", \".\" "
                    "or \"@\", got %s",
                    BORNE_ID_MAX - 1, show(v[COL_ROOM], shown, sizeof shown));
            ok = false;
        } else {
            snprintf(room_id, sizeof room_id, "%s", v[COL_ROOM]);
        }
    } else if (*v[COL_ROOM_NAME] && name_ok) {
        slug(v[COL_ROOM_NAME], room_id);
    } else {
        problem(im, line, "room: empty (give a room id, or at least a room_name)");
        ok = false;
    }

    ok &= csv_time(im, line, "starts_at", v[COL_STARTS], &r.start);
    ok &= csv_time(im, line, "ends_at", v[COL_ENDS], &r.end);

    const char *cap = v[COL_CAPACITY];
    size_t cap_len = strlen(cap);
    bool whole = cap_len > 0 && cap_len <= 9;
    for (size_t i = 0; i < cap_len; i++)
        whole &= cap[i] >= '0' && cap[i] <= '9';
    if (!whole) {
        problem(im, line, "capacity: expected a whole number, got %s",
                show(cap, shown, sizeof shown));
        ok = false;
    } else {
        r.capacity = atoi(cap);
        if (r.capacity > CAPACITY_MAX) {
            problem(im, line, "capacity: expected 0 to %d seats, got %s", CAPACITY_MAX, cap);
            ok = false;
        }
    }

    r.kind = SESSION_WORKSHOP;
    if (*v[COL_KIND]) {
        r.kind = kind_parse(v[COL_KIND]);
        if (r.kind < 0) {
            problem(im, line,
                    "kind: expected atelier, conference, thematique or coaching (or 0 to 3), "
                    "got %s",
                    show(v[COL_KIND], shown, sizeof shown));
            ok = false;
        }
    }

    char cancelled[16];
    fold(v[COL_CANCELLED], cancelled, sizeof cancelled);
    if (!*cancelled || !strcmp(cancelled, "0") || !strcmp(cancelled, "non") ||
        !strcmp(cancelled, "no") || !strcmp(cancelled, "false") || !strcmp(cancelled, "faux")) {
        r.cancelled = false;
    } else if (!strcmp(cancelled, "1") || !strcmp(cancelled, "oui") || !strcmp(cancelled, "yes") ||
               !strcmp(cancelled, "true") || !strcmp(cancelled, "vrai")) {
        r.cancelled = true;
    } else {
        problem(im, line, "cancelled: expected 0 or 1, oui or non, yes or no, got %s",
                show(v[COL_CANCELLED], shown, sizeof shown));
        ok = false;
    }
    if (!ok)
        return;

    r.id = strdup(v[COL_ID]);
    r.title = strdup(v[COL_TITLE]);
    r.description = strdup(v[COL_DESCRIPTION]);
    r.room_id = strdup(room_id);
    r.room_name = *v[COL_ROOM_NAME] ? strdup(v[COL_ROOM_NAME]) : NULL;
    r.organiser = strdup(v[COL_ORGANISER]);
    r.reserved_for = strdup(v[COL_RESERVED]);
    r.source = strdup("csv");
    if (!r.id || !r.title || !r.description || !r.room_id || !r.organiser || !r.reserved_for ||
        !r.source || (*v[COL_ROOM_NAME] && !r.room_name)) {
        im->nomem = true;
        row_free(&r);
        return;
    }
    row_push(im, &r);
}

/* Imports a CSV catalogue into site_id: see admin_io.h for the contract and the top of this
** file for the phases. The file must have a header row naming its columns (any order):
** id, title, starts_at, ends_at, capacity, room are required; room_name, description, kind,
** organiser, reserved_for, cancelled are optional. Returns 0 (imported, summary on out), 1 (a
** problem with the file or the site: every problem on err, nothing imported) or 2 (the
** database failed, or memory ran out: nothing imported). */
int admin_import_csv(PGconn *conn, const char *site_id, const char *path, FILE *out, FILE *err)
{
    struct import im;
    int rc = import_begin(&im, conn, site_id, err);
    if (rc != 0)
        return rc;
    struct csv *c = calloc(1, sizeof *c);
    if (!c) {
        fprintf(err, "out of memory\n");
        return 2;
    }
    c->f = fopen(path, "rb");
    if (!c->f) {
        fprintf(err, "%s: %s\n", path, strerror(errno));
        free(c);
        return 1;
    }
    int map[CSV_FIELDS_MAX];
    enum csv_status st;
    if (!csv_start(c)) {
        problem(&im, 0, "%s", c->why);
        goto checked;
    }
    st = csv_next(c);
    if (st == CSV_END) {
        problem(&im, 0, "the file is empty: expected a header row (id,title,starts_at,...)");
        goto checked;
    }
    if (st != CSV_RECORD) {
        problem(&im, c->record_line, "%s", c->why);
        goto checked;
    }
    int header_fields = c->nfields;
    if (!csv_header(&im, c, map))
        goto checked;
    long rows = 0;
    while ((st = csv_next(c)) != CSV_END) {
        if (st == CSV_FATAL) {
            problem(&im, c->record_line, "%s", c->why);
            break;
        }
        if (st == CSV_BAD) {
            problem(&im, c->record_line, "%s", c->why);
            continue;
        }
        if (++rows > IMPORT_ROWS_MAX) {
            problem(&im, c->record_line, "more than %d rows in one file: split it",
                    IMPORT_ROWS_MAX);
            break;
        }
        if (c->nfields != header_fields) {
            problem(&im, c->record_line, "expected %d fields as in the header, got %d",
                    header_fields, c->nfields);
            continue;
        }
        char *v[COL_COUNT] = {0};
        bool blank = true; /* ",,,,," : a spreadsheet's empty row, skipped like an empty line */
        for (int i = 0; i < c->nfields; i++) {
            v[map[i]] = trim(c->buf + c->field[i]);
            blank &= !*v[map[i]];
        }
        if (!blank)
            csv_row(&im, c->record_line, v);
    }
checked:
    fclose(c->f);
    free(c);
    rc = import_finish(&im, out, false);
    import_free(&im);
    return rc;
}

/* ---- iCalendar --------------------------------------------------------------------------- */

/* What the checks of one VEVENT need to know of it. */
struct ev {
    icalcomponent *c;
    size_t index;
    long line; /* its BEGIN:VEVENT line, 0 when not known */
    const char *uid;
    char label[120]; /* "event <uid>", for messages */
};

/* The id of an event's session: its UID when short and plain enough to be an id (recurring:
** short enough to take "-YYYYMMDD"), else "ics-" and 16 hex digits of its BLAKE2b hash, so
** that importing the calendar again finds the same sessions. */
static void ics_base_id(const char *uid, bool recurring, char *out)
{
    size_t max = BORNE_ID_MAX - 1 - (recurring ? 9 : 0);
    if (strlen(uid) <= max && id_ok(uid)) {
        snprintf(out, BORNE_ID_MAX, "%s", uid);
        return;
    }
    uint8_t h[8];
    crypto_generichash(h, sizeof h, (const uint8_t *)uid, strlen(uid), NULL, 0);
    snprintf(out, BORNE_ID_MAX, "ics-%02x%02x%02x%02x%02x%02x%02x%02x", h[0], h[1], h[2], h[3],
             h[4], h[5], h[6], h[7]);
}

static const char *param_tzid(icalproperty *p)
{
    icalparameter *tz = p ? icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER) : NULL;
    return tz ? icalparameter_get_tzid(tz) : NULL;
}

/* A time of the file as a struct when: UTC at once; floating in the site's time zone; with a
** TZID PostgreSQL knows, in that zone; else by the VTIMEZONE of the file (libical). false
** (problem recorded) for a zone nobody knows. */
static bool ics_when(struct import *im, const struct ev *e, const char *what, struct icaltimetype t,
                     const char *tzid, struct when *w)
{
    memset(w, 0, sizeof *w);
    if (icaltime_is_utc(t)) {
        w->known = true;
        w->epoch = (int64_t)icaltime_as_timet(t);
        return true;
    }
    int zone = 0;
    if (tzid) {
        zone = zone_index(im, tzid);
        if (zone == -2)
            return false;
        if (zone < 0) {
            const icaltimezone *z = icaltime_get_timezone(t);
            if (z) {
                w->known = true;
                w->epoch = (int64_t)icaltime_as_timet_with_zone(t, z);
                return true;
            }
            char shown[96];
            problem(im, e->line, "%s: %s: unknown time zone %s", e->label, what,
                    show(tzid, shown, sizeof shown));
            return false;
        }
    }
    w->zone = zone;
    format_wall(w->wall, t.year, t.month, t.day, t.hour, t.minute, t.second);
    return true;
}

/* A capacity written in a description: a line "Places : 12", "Capacité : 12" or
** "Capacity: 12" (any case; spaces, no-break spaces and the colon optional). -1: none. */
static int capacity_in_text(const char *s)
{
    if (!s)
        return -1;
    static const char *const words[] = {"places", "capacity", "capacite", "nombre de places"};
    for (const char *next = s; next && *next;) {
        const char *line = next;
        next = strchr(line, '\n');
        next = next ? next + 1 : NULL;
        while (*line == ' ' || *line == '\t')
            line++;
        char head[40];
        size_t n = 0;
        while (line[n] && line[n] != '\n' && n < sizeof head - 1) {
            head[n] = line[n];
            n++;
        }
        head[n] = '\0';
        char folded[40];
        fold(head, folded, sizeof folded);
        for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
            size_t k = strlen(words[w]);
            if (strncmp(folded, words[w], k) != 0)
                continue;
            const char *p = folded + k;
            for (;;) { /* spaces, no-break spaces (C2 A0, E2 80 AF), one colon */
                if (*p == ' ' || *p == ':' || *p == '\t')
                    p++;
                else if ((unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0)
                    p += 2;
                else if ((unsigned char)p[0] == 0xE2 && (unsigned char)p[1] == 0x80 &&
                         (unsigned char)p[2] == 0xAF)
                    p += 3;
                else
                    break;
            }
            if (*p < '0' || *p > '9')
                continue;
            long v = 0;
            while (*p >= '0' && *p <= '9' && v <= CAPACITY_MAX)
                v = v * 10 + (*p++ - '0');
            if (v <= CAPACITY_MAX)
                return (int)v;
        }
    }
    return -1;
}

/* A description as the kiosk can hold it: CRLF as LF, trimmed, cut at a word (with "…") when
** longer than BORNE_DESC_MAX - 1 bytes: calendars carry long texts (Meetup's whole event page)
** and a session is not refused for that. Returns a new string or NULL (out of memory). */
static char *ics_description(struct import *im, const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; d[i]; i++)
        if (!(d[i] == '\r' && d[i + 1] == '\n'))
            d[o++] = d[i] == '\r' ? '\n' : d[i];
    d[o] = '\0';
    char *t = trim(d);
    memmove(d, t, strlen(t) + 1);
    size_t n = strlen(d);
    if (n >= BORNE_DESC_MAX) {
        size_t cut = BORNE_DESC_MAX - 1 - 3;
        while (cut > 0 && ((unsigned char)d[cut] & 0xC0) == 0x80)
            cut--;
        size_t word = cut;
        while (word > cut / 2 && !is_space(d[word]))
            word--;
        if (word > cut / 2)
            cut = word;
        while (cut > 0 && is_space(d[cut - 1]))
            cut--;
        memcpy(d + cut, "\xe2\x80\xa6", 4);
        im->shortened++;
    }
    return d;
}

/* The room of an event from its LOCATION: Meetup writes "Name (address)", others "Name,
** address": the name part is kept. No location: the centre's reception. */
static bool ics_room(struct import *im, const struct ev *e, const char *location, char *room_id,
                     char **room_name)
{
    char name[4 * BORNE_ROOM_MAX];
    snprintf(name, sizeof name, "%s", location ? location : "");
    char *n = trim(name);
    size_t len = strlen(n);
    if (len > 0 && n[len - 1] == ')') {
        char *open = strrchr(n, '(');
        if (open && open > n) {
            *open = '\0';
            n = trim(n);
        }
    }
    if (strlen(n) >= BORNE_ROOM_MAX) {
        char *comma = strchr(n, ',');
        if (comma) {
            *comma = '\0';
            n = trim(n);
        }
    }
    if (!*n)
        n = "Accueil"; /* slug: "accueil" */
    if (!text_ok(im, e->line, "LOCATION", n, BORNE_ROOM_MAX, false))
        return false;
    /* A room the site already has under that name (made by a CSV import with its own id) is
    ** that room, not a new one with a slug for id. */
    char key[4 * BORNE_ROOM_MAX];
    text_name_key(n, "", key, sizeof key);
    room_id[0] = '\0';
    for (size_t i = 0; i < im->site_room_count && !room_id[0]; i++)
        if (!strcmp(im->site_rooms[i].key, key))
            snprintf(room_id, BORNE_ID_MAX, "%s", im->site_rooms[i].id);
    if (!room_id[0])
        slug(n, room_id);
    *room_name = strdup(n);
    if (!*room_name)
        im->nomem = true;
    return *room_name != NULL;
}

static int ymd_of(struct icaltimetype t)
{
    return t.year * 10000 + t.month * 100 + t.day;
}

/* A copy of src with its own strings, id left NULL; false when memory ran out (the copy is
** still safe to row_free()). */
static bool row_fill_copy(struct row *dst, const struct row *src)
{
    *dst = *src;
    dst->id = NULL;
    dst->title = dup_str(src->title);
    dst->description = dup_str(src->description);
    dst->room_id = dup_str(src->room_id);
    dst->room_name = dup_str(src->room_name);
    dst->organiser = dup_str(src->organiser);
    dst->reserved_for = dup_str(src->reserved_for);
    dst->source = dup_str(src->source);
    return dst->title && dst->description && dst->room_id && (dst->room_name || !src->room_name) &&
           dst->organiser && dst->reserved_for && dst->source;
}

/* Adds a copy of base with the given id and times. */
static void ics_add(struct import *im, const struct row *base, const char *id,
                    const struct when *start, const struct when *end, int ymd)
{
    struct row r;
    bool ok = row_fill_copy(&r, base);
    r.id = strdup(id);
    r.start = *start;
    r.end = *end;
    r.ymd = ymd;
    if (!ok || !r.id) {
        im->nomem = true;
        row_free(&r);
        return;
    }
    row_push(im, &r);
}

/* Records the EXDATEs of a recurring event; they drop their occurrences once times are known. */
static void ics_exdates(struct import *im, const struct ev *e)
{
    for (icalproperty *p = icalcomponent_get_first_property(e->c, ICAL_EXDATE_PROPERTY); p;
         p = icalcomponent_get_next_property(e->c, ICAL_EXDATE_PROPERTY)) {
        if (im->exdate_count >= EXDATES_MAX) {
            problem(im, e->line, "%s: more than %d EXDATE values in the file", e->label,
                    EXDATES_MAX);
            return;
        }
        if (im->exdate_count == im->exdate_cap) {
            size_t cap = im->exdate_cap ? im->exdate_cap * 2 : 16;
            struct exdate *v = realloc(im->exdates, cap * sizeof *v);
            if (!v) {
                im->nomem = true;
                return;
            }
            im->exdates = v;
            im->exdate_cap = cap;
        }
        struct icaltimetype t = icalproperty_get_exdate(p);
        struct exdate x = {.event = e->index, .date_only = icaltime_is_date(t), .ymd = ymd_of(t)};
        if (!x.date_only && !ics_when(im, e, "EXDATE", t, param_tzid(p), &x.at))
            continue;
        im->exdates[im->exdate_count++] = x;
    }
}

/* Expands an RRULE into occurrences near the horizon (the exact cut is made once the times
** are known). The iterator walks wall times in DTSTART's zone; each occurrence lasts as long
** as the first. */
static void ics_expand(struct import *im, const struct ev *e, const struct row *base,
                       icalproperty *rrule, struct icaltimetype start, struct icaltimetype end,
                       const char *tzid_start, const char *tzid_end)
{
    struct icalrecurrencetype rule = icalproperty_get_rrule(rrule);
    icalrecur_iterator *it = icalrecur_iterator_new(rule, start);
    if (!it) {
        problem(im, e->line, "%s: RRULE not understood", e->label);
        return;
    }
    struct icaldurationtype length = icaltime_subtract(end, start);
    char base_id[BORNE_ID_MAX];
    ics_base_id(e->uid, true, base_id);
    /* Wall times read as UTC are within 14 hours of the truth: a margin of two days. */
    int64_t lo = im->now - 2 * 86400, hi = im->now + ICS_HORIZON_S + 2 * 86400;
    size_t kept = 0;
    im->recurring++;
    for (long steps = 0;; steps++) {
        struct icaltimetype t = icalrecur_iterator_next(it);
        if (icaltime_is_null_time(t))
            break;
        if (steps >= RRULE_STEPS_MAX) {
            problem(im, e->line, "%s: RRULE with more than %d occurrences before the horizon",
                    e->label, RRULE_STEPS_MAX);
            break;
        }
        struct icaltimetype t_end = icaltime_add(t, length);
        int64_t approx = (int64_t)icaltime_as_timet(t);
        if (approx > hi)
            break;
        if ((int64_t)icaltime_as_timet(t_end) < lo)
            continue;
        if (++kept > RRULE_OCCURRENCES_MAX) {
            problem(im, e->line, "%s: more than %d occurrences in the next %ld days", e->label,
                    RRULE_OCCURRENCES_MAX, ICS_HORIZON_S / 86400);
            break;
        }
        t.zone = start.zone;
        t_end.zone = start.zone;
        struct when ws, we;
        if (!ics_when(im, e, "DTSTART", t, tzid_start, &ws) ||
            !ics_when(im, e, "DTEND", t_end, tzid_start ? tzid_start : tzid_end, &we))
            break;
        char id[BORNE_ID_MAX + 16];
        snprintf(id, sizeof id, "%s-%08d", base_id, ymd_of(t));
        ics_add(im, base, id, &ws, &we, ymd_of(t));
    }
    icalrecur_iterator_free(it);
    ics_exdates(im, e);
}

/* Checks one VEVENT and adds its sessions. */
static void ics_event(struct import *im, struct ev *e)
{
    char shown[96];
    icalcomponent *c = e->c;
    bool ok = true;
    for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY); p;
         p = icalcomponent_get_next_property(c, ICAL_XLICERROR_PROPERTY)) {
        const char *why = icalproperty_get_xlicerror(p);
        problem(im, e->line, "%s: the calendar cannot be read here: %s", e->label,
                show(why ? why : "?", shown, sizeof shown));
        ok = false;
    }
    const char *uid = icalcomponent_get_uid(c);
    if (!uid || !*uid) {
        problem(im, e->line, "%s: no UID (every event needs one: it makes the session's id)",
                e->label);
        return;
    }
    if (strlen(uid) > ICS_UID_MAX || !text_ok(im, e->line, "UID", uid, ICS_UID_MAX + 1, false)) {
        if (strlen(uid) > ICS_UID_MAX)
            problem(im, e->line, "%s: UID longer than %d bytes", e->label, ICS_UID_MAX);
        return;
    }
    e->uid = uid;
    snprintf(e->label, sizeof e->label, "event %s", show(uid, shown, sizeof shown));

    struct row base = {.line = e->line, .event = e->index, .kind = SESSION_WORKSHOP};
    char room_id[BORNE_ID_MAX];
    const char *summary = icalcomponent_get_summary(c);
    if (!summary || !*summary) {
        problem(im, e->line, "%s: no SUMMARY (the session's title)", e->label);
        ok = false;
    } else {
        char field[160];
        snprintf(field, sizeof field, "%s: SUMMARY", e->label);
        ok &= text_ok(im, e->line, field, summary, BORNE_TITLE_MAX, false);
    }

    struct icaltimetype start = icalcomponent_get_dtstart(c);
    icalproperty *p_start = icalcomponent_get_first_property(c, ICAL_DTSTART_PROPERTY);
    if (!p_start || icaltime_is_null_time(start)) {
        problem(im, e->line, "%s: no DTSTART (when the session starts)", e->label);
        return;
    }
    if (icaltime_is_date(start)) {
        if (e->line)
            fprintf(im->err, "line %ld: ", e->line);
        fprintf(im->err,
                "%s: all-day event %s refused: a session needs a start and an end time; give "
                "it times in the calendar to import it\n",
                e->label, show(summary ? summary : "", shown, sizeof shown));
        im->all_day++;
        return;
    }
    icalproperty *p_end = icalcomponent_get_first_property(c, ICAL_DTEND_PROPERTY);
    icalproperty *p_dur = icalcomponent_get_first_property(c, ICAL_DURATION_PROPERTY);
    if (!p_end && !p_dur) {
        problem(im, e->line, "%s: no DTEND or DURATION (when the session ends)", e->label);
        return;
    }
    struct icaltimetype end = icalcomponent_get_dtend(c);
    if (icaltime_is_null_time(end) || icaltime_is_date(end)) {
        problem(im, e->line, "%s: DTEND is not a date and time like DTSTART", e->label);
        return;
    }
    const char *tzid_start = param_tzid(p_start);
    const char *tzid_end = p_end ? param_tzid(p_end) : tzid_start;

    base.description = ics_description(im, icalcomponent_get_description(c));
    if (!base.description) {
        im->nomem = true;
        return;
    }
    {
        char field[160];
        snprintf(field, sizeof field, "%s: DESCRIPTION", e->label);
        ok &= text_ok(im, e->line, field, base.description, BORNE_DESC_MAX, true);
    }
    ok &= ics_room(im, e, icalcomponent_get_location(c), room_id, &base.room_name);

    const char *organiser = "";
    icalproperty *p_org = icalcomponent_get_first_property(c, ICAL_ORGANIZER_PROPERTY);
    icalparameter *cn = p_org ? icalproperty_get_first_parameter(p_org, ICAL_CN_PARAMETER) : NULL;
    if (cn && icalparameter_get_cn(cn))
        organiser = icalparameter_get_cn(cn);
    {
        char field[160];
        snprintf(field, sizeof field, "%s: ORGANIZER", e->label);
        ok &= text_ok(im, e->line, field, organiser, BORNE_ORGANISER_MAX, false);
    }

    for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_CATEGORIES_PROPERTY); p;
         p = icalcomponent_get_next_property(c, ICAL_CATEGORIES_PROPERTY)) {
        /* A category names a kind by its name only: a "1" among the tags is not a kind. */
        const char *value = icalproperty_get_categories(p);
        char list[256];
        snprintf(list, sizeof list, "%s", value ? value : "");
        char *save = NULL;
        for (char *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
            w = trim(w);
            int k = w[0] >= '0' && w[0] <= '9' ? -1 : kind_parse(w);
            if (k >= 0) {
                base.kind = k;
                break;
            }
        }
    }

    base.capacity = -1;
    for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_X_PROPERTY); p;
         p = icalcomponent_get_next_property(c, ICAL_X_PROPERTY)) {
        const char *name = icalproperty_get_x_name(p);
        if (!name || strcasecmp(name, "X-BORNE-CAPACITY") != 0)
            continue;
        const char *v = icalproperty_get_x(p);
        char value[32];
        snprintf(value, sizeof value, "%s", v ? v : "");
        char *t = trim(value);
        size_t n = strlen(t);
        bool whole = n > 0 && n <= 5;
        for (size_t i = 0; i < n; i++)
            whole &= t[i] >= '0' && t[i] <= '9';
        if (!whole || atoi(t) > CAPACITY_MAX) {
            problem(im, e->line, "%s: X-BORNE-CAPACITY: expected a whole number 0 to %d, got %s",
                    e->label, CAPACITY_MAX, show(v ? v : "", shown, sizeof shown));
            ok = false;
        } else {
            base.capacity = atoi(t);
        }
    }
    if (base.capacity < 0) /* read in the whole text: the line may be past the cut */
        base.capacity = capacity_in_text(icalcomponent_get_description(c));
    base.default_capacity = base.capacity < 0;
    if (base.default_capacity)
        base.capacity = ICS_DEFAULT_CAPACITY;

    base.cancelled = icalcomponent_get_status(c) == ICAL_STATUS_CANCELLED;
    base.title = strdup(summary ? summary : "");
    base.room_id = strdup(room_id);
    base.organiser = strdup(organiser);
    base.reserved_for = strdup("");
    size_t source_len = strlen(uid) + 5;
    base.source = malloc(source_len);
    if (base.source)
        snprintf(base.source, source_len, "ics:%s", uid);
    if (!base.title || !base.room_id || !base.organiser || !base.reserved_for || !base.source)
        im->nomem = true;
    if (!ok || im->nomem) {
        row_free(&base);
        return;
    }

    icalproperty *rid = icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY);
    icalproperty *rrule = icalcomponent_get_first_property(c, ICAL_RRULE_PROPERTY);
    struct when ws, we;
    char id[BORNE_ID_MAX + 16];
    if (rid) {
        struct icaltimetype t = icalcomponent_get_recurrenceid(c);
        char base_id[BORNE_ID_MAX];
        ics_base_id(uid, true, base_id);
        snprintf(id, sizeof id, "%s-%08d", base_id, ymd_of(t));
        if (ics_when(im, e, "DTSTART", start, tzid_start, &ws) &&
            ics_when(im, e, "DTEND", end, p_end ? tzid_end : tzid_start, &we)) {
            base.occurrence = base.override = true;
            ics_add(im, &base, id, &ws, &we, ymd_of(t));
        }
    } else if (rrule) {
        base.occurrence = true;
        ics_expand(im, e, &base, rrule, start, end, tzid_start, p_end ? tzid_end : tzid_start);
    } else {
        ics_base_id(uid, false, id);
        if (ics_when(im, e, "DTSTART", start, tzid_start, &ws) &&
            ics_when(im, e, "DTEND", end, p_end ? tzid_end : tzid_start, &we))
            ics_add(im, &base, id, &ws, &we, ymd_of(start));
    }
    row_free(&base);
}

/* Appends the VEVENTs of cal (or cal itself, a lone VEVENT) to *events. */
static bool events_collect(struct import *im, icalcomponent *cal, icalcomponent ***events,
                           size_t *n)
{
    bool lone = icalcomponent_isa(cal) == ICAL_VEVENT_COMPONENT;
    icalcomponent *ev = lone ? cal : icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
    for (; ev; ev = lone ? NULL : icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
        if (*n >= IMPORT_ROWS_MAX) {
            problem(im, 0, "more than %d events in one file: split it", IMPORT_ROWS_MAX);
            return false;
        }
        if ((*n & (*n - 1)) == 0) { /* 0, 1, 2, 4...: grow to the next power of two */
            icalcomponent **v = realloc(*events, (*n ? *n * 2 : 1) * sizeof *v);
            if (!v) {
                im->nomem = true;
                return false;
            }
            *events = v;
        }
        (*events)[(*n)++] = ev;
    }
    return true;
}

/* Loads the site's rooms (the first 1000 by id: a centre has a handful). */
static bool site_rooms_load(struct import *im)
{
    const char *params[] = {im->site_id};
    PGresult *r = PQexecParams(
        im->conn, "SELECT id, name FROM rooms WHERE site_id = $1 ORDER BY id LIMIT 1000", 1, NULL,
        params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(im->err, "database: %s", PQerrorMessage(im->conn));
        PQclear(r);
        return false;
    }
    int n = PQntuples(r);
    im->site_rooms = calloc((size_t)n + 1, sizeof *im->site_rooms);
    if (!im->site_rooms) {
        fprintf(im->err, "out of memory\n");
        PQclear(r);
        return false;
    }
    for (int i = 0; i < n; i++) {
        snprintf(im->site_rooms[i].id, BORNE_ID_MAX, "%s", PQgetvalue(r, i, 0));
        text_name_key(PQgetvalue(r, i, 1), "", im->site_rooms[i].key, sizeof im->site_rooms[i].key);
    }
    im->site_room_count = (size_t)n;
    PQclear(r);
    return true;
}

/* Reads an iCalendar file whole (at most ICS_FILE_MAX), refusing what is not UTF-8 text, and
** notes the line of each BEGIN:VEVENT so that messages can name lines. NULL: refused (problems
** recorded) or out of memory. */
static char *ics_read(struct import *im, const char *path, long **lines, size_t *line_count)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        problem(im, 0, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct buf b = {.max = ICS_FILE_MAX};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && buf_add(&b, chunk, n))
        ;
    bool read_error = ferror(f);
    fclose(f);
    if (b.failed || read_error) {
        if (read_error)
            problem(im, 0, "%s: reading failed", path);
        else if (b.len >= ICS_FILE_MAX - sizeof chunk)
            problem(im, 0, "%s: larger than %ld MiB", path, ICS_FILE_MAX >> 20);
        else
            im->nomem = true;
        buf_free(&b);
        return NULL;
    }
    if (!b.p) {
        problem(im, 0, "the file is empty: expected an iCalendar file (BEGIN:VCALENDAR)");
        return NULL;
    }
    char *text = b.p;
    size_t len = b.len;
    size_t cap = 0;
    bool mapped = true; /* the line map is complete (it is given up when it cannot grow) */
    *lines = NULL;
    *line_count = 0;
    long line = 1;
    for (size_t i = 0; i < len;) {
        size_t end = i;
        while (end < len && text[end] != '\n')
            end++;
        size_t k = i;
        for (; k < end; k++) {
            if (text[k] == '\0') {
                problem(im, line, "a NUL byte: this is not a text file");
                break;
            }
        }
        for (size_t j = i; k == end && j < end;) {
            uint32_t cp;
            size_t used = utf8_decode(text + j, end - j, &cp);
            if (!used) {
                problem(im, line, "not valid UTF-8 (export the calendar in UTF-8)");
                break;
            }
            j += used;
        }
        if (mapped && end - i >= 12 && !strncasecmp(text + i, "BEGIN:VEVENT", 12) &&
            (end - i == 12 || (end - i == 13 && text[i + 12] == '\r'))) {
            if (*line_count == cap) {
                cap = cap ? cap * 2 : 64;
                long *v = cap <= IMPORT_ROWS_MAX * 2 ? realloc(*lines, cap * sizeof *v) : NULL;
                if (!v) {
                    free(*lines);
                    *lines = NULL;
                    *line_count = 0;
                    mapped = false;
                }
                *lines = v;
            }
            if (mapped)
                (*lines)[(*line_count)++] = line;
        }
        i = end + 1;
        line++;
    }
    if (has_problems(im)) {
        free(text);
        free(*lines);
        *lines = NULL;
        return NULL;
    }
    return text;
}

/* Imports an iCalendar file into site_id: see admin_io.h for the contract and
** the samples in tests/integration/data for what calendars look like. Each VEVENT becomes a session
** (each occurrence of a recurring one in the next 180 days); an all-day event is refused on its
** own (a message on err, counted in the summary) and the others are imported. Returns 0, 1
** (a problem with the file or the site: every problem on err, nothing imported) or 2 (the
** database failed, or memory ran out: nothing imported). */
int admin_import_ics(PGconn *conn, const char *site_id, const char *path, FILE *out, FILE *err)
{
    struct import im;
    int rc = import_begin(&im, conn, site_id, err);
    if (rc != 0)
        return rc;
    icalerror_set_errors_are_fatal(0);
    if (!site_rooms_load(&im)) {
        import_free(&im);
        return 2;
    }
    long *lines = NULL;
    size_t line_count = 0;
    icalcomponent *root = NULL, **events = NULL;
    size_t n = 0;
    char *text = ics_read(&im, path, &lines, &line_count);
    if (!text)
        goto checked;
    root = icalparser_parse_string(text);
    free(text);
    if (!root) {
        problem(&im, 0, "not an iCalendar file (expected BEGIN:VCALENDAR ... END:VCALENDAR)");
        goto checked;
    }
    /* The events: of the calendar, or of each calendar of a file that has several. */
    icalcomponent_kind kind = icalcomponent_isa(root);
    icalcomponent *cal = kind == ICAL_XROOT_COMPONENT
                             ? icalcomponent_get_first_component(root, ICAL_VCALENDAR_COMPONENT)
                             : root;
    for (; cal; cal = kind == ICAL_XROOT_COMPONENT
                          ? icalcomponent_get_next_component(root, ICAL_VCALENDAR_COMPONENT)
                          : NULL) {
        if (!events_collect(&im, cal, &events, &n))
            goto checked;
    }
    if (n == 0) {
        problem(&im, 0,
                "no event in the file (expected BEGIN:VEVENT ... END:VEVENT inside a "
                "VCALENDAR)");
        goto checked;
    }
    im.events = n;
    for (size_t i = 0; i < n && !im.db_failed && !im.nomem; i++) {
        struct ev e = {.c = events[i], .index = i, .line = line_count == n ? lines[i] : 0};
        snprintf(e.label, sizeof e.label, "event %zu", i + 1);
        ics_event(&im, &e);
    }
checked:
    free(events);
    free(lines);
    if (root)
        icalcomponent_free(root);
    if (im.db_failed) {
        rc = 2;
    } else if (im.nomem) {
        fprintf(err, "out of memory\nnothing imported\n");
        rc = 2;
    } else {
        rc = import_finish(&im, out, true);
    }
    import_free(&im);
    return rc;
}

/* ---- export ------------------------------------------------------------------------------ */

/* One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, its quotes
** doubled. A field a spreadsheet would run as a formula (=, +, -, @, tab or CR first) gets a
** leading single quote, so that a visitor's name "=HYPERLINK(...)" stays text. */
static void csv_write_field(FILE *out, const char *s, bool last)
{
    bool formula =
        s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r';
    bool quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        fputc('"', out);
    if (formula)
        fputc('\'', out);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('"', out);
        fputc(*p, out);
    }
    if (quote)
        fputc('"', out);
    fputs(last ? "\r\n" : ",", out);
}

static const char sql_registrations[] =
    "WITH b AS (SELECT"
    "  coalesce(extract(epoch FROM ($2::date::timestamp AT TIME ZONE $4))::bigint,"
    "           -9223372036854775807) AS lo,"
    "  coalesce(extract(epoch FROM (($3::date + 1)::timestamp AT TIME ZONE $4))::bigint,"
    "           9223372036854775807) AS hi)"
    " SELECT s.id, s.title, to_char(to_timestamp(s.starts_at) AT TIME ZONE $4,"
    "   'YYYY-MM-DD HH24:MI'),"
    "  r.id, r.first_name, r.last_name, coalesce(r.email, ''), coalesce(r.phone, ''),"
    "  r.short_code,"
    "  CASE r.status WHEN 0 THEN 'confirmed' WHEN 1 THEN 'waitlist' ELSE 'cancelled' END,"
    "  CASE r.seat WHEN 1 THEN 'server' WHEN 2 THEN 'allotment' WHEN 3 THEN 'local'"
    "   ELSE 'none' END,"
    "  r.device_id,"
    "  to_char(to_timestamp(r.created_at) AT TIME ZONE $4, 'YYYY-MM-DD HH24:MI:SS'),"
    "  to_char(r.received_at AT TIME ZONE $4, 'YYYY-MM-DD HH24:MI:SS'),"
    "  CASE WHEN c.first IS NULL THEN 'non' ELSE 'oui' END,"
    "  coalesce(to_char(to_timestamp(c.first) AT TIME ZONE $4, 'YYYY-MM-DD HH24:MI:SS'), '')"
    " FROM b, sessions s"
    " JOIN registrations r ON r.session_id = s.id"
    " LEFT JOIN LATERAL (SELECT min(k.checked_at) AS first FROM tickets t"
    "   JOIN checkins k ON k.ticket_id = t.id WHERE t.registration_id = r.id) c ON true"
    " WHERE s.site_id = $1 AND s.starts_at >= b.lo AND s.starts_at < b.hi"
    " ORDER BY s.starts_at, s.id, r.received_seq";

/* no_show is left empty for a session that has not ended: nobody is absent yet. */
static const char sql_attendance[] =
    "WITH b AS (SELECT"
    "  coalesce(extract(epoch FROM ($2::date::timestamp AT TIME ZONE $4))::bigint,"
    "           -9223372036854775807) AS lo,"
    "  coalesce(extract(epoch FROM (($3::date + 1)::timestamp AT TIME ZONE $4))::bigint,"
    "           9223372036854775807) AS hi)"
    " SELECT s.id, s.title, to_char(to_timestamp(s.starts_at) AT TIME ZONE $4,"
    "   'YYYY-MM-DD HH24:MI'),"
    "  coalesce(rm.name, s.room_id), s.capacity,"
    "  (SELECT count(*) FROM registrations r WHERE r.session_id = s.id AND r.status = 0),"
    "  (SELECT count(*) FROM registrations r WHERE r.session_id = s.id AND r.status = 1),"
    "  (SELECT count(*) FROM registrations r WHERE r.session_id = s.id AND r.status = 2),"
    "  (SELECT count(DISTINCT k.ticket_id) FROM checkins k WHERE k.session_id = s.id),"
    "  (SELECT count(*) FROM checkins k WHERE k.session_id = s.id AND k.flagged),"
    "  CASE WHEN s.ends_at < extract(epoch FROM now()) THEN"
    "   (SELECT count(*) FROM registrations r WHERE r.session_id = s.id AND r.status = 0"
    "    AND NOT EXISTS (SELECT 1 FROM tickets t JOIN checkins k ON k.ticket_id = t.id"
    "                    WHERE t.registration_id = r.id))::text"
    "   ELSE '' END"
    " FROM b, sessions s"
    " LEFT JOIN rooms rm ON rm.site_id = s.site_id AND rm.id = s.room_id"
    " WHERE s.site_id = $1 AND s.starts_at >= b.lo AND s.starts_at < b.hi"
    " ORDER BY s.starts_at, s.id";

static const char *const header_registrations[] = {
    "session_id", "session_title", "session_start", "registration_id", "first_name", "last_name",
    "email",      "phone",         "short_code",    "status",          "seat",       "device_id",
    "created_at", "received_at",   "checked_in",    "first_checkin_at"};

static const char *const header_attendance[] = {
    "session_id", "title",    "start",     "room",       "capacity",
    "confirmed",  "waitlist", "cancelled", "checked_in", "flagged_checkins",
    "no_show"};

/* A date argument of the export: NULL or "" (no bound) or YYYY-MM-DD. */
static bool export_date(const char *name, const char *v, FILE *err)
{
    if (!v || !*v)
        return true;
    struct stamp st;
    char shown[96];
    if (strlen(v) != 10 || parse_date(v, &st) != STAMP_OK) {
        fprintf(err, "%s: expected a date as YYYY-MM-DD (2027-03-01), got %s\n", name,
                show(v, shown, sizeof shown));
        return false;
    }
    return true;
}

/* Writes a CSV export of site_id to out: see admin_io.h. The file starts with a UTF-8 byte
** order mark (so that a spreadsheet does not read the accents as Latin-1), has a header row and
** CRLF line ends. from/to may be NULL or "" for no bound. Returns 0, 1 (what, a date or the site
** refused; nothing written) or 2 (the database failed, or writing to out failed; out may hold
** part of the file). */
int admin_export(PGconn *conn, const char *what, const char *site_id, const char *from,
                 const char *to, FILE *out, FILE *err)
{
    bool registrations = what && !strcmp(what, "registrations");
    if (!registrations && !(what && !strcmp(what, "attendance"))) {
        char shown[96];
        fprintf(err, "export: expected registrations or attendance, got %s\n",
                show(what ? what : "", shown, sizeof shown));
        return 1;
    }
    if (!export_date("from", from, err) || !export_date("to", to, err))
        return 1;
    if (from && *from && to && *to && strcmp(from, to) > 0) {
        fprintf(err, "export: from (%s) is after to (%s)\n", from, to);
        return 1;
    }
    if (!conn || PQstatus(conn) != CONNECTION_OK) {
        fprintf(err, "database: not connected\n");
        return 2;
    }
    if (PQsetClientEncoding(conn, "UTF8") != 0) {
        fprintf(err, "database: %s", PQerrorMessage(conn));
        return 2;
    }
    char tz[ZONE_NAME_MAX];
    int rc = site_timezone(conn, site_id, tz, sizeof tz, err);
    if (rc != 0)
        return rc;

    const char *params[] = {site_id, from && *from ? from : NULL, to && *to ? to : NULL, tz};
    if (!PQsendQueryParams(conn, registrations ? sql_registrations : sql_attendance, 4, NULL,
                           params, NULL, NULL, 0) ||
        !PQsetSingleRowMode(conn)) {
        fprintf(err, "database: %s", PQerrorMessage(conn));
        PGresult *r;
        while ((r = PQgetResult(conn)))
            PQclear(r);
        return 2;
    }
    const char *const *header = registrations ? header_registrations : header_attendance;
    int columns_n = registrations ? (int)(sizeof header_registrations / sizeof *header)
                                  : (int)(sizeof header_attendance / sizeof *header);
    fputs("\xef\xbb\xbf", out);
    for (int i = 0; i < columns_n; i++)
        csv_write_field(out, header[i], i == columns_n - 1);
    PGresult *r;
    bool failed = false;
    while ((r = PQgetResult(conn))) {
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_SINGLE_TUPLE && !failed && PQnfields(r) == columns_n) {
            for (int i = 0; i < columns_n; i++)
                csv_write_field(out, PQgetvalue(r, 0, i), i == columns_n - 1);
        } else if (st != PGRES_TUPLES_OK && st != PGRES_SINGLE_TUPLE && !failed) {
            fprintf(err, "database: %s", PQresultErrorMessage(r));
            failed = true;
        }
        PQclear(r);
    }
    if (failed)
        return 2;
    if (fflush(out) != 0 || ferror(out)) {
        fprintf(err, "export: writing failed: %s\n", strerror(errno));
        return 2;
    }
    return 0;
}
