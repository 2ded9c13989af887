package booking

import (
	"regexp"
	"strings"
)

// Phone messages, for the fields "telefono" and "fruitore.telefono".
const (
	PhoneMessage = "Il numero di telefono non è valido: scriva un cellulare (es. 333 1234567), un fisso con il prefisso (es. 0541 356111) " +
		"o un numero con il prefisso internazionale (es. +39 333 1234567)."
	PhoneDateMessage = "Questa sembra una data, non un numero di telefono: scriva il numero (es. 333 1234567)."
)

var (
	// phoneShape is digits in groups split by one space, dot, dash or slash,
	// with an optional leading +.
	phoneShape = regexp.MustCompile(`^\+?[0-9]+([ ./-][0-9]+)*$`)
	// dateShape is 1970-02-30, 30/02/1970, 30.02.70…
	dateShape = regexp.MustCompile(`^[0-9]{1,4}[./-][0-9]{1,2}[./-][0-9]{1,4}$`)
)

// PhoneProblem returns why v is not a phone number, in Italian, or "" when
// it is one: an international number (+ or 00, then 6 to 15 digits), an
// Italian mobile (3, 9 or 10 digits) or an Italian landline (0, 6 to 11
// digits). A date is refused with its own message.
func PhoneProblem(v string) string {
	v = strings.TrimSpace(v)
	if dateShape.MatchString(v) {
		return PhoneDateMessage
	}
	if !phoneShape.MatchString(v) {
		return PhoneMessage
	}
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, v)
	n := len(digits)
	switch {
	case strings.HasPrefix(v, "+"):
		return problemIf(n < 6 || n > 15)
	case strings.HasPrefix(digits, "00"):
		return problemIf(n-2 < 6 || n-2 > 15)
	case strings.HasPrefix(digits, "3"):
		return problemIf(n < 9 || n > 10)
	case strings.HasPrefix(digits, "0"):
		return problemIf(n < 6 || n > 11)
	}
	return PhoneMessage
}

func problemIf(bad bool) string {
	if bad {
		return PhoneMessage
	}
	return ""
}
