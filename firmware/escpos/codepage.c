/* Code page tables and UTF-8 conversion. See codepage.h.
**
** The tables are the upper halves (0x80-0xFF) of the official mappings (IBM CP437, CP850, CP858
** and Microsoft CP1252, as published by the Unicode Consortium); the lower half of every page is
** ASCII. 0 marks a byte the page leaves unassigned. The unit tests compare every entry with the
** C library's iconv tables, which were written by other people. */
#include "escpos/codepage.h"

#include <string.h>
#include <strings.h>

#include "core/text.h"

/* CP437: bytes 0x80-0xFF. */
static const uint16_t cp437_high[128] = {
    0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7, /* 80 */
    0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE, 0x00EC, 0x00C4, 0x00C5, /* 88 */
    0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9, /* 90 */
    0x00FF, 0x00D6, 0x00DC, 0x00A2, 0x00A3, 0x00A5, 0x20A7, 0x0192, /* 98 */
    0x00E1, 0x00ED, 0x00F3, 0x00FA, 0x00F1, 0x00D1, 0x00AA, 0x00BA, /* A0 */
    0x00BF, 0x2310, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB, /* A8 */
    0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556, /* B0 */
    0x2555, 0x2563, 0x2551, 0x2557, 0x255D, 0x255C, 0x255B, 0x2510, /* B8 */
    0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F, /* C0 */
    0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567, /* C8 */
    0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256B, /* D0 */
    0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580, /* D8 */
    0x03B1, 0x00DF, 0x0393, 0x03C0, 0x03A3, 0x03C3, 0x00B5, 0x03C4, /* E0 */
    0x03A6, 0x0398, 0x03A9, 0x03B4, 0x221E, 0x03C6, 0x03B5, 0x2229, /* E8 */
    0x2261, 0x00B1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00F7, 0x2248, /* F0 */
    0x00B0, 0x2219, 0x00B7, 0x221A, 0x207F, 0x00B2, 0x25A0, 0x00A0, /* F8 */
};

/* CP850: bytes 0x80-0xFF. */
static const uint16_t cp850_high[128] = {
    0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7, /* 80 */
    0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE, 0x00EC, 0x00C4, 0x00C5, /* 88 */
    0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9, /* 90 */
    0x00FF, 0x00D6, 0x00DC, 0x00F8, 0x00A3, 0x00D8, 0x00D7, 0x0192, /* 98 */
    0x00E1, 0x00ED, 0x00F3, 0x00FA, 0x00F1, 0x00D1, 0x00AA, 0x00BA, /* A0 */
    0x00BF, 0x00AE, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB, /* A8 */
    0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x00C1, 0x00C2, 0x00C0, /* B0 */
    0x00A9, 0x2563, 0x2551, 0x2557, 0x255D, 0x00A2, 0x00A5, 0x2510, /* B8 */
    0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x00E3, 0x00C3, /* C0 */
    0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x00A4, /* C8 */
    0x00F0, 0x00D0, 0x00CA, 0x00CB, 0x00C8, 0x0131, 0x00CD, 0x00CE, /* D0 */
    0x00CF, 0x2518, 0x250C, 0x2588, 0x2584, 0x00A6, 0x00CC, 0x2580, /* D8 */
    0x00D3, 0x00DF, 0x00D4, 0x00D2, 0x00F5, 0x00D5, 0x00B5, 0x00FE, /* E0 */
    0x00DE, 0x00DA, 0x00DB, 0x00D9, 0x00FD, 0x00DD, 0x00AF, 0x00B4, /* E8 */
    0x00AD, 0x00B1, 0x2017, 0x00BE, 0x00B6, 0x00A7, 0x00F7, 0x00B8, /* F0 */
    0x00B0, 0x00A8, 0x00B7, 0x00B9, 0x00B3, 0x00B2, 0x25A0, 0x00A0, /* F8 */
};

/* CP1252: bytes 0x80-0xFF. */
static const uint16_t cp1252_high[128] = {
    0x20AC, 0x0000, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, /* 80 */
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x0000, 0x017D, 0x0000, /* 88 */
    0x0000, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, /* 90 */
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x0000, 0x017E, 0x0178, /* 98 */
    0x00A0, 0x00A1, 0x00A2, 0x00A3, 0x00A4, 0x00A5, 0x00A6, 0x00A7, /* A0 */
    0x00A8, 0x00A9, 0x00AA, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x00AF, /* A8 */
    0x00B0, 0x00B1, 0x00B2, 0x00B3, 0x00B4, 0x00B5, 0x00B6, 0x00B7, /* B0 */
    0x00B8, 0x00B9, 0x00BA, 0x00BB, 0x00BC, 0x00BD, 0x00BE, 0x00BF, /* B8 */
    0x00C0, 0x00C1, 0x00C2, 0x00C3, 0x00C4, 0x00C5, 0x00C6, 0x00C7, /* C0 */
    0x00C8, 0x00C9, 0x00CA, 0x00CB, 0x00CC, 0x00CD, 0x00CE, 0x00CF, /* C8 */
    0x00D0, 0x00D1, 0x00D2, 0x00D3, 0x00D4, 0x00D5, 0x00D6, 0x00D7, /* D0 */
    0x00D8, 0x00D9, 0x00DA, 0x00DB, 0x00DC, 0x00DD, 0x00DE, 0x00DF, /* D8 */
    0x00E0, 0x00E1, 0x00E2, 0x00E3, 0x00E4, 0x00E5, 0x00E6, 0x00E7, /* E0 */
    0x00E8, 0x00E9, 0x00EA, 0x00EB, 0x00EC, 0x00ED, 0x00EE, 0x00EF, /* E8 */
    0x00F0, 0x00F1, 0x00F2, 0x00F3, 0x00F4, 0x00F5, 0x00F6, 0x00F7, /* F0 */
    0x00F8, 0x00F9, 0x00FA, 0x00FB, 0x00FC, 0x00FD, 0x00FE, 0x00FF, /* F8 */
};

/* Latin letters with diacritics, U+00C0..U+017F then U+1E00..U+1EFF: the bare ASCII letter each
** one falls back to ('?' where there is none, such as the multiplication sign; the ligatures and
** letters that need two ASCII letters are in the stand-in list below, which is searched first). */
static const char latin_base_00c0[] =
    "AAAAAA?CEEEEIIIIDNOOOOO?OUUUUY??aaaaaa?ceeeeiiiidnooooo?ouuuuy?y"  /* 00C0 */
    "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIi??JjKkkLlLlLlL"  /* 0100 */
    "lLlNnNnNn?NnOoOoOo??RrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs"; /* 0140 */

static const char latin_base_1e00[] =
    "AaBbBbBbCcDdDdDdDdDdEeEeEeEeEeFfGgHhHhHhHhHhIiIiKkKkKkLlLlLlLlMm"  /* 1E00 */
    "MmMmNnNnNnNnOoOoOoOoPpPpRrRrRrRrSsSsSsSsSsTtTtTtTtUuUuUuUuUuVvVv"  /* 1E40 */
    "WwWwWwWwWwXxXxYyZzZzZzhtwy??????AaAaAaAaAaAaAaAaAaAaAaAaEeEeEeEe"  /* 1E80 */
    "EeEeEeEeIiIiOoOoOoOoOoOoOoOoOoOoOoOoUuUuUuUuUuUuUuYyYyYyYy??????"; /* 1EC0 */

/* Stand-ins of one or more ASCII characters, used only when the selected page has no byte for
** the character: CP1252 prints its own curly quotes and œ, CP437 gets ' and "oe". */
struct standin {
    uint32_t cp;
    const char *ascii;
};

static const struct standin standins[] = {
    {0x00A6, "|"},  {0x00A9, "(c)"}, {0x00AB, "\""},  {0x00AE, "(R)"}, {0x00B1, "+/-"},
    {0x00B2, "2"},  {0x00B3, "3"},   {0x00B4, "'"},   {0x00B5, "u"},   {0x00B7, "."},
    {0x00B9, "1"},  {0x00BB, "\""},  {0x00BC, "1/4"}, {0x00BD, "1/2"}, {0x00BE, "3/4"},
    {0x00C6, "AE"}, {0x00D7, "x"},   {0x00DE, "TH"},  {0x00DF, "ss"},  {0x00E6, "ae"},
    {0x00F7, "/"},  {0x00FE, "th"},  {0x0132, "IJ"},  {0x0133, "ij"},  {0x0149, "'n"},
    {0x0152, "OE"}, {0x0153, "oe"},  {0x0192, "f"},   {0x0218, "S"},   {0x0219, "s"},
    {0x021A, "T"},  {0x021B, "t"},   {0x02BC, "'"},   {0x02C6, "^"},   {0x02DC, "~"},
    {0x1E9E, "SS"}, {0x2010, "-"},   {0x2011, "-"},   {0x2012, "-"},   {0x2013, "-"},
    {0x2014, "-"},  {0x2015, "-"},   {0x2018, "'"},   {0x2019, "'"},   {0x201A, "'"},
    {0x201B, "'"},  {0x201C, "\""},  {0x201D, "\""},  {0x201E, "\""},  {0x201F, "\""},
    {0x2022, "*"},  {0x2026, "..."}, {0x2032, "'"},   {0x2033, "\""},  {0x2039, "<"},
    {0x203A, ">"},  {0x20AC, "EUR"}, {0x2116, "No"},  {0x2122, "TM"},  {0x2190, "<-"},
    {0x2192, "->"}, {0x2212, "-"},   {0x2264, "<="},  {0x2265, ">="},
};

/* The character of byte 0x80 + i in page cp. CP858 is CP850 with the euro sign in place of
** the dotless i at 0xD5 (IBM made it so in 1998): one table for both. */
static uint32_t high_char(enum escpos_codepage cp, int i)
{
    switch (cp) {
    case ESCPOS_CP437:
        return cp437_high[i];
    case ESCPOS_CP850:
        return cp850_high[i];
    case ESCPOS_CP1252:
        return cp1252_high[i];
    case ESCPOS_CP858:
    default:
        return i == 0xD5 - 0x80 ? 0x20AC : cp850_high[i];
    }
}

static const struct {
    const char *name;
    enum escpos_codepage cp;
    int esc_t;
} pages[] = {
    {"cp858", ESCPOS_CP858, 19},
    {"cp437", ESCPOS_CP437, 0},
    {"cp850", ESCPOS_CP850, 2},
    {"cp1252", ESCPOS_CP1252, 16},
};

#define N_PAGES (sizeof pages / sizeof pages[0])

bool escpos_codepage_parse(const char *name, enum escpos_codepage *out)
{
    if (!name)
        return false;
    for (size_t i = 0; i < N_PAGES; i++) {
        if (strcasecmp(name, pages[i].name) == 0) {
            *out = pages[i].cp;
            return true;
        }
    }
    return false;
}

const char *escpos_codepage_name(enum escpos_codepage cp)
{
    for (size_t i = 0; i < N_PAGES; i++)
        if (pages[i].cp == cp)
            return pages[i].name;
    return "?";
}

int escpos_codepage_esc_t(enum escpos_codepage cp)
{
    for (size_t i = 0; i < N_PAGES; i++)
        if (pages[i].cp == cp)
            return pages[i].esc_t;
    return -1;
}

uint32_t escpos_codepage_char(enum escpos_codepage cp, uint8_t b)
{
    if (b >= 0x20 && b < 0x7F)
        return b;
    if (b < 0x80)
        return 0;
    return high_char(cp, b - 0x80);
}

/* Characters that only modify the one before them or steer layout: combining accents,
** zero-width space and joiners, direction marks, the soft hyphen, variation selectors, emoji
** skin tones and tag characters. Printing '?' for each would turn "e" + combining acute into
** "e?" and a family emoji into "?????". */
static bool dropped(uint32_t c)
{
    return (c >= 0x0300 && c <= 0x036F) || c == 0x00AD || (c >= 0x200B && c <= 0x200F) ||
           (c >= 0x202A && c <= 0x202E) || (c >= 0x2060 && c <= 0x2064) ||
           (c >= 0xFE00 && c <= 0xFE0F) || c == 0xFEFF || (c >= 0x1F3FB && c <= 0x1F3FF) ||
           (c >= 0xE0000 && c <= 0xE007F) || (c >= 0xE0100 && c <= 0xE01EF);
}

static bool is_space(uint32_t c)
{
    return c == 0x00A0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

/* The byte of the page that prints c, or 0 if it has none. Control characters (C0, DEL, C1)
** have none: they are commands to the printer, never text. */
static uint8_t page_byte(enum escpos_codepage cp, uint32_t c)
{
    if (c >= 0x20 && c < 0x7F)
        return (uint8_t)c;
    if (c < 0xA0 || c > 0xFFFF)
        return 0;
    for (int i = 0; i < 128; i++)
        if (high_char(cp, i) == c)
            return (uint8_t)(0x80 + i);
    return 0;
}

/* The ASCII stand-in for c into *ascii, and its length; 0 when there is none. */
static size_t standin(uint32_t c, const char **ascii)
{
    for (size_t i = 0; i < sizeof standins / sizeof standins[0]; i++) {
        if (standins[i].cp == c) {
            *ascii = standins[i].ascii;
            return strlen(standins[i].ascii);
        }
    }
    const char *base = NULL;
    if (c >= 0x00C0 && c - 0x00C0 < sizeof latin_base_00c0 - 1)
        base = &latin_base_00c0[c - 0x00C0];
    else if (c >= 0x1E00 && c - 0x1E00 < sizeof latin_base_1e00 - 1)
        base = &latin_base_1e00[c - 0x1E00];
    if (!base || *base == '?')
        return 0;
    *ascii = base;
    return 1;
}

/* Output that keeps counting once full and never writes a piece that does not fit whole, so
** what is written is always a prefix made of whole characters (snprintf's contract). */
struct sink {
    char *out;
    size_t cap;
    size_t len;     /* bytes the whole conversion needs */
    size_t written; /* bytes actually in out */
};

static void sink_put(struct sink *s, const char *bytes, size_t n)
{
    if (s->written == s->len && s->cap > 0 && s->len + n < s->cap) {
        memcpy(s->out + s->written, bytes, n);
        s->written += n;
    }
    s->len += n;
}

static size_t sink_end(struct sink *s)
{
    if (s->cap > 0)
        s->out[s->written] = '\0';
    return s->len;
}

size_t escpos_codepage_from_utf8(enum escpos_codepage cp, const char *utf8, char *out, size_t cap)
{
    struct sink s = {out, cap, 0, 0};
    if (!utf8)
        utf8 = "";
    size_t len = strlen(utf8);
    size_t i = 0;
    while (i < len) {
        uint32_t c;
        size_t k = utf8_decode(utf8 + i, len - i, &c);
        if (k == 0) {
            /* Malformed: one '?' for the bad lead byte and the continuation bytes after it, so
            ** a truncated sequence reads as one unknown character, not three. */
            i++;
            while (i < len && ((unsigned char)utf8[i] & 0xC0) == 0x80)
                i++;
            sink_put(&s, "?", 1);
            continue;
        }
        i += k;
        if (dropped(c))
            continue;
        if (is_space(c)) {
            sink_put(&s, " ", 1);
            continue;
        }
        uint8_t b = page_byte(cp, c);
        if (b != 0) {
            char ch = (char)b;
            sink_put(&s, &ch, 1);
            continue;
        }
        const char *ascii;
        size_t n = standin(c, &ascii);
        if (n > 0)
            sink_put(&s, ascii, n);
        else
            sink_put(&s, "?", 1);
    }
    return sink_end(&s);
}

size_t escpos_codepage_to_utf8(enum escpos_codepage cp, const char *bytes, size_t len, char *out,
                               size_t cap)
{
    struct sink s = {out, cap, 0, 0};
    for (size_t i = 0; i < len; i++) {
        uint32_t c = escpos_codepage_char(cp, (uint8_t)bytes[i]);
        char utf8[4];
        size_t n = utf8_encode(c ? c : 0xFFFD, utf8);
        sink_put(&s, utf8, n);
    }
    return sink_end(&s);
}
