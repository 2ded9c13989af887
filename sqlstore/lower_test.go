package sqlstore_test

import (
	"testing"
	"time"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/internal/testdb"
	"github.com/prenota/prenota/sqlstore"
)

// The audit log's person filter ignores the case of accented letters too:
// "niccolò" finds the account named NICCOLÒ on both engines.
func TestAuditWhoAccents(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		now := time.Now()
		if err := s.CreateUser(ctx, auth.User{ID: "u1", Login: "ndamico", Name: "NICCOLÒ D'AMICO", Email: "n@example.it",
			Role: auth.RoleOperatore, PasswordHash: "x", CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
		for _, e := range []auth.AuditEntry{
			{At: now, Actor: "utente:ndamico", Action: "attendance_marked", Target: "b1"},
			{At: now, Actor: "utente:altro", Action: "attendance_marked", Target: "b2"},
			{At: now, Actor: "ÀNGELO", Action: "login", Target: "b3"},
		} {
			if err := s.Audit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		for who, want := range map[string]string{"niccolò": "b1", "NICCOLÒ": "b1", "àngelo": "b3"} {
			es, err := s.AuditLog(ctx, auth.AuditFilter{Who: who})
			if err != nil || len(es) != 1 || es[0].Target != want {
				t.Errorf("who %q: %+v, %v; want only %s", who, es, err, want)
			}
		}
	})
}
