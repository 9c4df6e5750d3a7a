// Package loadgen drives forsok the way its users do, for the benchmark (cmd/forsok-bench)
// and the crash test (cmd/forsok-crash): municipalities create, edit and submit
// applications, a KDD case handler takes them and consults the owning ministry, the
// ministry answers, a KDD approver approves. Each step is one write action, over gRPC or
// over REST, with development tokens minted on the server's key.
package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
	"github.com/forsok/forsok/internal/auth"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

// Municipality is an applicant.
type Municipality struct {
	Org    string // organisation number
	Name   string
	Number string // municipality number
}

// Municipalities returns n applicants with valid organisation numbers (synthetic,
// except the first: Indre Østfold, the README's example) and municipality numbers in
// force from the reference data's register (R2+), taken in turn; past the register's
// length numbers repeat with other organisations. The same n gives the same list.
func Municipalities(n int) []Municipality {
	out := []Municipality{{Org: auth.DefaultDevMunicipality, Name: "Indre Østfold kommune", Number: "3118"}}
	var inForce []trial.RegisterEntry
	for _, e := range trial.DefaultReference().Register.Municipalities {
		if e.ValidTo == "" && e.Number != "3118" {
			inForce = append(inForce, e)
		}
	}
	org := 921000000
	for i := 0; len(out) < n; i++ {
		for !trial.ValidOrganisationNumber(fmt.Sprint(org)) {
			org++
		}
		e := inForce[i%len(inForce)]
		out = append(out, Municipality{Org: fmt.Sprint(org), Name: e.Name + " kommune", Number: e.Number})
		org++
	}
	return out
}

// Application returns the README's example application with m as the lead applicant,
// as the JSON a municipality sends.
func Application(m Municipality) map[string]any {
	return map[string]any{
		"title":   "Vurdering uten karakter i ett eller flere fag på 8. trinn",
		"summary": "Elevene på 8. trinn får underveisvurdering uten karakter i utvalgte fag, for å styrke læringen.",
		"applicants": []any{map[string]any{
			"organisationNumber": m.Org,
			"name":               m.Name,
			"kind":               "KOMMUNE",
			"municipalityNumber": m.Number,
			"councilDecision":    map[string]any{"body": m.Name + " kommunestyre", "caseReference": "2026/311", "meetingDate": "2026-06-12"},
		}},
		"category": "ORGANISATION",
		"purposes": []string{"SERVICE_QUALITY"},
		"exemptions": []any{map[string]any{
			"lawId":          "LOV-2023-06-09-30",
			"section":        "§ 15-4",
			"currentRule":    "Elevene skal ha karakter i hvert fag fra 8. trinn.",
			"proposedRule":   "Ingen karakter i valgte fag på 8. trinn i forsøksperioden.",
			"owningMinistry": "KD",
		}},
		"plannedStart":        "2027-08-01",
		"plannedEnd":          "2030-07-31",
		"evaluationPlan":      "Følgeevaluering ved et uavhengig forskningsmiljø, med midtveis- og sluttrapport.",
		"employeeInvolvement": "Drøftet med Utdanningsforbundet og Fagforbundet 2026-05-20; protokoll i sak 2026/298.",
		"draftRegulation":     "Forskrift om forsøk med vurdering uten karakter på 8. trinn.",
	}
}

// Tokens are the development tokens of the roles the workflow needs.
type Tokens struct {
	municipality map[string]string // by organisation number
	Handler      string
	Approver     string
	Ministry     string // KD, which owns the Education Act of the example
}

// Municipality returns the token of the applicant org.
func (t *Tokens) Municipality(org string) string { return t.municipality[org] }

// NewTokens mints tokens on the server's development key, valid for ttl from now.
func NewTokens(key *auth.DevKey, ms []Municipality, now time.Time, ttl time.Duration) (*Tokens, error) {
	ref := trial.DefaultReference()
	ministryOrg := func(code string) (string, bool) {
		m, ok := ref.Ministry(code)
		return m.OrganisationNumber, ok
	}
	mint := func(opts auth.DevTokenOptions) (string, error) {
		opts.TTL = ttl
		return key.Mint(opts, now, ministryOrg)
	}
	t := &Tokens{municipality: map[string]string{}}
	var err error
	for _, m := range ms {
		if t.municipality[m.Org], err = mint(auth.DevTokenOptions{Role: trial.RoleMunicipality, Organisation: m.Org}); err != nil {
			return nil, err
		}
	}
	if t.Handler, err = mint(auth.DevTokenOptions{Role: trial.RoleKDDHandler}); err != nil {
		return nil, err
	}
	if t.Approver, err = mint(auth.DevTokenOptions{Role: trial.RoleKDDApprover}); err != nil {
		return nil, err
	}
	if t.Ministry, err = mint(auth.DevTokenOptions{Role: trial.RoleMinistry, Ministry: "KD"}); err != nil {
		return nil, err
	}
	return t, nil
}

// Action is one step of the lifecycle.
type Action string

// The lifecycle, in order; each is one write action (one history event).
const (
	Create  Action = "create"
	Update  Action = "update"
	Submit  Action = "submit"
	Assign  Action = "assign"
	Consult Action = "createConsultation"
	Respond Action = "respondToConsultation"
	Approve Action = "approve"
)

// Lifecycle is the order the actions come in on one case.
var Lifecycle = []Action{Create, Update, Submit, Assign, Consult, Respond, Approve}

// StateAfter is the case's state after each action.
var StateAfter = map[Action]string{
	Create: "DRAFT", Update: "DRAFT", Submit: "SUBMITTED", Assign: "IN_REVIEW",
	Consult: "IN_CONSULTATION", Respond: "READY_FOR_DECISION", Approve: "APPROVED",
}

// Case is one case going through the lifecycle.
type Case struct {
	Municipality Municipality
	Name         string // "applications/2026-000042", once created
	Consultation string // the consultation's name, once created
	Done         int    // how many actions of Lifecycle have been acknowledged
}

// Next returns the next action, or "" when the lifecycle is complete.
func (c *Case) Next() Action {
	if c.Done >= len(Lifecycle) {
		return ""
	}
	return Lifecycle[c.Done]
}

// Result is what the server answered to an action.
type Result struct {
	Name  string // the application's or consultation's name
	State string // its state
	Etag  string // the application's etag ("" for a consultation)
}

// Client carries out actions on a running server.
type Client interface {
	// Do carries out c's next action and, when the server acknowledges it, records it
	// in c (Done, Name, Consultation).
	Do(ctx context.Context, c *Case) (Result, error)
}

// GRPC is a Client over gRPC.
type GRPC struct {
	API    forsokv1.ApplicationServiceClient
	Tokens *Tokens
}

// NewGRPC returns a Client on conn.
func NewGRPC(conn grpc.ClientConnInterface, tokens *Tokens) *GRPC {
	return &GRPC{API: forsokv1.NewApplicationServiceClient(conn), Tokens: tokens}
}

func as(ctx context.Context, token string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
}

// Do implements Client.
func (g *GRPC) Do(ctx context.Context, c *Case) (Result, error) {
	var (
		app *forsokv1.Application
		con *forsokv1.Consultation
		err error
	)
	muni := as(ctx, g.Tokens.Municipality(c.Municipality.Org))
	switch a := c.Next(); a {
	case Create:
		body, _ := json.Marshal(Application(c.Municipality))
		draft := new(forsokv1.Application)
		if err := protojson.Unmarshal(body, draft); err != nil {
			return Result{}, err
		}
		app, err = g.API.CreateApplication(muni, &forsokv1.CreateApplicationRequest{Application: draft})
	case Update:
		app, err = g.API.UpdateApplication(muni, &forsokv1.UpdateApplicationRequest{
			Application: &forsokv1.Application{Name: c.Name, Title: "Vurdering uten karakter på 8. trinn (revidert)"},
			UpdateMask:  &fieldmaskpb.FieldMask{Paths: []string{"title"}},
		})
	case Submit:
		app, err = g.API.SubmitApplication(muni, &forsokv1.SubmitApplicationRequest{Name: c.Name})
	case Assign:
		app, err = g.API.AssignApplication(as(ctx, g.Tokens.Handler), &forsokv1.AssignApplicationRequest{Name: c.Name})
	case Consult:
		con, err = g.API.CreateConsultation(as(ctx, g.Tokens.Handler), &forsokv1.CreateConsultationRequest{
			Parent:       c.Name,
			Consultation: &forsokv1.Consultation{Ministry: "KD", Question: "Støtter KD forsøket?", DueWorkingDays: 15},
		})
	case Respond:
		con, err = g.API.RespondToConsultation(as(ctx, g.Tokens.Ministry), &forsokv1.RespondToConsultationRequest{
			Name: c.Consultation, Position: forsokv1.Consultation_SUPPORTS, Statement: "KD støtter forsøket.",
		})
	case Approve:
		app, err = g.API.ApproveApplication(as(ctx, g.Tokens.Approver), &forsokv1.ApproveApplicationRequest{
			Name: c.Name, ApprovedStart: "2027-08-01", ApprovedEnd: "2030-07-31", Reasons: "Godt begrunnet.",
		})
	default:
		return Result{}, fmt.Errorf("loadgen: the case's lifecycle is complete")
	}
	if err != nil {
		return Result{}, err
	}
	var r Result
	if app != nil {
		r = Result{Name: app.GetName(), State: app.GetState().String(), Etag: app.GetEtag()}
	} else {
		r = Result{Name: con.GetName(), State: con.GetState().String()}
	}
	return r, c.acknowledged(r)
}

// acknowledged records an acknowledged action in c.
func (c *Case) acknowledged(r Result) error {
	switch c.Next() {
	case Create:
		if !strings.HasPrefix(r.Name, "applications/") {
			return fmt.Errorf("loadgen: create answered with name %q", r.Name)
		}
		c.Name = r.Name
	case Consult:
		c.Consultation = r.Name
	}
	c.Done++
	return nil
}

// REST is a Client over the JSON/REST gateway.
type REST struct {
	HTTP   *http.Client
	Base   string // "http://127.0.0.1:8080"
	Tokens *Tokens
}

// StatusError is a REST error answer.
type StatusError struct {
	Status int
	Body   string
}

func (e *StatusError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.Status, e.Body) }

// Do implements Client.
func (h *REST) Do(ctx context.Context, c *Case) (Result, error) {
	var (
		method = http.MethodPost
		path   string
		token  string
		body   any = map[string]any{}
	)
	muni := h.Tokens.Municipality(c.Municipality.Org)
	switch a := c.Next(); a {
	case Create:
		path, token, body = "/v1/applications", muni, Application(c.Municipality)
	case Update:
		method, path, token = http.MethodPatch, "/v1/"+c.Name+"?updateMask=title", muni
		body = map[string]any{"title": "Vurdering uten karakter på 8. trinn (revidert)"}
	case Submit:
		path, token = "/v1/"+c.Name+":submit", muni
	case Assign:
		path, token = "/v1/"+c.Name+":assign", h.Tokens.Handler
	case Consult:
		path, token = "/v1/"+c.Name+"/consultations", h.Tokens.Handler
		body = map[string]any{"ministry": "KD", "question": "Støtter KD forsøket?", "dueWorkingDays": 15}
	case Respond:
		path, token = "/v1/"+c.Consultation+":respond", h.Tokens.Ministry
		body = map[string]any{"position": "SUPPORTS", "statement": "KD støtter forsøket."}
	case Approve:
		path, token = "/v1/"+c.Name+":approve", h.Tokens.Approver
		body = map[string]any{"approvedStart": "2027-08-01", "approvedEnd": "2030-07-31", "reasons": "Godt begrunnet."}
	default:
		return Result{}, fmt.Errorf("loadgen: the case's lifecycle is complete")
	}
	data, err := json.Marshal(body)
	if err != nil {
		return Result{}, err
	}
	req, err := http.NewRequestWithContext(ctx, method, h.Base+path, bytes.NewReader(data))
	if err != nil {
		return Result{}, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.HTTP.Do(req)
	if err != nil {
		return Result{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return Result{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return Result{}, &StatusError{Status: resp.StatusCode, Body: string(raw)}
	}
	var r Result
	if err := json.Unmarshal(raw, &r); err != nil {
		return Result{}, fmt.Errorf("loadgen: decode answer: %w", err)
	}
	return r, c.acknowledged(r)
}

// Service is a Client that calls the workflow in process, without a transport: the
// benchmark seeds its store with it.
type Service struct {
	Svc          *workflow.Service
	municipality map[string]trial.Actor
	handler      trial.Actor
	approver     trial.Actor
	ministry     trial.Actor
}

// Authenticator turns a token into the caller, as the transport does.
type Authenticator interface {
	Authenticate(ctx context.Context, authorization string) (trial.Actor, error)
}

// NewService returns a Client calling svc as the callers the tokens authenticate as.
func NewService(ctx context.Context, svc *workflow.Service, authn Authenticator, tokens *Tokens) (*Service, error) {
	actor := func(token string) (trial.Actor, error) { return authn.Authenticate(ctx, "Bearer "+token) }
	s := &Service{Svc: svc, municipality: map[string]trial.Actor{}}
	var err error
	for org, token := range tokens.municipality {
		if s.municipality[org], err = actor(token); err != nil {
			return nil, err
		}
	}
	if s.handler, err = actor(tokens.Handler); err != nil {
		return nil, err
	}
	if s.approver, err = actor(tokens.Approver); err != nil {
		return nil, err
	}
	if s.ministry, err = actor(tokens.Ministry); err != nil {
		return nil, err
	}
	return s, nil
}

// Do implements Client.
func (s *Service) Do(ctx context.Context, c *Case) (Result, error) {
	var (
		app *trial.Application
		con *trial.Consultation
		err error
	)
	call := func(actor trial.Actor, method string) workflow.Call {
		return workflow.Call{Actor: actor, Method: "/forsok.v1.ApplicationService/" + method}
	}
	muni := s.municipality[c.Municipality.Org]
	var id string
	if c.Name != "" {
		if id, err = trial.ParseApplicationName(c.Name, "name"); err != nil {
			return Result{}, err
		}
	}
	switch a := c.Next(); a {
	case Create:
		body, _ := json.Marshal(Application(c.Municipality))
		draft := new(trial.Application)
		if err := json.Unmarshal(body, draft); err != nil {
			return Result{}, err
		}
		app, err = s.Svc.CreateApplication(ctx, call(muni, "CreateApplication"), draft)
	case Update:
		app, err = s.Svc.UpdateApplication(ctx, call(muni, "UpdateApplication"), id,
			&trial.Application{Title: "Vurdering uten karakter på 8. trinn (revidert)"}, []string{"title"})
	case Submit:
		app, err = s.Svc.SubmitApplication(ctx, call(muni, "SubmitApplication"), id, "")
	case Assign:
		app, err = s.Svc.AssignApplication(ctx, call(s.handler, "AssignApplication"), id, trial.Person{}, "")
	case Consult:
		con, err = s.Svc.CreateConsultation(ctx, call(s.handler, "CreateConsultation"), id,
			trial.ConsultationInput{Ministry: "KD", Question: "Støtter KD forsøket?", DueWorkingDays: 15})
	case Respond:
		appID, cid, perr := trial.ParseConsultationName(c.Consultation, "name")
		if perr != nil {
			return Result{}, perr
		}
		con, err = s.Svc.RespondToConsultation(ctx, call(s.ministry, "RespondToConsultation"), appID, cid,
			trial.ResponseInput{Position: trial.PositionSupports, Statement: "KD støtter forsøket."})
	case Approve:
		app, err = s.Svc.ApproveApplication(ctx, call(s.approver, "ApproveApplication"), id,
			trial.ApproveInput{ApprovedStart: "2027-08-01", ApprovedEnd: "2030-07-31", Reasons: "Godt begrunnet."})
	default:
		return Result{}, fmt.Errorf("loadgen: the case's lifecycle is complete")
	}
	if err != nil {
		return Result{}, err
	}
	var r Result
	if app != nil {
		r = Result{Name: trial.ApplicationName(app.ID), State: string(app.State), Etag: trial.Etag(app)}
	} else {
		r = Result{Name: trial.ConsultationName(con.ApplicationID, con.ID), State: string(con.State)}
	}
	return r, c.acknowledged(r)
}
