package main

import (
	"bytes"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prenota/prenota/sqlstore"
)

// TestVersion: prenota version prints the binary's schema, and the
// database's without migrating it (the earlier version's fixture stays at 8).
func TestVersion(t *testing.T) {
	fixture, err := os.ReadFile("../../sqlstore/testdata/schema-00008.db")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "prenota.db")
	if err := os.WriteFile(path, fixture, 0o600); err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // twice: the first must not have migrated it
		var out bytes.Buffer
		if err := run(t.Context(), []string{"version", "--database-url", "sqlite:" + path}, noEnv, &out); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("(database schema %d)\ndatabase: schema 8\n", sqlstore.SchemaVersion())
		if !strings.HasPrefix(out.String(), "prenota ") || !strings.HasSuffix(out.String(), want) {
			t.Errorf("run %d: %q, want prenota VERSION %q", i+1, out.String(), want)
		}
	}
	var out bytes.Buffer
	if err := run(t.Context(), []string{"version", "--database-url", "sqlite:" + filepath.Join(t.TempDir(), "none.db")}, noEnv, &out); err != nil ||
		strings.Contains(out.String(), "database:") {
		t.Errorf("without a database: %q, %v", out.String(), err)
	}
}

// TestNewerSchemaRefusesToStart: serve and migrate refuse a database whose
// schema is newer than the binary's, with the message of the guide.
func TestNewerSchemaRefusesToStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prenota.db")
	url := "sqlite:" + path
	if err := run(t.Context(), []string{"migrate", "--database-url", url}, noEnv, io.Discard); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	newer := sqlstore.SchemaVersion() + 1
	_, err = db.Exec("INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, 1)", newer)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("database schema %d is newer than this prenota (%d): upgrade the binary", newer, sqlstore.SchemaVersion())
	for _, cmd := range []string{"serve", "migrate"} {
		err := run(t.Context(), []string{cmd, "--database-url", url, "--addr", "127.0.0.1:0"}, noEnv, io.Discard)
		if err == nil || err.Error() != want {
			t.Errorf("prenota %s: %v, want %q", cmd, err, want)
		}
	}
}
