package booking

import (
	"slices"
	"testing"
)

func fieldsOf(err error) []string {
	var out []string
	for _, f := range ErrorFields(err) {
		out = append(out, f.Field)
	}
	return out
}

func TestStorableText(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"", true},
		{"Rinnovo carta 😀", true},
		{"e\u0301 שלום \t\r\n", true},
		{"a\x00b", false},
		{"\xff", false},
		{"caf\xc3", false},      // truncated sequence
		{"\xed\xa0\x80", false}, // a UTF-16 surrogate
	} {
		if got := StorableText(tc.in); got != tc.want {
			t.Errorf("StorableText(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestTextsNameTheField(t *testing.T) {
	p := Person{Nome: "ANNA", Cognome: "GI\x00À", Email: "a@b.it\xff", Telefono: "333 1234567"}
	got := p.Check(Date{2026, 1, 1})
	if len(got) != 2 || got[0].Field != "cognome" || got[1].Field != "email" || got[0].Message != TextMessage {
		t.Errorf("Person.Check = %v, want cognome and email with %q", got, TextMessage)
	}

	req := ConfirmRequest{HoldID: "h", Presentante: "s", Nota: "a\x00", IdempotencyKey: "k\xfe",
		Fruitore: Person{Nome: "\x00"}, Extra: map[string]string{"b": "ok", "a": "\xff", "\x00": "x"}}
	want := []string{"Idempotency-Key", "nota", "fruitore.nome", "extra", "extra.a"}
	var fields []string
	for _, f := range req.texts() {
		fields = append(fields, f.Field)
	}
	if !slices.Equal(fields, want) {
		t.Errorf("ConfirmRequest.texts fields = %v, want %v", fields, want)
	}

	set := Settings{Name: "Comune di Demo 🏛️", Welcome: "Benvenuti\x00"}
	if got := fieldsOf(set.Validate()); !slices.Equal(got, []string{"welcome"}) {
		t.Errorf("Settings.Validate fields = %v, want [welcome]", got)
	}
	res := Resource{Name: "CIE", Kind: InPerson, Documents: "\xc3", ExtraFields: []ExtraField{{Name: "x", Label: "X\x00", Type: "text"}}}
	if got := fieldsOf(res.Validate()); !slices.Equal(got, []string{"documents", "extra_fields"}) {
		t.Errorf("Resource.Validate fields = %v, want [documents extra_fields]", got)
	}
}
