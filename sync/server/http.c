/* borne-server's HTTP side: libmicrohttpd with a pool of threads, each with its own database
** connection (db.c).
**
** A request's body is gathered into a buffer that never grows past its route's limit (8 MiB
** for a push, 1 MiB for a pull, 16 KiB otherwise: routes[]): a body announced larger is
** answered 413 before a byte of it is read, and one that turns out larger
** (chunked) stops being kept the moment it crosses the line. Routes are matched on the first
** call, so a wrong path or method costs no body either, nor does a body that is not
** application/json (415) or whose length is ambiguous (400: two Content-Lengths, or a
** Transfer-Encoding other than a lone "chunked", which a proxy in front may read otherwise).
** Slow clients cost a socket and no thread: libmicrohttpd reads every connection of a pool
** thread from one epoll loop and calls on_request only with what arrived, so capacity is the
** connection limit (HTTP_CONNECTION_LIMIT), not the pool size. A connection silent for
** HTTP_TIMEOUT_S is closed; one that drips a byte now and then is bounded by that limit only
** (libmicrohttpd has no deadline for a whole request). No per-address limit: a centre's kiosks
** often share one NAT address.
**
** One line per request goes to stderr once the connection is done with it: method, path,
** status, milliseconds, device. Never the token, never the body. */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "protocol/protocol.h"
#include "server/request.h"
#include "server/server.h"

#define HTTP_CONNECTION_LIMIT 4096 /* simultaneous connections: 1 000 kiosks and room to spare */
#define HTTP_TIMEOUT_S 30
#define HTTP_BACKLOG 1024
#define HTTP_DISCARD_MAX (64u * 1024u * 1024u) /* bytes of an oversize body read and dropped */
#define HTTP_TLS_FILE_MAX (1024 * 1024)
#define HTTP_DRAIN_MS 5000 /* how long a stop waits for requests in progress */

enum route {
    ROUTE_NONE = 0,
    ROUTE_ENROL,
    ROUTE_PUSH,
    ROUTE_SEAT,
    ROUTE_PULL,
    ROUTE_HEALTH,
};

/* One request, from its headers to the connection's completion callback. */
struct request {
    enum route route;
    char *body; /* gathered so far; at most body_max bytes */
    size_t len, cap;
    size_t body_max;  /* the route's largest body (routes[]) */
    size_t discarded; /* bytes dropped after the body went over the limit */
    bool too_large;   /* the body crossed body_max */
    bool responded;   /* a response is queued; further upload data is dropped */
    struct timespec started;
    unsigned status;
    char device_id[BORNE_ID_MAX];
    char method[12];
    char path[72];
};

/* Requests begun and not completed: what a stop waits for (idle keep-alive connections are
** not worth waiting for). */
static atomic_int requests_in_progress;

/* Each route's largest body. A body costs the server far more than its size once parsed
** (cJSON makes a node of some 64 bytes of a 2-byte value), and /v1/enrol needs no token: so no
** route accepts more than its largest real request. A push of 500 events is the big one;
** a pull's "used" list of 4 000 sessions is some 300 KiB; enrolment and seat bodies are a few
** hundred bytes. */
#define BODY_MAX_SMALL (16u * 1024u)
#define BODY_MAX_PULL (1024u * 1024u)

static const struct {
    const char *path;
    const char *method;
    enum route route;
    size_t body_max;
} routes[] = {
    {"/v1/enrol", "POST", ROUTE_ENROL, BODY_MAX_SMALL},
    {"/v1/push", "POST", ROUTE_PUSH, SYNC_BODY_MAX},
    {"/v1/seat", "POST", ROUTE_SEAT, BODY_MAX_SMALL},
    {"/v1/pull", "POST", ROUTE_PULL, BODY_MAX_PULL},
    {"/v1/health", "GET", ROUTE_HEALTH, BODY_MAX_SMALL},
};

/* A printable copy of something a client sent, for the log. */
static void log_copy(char *dst, size_t cap, const char *src)
{
    size_t n = 0;
    for (; src && *src && n + 1 < cap; src++)
        dst[n++] = (*src > 0x20 && *src < 0x7F) ? *src : '?';
    dst[n] = '\0';
}

static enum MHD_Result queue(struct MHD_Connection *conn, struct request *rq, struct api_reply *r,
                             const char *allow)
{
    struct MHD_Response *resp;
    if (r->body) {
        resp = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
        if (resp)
            r->body = NULL; /* the response owns it now */
    } else {
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (!resp) {
        api_reply_clear(r);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
    enum MHD_Result ok = MHD_queue_response(conn, r->status, resp);
    MHD_destroy_response(resp);
    if (ok == MHD_YES) {
        rq->responded = true;
        rq->status = r->status;
        snprintf(rq->device_id, sizeof rq->device_id, "%s", r->device_id);
    }
    api_reply_clear(r);
    return ok;
}

static enum MHD_Result queue_error(struct MHD_Connection *conn, struct request *rq, unsigned status,
                                   const char *error, const char *message, const char *allow)
{
    struct api_reply r;
    memset(&r, 0, sizeof r);
    api_error(&r, status, error, message);
    return queue(conn, rq, &r, allow);
}

/* The number of request headers called name (any case): libmicrohttpd keeps every copy. */
struct header_count {
    const char *name;
    unsigned n;
};

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    (void)kind;
    (void)value;
    struct header_count *c = cls;
    if (key && strcasecmp(key, c->name) == 0)
        c->n++;
    return MHD_YES;
}

static unsigned header_count(struct MHD_Connection *conn, const char *name)
{
    struct header_count c = {name, 0};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, count_header, &c);
    return c.n;
}

/* 413, saying the route's limit. */
static enum MHD_Result too_large(struct MHD_Connection *conn, struct request *rq)
{
    char why[64];
    if (rq->body_max >= 1024u * 1024u)
        snprintf(why, sizeof why, "the body is over %zu MiB", rq->body_max / (1024u * 1024u));
    else
        snprintf(why, sizeof why, "the body is over %zu KiB", rq->body_max / 1024u);
    return queue_error(conn, rq, 413, "too_large", why, NULL);
}

/* The first call for a request: headers only. Decides the route, and refuses at once what
** needs no body to refuse. */
static enum MHD_Result on_headers(struct MHD_Connection *conn, struct request *rq, const char *url,
                                  const char *method)
{
    const char *allow = NULL;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (strcmp(url, routes[i].path) != 0)
            continue;
        allow = routes[i].method;
        if (strcmp(method, routes[i].method) == 0) {
            rq->route = routes[i].route;
            rq->body_max = routes[i].body_max;
        }
    }
    if (rq->route == ROUTE_NONE && !allow)
        return queue_error(conn, rq, 404, "not_found", "no such path", NULL);
    if (rq->route == ROUTE_NONE)
        return queue_error(conn, rq, 405, "method_not_allowed",
                           strcmp(allow, "GET") == 0 ? "only GET is served here"
                                                     : "only POST is served here",
                           allow);
    /* One reading of where the body ends, or none: a proxy in front that reads two lengths or
    ** an unknown coding otherwise would see another request in the same bytes. */
    unsigned n_length = header_count(conn, MHD_HTTP_HEADER_CONTENT_LENGTH);
    unsigned n_coding = header_count(conn, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    const char *coding =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    if (n_length > 1)
        return queue_error(conn, rq, 400, "bad_request", "Content-Length given twice", NULL);
    if (n_coding > 1 || (coding && !request_transfer_encoding_is_chunked(coding)))
        return queue_error(conn, rq, 400, "bad_request",
                           "Transfer-Encoding: only \"chunked\" is understood", NULL);
    if (coding && n_length > 0)
        return queue_error(conn, rq, 400, "bad_request",
                           "Content-Length and Transfer-Encoding together", NULL);
    if (rq->route != ROUTE_HEALTH) {
        const char *type =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        if (header_count(conn, MHD_HTTP_HEADER_CONTENT_TYPE) != 1 ||
            !request_content_type_is_json(type))
            return queue_error(conn, rq, 415, "unsupported_media_type",
                               "the body must be application/json (UTF-8)", NULL);
    }
    const char *length =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (length) {
        char *end = NULL;
        errno = 0;
        unsigned long long n = strtoull(length, &end, 10);
        if (errno == ERANGE || n > rq->body_max)
            return too_large(conn, rq);
        /* Reserve what is announced (bounded above), so a large push is not copied at every
        ** doubling. */
        if (end != length && n > 0) {
            rq->body = malloc((size_t)n);
            rq->cap = rq->body ? (size_t)n : 0;
        }
    }
    return MHD_YES;
}

static bool body_append(struct request *rq, const char *data, size_t n)
{
    if (rq->len + n > rq->cap) {
        size_t cap = rq->cap ? rq->cap : 4096;
        while (cap < rq->len + n)
            cap *= 2;
        if (cap > rq->body_max)
            cap = rq->body_max;
        char *b = realloc(rq->body, cap);
        if (!b)
            return false;
        rq->body = b;
        rq->cap = cap;
    }
    memcpy(rq->body + rq->len, data, n);
    rq->len += n;
    return true;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)cls;
    (void)version;
    struct request *rq = *con_cls;
    if (!rq) {
        rq = calloc(1, sizeof *rq);
        if (!rq)
            return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &rq->started);
        atomic_fetch_add(&requests_in_progress, 1);
        log_copy(rq->method, sizeof rq->method, method);
        log_copy(rq->path, sizeof rq->path, url);
        *con_cls = rq;
        return on_headers(conn, rq, url, method);
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (rq->responded || rq->too_large) {
            rq->discarded += n;
            return rq->discarded > HTTP_DISCARD_MAX ? MHD_NO : MHD_YES;
        }
        if (n > rq->body_max - rq->len) {
            /* Over the limit (a chunked body, or one longer than announced): keep nothing more.
            ** The 413 goes out when the client has finished sending, unless it sends so much
            ** that closing the connection is kinder to the server. */
            rq->too_large = true;
            free(rq->body);
            rq->body = NULL;
            rq->len = rq->cap = 0;
            rq->discarded = n;
            return MHD_YES;
        }
        if (!body_append(rq, upload_data, n))
            return queue_error(conn, rq, 500, "internal", "out of memory", NULL);
        return MHD_YES;
    }
    if (rq->responded)
        return MHD_YES;
    if (rq->too_large)
        return too_large(conn, rq);

    const char *auth =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    const char *body = rq->body ? rq->body : "";
    struct api_reply r;
    memset(&r, 0, sizeof r);
    switch (rq->route) {
    case ROUTE_ENROL:
        api_enrol(body, rq->len, &r);
        break;
    case ROUTE_PUSH:
        api_push(auth, body, rq->len, &r);
        break;
    case ROUTE_SEAT:
        api_seat(auth, body, rq->len, &r);
        break;
    case ROUTE_PULL:
        api_pull(auth, body, rq->len, &r);
        break;
    case ROUTE_HEALTH:
        api_health(&r);
        break;
    case ROUTE_NONE:
        api_error(&r, 404, "not_found", "no such path");
        break;
    }
    free(rq->body);
    rq->body = NULL;
    rq->len = rq->cap = 0;
    return queue(conn, rq, &r, NULL);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    struct request *rq = *con_cls;
    if (!rq)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms = (long)(now.tv_sec - rq->started.tv_sec) * 1000L +
              (now.tv_nsec - rq->started.tv_nsec) / 1000000L;
    char status[16];
    if (rq->status)
        snprintf(status, sizeof status, "%u", rq->status);
    else
        snprintf(status, sizeof status, "%s",
                 toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? "timeout" : "aborted");
    fprintf(stderr, "%s %s %s %ldms %s\n", rq->method, rq->path, status, ms,
            rq->device_id[0] ? rq->device_id : "-");
    free(rq->body);
    free(rq);
    *con_cls = NULL;
    atomic_fetch_sub(&requests_in_progress, 1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    fputs("borne-server: http: ", stderr);
    vfprintf(stderr, fmt, ap);
}

/* ---- start-up ---------------------------------------------------------------------------- */

/* Parses "ADDR:PORT" ("[ADDR]:PORT" for IPv6; "*" or "" for every IPv4 address). */
static bool parse_listen(const char *listen, struct sockaddr_storage *addr, socklen_t *len)
{
    char host[256];
    const char *colon = strrchr(listen, ':');
    if (!colon || !colon[1])
        return false;
    size_t hn = (size_t)(colon - listen);
    const char *h = listen;
    if (hn >= 2 && listen[0] == '[' && listen[hn - 1] == ']') {
        h++;
        hn -= 2;
    }
    if (hn >= sizeof host)
        return false;
    memcpy(host, h, hn);
    host[hn] = '\0';
    for (const char *p = colon + 1; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    if (strlen(colon + 1) > 5 || atoi(colon + 1) > 65535)
        return false;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    bool any = !host[0] || strcmp(host, "*") == 0;
    if (any)
        hints.ai_family = AF_INET;
    if (getaddrinfo(any ? NULL : host, colon + 1, &hints, &res) != 0 || !res)
        return false;
    memcpy(addr, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return true;
}

static char *read_small_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(HTTP_TLS_FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, HTTP_TLS_FILE_MAX + 1, f) : 0;
    bool bad = ferror(f) || n > HTTP_TLS_FILE_MAX;
    fclose(f);
    if (!buf || bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* Writes the port next to its final place and renames it there, so a reader never sees half a
** number. */
static bool write_port_file(const char *path, unsigned port)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
        return false;
    FILE *f = fopen(tmp, "w");
    if (!f)
        return false;
    bool ok = fprintf(f, "%u\n", port) > 0;
    ok = (fclose(f) == 0) && ok;
    if (ok && rename(tmp, path) == 0)
        return true;
    unlink(tmp);
    return false;
}

/* A thousand kiosks need a thousand sockets: lift the soft limit to the hard one. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int server_serve(const struct serve_options *o)
{
    struct sockaddr_storage addr;
    socklen_t addr_len = 0;
    memset(&addr, 0, sizeof addr);
    if (!parse_listen(o->listen, &addr, &addr_len)) {
        fprintf(stderr, "borne-server: --listen %s: expected ADDR:PORT, e.g. 127.0.0.1:8080\n",
                o->listen);
        return 1;
    }
    char *cert = NULL, *key = NULL;
    if (o->tls_cert || o->tls_key) {
        if (!o->tls_cert || !o->tls_key) {
            fprintf(stderr, "borne-server: --tls-cert and --tls-key go together\n");
            return 1;
        }
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            fprintf(stderr, "borne-server: this libmicrohttpd has no TLS; use a reverse proxy\n");
            return 1;
        }
        cert = read_small_file(o->tls_cert);
        key = read_small_file(o->tls_key);
        if (!cert || !key) {
            fprintf(stderr, "borne-server: cannot read %s\n", !cert ? o->tls_cert : o->tls_key);
            free(cert);
            free(key);
            return 1;
        }
    }

    raise_fd_limit();
    signal(SIGPIPE, SIG_IGN);
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    /* Blocked before the pool starts, so that only sigwait() below ever takes them. */
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    db_pool_configure(o->conninfo);
    api_configure(o->allotment);

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    flags |= MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES ? MHD_USE_EPOLL : MHD_USE_POLL;
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (cert)
        flags |= MHD_USE_TLS;
    /* Optional options: a pool of one is no pool (libmicrohttpd says so on stderr). */
    struct MHD_OptionItem extra[4];
    size_t n_extra = 0;
    if (o->threads > 1)
        extra[n_extra++] =
            (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)o->threads, NULL};
    if (cert) {
        extra[n_extra++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, cert};
        extra[n_extra++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, key};
    }
    extra[n_extra] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)HTTP_TIMEOUT_S, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)HTTP_CONNECTION_LIMIT, MHD_OPTION_LISTEN_BACKLOG_SIZE,
        (unsigned int)HTTP_BACKLOG, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_ARRAY, extra, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "borne-server: cannot listen on %s (in use? no permission?)\n", o->listen);
        free(cert);
        free(key);
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = info ? info->port : 0;
    fprintf(stderr, "borne-server: listening on port %u (%d threads%s), allotment %d\n", port,
            o->threads, cert ? ", TLS" : "", o->allotment);
    if (o->port_file && !write_port_file(o->port_file, port)) {
        fprintf(stderr, "borne-server: cannot write %s\n", o->port_file);
        MHD_stop_daemon(d);
        free(cert);
        free(key);
        return 1;
    }

    int sig = 0;
    while (sigwait(&stop, &sig) != 0) {
    }
    fprintf(stderr, "borne-server: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    /* Stop taking connections, give the requests in progress a moment to finish, then stop. */
    MHD_socket listen_fd = MHD_quiesce_daemon(d);
    for (int waited = 0; waited < HTTP_DRAIN_MS; waited += 20) {
        if (atomic_load(&requests_in_progress) == 0)
            break;
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(d);
    if (listen_fd != MHD_INVALID_SOCKET)
        close(listen_fd);
    free(cert);
    free(key);
    fprintf(stderr, "borne-server: stopped\n");
    return 0;
}
