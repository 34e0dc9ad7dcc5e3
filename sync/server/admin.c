/* The administrator's commands of borne-server: sites, enrolment codes, devices, revocation.
**
** Each is one short statement or transaction on an autocommit connection; messages are for a
** person at a terminal. A refusal the database makes (a duplicate site, a malformed id) comes
** back as a sentence, not as the SQL error alone. */
#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "server/server.h"

bool enrol_code_normalise(const char *typed, char *out, size_t cap)
{
    size_t n = 0;
    if (cap == 0)
        return false;
    for (const char *p = typed; *p; p++) {
        if (*p == ' ' || *p == '-' || *p == '\t')
            continue;
        if (n + 1 >= cap) {
            out[0] = '\0';
            return false;
        }
        out[n++] = (char)toupper((unsigned char)*p);
    }
    out[n] = '\0';
    return true;
}

/* Runs one statement with text parameters; returns the result or NULL (message to err). */
static PGresult *exec(PGconn *conn, const char *sql, int n, const char *const *params, FILE *err)
{
    PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
        return res;
    fprintf(err, "borne-server: %s", res ? PQresultErrorMessage(res) : PQerrorMessage(conn));
    PQclear(res);
    return NULL;
}

int admin_site_add(PGconn *conn, const char *id, const char *name, const char *timezone, FILE *out,
                   FILE *err)
{
    if (!timezone)
        timezone = "Europe/Paris";
    size_t len = strlen(id);
    bool ok =
        len >= 1 && len <= 39 && (islower((unsigned char)id[0]) || isdigit((unsigned char)id[0]));
    for (size_t i = 0; ok && i < len; i++)
        ok = islower((unsigned char)id[i]) || isdigit((unsigned char)id[i]) || id[i] == '-';
    if (!ok) {
        fprintf(err,
                "borne-server: site id \"%s\": use 1 to 39 lower-case letters, digits and dashes, "
                "starting with a letter or digit\n",
                id);
        return 1;
    }
    if (!name[0] || strlen(name) > 95) {
        fprintf(err, "borne-server: the site's name must have 1 to 95 bytes\n");
        return 1;
    }
    const char *p1[] = {timezone};
    PGresult *res = exec(conn, "SELECT 1 FROM pg_timezone_names WHERE name = $1", 1, p1, err);
    if (!res)
        return 2;
    int known = PQntuples(res);
    PQclear(res);
    if (!known) {
        fprintf(err, "borne-server: unknown time zone \"%s\" (e.g. Europe/Paris)\n", timezone);
        return 1;
    }
    const char *p2[] = {id, name, timezone};
    res = exec(conn,
               "INSERT INTO sites (id, name, timezone) VALUES ($1, $2, $3)"
               " ON CONFLICT (id) DO NOTHING RETURNING id",
               3, p2, err);
    if (!res)
        return 2;
    int added = PQntuples(res);
    PQclear(res);
    if (!added) {
        fprintf(err, "borne-server: a site \"%s\" exists already\n", id);
        return 1;
    }
    fprintf(out, "site %s added: %s (%s)\n", id, name, timezone);
    return 0;
}

int admin_enrol_code(PGconn *conn, const char *site_id, int hours, FILE *out, FILE *err)
{
    if (hours < 1 || hours > 24 * 365) {
        fprintf(err, "borne-server: --hours must be 1 to 8760\n");
        return 1;
    }
    if (sodium_init() < 0) {
        fprintf(err, "borne-server: libsodium cannot start\n");
        return 2;
    }
    const char *p1[] = {site_id};
    PGresult *res = exec(conn, "SELECT 1 FROM sites WHERE id = $1", 1, p1, err);
    if (!res)
        return 2;
    int known = PQntuples(res);
    PQclear(res);
    if (!known) {
        fprintf(err, "borne-server: no site \"%s\" (borne-server site-add)\n", site_id);
        return 1;
    }
    static const char alphabet[] = ENROL_CODE_ALPHABET;
    /* 23^10 codes: a collision is all but impossible, but costs only another try. */
    for (int attempt = 0; attempt < 5; attempt++) {
        char code[ENROL_CODE_LEN + 1], shown[ENROL_CODE_LEN + 3], h[16];
        for (int i = 0; i < ENROL_CODE_LEN; i++)
            code[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
        code[ENROL_CODE_LEN] = '\0';
        snprintf(shown, sizeof shown, "%.4s-%.4s-%.2s", code, code + 4, code + 8);
        snprintf(h, sizeof h, "%d", hours);
        const char *p2[] = {code, site_id, h};
        res = exec(conn,
                   "INSERT INTO enrol_codes (code, site_id, expires_at)"
                   " VALUES ($1, $2, now() + $3::integer * interval '1 hour')"
                   " ON CONFLICT (code) DO NOTHING RETURNING to_char(expires_at,"
                   " 'YYYY-MM-DD HH24:MI TZ')",
                   3, p2, err);
        if (!res)
            return 2;
        if (PQntuples(res) == 1) {
            fprintf(out, "%s\n", shown);
            fprintf(err, "enrolment code for site %s, valid until %s (one use)\n", site_id,
                    PQgetvalue(res, 0, 0));
            PQclear(res);
            return 0;
        }
        PQclear(res);
    }
    fprintf(err, "borne-server: could not make a fresh code\n");
    return 2;
}

/* Display width of a UTF-8 text: its code points (good enough for Latin labels). */
static int text_width(const char *s)
{
    int w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    return w;
}

int admin_devices(PGconn *conn, const char *site_id, FILE *out, FILE *err)
{
    const char *p[] = {site_id};
    PGresult *res = exec(
        conn,
        "SELECT id, site_id, label, to_char(enrolled_at, 'YYYY-MM-DD HH24:MI'),"
        " coalesce(to_char(last_seen_at, 'YYYY-MM-DD HH24:MI'), '-'),"
        " CASE WHEN revoked_at = 0 THEN '-'"
        "  ELSE to_char(to_timestamp(revoked_at), 'YYYY-MM-DD HH24:MI') END"
        " FROM devices WHERE $1::text IS NULL OR site_id = $1 ORDER BY site_id, enrolled_at, id",
        1, p, err);
    if (!res)
        return 2;
    static const char *const head[] = {"id", "site", "label", "enrolled", "last seen", "revoked"};
    int width[6];
    for (int c = 0; c < 6; c++) {
        width[c] = text_width(head[c]);
        for (int r = 0; r < PQntuples(res); r++) {
            int w = text_width(PQgetvalue(res, r, c));
            if (w > width[c])
                width[c] = w;
        }
    }
    for (int r = -1; r < PQntuples(res); r++) {
        for (int c = 0; c < 6; c++) {
            const char *v = r < 0 ? head[c] : PQgetvalue(res, r, c);
            int pad = c < 5 ? width[c] - text_width(v) + 2 : 0;
            fprintf(out, "%s%*s", v, pad, "");
        }
        fputc('\n', out);
    }
    if (PQntuples(res) == 0)
        fprintf(err, "no devices%s%s\n", site_id ? " at site " : "", site_id ? site_id : "");
    PQclear(res);
    return 0;
}

int admin_revoke(PGconn *conn, const char *device_id, FILE *out, FILE *err)
{
    const char *p[] = {device_id};
    PGresult *res = exec(conn,
                         "UPDATE devices SET revoked_at = extract(epoch FROM now())::bigint"
                         " WHERE id = $1 AND revoked_at = 0 RETURNING id",
                         1, p, err);
    if (!res)
        return 2;
    int revoked = PQntuples(res);
    PQclear(res);
    if (revoked) {
        fprintf(out,
                "device %s revoked: its token is refused, its tickets are refused at every "
                "door after the kiosks' next sync\n",
                device_id);
        return 0;
    }
    res = exec(conn, "SELECT 1 FROM devices WHERE id = $1", 1, p, err);
    if (!res)
        return 2;
    int exists = PQntuples(res);
    PQclear(res);
    if (exists) {
        fprintf(out, "device %s was already revoked\n", device_id);
        return 0;
    }
    fprintf(err, "borne-server: no device \"%s\" (borne-server devices)\n", device_id);
    return 1;
}
