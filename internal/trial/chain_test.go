package trial_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/forsok/forsok/internal/trial"
)

// chainEvent is an event with every field the hash covers set.
func chainEvent() *trial.Event {
	return &trial.Event{
		Sequence:       17,
		ApplicationID:  "2026-000042",
		Time:           time.Date(2026, 3, 2, 9, 0, 0, 123456000, time.UTC),
		Actor:          trial.Actor{Subject: "kd-ola", Name: "Ola Fagdep", OrganisationNumber: "999990134", Role: trial.RoleMinistry, Ministry: "KD"},
		Action:         trial.ActionRespondToConsultation,
		FromState:      trial.StateInConsultation,
		ToState:        trial.StateReadyForDecision,
		Comment:        "KD answered",
		Changes:        []string{"consultations/1.response"},
		ConsultationID: "1",
		PrevHash:       "0c5b0b4e2b4fd1c56bd7d2e0b8dc9ee2a0b56d1eb9b1b1f6e0b3d7a4f5f0a1b2",
	}
}

// TestEventHash_Golden pins the canonical encoding and its hash: an archive verifies
// with them, so they never change for an existing scheme.
func TestEventHash_Golden(t *testing.T) {
	e := chainEvent()
	wantText := `{"action":"respondToConsultation","actor":{"ministry":"KD","name":"Ola Fagdep","organisationNumber":"999990134","role":"ministry","subject":"kd-ola"},` +
		`"applicationId":"2026-000042","changes":["consultations/1.response"],"comment":"KD answered","consultationId":"1",` +
		`"fromState":"IN_CONSULTATION","prevHash":"0c5b0b4e2b4fd1c56bd7d2e0b8dc9ee2a0b56d1eb9b1b1f6e0b3d7a4f5f0a1b2","sequence":17,` +
		`"time":"2026-03-02T09:00:00.123456000Z","toState":"READY_FOR_DECISION"}`
	if got := string(trial.CanonicalEvent(e)); got != wantText {
		t.Errorf("CanonicalEvent:\n got %s\nwant %s", got, wantText)
	}
	// The SHA-256 of wantText, as `printf '%s' "$wantText" | sha256sum` and Python's
	// json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False) give it.
	const wantHash = "53dbc334daaf6d0190ac1622c32aee39b63413a50d19a7398824f166b0eb1754"
	if got := trial.EventHash(e); got != wantHash {
		t.Errorf("EventHash: got %s, want %s", got, wantHash)
	}
	// Valid JSON whose members are in sorted order (RFC 8785).
	var m map[string]any
	if err := json.Unmarshal([]byte(wantText), &m); err != nil {
		t.Fatalf("canonical text is not JSON: %v", err)
	}
}

func TestCanonicalEvent_Strings(t *testing.T) {
	tests := []struct {
		name, comment, want string
	}{
		{"Plain", "Godt begrunnet – æøå", `"Godt begrunnet – æøå"`},
		{"QuoteBackslash", `a"b\c`, `"a\"b\\c"`},
		{"ShortEscapes", "\b\t\n\f\r", `"\b\t\n\f\r"`},
		{"OtherControls", "\x00\x01\x1f", `"\u0000\u0001\u001f"`},
		{"NoHTMLEscapes", "<a href='x'>&</a>", `"<a href='x'>&</a>"`},
		{"LineSeparatorsLiteral", "\u2028\u2029/", "\"\u2028\u2029/\""},
		{"InvalidUTF8PerByte", "a\xff\xfeb", "\"a\uFFFD\uFFFDb\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := chainEvent()
			e.Comment = tt.comment
			got := string(trial.CanonicalEvent(e))
			if !strings.Contains(got, `"comment":`+tt.want+`,`) {
				t.Errorf("got %s, want comment encoded as %s", got, tt.want)
			}
		})
	}
}

// TestEventHash_CoversEveryField changes each field of the event but Hash and wants a
// different hash; a field added to Event and not to the encoding fails here.
func TestEventHash_CoversEveryField(t *testing.T) {
	mutations := map[string]func(e *trial.Event){
		"Sequence":                 func(e *trial.Event) { e.Sequence++ },
		"ApplicationID":            func(e *trial.Event) { e.ApplicationID = "2026-000043" },
		"Time":                     func(e *trial.Event) { e.Time = e.Time.Add(time.Microsecond) },
		"Actor.Subject":            func(e *trial.Event) { e.Actor.Subject += "x" },
		"Actor.Name":               func(e *trial.Event) { e.Actor.Name += "x" },
		"Actor.OrganisationNumber": func(e *trial.Event) { e.Actor.OrganisationNumber = "972417858" },
		"Actor.Role":               func(e *trial.Event) { e.Actor.Role = trial.RoleKDDHandler },
		"Actor.Ministry":           func(e *trial.Event) { e.Actor.Ministry = "HOD" },
		"Action":                   func(e *trial.Event) { e.Action = trial.ActionCancelConsultation },
		"FromState":                func(e *trial.Event) { e.FromState = trial.StateInReview },
		"ToState":                  func(e *trial.Event) { e.ToState = trial.StateInConsultation },
		"Comment":                  func(e *trial.Event) { e.Comment += "." },
		"Changes":                  func(e *trial.Event) { e.Changes = append(e.Changes, "x") },
		"ConsultationID":           func(e *trial.Event) { e.ConsultationID = "2" },
		"PrevHash":                 func(e *trial.Event) { e.PrevHash = "" },
		"Call":                     func(e *trial.Event) { e.Call = "2027-01" },
	}
	var leaves []string
	var walk func(prefix string, typ reflect.Type)
	walk = func(prefix string, typ reflect.Type) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeFor[time.Time]() {
				walk(prefix+f.Name+".", f.Type)
				continue
			}
			leaves = append(leaves, prefix+f.Name)
		}
	}
	walk("", reflect.TypeFor[trial.Event]())
	base := trial.EventHash(chainEvent())
	for _, field := range leaves {
		if field == "Hash" {
			continue
		}
		t.Run(field, func(t *testing.T) {
			mutate, ok := mutations[field]
			if !ok {
				t.Fatalf("Event.%s is not covered: add it to the canonical encoding (chain.go) and to this test", field)
			}
			e := chainEvent()
			mutate(e)
			if trial.EventHash(e) == base {
				t.Errorf("changing %s left the hash unchanged", field)
			}
		})
	}
}

// chain returns n linked events of one case, hashed as the store hashes them.
func chain(appID string, seqs ...uint64) []*trial.Event {
	var out []*trial.Event
	prev := ""
	for _, s := range seqs {
		e := &trial.Event{Sequence: s, ApplicationID: appID, Time: time.Date(2026, 3, 2, 9, 0, int(s), 0, time.UTC),
			Actor: trial.Actor{Role: trial.RoleSystem}, Action: trial.ActionUpdate, PrevHash: prev}
		e.Hash = trial.EventHash(e)
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

func TestChainVerifier(t *testing.T) {
	const a = "2026-000001"
	tests := []struct {
		name   string
		events func() []*trial.Event
		head   func(events []*trial.Event) *trial.ChainHead
		want   []string // "seq: substring"; seq 0 for the head
	}{
		{name: "OK", events: func() []*trial.Event { return chain(a, 1, 3, 4) }},
		{name: "Changed", events: func() []*trial.Event {
			es := chain(a, 1, 3, 4)
			es[1].Comment = "endret"
			return es
		}, want: []string{"3: the event was changed"}},
		{name: "ChangedAndRehashed", events: func() []*trial.Event {
			es := chain(a, 1, 3, 4)
			es[1].Comment = "endret"
			es[1].Hash = trial.EventHash(es[1])
			return es
		}, want: []string{"4: an event was removed, inserted or changed"}},
		{name: "Removed", events: func() []*trial.Event {
			es := chain(a, 1, 3, 4)
			return []*trial.Event{es[0], es[2]}
		}, want: []string{"4: an event was removed"}},
		{name: "FirstRemoved", events: func() []*trial.Event { return chain(a, 1, 3, 4)[1:] },
			want: []string{"3: an event before it is missing"}},
		{name: "NoHash", events: func() []*trial.Event {
			es := chain(a, 1)
			es[0].Hash = ""
			return es
		}, want: []string{"1: has no hash"}},
		{name: "LastRemoved", events: func() []*trial.Event { return chain(a, 1, 3, 4)[:2] },
			head: func([]*trial.Event) *trial.ChainHead {
				es := chain(a, 1, 3, 4)
				return &trial.ChainHead{Sequence: 4, Hash: es[2].Hash}
			},
			want: []string{"0: events after the head were removed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v trial.ChainVerifier
			var got []trial.ChainProblem
			events := tt.events()
			for _, e := range events {
				got = append(got, v.Add(e)...)
			}
			head := &trial.ChainHead{Sequence: events[len(events)-1].Sequence, Hash: events[len(events)-1].Hash}
			if tt.head != nil {
				head = tt.head(events)
			}
			if p := v.CheckHead(a, head); p != nil {
				got = append(got, *p)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d problems %v, want %d %v", len(got), got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				seq, sub, _ := strings.Cut(w, ": ")
				if g := got[i]; seq != strconv.FormatUint(g.Sequence, 10) || !strings.Contains(g.Problem, sub) || g.ApplicationID != a {
					t.Errorf("problem %d: got %s (event %d), want event %s with %q", i, g, g.Sequence, seq, sub)
				}
			}
		})
	}
}

// referenceCanonical is the hand-written RFC 8785 encoder that trial.CanonicalEvent
// used before it adopted gowebpki/jcs, kept as the pinned reference: the hash scheme's
// bytes must not change.
func referenceCanonical(e *trial.Event) []byte {
	var b strings.Builder
	b.WriteString(`{"action":`)
	jcsString(&b, string(e.Action))
	b.WriteString(`,"actor":{"ministry":`)
	jcsString(&b, e.Actor.Ministry)
	b.WriteString(`,"name":`)
	jcsString(&b, e.Actor.Name)
	b.WriteString(`,"organisationNumber":`)
	jcsString(&b, e.Actor.OrganisationNumber)
	b.WriteString(`,"role":`)
	jcsString(&b, string(e.Actor.Role))
	b.WriteString(`,"subject":`)
	jcsString(&b, e.Actor.Subject)
	b.WriteString(`},"applicationId":`)
	jcsString(&b, e.ApplicationID)
	b.WriteString(`,"changes":[`)
	for i, c := range e.Changes {
		if i > 0 {
			b.WriteByte(',')
		}
		jcsString(&b, c)
	}
	b.WriteString(`],"comment":`)
	jcsString(&b, e.Comment)
	b.WriteString(`,"consultationId":`)
	jcsString(&b, e.ConsultationID)
	b.WriteString(`,"fromState":`)
	jcsString(&b, string(e.FromState))
	b.WriteString(`,"prevHash":`)
	jcsString(&b, e.PrevHash)
	b.WriteString(`,"sequence":`)
	b.WriteString(strconv.FormatUint(e.Sequence, 10))
	b.WriteString(`,"time":`)
	jcsString(&b, trial.CanonicalTime(e.Time))
	b.WriteString(`,"toState":`)
	jcsString(&b, string(e.ToState))
	b.WriteByte('}')
	return []byte(b.String())
}

// jcsString writes s as a JSON string the way RFC 8785 serialises it (ECMAScript's
// JSON.stringify): '"' and '\' escaped, the control characters below U+0020 as \b, \t,
// \n, \f, \r or \u00xx (lowercase hex), everything else as its UTF-8. Each byte of
// invalid UTF-8 counts as U+FFFD, as encoding/json stores it.
func jcsString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\f':
			b.WriteString(`\f`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20:
			fmt.Fprintf(b, `\u%04x`, r)
		default:
			b.WriteRune(r) // utf8.RuneError for an invalid byte: U+FFFD
		}
	}
	b.WriteByte('"')
}

// FuzzCanonicalEvent compares the encoding with the reference over arbitrary text in
// every string member and any sequence number JCS holds exactly.
func FuzzCanonicalEvent(f *testing.F) {
	f.Add("Godt begrunnet – æøå", "a\"b\\c\b\t\n\f\r", "\x00\x01\x1f<&>", "\u2028\u2029/\xff\xfe", uint64(17), int64(0))
	f.Add("", "", "", "", uint64(1<<53), int64(-1))
	f.Fuzz(func(t *testing.T, comment, name, change, prev string, seq uint64, nanos int64) {
		e := chainEvent()
		e.Comment, e.Actor.Name, e.PrevHash, e.Actor.Subject = comment, name, prev, change
		e.Changes = []string{change, comment}
		if seq%3 == 0 {
			e.Changes = nil
		}
		e.Sequence = seq % (1<<53 + 1)
		e.Time = time.Unix(0, nanos).UTC()
		if got, want := string(trial.CanonicalEvent(e)), string(referenceCanonical(e)); got != want {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
	})
}
