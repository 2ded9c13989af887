package backoffice

import (
	"encoding/csv"
	"slices"
	"strings"
	"testing"
)

func TestCSVCell(t *testing.T) {
	for in, want := range map[string]string{
		"":                        "",
		"Rinnovo carta":           "Rinnovo carta",
		"=HYPERLINK(\"x\",\"y\")": "'=HYPERLINK(\"x\",\"y\")",
		"+39 333 1234567":         "'+39 333 1234567",
		"-2+3":                    "'-2+3",
		"@SUM(A1)":                "'@SUM(A1)",
		"\t=1":                    "'\t=1",
		"\r=1":                    "'\r=1",
		"a=1":                     "a=1",
		"'già":                    "'già",
	} {
		if got := csvCell(in); got != want {
			t.Errorf("csvCell(%q) = %q, want %q", in, got, want)
		}
	}
	f := newCSV()
	f.row("=1+1", "ok")
	b, err := f.bytes()
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\uFEFF")))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil || len(rows) != 1 || !slices.Equal(rows[0], []string{"'=1+1", "ok"}) {
		t.Errorf("csv %q: %v %v", b, rows, err)
	}
}
