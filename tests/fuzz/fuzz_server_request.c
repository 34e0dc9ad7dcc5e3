/* libFuzzer target for the parts of a sync request borne-server reads itself
** (sync/server/request.c): the Authorization header, the pull cursor, the Content-Type and
** Transfer-Encoding values. Each input goes to all, as the text up to its first NUL (headers
** and JSON strings carry none).
**
** Checked on every input, against oracles written here from the grammars of request.h:
**   - Authorization: accepted exactly when it is blanks, "Bearer" in any case, blanks, 64 hex
**     digits, blanks; then the hash is BLAKE2b-256 of the token's bytes, else it is all zero;
**   - cursor: accepted exactly when it is "", "v1:H" or "v1:H:H:H:ID" (H: 1 to 16 lower-case
**     hex digits, ID: 1 to 39 bytes 0x21-0x7E), with the numbers and the id read as written;
**     refused, the cursor is all zero; accepted, it is written back to a text the protocol can
**     carry that parses to the same cursor, and that text is written back to itself. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "protocol/protocol.h"
#include "server/request.h"

static void check(bool ok)
{
    if (!ok)
        abort();
}

static bool all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

static int hex_value(char c, bool upper_too)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (upper_too && c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The Authorization grammar; on a match, the token's bytes into raw. */
static bool bearer_oracle(const char *s, uint8_t raw[32])
{
    const char *p = s;
    while (blank(*p))
        p++;
    static const char word[] = "bearer";
    for (int i = 0; i < 6; i++, p++) {
        char c = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
        if (c != word[i])
            return false;
    }
    if (!blank(*p))
        return false;
    while (blank(*p))
        p++;
    for (int i = 0; i < 32; i++) {
        int hi = hex_value(p[2 * i], true), lo = hi < 0 ? -1 : hex_value(p[2 * i + 1], true);
        if (hi < 0 || lo < 0)
            return false;
        raw[i] = (uint8_t)(hi << 4 | lo);
    }
    p += 64;
    while (blank(*p))
        p++;
    return *p == '\0';
}

static void fuzz_bearer(const char *s)
{
    uint8_t hash[32], raw[32], want[32];
    memset(hash, 0xA5, sizeof hash);
    enum borne_err err = request_bearer_hash(s, hash);
    bool match = bearer_oracle(s, raw);
    check(err == (match ? BORNE_OK : BORNE_ERR_INVALID));
    if (match) {
        crypto_generichash(want, sizeof want, raw, sizeof raw, NULL, 0);
        check(memcmp(hash, want, sizeof want) == 0);
    } else {
        check(all_zero(hash, sizeof hash));
    }
}

/* 1 to 16 lower-case hex digits at *p. */
static bool number_oracle(const char **p, uint64_t *v)
{
    int n = 0;
    *v = 0;
    for (; hex_value(**p, false) >= 0; (*p)++, n++) {
        if (n == 16)
            return false;
        *v = *v * 16 + (uint64_t)hex_value(**p, false);
    }
    return n > 0;
}

/* The cursor grammar; on a match, what it says into want. */
static bool cursor_oracle(const char *s, struct request_cursor *want)
{
    memset(want, 0, sizeof *want);
    if (!*s)
        return true;
    if (strncmp(s, "v1:", 3) != 0)
        return false;
    const char *p = s + 3;
    if (!number_oracle(&p, &want->from))
        return false;
    if (!*p)
        return true;
    if (*p++ != ':' || !number_oracle(&p, &want->next) || *p++ != ':' ||
        !number_oracle(&p, &want->after_xid) || *p++ != ':')
        return false;
    size_t n = strlen(p);
    if (n < 1 || n > 39)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] < 0x21 || (unsigned char)p[i] > 0x7E)
            return false;
    memcpy(want->after_id, p, n + 1);
    want->paging = true;
    return true;
}

static bool same_cursor(const struct request_cursor *a, const struct request_cursor *b)
{
    return a->from == b->from && a->next == b->next && a->after_xid == b->after_xid &&
           a->paging == b->paging && strcmp(a->after_id, b->after_id) == 0;
}

static void fuzz_cursor(const char *s)
{
    struct request_cursor c, want, again;
    memset(&c, 0xA5, sizeof c);
    enum borne_err err = request_cursor_parse(s, &c);
    bool match = cursor_oracle(s, &want);
    check(err == (match ? BORNE_OK : BORNE_ERR_INVALID));
    if (!match) {
        check(all_zero(&c, sizeof c));
        return;
    }
    check(same_cursor(&c, &want));
    char t1[REQUEST_CURSOR_MAX], t2[REQUEST_CURSOR_MAX];
    check(request_cursor_format(&c, t1, sizeof t1) == BORNE_OK);
    check(strlen(t1) < SYNC_CURSOR_MAX);
    check(request_cursor_parse(t1, &again) == BORNE_OK);
    check(same_cursor(&c, &again));
    check(request_cursor_format(&again, t2, sizeof t2) == BORNE_OK);
    check(strcmp(t1, t2) == 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (sodium_init() < 0)
        abort();
    return 0;
}

/* The header values judged before a body is read. Oracles of a grammar with parameters would
** repeat the code; what must hold instead: both are blind to letter case (every token in them
** is), an accepted Content-Type starts with application/json and stays accepted with one more
** parameter, and chunked is accepted exactly as "chunked" between blanks. */
static void fuzz_headers(const char *s)
{
    size_t n = strlen(s);
    char *lower = malloc(n + 1), *more = malloc(n + 8);
    if (!lower || !more) {
        free(lower);
        free(more);
        return;
    }
    for (size_t i = 0; i <= n; i++)
        lower[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] - 'A' + 'a' : s[i]);
    bool json = request_content_type_is_json(s);
    check(json == request_content_type_is_json(lower));
    if (json) {
        const char *p = lower;
        while (blank(*p))
            p++;
        check(strncmp(p, "application/json", 16) == 0);
        memcpy(more, s, n);
        memcpy(more + n, ";x=y", 5);
        check(request_content_type_is_json(more));
    }
    bool chunked = request_transfer_encoding_is_chunked(s);
    check(chunked == request_transfer_encoding_is_chunked(lower));
    const char *p = lower, *end = lower + n;
    while (blank(*p))
        p++;
    while (end > p && blank(end[-1]))
        end--;
    check(chunked == ((size_t)(end - p) == 7 && strncmp(p, "chunked", 7) == 0));
    free(lower);
    free(more);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096) /* a header line or a cursor: longer adds nothing */
        return 0;
    size_t n = strnlen((const char *)data, size);
    char *s = malloc(n + 1); /* exact size, so that a read past the NUL is caught by ASan */
    if (!s)
        return 0;
    memcpy(s, data, n);
    s[n] = '\0';
    fuzz_bearer(s);
    fuzz_cursor(s);
    fuzz_headers(s);
    free(s);
    return 0;
}
