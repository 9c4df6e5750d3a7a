package trial

// The inputs of the actions that carry data (api.md, Bodies of the actions). Each has a
// Validate method for the request's own fields (CodeInvalidArgument); the legal guards
// that depend on the case are in rules.go (CodeFailedPrecondition).

// ParticipationInput is a co-applicant confirming its own participation (R8).
type ParticipationInput struct {
	OrganisationNumber string
	CouncilDecision    *CouncilDecision
}

// InterimReplyInput is a foreløpig svar (R14).
type InterimReplyInput struct {
	Text                 string
	ExpectedDecisionDate string
}

// ConsultationInput opens a consultation with a ministry (R10). Exactly one of DueDate
// and DueWorkingDays is given.
type ConsultationInput struct {
	Ministry       string
	Question       string
	DueDate        string
	DueWorkingDays int
}

// ResponseInput is a ministry's answer to a consultation.
type ResponseInput struct {
	Position  Position
	Statement string
}

// ApproveInput is KDD's approval (R6, R10, R11).
type ApproveInput struct {
	ApprovedStart        string
	ApprovedEnd          string
	Reasons              string
	ObjectionResponse    string
	RegulationID         string
	PublicationReference string
	// PublicationDate is the day of publication in Norsk Lovtidend; defaults to the
	// decision day when PublicationReference is given (R18).
	PublicationDate string
	// GrantedExemptions are indexes into the application's exemptions; empty grants
	// all of them, a subset is a partial approval (R18).
	GrantedExemptions []int
}

// RejectInput is KDD's rejection (R11).
type RejectInput struct {
	ReasonCodes []RejectReason
	Reasons     string
}

// PublicationInput records the trial regulation's publication (R9).
type PublicationInput struct {
	RegulationID         string
	PublicationReference string
	// PublicationDate is the day of publication in Norsk Lovtidend; defaults to today
	// (R18).
	PublicationDate string
}

// ExtensionRequestInput is the applicant asking for a longer period (R7).
type ExtensionRequestInput struct {
	RequestedEnd    string
	CouncilDecision *CouncilDecision
	ReformReference string
	ReformInForce   string
}

// ExtensionDecisionInput is KDD's decision on an extension (R7).
type ExtensionDecisionInput struct {
	Grant                bool
	ApprovedEnd          string
	AmendingRegulationID string
	Reasons              string
}

// TerminateInput ends trials early under one repealing instrument (R13).
type TerminateInput struct {
	Reasons             string
	RepealingInstrument string
}

// EvaluationInput is the applicant's evaluation report (R12).
type EvaluationInput struct {
	ReportReference string
	Summary         string
}

// CloseInput closes an evaluated case (R12).
type CloseInput struct {
	Outcome           Outcome
	Reasons           string
	WithoutEvaluation bool
}

// LawOwnerInput is KDD's confirmation of who owns a law the reference data does not
// know (R16).
type LawOwnerInput struct {
	LawID    string
	Ministry string
	Reasons  string
}

// LegalReviewInput is KDD's legal review of a flagged exemption (R19).
type LegalReviewInput struct {
	ExemptionIndex int
	Conclusion     ReviewConclusion
	Reasons        string
}

// WithdrawParticipationInput is a co-applicant leaving a joint application (R8+).
type WithdrawParticipationInput struct {
	OrganisationNumber string
	Reason             string
}
