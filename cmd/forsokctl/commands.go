package main

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
)

const (
	groupRead         = "Reading"
	groupKDD          = "Actions of KDD"
	groupMinistry     = "Action of a sector ministry"
	groupMunicipality = "Actions of a municipality (mostly REST; drafts are REST only)"
)

// commands is every subcommand, in the order of the usage text.
var commands = []*command{
	{name: "list", group: groupRead, summary: "the cases as a table: id, case number, state, applicants, title, due", setup: setupList},
	{name: "show", group: groupRead, args: "ID", minArgs: 1, maxArgs: 1, summary: "a case's details, consultations and history as a timeline", setup: setupShow},
	{name: "get", group: groupRead, args: "ID", minArgs: 1, maxArgs: 1, summary: "a case's details", setup: setupGet},
	{name: "consultations", group: groupRead, args: "[ID]", maxArgs: 1, summary: "a case's consultations; without ID, the open consultations of every case you see", setup: setupConsultations},
	{name: "events", group: groupRead, args: "ID", minArgs: 1, maxArgs: 1, summary: "a case's history, oldest first", setup: setupEvents},
	{name: "actions", group: groupRead, args: "ID", minArgs: 1, maxArgs: 1, summary: "what you may do next with a case, and the rules that fail", setup: setupActions},
	{name: "due", group: groupRead, summary: "what needs attention: overdue consultations and answers (R14), unassigned, ready for decision", setup: setupDue},
	{name: "workflow", group: groupRead, summary: "the state machine's transitions, or with -mermaid its diagram", setup: setupWorkflow},

	{name: "assign", group: groupKDD, args: "ID", minArgs: 1, maxArgs: 1, summary: "take the case, or give it to -handler: SUBMITTED → IN_REVIEW", setup: setupAssign},
	{name: "interim-reply", group: groupKDD, args: "ID", minArgs: 1, maxArgs: 1, summary: "record an interim reply to the applicants (R14)", setup: setupInterimReply},
	{name: "request-changes", group: groupKDD, args: "ID", minArgs: 1, maxArgs: 1, summary: "send the case back with questions → CHANGES_REQUESTED", setup: setupRequestChanges},
	{name: "consult", group: groupKDD, args: "ID", minArgs: 1, maxArgs: 1, summary: "open a consultation with a sector ministry (R10) → IN_CONSULTATION", setup: setupConsult},
	{name: "cancel-consultation", group: groupKDD, args: "CONSULTATION", minArgs: 1, maxArgs: 1, summary: "cancel an open consultation", setup: setupCancelConsultation},
	{name: "approve", group: groupKDD, args: "ID", minArgs: 1, maxArgs: 1, summary: "approve the trial (R6, R10, R11) → APPROVED", setup: setupApprove},
	{name: "reject", group: groupKDD, args: "ID", minArgs: 1, maxArgs: 1, summary: "reject the application (R11) → REJECTED", setup: setupReject},
	{name: "record-publication", group: groupKDD, args: "ID", minArgs: 1, maxArgs: 1, summary: "record the trial regulation's Lovdata id and publication (R9)", setup: setupRecordPublication},
	{name: "activate", group: groupKDD, args: "ID", minArgs: 1, maxArgs: 1, summary: "start the trial: APPROVED → ACTIVE (R9, start date reached)", setup: setupActivate},
	{name: "decide-extension", group: groupKDD, args: "ID", minArgs: 1, maxArgs: 1, summary: "grant (-grant) or deny an extension (R7) → ACTIVE", setup: setupDecideExtension},
	{name: "end-period", group: groupKDD, args: "ID", minArgs: 1, maxArgs: 1, summary: "end the trial period → EVALUATING (end date passed)", setup: setupEndPeriod},
	{name: "terminate", group: groupKDD, args: "ID...", minArgs: 1, maxArgs: -1, summary: "end trials early under one repealing instrument (R13); several: all or none", setup: setupTerminate},
	{name: "close", group: groupKDD, args: "ID", minArgs: 1, maxArgs: 1, summary: "close the case with an outcome (R12) → CLOSED", setup: setupClose},
	{name: "confirm-law-owner", group: groupKDD, args: "ID", minArgs: 1, maxArgs: 1, summary: "confirm which ministry owns a law the reference data does not know (R16)", setup: setupConfirmLawOwner},
	{name: "legal-review", group: groupKDD, args: "ID", minArgs: 1, maxArgs: 1, summary: "record the legal review of a flagged exemption (R19)", setup: setupRecordLegalReview},

	{name: "respond", group: groupMinistry, args: "CONSULTATION", minArgs: 1, maxArgs: 1, summary: "answer a consultation with a position and a statement", setup: setupRespond},

	{name: "submit", group: groupMunicipality, args: "ID", minArgs: 1, maxArgs: 1, summary: "submit the application to KDD", setup: setupSubmit},
	{name: "withdraw", group: groupMunicipality, args: "ID", minArgs: 1, maxArgs: 1, summary: "withdraw the application → WITHDRAWN", setup: setupWithdraw},
	{name: "confirm-participation", group: groupMunicipality, args: "ID", minArgs: 1, maxArgs: 1, summary: "confirm a co-applicant's participation with its council decision (R8)", setup: setupConfirmParticipation},
	{name: "request-extension", group: groupMunicipality, args: "ID", minArgs: 1, maxArgs: 1, summary: "ask for a longer period (R7) → EXTENSION_REQUESTED", setup: setupRequestExtension},
	{name: "submit-evaluation", group: groupMunicipality, args: "ID", minArgs: 1, maxArgs: 1, summary: "submit the evaluation report (R12)", setup: setupSubmitEvaluation},
	{name: "withdraw-participation", group: groupMunicipality, args: "ID", minArgs: 1, maxArgs: 1, summary: "a co-applicant leaves the application before the decision (R8+)", setup: setupWithdrawParticipation},
}

// Reading.

func setupList(f *flags) runFunc {
	var filter, states, applicant, caseFlag, pageToken string
	var pageSize int
	var all bool
	f.text(&filter, "filter", "filter", "an AIP-160 `expression`: state = SUBMITTED AND applicant = 940931002")
	f.StringVar(&states, "state", "", "only cases in these `states`, comma-separated: SUBMITTED,IN_REVIEW")
	f.StringVar(&applicant, "applicant", "", "only cases with this applicant (an organisation number, `orgnr`)")
	f.StringVar(&caseFlag, "flag", "", "only cases carrying this `flag`: "+strings.Join(enumNames(forsokv1.Application_Flag_value), ", "))
	f.IntVar(&pageSize, "page-size", 0, "at most `n` cases a page; 0 is the server's default")
	f.text(&pageToken, "page-token", "page_token", "continue from this `token` (printed after a partial page)")
	f.BoolVar(&all, "all", false, "fetch every page")
	return func(ctx context.Context, s *session, _ []string) error {
		expr, err := listFilter(filter, states, applicant, caseFlag)
		if err != nil {
			return err
		}
		if pageSize < 0 || pageSize > math.MaxInt32 {
			return usagef("-page-size %d: want 0 or a positive number", pageSize)
		}
		req := &forsokv1.ListApplicationsRequest{Filter: expr, PageSize: int32(pageSize), PageToken: pageToken}
		resp, err := s.listApplications(ctx, req, all)
		if err != nil {
			return err
		}
		return s.emit(resp, func(w io.Writer) {
			printApplicationTable(w, resp.GetApplications())
			if resp.GetNextPageToken() != "" {
				s.notef("more cases: add -all, or -page-token %s", resp.GetNextPageToken())
			}
		})
	}
}

// listFilter joins -filter, -state, -applicant and -flag into one AIP-160 filter.
func listFilter(filter, states, applicant, caseFlag string) (string, error) {
	var parts []string
	if f := strings.TrimSpace(filter); f != "" {
		parts = append(parts, f)
	}
	if states != "" {
		var clauses []string
		for _, st := range strings.Split(states, ",") {
			name, err := enumValueName(forsokv1.Application_State_value, "-state", st)
			if err != nil {
				return "", err
			}
			clauses = append(clauses, "state = "+name)
		}
		if len(clauses) == 1 {
			parts = append(parts, clauses[0])
		} else {
			parts = append(parts, "("+strings.Join(clauses, " OR ")+")")
		}
	}
	if a := strings.TrimSpace(applicant); a != "" {
		parts = append(parts, "applicant = "+strconv.Quote(a))
	}
	if caseFlag != "" {
		name, err := enumValueName(forsokv1.Application_Flag_value, "-flag", caseFlag)
		if err != nil {
			return "", err
		}
		parts = append(parts, "flag = "+name)
	}
	return strings.Join(parts, " AND "), nil
}

// enumValueName returns the enum name s stands for, in any case and with - for _.
func enumValueName(names map[string]int32, flagName, s string) (string, error) {
	name := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), "-", "_"))
	if v, ok := names[name]; !ok || v == 0 {
		return "", usagef("%s %q is not one of %s", flagName, strings.TrimSpace(s), strings.Join(enumNames(names), ", "))
	}
	return name, nil
}

func setupGet(*flags) runFunc {
	return func(ctx context.Context, s *session, args []string) error {
		name, err := applicationName(args[0])
		if err != nil {
			return err
		}
		app, err := s.api.GetApplication(ctx, &forsokv1.GetApplicationRequest{Name: name})
		if err != nil {
			return err
		}
		return s.emit(app, func(w io.Writer) { printApplication(w, app) })
	}
}

func setupShow(*flags) runFunc {
	return func(ctx context.Context, s *session, args []string) error {
		name, err := applicationName(args[0])
		if err != nil {
			return err
		}
		app, err := s.api.GetApplication(ctx, &forsokv1.GetApplicationRequest{Name: name})
		if err != nil {
			return err
		}
		// What the caller may not read (a public caller's consultations, say) is left
		// out with a note, not an error: the rest is still worth showing.
		cons, consErr := s.api.ListConsultations(ctx, &forsokv1.ListConsultationsRequest{Parent: name})
		if consErr = tolerate(consErr); consErr != nil {
			return consErr
		}
		events, evErr := s.listEvents(ctx, name)
		if evErr = tolerate(evErr); evErr != nil {
			return evErr
		}
		if s.json {
			return s.writeShowJSON(app, cons, events)
		}
		w := s.table()
		printApplication(w, app)
		names := newFormatter(app)
		if cons != nil {
			printConsultations(w, cons.GetConsultations(), names)
		}
		if events != nil {
			printTimeline(w, events.GetEvents(), names, true)
		}
		if err := w.Flush(); err != nil {
			return err
		}
		if cons == nil {
			s.notef("consultations not shown: you may not read them")
		}
		if events == nil {
			s.notef("history not shown: you may not read it")
		}
		return nil
	}
}

// tolerate returns nil for the errors that mean "not for you to read".
func tolerate(err error) error {
	switch status.Code(err) {
	case codes.PermissionDenied, codes.Unauthenticated:
		return nil
	}
	return err
}

func (s *session) writeShowJSON(app *forsokv1.Application, cons *forsokv1.ListConsultationsResponse, events *forsokv1.ListApplicationEventsResponse) error {
	out := struct {
		Application   json.RawMessage   `json:"application"`
		Consultations []json.RawMessage `json:"consultations,omitempty"`
		Events        []json.RawMessage `json:"events,omitempty"`
	}{}
	var err error
	if out.Application, err = protojson.Marshal(app); err != nil {
		return err
	}
	for _, c := range cons.GetConsultations() {
		b, err := protojson.Marshal(c)
		if err != nil {
			return err
		}
		out.Consultations = append(out.Consultations, b)
	}
	for _, e := range events.GetEvents() {
		b, err := protojson.Marshal(e)
		if err != nil {
			return err
		}
		out.Events = append(out.Events, b)
	}
	return s.writeJSON(out)
}

func setupConsultations(*flags) runFunc {
	return func(ctx context.Context, s *session, args []string) error {
		if len(args) == 0 {
			resp, err := s.listOpenConsultations(ctx)
			if err != nil {
				return err
			}
			return s.emit(resp, func(w io.Writer) { printConsultationTable(w, resp.GetConsultations()) })
		}
		name, err := applicationName(args[0])
		if err != nil {
			return err
		}
		resp, err := s.api.ListConsultations(ctx, &forsokv1.ListConsultationsRequest{Parent: name})
		if err != nil {
			return err
		}
		return s.emit(resp, func(w io.Writer) { printConsultations(w, resp.GetConsultations(), newFormatter(nil)) })
	}
}

func setupEvents(*flags) runFunc {
	return func(ctx context.Context, s *session, args []string) error {
		name, err := applicationName(args[0])
		if err != nil {
			return err
		}
		resp, err := s.listEvents(ctx, name)
		if err != nil {
			return err
		}
		return s.emit(resp, func(w io.Writer) { printTimeline(w, resp.GetEvents(), newFormatter(nil), false) })
	}
}

func setupActions(f *flags) runFunc {
	var onlyAllowed bool
	f.BoolVar(&onlyAllowed, "allowed", false, "list only the actions you may take now")
	return func(ctx context.Context, s *session, args []string) error {
		name, err := applicationName(args[0])
		if err != nil {
			return err
		}
		resp, err := s.api.ListAllowedActions(ctx, &forsokv1.ListAllowedActionsRequest{Name: name})
		if err != nil {
			return err
		}
		if onlyAllowed {
			var keep []*forsokv1.AllowedAction
			for _, a := range resp.GetActions() {
				if a.GetAllowed() {
					keep = append(keep, a)
				}
			}
			resp.Actions = keep
		}
		return s.emit(resp, func(w io.Writer) { printActions(w, resp.GetActions()) })
	}
}

func setupWorkflow(f *flags) runFunc {
	var mermaid bool
	f.BoolVar(&mermaid, "mermaid", false, "print only the Mermaid state diagram")
	return func(ctx context.Context, s *session, _ []string) error {
		wf, err := s.api.GetWorkflow(ctx, &forsokv1.GetWorkflowRequest{})
		if err != nil {
			return err
		}
		if mermaid && !s.json {
			_, err := io.WriteString(s.stdout, strings.TrimRight(wf.GetMermaid(), "\n")+"\n")
			return err
		}
		return s.emit(wf, func(w io.Writer) { printWorkflow(w, wf) })
	}
}

// Actions of KDD.

func setupAssign(f *flags) runFunc {
	req := &forsokv1.AssignApplicationRequest{}
	f.text(&req.Handler, "handler", "handler", "the handler's `subject` (a KDD person's token sub); default: you")
	f.text(&req.HandlerName, "handler-name", "handler_name", "the handler's `name`, recorded with -handler")
	f.text(&req.Comment, "comment", "comment", "a `comment` for the history")
	f.action(&req.Etag, &req.RequestId)
	return applicationAction(&req.Name, func(ctx context.Context, s *session) (*forsokv1.Application, error) {
		return s.api.AssignApplication(ctx, req)
	})
}

func setupInterimReply(f *flags) runFunc {
	req := &forsokv1.RecordInterimReplyRequest{}
	f.text(&req.Text, "text", "text", "the reply to the applicants (`text`)")
	f.text(&req.ExpectedDecisionDate, "expected-date", "expected_decision_date", "when KDD expects to decide (`date`)")
	f.action(&req.Etag, &req.RequestId)
	return applicationAction(&req.Name, func(ctx context.Context, s *session) (*forsokv1.Application, error) {
		return s.api.RecordInterimReply(ctx, req)
	})
}

func setupRequestChanges(f *flags) runFunc {
	req := &forsokv1.RequestChangesRequest{}
	f.text(&req.Questions, "questions", "questions", "what the applicants are asked to change or answer (`text`)")
	f.action(&req.Etag, &req.RequestId)
	return applicationAction(&req.Name, func(ctx context.Context, s *session) (*forsokv1.Application, error) {
		return s.api.RequestChanges(ctx, req)
	})
}

func setupConsult(f *flags) runFunc {
	req := &forsokv1.CreateConsultationRequest{Consultation: &forsokv1.Consultation{}}
	var workingDays int
	f.text(&req.Consultation.Ministry, "ministry", "ministry", "the ministry's `code`, as in the reference data: KD")
	f.text(&req.Consultation.Question, "question", "question", "what KDD asks the ministry (`text`)")
	f.text(&req.Consultation.DueDate, "due", "due_date", "the last day for the answer (`date`)")
	f.IntVar(&workingDays, "due-working-days", 0, "the answer is due in `n` Norwegian working days (instead of -due; neither: the server's default)")
	f.fields["due_working_days"] = "due-working-days"
	f.action(&req.Etag, &req.RequestId)
	return func(ctx context.Context, s *session, args []string) error {
		var err error
		if req.Parent, err = applicationName(args[0]); err != nil {
			return err
		}
		if workingDays < math.MinInt32 || workingDays > math.MaxInt32 {
			return usagef("-due-working-days %d is out of range", workingDays)
		}
		req.Consultation.DueWorkingDays = int32(workingDays)
		c, err := s.api.CreateConsultation(ctx, req)
		if err != nil {
			return err
		}
		return s.emit(c, func(w io.Writer) { printConsultationLine(w, c) })
	}
}

func setupCancelConsultation(f *flags) runFunc {
	req := &forsokv1.CancelConsultationRequest{}
	f.text(&req.Reason, "reason", "reason", "why KDD cancels the consultation (`text`)")
	f.action(&req.Etag, &req.RequestId)
	return consultationAction(&req.Name, func(ctx context.Context, s *session) (*forsokv1.Consultation, error) {
		return s.api.CancelConsultation(ctx, req)
	})
}

func setupApprove(f *flags) runFunc {
	req := &forsokv1.ApproveApplicationRequest{}
	f.text(&req.ApprovedStart, "start", "approved_start", "the approved first day (`date`)")
	f.text(&req.ApprovedEnd, "end", "approved_end", "the approved last day (`date`); at most four years after -start less one day (R6)")
	f.text(&req.Reasons, "reasons", "reasons", "the decision's reasons (`text`, R11)")
	f.text(&req.ObjectionResponse, "objection-response", "objection_response", "the answer to a ministry's objection (`text`; required when one objected, R10)")
	f.text(&req.RegulationId, "regulation-id", "regulation_id", "the trial regulation's Lovdata `id`, if already published (R9)")
	f.text(&req.PublicationReference, "publication", "publication_reference", "the regulation's publication in Norsk Lovtidend (`reference`), if published (R9)")
	f.text(&req.PublicationDate, "publication-date", "publication_date", "the publication's `date`; defaults to today (R18)")
	f.Var(grantedFlag{&req.GrantedExemptions}, "grant-exemptions", "grant only these exemptions (`indexes`, comma-separated: a partial approval, R18); default all")
	f.fields["granted_exemptions"] = "grant-exemptions"
	f.action(&req.Etag, &req.RequestId)
	return applicationAction(&req.Name, func(ctx context.Context, s *session) (*forsokv1.Application, error) {
		return s.api.ApproveApplication(ctx, req)
	})
}

func setupReject(f *flags) runFunc {
	req := &forsokv1.RejectApplicationRequest{}
	codes := f.enum(forsokv1.RejectApplicationRequest_ReasonCode_value, true, "reason-codes", "reason_codes", "the coded reasons, comma-separated")
	f.text(&req.Reasons, "reasons", "reasons", "the decision's reasons (`text`, R11)")
	f.action(&req.Etag, &req.RequestId)
	return applicationAction(&req.Name, func(ctx context.Context, s *session) (*forsokv1.Application, error) {
		for _, c := range codes.values {
			req.ReasonCodes = append(req.ReasonCodes, forsokv1.RejectApplicationRequest_ReasonCode(c))
		}
		return s.api.RejectApplication(ctx, req)
	})
}

func setupRecordPublication(f *flags) runFunc {
	req := &forsokv1.RecordPublicationRequest{}
	f.text(&req.RegulationId, "regulation-id", "regulation_id", "the trial regulation's Lovdata `id`: FOR-2026-06-20-1234")
	f.text(&req.PublicationReference, "publication", "publication_reference", "its publication in Norsk Lovtidend (`reference`)")
	f.text(&req.PublicationDate, "publication-date", "publication_date", "the publication's `date`; defaults to today (R18)")
	f.action(&req.Etag, &req.RequestId)
	return applicationAction(&req.Name, func(ctx context.Context, s *session) (*forsokv1.Application, error) {
		return s.api.RecordPublication(ctx, req)
	})
}

func setupActivate(f *flags) runFunc {
	req := &forsokv1.ActivateTrialRequest{}
	f.text(&req.Comment, "comment", "comment", "a `comment` for the history")
	f.action(&req.Etag, &req.RequestId)
	return applicationAction(&req.Name, func(ctx context.Context, s *session) (*forsokv1.Application, error) {
		return s.api.ActivateTrial(ctx, req)
	})
}

func setupDecideExtension(f *flags) runFunc {
	req := &forsokv1.DecideExtensionRequest{}
	f.BoolVar(&req.Grant, "grant", false, "grant the extension; without it, deny it")
	f.fields["grant"] = "grant"
	f.text(&req.ApprovedEnd, "end", "approved_end", "the granted last day (`date`; required to grant)")
	f.text(&req.AmendingRegulationId, "amending-regulation-id", "amending_regulation_id", "the Lovdata `id` of the regulation amending the trial's (required to grant)")
	f.text(&req.Reasons, "reasons", "reasons", "the decision's reasons (`text`; required to deny)")
	f.action(&req.Etag, &req.RequestId)
	return applicationAction(&req.Name, func(ctx context.Context, s *session) (*forsokv1.Application, error) {
		return s.api.DecideExtension(ctx, req)
	})
}

func setupEndPeriod(f *flags) runFunc {
	req := &forsokv1.EndTrialPeriodRequest{}
	f.text(&req.Comment, "comment", "comment", "a `comment` for the history")
	f.action(&req.Etag, &req.RequestId)
	return applicationAction(&req.Name, func(ctx context.Context, s *session) (*forsokv1.Application, error) {
		return s.api.EndTrialPeriod(ctx, req)
	})
}

func setupTerminate(f *flags) runFunc {
	var reasons, instrument, etag, requestID string
	f.text(&reasons, "reasons", "reasons", "why the trials are ended (`text`, R13)")
	f.text(&instrument, "instrument", "repealing_instrument", "the `instrument` repealing the trials' regulations (R13)")
	f.action(&etag, &requestID)
	return func(ctx context.Context, s *session, args []string) error {
		names := make([]string, len(args))
		for i, a := range args {
			var err error
			if names[i], err = applicationName(a); err != nil {
				return err
			}
		}
		if len(names) == 1 {
			app, err := s.api.TerminateTrial(ctx, &forsokv1.TerminateTrialRequest{
				Name: names[0], Reasons: reasons, RepealingInstrument: instrument, Etag: etag, RequestId: requestID})
			if err != nil {
				return err
			}
			return s.emit(app, func(w io.Writer) { printApplicationLine(w, app) })
		}
		if etag != "" {
			return usagef("-etag applies to one case; a batch of %d is all or none without it", len(names))
		}
		resp, err := s.api.BatchTerminateTrials(ctx, &forsokv1.BatchTerminateTrialsRequest{
			Names: names, Reasons: reasons, RepealingInstrument: instrument, RequestId: requestID})
		if err != nil {
			return err
		}
		return s.emit(resp, func(w io.Writer) {
			for _, app := range resp.GetApplications() {
				printApplicationLine(w, app)
			}
		})
	}
}

func setupClose(f *flags) runFunc {
	req := &forsokv1.CloseApplicationRequest{}
	outcome := f.enum(forsokv1.Application_Outcome_value, false, "outcome", "outcome", "the case's outcome")
	f.text(&req.Reasons, "reasons", "reasons", "the closing decision's reasons (`text`; required -without-evaluation)")
	f.BoolVar(&req.WithoutEvaluation, "without-evaluation", false, "close without an evaluation report (R12's exceptions; outcome DISCONTINUED)")
	f.fields["without_evaluation"] = "without-evaluation"
	f.action(&req.Etag, &req.RequestId)
	return applicationAction(&req.Name, func(ctx context.Context, s *session) (*forsokv1.Application, error) {
		req.Outcome = forsokv1.Application_Outcome(outcome.first())
		return s.api.CloseApplication(ctx, req)
	})
}

// Action of a sector ministry.

func setupRespond(f *flags) runFunc {
	req := &forsokv1.RespondToConsultationRequest{}
	position := f.enum(forsokv1.Consultation_Position_value, false, "position", "position", "the ministry's position")
	f.text(&req.Statement, "statement", "statement", "the ministry's statement (`text`; only NO_COMMENT may leave it out)")
	f.action(&req.Etag, &req.RequestId)
	return consultationAction(&req.Name, func(ctx context.Context, s *session) (*forsokv1.Consultation, error) {
		req.Position = forsokv1.Consultation_Position(position.first())
		return s.api.RespondToConsultation(ctx, req)
	})
}

// Actions of a municipality.

func setupSubmit(f *flags) runFunc {
	req := &forsokv1.SubmitApplicationRequest{}
	f.text(&req.Comment, "comment", "comment", "a `comment` for the history")
	f.action(&req.Etag, &req.RequestId)
	return applicationAction(&req.Name, func(ctx context.Context, s *session) (*forsokv1.Application, error) {
		return s.api.SubmitApplication(ctx, req)
	})
}

func setupWithdraw(f *flags) runFunc {
	req := &forsokv1.WithdrawApplicationRequest{}
	f.text(&req.Reason, "reason", "reason", "why the applicants withdraw (`text`)")
	f.action(&req.Etag, &req.RequestId)
	return applicationAction(&req.Name, func(ctx context.Context, s *session) (*forsokv1.Application, error) {
		return s.api.WithdrawApplication(ctx, req)
	})
}

// councilFlags registers the flags of a council decision.
func councilFlags(f *flags, cd *forsokv1.CouncilDecision) {
	f.text(&cd.Body, "council-body", "council_decision.body", "the deciding `body`: Råde kommunestyre")
	f.text(&cd.CaseReference, "council-ref", "council_decision.case_reference", "the council's case `reference`: 2025/311")
	f.text(&cd.MeetingDate, "council-date", "council_decision.meeting_date", "the meeting's `date`, not in the future")
}

func setupConfirmParticipation(f *flags) runFunc {
	req := &forsokv1.ConfirmParticipationRequest{CouncilDecision: &forsokv1.CouncilDecision{}}
	f.text(&req.OrganisationNumber, "org", "organisation_number", "your organisation number (`orgnr`)")
	councilFlags(f, req.CouncilDecision)
	f.action(&req.Etag, &req.RequestId)
	return applicationAction(&req.Name, func(ctx context.Context, s *session) (*forsokv1.Application, error) {
		return s.api.ConfirmParticipation(ctx, req)
	})
}

func setupRequestExtension(f *flags) runFunc {
	req := &forsokv1.RequestExtensionRequest{CouncilDecision: &forsokv1.CouncilDecision{}}
	f.text(&req.RequestedEnd, "end", "requested_end", "the wanted last day (`date`)")
	councilFlags(f, req.CouncilDecision)
	f.text(&req.ReformReference, "reform", "reform_reference", "the planned or decided `reform`, for more than two years in total (R7)")
	f.text(&req.ReformInForce, "reform-in-force", "reform_in_force", "the reform's in-force `date` (R7)")
	f.action(&req.Etag, &req.RequestId)
	return applicationAction(&req.Name, func(ctx context.Context, s *session) (*forsokv1.Application, error) {
		return s.api.RequestExtension(ctx, req)
	})
}

func setupSubmitEvaluation(f *flags) runFunc {
	req := &forsokv1.SubmitEvaluationRequest{}
	f.text(&req.ReportReference, "report", "report_reference", "where the report is published or filed (`reference`)")
	f.text(&req.Summary, "summary", "summary", "the report's summary (`text`)")
	f.action(&req.Etag, &req.RequestId)
	return applicationAction(&req.Name, func(ctx context.Context, s *session) (*forsokv1.Application, error) {
		return s.api.SubmitEvaluation(ctx, req)
	})
}

// applicationAction runs an action on the application named by the one argument,
// setting *name, and prints the updated case.
func applicationAction(name *string, call func(context.Context, *session) (*forsokv1.Application, error)) runFunc {
	return func(ctx context.Context, s *session, args []string) error {
		var err error
		if *name, err = applicationName(args[0]); err != nil {
			return err
		}
		app, err := call(ctx, s)
		if err != nil {
			return err
		}
		return s.emit(app, func(w io.Writer) { printApplicationLine(w, app) })
	}
}

// consultationAction runs an action on the consultation named by the one argument.
func consultationAction(name *string, call func(context.Context, *session) (*forsokv1.Consultation, error)) runFunc {
	return func(ctx context.Context, s *session, args []string) error {
		var err error
		if *name, err = consultationName(args[0]); err != nil {
			return err
		}
		c, err := call(ctx, s)
		if err != nil {
			return err
		}
		return s.emit(c, func(w io.Writer) { printConsultationLine(w, c) })
	}
}
