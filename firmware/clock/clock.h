/* The clocks: the one place in the kiosk that reads the time.
**
** Every timing rule of the kiosk (a scanner's burst, the staff corner's long press, the idle
** return, a verdict's timeout, the sync backoff, an I/O deadline) takes its time from an event,
** from the loop's clock or from the worker's own loop, and those read it here. Code outside
** this folder never calls clock_gettime() or time() behind its caller's back: under --replay
** the loop's clock is the replay's own, and a replay gives the same result on a busy machine as
** on an idle one. tests/lint_clock.sh fails the build's tests if a read slips in elsewhere.
**
** Its own library, with no dependency, so that the printer, scanner and sync workers (which
** may not see SDL) can use it too. */
#ifndef BORNE_CLOCK_CLOCK_H
#define BORNE_CLOCK_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* Monotonic milliseconds (CLOCK_MONOTONIC: never jumps when the wall clock is set). */
int64_t clock_mono_ms(void);

/* The same instant as a struct timespec on CLOCK_MONOTONIC plus ms, for pthread_cond_timedwait
** on a condition variable made with pthread_condattr_setclock(CLOCK_MONOTONIC). */
struct timespec clock_mono_deadline(int64_t ms);

/* Wall clock, Unix seconds. */
int64_t clock_wall_s(void);

/* Whether the kernel says the system clock is synchronised (NTP), from adjtimex(2). A Pi has
** no battery clock: until this is true, the date may be days off. */
bool clock_wall_synced(void);

/* Monotonic milliseconds with a fraction, for benchmarks only: what they measure is real time
** (tap to frame, scan to verdict); no rule of the kiosk may depend on it. */
double clock_bench_ms(void);

/* Milliseconds since this process was started by the kernel (for start-up benchmarks). */
double clock_ms_since_process_start(void);

#endif
