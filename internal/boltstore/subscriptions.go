package boltstore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	bolt "go.etcd.io/bbolt"

	"github.com/forsok/forsok/internal/trial"
)

// Webhook subscriptions and their deliveries. The outbox bucket is each subscription's
// queue of PENDING deliveries, in sequence order: BE64(subscription id) first, so one
// cursor finds the head of every queue and a queue's entries are contiguous.

// subscriptionKey parses a subscription id into its key.
func subscriptionKey(id string) ([]byte, bool) { return consultationKey(id) }

// deliveryKey returns BE64(subscription id) + BE64(seq).
func deliveryKey(subscriptionKey []byte, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(bytes.Clone(subscriptionKey), seq)
}

// Subscription implements trial.ReadTx.
func (r *readTx) Subscription(id string) (*trial.Subscription, error) {
	key, ok := subscriptionKey(id)
	if !ok {
		return nil, trial.ErrNotFound
	}
	data := r.tx.Bucket(bucketSubscriptions).Get(key)
	if data == nil {
		return nil, trial.ErrNotFound
	}
	sub := new(trial.Subscription)
	if err := decode("subscription", id, data, sub); err != nil {
		return nil, err
	}
	return sub, nil
}

// Subscriptions implements trial.ReadTx.
func (r *readTx) Subscriptions(owner trial.Party) ([]*trial.Subscription, error) {
	if owner == "" || hasSep(string(owner)) {
		return nil, nil
	}
	p := prefix(string(owner))
	subs := r.tx.Bucket(bucketSubscriptions)
	c := r.tx.Bucket(bucketSubsByOwner).Cursor()
	var out []*trial.Subscription
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
		key := k[len(p):]
		data := subs.Get(key)
		if len(key) != 8 || data == nil {
			return nil, fmt.Errorf("boltstore: %s entry %q names no subscription", bucketSubsByOwner, k)
		}
		sub := new(trial.Subscription)
		if err := decode("subscription", strconv.FormatUint(decodeUint(key), 10), data, sub); err != nil {
			return nil, err
		}
		out = append(out, sub)
	}
	return out, nil
}

// Delivery implements trial.ReadTx.
func (r *readTx) Delivery(subscriptionID string, seq uint64) (*trial.Delivery, error) {
	key, ok := subscriptionKey(subscriptionID)
	if !ok {
		return nil, trial.ErrNotFound
	}
	data := r.tx.Bucket(bucketDeliveries).Get(deliveryKey(key, seq))
	if data == nil {
		return nil, trial.ErrNotFound
	}
	return decodeDelivery(data)
}

func decodeDelivery(data []byte) (*trial.Delivery, error) {
	d := new(trial.Delivery)
	if err := json.Unmarshal(data, d); err != nil {
		return nil, fmt.Errorf("boltstore: decode delivery: %w", err)
	}
	return d, nil
}

// Deliveries implements trial.ReadTx.
func (r *readTx) Deliveries(subscriptionID string, before uint64, limit int) ([]*trial.Delivery, error) {
	key, ok := subscriptionKey(subscriptionID)
	if !ok || limit <= 0 {
		return nil, nil
	}
	// Position on the last key below the bound: the next subscription's first key, or
	// this subscription's delivery of event before.
	bound := deliveryKey(key, before)
	if before == 0 {
		next := decodeUint(key) + 1
		bound = encodeUint(next)
		if next == 0 {
			bound = nil
		}
	}
	c := r.tx.Bucket(bucketDeliveries).Cursor()
	var k, v []byte
	if bound == nil {
		k, v = c.Last()
	} else if k, _ = c.Seek(bound); k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	var out []*trial.Delivery
	for ; k != nil && bytes.HasPrefix(k, key) && len(out) < limit; k, v = c.Prev() {
		d, err := decodeDelivery(v)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// PendingDeliveries implements trial.ReadTx: one cursor jumps from the head of one
// subscription's queue to the next.
func (r *readTx) PendingDeliveries(after string, limit int) ([]*trial.Delivery, error) {
	var start []byte
	if after != "" {
		key, ok := subscriptionKey(after)
		if !ok {
			return nil, fmt.Errorf("boltstore: pending deliveries after %q: not a subscription id", after)
		}
		next := decodeUint(key) + 1
		if next == 0 {
			return nil, nil
		}
		start = encodeUint(next)
	}
	deliveries := r.tx.Bucket(bucketDeliveries)
	c := r.tx.Bucket(bucketOutbox).Cursor()
	var out []*trial.Delivery
	for k, _ := c.Seek(start); k != nil && len(out) < limit; {
		if len(k) != 16 {
			return nil, fmt.Errorf("boltstore: malformed %s key %x", bucketOutbox, k)
		}
		data := deliveries.Get(k)
		if data == nil {
			return nil, fmt.Errorf("boltstore: outbox entry %x has no delivery", k)
		}
		d, err := decodeDelivery(data)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
		next := decodeUint(k[:8]) + 1
		if next == 0 {
			break
		}
		k, _ = c.Seek(encodeUint(next))
	}
	return out, nil
}

// NextSubscriptionID implements trial.Tx.
func (w *writeTx) NextSubscriptionID() (string, error) {
	n, err := w.tx.Bucket(bucketSubscriptions).NextSequence()
	if err != nil {
		return "", fmt.Errorf("boltstore: subscription id: %w", err)
	}
	return trial.FormatCounterID(n), nil
}

// PutSubscription implements trial.Tx.
func (w *writeTx) PutSubscription(sub *trial.Subscription) error {
	if sub == nil {
		return errors.New("boltstore: put subscription: nil")
	}
	key, ok := subscriptionKey(sub.ID)
	b := w.tx.Bucket(bucketSubscriptions)
	switch {
	case !ok || decodeUint(key) > b.Sequence():
		return fmt.Errorf("boltstore: put subscription %q: id was not allocated", sub.ID)
	case sub.Owner == "" || hasSep(string(sub.Owner)):
		return fmt.Errorf("boltstore: put subscription %q: invalid owner %q", sub.ID, sub.Owner)
	}
	if old := b.Get(key); old != nil {
		var prev trial.Subscription
		if err := decode("subscription", sub.ID, old, &prev); err != nil {
			return err
		}
		if prev.Owner != sub.Owner {
			return fmt.Errorf("boltstore: put subscription %q: the owner cannot change", sub.ID)
		}
	}
	data, err := json.Marshal(sub)
	if err != nil {
		return fmt.Errorf("boltstore: encode subscription %q: %w", sub.ID, err)
	}
	if err := b.Put(key, data); err != nil {
		return fmt.Errorf("boltstore: put subscription %q: %w", sub.ID, err)
	}
	if err := w.tx.Bucket(bucketSubsByOwner).Put(append(prefix(string(sub.Owner)), key...), nil); err != nil {
		return fmt.Errorf("boltstore: put subscription owner entry: %w", err)
	}
	return nil
}

// DeleteSubscription implements trial.Tx.
func (w *writeTx) DeleteSubscription(id string) error {
	sub, err := w.Subscription(id)
	if err != nil {
		return err
	}
	key, _ := subscriptionKey(id)
	if err := w.tx.Bucket(bucketSubsByOwner).Delete(append(prefix(string(sub.Owner)), key...)); err != nil {
		return fmt.Errorf("boltstore: delete subscription owner entry: %w", err)
	}
	for _, name := range [][]byte{bucketOutbox, bucketDeliveries} {
		if err := deletePrefix(w.tx.Bucket(name), key); err != nil {
			return fmt.Errorf("boltstore: delete %s of subscription %q: %w", name, id, err)
		}
	}
	return w.tx.Bucket(bucketSubscriptions).Delete(key)
}

// deletePrefix deletes every key of b that starts with p.
func deletePrefix(b *bolt.Bucket, p []byte) error {
	// Collect first: deleting under a bbolt cursor can skip the next key.
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// PutDelivery implements trial.Tx: the delivery, and its outbox entry while PENDING.
func (w *writeTx) PutDelivery(d *trial.Delivery) error {
	if d == nil {
		return errors.New("boltstore: put delivery: nil")
	}
	key, ok := subscriptionKey(d.SubscriptionID)
	switch {
	case !ok || !has(w.tx.Bucket(bucketSubscriptions), key):
		return fmt.Errorf("boltstore: put delivery: no subscription %q", d.SubscriptionID)
	case !has(w.tx.Bucket(bucketEvents), encodeUint(d.Sequence)):
		return fmt.Errorf("boltstore: put delivery: no event %d", d.Sequence)
	}
	data, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("boltstore: encode delivery: %w", err)
	}
	k := deliveryKey(key, d.Sequence)
	if err := w.tx.Bucket(bucketDeliveries).Put(k, data); err != nil {
		return fmt.Errorf("boltstore: put delivery: %w", err)
	}
	outbox := w.tx.Bucket(bucketOutbox)
	if d.State == trial.DeliveryPending {
		err = outbox.Put(k, nil)
	} else {
		err = outbox.Delete(k)
	}
	if err != nil {
		return fmt.Errorf("boltstore: outbox: %w", err)
	}
	return nil
}

// NextSubscriptionID implements trial.Tx.
func (t *trackedTx) NextSubscriptionID() (string, error) {
	t.wrote = true
	return t.writeTx.NextSubscriptionID()
}

// PutSubscription implements trial.Tx.
func (t *trackedTx) PutSubscription(sub *trial.Subscription) error {
	t.wrote = true
	return t.writeTx.PutSubscription(sub)
}

// DeleteSubscription implements trial.Tx.
func (t *trackedTx) DeleteSubscription(id string) error {
	t.wrote = true
	return t.writeTx.DeleteSubscription(id)
}

// PutDelivery implements trial.Tx.
func (t *trackedTx) PutDelivery(d *trial.Delivery) error {
	t.wrote = true
	return t.writeTx.PutDelivery(d)
}
