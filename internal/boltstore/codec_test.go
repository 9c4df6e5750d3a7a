package boltstore_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/forsok/forsok/internal/boltstore"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

// TestUnmarshal_AsEncodingJSON decodes every stored type, with every field set and with
// none, with the store's decoder and with encoding/json, which writes them, and wants the
// same values.
func TestUnmarshal_AsEncodingJSON(t *testing.T) {
	tests := []struct {
		name string
		v    any
		new  func() any
	}{
		{"Application", fullApplication("2026-000042"), func() any { return new(trial.Application) }},
		{"EmptyApplication", &trial.Application{}, func() any { return new(trial.Application) }},
		{"Consultation", fullConsultation("2026-000042", "1"), func() any { return new(trial.Consultation) }},
		{"Event", fullEvent("2026-000042"), func() any { return new(trial.Event) }},
		{"RequestRecord", &workflow.RequestRecord{Method: "m", Fingerprint: "f", Time: t0, Result: []byte(`{"a":"ø\u00e6"}`)}, func() any { return new(workflow.RequestRecord) }},
		{"Escapes", &trial.Application{Title: "\"sitat\" \\ \u2028 æøå \t\n", UpdateTime: t0.In(time.FixedZone("CET", 3600))}, func() any { return new(trial.Application) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := json.Marshal(tt.v)
			if err != nil {
				t.Fatal(err)
			}
			want, got := tt.new(), tt.new()
			if err := json.Unmarshal(data, want); err != nil {
				t.Fatalf("encoding/json: %v", err)
			}
			if err := boltstore.Unmarshal(data, got); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Unmarshal: got %s\nwant (encoding/json) %s", js(got), js(want))
			}
		})
	}
	var app trial.Application
	if err := boltstore.Unmarshal([]byte(`{"id": 1}`), &app); err == nil {
		t.Error("Unmarshal of a number into a string: got nil, want an error")
	}
}

// BenchmarkDecodeApplication compares the store's decoder with encoding/json on a case
// with every field set.
func BenchmarkDecodeApplication(b *testing.B) {
	data, err := json.Marshal(fullApplication("2026-000042"))
	if err != nil {
		b.Fatal(err)
	}
	for _, bm := range []struct {
		name string
		fn   func([]byte, any) error
	}{{"encoding-json", json.Unmarshal}, {"store", boltstore.Unmarshal}} {
		b.Run(bm.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				var app trial.Application
				if err := bm.fn(data, &app); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
