/* The reducer tests' vocabulary: one call an action, fed to app_reduce() as the loop would.
** Effects are not run: a test checks s->effect, feeds the result back by hand, and calls
** clear_effect() as the loop's "done". Short names on purpose: a test reads as the story of
** a visitor at the kiosk (act, type, scan, tick). */
#ifndef BORNE_TESTS_SUPPORT_APP_H
#define BORNE_TESTS_SUPPORT_APP_H

#include <stddef.h>
#include <stdint.h>

#include "core/app.h"

static inline void reduce(struct app_state *s, struct action a)
{
    app_reduce(s, &a);
}

/* What the loop does after running an effect. */
static inline void clear_effect(struct app_state *s)
{
    s->effect = EFFECT_NONE;
}

static inline void act(struct app_state *s, enum action_kind kind, int arg)
{
    reduce(s, (struct action){.kind = kind, .arg = arg});
}

static inline void load(struct app_state *s, const struct session *cat, size_t n)
{
    reduce(s, (struct action){.kind = ACT_CATALOGUE, .sessions = cat, .n = n});
}

/* The start state with the catalogue cat loaded, as the loop leaves it at now (a wall clock
** time) and now_ms (the monotonic clock), effects done. */
static inline void start_state(struct app_state *s, int64_t now, int64_t now_ms,
                               const struct session *cat, size_t n)
{
    app_init(s, now, now_ms);
    clear_effect(s);
    load(s, cat, n);
    clear_effect(s);
}

static inline void tick(struct app_state *s, int64_t now, int64_t now_ms)
{
    reduce(s, (struct action){.kind = ACT_TICK, .now = now, .now_ms = now_ms});
}

static inline void touch(struct app_state *s, int64_t now_ms)
{
    reduce(s, (struct action){.kind = ACT_TOUCH, .now_ms = now_ms});
}

static inline void type(struct app_state *s, const char *text)
{
    reduce(s, (struct action){.kind = ACT_TEXT, .text = text});
}

static inline void focus(struct app_state *s, enum field f)
{
    reduce(s, (struct action){.kind = ACT_FOCUS, .arg = (int)f});
}

static inline void backspace(struct app_state *s, int times)
{
    for (int i = 0; i < times; i++)
        reduce(s, (struct action){.kind = ACT_BACKSPACE});
}

static inline void scan(struct app_state *s, const char *text)
{
    reduce(s, (struct action){.kind = ACT_SCAN, .text = text});
}

#endif
