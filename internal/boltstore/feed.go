package boltstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/forsok/forsok/internal/trial"
)

// The event feed: events_by_party holds, for every event, one entry per party in its
// audience (trial.Audience), so that a party's feed is one cursor over its own entries.

// partyEventKey returns party + 0x00 + BE64(seq).
func partyEventKey(party trial.Party, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(prefix(string(party)), seq)
}

// LastEventSequence implements trial.ReadTx.
func (r *readTx) LastEventSequence() (uint64, error) {
	return r.tx.Bucket(bucketEvents).Sequence(), nil
}

// Event implements trial.ReadTx.
func (r *readTx) Event(seq uint64) (*trial.Event, error) {
	data := r.tx.Bucket(bucketEvents).Get(encodeUint(seq))
	if data == nil {
		return nil, trial.ErrNotFound
	}
	e := new(trial.Event)
	if err := decode("event", strconv.FormatUint(seq, 10), data, e); err != nil {
		return nil, err
	}
	return e, nil
}

// FeedEvents implements trial.ReadTx.
func (r *readTx) FeedEvents(party trial.Party, after uint64, limit int) ([]*trial.Event, error) {
	if party == "" || hasSep(string(party)) || limit <= 0 || after == ^uint64(0) {
		return nil, nil
	}
	p := prefix(string(party))
	c := r.tx.Bucket(bucketEventsByParty).Cursor()
	var out []*trial.Event
	for k, _ := c.Seek(partyEventKey(party, after+1)); k != nil && bytes.HasPrefix(k, p) && len(out) < limit; k, _ = c.Next() {
		if len(k) != len(p)+8 {
			return nil, fmt.Errorf("boltstore: malformed %s key %q", bucketEventsByParty, k)
		}
		seq := decodeUint(k[len(p):])
		e, err := r.Event(seq)
		if err != nil {
			return nil, fmt.Errorf("boltstore: event %d of the feed of %s: %w", seq, party, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// IndexEvent implements trial.Tx. The event must have been appended.
func (w *writeTx) IndexEvent(seq uint64, audience []trial.Party) error {
	if !has(w.tx.Bucket(bucketEvents), encodeUint(seq)) {
		return fmt.Errorf("boltstore: index event %d: no such event", seq)
	}
	b := w.tx.Bucket(bucketEventsByParty)
	for _, p := range audience {
		if p == "" || hasSep(string(p)) {
			return fmt.Errorf("boltstore: index event %d: invalid party %q", seq, p)
		}
		if err := b.Put(partyEventKey(p, seq), nil); err != nil {
			return fmt.Errorf("boltstore: index event %d: %w", seq, err)
		}
	}
	return nil
}

// IndexEvent implements trial.Tx.
func (t *trackedTx) IndexEvent(seq uint64, audience []trial.Party) error {
	t.wrote = true
	return t.writeTx.IndexEvent(seq, audience)
}
