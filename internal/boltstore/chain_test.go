package boltstore_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/forsok/forsok/internal/boltstore"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

// boltUpdate changes the closed database file at path directly, as someone with the
// file but not the program would.
func boltUpdate(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("bolt.Open: %v", err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatalf("bolt.Update: %v", err)
	}
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// chainFixture writes two cases with three events each, interleaved (sequences
// x: 1, 3, 5; y: 2, 4, 6), the way the service does: the event, its audience, the case
// with its chain head. It returns the events as appended.
func chainFixture(t *testing.T, s *boltstore.Store) []*trial.Event {
	t.Helper()
	const x, y = "2026-000001", "2026-000002"
	var out []*trial.Event
	for i, action := range []trial.Action{trial.ActionCreate, trial.ActionCreate, trial.ActionUpdate, trial.ActionUpdate, trial.ActionSubmit, trial.ActionSubmit} {
		id, org := x, "940931002"
		if i%2 == 1 {
			id, org = y, "964518009"
		}
		state := trial.StateDraft
		if action == trial.ActionSubmit {
			state = trial.StateSubmitted
		}
		e := &trial.Event{ApplicationID: id, Time: t0.Add(time.Duration(i) * time.Minute), Action: action, ToState: state,
			Actor: trial.Actor{OrganisationNumber: org, Role: trial.RoleMunicipality}, Comment: "Kommentar nummer " + string(rune('A'+i))}
		mustUpdate(t, s, func(tx workflow.Tx) error {
			if err := tx.AppendEvent(e); err != nil {
				return err
			}
			a := app(id, state, org)
			a.ChainHead = &trial.ChainHead{Sequence: e.Sequence, Hash: e.Hash}
			if err := tx.IndexEvent(e.Sequence, trial.Audience(a, nil)); err != nil {
				return err
			}
			return tx.PutApplication(a)
		})
		out = append(out, e)
	}
	return out
}

func TestAppendEvent_LinksEachCasesChain(t *testing.T) {
	s := mustOpen(t)
	events := chainFixture(t, s)
	last := map[string]string{}
	for _, e := range events {
		if e.PrevHash != last[e.ApplicationID] {
			t.Errorf("event %d: prevHash %q, want the case's previous hash %q", e.Sequence, e.PrevHash, last[e.ApplicationID])
		}
		if e.Hash != trial.EventHash(e) {
			t.Errorf("event %d: hash %s, want %s", e.Sequence, e.Hash, trial.EventHash(e))
		}
		last[e.ApplicationID] = e.Hash
	}
	if rep := s.VerifyChains(); len(rep.Problems) != 0 || rep.Events != 6 || rep.Cases != 2 {
		t.Errorf("VerifyChains: got %+v, want 6 events in 2 cases, no problems", rep)
	}
	// The feed: each case's events for its municipality; KDD those that left a
	// submitted case.
	mustView(t, s, func(tx workflow.ReadTx) error {
		for _, tt := range []struct {
			party trial.Party
			after uint64
			want  []uint64
		}{
			{trial.OrganisationParty("940931002"), 0, []uint64{1, 3, 5}},
			{trial.OrganisationParty("964518009"), 2, []uint64{4, 6}},
			{trial.PartyKDD, 0, []uint64{5, 6}},
			{trial.MinistryParty("KD"), 0, nil},
		} {
			events, err := tx.FeedEvents(tt.party, tt.after, 10)
			if err != nil {
				return err
			}
			var got []uint64
			for _, e := range events {
				got = append(got, e.Sequence)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("FeedEvents(%s, %d): got %v, want %v", tt.party, tt.after, got, tt.want)
			}
		}
		return nil
	})
}

// TestAudit_FlippedByte: one byte of one stored event changed behind the program's back
// makes Audit name exactly that case and event.
func TestAudit_FlippedByte(t *testing.T) {
	tests := []struct {
		name string
		flip func(value []byte) []byte
		want string
		// unreadable: the invariant check cannot read the event either.
		unreadable bool
	}{
		{"InText", func(v []byte) []byte {
			i := bytes.Index(v, []byte("nummer C"))
			v[i+len("nummer ")] = 'D' // "nummer C" → "nummer D"
			return v
		}, "the event was changed", false},
		{"InJSONStructure", func(v []byte) []byte {
			v[0] = '[' // no longer a JSON object
			return v
		}, "cannot be read", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "forsok.db")
			s, err := boltstore.Open(path, boltstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			chainFixture(t, s)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			rep, err := boltstore.Audit(path, boltstore.Options{})
			if err != nil || !rep.OK() {
				t.Fatalf("Audit before: got %+v, %v; want OK", rep, err)
			}
			boltUpdate(t, path, func(tx *bolt.Tx) error {
				b := tx.Bucket([]byte("events"))
				v := bytes.Clone(b.Get(seqKey(3)))
				return b.Put(seqKey(3), tt.flip(v))
			})
			rep, err = boltstore.Audit(path, boltstore.Options{})
			if err != nil {
				t.Fatalf("Audit: %v", err)
			}
			if (len(rep.Consistency) != 0) != tt.unreadable {
				t.Errorf("consistency: got %v, want problems: %v", rep.Consistency, tt.unreadable)
			}
			if len(rep.Problems) != 1 {
				t.Fatalf("got %d problems %v, want 1", len(rep.Problems), rep.Problems)
			}
			p := rep.Problems[0]
			if p.ApplicationID != "2026-000001" || p.Sequence != 3 || !strings.Contains(p.Problem, tt.want) {
				t.Errorf("got %s, want applications/2026-000001/events/3 with %q", p, tt.want)
			}
			if !strings.HasPrefix(p.String(), "applications/2026-000001/events/3: ") {
				t.Errorf("String: got %q", p.String())
			}
			if rep.OK() {
				t.Error("OK: got true, want false")
			}
		})
	}
}

func TestAudit_Refusals(t *testing.T) {
	t.Run("ErrLocked", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "forsok.db")
		mustOpenAt(t, path, boltstore.Options{})
		_, err := boltstore.Audit(path, boltstore.Options{LockTimeout: 50 * time.Millisecond})
		if !errors.Is(err, boltstore.ErrLocked) || !strings.Contains(err.Error(), "stop the server") {
			t.Errorf("got %v, want ErrLocked telling to stop the server", err)
		}
	})
	t.Run("ErrOlderSchema", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "forsok.db")
		s, err := boltstore.Open(path, boltstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		boltUpdate(t, path, setSchemaVersion(1))
		if _, err := boltstore.Audit(path, boltstore.Options{}); !errors.Is(err, boltstore.ErrSchemaVersion) {
			t.Errorf("got %v, want ErrSchemaVersion", err)
		}
	})
	t.Run("ErrMissing", func(t *testing.T) {
		if _, err := boltstore.Audit(filepath.Join(t.TempDir(), "none.db"), boltstore.Options{}); err == nil {
			t.Error("got nil, want an error")
		}
	})
}

// TestMigrateToChains: a file of schema version 1 (events without hashes, cases without
// chain heads, no feed index) opens as the current version with every chain computed
// as AppendEvent computes it.
func TestMigrateToChains(t *testing.T) {
	path := filepath.Join(t.TempDir(), "forsok.db")
	s, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := chainFixture(t, s)
	// A deleted draft: its events stay, its case does not.
	gone := &trial.Event{ApplicationID: "2026-000003", Time: t0, Action: trial.ActionCreate, ToState: trial.StateDraft,
		Actor: trial.Actor{OrganisationNumber: "910000012", Role: trial.RoleMunicipality}}
	mustUpdate(t, s, func(tx workflow.Tx) error { return tx.AppendEvent(gone) })
	want = append(want, gone)
	s.Close()

	boltUpdate(t, path, func(tx *bolt.Tx) error {
		events := tx.Bucket([]byte("events"))
		var keys [][]byte
		_ = events.ForEach(func(k, _ []byte) error { keys = append(keys, bytes.Clone(k)); return nil })
		for _, k := range keys {
			var m map[string]any
			if err := json.Unmarshal(events.Get(k), &m); err != nil {
				return err
			}
			delete(m, "prevHash")
			delete(m, "hash")
			b, _ := json.Marshal(m)
			if err := events.Put(k, b); err != nil {
				return err
			}
		}
		apps := tx.Bucket([]byte("applications"))
		for _, id := range []string{"2026-000001", "2026-000002"} {
			var m map[string]any
			if err := json.Unmarshal(apps.Get([]byte(id)), &m); err != nil {
				return err
			}
			delete(m, "chainHead")
			b, _ := json.Marshal(m)
			if err := apps.Put([]byte(id), b); err != nil {
				return err
			}
		}
		if err := tx.DeleteBucket([]byte("events_by_party")); err != nil {
			return err
		}
		return setSchemaVersion(1)(tx)
	})

	s = mustOpenAt(t, path, boltstore.Options{})
	if rep := s.VerifyChains(); len(rep.Problems) != 0 || rep.Events != 7 || rep.Cases != 3 {
		t.Errorf("VerifyChains after migration: got %+v, want 7 events in 3 cases, no problems", rep)
	}
	mustView(t, s, func(tx workflow.ReadTx) error {
		for _, w := range want {
			got, err := tx.Event(w.Sequence)
			if err != nil {
				return err
			}
			if got.PrevHash != w.PrevHash || got.Hash != w.Hash {
				t.Errorf("event %d: got %s after %s, want %s after %s (as appended)", w.Sequence, got.Hash, got.PrevHash, w.Hash, w.PrevHash)
			}
		}
		a, err := tx.Application("2026-000001")
		if err != nil {
			return err
		}
		if a.ChainHead == nil || *a.ChainHead != (trial.ChainHead{Sequence: 5, Hash: want[4].Hash}) {
			t.Errorf("chain head: got %+v, want event 5", a.ChainHead)
		}
		for _, tt := range []struct {
			party trial.Party
			want  []uint64
		}{
			{trial.OrganisationParty("940931002"), []uint64{1, 3, 5}},
			{trial.PartyKDD, []uint64{5, 6}},
			{trial.OrganisationParty("910000012"), []uint64{7}}, // the deleted draft's, to who made it
		} {
			events, err := tx.FeedEvents(tt.party, 0, 10)
			if err != nil {
				return err
			}
			var got []uint64
			for _, e := range events {
				got = append(got, e.Sequence)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("feed of %s after migration: got %v, want %v", tt.party, got, tt.want)
			}
		}
		return nil
	})
}
