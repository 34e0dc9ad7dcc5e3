/* The Authorization header and the pull cursor: see request.h. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "server/request.h"

enum borne_err request_bearer_hash(const char *authorization, uint8_t hash[32])
{
    memset(hash, 0, 32);
    if (!authorization)
        return BORNE_ERR_INVALID;
    const char *p = authorization;
    while (*p == ' ' || *p == '\t')
        p++;
    if (strncasecmp(p, "Bearer", 6) != 0 || (p[6] != ' ' && p[6] != '\t'))
        return BORNE_ERR_INVALID;
    p += 6;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = strcspn(p, " \t");
    for (const char *q = p + n; *q; q++)
        if (*q != ' ' && *q != '\t')
            return BORNE_ERR_INVALID;
    if (n != REQUEST_TOKEN_HEX)
        return BORNE_ERR_INVALID;
    uint8_t raw[32];
    size_t raw_len = 0;
    const char *end = NULL;
    if (sodium_hex2bin(raw, sizeof raw, p, n, NULL, &raw_len, &end) != 0 || raw_len != 32 ||
        end != p + n) {
        sodium_memzero(raw, sizeof raw);
        return BORNE_ERR_INVALID;
    }
    crypto_generichash(hash, 32, raw, sizeof raw, NULL, 0);
    sodium_memzero(raw, sizeof raw);
    return BORNE_OK;
}

static int hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    return -1;
}

/* 1 to 16 lower-case hex digits at *p, which moves past them. */
static bool parse_u64(const char **p, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    int n = 0;
    for (; hex_digit(*s) >= 0; s++, n++) {
        if (n == 16)
            return false;
        v = v << 4 | (uint64_t)hex_digit(*s);
    }
    if (n == 0)
        return false;
    *p = s;
    *out = v;
    return true;
}

/* An after_id as a cursor may carry it: 1 to BORNE_ID_MAX - 1 bytes 0x21 to 0x7E. */
static bool after_id_ok(const char *s, size_t n)
{
    if (n == 0 || n >= BORNE_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7E)
            return false;
    return true;
}

static enum borne_err cursor_refuse(struct request_cursor *c)
{
    memset(c, 0, sizeof *c);
    return BORNE_ERR_INVALID;
}

enum borne_err request_cursor_parse(const char *text, struct request_cursor *c)
{
    memset(c, 0, sizeof *c);
    if (!text[0])
        return BORNE_OK;
    if (strncmp(text, "v1:", 3) != 0)
        return cursor_refuse(c);
    const char *p = text + 3;
    if (!parse_u64(&p, &c->from))
        return cursor_refuse(c);
    if (!*p)
        return BORNE_OK;
    if (*p++ != ':' || !parse_u64(&p, &c->next) || *p++ != ':' || !parse_u64(&p, &c->after_xid) ||
        *p++ != ':')
        return cursor_refuse(c);
    size_t n = strlen(p);
    if (!after_id_ok(p, n))
        return cursor_refuse(c);
    memcpy(c->after_id, p, n + 1);
    c->paging = true;
    return BORNE_OK;
}

enum borne_err request_cursor_format(const struct request_cursor *c, char *out, size_t cap)
{
    if (cap == 0)
        return BORNE_ERR_INVALID;
    int n;
    if (c->paging) {
        size_t id_len = strnlen(c->after_id, sizeof c->after_id);
        if (!after_id_ok(c->after_id, id_len)) {
            out[0] = '\0';
            return BORNE_ERR_INVALID;
        }
        n = snprintf(out, cap, "v1:%" PRIx64 ":%" PRIx64 ":%" PRIx64 ":%s", c->from, c->next,
                     c->after_xid, c->after_id);
    } else {
        n = snprintf(out, cap, "v1:%" PRIx64, c->from);
    }
    if (n < 0 || (size_t)n >= cap) {
        out[0] = '\0';
        return BORNE_ERR_INVALID;
    }
    return BORNE_OK;
}

/* ---- headers ---------------------------------------------------------------------------- */

static const char *skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

bool request_transfer_encoding_is_chunked(const char *v)
{
    if (!v)
        return false;
    v = skip_ows(v);
    return strncasecmp(v, "chunked", 7) == 0 && *skip_ows(v + 7) == '\0';
}

bool request_content_type_is_json(const char *v)
{
    if (!v)
        return false;
    static const char json[] = "application/json";
    v = skip_ows(v);
    if (strncasecmp(v, json, sizeof json - 1) != 0)
        return false;
    v += sizeof json - 1;
    for (;;) {
        v = skip_ows(v);
        if (*v == '\0')
            return true;
        if (*v != ';')
            return false;
        v = skip_ows(v + 1);
        if (*v == '\0')
            return true;
        if (*v == ';') /* an empty parameter: RFC 9110 allows them */
            continue;
        const char *name = v;
        size_t name_len = strcspn(v, "=; \t");
        v += name_len;
        if (*v++ != '=')
            return false;
        char value[8]; /* "utf-8" and a little more: a longer value is not utf-8 */
        size_t n = 0;
        bool quoted = *v == '"', fits = true;
        if (quoted)
            v++;
        while (*v && (quoted ? *v != '"' : (*v != ';' && *v != ' ' && *v != '\t'))) {
            if (quoted && *v == '\\' && v[1])
                v++;
            if (n + 1 < sizeof value)
                value[n++] = *v;
            else
                fits = false;
            v++;
        }
        value[n] = '\0';
        if (quoted && *v++ != '"')
            return false;
        if (name_len == 7 && strncasecmp(name, "charset", 7) == 0 &&
            (!fits || strcasecmp(value, "utf-8") != 0))
            return false;
    }
}
