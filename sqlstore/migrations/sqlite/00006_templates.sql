-- +goose Up
-- The back office's versions of the email templates, one row per kind of
-- message (confirmation, cancellation, reminder); a kind without a row uses
-- the built-in texts. subject, text_body and html_body are Go templates
-- (see notify.Parts). Instants are unix milliseconds (UTC).
CREATE TABLE email_templates (
  kind       TEXT PRIMARY KEY,
  subject    TEXT NOT NULL,
  text_body  TEXT NOT NULL,
  html_body  TEXT NOT NULL,
  updated_by TEXT NOT NULL, -- subject of the admin
  updated_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE email_templates;
