package booking

import "testing"

func TestPhoneProblem(t *testing.T) {
	for in, want := range map[string]string{
		"333 1234567":       "",
		"3331234567":        "",
		"347-765.4321":      "",
		"0541 356111":       "",
		"0541/356111":       "",
		"06 12345678":       "",
		"+39 333 1234567":   "",
		"+393477654321":     "",
		"+49 151 2345678":   "",
		"0049 151 2345678":  "",
		"1970-02-30":        PhoneDateMessage,
		"30/02/1970":        PhoneDateMessage,
		"30.02.70":          PhoneDateMessage,
		"333 123":           PhoneMessage, // too short for a mobile
		"333 1234567 89":    PhoneMessage, // too long
		"12345678":          PhoneMessage, // neither mobile nor landline
		"+39 333 1234567 x": PhoneMessage,
		"333  1234567":      PhoneMessage,
		"++39 333 1234567":  PhoneMessage,
		"+1234":             PhoneMessage,
		"telefono":          PhoneMessage,
		"":                  PhoneMessage,
	} {
		if got := PhoneProblem(in); got != want {
			t.Errorf("PhoneProblem(%q) = %q, want %q", in, got, want)
		}
	}
}
