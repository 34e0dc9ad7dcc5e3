/* Window, hints and clocks. See platform.h. */
#include "platform/platform.h"

#include "clock/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum borne_err platform_window_open(const struct window_options *opt, SDL_Window **win,
                                    SDL_Renderer **ren, char *errmsg, size_t errmsg_cap)
{
    *win = NULL;
    *ren = NULL;
    SDL_SetHint(SDL_HINT_RENDER_DRIVER, opt->renderer ? opt->renderer : "software");
    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    /* A finger is a finger: SDL must not also send it as a mouse click (a tap would count
    ** twice), nor turn mouse clicks into fingers. */
    SDL_SetHint(SDL_HINT_TOUCH_MOUSE_EVENTS, "0");
    SDL_SetHint(SDL_HINT_MOUSE_TOUCH_EVENTS, "0");
    SDL_SetHint(SDL_HINT_VIDEO_MINIMIZE_ON_FOCUS_LOSS, "0");
    SDL_SetHint(SDL_HINT_IDLE_TIMER_DISABLED, "1");
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
        snprintf(errmsg, errmsg_cap, "SDL: %s", SDL_GetError());
        return BORNE_ERR_CANT_OPEN;
    }
    Uint32 flags = SDL_WINDOW_SHOWN;
    int w = opt->w > 0 ? opt->w : 1280, h = opt->h > 0 ? opt->h : 800;
    if (opt->fullscreen)
        flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
    *win = SDL_CreateWindow("Borne", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w, h, flags);
    if (!*win) {
        snprintf(errmsg, errmsg_cap, "SDL window: %s", SDL_GetError());
        SDL_Quit();
        return BORNE_ERR_CANT_OPEN;
    }
    *ren = SDL_CreateRenderer(*win, -1, 0);
    if (!*ren) {
        snprintf(errmsg, errmsg_cap, "SDL renderer: %s", SDL_GetError());
        SDL_DestroyWindow(*win);
        *win = NULL;
        SDL_Quit();
        return BORNE_ERR_CANT_OPEN;
    }
    if (opt->fullscreen)
        SDL_ShowCursor(SDL_DISABLE); /* a kiosk has no mouse pointer */
    return BORNE_OK;
}

void platform_window_close(SDL_Window *win, SDL_Renderer *ren)
{
    if (ren)
        SDL_DestroyRenderer(ren);
    if (win)
        SDL_DestroyWindow(win);
    SDL_Quit();
}

int64_t platform_event_ms(Uint32 timestamp)
{
    /* SDL stamps an event with SDL_GetTicks() when it queues it; the same distance back from
    ** now on the monotonic clock is when it happened. Unsigned arithmetic survives the 49-day
    ** wrap of a Uint32. */
    Uint32 age = SDL_GetTicks() - timestamp;
    return clock_mono_ms() - (int64_t)age;
}

bool platform_parse_local_time(const char *s, int64_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int y, mo, d, h, mi;
    char tail;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d%c", &y, &mo, &d, &h, &mi, &tail) != 5)
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || y < 2000 || h < 0 || mi < 0)
        return false;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    if (t == (time_t)-1 || tm.tm_mday != d)
        return false; /* 31 February */
    *out = (int64_t)t;
    return true;
}
