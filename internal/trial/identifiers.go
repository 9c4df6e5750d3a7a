package trial

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rickar/cal/v2/aa"
	"github.com/rickar/cal/v2/no"
)

// Identifiers and calendar dates. Everything here is a pure function of its input: the
// numbers are strings throughout because leading zeros are significant ("0301" is Oslo)
// and municipality numbers have been renumbered twice (2020, 2024).

// dateLayout is the ISO 8601 calendar date the API uses for every date field.
const dateLayout = "2006-01-02"

// ErrInvalidDate is wrapped by ParseDate's errors, so callers can tell a bad date from
// other failures with errors.Is.
var ErrInvalidDate = errors.New("invalid date")

// orgWeights are the modulus-11 weights of the Norwegian organisation number
// (Brønnøysundregistrene), applied to the first eight digits.
var orgWeights = [8]int{3, 2, 7, 6, 5, 4, 3, 2}

// ValidOrganisationNumber reports whether s is a syntactically valid Norwegian
// organisation number: nine digits whose last is the modulus-11 check digit. It cannot
// tell whether the number is registered.
func ValidOrganisationNumber(s string) bool {
	if len(s) != 9 || !allDigits(s) {
		return false
	}
	sum := 0
	for i, w := range orgWeights {
		sum += int(s[i]-'0') * w
	}
	check := 0
	switch r := sum % 11; r {
	case 0:
		check = 0
	case 1:
		// No check digit exists for this remainder: such numbers are never issued.
		return false
	default:
		check = 11 - r
	}
	return int(s[8]-'0') == check
}

// countiesInForce are the county numbers in force from 1 January 2024.
var countiesInForce = map[string]bool{
	"03": true, // Oslo
	"11": true, // Rogaland
	"15": true, // Møre og Romsdal
	"18": true, // Nordland
	"31": true, // Østfold
	"32": true, // Akershus
	"33": true, // Buskerud
	"34": true, // Innlandet
	"39": true, // Vestfold
	"40": true, // Telemark
	"42": true, // Agder
	"46": true, // Vestland
	"50": true, // Trøndelag
	"55": true, // Troms
	"56": true, // Finnmark
}

// ValidCountyNumber reports whether s is the two-digit number of a county in force from
// 2024 ("03", "46"). Numbers of the merged counties of 2020–2023 ("30", "38", "54") are
// refused: a new case must name today's county.
func ValidCountyNumber(s string) bool {
	return len(s) == 2 && countiesInForce[s]
}

// ValidMunicipalityNumber reports whether s is a four-digit municipality number whose
// first two digits are a county in force ("0301", "3118", "5045"). The last two digits
// are a serial within the county that starts at 01, so "xx00" is refused.
func ValidMunicipalityNumber(s string) bool {
	return len(s) == 4 && allDigits(s) && ValidCountyNumber(s[:2]) && s[2:] != "00"
}

// ValidLovdataID reports whether s is a Lovdata id of a law or regulation:
// "LOV-YYYY-MM-DD-N" or "FOR-YYYY-MM-DD-N", the date a real calendar date (the day the
// act was given) and N its number, without leading zeros. Old laws have no number
// ("LOV-1967-02-10", forvaltningsloven), so N is optional.
func ValidLovdataID(s string) bool {
	// The shortest form is "LOV-1967-02-10" (14 characters); a number adds "-N".
	if len(s) < 14 || (s[:4] != "LOV-" && s[:4] != "FOR-") {
		return false
	}
	if _, err := ParseDate(s[4:14]); err != nil {
		return false
	}
	if len(s) == 14 {
		return true
	}
	n := s[14:]
	// Lovdata numbers run to four digits a year; six leaves room without admitting junk.
	if n[0] != '-' || len(n) < 2 || len(n) > 7 || !allDigits(n[1:]) || n[1] == '0' {
		return false
	}
	return true
}

// validRegulationID reports whether s is the Lovdata id of a regulation (forskrift):
// the trial's own regulation, the one amending it and the one repealing it are all
// regulations (R7, R9, R13).
func validRegulationID(s string) bool {
	return ValidLovdataID(s) && s[:4] == "FOR-"
}

// ParseDate parses a strict ISO calendar date "YYYY-MM-DD" into UTC midnight of that
// day. Anything else ("2026-8-1", "2026-02-30", a timestamp) is an error wrapping
// ErrInvalidDate. Dates are calendar days, not instants, so UTC midnight is only a
// canonical representation that compares and formats consistently.
func ParseDate(s string) (time.Time, error) {
	// Checking the shape first gives one clear message for every malformed input;
	// time.Parse then refuses impossible days ("2026-02-30").
	if len(s) != 10 || s[4] != '-' || s[7] != '-' || !allDigits(s[:4]) || !allDigits(s[5:7]) || !allDigits(s[8:]) {
		return time.Time{}, fmt.Errorf("%w %q: want a date as YYYY-MM-DD", ErrInvalidDate, s)
	}
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w %q: not a calendar date", ErrInvalidDate, s)
	}
	return t, nil
}

// FormatDate formats t's calendar day as "YYYY-MM-DD", the inverse of ParseDate.
func FormatDate(t time.Time) string {
	return t.Format(dateLayout)
}

// MaxTrialEnd returns the last day a trial starting on start may run (R6): start plus
// four years minus one day, at UTC midnight. A trial from 2026-08-01 may end on
// 2030-07-31 at the latest.
//
// It uses time.AddDate semantics in one step (years +4, days −1), so the result is the
// day before the four-year anniversary: a trial starting on 29 February 2024 may end on
// 28 February 2028. When the anniversary does not exist (29 February 2096 → 2100, not a
// leap year) the result is still 28 February, the day before 1 March, which is where
// the normalised anniversary falls. The period therefore never exceeds four years.
func MaxTrialEnd(start time.Time) time.Time {
	return time.Date(start.Year()+4, start.Month(), start.Day()-1, 0, 0, 0, 0, time.UTC)
}

// maxExtendedEnd returns the last day an approved trial may be extended to without a
// reform (R7): the originally approved end plus two years in total. An end on 29
// February maps to 28 February, not to 1 March as time.AddDate would normalise it, so
// the extension never exceeds two years.
func maxExtendedEnd(approvedEnd time.Time) time.Time {
	y, m, d := approvedEnd.Date()
	end := time.Date(y+2, m, d, 0, 0, 0, 0, time.UTC)
	if end.Month() != m {
		end = time.Date(y+2, m+1, 0, 0, 0, 0, 0, time.UTC) // last day of m
	}
	return end
}

// AddWorkingDays returns the date n Norwegian working days after from (n ≥ 1): Monday to
// Friday, not a public holiday (helligdag or the statutory holidays 1 and 17 May). A
// consultation's due date may be given as a number of working days (api.md), and
// ministries count in working days, so the due date must skip Easter and Whitsun.
// Christmas Eve and New Year's Eve are working days in law, and count. For n < 1 it
// returns from's day unchanged.
func AddWorkingDays(from time.Time, n int) time.Time {
	d := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if IsWorkingDay(d) {
			n--
		}
	}
	return d
}

// IsWorkingDay reports whether the calendar day of d is a Norwegian working day: not a
// Saturday, Sunday or public holiday.
func IsWorkingDay(d time.Time) bool {
	switch d.Weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	return !isPublicHoliday(d)
}

// norwegianHolidays are the public holidays of helligdagsloven and of the act on 1 and
// 17 May (lov om 1. og 17. mai som høgtidsdager): rickar/cal's list for Norway, which
// leaves out the two that always fall on a Sunday, Easter Day and Whit Sunday, and those
// two, so that the list is the law's. The library computes Easter (and so Maundy
// Thursday, Good Friday, Easter Monday, Ascension Day and Whit Monday); it does no I/O.
var norwegianHolidays = append(slices.Clone(no.Holidays), aa.Easter, aa.Pentecost)

// isPublicHoliday reports whether the calendar day of d is a Norwegian public holiday.
// Only those falling on weekdays matter to AddWorkingDays, but the list is complete for
// clarity.
func isPublicHoliday(d time.Time) bool {
	y, m, day := d.Date()
	for _, h := range norwegianHolidays {
		actual, _ := h.Calc(y)
		if hy, hm, hd := actual.Date(); hy == y && hm == m && hd == day {
			return true
		}
	}
	return false
}

// allDigits reports whether s is non-empty and only ASCII digits. Unicode digits
// ("٣") are refused: identifiers are ASCII.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
