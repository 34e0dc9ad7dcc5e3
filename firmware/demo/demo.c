/* The demo catalogue: parse assets/demo/catalogue.ini (format documented at the top of that
** file), check every entry, date the week template relative to the kiosk's "today" and write it
** in one store transaction.
**
** The file is trusted no more than any other input: every key is checked, a value longer than
** its field is refused (never cut), and the first problem is reported as "FILE:LINE: what" so
** that whoever edits the file sees exactly where. */
#include "demo/demo.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/text.h"

#define DEMO_ROOMS_MAX 16
#define DEMO_SESSIONS_MAX 128 /* in the week template; the file holds about 40 */
#define DEMO_LARGE_MIN 200    /* sessions written with large set (benchmarks) */
#define DEMO_MSG_MAX 256
/* An id is "demo-<week>-<key>"; with large set and a one-session file the week goes up to
** DEMO_LARGE_MIN - 1, so "demo-199-" (9 bytes) must fit in front of the key. */
#define DEMO_ID_PREFIX_MAX 9
#define DEMO_SESSION_KEY_MAX (BORNE_ID_MAX - 1 - DEMO_ID_PREFIX_MAX)
#define DEMO_DURATION_MAX_MIN (12 * 60)
#define DEMO_CAPACITY_MAX 1000

/* The keys of a [session:...] section. */
enum field {
    F_TITLE,
    F_DESCRIPTION,
    F_KIND,
    F_ROOM,
    F_ORGANISER,
    F_DAY,
    F_START,
    F_DURATION,
    F_CAPACITY,
    F_TAKEN,
    F_RESERVED_FOR,
    F_COUNT
};

static const struct {
    const char *name;
    bool required;
} fields[F_COUNT] = {
    [F_TITLE] = {"title", true},
    [F_DESCRIPTION] = {"description", true},
    [F_KIND] = {"kind", true},
    [F_ROOM] = {"room", true},
    [F_ORGANISER] = {"organiser", false},
    [F_DAY] = {"day", true},
    [F_START] = {"start", true},
    [F_DURATION] = {"duration", true},
    [F_CAPACITY] = {"capacity", true},
    [F_TAKEN] = {"taken", false},
    [F_RESERVED_FOR] = {"reserved_for", false},
};

/* The file's words for the kinds, indexed by enum session_kind. ASCII, so that nobody has to
** guess whether "conférence" takes an accent in a key. */
static const char *const kind_words[SESSION_KIND_COUNT] = {
    [SESSION_WORKSHOP] = "atelier",
    [SESSION_CONFERENCE] = "conference",
    [SESSION_THEMATIC] = "thematique",
    [SESSION_COACHING] = "coaching",
};

/* One [session:KEY] of the week template. The text fields, kind, room, capacity and seats
** taken live in s; ids and times are made when the week is dated. */
struct entry {
    struct session s;
    char key[DEMO_SESSION_KEY_MAX + 1];
    int line;                /* of the [session:...] header */
    int field_line[F_COUNT]; /* where each key was given; 0 when it was not */
    int day;
    int start_min; /* minutes after local midnight */
    int duration_min;
};

enum section_kind { SECTION_NONE, SECTION_ROOM, SECTION_SESSION };

/* Everything the reader and the handler share while inih runs. Fixed arrays: the file is an
** asset, but an asset with 10,000 sections is still refused rather than followed. */
struct parse {
    FILE *f;
    int line;         /* the line inih is working on: the reader counts them */
    bool indented;    /* it starts with white space: inih reads it as a continuation */
    bool comment_cut; /* it holds " ;", where inih cuts a value as an inline comment */
    int err_line;     /* first problem found by the reader or the handler; 0: none */
    char err[DEMO_MSG_MAX];

    enum section_kind section;
    char section_name[INI_MAX_LINE]; /* as inih will pass it, to check we agree */
    char prev_key[32];               /* last key of this section, for continuations */

    struct room rooms[DEMO_ROOMS_MAX];
    int room_line[DEMO_ROOMS_MAX];
    size_t n_rooms;
    struct entry entries[DEMO_SESSIONS_MAX];
    size_t n_entries;
};

static void say(char *buf, size_t cap, const char *fmt, ...)
{
    if (!buf || cap == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
}

/* Keep the first problem only: what follows a broken line is usually a consequence of it.
** Returns 0 so that the handler can `return fail(...)` (inih's "error" answer). */
static int fail(struct parse *p, int line, const char *fmt, ...)
{
    if (p->err_line)
        return 0;
    p->err_line = line > 0 ? line : 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err, sizeof p->err, fmt, ap);
    va_end(ap);
    return 0;
}

static bool key_valid(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        if (!ok)
            return false;
    }
    return true;
}

/* A section header opens its record here, in the reader, because the handler is only called
** for key = value lines: an empty [session:x] would otherwise pass unseen, and a missing key
** could not be reported at the header's line. */
static void open_section(struct parse *p, const char *start)
{
    const char *end = strchr(start, ']');
    if (!end)
        return; /* inih reports the broken header itself */
    size_t len = (size_t)(end - start);
    if (len >= sizeof p->section_name) {
        fail(p, p->line, "section name too long");
        return;
    }
    memcpy(p->section_name, start, len);
    p->section_name[len] = '\0';
    p->prev_key[0] = '\0';
    p->section = SECTION_NONE;

    const char *name = p->section_name;
    if (strncmp(name, "room:", 5) == 0) {
        const char *key = name + 5;
        if (!key_valid(key, BORNE_ID_MAX - 1)) {
            fail(p, p->line, "room key \"%s\" must be 1 to %d letters, digits, '-' or '_'", key,
                 BORNE_ID_MAX - 1);
            return;
        }
        for (size_t i = 0; i < p->n_rooms; i++) {
            if (strcmp(p->rooms[i].id, key) == 0) {
                fail(p, p->line, "room %s is defined twice (first on line %d)", key,
                     p->room_line[i]);
                return;
            }
        }
        if (p->n_rooms == DEMO_ROOMS_MAX) {
            fail(p, p->line, "more than %d rooms", DEMO_ROOMS_MAX);
            return;
        }
        strcpy(p->rooms[p->n_rooms].id, key);
        p->room_line[p->n_rooms] = p->line;
        p->n_rooms++;
        p->section = SECTION_ROOM;
    } else if (strncmp(name, "session:", 8) == 0) {
        const char *key = name + 8;
        if (!key_valid(key, DEMO_SESSION_KEY_MAX)) {
            fail(p, p->line, "session key \"%s\" must be 1 to %d letters, digits, '-' or '_'", key,
                 DEMO_SESSION_KEY_MAX);
            return;
        }
        for (size_t i = 0; i < p->n_entries; i++) {
            if (strcmp(p->entries[i].key, key) == 0) {
                fail(p, p->line, "session %s is defined twice (first on line %d)", key,
                     p->entries[i].line);
                return;
            }
        }
        if (p->n_entries == DEMO_SESSIONS_MAX) {
            fail(p, p->line, "more than %d sessions", DEMO_SESSIONS_MAX);
            return;
        }
        struct entry *e = &p->entries[p->n_entries++];
        memset(e, 0, sizeof *e);
        strcpy(e->key, key);
        e->line = p->line;
        p->section = SECTION_SESSION;
    } else {
        fail(p, p->line, "unknown section [%s]: expected [room:KEY] or [session:KEY]", name);
    }
}

/* inih's reader callback (fgets-style). Debian's libinih is built without INI_HANDLER_LINENO,
** so the handler cannot know its line; inih calls the reader once per line and the handler
** right after, so counting here gives the handler's line. */
static char *read_line(char *buf, int cap, void *stream)
{
    struct parse *p = stream;
    if (p->err_line)
        return NULL; /* stop at the first problem */
    if (!fgets(buf, cap, p->f))
        return NULL;
    p->line++;
    /* Without this, inih would read the rest of a long line as a line of its own. The limit
    ** is inih's: its buffer holds the text, "\r\n" and the NUL. */
    size_t len = strlen(buf);
    bool whole = (len > 0 && buf[len - 1] == '\n') || feof(p->f);
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        len--;
    if (!whole || len > (size_t)cap - 3) {
        fail(p, p->line, "line longer than %d bytes: go on with the text on indented lines",
             cap - 3);
        return NULL;
    }

    const char *s = buf;
    if (p->line == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
        s += 3;
    const char *start = s;
    while (*s == ' ' || *s == '\t')
        s++;
    p->indented = s > start;
    p->comment_cut = false;
    if (*s == ';' || *s == '#')
        return buf;
    for (const char *c = s; *c; c++) {
        if (c > s && *c == ';' && (c[-1] == ' ' || c[-1] == '\t'))
            p->comment_cut = true;
    }
    if (*s == '[')
        open_section(p, s + 1);
    return p->err_line ? NULL : buf;
}

/* Check that value is valid UTF-8 without control characters. */
static bool text_valid(const char *value)
{
    size_t len = strlen(value);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = utf8_decode(value + i, len - i, &cp);
        if (n == 0 || cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
            return false;
        i += n;
    }
    return true;
}

/* Copy (or, for a continuation line, append with one space) value into a field of cap bytes.
** A value that does not fit is an error: a cut description would look like a typo on screen. */
static int set_text(struct parse *p, const char *name, char *dst, size_t cap, const char *value,
                    bool append)
{
    if (!text_valid(value))
        return fail(p, p->line, "%s is not valid UTF-8 text", name);
    size_t have = append ? strlen(dst) : 0;
    size_t need = have + (append && have ? 1 : 0) + strlen(value);
    if (need >= cap)
        return fail(p, p->line, "%s is too long (%zu bytes, at most %zu)", name, need, cap - 1);
    if (append && have)
        dst[have++] = ' ';
    strcpy(dst + have, value);
    return 1;
}

/* A whole number in [min, max], digits only. */
static bool parse_int(const char *s, int min, int max, int *out)
{
    if (*s == '\0')
        return false;
    long v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (*s - '0');
        if (v > max)
            return false;
    }
    if (v < min)
        return false;
    *out = (int)v;
    return true;
}

/* "HH:MM", two digits each, 00:00 to 23:59. */
static bool parse_hhmm(const char *s, int *minutes)
{
    if (strlen(s) != 5 || s[2] != ':')
        return false;
    char hh[3] = {s[0], s[1], '\0'}, mm[3] = {s[3], s[4], '\0'};
    int h, m;
    if (!parse_int(hh, 0, 23, &h) || !parse_int(mm, 0, 59, &m))
        return false;
    *minutes = h * 60 + m;
    return true;
}

static int set_room_field(struct parse *p, const char *name, const char *value, bool more)
{
    struct room *r = &p->rooms[p->n_rooms - 1];
    if (strcmp(name, "name") != 0)
        return fail(p, p->line, "unknown key \"%s\" in a room (only name)", name);
    if (more)
        return fail(p, p->line, "name must stay on one line");
    if (r->name[0])
        return fail(p, p->line, "name is given twice");
    if (value[0] == '\0')
        return fail(p, p->line, "name is empty");
    return set_text(p, name, r->name, sizeof r->name, value, false);
}

static int set_session_field(struct parse *p, const char *name, const char *value, bool more)
{
    struct entry *e = &p->entries[p->n_entries - 1];
    struct session *s = &e->s;
    int f = 0;
    while (f < F_COUNT && strcmp(fields[f].name, name) != 0)
        f++;
    if (f == F_COUNT)
        return fail(p, p->line, "unknown key \"%s\" in a session", name);
    if (more && f != F_DESCRIPTION)
        return fail(p, p->line,
                    "%s must stay on one line (only description may go on over "
                    "indented lines; keys start at the beginning of a line)",
                    name);
    if (!more && e->field_line[f])
        return fail(p, p->line, "%s is given twice (first on line %d)", name, e->field_line[f]);
    if (!more)
        e->field_line[f] = p->line;

    switch ((enum field)f) {
    case F_TITLE:
        return set_text(p, name, s->title, sizeof s->title, value, false);
    case F_DESCRIPTION:
        /* "description =" alone, with the text on the indented lines below, is fine too: an
        ** empty text is refused once the section is complete (check_entries). */
        return set_text(p, name, s->description, sizeof s->description, value, more);
    case F_ORGANISER:
        return set_text(p, name, s->organiser, sizeof s->organiser, value, false);
    case F_RESERVED_FOR:
        return set_text(p, name, s->reserved_for, sizeof s->reserved_for, value, false);
    case F_ROOM:
        if (!key_valid(value, BORNE_ID_MAX - 1))
            return fail(p, p->line, "room \"%s\" is not a room key", value);
        strcpy(s->room_id, value);
        return 1;
    case F_KIND:
        for (int k = 0; k < SESSION_KIND_COUNT; k++) {
            if (strcmp(value, kind_words[k]) == 0) {
                s->kind = (enum session_kind)k;
                return 1;
            }
        }
        return fail(p, p->line,
                    "kind \"%s\" is not one of atelier, conference, thematique, coaching", value);
    case F_DAY:
        if (!parse_int(value, 0, 6, &e->day))
            return fail(p, p->line, "day \"%s\" is not a day from 0 (today) to 6", value);
        return 1;
    case F_START:
        if (!parse_hhmm(value, &e->start_min))
            return fail(p, p->line, "start \"%s\" is not a time HH:MM from 00:00 to 23:59", value);
        return 1;
    case F_DURATION:
        if (!parse_int(value, 1, DEMO_DURATION_MAX_MIN, &e->duration_min))
            return fail(p, p->line, "duration \"%s\" is not a number of minutes from 1 to %d",
                        value, DEMO_DURATION_MAX_MIN);
        return 1;
    case F_CAPACITY:
        if (!parse_int(value, 1, DEMO_CAPACITY_MAX, &s->capacity))
            return fail(p, p->line, "capacity \"%s\" is not a number of seats from 1 to %d", value,
                        DEMO_CAPACITY_MAX);
        return 1;
    case F_TAKEN:
        if (!parse_int(value, 0, DEMO_CAPACITY_MAX, &s->seats_taken))
            return fail(p, p->line, "taken \"%s\" is not a number of seats from 0 to %d", value,
                        DEMO_CAPACITY_MAX);
        return 1;
    case F_COUNT:
        break;
    }
    return fail(p, p->line, "unknown key \"%s\"", name);
}

/* inih's handler: one call per key = value line, and one per indented continuation line (with
** the same name). Returns 0 on an error, which inih turns into the line number it returns. */
static int on_value(void *user, const char *section, const char *name, const char *value)
{
    struct parse *p = user;
    if (p->err_line)
        return 0;
    if (p->comment_cut)
        return fail(p, p->line,
                    "\" ;\" starts a comment in this format and would cut the text: "
                    "write it without the semicolon");
    if (p->section == SECTION_NONE || strcmp(section, p->section_name) != 0)
        return fail(p, p->line, "\"%s\" is outside a [room:KEY] or [session:KEY] section", name);
    /* inih reads an indented line as the rest of the previous key's value. */
    bool more = p->indented && p->prev_key[0] && strcmp(name, p->prev_key) == 0;
    int ok = p->section == SECTION_ROOM ? set_room_field(p, name, value, more)
                                        : set_session_field(p, name, value, more);
    snprintf(p->prev_key, sizeof p->prev_key, "%s", name);
    return ok;
}

/* What inih cannot see: keys missing, a room that is not in the file, more seats taken than
** there are. Checked after the whole file is read, so rooms may come after their sessions. */
static void check_entries(struct parse *p)
{
    for (size_t i = 0; i < p->n_rooms; i++) {
        if (p->rooms[i].name[0] == '\0') {
            fail(p, p->room_line[i], "room %s has no name", p->rooms[i].id);
            return;
        }
    }
    for (size_t i = 0; i < p->n_entries; i++) {
        struct entry *e = &p->entries[i];
        for (int f = 0; f < F_COUNT; f++) {
            if (fields[f].required && !e->field_line[f]) {
                fail(p, e->line, "session %s has no %s", e->key, fields[f].name);
                return;
            }
        }
        if (e->s.title[0] == '\0' || e->s.description[0] == '\0') {
            bool title = e->s.title[0] == '\0';
            fail(p, e->field_line[title ? F_TITLE : F_DESCRIPTION], "%s is empty",
                 fields[title ? F_TITLE : F_DESCRIPTION].name);
            return;
        }
        bool room_found = false;
        for (size_t r = 0; r < p->n_rooms && !room_found; r++)
            room_found = strcmp(p->rooms[r].id, e->s.room_id) == 0;
        if (!room_found) {
            fail(p, e->field_line[F_ROOM], "room %s is not defined: add a [room:%s] section",
                 e->s.room_id, e->s.room_id);
            return;
        }
        if (e->s.seats_taken > e->s.capacity) {
            fail(p, e->field_line[F_TAKEN], "taken (%d) is more than capacity (%d)",
                 e->s.seats_taken, e->s.capacity);
            return;
        }
    }
}

/* Date the template `weeks` times into out (n_entries * weeks sessions). Each start is a local
** wall-clock time built with mktime and tm_isdst = -1, so that a 10:00 session stays at 10:00
** across a daylight-saving change; adding 86,400 s per day would move it by an hour. The end is
** the start plus the duration in real seconds. */
static bool date_sessions(const struct parse *p, int64_t now, size_t weeks, struct session *out)
{
    time_t t = (time_t)now;
    struct tm today;
    if (!localtime_r(&t, &today))
        return false;
    size_t k = 0;
    for (size_t w = 0; w < weeks; w++) {
        for (size_t i = 0; i < p->n_entries; i++) {
            const struct entry *e = &p->entries[i];
            struct session *s = &out[k++];
            *s = e->s;
            /* Cannot be cut: the key's maximum leaves room for the largest week number. */
            int len = snprintf(s->id, sizeof s->id, "demo-%zu-%s", w, e->key);
            if (len < 0 || (size_t)len >= sizeof s->id)
                return false;
            struct tm tm = {0};
            tm.tm_year = today.tm_year;
            tm.tm_mon = today.tm_mon;
            tm.tm_mday = today.tm_mday + (int)(7 * w) + e->day;
            tm.tm_hour = e->start_min / 60;
            tm.tm_min = e->start_min % 60;
            tm.tm_isdst = -1;
            time_t start = mktime(&tm);
            if (start == (time_t)-1)
                return false;
            s->starts_at = (int64_t)start;
            s->ends_at = s->starts_at + (int64_t)e->duration_min * 60;
        }
    }
    return true;
}

/* The contract is in demo.h. The store is asked first whether it already holds sessions, so that
** a kiosk with a real catalogue never even reads the demo file; then the whole file is read and
** checked before anything is dated, and everything goes to the store in one call (one
** transaction): a bad line leaves the store as it was. */
enum borne_err demo_fill(struct store *st, const char *path, int64_t now, bool large,
                         size_t *n_written, char *errmsg, size_t errmsg_cap)
{
    enum borne_err err = BORNE_OK;
    struct parse *p = NULL;
    struct session *out = NULL;

    if (n_written)
        *n_written = 0;
    say(errmsg, errmsg_cap, "%s", "");
    if (!st || !path) {
        say(errmsg, errmsg_cap, "demo_fill: no store or no path");
        return BORNE_ERR_INVALID;
    }
    const char *file = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

    int count = 0;
    err = store_session_count(st, &count);
    if (err != BORNE_OK) {
        say(errmsg, errmsg_cap, "cannot count sessions: %s", store_errmsg(st));
        goto cleanup;
    }
    if (count > 0)
        goto cleanup; /* a real or earlier demo catalogue is never mixed with a new demo */

    p = calloc(1, sizeof *p);
    if (!p) {
        err = BORNE_ERR_NOMEM;
        say(errmsg, errmsg_cap, "%s: out of memory", file);
        goto cleanup;
    }
    p->f = fopen(path, "r");
    if (!p->f) {
        err = BORNE_ERR_CANT_OPEN;
        say(errmsg, errmsg_cap, "%s: cannot open: %s", file, strerror(errno));
        goto cleanup;
    }
    int r = ini_parse_stream(read_line, p, on_value, p);
    if (r == -2) {
        err = BORNE_ERR_NOMEM;
        say(errmsg, errmsg_cap, "%s: out of memory", file);
        goto cleanup;
    }
    if (ferror(p->f)) {
        err = BORNE_ERR_IO;
        say(errmsg, errmsg_cap, "%s:%d: read error", file, p->line);
        goto cleanup;
    }
    /* inih's own complaints (a line that is neither a header, a key = value, a comment nor a
    ** continuation) come with a line number and no words; the handler's come with both. */
    if (r > 0 && (!p->err_line || r < p->err_line)) {
        err = BORNE_ERR_INVALID;
        say(errmsg, errmsg_cap,
            "%s:%d: expected [section], key = value, a comment or an "
            "indented continuation",
            file, r);
        goto cleanup;
    }
    if (!p->err_line)
        check_entries(p);
    if (!p->err_line && p->n_entries == 0)
        fail(p, p->line, "no [session:KEY] in the file");
    if (p->err_line) {
        err = BORNE_ERR_INVALID;
        say(errmsg, errmsg_cap, "%s:%d: %s", file, p->err_line, p->err);
        goto cleanup;
    }

    size_t weeks = large ? (DEMO_LARGE_MIN + p->n_entries - 1) / p->n_entries : 1;
    size_t n = p->n_entries * weeks;
    out = calloc(n, sizeof *out);
    if (!out) {
        err = BORNE_ERR_NOMEM;
        say(errmsg, errmsg_cap, "%s: out of memory", file);
        goto cleanup;
    }
    if (!date_sessions(p, now, weeks, out)) {
        err = BORNE_ERR_INVALID;
        say(errmsg, errmsg_cap, "%s: cannot turn the clock (%lld) into local dates", file,
            (long long)now);
        goto cleanup;
    }
    err = store_catalogue_put(st, p->rooms, p->n_rooms, out, n);
    if (err != BORNE_OK) {
        say(errmsg, errmsg_cap, "%s: cannot write the demo catalogue: %s", file, store_errmsg(st));
        goto cleanup;
    }
    if (n_written)
        *n_written = n;

cleanup:
    if (p && p->f)
        fclose(p->f);
    free(p);
    free(out);
    return err;
}
