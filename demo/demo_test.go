package demo

import (
	"maps"
	"slices"
	"testing"
)

// TestSheets: every bookable demo resource has a scheda servizio with a
// summary and topics, every sheet names a resource, and each resource with
// its sheet is valid; the demo site settings are valid too.
func TestSheets(t *testing.T) {
	var names []string
	var walk func(ns []node)
	walk = func(ns []node) {
		for _, n := range ns {
			if n.Bookable {
				names = append(names, n.Name)
				r := n.Resource
				r.Kind = "presenza"
				if n.Kind != "" {
					r.Kind = n.Kind
				}
				r.Sheet = sheets[n.Name]
				if r.Sheet.Summary == "" || len(r.Sheet.Topics) == 0 {
					t.Errorf("%s: no summary or topics", n.Name)
				}
				if err := r.Validate(); err != nil {
					t.Errorf("%s: %v", n.Name, err)
				}
			}
			walk(n.children)
		}
	}
	walk(tree())
	if len(names) < 10 {
		t.Errorf("%d bookable services, want at least 10", len(names))
	}
	for _, k := range slices.Sorted(maps.Keys(sheets)) {
		if !slices.Contains(names, k) {
			t.Errorf("sheet %q names no resource", k)
		}
	}
	if err := Settings.Validate(); err != nil {
		t.Errorf("settings: %v", err)
	}
}
