package boltstore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/forsok/forsok/internal/trial"
)

// Timers are kept in two buckets: timers, ordered by due time so the scheduler finds
// what is due with one cursor, and timers_by_application, so that a case's timers can be
// replaced without a scan.

// timerKey returns BE64(due time, Unix ns) + application id + 0x00 + timer key.
func timerKey(t trial.Timer) []byte {
	k := binary.BigEndian.AppendUint64(nil, uint64(t.At.UnixNano()))
	k = append(k, t.ApplicationID...)
	k = append(k, sep)
	return append(k, t.Key()...)
}

// DueTimers implements trial.ReadTx.
func (r *readTx) DueTimers(until time.Time, limit int) ([]trial.Timer, error) {
	var out []trial.Timer
	end := binary.BigEndian.AppendUint64(nil, uint64(until.UnixNano()))
	c := r.tx.Bucket(bucketTimers).Cursor()
	for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
		if bytes.Compare(k[:8], end) > 0 {
			break
		}
		var t trial.Timer
		if err := decode("timer", string(k), v, &t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// PutTimers implements trial.Tx.
func (w *writeTx) PutTimers(applicationID string, timers []trial.Timer) error {
	if applicationID == "" || hasSep(applicationID) {
		return fmt.Errorf("boltstore: put timers: invalid application id %q", applicationID)
	}
	byApp := w.tx.Bucket(bucketTimersByApplication)
	all := w.tx.Bucket(bucketTimers)
	p := prefix(applicationID)
	c := byApp.Cursor()
	var stale [][]byte
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		stale = append(stale, bytes.Clone(k))
		if err := all.Delete(v); err != nil {
			return fmt.Errorf("boltstore: delete timer: %w", err)
		}
	}
	for _, k := range stale {
		if err := byApp.Delete(k); err != nil {
			return fmt.Errorf("boltstore: delete timer index: %w", err)
		}
	}
	for _, t := range timers {
		if t.ApplicationID != applicationID || hasSep(t.Key()) {
			return fmt.Errorf("boltstore: put timers: timer %q does not belong to %q", t.Key(), applicationID)
		}
		data, err := json.Marshal(t)
		if err != nil {
			return fmt.Errorf("boltstore: encode timer: %w", err)
		}
		key := timerKey(t)
		if err := all.Put(key, data); err != nil {
			return fmt.Errorf("boltstore: put timer: %w", err)
		}
		if err := byApp.Put(compositeKey(applicationID, t.Key()), key); err != nil {
			return fmt.Errorf("boltstore: put timer index: %w", err)
		}
	}
	return nil
}
