-- +goose Up
-- Reminders queued, one row per booking: the primary key makes each reminder
-- queued once, in the same transaction that enqueues it.
CREATE TABLE notify_reminders (
  booking_id TEXT PRIMARY KEY REFERENCES bookings (id),
  queued_at  INTEGER NOT NULL -- unix ms
);
-- Finding due reminders scans confirmed bookings by start.
CREATE INDEX notify_bookings_starts ON bookings (starts_at) WHERE status = 'confirmed';

-- The local mailbox: emails "delivered" when no SMTP server is configured
-- (demo mode), as raw RFC 5322 messages. One row per Message-ID, so a
-- redelivered message is stored once.
CREATE TABLE mailbox (
  id          INTEGER PRIMARY KEY,
  message_id  TEXT NOT NULL UNIQUE,
  received_at INTEGER NOT NULL, -- unix ms
  raw         BLOB NOT NULL
);

-- +goose Down
DROP TABLE mailbox;
DROP INDEX notify_bookings_starts;
DROP TABLE notify_reminders;
