-- borne-server's schema, version 1.
--
-- Conventions. Ids are text, made by whoever created the record (a kiosk, the website, an
-- import). Times a device reported are bigint Unix seconds from its clock, which is not
-- trusted; times the server saw are timestamptz from PostgreSQL's clock (received_at).
--
-- Pull cursors (docs/sync-protocol.md): every row a kiosk pulls carries changed_xid, the id of
-- the last transaction that wrote it, set by the trigger below. A pull sends the rows whose
-- changed_xid is at least the xmin of the previous pull's snapshot, so a transaction that
-- commits late is never skipped (a sequence or a clock would skip it).
--
-- Seats (the invariant of the whole system): for every session,
--     confirmed + held <= capacity
-- except when an administrator lowers the capacity below what is already given. confirmed
-- counts the registrations with status 0; held counts the seats kiosks hold in escrow,
-- sum over kiosks of greatest(0, granted - returned - used). Both are kept up to date on the
-- session row by the code that changes them, in the same transaction, after locking that row
-- (SELECT ... FOR UPDATE): the row lock is what serialises every seat decision of a session.

CREATE FUNCTION borne_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.changed_xid := pg_current_xact_id();
    RETURN NEW;
END $$;

CREATE TABLE sites (
    id          text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,38}$'),
    name        text NOT NULL,
    timezone    text NOT NULL DEFAULT 'Europe/Paris',
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE rooms (
    site_id     text NOT NULL REFERENCES sites (id),
    id          text NOT NULL,
    name        text NOT NULL,
    changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    PRIMARY KEY (site_id, id)
);
CREATE TRIGGER rooms_touch BEFORE INSERT OR UPDATE ON rooms
    FOR EACH ROW EXECUTE FUNCTION borne_touch();

CREATE TABLE sessions (
    id           text PRIMARY KEY,
    site_id      text NOT NULL REFERENCES sites (id),
    title        text NOT NULL,
    description  text NOT NULL DEFAULT '',
    kind         integer NOT NULL DEFAULT 0 CHECK (kind >= 0),
    room_id      text NOT NULL,
    organiser    text NOT NULL DEFAULT '',
    starts_at    bigint NOT NULL,
    ends_at      bigint NOT NULL CHECK (ends_at >= starts_at),
    capacity     integer NOT NULL CHECK (capacity >= 0),
    reserved_for text NOT NULL DEFAULT '',
    cancelled    boolean NOT NULL DEFAULT false,
    confirmed    integer NOT NULL DEFAULT 0 CHECK (confirmed >= 0),
    held         integer NOT NULL DEFAULT 0 CHECK (held >= 0),
    source       text NOT NULL DEFAULT '', -- 'csv', 'ics:<UID>'...: where the import found it
    changed_xid  xid8 NOT NULL DEFAULT pg_current_xact_id(),
    FOREIGN KEY (site_id, room_id) REFERENCES rooms (site_id, id)
);
CREATE INDEX sessions_site_ends ON sessions (site_id, ends_at);
CREATE INDEX sessions_changed ON sessions (site_id, changed_xid);
CREATE TRIGGER sessions_touch BEFORE INSERT OR UPDATE ON sessions
    FOR EACH ROW EXECUTE FUNCTION borne_touch();

-- Kiosks (and, later, the website's signing key). token_hash is the BLAKE2b-256 of the token
-- (libsodium's crypto_generichash); the token itself is never stored.
CREATE TABLE devices (
    id           text PRIMARY KEY,
    site_id      text NOT NULL REFERENCES sites (id),
    label        text NOT NULL DEFAULT '',
    public_key   bytea NOT NULL CHECK (length(public_key) = 32),
    token_hash   bytea NOT NULL UNIQUE,
    enrolled_at  timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz,
    revoked_at   bigint NOT NULL DEFAULT 0, -- 0: not revoked; else server time, Unix seconds
    changed_xid  xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX devices_changed ON devices (changed_xid);
CREATE TRIGGER devices_touch BEFORE INSERT OR UPDATE ON devices
    FOR EACH ROW EXECUTE FUNCTION borne_touch();

-- One-time enrolment codes. code is normalised (upper case, no spaces or dashes).
CREATE TABLE enrol_codes (
    code        text PRIMARY KEY,
    site_id     text NOT NULL REFERENCES sites (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    used_by     text REFERENCES devices (id)
);

-- status: 0 confirmed, 1 waitlist, 2 cancelled (as the kiosk's enum registration_status).
-- seat: 0 none, 1 server, 2 allotment, 3 local (enum sync_seat).
CREATE TABLE registrations (
    id          text PRIMARY KEY,
    session_id  text NOT NULL REFERENCES sessions (id),
    device_id   text NOT NULL REFERENCES devices (id),
    first_name  text NOT NULL,
    last_name   text NOT NULL,
    email       text,
    phone       text,
    short_code  text NOT NULL UNIQUE,
    status      smallint NOT NULL CHECK (status IN (0, 1, 2)),
    seat        smallint NOT NULL CHECK (seat IN (0, 1, 2, 3)),
    created_at  bigint NOT NULL,
    device_seq  bigint NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    received_seq bigserial NOT NULL -- server receive order: the waiting list's order
);
CREATE INDEX registrations_session ON registrations (session_id, status, received_seq);

-- Tickets of registrations (and, later, tickets the website issues). status as registrations.
CREATE TABLE tickets (
    id              text PRIMARY KEY,
    registration_id text REFERENCES registrations (id),
    session_id      text NOT NULL REFERENCES sessions (id),
    site_id         text NOT NULL REFERENCES sites (id),
    device_id       text NOT NULL,
    payload         text NOT NULL,
    short_code      text NOT NULL,
    first_name      text NOT NULL DEFAULT '',
    status          smallint NOT NULL CHECK (status IN (0, 1, 2)),
    issued_at       bigint NOT NULL,
    cancelled_at    bigint,
    changed_xid     xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX tickets_site_changed ON tickets (site_id, changed_xid, id);
CREATE INDEX tickets_session ON tickets (session_id);
CREATE TRIGGER tickets_touch BEFORE INSERT OR UPDATE ON tickets
    FOR EACH ROW EXECUTE FUNCTION borne_touch();

-- Every check-in is kept. A ticket checked in twice (two kiosks offline) keeps both rows; the
-- later one by received order is flagged. ticket_id has no foreign key: the ticket may reach
-- the server after its check-in (another kiosk not synced yet).
CREATE TABLE checkins (
    id          text PRIMARY KEY,
    ticket_id   text NOT NULL,
    session_id  text NOT NULL,
    device_id   text NOT NULL REFERENCES devices (id),
    checked_at  bigint NOT NULL,
    device_seq  bigint NOT NULL,
    flagged     boolean NOT NULL DEFAULT false,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX checkins_ticket ON checkins (ticket_id);
CREATE INDEX checkins_session ON checkins (session_id);

-- The idempotency ledger: one row per event id ever applied (or refused), written in the same
-- transaction as the event's effects. A second push of the id finds it and changes nothing.
CREATE TABLE events (
    id          text PRIMARY KEY,
    device_id   text NOT NULL REFERENCES devices (id),
    kind        text NOT NULL,
    device_seq  bigint NOT NULL,
    status      smallint NOT NULL, -- 0 applied, 2 refused (enum sync_result_status)
    reason      text NOT NULL DEFAULT '',
    received_at timestamptz NOT NULL DEFAULT now()
);

-- Seat escrow, per kiosk and session: counters that only grow (docs/sync-protocol.md).
-- used counts this kiosk's registrations applied with seat 'server' or 'allotment'.
CREATE TABLE allotments (
    device_id   text NOT NULL REFERENCES devices (id),
    session_id  text NOT NULL REFERENCES sessions (id),
    granted     bigint NOT NULL DEFAULT 0 CHECK (granted >= 0),
    returned    bigint NOT NULL DEFAULT 0 CHECK (returned >= 0 AND returned <= granted),
    used        bigint NOT NULL DEFAULT 0 CHECK (used >= 0),
    PRIMARY KEY (device_id, session_id)
);
CREATE INDEX allotments_session ON allotments (session_id);

-- Seat requests already answered, so that a retried request gets the same answer.
CREATE TABLE seat_requests (
    id          text PRIMARY KEY,
    device_id   text NOT NULL REFERENCES devices (id),
    session_id  text NOT NULL,
    granted     boolean NOT NULL,
    reason      text NOT NULL DEFAULT '',
    received_at timestamptz NOT NULL DEFAULT now()
);
