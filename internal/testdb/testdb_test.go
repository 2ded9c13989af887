package testdb

import (
	"context"
	"testing"
)

func TestOpen(t *testing.T) {
	for _, d := range Dialects() {
		t.Run(d, func(t *testing.T) {
			s := Open(t, d)
			if err := s.Ping(context.Background()); err != nil {
				t.Fatal(err)
			}
			if string(s.Dialect()) != d {
				t.Fatalf("dialect %q, want %q", s.Dialect(), d)
			}
		})
	}
}
