package trial

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The register of municipalities and counties (R2+) and the owners of laws (R16): facts
// the rules look up instead of taking the applicant's word. Both are reference data in
// reference.json, so an operator can bring them up to date without a release.

// RegisterEntry is one municipality or county number and the days it is in force.
type RegisterEntry struct {
	// Number is "0301" for a municipality, "03" for a county.
	Number string `json:"number"`
	Name   string `json:"name"`
	// ValidFrom is the first day the number is in force; empty when it was in force
	// before the register's first day (Register.ValidFrom).
	ValidFrom string `json:"validFrom,omitempty"`
	// ValidTo is the last day the number is in force (inclusive); empty while in force.
	ValidTo string `json:"validTo,omitempty"`
	// Successors are the numbers that took over when the number ceased (merged, split or
	// renumbered); empty while in force.
	Successors []string `json:"successors,omitempty"`
}

// InForce reports whether the number is in force on day (a date as ParseDate returns).
func (e RegisterEntry) InForce(day time.Time) bool {
	if from, err := ParseDate(e.ValidFrom); err == nil && day.Before(from) {
		return false
	}
	if to, err := ParseDate(e.ValidTo); err == nil && day.After(to) {
		return false
	}
	return true
}

// Register is the register of municipalities (SSB classification 131) and counties
// (SSB classification 104).
type Register struct {
	// Source says where the data comes from.
	Source string `json:"source"`
	// ValidFrom is the first day the register describes; numbers in force before it
	// carry no ValidFrom.
	ValidFrom      string          `json:"validFrom"`
	Counties       []RegisterEntry `json:"counties"`
	Municipalities []RegisterEntry `json:"municipalities"`
}

func (g Register) clone() Register {
	c := g
	c.Counties = slices.Clone(g.Counties)
	c.Municipalities = slices.Clone(g.Municipalities)
	return c
}

// validate checks the register: well-formed, unique numbers and dates, every successor
// in the register, every municipality in a county of the register.
func (g Register) validate() []error {
	var errs []error
	// Without a register R2+ could not be judged: a file without one is refused, not
	// silently read as "every number is in force".
	if len(g.Municipalities) == 0 || len(g.Counties) == 0 {
		errs = append(errs, errors.New("register: no municipalities or no counties (R2+ needs the register in force)"))
	}
	if g.ValidFrom != "" {
		if _, err := ParseDate(g.ValidFrom); err != nil {
			errs = append(errs, fmt.Errorf("register.validFrom: %q is not a date", g.ValidFrom))
		}
	}
	check := func(list string, entries []RegisterEntry, digits int) map[string]bool {
		seen := map[string]bool{}
		for i, e := range entries {
			p := fmt.Sprintf("register.%s[%d] (%s)", list, i, e.Number)
			if len(e.Number) != digits || !allDigits(e.Number) {
				errs = append(errs, fmt.Errorf("%s: number must be %d digits", p, digits))
			}
			if seen[e.Number] {
				errs = append(errs, fmt.Errorf("%s: number is listed twice", p))
			}
			seen[e.Number] = true
			if e.Name == "" {
				errs = append(errs, fmt.Errorf("%s: name is empty", p))
			}
			for _, d := range []string{e.ValidFrom, e.ValidTo} {
				if _, err := ParseDate(d); d != "" && err != nil {
					errs = append(errs, fmt.Errorf("%s: %q is not a date", p, d))
				}
			}
			if e.ValidTo == "" && len(e.Successors) > 0 {
				errs = append(errs, fmt.Errorf("%s: successors are given but the number has not ceased (no validTo)", p))
			}
		}
		return seen
	}
	counties := check("counties", g.Counties, 2)
	municipalities := check("municipalities", g.Municipalities, 4)
	for list, entries := range map[string][]RegisterEntry{"counties": g.Counties, "municipalities": g.Municipalities} {
		known := municipalities
		if list == "counties" {
			known = counties
		}
		for _, e := range entries {
			for _, s := range e.Successors {
				if !known[s] {
					errs = append(errs, fmt.Errorf("register.%s (%s): successor %s is not in the register", list, e.Number, s))
				}
			}
		}
	}
	for _, m := range g.Municipalities {
		if len(m.Number) == 4 && !counties[m.Number[:2]] {
			errs = append(errs, fmt.Errorf("register.municipalities (%s): county %s is not in the register", m.Number, m.Number[:2]))
		}
	}
	return errs
}

func findEntry(entries []RegisterEntry, number string) (RegisterEntry, bool) {
	for _, e := range entries {
		if e.Number == number {
			return e, true
		}
	}
	return RegisterEntry{}, false
}

// Municipality returns the register's entry for a municipality number.
func (r *Reference) Municipality(number string) (RegisterEntry, bool) {
	if r == nil {
		return RegisterEntry{}, false
	}
	return findEntry(r.Register.Municipalities, number)
}

// County returns the register's entry for a county number.
func (r *Reference) County(number string) (RegisterEntry, bool) {
	if r == nil {
		return RegisterEntry{}, false
	}
	return findEntry(r.Register.Counties, number)
}

// RegisterViolations checks each applicant's municipality or county number against the
// register on day (R2+): the number must be in the register and in force that day; a
// number that ceased is refused naming its successors. A malformed number is R2's and
// not reported again. Reference data always has a register (validate); a nil Reference
// checks nothing beyond R2.
func RegisterViolations(applicants []Applicant, ref *Reference, day time.Time) []Violation {
	var vs violations
	if ref == nil || len(ref.Register.Municipalities) == 0 {
		return nil
	}
	for i, a := range applicants {
		p := fmt.Sprintf("applicants[%d]", i)
		switch {
		case a.Kind == KindKommune && ValidMunicipalityNumber(a.MunicipalityNumber):
			vs = append(vs, registerViolation(p+".municipality_number", "municipality", a.MunicipalityNumber, ref.Register.Municipalities, day)...)
		case a.Kind == KindKommune:
			// A number R2 refuses by its county prefix: R2+ adds its successor when the
			// register knows it.
			if e, ok := ref.Municipality(a.MunicipalityNumber); ok && len(e.Successors) > 0 {
				vs = append(vs, registerViolation(p+".municipality_number", "municipality", a.MunicipalityNumber, ref.Register.Municipalities, day)...)
			}
		case a.Kind == KindFylkeskommune && ValidCountyNumber(a.CountyNumber):
			vs = append(vs, registerViolation(p+".county_number", "county", a.CountyNumber, ref.Register.Counties, day)...)
		case a.Kind == KindFylkeskommune:
			if e, ok := ref.County(a.CountyNumber); ok && len(e.Successors) > 0 {
				vs = append(vs, registerViolation(p+".county_number", "county", a.CountyNumber, ref.Register.Counties, day)...)
			}
		}
	}
	return vs
}

func registerViolation(field, what, number string, entries []RegisterEntry, day time.Time) []Violation {
	var vs violations
	e, ok := findEntry(entries, number)
	switch {
	case !ok:
		vs.add(RuleR2Plus, field, "NUMBER_NOT_IN_REGISTER", fmt.Sprintf("%s %q is not a %s number in the register (SSB); check the number in SSB's classification.", field, number, what))
	case !e.InForce(day) && len(e.Successors) > 0:
		vs.add(RuleR2Plus, field, "NUMBER_NOT_IN_FORCE", fmt.Sprintf("%s %s (%s) is not in force on %s (it ceased after %s); use its successor %s.", field, number, e.Name, FormatDate(day), e.ValidTo, successorList(e.Successors, entries)))
	case !e.InForce(day):
		vs.add(RuleR2Plus, field, "NUMBER_NOT_IN_FORCE", fmt.Sprintf("%s %s (%s) is not in force on %s; give the number in force that day.", field, number, e.Name, FormatDate(day)))
	}
	return vs
}

func successorList(numbers []string, entries []RegisterEntry) string {
	parts := make([]string, len(numbers))
	for i, n := range numbers {
		parts[i] = n
		if e, ok := findEntry(entries, n); ok {
			parts[i] = fmt.Sprintf("%s (%s)", n, e.Name)
		}
	}
	return strings.Join(parts, " or ")
}

// LawOwner is a law or regulation and the ministry that owns it (R16).
type LawOwner struct {
	LawID    string `json:"lawId"`
	Name     string `json:"name"`
	Ministry string `json:"ministry"`
	// Source is where the ownership can be checked (the Lovdata page).
	Source string `json:"source"`
	// Verified is false for an id not checked against Lovdata; such an entry must be
	// verified before production.
	Verified bool   `json:"verified"`
	Note     string `json:"note,omitempty"`
}

// LawOwner returns the reference data's owner of a law, if it knows the law.
func (r *Reference) LawOwner(lawID string) (LawOwner, bool) {
	if r == nil || lawID == "" {
		return LawOwner{}, false
	}
	for _, l := range r.LawOwners {
		if l.LawID == lawID {
			return l, true
		}
	}
	return LawOwner{}, false
}

func (r *Reference) validateLawOwners() []error {
	var errs []error
	seen := map[string]bool{}
	for i, l := range r.LawOwners {
		p := fmt.Sprintf("lawOwners[%d] (%s)", i, l.LawID)
		if !ValidLovdataID(l.LawID) {
			errs = append(errs, fmt.Errorf("%s: not a Lovdata id", p))
		}
		if seen[l.LawID] {
			errs = append(errs, fmt.Errorf("%s: listed twice", p))
		}
		seen[l.LawID] = true
		if _, ok := r.Ministry(l.Ministry); !ok {
			errs = append(errs, fmt.Errorf("%s: ministry %q is not one of the ministries", p, l.Ministry))
		}
		if l.Name == "" || l.Source == "" {
			errs = append(errs, fmt.Errorf("%s: name and source are required", p))
		}
	}
	return errs
}
