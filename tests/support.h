/* Helpers shared by the C tests. Header-only: each test is one program. */
#ifndef BORNE_TESTS_SUPPORT_H
#define BORNE_TESTS_SUPPORT_H

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Whether str is well-formed UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF).
** Written apart from core/text.c on purpose: a test's oracle must not be the code it tests. */
static inline bool support_valid_utf8_n(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n = c < 0x80                   ? 1
                   : (c >= 0xC2 && c <= 0xDF) ? 2
                   : (c & 0xF0) == 0xE0       ? 3
                   : (c >= 0xF0 && c <= 0xF4) ? 4
                                              : 0;
        if (n == 0 || i + n > len)
            return false;
        for (size_t k = 1; k < n; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
        i += n;
    }
    return true;
}

static inline bool support_valid_utf8(const char *str)
{
    return support_valid_utf8_n(str, strlen(str));
}

/* Fail the test unless hay contains needle (for error messages: the gist, not the wording). */
#define assert_contains(hay, needle)                                                               \
    do {                                                                                           \
        const char *hay_ = (hay), *needle_ = (needle);                                             \
        if (!strstr(hay_, needle_)) {                                                              \
            print_error("\"%s\" does not contain \"%s\"\n", hay_, needle_);                        \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

/* Remove a folder and the files in it (one level: tests make no deeper trees). */
static inline void support_remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            char path[512];
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* The guard of tests that wait on threads, sockets and devices: alarm() kills a test that hangs
** this long. A guard, not a timing: nothing asserts how long a step took. */
#define SUPPORT_GUARD_S 120

/* cmocka setup and teardown that arm and disarm the guard around each test. */
static inline int support_guard_setup(void **state)
{
    (void)state;
    alarm(SUPPORT_GUARD_S);
    return 0;
}

static inline int support_guard_teardown(void **state)
{
    (void)state;
    alarm(0);
    return 0;
}

/* A ticket payload as the ticket module makes it: "B1" and 170 base32 characters, the same for
** the same seed. out holds at least 173 bytes. Only its shape is real (it is not signed): what
** the scanner tests need, which never verify it. */
static inline void support_make_payload(char *out, unsigned seed)
{
    static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    strcpy(out, "B1");
    for (int i = 0; i < 170; i++) {
        seed = seed * 1103515245u + 12345u;
        out[2 + i] = b32[(seed >> 16) % 32];
    }
    out[172] = '\0';
}

#endif
