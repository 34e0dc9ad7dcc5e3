/* A fault-injecting HTTP/1.1 proxy between a kiosk and borne-server, for the fault tests
** (tests/faults/sync_faults.sh, tests/integration/fault_proxy_selftest.sh):
**
**   fault_proxy --listen 127.0.0.1:0 --port-file F --upstream HOST:PORT --control FILE
**               [--log FILE]
**
** It listens on --listen (port 0: the kernel picks one), writes the port number to F (whole,
** by rename), and forwards each request to --upstream over a fresh connection. What it does to
** a request is decided by the control file, read when the request's first byte arrives (so an
** idle kept-alive connection that closes consumes nothing). The file holds mode words separated
** by blanks; a missing or empty file means pass. With several words the first one is taken and
** the file is rewritten (by rename) without it, so "lost lost pass" gives two lost replies and
** then pass; the last word stays, forever. The file always shows what is left to come. A test
** should write the file while no request is in flight: a write racing the proxy's own rewrite
** may be lost.
**
**   pass       forward both ways untouched
**   refuse     close the client's connection with a reset (SO_LINGER 0) without reading the
**              request or contacting upstream
**   timeout    read the request, never answer; hold the connection until the client gives up
**   5xx[:N]    answer N (default 503) with {"error":"unavailable","message":"injected"},
**              without contacting upstream
**   reset      forward the request; of the first bytes of the response forward half, then
**              reset the client's connection
**   lost       forward the request, read the whole response (the server has committed), then
**              reset the client's connection without sending anything of it
**   drip[:MS]  forward the response one byte every MS ms (default 50)
**   garbage    forward the request, read the whole response (the server has committed), then
**              answer 200, Content-Type application/json, with a body of random bytes that is
**              not JSON (it starts with byte 0x01), and close
**
** One line per request is appended to the log (default stderr): the mode, the method, the
** path, and the upstream's status, or "-" when upstream was not asked, "upstream-error" when it
** could not be reached or its reply was cut or malformed (the client then gets a reset, as if
** the server had died), "proxy-NNN" when the proxy itself refused the request (400 malformed,
** 413 over 16 MiB, 501 chunked request body).
**
** HTTP is parsed only to find where messages end: Content-Length request bodies (libcurl sends
** one for POST; chunked request bodies are refused), and Content-Length, chunked or
** close-delimited responses. "Expect: 100-continue" is answered by the proxy and not forwarded,
** since the whole request is read before the mode acts. Each message is held whole in a buffer
** of at most 16 MiB. One thread per connection; SIGTERM or SIGINT exits with status 0. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/sockios.h>
#endif

#define MESSAGE_MAX (16u << 20) /* a request or a response, head and body */
#define HEAD_MAX (64u << 10)    /* start line and headers */
#define RECV_CHUNK (64u << 10)
#define CONTROL_MAX 4096 /* bytes of the control file read */
#define CONN_MAX 2000    /* client connections at once; more are reset */
#define DRIP_MS_DEFAULT 50

enum fault { F_PASS, F_REFUSE, F_TIMEOUT, F_5XX, F_RESET, F_LOST, F_DRIP, F_GARBAGE };

struct mode {
    enum fault fault;
    int arg;       /* 5xx: the status; drip: ms between bytes */
    char name[32]; /* as written in the control file, for the log */
};

/* A growable byte buffer with a hard maximum. */
struct buf {
    char *data;
    size_t len, cap;
};

/* The parts of an HTTP message head the proxy needs. */
struct head {
    size_t head_len;     /* start line and headers, blank line included */
    int status;          /* responses only */
    char method[16];     /* requests only */
    char target[256];    /* requests only; cut for the log */
    long long body_len;  /* Content-Length, or -1 when absent */
    int chunked;         /* Transfer-Encoding: chunked */
    int close;           /* the connection ends after this message */
    int expect_continue; /* Expect: 100-continue */
    size_t expect_off;   /* where the Expect line starts, and its length with CRLF */
    size_t expect_len;
};

/* Everything the threads share; set up before the first thread and read-only afterwards,
** except what the mutexes guard. */
static struct {
    struct sockaddr_storage upstream;
    socklen_t upstream_len;
    const char *control; /* the control file */
    char control_tmp[4200];
    pthread_mutex_t control_mu; /* one reader-rewriter of the control file at a time */
    FILE *log;
    pthread_mutex_t log_mu;
    pthread_mutex_t count_mu;
    int conns; /* client connections open */
    int sig_pipe[2];
} g = {.control_mu = PTHREAD_MUTEX_INITIALIZER,
       .log_mu = PTHREAD_MUTEX_INITIALIZER,
       .count_mu = PTHREAD_MUTEX_INITIALIZER,
       .sig_pipe = {-1, -1}};

static void log_line(const struct mode *m, const char *method, const char *path, const char *status)
{
    pthread_mutex_lock(&g.log_mu);
    fprintf(g.log, "%s %s %s %s\n", m->name, method[0] ? method : "-", path[0] ? path : "-",
            status);
    fflush(g.log);
    pthread_mutex_unlock(&g.log_mu);
}

static void warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&g.log_mu);
    fputs("fault_proxy: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    pthread_mutex_unlock(&g.log_mu);
    va_end(ap);
}

/* --- the control file ------------------------------------------------------------------ */

static int parse_mode(const char *word, struct mode *m)
{
    static const struct {
        const char *name;
        enum fault fault;
        int arg;
    } modes[] = {{"pass", F_PASS, 0},
                 {"refuse", F_REFUSE, 0},
                 {"timeout", F_TIMEOUT, 0},
                 {"5xx", F_5XX, 503},
                 {"reset", F_RESET, 0},
                 {"lost", F_LOST, 0},
                 {"drip", F_DRIP, DRIP_MS_DEFAULT},
                 {"garbage", F_GARBAGE, 0}};
    size_t n = strcspn(word, ":");
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (strlen(modes[i].name) != n || strncmp(word, modes[i].name, n) != 0)
            continue;
        m->fault = modes[i].fault;
        m->arg = modes[i].arg;
        if (word[n] == ':') {
            char *end;
            long v = strtol(word + n + 1, &end, 10);
            if (*end || end == word + n + 1)
                return -1;
            if (m->fault == F_5XX && v >= 500 && v <= 599)
                m->arg = (int)v;
            else if (m->fault == F_DRIP && v >= 0 && v <= 10000)
                m->arg = (int)v;
            else
                return -1;
        }
        snprintf(m->name, sizeof m->name, "%s", word);
        return 0;
    }
    return -1;
}

/* Take the next mode from the control file; see the comment at the top. An unknown word is
** reported on stderr and taken as pass, so that a test expecting a fault fails. */
static struct mode mode_take(void)
{
    struct mode m = {F_PASS, 0, "pass"};
    char text[CONTROL_MAX + 1];
    pthread_mutex_lock(&g.control_mu);
    size_t len = 0;
    FILE *f = fopen(g.control, "r");
    if (f) {
        len = fread(text, 1, CONTROL_MAX, f);
        fclose(f);
    }
    text[len] = '\0';
    const char *blanks = " \t\r\n";
    char *first = text + strspn(text, blanks);
    if (*first) {
        char *first_end = first + strcspn(first, blanks);
        char *rest = first_end + strspn(first_end, blanks);
        *first_end = '\0';
        if (*rest) {
            /* More to come: the file keeps the rest. */
            FILE *t = fopen(g.control_tmp, "w");
            if (!t || fputs(rest, t) < 0 || fclose(t) != 0 || rename(g.control_tmp, g.control) != 0)
                warn("cannot rewrite %s: %s", g.control, strerror(errno));
        }
        if (parse_mode(first, &m) != 0) {
            warn("unknown mode '%s' in %s, passing", first, g.control);
            m = (struct mode){F_PASS, 0, "pass"};
        }
    }
    pthread_mutex_unlock(&g.control_mu);
    return m;
}

/* --- sockets ----------------------------------------------------------------------------- */

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Close with a reset instead of a FIN. What was sent before is first given up to a second to
** leave the send queue, since a reset throws away whatever is still queued. */
static void close_rst(int fd)
{
#ifdef SIOCOUTQ
    for (int i = 0; i < 100; i++) {
        int queued = 0;
        if (ioctl(fd, SIOCOUTQ, &queued) != 0 || queued == 0)
            break;
        sleep_ms(10);
    }
#endif
    struct linger lg = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
}

/* Receive what is there into b, growing it up to MESSAGE_MAX. Returns the byte count, 0 at the
** end of the stream, -1 on an error, -2 when b is full. */
static ssize_t buf_recv(struct buf *b, int fd)
{
    if (b->cap - b->len < RECV_CHUNK && b->cap < MESSAGE_MAX) {
        size_t cap = b->cap ? b->cap : RECV_CHUNK;
        while (cap - b->len < RECV_CHUNK && cap < MESSAGE_MAX)
            cap *= 2;
        if (cap > MESSAGE_MAX)
            cap = MESSAGE_MAX;
        char *p = realloc(b->data, cap);
        if (!p)
            return -1;
        b->data = p;
        b->cap = cap;
    }
    if (b->len == b->cap)
        return -2;
    for (;;) {
        ssize_t r = recv(fd, b->data + b->len, b->cap - b->len, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r > 0)
            b->len += (size_t)r;
        return r;
    }
}

static int upstream_connect(void)
{
    int fd = socket(g.upstream.ss_family, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&g.upstream, g.upstream_len) != 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* --- HTTP framing ------------------------------------------------------------------------- */

static const char *find(const char *p, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(p + i, needle, n) == 0)
            return p + i;
    return NULL;
}

/* Whether the comma-separated header value v (length n) holds token, ignoring case. */
static int has_token(const char *v, size_t n, const char *token)
{
    size_t t = strlen(token);
    for (size_t i = 0; i < n;) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t j = i;
        while (j < n && v[j] != ',')
            j++;
        size_t k = j;
        while (k > i && (v[k - 1] == ' ' || v[k - 1] == '\t'))
            k--;
        if (k - i == t && strncasecmp(v + i, token, t) == 0)
            return 1;
        i = j;
    }
    return 0;
}

/* Parse the head at p (len bytes so far). Returns 1 when it is complete (h filled), 0 when
** more bytes are needed, -1 when it is malformed or longer than HEAD_MAX. */
static int parse_head(const char *p, size_t len, int response, struct head *h)
{
    memset(h, 0, sizeof *h);
    h->body_len = -1;
    const char *end = find(p, len < HEAD_MAX ? len : HEAD_MAX, "\r\n\r\n");
    if (!end)
        return len >= HEAD_MAX ? -1 : 0;
    h->head_len = (size_t)(end - p) + 4;
    const char *line_end = find(p, h->head_len, "\r\n");
    size_t line_len = (size_t)(line_end - p);
    int minor = 0;
    if (response) {
        /* HTTP/1.x SSS reason */
        if (line_len < 12 || memcmp(p, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)p[7]) ||
            p[8] != ' ')
            return -1;
        minor = p[7] - '0';
        for (int i = 9; i < 12; i++)
            if (!isdigit((unsigned char)p[i]))
                return -1;
        h->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    } else {
        /* METHOD SP TARGET SP HTTP/1.x */
        const char *sp1 = memchr(p, ' ', line_len);
        const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(line_end - sp1 - 1)) : NULL;
        if (!sp1 || !sp2 || sp1 == p || (size_t)(sp1 - p) >= sizeof h->method || sp2 == sp1 + 1 ||
            line_end - sp2 != 9 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
            !isdigit((unsigned char)sp2[8]))
            return -1;
        memcpy(h->method, p, (size_t)(sp1 - p));
        size_t t = (size_t)(sp2 - sp1 - 1);
        if (t >= sizeof h->target)
            t = sizeof h->target - 1;
        memcpy(h->target, sp1 + 1, t);
        for (size_t i = 0; i < t; i++)
            if ((unsigned char)h->target[i] <= ' ')
                h->target[i] = '?';
        minor = sp2[8] - '0';
    }
    int keep_alive = 0;
    for (const char *l = line_end + 2; l < p + h->head_len - 2;) {
        const char *le = find(l, (size_t)(p + h->head_len - l), "\r\n");
        const char *colon = memchr(l, ':', (size_t)(le - l));
        if (!colon) {
            if (*l == ' ' || *l == '\t') { /* an obsolete folded line: ignored */
                l = le + 2;
                continue;
            }
            return -1;
        }
        size_t name_len = (size_t)(colon - l);
        const char *v = colon + 1;
        while (v < le && (*v == ' ' || *v == '\t'))
            v++;
        size_t vn = (size_t)(le - v);
        while (vn > 0 && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
            vn--;
        if (name_len == 14 && strncasecmp(l, "Content-Length", 14) == 0) {
            long long n = 0;
            if (vn == 0 || vn > 12)
                return -1;
            for (size_t i = 0; i < vn; i++) {
                if (!isdigit((unsigned char)v[i]))
                    return -1;
                n = n * 10 + (v[i] - '0');
            }
            if (h->body_len >= 0 && h->body_len != n)
                return -1;
            h->body_len = n;
        } else if (name_len == 17 && strncasecmp(l, "Transfer-Encoding", 17) == 0) {
            if (has_token(v, vn, "chunked"))
                h->chunked = 1;
        } else if (name_len == 10 && strncasecmp(l, "Connection", 10) == 0) {
            if (has_token(v, vn, "close"))
                h->close = 1;
            if (has_token(v, vn, "keep-alive"))
                keep_alive = 1;
        } else if (!response && name_len == 6 && strncasecmp(l, "Expect", 6) == 0) {
            h->expect_continue = has_token(v, vn, "100-continue");
            h->expect_off = (size_t)(l - p);
            h->expect_len = (size_t)(le + 2 - l);
        }
        l = le + 2;
    }
    if (minor == 0 && !keep_alive)
        h->close = 1;
    return 1;
}

/* Where the chunked body starting at p + off ends. Returns 1 (*end set), 0 (more needed), -1
** (malformed or over MESSAGE_MAX). */
static int chunked_end(const char *p, size_t len, size_t off, size_t *end)
{
    for (;;) {
        const char *le = find(p + off, len - off, "\r\n");
        if (!le)
            return len - off > 1024 ? -1 : 0;
        size_t size = 0, i = off;
        if (!isxdigit((unsigned char)p[i]))
            return -1;
        for (; i < (size_t)(le - p) && isxdigit((unsigned char)p[i]); i++) {
            int c = tolower((unsigned char)p[i]);
            size = size * 16 + (size_t)(c <= '9' ? c - '0' : c - 'a' + 10);
            if (size > MESSAGE_MAX)
                return -1;
        }
        if (i < (size_t)(le - p) && p[i] != ';' && p[i] != ' ' && p[i] != '\t')
            return -1;
        off = (size_t)(le - p) + 2;
        if (size == 0) {
            /* Trailer lines, then the blank line. */
            for (;;) {
                const char *te = find(p + off, len - off, "\r\n");
                if (!te)
                    return len - off > HEAD_MAX ? -1 : 0;
                int blank = te == p + off;
                off = (size_t)(te - p) + 2;
                if (blank) {
                    *end = off;
                    return 1;
                }
            }
        }
        if (off + size + 2 > MESSAGE_MAX)
            return -1;
        if (len < off + size + 2)
            return 0;
        if (p[off + size] != '\r' || p[off + size + 1] != '\n')
            return -1;
        off += size + 2;
    }
}

/* Where the message whose head h starts at p + start ends (1, *end set), or 0 (more needed;
** a close-delimited response ends only at eof), or -1 (malformed, too long, or cut by eof). */
static int message_end(const char *p, size_t len, size_t start, const struct head *h, int response,
                       int head_request, int eof, size_t *end)
{
    size_t body = start + h->head_len;
    int r;
    if (!response && !h->chunked && h->body_len < 0)
        r = (*end = body, 1);
    else if (response &&
             (head_request || h->status / 100 == 1 || h->status == 204 || h->status == 304))
        r = (*end = body, 1);
    else if (h->chunked)
        r = chunked_end(p, len, body, end);
    else if (h->body_len >= 0) {
        if ((unsigned long long)h->body_len > MESSAGE_MAX - body)
            return -1;
        r = len >= body + (size_t)h->body_len ? (*end = body + (size_t)h->body_len, 1) : 0;
    } else
        r = eof ? (*end = len, 1) : 0;
    return r == 0 && eof ? -1 : r;
}

/* --- one connection ---------------------------------------------------------------------- */

struct conn {
    int fd;
    unsigned id;
    struct buf in;   /* from the client; may hold the start of the next request */
    struct buf resp; /* from upstream */
};

/* Reset the client's connection; conn_main then has nothing left to close. */
static void conn_reset(struct conn *c)
{
    close_rst(c->fd);
    c->fd = -1;
}

/* Send a reply made by the proxy itself. */
static int reply(int fd, int status, const char *reason, const char *type, const char *body,
                 size_t body_len, int close_after)
{
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s\r\n", status,
                     reason, type, body_len, close_after ? "Connection: close\r\n" : "");
    if (send_all(fd, head, (size_t)n) != 0)
        return -1;
    return send_all(fd, body, body_len);
}

/* After a refusal sent before the request's body was read: stop sending, and read what the
** client still sends (for up to a second of silence) before the close. Closing with unread
** bytes would send a reset, which may reach the client before the refusal does. */
static void drain(int fd)
{
    char scratch[4096];
    size_t total = 0;
    shutdown(fd, SHUT_WR);
    while (total < 2 * (size_t)MESSAGE_MAX) {
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, 1000);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return;
        ssize_t n = recv(fd, scratch, sizeof scratch, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        total += (size_t)n;
    }
}

/* Hold the connection, answering nothing, until the client closes it. */
static void hold(int fd)
{
    char scratch[4096];
    for (;;) {
        ssize_t r = recv(fd, scratch, sizeof scratch, 0);
        if (r == 0 || (r < 0 && errno != EINTR))
            return;
    }
}

/* Read the upstream's whole response into c->resp. Returns 0 with *resp_end (the end of the
** final response, after any 1xx) and *rh, or -1 when the reply was cut, malformed or too long.
** *framed is 0 for a close-delimited response (the client's connection must then close). */
static int read_response(struct conn *c, int ufd, int head_request, struct head *rh,
                         size_t *resp_end, int *framed)
{
    size_t start = 0;
    int eof = 0;
    c->resp.len = 0;
    for (;;) {
        int r = parse_head(c->resp.data + start, c->resp.len - start, 1, rh);
        if (r < 0)
            return -1;
        if (r > 0) {
            r = message_end(c->resp.data, c->resp.len, start, rh, 1, head_request, eof, resp_end);
            if (r < 0)
                return -1;
            if (r > 0 && rh->status / 100 == 1 && rh->status != 101) {
                start = *resp_end; /* an interim response: the final one follows */
                continue;
            }
            if (r > 0) {
                /* Close-delimited: the client learns the end only from the close. */
                *framed = rh->chunked || rh->body_len >= 0 || head_request ||
                          rh->status / 100 == 1 || rh->status == 204 || rh->status == 304;
                return 0;
            }
        } else if (eof) {
            return -1;
        }
        ssize_t n = buf_recv(&c->resp, ufd);
        if (n == 0)
            eof = 1;
        else if (n < 0)
            return -1;
    }
}

/* Forward one request (the first req_len bytes of c->in, head rq) upstream and apply mode m.
** Returns 1 to keep the client's connection for another request, 0 when it was closed. */
static int forward(struct conn *c, const struct head *rq, size_t req_len, const struct mode *m)
{
    int ufd = upstream_connect();
    if (ufd < 0) {
        log_line(m, rq->method, rq->target, "upstream-error");
        conn_reset(c);
        return 0;
    }
    /* The request as it came, less the Expect line the proxy already answered. */
    const char *p = c->in.data;
    int sent;
    if (rq->expect_len)
        sent = send_all(ufd, p, rq->expect_off) == 0 &&
               send_all(ufd, p + rq->expect_off + rq->expect_len,
                        req_len - rq->expect_off - rq->expect_len) == 0;
    else
        sent = send_all(ufd, p, req_len) == 0;
    (void)sent; /* an upstream that answers early and closes is still read */

    char status[32];
    if (m->fault == F_RESET) {
        c->resp.len = 0;
        ssize_t n = buf_recv(&c->resp, ufd);
        if (n > 0 && c->resp.len >= 12 && memcmp(c->resp.data, "HTTP/1.", 7) == 0)
            snprintf(status, sizeof status, "%.3s", c->resp.data + 9);
        else
            snprintf(status, sizeof status, "%s", n > 0 ? "-" : "upstream-error");
        if (n > 0)
            send_all(c->fd, c->resp.data, c->resp.len / 2);
        close(ufd);
        log_line(m, rq->method, rq->target, status);
        conn_reset(c);
        return 0;
    }

    struct head rh;
    size_t end = 0;
    int framed = 0;
    int ok = read_response(c, ufd, strcmp(rq->method, "HEAD") == 0, &rh, &end, &framed);
    close(ufd);
    if (ok != 0) {
        log_line(m, rq->method, rq->target, "upstream-error");
        conn_reset(c);
        return 0;
    }
    snprintf(status, sizeof status, "%d", rh.status);
    log_line(m, rq->method, rq->target, status);
    int keep = !rq->close && !rh.close && framed;
    switch (m->fault) {
    case F_LOST:
        conn_reset(c);
        return 0;
    case F_GARBAGE: {
        char junk[128];
        unsigned seed = (unsigned)time(NULL) ^ (c->id * 2654435761u);
        size_t n = 64 + (size_t)(rand_r(&seed) % 64);
        junk[0] = 0x01; /* never the start of a JSON text */
        for (size_t i = 1; i < n; i++)
            junk[i] = (char)(rand_r(&seed) & 0xff);
        reply(c->fd, 200, "OK", "application/json", junk, n, 1);
        return 0;
    }
    case F_DRIP:
        for (size_t i = 0; i < end; i++) {
            if (send_all(c->fd, c->resp.data + i, 1) != 0)
                return 0;
            if (m->arg > 0 && i + 1 < end)
                sleep_ms(m->arg);
        }
        return keep;
    default:
        if (send_all(c->fd, c->resp.data, end) != 0)
            return 0;
        return keep;
    }
}

/* Serve one request of the connection. Returns 1 to go on with the next one, 0 when the
** connection was closed. */
static int serve_one(struct conn *c)
{
    /* Wait for the request's first byte before taking a mode. */
    if (c->in.len == 0 && buf_recv(&c->in, c->fd) <= 0)
        return 0;
    struct mode m = mode_take();
    if (m.fault == F_REFUSE) {
        log_line(&m, "-", "-", "-");
        conn_reset(c);
        return 0;
    }
    struct head rq;
    size_t req_len = 0;
    int continued = 0;
    for (;;) {
        int r = parse_head(c->in.data, c->in.len, 0, &rq);
        if (r < 0) {
            static const char msg[] = "malformed request\n";
            log_line(&m, "-", "-", "proxy-400");
            if (reply(c->fd, 400, "Bad Request", "text/plain", msg, sizeof msg - 1, 1) == 0)
                drain(c->fd);
            return 0;
        }
        if (r > 0 && rq.chunked) {
            static const char msg[] = "chunked request bodies are not supported\n";
            log_line(&m, rq.method, rq.target, "proxy-501");
            if (reply(c->fd, 501, "Not Implemented", "text/plain", msg, sizeof msg - 1, 1) == 0)
                drain(c->fd);
            return 0;
        }
        if (r > 0) {
            r = message_end(c->in.data, c->in.len, 0, &rq, 0, 0, 0, &req_len);
            if (r < 0) {
                static const char msg[] = "request over 16 MiB\n";
                log_line(&m, rq.method, rq.target, "proxy-413");
                if (reply(c->fd, 413, "Content Too Large", "text/plain", msg, sizeof msg - 1, 1) ==
                    0)
                    drain(c->fd);
                return 0;
            }
            if (r > 0)
                break;
            if (rq.expect_continue && !continued) {
                static const char go[] = "HTTP/1.1 100 Continue\r\n\r\n";
                continued = 1;
                if (send_all(c->fd, go, sizeof go - 1) != 0)
                    return 0;
            }
        }
        ssize_t n = buf_recv(&c->in, c->fd);
        if (n <= 0)
            return 0; /* the client went away (or the head filled 16 MiB: malformed) */
    }

    int keep;
    switch (m.fault) {
    case F_TIMEOUT:
        log_line(&m, rq.method, rq.target, "-");
        hold(c->fd);
        return 0;
    case F_5XX: {
        static const char body[] = "{\"error\":\"unavailable\",\"message\":\"injected\"}";
        const char *reason = m.arg == 503   ? "Service Unavailable"
                             : m.arg == 500 ? "Internal Server Error"
                             : m.arg == 502 ? "Bad Gateway"
                             : m.arg == 504 ? "Gateway Timeout"
                                            : "Server Error";
        log_line(&m, rq.method, rq.target, "-");
        keep = !rq.close;
        if (reply(c->fd, m.arg, reason, "application/json", body, sizeof body - 1, !keep) != 0)
            return 0;
        break;
    }
    default:
        keep = forward(c, &rq, req_len, &m);
        break;
    }
    if (!keep)
        return 0;
    /* Keep what the client sent beyond this request: the start of the next one. */
    memmove(c->in.data, c->in.data + req_len, c->in.len - req_len);
    c->in.len -= req_len;
    return 1;
}

static void *conn_main(void *arg)
{
    struct conn *c = arg;
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    while (serve_one(c))
        ;
    if (c->fd >= 0) /* not reset: an orderly close */
        close(c->fd);
    free(c->in.data);
    free(c->resp.data);
    free(c);
    pthread_mutex_lock(&g.count_mu);
    g.conns--;
    pthread_mutex_unlock(&g.count_mu);
    return NULL;
}

/* --- main -------------------------------------------------------------------------------- */

static void on_signal(int sig)
{
    (void)sig;
    int saved = errno;
    if (write(g.sig_pipe[1], "x", 1) < 0) {
        /* nothing to do: the pipe is full, a wake-up is already pending */
    }
    errno = saved;
}

/* Resolve "HOST:PORT" (or "[V6]:PORT", with or without "http://") into *ss. */
static int resolve(const char *spec, int passive, struct sockaddr_storage *ss, socklen_t *len)
{
    char host[256];
    if (strncmp(spec, "http://", 7) == 0)
        spec += 7;
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof host)
        return -1;
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    char port[16];
    snprintf(port, sizeof port, "%.*s", (int)strcspn(colon + 1, "/"), colon + 1);
    char *h = host;
    if (h[0] == '[' && h[strlen(h) - 1] == ']') {
        h[strlen(h) - 1] = '\0';
        h++;
    }
    struct addrinfo hints, *res;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = passive ? AI_PASSIVE : 0;
    if (getaddrinfo(h, port, &hints, &res) != 0)
        return -1;
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: fault_proxy --listen ADDR:PORT --port-file F --upstream HOST:PORT "
                    "--control FILE [--log FILE]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *listen_spec = NULL, *port_file = NULL, *upstream = NULL, *log_path = NULL;
    for (int i = 1; i < argc; i += 2) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return usage();
        if (strcmp(argv[i], "--listen") == 0)
            listen_spec = v;
        else if (strcmp(argv[i], "--port-file") == 0)
            port_file = v;
        else if (strcmp(argv[i], "--upstream") == 0)
            upstream = v;
        else if (strcmp(argv[i], "--control") == 0)
            g.control = v;
        else if (strcmp(argv[i], "--log") == 0)
            log_path = v;
        else
            return usage();
    }
    if (!listen_spec || !port_file || !upstream || !g.control)
        return usage();
    if (snprintf(g.control_tmp, sizeof g.control_tmp, "%s.%ld.tmp", g.control, (long)getpid()) >=
        (int)sizeof g.control_tmp) {
        fprintf(stderr, "fault_proxy: control file name too long\n");
        return 2;
    }
    g.log = stderr;
    if (log_path && !(g.log = fopen(log_path, "a"))) {
        fprintf(stderr, "fault_proxy: cannot open %s: %s\n", log_path, strerror(errno));
        return 1;
    }
    if (resolve(upstream, 0, &g.upstream, &g.upstream_len) != 0) {
        fprintf(stderr, "fault_proxy: bad upstream %s\n", upstream);
        return 2;
    }
    struct sockaddr_storage la;
    socklen_t la_len;
    if (resolve(listen_spec, 1, &la, &la_len) != 0) {
        fprintf(stderr, "fault_proxy: bad listen address %s\n", listen_spec);
        return 2;
    }
    /* SO_REUSEADDR: a restarted proxy takes its old port back at once (sync_faults.sh). */
    int lfd = socket(la.ss_family, SOCK_STREAM, 0), one = 1;
    if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(lfd, (struct sockaddr *)&la, la_len) != 0 || listen(lfd, 256) != 0) {
        fprintf(stderr, "fault_proxy: cannot listen on %s: %s\n", listen_spec, strerror(errno));
        return 1;
    }
    struct sockaddr_storage bound;
    socklen_t bound_len = sizeof bound;
    getsockname(lfd, (struct sockaddr *)&bound, &bound_len);
    int port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                 : ((struct sockaddr_in *)&bound)->sin_port);

    if (pipe(g.sig_pipe) != 0)
        return 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* Written whole under another name, then renamed: a reader never sees half a number. */
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.part", port_file);
    FILE *pf = fopen(tmp, "w");
    if (!pf || fprintf(pf, "%d\n", port) < 0 || fclose(pf) != 0 || rename(tmp, port_file) != 0) {
        fprintf(stderr, "fault_proxy: cannot write %s\n", port_file);
        return 1;
    }

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256u << 10);
    /* The threads block the signals, so that they always wake the poll below. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    unsigned next_id = 0;
    for (;;) {
        struct pollfd pfd[2] = {{lfd, POLLIN, 0}, {g.sig_pipe[0], POLLIN, 0}};
        if (poll(pfd, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (pfd[1].revents)
            break;
        if (!(pfd[0].revents & POLLIN))
            continue;
        int cfd = accept(lfd, NULL, NULL);
        if (cfd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOMEM)
                sleep_ms(10);
            continue;
        }
        pthread_mutex_lock(&g.count_mu);
        int full = g.conns >= CONN_MAX;
        if (!full)
            g.conns++;
        pthread_mutex_unlock(&g.count_mu);
        struct conn *c = full ? NULL : calloc(1, sizeof *c);
        if (!c) {
            warn("%s, connection reset", full ? "too many connections" : "out of memory");
            close_rst(cfd);
            if (!full) {
                pthread_mutex_lock(&g.count_mu);
                g.conns--;
                pthread_mutex_unlock(&g.count_mu);
            }
            continue;
        }
        c->fd = cfd;
        c->id = next_id++;
        pthread_t t;
        pthread_sigmask(SIG_BLOCK, &block, &old);
        int err = pthread_create(&t, &attr, conn_main, c);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (err != 0) {
            warn("cannot start a thread, connection reset");
            close_rst(cfd);
            free(c);
            pthread_mutex_lock(&g.count_mu);
            g.conns--;
            pthread_mutex_unlock(&g.count_mu);
        }
    }
    /* The connection threads are cut off where they stand: the log is flushed under its lock
    ** so that no line is left half written, and _exit skips the exit handlers that would run
    ** beside them. */
    close(lfd);
    pthread_mutex_lock(&g.log_mu);
    fflush(g.log);
    _exit(0);
}
