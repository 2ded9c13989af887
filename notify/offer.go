package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"strings"

	"maragu.dev/goqite"

	"github.com/prenota/prenota/booking"
)

// WaitlistOffer is the kind of the "Si è liberato un posto" message: a seat
// held for the first in a resource's waitlist (SPEC §16). The store puts
// its message (booking.OfferMessage) on the outbox in the transaction that
// makes the offer.
const WaitlistOffer Kind = booking.EventOffer

var offerHTML = template.Must(template.New("offer").Parse(`<!DOCTYPE html>
<html lang="it"><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family: 'Titillium Web', Geneva, Tahoma, sans-serif; color: #1a1a1a">
<p>Gentile cittadina, gentile cittadino,</p>
<p>si è liberato un posto per <strong>{{.Resource}}</strong> il <strong>{{.When}}</strong>, nei giorni per cui ha chiesto di essere avvisato.</p>
<p>Il posto è tenuto per lei fino alle <strong>{{.Until}}</strong>: <a href="{{.Link}}" style="color: #0066cc">confermi la prenotazione</a> entro quell'ora. Dopo, passa alla persona successiva in lista d'attesa.</p>
<p>Se non le serve più, può rinunciare dalla stessa pagina o da «Le mie prenotazioni».</p>
<p>{{.Comune}}</p>
</body></html>`))

// offerDeliveries are the deliveries of an offer message: email, and App IO
// where it is configured.
func (w *Worker) offerDeliveries(body []byte) [][]byte {
	var out [][]byte
	for _, c := range w.channels() {
		b, _ := json.Marshal(job{Kind: WaitlistOffer, Channel: c, Offer: body})
		out = append(out, b)
	}
	return out
}

// deliverOffer sends a "Si è liberato un posto" message, unless the offer
// has run out meanwhile.
func (w *Worker) deliverOffer(ctx context.Context, id goqite.ID, j job) error {
	var m booking.OfferMessage
	if err := json.Unmarshal(j.Offer, &m); err != nil || m.HoldID == "" {
		return fmt.Errorf("%w: malformed waitlist offer", errSkip)
	}
	if !m.ExpiresAt.After(w.cfg.Now()) {
		return fmt.Errorf("%w: the offer has run out", errSkip)
	}
	st, err := w.cfg.Store.Settings(ctx)
	if err != nil {
		return err
	}
	r, err := w.cfg.Store.Resource(ctx, m.ResourceID)
	if err != nil {
		return err
	}
	comune := first(st.Name, "Comune")
	when := m.Start.In(booking.Rome).Format("02/01/2006 alle 15:04")
	until := m.ExpiresAt.In(booking.Rome).Format("15:04 del 02/01/2006")
	link := strings.TrimRight(w.cfg.BaseURL, "/") + booking.OfferPath(m.HoldID)
	subject := "Si è liberato un posto - " + r.Name
	text := fmt.Sprintf("Gentile cittadina, gentile cittadino,\n\nsi è liberato un posto per %s il %s, nei giorni per cui ha chiesto di essere avvisato.\n\n"+
		"Il posto è tenuto per lei fino alle %s: confermi la prenotazione entro quell'ora da questo collegamento:\n%s\n\n"+
		"Dopo, passa alla persona successiva in lista d'attesa. Se non le serve più, può rinunciare dalla stessa pagina o da «Le mie prenotazioni».\n\n%s\n",
		r.Name, when, until, link, comune)
	switch j.Channel {
	case AppIOChannel:
		if w.cfg.AppIO == nil || len(m.CodiceFiscale) != 16 {
			return fmt.Errorf("%w: no App IO for this offer", errSkip)
		}
		md := fmt.Sprintf("Si è liberato un posto per **%s** il **%s**. È tenuto per lei fino alle %s: [confermi la prenotazione](%s).", r.Name, when, until, link)
		if _, err := w.cfg.AppIO.Send(ctx, m.CodiceFiscale, subject, md); err != nil {
			if errors.Is(err, ErrNotOnIO) {
				return fmt.Errorf("%w: %v", errSkip, err)
			}
			return err
		}
		w.ack(ctx, id, j)
		return nil
	case EmailChannel:
	default:
		return fmt.Errorf("%w: unknown channel %q", errSkip, j.Channel)
	}
	if strings.TrimSpace(m.Email) == "" {
		return fmt.Errorf("%w: no email for the offer", errSkip)
	}
	var html strings.Builder
	if err := offerHTML.Execute(&html, map[string]string{"Subject": subject, "Resource": r.Name, "When": when, "Until": until, "Link": link, "Comune": comune}); err != nil {
		return err
	}
	from := strings.TrimSpace(st.NoReply)
	if from == "" {
		u, _ := url.Parse(w.cfg.BaseURL)
		from = "noreply@" + u.Hostname()
	}
	e := &Email{
		MessageID: string(WaitlistOffer) + "." + m.HoldID + "@" + from[strings.LastIndex(from, "@")+1:],
		FromName:  comune,
		From:      from,
		ReplyTo:   strings.TrimSpace(st.ReplyTo),
		To:        strings.TrimSpace(m.Email),
		Subject:   subject,
		Text:      text,
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
