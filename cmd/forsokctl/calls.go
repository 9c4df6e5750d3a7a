package main

// Calls for applications (R20): listing and reading calls with their statistics, and
// KDD's selection among the preliminary applications.

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
)

const groupCalls = "Calls for applications (R20)"

func init() {
	commands = append(commands,
		&command{name: "calls", group: groupCalls, args: "[CALL]", maxArgs: 1, summary: "the calls for applications; with CALL, one call and its statistics", setup: setupCalls},
		&command{name: "select", group: groupCalls, args: "ID...", minArgs: 1, maxArgs: -1, summary: "select preliminary applications → SELECTED; with -decline, one decision on several: all or none", setup: setupSelect},
		&command{name: "decline", group: groupCalls, args: "ID...", minArgs: 1, maxArgs: -1, summary: "decline preliminary applications → NOT_SELECTED; several: all or none", setup: setupDecline},
	)
}

// callName turns "2027-01" or "calls/2027-01" into the call's resource name.
func callName(arg string) (string, error) {
	id := strings.TrimPrefix(strings.TrimSpace(arg), "calls/")
	if id == "" || strings.Contains(id, "/") {
		return "", usagef("%q is not a call; give its id (2027-01) or name (calls/2027-01)", arg)
	}
	return "calls/" + id, nil
}

func setupCalls(*flags) runFunc {
	return func(ctx context.Context, s *session, args []string) error {
		if len(args) == 0 {
			resp, err := s.api.ListCalls(ctx, &forsokv1.ListCallsRequest{PageSize: 1000})
			if err != nil {
				return err
			}
			return s.emit(resp, func(w io.Writer) {
				t := s.table()
				fmt.Fprintln(t, "CALL\tSTATE\tPRELIMINARY\tFINAL\tTITLE")
				for _, c := range resp.GetCalls() {
					fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%s\n", c.GetName(), c.GetState(), c.GetPreliminaryDeadline(), c.GetFinalDeadline(), c.GetTitle())
				}
				_ = t.Flush()
			})
		}
		name, err := callName(args[0])
		if err != nil {
			return err
		}
		c, err := s.api.GetCall(ctx, &forsokv1.GetCallRequest{Name: name})
		if err != nil {
			return err
		}
		st, err := s.api.GetCallStatistics(ctx, &forsokv1.GetCallStatisticsRequest{Name: name + "/statistics"})
		if err != nil {
			return err
		}
		if s.json {
			if err := s.writeProtoJSON(c); err != nil {
				return err
			}
			return s.writeProtoJSON(st)
		}
		w := s.stdout
		fmt.Fprintf(w, "%s  %s  %s\n", c.GetName(), c.GetState(), c.GetTitle())
		fmt.Fprintf(w, "preliminary deadline %s, final deadline %s (24:00 Europe/Oslo)\n", c.GetPreliminaryDeadline(), c.GetFinalDeadline())
		fmt.Fprintf(w, "themes: %s\n", strings.Join(c.GetThemes(), ", "))
		fmt.Fprintf(w, "received %d, selected %d, not selected %d, withdrawn %d, final submitted %d, approved %d, drafts %d\n",
			st.GetReceived(), st.GetSelected(), st.GetNotSelected(), st.GetWithdrawn(), st.GetFinalSubmitted(), st.GetApproved(), st.GetDrafts())
		fmt.Fprintf(w, "by county: %s\nby theme: %s\n", counts(st.GetByCounty()), counts(st.GetByTheme()))
		return nil
	}
}

// counts formats a map of counts, sorted by key: "31: 2, 39: 1".
func counts(m map[string]int32) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, m[k])
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// applicationNames turns the arguments into application names.
func applicationNames(args []string) ([]string, error) {
	names := make([]string, len(args))
	for i, a := range args {
		var err error
		if names[i], err = applicationName(a); err != nil {
			return nil, err
		}
	}
	return names, nil
}

// callOf returns the call of the application: a batch names its call.
func callOf(ctx context.Context, s *session, name string) (string, error) {
	app, err := s.api.GetApplication(ctx, &forsokv1.GetApplicationRequest{Name: name})
	if err != nil {
		return "", err
	}
	if app.GetCall() == "" {
		return "", usagef("%s is a direct application, in no call; decide it with approve or reject", name)
	}
	return app.GetCall(), nil
}

func printApplications(w io.Writer, apps []*forsokv1.Application) {
	for _, app := range apps {
		printApplicationLine(w, app)
	}
}

func setupSelect(f *flags) runFunc {
	var reasons, finalDeadline, decline, etag, requestID string
	f.text(&reasons, "reasons", "reasons", "the decision's reasons (`text`, R11)")
	f.text(&finalDeadline, "final-deadline", "final_deadline", "the last day for the final applications (`date`); default the call's")
	f.text(&decline, "decline", "declined_names", "applications of the call declined in the same decision (`ids`, comma-separated)")
	codes := f.enum(forsokv1.DeclineApplicationRequest_ReasonCode_value, true, "reason-codes", "decline_reason_codes", "the coded reasons of the declined, comma-separated")
	f.action(&etag, &requestID)
	return func(ctx context.Context, s *session, args []string) error {
		names, err := applicationNames(args)
		if err != nil {
			return err
		}
		var declined []string
		if decline != "" {
			if declined, err = applicationNames(strings.Split(decline, ",")); err != nil {
				return err
			}
		}
		if len(names) == 1 && len(declined) == 0 {
			app, err := s.api.SelectApplication(ctx, &forsokv1.SelectApplicationRequest{Name: names[0], Reasons: reasons,
				FinalDeadline: finalDeadline, Etag: etag, RequestId: requestID})
			if err != nil {
				return err
			}
			return s.emit(app, func(w io.Writer) { printApplicationLine(w, app) })
		}
		if etag != "" {
			return usagef("-etag applies to one case; one decision on %d is all or none without it", len(names)+len(declined))
		}
		call, err := callOf(ctx, s, names[0])
		if err != nil {
			return err
		}
		req := &forsokv1.SelectApplicationsRequest{Call: call, Names: names, DeclinedNames: declined, Reasons: reasons,
			FinalDeadline: finalDeadline, RequestId: requestID}
		for _, c := range codes.values {
			req.DeclineReasonCodes = append(req.DeclineReasonCodes, forsokv1.DeclineApplicationRequest_ReasonCode(c))
		}
		resp, err := s.api.SelectApplications(ctx, req)
		if err != nil {
			return err
		}
		return s.emit(resp, func(w io.Writer) { printApplications(w, resp.GetApplications()) })
	}
}

func setupDecline(f *flags) runFunc {
	var reasons, etag, requestID string
	codes := f.enum(forsokv1.DeclineApplicationRequest_ReasonCode_value, true, "reason-codes", "reason_codes", "the coded reasons, comma-separated")
	f.text(&reasons, "reasons", "reasons", "the decision's reasons (`text`, R11)")
	f.action(&etag, &requestID)
	return func(ctx context.Context, s *session, args []string) error {
		names, err := applicationNames(args)
		if err != nil {
			return err
		}
		var rc []forsokv1.DeclineApplicationRequest_ReasonCode
		for _, c := range codes.values {
			rc = append(rc, forsokv1.DeclineApplicationRequest_ReasonCode(c))
		}
		if len(names) == 1 {
			app, err := s.api.DeclineApplication(ctx, &forsokv1.DeclineApplicationRequest{Name: names[0], ReasonCodes: rc, Reasons: reasons,
				Etag: etag, RequestId: requestID})
			if err != nil {
				return err
			}
			return s.emit(app, func(w io.Writer) { printApplicationLine(w, app) })
		}
		if etag != "" {
			return usagef("-etag applies to one case; a batch of %d is all or none without it", len(names))
		}
		call, err := callOf(ctx, s, names[0])
		if err != nil {
			return err
		}
		resp, err := s.api.DeclineApplications(ctx, &forsokv1.DeclineApplicationsRequest{Call: call, Names: names, ReasonCodes: rc,
			Reasons: reasons, RequestId: requestID})
		if err != nil {
			return err
		}
		return s.emit(resp, func(w io.Writer) { printApplications(w, resp.GetApplications()) })
	}
}
