-- +goose Up
-- The virtual waiting rooms of click days (SPEC §15): one queue per resource
-- and opening moment, shared by every instance. A poll reads one row of each
-- table by primary key; the counters make a place O(1).
CREATE TABLE queue_rooms (
  resource_id BIGINT NOT NULL,
  opens_at    BIGINT NOT NULL,           -- unix ms, the opening moment
  drawn       INTEGER NOT NULL DEFAULT 0, -- 1 once the pre-opening joiners are ordered
  waiting     BIGINT NOT NULL DEFAULT 0, -- joined before the opening, not yet drawn
  tail        BIGINT NOT NULL DEFAULT 0, -- the last position given
  serving     BIGINT NOT NULL DEFAULT 0, -- positions up to this one are admitted
  sold_out    INTEGER NOT NULL DEFAULT 0, -- 1 when the last count found no free seat
  PRIMARY KEY (resource_id, opens_at)
);
CREATE TABLE queue_entries (
  resource_id    BIGINT NOT NULL,
  opens_at       BIGINT NOT NULL,
  who            TEXT NOT NULL,   -- the identity's subject (its codice fiscale)
  rnd            BIGINT NOT NULL, -- random key of the draw
  position       BIGINT,          -- NULL until drawn
  joined_at      BIGINT NOT NULL, -- unix ms
  admitted_until BIGINT,          -- unix ms, set when admitted
  PRIMARY KEY (resource_id, opens_at, who)
);
CREATE UNIQUE INDEX queue_entries_position ON queue_entries (resource_id, opens_at, position);

-- +goose Down
DROP TABLE queue_entries;
DROP TABLE queue_rooms;
