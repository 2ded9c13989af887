-- +goose Up
-- Deliveries parked as failed: the worker moves here, out of the queue, a
-- delivery that failed (or panicked) the configured number of times, so that
-- it is never retried for ever and the back office can show it.
CREATE TABLE notify_parked (
  id        TEXT PRIMARY KEY, -- the queue's message id
  body      BLOB NOT NULL,    -- the delivery, as it was queued
  attempts  INTEGER NOT NULL,
  error     TEXT NOT NULL,    -- why the last attempt failed
  parked_at BIGINT NOT NULL   -- unix ms
);
CREATE INDEX notify_parked_at ON notify_parked (parked_at);

-- +goose Down
DROP TABLE notify_parked;
