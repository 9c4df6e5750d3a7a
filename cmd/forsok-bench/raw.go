package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/forsok/forsok/internal/trial"
)

// rawFdatasync measures the disk alone: a 4 KiB write and an fdatasync, in a loop, on a
// file in the data directory.
func rawFdatasync(dir string, d time.Duration) (Figure, error) {
	f, err := os.CreateTemp(dir, "fdatasync-*")
	if err != nil {
		return Figure{}, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	page := make([]byte, 4096)
	var lat []time.Duration
	start := time.Now()
	for i := 0; time.Since(start) < d; i++ {
		t := time.Now()
		if _, err := f.WriteAt(page, int64(i%64)*4096); err != nil {
			return Figure{}, err
		}
		if err := syscall.Fdatasync(int(f.Fd())); err != nil {
			return Figure{}, err
		}
		lat = append(lat, time.Since(t))
	}
	return summarize(lat, 0, time.Since(start)), nil
}

// rawBolt measures plain bbolt on the same disk doing what one action does, one commit
// each, from one writer: read a case and decode it, change its state, encode and store it,
// move its state index entry, append an event under the next sequence number with its
// per-case index entry, and store a timer. template is a stored case's JSON.
func rawBolt(dir string, template []byte, cases int, d time.Duration) (Figure, error) {
	path := filepath.Join(dir, "raw.db")
	defer os.Remove(path)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		return Figure{}, err
	}
	defer db.Close()
	names := []string{"applications", "idx_state", "events", "events_by_application", "timers"}
	var base trial.Application
	if err := json.Unmarshal(template, &base); err != nil {
		return Figure{}, err
	}
	id := func(i int) string { return fmt.Sprintf("2026-%06d", i+1) }
	stateKey := func(state trial.State, id string) []byte { return append([]byte(string(state)+"\x00"), id...) }
	// Seed the cases in big transactions.
	for from := 0; from < cases; from += 1000 {
		err := db.Update(func(tx *bolt.Tx) error {
			for _, n := range names {
				if _, err := tx.CreateBucketIfNotExists([]byte(n)); err != nil {
					return err
				}
			}
			for i := from; i < min(from+1000, cases); i++ {
				app := base
				app.ID, app.State = id(i), trial.StateSubmitted
				data, err := json.Marshal(&app)
				if err != nil {
					return err
				}
				if err := tx.Bucket([]byte("applications")).Put([]byte(app.ID), data); err != nil {
					return err
				}
				if err := tx.Bucket([]byte("idx_state")).Put(stateKey(app.State, app.ID), nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return Figure{}, err
		}
	}
	var lat []time.Duration
	start := time.Now()
	for i := 0; time.Since(start) < d; i++ {
		t := time.Now()
		err := db.Update(func(tx *bolt.Tx) error {
			key := []byte(id(i % cases))
			apps := tx.Bucket([]byte("applications"))
			var app trial.Application
			if err := json.Unmarshal(apps.Get(key), &app); err != nil {
				return err
			}
			from := app.State
			app.State = map[trial.State]trial.State{trial.StateSubmitted: trial.StateInReview, trial.StateInReview: trial.StateSubmitted}[from]
			app.Revision++
			app.UpdateTime = time.Now().UTC()
			data, err := json.Marshal(&app)
			if err != nil {
				return err
			}
			if err := apps.Put(key, data); err != nil {
				return err
			}
			idx := tx.Bucket([]byte("idx_state"))
			if err := idx.Delete(stateKey(from, app.ID)); err != nil {
				return err
			}
			if err := idx.Put(stateKey(app.State, app.ID), nil); err != nil {
				return err
			}
			events := tx.Bucket([]byte("events"))
			seq, err := events.NextSequence()
			if err != nil {
				return err
			}
			ev := trial.Event{Sequence: seq, ApplicationID: app.ID, Time: app.UpdateTime, Action: trial.ActionAssign, FromState: from, ToState: app.State,
				Actor: trial.Actor{Subject: "dev-handler", Name: "Dev Handler", OrganisationNumber: "972417858", Role: trial.RoleKDDHandler}}
			evData, err := json.Marshal(&ev)
			if err != nil {
				return err
			}
			seqKey := binary.BigEndian.AppendUint64(nil, seq)
			if err := events.Put(seqKey, evData); err != nil {
				return err
			}
			if err := tx.Bucket([]byte("events_by_application")).Put(append([]byte(app.ID+"\x00"), seqKey...), nil); err != nil {
				return err
			}
			timer := binary.BigEndian.AppendUint64(nil, uint64(app.UpdateTime.Add(30*24*time.Hour).UnixNano()))
			return tx.Bucket([]byte("timers")).Put(append(timer, app.ID...), []byte(`{"kind":"answerDue"}`))
		})
		if err != nil {
			return Figure{}, err
		}
		lat = append(lat, time.Since(t))
	}
	f := summarize(lat, 0, time.Since(start))
	f.Commits, f.PerCommit = uint64(f.Ops), 1
	return f, nil
}
