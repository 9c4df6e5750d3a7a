package trial

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Organisation numbers of the fixtures: syntactically valid examples, not the real ones.
const (
	orgLead   = "940931002" // a kommune, the lead applicant
	orgCo     = "971011009" // a kommune, co-applicant
	orgCounty = "971011017" // a fylkeskommune
)

// validApplication returns a complete application that passes ValidateDraft and, on
// fixtureToday, SubmitGuards. Each test case breaks one thing.
func validApplication() *Application {
	return &Application{
		ID:      "2026-000001",
		State:   StateDraft,
		Title:   "Vurdering uten karakter i ett eller flere fag på 8. trinn",
		Summary: "Elevene på 8. trinn får underveisvurdering uten karakter.",
		Applicants: []Applicant{
			{
				OrganisationNumber: orgLead, Name: "Indre Østfold kommune", Kind: KindKommune, MunicipalityNumber: "3118",
				CouncilDecision: &CouncilDecision{Body: "Indre Østfold kommunestyre", CaseReference: "2025/311", MeetingDate: "2025-06-12"},
				Lead:            true,
			},
			{
				OrganisationNumber: orgCo, Name: "Råde kommune", Kind: KindKommune, MunicipalityNumber: "3112",
				CouncilDecision:        &CouncilDecision{Body: "Råde kommunestyre", CaseReference: "25/100", MeetingDate: "2025-06-19"},
				ParticipationConfirmed: true,
			},
		},
		Category: CategoryOrganisation,
		Purposes: []Purpose{PurposeServiceQuality},
		Exemptions: []Exemption{{
			LawID: "LOV-2023-06-09-30", Section: "§ 15-4",
			CurrentRule:    "Elevene skal ha karakter i hvert fag fra 8. trinn.",
			ProposedRule:   "Ingen karakter i valgte fag på 8. trinn i forsøksperioden.",
			OwningMinistry: "KD",
		}},
		PlannedStart:        "2026-08-01",
		PlannedEnd:          "2029-07-31",
		EvaluationPlan:      "Følgeevaluering ved et forskningsmiljø.",
		EmployeeInvolvement: "Drøftet med Utdanningsforbundet 2025-05-20.",
		DraftRegulation:     "Forskrift om forsøk med vurdering uten karakter.",
	}
}

// countyApplicant returns a fylkeskommune applicant with a complete, confirmed council
// decision.
func countyApplicant() Applicant {
	return Applicant{
		OrganisationNumber: orgCounty, Name: "Vestland fylkeskommune", Kind: KindFylkeskommune, CountyNumber: "46",
		CouncilDecision:        &CouncilDecision{Body: "Vestland fylkesting", CaseReference: "2025/77", MeetingDate: "2025-06-10"},
		ParticipationConfirmed: true,
	}
}

// validOrgNumber returns the valid organisation number with the eight-digit prefix, or
// "" when the prefix has no check digit.
func validOrgNumber(prefix string) string {
	for d := '0'; d <= '9'; d++ {
		if s := prefix + string(d); ValidOrganisationNumber(s) {
			return s
		}
	}
	return ""
}

// distinctApplicants returns n well-formed kommune applicants with distinct numbers.
func distinctApplicants(n int) []Applicant {
	var as []Applicant
	for i := 0; len(as) < n; i++ {
		org := validOrgNumber(fmt.Sprintf("9100%04d", i))
		if org == "" {
			continue
		}
		as = append(as, Applicant{OrganisationNumber: org, Kind: KindKommune, MunicipalityNumber: "3118"})
	}
	return as
}

var upperSnake = regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$`)

// assertViolations checks that got holds exactly the violations in want, each written
// "RULE FIELD REASON" ("-" for an empty rule), in any order, and that every violation
// is well formed: a stable UPPER_SNAKE reason and a description.
func assertViolations(t *testing.T, got []Violation, want ...string) {
	t.Helper()
	var keys []string
	for _, v := range got {
		rule := v.Rule
		if rule == "" {
			rule = "-"
		}
		keys = append(keys, rule+" "+v.Field+" "+v.Reason)
		if !upperSnake.MatchString(v.Reason) {
			t.Errorf("reason %q: got a reason that is not UPPER_SNAKE, want one", v.Reason)
		}
		if v.Field == "" || strings.TrimSpace(v.Description) == "" {
			t.Errorf("violation %+v: got an empty field or description, want both", v)
		}
	}
	slices.Sort(keys)
	want = slices.Clone(want)
	slices.Sort(want)
	if !slices.Equal(keys, want) {
		t.Errorf("violations:\n got  %q\n want %q", keys, want)
		for _, v := range got {
			t.Logf("  %s", v.Description)
		}
	}
}

// appCase is one application, changed from validApplication, and the violations it has.
type appCase struct {
	name string
	edit func(a *Application)
	want []string
}

func TestValidateDraft(t *testing.T) {
	ref := DefaultReference()
	for _, tc := range []appCase{
		{"OK", nil, nil},
		{"OKEmptyDraft", func(a *Application) { *a = Application{} }, nil},
		{"OKIncompleteCouncilDecision", func(a *Application) {
			a.Applicants[0].CouncilDecision = &CouncilDecision{Body: "Indre Østfold kommunestyre"}
		}, nil},
		{"OKTitleAtLimit", func(a *Application) { a.Title = strings.Repeat("ø", MaxTitleLength) }, nil},
		{"OKFylkeskommune", func(a *Application) { a.Applicants = append(a.Applicants, countyApplicant()) }, nil},
		{"OKKommunelovenWithoutJustification", func(a *Application) {
			// A draft may still lack the justification: R5 is checked at submission.
			a.Exemptions[0].LawID = "LOV-2018-06-22-83"
		}, nil},
		{"ErrTitleTooLong", func(a *Application) { a.Title = strings.Repeat("ø", MaxTitleLength+1) },
			[]string{"- title TOO_LONG"}},
		{"ErrSummaryTooLong", func(a *Application) { a.Summary = strings.Repeat("x", MaxTextLength+1) },
			[]string{"- summary TOO_LONG"}},
		{"ErrOrganisationNumberMissing", func(a *Application) { a.Applicants[1].OrganisationNumber = "" },
			[]string{"R2 applicants[1].organisation_number ORGANISATION_NUMBER_MISSING"}},
		{"ErrOrganisationNumber", func(a *Application) { a.Applicants[1].OrganisationNumber = "971011008" },
			[]string{"R2 applicants[1].organisation_number INVALID_ORGANISATION_NUMBER"}},
		{"ErrDuplicateApplicant", func(a *Application) { a.Applicants[1].OrganisationNumber = orgLead },
			[]string{"R2 applicants[1].organisation_number DUPLICATE_APPLICANT"}},
		{"ErrTooManyApplicants", func(a *Application) { a.Applicants = distinctApplicants(MaxItems + 1) },
			[]string{"R2 applicants TOO_MANY"}},
		{"ErrNameTooLong", func(a *Application) { a.Applicants[0].Name = strings.Repeat("x", MaxShortTextLength+1) },
			[]string{"R2 applicants[0].name TOO_LONG"}},
		{"ErrKindMissing", func(a *Application) { a.Applicants[1].Kind = "" },
			[]string{"R2 applicants[1].kind APPLICANT_KIND_MISSING"}},
		{"ErrKindUnknown", func(a *Application) { a.Applicants[1].Kind = "STAT" },
			[]string{"R2 applicants[1].kind UNKNOWN_APPLICANT_KIND"}},
		{"ErrMunicipalityNumberMissing", func(a *Application) { a.Applicants[1].MunicipalityNumber = "" },
			[]string{"R2 applicants[1].municipality_number MUNICIPALITY_NUMBER_MISSING"}},
		{"ErrMunicipalityNumber", func(a *Application) { a.Applicants[1].MunicipalityNumber = "3005" },
			[]string{"R2 applicants[1].municipality_number INVALID_MUNICIPALITY_NUMBER"}},
		{"ErrCountyNumberOnKommune", func(a *Application) { a.Applicants[1].CountyNumber = "31" },
			[]string{"R2 applicants[1].county_number COUNTY_NUMBER_NOT_ALLOWED"}},
		{"ErrCountyNumberMissing", func(a *Application) {
			c := countyApplicant()
			c.CountyNumber = ""
			a.Applicants = append(a.Applicants, c)
		}, []string{"R2 applicants[2].county_number COUNTY_NUMBER_MISSING"}},
		{"ErrCountyNumber", func(a *Application) {
			c := countyApplicant()
			c.CountyNumber = "12" // Hordaland, merged into Vestland in 2020
			a.Applicants = append(a.Applicants, c)
		}, []string{"R2 applicants[2].county_number INVALID_COUNTY_NUMBER"}},
		{"ErrMunicipalityNumberOnFylkeskommune", func(a *Application) {
			c := countyApplicant()
			c.MunicipalityNumber = "4601"
			a.Applicants = append(a.Applicants, c)
		}, []string{"R2 applicants[2].municipality_number MUNICIPALITY_NUMBER_NOT_ALLOWED"}},
		{"ErrMeetingDate", func(a *Application) { a.Applicants[1].CouncilDecision.MeetingDate = "19.06.2025" },
			[]string{"R8 applicants[1].council_decision.meeting_date INVALID_DATE"}},
		{"ErrCouncilBodyTooLong", func(a *Application) {
			a.Applicants[0].CouncilDecision.Body = strings.Repeat("x", MaxShortTextLength+1)
		}, []string{"R8 applicants[0].council_decision.body TOO_LONG"}},
		{"ErrCategoryUnknown", func(a *Application) { a.Category = "SOMETHING" },
			[]string{"R3 category UNKNOWN_CATEGORY"}},
		{"ErrPurposeUnknown", func(a *Application) { a.Purposes = append(a.Purposes, "HAPPINESS") },
			[]string{"R1 purposes[1] UNKNOWN_PURPOSE"}},
		{"ErrPurposeDuplicate", func(a *Application) { a.Purposes = append(a.Purposes, PurposeServiceQuality) },
			[]string{"R1 purposes[1] DUPLICATE_PURPOSE"}},
		{"ErrLawID", func(a *Application) { a.Exemptions[0].LawID = "opplæringslova" },
			[]string{"R4 exemptions[0].law_id INVALID_LAW_ID"}},
		{"ErrOwningMinistryUnknown", func(a *Application) { a.Exemptions[0].OwningMinistry = "kd" },
			[]string{"R4 exemptions[0].owning_ministry UNKNOWN_MINISTRY"}},
		{"ErrTooManyExemptions", func(a *Application) {
			for len(a.Exemptions) <= MaxItems {
				a.Exemptions = append(a.Exemptions, a.Exemptions[0])
			}
		}, []string{"R4 exemptions TOO_MANY"}},
		{"ErrProposedRuleTooLong", func(a *Application) { a.Exemptions[0].ProposedRule = strings.Repeat("x", MaxTextLength+1) },
			[]string{"R4 exemptions[0].proposed_rule TOO_LONG"}},
		{"ErrPlannedStart", func(a *Application) { a.PlannedStart = "2026-02-30" },
			[]string{"R6 planned_start INVALID_DATE"}},
		{"ErrPlannedEnd", func(a *Application) { a.PlannedEnd = "31.07.2029" },
			[]string{"R6 planned_end INVALID_DATE"}},
		{"ErrEvaluationPlanTooLong", func(a *Application) { a.EvaluationPlan = strings.Repeat("x", MaxTextLength+1) },
			[]string{"R12 evaluation_plan TOO_LONG"}},
		{"ErrEmployeeInvolvementTooLong", func(a *Application) { a.EmployeeInvolvement = strings.Repeat("x", MaxTextLength+1) },
			[]string{"R15 employee_involvement TOO_LONG"}},
		{"ErrDraftRegulationTooLong", func(a *Application) { a.DraftRegulation = strings.Repeat("x", MaxTextLength+1) },
			[]string{"R9 draft_regulation TOO_LONG"}},
		{"ErrEveryViolationReported", func(a *Application) {
			a.Applicants[0].OrganisationNumber = "123"
			a.Category = "X"
			a.PlannedEnd = "soon"
		}, []string{
			"R2 applicants[0].organisation_number INVALID_ORGANISATION_NUMBER",
			"R3 category UNKNOWN_CATEGORY",
			"R6 planned_end INVALID_DATE",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := validApplication()
			if tc.edit != nil {
				tc.edit(app)
			}
			assertViolations(t, ValidateDraft(app, ref), tc.want...)
		})
	}
	t.Run("ErrApplicationMissing", func(t *testing.T) {
		assertViolations(t, ValidateDraft(nil, ref), "- application FIELD_REQUIRED")
	})
	t.Run("ErrNilReferenceKnowsNoMinistry", func(t *testing.T) {
		assertViolations(t, ValidateDraft(validApplication(), nil), "R4 exemptions[0].owning_ministry UNKNOWN_MINISTRY")
	})
}

// validCouncilDecision returns a complete council decision of the past.
func validCouncilDecision() *CouncilDecision {
	return &CouncilDecision{Body: "Råde kommunestyre", CaseReference: "25/100", MeetingDate: "2025-06-19"}
}

// inputCase is one request and the violations its Validate must report.
type inputCase struct {
	name string
	got  []Violation
	want []string
}

func runInputCases(t *testing.T, cases []inputCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assertViolations(t, tc.got, tc.want...)
		})
	}
}

func TestParticipationInput_Validate(t *testing.T) {
	ok := ParticipationInput{OrganisationNumber: orgCo, CouncilDecision: validCouncilDecision()}
	edit := func(f func(in *ParticipationInput)) []Violation {
		in := ok
		cd := *ok.CouncilDecision
		in.CouncilDecision = &cd
		f(&in)
		return in.Validate()
	}
	runInputCases(t, []inputCase{
		{"OK", ok.Validate(), nil},
		{"ErrOrganisationNumberMissing", edit(func(in *ParticipationInput) { in.OrganisationNumber = "" }),
			[]string{"R8 organisation_number FIELD_REQUIRED"}},
		{"ErrOrganisationNumber", edit(func(in *ParticipationInput) { in.OrganisationNumber = "971011000" }),
			[]string{"R8 organisation_number INVALID_ORGANISATION_NUMBER"}},
		{"ErrCouncilDecisionMissing", edit(func(in *ParticipationInput) { in.CouncilDecision = nil }),
			[]string{"R8 council_decision COUNCIL_DECISION_MISSING"}},
		{"ErrCouncilDecisionIncomplete", edit(func(in *ParticipationInput) {
			in.CouncilDecision.Body, in.CouncilDecision.CaseReference, in.CouncilDecision.MeetingDate = " ", "", ""
		}), []string{
			"R8 council_decision.body COUNCIL_DECISION_INCOMPLETE",
			"R8 council_decision.case_reference COUNCIL_DECISION_INCOMPLETE",
			"R8 council_decision.meeting_date COUNCIL_DECISION_INCOMPLETE",
		}},
		{"ErrMeetingDate", edit(func(in *ParticipationInput) { in.CouncilDecision.MeetingDate = "2025-13-01" }),
			[]string{"R8 council_decision.meeting_date INVALID_DATE"}},
	})
}

func TestInterimReplyInput_Validate(t *testing.T) {
	runInputCases(t, []inputCase{
		{"OK", InterimReplyInput{Text: "Vi har mottatt søknaden.", ExpectedDecisionDate: "2026-03-01"}.Validate(), nil},
		{"OKWithoutDate", InterimReplyInput{Text: "Vi har mottatt søknaden."}.Validate(), nil},
		{"ErrTextMissing", InterimReplyInput{Text: "  "}.Validate(), []string{"R14 text FIELD_REQUIRED"}},
		{"ErrTextTooLong", InterimReplyInput{Text: strings.Repeat("x", MaxTextLength+1)}.Validate(), []string{"R14 text TOO_LONG"}},
		{"ErrExpectedDecisionDate", InterimReplyInput{Text: "x", ExpectedDecisionDate: "March"}.Validate(),
			[]string{"R14 expected_decision_date INVALID_DATE"}},
	})
}

func TestConsultationInput_Validate(t *testing.T) {
	ref := DefaultReference()
	runInputCases(t, []inputCase{
		{"OK", ConsultationInput{Ministry: "KD", Question: "Støtter KD forsøket?", DueDate: "2026-03-01"}.Validate(ref), nil},
		{"OKWorkingDays", ConsultationInput{Ministry: "KD", Question: "?", DueWorkingDays: 15}.Validate(ref), nil},
		{"OKWorkingDaysAtLimit", ConsultationInput{Ministry: "KD", Question: "?", DueWorkingDays: MaxDueWorkingDays}.Validate(ref), nil},
		{"ErrMinistryMissing", ConsultationInput{Question: "?", DueWorkingDays: 15}.Validate(ref),
			[]string{"R10 ministry FIELD_REQUIRED"}},
		{"ErrMinistryUnknown", ConsultationInput{Ministry: "XYZ", Question: "?", DueWorkingDays: 15}.Validate(ref),
			[]string{"R10 ministry UNKNOWN_MINISTRY"}},
		{"ErrQuestionMissing", ConsultationInput{Ministry: "KD", DueWorkingDays: 15}.Validate(ref),
			[]string{"R10 question FIELD_REQUIRED"}},
		{"OKDueDefault", ConsultationInput{Ministry: "KD", Question: "?"}.Validate(ref), nil}, // the service's default working days apply
		{"ErrDueBoth", ConsultationInput{Ministry: "KD", Question: "?", DueDate: "2026-03-01", DueWorkingDays: 15}.Validate(ref),
			[]string{"R10 due_working_days MUTUALLY_EXCLUSIVE"}},
		{"ErrDueDate", ConsultationInput{Ministry: "KD", Question: "?", DueDate: "2026-02-30"}.Validate(ref),
			[]string{"R10 due_date INVALID_DATE"}},
		{"ErrWorkingDaysNegative", ConsultationInput{Ministry: "KD", Question: "?", DueWorkingDays: -1}.Validate(ref),
			[]string{"R10 due_working_days OUT_OF_RANGE"}},
		{"ErrWorkingDaysTooMany", ConsultationInput{Ministry: "KD", Question: "?", DueWorkingDays: MaxDueWorkingDays + 1}.Validate(ref),
			[]string{"R10 due_working_days OUT_OF_RANGE"}},
	})
}

func TestResponseInput_Validate(t *testing.T) {
	runInputCases(t, []inputCase{
		{"OK", ResponseInput{Position: PositionSupports, Statement: "KD støtter forsøket."}.Validate(), nil},
		{"OKNoCommentWithoutStatement", ResponseInput{Position: PositionNoComment}.Validate(), nil},
		{"ErrPositionMissing", ResponseInput{Statement: "x"}.Validate(), []string{"R10 position FIELD_REQUIRED"}},
		{"ErrPositionUnknown", ResponseInput{Position: "MAYBE", Statement: "x"}.Validate(), []string{"R10 position UNKNOWN_POSITION"}},
		{"ErrStatementMissing", ResponseInput{Position: PositionObjects}.Validate(), []string{"R10 statement FIELD_REQUIRED"}},
	})
}

func TestApproveInput_Validate(t *testing.T) {
	ok := ApproveInput{ApprovedStart: "2026-08-01", ApprovedEnd: "2030-07-31", Reasons: "Forsøket er innenfor loven."}
	with := func(f func(in *ApproveInput)) []Violation {
		in := ok
		f(&in)
		return in.Validate()
	}
	runInputCases(t, []inputCase{
		{"OK", ok.Validate(), nil},
		{"OKWithRegulation", with(func(in *ApproveInput) {
			in.RegulationID, in.PublicationReference = "FOR-2026-06-30-1234", "Norsk Lovtidend 2026 hefte 7"
		}), nil},
		{"ErrApprovedStartMissing", with(func(in *ApproveInput) { in.ApprovedStart = "" }), []string{"R6 approved_start FIELD_REQUIRED"}},
		{"ErrApprovedEnd", with(func(in *ApproveInput) { in.ApprovedEnd = "2030-7-31" }), []string{"R6 approved_end INVALID_DATE"}},
		{"ErrReasonsMissing", with(func(in *ApproveInput) { in.Reasons = "" }), []string{"R11 reasons FIELD_REQUIRED"}},
		{"ErrRegulationIDIsALaw", with(func(in *ApproveInput) { in.RegulationID = "LOV-2026-06-30-12" }),
			[]string{"R9 regulation_id INVALID_REGULATION_ID"}},
	})
}

func TestRejectInput_Validate(t *testing.T) {
	runInputCases(t, []inputCase{
		{"OK", RejectInput{ReasonCodes: []RejectReason{RejectOutsideAct, RejectTooVague}, Reasons: "Utenfor loven."}.Validate(), nil},
		{"ErrReasonCodesMissing", RejectInput{Reasons: "x"}.Validate(), []string{"R11 reason_codes FIELD_REQUIRED"}},
		{"ErrReasonCodeUnknown", RejectInput{ReasonCodes: []RejectReason{"BORING"}, Reasons: "x"}.Validate(),
			[]string{"R11 reason_codes[0] UNKNOWN_REASON_CODE"}},
		{"ErrReasonCodeDuplicate", RejectInput{ReasonCodes: []RejectReason{RejectOther, RejectOther}, Reasons: "x"}.Validate(),
			[]string{"R11 reason_codes[1] DUPLICATE_REASON_CODE"}},
		{"ErrReasonsMissing", RejectInput{ReasonCodes: []RejectReason{RejectOther}}.Validate(), []string{"R11 reasons FIELD_REQUIRED"}},
	})
}

func TestPublicationInput_Validate(t *testing.T) {
	runInputCases(t, []inputCase{
		{"OK", PublicationInput{RegulationID: "FOR-2026-06-30-1234", PublicationReference: "Lovtidend 2026 hefte 7"}.Validate(), nil},
		{"ErrRegulationIDMissing", PublicationInput{PublicationReference: "x"}.Validate(), []string{"R9 regulation_id FIELD_REQUIRED"}},
		{"ErrRegulationID", PublicationInput{RegulationID: "FOR-2026-06-31-1", PublicationReference: "x"}.Validate(),
			[]string{"R9 regulation_id INVALID_REGULATION_ID"}},
		{"ErrPublicationReferenceMissing", PublicationInput{RegulationID: "FOR-2026-06-30-1234"}.Validate(),
			[]string{"R9 publication_reference FIELD_REQUIRED"}},
	})
}

func TestExtensionRequestInput_Validate(t *testing.T) {
	ok := ExtensionRequestInput{RequestedEnd: "2031-07-31", CouncilDecision: validCouncilDecision()}
	with := func(f func(in *ExtensionRequestInput)) []Violation {
		in := ok
		f(&in)
		return in.Validate()
	}
	runInputCases(t, []inputCase{
		{"OK", ok.Validate(), nil},
		{"OKWithReform", with(func(in *ExtensionRequestInput) {
			in.ReformReference, in.ReformInForce = "Prop. 100 L (2029–2030)", "2033-01-01"
		}), nil},
		{"ErrRequestedEndMissing", with(func(in *ExtensionRequestInput) { in.RequestedEnd = "" }),
			[]string{"R7 requested_end FIELD_REQUIRED"}},
		{"ErrRequestedEnd", with(func(in *ExtensionRequestInput) { in.RequestedEnd = "2031" }),
			[]string{"R7 requested_end INVALID_DATE"}},
		{"ErrCouncilDecisionMissing", with(func(in *ExtensionRequestInput) { in.CouncilDecision = nil }),
			[]string{"R8 council_decision COUNCIL_DECISION_MISSING"}},
		{"ErrReformInForceMissing", with(func(in *ExtensionRequestInput) { in.ReformReference = "Prop. 100 L" }),
			[]string{"R7 reform_in_force FIELD_REQUIRED"}},
		{"ErrReformReferenceMissing", with(func(in *ExtensionRequestInput) { in.ReformInForce = "2033-01-01" }),
			[]string{"R7 reform_reference FIELD_REQUIRED"}},
		{"ErrReformInForce", with(func(in *ExtensionRequestInput) { in.ReformReference, in.ReformInForce = "Prop. 100 L", "next year" }),
			[]string{"R7 reform_in_force INVALID_DATE"}},
	})
}

func TestExtensionDecisionInput_Validate(t *testing.T) {
	grant := ExtensionDecisionInput{Grant: true, ApprovedEnd: "2031-07-31", AmendingRegulationID: "FOR-2030-05-02-812", Reasons: "Godt resultat."}
	runInputCases(t, []inputCase{
		{"OK", grant.Validate(), nil},
		{"OKDeny", ExtensionDecisionInput{Reasons: "Ikke grunnlag."}.Validate(), nil},
		{"ErrReasonsMissing", ExtensionDecisionInput{}.Validate(), []string{"R11 reasons FIELD_REQUIRED"}},
		{"ErrGrantWithoutEnd", ExtensionDecisionInput{Grant: true, AmendingRegulationID: "FOR-2030-05-02-812", Reasons: "x"}.Validate(),
			[]string{"R7 approved_end FIELD_REQUIRED"}},
		{"ErrGrantWithoutRegulation", ExtensionDecisionInput{Grant: true, ApprovedEnd: "2031-07-31", Reasons: "x"}.Validate(),
			[]string{"R7 amending_regulation_id FIELD_REQUIRED"}},
		{"ErrGrantRegulationIsALaw", ExtensionDecisionInput{Grant: true, ApprovedEnd: "2031-07-31", AmendingRegulationID: "LOV-2030-05-02-8", Reasons: "x"}.Validate(),
			[]string{"R7 amending_regulation_id INVALID_REGULATION_ID"}},
		{"ErrDenyWithEnd", ExtensionDecisionInput{ApprovedEnd: "2031-07-31", AmendingRegulationID: "FOR-2030-05-02-812", Reasons: "x"}.Validate(),
			[]string{"R7 approved_end FIELD_NOT_ALLOWED", "R7 amending_regulation_id FIELD_NOT_ALLOWED"}},
	})
}

func TestTerminateInput_Validate(t *testing.T) {
	runInputCases(t, []inputCase{
		{"OK", TerminateInput{Reasons: "Utenfor loven.", RepealingInstrument: "FOR-2014-06-20-800"}.Validate(), nil},
		{"ErrReasonsMissing", TerminateInput{RepealingInstrument: "FOR-2014-06-20-800"}.Validate(), []string{"R13 reasons FIELD_REQUIRED"}},
		{"ErrRepealingInstrumentMissing", TerminateInput{Reasons: "x"}.Validate(), []string{"R13 repealing_instrument FIELD_REQUIRED"}},
		{"ErrRepealingInstrument", TerminateInput{Reasons: "x", RepealingInstrument: "brev fra departementet"}.Validate(),
			[]string{"R13 repealing_instrument INVALID_REGULATION_ID"}},
	})
}

func TestEvaluationInput_Validate(t *testing.T) {
	runInputCases(t, []inputCase{
		{"OK", EvaluationInput{ReportReference: "https://example.org/rapport.pdf", Summary: "Forsøket virket."}.Validate(), nil},
		{"ErrReportReferenceMissing", EvaluationInput{Summary: "x"}.Validate(), []string{"R12 report_reference FIELD_REQUIRED"}},
		{"ErrSummaryMissing", EvaluationInput{ReportReference: "x"}.Validate(), []string{"R12 summary FIELD_REQUIRED"}},
	})
}

func TestCloseInput_Validate(t *testing.T) {
	runInputCases(t, []inputCase{
		{"OK", CloseInput{Outcome: OutcomeMadePermanent}.Validate(), nil},
		{"OKWithoutEvaluation", CloseInput{Outcome: OutcomeDiscontinued, Reasons: "Rapporten kom aldri.", WithoutEvaluation: true}.Validate(), nil},
		{"ErrOutcomeMissing", CloseInput{}.Validate(), []string{"R12 outcome FIELD_REQUIRED"}},
		{"ErrOutcomeUnknown", CloseInput{Outcome: "FINE"}.Validate(), []string{"R12 outcome UNKNOWN_OUTCOME"}},
		{"ErrWithoutEvaluationReasonsMissing", CloseInput{Outcome: OutcomeDiscontinued, WithoutEvaluation: true}.Validate(),
			[]string{"R12 reasons FIELD_REQUIRED"}},
	})
}
