/* Printer transports: status queries and jobs over usb, tcp and file. See printer.h.
**
** Every descriptor is non-blocking and every wait is a poll() bounded by a deadline on the
** monotonic clock, because the failures that matter here are silent ones: a usblp printer out
** of paper stops taking bytes without an error, a printer switched off behind a switch drops
** SYNs, a print server accepts a connection and reads nothing.
**
** A TCP job travels on one connection: DLE EOT 4, the job, DLE EOT 4 again (only when the first
** one was answered), then a half-close and a wait for the printer's own close. The closing
** query matters: the printer reads its socket in order, so its answer proves every byte of the
** job left our kernel; and closing only after the printer closed, or after reading whatever it
** sent, avoids the reset that close() sends when unread bytes are pending, which would throw
** away the tail of a job still in the send queue. */
#include "printer/printer.h"
#include "clock/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The send buffer asked of the kernel for a printer connection (Linux doubles it). */
#define TCP_SNDBUF_BYTES (64 * 1024)

/* ---- time and text ------------------------------------------------------------------------ */

static int ms_left(int64_t deadline)
{
    int64_t left = deadline - clock_mono_ms();
    if (left <= 0)
        return 0;
    return left > INT_MAX ? INT_MAX : (int)left;
}

static int64_t earliest(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

/* strerror() is not thread-safe and this runs on the print worker: the XSI strerror_r. */
static const char *errno_text(int e, char *buf, size_t cap)
{
    if (strerror_r(e, buf, cap) != 0)
        snprintf(buf, cap, "error %d", e);
    return buf;
}

static void set_status(struct printer_status *out, enum printer_state state, const char *fmt, ...)
{
    out->state = state;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->detail, sizeof out->detail, fmt, ap);
    va_end(ap);
}

/* "tcp 10.0.0.5:9100", "usb /dev/usb/lp0", "file /tmp/t.bin": the start of every detail. Long
** names are cut so that the byte counts after them still fit in the detail. */
static void describe(const struct printer_uri *u, char *buf, size_t cap)
{
    switch (u->kind) {
    case PRINTER_TCP:
        if (strchr(u->host, ':'))
            snprintf(buf, cap, "tcp [%.60s]:%d", u->host, u->port);
        else
            snprintf(buf, cap, "tcp %.60s:%d", u->host, u->port);
        return;
    case PRINTER_USB:
        snprintf(buf, cap, "usb %.60s", u->path);
        return;
    case PRINTER_FILE:
        snprintf(buf, cap, "file %.60s", u->path);
        return;
    case PRINTER_NONE:
        break;
    }
    snprintf(buf, cap, "no printer");
}

/* ---- SIGPIPE ------------------------------------------------------------------------------ */

/* A write to a FIFO or a device whose other end is gone raises SIGPIPE, which kills a process
** that did not ignore it. Library code must not change the process's disposition, so, as libpq
** does: block SIGPIPE in this thread for the length of the writes, and if a write failed with
** EPIPE while no SIGPIPE was pending before, take the one it raised with sigtimedwait(). */
struct sigpipe_guard {
    sigset_t old;
    bool blocked;
    bool was_pending;
};

static void sigpipe_block(struct sigpipe_guard *g)
{
    sigset_t pipe_set, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    g->blocked = pthread_sigmask(SIG_BLOCK, &pipe_set, &g->old) == 0;
    sigemptyset(&pending);
    g->was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
}

static void sigpipe_unblock(struct sigpipe_guard *g, bool got_epipe)
{
    if (!g->blocked)
        return;
    int saved = errno;
    if (got_epipe && !g->was_pending) {
        sigset_t pipe_set;
        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &g->old, NULL);
    errno = saved;
}

/* ---- one link to the printer -------------------------------------------------------------- */

struct link {
    int fd;
    bool sock; /* a socket: send() with MSG_NOSIGNAL, recv() */
};

/* Write bytes[0..n) before the deadline; *done counts the bytes the kernel took. Returns 0, or
** an errno value: ETIMEDOUT when the deadline passed first. */
static int write_all(const struct link *l, const uint8_t *bytes, size_t n, int64_t deadline,
                     size_t *done)
{
    bool woke = false; /* the last poll() said writable */
    *done = 0;
    while (*done < n) {
        ssize_t r = l->sock ? send(l->fd, bytes + *done, n - *done, MSG_NOSIGNAL | MSG_DONTWAIT)
                            : write(l->fd, bytes + *done, n - *done);
        if (r > 0) {
            *done += (size_t)r;
            woke = false;
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
            return errno;
        int left = ms_left(deadline);
        if (left == 0)
            return ETIMEDOUT;
        if (woke) {
            /* usblp says "writable" while its printer is out of paper and still refuses bytes:
            ** back off rather than spin until the deadline. */
            sleep_ms(left < 20 ? left : 20);
            woke = false;
            continue;
        }
        struct pollfd p = {.fd = l->fd, .events = POLLOUT};
        int pr = poll(&p, 1, left);
        if (pr < 0 && errno != EINTR)
            return errno;
        if (pr == 0)
            return ETIMEDOUT;
        if (pr > 0 && (p.revents & POLLNVAL))
            return EBADF;
        woke = pr > 0;
    }
    return 0;
}

/* Throw away whatever the device sent before we ask (a late answer to an earlier query), so
** that the next byte read answers this query. Bounded: a chatty device cannot keep us here. */
static void drain_stale(const struct link *l)
{
    uint8_t buf[64];
    for (int i = 0; i < 16; i++) {
        ssize_t r =
            l->sock ? recv(l->fd, buf, sizeof buf, MSG_DONTWAIT) : read(l->fd, buf, sizeof buf);
        if (r <= 0 && !(r < 0 && errno == EINTR))
            return;
    }
}

/* What one status query found. */
struct answer {
    enum printer_state state; /* UNKNOWN when nothing valid came */
    uint8_t byte;             /* the status byte, or the last byte seen */
    bool seen;                /* some byte came, valid or not */
    int link_err;             /* the link broke: ECONNRESET, EPIPE (peer closed), ENODEV... */
};

/* Send DLE EOT 4 and wait for a valid status byte until the deadline. */
static void ask_status(const struct link *l, int64_t deadline, struct answer *a)
{
    memset(a, 0, sizeof *a);
    a->state = PRINTER_UNKNOWN;
    if (!l->sock)
        drain_stale(l);
    size_t done;
    int e = write_all(l, (const uint8_t *)PRINTER_STATUS_QUERY, PRINTER_STATUS_QUERY_LEN, deadline,
                      &done);
    if (e == ETIMEDOUT)
        return;
    if (e != 0) {
        a->link_err = e;
        return;
    }
    for (;;) {
        uint8_t buf[64];
        ssize_t r =
            l->sock ? recv(l->fd, buf, sizeof buf, MSG_DONTWAIT) : read(l->fd, buf, sizeof buf);
        if (r > 0) {
            /* The answer follows whatever else came (an ASB byte, a FIFO echoing our query):
            ** take the last valid byte. */
            a->seen = true;
            a->byte = buf[r - 1];
            for (ssize_t i = r - 1; i >= 0; i--) {
                enum printer_state s = printer_status_decode(buf[i]);
                if (s != PRINTER_UNKNOWN) {
                    a->state = s;
                    a->byte = buf[i];
                    return;
                }
            }
            continue;
        }
        if (r == 0) {
            /* A socket at end of file: the printer closed on us. A device or FIFO that reads
            ** nothing simply has no answer. */
            if (l->sock)
                a->link_err = EPIPE;
            return;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            /* On a device, a read error only means no answer (usblp refuses reads from a
            ** unidirectional printer), unless the device itself is gone. */
            if (l->sock || errno == ENODEV || errno == ENXIO)
                a->link_err = errno;
            return;
        }
        int left = ms_left(deadline);
        if (left == 0)
            return;
        struct pollfd p = {.fd = l->fd, .events = POLLIN};
        int pr = poll(&p, 1, left);
        if (pr == 0)
            return;
        if (pr < 0 && errno != EINTR)
            return;
        if (pr > 0 && (p.revents & POLLNVAL))
            return;
    }
}

static const char *state_words(enum printer_state s)
{
    switch (s) {
    case PRINTER_READY:
        return "ready";
    case PRINTER_PAPER_LOW:
        return "paper near end";
    case PRINTER_PAPER_OUT:
        return "paper out";
    default:
        return printer_state_str(s);
    }
}

/* Whether an errno from a write or a read means the printer went away (unplugged, switched
** off, connection reset) rather than a fault of the printer itself. */
static bool is_gone(int e)
{
    return e == EPIPE || e == ECONNRESET || e == ENODEV || e == ENXIO || e == ENOTCONN ||
           e == ESHUTDOWN || e == ECONNABORTED;
}

/* Connect to host:port before the deadline, trying each address in turn. On failure *err is
** the errno of the last attempt (ETIMEDOUT when the deadline passed), or 0 with gai set for a
** name that does not resolve. */
static int tcp_connect(const struct printer_uri *u, int64_t deadline, int *err, int *gai)
{
    char port[8];
    snprintf(port, sizeof port, "%d", u->port);
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    *err = 0;
    *gai = getaddrinfo(u->host, port, &hints, &res);
    if (*gai != 0)
        return -1;

    int fd = -1;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        int s =
            socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (s < 0) {
            *err = errno;
            continue;
        }
        /* A small send buffer: a printer reads a few KiB/s, and megabytes queued in our
        ** kernel would only make "sent N of M bytes" say more than the printer ever got. */
        int sndbuf = TCP_SNDBUF_BYTES;
        setsockopt(s, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
        int rc = connect(s, ai->ai_addr, ai->ai_addrlen);
        if (rc < 0 && (errno == EINPROGRESS || errno == EINTR)) {
            struct pollfd p = {.fd = s, .events = POLLOUT};
            int pr;
            do {
                pr = poll(&p, 1, ms_left(deadline));
            } while (pr < 0 && errno == EINTR);
            if (pr == 0) {
                *err = ETIMEDOUT;
            } else if (pr < 0) {
                *err = errno;
            } else {
                int so = 0;
                socklen_t len = sizeof so;
                if (getsockopt(s, SOL_SOCKET, SO_ERROR, &so, &len) < 0)
                    so = errno;
                *err = so;
                rc = so == 0 ? 0 : -1;
            }
        } else if (rc < 0) {
            *err = errno;
        }
        if (rc == 0) {
            fd = s;
            *err = 0;
        } else {
            close(s);
        }
        if (fd < 0 && ms_left(deadline) == 0)
            break;
    }
    freeaddrinfo(res);
    return fd;
}

/* Open the link for a tcp or usb printer, or fill *out with why not (OFFLINE or ERROR). */
static bool link_open(const struct printer_uri *u, const char *name, int64_t connect_deadline,
                      struct link *l, struct printer_status *out)
{
    char ebuf[96];
    l->fd = -1;
    l->sock = u->kind == PRINTER_TCP;
    if (u->kind == PRINTER_TCP) {
        int err, gai;
        l->fd = tcp_connect(u, connect_deadline, &err, &gai);
        if (l->fd >= 0)
            return true;
        if (gai != 0)
            set_status(out, PRINTER_OFFLINE, "%s: cannot resolve the host name (%s)", name,
                       gai_strerror(gai));
        else if (err == ECONNREFUSED)
            set_status(out, PRINTER_OFFLINE, "%s: connection refused (printer switched off?)",
                       name);
        else if (err == ETIMEDOUT)
            set_status(out, PRINTER_OFFLINE,
                       "%s: no answer to connect (switched off, or wrong address?)", name);
        else if (err == EHOSTUNREACH || err == ENETUNREACH)
            set_status(out, PRINTER_OFFLINE, "%s: unreachable (network down?)", name);
        else
            set_status(out, PRINTER_OFFLINE, "%s: cannot connect: %s", name,
                       errno_text(err, ebuf, sizeof ebuf));
        return false;
    }

    /* O_NOCTTY: a tty path (a serial printer, the tests' pty) must never become our
    ** controlling terminal. */
    l->fd = open(u->path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (l->fd >= 0)
        return true;
    int e = errno;
    if (e == ENOENT || e == ENODEV || e == ENXIO)
        set_status(out, PRINTER_OFFLINE, "%s: not plugged in (%s)", name,
                   errno_text(e, ebuf, sizeof ebuf));
    else if (e == EACCES || e == EPERM)
        set_status(out, PRINTER_OFFLINE, "%s: permission denied (is the kiosk user in group lp?)",
                   name);
    else if (e == EBUSY)
        set_status(out, PRINTER_OFFLINE, "%s: in use by another program", name);
    else
        set_status(out, PRINTER_ERROR, "%s: cannot open: %s", name,
                   errno_text(e, ebuf, sizeof ebuf));
    return false;
}

/* Close the link. After a good job a socket is half-closed first, then read until the printer
** closes too (or the deadline): see the top of the file. After a failed one it is reset
** (SO_LINGER 0), so that the kernel does not go on delivering the rest of a job already
** reported as failed, to be printed as half a ticket when the printer wakes up. Returns the
** errno of a reset seen while waiting, else 0. */
static int link_close(struct link *l, int64_t deadline, bool abort_job)
{
    int reset = 0;
    if (l->fd < 0)
        return 0;
    if (l->sock && abort_job) {
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(l->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    } else if (l->sock && shutdown(l->fd, SHUT_WR) == 0) {
        for (;;) {
            uint8_t buf[256];
            ssize_t r = recv(l->fd, buf, sizeof buf, MSG_DONTWAIT);
            if (r > 0)
                continue;
            if (r == 0)
                break;
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                reset = errno;
                break;
            }
            int left = ms_left(deadline);
            if (left == 0)
                break;
            struct pollfd p = {.fd = l->fd, .events = POLLIN};
            if (poll(&p, 1, left) == 0)
                break;
        }
    }
    close(l->fd);
    l->fd = -1;
    return reset;
}

/* ---- file --------------------------------------------------------------------------------- */

static void file_folder(const char *path, char *dir, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, cap, ".");
    else if (slash == path)
        snprintf(dir, cap, "/");
    else
        snprintf(dir, cap, "%.*s", (int)(slash - path), path);
}

static void file_query(const struct printer_uri *u, const char *name, struct printer_status *out)
{
    char dir[sizeof u->path], ebuf[96];
    struct stat st;
    file_folder(u->path, dir, sizeof dir);
    if (stat(dir, &st) < 0)
        set_status(out, PRINTER_OFFLINE, "%s: folder %s: %s", name, dir,
                   errno_text(errno, ebuf, sizeof ebuf));
    else if (!S_ISDIR(st.st_mode))
        set_status(out, PRINTER_OFFLINE, "%s: %s is not a folder", name, dir);
    else if (stat(u->path, &st) == 0 && S_ISDIR(st.st_mode))
        set_status(out, PRINTER_OFFLINE, "%s: is a folder", name);
    else if (access(u->path, F_OK) == 0 && access(u->path, W_OK) < 0)
        set_status(out, PRINTER_OFFLINE, "%s: cannot be written: %s", name,
                   errno_text(errno, ebuf, sizeof ebuf));
    else if (access(u->path, F_OK) < 0 && access(dir, W_OK | X_OK) < 0)
        set_status(out, PRINTER_OFFLINE, "%s: folder cannot be written: %s", name,
                   errno_text(errno, ebuf, sizeof ebuf));
    else
        set_status(out, PRINTER_READY, "%s: ready", name);
}

static bool is_full(int e)
{
    return e == ENOSPC || e == EDQUOT;
}

static enum borne_err file_send(const struct printer_uri *u, const char *name, const uint8_t *bytes,
                                size_t n, int64_t deadline, struct printer_status *out)
{
    char ebuf[96];
    /* O_NONBLOCK: a FIFO with no reader fails with ENXIO instead of blocking in open(). */
    int fd = open(u->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0644);
    if (fd < 0) {
        int e = errno;
        if (is_full(e)) {
            set_status(out, PRINTER_ERROR, "%s: disk full", name);
            return BORNE_ERR_DISK_FULL;
        }
        set_status(out,
                   e == ENOENT || e == ENXIO || e == EACCES || e == EROFS ? PRINTER_OFFLINE
                                                                          : PRINTER_ERROR,
                   "%s: cannot open: %s", name, errno_text(e, ebuf, sizeof ebuf));
        return BORNE_ERR_IO;
    }
    struct stat st;
    off_t before = -1;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        before = st.st_size;

    struct link l = {.fd = fd, .sock = false};
    struct sigpipe_guard g;
    size_t done = 0;
    sigpipe_block(&g);
    int e = write_all(&l, bytes, n, deadline, &done);
    sigpipe_unblock(&g, e == EPIPE);
    if (e == 0 && fsync(fd) < 0 && errno != EINVAL && errno != EROFS)
        e = errno; /* EINVAL, EROFS: a device or FIFO that cannot be synced */
    if (close(fd) < 0 && e == 0 && errno != EINTR)
        e = errno;
    if (e == 0) {
        set_status(out, PRINTER_READY, "%s: wrote %zu bytes", name, n);
        return BORNE_OK;
    }
    /* Take a partial job back out of a regular file, so that a demo's file stays a sequence
    ** of whole tickets. Best effort. */
    if (before >= 0 && done > 0) {
        int tfd = open(u->path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (tfd >= 0) {
            if (ftruncate(tfd, before) < 0) {
                /* nothing more to do: the detail already says the job failed */
            }
            close(tfd);
        }
    }
    if (is_full(e)) {
        set_status(out, PRINTER_ERROR, "%s: disk full after %zu of %zu bytes", name, done, n);
        return BORNE_ERR_DISK_FULL;
    }
    if (e == ETIMEDOUT)
        set_status(out, PRINTER_ERROR, "%s: timed out after %zu of %zu bytes", name, done, n);
    else
        set_status(out, is_gone(e) ? PRINTER_OFFLINE : PRINTER_ERROR,
                   "%s: write failed after %zu of %zu bytes: %s", name, done, n,
                   errno_text(e, ebuf, sizeof ebuf));
    return BORNE_ERR_IO;
}

/* ---- public ------------------------------------------------------------------------------- */

static void fill_timeouts(const struct printer_timeouts *in, struct printer_timeouts *t)
{
    t->connect_ms = in && in->connect_ms > 0 ? in->connect_ms : PRINTER_CONNECT_TIMEOUT_MS;
    t->status_ms = in && in->status_ms > 0 ? in->status_ms : PRINTER_STATUS_TIMEOUT_MS;
    t->job_ms = in && in->job_ms > 0 ? in->job_ms : PRINTER_JOB_TIMEOUT_MS;
}

static bool known_kind(const struct printer_uri *u)
{
    return u->kind == PRINTER_NONE || u->kind == PRINTER_USB || u->kind == PRINTER_TCP ||
           u->kind == PRINTER_FILE;
}

enum borne_err printer_query(const struct printer_uri *u, int timeout_ms,
                             struct printer_status *out)
{
    char name[96], ebuf[96];
    if (!out)
        return BORNE_ERR_INVALID;
    if (!u || !known_kind(u)) {
        set_status(out, PRINTER_ERROR, "no valid printer address");
        return BORNE_ERR_INVALID;
    }
    describe(u, name, sizeof name);
    if (timeout_ms <= 0)
        timeout_ms = PRINTER_CONNECT_TIMEOUT_MS + PRINTER_STATUS_TIMEOUT_MS;
    int64_t deadline = clock_mono_ms() + timeout_ms;

    if (u->kind == PRINTER_NONE) {
        set_status(out, PRINTER_DISABLED, "no printer configured");
        return BORNE_OK;
    }
    if (u->kind == PRINTER_FILE) {
        file_query(u, name, out);
        return BORNE_OK;
    }

    struct link l;
    if (!link_open(u, name, deadline, &l, out))
        return BORNE_OK;
    struct sigpipe_guard g;
    struct answer a;
    sigpipe_block(&g);
    ask_status(&l, deadline, &a);
    sigpipe_unblock(&g, a.link_err == EPIPE);
    /* Nothing of ours is left to deliver: no need to wait for the printer's close. */
    link_close(&l, clock_mono_ms(), false);

    if (a.link_err)
        set_status(out, PRINTER_OFFLINE, "%s: connection lost while asking status: %s", name,
                   errno_text(a.link_err, ebuf, sizeof ebuf));
    else if (a.state != PRINTER_UNKNOWN)
        set_status(out, a.state, "%s: %s (status 0x%02X)", name, state_words(a.state), a.byte);
    else if (a.seen)
        set_status(out, PRINTER_UNKNOWN, "%s: unexpected answer 0x%02X to the status query", name,
                   a.byte);
    else
        set_status(out, PRINTER_UNKNOWN,
                   "%s: no answer to the status query (many printers ignore it)", name);
    return BORNE_OK;
}

/* The tcp and usb job: see the top of the file. */
static enum borne_err link_send(const struct printer_uri *u, const char *name, const uint8_t *bytes,
                                size_t n, const struct printer_timeouts *t, int64_t start,
                                struct printer_status *out)
{
    char ebuf[96];
    int64_t deadline = start + t->job_ms;
    struct link l;
    if (!link_open(u, name, earliest(start + t->connect_ms, deadline), &l, out))
        return BORNE_ERR_IO;

    struct sigpipe_guard g;
    struct answer first, last;
    enum borne_err result = BORNE_ERR_IO;
    size_t done = 0;
    int e = 0;
    bool abort_job = false; /* part of the job may be queued: reset rather than close */
    sigpipe_block(&g);

    ask_status(&l, earliest(clock_mono_ms() + t->status_ms, deadline), &first);
    if (first.link_err) {
        e = first.link_err;
        set_status(out, PRINTER_OFFLINE,
                   "%s: not printed: connection lost while asking status (%s)", name,
                   errno_text(e, ebuf, sizeof ebuf));
        goto done;
    }
    if (first.state == PRINTER_PAPER_OUT) {
        set_status(out, PRINTER_PAPER_OUT, "%s: not printed: paper out (status 0x%02X)", name,
                   first.byte);
        goto done;
    }

    e = write_all(&l, bytes, n, deadline, &done);
    abort_job = e != 0;
    if (e == ETIMEDOUT) {
        set_status(out, PRINTER_ERROR,
                   "%s: timed out after %zu of %zu bytes (paper jam, cover open or out of paper?)",
                   name, done, n);
        goto done;
    }
    if (e == ENOSPC && !l.sock) {
        /* usblp's answer when the printer reports paper out mid-job. */
        set_status(out, PRINTER_PAPER_OUT, "%s: paper out after %zu of %zu bytes", name, done, n);
        goto done;
    }
    if (e != 0) {
        set_status(out, is_gone(e) ? PRINTER_OFFLINE : PRINTER_ERROR,
                   "%s: %s after %zu of %zu bytes were sent (%s)", name,
                   is_gone(e) ? "connection lost" : "write failed", done, n,
                   errno_text(e, ebuf, sizeof ebuf));
        goto done;
    }

    /* Every byte was taken. Say so now; the closing query and close may refine it. */
    if (first.state == PRINTER_UNKNOWN)
        set_status(out, PRINTER_UNKNOWN, "%s: sent %zu bytes (the printer does not answer status)",
                   name, n);
    else
        set_status(out, first.state, "%s: printed %zu bytes, %s (status 0x%02X)", name, n,
                   state_words(first.state), first.byte);
    result = BORNE_OK;

    if (first.state != PRINTER_UNKNOWN) {
        ask_status(&l, earliest(clock_mono_ms() + t->status_ms, deadline), &last);
        if (last.link_err) {
            e = last.link_err;
            result = BORNE_ERR_IO;
            set_status(
                out, PRINTER_OFFLINE,
                "%s: connection lost after %zu of %zu bytes were sent: the ticket may be cut short",
                name, n, n);
        } else if (last.state == PRINTER_PAPER_OUT) {
            result = BORNE_ERR_IO;
            set_status(out, PRINTER_PAPER_OUT,
                       "%s: all %zu of %zu bytes sent, then paper out: the ticket may be cut short",
                       name, n, n);
        } else if (last.state != PRINTER_UNKNOWN) {
            set_status(out, last.state, "%s: printed %zu bytes, %s (status 0x%02X)", name, n,
                       state_words(last.state), last.byte);
        }
    }

done:
    sigpipe_unblock(&g, e == EPIPE);
    {
        int reset = link_close(&l, earliest(clock_mono_ms() + t->status_ms, deadline), abort_job);
        if (reset && result == BORNE_OK) {
            result = BORNE_ERR_IO;
            set_status(out, PRINTER_OFFLINE,
                       "%s: connection reset after %zu of %zu bytes were sent: the ticket may be "
                       "cut short",
                       name, n, n);
        }
    }
    return result;
}

enum borne_err printer_send_with(const struct printer_uri *u, const uint8_t *bytes, size_t n,
                                 const struct printer_timeouts *timeouts,
                                 struct printer_status *out)
{
    char name[96];
    struct printer_timeouts t;
    if (!out)
        return BORNE_ERR_INVALID;
    if (!u || !known_kind(u) || !bytes || n == 0 || n > PRINTER_JOB_MAX) {
        set_status(out, PRINTER_ERROR, "job refused: %s",
                   !u || !known_kind(u) ? "no valid printer address"
                   : !bytes || n == 0   ? "empty job"
                                        : "job too large");
        return BORNE_ERR_INVALID;
    }
    fill_timeouts(timeouts, &t);
    describe(u, name, sizeof name);
    int64_t start = clock_mono_ms();

    switch (u->kind) {
    case PRINTER_NONE:
        set_status(out, PRINTER_DISABLED, "no printer configured: %zu bytes dropped", n);
        return BORNE_OK;
    case PRINTER_FILE:
        return file_send(u, name, bytes, n, start + t.job_ms, out);
    case PRINTER_USB:
    case PRINTER_TCP:
        break;
    }
    return link_send(u, name, bytes, n, &t, start, out);
}

enum borne_err printer_send(const struct printer_uri *u, const uint8_t *bytes, size_t n,
                            int timeout_ms, struct printer_status *out)
{
    /* One figure from the caller: the steps keep their defaults, shortened so that a short
    ** job timeout still leaves room for the job itself. */
    struct printer_timeouts t = {0};
    if (timeout_ms > 0) {
        t.job_ms = timeout_ms;
        t.connect_ms = timeout_ms / 2 < PRINTER_CONNECT_TIMEOUT_MS ? timeout_ms / 2 + 1
                                                                   : PRINTER_CONNECT_TIMEOUT_MS;
        t.status_ms = timeout_ms / 4 < PRINTER_STATUS_TIMEOUT_MS ? timeout_ms / 4 + 1
                                                                 : PRINTER_STATUS_TIMEOUT_MS;
    }
    return printer_send_with(u, bytes, n, &t, out);
}
