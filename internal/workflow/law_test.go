package workflow_test

import (
	"testing"

	"github.com/forsok/forsok/internal/trial"
)

// TestService_ListAllowedActionsPublicView: a caller with the public view learns roles
// and states, never the guards, which would tell what the public register hides — here
// whether the evaluation report has come (R22). A party to the case learns the guards.
func TestService_ListAllowedActionsPublicView(t *testing.T) {
	e := svcSetup(t)
	app := svcDrive(t, e, trial.StateEvaluating)
	rulesOf := func(actor trial.Actor) map[string]bool {
		actions, err := e.svc.ListAllowedActions(svcCtx, actor, app.ID)
		if err != nil {
			t.Fatalf("ListAllowedActions: got error %v, want nil", err)
		}
		rules := map[string]bool{}
		for _, a := range actions {
			if a.Action == trial.ActionClose {
				for _, v := range a.Failing {
					rules[v.Rule] = true
				}
			}
		}
		return rules
	}
	if got := rulesOf(svcOther); len(got) != 1 || !got["ROLE"] {
		t.Errorf("public view: close fails for %v, want ROLE only", got)
	}
	if got := rulesOf(svcLead); !got[trial.RuleR12] {
		t.Errorf("lead: close fails for %v, want R12 among them (no report yet)", got)
	}
}
