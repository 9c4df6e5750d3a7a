package workflow

import (
	"context"
	"sync"

	"github.com/forsok/forsok/internal/trial"
)

// The event feed: every event in sequence order, as far as the caller may see it,
// replayed from a cursor and then followed live.
// broadcaster wakes everyone waiting for the next committed write. The zero value is
// ready to use.
type broadcaster struct {
	mu sync.Mutex
	ch chan struct{}
}

// wait returns a channel closed at the next signal. Take it before reading the store:
// a write committed after the read then closes the channel held.
func (b *broadcaster) wait() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch == nil {
		b.ch = make(chan struct{})
	}
	return b.ch
}

func (b *broadcaster) signal() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch != nil {
		close(b.ch)
		b.ch = nil
	}
}

// Changes returns a channel that is closed when the next write that may have appended
// events has been committed. Take it before reading, then read, then wait on it.
func (s *Service) Changes() <-chan struct{} { return s.feed.wait() }

// record appends e to the case's history in tx and, in the same transaction, makes the
// case record its new chain head, indexes the event for the feed and writes an outbox
// entry for every subscription it matches. app and cons are the case as the event
// leaves it; for a deleted draft, app is the draft with state StateNone.
func (s *Service) record(tx Tx, app *trial.Application, cons []*trial.Consultation, e *trial.Event) error {
	if err := tx.AppendEvent(e); err != nil {
		return err
	}
	seen := app
	if app.State == trial.StateNone {
		before := *app
		before.State = e.FromState
		seen = &before
	} else {
		app.ChainHead = &trial.ChainHead{Sequence: e.Sequence, Hash: e.Hash}
	}
	audience := trial.EventAudience(trial.Audience(seen, cons), e, cons)
	if err := tx.IndexEvent(e.Sequence, audience); err != nil {
		return err
	}
	if err := s.observe(tx, app, cons, e); err != nil {
		return err
	}
	return s.enqueueDeliveries(tx, audience, e)
}

// Feed limits.
const (
	// historyBatch is how many events of a case a whole-history read takes at a time.
	historyBatch = MaxPageSize
	// watchBatch is how many events a watcher reads per look at the store.
	watchBatch = 256
)

// feedParty returns the party whose feed the caller reads.
func feedParty(actor trial.Actor) (trial.Party, error) {
	if err := requireCaller(actor); err != nil {
		return "", err
	}
	p, ok := trial.PartyOf(actor)
	if !ok {
		return "", trial.Errorf(trial.CodePermissionDenied, "%s sees no case events: the feed is for municipalities, ministries and KDD", trial.RoleName(actor.Role))
	}
	return p, nil
}

// ListEvents returns a page of the events the caller sees with a sequence above after,
// in sequence order, and the after of the next page: the last sequence returned, or
// after itself when there is none yet (ask again later with the same value).
func (s *Service) ListEvents(ctx context.Context, actor trial.Actor, after uint64, pageSize int) ([]*trial.Event, uint64, error) {
	party, err := feedParty(actor)
	if err != nil {
		return nil, 0, err
	}
	pageSize, vs := pageSizeFor(pageSize, defaultEventPage)
	if err := trial.Invalid(vs); err != nil {
		return nil, 0, err
	}
	var events []*trial.Event
	next := after
	err = s.Store.View(ctx, func(tx ReadTx) error {
		page, err := tx.FeedEvents(party, after, pageSize)
		if err != nil || len(page) == 0 {
			return err
		}
		next = page[len(page)-1].Sequence
		events, err = feedView(tx, party, page)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return events, next, nil
}

// WatchEvents sends the caller every event it sees with a sequence above *after, in
// sequence order, then each new one as it is committed, until ctx ends (it then
// returns ctx's error) or send fails. A nil after starts from now: only events
// committed after the call. Sequence numbers follow commit order and a reader that sees
// an event sees every one below it, so following the cursor misses nothing.
func (s *Service) WatchEvents(ctx context.Context, actor trial.Actor, after *uint64, send func(*trial.Event) error) error {
	party, err := feedParty(actor)
	if err != nil {
		return err
	}
	var cursor uint64
	if after != nil {
		cursor = *after
	} else {
		err := s.Store.View(ctx, func(tx ReadTx) error {
			var err error
			cursor, err = tx.LastEventSequence()
			return err
		})
		if err != nil {
			return err
		}
	}
	for {
		wake := s.feed.wait()
		var page, events []*trial.Event
		err := s.Store.View(ctx, func(tx ReadTx) error {
			var err error
			if page, err = tx.FeedEvents(party, cursor, watchBatch); err != nil {
				return err
			}
			events, err = feedView(tx, party, page)
			return err
		})
		if err != nil {
			return err
		}
		for _, e := range events {
			if err := send(e); err != nil {
				return err
			}
		}
		if len(page) > 0 {
			cursor = page[len(page)-1].Sequence
		}
		if len(page) == watchBatch {
			continue // more may be waiting
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		}
	}
}

// feedView returns the events of a feed page as the party may see them
// (trial.EventForParty). The audience stored with each event decided who reads it at
// all; this decides, for events written before consultation events had their own
// audience too, and for the content, what each party reads.
func feedView(tx ReadTx, party trial.Party, page []*trial.Event) ([]*trial.Event, error) {
	out := make([]*trial.Event, 0, len(page))
	cons := map[string][]*trial.Consultation{}
	for _, e := range page {
		cs, ok := cons[e.ApplicationID]
		if !ok {
			var err error
			if cs, err = tx.Consultations(e.ApplicationID); err != nil {
				return nil, err
			}
			cons[e.ApplicationID] = cs
		}
		if v, ok := trial.EventForParty(party, e, cs); ok {
			out = append(out, v)
		}
	}
	return out, nil
}

// ExportApplicationEvents returns the case and its whole history in one consistent
// read, for archiving: every event with its hashes, and the chain head the case
// records. The caller must see the whole case, as for ListApplicationEvents.
func (s *Service) ExportApplicationEvents(ctx context.Context, actor trial.Actor, appID string) (*trial.Application, []*trial.Event, error) {
	if err := requireCaller(actor); err != nil {
		return nil, nil, err
	}
	var app *trial.Application
	var events []*trial.Event
	err := s.Store.View(ctx, func(tx ReadTx) error {
		var view trial.View
		var err error
		if app, view, err = s.load(tx, actor, appID); err != nil {
			return err
		}
		if view != trial.ViewFull {
			return trial.Errorf(trial.CodePermissionDenied, "the history of %s is not public", trial.ApplicationName(appID))
		}
		// The export holds what the caller may see of the history, as it may see it
		// (trial.EventFor): whole for KDD, whose export verifies as a chain.
		var after uint64
		for {
			var page []*trial.Event
			if page, after, err = s.visibleEvents(tx, actor, appID, after, historyBatch); err != nil {
				return err
			}
			events = append(events, page...)
			if after == 0 {
				return nil
			}
		}
	})
	if err != nil {
		return nil, nil, err
	}
	return app, events, nil
}
