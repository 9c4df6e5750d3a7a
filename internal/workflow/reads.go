package workflow

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/forsok/forsok/internal/trial"
)

// GetApplication returns the case as the caller may see it: whole, or the public
// register's fields.
func (s *Service) GetApplication(ctx context.Context, actor trial.Actor, id string) (*trial.Application, error) {
	var app *trial.Application
	err := s.Store.View(ctx, func(tx ReadTx) error {
		var view trial.View
		var err error
		app, view, err = s.load(tx, actor, id)
		if err != nil {
			return err
		}
		if view == trial.ViewPublic {
			app = trial.PublicView(app)
		}
		return nil
	})
	return app, err
}

// load reads a case and decides the caller's view; a case it may not see is not found.
func (s *Service) load(tx ReadTx, actor trial.Actor, id string) (*trial.Application, trial.View, error) {
	app, err := tx.Application(id)
	if err != nil {
		if err == trial.ErrNotFound {
			return nil, trial.ViewNone, notFound(id)
		}
		return nil, trial.ViewNone, err
	}
	// Only a ministry's view depends on the consultations; everyone else is spared
	// decoding them on every read.
	var cons []*trial.Consultation
	if actor.Role == trial.RoleMinistry {
		if cons, err = tx.Consultations(id); err != nil {
			return nil, trial.ViewNone, err
		}
	}
	view := trial.ViewOf(actor, app, cons)
	if view == trial.ViewNone {
		return nil, trial.ViewNone, notFound(id)
	}
	return app, view, nil
}

// nonDraftStates are the states KDD sees.
var nonDraftStates = slices.DeleteFunc(slices.Clone(trial.States), func(s trial.State) bool { return s == trial.StateDraft })

// publicStates are the public register's states.
var publicStates = slices.DeleteFunc(slices.Clone(trial.States), func(s trial.State) bool { return !s.Public() })

// ListApplications lists the cases the caller sees, filtered (AIP-160 subset, see
// ParseFilter), ordered (AIP-132, see ParseOrderBy) and paged (AIP-158). A municipality
// sees its own cases, a ministry the cases it was consulted on, KDD every submitted case,
// and a caller without a token (or an operator) the public register: the caller's filter
// is ANDed with that, so it can narrow the list but never widen it.
func (s *Service) ListApplications(ctx context.Context, actor trial.Actor, filter, orderBy string, pageSize int, pageToken string) ([]*trial.Application, string, error) {
	var vs []trial.Violation
	f, err := trial.ParseFilter(filter, s.Location)
	vs = append(vs, violationsOf(err)...)
	if err == nil {
		vs = append(vs, s.filterReferences(f)...)
	}
	order, err := trial.ParseOrderBy(orderBy)
	vs = append(vs, violationsOf(err)...)
	pageSize, sizeViolations := pageSizeFor(pageSize, DefaultPageSize)
	vs = append(vs, sizeViolations...)
	if err := trial.Invalid(vs); err != nil {
		return nil, "", err
	}
	q := trial.Query{Filter: f, Order: order, Today: s.Today(), PageSize: pageSize, PageToken: pageToken}
	public := false // the register: anonymous callers and operators see public fields only
	switch actor.Role {
	case trial.RoleKDDHandler, trial.RoleKDDApprover, trial.RoleSystem:
		q.States = nonDraftStates
	case trial.RoleMunicipality:
		if actor.OrganisationNumber == "" {
			return nil, "", nil // an empty restriction would restrict nothing
		}
		q.ApplicantOrganisation = actor.OrganisationNumber
	case trial.RoleMinistry:
		if actor.Ministry == "" {
			return nil, "", nil
		}
		q.ConsultedMinistry = actor.Ministry
	default:
		q.States = publicStates
		public = true
		// The public register's filter may not ask what the register hides (R22).
		if err := trial.Invalid(trial.PublicFilterViolations(f)); err != nil {
			return nil, "", err
		}
	}
	var apps []*trial.Application
	var next string
	err = s.Store.View(ctx, func(tx ReadTx) error {
		apps, next, err = tx.ListApplications(q)
		return err
	})
	if err != nil {
		return nil, "", pageTokenError(err)
	}
	if public {
		for i, a := range apps {
			apps[i] = trial.PublicView(a)
		}
	}
	return apps, next, nil
}

// filterReferences refuses ministry codes the reference data does not know: such a
// filter is a typo, not a question with an empty answer.
func (s *Service) filterReferences(f *trial.Filter) []trial.Violation {
	var vs []trial.Violation
	for _, c := range f.Comparisons() {
		if _, ok := s.Reference.Ministry(c.Value); c.Field == trial.FilterFieldMinistry && !ok {
			vs = append(vs, trial.Violation{Field: "filter", Reason: "FILTER_INVALID",
				Description: fmt.Sprintf("ministry %q is not a ministry code: use one of %s", c.Value, trial.MinistryCodes(s.Reference))})
		}
	}
	return vs
}

// violationsOf returns the violations of a CodeInvalidArgument error, nil for nil.
func violationsOf(err error) []trial.Violation {
	var e *trial.Error
	if errors.As(err, &e) {
		return e.Violations
	}
	return nil
}

// ListConsultations lists the case's consultations as the caller may see them: KDD all,
// a ministry its own, the applicants each one's ministry, question, status and due date.
// A case has a handful, so they come in one page: a page token is refused, after the
// visibility and role checks (api.md's order).
func (s *Service) ListConsultations(ctx context.Context, actor trial.Actor, appID, pageToken string) ([]*trial.Consultation, error) {
	if err := requireCaller(actor); err != nil {
		return nil, err
	}
	var out []*trial.Consultation
	err := s.Store.View(ctx, func(tx ReadTx) error {
		_, view, err := s.load(tx, actor, appID)
		if err != nil {
			return err
		}
		if view != trial.ViewFull {
			return trial.Errorf(trial.CodePermissionDenied, "the consultations of %s are not public", trial.ApplicationName(appID))
		}
		cons, err := tx.Consultations(appID)
		if err != nil {
			return err
		}
		for _, c := range cons {
			switch {
			case actor.Role == trial.RoleMunicipality:
				out = append(out, trial.ApplicantConsultationView(c))
			case consultationVisible(actor, c):
				out = append(out, c)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if pageToken != "" {
		return nil, trial.Invalid([]trial.Violation{badPageToken("consultations come in one page; there is no next page to ask for")})
	}
	return out, nil
}

// ListApplicationEvents returns a page of the case's history in sequence order, as far
// as the caller may see it (trial.EventVisible).
func (s *Service) ListApplicationEvents(ctx context.Context, actor trial.Actor, appID string, pageSize int, pageToken string) ([]*trial.Event, string, error) {
	if err := requireCaller(actor); err != nil {
		return nil, "", err
	}
	var events []*trial.Event
	next := ""
	err := s.Store.View(ctx, func(tx ReadTx) error {
		_, view, err := s.load(tx, actor, appID)
		if err != nil {
			return err
		}
		if view != trial.ViewFull {
			return trial.Errorf(trial.CodePermissionDenied, "the history of %s is not public", trial.ApplicationName(appID))
		}
		size, vs := pageSizeFor(pageSize, defaultEventPage)
		if err := trial.Invalid(vs); err != nil {
			return err
		}
		scope := tokenScope("events", actor, appID)
		after, err := openSeqToken(tx, scope, pageToken)
		if err != nil {
			return err
		}
		if events, after, err = s.visibleEvents(tx, actor, appID, after, size); err != nil {
			return err
		}
		if after != 0 {
			next, err = sealSeqToken(tx, scope, after)
		}
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return events, next, nil
}

// visibleEvents returns up to size of the case's events after the sequence after that
// the caller may see, as it may see them, and the sequence to continue after: 0 when
// there are no more.
func (s *Service) visibleEvents(tx ReadTx, actor trial.Actor, appID string, after uint64, size int) ([]*trial.Event, uint64, error) {
	cons, err := tx.Consultations(appID)
	if err != nil {
		return nil, 0, err
	}
	var out []*trial.Event
	for {
		page, err := tx.ListEvents(appID, after, size+1)
		if err != nil {
			return nil, 0, err
		}
		for i, e := range page {
			if len(out) == size {
				return out, page[i-1].Sequence, nil
			}
			after = e.Sequence
			if v, ok := trial.EventFor(actor, e, cons); ok {
				out = append(out, v)
			}
		}
		if len(page) <= size {
			return out, 0, nil
		}
	}
}

// AllowedAction is an action and, when the caller cannot take it now, why not.
type AllowedAction struct {
	Action  trial.Action
	Allowed bool
	// Failing lists the rules that refuse the action now: "ROLE" when the caller may
	// not take it, "STATE" when the case is in the wrong state, and the legal guards
	// that fail on the case as it stands.
	Failing []trial.Violation
}

// ListAllowedActions tells the caller what it may do next on the case, and for each
// action the guards that currently fail. Guards that depend on a request's body are
// evaluated with the case's own values (the planned period for approval).
func (s *Service) ListAllowedActions(ctx context.Context, actor trial.Actor, appID string) ([]AllowedAction, error) {
	if err := requireCaller(actor); err != nil {
		return nil, err
	}
	var out []AllowedAction
	err := s.Store.View(ctx, func(tx ReadTx) error {
		app, view, err := s.load(tx, actor, appID)
		if err != nil {
			return err
		}
		cons, err := tx.Consultations(appID)
		if err != nil {
			return err
		}
		var c *trial.Call
		if app.Call != "" {
			if c, err = tx.Call(app.Call); err != nil {
				return err
			}
		}
		today := s.today(s.now())
		for _, action := range trial.Actions() {
			if action == trial.ActionCreate {
				continue
			}
			out = append(out, s.preview(actor, view, app, cons, c, action, today))
		}
		out = append(out, previewDocumentActions(actor, app, cons, view)...)
		return nil
	})
	return out, err
}

// preview says whether actor may take action now and, if not, why. A caller with the
// public view learns the role and state reasons only: the guards would tell what the
// public register hides, such as whether an evaluation report has come (R22).
func (s *Service) preview(actor trial.Actor, view trial.View, app *trial.Application, cons []*trial.Consultation, c *trial.Call, action trial.Action, today time.Time) AllowedAction {
	var failing []trial.Violation
	ministry := ""
	full := view == trial.ViewFull
	if full && (action == trial.ActionRespondToConsultation || action == trial.ActionCancelConsultation) {
		ministry = actor.Ministry
		open := false
		for _, c := range cons {
			if c.State == trial.ConsultationRequested && (actor.Role != trial.RoleMinistry || c.Ministry == actor.Ministry) {
				open, ministry = true, c.Ministry
			}
		}
		if !open {
			failing = append(failing, trial.Violation{Rule: "STATE", Field: "consultations", Reason: "NO_OPEN_CONSULTATION", Description: "there is no open consultation to act on"})
		}
	}
	if err := trial.Permitted(actor, action, app, ministry); err != nil {
		failing = append(failing, trial.Violation{Rule: "ROLE", Reason: "PERMISSION_DENIED", Description: err.Error()})
	}
	if _, err := trial.Next(app.State, action); err != nil {
		if e, ok := err.(*trial.Error); ok {
			failing = append(failing, e.Violations...)
		}
	} else if full {
		failing = append(failing, trial.StageGuards(app, c, action, today)...)
		failing = append(failing, s.previewGuards(app, cons, action, today)...)
	}
	return AllowedAction{Action: action, Allowed: len(failing) == 0, Failing: failing}
}

func (s *Service) previewGuards(app *trial.Application, cons []*trial.Consultation, action trial.Action, today time.Time) []trial.Violation {
	switch action {
	case trial.ActionSubmit:
		return trial.StageSubmitGuards(app, s.Reference, today)
	case trial.ActionApprove:
		// Previewed as approving the period applied for, from today at the earliest (R18).
		start := app.PlannedStart
		if d, err := trial.ParseDate(start); err == nil && d.Before(today) {
			start = trial.FormatDate(today)
		}
		return trial.ApproveGuards(app, cons, trial.ApproveInput{ApprovedStart: start, ApprovedEnd: app.PlannedEnd}, s.Reference, today)
	case trial.ActionActivate:
		return trial.ActivateGuards(app, today)
	case trial.ActionEndPeriod:
		return trial.EndPeriodGuards(app, today)
	case trial.ActionClose:
		return trial.CloseGuards(app, trial.CloseInput{Outcome: trial.OutcomeMadePermanent}, today)
	case trial.ActionConfirmLawOwner, trial.ActionRecordLegalReview:
		return trial.PreviewLawGuards(app, action, s.Reference)
	}
	return nil
}

// ListOpenConsultations lists the open consultations across cases, earliest due first
// (AIP-159's "applications/-"): a ministry's own, or every one for KDD. It is the work
// list of what is due.
func (s *Service) ListOpenConsultations(ctx context.Context, actor trial.Actor, pageSize int, pageToken string) ([]*trial.Consultation, string, error) {
	if err := requireCaller(actor); err != nil {
		return nil, "", err
	}
	ministry := ""
	switch {
	case actor.Role == trial.RoleMinistry:
		ministry = actor.Ministry
	case actor.Role.KDD() || actor.Role == trial.RoleSystem:
	default:
		return nil, "", trial.Errorf(trial.CodePermissionDenied, "%s may not list consultations across cases; list those of one application instead", trial.RoleName(actor.Role))
	}
	pageSize, vs := pageSizeFor(pageSize, DefaultPageSize)
	if err := trial.Invalid(vs); err != nil {
		return nil, "", err
	}
	var cons []*trial.Consultation
	var next string
	err := s.Store.View(ctx, func(tx ReadTx) error {
		scope := tokenScope("open consultations", actor)
		after, err := openToken(tx, scope, pageToken)
		if err != nil {
			return err
		}
		var cursor string
		if cons, cursor, err = tx.OpenConsultations(ministry, string(after), pageSize); err != nil || cursor == "" {
			return err
		}
		next, err = sealToken(tx, scope, []byte(cursor))
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return cons, next, nil
}
