// Package trial is the domain of forsok: trial applications under the Experimental Act
// (forsøksloven, LOV-1992-06-26-87), the rules R1–R15 of shared/design/domain.md, the
// state machine and the workflow service that runs every action in the order api.md
// prescribes. It does no I/O of its own: persistence is the Store port, implemented by
// an adapter, and time is injected.
//
// The types carry explicit JSON tags because the storage adapter persists them as JSON:
// the tags are a stable encoding and must not be renamed without a migration.
package trial

import "time"

// State is where a case stands in the workflow (domain.md, States).
type State string

// The states of a case. The string values equal the proto enum value names.
const (
	StateDraft              State = "DRAFT"
	StateSubmitted          State = "SUBMITTED"
	StateInReview           State = "IN_REVIEW"
	StateChangesRequested   State = "CHANGES_REQUESTED"
	StateInConsultation     State = "IN_CONSULTATION"
	StateReadyForDecision   State = "READY_FOR_DECISION"
	StateApproved           State = "APPROVED"
	StateRejected           State = "REJECTED"
	StateWithdrawn          State = "WITHDRAWN"
	StateActive             State = "ACTIVE"
	StateExtensionRequested State = "EXTENSION_REQUESTED"
	StateEvaluating         State = "EVALUATING"
	StateClosed             State = "CLOSED"
	// StateSelected: a preliminary application KDD selected in a call (R20); the
	// applicants complete and submit the final application.
	StateSelected State = "SELECTED"
	// StateNotSelected: a preliminary (or overdue selected) application KDD declined.
	// Terminal.
	StateNotSelected State = "NOT_SELECTED"
)

// States lists every state in workflow order.
var States = []State{
	StateDraft, StateSubmitted, StateInReview, StateChangesRequested, StateInConsultation,
	StateReadyForDecision, StateApproved, StateRejected, StateWithdrawn, StateActive,
	StateExtensionRequested, StateEvaluating, StateClosed, StateSelected, StateNotSelected,
}

// Terminal reports whether no action leads out of s.
func (s State) Terminal() bool {
	return s == StateRejected || s == StateWithdrawn || s == StateClosed || s == StateNotSelected
}

// Public reports whether a case in state s belongs to the public register.
func (s State) Public() bool {
	switch s {
	case StateApproved, StateActive, StateExtensionRequested, StateEvaluating, StateClosed:
		return true
	}
	return false
}

// Action names a step of the workflow. The values are the REST custom-method verbs, so
// the history reads like the API.
type Action string

// The actions of domain.md.
const (
	ActionCreate                Action = "create"
	ActionUpdate                Action = "update"
	ActionDelete                Action = "delete"
	ActionConfirmParticipation  Action = "confirmParticipation"
	ActionSubmit                Action = "submit"
	ActionWithdraw              Action = "withdraw"
	ActionAssign                Action = "assign"
	ActionRecordInterimReply    Action = "recordInterimReply"
	ActionRequestChanges        Action = "requestChanges"
	ActionOpenConsultation      Action = "createConsultation"
	ActionCancelConsultation    Action = "cancelConsultation"
	ActionRespondToConsultation Action = "respondToConsultation"
	ActionApprove               Action = "approve"
	ActionReject                Action = "reject"
	ActionRecordPublication     Action = "recordPublication"
	ActionActivate              Action = "activate"
	ActionRequestExtension      Action = "requestExtension"
	ActionDecideExtension       Action = "decideExtension"
	ActionEndPeriod             Action = "endPeriod"
	ActionTerminate             Action = "terminate"
	ActionSubmitEvaluation      Action = "submitEvaluation"
	ActionClose                 Action = "close"
	// ActionSelect and ActionDecline are KDD's answers to a preliminary application in a
	// call (R20, call.go).
	ActionSelect  Action = "select"
	ActionDecline Action = "decline"

	// The actions of domain.md's "Further rules and sharper readings".

	// ActionConfirmLawOwner is KDD confirming which ministry owns a law the reference
	// data does not know (R16).
	ActionConfirmLawOwner Action = "confirmLawOwner"
	// ActionRecordLegalReview is KDD recording its legal review of a flagged exemption
	// (R19).
	ActionRecordLegalReview Action = "recordLegalReview"
	// ActionWithdrawParticipation is a co-applicant leaving a joint application (R8+).
	ActionWithdrawParticipation Action = "withdrawParticipation"
)

// Role is what a caller may see and do (domain.md, Roles and visibility).
type Role string

// The roles. RolePublic is the caller without credentials; RoleSystem is the scheduler.
const (
	RolePublic       Role = ""
	RoleMunicipality Role = "municipality"
	RoleKDDHandler   Role = "kdd_handler"
	RoleKDDApprover  Role = "kdd_approver"
	RoleMinistry     Role = "ministry"
	RoleAdmin        Role = "admin"
	RoleSystem       Role = "system"
)

// KDD reports whether the role is one of KDD's case-handling roles.
func (r Role) KDD() bool { return r == RoleKDDHandler || r == RoleKDDApprover }

// Actor is who performs an action, as established by authentication.
type Actor struct {
	// Subject identifies a person (a token's sub), or "system" for the scheduler.
	// Organisation tokens may leave it empty.
	Subject            string `json:"subject,omitempty"`
	Name               string `json:"name,omitempty"`
	OrganisationNumber string `json:"organisationNumber,omitempty"`
	Role               Role   `json:"role"`
	// Ministry is the ministry code of a RoleMinistry caller, resolved from reference data.
	Ministry string `json:"ministry,omitempty"`
}

// Person returns the actor as the person recorded on a decision or response.
func (a Actor) Person() Person {
	return Person{Subject: a.Subject, Name: a.Name, OrganisationNumber: a.OrganisationNumber}
}

// Person is someone recorded on a case: a handler, a decision maker, a responder.
type Person struct {
	Subject            string `json:"subject,omitempty"`
	Name               string `json:"name,omitempty"`
	OrganisationNumber string `json:"organisationNumber,omitempty"`
}

// ApplicantKind is the kind of body applying (R2).
type ApplicantKind string

// The applicant kinds this service handles.
const (
	KindKommune       ApplicantKind = "KOMMUNE"
	KindFylkeskommune ApplicantKind = "FYLKESKOMMUNE"
)

// Category is the kind of trial under § 3 (R3).
type Category string

// The categories of § 3 a–d.
const (
	CategoryOrganisation  Category = "ORGANISATION"
	CategoryTaskDivision  Category = "TASK_DIVISION"
	CategoryStateControl  Category = "STATE_CONTROL"
	CategoryUnitaryCounty Category = "UNITARY_COUNTY"
)

// Purpose is a purpose from § 1 (R1).
type Purpose string

// The purposes of § 1.
const (
	PurposeEfficientOrganisation Purpose = "EFFICIENT_ORGANISATION"
	PurposeTaskAllocation        Purpose = "TASK_ALLOCATION"
	PurposeServiceQuality        Purpose = "SERVICE_QUALITY"
	PurposeResourceUse           Purpose = "RESOURCE_USE"
	PurposeDemocraticGovernance  Purpose = "DEMOCRATIC_GOVERNANCE"
)

// Outcome is how a closed case ended.
type Outcome string

// The outcomes of a closed case.
const (
	OutcomeMadePermanent     Outcome = "MADE_PERMANENT"
	OutcomeLawChangeProposed Outcome = "LAW_CHANGE_PROPOSED"
	OutcomeDiscontinued      Outcome = "DISCONTINUED"
)

// RejectReason is a coded reason for a rejection.
type RejectReason string

// The rejection reason codes.
const (
	RejectOutsideAct      RejectReason = "OUTSIDE_ACT"
	RejectRestrictsRights RejectReason = "RESTRICTS_RIGHTS"
	RejectTooVague        RejectReason = "TOO_VAGUE"
	RejectNotPrioritised  RejectReason = "NOT_PRIORITISED"
	RejectOther           RejectReason = "OTHER"
)

// ExemptionFlag marks an exemption for KDD's legal review (R5).
type ExemptionFlag string

// The exemption flags.
const (
	// FlagKommuneloven: the exemption departs from kommuneloven and needs review of the
	// applicant's statement that it is not one of the basic organisation rules.
	FlagKommuneloven ExemptionFlag = "KOMMUNELOVEN_REVIEW"
	// FlagRestrictsRights: the exemption restricts individuals' rights.
	FlagRestrictsRights ExemptionFlag = "RESTRICTS_RIGHTS"
)

// CouncilDecision is a council's adoption of the application or an extension (R8).
type CouncilDecision struct {
	Body          string `json:"body,omitempty"`
	CaseReference string `json:"caseReference,omitempty"`
	MeetingDate   string `json:"meetingDate,omitempty"` // ISO date
}

// Applicant is one kommune or fylkeskommune applying (R2). The lead applicant is the
// creator's organisation; co-applicants confirm their own participation (R8).
type Applicant struct {
	OrganisationNumber     string           `json:"organisationNumber"`
	Name                   string           `json:"name,omitempty"`
	Kind                   ApplicantKind    `json:"kind,omitempty"`
	MunicipalityNumber     string           `json:"municipalityNumber,omitempty"`
	CountyNumber           string           `json:"countyNumber,omitempty"`
	CouncilDecision        *CouncilDecision `json:"councilDecision,omitempty"`
	Lead                   bool             `json:"lead,omitempty"`
	ParticipationConfirmed bool             `json:"participationConfirmed,omitempty"`
	// ExtensionCouncilDecision is a co-applicant's own council decision to ask for the
	// pending or coming extension of a joint trial (R8+); cleared when KDD decides.
	ExtensionCouncilDecision *CouncilDecision `json:"extensionCouncilDecision,omitempty"`
}

// Exemption is one rule the trial departs from (R4, R5).
type Exemption struct {
	LawID        string `json:"lawId,omitempty"`   // Lovdata id, LOV-… or FOR-…
	Section      string `json:"section,omitempty"` // "§ 12-14"
	Paragraph    string `json:"paragraph,omitempty"`
	Letter       string `json:"letter,omitempty"`
	CurrentRule  string `json:"currentRule,omitempty"`
	ProposedRule string `json:"proposedRule,omitempty"`
	// OwningMinistry is the code of the ministry that owns the rule (reference data).
	OwningMinistry  string `json:"owningMinistry,omitempty"`
	RestrictsRights bool   `json:"restrictsRights,omitempty"`
	// Justification explains why a kommuneloven exemption is not one of the basic
	// organisation rules (R5).
	Justification string `json:"justification,omitempty"`
	// Flags are output only, set at submission (R5).
	Flags []ExemptionFlag `json:"flags,omitempty"`
}

// Decision is KDD's approval or rejection (R11), and for an approval the regulation's
// publication (R9).
type Decision struct {
	Approved             bool           `json:"approved"`
	ApprovedStart        string         `json:"approvedStart,omitempty"`
	ApprovedEnd          string         `json:"approvedEnd,omitempty"`
	Reasons              string         `json:"reasons,omitempty"`
	ReasonCodes          []RejectReason `json:"reasonCodes,omitempty"`
	ObjectionResponse    string         `json:"objectionResponse,omitempty"`
	Authority            string         `json:"authority,omitempty"`
	DecidedBy            Person         `json:"decidedBy"`
	DecideTime           time.Time      `json:"decideTime"`
	RegulationID         string         `json:"regulationId,omitempty"`
	PublicationReference string         `json:"publicationReference,omitempty"`
	// DecideDate is the decision's calendar day in Europe/Oslo (R18).
	DecideDate string `json:"decideDate,omitempty"`
	// GrantedExemptions are the indexes into Application.Exemptions the approval grants
	// (R18); empty when every exemption applied for is granted.
	GrantedExemptions []int `json:"grantedExemptions,omitempty"`
	// PublicationDate is the day the regulation was published in Norsk Lovtidend (R18).
	PublicationDate string `json:"publicationDate,omitempty"`
}

// ExtensionState is where a request for a longer period stands (R7).
type ExtensionState string

// The extension states.
const (
	ExtensionRequested ExtensionState = "REQUESTED"
	ExtensionGranted   ExtensionState = "GRANTED"
	ExtensionDenied    ExtensionState = "DENIED"
)

// Extension is a request for a longer trial period and KDD's decision on it (R7).
type Extension struct {
	RequestedEnd         string           `json:"requestedEnd"`
	CouncilDecision      *CouncilDecision `json:"councilDecision,omitempty"`
	ReformReference      string           `json:"reformReference,omitempty"`
	ReformInForce        string           `json:"reformInForce,omitempty"`
	RequestTime          time.Time        `json:"requestTime"`
	State                ExtensionState   `json:"state"`
	ApprovedEnd          string           `json:"approvedEnd,omitempty"`
	AmendingRegulationID string           `json:"amendingRegulationId,omitempty"`
	Reasons              string           `json:"reasons,omitempty"`
	DecidedBy            *Person          `json:"decidedBy,omitempty"`
	DecideTime           time.Time        `json:"decideTime,omitzero"`
	Authority            string           `json:"authority,omitempty"`
}

// InterimReply is a foreløpig svar to the applicant (R14).
type InterimReply struct {
	Text                 string    `json:"text"`
	ExpectedDecisionDate string    `json:"expectedDecisionDate,omitempty"`
	Author               Person    `json:"author"`
	Time                 time.Time `json:"time"`
}

// ChangeRequest is KDD sending a case back with questions.
type ChangeRequest struct {
	Questions   string    `json:"questions"`
	RequestedBy Person    `json:"requestedBy"`
	Time        time.Time `json:"time"`
}

// Termination is KDD ending a trial early (R13).
type Termination struct {
	Reasons             string    `json:"reasons"`
	RepealingInstrument string    `json:"repealingInstrument"`
	DecidedBy           Person    `json:"decidedBy"`
	Time                time.Time `json:"time"`
	Authority           string    `json:"authority,omitempty"`
}

// EvaluationReport is the applicant's report at the end of a trial (R12).
type EvaluationReport struct {
	// Version counts the reports of the case from 1; a new report is a new version and
	// the earlier ones are kept (R12+).
	Version         int       `json:"version,omitempty"`
	ReportReference string    `json:"reportReference"`
	Summary         string    `json:"summary"`
	SubmittedBy     Person    `json:"submittedBy"`
	Time            time.Time `json:"time"`
}

// Closure is how KDD closed the case (R12).
type Closure struct {
	Outcome           Outcome   `json:"outcome"`
	Reasons           string    `json:"reasons,omitempty"`
	WithoutEvaluation bool      `json:"withoutEvaluation,omitempty"`
	DecidedBy         Person    `json:"decidedBy"`
	Time              time.Time `json:"time"`
	Authority         string    `json:"authority,omitempty"`
}

// Application is the case: one trial application from draft to closure.
type Application struct {
	// ID is assigned at create, "2026-000042"; the resource name is "applications/"+ID.
	ID string `json:"id"`
	// CaseNumber is assigned at first submission, "2026/42" (Noark 5 style).
	CaseNumber string `json:"caseNumber,omitempty"`
	State      State  `json:"state"`
	// Revision counts the writes to the case; the etag derives from it.
	Revision uint64 `json:"revision"`

	Title               string      `json:"title,omitempty"`
	Summary             string      `json:"summary,omitempty"`
	Applicants          []Applicant `json:"applicants,omitempty"`
	Category            Category    `json:"category,omitempty"`
	Purposes            []Purpose   `json:"purposes,omitempty"`
	Exemptions          []Exemption `json:"exemptions,omitempty"`
	PlannedStart        string      `json:"plannedStart,omitempty"` // ISO date
	PlannedEnd          string      `json:"plannedEnd,omitempty"`   // ISO date
	EvaluationPlan      string      `json:"evaluationPlan,omitempty"`
	EmployeeInvolvement string      `json:"employeeInvolvement,omitempty"`
	DraftRegulation     string      `json:"draftRegulation,omitempty"`

	AssignedHandler  *Person           `json:"assignedHandler,omitempty"`
	InterimReplies   []InterimReply    `json:"interimReplies,omitempty"`
	ChangeRequests   []ChangeRequest   `json:"changeRequests,omitempty"`
	Decision         *Decision         `json:"decision,omitempty"`
	Extensions       []Extension       `json:"extensions,omitempty"`
	Termination      *Termination      `json:"termination,omitempty"`
	EvaluationReport *EvaluationReport `json:"evaluationReport,omitempty"`
	Closure          *Closure          `json:"closure,omitempty"`
	WithdrawalReason string            `json:"withdrawalReason,omitempty"`

	// EvaluationReports are every version of the evaluation report, oldest first; the
	// last is EvaluationReport (R12+).
	EvaluationReports []EvaluationReport `json:"evaluationReports,omitempty"`
	// LawOwnerConfirmations are KDD's confirmations of who owns a law the reference data
	// does not know (R16).
	LawOwnerConfirmations []LawOwnerConfirmation `json:"lawOwnerConfirmations,omitempty"`
	// LegalReviews are KDD's legal reviews of flagged exemptions (R19).
	LegalReviews []LegalReview `json:"legalReviews,omitempty"`
	// WithdrawnParticipants are the co-applicants that withdrew their participation
	// (R8+).
	WithdrawnParticipants []WithdrawnParticipant `json:"withdrawnParticipants,omitempty"`

	// AnswerDue is the date by which KDD owes the applicant an answer after a
	// (re)submission (R14); empty while no answer is owed.
	AnswerDue string `json:"answerDue,omitempty"`
	// EvaluationDue is the date the evaluation report is due, set when the period ends.
	EvaluationDue string `json:"evaluationDue,omitempty"`
	// Flags mark what needs attention (schedule.go).
	Flags []CaseFlag `json:"flags,omitempty"`
	// Notices records which one-off notices the scheduler has given, so each comes once.
	Notices []string `json:"notices,omitempty"`

	CreateTime time.Time `json:"createTime"`
	UpdateTime time.Time `json:"updateTime"`
	SubmitTime time.Time `json:"submitTime,omitzero"`

	// ChainHead is the case's last event and its hash (chain.go), written with the event.
	ChainHead *ChainHead `json:"chainHead,omitempty"`

	// Call is the id of the call for applications the case answers ("2027-01"), ""
	// for a direct application (call.go).
	Call string `json:"call,omitempty"`
	// Stage is PRELIMINARY or FINAL; "" reads as FINAL (cases from before calls).
	Stage Stage `json:"stage,omitempty"`
	// Themes are the call's themes the application answers (CallStatistics).
	Themes []string `json:"themes,omitempty"`
	// ProgressPlan is the final application's plan for the trial's progress (R20).
	ProgressPlan string `json:"progressPlan,omitempty"`
	// Deadline is the last day to submit at the current stage of a call (R20):
	// the call's preliminary deadline, then the final deadline set at selection.
	Deadline string `json:"deadline,omitempty"`
	// Selection is KDD's answer to the preliminary application (select or decline).
	Selection *Selection `json:"selection,omitempty"`
}

// Lead returns the lead applicant, or nil for an application without one.
func (a *Application) Lead() *Applicant {
	for i := range a.Applicants {
		if a.Applicants[i].Lead {
			return &a.Applicants[i]
		}
	}
	return nil
}

// Applicant returns the applicant with the organisation number, or nil.
func (a *Application) Applicant(organisationNumber string) *Applicant {
	for i := range a.Applicants {
		if a.Applicants[i].OrganisationNumber == organisationNumber {
			return &a.Applicants[i]
		}
	}
	return nil
}

// ConsultationState is where a question to a ministry stands.
type ConsultationState string

// The consultation states.
const (
	ConsultationRequested ConsultationState = "REQUESTED"
	ConsultationAnswered  ConsultationState = "ANSWERED"
	ConsultationCancelled ConsultationState = "CANCELLED"
)

// Position is a ministry's stance in its statement (R10).
type Position string

// The positions a ministry may take.
const (
	PositionSupports               Position = "SUPPORTS"
	PositionSupportsWithConditions Position = "SUPPORTS_WITH_CONDITIONS"
	PositionObjects                Position = "OBJECTS"
	PositionNoComment              Position = "NO_COMMENT"
)

// ConsultationResponse is a ministry's answer.
type ConsultationResponse struct {
	Position  Position  `json:"position"`
	Statement string    `json:"statement,omitempty"`
	Responder Person    `json:"responder"`
	Time      time.Time `json:"time"`
}

// Consultation is KDD's question to the sector ministry that owns a rule (R10).
type Consultation struct {
	ApplicationID string                `json:"applicationId"`
	ID            string                `json:"id"` // unique within the application, "1", "2", …
	Ministry      string                `json:"ministry"`
	Question      string                `json:"question"`
	DueDate       string                `json:"dueDate"` // ISO date
	State         ConsultationState     `json:"state"`
	Response      *ConsultationResponse `json:"response,omitempty"`
	CancelReason  string                `json:"cancelReason,omitempty"`
	// CoveredExemptions are the exemptions owned by the ministry as they stood when the
	// consultation was opened: what it was asked about (R17).
	CoveredExemptions []Exemption `json:"coveredExemptions,omitempty"`
	RequestedBy       Person      `json:"requestedBy"`
	CreateTime        time.Time   `json:"createTime"`
	UpdateTime        time.Time   `json:"updateTime"`
}

// Event is one entry of a case's append-only history.
type Event struct {
	// Sequence is global across all cases and gap-free; assigned by the store.
	Sequence      uint64    `json:"sequence"`
	ApplicationID string    `json:"applicationId"`
	Time          time.Time `json:"time"`
	Actor         Actor     `json:"actor"`
	Action        Action    `json:"action"`
	FromState     State     `json:"fromState,omitempty"`
	ToState       State     `json:"toState,omitempty"`
	Comment       string    `json:"comment,omitempty"`
	// Changes names the fields the action changed, as proto field paths.
	Changes []string `json:"changes,omitempty"`
	// ConsultationID is set for consultation actions.
	ConsultationID string `json:"consultationId,omitempty"`
	// Call is set, and ApplicationID empty, for an event of a call for applications
	// (call.go); such an event is in the call's own hash chain.
	Call string `json:"call,omitempty"`
	// PrevHash is the Hash of the case's previous event, empty for its first; Hash is
	// EventHash over this event, PrevHash included (chain.go). Both are set by the store
	// when it appends the event.
	PrevHash string `json:"prevHash,omitempty"`
	Hash     string `json:"hash,omitempty"`
}

// LawOwnerConfirmation is KDD's finding of which ministry owns a law the reference data
// does not know (R16).
type LawOwnerConfirmation struct {
	LawID       string    `json:"lawId"`
	Ministry    string    `json:"ministry"`
	Reasons     string    `json:"reasons,omitempty"`
	ConfirmedBy Person    `json:"confirmedBy"`
	Time        time.Time `json:"time"`
}

// ReviewConclusion is the outcome of KDD's legal review of a flagged exemption (R19).
type ReviewConclusion string

// The conclusions of a legal review.
const (
	// ReviewWithinAct: the exemption may be granted (not a basic organisation rule, or
	// the restriction of rights is lawful and proportionate).
	ReviewWithinAct ReviewConclusion = "WITHIN_ACT"
	// ReviewOutsideAct: the exemption may not be granted.
	ReviewOutsideAct ReviewConclusion = "OUTSIDE_ACT"
)

// LegalReview is KDD's legal review of one flagged exemption (R19). Exemption is the
// exemption as it stood when reviewed: a changed exemption needs a new review.
type LegalReview struct {
	ExemptionIndex int              `json:"exemptionIndex"`
	Exemption      Exemption        `json:"exemption"`
	Conclusion     ReviewConclusion `json:"conclusion"`
	Reasons        string           `json:"reasons"`
	ReviewedBy     Person           `json:"reviewedBy"`
	Time           time.Time        `json:"time"`
}

// WithdrawnParticipant is a co-applicant that withdrew from a joint application before
// the decision (R8+).
type WithdrawnParticipant struct {
	Applicant Applicant `json:"applicant"`
	Reason    string    `json:"reason"`
	Time      time.Time `json:"time"`
}
