package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/forsok/forsok/internal/trial"
)

// Service runs the workflow: every action in the order api.md prescribes (visibility,
// role, field validation, requestId, etag, state and guards) and then one write
// transaction holding the case, its consultations, the history event and the request
// record. Authentication happens before, in the transport; the Actor is its result.
type Service struct {
	Store     Store
	Reference *trial.Reference
	// Now is the clock, read once per action.
	Now func() time.Time
	// Location is the calendar the law's dates are read in (Europe/Oslo).
	Location *time.Location
	// DefaultDueWorkingDays is used for a consultation given neither a due date nor a
	// number of working days.
	DefaultDueWorkingDays int
	// Schedule holds the deadlines the timers follow (schedule.go).
	Schedule trial.Schedule
	// Webhooks configures subscriptions (subscription.go).
	Webhooks WebhookConfig
	// Documents configures documents (documents.go).
	Documents DocumentConfig

	// feed wakes the event feed's watchers after each committed write (feed.go).
	feed broadcaster
}

// NewService returns a Service with the Europe/Oslo calendar and the system clock.
func NewService(store Store, ref *trial.Reference) (*Service, error) {
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		return nil, fmt.Errorf("load Europe/Oslo time zone: %w", err)
	}
	return &Service{Store: store, Reference: ref, Now: time.Now, Location: loc, DefaultDueWorkingDays: 15, Schedule: trial.DefaultSchedule(loc)}, nil
}

// Call is what the transport knows about a request besides its body.
type Call struct {
	Actor trial.Actor
	// Method is the RPC name; a requestId is scoped to the caller and the method.
	Method string
	// RequestID makes a retry safe (AIP-155); empty means none.
	RequestID string
	// Fingerprint identifies the request's content without its requestId, so that the
	// same id with a different request can be refused.
	Fingerprint string
	// Etag, when set, must equal the case's current etag (AIP-154).
	Etag string
	// Shape is the request's shape, checked (trial.CheckShape) before its fields.
	Shape trial.RequestShape
}

// checkShape is the first of the field checks: no list over its limit and no text that
// is not text, before any other work on the fields.
func checkShape(call Call) error { return trial.Invalid(trial.CheckShape(call.Shape)) }

// today returns the calendar date in Europe/Oslo at now, as UTC midnight, the form
// ParseDate returns.
func (s *Service) today(now time.Time) time.Time {
	y, m, d := now.In(s.Location).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// requireCaller refuses the anonymous caller where a token is needed.
func requireCaller(actor trial.Actor) error {
	if actor.Role == trial.RolePublic {
		return trial.Errorf(trial.CodeUnauthenticated, "this method needs a bearer token")
	}
	return nil
}

func notFound(id string) error {
	return trial.Errorf(trial.CodeNotFound, "application %s not found", trial.ApplicationName(id))
}

// action is one run of the request order on one case, inside a write transaction.
type action struct {
	tx    Tx
	now   time.Time
	today time.Time
	app   *trial.Application
	cons  []*trial.Consultation
	from  trial.State
	event *trial.Event
	// result is what an action outside the state machine answers (documents.go).
	result any
	// call is the case's call for applications, nil for a direct application (R20).
	call *trial.Call
}

// openConsultations returns the consultations still awaiting an answer.
func (a *action) openConsultations() []*trial.Consultation {
	var open []*trial.Consultation
	for _, c := range a.cons {
		if c.State == trial.ConsultationRequested {
			open = append(open, c)
		}
	}
	return open
}

// step describes an action on one case for run.
type step struct {
	action trial.Action
	id     string
	// consultationID names the consultation of a consultation action.
	consultationID string
	// validate checks the request's fields (INVALID_ARGUMENT), given the stored case;
	// may be nil.
	validate func(a *action) []trial.Violation
	// guards returns the legal guards that fail (FAILED_PRECONDITION); may be nil.
	guards func(a *action) []trial.Violation
	// apply changes a.app (and consultations through a.tx) and sets a.event's comment
	// and changes. The target state has been set on a.app already.
	apply func(a *action) error
	// result is what the call answers: the application by default.
	result func(a *action) any
	// permit replaces the role table (trial.Permitted) for an action outside the state
	// machine (documents, the journal); such an action leaves the state as it is.
	permit func(a *action) error
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

// update is the Service's one write path: every write, an action on a case or not, is a
// Store.Update through it. Once the write is committed (never before: a watcher must
// not look for an event that could still roll back) it wakes the feed's watchers and
// the webhook worker (feed.go); a write that appended no event wakes them for nothing,
// which costs them one read.
func (s *Service) update(ctx context.Context, fn func(Tx) error) error {
	err := s.Store.Update(ctx, fn)
	if err == nil {
		s.feed.signal()
	}
	return err
}

// runIn is run inside a transaction the caller owns, so that several cases can change
// in one write (R13).
func (s *Service) runIn(tx Tx, now time.Time, call Call, st step) ([]byte, error) {
	a := &action{tx: tx, now: now, today: s.today(now)}
	app, err := tx.Application(st.id)
	if errors.Is(err, trial.ErrNotFound) {
		if st.action == trial.ActionDelete {
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
	view := trial.ViewOf(call.Actor, app, cons)
	if view == trial.ViewNone {
		return nil, notFound(st.id)
	}
	ministry := ""
	if st.consultationID != "" {
		// Consultations are not in the public register: to a caller with the public
		// view, one that exists is as absent as one that does not.
		c := a.consultation(st.consultationID)
		if c == nil || view != trial.ViewFull || !consultationVisible(call.Actor, c) {
			return nil, trial.Errorf(trial.CodeNotFound, "consultation %s not found", trial.ConsultationName(st.id, st.consultationID))
		}
		ministry = c.Ministry
	}
	permit := func(*action) error { return trial.Permitted(call.Actor, st.action, app, ministry) }
	if st.permit != nil {
		permit = st.permit
	}
	if err := permit(a); err != nil {
		return nil, err
	}
	// The requestId comes before the fields: some validation reads the stored case
	// (UpdateApplication's co-applicants), and a retry gets its first answer even after
	// the case has changed (api.md).
	if rec, err := s.replay(tx, call); rec != nil || err != nil {
		return rec, err
	}
	if err := checkShape(call); err != nil {
		return nil, err
	}
	if st.validate != nil {
		if err := trial.Invalid(st.validate(a)); err != nil {
			return nil, err
		}
	}
	if call.Etag != "" && call.Etag != trial.Etag(app) {
		return nil, trial.Errorf(trial.CodeAborted, "etag %q is stale: the application has changed since (current etag %q); read it again and retry", call.Etag, trial.Etag(app))
	}
	to := app.State
	if st.permit == nil {
		if to, err = trial.Next(app.State, st.action); err != nil {
			return nil, err
		}
	}
	if app.Call != "" {
		if a.call, err = tx.Call(app.Call); err != nil {
			return nil, fmt.Errorf("call %s of %s: %w", app.Call, trial.ApplicationName(st.id), err)
		}
	}
	// R20 first: the call's deadlines and stages decide before the action's own guards.
	failing := trial.StageGuards(app, a.call, st.action, a.today)
	if st.guards != nil {
		failing = append(failing, st.guards(a)...)
	}
	if err := trial.Precondition(fmt.Sprintf("cannot %s %s", st.action, trial.ApplicationName(st.id)), failing); err != nil {
		return nil, err
	}
	app.State = to
	a.event = &trial.Event{ApplicationID: st.id, Time: now, Actor: call.Actor, Action: st.action, FromState: a.from, ConsultationID: st.consultationID}
	if err := st.apply(a); err != nil {
		return nil, err
	}
	if app.State == trial.StateInConsultation && len(a.openConsultations()) == 0 {
		if app.State, err = trial.Settle(app.State); err != nil {
			return nil, err
		}
	}
	var result any = app
	if st.action == trial.ActionDelete {
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
	trial.RefreshConsultationFlag(a.app, a.cons, a.today)
	if err := a.tx.PutApplication(a.app); err != nil {
		return err
	}
	return a.tx.PutTimers(a.app.ID, s.Schedule.Timers(a.app, a.cons))
}

// answered records that KDD has answered the applicant: R14's clock stops.
func (a *action) answered() {
	a.app.AnswerDue = ""
	a.app.SetFlag(trial.FlagNeedsInterimReply, false)
}

// evaluationDue starts the time for the evaluation report (R12), when the trial period
// is over. An extension still awaiting KDD's decision lapses with it: there is no
// period left to extend.
func (s *Service) evaluationDue(a *action) {
	a.app.EvaluationDue = trial.FormatDate(trial.AddMonths(a.today, s.Schedule.EvaluationDueMonths))
	if n := len(a.app.Extensions); n > 0 && a.app.Extensions[n-1].State == trial.ExtensionRequested {
		e := &a.app.Extensions[n-1]
		e.State, e.DecideTime = trial.ExtensionDenied, a.now
		e.Reasons = "not decided before the trial period ended"
		a.event.Changes = append(a.event.Changes, "extensions")
	}
}

func (a *action) consultation(id string) *trial.Consultation {
	for _, c := range a.cons {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// consultationVisible reports whether the actor may see the consultation at all: a
// ministry sees only its own.
func consultationVisible(actor trial.Actor, c *trial.Consultation) bool {
	return actor.Role != trial.RoleMinistry || c.Ministry == actor.Ministry
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
		return nil, trial.Invalid([]trial.Violation{{Field: "request_id", Reason: "REQUEST_ID_REUSED",
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

func decodeApplication(b []byte, err error) (*trial.Application, error) {
	if err != nil {
		return nil, err
	}
	var app trial.Application
	if err := json.Unmarshal(b, &app); err != nil {
		return nil, fmt.Errorf("decode answer: %w", err)
	}
	return &app, nil
}

func decodeConsultation(b []byte, err error) (*trial.Consultation, error) {
	if err != nil {
		return nil, err
	}
	var c trial.Consultation
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("decode answer: %w", err)
	}
	return &c, nil
}

// Today returns the current calendar date in Europe/Oslo, as UTC midnight.
func (s *Service) Today() time.Time { return s.today(s.now()) }
