-- +goose Up
-- Rescheduling: a booking moved to another slot keeps its id, code and
-- calendar UID; sequence counts its moves (the .ics SEQUENCE follows it) and
-- moved_from is the start it had before the last move (unix ms), shown to
-- the citizen as "Spostata".
ALTER TABLE bookings ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;
ALTER TABLE bookings ADD COLUMN moved_from BIGINT;

-- +goose Down
ALTER TABLE bookings DROP COLUMN moved_from;
ALTER TABLE bookings DROP COLUMN sequence;
