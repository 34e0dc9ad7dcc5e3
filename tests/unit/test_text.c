/* Unit tests of firmware/core/text: UTF-8 decoding and encoding, the characters a name may
** hold, space folding, the checks of the form's fields, and the key under which two spellings
** of one name are the same person.
**
** UTF-8 validity is judged here by an independent checker (valid_utf8), never by the decoder
** under test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/text.h"

#include "support.h"

/* --- helpers -------------------------------------------------------------------------------- */

/* Strict UTF-8 (RFC 3629): no overlongs, no surrogates, nothing past U+10FFFF. */
static size_t count_code_points(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* n copies of unit into out (which must be large enough). */
static void repeat(char *out, const char *unit, int n)
{
    out[0] = '\0';
    for (int i = 0; i < n; i++)
        strcat(out, unit);
}

/* --- utf8_decode ---------------------------------------------------------------------------- */

static void test_decode_valid(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t len, used;
        uint32_t cp;
    } cases[] = {
        {"A", 1, 1, 0x41},
        {"\x7F", 1, 1, 0x7F},
        {"\xC2\x80", 2, 2, 0x80},
        {"\xC3\xA9", 2, 2, 0xE9}, /* é */
        {"\xDF\xBF", 2, 2, 0x7FF},
        {"\xE0\xA0\x80", 3, 3, 0x800},
        {"\xE2\x82\xAC", 3, 3, 0x20AC}, /* € */
        {"\xED\x9F\xBF", 3, 3, 0xD7FF}, /* just below the surrogates */
        {"\xEE\x80\x80", 3, 3, 0xE000}, /* just above them */
        {"\xEF\xBF\xBD", 3, 3, 0xFFFD},
        {"\xF0\x90\x80\x80", 4, 4, 0x10000},
        {"\xF0\x9F\x98\x80", 4, 4, 0x1F600}, /* 😀 */
        {"\xF4\x8F\xBF\xBF", 4, 4, 0x10FFFF},
        /* Only the first code point is read, whatever follows. */
        {"\xC3\xA9xyz", 5, 2, 0xE9},
        {"ab", 2, 1, 'a'},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t cp = 0xDEADBEEF;
        size_t used = utf8_decode(cases[i].bytes, cases[i].len, &cp);
        if (used != cases[i].used || cp != cases[i].cp)
            fail_msg("case %zu: used %zu cp U+%04X, want %zu U+%04X", i, used, (unsigned)cp,
                     cases[i].used, (unsigned)cases[i].cp);
    }
}

static void test_decode_invalid(void **state)
{
    (void)state;
    static const struct {
        const char *what, *bytes;
        size_t len;
    } cases[] = {
        {"empty", "", 0},
        {"overlong NUL C0 80", "\xC0\x80", 2},
        {"overlong C1 BF", "\xC1\xBF", 2},
        {"overlong E0 80 80", "\xE0\x80\x80", 3},
        {"overlong E0 9F BF", "\xE0\x9F\xBF", 3},
        {"overlong F0 80 80 80", "\xF0\x80\x80\x80", 4},
        {"overlong F0 8F BF BF", "\xF0\x8F\xBF\xBF", 4},
        {"high surrogate ED A0 80", "\xED\xA0\x80", 3},
        {"low surrogate ED BF BF", "\xED\xBF\xBF", 3},
        {"past U+10FFFF F4 90 80 80", "\xF4\x90\x80\x80", 4},
        {"lead F5", "\xF5\x80\x80\x80", 4},
        {"lead F8 (5 bytes)", "\xF8\x88\x80\x80\x80", 5},
        {"lead FE", "\xFE", 1},
        {"lead FF", "\xFF", 1},
        {"lone continuation 80", "\x80", 1},
        {"lone continuation BF", "\xBF", 1},
        {"truncated 2-byte", "\xC3", 1},
        {"truncated 3-byte", "\xE2\x82", 2},
        {"truncated 4-byte", "\xF0\x9F\x98", 3},
        /* A length shorter than the sequence is a truncation even if the bytes follow. */
        {"len cuts a 2-byte", "\xC3\xA9", 1},
        {"len cuts a 4-byte", "\xF0\x9F\x98\x80", 3},
        {"ASCII where a continuation is due",
         "\xC3"
         "A",
         2},
        {"lead where a continuation is due", "\xE2\xE2\x82\xAC", 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t cp = 0;
        size_t used = utf8_decode(cases[i].bytes, cases[i].len, &cp);
        if (used != 0)
            fail_msg("%s: accepted (%zu bytes, U+%04X)", cases[i].what, used, (unsigned)cp);
    }
}

/* Every scalar value encodes to the length the standard says and decodes back to itself; the
** surrogates and what lies past U+10FFFF do not encode. */
static void test_encode_round_trip(void **state)
{
    (void)state;
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        char buf[8];
        memset(buf, 0x55, sizeof buf);
        size_t n = utf8_encode(cp, buf);
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            if (n != 0)
                fail_msg("surrogate U+%04X encoded", (unsigned)cp);
            continue;
        }
        size_t want = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        if (n != want)
            fail_msg("U+%04X: %zu bytes, want %zu", (unsigned)cp, n, want);
        if ((unsigned char)buf[n] != 0x55)
            fail_msg("U+%04X: wrote past its %zu bytes", (unsigned)cp, n);
        if (!support_valid_utf8_n(buf, n))
            fail_msg("U+%04X: encoded as invalid UTF-8", (unsigned)cp);
        uint32_t back = 0xFFFFFFFF;
        if (utf8_decode(buf, n, &back) != n || back != cp)
            fail_msg("U+%04X: decoded back as U+%04X", (unsigned)cp, (unsigned)back);
    }
    char buf[8];
    assert_int_equal(utf8_encode(0x110000, buf), 0);
    assert_int_equal(utf8_encode(0xFFFFFFFF, buf), 0);
    /* Known bytes, not only a round trip. */
    assert_int_equal(utf8_encode(0x20AC, buf), 3);
    assert_memory_equal(buf, "\xE2\x82\xAC", 3);
    assert_int_equal(utf8_encode(0x1F600, buf), 4);
    assert_memory_equal(buf, "\xF0\x9F\x98\x80", 4);
}

static void test_length_and_prev(void **state)
{
    (void)state;
    /* a (0) é (1-2) € (3-5) 😀 (6-9) */
    const char *s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
    assert_int_equal(strlen(s), 10);
    assert_int_equal(utf8_length(s), 4);
    assert_int_equal(utf8_prev(s, 10), 6);
    assert_int_equal(utf8_prev(s, 6), 3);
    assert_int_equal(utf8_prev(s, 3), 1);
    assert_int_equal(utf8_prev(s, 1), 0);
    assert_int_equal(utf8_prev(s, 0), 0);
    /* A string that starts with a multi-byte character goes back to 0, not before. */
    assert_int_equal(utf8_prev("\xF0\x9F\x98\x80", 4), 0);
    assert_int_equal(utf8_prev("\xC3\xA9", 2), 0);
    assert_int_equal(utf8_length(""), 0);
    /* Each invalid byte counts as one. */
    assert_int_equal(utf8_length("a\xFFz"), 3);
    assert_int_equal(utf8_length("\xC3"), 1);
}

/* --- text_char_allowed ---------------------------------------------------------------------- */

static void test_char_refused(void **state)
{
    (void)state;
    static const struct {
        uint32_t cp;
        const char *what;
    } refused[] = {
        {0x00, "NUL"},
        {0x01, "C0 control"},
        {0x09, "tab"},
        {0x0A, "line feed"},
        {0x0D, "carriage return"},
        {0x1B, "escape"},
        {0x1F, "C0 control (last)"},
        {0x7F, "DEL"},
        {0x80, "C1 control"},
        {0x85, "next line"},
        {0x9F, "C1 control (last)"},
        {0x00AD, "soft hyphen"},
        {0x200B, "zero width space"},
        {0x200E, "LRM"},
        {0x200F, "RLM"},
        {0x202A, "LRE"},
        {0x202B, "RLE"},
        {0x202C, "PDF"},
        {0x202D, "LRO"},
        {0x202E, "RLO"},
        {0x2066, "LRI"},
        {0x2067, "RLI"},
        {0x2068, "FSI"},
        {0x2069, "PDI"},
        {0x2060, "word joiner"},
        {0xFEFF, "BOM"},
        {0x2028, "line separator"},
        {0x2029, "paragraph separator"},
        {0xE000, "private use (first)"},
        {0xF8FF, "private use (last)"},
        {0xFDD0, "noncharacter"},
        {0xFDEF, "noncharacter"},
        {0xFFFE, "noncharacter"},
        {0xFFFF, "noncharacter"},
        {0x1FFFE, "noncharacter"},
        {0x1FFFF, "noncharacter"},
        {0x10FFFE, "noncharacter"},
        {0x10FFFF, "noncharacter"},
        {0xD800, "surrogate"},
        {0xDBFF, "surrogate"},
        {0xDC00, "surrogate"},
        {0xDFFF, "surrogate"},
        {0x110000, "past Unicode"},
        {0xFFFFFFFF, "past Unicode"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        if (text_char_allowed(refused[i].cp))
            fail_msg("U+%04X (%s) allowed", (unsigned)refused[i].cp, refused[i].what);
}

/* The header promises "no control or format characters", and the code refuses private use
** because "no font shows it". These are the same kinds of character, outside the ranges the
** code lists. */
static void test_char_refused_format_and_supplementary_private_use(void **state)
{
    (void)state;
    static const struct {
        uint32_t cp;
        const char *what;
    } refused[] = {
        {0x061C, "ARABIC LETTER MARK (a bidi mark, like LRM/RLM)"},
        {0xF0000, "supplementary private use area-A"},
        {0xFFFFD, "supplementary private use area-A (last)"},
        {0x100000, "supplementary private use area-B"},
        {0x10FFFD, "supplementary private use area-B (last)"},
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        if (text_char_allowed(refused[i].cp)) {
            print_error("U+%04X (%s) is allowed\n", (unsigned)refused[i].cp, refused[i].what);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void test_char_allowed(void **state)
{
    (void)state;
    static const uint32_t allowed[] = {
        ' ',     'A', 'z', '0', '\'',
        '-',     '.', '@', '+', 0x00A0, /* nbsp: allowed, folded to a space later */
        0x00C9,                         /* É */
        0x00E9,                         /* é */
        0x00DF,                         /* ß */
        0x0141,                         /* Ł */
        0x0153,                         /* œ */
        0x0301,                         /* combining acute */
        0x02BC,                         /* modifier apostrophe */
        0x2019,                         /* ’ */
        0x0416,                         /* Ж */
        0x03A9,                         /* Ω */
        0x05D0,                         /* א */
        0x0627,                         /* ا */
        0x0915,                         /* क */
        0x3042,                         /* あ */
        0x4E2D,                         /* 中 */
        0xAC00,                         /* 가 */
        0x20AC,                         /* € */
        0x2764,                         /* ❤ */
        0xFE0F,                         /* emoji presentation selector */
        0xFFFD,                         /* replacement character */
        0x10000,                        /* Linear B */
        0x1F600,                        /* 😀 */
        0x1F44D,                        /* 👍 */
        0x1F3FD,                        /* skin tone modifier */
        0x20000,                        /* CJK extension B */
    };
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        if (!text_char_allowed(allowed[i]))
            fail_msg("U+%04X refused", (unsigned)allowed[i]);
}

/* --- text_normalize_spaces ------------------------------------------------------------------ */

static void test_normalize_spaces(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"", ""},
        {"   ", ""},
        {"\t \t", ""},
        {"Jean", "Jean"},
        {"  Jean", "Jean"},
        {"Jean  ", "Jean"},
        {"  Jean  ", "Jean"},
        {"Jean   Pierre", "Jean Pierre"},
        {"\tJean\t\tPierre\t", "Jean Pierre"},
        {"Jean\xC2\xA0Pierre", "Jean Pierre"},                /* nbsp */
        {"\xC2\xA0\xC2\xA0Zo\xC3\xA9\xC2\xA0", "Zo\xC3\xA9"}, /* nbsp around */
        {"Jean\xE2\x80\xAFPierre", "Jean Pierre"},            /* narrow nbsp */
        {"Jean\xE3\x80\x80Pierre", "Jean Pierre"},            /* ideographic space */
        {"Jean \t\xC2\xA0 Pierre  Marie", "Jean Pierre Marie"},
        {"  \xF0\x9F\x98\x80  \xC3\xA9  ", "\xF0\x9F\x98\x80 \xC3\xA9"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[64];
        memset(out, 'Z', sizeof out);
        size_t n = text_normalize_spaces(cases[i].in, out, sizeof out);
        if (strcmp(out, cases[i].out) != 0 || n != strlen(cases[i].out))
            fail_msg("case %zu: \"%s\" (%zu), want \"%s\"", i, out, n, cases[i].out);
    }
}

/* Cut to fit: always terminated, never past cap, never half a character, always a prefix of
** what a large buffer gets. */
static void test_normalize_cap(void **state)
{
    (void)state;
    const char *in = "  a\xC3\xA9  \xE2\x82\xAC\xF0\x9F\x98\x80 b  ";
    char full[64];
    text_normalize_spaces(in, full, sizeof full);
    assert_string_equal(full, "a\xC3\xA9 \xE2\x82\xAC\xF0\x9F\x98\x80 b");
    /* What each cap must give: the longest whole-character prefix of `full` below cap. */
    static const char *const want[] = {
        /* cap 1 */ "",
        /* 2 */ "a",
        /* 3 */ "a",
        /* 4 */ "a\xC3\xA9",
        /* 5 */ "a\xC3\xA9",
        /* 6 */ "a\xC3\xA9",
        /* 7 */ "a\xC3\xA9",
        /* 8 */ "a\xC3\xA9 \xE2\x82\xAC",
        /* 9 */ "a\xC3\xA9 \xE2\x82\xAC",
        /* 10 */ "a\xC3\xA9 \xE2\x82\xAC",
        /* 11 */ "a\xC3\xA9 \xE2\x82\xAC",
        /* 12 */ "a\xC3\xA9 \xE2\x82\xAC\xF0\x9F\x98\x80",
        /* 13 */ "a\xC3\xA9 \xE2\x82\xAC\xF0\x9F\x98\x80",
        /* 14 */ "a\xC3\xA9 \xE2\x82\xAC\xF0\x9F\x98\x80 b",
    };
    for (size_t cap = 1; cap <= sizeof want / sizeof want[0]; cap++) {
        char out[64];
        memset(out, 'Z', sizeof out);
        size_t n = text_normalize_spaces(in, out, cap);
        for (size_t k = cap; k < sizeof out; k++)
            if (out[k] != 'Z')
                fail_msg("cap %zu: byte %zu written", cap, k);
        if (memchr(out, '\0', cap) == NULL)
            fail_msg("cap %zu: not terminated", cap);
        if (strcmp(out, want[cap - 1]) != 0 || n != strlen(out))
            fail_msg("cap %zu: \"%s\" (%zu), want \"%s\"", cap, out, n, want[cap - 1]);
        assert_true(support_valid_utf8_n(out, strlen(out)));
    }
    char out[4] = "ZZZ";
    assert_int_equal(text_normalize_spaces("abc", out, 0), 0);
    assert_memory_equal(out, "ZZZ", 4); /* cap 0: nothing written */
}

/* --- field checks --------------------------------------------------------------------------- */

static void test_check_name(void **state)
{
    (void)state;
    char buf[512];
    assert_int_equal(text_check_name(""), TEXT_EMPTY);
    assert_int_equal(text_check_name("   "), TEXT_EMPTY);
    assert_int_equal(text_check_name("\xC2\xA0"), TEXT_EMPTY);
    assert_int_equal(text_check_name("\xC3\x89lodie"), TEXT_OK);
    assert_int_equal(text_check_name("Jean-Pierre"), TEXT_OK);
    assert_int_equal(text_check_name("D\xE2\x80\x99"
                                     "Arc"),
                     TEXT_OK);
    assert_int_equal(text_check_name("\xE7\x8E\x8B\xE5\xB0\x8F\xE6\x98\x8E"), TEXT_OK); /* 王小明 */
    assert_int_equal(text_check_name("Zo\xC3\xA9 \xF0\x9F\x98\x80"), TEXT_OK);
    /* 50 code points fit, 51 do not, whatever their byte length. */
    repeat(buf, "a", 50);
    assert_int_equal(text_check_name(buf), TEXT_OK);
    repeat(buf, "a", 51);
    assert_int_equal(text_check_name(buf), TEXT_TOO_LONG);
    repeat(buf, "\xC3\xA9", 50);
    assert_int_equal(text_check_name(buf), TEXT_OK);
    repeat(buf, "\xC3\xA9", 51);
    assert_int_equal(text_check_name(buf), TEXT_TOO_LONG);
    repeat(buf, "\xF0\x9F\x98\x80", 50);
    assert_int_equal(text_check_name(buf), TEXT_OK);
    repeat(buf, "\xF0\x9F\x98\x80", 51);
    assert_int_equal(text_check_name(buf), TEXT_TOO_LONG);
    /* Invalid UTF-8 and refused characters. */
    assert_int_equal(text_check_name("Jean\xFF"), TEXT_BAD_UTF8);
    assert_int_equal(text_check_name("\xC0\x80"), TEXT_BAD_UTF8);
    assert_int_equal(text_check_name("Jean\xC3"), TEXT_BAD_UTF8);
    assert_int_equal(text_check_name("\xED\xA0\x80"), TEXT_BAD_UTF8);
    assert_int_equal(text_check_name("Jean\x01"), TEXT_BAD_CHAR);
    assert_int_equal(text_check_name("Jean\nPierre"), TEXT_BAD_CHAR);
    assert_int_equal(text_check_name("Jean\xE2\x80\xAE"
                                     "erreiP"),
                     TEXT_BAD_CHAR);                                      /* RLO */
    assert_int_equal(text_check_name("Jean\xE2\x80\x8B"), TEXT_BAD_CHAR); /* ZWSP */
}

static void test_check_email(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "",
        "marie@exemple.fr",
        "a@b.c",
        "jean.dupont+borne@mail.example.com",
        "marie-claire_2@sous.domaine.exemple.org",
        "\xC3\xA9lodie@exemple.fr",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (text_check_email(ok[i]) != TEXT_OK)
            fail_msg("\"%s\" refused (%d)", ok[i], text_check_email(ok[i]));
    static const char *const bad[] = {
        "marie",
        "marie@",
        "@exemple.fr",
        "marie@exemple",
        "marie@.fr",
        "marie@exemple.",
        "ma rie@exemple.fr",
        "marie@exe mple.fr",
        "a@b@c.fr",
        "marie@@exemple.fr",
        "marie.exemple.fr",
        "@",
        ".",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (text_check_email(bad[i]) != TEXT_BAD_EMAIL)
            fail_msg("\"%s\": %d, want TEXT_BAD_EMAIL", bad[i], text_check_email(bad[i]));
    assert_int_equal(text_check_email("marie\x01@exemple.fr"), TEXT_BAD_CHAR);
    assert_int_equal(text_check_email("marie\xFF@exemple.fr"), TEXT_BAD_UTF8);
    char buf[128];
    repeat(buf, "a", 74); /* 74 + "@b.cde" = 80 */
    strcat(buf, "@b.cde");
    assert_int_equal(text_check_email(buf), TEXT_OK);
    repeat(buf, "a", 75);
    strcat(buf, "@b.cde");
    assert_int_equal(text_check_email(buf), TEXT_TOO_LONG);
}

static void test_check_phone(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "",
        "0612345678",
        "06 12 34 56 78",
        "06.12.34.56.78",
        "06-12-34-56-78",
        "+33 6 12 34 56 78",
        "+33612345678",
        "123456",          /* 6 digits, the least */
        "123456789012345", /* 15 digits, the most */
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (text_check_phone(ok[i]) != TEXT_OK)
            fail_msg("\"%s\" refused (%d)", ok[i], text_check_phone(ok[i]));
    static const char *const bad[] = {
        "12345",            /* 5 digits */
        "1234567890123456", /* 16 digits */
        "06 12 34 56 7a",
        "+",
        "++33612345678",
        "06+12345678",
        "(06) 12 34 56 78",
        "06/12/34/56/78",
        "06 12 34 56 78 !",
        "\xD9\xA0\xD9\xA6\xD9\xA1\xD9\xA2\xD9\xA3\xD9\xA4", /* ٠٦١٢٣٤ */
        "- - - . . .",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (text_check_phone(bad[i]) != TEXT_BAD_PHONE)
            fail_msg("\"%s\": %d, want TEXT_BAD_PHONE", bad[i], text_check_phone(bad[i]));
    /* 21 characters: more than the field holds. */
    assert_int_equal(text_check_phone("06 12 34 56 78 90 12 "), TEXT_TOO_LONG);
}

/* --- text_name_key -------------------------------------------------------------------------- */

static void key(const char *first, const char *last, char *out)
{
    text_name_key(first, last, out, 256);
}

static void assert_same_person(const char *f1, const char *l1, const char *f2, const char *l2)
{
    char a[256], b[256];
    key(f1, l1, a);
    key(f2, l2, b);
    if (strcmp(a, b) != 0)
        fail_msg("\"%s\" \"%s\" -> \"%s\" but \"%s\" \"%s\" -> \"%s\"", f1, l1, a, f2, l2, b);
}

static void assert_different_people(const char *f1, const char *l1, const char *f2, const char *l2)
{
    char a[256], b[256];
    key(f1, l1, a);
    key(f2, l2, b);
    if (strcmp(a, b) == 0)
        fail_msg("\"%s\" \"%s\" and \"%s\" \"%s\" share the key \"%s\"", f1, l1, f2, l2, a);
}

static void test_name_key_same_person(void **state)
{
    (void)state;
    char k[256];
    key("  \xC3\x89LODIE  ", "le Gall", k);
    assert_string_equal(k, "elodie"
                           "\x1F"
                           "le-gall");
    assert_same_person("  \xC3\x89LODIE  ", "le Gall", "elodie", "Le  Gall");
    /* œ, ß, Ł and the other folds of the table. */
    key("\xC5\x92"
        "dipe",
        "Strau\xC3\x9F", k); /* Œdipe Strauß */
    assert_string_equal(k, "oedipe"
                           "\x1F"
                           "strauss");
    assert_same_person("\xC5\x81ukasz", "Wa\xC5\x82\xC4\x99sa", "Lukasz", "Walesa");
    key("\xC3\x86sa", "\xC3\x9E\xC3\xB3rr", k); /* Æsa Þórr */
    assert_string_equal(k, "aesa"
                           "\x1F"
                           "thorr");
    /* Latin Extended-A is a table of base letters: samples across it check its alignment. */
    key("\xC4\x80\xC4\x87\xC4\x8F\xC4\x9B\xC4\x9F\xC4\xA7\xC4\xB1\xC4\xB0\xC4\xB5\xC4\xB7", "", k);
    assert_string_equal(k, "acdeghiijk"
                           "\x1F"
                           ""); /* Ā ć ď ě ğ ħ ı İ ĵ ķ */
    key("\xC5\x82\xC5\x84\xC5\x89\xC5\x91\xC5\x99\xC5\x9F\xC5\xA1\xC5\xA3\xC5\xAF\xC5\xB5", "", k);
    assert_string_equal(k, "lnnorsstuw"
                           "\x1F"
                           ""); /* ł ń ŉ ő ř ş š ţ ů ŵ */
    key("\xC5\xB7\xC5\xB8\xC5\xBA\xC5\xBE\xC5\xBF\xC4\xB3", "", k);
    assert_string_equal(k, "yyzzsij"
                           "\x1F"
                           ""); /* ŷ Ÿ ź ž ſ ĳ */
    assert_same_person("Jean Pierre", "Martin", "Jean-Pierre", "Martin");
    assert_same_person("Jean\xE2\x80\x90Pierre", "Martin", "jean-pierre", "MARTIN"); /* U+2010 */
    assert_same_person("Jeanne",
                       "D\xE2\x80\x99"
                       "Arc",
                       "Jeanne", "d'Arc");
    assert_same_person("Jeanne",
                       "D\xCA\xBC"
                       "Arc",
                       "JEANNE", "d'arc"); /* U+02BC */
    assert_same_person("\xC3\x89ric", "Mart\xC3\xADn", "eric", "Martin");
    assert_same_person("Fran\xC3\xA7oise", "No\xC3\xABl", "FRANCOISE", "NOEL");
}

static void test_name_key_different_people(void **state)
{
    (void)state;
    assert_different_people("Jean", "Dupont", "Jeanne", "Dupont");
    assert_different_people("L\xC3\xA9"
                            "a",
                            "Petit", "L\xC3\xA9o", "Petit");
    assert_different_people("Jean", "Pierre Martin", "Jean Pierre", "Martin");
    assert_different_people("Anne", "", "", "Anne");
    assert_different_people("Marie", "Curie", "Marie", "Curies");
    assert_different_people("\xD0\x90\xD0\xBD\xD0\xBD\xD0\xB0", "X", "Anna", "X"); /* Анна */
    assert_different_people("\xF0\x9F\x98\x80", "X", "\xF0\x9F\x98\x81", "X");
}

/* The key once joined the two names with '|', which a name may itself hold (a USB keyboard types
** it; text_char_allowed() accepts it): two different people then share a key, and the store
** answers "already registered" with the other person's registration. */
static void test_name_key_separator_cannot_be_forged(void **state)
{
    (void)state;
    assert_int_equal(text_check_name("a|b"), TEXT_OK); /* the premise: such a name is accepted */
    assert_different_people("Anne|Marie", "Martin", "Anne", "Marie|Martin");
}

static void test_name_key_tiny_buffers(void **state)
{
    (void)state;
    static const struct {
        size_t cap;
        const char *want;
    } cases[] = {{1, ""},
                 {2, "e"},
                 {5, "elod"},
                 {8, "elodie"
                     "\x1F"},
                 {9, "elodie"
                     "\x1F"
                     "l"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[32];
        memset(out, 'Z', sizeof out);
        text_name_key("\xC3\x89lodie", "Le Gall", out, cases[i].cap);
        for (size_t k = cases[i].cap; k < sizeof out; k++)
            if (out[k] != 'Z')
                fail_msg("cap %zu: byte %zu written", cases[i].cap, k);
        assert_non_null(memchr(out, '\0', cases[i].cap));
        assert_string_equal(out, cases[i].want);
    }
    char out[4] = "ZZZ";
    text_name_key("a", "b", out, 0);
    assert_memory_equal(out, "ZZZ", 4);
}

/* text.h: "input that would not fit is cut". A cut key must be a prefix of the whole key:
** otherwise a first name cut before a wide character gets the separator and the last name after it,
** and reads as another, shorter name. */
static void test_name_key_cut_is_prefix(void **state)
{
    (void)state;
    const char *first = "ab\xF0\x9F\x98\x80"
                        "c\xC3\x9F",
               *last = "xy\xE2\x82\xAC"
                       "z";
    char full[64];
    text_name_key(first, last, full, sizeof full);
    assert_string_equal(full, "ab\xF0\x9F\x98\x80"
                              "css"
                              "\x1F"
                              "xy\xE2\x82\xAC"
                              "z");
    int bad = 0;
    for (size_t cap = 1; cap <= strlen(full) + 1; cap++) {
        char out[64];
        memset(out, 'Z', sizeof out);
        text_name_key(first, last, out, cap);
        assert_non_null(memchr(out, '\0', cap));
        assert_true(support_valid_utf8_n(out, strlen(out)));
        if (strncmp(out, full, strlen(out)) != 0) {
            print_error("cap %zu: \"%s\" is not a prefix of \"%s\"\n", cap, out, full);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

/* A name of 50 four-byte characters (the most a field holds) gets its whole key in the
** store's buffer (2 * BORNE_NAME_MAX + 2): no collision by truncation. */
static void test_name_key_longest_names(void **state)
{
    (void)state;
    char first[256], last[256], out[2 * 204 + 2];
    repeat(first, "\xF0\x9F\x98\x80", 50);
    repeat(last, "\xC3\x9F", 50); /* ß folds to two bytes */
    text_name_key(first, last, out, sizeof out);
    assert_int_equal(strlen(out), 200 + 1 + 100);
    assert_int_equal(count_code_points(out), 50 + 1 + 100);
    assert_true(support_valid_utf8_n(out, strlen(out)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_valid),
        cmocka_unit_test(test_decode_invalid),
        cmocka_unit_test(test_encode_round_trip),
        cmocka_unit_test(test_length_and_prev),
        cmocka_unit_test(test_char_refused),
        cmocka_unit_test(test_char_refused_format_and_supplementary_private_use),
        cmocka_unit_test(test_char_allowed),
        cmocka_unit_test(test_normalize_spaces),
        cmocka_unit_test(test_normalize_cap),
        cmocka_unit_test(test_check_name),
        cmocka_unit_test(test_check_email),
        cmocka_unit_test(test_check_phone),
        cmocka_unit_test(test_name_key_same_person),
        cmocka_unit_test(test_name_key_different_people),
        cmocka_unit_test(test_name_key_separator_cannot_be_forged),
        cmocka_unit_test(test_name_key_tiny_buffers),
        cmocka_unit_test(test_name_key_cut_is_prefix),
        cmocka_unit_test(test_name_key_longest_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
