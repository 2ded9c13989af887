package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/prenota/prenota/app"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/demo"
	"github.com/prenota/prenota/internal/browsertest"
	"github.com/prenota/prenota/internal/testdb"
)

// serveRehearsal starts the demo with --rehearse-click-day opens and
// returns its URL and the rehearsed resource's grid path.
func serveRehearsal(t *testing.T, opens time.Duration) (string, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DatabaseURL: testdb.URL(t, "sqlite"), BaseURL: "http://127.0.0.1",
		Demo: true, RehearseClickDay: opens})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; a.Close() })
	var id int64
	var walk func([]*booking.Node)
	walk = func(ns []*booking.Node) {
		for _, n := range ns {
			if n.Name == demo.RehearsalResource {
				id = n.ID
			}
			walk(n.Children)
		}
	}
	tree, err := a.Service.Tree(ctx)
	if err != nil {
		t.Fatal(err)
	}
	walk(tree)
	return "http://" + a.Addr(), fmt.Sprintf("/prenota/%d/disponibilita", id)
}

// TestBrowserWaitingRoom: on a rehearsed click day the grid is the waiting
// room until the opening; the page updates itself (live region) and, once
// the citizen is admitted, shows the grid. At 1280 and 360 px.
func TestBrowserWaitingRoom(t *testing.T) {
	t.Parallel()
	base, grid := serveRehearsal(t, 20*time.Second)
	for _, c := range []struct {
		name string
		opt  browsertest.Option
	}{{"phone", browsertest.Phone()}, {"desktop", browsertest.Desktop()}} {
		ctx := browsertest.New(t, c.opt)
		browsertest.Navigate(ctx, t, base+"/accedi?next="+grid)
		clickAndWait(ctx, t, `button.demo-identity[value="RSSMRA70A01H501S"]`, grid)
		if got := text(ctx, t, `h1[data-element="page-name"]`); got != "Sala d'attesa virtuale" {
			t.Fatalf("%s: page title %q, want the waiting room", c.name, got)
		}
		if got := text(ctx, t, "#sala-davanti"); !strings.Contains(got, "estratto a sorte") {
			t.Fatalf("%s: before the opening: %q", c.name, got)
		}
		live := get(ctx, t, "live region", chromedp.AttributeValue("#sala-stato", "aria-live")).Value
		if live != "polite" {
			t.Fatalf("%s: #sala-stato aria-live %q", c.name, live)
		}
		check(ctx, t, "20-sala-attesa-"+c.name)
		if c.name != "desktop" {
			continue
		}
		// Admitted at the opening, sala.js opens the grid by itself.
		deadline := time.Now().Add(60 * time.Second)
		for {
			n := get(ctx, t, "grid form", chromedp.Evaluate[int](`document.querySelectorAll('#form-griglia').length`))
			if n == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no grid 60 s after the page opened: %s", text(ctx, t, "main"))
			}
			time.Sleep(200 * time.Millisecond)
		}
		check(ctx, t, "21-sala-ammesso-griglia")
	}
}
