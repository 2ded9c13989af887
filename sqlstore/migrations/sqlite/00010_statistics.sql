-- +goose Up
-- Statistics (SPEC §17). cancelled_by says who cancelled a booking,
-- 'cittadino' or 'comune' (NULL while confirmed): the retention purge empties
-- cancel_reason but keeps it, so the figures stay right. Until now only the
-- Comune gave a reason, so a cancellation with one was the Comune's (one
-- already anonymised has lost it and counts as the citizen's).
ALTER TABLE bookings ADD COLUMN cancelled_by TEXT;
UPDATE bookings SET cancelled_by = CASE WHEN cancel_reason = '' THEN 'cittadino' ELSE 'comune' END
  WHERE status = 'cancelled';
-- The statistics read every resource's bookings and ratings of a period.
CREATE INDEX bookings_starts ON bookings (starts_at);
CREATE INDEX feedback_created ON feedback (created_at);

-- +goose Down
DROP INDEX feedback_created;
DROP INDEX bookings_starts;
ALTER TABLE bookings DROP COLUMN cancelled_by;
