package trial

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
)

// Ministry is a sector ministry as reference data: ministries are renamed and
// reorganised with governments, so they are configured, not compiled in (domain.md,
// Reference data).
type Ministry struct {
	// Code is the short code used in exemptions and consultations ("KD").
	Code string `json:"code"`
	Name string `json:"name"`
	// OrganisationNumber maps a ministry's Maskinporten token to its code.
	OrganisationNumber string `json:"organisationNumber"`
	// Verified is false for a placeholder number that must be configured before the
	// ministry can sign in: no number is presented as real unless it was checked.
	Verified bool `json:"verified"`
}

// LawRule is a law the R5 rules name: one no trial may depart from (blocked), or one
// that needs KDD's legal review (flagged).
type LawRule struct {
	LawID string `json:"lawId"`
	Name  string `json:"name"`
	Note  string `json:"note,omitempty"`
}

// Reference is the configurable reference data the rules consult: ministries, the laws
// R5 blocks or flags, and KDD's own identity (R10, R11).
type Reference struct {
	// Note says where the data comes from and what must be configured.
	Note       string     `json:"note,omitempty"`
	Ministries []Ministry `json:"ministries"`
	// BlockedLaws may never be departed from (R5): forvaltningsloven and its successor.
	BlockedLaws []LawRule `json:"blockedLaws"`
	// FlaggedLaws may be departed from only with a justification, and are flagged for
	// KDD's legal review (R5): kommuneloven.
	FlaggedLaws []LawRule `json:"flaggedLaws"`
	// DecisionAuthority is the legal authority recorded on every decision (R11).
	DecisionAuthority string `json:"decisionAuthority"`
	// KDDOrganisationNumber identifies KDD's staff tokens.
	KDDOrganisationNumber string `json:"kddOrganisationNumber"`
	// KDDMinistryCode is KDD's own code: exemptions from its rules need no
	// consultation (R10).
	KDDMinistryCode string `json:"kddMinistryCode"`
	// LawOwners maps Lovdata ids to the ministries owning them (R16).
	LawOwners []LawOwner `json:"lawOwners"`
	// Register is the register of municipalities and counties (R2+).
	Register Register `json:"register"`
}

//go:embed reference.json
var defaultReferenceJSON []byte

// defaultReference parses the embedded file once; DefaultReference hands out copies.
var defaultReference = sync.OnceValues(func() (*Reference, error) {
	return parseReference(defaultReferenceJSON)
})

// DefaultReference returns the reference data shipped with the service (reference.json,
// embedded). Each call returns a fresh copy the caller may modify. It panics only if the
// embedded file is broken, which the package's tests rule out: a build that ships broken
// reference data must not start.
func DefaultReference() *Reference {
	ref, err := defaultReference()
	if err != nil {
		panic("trial: embedded reference.json: " + err.Error())
	}
	return ref.clone()
}

// LoadReference reads reference data from a JSON file in the format of the embedded
// reference.json and validates it. It is the package's only I/O: an operator points the
// service at a file to configure ministries' real organisation numbers or the laws R5
// names.
func LoadReference(path string) (*Reference, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read reference data: %w", err)
	}
	ref, err := parseReference(data)
	if err != nil {
		return nil, fmt.Errorf("reference data %s: %w", path, err)
	}
	return ref, nil
}

// parseReference decodes and validates reference data. Unknown fields are refused so a
// misspelt key in an operator's file fails loudly instead of silently dropping data.
func parseReference(data []byte) (*Reference, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var ref Reference
	if err := dec.Decode(&ref); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if dec.More() {
		return nil, errors.New("decode: trailing data after the JSON object")
	}
	if err := ref.validate(); err != nil {
		return nil, err
	}
	return &ref, nil
}

// validate checks the reference data as a whole and reports every problem at once, so
// an operator fixes a file in one round.
func (r *Reference) validate() error {
	var errs []error
	codes := map[string]bool{}
	orgs := map[string]string{}
	if len(r.Ministries) == 0 {
		errs = append(errs, errors.New("no ministries"))
	}
	for i, m := range r.Ministries {
		switch {
		case m.Code == "":
			errs = append(errs, fmt.Errorf("ministries[%d]: code is empty", i))
		case codes[m.Code]:
			errs = append(errs, fmt.Errorf("ministries[%d]: code %q is not unique", i, m.Code))
		}
		codes[m.Code] = true
		if m.Name == "" {
			errs = append(errs, fmt.Errorf("ministries[%d] (%s): name is empty", i, m.Code))
		}
		if !ValidOrganisationNumber(m.OrganisationNumber) {
			errs = append(errs, fmt.Errorf("ministries[%d] (%s): organisation number %q fails the modulus-11 check", i, m.Code, m.OrganisationNumber))
		} else if other, dup := orgs[m.OrganisationNumber]; dup {
			errs = append(errs, fmt.Errorf("ministries[%d] (%s): organisation number %s is also %s's", i, m.Code, m.OrganisationNumber, other))
		}
		orgs[m.OrganisationNumber] = m.Code
	}
	laws := map[string]string{}
	checkLaws := func(list string, rules []LawRule) {
		for i, l := range rules {
			if !ValidLovdataID(l.LawID) {
				errs = append(errs, fmt.Errorf("%s[%d]: %q is not a Lovdata id (LOV-YYYY-MM-DD[-N] or FOR-YYYY-MM-DD[-N])", list, i, l.LawID))
			}
			// A law both blocked and flagged would make R5 ambiguous.
			if other, dup := laws[l.LawID]; dup {
				errs = append(errs, fmt.Errorf("%s[%d]: %s is already listed in %s", list, i, l.LawID, other))
			}
			laws[l.LawID] = list
			if l.Name == "" {
				errs = append(errs, fmt.Errorf("%s[%d] (%s): name is empty", list, i, l.LawID))
			}
		}
	}
	checkLaws("blockedLaws", r.BlockedLaws)
	checkLaws("flaggedLaws", r.FlaggedLaws)
	if !validRegulationID(r.DecisionAuthority) {
		errs = append(errs, fmt.Errorf("decisionAuthority: %q is not a regulation's Lovdata id (FOR-…)", r.DecisionAuthority))
	}
	if !ValidOrganisationNumber(r.KDDOrganisationNumber) {
		errs = append(errs, fmt.Errorf("kddOrganisationNumber: %q fails the modulus-11 check", r.KDDOrganisationNumber))
	}
	if kdd, ok := r.Ministry(r.KDDMinistryCode); !ok {
		errs = append(errs, fmt.Errorf("kddMinistryCode: %q is not one of the ministries", r.KDDMinistryCode))
	} else if kdd.OrganisationNumber != r.KDDOrganisationNumber {
		// Two numbers for KDD would let a KDD token pass as a ministry, or the reverse.
		errs = append(errs, fmt.Errorf("kddOrganisationNumber: %s differs from ministry %s's organisation number %s", r.KDDOrganisationNumber, kdd.Code, kdd.OrganisationNumber))
	}
	errs = append(errs, r.validateLawOwners()...)
	errs = append(errs, r.Register.validate()...)
	return errors.Join(errs...)
}

// clone returns a deep copy, so no caller can change another's reference data.
func (r *Reference) clone() *Reference {
	c := *r
	c.Ministries = slices.Clone(r.Ministries)
	c.BlockedLaws = slices.Clone(r.BlockedLaws)
	c.FlaggedLaws = slices.Clone(r.FlaggedLaws)
	c.LawOwners = slices.Clone(r.LawOwners)
	c.Register = r.Register.clone()
	return &c
}

// Ministry returns the ministry with the code. Codes are matched exactly: they are
// identifiers, and "kd" in a request is as wrong as any other unknown code. A nil
// Reference knows no ministry.
func (r *Reference) Ministry(code string) (Ministry, bool) {
	if r == nil || code == "" {
		return Ministry{}, false
	}
	for _, m := range r.Ministries {
		if m.Code == code {
			return m, true
		}
	}
	return Ministry{}, false
}

// MinistryByOrganisation returns the ministry with the organisation number, used to map
// a ministry's token to its code. Placeholder numbers match too: whether unverified
// numbers may sign in is the authentication layer's decision.
func (r *Reference) MinistryByOrganisation(orgnr string) (Ministry, bool) {
	if r == nil || orgnr == "" {
		return Ministry{}, false
	}
	for _, m := range r.Ministries {
		if m.OrganisationNumber == orgnr {
			return m, true
		}
	}
	return Ministry{}, false
}

// BlockedLaw returns the rule blocking exemptions from the law, if it is blocked (R5).
func (r *Reference) BlockedLaw(lawID string) (LawRule, bool) {
	if r == nil {
		return LawRule{}, false
	}
	return findLaw(r.BlockedLaws, lawID)
}

// FlaggedLaw returns the rule flagging exemptions from the law, if it is flagged (R5).
func (r *Reference) FlaggedLaw(lawID string) (LawRule, bool) {
	if r == nil {
		return LawRule{}, false
	}
	return findLaw(r.FlaggedLaws, lawID)
}

func findLaw(rules []LawRule, lawID string) (LawRule, bool) {
	if lawID == "" {
		return LawRule{}, false
	}
	for _, l := range rules {
		if l.LawID == lawID {
			return l, true
		}
	}
	return LawRule{}, false
}
