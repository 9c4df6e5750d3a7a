package workflow_test

import (
	"slices"
	"testing"
	"time"

	"github.com/forsok/forsok/internal/trial"
)

func TestService_ListApplicationsFiltersAndOrders(t *testing.T) {
	e := svcSetup(t)
	submitted := svcDrive(t, e, trial.StateSubmitted)                        // 1: Indre Østfold, LOV-2023-06-09-30, KD
	other := svcDriveApp(t, e, svcOtherFixture(), trial.StateInReview)       // 2: Larvik
	planning := svcDriveApp(t, e, svcKDDOwnFixture(), trial.StateSubmitted)  // 3: Indre Østfold, the planning act
	consulting := svcDriveApp(t, e, svcFixture(), trial.StateInConsultation) // 4: consulted KD
	e.clock.Set(e.clock.Now().Add(24 * time.Hour))
	submitted = svcTry(e.svc.AssignApplication(svcCtx, svcCall(svcHandler), submitted.ID, trial.Person{}, "")).must(t) // the latest change
	id := func(apps ...*trial.Application) []string { return svcIDs(apps) }

	for _, tc := range []struct {
		name, filter, order string
		actor               trial.Actor
		want                []string
	}{
		{"Municipality", "municipality = 3909", "", svcHandler, id(other)},
		{"NotMunicipality", "municipality != 3909", "", svcHandler, id(submitted, planning, consulting)},
		{"Law", "law = LOV-2008-06-27-71", "", svcHandler, id(planning)},
		{"MinistryOrCategory", "ministry = KD OR law = LOV-2008-06-27-71", "", svcHandler, id(planning, consulting)},
		{"MinistryForTheMinistry", "", "", svcKD, id(consulting)},
		{"Created", "create_time >= 2026-03-02 AND NOT municipality = 3909", "create_time desc", svcHandler, id(consulting, planning, submitted)},
		{"UpdatedLast", "update_time > 2026-03-02", "", svcHandler, id(submitted)},
		{"UpdateTimeDesc", "", "update_time desc", svcHandler, id(submitted, consulting, planning, other)},
		{"CaseNumber", "", "case_number", svcLead, id(submitted, planning, consulting)},
		{"CaseNumberDesc", "", "case_number desc", svcLead, id(consulting, planning, submitted)},
		{"CaseNumberExact", `case_number = "2026/2"`, "", svcHandler, id(other)},
		{"Name", "", "name", svcHandler, id(submitted, other, planning, consulting)},
	} {
		t.Run("OK"+tc.name, func(t *testing.T) {
			got, next, err := e.svc.ListApplications(svcCtx, tc.actor, tc.filter, tc.order, 0, "")
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if !slices.Equal(svcIDs(got), tc.want) || next != "" {
				t.Errorf("got %v (next %q), want %v", svcIDs(got), next, tc.want)
			}
		})
	}

	t.Run("ErrEveryBadField", func(t *testing.T) {
		_, _, err := e.svc.ListApplications(svcCtx, svcHandler, "ministry = XYZ", "title", -1, "")
		got := svcWantErr(t, err, trial.CodeInvalidArgument, "")
		var fields []string
		for _, v := range got.Violations {
			fields = append(fields, v.Field)
		}
		if want := []string{"filter", "order_by", "page_size"}; !slices.Equal(fields, want) {
			t.Errorf("violations on %v, want %v", fields, want)
		}
	})
	t.Run("ErrTokenOtherOrder", func(t *testing.T) {
		_, next, err := e.svc.ListApplications(svcCtx, svcHandler, "", "update_time", 1, "")
		if err != nil || next == "" {
			t.Fatalf("first page: got token %q, %v; want a token", next, err)
		}
		_, _, err = e.svc.ListApplications(svcCtx, svcHandler, "", "update_time desc", 1, next)
		if got := svcWantErr(t, err, trial.CodeInvalidArgument, "PAGE_TOKEN_QUERY_CHANGED"); got.Violations[0].Field != "page_token" {
			t.Errorf("violation on %q, want page_token", got.Violations[0].Field)
		}
	})
}
