-- +goose Up
-- Identity and access: accounts for staff and authorised third parties,
-- failed-login counters, password reset tokens, SAML request/replay records
-- and the audit log. Instants are unix milliseconds (UTC).
CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  login         TEXT NOT NULL UNIQUE, -- lower case
  name          TEXT NOT NULL,
  email         TEXT NOT NULL,
  codice_fiscale TEXT NOT NULL DEFAULT '',
  role          TEXT NOT NULL,        -- admin, operatore, terzo
  password_hash TEXT NOT NULL,        -- argon2id, PHC string format
  disabled      INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
CREATE INDEX users_email ON users (email);

-- One row per key ("account:<login>", "ip:<address>"): consecutive failures
-- since the last success, and when the last one happened.
CREATE TABLE login_failures (
  key      TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  last_at  INTEGER NOT NULL
);

-- Only the SHA-256 of a reset token is stored.
CREATE TABLE password_resets (
  token_hash TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at    INTEGER
);
CREATE INDEX password_resets_user ON password_resets (user_id);

-- Pending SAML AuthnRequests (by request ID) and OIDC-like one-time records:
-- taken once, at the ACS, whatever browser session arrives there.
CREATE TABLE auth_requests (
  id         TEXT PRIMARY KEY,
  data       TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX auth_requests_expires ON auth_requests (expires_at);

-- IDs of accepted SAML assertions, kept until they expire: a replayed
-- assertion is refused.
CREATE TABLE used_assertions (
  id         TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
);
CREATE INDEX used_assertions_expires ON used_assertions (expires_at);

CREATE TABLE audit_log (
  id      INTEGER PRIMARY KEY,
  at      INTEGER NOT NULL,
  actor   TEXT NOT NULL,  -- subject of who acted; '' when anonymous
  action  TEXT NOT NULL,
  target  TEXT NOT NULL,  -- whom or what: impersonated CF, booking id, login tried
  ip      TEXT NOT NULL,
  method  TEXT NOT NULL,  -- how the actor authenticated (spid, cie, oidc, password, demo)
  detail  TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor, at);
CREATE INDEX audit_log_target ON audit_log (target, at);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE used_assertions;
DROP TABLE auth_requests;
DROP TABLE password_resets;
DROP TABLE login_failures;
DROP TABLE users;
