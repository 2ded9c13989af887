package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/testdb"
)

// book books the slot of sala 2 at day (YYYY-MM-DD) hh:mm for c's user
// (a certified identity: the anagrafica is theirs) and returns its id.
func book(t *testing.T, c *client, day, hhmm string) string {
	t.Helper()
	grid := c.get("/prenota/13/disponibilita?settimana=" + day)
	if p := c.post("/prenota/13/disponibilita", url.Values{"slot": {slot(t, grid.body, day, hhmm)}}); p.status != 303 {
		t.Fatalf("hold %s %s: %d", day, hhmm, p.status)
	}
	if p := c.post("/prenota/anagrafica", url.Values{"nome": {"MARIO"}, "cognome": {"ROSSI"}, "data_nascita": {"01/01/1970"}, "sesso": {"M"},
		"nazione_nascita": {"ITALIA"}, "provincia_nascita": {"RM"}, "comune_nascita": {"ROMA"}, "codice_fiscale": {marioCF},
		"email": {"mario.rossi@example.it"}, "telefono": {"333 1234567"}}); p.status != 303 {
		t.Fatalf("anagrafica: %d\n%s", p.status, excerpt(p.body))
	}
	conf := c.get("/prenota/conferma")
	p := c.post("/prenota/conferma", url.Values{"hold_id": {attr(t, conf.body, `input type="hidden" name="hold_id"`, "value")},
		"idempotency_key": {attr(t, conf.body, `input type="hidden" name="idempotency_key"`, "value")},
		"motivazione":     {"Riunione"}, "telefono": {"333 1234567"}})
	if p.status != 303 || !strings.HasPrefix(p.location, "/prenotazioni/") {
		t.Fatalf("conferma: %d %s", p.status, p.location)
	}
	return strings.TrimSuffix(strings.TrimPrefix(p.location, "/prenotazioni/"), "?esito=1")
}

// TestMyBookings: "Le mie prenotazioni" lists the soonest first; a booking
// the Comune cancelled stays, with its reason and without "Disdici"; the
// booking page offers "Disdici" while it can be cancelled.
func TestMyBookings(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			a, base := startApp(t, dialect, 0, monday)
			mario := newClient(t, base)
			mario.login(marioCF)
			thu := book(t, mario, "2026-12-10", "10:00")
			wed := book(t, mario, "2026-12-09", "10:00")
			fri := book(t, mario, "2026-12-11", "10:00")
			if _, err := a.Store.Cancel(context.Background(), fri, "Sala chiusa per lavori"); err != nil {
				t.Fatal(err)
			}
			list := mario.get("/prenotazioni")
			want(t, "list", list, 200, `Totale risultati: 3`, `Stato: Annullata dal Comune: Sala chiusa per lavori`,
				`href="/prenotazioni/`+wed+`/disdici"`, `href="/prenotazioni/`+thu+`/disdici"`)
			iw, it, iF := strings.Index(list.body, `id="b-`+wed+`"`), strings.Index(list.body, `id="b-`+thu+`"`), strings.Index(list.body, `id="b-`+fri+`"`)
			if iw < 0 || !(iw < it && it < iF) {
				t.Errorf("order: wed %d, thu %d, fri %d; want the soonest first", iw, it, iF)
			}
			if strings.Contains(list.body, `/prenotazioni/`+fri+`/disdici`) || strings.Contains(list.body, `/prenotazioni/`+fri+`/ricevuta.pdf`) {
				t.Error("the cancelled booking can be cancelled again or printed")
			}
			want(t, "booking page", mario.get("/prenotazioni/"+thu), 200, `id="disdici" href="/prenotazioni/`+thu+`/disdici"`)
			cancelled := mario.get("/prenotazioni/" + fri)
			want(t, "cancelled page", cancelled, 200, `Questa prenotazione è stata annullata dal Comune: Sala chiusa per lavori`)
			if strings.Contains(cancelled.body, `id="disdici"`) {
				t.Error(`a cancelled booking's page offers "Disdici"`)
			}
		})
	}
}

// TestMovedBooking: a booking the Comune moved shows in "Le mie
// prenotazioni" as "Spostata" with its old time, still cancellable.
func TestMovedBooking(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			a, base := startApp(t, dialect, 0, monday)
			mario := newClient(t, base)
			mario.login(marioCF)
			id := book(t, mario, "2026-12-10", "10:00")
			b, err := a.Store.Booking(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.Service.Move(context.Background(), booking.MoveRequest{BookingID: id, Start: b.Start.Add(2 * time.Hour)}); err != nil {
				t.Fatal(err)
			}
			want(t, "list", mario.get("/prenotazioni"), 200, `Stato: Spostata: prima era il 10/12/2026 alle 10:00`, `Da: 10/12/2026 12:00`,
				`href="/prenotazioni/`+id+`/disdici"`)
		})
	}
}
