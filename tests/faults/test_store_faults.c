/* Fault tests of firmware/store: files that are not databases, a database from the future, a
** folder that does not exist, a locked file, a full disk, and kill -9 in the middle of
** registrations.
**
** The full disk is real: a tmpfs of a few MiB mounted on the test folder (the tests run as root
** in the build container and on the Pi's CI; the test is skipped, and says so, where mount(2)
** is not allowed). The kill test forks a child that registers visitors and reports each short
** code on a pipe only after store_register() returned BORNE_OK: every code the parent receives
** was acknowledged, so it must be in the database whatever instant the child died at. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"

#include "support.h"
#include "support_sql.h"
#include "support_store.h"

#define NOW 1767258000 /* 2026-01-01 09:00 UTC */
#define HOUR 3600

struct fx {
    char dir[64];
    char path[128];
    bool mounted; /* a tmpfs is mounted on dir */
};

/* ---- fixture --------------------------------------------------------------------------- */

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof *fx);
    if (!fx || !support_store_make(fx->dir, sizeof fx->dir, fx->path, sizeof fx->path, NULL)) {
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    if (fx->mounted) {
        support_remove_dir(fx->dir); /* empties the tmpfs; its mount point survives */
        umount2(fx->dir, MNT_DETACH);
    }
    support_remove_dir(fx->dir);
    free(fx);
    return 0;
}

/* ---- helpers --------------------------------------------------------------------------- */

static bool file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* The whole file, malloc'ed; *len its size. */
static unsigned char *file_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    assert_true(size >= 0);
    rewind(f);
    unsigned char *buf = malloc((size_t)size + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    *len = (size_t)size;
    return buf;
}

/* One room and one session "s1" with room for everybody, open all of 2026. */
static void put_big_session(const char *path)
{
    struct store *st = NULL;
    char msg[256];
    assert_int_equal(store_open(path, &st, msg, sizeof msg), BORNE_OK);
    struct room r;
    struct session s;
    memset(&r, 0, sizeof r);
    memset(&s, 0, sizeof s);
    snprintf(r.id, sizeof r.id, "r1");
    snprintf(r.name, sizeof r.name, "Espace conférence");
    snprintf(s.id, sizeof s.id, "s1");
    snprintf(s.title, sizeof s.title, "Journée portes ouvertes");
    snprintf(s.room_id, sizeof s.room_id, "r1");
    s.starts_at = NOW + HOUR;
    s.ends_at = NOW + 365 * 24 * HOUR;
    s.capacity = 1000000;
    assert_int_equal(store_catalogue_put(st, &r, 1, &s, 1), BORNE_OK);
    store_close(st);
}

/* A request for visitor i of round r; names are long so that the disk fills sooner. */
static struct registration_request make_req(int round, int i)
{
    struct registration_request q;
    memset(&q, 0, sizeof q);
    snprintf(q.registration_id, sizeof q.registration_id, "reg-%02d-%06d", round, i);
    snprintf(q.event_id, sizeof q.event_id, "evt-%02d-%06d", round, i);
    snprintf(q.session_id, sizeof q.session_id, "s1");
    snprintf(q.first_name, sizeof q.first_name, "Visiteuse-%02d-%06d-Marie-Françoise-Éléonore",
             round, i);
    snprintf(q.last_name, sizeof q.last_name,
             "de la Tour d'Auvergne-Lauraguais-Montmorency-Laval-%06d", i);
    snprintf(q.email, sizeof q.email, "visiteuse.%02d.%06d@example.org", round, i);
    /* Bounded, so that the compiler sees the code fits. */
    snprintf(q.short_code, sizeof q.short_code, "K%02u%06u", (unsigned)round % 100u,
             (unsigned)i % 1000000u);
    q.now = NOW;
    return q;
}

/* After a fault: the file is sound, every acknowledged code is there, and seats, registrations
** and events agree. */
static void assert_consistent(const char *path, char (*codes)[BORNE_SHORT_CODE_MAX], size_t n_codes)
{
    struct store *st = NULL;
    char msg[256];
    enum borne_err err = store_open(path, &st, msg, sizeof msg);
    if (err != BORNE_OK)
        print_error("reopen: %s\n", msg);
    assert_int_equal(err, BORNE_OK);
    err = store_check(st);
    if (err != BORNE_OK)
        print_error("check: %s\n", store_errmsg(st));
    assert_int_equal(err, BORNE_OK);
    for (size_t i = 0; i < n_codes; i++) {
        struct registration reg;
        err = store_registration_by_code(st, codes[i], &reg);
        if (err != BORNE_OK)
            print_error("acknowledged code %s is missing\n", codes[i]);
        assert_int_equal(err, BORNE_OK);
        assert_string_equal(reg.short_code, codes[i]);
        assert_string_equal(reg.session_id, "s1");
    }
    struct session s;
    int count = 0, pending = 0;
    assert_int_equal(store_session_get(st, "s1", &s), BORNE_OK);
    assert_int_equal(store_registration_count(st, "s1", &count), BORNE_OK);
    assert_int_equal(store_outbox_pending(st, &pending), BORNE_OK);
    assert_int_equal(s.seats_taken, count);
    assert_int_equal(pending, count);
    assert_true((size_t)count >= n_codes);
    store_close(st);
    assert_int_equal(sql_int(path, "SELECT value FROM meta WHERE key = 'device_seq'", NULL), count);
}

/* ---- files that are not what they should be ------------------------------------------- */

static void test_open_missing_folder(void **state)
{
    struct fx *fx = *state;
    char path[192], msg[256] = "untouched";
    struct store *st = (struct store *)&msg; /* must be cleared */
    snprintf(path, sizeof path, "%s/no/such/folder/borne.db", fx->dir);
    assert_int_equal(store_open(path, &st, msg, sizeof msg), BORNE_ERR_CANT_OPEN);
    assert_null(st);
    assert_contains(msg, path);
    assert_contains(msg, "unable to open database file");
    assert_contains(msg, "SQLITE_CANTOPEN");
    assert_contains(msg, "No such file or directory");
    /* A tiny buffer is still terminated. */
    char tiny[8];
    assert_int_equal(store_open(path, &st, tiny, sizeof tiny), BORNE_ERR_CANT_OPEN);
    assert_int_equal(strlen(tiny), sizeof tiny - 1);
    assert_int_equal(store_open(path, &st, NULL, 0), BORNE_ERR_CANT_OPEN);
    assert_false(file_exists(path));
}

static void test_open_garbage_is_corrupt_and_untouched(void **state)
{
    struct fx *fx = *state;
    const size_t sizes[] = {100, 4096, 65536};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        unsigned char *garbage = malloc(sizes[k]);
        assert_non_null(garbage);
        assert_int_equal(getrandom(garbage, sizes[k], 0), (ssize_t)sizes[k]);
        FILE *f = fopen(fx->path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(garbage, 1, sizes[k], f), sizes[k]);
        assert_int_equal(fclose(f), 0);

        struct store *st = NULL;
        char msg[256];
        assert_int_equal(store_open(fx->path, &st, msg, sizeof msg), BORNE_ERR_CORRUPT);
        assert_null(st);
        assert_contains(msg, "file is not a database");
        assert_contains(msg, "SQLITE_NOTADB");

        size_t len = 0;
        unsigned char *after = file_read(fx->path, &len);
        assert_int_equal(len, sizes[k]);
        assert_memory_equal(after, garbage, sizes[k]);
        free(after);
        free(garbage);
        char side[160];
        snprintf(side, sizeof side, "%s-wal", fx->path);
        assert_false(file_exists(side));
        snprintf(side, sizeof side, "%s-journal", fx->path);
        assert_false(file_exists(side));
        unlink(fx->path);
    }
}

static void test_open_newer_schema_is_refused_untouched(void **state)
{
    struct fx *fx = *state;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TABLE future (x); INSERT INTO future VALUES (42);"
                                  "PRAGMA user_version = 999",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    size_t len_before = 0, len_after = 0;
    unsigned char *before = file_read(fx->path, &len_before);

    struct store *st = NULL;
    char msg[256];
    assert_int_equal(store_open(fx->path, &st, msg, sizeof msg), BORNE_ERR_TOO_NEW);
    assert_null(st);
    assert_contains(msg, "999");
    assert_contains(msg, "newer");

    /* Not even switched to WAL: a newer program finds its file as it left it. */
    unsigned char *after = file_read(fx->path, &len_after);
    assert_int_equal(len_after, len_before);
    assert_memory_equal(after, before, len_before);
    free(before);
    free(after);
    assert_int_equal(sql_int(fx->path, "PRAGMA user_version", NULL), 999);
}

static void test_open_locked_is_busy(void **state)
{
    struct fx *fx = *state;
    /* A file still in rollback-journal mode (as a copy made by a tool could be), held in an
    ** exclusive transaction by another connection: readers are locked out. */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TABLE t (x); BEGIN EXCLUSIVE; INSERT INTO t "
                                  "VALUES (1)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    struct store *st = NULL;
    char msg[256];
    time_t t0 = time(NULL);
    assert_int_equal(store_open(fx->path, &st, msg, sizeof msg), BORNE_ERR_BUSY);
    assert_null(st);
    assert_contains(msg, "SQLITE_BUSY");
    assert_true(time(NULL) - t0 >= 1); /* the busy timeout was waited out, not skipped */
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db);
}

/* ---- full disk ------------------------------------------------------------------------- */

static void test_disk_full_loses_nothing(void **state)
{
    struct fx *fx = *state;
    if (mount("tmpfs", fx->dir, "tmpfs", 0, "size=8m,mode=0700") != 0) {
        print_message("skipped: cannot mount a tmpfs on %s (%s); run as root to test a full "
                      "disk\n",
                      fx->dir, strerror(errno));
        skip();
    }
    fx->mounted = true;
    put_big_session(fx->path);

    struct store *st = NULL;
    char msg[256];
    assert_int_equal(store_open(fx->path, &st, msg, sizeof msg), BORNE_OK);
    enum { MAX_REG = 100000 };
    char(*codes)[BORNE_SHORT_CODE_MAX] = calloc(MAX_REG, sizeof *codes);
    assert_non_null(codes);
    size_t n_ok = 0;
    enum borne_err err = BORNE_OK;
    int i;
    for (i = 0; i < MAX_REG; i++) {
        struct registration_request q = make_req(0, i);
        struct registration reg;
        err = store_register(st, &q, &reg);
        if (err != BORNE_OK)
            break;
        snprintf(codes[n_ok++], BORNE_SHORT_CODE_MAX, "%s", reg.short_code);
    }
    print_message("disk full after %zu registrations: %s\n", n_ok, store_errmsg(st));
    assert_int_equal(err, BORNE_ERR_DISK_FULL);
    assert_true(n_ok > 10); /* the disk filled up, not the first write failing */
    assert_contains(store_errmsg(st), "register: ");
    assert_contains(store_errmsg(st), "SQLITE_FULL");

    /* The handle stays usable: more tries fail the same way, reads still work. */
    for (int k = 1; k <= 5; k++) {
        struct registration_request q = make_req(0, i + k);
        struct registration reg;
        memset(&reg, 'x', sizeof reg);
        err = store_register(st, &q, &reg);
        if (err == BORNE_OK) {
            snprintf(codes[n_ok++], BORNE_SHORT_CODE_MAX, "%s", reg.short_code);
        } else {
            assert_int_equal(err, BORNE_ERR_DISK_FULL);
            assert_string_equal(reg.id, "");
        }
    }
    struct registration reg;
    assert_int_equal(store_registration_by_code(st, codes[0], &reg), BORNE_OK);
    assert_int_equal(store_registration_by_code(st, codes[n_ok - 1], &reg), BORNE_OK);
    int count = 0;
    assert_int_equal(store_registration_count(st, "s1", &count), BORNE_OK);
    assert_int_equal(count, (int)n_ok); /* a failure is never a half-commit */
    store_close(st);

    /* Reopening on the still-full disk either works or says the disk is full; no crash. */
    st = NULL;
    err = store_open(fx->path, &st, msg, sizeof msg);
    print_message("reopen on a full disk: %s %s\n", err == BORNE_OK ? "ok" : "failed", msg);
    assert_true(err == BORNE_OK || err == BORNE_ERR_DISK_FULL || err == BORNE_ERR_IO);
    store_close(st);

    /* Staff free some space: everything acknowledged is there, and nothing more. */
    assert_int_equal(mount("tmpfs", fx->dir, "tmpfs", MS_REMOUNT, "size=64m,mode=0700"), 0);
    assert_consistent(fx->path, codes, n_ok);
    assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM registrations", NULL), (int64_t)n_ok);

    /* And registration works again. */
    assert_int_equal(store_open(fx->path, &st, msg, sizeof msg), BORNE_OK);
    struct registration_request q = make_req(1, 0);
    assert_int_equal(store_register(st, &q, &reg), BORNE_OK);
    store_close(st);
    free(codes);
}

/* ---- kill -9 --------------------------------------------------------------------------- */

#define KILL_ROUNDS 12
#define KILL_PER_ROUND 300 /* registrations a child attempts before it exits by itself */

/* The child: register visitors, report each acknowledged code on fd. Never returns. */
static void child_register(const char *path, int round, int fd)
{
    struct store *st = NULL;
    if (store_open(path, &st, NULL, 0) != BORNE_OK)
        _exit(3);
    for (int i = 0; i < KILL_PER_ROUND; i++) {
        struct registration_request q = make_req(round, i);
        struct registration reg;
        if (store_register(st, &q, &reg) != BORNE_OK)
            _exit(4);
        char line[BORNE_SHORT_CODE_MAX + 1];
        int n = snprintf(line, sizeof line, "%s\n", reg.short_code);
        if (write(fd, line, (size_t)n) != n)
            _exit(5);
    }
    store_close(st);
    _exit(0);
}

static void test_kill9_loses_nothing_acknowledged(void **state)
{
    struct fx *fx = *state;
    put_big_session(fx->path);
    enum { MAX_CODES = KILL_ROUNDS * KILL_PER_ROUND };
    char(*codes)[BORNE_SHORT_CODE_MAX] = calloc(MAX_CODES, sizeof *codes);
    assert_non_null(codes);
    size_t n_codes = 0;
    int killed = 0;
    unsigned seed = (unsigned)time(NULL);
    print_message("kill -9 seed %u\n", seed);
    srand(seed);

    for (int round = 0; round < KILL_ROUNDS; round++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            child_register(fx->path, round, fds[1]);
        }
        close(fds[1]);

        /* Kill after a varying number of acknowledged registrations (round 0: at once, maybe
        ** during the open), then a varying delay, to land at varying points of a commit. */
        int kill_after = round == 0 ? 0 : rand() % (KILL_PER_ROUND / 2);
        useconds_t delay_us = (useconds_t)(rand() % 3000);
        FILE *in = fdopen(fds[0], "r");
        assert_non_null(in);
        char line[64];
        int seen = 0;
        bool sent = false;
        if (kill_after == 0) {
            usleep(delay_us);
            kill(pid, SIGKILL);
            sent = true;
        }
        /* Read to the end: codes written before the kill are still in the pipe, and they were
        ** acknowledged too. */
        while (fgets(line, sizeof line, in)) {
            line[strcspn(line, "\n")] = '\0';
            assert_true(n_codes < MAX_CODES);
            assert_true(strlen(line) > 0 && strlen(line) < BORNE_SHORT_CODE_MAX);
            snprintf(codes[n_codes++], BORNE_SHORT_CODE_MAX, "%s", line);
            if (!sent && ++seen >= kill_after) {
                usleep(delay_us);
                kill(pid, SIGKILL);
                sent = true;
            }
        }
        fclose(in);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (WIFSIGNALED(status)) {
            assert_int_equal(WTERMSIG(status), SIGKILL);
            killed++;
        } else {
            /* Finished before the kill: it must have succeeded at everything. */
            assert_true(WIFEXITED(status));
            assert_int_equal(WEXITSTATUS(status), 0);
        }
        assert_consistent(fx->path, codes, n_codes);
    }
    int64_t in_db = sql_int(fx->path, "SELECT count(*) FROM registrations", NULL);
    print_message("%d of %d children killed, %zu acknowledged codes checked, %lld committed but "
                  "killed before they were reported\n",
                  killed, KILL_ROUNDS, n_codes, (long long)(in_db - (int64_t)n_codes));
    assert_true(killed >= KILL_ROUNDS / 2);
    assert_true(n_codes > 0);
    free(codes);
}

/* A kill during the very first open (file creation, migration, device id) leaves a file that
** the next open completes. */
static void test_kill9_during_first_open(void **state)
{
    struct fx *fx = *state;
    unsigned seed = (unsigned)time(NULL);
    print_message("kill -9 during first open, seed %u\n", seed);
    srand(seed);
    int killed = 0;
    for (int round = 0; round < 20; round++) {
        const char *suffixes[] = {"", "-wal", "-shm", "-journal"};
        for (size_t k = 0; k < sizeof suffixes / sizeof suffixes[0]; k++) {
            char side[160];
            snprintf(side, sizeof side, "%s%s", fx->path, suffixes[k]);
            unlink(side);
        }
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            struct store *st = NULL;
            _exit(store_open(fx->path, &st, NULL, 0) == BORNE_OK ? 0 : 3);
        }
        /* Round 0 kills at once; later rounds let the open get further. */
        usleep((useconds_t)(rand() % (round * 250 + 1)));
        kill(pid, SIGKILL);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (WIFEXITED(status))
            assert_int_equal(WEXITSTATUS(status), 0);
        else
            killed++;

        struct store *st = NULL;
        char msg[256];
        enum borne_err err = store_open(fx->path, &st, msg, sizeof msg);
        if (err != BORNE_OK)
            print_error("round %d: %s\n", round, msg);
        assert_int_equal(err, BORNE_OK);
        assert_int_equal(strlen(store_device_id(st)), 36);
        assert_int_equal(store_check(st), BORNE_OK);
        store_close(st);
        /* Every migration went through, whatever instant the previous open was killed at. */
        assert_int_equal(sql_int(fx->path, "PRAGMA user_version", NULL), 3);
        assert_int_equal(
            sql_int(fx->path, "SELECT count(*) FROM meta WHERE key = 'device_seq'", NULL), 1);
        assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM print_jobs", NULL), 0);
    }
    print_message("%d of 20 first opens killed before they finished\n", killed);
    assert_true(killed > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_missing_folder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_garbage_is_corrupt_and_untouched, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_open_newer_schema_is_refused_untouched, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_open_locked_is_busy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disk_full_loses_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill9_loses_nothing_acknowledged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill9_during_first_open, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
