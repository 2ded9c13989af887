-- +goose Up
-- The statistics' figures of past days, kept so that a year's statistics
-- read a few thousand rows instead of every booking (issue 18). A day is
-- its midnight in Europe/Rome, in unix milliseconds. statistics_filled lists
-- the days whose figures statistics_days holds in full (a resource without
-- bookings that day has no row); a change to a booking or its attendance
-- removes its day from statistics_filled, so a day read from the table is
-- always the bookings' own figures, and the store computes it again.
CREATE TABLE statistics_filled (
  day INTEGER PRIMARY KEY
);
CREATE TABLE statistics_days (
  day                  INTEGER NOT NULL,
  resource_id          INTEGER NOT NULL,
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
CREATE TRIGGER statistics_booking_insert AFTER INSERT ON bookings BEGIN
  DELETE FROM statistics_filled WHERE day <= NEW.starts_at AND day > NEW.starts_at - 90000000;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER statistics_booking_update AFTER UPDATE OF resource_id, starts_at, slots, status, cancelled_by, created_at ON bookings BEGIN
  DELETE FROM statistics_filled WHERE day <= OLD.starts_at AND day > OLD.starts_at - 90000000
    OR day <= NEW.starts_at AND day > NEW.starts_at - 90000000;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER statistics_booking_delete AFTER DELETE ON bookings BEGIN
  DELETE FROM statistics_filled WHERE day <= OLD.starts_at AND day > OLD.starts_at - 90000000;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER statistics_attendance_insert AFTER INSERT ON attendance BEGIN
  DELETE FROM statistics_filled WHERE day <= (SELECT starts_at FROM bookings WHERE id = NEW.booking_id)
    AND day > (SELECT starts_at FROM bookings WHERE id = NEW.booking_id) - 90000000;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER statistics_attendance_update AFTER UPDATE ON attendance BEGIN
  DELETE FROM statistics_filled WHERE day <= (SELECT starts_at FROM bookings WHERE id = OLD.booking_id)
    AND day > (SELECT starts_at FROM bookings WHERE id = OLD.booking_id) - 90000000;
  DELETE FROM statistics_filled WHERE day <= (SELECT starts_at FROM bookings WHERE id = NEW.booking_id)
    AND day > (SELECT starts_at FROM bookings WHERE id = NEW.booking_id) - 90000000;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER statistics_attendance_delete AFTER DELETE ON attendance BEGIN
  DELETE FROM statistics_filled WHERE day <= (SELECT starts_at FROM bookings WHERE id = OLD.booking_id)
    AND day > (SELECT starts_at FROM bookings WHERE id = OLD.booking_id) - 90000000;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER statistics_attendance_delete;
DROP TRIGGER statistics_attendance_update;
DROP TRIGGER statistics_attendance_insert;
DROP TRIGGER statistics_booking_delete;
DROP TRIGGER statistics_booking_update;
DROP TRIGGER statistics_booking_insert;
DROP TABLE statistics_days;
DROP TABLE statistics_filled;
