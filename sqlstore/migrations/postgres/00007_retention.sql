-- +goose Up
-- Retention of personal data (GDPR, see docs/design.md): when a booking's
-- appointment ended longer ago than the Comune's retention period, the purge
-- empties its personal data and sets anonymised_at (unix milliseconds, UTC).
-- The partial index lists what is left to anonymise, oldest end first, so an
-- hourly run reads only the bookings that are due.
ALTER TABLE bookings ADD COLUMN anonymised_at BIGINT;
CREATE INDEX bookings_retention ON bookings (ends_at) WHERE anonymised_at IS NULL;

-- +goose Down
DROP INDEX bookings_retention;
ALTER TABLE bookings DROP COLUMN anonymised_at;
