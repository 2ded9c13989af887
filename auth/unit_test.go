package auth

import (
	"strings"
	"testing"
	"time"
)

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                     "/",
		"/prenota?risorsa=3":   "/prenota?risorsa=3",
		"https://evil.example": "/",
		"//evil.example/x":     "/",
		"/\\evil.example":      "/",
		"javascript:alert(1)":  "/",
		"prenota":              "/",
		"/a\r\nSet-Cookie: x":  "/",
	} {
		if got := SafeNext(in); got != want {
			t.Errorf("SafeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("una password lunga", DefaultArgon2)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not a PHC argon2id string", h)
	}
	if ok, err := VerifyPassword("una password lunga", h); !ok || err != nil {
		t.Errorf("right password: %v %v", ok, err)
	}
	if ok, _ := VerifyPassword("una password lungA", h); ok {
		t.Error("wrong password accepted")
	}
	if _, err := VerifyPassword("x", "$2a$10$bcrypt"); err == nil {
		t.Error("non-argon2id hash accepted")
	}
	h2, _ := HashPassword("una password lunga", DefaultArgon2)
	if h2 == h {
		t.Error("no salt")
	}
}

func TestLockoutBackoff(t *testing.T) {
	l := Lockout{AccountThreshold: 5, Base: time1m, Max: 4 * time1m}.withDefaults()
	for n, want := range map[int]int{4: 0, 5: 1, 6: 2, 7: 4, 8: 4, 20: 4} {
		u := l.until(n, 5, t0)
		if got := int(u.Sub(t0) / time1m); (want == 0) != u.IsZero() || (want != 0 && got != want) {
			t.Errorf("%d failures: locked %v minutes, want %d", n, got, want)
		}
	}
}

const time1m = time.Minute

var t0 = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
