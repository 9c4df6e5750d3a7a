package workflow

import (
	"context"

	"github.com/forsok/forsok/internal/trial"
)

// observe folds the event e, just appended, into the public statistics in the same
// transaction: the aggregate is always exactly the history's, an event changes a few
// counters, and reading them costs the same however many cases there are.
func (s *Service) observe(tx Tx, app *trial.Application, cons []*trial.Consultation, e *trial.Event) error {
	prev, err := tx.CaseFacts(e.ApplicationID)
	if err != nil {
		return err
	}
	next := trial.FactsOf(app, prev, e, s.Location)
	return tx.PutStatistics(trial.ObserveDelta(e, app, cons, prev, next, s.Location), e.Sequence, e.ApplicationID, next)
}

// GetStatistics returns the public statistics. They are aggregates over every case and
// the same for every caller, anonymous or not (R22: nothing in them names a case).
func (s *Service) GetStatistics(ctx context.Context) (*trial.Statistics, error) {
	var stats *trial.Statistics
	err := s.Store.View(ctx, func(tx ReadTx) error {
		var err error
		stats, err = tx.Statistics()
		return err
	})
	return stats, err
}
