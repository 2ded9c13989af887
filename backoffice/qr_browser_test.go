package backoffice_test

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/browsertest"
	"github.com/prenota/prenota/receipt"
)

// TestBrowserQRScan holds a receipt's QR code in front of the camera of the
// back office's search (chromium's fake camera showing the code the receipt
// prints) and expects the booking's page; the search form with the camera
// button is checked against axe-core (SQLite only).
func TestBrowserQRScan(t *testing.T) {
	a, base := startApp(t, "sqlite")
	b := book(t, a, "13", at(booking.DateOf(monday, booking.Rome), "10:00"), 0)

	code, err := receipt.QR(b.Code, 256)
	if err != nil {
		t.Fatal(err)
	}
	qr, err := png.Decode(bytes.NewReader(code))
	if err != nil {
		t.Fatal(err)
	}
	frame := image.NewRGBA(image.Rect(0, 0, 640, 480))
	draw.Draw(frame, frame.Bounds(), image.NewUniform(color.RGBA{235, 235, 230, 255}), image.Point{}, draw.Src)
	draw.Draw(frame, image.Rect(192, 112, 448, 368), qr, qr.Bounds().Min, draw.Src)

	ctx := browsertest.New(t, browsertest.Desktop(), browsertest.FakeCamera(t, frame))
	browsertest.Navigate(ctx, t, base+"/auth/password?next=/backoffice/")
	run(t, ctx, chromedp.SetValue("#login", "admin"), chromedp.SetValue("#password", password))
	browsertest.Click(ctx, t, "main form button[type=submit]")
	browsertest.WaitVisible(ctx, t, "#qr-apri")
	browsertest.Axe(ctx, t, "ricerca con la fotocamera")

	browsertest.ClickAndLoad(ctx, t, "#qr-apri")
	loc := get(t, ctx, chromedp.Location())
	if !strings.HasSuffix(loc, "/backoffice/prenotazioni/"+b.ID) {
		t.Fatalf("after reading the QR code of %s: at %s", b.Code, loc)
	}
	if h := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('main').innerText`)); !strings.Contains(h, b.Code) {
		t.Errorf("the booking's page does not show %s", b.Code)
	}
}
