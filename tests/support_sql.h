/* A helper for the store's tests: read one number straight from the database file, on a
** connection of the test's own, so that an assertion does not go through the code it tests.
** Include after cmocka.h. */
#ifndef BORNE_TESTS_SUPPORT_SQL_H
#define BORNE_TESTS_SUPPORT_SQL_H

#include <sqlite3.h>
#include <stdint.h>

static inline int64_t sql_int(const char *path, const char *sql, const char *param)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    if (param)
        assert_int_equal(sqlite3_bind_text(stmt, 1, param, -1, SQLITE_TRANSIENT), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return v;
}

#endif
