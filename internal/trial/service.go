package trial

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Service runs the workflow: every action in the order api.md prescribes (visibility,
// role, field validation, requestId, etag, state and guards) and then one write
// transaction holding the case, its consultations, the history event and the request
// record. Authentication happens before, in the transport; the Actor is its result.
type Service struct {
	Store     Store
	Reference *Reference
	// Now is the clock, read once per action.
	Now func() time.Time
	// Location is the calendar the law's dates are read in (Europe/Oslo).
	Location *time.Location
	// DefaultDueWorkingDays is used for a consultation given neither a due date nor a
	// number of working days.
	DefaultDueWorkingDays int
	// Schedule holds the deadlines the timers follow (schedule.go).
	Schedule Schedule
	// Webhooks configures subscriptions (subscription.go).
	Webhooks WebhookConfig

	// feed wakes the event feed's watchers after each committed write (feed.go).
	feed broadcaster
}

// NewService returns a Service with the Europe/Oslo calendar and the system clock.
func NewService(store Store, ref *Reference) (*Service, error) {
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		return nil, fmt.Errorf("load Europe/Oslo time zone: %w", err)
	}
	return &Service{Store: store, Reference: ref, Now: time.Now, Location: loc, DefaultDueWorkingDays: 15, Schedule: DefaultSchedule(loc)}, nil
}

// Call is what the transport knows about a request besides its body.
type Call struct {
	Actor Actor
	// Method is the RPC name; a requestId is scoped to the caller and the method.
	Method string
	// RequestID makes a retry safe (AIP-155); empty means none.
	RequestID string
	// Fingerprint identifies the request's content without its requestId, so that the
	// same id with a different request can be refused.
	Fingerprint string
	// Etag, when set, must equal the case's current etag (AIP-154).
	Etag string
}

// today returns the calendar date in Europe/Oslo at now, as UTC midnight, the form
// ParseDate returns.
func (s *Service) today(now time.Time) time.Time {
	y, m, d := now.In(s.Location).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// requireCaller refuses the anonymous caller where a token is needed.
func requireCaller(actor Actor) error {
	if actor.Role == RolePublic {
		return Errorf(CodeUnauthenticated, "this method needs a bearer token")
	}
	return nil
}

func notFound(id string) error {
	return Errorf(CodeNotFound, "application %s not found", ApplicationName(id))
}

// action is one run of the request order on one case, inside a write transaction.
type action struct {
	tx    Tx
	now   time.Time
	today time.Time
	app   *Application
	cons  []*Consultation
	from  State
	event *Event
}

// openConsultations returns the consultations still awaiting an answer.
func (a *action) openConsultations() []*Consultation {
	var open []*Consultation
	for _, c := range a.cons {
		if c.State == ConsultationRequested {
			open = append(open, c)
		}
	}
	return open
}

// step describes an action on one case for run.
type step struct {
	action Action
	id     string
	// consultationID names the consultation of a consultation action.
	consultationID string
	// validate checks the request's fields (INVALID_ARGUMENT), given the stored case;
	// may be nil.
	validate func(a *action) []Violation
	// guards returns the legal guards that fail (FAILED_PRECONDITION); may be nil.
	guards func(a *action) []Violation
	// apply changes a.app (and consultations through a.tx) and sets a.event's comment
	// and changes. The target state has been set on a.app already.
	apply func(a *action) error
	// result is what the call answers: the application by default.
	result func(a *action) any
}

// run executes the request order for one action on one case and returns the JSON of
// the answer, which the caller decodes (so replays and first answers take one path).
func (s *Service) run(ctx context.Context, call Call, st step) ([]byte, error) {
	if err := requireCaller(call.Actor); err != nil {
		return nil, err
	}
	var answer []byte
	err := s.update(ctx, func(tx Tx) error {
		var err error
		answer, err = s.runIn(tx, s.now(), call, st)
		return err
	})
	return answer, err
}

// runIn is run inside a transaction the caller owns, so that several cases can change
// in one write (R13).
func (s *Service) runIn(tx Tx, now time.Time, call Call, st step) ([]byte, error) {
	a := &action{tx: tx, now: now, today: s.today(now)}
	app, err := tx.Application(st.id)
	if errors.Is(err, ErrNotFound) {
		if st.action == ActionDelete {
			// A retried delete finds the draft gone; its first answer still stands.
			if rec, err := s.replay(tx, call); rec != nil || err != nil {
				return rec, err
			}
		}
		return nil, notFound(st.id)
	}
	if err != nil {
		return nil, err
	}
	cons, err := tx.Consultations(st.id)
	if err != nil {
		return nil, err
	}
	a.app, a.cons, a.from = app, cons, app.State
	view := ViewOf(call.Actor, app, cons)
	if view == ViewNone {
		return nil, notFound(st.id)
	}
	ministry := ""
	if st.consultationID != "" {
		// Consultations are not in the public register: to a caller with the public
		// view, one that exists is as absent as one that does not.
		c := a.consultation(st.consultationID)
		if c == nil || view != ViewFull || !consultationVisible(call.Actor, c) {
			return nil, Errorf(CodeNotFound, "consultation %s/consultations/%s not found", ApplicationName(st.id), st.consultationID)
		}
		ministry = c.Ministry
	}
	if err := Permitted(call.Actor, st.action, app, ministry); err != nil {
		return nil, err
	}
	// The requestId comes before the fields: some validation reads the stored case
	// (UpdateApplication's co-applicants), and a retry gets its first answer even after
	// the case has changed (api.md).
	if rec, err := s.replay(tx, call); rec != nil || err != nil {
		return rec, err
	}
	if st.validate != nil {
		if err := Invalid(st.validate(a)); err != nil {
			return nil, err
		}
	}
	if call.Etag != "" && call.Etag != Etag(app) {
		return nil, Errorf(CodeAborted, "etag %q is stale: the application has changed since (current etag %q); read it again and retry", call.Etag, Etag(app))
	}
	to, err := Next(app.State, st.action)
	if err != nil {
		return nil, err
	}
	if st.guards != nil {
		if err := Precondition(fmt.Sprintf("cannot %s %s", st.action, ApplicationName(st.id)), st.guards(a)); err != nil {
			return nil, err
		}
	}
	app.State = to
	a.event = &Event{ApplicationID: st.id, Time: now, Actor: call.Actor, Action: st.action, FromState: a.from, ConsultationID: st.consultationID}
	if err := st.apply(a); err != nil {
		return nil, err
	}
	if app.State == StateInConsultation && len(a.openConsultations()) == 0 {
		if app.State, err = Settle(app.State); err != nil {
			return nil, err
		}
	}
	var result any = app
	if st.action == ActionDelete {
		if err := tx.PutTimers(st.id, nil); err != nil {
			return nil, err
		}
		if err := tx.DeleteApplication(st.id); err != nil {
			return nil, err
		}
		if err := s.record(tx, app, a.cons, a.event); err != nil {
			return nil, err
		}
		result = struct{}{}
	} else {
		a.event.ToState = app.State
		// The event first: the case stores the head of its hash chain (feed.go).
		if err := s.record(tx, app, a.cons, a.event); err != nil {
			return nil, err
		}
		if err := s.save(a); err != nil {
			return nil, err
		}
		if st.result != nil {
			result = st.result(a)
		}
	}
	answer, err := json.Marshal(result)
	if err != nil {
		return nil, err
	}
	return answer, s.remember(tx, call, now, answer)
}

// save stores the changed case with its flags and timers brought up to date.
func (s *Service) save(a *action) error {
	a.app.Revision++
	a.app.UpdateTime = a.now
	refreshConsultationFlag(a.app, a.cons, a.today)
	if err := a.tx.PutApplication(a.app); err != nil {
		return err
	}
	return a.tx.PutTimers(a.app.ID, s.Schedule.Timers(a.app, a.cons))
}

// answered records that KDD has answered the applicant: R14's clock stops.
func (a *action) answered() {
	a.app.AnswerDue = ""
	a.app.setFlag(FlagNeedsInterimReply, false)
}

// evaluationDue starts the time for the evaluation report (R12), when the trial period
// is over. An extension still awaiting KDD's decision lapses with it: there is no
// period left to extend.
func (s *Service) evaluationDue(a *action) {
	a.app.EvaluationDue = FormatDate(AddMonths(a.today, s.Schedule.EvaluationDueMonths))
	if n := len(a.app.Extensions); n > 0 && a.app.Extensions[n-1].State == ExtensionRequested {
		e := &a.app.Extensions[n-1]
		e.State, e.DecideTime = ExtensionDenied, a.now
		e.Reasons = "not decided before the trial period ended"
		a.event.Changes = append(a.event.Changes, "extensions")
	}
}

func (a *action) consultation(id string) *Consultation {
	for _, c := range a.cons {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// consultationVisible reports whether the actor may see the consultation at all: a
// ministry sees only its own.
func consultationVisible(actor Actor, c *Consultation) bool {
	return actor.Role != RoleMinistry || c.Ministry == actor.Ministry
}

// requestKey scopes a requestId to the caller, so two callers never share one.
func requestKey(call Call) string {
	a := call.Actor
	return strings.Join([]string{string(a.Role), a.OrganisationNumber, a.Subject, call.RequestID}, "\x00")
}

// replay returns the first answer to a repeated request, or an error when the
// requestId was used for a different request; nil, nil when the request is new.
func (s *Service) replay(tx ReadTx, call Call) ([]byte, error) {
	if call.RequestID == "" {
		return nil, nil
	}
	rec, err := tx.Request(requestKey(call))
	if err != nil || rec == nil {
		return nil, err
	}
	if rec.Method != call.Method || rec.Fingerprint != call.Fingerprint {
		return nil, Invalid([]Violation{{Field: "request_id", Reason: "REQUEST_ID_REUSED",
			Description: fmt.Sprintf("request_id %q was already used for a different request (%s); use a new id for a new request", call.RequestID, rec.Method)}})
	}
	return rec.Result, nil
}

func (s *Service) remember(tx Tx, call Call, now time.Time, answer []byte) error {
	if call.RequestID == "" {
		return nil
	}
	return tx.PutRequest(requestKey(call), &RequestRecord{Method: call.Method, Fingerprint: call.Fingerprint, Time: now, Result: answer})
}

func decodeApplication(b []byte, err error) (*Application, error) {
	if err != nil {
		return nil, err
	}
	var app Application
	if err := json.Unmarshal(b, &app); err != nil {
		return nil, fmt.Errorf("decode answer: %w", err)
	}
	return &app, nil
}

func decodeConsultation(b []byte, err error) (*Consultation, error) {
	if err != nil {
		return nil, err
	}
	var c Consultation
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("decode answer: %w", err)
	}
	return &c, nil
}

// draftFields are the fields a municipality writes, by their proto paths.
var draftFields = []string{
	"title", "summary", "applicants", "category", "purposes", "exemptions", "planned_start",
	"planned_end", "evaluation_plan", "employee_involvement", "draft_regulation",
}

// DraftFields returns the update_mask paths UpdateApplication accepts.
func DraftFields() []string { return slices.Clone(draftFields) }

// CreateApplication creates a draft. The caller's organisation becomes the lead
// applicant and must be among the applicants; a co-applicant's council decision is its
// own to record (R8).
func (s *Service) CreateApplication(ctx context.Context, call Call, in *Application) (*Application, error) {
	if err := requireCaller(call.Actor); err != nil {
		return nil, err
	}
	if err := Permitted(call.Actor, ActionCreate, &Application{}, ""); err != nil {
		return nil, err
	}
	draft := draftOf(in)
	// Every bad field in one answer (api.md, Errors), as UpdateApplication does: a
	// mistyped own organisation number must be named, not only reported as "missing".
	vs := s.checkApplicants(call.Actor, draft, nil)
	if err := Invalid(append(vs, ValidateDraft(draft, s.Reference)...)); err != nil {
		return nil, err
	}
	var answer []byte
	err := s.update(ctx, func(tx Tx) error {
		answer = nil
		if rec, err := s.replay(tx, call); rec != nil || err != nil {
			answer = rec
			return err
		}
		now := s.now()
		app := draftOf(draft)
		for i := range app.Applicants {
			app.Applicants[i].Lead = app.Applicants[i].OrganisationNumber == call.Actor.OrganisationNumber
		}
		id, err := tx.NextApplicationID(now.In(s.Location).Year())
		if err != nil {
			return err
		}
		app.ID, app.State, app.Revision = id, StateDraft, 1
		app.CreateTime, app.UpdateTime = now, now
		ev := &Event{ApplicationID: id, Time: now, Actor: call.Actor, Action: ActionCreate, ToState: StateDraft, Changes: populatedFields(app)}
		if err := s.record(tx, app, nil, ev); err != nil {
			return err
		}
		if err := tx.PutApplication(app); err != nil {
			return err
		}
		if err := tx.PutTimers(id, s.Schedule.Timers(app, nil)); err != nil {
			return err
		}
		if answer, err = json.Marshal(app); err != nil {
			return err
		}
		return s.remember(tx, call, now, answer)
	})
	return decodeApplication(answer, err)
}

// draftOf copies the fields an applicant writes, dropping everything output only.
func draftOf(in *Application) *Application {
	d := &Application{
		Title: in.Title, Summary: in.Summary, Category: in.Category,
		Purposes:     slices.Clone(in.Purposes),
		PlannedStart: in.PlannedStart, PlannedEnd: in.PlannedEnd,
		EvaluationPlan: in.EvaluationPlan, EmployeeInvolvement: in.EmployeeInvolvement,
		DraftRegulation: in.DraftRegulation,
	}
	for _, a := range in.Applicants {
		if a.CouncilDecision != nil {
			cd := *a.CouncilDecision
			a.CouncilDecision = &cd
		}
		d.Applicants = append(d.Applicants, a)
	}
	for _, e := range in.Exemptions {
		e.Flags = nil
		d.Exemptions = append(d.Exemptions, e)
	}
	return d
}

// checkApplicants enforces who speaks for whom (R2, R8): the caller is among the
// applicants, and a co-applicant's council decision and confirmation come only from
// itself. stored is the case as it stands (nil at create); its co-applicants keep what
// they recorded.
func (s *Service) checkApplicants(actor Actor, draft *Application, stored *Application) []Violation {
	var vs []Violation
	if draft.Applicant(actor.OrganisationNumber) == nil {
		vs = append(vs, Violation{Rule: "R2", Field: "applicants", Reason: "LEAD_APPLICANT_MISSING",
			Description: fmt.Sprintf("the applicants must include your own organisation %s, which becomes the lead applicant", actor.OrganisationNumber)})
	}
	for i := range draft.Applicants {
		a := &draft.Applicants[i]
		a.Lead, a.ParticipationConfirmed = false, false
		if a.OrganisationNumber == actor.OrganisationNumber {
			continue
		}
		var recorded *CouncilDecision
		if stored != nil {
			if prev := stored.Applicant(a.OrganisationNumber); prev != nil {
				recorded = prev.CouncilDecision
			}
		}
		if a.CouncilDecision != nil && (recorded == nil || *a.CouncilDecision != *recorded) {
			vs = append(vs, Violation{Rule: "R8", Field: fmt.Sprintf("applicants[%d].council_decision", i), Reason: "COUNCIL_DECISION_NOT_YOURS",
				Description: "a co-applicant records its own council decision with confirmParticipation; leave this field empty"})
		}
		a.CouncilDecision = recorded
	}
	return vs
}

// populatedFields names the draft fields that are set, for the create event.
func populatedFields(app *Application) []string {
	var fs []string
	set := map[string]bool{
		"title": app.Title != "", "summary": app.Summary != "", "applicants": len(app.Applicants) > 0,
		"category": app.Category != "", "purposes": len(app.Purposes) > 0, "exemptions": len(app.Exemptions) > 0,
		"planned_start": app.PlannedStart != "", "planned_end": app.PlannedEnd != "",
		"evaluation_plan": app.EvaluationPlan != "", "employee_involvement": app.EmployeeInvolvement != "",
		"draft_regulation": app.DraftRegulation != "",
	}
	for _, f := range draftFields {
		if set[f] {
			fs = append(fs, f)
		}
	}
	return fs
}

// UpdateApplication changes the draft fields named in mask (AIP-134). A change after
// co-applicants confirmed resets their confirmations: their councils adopted the
// application as it stood (R8).
func (s *Service) UpdateApplication(ctx context.Context, call Call, id string, in *Application, mask []string) (*Application, error) {
	var draft *Application
	return decodeApplication(s.run(ctx, call, step{
		action: ActionUpdate, id: id,
		validate: func(a *action) []Violation {
			var vs []Violation
			if len(mask) == 0 {
				vs = append(vs, Violation{Field: "update_mask", Reason: "UPDATE_MASK_EMPTY", Description: "name the fields to change in update_mask, or send at least one field"})
			}
			for _, p := range mask {
				if !slices.Contains(draftFields, p) {
					vs = append(vs, Violation{Field: "update_mask", Reason: "FIELD_NOT_UPDATABLE",
						Description: fmt.Sprintf("%q cannot be updated; updatable fields are %s", p, strings.Join(draftFields, ", "))})
				}
			}
			if len(vs) > 0 {
				return vs
			}
			draft = draftOf(a.app)
			applyMask(draft, draftOf(in), mask)
			vs = append(vs, s.checkApplicants(call.Actor, draft, a.app)...)
			return append(vs, ValidateDraft(draft, s.Reference)...)
		},
		apply: func(a *action) error {
			for i := range draft.Applicants {
				draft.Applicants[i].Lead = draft.Applicants[i].OrganisationNumber == call.Actor.OrganisationNumber
			}
			applyMask(a.app, draft, draftFields)
			a.event.Changes = slices.Clone(mask)
			return nil
		},
	}))
}

// applyMask copies the fields named by paths from src to dst.
func applyMask(dst, src *Application, paths []string) {
	for _, p := range paths {
		switch p {
		case "title":
			dst.Title = src.Title
		case "summary":
			dst.Summary = src.Summary
		case "applicants":
			dst.Applicants = src.Applicants
		case "category":
			dst.Category = src.Category
		case "purposes":
			dst.Purposes = src.Purposes
		case "exemptions":
			dst.Exemptions = src.Exemptions
		case "planned_start":
			dst.PlannedStart = src.PlannedStart
		case "planned_end":
			dst.PlannedEnd = src.PlannedEnd
		case "evaluation_plan":
			dst.EvaluationPlan = src.EvaluationPlan
		case "employee_involvement":
			dst.EmployeeInvolvement = src.EmployeeInvolvement
		case "draft_regulation":
			dst.DraftRegulation = src.DraftRegulation
		}
	}
}

// DeleteApplication deletes a draft. Its history stays, so the event sequence has no
// gaps.
func (s *Service) DeleteApplication(ctx context.Context, call Call, id string) error {
	_, err := s.run(ctx, call, step{action: ActionDelete, id: id, apply: func(*action) error { return nil }})
	return err
}

// ConfirmParticipation records a co-applicant's own council decision and confirmation
// (R8).
func (s *Service) ConfirmParticipation(ctx context.Context, call Call, id string, in ParticipationInput) (*Application, error) {
	return decodeApplication(s.run(ctx, call, step{
		action: ActionConfirmParticipation, id: id,
		validate: func(*action) []Violation {
			vs := in.Validate()
			if in.OrganisationNumber != "" && in.OrganisationNumber != call.Actor.OrganisationNumber {
				vs = append(vs, Violation{Rule: "R8", Field: "organisation_number", Reason: "NOT_YOUR_ORGANISATION",
					Description: fmt.Sprintf("you call as %s and can confirm only your own participation", call.Actor.OrganisationNumber)})
			}
			return vs
		},
		guards: func(a *action) []Violation { return ParticipationGuards(a.app, in, a.today) },
		apply: func(a *action) error {
			applicant := a.app.Applicant(call.Actor.OrganisationNumber)
			cd := *in.CouncilDecision
			applicant.CouncilDecision, applicant.ParticipationConfirmed = &cd, true
			a.event.Changes = []string{"applicants.council_decision", "applicants.participation_confirmed"}
			return nil
		},
	}))
}

// SubmitApplication sends the application to KDD, or resubmits it after a request for
// changes. The first submission assigns the case number.
func (s *Service) SubmitApplication(ctx context.Context, call Call, id, comment string) (*Application, error) {
	return decodeApplication(s.run(ctx, call, step{
		action: ActionSubmit, id: id,
		guards: func(a *action) []Violation { return SubmitGuards(a.app, s.Reference, a.today) },
		apply: func(a *action) error {
			for i := range a.app.Exemptions {
				a.app.Exemptions[i].Flags = ExemptionFlags(a.app.Exemptions[i], a.app.Category, s.Reference)
			}
			if a.app.CaseNumber == "" {
				n, err := a.tx.NextCaseNumber(a.now.In(s.Location).Year())
				if err != nil {
					return err
				}
				a.app.CaseNumber = n
				a.event.Changes = append(a.event.Changes, "case_number")
			}
			a.app.SubmitTime = a.now
			a.app.AnswerDue = answerDue(a.today)
			a.app.setFlag(FlagNeedsInterimReply, false)
			a.event.Comment = comment
			a.event.Changes = append(a.event.Changes, "submit_time", "exemptions.flags")
			return nil
		},
	}))
}

// WithdrawApplication withdraws the application before a decision; open consultations
// are cancelled in the same write.
func (s *Service) WithdrawApplication(ctx context.Context, call Call, id, reason string) (*Application, error) {
	return decodeApplication(s.run(ctx, call, step{
		action: ActionWithdraw, id: id,
		validate: func(*action) []Violation { return required("reason", reason) },
		apply: func(a *action) error {
			a.app.WithdrawalReason = reason
			a.answered()
			a.event.Comment = reason
			a.event.Changes = []string{"withdrawal_reason"}
			for _, c := range a.openConsultations() {
				c.State, c.CancelReason, c.UpdateTime = ConsultationCancelled, "the application was withdrawn", a.now
				if err := a.tx.PutConsultation(c); err != nil {
					return err
				}
				a.event.Changes = append(a.event.Changes, "consultations/"+c.ID+".state")
			}
			return nil
		},
	}))
}

// required returns a violation when value is empty.
func required(field, value string) []Violation {
	if strings.TrimSpace(value) == "" {
		return []Violation{{Field: field, Reason: "FIELD_REQUIRED", Description: field + " is required"}}
	}
	return nil
}

// AssignApplication makes a KDD employee the case's handler; the handler defaults to
// the caller.
func (s *Service) AssignApplication(ctx context.Context, call Call, id string, handler Person, comment string) (*Application, error) {
	if handler.Subject == "" {
		handler = call.Actor.Person()
	} else if handler.Subject == call.Actor.Subject && handler.Name == "" {
		handler.Name = call.Actor.Name
	}
	if handler.OrganisationNumber == "" {
		handler.OrganisationNumber = call.Actor.OrganisationNumber
	}
	return decodeApplication(s.run(ctx, call, step{
		action: ActionAssign, id: id,
		validate: func(*action) []Violation {
			if handler.Subject == "" {
				return []Violation{{Field: "handler", Reason: "HANDLER_REQUIRED", Description: "name the handler (a person's subject), or call with a person's token to take the case yourself"}}
			}
			return nil
		},
		apply: func(a *action) error {
			h := handler
			a.app.AssignedHandler = &h
			a.event.Comment = comment
			a.event.Changes = []string{"assigned_handler"}
			return nil
		},
	}))
}

// RecordInterimReply records a foreløpig svar to the applicant (R14).
func (s *Service) RecordInterimReply(ctx context.Context, call Call, id string, in InterimReplyInput) (*Application, error) {
	return decodeApplication(s.run(ctx, call, step{
		action: ActionRecordInterimReply, id: id,
		validate: func(*action) []Violation { return in.Validate() },
		apply: func(a *action) error {
			a.app.InterimReplies = append(a.app.InterimReplies, InterimReply{
				Text: in.Text, ExpectedDecisionDate: in.ExpectedDecisionDate, Author: call.Actor.Person(), Time: a.now})
			a.answered()
			a.event.Comment = in.Text
			a.event.Changes = []string{"interim_replies"}
			return nil
		},
	}))
}

// RequestChanges sends the case back to the applicants with questions.
func (s *Service) RequestChanges(ctx context.Context, call Call, id, questions string) (*Application, error) {
	return decodeApplication(s.run(ctx, call, step{
		action: ActionRequestChanges, id: id,
		validate: func(*action) []Violation { return required("questions", questions) },
		apply: func(a *action) error {
			a.app.ChangeRequests = append(a.app.ChangeRequests, ChangeRequest{Questions: questions, RequestedBy: call.Actor.Person(), Time: a.now})
			a.answered()
			a.event.Comment = questions
			a.event.Changes = []string{"change_requests"}
			return nil
		},
	}))
}

// CreateConsultation asks the ministry that owns a rule for its statement (R10). The
// due date is a date, or a number of Norwegian working days from today.
func (s *Service) CreateConsultation(ctx context.Context, call Call, appID string, in ConsultationInput) (*Consultation, error) {
	var created *Consultation
	return decodeConsultation(s.run(ctx, call, step{
		action: ActionOpenConsultation, id: appID,
		validate: func(*action) []Violation { return in.Validate(s.Reference) },
		guards: func(a *action) []Violation {
			return ConsultationGuards(a.app, a.cons, in, s.Reference, a.today)
		},
		apply: func(a *action) error {
			due := in.DueDate
			if due == "" {
				n := in.DueWorkingDays
				if n == 0 {
					n = s.DefaultDueWorkingDays
				}
				due = AddWorkingDays(a.today, n).Format(time.DateOnly)
			}
			cid, err := a.tx.NextConsultationID(appID)
			if err != nil {
				return err
			}
			created = &Consultation{ApplicationID: appID, ID: cid, Ministry: in.Ministry, Question: in.Question,
				DueDate: due, State: ConsultationRequested, RequestedBy: call.Actor.Person(), CreateTime: a.now, UpdateTime: a.now}
			a.cons = append(a.cons, created)
			a.event.ConsultationID = cid
			a.event.Comment = in.Question
			a.event.Changes = []string{"consultations/" + cid}
			return a.tx.PutConsultation(created)
		},
		result: func(*action) any { return created },
	}))
}

// CancelConsultation withdraws an open question to a ministry; when none is left open
// the case is ready for decision.
func (s *Service) CancelConsultation(ctx context.Context, call Call, appID, consultationID, reason string) (*Consultation, error) {
	var c *Consultation
	return decodeConsultation(s.run(ctx, call, step{
		action: ActionCancelConsultation, id: appID, consultationID: consultationID,
		validate: func(*action) []Violation { return required("reason", reason) },
		guards: func(a *action) []Violation {
			c = a.consultation(consultationID)
			return consultationOpen(c)
		},
		apply: func(a *action) error {
			c.State, c.CancelReason, c.UpdateTime = ConsultationCancelled, reason, a.now
			a.event.Comment = reason
			a.event.Changes = []string{"consultations/" + c.ID + ".state"}
			return a.tx.PutConsultation(c)
		},
		result: func(*action) any { return c },
	}))
}

func consultationOpen(c *Consultation) []Violation {
	if c.State != ConsultationRequested {
		return []Violation{{Rule: "STATE", Field: "state", Reason: "CONSULTATION_NOT_OPEN",
			Description: fmt.Sprintf("the consultation is %s; only a REQUESTED consultation can be answered or cancelled", c.State)}}
	}
	return nil
}

// RespondToConsultation records the consulted ministry's statement; the last open
// answer makes the case ready for decision.
func (s *Service) RespondToConsultation(ctx context.Context, call Call, appID, consultationID string, in ResponseInput) (*Consultation, error) {
	var c *Consultation
	return decodeConsultation(s.run(ctx, call, step{
		action: ActionRespondToConsultation, id: appID, consultationID: consultationID,
		validate: func(*action) []Violation { return in.Validate() },
		guards: func(a *action) []Violation {
			c = a.consultation(consultationID)
			return consultationOpen(c)
		},
		apply: func(a *action) error {
			c.State, c.UpdateTime = ConsultationAnswered, a.now
			c.Response = &ConsultationResponse{Position: in.Position, Statement: in.Statement, Responder: call.Actor.Person(), Time: a.now}
			// The position stays out of the comment: applicants read the history but not
			// the ministries' statements (domain.md, Roles and visibility).
			a.event.Comment = c.Ministry + " answered"
			a.event.Changes = []string{"consultations/" + c.ID + ".response"}
			return a.tx.PutConsultation(c)
		},
		result: func(*action) any { return c },
	}))
}

// decision returns a new decision recording the decider and the legal authority (R11).
func (s *Service) decision(a *action, actor Actor, approved bool, reasons string) *Decision {
	return &Decision{Approved: approved, Reasons: reasons, Authority: s.Reference.DecisionAuthority, DecidedBy: actor.Person(), DecideTime: a.now}
}

// ApproveApplication approves the trial for the approved period (R6, R10, R11).
func (s *Service) ApproveApplication(ctx context.Context, call Call, id string, in ApproveInput) (*Application, error) {
	return decodeApplication(s.run(ctx, call, step{
		action: ActionApprove, id: id,
		validate: func(*action) []Violation { return in.Validate() },
		guards:   func(a *action) []Violation { return ApproveGuards(a.app, a.cons, in, s.Reference) },
		apply: func(a *action) error {
			d := s.decision(a, call.Actor, true, in.Reasons)
			d.ApprovedStart, d.ApprovedEnd, d.ObjectionResponse = in.ApprovedStart, in.ApprovedEnd, in.ObjectionResponse
			d.RegulationID, d.PublicationReference = in.RegulationID, in.PublicationReference
			a.app.Decision = d
			a.answered()
			a.event.Comment = in.Reasons
			a.event.Changes = []string{"decision"}
			return nil
		},
	}))
}

// RejectApplication refuses the application with coded reasons (R11).
func (s *Service) RejectApplication(ctx context.Context, call Call, id string, in RejectInput) (*Application, error) {
	return decodeApplication(s.run(ctx, call, step{
		action: ActionReject, id: id,
		validate: func(*action) []Violation { return in.Validate() },
		apply: func(a *action) error {
			d := s.decision(a, call.Actor, false, in.Reasons)
			d.ReasonCodes = slices.Clone(in.ReasonCodes)
			a.app.Decision = d
			a.answered()
			a.event.Comment = in.Reasons
			a.event.Changes = []string{"decision"}
			return nil
		},
	}))
}

// RecordPublication records the trial regulation's Lovdata id and its publication in
// Norsk Lovtidend (R9).
func (s *Service) RecordPublication(ctx context.Context, call Call, id string, in PublicationInput) (*Application, error) {
	return decodeApplication(s.run(ctx, call, step{
		action: ActionRecordPublication, id: id,
		validate: func(*action) []Violation { return in.Validate() },
		apply: func(a *action) error {
			a.app.Decision.RegulationID, a.app.Decision.PublicationReference = in.RegulationID, in.PublicationReference
			a.event.Comment = in.RegulationID + " " + in.PublicationReference
			a.event.Changes = []string{"decision.regulation_id", "decision.publication_reference"}
			return nil
		},
	}))
}

// ActivateTrial starts an approved trial once its start date has come and its
// regulation is published (R9).
func (s *Service) ActivateTrial(ctx context.Context, call Call, id, comment string) (*Application, error) {
	return decodeApplication(s.run(ctx, call, s.activateStep(id, comment)))
}

func (s *Service) activateStep(id, comment string) step {
	return step{
		action: ActionActivate, id: id,
		guards: func(a *action) []Violation { return ActivateGuards(a.app, a.today) },
		apply: func(a *action) error {
			a.app.setFlag(FlagPublicationMissing, false)
			a.event.Comment = comment
			return nil
		},
	}
}

// RequestExtension asks for a longer trial period (R7, R8).
func (s *Service) RequestExtension(ctx context.Context, call Call, id string, in ExtensionRequestInput) (*Application, error) {
	return decodeApplication(s.run(ctx, call, step{
		action: ActionRequestExtension, id: id,
		validate: func(*action) []Violation { return in.Validate() },
		guards:   func(a *action) []Violation { return RequestExtensionGuards(a.app, in, a.today) },
		apply: func(a *action) error {
			var cd *CouncilDecision
			if in.CouncilDecision != nil {
				c := *in.CouncilDecision
				cd = &c
			}
			a.app.Extensions = append(a.app.Extensions, Extension{RequestedEnd: in.RequestedEnd, CouncilDecision: cd,
				ReformReference: in.ReformReference, ReformInForce: in.ReformInForce, RequestTime: a.now, State: ExtensionRequested})
			a.event.Comment = "requested end " + in.RequestedEnd
			a.event.Changes = []string{"extensions"}
			return nil
		},
	}))
}

// DecideExtension grants or denies the pending extension (R7).
func (s *Service) DecideExtension(ctx context.Context, call Call, id string, in ExtensionDecisionInput) (*Application, error) {
	return decodeApplication(s.run(ctx, call, step{
		action: ActionDecideExtension, id: id,
		validate: func(*action) []Violation { return in.Validate() },
		guards:   func(a *action) []Violation { return DecideExtensionGuards(a.app, in) },
		apply: func(a *action) error {
			e := &a.app.Extensions[len(a.app.Extensions)-1]
			decider := call.Actor.Person()
			e.DecidedBy, e.DecideTime, e.Reasons, e.Authority = &decider, a.now, in.Reasons, s.Reference.DecisionAuthority
			if in.Grant {
				e.State, e.ApprovedEnd, e.AmendingRegulationID = ExtensionGranted, in.ApprovedEnd, in.AmendingRegulationID
			} else {
				e.State = ExtensionDenied
			}
			a.event.Comment = in.Reasons
			a.event.Changes = []string{"extensions"}
			return nil
		},
	}))
}

// EndTrialPeriod moves a trial whose period has ended to evaluation.
func (s *Service) EndTrialPeriod(ctx context.Context, call Call, id, comment string) (*Application, error) {
	return decodeApplication(s.run(ctx, call, s.endPeriodStep(id, comment)))
}

func (s *Service) endPeriodStep(id, comment string) step {
	return step{
		action: ActionEndPeriod, id: id,
		guards: func(a *action) []Violation { return EndPeriodGuards(a.app, a.today) },
		apply: func(a *action) error {
			a.event.Changes = []string{"evaluation_due_date"}
			s.evaluationDue(a)
			a.event.Comment = comment
			return nil
		},
	}
}

// TerminateTrial ends an approved or running trial early (R13). A trial that never
// started closes as DISCONTINUED without evaluation (R12); a running one goes to
// evaluation.
func (s *Service) TerminateTrial(ctx context.Context, call Call, id string, in TerminateInput) (*Application, error) {
	return decodeApplication(s.run(ctx, call, s.terminateStep(call, id, in)))
}

func (s *Service) terminateStep(call Call, id string, in TerminateInput) step {
	return step{
		action: ActionTerminate, id: id,
		validate: func(*action) []Violation { return in.Validate() },
		guards:   func(a *action) []Violation { return TerminateGuards(a.app, in) },
		apply: func(a *action) error {
			a.app.Termination = &Termination{Reasons: in.Reasons, RepealingInstrument: in.RepealingInstrument, DecidedBy: call.Actor.Person(), Time: a.now,
				Authority: s.Reference.DecisionAuthority}
			a.event.Changes = []string{"termination"}
			if a.app.State == StateClosed {
				a.app.Closure = &Closure{Outcome: OutcomeDiscontinued, WithoutEvaluation: true, Authority: s.Reference.DecisionAuthority,
					Reasons: "terminated before the trial started: " + in.Reasons, DecidedBy: call.Actor.Person(), Time: a.now}
				a.event.Changes = append(a.event.Changes, "closure")
			} else {
				a.event.Changes = append(a.event.Changes, "evaluation_due_date")
				s.evaluationDue(a)
			}
			a.event.Comment = in.RepealingInstrument + ": " + in.Reasons
			return nil
		},
	}
}

// SubmitEvaluation records the applicant's evaluation report (R12).
func (s *Service) SubmitEvaluation(ctx context.Context, call Call, id string, in EvaluationInput) (*Application, error) {
	return decodeApplication(s.run(ctx, call, step{
		action: ActionSubmitEvaluation, id: id,
		validate: func(*action) []Violation { return in.Validate() },
		apply: func(a *action) error {
			a.app.EvaluationReport = &EvaluationReport{ReportReference: in.ReportReference, Summary: in.Summary, SubmittedBy: call.Actor.Person(), Time: a.now}
			a.app.setFlag(FlagEvaluationOverdue, false)
			a.event.Comment = in.ReportReference
			a.event.Changes = []string{"evaluation_report"}
			return nil
		},
	}))
}

// CloseApplication closes an evaluated case with its outcome (R12).
func (s *Service) CloseApplication(ctx context.Context, call Call, id string, in CloseInput) (*Application, error) {
	return decodeApplication(s.run(ctx, call, step{
		action: ActionClose, id: id,
		validate: func(*action) []Violation { return in.Validate() },
		guards:   func(a *action) []Violation { return CloseGuards(a.app, in) },
		apply: func(a *action) error {
			a.app.Closure = &Closure{Outcome: in.Outcome, Reasons: in.Reasons, WithoutEvaluation: in.WithoutEvaluation, DecidedBy: call.Actor.Person(), Time: a.now,
				Authority: s.Reference.DecisionAuthority}
			a.event.Comment = string(in.Outcome) + " " + in.Reasons
			a.event.Changes = []string{"closure"}
			return nil
		},
	}))
}

// BatchTerminateTrials ends several trials under one repealing instrument in one write
// (R13: in 2014 one regulation repealed all the local snowmobile-trail trials). Either
// every case is terminated or none is.
func (s *Service) BatchTerminateTrials(ctx context.Context, call Call, ids []string, in TerminateInput) ([]*Application, error) {
	if err := requireCaller(call.Actor); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var vs []Violation
	if len(ids) == 0 {
		vs = append(vs, Violation{Field: "names", Reason: "FIELD_REQUIRED", Description: "name at least one application to terminate"})
	}
	for i, id := range ids {
		if seen[id] {
			vs = append(vs, Violation{Field: fmt.Sprintf("names[%d]", i), Reason: "DUPLICATE_NAME", Description: ApplicationName(id) + " is named twice"})
		}
		seen[id] = true
	}
	if err := Invalid(vs); err != nil {
		return nil, err
	}
	var answer []byte
	err := s.update(ctx, func(tx Tx) error {
		// The requestId covers the whole batch. It is checked first: the cases have
		// moved on since the first answer, so their guards would refuse a replay.
		rec, err := s.replay(tx, call)
		if rec != nil || err != nil {
			answer = rec
			return err
		}
		now := s.now()
		var apps []json.RawMessage
		for _, id := range ids {
			item := call
			item.RequestID, item.Etag = "", ""
			b, err := s.runIn(tx, now, item, s.terminateStep(item, id, in))
			if err != nil {
				return prefixError(ApplicationName(id), err)
			}
			apps = append(apps, b)
		}
		if answer, err = json.Marshal(apps); err != nil {
			return err
		}
		return s.remember(tx, call, now, answer)
	})
	if err != nil {
		return nil, err
	}
	var apps []*Application
	if err := json.Unmarshal(answer, &apps); err != nil {
		return nil, fmt.Errorf("decode answer: %w", err)
	}
	return apps, nil
}

// prefixError names the case an error of a batch is about.
func prefixError(prefix string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		c := *e
		c.Message = prefix + ": " + e.Message
		return &c
	}
	return fmt.Errorf("%s: %w", prefix, err)
}

// Today returns the current calendar date in Europe/Oslo, as UTC midnight.
func (s *Service) Today() time.Time { return s.today(s.now()) }
