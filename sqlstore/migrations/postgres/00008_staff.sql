-- +goose Up
-- The back office reads the staff account of a SPID or CIE login by its
-- codice fiscale on every request (StaffByCF), and checks that a codice
-- fiscale belongs to one account only (CFOwner). (00007 is the retention
-- migration of the gdpr branch.)
CREATE INDEX users_codice_fiscale ON users (codice_fiscale);

-- +goose Down
DROP INDEX users_codice_fiscale;
