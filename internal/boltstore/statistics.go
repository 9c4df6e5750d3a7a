package boltstore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/forsok/forsok/internal/trial"
)

// The public statistics (trial.Statistics): its counters, one key each, and each case's
// contribution, written by the service in the transaction of every event. An event
// changes a handful of counters (trial.Delta); a read walks the few hundred there are.
//
//	statistics
//	├── "_seq"                    BE64 the last event counted
//	└── <counter key>             BE64 int64 count ("applications/state/APPROVED", …)
//	statistics_cases
//	└── <application id>          trial.CaseFacts
var (
	bucketStatistics      = []byte("statistics")
	bucketStatisticsCases = []byte("statistics_cases")
	keyStatisticsSequence = []byte("_seq")
)

// Statistics implements workflow.ReadTx: the aggregate, empty before the first event.
func (r *readTx) Statistics() (*trial.Statistics, error) {
	s := &trial.Statistics{}
	b := r.tx.Bucket(bucketStatistics)
	if b == nil {
		return s, nil
	}
	err := b.ForEach(func(k, v []byte) error {
		if len(v) != 8 {
			return fmt.Errorf("boltstore: statistics counter %q is not 8 bytes", k)
		}
		if bytes.Equal(k, keyStatisticsSequence) {
			s.LastSequence = decodeUint(v)
		} else {
			s.Apply(string(k), int(int64(decodeUint(v))))
		}
		return nil
	})
	return s, err
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
func (w *writeTx) PutStatistics(d trial.Delta, seq uint64, applicationID string, f *trial.CaseFacts) error {
	if err := addCounters(w.tx, d, seq); err != nil {
		return err
	}
	return putFacts(w.tx, applicationID, f)
}

// addCounters adds d to the counters and records seq as the last event counted.
func addCounters(tx *bolt.Tx, d trial.Delta, seq uint64) error {
	b := tx.Bucket(bucketStatistics)
	for k, n := range d {
		if hasSep(k) || k == string(keyStatisticsSequence) {
			return fmt.Errorf("boltstore: statistics counter %q is not a counter key", k)
		}
		var v int64
		if old := b.Get([]byte(k)); len(old) == 8 {
			v = int64(decodeUint(old))
		}
		v += int64(n)
		var err error
		if v == 0 {
			err = b.Delete([]byte(k))
		} else {
			err = b.Put([]byte(k), encodeUint(uint64(v)))
		}
		if err != nil {
			return err
		}
	}
	if old := b.Get(keyStatisticsSequence); len(old) == 8 && decodeUint(old) >= seq {
		return nil
	}
	return b.Put(keyStatisticsSequence, encodeUint(seq))
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
	return addCounters(tx, replay.Counters, replay.Stats.LastSequence)
}
