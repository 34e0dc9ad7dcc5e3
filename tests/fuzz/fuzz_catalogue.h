/* What every catalogue a reader gives must be, whatever the file: the invariants fuzz_csv.c and
** fuzz_ics.c check on the rows and messages of sync/server/catalogue.h. Header-only (each fuzz
** target is one program); the oracles are written here, apart from the code under test: ids and
** texts are judged byte by byte, UTF-8 by tests/support.h. */
#ifndef BORNE_TESTS_FUZZ_CATALOGUE_H
#define BORNE_TESTS_FUZZ_CATALOGUE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"
#include "server/catalogue.h"
#include "server/civil.h"
#include "support.h"

static void check(bool ok)
{
    if (!ok)
        abort();
}

/* 1 to BORNE_ID_MAX - 1 of [A-Za-z0-9._@-]. */
static bool fuzz_id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= BORNE_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.' || c == '@';
        if (!ok)
            return false;
    }
    return true;
}

/* Valid UTF-8, shorter than max bytes, no C0 or C1 control character nor DEL (LF and tab
** allowed when multiline). */
static bool fuzz_text_ok(const char *s, size_t max, bool multiline)
{
    size_t n = strlen(s);
    if (n >= max || !support_valid_utf8(s))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0x7F || (c == 0xC2 && (unsigned char)s[i + 1] < 0xA0))
            return false;
        if (c < 0x20 && !(multiline && (c == '\n' || c == '\t')))
            return false;
    }
    return true;
}

/* A time waiting for PostgreSQL: "YYYY-MM-DD HH:MM:SS" in one of the catalogue's zones. */
static void check_when(const struct catalogue *cat, const struct catalogue_when *w)
{
    if (w->known)
        return;
    check(w->zone >= 0 && w->zone < cat->zone_count);
    const char *p = w->wall;
    check(strlen(p) == CIVIL_WALL_MAX - 1);
    for (int i = 0; i < CIVIL_WALL_MAX - 1; i++) {
        char want = i == 4 || i == 7 ? '-' : i == 10 ? ' ' : i == 13 || i == 16 ? ':' : '0';
        if (want == '0')
            check(p[i] >= '0' && p[i] <= '9');
        else
            check(p[i] == want);
    }
}

/* What PostgreSQL would do to the wall times (here: read as UTC, shifted by an hour per zone). */
static void fuzz_convert_times(struct catalogue *cat)
{
    for (size_t i = 0; i < cat->row_count + cat->exdate_count; i++) {
        struct catalogue_when *w[2] = {NULL, NULL};
        if (i < cat->row_count) {
            w[0] = &cat->rows[i].start;
            w[1] = &cat->rows[i].end;
        } else {
            w[0] = &cat->exdates[i - cat->row_count].at;
        }
        for (int j = 0; j < 2 && w[j]; j++) {
            if (w[j]->known || !w[j]->wall[0])
                continue;
            struct civil_stamp st;
            const char *p = w[j]->wall;
            st.y = atoi(p);
            st.mo = atoi(p + 5);
            st.d = atoi(p + 8);
            st.h = atoi(p + 11);
            st.mi = atoi(p + 14);
            st.s = atoi(p + 17);
            st.offset_s = 3600 * w[j]->zone;
            w[j]->epoch = civil_days_from(st.y, st.mo < 1 || st.mo > 12 ? 1 : st.mo, st.d) * 86400 +
                          st.h * 3600 + st.mi * 60 + st.s - st.offset_s;
            w[j]->known = true;
        }
    }
}

/* Every row a reader kept is a session the kiosk can hold. */
static void check_row(const struct catalogue *cat, const struct catalogue_row *r, bool ics)
{
    check(r->id && fuzz_id_ok(r->id));
    check(r->title && r->title[0] && fuzz_text_ok(r->title, BORNE_TITLE_MAX, false));
    check(r->description && fuzz_text_ok(r->description, BORNE_DESC_MAX, true));
    check(r->room_id && fuzz_id_ok(r->room_id));
    check(!r->room_name || (r->room_name[0] && fuzz_text_ok(r->room_name, BORNE_ROOM_MAX, false)));
    check(r->organiser && fuzz_text_ok(r->organiser, BORNE_ORGANISER_MAX, false));
    check(r->reserved_for && fuzz_text_ok(r->reserved_for, BORNE_GROUP_MAX, false));
    check(r->source);
    if (ics)
        check(!strncmp(r->source, "ics:", 4) && r->event < cat->events && r->room_name);
    else
        check(!strcmp(r->source, "csv"));
    check(r->kind >= SESSION_WORKSHOP && r->kind <= SESSION_COACHING);
    check(r->capacity >= 0 && r->capacity <= CATALOGUE_CAPACITY_MAX);
    check_when(cat, &r->start);
    check_when(cat, &r->end);
    check(r->line >= 0);
}

/* Messages go to a terminal as they are: text without control characters, a line >= 0. */
static void check_problems(const struct catalogue *cat)
{
    check(cat->problem_count <= CATALOGUE_PROBLEMS_KEPT);
    for (size_t i = 0; i < cat->problem_count; i++) {
        check(cat->problems[i].line >= 0);
        check(cat->problems[i].text[0]);
        check(fuzz_text_ok(cat->problems[i].text, CATALOGUE_PROBLEM_MAX, false));
    }
}

/* What the administrator reads: lines of plain text, the last one saying nothing was imported.
** (Sorts the problems: call it last.) */
static void check_printed(struct catalogue *cat)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    check(f != NULL);
    catalogue_problems_print(cat, f);
    check(fclose(f) == 0);
    check(out && strlen(out) == len && support_valid_utf8(out));
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)out[i];
        check(c != 0x7F && (c >= 0x20 || c == '\n'));
    }
    static const char last[] = "nothing imported: correct the file and import it again\n";
    check(len >= sizeof last - 1 && !strcmp(out + len - (sizeof last - 1), last));
    free(out);
}

static int row_id_cmp(const void *a, const void *b)
{
    return strcmp((*(const struct catalogue_row *const *)a)->id,
                  (*(const struct catalogue_row *const *)b)->id);
}

/* A catalogue with no problem is one the import transaction may apply: every session once,
** ending after it starts. */
static void check_importable(const struct catalogue *cat)
{
    if (catalogue_has_problems(cat) || cat->nomem)
        return;
    const struct catalogue_row **v = malloc((cat->row_count + 1) * sizeof *v);
    check(v != NULL);
    size_t n = 0;
    for (size_t i = 0; i < cat->row_count; i++) {
        if (cat->rows[i].dropped)
            continue;
        v[n++] = &cat->rows[i];
        check(cat->rows[i].end.epoch >= cat->rows[i].start.epoch);
    }
    qsort(v, n, sizeof *v, row_id_cmp);
    for (size_t i = 1; i < n; i++)
        check(strcmp(v[i - 1]->id, v[i]->id) != 0);
    free(v);
}

#endif
