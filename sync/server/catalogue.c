/* The catalogue an import reads: see catalogue.h. The CSV reading of catalogues is at the end
** of this file; the iCalendar one is ics.c. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"
#include "core/text.h"
#include "server/catalogue.h"
#include "server/csv.h"
#include "server/field.h"

void catalogue_init(struct catalogue *cat, int64_t now, FILE *notes)
{
    memset(cat, 0, sizeof *cat);
    cat->now = now;
    cat->notes = notes;
}

void catalogue_deinit(struct catalogue *cat)
{
    for (size_t i = 0; i < cat->row_count; i++)
        catalogue_row_free(&cat->rows[i]);
    free(cat->rows);
    free(cat->exdates);
    for (size_t i = 0; i < cat->problem_count; i++)
        free(cat->problems[i].text);
    free(cat->problems);
    memset(cat, 0, sizeof *cat);
}

int catalogue_zone_find(const struct catalogue *cat, const char *name)
{
    for (int i = 0; i < cat->zone_count; i++)
        if (!strcmp(cat->zones[i], name))
            return i;
    return -1;
}

int catalogue_zone_add(struct catalogue *cat, const char *name)
{
    int i = catalogue_zone_find(cat, name);
    if (i >= 0)
        return i;
    size_t n = strlen(name);
    if (n == 0 || n >= CATALOGUE_ZONE_NAME_MAX || cat->zone_count >= CATALOGUE_ZONES_MAX)
        return -1;
    memcpy(cat->zones[cat->zone_count], name, n + 1);
    return cat->zone_count++;
}

/* ---- problems ---------------------------------------------------------------------------- */

void catalogue_problem(struct catalogue *cat, long line, const char *fmt, ...)
{
    if (cat->problem_count >= CATALOGUE_PROBLEMS_KEPT) {
        cat->problems_more++;
        return;
    }
    if (cat->problem_count == cat->problem_cap) {
        size_t cap = cat->problem_cap ? cat->problem_cap * 2 : 32;
        struct catalogue_problem *v = realloc(cat->problems, cap * sizeof *v);
        if (!v) {
            cat->nomem = true;
            cat->problems_more++;
            return;
        }
        cat->problems = v;
        cat->problem_cap = cap;
    }
    char text[CATALOGUE_PROBLEM_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    char *copy = strdup(text);
    if (!copy) {
        cat->nomem = true;
        cat->problems_more++;
        return;
    }
    cat->problems[cat->problem_count] =
        (struct catalogue_problem){.line = line, .seq = cat->problem_count, .text = copy};
    cat->problem_count++;
}

static int problem_cmp(const void *a, const void *b)
{
    const struct catalogue_problem *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

bool catalogue_has_problems(const struct catalogue *cat)
{
    return cat->problem_count > 0 || cat->problems_more > 0;
}

void catalogue_problems_print(struct catalogue *cat, FILE *err)
{
    if (cat->problem_count > 1)
        qsort(cat->problems, cat->problem_count, sizeof *cat->problems, problem_cmp);
    for (size_t i = 0; i < cat->problem_count; i++) {
        if (cat->problems[i].line > 0)
            fprintf(err, "line %ld: %s\n", cat->problems[i].line, cat->problems[i].text);
        else
            fprintf(err, "%s\n", cat->problems[i].text);
    }
    if (cat->problems_more)
        fprintf(err, "... and %zu more problems\n", cat->problems_more);
    fprintf(err, "nothing imported: correct the file and import it again\n");
}

bool catalogue_check_text(struct catalogue *cat, long line, const char *field, const char *s,
                          size_t max, bool multiline)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        uint32_t cp = 0;
        size_t k = utf8_decode(s + i, n - i, &cp);
        if (k == 0) {
            catalogue_problem(
                cat, line,
                "%s: not valid UTF-8 (save the file as \"CSV UTF-8\", or in UTF-8 from your "
                "calendar)",
                field);
            return false;
        }
        bool control = cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0);
        if (control && !(multiline && (cp == '\n' || cp == '\t'))) {
            char shown[FIELD_SHOW_CAP];
            catalogue_problem(cat, line, "%s: %s in %s", field,
                              cp == '\n' ? "a line break is not allowed" : "a control character",
                              field_show(s, shown, sizeof shown));
            return false;
        }
        i += k;
    }
    if (n >= max) {
        char shown[FIELD_SHOW_CAP];
        catalogue_problem(cat, line,
                          "%s: too long, %zu bytes where at most %zu fit (an accented letter "
                          "takes 2): %s",
                          field, n, max - 1, field_show(s, shown, sizeof shown));
        return false;
    }
    return true;
}

/* ---- rows -------------------------------------------------------------------------------- */

void catalogue_row_free(struct catalogue_row *r)
{
    free(r->id);
    free(r->title);
    free(r->description);
    free(r->room_id);
    free(r->room_name);
    free(r->organiser);
    free(r->reserved_for);
    free(r->source);
    r->id = r->title = r->description = r->room_id = r->room_name = NULL;
    r->organiser = r->reserved_for = r->source = NULL;
}

static char *dup_str(const char *s)
{
    return s ? strdup(s) : NULL;
}

bool catalogue_row_copy(struct catalogue_row *dst, const struct catalogue_row *src)
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

struct catalogue_row *catalogue_row_push(struct catalogue *cat, struct catalogue_row *r)
{
    if (cat->row_count >= CATALOGUE_ROWS_MAX) {
        if (!cat->too_many)
            catalogue_problem(cat, r->line, "more than %d sessions in one file: split it",
                              CATALOGUE_ROWS_MAX);
        cat->too_many = true;
        catalogue_row_free(r);
        return NULL;
    }
    if (cat->row_count == cat->row_cap) {
        size_t cap = cat->row_cap ? cat->row_cap * 2 : 64;
        struct catalogue_row *v = realloc(cat->rows, cap * sizeof *v);
        if (!v) {
            cat->nomem = true;
            catalogue_row_free(r);
            return NULL;
        }
        cat->rows = v;
        cat->row_cap = cap;
    }
    cat->rows[cat->row_count] = *r;
    return &cat->rows[cat->row_count++];
}

bool catalogue_exdate_push(struct catalogue *cat, const struct catalogue_exdate *x)
{
    if (cat->exdate_count == cat->exdate_cap) {
        size_t cap = cat->exdate_cap ? cat->exdate_cap * 2 : 16;
        struct catalogue_exdate *v = realloc(cat->exdates, cap * sizeof *v);
        if (!v) {
            cat->nomem = true;
            return false;
        }
        cat->exdates = v;
        cat->exdate_cap = cap;
    }
    cat->exdates[cat->exdate_count++] = *x;
    return true;
}

/* ---- checks across rows ------------------------------------------------------------------ */

static int row_ptr_cmp_id(const void *a, const void *b)
{
    const struct catalogue_row *x = *(const struct catalogue_row *const *)a;
    const struct catalogue_row *y = *(const struct catalogue_row *const *)b;
    int c = strcmp(x->id, y->id);
    if (c)
        return c;
    return x->line < y->line ? -1 : x->line > y->line;
}

static int row_ptr_cmp_room(const void *a, const void *b)
{
    const struct catalogue_row *x = *(const struct catalogue_row *const *)a;
    const struct catalogue_row *y = *(const struct catalogue_row *const *)b;
    int c = strcmp(x->room_id, y->room_id);
    if (c)
        return c;
    return x->line < y->line ? -1 : x->line > y->line;
}

static void check_rows(struct catalogue *cat, bool ics)
{
    size_t n = 0;
    struct catalogue_row **v = malloc((cat->row_count + 1) * sizeof *v);
    if (!v) {
        cat->nomem = true;
        return;
    }
    for (size_t i = 0; i < cat->row_count; i++)
        if (!cat->rows[i].dropped)
            v[n++] = &cat->rows[i];

    qsort(v, n, sizeof *v, row_ptr_cmp_id);
    for (size_t i = 1; i < n; i++) {
        struct catalogue_row *a = v[i - 1], *b = v[i];
        if (strcmp(a->id, b->id) != 0)
            continue;
        if (ics && a->override != b->override) {
            (a->override ? b : a)->dropped = true;
            continue;
        }
        char shown[FIELD_SHOW_CAP];
        if (!ics)
            catalogue_problem(cat, b->line, "id: %s is already the id of line %ld",
                              field_show(b->id, shown, sizeof shown), a->line);
        else if (a->event == b->event)
            catalogue_problem(cat, b->line,
                              "event %s: two occurrences on the same day: only one session a "
                              "day per recurring event",
                              field_show(b->source + 4, shown, sizeof shown));
        else
            catalogue_problem(cat, b->line, "event %s: the same UID as the event on line %ld",
                              field_show(b->source + 4, shown, sizeof shown), a->line);
    }

    if (!ics) {
        qsort(v, n, sizeof *v, row_ptr_cmp_room);
        const struct catalogue_row *named = NULL;
        for (size_t i = 0; i < n; i++) {
            if (named && strcmp(named->room_id, v[i]->room_id) != 0)
                named = NULL;
            if (!v[i]->room_name)
                continue;
            if (!named) {
                named = v[i];
            } else if (strcmp(named->room_name, v[i]->room_name) != 0) {
                char a[FIELD_SHOW_CAP], b[FIELD_SHOW_CAP];
                catalogue_problem(cat, v[i]->line,
                                  "room_name: room %s is named %s on line %ld, here %s",
                                  v[i]->room_id, field_show(named->room_name, a, sizeof a),
                                  named->line, field_show(v[i]->room_name, b, sizeof b));
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
                cat->nomem = true;
                break;
            }
            free(v[i]->room_name);
            v[i]->room_name = name;
        }
    }

    for (size_t i = 0; i < cat->row_count; i++) {
        struct catalogue_row *r = &cat->rows[i];
        if (r->dropped || !r->start.known || !r->end.known)
            continue;
        if (r->end.epoch < r->start.epoch) {
            char shown[FIELD_SHOW_CAP];
            if (ics)
                catalogue_problem(cat, r->line,
                                  "event %s: it ends (DTEND) before it starts (DTSTART)",
                                  field_show(r->source + 4, shown, sizeof shown));
            else
                catalogue_problem(cat, r->line,
                                  "ends_at: the session ends before it starts (starts_at)");
        }
    }
    free(v);
}

size_t catalogue_check_rows(struct catalogue *cat, bool ics)
{
    check_rows(cat, ics);
    size_t kept = 0;
    for (size_t i = 0; i < cat->row_count; i++) {
        if (cat->rows[i].dropped)
            continue;
        kept++;
        if (cat->rows[i].occurrence && !cat->rows[i].override)
            cat->occurrences++;
        if (cat->rows[i].default_capacity)
            cat->default_capacity++;
    }
    return kept;
}

/* ---- CSV catalogues ---------------------------------------------------------------------- */

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
static bool csv_header(struct catalogue *cat, struct csv_reader *c, int map[CSV_FIELDS_MAX])
{
    bool ok = true;
    int seen[COL_COUNT];
    for (int k = 0; k < COL_COUNT; k++)
        seen[k] = -1;
    for (int i = 0; i < c->nfields; i++) {
        char name[64];
        field_fold(field_trim(csv_reader_field(c, i)), name, sizeof name);
        map[i] = -1;
        for (int k = 0; k < COL_COUNT; k++)
            if (!strcmp(name, columns[k].name))
                map[i] = k;
        char shown[FIELD_SHOW_CAP];
        if (map[i] < 0) {
            catalogue_problem(
                cat, c->record_line,
                "header: unknown column %s (the columns are id, title, starts_at, ends_at, "
                "capacity, room, room_name, description, kind, organiser, reserved_for, "
                "cancelled)",
                field_show(csv_reader_field(c, i), shown, sizeof shown));
            ok = false;
        } else if (seen[map[i]] >= 0) {
            catalogue_problem(cat, c->record_line, "header: column %s appears twice",
                              columns[map[i]].name);
            ok = false;
        } else {
            seen[map[i]] = i;
        }
    }
    for (int k = 0; k < COL_COUNT; k++)
        if (columns[k].required && seen[k] < 0) {
            catalogue_problem(cat, c->record_line, "header: missing column \"%s\"",
                              columns[k].name);
            ok = false;
        }
    return ok;
}

/* A time cell into a struct catalogue_when: known at once with an offset, else a wall time of
** the site (zone 0). */
static bool csv_time(struct catalogue *cat, long line, const char *field, const char *v,
                     struct catalogue_when *w)
{
    struct civil_stamp st;
    char shown[FIELD_SHOW_CAP];
    switch (civil_parse_stamp(v, &st)) {
    case CIVIL_FORMAT:
        catalogue_problem(cat, line,
                          "%s: expected a date and time as YYYY-MM-DD HH:MM (2027-03-12 14:00), "
                          "or ISO 8601 with an offset (2027-03-12T14:00:00+01:00), got %s",
                          field, field_show(v, shown, sizeof shown));
        return false;
    case CIVIL_RANGE:
        catalogue_problem(cat, line, "%s: no such date or time: %s", field,
                          field_show(v, shown, sizeof shown));
        return false;
    case CIVIL_OK:
        break;
    }
    if (st.has_offset) {
        w->known = true;
        w->epoch = civil_stamp_epoch(&st);
    } else {
        w->zone = 0;
        civil_format_wall(w->wall, st.y, st.mo, st.d, st.h, st.mi, st.s);
    }
    return true;
}

/* Checks one record into a row; problems are recorded, the row is kept only if sound. */
static void csv_row(struct catalogue *cat, long line, char *v[COL_COUNT])
{
    static char empty[] = "";
    for (int k = 0; k < COL_COUNT; k++)
        v[k] = v[k] ? field_trim(v[k]) : empty;
    struct catalogue_row r = {.line = line};
    bool ok = true;
    char shown[FIELD_SHOW_CAP];

    if (!field_id_ok(v[COL_ID])) {
        catalogue_problem(cat, line,
                          "id: expected 1 to %d letters, digits, \"-\", \"_\", \".\" or \"@\", "
                          "got %s",
                          BORNE_ID_MAX - 1, field_show(v[COL_ID], shown, sizeof shown));
        ok = false;
    }
    if (!*v[COL_TITLE]) {
        catalogue_problem(cat, line, "title: empty");
        ok = false;
    } else {
        ok &= catalogue_check_text(cat, line, "title", v[COL_TITLE], BORNE_TITLE_MAX, false);
    }
    ok &= catalogue_check_text(cat, line, "description", v[COL_DESCRIPTION], BORNE_DESC_MAX, true);
    ok &=
        catalogue_check_text(cat, line, "organiser", v[COL_ORGANISER], BORNE_ORGANISER_MAX, false);
    ok &= catalogue_check_text(cat, line, "reserved_for", v[COL_RESERVED], BORNE_GROUP_MAX, false);
    bool name_ok =
        catalogue_check_text(cat, line, "room_name", v[COL_ROOM_NAME], BORNE_ROOM_MAX, false);
    ok &= name_ok;

    char room_id[BORNE_ID_MAX] = "";
    if (*v[COL_ROOM]) {
        if (!field_id_ok(v[COL_ROOM])) {
            catalogue_problem(cat, line,
                              "room: expected a room id of 1 to %d letters, digits, \"-\", \"_\", "
                              "\".\" or \"@\", got %s",
                              BORNE_ID_MAX - 1, field_show(v[COL_ROOM], shown, sizeof shown));
            ok = false;
        } else {
            snprintf(room_id, sizeof room_id, "%s", v[COL_ROOM]);
        }
    } else if (*v[COL_ROOM_NAME] && name_ok) {
        field_slug(v[COL_ROOM_NAME], room_id);
    } else {
        catalogue_problem(cat, line, "room: empty (give a room id, or at least a room_name)");
        ok = false;
    }

    ok &= csv_time(cat, line, "starts_at", v[COL_STARTS], &r.start);
    ok &= csv_time(cat, line, "ends_at", v[COL_ENDS], &r.end);

    const char *cap = v[COL_CAPACITY];
    size_t cap_len = strlen(cap);
    bool whole = cap_len > 0 && cap_len <= 9;
    for (size_t i = 0; i < cap_len; i++)
        whole &= cap[i] >= '0' && cap[i] <= '9';
    if (!whole) {
        catalogue_problem(cat, line, "capacity: expected a whole number, got %s",
                          field_show(cap, shown, sizeof shown));
        ok = false;
    } else {
        r.capacity = atoi(cap);
        if (r.capacity > CATALOGUE_CAPACITY_MAX) {
            catalogue_problem(cat, line, "capacity: expected 0 to %d seats, got %s",
                              CATALOGUE_CAPACITY_MAX, cap);
            ok = false;
        }
    }

    r.kind = SESSION_WORKSHOP;
    if (*v[COL_KIND]) {
        r.kind = field_kind_parse(v[COL_KIND]);
        if (r.kind < 0) {
            catalogue_problem(cat, line,
                              "kind: expected atelier, conference, thematique or coaching (or 0 "
                              "to 3), got %s",
                              field_show(v[COL_KIND], shown, sizeof shown));
            ok = false;
        }
    }

    char cancelled[16];
    field_fold(v[COL_CANCELLED], cancelled, sizeof cancelled);
    if (!*cancelled || !strcmp(cancelled, "0") || !strcmp(cancelled, "non") ||
        !strcmp(cancelled, "no") || !strcmp(cancelled, "false") || !strcmp(cancelled, "faux")) {
        r.cancelled = false;
    } else if (!strcmp(cancelled, "1") || !strcmp(cancelled, "oui") || !strcmp(cancelled, "yes") ||
               !strcmp(cancelled, "true") || !strcmp(cancelled, "vrai")) {
        r.cancelled = true;
    } else {
        catalogue_problem(cat, line, "cancelled: expected 0 or 1, oui or non, yes or no, got %s",
                          field_show(v[COL_CANCELLED], shown, sizeof shown));
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
        cat->nomem = true;
        catalogue_row_free(&r);
        return;
    }
    catalogue_row_push(cat, &r);
}

void catalogue_read_csv(struct catalogue *cat, const char *data, size_t len)
{
    struct csv_reader *c = calloc(1, sizeof *c);
    if (!c) {
        cat->nomem = true;
        return;
    }
    int map[CSV_FIELDS_MAX];
    enum csv_status st;
    if (csv_reader_init(c, data, len) != BORNE_OK) {
        catalogue_problem(cat, 0, "%s", c->why);
        goto done;
    }
    st = csv_reader_next(c);
    if (st == CSV_END) {
        catalogue_problem(cat, 0,
                          "the file is empty: expected a header row (id,title,starts_at,...)");
        goto done;
    }
    if (st != CSV_RECORD) {
        catalogue_problem(cat, c->record_line, "%s", c->why);
        goto done;
    }
    int header_fields = c->nfields;
    if (!csv_header(cat, c, map))
        goto done;
    long rows = 0;
    while ((st = csv_reader_next(c)) != CSV_END) {
        if (st == CSV_FATAL) {
            catalogue_problem(cat, c->record_line, "%s", c->why);
            break;
        }
        if (st == CSV_BAD) {
            catalogue_problem(cat, c->record_line, "%s", c->why);
            continue;
        }
        if (++rows > CATALOGUE_ROWS_MAX) {
            catalogue_problem(cat, c->record_line, "more than %d rows in one file: split it",
                              CATALOGUE_ROWS_MAX);
            break;
        }
        if (c->nfields != header_fields) {
            catalogue_problem(cat, c->record_line, "expected %d fields as in the header, got %d",
                              header_fields, c->nfields);
            continue;
        }
        char *v[COL_COUNT] = {0};
        bool blank = true; /* ",,,,," : a spreadsheet's empty row, skipped like an empty line */
        for (int i = 0; i < c->nfields; i++) {
            v[map[i]] = field_trim(csv_reader_field(c, i));
            blank &= !*v[map[i]];
        }
        if (!blank)
            csv_row(cat, c->record_line, v);
    }
done:
    free(c);
}
