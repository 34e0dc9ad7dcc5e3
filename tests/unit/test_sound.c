/* Unit tests of the verdict sounds (firmware/platform/sound.c): the samples, not a speaker. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "platform/sound.h"

static int16_t buf[SOUND_MAX_SAMPLES];

/* The strongest frequency of a stretch, by counting zero crossings (good enough for tones). */
static double pitch_hz(const int16_t *s, size_t n)
{
    size_t crossings = 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i - 1] < 0) != (s[i] < 0))
            crossings++;
    return (double)crossings / 2.0 / ((double)n / SOUND_RATE);
}

static void test_none_is_silent(void **state)
{
    (void)state;
    assert_int_equal(sound_synth(SOUND_NONE, buf, SOUND_MAX_SAMPLES), 0);
}

static void test_each_sound_is_short_bounded_and_clickless(void **state)
{
    (void)state;
    for (int w = SOUND_WELCOME; w <= SOUND_INVALID; w++) {
        size_t n = sound_synth((enum sound)w, buf, SOUND_MAX_SAMPLES);
        /* Heard, but over before the next visitor steps up: between 0.15 s and 0.6 s. */
        assert_true(n > SOUND_RATE * 15 / 100);
        assert_true(n < SOUND_RATE * 6 / 10);
        /* Ramps in and out: no click at either end. */
        assert_true(abs(buf[0]) < 200);
        assert_true(abs(buf[n - 1]) < 2000);
        int peak = 0;
        for (size_t i = 0; i < n; i++)
            peak = abs(buf[i]) > peak ? abs(buf[i]) : peak;
        assert_true(peak > 8000); /* loud enough */
    }
}

static void test_welcome_rises_problem_falls_invalid_is_low(void **state)
{
    (void)state;
    size_t n = sound_synth(SOUND_WELCOME, buf, SOUND_MAX_SAMPLES);
    double first = pitch_hz(buf, n / 4), last = pitch_hz(buf + n - n / 4, n / 4);
    assert_true(last > first * 1.3);

    n = sound_synth(SOUND_PROBLEM, buf, SOUND_MAX_SAMPLES);
    first = pitch_hz(buf, n / 4);
    last = pitch_hz(buf + n - n / 4, n / 4);
    assert_true(first > last * 1.3);

    n = sound_synth(SOUND_INVALID, buf, SOUND_MAX_SAMPLES);
    assert_true(pitch_hz(buf, n) < 300);

    n = sound_synth(SOUND_ALREADY, buf, SOUND_MAX_SAMPLES);
    double p = pitch_hz(buf, n);
    assert_true(p > 900 && p < 1100); /* one steady note */
}

static void test_a_small_buffer_is_not_overrun(void **state)
{
    (void)state;
    int16_t small[100];
    memset(small, 0x5A, sizeof small);
    assert_int_equal(sound_synth(SOUND_WELCOME, small, 50), 50);
    for (size_t i = 50; i < 100; i++)
        assert_int_equal(small[i], 0x5A5A);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_none_is_silent),
        cmocka_unit_test(test_each_sound_is_short_bounded_and_clickless),
        cmocka_unit_test(test_welcome_rises_problem_falls_invalid_is_low),
        cmocka_unit_test(test_a_small_buffer_is_not_overrun),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
