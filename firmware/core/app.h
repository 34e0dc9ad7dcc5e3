/* The kiosk's application state and the pure function that applies actions to it.
**
** Everything that happens (a tap on a widget, a typed letter, time passing, a store result)
** arrives as a `struct action`; app_reduce() is the only code that changes the state. It does
** no I/O: when the state needs the outside world (record a registration, reload the
** catalogue), the reducer sets `effect` and the loop in firmware/app runs it and feeds the
** result back as another action. Time enters only through actions, so a replay is
** deterministic and the whole visitor's path is testable without a display or a database. */
#ifndef BORNE_CORE_APP_H
#define BORNE_CORE_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/checkin.h"
#include "core/err.h"
#include "core/model.h"
#include "core/staff.h"

#define APP_CATALOGUE_MAX 512 /* sessions held in memory: the next APP_DAYS days */
#define APP_DAYS 7            /* days offered on the start screen, today included */
#define APP_LATE_GRACE_S 600  /* a session stays open to registration 10 min after its start */
#define APP_DONE_GUARD_MS                                                                          \
    1000 /* taps on the success screen are ignored this long after it shows                        \
          */

enum screen {
    SCREEN_HOME = 0,
    SCREEN_SESSION = 1,   /* one session's details */
    SCREEN_FORM = 2,      /* names and optional contact, on-screen keyboard */
    SCREEN_CONFIRM = 3,   /* check before recording */
    SCREEN_DONE = 4,      /* registered (or already was) */
    SCREEN_FAULT = 5,     /* out of order: ask staff */
    SCREEN_VERDICT = 6,   /* the answer to a scanned ticket or a typed code */
    SCREEN_CODE = 7,      /* "I cannot scan": type the ticket's short code */
    SCREEN_STAFF_PIN = 8, /* staff: the PIN prompt (corner held, or the staff badge scanned) */
    SCREEN_STAFF = 9,     /* staff: the panel (sync, printer, clock, disk, today's sessions) */
};
#define SCREEN_COUNT 10

#define APP_VERDICT_OK_MS 6000   /* a welcome goes back to the start screen after this */
#define APP_VERDICT_BAD_MS 12000 /* a problem stays longer: it must be read */
#define APP_DONE_NO_TICKET_MS                                                                      \
    90000 /* the done screen with a QR to photograph stays longer than the usual 30 s */
#define APP_QR_SIDE_MAX 101 /* QR version 21: far more than a ticket needs */

/* What the kiosk knows of its printer, for the screen. */
enum printer_health {
    PRINTER_HEALTH_NONE = 0, /* no printer configured: tickets are shown on screen */
    PRINTER_HEALTH_UNKNOWN,  /* not heard from yet, or it does not answer status requests */
    PRINTER_HEALTH_OK,
    PRINTER_HEALTH_PAPER_LOW, /* prints; staff should change the roll soon */
    PRINTER_HEALTH_PAPER_OUT,
    PRINTER_HEALTH_OFFLINE, /* off, unplugged, unreachable */
    PRINTER_HEALTH_ERROR,   /* the last job failed */
};

/* The ticket of the registration on SCREEN_DONE. */
enum ticket_phase {
    TICKET_NONE = 0,  /* no ticket (an existing registration: the desk has it) */
    TICKET_PRINTING,  /* handed to the printer */
    TICKET_PRINTED,   /* the printer took it: take it */
    TICKET_FAILED,    /* not printed: the screen shows the QR and the code */
    TICKET_ON_SCREEN, /* no printer at this kiosk: the screen shows the QR and the code */
};

/* The sound the loop should play next (a verdict's), cleared by the loop. */
enum sound { SOUND_NONE = 0, SOUND_WELCOME, SOUND_ALREADY, SOUND_PROBLEM, SOUND_INVALID };

enum lang { LANG_FR = 0, LANG_EN = 1 };
#define LANG_COUNT 2

enum field { FIELD_FIRST = 0, FIELD_LAST = 1, FIELD_EMAIL = 2, FIELD_PHONE = 3 };
#define FIELD_COUNT 4

/* What a person is told on the current screen, besides the screen itself. */
enum notice {
    NOTICE_NONE = 0,
    NOTICE_REQUIRED,  /* the focused field is required */
    NOTICE_TOO_LONG,  /* the field is full */
    NOTICE_BAD_CHAR,  /* a character that cannot stand in a name was refused */
    NOTICE_BAD_EMAIL, /* the e-mail does not look like one */
    NOTICE_BAD_PHONE, /* the phone number does not look like one */
    NOTICE_JUST_FULL, /* the last seat went while the visitor was typing */
    NOTICE_CLOSED,    /* the session closed while the visitor was typing */
    NOTICE_RESERVED,  /* the session is reserved for a group */
    NOTICE_BAD_CODE,  /* a typed short code is incomplete or has a typing error */
};

/* Whether a session can be registered for at a given time, and if not, why. */
enum session_state {
    SESSION_OPEN = 0,
    SESSION_FULL = 1,
    SESSION_RESERVED = 2,
    SESSION_STARTED = 3, /* under way, past the late grace: no more registrations */
    SESSION_OVER = 4,
    SESSION_CANCELLED = 5,
};

enum effect {
    EFFECT_NONE = 0,
    EFFECT_REGISTER,       /* store the registration described by the form */
    EFFECT_LOAD_CATALOGUE, /* read the next APP_DAYS days from the store */
    EFFECT_CHECKIN,        /* verify the scanned payload in s->scan and check it in */
    EFFECT_CHECKIN_CODE,   /* check in the ticket of the short code in s->code */
    EFFECT_PRINT,          /* print the ticket of s->done (job s->done.print_job_id) */
    EFFECT_STAFF_VERIFY,   /* check s->staff.pin against the configured hash, off the UI thread;
                              the answer is ACT_PIN_CHECKED */
    EFFECT_STAFF_LOAD,     /* read the panel's data (today's sessions, disk): ACT_STAFF_DATA */
    EFFECT_SYNC_NOW,       /* the staff button: start a sync cycle now */
};

enum action_kind {
    ACT_TICK = 0,        /* time passed: now, now_ms */
    ACT_TOUCH,           /* any touch or key: the visitor is there (resets the idle timer) */
    ACT_HOME,            /* back to the start screen, forgetting the form */
    ACT_BACK,            /* one screen back */
    ACT_SET_LANG,        /* arg: enum lang */
    ACT_TOGGLE_LARGE,    /* large text on/off */
    ACT_TOGGLE_CONTRAST, /* high contrast on/off */
    ACT_SELECT_DAY,      /* arg: day index 0..APP_DAYS-1 */
    ACT_PAGE,            /* arg: +1 or -1 */
    ACT_OPEN_SESSION,    /* arg: index in catalogue */
    ACT_START_FORM,      /* "Je m'inscris" */
    ACT_FOCUS,           /* arg: enum field */
    ACT_TEXT,            /* text: UTF-8 typed into the focused field */
    ACT_BACKSPACE,       /* erase one character of the focused field */
    ACT_SHIFT,           /* next letter in capitals (or back to small letters) */
    ACT_ACCENTS,         /* show the accented letters (small screens), or back */
    ACT_SUBMIT_FORM,     /* "Continuer": check the form, go to confirmation */
    ACT_CONFIRM,         /* "Confirmer": record the registration */
    ACT_REGISTERED,      /* effect result: err, reg (NULL if err is not OK/ALREADY) */
    ACT_CATALOGUE,       /* effect result: sessions, n */
    ACT_FAULT,           /* text: reason for staff; the kiosk is out of order */
    ACT_SCAN,            /* text: what a scanner read (any source) */
    ACT_CHECKED_IN,      /* effect result: err, checkin (NULL if err is not OK); arg: the
                            clock is not synchronised */
    ACT_OPEN_CODE,       /* "Je n'arrive pas à scanner": the short code screen */
    ACT_SUBMIT_CODE,     /* "Valider" on the short code screen */
    ACT_TICKET_QR,       /* the QR of the ticket on SCREEN_DONE: qr, arg = side */
    ACT_PRINTED,         /* a print job ended: id, err (OK = printed) */
    ACT_PRINTER,         /* arg: enum printer_health (status poll or job report) */
    ACT_CODE_REFUSED,    /* effect result: the typed code's check character is wrong */
    ACT_SYNC_STATUS,     /* the sync worker's state changed: sync (copied) */
    ACT_STAFF_HOLD,      /* arg 1: a finger went down on the staff corner of the start screen;
                            arg 0: it was lifted; -1: it was lost (now_ms: when) */
    ACT_PIN_DIGIT,       /* arg: 0..9, a key of the PIN keypad */
    ACT_PIN_SUBMIT,      /* "OK" on the PIN keypad */
    ACT_PIN_CHECKED,     /* effect result: arg 1 the PIN was right, 0 wrong; err not OK: it
                            could not be checked (no try counted) */
    ACT_STAFF_DATA,      /* effect result: staff (copied) */
    ACT_STAFF_TAB,       /* arg: enum staff_tab */
    ACT_SYNC_NOW,        /* "Synchroniser maintenant" */
};

/* What the staff panel shows of sync, as the loop last heard it from the sync worker. */
struct sync_view {
    bool enrolled;           /* the kiosk has a server; false: it works alone */
    bool online;             /* the last attempt reached the server */
    bool running;            /* a sync is under way */
    int progress;            /* events sent or tickets received so far in it */
    int64_t last_success_at; /* wall clock; 0: never */
    int64_t last_attempt_at; /* wall clock; 0: never */
    int pending;             /* events waiting to be sent */
    int refused;             /* events the server refused */
    int last_err;            /* enum borne_err of the last attempt (0: it worked) */
    char last_error[200];    /* its detail, English, for staff */
    char site_name[96];
};

struct action {
    enum action_kind kind;
    int arg;
    int64_t now;    /* wall clock, Unix seconds (ACT_TICK) */
    int64_t now_ms; /* monotonic milliseconds (ACT_TICK, ACT_TOUCH) */
    const char *text;
    enum borne_err err;
    const struct registration *reg;
    const struct session *sessions;
    size_t n;
    const struct checkin_result *checkin;
    const uint8_t *qr; /* arg * arg modules, 1 = dark */
    int64_t id;
    const struct sync_view *sync;
    const struct staff_data *staff;
};

/* The panel's pages: on a 800 x 480 screen everything would not fit on one. */
enum staff_tab { STAFF_TAB_SYNC = 0, STAFF_TAB_KIOSK = 1, STAFF_TAB_SESSIONS = 2 };
#define STAFF_TAB_COUNT 3

/* The staff panel and its PIN prompt. enabled and badge come from the configuration; the rest
** is forgotten when the panel closes, except the lock, which must outlive a closed prompt. */
struct staff_state {
    bool enabled;                /* a PIN hash is configured: the corner and the badge work */
    char badge[STAFF_BADGE_MAX]; /* the staff badge's text; "": no badge */
    bool holding;                /* a finger is on the corner, since hold_since_ms */
    int64_t hold_since_ms;
    char pin[STAFF_PIN_MAX + 1]; /* digits typed so far */
    bool checking;               /* EFFECT_STAFF_VERIFY is under way: keys wait */
    bool wrong;                  /* the last PIN was wrong (the prompt says so) */
    struct staff_lock lock;
    int64_t locked_until; /* wall clock, for the screen: "locked until 14:07" */
    enum staff_tab tab;
    int page;                 /* page of today's sessions */
    bool loaded;              /* data holds what the effect read */
    struct staff_data data;   /* today's sessions, disk, clock */
    bool sync_asked;          /* the sync button was pressed while the panel is open */
    bool sync_ran;            /* and a cycle has been seen running since */
    int64_t sync_asked_after; /* s->sync.last_attempt_at when it was pressed */
};

struct form {
    char value[FIELD_COUNT][BORNE_EMAIL_MAX]; /* the largest field's size fits all */
    enum field focus;
    bool shift;   /* next letter in capitals */
    bool accents; /* a small screen shows the accented letters instead of the plain ones */
};

/* The whole state of the kiosk's screen. One instance, owned by the loop. */
struct app_state {
    enum screen screen;
    enum lang lang;
    enum lang default_lang; /* what a new visitor finds (configuration); idle restores it */
    bool large_text;
    bool high_contrast;

    int64_t now;                   /* wall clock, Unix seconds: what the visitor sees */
    int64_t now_ms;                /* monotonic clock, for deadlines */
    int64_t last_touch_ms;         /* the idle timer counts from here */
    int idle_timeout_ms;           /* back to the start screen after this long without a touch */
    int done_timeout_ms;           /* the success screen goes sooner: it shows a name */
    int64_t catalogue_valid_until; /* wall clock at which a session changes state */
    int purge_days;                /* said on the form: personal data is deleted after this */
    int64_t done_at_ms;            /* when SCREEN_DONE appeared: a double tap must not skip it */

    struct session catalogue[APP_CATALOGUE_MAX]; /* sessions of the next APP_DAYS days */
    size_t n_sessions;
    int day;      /* day tab selected on the start screen, 0 = today */
    int page;     /* page of tiles within that day */
    int selected; /* index in catalogue of the open session, -1 if none */

    struct form form;
    enum notice notice;

    enum effect effect;       /* what the loop must do next; it clears it */
    bool registering;         /* EFFECT_REGISTER is under way (a seat asked of the server) */
    struct registration done; /* the registration shown on SCREEN_DONE */
    bool done_existing;       /* it existed already (same person, same session) */
    char fault[160];          /* why the kiosk is out of order, for staff */

    /* Tickets and printing. */
    enum printer_health printer;
    enum ticket_phase ticket;                      /* of s->done */
    uint8_t qr[APP_QR_SIDE_MAX * APP_QR_SIDE_MAX]; /* of s->done's ticket, for the screen */
    int qr_side;                                   /* 0: none */

    /* Check-in. */
    char scan[BORNE_PAYLOAD_MAX];    /* the scan being checked (EFFECT_CHECKIN) */
    char code[BORNE_SHORT_CODE_MAX]; /* the short code being typed, without dashes */
    struct checkin_result verdict;   /* shown on SCREEN_VERDICT */
    int64_t verdict_at_ms;           /* when it appeared */
    struct checkin_window checkin_window;
    bool clock_unsure; /* the system clock is not synchronised: time-based verdicts say so */
    enum sound sound;  /* to play; the loop clears it */

    /* Sync, for the staff panel. */
    struct sync_view sync;

    struct staff_state staff;

    unsigned version; /* changes whenever something on screen may change: render when it does */
};

/* Start state: start screen, French, timeouts set, an empty catalogue with a load requested. */
void app_init(struct app_state *s, int64_t now, int64_t now_ms);

/* Apply one action. Pure: no I/O, no clock, no allocation. */
void app_reduce(struct app_state *s, const struct action *a);

/* The monotonic time (ms) at which the state wants an ACT_TICK: the idle return, a session
** changing state, or at the latest the next local midnight (the date on screen changes). The
** loop sleeps until then. */
int64_t app_next_deadline_ms(const struct app_state *s);

/* Whether the session can be registered for at time now, and if not, why. */
enum session_state session_state_at(const struct session *ses, int64_t now);

/* Seats left, never negative. */
int session_seats_left(const struct session *ses);

/* Local midnight of the day `day` days after the one holding `now` (DST-safe). */
int64_t app_day_start(int64_t now, int day);

/* Indices in s->catalogue of the sessions on day tab `day`; returns the count written. */
size_t app_sessions_of_day(const struct app_state *s, int day, int *out, size_t cap);

#endif
