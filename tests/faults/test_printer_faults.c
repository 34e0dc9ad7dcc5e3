/* Fault tests of firmware/printer: a printer unplugged mid-job, a printer that takes a
** connection and then nothing, a large job that must arrive byte for byte, a device node that
** vanished, and a reader that goes away while a job is written to it (SIGPIPE must not kill the
** kiosk, and this test does not ignore SIGPIPE on its behalf).
**
** Timeouts are guards: alarm() kills a test that hangs; nothing asserts how long a step took. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "printer/printer.h"
#include "printer/printer_worker.h"

#include "fake_printer.h"
#include "support.h"
#include "support_printer.h"

#define WAIT_MS 30000
#define BIG (16u * 1024u * 1024u) /* larger than loopback's send buffer can swallow */

static uint8_t *random_job(size_t n)
{
    uint8_t *b = malloc(n);
    assert_non_null(b);
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(b + got, n - got, 0);
        assert_true(r > 0 || errno == EINTR);
        if (r > 0)
            got += (size_t)r;
    }
    for (size_t i = 0; i < n; i++)
        if (b[i] == 0x10) /* DLE: see fake_printer.h */
            b[i] = 0x11;
    return b;
}

static void test_unplugged_mid_job(void **state)
{
    (void)state;
    enum { CUT = 100000 };
    struct fake_printer f;
    struct printer_uri u;
    fake_start(&f, FAKE_UNPLUG_AFTER, CUT, &u);

    uint8_t *job = random_job(BIG);
    struct printer_status st;
    enum borne_err err = printer_send(&u, job, BIG, 60000, &st);
    assert_int_equal(err, BORNE_ERR_IO);
    assert_int_equal(st.state, PRINTER_OFFLINE);
    /* The detail tells staff how far the job got. */
    assert_contains(st.detail, "of 16777216 bytes");
    assert_contains(st.detail, "connection lost");
    assert_true(fake_printer_wait_closed(&f, 1, WAIT_MS));
    assert_true(fake_printer_recorded(&f, job, CUT));

    /* Unplugged stays unplugged: the next job is refused before a byte is sent. */
    err = printer_send(&u, job, 1000, 60000, &st);
    assert_int_equal(err, BORNE_ERR_IO);
    assert_int_equal(st.state, PRINTER_OFFLINE);
    assert_contains(st.detail, "refused");
    assert_int_equal(fake_printer_len(&f), CUT);
    free(job);
    fake_printer_stop(&f);
}

static void test_unplugged_mid_job_reported_by_worker(void **state)
{
    (void)state;
    struct fake_printer f;
    struct printer_uri u;
    fake_start(&f, FAKE_UNPLUG_AFTER, 5000, &u);

    struct collector c;
    collector_init(&c);
    struct printer_worker *w = NULL;
    assert_int_equal(printer_worker_start(&u, collect, &c, &w), BORNE_OK);

    uint8_t *job = random_job(BIG);
    assert_int_equal(printer_worker_submit(w, 77, job, BIG), BORNE_OK);
    free(job);
    assert_int_equal(collector_wait(&c, 1, WAIT_MS), 1);
    printer_worker_stop(w);

    assert_int_equal(c.n, 1);
    assert_int_equal(c.r[0].job_id, 77);
    assert_int_equal(c.r[0].err, BORNE_ERR_IO);
    assert_int_equal(c.r[0].status.state, PRINTER_OFFLINE);
    assert_contains(c.r[0].status.detail, "of 16777216 bytes");
    collector_deinit(&c);
    fake_printer_stop(&f);
}

static void test_stalled_printer_times_out(void **state)
{
    (void)state;
    struct fake_printer f;
    struct printer_uri u;
    fake_start(&f, FAKE_STALL, 0, &u);

    uint8_t *job = random_job(BIG);
    struct printer_status st;
    enum borne_err err = printer_send(&u, job, BIG, 1500, &st);
    assert_int_equal(err, BORNE_ERR_IO);
    assert_int_equal(st.state, PRINTER_ERROR);
    assert_contains(st.detail, "timed out");
    assert_contains(st.detail, "of 16777216 bytes");
    free(job);

    /* A status query to the stalled printer ends too, with no answer. */
    assert_int_equal(printer_query(&u, 300, &st), BORNE_OK);
    assert_int_equal(st.state, PRINTER_UNKNOWN);
    fake_printer_stop(&f);
}

static void test_large_job_intact(void **state)
{
    (void)state;
    struct fake_printer f;
    struct printer_uri u;
    fake_start(&f, FAKE_READY, 0, &u);

    size_t n = 1u << 20;
    uint8_t *job = random_job(n);
    struct printer_status st;
    enum borne_err err = printer_send(&u, job, n, 60000, &st);
    if (err != BORNE_OK)
        fail_msg("%s: %s", borne_err_str(err), st.detail);
    assert_int_equal(st.state, PRINTER_READY);
    assert_true(fake_printer_wait_closed(&f, 1, WAIT_MS));
    assert_true(fake_printer_recorded(&f, job, n));
    free(job);
    fake_printer_stop(&f);
}

static void test_large_job_intact_over_pty(void **state)
{
    (void)state;
    struct fake_printer f;
    if (fake_printer_start_pty(&f, FAKE_READY) != 0) {
        fake_printer_stop(&f);
        skip();
    }
    struct printer_uri u;
    fake_uri(&f, &u);
    size_t n = 1u << 20;
    uint8_t *job = random_job(n);
    struct printer_status st;
    enum borne_err err = printer_send(&u, job, n, 60000, &st);
    if (err != BORNE_OK)
        fail_msg("%s: %s", borne_err_str(err), st.detail);
    assert_int_equal(fake_printer_wait_len(&f, n, WAIT_MS), n);
    assert_true(fake_printer_recorded(&f, job, n));
    free(job);
    fake_printer_stop(&f);
}

static void test_vanished_device(void **state)
{
    (void)state;
    struct printer_dir d;
    printer_dir_make(&d, "usb", "lp0", true);

    /* The node was there when the address was read; udev removed it since. */
    assert_int_equal(unlink(d.path), 0);
    struct printer_status st;
    assert_int_equal(printer_query(&d.u, 1000, &st), BORNE_OK);
    assert_int_equal(st.state, PRINTER_OFFLINE);
    assert_contains(st.detail, "not plugged in");
    uint8_t job[] = "ticket";
    assert_int_equal(printer_send(&d.u, job, 6, 1000, &st), BORNE_ERR_IO);
    assert_int_equal(st.state, PRINTER_OFFLINE);
    assert_contains(st.detail, "not plugged in");
    assert_int_equal(access(d.path, F_OK), -1); /* nothing was created in its place */
    support_remove_dir(d.dir);
}

/* A reader that takes a little and goes away, as a printer unplugged mid-job. */
struct quitter {
    int fd;
    size_t took;
};

static void *quitter_main(void *arg)
{
    struct quitter *q = arg;
    uint8_t buf[4096];
    while (q->took < 10000) {
        struct pollfd p = {.fd = q->fd, .events = POLLIN};
        if (poll(&p, 1, 10000) <= 0)
            break;
        ssize_t r = read(q->fd, buf, sizeof buf);
        if (r <= 0)
            break;
        q->took += (size_t)r;
    }
    close(q->fd);
    return NULL;
}

static void test_reader_gone_no_sigpipe(void **state)
{
    (void)state;
    /* SIGPIPE keeps its default action (death) here: the transport must cope by itself. */
    struct sigaction sa;
    assert_int_equal(sigaction(SIGPIPE, NULL, &sa), 0);
    assert_true(sa.sa_handler == SIG_DFL);

    struct printer_dir d;
    printer_dir_make(&d, "file", "pipe", true);

    struct quitter q = {.fd = open(d.path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
    assert_true(q.fd >= 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, quitter_main, &q), 0);

    size_t n = 1u << 20;
    uint8_t *job = random_job(n);
    struct printer_status st;
    enum borne_err err = printer_send(&d.u, job, n, 30000, &st);
    pthread_join(t, NULL);
    assert_int_equal(err, BORNE_ERR_IO);
    assert_int_equal(st.state, PRINTER_OFFLINE);
    assert_contains(st.detail, "of 1048576 bytes");

    /* Still alive, and no SIGPIPE left pending to kill us later. */
    sigset_t pending;
    sigemptyset(&pending);
    assert_int_equal(sigpending(&pending), 0);
    assert_false(sigismember(&pending, SIGPIPE));

    /* With no reader at all, the open fails at once instead of blocking. */
    assert_int_equal(printer_send(&d.u, job, 100, 30000, &st), BORNE_ERR_IO);
    assert_int_equal(st.state, PRINTER_OFFLINE);
    free(job);
    support_remove_dir(d.dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unplugged_mid_job, support_guard_setup,
                                        support_guard_teardown),
        cmocka_unit_test_setup_teardown(test_unplugged_mid_job_reported_by_worker,
                                        support_guard_setup, support_guard_teardown),
        cmocka_unit_test_setup_teardown(test_stalled_printer_times_out, support_guard_setup,
                                        support_guard_teardown),
        cmocka_unit_test_setup_teardown(test_large_job_intact, support_guard_setup,
                                        support_guard_teardown),
        cmocka_unit_test_setup_teardown(test_large_job_intact_over_pty, support_guard_setup,
                                        support_guard_teardown),
        cmocka_unit_test_setup_teardown(test_vanished_device, support_guard_setup,
                                        support_guard_teardown),
        cmocka_unit_test_setup_teardown(test_reader_gone_no_sigpipe, support_guard_setup,
                                        support_guard_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
