/* Unit tests of firmware/printer: printer addresses, the status byte, the file transport, the
** tcp transport against a fake network printer (tests/fake_printer.h), the usb transport on a
** pty standing in for a usblp device and on a FIFO nobody reads, and the print worker.
**
** No timed assertions: timeouts are guards (alarm() kills a test that hangs), and where a test
** needs the printer to stall it makes it stall for real (a FIFO's 64 KiB, a fake that never
** reads) rather than counting on the clock. */
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
#include <sys/stat.h>
#include <unistd.h>

#include "printer/printer.h"
#include "printer/printer_worker.h"

#include "fake_printer.h"
#include "support.h"
#include "support_printer.h"

#define WAIT_MS 30000 /* guard of waits on the fake */

/* Job bytes that vary and never contain 0x10, the first byte of DLE EOT (see fake_printer.h). */
static uint8_t *make_job(size_t n, unsigned seed)
{
    uint8_t *b = malloc(n);
    assert_non_null(b);
    for (size_t i = 0; i < n; i++) {
        b[i] = (uint8_t)(i * 131u + seed * 17u + (i >> 8));
        if (b[i] == 0x10)
            b[i] = 0x11;
    }
    return b;
}

/* ---- printer_uri_parse ---------------------------------------------------------------------- */

static void test_uri_good(void **state)
{
    (void)state;
    struct printer_uri u;

    parse_ok("usb:/dev/usb/lp0", &u);
    assert_int_equal(u.kind, PRINTER_USB);
    assert_string_equal(u.path, "/dev/usb/lp0");
    assert_string_equal(u.host, "");
    assert_int_equal(u.port, 0);

    parse_ok("tcp:192.168.1.50:9100", &u);
    assert_int_equal(u.kind, PRINTER_TCP);
    assert_string_equal(u.host, "192.168.1.50");
    assert_int_equal(u.port, 9100);
    assert_string_equal(u.path, "");

    parse_ok("tcp:printer-1.atelier.lan:1", &u);
    assert_string_equal(u.host, "printer-1.atelier.lan");
    assert_int_equal(u.port, 1);

    parse_ok("tcp:[fd00::50]:65535", &u);
    assert_int_equal(u.kind, PRINTER_TCP);
    assert_string_equal(u.host, "fd00::50");
    assert_int_equal(u.port, 65535);

    parse_ok("tcp:[fe80::1%eth0]:9100", &u);
    assert_string_equal(u.host, "fe80::1%eth0");

    parse_ok("file:tickets.bin", &u);
    assert_int_equal(u.kind, PRINTER_FILE);
    assert_string_equal(u.path, "tickets.bin");

    parse_ok("none", &u);
    assert_int_equal(u.kind, PRINTER_NONE);
    parse_ok("NONE", &u);
    assert_int_equal(u.kind, PRINTER_NONE);
    parse_ok("TCP:h:7", &u);
    assert_int_equal(u.kind, PRINTER_TCP);
    assert_string_equal(u.host, "h");

    /* The longest path that fits: 255 bytes. */
    char text[300], path[256];
    memset(path, 'p', 255);
    path[0] = '/';
    path[255] = '\0';
    snprintf(text, sizeof text, "usb:%s", path);
    parse_ok(text, &u);
    assert_string_equal(u.path, path);

    /* The longest host that fits: 127 bytes. */
    char host[128];
    memset(host, 'h', 127);
    host[127] = '\0';
    snprintf(text, sizeof text, "tcp:%s:9100", host);
    parse_ok(text, &u);
    assert_string_equal(u.host, host);

    /* why may be NULL, and so may out (a check only). */
    assert_int_equal(printer_uri_parse("none", &u, NULL, 0), BORNE_OK);
    assert_int_equal(printer_uri_parse("usb:/dev/usb/lp0", NULL, NULL, 0), BORNE_OK);
}

static void test_uri_bad(void **state)
{
    (void)state;
    static char long_path[400], long_host[200], huge[10000];
    memset(long_path, 0, sizeof long_path);
    strcpy(long_path, "usb:/");
    memset(long_path + 5, 'x', 255); /* a path of 256 bytes */
    memset(long_host, 0, sizeof long_host);
    strcpy(long_host, "tcp:");
    memset(long_host + 4, 'h', 128);
    strcat(long_host, ":9100");
    memset(huge, 'a', sizeof huge - 1);
    memcpy(huge, "file:", 5);
    huge[sizeof huge - 1] = '\0';

    static const struct {
        const char *text;
        const char *why; /* a word the reason must have */
    } cases[] = {
        {"", "no printer address"},
        {"tcp:host", "port"},
        {"tcp:host:", "port"},
        {"tcp:host:0", "port"},
        {"tcp:host:70000", "port"},
        {"tcp:host:99999999999", "port"},
        {"tcp:host:91x0", "port"},
        {"tcp:host:-1", "port"},
        {"tcp:host:+1", "port"},
        {"tcp::9100", "host"},
        {"tcp:", "port"},
        {"tcp:fd00::50:9100", "brackets"},
        {"tcp:[fd00::50]9100", "port"},
        {"tcp:[fd00::50", "]"},
        {"tcp:[]:9100", "host"},
        {"tcp:[printer]:9100", "IPv6"},
        {"tcp://host:9100", "//"},
        {"tcp:ho st:9100", "character"},
        {"tcp:h/ost:9100", "character"},
        {"usb:", "path"},
        {"usb:dev/usb/lp0", "absolute"},
        {"file:", "path"},
        {"lpr:/dev/lp0", "unknown printer type \"lpr\""},
        {"nonesuch", "unknown printer type"},
        {"none ", "unknown printer type"},
        {"/dev/usb/lp0", "unknown printer type"},
        {"usb:/dev/usb/lp0\n", "control character"},
        {"file:/tmp/a\tb", "control character"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct printer_uri u;
        char why[160];
        memset(&u, 0x5A, sizeof u);
        memset(why, 0, sizeof why);
        if (printer_uri_parse(cases[i].text, &u, why, sizeof why) != BORNE_ERR_INVALID)
            fail_msg("\"%s\" was accepted", cases[i].text);
        if (!strstr(why, cases[i].why))
            fail_msg("\"%s\": reason \"%s\" does not say \"%s\"", cases[i].text, why, cases[i].why);
        /* Refused means zeroed: nothing half-parsed reaches a caller that ignores the result. */
        assert_int_equal(u.kind, PRINTER_NONE);
        assert_int_equal(u.port, 0);
        assert_int_equal(u.path[0], '\0');
        assert_int_equal(u.host[0], '\0');
    }

    const char *too_long[] = {long_path, long_host, huge};
    for (size_t i = 0; i < 3; i++) {
        struct printer_uri u;
        char why[160] = "";
        assert_int_equal(printer_uri_parse(too_long[i], &u, why, sizeof why), BORNE_ERR_INVALID);
        assert_contains(why, "too long");
        assert_int_equal(u.kind, PRINTER_NONE);
    }

    /* NULL text; a tiny reason buffer is cut and terminated; no reason buffer at all. */
    struct printer_uri u;
    char small[8];
    memset(small, 'Z', sizeof small);
    assert_int_equal(printer_uri_parse(NULL, &u, small, sizeof small), BORNE_ERR_INVALID);
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_int_equal(printer_uri_parse("tcp:host", &u, NULL, 0), BORNE_ERR_INVALID);
    assert_int_equal(printer_uri_parse("tcp:host", &u, small, 0), BORNE_ERR_INVALID);
}

/* ---- status byte and names ------------------------------------------------------------------ */

static void test_status_decode(void **state)
{
    (void)state;
    assert_int_equal(printer_status_decode(0x12), PRINTER_READY);
    assert_int_equal(printer_status_decode(0x1E), PRINTER_PAPER_LOW);
    assert_int_equal(printer_status_decode(0x16), PRINTER_PAPER_LOW); /* one near-end bit */
    assert_int_equal(printer_status_decode(0x72), PRINTER_PAPER_OUT);
    assert_int_equal(printer_status_decode(0x7E), PRINTER_PAPER_OUT); /* out wins over low */
    assert_int_equal(printer_status_decode(0x32), PRINTER_PAPER_OUT);
    /* Not status bytes: fixed bits wrong. */
    static const uint8_t bad[] = {0x00, 0xFF, 0x10, 0x04, 0x02, 0x13, 0x92, 0x7F, 0xF2, 0x6C};
    for (size_t i = 0; i < sizeof bad; i++)
        if (printer_status_decode(bad[i]) != PRINTER_UNKNOWN)
            fail_msg("0x%02X taken for a status byte", bad[i]);
    /* Exactly one byte in 16 has the fixed bits right. */
    int valid = 0;
    for (int b = 0; b < 256; b++)
        valid += printer_status_decode((uint8_t)b) != PRINTER_UNKNOWN;
    assert_int_equal(valid, 16);
}

static void test_state_str(void **state)
{
    (void)state;
    const char *seen[PRINTER_DISABLED + 1];
    for (int s = PRINTER_UNKNOWN; s <= PRINTER_DISABLED; s++) {
        seen[s] = printer_state_str((enum printer_state)s);
        assert_non_null(seen[s]);
        assert_true(strlen(seen[s]) > 0);
        for (int k = 0; k < s; k++)
            assert_string_not_equal(seen[k], seen[s]);
    }
    assert_string_equal(printer_state_str(PRINTER_PAPER_LOW), "paper low");
    assert_non_null(printer_state_str((enum printer_state)99));
}

/* ---- file and none -------------------------------------------------------------------------- */

static void test_file_appends(void **state)
{
    (void)state;
    struct printer_dir d;
    printer_dir_make(&d, "file", "tickets.bin", false);

    struct printer_status st;
    assert_int_equal(printer_query(&d.u, 1000, &st), BORNE_OK);
    assert_int_equal(st.state, PRINTER_READY);

    uint8_t *a = make_job(3000, 1), *b = make_job(777, 2);
    assert_int_equal(printer_send(&d.u, a, 3000, 5000, &st), BORNE_OK);
    assert_int_equal(st.state, PRINTER_READY);
    assert_contains(st.detail, "3000 bytes");
    assert_int_equal(printer_send(&d.u, b, 777, 5000, &st), BORNE_OK);

    FILE *f = fopen(d.path, "rb");
    assert_non_null(f);
    static uint8_t got[8192];
    size_t n = fread(got, 1, sizeof got, f);
    fclose(f);
    assert_int_equal(n, 3777);
    assert_memory_equal(got, a, 3000);
    assert_memory_equal(got + 3000, b, 777);

    free(a);
    free(b);
    support_remove_dir(d.dir);
}

static void test_file_missing_folder(void **state)
{
    (void)state;
    struct printer_uri u;
    parse_ok("file:/tmp/borne-no-such-folder-4711/tickets.bin", &u);
    struct printer_status st;
    assert_int_equal(printer_query(&u, 1000, &st), BORNE_OK);
    assert_int_equal(st.state, PRINTER_OFFLINE);
    assert_contains(st.detail, "borne-no-such-folder-4711");

    uint8_t job[] = "hello";
    assert_int_equal(printer_send(&u, job, 5, 1000, &st), BORNE_ERR_IO);
    assert_int_equal(st.state, PRINTER_OFFLINE);
    assert_int_equal(access("/tmp/borne-no-such-folder-4711", F_OK), -1);

    /* A folder given as the file. */
    parse_ok("file:/tmp", &u);
    assert_int_equal(printer_query(&u, 1000, &st), BORNE_OK);
    assert_int_equal(st.state, PRINTER_OFFLINE);
    assert_int_equal(printer_send(&u, job, 5, 1000, &st), BORNE_ERR_IO);
}

static void test_file_disk_full(void **state)
{
    (void)state;
    if (access("/dev/full", W_OK) != 0)
        skip();
    struct printer_uri u;
    parse_ok("file:/dev/full", &u);
    struct printer_status st;
    uint8_t *job = make_job(4096, 3);
    assert_int_equal(printer_send(&u, job, 4096, 1000, &st), BORNE_ERR_DISK_FULL);
    assert_int_equal(st.state, PRINTER_ERROR);
    assert_contains(st.detail, "disk full");
    free(job);
}

static void test_none_and_bad_arguments(void **state)
{
    (void)state;
    struct printer_uri u;
    struct printer_status st;
    parse_ok("none", &u);
    assert_int_equal(printer_query(&u, 1000, &st), BORNE_OK);
    assert_int_equal(st.state, PRINTER_DISABLED);
    uint8_t job[] = {1, 2, 3};
    assert_int_equal(printer_send(&u, job, 3, 1000, &st), BORNE_OK);
    assert_int_equal(st.state, PRINTER_DISABLED);

    assert_int_equal(printer_send(&u, NULL, 3, 1000, &st), BORNE_ERR_INVALID);
    assert_int_equal(printer_send(&u, job, 0, 1000, &st), BORNE_ERR_INVALID);
    assert_int_equal(printer_send(&u, job, (size_t)PRINTER_JOB_MAX + 1, 1000, &st),
                     BORNE_ERR_INVALID);
    assert_int_equal(printer_send(NULL, job, 3, 1000, &st), BORNE_ERR_INVALID);
    assert_int_equal(printer_send(&u, job, 3, 1000, NULL), BORNE_ERR_INVALID);
    assert_int_equal(printer_query(NULL, 1000, &st), BORNE_ERR_INVALID);
    u.kind = (enum printer_kind)42;
    assert_int_equal(printer_query(&u, 1000, &st), BORNE_ERR_INVALID);
    assert_int_equal(printer_send(&u, job, 3, 1000, &st), BORNE_ERR_INVALID);
}

/* ---- tcp against the fake ------------------------------------------------------------------- */

static void tcp_job(enum fake_mode mode, enum borne_err want_err, enum printer_state want_state,
                    bool want_printed)
{
    struct fake_printer f;
    struct printer_uri u;
    fake_start(&f, mode, 0, &u);

    struct printer_status st;
    assert_int_equal(printer_query(&u, 5000, &st), BORNE_OK);
    assert_int_equal(st.state, want_state);
    assert_true(fake_printer_wait_closed(&f, 1, WAIT_MS));

    size_t n = 20000;
    uint8_t *job = make_job(n, (unsigned)mode);
    enum borne_err err = printer_send(&u, job, n, 20000, &st);
    if (err != want_err || st.state != want_state)
        fail_msg("mode %d: %s / %s (%s)", (int)mode, borne_err_str(err),
                 printer_state_str(st.state), st.detail);
    assert_true(fake_printer_wait_closed(&f, 2, WAIT_MS));
    if (want_printed) {
        assert_true(fake_printer_recorded(&f, job, n));
        /* The query of printer_query, then the first and the closing query of the job. */
        assert_int_equal(fake_printer_queries(&f), 3);
    } else {
        assert_true(fake_printer_recorded(&f, NULL, 0));
        assert_int_equal(fake_printer_queries(&f), 2);
    }
    free(job);
    fake_printer_stop(&f);
}

static void test_tcp_ready(void **state)
{
    (void)state;
    tcp_job(FAKE_READY, BORNE_OK, PRINTER_READY, true);
}

static void test_tcp_paper_low(void **state)
{
    (void)state;
    tcp_job(FAKE_PAPER_LOW, BORNE_OK, PRINTER_PAPER_LOW, true);
}

static void test_tcp_paper_out(void **state)
{
    (void)state;
    tcp_job(FAKE_PAPER_OUT, BORNE_ERR_IO, PRINTER_PAPER_OUT, false);
}

static void test_tcp_off(void **state)
{
    (void)state;
    struct fake_printer f;
    struct printer_uri u;
    fake_start(&f, FAKE_OFF, 0, &u);

    /* Long timeouts on purpose: "refused" in the detail shows the answer came from the
    ** refusal, not from running out of time. */
    struct printer_status st;
    assert_int_equal(printer_query(&u, 60000, &st), BORNE_OK);
    assert_int_equal(st.state, PRINTER_OFFLINE);
    assert_contains(st.detail, "refused");
    uint8_t job[] = "ticket";
    assert_int_equal(printer_send(&u, job, 6, 60000, &st), BORNE_ERR_IO);
    assert_int_equal(st.state, PRINTER_OFFLINE);
    assert_contains(st.detail, "refused");
    fake_printer_stop(&f);
}

static void test_tcp_silent(void **state)
{
    (void)state;
    struct fake_printer f;
    struct printer_uri u;
    fake_start(&f, FAKE_SILENT, 0, &u);

    struct printer_status st;
    assert_int_equal(printer_query(&u, 300, &st), BORNE_OK);
    assert_int_equal(st.state, PRINTER_UNKNOWN);
    assert_contains(st.detail, "no answer");
    assert_true(fake_printer_wait_closed(&f, 1, WAIT_MS));

    size_t n = 5000;
    uint8_t *job = make_job(n, 9);
    struct printer_timeouts t = {.connect_ms = 5000, .status_ms = 200, .job_ms = 20000};
    assert_int_equal(printer_send_with(&u, job, n, &t, &st), BORNE_OK);
    assert_int_equal(st.state, PRINTER_UNKNOWN);
    assert_true(fake_printer_wait_closed(&f, 2, WAIT_MS));
    assert_true(fake_printer_recorded(&f, job, n));
    /* A printer that did not answer the first query is not asked again after the job. */
    assert_int_equal(fake_printer_queries(&f), 2);
    free(job);
    fake_printer_stop(&f);
}

static void test_tcp_unresolvable(void **state)
{
    (void)state;
    struct printer_uri u;
    parse_ok("tcp:borne-no-such-host.invalid:9100", &u);
    struct printer_status st;
    assert_int_equal(printer_query(&u, 2000, &st), BORNE_OK);
    assert_int_equal(st.state, PRINTER_OFFLINE);
}

/* ---- usb on a pty and on a FIFO ------------------------------------------------------------- */

static void pty_job(enum fake_mode mode, enum borne_err want_err, enum printer_state want_state)
{
    struct fake_printer f;
    if (fake_printer_start_pty(&f, mode) != 0) {
        fake_printer_stop(&f);
        skip(); /* no /dev/ptmx in this container */
    }
    struct printer_uri u;
    fake_uri(&f, &u);
    assert_int_equal(u.kind, PRINTER_USB);

    struct printer_status st;
    assert_int_equal(printer_query(&u, 5000, &st), BORNE_OK);
    assert_int_equal(st.state, want_state);

    size_t n = 10000;
    uint8_t *job = make_job(n, 5);
    enum borne_err err = printer_send(&u, job, n, 20000, &st);
    if (err != want_err || st.state != want_state)
        fail_msg("pty mode %d: %s / %s (%s)", (int)mode, borne_err_str(err),
                 printer_state_str(st.state), st.detail);
    if (want_err == BORNE_OK) {
        assert_int_equal(fake_printer_wait_len(&f, n, WAIT_MS), n);
        assert_true(fake_printer_recorded(&f, job, n));
        assert_int_equal(fake_printer_queries(&f), 3);
    } else {
        /* Both queries were read by the fake, and nothing else was written before them. */
        FAKE_WAIT_UNTIL(&f, WAIT_MS, f.queries >= 2);
        assert_int_equal(fake_printer_queries(&f), 2);
        assert_true(fake_printer_recorded(&f, NULL, 0));
    }
    free(job);
    fake_printer_stop(&f);
}

static void test_usb_pty_ready(void **state)
{
    (void)state;
    pty_job(FAKE_READY, BORNE_OK, PRINTER_READY);
}

static void test_usb_pty_paper_low(void **state)
{
    (void)state;
    pty_job(FAKE_PAPER_LOW, BORNE_OK, PRINTER_PAPER_LOW);
}

static void test_usb_pty_paper_out(void **state)
{
    (void)state;
    pty_job(FAKE_PAPER_OUT, BORNE_ERR_IO, PRINTER_PAPER_OUT);
}

static void test_usb_fifo_times_out(void **state)
{
    (void)state;
    struct printer_dir d;
    printer_dir_make(&d, "usb", "lp0", true);

    /* A FIFO takes 64 KiB and nobody reads it: the job must end at its deadline. */
    size_t n = 1u << 20;
    uint8_t *job = make_job(n, 6);
    struct printer_status st;
    assert_int_equal(printer_send(&d.u, job, n, 600, &st), BORNE_ERR_IO);
    assert_int_equal(st.state, PRINTER_ERROR);
    assert_contains(st.detail, "timed out");
    assert_contains(st.detail, "of 1048576 bytes");
    free(job);
    support_remove_dir(d.dir);
}

static void test_usb_not_plugged(void **state)
{
    (void)state;
    struct printer_uri u;
    parse_ok("usb:/dev/usb/borne-no-such-lp9", &u);
    struct printer_status st;
    assert_int_equal(printer_query(&u, 1000, &st), BORNE_OK);
    assert_int_equal(st.state, PRINTER_OFFLINE);
    assert_contains(st.detail, "not plugged in");
    uint8_t job[] = "x";
    assert_int_equal(printer_send(&u, job, 1, 1000, &st), BORNE_ERR_IO);
    assert_int_equal(st.state, PRINTER_OFFLINE);
}

/* ---- the worker ----------------------------------------------------------------------------- */

static void test_worker_in_order(void **state)
{
    (void)state;
    struct fake_printer f;
    struct printer_uri u;
    fake_start(&f, FAKE_READY, 0, &u);

    struct collector c;
    collector_init(&c);
    struct printer_worker *w = NULL;
    assert_int_equal(printer_worker_start(&u, collect, &c, &w), BORNE_OK);
    assert_non_null(w);

    size_t sizes[3] = {1000, 20000, 3};
    uint8_t *jobs[3], *all = malloc(21003);
    assert_non_null(all);
    size_t off = 0;
    for (int i = 0; i < 3; i++) {
        jobs[i] = make_job(sizes[i], (unsigned)i + 20);
        memcpy(all + off, jobs[i], sizes[i]);
        off += sizes[i];
        assert_int_equal(printer_worker_submit(w, 101 + i, jobs[i], sizes[i]), BORNE_OK);
        free(jobs[i]); /* copied by submit */
    }
    printer_worker_poll(w);
    printer_worker_poll(w); /* coalesced with the first */
    assert_int_equal(collector_wait(&c, 4, WAIT_MS), 4);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(c.r[i].job_id, 101 + i);
        assert_int_equal(c.r[i].err, BORNE_OK);
        assert_int_equal(c.r[i].status.state, PRINTER_READY);
    }
    assert_int_equal(c.r[3].job_id, 0);
    assert_int_equal(c.r[3].err, BORNE_OK);
    assert_int_equal(c.r[3].status.state, PRINTER_READY);

    printer_worker_stop(w);
    assert_int_equal(c.n, 4);
    assert_true(fake_printer_wait_closed(&f, 4, WAIT_MS));
    assert_true(fake_printer_recorded(&f, all, 21003));
    free(all);
    collector_deinit(&c);
    fake_printer_stop(&f);
}

static void test_worker_queue_full(void **state)
{
    (void)state;
    struct printer_dir d;
    printer_dir_make(&d, "file", "t.bin", false);

    /* The first report holds the worker, so the queue fills up deterministically. */
    struct collector c;
    collector_init(&c);
    c.hold_first = true;
    struct printer_worker *w = NULL;
    assert_int_equal(printer_worker_start(&d.u, collect, &c, &w), BORNE_OK);
    uint8_t job[] = {'T', '\n'};
    assert_int_equal(printer_worker_submit(w, 1, job, 2), BORNE_OK);
    assert_int_equal(collector_wait(&c, 1, WAIT_MS), 1);
    for (int i = 0; i < PRINTER_QUEUE_MAX; i++)
        assert_int_equal(printer_worker_submit(w, 2 + i, job, 2), BORNE_OK);
    assert_int_equal(printer_worker_submit(w, 99, job, 2), BORNE_ERR_BUSY);

    /* Bad submissions change nothing. */
    assert_int_equal(printer_worker_submit(w, 98, NULL, 2), BORNE_ERR_INVALID);
    assert_int_equal(printer_worker_submit(w, 98, job, 0), BORNE_ERR_INVALID);
    assert_int_equal(printer_worker_submit(NULL, 98, job, 2), BORNE_ERR_INVALID);

    pthread_mutex_lock(&c.mu);
    c.released = true;
    pthread_cond_broadcast(&c.cv);
    pthread_mutex_unlock(&c.mu);
    assert_int_equal(collector_wait(&c, 1 + PRINTER_QUEUE_MAX, WAIT_MS), 1 + PRINTER_QUEUE_MAX);
    printer_worker_stop(w);
    assert_int_equal(c.n, 1 + PRINTER_QUEUE_MAX);
    for (int i = 0; i <= PRINTER_QUEUE_MAX; i++) {
        assert_int_equal(c.r[i].job_id, 1 + i);
        assert_int_equal(c.r[i].err, BORNE_OK);
    }
    collector_deinit(&c);
    support_remove_dir(d.dir);
}

static void test_worker_stop_with_jobs_pending(void **state)
{
    (void)state;
    struct printer_dir d;
    printer_dir_make(&d, "usb", "lp0", true);

    /* Every job stalls on the FIFO until its timeout: stop must not wait for all of them. */
    struct collector c;
    collector_init(&c);
    struct printer_worker *w = NULL;
    struct printer_timeouts t = {.connect_ms = 200, .status_ms = 50, .job_ms = 300};
    assert_int_equal(printer_worker_start_with(&d.u, &t, collect, &c, &w), BORNE_OK);
    size_t n = 256 * 1024;
    uint8_t *job = make_job(n, 7);
    for (int i = 0; i < 8; i++)
        assert_int_equal(printer_worker_submit(w, 1 + i, job, n), BORNE_OK);
    printer_worker_poll(w);
    printer_worker_stop(w);
    /* At most the job in progress was reported, and as failed. */
    assert_true(c.n <= 1);
    if (c.n == 1) {
        assert_int_equal(c.r[0].job_id, 1);
        assert_int_equal(c.r[0].err, BORNE_ERR_IO);
    }
    printer_worker_stop(NULL);
    printer_worker_poll(NULL);
    free(job);
    collector_deinit(&c);
    support_remove_dir(d.dir);
}

static void test_worker_bad_start(void **state)
{
    (void)state;
    struct printer_uri u;
    parse_ok("none", &u);
    struct printer_worker *w = (struct printer_worker *)&u;
    assert_int_equal(printer_worker_start(NULL, collect, NULL, &w), BORNE_ERR_INVALID);
    assert_null(w);
    w = (struct printer_worker *)&u;
    assert_int_equal(printer_worker_start(&u, NULL, NULL, &w), BORNE_ERR_INVALID);
    assert_null(w);
    assert_int_equal(printer_worker_start(&u, collect, NULL, NULL), BORNE_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uri_good),
        cmocka_unit_test(test_uri_bad),
        cmocka_unit_test(test_status_decode),
        cmocka_unit_test(test_state_str),
        cmocka_unit_test_setup_teardown(test_file_appends, support_guard_setup,
                                        support_guard_teardown),
        cmocka_unit_test_setup_teardown(test_file_missing_folder, support_guard_setup,
                                        support_guard_teardown),
        cmocka_unit_test_setup_teardown(test_file_disk_full, support_guard_setup,
                                        support_guard_teardown),
        cmocka_unit_test_setup_teardown(test_none_and_bad_arguments, support_guard_setup,
                                        support_guard_teardown),
        cmocka_unit_test_setup_teardown(test_tcp_ready, support_guard_setup,
                                        support_guard_teardown),
        cmocka_unit_test_setup_teardown(test_tcp_paper_low, support_guard_setup,
                                        support_guard_teardown),
        cmocka_unit_test_setup_teardown(test_tcp_paper_out, support_guard_setup,
                                        support_guard_teardown),
        cmocka_unit_test_setup_teardown(test_tcp_off, support_guard_setup, support_guard_teardown),
        cmocka_unit_test_setup_teardown(test_tcp_silent, support_guard_setup,
                                        support_guard_teardown),
        cmocka_unit_test_setup_teardown(test_tcp_unresolvable, support_guard_setup,
                                        support_guard_teardown),
        cmocka_unit_test_setup_teardown(test_usb_pty_ready, support_guard_setup,
                                        support_guard_teardown),
        cmocka_unit_test_setup_teardown(test_usb_pty_paper_low, support_guard_setup,
                                        support_guard_teardown),
        cmocka_unit_test_setup_teardown(test_usb_pty_paper_out, support_guard_setup,
                                        support_guard_teardown),
        cmocka_unit_test_setup_teardown(test_usb_fifo_times_out, support_guard_setup,
                                        support_guard_teardown),
        cmocka_unit_test_setup_teardown(test_usb_not_plugged, support_guard_setup,
                                        support_guard_teardown),
        cmocka_unit_test_setup_teardown(test_worker_in_order, support_guard_setup,
                                        support_guard_teardown),
        cmocka_unit_test_setup_teardown(test_worker_queue_full, support_guard_setup,
                                        support_guard_teardown),
        cmocka_unit_test_setup_teardown(test_worker_stop_with_jobs_pending, support_guard_setup,
                                        support_guard_teardown),
        cmocka_unit_test(test_worker_bad_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
