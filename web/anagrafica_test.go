package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/prenota/prenota/internal/testdb"
)

// TestAnagraficaAtOnce: the anagrafica of someone without a certified
// identity (conto terzi: Giulia books for Luca, born in Germany). The
// birth data comes from the codice fiscale, to be checked; every wrong
// field is named in one answer, the places included; the phone is asked
// once, in the anagrafica.
func TestAnagraficaAtOnce(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			_, base := startApp(t, dialect, 0, monday)
			giulia := newClient(t, base)
			giulia.login(giuliaCF)
			if p := giulia.post("/conto-terzi", url.Values{"codice_fiscale": {lucaCF}}); p.status != 303 {
				t.Fatalf("conto terzi: %d", p.status)
			}
			grid := giulia.get("/prenota/13/disponibilita")
			if p := giulia.post("/prenota/13/disponibilita", url.Values{"slot": {slot(t, grid.body, "2026-12-10", "09:00")}}); p.status != 303 {
				t.Fatalf("hold: %d\n%s", p.status, excerpt(p.body))
			}
			want(t, "derived from the locked CF", giulia.get("/prenota/anagrafica"), 200, `id="dati-da-cf"`,
				`name="data_nascita" value="29/02/1992"`, `name="nazione_nascita" value="GERMANIA"`, `id="f-sesso-m" value="M" checked`)

			form := url.Values{"nome": {""}, "cognome": {"Ferrari"}, "data_nascita": {""}, "sesso": {""}, "nazione_nascita": {"ITALIA"},
				"provincia_nascita": {"RM"}, "comune_nascita": {"ROMAX"}, "email": {"luca@"}, "telefono": {"1970-02-30"}}
			p := giulia.post("/prenota/anagrafica", form)
			want(t, "every error at once", p, 422, `Ci sono 4 dati da correggere`, `href="#f-nome"`, `href="#f-comune_nascita"`,
				`Il comune di nascita non è nell&#39;elenco ISTAT`, `href="#f-email"`, `href="#f-telefono"`, `Questa sembra una data`,
				`id="dati-da-cf"`, `name="data_nascita" value="29/02/1992"`)

			form = url.Values{"nome": {"Luca"}, "cognome": {"Ferrari"}, "email": {"luca.ferrari@example.it"}, "telefono": {"+49 151 2345678"}}
			p = giulia.post("/prenota/anagrafica", form)
			want(t, "derived on submit", p, 200, `id="dati-da-cf"`, `name="data_nascita" value="29/02/1992"`,
				`name="nazione_nascita" value="GERMANIA"`, `id="f-sesso-m" value="M" checked`)
			if strings.Contains(p.body, `id="riepilogo-errori"`) {
				t.Error("errors shown with the derived data")
			}
			for k, v := range map[string]string{"data_nascita": "29/02/1992", "sesso": "M", "nazione_nascita": "GERMANIA"} {
				form.Set(k, v)
			}
			if p := giulia.post("/prenota/anagrafica", form); p.status != 303 || p.location != "/prenota/conferma" {
				t.Fatalf("checked data: %d %q\n%s", p.status, p.location, excerpt(p.body))
			}
			conf := giulia.get("/prenota/conferma")
			want(t, "conferma", conf, 200, "<dt class=\"col-12 col-md-4\">Telefono</dt>\n        <dd class=\"col-12 col-md-8\">&#43;49 151 2345678</dd>")
			if strings.Contains(conf.body, `name="telefono"`) {
				t.Error("the phone is asked again on Conferma")
			}
		})
	}
}
