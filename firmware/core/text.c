/* Text rules for what visitors type. See text.h. */
#include "core/text.h"

#include <stdio.h>
#include <string.h>

size_t utf8_decode(const char *s, size_t len, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (len == 0)
        return 0;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    size_t n;
    uint32_t c, min;
    if ((u[0] & 0xE0) == 0xC0) {
        n = 2, c = u[0] & 0x1F, min = 0x80;
    } else if ((u[0] & 0xF0) == 0xE0) {
        n = 3, c = u[0] & 0x0F, min = 0x800;
    } else if ((u[0] & 0xF8) == 0xF0) {
        n = 4, c = u[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((u[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (u[i] & 0x3F);
    }
    /* Overlong forms, surrogates and values past Unicode are refused: they are how forged
    ** input hides a character from a check. */
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

size_t utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF)
        return 0;
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp <= 0x10FFFF) {
        o[0] = (unsigned char)(0xF0 | (cp >> 18));
        o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (unsigned char)(0x80 | (cp & 0x3F));
        return 4;
    }
    return 0;
}

size_t utf8_length(const char *s)
{
    size_t n = 0, len = strlen(s), i = 0;
    while (i < len) {
        uint32_t cp;
        size_t k = utf8_decode(s + i, len - i, &cp);
        i += k ? k : 1;
        n++;
    }
    return n;
}

size_t utf8_prev(const char *s, size_t pos)
{
    if (pos == 0)
        return 0;
    size_t i = pos - 1;
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80 && pos - i < 4)
        i--;
    return i;
}

bool text_char_allowed(uint32_t cp)
{
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
        return false; /* C0 and C1 controls, DEL */
    /* Invisible format characters and bidi marks and overrides: they disguise text. The
    ** zero-width joiner and non-joiner (U+200C, U+200D) stay: Persian names need the one and
    ** emoji sequences such as 👩‍💻 the other. */
    if (cp == 0x00AD || cp == 0x061C || cp == 0x200B || cp == 0x200E || cp == 0x200F ||
        (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x206F) || cp == 0xFEFF ||
        (cp >= 0xFFF9 && cp <= 0xFFFB))
        return false;
    if (cp == 0x2028 || cp == 0x2029)
        return false; /* line and paragraph separators */
    if ((cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE)
        return false; /* noncharacters */
    if ((cp >= 0xE000 && cp <= 0xF8FF) || cp >= 0xF0000)
        return false; /* private use (both planes): no font shows it */
    return cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
}

static bool is_space(uint32_t cp)
{
    return cp == ' ' || cp == '\t' || cp == 0xA0 || cp == 0x202F || cp == 0x3000 ||
           (cp >= 0x2000 && cp <= 0x200A);
}

size_t text_normalize_spaces(const char *in, char *out, size_t cap)
{
    size_t len = strlen(in), i = 0, o = 0;
    bool pending_space = false;
    if (cap == 0)
        return 0;
    while (i < len) {
        uint32_t cp;
        size_t k = utf8_decode(in + i, len - i, &cp);
        if (k == 0) {
            k = 1; /* an invalid byte is kept: text_check_name() reports it */
            cp = 0xFFFD;
        }
        if (is_space(cp)) {
            pending_space = o > 0;
            i += k;
            continue;
        }
        size_t need = k + (pending_space ? 1 : 0);
        if (o + need >= cap)
            break; /* would not fit: cut at a code point boundary */
        if (pending_space)
            out[o++] = ' ';
        memcpy(out + o, in + i, k);
        o += k;
        i += k;
        pending_space = false;
    }
    out[o] = '\0';
    return o;
}

static enum text_verdict check_chars(const char *s, size_t max_chars)
{
    size_t len = strlen(s), i = 0, n = 0;
    bool any = false;
    while (i < len) {
        uint32_t cp;
        size_t k = utf8_decode(s + i, len - i, &cp);
        if (k == 0)
            return TEXT_BAD_UTF8;
        if (!text_char_allowed(cp))
            return TEXT_BAD_CHAR;
        if (!is_space(cp))
            any = true;
        i += k;
        n++;
    }
    if (!any)
        return TEXT_EMPTY;
    return n > max_chars ? TEXT_TOO_LONG : TEXT_OK;
}

enum text_verdict text_check_name(const char *s)
{
    return check_chars(s, 50);
}

enum text_verdict text_check_email(const char *s)
{
    if (s[0] == '\0')
        return TEXT_OK;
    enum text_verdict v = check_chars(s, 80);
    if (v != TEXT_OK)
        return v;
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@') || strchr(s, ' '))
        return TEXT_BAD_EMAIL;
    const char *dot = strrchr(at + 1, '.');
    if (!dot || dot == at + 1 || dot[1] == '\0')
        return TEXT_BAD_EMAIL;
    return TEXT_OK;
}

enum text_verdict text_check_phone(const char *s)
{
    if (s[0] == '\0')
        return TEXT_OK;
    if (strlen(s) > 20)
        return TEXT_TOO_LONG;
    int digits = 0;
    for (const char *p = s; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else if (*p == '+' && p == s)
            continue;
        else if (*p != ' ' && *p != '.' && *p != '-')
            return TEXT_BAD_PHONE;
    }
    return (digits >= 6 && digits <= 15) ? TEXT_OK : TEXT_BAD_PHONE;
}

/* Fold one code point to lower case without Latin accents, appending to out. Covers Latin-1,
** Latin Extended-A (the accents of French, German, Spanish, Portuguese, Polish, Turkish...) and
** ASCII; other scripts are kept as they are, which is enough for "same person" equality. */
static size_t fold_latin(uint32_t cp, char *buf)
{
    /* Latin-1 letters, U+00C0..U+00DF and U+00E0..U+00FF alike (upper and lower case share
    ** a row), but for U+00DF ß and U+00FF ÿ; U+00D7 × and U+00F7 ÷ are not letters. */
    // clang-format off
    static const char *const latin1[32] = {
        "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
        "d", "n", "o", "o", "o", "o", "o", NULL, "o", "u", "u", "u", "u", "y", "th", NULL};
    // clang-format on
    /* Latin Extended-A, U+0100..U+017F: base letter of each, in pairs of upper/lower. */
    static const char ext_a[] =
        "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkkllllllllll"
        "nnnnnnnnnoooooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";
    char one[2] = {0};
    const char *s = NULL;
    if (cp == 0xDF)
        s = "ss";
    else if (cp == 0xFF)
        s = "y";
    else if (cp >= 0xC0 && cp <= 0xFF)
        s = latin1[(cp - 0xC0) % 32];
    else if (cp == 0x152 || cp == 0x153)
        s = "oe";
    else if (cp == 0x132 || cp == 0x133)
        s = "ij";
    else if (cp >= 0x100 && cp <= 0x17F)
        s = (one[0] = ext_a[cp - 0x100], one);
    if (!s)
        return 0;
    size_t n = strlen(s);
    memcpy(buf, s, n);
    return n;
}

static size_t fold_into(const char *in, char *out, size_t o, size_t cap)
{
    char norm[256];
    text_normalize_spaces(in, norm, sizeof norm);
    size_t len = strlen(norm), i = 0;
    while (i < len) {
        uint32_t cp;
        size_t k = utf8_decode(norm + i, len - i, &cp);
        char buf[4];
        size_t plen;
        if (k == 0) {
            k = 1;
            cp = 0xFFFD;
            buf[0] = norm[i];
            plen = 1;
        } else if (cp >= 'A' && cp <= 'Z') {
            buf[0] = (char)(cp - 'A' + 'a');
            plen = 1;
        } else if ((plen = fold_latin(cp, buf)) == 0) {
            plen = utf8_encode(cp, buf);
        }
        /* Apostrophes and hyphens of every kind are one: "D’Arc" is "d'arc", and "Jean
        ** Pierre" is "jean-pierre", since people type either. */
        if (cp == 0x2019 || cp == 0x2018 || cp == 0x02BC || cp == '`') {
            buf[0] = '\'';
            plen = 1;
        } else if (cp == ' ' || cp == 0x2010 || cp == 0x2011 || cp == 0x2013) {
            buf[0] = '-';
            plen = 1;
        }
        if (o + plen >= cap)
            break;
        memcpy(out + o, buf, plen);
        o += plen;
        i += k;
    }
    out[o] = '\0';
    return o;
}

void text_name_key(const char *first, const char *last, char *out, size_t cap)
{
    if (cap == 0)
        return;
    char whole[512];
    size_t o = fold_into(first, out, 0, cap);
    /* A first name cut short ends the key there: a cut key stays a prefix of the whole one. */
    if (fold_into(first, whole, 0, sizeof whole) != o)
        return;
    /* The separator is a control character, which no name may hold (text_char_allowed), so
    ** ("Anne|Marie", "Martin") and ("Anne", "Marie|Martin") cannot meet. */
    if (o + 1 < cap) {
        out[o++] = '\x1F';
        out[o] = '\0';
    }
    fold_into(last, out, o, cap);
}

void text_short_code_grouped(const char *code, char *out, size_t cap)
{
    size_t n = strlen(code);
    snprintf(out, cap, "%.*s-%s", (int)(n > 4 ? 4 : n), code, n > 4 ? code + 4 : "");
}
