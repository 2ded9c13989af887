package backoffice_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/browsertest"
)

func run(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, actions...); err != nil {
		t.Fatal(err)
	}
}

func get[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(tctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestBrowserAdmin drives the back office in chromium as an admin: creates
// a group and a bookable resource with a schedule and a closure, watches the
// preview follow an edit of the schedule, and checks every back-office page
// against axe-core's WCAG 2.1 AA rules (SQLite only).
func TestBrowserAdmin(t *testing.T) {
	a, base := startApp(t, "sqlite")
	ctx := browsertest.New(t, browsertest.Desktop())
	browsertest.Navigate(ctx, t, base+"/auth/password?next=/backoffice/")
	run(t, ctx, chromedp.SetValue("#login", "admin"), chromedp.SetValue("#password", password))
	browsertest.Click(ctx, t, "main form button[type=submit]")
	browsertest.WaitVisible(ctx, t, `a[href="/backoffice/risorse"]`)
	browsertest.Axe(ctx, t, "back office home")

	browsertest.Navigate(ctx, t, base+"/backoffice/risorse/nuova?tipo=gruppo")
	browsertest.Axe(ctx, t, "nuovo gruppo")
	run(t, ctx, chromedp.SetValue("#name", "Ufficio Prove"))
	browsertest.Click(ctx, t, "#risorsa-form button[type=submit]")
	browsertest.WaitVisible(ctx, t, ".alert-success")

	browsertest.Navigate(ctx, t, base+"/backoffice/risorse/nuova?tipo=risorsa")
	browsertest.Axe(ctx, t, "nuova risorsa")
	group := get(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#parent_id option')].find(o => o.textContent.includes('Ufficio Prove')).value`))
	run(t, ctx, chromedp.SetValue("#parent_id", group), chromedp.SetValue("#name", "Sportello Prove"), chromedp.SetValue("#hours_1", "09:00-12:00"),
		chromedp.SetValue("#min_notice_minutes", "0"))
	browsertest.Click(ctx, t, "#risorsa-form button[type=submit]")
	browsertest.WaitVisible(ctx, t, `#anteprima-griglia[data-slots="6"]`)
	browsertest.Axe(ctx, t, "risorsa")
	browsertest.Screenshot(ctx, t, "backoffice-risorsa")
	loc := get(t, ctx, chromedp.Location())
	res := loc[strings.LastIndex(loc, "/")+1:]

	// The preview follows the schedule as it is typed.
	get(t, ctx, chromedp.Evaluate[bool](`(() => { const i = document.querySelector('#hours_1'); i.value = '09:00-10:00';
		i.dispatchEvent(new Event('change', {bubbles: true})); return true })()`))
	browsertest.WaitVisible(ctx, t, `#anteprima-griglia[data-slots="2"]`)

	// A closure next Monday, in the calendar of the citizen.
	next := booking.DateOf(monday, booking.Rome).AddDays(7)
	browsertest.Navigate(ctx, t, base+"/backoffice/risorse/"+res)
	run(t, ctx, chromedp.SetValue("#cl-from", next.String()), chromedp.SetValue("#cl-reason", "Inventario"))
	browsertest.Click(ctx, t, `form[action$="/chiusure"] button[type=submit]`)
	browsertest.WaitVisible(ctx, t, ".alert-success")
	anon := newClient(t, base)
	want(t, "tree", anon.get("/api/v1/resources"), http.StatusOK, `"Sportello Prove"`)
	if av := slotsOn(t, anon, res, next.String()); len(av.Days[0].Slots) != 6 || av.Days[0].Slots[0].State != "closed" {
		t.Fatalf("closed day: %+v", av)
	}
	if av := slotsOn(t, anon, res, next.AddDays(7).String()); len(av.Days[0].Slots) != 6 || av.Days[0].Slots[0].State != "free" {
		t.Fatalf("open day: %+v", av)
	}

	b := book(t, a, res, at(booking.DateOf(monday, booking.Rome), "10:00"), 0)
	for _, p := range []struct{ name, path string }{
		{"risorse", "/backoffice/risorse"},
		{"agenda", "/backoffice/agenda/" + res},
		{"agenda settimana", "/backoffice/agenda/" + res + "?vista=settimana"},
		{"prenotazione", "/backoffice/prenotazioni/" + b.ID},
		{"token", "/backoffice/token"},
		{"testi", "/backoffice/testi"},
		{"operatori", "/backoffice/operatori"},
		{"audit", "/backoffice/audit"},
	} {
		browsertest.Navigate(ctx, t, base+p.path)
		browsertest.Axe(ctx, t, p.name)
	}
	browsertest.Screenshot(ctx, t, "backoffice-audit")
	browsertest.Navigate(ctx, t, base+"/backoffice/agenda/"+res)
	browsertest.Screenshot(ctx, t, "backoffice-agenda")

	// An orphaning change asks first (the page is checked too).
	browsertest.Navigate(ctx, t, base+"/backoffice/risorse/"+res)
	run(t, ctx, chromedp.SetValue("#hours_1", "11:00-12:00"))
	browsertest.Click(ctx, t, "#risorsa-form button[type=submit]")
	browsertest.WaitVisible(ctx, t, "#orfane-mantieni")
	browsertest.Axe(ctx, t, "orfane")
	browsertest.Click(ctx, t, "#orfane-mantieni")
	browsertest.Click(ctx, t, "main form[method=post] button[type=submit]")
	browsertest.WaitVisible(ctx, t, ".alert-success")
	if got, _ := a.Store.Booking(context.Background(), b.ID); got.Status != booking.Confirmed {
		t.Fatalf("kept booking: %s", got.Status)
	}

	// The operatore, once assigned the resource, marks the booking presente.
	admin := newClient(t, base)
	admin.login("admin")
	want(t, "assign", admin.post("/backoffice/operatori/op1/risorse", map[string][]string{"risorsa": {res}}), http.StatusSeeOther)
	op := browsertest.New(t, browsertest.Phone())
	browsertest.Navigate(op, t, base+"/auth/password?next=/backoffice/agenda/"+res)
	run(t, op, chromedp.SetValue("#login", "op1"), chromedp.SetValue("#password", password))
	browsertest.Click(op, t, "main form button[type=submit]")
	browsertest.WaitVisible(op, t, "#agenda")
	browsertest.Click(op, t, `#agenda form input[value="presente"] ~ button`)
	browsertest.WaitVisible(op, t, ".alert-success")
	if n := browsertest.Count(op, t, "#agenda strong"); n != 1 {
		t.Fatalf("attendance marks shown: %d", n)
	}
	browsertest.Axe(op, t, "agenda (operatore, phone)")
	browsertest.Navigate(op, t, base+"/backoffice/risorse")
	if n := browsertest.Count(op, t, "#agenda"); n != 0 {
		t.Fatal("operatore sees the resource tree")
	}
}
