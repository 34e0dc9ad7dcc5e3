/* Catalogue import (import.c) and CSV export (export.c) for administrators. Each returns 0 on
** success, 1 on a refused input (a message per bad line written to err, nothing imported), 2 on
** a database failure; conn is a connected libpq handle (autocommit). */
#ifndef BORNE_SERVER_ADMIN_IO_H
#define BORNE_SERVER_ADMIN_IO_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdio.h>

int admin_import_csv(PGconn *conn, const char *site_id, const char *path, FILE *out, FILE *err);
int admin_import_ics(PGconn *conn, const char *site_id, const char *path, FILE *out, FILE *err);
/* what: "registrations" or "attendance"; from/to: YYYY-MM-DD (inclusive, the site's time zone) */
int admin_export(PGconn *conn, const char *what, const char *site_id, const char *from,
                 const char *to, FILE *out, FILE *err);

/* The time zone of site_id into tz (cap bytes, cut if longer), for the import and the export.
** 0; 1 when there is no such site, 2 when the database failed, with the message written to err
** (tz is then untouched). */
int admin_site_timezone(PGconn *conn, const char *site_id, char *tz, size_t cap, FILE *err);

#endif
