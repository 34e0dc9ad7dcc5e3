/* The sync protocol's codec: the JSON bodies of docs/sync-protocol.md, as C structs.
**
** Pure: no I/O, no clock, no global state; shared by the kiosk's client and borne-server. JSON is
** read and written by cJSON, never by hand. Every decoder takes the raw body (not necessarily
** NUL-terminated) and its length, refuses a body over SYNC_BODY_MAX, and checks every member it
** reads: its type, that an integer has no fraction and fits ±2^53, that a text is valid UTF-8
** without NUL and fits its field (a longer text is refused, never cut), that an id is printable
** ASCII. Unknown members are ignored.
**
** Errors of every function: BORNE_ERR_INVALID when the input breaks a rule, with a message that
** names the member ("events[3].session_id: expected a string") copied into why (at most why_cap
** bytes, always terminated; why may be NULL); BORNE_ERR_NOMEM when an allocation failed. On
** failure the out-structure is left zeroed and owns nothing.
**
** Encoders write a new NUL-terminated string to *out (free with free()), its length to *len. */
#ifndef BORNE_SYNC_PROTOCOL_H
#define BORNE_SYNC_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/model.h"

#define SYNC_PROTOCOL_VERSION 1
#define SYNC_BODY_MAX (8u * 1024u * 1024u) /* bytes of a request or a reply */
#define SYNC_PUSH_BATCH_MAX 500            /* events in one push */
#define SYNC_PULL_LIMIT_MAX 2000           /* tickets in one pull page */
#define SYNC_USED_MAX 4000                 /* entries of a pull request's "used" */
#define SYNC_PULL_CATALOGUE_MAX 20000      /* rooms, sessions, allotments or keys in one reply */
#define SYNC_CODE_MAX 32                   /* an enrolment code as typed */
#define SYNC_TOKEN_MAX 72                  /* a device token: 64 hex digits + NUL */
#define SYNC_KEY_TEXT_MAX 45               /* base64 of a 32-byte public key + NUL */
#define SYNC_LABEL_MAX 96                  /* a kiosk's label, UTF-8 bytes */
#define SYNC_SITE_NAME_MAX 96
#define SYNC_CURSOR_MAX 96
#define SYNC_KIND_MAX 32   /* an event kind, "registration.created" */
#define SYNC_REASON_MAX 32 /* a machine-readable reason or error code */
#define SYNC_MESSAGE_MAX 256

/* ---- errors ("error" and "message" of any non-200 reply) --------------------------------- */

struct sync_error {
    char error[SYNC_REASON_MAX];    /* "bad_request", "bad_token", "revoked"... */
    char message[SYNC_MESSAGE_MAX]; /* for logs and staff, English */
};

enum borne_err sync_error_encode(const struct sync_error *e, char **out, size_t *len);
enum borne_err sync_error_decode(const char *body, size_t len, struct sync_error *out, char *why,
                                 size_t why_cap);

/* ---- enrolment --------------------------------------------------------------------------- */

struct sync_enrol_request {
    char code[SYNC_CODE_MAX];
    char device_id[BORNE_ID_MAX];
    char public_key[SYNC_KEY_TEXT_MAX]; /* ticket_public_key_format()'s text; checked by the server
                                         */
    char label[SYNC_LABEL_MAX];         /* may be empty */
};

struct sync_enrol_reply {
    char device_id[BORNE_ID_MAX];
    char token[SYNC_TOKEN_MAX];
    char site_id[BORNE_ID_MAX];
    char site_name[SYNC_SITE_NAME_MAX];
    int64_t server_time;
};

enum borne_err sync_enrol_request_encode(const struct sync_enrol_request *r, char **out,
                                         size_t *len);
enum borne_err sync_enrol_request_decode(const char *body, size_t len,
                                         struct sync_enrol_request *out, char *why, size_t why_cap);
enum borne_err sync_enrol_reply_encode(const struct sync_enrol_reply *r, char **out, size_t *len);
enum borne_err sync_enrol_reply_decode(const char *body, size_t len, struct sync_enrol_reply *out,
                                       char *why, size_t why_cap);

/* ---- push -------------------------------------------------------------------------------- */

/* An outbox row as the kiosk holds it: the data is already JSON text (SQLite's json_object()).
** Used to encode a push request without decoding the data first. */
struct sync_outbox_row {
    const char *id;
    const char *kind;
    int64_t seq;
    int64_t created_at;
    const char *data_json; /* a JSON object; the encoder fails with BORNE_ERR_INVALID if not */
};

/* Encode a push request of n rows (1 to SYNC_PUSH_BATCH_MAX). */
enum borne_err sync_push_request_encode(const char *device_id, const struct sync_outbox_row *rows,
                                        size_t n, char **out, size_t *len);

enum sync_event_kind {
    SYNC_EVENT_UNKNOWN = 0, /* a kind this codec does not know: answered refused/unknown_kind */
    SYNC_EVENT_REGISTRATION = 1,
    SYNC_EVENT_CHECKIN = 2,
    SYNC_EVENT_TICKET_CANCELLED = 3,
};

/* Where a registration's seat came from ("seat" member). */
enum sync_seat {
    SYNC_SEAT_NONE = 0,      /* "none": a waitlist registration */
    SYNC_SEAT_SERVER = 1,    /* "server": granted by /v1/seat just before */
    SYNC_SEAT_ALLOTMENT = 2, /* "allotment": spent from the escrow */
    SYNC_SEAT_LOCAL = 3,     /* "local": the kiosk was not enrolled at the time */
};

struct sync_registration_data {
    char registration_id[BORNE_ID_MAX];
    char session_id[BORNE_ID_MAX];
    char first_name[BORNE_NAME_MAX];
    char last_name[BORNE_NAME_MAX];
    char email[BORNE_EMAIL_MAX]; /* "" for JSON null */
    char phone[BORNE_PHONE_MAX]; /* "" for JSON null */
    char short_code[BORNE_SHORT_CODE_MAX];
    enum registration_status status; /* "confirmed" or "waitlist" only */
    enum sync_seat seat;
    int64_t created_at;
    int64_t device_seq;
    char device_id[BORNE_ID_MAX];
    char ticket_id[BORNE_ID_MAX]; /* may be "" (a registration made before tickets) */
    char ticket_payload[BORNE_PAYLOAD_MAX];
};

struct sync_checkin_data {
    char checkin_id[BORNE_ID_MAX];
    char ticket_id[BORNE_ID_MAX];
    char session_id[BORNE_ID_MAX];
    char device_id[BORNE_ID_MAX];
    int64_t checked_at;
    int64_t device_seq;
};

struct sync_cancel_data {
    char ticket_id[BORNE_ID_MAX];
    char device_id[BORNE_ID_MAX];
    int64_t cancelled_at;
    int64_t device_seq;
};

/* One decoded event. For SYNC_EVENT_UNKNOWN only id, kind_name, seq and created_at are set. */
struct sync_event {
    char id[BORNE_ID_MAX];
    char kind_name[SYNC_KIND_MAX];
    enum sync_event_kind kind;
    int64_t seq;
    int64_t created_at;
    union {
        struct sync_registration_data registration;
        struct sync_checkin_data checkin;
        struct sync_cancel_data cancel;
    } u;
};

struct sync_push_request {
    char device_id[BORNE_ID_MAX];
    struct sync_event *events; /* owned, n_events entries; free with sync_push_request_free() */
    size_t n_events;           /* 1 to SYNC_PUSH_BATCH_MAX */
};

enum borne_err sync_push_request_decode(const char *body, size_t len, struct sync_push_request *out,
                                        char *why, size_t why_cap);
void sync_push_request_free(struct sync_push_request *r);

enum sync_result_status {
    SYNC_APPLIED = 0,   /* "applied" */
    SYNC_DUPLICATE = 1, /* "duplicate" */
    SYNC_REFUSED = 2,   /* "refused" */
};

struct sync_push_result {
    char id[BORNE_ID_MAX];
    enum sync_result_status status;
    char reason[SYNC_REASON_MAX]; /* refused only: "unknown_kind", "unknown_session"... */
    /* A registration's: what the server made of it. -1 when absent (other kinds). */
    int registration_status; /* enum registration_status, or -1 */
    bool flagged;            /* a check-in's: a second check-in of the same ticket */
};

struct sync_push_reply {
    int64_t server_time;
    struct sync_push_result *results; /* owned; free with sync_push_reply_free() */
    size_t n_results;                 /* at most SYNC_PUSH_BATCH_MAX */
};

enum borne_err sync_push_reply_encode(const struct sync_push_reply *r, char **out, size_t *len);
enum borne_err sync_push_reply_decode(const char *body, size_t len, struct sync_push_reply *out,
                                      char *why, size_t why_cap);
void sync_push_reply_free(struct sync_push_reply *r);

/* ---- seat -------------------------------------------------------------------------------- */

struct sync_seat_request {
    char request_id[BORNE_ID_MAX];
    char session_id[BORNE_ID_MAX];
};

/* The two counters of a kiosk's allotment for a session; they only grow (see the protocol). */
struct sync_allotment {
    char session_id[BORNE_ID_MAX];
    int64_t granted;
    int64_t returned; /* returned <= granted */
};

struct sync_seat_reply {
    bool granted;
    char reason[SYNC_REASON_MAX];    /* "" when granted; "full", "cancelled", "closed"... */
    struct sync_allotment allotment; /* session_id names the session */
    int64_t seats_taken;
    int64_t capacity;
};

enum borne_err sync_seat_request_encode(const struct sync_seat_request *r, char **out, size_t *len);
enum borne_err sync_seat_request_decode(const char *body, size_t len, struct sync_seat_request *out,
                                        char *why, size_t why_cap);
enum borne_err sync_seat_reply_encode(const struct sync_seat_reply *r, char **out, size_t *len);
enum borne_err sync_seat_reply_decode(const char *body, size_t len, struct sync_seat_reply *out,
                                      char *why, size_t why_cap);

/* ---- pull -------------------------------------------------------------------------------- */

struct sync_used {
    char session_id[BORNE_ID_MAX];
    int64_t used;
};

struct sync_pull_request {
    char cursor[SYNC_CURSOR_MAX]; /* "" the first time */
    int limit;                    /* 1 to SYNC_PULL_LIMIT_MAX */
    struct sync_used *used;       /* owned; n_used entries, at most SYNC_USED_MAX */
    size_t n_used;
};

/* A ticket as the server sends it (struct ticket has no waitlist state). */
struct sync_ticket {
    char id[BORNE_ID_MAX];
    char registration_id[BORNE_ID_MAX]; /* may be "" */
    char session_id[BORNE_ID_MAX];
    char device_id[BORNE_ID_MAX];
    char payload[BORNE_PAYLOAD_MAX];
    char short_code[BORNE_SHORT_CODE_MAX];
    char first_name[BORNE_NAME_MAX];
    enum registration_status status; /* "confirmed", "waitlist", "cancelled" */
    int64_t issued_at;
};

struct sync_device_key {
    char device_id[BORNE_ID_MAX];
    char public_key[SYNC_KEY_TEXT_MAX]; /* base64 text, as ticket_public_key_parse() reads */
    int64_t revoked_at;                 /* 0: not revoked */
};

/* Every array is owned by the reply (free with sync_pull_reply_free()); each holds at most
** SYNC_PULL_CATALOGUE_MAX entries, tickets at most SYNC_PULL_LIMIT_MAX. In sessions, room_name
** is left empty (rooms come apart). */
struct sync_pull_reply {
    int64_t server_time;
    char cursor[SYNC_CURSOR_MAX];
    bool more;
    char site_id[BORNE_ID_MAX];
    char site_name[SYNC_SITE_NAME_MAX];
    struct room *rooms;
    size_t n_rooms;
    struct session *sessions;
    size_t n_sessions;
    struct sync_allotment *allotments;
    size_t n_allotments;
    struct sync_ticket *tickets;
    size_t n_tickets;
    struct sync_device_key *keys;
    size_t n_keys;
};

enum borne_err sync_pull_request_encode(const struct sync_pull_request *r, char **out, size_t *len);
enum borne_err sync_pull_request_decode(const char *body, size_t len, struct sync_pull_request *out,
                                        char *why, size_t why_cap);
void sync_pull_request_free(struct sync_pull_request *r);
enum borne_err sync_pull_reply_encode(const struct sync_pull_reply *r, char **out, size_t *len);
enum borne_err sync_pull_reply_decode(const char *body, size_t len, struct sync_pull_reply *out,
                                      char *why, size_t why_cap);
void sync_pull_reply_free(struct sync_pull_reply *r);

/* ---- names ------------------------------------------------------------------------------- */

/* The protocol's words for enums ("confirmed", "waitlist", "cancelled"; "none", "server",
** "allotment", "local"; "applied", "duplicate", "refused"), and back. The parsers return false
** for an unknown word. */
const char *sync_registration_status_name(enum registration_status s);
bool sync_registration_status_parse(const char *word, enum registration_status *out);
const char *sync_seat_name(enum sync_seat s);
bool sync_seat_parse(const char *word, enum sync_seat *out);
const char *sync_result_status_name(enum sync_result_status s);

#endif
