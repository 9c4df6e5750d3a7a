package trial

import (
	"testing"
	"time"
)

func date(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestEaster(t *testing.T) {
	for year, want := range map[int]string{
		2024: "2024-03-31", 2025: "2025-04-20", 2026: "2026-04-05", 2027: "2027-03-28",
		2028: "2028-04-16", 2029: "2029-04-01", 2030: "2030-04-21", 2038: "2038-04-25",
	} {
		// Easter Day and Monday are holidays, the Tuesday after is not, and Maundy
		// Thursday and Good Friday before them are.
		easter := date(t, want)
		for offset, holiday := range map[int]bool{-4: false, -3: true, -2: true, 0: true, 1: true, 2: false} {
			if d := easter.AddDate(0, 0, offset); isPublicHoliday(d) != holiday {
				t.Errorf("Easter %d: isPublicHoliday(%s) = %v, want %v", year, d.Format("2006-01-02"), !holiday, holiday)
			}
		}
	}
}

func TestPublicHoliday(t *testing.T) {
	tests := []struct {
		date string
		want bool
	}{
		{"2026-01-01", true}, {"2026-04-02", true}, {"2026-04-03", true}, {"2026-04-05", true},
		{"2026-04-06", true}, {"2026-05-01", true}, {"2026-05-14", true}, {"2026-05-17", true},
		{"2026-05-24", true}, {"2026-05-25", true}, {"2026-12-25", true}, {"2026-12-26", true},
		{"2027-03-25", true}, {"2027-03-26", true}, {"2027-03-29", true}, {"2027-05-06", true},
		{"2027-05-17", true}, {"2027-05-16", true}, {"2027-05-17", true},
		{"2026-04-07", false}, {"2026-12-24", false}, {"2026-05-18", false}, {"2027-04-05", false},
	}
	for _, tt := range tests {
		if got := isPublicHoliday(date(t, tt.date)); got != tt.want {
			t.Errorf("isPublicHoliday(%s) = %v, want %v", tt.date, got, tt.want)
		}
	}
}

func TestAddWorkingDays(t *testing.T) {
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2026-11-20", 1, "2026-11-23"}, // Friday → Monday
		{"2026-03-31", 3, "2026-04-08"}, // across Easter 2026: 1 Apr, 7 Apr, 8 Apr
		{"2026-12-23", 2, "2026-12-28"}, // over Christmas: 24 Dec, then 28 Dec
		{"2026-11-23", 15, "2026-12-14"},
	}
	for _, tt := range tests {
		if got := AddWorkingDays(date(t, tt.from), tt.n).Format("2006-01-02"); got != tt.want {
			t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tt.from, tt.n, got, tt.want)
		}
	}
}
