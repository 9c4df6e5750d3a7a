package trial

// Who may see a case and who may act on it (domain.md, Roles and visibility; api.md,
// How a request is handled). Seeing is decided before acting: a case the caller may not
// see is NOT_FOUND, exactly as a missing one; a case it may see but not act on is
// PERMISSION_DENIED.

// View is how much of a case a caller may see.
type View int

// The views, from nothing to everything.
const (
	ViewNone   View = iota // not visible: answered as not found
	ViewPublic             // the public register's fields only
	ViewFull               // the whole case
)

// ViewOf returns how much of app the actor may see. consultations are the case's
// consultations; a ministry sees the cases it has been consulted on.
func ViewOf(actor Actor, app *Application, consultations []*Consultation) View {
	switch actor.Role {
	case RoleKDDHandler, RoleKDDApprover, RoleSystem:
		if app.State != StateDraft {
			return ViewFull
		}
	case RoleMunicipality:
		if app.Applicant(actor.OrganisationNumber) != nil {
			return ViewFull
		}
	case RoleMinistry:
		for _, c := range consultations {
			if c.Ministry == actor.Ministry {
				return ViewFull
			}
		}
	}
	if app.State.Public() {
		return ViewPublic
	}
	return ViewNone
}

// party is who, besides a role, an action demands of the caller.
type party int

const (
	anyone        party = iota // any caller with the role
	leadApplicant              // the lead applicant's organisation
	coApplicant                // an applicant other than the lead
	consulted                  // the ministry the consultation is addressed to
)

// permission says which roles may take an action, and which party they must be.
type permission struct {
	roles []Role
	party party
}

var kddRoles = []Role{RoleKDDHandler, RoleKDDApprover}

// permissions is the Actor column of domain.md's Actions table.
var permissions = map[Action]permission{
	ActionCreate:                {roles: []Role{RoleMunicipality}},
	ActionUpdate:                {roles: []Role{RoleMunicipality}, party: leadApplicant},
	ActionDelete:                {roles: []Role{RoleMunicipality}, party: leadApplicant},
	ActionConfirmParticipation:  {roles: []Role{RoleMunicipality}, party: coApplicant},
	ActionSubmit:                {roles: []Role{RoleMunicipality}, party: leadApplicant},
	ActionWithdraw:              {roles: []Role{RoleMunicipality}, party: leadApplicant},
	ActionAssign:                {roles: kddRoles},
	ActionRecordInterimReply:    {roles: kddRoles},
	ActionRequestChanges:        {roles: kddRoles},
	ActionOpenConsultation:      {roles: kddRoles},
	ActionCancelConsultation:    {roles: kddRoles},
	ActionRespondToConsultation: {roles: []Role{RoleMinistry}, party: consulted},
	ActionApprove:               {roles: []Role{RoleKDDApprover}},
	ActionReject:                {roles: []Role{RoleKDDApprover}},
	ActionRecordPublication:     {roles: kddRoles},
	ActionActivate:              {roles: []Role{RoleKDDHandler, RoleKDDApprover, RoleSystem}},
	ActionRequestExtension:      {roles: []Role{RoleMunicipality}, party: leadApplicant},
	ActionDecideExtension:       {roles: []Role{RoleKDDApprover}},
	ActionEndPeriod:             {roles: []Role{RoleKDDHandler, RoleKDDApprover, RoleSystem}},
	ActionTerminate:             {roles: []Role{RoleKDDApprover}},
	ActionSubmitEvaluation:      {roles: []Role{RoleMunicipality}, party: leadApplicant},
	ActionClose:                 {roles: []Role{RoleKDDApprover}},
	ActionSelect:                {roles: []Role{RoleKDDApprover}},
	ActionDecline:               {roles: []Role{RoleKDDApprover}},
	ActionConfirmLawOwner:       {roles: kddRoles},
	ActionRecordLegalReview:     {roles: kddRoles},
	ActionWithdrawParticipation: {roles: []Role{RoleMunicipality}, party: coApplicant},
}

// Permitted reports whether actor may take action on app, given that it may see it.
// ministry is the consultation's ministry for consultation actions, else "".
// It returns a CodePermissionDenied *Error saying why, or nil.
func Permitted(actor Actor, action Action, app *Application, ministry string) error {
	p, ok := permissions[action]
	if !ok {
		return Errorf(CodeInternal, "no permission defined for action %s", action)
	}
	if !hasRole(p.roles, actor.Role) {
		return Errorf(CodePermissionDenied, "%s may not %s: the action is for %s", RoleName(actor.Role), action, roleList(p.roles))
	}
	switch p.party {
	case leadApplicant:
		if lead := app.Lead(); lead == nil || lead.OrganisationNumber != actor.OrganisationNumber {
			return Errorf(CodePermissionDenied, "only the lead applicant may %s this application", action)
		}
	case coApplicant:
		a := app.Applicant(actor.OrganisationNumber)
		if a == nil || a.Lead {
			if action == ActionWithdrawParticipation {
				return Errorf(CodePermissionDenied, "only a co-applicant withdraws its own participation; the lead applicant withdraws the whole application")
			}
			return Errorf(CodePermissionDenied, "only a co-applicant confirms its participation; the lead applicant's own council decision is part of the application")
		}
	case consulted:
		if actor.Ministry == "" || actor.Ministry != ministry {
			return Errorf(CodePermissionDenied, "only %s may respond to this consultation", ministry)
		}
	}
	return nil
}

func hasRole(roles []Role, r Role) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}

func RoleName(r Role) string {
	if r == RolePublic {
		return "an anonymous caller"
	}
	return "role " + string(r)
}

func roleList(roles []Role) string {
	s := ""
	for i, r := range roles {
		if i > 0 {
			s += " or "
		}
		s += string(r)
	}
	return s
}

// PublicView returns a copy of app with only the public register's fields: title,
// summary, applicants (names and numbers), category, purposes, exemptions, approved
// period, regulation and publication, state, decision reasons and outcome. Never
// ministries' statements, handlers or personal names.
func PublicView(app *Application) *Application {
	p := &Application{
		ID:         app.ID,
		CaseNumber: app.CaseNumber,
		State:      app.State,
		Revision:   app.Revision,
		Title:      app.Title,
		Summary:    app.Summary,
		Category:   app.Category,
		Purposes:   append([]Purpose(nil), app.Purposes...),
		Exemptions: append([]Exemption(nil), app.Exemptions...),
		CreateTime: app.CreateTime,
		UpdateTime: app.UpdateTime,
		SubmitTime: app.SubmitTime,
	}
	for _, a := range app.Applicants {
		p.Applicants = append(p.Applicants, Applicant{
			OrganisationNumber: a.OrganisationNumber, Name: a.Name, Kind: a.Kind,
			MunicipalityNumber: a.MunicipalityNumber, CountyNumber: a.CountyNumber, Lead: a.Lead,
		})
	}
	if d := app.Decision; d != nil {
		p.Decision = &Decision{
			Approved: d.Approved, ApprovedStart: d.ApprovedStart, ApprovedEnd: d.ApprovedEnd,
			Reasons: d.Reasons, ReasonCodes: d.ReasonCodes, Authority: d.Authority,
			DecideTime: d.DecideTime, RegulationID: d.RegulationID, PublicationReference: d.PublicationReference,
			DecideDate: d.DecideDate, GrantedExemptions: append([]int(nil), d.GrantedExemptions...), PublicationDate: d.PublicationDate,
		}
	}
	for _, e := range app.Extensions {
		if e.State == ExtensionGranted {
			p.Extensions = append(p.Extensions, Extension{
				RequestedEnd: e.RequestedEnd, State: e.State, ApprovedEnd: e.ApprovedEnd,
				AmendingRegulationID: e.AmendingRegulationID, Reasons: e.Reasons, DecideTime: e.DecideTime, Authority: e.Authority,
			})
		}
	}
	if t := app.Termination; t != nil {
		p.Termination = &Termination{Reasons: t.Reasons, RepealingInstrument: t.RepealingInstrument, Time: t.Time, Authority: t.Authority}
	}
	if c := app.Closure; c != nil {
		p.Closure = &Closure{Outcome: c.Outcome, Reasons: c.Reasons, WithoutEvaluation: c.WithoutEvaluation, Time: c.Time, Authority: c.Authority}
	}
	return p
}

// ApplicantConsultationView returns what an applicant sees of a consultation: its
// ministry, question, status and due date, not the ministry's statement.
func ApplicantConsultationView(c *Consultation) *Consultation {
	v := *c
	v.Response = nil
	v.RequestedBy = Person{}
	return &v
}
