/* A fake ESC/POS printer for the tests of firmware/printer. Header-only: each test is one
** program.
**
** It listens on 127.0.0.1 on a port the kernel picks (bind to port 0), or sits behind the
** master side of a pty that stands in for a usblp device, and runs in its own thread. It answers
** the real-time status queries DLE EOT 1..4 with the bytes an Epson printer would send in its
** mode, and records every other byte it receives, so that a test can compare the job exactly:
** the queries are taken out of the record, even when one arrives split across two reads. A job
** containing the bytes 10 04 01..04 would lose them too, as a real printer would act on them:
** test jobs avoid 0x10.
**
** Modes:
**   FAKE_READY        answers status 0x12
**   FAKE_PAPER_LOW    answers 0x1E (paper near end), still records the job
**   FAKE_PAPER_OUT    answers 0x72 (paper out); if bytes come anyway it records them
**   FAKE_SILENT       never answers status, records the job (many printers on port 9100)
**   FAKE_OFF          no listener: a connection is refused (tcp only)
**   FAKE_UNPLUG_AFTER answers 0x12, records `unplug_after` job bytes then resets the connection
**                     (SO_LINGER 0) and closes its listener: later connections are refused
**   FAKE_STALL        accepts and never reads (tcp) or never reads the pty: the sender's
**                     buffers fill up and it must time out
** In UNPLUG_AFTER and STALL modes the listener's receive buffer is made small, so that the
** kernel cannot swallow a large job whole and the sender is still writing when things go wrong.
*/
#ifndef BORNE_TESTS_FAKE_PRINTER_H
#define BORNE_TESTS_FAKE_PRINTER_H

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

enum fake_mode {
    FAKE_READY,
    FAKE_PAPER_LOW,
    FAKE_PAPER_OUT,
    FAKE_SILENT,
    FAKE_OFF,
    FAKE_UNPLUG_AFTER,
    FAKE_STALL,
};

#define FAKE_RECORD_MAX (64u * 1024u * 1024u) /* the record's hard maximum */
#define FAKE_STALL_MAX 8                      /* stalled connections kept open at once */

struct fake_printer {
    /* Set at start, then read-only. */
    size_t unplug_after;
    int port;            /* tcp: the port listened on (also in OFF mode: nobody listens) */
    bool pty;            /* the pty flavour */
    char slave_path[32]; /* pty: the device path to give as usb:PATH (/dev/pts/N) */
    int wake[2];         /* a byte on wake[1] stops the thread */
    pthread_t thread;
    bool running;

    /* The thread's own. */
    int listen_fd;  /* -1 when OFF, unplugged or pty */
    int client_fd;  /* the connection being served, or the pty master */
    int slave_keep; /* pty: a slave descriptor kept open so the master never sees a hang-up */
    int stalled[FAKE_STALL_MAX];
    int esc; /* bytes of DLE EOT held back: 0, 1 (DLE) or 2 (DLE EOT) */

    /* Guarded by mu. */
    pthread_mutex_t mu;
    pthread_cond_t changed;
    enum fake_mode mode;
    uint8_t *buf;
    size_t len, cap;
    bool overflow;     /* more than FAKE_RECORD_MAX bytes came */
    unsigned queries;  /* status queries received (answered or not) */
    unsigned accepted; /* connections accepted */
    unsigned closed;   /* connections ended (by the sender or by an unplug) */
    bool unplugged;
};

static inline uint8_t fake_status_byte(enum fake_mode mode, int n)
{
    switch (n) {
    case 1: /* printer status: bit 3 = offline */
        return mode == FAKE_PAPER_OUT ? 0x1E : 0x16;
    case 2: /* offline cause: bit 5 = stopped by paper end */
        return mode == FAKE_PAPER_OUT ? 0x32 : 0x12;
    case 4: /* paper sensors */
        return mode == FAKE_PAPER_LOW ? 0x1E : mode == FAKE_PAPER_OUT ? 0x72 : 0x12;
    default:
        return 0x12;
    }
}

/* Append one job byte to the record (mu held). */
static inline void fake_record(struct fake_printer *f, uint8_t b)
{
    if (f->len == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 4096;
        if (cap > FAKE_RECORD_MAX)
            cap = FAKE_RECORD_MAX;
        uint8_t *nb = cap > f->cap ? realloc(f->buf, cap) : NULL;
        if (!nb) {
            f->overflow = true;
            return;
        }
        f->buf = nb;
        f->cap = cap;
    }
    f->buf[f->len++] = b;
}

static inline void fake_end_client(struct fake_printer *f, bool reset)
{
    if (reset) {
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(f->client_fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    close(f->client_fd);
    f->client_fd = -1;
    f->esc = 0;
    pthread_mutex_lock(&f->mu);
    f->closed++;
    pthread_cond_broadcast(&f->changed);
    pthread_mutex_unlock(&f->mu);
}

/* Feed received bytes through the DLE EOT parser. Returns false when the connection was
** ended (unplug). */
static inline bool fake_feed(struct fake_printer *f, const uint8_t *data, size_t n)
{
    pthread_mutex_lock(&f->mu);
    enum fake_mode mode = f->mode;
    bool ended = false;
    for (size_t i = 0; i < n && !ended; i++) {
        uint8_t b = data[i];
        uint8_t job[3];
        size_t njob = 0;
        if (f->esc == 0 && b == 0x10) {
            f->esc = 1;
        } else if (f->esc == 1 && b == 0x04) {
            f->esc = 2;
        } else if (f->esc == 2 && b >= 1 && b <= 4) {
            f->esc = 0;
            f->queries++;
            if (mode != FAKE_SILENT && mode != FAKE_STALL) {
                uint8_t answer = fake_status_byte(mode, b);
                ssize_t w = f->pty ? write(f->client_fd, &answer, 1)
                                   : send(f->client_fd, &answer, 1, MSG_NOSIGNAL);
                (void)w;
            }
        } else {
            /* Not a query after all: the held bytes were job bytes. */
            if (f->esc >= 1)
                job[njob++] = 0x10;
            if (f->esc == 2)
                job[njob++] = 0x04;
            f->esc = 0;
            if (b == 0x10)
                f->esc = 1;
            else
                job[njob++] = b;
        }
        for (size_t k = 0; k < njob && !ended; k++) {
            if (mode == FAKE_UNPLUG_AFTER && f->len >= f->unplug_after)
                ended = true;
            else
                fake_record(f, job[k]);
            if (mode == FAKE_UNPLUG_AFTER && f->len >= f->unplug_after)
                ended = true;
        }
    }
    if (ended)
        f->unplugged = true;
    pthread_cond_broadcast(&f->changed);
    pthread_mutex_unlock(&f->mu);
    if (ended && !f->pty) {
        /* Unplugged: nobody listens any more. The listener goes first, so that a test which
        ** saw the connection end cannot reach a listener about to close. */
        close(f->listen_fd);
        f->listen_fd = -1;
        fake_end_client(f, true);
    }
    return !ended;
}

/* Bytes held at the end of a connection were job bytes. */
static inline void fake_flush_held(struct fake_printer *f)
{
    pthread_mutex_lock(&f->mu);
    if (f->esc >= 1)
        fake_record(f, 0x10);
    if (f->esc == 2)
        fake_record(f, 0x04);
    f->esc = 0;
    pthread_mutex_unlock(&f->mu);
}

static inline void *fake_printer_main(void *arg)
{
    struct fake_printer *f = arg;
    for (;;) {
        pthread_mutex_lock(&f->mu);
        enum fake_mode mode = f->mode;
        pthread_mutex_unlock(&f->mu);

        struct pollfd p[3];
        int np = 0, i_listen = -1, i_client = -1;
        p[np++] = (struct pollfd){.fd = f->wake[0], .events = POLLIN};
        if (f->listen_fd >= 0 && (f->client_fd < 0 || mode == FAKE_STALL)) {
            i_listen = np;
            p[np++] = (struct pollfd){.fd = f->listen_fd, .events = POLLIN};
        }
        if (f->client_fd >= 0 && mode != FAKE_STALL && !(f->pty && f->unplugged)) {
            i_client = np;
            p[np++] = (struct pollfd){.fd = f->client_fd, .events = POLLIN};
        }
        if (poll(p, (nfds_t)np, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[0].revents)
            break;
        if (i_listen >= 0 && p[i_listen].revents) {
            int c = accept(f->listen_fd, NULL, NULL);
            if (c >= 0) {
                pthread_mutex_lock(&f->mu);
                f->accepted++;
                pthread_cond_broadcast(&f->changed);
                pthread_mutex_unlock(&f->mu);
                if (mode == FAKE_STALL) {
                    int k = 0;
                    while (k < FAKE_STALL_MAX && f->stalled[k] >= 0)
                        k++;
                    if (k < FAKE_STALL_MAX)
                        f->stalled[k] = c;
                    else
                        close(c);
                } else {
                    f->client_fd = c;
                    f->esc = 0;
                }
            }
        }
        if (i_client >= 0 && p[i_client].revents) {
            uint8_t buf[65536];
            ssize_t r = read(f->client_fd, buf, sizeof buf);
            if (r > 0) {
                fake_feed(f, buf, (size_t)r);
            } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
                fake_flush_held(f);
                if (f->pty) {
                    /* A pty master reads EIO only when no slave is open: we keep one, so
                    ** this is the end. */
                    break;
                }
                fake_end_client(f, false);
            }
        }
    }
    return NULL;
}

static inline void fake_printer_init_fields(struct fake_printer *f, enum fake_mode mode)
{
    memset(f, 0, sizeof *f);
    f->mode = mode;
    f->listen_fd = f->client_fd = f->slave_keep = -1;
    f->wake[0] = f->wake[1] = -1;
    for (int k = 0; k < FAKE_STALL_MAX; k++)
        f->stalled[k] = -1;
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->changed, NULL);
}

static inline int fake_printer_run(struct fake_printer *f)
{
    if (pipe(f->wake) < 0)
        return -1;
    if (pthread_create(&f->thread, NULL, fake_printer_main, f) != 0)
        return -1;
    f->running = true;
    return 0;
}

/* Start a fake network printer on 127.0.0.1. unplug_after is used by FAKE_UNPLUG_AFTER only.
** Returns 0, or -1 if a socket or the thread could not be made. Stop it with
** fake_printer_stop() in every case. */
static inline int fake_printer_start(struct fake_printer *f, enum fake_mode mode,
                                     size_t unplug_after)
{
    fake_printer_init_fields(f, mode);
    f->unplug_after = unplug_after;
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -1;
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (mode == FAKE_STALL || mode == FAKE_UNPLUG_AFTER) {
        int small = 4096; /* inherited by accepted sockets; no autotuning beyond it */
        setsockopt(s, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    }
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 ||
        getsockname(s, (struct sockaddr *)&a, &alen) < 0 || listen(s, 8) < 0) {
        close(s);
        return -1;
    }
    f->port = ntohs(a.sin_port);
    if (mode == FAKE_OFF)
        close(s); /* the port was ours a moment ago: now nobody listens on it */
    else
        f->listen_fd = s;
    return fake_printer_run(f);
}

/* Start a fake printer behind a pty: give "usb:" f->slave_path to the code under test. The
** slave is put in raw mode and one descriptor of it kept open, so that the bytes pass unchanged
** and the master never sees a hang-up between two opens. */
static inline int fake_printer_start_pty(struct fake_printer *f, enum fake_mode mode)
{
    fake_printer_init_fields(f, mode);
    f->pty = true;
    /* What posix_openpt(), grantpt(), unlockpt() and ptsname() do on Linux, spelled out: those
    ** need _XOPEN_SOURCE, which the build does not define. */
    int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0)
        return -1;
    f->client_fd = m;
    int unlock = 0;
    unsigned int pts = 0;
    if (ioctl(m, TIOCSPTLCK, &unlock) < 0 || ioctl(m, TIOCGPTN, &pts) < 0)
        return -1;
    snprintf(f->slave_path, sizeof f->slave_path, "/dev/pts/%u", pts);
    fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
    f->slave_keep = open(f->slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (f->slave_keep < 0)
        return -1;
    struct termios tio;
    if (tcgetattr(f->slave_keep, &tio) < 0)
        return -1;
    cfmakeraw(&tio);
    if (tcsetattr(f->slave_keep, TCSANOW, &tio) < 0)
        return -1;
    return fake_printer_run(f);
}

/* The printer address for the code under test; snprintf's result. */
static inline int fake_printer_uri(const struct fake_printer *f, char *out, size_t cap)
{
    if (f->pty)
        return snprintf(out, cap, "usb:%s", f->slave_path);
    return snprintf(out, cap, "tcp:127.0.0.1:%d", f->port);
}

static inline void fake_printer_set_mode(struct fake_printer *f, enum fake_mode mode)
{
    pthread_mutex_lock(&f->mu);
    f->mode = mode;
    pthread_mutex_unlock(&f->mu);
}

static inline int64_t fake_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait (at most guard_ms: a guard against a hang, not a timing) until pred holds. */
#define FAKE_WAIT_UNTIL(f, guard_ms, pred)                                                         \
    do {                                                                                           \
        int64_t end_ = fake_now_ms() + (guard_ms);                                                 \
        pthread_mutex_lock(&(f)->mu);                                                              \
        while (!(pred) && fake_now_ms() < end_) {                                                  \
            struct timespec ts_;                                                                   \
            clock_gettime(CLOCK_REALTIME, &ts_);                                                   \
            ts_.tv_nsec += 50 * 1000000L;                                                          \
            if (ts_.tv_nsec >= 1000000000L) {                                                      \
                ts_.tv_sec++;                                                                      \
                ts_.tv_nsec -= 1000000000L;                                                        \
            }                                                                                      \
            pthread_cond_timedwait(&(f)->changed, &(f)->mu, &ts_);                                 \
        }                                                                                          \
        pthread_mutex_unlock(&(f)->mu);                                                            \
    } while (0)

/* Wait until at least n job bytes were recorded; returns the number recorded. */
static inline size_t fake_printer_wait_len(struct fake_printer *f, size_t n, int guard_ms)
{
    FAKE_WAIT_UNTIL(f, guard_ms, f->len >= n || f->overflow);
    pthread_mutex_lock(&f->mu);
    size_t len = f->len;
    pthread_mutex_unlock(&f->mu);
    return len;
}

/* Wait until k connections have ended; returns whether they have. */
static inline bool fake_printer_wait_closed(struct fake_printer *f, unsigned k, int guard_ms)
{
    FAKE_WAIT_UNTIL(f, guard_ms, f->closed >= k);
    pthread_mutex_lock(&f->mu);
    bool ok = f->closed >= k;
    pthread_mutex_unlock(&f->mu);
    return ok;
}

static inline size_t fake_printer_len(struct fake_printer *f)
{
    pthread_mutex_lock(&f->mu);
    size_t len = f->len;
    pthread_mutex_unlock(&f->mu);
    return len;
}

static inline unsigned fake_printer_queries(struct fake_printer *f)
{
    pthread_mutex_lock(&f->mu);
    unsigned q = f->queries;
    pthread_mutex_unlock(&f->mu);
    return q;
}

/* Whether the record is exactly want[0..n). On a difference, says where on stderr. */
static inline bool fake_printer_recorded(struct fake_printer *f, const uint8_t *want, size_t n)
{
    pthread_mutex_lock(&f->mu);
    bool same = !f->overflow && f->len == n && (n == 0 || memcmp(f->buf, want, n) == 0);
    if (!same) {
        size_t i = 0;
        while (i < f->len && i < n && f->buf[i] == want[i])
            i++;
        fprintf(stderr, "fake printer: recorded %zu bytes, expected %zu; first difference at %zu\n",
                f->len, n, i);
    }
    pthread_mutex_unlock(&f->mu);
    return same;
}

/* Stop the thread, close everything and free the record. */
static inline void fake_printer_stop(struct fake_printer *f)
{
    if (f->running) {
        char b = 1;
        ssize_t w = write(f->wake[1], &b, 1);
        (void)w;
        pthread_join(f->thread, NULL);
        f->running = false;
    }
    if (f->listen_fd >= 0)
        close(f->listen_fd);
    if (f->client_fd >= 0)
        close(f->client_fd);
    if (f->slave_keep >= 0)
        close(f->slave_keep);
    for (int k = 0; k < FAKE_STALL_MAX; k++)
        if (f->stalled[k] >= 0)
            close(f->stalled[k]);
    for (int k = 0; k < 2; k++)
        if (f->wake[k] >= 0)
            close(f->wake[k]);
    free(f->buf);
    pthread_cond_destroy(&f->changed);
    pthread_mutex_destroy(&f->mu);
    memset(f, 0, sizeof *f);
    f->listen_fd = f->client_fd = f->slave_keep = -1;
}

#endif
