package backoffice_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prenota/prenota/backoffice"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/notify"
)

// TestEmailTemplates is the editor of the email templates over HTTP (issue
// 6, "Texts"): the preview, a broken template refused with the field named,
// an override that changes the subject of the next confirmation in the demo
// mailbox, "Ripristina predefinito", the audit log and the admin-only access.
// SQLite only: the store methods are two plain statements, and the worker
// that reads them runs on both engines in notify's tests.
func TestEmailTemplates(t *testing.T) {
	a, base := startApp(t, "sqlite")
	ctx := context.Background()
	admin := newClient(t, base)
	admin.login("admin")
	op := newClient(t, base)
	op.login("op1")

	want(t, "list", admin.get("/backoffice/testi/email"), http.StatusOK,
		"Modelli delle email", "Conferma della prenotazione", "Annullamento", "Promemoria", "Testo predefinito",
		"Conferma Prenotazione - Fruitore: {{.FruitoreLine}}", `{{template &#34;details&#34; .}}`)
	want(t, "operatore", op.get("/backoffice/testi/email"), http.StatusForbidden)
	want(t, "operatore saves", op.post("/backoffice/testi/email/conferma", url.Values{"subject": {"x"}}), http.StatusForbidden)
	want(t, "unknown kind", admin.get("/backoffice/testi/email/benvenuto"), http.StatusNotFound)

	def := notify.DefaultParts(notify.Confirmation)
	editor := admin.get("/backoffice/testi/email/conferma")
	want(t, "editor", editor, http.StatusOK, "Anteprima con una prenotazione di esempio",
		"Conferma Prenotazione - Fruitore: NICCOLÒ D&#39;AMICO – 30/11/2001 – CF. DMCNCL01S30D612R", "Comune di Demo", `sandbox=""`, "srcdoc=")

	form := func(subject, text, html, action string) url.Values {
		return url.Values{"subject": {subject}, "text": {text}, "html": {html}, "azione": {action}}
	}
	stored := func() int {
		ts, err := a.Store.EmailTemplates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return len(ts)
	}
	custom := "Appuntamento confermato {{.Code}} – {{.Date}} ore {{.Time}}"

	// A preview renders the form, and saves nothing.
	p := admin.post("/backoffice/testi/email/conferma", form(custom, def.Text, def.HTML, "anteprima"))
	want(t, "preview", p, http.StatusOK, "Appuntamento confermato K7MP-QX9C – ")
	if n := stored(); n != 0 {
		t.Fatalf("a preview stored %d templates", n)
	}

	// Broken templates are refused, naming the field, and nothing is saved.
	for _, c := range []struct {
		name     string
		f        url.Values
		fragment string
	}{
		{"unknown field", form(custom, def.Text+"{{.Codice}}", def.HTML, "salva"), "Testo (versione solo testo): il modello contiene un errore"},
		{"syntax", form("Conferma {{.Code", def.Text, def.HTML, "salva"), "Oggetto: il modello contiene un errore (riga 1: azione non chiusa"},
		{"unclosed if", form(custom, def.Text, "{{if .ByPhone}}<p>telefono</p>", "salva"), "Testo HTML: il modello contiene un errore"},
		{"empty subject", form("", def.Text, def.HTML, "salva"), "Oggetto: il campo non può essere vuoto."},
	} {
		p := admin.post("/backoffice/testi/email/conferma", c.f)
		want(t, c.name, p, http.StatusUnprocessableEntity, c.fragment, `aria-invalid="true"`)
		if c.name == "unknown field" && !strings.Contains(p.body, "il campo .Codice non esiste") {
			t.Errorf("unknown field: the message does not say which field of the data is wrong")
		}
	}
	if n := stored(); n != 0 {
		t.Fatalf("a broken template was stored (%d)", n)
	}

	// Saved, it is the subject of the next confirmation.
	p = admin.post("/backoffice/testi/email/conferma", form(custom, def.Text, def.HTML, "salva"))
	want(t, "save", p, http.StatusSeeOther)
	want(t, "after save", admin.get(p.location), http.StatusOK, "Modello «Conferma della prenotazione» salvato", "Personalizzato", "Ripristina predefinito")
	resources, err := a.Store.Resources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var cie string
	for _, r := range resources {
		if r.Name == "Carte d'Identità Elettronica" {
			cie = strconv.FormatInt(r.ID, 10)
		}
	}
	wednesday := booking.Date{Year: 2026, Month: time.December, Day: 9}
	b := book(t, a, cie, at(wednesday, "09:00"), 0)
	m := mailFor(t, a.Store, "Appuntamento confermato ")
	if want := "Appuntamento confermato " + b.Code + " – 09/12/2026 ore 09:00"; m.Subject != want {
		t.Errorf("subject %q, want %q", m.Subject, want)
	}

	// Restored, the built-in subject is back.
	p = admin.post("/backoffice/testi/email/conferma/ripristina", nil)
	want(t, "reset", p, http.StatusSeeOther)
	want(t, "after reset", admin.get(p.location), http.StatusOK, "Ripristinato il testo predefinito", "Ora si usa il testo predefinito.")
	if n := stored(); n != 0 {
		t.Fatalf("%d templates stored after the reset", n)
	}
	b2 := book(t, a, cie, at(wednesday, "09:20"), 0)
	m = mailFor(t, a.Store, "Conferma Prenotazione - Fruitore: MARIO ROSSI – 01/01/1970 – CF. RSSMRA70A01H501S")
	if !strings.Contains(m.Text, b2.Code) {
		t.Errorf("the confirmation after the reset is not of %s:\n%s", b2.Code, m.Text)
	}

	acts := auditActions(t, a.Store, "utente:admin")
	if acts[backoffice.AuditEmailTemplateUpdated] != 1 || acts[backoffice.AuditEmailTemplateReset] != 1 {
		t.Errorf("audit log of the admin: %v", acts)
	}
}
