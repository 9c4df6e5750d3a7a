// Package trialtest holds the domain's test fixtures: valid applications of real trials
// (domain.md, "Real trials") that tests of every layer start from and change.
package trialtest

import "github.com/forsok/forsok/internal/trial"

// Organisation numbers used by the fixtures. They are syntactically valid examples, not
// the municipalities' real numbers; KDD's is real.
const (
	LeadOrg  = "940931002" // Indre Østfold kommune, 3118
	CoOrg    = "940802652" // Råde kommune, 3112
	OtherOrg = "964518009" // Larvik kommune, 3909
	KDDOrg   = "972417858"
)

// Council returns a council decision of body, adopted before any test clock.
func Council(body string) *trial.CouncilDecision {
	return &trial.CouncilDecision{Body: body, CaseReference: "2025/311", MeetingDate: "2025-06-12"}
}

// Application returns a complete, valid application of Indre Østfold kommune: one
// exemption from the Education Act owned by KD, a planned period of three years from
// 2026-08-01.
func Application() *trial.Application {
	return &trial.Application{
		Title:   "Vurdering uten karakter i ett eller flere fag på 8. trinn",
		Summary: "Elevene på 8. trinn får underveisvurdering uten karakter i utvalgte fag.",
		Applicants: []trial.Applicant{{
			OrganisationNumber: LeadOrg, Name: "Indre Østfold kommune", Kind: trial.KindKommune,
			MunicipalityNumber: "3118", CouncilDecision: Council("Indre Østfold kommunestyre"),
		}},
		Category: trial.CategoryOrganisation,
		Purposes: []trial.Purpose{trial.PurposeServiceQuality},
		Exemptions: []trial.Exemption{{
			LawID: "LOV-2023-06-09-30", Section: "§ 15-4",
			CurrentRule:    "Elevene skal ha karakter i hvert fag fra 8. trinn.",
			ProposedRule:   "Ingen karakter i valgte fag på 8. trinn i forsøksperioden.",
			OwningMinistry: "KD",
		}},
		PlannedStart:        "2026-08-01",
		PlannedEnd:          "2029-07-31",
		EvaluationPlan:      "Følgeevaluering ved en uavhengig forskningsinstitusjon.",
		EmployeeInvolvement: "Drøftet med Utdanningsforbundet 2025-05-20.",
		DraftRegulation:     "Forskrift om forsøk med vurdering uten karakter, Indre Østfold kommune.",
	}
}
