package boltstore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

// pruneLimit bounds how many expired request records one PutRequest deletes, so a backlog
// never makes a single write slow; each put adds one record and removes up to this many.
const pruneLimit = 16

// readTx implements trial.ReadTx. It lives for one transaction attempt: Update builds a
// new one each time it calls fn.
type readTx struct {
	tx  *bolt.Tx
	now time.Time // the clock, read once per transaction
	ttl time.Duration
}

// writeTx implements trial.Tx.
type writeTx struct {
	readTx
}

var _ workflow.Tx = (*writeTx)(nil)

// decode unmarshals a stored value into a fresh v. JSON decoding copies everything out of
// data, which bbolt owns and which is valid only inside the transaction.
func decode(kind, key string, data []byte, v any) error {
	if err := unmarshal(data, v); err != nil {
		return fmt.Errorf("boltstore: decode %s %q: %w", kind, key, err)
	}
	return nil
}

// Application implements trial.ReadTx.
func (r *readTx) Application(id string) (*trial.Application, error) {
	if id == "" {
		return nil, trial.ErrNotFound
	}
	data := r.tx.Bucket(bucketApplications).Get([]byte(id))
	if data == nil {
		return nil, trial.ErrNotFound
	}
	app := new(trial.Application)
	if err := decode("application", id, data, app); err != nil {
		return nil, err
	}
	return app, nil
}

// Consultations implements trial.ReadTx. A case without consultations, or no case at
// all, has none.
func (r *readTx) Consultations(applicationID string) ([]*trial.Consultation, error) {
	if applicationID == "" {
		return nil, nil
	}
	b := r.tx.Bucket(bucketConsultations).Bucket([]byte(applicationID))
	if b == nil {
		return nil, nil
	}
	var out []*trial.Consultation
	err := b.ForEach(func(k, v []byte) error {
		c := new(trial.Consultation)
		if err := decode("consultation", applicationID+"/"+strconv.FormatUint(decodeUint(k), 10), v, c); err != nil {
			return err
		}
		out = append(out, c)
		return nil
	})
	return out, err
}

// Consultation implements trial.ReadTx.
func (r *readTx) Consultation(applicationID, id string) (*trial.Consultation, error) {
	key, ok := consultationKey(id)
	if applicationID == "" || !ok {
		return nil, trial.ErrNotFound
	}
	b := r.tx.Bucket(bucketConsultations).Bucket([]byte(applicationID))
	if b == nil {
		return nil, trial.ErrNotFound
	}
	data := b.Get(key)
	if data == nil {
		return nil, trial.ErrNotFound
	}
	c := new(trial.Consultation)
	if err := decode("consultation", applicationID+"/"+id, data, c); err != nil {
		return nil, err
	}
	return c, nil
}

// ListEvents implements trial.ReadTx. The caller chooses any positive limit (a case has
// tens of events, not thousands).
func (r *readTx) ListEvents(applicationID string, after uint64, limit int) ([]*trial.Event, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("boltstore: event limit %d: the service resolves sizes before asking", limit)
	}
	if applicationID == "" || after == math.MaxUint64 {
		return nil, nil
	}
	events := r.tx.Bucket(bucketEvents)
	p := prefix(applicationID)
	c := r.tx.Bucket(bucketEventsByApplication).Cursor()
	var out []*trial.Event
	for k, _ := c.Seek(eventIndexKey(applicationID, after+1)); k != nil && bytes.HasPrefix(k, p) && len(out) < limit; k, _ = c.Next() {
		if len(k) != len(p)+8 {
			return nil, fmt.Errorf("boltstore: malformed %s key %q", bucketEventsByApplication, k)
		}
		seq := k[len(p):]
		data := events.Get(seq)
		if data == nil {
			return nil, fmt.Errorf("boltstore: event %d of application %q is indexed but missing", decodeUint(seq), applicationID)
		}
		e := new(trial.Event)
		if err := decode("event", strconv.FormatUint(decodeUint(seq), 10), data, e); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// Request implements trial.ReadTx. A record older than the TTL is absent.
func (r *readTx) Request(key string) (*workflow.RequestRecord, error) {
	if key == "" {
		return nil, nil
	}
	data := r.tx.Bucket(bucketRequests).Get([]byte(key))
	if data == nil {
		return nil, nil
	}
	rec := new(workflow.RequestRecord)
	if err := decode("request record", key, data, rec); err != nil {
		return nil, err
	}
	if r.expired(rec.Time) {
		return nil, nil
	}
	return rec, nil
}

func (r *readTx) expired(t time.Time) bool {
	return !r.now.Before(t.Add(r.ttl))
}

// NextApplicationID implements trial.Tx.
func (w *writeTx) NextApplicationID(year int) (string, error) {
	n, err := w.nextCounter(counterApplicationID, year)
	if err != nil {
		return "", err
	}
	id, ok := trial.FormatApplicationID(year, n)
	if !ok {
		return "", fmt.Errorf("boltstore: application ids of %d exhausted", year)
	}
	return id, nil
}

// NextCaseNumber implements trial.Tx.
func (w *writeTx) NextCaseNumber(year int) (string, error) {
	n, err := w.nextCounter(counterCaseNumber, year)
	if err != nil {
		return "", err
	}
	return trial.FormatCaseNumber(year, n), nil
}

// nextCounter increments and returns the counter name+YYYY in meta. The increment is
// part of the transaction, so a rollback returns the number.
func (w *writeTx) nextCounter(name string, year int) (uint64, error) {
	if year < 1 || year > 9999 {
		return 0, fmt.Errorf("boltstore: year %d out of range 1–9999", year)
	}
	meta := w.tx.Bucket(bucketMeta)
	key := fmt.Appendf(nil, "%s%04d", name, year)
	var n uint64
	if v := meta.Get(key); v != nil {
		n = decodeUint(v)
	}
	n++
	if err := meta.Put(key, encodeUint(n)); err != nil {
		return 0, fmt.Errorf("boltstore: counter %s: %w", key, err)
	}
	return n, nil
}

// PutApplication implements trial.Tx: it stores the case and moves its index entries
// (indexes.go) from those of the previously stored version to the new ones.
func (w *writeTx) PutApplication(app *trial.Application) error {
	switch {
	case app == nil || app.ID == "":
		return errors.New("boltstore: put application: no id")
	case app.State == "":
		return fmt.Errorf("boltstore: put application %q: no state", app.ID)
	}
	data, err := json.Marshal(app)
	if err != nil {
		return fmt.Errorf("boltstore: encode application %q: %w", app.ID, err)
	}
	apps := w.tx.Bucket(bucketApplications)
	// reindexApplication checks the keys before it writes anything, so a refused case
	// leaves the transaction as it was.
	if err := w.reindexApplication(app.ID, apps.Get([]byte(app.ID)), app); err != nil {
		return err
	}
	if err := apps.Put([]byte(app.ID), data); err != nil {
		return fmt.Errorf("boltstore: put application %q: %w", app.ID, err)
	}
	return nil
}

// moveEntries deletes the index keys in old that are not in new and puts those of new.
func moveEntries(b *bolt.Bucket, old, new [][]byte) error {
	for _, k := range old {
		if slices.ContainsFunc(new, func(n []byte) bool { return bytes.Equal(n, k) }) {
			continue
		}
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("boltstore: delete index entry %q: %w", k, err)
		}
	}
	for _, k := range new {
		if err := b.Put(k, nil); err != nil {
			return fmt.Errorf("boltstore: put index entry %q: %w", k, err)
		}
	}
	return nil
}

// DeleteApplication implements trial.Tx. It removes the case, its index entries and, should
// it have any (a draft has none), its consultations. Its events stay.
func (w *writeTx) DeleteApplication(id string) error {
	apps := w.tx.Bucket(bucketApplications)
	old := apps.Get([]byte(id))
	if id == "" || old == nil {
		return trial.ErrNotFound
	}
	if err := w.reindexApplication(id, old, nil); err != nil {
		return err
	}

	consultations, err := w.Consultations(id)
	if err != nil {
		return err
	}
	var ministries [][]byte
	for _, c := range consultations {
		ministries = append(ministries, compositeKey(c.Ministry, id))
	}
	if err := moveEntries(w.tx.Bucket(bucketIdxMinistry), ministries, nil); err != nil {
		return err
	}
	if w.tx.Bucket(bucketConsultations).Bucket([]byte(id)) != nil {
		if err := w.tx.Bucket(bucketConsultations).DeleteBucket([]byte(id)); err != nil {
			return fmt.Errorf("boltstore: delete consultations of %q: %w", id, err)
		}
	}
	if err := apps.Delete([]byte(id)); err != nil {
		return fmt.Errorf("boltstore: delete application %q: %w", id, err)
	}
	return nil
}

// NextConsultationID implements trial.Tx. The counter is the sequence of the case's
// consultations bucket.
func (w *writeTx) NextConsultationID(applicationID string) (string, error) {
	if applicationID == "" || !has(w.tx.Bucket(bucketApplications), []byte(applicationID)) {
		return "", trial.ErrNotFound
	}
	b, err := w.tx.Bucket(bucketConsultations).CreateBucketIfNotExists([]byte(applicationID))
	if err != nil {
		return "", fmt.Errorf("boltstore: consultations of %q: %w", applicationID, err)
	}
	n, err := b.NextSequence()
	if err != nil {
		return "", fmt.Errorf("boltstore: consultation id of %q: %w", applicationID, err)
	}
	return trial.FormatCounterID(n), nil
}

// PutConsultation implements trial.Tx. The case must exist and the id must have come from
// NextConsultationID, so a later allocation can never overwrite it.
func (w *writeTx) PutConsultation(c *trial.Consultation) error {
	if c == nil || c.ApplicationID == "" {
		return errors.New("boltstore: put consultation: no application id")
	}
	name := c.ApplicationID + "/" + c.ID
	key, ok := consultationKey(c.ID)
	switch {
	case !ok:
		return fmt.Errorf("boltstore: put consultation %q: id is not one NextConsultationID allocates", name)
	case c.Ministry == "" || hasSep(c.Ministry):
		return fmt.Errorf("boltstore: put consultation %q: missing or malformed ministry %q", name, c.Ministry)
	case !has(w.tx.Bucket(bucketApplications), []byte(c.ApplicationID)):
		return trial.ErrNotFound
	}
	b := w.tx.Bucket(bucketConsultations).Bucket([]byte(c.ApplicationID))
	if b == nil || decodeUint(key) > b.Sequence() {
		return fmt.Errorf("boltstore: put consultation %q: id was not allocated", name)
	}
	data, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("boltstore: encode consultation %q: %w", name, err)
	}
	oldMinistry := ""
	var previous *trial.Consultation
	if old := b.Get(key); old != nil {
		previous = new(trial.Consultation)
		if err := decode("consultation", name, old, previous); err != nil {
			return err
		}
		oldMinistry = previous.Ministry
	}
	if err := b.Put(key, data); err != nil {
		return fmt.Errorf("boltstore: put consultation %q: %w", name, err)
	}
	if err := w.indexOpenConsultation(previous, c); err != nil {
		return err
	}
	idx := w.tx.Bucket(bucketIdxMinistry)
	if err := idx.Put(compositeKey(c.Ministry, c.ApplicationID), nil); err != nil {
		return fmt.Errorf("boltstore: put index entry: %w", err)
	}
	if oldMinistry == "" || oldMinistry == c.Ministry {
		return nil
	}
	// The consultation moved to another ministry (the Service never does this, but the
	// index must stay true): drop the old entry unless another consultation keeps it.
	others, err := w.Consultations(c.ApplicationID)
	if err != nil {
		return err
	}
	if slices.ContainsFunc(others, func(o *trial.Consultation) bool { return o.Ministry == oldMinistry }) {
		return nil
	}
	return idx.Delete(compositeKey(oldMinistry, c.ApplicationID))
}

// AppendEvent implements trial.Tx. The sequence comes from the events bucket's sequence,
// which only committed transactions advance (see the package documentation).
func (w *writeTx) AppendEvent(e *trial.Event) error {
	if e == nil || e.ChainKey() == "" || (e.Call != "" && e.ApplicationID != "") {
		return errors.New("boltstore: append event: no application id, or both an application and a call")
	}
	if hasSep(e.ChainKey()) {
		return fmt.Errorf("boltstore: append event: id %q contains a NUL byte", e.ChainKey())
	}
	events := w.tx.Bucket(bucketEvents)
	seq, err := events.NextSequence()
	if err != nil {
		return fmt.Errorf("boltstore: event sequence: %w", err)
	}
	e.Sequence = seq
	if err := w.linkChain(e); err != nil {
		return err
	}
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("boltstore: encode event %d: %w", seq, err)
	}
	if err := events.Put(encodeUint(seq), data); err != nil {
		return fmt.Errorf("boltstore: put event %d: %w", seq, err)
	}
	if err := w.tx.Bucket(bucketEventsByApplication).Put(eventIndexKey(e.ChainKey(), seq), nil); err != nil {
		return fmt.Errorf("boltstore: put event index %d: %w", seq, err)
	}
	return nil
}

// PutRequest implements trial.Tx. A record without a time is stamped with the
// transaction's clock (on a copy: rec is the caller's). Expired records are pruned.
func (w *writeTx) PutRequest(key string, rec *workflow.RequestRecord) error {
	if key == "" || rec == nil {
		return errors.New("boltstore: put request: no key or record")
	}
	stored := *rec
	if stored.Time.IsZero() {
		stored.Time = w.now
	}
	data, err := json.Marshal(&stored)
	if err != nil {
		return fmt.Errorf("boltstore: encode request record %q: %w", key, err)
	}
	requests := w.tx.Bucket(bucketRequests)
	byTime := w.tx.Bucket(bucketRequestsByTime)
	if old := requests.Get([]byte(key)); old != nil {
		var prev workflow.RequestRecord
		if err := decode("request record", key, old, &prev); err != nil {
			return err
		}
		if err := byTime.Delete(requestTimeKey(prev.Time, key)); err != nil {
			return fmt.Errorf("boltstore: delete request time entry: %w", err)
		}
	}
	if err := requests.Put([]byte(key), data); err != nil {
		return fmt.Errorf("boltstore: put request record %q: %w", key, err)
	}
	if err := byTime.Put(requestTimeKey(stored.Time, key), nil); err != nil {
		return fmt.Errorf("boltstore: put request time entry: %w", err)
	}
	return w.pruneRequests(pruneLimit)
}

// pruneRequests deletes up to limit expired request records, oldest first.
func (w *writeTx) pruneRequests(limit int) error {
	requests := w.tx.Bucket(bucketRequests)
	byTime := w.tx.Bucket(bucketRequestsByTime)
	// Collect first: deleting under a bbolt cursor can skip the next key.
	var expired [][]byte
	c := byTime.Cursor()
	for k, _ := c.First(); k != nil && len(expired) < limit; k, _ = c.Next() {
		if len(k) < 8 || !w.expired(requestTime(k)) {
			break
		}
		expired = append(expired, bytes.Clone(k))
	}
	for _, k := range expired {
		if err := requests.Delete(k[8:]); err != nil {
			return fmt.Errorf("boltstore: prune request record: %w", err)
		}
		if err := byTime.Delete(k); err != nil {
			return fmt.Errorf("boltstore: prune request time entry: %w", err)
		}
	}
	return nil
}

// requestTimeKey returns BE64(t as Unix nanoseconds) + key. Times before 1970 count as
// 1970: they are long expired either way.
func requestTimeKey(t time.Time, key string) []byte {
	ns := max(t.UnixNano(), 0)
	return append(encodeUint(uint64(ns)), key...)
}

func requestTime(k []byte) time.Time {
	return time.Unix(0, int64(decodeUint(k[:8])))
}
