package sqlstore_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/testdb"
	"github.com/prenota/prenota/sqlstore"
)

// fixture is the database of an earlier version (go run ./tools/fixture).
const upgradeFixture = "testdata/schema-00008.db"

// TestUpgradeFromFixture migrates the earlier version's database through
// every migration this binary has and checks that every row of every table
// it had keeps its values, and that the store reads its bookings, accounts
// and settings.
func TestUpgradeFromFixture(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prenota.db")
	b, err := os.ReadFile(upgradeFixture)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	before := dump(t, path, nil)
	for _, table := range []string{"bookings", "users", "settings", "resources", "claims", "closures", "audit_log"} {
		if len(before[table].rows) == 0 {
			t.Fatalf("the fixture has no rows in %s", table)
		}
	}
	if v, err := sqlstore.DatabaseSchema(t.Context(), "sqlite:"+path); err != nil || v != 8 {
		t.Fatalf("fixture schema %d, %v; want 8", v, err)
	}

	s, err := sqlstore.Open(t.Context(), "sqlite:"+path)
	if err != nil {
		t.Fatalf("migrating the fixture: %v", err)
	}
	st, err := s.Settings(t.Context())
	if err != nil || st.Name != "Comune di Demo" {
		t.Errorf("settings after the upgrade: %q, %v", st.Name, err)
	}
	for _, login := range []string{"admin", "operatore", "caf.centro"} {
		u, err := s.UserByLogin(t.Context(), login)
		if err != nil || u.PasswordHash == "" || u.Disabled {
			t.Errorf("account %s after the upgrade: %+v, %v", login, u, err)
		} else if ok, _ := auth.VerifyPassword("password-di-prova-123", u.PasswordHash); !ok {
			t.Errorf("account %s: its password no longer matches", login)
		}
	}
	status := map[booking.Status]int{}
	for _, row := range before["bookings"].rows {
		id := strings.TrimPrefix(row[slices.Index(before["bookings"].cols, "id")], "string:")
		bk, err := s.Booking(t.Context(), id)
		if err != nil || bk.Code == "" || bk.Fruitore.CodiceFiscale == "" {
			t.Errorf("booking %s after the upgrade: %+v, %v", id, bk, err)
		}
		status[bk.Status]++
	}
	if status[booking.Confirmed] != 4 || status[booking.Cancelled] != 2 {
		t.Errorf("bookings by status after the upgrade: %v, want 4 confirmed and 2 cancelled", status)
	}
	s.Close()
	if v, err := sqlstore.DatabaseSchema(t.Context(), "sqlite:"+path); err != nil || v != sqlstore.SchemaVersion() {
		t.Errorf("schema after the upgrade %d, %v; want %d", v, err, sqlstore.SchemaVersion())
	}

	after := dump(t, path, before)
	for table, tb := range before {
		if table == "goose_db_version" {
			continue
		}
		got := after[table]
		if len(got.rows) != len(tb.rows) {
			t.Errorf("%s: %d rows before the upgrade, %d after", table, len(tb.rows), len(got.rows))
			continue
		}
		for i := range tb.rows {
			if !slices.Equal(tb.rows[i], got.rows[i]) {
				t.Errorf("%s row %d changed:\n before %q\n after  %q", table, i, tb.rows[i], got.rows[i])
			}
		}
	}
}

type tableDump struct {
	cols []string
	rows [][]string // sorted
}

// dump reads every table of the SQLite database at path (only the tables
// and columns of like, when given).
func dump(t *testing.T, path string, like map[string]tableDump) map[string]tableDump {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tables []string
	rows, err := db.Query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	out := map[string]tableDump{}
	for _, table := range tables {
		var cols []string
		if like != nil {
			old, ok := like[table]
			if !ok {
				continue
			}
			cols = old.cols
		} else {
			r, err := db.Query(fmt.Sprintf("SELECT name FROM pragma_table_info('%s') ORDER BY cid", table))
			if err != nil {
				t.Fatal(err)
			}
			for r.Next() {
				var c string
				r.Scan(&c)
				cols = append(cols, c)
			}
			r.Close()
		}
		quoted := make([]string, len(cols))
		for i, c := range cols {
			quoted[i] = `"` + c + `"`
		}
		r, err := db.Query(fmt.Sprintf(`SELECT %s FROM "%s"`, strings.Join(quoted, ", "), table))
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		td := tableDump{cols: cols}
		for r.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := r.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			row := make([]string, len(cols))
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				row[i] = fmt.Sprintf("%T:%v", v, v)
			}
			td.rows = append(td.rows, row)
		}
		r.Close()
		slices.SortFunc(td.rows, func(a, b []string) int { return slices.Compare(a, b) })
		out[table] = td
	}
	return out
}

// TestNewerSchemaRefused: a binary never opens a database whose schema is
// newer than its own, and leaves it unchanged.
func TestNewerSchemaRefused(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, d string) {
		url := testdb.URL(t, d)
		s, err := sqlstore.Open(t.Context(), url)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		driver, dsn := "pgx", url
		if d == "sqlite" {
			driver, dsn = "sqlite", "file:"+strings.TrimPrefix(url, "sqlite:")
		}
		db, err := sql.Open(driver, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		newer := sqlstore.SchemaVersion() + 2
		if _, err := db.Exec(fmt.Sprintf("INSERT INTO goose_db_version (version_id, is_applied) VALUES (%d, true)", newer)); err != nil {
			t.Fatal(err)
		}
		_, err = sqlstore.Open(t.Context(), url)
		want := fmt.Sprintf("database schema %d is newer than this prenota (%d): upgrade the binary", newer, sqlstore.SchemaVersion())
		if err == nil || err.Error() != want {
			t.Fatalf("opening a newer schema: %v, want %q", err, want)
		}
		if v, err := sqlstore.DatabaseSchema(t.Context(), url); err != nil || v != newer {
			t.Errorf("schema after the refusal %d, %v; want %d", v, err, newer)
		}
	})
}

// TestConcurrentMigrations: PostgreSQL instances that start together on one
// empty database all open it, each migration applied once (the advisory
// lock). SQLite is one process: there, run prenota migrate before starting
// anything else on a new file.
func TestConcurrentMigrations(t *testing.T) {
	for _, d := range []string{"postgres"} {
		t.Run(d, func(t *testing.T) {
			url := testdb.URL(t, d)
			errs := make(chan error, 4)
			for range 4 {
				go func() {
					s, err := sqlstore.Open(t.Context(), url)
					if err == nil {
						s.Close()
					}
					errs <- err
				}()
			}
			for range 4 {
				if err := <-errs; err != nil {
					t.Errorf("open: %v", err)
				}
			}
			if v, err := sqlstore.DatabaseSchema(t.Context(), url); err != nil || v != sqlstore.SchemaVersion() {
				t.Errorf("schema %d, %v; want %d", v, err, sqlstore.SchemaVersion())
			}
		})
	}
}
