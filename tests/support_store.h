/* The fixture of the store's tests: a database file in a fresh folder of its own under /tmp, so
** that each test starts from nothing and a failed one leaves nothing in the next one's way.
** Include after cmocka.h. */
#ifndef BORNE_TESTS_SUPPORT_STORE_H
#define BORNE_TESTS_SUPPORT_STORE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "store/store.h"

#include "support.h"

/* Make a fresh folder /tmp/borne-test-XXXXXX in dir and name the file "<dir>/borne.db" in path;
** with st, also open the store on it (*st is then the caller's, for support_store_remove()).
** Returns false, with the folder removed, if either fails: a setup then returns -1 and cmocka
** fails the tests of the group. */
static inline bool support_store_make(char *dir, size_t dir_cap, char *path, size_t path_cap,
                                      struct store **st)
{
    snprintf(dir, dir_cap, "/tmp/borne-test-XXXXXX");
    if (!mkdtemp(dir))
        return false;
    snprintf(path, path_cap, "%s/borne.db", dir);
    if (!st)
        return true;
    char msg[256];
    if (store_open(path, st, msg, sizeof msg) != BORNE_OK) {
        print_error("setup: %s\n", msg);
        support_remove_dir(dir);
        return false;
    }
    return true;
}

/* Close st (NULL is fine) and remove the folder with the database and its WAL files. */
static inline void support_store_remove(const char *dir, struct store *st)
{
    store_close(st);
    support_remove_dir(dir);
}

#endif
