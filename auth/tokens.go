package auth

import "github.com/prenota/prenota/account"

// Token is an integration token of the API (see account.Token).
type Token = account.Token

// The scopes of tokens: read lists resources and availability; book may also
// hold, confirm and cancel.
const (
	TokenRead = account.TokenRead
	TokenBook = account.TokenBook
)
