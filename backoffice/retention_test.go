package backoffice_test

import (
	"net/http"
	"strings"
	"testing"

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
		})
	}
}

// auditEntries returns the details of the audit entries of action.
func auditEntries(t *testing.T, s *sqlstore.Store, action string) []string {
	t.Helper()
	es, err := s.AuditLog(t.Context(), sqlstore.AuditFilter{Action: action, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Detail)
	}
	return out
}
