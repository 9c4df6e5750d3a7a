package boltstore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

// checkInvariants verifies what the package documentation promises about the buckets: each
// index holds exactly the entries its records imply, and the events are numbered 1…N.
func checkInvariants(tx *bolt.Tx) error {
	var errs []error
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}
	for _, name := range allBuckets {
		if tx.Bucket(name) == nil {
			fail("bucket %q is missing", name)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}

	// The entries each index should hold, derived from the records.
	wantMinistry := map[string]bool{}
	wantEventIndex := map[string]bool{}
	wantRequestTime := map[string]bool{}

	_ = tx.Bucket(bucketApplications).ForEach(func(k, v []byte) error {
		var app trial.Application
		if err := json.Unmarshal(v, &app); err != nil {
			fail("application %q: %v", k, err)
			return nil
		}
		if app.ID != string(k) {
			fail("application under key %q has id %q", k, app.ID)
		}
		return nil
	})

	consultations := tx.Bucket(bucketConsultations)
	_ = consultations.ForEach(func(appID, v []byte) error {
		b := consultations.Bucket(appID)
		if b == nil {
			fail("consultations: key %q is not a bucket", appID)
			return nil
		}
		if !has(tx.Bucket(bucketApplications), appID) {
			fail("consultations of %q: no such application", appID)
		}
		return b.ForEach(func(k, v []byte) error {
			var c trial.Consultation
			if err := json.Unmarshal(v, &c); err != nil {
				fail("consultation %s/%x: %v", appID, k, err)
				return nil
			}
			key, ok := consultationKey(c.ID)
			switch {
			case !ok || !bytes.Equal(key, k) || c.ApplicationID != string(appID):
				fail("consultation under %s/%x is %s/%s", appID, k, c.ApplicationID, c.ID)
			case decodeUint(k) > b.Sequence():
				fail("consultation %s/%s is above the counter %d", appID, c.ID, b.Sequence())
			}
			wantMinistry[string(compositeKey(c.Ministry, string(appID)))] = true
			return nil
		})
	})

	events := tx.Bucket(bucketEvents)
	var n uint64
	_ = events.ForEach(func(k, v []byte) error {
		n++
		if len(k) != 8 || decodeUint(k) != n {
			fail("events: key %x where sequence %d was due (a gap)", k, n)
			return nil
		}
		var e trial.Event
		if err := json.Unmarshal(v, &e); err != nil {
			fail("event %d: %v", n, err)
			return nil
		}
		if e.Sequence != n {
			fail("event %d has sequence %d", n, e.Sequence)
		}
		wantEventIndex[string(eventIndexKey(e.ChainKey(), n))] = true
		return nil
	})
	if n != events.Sequence() {
		fail("events: %d events but the sequence is at %d", n, events.Sequence())
	}

	_ = tx.Bucket(bucketRequests).ForEach(func(k, v []byte) error {
		var rec workflow.RequestRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			fail("request record %q: %v", k, err)
			return nil
		}
		wantRequestTime[string(requestTimeKey(rec.Time, string(k)))] = true
		return nil
	})

	for _, idx := range []struct {
		bucket []byte
		want   map[string]bool
	}{
		{bucketIdxMinistry, wantMinistry},
		{bucketEventsByApplication, wantEventIndex},
		{bucketRequestsByTime, wantRequestTime},
	} {
		_ = tx.Bucket(idx.bucket).ForEach(func(k, _ []byte) error {
			if !idx.want[string(k)] {
				fail("%s: stale entry %q", idx.bucket, k)
			}
			delete(idx.want, string(k))
			return nil
		})
		for k := range idx.want {
			fail("%s: missing entry %q", idx.bucket, k)
		}
	}
	errs = append(errs, checkListIndexes(tx)...)
	errs = append(errs, checkFeedInvariants(tx)...)
	return errors.Join(errs...)
}
