/* Catalogue import for administrators, CSV and iCalendar: see admin_io.h.
**
** An import is all or nothing, in two phases. First the whole file is read and every value is
** checked, and every problem is reported with its line (catalogue.c, csv.c, ics.c: pure, and
** fuzzed). What needs the database is done here: the site's time zone and rooms, whether
** PostgreSQL knows the time zones a calendar names, and the conversion of wall-clock times to
** Unix seconds, by PostgreSQL, which carries the time zone database, in one query for the whole
** file. Only a file without a single problem reaches the second phase: one transaction that
** loads the rows into a temporary table with COPY and applies them with a handful of set-based
** statements (100 000 rows cost a few round trips, not 300 000), after locking every session
** row it is about to change: the row lock is what serialises every seat decision of a session
** (see 001_init.sql). */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/model.h"
#include "core/text.h"
#include "server/admin_io.h"
#include "server/catalogue.h"
#include "server/dynbuf.h"
#include "server/field.h"
#include "server/ics.h"
#include "server/server.h"

#define CSV_FILE_MAX (256L << 20) /* bytes of a CSV file (100 000 rows take a few dozen MiB) */
#define TX_ATTEMPTS 5             /* tries of the import transaction on a deadlock */
#define COPY_CHUNK (256 * 1024)   /* bytes sent to COPY at a time */
#define TIMES_TEXT_MAX                                                                             \
    (CATALOGUE_ROWS_MAX * 2L * (20 + CATALOGUE_ZONE_NAME_MAX) + ICS_EXDATES_MAX * 90L)

/* One import: the catalogue read from the file, and where it goes. */
struct import {
    PGconn *conn;
    const char *site_id;
    FILE *err;
    struct catalogue cat; /* zones[0]: the site's time zone */
    bool db_failed;       /* a query of the checking phase failed: the import ends with 2 */
    /* iCalendar: the site's rooms, so that a LOCATION naming one finds its id */
    struct ics_room *site_rooms;
    size_t site_room_count;
};

static void import_free(struct import *im)
{
    catalogue_deinit(&im->cat);
    free(im->site_rooms);
    im->site_rooms = NULL;
}

/* Whether PostgreSQL knows a time zone by that name; if so it joins the catalogue's zones (up to
** CATALOGUE_ZONES_MAX). A name that is not one (empty, too long, odd characters) is not asked
** about. false when the database failed (im->db_failed is set, the message written). */
static bool zone_check(struct import *im, const char *name)
{
    if (catalogue_zone_find(&im->cat, name) >= 0 || im->cat.zone_count >= CATALOGUE_ZONES_MAX)
        return true;
    size_t n = strlen(name);
    if (n == 0 || n >= CATALOGUE_ZONE_NAME_MAX)
        return true;
    for (size_t i = 0; i < n; i++)
        if (!field_is_id_char(name[i]) && name[i] != '/' && name[i] != '+')
            return true;
    const char *params[] = {name};
    PGresult *r =
        PQexecParams(im->conn, "SELECT now() AT TIME ZONE $1", 1, NULL, params, NULL, NULL, 0);
    bool ok = true;
    if (PQresultStatus(r) == PGRES_TUPLES_OK) {
        catalogue_zone_add(&im->cat, name);
    } else {
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        if (!state || strcmp(state, "22023") != 0) { /* 22023: time zone not recognized */
            fprintf(im->err, "database: %s", PQerrorMessage(im->conn));
            im->db_failed = true;
            ok = false;
        }
    }
    PQclear(r);
    return ok;
}

/* The times of a row or an EXDATE that may wait for conversion: w (2 of them) is filled, the
** count returned. */
static int times_of(struct import *im, size_t i, struct catalogue_when *w[2])
{
    if (i < im->cat.row_count) {
        w[0] = &im->cat.rows[i].start;
        w[1] = &im->cat.rows[i].end;
        return 2;
    }
    w[0] = &im->cat.exdates[i - im->cat.row_count].at;
    return 1;
}

/* Converts every wall time of the import (rows and EXDATEs) to Unix seconds, in one query. */
static void convert_times(struct import *im)
{
    struct dynbuf walls, zones;
    dynbuf_init(&walls, TIMES_TEXT_MAX);
    dynbuf_init(&zones, TIMES_TEXT_MAX);
    size_t pending = 0, total = im->cat.row_count + im->cat.exdate_count;
    enum borne_err err = BORNE_OK;
    for (size_t i = 0; i < total && !err; i++) {
        struct catalogue_when *w[2];
        int k = times_of(im, i, w);
        for (int j = 0; j < k && !err; j++) {
            if (w[j]->known || !w[j]->wall[0])
                continue;
            if (pending++) {
                err = dynbuf_add_str(&walls, "\n");
                err = err ? err : dynbuf_add_str(&zones, "\n");
            }
            err = err ? err : dynbuf_add_str(&walls, w[j]->wall);
            err = err ? err : dynbuf_add_str(&zones, im->cat.zones[w[j]->zone]);
        }
    }
    if (err) {
        im->cat.nomem = true;
        goto done;
    }
    if (pending == 0)
        goto done;
    const char *params[] = {dynbuf_ptr(&walls), dynbuf_ptr(&zones)};
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
    for (size_t i = 0; i < total; i++) {
        struct catalogue_when *w[2];
        int k = times_of(im, i, w);
        for (int j = 0; j < k; j++) {
            if (w[j]->known || !w[j]->wall[0])
                continue;
            w[j]->epoch = strtoll(PQgetvalue(r, (int)at++, 0), NULL, 10);
            w[j]->known = true;
        }
    }
    PQclear(r);
done:
    dynbuf_free(&walls);
    dynbuf_free(&zones);
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
    while (n > 0 && field_is_space(t->why[n - 1]))
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

/* COPY text format: a backslash, tab, line feed or carriage return is escaped; NULL is \N.
** The first failed append's error (b is then cleared). */
static enum borne_err copy_field(struct dynbuf *b, const char *s, bool last)
{
    enum borne_err err = BORNE_OK;
    if (!s) {
        err = dynbuf_add_str(b, "\\N");
    } else {
        for (const char *p = s; *p && !err; p++) {
            const char *esc = *p == '\\'   ? "\\\\"
                              : *p == '\t' ? "\\t"
                              : *p == '\n' ? "\\n"
                              : *p == '\r' ? "\\r"
                                           : NULL;
            err = esc ? dynbuf_add_str(b, esc) : dynbuf_add(b, p, 1);
        }
    }
    return err ? err : dynbuf_add_str(b, last ? "\n" : "\t");
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
    struct dynbuf b;
    dynbuf_init(&b, 4 * COPY_CHUNK);
    bool sent = true;
    for (size_t i = 0; i < im->cat.row_count && sent; i++) {
        const struct catalogue_row *w = &im->cat.rows[i];
        if (w->dropped)
            continue;
        char num[5][24];
        snprintf(num[0], sizeof num[0], "%ld", w->line);
        snprintf(num[1], sizeof num[1], "%d", w->kind);
        snprintf(num[2], sizeof num[2], "%" PRId64, w->start.epoch);
        snprintf(num[3], sizeof num[3], "%" PRId64, w->end.epoch);
        snprintf(num[4], sizeof num[4], "%d", w->capacity);
        const char *fields[] = {num[0],
                                w->id,
                                w->title,
                                w->description,
                                num[1],
                                w->room_id,
                                w->room_name,
                                w->organiser,
                                num[2],
                                num[3],
                                num[4],
                                w->reserved_for,
                                w->cancelled ? "t" : "f",
                                w->source};
        size_t n = sizeof fields / sizeof fields[0];
        enum borne_err err = BORNE_OK;
        for (size_t k = 0; k < n && !err; k++)
            err = copy_field(&b, fields[k], k == n - 1);
        if (err) {
            sent = false;
            snprintf(t->why, sizeof t->why, "out of memory");
        } else if (dynbuf_len(&b) >= COPY_CHUNK) {
            sent = PQputCopyData(t->conn, dynbuf_ptr(&b), (int)dynbuf_len(&b)) == 1;
            dynbuf_reset(&b);
        }
    }
    if (sent && dynbuf_len(&b) > 0)
        sent = PQputCopyData(t->conn, dynbuf_ptr(&b), (int)dynbuf_len(&b)) == 1;
    dynbuf_free(&b);
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
            catalogue_problem(&im->cat, strtol(PQgetvalue(r, i, 0), NULL, 10),
                              "id: session %s belongs to site %s: choose another id",
                              PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
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
            catalogue_problems_print(&im->cat, im->err);
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
        fprintf(out, "  from %zu events", im->cat.events);
        if (im->cat.recurring)
            fprintf(out, "; %zu recurring, expanded into %zu %s (the next %ld days)",
                    im->cat.recurring, im->cat.occurrences,
                    im->cat.occurrences == 1 ? "occurrence" : "occurrences", ICS_HORIZON_S / 86400);
        fprintf(out, "\n");
        if (im->cat.default_capacity)
            fprintf(out,
                    "  %zu sessions without a capacity got the default of %d seats (set "
                    "X-BORNE-CAPACITY, or a line \"Places : N\" in the description)\n",
                    im->cat.default_capacity, ICS_DEFAULT_CAPACITY);
        if (im->cat.shortened)
            fprintf(out, "  %zu %s shortened to %d bytes\n", im->cat.shortened,
                    im->cat.shortened == 1 ? "description" : "descriptions", BORNE_DESC_MAX - 1);
        if (im->cat.all_day)
            fprintf(out, "  %zu all-day %s refused (not imported, see the messages)\n",
                    im->cat.all_day, im->cat.all_day == 1 ? "event" : "events");
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
/* ---- both imports ------------------------------------------------------------------------ */

int admin_site_timezone(PGconn *conn, const char *site_id, char *tz, size_t cap, FILE *err)
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
        char shown[FIELD_SHOW_CAP];
        fprintf(err, "site %s does not exist (add it first: borne-server site-add ID NAME)\n",
                field_show(site_id, shown, sizeof shown));
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
    catalogue_init(&im->cat, (int64_t)time(NULL), err);
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
    char tz[CATALOGUE_ZONE_NAME_MAX];
    int rc = admin_site_timezone(conn, site_id, tz, sizeof tz, err);
    if (rc == 0)
        catalogue_zone_add(&im->cat, tz);
    return rc;
}

/* Reads the file at path whole into b (at most max bytes). BORNE_OK, or BORNE_ERR_CANT_OPEN
** (errno says why), BORNE_ERR_IO (a read failed; errno says why), BORNE_ERR_INVALID (larger
** than max) or BORNE_ERR_NOMEM; b is then empty. */
static enum borne_err read_file(const char *path, size_t max, struct dynbuf *b)
{
    dynbuf_init(b, max);
    FILE *f = fopen(path, "rb");
    if (!f)
        return BORNE_ERR_CANT_OPEN;
    char chunk[65536];
    size_t n;
    enum borne_err err = BORNE_OK;
    while (!err && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        err = dynbuf_add(b, chunk, n);
    int saved = errno;
    if (!err && ferror(f))
        err = BORNE_ERR_IO;
    fclose(f);
    if (err)
        dynbuf_free(b);
    errno = saved;
    return err;
}

/* The end of both imports, once the file is read: times, cross-row checks, then the
** transaction. */
static int import_finish(struct import *im, FILE *out, bool ics)
{
    convert_times(im);
    if (im->db_failed)
        return 2;
    if (ics)
        ics_settle(&im->cat);
    size_t kept = catalogue_check_rows(&im->cat, ics);
    if (im->cat.nomem) {
        fprintf(im->err, "out of memory\nnothing imported\n");
        return 2;
    }
    if (!catalogue_has_problems(&im->cat) && kept == 0)
        catalogue_problem(
            &im->cat, 0, "nothing to import: the file has no session%s",
            ics ? " (or only all-day events, or recurrences outside the next 180 days)" : "");
    if (catalogue_has_problems(&im->cat)) {
        catalogue_problems_print(&im->cat, im->err);
        return 1;
    }
    struct summary sum;
    int rc = import_apply(im, &sum);
    if (rc == 0)
        summary_print(im, &sum, out, ics);
    return rc;
}

/* ---- CSV --------------------------------------------------------------------------------- */

/* Imports a CSV catalogue into site_id: see admin_io.h for the contract, catalogue.h for the
** columns and the top of this file for the phases. Returns 0 (imported, summary on out), 1 (a
** problem with the file or the site: every problem on err, nothing imported) or 2 (the
** database failed, or memory ran out: nothing imported). */
int admin_import_csv(PGconn *conn, const char *site_id, const char *path, FILE *out, FILE *err)
{
    struct import im;
    int rc = import_begin(&im, conn, site_id, err);
    if (rc != 0) {
        import_free(&im);
        return rc;
    }
    struct dynbuf file;
    switch (read_file(path, CSV_FILE_MAX, &file)) {
    case BORNE_OK:
        catalogue_read_csv(&im.cat, dynbuf_ptr(&file) ? dynbuf_ptr(&file) : "", dynbuf_len(&file));
        break;
    case BORNE_ERR_CANT_OPEN:
        fprintf(err, "%s: %s\n", path, strerror(errno));
        import_free(&im);
        return 1;
    case BORNE_ERR_IO:
        catalogue_problem(&im.cat, 1, "reading the file failed: %s", strerror(errno));
        break;
    case BORNE_ERR_INVALID:
        catalogue_problem(&im.cat, 0, "%s: larger than %ld MiB: split it", path,
                          CSV_FILE_MAX >> 20);
        break;
    default:
        im.cat.nomem = true;
        break;
    }
    dynbuf_free(&file);
    if (im.cat.nomem) {
        fprintf(err, "out of memory\nnothing imported\n");
        rc = 2;
    } else {
        rc = import_finish(&im, out, false);
    }
    import_free(&im);
    return rc;
}

/* ---- iCalendar --------------------------------------------------------------------------- */

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

/* Imports an iCalendar file into site_id: see admin_io.h for the contract, ics.h for what an
** event becomes and the samples in tests/integration/data for what calendars look like. An
** all-day event is refused on its own (a message on err, counted in the summary) and the others
** are imported. Returns 0, 1 (a problem with the file or the site: every problem on err,
** nothing imported) or 2 (the database failed, or memory ran out: nothing imported). */
int admin_import_ics(PGconn *conn, const char *site_id, const char *path, FILE *out, FILE *err)
{
    struct import im;
    int rc = import_begin(&im, conn, site_id, err);
    if (rc != 0) {
        import_free(&im);
        return rc;
    }
    if (!site_rooms_load(&im)) {
        import_free(&im);
        return 2;
    }
    struct dynbuf file;
    struct ics_calendar *cal = NULL;
    switch (read_file(path, ICS_FILE_MAX, &file)) {
    case BORNE_OK:
        if (ics_calendar_parse(&im.cat, dynbuf_ptr(&file) ? dynbuf_ptr(&file) : "",
                               dynbuf_len(&file), &cal) != BORNE_OK)
            break;
        /* The zones the calendar names that PostgreSQL knows, before its events are read. */
        for (size_t i = 0; i < ics_calendar_zone_count(cal) && !im.db_failed; i++)
            zone_check(&im, ics_calendar_zone(cal, i));
        if (!im.db_failed)
            ics_calendar_read(cal, &im.cat, im.site_rooms, im.site_room_count);
        break;
    case BORNE_ERR_CANT_OPEN:
        catalogue_problem(&im.cat, 0, "%s: %s", path, strerror(errno));
        break;
    case BORNE_ERR_IO:
        catalogue_problem(&im.cat, 0, "%s: reading failed", path);
        break;
    case BORNE_ERR_INVALID:
        catalogue_problem(&im.cat, 0, "%s: larger than %ld MiB", path, ICS_FILE_MAX >> 20);
        break;
    default:
        im.cat.nomem = true;
        break;
    }
    dynbuf_free(&file);
    ics_calendar_destroy(cal);
    if (im.db_failed) {
        rc = 2;
    } else if (im.cat.nomem) {
        fprintf(err, "out of memory\nnothing imported\n");
        rc = 2;
    } else {
        rc = import_finish(&im, out, true);
    }
    import_free(&im);
    return rc;
}
