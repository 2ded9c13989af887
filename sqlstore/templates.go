package sqlstore

import (
	"context"

	"github.com/prenota/prenota/booking"
)

// EmailTemplates returns the back office's versions of the email templates,
// by kind. It is one small query: the message worker calls it before each
// message, so that a change applies to the next one.
func (s *Store) EmailTemplates(ctx context.Context) (map[string]booking.EmailTemplate, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT kind, subject, text_body, html_body, updated_by, updated_at FROM email_templates")
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	out := map[string]booking.EmailTemplate{}
	for rows.Next() {
		var t booking.EmailTemplate
		var at int64
		if err := rows.Scan(&t.Kind, &t.Subject, &t.Text, &t.HTML, &t.UpdatedBy, &at); err != nil {
			return nil, wrap(err)
		}
		t.UpdatedAt = fromMS(at)
		out[t.Kind] = t
	}
	return out, wrap(rows.Err())
}

// SaveEmailTemplate stores t, replacing the kind's earlier version. The
// caller checks the templates first (notify.CheckParts).
func (s *Store) SaveEmailTemplate(ctx context.Context, t booking.EmailTemplate) error {
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO email_templates (kind, subject, text_body, html_body, updated_by, updated_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (kind) DO UPDATE SET subject = excluded.subject, text_body = excluded.text_body,
			html_body = excluded.html_body, updated_by = excluded.updated_by, updated_at = excluded.updated_at`),
		t.Kind, t.Subject, t.Text, t.HTML, t.UpdatedBy, ms(t.UpdatedAt))
	return wrap(err)
}

// DeleteEmailTemplate drops the back office's version of a kind: the
// built-in texts apply again. Deleting a kind that has none is not an error.
func (s *Store) DeleteEmailTemplate(ctx context.Context, kind string) error {
	_, err := s.w.ExecContext(ctx, s.q("DELETE FROM email_templates WHERE kind = ?"), kind)
	return wrap(err)
}
