-- +goose Up
-- Instants are unix milliseconds (UTC); dates are YYYY-MM-DD text.
CREATE TABLE settings (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  data TEXT NOT NULL -- JSON of booking.Settings
);

CREATE TABLE resources (
  id        INTEGER PRIMARY KEY,
  parent_id INTEGER REFERENCES resources (id),
  name      TEXT NOT NULL,
  bookable  INTEGER NOT NULL,
  hidden    INTEGER NOT NULL DEFAULT 0,
  position  INTEGER NOT NULL DEFAULT 0,
  data      TEXT NOT NULL -- JSON of the other fields of booking.Resource
);

CREATE TABLE closures (
  id          INTEGER PRIMARY KEY,
  resource_id INTEGER REFERENCES resources (id),
  from_date   TEXT NOT NULL,
  to_date     TEXT NOT NULL,
  reason      TEXT NOT NULL DEFAULT ''
);

CREATE TABLE openings (
  id          INTEGER PRIMARY KEY,
  resource_id INTEGER NOT NULL REFERENCES resources (id),
  on_date     TEXT NOT NULL,
  start_min   INTEGER NOT NULL,
  end_min     INTEGER NOT NULL,
  reason      TEXT NOT NULL DEFAULT ''
);

CREATE TABLE holds (
  id          TEXT PRIMARY KEY,
  resource_id INTEGER NOT NULL REFERENCES resources (id),
  owner       TEXT NOT NULL,
  starts_at   INTEGER NOT NULL,
  ends_at     INTEGER NOT NULL,
  slots       TEXT NOT NULL, -- JSON [[start, end], …]
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
);
CREATE INDEX holds_expires ON holds (expires_at);

-- One row per claimed seat: the invariant lives in this primary key.
CREATE TABLE claims (
  resource_id INTEGER NOT NULL,
  starts_at   INTEGER NOT NULL,
  seat        INTEGER NOT NULL,
  hold_id     TEXT NOT NULL,
  booking_id  TEXT,    -- set when confirmed
  expires_at  INTEGER, -- NULL when confirmed
  PRIMARY KEY (resource_id, starts_at, seat)
);
CREATE INDEX claims_hold ON claims (hold_id);
CREATE INDEX claims_booking ON claims (booking_id);

CREATE TABLE bookings (
  id              TEXT PRIMARY KEY,
  code            TEXT NOT NULL UNIQUE,
  resource_id     INTEGER NOT NULL REFERENCES resources (id),
  resource_name   TEXT NOT NULL,
  starts_at       INTEGER NOT NULL,
  ends_at         INTEGER NOT NULL,
  slots           INTEGER NOT NULL,
  presentante     TEXT NOT NULL,
  fruitore_cf     TEXT NOT NULL,
  fruitore        TEXT NOT NULL, -- JSON of booking.Person
  motivazione     TEXT NOT NULL,
  telefono        TEXT NOT NULL,
  nota            TEXT NOT NULL,
  extra           TEXT NOT NULL, -- JSON object
  status          TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  cancelled_at    INTEGER,
  cancel_reason   TEXT NOT NULL DEFAULT '',
  hold_id         TEXT NOT NULL UNIQUE,
  idempotency_key TEXT
);
CREATE UNIQUE INDEX bookings_idempotency ON bookings (presentante, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX bookings_presentante ON bookings (presentante, starts_at);
CREATE INDEX bookings_fruitore ON bookings (fruitore_cf, starts_at);
CREATE INDEX bookings_resource ON bookings (resource_id, starts_at);

CREATE TABLE sessions (
  token  TEXT PRIMARY KEY,
  data   BLOB NOT NULL,
  expiry INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expiry);

-- The outbox queue (maragu.dev/goqite's schema for SQLite).
CREATE TABLE goqite (
  id       TEXT PRIMARY KEY DEFAULT ('m_' || lower(hex(randomblob(16)))),
  created  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ')),
  updated  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ')),
  queue    TEXT NOT NULL,
  body     BLOB NOT NULL,
  timeout  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ')),
  received INTEGER NOT NULL DEFAULT 0,
  priority INTEGER NOT NULL DEFAULT 0
) STRICT;
-- +goose StatementBegin
CREATE TRIGGER goqite_updated_timestamp AFTER UPDATE ON goqite BEGIN
  UPDATE goqite SET updated = strftime('%Y-%m-%dT%H:%M:%fZ') WHERE id = old.id;
END;
-- +goose StatementEnd
CREATE INDEX goqite_queue_priority_created_idx ON goqite (queue, priority DESC, created);

-- +goose Down
DROP TABLE goqite;
DROP TABLE sessions;
DROP TABLE bookings;
DROP TABLE claims;
DROP TABLE holds;
DROP TABLE openings;
DROP TABLE closures;
DROP TABLE resources;
DROP TABLE settings;
