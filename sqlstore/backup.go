package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// openRaw opens the database at url without migrating it, for backup,
// restore and the schema check.
func openRaw(u string) (*sql.DB, error) {
	if path, ok := strings.CutPrefix(u, "sqlite:"); ok {
		return sql.Open("sqlite", fileURI(path)+"?_pragma=busy_timeout(10000)")
	}
	if !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
		return nil, fmt.Errorf("database URL must start with sqlite: or postgres://, got %q", u)
	}
	return sql.Open("pgx", u)
}

// libpqURL turns a pgx URL into one pg_dump and pg_restore accept: pgx reads
// search_path as a run-time parameter, libpq refuses it.
func libpqURL(u string) (string, string, error) {
	parsed, err := url.Parse(u)
	if err != nil {
		return "", "", fmt.Errorf("database URL: %w", err)
	}
	q := parsed.Query()
	schema := q.Get("search_path")
	q.Del("search_path")
	parsed.RawQuery = q.Encode()
	return parsed.String(), schema, nil
}

// Backup writes a consistent copy of the database at dbURL to the file to,
// while the service runs. On SQLite it is VACUUM INTO (one read transaction:
// a snapshot of the last commit, writers go on), checked with PRAGMA
// integrity_check before Backup reports success; on PostgreSQL it runs
// pg_dump in custom format, or says what to run when pg_dump is not on the
// PATH. An existing file is never overwritten.
func Backup(ctx context.Context, dbURL, to string) error {
	if _, err := os.Stat(to); err == nil {
		return fmt.Errorf("%s already exists: choose a new file name (backups are never overwritten)", to)
	}
	if path, ok := strings.CutPrefix(dbURL, "sqlite:"); ok {
		return backupSQLite(ctx, path, to)
	}
	conn, schema, err := libpqURL(dbURL)
	if err != nil {
		return err
	}
	args := []string{"--format=custom", "--file=" + to}
	if schema != "" {
		args = append(args, "--schema="+schema)
	}
	args = append(args, "--dbname="+conn)
	return runPG(ctx, "pg_dump", args)
}

func backupSQLite(ctx context.Context, path, to string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no database to back up: %w", err)
	}
	db, err := openRaw("sqlite:" + path)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", to); err != nil {
		os.Remove(to)
		return fmt.Errorf("backup: %w", err)
	}
	if err := checkSQLite(ctx, to); err != nil {
		os.Remove(to)
		return fmt.Errorf("backup failed its check and was removed: %w", err)
	}
	return nil
}

// checkSQLite says whether path is a sound SQLite database of Prenota.
func checkSQLite(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", fileURI(path)+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return fmt.Errorf("%s is not an SQLite database: %w", path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return err
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s is not an SQLite database: %w", path, err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("integrity_check of %s: %s", path, strings.Join(problems, "; "))
	}
	if tables, err := userTables(ctx, db, "sqlite"); err != nil {
		return err
	} else if !slices.Contains(tables, "goose_db_version") {
		return fmt.Errorf("%s is not a Prenota database (no schema version)", path)
	}
	return nil
}

// Restore loads the backup from (made by Backup) into the empty database at
// dbURL. A database that already has tables is refused, naming them. On
// SQLite the checked backup becomes the database file; on PostgreSQL
// pg_restore loads it in one transaction (all or nothing), or Restore says
// what to run when pg_restore is not on the PATH. The next start migrates
// the restored schema if it is older than the binary.
func Restore(ctx context.Context, dbURL, from string) error {
	if _, err := os.Stat(from); err != nil {
		return fmt.Errorf("no backup to restore: %w", err)
	}
	db, err := openRaw(dbURL)
	if err != nil {
		return err
	}
	dialect := "postgres"
	if strings.HasPrefix(dbURL, "sqlite:") {
		dialect = "sqlite"
	}
	tables, err := userTables(ctx, db, dialect)
	db.Close()
	if err != nil {
		return err
	}
	if len(tables) > 0 {
		shown := tables
		if len(shown) > 5 {
			shown = append(shown[:5:5], "…")
		}
		return fmt.Errorf("the database is not empty: it has %d tables (%s); restore into a new, empty database", len(tables), strings.Join(shown, ", "))
	}
	if path, ok := strings.CutPrefix(dbURL, "sqlite:"); ok {
		if err := checkSQLite(ctx, from); err != nil {
			return err
		}
		return copyFile(from, path)
	}
	conn, _, err := libpqURL(dbURL)
	if err != nil {
		return err
	}
	return runPG(ctx, "pg_restore", []string{"--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges", "--dbname=" + conn, from})
}

// userTables lists the tables of the database (on PostgreSQL in any schema
// but the system ones).
func userTables(ctx context.Context, db *sql.DB, dialect string) ([]string, error) {
	q := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
	if dialect == "postgres" {
		q = "SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// copyFile copies from to path through a temporary file in path's folder,
// renamed once synced, so a failed copy leaves no half-written database.
func copyFile(from, path string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".restore-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, src); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	for _, suffix := range []string{"-wal", "-shm"} { // of the empty database it replaces
		os.Remove(path + suffix)
	}
	return os.Rename(tmp.Name(), path)
}

// runPG runs a PostgreSQL client tool, or says how to run it by hand.
func runPG(ctx context.Context, tool string, args []string) error {
	bin, err := exec.LookPath(tool)
	if err != nil {
		return fmt.Errorf("%s is not on the PATH: install the PostgreSQL client (version 15 or newer) or run:\n  %s %s", tool, tool, shellQuote(args))
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w\n%s", tool, err, strings.TrimSpace(out.String()))
	}
	return nil
}

func shellQuote(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}
