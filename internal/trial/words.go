package trial

import (
	"strings"
	"unicode"
)

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
