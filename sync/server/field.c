/* The values of imported fields: see field.h. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/model.h"
#include "core/text.h"
#include "server/field.h"

bool field_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

char *field_trim(char *s)
{
    while (field_is_space(*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && field_is_space(s[n - 1]))
        s[--n] = '\0';
    return s;
}

bool field_is_id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '@';
}

bool field_id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= BORNE_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!field_is_id_char(s[i]))
            return false;
    return true;
}

const char *field_show(const char *s, char *out, size_t cap)
{
    size_t o = 0, i = 0, n = strlen(s);
    out[o++] = '"';
    while (i < n) {
        uint32_t cp = 0;
        size_t k = utf8_decode(s + i, n - i, &cp);
        if (i >= FIELD_SHOW_MAX || o + (k ? k : 1) + 5 >= cap) {
            memcpy(out + o, "\xe2\x80\xa6", 3); /* … */
            o += 3;
            break;
        }
        if (k == 0 || cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
            out[o++] = '?';
            i += k ? k : 1;
        } else {
            memcpy(out + o, s + i, k);
            o += k;
            i += k;
        }
    }
    out[o++] = '"';
    out[o] = '\0';
    return out;
}

void field_fold(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; s[i] && o + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0xC3 && s[i + 1]) {
            unsigned char d = (unsigned char)s[i + 1];
            if ((d >= 0xA8 && d <= 0xAB) || (d >= 0x88 && d <= 0x8B)) {
                out[o++] = 'e';
                i++;
                continue;
            }
        }
        out[o++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    out[o] = '\0';
}

int field_kind_parse(const char *s)
{
    static const struct {
        const char *name;
        int kind;
    } names[] = {
        {"0", SESSION_WORKSHOP},
        {"atelier", SESSION_WORKSHOP},
        {"workshop", SESSION_WORKSHOP},
        {"1", SESSION_CONFERENCE},
        {"conference", SESSION_CONFERENCE},
        {"2", SESSION_THEMATIC},
        {"thematique", SESSION_THEMATIC},
        {"thematic", SESSION_THEMATIC},
        {"3", SESSION_COACHING},
        {"coaching", SESSION_COACHING},
    };
    char f[32];
    field_fold(s, f, sizeof f);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(f, names[i].name))
            return names[i].kind;
    return -1;
}

void field_slug(const char *name, char *out)
{
    char folded[4 * BORNE_ROOM_MAX];
    text_name_key(name, "", folded, sizeof folded);
    size_t o = 0;
    bool dash = false;
    for (size_t i = 0; folded[i] && o < BORNE_ID_MAX - 1; i++) {
        char c = folded[i];
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            if (dash && o > 0 && o < BORNE_ID_MAX - 2)
                out[o++] = '-';
            dash = false;
            out[o++] = c;
        } else {
            dash = true;
        }
    }
    out[o] = '\0';
    if (o == 0) {
        uint8_t h[4];
        crypto_generichash(h, sizeof h, (const uint8_t *)name, strlen(name), NULL, 0);
        snprintf(out, BORNE_ID_MAX, "salle-%02x%02x%02x%02x", h[0], h[1], h[2], h[3]);
    }
}
