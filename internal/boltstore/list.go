package boltstore

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/forsok/forsok/internal/trial"
)

// Page sizes of ListApplications (AIP-158).
const (
	// DefaultPageSize is the page size when the query gives none.
	DefaultPageSize = 50
	// MaxPageSize is the largest page; larger sizes are reduced to it.
	MaxPageSize = 1000
)

// ListApplications implements trial.ReadTx. Cases come in application id order, which is
// creation order. An empty States, nil or not, does not restrict. Candidates come from one index — the applicant's or the ministry's
// entries when the query names one, else the entries of the asked states, else the
// applications bucket — and the remaining conditions are index lookups, so only the cases
// on the page are decoded.
//
// The page token holds the last id returned, so a token stays valid when cases change
// between pages: the next page starts strictly after that id. It also holds a fingerprint
// of the query's conditions (not of the page size, which may change between pages).
func (r *readTx) ListApplications(q trial.Query) ([]*trial.Application, string, error) {
	size := q.PageSize
	switch {
	case size < 0:
		return nil, "", trial.Errorf(trial.CodeInvalidArgument, "page_size must not be negative, got %d", size)
	case size == 0:
		size = DefaultPageSize
	case size > MaxPageSize:
		size = MaxPageSize
	}
	if hasSep(q.ApplicantOrganisation) || hasSep(q.ConsultedMinistry) || hasSep(string(q.Flag)) || slices.ContainsFunc(q.States, func(s trial.State) bool { return hasSep(string(s)) }) {
		return nil, "", trial.Errorf(trial.CodeInvalidArgument, "filter contains a NUL byte")
	}
	states := slices.Clone(q.States)
	slices.Sort(states)
	states = slices.Compact(states)
	fp := fingerprint(states, q.ApplicantOrganisation, strings.Join([]string{q.ConsultedMinistry, string(q.Flag), q.EndsBy, q.EvaluationDueBy}, "\x00"))

	var after string
	if q.PageToken != "" {
		var err error
		if after, err = parseToken(q.PageToken, fp); err != nil {
			return nil, "", err
		}
	}

	var (
		next   func() (string, bool)
		checks []func(id string) bool
	)
	idxState := r.tx.Bucket(bucketIdxState)
	idxApplicant := r.tx.Bucket(bucketIdxApplicant)
	idxMinistry := r.tx.Bucket(bucketIdxMinistry)
	idxFlag := r.tx.Bucket(bucketIdxFlag)
	switch {
	case q.ApplicantOrganisation != "":
		next = scan(idxApplicant, prefix(q.ApplicantOrganisation), after)
	case q.ConsultedMinistry != "":
		next = scan(idxMinistry, prefix(q.ConsultedMinistry), after)
	case q.Flag != "":
		next = scan(idxFlag, prefix(string(q.Flag)), after)
	case len(states) > 0:
		scans := make([]func() (string, bool), len(states))
		for i, s := range states {
			scans[i] = scan(idxState, prefix(string(s)), after)
		}
		next = merge(scans)
	default:
		next = scan(r.tx.Bucket(bucketApplications), nil, after)
	}
	if q.ApplicantOrganisation != "" && q.ConsultedMinistry != "" {
		checks = append(checks, func(id string) bool { return has(idxMinistry, compositeKey(q.ConsultedMinistry, id)) })
	}
	if q.Flag != "" && (q.ApplicantOrganisation != "" || q.ConsultedMinistry != "") {
		checks = append(checks, func(id string) bool { return has(idxFlag, compositeKey(string(q.Flag), id)) })
	}
	if len(states) > 0 && (q.ApplicantOrganisation != "" || q.ConsultedMinistry != "" || q.Flag != "") {
		checks = append(checks, func(id string) bool {
			return slices.ContainsFunc(states, func(s trial.State) bool { return has(idxState, compositeKey(string(s), id)) })
		})
	}

	// Due dates are not indexed: the callers restrict these queries to the running or
	// evaluating states, so the candidates are few and decoding them is cheap.
	if q.EndsBy != "" {
		checks = append(checks, func(id string) bool {
			app, err := r.Application(id)
			end := trial.CurrentEnd(app)
			return err == nil && end != "" && end <= q.EndsBy
		})
	}
	if q.EvaluationDueBy != "" {
		checks = append(checks, func(id string) bool {
			app, err := r.Application(id)
			return err == nil && app.EvaluationReport == nil && app.EvaluationDue != "" && app.EvaluationDue <= q.EvaluationDueBy
		})
	}

	// One match beyond the page tells whether there is a next page.
	var ids []string
candidates:
	for len(ids) <= size {
		id, ok := next()
		if !ok {
			break
		}
		for _, check := range checks {
			if !check(id) {
				continue candidates
			}
		}
		ids = append(ids, id)
	}
	var token string
	if len(ids) > size {
		ids = ids[:size]
		token = makeToken(ids[size-1], fp)
	}
	apps := make([]*trial.Application, 0, len(ids))
	for _, id := range ids {
		app, err := r.Application(id)
		if err != nil {
			return nil, "", fmt.Errorf("boltstore: indexed application %q: %w", id, err)
		}
		apps = append(apps, app)
	}
	return apps, token, nil
}

// scan returns an iterator over the ids in b's keys that start with p, in key order,
// starting strictly after the id after. The ids are copied out of bbolt's memory.
func scan(b *bolt.Bucket, p []byte, after string) func() (string, bool) {
	c := b.Cursor()
	start := append(slices.Clone(p), after...)
	started := false
	return func() (string, bool) {
		var k []byte
		if !started {
			started = true
			k, _ = c.Seek(start)
			if after != "" && bytes.Equal(k, start) {
				k, _ = c.Next()
			}
		} else {
			k, _ = c.Next()
		}
		if k == nil || !bytes.HasPrefix(k, p) {
			return "", false
		}
		return string(k[len(p):]), true
	}
}

// merge combines ascending id iterators into one ascending iterator without duplicates.
func merge(its []func() (string, bool)) func() (string, bool) {
	heads := make([]string, len(its))
	live := make([]bool, len(its))
	for i, it := range its {
		heads[i], live[i] = it()
	}
	return func() (string, bool) {
		lowest := -1
		for i := range its {
			if live[i] && (lowest < 0 || heads[i] < heads[lowest]) {
				lowest = i
			}
		}
		if lowest < 0 {
			return "", false
		}
		id := heads[lowest]
		for i := range its {
			for live[i] && heads[i] == id {
				heads[i], live[i] = its[i]()
			}
		}
		return id, true
	}
}

// pageToken is what a page token encodes (base64url of its JSON). Clients treat tokens as
// opaque; the version lets the format change without misreading old tokens.
type pageToken struct {
	Version int    `json:"v"`
	After   string `json:"a"`
	Query   string `json:"q"`
}

const tokenVersion = 1

// fingerprint identifies the conditions of a query; states must be sorted and without
// duplicates so that the same conditions in another order give the same fingerprint.
func fingerprint(states []trial.State, applicant, ministry string) string {
	var b strings.Builder
	for _, s := range states {
		b.WriteString(string(s))
		b.WriteByte(sep)
	}
	b.WriteByte(1)
	b.WriteString(applicant)
	b.WriteByte(1)
	b.WriteString(ministry)
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:8])
}

func makeToken(after, fp string) string {
	data, _ := json.Marshal(pageToken{Version: tokenVersion, After: after, Query: fp})
	return base64.RawURLEncoding.EncodeToString(data)
}

// parseToken returns the last id of the previous page. A token the store did not make is
// refused; one made for other conditions too, since resuming it would skip or repeat
// cases.
func parseToken(token, fp string) (string, error) {
	data, err := base64.RawURLEncoding.DecodeString(token)
	var t pageToken
	if err == nil {
		err = json.Unmarshal(data, &t)
	}
	if err != nil || t.Version != tokenVersion || t.After == "" || hasSep(t.After) {
		return "", trial.Errorf(trial.CodeInvalidArgument, "page_token is malformed")
	}
	if t.Query != fp {
		return "", trial.Errorf(trial.CodeInvalidArgument, "page_token does not match the query")
	}
	return t.After, nil
}
