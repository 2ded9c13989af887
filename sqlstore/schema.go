package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/pressly/goose/v3"
)

// SchemaVersion is the newest schema this binary knows: the number of its
// last migration (the same for both engines).
func SchemaVersion() int64 {
	entries, _ := fs.ReadDir(migrations, "migrations/sqlite")
	var v int64
	for _, e := range entries {
		n, err := strconv.ParseInt(strings.SplitN(path.Base(e.Name()), "_", 2)[0], 10, 64)
		if err == nil && n > v {
			v = n
		}
	}
	return v
}

// migrate brings the schema up to SchemaVersion. Each migration runs in its
// own transaction, so a failed one leaves the schema as it was before it.
// A database whose schema is newer than this binary's is refused before any
// change: an older binary would misread it. On PostgreSQL an advisory lock
// of the schema lets instances that start together migrate one at a time
// (goose's own lock polls every 5 seconds and is one for the whole server).
func (s *Store) migrate(ctx context.Context) error {
	dialect, dir := goose.DialectSQLite3, "migrations/sqlite"
	if s.dialect == Postgres {
		dialect, dir = goose.DialectPostgres, "migrations/postgres"
		conn, err := s.w.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		const key = "hashtext('prenota migrate ' || current_schema())"
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock("+key+")"); err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
		defer conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock("+key+")")
	}
	sub, err := fs.Sub(migrations, dir)
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(dialect, s.w, sub)
	if err != nil {
		return err
	}
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if known := SchemaVersion(); current > known {
		return fmt.Errorf("database schema %d is newer than this prenota (%d): upgrade the binary", current, known)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// DatabaseSchema reads the schema version of the database at url without
// changing it (0 for an empty database).
func DatabaseSchema(ctx context.Context, url string) (int64, error) {
	db, err := openRaw(url)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var exists int
	q := "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'goose_db_version'"
	if !strings.HasPrefix(url, "sqlite:") {
		q = "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'goose_db_version'"
	}
	if err := db.QueryRowContext(ctx, q).Scan(&exists); err != nil || exists == 0 {
		return 0, err
	}
	var v sql.NullInt64
	err = db.QueryRowContext(ctx, "SELECT max(version_id) FROM goose_db_version WHERE is_applied").Scan(&v)
	return v.Int64, err
}
