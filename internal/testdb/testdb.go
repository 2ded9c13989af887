// Package testdb opens fresh, migrated databases for tests: an SQLite file in
// a temporary folder, or a new schema in the PostgreSQL server named by
// PRENOTA_TEST_POSTGRES (default the local server). A PostgreSQL that cannot
// be reached fails the test: it is never skipped.
package testdb

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/sqlstore"
)

// Dialects are the engines every store test runs on.
func Dialects() []string { return []string{"sqlite", "postgres"} }

// PostgresDSN is the server the tests use.
func PostgresDSN() string {
	if dsn := os.Getenv("PRENOTA_TEST_POSTGRES"); dsn != "" {
		return dsn
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// URL returns a database URL for a fresh, empty database of dialect, dropped
// when the test ends.
func URL(tb testing.TB, dialect string) string {
	tb.Helper()
	switch dialect {
	case "sqlite":
		return "sqlite:" + filepath.Join(tb.TempDir(), "prenota.db")
	case "postgres":
		dsn := PostgresDSN()
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			tb.Fatalf("PostgreSQL %s: %v", dsn, err)
		}
		defer db.Close()
		schema := "t_" + booking.NewID()
		if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
			tb.Fatalf("PostgreSQL at %s is required (set PRENOTA_TEST_POSTGRES): %v", dsn, err)
		}
		tb.Cleanup(func() {
			db, err := sql.Open("pgx", dsn)
			if err != nil {
				return
			}
			defer db.Close()
			db.Exec("DROP SCHEMA " + schema + " CASCADE")
		})
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		return dsn + sep + "search_path=" + schema
	}
	tb.Fatalf("unknown dialect %q", dialect)
	return ""
}

// Open returns a fresh, migrated store of dialect, closed when the test ends.
func Open(tb testing.TB, dialect string) *sqlstore.Store {
	tb.Helper()
	s, err := sqlstore.Open(context.Background(), URL(tb, dialect))
	if err != nil {
		tb.Fatalf("open %s store: %v", dialect, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// EachDialect runs fn as a subtest named for each engine.
func EachDialect(t *testing.T, fn func(t *testing.T, dialect string)) {
	t.Helper()
	for _, d := range Dialects() {
		t.Run(d, func(t *testing.T) { fn(t, d) })
	}
}

// Each runs fn as a parallel subtest on a fresh, migrated store of each
// engine.
func Each(t *testing.T, fn func(t *testing.T, s *sqlstore.Store)) {
	t.Helper()
	for _, d := range Dialects() {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			fn(t, Open(t, d))
		})
	}
}
