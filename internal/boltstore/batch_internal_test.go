package boltstore

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/forsok/forsok/internal/workflow"
)

// TestTrackedTx_MarksEveryWrite calls every method of trial.Tx that trial.ReadTx lacks on
// a trackedTx and wants each to mark it as written: a write method added to the port
// without an override in batch.go would let a call that wrote and then failed keep its
// writes in its batch.
func TestTrackedTx_MarksEveryWrite(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "forsok.db"), Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	reads := map[string]bool{}
	readType := reflect.TypeFor[workflow.ReadTx]()
	for i := range readType.NumMethod() {
		reads[readType.Method(i).Name] = true
	}
	txType := reflect.TypeFor[workflow.Tx]()
	writes := 0
	for i := range txType.NumMethod() {
		m := txType.Method(i)
		if reads[m.Name] {
			continue
		}
		writes++
		t.Run(m.Name, func(t *testing.T) {
			btx, err := s.db.Begin(true)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = btx.Rollback() }()
			tracked := &trackedTx{writeTx: &writeTx{readTx{tx: btx}}}
			method := reflect.ValueOf(workflow.Tx(tracked)).MethodByName(m.Name)
			args := make([]reflect.Value, method.Type().NumIn())
			for j := range args {
				args[j] = reflect.Zero(method.Type().In(j))
			}
			func() {
				// Zero arguments may make the write itself fail or panic; only the mark
				// matters here.
				defer func() { _ = recover() }()
				method.Call(args)
			}()
			if !tracked.wrote {
				t.Errorf("trackedTx.%s: got wrote = false, want true; override it in batch.go", m.Name)
			}
		})
	}
	if writes == 0 {
		t.Fatal("found no write methods in trial.Tx")
	}
}
