/* The kiosk's local store: one SQLite file, the only code in Borne that includes sqlite3.h.
**
** Durability contract (DESIGN.md, "Nothing acknowledged is ever lost"): the database runs in
** WAL mode with synchronous=FULL and foreign keys on. Every action a visitor is told is done (a
** registration, later a check-in) is written in one transaction together with its outbox event;
** when a function below returns BORNE_OK, COMMIT has returned and the data survives a power cut.
**
** The schema is versioned (PRAGMA user_version) and migrated forward on open, each migration in
** its own transaction. It already holds the tables the later issues need (tickets, check-ins,
** device keys, seat allotments, sync state) so that they are designed once.
**
** A handle is used by one thread at a time. Errors: the return value is the status; the detail
** (SQLite's message and what was being done) is kept on the handle, see store_errmsg(). */
#ifndef BORNE_STORE_H
#define BORNE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/checkin.h"
#include "core/err.h"
#include "core/model.h"
#include "protocol/protocol.h"

struct store;

/* Open (creating and migrating if needed) the database at path.
** On success *out is a new handle owned by the caller; free it with store_close().
** On failure *out is NULL and, when errmsg is not NULL, a readable reason is copied into
** errmsg (at most errmsg_cap bytes, always terminated). Errors: BORNE_ERR_CANT_OPEN (no such
** folder, no permission), BORNE_ERR_CORRUPT (not a database, or damaged), BORNE_ERR_TOO_NEW
** (a newer schema), BORNE_ERR_DISK_FULL, BORNE_ERR_READ_ONLY, BORNE_ERR_BUSY. */
enum borne_err store_open(const char *path, struct store **out, char *errmsg, size_t errmsg_cap);

/* Close the handle; NULL is accepted. */
void store_close(struct store *st);

/* The detail of the last error on this handle ("" if none). Borrowed: valid until the next
** call on the handle. */
const char *store_errmsg(const struct store *st);

/* This kiosk's permanent device id, made at first open. Borrowed, valid while st is open. */
const char *store_device_id(const struct store *st);

/* Insert or update rooms and sessions in one transaction (catalogue import, demo, later sync).
** A session's seats_taken is kept from the argument. Rooms must exist for the sessions' room_id
** (in the database or in rooms[]). */
enum borne_err store_catalogue_put(struct store *st, const struct room *rooms, size_t n_rooms,
                                   const struct session *sessions, size_t n_sessions);

/* How many sessions the catalogue holds (all of them, past included). */
enum borne_err store_session_count(struct store *st, int *out);

/* The sessions that have not ended at time `from` and start before `until`, cancelled ones
** excluded, ordered by start time then title, room_name filled in. At most cap are written to
** out; *n_out is the number written. */
enum borne_err store_sessions_between(struct store *st, int64_t from, int64_t until,
                                      struct session *out, size_t cap, size_t *n_out);

/* One session by id. BORNE_ERR_NOT_FOUND if there is none. */
enum borne_err store_session_get(struct store *st, const char *id, struct session *out);

/* Register a visitor for a session, in one transaction with its outbox event:
** - the session must exist (BORNE_ERR_NOT_FOUND), not be cancelled, ended or under way past
**   its late grace at req->now (APP_LATE_GRACE_S after its start: BORNE_ERR_SESSION_CLOSED),
**   nor be reserved for a group (BORNE_ERR_SESSION_RESERVED);
** - if the same person (same first name and name, compared without case and accents, spaces
**   folded) already holds a registration that is not cancelled for that session, nothing is
**   written, *out is that registration and the result is BORNE_ERR_ALREADY_REGISTERED;
** - if no seat is left, BORNE_ERR_SESSION_FULL and nothing is written;
** - otherwise the registration is inserted as confirmed, the session's seats_taken goes up by
**   one, the device sequence number goes up by one, an outbox event of kind
**   "registration.created" is queued, and *out is the new registration.
** Names must already be validated (see core/text.h); the store keeps them exactly as given.
** On any other error nothing is written and *out is zeroed. */
enum borne_err store_register(struct store *st, const struct registration_request *req,
                              struct registration *out);

/* One registration by id, or by short code. BORNE_ERR_NOT_FOUND if there is none. */
enum borne_err store_registration_get(struct store *st, const char *id, struct registration *out);
enum borne_err store_registration_by_code(struct store *st, const char *short_code,
                                          struct registration *out);

/* How many confirmed registrations this kiosk holds for a session. */
enum borne_err store_registration_count(struct store *st, const char *session_id, int *out);

/* How many outbox events wait to be synced. */
enum borne_err store_outbox_pending(struct store *st, int *out);

/* Privacy by default: erase the personal data of every registration whose session ended
** before `ended_before` (first name and name blanked, e-mail and phone removed), in the
** registrations and in the copies their outbox events carry, in one transaction. The records
** themselves, their codes and the seats they hold stay, so counts and attendance are kept;
** an event not yet synced still goes, without the names. purged_at is set to `now`.
** *n_out (may be NULL) is the number of registrations purged by this call. */
enum borne_err store_purge_personal(struct store *st, int64_t ended_before, int64_t now,
                                    int *n_out);

/* ---- tickets, check-in, print log, device keys (store_ticket.c) ---------------------------
**
** A ticket is recorded by store_register() with its registration. The functions below let the
** kiosk check tickets in, keep the print log, and hold the device keys tickets are verified
** against. Secret key bytes never appear in an error message. */

/* This kiosk's Ed25519 secret key (64 bytes, libsodium's layout), kept in the meta table of
** the database, whose file is made readable by its owner only. BORNE_ERR_NOT_FOUND before the
** first store_device_secret_put(). */
enum borne_err store_device_secret_get(struct store *st, uint8_t secret_key[64]);

/* Keep this kiosk's key pair: the secret in meta, the public key in device_keys under this
** kiosk's device id, in one transaction. BORNE_ERR_INVALID if a secret key is already kept
** (a key is made once; replacing it would invalidate every ticket printed). */
enum borne_err store_device_secret_put(struct store *st, const uint8_t secret_key[64],
                                       const uint8_t public_key[32]);

/* The public key of a device (this kiosk's, another kiosk's, the server's). *revoked tells
** whether the device was revoked. BORNE_ERR_NOT_FOUND for an unknown device. */
enum borne_err store_device_key_get(struct store *st, const char *device_id, uint8_t public_key[32],
                                    bool *revoked);

/* Add or replace a device's public key (sync, tests). revoked_at 0: not revoked.
** BORNE_ERR_INVALID for this kiosk's own id. */
enum borne_err store_device_key_put(struct store *st, const char *device_id,
                                    const uint8_t public_key[32], int64_t revoked_at);

/* Replace the device keys that came from the configuration by these n; keys of other
** origins (this kiosk's own, sync's) stay and win over a configured key of the same device;
** this kiosk's own id is skipped. *n_kept (may be NULL): how many configured keys were kept. */
enum borne_err store_device_keys_configure(struct store *st, const char (*ids)[BORNE_ID_MAX],
                                           const uint8_t (*keys)[32], size_t n, int *n_kept);

/* Registrations made before tickets existed (an upgrade): the kiosk signs their tickets at
** start. At most cap are written to out (id, session_id, first_name, short_code, created_at). */
enum borne_err store_registrations_without_ticket(struct store *st, struct registration *out,
                                                  size_t cap, size_t *n_out);

/* One ticket by id or by (normalised) short code. BORNE_ERR_NOT_FOUND if there is none. */
enum borne_err store_ticket_get(struct store *st, const char *id, struct ticket *out);
enum borne_err store_ticket_by_code(struct store *st, const char *short_code, struct ticket *out);

/* Record a ticket issued elsewhere (another kiosk, the website), or update it. */
enum borne_err store_ticket_put(struct store *st, const struct ticket *t);

/* Cancel a ticket, known here or not: it is refused at the door from now on. */
enum borne_err store_ticket_cancel(struct store *st, const char *ticket_id, int64_t now);

/* What to check in: either a ticket read from a verified payload (ticket_id, session_id and
** device_id as the payload claims them), or a short code typed by the visitor (short_code set,
** normalised by ticket_short_code_parse(); the other three empty). */
struct checkin_request {
    char ticket_id[BORNE_ID_MAX];
    char session_id[BORNE_ID_MAX];
    char device_id[BORNE_ID_MAX];
    char short_code[BORNE_SHORT_CODE_MAX];
    char checkin_id[BORNE_ID_MAX]; /* ids of the check-in and its outbox event, made by the */
    char event_id[BORNE_ID_MAX];   /* caller; used only when the verdict is welcome */
    int64_t now;
    struct checkin_window window;
    /* What the verified payload says beyond its ids. waitlist: issued on the waiting list
    ** (B2's signed mark); it decides only while this kiosk holds no record of the ticket, since
    ** a synced record knows whether a seat came free since. device_revoked: the signature is
    ** genuine but the issuing device was revoked; then only a ticket the server received before
    ** the revocation passes (see store_checkin()). */
    bool waitlist;
    bool device_revoked;
};

/* Decide the verdict for a ticket and, when it is welcome, record the check-in with its outbox
** event ("checkin.created") in one transaction. BORNE_OK whenever a verdict was reached (not
** valid included: an unknown code, an unknown session); *out then holds it, with the session
** and the holder's first name when known. Any other result is a storage failure: nothing was
** recorded, and *out is zeroed.
**
** A ticket of a revoked device (req->device_revoked) is judged like any other only if this
** kiosk holds its record from the server: the time the kiosk trusts is the server's receive
** time, and the server refuses a revoked device's pushes, so every such record was received
** before the revocation. A ticket the server never received is refused (INVALID_REVOKED_KEY)
** whatever it claims: its device time and sequence are signed by the revoked key itself. */
enum borne_err store_checkin(struct store *st, const struct checkin_request *req,
                             struct checkin_result *out);

/* How many check-ins this kiosk holds for a session (first check-ins of distinct tickets). */
enum borne_err store_checkin_count(struct store *st, const char *session_id, int *out);

/* The print log (see enum print_state). A reprint is a new job of the same ticket. */
enum borne_err store_print_job_add(struct store *st, const char *ticket_id, bool reprint,
                                   int64_t now, int64_t *id_out);
enum borne_err store_print_job_set(struct store *st, int64_t id, enum print_state state,
                                   const char *detail, int64_t now);
enum borne_err store_print_job_get(struct store *st, int64_t id, struct print_job *out);
/* At start: jobs left queued or sent by a previous run become interrupted (not resent). */
enum borne_err store_print_jobs_interrupt(struct store *st, int64_t now, int *n_out);
/* How many jobs are in a state. */
enum borne_err store_print_job_count(struct store *st, enum print_state state, int *out);

/* ---- sync with borne-server (store_sync.c, docs/sync-protocol.md) ------------------------ */

#define STORE_SYNC_URL_MAX 512
#define STORE_OUTBOX_PAYLOAD_MAX 4096 /* the JSON of one event; the kiosk's own never exceed it */

/* What the kiosk knows of its sync: enrolment (token "" when not enrolled), cursor, the last
** attempts, and the outbox. The token is a secret: never log it. */
struct store_sync_state {
    char url[STORE_SYNC_URL_MAX];
    char token[SYNC_TOKEN_MAX];
    char site_id[BORNE_ID_MAX];
    char site_name[SYNC_SITE_NAME_MAX];
    char cursor[SYNC_CURSOR_MAX];
    int64_t last_attempt_at; /* device clock; 0: never */
    int64_t last_success_at; /* device clock; 0: never */
    int64_t server_offset;   /* server's clock minus this kiosk's, at the last success */
    char last_error[256];    /* "" after a success */
    int pending;             /* outbox events not yet accepted by the server */
    int refused;             /* events the server refused (kept for staff) */
};

enum borne_err store_sync_state_get(struct store *st, struct store_sync_state *out);

/* Keep what enrolment gave (one transaction); the pull cursor starts again from "". */
enum borne_err store_sync_enrol(struct store *st, const char *url, const char *token,
                                const char *site_id, const char *site_name);

/* Record a sync attempt at `now`: error NULL for a success (then last_success_at = now), else a
** short sentence for staff. server_time > 0 updates the clock offset. */
enum borne_err store_sync_note(struct store *st, int64_t now, const char *error,
                               int64_t server_time);

/* An outbox event waiting for upload. */
struct store_outbox_event {
    char id[BORNE_ID_MAX];
    char kind[SYNC_KIND_MAX];
    int64_t seq;
    int64_t created_at;
    char payload[STORE_OUTBOX_PAYLOAD_MAX]; /* JSON object */
};

/* The next (at most cap) events not yet accepted, in upload order. */
enum borne_err store_outbox_next(struct store *st, struct store_outbox_event *out, size_t cap,
                                 size_t *n_out);

/* The server's answers to a push, in one transaction: applied, duplicate and refused events
** are all marked sent (a refused one keeps its reason and is never resent); a registration
** takes the status the server gave it (waiting list, confirmed, cancelled), its ticket too.
** An id not waiting in the outbox is ignored (an answer to a push made twice). */
enum borne_err store_outbox_ack(struct store *st, const struct sync_push_result *results, size_t n,
                                int64_t now);

/* The seats this kiosk spent per session (for the pull request), at most cap. */
enum borne_err store_allotments_used(struct store *st, struct sync_used *out, size_t cap,
                                     size_t *n_out);

/* Merge a seat reply's allotment counters (they only grow; taking the larger makes the order
** of replies irrelevant) and update the session's seats_taken, from server_seats_taken (the
** seat reply's count; < 0: keep the last one heard). An allotment of a session not known here
** is ignored. */
enum borne_err store_allotment_merge(struct store *st, const struct sync_allotment *a,
                                     int64_t server_seats_taken, int64_t now);

/* The seats this kiosk may still spend offline for a session (0 without an allotment). */
enum borne_err store_allotment_left(struct store *st, const char *session_id, int *out);

/* Apply one pulled page and save its cursor, in one transaction: rooms, sessions (seats_taken
** derived from the server's count and this kiosk's escrow), allotments merged, tickets
** (cancellation is final, the waiting list follows the server), device keys (keys[i] is
** r->keys[i] decoded; this kiosk's own is never replaced). *skipped (may be NULL): tickets left
** out because their short code is another ticket's here. */
enum borne_err store_pull_apply(struct store *st, const struct sync_pull_reply *r,
                                const uint8_t (*keys)[32], int64_t now, int *skipped);

/* Run SQLite's integrity check; BORNE_ERR_CORRUPT if it finds anything. */
enum borne_err store_check(struct store *st);

#endif
