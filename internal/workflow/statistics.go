package workflow

import (
	"context"

	"github.com/forsok/forsok/internal/trial"
)

// observe folds the event e, just appended, into the public statistics in the same
// transaction: the aggregate is always exactly the history's, and reading it costs one
// key, however many cases there are.
func (s *Service) observe(tx Tx, app *trial.Application, cons []*trial.Consultation, e *trial.Event) error {
	prev, err := tx.CaseFacts(e.ApplicationID)
	if err != nil {
		return err
	}
	stats, err := tx.Statistics()
	if err != nil {
		return err
	}
	next := trial.FactsOf(app, prev, e, s.Location)
	stats.Observe(e, app, cons, prev, next, s.Location)
	return tx.PutStatistics(stats, e.ApplicationID, next)
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
