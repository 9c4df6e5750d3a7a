package main

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/forsok/forsok/internal/loadgen"
)

// ack is an action the server acknowledged, with what it answered.
type ack struct {
	Action loadgen.Action
	State  string // the application's or the consultation's state
	Etag   string // the application's etag, "" for a consultation's answer
	// Recovered marks an action whose answer was lost to a kill and that the store
	// showed to have been committed; it was not acknowledged to the client.
	Recovered bool
}

// tracked is one case as its client saw it.
type tracked struct {
	Case loadgen.Case
	// Acked are the actions acknowledged on the case, in order: Case.Done of them.
	Acked []ack
	// InFlight is the action sent when the server was killed, whose outcome the client
	// does not know; "" when none.
	InFlight loadgen.Action
	// Refused is the action the server answered with an error; the client gave the case
	// up then, so nothing of that action may be stored.
	Refused loadgen.Action
	// RefusedErr is the server's answer to Refused.
	RefusedErr string
}

// worker is one client: a municipality with its cases, taking each through the lifecycle
// with the KDD and ministry tokens, over one transport.
type worker struct {
	id           int
	municipality loadgen.Municipality
	transport    string // "grpc" or "rest"
	cases        []*tracked
	current      *tracked
}

// unknownOutcome reports whether err leaves it open whether the server carried the
// action out: the connection broke (the server was killed) or the call was cancelled.
// Any answer from the server itself (an error status) means it did not.
func unknownOutcome(err error) bool {
	var se *loadgen.StatusError
	if errors.As(err, &se) {
		return false
	}
	if st, ok := status.FromError(err); ok {
		switch st.Code() {
		case codes.Unavailable, codes.Canceled, codes.DeadlineExceeded, codes.Unknown:
			return true
		}
		return false
	}
	return true // a transport error of the REST client
}

// run drives cases until ctx ends or the server stops answering; it returns the number of
// actions acknowledged.
func (w *worker) run(ctx context.Context, client loadgen.Client) (acks int) {
	for ctx.Err() == nil {
		t := w.current
		if t == nil || t.Case.Next() == "" {
			t = &tracked{Case: loadgen.Case{Municipality: w.municipality}}
			w.cases = append(w.cases, t)
			w.current = t
		}
		action := t.Case.Next()
		r, err := client.Do(ctx, &t.Case)
		switch {
		case err == nil:
			t.Acked = append(t.Acked, ack{Action: action, State: r.State, Etag: r.Etag})
			acks++
		case unknownOutcome(err):
			t.InFlight = action
			return acks
		default:
			t.Refused, t.RefusedErr = action, err.Error()
			w.current = nil
		}
	}
	return acks
}
