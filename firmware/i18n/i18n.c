/* Translated strings from INI files. See i18n.h. */
#include "i18n/i18n.h"

#include <ini.h>
#include <stdio.h>
#include <string.h>

static const char *const keys[STR_COUNT] = {
#define I18N_KEY(id, key) key,
    I18N_STRINGS(I18N_KEY)
#undef I18N_KEY
};

struct load_ctx {
    struct i18n *tr;
    int lang;
    bool overflow;
};

static int on_value(void *user, const char *section, const char *name, const char *value)
{
    struct load_ctx *c = user;
    if (strcmp(section, "strings") != 0)
        return 1;
    for (int i = 0; i < STR_COUNT; i++) {
        if (strcmp(keys[i], name) != 0)
            continue;
        size_t len = strlen(value) + 1;
        if (c->tr->pool_used + len > sizeof c->tr->pool) {
            c->overflow = true;
            return 0;
        }
        char *dst = c->tr->pool + c->tr->pool_used;
        /* "\n" in a value is a line break: INI values are one line. */
        size_t o = 0;
        for (size_t k = 0; value[k]; k++) {
            if (value[k] == '\\' && value[k + 1] == 'n') {
                dst[o++] = '\n';
                k++;
            } else {
                dst[o++] = value[k];
            }
        }
        dst[o++] = '\0';
        c->tr->pool_used += o;
        c->tr->text[c->lang][i] = dst;
        return 1;
    }
    return 1; /* unknown keys are ignored: a newer file on an older kiosk still loads */
}

enum borne_err i18n_load(struct i18n *tr, const char *dir, const char *const *codes, int n,
                         char *errmsg, size_t errmsg_cap)
{
    memset(tr, 0, sizeof *tr);
    if (n > I18N_LANG_MAX)
        n = I18N_LANG_MAX;
    for (int l = 0; l < n; l++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s.ini", dir, codes[l]);
        struct load_ctx c = {tr, l, false};
        int rc = ini_parse(path, on_value, &c);
        if (rc != 0 || c.overflow) {
            if (errmsg)
                snprintf(errmsg, errmsg_cap, "%s: %s", path,
                         rc == -1     ? "cannot be read"
                         : c.overflow ? "too many strings"
                                      : "malformed");
            if (errmsg && rc > 0 && !c.overflow)
                snprintf(errmsg, errmsg_cap, "%s:%d: malformed line", path, rc);
            return rc == -1 ? BORNE_ERR_CANT_OPEN : BORNE_ERR_INVALID;
        }
    }
    tr->n_langs = n;
    return BORNE_OK;
}

const char *i18n_get(const struct i18n *tr, int lang, enum i18n_id id)
{
    if (id < 0 || id >= STR_COUNT)
        return "?";
    if (lang >= 0 && lang < tr->n_langs && tr->text[lang][id])
        return tr->text[lang][id];
    if (tr->n_langs > 0 && tr->text[0][id])
        return tr->text[0][id];
    return keys[id];
}

char *i18n_format(char *out, size_t cap, const char *template, const char *const *args, int n_args)
{
    size_t o = 0;
    if (cap == 0)
        return out;
    for (const char *p = template; *p && o + 1 < cap; p++) {
        if (p[0] == '{' && p[1] >= '1' && p[1] <= '9' && p[2] == '}') {
            int k = p[1] - '1';
            const char *a = (k < n_args && args[k]) ? args[k] : "";
            size_t len = strlen(a);
            bool cut = o + len >= cap;
            if (cut) {
                len = cap - 1 - o;
                while (len > 0 && ((unsigned char)a[len] & 0xC0) == 0x80)
                    len--; /* do not cut a character in two */
            }
            memcpy(out + o, a, len);
            o += len;
            p += 2;
            if (cut)
                break; /* the result stays a prefix of the whole text */
        } else {
            out[o++] = *p;
        }
    }
    /* If the template itself was cut inside a character, drop that character's start. */
    size_t j = o;
    while (j > 0 && ((unsigned char)out[j - 1] & 0xC0) == 0x80)
        j--;
    if (j > 0 && (unsigned char)out[j - 1] >= 0xC0) {
        unsigned char lead = (unsigned char)out[j - 1];
        size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
        if (o - (j - 1) < want)
            o = j - 1;
    }
    out[o] = '\0';
    return out;
}
