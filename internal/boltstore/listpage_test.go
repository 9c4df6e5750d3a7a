package boltstore_test

// ListApplications over the visibility restrictions: pages, page sizes, page tokens,
// changes between pages and the index entries behind them. The filters are in
// list_test.go.

import (
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/forsok/forsok/internal/boltstore"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

// listPage lists one page as the Service asks for it: with the page size resolved, a
// zero size standing for the default (workflow's paging rule).
func listPage(tx workflow.ReadTx, q trial.Query) ([]*trial.Application, string, error) {
	if q.PageSize == 0 {
		q.PageSize = workflow.DefaultPageSize
	}
	return tx.ListApplications(q)
}

// pager returns a function that lists the ids of q's next page each time it is called,
// following the page tokens, and one that returns the token for the page after.
func pager(t *testing.T, s *boltstore.Store, q trial.Query) (page func() []string, token func() string) {
	page = func() []string {
		t.Helper()
		var ids []string
		mustView(t, s, func(tx workflow.ReadTx) error {
			apps, next, err := listPage(tx, q)
			for _, a := range apps {
				ids = append(ids, a.ID)
			}
			q.PageToken = next
			return err
		})
		return ids
	}
	return page, func() string { return q.PageToken }
}

// listAll pages through q with the given page size and returns the ids in order. It
// fails when a page other than the last is short or the last page is empty with a token.
func listAll(t *testing.T, s *boltstore.Store, q trial.Query) []string {
	t.Helper()
	var ids []string
	for pages := 0; ; pages++ {
		if pages > 10000 {
			t.Fatal("paging does not end")
		}
		var apps []*trial.Application
		var next string
		mustView(t, s, func(tx workflow.ReadTx) error {
			var err error
			apps, next, err = listPage(tx, q)
			return err
		})
		for _, a := range apps {
			ids = append(ids, a.ID)
		}
		if next == "" {
			return ids
		}
		if q.PageSize > 0 && len(apps) != q.PageSize {
			t.Fatalf("page %d with a next token: got %d cases, want %d", pages, len(apps), q.PageSize)
		}
		q.PageToken = next
	}
}

func seq(ns ...int) []string {
	var ids []string
	for _, n := range ns {
		ids = append(ids, fmt.Sprintf("2026-%06d", n))
	}
	return ids
}

const (
	orgA = "940931002"
	orgB = "964947082"
	orgC = "921234566"
)

// putListFixture stores eight cases:
//
//	1 DRAFT              A
//	2 SUBMITTED          A B
//	3 IN_CONSULTATION    B    KD
//	4 IN_CONSULTATION    A    KD HOD
//	5 APPROVED           C    KD
//	6 DRAFT              B
//	7 READY_FOR_DECISION A C  HOD
//	8 APPROVED           A    KD KD
func putListFixture(t *testing.T, s *boltstore.Store) {
	t.Helper()
	fixture := []struct {
		state      trial.State
		applicants []string
		ministries []string
	}{
		{trial.StateDraft, []string{orgA}, nil},
		{trial.StateSubmitted, []string{orgA, orgB}, nil},
		{trial.StateInConsultation, []string{orgB}, []string{"KD"}},
		{trial.StateInConsultation, []string{orgA}, []string{"KD", "HOD"}},
		{trial.StateApproved, []string{orgC}, []string{"KD"}},
		{trial.StateDraft, []string{orgB}, nil},
		{trial.StateReadyForDecision, []string{orgA, orgC}, []string{"HOD"}},
		{trial.StateApproved, []string{orgA}, []string{"KD", "KD"}},
	}
	mustUpdate(t, s, func(tx workflow.Tx) error {
		for _, f := range fixture {
			id, err := tx.NextApplicationID(2026)
			if err != nil {
				return err
			}
			if err := tx.PutApplication(app(id, f.state, f.applicants...)); err != nil {
				return err
			}
			for _, m := range f.ministries {
				cid, err := tx.NextConsultationID(id)
				if err != nil {
					return err
				}
				if err := tx.PutConsultation(&trial.Consultation{ApplicationID: id, ID: cid, Ministry: m, State: trial.ConsultationAnswered}); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func TestStore_ListApplications(t *testing.T) {
	s := mustOpen(t)
	putListFixture(t, s)
	tests := []struct {
		name string
		q    trial.Query
		want []string
	}{
		{"All", trial.Query{}, seq(1, 2, 3, 4, 5, 6, 7, 8)},
		{"State", trial.Query{States: []trial.State{trial.StateDraft}}, seq(1, 6)},
		{"States", trial.Query{States: []trial.State{trial.StateApproved, trial.StateDraft}}, seq(1, 5, 6, 8)},
		{"StatesRepeated", trial.Query{States: []trial.State{trial.StateDraft, trial.StateDraft}}, seq(1, 6)},
		{"StateNoMatch", trial.Query{States: []trial.State{trial.StateClosed}}, nil},
		{"Applicant", trial.Query{ApplicantOrganisation: orgA}, seq(1, 2, 4, 7, 8)},
		{"ApplicantStates", trial.Query{ApplicantOrganisation: orgA, States: []trial.State{trial.StateDraft, trial.StateApproved}}, seq(1, 8)},
		{"ApplicantUnknown", trial.Query{ApplicantOrganisation: "999999999"}, nil},
		{"Ministry", trial.Query{ConsultedMinistry: "KD"}, seq(3, 4, 5, 8)},
		{"MinistryState", trial.Query{ConsultedMinistry: "KD", States: []trial.State{trial.StateApproved}}, seq(5, 8)},
		{"MinistryApplicant", trial.Query{ConsultedMinistry: "HOD", ApplicantOrganisation: orgA}, seq(4, 7)},
		{"MinistryApplicantNoMatch", trial.Query{ConsultedMinistry: "HOD", ApplicantOrganisation: orgB}, nil},
		{"MinistryApplicantState", trial.Query{ConsultedMinistry: "KD", ApplicantOrganisation: orgA, States: []trial.State{trial.StateInConsultation}}, seq(4)},
	}
	for _, tt := range tests {
		for _, size := range []int{1, 2, 3, 0} {
			t.Run(fmt.Sprintf("%s/PageSize%d", tt.name, size), func(t *testing.T) {
				q := tt.q
				q.PageSize = size
				if got := listAll(t, s, q); !slices.Equal(got, tt.want) {
					t.Errorf("got %v, want %v", got, tt.want)
				}
			})
		}
	}
}

func TestStore_ListApplicationsPageSize(t *testing.T) {
	s := mustOpen(t)
	mustUpdate(t, s, func(tx workflow.Tx) error {
		for range workflow.MaxPageSize + 5 {
			id, err := tx.NextApplicationID(2026)
			if err != nil {
				return err
			}
			if err := tx.PutApplication(app(id, trial.StateDraft, orgA)); err != nil {
				return err
			}
		}
		return nil
	})
	tests := []struct {
		name     string
		size     int
		wantLen  int
		wantNext bool
	}{
		{"Given", 7, 7, true},
		{"Max", workflow.MaxPageSize, workflow.MaxPageSize, true},
		{"AllStored", workflow.MaxPageSize + 5, workflow.MaxPageSize + 5, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mustView(t, s, func(tx workflow.ReadTx) error {
				apps, next, err := tx.ListApplications(trial.Query{PageSize: tt.size, States: []trial.State{trial.StateDraft}})
				if err != nil {
					return err
				}
				if len(apps) != tt.wantLen {
					t.Errorf("got %d cases, want %d", len(apps), tt.wantLen)
				}
				if (next != "") != tt.wantNext {
					t.Errorf("got next token %q, want one: %v", next, tt.wantNext)
				}
				return nil
			})
		})
	}
	// The Service resolves the size (workflow/paging.go); an unresolved one is a fault.
	for _, size := range []int{0, -1} {
		t.Run(fmt.Sprintf("ErrUnresolved%d", size), func(t *testing.T) {
			mustView(t, s, func(tx workflow.ReadTx) error {
				_, _, err := tx.ListApplications(trial.Query{PageSize: size})
				wantCode(t, err, trial.CodeInternal, "page size")
				return nil
			})
		})
	}
}

func TestStore_ListApplicationsPageToken(t *testing.T) {
	s := mustOpen(t)
	putListFixture(t, s)
	q := trial.Query{ApplicantOrganisation: orgA, States: []trial.State{trial.StateDraft, trial.StateApproved, trial.StateSubmitted}, PageSize: 1}
	var token string
	mustView(t, s, func(tx workflow.ReadTx) error {
		var err error
		_, token, err = listPage(tx, q)
		return err
	})
	if token == "" {
		t.Fatal("first page: got no next token, want one")
	}
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name    string
		q       trial.Query
		wantErr error // nil for OK
	}{
		{"OK", q, nil},
		{"OKStatesReordered", trial.Query{ApplicantOrganisation: orgA, States: []trial.State{trial.StateSubmitted, trial.StateApproved, trial.StateDraft}}, nil},
		{"OKOtherPageSize", trial.Query{ApplicantOrganisation: orgA, States: q.States, PageSize: 50}, nil},
		{"ErrOtherApplicant", trial.Query{ApplicantOrganisation: orgB, States: q.States}, workflow.ErrPageTokenMismatch},
		{"ErrOtherStates", trial.Query{ApplicantOrganisation: orgA, States: q.States[:2]}, workflow.ErrPageTokenMismatch},
		{"ErrMinistryAdded", trial.Query{ApplicantOrganisation: orgA, States: q.States, ConsultedMinistry: "KD"}, workflow.ErrPageTokenMismatch},
		{"ErrNoConditions", trial.Query{}, workflow.ErrPageTokenMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.q.PageToken = token
			mustView(t, s, func(tx workflow.ReadTx) error {
				if _, _, err := listPage(tx, tt.q); !errors.Is(err, tt.wantErr) {
					t.Errorf("got %v, want %v", err, tt.wantErr)
				}
				return nil
			})
		})
	}
	for _, bad := range []struct{ name, token string }{
		{"NotBase64", "!!!"},
		{"Padded", enc(`{"v":1,"a":"2026-000001","q":"x"}`) + "="},
		{"NotJSON", enc("2026-000001")},
		{"EmptyJSON", enc("{}")},
		{"OtherVersion", enc(`{"v":2,"a":"2026-000001","q":"x"}`)},
		{"NoID", enc(`{"v":1,"a":"","q":"x"}`)},
	} {
		t.Run("ErrMalformed/"+bad.name, func(t *testing.T) {
			mustView(t, s, func(tx workflow.ReadTx) error {
				if _, _, err := listPage(tx, trial.Query{PageToken: bad.token}); !errors.Is(err, workflow.ErrBadPageToken) {
					t.Errorf("got %v, want %v", err, workflow.ErrBadPageToken)
				}
				return nil
			})
		})
	}
}

func TestStore_ListApplicationsChangesBetweenPages(t *testing.T) {
	s := mustOpen(t)
	putListFixture(t, s)
	q := trial.Query{States: []trial.State{trial.StateDraft, trial.StateSubmitted, trial.StateInConsultation}, PageSize: 2}
	page, token := pager(t, s, q)
	if got, want := page(), seq(1, 2); !slices.Equal(got, want) {
		t.Fatalf("page 1: got %v, want %v", got, want)
	}
	mustUpdate(t, s, func(tx workflow.Tx) error {
		// 1 (already listed) goes; 3 (due next) leaves the states asked for; 5 (later)
		// enters them; 9 is new.
		if err := tx.DeleteApplication(seq(1)[0]); err != nil {
			return err
		}
		if err := tx.PutApplication(app(seq(3)[0], trial.StateApproved, orgB)); err != nil {
			return err
		}
		if err := tx.PutApplication(app(seq(5)[0], trial.StateDraft, orgC)); err != nil {
			return err
		}
		id, err := tx.NextApplicationID(2026)
		if err != nil {
			return err
		}
		return tx.PutApplication(app(id, trial.StateSubmitted, orgA))
	})
	if got, want := page(), seq(4, 5); !slices.Equal(got, want) {
		t.Errorf("page 2: got %v, want %v", got, want)
	}
	if got, want := page(), seq(6, 9); !slices.Equal(got, want) {
		t.Errorf("page 3: got %v, want %v", got, want)
	}
	if next := token(); next != "" {
		t.Errorf("after page 3: got next token %q, want none", next)
	}
}

func TestStore_IndexMaintenance(t *testing.T) {
	s := mustOpen(t)
	const id = "2026-000001"
	mustUpdate(t, s, func(tx workflow.Tx) error { return tx.PutApplication(app(id, trial.StateDraft, orgA, orgB)) })
	mustUpdate(t, s, func(tx workflow.Tx) error { return tx.PutApplication(app(id, trial.StateSubmitted, orgA, orgC, orgC)) })
	tests := []struct {
		name string
		q    trial.Query
		want []string
	}{
		{"OldStateGone", trial.Query{States: []trial.State{trial.StateDraft}}, nil},
		{"NewState", trial.Query{States: []trial.State{trial.StateSubmitted}}, seq(1)},
		{"KeptApplicant", trial.Query{ApplicantOrganisation: orgA}, seq(1)},
		{"RemovedApplicantGone", trial.Query{ApplicantOrganisation: orgB}, nil},
		{"AddedApplicant", trial.Query{ApplicantOrganisation: orgC}, seq(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := listAll(t, s, tt.q); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	// A consultation that changes ministry moves the ministry index entry, unless another
	// consultation of the old ministry keeps it.
	mustUpdate(t, s, func(tx workflow.Tx) error {
		for _, m := range []string{"KD", "KD", "HOD"} {
			cid, err := tx.NextConsultationID(id)
			if err != nil {
				return err
			}
			if err := tx.PutConsultation(&trial.Consultation{ApplicationID: id, ID: cid, Ministry: m}); err != nil {
				return err
			}
		}
		if err := tx.PutConsultation(&trial.Consultation{ApplicationID: id, ID: "1", Ministry: "SD"}); err != nil {
			return err
		}
		return tx.PutConsultation(&trial.Consultation{ApplicationID: id, ID: "3", Ministry: "SD"})
	})
	for _, tt := range []struct {
		ministry string
		want     []string
	}{{"KD", seq(1)}, {"HOD", nil}, {"SD", seq(1)}} {
		if got := listAll(t, s, trial.Query{ConsultedMinistry: tt.ministry}); !slices.Equal(got, tt.want) {
			t.Errorf("ministry %s: got %v, want %v", tt.ministry, got, tt.want)
		}
	}
	// Check in Cleanup verifies there is no stale entry left anywhere.
}
