package backoffice_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/backoffice"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/testdb"
)

// countingTokens is one valid token whose recorded uses are counted.
type countingTokens struct {
	t       auth.Token
	touches int
}

func (c *countingTokens) TokenByHash(ctx context.Context, hash string) (auth.Token, error) {
	if hash != backoffice.HashToken("prn_giusto") {
		return auth.Token{}, booking.Errorf(booking.ENotFound, "Token sconosciuto.")
	}
	return c.t, nil
}

func (c *countingTokens) TouchToken(ctx context.Context, id string, now time.Time, every time.Duration) error {
	c.touches++
	c.t.LastUsed = now
	return nil
}

// TestTokenUseThrottled: a token in use records its last use at most once
// a minute; an unknown token records nothing.
func TestTokenUseThrottled(t *testing.T) {
	store := &countingTokens{t: auth.Token{ID: "t1", Name: "Totem", Scope: auth.TokenRead}}
	ctx := context.Background()
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, booking.Rome)
	for _, c := range []struct {
		name    string
		bearer  string
		at      time.Time
		touches int
		ok      bool
	}{
		{"first use", "prn_giusto", t0, 1, true},
		{"30 seconds later", "prn_giusto", t0.Add(30 * time.Second), 1, true},
		{"59 seconds later", "prn_giusto", t0.Add(59 * time.Second), 1, true},
		{"a minute later", "prn_giusto", t0.Add(time.Minute), 2, true},
		{"unknown token", "prn_sbagliato", t0.Add(time.Hour), 2, false},
	} {
		_, err := backoffice.Authenticate(ctx, store, c.bearer, c.at)
		if (err == nil) != c.ok || store.touches != c.touches {
			t.Errorf("%s: err %v, %d writes of the last use, want %d", c.name, err, store.touches, c.touches)
		}
	}
}

// TestTokenLastUse: the token page shows when each token was last used,
// as recorded by the API's bearer authentication (both engines).
func TestTokenLastUse(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			a, base := startApp(t, dialect)
			admin := newClient(t, base)
			admin.login("admin")
			tp := admin.post("/backoffice/token", url.Values{"name": {"Totem"}, "scope": {"read"}})
			want(t, "token", tp, http.StatusOK, "Ultimo uso", "Mai usato")
			api := newClient(t, base)
			api.bearer = regexp.MustCompile(`prn_[A-Za-z0-9_-]{43}`).FindString(tp.body)
			want(t, "api", api.get("/api/v1/resources"), http.StatusOK)
			ts, err := a.Store.Tokens(context.Background())
			if err != nil || len(ts) != 1 || ts[0].LastUsed.IsZero() {
				t.Fatalf("last use not recorded: %+v %v", ts, err)
			}
			first := ts[0].LastUsed
			if d := a.Service.Now().Sub(first); d < 0 || d > time.Minute {
				t.Errorf("last use %s, now %s", first, a.Service.Now())
			}
			for range 5 {
				want(t, "api again", api.get("/api/v1/resources"), http.StatusOK)
			}
			if ts, _ := a.Store.Tokens(context.Background()); !ts[0].LastUsed.Equal(first) {
				t.Errorf("last use written again within the minute: %s, then %s", first, ts[0].LastUsed)
			}
			want(t, "token page", admin.get("/backoffice/token"), http.StatusOK, "<td>"+first.In(booking.Rome).Format("02/01/2006 15:04")+"</td>")
			// A revoked token is refused and its last use stays.
			want(t, "revoke", admin.post("/backoffice/token/"+ts[0].ID+"/revoca", url.Values{"conferma": {"sì"}}), http.StatusSeeOther)
			want(t, "revoked", api.get("/api/v1/resources"), http.StatusUnauthorized)
		})
	}
}
