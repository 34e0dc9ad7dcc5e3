/* Fault tests of firmware/scanner: the real reader thread on real file descriptors.
**
**   - an evdev scanner through a FIFO: struct input_event records as the kernel writes them, in
**     bursts cut anywhere, with pauses (the grab fails with ENOTTY, which must not matter);
**   - a serial scanner through a pty (the real tty layer: raw mode must be applied), with
**     binary garbage, a slow scanner, a pause in the middle of a scan, a 100 KiB burst;
**   - unplugging and plugging back: the FIFO deleted and its writer gone, then made again;
**     a device missing at start; one log line when lost and one when back;
**   - scanner_stop() while a device is open and idle, or missing.
**
** Timeouts are guards: alarm() kills a test that hangs and waits for a scan give up after
** WAIT_MS; nothing asserts how long a step took. The sleeps that make a pause longer than the
** gap can only be longer than asked, which keeps them on the safe side. */
/* posix_openpt(), grantpt(), unlockpt(), ptsname(): the pty that stands in for a serial line. */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "scanner/scanner.h"

#include "support.h"

#define WAIT_MS 20000
#define GAP_MS 1000 /* the default gap, used by these tests */

/* ---- what the reader reported -------------------------------------------------------------- */

#define MAX_SCANS 16
#define MAX_LOGS 128

struct box {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int n_scans;
    char scans[MAX_SCANS][SCAN_MAX];
    enum scan_source src[MAX_SCANS];
    int n_logs;
    char logs[MAX_LOGS][256];
};

static void box_init(struct box *b)
{
    memset(b, 0, sizeof *b);
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
}

static void box_deinit(struct box *b)
{
    pthread_cond_destroy(&b->cv);
    pthread_mutex_destroy(&b->mu);
}

static void on_scan(void *ctx, enum scan_source src, const char *code)
{
    struct box *b = ctx;
    pthread_mutex_lock(&b->mu);
    if (b->n_scans < MAX_SCANS) {
        snprintf(b->scans[b->n_scans], SCAN_MAX, "%s", code);
        b->src[b->n_scans] = src;
    }
    b->n_scans++;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

static void on_log(void *ctx, const char *line)
{
    struct box *b = ctx;
    fprintf(stderr, "  scanner: %s\n", line);
    pthread_mutex_lock(&b->mu);
    if (b->n_logs < MAX_LOGS)
        snprintf(b->logs[b->n_logs], sizeof b->logs[0], "%s", line);
    b->n_logs++;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

static int count_logs_locked(struct box *b, const char *needle)
{
    int n = 0;
    for (int i = 0; i < b->n_logs && i < MAX_LOGS; i++)
        n += strstr(b->logs[i], needle) != NULL;
    return n;
}

static int count_logs(struct box *b, const char *needle)
{
    pthread_mutex_lock(&b->mu);
    int n = count_logs_locked(b, needle);
    pthread_mutex_unlock(&b->mu);
    return n;
}

static int scans_so_far(struct box *b)
{
    pthread_mutex_lock(&b->mu);
    int n = b->n_scans;
    pthread_mutex_unlock(&b->mu);
    return n;
}

static void deadline_in(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Wait (up to WAIT_MS, a guard) until n scans came. */
static bool wait_scans(struct box *b, int n)
{
    struct timespec until;
    deadline_in(&until, WAIT_MS);
    pthread_mutex_lock(&b->mu);
    int rc = 0;
    while (b->n_scans < n && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&b->cv, &b->mu, &until);
    bool ok = b->n_scans >= n;
    pthread_mutex_unlock(&b->mu);
    return ok;
}

/* Wait until at least n log lines contain needle. */
static bool wait_logs(struct box *b, const char *needle, int n)
{
    struct timespec until;
    deadline_in(&until, WAIT_MS);
    pthread_mutex_lock(&b->mu);
    int rc = 0;
    while (count_logs_locked(b, needle) < n && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&b->cv, &b->mu, &until);
    bool ok = count_logs_locked(b, needle) >= n;
    pthread_mutex_unlock(&b->mu);
    return ok;
}

/* The scan number i, checked against what was sent. */
static void assert_scan(struct box *b, int i, const char *want, enum scan_source src)
{
    if (!wait_scans(b, i + 1))
        fail_msg("scan %d did not come (%d so far)", i, scans_so_far(b));
    pthread_mutex_lock(&b->mu);
    assert_string_equal(b->scans[i], want);
    assert_int_equal(b->src[i], src);
    pthread_mutex_unlock(&b->mu);
}

/* No log line shows more of a ticket than its first SCAN_PREVIEW_MAX characters. */
static void assert_logs_keep_secret(struct box *b, const char *payload)
{
    char head[SCAN_PREVIEW_MAX + 2];
    memcpy(head, payload, SCAN_PREVIEW_MAX + 1); /* payloads are longer than that */
    head[SCAN_PREVIEW_MAX + 1] = '\0';
    assert_int_equal(count_logs(b, head), 0);
}

/* ---- inputs -------------------------------------------------------------------------------- */

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void write_all(int fd, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            fail_msg("write: %s", strerror(errno));
        p += w;
        n -= (size_t)w;
    }
}

/* Key code of a payload character on a US keyboard (letters and digits are all it holds). */
static int key_of(char c)
{
    static const struct {
        int first;
        const char *keys;
    } rows[] = {
        {KEY_1, "1234567890"}, {KEY_Q, "QWERTYUIOP"}, {KEY_A, "ASDFGHJKL"}, {KEY_Z, "ZXCVBNM"}};
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        const char *p = strchr(rows[r].keys, c);
        if (p)
            return rows[r].first + (int)(p - rows[r].keys);
    }
    fail_msg("no key for '%c'", c);
    return 0;
}

static size_t put_event(struct input_event *evs, size_t n, int type, int code, int value)
{
    memset(&evs[n], 0, sizeof evs[n]);
    evs[n].type = (uint16_t)type;
    evs[n].code = (uint16_t)code;
    evs[n].value = value;
    return n + 1;
}

static size_t put_key(struct input_event *evs, size_t n, int code, int value)
{
    n = put_event(evs, n, EV_MSC, MSC_SCAN, 0x70000 + code);
    n = put_event(evs, n, EV_KEY, code, value);
    return put_event(evs, n, EV_SYN, SYN_REPORT, 0);
}

/* The events a keyboard-mode scanner makes for text and Enter; returns how many. */
static size_t text_events(struct input_event *evs, const char *text)
{
    size_t n = 0;
    for (const char *p = text; *p; p++) {
        bool shift = *p >= 'A' && *p <= 'Z';
        if (shift)
            n = put_key(evs, n, KEY_LEFTSHIFT, 1);
        n = put_key(evs, n, key_of(*p), 1);
        n = put_key(evs, n, key_of(*p), 0);
        if (shift)
            n = put_key(evs, n, KEY_LEFTSHIFT, 0);
    }
    n = put_key(evs, n, KEY_ENTER, 1);
    return put_key(evs, n, KEY_ENTER, 0);
}

/* Write the events of text to fd in bursts of uneven sizes that cut records anywhere, with a
** short pause between bursts (a scanner's USB reports come every few milliseconds). */
static void type_into(int fd, const char *text)
{
    static struct input_event evs[4096];
    size_t n = text_events(evs, text);
    const uint8_t *bytes = (const uint8_t *)evs;
    size_t total = n * sizeof evs[0], off = 0;
    static const size_t sizes[] = {100, 37, 240, 1, 500, 23};
    for (int i = 0; off < total; i++) {
        size_t len = sizes[i % 6];
        if (len > total - off)
            len = total - off;
        write_all(fd, bytes + off, len);
        off += len;
        sleep_ms(2);
    }
}

/* Open a FIFO for writing once the reader has it open (ENXIO until then); a guard, not a
** timing. Returns a blocking descriptor. */
static int open_writer(const char *path)
{
    for (int tries = 0; tries < WAIT_MS / 10; tries++) {
        int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) {
            int fl = fcntl(fd, F_GETFL);
            assert_int_equal(fcntl(fd, F_SETFL, fl & ~O_NONBLOCK), 0);
            return fd;
        }
        if (errno != ENXIO && errno != ENOENT)
            fail_msg("open %s: %s", path, strerror(errno));
        sleep_ms(10);
    }
    fail_msg("nobody opened %s for reading", path);
    return -1;
}

struct tmp {
    char dir[64];
    char fifo[128];
};

static void tmp_make(struct tmp *t)
{
    snprintf(t->dir, sizeof t->dir, "/tmp/borne-scanner-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->fifo, sizeof t->fifo, "%s/scanner-event-kbd", t->dir);
    assert_int_equal(mkfifo(t->fifo, 0600), 0);
}

static struct scanner *start(struct box *b, const char *evdev, const char *serial, int retry_ms)
{
    struct scanner_config cfg;
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.evdev_path, sizeof cfg.evdev_path, "%s", evdev ? evdev : "");
    snprintf(cfg.serial_path, sizeof cfg.serial_path, "%s", serial ? serial : "");
    cfg.retry_ms = retry_ms;
    struct scanner *s = NULL;
    assert_int_equal(scanner_start(&cfg, on_scan, on_log, b, &s), BORNE_OK);
    assert_non_null(s);
    return s;
}

/* Type payload number seed into the evdev FIFO w: it must come out whole, as scan i. */
static void scan_typed(struct box *b, int w, int i, char *payload, unsigned seed)
{
    support_make_payload(payload, seed);
    type_into(w, payload);
    assert_scan(b, i, payload, SCAN_SOURCE_EVDEV);
}

/* Send payload number seed on fd as a line ended by eol: it must come out whole, as scan i. */
static void scan_line(struct box *b, int fd, int i, char *payload, unsigned seed, const char *eol)
{
    char line[256];
    support_make_payload(payload, seed);
    snprintf(line, sizeof line, "%s%s", payload, eol);
    write_all(fd, line, strlen(line));
    assert_scan(b, i, payload, SCAN_SOURCE_SERIAL);
}

/* A pty master; its slave (ptsname()) stands in for a serial scanner's tty. */
static int pty_master(void)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    return master;
}

/* ---- evdev through a FIFO ------------------------------------------------------------------ */

static void test_evdev_fifo(void **state)
{
    (void)state;
    struct tmp t;
    tmp_make(&t);
    struct box b;
    box_init(&b);
    struct scanner *s = start(&b, t.fifo, NULL, 100);
    assert_true(wait_logs(&b, "opened (not an evdev device", 1));
    int w = open_writer(t.fifo);

    char payload[200];
    scan_typed(&b, w, 0, payload, 1);

    /* Autorepeats, stray releases and a spoiled line in between: only the good scan. */
    static struct input_event evs[64];
    size_t n = 0;
    n = put_key(evs, n, KEY_X, 0);
    n = put_key(evs, n, KEY_A, 1);
    n = put_key(evs, n, KEY_F5, 1);
    n = put_key(evs, n, KEY_ENTER, 1);
    write_all(w, evs, n * sizeof evs[0]);
    scan_typed(&b, w, 1, payload, 2);
    assert_int_equal(scans_so_far(&b), 2);
    assert_true(wait_logs(&b, "scan dropped (" SCAN_WHY_UNKNOWN_KEY "); it began \"a\"", 1));

    scanner_stop(s);
    close(w);
    assert_logs_keep_secret(&b, payload);
    box_deinit(&b);
    support_remove_dir(t.dir);
}

/* ---- serial through a pty ------------------------------------------------------------------ */

/* Random bytes cut into three lines, each holding a byte above 0x7F: garbage as a wrong baud
** rate gives, which must never come out as a scan (a line of printable noise would be one). */
static size_t make_garbage(uint8_t *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(buf + got, n - got, 0);
        assert_true(r > 0 || errno == EINTR);
        if (r > 0)
            got += (size_t)r;
    }
    for (size_t i = 0; i < n; i++)
        if (buf[i] == '\r' || buf[i] == '\n')
            buf[i] = 0xFF;
    buf[0] |= 0x80;
    buf[n / 3] = '\n';
    buf[n / 3 + 1] |= 0x80;
    buf[2 * n / 3] = '\r';
    buf[2 * n / 3 + 1] |= 0x80;
    buf[n] = '\r';
    buf[n + 1] = '\n';
    return n + 2;
}

static void test_serial_pty(void **state)
{
    (void)state;
    int master = pty_master();
    char slave[128];
    snprintf(slave, sizeof slave, "%s", ptsname(master));

    struct box b;
    box_init(&b);
    struct scanner *s = start(&b, NULL, slave, 100);
    assert_true(wait_logs(&b, "opened", 1));
    assert_int_equal(count_logs(&b, "not a tty"), 0);

    /* Raw mode on the real tty layer: no line editing, no CR to LF, 9600 baud. The master
    ** shares the slave's settings. */
    struct termios tio;
    assert_int_equal(tcgetattr(master, &tio), 0);
    assert_int_equal(tio.c_lflag & (ICANON | ECHO | ISIG), 0);
    assert_int_equal(tio.c_iflag & (ICRNL | IXON | ISTRIP), 0);
    assert_int_equal(tio.c_cflag & CSIZE, CS8);
    assert_int_equal(cfgetispeed(&tio), B9600);

    char payload[200];
    int i = 0;

    /* A scan, CRLF. */
    scan_line(&b, master, i++, payload, 10, "\r\n");

    /* Binary garbage, then a valid line: only the valid one. Scans come in order, so any
    ** garbage that came out would be before it. */
    static uint8_t garbage[4096 + 2];
    size_t g = make_garbage(garbage, 4096);
    write_all(master, garbage, g);
    scan_line(&b, master, i++, payload, 11, "\r");
    assert_int_equal(scans_so_far(&b), i);
    assert_true(wait_logs(&b, SCAN_WHY_NOT_ASCII, 3));

    /* A slow scanner: 20 ms a character, well under the gap. */
    support_make_payload(payload, 12);
    for (const char *p = payload; *p; p++) {
        write_all(master, p, 1);
        sleep_ms(20);
    }
    write_all(master, "\n", 1);
    assert_scan(&b, i++, payload, SCAN_SOURCE_SERIAL);

    /* A pause longer than the gap in the middle: the half scan is dropped, not glued to the
    ** next. */
    write_all(master, "B1HALFREAD", 10);
    sleep_ms(GAP_MS + 500);
    scan_line(&b, master, i++, payload, 13, "\r\n");
    assert_true(wait_logs(&b, "(" SCAN_WHY_PAUSE "); it began \"B1HALFRE\"", 1));

    /* 100 KiB without an end of line: dropped; after a pause the next scan is whole. */
    enum { BURST = 100 * 1024 };
    static char burst[BURST + 2];
    for (int k = 0; k < BURST; k++)
        burst[k] = (char)('A' + k % 26);
    write_all(master, burst, BURST);
    sleep_ms(GAP_MS + 500);
    scan_line(&b, master, i++, payload, 14, "\r");
    assert_true(wait_logs(&b, SCAN_WHY_TOO_LONG, 1));

    /* The same burst ended by CRLF, and a scan right behind it. */
    burst[BURST] = '\r';
    burst[BURST + 1] = '\n';
    write_all(master, burst, BURST + 2);
    scan_line(&b, master, i++, payload, 15, "\r\n");
    assert_true(wait_logs(&b, SCAN_WHY_TOO_LONG, 2));
    assert_int_equal(scans_so_far(&b), i);

    /* Unplugged: the pty goes away (EOF or EIO on the slave). One line, and no crash. */
    close(master);
    assert_true(wait_logs(&b, "lost (", 1));
    scanner_stop(s);
    assert_int_equal(count_logs(&b, "lost ("), 1);
    assert_logs_keep_secret(&b, payload);
    box_deinit(&b);
}

static void test_serial_fifo(void **state)
{
    (void)state;
    /* Not a tty: tcsetattr's ENOTTY is noted and the bytes are read as they come. */
    struct tmp t;
    tmp_make(&t);
    struct box b;
    box_init(&b);
    struct scanner *s = start(&b, NULL, t.fifo, 100);
    assert_true(wait_logs(&b, "opened (not a tty", 1));
    int w = open_writer(t.fifo);
    write_all(w, "  B1FIFO  \n\r", 12);
    assert_scan(&b, 0, "B1FIFO", SCAN_SOURCE_SERIAL);

    /* A flood of bad lines: the log tells the first ten of the minute, scans still work. */
    for (int i = 0; i < 50; i++)
        write_all(w, "B1\x80\x01\r\n", 6);
    write_all(w, "B1AFTER\r\n", 9);
    assert_scan(&b, 1, "B1AFTER", SCAN_SOURCE_SERIAL);
    assert_int_equal(count_logs(&b, "scan dropped"), 10);
    assert_int_equal(count_logs(&b, "it began \"B1\""), 10);
    scanner_stop(s);
    close(w);
    box_deinit(&b);
    support_remove_dir(t.dir);
}

/* ---- unplug and plug back ------------------------------------------------------------------ */

static void test_unplug_replug(void **state)
{
    (void)state;
    struct tmp t;
    tmp_make(&t);
    struct box b;
    box_init(&b);
    struct scanner *s = start(&b, t.fifo, NULL, 100);
    assert_true(wait_logs(&b, "opened", 1));
    int w = open_writer(t.fifo);
    char payload[200];
    scan_typed(&b, w, 0, payload, 20);

    /* Unplugged: the device node goes, the reader sees the end of file. */
    assert_int_equal(unlink(t.fifo), 0);
    close(w);
    assert_true(wait_logs(&b, "lost (end of file)", 1));
    sleep_ms(500); /* a few tries at 100 ms find nothing: none of them is logged */

    /* Plugged back: a new node under the same name is picked up. */
    assert_int_equal(mkfifo(t.fifo, 0600), 0);
    w = open_writer(t.fifo);
    assert_true(wait_logs(&b, ": back", 1));
    scan_typed(&b, w, 1, payload, 21);

    /* The writer goes and comes back without the node going (a FIFO's EOF). */
    close(w);
    assert_true(wait_logs(&b, "lost (end of file)", 2));
    w = open_writer(t.fifo);
    assert_true(wait_logs(&b, ": back", 2));
    scan_typed(&b, w, 2, payload, 22);

    scanner_stop(s);
    close(w);
    assert_int_equal(count_logs(&b, "lost ("), 2);
    assert_int_equal(count_logs(&b, ": back"), 2);
    assert_int_equal(count_logs(&b, "cannot open"), 0);
    assert_int_equal(count_logs(&b, "opened"), 1);
    box_deinit(&b);
    support_remove_dir(t.dir);
}

static void test_missing_at_start(void **state)
{
    (void)state;
    struct tmp t;
    tmp_make(&t);
    assert_int_equal(unlink(t.fifo), 0);
    struct box b;
    box_init(&b);
    struct scanner *s = start(&b, t.fifo, NULL, 50);
    assert_true(wait_logs(&b, "cannot open", 1));
    sleep_ms(300); /* several tries, one line */
    assert_int_equal(count_logs(&b, "cannot open"), 1);
    assert_int_equal(count_logs(&b, "No such file"), 1);

    assert_int_equal(mkfifo(t.fifo, 0600), 0);
    int w = open_writer(t.fifo);
    assert_true(wait_logs(&b, "opened", 1));
    char payload[200];
    scan_typed(&b, w, 0, payload, 30);
    scanner_stop(s);
    close(w);
    box_deinit(&b);
    support_remove_dir(t.dir);
}

/* ---- stop ---------------------------------------------------------------------------------- */

static void test_stop_while_idle(void **state)
{
    (void)state;
    /* Both sources open, a writer on each, nothing sent: the thread sleeps in poll(). The
    ** guard alarm is what fails this test if stop hangs. */
    struct tmp t;
    tmp_make(&t);
    int master = pty_master();
    struct box b;
    box_init(&b);
    struct scanner *s = start(&b, t.fifo, ptsname(master), 100);
    assert_true(wait_logs(&b, "opened", 2));
    int w = open_writer(t.fifo);
    write_all(master, "B1PARTIAL", 9); /* a partial scan pending does not matter */
    sleep_ms(50);
    scanner_stop(s);
    assert_int_equal(scans_so_far(&b), 0);
    close(w);
    close(master);

    /* And while the device is missing and the thread waits for its next try. */
    assert_int_equal(unlink(t.fifo), 0);
    s = start(&b, t.fifo, NULL, 60000);
    assert_true(wait_logs(&b, "cannot open", 1));
    scanner_stop(s);
    scanner_stop(NULL);
    box_deinit(&b);
    support_remove_dir(t.dir);
}

static void test_start_refused(void **state)
{
    (void)state;
    struct box b;
    box_init(&b);
    struct scanner_config cfg;
    struct scanner *s = (struct scanner *)&b; /* must be cleared */
    memset(&cfg, 0, sizeof cfg);
    assert_int_equal(scanner_start(&cfg, on_scan, on_log, &b, &s), BORNE_ERR_INVALID);
    assert_null(s);

    snprintf(cfg.serial_path, sizeof cfg.serial_path, "/dev/ttyACM0");
    cfg.serial_baud = 12345;
    s = (struct scanner *)&b;
    assert_int_equal(scanner_start(&cfg, on_scan, on_log, &b, &s), BORNE_ERR_INVALID);
    assert_null(s);
    assert_int_equal(count_logs(&b, "baud rate 12345"), 1);

    cfg.serial_baud = 115200;
    assert_int_equal(scanner_start(&cfg, NULL, on_log, &b, &s), BORNE_ERR_INVALID);
    assert_null(s);
    assert_int_equal(scanner_start(NULL, on_scan, on_log, &b, &s), BORNE_ERR_INVALID);
    assert_int_equal(scanner_start(&cfg, on_scan, on_log, &b, NULL), BORNE_ERR_INVALID);

    memset(cfg.evdev_path, 'x', sizeof cfg.evdev_path); /* not terminated */
    assert_int_equal(scanner_start(&cfg, on_scan, on_log, &b, &s), BORNE_ERR_INVALID);
    assert_null(s);
    box_deinit(&b);
}

int main(void)
{
    /* The test writes to FIFOs whose reader may go; the kiosk itself never writes to them. */
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_evdev_fifo, support_guard_setup,
                                        support_guard_teardown),
        cmocka_unit_test_setup_teardown(test_serial_pty, support_guard_setup,
                                        support_guard_teardown),
        cmocka_unit_test_setup_teardown(test_serial_fifo, support_guard_setup,
                                        support_guard_teardown),
        cmocka_unit_test_setup_teardown(test_unplug_replug, support_guard_setup,
                                        support_guard_teardown),
        cmocka_unit_test_setup_teardown(test_missing_at_start, support_guard_setup,
                                        support_guard_teardown),
        cmocka_unit_test_setup_teardown(test_stop_while_idle, support_guard_setup,
                                        support_guard_teardown),
        cmocka_unit_test_setup_teardown(test_start_refused, support_guard_setup,
                                        support_guard_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
