package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"

	"maragu.dev/goqite"

	"github.com/prenota/prenota/booking"
)

// PasswordReset is the kind of the "Recupera password" email. The auth
// package puts its message (auth.PasswordResetMessage) on the outbox in
// the same transaction as the reset token; the worker turns it into one
// email delivery, retried like the others.
const PasswordReset Kind = booking.EventPasswordReset

// resetMessage mirrors auth.PasswordResetMessage (adapters do not import
// each other).
type resetMessage struct {
	Kind      string    `json:"kind"`
	To        string    `json:"to"`
	Name      string    `json:"name"`
	Login     string    `json:"login"`
	Link      string    `json:"link"`
	ExpiresAt time.Time `json:"expires_at"`
}

var resetHTML = template.Must(template.New("reset").Parse(`<!DOCTYPE html>
<html lang="it"><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family: 'Titillium Web', Geneva, Tahoma, sans-serif; color: #1a1a1a">
<p>Gentile {{.Name}},</p>
<p>è stato chiesto di reimpostare la password dell'account <strong>{{.Login}}</strong> del servizio di prenotazione online del {{.Comune}}.</p>
<p><a href="{{.Link}}" style="color: #0066cc">Scelga una nuova password</a> entro le {{.Until}}: il collegamento vale una sola volta.</p>
<p>Se non ha chiesto lei di reimpostare la password, ignori questo messaggio: la password attuale resta valida.</p>
<p>{{.Comune}}</p>
</body></html>`))

// deliverReset sends a "Recupera password" email.
func (w *Worker) deliverReset(ctx context.Context, id goqite.ID, j job) error {
	var m resetMessage
	if err := json.Unmarshal(j.Reset, &m); err != nil || strings.TrimSpace(m.To) == "" || m.Link == "" {
		return fmt.Errorf("%w: malformed password reset message", errSkip)
	}
	if !m.ExpiresAt.IsZero() && !m.ExpiresAt.After(w.cfg.Now()) {
		return fmt.Errorf("%w: the reset link has expired", errSkip)
	}
	if j.Channel != EmailChannel {
		return fmt.Errorf("%w: a password reset goes by email only", errSkip)
	}
	st, err := w.cfg.Store.Settings(ctx)
	if err != nil {
		return err
	}
	comune := first(st.Name, "Comune") // "Comune di Demo"
	from := strings.TrimSpace(st.NoReply)
	if from == "" {
		u, _ := url.Parse(w.cfg.BaseURL)
		from = "noreply@" + u.Hostname()
	}
	until := m.ExpiresAt.In(booking.Rome).Format("15:04 del 02/01/2006")
	subject := "Recupera password - " + comune
	var text strings.Builder
	fmt.Fprintf(&text, "Gentile %s,\n\nè stato chiesto di reimpostare la password dell'account %s del servizio di prenotazione online del %s.\n\n", m.Name, m.Login, comune)
	fmt.Fprintf(&text, "Per scegliere una nuova password apra questo collegamento entro le %s (vale una sola volta):\n%s\n\n", until, m.Link)
	text.WriteString("Se non ha chiesto lei di reimpostare la password, ignori questo messaggio: la password attuale resta valida.\n\n" + comune + "\n")
	var html strings.Builder
	if err := resetHTML.Execute(&html, map[string]string{"Subject": subject, "Name": m.Name, "Login": m.Login, "Comune": comune, "Link": m.Link, "Until": until}); err != nil {
		return err
	}
	// The Message-ID is stable per link (a retry is recognisable), without
	// giving the link away.
	h := sha256.Sum256([]byte(m.Link))
	e := &Email{
		MessageID: string(PasswordReset) + "." + hex.EncodeToString(h[:12]) + "@" + from[strings.LastIndex(from, "@")+1:],
		FromName:  comune,
		From:      from,
		ReplyTo:   strings.TrimSpace(st.ReplyTo),
		To:        strings.TrimSpace(m.To),
		Subject:   subject,
		Text:      text.String(),
		HTML:      html.String(),
		Date:      w.cfg.Now(),
	}
	if w.cfg.Mailer == nil {
		raw, err := e.Bytes()
		if err != nil {
			return err
		}
		return w.cfg.Store.DeliverLocal(ctx, id, e.MessageID, raw)
	}
	if err := w.cfg.Mailer.Send(ctx, e); err != nil {
		return err
	}
	w.ack(ctx, id, j)
	return nil
}
