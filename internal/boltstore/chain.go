package boltstore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/forsok/forsok/internal/trial"
)

// Hash chains (trial/chain.go): AppendEvent links each event to the case's previous one
// and hashes it, in the transaction that stores it. Verify checks every chain, offline.

// linkChain sets e.PrevHash to the hash of the case's last event ("" for its first)
// and e.Hash to the event's hash. It runs before e's own index entry is written.
func (w *writeTx) linkChain(e *trial.Event) error {
	prev, err := w.lastEventHash(e.ChainKey())
	if err != nil {
		return err
	}
	e.PrevHash = prev
	e.Hash = trial.EventHash(e)
	return nil
}

// lastEventHash returns the stored hash of the case's last event, "" when it has none.
func (r *readTx) lastEventHash(applicationID string) (string, error) {
	p := prefix(applicationID)
	c := r.tx.Bucket(bucketEventsByApplication).Cursor()
	// No event has sequence 2^64-1, so the seek lands past the case's entries.
	k, _ := c.Seek(eventIndexKey(applicationID, math.MaxUint64))
	if k == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Prev()
	}
	if k == nil || !bytes.HasPrefix(k, p) {
		return "", nil
	}
	if len(k) != len(p)+8 {
		return "", fmt.Errorf("boltstore: malformed %s key %q", bucketEventsByApplication, k)
	}
	data := r.tx.Bucket(bucketEvents).Get(k[len(p):])
	if data == nil {
		return "", fmt.Errorf("boltstore: event %d of application %q is indexed but missing", decodeUint(k[len(p):]), applicationID)
	}
	var last struct {
		Hash string `json:"hash"`
	}
	if err := json.Unmarshal(data, &last); err != nil {
		return "", fmt.Errorf("boltstore: decode event %d: %w", decodeUint(k[len(p):]), err)
	}
	return last.Hash, nil
}

// ChainReport is what a check of the hash chains found.
type ChainReport struct {
	Events int
	Cases  int
	// Documents is how many documents were checked against their events' SHA-256.
	Documents int
	Problems  []trial.ChainProblem
}

// verifyChains checks every event's hash and link in sequence order, and every case's
// recorded chain head against its last event. It reads what it can: an event that
// cannot be decoded is a problem of its own, named by the case the index files it under.
func verifyChains(tx *bolt.Tx) ChainReport {
	caseOf := map[uint64]string{}
	_ = tx.Bucket(bucketEventsByApplication).ForEach(func(k, _ []byte) error {
		if i := bytes.IndexByte(k, sep); i >= 0 && len(k) == i+9 {
			caseOf[decodeUint(k[i+1:])] = string(k[:i])
		}
		return nil
	})
	var rep ChainReport
	var v trial.ChainVerifier
	recorded := map[string]string{}
	_ = tx.Bucket(bucketEvents).ForEach(func(k, data []byte) error {
		rep.Events++
		if len(k) != 8 {
			rep.Problems = append(rep.Problems, trial.ChainProblem{Problem: fmt.Sprintf("an event is stored under the malformed key %x", k)})
			return nil
		}
		seq := decodeUint(k)
		var e trial.Event
		if err := json.Unmarshal(data, &e); err != nil {
			rep.Problems = append(rep.Problems, v.Unreadable(caseOf[seq], seq, err))
			return nil
		}
		if e.Sequence != seq {
			rep.Problems = append(rep.Problems, trial.ChainProblem{ApplicationID: e.ChainKey(), Sequence: seq,
				Problem: fmt.Sprintf("is stored as event %d but says it is event %d", seq, e.Sequence)})
		}
		if owner, ok := caseOf[seq]; ok && owner != e.ChainKey() {
			rep.Problems = append(rep.Problems, trial.ChainProblem{ApplicationID: owner, Sequence: seq,
				Problem: fmt.Sprintf("is filed under this case but says it belongs to %s", trial.EventParentName(&e))})
		}
		rep.Problems = append(rep.Problems, v.Add(&e)...)
		for _, c := range e.Changes {
			if docID, sum, ok := trial.ParseDocumentChange(c); ok {
				recorded[e.ApplicationID+"/"+docID] = sum
			}
		}
		return nil
	})
	verifyDocuments(tx, recorded, &rep)
	_ = tx.Bucket(bucketApplications).ForEach(func(k, data []byte) error {
		var app struct {
			ChainHead *trial.ChainHead `json:"chainHead"`
		}
		if err := json.Unmarshal(data, &app); err != nil {
			rep.Problems = append(rep.Problems, trial.ChainProblem{ApplicationID: string(k), Problem: "cannot be read: " + err.Error()})
			return nil
		}
		if p := v.CheckHead(string(k), app.ChainHead); p != nil {
			rep.Problems = append(rep.Problems, *p)
		}
		return nil
	})
	// A call has its own chain (trial/call.go), its head recorded on the call.
	_ = tx.Bucket(bucketCalls).ForEach(func(k, data []byte) error {
		key := trial.CallName(string(k))
		var c struct {
			ChainHead *trial.ChainHead `json:"chainHead"`
		}
		if err := json.Unmarshal(data, &c); err != nil {
			rep.Problems = append(rep.Problems, trial.ChainProblem{ApplicationID: key, Problem: "cannot be read: " + err.Error()})
			return nil
		}
		if p := v.CheckHead(key, c.ChainHead); p != nil {
			rep.Problems = append(rep.Problems, *p)
		}
		return nil
	})
	rep.Cases = v.Cases()
	return rep
}

// VerifyChains checks every case's hash chain on the open store.
func (s *Store) VerifyChains() ChainReport {
	var rep ChainReport
	_ = s.db.View(func(tx *bolt.Tx) error {
		rep = verifyChains(tx)
		return nil
	})
	return rep
}

// AuditReport is the result of Audit.
type AuditReport struct {
	SchemaVersion uint64
	// Consistency holds what bbolt's page check and the store's invariant check found
	// (Store.Check); when the pages are broken, the rest is not checked.
	Consistency []error
	ChainReport
}

// OK reports whether Audit found nothing wrong.
func (r *AuditReport) OK() bool { return len(r.Consistency) == 0 && len(r.Problems) == 0 }

// Audit opens the database file at path read-only, without changing or migrating it,
// and checks bbolt's page consistency, the store's invariants and every case's hash
// chain. It fails with ErrLocked when a running server holds the file. A nil error
// means the check ran; the report says what it found.
func Audit(path string, opts Options) (*AuditReport, error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	db, err := openReadOnly(path, opts.LockTimeout)
	if errors.Is(err, ErrLocked) {
		return nil, fmt.Errorf("boltstore: open %s: %w: stop the server first, verify needs the file to itself", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	defer db.Close()
	rep := &AuditReport{}
	err = db.View(func(tx *bolt.Tx) error {
		if err := checkSize(tx, path); err != nil {
			return err
		}
		if rep.SchemaVersion, err = schemaVersion(tx); err != nil {
			return err
		}
		if rep.SchemaVersion < SchemaVersion {
			return fmt.Errorf("%w: the file has schema version %d, older than this program's %d; start forsokd on it once to migrate it (version 2 adds the hash chains), then verify", ErrSchemaVersion, rep.SchemaVersion, SchemaVersion)
		}
		var pagesHold bool
		if rep.Consistency, pagesHold = checkFile(tx); !pagesHold {
			return nil // the chains would read broken pages
		}
		rep.ChainReport = verifyChains(tx)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: audit %s: %w", path, err)
	}
	return rep, nil
}

// eachEvent calls fn with every stored event up to the sequence last, in sequence
// order; a number without an event (its transaction rolled back) is skipped.
func (r *readTx) eachEvent(last uint64, fn func(seq uint64, e *trial.Event) error) error {
	for seq := uint64(1); seq <= last; seq++ {
		e, err := r.Event(seq)
		if errors.Is(err, trial.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if err := fn(seq, e); err != nil {
			return err
		}
	}
	return nil
}

// migrateToChains upgrades schema version 1 to 2: it computes every case's hash chain
// over the existing events, in sequence order, records each case's chain head, and
// fills the feed's audience index. Events from before version 2 get the audience of
// their case as it stands now, with the state the event left it in; those of deleted
// drafts, the municipalities that acted on them.
func migrateToChains(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketEventsByParty} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %q: %w", name, err)
		}
	}
	r := &readTx{tx: tx}
	events := tx.Bucket(bucketEvents)
	last := events.Sequence()

	// The municipalities that acted on each case: the audience of a deleted draft.
	actors := map[string][]trial.Party{}
	err := r.eachEvent(last, func(_ uint64, e *trial.Event) error {
		if e.Actor.Role == trial.RoleMunicipality && e.Actor.OrganisationNumber != "" {
			p := trial.OrganisationParty(e.Actor.OrganisationNumber)
			if !slices.Contains(actors[e.ApplicationID], p) {
				actors[e.ApplicationID] = append(actors[e.ApplicationID], p)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}

	heads := map[string]trial.ChainHead{}
	w := &writeTx{readTx: *r}
	err = r.eachEvent(last, func(seq uint64, e *trial.Event) error {
		e.PrevHash = heads[e.ApplicationID].Hash
		e.Hash = trial.EventHash(e)
		data, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("encode event %d: %w", seq, err)
		}
		if err := events.Put(encodeUint(seq), data); err != nil {
			return fmt.Errorf("put event %d: %w", seq, err)
		}
		heads[e.ApplicationID] = trial.ChainHead{Sequence: seq, Hash: e.Hash}

		audience := actors[e.ApplicationID]
		app, err := r.Application(e.ApplicationID)
		switch {
		case err == nil:
			cons, err := r.Consultations(e.ApplicationID)
			if err != nil {
				return err
			}
			then := *app
			if then.State = e.ToState; then.State == trial.StateNone {
				then.State = e.FromState
			}
			audience = trial.Audience(&then, cons)
		case !errors.Is(err, trial.ErrNotFound):
			return err
		}
		return w.IndexEvent(seq, audience)
	})
	if err != nil {
		return err
	}

	apps := tx.Bucket(bucketApplications)
	for id, head := range heads {
		app, err := r.Application(id)
		if errors.Is(err, trial.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		app.ChainHead = &head
		data, err := json.Marshal(app)
		if err != nil {
			return fmt.Errorf("encode application %q: %w", id, err)
		}
		if err := apps.Put([]byte(id), data); err != nil {
			return fmt.Errorf("put application %q: %w", id, err)
		}
	}
	return nil
}
