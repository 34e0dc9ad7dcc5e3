/* Unit tests of firmware/demo: the real assets/demo/catalogue.ini loaded into a store on a temp
** file, dating across daylight-saving changes, and malformed files that must name their line and
** write nothing.
**
** Needs BORNE_ASSETS (the repo's assets/ folder), set by ctest. TZ is forced to Europe/Paris
** here because the daylight-saving cases are about that zone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/text.h"
#include "demo/demo.h"
#include "store/store.h"

#include "support.h"
#include "support_store.h"

#define LIST_CAP 1024

struct fixture {
    char dir[64];
    char db[PATH_MAX];
    char catalogue[PATH_MAX];
    struct store *st;
    struct session *list; /* LIST_CAP sessions: too big for the stack */
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    fx->list = calloc(LIST_CAP, sizeof *fx->list);
    const char *assets = getenv("BORNE_ASSETS");
    if (!fx->list || !assets) {
        fprintf(stderr, "BORNE_ASSETS is not set: run through ctest\n");
        return -1;
    }
    snprintf(fx->catalogue, sizeof fx->catalogue, "%s/demo/catalogue.ini", assets);
    if (!support_store_make(fx->dir, sizeof fx->dir, fx->db, sizeof fx->db, &fx->st))
        return -1;
    *state = fx;
    return 0;
}

/* The temp folder holds the database, its WAL files and the INI files a test wrote: one level,
** no sub-folders. */
static int teardown(void **state)
{
    struct fixture *fx = *state;
    if (!fx)
        return 0;
    support_store_remove(fx->dir, fx->st);
    free(fx->list);
    free(fx);
    return 0;
}

static int session_count(struct store *st)
{
    int n = -1;
    assert_int_equal(store_session_count(st, &n), BORNE_OK);
    return n;
}

/* Unix time of a local (Europe/Paris) wall-clock time. */
static int64_t local_time(int year, int month, int day, int hour, int min)
{
    struct tm tm = {0};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm);
}

static int64_t utc_time(int year, int month, int day, int hour, int min)
{
    struct tm tm = {0};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    return (int64_t)timegm(&tm);
}

static struct tm local_tm(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    assert_non_null(localtime_r(&tt, &tm));
    return tm;
}

/* Local midnight of the day `days` after the day of t. */
static int64_t midnight(int64_t t, int days)
{
    struct tm tm = local_tm(t);
    tm.tm_mday += days;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm);
}

static size_t list_all(struct fixture *fx)
{
    size_t n = 0;
    assert_int_equal(store_sessions_between(fx->st, 0, INT64_MAX, fx->list, LIST_CAP, &n),
                     BORNE_OK);
    return n;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* The real catalogue, dated from the real clock: what `borne --demo` shows today. */
static void test_catalogue_week(void **state)
{
    struct fixture *fx = *state;
    int64_t now = (int64_t)time(NULL);
    size_t written = 0;
    char msg[256];
    assert_int_equal(demo_fill(fx->st, fx->catalogue, now, false, &written, msg, sizeof msg),
                     BORNE_OK);
    assert_string_equal(msg, "");
    assert_true(written > 30);
    assert_int_equal(session_count(fx->st), (int)written);

    size_t n = list_all(fx);
    assert_int_equal(n, written);
    int64_t today = midnight(now, 0), tomorrow = midnight(now, 1), day2 = midnight(now, 2);
    int64_t week_end = midnight(now, 7);
    size_t n_today = 0, n_partner = 0;
    bool morning = false, afternoon = false, evening = false, full_soon = false;
    bool reserved = false, coaching = false, thematic = false;
    for (size_t i = 0; i < n; i++) {
        const struct session *s = &fx->list[i];
        struct tm start = local_tm(s->starts_at);
        assert_true(strncmp(s->id, "demo-0-", 7) == 0);
        assert_true(s->starts_at >= today && s->starts_at < week_end);
        assert_true(s->ends_at > s->starts_at);
        assert_true(start.tm_hour >= 9 && start.tm_hour <= 19);
        assert_true(s->title[0] && s->description[0] && s->room_name[0]);
        assert_true(utf8_length(s->title) <= 60); /* fits a tile */
        assert_null(strchr(s->title, '\''));      /* typographic apostrophes only */
        assert_null(strchr(s->description, '\''));
        assert_true(s->seats_taken >= 0 && s->seats_taken <= s->capacity);
        assert_false(s->cancelled);
        if (s->starts_at < tomorrow) {
            n_today++;
            morning |= start.tm_hour < 12;
            afternoon |= start.tm_hour >= 13 && start.tm_hour < 18;
            evening |= start.tm_hour >= 18;
        }
        if (s->starts_at < day2 && s->capacity > 1 && s->seats_taken == s->capacity)
            full_soon = true;
        reserved |= s->reserved_for[0] != '\0';
        coaching |= s->kind == SESSION_COACHING && s->capacity == 1;
        thematic |= s->kind == SESSION_THEMATIC;
        n_partner += s->organiser[0] != '\0';
        if (s->kind == SESSION_COACHING)
            assert_int_equal(s->capacity, 1);
    }
    assert_true(n_today >= 5);
    assert_true(morning && afternoon && evening);
    assert_true(full_soon);
    assert_true(reserved && coaching && thematic);
    /* About half the sessions are run by partners (DESIGN.md). */
    assert_true(n_partner * 100 >= n * 35 && n_partner * 100 <= n * 65);

    /* A room holds one session at a time. */
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            const struct session *a = &fx->list[i], *b = &fx->list[j];
            if (strcmp(a->room_id, b->room_id) != 0)
                continue;
            if (a->starts_at < b->ends_at && b->starts_at < a->ends_at)
                fail_msg("%s and %s overlap in %s", a->id, b->id, a->room_id);
        }
    }

    /* Seats already taken come from the file, not from registrations. */
    struct session s;
    assert_int_equal(store_session_get(fx->st, "demo-0-smartphone-1", &s), BORNE_OK);
    assert_string_equal(s.title, "Smartphone\xC2\xA0: premiers pas");
    assert_string_equal(s.room_name, "Espace atelier");
    assert_int_equal(s.seats_taken, 12);
    assert_int_equal(s.capacity, 12);
}

/* With large set the week repeats, each copy seven days later, until 200 sessions. */
static void test_catalogue_large(void **state)
{
    struct fixture *fx = *state;
    int64_t now = local_time(2026, 5, 6, 8, 0);
    size_t written = 0;
    char msg[256];
    assert_int_equal(demo_fill(fx->st, fx->catalogue, now, true, &written, msg, sizeof msg),
                     BORNE_OK);
    assert_true(written >= 200);
    assert_int_equal(session_count(fx->st), (int)written); /* every id distinct */

    struct session w0, w3;
    assert_int_equal(store_session_get(fx->st, "demo-0-cv-1", &w0), BORNE_OK);
    assert_int_equal(store_session_get(fx->st, "demo-3-cv-1", &w3), BORNE_OK);
    assert_string_equal(w0.title, w3.title);
    struct tm a = local_tm(w0.starts_at), b = local_tm(w3.starts_at);
    assert_int_equal(a.tm_hour, b.tm_hour);
    assert_int_equal(a.tm_min, b.tm_min);
    assert_int_equal(midnight(w3.starts_at, 0), midnight(w0.starts_at, 21));
}

/* A store that already holds sessions is left alone, whatever is asked. */
static void test_second_fill_writes_nothing(void **state)
{
    struct fixture *fx = *state;
    int64_t now = local_time(2026, 5, 6, 8, 0);
    size_t written = 0;
    assert_int_equal(demo_fill(fx->st, fx->catalogue, now, false, &written, NULL, 0), BORNE_OK);
    int before = session_count(fx->st);
    assert_true(before > 30);

    written = 99;
    char msg[256];
    assert_int_equal(
        demo_fill(fx->st, fx->catalogue, now + 86400, false, &written, msg, sizeof msg), BORNE_OK);
    assert_int_equal(written, 0);
    assert_int_equal(demo_fill(fx->st, fx->catalogue, now, true, &written, msg, sizeof msg),
                     BORNE_OK);
    assert_int_equal(written, 0);
    assert_int_equal(session_count(fx->st), before);

    /* The first session of the week kept the date of the first fill. */
    struct session s;
    assert_int_equal(store_session_get(fx->st, "demo-0-smartphone-1", &s), BORNE_OK);
    assert_int_equal(s.starts_at, local_time(2026, 5, 6, 9, 30));
}

static const char dst_ini[] = "[room:salle]\n"
                              "name = Salle\n"
                              "[session:veille]\n"
                              "title = La veille\n"
                              "description =\n"
                              "    Première ligne,\n"
                              "    seconde ligne.\n"
                              "kind = atelier\n"
                              "room = salle\n"
                              "day = 0\n"
                              "start = 10:00\n"
                              "duration = 60\n"
                              "capacity = 12\n"
                              "[session:jour]\n"
                              "title = Le jour du changement d’heure\n"
                              "description = Dix heures, heure locale.\n"
                              "kind = conference\n"
                              "room = salle\n"
                              "day = 1\n"
                              "start = 10:00\n"
                              "duration = 90\n"
                              "capacity = 40\n"
                              "taken = 40\n"
                              "[session:lendemain]\n"
                              "title = Le lendemain\n"
                              "description = Toujours dix heures.\n"
                              "kind = coaching\n"
                              "room = salle\n"
                              "day = 2\n"
                              "start = 10:00\n"
                              "duration = 30\n"
                              "capacity = 1\n"
                              "reserved_for = Un groupe\n";

/* 2026-10-25 at 03:00 Paris goes back to 02:00 (CEST, UTC+2 -> CET, UTC+1): a 10:00 session
** on day 1 is at 09:00 UTC, one on day 0 at 08:00 UTC. */
static void test_dst_autumn(void **state)
{
    struct fixture *fx = *state;
    char path[PATH_MAX], msg[256];
    snprintf(path, sizeof path, "%s/dst.ini", fx->dir);
    write_file(path, dst_ini);
    int64_t now = local_time(2026, 10, 24, 12, 0);
    assert_int_equal(now, utc_time(2026, 10, 24, 10, 0));
    size_t written = 0;
    assert_int_equal(demo_fill(fx->st, path, now, false, &written, msg, sizeof msg), BORNE_OK);
    assert_int_equal(written, 3);

    struct session s;
    assert_int_equal(store_session_get(fx->st, "demo-0-veille", &s), BORNE_OK);
    assert_int_equal(s.starts_at, utc_time(2026, 10, 24, 8, 0));
    assert_int_equal(s.ends_at, utc_time(2026, 10, 24, 9, 0));
    assert_string_equal(s.description, "Première ligne, seconde ligne.");
    assert_int_equal(s.kind, SESSION_WORKSHOP);
    assert_int_equal(s.seats_taken, 0);

    assert_int_equal(store_session_get(fx->st, "demo-0-jour", &s), BORNE_OK);
    assert_int_equal(s.starts_at, utc_time(2026, 10, 25, 9, 0));
    assert_int_equal(s.ends_at, utc_time(2026, 10, 25, 10, 30));
    struct tm tm = local_tm(s.starts_at);
    assert_int_equal(tm.tm_mday, 25);
    assert_int_equal(tm.tm_hour, 10);
    assert_int_equal(tm.tm_min, 0);
    assert_int_equal(s.kind, SESSION_CONFERENCE);
    assert_int_equal(s.seats_taken, 40);
    assert_string_equal(s.organiser, "");

    assert_int_equal(store_session_get(fx->st, "demo-0-lendemain", &s), BORNE_OK);
    assert_int_equal(s.starts_at, utc_time(2026, 10, 26, 9, 0));
    assert_int_equal(s.kind, SESSION_COACHING);
    assert_string_equal(s.reserved_for, "Un groupe");
}

/* 2026-03-29 at 02:00 Paris jumps to 03:00: a 10:00 session on day 1 is at 08:00 UTC. */
static void test_dst_spring(void **state)
{
    struct fixture *fx = *state;
    char path[PATH_MAX], msg[256];
    snprintf(path, sizeof path, "%s/dst.ini", fx->dir);
    write_file(path, dst_ini);
    size_t written = 0;
    assert_int_equal(
        demo_fill(fx->st, path, local_time(2026, 3, 28, 23, 30), false, &written, msg, sizeof msg),
        BORNE_OK);
    struct session s;
    assert_int_equal(store_session_get(fx->st, "demo-0-veille", &s), BORNE_OK);
    assert_int_equal(s.starts_at, utc_time(2026, 3, 28, 9, 0));
    assert_int_equal(store_session_get(fx->st, "demo-0-jour", &s), BORNE_OK);
    assert_int_equal(s.starts_at, utc_time(2026, 3, 29, 8, 0));
}

/* The real catalogue over the autumn change: had days been counted as 86,400 s, the sessions
** after the change would start an hour early, the 09:00 ones at 08:00. */
static void test_catalogue_across_dst(void **state)
{
    struct fixture *fx = *state;
    int64_t now = local_time(2026, 10, 24, 12, 0);
    size_t written = 0;
    assert_int_equal(demo_fill(fx->st, fx->catalogue, now, false, &written, NULL, 0), BORNE_OK);
    size_t n = list_all(fx);
    assert_int_equal(n, written);
    for (size_t i = 0; i < n; i++) {
        struct tm tm = local_tm(fx->list[i].starts_at);
        assert_int_equal(tm.tm_mon, 9); /* October */
        assert_true(tm.tm_mday >= 24 && tm.tm_mday <= 30);
        assert_true(tm.tm_hour >= 9 && tm.tm_hour <= 19);
        assert_true(tm.tm_min % 15 == 0);
    }
}

/* A valid room and session (lines 1-13), then the case's session from line 15. */
static const char bad_prefix[] = "[room:atelier]\n"
                                 "name = Espace atelier\n"
                                 "\n"
                                 "[session:ok]\n"
                                 "title = Une session correcte\n"
                                 "description = Elle ne doit pas être écrite non plus.\n"
                                 "kind = atelier\n"
                                 "room = atelier\n"
                                 "day = 0\n"
                                 "start = 10:00\n"
                                 "duration = 60\n"
                                 "capacity = 12\n"
                                 "taken = 3\n"
                                 "\n";

#define BAD_HEAD                                                                                   \
    "[session:bad]\n"                                                                              \
    "description = Une description.\n"                                                             \
    "kind = atelier\n"

#define BAD_TAIL                                                                                   \
    "day = 1\n"                                                                                    \
    "duration = 60\n"                                                                              \
    "capacity = 12\n"

static const struct {
    const char *what;
    const char *session; /* from line 15 */
    int line;
    const char *words; /* in the message */
} bad_cases[] = {
    {"unknown room", BAD_HEAD "title = T\nroom = cuisine\nstart = 10:00\n" BAD_TAIL, 19,
     "room cuisine is not defined"},
    {"taken > capacity",
     BAD_HEAD "title = T\nroom = atelier\nstart = 10:00\n" BAD_TAIL "taken = 13\n", 24,
     "taken (13) is more than capacity (12)"},
    {"bad time", BAD_HEAD "title = T\nroom = atelier\nstart = 25:99\n" BAD_TAIL, 20,
     "start \"25:99\""},
    {"time without leading zero", BAD_HEAD "title = T\nroom = atelier\nstart = 9:30\n" BAD_TAIL, 20,
     "start \"9:30\""},
    {"missing title", BAD_HEAD "room = atelier\nstart = 10:00\n" BAD_TAIL, 15,
     "session bad has no title"},
    {"empty title", BAD_HEAD "title =\nroom = atelier\nstart = 10:00\n" BAD_TAIL, 18,
     "title is empty"},
    {"overlong title",
     BAD_HEAD
     "title = "
     "Un titre bien trop long pour une tuile, et meme pour le champ du modele, qui "
     "n'admet que cent cinquante-neuf octets, alors que celui-ci en compte cent soixante.\n"
     "room = atelier\nstart = 10:00\n" BAD_TAIL,
     18, "title is too long (160 bytes, at most 159)"},
    {"overlong line",
     BAD_HEAD "title = T\nroom = atelier\nstart = 10:00\n" BAD_TAIL "reserved_for = "
              "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
              "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
              "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
     24, "line longer than 197 bytes"},
    {"overlong description",
     "[session:bad]\ntitle = T\ndescription = Début.\n"
     "    0123456789012345678901234567890123456789012345678901234567890123456789012345678901234\n"
     "    0123456789012345678901234567890123456789012345678901234567890123456789012345678901234\n"
     "    0123456789012345678901234567890123456789012345678901234567890123456789012345678901234\n"
     "    0123456789012345678901234567890123456789012345678901234567890123456789012345678901234\n"
     "    0123456789012345678901234567890123456789012345678901234567890123456789012345678901234\n"
     "    0123456789012345678901234567890123456789012345678901234567890123456789012345678901234\n"
     "    0123456789012345678901234567890123456789012345678901234567890123456789012345678901234\n"
     "    0123456789012345678901234567890123456789012345678901234567890123456789012345678901234\n"
     "    0123456789012345678901234567890123456789012345678901234567890123456789012345678901234\n"
     "    0123456789012345678901234567890123456789012345678901234567890123456789012345678901234\n"
     "    0123456789012345678901234567890123456789012345678901234567890123456789012345678901234\n"
     "    0123456789012345678901234567890123456789012345678901234567890123456789012345678901234\n"
     "    0123456789012345678901234567890123456789012345678901234567890123456789012345678901234\n"
     "    0123456789012345678901234567890123456789012345678901234567890123456789012345678901234\n"
     "    0123456789012345678901234567890123456789012345678901234567890123456789012345678901234\n"
     "kind = atelier\nroom = atelier\nstart = 10:00\n" BAD_TAIL,
     31, "description is too long"},
    {"unknown kind", "[session:bad]\ntitle = T\ndescription = D.\nkind = cours\n", 18,
     "kind \"cours\""},
    {"day out of range", BAD_HEAD "title = T\nroom = atelier\nstart = 10:00\nday = 7\n", 21,
     "day \"7\""},
    {"duration zero", BAD_HEAD "title = T\nroom = atelier\nstart = 10:00\nduration = 0\n", 21,
     "duration \"0\""},
    {"key given twice", BAD_HEAD "title = T\ntitle = U\n", 19, "title is given twice"},
    {"unknown key", BAD_HEAD "titre = T\n", 18, "unknown key \"titre\""},
    {"indented key", BAD_HEAD "title = T\n  room = atelier\n", 19, "title must stay on one line"},
    {"semicolon cuts the text", BAD_HEAD "title = Avant ; après\n", 18, "\" ;\""},
    {"unknown section", "[salle:atelier]\nname = x\n", 15, "unknown section [salle:atelier]"},
    {"session defined twice", "[session:ok]\ntitle = T\n", 15, "defined twice (first on line 4)"},
    {"not an INI line", BAD_HEAD "ceci n’est pas une clé\n", 18, "expected [section]"},
};

/* Each malformed file is refused with its line, and the valid session before it is not
** written either: all or nothing. */
static void test_malformed(void **state)
{
    struct fixture *fx = *state;
    char path[PATH_MAX], text[8192], msg[256];
    snprintf(path, sizeof path, "%s/bad.ini", fx->dir);
    size_t n_cases = sizeof bad_cases / sizeof bad_cases[0];
    for (size_t i = 0; i < n_cases; i++) {
        snprintf(text, sizeof text, "%s%s", bad_prefix, bad_cases[i].session);
        write_file(path, text);
        size_t written = 99;
        enum borne_err err =
            demo_fill(fx->st, path, local_time(2026, 5, 6, 8, 0), false, &written, msg, sizeof msg);
        char want[32];
        snprintf(want, sizeof want, "bad.ini:%d: ", bad_cases[i].line);
        if (err != BORNE_ERR_INVALID || strncmp(msg, want, strlen(want)) != 0 ||
            !strstr(msg, bad_cases[i].words))
            fail_msg("%s: got %d \"%s\", wanted \"%s...%s\"", bad_cases[i].what, err, msg, want,
                     bad_cases[i].words);
        assert_int_equal(written, 0);
        assert_int_equal(session_count(fx->st), 0);
    }

    /* A key before any section, and a file without sessions. */
    write_file(path, "; commentaire\ntitle = T\n");
    assert_int_equal(demo_fill(fx->st, path, 0, false, NULL, msg, sizeof msg), BORNE_ERR_INVALID);
    assert_string_equal(msg, "bad.ini:2: \"title\" is outside a [room:KEY] or [session:KEY] "
                             "section");
    write_file(path, "[room:a]\nname = A\n");
    assert_int_equal(demo_fill(fx->st, path, 0, false, NULL, msg, sizeof msg), BORNE_ERR_INVALID);
    assert_non_null(strstr(msg, "no [session:KEY]"));
    assert_int_equal(session_count(fx->st), 0);
}

static void test_missing_file(void **state)
{
    struct fixture *fx = *state;
    char path[PATH_MAX], msg[256];
    snprintf(path, sizeof path, "%s/absent.ini", fx->dir);
    size_t written = 99;
    assert_int_equal(demo_fill(fx->st, path, 0, false, &written, msg, sizeof msg),
                     BORNE_ERR_CANT_OPEN);
    assert_int_equal(written, 0);
    assert_true(strncmp(msg, "absent.ini: cannot open", 23) == 0);
    assert_int_equal(demo_fill(NULL, path, 0, false, NULL, NULL, 0), BORNE_ERR_INVALID);
}

int main(void)
{
    /* The daylight-saving cases are about Paris; ctest sets it too. */
    setenv("TZ", "Europe/Paris", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_catalogue_week, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catalogue_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_fill_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dst_autumn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dst_spring, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catalogue_across_dst, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
