package backoffice_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/internal/testdb"
)

// TestAuditPage filters the audit log by person (any part of the actor,
// or of an account's name or login, ignoring case), by action and by
// dates, counts the matches, says when the page is cut, and exports the
// same filter as CSV (both engines).
func TestAuditPage(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			a, base := startApp(t, dialect)
			ctx := context.Background()
			admin := newClient(t, base)
			admin.login("admin")
			cf := auth.DemoIdentities[2].Person.CodiceFiscale
			// op1 acts as "utente:op1", then (with a codice fiscale) as cf.
			op := newClient(t, base)
			op.login("op1")
			want(t, "edit op1", admin.post("/backoffice/operatori/op1", url.Values{"name": {"Anna Verdi"}, "email": {"anna@comune.demo.it"}, "codice_fiscale": {cf}, "role": {"operatore"}}), http.StatusSeeOther)
			op = newClient(t, base)
			op.login("op1")
			now := a.Service.Now()
			for i, e := range []auth.AuditEntry{
				{Actor: "utente:op1", Action: "attendance_marked", Target: "b1", Detail: "presente"},
				{Actor: cf, Action: "attendance_marked", Target: "b2", Detail: "assente"},
				{Actor: cf, Action: "counter_booking", Target: "b3", Detail: "Sportello; con il 100% di \"virgolette\""},
				{Actor: "RSSMRA70A01H501S", Action: "booking_confirmed", Target: "b4"},
			} {
				e.At, e.IP, e.Method = now.Add(time.Duration(i)*time.Second), "192.0.2.1", "password"
				if err := a.Store.Audit(ctx, e); err != nil {
					t.Fatal(err)
				}
			}
			old := auth.AuditEntry{At: now.AddDate(0, 0, -40), Actor: cf, Action: "attendance_marked", Target: "b0"}
			if err := a.Store.Audit(ctx, old); err != nil {
				t.Fatal(err)
			}

			rows := func(p page) int { return strings.Count(p.body, "<tr data-action=") }
			for _, c := range []struct {
				name, query string
				rows        int
				fragments   []string
			}{
				{"name, any case", "chi=aNNa+verd&azione=attendance_marked", 2, []string{`value="aNNa verd"`, "2 attività corrispondono al filtro", "Anna Verdi (op1)"}},
				{"login", "chi=OP1&azione=attendance_marked", 2, nil},
				{"part of the codice fiscale", "chi=" + strings.ToLower(cf[:6]) + "&azione=attendance_marked", 1, []string{"1 attività corrisponde al filtro"}},
				{"part of the subject", "chi=utente:op&azione=attendance_marked", 1, nil},
				{"citizen", "chi=rssmra", 1, []string{"Prenotazione confermata"}},
				{"action", "azione=counter_booking", 1, []string{`<option value="counter_booking" selected>Prenotazione allo sportello</option>`, "Sportello; con il 100%"}},
				{"a wildcard is a character", "chi=%25", 0, []string{"Nessuna attività corrisponde al filtro."}},
				{"older, Italian dates", "chi=op1&azione=attendance_marked&dal=" + now.AddDate(0, 0, -41).Format("02/01/2006") + "&al=" + now.Format("02/01/2006"), 3, nil},
				{"a day with nothing", "dal=" + now.AddDate(0, 0, 1).Format("2006-01-02"), 0, []string{"Nessuna attività"}},
			} {
				p := admin.get("/backoffice/audit?" + c.query)
				want(t, c.name, p, http.StatusOK, c.fragments...)
				if n := rows(p); n != c.rows {
					t.Errorf("%s: %d rows, want %d", c.name, n, c.rows)
				}
			}
			for _, c := range []struct{ name, query, msg, kept string }{
				{"bad date", "dal=31/02/2026&chi=anna", "Dal: la data non è valida", `value="31/02/2026"`},
				{"to before from", "dal=2026-12-07&al=2026-12-01", "Al: la data viene prima", `value="2026-12-01"`},
				{"unknown action", "azione=nulla&chi=anna", "Azione: scelga una delle azioni", `value="anna"`},
			} {
				want(t, c.name, admin.get("/backoffice/audit?"+c.query), http.StatusUnprocessableEntity, c.msg, c.kept)
			}

			// More entries than a page: the newest are shown and the cut is said.
			for i := range 505 {
				if err := a.Store.Audit(ctx, auth.AuditEntry{At: now.Add(time.Minute + time.Duration(i)*time.Millisecond), Actor: "utente:bulk", Action: "login", Target: fmt.Sprint(i)}); err != nil {
					t.Fatal(err)
				}
			}
			p := admin.get("/backoffice/audit?chi=bulk")
			want(t, "cut", p, http.StatusOK, "505 attività corrispondono al filtro", "Sono mostrate le 500 più recenti", `<td class="text-break">504</td>`)
			if n := rows(p); n != 500 || strings.Contains(p.body, `<td class="text-break">4</td>`) {
				t.Errorf("cut page: %d rows", n)
			}

			// The CSV of the same filter.
			csv := admin.get("/backoffice/audit/registro.csv?chi=anna&azione=attendance_marked&dal=" + now.AddDate(0, 0, -41).Format("2006-01-02"))
			want(t, "csv", csv, http.StatusOK, "\uFEFFData;Ora;Chi;Nome;Accesso con;Azione;Codice azione;Su che cosa;Dettagli;Indirizzo IP\r\n",
				now.Format("02/01/2006")+";", ";"+cf+";Anna Verdi (op1);password;Presenza segnata;attendance_marked;b2;assente;192.0.2.1\r\n",
				";utente:op1;Anna Verdi (op1);password;Presenza segnata;attendance_marked;b1;presente;")
			if !strings.HasPrefix(csv.header.Get("Content-Type"), "text/csv; charset=utf-8") || !strings.HasPrefix(csv.header.Get("Content-Disposition"), "attachment;") {
				t.Errorf("csv headers: %v", csv.header)
			}
			if n := strings.Count(csv.body, "\r\n"); n != 4 {
				t.Errorf("csv: %d lines, want 4 (header and 3 entries)\n%s", n, csv.body)
			}
			quoted := admin.get("/backoffice/audit/registro.csv?azione=counter_booking")
			want(t, "csv quoting", quoted, http.StatusOK, `;"Sportello; con il 100% di ""virgolette""";`)
			want(t, "csv of a bad filter", admin.get("/backoffice/audit/registro.csv?dal=ieri"), http.StatusUnprocessableEntity)
			if acts := auditActions(t, a.Store, "utente:admin"); acts["audit_exported"] != 2 {
				t.Errorf("exports audited: %v", acts)
			}
			want(t, "operatore", op.get("/backoffice/audit/registro.csv"), http.StatusForbidden)
		})
	}
}
