/* Unit tests of firmware/ticket/payload: the signed text in a ticket's QR code, and device keys.
**
** A forged or damaged ticket must never let someone in and a genuine one must never be turned
** away, so alterations are tried exhaustively (every byte at every position, every truncation),
** not sampled. The format is checked against a payload built here from the description in
** payload.h with libsodium and a base32 encoder of the test's own (an oracle apart from the code
** under test), and pinned by a known answer so that an accidental format change fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ticket/ids.h"
#include "ticket/payload.h"

#define TICKET_A "0f8c3a52-7d4e-4b1a-9c6f-2e5d8a7b3c10"
#define DEVICE_A "5b2e9f14-c3a8-4d67-b0e1-8f4a6c2d9e73"
#define SESSION_UUID "c8d1e0a4-6f3b-4e29-a157-9b2c4d6e8f01"

/* The known answer: seed bytes 0..31, the claim {TICKET_A, SESSION_UUID, DEVICE_A}. Computed
** once with this implementation, checked against the construction below and, outside C, with
** Python's base64.b32decode and the `cryptography` package's Ed25519 (same signature). If it
** changes, every ticket already printed stops scanning. */
#define KAT_PUBLIC_KEY "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg="
/* Printed by kiosks before the waiting-list flag (B1): it must verify for ever. */
#define KAT_PAYLOAD_B1                                                                             \
    "B1AAHYYOSSPVHEWGU4N4XF3CT3HQIFWLU7CTB2QTLHWDQY6STMFWPHGJDDHBSDCZJQME2C2NTGGNRC2NDFGI4S2YJRGU" \
    "3S2OLCGJRTIZBWMU4GMMBRGCOVNIN73DZBAG45VEWGYFH5HPLYVKSAQZP3TXLCT7XQSL6VSFACTDN53RA2PXTNBNVJZL" \
    "ZW2ZTJBRELC5HEJG7UCXIFFNP3NUZGSCQ"

/* The same claim as B2, confirmed and on the waiting list: what kiosks print now. */
#define KAT_PAYLOAD                                                                                \
    "B2AAHYYOSSPVHEWGU4N4XF3CT3HQIFWLU7CTB2QTLHWDQY6STMFWPHGJDDHBSDCZJQME2C2NTGGNRC2NDFGI4S2YJRGU" \
    "3S2OLCGJRTIZBWMU4GMMBR5677GVJYYFHIKZBIP5IDLQ3NH6A6IZOB47LYPP4ENZ7VWWKOIXRCLU36RZFIXTZNUKJDRC" \
    "WMQPTOLHCTK5LXZTESLBZNQY5KD4M2SBQ"
#define KAT_PAYLOAD_WAITLIST                                                                       \
    "B2AEHYYOSSPVHEWGU4N4XF3CT3HQIFWLU7CTB2QTLHWDQY6STMFWPHGJDDHBSDCZJQME2C2NTGGNRC2NDFGI4S2YJRGU" \
    "3S2OLCGJRTIZBWMU4GMMBRI6OSKJVVJAYWN2RFFMDLOR4NANWRDPC63R33SYIIS6UQPDRDNZLBUBBDHW6DZ7I4B3XFTV" \
    "OE7HTS2EFH2RJ4ITLAOQLKCMHAVJNF2AQ"

/* --- helpers ---------------------------------------------------------------------------------- */

struct key {
    uint8_t pk[32];
    uint8_t sk[64];
};

static struct key key_from_seed(uint8_t first)
{
    struct key k;
    uint8_t seed[32];
    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)(first + i);
    assert_true(sodium_init() >= 0);
    assert_int_equal(crypto_sign_seed_keypair(k.pk, k.sk, seed), 0);
    return k;
}

/* What a kiosk's key store would answer. device_id NULL: any device has pk. */
struct keyring {
    const char *device_id;
    uint8_t pk[32];
    bool known;
    bool revoked;
    int calls;
};

static bool keyring_lookup(void *ctx, const char *device_id, uint8_t public_key[32], bool *revoked)
{
    struct keyring *r = ctx;
    r->calls++;
    if (!r->known || (r->device_id && strcmp(r->device_id, device_id) != 0))
        return false;
    memcpy(public_key, r->pk, 32);
    *revoked = r->revoked;
    return true;
}

static struct keyring keyring_of(const struct key *k)
{
    struct keyring r = {.device_id = NULL, .known = true, .revoked = false, .calls = 0};
    memcpy(r.pk, k->pk, 32);
    return r;
}

static struct ticket_claim claim_of(const char *ticket, const char *session, const char *device)
{
    struct ticket_claim c;
    memset(&c, 0, sizeof c);
    snprintf(c.ticket_id, sizeof c.ticket_id, "%s", ticket);
    snprintf(c.session_id, sizeof c.session_id, "%s", session);
    snprintf(c.device_id, sizeof c.device_id, "%s", device);
    return c;
}

static void assert_claim_equal(const struct ticket_claim *a, const struct ticket_claim *b)
{
    assert_string_equal(a->ticket_id, b->ticket_id);
    assert_string_equal(a->session_id, b->session_id);
    assert_string_equal(a->device_id, b->device_id);
}

static void assert_claim_zero(const struct ticket_claim *c)
{
    static const struct ticket_claim zero;
    assert_memory_equal(c, &zero, sizeof zero);
}

/* Signs and returns the payload's length. */
static size_t sign_ok(const struct ticket_claim *c, const struct key *k,
                      char out[TICKET_PAYLOAD_MAX])
{
    memset(out, 'Z', TICKET_PAYLOAD_MAX);
    assert_int_equal(ticket_payload_sign(c, k->sk, out, TICKET_PAYLOAD_MAX), BORNE_OK);
    size_t len = strnlen(out, TICKET_PAYLOAD_MAX);
    assert_true(len < TICKET_PAYLOAD_MAX);
    return len;
}

/* Parse and verify must both refuse text; returns verify's answer. out must be zeroed when
** the structure did not parse. */
static enum payload_status refused(const char *text, size_t len, struct keyring *ring)
{
    struct ticket_claim c;
    memset(&c, 'Z', sizeof c);
    enum payload_status p = ticket_payload_parse(text, len, &c);
    if (p != PAYLOAD_OK)
        assert_claim_zero(&c);
    memset(&c, 'Z', sizeof c);
    enum payload_status v = ticket_payload_verify(text, len, keyring_lookup, ring, &c);
    if (v == PAYLOAD_OK)
        fail_msg("accepted: %.*s", (int)len, text);
    if (p != PAYLOAD_OK) {
        assert_int_equal(v, p);
        assert_claim_zero(&c);
    }
    return v;
}

/* RFC 4648 base32 without padding, written apart from payload.c on purpose: bit by bit. */
static size_t oracle_base32(const uint8_t *in, size_t n, char *out)
{
    static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    size_t bits = n * 8, o = 0;
    for (size_t pos = 0; pos < bits; pos += 5) {
        int v = 0;
        for (size_t k = 0; k < 5; k++) {
            size_t b = pos + k;
            int bit = b < bits ? (in[b / 8] >> (7 - b % 8)) & 1 : 0;
            v = v << 1 | bit;
        }
        out[o++] = alpha[v];
    }
    out[o] = '\0';
    return o;
}

static void oracle_uuid(const char *text, uint8_t out[16])
{
    int o = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '-')
            continue;
        unsigned v;
        assert_int_equal(sscanf(p, "%2x", &v), 1);
        out[o++] = (uint8_t)v;
        p++;
    }
    assert_int_equal(o, 16);
}

/* A body of version (1 or 2) as payload.h describes it, signed (sign = true) or with a zero
** signature, as text. */
static void oracle_payload_v(int version, uint8_t flags, const char *ticket, const char *device,
                             uint8_t slen, const char *session, const struct key *k, bool sign,
                             char *out)
{
    uint8_t body[256], msg[300];
    size_t n = 0;
    body[n++] = flags;
    oracle_uuid(ticket, body + n);
    n += 16;
    oracle_uuid(device, body + n);
    n += 16;
    body[n++] = slen;
    memcpy(body + n, session, strlen(session));
    n += strlen(session);
    memset(body + n, 0, 64);
    if (sign) {
        memcpy(msg, version == 1 ? "borne-ticket-v1" : "borne-ticket-v2", 15);
        memcpy(msg + 15, body, n);
        assert_int_equal(crypto_sign_detached(body + n, NULL, msg, 15 + n, k->sk), 0);
    }
    n += 64;
    out[0] = 'B';
    out[1] = (char)('0' + version);
    oracle_base32(body, n, out + 2);
}

/* The same for the version kiosks sign today, B2. */
static void oracle_payload(uint8_t flags, const char *ticket, const char *device, uint8_t slen,
                           const char *session, const struct key *k, bool sign, char *out)
{
    oracle_payload_v(2, flags, ticket, device, slen, session, k, sign, out);
}

/* --- round trip, alphabet, lengths ------------------------------------------------------------ */

static void test_round_trip(void **state)
{
    (void)state;
    struct key k = key_from_seed(1);
    struct keyring ring = keyring_of(&k);
    for (int i = 0; i < 200; i++) {
        struct ticket_claim c, back;
        memset(&c, 0, sizeof c);
        assert_int_equal(ticket_random_id(c.ticket_id), BORNE_OK);
        assert_int_equal(ticket_random_id(c.device_id), BORNE_OK);
        /* Session ids of every length and every allowed byte. */
        int slen = 1 + i % 39;
        for (int j = 0; j < slen; j++)
            c.session_id[j] = (char)(0x21 + (i * 7 + j * 13) % 94);
        char text[TICKET_PAYLOAD_MAX];
        size_t len = sign_ok(&c, &k, text);

        memset(&back, 'Z', sizeof back);
        assert_int_equal(ticket_payload_parse(text, len, &back), PAYLOAD_OK);
        assert_claim_equal(&back, &c);
        memset(&back, 'Z', sizeof back);
        ring.device_id = c.device_id;
        assert_int_equal(ticket_payload_verify(text, len, keyring_lookup, &ring, &back),
                         PAYLOAD_OK);
        assert_claim_equal(&back, &c);
        assert_true(ticket_payload_looks_like(text, len));

        /* Deterministic: signing again gives the same text. */
        char again[TICKET_PAYLOAD_MAX];
        assert_int_equal(sign_ok(&c, &k, again), len);
        assert_string_equal(again, text);
    }
}

static void test_alphabet(void **state)
{
    (void)state;
    struct key k = key_from_seed(2);
    for (int i = 0; i < 300; i++) {
        struct ticket_claim c = claim_of("", "x", "");
        assert_int_equal(ticket_random_id(c.ticket_id), BORNE_OK);
        assert_int_equal(ticket_random_id(c.device_id), BORNE_OK);
        snprintf(c.session_id, sizeof c.session_id, "s-%d/~!{}", i);
        char text[TICKET_PAYLOAD_MAX];
        size_t len = sign_ok(&c, &k, text);
        assert_memory_equal(text, "B2", 2);
        for (size_t j = 0; j < len; j++) {
            char ch = text[j];
            /* A subset of QR's alphanumeric mode, and nothing a scanner's layout changes. */
            if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')))
                fail_msg("'%c' (0x%02x) at %zu of %s", ch, (unsigned char)ch, j, text);
            assert_non_null(strchr("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", ch));
        }
    }
}

static void test_lengths(void **state)
{
    (void)state;
    struct key k = key_from_seed(3);
    for (int slen = 1; slen <= 39; slen++) {
        struct ticket_claim c = claim_of(TICKET_A, "", DEVICE_A);
        memset(c.session_id, 'q', (size_t)slen);
        char text[TICKET_PAYLOAD_MAX];
        size_t len = sign_ok(&c, &k, text);
        /* 98 bytes + the session id, 8 bits per 5 characters rounded up, + "B2". */
        assert_int_equal(len, 2 + ((98 + slen) * 8 + 4) / 5);
        assert_true(len <= TICKET_PAYLOAD_MAX - 1);
        if (slen == 39)
            assert_int_equal(len, 222); /* the longest payload there is */
    }
    struct ticket_claim c = claim_of(TICKET_A, SESSION_UUID, DEVICE_A);
    char text[TICKET_PAYLOAD_MAX];
    size_t len = sign_ok(&c, &k, text);
    assert_int_equal(len, 217);
    print_message("payload length with a UUID session id: %zu characters (longest: 222)\n", len);
}

/* --- the format, from its description --------------------------------------------------------- */

static void test_matches_independent_construction(void **state)
{
    (void)state;
    struct key k = key_from_seed(4);
    struct keyring ring = keyring_of(&k);
    const char *sessions[] = {"A", "atelier-cv-2024-03-12", SESSION_UUID,
                              "~!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}"};
    for (size_t i = 0; i < sizeof sessions / sizeof sessions[0]; i++) {
        for (int waitlist = 0; waitlist <= 1; waitlist++) {
            char want[TICKET_PAYLOAD_MAX], got[TICKET_PAYLOAD_MAX];
            oracle_payload((uint8_t)waitlist, TICKET_A, DEVICE_A, (uint8_t)strlen(sessions[i]),
                           sessions[i], &k, true, want);
            struct ticket_claim c = claim_of(TICKET_A, sessions[i], DEVICE_A);
            c.waitlist = waitlist;
            sign_ok(&c, &k, got);
            assert_string_equal(got, want);
            struct ticket_claim back;
            assert_int_equal(
                ticket_payload_verify(want, strlen(want), keyring_lookup, &ring, &back),
                PAYLOAD_OK);
            assert_claim_equal(&back, &c);
            assert_int_equal(back.waitlist, waitlist);
            assert_int_equal(back.version, 2);
        }
    }
}

/* Tickets printed before B2 carry B1: they still verify, as confirmed tickets, and a B1
** signature does not pass as a B2 one (each version signs its own domain string). */
static void test_b1_still_verifies(void **state)
{
    (void)state;
    struct key k = key_from_seed(4);
    struct keyring ring = keyring_of(&k);
    char v1[TICKET_PAYLOAD_MAX];
    oracle_payload_v(1, 0, TICKET_A, DEVICE_A, 3, "abc", &k, true, v1);
    struct ticket_claim back;
    assert_int_equal(ticket_payload_verify(v1, strlen(v1), keyring_lookup, &ring, &back),
                     PAYLOAD_OK);
    assert_int_equal(back.version, 1);
    assert_false(back.waitlist);
    assert_string_equal(back.session_id, "abc");
    /* The same body and signature presented as B2: the domain differs, the signature fails. */
    v1[1] = '2';
    assert_int_equal(refused(v1, strlen(v1), &ring), PAYLOAD_BAD_SIGNATURE);
    /* And a B2 body signed for B2 presented as B1. */
    char v2[TICKET_PAYLOAD_MAX];
    oracle_payload(0, TICKET_A, DEVICE_A, 3, "abc", &k, true, v2);
    v2[1] = '1';
    assert_int_equal(refused(v2, strlen(v2), &ring), PAYLOAD_BAD_SIGNATURE);
    /* B1 never had a waiting-list flag: set, it is refused even when signed. */
    oracle_payload_v(1, 1, TICKET_A, DEVICE_A, 3, "abc", &k, true, v1);
    assert_int_equal(refused(v1, strlen(v1), &ring), PAYLOAD_MALFORMED);
}

static void test_known_answer(void **state)
{
    (void)state;
    struct key k = key_from_seed(0);
    char pk_text[TICKET_PUBLIC_KEY_TEXT_MAX];
    assert_int_equal(ticket_public_key_format(k.pk, pk_text, sizeof pk_text), BORNE_OK);
    assert_string_equal(pk_text, KAT_PUBLIC_KEY);

    struct ticket_claim c = claim_of(TICKET_A, SESSION_UUID, DEVICE_A);
    struct keyring ring = keyring_of(&k);
    struct ticket_claim back;
    const struct {
        const char *payload;
        bool waitlist;
        int version;
    } kat[] = {
        {KAT_PAYLOAD_B1, false, 1}, {KAT_PAYLOAD, false, 2}, {KAT_PAYLOAD_WAITLIST, true, 2}};
    for (size_t i = 0; i < sizeof kat / sizeof kat[0]; i++) {
        assert_int_equal(ticket_payload_verify(kat[i].payload, strlen(kat[i].payload),
                                               keyring_lookup, &ring, &back),
                         PAYLOAD_OK);
        assert_claim_equal(&back, &c);
        assert_int_equal(back.waitlist, kat[i].waitlist);
        assert_int_equal(back.version, kat[i].version);
        if (kat[i].version == 2) {
            char text[TICKET_PAYLOAD_MAX];
            c.waitlist = kat[i].waitlist;
            sign_ok(&c, &k, text);
            assert_string_equal(text, kat[i].payload);
        }
    }
}

/* Bodies that are well encoded but break a rule of the format. */
static void test_structure_rules(void **state)
{
    (void)state;
    struct key k = key_from_seed(5);
    struct keyring ring = keyring_of(&k);
    char text[TICKET_PAYLOAD_MAX];

    /* Sanity: the oracle's signed body is accepted, its unsigned one is a bad signature. */
    oracle_payload(0, TICKET_A, DEVICE_A, 3, "abc", &k, true, text);
    struct ticket_claim c;
    assert_int_equal(ticket_payload_verify(text, strlen(text), keyring_lookup, &ring, &c),
                     PAYLOAD_OK);
    oracle_payload(0, TICKET_A, DEVICE_A, 3, "abc", &k, false, text);
    assert_int_equal(refused(text, strlen(text), &ring), PAYLOAD_BAD_SIGNATURE);

    /* Reserved flags set, even when signed (bit 0 is B2's waiting-list flag). */
    for (int flags = 2; flags < 256; flags <<= 1) {
        oracle_payload((uint8_t)flags, TICKET_A, DEVICE_A, 3, "abc", &k, true, text);
        assert_int_equal(refused(text, strlen(text), &ring), PAYLOAD_MALFORMED);
    }
    /* Length byte that disagrees with the bytes there: 0, too short, too long, over 39. */
    const struct {
        uint8_t slen;
        const char *session;
    } bad[] = {
        {0, ""},
        {0, "abc"},
        {2, "abc"},
        {4, "abc"},
        {40, "0123456789012345678901234567890123456789"},
        {255, "abc"},
        /* Bytes outside 0x21..0x7E: space, DEL, a UTF-8 letter, a control character. */
        {3, "a c"},
        {3, "ab\x7f"},
        {3, "\xc3\xa9x"},
        {3, "a\tb"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        oracle_payload(0, TICKET_A, DEVICE_A, bad[i].slen, bad[i].session, &k, true, text);
        if (refused(text, strlen(text), &ring) != PAYLOAD_MALFORMED)
            fail_msg("case %zu not malformed", i);
    }
}

/* --- alterations ------------------------------------------------------------------------------ */

static void test_every_substitution_refused(void **state)
{
    (void)state;
    struct key k = key_from_seed(6);
    struct keyring ring = keyring_of(&k); /* any device: alterations reach the signature */
    struct ticket_claim c = claim_of(TICKET_A, SESSION_UUID, DEVICE_A);
    char text[TICKET_PAYLOAD_MAX];
    size_t len = sign_ok(&c, &k, text);
    int counts[6] = {0};
    for (size_t pos = 0; pos < len; pos++) {
        for (int b = 0; b < 256; b++) {
            char orig = text[pos];
            /* The same letter in the other case is the same payload, by design. */
            if (b == orig || (orig >= 'A' && orig <= 'Z' && b == orig - 'A' + 'a'))
                continue;
            char copy[TICKET_PAYLOAD_MAX];
            memcpy(copy, text, len);
            copy[pos] = (char)b;
            enum payload_status st = refused(copy, len, &ring);
            counts[st]++;
            if (pos == 1 && b == '1')
                assert_int_equal(st, PAYLOAD_BAD_SIGNATURE); /* B1 signs another domain */
            else if (pos == 1 && b >= '0' && b <= '9')
                assert_int_equal(st, PAYLOAD_BAD_VERSION);
            else if (st != PAYLOAD_MALFORMED && st != PAYLOAD_BAD_SIGNATURE)
                fail_msg("byte 0x%02x at %zu: %s", b, pos, ticket_payload_status_str(st));
        }
    }
    assert_int_equal(counts[PAYLOAD_OK], 0);
    assert_true(counts[PAYLOAD_BAD_SIGNATURE] > 1000); /* most letters do reach the signature */
    print_message("substitutions: %d malformed, %d bad signature, %d bad version\n",
                  counts[PAYLOAD_MALFORMED], counts[PAYLOAD_BAD_SIGNATURE],
                  counts[PAYLOAD_BAD_VERSION]);
}

static void test_padding_bits_must_be_zero(void **state)
{
    (void)state;
    struct key k = key_from_seed(7);
    struct keyring ring = keyring_of(&k);
    /* 134-byte body: 1072 bits in 215 characters, so the last one holds 2 bits and 3 padding. */
    struct ticket_claim c = claim_of(TICKET_A, SESSION_UUID, DEVICE_A);
    char text[TICKET_PAYLOAD_MAX];
    size_t len = sign_ok(&c, &k, text);
    assert_int_equal(len, 217);
    int ok = 0, bad_sig = 0, malformed = 0;
    for (int v = 0; v < 32; v++) {
        char copy[TICKET_PAYLOAD_MAX];
        memcpy(copy, text, len);
        copy[len - 1] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[v];
        struct ticket_claim back;
        enum payload_status st = ticket_payload_verify(copy, len, keyring_lookup, &ring, &back);
        ok += st == PAYLOAD_OK;
        bad_sig += st == PAYLOAD_BAD_SIGNATURE;
        malformed += st == PAYLOAD_MALFORMED;
        assert_int_equal(st == PAYLOAD_MALFORMED, (v & 7) != 0);
    }
    assert_int_equal(ok, 1);
    assert_int_equal(bad_sig, 3);
    assert_int_equal(malformed, 28);
}

static void test_truncation_refused(void **state)
{
    (void)state;
    struct key k = key_from_seed(8);
    struct keyring ring = keyring_of(&k);
    const char *sessions[] = {"a", SESSION_UUID, "012345678901234567890123456789012345678"};
    for (size_t s = 0; s < 3; s++) {
        struct ticket_claim c = claim_of(TICKET_A, sessions[s], DEVICE_A);
        char text[TICKET_PAYLOAD_MAX];
        size_t len = sign_ok(&c, &k, text);
        for (size_t cut = 0; cut < len; cut++) {
            /* A copy exactly cut bytes long, so that ASan sees any read past it. */
            char *copy = malloc(cut ? cut : 1);
            assert_non_null(copy);
            memcpy(copy, text, cut);
            /* A shorter session's payload may be a prefix in length, never in content. */
            enum payload_status st = refused(copy, cut, &ring);
            assert_int_equal(st, PAYLOAD_MALFORMED);
            free(copy);
        }
    }
}

static void test_appended_refused(void **state)
{
    (void)state;
    struct key k = key_from_seed(9);
    struct keyring ring = keyring_of(&k);
    struct ticket_claim c = claim_of(TICKET_A, SESSION_UUID, DEVICE_A);
    char text[TICKET_PAYLOAD_MAX + 64];
    size_t len = sign_ok(&c, &k, text);
    /* Whole extra zero bytes ("A" * 8k/5) decode cleanly: the length check must catch them. */
    for (size_t extra = 1; extra <= 16; extra++) {
        memset(text + len, 'A', extra);
        assert_int_equal(refused(text, len + extra, &ring), PAYLOAD_MALFORMED);
    }
    const char *tails[] = {"\r", "\n", "\r\n", " ", "=", "====", "2", "7", "\x00", "B1"};
    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
        size_t n = tails[i][0] ? strlen(tails[i]) : 1;
        memcpy(text + len, tails[i], n);
        assert_int_equal(refused(text, len + n, &ring), PAYLOAD_MALFORMED);
    }
    /* Leading bytes too. */
    char pre[TICKET_PAYLOAD_MAX + 1];
    pre[0] = ' ';
    memcpy(pre + 1, text, len);
    assert_int_equal(refused(pre, len + 1, &ring), PAYLOAD_MALFORMED);
}

static void test_embedded_nul(void **state)
{
    (void)state;
    struct key k = key_from_seed(10);
    struct keyring ring = keyring_of(&k);
    struct ticket_claim c = claim_of(TICKET_A, SESSION_UUID, DEVICE_A);
    char text[TICKET_PAYLOAD_MAX];
    size_t len = sign_ok(&c, &k, text);
    /* The terminating NUL counted in the length. */
    assert_int_equal(refused(text, len + 1, &ring), PAYLOAD_MALFORMED);
    /* A NUL in place of a character, and a NUL inserted. */
    for (size_t pos = 0; pos < len; pos += 17) {
        char copy[TICKET_PAYLOAD_MAX + 1];
        memcpy(copy, text, len);
        copy[pos] = '\0';
        assert_int_equal(refused(copy, len, &ring), PAYLOAD_MALFORMED);
        memcpy(copy, text, pos);
        copy[pos] = '\0';
        memcpy(copy + pos + 1, text + pos, len - pos);
        assert_int_equal(refused(copy, len + 1, &ring), PAYLOAD_MALFORMED);
    }
}

/* --- keys and verdicts ------------------------------------------------------------------------ */

static void test_other_key_unknown_revoked(void **state)
{
    (void)state;
    struct key mine = key_from_seed(11), other = key_from_seed(12);
    struct ticket_claim c = claim_of(TICKET_A, "atelier-cv", DEVICE_A), back;
    char text[TICKET_PAYLOAD_MAX];
    size_t len = sign_ok(&c, &other, text);

    /* The kiosk knows DEVICE_A by another key: a forgery, or a key mix-up. */
    struct keyring ring = keyring_of(&mine);
    ring.device_id = DEVICE_A;
    memset(&back, 'Z', sizeof back);
    assert_int_equal(ticket_payload_verify(text, len, keyring_lookup, &ring, &back),
                     PAYLOAD_BAD_SIGNATURE);
    assert_claim_equal(&back, &c); /* filled: the caller logs which ticket */
    assert_int_equal(ring.calls, 1);

    /* Unknown device. */
    ring.known = false;
    memset(&back, 'Z', sizeof back);
    assert_int_equal(ticket_payload_verify(text, len, keyring_lookup, &ring, &back),
                     PAYLOAD_UNKNOWN_KEY);
    assert_claim_equal(&back, &c);
    ring.known = true;
    ring.device_id = TICKET_A; /* a key for some other device only */
    assert_int_equal(ticket_payload_verify(text, len, keyring_lookup, &ring, &back),
                     PAYLOAD_UNKNOWN_KEY);
    memset(&back, 'Z', sizeof back);
    assert_int_equal(ticket_payload_verify(text, len, NULL, NULL, &back), PAYLOAD_UNKNOWN_KEY);
    assert_claim_equal(&back, &c);

    /* Revoked: the genuine key, marked revoked. */
    struct keyring revoked = keyring_of(&other);
    revoked.revoked = true;
    memset(&back, 'Z', sizeof back);
    assert_int_equal(ticket_payload_verify(text, len, keyring_lookup, &revoked, &back),
                     PAYLOAD_REVOKED_KEY);
    assert_claim_equal(&back, &c);
    /* A forgery naming a revoked device is told as a forgery. */
    memcpy(revoked.pk, mine.pk, 32);
    assert_int_equal(ticket_payload_verify(text, len, keyring_lookup, &revoked, &back),
                     PAYLOAD_BAD_SIGNATURE);

    /* The right key, not revoked. */
    struct keyring good = keyring_of(&other);
    assert_int_equal(ticket_payload_verify(text, len, keyring_lookup, &good, &back), PAYLOAD_OK);
}

static void test_lowercase_accepted(void **state)
{
    (void)state;
    struct key k = key_from_seed(13);
    struct keyring ring = keyring_of(&k);
    struct ticket_claim c = claim_of(TICKET_A, "Atelier-CV", DEVICE_A), back;
    char text[TICKET_PAYLOAD_MAX], lower[TICKET_PAYLOAD_MAX], mixed[TICKET_PAYLOAD_MAX];
    size_t len = sign_ok(&c, &k, text);
    for (size_t i = 0; i <= len; i++) {
        char ch = text[i];
        lower[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
        mixed[i] = (i % 2) ? lower[i] : ch;
    }
    assert_true(ticket_payload_looks_like(lower, len));
    assert_int_equal(ticket_payload_verify(lower, len, keyring_lookup, &ring, &back), PAYLOAD_OK);
    assert_claim_equal(&back, &c); /* the session id keeps its own case */
    assert_int_equal(ticket_payload_verify(mixed, len, keyring_lookup, &ring, &back), PAYLOAD_OK);
    assert_claim_equal(&back, &c);
}

static void test_versions(void **state)
{
    (void)state;
    struct key k = key_from_seed(14);
    struct keyring ring = keyring_of(&k);
    struct ticket_claim c = claim_of(TICKET_A, "x", DEVICE_A);
    char text[TICKET_PAYLOAD_MAX];
    size_t len = sign_ok(&c, &k, text);
    for (char d = '0'; d <= '9'; d++) {
        if (d == '1' || d == '2')
            continue;
        text[1] = d;
        assert_int_equal(refused(text, len, &ring), PAYLOAD_BAD_VERSION);
        assert_int_equal(refused(text, 2, &ring), PAYLOAD_BAD_VERSION);
        text[0] = 'b';
        assert_int_equal(refused(text, 3, &ring), PAYLOAD_BAD_VERSION);
        text[0] = 'B';
    }
    /* A newer format may be of any length and alphabet. */
    static char big[100000];
    memset(big, '%', sizeof big);
    memcpy(big, "B3", 2);
    assert_int_equal(refused(big, sizeof big, &ring), PAYLOAD_BAD_VERSION);
    /* Not "B" + digit: not a version at all. */
    const char *others[] = {"B", "BB1", "C1AAAA", "1B", " B1", "BX", "b", "\xc2\x42\x31"};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        assert_int_equal(refused(others[i], strlen(others[i]), &ring), PAYLOAD_MALFORMED);
}

static void test_garbage_refused(void **state)
{
    (void)state;
    struct key k = key_from_seed(15);
    struct keyring ring = keyring_of(&k);
    assert_int_equal(refused(NULL, 0, &ring), PAYLOAD_MALFORMED);
    assert_int_equal(refused("", 0, &ring), PAYLOAD_MALFORMED);
    assert_int_equal(refused("B1", 2, &ring), PAYLOAD_MALFORMED);
    const char *junk[] = {
        "ACDEFHJKK",                               /* a short code */
        "https://atelier-numerique.example/t/123", /* another QR */
        "3760123456789",                           /* an EAN-13 */
        "B1AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    };
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++)
        assert_int_equal(refused(junk[i], strlen(junk[i]), &ring), PAYLOAD_MALFORMED);

    /* Random bytes, random "B1" + base32 of every length up to past the longest. */
    uint8_t buf[300];
    for (int i = 0; i < 2000; i++) {
        size_t n = (size_t)i % sizeof buf;
        randombytes_buf(buf, n);
        if (i % 2) {
            for (size_t j = 0; j < n; j++)
                buf[j] = (uint8_t) "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[buf[j] % 32];
            if (n >= 2)
                memcpy(buf, "B1", 2);
        }
        enum payload_status st = refused((const char *)buf, n, &ring);
        if (st != PAYLOAD_MALFORMED && st != PAYLOAD_BAD_VERSION && st != PAYLOAD_BAD_SIGNATURE)
            fail_msg("random input %d: %s", i, ticket_payload_status_str(st));
    }

    /* Huge: a megabyte of valid-looking base32. */
    size_t huge = 1u << 20;
    char *big = malloc(huge);
    assert_non_null(big);
    memset(big, 'A', huge);
    memcpy(big, "B1", 2);
    assert_int_equal(refused(big, huge, &ring), PAYLOAD_MALFORMED);
    free(big);
}

/* --- signing refusals ------------------------------------------------------------------------- */

static void assert_sign_refused(const struct ticket_claim *c, const uint8_t sk[64], size_t cap)
{
    char out[TICKET_PAYLOAD_MAX + 8];
    memset(out, 'Z', sizeof out);
    assert_int_equal(ticket_payload_sign(c, sk, out, cap), BORNE_ERR_INVALID);
    if (cap > 0)
        assert_int_equal(out[0], '\0');
}

static void test_sign_refuses_bad_claims(void **state)
{
    (void)state;
    struct key k = key_from_seed(16);
    const char *bad_sessions[] = {"", "a b", " ab", "ab ", "ab\x7f", "caf\xc3\xa9", "a\tb", "a\nb"};
    for (size_t i = 0; i < sizeof bad_sessions / sizeof bad_sessions[0]; i++) {
        struct ticket_claim c = claim_of(TICKET_A, bad_sessions[i], DEVICE_A);
        assert_sign_refused(&c, k.sk, TICKET_PAYLOAD_MAX);
    }
    /* 40 characters fill the field with no room for its NUL; 39 is the most. */
    struct ticket_claim c = claim_of(TICKET_A, "", DEVICE_A);
    memset(c.session_id, 'x', sizeof c.session_id);
    assert_sign_refused(&c, k.sk, TICKET_PAYLOAD_MAX);
    c.session_id[39] = '\0';
    char out[TICKET_PAYLOAD_MAX];
    sign_ok(&c, &k, out);

    const char *bad_ids[] = {
        "",
        "0F8C3A52-7D4E-4B1A-9C6F-2E5D8A7B3C10",  /* upper case: not canonical */
        "0f8c3a52-7d4e-4b1a-9c6f-2e5d8a7b3c1",   /* 35 */
        "0f8c3a52-7d4e-4b1a-9c6f-2e5d8a7b3c100", /* 37 */
        "0f8c3a527d4e4b1a9c6f2e5d8a7b3c10",      /* no dashes */
        "0f8c3a5-27d4e-4b1a-9c6f-2e5d8a7b3c10",  /* a dash misplaced */
        "0f8c3a52-7d4e-4b1a-9c6f-2e5d8a7b3c1g",  /* not hex */
        "0f8c3a52 7d4e 4b1a 9c6f 2e5d8a7b3c10",
        "{f8c3a52-7d4e-4b1a-9c6f-2e5d8a7b3c1}",
        "atelier-cv",
    };
    for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
        struct ticket_claim t = claim_of(bad_ids[i], "x", DEVICE_A);
        assert_sign_refused(&t, k.sk, TICKET_PAYLOAD_MAX);
        struct ticket_claim d = claim_of(TICKET_A, "x", bad_ids[i]);
        assert_sign_refused(&d, k.sk, TICKET_PAYLOAD_MAX);
    }
    /* An id field without a NUL anywhere. */
    struct ticket_claim full = claim_of(TICKET_A, "x", DEVICE_A);
    memset(full.ticket_id, 'a', sizeof full.ticket_id);
    assert_sign_refused(&full, k.sk, TICKET_PAYLOAD_MAX);
    /* Nil and max UUIDs are UUIDs. */
    struct ticket_claim edge = claim_of("00000000-0000-0000-0000-000000000000", "x",
                                        "ffffffff-ffff-ffff-ffff-ffffffffffff");
    size_t len = sign_ok(&edge, &k, out);
    struct ticket_claim back;
    assert_int_equal(ticket_payload_parse(out, len, &back), PAYLOAD_OK);
    assert_claim_equal(&back, &edge);
}

static void test_sign_capacity(void **state)
{
    (void)state;
    struct key k = key_from_seed(17);
    struct ticket_claim c = claim_of(TICKET_A, SESSION_UUID, DEVICE_A);
    char out[TICKET_PAYLOAD_MAX];
    size_t len = sign_ok(&c, &k, out);
    for (size_t cap = 0; cap <= len; cap++)
        assert_sign_refused(&c, k.sk, cap);
    char exact[TICKET_PAYLOAD_MAX];
    assert_int_equal(ticket_payload_sign(&c, k.sk, exact, len + 1), BORNE_OK);
    assert_string_equal(exact, out);
    assert_int_equal(ticket_payload_sign(&c, k.sk, NULL, 0), BORNE_ERR_INVALID);
    assert_int_equal(ticket_payload_sign(NULL, k.sk, exact, sizeof exact), BORNE_ERR_INVALID);
}

static void test_sign_refuses_damaged_secret_key(void **state)
{
    (void)state;
    struct key k = key_from_seed(18);
    struct ticket_claim c = claim_of(TICKET_A, "x", DEVICE_A);
    for (size_t byte = 0; byte < 64; byte += 5) {
        uint8_t sk[64];
        memcpy(sk, k.sk, 64);
        sk[byte] ^= 0x10;
        assert_sign_refused(&c, sk, TICKET_PAYLOAD_MAX);
        uint8_t pk[32];
        memset(pk, 0x55, sizeof pk);
        assert_int_equal(ticket_public_key_from_secret(sk, pk), BORNE_ERR_INVALID);
        uint8_t zero[32] = {0};
        assert_memory_equal(pk, zero, 32);
    }
}

/* --- key text --------------------------------------------------------------------------------- */

static void test_keys_round_trip(void **state)
{
    (void)state;
    for (int i = 0; i < 50; i++) {
        uint8_t pk[32], sk[64], pk2[32], pk3[32];
        assert_int_equal(ticket_keypair_new(pk, sk), BORNE_OK);
        assert_int_equal(ticket_public_key_from_secret(sk, pk2), BORNE_OK);
        assert_memory_equal(pk, pk2, 32);

        char text[TICKET_PUBLIC_KEY_TEXT_MAX + 4];
        memset(text, 'Z', sizeof text);
        assert_int_equal(ticket_public_key_format(pk, text, TICKET_PUBLIC_KEY_TEXT_MAX), BORNE_OK);
        assert_int_equal(strlen(text), 44);
        assert_int_equal(text[43], '=');
        for (int j = 0; j < 43; j++)
            assert_non_null(strchr(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", text[j]));
        assert_int_equal(ticket_public_key_parse(text, pk3), BORNE_OK);
        assert_memory_equal(pk, pk3, 32);

        /* A key made here signs tickets that verify with its text form read back. */
        struct key k;
        memcpy(k.pk, pk3, 32);
        memcpy(k.sk, sk, 64);
        struct keyring ring = keyring_of(&k);
        struct ticket_claim c = claim_of(TICKET_A, "x", DEVICE_A), back;
        char payload[TICKET_PAYLOAD_MAX];
        size_t len = sign_ok(&c, &k, payload);
        assert_int_equal(ticket_payload_verify(payload, len, keyring_lookup, &ring, &back),
                         PAYLOAD_OK);
        sodium_memzero(sk, sizeof sk);
        sodium_memzero(k.sk, sizeof k.sk);
    }
    uint8_t a[32], b[32], sa[64], sb[64];
    assert_int_equal(ticket_keypair_new(a, sa), BORNE_OK);
    assert_int_equal(ticket_keypair_new(b, sb), BORNE_OK);
    assert_memory_not_equal(a, b, 32);

    char small[TICKET_PUBLIC_KEY_TEXT_MAX - 1];
    memset(small, 'Z', sizeof small);
    assert_int_equal(ticket_public_key_format(a, small, sizeof small), BORNE_ERR_INVALID);
    assert_int_equal(small[0], '\0');
}

static void test_bad_key_text_refused(void **state)
{
    (void)state;
    struct key k = key_from_seed(0);
    uint8_t pk[32];
    const uint8_t zero[32] = {0};
    assert_int_equal(ticket_public_key_parse(KAT_PUBLIC_KEY, pk), BORNE_OK);
    assert_memory_equal(pk, k.pk, 32);

    const char *bad[] = {
        "",
        "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg",    /* no padding */
        "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg==",  /* 45 */
        " A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=",  /* a space */
        "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=\n", /* a newline */
        "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbh=",   /* padding bits set */
        "A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=",   /* URL-safe alphabet */
        "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVM*g=",
        "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMb==",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", /* 32 zero bytes: a point of small order */
        "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg= ",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", /* hex, not base64 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(pk, 0x55, sizeof pk);
        if (ticket_public_key_parse(bad[i], pk) != BORNE_ERR_INVALID)
            fail_msg("accepted key text \"%s\"", bad[i]);
        assert_memory_equal(pk, zero, 32);
    }
    assert_int_equal(ticket_public_key_parse(NULL, pk), BORNE_ERR_INVALID);
}

/* --- small things ----------------------------------------------------------------------------- */

static void test_looks_like(void **state)
{
    (void)state;
    assert_true(ticket_payload_looks_like("B1", 2));
    assert_true(ticket_payload_looks_like("B9XYZ", 5));
    assert_true(ticket_payload_looks_like("b1aaaa", 6));
    assert_true(ticket_payload_looks_like("B0", 2));
    assert_false(ticket_payload_looks_like("B1", 1));
    assert_false(ticket_payload_looks_like("B", 1));
    assert_false(ticket_payload_looks_like("", 0));
    assert_false(ticket_payload_looks_like(NULL, 0));
    assert_false(ticket_payload_looks_like("BA", 2));
    assert_false(ticket_payload_looks_like("1B", 2));
    assert_false(ticket_payload_looks_like(" B1", 3));
    assert_false(
        ticket_payload_looks_like("ACDEFHJKK", 9)); /* a short code: no B in its alphabet */
    assert_null(strchr(TICKET_CODE_ALPHABET, 'B'));
}

static void test_status_str(void **state)
{
    (void)state;
    const char *seen[6];
    for (int s = PAYLOAD_OK; s <= PAYLOAD_BAD_SIGNATURE; s++) {
        seen[s] = ticket_payload_status_str((enum payload_status)s);
        assert_non_null(seen[s]);
        assert_true(strlen(seen[s]) > 0);
        for (int t = 0; t < s; t++)
            assert_string_not_equal(seen[s], seen[t]);
    }
    assert_string_equal(ticket_payload_status_str(PAYLOAD_BAD_SIGNATURE), "bad signature");
    assert_non_null(ticket_payload_status_str((enum payload_status)99));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_alphabet),
        cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_matches_independent_construction),
        cmocka_unit_test(test_b1_still_verifies),
        cmocka_unit_test(test_known_answer),
        cmocka_unit_test(test_structure_rules),
        cmocka_unit_test(test_every_substitution_refused),
        cmocka_unit_test(test_padding_bits_must_be_zero),
        cmocka_unit_test(test_truncation_refused),
        cmocka_unit_test(test_appended_refused),
        cmocka_unit_test(test_embedded_nul),
        cmocka_unit_test(test_other_key_unknown_revoked),
        cmocka_unit_test(test_lowercase_accepted),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_garbage_refused),
        cmocka_unit_test(test_sign_refuses_bad_claims),
        cmocka_unit_test(test_sign_capacity),
        cmocka_unit_test(test_sign_refuses_damaged_secret_key),
        cmocka_unit_test(test_keys_round_trip),
        cmocka_unit_test(test_bad_key_text_refused),
        cmocka_unit_test(test_looks_like),
        cmocka_unit_test(test_status_str),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
