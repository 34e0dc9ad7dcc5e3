/* The kiosk's INI configuration: values are read, and anything wrong is refused with a message
** that names it, never silently ignored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "app/kiosk.h"

static char path[64];

static bool load(const char *text, struct kiosk_options *o, char *why, size_t cap)
{
    snprintf(path, sizeof path, "/tmp/borne-config-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    kiosk_options_default(o);
    why[0] = '\0';
    bool ok = kiosk_config_load(o, path, why, cap);
    unlink(path);
    return ok;
}

static void test_values_are_read(void **state)
{
    (void)state;
    struct kiosk_options o;
    char why[300];
    assert_true(load("[kiosk]\nlang = en\nidle_timeout_s = 90\npurge_days = 7\n"
                     "[display]\nfullscreen = false\nwidth = 800\nheight = 480\n",
                     &o, why, sizeof why));
    assert_int_equal(o.lang, LANG_EN);
    assert_int_equal(o.idle_timeout_s, 90);
    assert_int_equal(o.purge_days, 7);
    assert_false(o.fullscreen);
    assert_int_equal(o.win_w, 800);
    assert_int_equal(o.win_h, 480);
}

/* Plain http to another machine is refused unless the file says so, in so many words. */
static void test_insecure_http_is_explicit(void **state)
{
    (void)state;
    struct kiosk_options o;
    char why[300];
    assert_true(load("[sync]\nca_file = /etc/borne/ca.pem\n", &o, why, sizeof why));
    assert_false(o.sync.allow_insecure_http);
    assert_true(load("[sync]\nallow_insecure_http = true\n", &o, why, sizeof why));
    assert_true(o.sync.allow_insecure_http);
    assert_true(load("[sync]\nallow_insecure_http = false\n", &o, why, sizeof why));
    assert_false(o.sync.allow_insecure_http);
    assert_false(load("[sync]\nallow_insecure_http = please\n", &o, why, sizeof why));
    assert_non_null(strstr(why, "[sync] allow_insecure_http = please: not a valid value"));
    assert_false(load("[sync]\nallow_http = true\n", &o, why, sizeof why));
    assert_non_null(strstr(why, "[sync] allow_http: unknown setting"));
}

static void test_the_example_file_loads(void **state)
{
    (void)state;
    struct kiosk_options o;
    char why[300] = "", file[512];
    const char *assets = getenv("BORNE_ASSETS");
    assert_non_null(assets);
    snprintf(file, sizeof file, "%s/../board/borne.ini", assets);
    kiosk_options_default(&o);
    assert_true(kiosk_config_load(&o, file, why, sizeof why));
    assert_string_equal(o.db_path, "/var/lib/borne/borne.db");
    assert_int_equal(o.purge_days, 30);
    assert_false(o.sync.allow_insecure_http); /* the example keeps the safe default */
}

static void test_wrong_things_are_refused(void **state)
{
    (void)state;
    static const struct {
        const char *text, *said;
    } cases[] = {
        {"[kiosk]\npurge_dayz = 7\n", "[kiosk] purge_dayz: unknown setting"},
        {"[display]\nfullscreen = yes\n", "[display] fullscreen = yes: not a valid value"},
        {"[kiosk]\nlang = de\n", "[kiosk] lang = de: not a valid value"},
        {"[kiosk]\nidle_timeout_s = 5\n", "[kiosk] idle_timeout_s = 5: not a valid value"},
        {"[kiosk]\npurge_days = 30 days\n", "[kiosk] purge_days = 30 days: not a valid value"},
        {"[printer]\nurl = usb:/dev/usb/lp0\n", "[printer] url: unknown setting"},
        {"[printer]\npaper_mm = 70\n", "[printer] paper_mm = 70: not a valid value"},
        {"[printer]\ncodepage = cp1253\n", "[printer] codepage = cp1253: not a valid value"},
        {"[checkin]\nopens_before_min = -5\n",
         "[checkin] opens_before_min = -5: not a valid value"},
        {"[scanner]\nkeyboard = maybe\n", "[scanner] keyboard = maybe: not a valid value"},
        {"[kiosk\nlang = fr\n", "lang: outside any [section]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct kiosk_options o;
        char why[300];
        if (load(cases[i].text, &o, why, sizeof why) || !strstr(why, cases[i].said)) {
            print_error("config %zu: expected refusal \"%s\", got \"%s\"\n", i, cases[i].said, why);
            fail();
        }
    }
    struct kiosk_options o;
    char why[300];
    kiosk_options_default(&o);
    assert_false(kiosk_config_load(&o, "/nonexistent/borne.ini", why, sizeof why));
    assert_non_null(strstr(why, "cannot be read"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_are_read),
        cmocka_unit_test(test_insecure_http_is_explicit),
        cmocka_unit_test(test_the_example_file_loads),
        cmocka_unit_test(test_wrong_things_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
