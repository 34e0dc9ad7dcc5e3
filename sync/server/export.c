/* CSV export for administrators: see admin_io.h.
**
** The export streams rows from PostgreSQL in single-row mode, so a year of registrations never
** sits in memory, and writes RFC 4180 CSV that a spreadsheet opens safely: a field that a
** spreadsheet would run as a formula is defused. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "server/admin_io.h"
#include "server/catalogue.h"
#include "server/civil.h"
#include "server/field.h"

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
    struct civil_stamp st;
    char shown[FIELD_SHOW_CAP];
    if (strlen(v) != 10 || civil_parse_date(v, &st) != CIVIL_OK) {
        fprintf(err, "%s: expected a date as YYYY-MM-DD (2027-03-01), got %s\n", name,
                field_show(v, shown, sizeof shown));
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
        char shown[FIELD_SHOW_CAP];
        fprintf(err, "export: expected registrations or attendance, got %s\n",
                field_show(what ? what : "", shown, sizeof shown));
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
    char tz[CATALOGUE_ZONE_NAME_MAX];
    int rc = admin_site_timezone(conn, site_id, tz, sizeof tz, err);
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
