/* Unit tests of firmware/escpos: the exact bytes of every command, the code page tables against
** the C library's iconv, the stand-ins for what a page lacks, pictures cut into bands, QR codes
** that zbarimg reads back off the picture, whole tickets on 58 and 80 mm paper read back by an
** independent decoder (tests/escpos_decode.h), and the paper status byte.
**
** zbarimg (Debian package zbar-tools) is a test dependency: without it the QR tests fail with
** a message that says so, rather than pass without checking anything. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "escpos/codepage.h"
#include "escpos/escpos.h"
#include "escpos/ticket_job.h"
#include "escpos_decode.h"
#include "support.h"

#define ALL_PAGES                                                                                  \
    {                                                                                              \
        ESCPOS_CP858, ESCPOS_CP437, ESCPOS_CP850, ESCPOS_CP1252                                    \
    }

static const char *const iconv_names[] = {"CP858", "CP437", "CP850", "CP1252"};

/* A realistic ticket payload: "B1" then 168 characters of the base32 alphabet (deterministic). */
static void make_payload(char *out, size_t len)
{
    static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    uint32_t x = 0x2545F491u;
    out[0] = 'B';
    out[1] = '1';
    for (size_t i = 2; i < len; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        out[i] = b32[x % 32];
    }
    out[len] = '\0';
}

static char payload[171];

static int setup(void **state)
{
    (void)state;
    make_payload(payload, 170);
    return 0;
}

/* The bytes of buf as "1B 40 ..." for failure messages and comparisons. */
static void hex(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && k + 4 < cap; i++)
        k += (size_t)snprintf(out + k, cap - k, i ? " %02X" : "%02X", p[i]);
}

#define assert_bytes(buf, ...)                                                                     \
    do {                                                                                           \
        const uint8_t e_[] = {__VA_ARGS__};                                                        \
        char got_[256], want_[256];                                                                \
        hex((buf)->data, (buf)->len, got_, sizeof got_);                                           \
        hex(e_, sizeof e_, want_, sizeof want_);                                                   \
        if ((buf)->len != sizeof e_ || memcmp((buf)->data, e_, sizeof e_) != 0)                    \
            fail_msg("bytes %s, want %s", got_, want_);                                            \
    } while (0)

#define B(...)                                                                                     \
    {                                                                                              \
        __VA_ARGS__                                                                                \
    }

/* --- commands --------------------------------------------------------------------------------- */

static void test_command_bytes(void **state)
{
    (void)state;
    struct escpos_buf b;
#define CASE(call, ...)                                                                            \
    do {                                                                                           \
        escpos_buf_init(&b);                                                                       \
        assert_int_equal(call, BORNE_OK);                                                          \
        assert_false(b.failed);                                                                    \
        assert_bytes(&b, __VA_ARGS__);                                                             \
        escpos_buf_deinit(&b);                                                                     \
    } while (0)
    CASE(escpos_reset(&b), 0x1B, 0x40);
    CASE(escpos_codepage(&b, ESCPOS_CP858), 0x1B, 0x74, 19);
    CASE(escpos_codepage(&b, ESCPOS_CP437), 0x1B, 0x74, 0);
    CASE(escpos_codepage(&b, ESCPOS_CP850), 0x1B, 0x74, 2);
    CASE(escpos_codepage(&b, ESCPOS_CP1252), 0x1B, 0x74, 16);
    CASE(escpos_align(&b, ESCPOS_ALIGN_LEFT), 0x1B, 0x61, 0);
    CASE(escpos_align(&b, ESCPOS_ALIGN_CENTER), 0x1B, 0x61, 1);
    CASE(escpos_align(&b, ESCPOS_ALIGN_RIGHT), 0x1B, 0x61, 2);
    CASE(escpos_bold(&b, true), 0x1B, 0x45, 1);
    CASE(escpos_bold(&b, false), 0x1B, 0x45, 0);
    CASE(escpos_invert(&b, true), 0x1D, 0x42, 1);
    CASE(escpos_invert(&b, false), 0x1D, 0x42, 0);
    CASE(escpos_size(&b, 1, 1), 0x1D, 0x21, 0x00);
    CASE(escpos_size(&b, 1, 2), 0x1D, 0x21, 0x01);
    CASE(escpos_size(&b, 2, 1), 0x1D, 0x21, 0x10);
    CASE(escpos_size(&b, 2, 2), 0x1D, 0x21, 0x11);
    CASE(escpos_size(&b, 3, 5), 0x1D, 0x21, 0x24);
    CASE(escpos_size(&b, 8, 8), 0x1D, 0x21, 0x77);
    CASE(escpos_newline(&b), 0x0A);
    CASE(escpos_feed(&b, 4), 0x1B, 0x64, 4);
    CASE(escpos_feed(&b, 0), 0x1B, 0x64, 0);
    CASE(escpos_feed(&b, 255), 0x1B, 0x64, 255);
    CASE(escpos_cut(&b), 0x1D, 0x56, 66, 0);
    CASE(escpos_status_query(&b), 0x10, 0x04, 0x04);
    CASE(escpos_text(&b, ESCPOS_CP858, "Zoé 5 €"), 'Z', 'o', 0x82, ' ', '5', ' ', 0xD5);
    CASE(escpos_text(&b, ESCPOS_CP1252, "Zoé 5 €"), 'Z', 'o', 0xE9, ' ', '5', ' ', 0x80);
    CASE(escpos_text(&b, ESCPOS_CP437, "5 €"), '5', ' ', 'E', 'U', 'R');
    CASE(escpos_text_bytes(&b, "a\x1b@\n\x7f\x82", 6), 'a', '?', '@', '?', '?', 0x82);
#undef CASE
    /* Empty text appends nothing and is not an error. */
    escpos_buf_init(&b);
    assert_int_equal(escpos_text(&b, ESCPOS_CP858, ""), BORNE_OK);
    assert_int_equal(escpos_text(&b, ESCPOS_CP858, NULL), BORNE_OK);
    assert_int_equal(b.len, 0);
    escpos_buf_deinit(&b);
    escpos_buf_deinit(NULL);
}

static void test_bad_arguments_are_sticky(void **state)
{
    (void)state;
    struct escpos_buf b;
#define BAD(call)                                                                                  \
    do {                                                                                           \
        escpos_buf_init(&b);                                                                       \
        assert_int_equal(escpos_reset(&b), BORNE_OK);                                              \
        assert_int_equal(call, BORNE_ERR_INVALID);                                                 \
        assert_true(b.failed);                                                                     \
        assert_int_equal(b.err, BORNE_ERR_INVALID);                                                \
        assert_int_equal(b.len, 2);                                                                \
        /* Every later command does nothing and says why. */                                       \
        assert_int_equal(escpos_newline(&b), BORNE_ERR_INVALID);                                   \
        assert_int_equal(escpos_text(&b, ESCPOS_CP858, "x"), BORNE_ERR_INVALID);                   \
        assert_int_equal(b.len, 2);                                                                \
        escpos_buf_deinit(&b);                                                                     \
        assert_false(b.failed);                                                                    \
        assert_null(b.data);                                                                       \
    } while (0)
    uint8_t bits[8] = {0};
    BAD(escpos_size(&b, 0, 1));
    BAD(escpos_size(&b, 1, 0));
    BAD(escpos_size(&b, 9, 1));
    BAD(escpos_size(&b, 1, 9));
    BAD(escpos_feed(&b, -1));
    BAD(escpos_feed(&b, 256));
    BAD(escpos_align(&b, (enum escpos_align)3));
    BAD(escpos_codepage(&b, (enum escpos_codepage)7));
    BAD(escpos_raster(&b, NULL, 8, 8));
    BAD(escpos_raster(&b, bits, 0, 8));
    BAD(escpos_raster(&b, bits, 8, 0));
    BAD(escpos_raster(&b, bits, -8, 8));
    BAD(escpos_qr(&b, NULL, 0, 384));
    BAD(escpos_qr(&b, "", 0, 384));
    BAD(escpos_qr(&b, "HELLO", 4, 384));  /* modules below 5 dots */
    BAD(escpos_qr(&b, "HELLO", 0, 0));    /* no paper */
    BAD(escpos_qr(&b, "HELLO", 0, 100));  /* 21 + 8 modules of 5 dots do not fit 100 */
    BAD(escpos_qr(&b, "HELLO", 14, 384)); /* 29 x 14 = 406 > 384 */
#undef BAD
}

static void test_buffer_hard_max(void **state)
{
    (void)state;
    struct escpos_buf b;
    escpos_buf_init(&b);
    static uint8_t chunk[64 * 1024];
    memset(chunk, 'x', sizeof chunk);
    for (int i = 0; i < 4; i++)
        assert_int_equal(escpos_append(&b, chunk, sizeof chunk), BORNE_OK);
    assert_int_equal(b.len, ESCPOS_BUF_MAX);
    assert_true(b.cap <= ESCPOS_BUF_MAX);
    assert_int_equal(escpos_newline(&b), BORNE_ERR_INVALID);
    assert_true(b.failed);
    assert_int_equal(b.len, ESCPOS_BUF_MAX);
    escpos_buf_deinit(&b);

    /* A picture too big for a job is refused whole: no band of it is left behind. */
    escpos_buf_init(&b);
    size_t n = 576 / 8 * 4000;
    uint8_t *big = calloc(1, n);
    assert_non_null(big);
    assert_int_equal(escpos_reset(&b), BORNE_OK);
    assert_int_equal(escpos_raster(&b, big, 576, 4000), BORNE_ERR_INVALID);
    assert_int_equal(b.len, 2);
    escpos_buf_deinit(&b);
    free(big);
}

/* --- code pages ------------------------------------------------------------------------------- */

static void test_codepage_names(void **state)
{
    (void)state;
    enum escpos_codepage cp = ESCPOS_CP437;
    assert_true(escpos_codepage_parse("cp858", &cp));
    assert_int_equal(cp, ESCPOS_CP858);
    assert_true(escpos_codepage_parse("CP437", &cp));
    assert_int_equal(cp, ESCPOS_CP437);
    assert_true(escpos_codepage_parse("Cp850", &cp));
    assert_int_equal(cp, ESCPOS_CP850);
    assert_true(escpos_codepage_parse("cp1252", &cp));
    assert_int_equal(cp, ESCPOS_CP1252);
    cp = ESCPOS_CP850;
    assert_false(escpos_codepage_parse("cp852", &cp));
    assert_false(escpos_codepage_parse("", &cp));
    assert_false(escpos_codepage_parse("cp858 ", &cp));
    assert_false(escpos_codepage_parse("utf-8", &cp));
    assert_false(escpos_codepage_parse(NULL, &cp));
    assert_int_equal(cp, ESCPOS_CP850);

    assert_int_equal(escpos_codepage_esc_t(ESCPOS_CP858), 19);
    assert_int_equal(escpos_codepage_esc_t(ESCPOS_CP437), 0);
    assert_int_equal(escpos_codepage_esc_t(ESCPOS_CP850), 2);
    assert_int_equal(escpos_codepage_esc_t(ESCPOS_CP1252), 16);
    assert_int_equal(escpos_codepage_esc_t((enum escpos_codepage)9), -1);
    assert_string_equal(escpos_codepage_name(ESCPOS_CP1252), "cp1252");
    assert_string_equal(escpos_codepage_name((enum escpos_codepage)9), "?");
}

/* Every byte of every page against glibc's tables, both ways. */
static void test_codepage_tables_match_iconv(void **state)
{
    (void)state;
    const enum escpos_codepage pages[] = ALL_PAGES;
    for (int p = 0; p < 4; p++) {
        iconv_t cd = iconv_open("UTF-32LE", iconv_names[p]);
        assert_true(cd != (iconv_t)-1);
        for (int b = 0x80; b <= 0xFF; b++) {
            char in = (char)b, *inp = &in;
            uint8_t u[4];
            char *outp = (char *)u;
            size_t inleft = 1, outleft = 4;
            iconv(cd, NULL, NULL, NULL, NULL);
            uint32_t want = 0;
            if (iconv(cd, &inp, &inleft, &outp, &outleft) != (size_t)-1 && outleft == 0)
                want = (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16;
            uint32_t got = escpos_codepage_char(pages[p], (uint8_t)b);
            if (got != want)
                fail_msg("%s byte 0x%02X: U+%04X, iconv says U+%04X", iconv_names[p], b, got, want);
            /* The no-break space prints as a space, the soft hyphen not at all: on purpose. */
            if (want == 0 || want == 0x00A0 || want == 0x00AD)
                continue;
            /* And back: the character converts to that very byte. */
            char utf8[5] = {0}, out[8];
            iconv_t back = iconv_open("UTF-8", iconv_names[p]);
            char *ip = &in, *op = utf8;
            size_t il = 1, ol = 4;
            assert_true(iconv(back, &ip, &il, &op, &ol) != (size_t)-1);
            iconv_close(back);
            if (escpos_codepage_from_utf8(pages[p], utf8, out, sizeof out) != 1)
                fail_msg("%s: %s does not convert to one byte", iconv_names[p], utf8);
            if ((uint8_t)out[0] != b)
                fail_msg("%s: %s converts to 0x%02X, want 0x%02X", iconv_names[p], utf8,
                         (uint8_t)out[0], b);
        }
        iconv_close(cd);
        /* The lower half: ASCII printable, nothing for control bytes. */
        for (int b = 0; b < 0x80; b++)
            assert_int_equal(escpos_codepage_char(pages[p], (uint8_t)b),
                             (b >= 0x20 && b < 0x7F) ? (uint32_t)b : 0);
    }
}

/* Convert utf8 in page cp and compare with the expected bytes (a C string). */
static void expect_conv(enum escpos_codepage cp, const char *utf8, const char *want)
{
    char out[256];
    size_t n = escpos_codepage_from_utf8(cp, utf8, out, sizeof out);
    if (n != strlen(want) || strcmp(out, want) != 0) {
        char g[256], w[256];
        hex((const uint8_t *)out, strlen(out), g, sizeof g);
        hex((const uint8_t *)want, strlen(want), w, sizeof w);
        fail_msg("%s in %s: [%s], want [%s]", utf8, escpos_codepage_name(cp), g, w);
    }
}

static void test_codepage_spot_checks(void **state)
{
    (void)state;
    /* From the official tables. */
    expect_conv(ESCPOS_CP437, "é", "\x82");
    expect_conv(ESCPOS_CP850, "é", "\x82");
    expect_conv(ESCPOS_CP858, "é", "\x82");
    expect_conv(ESCPOS_CP1252, "é", "\xE9");
    expect_conv(ESCPOS_CP858, "€", "\xD5");
    expect_conv(ESCPOS_CP1252, "€", "\x80");
    expect_conv(ESCPOS_CP850, "ı", "\xD5"); /* CP850's 0xD5 is the dotless i... */
    expect_conv(ESCPOS_CP858, "ı", "i");    /* ...which CP858 gave up for the euro */
    expect_conv(ESCPOS_CP850, "€", "EUR");
    expect_conv(ESCPOS_CP437, "€", "EUR");
    expect_conv(ESCPOS_CP858, "ç à è ù", "\x87 \x85 \x8A \x97");
    expect_conv(ESCPOS_CP858, "À É È Ê Ç Ô", "\xB7 \x90 \xD4 \xD2 \x80 \xE2");
    expect_conv(ESCPOS_CP437, "À É È Ê Ç Ô", "A \x90 E E \x80 O");
    expect_conv(ESCPOS_CP1252, "À É È Ê Ç Ô", "\xC0 \xC9 \xC8 \xCA \xC7 \xD4");
    expect_conv(ESCPOS_CP858, "«»", "\xAE\xAF");
    expect_conv(ESCPOS_CP437, "«»", "\xAE\xAF");
    expect_conv(ESCPOS_CP1252, "«»", "\xAB\xBB");
    expect_conv(ESCPOS_CP858, "°", "\xF8");
    expect_conv(ESCPOS_CP858, "ß", "\xE1");
    /* Ligatures, where the page has none. */
    expect_conv(ESCPOS_CP858, "œuvre Œdipe", "oeuvre OEdipe");
    expect_conv(ESCPOS_CP437, "sœur", "soeur");
    expect_conv(ESCPOS_CP850, "œ", "oe");
    expect_conv(ESCPOS_CP1252, "œŒ", "\x9C\x8C");
    expect_conv(ESCPOS_CP858, "æÆ", "\x91\x92");
    expect_conv(ESCPOS_CP1252, "æÆ", "\xE6\xC6");
    /* Accents the page lacks are dropped. */
    expect_conv(ESCPOS_CP858, "Erdős Łódź Ştefan Dvořák",
                "Erdos L\xA2"
                "dz Stefan Dvor\xA0k");
    expect_conv(ESCPOS_CP1252, "ő ș ț ẞ", "o s t SS");
    expect_conv(ESCPOS_CP858, "Nguyễn", "Nguyen");
    /* Typographic punctuation and spaces. */
    expect_conv(ESCPOS_CP858, "l’ordinateur", "l'ordinateur");
    expect_conv(ESCPOS_CP1252, "l’ordinateur", "l\x92ordinateur");
    expect_conv(ESCPOS_CP858, "“oui” ‘non’ „ja“", "\"oui\" 'non' \"ja\"");
    expect_conv(ESCPOS_CP858, "14:30 – 16:00 — fin", "14:30 - 16:00 - fin");
    expect_conv(ESCPOS_CP858, "Attendez…", "Attendez...");
    expect_conv(ESCPOS_CP1252, "…", "\x85");
    expect_conv(ESCPOS_CP858, "a\u00A0b\u202Fc\u2009d\u3000e", "a b c d e");
    expect_conv(ESCPOS_CP1252, "a\u00A0b", "a b");
    expect_conv(ESCPOS_CP437, "© ® ™", "(c) (R) TM");
    /* Combining accents and invisible characters go away. */
    expect_conv(ESCPOS_CP858, "Zoe\u0301", "Zoe");
    expect_conv(ESCPOS_CP858, "a\u200Bb\u00ADc\uFEFF", "abc");
}

static void test_codepage_unprintable(void **state)
{
    (void)state;
    const enum escpos_codepage pages[] = ALL_PAGES;
    for (int p = 0; p < 4; p++) {
        enum escpos_codepage cp = pages[p];
        expect_conv(cp, "😀", "?");
        expect_conv(cp, "Zoé 🎉", cp == ESCPOS_CP1252 ? "Zo\xE9 ?" : "Zo\x82 ?");
        expect_conv(cp, "漢字", "??");
        expect_conv(cp, "Ωμέγα", cp == ESCPOS_CP437 ? "\xEA???\xE0" : "?????");
        expect_conv(cp, "👨‍👩‍👧", "???"); /* joiners dropped: one ? per person */
        expect_conv(cp, "👍🏽", "?");             /* the skin tone is not a second character */
        expect_conv(cp, "🇫🇷", "??");
        expect_conv(cp, "\x01\x1b@\t\n\r\x7f", "??@????");
        expect_conv(cp, "\xC2\x85\xC2\x9B", "??"); /* C1 controls: NEL, CSI */
        /* Malformed UTF-8: one ? per bad sequence. */
        expect_conv(cp, "a\xC3", "a?");
        expect_conv(cp, "a\xE2\x82z", "a?z");
        expect_conv(cp, "\xFF\xFE", "??");
        expect_conv(cp, "\x80\x80\x80", "?");
        expect_conv(cp, "\xC0\xAF", "?");         /* overlong '/' */
        expect_conv(cp, "\xED\xA0\x80", "?");     /* surrogate */
        expect_conv(cp, "\xF4\x90\x80\x80", "?"); /* past U+10FFFF */
        expect_conv(cp, "", "");
    }
    char out[4] = "xyz";
    assert_int_equal(escpos_codepage_from_utf8(ESCPOS_CP858, NULL, out, sizeof out), 0);
    assert_string_equal(out, "");
}

/* The safety promise: whatever the input, text bytes are never commands. */
static void assert_safe(enum escpos_codepage cp, const char *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t b = (uint8_t)out[i];
        if (b < 0x20 || b == 0x7F || escpos_codepage_char(cp, b) == 0)
            fail_msg("%s produced byte 0x%02X", escpos_codepage_name(cp), b);
    }
}

static void test_codepage_never_emits_control_bytes(void **state)
{
    (void)state;
    const enum escpos_codepage pages[] = ALL_PAGES;
    char in[8], out[16];
    /* Every code point below U+3000, then a sample of the rest up to U+10FFFF. */
    for (uint32_t c = 1; c <= 0x10FFFF; c = c < 0x3000 ? c + 1 : c + 61) {
        if (c >= 0xD800 && c <= 0xDFFF)
            continue;
        size_t k;
        if (c < 0x80)
            in[0] = (char)c, k = 1;
        else if (c < 0x800)
            in[0] = (char)(0xC0 | c >> 6), in[1] = (char)(0x80 | (c & 0x3F)), k = 2;
        else if (c < 0x10000)
            in[0] = (char)(0xE0 | c >> 12), in[1] = (char)(0x80 | ((c >> 6) & 0x3F)),
            in[2] = (char)(0x80 | (c & 0x3F)), k = 3;
        else
            in[0] = (char)(0xF0 | c >> 18), in[1] = (char)(0x80 | ((c >> 12) & 0x3F)),
            in[2] = (char)(0x80 | ((c >> 6) & 0x3F)), in[3] = (char)(0x80 | (c & 0x3F)), k = 4;
        in[k] = '\0';
        for (int p = 0; p < 4; p++) {
            size_t n = escpos_codepage_from_utf8(pages[p], in, out, sizeof out);
            assert_true(n < sizeof out);
            assert_true(n <= 3); /* the longest stand-in is 3 bytes */
            assert_safe(pages[p], out, n);
        }
    }
    /* Random bytes, as a scanner or a broken server might send. */
    uint32_t x = 12345;
    char junk[65], conv[256];
    for (int round = 0; round < 20000; round++) {
        for (int i = 0; i < 64; i++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            junk[i] = (char)(x % 255 + 1);
        }
        junk[64] = '\0';
        for (int p = 0; p < 4; p++) {
            size_t n = escpos_codepage_from_utf8(pages[p], junk, conv, sizeof conv);
            assert_true(n < sizeof conv);
            assert_int_equal(strlen(conv), n);
            assert_safe(pages[p], conv, n);
        }
    }
}

static void test_codepage_short_buffer(void **state)
{
    (void)state;
    char out[8];
    /* snprintf's contract: the full length back, a prefix of whole stand-ins written. */
    assert_int_equal(escpos_codepage_from_utf8(ESCPOS_CP437, "€uro", out, 3), 6);
    assert_string_equal(out, "");
    assert_int_equal(escpos_codepage_from_utf8(ESCPOS_CP437, "€uro", out, 4), 6);
    assert_string_equal(out, "EUR");
    assert_int_equal(escpos_codepage_from_utf8(ESCPOS_CP437, "€uro", out, 6), 6);
    assert_string_equal(out, "EURur");
    assert_int_equal(escpos_codepage_from_utf8(ESCPOS_CP437, "a€b", out, 4), 5);
    assert_string_equal(out, "a"); /* not "aEU", and not "a" + "b" after a skipped stand-in */
    assert_int_equal(escpos_codepage_from_utf8(ESCPOS_CP858, "abc", NULL, 0), 3);
    assert_int_equal(escpos_codepage_from_utf8(ESCPOS_CP858, "abc", out, 1), 3);
    assert_string_equal(out, "");

    /* Back to UTF-8: never half a character. */
    assert_int_equal(escpos_codepage_to_utf8(ESCPOS_CP858, "\x82", 1, out, 2), 2);
    assert_string_equal(out, "");
    assert_int_equal(escpos_codepage_to_utf8(ESCPOS_CP858, "Zo\x82", 3, out, sizeof out), 4);
    assert_string_equal(out, "Zoé");
    assert_int_equal(escpos_codepage_to_utf8(ESCPOS_CP858, "\xD5", 1, out, sizeof out), 3);
    assert_string_equal(out, "€");
    assert_int_equal(escpos_codepage_to_utf8(ESCPOS_CP850, "\xD5", 1, out, sizeof out), 2);
    assert_string_equal(out, "ı");
    /* Bytes without a glyph, and control bytes, read as U+FFFD. */
    assert_int_equal(escpos_codepage_to_utf8(ESCPOS_CP1252, "\x81\x1b", 2, out, sizeof out), 6);
    assert_string_equal(out, "\xEF\xBF\xBD\xEF\xBF\xBD");
}

/* French as the centre writes it, through every page and back, with the library and with
** iconv: what the paper shows is the text, or its stand-ins and nothing else. */
static void test_codepage_french_round_trip(void **state)
{
    (void)state;
    const char *french = "é è ê ë à â ä ç ù û ü î ï ô ö œ É È Ê À Ç Ô « » € ’ "
                         "L’Œuvre d’Ève à Noël : 2 € — « ça déçoit » ?";
    const char *want[4] = {
        /* CP858 */ "é è ê ë à â ä ç ù û ü î ï ô ö oe É È Ê À Ç Ô « » € ' "
                    "L'OEuvre d'Ève à Noël : 2 € - « ça déçoit » ?",
        /* CP437 */
        "é è ê ë à â ä ç ù û ü î ï ô ö oe É E E A Ç O « » EUR ' "
        "L'OEuvre d'Eve à Noël : 2 EUR - « ça déçoit » ?",
        /* CP850 */
        "é è ê ë à â ä ç ù û ü î ï ô ö oe É È Ê À Ç Ô « » EUR ' "
        "L'OEuvre d'Ève à Noël : 2 EUR - « ça déçoit » ?",
        /* CP1252 */
        "é è ê ë à â ä ç ù û ü î ï ô ö œ É È Ê À Ç Ô « » € ’ "
        "L’Œuvre d’Ève à Noël : 2 € — « ça déçoit » ?",
    };
    const enum escpos_codepage pages[] = ALL_PAGES;
    for (int p = 0; p < 4; p++) {
        char bytes[512], back[1024], oracle[1024];
        size_t n = escpos_codepage_from_utf8(pages[p], french, bytes, sizeof bytes);
        assert_true(n < sizeof bytes);
        assert_safe(pages[p], bytes, n);
        escpos_codepage_to_utf8(pages[p], bytes, n, back, sizeof back);
        if (strcmp(back, want[p]) != 0)
            fail_msg("%s:\n got %s\nwant %s", iconv_names[p], back, want[p]);
        iconv_t cd = iconv_open("UTF-8", iconv_names[p]);
        char *ip = bytes, *op = oracle;
        size_t il = n, ol = sizeof oracle - 1;
        assert_true(iconv(cd, &ip, &il, &op, &ol) != (size_t)-1);
        *op = '\0';
        iconv_close(cd);
        assert_string_equal(oracle, want[p]);
    }
}

/* --- pictures --------------------------------------------------------------------------------- */

static void decode_ok(const struct escpos_buf *b, int paper_dots, struct escpos_doc *doc)
{
    assert_false(b->failed);
    if (!escpos_decode(b->data, b->len, paper_dots, doc))
        fail_msg("decoder: %s", doc->error);
}

static void test_raster_bands(void **state)
{
    (void)state;
    const int heights[] = {1, 255, 256, 257, 512, 600};
    const int widths[] = {100, 384, 576, 8, 3};
    for (size_t hi = 0; hi < sizeof heights / sizeof heights[0]; hi++) {
        for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++) {
            int w = widths[wi], h = heights[hi], rb = (w + 7) / 8;
            uint8_t *img = malloc((size_t)rb * (size_t)h);
            assert_non_null(img);
            uint32_t x = (uint32_t)(w * 1000 + h);
            for (int i = 0; i < rb * h; i++) {
                x ^= x << 13, x ^= x >> 17, x ^= x << 5;
                img[i] = (uint8_t)x;
            }
            struct escpos_buf b;
            escpos_buf_init(&b);
            assert_int_equal(escpos_raster(&b, img, w, h), BORNE_OK);
            assert_int_equal(b.len, (size_t)rb * (size_t)h + 8u * (size_t)((h + 255) / 256));
            /* The first band's header, byte for byte. */
            int rows0 = h > 256 ? 256 : h;
            const uint8_t head[8] = {0x1D,
                                     0x76,
                                     0x30,
                                     0,
                                     (uint8_t)rb,
                                     0,
                                     (uint8_t)(rows0 & 0xFF),
                                     (uint8_t)(rows0 >> 8)};
            assert_memory_equal(b.data, head, 8);

            struct escpos_doc doc;
            decode_ok(&b, 576, &doc);
            assert_int_equal(doc.n_bands, (h + 255) / 256);
            assert_true(doc.max_band_rows <= ESCPOS_RASTER_BAND_ROWS);
            assert_int_equal(doc.n_images, 1);
            assert_int_equal(doc.n_lines, 0);
            assert_int_equal(doc.images[0].w, rb * 8);
            assert_int_equal(doc.images[0].h, h);
            assert_int_equal(doc.height, h);
            /* The same picture, padding bits white. */
            uint8_t mask = (uint8_t)(0xFF << ((8 - w % 8) % 8));
            for (int y = 0; y < h; y++)
                img[y * rb + rb - 1] &= mask;
            int rw, rh;
            uint8_t *back = escpos_doc_raster(&doc, &rw, &rh);
            assert_non_null(back);
            assert_int_equal(rw, rb * 8);
            assert_int_equal(rh, h);
            assert_memory_equal(back, img, (size_t)rb * (size_t)h);
            free(back);
            escpos_doc_free(&doc);
            escpos_buf_deinit(&b);
            free(img);
        }
    }
}

static void test_raster_600_rows_three_commands(void **state)
{
    (void)state;
    enum { W = 384, H = 600, RB = W / 8 };
    static uint8_t img[RB * H];
    for (int y = 0; y < H; y++)
        for (int k = 0; k < RB; k++)
            img[y * RB + k] = (uint8_t)((y * 7 + k * 13) ^ (y >> 3));
    struct escpos_buf b;
    escpos_buf_init(&b);
    assert_int_equal(escpos_raster(&b, img, W, H), BORNE_OK);
    /* Three GS v 0 commands of 256, 256 and 88 rows, found where they must be. */
    size_t at = 0;
    const int rows[3] = {256, 256, 88};
    for (int i = 0; i < 3; i++) {
        assert_true(at + 8 <= b.len);
        assert_int_equal(b.data[at], 0x1D);
        assert_int_equal(b.data[at + 1], 'v');
        assert_int_equal(b.data[at + 2], '0');
        assert_int_equal(b.data[at + 6] | b.data[at + 7] << 8, rows[i]);
        at += 8 + (size_t)RB * (size_t)rows[i];
    }
    assert_int_equal(at, b.len);
    struct escpos_doc doc;
    decode_ok(&b, W, &doc);
    assert_int_equal(doc.n_bands, 3);
    int rw, rh;
    uint8_t *back = escpos_doc_raster(&doc, &rw, &rh);
    assert_int_equal(rw, W);
    assert_int_equal(rh, H);
    assert_memory_equal(back, img, sizeof img);
    free(back);
    escpos_doc_free(&doc);
    escpos_buf_deinit(&b);
}

/* --- QR codes --------------------------------------------------------------------------------- */

static char tmpdir[64];

static void make_tmpdir(void)
{
    if (tmpdir[0])
        return;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_escpos.XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
}

/* What zbarimg reads in the picture, written to a PNG with a white border. */
static void zbar_read(const struct dec_image *im, const char *name, char *out, size_t cap)
{
    if (system("command -v zbarimg >/dev/null 2>&1") != 0)
        fail_msg("zbarimg not found: install the Debian package zbar-tools, a test dependency "
                 "of the QR code checks");
    make_tmpdir();
    char path[128], cmd[256];
    snprintf(path, sizeof path, "%s/%s.png", tmpdir, name);
    assert_true(escpos_image_write_png(im, 40, 1, path));
    snprintf(cmd, sizeof cmd, "zbarimg --raw -q '%s' 2>/dev/null", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    pclose(p);
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
        out[--n] = '\0';
}

/* The module size of a QR picture, from its ink and the side of its matrix: the ink must be
** exactly side x side modules of d dots, centred, with a quiet zone of 4 modules inside the
** picture. Also compares every module with escpos_qr_matrix(). */
static int check_qr_image(const struct dec_image *im, const char *text, int paper_dots)
{
    static uint8_t modules[ESCPOS_QR_MAX_SIDE * ESCPOS_QR_MAX_SIDE];
    int side = 0;
    assert_int_equal(escpos_qr_matrix(text, modules, ESCPOS_QR_MAX_SIDE, &side), BORNE_OK);
    int x0, y0, x1, y1;
    assert_true(escpos_image_ink(im, &x0, &y0, &x1, &y1));
    int iw = x1 - x0 + 1, ih = y1 - y0 + 1;
    assert_int_equal(iw, ih);
    assert_int_equal(iw % side, 0);
    int d = iw / side;
    assert_true(d >= ESCPOS_QR_MIN_DOTS);
    assert_true(im->w <= paper_dots);
    /* Quiet zone: 4 modules of white on every side, inside the picture. */
    assert_true(x0 >= 4 * d);
    assert_true(im->w - 1 - x1 >= 4 * d);
    assert_true(y0 >= 4 * d);
    assert_true(im->h - 1 - y1 >= 4 * d);
    /* Centred on the paper, to the dot (the odd dot goes right). */
    int left = x0, right = paper_dots - 1 - x1;
    assert_true(right - left == 0 || right - left == 1);
    size_t rb = ((size_t)im->w + 7) / 8;
    for (int my = 0; my < side; my++)
        for (int mx = 0; mx < side; mx++) {
            int x = x0 + mx * d + d / 2, y = y0 + my * d + d / 2;
            int dark = (im->bits[(size_t)y * rb + (size_t)x / 8] >> (7 - x % 8)) & 1;
            if (dark != modules[my * side + mx])
                fail_msg("module %d,%d differs from escpos_qr_matrix()", mx, my);
        }
    return d;
}

static void test_qr_matrix(void **state)
{
    (void)state;
    static uint8_t m[ESCPOS_QR_MAX_SIDE * ESCPOS_QR_MAX_SIDE];
    int side = -1;
    assert_int_equal(escpos_qr_matrix(payload, m, ESCPOS_QR_MAX_SIDE, &side), BORNE_OK);
    /* 170 alphanumeric characters at level M fit version 7: 45 modules. */
    assert_int_equal(side, 45);
    int dark = 0;
    for (int i = 0; i < side * side; i++) {
        assert_true(m[i] == 0 || m[i] == 1);
        dark += m[i];
    }
    assert_true(dark > side * side / 4 && dark < side * side * 3 / 4);
    /* The finder patterns: dark corners, light separators. */
    assert_int_equal(m[0], 1);
    assert_int_equal(m[side - 1], 1);
    assert_int_equal(m[(side - 1) * side], 1);
    assert_int_equal(m[7 * side + 7], 0);

    assert_int_equal(escpos_qr_matrix(payload, m, 44, &side), BORNE_ERR_INVALID);
    assert_int_equal(side, 0);
    side = -1;
    assert_int_equal(escpos_qr_matrix("", m, ESCPOS_QR_MAX_SIDE, &side), BORNE_ERR_INVALID);
    assert_int_equal(side, 0);
    assert_int_equal(escpos_qr_matrix(NULL, m, ESCPOS_QR_MAX_SIDE, &side), BORNE_ERR_INVALID);
    static char huge[4000];
    memset(huge, 'a', sizeof huge - 1);
    assert_int_equal(escpos_qr_matrix(huge, m, ESCPOS_QR_MAX_SIDE, &side), BORNE_ERR_INVALID);
    assert_int_equal(side, 0);
    /* Lower case is kept, not folded into alphanumeric mode: in 8-bit mode the same length
    ** needs version 9. */
    char lower[171];
    for (int i = 0; i < 171; i++)
        lower[i] = (char)(payload[i] >= 'A' && payload[i] <= 'Z' ? payload[i] + 32 : payload[i]);
    assert_int_equal(escpos_qr_matrix(lower, m, ESCPOS_QR_MAX_SIDE, &side), BORNE_OK);
    assert_int_equal(side, 53);
}

static void test_qr_dots_per_module(void **state)
{
    (void)state;
    assert_int_equal(escpos_qr_dots_per_module(45, 384), 7); /* 53 x 7 = 371 */
    assert_int_equal(escpos_qr_dots_per_module(45, 576), 8); /* capped at 8 */
    assert_int_equal(escpos_qr_dots_per_module(53, 384), 6); /* 61 x 6 = 366 */
    assert_int_equal(escpos_qr_dots_per_module(21, 384), 8);
    assert_int_equal(escpos_qr_dots_per_module(61, 384), 5); /* 69 x 5 = 345 */
    assert_int_equal(escpos_qr_dots_per_module(65, 384), 5); /* 73 x 5 = 365 */
    assert_int_equal(escpos_qr_dots_per_module(69, 384), 0); /* 77 x 5 = 385 > 384 */
    assert_int_equal(escpos_qr_dots_per_module(69, 576), 7); /* 77 x 7 = 539 */
    assert_int_equal(escpos_qr_dots_per_module(0, 384), 0);
    assert_int_equal(escpos_qr_dots_per_module(21, 0), 0);
}

static void test_qr_scans(void **state)
{
    (void)state;
    const int papers[2] = {384, 576};
    const char *texts[3] = {payload, "B1ABC", "https://example.org/t?id=Zo%C3%A9&x=1"};
    for (int p = 0; p < 2; p++) {
        for (int t = 0; t < 3; t++) {
            struct escpos_buf b;
            escpos_buf_init(&b);
            assert_int_equal(escpos_qr(&b, texts[t], 0, papers[p]), BORNE_OK);
            struct escpos_doc doc;
            decode_ok(&b, papers[p], &doc);
            assert_int_equal(doc.n_images, 1);
            assert_true(doc.max_band_rows <= 256);
            int d = check_qr_image(&doc.images[0], texts[t], papers[p]);
            assert_true(d >= 5 && d <= 8);
            char got[1024];
            zbar_read(&doc.images[0], "qr", got, sizeof got);
            assert_string_equal(got, texts[t]);
            escpos_doc_free(&doc);
            escpos_buf_deinit(&b);
        }
    }
    /* A module size given by the caller is used as given. */
    struct escpos_buf b;
    escpos_buf_init(&b);
    assert_int_equal(escpos_qr(&b, "B1ABC", 10, 576), BORNE_OK);
    struct escpos_doc doc;
    decode_ok(&b, 576, &doc);
    assert_int_equal(check_qr_image(&doc.images[0], "B1ABC", 576), 10);
    escpos_doc_free(&doc);
    escpos_buf_deinit(&b);
}

/* --- tickets ---------------------------------------------------------------------------------- */

static struct ticket_print sample(int paper_mm)
{
    struct ticket_print t = {
        .centre = "Atelier Numérique Rennes",
        .title = "Découvrir l'ordinateur et Internet : premiers pas",
        .when = "lundi 23 novembre, 14:30 – 16:00",
        .room = "Salle 2",
        .first_name = "Hélène-Françoise",
        .payload = payload,
        .short_code = "ACDE-FHJK-M",
        .code_label = "Code du billet",
        .arrival = "À votre arrivée, scannez ce billet à la borne.",
        .note = NULL,
        .paper_mm = paper_mm,
        .codepage = ESCPOS_CP858,
    };
    return t;
}

static void build_ok(const struct ticket_print *t, struct escpos_buf *b, struct escpos_doc *doc)
{
    escpos_buf_init(b);
    enum borne_err err = ticket_job_build(t, b);
    if (err != BORNE_OK)
        fail_msg("ticket_job_build: %s", borne_err_str(err));
    int dots = ticket_job_dots_per_line(t->paper_mm);
    decode_ok(b, dots, doc);
    /* Whatever the fields, what a printer needs of every ticket. */
    assert_true(b->len > 4 && b->len <= ESCPOS_BUF_MAX);
    assert_int_equal(b->data[0], 0x1B);
    assert_int_equal(b->data[1], '@');
    assert_int_equal(b->data[2], 0x1B);
    assert_int_equal(b->data[3], 't');
    assert_int_equal(b->data[4], escpos_codepage_esc_t(t->codepage));
    assert_int_equal(doc->resets, 1);
    assert_int_equal(doc->cuts, 1);
    assert_true(doc->ends_with_cut);
    assert_int_equal(b->data[b->len - 4], 0x1D); /* the cut is the very last command */
    assert_true(doc->max_band_rows <= ESCPOS_RASTER_BAND_ROWS);
    int cpl = ticket_job_chars_per_line(t->paper_mm);
    for (int i = 0; i < doc->n_lines; i++) {
        const struct dec_line *l = &doc->lines[i];
        if (l->overflow || l->nchars > cpl / l->wmul)
            fail_msg("line \"%s\" has %d characters at width x%d on %d mm paper", l->text,
                     l->nchars, l->wmul, t->paper_mm);
        assert_false(l->mixed);
        assert_int_equal(l->align, 1);
        assert_true(l->x >= 0 && l->x + l->w <= dots);
        /* No line starts or ends with a space, except the padded note. */
        if (!l->invert) {
            assert_true(l->text[0] != ' ');
            assert_true(l->text[strlen(l->text) - 1] != ' ');
        }
    }
}

/* The field's text as the paper shows it: converted, spaces folded, back to UTF-8 (by iconv,
** through the decoder's view of the page, so that stand-ins are expected and nothing else). */
static void as_printed(const struct ticket_print *t, const char *utf8, char *out, size_t cap)
{
    char bytes[1024], folded[1024];
    size_t n = escpos_codepage_from_utf8(t->codepage, utf8, bytes, sizeof bytes);
    assert_true(n < sizeof bytes);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (bytes[i] == ' ' && (k == 0 || folded[k - 1] == ' '))
            continue;
        folded[k++] = bytes[i];
    }
    while (k > 0 && folded[k - 1] == ' ')
        k--;
    iconv_t cd = iconv_open("UTF-8", iconv_names[t->codepage]);
    char *ip = folded, *op = out;
    size_t il = k, ol = cap - 1;
    assert_true(iconv(cd, &ip, &il, &op, &ol) != (size_t)-1);
    *op = '\0';
    iconv_close(cd);
}

/* The lines from index *at that make up one field: consecutive lines with the same attributes,
** joined with spaces, compared with the expected text; *at moves past them. Returns the
** first of those lines. */
static const struct dec_line *expect_field(const struct escpos_doc *doc, int *at, const char *want,
                                           bool bold, int wmul, int hmul)
{
    char joined[2048] = "";
    assert_true(*at < doc->n_lines);
    const struct dec_line *first = &doc->lines[*at];
    size_t want_len = strlen(want);
    while (*at < doc->n_lines && strlen(joined) < want_len) {
        const struct dec_line *l = &doc->lines[*at];
        if (l->bold != bold || l->wmul != wmul || l->hmul != hmul)
            fail_msg("line \"%s\": bold %d size %dx%d, want bold %d size %dx%d", l->text, l->bold,
                     l->wmul, l->hmul, bold, wmul, hmul);
        if (joined[0])
            strcat(joined, " ");
        strcat(joined, l->text);
        (*at)++;
    }
    if (strcmp(joined, want) != 0)
        fail_msg("printed \"%s\", want \"%s\"", joined, want);
    return first;
}

static void check_ticket(const struct ticket_print *t, const char *name_png)
{
    struct escpos_buf b;
    struct escpos_doc doc;
    build_ok(t, &b, &doc);
    int dots = ticket_job_dots_per_line(t->paper_mm);
    char want[2048];
    int at = 0;
    const struct dec_line *l;

    as_printed(t, t->centre, want, sizeof want);
    l = expect_field(&doc, &at, want, true, 1, 1);
    int y = l->y;
    as_printed(t, t->title, want, sizeof want);
    l = expect_field(&doc, &at, want, true, 1, 2);
    assert_true(l->y > y), y = l->y;
    as_printed(t, t->when, want, sizeof want);
    l = expect_field(&doc, &at, want, false, 1, 1);
    assert_true(l->y > y), y = l->y;
    as_printed(t, t->room, want, sizeof want);
    l = expect_field(&doc, &at, want, true, 1, 1);
    assert_true(l->y > y), y = l->y;
    as_printed(t, t->first_name, want, sizeof want);
    l = expect_field(&doc, &at, want, false, 1, 1);
    assert_true(l->y > y), y = l->y;

    /* The QR code under the name, then its label and the short code under it. */
    int qi = escpos_doc_tallest_image(&doc);
    assert_true(qi >= 0);
    const struct dec_image *qr = &doc.images[qi];
    assert_true(qr->y > y);
    assert_true(qr->w <= dots);
    int d = check_qr_image(qr, t->payload, dots);
    static uint8_t m[ESCPOS_QR_MAX_SIDE * ESCPOS_QR_MAX_SIDE];
    int n = 0;
    assert_int_equal(escpos_qr_matrix(t->payload, m, ESCPOS_QR_MAX_SIDE, &n), BORNE_OK);
    int best = 0;
    for (int k = 5; k <= 8; k++)
        if ((n + 8) * k <= dots)
            best = k;
    assert_int_equal(d, best);
    char got[1024];
    zbar_read(qr, name_png, got, sizeof got);
    assert_string_equal(got, t->payload);

    as_printed(t, t->code_label, want, sizeof want);
    l = expect_field(&doc, &at, want, false, 1, 1);
    assert_true(l->y >= qr->y + qr->h);
    y = l->y;
    l = expect_field(&doc, &at, t->short_code, true, 2, 2);
    assert_true(l->y > y), y = l->y;
    as_printed(t, t->arrival, want, sizeof want);
    l = expect_field(&doc, &at, want, false, 1, 1);
    assert_true(l->y > y);
    if (t->note) {
        as_printed(t, t->note, want, sizeof want);
        assert_true(at < doc.n_lines);
        l = &doc.lines[at];
        assert_true(l->invert);
        assert_true(l->bold);
        assert_int_equal(l->hmul, 2);
        char padded[2100];
        snprintf(padded, sizeof padded, " %s ", want);
        assert_string_equal(l->text, padded);
        at++;
    }
    assert_int_equal(at, doc.n_lines);
    escpos_doc_free(&doc);
    escpos_buf_deinit(&b);
}

static void test_ticket_58_and_80(void **state)
{
    (void)state;
    struct ticket_print t = sample(58);
    check_ticket(&t, "ticket58");
    t = sample(80);
    check_ticket(&t, "ticket80");
    t = sample(58);
    t.first_name = "Zoé";
    t.note = "LISTE D'ATTENTE";
    check_ticket(&t, "note58");
    t.paper_mm = 80;
    check_ticket(&t, "note80");
    /* Every page prints the same ticket, with its own stand-ins. */
    const enum escpos_codepage pages[] = ALL_PAGES;
    for (int p = 0; p < 4; p++) {
        t = sample(p % 2 ? 58 : 80);
        t.codepage = pages[p];
        t.title = "L’œuvre d’Ève : « Noël » – 2 € …";
        check_ticket(&t, "pages");
    }
}

/* A waiting-list ticket: its note at the top, right under the centre's name and its rule,
** white on black, bold, double height (and double width where it fits on one line); once. */
static void test_ticket_waitlist(void **state)
{
    (void)state;
    static const struct {
        int mm;
        const char *note, *printed;
        int wmul;
    } cases[] = {
        {80, NULL, " LISTE D'ATTENTE ", 2}, /* the default words */
        {58, NULL, " LISTE D'ATTENTE ", 1}, /* 17 cells do not fit 16 at double width */
        {80, "", " LISTE D'ATTENTE ", 2},
        {80, "WAITING LIST", " WAITING LIST ", 2},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct ticket_print t = sample(cases[c].mm);
        t.waitlist = true;
        t.note = cases[c].note;
        struct escpos_buf b;
        struct escpos_doc doc;
        build_ok(&t, &b, &doc);
        assert_true(doc.n_lines > 3);
        int found = 0, at = -1;
        for (int i = 0; i < doc.n_lines; i++) {
            if (doc.lines[i].invert) {
                found++;
                at = i;
            }
        }
        assert_int_equal(found, 1);
        assert_int_equal(at, 1); /* right after the centre's name */
        const struct dec_line *l = &doc.lines[at];
        assert_string_equal(l->text, cases[c].printed);
        assert_true(l->bold);
        assert_int_equal(l->hmul, 2);
        assert_int_equal(l->wmul, cases[c].wmul);
        assert_true(l->y > doc.lines[0].y);
        /* Above the title, which follows it as on any ticket. */
        char want[512];
        as_printed(&t, t.title, want, sizeof want);
        assert_true(strncmp(doc.lines[2].text, want, strlen(doc.lines[2].text)) == 0);
        assert_true(doc.lines[2].y > l->y + l->h - 1);
        /* And the last line is the arrival's, not the note again. */
        assert_false(doc.lines[doc.n_lines - 1].invert);
        escpos_doc_free(&doc);
        escpos_buf_deinit(&b);
    }
    /* The control: the same ticket, not on the waiting list, has no inverted line at all. */
    struct ticket_print t = sample(80);
    struct escpos_buf b;
    struct escpos_doc doc;
    build_ok(&t, &b, &doc);
    for (int i = 0; i < doc.n_lines; i++)
        assert_false(doc.lines[i].invert);
    escpos_doc_free(&doc);
    escpos_buf_deinit(&b);
}

/* Lines that greedy word wrapping needs for text of single-byte characters (code points are
** counted, so é is one). */
static int greedy_lines(const char *text, int width)
{
    int lines = 0, len = 0;
    const unsigned char *p = (const unsigned char *)text;
    while (*p) {
        while (*p == ' ')
            p++;
        int word = 0;
        while (*p && *p != ' ')
            word += (*p++ & 0xC0) != 0x80;
        if (word == 0)
            break;
        if (len > 0 && len + 1 + word <= width) {
            len += 1 + word;
            continue;
        }
        if (len > 0)
            lines++;
        lines += (word - 1) / width;
        len = word - (word - 1) / width * width;
    }
    return lines + (len > 0);
}

static void test_ticket_wrapping(void **state)
{
    (void)state;
    /* Centred lines are balanced: no lone word under a full line. */
    for (int mm = 58; mm <= 80; mm += 22) {
        struct ticket_print t = sample(mm);
        struct escpos_buf b;
        struct escpos_doc doc;
        build_ok(&t, &b, &doc);
        assert_string_equal(doc.lines[1].text, "Découvrir l'ordinateur et");
        assert_string_equal(doc.lines[2].text, "Internet : premiers pas");
        assert_int_equal(doc.lines[3].hmul, 1);
        escpos_doc_free(&doc);
        escpos_buf_deinit(&b);
    }

    char title[400];
    /* A 300-character title of French words. */
    const char *words[] = {"Découvrir", "l'ordinateur", "et",       "Internet",  "premiers",
                           "pas",       "messagerie",   "sécurité", "démarches", "administratives",
                           "en",        "ligne",        "à",        "votre",     "rythme"};
    title[0] = '\0';
    for (int i = 0; strlen(title) < 300; i++) {
        if (title[0])
            strcat(title, " ");
        strcat(title, words[i % 15]);
    }
    for (int mm = 58; mm <= 80; mm += 22) {
        struct ticket_print t = sample(mm);
        t.title = title;
        check_ticket(&t, "long");
        /* As few lines as the greedy layout (check_ticket() saw that words are whole). */
        struct escpos_buf b;
        struct escpos_doc doc;
        build_ok(&t, &b, &doc);
        int title_lines = 0;
        for (int i = 0; i < doc.n_lines; i++)
            if (doc.lines[i].hmul == 2 && doc.lines[i].wmul == 1)
                title_lines++;
        assert_int_equal(title_lines, greedy_lines(title, ticket_job_chars_per_line(mm)));
        assert_true(title_lines >= (mm == 58 ? 10 : 7));
        escpos_doc_free(&doc);
        escpos_buf_deinit(&b);
    }

    /* A word longer than a line is the only thing split, in whole lines. */
    struct ticket_print t = sample(58);
    char word[80];
    memset(word, 'W', 70);
    word[70] = '\0';
    snprintf(title, sizeof title, "Le %s fin", word);
    t.title = title;
    struct escpos_buf b;
    struct escpos_doc doc;
    build_ok(&t, &b, &doc);
    int i = 1;
    while (doc.lines[i].hmul != 2)
        i++;
    assert_string_equal(doc.lines[i].text, "Le");
    assert_int_equal(doc.lines[i + 1].nchars, 32);
    assert_int_equal(doc.lines[i + 2].nchars, 32);
    assert_string_equal(doc.lines[i + 3].text, "WWWWWW fin");
    escpos_doc_free(&doc);
    escpos_buf_deinit(&b);

    /* Beyond TICKET_FIELD_MAX a field is cut at a word, with "...". */
    static char huge[5000];
    huge[0] = '\0';
    while (strlen(huge) < 4000)
        strcat(huge, "atelier numérique ");
    t.title = huge;
    build_ok(&t, &b, &doc);
    size_t chars = 0;
    const char *last = NULL;
    for (i = 0; i < doc.n_lines; i++)
        if (doc.lines[i].hmul == 2 && doc.lines[i].wmul == 1) {
            chars += (size_t)doc.lines[i].nchars;
            last = doc.lines[i].text;
        }
    assert_true(chars <= TICKET_FIELD_MAX);
    assert_non_null(last);
    size_t ll = strlen(last);
    assert_true(ll >= 3 && strcmp(last + ll - 3, "...") == 0);
    assert_true(ll < 4 || last[ll - 4] != ' ');
    escpos_doc_free(&doc);
    escpos_buf_deinit(&b);
}

static void test_ticket_hostile_names(void **state)
{
    (void)state;
    const char *names[] = {
        "😀🎉",    "Zoé 👩‍💻", "\x1b@\x1dVB\x01", "a\tb\nc\rd", "\xC3\x28\xA0\xA1",
        "𝕬𝖑𝖎𝖈𝖊", "  Zoé   Lou  ",    "ΑΒΓ 漢字"};
    const char *want[] = {"??", "Zoé ??", "?@?VB?", "a?b?c?d", "?(?", "?????", "Zoé Lou", "??? ??"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        for (int mm = 58; mm <= 80; mm += 22) {
            struct ticket_print t = sample(mm);
            t.first_name = names[i];
            struct escpos_buf b;
            struct escpos_doc doc;
            build_ok(&t, &b, &doc);
            /* The name is the line right before the QR code. */
            int qi = escpos_doc_tallest_image(&doc);
            const struct dec_line *name = NULL;
            for (int k = 0; k < doc.n_lines; k++)
                if (doc.lines[k].y < doc.images[qi].y)
                    name = &doc.lines[k];
            assert_non_null(name);
            assert_string_equal(name->text, want[i]);
            escpos_doc_free(&doc);
            escpos_buf_deinit(&b);
        }
    }
}

static void test_ticket_optional_fields(void **state)
{
    (void)state;
    /* Only the payload: a QR code, a feed and a cut. */
    struct ticket_print t = {.payload = payload, .paper_mm = 58, .codepage = ESCPOS_CP858};
    struct escpos_buf b;
    struct escpos_doc doc;
    build_ok(&t, &b, &doc);
    assert_int_equal(doc.n_lines, 0);
    assert_int_equal(doc.n_images, 2); /* the rule and the QR code */
    escpos_doc_free(&doc);
    escpos_buf_deinit(&b);

    /* Empty and blank fields are left out like NULL ones. */
    t = sample(80);
    t.room = "";
    t.when = "   ";
    t.note = "";
    t.centre = NULL;
    build_ok(&t, &b, &doc);
    for (int i = 0; i < doc.n_lines; i++) {
        assert_true(doc.lines[i].nchars > 0);
        assert_false(doc.lines[i].invert);
        assert_true(strcmp(doc.lines[i].text, "Salle 2") != 0);
        assert_true(strcmp(doc.lines[i].text, "Atelier Numérique Rennes") != 0);
    }
    escpos_doc_free(&doc);
    escpos_buf_deinit(&b);

    /* The same ticket twice gives the same bytes. */
    struct escpos_buf b2;
    t = sample(58);
    escpos_buf_init(&b);
    escpos_buf_init(&b2);
    assert_int_equal(ticket_job_build(&t, &b), BORNE_OK);
    assert_int_equal(ticket_job_build(&t, &b2), BORNE_OK);
    assert_int_equal(b.len, b2.len);
    assert_memory_equal(b.data, b2.data, b.len);
    escpos_buf_deinit(&b);
    escpos_buf_deinit(&b2);
}

static void test_ticket_refused(void **state)
{
    (void)state;
    struct escpos_buf b;
    struct ticket_print t;
    static char too_long[600];
    memset(too_long, 'x', sizeof too_long - 1); /* 8-bit mode: version 20, too big for 58 mm */
#define REFUSED(setup)                                                                             \
    do {                                                                                           \
        t = sample(58);                                                                            \
        setup;                                                                                     \
        escpos_buf_init(&b);                                                                       \
        assert_int_equal(ticket_job_build(&t, &b), BORNE_ERR_INVALID);                             \
        assert_null(b.data);                                                                       \
        assert_int_equal(b.len, 0);                                                                \
        assert_false(b.failed);                                                                    \
    } while (0)
    REFUSED(t.paper_mm = 57);
    REFUSED(t.paper_mm = 0);
    REFUSED(t.payload = NULL);
    REFUSED(t.payload = "");
    REFUSED(t.codepage = (enum escpos_codepage)42);
    REFUSED(t.payload = too_long);
#undef REFUSED
    escpos_buf_init(&b);
    assert_int_equal(ticket_job_build(NULL, &b), BORNE_ERR_INVALID);
    t = sample(80);
    assert_int_equal(ticket_job_build(&t, NULL), BORNE_ERR_INVALID);

    assert_int_equal(ticket_job_dots_per_line(58), 384);
    assert_int_equal(ticket_job_dots_per_line(80), 576);
    assert_int_equal(ticket_job_dots_per_line(76), 0);
    assert_int_equal(ticket_job_chars_per_line(58), 32);
    assert_int_equal(ticket_job_chars_per_line(80), 48);
    assert_int_equal(ticket_job_chars_per_line(12), 0);
}

/* --- the decoder itself: a test oracle that accepts anything proves nothing --------------------
 */

static void expect_rejected(const char *bytes, size_t n, size_t offset, const char *why)
{
    struct escpos_doc doc;
    if (escpos_decode((const uint8_t *)bytes, n, 384, &doc))
        fail_msg("decoder accepted what it must refuse (%s)", why);
    assert_int_equal(doc.error_offset, offset);
    assert_contains(doc.error, why);
    escpos_doc_free(&doc);
}

static void test_decoder_is_strict(void **state)
{
    (void)state;
#define REJ(s, off, why) expect_rejected(s, sizeof s - 1, off, why)
    REJ("\x1b@\x1b", 2, "cut short");
    REJ("\x1b@\x1bt", 2, "cut short");
    REJ("\x1b@\x1bt\x05", 2, "unknown code page");
    REJ("\x1b@\x1b\x21\x00", 2, "unknown command ESC");
    REJ("\x1d\x28\x6b", 0, "unknown command GS");
    REJ("\x1dv0\x00\x01\x00\x02\x00\xff", 0, "cut short");
    REJ("\x1dv0\x00\x31\x00\x01\x00", 0, "wide");
    REJ("ab", 2, "never printed");
    REJ("a\x1b@\n", 1, "unprinted");
    REJ("a\x01\n", 1, "control byte");
    REJ("\x82\n", 0, "before any ESC t");
    REJ("\x1bt\x10\x81\n", 3, "no glyph");
    REJ("\x10\x05\x01", 0, "DLE");
    REJ("\x1d!\x88", 0, "GS !");
    REJ("ab\x1b"
        "a\x01\n",
        2, "ESC a");
    REJ("ab\x1dV\x42\x00", 2, "cut");
#undef REJ
    /* Every prefix of a real ticket that ends inside a command or after unprinted text is
    ** refused, and none crashes the reader. */
    struct ticket_print t = sample(58);
    struct escpos_buf b;
    escpos_buf_init(&b);
    assert_int_equal(ticket_job_build(&t, &b), BORNE_OK);
    int accepted = 0;
    for (size_t n = 0; n < b.len; n++) {
        struct escpos_doc doc;
        if (escpos_decode(b.data, n, 384, &doc))
            accepted++;
        escpos_doc_free(&doc);
    }
    /* Accepted prefixes end right after a whole command: far fewer than the bytes. */
    assert_true(accepted > 10 && (size_t)accepted < b.len / 20);
    escpos_buf_deinit(&b);
}

/* --- paper status ----------------------------------------------------------------------------- */

static void test_paper_status(void **state)
{
    (void)state;
    assert_int_equal(escpos_paper_from_status(0x12), ESCPOS_PAPER_OK);
    assert_int_equal(escpos_paper_from_status(0x12 | 0x0C), ESCPOS_PAPER_NEAR_END);
    assert_int_equal(escpos_paper_from_status(0x12 | 0x04), ESCPOS_PAPER_NEAR_END);
    assert_int_equal(escpos_paper_from_status(0x12 | 0x08), ESCPOS_PAPER_NEAR_END);
    assert_int_equal(escpos_paper_from_status(0x12 | 0x60), ESCPOS_PAPER_OUT);
    assert_int_equal(escpos_paper_from_status(0x12 | 0x20), ESCPOS_PAPER_OUT);
    assert_int_equal(escpos_paper_from_status(0x12 | 0x40), ESCPOS_PAPER_OUT);
    assert_int_equal(escpos_paper_from_status(0x12 | 0x6C), ESCPOS_PAPER_OUT);
    assert_int_equal(escpos_paper_from_status(0x00), ESCPOS_PAPER_INVALID);
    assert_int_equal(escpos_paper_from_status(0xFF), ESCPOS_PAPER_INVALID);
    assert_int_equal(escpos_paper_from_status(0x13), ESCPOS_PAPER_INVALID); /* bit 0 set */
    assert_int_equal(escpos_paper_from_status(0x92), ESCPOS_PAPER_INVALID); /* bit 7 set */
    assert_int_equal(escpos_paper_from_status(0x10), ESCPOS_PAPER_INVALID); /* bit 1 clear */
    assert_int_equal(escpos_paper_from_status(0x02), ESCPOS_PAPER_INVALID); /* bit 4 clear */
    assert_int_equal(escpos_paper_from_status(0x7E), ESCPOS_PAPER_OUT);
    /* All 256 bytes against the rule written out bit by bit. */
    int counts[4] = {0};
    for (int r = 0; r < 256; r++) {
        bool fixed = !(r & 1) && (r & 2) && (r & 16) && !(r & 128);
        bool near = (r >> 2 & 1) || (r >> 3 & 1), out = (r >> 5 & 1) || (r >> 6 & 1);
        enum escpos_paper want = !fixed ? ESCPOS_PAPER_INVALID
                                 : out  ? ESCPOS_PAPER_OUT
                                 : near ? ESCPOS_PAPER_NEAR_END
                                        : ESCPOS_PAPER_OK;
        assert_int_equal(escpos_paper_from_status((uint8_t)r), want);
        counts[want]++;
    }
    assert_int_equal(counts[ESCPOS_PAPER_OK], 1);
    assert_int_equal(counts[ESCPOS_PAPER_NEAR_END], 3);
    assert_int_equal(counts[ESCPOS_PAPER_OUT], 12);
    assert_int_equal(counts[ESCPOS_PAPER_INVALID], 240);
}

static int teardown(void **state)
{
    (void)state;
    if (tmpdir[0])
        support_remove_dir(tmpdir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_command_bytes),
        cmocka_unit_test(test_bad_arguments_are_sticky),
        cmocka_unit_test(test_buffer_hard_max),
        cmocka_unit_test(test_codepage_names),
        cmocka_unit_test(test_codepage_tables_match_iconv),
        cmocka_unit_test(test_codepage_spot_checks),
        cmocka_unit_test(test_codepage_unprintable),
        cmocka_unit_test(test_codepage_never_emits_control_bytes),
        cmocka_unit_test(test_codepage_short_buffer),
        cmocka_unit_test(test_codepage_french_round_trip),
        cmocka_unit_test(test_raster_bands),
        cmocka_unit_test(test_raster_600_rows_three_commands),
        cmocka_unit_test(test_qr_matrix),
        cmocka_unit_test(test_qr_dots_per_module),
        cmocka_unit_test(test_qr_scans),
        cmocka_unit_test(test_ticket_58_and_80),
        cmocka_unit_test(test_ticket_waitlist),
        cmocka_unit_test(test_ticket_wrapping),
        cmocka_unit_test(test_ticket_hostile_names),
        cmocka_unit_test(test_ticket_optional_fields),
        cmocka_unit_test(test_ticket_refused),
        cmocka_unit_test(test_decoder_is_strict),
        cmocka_unit_test(test_paper_status),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
