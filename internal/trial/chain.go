package trial

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gowebpki/jcs"
)

// A case's history is a hash chain: every event carries the hash of the case's event
// before it (PrevHash, empty for the first) and its own hash over a canonical encoding
// that includes PrevHash. Changing, removing or inserting an event breaks the chain at
// that point, and an auditor who pinned a case's chain head (the last event's sequence
// and hash) can prove later that nothing up to it changed.
//
// The canonical encoding, scheme "forsok-event-v1", is the JSON text of one object, in
// the canonical form of RFC 8785 (JCS: members sorted by name, no whitespace, strings
// with only the escapes JSON requires), with exactly these members, each always
// present:
//
//	action          string  the action or notice ("submit", "consultationOverdue")
//	actor           object  {ministry, name, organisationNumber, role, subject}, strings
//	applicationId   string  "2026-000042"
//	changes         array   of strings, in the event's order ([] when none)
//	comment         string
//	consultationId  string  "1", or "" when the event is not about a consultation
//	fromState       string  state name, "" for create
//	prevHash        string  lowercase hex SHA-256 of the case's previous event, "" for its first
//	sequence        number  the global sequence number
//	time            string  UTC, RFC 3339 with exactly nine fractional digits
//	                        ("2026-03-02T09:00:00.000000000Z")
//	toState         string  state name, "" for delete
//
// and the hash is the lowercase hex SHA-256 of that text. An event of a call for
// applications (call.go) has applicationId "" and one more member, call (the call's
// id, "2027-01"); its chain is the call's own. Every member is a field of
// the event as the API shows it (the id of its resource name, the enum names of its
// states, "" for STATE_UNSPECIFIED), so an archive can recompute the hashes from an
// export or the feed alone.

// HashScheme names the canonical encoding and hash of EventHash.
const HashScheme = "forsok-event-v1: SHA-256 (lowercase hex) over the RFC 8785 canonical JSON of the event's members action, actor{ministry,name,organisationNumber,role,subject}, applicationId, call (only on a call's events), changes, comment, consultationId, fromState, prevHash, sequence, time (UTC, 9 fractional digits), toState"

// ChainHead is the last event of a case's history: where its hash chain ends.
type ChainHead struct {
	Sequence uint64 `json:"sequence"`
	Hash     string `json:"hash"`
}

// EventHash returns the hash of e in the scheme described above: over every field but
// Hash itself, PrevHash included.
func EventHash(e *Event) string {
	sum := sha256.Sum256(CanonicalEvent(e))
	return hex.EncodeToString(sum[:])
}

// canonicalActor and canonicalEvent are the members of the canonical encoding. Their
// JSON is brought into RFC 8785's form by gowebpki/jcs, which sorts the members and
// writes strings and numbers as JCS (ECMAScript) does: the bytes are those of the
// hand-written encoder this replaced, which chain_test.go keeps as the reference a fuzz
// test compares with. One limit comes from JCS itself: numbers are IEEE doubles, so a
// sequence number above 2^53 would not be exact; the feed would need nine quadrillion
// events first.
type canonicalActor struct {
	Ministry           string `json:"ministry"`
	Name               string `json:"name"`
	OrganisationNumber string `json:"organisationNumber"`
	Role               string `json:"role"`
	Subject            string `json:"subject"`
}

type canonicalEvent struct {
	Action        string         `json:"action"`
	Actor         canonicalActor `json:"actor"`
	ApplicationID string         `json:"applicationId"`
	// Call is present only on a call's events, so the hashes of case events, written
	// before calls existed, are unchanged.
	Call           string   `json:"call,omitempty"`
	Changes        []string `json:"changes"`
	Comment        string   `json:"comment"`
	ConsultationID string   `json:"consultationId"`
	FromState      string   `json:"fromState"`
	PrevHash       string   `json:"prevHash"`
	Sequence       uint64   `json:"sequence"`
	Time           string   `json:"time"`
	ToState        string   `json:"toState"`
}

// CanonicalEvent returns the canonical encoding of e that EventHash hashes.
func CanonicalEvent(e *Event) []byte {
	changes := e.Changes
	if changes == nil {
		changes = []string{} // the member is always present: [] when none
	}
	raw, err := json.Marshal(canonicalEvent{
		Action: string(e.Action),
		Actor: canonicalActor{Ministry: e.Actor.Ministry, Name: e.Actor.Name, OrganisationNumber: e.Actor.OrganisationNumber,
			Role: string(e.Actor.Role), Subject: e.Actor.Subject},
		ApplicationID: e.ApplicationID, Call: e.Call, Changes: changes, Comment: e.Comment, ConsultationID: e.ConsultationID,
		FromState: string(e.FromState), PrevHash: e.PrevHash, Sequence: e.Sequence, Time: CanonicalTime(e.Time),
		ToState: string(e.ToState),
	})
	if err == nil {
		raw, err = jcs.Transform(raw)
	}
	if err != nil {
		// Strings (invalid UTF-8 becomes U+FFFD) and an integer always encode, and
		// encoding/json's output is JSON.
		panic(fmt.Sprintf("trial: canonical event %d: %v", e.Sequence, err))
	}
	return raw
}

// CanonicalTime formats t as the canonical encoding does: UTC, nine fractional digits.
func CanonicalTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000000Z")
}

// ChainProblem is one place where a case's hash chain does not hold.
type ChainProblem struct {
	// ApplicationID is the chain's key (Event.ChainKey): an application id, or a
	// call's resource name.
	ApplicationID string
	// Sequence is the event at fault; zero for a problem of the case as a whole.
	Sequence uint64
	Problem  string
}

func (p ChainProblem) String() string {
	where := ChainName(p.ApplicationID)
	switch {
	case p.ApplicationID == "" && p.Sequence != 0:
		where = fmt.Sprintf("event %d (its case is unknown)", p.Sequence)
	case p.ApplicationID == "":
		where = "the events"
	case p.Sequence != 0:
		where = fmt.Sprintf("%s/events/%d", where, p.Sequence)
	}
	return where + ": " + p.Problem
}

// ChainVerifier checks hash chains, fed every event in sequence order.
type ChainVerifier struct {
	heads map[string]chainLink
}

type chainLink struct {
	seq    uint64
	hash   string
	broken bool // the event could not be read: its hash is unknown
}

// Add checks e against its own hash and the case's previous event and returns what
// does not hold. The link to the next event is e's stored hash, so a changed event is
// reported once, as itself, unless its hash was recomputed too; then the next event
// names the break.
func (v *ChainVerifier) Add(e *Event) []ChainProblem {
	if v.heads == nil {
		v.heads = map[string]chainLink{}
	}
	var out []ChainProblem
	key := e.ChainKey()
	fail := func(format string, args ...any) {
		out = append(out, ChainProblem{ApplicationID: key, Sequence: e.Sequence, Problem: fmt.Sprintf(format, args...)})
	}
	prev, seen := v.heads[key]
	if prev.seq >= e.Sequence && seen {
		fail("comes after event %d of the same case: events out of order", prev.seq)
	}
	if computed := EventHash(e); e.Hash != computed {
		if e.Hash == "" {
			fail("has no hash (computed %s)", computed)
		} else {
			fail("its content does not match its hash: stored %s, computed %s; the event was changed", e.Hash, computed)
		}
	}
	switch {
	case prev.broken:
		// The previous event could not be read, so the link cannot be checked; that
		// event is reported already.
	case !seen && e.PrevHash != "":
		fail("is the case's first event but names a previous hash %s: an event before it is missing", e.PrevHash)
	case seen && e.PrevHash != prev.hash:
		fail("names previous hash %q, but the case's previous event %d has hash %s: an event was removed, inserted or changed", e.PrevHash, prev.seq, prev.hash)
	}
	v.heads[key] = chainLink{seq: e.Sequence, hash: e.Hash}
	return out
}

// Unreadable records that the case's event seq could not be decoded and returns the
// problem; the link from it to the case's next event is not checked.
func (v *ChainVerifier) Unreadable(applicationID string, seq uint64, err error) ChainProblem {
	if v.heads == nil {
		v.heads = map[string]chainLink{}
	}
	v.heads[applicationID] = chainLink{seq: seq, broken: true}
	return ChainProblem{ApplicationID: applicationID, Sequence: seq, Problem: "cannot be read: " + err.Error()}
}

// Head returns the case's chain head as verified so far; false when no event of the
// case was added.
func (v *ChainVerifier) Head(applicationID string) (ChainHead, bool) {
	l, ok := v.heads[applicationID]
	return ChainHead{Sequence: l.seq, Hash: l.hash}, ok
}

// Cases returns how many cases have events.
func (v *ChainVerifier) Cases() int { return len(v.heads) }

// CheckHead compares the chain head a case records (or an export claims) with the one
// verified; nil when they agree.
func (v *ChainVerifier) CheckHead(applicationID string, recorded *ChainHead) *ChainProblem {
	if v.heads[applicationID].broken {
		return nil // its last event is unreadable, and reported as such
	}
	got, ok := v.Head(applicationID)
	switch {
	case !ok && recorded == nil:
		return nil
	case !ok:
		return &ChainProblem{ApplicationID: applicationID, Problem: fmt.Sprintf("records chain head %d (%s) but has no events", recorded.Sequence, recorded.Hash)}
	case recorded == nil:
		return &ChainProblem{ApplicationID: applicationID, Problem: fmt.Sprintf("records no chain head; its last event is %d (%s)", got.Sequence, got.Hash)}
	case *recorded != got:
		return &ChainProblem{ApplicationID: applicationID, Problem: fmt.Sprintf("records chain head %d (%s), but its last event is %d (%s): events after the head were removed or the head was changed",
			recorded.Sequence, recorded.Hash, got.Sequence, got.Hash)}
	}
	return nil
}

// ChainKey identifies the hash chain the event belongs to: its case's id, or for a
// call's event the call's resource name ("calls/2027-01"), which no application id
// can equal.
func (e *Event) ChainKey() string {
	if e.Call != "" {
		return CallName(e.Call)
	}
	return e.ApplicationID
}

// ChainName is the resource name of the chain with key key (ChainKey).
func ChainName(key string) string {
	if strings.HasPrefix(key, "calls/") {
		return key
	}
	return ApplicationName(key)
}

// EventParentName is the resource name the event belongs to: its application, or its
// call.
func EventParentName(e *Event) string { return ChainName(e.ChainKey()) }
