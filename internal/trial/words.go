package trial

import (
	"strings"
	"unicode"
)

// The public register's filters (R22): what an anonymous caller may filter on is what
// the public view shows. The consulted ministries are not in it (R22), nor the case's
// internal flags or the evaluation's due date, so no public filter may ask about them —
// a filter that could would reveal them by which cases it finds.
var publicFilterFields = map[string]bool{
	FilterFieldState: true, FilterFieldApplicant: true, FilterFieldMunicipality: true,
	FilterFieldCounty: true, FilterFieldCategory: true, FilterFieldLaw: true,
	FilterFieldCaseNumber: true, FilterFieldCreateTime: true, FilterFieldUpdateTime: true,
	FilterFieldEndsWithinDays: true, FilterFieldTitle: true,
}

// PublicFilterViolations returns a violation for every comparison of f on a field that
// the public view does not show (R22), none for a filter the public may use.
func PublicFilterViolations(f *Filter) []Violation {
	var vs []Violation
	for _, c := range f.Comparisons() {
		if !publicFilterFields[c.Field] {
			vs = append(vs, Violation{Rule: "R22", Field: "filter", Reason: "FILTER_NOT_PUBLIC",
				Description: "the public register cannot be filtered on " + c.Field + ": it is not a public field (R22); sign in to use it"})
		}
	}
	return vs
}

// TitleWords returns the distinct words of s for title search, sorted: lower case, with
// the letters æ, ø and å kept and other accents folded (é → e), split at everything
// that is not a letter or digit.
func TitleWords(s string) []string {
	var words []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		words = append(words, strings.Map(foldAccent, w))
	}
	return sortedSet(words)
}

// foldAccent maps the accented letters Norwegian titles borrow to their base letter.
func foldAccent(r rune) rune {
	switch r {
	case 'é', 'è', 'ê', 'ë':
		return 'e'
	case 'á', 'à', 'â', 'ä':
		return 'a'
	case 'ó', 'ò', 'ô', 'ö':
		return 'o'
	case 'ü', 'ú', 'ù':
		return 'u'
	case 'í', 'ì', 'ï':
		return 'i'
	}
	return r
}
