package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/prenota/prenota/sqlstore"
)

// runBackup runs "prenota backup --to FILE": a consistent copy of the
// database while the service runs (sqlstore.Backup).
func runBackup(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	f := newFlags(getenv, stderr)
	to := f.fs.String("to", "", "the backup file to write (must not exist)")
	if err := f.fs.Parse(args); err != nil {
		return err
	}
	if f.err != nil {
		return f.err
	}
	if *to == "" {
		return errors.New("backup: --to FILE is required (e.g. --to /var/backups/prenota/prenota-$(date +%F).db)")
	}
	if err := sqlstore.Backup(ctx, f.cfg.DatabaseURL, *to); err != nil {
		return err
	}
	info, err := os.Stat(*to)
	if err != nil {
		return err
	}
	how := "pg_dump custom format: load it with prenota restore or pg_restore"
	if strings.HasPrefix(f.cfg.DatabaseURL, "sqlite:") {
		how = "SQLite, integrity_check ok"
	}
	fmt.Fprintf(stderr, "backup written to %s (%d bytes, %s)\n", *to, info.Size(), how)
	return nil
}

// runRestore runs "prenota restore --from FILE" into an empty database.
func runRestore(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	f := newFlags(getenv, stderr)
	from := f.fs.String("from", "", "the backup file made by prenota backup")
	if err := f.fs.Parse(args); err != nil {
		return err
	}
	if f.err != nil {
		return f.err
	}
	if *from == "" {
		return errors.New("restore: --from FILE is required")
	}
	if err := sqlstore.Restore(ctx, f.cfg.DatabaseURL, *from); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(stderr, "restored %s; prenota serve will migrate it if it is older than this binary\n", *from)
	return nil
}
