-- +goose Up
-- When the hold was extended ("Prolunga", WCAG 2.2.1): a hold is extended
-- at most once. NULL: never.
ALTER TABLE holds ADD COLUMN extended_at BIGINT;
-- The name of who booked, for conto terzi ("Prenotata da GIULIA BIANCHI per
-- LUCA FERRARI"); emptied by the retention purge like the presentante.
ALTER TABLE bookings ADD COLUMN presentante_nome TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE bookings DROP COLUMN presentante_nome;
ALTER TABLE holds DROP COLUMN extended_at;
