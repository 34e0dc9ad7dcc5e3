/* The kiosk's private state, shared by the loop (kiosk.c) and the replay runner (replay.c). */
#ifndef BORNE_APP_KIOSK_INT_H
#define BORNE_APP_KIOSK_INT_H

#include <SDL.h>

#include "app/kiosk.h"
#include "client/sync.h"
#include "i18n/i18n.h"
#include "platform/sound.h"
#include "printer/printer.h"
#include "printer/printer_worker.h"
#include "scanner/scanner.h"
#include "render/render.h"
#include "store/store.h"
#include "ticket/payload.h"
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

    /* Tickets (tickets.c). The workers report through SDL events of type ev_worker, so the
    ** loop wakes for them; everything they hand over is freed on this thread. */
    uint8_t secret_key[64]; /* this kiosk's signing key; never logged */
    bool have_key;
    struct printer_uri printer; /* kind PRINTER_NONE: no printer */
    struct printer_worker *pw;
    struct scanner *scanner;
    struct scan_keys keys; /* key presses in the window, read as a scanner would type */
    Uint32 ev_worker;
    struct sound_player *sound;
    enum sound last_sound; /* for replay expectations */
    int jobs_in_flight;    /* print jobs handed to the worker and not reported yet */
    int64_t last_poll_ms;  /* the printer's status was last asked for then */
    /* A scanner seen as a keyboard while a text field has the focus: its keys arrive a few ms
    ** apart, far faster than anybody types. The burst is undone and its Enter swallowed. */
    struct {
        bool seen;        /* a key down came before: last_ms is set */
        int64_t last_ms;  /* when the last key down happened (the event's time) */
        int fast;         /* keys in a row that came faster than a person types */
        size_t start_len; /* characters in the field when the run began */
    } burst;
    unsigned scans_from[2]; /* scans handed over by the evdev and serial readers (replays) */
    /* Sync (sync.c). */
    struct sync_worker *sync; /* NULL when not enrolled */
    bool sync_enrolled;
    Uint32 ev_sync;      /* the worker's and the seat thread's SDL events */
    int seats_in_flight; /* seat requests not answered yet */
    /* Staff panel (staff.c). */
    Uint32 ev_staff;             /* the PIN check's SDL event */
    struct pin_check *pin_check; /* the PIN check under way, on a thread of its own; NULL: none */
    bool corner_held;            /* a press on the start screen's staff corner, not lifted yet */
};

int64_t kiosk_mono_ms(const struct kiosk *k);

/* Whether the wall clock may be wrong (the kernel says it is not synchronised). */
bool kiosk_clock_unsure(const struct kiosk *k);

/* Handle every queued SDL event, then due deadlines, then draw if needed. With wait_ms > 0,
** first block up to that long (or until the state's next deadline) for an event. */
void kiosk_pump(struct kiosk *k, int wait_ms);

/* Apply an action and run the effects it asks for. */
void kiosk_dispatch(struct kiosk *k, struct action a);

/* Lay out and present the current state now. */
void kiosk_draw(struct kiosk *k);

/* Tickets (tickets.c): set up the key, printer, scanners and sound at start; undo at exit. */
void kiosk_tickets_open(struct kiosk *k);
void kiosk_tickets_close(struct kiosk *k);
/* Run EFFECT_CHECKIN, EFFECT_CHECKIN_CODE, EFFECT_PRINT. */
void kiosk_checkin(struct kiosk *k, bool by_code);
void kiosk_print(struct kiosk *k);
/* Sign and fill the ticket part of a registration request. */
enum borne_err kiosk_ticket_prepare(struct kiosk *k, struct registration_request *req);
/* A worker's SDL event (print report, status, scan): turn it into actions. */
void kiosk_worker_event(struct kiosk *k, const SDL_Event *e);
/* Verify a scanned payload against the device keys in st and, if it is a ticket to judge,
** fill req's claim (ids, waiting-list mark, device_revoked). Returns the payload's status:
** PAYLOAD_OK and PAYLOAD_REVOKED_KEY go on to store_checkin(), which decides; any other
** status is the verdict "not valid". *claim holds what the payload said, for the log. Shared
** by the door and by tests/tools/kiosk_sim. */
enum payload_status kiosk_checkin_claim(struct store *st, const char *text,
                                        struct checkin_request *req, struct ticket_claim *claim);
/* Hand a scan to the loop as a scanner device's reader thread does (replays). */
void kiosk_post_scan(struct kiosk *k, const char *code);
/* A key press outside text fields, at now_ms (the event's time): a scanner seen as a keyboard. */
void kiosk_scan_key(struct kiosk *k, const SDL_KeyboardEvent *key, int64_t now_ms);

/* Print ticket CODE again (staff), logged as a reprint; returns the exit code. Needs k->st,
** k->tr and k->printer; no window. */
int kiosk_reprint(struct kiosk *k, const char *code);

/* Sync (sync.c): start the worker if the kiosk is enrolled; stop it. */
void kiosk_sync_open(struct kiosk *k);
void kiosk_sync_close(struct kiosk *k);
/* A registration of an enrolled kiosk: ask the server for the seat on a thread; the answer
** comes back as an ev_sync event and records the registration (kiosk_register_now). Returns
** false when the kiosk works alone: the caller records it at once. */
bool kiosk_sync_register(struct kiosk *k, const struct registration_request *req);
/* What a seat request's answer (err, and reply when err is BORNE_OK) makes of req: an escrow
** registration, its seat granted by the server (merged into the allotment first, with two more
** tries on a busy database), else the allotment's, else the waiting list when the server did
** not answer or its grant could not be recorded. Shared with tests/tools/kiosk_sim. */
void kiosk_seat_answer(struct store *st, enum borne_err err, const struct sync_seat_reply *reply,
                       int64_t now, struct registration_request *req);
/* Record a registration whose ids and ticket are ready, and tell the reducer. */
void kiosk_register_now(struct kiosk *k, struct registration_request *req);
/* An ev_sync event. */
void kiosk_sync_event(struct kiosk *k, const SDL_Event *e);
/* Sync as soon as possible: something was recorded (a registration, a check-in) that other
** doors should learn of, or staff pressed the button. */
void kiosk_sync_now(struct kiosk *k);
/* Make this kiosk's key pair if it has none yet (first start, or `borne enrol` before it).
** Returns false with a line on stderr if the key cannot be read or kept. */
bool kiosk_device_key_ensure(struct store *st);
/* `borne sync` and `borne enrol URL CODE`: exit codes. */
int kiosk_sync_command(const struct kiosk_options *o);
int kiosk_enrol_command(const struct kiosk_options *o, const char *url, const char *code,
                        const char *label);

/* Staff panel (staff.c): set the state's staff fields from the options at start (and say in
** the log whether the panel is on); wait for a PIN check under way at exit. */
void kiosk_staff_open(struct kiosk *k);
void kiosk_staff_close(struct kiosk *k);
/* EFFECT_STAFF_VERIFY: check s->staff.pin on a thread; its ev_staff event answers with
** ACT_PIN_CHECKED. EFFECT_STAFF_LOAD: today's sessions and counts, free disk, clock, as
** ACT_STAFF_DATA. */
void kiosk_staff_verify(struct kiosk *k);
void kiosk_staff_load(struct kiosk *k);
/* An ev_staff event. */
void kiosk_staff_event(struct kiosk *k, const SDL_Event *e);

/* Run the replay script at k->opt.replay_path; returns the exit code. */
int kiosk_replay(struct kiosk *k);

#endif
