package backoffice_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/prenota/prenota/backoffice"
)

// tinyPNG is a 4×4 red square.
func tinyPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for x := range 4 {
		for y := range 4 {
			img.Set(x, y, color.RGBA{200, 0, 0, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// postTexts sends the texts form as the browser does (multipart), with
// file as the logo when it is not nil.
func postTexts(c *client, fields map[string]string, filename string, file []byte) page {
	c.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("logo", filename) // "" and no content: no file chosen
	fw.Write(file)
	mw.Close()
	return c.do("POST", "/backoffice/testi", &b, mw.FormDataContentType())
}

func TestLogo(t *testing.T) {
	a, base := startApp(t, "sqlite")
	admin := newClient(t, base)
	admin.login("admin")
	anon := newClient(t, base)
	fields := map[string]string{"name": "Comune di Demo", "province": "Provincia di Demo", "phone": "0123 456789"}

	want(t, "no logo", anon.get("/logo"), http.StatusNotFound)
	want(t, "texts page", admin.get("/backoffice/testi"), http.StatusOK, `enctype="multipart/form-data"`,
		"Stemma o logo del Comune (PNG o JPEG, max 200 KB)", `type="file"`)

	logo := tinyPNG(t)
	want(t, "upload", postTexts(admin, fields, "stemma.png", logo), http.StatusSeeOther)
	p := anon.get("/logo")
	want(t, "logo", p, http.StatusOK)
	if p.body != string(logo) || p.header.Get("Content-Type") != "image/png" || !strings.Contains(p.header.Get("Cache-Control"), "max-age=300") {
		t.Errorf("GET /logo: %q %q, %d bytes", p.header.Get("Content-Type"), p.header.Get("Cache-Control"), len(p.body))
	}
	want(t, "home with logo", anon.get("/"), http.StatusOK, `<img class="icon" src="/logo" alt="Stemma del Comune di Demo">`)
	want(t, "texts page with logo", admin.get("/backoffice/testi"), http.StatusOK, "Rimuovi il logo", `src="/logo"`)
	if got := auditActions(t, a.Store, "utente:admin")[backoffice.AuditSettingsUpdated]; got != 1 {
		t.Errorf("audit: %d settings_updated, want 1", got)
	}

	// Saving the texts without choosing a file keeps the logo.
	fields["phone"] = "0123 000000"
	want(t, "texts only", postTexts(admin, fields, "", nil), http.StatusSeeOther)
	if p := anon.get("/logo"); p.status != http.StatusOK || p.body != string(logo) {
		t.Errorf("logo lost when saving the texts: %d", p.status)
	}
	if st, _ := a.Store.Settings(t.Context()); st.Phone != "0123 000000" {
		t.Errorf("phone not saved: %q", st.Phone)
	}

	// Not an image (whatever its name): refused, naming the field; nothing changes.
	p = postTexts(admin, map[string]string{"name": "Comune Cambiato"}, "stemma.png", []byte("<html>non sono un'immagine</html>"))
	want(t, "not an image", p, http.StatusUnprocessableEntity, "Stemma o logo del Comune: il file deve essere un&#39;immagine PNG o JPEG.", `aria-invalid="true"`)
	big := append(append([]byte{}, logo...), make([]byte, 200<<10)...)
	want(t, "too big", postTexts(admin, fields, "stemma.png", big), http.StatusUnprocessableEntity, "Stemma o logo del Comune: il file supera i 200 KB.")
	if st, _ := a.Store.Settings(t.Context()); st.Name != "Comune di Demo" || !bytes.Equal(st.Logo, logo) {
		t.Errorf("a refused form changed the settings: %q, %d bytes of logo", st.Name, len(st.Logo))
	}

	// "Rimuovi il logo".
	fields["remove_logo"] = "1"
	want(t, "remove", postTexts(admin, fields, "", nil), http.StatusSeeOther)
	want(t, "logo removed", anon.get("/logo"), http.StatusNotFound)
	if p := anon.get("/"); strings.Contains(p.body, `src="/logo"`) {
		t.Error("home still shows the logo")
	}
	if got := auditActions(t, a.Store, "utente:admin")[backoffice.AuditSettingsUpdated]; got != 3 {
		t.Errorf("audit: %d settings_updated, want 3", got)
	}
}
