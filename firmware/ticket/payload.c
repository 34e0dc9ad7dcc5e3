/* Signed ticket payloads and device keys. See payload.h for the format and its reasons.
**
** Everything read from a scan is bounded before it is decoded: the text's length is checked
** against the longest payload first, so a scanner that sends a megabyte costs a comparison.
** Signatures and keys are libsodium's; only the base32 codec, a plain encoding, is written
** here (libsodium has hex and base64 but no base32). */
#include "ticket/payload.h"

#include <string.h>

#include <sodium.h>

#define PREFIX_LEN 2 /* "B1", "B2" */
/* One domain string per version, of one length: a B1 signature never passes as a B2 one. */
#define DOMAIN_V1 "borne-ticket-v1"
#define DOMAIN_V2 "borne-ticket-v2"
#define DOMAIN_LEN (sizeof DOMAIN_V1 - 1)
_Static_assert(sizeof DOMAIN_V1 == sizeof DOMAIN_V2, "domain strings of one length");
#define FLAG_WAITLIST 0x01     /* B2: issued on the waiting list */
#define FLAGS_V2 FLAG_WAITLIST /* the flags a B2 reader knows; any other bit is refused */

#define UUID_BYTES 16
#define UUID_TEXT_LEN 36
#define OFF_FLAGS 0
#define OFF_TICKET 1
#define OFF_DEVICE (OFF_TICKET + UUID_BYTES)
#define OFF_SESSION_LEN (OFF_DEVICE + UUID_BYTES)
#define OFF_SESSION (OFF_SESSION_LEN + 1)
#define SESSION_MAX (BORNE_ID_MAX - 1)
#define SIG_LEN crypto_sign_BYTES
#define BODY_MIN (OFF_SESSION + 1 + SIG_LEN)
#define BODY_MAX (OFF_SESSION + SESSION_MAX + SIG_LEN)

/* Characters of the unpadded base32 of n bytes. */
#define B32_LEN(n) (((n)*8 + 4) / 5)
#define TEXT_MIN (PREFIX_LEN + B32_LEN(BODY_MIN))
#define TEXT_MAX (PREFIX_LEN + B32_LEN(BODY_MAX))

_Static_assert(SIG_LEN == 64, "Ed25519 signatures are 64 bytes");
_Static_assert(TEXT_MAX + 1 <= TICKET_PAYLOAD_MAX, "TICKET_PAYLOAD_MAX too small");
_Static_assert(SESSION_MAX <= 255, "session length must fit its length byte");

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

const char *ticket_payload_status_str(enum payload_status status)
{
    switch (status) {
    case PAYLOAD_OK:
        return "ok";
    case PAYLOAD_MALFORMED:
        return "malformed payload";
    case PAYLOAD_BAD_VERSION:
        return "unsupported payload version";
    case PAYLOAD_UNKNOWN_KEY:
        return "unknown device key";
    case PAYLOAD_REVOKED_KEY:
        return "revoked device key";
    case PAYLOAD_BAD_SIGNATURE:
        return "bad signature";
    }
    return "unknown payload status";
}

/* --- base32 (RFC 4648, no padding) ------------------------------------------------------------ */

/* Writes B32_LEN(n) characters, no NUL. */
static void b32_encode(const uint8_t *in, size_t n, char *out)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out[o++] = b32_alphabet[(acc >> bits) & 31];
        }
    }
    if (bits > 0)
        out[o++] = b32_alphabet[(acc << (5 - bits)) & 31];
}

static int b32_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c >= '2' && c <= '7')
        return c - '2' + 26;
    return -1;
}

/* Decodes n characters into out (cap bytes) and sets *out_len. Refuses a character outside the
** alphabet, a length no byte count encodes to (1, 3 or 6 characters past a multiple of 8), and
** leftover padding bits that are not zero: each refusal keeps the encoding one-to-one. */
static bool b32_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t bytes = n * 5 / 8;
    if (bytes > cap || B32_LEN(bytes) != n)
        return false;
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b32_value((unsigned char)in[i]);
        if (v < 0)
            return false;
        acc = (acc << 5) | (uint32_t)v;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    if ((acc & ((1u << bits) - 1)) != 0)
        return false;
    *out_len = o;
    return true;
}

/* --- ids ---------------------------------------------------------------------------------------
 */

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static bool is_dash_at(size_t i)
{
    return i == 8 || i == 13 || i == 18 || i == 23;
}

/* Reads a UUID in canonical text form (36 characters, lower-case hex, dashes at 8, 13, 18, 23)
** from a field of BORNE_ID_MAX bytes, which need not be terminated. Upper case is refused so
** that what is signed reads back byte for byte; version and variant bits are not checked, as
** the website may make ids of another version than the kiosk's v4. */
static bool uuid_parse(const char field[BORNE_ID_MAX], uint8_t out[UUID_BYTES])
{
    if (memchr(field, '\0', BORNE_ID_MAX) != field + UUID_TEXT_LEN)
        return false;
    size_t o = 0;
    for (size_t i = 0; i < UUID_TEXT_LEN;) {
        if (is_dash_at(i)) {
            if (field[i] != '-')
                return false;
            i++;
            continue;
        }
        int hi = hex_value(field[i]), lo = hex_value(field[i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[o++] = (uint8_t)(hi << 4 | lo);
        i += 2;
    }
    return o == UUID_BYTES;
}

static void uuid_format(const uint8_t in[UUID_BYTES], char out[BORNE_ID_MAX])
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < UUID_BYTES; i++) {
        if (o == 8 || o == 13 || o == 18 || o == 23)
            out[o++] = '-';
        out[o++] = hex[in[i] >> 4];
        out[o++] = hex[in[i] & 15];
    }
    out[o] = '\0';
}

static bool session_byte_ok(uint8_t c)
{
    return c >= 0x21 && c <= 0x7E;
}

/* The length of a valid session id in a field of BORNE_ID_MAX bytes, or 0. */
static size_t session_len(const char field[BORNE_ID_MAX])
{
    const char *nul = memchr(field, '\0', BORNE_ID_MAX);
    if (!nul || nul == field)
        return 0;
    size_t n = (size_t)(nul - field);
    for (size_t i = 0; i < n; i++)
        if (!session_byte_ok((uint8_t)field[i]))
            return 0;
    return n;
}

/* --- payloads --------------------------------------------------------------------------------- */

/* The message a signature covers: the version's domain string, then the body up to the
** signature. Returns its length; msg must hold DOMAIN_LEN + BODY_MAX bytes. */
static size_t signed_message(int version, const uint8_t *body, size_t unsigned_len, uint8_t *msg)
{
    memcpy(msg, version == 1 ? DOMAIN_V1 : DOMAIN_V2, DOMAIN_LEN);
    memcpy(msg + DOMAIN_LEN, body, unsigned_len);
    return DOMAIN_LEN + unsigned_len;
}

bool ticket_payload_looks_like(const char *text, size_t len)
{
    return text && len >= 2 && (text[0] == 'B' || text[0] == 'b') && text[1] >= '0' &&
           text[1] <= '9';
}

enum borne_err ticket_payload_sign(const struct ticket_claim *c, const uint8_t secret_key[64],
                                   char *out, size_t cap)
{
    uint8_t body[BODY_MAX];
    uint8_t msg[DOMAIN_LEN + BODY_MAX];
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];

    if (out && cap > 0)
        out[0] = '\0';
    if (!c || !secret_key || !out)
        return BORNE_ERR_INVALID;
    size_t slen = session_len(c->session_id);
    if (slen == 0 || !uuid_parse(c->ticket_id, body + OFF_TICKET) ||
        !uuid_parse(c->device_id, body + OFF_DEVICE))
        return BORNE_ERR_INVALID;
    body[OFF_FLAGS] = c->waitlist ? FLAG_WAITLIST : 0;
    body[OFF_SESSION_LEN] = (uint8_t)slen;
    memcpy(body + OFF_SESSION, c->session_id, slen);
    size_t unsigned_len = OFF_SESSION + slen, body_len = unsigned_len + SIG_LEN;
    size_t text_len = PREFIX_LEN + B32_LEN(body_len);
    if (cap < text_len + 1)
        return BORNE_ERR_INVALID;
    if (sodium_init() < 0)
        return BORNE_ERR_INTERNAL;

    size_t mlen = signed_message(2, body, unsigned_len, msg);
    if (crypto_sign_detached(body + unsigned_len, NULL, msg, mlen, secret_key) != 0)
        return BORNE_ERR_INTERNAL;
    /* A secret key whose seed and public halves disagree (a damaged key file) signs without
    ** complaint; checking here turns a day of refused tickets into one error at the desk. */
    crypto_sign_ed25519_sk_to_pk(pk, secret_key);
    if (crypto_sign_verify_detached(body + unsigned_len, msg, mlen, pk) != 0)
        return BORNE_ERR_INVALID;

    out[0] = 'B';
    out[1] = '2';
    b32_encode(body, body_len, out + PREFIX_LEN);
    out[text_len] = '\0';
    return BORNE_OK;
}

/* The structure check shared by parse and verify: on PAYLOAD_OK, body holds the decoded body
** (*body_len bytes) and *out the claim, out->version its version; otherwise *out is zeroed. */
static enum payload_status parse_body(const char *text, size_t len, uint8_t body[BODY_MAX],
                                      size_t *body_len, struct ticket_claim *out)
{
    memset(out, 0, sizeof *out);
    if (!ticket_payload_looks_like(text, len))
        return PAYLOAD_MALFORMED;
    if (text[1] != '1' && text[1] != '2')
        return PAYLOAD_BAD_VERSION;
    int version = text[1] - '0';
    if (len < TEXT_MIN || len > TEXT_MAX)
        return PAYLOAD_MALFORMED;
    size_t n;
    if (!b32_decode(text + PREFIX_LEN, len - PREFIX_LEN, body, BODY_MAX, &n))
        return PAYLOAD_MALFORMED;
    /* B1's flags are reserved, and so are B2's unknown bits: a reader cannot know what a set
    ** bit it does not know would change. */
    if ((body[OFF_FLAGS] & ~(version == 1 ? 0 : FLAGS_V2)) != 0)
        return PAYLOAD_MALFORMED;
    size_t slen = body[OFF_SESSION_LEN];
    if (slen < 1 || slen > SESSION_MAX || n != OFF_SESSION + slen + SIG_LEN)
        return PAYLOAD_MALFORMED;
    for (size_t i = 0; i < slen; i++)
        if (!session_byte_ok(body[OFF_SESSION + i]))
            return PAYLOAD_MALFORMED;

    uuid_format(body + OFF_TICKET, out->ticket_id);
    uuid_format(body + OFF_DEVICE, out->device_id);
    memcpy(out->session_id, body + OFF_SESSION, slen);
    out->session_id[slen] = '\0';
    out->waitlist = (body[OFF_FLAGS] & FLAG_WAITLIST) != 0;
    out->version = version;
    *body_len = n;
    return PAYLOAD_OK;
}

enum payload_status ticket_payload_parse(const char *text, size_t len, struct ticket_claim *out)
{
    uint8_t body[BODY_MAX];
    size_t body_len;
    return parse_body(text, len, body, &body_len, out);
}

enum payload_status ticket_payload_verify(const char *text, size_t len, ticket_key_lookup_fn lookup,
                                          void *ctx, struct ticket_claim *out)
{
    uint8_t body[BODY_MAX];
    uint8_t msg[DOMAIN_LEN + BODY_MAX];
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    size_t body_len;

    if (sodium_init() < 0) {
        memset(out, 0, sizeof *out);
        return PAYLOAD_MALFORMED;
    }
    enum payload_status st = parse_body(text, len, body, &body_len, out);
    if (st != PAYLOAD_OK)
        return st;

    bool revoked = false;
    memset(pk, 0, sizeof pk);
    if (!lookup || !lookup(ctx, out->device_id, pk, &revoked))
        return PAYLOAD_UNKNOWN_KEY;
    size_t unsigned_len = body_len - SIG_LEN;
    size_t mlen = signed_message(out->version, body, unsigned_len, msg);
    if (crypto_sign_verify_detached(body + unsigned_len, msg, mlen, pk) != 0)
        return PAYLOAD_BAD_SIGNATURE;
    /* Revocation is told only for a genuine signature: a forgery naming a revoked device is a
    ** forgery, and staff should read it as one. */
    if (revoked)
        return PAYLOAD_REVOKED_KEY;
    return PAYLOAD_OK;
}

/* --- keys ------------------------------------------------------------------------------------- */

enum borne_err ticket_keypair_new(uint8_t public_key[32], uint8_t secret_key[64])
{
    if (sodium_init() < 0)
        return BORNE_ERR_INTERNAL;
    if (crypto_sign_keypair(public_key, secret_key) != 0)
        return BORNE_ERR_INTERNAL;
    return BORNE_OK;
}

enum borne_err ticket_public_key_from_secret(const uint8_t secret_key[64], uint8_t public_key[32])
{
    uint8_t seed[crypto_sign_SEEDBYTES];
    uint8_t sk[crypto_sign_SECRETKEYBYTES];
    enum borne_err err = BORNE_OK;

    memset(public_key, 0, crypto_sign_PUBLICKEYBYTES);
    if (sodium_init() < 0)
        return BORNE_ERR_INTERNAL;
    crypto_sign_ed25519_sk_to_seed(seed, secret_key);
    if (crypto_sign_seed_keypair(public_key, sk, seed) != 0)
        err = BORNE_ERR_INTERNAL;
    else if (sodium_memcmp(public_key, secret_key + crypto_sign_SEEDBYTES,
                           crypto_sign_PUBLICKEYBYTES) != 0)
        err = BORNE_ERR_INVALID;
    if (err != BORNE_OK)
        memset(public_key, 0, crypto_sign_PUBLICKEYBYTES);
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(sk, sizeof sk);
    return err;
}

enum borne_err ticket_public_key_format(const uint8_t pk[32], char *out, size_t cap)
{
    if (out && cap > 0)
        out[0] = '\0';
    if (!out || cap < TICKET_PUBLIC_KEY_TEXT_MAX)
        return BORNE_ERR_INVALID;
    if (sodium_init() < 0)
        return BORNE_ERR_INTERNAL;
    sodium_bin2base64(out, cap, pk, crypto_sign_PUBLICKEYBYTES, sodium_base64_VARIANT_ORIGINAL);
    return BORNE_OK;
}

enum borne_err ticket_public_key_parse(const char *text, uint8_t pk[32])
{
    const size_t text_len = TICKET_PUBLIC_KEY_TEXT_MAX - 1;
    size_t bin_len = 0;
    const char *end = NULL;

    memset(pk, 0, crypto_sign_PUBLICKEYBYTES);
    if (!text || strnlen(text, text_len + 1) != text_len)
        return BORNE_ERR_INVALID;
    if (sodium_init() < 0)
        return BORNE_ERR_INTERNAL;
    if (sodium_base642bin(pk, crypto_sign_PUBLICKEYBYTES, text, text_len, NULL, &bin_len, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        bin_len != crypto_sign_PUBLICKEYBYTES || end != text + text_len ||
        !crypto_core_ed25519_is_valid_point(pk)) {
        memset(pk, 0, crypto_sign_PUBLICKEYBYTES);
        return BORNE_ERR_INVALID;
    }
    return BORNE_OK;
}
