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

#define GUARD_S 120
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

static void uri_of(struct fake_printer *f, struct printer_uri *u)
{
    char text[96], why[160];
    fake_printer_uri(f, text, sizeof text);
    if (printer_uri_parse(text, u, why, sizeof why) != BORNE_OK)
        fail_msg("%s: %s", text, why);
}

static int setup_guard(void **state)
{
    (void)state;
    alarm(GUARD_S);
    return 0;
}

static int teardown_guard(void **state)
{
    (void)state;
    alarm(0);
    return 0;
}

static void test_unplugged_mid_job(void **state)
{
    (void)state;
    enum { CUT = 100000 };
    struct fake_printer f;
    assert_int_equal(fake_printer_start(&f, FAKE_UNPLUG_AFTER, CUT), 0);
    struct printer_uri u;
    uri_of(&f, &u);

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

/* What the worker reported, for the test below. */
struct faults_box {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct printer_report r;
    int n;
};

static void faults_collect(void *ctx, const struct printer_report *r)
{
    struct faults_box *b = ctx;
    pthread_mutex_lock(&b->mu);
    b->r = *r;
    b->n++;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

static void test_unplugged_mid_job_reported_by_worker(void **state)
{
    (void)state;
    struct fake_printer f;
    assert_int_equal(fake_printer_start(&f, FAKE_UNPLUG_AFTER, 5000), 0);
    struct printer_uri u;
    uri_of(&f, &u);

    struct faults_box box = {.n = 0};
    pthread_mutex_init(&box.mu, NULL);
    pthread_cond_init(&box.cv, NULL);
    struct printer_worker *w = NULL;
    assert_int_equal(printer_worker_start(&u, faults_collect, &box, &w), BORNE_OK);

    uint8_t *job = random_job(BIG);
    assert_int_equal(printer_worker_submit(w, 77, job, BIG), BORNE_OK);
    free(job);
    pthread_mutex_lock(&box.mu);
    while (box.n == 0)
        pthread_cond_wait(&box.cv, &box.mu); /* the alarm guards this wait */
    pthread_mutex_unlock(&box.mu);
    printer_worker_stop(w);

    assert_int_equal(box.n, 1);
    assert_int_equal(box.r.job_id, 77);
    assert_int_equal(box.r.err, BORNE_ERR_IO);
    assert_int_equal(box.r.status.state, PRINTER_OFFLINE);
    assert_contains(box.r.status.detail, "of 16777216 bytes");
    pthread_cond_destroy(&box.cv);
    pthread_mutex_destroy(&box.mu);
    fake_printer_stop(&f);
}

static void test_stalled_printer_times_out(void **state)
{
    (void)state;
    struct fake_printer f;
    assert_int_equal(fake_printer_start(&f, FAKE_STALL, 0), 0);
    struct printer_uri u;
    uri_of(&f, &u);

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
    assert_int_equal(fake_printer_start(&f, FAKE_READY, 0), 0);
    struct printer_uri u;
    uri_of(&f, &u);

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
    uri_of(&f, &u);
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
    char dir[] = "/tmp/borne-printer-XXXXXX", path[96], text[128], why[160];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/lp0", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    snprintf(text, sizeof text, "usb:%s", path);
    struct printer_uri u;
    assert_int_equal(printer_uri_parse(text, &u, why, sizeof why), BORNE_OK);

    /* The node was there when the address was read; udev removed it since. */
    assert_int_equal(unlink(path), 0);
    struct printer_status st;
    assert_int_equal(printer_query(&u, 1000, &st), BORNE_OK);
    assert_int_equal(st.state, PRINTER_OFFLINE);
    assert_contains(st.detail, "not plugged in");
    uint8_t job[] = "ticket";
    assert_int_equal(printer_send(&u, job, 6, 1000, &st), BORNE_ERR_IO);
    assert_int_equal(st.state, PRINTER_OFFLINE);
    assert_contains(st.detail, "not plugged in");
    assert_int_equal(access(path, F_OK), -1); /* nothing was created in its place */
    support_remove_dir(dir);
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

    char dir[] = "/tmp/borne-printer-XXXXXX", path[96], text[128], why[160];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/pipe", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    snprintf(text, sizeof text, "file:%s", path);
    struct printer_uri u;
    assert_int_equal(printer_uri_parse(text, &u, why, sizeof why), BORNE_OK);

    struct quitter q = {.fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
    assert_true(q.fd >= 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, quitter_main, &q), 0);

    size_t n = 1u << 20;
    uint8_t *job = random_job(n);
    struct printer_status st;
    enum borne_err err = printer_send(&u, job, n, 30000, &st);
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
    assert_int_equal(printer_send(&u, job, 100, 30000, &st), BORNE_ERR_IO);
    assert_int_equal(st.state, PRINTER_OFFLINE);
    free(job);
    support_remove_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unplugged_mid_job, setup_guard, teardown_guard),
        cmocka_unit_test_setup_teardown(test_unplugged_mid_job_reported_by_worker, setup_guard,
                                        teardown_guard),
        cmocka_unit_test_setup_teardown(test_stalled_printer_times_out, setup_guard,
                                        teardown_guard),
        cmocka_unit_test_setup_teardown(test_large_job_intact, setup_guard, teardown_guard),
        cmocka_unit_test_setup_teardown(test_large_job_intact_over_pty, setup_guard,
                                        teardown_guard),
        cmocka_unit_test_setup_teardown(test_vanished_device, setup_guard, teardown_guard),
        cmocka_unit_test_setup_teardown(test_reader_gone_no_sigpipe, setup_guard, teardown_guard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
