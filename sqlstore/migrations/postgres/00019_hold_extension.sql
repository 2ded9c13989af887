-- +goose Up
-- When the hold was extended ("Prolunga", WCAG 2.2.1): a hold is extended
-- at most once. NULL: never.
ALTER TABLE holds ADD COLUMN extended_at BIGINT;

-- +goose Down
ALTER TABLE holds DROP COLUMN extended_at;
