-- +goose Up
-- The back office: attendance marks of bookings, the resources each
-- operatore works, and the API's integration tokens (only their SHA-256 is
-- stored). Instants are unix milliseconds (UTC).
CREATE TABLE attendance (
  booking_id TEXT PRIMARY KEY REFERENCES bookings (id),
  state      TEXT NOT NULL, -- presente, assente
  marked_by  TEXT NOT NULL, -- subject of the operator
  marked_at  INTEGER NOT NULL
);

CREATE TABLE operator_resources (
  login       TEXT NOT NULL,    -- users.login of an operatore
  resource_id INTEGER NOT NULL, -- a resource or a group (its descendants too)
  PRIMARY KEY (login, resource_id)
);

CREATE TABLE integration_tokens (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE, -- hex SHA-256 of the token
  scope      TEXT NOT NULL,        -- read, book
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER,
  last_used  INTEGER
);

-- +goose Down
DROP TABLE integration_tokens;
DROP TABLE operator_resources;
DROP TABLE attendance;
