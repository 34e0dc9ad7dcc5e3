/* The server's schema migrations, compiled in from sync/server/migrations/NNN_name.sql (see
** embed_migrations.cmake). server_migrations[i] takes the database from version i to i + 1; a
** released file is never edited, a change is a new file. The list ends with {NULL, NULL}. */
#ifndef BORNE_SERVER_MIGRATIONS_H
#define BORNE_SERVER_MIGRATIONS_H

struct server_migration {
    const char *name; /* the file's name without .sql, e.g. "001_init" */
    const char *sql;  /* the whole file, run in one transaction */
};

extern const struct server_migration server_migrations[];
extern const int server_migration_count;

#endif
