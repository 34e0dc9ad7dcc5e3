/* The machine around the kiosk: the SDL window and its renderer, and the clocks.
**
** The renderer choice decides most of the memory budget (DESIGN.md): Borne asks SDL for its
** software renderer unless told otherwise, which on a Pi and under Xvfb costs a few MiB where
** OpenGL through Mesa's software rasteriser costs tens. The clocks are in clock/clock.h. */
#ifndef BORNE_PLATFORM_H
#define BORNE_PLATFORM_H

#include <SDL.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct window_options {
    bool fullscreen;      /* fullscreen on the desktop's resolution */
    int w, h;             /* window size when not fullscreen */
    const char *renderer; /* SDL render driver name; NULL: "software" */
};

/* Set the SDL hints Borne relies on, initialise SDL's video and open the window and its
** renderer. Touch and mouse are kept apart (a touch is never also delivered as a click). On
** failure both out-pointers are NULL and errmsg says why. */
enum borne_err platform_window_open(const struct window_options *opt, SDL_Window **win,
                                    SDL_Renderer **ren, char *errmsg, size_t errmsg_cap);

/* Destroy what platform_window_open() made and quit SDL; NULLs are accepted. */
void platform_window_close(SDL_Window *win, SDL_Renderer *ren);

/* When an input event happened, on clock_mono_ms()'s clock, from the SDL timestamp it carries:
** the time a timing rule (a scanner's burst, a long press) must use, rather than the moment
** the loop got round to it. */
int64_t platform_event_ms(Uint32 timestamp);

/* Parse "YYYY-MM-DDTHH:MM" as local time into Unix seconds; false if malformed. */
bool platform_parse_local_time(const char *s, int64_t *out);

#endif
