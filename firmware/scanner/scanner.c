/* The scanner reader thread. See scanner.h.
**
** One thread, one poll() over the open sources and an eventfd that scanner_stop() writes to.
** A closed source (never opened, or lost) sets the poll timeout to its next try, so the thread
** sleeps until a byte, a retry or the order to stop: no polling loop while all is quiet. */
#include "scanner/scanner.h"
#include "clock/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* Reads per source per wake-up: a device that never stops sending must not keep the thread
** from seeing scanner_stop() or the other source. poll() says at once that more is waiting. */
#define READS_PER_WAKE 64

/* Lines about dropped scans per source and minute; more are counted, not logged. */
#define SCANNER_DROP_LOGS_PER_MIN 10

struct source {
    enum scan_source kind; /* SCAN_SOURCE_EVDEV or SCAN_SOURCE_SERIAL */
    char path[256];
    int fd;                /* -1 while closed */
    bool failing;          /* a failure was logged and it has not been open since */
    bool ever_open;        /* it was open once: the next open is "back", not "opened" */
    int64_t retry_at_ms;   /* closed: when to try opening it again */
    struct scan_keys keys; /* evdev decoder */
    struct scan_line line; /* serial decoder */
    /* evdev: the start of a record that a FIFO split (a real evdev device never does). */
    uint8_t pend[sizeof(struct input_event)];
    size_t pend_len;
    /* Drop lines logged in the current minute, and those left out (see deliver()). */
    int64_t drops_since_ms;
    int drops_logged, drops_hidden;
};

struct scanner {
    scanner_scan_fn on_scan;
    scanner_log_fn on_log;
    void *ctx;
    speed_t speed;    /* serial baud rate as termios wants it */
    int gap_reset_ms; /* resolved: 0 = no limit */
    int retry_ms;     /* resolved */
    int wake_fd;      /* eventfd: readable once scanner_stop() wants the thread to leave */
    pthread_t thread;
    struct source src[2];
    int n_src;
};

__attribute__((format(printf, 2, 3))) static void say(struct scanner *s, const char *fmt, ...)
{
    if (!s->on_log)
        return;
    char line[640];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    s->on_log(s->ctx, line);
}

static const char *kind_name(const struct source *src)
{
    return src->kind == SCAN_SOURCE_EVDEV ? "evdev" : "serial";
}

static bool speed_of(int baud, speed_t *out)
{
    static const struct {
        int baud;
        speed_t speed;
    } speeds[] = {{1200, B1200},   {2400, B2400},     {4800, B4800},
                  {9600, B9600},   {19200, B19200},   {38400, B38400},
                  {57600, B57600}, {115200, B115200}, {230400, B230400}};
    for (size_t i = 0; i < sizeof speeds / sizeof speeds[0]; i++)
        if (speeds[i].baud == baud) {
            *out = speeds[i].speed;
            return true;
        }
    return false;
}

/* ---- opening and losing a source ----------------------------------------------------------- */

/* The source could not be opened: one log line for a run of failures, not one per try. */
static void open_failed(struct scanner *s, struct source *src, const char *what, int err,
                        int64_t now)
{
    if (!src->failing)
        say(s, "%s %s: %s: %s; trying again every %d ms", kind_name(src), src->path, what,
            strerror(err), s->retry_ms);
    src->failing = true;
    src->retry_at_ms = now + s->retry_ms;
}

static void lost(struct scanner *s, struct source *src, const char *why, int64_t now)
{
    close(src->fd);
    src->fd = -1;
    say(s, "%s %s: lost (%s); trying again every %d ms", kind_name(src), src->path, why,
        s->retry_ms);
    src->failing = true;
    src->retry_at_ms = now + s->retry_ms;
}

/* Raw mode: no echo, no line editing, no CR/LF translation, 8 bits, the receiver on, modem
** lines ignored (a scanner has none). A ttyACM (USB CDC) takes the baud rate and ignores it. */
static int set_raw(int fd, speed_t speed)
{
    struct termios t;
    if (tcgetattr(fd, &t) != 0)
        return -1;
    cfmakeraw(&t);
    t.c_cflag |= CLOCAL | CREAD;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (cfsetispeed(&t, speed) != 0 || cfsetospeed(&t, speed) != 0)
        return -1;
    return tcsetattr(fd, TCSANOW, &t);
}

static void try_open(struct scanner *s, struct source *src, int64_t now)
{
    /* O_NONBLOCK: the thread must never sleep anywhere but in poll(). Read-only: nothing is
    ** ever written to a scanner. O_NOCTTY: a tty must not become the kiosk's terminal. */
    int fd = open(src->path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        open_failed(s, src, "cannot open", errno, now);
        return;
    }
    char note[160] = "";
    if (src->kind == SCAN_SOURCE_EVDEV) {
        /* The grab keeps the scanner's keys from the window and the console, where they would
        ** be typed in the system's layout. Not an evdev device (a FIFO in tests): read as is. */
        if (ioctl(fd, EVIOCGRAB, (void *)1) != 0) {
            int e = errno;
            if (e == ENOTTY || e == EINVAL)
                snprintf(note, sizeof note, " (not an evdev device: read without a grab)");
            else if (e == EBUSY)
                snprintf(note, sizeof note,
                         " (grabbed by another program: its keys may reach it as well)");
            else
                snprintf(note, sizeof note, " (no grab: %s)", strerror(e));
        }
        scan_keys_init(&src->keys, s->gap_reset_ms);
        src->pend_len = 0;
    } else {
        if (set_raw(fd, s->speed) != 0) {
            int e = errno;
            if (e != ENOTTY && e != EINVAL) {
                close(fd);
                open_failed(s, src, "cannot set raw mode", e, now);
                return;
            }
            snprintf(note, sizeof note, " (not a tty: read as is)");
        }
        scan_line_init(&src->line, s->gap_reset_ms);
    }
    src->fd = fd;
    say(s, "%s %s: %s%s", kind_name(src), src->path, src->ever_open ? "back" : "opened", note);
    src->failing = false;
    src->ever_open = true;
}

/* ---- reading ------------------------------------------------------------------------------- */

static void deliver(struct scanner *s, struct source *src, enum scan_result r, const char *out,
                    const char *why, int64_t now)
{
    if (r == SCAN_DONE) {
        s->on_scan(s->ctx, src->kind, out);
        return;
    }
    if (r != SCAN_DROPPED)
        return;
    /* A serial line at the wrong baud rate, or a device gone mad, drops lines all day: the
    ** first few of each minute say what is going on; the rest are counted, and the count is
    ** told with the first drop of a later minute. */
    if (now - src->drops_since_ms >= 60000) {
        if (src->drops_hidden > 0)
            say(s, "%s %s: %d more scans dropped and not logged", kind_name(src), src->path,
                src->drops_hidden);
        src->drops_since_ms = now;
        src->drops_logged = 0;
        src->drops_hidden = 0;
    }
    if (src->drops_logged >= SCANNER_DROP_LOGS_PER_MIN) {
        src->drops_hidden++;
        return;
    }
    src->drops_logged++;
    if (out[0])
        say(s, "%s %s: scan dropped (%s); it began \"%s\"", kind_name(src), src->path,
            why ? why : "?", out);
    else
        say(s, "%s %s: scan dropped (%s)", kind_name(src), src->path, why ? why : "?");
}

/* Read what is there (up to READS_PER_WAKE reads). false if the source was lost. */
static bool read_some(struct scanner *s, struct source *src, uint8_t *buf, size_t cap, size_t keep,
                      ssize_t *got)
{
    for (;;) {
        *got = read(src->fd, buf + keep, cap - keep);
        if (*got > 0)
            return true;
        if (*got < 0 && errno == EINTR)
            continue;
        if (*got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return true;
        /* EOF (a FIFO's writer left, a hung-up tty), ENODEV (evdev unplugged), EIO (tty
        ** unplugged, pty master closed), or anything else: close and try again later. */
        lost(s, src, *got == 0 ? "end of file" : strerror(errno), clock_mono_ms());
        return false;
    }
}

/* Nothing to read, yet poll() said hung up or in error: a device that would otherwise wake
** the thread in a loop. Taken as unplugged. */
static void hung_up(struct scanner *s, struct source *src, int n_reads, bool hup)
{
    if (n_reads == 0 && hup)
        lost(s, src, "hung up", clock_mono_ms());
}

static void read_evdev(struct scanner *s, struct source *src, bool hup)
{
    uint8_t buf[64 * sizeof(struct input_event)];
    char out[SCAN_MAX];
    for (int n = 0; n < READS_PER_WAKE; n++) {
        memcpy(buf, src->pend, src->pend_len);
        ssize_t got;
        if (!read_some(s, src, buf, sizeof buf, src->pend_len, &got))
            return;
        if (got < 0) { /* nothing more for now */
            hung_up(s, src, n, hup);
            return;
        }
        int64_t now = clock_mono_ms();
        size_t have = src->pend_len + (size_t)got, off = 0;
        while (have - off >= sizeof(struct input_event)) {
            struct input_event ev;
            memcpy(&ev, buf + off, sizeof ev);
            off += sizeof ev;
            const char *why;
            enum scan_result r =
                scan_keys_feed(&src->keys, ev.type, ev.code, ev.value, now, out, &why);
            deliver(s, src, r, out, why, now);
        }
        src->pend_len = have - off;
        memcpy(src->pend, buf + off, src->pend_len);
    }
}

static void read_serial(struct scanner *s, struct source *src, bool hup)
{
    uint8_t buf[4096];
    char out[SCAN_MAX];
    for (int n = 0; n < READS_PER_WAKE; n++) {
        ssize_t got;
        if (!read_some(s, src, buf, sizeof buf, 0, &got))
            return;
        if (got < 0) {
            hung_up(s, src, n, hup);
            return;
        }
        int64_t now = clock_mono_ms();
        size_t off = 0;
        while (off < (size_t)got) {
            enum scan_result r;
            const char *why;
            off += scan_line_feed(&src->line, buf + off, (size_t)got - off, now, &r, out, &why);
            deliver(s, src, r, out, why, now);
        }
    }
}

static void *reader_main(void *arg)
{
    struct scanner *s = arg;
    for (;;) {
        struct pollfd pfd[3];
        struct source *polled[3];
        int nfds = 1, timeout = -1;
        pfd[0] = (struct pollfd){.fd = s->wake_fd, .events = POLLIN};
        polled[0] = NULL;
        int64_t now = clock_mono_ms();
        for (int i = 0; i < s->n_src; i++) {
            struct source *src = &s->src[i];
            if (src->fd < 0 && now >= src->retry_at_ms)
                try_open(s, src, now);
            if (src->fd < 0) {
                int64_t wait = src->retry_at_ms - now;
                if (wait < 0)
                    wait = 0;
                if (timeout < 0 || wait < timeout)
                    timeout = (int)wait;
                continue;
            }
            pfd[nfds] = (struct pollfd){.fd = src->fd, .events = POLLIN};
            polled[nfds++] = src;
        }
        if (poll(pfd, (nfds_t)nfds, timeout) < 0) {
            if (errno == EINTR)
                continue;
            say(s, "poll failed: %s; stopping the scanner reader", strerror(errno));
            break;
        }
        if (pfd[0].revents)
            break;
        for (int i = 1; i < nfds; i++) {
            if (!pfd[i].revents)
                continue;
            /* POLLHUP or POLLERR: the read says what happened (data first, then EOF/EIO). */
            bool hup = (pfd[i].revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
            if (polled[i]->kind == SCAN_SOURCE_EVDEV)
                read_evdev(s, polled[i], hup);
            else
                read_serial(s, polled[i], hup);
        }
    }
    return NULL;
}

/* ---- start and stop ------------------------------------------------------------------------ */

static bool terminated(const char *field, size_t cap)
{
    return memchr(field, '\0', cap) != NULL;
}

enum borne_err scanner_start(const struct scanner_config *cfg, scanner_scan_fn on_scan,
                             scanner_log_fn on_log, void *ctx, struct scanner **out)
{
    if (out)
        *out = NULL;
    if (!cfg || !on_scan || !out)
        return BORNE_ERR_INVALID;
    if (!terminated(cfg->evdev_path, sizeof cfg->evdev_path) ||
        !terminated(cfg->serial_path, sizeof cfg->serial_path))
        return BORNE_ERR_INVALID;
    if (!cfg->evdev_path[0] && !cfg->serial_path[0])
        return BORNE_ERR_INVALID;
    int baud = cfg->serial_baud ? cfg->serial_baud : 9600;
    speed_t speed;
    if (!speed_of(baud, &speed)) {
        if (on_log) {
            char line[160];
            snprintf(line, sizeof line,
                     "serial baud rate %d is not supported (1200 to 230400): no scanner reader",
                     cfg->serial_baud);
            on_log(ctx, line);
        }
        return BORNE_ERR_INVALID;
    }

    struct scanner *s = calloc(1, sizeof *s);
    if (!s)
        return BORNE_ERR_NOMEM;
    s->on_scan = on_scan;
    s->on_log = on_log;
    s->ctx = ctx;
    s->speed = speed;
    s->gap_reset_ms = cfg->gap_reset_ms == 0  ? SCANNER_GAP_RESET_MS
                      : cfg->gap_reset_ms < 0 ? 0
                                              : cfg->gap_reset_ms;
    s->retry_ms = cfg->retry_ms > 0 ? cfg->retry_ms : SCANNER_RETRY_MS;
    const char *paths[2] = {cfg->evdev_path, cfg->serial_path};
    const enum scan_source kinds[2] = {SCAN_SOURCE_EVDEV, SCAN_SOURCE_SERIAL};
    for (int i = 0; i < 2; i++) {
        if (!paths[i][0])
            continue;
        struct source *src = &s->src[s->n_src++];
        src->kind = kinds[i];
        snprintf(src->path, sizeof src->path, "%s", paths[i]);
        src->fd = -1;
        src->retry_at_ms = 0;                /* open at once */
        src->drops_since_ms = INT64_MIN / 2; /* far enough back: the first minute starts */
    }

    s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (s->wake_fd < 0) {
        free(s);
        return BORNE_ERR_INTERNAL;
    }
    /* Created with every signal blocked: the thread inherits the mask, so SIGINT and SIGTERM
    ** reach the kiosk's main loop. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&s->thread, NULL, reader_main, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        close(s->wake_fd);
        free(s);
        return BORNE_ERR_INTERNAL;
    }
    *out = s;
    return BORNE_OK;
}

void scanner_stop(struct scanner *s)
{
    if (!s)
        return;
    uint64_t one = 1;
    while (write(s->wake_fd, &one, sizeof one) < 0 && errno == EINTR)
        ;
    pthread_join(s->thread, NULL);
    for (int i = 0; i < s->n_src; i++)
        if (s->src[i].fd >= 0)
            close(s->src[i].fd);
    close(s->wake_fd);
    free(s);
}
