package booking

import (
	"errors"
	"fmt"
	"runtime/debug"
)

// Code classifies an error so that adapters can answer it (HTTP status, page).
type Code string

// The error codes. The set is small and fixed on purpose.
const (
	EInvalid      Code = "invalid"      // input does not satisfy the rules
	ENotFound     Code = "not_found"    // no such thing, or not the caller's
	EConflict     Code = "conflict"     // the state forbids it (seat taken, booking past)
	EGone         Code = "gone"         // it existed but expired (a hold)
	EUnauthorized Code = "unauthorized" // no identity
	EForbidden    Code = "forbidden"    // identity without the right
	ETooMany      Code = "too_many"     // rate limited
	EInternal     Code = "internal"     // anything else; details are logged, not shown
)

// Error is a domain error. Message is safe to show to a citizen (Italian);
// Fields names the inputs at fault; Err, if any, is the internal cause.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
	Err     error
}

// FieldError says which input is wrong and how to fix it, in Italian.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EInvalid error listing the fields at fault.
func Invalid(fields ...FieldError) *Error {
	msg := "I dati inviati non sono validi."
	if len(fields) == 1 {
		msg = fields[0].Message
	}
	return &Error{Code: EInvalid, Message: msg, Fields: fields}
}

// Internal wraps an unexpected error.
func Internal(err error) *Error {
	return &Error{Code: EInternal, Message: "Si è verificato un errore interno. Riprovi tra qualche istante.", Err: err}
}

// Panicked is the EInternal error that answers a panic recovered from one
// request or job: v and the stack go to the log, the user sees the message
// of any internal error.
func Panicked(v any) *Error {
	return Internal(fmt.Errorf("panic: %v\n%s", v, debug.Stack()))
}

// ErrorCode returns the code of err, EInternal for errors that are not *Error.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the citizen-safe message of err.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EInternal {
		return e.Message
	}
	return Internal(err).Message
}

// ErrorFields returns the field errors carried by err, if any.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
