/* Helpers for the store's tests: read and write the database file straight, on a connection of
** the test's own, so that an assertion does not go through the code it tests. Each call opens
** and closes its connection: slow, but nothing is left open behind the store's back.
** Include after cmocka.h. */
#ifndef BORNE_TESTS_SUPPORT_SQL_H
#define BORNE_TESTS_SUPPORT_SQL_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

/* Open path and step sql (one optional text parameter) to its first row, failing the test if
** there is none. The caller reads the row and hands both back to sql_row_done(). */
static inline sqlite3_stmt *sql_first_row(const char *path, const char *sql, const char *param,
                                          sqlite3 **db)
{
    sqlite3_stmt *stmt = NULL;
    *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(*db, sql, -1, &stmt, NULL), SQLITE_OK);
    if (param)
        assert_int_equal(sqlite3_bind_text(stmt, 1, param, -1, SQLITE_TRANSIENT), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    return stmt;
}

static inline void sql_row_done(sqlite3 *db, sqlite3_stmt *stmt)
{
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}

/* The first column of the first row of sql, as a number. */
static inline int64_t sql_int(const char *path, const char *sql, const char *param)
{
    sqlite3 *db;
    sqlite3_stmt *stmt = sql_first_row(path, sql, param, &db);
    int64_t v = sqlite3_column_int64(stmt, 0);
    sql_row_done(db, stmt);
    return v;
}

/* The first column of the first row of sql, as text in out ("(null)" for NULL). */
static inline void sql_text(const char *path, const char *sql, const char *param, char *out,
                            size_t cap)
{
    sqlite3 *db;
    sqlite3_stmt *stmt = sql_first_row(path, sql, param, &db);
    const char *s = (const char *)sqlite3_column_text(stmt, 0);
    snprintf(out, cap, "%s", s ? s : "(null)");
    sql_row_done(db, stmt);
}

/* Run sql (any number of statements) on the file, failing the test with SQLite's message if it
** is refused: how a test puts the file in a state the store's API would never leave it in. */
static inline void sql_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    char *err = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK)
        print_error("%s: %s\n", sql, err ? err : "?");
    sqlite3_free(err);
    sqlite3_close(db);
    assert_int_equal(rc, SQLITE_OK);
}

#endif
