/* The sync worker's schedule (sync_next_delay_ms): pure, so its rules are checked here without
** a clock or a thread. After a success the interval; after a failure a backoff from 5 s
** doubling to 5 min with ±20 % jitter; after a refused token 5 min. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "client/sync.h"

/* The lowest and highest delay random bits can give around base: base ±20 %. */
static void assert_jittered(long delay, long base)
{
    assert_true(delay >= base - base / 5);
    assert_true(delay <= base + base / 5);
}

static void test_success_waits_the_interval(void **state)
{
    (void)state;
    long backoff = 40000;
    assert_int_equal(sync_next_delay_ms(BORNE_OK, 60000, &backoff, 12345), 60000);
    assert_int_equal(backoff, 0); /* a success forgets the failures before it */
    assert_int_equal(sync_next_delay_ms(BORNE_OK, 0, &backoff, 0), 180000);
}

static void test_failures_back_off_doubling_to_five_minutes(void **state)
{
    (void)state;
    const long expect[] = {5000, 10000, 20000, 40000, 80000, 160000, 300000, 300000};
    long backoff = 0;
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        long d = sync_next_delay_ms(BORNE_ERR_NETWORK, 60000, &backoff, (uint32_t)(i * 7919u));
        assert_int_equal(backoff, expect[i]);
        assert_jittered(d, expect[i]);
    }
    /* Back online: the interval again, and the next failure starts at 5 s. */
    assert_int_equal(sync_next_delay_ms(BORNE_OK, 60000, &backoff, 0), 60000);
    sync_next_delay_ms(BORNE_ERR_SERVER, 60000, &backoff, 0);
    assert_int_equal(backoff, 5000);
}

static void test_jitter_spans_both_sides(void **state)
{
    (void)state;
    long backoff = 0;
    assert_int_equal(sync_next_delay_ms(BORNE_ERR_NETWORK, 0, &backoff, 0), 4000);
    backoff = 0;
    /* 2 * 1000 + 1 values: random 2000 is the top of the span. */
    assert_int_equal(sync_next_delay_ms(BORNE_ERR_NETWORK, 0, &backoff, 2000), 6000);
    backoff = 0;
    assert_jittered(sync_next_delay_ms(BORNE_ERR_NETWORK, 0, &backoff, UINT32_MAX), 5000);
    /* Two kiosks failing together with other random bits do not retry together. */
    long a = 0, b = 0;
    assert_true(sync_next_delay_ms(BORNE_ERR_NETWORK, 0, &a, 17) !=
                sync_next_delay_ms(BORNE_ERR_NETWORK, 0, &b, 1017));
}

static void test_unauthorized_looks_again_every_five_minutes(void **state)
{
    (void)state;
    long backoff = 10000;
    assert_int_equal(sync_next_delay_ms(BORNE_ERR_UNAUTHORIZED, 60000, &backoff, 999), 300000);
    assert_int_equal(backoff, 10000); /* not a network failure: the backoff is left alone */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_success_waits_the_interval),
        cmocka_unit_test(test_failures_back_off_doubling_to_five_minutes),
        cmocka_unit_test(test_jitter_spans_both_sides),
        cmocka_unit_test(test_unauthorized_looks_again_every_five_minutes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
