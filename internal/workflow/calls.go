package workflow

// Calls for applications (R20, trial/call.go): KDD drafts, publishes and closes a call;
// the scheduler moves an open call to ASSESSMENT when its preliminary deadline has
// ended. Every change is one write holding the call, its event (in the call's own hash
// chain) and its timers, in the request order of api.md.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/forsok/forsok/internal/trial"
)

// callNotFound is the answer for a missing call and for a draft the caller may not see.
func callNotFound(id string) error {
	return trial.Errorf(trial.CodeNotFound, "call %s not found", trial.CallName(id))
}

// CallEtag is the call's etag (AIP-154), derived from its revision.
func CallEtag(c *trial.Call) string { return strconv.FormatUint(c.Revision, 10) }

// callOf copies the fields KDD writes on a call.
func callOf(in *trial.Call) *trial.Call {
	return &trial.Call{Title: in.Title, Description: in.Description, Themes: slices.Clone(in.Themes),
		EligibleKinds: slices.Clone(in.EligibleKinds), PreliminaryDeadline: in.PreliminaryDeadline, FinalDeadline: in.FinalDeadline}
}

// CreateCall drafts a call for applications (KDD).
func (s *Service) CreateCall(ctx context.Context, call Call, in *trial.Call) (*trial.Call, error) {
	if err := requireCaller(call.Actor); err != nil {
		return nil, err
	}
	if err := trial.CallPermitted(call.Actor, trial.CallActionCreate); err != nil {
		return nil, err
	}
	draft := callOf(in)
	if err := trial.Invalid(trial.ValidateCall(draft)); err != nil {
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
		c := callOf(draft)
		id, err := tx.NextCallID(now.In(s.Location).Year())
		if err != nil {
			return err
		}
		c.ID, c.State, c.Revision, c.CreatedBy, c.CreateTime, c.UpdateTime = id, trial.CallDraft, 1, call.Actor.Person(), now, now
		e := &trial.Event{Call: id, Time: now, Actor: call.Actor, Action: trial.CallActionCreate, Comment: c.Title, Changes: []string{"title", "description", "themes", "eligible_kinds", "preliminary_deadline", "final_deadline"}}
		if err := s.saveCall(tx, c, e); err != nil {
			return err
		}
		if answer, err = json.Marshal(c); err != nil {
			return err
		}
		return s.remember(tx, call, now, answer)
	})
	return decodeCall(answer, err)
}

// GetCall returns the call; a draft is KDD's alone, a published call is public.
func (s *Service) GetCall(ctx context.Context, actor trial.Actor, id string) (*trial.Call, error) {
	var c *trial.Call
	err := s.Store.View(ctx, func(tx ReadTx) error {
		var err error
		c, err = loadCall(tx, actor, id)
		return err
	})
	return c, err
}

func loadCall(tx ReadTx, actor trial.Actor, id string) (*trial.Call, error) {
	c, err := tx.Call(id)
	if errors.Is(err, trial.ErrNotFound) || (err == nil && !trial.CallVisible(actor, c)) {
		return nil, callNotFound(id)
	}
	return c, err
}

// ListCalls returns a page of the calls the caller sees, oldest first: every call for
// KDD, the published ones for everyone else. The page token is the last id returned.
func (s *Service) ListCalls(ctx context.Context, actor trial.Actor, pageSize int, pageToken string) ([]*trial.Call, string, error) {
	pageSize, vs := pageSizeFor(pageSize, 50)
	if pageToken != "" && !trial.ValidCallID(pageToken) {
		vs = append(vs, trial.Violation{Field: "page_token", Reason: "PAGE_TOKEN_INVALID", Description: "page_token is not one this list returned; start again without it"})
	}
	if err := trial.Invalid(vs); err != nil {
		return nil, "", err
	}
	var calls []*trial.Call
	err := s.Store.View(ctx, func(tx ReadTx) error {
		var err error
		calls, err = tx.ListCalls(actor.Role.KDD(), pageToken, pageSize+1)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(calls) > pageSize {
		calls = calls[:pageSize]
		next = calls[pageSize-1].ID
	}
	return calls, next, nil
}

// UpdateCall changes the fields of a draft call named in mask (AIP-134). A published
// call's terms are fixed: every applicant applies on the same terms (equal treatment).
func (s *Service) UpdateCall(ctx context.Context, call Call, id string, in *trial.Call, mask []string) (*trial.Call, error) {
	var vs []trial.Violation
	if len(mask) == 0 {
		vs = append(vs, trial.Violation{Field: "update_mask", Reason: "UPDATE_MASK_EMPTY", Description: "name the fields to change in update_mask, or send at least one field"})
	}
	for _, p := range mask {
		if !slices.Contains(trial.CallFields, p) {
			vs = append(vs, trial.Violation{Field: "update_mask", Reason: "FIELD_NOT_UPDATABLE",
				Description: fmt.Sprintf("%q cannot be updated; updatable fields are %s", p, strings.Join(trial.CallFields, ", "))})
		}
	}
	return s.runCall(ctx, call, id, trial.CallActionUpdate, callStep{
		validate: func(c *trial.Call) []trial.Violation {
			if len(vs) > 0 {
				return vs
			}
			draft := callOf(c)
			applyCallMask(draft, callOf(in), mask)
			return trial.ValidateCall(draft)
		},
		apply: func(c *trial.Call, e *trial.Event) {
			applyCallMask(c, callOf(in), mask)
			e.Changes = slices.Clone(mask)
		},
	})
}

func applyCallMask(dst, src *trial.Call, paths []string) {
	for _, p := range paths {
		switch p {
		case "title":
			dst.Title = src.Title
		case "description":
			dst.Description = src.Description
		case "themes":
			dst.Themes = src.Themes
		case "eligible_kinds":
			dst.EligibleKinds = src.EligibleKinds
		case "preliminary_deadline":
			dst.PreliminaryDeadline = src.PreliminaryDeadline
		case "final_deadline":
			dst.FinalDeadline = src.FinalDeadline
		}
	}
}

// PublishCall opens the call: it becomes public and receives preliminary applications
// until its preliminary deadline.
func (s *Service) PublishCall(ctx context.Context, call Call, id, comment string) (*trial.Call, error) {
	return s.runCall(ctx, call, id, trial.CallActionPublish, callStep{
		guards: func(c *trial.Call, _ Tx, today time.Time) ([]trial.Violation, error) {
			return trial.PublishCallGuards(c, today), nil
		},
		apply: func(c *trial.Call, e *trial.Event) {
			c.PublishTime = c.UpdateTime
			e.Comment = comment
			e.Changes = []string{"state", "publish_time"}
		},
	})
}

// CloseCall closes the call once every preliminary application has been answered.
func (s *Service) CloseCall(ctx context.Context, call Call, id, comment string) (*trial.Call, error) {
	return s.runCall(ctx, call, id, trial.CallActionClose, callStep{
		guards: func(c *trial.Call, tx Tx, _ time.Time) ([]trial.Violation, error) {
			apps, err := tx.CallApplications(c.ID)
			return trial.CloseCallGuards(apps), err
		},
		apply: func(c *trial.Call, e *trial.Event) {
			c.CloseTime = c.UpdateTime
			e.Comment = comment
			e.Changes = []string{"state", "close_time"}
		},
	})
}

// callStep is one action on a call for runCall.
type callStep struct {
	validate func(c *trial.Call) []trial.Violation
	// guards returns the legal guards that fail; tx lets them read the call's cases.
	guards func(c *trial.Call, tx Tx, today time.Time) ([]trial.Violation, error)
	apply  func(c *trial.Call, e *trial.Event)
}

// runCall runs the request order of api.md for an action on a call: visibility, role,
// requestId, fields, etag, state and guards, then one write.
func (s *Service) runCall(ctx context.Context, call Call, id string, action trial.Action, st callStep) (*trial.Call, error) {
	if err := requireCaller(call.Actor); err != nil {
		return nil, err
	}
	var answer []byte
	err := s.update(ctx, func(tx Tx) error {
		answer = nil
		c, err := loadCall(tx, call.Actor, id)
		if err != nil {
			return err
		}
		if err := trial.CallPermitted(call.Actor, action); err != nil {
			return err
		}
		if rec, err := s.replay(tx, call); rec != nil || err != nil {
			answer = rec
			return err
		}
		if st.validate != nil {
			if err := trial.Invalid(st.validate(c)); err != nil {
				return err
			}
		}
		if call.Etag != "" && call.Etag != CallEtag(c) {
			return trial.Errorf(trial.CodeAborted, "etag %q is stale: the call has changed since (current etag %q); read it again and retry", call.Etag, CallEtag(c))
		}
		to, err := trial.CallNext(c.State, action)
		if err != nil {
			return err
		}
		now := s.now()
		if st.guards != nil {
			vs, err := st.guards(c, tx, s.today(now))
			if err != nil {
				return err
			}
			if err := trial.Precondition(fmt.Sprintf("cannot %s %s", action, trial.CallName(id)), vs); err != nil {
				return err
			}
		}
		e := &trial.Event{Call: id, Time: now, Actor: call.Actor, Action: action}
		from := c.State
		c.State, c.UpdateTime = to, now
		st.apply(c, e)
		if from != to {
			e.Comment = strings.TrimSpace(fmt.Sprintf("%s → %s. %s", from, to, e.Comment))
		}
		c.Revision++
		if err := s.saveCall(tx, c, e); err != nil {
			return err
		}
		if answer, err = json.Marshal(c); err != nil {
			return err
		}
		return s.remember(tx, call, now, answer)
	})
	return decodeCall(answer, err)
}

// saveCall records the call's event in its chain, for KDD's feed and webhooks, and
// stores the call with its timers.
func (s *Service) saveCall(tx Tx, c *trial.Call, e *trial.Event) error {
	if err := tx.AppendEvent(e); err != nil {
		return err
	}
	c.ChainHead = &trial.ChainHead{Sequence: e.Sequence, Hash: e.Hash}
	audience := []trial.Party{trial.PartyKDD}
	if err := tx.IndexEvent(e.Sequence, audience); err != nil {
		return err
	}
	if err := s.enqueueDeliveries(tx, audience, e); err != nil {
		return err
	}
	if err := tx.PutCall(c); err != nil {
		return err
	}
	return tx.PutTimers(trial.CallName(c.ID), s.Schedule.CallTimers(c))
}

// fireCallTimer runs a call's timer: the move to ASSESSMENT at the end of the
// preliminary deadline.
func (s *Service) fireCallTimer(tx Tx, t trial.Timer) error {
	id := strings.TrimPrefix(t.ApplicationID, "calls/")
	c, err := tx.Call(id)
	if errors.Is(err, trial.ErrNotFound) {
		return tx.PutTimers(t.ApplicationID, nil)
	}
	if err != nil {
		return err
	}
	wanted := s.Schedule.CallTimers(c)
	if !slices.ContainsFunc(wanted, func(w trial.Timer) bool { return w.Key() == t.Key() && w.At.Equal(t.At) }) {
		return tx.PutTimers(t.ApplicationID, wanted)
	}
	now := s.now()
	e := &trial.Event{Call: id, Time: now, Actor: SystemActor, Action: trial.CallActionAssessment,
		Comment: fmt.Sprintf("OPEN → ASSESSMENT. The preliminary deadline %s has ended.", c.PreliminaryDeadline), Changes: []string{"state"}}
	c.State, c.UpdateTime = trial.CallAssessment, now
	c.Revision++
	return s.saveCall(tx, c, e)
}

// GetCallStatistics counts the call's applications (trial.CallStatistics): public for a
// published call, as every figure is an aggregate.
func (s *Service) GetCallStatistics(ctx context.Context, actor trial.Actor, id string) (*trial.CallStatistics, error) {
	var st *trial.CallStatistics
	err := s.Store.View(ctx, func(tx ReadTx) error {
		if _, err := loadCall(tx, actor, id); err != nil {
			return err
		}
		apps, err := tx.CallApplications(id)
		if err != nil {
			return err
		}
		st = trial.CallStatisticsOf(id, apps)
		return nil
	})
	return st, err
}

func decodeCall(b []byte, err error) (*trial.Call, error) {
	if err != nil {
		return nil, err
	}
	var c trial.Call
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("decode answer: %w", err)
	}
	return &c, nil
}
