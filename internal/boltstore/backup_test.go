package boltstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/forsok/forsok/internal/boltstore"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

// putCase stores app with one event, as the service does in one transaction.
func putCase(t *testing.T, s *boltstore.Store, a *trial.Application) {
	t.Helper()
	mustUpdate(t, s, func(tx workflow.Tx) error {
		if err := tx.PutApplication(a); err != nil {
			return err
		}
		return tx.AppendEvent(&trial.Event{ApplicationID: a.ID, Time: t0, Action: trial.ActionCreate, ToState: a.State})
	})
}

func TestStore_Backup(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		s := mustOpen(t)
		putCase(t, s, app("2026-000001", trial.StateDraft, "940931002"))
		putCase(t, s, fullApplication("2026-000002"))

		var buf bytes.Buffer
		n, err := s.Backup(&buf)
		if err != nil {
			t.Fatalf("Backup: got error %v, want nil", err)
		}
		if n != int64(buf.Len()) || n == 0 {
			t.Fatalf("Backup: got n=%d for %d bytes written", n, buf.Len())
		}
		path := filepath.Join(t.TempDir(), "copy.db")
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := boltstore.Verify(path); err != nil {
			t.Fatalf("Verify(backup): got %v, want nil", err)
		}
		restored := mustOpenAt(t, path, boltstore.Options{})
		for _, id := range []string{"2026-000001", "2026-000002"} {
			if got, want := mustGet(t, restored, id), mustGet(t, s, id); !reflect.DeepEqual(got, want) {
				t.Errorf("restored %s: got %+v, want %+v", id, got, want)
			}
		}
	})

	t.Run("ConsistentUnderWrites", func(t *testing.T) {
		// Writers go on while backups are taken: every copy is a whole snapshot, with
		// every case it holds indexed and its events gap-free (Verify checks both).
		s := mustOpen(t)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		var written atomic.Int64
		for w := range 2 {
			wg.Go(func() {
				for i := 0; ctx.Err() == nil; i++ {
					id := fmt.Sprintf("2026-%06d", w*100000+i+1)
					err := s.Update(ctx, func(tx workflow.Tx) error {
						if err := tx.PutApplication(app(id, trial.StateSubmitted, "940931002")); err != nil {
							return err
						}
						return tx.AppendEvent(&trial.Event{ApplicationID: id, Time: t0, Action: trial.ActionCreate})
					})
					if err != nil && !errors.Is(err, context.Canceled) {
						t.Errorf("Update: %v", err)
						return
					}
					written.Add(1)
				}
			})
		}
		dir := t.TempDir()
		for i := range 5 {
			for written.Load() < int64(20*(i+1)) {
				time.Sleep(time.Millisecond) // let the writers get ahead of each backup
			}
			var buf bytes.Buffer
			if _, err := s.Backup(&buf); err != nil {
				t.Fatalf("Backup %d: %v", i, err)
			}
			path := filepath.Join(dir, fmt.Sprintf("copy%d.db", i))
			if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := boltstore.Verify(path); err != nil {
				t.Errorf("Verify(backup %d): got %v, want nil", i, err)
			}
		}
		cancel()
		wg.Wait()
	})

	t.Run("ErrWriter", func(t *testing.T) {
		s := mustOpen(t)
		putCase(t, s, app("2026-000001", trial.StateDraft, "940931002"))
		_, err := s.Backup(failingWriter{})
		if err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("Backup to a failing writer: got %v, want an error naming its cause", err)
		}
	})

	t.Run("ErrClosed", func(t *testing.T) {
		s, err := boltstore.Open(filepath.Join(t.TempDir(), "forsok.db"), boltstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Ping(); err != nil {
			t.Errorf("Ping while open: got %v, want nil", err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.Ping(); err == nil {
			t.Error("Ping after Close: got nil, want an error")
		}
		if _, err := s.Backup(&bytes.Buffer{}); err == nil {
			t.Error("Backup after Close: got nil, want an error")
		}
	})
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestVerify(t *testing.T) {
	// good writes a store with one case and returns its path.
	good := func(t *testing.T) string {
		t.Helper()
		path := filepath.Join(t.TempDir(), "forsok.db")
		s, err := boltstore.Open(path, boltstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		putCase(t, s, app("2026-000001", trial.StateSubmitted, "940931002"))
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		return path
	}
	// raw changes the file with bbolt directly, behind the package's back.
	raw := func(t *testing.T, path string, fn func(*bolt.Tx) error) {
		t.Helper()
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Update(fn); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		prepare func(t *testing.T) string
		want    error  // errors.Is target, or nil
		msg     string // in the message; "" for success
	}{
		{name: "OK", prepare: good},
		{
			name: "ErrMissingFile",
			prepare: func(t *testing.T) string {
				return filepath.Join(t.TempDir(), "nothing.db")
			},
			want: os.ErrNotExist, msg: "no such file",
		},
		{
			name: "ErrNotBolt",
			prepare: func(t *testing.T) string {
				path := filepath.Join(t.TempDir(), "notes.db")
				if err := os.WriteFile(path, bytes.Repeat([]byte("not a database\n"), 1000), 0o600); err != nil {
					t.Fatal(err)
				}
				return path
			},
			msg: "invalid",
		},
		{
			name: "ErrTruncated",
			prepare: func(t *testing.T) string {
				// Cut off the last page the database uses, as an interrupted copy would.
				path := good(t)
				db, err := bolt.Open(path, 0o600, nil)
				if err != nil {
					t.Fatal(err)
				}
				var size int64
				_ = db.View(func(tx *bolt.Tx) error { size = tx.Size(); return nil })
				if err := db.Close(); err != nil {
					t.Fatal(err)
				}
				if err := os.Truncate(path, size-int64(os.Getpagesize())); err != nil {
					t.Fatal(err)
				}
				return path
			},
			msg: "truncated",
		},
		{
			name: "ErrOtherBoltFile",
			prepare: func(t *testing.T) string {
				path := filepath.Join(t.TempDir(), "other.db")
				raw(t, path, func(tx *bolt.Tx) error {
					_, err := tx.CreateBucket([]byte("widgets"))
					return err
				})
				return path
			},
			want: boltstore.ErrNotStore, msg: "no \"meta\" bucket",
		},
		{
			name: "ErrNewerSchema",
			prepare: func(t *testing.T) string {
				path := good(t)
				raw(t, path, setSchemaVersion(boltstore.SchemaVersion+1))
				return path
			},
			want: boltstore.ErrSchemaVersion, msg: fmt.Sprintf("schema version %d", boltstore.SchemaVersion+1),
		},
		{
			name: "ErrIndexMismatch",
			prepare: func(t *testing.T) string {
				path := good(t)
				raw(t, path, func(tx *bolt.Tx) error {
					return tx.Bucket([]byte("idx_state")).Put([]byte("APPROVED\x002026-000099"), nil)
				})
				return path
			},
			msg: "stale entry",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.prepare(t)
			before, _ := os.ReadFile(path)
			err := boltstore.Verify(path)
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("Verify: got %v, want nil", err)
				}
			} else {
				if err == nil {
					t.Fatal("Verify: got nil, want an error")
				}
				if tt.want != nil && !errors.Is(err, tt.want) {
					t.Errorf("Verify: got %v, want %v", err, tt.want)
				}
				if !strings.Contains(err.Error(), tt.msg) {
					t.Errorf("Verify: got %q, want it to contain %q", err, tt.msg)
				}
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
				t.Error("Verify changed the file")
			}
		})
	}

	t.Run("ErrLocked", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "forsok.db")
		mustOpenAt(t, path, boltstore.Options{})
		if err := boltstore.Verify(path); !errors.Is(err, boltstore.ErrLocked) {
			t.Errorf("Verify of a file a Store holds: got %v, want %v", err, boltstore.ErrLocked)
		}
	})
}

func TestStore_Counts(t *testing.T) {
	s := mustOpen(t)
	flagged := app("2026-000003", trial.StateSubmitted, "940931002")
	flagged.Flags = []trial.CaseFlag{trial.FlagNeedsInterimReply}
	both := app("2026-000004", trial.StateInConsultation, "940931002")
	both.Flags = []trial.CaseFlag{trial.FlagNeedsInterimReply, trial.FlagConsultationOverdue}
	for _, a := range []*trial.Application{
		app("2026-000001", trial.StateDraft, "940931002"),
		app("2026-000002", trial.StateSubmitted, "940931002"),
		flagged, both,
	} {
		putCase(t, s, a)
	}
	cons := func(id, ministry, due string, state trial.ConsultationState) *trial.Consultation {
		return &trial.Consultation{ApplicationID: both.ID, ID: id, Ministry: ministry, Question: "?", DueDate: due, State: state, CreateTime: t0}
	}
	mustUpdate(t, s, func(tx workflow.Tx) error {
		for _, c := range []*trial.Consultation{
			cons("1", "KD", "2026-03-01", trial.ConsultationRequested),  // overdue
			cons("2", "HOD", "2026-03-02", trial.ConsultationRequested), // due today
			cons("3", "KD", "2026-04-01", trial.ConsultationRequested),
			cons("4", "KD", "2026-02-01", trial.ConsultationAnswered), // answered: not open
		} {
			if _, err := tx.NextConsultationID(both.ID); err != nil {
				return err
			}
			if err := tx.PutConsultation(c); err != nil {
				return err
			}
		}
		return nil
	})

	got, err := s.Counts("2026-03-02")
	if err != nil {
		t.Fatalf("Counts: %v", err)
	}
	want := boltstore.Counts{
		States: map[trial.State]int{trial.StateDraft: 1, trial.StateSubmitted: 2, trial.StateInConsultation: 1},
		Flags:  map[trial.CaseFlag]int{trial.FlagNeedsInterimReply: 2, trial.FlagConsultationOverdue: 1},

		OpenConsultations:    3,
		OverdueConsultations: 1,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Counts: got %+v, want %+v", got, want)
	}
}
