/* libFuzzer target for ticket payloads: whatever a scanner types must get an answer, never a
** crash, and anything the parser accepts must be a claim the kiosk can sign again and read back
** unchanged.
**
** Checked on every input:
**   - parse and verify agree on the structure: the same status when it did not parse (and a
**     zeroed claim), the same claim when it did;
**   - a parsed claim re-signs (as B2, whatever its version); the new payload parses and
**     verifies to the same claim, its waiting-list mark included;
**   - canonical form: a B2 payload that verifies is, upper-cased, exactly what signing its
**     claim gives (one claim, one text).
** The key is fixed (seed 0xB0 + i) so that seeds in corpus/payload/ signed with it reach the
** signature check and past it. Device ids starting with '0' are unknown, with 'f' revoked. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ticket/payload.h"

static uint8_t fuzz_pk[32], fuzz_sk[64];

static void keys_once(void)
{
    static bool done;
    if (done)
        return;
    uint8_t seed[32];
    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)(0xB0 + i);
    if (sodium_init() < 0 || crypto_sign_seed_keypair(fuzz_pk, fuzz_sk, seed) != 0)
        abort();
    done = true;
}

static bool lookup(void *ctx, const char *device_id, uint8_t public_key[32], bool *revoked)
{
    (void)ctx;
    if (device_id[0] == '0')
        return false;
    memcpy(public_key, fuzz_pk, 32);
    *revoked = device_id[0] == 'f';
    return true;
}

static enum payload_status expected_for(const struct ticket_claim *c)
{
    if (c->device_id[0] == '0')
        return PAYLOAD_UNKNOWN_KEY;
    return c->device_id[0] == 'f' ? PAYLOAD_REVOKED_KEY : PAYLOAD_OK;
}

static void check(bool ok)
{
    if (!ok)
        abort();
}

static bool claim_equal(const struct ticket_claim *a, const struct ticket_claim *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

/* The same claim, whatever version carried it (a B1 ticket signed again is a B2 one). */
static bool same_claim(const struct ticket_claim *a, const struct ticket_claim *b)
{
    return strcmp(a->ticket_id, b->ticket_id) == 0 && strcmp(a->session_id, b->session_id) == 0 &&
           strcmp(a->device_id, b->device_id) == 0 && a->waitlist == b->waitlist;
}

static bool claim_zero(const struct ticket_claim *c)
{
    static const struct ticket_claim zero;
    return claim_equal(c, &zero);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    keys_once();
    /* An exact-size copy, so that a read one past the input is caught by ASan. */
    char *text = malloc(size ? size : 1);
    if (!text)
        return 0;
    memcpy(text, data, size);

    struct ticket_claim parsed, verified;
    memset(&parsed, 0xAA, sizeof parsed);
    memset(&verified, 0x55, sizeof verified);
    enum payload_status ps = ticket_payload_parse(text, size, &parsed);
    enum payload_status vs = ticket_payload_verify(text, size, lookup, NULL, &verified);
    (void)ticket_payload_looks_like(text, size);

    check(ps == PAYLOAD_OK || ps == PAYLOAD_MALFORMED || ps == PAYLOAD_BAD_VERSION);
    if (ps != PAYLOAD_OK) {
        check(vs == ps);
        check(claim_zero(&parsed) && claim_zero(&verified));
        free(text);
        return 0;
    }
    check(vs != PAYLOAD_MALFORMED && vs != PAYLOAD_BAD_VERSION);
    check(claim_equal(&parsed, &verified));
    check(size < TICKET_PAYLOAD_MAX);
    check(ticket_payload_looks_like(text, size));

    char again[TICKET_PAYLOAD_MAX];
    check(ticket_payload_sign(&parsed, fuzz_sk, again, sizeof again) == BORNE_OK);
    size_t len = strlen(again);
    struct ticket_claim back;
    check(ticket_payload_parse(again, len, &back) == PAYLOAD_OK);
    check(same_claim(&back, &parsed) && back.version == 2);
    check(ticket_payload_verify(again, len, lookup, NULL, &back) == expected_for(&parsed));
    check(same_claim(&back, &parsed));
    check(parsed.version == 2 || !parsed.waitlist); /* B1 has no waiting-list mark */

    /* Canonical form: one claim, one text in its version (kiosks sign B2 only). */
    if ((vs == PAYLOAD_OK || vs == PAYLOAD_REVOKED_KEY) && parsed.version == 2) {
        check(len == size);
        for (size_t i = 0; i < size; i++) {
            char ch = text[i];
            if (ch >= 'a' && ch <= 'z')
                ch = (char)(ch - 'a' + 'A');
            check(ch == again[i]);
        }
    }
    free(text);
    return 0;
}
