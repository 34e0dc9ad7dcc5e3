/* Unit tests of firmware/scanner/scan: the decoders that turn what a QR scanner sends into
** scans. The key maps are checked against the test's own rows of a US keyboard (written apart
** from scan.c on purpose: a test's oracle must not be the code it tests), so that a digit key
** gives a digit whatever the system layout: a French AZERTY layout would give é for KEY_2, and
** the kiosk must see '2'. Time is fed in, so pauses are exact and nothing here waits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <linux/input.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/scan.h"

#include "support.h"

/* ---- the oracle: a US keyboard, row by row ------------------------------------------------- */

/* Linux key codes run along the rows: KEY_1..KEY_EQUAL, KEY_Q..KEY_RIGHTBRACE,
** KEY_A..KEY_GRAVE, KEY_BACKSLASH..KEY_SLASH. */
static const struct {
    int first_code;
    const char *plain, *shifted;
} us_rows[] = {
    {KEY_1, "1234567890-=", "!@#$%^&*()_+"},
    {KEY_Q, "qwertyuiop[]", "QWERTYUIOP{}"},
    {KEY_A, "asdfghjkl;'`", "ASDFGHJKL:\"~"},
    {KEY_BACKSLASH, "\\zxcvbnm,./", "|ZXCVBNM<>?"},
};

/* The key and Shift a US keyboard needs for c; false if it has none. */
static bool us_key(char c, int *code, bool *shift)
{
    if (c == ' ') {
        *code = KEY_SPACE;
        *shift = false;
        return true;
    }
    for (size_t r = 0; r < sizeof us_rows / sizeof us_rows[0]; r++) {
        const char *p = strchr(us_rows[r].plain, c);
        const char *s = strchr(us_rows[r].shifted, c);
        if (p) {
            *code = us_rows[r].first_code + (int)(p - us_rows[r].plain);
            *shift = false;
            return true;
        }
        if (s) {
            *code = us_rows[r].first_code + (int)(s - us_rows[r].shifted);
            *shift = true;
            return true;
        }
    }
    return false;
}

/* The same for USB HID usage ids (SDL_Scancode values). */
static bool hid_key(char c, int *usage, bool *shift)
{
    static const char plain[] = "-=[]\\_;'`,./";   /* 45..56, '_' stands for 50 (non-US #) */
    static const char shifted[] = "_+{}|_:\"~<>?"; /* same keys shifted */
    *shift = false;
    if (c >= 'a' && c <= 'z') {
        *usage = 4 + (c - 'a');
        return true;
    }
    if (c >= 'A' && c <= 'Z') {
        *usage = 4 + (c - 'A');
        *shift = true;
        return true;
    }
    if (c >= '1' && c <= '9') {
        *usage = 30 + (c - '1');
        return true;
    }
    if (c == '0') {
        *usage = 39;
        return true;
    }
    if (c == ' ') {
        *usage = 44;
        return true;
    }
    const char *digits_shifted = ")!@#$%^&*(";
    const char *d = strchr(digits_shifted, c);
    if (d) {
        *usage = d == digits_shifted ? 39 : 30 + (int)(d - digits_shifted) - 1;
        *shift = true;
        return true;
    }
    for (int i = 0; i < 12; i++) {
        if (i == 5)
            continue;
        if (plain[i] == c) {
            *usage = 45 + i;
            return true;
        }
        if (shifted[i] == c) {
            *usage = 45 + i;
            *shift = true;
            return true;
        }
    }
    return false;
}

/* ---- helpers ------------------------------------------------------------------------------- */

/* What came out of a run of events: every result other than SCAN_NONE, in order. */
struct outcome {
    int n;
    enum scan_result res[16];
    char text[16][SCAN_MAX];
    const char *why[16];
};

static void note(struct outcome *o, enum scan_result r, const char *out, const char *why)
{
    /* Every result, including SCAN_NONE, leaves a terminated, printable out behind. */
    size_t len = strnlen(out, SCAN_MAX);
    assert_true(len < SCAN_MAX);
    for (size_t i = 0; i < len; i++)
        assert_true(out[i] >= 0x20 && out[i] <= 0x7E);
    if (r == SCAN_NONE) {
        assert_int_equal(len, 0);
        assert_null(why);
        return;
    }
    if (r == SCAN_DONE) {
        assert_null(why);
        assert_true(len > 0);
    } else {
        assert_int_equal(r, SCAN_DROPPED);
        assert_non_null(why);
        assert_true(len <= SCAN_PREVIEW_MAX);
    }
    assert_true(o->n < 16);
    o->res[o->n] = r;
    snprintf(o->text[o->n], SCAN_MAX, "%s", out);
    o->why[o->n] = why;
    o->n++;
}

/* One call and its check (two statements: an argument list has no order of evaluation). */
static void hid(struct scan_keys *k, struct outcome *o, int usage, bool shift, int64_t t)
{
    char out[SCAN_MAX];
    const char *why = "unset";
    memset(out, 'Z', sizeof out);
    enum scan_result r = scan_keys_feed_hid(k, usage, shift, t, out, &why);
    note(o, r, out, why);
}

static void put1(struct scan_assembler *a, struct outcome *o, int ch, int64_t t)
{
    char out[SCAN_MAX];
    const char *why = "unset";
    memset(out, 'Z', sizeof out);
    enum scan_result r = scan_assembler_put(a, ch, t, out, &why);
    note(o, r, out, why);
}

static void ev(struct scan_keys *k, struct outcome *o, int64_t *t, uint16_t type, uint16_t code,
               int32_t value)
{
    char out[SCAN_MAX];
    const char *why = "unset";
    memset(out, 'Z', sizeof out);
    enum scan_result r = scan_keys_feed(k, type, code, value, *t, out, &why);
    note(o, r, out, why);
}

/* One key stroke as the kernel reports it: MSC_SCAN, the key, SYN_REPORT. */
static void stroke(struct scan_keys *k, struct outcome *o, int64_t *t, int code, int value)
{
    ev(k, o, t, EV_MSC, MSC_SCAN, 0x70000 + code);
    ev(k, o, t, EV_KEY, (uint16_t)code, value);
    ev(k, o, t, EV_SYN, SYN_REPORT, 0);
}

/* Type text as a scanner in keyboard mode does (Shift around each capital, 2 ms a key), then
** Enter. */
static void type_evdev(struct scan_keys *k, struct outcome *o, int64_t *t, const char *text)
{
    for (const char *p = text; *p; p++) {
        int code = 0;
        bool shift = false;
        if (!us_key(*p, &code, &shift))
            fail_msg("no US key for '%c'", *p);
        if (shift)
            stroke(k, o, t, KEY_LEFTSHIFT, 1);
        stroke(k, o, t, code, 1);
        stroke(k, o, t, code, 0);
        if (shift)
            stroke(k, o, t, KEY_LEFTSHIFT, 0);
        *t += 2;
    }
    stroke(k, o, t, KEY_ENTER, 1);
    stroke(k, o, t, KEY_ENTER, 0);
}

static void type_hid(struct scan_keys *k, struct outcome *o, int64_t *t, const char *text)
{
    for (const char *p = text; *p; p++) {
        int usage = 0;
        bool shift = false;
        if (!hid_key(*p, &usage, &shift))
            fail_msg("no HID key for '%c'", *p);
        if (shift) /* SDL reports the Shift key's own press too */
            hid(k, o, 225, false, *t);
        hid(k, o, usage, shift, *t);
        *t += 2;
    }
    hid(k, o, 40, false, *t);
}

static void put_str(struct scan_assembler *a, struct outcome *o, int64_t t, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put1(a, o, (unsigned char)s[i], t);
}

/* ---- evdev --------------------------------------------------------------------------------- */

static void test_keys_payload(void **state)
{
    (void)state;
    char payload[200];
    support_make_payload(payload, 7);
    struct scan_keys k;
    scan_keys_init(&k, 1000);
    struct outcome o = {0};
    int64_t t = 1000;
    type_evdev(&k, &o, &t, payload);
    assert_int_equal(o.n, 1);
    assert_int_equal(o.res[0], SCAN_DONE);
    assert_string_equal(o.text[0], payload);

    /* And again: the decoder is ready for the next scan. */
    support_make_payload(payload, 8);
    type_evdev(&k, &o, &t, payload);
    assert_int_equal(o.n, 2);
    assert_string_equal(o.text[1], payload);
}

static void test_keys_every_printable(void **state)
{
    (void)state;
    char all[96];
    int n = 0;
    for (int c = 0x21; c <= 0x7E; c++) {
        all[n++] = (char)c;
        if (c == 0x50)
            all[n++] = ' '; /* a space inside is kept */
    }
    all[n] = '\0';
    struct scan_keys k;
    scan_keys_init(&k, 1000);
    struct outcome o = {0};
    int64_t t = 0;
    type_evdev(&k, &o, &t, all);
    assert_int_equal(o.n, 1);
    assert_string_equal(o.text[0], all);
}

static void test_keys_digits_whatever_the_layout(void **state)
{
    (void)state;
    /* The number row of an AZERTY keyboard types & é " ' ( - è _ ç à without Shift: a scanner
    ** means 1 2 3 4 5 6 7 8 9 0. The decoder only knows positions. */
    struct scan_keys k;
    scan_keys_init(&k, 1000);
    struct outcome o = {0};
    int64_t t = 0;
    for (int code = KEY_1; code <= KEY_0; code++) {
        stroke(&k, &o, &t, code, 1);
        stroke(&k, &o, &t, code, 0);
    }
    stroke(&k, &o, &t, KEY_ENTER, 1);
    assert_int_equal(o.n, 1);
    assert_string_equal(o.text[0], "1234567890");

    /* KEY_Q is 'q' (AZERTY would say 'a'), KEY_SEMICOLON ';' (AZERTY 'm'), KEY_M 'm' (','). */
    stroke(&k, &o, &t, KEY_Q, 1);
    stroke(&k, &o, &t, KEY_SEMICOLON, 1);
    stroke(&k, &o, &t, KEY_M, 1);
    stroke(&k, &o, &t, KEY_KPENTER, 1);
    assert_int_equal(o.n, 2);
    assert_string_equal(o.text[1], "q;m");
}

static void test_keys_autorepeat_and_releases(void **state)
{
    (void)state;
    struct scan_keys k;
    scan_keys_init(&k, 1000);
    struct outcome o = {0};
    int64_t t = 0;
    /* Releases without a press (the scanner was plugged in mid-key, or a press was lost). */
    stroke(&k, &o, &t, KEY_A, 0);
    stroke(&k, &o, &t, KEY_LEFTSHIFT, 0);
    stroke(&k, &o, &t, KEY_ENTER, 0);
    assert_int_equal(o.n, 0);
    /* An autorepeat types nothing: held keys are not a scanner's doing. */
    stroke(&k, &o, &t, KEY_B, 1);
    stroke(&k, &o, &t, KEY_B, 2);
    stroke(&k, &o, &t, KEY_B, 2);
    stroke(&k, &o, &t, KEY_B, 0);
    stroke(&k, &o, &t, KEY_ENTER, 1);
    stroke(&k, &o, &t, KEY_ENTER, 2); /* nor does a held Enter end empty lines */
    stroke(&k, &o, &t, KEY_ENTER, 0);
    assert_int_equal(o.n, 1);
    assert_string_equal(o.text[0], "b");
    /* A value the kernel never sends is no press either. */
    stroke(&k, &o, &t, KEY_C, 7);
    stroke(&k, &o, &t, KEY_D, -1);
    stroke(&k, &o, &t, KEY_E, 1);
    stroke(&k, &o, &t, KEY_ENTER, 1);
    assert_int_equal(o.n, 2);
    assert_string_equal(o.text[1], "e");
}

static void test_keys_shift_both_sides(void **state)
{
    (void)state;
    struct scan_keys k;
    scan_keys_init(&k, 1000);
    struct outcome o = {0};
    int64_t t = 0;
    stroke(&k, &o, &t, KEY_LEFTSHIFT, 1);
    stroke(&k, &o, &t, KEY_RIGHTSHIFT, 1);
    stroke(&k, &o, &t, KEY_LEFTSHIFT, 0);
    stroke(&k, &o, &t, KEY_A, 1); /* right Shift still down */
    stroke(&k, &o, &t, KEY_LEFTSHIFT, 2);
    stroke(&k, &o, &t, KEY_RIGHTSHIFT, 2); /* a held Shift repeats: still down */
    stroke(&k, &o, &t, KEY_2, 1);
    stroke(&k, &o, &t, KEY_RIGHTSHIFT, 0);
    stroke(&k, &o, &t, KEY_2, 1);
    stroke(&k, &o, &t, KEY_A, 1);
    stroke(&k, &o, &t, KEY_ENTER, 1);
    assert_int_equal(o.n, 1);
    assert_string_equal(o.text[0], "A@2a");
}

static void test_keys_caps_lock(void **state)
{
    (void)state;
    struct scan_keys k;
    scan_keys_init(&k, 1000);
    struct outcome o = {0};
    int64_t t = 0;
    stroke(&k, &o, &t, KEY_CAPSLOCK, 1);
    stroke(&k, &o, &t, KEY_CAPSLOCK, 2); /* repeat and release do not toggle */
    stroke(&k, &o, &t, KEY_CAPSLOCK, 0);
    stroke(&k, &o, &t, KEY_B, 1);
    stroke(&k, &o, &t, KEY_1, 1); /* Caps Lock leaves digits alone (US) */
    stroke(&k, &o, &t, KEY_SLASH, 1);
    stroke(&k, &o, &t, KEY_LEFTSHIFT, 1);
    stroke(&k, &o, &t, KEY_C, 1); /* Shift with Caps Lock: lower case */
    stroke(&k, &o, &t, KEY_1, 1);
    stroke(&k, &o, &t, KEY_LEFTSHIFT, 0);
    stroke(&k, &o, &t, KEY_CAPSLOCK, 1); /* off again */
    stroke(&k, &o, &t, KEY_D, 1);
    stroke(&k, &o, &t, KEY_ENTER, 1);
    assert_int_equal(o.n, 1);
    assert_string_equal(o.text[0], "B1/c!d");

    /* A scanner that sends the payload in lower case with Caps Lock on gives capitals. */
    char payload[200], lower[200];
    support_make_payload(payload, 9);
    for (size_t i = 0; i <= strlen(payload); i++)
        lower[i] =
            (char)(payload[i] >= 'A' && payload[i] <= 'Z' ? payload[i] - 'A' + 'a' : payload[i]);
    stroke(&k, &o, &t, KEY_CAPSLOCK, 1);
    type_evdev(&k, &o, &t, lower);
    assert_int_equal(o.n, 2);
    assert_string_equal(o.text[1], payload);
}

static void test_keys_keypad(void **state)
{
    (void)state;
    static const int keypad[] = {KEY_KP0,   KEY_KP1,     KEY_KP2,    KEY_KP3,        KEY_KP4,
                                 KEY_KP5,   KEY_KP6,     KEY_KP7,    KEY_KP8,        KEY_KP9,
                                 KEY_KPDOT, KEY_KPMINUS, KEY_KPPLUS, KEY_KPASTERISK, KEY_KPSLASH};
    struct scan_keys k;
    scan_keys_init(&k, 1000);
    struct outcome o = {0};
    int64_t t = 0;
    for (int shift = 0; shift < 2; shift++) {
        if (shift) /* Shift (or Num Lock off) would make arrows on a PC: not for a scanner */
            stroke(&k, &o, &t, KEY_LEFTSHIFT, 1);
        stroke(&k, &o, &t, KEY_NUMLOCK, 1);
        for (size_t i = 0; i < sizeof keypad / sizeof keypad[0]; i++) {
            stroke(&k, &o, &t, keypad[i], 1);
            stroke(&k, &o, &t, keypad[i], 0);
        }
        stroke(&k, &o, &t, KEY_KPENTER, 1);
        assert_int_equal(o.n, shift + 1);
        assert_string_equal(o.text[shift], "0123456789.-+*/");
    }
}

static void test_keys_without_character_spoil_the_line(void **state)
{
    (void)state;
    static const int spoilers[] = {KEY_F1,    KEY_TAB,      KEY_BACKSPACE, KEY_ESC, KEY_UP,
                                   KEY_102ND, KEY_RESERVED, BTN_LEFT,      KEY_MAX};
    struct scan_keys k;
    scan_keys_init(&k, 1000);
    int64_t t = 0;
    for (size_t i = 0; i < sizeof spoilers / sizeof spoilers[0]; i++) {
        struct outcome o = {0};
        type_evdev(&k, &o, &t, ""); /* an empty line: nothing */
        assert_int_equal(o.n, 0);
        stroke(&k, &o, &t, KEY_LEFTSHIFT, 1);
        stroke(&k, &o, &t, KEY_B, 1);
        stroke(&k, &o, &t, KEY_LEFTSHIFT, 0);
        stroke(&k, &o, &t, KEY_1, 1);
        stroke(&k, &o, &t, spoilers[i], 1);
        stroke(&k, &o, &t, KEY_X, 1); /* swallowed */
        assert_int_equal(o.n, 0);     /* reported when the line is over, once */
        stroke(&k, &o, &t, KEY_ENTER, 1);
        assert_int_equal(o.n, 1);
        assert_int_equal(o.res[0], SCAN_DROPPED);
        assert_string_equal(o.why[0], SCAN_WHY_UNKNOWN_KEY);
        assert_string_equal(o.text[0], "B1"); /* the preview: what was kept */
        type_evdev(&k, &o, &t, "next");
        assert_int_equal(o.n, 2);
        assert_int_equal(o.res[1], SCAN_DONE);
        assert_string_equal(o.text[1], "next");
        t += 10;
    }

    /* Ctrl or Alt with a letter is a command, not a character. */
    static const int mods[] = {KEY_LEFTCTRL, KEY_RIGHTCTRL, KEY_LEFTALT, KEY_RIGHTALT};
    for (size_t i = 0; i < sizeof mods / sizeof mods[0]; i++) {
        struct outcome o = {0};
        stroke(&k, &o, &t, KEY_A, 1);
        stroke(&k, &o, &t, mods[i], 1);
        stroke(&k, &o, &t, KEY_C, 1);
        stroke(&k, &o, &t, mods[i], 0);
        stroke(&k, &o, &t, KEY_ENTER, 1);
        assert_int_equal(o.n, 1);
        assert_int_equal(o.res[0], SCAN_DROPPED);
        assert_string_equal(o.why[0], SCAN_WHY_CTRL_ALT);
        assert_string_equal(o.text[0], "a");
        /* Released: letters are letters again; Meta alone types nothing. */
        stroke(&k, &o, &t, KEY_LEFTMETA, 1);
        stroke(&k, &o, &t, KEY_C, 1);
        stroke(&k, &o, &t, KEY_ENTER, 1);
        assert_int_equal(o.n, 2);
        assert_string_equal(o.text[1], "c");
    }
}

static void test_keys_events_lost(void **state)
{
    (void)state;
    struct scan_keys k;
    scan_keys_init(&k, 1000);
    struct outcome o = {0};
    int64_t t = 0;
    stroke(&k, &o, &t, KEY_LEFTSHIFT, 1);
    stroke(&k, &o, &t, KEY_B, 1);
    /* The kernel's buffer overflowed: the Shift release may be among the lost events. */
    ev(&k, &o, &t, EV_SYN, SYN_DROPPED, 0);
    stroke(&k, &o, &t, KEY_C, 1);
    stroke(&k, &o, &t, KEY_ENTER, 1);
    assert_int_equal(o.n, 1);
    assert_int_equal(o.res[0], SCAN_DROPPED);
    assert_string_equal(o.why[0], SCAN_WHY_EVENTS_LOST);
    assert_string_equal(o.text[0], "B");
    stroke(&k, &o, &t, KEY_D, 1); /* Shift forgotten */
    stroke(&k, &o, &t, KEY_ENTER, 1);
    assert_int_equal(o.n, 2);
    assert_string_equal(o.text[1], "d");
    /* Other event types are not keys. */
    ev(&k, &o, &t, EV_REL, REL_X, 1);
    ev(&k, &o, &t, EV_LED, LED_CAPSL, 1);
    ev(&k, &o, &t, EV_ABS, KEY_A, 1);
    stroke(&k, &o, &t, KEY_E, 1);
    stroke(&k, &o, &t, KEY_ENTER, 1);
    assert_int_equal(o.n, 3);
    assert_string_equal(o.text[2], "e");
}

/* ---- SDL key presses (HID usages) ---------------------------------------------------------- */

static void test_hid_payload_and_printables(void **state)
{
    (void)state;
    char payload[200];
    support_make_payload(payload, 11);
    struct scan_keys k;
    scan_keys_init(&k, 500);
    struct outcome o = {0};
    int64_t t = 0;
    type_hid(&k, &o, &t, payload);
    assert_int_equal(o.n, 1);
    assert_string_equal(o.text[0], payload);

    char all[96];
    int n = 0;
    for (int c = 0x21; c <= 0x7E; c++)
        all[n++] = (char)c;
    all[n] = '\0';
    type_hid(&k, &o, &t, all);
    assert_int_equal(o.n, 2);
    assert_string_equal(o.text[1], all);
}

static void test_hid_keys(void **state)
{
    (void)state;
    struct scan_keys k;
    scan_keys_init(&k, 500);
    struct outcome o = {0};
    int64_t t = 0;
    /* Keypad 1..9, 0, '.', and keypad Enter; non-US # (50) is backslash; modifiers and the
    ** lock keys (Caps 57, Scroll 71, Num 83, Ctrl/Shift/Alt/GUI 224..231) type nothing. */
    static const int keys[] = {83, 89, 90, 91,  92,  93,  94,  95,  96,  97,  98,  99,
                               50, 57, 71, 224, 225, 226, 227, 228, 229, 230, 231, 88};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        hid(&k, &o, keys[i], i % 2 == 0, t);
    assert_int_equal(o.n, 1);
    assert_string_equal(o.text[0], "1234567890.|");

    /* Escape, Tab, F1, Backspace, an arrow, the unknown scancode 0, and nonsense. */
    static const int spoilers[] = {41, 43, 58, 42, 82, 0, -1, 134, 1000};
    for (size_t i = 0; i < sizeof spoilers / sizeof spoilers[0]; i++) {
        struct outcome p = {0};
        hid(&k, &p, 4, false, t);
        hid(&k, &p, spoilers[i], false, t);
        hid(&k, &p, 5, false, t);
        hid(&k, &p, 40, false, t);
        assert_int_equal(p.n, 1);
        assert_int_equal(p.res[0], SCAN_DROPPED);
        assert_string_equal(p.why[0], SCAN_WHY_UNKNOWN_KEY);
        assert_string_equal(p.text[0], "a");
        type_hid(&k, &p, &t, "ok");
        assert_int_equal(p.n, 2);
        assert_string_equal(p.text[1], "ok");
    }
}

static void test_hid_gap(void **state)
{
    (void)state;
    /* Keys typed by a person a while before a scan do not stick to its front. */
    struct scan_keys k;
    scan_keys_init(&k, 500);
    struct outcome o = {0};
    int64_t t = 0;
    hid(&k, &o, 4, false, t);
    hid(&k, &o, 5, false, t + 100);
    t = 5000;
    type_hid(&k, &o, &t, "B1XY");
    assert_int_equal(o.n, 2);
    assert_int_equal(o.res[0], SCAN_DROPPED);
    assert_string_equal(o.why[0], SCAN_WHY_PAUSE);
    assert_string_equal(o.text[0], "ab");
    assert_string_equal(o.text[1], "B1XY");
}

/* ---- the assembler's limits ---------------------------------------------------------------- */

static void test_assembler_longest_and_too_long(void **state)
{
    (void)state;
    static char line[200000];
    struct scan_assembler a;
    scan_assembler_init(&a, 1000);
    struct outcome o = {0};
    for (int i = 0; i < SCAN_MAX; i++)
        line[i] = (char)('A' + i % 26);

    /* SCAN_MAX - 1 characters: the longest scan kept, whole. */
    put_str(&a, &o, 0, line, SCAN_MAX - 1);
    put_str(&a, &o, 0, "\n", 1);
    assert_int_equal(o.n, 1);
    assert_int_equal(o.res[0], SCAN_DONE);
    assert_int_equal(strlen(o.text[0]), SCAN_MAX - 1);
    assert_memory_equal(o.text[0], line, SCAN_MAX - 1);

    /* One more: dropped whole, once, with its start for the log; the next scan is whole. */
    put_str(&a, &o, 0, line, SCAN_MAX);
    assert_int_equal(o.n, 1);
    put_str(&a, &o, 0, "\r\n", 2);
    assert_int_equal(o.n, 2);
    assert_int_equal(o.res[1], SCAN_DROPPED);
    assert_string_equal(o.why[1], SCAN_WHY_TOO_LONG);
    assert_string_equal(o.text[1], "ABCDEFGH");
    put_str(&a, &o, 0, "B1NEXT\r\n", 8);
    assert_int_equal(o.n, 3);
    assert_int_equal(o.res[2], SCAN_DONE);
    assert_string_equal(o.text[2], "B1NEXT");

    /* A burst far longer, with no end of line: one drop, then a clean start after a pause. */
    memset(line, 'Q', sizeof line);
    put_str(&a, &o, 10, line, sizeof line);
    assert_int_equal(o.n, 3);
    put_str(&a, &o, 2000, "B1AFTER\n", 8);
    assert_int_equal(o.n, 5);
    assert_int_equal(o.res[3], SCAN_DROPPED);
    assert_string_equal(o.why[3], SCAN_WHY_TOO_LONG);
    assert_string_equal(o.text[3], "QQQQQQQQ");
    assert_int_equal(o.res[4], SCAN_DONE);
    assert_string_equal(o.text[4], "B1AFTER");

    /* Leading spaces are not counted, trailing ones are trimmed after counting. */
    memset(line, ' ', 700);
    memset(line + 700, 'x', SCAN_MAX - 1);
    put_str(&a, &o, 3000, line, 700 + SCAN_MAX - 1);
    put_str(&a, &o, 3000, "\n", 1);
    assert_int_equal(o.n, 6);
    assert_int_equal(o.res[5], SCAN_DONE);
    assert_int_equal(strlen(o.text[5]), SCAN_MAX - 1);
}

static void test_assembler_gap(void **state)
{
    (void)state;
    struct scan_assembler a;
    scan_assembler_init(&a, 100);
    struct outcome o = {0};

    /* A slow scanner (90 ms between characters, under the gap) is fine. */
    const char *slow = "B1SLOW";
    int64_t t = 0;
    for (const char *p = slow; *p; p++, t += 90)
        put1(&a, &o, *p, t);
    put1(&a, &o, '\r', t);
    assert_int_equal(o.n, 1);
    assert_string_equal(o.text[0], "B1SLOW");

    /* Exactly the gap is not longer than the gap. */
    put_str(&a, &o, 1000, "ab", 2);
    put_str(&a, &o, 1100, "cd\n", 3);
    assert_int_equal(o.n, 2);
    assert_string_equal(o.text[1], "abcd");

    /* Longer: the half line is reported by the first character after the pause, which starts
    ** the next line. */
    put_str(&a, &o, 2000, "B1HALF", 6);
    put1(&a, &o, 'B', 2101);
    assert_int_equal(o.n, 3);
    assert_int_equal(o.res[2], SCAN_DROPPED);
    assert_string_equal(o.why[2], SCAN_WHY_PAUSE);
    assert_string_equal(o.text[2], "B1HALF");
    put_str(&a, &o, 2101, "1WHOLE\n", 7);
    assert_int_equal(o.n, 4);
    assert_string_equal(o.text[3], "B1WHOLE");

    /* A pause before Enter: the Enter ends nothing. */
    put_str(&a, &o, 3000, "B1", 2);
    put_str(&a, &o, 4000, "\n", 1);
    assert_int_equal(o.n, 5);
    assert_string_equal(o.why[4], SCAN_WHY_PAUSE);
    put_str(&a, &o, 4001, "\n", 1);
    assert_int_equal(o.n, 5);

    /* A spoiled line that ends in a pause is reported with its own reason. */
    put_str(&a, &o, 5000, "ab\x01z", 4);
    put_str(&a, &o, 6000, "ok\n", 3);
    assert_int_equal(o.n, 7);
    assert_string_equal(o.why[5], SCAN_WHY_CONTROL);
    assert_string_equal(o.text[5], "ab");
    assert_string_equal(o.text[6], "ok");

    /* Spaces alone before a pause: nothing to report. A clock going back is no pause. */
    put_str(&a, &o, 7000, "   ", 3);
    put_str(&a, &o, 8000, "x", 1);
    put_str(&a, &o, 10, "y\n", 2);
    assert_int_equal(o.n, 8);
    assert_string_equal(o.text[7], "xy");

    /* gap 0: never reset. */
    scan_assembler_init(&a, 0);
    put_str(&a, &o, 0, "a", 1);
    put_str(&a, &o, INT64_MAX, "b\n", 2);
    assert_int_equal(o.n, 9);
    assert_string_equal(o.text[8], "ab");
    /* Extreme clocks do not overflow. */
    scan_assembler_init(&a, 5);
    put_str(&a, &o, INT64_MIN, "a", 1);
    put_str(&a, &o, INT64_MAX, "b\n", 2);
    assert_int_equal(o.n, 11);
    assert_string_equal(o.why[9], SCAN_WHY_PAUSE);
    assert_string_equal(o.text[10], "b");
}

static void test_assembler_ends_of_line(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *scans[3];
    } cases[] = {
        {"abc\r\n", {"abc"}},
        {"abc\n\r", {"abc"}},
        {"abc\r", {"abc"}},
        {"abc\n", {"abc"}},
        {"abc\r\r\n\n\r", {"abc"}},
        {"\r\n\r\nabc\r\ndef\r\n", {"abc", "def"}},
        {"a\nb\rc\r\n", {"a", "b", "c"}},
        {"  B1 X  \r\n", {"B1 X"}},
        {"      \r\n\t\r\n", {NULL}}, /* spaces only: ignored; the tab: dropped (below) */
        {"\n", {NULL}},
        {"abc", {NULL}}, /* no end of line yet */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct scan_assembler a;
        scan_assembler_init(&a, 1000);
        struct outcome o = {0};
        put_str(&a, &o, 0, cases[i].in, strlen(cases[i].in));
        int want = 0, got = 0;
        for (; want < 3 && cases[i].scans[want]; want++) {
            while (got < o.n && o.res[got] != SCAN_DONE)
                got++;
            if (got == o.n)
                fail_msg("case %zu: scan %d missing", i, want);
            assert_string_equal(o.text[got], cases[i].scans[want]);
            got++;
        }
        for (int r = 0; r < o.n; r++)
            if (o.res[r] == SCAN_DONE && o.text[r][0] == '\0')
                fail_msg("case %zu: an empty scan", i);
        int dones = 0;
        for (int r = 0; r < o.n; r++)
            dones += o.res[r] == SCAN_DONE;
        assert_int_equal(dones, want);
    }
}

static void test_assembler_garbage(void **state)
{
    (void)state;
    static const struct {
        int ch;
        const char *why;
    } bad[] = {
        {0x00, SCAN_WHY_CONTROL},   {0x09, SCAN_WHY_CONTROL},   {0x1B, SCAN_WHY_CONTROL},
        {0x1F, SCAN_WHY_CONTROL},   {0x7F, SCAN_WHY_CONTROL},   {0x80, SCAN_WHY_NOT_ASCII},
        {0xC3, SCAN_WHY_NOT_ASCII}, {0xFF, SCAN_WHY_NOT_ASCII}, {256, SCAN_WHY_NOT_ASCII},
        {-1, SCAN_WHY_NOT_ASCII},   {-200, SCAN_WHY_NOT_ASCII},
    };
    struct scan_assembler a;
    scan_assembler_init(&a, 1000);
    char out[SCAN_MAX];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct outcome o = {0};
        put_str(&a, &o, 0, "B1ABCDEFGHIJ", 12);
        put1(&a, &o, bad[i].ch, 0);
        put_str(&a, &o, 0, "KLM", 3);
        assert_int_equal(o.n, 0);
        put_str(&a, &o, 0, "\r\n", 2);
        assert_int_equal(o.n, 1);
        assert_int_equal(o.res[0], SCAN_DROPPED);
        assert_string_equal(o.why[0], bad[i].why);
        assert_string_equal(o.text[0], "B1ABCDEF"); /* never more than 8 characters */
        /* At the very start of a line too, and the next line is whole. */
        put1(&a, &o, bad[i].ch, 0);
        put_str(&a, &o, 0, "\nB1OK\n", 6);
        assert_int_equal(o.n, 3);
        assert_string_equal(o.why[1], bad[i].why);
        assert_string_equal(o.text[1], "");
        assert_int_equal(o.res[2], SCAN_DONE);
        assert_string_equal(o.text[2], "B1OK");
    }
    /* why may be NULL. */
    assert_int_equal(scan_assembler_put(&a, 0x80, 0, out, NULL), SCAN_NONE);
    assert_int_equal(scan_assembler_put(&a, '\n', 0, out, NULL), SCAN_DROPPED);
}

/* ---- serial lines -------------------------------------------------------------------------- */

/* Feed stream in chunks cut at the given positions, as reads would give it; collect results. */
static void feed_chunks(struct scan_line *l, const uint8_t *stream, size_t n, const size_t *cuts,
                        int n_cuts, struct outcome *o)
{
    size_t start = 0;
    for (int c = 0; c <= n_cuts; c++) {
        size_t end = c < n_cuts ? cuts[c] : n;
        size_t off = start;
        int64_t now = (int64_t)c; /* every read a millisecond later: far under the gap */
        while (off < end) {
            enum scan_result r;
            const char *why;
            char out[SCAN_MAX];
            size_t used = scan_line_feed(l, stream + off, end - off, now, &r, out, &why);
            assert_true(used >= 1 && used <= end - off);
            if (r == SCAN_NONE)
                assert_int_equal(used, end - off);
            note(o, r, out, why);
            off += used;
        }
        start = end;
    }
}

static void test_line_split_everywhere(void **state)
{
    (void)state;
    char payload[200];
    support_make_payload(payload, 13);
    uint8_t stream[600];
    size_t n = 0;
    n += (size_t)sprintf((char *)stream + n, "%s\r\n", payload);
    n += (size_t)sprintf((char *)stream + n, "junk\x80\x81\r\n");
    n += (size_t)sprintf((char *)stream + n, "second\n\r");
    n += (size_t)sprintf((char *)stream + n, "  third  \r");
    n += (size_t)sprintf((char *)stream + n, "\n\r\n");

    /* Whole, and cut once and twice at every position. */
    size_t cuts[2];
    long runs = 0;
    for (size_t i = 0; i <= n; i++) {
        for (size_t j = i; j <= n; j++) {
            struct scan_line l;
            scan_line_init(&l, 1000);
            struct outcome o = {0};
            cuts[0] = i;
            cuts[1] = j;
            feed_chunks(&l, stream, n, cuts, j == i ? 1 : 2, &o);
            assert_int_equal(o.n, 4);
            assert_int_equal(o.res[0], SCAN_DONE);
            assert_string_equal(o.text[0], payload);
            assert_int_equal(o.res[1], SCAN_DROPPED);
            assert_string_equal(o.why[1], SCAN_WHY_NOT_ASCII);
            assert_string_equal(o.text[1], "junk");
            assert_int_equal(o.res[2], SCAN_DONE);
            assert_string_equal(o.text[2], "second");
            assert_int_equal(o.res[3], SCAN_DONE);
            assert_string_equal(o.text[3], "third");
            runs++;
        }
    }
    assert_true(runs > 20000);
}

static void test_line_consumed(void **state)
{
    (void)state;
    struct scan_line l;
    scan_line_init(&l, 1000);
    enum scan_result r;
    const char *why = "unset";
    char out[SCAN_MAX];
    const uint8_t in[] = "ab\ncd\xff\nef";
    /* Stops right after the byte that gave a result; the caller comes back for the rest. */
    assert_int_equal(scan_line_feed(&l, in, 9, 0, &r, out, &why), 3);
    assert_int_equal(r, SCAN_DONE);
    assert_string_equal(out, "ab");
    assert_null(why);
    assert_int_equal(scan_line_feed(&l, in + 3, 6, 0, &r, out, &why), 4);
    assert_int_equal(r, SCAN_DROPPED);
    assert_string_equal(why, SCAN_WHY_NOT_ASCII);
    assert_int_equal(scan_line_feed(&l, in + 7, 2, 0, &r, out, &why), 2);
    assert_int_equal(r, SCAN_NONE);
    assert_string_equal(out, "");
    assert_null(why);
    assert_int_equal(scan_line_feed(&l, NULL, 0, 0, &r, out, &why), 0);
    assert_int_equal(r, SCAN_NONE);
    assert_int_equal(scan_line_feed(&l, (const uint8_t *)"\r", 1, 0, &r, out, NULL), 1);
    assert_int_equal(r, SCAN_DONE);
    assert_string_equal(out, "ef");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_payload),
        cmocka_unit_test(test_keys_every_printable),
        cmocka_unit_test(test_keys_digits_whatever_the_layout),
        cmocka_unit_test(test_keys_autorepeat_and_releases),
        cmocka_unit_test(test_keys_shift_both_sides),
        cmocka_unit_test(test_keys_caps_lock),
        cmocka_unit_test(test_keys_keypad),
        cmocka_unit_test(test_keys_without_character_spoil_the_line),
        cmocka_unit_test(test_keys_events_lost),
        cmocka_unit_test(test_hid_payload_and_printables),
        cmocka_unit_test(test_hid_keys),
        cmocka_unit_test(test_hid_gap),
        cmocka_unit_test(test_assembler_longest_and_too_long),
        cmocka_unit_test(test_assembler_gap),
        cmocka_unit_test(test_assembler_ends_of_line),
        cmocka_unit_test(test_assembler_garbage),
        cmocka_unit_test(test_line_split_everywhere),
        cmocka_unit_test(test_line_consumed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
