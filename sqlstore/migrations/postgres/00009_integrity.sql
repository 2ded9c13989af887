-- +goose Up
-- The configuration's version: every change of settings, resources,
-- closures or openings increments it in its own transaction; holds and
-- confirms check, in theirs, that the configuration they judged by is still
-- this one (see docs/design.md).
CREATE TABLE config_version (
  id      INTEGER PRIMARY KEY,
  version BIGINT NOT NULL
);
INSERT INTO config_version (id, version) VALUES (1, 0);

-- Whom a hold is for: the fruitore's codice fiscale in conto terzi, else
-- empty. A new hold of the same owner for the same fruitore releases the
-- previous one.
ALTER TABLE holds ADD COLUMN fruitore_cf TEXT NOT NULL DEFAULT '';
CREATE INDEX holds_owner ON holds (owner, fruitore_cf);

-- +goose Down
DROP INDEX holds_owner;
ALTER TABLE holds DROP COLUMN fruitore_cf;
DROP TABLE config_version;
