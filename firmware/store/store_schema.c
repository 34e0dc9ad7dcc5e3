/* The schema of the kiosk's database and its migrations.
**
** migrations[i] takes a database from user_version i to i + 1. A migration is never edited once
** released: a change is a new entry at the end. Each runs in its own BEGIN IMMEDIATE
** transaction together with the user_version bump, so a power cut leaves the file at version i
** or i + 1, never in between, and a second process opening the same file at the same time waits
** for the first instead of running the script twice.
**
** Conventions of the schema: ids are TEXT (UUIDs made by whoever created the record: a kiosk,
** the website, the server); times are INTEGER Unix seconds from the clock of the device that
** wrote them, which is not trusted, so records made on a kiosk also carry its device_seq;
** booleans are INTEGER 0/1. Tables that hold records made elsewhere (tickets, check-ins) have
** no foreign keys: they arrive by sync in an order the kiosk does not choose, and refusing one
** because its session is not known yet would lose it. */
#include "store/store_int.h"

#include <stdio.h>

static const char *const migrations[] = {
    /* v1: everything the kiosk needs for registration, tickets, check-in and sync. */
    "CREATE TABLE meta ("
    "  key TEXT PRIMARY KEY NOT NULL,"
    "  value" /* untyped: counters stay INTEGER, the sync cursor TEXT */
    ");"
    /* device_seq: the last sequence number given to a record made here.
    ** sync_*: the download cursor (opaque, issued by the server) and the last attempts, saved
    ** in the same transaction as the changes they cover. */
    "INSERT INTO meta (key, value) VALUES"
    "  ('device_seq', 0),"
    "  ('sync_cursor', ''),"
    "  ('sync_last_attempt_at', NULL),"
    "  ('sync_last_success_at', NULL),"
    "  ('sync_last_error', NULL);"

    "CREATE TABLE rooms ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  name TEXT NOT NULL"
    ");"

    "CREATE TABLE sessions ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  title TEXT NOT NULL,"
    "  description TEXT NOT NULL DEFAULT '',"
    "  kind INTEGER NOT NULL DEFAULT 0 CHECK (kind >= 0)," /* later versions may add kinds */
    "  room_id TEXT NOT NULL REFERENCES rooms (id),"
    "  organiser TEXT NOT NULL DEFAULT '',"
    "  starts_at INTEGER NOT NULL,"
    "  ends_at INTEGER NOT NULL CHECK (ends_at >= starts_at),"
    "  capacity INTEGER NOT NULL CHECK (capacity >= 0),"
    /* No CHECK (seats_taken <= capacity): the centre may lower a capacity below the seats
    ** already given. The store never takes a seat beyond it (see store_register). */
    "  seats_taken INTEGER NOT NULL DEFAULT 0 CHECK (seats_taken >= 0),"
    "  reserved_for TEXT NOT NULL DEFAULT '',"
    "  cancelled INTEGER NOT NULL DEFAULT 0 CHECK (cancelled IN (0, 1)),"
    "  updated_at INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE INDEX sessions_starts_at ON sessions (starts_at);"
    "CREATE INDEX sessions_ends_at ON sessions (ends_at);"
    "CREATE INDEX sessions_room_id ON sessions (room_id);"

    "CREATE TABLE registrations ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  session_id TEXT NOT NULL REFERENCES sessions (id),"
    "  first_name TEXT NOT NULL,"
    "  last_name TEXT NOT NULL,"
    "  name_key TEXT NOT NULL," /* text_name_key(): same key, same person */
    "  email TEXT,"             /* NULL when not given */
    "  phone TEXT,"
    "  short_code TEXT NOT NULL UNIQUE,"
    "  status INTEGER NOT NULL DEFAULT 0 CHECK (status IN (0, 1, 2)),"
    "  created_at INTEGER NOT NULL,"
    "  device_seq INTEGER NOT NULL,"
    "  origin_device TEXT NOT NULL,"
    "  server_received_at INTEGER,"
    "  purged_at INTEGER" /* personal data erased (names blanked, contact NULL) */
    ");"
    /* One live registration per person and session, whatever the kiosk's code does: the last
    ** line of defence against a double registration. Status 2 is cancelled. */
    "CREATE UNIQUE INDEX registrations_person ON registrations (session_id, name_key)"
    "  WHERE status != 2;"
    "CREATE INDEX registrations_session ON registrations (session_id, status);"

    "CREATE TABLE outbox ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT," /* upload order; never reused */
    "  id TEXT NOT NULL UNIQUE," /* the event's permanent id: the server applies it once */
    "  kind TEXT NOT NULL,"
    "  entity_id TEXT NOT NULL,"
    "  payload TEXT NOT NULL CHECK (json_valid(payload)),"
    "  created_at INTEGER NOT NULL,"
    "  device_seq INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  last_error TEXT,"
    "  acked_at INTEGER" /* NULL: waits to be uploaded */
    ");"
    "CREATE INDEX outbox_acked_at ON outbox (acked_at);"

    "CREATE TABLE tickets ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  registration_id TEXT," /* NULL for a ticket issued without a registration */
    "  session_id TEXT NOT NULL,"
    "  device_id TEXT NOT NULL," /* the issuer, whose key signed the payload */
    "  payload TEXT NOT NULL,"   /* the signed ASCII payload of the QR code */
    "  short_code TEXT NOT NULL UNIQUE,"
    "  first_name TEXT NOT NULL DEFAULT ''," /* for the welcome screen only */
    "  status INTEGER NOT NULL DEFAULT 0,"   /* 0 valid, 1 cancelled */
    "  issued_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX tickets_session_id ON tickets (session_id);"
    "CREATE INDEX tickets_registration_id ON tickets (registration_id)"
    "  WHERE registration_id IS NOT NULL;"

    "CREATE TABLE checkins ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  ticket_id TEXT NOT NULL,"
    "  session_id TEXT NOT NULL,"
    "  device_id TEXT NOT NULL,"
    "  checked_at INTEGER NOT NULL,"
    "  device_seq INTEGER NOT NULL,"
    "  flagged INTEGER NOT NULL DEFAULT 0" /* e.g. a second check-in of one ticket */
    ");"
    "CREATE INDEX checkins_ticket_id ON checkins (ticket_id);"
    "CREATE INDEX checkins_session_id ON checkins (session_id, checked_at);"

    "CREATE TABLE device_keys ("
    "  device_id TEXT PRIMARY KEY NOT NULL,"
    "  public_key BLOB NOT NULL CHECK (length(public_key) = 32)," /* Ed25519 */
    "  revoked_at INTEGER"
    ");"

    /* Seats the server granted this kiosk to spend while offline (escrow). */
    "CREATE TABLE allotments ("
    "  session_id TEXT PRIMARY KEY NOT NULL REFERENCES sessions (id),"
    "  seats_granted INTEGER NOT NULL CHECK (seats_granted >= 0),"
    "  seats_used INTEGER NOT NULL DEFAULT 0 CHECK (seats_used >= 0),"
    "  granted_at INTEGER NOT NULL"
    ");",

    /* v2: tickets printed and checked in (issue 3). */
    /* The print log: a job is recorded with the ticket, marked sent before its bytes go to the
    ** printer and done or failed after; a job found queued or sent at start is interrupted,
    ** never resent by itself (a second ticket in the tray is worse than staff reprinting). */
    "CREATE TABLE print_jobs ("
    "  id INTEGER PRIMARY KEY,"
    "  ticket_id TEXT NOT NULL,"
    "  reprint INTEGER NOT NULL DEFAULT 0,"
    "  state INTEGER NOT NULL DEFAULT 0 CHECK (state BETWEEN 0 AND 4),"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  detail TEXT NOT NULL DEFAULT ''"
    ");"
    "CREATE INDEX print_jobs_ticket_id ON print_jobs (ticket_id);"
    "CREATE INDEX print_jobs_state ON print_jobs (state) WHERE state IN (0, 1);"
    /* Tickets cancelled anywhere (sync will fill it; staff cancel here): a ticket may be
    ** cancelled before this kiosk ever saw it. */
    "CREATE TABLE cancelled_tickets ("
    "  ticket_id TEXT PRIMARY KEY NOT NULL,"
    "  cancelled_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX tickets_short_code_status ON tickets (short_code, status);"
    /* Where a device's key came from: 'self' (this kiosk), 'config' (replaced at each start by
    ** the configuration's list), 'sync' (the server). */
    "ALTER TABLE device_keys ADD COLUMN origin TEXT NOT NULL DEFAULT 'sync';",
    /* v3: sync with borne-server (issue 4). */
    /* Allotment counters only grow (docs/sync-protocol.md): seats_granted and seats_returned
    ** are the server's, merged by taking the larger; seats_used counts this kiosk's
    ** registrations that spent a seat. What it may still spend offline is
    ** seats_granted - seats_returned - seats_used. */
    "ALTER TABLE allotments ADD COLUMN seats_returned INTEGER NOT NULL DEFAULT 0;"
    /* Where a registration's seat came from: 0 none (waiting list), 1 server, 2 allotment,
    ** 3 local (decided here, not enrolled): enum sync_seat. */
    "ALTER TABLE registrations ADD COLUMN seat INTEGER NOT NULL DEFAULT 3;"
    /* A ticket on the waiting list: no seat yet; the server confirms it when one frees. */
    "ALTER TABLE tickets ADD COLUMN waitlist INTEGER NOT NULL DEFAULT 0;"
    /* The session's seats_taken as the server last said (confirmed + every kiosk's escrow);
    ** NULL for a session never pulled. seats_taken is then derived from it. */
    "ALTER TABLE sessions ADD COLUMN server_seats_taken INTEGER;"
    /* An event the server refused: sent, never resent, kept for staff with the reason. */
    "ALTER TABLE outbox ADD COLUMN refused_reason TEXT;"
    "INSERT OR IGNORE INTO meta (key, value) VALUES"
    "  ('sync_url', ''), ('sync_token', ''), ('sync_site_id', ''), ('sync_site_name', ''),"
    "  ('sync_server_offset', 0);",
};

#define MIGRATION_COUNT ((int)(sizeof migrations / sizeof migrations[0]))

int store_schema_version(void)
{
    return MIGRATION_COUNT;
}

/* PRAGMA user_version, read through a one-off statement. */
static int read_user_version(struct store *st, int *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &stmt, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
            *out = sqlite3_column_int(stmt, 0);
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(stmt);
    return rc;
}

enum borne_err store_schema_migrate(struct store *st)
{
    enum borne_err err = BORNE_OK;
    int version = 0;
    int rc = read_user_version(st, &version);
    if (rc != SQLITE_OK)
        return store_fail_sqlite(st, "open: read schema version", rc);
    if (version > MIGRATION_COUNT)
        return store_fail(st, BORNE_ERR_TOO_NEW,
                          "open: schema version %d is newer than this program knows (%d)", version,
                          MIGRATION_COUNT);

    while (version < MIGRATION_COUNT) {
        char what[64];
        snprintf(what, sizeof what, "open: migrate to schema version %d", version + 1);
        rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (rc != SQLITE_OK) {
            err = store_fail_sqlite(st, what, rc);
            goto cleanup;
        }
        /* Read again under the write lock: another process may have migrated while this one
        ** waited for it. */
        rc = read_user_version(st, &version);
        if (rc != SQLITE_OK) {
            err = store_fail_sqlite(st, what, rc);
            goto cleanup;
        }
        if (version > MIGRATION_COUNT) {
            err = store_fail(st, BORNE_ERR_TOO_NEW,
                             "open: schema version %d is newer than this program knows (%d)",
                             version, MIGRATION_COUNT);
            goto cleanup;
        }
        if (version < MIGRATION_COUNT) {
            char bump[48];
            rc = sqlite3_exec(st->db, migrations[version], NULL, NULL, NULL);
            if (rc != SQLITE_OK) {
                err = store_fail_sqlite(st, what, rc);
                goto cleanup;
            }
            /* A PRAGMA takes no bound parameter; the value is a small integer of ours. */
            snprintf(bump, sizeof bump, "PRAGMA user_version = %d", version + 1);
            rc = sqlite3_exec(st->db, bump, NULL, NULL, NULL);
            if (rc != SQLITE_OK) {
                err = store_fail_sqlite(st, what, rc);
                goto cleanup;
            }
        }
        rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
        if (rc != SQLITE_OK) {
            err = store_fail_sqlite(st, what, rc);
            goto cleanup;
        }
        rc = read_user_version(st, &version);
        if (rc != SQLITE_OK) {
            err = store_fail_sqlite(st, what, rc);
            goto cleanup;
        }
    }

cleanup:
    if (err != BORNE_OK)
        store_rollback(st);
    return err;
}
