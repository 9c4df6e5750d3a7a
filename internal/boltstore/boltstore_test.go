package boltstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/forsok/forsok/internal/boltstore"
	"github.com/forsok/forsok/internal/boltstore/bolttest"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/trial/trialtest"
	"github.com/forsok/forsok/internal/workflow"
)

// t0 is the test clock's start; times carry nanoseconds to prove they survive encoding.
var t0 = time.Date(2026, 3, 2, 9, 30, 0, 123456789, time.UTC)

// newClock returns an injectable Options.Now standing at t0.
func newClock() *trialtest.Clock { return trialtest.NewClock(t0) }

// mustOpen opens a store on a new file in t.TempDir(), without fsync (bolttest.Open);
// Cleanup checks it and closes it.
func mustOpen(t *testing.T) *boltstore.Store {
	t.Helper()
	return bolttest.Open(t, boltstore.Options{})
}

// mustOpenAt opens a store on path, with fsync unless opts says NoSync; Cleanup checks
// it and closes it.
func mustOpenAt(t *testing.T, path string, opts boltstore.Options) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(path, opts)
	if err != nil {
		t.Fatalf("Open: got error %v, want nil", err)
	}
	t.Cleanup(func() { checkAndClose(t, s) })
	return s
}

// checkAndClose runs the consistency check and closes s.
func checkAndClose(t *testing.T, s *boltstore.Store) {
	t.Helper()
	if err := s.Check(); err != nil {
		t.Errorf("Check: got %v, want nil", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: got %v, want nil", err)
	}
}

func mustUpdate(t *testing.T, s *boltstore.Store, fn func(workflow.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: got error %v, want nil", err)
	}
}

func mustView(t *testing.T, s *boltstore.Store, fn func(workflow.ReadTx) error) {
	t.Helper()
	if err := s.View(context.Background(), fn); err != nil {
		t.Fatalf("View: got error %v, want nil", err)
	}
}

func mustGet(t *testing.T, s *boltstore.Store, id string) *trial.Application {
	t.Helper()
	var app *trial.Application
	mustView(t, s, func(tx workflow.ReadTx) error {
		var err error
		app, err = tx.Application(id)
		return err
	})
	return app
}

func js(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

func wantCode(t *testing.T, err error, code trial.Code, contains string) {
	t.Helper()
	if got := trial.ErrorCode(err); err == nil || got != code {
		t.Fatalf("got error %v (code %d), want code %d", err, got, code)
	}
	if !strings.Contains(err.Error(), contains) {
		t.Fatalf("got error %q, want it to contain %q", err, contains)
	}
}

// requireFilled fails when any exported field of v, however deep, has its zero value, so
// the round-trip fixtures stay complete when the types grow.
func requireFilled(t *testing.T, v any) {
	t.Helper()
	var walk func(path string, v reflect.Value)
	walk = func(path string, v reflect.Value) {
		if v.IsZero() {
			t.Errorf("fixture: %s is zero; fill it so the round trip covers it", path)
			return
		}
		switch v.Kind() {
		case reflect.Pointer:
			walk(path, v.Elem())
		case reflect.Slice:
			if v.Type().Elem().Kind() != reflect.Uint8 {
				for i := range v.Len() {
					walk(fmt.Sprintf("%s[%d]", path, i), v.Index(i))
				}
			}
		case reflect.Struct:
			if v.Type() == reflect.TypeFor[time.Time]() {
				return
			}
			for i := range v.NumField() {
				if f := v.Type().Field(i); f.IsExported() {
					walk(path+"."+f.Name, v.Field(i))
				}
			}
		}
	}
	walk(reflect.TypeOf(v).String(), reflect.ValueOf(v))
}

func person(name string) trial.Person {
	return trial.Person{Subject: "sub-" + name, Name: name, OrganisationNumber: "972417858"}
}

// fullApplication returns an application with every field set.
func fullApplication(id string) *trial.Application {
	council := &trial.CouncilDecision{Body: "Indre Østfold kommunestyre", CaseReference: "2025/311", MeetingDate: "2025-06-12"}
	handler := person("Kari Handler")
	return &trial.Application{
		ID:         id,
		CaseNumber: "2026/42",
		State:      trial.StateEvaluating,
		Revision:   17,
		Title:      "Vurdering uten karakter på 8. trinn",
		Summary:    "Elevene får underveisvurdering uten karakter.",
		Applicants: []trial.Applicant{{
			OrganisationNumber: "940931002", Name: "Indre Østfold kommune", Kind: trial.KindKommune,
			MunicipalityNumber: "3118", CountyNumber: "31", CouncilDecision: council,
			Lead: true, ParticipationConfirmed: true, ExtensionCouncilDecision: council,
		}},
		Category: trial.CategoryOrganisation,
		Purposes: []trial.Purpose{trial.PurposeServiceQuality, trial.PurposeResourceUse},
		Exemptions: []trial.Exemption{{
			LawID: "LOV-2023-06-09-30", Section: "§ 15-4", Paragraph: "2", Letter: "b",
			CurrentRule: "Karakter i hvert fag.", ProposedRule: "Ingen karakter i valgte fag.",
			OwningMinistry: "KD", RestrictsRights: true, Justification: "Ikke grunnleggende.",
			Flags: []trial.ExemptionFlag{trial.FlagRestrictsRights},
		}},
		PlannedStart:        "2026-08-01",
		PlannedEnd:          "2029-07-31",
		EvaluationPlan:      "Følgeevaluering.",
		EmployeeInvolvement: "Drøftet med Utdanningsforbundet.",
		DraftRegulation:     "Forskrift om forsøk …",
		AssignedHandler:     &handler,
		InterimReplies:      []trial.InterimReply{{Text: "Vi svarer innen mai.", ExpectedDecisionDate: "2026-05-01", Author: handler, Time: t0}},
		ChangeRequests:      []trial.ChangeRequest{{Questions: "Hvilke fag?", RequestedBy: handler, Time: t0.Add(time.Hour)}},
		Decision: &trial.Decision{
			Approved: true, ApprovedStart: "2026-08-01", ApprovedEnd: "2029-07-31", Reasons: "Godt begrunnet.",
			ReasonCodes: []trial.RejectReason{trial.RejectOther}, ObjectionResponse: "KD's innvending er besvart.",
			Authority: "FOR-1992-12-11-1050", DecidedBy: person("Ola Approver"), DecideTime: t0.Add(2 * time.Hour),
			RegulationID: "FOR-2026-06-01-999", PublicationReference: "Norsk Lovtidend 2026 nr. 999",
			DecideDate: "2026-03-02", GrantedExemptions: []int{1}, PublicationDate: "2026-06-02",
		},
		Extensions: []trial.Extension{{
			RequestedEnd: "2031-07-31", CouncilDecision: council, ReformReference: "Prop. 1 L", ReformInForce: "2031-08-01",
			RequestTime: t0.Add(3 * time.Hour), State: trial.ExtensionGranted, ApprovedEnd: "2031-07-31",
			AmendingRegulationID: "FOR-2029-01-01-1", Reasons: "Reform på vei.", DecidedBy: &handler, DecideTime: t0.Add(4 * time.Hour), Authority: "FOR-1992-12-11-1050",
		}},
		Termination:      &trial.Termination{Reasons: "Ulovlig.", RepealingInstrument: "FOR-2030-01-01-2", DecidedBy: handler, Time: t0.Add(5 * time.Hour), Authority: "FOR-1992-12-11-1050"},
		EvaluationReport: &trial.EvaluationReport{Version: 2, ReportReference: "Rapport 2030:1", Summary: "Bra.", SubmittedBy: handler, Time: t0.Add(6 * time.Hour)},
		EvaluationReports: []trial.EvaluationReport{
			{Version: 1, ReportReference: "Utkast 2030:1", Summary: "Foreløpig.", SubmittedBy: handler, Time: t0.Add(5 * time.Hour)},
			{Version: 2, ReportReference: "Rapport 2030:1", Summary: "Bra.", SubmittedBy: handler, Time: t0.Add(6 * time.Hour)},
		},
		LawOwnerConfirmations: []trial.LawOwnerConfirmation{{LawID: "LOV-2009-06-19-100", Ministry: "NFD", Reasons: "Forvaltes av NFD.", ConfirmedBy: handler, Time: t0.Add(time.Hour)}},
		LegalReviews: []trial.LegalReview{{ExemptionIndex: 1, Exemption: trial.Exemption{
			LawID: "LOV-2023-06-09-30", Section: "§ 15-4", Paragraph: "2", Letter: "b", CurrentRule: "a", ProposedRule: "b",
			OwningMinistry: "KD", RestrictsRights: true, Justification: "c", Flags: []trial.ExemptionFlag{trial.FlagRestrictsRights},
		}, Conclusion: trial.ReviewWithinAct, Reasons: "Forholdsmessig.", ReviewedBy: handler, Time: t0.Add(time.Hour)}},
		WithdrawnParticipants: []trial.WithdrawnParticipant{{Applicant: trial.Applicant{
			OrganisationNumber: "940802652", Name: "Råde kommune", Kind: trial.KindKommune, MunicipalityNumber: "3112", CountyNumber: "31",
			CouncilDecision: council, Lead: true, ParticipationConfirmed: true, ExtensionCouncilDecision: council,
		}, Reason: "Kommunestyret opphevet vedtaket.", Time: t0.Add(time.Hour)}},
		Closure:          &trial.Closure{Outcome: trial.OutcomeMadePermanent, Reasons: "Lovendring.", WithoutEvaluation: true, DecidedBy: handler, Time: t0.Add(7 * time.Hour), Authority: "FOR-1992-12-11-1050"},
		WithdrawalReason: "Ikke trukket, men feltet er fylt.",
		AnswerDue:        "2026-04-20",
		EvaluationDue:    "2031-01-31",
		Flags:            []trial.CaseFlag{trial.FlagNeedsInterimReply},
		Notices:          []string{"trialEndingSoon/2030-07-31"},
		CreateTime:       t0,
		UpdateTime:       t0.Add(8 * time.Hour),
		SubmitTime:       t0.Add(30 * time.Minute),
		ChainHead:        &trial.ChainHead{Sequence: 42, Hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
		Call:             "2027-01",
		Stage:            trial.StageFinal,
		Themes:           []string{"Skole"},
		ProgressPlan:     "Oppstart høsten 2026.",
		Deadline:         "2026-06-01",
		Selection: &trial.Selection{Selected: true, Reasons: "Prioritert.", ReasonCodes: []trial.RejectReason{trial.RejectOther},
			FinalDeadline: "2026-06-01", Authority: "FOR-1992-12-11-1050", DecidedBy: person("Ola Approver"), DecideTime: t0.Add(time.Minute)},
	}
}

func fullConsultation(appID, id string) *trial.Consultation {
	return &trial.Consultation{
		ApplicationID: appID, ID: id, Ministry: "KD", Question: "Støtter dere unntaket?", DueDate: "2026-04-01",
		State: trial.ConsultationAnswered,
		Response: &trial.ConsultationResponse{
			Position: trial.PositionSupportsWithConditions, Statement: "Ja, med evaluering.",
			Responder: person("Per Ministry"), Time: t0.Add(time.Hour),
		},
		CancelReason: "Ikke kansellert, men feltet er fylt.",
		RequestedBy:  person("Kari Handler"),
		CoveredExemptions: []trial.Exemption{{
			LawID: "LOV-2023-06-09-30", Section: "§ 15-4", Paragraph: "2", Letter: "b", CurrentRule: "a", ProposedRule: "b",
			OwningMinistry: "KD", RestrictsRights: true, Justification: "c", Flags: []trial.ExemptionFlag{trial.FlagRestrictsRights},
		}},
		CreateTime: t0, UpdateTime: t0.Add(time.Hour),
	}
}

func fullEvent(appID string) *trial.Event {
	return &trial.Event{
		ApplicationID: appID, Time: t0,
		Actor: trial.Actor{
			Subject: "sub-kari", Name: "Kari Handler", OrganisationNumber: "972417858",
			Role: trial.RoleMinistry, Ministry: "KD",
		},
		Action: trial.ActionRespondToConsultation, FromState: trial.StateInConsultation, ToState: trial.StateReadyForDecision,
		Comment: "Svar fra KD.", Changes: []string{"consultations[0].response"}, ConsultationID: "1",
	}
}

// app returns a minimal application.
func app(id string, state trial.State, applicants ...string) *trial.Application {
	a := &trial.Application{ID: id, State: state, Title: "Forsøk " + id, CreateTime: t0}
	for i, org := range applicants {
		a.Applicants = append(a.Applicants, trial.Applicant{OrganisationNumber: org, Kind: trial.KindKommune, Lead: i == 0})
	}
	return a
}

func TestOpen_CreatesFileWithMode0600(t *testing.T) {
	path := filepath.Join(t.TempDir(), "forsok.db")
	mustOpenAt(t, path, boltstore.Options{})
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fi.Mode().Perm(), os.FileMode(0o600); got != want {
		t.Errorf("file mode: got %v, want %v", got, want)
	}
}

func TestOpen_Locked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "forsok.db")
	mustOpenAt(t, path, boltstore.Options{})
	start := time.Now()
	s, err := boltstore.Open(path, boltstore.Options{LockTimeout: 50 * time.Millisecond})
	if err == nil {
		s.Close()
		t.Fatal("second Open: got nil error, want ErrLocked")
	}
	if !errors.Is(err, boltstore.ErrLocked) {
		t.Errorf("second Open: got %v, want ErrLocked", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("second Open took %v, want about the 50ms lock timeout", elapsed)
	}
}

func TestOpen_Schema(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(tx *bolt.Tx) error
		want    error
		msg     string
	}{
		{
			name:    "ErrNewerVersion",
			prepare: setSchemaVersion(99),
			want:    boltstore.ErrSchemaVersion,
			msg:     fmt.Sprintf("the file has schema version 99, this program supports up to %d", boltstore.SchemaVersion),
		},
		{
			name:    "ErrNoMigration",
			prepare: setSchemaVersion(0),
			want:    boltstore.ErrSchemaVersion,
			msg:     "no migration from it to 1",
		},
		{
			name: "ErrVersionMissing",
			prepare: func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("meta")).Delete([]byte("schema_version"))
			},
			want: boltstore.ErrNotStore,
			msg:  "schema_version",
		},
		{
			name:    "ErrOtherBoltFile",
			prepare: func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte("meta")) },
			want:    boltstore.ErrNotStore,
			msg:     "no \"meta\" bucket",
		},
		{
			name:    "OK",
			prepare: setSchemaVersion(boltstore.SchemaVersion),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "forsok.db")
			s, err := boltstore.Open(path, boltstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkAndClose(t, s)
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Update(tt.prepare); err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}

			s, err = boltstore.Open(path, boltstore.Options{})
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Open: got %v, want nil", err)
				}
				checkAndClose(t, s)
				return
			}
			if err == nil {
				s.Close()
				t.Fatalf("Open: got nil error, want %v", tt.want)
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("Open: got %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Open: got message %q, want it to contain %q", err, tt.msg)
			}
		})
	}
}

func setSchemaVersion(v uint64) func(tx *bolt.Tx) error {
	return func(tx *bolt.Tx) error {
		var b [8]byte
		for i := range b {
			b[i] = byte(v >> (56 - 8*i))
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), b[:])
	}
}

func TestStore_ApplicationRoundTrip(t *testing.T) {
	s := mustOpen(t)
	want := fullApplication("2026-000001")
	requireFilled(t, want)
	mustUpdate(t, s, func(tx workflow.Tx) error { return tx.PutApplication(want) })

	got := mustGet(t, s, want.ID)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %s\nwant %s", js(got), js(want))
	}

	// The value is the caller's: changing it changes nothing stored.
	got.Title = "changed"
	got.Applicants[0].Name = "changed"
	got.Decision.Reasons = "changed"
	if again := mustGet(t, s, want.ID); !reflect.DeepEqual(again, want) {
		t.Errorf("after changing the returned value: got %s\nwant %s", js(again), js(want))
	}

	// Reads inside the write transaction see its own writes.
	mustUpdate(t, s, func(tx workflow.Tx) error {
		next := fullApplication(want.ID)
		next.Title = "new title"
		if err := tx.PutApplication(next); err != nil {
			return err
		}
		a, err := tx.Application(want.ID)
		if err != nil {
			return err
		}
		if a.Title != "new title" {
			t.Errorf("read in the same transaction: got title %q, want %q", a.Title, "new title")
		}
		return nil
	})
}

func TestStore_ConsultationRoundTrip(t *testing.T) {
	s := mustOpen(t)
	const appID = "2026-000001"
	want := fullConsultation(appID, "1")
	requireFilled(t, want)
	var ids []string
	mustUpdate(t, s, func(tx workflow.Tx) error {
		if err := tx.PutApplication(app(appID, trial.StateInConsultation, "940931002")); err != nil {
			return err
		}
		// Twelve, so that "10" would sort before "2" if ids were compared as text.
		for range 12 {
			id, err := tx.NextConsultationID(appID)
			if err != nil {
				return err
			}
			ids = append(ids, id)
			c := fullConsultation(appID, id)
			c.Question = "Spørsmål " + id
			if id == "1" {
				c = want
			}
			if err := tx.PutConsultation(c); err != nil {
				return err
			}
		}
		return nil
	})
	if got, want := strings.Join(ids, ","), "1,2,3,4,5,6,7,8,9,10,11,12"; got != want {
		t.Errorf("allocated ids: got %s, want %s", got, want)
	}
	mustView(t, s, func(tx workflow.ReadTx) error {
		got, err := tx.Consultation(appID, "1")
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %s\nwant %s", js(got), js(want))
		}
		all, err := tx.Consultations(appID)
		if err != nil {
			return err
		}
		var order []string
		for _, c := range all {
			order = append(order, c.ID)
		}
		if got, want := strings.Join(order, ","), strings.Join(ids, ","); got != want {
			t.Errorf("Consultations order: got %s, want %s", got, want)
		}
		none, err := tx.Consultations("2026-000099")
		if err != nil || len(none) != 0 {
			t.Errorf("Consultations of an unknown case: got %d, %v; want 0, nil", len(none), err)
		}
		return nil
	})
}

func TestStore_ErrNotFound(t *testing.T) {
	s := mustOpen(t)
	mustUpdate(t, s, func(tx workflow.Tx) error {
		if err := tx.PutApplication(app("2026-000001", trial.StateDraft, "940931002")); err != nil {
			return err
		}
		return tx.PutApplication(app("2026-000002", trial.StateInConsultation, "940931002"))
	})
	mustUpdate(t, s, func(tx workflow.Tx) error {
		id, err := tx.NextConsultationID("2026-000002")
		if err != nil {
			return err
		}
		return tx.PutConsultation(&trial.Consultation{ApplicationID: "2026-000002", ID: id, Ministry: "KD", State: trial.ConsultationRequested})
	})
	tests := []struct {
		name string
		fn   func(tx workflow.Tx) error
	}{
		{"Application", func(tx workflow.Tx) error { _, err := tx.Application("2026-000099"); return err }},
		{"ApplicationEmptyID", func(tx workflow.Tx) error { _, err := tx.Application(""); return err }},
		{"ConsultationUnknownCase", func(tx workflow.Tx) error { _, err := tx.Consultation("2026-000099", "1"); return err }},
		{"ConsultationNoneYet", func(tx workflow.Tx) error { _, err := tx.Consultation("2026-000001", "1"); return err }},
		{"ConsultationUnknownID", func(tx workflow.Tx) error { _, err := tx.Consultation("2026-000002", "2"); return err }},
		{"ConsultationMalformedID", func(tx workflow.Tx) error { _, err := tx.Consultation("2026-000002", "01"); return err }},
		{"ConsultationTextID", func(tx workflow.Tx) error { _, err := tx.Consultation("2026-000002", "abc"); return err }},
		{"DeleteApplication", func(tx workflow.Tx) error { return tx.DeleteApplication("2026-000099") }},
		{"NextConsultationID", func(tx workflow.Tx) error { _, err := tx.NextConsultationID("2026-000099"); return err }},
		{"PutConsultationUnknownCase", func(tx workflow.Tx) error {
			return tx.PutConsultation(&trial.Consultation{ApplicationID: "2026-000099", ID: "1", Ministry: "KD"})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Update(context.Background(), tt.fn)
			if !errors.Is(err, trial.ErrNotFound) {
				t.Errorf("got %v, want ErrNotFound", err)
			}
		})
	}
}

func TestStore_PutRefused(t *testing.T) {
	s := mustOpen(t)
	const appID = "2026-000001"
	mustUpdate(t, s, func(tx workflow.Tx) error { return tx.PutApplication(app(appID, trial.StateInReview, "940931002")) })
	tests := []struct {
		name string
		fn   func(tx workflow.Tx) error
	}{
		{"ApplicationWithoutID", func(tx workflow.Tx) error { return tx.PutApplication(app("", trial.StateDraft)) }},
		{"ApplicationWithoutState", func(tx workflow.Tx) error { return tx.PutApplication(app("2026-000002", "")) }},
		{"ApplicationNUL", func(tx workflow.Tx) error {
			return tx.PutApplication(app("2026-000002", trial.StateDraft, "94093\x001002"))
		}},
		{"ConsultationNotAllocated", func(tx workflow.Tx) error {
			return tx.PutConsultation(&trial.Consultation{ApplicationID: appID, ID: "1", Ministry: "KD"})
		}},
		{"ConsultationBadID", func(tx workflow.Tx) error {
			return tx.PutConsultation(&trial.Consultation{ApplicationID: appID, ID: "x", Ministry: "KD"})
		}},
		{"ConsultationWithoutMinistry", func(tx workflow.Tx) error {
			id, err := tx.NextConsultationID(appID)
			if err != nil {
				return err
			}
			return tx.PutConsultation(&trial.Consultation{ApplicationID: appID, ID: id})
		}},
		{"EventWithoutCase", func(tx workflow.Tx) error { return tx.AppendEvent(&trial.Event{Action: trial.ActionCreate}) }},
		{"RequestWithoutKey", func(tx workflow.Tx) error { return tx.PutRequest("", &workflow.RequestRecord{}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.Update(context.Background(), tt.fn); err == nil {
				t.Errorf("got nil error, want one")
			}
		})
	}
}

func eventSeqs(t *testing.T, s *boltstore.Store, appID string, after uint64, limit int) []uint64 {
	t.Helper()
	var seqs []uint64
	mustView(t, s, func(tx workflow.ReadTx) error {
		events, err := tx.ListEvents(appID, after, limit)
		for _, e := range events {
			if e.ApplicationID != appID {
				t.Errorf("event %d: got application %q, want %q", e.Sequence, e.ApplicationID, appID)
			}
			seqs = append(seqs, e.Sequence)
		}
		return err
	})
	return seqs
}

func TestStore_EventsGapFree(t *testing.T) {
	s := mustOpen(t)
	const x, y = "2026-000001", "2026-000002"
	first := fullEvent(x)
	mustUpdate(t, s, func(tx workflow.Tx) error {
		for _, e := range []*trial.Event{first, {ApplicationID: y, Action: trial.ActionCreate}, {ApplicationID: x, Action: trial.ActionUpdate}} {
			if err := tx.AppendEvent(e); err != nil {
				return err
			}
		}
		return nil
	})
	// Now that it has its sequence and hash; as its case's first event it names no
	// previous hash.
	if first.PrevHash != "" || first.Hash != trial.EventHash(first) {
		t.Errorf("first event: got prevHash %q, hash %q; want \"\" and %q", first.PrevHash, first.Hash, trial.EventHash(first))
	}
	filled := *first
	filled.PrevHash = "none"
	filled.Call = "none" // a call's event is not a case's: TestStore_CallRoundTrip covers it
	requireFilled(t, &filled)
	if got, want := first.Sequence, uint64(1); got != want {
		t.Errorf("AppendEvent assigned sequence %d, want %d", got, want)
	}

	boom := errors.New("boom")
	err := s.Update(context.Background(), func(tx workflow.Tx) error {
		if err := tx.AppendEvent(&trial.Event{ApplicationID: x, Action: trial.ActionSubmit}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("failing Update: got %v, want %v", err, boom)
	}
	mustUpdate(t, s, func(tx workflow.Tx) error {
		return tx.AppendEvent(&trial.Event{ApplicationID: y, Action: trial.ActionSubmit})
	})

	tests := []struct {
		name  string
		app   string
		after uint64
		limit int
		want  []uint64
	}{
		{"X", x, 0, 50, []uint64{1, 3}},
		{"Y", y, 0, 50, []uint64{2, 4}}, // 4, not 5: the rolled-back transaction burnt no number
		{"After", x, 1, 50, []uint64{3}},
		{"AfterLast", x, 3, 50, nil},
		{"Limit", y, 0, 1, []uint64{2}},
		{"AfterMax", x, math.MaxUint64, 50, nil},
		{"UnknownCase", "2026-000099", 0, 50, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := eventSeqs(t, s, tt.app, tt.after, tt.limit); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	mustView(t, s, func(tx workflow.ReadTx) error {
		events, err := tx.ListEvents(x, 0, 1)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(events[0], first) {
			t.Errorf("round trip: got %s\nwant %s", js(events[0]), js(first))
		}
		for _, limit := range []int{0, -1} { // the Service resolves sizes (workflow/paging.go)
			_, err = tx.ListEvents(x, 0, limit)
			wantCode(t, err, trial.CodeInternal, "event limit")
		}
		return nil
	})
}

func TestStore_DeleteKeepsEvents(t *testing.T) {
	s := mustOpen(t)
	const id = "2026-000001"
	mustUpdate(t, s, func(tx workflow.Tx) error {
		if got, err := tx.NextApplicationID(2026); err != nil || got != id {
			return fmt.Errorf("NextApplicationID: got %q, %v; want %q", got, err, id)
		}
		if err := tx.PutApplication(app(id, trial.StateDraft, orgA)); err != nil {
			return err
		}
		return tx.AppendEvent(&trial.Event{ApplicationID: id, Action: trial.ActionCreate, ToState: trial.StateDraft})
	})
	mustUpdate(t, s, func(tx workflow.Tx) error {
		if err := tx.DeleteApplication(id); err != nil {
			return err
		}
		return tx.AppendEvent(&trial.Event{ApplicationID: id, Action: trial.ActionDelete, FromState: trial.StateDraft})
	})
	mustView(t, s, func(tx workflow.ReadTx) error {
		if _, err := tx.Application(id); !errors.Is(err, trial.ErrNotFound) {
			t.Errorf("Application after delete: got %v, want ErrNotFound", err)
		}
		return nil
	})
	if got, want := eventSeqs(t, s, id, 0, 50), []uint64{1, 2}; !slices.Equal(got, want) {
		t.Errorf("events after delete: got %v, want %v", got, want)
	}
	for _, q := range []trial.Query{{}, {States: []trial.State{trial.StateDraft}}, {ApplicantOrganisation: orgA}} {
		if got := listAll(t, s, q); len(got) != 0 {
			t.Errorf("list %+v after delete: got %v, want none", q, got)
		}
	}
	// The id is not handed out again.
	mustUpdate(t, s, func(tx workflow.Tx) error {
		next, err := tx.NextApplicationID(2026)
		if next != "2026-000002" {
			t.Errorf("NextApplicationID after delete: got %s, want 2026-000002", next)
		}
		return err
	})
}

func TestStore_Reopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "forsok.db")
	c := newClock()
	opts := boltstore.Options{Now: c.Now}
	s, err := boltstore.Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := fullApplication("2026-000001")
	wantCons := fullConsultation(want.ID, "1")
	wantReq := &workflow.RequestRecord{Method: "CreateApplication", Fingerprint: "f1", Time: t0, Result: []byte(`{"id":"2026-000001"}`)}
	requireFilled(t, wantReq)
	mustUpdate(t, s, func(tx workflow.Tx) error {
		id, err := tx.NextApplicationID(2026)
		if err != nil || id != want.ID {
			return fmt.Errorf("NextApplicationID: got %q, %v; want %q", id, err, want.ID)
		}
		if err := tx.PutApplication(want); err != nil {
			return err
		}
		if _, err := tx.NextConsultationID(want.ID); err != nil {
			return err
		}
		if err := tx.PutConsultation(wantCons); err != nil {
			return err
		}
		for range 2 {
			if err := tx.AppendEvent(&trial.Event{ApplicationID: want.ID, Action: trial.ActionUpdate}); err != nil {
				return err
			}
		}
		return tx.PutRequest("k", wantReq)
	})
	checkAndClose(t, s)

	s = mustOpenAt(t, path, opts)
	mustUpdate(t, s, func(tx workflow.Tx) error {
		got, err := tx.Application(want.ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("application: got %s\nwant %s", js(got), js(want))
		}
		cons, err := tx.Consultation(want.ID, "1")
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(cons, wantCons) {
			t.Errorf("consultation: got %s\nwant %s", js(cons), js(wantCons))
		}
		req, err := tx.Request("k")
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(req, wantReq) {
			t.Errorf("request: got %s\nwant %s", js(req), js(wantReq))
		}
		e := &trial.Event{ApplicationID: want.ID, Action: trial.ActionSubmit}
		if err := tx.AppendEvent(e); err != nil {
			return err
		}
		if e.Sequence != 3 {
			t.Errorf("event sequence after reopen: got %d, want 3", e.Sequence)
		}
		id, err := tx.NextApplicationID(2026)
		if err != nil {
			return err
		}
		if id != "2026-000002" {
			t.Errorf("application id after reopen: got %s, want 2026-000002", id)
		}
		cid, err := tx.NextConsultationID(want.ID)
		if err != nil {
			return err
		}
		if cid != "2" {
			t.Errorf("consultation id after reopen: got %s, want 2", cid)
		}
		return nil
	})
}

func TestStore_RequestRecords(t *testing.T) {
	c := newClock()
	s := mustOpenAt(t, filepath.Join(t.TempDir(), "forsok.db"), boltstore.Options{Now: c.Now})
	get := func(key string) *workflow.RequestRecord {
		t.Helper()
		var rec *workflow.RequestRecord
		mustView(t, s, func(tx workflow.ReadTx) error {
			var err error
			rec, err = tx.Request(key)
			return err
		})
		return rec
	}
	count := func() int {
		t.Helper()
		n, err := boltstore.BucketLen(s, "requests")
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	want := &workflow.RequestRecord{Method: "SubmitApplication", Fingerprint: "abc", Time: t0, Result: []byte(`{"state":"SUBMITTED"}`)}
	mustUpdate(t, s, func(tx workflow.Tx) error { return tx.PutRequest("k1", want) })
	if got := get("k1"); !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip: got %s, want %s", js(got), js(want))
	}
	if got := get("unknown"); got != nil {
		t.Errorf("unknown key: got %s, want nil", js(got))
	}

	// A record without a time gets the transaction's clock, on a copy.
	c.Advance(time.Hour)
	untimed := &workflow.RequestRecord{Method: "ApproveApplication", Fingerprint: "def"}
	mustUpdate(t, s, func(tx workflow.Tx) error { return tx.PutRequest("k2", untimed) })
	if got := get("k2"); got == nil || !got.Time.Equal(t0.Add(time.Hour)) {
		t.Errorf("untimed record: got %s, want time %v", js(got), t0.Add(time.Hour))
	}
	if !untimed.Time.IsZero() {
		t.Errorf("PutRequest changed the caller's record: got time %v, want zero", untimed.Time)
	}

	c.Advance(47*time.Hour - time.Nanosecond) // k1 is 48h less 1ns old
	if got := get("k1"); got == nil {
		t.Error("record just under 48h old: got nil, want it")
	}
	c.Advance(time.Nanosecond) // exactly 48h
	if got := get("k1"); got != nil {
		t.Errorf("record 48h old: got %s, want nil", js(got))
	}
	if got := get("k2"); got == nil {
		t.Error("record 47h old: got nil, want it")
	}
	if got, want := count(), 2; got != want {
		t.Errorf("records stored before pruning: got %d, want %d", got, want)
	}

	// The next write prunes the expired record; overwriting a key moves its time entry
	// (Check verifies the requests_by_time index in Cleanup).
	mustUpdate(t, s, func(tx workflow.Tx) error {
		return tx.PutRequest("k2", &workflow.RequestRecord{Method: "m", Time: c.Now()})
	})
	if got, want := count(), 1; got != want {
		t.Errorf("records stored after pruning: got %d, want %d", got, want)
	}

	// Pruning is bounded per write: a backlog drains over several writes.
	mustUpdate(t, s, func(tx workflow.Tx) error {
		for i := range 40 {
			if err := tx.PutRequest(fmt.Sprintf("old%02d", i), &workflow.RequestRecord{Method: "m", Time: c.Now()}); err != nil {
				return err
			}
		}
		return nil
	})
	c.Advance(49 * time.Hour)
	mustUpdate(t, s, func(tx workflow.Tx) error {
		return tx.PutRequest("new1", &workflow.RequestRecord{Method: "m", Time: c.Now()})
	})
	if got := count(); got <= 1 || got >= 42 {
		t.Errorf("records after one pruning write: got %d, want some but not all of the 41 expired gone", got)
	}
	for i := range 10 {
		mustUpdate(t, s, func(tx workflow.Tx) error {
			return tx.PutRequest(fmt.Sprintf("new%d", i+2), &workflow.RequestRecord{Method: "m", Time: c.Now()})
		})
	}
	if got, want := count(), 11; got != want {
		t.Errorf("records after eleven pruning writes: got %d, want %d (the fresh ones)", got, want)
	}
}

func TestStore_Allocation(t *testing.T) {
	s := mustOpen(t)
	type alloc struct {
		kind string
		year int
		want string
	}
	run := func(t *testing.T, allocs []alloc) {
		t.Helper()
		mustUpdate(t, s, func(tx workflow.Tx) error {
			for _, a := range allocs {
				var got string
				var err error
				if a.kind == "id" {
					got, err = tx.NextApplicationID(a.year)
				} else {
					got, err = tx.NextCaseNumber(a.year)
				}
				if err != nil {
					return err
				}
				if got != a.want {
					t.Errorf("%s %d: got %s, want %s", a.kind, a.year, got, a.want)
				}
			}
			return nil
		})
	}
	run(t, []alloc{
		{"id", 2026, "2026-000001"},
		{"id", 2026, "2026-000002"},
		{"case", 2026, "2026/1"},
		{"id", 2027, "2027-000001"},
		{"case", 2027, "2027/1"},
		{"case", 2026, "2026/2"},
		{"id", 2026, "2026-000003"},
	})
	// A rolled-back transaction gives its numbers back.
	err := s.Update(context.Background(), func(tx workflow.Tx) error {
		if _, err := tx.NextApplicationID(2026); err != nil {
			return err
		}
		if _, err := tx.NextCaseNumber(2026); err != nil {
			return err
		}
		return errors.New("rolled back")
	})
	if err == nil {
		t.Fatal("failing Update: got nil error")
	}
	run(t, []alloc{
		{"id", 2026, "2026-000004"},
		{"case", 2026, "2026/3"},
		{"id", 999, "0999-000001"},
	})
	for _, year := range []int{0, -2026, 10000} {
		err := s.Update(context.Background(), func(tx workflow.Tx) error {
			_, err := tx.NextApplicationID(year)
			return err
		})
		if err == nil {
			t.Errorf("NextApplicationID(%d): got nil error, want one", year)
		}
	}
}

func TestStore_ContextCancelled(t *testing.T) {
	s := mustOpen(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	if err := s.Update(ctx, func(workflow.Tx) error { called = true; return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("Update: got %v, want context.Canceled", err)
	}
	if err := s.View(ctx, func(workflow.ReadTx) error { called = true; return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("View: got %v, want context.Canceled", err)
	}
	if called {
		t.Error("fn ran: got called, want not")
	}
}

func TestStore_ReadsDoNotWaitForWriter(t *testing.T) {
	s := mustOpen(t)
	const id = "2026-000001"
	inTx, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		done <- s.Update(context.Background(), func(tx workflow.Tx) error {
			if err := tx.PutApplication(app(id, trial.StateDraft, orgA)); err != nil {
				return err
			}
			close(inTx)
			<-release
			return nil
		})
	}()
	<-inTx
	viewed := make(chan error)
	go func() {
		viewed <- s.View(context.Background(), func(tx workflow.ReadTx) error {
			if _, err := tx.Application(id); !errors.Is(err, trial.ErrNotFound) {
				return fmt.Errorf("uncommitted case: got %v, want ErrNotFound", err)
			}
			return nil
		})
	}()
	select {
	case err := <-viewed:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(10 * time.Second):
		t.Error("View waited for the open write transaction")
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, s, id); got.ID != id {
		t.Errorf("after commit: got %q, want %q", got.ID, id)
	}
}
