-- +goose Up
-- Ratings of the Modello Comuni satisfaction widget ("Quanto è stato facile
-- usare questo servizio?"), for the back office. No personal data: the
-- rating, the chosen reason and the free text only.
CREATE TABLE feedback (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  created_at BIGINT NOT NULL, -- unix ms
  page       TEXT NOT NULL,   -- where the widget was: "esito", …
  rating     INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
  reason     TEXT NOT NULL DEFAULT '',
  comment    TEXT NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE feedback;
