/* Unit tests of firmware/ticket/ids: random UUIDs, and the short code a visitor reads aloud or
** types at the desk. The check character must catch every single wrong character and every
** swap of two different neighbours: that is tried exhaustively, not sampled. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ticket/ids.h"

#define ALPHABET TICKET_CODE_ALPHABET
#define ALPHA_LEN ((int)sizeof ALPHABET - 1)

static int cmp_str(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static bool in_alphabet(char c)
{
    return c != '\0' && strchr(ALPHABET, c) != NULL;
}

/* --- ticket_random_id ----------------------------------------------------------------------- */

static void test_random_id_format(void **state)
{
    (void)state;
    enum { N = 1000 };
    static char ids[N][BORNE_ID_MAX];
    for (int i = 0; i < N; i++) {
        char *id = ids[i];
        memset(id, 'Z', BORNE_ID_MAX);
        assert_int_equal(ticket_random_id(id), BORNE_OK);
        assert_int_equal(strlen(id), 36);
        for (int k = 0; k < 36; k++) {
            if (k == 8 || k == 13 || k == 18 || k == 23) {
                if (id[k] != '-')
                    fail_msg("%s: no dash at %d", id, k);
            } else if (!((id[k] >= '0' && id[k] <= '9') || (id[k] >= 'a' && id[k] <= 'f'))) {
                fail_msg("%s: '%c' at %d is not lower-case hex", id, id[k], k);
            }
        }
        if (id[14] != '4')
            fail_msg("%s: version nibble '%c', want '4'", id, id[14]);
        if (!strchr("89ab", id[19]))
            fail_msg("%s: variant nibble '%c', want one of 8 9 a b", id, id[19]);
    }
    qsort(ids, N, sizeof ids[0], cmp_str);
    for (int i = 1; i < N; i++)
        if (strcmp(ids[i - 1], ids[i]) == 0)
            fail_msg("id %s made twice", ids[i]);
}

/* --- ticket_short_code_make ----------------------------------------------------------------- */

static void test_make_known_codes(void **state)
{
    (void)state;
    /* Check value: sum of (i + 1) * v[i] mod 23, worked out by hand. */
    static const struct {
        uint8_t digits[8];
        const char *code;
    } cases[] = {
        {{0, 0, 0, 0, 0, 0, 0, 0}, "AAAAAAAAA"},
        {{0, 1, 2, 3, 4, 5, 6, 7}, "ACDEFHJKK"},         /* 168 mod 23 = 7 -> K */
        {{22, 22, 22, 22, 22, 22, 22, 22}, "99999999P"}, /* 792 mod 23 = 10 -> P */
        {{1, 0, 0, 0, 0, 0, 0, 0}, "CAAAAAAAC"},         /* 1 -> C */
        {{0, 0, 0, 0, 0, 0, 0, 1}, "AAAAAAACM"},         /* 8 -> M */
        /* Values are reduced mod 23: 23..30 are 0..7, 255 is 2. */
        {{23, 24, 25, 26, 27, 28, 29, 30}, "ACDEFHJKK"},
        {{255, 255, 255, 255, 255, 255, 255, 255}, "DDDDDDDDE"}, /* 2 * 36 = 72 mod 23 = 3 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[BORNE_SHORT_CODE_MAX];
        memset(out, 'Z', sizeof out);
        ticket_short_code_make(cases[i].digits, out);
        if (strcmp(out, cases[i].code) != 0)
            fail_msg("case %zu: %s, want %s", i, out, cases[i].code);
        char again[BORNE_SHORT_CODE_MAX];
        ticket_short_code_make(cases[i].digits, again);
        assert_string_equal(out, again);
    }
}

static void test_make_uses_only_the_alphabet(void **state)
{
    (void)state;
    assert_int_equal(ALPHA_LEN, 23);
    /* Every value 0..255 in every position. */
    for (int pos = 0; pos < 8; pos++) {
        for (int v = 0; v < 256; v++) {
            uint8_t d[8] = {3, 1, 4, 1, 5, 9, 2, 6};
            d[pos] = (uint8_t)v;
            char out[BORNE_SHORT_CODE_MAX];
            ticket_short_code_make(d, out);
            assert_int_equal(strlen(out), BORNE_SHORT_CODE_LEN);
            for (int k = 0; k < BORNE_SHORT_CODE_LEN; k++)
                if (!in_alphabet(out[k]))
                    fail_msg("%s: '%c' is not in the alphabet", out, out[k]);
            assert_int_equal(out[pos], ALPHABET[v % 23]);
        }
    }
}

/* --- ticket_short_code_parse ---------------------------------------------------------------- */

static void test_parse_accepts_typed_forms(void **state)
{
    (void)state;
    static const char *const typed[] = {
        "ACDEFHJKK",   "acdefhjkk",  "AcDeFhJkK",           "ACDE-FHJKK",    "acde-fhjkk",
        " ACDEFHJKK ", "ACDE FHJKK", "a c d e - f h j k k", "--ACDEFHJKK--", "ACDEF-HJ KK",
    };
    for (size_t i = 0; i < sizeof typed / sizeof typed[0]; i++) {
        char out[BORNE_SHORT_CODE_MAX];
        if (!ticket_short_code_parse(typed[i], out, sizeof out))
            fail_msg("\"%s\" refused", typed[i]);
        assert_string_equal(out, "ACDEFHJKK");
    }
}

static void test_parse_rejects_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "ACDEFHJK",   /* 8 characters */
        "ACDEFHJKKA", /* 10 */
        "ACDEFHJKKAAAAAAAA",
        "ACDEFHJK\tK",
        "ACDEFHJK_K",
        "ACDEFHJK.K",
        "ACDEFHJK\xC3\x89", /* É */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char out[BORNE_SHORT_CODE_MAX];
        if (ticket_short_code_parse(bad[i], out, sizeof out))
            fail_msg("\"%s\" accepted", bad[i]);
    }
    /* Look-alikes are not guessed: each is refused in every position, either case. */
    const char *lookalikes = "0O1IL5S8B2Z6Go1il5s8b2z6g";
    for (const char *c = lookalikes; *c; c++) {
        for (int pos = 0; pos < BORNE_SHORT_CODE_LEN; pos++) {
            char code[] = "ACDEFHJKK", out[BORNE_SHORT_CODE_MAX];
            code[pos] = *c;
            if (ticket_short_code_parse(code, out, sizeof out))
                fail_msg("\"%s\" accepted", code);
        }
    }
    char small[BORNE_SHORT_CODE_LEN];
    assert_false(ticket_short_code_parse("ACDEFHJKK", small, sizeof small)); /* no room */
}

/* Every single-character substitution and every swap of two different neighbours, on many
** codes: the check character must catch each one. */
static void test_parse_catches_every_substitution_and_swap(void **state)
{
    (void)state;
    uint8_t d[8] = {0};
    long substitutions = 0, swaps = 0;
    for (int code_no = 0; code_no < 400; code_no++) {
        /* Fixed, varied digits: a linear congruential walk, so the test is repeatable. */
        for (int k = 0; k < 8; k++)
            d[k] = (uint8_t)((code_no * 37 + k * 101 + code_no * k * 13) % 256);
        char code[BORNE_SHORT_CODE_MAX], out[BORNE_SHORT_CODE_MAX];
        ticket_short_code_make(d, code);
        assert_true(ticket_short_code_parse(code, out, sizeof out));
        for (int pos = 0; pos < BORNE_SHORT_CODE_LEN; pos++) {
            for (int a = 0; a < ALPHA_LEN; a++) {
                if (ALPHABET[a] == code[pos])
                    continue;
                char typo[BORNE_SHORT_CODE_MAX];
                memcpy(typo, code, sizeof typo);
                typo[pos] = ALPHABET[a];
                if (ticket_short_code_parse(typo, out, sizeof out))
                    fail_msg("%s accepted for %s (position %d)", typo, code, pos);
                substitutions++;
            }
        }
        for (int pos = 0; pos + 1 < BORNE_SHORT_CODE_LEN; pos++) {
            if (code[pos] == code[pos + 1])
                continue;
            char typo[BORNE_SHORT_CODE_MAX];
            memcpy(typo, code, sizeof typo);
            typo[pos] = code[pos + 1];
            typo[pos + 1] = code[pos];
            if (ticket_short_code_parse(typo, out, sizeof out))
                fail_msg("%s accepted for %s (swap at %d)", typo, code, pos);
            swaps++;
        }
    }
    assert_int_equal(substitutions, 400L * 9 * 22);
    assert_true(swaps > 2000); /* most of the 3200 neighbour pairs differ */
}

/* On refusal out must still be a string (style: out-parameters are cleared on failure); a
** caller that logs what was typed must not read past the buffer. */
static void test_parse_out_terminated_on_refusal(void **state)
{
    (void)state;
    static const char *const bad[] = {"ACDE#FHJKK", "ACDEFHJK", "ACDEFHJKKAC", "AC0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char out[BORNE_SHORT_CODE_MAX];
        memset(out, 'Z', sizeof out);
        assert_false(ticket_short_code_parse(bad[i], out, sizeof out));
        if (!memchr(out, '\0', sizeof out))
            fail_msg("\"%s\": out not terminated after refusal", bad[i]);
    }
}

/* --- ticket_short_code_new ------------------------------------------------------------------ */

static void test_new_codes_parse_and_differ(void **state)
{
    (void)state;
    enum { N = 10000 };
    static char codes[N][BORNE_SHORT_CODE_MAX];
    int seen[23] = {0};
    for (int i = 0; i < N; i++) {
        assert_int_equal(ticket_short_code_new(codes[i]), BORNE_OK);
        assert_int_equal(strlen(codes[i]), BORNE_SHORT_CODE_LEN);
        char out[BORNE_SHORT_CODE_MAX];
        if (!ticket_short_code_parse(codes[i], out, sizeof out))
            fail_msg("%s does not parse", codes[i]);
        assert_string_equal(out, codes[i]);
        for (int k = 0; k < 8; k++)
            seen[strchr(ALPHABET, codes[i][k]) - ALPHABET]++;
    }
    qsort(codes, N, sizeof codes[0], cmp_str);
    for (int i = 1; i < N; i++)
        if (strcmp(codes[i - 1], codes[i]) == 0)
            fail_msg("code %s made twice", codes[i]);
    /* 80000 random characters: each of the 23 expected 3478 times; a character never or
    ** twice as often drawn means a broken draw, not bad luck. */
    for (int a = 0; a < 23; a++)
        if (seen[a] < 2800 || seen[a] > 4200)
            fail_msg("'%c' drawn %d times of 80000", ALPHABET[a], seen[a]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_id_format),
        cmocka_unit_test(test_make_known_codes),
        cmocka_unit_test(test_make_uses_only_the_alphabet),
        cmocka_unit_test(test_parse_accepts_typed_forms),
        cmocka_unit_test(test_parse_rejects_malformed),
        cmocka_unit_test(test_parse_catches_every_substitution_and_swap),
        cmocka_unit_test(test_parse_out_terminated_on_refusal),
        cmocka_unit_test(test_new_codes_parse_and_differ),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
