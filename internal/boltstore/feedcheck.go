package boltstore

import (
	"bytes"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/forsok/forsok/internal/trial"
)

// checkFeedInvariants verifies the buckets of the feed and the webhooks: every feed
// entry names an event, every subscription has its owner entry and the other way round,
// every delivery belongs to a subscription and an event, and the outbox holds exactly
// the PENDING deliveries.
func checkFeedInvariants(tx *bolt.Tx) []error {
	var errs []error
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}
	events := tx.Bucket(bucketEvents)
	_ = tx.Bucket(bucketEventsByParty).ForEach(func(k, _ []byte) error {
		i := bytes.IndexByte(k, sep)
		if i <= 0 || len(k) != i+9 {
			fail("%s: malformed key %q", bucketEventsByParty, k)
		} else if events.Get(k[i+1:]) == nil {
			fail("%s: entry %q names no event", bucketEventsByParty, k)
		}
		return nil
	})

	subs := tx.Bucket(bucketSubscriptions)
	wantOwner := map[string]bool{}
	_ = subs.ForEach(func(k, v []byte) error {
		var sub trial.Subscription
		if err := json.Unmarshal(v, &sub); err != nil {
			fail("subscription %x: %v", k, err)
			return nil
		}
		if key, ok := subscriptionKey(sub.ID); !ok || !bytes.Equal(key, k) || decodeUint(k) > subs.Sequence() {
			fail("subscription under %x has id %q", k, sub.ID)
		}
		wantOwner[string(append(prefix(string(sub.Owner)), k...))] = true
		return nil
	})
	_ = tx.Bucket(bucketSubsByOwner).ForEach(func(k, _ []byte) error {
		if !wantOwner[string(k)] {
			fail("%s: stale entry %q", bucketSubsByOwner, k)
		}
		delete(wantOwner, string(k))
		return nil
	})
	for k := range wantOwner {
		fail("%s: missing entry %q", bucketSubsByOwner, k)
	}

	wantOutbox := map[string]bool{}
	_ = tx.Bucket(bucketDeliveries).ForEach(func(k, v []byte) error {
		d, err := decodeDelivery(v)
		if err != nil {
			fail("delivery %x: %v", k, err)
			return nil
		}
		key, ok := subscriptionKey(d.SubscriptionID)
		switch {
		case !ok || !bytes.Equal(deliveryKey(key, d.Sequence), k):
			fail("delivery under %x is %s", k, trial.DeliveryName(d.SubscriptionID, d.Sequence))
		case subs.Get(key) == nil:
			fail("delivery %s: no such subscription", trial.DeliveryName(d.SubscriptionID, d.Sequence))
		case events.Get(encodeUint(d.Sequence)) == nil:
			fail("delivery %s: no such event", trial.DeliveryName(d.SubscriptionID, d.Sequence))
		}
		if d.State == trial.DeliveryPending {
			wantOutbox[string(k)] = true
		}
		return nil
	})
	_ = tx.Bucket(bucketOutbox).ForEach(func(k, _ []byte) error {
		if !wantOutbox[string(k)] {
			fail("%s: entry %x is not a pending delivery", bucketOutbox, k)
		}
		delete(wantOutbox, string(k))
		return nil
	})
	for k := range wantOutbox {
		fail("%s: pending delivery %x is missing", bucketOutbox, k)
	}
	return errs
}
