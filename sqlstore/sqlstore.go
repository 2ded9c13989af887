// Package sqlstore implements booking.Store, the session store and the
// outbox queue on SQLite (modernc.org/sqlite, the default) and PostgreSQL
// (pgx), with the same SQL and the same behaviour on both.
package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"maragu.dev/goqite"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/prenota/prenota/booking"
)

//go:embed migrations
var migrations embed.FS

// SQLite's lower() folds ASCII letters only; the store's searches ignore the
// case of any letter (a staff member named NICCOLÒ is found as "niccolò"), as
// PostgreSQL's lower() does. This one replaces it on every SQLite connection.
func init() {
	sqlite.MustRegisterDeterministicScalarFunction("lower", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case string:
			return strings.ToLower(v), nil
		case []byte:
			return strings.ToLower(string(v)), nil
		}
		return args[0], nil
	})
}

// Dialect names a database engine.
type Dialect string

// The supported engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Store is the database of Prenota.
type Store struct {
	dialect Dialect
	w       *sql.DB // writes (for SQLite a single connection: one writer at a time)
	r       *sql.DB // reads (for PostgreSQL the same pool as w)
	clock   func() time.Time
	outbox  *goqite.Queue
	// onEnqueue is called after a transaction that put a message on the
	// outbox commits (see OnEnqueue).
	onEnqueue atomic.Pointer[func()]
	stmts     sync.Map // stmtKey → *sql.Stmt
	// purgeBatch, when > 0, replaces defaultPurgeBatch (tests).
	purgeBatch int

	// For SQLite, write transactions go through one goroutine that commits
	// them in groups (see group).
	writes  chan write
	written chan struct{} // closed when that goroutine has stopped
	closing sync.Once
}

type stmtKey struct {
	db    *sql.DB
	query string
}

// Open connects to url ("sqlite:PATH" or "postgres://…"), applies the
// migrations and returns the store.
func Open(ctx context.Context, url string) (*Store, error) {
	var s *Store
	var err error
	switch {
	case strings.HasPrefix(url, "sqlite:"):
		s, err = openSQLite(strings.TrimPrefix(url, "sqlite:"))
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		s, err = openPostgres(url)
	default:
		return nil, fmt.Errorf("database URL must start with sqlite: or postgres://, got %q", url)
	}
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	for _, q := range writeStatements {
		if _, err := s.prepared(ctx, s.w, q); err != nil {
			s.Close()
			return nil, err
		}
	}
	if s.dialect == SQLite {
		s.writes, s.written = make(chan write), make(chan struct{})
		go s.group()
	}
	flavor := goqite.SQLFlavorSQLite
	if s.dialect == Postgres {
		flavor = goqite.SQLFlavorPostgreSQL
	}
	s.outbox = goqite.New(goqite.NewOpts{DB: s.w, Name: OutboxQueue, SQLFlavor: flavor, MaxReceive: 1 << 30, Timeout: time.Minute})
	return s, nil
}

// OutboxQueue is the name of the goqite queue of outgoing messages.
const OutboxQueue = "outbox"

func openSQLite(path string) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, err
		}
	}
	// busy_timeout first, so that switching to WAL waits for other processes;
	// WAL lets readers run while one writer writes; synchronous(NORMAL) is safe
	// with WAL (a crash may lose the last commits, never corrupt) and spares an
	// fsync per commit; foreign keys are off by default in SQLite; a 32 MB page
	// cache per connection keeps the hot indexes in memory.
	base := fileURI(path) + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_pragma=cache_size(-32000)"
	// Writers take the write lock when they begin (BEGIN IMMEDIATE), so a
	// transaction never fails half-way on a lock upgrade.
	w, err := sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	// One writer connection: SQLite allows one writer at a time anyway, and
	// queueing in Go is cheaper than spinning on the busy timeout.
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", base+"&_pragma=query_only(ON)")
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	return &Store{dialect: SQLite, w: w, r: r}, nil
}

// fileURI is the SQLite URI of the file at path: "?", "#" and "%" in the
// path are escaped, or SQLite would read a query or a fragment there and
// open another file ("/tmp/a#01/prenota.db" would be "/tmp/a").
func fileURI(path string) string {
	return "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}

func openPostgres(url string) (*Store, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return &Store{dialect: Postgres, w: db, r: db}, nil
}

// prepared returns query prepared on db, once: database/sql then prepares it
// at most once per connection. The hot paths use it; preparing costs SQLite
// more than running a small query.
func (s *Store) prepared(ctx context.Context, db *sql.DB, query string) (*sql.Stmt, error) {
	key := stmtKey{db, query}
	if st, ok := s.stmts.Load(key); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := db.PrepareContext(ctx, s.q(query))
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.stmts.LoadOrStore(key, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// txStmt returns query prepared for use in tx. Statements used in write
// transactions are prepared when the store opens (see writeStatements):
// preparing one now would wait for the single SQLite writer connection, which
// tx holds.
func (s *Store) txStmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	if st, ok := s.stmts.Load(stmtKey{s.w, query}); ok {
		return tx.StmtContext(ctx, st.(*sql.Stmt)), nil
	}
	return tx.PrepareContext(ctx, s.q(query))
}

// writeStatements are the hot statements of write transactions.
var writeStatements = []string{insertHold, seatsTaken, claimSeat, savepoint, release, rollbackTo}

const (
	savepoint  = "SAVEPOINT w"
	release    = "RELEASE w"
	rollbackTo = "ROLLBACK TO w"
)

// Close closes the database.
func (s *Store) Close() error {
	if s.writes != nil {
		s.closing.Do(func() { close(s.writes) })
		<-s.written
	}
	s.stmts.Range(func(_, st any) bool { st.(*sql.Stmt).Close(); return true })
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// Dialect returns the engine of the store.
func (s *Store) Dialect() Dialect { return s.dialect }

// DB returns the pool used for writes (for the outbox worker and tests).
func (s *Store) DB() *sql.DB { return s.w }

// Outbox returns the queue of outgoing messages.
func (s *Store) Outbox() *goqite.Queue { return s.outbox }

// SetClock replaces the database clock (tests only): expiry is then judged
// by clock instead of the database's own time.
func (s *Store) SetClock(clock func() time.Time) { s.clock = clock }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.r.PingContext(ctx) }

// Rebind rewrites the ? placeholders of query for the store's engine.
func (s *Store) Rebind(query string) string { return s.q(query) }

// q rebinds the ? placeholders of query for the store's engine.
func (s *Store) q(query string) string {
	if s.dialect != Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// now returns the database clock in unix milliseconds. In a PostgreSQL
// transaction now() is the transaction's start, read once; SQLite runs in
// this process, so its clock is this machine's.
func (s *Store) now(ctx context.Context, q querier) (int64, error) {
	if s.clock != nil {
		return s.clock().UnixMilli(), nil
	}
	if s.dialect == SQLite {
		return time.Now().UnixMilli(), nil
	}
	var ms int64
	err := q.QueryRowContext(ctx, "SELECT (EXTRACT(EPOCH FROM now()) * 1000)::bigint").Scan(&ms)
	return ms, err
}

// tx runs fn in a write transaction, committing if it returns nil. On
// PostgreSQL a deadlock or serialization failure is retried. On SQLite fn
// joins the next group commit. fn must do all its work through tx, with the
// context it is given (never the caller's: see commitGroup).
func (s *Store) tx(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	if s.writes != nil {
		w := write{ctx: ctx, fn: fn, done: make(chan error, 1)}
		select {
		case s.writes <- w:
		case <-ctx.Done():
			return ctx.Err()
		}
		return <-w.done
	}
	for attempt := 0; ; attempt++ {
		err := s.tx1(ctx, fn)
		if err != nil && attempt < 5 && retryable(err) {
			continue
		}
		return err
	}
}

func (s *Store) tx1(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return wrap(err)
	}
	defer tx.Rollback()
	if err := fn(ctx, tx); err != nil {
		return err
	}
	return wrap(tx.Commit())
}

// write is a write transaction waiting for a group commit.
type write struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx *sql.Tx) error
	done chan error
}

// maxGroup bounds how many writes share one commit.
const maxGroup = 64

// group runs SQLite's write transactions. SQLite has one writer at a time,
// and a commit costs more than the few statements of a hold, so the writes
// waiting when the writer is free share one transaction: each in its own
// savepoint, so one that fails is rolled back alone, and all get the
// commit's outcome. Under a stampede this multiplies the holds per second;
// with no contention a group has one write.
//
// A write's cancellation is honoured only until it starts: SQLite answers a
// statement interrupted by its context by rolling back the whole
// transaction, the other writes of the group with it. So a write runs to its
// end without its caller's cancellation or deadline.
func (s *Store) group() {
	defer close(s.written)
	for w := range s.writes {
		batch := []write{w}
	more:
		for len(batch) < maxGroup {
			select {
			case w, ok := <-s.writes:
				if !ok {
					break more
				}
				batch = append(batch, w)
			default:
				break more
			}
		}
		s.commitGroup(batch)
	}
}

func (s *Store) commitGroup(batch []write) {
	errs := make([]error, len(batch))
	fail := func(err error) {
		for _, w := range batch {
			w.done <- err
		}
	}
	tx, err := s.w.BeginTx(context.Background(), nil)
	if err != nil {
		fail(wrap(err))
		return
	}
	defer tx.Rollback()
	exec := func(ctx context.Context, q string) error {
		st, err := s.txStmt(ctx, tx, q)
		if err == nil {
			_, err = st.ExecContext(ctx)
		}
		return err
	}
	for i, w := range batch {
		if err := w.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		if err := exec(context.Background(), savepoint); err != nil {
			fail(wrap(err))
			return
		}
		if errs[i] = w.fn(context.WithoutCancel(w.ctx), tx); errs[i] != nil {
			if err := exec(context.Background(), rollbackTo); err != nil {
				fail(wrap(err))
				return
			}
		}
		if err := exec(context.Background(), release); err != nil {
			fail(wrap(err))
			return
		}
	}
	if err := tx.Commit(); err != nil {
		fail(wrap(err))
		return
	}
	for i, w := range batch {
		w.done <- errs[i]
	}
}

func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// isUnique reports whether err is a unique-constraint violation.
func isUnique(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// wrap turns a driver error into a domain error, keeping domain errors as
// they are.
func wrap(err error) error {
	if err == nil {
		return nil
	}
	var de *booking.Error
	if errors.As(err, &de) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return booking.Errorf(booking.ENotFound, "L'elemento richiesto non esiste.")
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return booking.Internal(err)
}
