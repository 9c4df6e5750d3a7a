package trial

import (
	"errors"
	"testing"
	"time"
)

// day parses an ISO date in a test, failing it on a bad fixture.
func day(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatalf("fixture date %q: %v", s, err)
	}
	return d
}

// boolCase is one input of a predicate and the answer it must give.
type boolCase struct {
	name string
	in   string
	want bool
}

func runBoolCases(t *testing.T, fn string, f func(string) bool, cases []boolCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := f(tc.in); got != tc.want {
				t.Errorf("%s(%q): got %v, want %v", fn, tc.in, got, tc.want)
			}
		})
	}
}

func TestValidOrganisationNumber(t *testing.T) {
	runBoolCases(t, "ValidOrganisationNumber", ValidOrganisationNumber, []boolCase{
		{"OK", "972417858", true}, // KDD
		{"OKIndreOstfoldExample", "940931002", true},
		{"OKRemainderZero", "999990010", true}, // check digit 0 for r = 0
		{"ErrCheckDigit", "972417857", false},
		{"ErrRemainderOne", "400000000", false}, // r = 1: no number has this prefix
		{"ErrTooShort", "97241785", false},
		{"ErrTooLong", "9724178580", false},
		{"ErrLetters", "97241785X", false},
		{"ErrSpaces", "972 417 858", false},
		{"ErrEmpty", "", false},
		{"ErrUnicodeDigits", "٩٧٢٤١٧٨٥٨", false},
	})
}

func TestValidOrganisationNumber_RemainderOne(t *testing.T) {
	// Guard the ErrRemainderOne fixture: it must exercise the r = 1 branch for every
	// possible last digit, not merely carry a wrong check digit.
	sum := 0
	for i, w := range orgWeights {
		sum += int("40000000"[i]-'0') * w
	}
	if got := sum % 11; got != 1 {
		t.Fatalf("remainder of 40000000: got %d, want 1", got)
	}
	for d := '0'; d <= '9'; d++ {
		if s := "40000000" + string(d); ValidOrganisationNumber(s) {
			t.Errorf("ValidOrganisationNumber(%s): got true, want false", s)
		}
	}
}

func TestValidCountyNumber(t *testing.T) {
	cases := []boolCase{
		{"ErrMerged2020Viken", "30", false},
		{"ErrMerged2020VestfoldTelemark", "38", false},
		{"ErrMerged2020TromsFinnmark", "54", false},
		{"ErrOneDigit", "3", false},
		{"ErrThreeDigits", "046", false},
		{"ErrEmpty", "", false},
		{"ErrLetters", "AB", false},
	}
	for _, c := range []string{"03", "11", "15", "18", "31", "32", "33", "34", "39", "40", "42", "46", "50", "55", "56"} {
		cases = append(cases, boolCase{"OK" + c, c, true})
	}
	runBoolCases(t, "ValidCountyNumber", ValidCountyNumber, cases)
}

func TestValidMunicipalityNumber(t *testing.T) {
	runBoolCases(t, "ValidMunicipalityNumber", ValidMunicipalityNumber, []boolCase{
		{"OK", "0301", true}, // Oslo, leading zero kept
		{"OKIndreOstfold", "3118", true},
		{"OKGrong", "5045", true},
		{"OKVestvagoy", "1860", true},
		{"ErrLeadingZeroLost", "301", false},
		{"ErrCountyNotInForce", "3005", false}, // Viken, 2020–2023
		{"ErrCountyNeverExisted", "9901", false},
		{"ErrSerialZero", "0300", false},
		{"ErrLetters", "03O1", false},
		{"ErrEmpty", "", false},
	})
}

func TestValidLovdataID(t *testing.T) {
	runBoolCases(t, "ValidLovdataID", ValidLovdataID, []boolCase{
		{"OK", "LOV-2008-06-27-71", true},
		{"OKRegulation", "FOR-2006-06-23-724", true},
		{"OKWithoutNumber", "LOV-1967-02-10", true},
		{"OKDecisionAuthority", "FOR-1992-12-11-1050", true},
		{"ErrPrefix", "LOW-2008-06-27-71", false},
		{"ErrLowerCase", "lov-2008-06-27-71", false},
		{"ErrNotADate", "LOV-2023-02-30-1", false},
		{"ErrShortMonth", "LOV-2008-6-27-71", false},
		{"ErrNumberLeadingZero", "LOV-2008-06-27-071", false},
		{"ErrNumberZero", "LOV-2008-06-27-0", false},
		{"ErrNumberEmpty", "LOV-2008-06-27-", false},
		{"ErrNumberLetters", "LOV-2008-06-27-7a", false},
		{"ErrNumberTooLong", "LOV-2008-06-27-12345678", false},
		{"ErrTrailing", "LOV-2008-06-27-71 ", false},
		{"ErrMissingSeparator", "LOV-2008-06-2771", false},
		{"ErrEmpty", "", false},
		{"ErrFreeText", "plan- og bygningsloven", false},
	})
}

func TestParseDate(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		got, err := ParseDate("2026-08-01")
		if err != nil {
			t.Fatalf("got error %v, want nil", err)
		}
		if want := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC); !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("OKLeapDay", func(t *testing.T) {
		if _, err := ParseDate("2024-02-29"); err != nil {
			t.Errorf("got error %v, want nil", err)
		}
	})
	for _, tc := range []struct{ name, in string }{
		{"ErrNotALeapYear", "2025-02-29"},
		{"ErrDayOutOfRange", "2026-04-31"},
		{"ErrMonth13", "2026-13-01"},
		{"ErrShortMonth", "2026-8-01"},
		{"ErrTimestamp", "2026-08-01T00:00:00Z"},
		{"ErrSlashes", "2026/08/01"},
		{"ErrNorwegianOrder", "01.08.2026"},
		{"ErrEmpty", ""},
		{"ErrSign", "+026-08-01"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseDate(tc.in)
			if !errors.Is(err, ErrInvalidDate) {
				t.Errorf("ParseDate(%q): got error %v, want one wrapping ErrInvalidDate", tc.in, err)
			}
		})
	}
}

func TestFormatDate(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		if got, want := FormatDate(time.Date(2026, 8, 1, 15, 4, 0, 0, time.UTC)), "2026-08-01"; got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
}

func TestMaxTrialEnd(t *testing.T) {
	for _, tc := range []struct{ name, start, want string }{
		{"OK", "2026-08-01", "2030-07-31"},
		{"OKFirstOfYear", "2026-01-01", "2029-12-31"},
		{"OKLeapDayStart", "2024-02-29", "2028-02-28"},
		{"OKMarchFirstBeforeLeapYear", "2024-03-01", "2028-02-29"},
		{"OKMarchFirstNonLeap", "2025-03-01", "2029-02-28"},
		{"OKCenturyNotLeap", "2096-02-29", "2100-02-28"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := FormatDate(MaxTrialEnd(day(t, tc.start))); got != tc.want {
				t.Errorf("MaxTrialEnd(%s): got %s, want %s", tc.start, got, tc.want)
			}
		})
	}
	t.Run("OKOsloMidnight", func(t *testing.T) {
		oslo := time.FixedZone("CEST", 2*60*60)
		got := MaxTrialEnd(time.Date(2026, 8, 1, 0, 0, 0, 0, oslo))
		if want := day(t, "2030-07-31"); !got.Equal(want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

func TestMaxExtendedEnd(t *testing.T) {
	for _, tc := range []struct{ name, end, want string }{
		{"OK", "2030-07-31", "2032-07-31"},
		{"OKLeapDayEnd", "2028-02-29", "2030-02-28"},
		{"OKLeapDayToLeapDay", "2028-02-28", "2030-02-28"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := FormatDate(maxExtendedEnd(day(t, tc.end))); got != tc.want {
				t.Errorf("maxExtendedEnd(%s): got %s, want %s", tc.end, got, tc.want)
			}
		})
	}
}

func TestIsWorkingDay(t *testing.T) {
	for _, tc := range []struct {
		name, date string
		want       bool
	}{
		{"OK", "2026-04-07", true}, // Tuesday after Easter Monday
		{"OKChristmasEve", "2026-12-24", true},
		{"ErrSaturday", "2026-08-01", false},
		{"ErrSunday", "2026-08-02", false},
		{"ErrGoodFriday", "2026-04-03", false},
		{"ErrConstitutionDay", "2028-05-17", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsWorkingDay(day(t, tc.date)); got != tc.want {
				t.Errorf("IsWorkingDay(%s): got %v, want %v", tc.date, got, tc.want)
			}
		})
	}
}
