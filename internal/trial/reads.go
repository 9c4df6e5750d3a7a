package trial

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// GetApplication returns the case as the caller may see it: whole, or the public
// register's fields.
func (s *Service) GetApplication(ctx context.Context, actor Actor, id string) (*Application, error) {
	var app *Application
	err := s.Store.View(ctx, func(tx ReadTx) error {
		var view View
		var err error
		app, view, err = s.load(tx, actor, id)
		if err != nil {
			return err
		}
		if view == ViewPublic {
			app = PublicView(app)
		}
		return nil
	})
	return app, err
}

// load reads a case and decides the caller's view; a case it may not see is not found.
func (s *Service) load(tx ReadTx, actor Actor, id string) (*Application, View, error) {
	app, err := tx.Application(id)
	if err != nil {
		if err == ErrNotFound {
			return nil, ViewNone, notFound(id)
		}
		return nil, ViewNone, err
	}
	// Only a ministry's view depends on the consultations; everyone else is spared
	// decoding them on every read.
	var cons []*Consultation
	if actor.Role == RoleMinistry {
		if cons, err = tx.Consultations(id); err != nil {
			return nil, ViewNone, err
		}
	}
	view := ViewOf(actor, app, cons)
	if view == ViewNone {
		return nil, ViewNone, notFound(id)
	}
	return app, view, nil
}

// maxPageSize is the largest page any list returns; larger requests get this (AIP-158).
const maxPageSize = 1000

// pageSizeFor returns the page size a list uses for the requested one (AIP-158): def
// for zero, at most maxPageSize, and a violation naming page_size for a negative one.
func pageSizeFor(requested, def int) (int, []Violation) {
	switch {
	case requested < 0:
		return 0, []Violation{{Field: "page_size", Reason: "PAGE_SIZE_NEGATIVE",
			Description: fmt.Sprintf("page_size must be zero (the default, %d) or positive", def)}}
	case requested == 0:
		return def, nil
	}
	return min(requested, maxPageSize), nil
}

// nonDraftStates are the states KDD sees.
var nonDraftStates = slices.DeleteFunc(slices.Clone(States), func(s State) bool { return s == StateDraft })

// publicStates are the public register's states.
var publicStates = slices.DeleteFunc(slices.Clone(States), func(s State) bool { return !s.Public() })

// ListApplications lists the cases the caller sees, filtered (AIP-160 subset, see
// ParseFilter), ordered (AIP-132, see ParseOrderBy) and paged (AIP-158). A municipality
// sees its own cases, a ministry the cases it was consulted on, KDD every submitted case,
// and a caller without a token (or an operator) the public register: the caller's filter
// is ANDed with that, so it can narrow the list but never widen it.
func (s *Service) ListApplications(ctx context.Context, actor Actor, filter, orderBy string, pageSize int, pageToken string) ([]*Application, string, error) {
	var vs []Violation
	f, err := ParseFilter(filter, s.Location)
	vs = append(vs, violationsOf(err)...)
	if err == nil {
		vs = append(vs, s.filterReferences(f)...)
	}
	order, err := ParseOrderBy(orderBy)
	vs = append(vs, violationsOf(err)...)
	// The store applies the default and the cap to the size asked for.
	_, sizeViolations := pageSizeFor(pageSize, 50)
	vs = append(vs, sizeViolations...)
	if err := Invalid(vs); err != nil {
		return nil, "", err
	}
	q := Query{Filter: f, Order: order, Today: s.Today(), PageSize: pageSize, PageToken: pageToken}
	public := false // the register: anonymous callers and operators see public fields only
	switch actor.Role {
	case RoleKDDHandler, RoleKDDApprover, RoleSystem:
		q.States = nonDraftStates
	case RoleMunicipality:
		if actor.OrganisationNumber == "" {
			return nil, "", nil // an empty restriction would restrict nothing
		}
		q.ApplicantOrganisation = actor.OrganisationNumber
	case RoleMinistry:
		if actor.Ministry == "" {
			return nil, "", nil
		}
		q.ConsultedMinistry = actor.Ministry
	default:
		q.States = publicStates
		public = true
	}
	var apps []*Application
	var next string
	err = s.Store.View(ctx, func(tx ReadTx) error {
		apps, next, err = tx.ListApplications(q)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	if public {
		for i, a := range apps {
			apps[i] = PublicView(a)
		}
	}
	return apps, next, nil
}

// filterReferences refuses ministry codes the reference data does not know: such a
// filter is a typo, not a question with an empty answer.
func (s *Service) filterReferences(f *Filter) []Violation {
	var vs []Violation
	for _, c := range f.Comparisons() {
		if _, ok := s.Reference.Ministry(c.Value); c.Field == FilterFieldMinistry && !ok {
			vs = append(vs, Violation{Field: "filter", Reason: "FILTER_INVALID",
				Description: fmt.Sprintf("ministry %q is not a ministry code: use one of %s", c.Value, ministryCodes(s.Reference))})
		}
	}
	return vs
}

// violationsOf returns the violations of a CodeInvalidArgument error, nil for nil.
func violationsOf(err error) []Violation {
	var e *Error
	if errors.As(err, &e) {
		return e.Violations
	}
	return nil
}

// ListConsultations lists the case's consultations as the caller may see them: KDD all,
// a ministry its own, the applicants each one's ministry, question, status and due date.
func (s *Service) ListConsultations(ctx context.Context, actor Actor, appID string) ([]*Consultation, error) {
	if err := requireCaller(actor); err != nil {
		return nil, err
	}
	var out []*Consultation
	err := s.Store.View(ctx, func(tx ReadTx) error {
		_, view, err := s.load(tx, actor, appID)
		if err != nil {
			return err
		}
		if view != ViewFull {
			return Errorf(CodePermissionDenied, "the consultations of %s are not public", ApplicationName(appID))
		}
		cons, err := tx.Consultations(appID)
		if err != nil {
			return err
		}
		for _, c := range cons {
			switch {
			case actor.Role == RoleMunicipality:
				out = append(out, ApplicantConsultationView(c))
			case consultationVisible(actor, c):
				out = append(out, c)
			}
		}
		return nil
	})
	return out, err
}

// ListApplicationEvents returns a page of the case's history in sequence order.
func (s *Service) ListApplicationEvents(ctx context.Context, actor Actor, appID string, pageSize int, pageToken string) ([]*Event, string, error) {
	if err := requireCaller(actor); err != nil {
		return nil, "", err
	}
	pageSize, vs := pageSizeFor(pageSize, 100)
	after, err := parseEventToken(appID, pageToken)
	if err != nil {
		vs = append(vs, Violation{Field: "page_token", Reason: "PAGE_TOKEN_INVALID", Description: "page_token is not one this list returned; start again without it"})
	}
	if err := Invalid(vs); err != nil {
		return nil, "", err
	}
	var events []*Event
	err = s.Store.View(ctx, func(tx ReadTx) error {
		_, view, err := s.load(tx, actor, appID)
		if err != nil {
			return err
		}
		if view != ViewFull {
			return Errorf(CodePermissionDenied, "the history of %s is not public", ApplicationName(appID))
		}
		events, err = tx.ListEvents(appID, after, pageSize+1)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(events) > pageSize {
		events = events[:pageSize]
		next = eventToken(appID, events[len(events)-1].Sequence)
	}
	return events, next, nil
}

func eventToken(appID string, seq uint64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(appID + "/" + strconv.FormatUint(seq, 10)))
}

func parseEventToken(appID, token string) (uint64, error) {
	if token == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, err
	}
	id, seq, ok := strings.Cut(string(b), "/")
	if !ok || id != appID {
		return 0, fmt.Errorf("token for another list")
	}
	return strconv.ParseUint(seq, 10, 64)
}

// AllowedAction is an action and, when the caller cannot take it now, why not.
type AllowedAction struct {
	Action  Action
	Allowed bool
	// Failing lists the rules that refuse the action now: "ROLE" when the caller may
	// not take it, "STATE" when the case is in the wrong state, and the legal guards
	// that fail on the case as it stands.
	Failing []Violation
}

// ListAllowedActions tells the caller what it may do next on the case, and for each
// action the guards that currently fail. Guards that depend on a request's body are
// evaluated with the case's own values (the planned period for approval).
func (s *Service) ListAllowedActions(ctx context.Context, actor Actor, appID string) ([]AllowedAction, error) {
	if err := requireCaller(actor); err != nil {
		return nil, err
	}
	var out []AllowedAction
	err := s.Store.View(ctx, func(tx ReadTx) error {
		app, _, err := s.load(tx, actor, appID)
		if err != nil {
			return err
		}
		cons, err := tx.Consultations(appID)
		if err != nil {
			return err
		}
		today := s.today(s.now())
		for _, action := range Actions() {
			if action == ActionCreate {
				continue
			}
			out = append(out, s.preview(actor, app, cons, action, today))
		}
		return nil
	})
	return out, err
}

func (s *Service) preview(actor Actor, app *Application, cons []*Consultation, action Action, today time.Time) AllowedAction {
	var failing []Violation
	ministry := ""
	if action == ActionRespondToConsultation || action == ActionCancelConsultation {
		ministry = actor.Ministry
		open := false
		for _, c := range cons {
			if c.State == ConsultationRequested && (actor.Role != RoleMinistry || c.Ministry == actor.Ministry) {
				open, ministry = true, c.Ministry
			}
		}
		if !open {
			failing = append(failing, Violation{Rule: "STATE", Field: "consultations", Reason: "NO_OPEN_CONSULTATION", Description: "there is no open consultation to act on"})
		}
	}
	if err := Permitted(actor, action, app, ministry); err != nil {
		failing = append(failing, Violation{Rule: "ROLE", Reason: "PERMISSION_DENIED", Description: err.Error()})
	}
	if _, err := Next(app.State, action); err != nil {
		if e, ok := err.(*Error); ok {
			failing = append(failing, e.Violations...)
		}
	} else {
		failing = append(failing, s.previewGuards(app, cons, action, today)...)
	}
	return AllowedAction{Action: action, Allowed: len(failing) == 0, Failing: failing}
}

func (s *Service) previewGuards(app *Application, cons []*Consultation, action Action, today time.Time) []Violation {
	switch action {
	case ActionSubmit:
		return SubmitGuards(app, s.Reference, today)
	case ActionApprove:
		return ApproveGuards(app, cons, ApproveInput{ApprovedStart: app.PlannedStart, ApprovedEnd: app.PlannedEnd}, s.Reference)
	case ActionActivate:
		return ActivateGuards(app, today)
	case ActionEndPeriod:
		return EndPeriodGuards(app, today)
	case ActionClose:
		return CloseGuards(app, CloseInput{Outcome: OutcomeMadePermanent})
	}
	return nil
}

// ListOpenConsultations lists the open consultations across cases, earliest due first
// (AIP-159's "applications/-"): a ministry's own, or every one for KDD. It is the work
// list of what is due.
func (s *Service) ListOpenConsultations(ctx context.Context, actor Actor, pageSize int, pageToken string) ([]*Consultation, string, error) {
	if err := requireCaller(actor); err != nil {
		return nil, "", err
	}
	ministry := ""
	switch {
	case actor.Role == RoleMinistry:
		ministry = actor.Ministry
	case actor.Role.KDD() || actor.Role == RoleSystem:
	default:
		return nil, "", Errorf(CodePermissionDenied, "%s may not list consultations across cases; list those of one application instead", roleName(actor.Role))
	}
	pageSize, vs := pageSizeFor(pageSize, 50)
	after, err := base64.RawURLEncoding.DecodeString(pageToken)
	if err != nil {
		vs = append(vs, Violation{Field: "page_token", Reason: "PAGE_TOKEN_INVALID", Description: "page_token is not one this list returned; start again without it"})
	}
	if err := Invalid(vs); err != nil {
		return nil, "", err
	}
	var cons []*Consultation
	var next string
	err = s.Store.View(ctx, func(tx ReadTx) error {
		var err error
		cons, next, err = tx.OpenConsultations(ministry, string(after), pageSize)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	if next != "" {
		next = base64.RawURLEncoding.EncodeToString([]byte(next))
	}
	return cons, next, nil
}
