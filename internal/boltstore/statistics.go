package boltstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/forsok/forsok/internal/trial"
)

// The public statistics (trial.Statistics): one aggregate and each case's contribution
// to it, written by the service in the transaction of every event.
//
//	statistics
//	└── "all"                     trial.Statistics
//	statistics_cases
//	└── <application id>          trial.CaseFacts
var (
	bucketStatistics      = []byte("statistics")
	bucketStatisticsCases = []byte("statistics_cases")
	keyStatistics         = []byte("all")
)

// Statistics implements workflow.ReadTx: the aggregate, empty before the first event.
func (r *readTx) Statistics() (*trial.Statistics, error) {
	s := &trial.Statistics{}
	if b := r.tx.Bucket(bucketStatistics); b != nil {
		if data := b.Get(keyStatistics); data != nil {
			if err := decode("statistics", "all", data, s); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// CaseFacts implements workflow.ReadTx: the case's contribution, nil when it has none yet.
func (r *readTx) CaseFacts(applicationID string) (*trial.CaseFacts, error) {
	data := r.tx.Bucket(bucketStatisticsCases).Get([]byte(applicationID))
	if data == nil {
		return nil, nil
	}
	f := &trial.CaseFacts{}
	if err := decode("statistics of case", applicationID, data, f); err != nil {
		return nil, err
	}
	return f, nil
}

// PutStatistics implements workflow.Tx.
func (w *writeTx) PutStatistics(s *trial.Statistics, applicationID string, f *trial.CaseFacts) error {
	return putStatistics(w.tx, s, applicationID, f)
}

func putStatistics(tx *bolt.Tx, s *trial.Statistics, applicationID string, f *trial.CaseFacts) error {
	if err := putAggregate(tx, s); err != nil {
		return err
	}
	return putFacts(tx, applicationID, f)
}

func putAggregate(tx *bolt.Tx, s *trial.Statistics) error {
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("boltstore: encode statistics: %w", err)
	}
	return tx.Bucket(bucketStatistics).Put(keyStatistics, data)
}

func putFacts(tx *bolt.Tx, applicationID string, f *trial.CaseFacts) error {
	data, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("boltstore: encode statistics of case %q: %w", applicationID, err)
	}
	return tx.Bucket(bucketStatisticsCases).Put([]byte(applicationID), data)
}

// migrateToStatistics (schema version 4) rebuilds the list indexes, which gained the
// county and title indexes, and the statistics from the history
// (trial.StatisticsReplay). Both start from empty, so it gives the same result however
// often it runs.
func migrateToStatistics(tx *bolt.Tx) error {
	if err := migrateListIndexes(tx); err != nil {
		return err
	}
	for _, name := range [][]byte{bucketStatistics, bucketStatisticsCases} {
		if tx.Bucket(name) != nil {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
		}
		if _, err := tx.CreateBucket(name); err != nil {
			return err
		}
	}
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		return err
	}
	r := &readTx{tx: tx}
	replay := trial.NewStatisticsReplay(loc)
	err = tx.Bucket(bucketEvents).ForEach(func(k, data []byte) error {
		e := &trial.Event{}
		if err := decode("event", string(k), data, e); err != nil {
			return err
		}
		app, err := r.Application(e.ApplicationID)
		if errors.Is(err, trial.ErrNotFound) {
			app, err = nil, nil
		}
		if err != nil {
			return err
		}
		var cons []*trial.Consultation
		if app != nil && e.ConsultationID != "" {
			if cons, err = r.Consultations(e.ApplicationID); err != nil {
				return err
			}
		}
		replay.Event(e, app, cons)
		return nil
	})
	if err != nil {
		return err
	}
	for id, f := range replay.Facts {
		if err := putFacts(tx, id, f); err != nil {
			return err
		}
	}
	return putAggregate(tx, replay.Stats)
}
