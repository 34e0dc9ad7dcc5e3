/* The kiosk's private state, shared by the loop (kiosk.c) and the replay runner (replay.c). */
#ifndef BORNE_APP_KIOSK_INT_H
#define BORNE_APP_KIOSK_INT_H

#include <SDL.h>

#include "app/kiosk.h"
#include "i18n/i18n.h"
#include "render/render.h"
#include "store/store.h"
#include "ui/ui.h"

struct kiosk {
    struct kiosk_options opt;
    struct app_state *state;  /* the one application state */
    struct session *load_buf; /* where a catalogue read lands before ACT_CATALOGUE */
    struct i18n *tr;
    struct draw_list *dl;
    struct ui ui;
    SDL_Window *win;
    SDL_Renderer *sdl;
    struct renderer *rd;
    struct store *st;

    bool virtual_clock;    /* replay: time moves only when the script says "wait" */
    int64_t virt_ms;       /* the virtual monotonic clock */
    int64_t wall_at_start; /* wall clock (s) when mono was mono_at_start */
    int64_t mono_at_start;

    unsigned drawn_version; /* state version on screen; draw when it differs */
    bool need_draw;         /* something besides the state changed (press, expose) */
    unsigned long frames;   /* frames presented, reported at exit */
    bool touching;          /* a finger or button is down */
    SDL_FingerID finger;    /* the finger being followed; others are ignored */
    bool quit;
};

int64_t kiosk_mono_ms(const struct kiosk *k);

/* Handle every queued SDL event, then due deadlines, then draw if needed. With wait_ms > 0,
** first block up to that long (or until the state's next deadline) for an event. */
void kiosk_pump(struct kiosk *k, int wait_ms);

/* Apply an action and run the effects it asks for. */
void kiosk_dispatch(struct kiosk *k, struct action a);

/* Lay out and present the current state now. */
void kiosk_draw(struct kiosk *k);

/* Run the replay script at k->opt.replay_path; returns the exit code. */
int kiosk_replay(struct kiosk *k);

#endif
