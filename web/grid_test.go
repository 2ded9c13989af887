package web_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/testdb"
)

// resourceID finds the id of the demo resource named name in the tree.
func resourceID(t *testing.T, c *client, name string) string {
	t.Helper()
	m := regexp.MustCompile(`href="/prenota\?risorsa=(\d+)"[^>]*>` + regexp.QuoteMeta(name) + `<`).FindStringSubmatch(c.get("/prenota").body)
	if m == nil {
		t.Fatalf("no resource %q in the tree", name)
	}
	return m[1]
}

// TestGridTexts: what the week grid says besides colours: free seats of a
// slot with several ("2 posti", "1 posto"), the minimum notice, when slots
// not yet open open, the closed days by name, the viewer's own booking, the
// announcement of the week, and the instructions for a one-slot resource.
func TestGridTexts(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			// Monday 14 December 2026, 16:00: Tuesday's 15:00 is within the
			// Sindaco's 24 hours of notice.
			_, base := startApp(t, dialect, 0, time.Date(2026, 12, 14, 16, 0, 0, 0, booking.Rome))
			mario := newClient(t, base)
			mario.login(marioCF)

			biblioteca := resourceID(t, mario, "Biblioteca Comunale")
			grid := mario.get("/prenota/" + biblioteca + "/disponibilita")
			icon := mario.get(attr(t, grid.body, `link rel="icon"`, "href"))
			if icon.status != 200 || icon.ctype != "image/svg+xml" || !strings.Contains(icon.body, "<svg") {
				t.Errorf("favicon: %d %s", icon.status, icon.ctype)
			}
			want(t, "seats", grid, 200, `<span class="slot-seats" aria-hidden="true">2 posti</span>`,
				`data-announce="Settimana dal 14 al 20 dicembre: `)
			s := slot(t, grid.body, "2026-12-16", "09:00")
			giulia := newClient(t, base)
			giulia.login(giuliaCF)
			if p := giulia.post("/prenota/"+biblioteca+"/disponibilita", url.Values{"slot": {s}}); p.status != 303 {
				t.Fatalf("Giulia's hold: %d", p.status)
			}
			grid = mario.get("/prenota/" + biblioteca + "/disponibilita")
			want(t, "one seat", grid, 200, `<span class="slot-seats" aria-hidden="true">1 posto</span>`, `Libero, 1 posto, da 16/12/2026 09:00`)
			if strings.Contains(grid.body, "1 posti") {
				t.Error(`"1 posti" on the grid`)
			}

			sindaco := resourceID(t, mario, "Ricevimento del Sindaco")
			want(t, "notice", mario.get("/prenota/"+sindaco+"/disponibilita"), 200,
				`Non prenotabile: si prenota fino a 24 ore prima`, `scegli uno slot per proseguire.`)

			estere := resourceID(t, mario, "Sportello Prenotazioni Pratiche Estere")
			want(t, "not yet open", mario.get("/prenota/"+estere+"/disponibilita?settimana=2027-02-01"), 200,
				`Non ancora prenotabile: dal 01/01 alle 08:00`, `Gli orari non ancora prenotabili di questa settimana si prenotano dal 01/01 alle 08:00.`)

			want(t, "holidays", mario.get("/prenota/13/disponibilita?settimana=2026-12-21"), 200,
				`Chiuso venerdì 25/12: Natale`, `Chiuso sabato 26/12: Santo Stefano`,
				`data-announce="Settimana dal 21 al 27 dicembre: `)
			want(t, "new year", mario.get("/prenota/13/disponibilita?settimana=2026-12-28"), 200,
				`data-announce="Settimana dal 28 dicembre 2026 al 3 gennaio 2027: `)

			// Mario's own booking is his, not "Occupato".
			grid = mario.get("/prenota/13/disponibilita?settimana=2026-12-14")
			s = slot(t, grid.body, "2026-12-17", "10:00")
			if p := mario.post("/prenota/13/disponibilita", url.Values{"slot": {s}}); p.status != 303 {
				t.Fatalf("Mario's hold: %d", p.status)
			}
			grid = mario.get("/prenota/13/disponibilita?settimana=2026-12-14")
			want(t, "own hold", grid, 200, `<td class="slot slot-held_by_you">`, `Restano`)
			if p := mario.post("/prenota/13/disponibilita", url.Values{"slot": {s}}); p.status != 303 || p.location != "/prenota/anagrafica" {
				t.Fatalf("the same slot again: %d %s", p.status, p.location)
			}
			if p := mario.post("/prenota/anagrafica", url.Values{"nome": {"MARIO"}, "cognome": {"ROSSI"}, "data_nascita": {"01/01/1970"}, "sesso": {"M"},
				"nazione_nascita": {"ITALIA"}, "provincia_nascita": {"RM"}, "comune_nascita": {"ROMA"}, "codice_fiscale": {marioCF},
				"email": {"mario.rossi@example.it"}, "telefono": {"333 1234567"}}); p.status != 303 {
				t.Fatalf("anagrafica: %d\n%s", p.status, excerpt(p.body))
			}
			conf := mario.get("/prenota/conferma")
			if p := mario.post("/prenota/conferma", url.Values{"hold_id": {attr(t, conf.body, `input type="hidden" name="hold_id"`, "value")},
				"idempotency_key": {attr(t, conf.body, `input type="hidden" name="idempotency_key"`, "value")},
				"motivazione":     {"Prova"}, "telefono": {"333 1234567"}}); p.status != 303 {
				t.Fatalf("conferma: %d\n%s", p.status, excerpt(p.body))
			}
			grid = mario.get("/prenota/13/disponibilita?settimana=2026-12-14")
			want(t, "own booking", grid, 200, `<span class="visually-hidden">Già riservato a lei</span>`)
			want(t, "taken for others", giulia.get("/prenota/13/disponibilita?settimana=2026-12-14"), 200, `<span class="visually-hidden">Occupato</span>`)
		})
	}
}
