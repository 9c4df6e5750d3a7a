package web

import (
	"net/http"
	"strconv"
	"strings"
	"unicode"

	"github.com/forsok/forsok/internal/trial"
)

// registerForm is the register's search form as the visitor filled it in.
type registerForm struct {
	Q, State, Category, County, Municipality, Law, Year string
}

// registerData is the register page.
type registerData struct {
	Form       registerForm
	States     []trial.State
	Categories []trial.Category
	Counties   []struct{ Number, Name string }
	Trials     []*trial.Application
	Page       int
	NextToken  string
	// Errors are the search's mistakes, each naming its field.
	Errors []formError
}

type formError struct {
	Field   string // the input's id
	Message string
}

// filterOf turns the form into a ListApplications filter (AIP-160). The fields are
// exactly what the public register may be filtered on (trial.PublicFilterFields).
func filterOf(f registerForm) (string, []formError) {
	var terms []string
	var errs []formError
	add := func(field, value string) { terms = append(terms, field+" = "+quote(value)) }
	if f.State != "" {
		add(trial.FilterFieldState, f.State)
	}
	if f.Category != "" {
		add(trial.FilterFieldCategory, f.Category)
	}
	if f.County != "" {
		add(trial.FilterFieldCounty, f.County)
	}
	if f.Municipality != "" {
		if !trial.ValidMunicipalityNumber(f.Municipality) {
			errs = append(errs, formError{"municipality", "municipality"})
		} else {
			add(trial.FilterFieldMunicipality, f.Municipality)
		}
	}
	if f.Law != "" {
		if law := strings.ToUpper(f.Law); !trial.ValidLovdataID(law) {
			errs = append(errs, formError{"law", "law"})
		} else {
			add(trial.FilterFieldLaw, law)
		}
	}
	if f.Year != "" {
		y, err := strconv.Atoi(f.Year)
		if err != nil || y < 1992 || y > 9998 {
			errs = append(errs, formError{"year", "year"})
		} else {
			terms = append(terms, trial.FilterFieldCreateTime+" >= "+strconv.Itoa(y)+"-01-01", trial.FilterFieldCreateTime+" < "+strconv.Itoa(y+1)+"-01-01")
		}
	}
	words := trial.TitleWords(f.Q)
	if len(words) > maxSearchWords {
		errs = append(errs, formError{"q", "search"})
		words = nil
	}
	for _, w := range words {
		add(trial.FilterFieldTitle, w)
	}
	return strings.Join(terms, " AND "), errs
}

// maxSearchWords is how many words a title search takes.
const maxSearchWords = 10

// quote writes v as an AIP-160 string literal.
func quote(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}

var errorTexts = map[string]text{
	"municipality": {"Kommunenummeret må være fire siffer for en kommune som finnes, for eksempel 3118.", "The municipality number must be four digits of a municipality in force, for example 3118."},
	"year":         {"Året må være et årstall, for eksempel 2026.", "The year must be a year, for example 2026."},
	"law":          {"Lovdata-id-en må se ut som LOV-2023-06-09-30 eller FOR-2006-06-23-724.", "The Lovdata id must look like LOV-2023-06-09-30 or FOR-2006-06-23-724."},
	"search":       {"Søket kunne ikke tolkes. Prøv med færre eller andre ord.", "The search could not be read. Try fewer or other words."},
}

func (h *Handler) register(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	clean := func(s string) string {
		return strings.TrimSpace(strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return -1
			}
			return r
		}, s))
	}
	form := registerForm{Q: clean(q.Get("q")), State: clean(q.Get("state")), Category: clean(q.Get("category")),
		County: clean(q.Get("county")), Municipality: clean(q.Get("municipality")), Law: clean(q.Get("law")), Year: clean(q.Get("year"))}
	data := registerData{Form: form, Categories: []trial.Category{trial.CategoryOrganisation, trial.CategoryTaskDivision, trial.CategoryStateControl, trial.CategoryUnitaryCounty},
		Counties: counties, Page: 1}
	for _, s := range trial.States {
		if s.Public() {
			data.States = append(data.States, s)
		}
	}
	if n, err := strconv.Atoi(q.Get("side")); err == nil && n > 1 {
		data.Page = n
	}
	filter, errs := filterOf(form)
	l := langOf(q.Get("lang"))
	status := http.StatusOK
	if len(errs) == 0 {
		apps, next, err := h.reads.ListApplications(r.Context(), anonymous, filter, "create_time desc", h.opts.PageSize, q.Get("token"))
		switch {
		case isCode(err, trial.CodeInvalidArgument):
			// The form checked what it could; what the service still refuses (a stale
			// page token, a search of too many words) is the search as a whole.
			errs = append(errs, formError{"q", "search"})
		case err != nil:
			h.fail(w, r, err)
			return
		}
		data.Trials, data.NextToken = apps, next
	}
	for _, e := range errs {
		data.Errors = append(data.Errors, formError{Field: e.Field, Message: errorTexts[e.Message].in(l)})
	}
	if len(data.Errors) > 0 {
		status = http.StatusBadRequest
	}
	h.render(w, r, status, "register", "register.title", data)
}
