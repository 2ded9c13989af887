package backoffice_test

import (
	"net/http"
	"testing"

	"github.com/prenota/prenota/internal/testdb"
)

// TestHoldExtensionSetting: "Prolunga" is on by default; the texts page
// turns it off and on again, and a form without the field keeps it.
func TestHoldExtensionSetting(t *testing.T) {
	a, base := startApp(t, testdb.Dialects()[0])
	admin := newClient(t, base)
	admin.login("admin")
	ctx := t.Context()
	want(t, "texts page", admin.get("/backoffice/testi"), http.StatusOK, `id="t-prolunga" name="hold_extension" value="1" checked`)
	fields := map[string]string{"name": "Comune di Demo", "province": "Provincia di Demo", "hold_extension_form": "1"}
	want(t, "turn it off", postTexts(admin, fields, "", nil), http.StatusSeeOther)
	if st, _ := a.Store.Settings(ctx); st.HoldExtension() {
		t.Fatal("still on after unticking it")
	}
	delete(fields, "hold_extension_form")
	want(t, "form without the field", postTexts(admin, fields, "", nil), http.StatusSeeOther)
	if st, _ := a.Store.Settings(ctx); st.HoldExtension() {
		t.Fatal("a form without the field turned it on")
	}
	fields["hold_extension_form"], fields["hold_extension"] = "1", "1"
	want(t, "turn it on", postTexts(admin, fields, "", nil), http.StatusSeeOther)
	if st, _ := a.Store.Settings(ctx); !st.HoldExtension() {
		t.Fatal("still off after ticking it")
	}
}
