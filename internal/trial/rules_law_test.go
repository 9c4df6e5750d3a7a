package trial

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// countyApplicants returns two fylkeskommuner, the first the lead: an UNITARY_COUNTY
// trial's applicants (R3+).
func countyApplicants() []Applicant {
	lead := countyApplicant()
	lead.Lead, lead.ParticipationConfirmed = true, false
	co := countyApplicant()
	co.OrganisationNumber, co.Name, co.CountyNumber = orgCo, "Rogaland fylkeskommune", "11"
	return []Applicant{lead, co}
}

// coverAsTheyStand sets, on each answered consultation that records nothing, the
// exemptions its ministry owns as they stand: a consultation asked about the
// application as it is (R17).
func coverAsTheyStand(app *Application, cons []*Consultation, ref *Reference) {
	for _, c := range cons {
		if c != nil && c.CoveredExemptions == nil {
			c.CoveredExemptions = ExemptionsOwnedBy(app, c.Ministry, ref)
		}
	}
}

func TestSubmitGuardsSharperReadings(t *testing.T) {
	ref := DefaultReference()
	for _, tc := range []appCase{
		{"OK", nil, nil},
		{"OKR16RightOwner", func(a *Application) {
			a.Exemptions[0].LawID, a.Exemptions[0].Section, a.Exemptions[0].OwningMinistry = "LOV-2011-06-24-30", "§ 3-2", "HOD"
		}, nil},
		{"OKR16UnknownLawTakesTheApplicantsWord", func(a *Application) {
			a.Exemptions[0].LawID, a.Exemptions[0].OwningMinistry = "LOV-2010-01-08-1", "NFD"
		}, nil},
		{"OKR2PlusNumberInForce", func(a *Application) { a.Applicants[1].MunicipalityNumber = "1580" }, nil},
		{"ErrR2PlusCeasedNumberNamesSuccessor", func(a *Application) { a.Applicants[0].MunicipalityNumber = "3014" }, []string{
			"R2 applicants[0].municipality_number INVALID_MUNICIPALITY_NUMBER",
			"R2+ applicants[0].municipality_number NUMBER_NOT_IN_FORCE",
		}},
		{"ErrR2PlusNumberNeverExisted", func(a *Application) { a.Applicants[0].MunicipalityNumber = "3199" },
			[]string{"R2+ applicants[0].municipality_number NUMBER_NOT_IN_REGISTER"}},
		{"ErrR2PlusCeasedCounty", func(a *Application) {
			a.Applicants = append(a.Applicants, countyApplicant())
			a.Applicants[2].CountyNumber = "30"
		}, []string{
			"R2 applicants[2].county_number INVALID_COUNTY_NUMBER",
			"R2+ applicants[2].county_number NUMBER_NOT_IN_FORCE",
		}},
		{"ErrR3PlusKommuneInUnitaryCountyTrial", func(a *Application) {
			a.Category = CategoryUnitaryCounty
			a.Applicants = append(countyApplicants(), a.Applicants[1])
			a.Applicants[2].OrganisationNumber = orgLead
		}, []string{"R3+ applicants[2].kind UNITARY_COUNTY_ONLY_FYLKESKOMMUNER"}},
		{"ErrR16WrongOwnerNamesTheRightOne", func(a *Application) { a.Exemptions[0].OwningMinistry = "KDD" },
			[]string{"R16 exemptions[0].owning_ministry WRONG_OWNING_MINISTRY"}},
		{"ErrR4LawDatedInFuture", func(a *Application) {
			a.Exemptions[0].LawID, a.Exemptions[0].OwningMinistry = "LOV-2027-01-01-1", "KD"
		}, []string{"R4 exemptions[0].law_id LAW_DATED_IN_FUTURE"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := validApplication()
			if tc.edit != nil {
				tc.edit(app)
			}
			assertViolations(t, SubmitGuards(app, ref, day(t, fixtureToday)), tc.want...)
		})
	}
	t.Run("R16DescriptionNamesOwner", func(t *testing.T) {
		app := validApplication()
		app.Exemptions[0].OwningMinistry = "KDD"
		vs := SubmitGuards(app, ref, day(t, fixtureToday))
		if len(vs) != 1 || !strings.Contains(vs[0].Description, "set owning_ministry to KD") {
			t.Fatalf("got %+v, want one violation naming KD", vs)
		}
	})
	t.Run("R2PlusDescriptionNamesSuccessor", func(t *testing.T) {
		app := validApplication()
		app.Applicants[0].MunicipalityNumber = "1507"
		vs := RegisterViolations(app.Applicants, ref, day(t, fixtureToday))
		if len(vs) != 1 || !strings.Contains(vs[0].Description, "1508 (Ålesund) or 1580 (Haram)") {
			t.Fatalf("got %+v, want the successors 1508 and 1580 named", vs)
		}
	})
	t.Run("R2PlusCeasedNumberWasInForceIn2023", func(t *testing.T) {
		app := validApplication()
		app.Applicants[0].MunicipalityNumber = "3014"
		if vs := RegisterViolations(app.Applicants[:1], ref, day(t, "2023-12-31")); len(vs) != 0 {
			t.Fatalf("got %+v, want 3014 in force on 2023-12-31", vs)
		}
	})
}

func TestRegisterIsComplete(t *testing.T) {
	ref := DefaultReference()
	today := day(t, "2024-01-01")
	var municipalities, counties int
	for _, m := range ref.Register.Municipalities {
		if m.InForce(today) {
			municipalities++
			if c, ok := ref.County(m.Number[:2]); !ok || !c.InForce(today) {
				t.Errorf("municipality %s: county %s not in force", m.Number, m.Number[:2])
			}
		}
	}
	for _, c := range ref.Register.Counties {
		if c.InForce(today) {
			counties++
		}
	}
	if municipalities != 357 || counties != 15 {
		t.Fatalf("got %d municipalities and %d counties in force on 2024-01-01, want 357 and 15", municipalities, counties)
	}
	for _, n := range []string{"0301", "3118", "3207", "5045", "1860", "4205", "3112", "3909", "1108"} {
		if m, ok := ref.Municipality(n); !ok || !m.InForce(today) {
			t.Errorf("municipality %s (domain.md's trials) is not in force", n)
		}
	}
}

func TestReferenceFilesAgree(t *testing.T) {
	embedded, err := os.ReadFile("reference.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"../../deploy/config/reference.json", "../../deploy/kubernetes/config/reference.json"} {
		got, err := os.ReadFile(filepath.FromSlash(p))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(embedded) {
			t.Errorf("%s differs from internal/trial/reference.json; copy it", p)
		}
	}
}

func TestApproveGuardsSharperReadings(t *testing.T) {
	ref := DefaultReference()
	today := day(t, fixtureToday)
	base := func() *Application {
		a := validApplication()
		a.State = StateReadyForDecision
		return a
	}
	kd := func(app *Application) []*Consultation {
		c := answered("1", "KD", PositionSupports)
		coverAsTheyStand(app, []*Consultation{c}, ref)
		return []*Consultation{c}
	}
	ok := ApproveInput{ApprovedStart: "2026-08-01", ApprovedEnd: "2029-07-31", Reasons: "Innenfor loven."}
	flagged := func() *Application {
		a := base()
		a.Exemptions[0].RestrictsRights = true
		a.Exemptions[0].Flags = []ExemptionFlag{FlagRestrictsRights}
		return a
	}
	reviewed := func(c ReviewConclusion) func() *Application {
		return func() *Application {
			a := flagged()
			a.LegalReviews = []LegalReview{{ExemptionIndex: 0, Exemption: a.Exemptions[0], Conclusion: c, Reasons: "Vurdert."}}
			return a
		}
	}
	unknownLaw := func() *Application {
		a := base()
		a.Exemptions[0].LawID, a.Exemptions[0].OwningMinistry = "LOV-2010-01-08-1", "NFD"
		return a
	}
	for _, tc := range []struct {
		name string
		app  func() *Application
		cons func(*Application) []*Consultation
		in   func(ApproveInput) ApproveInput
		want []string
	}{
		{"OK", base, kd, nil, nil},
		{"OKPartialApproval", func() *Application {
			a := base()
			a.Exemptions = append(a.Exemptions, a.Exemptions[0])
			a.Exemptions[1].Section = "§ 15-5"
			return a
		}, kd, func(in ApproveInput) ApproveInput { in.GrantedExemptions = []int{1}; return in }, nil},
		{"OKR18RegulationDatedOnDecisionDay", base, kd, func(in ApproveInput) ApproveInput {
			in.RegulationID, in.PublicationReference, in.PublicationDate = "FOR-2026-01-15-99", "Norsk Lovtidend 2026 nr. 1", "2026-01-15"
			return in
		}, nil},
		{"ErrR18StartInPast", base, kd, func(in ApproveInput) ApproveInput { in.ApprovedStart = "2026-01-14"; return in },
			[]string{"R18 approved_start APPROVED_START_IN_PAST", "R18 approved_start APPROVED_START_BEFORE_APPLIED"}},
		{"ErrR18StartBeforeApplied", base, kd, func(in ApproveInput) ApproveInput { in.ApprovedStart = "2026-07-31"; return in },
			[]string{"R18 approved_start APPROVED_START_BEFORE_APPLIED"}},
		{"ErrR18EndAfterApplied", base, kd, func(in ApproveInput) ApproveInput { in.ApprovedEnd = "2029-08-01"; return in },
			[]string{"R18 approved_end APPROVED_END_AFTER_APPLIED"}},
		{"ErrR18GrantedNotAppliedFor", base, kd, func(in ApproveInput) ApproveInput { in.GrantedExemptions = []int{0, 1}; return in },
			[]string{"R18 granted_exemptions[1] GRANTED_EXEMPTION_NOT_APPLIED_FOR"}},
		{"ErrR18RegulationDatedBeforeDecision", base, kd, func(in ApproveInput) ApproveInput { in.RegulationID = "FOR-2023-01-01-1"; return in },
			[]string{"R18 regulation_id REGULATION_DATED_BEFORE_DECISION"}},
		{"ErrR18PublishedInFuture", base, kd, func(in ApproveInput) ApproveInput {
			in.RegulationID, in.PublicationReference, in.PublicationDate = "FOR-2026-01-15-99", "x", "2026-09-01"
			return in
		}, []string{"R18 publication_date PUBLICATION_DATE_IN_FUTURE", "R18 publication_date PUBLISHED_AFTER_START"}},
		{"OKR16UnknownLawConfirmed", func() *Application {
			a := unknownLaw()
			a.LawOwnerConfirmations = []LawOwnerConfirmation{{LawID: "LOV-2010-01-08-1", Ministry: "KDD"}}
			return a
		}, func(*Application) []*Consultation { return nil }, nil, nil},
		{"ErrR16UnknownLawUnconfirmed", unknownLaw, func(a *Application) []*Consultation {
			c := answered("1", "NFD", PositionSupports)
			coverAsTheyStand(a, []*Consultation{c}, ref)
			return []*Consultation{c}
		}, nil, []string{"R16 exemptions[0].owning_ministry LAW_OWNER_UNCONFIRMED"}},
		{"ErrR16ReferenceOwnerOverridesStatement", func() *Application {
			a := base()
			a.Exemptions[0].OwningMinistry = "KDD" // stored before R16, or changed: the law is KD's
			return a
		}, func(*Application) []*Consultation { return nil }, nil, []string{"R10 consultations CONSULTATION_MISSING"}},
		{"ErrR17ExemptionChangedAfterConsultation", base, func(a *Application) []*Consultation {
			cons := kd(a)
			a.Exemptions[0].ProposedRule = "Ingen karakter i noen fag."
			return cons
		}, nil, []string{"R17 consultations CONSULTATION_OUTDATED"}},
		{"OKR17NewConsultationCoversTheChange", base, func(a *Application) []*Consultation {
			old := kd(a)[0]
			a.Exemptions[0].ProposedRule = "Ingen karakter i noen fag."
			return []*Consultation{old, kd(a)[0]}
		}, nil, nil},
		{"OKR19ReviewedWithinAct", reviewed(ReviewWithinAct), kd, nil, nil},
		{"OKR19FlaggedNotGranted", func() *Application {
			a := flagged()
			a.Exemptions = append(a.Exemptions, validApplication().Exemptions[0])
			a.Exemptions[1].Section = "§ 15-5"
			return a
		}, kd, func(in ApproveInput) ApproveInput { in.GrantedExemptions = []int{1}; return in }, nil},
		{"ErrR19ReviewMissing", flagged, kd, nil, []string{"R19 exemptions[0].legal_review LEGAL_REVIEW_MISSING"}},
		{"ErrR19ReviewOutsideAct", reviewed(ReviewOutsideAct), kd, nil, []string{"R19 exemptions[0].legal_review LEGAL_REVIEW_NEGATIVE"}},
		{"ErrR19ReviewOfChangedExemption", func() *Application {
			a := reviewed(ReviewWithinAct)()
			a.Exemptions[0].Section = "§ 15-6"
			return a
		}, kd, nil, []string{"R19 exemptions[0].legal_review LEGAL_REVIEW_MISSING"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := tc.app()
			cons := tc.cons(app)
			in := ok
			if tc.in != nil {
				in = tc.in(in)
			}
			assertViolations(t, ApproveGuards(app, cons, in, ref, today), tc.want...)
		})
	}
}

func TestConsultationGuardsR16(t *testing.T) {
	ref := DefaultReference()
	app := validApplication()
	in := ConsultationInput{Ministry: "KDD", Question: "?"}
	assertViolations(t, ConsultationGuards(app, nil, in, ref, day(t, fixtureToday)), "R16 ministry KDD_CONSULTS_ITSELF")
	in.Ministry = "KD"
	assertViolations(t, ConsultationGuards(app, nil, in, ref, day(t, fixtureToday)))
}

func TestConfirmLawOwnerGuards(t *testing.T) {
	ref := DefaultReference()
	app := validApplication()
	app.Exemptions = append(app.Exemptions, Exemption{LawID: "LOV-2010-01-08-1", OwningMinistry: "NFD"})
	for _, tc := range []struct {
		name string
		in   LawOwnerInput
		want []string
	}{
		{"OK", LawOwnerInput{LawID: "LOV-2010-01-08-1", Ministry: "NFD"}, nil},
		{"ErrR16KnownLaw", LawOwnerInput{LawID: "LOV-2023-06-09-30", Ministry: "KDD"}, []string{"R16 law_id LAW_OWNER_KNOWN"}},
		{"ErrR16NotExempted", LawOwnerInput{LawID: "LOV-2010-01-08-2", Ministry: "NFD"}, []string{"R16 law_id LAW_NOT_EXEMPTED"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assertViolations(t, ConfirmLawOwnerGuards(app, tc.in, ref), tc.want...)
		})
	}
	t.Run("ErrR16Validate", func(t *testing.T) {
		assertViolations(t, LawOwnerInput{LawID: "lov", Ministry: "XX"}.Validate(ref),
			"R16 law_id INVALID_LAW_ID", "R16 ministry UNKNOWN_MINISTRY")
	})
}

func TestLegalReviewGuards(t *testing.T) {
	app := validApplication()
	app.Exemptions = append(app.Exemptions, app.Exemptions[0])
	app.Exemptions[1].Flags = []ExemptionFlag{FlagKommuneloven}
	for _, tc := range []struct {
		name string
		in   LegalReviewInput
		want []string
	}{
		{"OK", LegalReviewInput{ExemptionIndex: 1, Conclusion: ReviewWithinAct, Reasons: "x"}, nil},
		{"ErrR19NotFlagged", LegalReviewInput{ExemptionIndex: 0, Conclusion: ReviewWithinAct, Reasons: "x"}, []string{"R19 exemption_index EXEMPTION_NOT_FLAGGED"}},
		{"ErrR19NoSuchExemption", LegalReviewInput{ExemptionIndex: 2, Conclusion: ReviewWithinAct, Reasons: "x"}, []string{"R19 exemption_index EXEMPTION_NOT_FOUND"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assertViolations(t, LegalReviewGuards(app, tc.in), tc.want...)
		})
	}
	t.Run("ErrR19Validate", func(t *testing.T) {
		assertViolations(t, LegalReviewInput{ExemptionIndex: -1}.Validate(),
			"R19 conclusion FIELD_REQUIRED", "R19 exemption_index OUT_OF_RANGE", "R19 reasons FIELD_REQUIRED")
	})
}

func TestWithdrawParticipationGuards(t *testing.T) {
	app := validApplication()
	assertViolations(t, WithdrawParticipationGuards(app, WithdrawParticipationInput{OrganisationNumber: orgCo, Reason: "x"}))
	assertViolations(t, WithdrawParticipationGuards(app, WithdrawParticipationInput{OrganisationNumber: orgLead, Reason: "x"}),
		"R8+ organisation_number LEAD_APPLICANT")
	assertViolations(t, WithdrawParticipationGuards(app, WithdrawParticipationInput{OrganisationNumber: orgCounty, Reason: "x"}),
		"R8+ organisation_number NOT_AN_APPLICANT")
	assertViolations(t, WithdrawParticipationInput{OrganisationNumber: "1"}.Validate(),
		"R8+ organisation_number INVALID_ORGANISATION_NUMBER", "R8+ reason FIELD_REQUIRED")
}

func TestExtensionSharperReadings(t *testing.T) {
	joint := func(confirmed bool) *Application {
		a := activeApplication()
		if !confirmed {
			a.Applicants[1].ExtensionCouncilDecision = nil
		}
		return a
	}
	pending := func(requestedEnd, reform, inForce string) *Application {
		a := joint(true)
		a.State = StateExtensionRequested
		a.Extensions = []Extension{{RequestedEnd: requestedEnd, ReformReference: reform, ReformInForce: inForce, State: ExtensionRequested}}
		return a
	}
	grant := func(end string) ExtensionDecisionInput {
		return ExtensionDecisionInput{Grant: true, ApprovedEnd: end, AmendingRegulationID: "FOR-2030-06-01-1", Reasons: "x"}
	}
	req := ExtensionRequestInput{RequestedEnd: "2031-07-31", CouncilDecision: validCouncilDecision()}
	today := day(t, "2030-03-01")
	t.Run("OKJointAllCouncilsDecided", func(t *testing.T) { assertViolations(t, RequestExtensionGuards(joint(true), req, today)) })
	t.Run("ErrR8PlusCoApplicantsCouncilMissing", func(t *testing.T) {
		assertViolations(t, RequestExtensionGuards(joint(false), req, today), "R8+ applicants[1].extension_council_decision PARTICIPANT_EXTENSION_DECISION_MISSING")
	})
	t.Run("OKGrantAsRequested", func(t *testing.T) {
		assertViolations(t, DecideExtensionGuards(pending("2031-07-31", "", ""), grant("2031-07-31")))
	})
	t.Run("OKGrantShorter", func(t *testing.T) {
		assertViolations(t, DecideExtensionGuards(pending("2031-07-31", "", ""), grant("2031-01-31")))
	})
	t.Run("ErrR18GrantLongerThanRequested", func(t *testing.T) {
		assertViolations(t, DecideExtensionGuards(pending("2031-07-31", "", ""), grant("2031-08-31")), "R18 approved_end EXTENSION_LONGER_THAN_REQUESTED")
	})
	t.Run("OKR7PlusDayBeforeReform", func(t *testing.T) {
		assertViolations(t, DecideExtensionGuards(pending("2033-06-30", "Prop. 1 L", "2033-07-01"), grant("2033-06-30")))
	})
	t.Run("ErrR7PlusOnReformDay", func(t *testing.T) {
		assertViolations(t, DecideExtensionGuards(pending("2033-07-01", "Prop. 1 L", "2033-07-01"), grant("2033-07-01")), "R7+ approved_end EXTENSION_BEYOND_REFORM")
	})
}

func TestCloseGuardsR12Plus(t *testing.T) {
	in := CloseInput{Outcome: OutcomeDiscontinued, Reasons: "Ingen rapport.", WithoutEvaluation: true}
	t.Run("ErrR12PlusNotOverdue", func(t *testing.T) {
		assertViolations(t, CloseGuards(overdue(), in, day(t, "2031-01-31")), "R12+ without_evaluation EVALUATION_REPORT_NOT_OVERDUE")
	})
	t.Run("ErrR12PlusReportExists", func(t *testing.T) {
		a := overdue()
		a.EvaluationReport = &EvaluationReport{Version: 1, ReportReference: "r", Summary: "s"}
		assertViolations(t, CloseGuards(a, in, day(t, closeToday)), "R12+ without_evaluation EVALUATION_REPORT_EXISTS")
	})
	t.Run("OKTerminatedBeforeStart", func(t *testing.T) {
		a := approvedApplication()
		a.State = StateEvaluating
		a.Termination = &Termination{Reasons: "x", RepealingInstrument: "FOR-2026-05-01-1", Time: day(t, "2026-05-01")}
		assertViolations(t, CloseGuards(a, in, day(t, "2026-05-02")))
	})
}

func TestPublicationGuards(t *testing.T) {
	app := approvedApplication()
	app.Decision.DecideDate = "2026-03-01"
	today := day(t, "2026-06-01")
	assertViolations(t, PublicationGuards(app, PublicationInput{RegulationID: "FOR-2026-05-20-7", PublicationReference: "x", PublicationDate: "2026-05-25"}, today))
	assertViolations(t, PublicationGuards(app, PublicationInput{RegulationID: "FOR-2026-02-01-7", PublicationReference: "x"}, today),
		"R18 regulation_id REGULATION_DATED_BEFORE_DECISION")
	assertViolations(t, PublicationGuards(app, PublicationInput{RegulationID: "FOR-2026-05-20-7", PublicationReference: "x", PublicationDate: "2026-05-19"}, today),
		"R18 publication_date PUBLISHED_BEFORE_ADOPTED")
	assertViolations(t, PublicationGuards(app, PublicationInput{RegulationID: "FOR-2026-05-20-7", PublicationReference: "x", PublicationDate: "2026-06-02"}, today),
		"R18 publication_date PUBLICATION_DATE_IN_FUTURE")
	t.Run("ErrR18ActivateBeforePublished", func(t *testing.T) {
		a := approvedApplication()
		a.Decision.PublicationDate = "2026-08-03"
		assertViolations(t, ActivateGuards(a, day(t, "2026-08-02")), "R18 decision.publication_date PUBLICATION_DATE_IN_FUTURE", "R18 decision.publication_date PUBLISHED_AFTER_START")
		assertViolations(t, ActivateGuards(a, day(t, "2026-08-03")))
	})
}

func TestPublicFilterViolations(t *testing.T) {
	for _, tc := range []struct {
		filter string
		want   []string
	}{
		{"state = ACTIVE AND law = LOV-2023-06-09-30 AND municipality = 3118", nil},
		{"ministry = KD", []string{"R22 filter FILTER_FIELD_NOT_PUBLIC"}},
		{"NOT ministry = KD", []string{"R22 filter FILTER_FIELD_NOT_PUBLIC"}},
		{"flag = NEEDS_INTERIM_REPLY", []string{"R22 filter FILTER_FIELD_NOT_PUBLIC"}},
		{"evaluation_due_within_days = 30", []string{"R22 filter FILTER_FIELD_NOT_PUBLIC"}},
	} {
		t.Run(tc.filter, func(t *testing.T) {
			f, err := ParseFilter(tc.filter, nil)
			if err != nil {
				t.Fatal(err)
			}
			assertViolations(t, PublicFilterViolations(f), tc.want...)
		})
	}
}

// TestEveryViolationNamesADefinedRule checks that the guards name only rules of the
// table (ruledefs.go): a rule id written in a guard but missing from Rules (and so from
// docs/rules.md) fails here.
func TestEveryViolationNamesADefinedRule(t *testing.T) {
	ids := regexp.MustCompile(`\bRule(R\d+(Plus)?)\b`)
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "ruledefs.go" {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ids.FindAllStringSubmatch(string(src), -1) {
			id := strings.Replace(m[1], "Plus", "+", 1)
			if _, ok := RuleDefinition(id); !ok {
				t.Errorf("%s uses %s, which Rules does not define", f, id)
			}
		}
		if quoted := regexp.MustCompile(`(?m)^[^/\n]*"R\d+\+?"`).FindString(string(src)); quoted != "" {
			t.Errorf("%s writes the rule id %s as a literal; use the Rule constant from ruledefs.go", f, quoted)
		}
	}
	seen := map[string]bool{}
	for _, r := range Rules {
		if seen[r.ID] || r.Text == "" || r.Source == "" || len(r.EnforcedAt) == 0 {
			t.Errorf("rule %s: duplicate, or text, source or enforced-at missing", r.ID)
		}
		seen[r.ID] = true
	}
	for _, id := range []string{"R2+", "R3+", "R7+", "R8+", "R12+", "R16", "R17", "R18", "R19", "R22"} {
		if !seen[id] {
			t.Errorf("rule %s is not defined", id)
		}
	}
	if !slices.IsSortedFunc(Rules, func(a, b RuleDef) int { return ruleOrder(a.ID) - ruleOrder(b.ID) }) {
		t.Errorf("Rules is not in domain.md's order")
	}
}

func ruleOrder(id string) int {
	n := 0
	for _, c := range strings.TrimPrefix(strings.TrimSuffix(id, "+"), "R") {
		n = n*10 + int(c-'0')
	}
	if strings.HasSuffix(id, "+") {
		return 2*n + 1
	}
	return 2 * n
}

// TestPublicFilterFieldsDecided: every filter field is either public or refused with a
// reason, so a new field is a decision about R22, not an accident.
func TestPublicFilterFieldsDecided(t *testing.T) {
	for _, f := range filterFieldList {
		_, hidden := hiddenFilterFields[f]
		if public := slices.Contains(PublicFilterFields, f); public == hidden {
			t.Errorf("filter field %s: public %v, hidden %v; want exactly one", f, public, hidden)
		}
	}
}
