/* The records Borne deals with, as plain fixed-size structs.
**
** Every text field is UTF-8, NUL-terminated, and has a compile-time maximum in bytes: a value
** that comes from outside (server, file, keyboard) is checked against it before it is copied.
** Times are Unix seconds (UTC); the clock they come from is not trusted (see DESIGN.md), so a
** record also carries the device's sequence number. */
#ifndef BORNE_CORE_MODEL_H
#define BORNE_CORE_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#define BORNE_ID_MAX 40          /* ids are short ASCII strings, UUIDs at most (36 + NUL) */
#define BORNE_TITLE_MAX 160      /* bytes */
#define BORNE_DESC_MAX 1200      /* bytes */
#define BORNE_ROOM_MAX 64        /* bytes */
#define BORNE_ORGANISER_MAX 96   /* bytes */
#define BORNE_GROUP_MAX 96       /* bytes */
#define BORNE_NAME_MAX_CHARS 50  /* code points a visitor may type in a name */
#define BORNE_NAME_MAX 204       /* bytes: 50 code points of up to 4 bytes, + NUL */
#define BORNE_EMAIL_MAX_CHARS 80 /* a kiosk keyboard is no place for longer addresses */
#define BORNE_EMAIL_MAX 324      /* bytes */
#define BORNE_PHONE_MAX_CHARS 20
#define BORNE_PHONE_MAX 84
#define BORNE_SHORT_CODE_LEN 9 /* characters of a ticket's short code, without the dash */
#define BORNE_SHORT_CODE_MAX 12
#define BORNE_PAYLOAD_MAX 256 /* a ticket's signed QR payload, ASCII, + NUL */

enum session_kind {
    SESSION_WORKSHOP = 0,   /* "atelier": hands-on, small group */
    SESSION_CONFERENCE = 1, /* talk in the conference space */
    SESSION_THEMATIC = 2,   /* part of a thematic day */
    SESSION_COACHING = 3,   /* one-to-one slot */
};
#define SESSION_KIND_COUNT 4

struct room {
    char id[BORNE_ID_MAX];
    char name[BORNE_ROOM_MAX];
};

/* One session of the catalogue, as the kiosk knows it. seats_taken counts every confirmed
** registration the kiosk knows of (its own and, after sync, everybody else's). */
struct session {
    char id[BORNE_ID_MAX];
    char title[BORNE_TITLE_MAX];
    char description[BORNE_DESC_MAX];
    enum session_kind kind;
    char room_id[BORNE_ID_MAX];
    char room_name[BORNE_ROOM_MAX];      /* filled by queries from the rooms table */
    char organiser[BORNE_ORGANISER_MAX]; /* empty: run by the centre itself */
    int64_t starts_at;
    int64_t ends_at;
    int capacity;
    int seats_taken;
    char reserved_for[BORNE_GROUP_MAX]; /* empty: open to walk-in visitors */
    bool cancelled;
};

enum registration_status {
    REGISTRATION_CONFIRMED = 0,
    REGISTRATION_WAITLIST = 1,
    REGISTRATION_CANCELLED = 2,
};

/* What the kiosk asks the store to record. The caller makes the ids and the short code
** (random, see firmware/ticket); the store checks the session and the seats. */
struct registration_request {
    char registration_id[BORNE_ID_MAX];
    char event_id[BORNE_ID_MAX]; /* the outbox event's permanent id */
    char session_id[BORNE_ID_MAX];
    char first_name[BORNE_NAME_MAX];
    char last_name[BORNE_NAME_MAX];
    char email[BORNE_EMAIL_MAX]; /* empty when not given */
    char phone[BORNE_PHONE_MAX]; /* empty when not given */
    char short_code[BORNE_SHORT_CODE_MAX];
    int64_t now; /* device wall clock */

    /* The ticket, recorded in the same transaction ("" ticket_id: none, as in early tests). */
    char ticket_id[BORNE_ID_MAX];
    char payload[BORNE_PAYLOAD_MAX]; /* signed by this kiosk (firmware/ticket/payload.h) */
    /* The same ticket signed with the waiting-list mark, needed when waitlist_ok: the store
    ** decides the status inside its transaction and keeps the payload that says it. */
    char payload_waitlist[BORNE_PAYLOAD_MAX];
    bool print; /* queue a print job for it in the print log */
    /* A visitor who registers once the door is open for the session is checked in at once,
    ** with these ids (see core/checkin.h for the window). */
    char checkin_id[BORNE_ID_MAX];
    char checkin_event_id[BORNE_ID_MAX];
    int checkin_opens_before_s;
    int checkin_closes_after_s;

    /* Where the seat comes from. REGISTRATION_SEAT_LOCAL: a kiosk that is not enrolled decides
    ** alone, on its seat count. REGISTRATION_SEAT_ESCROW: an enrolled kiosk spends a seat of
    ** the allotment the server granted it (a seat the server granted just now was merged into
    ** that allotment first, seat_from_server then says so); with none left, the visitor goes
    ** on the waiting list if waitlist_ok, and the session is full otherwise. */
    int seat_mode;
    bool seat_from_server;
    bool waitlist_ok;
};
#define REGISTRATION_SEAT_LOCAL 0
#define REGISTRATION_SEAT_ESCROW 1

struct registration {
    char id[BORNE_ID_MAX];
    char session_id[BORNE_ID_MAX];
    char first_name[BORNE_NAME_MAX];
    char last_name[BORNE_NAME_MAX];
    char email[BORNE_EMAIL_MAX];
    char phone[BORNE_PHONE_MAX];
    char short_code[BORNE_SHORT_CODE_MAX];
    enum registration_status status;
    int64_t created_at;
    int64_t device_seq;
    /* Filled by store_register() for a new registration only. */
    char ticket_id[BORNE_ID_MAX];
    int64_t checked_in_at; /* 0: not checked in by the registration */
    int64_t print_job_id;  /* 0: no print job queued */
};

/* A ticket as the kiosk holds it: issued here, or (after sync) elsewhere. */
struct ticket {
    char id[BORNE_ID_MAX];
    char registration_id[BORNE_ID_MAX]; /* "" for a ticket without a local registration */
    char session_id[BORNE_ID_MAX];
    char device_id[BORNE_ID_MAX];
    char payload[BORNE_PAYLOAD_MAX];
    char short_code[BORNE_SHORT_CODE_MAX];
    char first_name[BORNE_NAME_MAX];
    bool cancelled;
    bool waitlist; /* no seat yet: on the waiting list (see docs/sync-protocol.md) */
    int64_t issued_at;
};

/* The print log: every ticket sent to the printer, so that nothing is printed twice by
** accident and staff can see what failed. */
enum print_state {
    PRINT_QUEUED = 0,      /* recorded, not handed to the printer yet */
    PRINT_SENT = 1,        /* handed to the printer; the result is not known yet */
    PRINT_DONE = 2,        /* the printer took every byte */
    PRINT_FAILED = 3,      /* not printed (paper out, printer off...): reprint by staff */
    PRINT_INTERRUPTED = 4, /* the kiosk stopped while it was queued or sent: state unknown */
};

struct print_job {
    int64_t id;
    char ticket_id[BORNE_ID_MAX];
    bool reprint;
    enum print_state state;
    int64_t created_at, updated_at;
    char detail[160];
};

#endif
