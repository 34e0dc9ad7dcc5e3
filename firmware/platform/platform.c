/* Window, hints and clocks. See platform.h. */
#include "platform/platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
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

int64_t platform_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t platform_wall_s(void)
{
    return (int64_t)time(NULL);
}

bool platform_clock_synced(void)
{
    struct timex tx;
    memset(&tx, 0, sizeof tx);
    int state = adjtimex(&tx);
    return state != -1 && state != TIME_ERROR && !(tx.status & STA_UNSYNC);
}

double platform_ms_since_process_start(void)
{
    /* Field 22 of /proc/self/stat is the start time in clock ticks since boot; the comm field
    ** (2) may hold spaces, so count fields from the last ')'. */
    char buf[1024];
    FILE *f = fopen("/proc/self/stat", "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    unsigned long long start = 0;
    int field = 2;
    for (char *tok = strtok(p + 1, " "); tok; tok = strtok(NULL, " ")) {
        if (++field == 22) {
            start = strtoull(tok, NULL, 10);
            break;
        }
    }
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    double now_ms = ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
    return now_ms - (double)start * 1000.0 / (double)sysconf(_SC_CLK_TCK);
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
