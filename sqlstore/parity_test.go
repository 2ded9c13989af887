package sqlstore_test

import (
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/prenota/prenota/internal/testdb"
	"github.com/prenota/prenota/sqlstore"
)

// schema is what both engines must agree on, by table: each column with
// its nullability ("name NOT NULL" or "name NULL"), the primary key's
// columns, and the column lists of the unique indexes.
type schema map[string]*table

type table struct {
	columns []string
	pk      string
	uniques []string
}

// dialectNecessities are the differences the engines need, each with why.
// A key is "table" (a table only one engine has) or "table.what".
var dialectNecessities = map[string]string{
	// (none today: both folders create the same tables, columns, keys and unique indexes)
}

// TestSchemaParity migrates both engines and compares their schemas: the
// migrations are written twice (sqlstore/migrations/sqlite and /postgres),
// so nothing else notices when a change lands in one folder only.
func TestSchemaParity(t *testing.T) {
	lite, pg := sqliteSchema(t), postgresSchema(t)
	if len(lite) < 10 {
		t.Fatalf("only %d tables read from SQLite", len(lite))
	}
	var names []string
	for n := range lite {
		names = append(names, n)
	}
	for n := range pg {
		if lite[n] == nil {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		l, p := lite[n], pg[n]
		if l == nil || p == nil {
			if dialectNecessities[n] == "" {
				t.Errorf("table %s: SQLite has it %v, PostgreSQL %v", n, l != nil, p != nil)
			}
			continue
		}
		diff := func(what string, a, b any) {
			if fmt.Sprint(a) != fmt.Sprint(b) && dialectNecessities[n+"."+what] == "" {
				t.Errorf("table %s, %s:\n  sqlite:   %v\n  postgres: %v", n, what, a, b)
			}
		}
		diff("columns", l.columns, p.columns)
		diff("primary key", l.pk, p.pk)
		diff("unique indexes", l.uniques, p.uniques)
	}
}

// skipped are tables of the tools, not of the schema.
func skipped(name string) bool {
	return name == "goose_db_version" || strings.HasPrefix(name, "sqlite_")
}

func rows(t *testing.T, db *sql.DB, query string, args ...any) [][]string {
	t.Helper()
	rs, err := db.Query(query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	var out [][]string
	for rs.Next() {
		vs := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vs {
			ptrs[i] = &vs[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vs {
			row[i] = v.String
		}
		out = append(out, row)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// migrateURL migrates the database at url to the newest schema.
func migrateURL(t *testing.T, url string) {
	t.Helper()
	st, err := sqlstore.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
}

func nullability(name string, notNull bool) string {
	if notNull {
		return name + " NOT NULL"
	}
	return name + " NULL"
}

func sqliteSchema(t *testing.T) schema {
	url := testdb.URL(t, "sqlite")
	migrateURL(t, url)
	db, err := sql.Open("sqlite", strings.TrimPrefix(url, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := schema{}
	for _, r := range rows(t, db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") {
		name := r[0]
		if skipped(name) {
			continue
		}
		tb := &table{}
		var pk []string
		for _, c := range rows(t, db, "SELECT name, \"notnull\", pk, type FROM pragma_table_info(?) ORDER BY cid", name) {
			// A primary key column is never NULL in PostgreSQL; in SQLite
			// only an INTEGER PRIMARY KEY is, so that is what both mean.
			tb.columns = append(tb.columns, nullability(c[0], c[1] == "1" || c[2] != "0"))
			if c[2] != "0" {
				pk = append(pk, c[2]+":"+c[0])
			}
		}
		slices.Sort(tb.columns)
		slices.Sort(pk) // by position in the key
		for i := range pk {
			pk[i] = pk[i][strings.Index(pk[i], ":")+1:]
		}
		tb.pk = strings.Join(pk, ",")
		for _, ix := range rows(t, db, "SELECT name, origin, partial FROM pragma_index_list(?) WHERE \"unique\" = 1", name) {
			if ix[1] == "pk" {
				continue
			}
			var cols []string
			for _, c := range rows(t, db, "SELECT name FROM pragma_index_info(?) ORDER BY seqno", ix[0]) {
				cols = append(cols, c[0])
			}
			u := strings.Join(cols, ",")
			if ix[2] == "1" {
				u += " (partial)"
			}
			tb.uniques = append(tb.uniques, u)
		}
		slices.Sort(tb.uniques)
		s[name] = tb
	}
	return s
}

func postgresSchema(t *testing.T) schema {
	url := testdb.URL(t, "postgres")
	migrateURL(t, url)
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := schema{}
	for _, r := range rows(t, db, `SELECT table_name, column_name, is_nullable FROM information_schema.columns
		WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`) {
		if skipped(r[0]) {
			continue
		}
		if s[r[0]] == nil {
			s[r[0]] = &table{}
		}
		s[r[0]].columns = append(s[r[0]].columns, nullability(r[1], r[2] == "NO"))
	}
	for _, tb := range s {
		slices.Sort(tb.columns)
	}
	// Each index with its columns in key order; primary keys and unique ones.
	for _, r := range rows(t, db, `SELECT c.relname, i.indisprimary, i.indpred IS NOT NULL,
			string_agg(a.attname, ',' ORDER BY k.n)
		FROM pg_index i
		JOIN pg_class c ON c.oid = i.indrelid
		JOIN pg_namespace ns ON ns.oid = c.relnamespace AND ns.nspname = current_schema()
		CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
		WHERE i.indisunique
		GROUP BY i.indexrelid, c.relname, i.indisprimary, i.indpred`) {
		tb := s[r[0]]
		if tb == nil {
			continue
		}
		switch {
		case r[1] == "true":
			tb.pk = r[3]
		case r[2] == "true":
			tb.uniques = append(tb.uniques, r[3]+" (partial)")
		default:
			tb.uniques = append(tb.uniques, r[3])
		}
	}
	for _, tb := range s {
		slices.Sort(tb.uniques)
	}
	return s
}
