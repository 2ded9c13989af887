-- +goose Up
-- The statistics' figures of past days, kept so that a year's statistics
-- read a few thousand rows instead of every booking (issue 18). A day is
-- its midnight in Europe/Rome, in unix milliseconds. statistics_filled lists
-- the days whose figures statistics_days holds in full (a resource without
-- bookings that day has no row); a change to a booking or its attendance
-- removes its day from statistics_filled, so a day read from the table is
-- always the bookings' own figures, and the store computes it again.
CREATE TABLE statistics_filled (
  day BIGINT PRIMARY KEY
);
CREATE TABLE statistics_days (
  day                  BIGINT NOT NULL,
  resource_id          BIGINT NOT NULL,
  bookings             INTEGER NOT NULL,
  booked_seats         INTEGER NOT NULL,
  cancelled_by_citizen INTEGER NOT NULL,
  cancelled_by_comune  INTEGER NOT NULL,
  attended             INTEGER NOT NULL,
  no_show              INTEGER NOT NULL,
  leads                TEXT NOT NULL, -- the confirmed bookings' leads in ms, sorted, comma-separated
  PRIMARY KEY (day, resource_id)
);
-- The day holding an instant t is the one whose midnight is in
-- (t - 25 h, t]: at most two rows, both forgotten.
-- +goose StatementBegin
CREATE FUNCTION statistics_forget_day(t BIGINT) RETURNS void LANGUAGE sql AS $$
  DELETE FROM statistics_filled WHERE day <= t AND day > t - 90000000;
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION statistics_booking_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM statistics_forget_day(OLD.starts_at); END IF;
  IF TG_OP <> 'DELETE' THEN PERFORM statistics_forget_day(NEW.starts_at); END IF;
  RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION statistics_attendance_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM statistics_forget_day(starts_at) FROM bookings WHERE id = OLD.booking_id; END IF;
  IF TG_OP <> 'DELETE' THEN PERFORM statistics_forget_day(starts_at) FROM bookings WHERE id = NEW.booking_id; END IF;
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER statistics_booking AFTER INSERT OR DELETE OR UPDATE OF resource_id, starts_at, slots, status, cancelled_by, created_at
  ON bookings FOR EACH ROW EXECUTE FUNCTION statistics_booking_changed();
CREATE TRIGGER statistics_attendance AFTER INSERT OR DELETE OR UPDATE
  ON attendance FOR EACH ROW EXECUTE FUNCTION statistics_attendance_changed();

-- +goose Down
DROP TRIGGER statistics_attendance ON attendance;
DROP TRIGGER statistics_booking ON bookings;
DROP FUNCTION statistics_attendance_changed();
DROP FUNCTION statistics_booking_changed();
DROP FUNCTION statistics_forget_day(BIGINT);
DROP TABLE statistics_days;
DROP TABLE statistics_filled;
