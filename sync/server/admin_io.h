/* Catalogue import and CSV export for administrators (admin_io.c). Each returns 0 on success, 1 on
 * a refused input (a message per bad line written to err, nothing imported), 2 on a database
 * failure; conn is a connected libpq handle (autocommit). */
#include <libpq-fe.h>
#include <stdio.h>
int admin_import_csv(PGconn *conn, const char *site_id, const char *path, FILE *out, FILE *err);
int admin_import_ics(PGconn *conn, const char *site_id, const char *path, FILE *out, FILE *err);
/* what: "registrations" or "attendance"; from/to: YYYY-MM-DD (inclusive, the site's time zone) */
int admin_export(PGconn *conn, const char *what, const char *site_id, const char *from,
                 const char *to, FILE *out, FILE *err);
