-- +goose Up
-- The waitlist (SPEC §16): one entry per identity, fruitore and resource,
-- in line by id. An offer is a hold (holds, claims) whose owner is the
-- entry's subject; hold_id names it while the entry is offered.
CREATE TABLE waitlist (
  id          INTEGER PRIMARY KEY,
  resource_id INTEGER NOT NULL REFERENCES resources (id),
  subject     TEXT NOT NULL,
  fruitore_cf TEXT NOT NULL DEFAULT '',
  email       TEXT NOT NULL,
  from_date   TEXT NOT NULL,
  to_date     TEXT NOT NULL,
  times       TEXT NOT NULL, -- JSON [{"from","to"}] (minutes), [] for any time
  created_at  BIGINT NOT NULL,
  state       TEXT NOT NULL, -- waiting, offered, lapsed
  hold_id     TEXT,
  offers      INTEGER NOT NULL DEFAULT 0,
  UNIQUE (resource_id, subject, fruitore_cf)
);
CREATE INDEX waitlist_line ON waitlist (resource_id, state, id);
CREATE INDEX waitlist_subject ON waitlist (subject);

-- +goose Down
DROP TABLE waitlist;
