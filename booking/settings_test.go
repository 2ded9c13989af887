package booking

import "testing"

func TestSettingsRetention(t *testing.T) {
	tests := []struct {
		name    string
		months  int
		want    int    // Retention()
		invalid string // field at fault, "" when valid
	}{
		{"not set means the default", 0, DefaultRetentionMonths, ""},
		{"one month", 1, 1, ""},
		{"two years", 24, 24, ""},
		{"ten years", 120, 120, ""},
		{"negative", -1, -1, "retention_months"},
		{"more than ten years", 121, 121, "retention_months"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Settings{Name: "Comune di Prova", RetentionMonths: tt.months}
			if got := s.Retention(); got != tt.want {
				t.Errorf("Retention() = %d, want %d", got, tt.want)
			}
			err := s.Validate()
			if tt.invalid == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			fs := ErrorFields(err)
			if ErrorCode(err) != EInvalid || len(fs) != 1 || fs[0].Field != tt.invalid || fs[0].Message != RetentionMessage {
				t.Fatalf("Validate: %v %+v, want EInvalid on %s", err, fs, tt.invalid)
			}
		})
	}
	if err := (Settings{}).Validate(); ErrorCode(err) != EInvalid || ErrorFields(err)[0].Field != "name" {
		t.Fatalf("no name: %v", err)
	}
}
