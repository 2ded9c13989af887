package account

import "time"

// Token is an integration token of the API. The token itself is shown once
// when made; only its SHA-256 is stored.
type Token struct {
	ID        string
	Name      string
	Scope     string // TokenRead or TokenBook
	CreatedBy string
	CreatedAt time.Time
	RevokedAt time.Time // zero while valid
	LastUsed  time.Time
}

// The scopes of tokens: read lists resources and availability; book may also
// hold, confirm and cancel.
const (
	TokenRead = "read"
	TokenBook = "book"
)
