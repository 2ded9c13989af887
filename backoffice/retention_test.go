package backoffice_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prenota/prenota/app"
	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/backoffice"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/testdb"
	"github.com/prenota/prenota/sqlstore"
)

// The retention period of personal data (GDPR) is edited on the texts page
// and takes effect with no restart: the purge reads it on each run.
func TestRetentionSetting(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			a, base := startApp(t, dialect)
			admin := newClient(t, base)
			admin.login("admin")
			ctx := t.Context()
			fields := map[string]string{"name": "Comune di Demo", "province": "Provincia di Demo"}

			// The demo Comune has none set: the page shows the default.
			want(t, "texts page", admin.get("/backoffice/testi"), http.StatusOK,
				`name="retention_months"`, `value="24"`, "Conservazione dei dati personali delle prenotazioni (mesi)")

			fields["retention_months"] = "36"
			want(t, "save 36 months", postTexts(admin, fields, "", nil), http.StatusSeeOther)
			st, err := a.Store.Settings(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st.RetentionMonths != 36 || st.Retention() != 36 || st.Name != "Comune di Demo" {
				t.Fatalf("saved settings: %d months, name %q", st.RetentionMonths, st.Name)
			}
			want(t, "texts page after saving", admin.get("/backoffice/testi"), http.StatusOK, `value="36"`)
			entries := auditEntries(t, a.Store, backoffice.AuditSettingsUpdated)
			if len(entries) != 1 || !strings.Contains(entries[0], "conservazione dei dati personali: 36 mesi") {
				t.Errorf("audit of the change: %q", entries)
			}

			// Out of range or not a number: refused naming the field, what was
			// typed is shown again, nothing is saved.
			for _, v := range []string{"0", "-3", "121", "due anni", ""} {
				fields["retention_months"] = v
				p := postTexts(admin, fields, "", nil)
				want(t, "retention "+v, p, http.StatusUnprocessableEntity, `aria-invalid="true"`, `id="t-retention-err"`,
					strings.ReplaceAll(booking.RetentionMessage, "'", "&#39;"))
				if v != "" && !strings.Contains(p.body, `value="`+v+`"`) {
					t.Errorf("retention %q: the value typed is not shown again", v)
				}
			}
			if st, _ := a.Store.Settings(ctx); st.RetentionMonths != 36 {
				t.Errorf("a refused form changed the retention: %d", st.RetentionMonths)
			}

			// A form without the field (an older page) keeps the stored period.
			delete(fields, "retention_months")
			fields["phone"] = "0123 456789"
			want(t, "form without the field", postTexts(admin, fields, "", nil), http.StatusSeeOther)
			if st, _ := a.Store.Settings(ctx); st.RetentionMonths != 36 || st.Phone != "0123 456789" {
				t.Errorf("after a form without the field: %d months, phone %q", st.RetentionMonths, st.Phone)
			}

			// A booking four years old, purged: the staff pages show it
			// without personal data.
			b := oldBooking(t, a.Store, time.Now().AddDate(-4, 0, 0))
			if _, err := app.Purge(ctx, a.Store, slog.New(slog.DiscardHandler), "job"); err != nil {
				t.Fatal(err)
			}
			if got, _ := a.Store.Booking(ctx, b.ID); !got.Anonymised() {
				t.Fatalf("the old booking was not anonymised: %+v", got)
			}
			p := admin.get("/backoffice/prenotazioni/" + b.ID)
			want(t, "anonymised booking", p, http.StatusOK, b.Code, "Cancellati il", "trascorso il periodo di conservazione")
			if strings.Contains(p.body, "ROSSI") || strings.Contains(p.body, "RSSMRA70A01H501S") {
				t.Error("the anonymised booking's page shows personal data")
			}
			want(t, "search by code", admin.get("/backoffice/cerca?codice="+b.Code), http.StatusSeeOther)
			day := booking.DateOf(b.Start, booking.Rome).String()
			want(t, "agenda of that day", admin.get("/backoffice/agenda/"+strconv.FormatInt(b.ResourceID, 10)+"?data="+day), http.StatusOK,
				b.Code, "Dati personali cancellati")
			csv := admin.get("/backoffice/agenda/" + strconv.FormatInt(b.ResourceID, 10) + "/prenotazioni.csv?data=" + day)
			want(t, "CSV of that day", csv, http.StatusOK, b.Code)
			if strings.Contains(csv.body, "00/00/0000") || strings.Contains(csv.body, "ROSSI") {
				t.Errorf("CSV of an anonymised booking:\n%s", csv.body)
			}
		})
	}
}

// auditEntries returns the details of the audit entries of action.
func auditEntries(t *testing.T, s *sqlstore.Store, action string) []string {
	t.Helper()
	es, err := s.AuditLog(t.Context(), auth.AuditFilter{Action: action, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Detail)
	}
	return out
}

// oldBooking writes a confirmed booking of Mario Rossi at start (in the
// past) on the first bookable resource, as the store would have.
func oldBooking(t *testing.T, s *sqlstore.Store, start time.Time) booking.Booking {
	t.Helper()
	ctx := t.Context()
	rs, err := s.Resources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var res booking.Resource
	for _, r := range rs {
		if r.Bookable {
			res = r
			break
		}
	}
	p := auth.DemoIdentities[0].Person
	fruitore, _ := json.Marshal(p)
	b := booking.Booking{ID: booking.NewID(), Code: booking.NewCode(), ResourceID: res.ID, ResourceName: res.Name,
		Start: start.Truncate(time.Hour), End: start.Truncate(time.Hour).Add(30 * time.Minute)}
	_, err = s.DB().ExecContext(ctx, s.Rebind(`INSERT INTO bookings (id, code, resource_id, resource_name, starts_at, ends_at, slots, presentante,
		fruitore_cf, fruitore, motivazione, telefono, nota, extra, status, created_at, hold_id)
		VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, 'Carta d''identità', ?, '', '{}', 'confirmed', ?, ?)`),
		b.ID, b.Code, b.ResourceID, b.ResourceName, b.Start.UnixMilli(), b.End.UnixMilli(), p.CodiceFiscale, p.CodiceFiscale, string(fruitore),
		p.Telefono, b.Start.Add(-72*time.Hour).UnixMilli(), booking.NewID())
	if err != nil {
		t.Fatal(err)
	}
	return b
}
