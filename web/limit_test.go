package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/testdb"
)

// TestPerPersonLimitPage: with one future booking per codice fiscale, a
// second confirmation is refused on the page with the rule's message, linked
// to the summary of the anagrafica (the field is not edited there), and what
// was typed is kept.
func TestPerPersonLimitPage(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			a, base := startApp(t, dialect, 0, monday)
			ctx := context.Background()
			r, err := a.Service.Resource(ctx, 13)
			if err != nil {
				t.Fatal(err)
			}
			r.Schedule.PerPerson = 1
			keep := func([]booking.Booking) (map[string]bool, string, bool, error) { return nil, "", true, nil }
			if _, err := a.Service.UpdateResource(ctx, r, keep); err != nil {
				t.Fatal(err)
			}
			mario := newClient(t, base)
			mario.login(marioCF)
			grid := mario.get("/prenota/13/disponibilita")
			book := func(start string, motivazione string) page {
				t.Helper()
				if p := mario.post("/prenota/13/disponibilita", url.Values{"slot": {start}, "settimana": {"2026-12-07"}}); p.status != 303 {
					t.Fatalf("hold %s: %d\n%s", start, p.status, excerpt(p.body))
				}
				ana := url.Values{"nome": {"MARIO"}, "cognome": {"ROSSI"}, "data_nascita": {"01/01/1970"}, "sesso": {"M"}, "nazione_nascita": {"ITALIA"},
					"provincia_nascita": {"RM"}, "comune_nascita": {"ROMA"}, "codice_fiscale": {marioCF}, "email": {"mario.rossi@example.it"}, "telefono": {"333 1234567"}}
				if p := mario.post("/prenota/anagrafica", ana); p.status != 303 {
					t.Fatalf("anagrafica: %d\n%s", p.status, excerpt(p.body))
				}
				conf := mario.get("/prenota/conferma")
				form := url.Values{"hold_id": {attr(t, conf.body, `input type="hidden" name="hold_id"`, "value")},
					"idempotency_key": {attr(t, conf.body, `input type="hidden" name="idempotency_key"`, "value")},
					"telefono":        {"333 1234567"}, "motivazione": {motivazione}}
				return mario.post("/prenota/conferma", form)
			}
			if p := book(slot(t, grid.body, "2026-12-09", "10:00"), "Prima pratica"); p.status != 303 {
				t.Fatalf("first booking: %d\n%s", p.status, excerpt(p.body))
			}
			p := book(slot(t, grid.body, "2026-12-10", "10:00"), "Seconda pratica")
			want(t, "second booking", p, 422, `href="#f-riepilogo"`, `id="f-riepilogo"`, `il massimo stabilito dal Comune`, `Seconda pratica`)
			if strings.Contains(p.body, `href="#f-fruitore.`) {
				t.Error("the error links to a field this page does not have")
			}
			want(t, "list", mario.get("/prenotazioni"), 200, `Totale risultati: 1`)
		})
	}
}
