package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/forsok/forsok/internal/boltstore"
	"github.com/forsok/forsok/internal/boltstore/bolttest"
	"github.com/forsok/forsok/internal/server"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/trial/trialtest"
	"github.com/forsok/forsok/internal/web"
	"github.com/forsok/forsok/internal/workflow"
)

var oslo = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		panic(err)
	}
	return loc
}()

// The callers who drive the fixture's cases. Their names must never reach a public page.
var (
	lead     = trial.Actor{Subject: "ios-kari", Name: "Kari Nordmann", OrganisationNumber: trialtest.LeadOrg, Role: trial.RoleMunicipality}
	handler  = trial.Actor{Subject: "kdd-hanne", Name: "Hanne Handler", OrganisationNumber: trialtest.KDDOrg, Role: trial.RoleKDDHandler}
	approver = trial.Actor{Subject: "kdd-anne", Name: "Anne Approver", OrganisationNumber: trialtest.KDDOrg, Role: trial.RoleKDDApprover}
	kd       = trial.Actor{Subject: "kd-ola", Name: "Ola Fagdep", OrganisationNumber: "999990134", Role: trial.RoleMinistry, Ministry: "KD"}
)

// secretStatement is KD's statement on every consulted case: not public (R22).
const secretStatement = "Departementets fortrolige merknad om elevvurdering"

// site is a real server on a loopback port: bbolt in t.TempDir(), the workflow service
// with a fixed clock, and the public pages.
type site struct {
	URL   string
	svc   *workflow.Service
	clock time.Time
	// Public are the ids of the approved (public) cases, Hidden those that are not public.
	Public, Hidden []string
	// PublicDoc is the id of the public document of Public[0].
	PublicDoc string
	// OpenCall is a published call with one preliminary application; DraftCall is not
	// published.
	OpenCall, DraftCall string
}

// Texts of the fixture's calls; the draft's title must not appear on any page.
const (
	openCallTitle  = "Forsøk i tillitsreformen"
	draftCallTitle = "Utkast til utlysning om eldreomsorg"
)

// calls creates a published call with one preliminary application and a draft call.
func (s *site) calls(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	in := &trial.Call{Title: openCallTitle, Description: "KDD inviterer kommuner til å søke om forsøk.\nSøknadene vurderes sammen med fagdepartementene.",
		Themes: []string{"Skole", "Helse"}, EligibleKinds: []trial.ApplicantKind{trial.KindKommune},
		PreliminaryDeadline: "2026-04-15", FinalDeadline: "2026-06-30"}
	c := must(s.svc.CreateCall(ctx, call(approver), in))
	must(s.svc.PublishCall(ctx, call(handler), c.ID, "publisert"))
	s.OpenCall = c.ID
	app := trialtest.Application()
	app.Call, app.DraftRegulation, app.Themes = trial.CallName(c.ID), "", []string{"Skole"}
	for i := range app.Applicants {
		app.Applicants[i].CouncilDecision = nil
	}
	a := must(s.svc.CreateApplication(ctx, call(lead), app))
	must(s.svc.SubmitApplication(ctx, call(lead), a.ID, "foreløpig søknad"))
	draft := *in
	draft.Title = draftCallTitle
	s.DraftCall = must(s.svc.CreateCall(ctx, call(approver), &draft)).ID
}

func newSite(t testing.TB) *site {
	t.Helper()
	store := bolttest.Open(t, boltstore.Options{})
	svc, err := workflow.NewService(store, trial.DefaultReference())
	if err != nil {
		t.Fatal(err)
	}
	s := &site{svc: svc, clock: time.Date(2026, 3, 2, 10, 0, 0, 0, oslo)}
	svc.Now = func() time.Time { return s.clock }
	svc.Documents = workflow.DocumentConfig{Content: store, TempDir: t.TempDir(), Scanner: cleanScanner{}}
	pages, err := web.New(svc, web.Options{PageSize: 5, Documents: server.PublicDocuments{Service: svc}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(pages)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// must returns v, and panics on an error: the fixture's steps are all valid, so an
// error is a broken test setup.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func call(a trial.Actor) workflow.Call { return workflow.Call{Actor: a} }

// seed drives n cases through the real service: every third stays submitted (not
// public), the others are consulted, approved with their regulation and published.
// Titles carry the case's number so that searches can find one.
func (s *site) seed(t testing.TB, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		in := trialtest.Application()
		in.Title = fmt.Sprintf("%s, forsøk nummer%d", in.Title, i)
		app := must(s.svc.CreateApplication(ctx, call(lead), in))
		must(s.svc.SubmitApplication(ctx, call(lead), app.ID, "vedtatt i kommunestyret"))
		if i%3 == 2 {
			s.Hidden = append(s.Hidden, app.ID)
			continue
		}
		must(s.svc.AssignApplication(ctx, call(handler), app.ID, handler.Person(), ""))
		c := must(s.svc.CreateConsultation(ctx, call(handler), app.ID, trial.ConsultationInput{Ministry: "KD", Question: "Har KD merknader?", DueWorkingDays: 10}))
		s.clock = s.clock.Add(24 * time.Hour)
		must(s.svc.RespondToConsultation(ctx, call(kd), app.ID, c.ID, trial.ResponseInput{Position: trial.PositionSupports, Statement: secretStatement}))
		must(s.svc.ApproveApplication(ctx, call(approver), app.ID, trial.ApproveInput{ApprovedStart: "2026-08-01", ApprovedEnd: "2029-07-31",
			Reasons: "Forsøket kan gi bedre underveisvurdering.", RegulationID: "FOR-2026-06-20-1234", PublicationReference: "Norsk Lovtidend Avd. II 2026 nr. 1234"}))
		s.Public = append(s.Public, app.ID)
		if len(s.Public) == 1 {
			s.documents(t, app.ID)
		}
	}
}

// The documents of the first public case: one public, one not offered as public, and
// one offered as public whose journal entry KDD screened. Only the first is listed on
// the trial page; the public journal has the second's entry (a journal entry is public
// though its document is not) and the third's with its title as "*****".
const (
	publicDocTitle   = "Evalueringsplan for forsøket"
	internalDocTitle = "Internt notat om økonomi"
	screenedDocTitle = "Brev med personopplysninger"
)

// cleanScanner finds every file clean, as clamd would an ordinary text file.
type cleanScanner struct{}

func (cleanScanner) Scan(_ context.Context, r io.Reader) (bool, string, error) {
	_, err := io.Copy(io.Discard, r)
	return false, "", err
}

func (s *site) documents(t testing.TB, appID string) {
	t.Helper()
	ctx := context.Background()
	up := func(title string, public bool) *trial.Document {
		return must(s.svc.UploadDocument(ctx, call(lead), appID, trial.DocumentInput{Title: title, Kind: trial.DocOther,
			Filename: "dokument.txt", Public: public}, strings.NewReader("Innhold: "+title+"\n")))
	}
	s.PublicDoc = up(publicDocTitle, true).ID
	up(internalDocTitle, false)
	screened := up(screenedDocTitle, true)
	must(s.svc.ScreenJournalEntry(ctx, call(handler), screened.JournalEntryID, trial.ScreenInput{
		LegalBasis: "offl. § 13 jf. fvl. § 13 første ledd nr. 1", Fields: []string{"title", "documents"}}))
}

// get fetches path and returns the answer and its body.
func (s *site) get(t testing.TB, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req := must(http.NewRequest(http.MethodGet, s.URL+path, nil))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res := must(http.DefaultClient.Do(req))
	defer res.Body.Close()
	body := must(io.ReadAll(res.Body))
	return res, string(body)
}

// private are texts of the fixture that the public view hides (R22): they must not
// appear on any page.
var private = []string{draftCallTitle, screenedDocTitle, secretStatement, kd.Name, handler.Name, approver.Name, lead.Name, "Har KD merknader"}

func assertNoPrivate(t testing.TB, path, body string) {
	t.Helper()
	for _, p := range private {
		if strings.Contains(body, p) {
			t.Errorf("GET %s shows %q, which the public view hides", path, p)
		}
	}
}
