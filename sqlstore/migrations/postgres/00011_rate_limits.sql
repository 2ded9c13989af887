-- +goose Up
-- Token buckets of the request limits (auth.Limiter) that every instance
-- shares: used on PostgreSQL, where several instances serve one Comune;
-- SQLite (one process) keeps them in memory, so there the table stays empty.
-- tokens after the last request, at its time (unix ms), and whether it was
-- allowed (the answer of the statement that took the token).
CREATE TABLE rate_limits (
    key     TEXT PRIMARY KEY,
    tokens  DOUBLE PRECISION NOT NULL,
    at      BIGINT NOT NULL,
    allowed BOOLEAN NOT NULL
);

-- +goose Down
DROP TABLE rate_limits;
