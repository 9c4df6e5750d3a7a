package trial

import (
	"slices"
	"testing"
)

// fixtureToday is the day validApplication is submitted on.
const fixtureToday = "2026-01-15"

func TestSubmitGuards(t *testing.T) {
	ref := DefaultReference()
	for _, tc := range []appCase{
		{"OK", nil, nil},
		{"OKUnitaryCountyWithFylkeskommune", func(a *Application) {
			a.Category = CategoryUnitaryCounty
			a.Applicants = countyApplicants()
		}, nil},
		{"OKKommunelovenWithJustification", func(a *Application) {
			a.Exemptions[0].LawID = "LOV-2018-06-22-83"
			a.Exemptions[0].OwningMinistry = "KDD"
			a.Exemptions[0].Justification = "Regelen gjelder ikke kommunens grunnleggende organisering."
		}, nil},
		{"OKKommunelovenInUnitaryCountyTrial", func(a *Application) {
			a.Category = CategoryUnitaryCounty
			a.Applicants = countyApplicants()
			a.Exemptions[0].LawID, a.Exemptions[0].OwningMinistry = "LOV-2018-06-22-83", "KDD"
		}, nil},
		{"OKRestrictsRightsIsFlaggedNotRefused", func(a *Application) { a.Exemptions[0].RestrictsRights = true }, nil},
		{"OKPeriodAtFourYears", func(a *Application) { a.PlannedEnd = "2030-07-31" }, nil},
		{"OKOneDayTrial", func(a *Application) { a.PlannedEnd = a.PlannedStart }, nil},
		{"OKCouncilMetToday", func(a *Application) { a.Applicants[1].CouncilDecision.MeetingDate = fixtureToday }, nil},
		{"OKSingleApplicant", func(a *Application) { a.Applicants = a.Applicants[:1] }, nil},

		{"ErrTitleMissing", func(a *Application) { a.Title = " " }, []string{"REQUIRED title TITLE_MISSING"}},
		{"ErrSummaryMissing", func(a *Application) { a.Summary = "" }, []string{"REQUIRED summary SUMMARY_MISSING"}},

		{"ErrR1PurposeMissing", func(a *Application) { a.Purposes = nil }, []string{"R1 purposes PURPOSE_MISSING"}},
		{"ErrR1PurposeUnknown", func(a *Application) { a.Purposes = []Purpose{"FUN"} }, []string{"R1 purposes[0] UNKNOWN_PURPOSE"}},

		{"ErrR2ApplicantMissing", func(a *Application) { a.Applicants = nil }, []string{"R2 applicants APPLICANT_MISSING"}},
		{"ErrR2OrganisationNumber", func(a *Application) { a.Applicants[1].OrganisationNumber = "971011008" },
			[]string{"R2 applicants[1].organisation_number INVALID_ORGANISATION_NUMBER"}},
		{"ErrR2MunicipalityNumber", func(a *Application) { a.Applicants[0].MunicipalityNumber = "0118" },
			[]string{"R2 applicants[0].municipality_number INVALID_MUNICIPALITY_NUMBER"}},
		{"ErrR2LeadMissing", func(a *Application) {
			a.Applicants[0].Lead = false
			a.Applicants[0].ParticipationConfirmed = true
		}, []string{"R2 applicants LEAD_APPLICANT_MISSING"}},
		{"ErrR2MultipleLeads", func(a *Application) { a.Applicants[1].Lead = true },
			[]string{"R2 applicants MULTIPLE_LEAD_APPLICANTS"}},

		{"ErrR3CategoryMissing", func(a *Application) { a.Category = "" }, []string{"R3 category CATEGORY_MISSING"}},
		{"ErrR3CategoryUnknown", func(a *Application) { a.Category = "E" }, []string{"R3 category UNKNOWN_CATEGORY"}},
		{"ErrR3UnitaryCountyWithoutFylkeskommune", func(a *Application) { a.Category = CategoryUnitaryCounty },
			[]string{"R3 category CATEGORY_REQUIRES_FYLKESKOMMUNE", "R3+ applicants[0].kind UNITARY_COUNTY_ONLY_FYLKESKOMMUNER", "R3+ applicants[1].kind UNITARY_COUNTY_ONLY_FYLKESKOMMUNER"}},

		{"ErrR4ExemptionMissing", func(a *Application) { a.Exemptions = nil }, []string{"R4 exemptions EXEMPTION_MISSING"}},
		{"ErrR4ExemptionWithoutCitation", func(a *Application) {
			a.Exemptions = append(a.Exemptions, Exemption{ProposedRule: "Mer frihet."})
		}, []string{
			"R4 exemptions[1].law_id LAW_ID_MISSING",
			"R4 exemptions[1].section SECTION_MISSING",
			"R4 exemptions[1].current_rule CURRENT_RULE_MISSING",
			"R4 exemptions[1].owning_ministry OWNING_MINISTRY_MISSING",
		}},
		{"ErrR4ProposedRuleMissing", func(a *Application) { a.Exemptions[0].ProposedRule = "" },
			[]string{"R4 exemptions[0].proposed_rule PROPOSED_RULE_MISSING"}},
		{"ErrR4LawID", func(a *Application) { a.Exemptions[0].LawID = "LOV-2023-6-9-30" },
			[]string{"R4 exemptions[0].law_id INVALID_LAW_ID"}},
		{"ErrR4OwningMinistryUnknown", func(a *Application) { a.Exemptions[0].OwningMinistry = "KUF" },
			[]string{"R4 exemptions[0].owning_ministry UNKNOWN_MINISTRY"}},

		{"ErrR5Forvaltningsloven", func(a *Application) { a.Exemptions[0].LawID = "LOV-1967-02-10" },
			[]string{"R5 exemptions[0].law_id EXEMPTION_LAW_BLOCKED"}},
		{"ErrR5ForvaltningslovenSuccessor", func(a *Application) { a.Exemptions[0].LawID = "LOV-2025-06-20-81" },
			[]string{"R5 exemptions[0].law_id EXEMPTION_LAW_BLOCKED"}},
		{"ErrR5KommunelovenWithoutJustification", func(a *Application) {
			a.Exemptions[0].LawID, a.Exemptions[0].OwningMinistry = "LOV-2018-06-22-83", "KDD"
		},
			[]string{"R5 exemptions[0].justification EXEMPTION_JUSTIFICATION_MISSING"}},

		{"ErrR6PlannedStartMissing", func(a *Application) { a.PlannedStart = "" }, []string{"R6 planned_start START_DATE_MISSING"}},
		{"ErrR6PlannedEndMissing", func(a *Application) { a.PlannedEnd = "" }, []string{"R6 planned_end END_DATE_MISSING"}},
		{"ErrR6PlannedStartInvalid", func(a *Application) { a.PlannedStart = "2026-08-32" }, []string{"R6 planned_start INVALID_DATE"}},
		{"ErrR6EndsBeforeStart", func(a *Application) { a.PlannedEnd = "2026-07-31" },
			[]string{"R6 planned_end TRIAL_PERIOD_ENDS_BEFORE_START"}},
		{"ErrR6TooLong", func(a *Application) { a.PlannedEnd = "2030-08-01" }, []string{"R6 planned_end TRIAL_PERIOD_TOO_LONG"}},

		{"ErrR8CouncilDecisionMissing", func(a *Application) { a.Applicants[0].CouncilDecision = nil },
			[]string{"R8 applicants[0].council_decision COUNCIL_DECISION_MISSING"}},
		{"ErrR8CouncilDecisionIncomplete", func(a *Application) { a.Applicants[1].CouncilDecision.CaseReference = "" },
			[]string{"R8 applicants[1].council_decision.case_reference COUNCIL_DECISION_INCOMPLETE"}},
		{"ErrR8CouncilDecisionInFuture", func(a *Application) { a.Applicants[1].CouncilDecision.MeetingDate = "2026-01-16" },
			[]string{"R8 applicants[1].council_decision.meeting_date COUNCIL_DECISION_IN_FUTURE"}},
		{"ErrR8ParticipationNotConfirmed", func(a *Application) { a.Applicants[1].ParticipationConfirmed = false },
			[]string{"R8 applicants[1].participation_confirmed PARTICIPATION_NOT_CONFIRMED"}},

		{"ErrR9DraftRegulationMissing", func(a *Application) { a.DraftRegulation = "" },
			[]string{"R9 draft_regulation DRAFT_REGULATION_MISSING"}},
		{"ErrR12EvaluationPlanMissing", func(a *Application) { a.EvaluationPlan = "" },
			[]string{"R12 evaluation_plan EVALUATION_PLAN_MISSING"}},
		{"ErrR15EmployeeInvolvementMissing", func(a *Application) { a.EmployeeInvolvement = "\n" },
			[]string{"R15 employee_involvement EMPLOYEE_INVOLVEMENT_MISSING"}},

		{"ErrEveryRuleReported", func(a *Application) { *a = Application{} }, []string{
			"REQUIRED title TITLE_MISSING",
			"REQUIRED summary SUMMARY_MISSING",
			"R1 purposes PURPOSE_MISSING",
			"R2 applicants APPLICANT_MISSING",
			"R3 category CATEGORY_MISSING",
			"R4 exemptions EXEMPTION_MISSING",
			"R6 planned_start START_DATE_MISSING",
			"R6 planned_end END_DATE_MISSING",
			"R9 draft_regulation DRAFT_REGULATION_MISSING",
			"R12 evaluation_plan EVALUATION_PLAN_MISSING",
			"R15 employee_involvement EMPLOYEE_INVOLVEMENT_MISSING",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := validApplication()
			if tc.edit != nil {
				tc.edit(app)
			}
			assertViolations(t, SubmitGuards(app, ref, day(t, fixtureToday)), tc.want...)
		})
	}
	t.Run("ErrApplicationMissing", func(t *testing.T) {
		assertViolations(t, SubmitGuards(nil, ref, day(t, fixtureToday)), "REQUIRED application APPLICATION_MISSING")
	})
}

func TestExemptionFlags(t *testing.T) {
	ref := DefaultReference()
	kommuneloven := Exemption{LawID: "LOV-2018-06-22-83"}
	for _, tc := range []struct {
		name     string
		e        Exemption
		category Category
		want     []ExemptionFlag
	}{
		{"OKNoFlags", Exemption{LawID: "LOV-2008-06-27-71"}, CategoryOrganisation, nil},
		{"OKKommuneloven", kommuneloven, CategoryOrganisation, []ExemptionFlag{FlagKommuneloven}},
		{"OKKommunelovenInUnitaryCountyTrial", kommuneloven, CategoryUnitaryCounty, nil},
		{"OKRestrictsRights", Exemption{LawID: "LOV-2008-06-27-71", RestrictsRights: true}, CategoryOrganisation, []ExemptionFlag{FlagRestrictsRights}},
		{"OKBoth", Exemption{LawID: "LOV-2018-06-22-83", RestrictsRights: true}, CategoryTaskDivision, []ExemptionFlag{FlagKommuneloven, FlagRestrictsRights}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ExemptionFlags(tc.e, tc.category, ref); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestOwningMinistries(t *testing.T) {
	ref := DefaultReference()
	for _, tc := range []struct {
		name   string
		owners []string
		want   []string
	}{
		{"OK", []string{"KD", "HOD", "KD", "KDD", ""}, []string{"HOD", "KD"}},
		{"OKOnlyKDDRules", []string{"KDD", "KDD"}, nil},
		{"OKNoExemptions", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := &Application{}
			for _, o := range tc.owners {
				app.Exemptions = append(app.Exemptions, Exemption{OwningMinistry: o})
			}
			if got := OwningMinistries(app, ref); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("OKNilApplication", func(t *testing.T) {
		if got := OwningMinistries(nil, ref); got != nil {
			t.Errorf("got %v, want nil", got)
		}
	})
}

// answered returns an answered consultation of the ministry with the position.
func answered(id, ministry string, p Position) *Consultation {
	return &Consultation{ID: id, Ministry: ministry, State: ConsultationAnswered, Response: &ConsultationResponse{Position: p, Statement: "Uttalelse."}}
}

func TestApproveGuards(t *testing.T) {
	ref := DefaultReference()
	app := func() *Application {
		a := validApplication()
		a.State = StateReadyForDecision
		a.Exemptions = append(a.Exemptions, Exemption{LawID: "LOV-2011-06-24-30", Section: "§ 3-2", CurrentRule: "x", ProposedRule: "y", OwningMinistry: "HOD"})
		return a
	}
	ok := ApproveInput{ApprovedStart: "2026-08-01", ApprovedEnd: "2029-07-31", Reasons: "Innenfor loven."}
	both := func() []*Consultation {
		return []*Consultation{answered("1", "KD", PositionSupports), answered("2", "HOD", PositionNoComment)}
	}
	for _, tc := range []struct {
		name string
		app  func() *Application
		cons []*Consultation
		in   ApproveInput
		want []string
	}{
		{"OK", app, both(), ok, nil},
		{"OKOnlyKDDRulesNeedNoConsultation", func() *Application {
			a := validApplication()
			a.Exemptions[0].LawID, a.Exemptions[0].Section, a.Exemptions[0].OwningMinistry = "LOV-2008-06-27-71", "§ 12-14", "KDD"
			return a
		}, nil, ok, nil},
		{"OKCancelledConsultationIgnored", app, append(both(), &Consultation{ID: "3", Ministry: "KD", State: ConsultationCancelled}), ok, nil},
		{"OKObjectionAnswered", app, []*Consultation{answered("1", "KD", PositionObjects), answered("2", "HOD", PositionSupports)},
			ApproveInput{ApprovedStart: "2026-08-01", ApprovedEnd: "2029-07-31", Reasons: "x", ObjectionResponse: "Innvendingen er vurdert."}, nil},
		{"ErrR6TooLong", app, both(), ApproveInput{ApprovedStart: "2026-08-01", ApprovedEnd: "2030-08-01", Reasons: "x"},
			[]string{"R6 approved_end TRIAL_PERIOD_TOO_LONG", "R18 approved_end APPROVED_END_AFTER_APPLIED"}},
		{"ErrR6EndsBeforeStart", app, both(), ApproveInput{ApprovedStart: "2026-08-01", ApprovedEnd: "2026-07-01", Reasons: "x"},
			[]string{"R6 approved_end TRIAL_PERIOD_ENDS_BEFORE_START"}},
		{"ErrR10ConsultationMissing", app, both()[:1], ok, []string{"R10 consultations CONSULTATION_MISSING"}},
		{"ErrR10OnlyCancelled", app, []*Consultation{answered("1", "KD", PositionSupports), {ID: "2", Ministry: "HOD", State: ConsultationCancelled}}, ok,
			[]string{"R10 consultations CONSULTATION_MISSING"}},
		{"ErrR10ConsultationOpen", app, append(both(), &Consultation{ID: "3", Ministry: "KD", State: ConsultationRequested}), ok,
			[]string{"R10 consultations CONSULTATION_OPEN"}},
		{"ErrR10OpenAndUnanswered", app, []*Consultation{answered("1", "KD", PositionSupports), {ID: "2", Ministry: "HOD", State: ConsultationRequested}}, ok,
			[]string{"R10 consultations CONSULTATION_MISSING", "R10 consultations CONSULTATION_OPEN"}},
		{"ErrR10ObjectionNotAnswered", app, []*Consultation{answered("1", "KD", PositionObjects), answered("2", "HOD", PositionSupports)}, ok,
			[]string{"R10 objection_response OBJECTION_NOT_ANSWERED"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := tc.app()
			coverAsTheyStand(app, tc.cons, ref)
			assertViolations(t, ApproveGuards(app, tc.cons, tc.in, ref, day(t, fixtureToday)), tc.want...)
		})
	}
}

// approvedApplication returns an application approved for 2026-08-01 to 2030-07-31,
// with its regulation published.
func approvedApplication() *Application {
	a := validApplication()
	a.State = StateApproved
	a.Decision = &Decision{
		Approved: true, ApprovedStart: "2026-08-01", ApprovedEnd: "2030-07-31", Reasons: "Innenfor loven.",
		Authority: "FOR-1992-12-11-1050", RegulationID: "FOR-2026-06-30-1234", PublicationReference: "Lovtidend 2026 hefte 7",
	}
	return a
}

func TestActivateGuards(t *testing.T) {
	for _, tc := range []struct {
		name, today string
		edit        func(a *Application)
		want        []string
	}{
		{"OK", "2026-08-01", nil, nil},
		{"OKAfterStart", "2026-09-01", nil, nil},
		{"ErrR9RegulationIDMissing", "2026-08-01", func(a *Application) { a.Decision.RegulationID = "" },
			[]string{"R9 decision.regulation_id REGULATION_ID_MISSING"}},
		{"ErrR9PublicationMissing", "2026-08-01", func(a *Application) { a.Decision.PublicationReference = "" },
			[]string{"R9 decision.publication_reference PUBLICATION_REFERENCE_MISSING"}},
		{"ErrStartDateNotReached", "2026-07-31", nil, []string{"R6 decision.approved_start START_DATE_NOT_REACHED"}},
		{"ErrDecisionMissing", "2026-08-01", func(a *Application) { a.Decision = nil }, []string{"R9 decision DECISION_MISSING"}},
		{"ErrRejected", "2026-08-01", func(a *Application) { a.Decision.Approved = false }, []string{"R9 decision DECISION_MISSING"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := approvedApplication()
			if tc.edit != nil {
				tc.edit(app)
			}
			assertViolations(t, ActivateGuards(app, day(t, tc.today)), tc.want...)
		})
	}
}

func TestCurrentEnd(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(a *Application)
		want string
	}{
		{"OK", nil, "2030-07-31"},
		{"OKLatestGrantedExtension", func(a *Application) {
			a.Extensions = []Extension{
				{RequestedEnd: "2031-07-31", State: ExtensionGranted, ApprovedEnd: "2031-01-31"},
				{RequestedEnd: "2032-07-31", State: ExtensionDenied},
				{RequestedEnd: "2031-12-31", State: ExtensionGranted, ApprovedEnd: "2031-12-31"},
				{RequestedEnd: "2032-07-31", State: ExtensionRequested},
			}
		}, "2031-12-31"},
		{"OKNeverApproved", func(a *Application) { a.Decision = nil }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := approvedApplication()
			if tc.edit != nil {
				tc.edit(app)
			}
			if got := CurrentEnd(app); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("OKNilApplication", func(t *testing.T) {
		if got := CurrentEnd(nil); got != "" {
			t.Errorf("got %q, want \"\"", got)
		}
	})
}

// activeApplication returns a running trial approved to 2030-07-31, optionally with
// extensions.
func activeApplication(extensions ...Extension) *Application {
	a := approvedApplication()
	a.State = StateActive
	// The co-applicant's council has decided to ask for an extension (R8+).
	a.Applicants[1].ExtensionCouncilDecision = &CouncilDecision{Body: "Råde kommunestyre", CaseReference: "30/12", MeetingDate: "2030-02-15"}
	a.Extensions = extensions
	return a
}

func TestRequestExtensionGuards(t *testing.T) {
	const today = "2030-03-01"
	granted := Extension{RequestedEnd: "2031-07-31", State: ExtensionGranted, ApprovedEnd: "2031-07-31"}
	req := func(end string) ExtensionRequestInput {
		return ExtensionRequestInput{RequestedEnd: end, CouncilDecision: &CouncilDecision{Body: "Indre Østfold kommunestyre", CaseReference: "2030/12", MeetingDate: "2030-02-20"}}
	}
	withReform := func(end, inForce string) ExtensionRequestInput {
		in := req(end)
		in.ReformReference, in.ReformInForce = "Prop. 100 L (2029–2030)", inForce
		return in
	}
	for _, tc := range []struct {
		name string
		app  *Application
		in   ExtensionRequestInput
		want []string
	}{
		{"OK", activeApplication(), req("2031-07-31"), nil},
		{"OKTwoYears", activeApplication(), req("2032-07-31"), nil},
		{"OKTwoYearsInTotal", activeApplication(granted), req("2032-07-31"), nil},
		{"OKBeyondTwoYearsUntilDayBeforeReform", activeApplication(), withReform("2032-12-31", "2033-01-01"), nil},
		{"ErrR7PlusOnReformDay", activeApplication(), withReform("2033-01-01", "2033-01-01"),
			[]string{"R7+ requested_end EXTENSION_BEYOND_REFORM"}},
		{"ErrR8CouncilDecisionInFuture", activeApplication(), func() ExtensionRequestInput {
			in := req("2031-07-31")
			in.CouncilDecision.MeetingDate = "2030-03-02"
			return in
		}(), []string{"R8 council_decision.meeting_date COUNCIL_DECISION_IN_FUTURE"}},
		{"ErrR7NotAfterCurrentEnd", activeApplication(), req("2030-07-31"),
			[]string{"R7 requested_end EXTENSION_END_NOT_AFTER_CURRENT_END"}},
		{"ErrR7NotAfterExtendedEnd", activeApplication(granted), req("2031-06-30"),
			[]string{"R7 requested_end EXTENSION_END_NOT_AFTER_CURRENT_END"}},
		{"ErrR7TooLong", activeApplication(), req("2032-08-01"), []string{"R7 requested_end EXTENSION_TOO_LONG"}},
		{"ErrR7TooLongInTotal", activeApplication(granted), req("2032-08-01"), []string{"R7 requested_end EXTENSION_TOO_LONG"}},
		{"ErrR7BeyondReform", activeApplication(), withReform("2033-06-01", "2033-01-01"),
			[]string{"R7+ requested_end EXTENSION_BEYOND_REFORM"}},
		{"ErrR7NotApproved", func() *Application { a := activeApplication(); a.Decision = nil; return a }(), req("2031-07-31"),
			[]string{"R7 decision DECISION_MISSING"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assertViolations(t, RequestExtensionGuards(tc.app, tc.in, day(t, today)), tc.want...)
		})
	}
}

func TestDecideExtensionGuards(t *testing.T) {
	pending := Extension{RequestedEnd: "2032-07-31", State: ExtensionRequested}
	pendingReform := Extension{RequestedEnd: "2032-12-31", State: ExtensionRequested, ReformReference: "Prop. 100 L (2029–2030)", ReformInForce: "2033-01-01"}
	grant := func(end string) ExtensionDecisionInput {
		return ExtensionDecisionInput{Grant: true, ApprovedEnd: end, AmendingRegulationID: "FOR-2030-05-02-812", Reasons: "x"}
	}
	for _, tc := range []struct {
		name string
		app  *Application
		in   ExtensionDecisionInput
		want []string
	}{
		{"OK", activeApplication(pending), grant("2031-07-31"), nil},
		{"OKTwoYears", activeApplication(pending), grant("2032-07-31"), nil},
		{"OKDeny", activeApplication(pending), ExtensionDecisionInput{Reasons: "Ikke grunnlag."}, nil},
		{"OKUntilDayBeforeReform", activeApplication(pendingReform), grant("2032-12-31"), nil},
		{"ErrR7NoPendingRequest", activeApplication(), grant("2031-07-31"), []string{"R7 extensions EXTENSION_REQUEST_MISSING"}},
		{"ErrR7NotAfterCurrentEnd", activeApplication(pending), grant("2030-07-01"),
			[]string{"R7 approved_end EXTENSION_END_NOT_AFTER_CURRENT_END"}},
		{"ErrR7TooLong", activeApplication(pending), grant("2032-08-01"), []string{"R7 approved_end EXTENSION_TOO_LONG", "R18 approved_end EXTENSION_LONGER_THAN_REQUESTED"}},
		{"ErrR7TooLongInTotal", activeApplication(Extension{State: ExtensionGranted, ApprovedEnd: "2032-01-31"}, pending), grant("2032-08-01"),
			[]string{"R7 approved_end EXTENSION_TOO_LONG", "R18 approved_end EXTENSION_LONGER_THAN_REQUESTED"}},
		{"ErrR7BeyondReform", activeApplication(pendingReform), grant("2033-01-01"), []string{"R7+ approved_end EXTENSION_BEYOND_REFORM", "R18 approved_end EXTENSION_LONGER_THAN_REQUESTED"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assertViolations(t, DecideExtensionGuards(tc.app, tc.in), tc.want...)
		})
	}
}

func TestEndPeriodGuards(t *testing.T) {
	extended := Extension{State: ExtensionGranted, ApprovedEnd: "2031-07-31"}
	for _, tc := range []struct {
		name  string
		app   *Application
		today string
		want  []string
	}{
		{"OK", activeApplication(), "2030-08-01", nil},
		{"OKExtended", activeApplication(extended), "2031-08-01", nil},
		{"ErrR6EndNotReached", activeApplication(), "2030-07-31", []string{"R6 decision.approved_end END_DATE_NOT_REACHED"}},
		{"ErrR6ExtendedEndNotReached", activeApplication(extended), "2030-08-01", []string{"R6 extensions[0].approved_end END_DATE_NOT_REACHED"}},
		{"ErrR6NotApproved", &Application{State: StateActive}, "2030-08-01", []string{"R6 decision.approved_end END_DATE_MISSING"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assertViolations(t, EndPeriodGuards(tc.app, day(t, tc.today)), tc.want...)
		})
	}
}

// closeToday is the day TestCloseGuards closes on: the day after overdue's report was
// due.
const closeToday = "2031-02-01"

// overdue returns an evaluating case whose report was due before closeToday and never
// came (R12+).
func overdue() *Application {
	a := activeApplication()
	a.State, a.EvaluationDue = StateEvaluating, "2031-01-31"
	return a
}

func TestCloseGuards(t *testing.T) {
	evaluated := func() *Application {
		a := activeApplication()
		a.State = StateEvaluating
		a.EvaluationReport = &EvaluationReport{ReportReference: "rapport-2030", Summary: "Virket."}
		return a
	}
	for _, tc := range []struct {
		name string
		app  *Application
		in   CloseInput
		want []string
	}{
		{"OK", evaluated(), CloseInput{Outcome: OutcomeMadePermanent}, nil},
		{"OKWithoutEvaluation", overdue(), CloseInput{Outcome: OutcomeDiscontinued, Reasons: "Rapporten kom aldri.", WithoutEvaluation: true}, nil},
		{"ErrR12ReportMissing", activeApplication(), CloseInput{Outcome: OutcomeLawChangeProposed},
			[]string{"R12 evaluation_report EVALUATION_REPORT_MISSING"}},
		{"ErrR12OutcomeMissing", evaluated(), CloseInput{}, []string{"R12 outcome OUTCOME_MISSING"}},
		{"ErrR12WithoutEvaluationNotDiscontinued", overdue(), CloseInput{Outcome: OutcomeMadePermanent, Reasons: "x", WithoutEvaluation: true},
			[]string{"R12 outcome OUTCOME_MUST_BE_DISCONTINUED"}},
		{"ErrR12WithoutEvaluationReasonsMissing", overdue(), CloseInput{Outcome: OutcomeDiscontinued, WithoutEvaluation: true},
			[]string{"R12 reasons REASONS_MISSING"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assertViolations(t, CloseGuards(tc.app, tc.in, day(t, closeToday)), tc.want...)
		})
	}
}

func TestTerminateGuards(t *testing.T) {
	app := activeApplication()
	for _, tc := range []struct {
		name string
		in   TerminateInput
		want []string
	}{
		{"OK", TerminateInput{Reasons: "Ordningen er utenfor loven.", RepealingInstrument: "FOR-2014-06-20-800"}, nil},
		{"ErrR13RepealingInstrumentMissing", TerminateInput{Reasons: "x"}, []string{"R13 repealing_instrument REPEALING_INSTRUMENT_MISSING"}},
		{"ErrR13RepealingInstrumentNotARegulation", TerminateInput{Reasons: "x", RepealingInstrument: "LOV-2014-06-20-80"},
			[]string{"R13 repealing_instrument INVALID_REPEALING_INSTRUMENT"}},
		{"ErrR13ReasonsMissing", TerminateInput{RepealingInstrument: "FOR-2014-06-20-800"}, []string{"R13 reasons REASONS_MISSING"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assertViolations(t, TerminateGuards(app, tc.in), tc.want...)
		})
	}
}

func TestConsultationGuards(t *testing.T) {
	ref := DefaultReference()
	app := validApplication()
	app.State = StateInReview
	for _, tc := range []struct {
		name string
		cons []*Consultation
		in   ConsultationInput
		want []string
	}{
		{"OK", nil, ConsultationInput{Ministry: "KD", Question: "?", DueDate: "2026-01-16"}, nil},
		{"OKWorkingDays", nil, ConsultationInput{Ministry: "KD", Question: "?", DueWorkingDays: 15}, nil},
		{"OKOtherMinistryOpen", []*Consultation{{ID: "1", Ministry: "HOD", State: ConsultationRequested}},
			ConsultationInput{Ministry: "KD", Question: "?", DueWorkingDays: 15}, nil},
		{"OKSameMinistryAskedAgain", []*Consultation{answered("1", "KD", PositionObjects), {ID: "2", Ministry: "KD", State: ConsultationCancelled}},
			ConsultationInput{Ministry: "KD", Question: "?", DueWorkingDays: 15}, nil},
		{"ErrR10MinistryUnknown", nil, ConsultationInput{Ministry: "XYZ", Question: "?", DueWorkingDays: 15},
			[]string{"R10 ministry UNKNOWN_MINISTRY"}},
		{"ErrR10AlreadyOpen", []*Consultation{{ID: "1", Ministry: "KD", State: ConsultationRequested}},
			ConsultationInput{Ministry: "KD", Question: "?", DueWorkingDays: 15}, []string{"R10 ministry CONSULTATION_ALREADY_OPEN"}},
		{"ErrR10DueToday", nil, ConsultationInput{Ministry: "KD", Question: "?", DueDate: fixtureToday},
			[]string{"R10 due_date DUE_DATE_NOT_IN_FUTURE"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assertViolations(t, ConsultationGuards(app, tc.cons, tc.in, ref, day(t, fixtureToday)), tc.want...)
		})
	}
}

func TestParticipationGuards(t *testing.T) {
	app := validApplication()
	app.Applicants[1].ParticipationConfirmed = false
	for _, tc := range []struct {
		name string
		in   ParticipationInput
		want []string
	}{
		{"OK", ParticipationInput{OrganisationNumber: orgCo, CouncilDecision: validCouncilDecision()}, nil},
		{"OKMetToday", ParticipationInput{OrganisationNumber: orgCo, CouncilDecision: &CouncilDecision{Body: "b", CaseReference: "c", MeetingDate: fixtureToday}}, nil},
		{"ErrR8NotAnApplicant", ParticipationInput{OrganisationNumber: orgCounty, CouncilDecision: validCouncilDecision()},
			[]string{"R8 organisation_number NOT_AN_APPLICANT"}},
		{"ErrR8LeadApplicant", ParticipationInput{OrganisationNumber: orgLead, CouncilDecision: validCouncilDecision()},
			[]string{"R8 organisation_number LEAD_APPLICANT"}},
		{"ErrR8MeetingInFuture", ParticipationInput{OrganisationNumber: orgCo, CouncilDecision: &CouncilDecision{Body: "b", CaseReference: "c", MeetingDate: "2026-02-01"}},
			[]string{"R8 council_decision.meeting_date COUNCIL_DECISION_IN_FUTURE"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assertViolations(t, ParticipationGuards(app, tc.in, day(t, fixtureToday)), tc.want...)
		})
	}
}
