package main

import (
	"testing"
	"time"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
	"github.com/forsok/forsok/internal/server/servertest"
	"github.com/forsok/forsok/internal/trial/trialtest"
)

// TestEndToEnd_Scheduler: the running server starts an approved trial on its start date
// and moves it to evaluation after its end date, by itself, as the actor "system".
func TestEndToEnd_Scheduler(t *testing.T) {
	t.Parallel()
	clock := trialtest.NewClock(at("2026-05-10", 10))
	s := startServerWith(t, servertest.Options{Clock: clock, SchedulerInterval: 10 * time.Millisecond})
	name := s.approved(t, "KD støtter forsøket.")
	// Tokens are minted at the fake clock's time, so each wait mints its own.
	waitForState := func(want forsokv1.Application_State) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		handler := s.as(t, s.handler(t))
		for {
			app, err := s.api.GetApplication(handler, &forsokv1.GetApplicationRequest{Name: name})
			if err != nil {
				t.Fatalf("GetApplication: %v", err)
			}
			if app.GetState() == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("state %s after 5 s, want %s", app.GetState(), want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	clock.Set(at("2026-08-01", 0))
	waitForState(forsokv1.Application_ACTIVE)
	clock.Set(at("2029-08-01", 0))
	waitForState(forsokv1.Application_EVALUATING)

	res, err := s.api.ListApplicationEvents(s.as(t, s.handler(t)), &forsokv1.ListApplicationEventsRequest{Parent: name, PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	system := map[string]bool{}
	for _, e := range res.GetEvents() {
		if e.GetActor().GetRole() == "system" {
			system[e.GetAction()] = true
		}
	}
	for _, action := range []string{"activate", "trialEndingSoon", "endPeriod"} {
		if !system[action] {
			t.Errorf("no %s event by the system; system events: %v", action, system)
		}
	}
}
