/* Random ids and short codes. See ids.h. */
#include "ticket/ids.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

static const char alphabet[] = TICKET_CODE_ALPHABET;
#define ALPHA ((int)sizeof alphabet - 1)

static enum borne_err random_bytes(uint8_t *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(buf + got, n - got, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return BORNE_ERR_IO;
        }
        got += (size_t)r;
    }
    return BORNE_OK;
}

enum borne_err ticket_random_id(char *out)
{
    uint8_t b[16];
    enum borne_err err = random_bytes(b, sizeof b);
    if (err != BORNE_OK) {
        out[0] = '\0';
        return err;
    }
    b[6] = (uint8_t)((b[6] & 0x0F) | 0x40); /* version 4 */
    b[8] = (uint8_t)((b[8] & 0x3F) | 0x80); /* RFC 4122 variant */
    snprintf(out, BORNE_ID_MAX,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
             b[15]);
    return BORNE_OK;
}

static int check_value(const int *v, int n)
{
    int sum = 0;
    for (int i = 0; i < n; i++)
        sum += (i + 1) * v[i];
    return sum % ALPHA;
}

void ticket_short_code_make(const uint8_t digits[8], char *out)
{
    int v[8];
    for (int i = 0; i < 8; i++) {
        v[i] = digits[i] % ALPHA;
        out[i] = alphabet[v[i]];
    }
    out[8] = alphabet[check_value(v, 8)];
    out[9] = '\0';
}

enum borne_err ticket_short_code_new(char *out)
{
    /* Rejection sampling: only bytes below a multiple of 23 are kept, so that every
    ** character is equally likely. */
    uint8_t digits[8], pool[32];
    int n = 0;
    while (n < 8) {
        enum borne_err err = random_bytes(pool, sizeof pool);
        if (err != BORNE_OK) {
            out[0] = '\0';
            return err;
        }
        for (size_t i = 0; i < sizeof pool && n < 8; i++)
            if (pool[i] < (256 / ALPHA) * ALPHA)
                digits[n++] = pool[i];
    }
    ticket_short_code_make(digits, out);
    return BORNE_OK;
}

bool ticket_short_code_parse(const char *typed, char *out, size_t cap)
{
    int v[BORNE_SHORT_CODE_LEN];
    int n = 0;
    if (cap < BORNE_SHORT_CODE_LEN + 1)
        return false;
    out[0] = '\0';
    for (const char *p = typed; *p; p++) {
        char c = *p;
        if (c == ' ' || c == '-')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        const char *at = memchr(alphabet, c, ALPHA);
        if (!at || c == '\0' || n == BORNE_SHORT_CODE_LEN) {
            out[0] = '\0'; /* nothing half-parsed is left for a caller to trust */
            return false;
        }
        v[n] = (int)(at - alphabet);
        out[n++] = c;
    }
    out[n] = '\0';
    if (n != BORNE_SHORT_CODE_LEN || check_value(v, 8) != v[8]) {
        out[0] = '\0';
        return false;
    }
    return true;
}
