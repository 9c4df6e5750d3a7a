package rpc_test

// The authorization matrix: every RPC of forsok.v1.ApplicationService, called by every
// kind of caller on a case in each situation that matters, must give exactly the gRPC
// code that domain.md (Roles and visibility, Actions) and api.md (How a request is
// handled, in this order) prescribe:
//
//  1. authentication  → UNAUTHENTICATED (a token is needed for everything but the
//     public register and the workflow);
//  2. visibility      → NOT_FOUND, exactly as for a missing case;
//  3. role            → PERMISSION_DENIED;
//  4. field validation, requestId → INVALID_ARGUMENT; 5. etag → ABORTED;
//  6. state and guards → FAILED_PRECONDITION.
//
// The expected codes below are written by hand from the design documents, one
// character per caller; they are not derived from the code under test. The real stack
// runs in process: bbolt in a temporary directory, the trial service, development-key
// authentication, the gRPC server on a loopback TCP port and a real gRPC client; a
// sample of the same combinations goes through the REST gateway as well. The stack is
// the one forsokd runs (servertest.Start), without the scheduler and the webhook
// worker: the deliveries a test reads stay as the API left them.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
	"github.com/forsok/forsok/internal/auth"
	"github.com/forsok/forsok/internal/server/servertest"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/trial/trialtest"
)

// The callers, in the order of the characters of every row of the matrix.
type role int

const (
	anonymous   role = iota // no token
	lead                    // the municipality that created the case
	coApplicant             // a municipality named as co-applicant
	unrelated               // a municipality with nothing to do with the case
	ministryKD              // the ministry owning the exempted rule; consulted from IN_CONSULTATION on
	ministryHOD             // a ministry never consulted on the case
	kddHandler              // a KDD case handler
	kddApprover             // a KDD employee with decision authority
	admin                   // an operator
	numRoles
)

var roleNames = [numRoles]string{
	"anonymous", "municipality_lead", "co_applicant_municipality", "unrelated_municipality",
	"ministry_consulted_KD", "ministry_not_consulted_HOD", "kdd_handler", "kdd_approver", "admin",
}

// The situations a case is driven to for a subtest.
type situation int

const (
	sitDraft          situation = iota // complete draft, co-applicant confirmed
	sitSubmitted                       // submitted, no handler yet
	sitInReview                        // assigned; its exemption is KD's, so approval needs a consultation
	sitInConsultation                  // consultation with KD open
	sitReady                           // KD answered SUPPORTS: READY_FOR_DECISION
	sitApproved                        // approved, regulation and publication recorded, start date today (public)
	sitActive                          // activated (public)
	numSituations
)

var situationNames = [numSituations]string{
	"DRAFT", "SUBMITTED", "IN_REVIEW", "IN_CONSULTATION", "READY_FOR_DECISION", "APPROVED", "ACTIVE",
}

// Legend of the matrix: one character per caller, in role order (anonymous, lead,
// co-applicant, unrelated municipality, ministry KD, ministry HOD, kdd_handler,
// kdd_approver, admin).
var codeOf = map[byte]codes.Code{
	'O': codes.OK,
	'U': codes.Unauthenticated,
	'N': codes.NotFound,
	'P': codes.PermissionDenied,
	'F': codes.FailedPrecondition,
	'I': codes.InvalidArgument,
	'A': codes.Aborted,
}

// byCaller holds, per situation, one expected code per caller.
type byCaller = [numSituations]string

// caseMatrix is the expected code of every RPC that addresses a case, per situation
// and caller. Written by hand from domain.md:
//
//   - Visibility. DRAFT: the applicants only (KDD sees every NON-draft application).
//     SUBMITTED, IN_REVIEW: applicants and KDD. IN_CONSULTATION, READY_FOR_DECISION:
//     also KD, consulted on the case. APPROVED, ACTIVE: public register, so everyone
//     sees the case, the unrelated municipality, HOD, the admin and the anonymous caller
//     its public fields only. Invisible → N.
//   - Role (Actions' Actor column): lead for update/delete/submit/withdraw/request
//     extension/submit evaluation; a co-applicant for confirm participation; KDD (either
//     role) for assign, interim reply, request changes, open/cancel consultation, record
//     publication, activate, end period; kdd_approver only for approve, reject, decide
//     extension, terminate, close; the consulted ministry for its own consultation.
//     Visible but not the actor → P.
//   - State (From column) and guards → F.
//   - Reads of children (consultations, history) need the whole case: a public-view
//     caller sees the case but not them → P; they are not the public register, so the
//     anonymous caller needs a token → U.
//   - Consultation RPCs name consultations/1. It does not exist before IN_CONSULTATION
//     → N for everyone who gets that far; a ministry never sees another ministry's
//     consultation → N for HOD.
var caseMatrix = []struct {
	want byCaller
	rpc  string
}{
	//         DRAFT        SUBMITTED    IN_REVIEW    IN_CONSULT   READY        APPROVED     ACTIVE
	{byCaller{"NOONNNNNN", "NOONNNOON", "NOONNNOON", "NOONONOON", "NOONONOON", "OOOOOOOOO", "OOOOOOOOO"}, "GetApplication"},
	{byCaller{"UOPNNNNNN", "UFPNNNPPN", "UFPNNNPPN", "UFPNPNPPN", "UFPNPNPPN", "UFPPPPPPP", "UFPPPPPPP"}, "UpdateApplication"},
	{byCaller{"UOPNNNNNN", "UFPNNNPPN", "UFPNNNPPN", "UFPNPNPPN", "UFPNPNPPN", "UFPPPPPPP", "UFPPPPPPP"}, "DeleteApplication"},
	{byCaller{"UPONNNNNN", "UPFNNNPPN", "UPFNNNPPN", "UPFNPNPPN", "UPFNPNPPN", "UPFPPPPPP", "UPOPPPPPP"}, "ConfirmParticipation"},
	{byCaller{"UOPNNNNNN", "UFPNNNPPN", "UFPNNNPPN", "UFPNPNPPN", "UFPNPNPPN", "UFPPPPPPP", "UFPPPPPPP"}, "SubmitApplication"},
	{byCaller{"UFPNNNNNN", "UOPNNNPPN", "UOPNNNPPN", "UOPNPNPPN", "UOPNPNPPN", "UFPPPPPPP", "UFPPPPPPP"}, "WithdrawApplication"},
	{byCaller{"UPPNNNNNN", "UPPNNNOON", "UPPNNNOON", "UPPNPNOON", "UPPNPNOON", "UPPPPPFFP", "UPPPPPFFP"}, "AssignApplication"},
	{byCaller{"UPPNNNNNN", "UPPNNNOON", "UPPNNNOON", "UPPNPNOON", "UPPNPNOON", "UPPPPPFFP", "UPPPPPFFP"}, "RecordInterimReply"},
	{byCaller{"UPPNNNNNN", "UPPNNNFFN", "UPPNNNOON", "UPPNPNFFN", "UPPNPNOON", "UPPPPPFFP", "UPPPPPFFP"}, "RequestChanges"},
	{byCaller{"UPPNNNNNN", "UPPNNNFFN", "UPPNNNOON", "UPPNPNOON", "UPPNPNOON", "UPPPPPFFP", "UPPPPPFFP"}, "CreateConsultation"},
	{byCaller{"UOONNNNNN", "UOONNNOON", "UOONNNOON", "UOONONOON", "UOONONOON", "UOOPOPOOP", "UOOPOPOOP"}, "ListConsultations"},
	// APPROVED/ACTIVE, unrelated municipality and admin: they see the case (public) but
	// not its consultations, which are not public → N, as for one that does not exist.
	{byCaller{"UNNNNNNNN", "UNNNNNNNN", "UNNNNNNNN", "UPPNONPPN", "UPPNFNPPN", "UPPNFNPPN", "UPPNFNPPN"}, "RespondToConsultation"},
	{byCaller{"UNNNNNNNN", "UNNNNNNNN", "UNNNNNNNN", "UPPNPNOON", "UPPNPNFFN", "UPPNPNFFN", "UPPNPNFFN"}, "CancelConsultation"},
	// IN_REVIEW: the exemption is KD's rule, so approving without consultation fails R10.
	{byCaller{"UPPNNNNNN", "UPPNNNPFN", "UPPNNNPFN", "UPPNPNPFN", "UPPNPNPON", "UPPPPPPFP", "UPPPPPPFP"}, "ApproveApplication"},
	{byCaller{"UPPNNNNNN", "UPPNNNPFN", "UPPNNNPON", "UPPNPNPFN", "UPPNPNPON", "UPPPPPPFP", "UPPPPPPFP"}, "RejectApplication"},
	{byCaller{"UPPNNNNNN", "UPPNNNFFN", "UPPNNNFFN", "UPPNPNFFN", "UPPNPNFFN", "UPPPPPOOP", "UPPPPPOOP"}, "RecordPublication"},
	{byCaller{"UPPNNNNNN", "UPPNNNFFN", "UPPNNNFFN", "UPPNPNFFN", "UPPNPNFFN", "UPPPPPOOP", "UPPPPPFFP"}, "ActivateTrial"},
	{byCaller{"UFPNNNNNN", "UFPNNNPPN", "UFPNNNPPN", "UFPNPNPPN", "UFPNPNPPN", "UFPPPPPPP", "UOPPPPPPP"}, "RequestExtension"},
	{byCaller{"UPPNNNNNN", "UPPNNNPFN", "UPPNNNPFN", "UPPNPNPFN", "UPPNPNPFN", "UPPPPPPFP", "UPPPPPPFP"}, "DecideExtension"},
	// ACTIVE: the period has not ended (R6 guard).
	{byCaller{"UPPNNNNNN", "UPPNNNFFN", "UPPNNNFFN", "UPPNPNFFN", "UPPNPNFFN", "UPPPPPFFP", "UPPPPPFFP"}, "EndTrialPeriod"},
	{byCaller{"UPPNNNNNN", "UPPNNNPFN", "UPPNNNPFN", "UPPNPNPFN", "UPPNPNPFN", "UPPPPPPOP", "UPPPPPPOP"}, "TerminateTrial"},
	{byCaller{"UPPNNNNNN", "UPPNNNPFN", "UPPNNNPFN", "UPPNPNPFN", "UPPNPNPFN", "UPPPPPPOP", "UPPPPPPOP"}, "BatchTerminateTrials"},
	{byCaller{"UFPNNNNNN", "UFPNNNPPN", "UFPNNNPPN", "UFPNPNPPN", "UFPNPNPPN", "UFPPPPPPP", "UFPPPPPPP"}, "SubmitEvaluation"},
	{byCaller{"UPPNNNNNN", "UPPNNNPFN", "UPPNNNPFN", "UPPNPNPFN", "UPPNPNPFN", "UPPPPPPFP", "UPPPPPPFP"}, "CloseApplication"},
	{byCaller{"UOONNNNNN", "UOONNNOON", "UOONNNOON", "UOONONOON", "UOONONOON", "UOOPOPOOP", "UOOPOPOOP"}, "ListApplicationEvents"},
	// The archive export is the whole history, for whoever may read the history.
	{byCaller{"UOONNNNNN", "UOONNNOON", "UOONNNOON", "UOONONOON", "UOONONOON", "UOOPOPOOP", "UOOPOPOOP"}, "ExportApplicationEvents"},
	// Documents follow the case's visibility: the public view lists the public ones.
	{byCaller{"NOONNNNNN", "NOONNNOON", "NOONNNOON", "NOONONOON", "NOONONOON", "OOOOOOOOO", "OOOOOOOOO"}, "ListDocuments"},
	// documents/1 does not exist: not found for whoever sees the case, as for the rest.
	{byCaller{"NNNNNNNNN", "NNNNNNNNN", "NNNNNNNNN", "NNNNNNNNN", "NNNNNNNNN", "NNNNNNNNN", "NNNNNNNNN"}, "GetDocument"},
	// What the caller may do next: answered for every caller who sees the case.
	{byCaller{"UOONNNNNN", "UOONNNOON", "UOONNNOON", "UOONONOON", "UOONONOON", "UOOOOOOOO", "UOOOOOOOO"}, "ListAllowedActions"},
	// Selecting and declining are KDD approvers' (R11) and only for preliminary
	// applications to a call (R20): these cases are direct applications, so every
	// approver who gets past the state is refused by R20's guard.
	{byCaller{"UPPNNNNNN", "UPPNNNPFN", "UPPNNNPFN", "UPPNPNPFN", "UPPNPNPFN", "UPPPPPPFP", "UPPPPPPFP"}, "SelectApplication"},
	{byCaller{"UPPNNNNNN", "UPPNNNPFN", "UPPNNNPFN", "UPPNPNPFN", "UPPNPNPFN", "UPPPPPPFP", "UPPPPPPFP"}, "DeclineApplication"},
	{byCaller{"UPPNNNNNN", "UPPNNNPFN", "UPPNNNPFN", "UPPNPNPFN", "UPPNPNPFN", "UPPPPPPFP", "UPPPPPPFP"}, "SelectApplications"},
	{byCaller{"UPPNNNNNN", "UPPNNNPFN", "UPPNNNPFN", "UPPNPNPFN", "UPPNPNPFN", "UPPPPPPFP", "UPPPPPPFP"}, "DeclineApplications"},
	// R8+: a co-applicant leaves before the decision; the lead withdraws the application.
	{byCaller{"UPONNNNNN", "UPONNNPPN", "UPONNNPPN", "UPONPNPPN", "UPONPNPPN", "UPFPPPPPP", "UPFPPPPPP"}, "WithdrawParticipation"},
	// R16: the fixture's law (the education act) is in the reference data, so KDD has
	// no owner to confirm (F) wherever the state allows it.
	{byCaller{"UPPNNNNNN", "UPPNNNFFN", "UPPNNNFFN", "UPPNPNFFN", "UPPNPNFFN", "UPPPPPFFP", "UPPPPPFFP"}, "ConfirmLawOwner"},
	// R19: the fixture's exemption is not flagged, so there is nothing to review (F).
	{byCaller{"UPPNNNNNN", "UPPNNNFFN", "UPPNNNFFN", "UPPNPNFFN", "UPPNPNFFN", "UPPPPPFFP", "UPPPPPFFP"}, "RecordLegalReview"},
}

// globalMatrix is the expected code of the RPCs that address no case.
var globalMatrix = []struct {
	rpc  string
	want string
}{
	// Any municipality creates, for itself; nobody else does.
	{"CreateApplication", "UOOOPPPPP"},
	// The public register needs no token.
	{"ListApplications", "OOOOOOOOO"},
	{"GetWorkflow", "OOOOOOOOO"},
	// The public statistics need no token.
	{"GetStatistics", "OOOOOOOOO"},
	// The event feed: every party that can see cases reads its own; the operator none.
	{"ListEvents", "UOOOOOOOP"},
	// The journal is public (offentleglova); KDD reads it in full.
	{"ListJournalEntries", "OOOOOOOOO"},
	// Only KDD screens (R21); the entry named does not exist.
	{"ScreenJournalEntry", "UPPPPPNNP"},
	// Calls for applications: KDD drafts and runs them; a published call and its
	// statistics are public. The changes act on a fresh draft call each, which only KDD
	// sees: to everyone else it does not exist.
	{"CreateCall", "UPPPPPOOP"},
	{"UpdateCall", "UNNNNNOON"},
	{"PublishCall", "UNNNNNOON"},
	{"CloseCall", "UNNNNNFFN"}, // a draft is not closed: it was never published
	{"GetCall", "OOOOOOOOO"},   // the published call
	{"ListCalls", "OOOOOOOOO"},
	{"GetCallStatistics", "OOOOOOOOO"},
}

// readOnly are the RPCs that never change a case: they always run on the shared
// fixtures.
var readOnly = map[string]bool{
	"GetApplication": true, "ListConsultations": true, "ListApplicationEvents": true, "ListAllowedActions": true,
	"ExportApplicationEvents": true, "ListDocuments": true, "GetDocument": true,
	// Refused for every caller on a direct application (R20), so they change nothing.
	"SelectApplication": true, "DeclineApplication": true, "SelectApplications": true, "DeclineApplications": true,
}

// Organisations of the test. The municipalities' numbers are syntactically valid
// examples (modulus 11), not real ones.
const (
	leadOrg      = "940931002" // Indre Østfold, as in api.md
	coOrg        = "910000012"
	unrelatedOrg = "910000020"
	consultedMin = "KD"  // owns LOV-2023-06-09-30 (the education act)
	otherMin     = "HOD" // never consulted
)

var municipalities = map[role]struct{ org, number, name string }{
	lead:        {leadOrg, "3118", "Indre Østfold kommune"},
	coApplicant: {coOrg, "3112", "Råde kommune"},
	unrelated:   {unrelatedOrg, "3909", "Larvik kommune"},
}

// harness is the running stack and the dates the fixtures use.
type harness struct {
	conn     *grpc.ClientConn
	client   forsokv1.ApplicationServiceClient
	gateway  http.Handler
	tokens   [numRoles]string
	today    string // the Europe/Oslo date, as the service computes it
	start    string // approved start: today, so an approved trial can start at once
	end      string // approved end, three years on
	extEnd   string // an extension one year beyond end (R7: at most two)
	callName string // a published call for applications, calls/{id}
	shared   [numSituations]fixture
	fresh    int
	rebuilds int
}

// fixture is one case in a situation.
type fixture struct {
	name         string // applications/{id}
	consultation string // applications/{id}/consultations/1, existing or not
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	st := servertest.Start(t, servertest.Options{Logs: io.Discard, NoWorkers: true})
	h := &harness{conn: st.Conn, client: st.API, gateway: st.Gateway()}
	opts := map[role]auth.DevTokenOptions{
		lead:        {Role: trial.RoleMunicipality, Organisation: leadOrg},
		coApplicant: {Role: trial.RoleMunicipality, Organisation: coOrg},
		unrelated:   {Role: trial.RoleMunicipality, Organisation: unrelatedOrg},
		ministryKD:  {Role: trial.RoleMinistry, Ministry: consultedMin},
		ministryHOD: {Role: trial.RoleMinistry, Ministry: otherMin},
		kddHandler:  {Role: trial.RoleKDDHandler},
		kddApprover: {Role: trial.RoleKDDApprover},
		admin:       {Role: trial.RoleAdmin},
	}
	for r, o := range opts {
		h.tokens[r] = st.Token(o)
	}

	y, m, d := time.Now().In(trialtest.Oslo).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	h.today = today.Format(time.DateOnly)
	h.start = h.today
	h.end = today.AddDate(3, 0, -1).Format(time.DateOnly)
	h.extEnd = today.AddDate(4, 0, -1).Format(time.DateOnly)
	h.callName = h.draftCall()
	if _, err := h.client.PublishCall(h.as(context.Background(), kddHandler), &forsokv1.PublishCallRequest{Name: h.callName}); err != nil {
		t.Fatalf("PublishCall: %v", err)
	}
	return h
}

// callBody is a complete call with its preliminary deadline at the approved end.
func (h *harness) callBody() *forsokv1.Call {
	return &forsokv1.Call{Title: "Forsøk i tillitsreformen", Description: "KDD inviterer kommuner til å søke.",
		EligibleKinds: []forsokv1.Applicant_Kind{forsokv1.Applicant_KOMMUNE}, PreliminaryDeadline: h.end, FinalDeadline: h.extEnd}
}

// draftCall creates a draft call as KDD and returns its name ("" if that failed, which
// the RPC under test then reports).
func (h *harness) draftCall() string {
	c, err := h.client.CreateCall(h.as(context.Background(), kddApprover), &forsokv1.CreateCallRequest{Call: h.callBody()})
	if err != nil {
		return ""
	}
	return c.GetName()
}

// as returns ctx carrying r's token.
func (h *harness) as(ctx context.Context, r role) context.Context {
	if r == anonymous {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+h.tokens[r])
}

// osloToday is the Europe/Oslo date at UTC midnight, the day the service decides on.
func osloToday() time.Time {
	oslo, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		panic(err)
	}
	y, m, d := time.Now().In(oslo).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func pastCouncil(body string) *forsokv1.CouncilDecision {
	return &forsokv1.CouncilDecision{Body: body, CaseReference: "2025/311", MeetingDate: "2025-06-12"}
}

// applicationBody is a complete application with applicant (the creator) and, if
// withCo, the co-applicant without its council decision (it records its own, R8).
func applicationBody(applicant role, withCo bool) *forsokv1.Application {
	m := municipalities[applicant]
	if m.org == "" {
		m = municipalities[lead]
	}
	app := &forsokv1.Application{
		Title:   "Vurdering uten karakter i ett eller flere fag på 8. trinn",
		Summary: "Elevene på 8. trinn får underveisvurdering uten karakter i utvalgte fag.",
		Applicants: []*forsokv1.Applicant{{
			OrganisationNumber: m.org, Name: m.name, Kind: forsokv1.Applicant_KOMMUNE,
			MunicipalityNumber: m.number, CouncilDecision: pastCouncil(m.name + " kommunestyre"),
		}},
		Category: forsokv1.Application_ORGANISATION,
		Purposes: []forsokv1.Application_Purpose{forsokv1.Application_SERVICE_QUALITY},
		Exemptions: []*forsokv1.Exemption{{
			LawId: "LOV-2023-06-09-30", Section: "§ 15-4",
			CurrentRule:    "Elevene skal ha karakter i hvert fag fra 8. trinn.",
			ProposedRule:   "Ingen karakter i valgte fag på 8. trinn i forsøksperioden.",
			OwningMinistry: consultedMin,
		}},
		// The period applied for begins today, so that the harness' approval (from
		// today, never earlier, R18) lies within it.
		PlannedStart:        osloToday().Format(time.DateOnly),
		PlannedEnd:          osloToday().AddDate(3, 0, -1).Format(time.DateOnly),
		EvaluationPlan:      "Følgeevaluering ved et forskningsmiljø.",
		EmployeeInvolvement: "Drøftet med Utdanningsforbundet 2025-05-20.",
		DraftRegulation:     "Forskrift om forsøk med vurdering uten karakter.",
	}
	if withCo {
		c := municipalities[coApplicant]
		app.Applicants = append(app.Applicants, &forsokv1.Applicant{
			OrganisationNumber: c.org, Name: c.name, Kind: forsokv1.Applicant_KOMMUNE, MunicipalityNumber: c.number,
		})
	}
	return app
}

func (h *harness) approveRequest(name string) *forsokv1.ApproveApplicationRequest {
	return &forsokv1.ApproveApplicationRequest{
		Name: name, ApprovedStart: h.start, ApprovedEnd: h.end,
		Reasons: "Forsøket er innenfor forsøksloven § 3 a, og KD støtter det.",
		// Adopted on the decision day and published at once (R18).
		RegulationId: "FOR-" + h.today + "-2001", PublicationReference: "Norsk Lovtidend Avd. I 2026 nr. 2001",
	}
}

// drive creates a case and takes it to sit through the real service, checking every
// step, the way the callers of the domain would.
func (h *harness) drive(t *testing.T, sit situation) fixture {
	t.Helper()
	ctx := context.Background()
	c := h.client
	step := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("fixture %s: %s: %v", situationNames[sit], what, err)
		}
	}
	app, err := c.CreateApplication(h.as(ctx, lead), &forsokv1.CreateApplicationRequest{Application: applicationBody(lead, true)})
	step("create", err)
	f := fixture{name: app.GetName(), consultation: app.GetName() + "/consultations/1"}
	_, err = c.ConfirmParticipation(h.as(ctx, coApplicant), &forsokv1.ConfirmParticipationRequest{
		Name: f.name, OrganisationNumber: coOrg, CouncilDecision: pastCouncil("Råde kommunestyre")})
	step("confirm participation", err)
	want := forsokv1.Application_DRAFT
	if sit >= sitSubmitted {
		_, err = c.SubmitApplication(h.as(ctx, lead), &forsokv1.SubmitApplicationRequest{Name: f.name})
		step("submit", err)
		want = forsokv1.Application_SUBMITTED
	}
	if sit >= sitInReview {
		_, err = c.AssignApplication(h.as(ctx, kddHandler), &forsokv1.AssignApplicationRequest{Name: f.name})
		step("assign", err)
		want = forsokv1.Application_IN_REVIEW
	}
	if sit >= sitInConsultation {
		cons, err := c.CreateConsultation(h.as(ctx, kddHandler), &forsokv1.CreateConsultationRequest{
			Parent: f.name, Consultation: &forsokv1.Consultation{Ministry: consultedMin,
				Question: "Har KD merknader til unntaket fra opplæringsloven § 15-4?", DueWorkingDays: 15}})
		step("create consultation", err)
		f.consultation = cons.GetName()
		want = forsokv1.Application_IN_CONSULTATION
	}
	if sit >= sitReady {
		_, err = c.RespondToConsultation(h.as(ctx, ministryKD), &forsokv1.RespondToConsultationRequest{
			Name: f.consultation, Position: forsokv1.Consultation_SUPPORTS, Statement: "KD støtter forsøket."})
		step("respond to consultation", err)
		want = forsokv1.Application_READY_FOR_DECISION
	}
	if sit >= sitApproved {
		_, err = c.ApproveApplication(h.as(ctx, kddApprover), h.approveRequest(f.name))
		step("approve", err)
		want = forsokv1.Application_APPROVED
	}
	if sit >= sitActive {
		_, err = c.ActivateTrial(h.as(ctx, kddHandler), &forsokv1.ActivateTrialRequest{Name: f.name})
		step("activate", err)
		// The co-applicant's council decides to ask for an extension (R8+), so the lead
		// may request one.
		_, err = c.ConfirmParticipation(h.as(ctx, coApplicant), &forsokv1.ConfirmParticipationRequest{
			Name: f.name, OrganisationNumber: coOrg, CouncilDecision: pastCouncil("Råde kommunestyre")})
		step("co-applicant's extension council decision", err)
		want = forsokv1.Application_ACTIVE
	}
	app, err = c.GetApplication(h.as(ctx, lead), &forsokv1.GetApplicationRequest{Name: f.name})
	step("read back", err)
	if app.GetState() != want {
		t.Fatalf("fixture %s: state %s, want %s", situationNames[sit], app.GetState(), want)
	}
	if f.consultation != f.name+"/consultations/1" {
		t.Fatalf("fixture %s: consultation %s, want %s/consultations/1", situationNames[sit], f.consultation, f.name)
	}
	return f
}

// etag returns the fixture's current etag as its lead applicant sees it, or "" when it
// cannot be read (deleted).
func (h *harness) etag(f fixture) string {
	app, err := h.client.GetApplication(h.as(context.Background(), lead), &forsokv1.GetApplicationRequest{Name: f.name})
	if err != nil {
		return ""
	}
	return app.GetEtag() + "/" + app.GetState().String()
}

// call invokes rpc on f as r with a valid body, and returns the response.
func (h *harness) call(ctx context.Context, rpcName string, r role, f fixture) (proto.Message, error) {
	c := h.client
	ctx = h.as(ctx, r)
	name := f.name
	switch rpcName {
	case "CreateApplication":
		return c.CreateApplication(ctx, &forsokv1.CreateApplicationRequest{Application: applicationBody(r, false)})
	case "ListApplications":
		return c.ListApplications(ctx, &forsokv1.ListApplicationsRequest{PageSize: 1000})
	case "GetWorkflow":
		return c.GetWorkflow(ctx, &forsokv1.GetWorkflowRequest{})
	case "GetStatistics":
		return c.GetStatistics(ctx, &forsokv1.GetStatisticsRequest{})
	case "GetApplication":
		return c.GetApplication(ctx, &forsokv1.GetApplicationRequest{Name: name})
	case "UpdateApplication":
		return c.UpdateApplication(ctx, &forsokv1.UpdateApplicationRequest{
			Application: &forsokv1.Application{Name: name, Title: "Vurdering uten karakter på 8. trinn"},
			UpdateMask:  &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
	case "DeleteApplication":
		return c.DeleteApplication(ctx, &forsokv1.DeleteApplicationRequest{Name: name})
	case "ConfirmParticipation":
		org := municipalities[r].org
		if org == "" {
			org = coOrg
		}
		return c.ConfirmParticipation(ctx, &forsokv1.ConfirmParticipationRequest{
			Name: name, OrganisationNumber: org, CouncilDecision: pastCouncil("Kommunestyret")})
	case "WithdrawParticipation":
		org := municipalities[r].org
		if org == "" {
			org = coOrg
		}
		return c.WithdrawParticipation(ctx, &forsokv1.WithdrawParticipationRequest{Name: name, OrganisationNumber: org,
			Reason: "Kommunestyret opphevet vedtaket om å delta."})
	case "ConfirmLawOwner":
		return c.ConfirmLawOwner(ctx, &forsokv1.ConfirmLawOwnerRequest{Name: name, LawId: "LOV-2023-06-09-30", Ministry: "KD"})
	case "RecordLegalReview":
		return c.RecordLegalReview(ctx, &forsokv1.RecordLegalReviewRequest{Name: name, ExemptionIndex: 0,
			Conclusion: forsokv1.LegalReview_WITHIN_ACT, Reasons: "Ikke en grunnleggende organisasjonsregel."})
	case "SubmitApplication":
		return c.SubmitApplication(ctx, &forsokv1.SubmitApplicationRequest{Name: name, Comment: "Sendt"})
	case "WithdrawApplication":
		return c.WithdrawApplication(ctx, &forsokv1.WithdrawApplicationRequest{Name: name, Reason: "Kommunestyret trakk søknaden."})
	case "AssignApplication":
		return c.AssignApplication(ctx, &forsokv1.AssignApplicationRequest{Name: name, Comment: "Tar saken"})
	case "RecordInterimReply":
		return c.RecordInterimReply(ctx, &forsokv1.RecordInterimReplyRequest{Name: name,
			Text: "Vi har mottatt søknaden og svarer innen to måneder.", ExpectedDecisionDate: h.end})
	case "RequestChanges":
		return c.RequestChanges(ctx, &forsokv1.RequestChangesRequest{Name: name, Questions: "Hvilke fag gjelder forsøket?"})
	case "CreateConsultation":
		return c.CreateConsultation(ctx, &forsokv1.CreateConsultationRequest{Parent: name,
			Consultation: &forsokv1.Consultation{Ministry: "SD", Question: "Berører forsøket skoleskyss?", DueWorkingDays: 10}})
	case "ListConsultations":
		return c.ListConsultations(ctx, &forsokv1.ListConsultationsRequest{Parent: name})
	case "RespondToConsultation":
		return c.RespondToConsultation(ctx, &forsokv1.RespondToConsultationRequest{Name: f.consultation,
			Position: forsokv1.Consultation_SUPPORTS, Statement: "Vi støtter forsøket."})
	case "CancelConsultation":
		return c.CancelConsultation(ctx, &forsokv1.CancelConsultationRequest{Name: f.consultation, Reason: "Ikke lenger nødvendig."})
	case "ApproveApplication":
		return c.ApproveApplication(ctx, h.approveRequest(name))
	case "RejectApplication":
		return c.RejectApplication(ctx, &forsokv1.RejectApplicationRequest{Name: name,
			ReasonCodes: []forsokv1.RejectApplicationRequest_ReasonCode{forsokv1.RejectApplicationRequest_TOO_VAGUE},
			Reasons:     "Søknaden sier ikke hvilke fag forsøket gjelder."})
	case "RecordPublication":
		return c.RecordPublication(ctx, &forsokv1.RecordPublicationRequest{Name: name,
			RegulationId: "FOR-" + h.today + "-2002", PublicationReference: "Norsk Lovtidend Avd. I 2026 nr. 2002"})
	case "ActivateTrial":
		return c.ActivateTrial(ctx, &forsokv1.ActivateTrialRequest{Name: name, Comment: "Forskriften er kunngjort."})
	case "RequestExtension":
		return c.RequestExtension(ctx, &forsokv1.RequestExtensionRequest{Name: name, RequestedEnd: h.extEnd,
			CouncilDecision: pastCouncil("Indre Østfold kommunestyre")})
	case "DecideExtension":
		return c.DecideExtension(ctx, &forsokv1.DecideExtensionRequest{Name: name, Grant: true, ApprovedEnd: h.extEnd,
			AmendingRegulationId: "FOR-2026-11-22-2003", Reasons: "Evalueringen trenger ett år til."})
	case "EndTrialPeriod":
		return c.EndTrialPeriod(ctx, &forsokv1.EndTrialPeriodRequest{Name: name, Comment: "Perioden er over."})
	case "TerminateTrial":
		return c.TerminateTrial(ctx, &forsokv1.TerminateTrialRequest{Name: name,
			Reasons: "Forsøket viste seg å være i strid med loven.", RepealingInstrument: "FOR-2026-11-22-2004"})
	case "BatchTerminateTrials":
		return c.BatchTerminateTrials(ctx, &forsokv1.BatchTerminateTrialsRequest{Names: []string{name},
			Reasons: "Ordningen faller utenfor forsøksloven.", RepealingInstrument: "FOR-2026-11-22-2005"})
	case "SubmitEvaluation":
		return c.SubmitEvaluation(ctx, &forsokv1.SubmitEvaluationRequest{Name: name,
			ReportReference: "https://example.org/evaluering.pdf", Summary: "Forsøket ga bedre læring."})
	case "CloseApplication":
		return c.CloseApplication(ctx, &forsokv1.CloseApplicationRequest{Name: name,
			Outcome: forsokv1.Application_MADE_PERMANENT, Reasons: "Ordningen videreføres i loven."})
	case "ListApplicationEvents":
		return c.ListApplicationEvents(ctx, &forsokv1.ListApplicationEventsRequest{Parent: name})
	case "ListAllowedActions":
		return c.ListAllowedActions(ctx, &forsokv1.ListAllowedActionsRequest{Name: name})
	case "ExportApplicationEvents":
		return c.ExportApplicationEvents(ctx, &forsokv1.ExportApplicationEventsRequest{Parent: name})
	case "ListEvents":
		return c.ListEvents(ctx, &forsokv1.ListEventsRequest{PageSize: 1000})
	case "ListDocuments":
		return c.ListDocuments(ctx, &forsokv1.ListDocumentsRequest{Parent: name})
	case "GetDocument":
		return c.GetDocument(ctx, &forsokv1.GetDocumentRequest{Name: name + "/documents/1"})
	case "ListJournalEntries":
		return c.ListJournalEntries(ctx, &forsokv1.ListJournalEntriesRequest{})
	case "ScreenJournalEntry":
		return c.ScreenJournalEntry(ctx, &forsokv1.ScreenJournalEntryRequest{Name: "journalEntries/2026-999999",
			LegalBasis: "offl. § 13 jf. fvl. § 13 første ledd nr. 1", Fields: []string{"title"}})
	case "SelectApplication":
		return c.SelectApplication(ctx, &forsokv1.SelectApplicationRequest{Name: name, Reasons: "Utvalgt."})
	case "DeclineApplication":
		return c.DeclineApplication(ctx, &forsokv1.DeclineApplicationRequest{Name: name, Reasons: "Ikke prioritert.",
			ReasonCodes: []forsokv1.DeclineApplicationRequest_ReasonCode{forsokv1.DeclineApplicationRequest_NOT_PRIORITISED}})
	case "SelectApplications":
		return c.SelectApplications(ctx, &forsokv1.SelectApplicationsRequest{Call: h.callName, Names: []string{name}, Reasons: "Utvalgt."})
	case "DeclineApplications":
		return c.DeclineApplications(ctx, &forsokv1.DeclineApplicationsRequest{Call: h.callName, Names: []string{name}, Reasons: "Ikke prioritert.",
			ReasonCodes: []forsokv1.DeclineApplicationRequest_ReasonCode{forsokv1.DeclineApplicationRequest_NOT_PRIORITISED}})
	case "CreateCall":
		return c.CreateCall(ctx, &forsokv1.CreateCallRequest{Call: h.callBody()})
	case "UpdateCall":
		return c.UpdateCall(ctx, &forsokv1.UpdateCallRequest{Call: &forsokv1.Call{Name: h.draftCall(), Title: "Ny tittel"},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
	case "PublishCall":
		return c.PublishCall(ctx, &forsokv1.PublishCallRequest{Name: h.draftCall()})
	case "CloseCall":
		return c.CloseCall(ctx, &forsokv1.CloseCallRequest{Name: h.draftCall()})
	case "GetCall":
		return c.GetCall(ctx, &forsokv1.GetCallRequest{Name: h.callName})
	case "ListCalls":
		return c.ListCalls(ctx, &forsokv1.ListCallsRequest{})
	case "GetCallStatistics":
		return c.GetCallStatistics(ctx, &forsokv1.GetCallStatisticsRequest{Name: h.callName + "/statistics"})
	}
	return nil, fmt.Errorf("test has no call for RPC %s", rpcName)
}

// checkCode compares the status of err with want and reports a mismatch with the
// server's message.
func checkCode(t *testing.T, err error, want codes.Code) {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != want {
		t.Errorf("got %s (%q), want %s", st.Code(), st.Message(), want)
	}
}

func TestAuthorizationMatrix(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	for sit := range numSituations {
		h.shared[sit] = h.drive(t, sit)
	}

	// Every RPC of the service is in the matrix, once.
	var covered []string
	for _, row := range caseMatrix {
		covered = append(covered, row.rpc)
	}
	for _, row := range globalMatrix {
		covered = append(covered, row.rpc)
	}
	methods := forsokv1.ApplicationService_ServiceDesc.Methods
	for _, m := range methods {
		if n := countOf(covered, m.MethodName); n != 1 {
			t.Errorf("RPC %s is in the matrix %d times, want once", m.MethodName, n)
		}
	}
	if len(covered) != len(methods) {
		t.Errorf("matrix has %d RPCs, the service %d", len(covered), len(methods))
	}

	combos := 0
	for _, row := range caseMatrix {
		for sit := range numSituations {
			want := row.want[sit]
			if len(want) != int(numRoles) {
				t.Fatalf("%s/%s: %d codes, want %d", row.rpc, situationNames[sit], len(want), numRoles)
			}
			for r := range numRoles {
				wantCode, ok := codeOf[want[r]]
				if !ok {
					t.Fatalf("%s/%s: unknown code %q", row.rpc, situationNames[sit], want[r])
				}
				combos++
				t.Run(row.rpc+"/"+situationNames[sit]+"/"+roleNames[r], func(t *testing.T) {
					// A change that succeeds gets its own case; everything else runs on the
					// shared case of the situation, which must come out unchanged, so the
					// order of the subtests cannot matter.
					own := wantCode == codes.OK && !readOnly[row.rpc]
					f := h.shared[sit]
					before := ""
					if own {
						f = h.drive(t, sit)
						h.fresh++
					} else if !readOnly[row.rpc] {
						before = h.etag(f)
					}
					resp, err := h.call(ctx, row.rpc, r, f)
					checkCode(t, err, wantCode)
					if err == nil {
						checkView(t, row.rpc, sit, r, resp)
					}
					if !own && !readOnly[row.rpc] {
						if after := h.etag(f); after != before {
							t.Errorf("the call changed the shared %s case (%s → %s); rebuilding it", situationNames[sit], before, after)
							h.shared[sit] = h.drive(t, sit)
							h.rebuilds++
						}
					}
				})
			}
		}
	}
	for _, row := range globalMatrix {
		for r := range numRoles {
			wantCode := codeOf[row.want[r]]
			combos++
			t.Run(row.rpc+"/"+roleNames[r], func(t *testing.T) {
				resp, err := h.call(ctx, row.rpc, r, fixture{})
				checkCode(t, err, wantCode)
				if row.rpc == "ListApplications" && err == nil {
					checkListed(t, h, r, resp.(*forsokv1.ListApplicationsResponse))
				}
			})
		}
	}
	t.Logf("matrix: %d combinations (%d case RPCs × %d situations × %d callers + %d global RPCs × %d callers); %d fresh cases, %d shared-case rebuilds",
		combos, len(caseMatrix), numSituations, numRoles, len(globalMatrix), numRoles, h.fresh, h.rebuilds)
}

func countOf(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

// publicViewer reports whether r sees a public case through the public register only
// (domain.md: not an applicant, not KDD, not a consulted ministry).
func publicViewer(r role) bool {
	return r == anonymous || r == unrelated || r == ministryHOD || r == admin
}

// checkView checks what a successful read shows: the public register never shows
// handlers or deciding persons; applicants never see ministries' statements.
func checkView(t *testing.T, rpcName string, sit situation, r role, resp proto.Message) {
	t.Helper()
	switch rpcName {
	case "GetApplication":
		app := resp.(*forsokv1.Application)
		if sit >= sitApproved && publicViewer(r) {
			if app.GetAssignedHandler() != nil || app.GetDecision().GetDecidedBy() != nil {
				t.Errorf("public view shows persons: handler %v, decided by %v", app.GetAssignedHandler(), app.GetDecision().GetDecidedBy())
			}
		} else if sit >= sitInReview && app.GetAssignedHandler() == nil {
			t.Errorf("full view lacks the assigned handler")
		}
	case "ListConsultations":
		cons := resp.(*forsokv1.ListConsultationsResponse).GetConsultations()
		wantN := 0
		if sit >= sitInConsultation {
			wantN = 1
		}
		if len(cons) != wantN {
			t.Fatalf("%d consultations, want %d", len(cons), wantN)
		}
		if wantN == 1 && sit >= sitReady {
			hasStatement := cons[0].GetResponse().GetStatement() != ""
			if wantStatement := r != lead && r != coApplicant; hasStatement != wantStatement {
				t.Errorf("consultation shows a statement: %v, want %v (applicants never see ministries' statements)", hasStatement, wantStatement)
			}
		}
	}
}

// listed is, by hand, which shared cases each caller finds in ListApplications (L) and
// which not (-), per situation in the order of the matrix's columns. It follows
// ListApplications' documented reading of domain.md: a municipality lists its own
// cases, a ministry the cases it was consulted on, KDD every non-draft case, the
// anonymous caller and the operator the public register.
//
// DESIGN QUESTION: the unrelated municipality and the ministry never consulted can read
// an APPROVED or ACTIVE case with GetApplication (public register) but do not find it in
// their list; only without a token do they list the public register. Defensible as a
// working list ("my cases"), but not stated in domain.md or api.md.
var listed = [numRoles]string{
	anonymous:   "-----LL",
	lead:        "LLLLLLL",
	coApplicant: "LLLLLLL",
	unrelated:   "-------",
	ministryKD:  "---LLLL",
	ministryHOD: "-------",
	kddHandler:  "-LLLLLL",
	kddApprover: "-LLLLLL",
	admin:       "-----LL",
}

// checkListed checks that the list shows each shared case to exactly the callers in
// listed.
func checkListed(t *testing.T, h *harness, r role, resp *forsokv1.ListApplicationsResponse) {
	t.Helper()
	if resp.GetNextPageToken() != "" {
		t.Fatalf("list has more than one page; the test expects one")
	}
	var names []string
	for _, a := range resp.GetApplications() {
		names = append(names, a.GetName())
	}
	for sit := range numSituations {
		want := listed[r][sit] == 'L'
		if got := slices.Contains(names, h.shared[sit].name); got != want {
			t.Errorf("%s case listed: %v, want %v", situationNames[sit], got, want)
		}
	}
}

// TestRequestOrder pins the order of api.md with bodies that are invalid, etags that are
// stale and request ids reused, so that each step shows where it sits.
func TestRequestOrder(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	draft := h.drive(t, sitDraft)
	review := h.drive(t, sitInReview)
	ready := h.drive(t, sitReady)
	approved := h.drive(t, sitApproved)
	empty := func(f fixture) *forsokv1.ApproveApplicationRequest {
		return &forsokv1.ApproveApplicationRequest{Name: f.name}
	}
	stale := func(f fixture) *forsokv1.ApproveApplicationRequest {
		req := h.approveRequest(f.name)
		req.Etag = "999"
		return req
	}
	for _, tc := range []struct {
		name string
		r    role
		req  *forsokv1.ApproveApplicationRequest
		want codes.Code
	}{
		{"anonymous, invalid body", anonymous, empty(ready), codes.Unauthenticated},
		{"invisible draft, invalid body", unrelated, empty(draft), codes.NotFound},
		{"KDD cannot see a draft, invalid body", kddApprover, empty(draft), codes.NotFound},
		{"visible, wrong role, invalid body", kddHandler, empty(ready), codes.PermissionDenied},
		{"public case, wrong role, invalid body", unrelated, empty(approved), codes.PermissionDenied},
		{"wrong role, stale etag", kddHandler, stale(ready), codes.PermissionDenied},
		// Field validation comes before the state: the approved case cannot be approved
		// again, but an empty body is reported first.
		{"invalid body in a wrong state", kddApprover, empty(approved), codes.InvalidArgument},
		{"stale etag in a wrong state", kddApprover, stale(approved), codes.Aborted},
		{"stale etag", kddApprover, stale(ready), codes.Aborted},
		{"valid body, consultation missing", kddApprover, h.approveRequest(review.name), codes.FailedPrecondition},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.client.ApproveApplication(h.as(ctx, tc.r), tc.req)
			checkCode(t, err, tc.want)
		})
	}

	t.Run("bad token on the public register", func(t *testing.T) {
		bad := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer not.a.token")
		_, err := h.client.GetApplication(bad, &forsokv1.GetApplicationRequest{Name: approved.name})
		checkCode(t, err, codes.Unauthenticated)
	})

	t.Run("R10 named in the precondition failure", func(t *testing.T) {
		_, err := h.client.ApproveApplication(h.as(ctx, kddApprover), h.approveRequest(review.name))
		checkCode(t, err, codes.FailedPrecondition)
		var rules []string
		reason := ""
		for _, d := range status.Convert(err).Details() {
			switch d := d.(type) {
			case *errdetails.PreconditionFailure:
				for _, v := range d.GetViolations() {
					rules = append(rules, v.GetType())
				}
			case *errdetails.ErrorInfo:
				reason = d.GetReason()
			}
		}
		if !slices.Equal(rules, []string{"R10"}) || reason != "CONSULTATION_MISSING" {
			t.Errorf("violations %v, reason %q; want [R10], CONSULTATION_MISSING", rules, reason)
		}
	})

	t.Run("requestId replays before the state is checked", func(t *testing.T) {
		f := h.drive(t, sitReady)
		req := h.approveRequest(f.name)
		req.RequestId = "7d0c4c1e-approve"
		first, err := h.client.ApproveApplication(h.as(ctx, kddApprover), req)
		checkCode(t, err, codes.OK)
		// The case is APPROVED now, yet the same request gets the first answer again.
		again, err := h.client.ApproveApplication(h.as(ctx, kddApprover), req)
		checkCode(t, err, codes.OK)
		if err == nil && !proto.Equal(first, again) {
			t.Errorf("replay differs from the first answer")
		}
		// The same id with a different request is refused as such, not as a wrong state.
		other := proto.Clone(req).(*forsokv1.ApproveApplicationRequest)
		other.Reasons = "Andre grunner."
		_, err = h.client.ApproveApplication(h.as(ctx, kddApprover), other)
		checkCode(t, err, codes.InvalidArgument)
		// Another caller's id is its own: the handler is refused for its role.
		_, err = h.client.ApproveApplication(h.as(ctx, kddHandler), req)
		checkCode(t, err, codes.PermissionDenied)
	})
}

// TestAuthorizationMatrixREST runs a sample of the matrix through the gateway: the
// HTTP status follows from the gRPC code (401, 403, 404, 400), and the error body
// carries the gRPC code.
func TestAuthorizationMatrixREST(t *testing.T) {
	h := newHarness(t)
	srv := httptest.NewServer(h.gateway)
	t.Cleanup(srv.Close)
	var fx [numSituations]fixture
	for _, sit := range []situation{sitDraft, sitInReview, sitReady, sitApproved} {
		fx[sit] = h.drive(t, sit)
	}
	b, err := json.Marshal(map[string]string{"approvedStart": h.start, "approvedEnd": h.end, "reasons": "Innenfor § 3 a."})
	if err != nil {
		t.Fatal(err)
	}
	approve := string(b)
	respond := `{"position":"SUPPORTS","statement":"Vi støtter forsøket."}`
	for _, tc := range []struct {
		name   string
		r      role
		sit    situation
		fresh  bool // a change that succeeds gets its own case
		method string
		path   string // %s is the case's resource name, %c the consultation's
		body   string
		want   int
		code   codes.Code
	}{
		{"anonymous submits", anonymous, sitDraft, false, "POST", "/v1/%s:submit", `{}`, 401, codes.Unauthenticated},
		{"unrelated municipality submits a draft", unrelated, sitDraft, false, "POST", "/v1/%s:submit", `{}`, 404, codes.NotFound},
		{"approver reads a draft", kddApprover, sitDraft, false, "GET", "/v1/%s", "", 404, codes.NotFound},
		{"anonymous reads a draft", anonymous, sitDraft, false, "GET", "/v1/%s", "", 404, codes.NotFound},
		{"anonymous reads an approved case", anonymous, sitApproved, false, "GET", "/v1/%s", "", 200, codes.OK},
		{"unrelated municipality approves a public case", unrelated, sitApproved, false, "POST", "/v1/%s:approve", approve, 403, codes.PermissionDenied},
		{"handler approves", kddHandler, sitReady, false, "POST", "/v1/%s:approve", approve, 403, codes.PermissionDenied},
		{"approver approves without consultation", kddApprover, sitInReview, false, "POST", "/v1/%s:approve", approve, 400, codes.FailedPrecondition},
		{"approver approves", kddApprover, sitReady, true, "POST", "/v1/%s:approve", "", 200, codes.OK},
		{"lead withdraws without a reason", lead, sitInReview, false, "POST", "/v1/%s:withdraw", `{"reason":""}`, 400, codes.InvalidArgument},
		{"other ministry responds", ministryHOD, sitInConsultation, true, "POST", "/v1/%c:respond", respond, 404, codes.NotFound},
		{"consulted ministry responds", ministryKD, sitInConsultation, true, "POST", "/v1/%c:respond", respond, 200, codes.OK},
		{"unrelated municipality lists a public case's consultations", unrelated, sitApproved, false, "GET", "/v1/%s/consultations", "", 403, codes.PermissionDenied},
		{"anonymous lists history", anonymous, sitApproved, false, "GET", "/v1/%s/events", "", 401, codes.Unauthenticated},
		{"anonymous reads the workflow", anonymous, sitDraft, false, "GET", "/v1/workflow", "", 200, codes.OK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := fx[tc.sit]
			if tc.fresh {
				f = h.drive(t, tc.sit)
			}
			body := tc.body
			if body == "" && tc.method == "POST" {
				body = approve
			}
			path := strings.NewReplacer("%s", f.name, "%c", f.consultation).Replace(tc.path)
			req, err := http.NewRequest(tc.method, srv.URL+path, strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			if tc.r != anonymous {
				req.Header.Set("Authorization", "Bearer "+h.tokens[tc.r])
			}
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			if res.StatusCode != tc.want {
				t.Errorf("%s %s: HTTP %d, want %d: %s", tc.method, path, res.StatusCode, tc.want, b)
			}
			if tc.code != codes.OK {
				var e struct {
					Code int `json:"code"`
				}
				if err := json.Unmarshal(b, &e); err != nil || codes.Code(e.Code) != tc.code {
					t.Errorf("error body code %d (%v), want %d (%s): %s", e.Code, err, tc.code, tc.code, b)
				}
			}
		})
	}
}

// TestApplicantHistoryHidesMinistryPosition: domain.md lets the applicants see their
// consultations' status and due dates, not the ministries' statements, and
// ListConsultations hides the whole response (position and statement) from them. The
// history they may read must not give the response away either.
func TestApplicantHistoryHidesMinistryPosition(t *testing.T) {
	h := newHarness(t)
	f := h.drive(t, sitReady)
	for _, r := range []role{lead, coApplicant} {
		res, err := h.client.ListApplicationEvents(h.as(context.Background(), r), &forsokv1.ListApplicationEventsRequest{Parent: f.name})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range res.GetEvents() {
			for _, position := range forsokv1.Consultation_Position_name {
				if e.GetAction() == string(trial.ActionRespondToConsultation) && position != "POSITION_UNSPECIFIED" && strings.Contains(e.GetComment(), position) {
					t.Errorf("%s reads the ministry's position in the history (event %s comment %q), which the consultation view hides",
						roleNames[r], e.GetName(), e.GetComment())
				}
			}
		}
	}
}
