package boltstore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/forsok/forsok/internal/trial"
)

// Calls for applications (trial/call.go): the calls bucket holds each call under its
// id, which sorts in creation order within a year and across years; idx_call (a list
// index, indexes.go) finds a call's applications.

// Call implements workflow.ReadTx.
func (r *readTx) Call(id string) (*trial.Call, error) {
	if id == "" {
		return nil, trial.ErrNotFound
	}
	data := r.tx.Bucket(bucketCalls).Get([]byte(id))
	if data == nil {
		return nil, trial.ErrNotFound
	}
	c := new(trial.Call)
	if err := decode("call", id, data, c); err != nil {
		return nil, err
	}
	return c, nil
}

// ListCalls implements workflow.ReadTx.
func (r *readTx) ListCalls(drafts bool, after string, limit int) ([]*trial.Call, error) {
	var out []*trial.Call
	c := r.tx.Bucket(bucketCalls).Cursor()
	k, v := c.First()
	if after != "" {
		k, v = c.Seek([]byte(after))
		if k != nil && bytes.Equal(k, []byte(after)) {
			k, v = c.Next()
		}
	}
	for ; k != nil && len(out) < limit; k, v = c.Next() {
		call := new(trial.Call)
		if err := decode("call", string(k), v, call); err != nil {
			return nil, err
		}
		if call.State == trial.CallDraft && !drafts {
			continue
		}
		out = append(out, call)
	}
	return out, nil
}

// CallApplications implements workflow.ReadTx.
func (r *readTx) CallApplications(callID string) ([]*trial.Application, error) {
	var out []*trial.Application
	p := prefix(callID)
	c := r.tx.Bucket(bucketIdxCall).Cursor()
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
		app, err := r.Application(string(k[len(p):]))
		if err != nil {
			return nil, fmt.Errorf("boltstore: %s entry %q: %w", bucketIdxCall, k, err)
		}
		out = append(out, app)
	}
	return out, nil
}

// NextCallID implements workflow.Tx.
func (w *writeTx) NextCallID(year int) (string, error) {
	n, err := w.nextCounter(counterCallID, year)
	if err != nil {
		return "", err
	}
	return trial.FormatCallID(year, n), nil
}

// PutCall implements workflow.Tx.
func (w *writeTx) PutCall(c *trial.Call) error {
	if c == nil || !trial.ValidCallID(c.ID) {
		return errors.New("boltstore: put call: no valid id")
	}
	data, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("boltstore: encode call %q: %w", c.ID, err)
	}
	if err := w.tx.Bucket(bucketCalls).Put([]byte(c.ID), data); err != nil {
		return fmt.Errorf("boltstore: put call %q: %w", c.ID, err)
	}
	return nil
}

// NextCallID implements workflow.Tx.
func (t *trackedTx) NextCallID(year int) (string, error) {
	t.wrote = true
	return t.writeTx.NextCallID(year)
}

// PutCall implements workflow.Tx.
func (t *trackedTx) PutCall(c *trial.Call) error {
	t.wrote = true
	return t.writeTx.PutCall(c)
}
