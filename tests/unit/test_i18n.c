/* Unit tests of firmware/i18n: the real assets/i18n files (every key translated in both
** languages, with the same placeholders, and loaded whole), i18n_format(), the errors of a
** malformed or missing file, and the fallback to French.
**
** Needs BORNE_ASSETS (the repo's assets/ folder), set by ctest. Files written by a test go to
** a temp folder removed by the test's teardown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i18n/i18n.h"

#include "support.h"

/* The keys, copied here so that a key the loader does not know shows up as itself. */
static const char *const keys[STR_COUNT] = {
#define KEY(id, key) key,
    I18N_STRINGS(KEY)
#undef KEY
};

static const char *const codes[] = {"fr", "en"};

struct fixture {
    struct i18n tr; /* large: the fixture lives on the heap */
    char assets[1024];
    char dir[64]; /* temp folder for files a test writes; empty until made */
};

/* --- helpers -------------------------------------------------------------------------------- */

/* The placeholders {1}..{9} a text uses, as a bit set. */
static unsigned placeholders(const char *s)
{
    unsigned set = 0;
    for (; *s; s++)
        if (s[0] == '{' && s[1] >= '1' && s[1] <= '9' && s[2] == '}')
            set |= 1u << (s[1] - '0');
    return set;
}

static int find_key(const char *name)
{
    for (int i = 0; i < STR_COUNT; i++)
        if (strcmp(keys[i], name) == 0)
            return i;
    return -1;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* The whole of a file into a heap string, or NULL. */
static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[64 * 1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strdup(buf);
}

/* A copy of the real <code>.ini without the lines whose key is in drop (NULL-terminated). */
static void write_copy_without(struct fixture *fx, const char *code, const char *const *drop)
{
    char path[PATH_MAX], name[16];
    snprintf(path, sizeof path, "%s/i18n/%s.ini", fx->assets, code);
    char *text = read_file(path);
    assert_non_null(text);
    char *out = calloc(1, strlen(text) + 1);
    assert_non_null(out);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        bool keep = true;
        for (const char *const *d = drop; *d; d++) {
            size_t n = strlen(*d);
            if (strncmp(line, *d, n) == 0 && (line[n] == ' ' || line[n] == '='))
                keep = false;
        }
        if (keep) {
            strcat(out, line);
            strcat(out, "\n");
        }
    }
    snprintf(name, sizeof name, "%s.ini", code);
    write_file(fx->dir, name, out);
    free(out);
    free(text);
}

static void make_dir(struct fixture *fx)
{
    snprintf(fx->dir, sizeof fx->dir, "/tmp/borne-test-i18n-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
}

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    const char *assets = getenv("BORNE_ASSETS");
    if (!fx || !assets) {
        fprintf(stderr, "BORNE_ASSETS is not set: run through ctest\n");
        free(fx);
        return -1;
    }
    snprintf(fx->assets, sizeof fx->assets, "%s", assets);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    if (fx && fx->dir[0]) {
        support_remove_dir(fx->dir);
    }
    free(fx);
    return 0;
}

static void load_real(struct fixture *fx)
{
    char dir[PATH_MAX + 8], msg[256] = "";
    snprintf(dir, sizeof dir, "%s/i18n", fx->assets);
    enum borne_err err = i18n_load(&fx->tr, dir, codes, 2, msg, sizeof msg);
    if (err != BORNE_OK)
        fail_msg("i18n_load: %d %s", err, msg);
    assert_int_equal(fx->tr.n_langs, 2);
}

/* --- the real files ------------------------------------------------------------------------- */

static void test_every_key_in_both_languages(void **state)
{
    struct fixture *fx = *state;
    load_real(fx);
    int missing = 0;
    for (int l = 0; l < 2; l++) {
        for (int id = 0; id < STR_COUNT; id++) {
            const char *own = fx->tr.text[l][id];
            const char *got = i18n_get(&fx->tr, l, (enum i18n_id)id);
            /* Not "differs from the key": en.ini's "optional" and "space" are their own keys.
            ** The loader's table says whether the file gave the text. */
            if (!own || !own[0] || strcmp(got, own) != 0) {
                print_error("%s.ini: \"%s\" missing or empty\n", codes[l], keys[id]);
                missing++;
            }
        }
    }
    assert_int_equal(missing, 0);
    /* A key no file gives comes back as itself: that is what "missing" looks like. */
    struct i18n *empty = calloc(1, sizeof *empty);
    assert_non_null(empty);
    for (int id = 0; id < STR_COUNT; id++)
        assert_string_equal(i18n_get(empty, 0, (enum i18n_id)id), keys[id]);
    free(empty);
    /* And a sample of values, so that a shifted table cannot pass. */
    assert_string_equal(i18n_get(&fx->tr, 0, STR_REGISTER), "Je m\xE2\x80\x99inscris");
    assert_string_equal(i18n_get(&fx->tr, 1, STR_REGISTER), "Register");
    assert_string_equal(i18n_get(&fx->tr, 0, STR_MONTH_8), "ao\xC3\xBBt");
    assert_string_equal(i18n_get(&fx->tr, 1, STR_DAY_SHORT_6), "Sat");
    assert_string_equal(i18n_get(&fx->tr, 1, STR_DATE_SHORT), "{1} {2}");
}

/* Every line of both files, parsed here independently, is loaded whole (a line longer than
** the parser's buffer, or an inline comment, would be cut) and names a key the kiosk knows (a
** misspelt key is silently ignored by the loader and its text never shown). */
static void test_values_match_files(void **state)
{
    struct fixture *fx = *state;
    load_real(fx);
    int problems = 0;
    for (int l = 0; l < 2; l++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/i18n/%s.ini", fx->assets, codes[l]);
        char *text = read_file(path);
        assert_non_null(text);
        assert_true(support_valid_utf8(text));
        int lines = 0;
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
            if (line[0] == ';' || line[0] == '#' || line[0] == '[' || line[0] == '\0')
                continue;
            char *eq = strchr(line, '=');
            assert_non_null(eq);
            char *name_end = eq;
            while (name_end > line && name_end[-1] == ' ')
                name_end--;
            *name_end = '\0';
            char *value = eq + 1;
            while (*value == ' ')
                value++;
            char want[1024];
            size_t o = 0;
            for (const char *v = value; *v && o + 1 < sizeof want; v++) {
                if (v[0] == '\\' && v[1] == 'n') {
                    want[o++] = '\n';
                    v++;
                } else {
                    want[o++] = *v;
                }
            }
            while (o > 0 && want[o - 1] == ' ')
                o--;
            want[o] = '\0';
            int id = find_key(line);
            lines++;
            if (id < 0) {
                print_error("%s.ini: unknown key \"%s\"\n", codes[l], line);
                problems++;
            } else if (!fx->tr.text[l][id] || strcmp(fx->tr.text[l][id], want) != 0) {
                print_error("%s.ini: \"%s\" loaded as \"%s\", file says \"%s\"\n", codes[l], line,
                            fx->tr.text[l][id] ? fx->tr.text[l][id] : "(null)", want);
                problems++;
            }
        }
        assert_int_equal(lines, STR_COUNT);
        free(text);
    }
    assert_int_equal(problems, 0);
    /* "\n" in a file is a line break in the text. */
    assert_non_null(strchr(i18n_get(&fx->tr, 0, STR_NO_SESSION_DAY), '\n'));
    assert_null(strstr(i18n_get(&fx->tr, 0, STR_NO_SESSION_DAY), "\\n"));
}

static void test_placeholders_match(void **state)
{
    struct fixture *fx = *state;
    load_real(fx);
    int bad = 0;
    for (int id = 0; id < STR_COUNT; id++) {
        unsigned fr = placeholders(i18n_get(&fx->tr, 0, (enum i18n_id)id));
        unsigned en = placeholders(i18n_get(&fx->tr, 1, (enum i18n_id)id));
        if (fr != en) {
            print_error("\"%s\": placeholders fr 0x%x, en 0x%x\n", keys[id], fr, en);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
    /* The check itself sees placeholders where there are some. */
    assert_int_equal(placeholders(i18n_get(&fx->tr, 0, STR_SEATS_OF)), (1u << 1) | (1u << 2));
    assert_int_equal(placeholders(i18n_get(&fx->tr, 1, STR_DATE_LONG)),
                     (1u << 1) | (1u << 2) | (1u << 3));
}

/* --- i18n_format ---------------------------------------------------------------------------- */

static void test_format(void **state)
{
    (void)state;
    char out[128];
    const char *two[] = {"3", "7"};
    assert_string_equal(i18n_format(out, sizeof out, "Page {1} sur {2}", two, 2), "Page 3 sur 7");
    assert_string_equal(i18n_format(out, sizeof out, "{2}/{1}", two, 2), "7/3");
    assert_string_equal(i18n_format(out, sizeof out, "{1}{1}{1}", two, 2), "333");
    /* Missing args are empty: too few given, a NULL one, a number past the list. */
    assert_string_equal(i18n_format(out, sizeof out, "Page {1} sur {2}", two, 1), "Page 3 sur ");
    assert_string_equal(i18n_format(out, sizeof out, "[{1}]", NULL, 0), "[]");
    const char *with_null[] = {NULL, "b"};
    assert_string_equal(i18n_format(out, sizeof out, "<{1}|{2}>", with_null, 2), "<|b>");
    assert_string_equal(i18n_format(out, sizeof out, "{9}.", two, 2), ".");
    /* What is not a placeholder is copied. */
    assert_string_equal(i18n_format(out, sizeof out, "{0} {10} {x} {1", two, 2), "{0} {10} {x} {1");
    assert_string_equal(i18n_format(out, sizeof out, "", two, 2), "");
    /* Multi-byte text on both sides. */
    const char *name[] = {"Zo\xC3\xA9 \xF0\x9F\x98\x80"};
    assert_string_equal(i18n_format(out, sizeof out,
                                    "C\xE2\x80\x99"
                                    "est fait, {1} !",
                                    name, 1),
                        "C\xE2\x80\x99"
                        "est fait, Zo\xC3\xA9 \xF0\x9F\x98\x80 !");
    /* cap 0 writes nothing. */
    memcpy(out, "ZZZ", 4);
    assert_ptr_equal(i18n_format(out, 0, "abc", NULL, 0), out);
    assert_memory_equal(out, "ZZZ", 4);
}

struct format_case {
    const char *template;
    const char *args[2];
};

static const struct format_case cut_cases[] = {
    {"\xC3\xA9t\xC3\xA9 \xE2\x82\xAC\xF0\x9F\x98\x80!", {NULL, NULL}}, /* template only */
    {"{1}", {"a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z", NULL}},         /* argument only */
    {"\xC2\xAB{1}\xC2\xBB {2}", {"\xF0\x9F\x98\x80\xF0\x9F\x98\x81", "\xC3\xA9\xC3\xA9"}},
    {"{1} places", {"a\xC3\xA9\xE2\x82\xAC", NULL}},
    {"D\xC3\xA9j\xC3\xA0 {1}, {2}.", {"\xE2\x82\xAC\xE2\x82\xAC", "x\xF0\x9F\x98\x80y"}},
};

/* Every cap, from 1 to past the whole result: terminated within cap, valid UTF-8. */
static void test_format_cut_stays_valid_utf8(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof cut_cases / sizeof cut_cases[0]; c++) {
        char full[256];
        i18n_format(full, sizeof full, cut_cases[c].template, cut_cases[c].args, 2);
        for (size_t cap = 1; cap <= strlen(full) + 2; cap++) {
            char out[256];
            memset(out, 'Z', sizeof out);
            i18n_format(out, cap, cut_cases[c].template, cut_cases[c].args, 2);
            for (size_t k = cap; k < sizeof out; k++)
                if (out[k] != 'Z')
                    fail_msg("case %zu cap %zu: byte %zu written", c, cap, k);
            if (!memchr(out, '\0', cap))
                fail_msg("case %zu cap %zu: not terminated", c, cap);
            if (!support_valid_utf8(out))
                fail_msg("case %zu cap %zu: invalid UTF-8 \"%s\"", c, cap, out);
        }
        assert_true(support_valid_utf8(full));
    }
}

/* i18n.h: "the result is cut to cap - 1 bytes at a code point boundary". A cut result is the
** longest whole-character prefix of the uncut one that fits: a cut argument must not be
** followed by the template's text (a "{1} places" that drops the end of {1} and still says
** " p" reads as another number). */
static void test_format_cut_is_prefix(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t c = 0; c < sizeof cut_cases / sizeof cut_cases[0]; c++) {
        char full[256];
        i18n_format(full, sizeof full, cut_cases[c].template, cut_cases[c].args, 2);
        for (size_t cap = 1; cap <= strlen(full) + 1; cap++) {
            char out[256], want[256];
            i18n_format(out, cap, cut_cases[c].template, cut_cases[c].args, 2);
            /* The longest prefix of full shorter than cap that ends on a character. */
            size_t n = strlen(full) < cap - 1 ? strlen(full) : cap - 1;
            while (n > 0 && ((unsigned char)full[n] & 0xC0) == 0x80)
                n--;
            memcpy(want, full, n);
            want[n] = '\0';
            if (strcmp(out, want) != 0) {
                print_error("case %zu cap %zu: \"%s\", want \"%s\"\n", c, cap, out, want);
                bad++;
            }
        }
    }
    assert_int_equal(bad, 0);
}

/* --- errors and fallback -------------------------------------------------------------------- */

static void test_malformed_file(void **state)
{
    struct fixture *fx = *state;
    make_dir(fx);
    write_file(fx->dir, "fr.ini", "[strings]\nwelcome = Bonjour\nceci n'est pas une ligne\n");
    write_file(fx->dir, "en.ini", "[strings]\nwelcome = Hello\n");
    char msg[512] = "";
    assert_int_equal(i18n_load(&fx->tr, fx->dir, codes, 2, msg, sizeof msg), BORNE_ERR_INVALID);
    if (!strstr(msg, "fr.ini:3:"))
        fail_msg("message \"%s\" does not name fr.ini line 3", msg);
    assert_int_equal(fx->tr.n_langs, 0);
    /* Nothing half-loaded is served: the key itself comes back. */
    assert_string_equal(i18n_get(&fx->tr, 0, STR_WELCOME), "welcome");

    /* The second file malformed: a section that is never closed. */
    write_file(fx->dir, "fr.ini", "[strings]\nwelcome = Bonjour\n");
    write_file(fx->dir, "en.ini", "; English\n[strings\nwelcome = Hello\n");
    msg[0] = '\0';
    assert_int_equal(i18n_load(&fx->tr, fx->dir, codes, 2, msg, sizeof msg), BORNE_ERR_INVALID);
    if (!strstr(msg, "en.ini:2:"))
        fail_msg("message \"%s\" does not name en.ini line 2", msg);
}

static void test_missing_file(void **state)
{
    struct fixture *fx = *state;
    make_dir(fx);
    write_file(fx->dir, "fr.ini", "[strings]\nwelcome = Bonjour\n");
    char msg[512] = "";
    assert_int_equal(i18n_load(&fx->tr, fx->dir, codes, 2, msg, sizeof msg), BORNE_ERR_CANT_OPEN);
    if (!strstr(msg, "en.ini") || !strstr(msg, "cannot be read"))
        fail_msg("message \"%s\" does not say en.ini cannot be read", msg);
    /* A folder that does not exist at all. */
    msg[0] = '\0';
    assert_int_equal(i18n_load(&fx->tr, "/nonexistent/borne", codes, 2, msg, sizeof msg),
                     BORNE_ERR_CANT_OPEN);
    assert_non_null(strstr(msg, "fr.ini"));
    /* errmsg may be NULL. */
    assert_int_equal(i18n_load(&fx->tr, "/nonexistent/borne", codes, 2, NULL, 0),
                     BORNE_ERR_CANT_OPEN);
}

/* More text than the pool holds: BORNE_ERR_INVALID, and the message says why (i18n.c writes
** "too many strings" for this, then overwrites it). */
static void test_too_much_text(void **state)
{
    struct fixture *fx = *state;
    make_dir(fx);
    /* 400 lines of 150 bytes: 60 kB of values for a 48 kB pool; each line is short enough
    ** for the INI parser. */
    static char text[80 * 1024];
    strcpy(text, "[strings]\n");
    char value[151];
    memset(value, 'x', 150);
    value[150] = '\0';
    for (int i = 0; i < 400; i++) {
        strcat(text, "welcome = ");
        strcat(text, value);
        strcat(text, "\n");
    }
    write_file(fx->dir, "fr.ini", text);
    write_file(fx->dir, "en.ini", "[strings]\nwelcome = Hello\n");
    char msg[512] = "";
    assert_int_equal(i18n_load(&fx->tr, fx->dir, codes, 2, msg, sizeof msg), BORNE_ERR_INVALID);
    if (!strstr(msg, "too many strings"))
        fail_msg("message \"%s\" does not say the file holds too much text", msg);
}

static void test_fallback_to_french(void **state)
{
    struct fixture *fx = *state;
    make_dir(fx);
    static const char *const en_drop[] = {"welcome", "finish", NULL};
    static const char *const fr_drop[] = {"finish", NULL};
    write_copy_without(fx, "fr", fr_drop);
    write_copy_without(fx, "en", en_drop);
    char msg[256] = "";
    enum borne_err err = i18n_load(&fx->tr, fx->dir, codes, 2, msg, sizeof msg);
    if (err != BORNE_OK)
        fail_msg("i18n_load: %d %s", err, msg);
    /* Missing in English: the French text. */
    assert_null(fx->tr.text[1][STR_WELCOME]);
    assert_string_equal(i18n_get(&fx->tr, 1, STR_WELCOME), "Bienvenue \xC3\xA0 l\xE2\x80\x99"
                                                           "Atelier Num\xC3\xA9rique");
    /* Present in English: the English text. */
    assert_string_equal(i18n_get(&fx->tr, 1, STR_TODAY), "Today");
    /* Missing in both: the key itself, plainly. */
    assert_string_equal(i18n_get(&fx->tr, 1, STR_FINISH), "finish");
    assert_string_equal(i18n_get(&fx->tr, 0, STR_FINISH), "finish");
    /* A language past the loaded ones gets French; an id out of range gets "?". */
    assert_string_equal(i18n_get(&fx->tr, 3, STR_TODAY), "Aujourd\xE2\x80\x99hui");
    assert_string_equal(i18n_get(&fx->tr, -1, STR_TODAY), "Aujourd\xE2\x80\x99hui");
    assert_string_equal(i18n_get(&fx->tr, 0, STR_COUNT), "?");
    assert_string_equal(i18n_get(&fx->tr, 0, (enum i18n_id) - 1), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_key_in_both_languages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_values_match_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_placeholders_match, setup, teardown),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_cut_stays_valid_utf8),
        cmocka_unit_test(test_format_cut_is_prefix),
        cmocka_unit_test_setup_teardown(test_malformed_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_much_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fallback_to_french, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
