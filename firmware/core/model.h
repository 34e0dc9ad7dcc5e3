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
};

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
};

#endif
