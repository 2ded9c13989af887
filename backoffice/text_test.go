package backoffice_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/testdb"
)

// TestTextsNotStorable: a NUL or invalid UTF-8 typed in the back office's
// text fields (Comune's texts, resource, closure, email template, operator)
// is a 422 with the message at the field, on both engines, and nothing is
// saved.
func TestTextsNotStorable(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a, base := startApp(t, d)
			admin := newClient(t, base)
			admin.login("admin")
			_, res := createResource(t, admin)
			before, err := a.Store.Settings(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			msg := "carattere non ammesso"
			want(t, "texts", postTexts(admin, map[string]string{"name": "Comune di Demo", "welcome": "Benvenuti\x00"}, "", nil), http.StatusUnprocessableEntity, msg)
			if after, _ := a.Store.Settings(context.Background()); after.Welcome != before.Welcome {
				t.Errorf("welcome saved: %q", after.Welcome)
			}
			next := booking.DateOf(monday, booking.Rome).AddDays(7)
			want(t, "closure", admin.post("/backoffice/risorse/"+res+"/chiusure", url.Values{"from": {next.String()}, "reason": {"Inventario\xff"}}),
				http.StatusUnprocessableEntity, msg)
			cal, err := a.Service.Calendar(context.Background())
			if err != nil || len(cal.Closures) != 0 {
				t.Errorf("closures after a refused one: %v %v", cal.Closures, err)
			}
			want(t, "email template", admin.post("/backoffice/testi/email/conferma", url.Values{"subject": {"Conferma\x00"}, "text": {"x"}, "html": {"<p>x</p>"}}),
				http.StatusUnprocessableEntity, "Oggetto: Il testo contiene un carattere non ammesso")
			p := admin.post("/backoffice/operatori", url.Values{"login": {"nuovo\x00"}, "name": {"Nuovo"}, "email": {"nuovo@comune.demo.it"}, "role": {"operatore"},
				"password": {"una-password-lunga"}})
			want(t, "operator", p, http.StatusUnprocessableEntity, msg)
			if _, err := a.Store.UserByLogin(context.Background(), "nuovo\x00"); err == nil {
				t.Error("operator saved")
			}
			if strings.Contains(p.body, "\x00") {
				t.Error("the page echoes a NUL")
			}
		})
	}
}
