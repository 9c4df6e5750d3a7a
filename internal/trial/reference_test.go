package trial

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultReference(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		ref := DefaultReference()
		if err := ref.validate(); err != nil {
			t.Fatalf("embedded reference data: got %v, want valid", err)
		}
		if got, want := ref.DecisionAuthority, "FOR-1992-12-11-1050"; got != want {
			t.Errorf("DecisionAuthority: got %s, want %s", got, want)
		}
		if got, want := ref.KDDOrganisationNumber, "972417858"; got != want {
			t.Errorf("KDDOrganisationNumber: got %s, want %s", got, want)
		}
		if got, want := ref.KDDMinistryCode, "KDD"; got != want {
			t.Errorf("KDDMinistryCode: got %s, want %s", got, want)
		}
		if !strings.Contains(ref.Note, "configured") {
			t.Errorf("Note: got %q, want it to say the placeholders must be configured", ref.Note)
		}
	})
	t.Run("OKMinistries", func(t *testing.T) {
		ref := DefaultReference()
		var codes []string
		for _, m := range ref.Ministries {
			codes = append(codes, m.Code)
			if m.Name == "" {
				t.Errorf("%s: got empty name, want the Norwegian name", m.Code)
			}
			// Only KDD's number is verified; nothing else may pose as real.
			if got, want := m.Verified, m.Code == "KDD"; got != want {
				t.Errorf("%s verified: got %v, want %v", m.Code, got, want)
			}
		}
		want := "AID BFD DFD ED FIN FD HOD JD KLD KDD KUD KD LMD NFD SD UD"
		if got := strings.Join(codes, " "); got != want {
			t.Errorf("codes: got %s, want %s", got, want)
		}
	})
	t.Run("OKLaws", func(t *testing.T) {
		ref := DefaultReference()
		for _, id := range []string{"LOV-1967-02-10", "LOV-2025-06-20-81"} {
			if _, ok := ref.BlockedLaw(id); !ok {
				t.Errorf("BlockedLaw(%s): got false, want true", id)
			}
		}
		if _, ok := ref.FlaggedLaw("LOV-2018-06-22-83"); !ok {
			t.Errorf("FlaggedLaw(LOV-2018-06-22-83): got false, want true")
		}
	})
	t.Run("OKCopy", func(t *testing.T) {
		a := DefaultReference()
		a.Ministries[0].Code = "CHANGED"
		a.BlockedLaws = nil
		b := DefaultReference()
		if b.Ministries[0].Code == "CHANGED" || len(b.BlockedLaws) == 0 {
			t.Errorf("got a shared value, want each call to return its own copy")
		}
	})
	t.Run("ErrBrokenEmbeddedFilePanics", func(t *testing.T) {
		saved := defaultReference
		defer func() { defaultReference = saved }()
		defaultReference = func() (*Reference, error) { return parseReference([]byte(`{"ministries": [`)) }
		defer func() {
			if r := recover(); r == nil {
				t.Errorf("got no panic, want one for broken embedded reference data")
			}
		}()
		DefaultReference()
	})
}

// writeReference writes reference data, changed by edit, to a file for LoadReference.
func writeReference(t *testing.T, edit func(r *Reference)) string {
	t.Helper()
	ref := DefaultReference()
	if edit != nil {
		edit(ref)
	}
	data, err := json.Marshal(ref)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, string(data))
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "reference.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadReference(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		path := writeReference(t, func(r *Reference) {
			r.Ministries[0].OrganisationNumber = "940931002"
			r.Ministries[0].Verified = true
		})
		ref, err := LoadReference(path)
		if err != nil {
			t.Fatalf("got error %v, want nil", err)
		}
		if m, ok := ref.MinistryByOrganisation("940931002"); !ok || m.Code != "AID" {
			t.Errorf("MinistryByOrganisation(940931002): got %v %v, want AID true", m.Code, ok)
		}
	})
	t.Run("OKEmbeddedFile", func(t *testing.T) {
		if _, err := LoadReference("reference.json"); err != nil {
			t.Errorf("got error %v, want nil", err)
		}
	})
	for _, tc := range []struct {
		name    string
		edit    func(r *Reference)
		wantErr string
	}{
		{"ErrDuplicateCode", func(r *Reference) { r.Ministries[1].Code = r.Ministries[0].Code }, "not unique"},
		{"ErrEmptyCode", func(r *Reference) { r.Ministries[1].Code = "" }, "code is empty"},
		{"ErrEmptyName", func(r *Reference) { r.Ministries[1].Name = "" }, "name is empty"},
		{"ErrOrganisationNumber", func(r *Reference) { r.Ministries[1].OrganisationNumber = "999990011" }, "modulus-11"},
		{"ErrDuplicateOrganisationNumber", func(r *Reference) {
			r.Ministries[1].OrganisationNumber = r.Ministries[0].OrganisationNumber
		}, "is also"},
		{"ErrNoMinistries", func(r *Reference) { r.Ministries = nil }, "no ministries"},
		{"ErrLawID", func(r *Reference) { r.BlockedLaws[0].LawID = "forvaltningsloven" }, "not a Lovdata id"},
		{"ErrLawBothBlockedAndFlagged", func(r *Reference) {
			r.FlaggedLaws = append(r.FlaggedLaws, r.BlockedLaws[0])
		}, "already listed"},
		{"ErrDecisionAuthority", func(r *Reference) { r.DecisionAuthority = "LOV-1992-06-26-87" }, "decisionAuthority"},
		{"ErrKDDOrganisationNumber", func(r *Reference) { r.KDDOrganisationNumber = "972417857" }, "kddOrganisationNumber"},
		{"ErrKDDMinistryCode", func(r *Reference) { r.KDDMinistryCode = "XYZ" }, "kddMinistryCode"},
		{"ErrKDDNumbersDiffer", func(r *Reference) { r.KDDOrganisationNumber = "940931002" }, "differs"},
		{"ErrR2PlusRegisterMissing", func(r *Reference) { r.Register = Register{} }, "no municipalities"},
		{"ErrR2PlusSuccessorUnknown", func(r *Reference) {
			r.Register.Municipalities = append(r.Register.Municipalities, RegisterEntry{Number: "3099", Name: "X", ValidTo: "2023-12-31", Successors: []string{"3198"}})
		}, "successor 3198 is not in the register"},
		{"ErrR2PlusDuplicateNumber", func(r *Reference) {
			r.Register.Counties = append(r.Register.Counties, r.Register.Counties[0])
		}, "listed twice"},
		{"ErrR16LawOwnerMinistryUnknown", func(r *Reference) { r.LawOwners[0].Ministry = "XYZ" }, "is not one of the ministries"},
		{"ErrR16LawOwnerTwice", func(r *Reference) { r.LawOwners = append(r.LawOwners, r.LawOwners[0]) }, "listed twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadReference(writeReference(t, tc.edit))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("got error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
	t.Run("ErrEveryProblemReported", func(t *testing.T) {
		_, err := LoadReference(writeReference(t, func(r *Reference) {
			r.Ministries[1].Name = ""
			r.DecisionAuthority = ""
		}))
		if err == nil || !strings.Contains(err.Error(), "name is empty") || !strings.Contains(err.Error(), "decisionAuthority") {
			t.Errorf("got error %v, want both problems", err)
		}
	})
	t.Run("ErrMissingFile", func(t *testing.T) {
		if _, err := LoadReference(filepath.Join(t.TempDir(), "missing.json")); err == nil {
			t.Errorf("got nil, want an error")
		}
	})
	t.Run("ErrBrokenJSON", func(t *testing.T) {
		if _, err := LoadReference(writeFile(t, `{"ministries": [`)); err == nil {
			t.Errorf("got nil, want an error")
		}
	})
	t.Run("ErrUnknownField", func(t *testing.T) {
		_, err := LoadReference(writeFile(t, strings.Replace(string(defaultReferenceJSON), `"kddMinistryCode"`, `"kddMinistry"`, 1)))
		if err == nil || !strings.Contains(err.Error(), "kddMinistry") {
			t.Errorf("got error %v, want one naming the unknown field", err)
		}
	})
	t.Run("ErrTrailingData", func(t *testing.T) {
		if _, err := LoadReference(writeFile(t, string(defaultReferenceJSON)+"{}")); err == nil {
			t.Errorf("got nil, want an error")
		}
	})
}

func TestReference_Lookups(t *testing.T) {
	ref := DefaultReference()
	t.Run("OKMinistry", func(t *testing.T) {
		m, ok := ref.Ministry("KD")
		if !ok || m.Name != "Kunnskapsdepartementet" {
			t.Errorf("Ministry(KD): got %+v %v, want Kunnskapsdepartementet true", m, ok)
		}
	})
	t.Run("ErrMinistryUnknown", func(t *testing.T) {
		for _, code := range []string{"", "kd", "XYZ"} {
			if _, ok := ref.Ministry(code); ok {
				t.Errorf("Ministry(%q): got true, want false", code)
			}
		}
	})
	t.Run("OKMinistryByOrganisation", func(t *testing.T) {
		m, ok := ref.MinistryByOrganisation("972417858")
		if !ok || m.Code != "KDD" || !m.Verified {
			t.Errorf("MinistryByOrganisation(972417858): got %+v %v, want verified KDD", m, ok)
		}
	})
	t.Run("ErrMinistryByOrganisationUnknown", func(t *testing.T) {
		if _, ok := ref.MinistryByOrganisation("940931002"); ok {
			t.Errorf("got true, want false")
		}
		if _, ok := ref.MinistryByOrganisation(""); ok {
			t.Errorf("empty number: got true, want false")
		}
	})
	t.Run("ErrLawNotListed", func(t *testing.T) {
		if _, ok := ref.BlockedLaw("LOV-2018-06-22-83"); ok {
			t.Errorf("BlockedLaw(kommuneloven): got true, want false")
		}
		if _, ok := ref.FlaggedLaw("LOV-1967-02-10"); ok {
			t.Errorf("FlaggedLaw(forvaltningsloven): got true, want false")
		}
		if _, ok := ref.BlockedLaw(""); ok {
			t.Errorf("BlockedLaw(\"\"): got true, want false")
		}
	})
	t.Run("OKNilReferenceKnowsNothing", func(t *testing.T) {
		var nilRef *Reference
		_, okM := nilRef.Ministry("KD")
		_, okO := nilRef.MinistryByOrganisation("972417858")
		_, okB := nilRef.BlockedLaw("LOV-1967-02-10")
		_, okF := nilRef.FlaggedLaw("LOV-2018-06-22-83")
		if okM || okO || okB || okF {
			t.Errorf("nil reference: got a match, want none")
		}
	})
}
