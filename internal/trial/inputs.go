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
